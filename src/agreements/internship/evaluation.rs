//! The company supervisor's evaluation of an intern, pure: the mark (out of 20 in quarter
//! points, as field missions are marked), the texts and their limits, and when the follow-ups
//! of an unanswered request fall (a reminder every `internship.evaluation_reminder_days`, at
//! most [`MAX_REMINDERS`], then staff warned once). No database, no HTTP; unit-tested.

use chrono::{Duration, NaiveDate};

use crate::error::FieldError;

/// Reminders sent to a supervisor who has not evaluated; after the last, staff are warned.
/// (The database holds `reminders_sent` to this too.)
pub const MAX_REMINDERS: i32 = 3;
/// The appreciation's and the skills' most characters (the database holds them to it too).
pub const MAX_TEXT_CHARS: usize = 4000;

/// A mark out of 20 in quarter points (14.25, 14.5), kept as a whole number of quarters so that
/// both databases store and compare it exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mark(i32);

impl Mark {
    /// The messages are the missions' own, so pages word them the same way.
    pub fn parse(points: f64) -> Result<Self, &'static str> {
        if !points.is_finite() || !(0.0..=20.0).contains(&points) {
            return Err("must be between 0 and 20");
        }
        let quarters = points * 4.0;
        if quarters.fract() != 0.0 {
            return Err("must be in quarter points (e.g. 14.5)");
        }
        Ok(Self(quarters as i32))
    }

    /// A stored mark; `None` if the row holds something no mark is.
    pub fn from_quarters(quarters: i32) -> Option<Self> {
        (0..=80).contains(&quarters).then_some(Self(quarters))
    }

    pub fn quarters(self) -> i32 {
        self.0
    }

    pub fn points(self) -> f64 {
        f64::from(self.0) / 4.0
    }
}

/// An evaluation as given: a valid mark, an appreciation (required), the skills (optional).
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    pub mark: Mark,
    pub appreciation: String,
    pub skills: String,
}

/// A mark as sent: a JSON number, or text typed the French or English way (« 14,5 »).
#[derive(Debug, Clone, PartialEq)]
pub enum GivenMark {
    Number(f64),
    Text(String),
}

impl GivenMark {
    fn points(&self) -> Option<f64> {
        match self {
            GivenMark::Number(n) => Some(*n),
            GivenMark::Text(t) => t.trim().replace(',', ".").parse::<f64>().ok(),
        }
    }
}

impl Evaluation {
    /// Every field's error at once, named as the API's body names them.
    pub fn parse(
        mark: Option<&GivenMark>,
        appreciation: Option<&str>,
        skills: Option<&str>,
    ) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mark = match mark {
            None => {
                errors.push(FieldError::new("mark", "is required"));
                None
            }
            Some(GivenMark::Text(t)) if t.trim().is_empty() => {
                errors.push(FieldError::new("mark", "is required"));
                None
            }
            Some(given) => match given.points() {
                None => {
                    errors.push(FieldError::new("mark", "must be a number out of 20"));
                    None
                }
                Some(points) => Mark::parse(points)
                    .map_err(|m| errors.push(FieldError::new("mark", m)))
                    .ok(),
            },
        };
        let appreciation = appreciation.unwrap_or_default().trim().to_owned();
        if appreciation.is_empty() {
            errors.push(FieldError::new("appreciation", "is required"));
        }
        let skills = skills.unwrap_or_default().trim().to_owned();
        for (field, text) in [("appreciation", &appreciation), ("skills", &skills)] {
            if text.chars().count() > MAX_TEXT_CHARS {
                errors.push(FieldError::new(
                    field,
                    format!("must be at most {MAX_TEXT_CHARS} characters"),
                ));
            }
        }
        match mark {
            Some(mark) if errors.is_empty() => Ok(Self {
                mark,
                appreciation,
                skills,
            }),
            _ => Err(errors),
        }
    }
}

/// What an unanswered request's next job does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FollowUp {
    /// Ask the supervisor again (a new link).
    Remind,
    /// Tell staff the supervisor never answered.
    WarnStaff,
}

impl FollowUp {
    /// The job kind that does it.
    pub fn job(self) -> &'static str {
        match self {
            FollowUp::Remind => REMINDER_JOB,
            FollowUp::WarnStaff => WARNING_JOB,
        }
    }
}

/// The job that asks the supervisor, on the internship's last day.
pub const REQUEST_JOB: &str = "internship_evaluation";
/// Each reminder is a job of its own.
pub const REMINDER_JOB: &str = "internship_evaluation_reminder";
/// Staff are warned once, an interval after the last reminder.
pub const WARNING_JOB: &str = "internship_evaluation_warning";

/// After the request (`reminders_sent` = 0) or a reminder, while the evaluation is still
/// missing: the next follow-up and its day, `every_days` (at least 1) after `today`. Reminders
/// until [`MAX_REMINDERS`] went out, then the warning, then nothing.
pub fn next_follow_up(
    reminders_sent: i32,
    today: NaiveDate,
    every_days: u32,
) -> Option<(FollowUp, NaiveDate)> {
    let day = today + Duration::days(i64::from(every_days.max(1)));
    match reminders_sent {
        n if n < MAX_REMINDERS => Some((FollowUp::Remind, day)),
        n if n == MAX_REMINDERS => Some((FollowUp::WarnStaff, day)),
        _ => None,
    }
}

/// Whether a reminder job may still send one: the evaluation is missing and fewer than
/// [`MAX_REMINDERS`] went out (a job scheduled twice never sends a fourth).
pub fn may_remind(submitted: bool, reminders_sent: i32) -> bool {
    !submitted && reminders_sent < MAX_REMINDERS
}

/// Whether the warning job warns: the evaluation is still missing after every reminder.
pub fn may_warn(submitted: bool, reminders_sent: i32) -> bool {
    !submitted && reminders_sent >= MAX_REMINDERS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2027, 6, d).expect("day")
    }

    fn fields(errors: &[FieldError]) -> Vec<&str> {
        errors.iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn marks_are_out_of_twenty_in_quarter_points() {
        for (points, quarters) in [(0.0, 0), (14.5, 58), (14.25, 57), (20.0, 80)] {
            let mark = Mark::parse(points).expect("a mark");
            assert_eq!(mark.quarters(), quarters);
            assert_eq!(mark.points(), points);
            assert_eq!(Mark::from_quarters(quarters), Some(mark));
        }
        assert_eq!(Mark::parse(20.25), Err("must be between 0 and 20"));
        assert_eq!(Mark::parse(-0.25), Err("must be between 0 and 20"));
        assert_eq!(Mark::parse(f64::NAN), Err("must be between 0 and 20"));
        assert_eq!(Mark::parse(f64::INFINITY), Err("must be between 0 and 20"));
        assert_eq!(
            Mark::parse(12.3),
            Err("must be in quarter points (e.g. 14.5)")
        );
        assert_eq!(Mark::from_quarters(81), None);
        assert_eq!(Mark::from_quarters(-1), None);
    }

    #[test]
    fn an_evaluation_needs_a_mark_and_an_appreciation_each_named() {
        let given = Evaluation::parse(
            Some(&GivenMark::Text(" 15,5 ".into())),
            Some("  Rigoureuse et autonome. "),
            None,
        )
        .expect("valid");
        assert_eq!(given.mark.points(), 15.5);
        assert_eq!(given.appreciation, "Rigoureuse et autonome.");
        assert_eq!(given.skills, "");

        let none = Evaluation::parse(None, Some("   "), None).expect_err("refused");
        assert_eq!(fields(&none), ["mark", "appreciation"]);
        assert_eq!(none[0].message, "is required");

        let long = "é".repeat(MAX_TEXT_CHARS + 1);
        let bad = Evaluation::parse(Some(&GivenMark::Number(21.0)), Some(&long), Some(&long))
            .expect_err("refused");
        assert_eq!(fields(&bad), ["mark", "appreciation", "skills"]);
        assert_eq!(bad[0].message, "must be between 0 and 20");

        let text = Evaluation::parse(Some(&GivenMark::Text("bien".into())), Some("Bien."), None)
            .expect_err("refused");
        assert_eq!(fields(&text), ["mark"]);
        // Exactly the limit is fine, counted in characters, not bytes.
        let at_limit = "é".repeat(MAX_TEXT_CHARS);
        assert!(Evaluation::parse(
            Some(&GivenMark::Number(10.0)),
            Some(&at_limit),
            Some(&at_limit)
        )
        .is_ok());
    }

    #[test]
    fn three_reminders_an_interval_apart_then_staff_warned_then_nothing() {
        assert_eq!(
            next_follow_up(0, day(25), 7),
            Some((
                FollowUp::Remind,
                NaiveDate::from_ymd_opt(2027, 7, 2).expect("day")
            ))
        );
        assert_eq!(
            next_follow_up(2, day(1), 7),
            Some((FollowUp::Remind, day(8)))
        );
        assert_eq!(
            next_follow_up(3, day(1), 7),
            Some((FollowUp::WarnStaff, day(8)))
        );
        assert_eq!(next_follow_up(4, day(1), 7), None);
        // A zero interval is read as one day, never as the same instant again.
        assert_eq!(
            next_follow_up(0, day(1), 0),
            Some((FollowUp::Remind, day(2)))
        );
        assert_eq!(FollowUp::Remind.job(), REMINDER_JOB);
        assert_eq!(FollowUp::WarnStaff.job(), WARNING_JOB);
    }

    #[test]
    fn an_evaluation_given_stops_every_follow_up() {
        assert!(may_remind(false, 0));
        assert!(may_remind(false, 2));
        assert!(!may_remind(false, 3), "never a fourth reminder");
        assert!(!may_remind(true, 0));
        assert!(!may_warn(false, 2), "not before the last reminder");
        assert!(may_warn(false, 3));
        assert!(!may_warn(true, 3));
    }
}
