//! Incubator rules: the application state machine (every move is checked here and nowhere
//! else), who may see an application, admission dates and capacity, and the parsed bodies.
//! Pure: nothing here touches the database.

use std::fmt;
use std::str::FromStr;

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::domain::Role;
use crate::error::{ApiError, FieldError};
use crate::text::not_blank;
use crate::tutors::domain::Domain;

const MAX_TITLE_CHARS: usize = 200;
const MAX_SUMMARY_CHARS: usize = 5_000;
const MAX_REASON_CHARS: usize = 2_000;

// Named apart in the OpenAPI document: `mail::Status` is also a `Status`, and one name for two
// enums made the `status` filter of `GET /applications` show the e-mail states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[schema(as = ApplicationStatus)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Submitted,
    Incubating,
    Rejected,
    Withdrawn,
    Graduated,
    Discontinued,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Status::Submitted,
        Status::Incubating,
        Status::Rejected,
        Status::Withdrawn,
        Status::Graduated,
        Status::Discontinued,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Submitted => "submitted",
            Status::Incubating => "incubating",
            Status::Rejected => "rejected",
            Status::Withdrawn => "withdrawn",
            Status::Graduated => "graduated",
            Status::Discontinued => "discontinued",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Status {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Status::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or_else(|| format!("`{s}` is not an application status"))
    }
}

/// Everything that can happen to an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    Admit,
    Reject,
    Withdraw,
    Graduate,
    Discontinue,
    /// Give the project a (new) tutor: allowed only while incubating; the state stays.
    AssignTutor,
}

impl Move {
    /// How the audit trail names the move.
    pub fn action(self) -> &'static str {
        match self {
            Move::Admit => "admitted",
            Move::Reject => "rejected",
            Move::Withdraw => "withdrawn",
            Move::Graduate => "graduated",
            Move::Discontinue => "discontinued",
            Move::AssignTutor => "tutor_assigned",
        }
    }
}

/// The state machine of the contract: `submitted` → `incubating` | `rejected` | `withdrawn`;
/// `incubating` → `graduated` | `discontinued`; a tutor is (re)assigned only while
/// `incubating`. Any other move is 409 `invalid_transition`.
pub fn transition(from: Status, mv: Move) -> Result<Status, Refusal> {
    use Move as M;
    use Status as S;
    match (from, mv) {
        (S::Submitted, M::Admit) => Ok(S::Incubating),
        (S::Submitted, M::Reject) => Ok(S::Rejected),
        (S::Submitted, M::Withdraw) => Ok(S::Withdrawn),
        (S::Incubating, M::Graduate) => Ok(S::Graduated),
        (S::Incubating, M::Discontinue) => Ok(S::Discontinued),
        (S::Incubating, M::AssignTutor) => Ok(S::Incubating),
        (from, mv) => Err(Refusal::InvalidTransition { from, mv }),
    }
}

/// Why the incubator refuses a move: each with the contract's code; `From<Refusal> for
/// ApiError` chooses the status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The application (or the caller's view of it) does not exist.
    NotFound,
    InvalidTransition {
        from: Status,
        mv: Move,
    },
    CapacityReached {
        incubating: i64,
        capacity: i64,
    },
    /// `tutor_id` names no tutor.
    NotATutor,
    TutorOverloaded {
        name: String,
        projects: i64,
    },
}

impl Refusal {
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFound => "not_found",
            Self::InvalidTransition { .. } => "invalid_transition",
            Self::CapacityReached { .. } => "capacity_reached",
            Self::NotATutor => "validation_failed",
            Self::TutorOverloaded { .. } => "tutor_overloaded",
        }
    }
}

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        let code = refusal.code();
        match refusal {
            Refusal::NotFound => ApiError::not_found(),
            Refusal::InvalidTransition { from, mv } => ApiError::conflict(
                code,
                format!(
                    "An application that is `{from}` cannot be {}.",
                    match mv {
                        Move::Admit => "admitted",
                        Move::Reject => "rejected",
                        Move::Withdraw => "withdrawn",
                        Move::Graduate | Move::Discontinue => "closed",
                        Move::AssignTutor => "given a tutor (only incubating projects can)",
                    }
                ),
            ),
            Refusal::CapacityReached {
                incubating,
                capacity,
            } => ApiError::conflict(
                code,
                format!("The incubator is full: {incubating} projects incubating for {capacity} places."),
            )
            .with("capacity", capacity)
            .with("incubating", incubating),
            Refusal::NotATutor => {
                ApiError::validation(vec![FieldError::new("tutor_id", "is not a tutor")])
            }
            Refusal::TutorOverloaded { name, projects } => ApiError::conflict(
                code,
                format!("{name} already follows {projects} projects, their limit."),
            ),
        }
    }
}

/// Who is looking at an application.
pub struct Viewer<'a> {
    pub id: &'a str,
    pub role: Role,
}

/// Staff see every application, a founder their own, a tutor those they follow; for anyone
/// else it does not exist (404).
pub fn can_see(viewer: &Viewer<'_>, founder_id: &str, tutor_id: Option<&str>) -> bool {
    match viewer.role {
        Role::Staff => true,
        Role::Founder => founder_id == viewer.id,
        Role::Tutor => tutor_id == Some(viewer.id),
        Role::Student | Role::Company => false,
    }
}

/// The incubator's places.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct Capacity {
    /// Places (config `incubator.capacity`).
    pub capacity: i64,
    /// Projects incubating now.
    pub incubating: i64,
    /// Places left (never negative, even if the capacity was lowered below the count).
    pub available: i64,
}

impl Capacity {
    pub fn new(capacity: i64, incubating: i64) -> Self {
        Self {
            capacity,
            incubating,
            available: (capacity - incubating).max(0),
        }
    }

    /// 409 `capacity_reached` when no place is left for one more project.
    pub fn admit_one(self) -> Result<(), Refusal> {
        if self.available > 0 {
            Ok(())
        } else {
            Err(Refusal::CapacityReached {
                incubating: self.incubating,
                capacity: self.capacity,
            })
        }
    }
}

/// An incubation ends `months` after it starts (end of month clamped: 31 Jan + 1 → 28 Feb).
pub fn ends_on(starts_on: NaiveDate, months: u32) -> NaiveDate {
    starts_on
        .checked_add_months(Months::new(months))
        .unwrap_or(NaiveDate::MAX)
}

/// A founder's application, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApplication {
    pub title: String,
    pub summary: String,
    pub domain: Domain,
    pub manufactured_product: bool,
}

impl NewApplication {
    pub fn parse(
        title: &str,
        summary: &str,
        domain: &str,
        manufactured_product: Option<bool>,
    ) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let title = text("title", title, MAX_TITLE_CHARS).map_err(|e| errors.push(e));
        let summary = text("summary", summary, MAX_SUMMARY_CHARS).map_err(|e| errors.push(e));
        let domain = match domain.trim() {
            "" => Err("is required".to_owned()),
            word => word.parse::<Domain>(),
        }
        .map_err(|m| errors.push(FieldError::new("domain", m)));
        let manufactured = manufactured_product.ok_or_else(|| {
            errors.push(FieldError::new(
                "manufactured_product",
                "is required (true or false)",
            ))
        });
        match (title, summary, domain, manufactured) {
            (Ok(title), Ok(summary), Ok(domain), Ok(manufactured_product)) => Ok(Self {
                title,
                summary,
                domain,
                manufactured_product,
            }),
            _ => Err(errors),
        }
    }
}

fn text(field: &str, raw: &str, max: usize) -> Result<String, FieldError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(FieldError::new(field, "is required"));
    }
    if trimmed.chars().count() > max {
        return Err(FieldError::new(
            field,
            format!("must be at most {max} characters long"),
        ));
    }
    Ok(trimmed.to_owned())
}

/// Staff's decision on a submitted application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Admit {
        starts_on: Option<NaiveDate>,
        reason: Option<String>,
    },
    Reject {
        reason: Option<String>,
    },
}

impl Decision {
    pub fn parse(
        decision: &str,
        reason: Option<&str>,
        starts_on: Option<&str>,
    ) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let reason = match not_blank(reason) {
            Some(r) if r.chars().count() > MAX_REASON_CHARS => {
                errors.push(FieldError::new(
                    "reason",
                    format!("must be at most {MAX_REASON_CHARS} characters long"),
                ));
                None
            }
            other => other.map(str::to_owned),
        };
        let starts_on = match not_blank(starts_on) {
            None => None,
            Some(s) => match crate::dates::parse_date(s) {
                Some(d) => Some(d),
                None => {
                    errors.push(FieldError::new("starts_on", crate::dates::DATE_EXPECTED));
                    None
                }
            },
        };
        let decision = match decision.trim() {
            "admit" => Some(Decision::Admit { starts_on, reason }),
            "reject" => Some(Decision::Reject { reason }),
            "" => {
                errors.push(FieldError::new("decision", "is required: admit or reject"));
                None
            }
            other => {
                errors.push(FieldError::new(
                    "decision",
                    format!("`{other}` is not a decision: use admit or reject"),
                ));
                None
            }
        };
        match decision {
            Some(d) if errors.is_empty() => Ok(d),
            _ => Err(errors),
        }
    }
}

impl Decision {
    /// The move this decision makes.
    pub fn mv(&self) -> Move {
        match self {
            Decision::Admit { .. } => Move::Admit,
            Decision::Reject { .. } => Move::Reject,
        }
    }

    pub fn reason(&self) -> Option<&str> {
        match self {
            Decision::Admit { reason, .. } | Decision::Reject { reason } => reason.as_deref(),
        }
    }
}

/// Staff ending an incubation: the outcome, and a reason kept in the audit trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Closing {
    pub outcome: Move,
    pub reason: Option<String>,
}

impl Closing {
    pub fn parse(outcome: &str, reason: Option<&str>) -> Result<Self, Vec<FieldError>> {
        let outcome = parse_outcome(outcome).map_err(|e| vec![e])?;
        let reason = not_blank(reason).map(str::to_owned);
        Ok(Self { outcome, reason })
    }
}

/// The tutor staff choose: an id, required.
pub fn parse_tutor_id(raw: &str) -> Result<String, Vec<FieldError>> {
    match raw.trim() {
        "" => Err(vec![FieldError::new("tutor_id", "is required")]),
        id => Ok(id.to_owned()),
    }
}

/// How an incubation ends.
pub fn parse_outcome(raw: &str) -> Result<Move, FieldError> {
    match raw.trim() {
        "graduated" => Ok(Move::Graduate),
        "discontinued" => Ok(Move::Discontinue),
        "" => Err(FieldError::new(
            "outcome",
            "is required: graduated or discontinued",
        )),
        other => Err(FieldError::new(
            "outcome",
            format!("`{other}` is not an outcome: use graduated or discontinued"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_contract_moves_are_allowed() {
        use Move as M;
        use Status as S;
        let allowed = [
            (S::Submitted, M::Admit, S::Incubating),
            (S::Submitted, M::Reject, S::Rejected),
            (S::Submitted, M::Withdraw, S::Withdrawn),
            (S::Incubating, M::Graduate, S::Graduated),
            (S::Incubating, M::Discontinue, S::Discontinued),
            (S::Incubating, M::AssignTutor, S::Incubating),
        ];
        let moves = [
            M::Admit,
            M::Reject,
            M::Withdraw,
            M::Graduate,
            M::Discontinue,
            M::AssignTutor,
        ];
        for from in Status::ALL {
            for mv in moves {
                let expected = allowed
                    .iter()
                    .find(|(f, m, _)| *f == from && *m == mv)
                    .map(|(_, _, to)| *to);
                match (transition(from, mv), expected) {
                    (Ok(to), Some(want)) => assert_eq!(to, want),
                    (Err(e), None) => assert_eq!(e.code(), "invalid_transition"),
                    (got, want) => panic!("{from:?} {mv:?}: got {got:?}, want {want:?}"),
                }
            }
        }
    }

    #[test]
    fn each_sees_only_their_own() {
        let staff = Viewer {
            id: "s",
            role: Role::Staff,
        };
        let founder = Viewer {
            id: "f",
            role: Role::Founder,
        };
        let tutor = Viewer {
            id: "t",
            role: Role::Tutor,
        };
        let student = Viewer {
            id: "x",
            role: Role::Student,
        };
        assert!(can_see(&staff, "f", None));
        assert!(can_see(&founder, "f", None));
        assert!(!can_see(&founder, "other", Some("f")));
        assert!(can_see(&tutor, "f", Some("t")));
        assert!(!can_see(&tutor, "f", None));
        assert!(!can_see(&student, "x", Some("x")));
    }

    #[test]
    fn capacity_counts_places_left() {
        assert_eq!(Capacity::new(25, 3).available, 22);
        assert_eq!(Capacity::new(2, 5).available, 0);
        assert!(Capacity::new(2, 1).admit_one().is_ok());
        let full = Capacity::new(2, 2).admit_one();
        assert_eq!(full.err().map(|e| e.code()), Some("capacity_reached"));
    }

    #[test]
    fn incubations_last_the_configured_months() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
        assert_eq!(ends_on(d("2027-03-01"), 24), d("2029-03-01"));
        assert_eq!(ends_on(d("2027-01-31"), 1), d("2027-02-28"));
    }

    #[test]
    fn applications_and_decisions_parse_every_field() {
        let ok = NewApplication::parse(" Béton bas carbone ", "Un liant", "materials", Some(true));
        assert_eq!(
            ok.map(|a| a.title).ok().as_deref(),
            Some("Béton bas carbone")
        );
        let bad = NewApplication::parse("", "", "astrology", None)
            .err()
            .unwrap_or_default();
        let fields: Vec<&str> = bad.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            ["title", "summary", "domain", "manufactured_product"]
        );

        assert!(matches!(
            Decision::parse("admit", None, Some("2027-09-01")),
            Ok(Decision::Admit {
                starts_on: Some(_),
                ..
            })
        ));
        assert!(matches!(
            Decision::parse("reject", Some("  Hors périmètre "), None),
            Ok(Decision::Reject { reason: Some(r) }) if r == "Hors périmètre"
        ));
        assert!(Decision::parse("maybe", None, None).is_err());
        assert!(Decision::parse("admit", None, Some("01/09/2027")).is_err());
        assert_eq!(parse_outcome("graduated").ok(), Some(Move::Graduate));
        let closing = Closing::parse("discontinued", Some("  "));
        assert_eq!(
            closing.ok(),
            Some(Closing {
                outcome: Move::Discontinue,
                reason: None
            })
        );
        assert!(parse_tutor_id("  ").is_err());
        assert_eq!(parse_tutor_id(" t1 ").ok().as_deref(), Some("t1"));
        assert_eq!(
            Decision::parse("reject", Some("non"), None).map(|d| d.mv()),
            Ok(Move::Reject)
        );
        assert!(parse_outcome("sold").is_err());
    }
}
