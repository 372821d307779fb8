//! What an internship's documents say: the values its clauses are filled with (hours,
//! gratification, leave, from the record, in the document's language), and the certificate
//! (attestation de stage, D124-9) as a PDF.

use chrono::NaiveDate;
use serde::Serialize;

use super::assess::{self, InternshipType};
use super::hours::{LegalDuration, Presence};
use super::models::{Certificate, Internship};
use crate::agreements::document::{de, locale_of, reference};
use crate::agreements::models::Details;
use crate::agreements::pdf::{self, Block};
use crate::mail::domain::Locale;
use crate::mail::templates::long_date;

pub const CLAUSES_FR: &str = include_str!("clauses.fr.txt");
pub const CLAUSES_EN: &str = include_str!("clauses.en.txt");
const CERTIFICATE_FR: &str = include_str!("certificate.fr.txt");
const CERTIFICATE_EN: &str = include_str!("certificate.en.txt");

/// « 4,50 € » in French, "€4.50" in English; thousands grouped (« 2 772,00 € »).
pub fn euros(cents: i64, locale: Locale) -> String {
    let units = cents / 100;
    let rest = cents % 100;
    let digits = units.to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(match locale {
                Locale::Fr => '\u{202f}',
                Locale::En => ',',
            });
        }
        grouped.push(c);
    }
    match locale {
        Locale::Fr => format!("{grouped},{rest:02}\u{a0}€"),
        Locale::En => format!("€{grouped}.{rest:02}"),
    }
}

/// « 35 h », « 17 h 30 »; "35 h" in English too (the unit reads alike).
pub fn hours_text(minutes: u32) -> String {
    Presence::from_minutes(minutes)
        .to_string()
        .replace(' ', "\u{a0}")
}

fn plural(n: u32, one: &str, many: &str) -> String {
    // French: 0 and 1 take the singular (« 0 jour », « 1 mois »).
    format!("{n}\u{a0}{}", if n <= 1 { one } else { many })
}

/// D124-6's months, days and hours: « 4 mois, 3 jours et 2 heures ».
pub fn legal_text(legal: LegalDuration, locale: Locale) -> String {
    let hours = Presence::from_minutes(legal.minutes);
    match locale {
        Locale::Fr => format!(
            "{}, {} et {}",
            plural(legal.months, "mois", "mois"),
            plural(legal.days, "jour", "jours"),
            if legal.minutes == 0 {
                "0\u{a0}heure".to_owned()
            } else {
                hours.to_string().replace(' ', "\u{a0}")
            }
        ),
        Locale::En => {
            let en = |n: u32, one: &str, many: &str| {
                format!("{n}\u{a0}{}", if n == 1 { one } else { many })
            };
            format!(
                "{}, {} and {}",
                en(legal.months, "month", "months"),
                en(legal.days, "day", "days"),
                if legal.minutes == 0 {
                    "0\u{a0}hours".to_owned()
                } else {
                    hours.to_string().replace(' ', "\u{a0}")
                }
            )
        }
    }
}

const DAYS_FR: [&str; 7] = [
    "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
];
const DAYS_EN: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// « du lundi au vendredi » for consecutive days, else « lundi, mardi et jeudi ».
pub fn work_days_text(mask: &str, locale: Locale) -> String {
    let days: Vec<usize> = assess::mask_to_days(mask)
        .into_iter()
        .map(|d| d.num_days_from_monday() as usize)
        .collect();
    let names = match locale {
        Locale::Fr => DAYS_FR,
        Locale::En => DAYS_EN,
    };
    let consecutive = days.windows(2).all(|w| w[1] == w[0] + 1);
    match (days.first(), days.last()) {
        (Some(first), Some(last)) if days.len() >= 3 && consecutive => match locale {
            Locale::Fr => format!("du {} au {}", names[*first], names[*last]),
            Locale::En => format!("{} to {}", names[*first], names[*last]),
        },
        _ => {
            let mut words: Vec<&str> = days.iter().map(|d| names[*d]).collect();
            let last = words.pop().unwrap_or_default();
            if words.is_empty() {
                last.to_owned()
            } else {
                let and = if locale == Locale::Fr {
                    " et "
                } else {
                    " and "
                };
                format!("{}{and}{last}", words.join(", "))
            }
        }
    }
}

fn type_text(kind: &str, locale: Locale) -> &'static str {
    match (InternshipType::parse(kind), locale) {
        (Some(InternshipType::Optional), Locale::Fr) => "facultatif",
        (Some(InternshipType::GapYear), Locale::Fr) => "de césure",
        (_, Locale::Fr) => "obligatoire",
        (Some(InternshipType::Optional), Locale::En) => "optional",
        (Some(InternshipType::GapYear), Locale::En) => "gap-year",
        (_, Locale::En) => "compulsory",
    }
}

fn short_date(day: NaiveDate, locale: Locale) -> String {
    // « 1er mars 2027 »: the long date without its weekday.
    let long = long_date(day, locale);
    long.split_once(' ')
        .map_or(long.clone(), |(_, rest)| rest.to_owned())
}

/// The values the internship's clauses are filled with.
#[derive(Debug, Serialize)]
pub struct Values {
    organisation: String,
    company: String,
    company_address: String,
    siret: String,
    representative: String,
    department: String,
    place: String,
    student: String,
    student_number: String,
    programme: String,
    programme_hours: String,
    academic_tutor: String,
    supervisor: String,
    subject: String,
    activities: String,
    skills: String,
    starts_on: String,
    ends_on: String,
    internship_type: &'static str,
    weekly_hours: String,
    daily_hours: String,
    work_days: String,
    presence_hours: String,
    presence_legal: String,
    night_work: bool,
    sunday_work: bool,
    holiday_work: bool,
    interruptions: Vec<String>,
    leave: String,
    gratification_due: bool,
    gratification_hourly: String,
    gratification_minimum: String,
    gratification_terms: String,
    benefits: String,
    confidential: bool,
    internal_rules: String,
}

fn joined(parts: &[&str]) -> String {
    parts
        .iter()
        .map(|p| p.trim())
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(", ")
}

/// `minimum_cents`: the legal minimum of the year the internship starts.
pub fn values(
    details: &Details,
    row: &Internship,
    organisation: &str,
    minimum_cents: Option<u32>,
) -> Values {
    let a = &details.agreement;
    let locale = locale_of(details);
    let host = &details.company.host;
    let presence = Presence::from_minutes(row.presence_minutes.max(0) as u32);
    let plan = super::flows::plan(a, row);
    let between = |from: NaiveDate, to: NaiveDate| match locale {
        Locale::Fr => format!(
            "du {} au {}",
            short_date(from, locale),
            short_date(to, locale)
        ),
        Locale::En => format!(
            "from {} to {}",
            short_date(from, locale),
            short_date(to, locale)
        ),
    };
    Values {
        organisation: organisation.to_owned(),
        company: details.company.name.clone(),
        company_address: joined(&[&host.address, &details.company.city]),
        siret: host.siret.clone().unwrap_or_default(),
        representative: joined(&[&host.representative_name, &host.representative_role]),
        department: row.department.clone(),
        place: a.place.clone(),
        student: details
            .student
            .as_ref()
            .map(|s| s.name.clone())
            .unwrap_or_default(),
        student_number: row.student_number.clone(),
        programme: row.programme.clone(),
        programme_hours: row.programme_hours.clone(),
        academic_tutor: details
            .tutor
            .as_ref()
            .map(|t| format!("{} ({})", t.name, t.email))
            .unwrap_or_default(),
        supervisor: joined(&[
            &row.supervisor_name,
            &row.supervisor_role,
            &row.supervisor_email,
            &row.supervisor_phone,
        ]),
        subject: a.subject.clone(),
        activities: row.activities.clone(),
        skills: row.skills.clone(),
        starts_on: short_date(a.starts_on, locale),
        ends_on: short_date(a.ends_on, locale),
        internship_type: type_text(&row.internship_type, locale),
        weekly_hours: hours_text(row.weekly_minutes.max(0) as u32),
        daily_hours: hours_text(plan.as_ref().map_or(0, |p| p.daily_minutes())),
        work_days: work_days_text(&row.work_days, locale),
        presence_hours: hours_text(presence.minutes()),
        presence_legal: legal_text(presence.legal(), locale),
        night_work: row.night_work,
        sunday_work: row.sunday_work,
        holiday_work: row.holiday_work,
        interruptions: assess::periods_from_json(&row.interruptions)
            .into_iter()
            .map(|p| between(p.start(), p.end()))
            .collect(),
        leave: row.leave.clone(),
        gratification_due: super::rules::gratification_required(presence),
        gratification_hourly: row
            .gratification_cents
            .map(|c| euros(i64::from(c), locale))
            .unwrap_or_default(),
        gratification_minimum: minimum_cents
            .map(|c| euros(i64::from(c), locale))
            .unwrap_or_default(),
        gratification_terms: row.gratification_terms.clone(),
        benefits: row.benefits.clone(),
        confidential: row.confidential,
        internal_rules: row.internal_rules.clone(),
    }
}

/// A template's text as blocks: blank lines part paragraphs, `# ` starts a heading.
pub fn blocks_of(text: &str) -> Vec<Block> {
    text.split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .flat_map(|p| match p.strip_prefix("# ") {
            Some(rest) => {
                let mut lines = rest.splitn(2, '\n');
                let heading = Block::Heading(lines.next().unwrap_or_default().trim().to_owned());
                let body = lines.next().map(|b| Block::Paragraph(b.replace('\n', " ")));
                std::iter::once(heading).chain(body).collect::<Vec<_>>()
            }
            None => vec![Block::Paragraph(p.replace('\n', " "))],
        })
        .collect()
}

pub fn render_template(source: &str, values: &impl Serialize) -> Result<String, String> {
    let mut env = minijinja::Environment::new();
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    env.add_filter("de", |name: String| de(&name));
    env.render_str(source, values)
        .map_err(|e| format!("internship template: {e}"))
}

#[derive(Serialize)]
struct CertificateValues {
    organisation: String,
    company: String,
    company_address: String,
    siret: String,
    representative: String,
    student: String,
    student_number: String,
    programme: String,
    starts_on: String,
    ends_on: String,
    presence_hours: String,
    presence_legal: String,
    gratification_total: String,
    supervisor: String,
    issued_on: String,
    place: String,
}

pub fn certificate_file(agreement_id: &str) -> String {
    format!("attestation-{}.pdf", reference(agreement_id).to_lowercase())
}

/// The certificate with the figures the supervisor confirmed (or as prepared).
pub fn certificate(
    details: &Details,
    row: &Internship,
    certificate: &Certificate,
    organisation: &str,
) -> Result<Vec<u8>, String> {
    let locale = locale_of(details);
    let base = values(details, row, organisation, None);
    let minutes = certificate.presence_minutes.max(0) as u32;
    let issued = certificate
        .confirmed_at
        .map_or_else(crate::clock::today, |at| {
            crate::db::utc(at)
                .with_timezone(&crate::clock::DEFAULT_TIMEZONE)
                .date_naive()
        });
    let values = CertificateValues {
        organisation: base.organisation,
        company: base.company,
        company_address: base.company_address,
        siret: base.siret,
        representative: base.representative,
        student: base.student,
        student_number: base.student_number,
        programme: base.programme,
        starts_on: base.starts_on,
        ends_on: base.ends_on,
        presence_hours: hours_text(minutes),
        presence_legal: legal_text(Presence::from_minutes(minutes).legal(), locale),
        gratification_total: certificate
            .gratification_cents
            .map(|c| euros(c, locale))
            .unwrap_or_default(),
        supervisor: base.supervisor,
        issued_on: short_date(issued, locale),
        place: details.company.city.clone(),
    };
    let source = match locale {
        Locale::Fr => CERTIFICATE_FR,
        Locale::En => CERTIFICATE_EN,
    };
    let title = match locale {
        Locale::Fr => "Attestation de stage",
        Locale::En => "Internship certificate",
    };
    let mut blocks = vec![Block::Title(title.to_owned())];
    blocks.extend(blocks_of(&render_template(source, &values)?));
    let footer = format!("{title} — {}", reference(&details.agreement.id));
    pdf::render(
        &blocks,
        title,
        locale.as_str(),
        &footer,
        match locale {
            Locale::Fr => "page",
            Locale::En => "page",
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn euros_read_as_each_language_writes_them() {
        assert_eq!(euros(450, Locale::Fr), "4,50\u{a0}€");
        assert_eq!(euros(277_200, Locale::Fr), "2\u{202f}772,00\u{a0}€");
        assert_eq!(euros(277_200, Locale::En), "€2,772.00");
        assert_eq!(euros(5, Locale::En), "€0.05");
    }

    #[test]
    fn legal_durations_and_days_read_naturally() {
        let legal = Presence::from_minutes(4 * 22 * 7 * 60 + 3 * 7 * 60 + 150).legal();
        assert_eq!(
            legal_text(legal, Locale::Fr),
            "4\u{a0}mois, 3\u{a0}jours et 2\u{a0}h\u{a0}30"
        );
        assert_eq!(
            legal_text(Presence::from_hours(154).legal(), Locale::Fr),
            "1\u{a0}mois, 0\u{a0}jour et 0\u{a0}heure"
        );
        assert_eq!(
            work_days_text("1111100", Locale::Fr),
            "du lundi au vendredi"
        );
        assert_eq!(
            work_days_text("1101100", Locale::Fr),
            "lundi, mardi, jeudi et vendredi"
        );
        assert_eq!(work_days_text("0000010", Locale::En), "Saturday");
        assert_eq!(work_days_text("1100000", Locale::En), "Monday and Tuesday");
    }
}
