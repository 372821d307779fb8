//! The staff's register as the reader chooses it (pure, unit-tested): its order (`sort`,
//! `dir`: any column the page shows, the id breaking ties), the CSV's columns and their words
//! (the API's codes, or the office's French, or English), and a saved view's name.

use chrono::NaiveDate;

use crate::agreements::domain::{Kind, Status};

/// What the register is sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    /// Creation (the default, newest first).
    Created,
    /// The student's name, else the research tutor's (the page's « Partie »).
    Party,
    Company,
    Kind,
    /// In the agreement's life: draft, sent, signed, cancelled.
    Status,
    StartsOn,
    /// How far the current version's signatures are: none asked yet (drafts) first, then the
    /// share signed, every one when signed.
    Signatures,
}

impl SortKey {
    pub const ALL: [SortKey; 7] = [
        SortKey::Created,
        SortKey::Party,
        SortKey::Company,
        SortKey::Kind,
        SortKey::Status,
        SortKey::StartsOn,
        SortKey::Signatures,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SortKey::Created => "created",
            SortKey::Party => "party",
            SortKey::Company => "company",
            SortKey::Kind => "kind",
            SortKey::Status => "status",
            SortKey::StartsOn => "starts_on",
            SortKey::Signatures => "signatures",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s.trim())
    }

    /// The direction a first click on its header asks: dates newest first, the rest A to Z.
    fn natural(self) -> Direction {
        match self {
            SortKey::Created => Direction::Desc,
            _ => Direction::Asc,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Asc,
    Desc,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Asc => "asc",
            Direction::Desc => "desc",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "asc" => Some(Direction::Asc),
            "desc" => Some(Direction::Desc),
            _ => None,
        }
    }

    fn flipped(self) -> Self {
        match self {
            Direction::Asc => Direction::Desc,
            Direction::Desc => Direction::Asc,
        }
    }

    /// The `aria-sort` value of the sorted header.
    pub fn aria(self) -> &'static str {
        match self {
            Direction::Asc => "ascending",
            Direction::Desc => "descending",
        }
    }
}

/// The register's order: a key and a direction; the id, in the same direction, makes it total
/// so that OFFSET paging never shows a row twice or skips one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Order {
    pub key: SortKey,
    pub dir: Direction,
}

impl Default for Order {
    fn default() -> Self {
        Order {
            key: SortKey::Created,
            dir: Direction::Desc,
        }
    }
}

impl Order {
    /// From the query's `sort` and `dir`: an unknown `sort` is the default order, an unknown
    /// `dir` the key's natural one.
    pub fn parse(sort: &str, dir: &str) -> Self {
        match SortKey::parse(sort) {
            Some(key) => Order {
                key,
                dir: Direction::parse(dir).unwrap_or(key.natural()),
            },
            None => Order::default(),
        }
    }

    pub fn is_default(&self) -> bool {
        *self == Order::default()
    }

    /// `&sort=…&dir=…` for links, nothing for the default order (links stay as they were).
    pub fn query(&self) -> String {
        if self.is_default() {
            String::new()
        } else {
            format!("&sort={}&dir={}", self.key.as_str(), self.dir.as_str())
        }
    }

    /// The order a click on `key`'s header asks: the other direction when already sorted by
    /// it, else its natural one.
    pub fn toggled(&self, key: SortKey) -> Order {
        if self.key == key {
            Order {
                key,
                dir: self.dir.flipped(),
            }
        } else {
            Order {
                key,
                dir: key.natural(),
            }
        }
    }
}

/// How the CSV writes its header and values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wording {
    /// The API's: headers are the column keys, kinds and statuses their codes, French dates
    /// and decimals (the format scripts already read; kept as it is).
    Codes,
    /// The office's: French headers and words, dd/mm/yyyy, decimal commas.
    French,
    /// English headers and words, ISO dates (yyyy-mm-dd), decimal points.
    English,
}

/// A column of the register's CSV.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Reference,
    Kind,
    Status,
    Student,
    StudentNumber,
    StudentEmail,
    Company,
    CompanySiret,
    Subject,
    StartsOn,
    EndsOn,
    InternshipHours,
    GratificationPerHour,
    /// The academic tutor (internships), research tutor or mission tutor.
    Tutor,
    SchoolSignedAt,
    CompanySignedAt,
    StudentSignedAt,
    TutorSignedAt,
    SentAt,
    SignedAt,
    CancelledAt,
    CancelReason,
    Version,
    Campaign,
    CompanyContact,
    Id,
}

impl Column {
    /// The page's CSV, in the office's order (every one unless the reader chooses).
    pub const ALL: [Column; 26] = [
        Column::Reference,
        Column::Kind,
        Column::Status,
        Column::Student,
        Column::StudentNumber,
        Column::StudentEmail,
        Column::Company,
        Column::CompanySiret,
        Column::Subject,
        Column::StartsOn,
        Column::EndsOn,
        Column::InternshipHours,
        Column::GratificationPerHour,
        Column::Tutor,
        Column::SchoolSignedAt,
        Column::CompanySignedAt,
        Column::StudentSignedAt,
        Column::TutorSignedAt,
        Column::SentAt,
        Column::SignedAt,
        Column::CancelledAt,
        Column::CancelReason,
        Column::Version,
        Column::Campaign,
        Column::CompanyContact,
        Column::Id,
    ];

    /// The API's CSV (`/api/v1/agreements.csv`), its columns in their historical order.
    pub const API: [Column; 22] = [
        Column::Reference,
        Column::Kind,
        Column::Status,
        Column::Version,
        Column::Campaign,
        Column::Company,
        Column::CompanyContact,
        Column::Student,
        Column::Tutor,
        Column::Subject,
        Column::StartsOn,
        Column::EndsOn,
        Column::SentAt,
        Column::SchoolSignedAt,
        Column::CompanySignedAt,
        Column::StudentSignedAt,
        Column::TutorSignedAt,
        Column::SignedAt,
        Column::CompanySiret,
        Column::InternshipHours,
        Column::GratificationPerHour,
        Column::Id,
    ];

    /// Its name in `columns=` and the API's header.
    pub fn key(self) -> &'static str {
        match self {
            Column::Reference => "reference",
            Column::Kind => "kind",
            Column::Status => "status",
            Column::Student => "student",
            Column::StudentNumber => "student_number",
            Column::StudentEmail => "student_email",
            Column::Company => "company",
            Column::CompanySiret => "company_siret",
            Column::Subject => "subject",
            Column::StartsOn => "starts_on",
            Column::EndsOn => "ends_on",
            Column::InternshipHours => "internship_hours",
            Column::GratificationPerHour => "gratification_per_hour",
            Column::Tutor => "tutor",
            Column::SchoolSignedAt => "school_signed_at",
            Column::CompanySignedAt => "company_signed_at",
            Column::StudentSignedAt => "student_signed_at",
            Column::TutorSignedAt => "tutor_signed_at",
            Column::SentAt => "sent_at",
            Column::SignedAt => "signed_at",
            Column::CancelledAt => "cancelled_at",
            Column::CancelReason => "cancel_reason",
            Column::Version => "version",
            Column::Campaign => "campaign",
            Column::CompanyContact => "company_contact",
            Column::Id => "id",
        }
    }

    /// (French, English) headers.
    fn headers(self) -> (&'static str, &'static str) {
        match self {
            Column::Reference => ("Référence", "Reference"),
            Column::Kind => ("Type", "Kind"),
            Column::Status => ("État", "Status"),
            Column::Student => ("Étudiant ou étudiante", "Student"),
            Column::StudentNumber => ("Numéro d’étudiant", "Student number"),
            Column::StudentEmail => ("E-mail de l’étudiant ou de l’étudiante", "Student e-mail"),
            Column::Company => ("Entreprise", "Company"),
            Column::CompanySiret => ("SIRET de l’entreprise", "Company SIRET"),
            Column::Subject => ("Sujet", "Subject"),
            Column::StartsOn => ("Début", "Start"),
            Column::EndsOn => ("Fin", "End"),
            Column::InternshipHours => ("Heures de stage", "Internship hours"),
            Column::GratificationPerHour => {
                ("Gratification horaire (€)", "Gratification per hour (EUR)")
            }
            Column::Tutor => ("Tuteur académique", "Academic tutor"),
            Column::SchoolSignedAt => ("Signature de l’établissement", "School signed"),
            Column::CompanySignedAt => ("Signature de l’entreprise", "Company signed"),
            Column::StudentSignedAt => (
                "Signature de l’étudiant ou de l’étudiante",
                "Student signed",
            ),
            Column::TutorSignedAt => ("Signature du tuteur", "Tutor signed"),
            Column::SentAt => ("Envoyée le", "Sent"),
            Column::SignedAt => ("Signée le", "Signed"),
            Column::CancelledAt => ("Annulée le", "Cancelled"),
            Column::CancelReason => ("Motif de l’annulation", "Reason for cancelling"),
            Column::Version => ("Version", "Version"),
            Column::Campaign => ("Campagne", "Campaign"),
            Column::CompanyContact => ("Contact de l’entreprise", "Company contact"),
            Column::Id => ("Identifiant", "Id"),
        }
    }

    pub fn header(self, wording: Wording) -> &'static str {
        match wording {
            Wording::Codes => self.key(),
            Wording::French => self.headers().0,
            Wording::English => self.headers().1,
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.key() == s.trim())
    }

    /// The `columns` values chosen, in the CSV's order, each once; unknown ones ignored;
    /// none (or none known) is every column.
    pub fn chosen<'a>(values: impl IntoIterator<Item = &'a str>) -> Vec<Column> {
        let asked: Vec<Column> = values.into_iter().filter_map(Column::parse).collect();
        if asked.is_empty() {
            return Column::ALL.to_vec();
        }
        Column::ALL
            .into_iter()
            .filter(|c| asked.contains(c))
            .collect()
    }
}

/// A kind as the CSV writes it: « Stage », « Mission de terrain », « Recherche ».
pub fn kind_word(kind: &str, wording: Wording) -> String {
    let words = match Kind::parse(kind) {
        Some(Kind::FieldMission) => ("Mission de terrain", "Field mission"),
        Some(Kind::Internship) => ("Stage", "Internship"),
        Some(Kind::Research) => ("Recherche", "Research"),
        None => return kind.to_owned(),
    };
    pick(words, kind, wording)
}

/// A status as the CSV writes it: « Brouillon », « Envoyée », « Signée », « Annulée ».
pub fn status_word(status: &str, wording: Wording) -> String {
    let words = match Status::parse(status) {
        Some(Status::Draft) => ("Brouillon", "Draft"),
        Some(Status::Sent) => ("Envoyée", "Sent"),
        Some(Status::Signed) => ("Signée", "Signed"),
        Some(Status::Cancelled) => ("Annulée", "Cancelled"),
        None => return status.to_owned(),
    };
    pick(words, status, wording)
}

fn pick((fr, en): (&str, &str), code: &str, wording: Wording) -> String {
    match wording {
        Wording::Codes => code,
        Wording::French => fr,
        Wording::English => en,
    }
    .to_owned()
}

/// A day: 05/04/2027, or 2027-04-05 in English (no month and day a reader could swap).
pub fn date_cell(day: NaiveDate, wording: Wording) -> String {
    match wording {
        Wording::Codes | Wording::French => day.format("%d/%m/%Y").to_string(),
        Wording::English => day.format("%Y-%m-%d").to_string(),
    }
}

/// An instant already in the school's zone: 05/04/2027 14:30, or 2027-04-05 14:30.
pub fn time_cell(at: chrono::NaiveDateTime, wording: Wording) -> String {
    match wording {
        Wording::Codes | Wording::French => at.format("%d/%m/%Y %H:%M").to_string(),
        Wording::English => at.format("%Y-%m-%d %H:%M").to_string(),
    }
}

/// Minutes as hours, two decimals at most: « 428,75 » (`428.75` in English).
pub fn hours_cell(minutes: i32, wording: Wording) -> String {
    let text = format!("{:.2}", f64::from(minutes) / 60.0);
    let text = text.trim_end_matches('0').trim_end_matches('.');
    decimal(text, wording)
}

/// Cents as euros: « 4,35 » (`4.35` in English).
pub fn euros_cell(cents: i32, wording: Wording) -> String {
    decimal(&format!("{}.{:02}", cents / 100, cents % 100), wording)
}

fn decimal(text: &str, wording: Wording) -> String {
    match wording {
        Wording::Codes | Wording::French => text.replace('.', ","),
        Wording::English => text.to_owned(),
    }
}

/// The longest name a saved view may have, in characters.
pub const NAME_MAX: usize = 80;

/// A saved view's name: 1 to 80 characters once trimmed, no control character.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewName(String);

impl ViewName {
    pub fn parse(name: &str) -> Result<Self, &'static str> {
        let name = name.trim();
        let length = name.chars().count();
        if length == 0 || length > NAME_MAX {
            return Err("must be 1 to 80 characters");
        }
        if name.chars().any(char::is_control) {
            return Err("must not contain control characters");
        }
        Ok(ViewName(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_order_is_read_from_sort_and_dir_with_defaults_for_the_rest() {
        assert_eq!(Order::parse("", ""), Order::default());
        assert_eq!(Order::parse("bogus", "asc"), Order::default());
        let company = Order::parse("company", "desc");
        assert_eq!(
            (company.key, company.dir),
            (SortKey::Company, Direction::Desc)
        );
        assert_eq!(
            Order::parse("starts_on", "sideways").dir,
            Direction::Asc,
            "an unknown direction is the key's natural one"
        );
        assert_eq!(Order::parse("created", "").dir, Direction::Desc);
        for key in SortKey::ALL {
            assert_eq!(SortKey::parse(key.as_str()), Some(key));
        }
    }

    #[test]
    fn links_carry_the_order_unless_it_is_the_default() {
        assert_eq!(Order::default().query(), "");
        assert_eq!(Order::parse("party", "asc").query(), "&sort=party&dir=asc");
        assert_eq!(
            Order::parse("created", "asc").query(),
            "&sort=created&dir=asc"
        );
    }

    #[test]
    fn a_header_flips_its_own_order_and_starts_others_at_their_natural_one() {
        let by_company = Order::parse("company", "asc");
        assert_eq!(by_company.toggled(SortKey::Company).dir, Direction::Desc);
        assert_eq!(
            by_company.toggled(SortKey::Created),
            Order::default(),
            "creation: newest first"
        );
        assert_eq!(
            Order::default().toggled(SortKey::StartsOn),
            Order::parse("starts_on", "asc")
        );
        assert_eq!(Direction::Desc.aria(), "descending");
    }

    #[test]
    fn chosen_columns_keep_the_csv_order_and_default_to_all() {
        assert_eq!(Column::chosen([]), Column::ALL.to_vec());
        assert_eq!(Column::chosen(["nonsense"]), Column::ALL.to_vec());
        assert_eq!(
            Column::chosen(["status", "reference", "status", "x"]),
            vec![Column::Reference, Column::Status]
        );
        for c in Column::ALL {
            assert_eq!(Column::parse(c.key()), Some(c));
        }
        for c in Column::API {
            assert!(Column::ALL.contains(&c), "the API's columns stay available");
        }
    }

    #[test]
    fn the_office_reads_french_words_dates_and_decimals() {
        let fr = Wording::French;
        assert_eq!(kind_word("internship", fr), "Stage");
        assert_eq!(kind_word("field_mission", fr), "Mission de terrain");
        assert_eq!(kind_word("research", fr), "Recherche");
        assert_eq!(status_word("draft", fr), "Brouillon");
        assert_eq!(status_word("sent", fr), "Envoyée");
        assert_eq!(status_word("signed", fr), "Signée");
        assert_eq!(status_word("cancelled", fr), "Annulée");
        assert_eq!(status_word("signed", Wording::English), "Signed");
        assert_eq!(status_word("signed", Wording::Codes), "signed");
        assert_eq!(kind_word("internship", Wording::Codes), "internship");
        let day = NaiveDate::from_ymd_opt(2027, 4, 5).expect("day");
        assert_eq!(date_cell(day, fr), "05/04/2027");
        assert_eq!(date_cell(day, Wording::English), "2027-04-05");
        let at = day.and_hms_opt(14, 30, 0).expect("time");
        assert_eq!(time_cell(at, fr), "05/04/2027 14:30");
        assert_eq!(hours_cell(25725, fr), "428,75");
        assert_eq!(hours_cell(25725, Wording::English), "428.75");
        assert_eq!(hours_cell(600, fr), "10");
        assert_eq!(euros_cell(435, fr), "4,35");
        assert_eq!(euros_cell(1205, Wording::English), "12.05");
        assert_eq!(Column::Status.header(fr), "État");
        assert_eq!(Column::Status.header(Wording::Codes), "status");
    }

    #[test]
    fn a_view_name_has_one_to_eighty_characters() {
        assert_eq!(
            ViewName::parse("  Stages à signer ").map(|n| n.as_str().to_owned()),
            Ok("Stages à signer".to_owned())
        );
        assert!(ViewName::parse("   ").is_err());
        assert!(ViewName::parse(&"é".repeat(80)).is_ok());
        assert!(ViewName::parse(&"é".repeat(81)).is_err());
        assert!(ViewName::parse("a\u{7}b").is_err());
    }
}
