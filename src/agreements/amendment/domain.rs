//! The rules of amendments (avenants), without I/O: what an amendment may change, the list of
//! changes it names (each field's value before and after), an early termination's limits, and
//! the terms that result once it is signed (pure, unit-tested).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::FieldError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Draft,
    Sent,
    Signed,
    Cancelled,
}

impl Status {
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Draft, Self::Sent, Self::Signed, Self::Cancelled]
            .into_iter()
            .find(|v| v.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Sent => "sent",
            Status::Signed => "signed",
            Status::Cancelled => "cancelled",
        }
    }

    /// Draft or sent: the agreement's one open amendment.
    pub fn is_open(self) -> bool {
        matches!(self, Status::Draft | Status::Sent)
    }
}

/// A field an amendment may change, named as in the API and the stored changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Subject,
    Place,
    Supervisor,
    StartsOn,
    EndsOn,
    /// The academic tutor (an account id).
    TutorId,
    /// An internship's hourly gratification, in cents of euro.
    GratificationCents,
}

impl Field {
    pub fn as_str(self) -> &'static str {
        match self {
            Field::Subject => "subject",
            Field::Place => "place",
            Field::Supervisor => "supervisor",
            Field::StartsOn => "starts_on",
            Field::EndsOn => "ends_on",
            Field::TutorId => "tutor_id",
            Field::GratificationCents => "gratification_cents",
        }
    }
}

/// One change an amendment names: the value before and after, as text (dates `YYYY-MM-DD`,
/// cents as digits; `None`: no value).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub field: Field,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// The terms an amendment can touch, as they stand (or as they will be).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Terms {
    pub subject: String,
    pub place: String,
    pub supervisor: Option<String>,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub tutor_id: Option<String>,
    pub gratification_cents: Option<i32>,
}

/// What the requester asks to change; `None` keeps a value. An empty `supervisor` clears it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Proposal {
    pub reason: String,
    pub subject: Option<String>,
    pub place: Option<String>,
    pub supervisor: Option<String>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub tutor_id: Option<String>,
    pub gratification_cents: Option<i32>,
    /// Ends the agreement early, on this day (its last day), for `termination_reason`.
    pub terminates_on: Option<NaiveDate>,
    pub termination_reason: Option<String>,
}

/// An amendment checked: its changes and its early termination, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub reason: String,
    pub changes: Vec<Change>,
    pub terminates_on: Option<NaiveDate>,
    pub termination_reason: Option<String>,
}

/// Adds a text's change unless it is the same (blank counts as no value).
fn text_change(field: Field, from: Option<&str>, to: Option<&str>, changes: &mut Vec<Change>) {
    let to = to.map(str::trim).filter(|t| !t.is_empty());
    if to == from.map(str::trim).filter(|t| !t.is_empty()) {
        return;
    }
    changes.push(Change {
        field,
        from: from.map(str::to_owned),
        to: to.map(str::to_owned),
    });
}

/// Checks a proposal against the terms in force; every problem is reported at once. An
/// amendment changes at least one value (422 `no_change` on `changes`); a termination falls
/// within the agreement (from its first day to the day before its last) with its reason, and
/// comes alone (dates are not changed by the same amendment).
pub fn check(current: &Terms, p: &Proposal, internship: bool) -> Result<Checked, Vec<FieldError>> {
    let mut errors = Vec::new();
    let reason = p.reason.trim();
    if reason.is_empty() || reason.chars().count() > 2_000 {
        errors.push(
            FieldError::new(
                "reason",
                "is required (1 to 2000 characters): why it changes",
            )
            .with_code("reason_required"),
        );
    }
    if let Some(subject) = &p.subject {
        let n = subject.trim().chars().count();
        if n == 0 || n > 300 {
            errors.push(FieldError::new("subject", "must be 1 to 300 characters"));
        }
    }
    if p.place.as_ref().is_some_and(|v| v.chars().count() > 300) {
        errors.push(FieldError::new("place", "must be at most 300 characters"));
    }
    if p.supervisor
        .as_ref()
        .is_some_and(|v| v.chars().count() > 300)
    {
        errors.push(FieldError::new(
            "supervisor",
            "must be at most 300 characters",
        ));
    }
    if let Some(cents) = p.gratification_cents {
        if !internship {
            errors.push(FieldError::new(
                "gratification_cents",
                "only an internship has a gratification",
            ));
        } else if !(0..=100_000).contains(&cents) {
            errors.push(FieldError::new(
                "gratification_cents",
                "must be 0 to 100000 (cents of euro an hour)",
            ));
        }
    }
    let starts_on = p.starts_on.unwrap_or(current.starts_on);
    let ends_on = p.ends_on.unwrap_or(current.ends_on);
    if ends_on < starts_on {
        errors.push(FieldError::new("ends_on", "must not be before starts_on"));
    }
    let termination_reason = p
        .termination_reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty());
    if let Some(day) = p.terminates_on {
        if p.starts_on.is_some() || p.ends_on.is_some() {
            errors.push(FieldError::new(
                "terminates_on",
                "an early termination does not change the dates as well: one amendment each",
            ));
        } else if day < current.starts_on || day >= current.ends_on {
            errors.push(FieldError::new(
                "terminates_on",
                format!(
                    "must be from {} to the day before {} (the agreement's last day)",
                    current.starts_on, current.ends_on
                ),
            ));
        }
        if termination_reason.is_none_or(|r| r.chars().count() > 2_000) {
            errors.push(FieldError::new(
                "termination_reason",
                "is required with terminates_on (1 to 2000 characters)",
            ));
        }
    } else if termination_reason.is_some() {
        errors.push(FieldError::new(
            "terminates_on",
            "is required with termination_reason",
        ));
    }
    let mut changes = Vec::new();
    if p.subject.is_some() {
        text_change(
            Field::Subject,
            Some(&current.subject),
            p.subject.as_deref(),
            &mut changes,
        );
    }
    if p.place.is_some() {
        text_change(
            Field::Place,
            Some(&current.place),
            p.place.as_deref(),
            &mut changes,
        );
    }
    if p.supervisor.is_some() {
        text_change(
            Field::Supervisor,
            current.supervisor.as_deref(),
            p.supervisor.as_deref(),
            &mut changes,
        );
    }
    let date = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
    if let Some(d) = p.starts_on.filter(|d| *d != current.starts_on) {
        changes.push(Change {
            field: Field::StartsOn,
            from: Some(date(current.starts_on)),
            to: Some(date(d)),
        });
    }
    if let Some(d) = p.ends_on.filter(|d| *d != current.ends_on) {
        changes.push(Change {
            field: Field::EndsOn,
            from: Some(date(current.ends_on)),
            to: Some(date(d)),
        });
    }
    if let Some(t) = p
        .tutor_id
        .as_deref()
        .filter(|t| Some(*t) != current.tutor_id.as_deref())
    {
        changes.push(Change {
            field: Field::TutorId,
            from: current.tutor_id.clone(),
            to: Some(t.to_owned()),
        });
    }
    if let Some(c) = p
        .gratification_cents
        .filter(|c| Some(*c) != current.gratification_cents)
    {
        changes.push(Change {
            field: Field::GratificationCents,
            from: current.gratification_cents.map(|c| c.to_string()),
            to: Some(c.to_string()),
        });
    }
    if changes.is_empty() && p.terminates_on.is_none() && errors.is_empty() {
        errors.push(
            FieldError::new(
                "changes",
                "names nothing different from the agreement in force: change a value or end it early",
            )
            .with_code("no_change"),
        );
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Checked {
        reason: reason.to_owned(),
        changes,
        terminates_on: p.terminates_on,
        termination_reason: termination_reason.map(str::to_owned),
    })
}

/// The terms once the amendment applies: each change's new value; a termination ends the
/// agreement on its day.
pub fn apply(current: &Terms, changes: &[Change], terminates_on: Option<NaiveDate>) -> Terms {
    let mut t = current.clone();
    let day = |v: &Option<String>| {
        v.as_deref()
            .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
    };
    for c in changes {
        match c.field {
            Field::Subject => t.subject = c.to.clone().unwrap_or_default(),
            Field::Place => t.place = c.to.clone().unwrap_or_default(),
            Field::Supervisor => t.supervisor = c.to.clone(),
            Field::StartsOn => t.starts_on = day(&c.to).unwrap_or(t.starts_on),
            Field::EndsOn => t.ends_on = day(&c.to).unwrap_or(t.ends_on),
            Field::TutorId => t.tutor_id = c.to.clone(),
            Field::GratificationCents => {
                t.gratification_cents = c.to.as_deref().and_then(|v| v.parse().ok())
            }
        }
    }
    if let Some(day) = terminates_on {
        t.ends_on = day;
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("valid")
    }

    fn terms() -> Terms {
        Terms {
            subject: "Banc d'essai".into(),
            place: "Lyon".into(),
            supervisor: Some("Mme Roux".into()),
            starts_on: d("2027-03-01"),
            ends_on: d("2027-06-30"),
            tutor_id: Some("t1".into()),
            gratification_cents: Some(450),
        }
    }

    fn proposal() -> Proposal {
        Proposal {
            reason: "Projet prolongé".into(),
            ..Proposal::default()
        }
    }

    fn fields(errors: &[FieldError]) -> Vec<&str> {
        errors.iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn names_each_changed_value_before_and_after_and_skips_the_same() {
        let p = Proposal {
            ends_on: Some(d("2027-07-31")),
            place: Some("Lyon".into()),
            gratification_cents: Some(500),
            ..proposal()
        };
        let checked = check(&terms(), &p, true).expect("valid");
        assert_eq!(
            checked.changes,
            vec![
                Change {
                    field: Field::EndsOn,
                    from: Some("2027-06-30".into()),
                    to: Some("2027-07-31".into())
                },
                Change {
                    field: Field::GratificationCents,
                    from: Some("450".into()),
                    to: Some("500".into())
                },
            ]
        );
        let after = apply(&terms(), &checked.changes, None);
        assert_eq!(after.ends_on, d("2027-07-31"));
        assert_eq!(after.gratification_cents, Some(500));
        assert_eq!(after.place, "Lyon");
    }

    #[test]
    fn a_reason_and_a_real_change_are_required() {
        let errors = check(
            &terms(),
            &Proposal {
                reason: "  ".into(),
                place: Some("Lyon".into()),
                ..Proposal::default()
            },
            true,
        )
        .expect_err("refused");
        assert_eq!(fields(&errors), ["reason"]);
        assert_eq!(errors[0].code, Some("reason_required"));
        let errors = check(&terms(), &proposal(), true).expect_err("refused");
        assert_eq!(fields(&errors), ["changes"]);
        assert_eq!(errors[0].code, Some("no_change"));
    }

    #[test]
    fn an_empty_supervisor_clears_it() {
        let p = Proposal {
            supervisor: Some(" ".into()),
            ..proposal()
        };
        let checked = check(&terms(), &p, true).expect("valid");
        assert_eq!(checked.changes[0].to, None);
        assert_eq!(apply(&terms(), &checked.changes, None).supervisor, None);
    }

    #[test]
    fn termination_falls_inside_the_agreement_with_its_reason_and_alone() {
        let ok = Proposal {
            terminates_on: Some(d("2027-06-29")),
            termination_reason: Some("Démission".into()),
            ..proposal()
        };
        let checked = check(&terms(), &ok, true).expect("valid");
        assert!(checked.changes.is_empty());
        assert_eq!(
            apply(&terms(), &checked.changes, checked.terminates_on).ends_on,
            d("2027-06-29")
        );
        // The first day is the earliest; the last day is no early end at all.
        for (day, good) in [
            ("2027-03-01", true),
            ("2027-02-28", false),
            ("2027-06-30", false),
        ] {
            let p = Proposal {
                terminates_on: Some(d(day)),
                ..ok.clone()
            };
            assert_eq!(check(&terms(), &p, true).is_ok(), good, "{day}");
        }
        let no_reason = Proposal {
            termination_reason: None,
            ..ok.clone()
        };
        assert_eq!(
            fields(&check(&terms(), &no_reason, true).expect_err("refused")),
            ["termination_reason"]
        );
        let with_dates = Proposal {
            ends_on: Some(d("2027-05-31")),
            ..ok
        };
        assert_eq!(
            fields(&check(&terms(), &with_dates, true).expect_err("refused")),
            ["terminates_on"]
        );
    }

    #[test]
    fn gratification_is_an_internship_s_and_dates_stay_ordered() {
        let p = Proposal {
            gratification_cents: Some(500),
            ..proposal()
        };
        assert_eq!(
            fields(&check(&terms(), &p, false).expect_err("refused")),
            ["gratification_cents"]
        );
        let p = Proposal {
            starts_on: Some(d("2027-07-01")),
            ..proposal()
        };
        assert_eq!(
            fields(&check(&terms(), &p, true).expect_err("refused")),
            ["ends_on"]
        );
    }
}
