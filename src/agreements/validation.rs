//! Validation before sending (pure): each kind's steps in order (config
//! `agreements.validation`), the state their history gives, and who may decide what. A
//! refusal needs its reason and waits for the requester's correction (`resubmitted`); the
//! office's `administrative` step is given by sending.

use crate::error::{ApiError, FieldError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Step {
    /// The academic tutor (or staff) approves the content.
    Pedagogical,
    /// The office; sending validates it.
    Administrative,
}

impl Step {
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "pedagogical" => Some(Step::Pedagogical),
            "administrative" => Some(Step::Administrative),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Step::Pedagogical => "pedagogical",
            Step::Administrative => "administrative",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Approved,
    Refused,
    Resubmitted,
}

impl Decision {
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "approved" | "approve" => Some(Decision::Approved),
            "refused" | "refuse" => Some(Decision::Refused),
            "resubmitted" => Some(Decision::Resubmitted),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Approved => "approved",
            Decision::Refused => "refused",
            Decision::Resubmitted => "resubmitted",
        }
    }
}

/// One event of the history, oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub step: Step,
    pub decision: Decision,
}

/// Where an agreement stands in its validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct State {
    /// Steps approved since the last refusal, in order.
    pub approved: Vec<Step>,
    /// Steps still to approve, in order.
    pub pending: Vec<Step>,
    /// Refused at this step and not corrected yet.
    pub awaiting_correction: Option<Step>,
}

impl State {
    /// The steps of `kind` and what its history says of them.
    pub fn of(steps: &[Step], history: &[Event]) -> Self {
        let mut approved: Vec<Step> = Vec::new();
        let mut awaiting_correction = None;
        for event in history {
            match event.decision {
                Decision::Approved => {
                    if !approved.contains(&event.step) {
                        approved.push(event.step);
                    }
                }
                Decision::Refused => {
                    approved.clear();
                    awaiting_correction = Some(event.step);
                }
                Decision::Resubmitted => awaiting_correction = None,
            }
        }
        let pending = steps
            .iter()
            .copied()
            .filter(|s| !approved.contains(s))
            .collect();
        Self {
            approved,
            pending,
            awaiting_correction,
        }
    }

    /// The next step to decide, if any.
    pub fn next(&self) -> Option<Step> {
        self.pending.first().copied()
    }

    /// Whether sending (which gives the administrative step) may go ahead: nothing awaits a
    /// correction and every step before the office's is approved.
    pub fn check_send(&self) -> Result<(), Refusal> {
        if let Some(step) = self.awaiting_correction {
            return Err(Refusal::AwaitingCorrection(step));
        }
        let before_office: Vec<Step> = self
            .pending
            .iter()
            .copied()
            .filter(|s| *s != Step::Administrative)
            .collect();
        if before_office.is_empty() {
            Ok(())
        } else {
            Err(Refusal::Pending(before_office))
        }
    }

    /// Whether `step` may be decided now (approve or refuse): it is the next one, and no
    /// refusal awaits its correction.
    pub fn check_decide(&self, step: Step) -> Result<(), Refusal> {
        if let Some(refused) = self.awaiting_correction {
            return Err(Refusal::AwaitingCorrection(refused));
        }
        match self.next() {
            Some(next) if next == step => Ok(()),
            Some(next) => Err(Refusal::NotYourTurn { step, next }),
            None => Err(Refusal::NotYourTurn { step, next: step }),
        }
    }
}

/// A refusal's reason: required, trimmed, at most 2,000 characters.
/// A validator's request read: the step, approve or refuse, and the reason (required to
/// refuse). Every unreadable field is named at once.
pub fn decision_of(
    step: &str,
    decision: &str,
    reason: Option<&str>,
) -> Result<(Step, Decision, Option<String>), ApiError> {
    let mut errors = Vec::new();
    let step = Step::parse(step);
    if step.is_none() {
        errors.push(FieldError::new(
            "step",
            "must be `pedagogical` or `administrative`",
        ));
    }
    let decision = Decision::parse(decision).filter(|d| *d != Decision::Resubmitted);
    if decision.is_none() {
        errors.push(FieldError::new("decision", "must be `approve` or `refuse`"));
    }
    let (Some(step), Some(decision)) = (step, decision) else {
        return Err(ApiError::validation(errors));
    };
    let reason = match decision {
        Decision::Refused => Some(self::reason(reason)?),
        _ => crate::text::not_blank(reason).map(str::to_owned),
    };
    Ok((step, decision, reason))
}

pub fn reason(raw: Option<&str>) -> Result<String, ApiError> {
    match crate::text::not_blank(raw) {
        None => Err(ApiError::validation(vec![FieldError::new(
            "reason",
            "is required to refuse: say what to correct",
        )
        .with_code("reason_required")])),
        Some(r) if r.chars().count() > 2_000 => Err(ApiError::validation(vec![FieldError::new(
            "reason",
            "must be at most 2000 characters",
        )])),
        Some(r) => Ok(r.to_owned()),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Steps to approve before the office sends.
    Pending(Vec<Step>),
    /// A refusal at this step waits for the requester's correction.
    AwaitingCorrection(Step),
    /// `step` is not the one to decide now (`next` is).
    NotYourTurn { step: Step, next: Step },
}

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::Pending(steps) => ApiError::conflict(
                "validation_pending",
                format!(
                    "The agreement needs its validation first: {}.",
                    steps
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
            .with(
                "pending",
                steps.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
            ),
            Refusal::AwaitingCorrection(step) => ApiError::conflict(
                "awaiting_correction",
                format!(
                    "The agreement was refused at the {} step: it waits for its correction and \
                     resubmission.",
                    step.as_str()
                ),
            )
            .with("step", step.as_str()),
            Refusal::NotYourTurn { step, next } => ApiError::conflict(
                "validation_out_of_order",
                format!(
                    "The {} step is not the one to decide now: {} is.",
                    step.as_str(),
                    next.as_str()
                ),
            )
            .with("next", next.as_str()),
        }
    }
}

/// The configured steps, parsed (unknown names are refused at startup by the config check).
pub fn steps(names: &[String]) -> Vec<Step> {
    names.iter().filter_map(|n| Step::parse(n)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use Decision::*;
    use Step::*;

    fn e(step: Step, decision: Decision) -> Event {
        Event { step, decision }
    }

    #[test]
    fn an_internship_needs_the_tutor_before_the_office_sends() {
        let steps = [Pedagogical, Administrative];
        let state = State::of(&steps, &[]);
        assert_eq!(state.check_send(), Err(Refusal::Pending(vec![Pedagogical])));
        assert_eq!(state.next(), Some(Pedagogical));
        assert!(state.check_decide(Administrative).is_err(), "in order");
        let state = State::of(&steps, &[e(Pedagogical, Approved)]);
        assert_eq!(state.check_send(), Ok(()));
        assert_eq!(state.check_decide(Administrative), Ok(()));
    }

    #[test]
    fn a_refusal_waits_for_its_correction_then_the_steps_start_again() {
        let steps = [Pedagogical, Administrative];
        let history = [e(Pedagogical, Approved), e(Administrative, Refused)];
        let state = State::of(&steps, &history);
        assert_eq!(state.awaiting_correction, Some(Administrative));
        assert_eq!(
            state.check_send(),
            Err(Refusal::AwaitingCorrection(Administrative))
        );
        assert!(state.check_decide(Pedagogical).is_err());
        let history = [
            e(Pedagogical, Approved),
            e(Administrative, Refused),
            e(Administrative, Resubmitted),
        ];
        let state = State::of(&steps, &history);
        assert_eq!(state.awaiting_correction, None);
        assert_eq!(state.pending, vec![Pedagogical, Administrative]);
        assert_eq!(state.check_decide(Pedagogical), Ok(()));
    }

    #[test]
    fn kinds_with_the_office_alone_are_sent_at_once_and_a_reason_is_required() {
        let state = State::of(&[Administrative], &[]);
        assert_eq!(state.check_send(), Ok(()));
        assert_eq!(
            reason(Some("  ")).expect_err("blank").code(),
            "reason_required"
        );
        assert_eq!(
            reason(Some(" Dates fausses ")).ok().as_deref(),
            Some("Dates fausses")
        );
        assert_eq!(
            steps(&["pedagogical".into(), "nope".into()]),
            vec![Pedagogical]
        );
    }
}
