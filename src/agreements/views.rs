//! Request and response bodies of the agreements' endpoints.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::agreements::internship::views::{InternshipView, LimitsView};
use crate::agreements::models::{Details, Person};
use crate::db::utc;

#[derive(Debug, Serialize, ToSchema)]
pub struct PersonView {
    #[schema(format = Uuid)]
    pub id: String,
    pub name: String,
    pub email: String,
}

impl From<&Person> for PersonView {
    fn from(p: &Person) -> Self {
        Self {
            id: p.id.clone(),
            name: p.name.clone(),
            email: p.email.clone(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CompanyRefView {
    #[schema(format = Uuid)]
    pub id: String,
    pub name: String,
    pub city: String,
    /// Who signs for the company (its contact account); null when it has none.
    pub contact: Option<PersonView>,
}

/// A signatory of the current version and their signature, once given.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignatureView {
    /// `school`, `company`, `student` or `tutor`.
    pub party: String,
    pub signatory: PersonView,
    pub signed_at: Option<DateTime<Utc>>,
    /// The SHA-256 of the document this party signed.
    pub document_sha256: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AgreementView {
    #[schema(format = Uuid)]
    pub id: String,
    /// The short reference printed on the PDF and in the register.
    pub reference: String,
    /// `field_mission`, `internship` or `research`.
    pub kind: String,
    /// `draft`, `sent`, `signed` or `cancelled`.
    pub status: String,
    /// Grows by one each time a sent agreement is changed (its signatures are then void).
    pub version: i32,
    /// The PDF's language: `fr` or `en`.
    pub locale: String,
    pub campaign_id: Option<String>,
    pub mission_id: Option<String>,
    pub company: CompanyRefView,
    pub student: Option<PersonView>,
    /// The research tutor (a party), or a field mission's academic tutor (named only).
    pub tutor: Option<PersonView>,
    pub subject: String,
    pub description: String,
    pub place: String,
    pub supervisor: Option<String>,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    /// The SHA-256 of the current version's frozen PDF (from `sent` on).
    pub document_sha256: Option<String>,
    pub signatures: Vec<SignatureView>,
    pub sent_at: Option<DateTime<Utc>>,
    pub signed_at: Option<DateTime<Utc>>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub cancel_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// An internship's content and computed hours (null for the other kinds).
    pub internship: Option<InternshipView>,
    /// The validation history before sending, oldest first.
    pub validations: Vec<ValidationView>,
    /// The step refused and not corrected yet (the requester corrects, then resubmits).
    pub awaiting_correction: Option<String>,
    /// Signed outside fieldlab: who attested the uploaded scan, when, and their note.
    pub signed_copy: Option<SignedCopyView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SignedCopyView {
    pub attested_by: PersonView,
    pub attested_at: DateTime<Utc>,
    pub note: String,
}

/// One decision of the validation before sending.
#[derive(Debug, Serialize, ToSchema)]
pub struct ValidationView {
    /// `pedagogical` or `administrative`.
    pub step: String,
    /// `approved`, `refused` or `resubmitted`.
    pub decision: String,
    /// Why (always given for a refusal).
    pub reason: Option<String>,
    pub by: PersonView,
    pub at: DateTime<Utc>,
}

impl AgreementView {
    /// With an internship's limits judged now.
    pub fn with_limits(mut self, limits: LimitsView) -> Self {
        if let Some(i) = &mut self.internship {
            i.limits = Some(limits);
        }
        self
    }

    /// With an internship's evaluation, for those who read it.
    pub fn with_evaluation(
        mut self,
        evaluation: Option<crate::agreements::internship::views::EvaluationView>,
    ) -> Self {
        if let Some(i) = &mut self.internship {
            i.evaluation = evaluation;
        }
        self
    }
}

impl From<Details> for AgreementView {
    fn from(d: Details) -> Self {
        let internship = d.internship.as_ref().map(|row| {
            let plan = crate::agreements::internship::flows::plan(&d.agreement, row);
            InternshipView::of(
                row,
                &d.company.host,
                d.certificate.as_ref(),
                plan.as_ref(),
                None,
            )
        });
        let awaiting_correction = d
            .validations
            .iter()
            .rev()
            .find(|(v, _)| v.decision != "approved")
            .filter(|(v, _)| v.decision == "refused")
            .map(|(v, _)| v.step.clone());
        let validations = d
            .validations
            .iter()
            .map(|(v, p)| ValidationView {
                step: v.step.clone(),
                decision: v.decision.clone(),
                reason: v.reason.clone(),
                by: p.into(),
                at: utc(v.at),
            })
            .collect();
        let signed_copy = d.signed_copy.as_ref().map(|(c, p)| SignedCopyView {
            attested_by: p.into(),
            attested_at: utc(c.attested_at),
            note: c.note.clone(),
        });
        let a = d.agreement;
        Self {
            signed_copy,
            internship,
            validations,
            awaiting_correction,
            reference: crate::agreements::document::reference(&a.id),
            id: a.id,
            kind: a.kind,
            status: a.status,
            version: a.version,
            locale: a.locale,
            campaign_id: a.campaign_id,
            mission_id: a.mission_id,
            company: CompanyRefView {
                id: d.company.id,
                name: d.company.name,
                city: d.company.city,
                contact: d.company.contact.as_ref().map(PersonView::from),
            },
            student: d.student.as_ref().map(PersonView::from),
            tutor: d.tutor.as_ref().map(PersonView::from),
            subject: a.subject,
            description: a.description,
            place: a.place,
            supervisor: a.supervisor,
            starts_on: a.starts_on,
            ends_on: a.ends_on,
            document_sha256: d.document_sha256,
            signatures: d
                .signatures
                .iter()
                .map(|(s, p)| SignatureView {
                    party: s.party.clone(),
                    signatory: p.into(),
                    signed_at: s.signed_at.map(utc),
                    document_sha256: s.document_sha256.clone(),
                })
                .collect(),
            sent_at: a.sent_at.map(utc),
            signed_at: a.signed_at.map(utc),
            cancelled_at: a.cancelled_at.map(utc),
            cancel_reason: a.cancel_reason,
            created_at: utc(a.created_at),
            updated_at: utc(a.updated_at),
        }
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AgreementQuery {
    /// `field_mission`, `internship` or `research`.
    pub kind: Option<String>,
    /// `draft`, `sent`, `signed` or `cancelled`.
    pub status: Option<String>,
    pub campaign_id: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// Staff's new internship or research agreement.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct NewAgreementBody {
    /// `internship` (with `student_id`) or `research` (with `tutor_id`).
    #[schema(example = "internship")]
    pub kind: String,
    pub company_id: String,
    pub student_id: Option<String>,
    pub tutor_id: Option<String>,
    #[schema(example = "Jumeau numérique d'une ligne de découpe")]
    pub subject: String,
    pub description: String,
    /// Default: the company's city.
    pub place: Option<String>,
    /// The company's supervisor (internships); default: its contact.
    pub supervisor: Option<String>,
    #[schema(example = "2027-04-05")]
    pub starts_on: Option<String>,
    #[schema(example = "2027-08-27")]
    pub ends_on: Option<String>,
    /// `fr` (default) or `en`: the PDF's language.
    pub locale: Option<String>,
}

/// Staff's change of an agreement; absent fields are kept. Changing a `sent` agreement voids
/// its signatures: a new version is sent to every party.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct ChangeAgreementBody {
    pub subject: Option<String>,
    pub description: Option<String>,
    pub place: Option<String>,
    pub supervisor: Option<String>,
    pub starts_on: Option<String>,
    pub ends_on: Option<String>,
    pub locale: Option<String>,
    /// Why a sent agreement changes: told to its signatories with the new version.
    pub reason: Option<String>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct SignBody {
    /// Must be `true`: the signatory agrees to sign the document electronically.
    pub consent: bool,
    /// The version read (optional): if it was replaced, 409 `agreement_changed`.
    pub version: Option<i32>,
}

/// A validator's decision on a step.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ValidationBody {
    /// `pedagogical` (the academic tutor or staff) or `administrative` (staff).
    pub step: String,
    /// `approve` or `refuse`.
    pub decision: String,
    /// Required to refuse (422 `reason_required`): what to correct. E-mailed to the requester.
    pub reason: Option<String>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct CancelBody {
    pub reason: Option<String>,
}

/// Why a sent agreement is withdrawn for correction (required).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct WithdrawBody {
    pub reason: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SkippedView {
    pub agreement_id: String,
    /// The refusal's code, e.g. `party_missing` for a company without its contact.
    pub code: String,
    pub detail: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CampaignSendView {
    /// The agreements sent now.
    pub sent: Vec<String>,
    /// The drafts left as they were, with why.
    pub skipped: Vec<SkippedView>,
}

/// A signature delegated for a period.
#[derive(Debug, Serialize, ToSchema)]
pub struct DelegationView {
    #[schema(format = Uuid)]
    pub id: String,
    pub from: PersonView,
    pub to: PersonView,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    /// Whether the delegate may sign in the signatory's place today.
    pub active: bool,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<&crate::agreements::delegations::Named> for DelegationView {
    fn from(n: &crate::agreements::delegations::Named) -> Self {
        let d = &n.delegation;
        Self {
            id: d.id.clone(),
            from: (&n.from).into(),
            to: (&n.to).into(),
            starts_on: d.starts_on,
            ends_on: d.ends_on,
            active: crate::agreements::delegations::covers(d, crate::clock::today()),
            revoked_at: d.revoked_at.map(utc),
        }
    }
}

/// Whom to delegate one's signature to (a staff account's e-mail) and for which days.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct DelegationBody {
    pub to_email: String,
    #[schema(format = Date)]
    pub starts_on: Option<String>,
    #[schema(format = Date)]
    pub ends_on: Option<String>,
}
