//! The rules of agreements, without I/O: kinds and their parties, the lifecycle
//! `draft → sent → signed | cancelled`, who signs, when reminders and warnings fall, and the
//! one refusal type of the agreements' use cases (pure, unit-tested).

use chrono::{Datelike, Duration, NaiveDate, Weekday};

use crate::error::{ApiError, FieldError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    FieldMission,
    Internship,
    Research,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::FieldMission, Kind::Internship, Kind::Research];

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::FieldMission => "field_mission",
            Kind::Internship => "internship",
            Kind::Research => "research",
        }
    }

    /// Who signs, in the order the PDF lists them: the school and the company always, then the
    /// student (field mission, internship) or the tutor (research partnership). An internship's
    /// academic tutor (enseignant référent) signs too, as Code de l'éducation D124-4 asks; its
    /// company supervisor, who has no account, does not yet (issue 23's configurable signers).
    pub fn parties(self) -> &'static [Party] {
        match self {
            Kind::FieldMission => &[Party::School, Party::Company, Party::Student],
            Kind::Internship => &[Party::School, Party::Company, Party::Student, Party::Tutor],
            Kind::Research => &[Party::School, Party::Company, Party::Tutor],
        }
    }
}

/// Who signs a kind, in stages (config `agreements.signers`): every party of a stage is asked
/// at once, the next stage only once the previous one has signed (the school last, say).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stages(Vec<Vec<Party>>);

impl Stages {
    /// Every party of `kind` in one stage, in the PDF's order.
    pub fn together(kind: Kind) -> Self {
        Self(vec![kind.parties().to_vec()])
    }

    /// The configured stages, checked: parties `kind` names, each once, no empty stage.
    pub fn parse(kind: Kind, raw: &[Vec<String>]) -> Result<Self, String> {
        let mut seen = Vec::new();
        let mut stages = Vec::new();
        for stage in raw {
            if stage.is_empty() {
                return Err(format!("{}: an empty stage", kind.as_str()));
            }
            let mut parties = Vec::new();
            for name in stage {
                let party = Party::parse(name.trim())
                    .filter(|p| kind.parties().contains(p))
                    .ok_or_else(|| {
                        format!(
                            "{}: `{name}` is not one of its parties ({})",
                            kind.as_str(),
                            kind.parties()
                                .iter()
                                .map(|p| p.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    })?;
                if seen.contains(&party) {
                    return Err(format!("{}: `{name}` signs twice", kind.as_str()));
                }
                seen.push(party);
                parties.push(party);
            }
            stages.push(parties);
        }
        if stages.is_empty() {
            return Err(format!("{}: nobody signs", kind.as_str()));
        }
        Ok(Self(stages))
    }

    /// Every signatory, stage after stage.
    pub fn parties(&self) -> Vec<Party> {
        self.0.iter().flatten().copied().collect()
    }

    /// The parties asked to sign now, given who has signed: the first stage someone of which
    /// has not signed (none once all have).
    pub fn on_turn(&self, signed: &[Party]) -> &[Party] {
        self.0
            .iter()
            .find(|stage| stage.iter().any(|p| !signed.contains(p)))
            .map_or(&[], Vec::as_slice)
    }
}

/// Each kind's stages of signers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signers([Stages; 3]);

impl Signers {
    /// Every kind's parties together (fieldlab's default).
    pub fn together() -> Self {
        Self(Kind::ALL.map(Stages::together))
    }

    /// From each kind's configured stages, in `Kind::ALL`'s order.
    pub fn parse(raw: [&[Vec<String>]; 3]) -> Result<Self, String> {
        let [a, b, c] = raw;
        Ok(Self([
            Stages::parse(Kind::ALL[0], a)?,
            Stages::parse(Kind::ALL[1], b)?,
            Stages::parse(Kind::ALL[2], c)?,
        ]))
    }

    pub fn of(&self, kind: Kind) -> &Stages {
        &self.0[kind as usize]
    }

    /// Whether every kind signs in one stage: no one ever waits for their turn.
    pub fn all_together(&self) -> bool {
        self.0.iter().all(|s| s.0.len() == 1)
    }

    /// Whether `party` of an agreement of `kind` (`signed`: the parties that have signed) is
    /// asked to sign now. A party the stages do not name (the configuration changed since it
    /// was sent) is asked, never stranded.
    pub fn awaits(&self, kind: Kind, signed: &[Party], party: Party) -> bool {
        let stages = self.of(kind);
        !signed.contains(&party)
            && (stages.on_turn(signed).contains(&party) || !stages.parties().contains(&party))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Draft,
    Sent,
    Signed,
    Cancelled,
}

impl Status {
    pub const ALL: [Status; 4] = [
        Status::Draft,
        Status::Sent,
        Status::Signed,
        Status::Cancelled,
    ];

    /// The statuses of an agreement not signed yet (nor cancelled), as stored.
    pub const UNSIGNED: [&'static str; 2] = ["draft", "sent"];

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Sent => "sent",
            Status::Signed => "signed",
            Status::Cancelled => "cancelled",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Party {
    School,
    Company,
    Student,
    Tutor,
}

impl Party {
    pub fn parse(s: &str) -> Option<Self> {
        [Party::School, Party::Company, Party::Student, Party::Tutor]
            .into_iter()
            .find(|p| p.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Party::School => "school",
            Party::Company => "company",
            Party::Student => "student",
            Party::Tutor => "tutor",
        }
    }
}

/// What can happen to an agreement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Freeze the PDF and ask each party to sign.
    Send,
    /// A party signs the current version.
    Sign,
    /// Staff change the content: a sent agreement gets a new version to sign again.
    Change,
    /// Staff take a sent agreement back to correct it: its signatures are void, it is a draft.
    Withdraw,
    Cancel,
}

impl Action {
    /// The status after the action, or the refusal. Signing keeps `sent`: the last signature
    /// moves it to `signed` ([`Status::Signed`] is decided by the signatures, not here).
    pub fn apply(self, from: Status) -> Result<Status, Refusal> {
        use Status::*;
        match (self, from) {
            (Action::Send, Draft) => Ok(Sent),
            (Action::Sign, Sent) => Ok(Sent),
            (Action::Change, Draft | Sent) => Ok(from),
            (Action::Withdraw, Sent) => Ok(Draft),
            (Action::Cancel, Draft | Sent) => Ok(Cancelled),
            _ => Err(Refusal::InvalidTransition { from, action: self }),
        }
    }
}

/// The staff's request for an internship or a research agreement, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Terms {
    pub subject: String,
    pub description: String,
    pub place: Option<String>,
    pub supervisor: Option<String>,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

impl Terms {
    /// Checks the content any kind shares; every problem is reported at once.
    pub fn check(
        subject: &str,
        description: &str,
        place: Option<&str>,
        supervisor: Option<&str>,
        starts_on: Option<NaiveDate>,
        ends_on: Option<NaiveDate>,
        errors: &mut Vec<FieldError>,
    ) -> Option<Self> {
        let subject = subject.trim();
        if subject.is_empty() || subject.chars().count() > 300 {
            errors.push(FieldError::new("subject", "must be 1 to 300 characters"));
        }
        if description.chars().count() > 10_000 {
            errors.push(FieldError::new(
                "description",
                "must be at most 10000 characters",
            ));
        }
        if starts_on.is_none() {
            errors.push(FieldError::new("starts_on", "is required (YYYY-MM-DD)"));
        }
        if ends_on.is_none() {
            errors.push(FieldError::new("ends_on", "is required (YYYY-MM-DD)"));
        }
        if let (Some(s), Some(e)) = (starts_on, ends_on) {
            if e < s {
                errors.push(FieldError::new("ends_on", "must not be before starts_on"));
            }
        }
        let clean = |v: Option<&str>| {
            v.map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        Some(Self {
            subject: subject.to_owned(),
            description: description.trim().to_owned(),
            place: clean(place),
            supervisor: clean(supervisor),
            starts_on: starts_on?,
            ends_on: ends_on?,
        })
        .filter(|_| errors.is_empty())
    }
}

/// The day `n` working days (Monday to Friday) before `day`.
pub fn working_days_before(day: NaiveDate, n: u32) -> NaiveDate {
    let mut at = day;
    let mut left = n;
    while left > 0 {
        at -= Duration::days(1);
        if !matches!(at.weekday(), Weekday::Sat | Weekday::Sun) {
            left -= 1;
        }
    }
    at
}

/// Staff are warned of agreements still unsigned this many working days before they start.
pub const WARNING_WORKING_DAYS: u32 = 5;

/// The last start date that is overdue on `today`: an unsigned agreement is overdue once
/// `today` is within [`WARNING_WORKING_DAYS`] working days of its start, i.e. when it starts on
/// or before this day. Lets the register filter overdue agreements in its query.
pub fn overdue_until(today: NaiveDate) -> NaiveDate {
    // `working_days_before` never decreases as the start moves later, and five working days
    // span at most nine calendar days: walk forward from today to the last start still in.
    let mut day = today;
    while working_days_before(day + Duration::days(1), WARNING_WORKING_DAYS) <= today {
        day += Duration::days(1);
    }
    day
}

/// Whether an agreement in `status` starting on `starts_on` is overdue on `today`: not signed,
/// and within [`WARNING_WORKING_DAYS`] working days of its start (or started).
pub fn is_overdue(status: &str, starts_on: NaiveDate, today: NaiveDate) -> bool {
    Status::UNSIGNED.contains(&status)
        && working_days_before(starts_on, WARNING_WORKING_DAYS) <= today
}

/// The next reminder after `last`, if it falls before the agreement starts: none are sent once
/// it has started (the warning to staff has taken over).
pub fn next_reminder(last: NaiveDate, every_days: u32, starts_on: NaiveDate) -> Option<NaiveDate> {
    let next = last + Duration::days(i64::from(every_days.max(1)));
    (next < starts_on).then_some(next)
}

/// Why an agreement's use case says no.
#[derive(Debug, Clone, PartialEq)]
pub enum Refusal {
    /// No such agreement, or not one the caller may see.
    NotFound,
    InvalidTransition {
        from: Status,
        action: Action,
    },
    Invalid(Vec<FieldError>),
    /// Signing without ticking the consent.
    ConsentRequired,
    /// The signatory read a version that has since been replaced.
    VersionReplaced {
        signed: i32,
        current: i32,
    },
    /// A party has no account to sign with (a company without its contact, no staff account).
    PartyMissing(Party),
}

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::NotFound => ApiError::not_found(),
            Refusal::InvalidTransition { from, action } => ApiError::conflict(
                "invalid_transition",
                format!(
                    "An agreement that is `{}` cannot be {}.",
                    from.as_str(),
                    match action {
                        Action::Send => "sent",
                        Action::Sign => "signed",
                        Action::Change => "changed",
                        Action::Withdraw => "withdrawn for correction",
                        Action::Cancel => "cancelled",
                    }
                ),
            ),
            Refusal::Invalid(errors) => ApiError::validation(errors),
            Refusal::ConsentRequired => ApiError::validation(vec![FieldError::new(
                "consent",
                "must be true: tick the box to sign",
            )
            .with_code("consent_required")]),
            Refusal::VersionReplaced { signed, current } => ApiError::conflict(
                "agreement_changed",
                format!(
                    "Version {signed} was replaced by version {current}: read the new one, then sign it."
                ),
            )
            .with("current_version", current),
            Refusal::PartyMissing(party) => ApiError::conflict(
                "party_missing",
                format!(
                    "The {} party has no account to sign with.",
                    party.as_str()
                ),
            )
            .with("party", party.as_str()),
        }
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn overdue_until_matches_the_warning_day_rule_at_its_edges() {
        for offset in 0..14 {
            let today = NaiveDate::from_ymd_opt(2027, 3, 1).expect("day") + Duration::days(offset);
            let until = overdue_until(today);
            assert!(working_days_before(until, WARNING_WORKING_DAYS) <= today);
            assert!(working_days_before(until + Duration::days(1), WARNING_WORKING_DAYS) > today);
        }
        // Monday 1 March 2027: starts up to Monday 8 March are within five working days.
        let monday = NaiveDate::from_ymd_opt(2027, 3, 1).expect("day");
        assert_eq!(
            overdue_until(monday),
            NaiveDate::from_ymd_opt(2027, 3, 8).expect("day")
        );
    }

    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    #[test]
    fn the_lifecycle_only_moves_forward() {
        assert_eq!(Action::Send.apply(Status::Draft), Ok(Status::Sent));
        assert_eq!(Action::Sign.apply(Status::Sent), Ok(Status::Sent));
        assert_eq!(Action::Withdraw.apply(Status::Sent), Ok(Status::Draft));
        assert!(Action::Withdraw.apply(Status::Draft).is_err());
        assert!(Action::Withdraw.apply(Status::Signed).is_err());
        assert_eq!(Action::Cancel.apply(Status::Sent), Ok(Status::Cancelled));
        assert_eq!(Action::Change.apply(Status::Sent), Ok(Status::Sent));
        for (action, from) in [
            (Action::Sign, Status::Draft),
            (Action::Send, Status::Sent),
            (Action::Change, Status::Signed),
            (Action::Cancel, Status::Signed),
            (Action::Send, Status::Cancelled),
        ] {
            assert!(action.apply(from).is_err(), "{action:?} from {from:?}");
        }
    }

    #[test]
    fn parties_depend_on_the_kind() {
        assert_eq!(
            Kind::FieldMission.parties(),
            [Party::School, Party::Company, Party::Student]
        );
        assert_eq!(
            Kind::Research.parties(),
            [Party::School, Party::Company, Party::Tutor]
        );
        assert_eq!(
            Kind::Internship.parties(),
            [Party::School, Party::Company, Party::Student, Party::Tutor]
        );
        assert_eq!(Kind::parse("internship"), Some(Kind::Internship));
        assert_eq!(Kind::parse("stage"), None);
    }

    #[test]
    fn working_days_skip_weekends() {
        // Monday 1 March 2027: five working days before is Monday 22 February.
        assert_eq!(working_days_before(day("2027-03-01"), 5), day("2027-02-22"));
        // Wednesday: back over one weekend.
        assert_eq!(working_days_before(day("2027-03-03"), 5), day("2027-02-24"));
        assert_eq!(working_days_before(day("2027-03-03"), 0), day("2027-03-03"));
    }

    #[test]
    fn reminders_stop_before_the_start() {
        let start = day("2027-03-01");
        assert_eq!(
            next_reminder(day("2027-02-20"), 3, start),
            Some(day("2027-02-23"))
        );
        assert_eq!(next_reminder(day("2027-02-26"), 3, start), None);
        // Zero days would remind every pass: read as one.
        assert_eq!(
            next_reminder(day("2027-02-20"), 0, start),
            Some(day("2027-02-21"))
        );
    }

    #[test]
    fn terms_report_every_problem() {
        let mut errors = Vec::new();
        let terms = Terms::check(
            " ",
            "",
            None,
            None,
            Some(day("2027-03-05")),
            Some(day("2027-03-01")),
            &mut errors,
        );
        assert!(terms.is_none());
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["subject", "ends_on"]);
        let mut errors = Vec::new();
        let terms = Terms::check(
            "Étude",
            "",
            Some(" Alès "),
            Some(""),
            Some(day("2027-03-01")),
            Some(day("2027-03-05")),
            &mut errors,
        )
        .expect("valid");
        assert_eq!(terms.place.as_deref(), Some("Alès"));
        assert_eq!(terms.supervisor, None);
    }

    #[test]
    fn signers_come_in_stages_and_the_next_is_asked_once_the_previous_has_signed() {
        let raw = |v: &[&[&str]]| -> Vec<Vec<String>> {
            v.iter()
                .map(|s| s.iter().map(|p| (*p).to_owned()).collect())
                .collect()
        };
        let school_last = Stages::parse(
            Kind::Internship,
            &raw(&[&["company", "student", "tutor"], &["school"]]),
        )
        .expect("valid");
        assert_eq!(
            school_last.parties(),
            [Party::Company, Party::Student, Party::Tutor, Party::School]
        );
        assert_eq!(
            school_last.on_turn(&[]),
            [Party::Company, Party::Student, Party::Tutor]
        );
        assert_eq!(
            school_last.on_turn(&[Party::Company, Party::Tutor]),
            [Party::Company, Party::Student, Party::Tutor]
        );
        assert_eq!(
            school_last.on_turn(&[Party::Company, Party::Student, Party::Tutor]),
            [Party::School]
        );
        assert!(school_last
            .on_turn(&[Party::Company, Party::Student, Party::Tutor, Party::School])
            .is_empty());
        assert_eq!(
            Stages::together(Kind::Research).on_turn(&[]),
            Kind::Research.parties()
        );
        // A kind's own parties only, each once, and someone.
        for bad in [
            raw(&[&["school", "student"]]),
            raw(&[&["school"], &["school"]]),
            raw(&[&["company"], &[]]),
            raw(&[]),
            raw(&[&["dean"]]),
        ] {
            assert!(Stages::parse(Kind::Research, &bad).is_err(), "{bad:?}");
        }
        let signers = Signers::parse([
            &raw(&[&["school", "company", "student"]]),
            &raw(&[&["company", "student", "tutor"], &["school"]]),
            &raw(&[&["school", "company", "tutor"]]),
        ])
        .expect("valid");
        assert!(!signers.all_together());
        assert!(Signers::together().all_together());
        assert!(!signers.awaits(Kind::Internship, &[], Party::School));
        assert!(signers.awaits(
            Kind::Internship,
            &[Party::Company, Party::Student, Party::Tutor],
            Party::School
        ));
        assert!(signers.awaits(Kind::FieldMission, &[], Party::School));
        assert!(!signers.awaits(Kind::FieldMission, &[Party::School], Party::School));
        // Any number of them: a research agreement the company alone signs.
        assert!(Stages::parse(Kind::Research, &raw(&[&["company"]])).is_ok());
    }
}
