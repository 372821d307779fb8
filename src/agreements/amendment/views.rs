//! The amendments' API shapes.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::domain::Proposal;
use super::flows::{history, Full};
use crate::agreements::views::{PersonView, SignatureView, ValidationView};
use crate::db::utc;
use crate::error::{ApiError, FieldError};

/// One change an amendment names: the value before and after (dates `YYYY-MM-DD`, a tutor's
/// account id, cents of euro an hour; null: none).
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangeView {
    /// `subject`, `place`, `supervisor`, `starts_on`, `ends_on`, `tutor_id` or
    /// `gratification_cents`.
    pub field: String,
    pub from: Option<String>,
    pub to: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AmendmentView {
    /// 1 for an agreement's first amendment, then 2, ...
    pub number: i32,
    /// `draft` (being validated), `sent` (to sign), `signed` (applied) or `cancelled`.
    pub status: String,
    pub reason: String,
    pub changes: Vec<ChangeView>,
    /// An early termination: the agreement's new last day, and why.
    pub terminates_on: Option<NaiveDate>,
    pub termination_reason: Option<String>,
    pub requested_by: PersonView,
    /// The SHA-256 of its frozen PDF (from `sent` on).
    pub document_sha256: Option<String>,
    pub signatures: Vec<SignatureView>,
    pub validations: Vec<ValidationView>,
    /// The step refused and not corrected yet (the requester corrects it with PUT).
    pub awaiting_correction: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub signed_at: Option<DateTime<Utc>>,
    pub cancelled_at: Option<DateTime<Utc>>,
}

impl From<&Full> for AmendmentView {
    fn from(f: &Full) -> Self {
        let a = &f.amendment;
        let requester = f
            .people
            .get(&a.requested_by)
            .map(PersonView::from)
            .unwrap_or(PersonView {
                id: a.requested_by.clone(),
                name: String::new(),
                email: String::new(),
            });
        // A refusal not followed by a resubmission waits for the requester's correction.
        let awaiting_correction = crate::agreements::validation::State::of(&[], &history(f))
            .awaiting_correction
            .map(|s| s.as_str().to_owned());
        Self {
            number: a.number,
            status: a.status.clone(),
            reason: a.reason.clone(),
            changes: f
                .changes
                .iter()
                .map(|c| ChangeView {
                    field: c.field.as_str().to_owned(),
                    from: c.from.clone(),
                    to: c.to.clone(),
                })
                .collect(),
            terminates_on: a.terminates_on,
            termination_reason: a.termination_reason.clone(),
            requested_by: requester,
            document_sha256: a.sha256.clone(),
            signatures: f
                .signatures
                .iter()
                .map(|(s, p)| SignatureView {
                    party: s.party.clone(),
                    signatory: p.into(),
                    signed_at: s.signed_at.map(utc),
                    document_sha256: s.document_sha256.clone(),
                })
                .collect(),
            validations: f
                .validations
                .iter()
                .map(|(v, p)| ValidationView {
                    step: v.step.clone(),
                    decision: v.decision.clone(),
                    reason: v.reason.clone(),
                    by: p.into(),
                    at: utc(v.at),
                })
                .collect(),
            awaiting_correction,
            created_at: utc(a.created_at),
            sent_at: a.sent_at.map(utc),
            signed_at: a.signed_at.map(utc),
            cancelled_at: a.cancelled_at.map(utc),
        }
    }
}

/// What an amendment changes, and why. Omitted fields stay as they are; at least one value
/// must differ from the agreement in force, or `terminates_on` end it early.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct AmendmentBody {
    /// Required (422 `reason_required`): why the agreement changes.
    pub reason: String,
    pub subject: Option<String>,
    pub place: Option<String>,
    /// The supervisor at the host; `""` clears it.
    pub supervisor: Option<String>,
    #[schema(format = Date)]
    pub starts_on: Option<String>,
    #[schema(format = Date)]
    pub ends_on: Option<String>,
    /// A new academic tutor (a tutor's account id).
    pub tutor_id: Option<String>,
    /// An internship's new hourly gratification, in cents of euro.
    pub gratification_cents: Option<i32>,
    /// Ends the agreement early: its new last day (before the planned one).
    #[schema(format = Date)]
    pub terminates_on: Option<String>,
    /// Required with `terminates_on`.
    pub termination_reason: Option<String>,
}

impl AmendmentBody {
    /// The proposal, its dates parsed (422 naming each unreadable one).
    pub fn proposal(self) -> Result<Proposal, ApiError> {
        let mut errors = Vec::new();
        let mut date = |v: Option<String>, field: &str| -> Option<NaiveDate> {
            let v = crate::text::not_blank(v.as_deref())?.to_owned();
            let day = crate::dates::parse_date(&v);
            if day.is_none() {
                errors.push(FieldError::new(field, "must be a date (YYYY-MM-DD)"));
            }
            day
        };
        let starts_on = date(self.starts_on, "starts_on");
        let ends_on = date(self.ends_on, "ends_on");
        let terminates_on = date(self.terminates_on, "terminates_on");
        if !errors.is_empty() {
            return Err(ApiError::validation(errors));
        }
        Ok(Proposal {
            reason: self.reason,
            subject: self.subject,
            place: self.place,
            supervisor: self.supervisor,
            starts_on,
            ends_on,
            tutor_id: crate::text::not_blank(self.tutor_id.as_deref()).map(str::to_owned),
            gratification_cents: self.gratification_cents,
            terminates_on,
            termination_reason: self.termination_reason,
        })
    }
}
