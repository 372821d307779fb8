//! Request and response bodies of the internship's endpoints and pages.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::assess::{self, Assessment};
use super::evaluation::{GivenMark, Mark};
use super::hours::Presence;
use super::models::{Certificate, EvaluationRow, HostRecord, Internship};
use super::rules::{self, Refusal};
use crate::db::utc;

/// The host's record as a convention names it (a new host on a request; staff's correction).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct HostBody {
    /// Legal name (a new host only).
    pub name: Option<String>,
    /// A new host only.
    pub city: Option<String>,
    /// 14 digits with a valid Luhn key, else 422 `invalid_siret`.
    pub siret: Option<String>,
    pub address: Option<String>,
    /// Who signs for the host.
    pub representative_name: Option<String>,
    pub representative_role: Option<String>,
    /// A new host only: the signatory's account (created and welcomed by e-mail if new).
    pub representative_email: Option<String>,
    /// Employees (R124-10's quota is 15 % from 20, else 3 interns at once).
    pub headcount: Option<i32>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct PeriodBody {
    /// YYYY-MM-DD.
    pub starts_on: String,
    /// YYYY-MM-DD, included.
    pub ends_on: String,
}

/// An internship's fields; on a change, a field left out keeps its value.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct InternshipBody {
    /// Staff requesting for a student; a student requests for themselves.
    pub student_id: Option<String>,
    /// An existing host, or `company` for one new to fieldlab (found by its SIRET if known).
    pub company_id: Option<String>,
    pub company: Option<HostBody>,
    pub student_number: Option<String>,
    /// The student's course (« Cycle ingénieur, 2e année »).
    pub programme: Option<String>,
    /// The course's volume of hours (« 450 h par an », D124-4 1°).
    pub programme_hours: Option<String>,
    /// `compulsory` (default), `optional` or `gap_year`.
    pub internship_type: Option<String>,
    pub subject: Option<String>,
    /// Activities entrusted.
    pub activities: Option<String>,
    /// Skills to acquire.
    pub skills: Option<String>,
    /// YYYY-MM-DD.
    pub starts_on: Option<String>,
    /// YYYY-MM-DD, included.
    pub ends_on: Option<String>,
    /// Where the intern works (default: the host's city).
    pub place: Option<String>,
    /// The host's department the intern works in.
    pub department: Option<String>,
    pub supervisor_name: Option<String>,
    pub supervisor_role: Option<String>,
    /// The company supervisor gets the link to complete the host's part here.
    pub supervisor_email: Option<String>,
    pub supervisor_phone: Option<String>,
    /// Hours of presence a week (default 35), at most 48; spread evenly over `work_days`.
    pub weekly_hours: Option<f64>,
    /// Worked days among `mon` … `sun` (default Monday to Friday).
    pub work_days: Option<Vec<String>>,
    pub night_work: Option<bool>,
    pub sunday_work: Option<bool>,
    /// Presence on public holidays (else they are not counted).
    pub holiday_work: Option<bool>,
    /// Periods without presence, within the dates.
    pub interruptions: Option<Vec<PeriodBody>>,
    /// Leave and absences allowed.
    pub leave: Option<String>,
    /// Per hour of presence, in cents of euro; 0: none.
    pub gratification_cents_per_hour: Option<i32>,
    pub gratification_terms: Option<String>,
    /// Meals, transport, lodging…
    pub benefits: Option<String>,
    pub confidential: Option<bool>,
    /// The clauses of the host's règlement intérieur that apply to the intern (D124-4 14°).
    pub internal_rules: Option<String>,
    /// `fr` (default) or `en`: the PDF's language.
    pub locale: Option<String>,
    /// Staff only: the enseignant référent (a tutor account); "" removes them.
    pub academic_tutor_id: Option<String>,
    /// Staff only: this internship may overlap another of the same student.
    pub overlap_allowed: Option<bool>,
}

/// The supervisor's confirmation of the certificate; figures left out are confirmed as
/// prepared.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct CertificateBody {
    /// The effective presence, in hours.
    pub presence_hours: Option<f64>,
    /// The total gratification paid, in cents; 0: none.
    pub gratification_total_cents: Option<i64>,
}

/// The company supervisor's evaluation of the intern, given once from their link.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct EvaluationBody {
    /// Out of 20, in quarter points (14.5, 14.25); a number, or text such as "14,5".
    #[schema(value_type = Option<f64>, example = 15.5)]
    pub mark: Option<serde_json::Value>,
    /// Required, at most 4000 characters.
    pub appreciation: Option<String>,
    /// The skills and behaviour observed (optional), at most 4000 characters.
    pub skills: Option<String>,
}

impl EvaluationBody {
    /// The mark as sent: a number, or text (anything else is text that is no number).
    pub fn given_mark(&self) -> Option<GivenMark> {
        match self.mark.as_ref()? {
            serde_json::Value::Null => None,
            serde_json::Value::Number(n) => Some(GivenMark::Number(n.as_f64().unwrap_or(f64::NAN))),
            serde_json::Value::String(s) => Some(GivenMark::Text(s.clone())),
            other => Some(GivenMark::Text(other.to_string())),
        }
    }
}

/// An internship's evaluation by its company supervisor: asked on the last day of a signed
/// internship, reminded, then given once.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EvaluationView {
    /// When the supervisor was first asked.
    pub requested_at: DateTime<Utc>,
    /// Reminders sent so far (at most 3; staff are warned after the last).
    pub reminders_sent: i32,
    /// Null until the supervisor gives it.
    pub submitted_at: Option<DateTime<Utc>>,
    /// Out of 20, in quarter points; null until given.
    pub mark: Option<f64>,
    pub appreciation: Option<String>,
    /// The skills and behaviour observed ("" if the supervisor left it out).
    pub skills: Option<String>,
}

impl EvaluationView {
    pub fn of(row: &EvaluationRow) -> Self {
        let given = row.submitted_at.is_some();
        Self {
            requested_at: utc(row.created_at),
            reminders_sent: row.reminders_sent,
            submitted_at: row.submitted_at.map(utc),
            mark: row
                .mark_quarters
                .and_then(Mark::from_quarters)
                .map(Mark::points),
            appreciation: given.then(|| row.appreciation.clone()),
            skills: given.then(|| row.skills.clone()),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HostView {
    pub siret: Option<String>,
    pub address: String,
    pub representative_name: String,
    pub representative_role: String,
    pub headcount: Option<i32>,
}

impl From<&HostRecord> for HostView {
    fn from(h: &HostRecord) -> Self {
        Self {
            siret: h.siret.clone(),
            address: h.address.clone(),
            representative_name: h.representative_name.clone(),
            representative_role: h.representative_role.clone(),
            headcount: h.headcount,
        }
    }
}

/// A presence as D124-6 counts it: 7 hours make a day, 22 days a month.
#[derive(Debug, Serialize, ToSchema)]
pub struct LegalDurationView {
    pub months: u32,
    pub days: u32,
    pub hours: f64,
}

impl From<Presence> for LegalDurationView {
    fn from(p: Presence) -> Self {
        let legal = p.legal();
        Self {
            months: legal.months,
            days: legal.days,
            hours: f64::from(legal.minutes) / 60.0,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PeriodView {
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

/// A limit passed (or, for `host_quota`, a warning), with its figures.
#[derive(Debug, Serialize, ToSchema)]
pub struct LimitView {
    /// `duration_exceeded`, `gratification_required`, `gratification_below_minimum`,
    /// `supervisor_full`, `internship_overlap` or `host_quota`.
    pub code: String,
    pub detail: String,
}

impl From<&Refusal> for LimitView {
    fn from(r: &Refusal) -> Self {
        Self {
            code: r.code().to_owned(),
            detail: format!("{r}."),
        }
    }
}

/// The hours at this host in one academic year (L124-5: at most 924).
#[derive(Debug, Serialize, ToSchema)]
pub struct YearView {
    /// « 2026-2027 ».
    pub academic_year: String,
    pub asked_hours: f64,
    /// The student's other internships at the same host that year.
    pub used_hours: f64,
    pub limit_hours: f64,
}

/// The limits judged now (staff see them before sending).
#[derive(Debug, Serialize, ToSchema)]
pub struct LimitsView {
    pub years: Vec<YearView>,
    /// More than 308 hours at the host: a gratification is due (L124-6).
    pub gratification_required: bool,
    /// The legal minimum per hour for the year the internship starts, in cents.
    pub minimum_cents_per_hour: Option<u32>,
    pub minimum_year: Option<i32>,
    /// That year has no row in the config yet: the latest year's minimum is shown.
    pub minimum_provisional: bool,
    pub refusals: Vec<LimitView>,
    pub warnings: Vec<LimitView>,
    /// What is missing before sending: `supervisor_part`, `academic_tutor`, `siret`,
    /// `company_signatory`.
    pub missing: Vec<String>,
    /// Nothing missing and no limit passed.
    pub ready_to_send: bool,
}

impl LimitsView {
    pub fn of(assessment: &Assessment, missing: Vec<&'static str>) -> Self {
        Self {
            years: assessment
                .years
                .iter()
                .map(|y| YearView {
                    academic_year: y.academic_year.to_string(),
                    asked_hours: rules::hours(y.asked),
                    used_hours: rules::hours(y.used),
                    limit_hours: rules::hours(rules::max_presence_per_host_and_year()),
                })
                .collect(),
            gratification_required: assessment.gratification_required,
            minimum_cents_per_hour: assessment.minimum.map(|m| m.cents_per_hour),
            minimum_year: assessment.minimum.map(|m| m.year),
            minimum_provisional: assessment.minimum_provisional,
            refusals: assessment.refusals.iter().map(LimitView::from).collect(),
            warnings: assessment.warnings.iter().map(LimitView::from).collect(),
            ready_to_send: missing.is_empty() && assessment.refusals.is_empty(),
            missing: missing.into_iter().map(str::to_owned).collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CertificateView {
    pub prepared_at: DateTime<Utc>,
    /// When the company supervisor confirmed it (the certificate is then issued).
    pub confirmed_at: Option<DateTime<Utc>>,
    /// The effective presence, prepared from the plan, then as confirmed.
    pub presence_hours: f64,
    /// The total gratification paid, in cents; null: none.
    pub gratification_total_cents: Option<i64>,
}

/// An internship's content and its computed figures.
#[derive(Debug, Serialize, ToSchema)]
pub struct InternshipView {
    pub student_number: String,
    pub programme: String,
    pub programme_hours: String,
    pub internship_type: String,
    pub department: String,
    pub supervisor_name: String,
    pub supervisor_role: String,
    pub supervisor_email: String,
    pub supervisor_phone: String,
    pub activities: String,
    pub skills: String,
    pub weekly_hours: f64,
    /// The hours of one worked day (the week spread evenly over the worked days).
    pub daily_hours: f64,
    pub work_days: Vec<String>,
    pub night_work: bool,
    pub sunday_work: bool,
    pub holiday_work: bool,
    pub interruptions: Vec<PeriodView>,
    pub leave: String,
    pub gratification_cents_per_hour: Option<i32>,
    pub gratification_terms: String,
    pub benefits: String,
    pub confidential: bool,
    pub internal_rules: String,
    pub overlap_allowed: bool,
    /// Hours of presence, computed from the dates, hours, worked days, French public holidays
    /// and interruptions; never typed.
    pub presence_hours: f64,
    pub presence_legal: LegalDurationView,
    pub host: HostView,
    pub supervisor_completed_at: Option<DateTime<Utc>>,
    /// Null until prepared (on the last day, or by staff).
    pub certificate: Option<CertificateView>,
    /// The limits judged now: in the internship's own endpoints and for staff.
    pub limits: Option<LimitsView>,
    /// The company supervisor's evaluation: shown to staff, the academic tutor and the student
    /// in `GET /internships/{id}`, and to the supervisor on their evaluation link; null until
    /// asked (on the last day of a signed internship) and everywhere else.
    pub evaluation: Option<EvaluationView>,
}

impl InternshipView {
    pub fn of(
        row: &Internship,
        host: &HostRecord,
        certificate: Option<&Certificate>,
        plan: Option<&assess::Plan>,
        limits: Option<LimitsView>,
    ) -> Self {
        let presence = Presence::from_minutes(row.presence_minutes.max(0) as u32);
        Self {
            student_number: row.student_number.clone(),
            programme: row.programme.clone(),
            programme_hours: row.programme_hours.clone(),
            internship_type: row.internship_type.clone(),
            department: row.department.clone(),
            supervisor_name: row.supervisor_name.clone(),
            supervisor_role: row.supervisor_role.clone(),
            supervisor_email: row.supervisor_email.clone(),
            supervisor_phone: row.supervisor_phone.clone(),
            activities: row.activities.clone(),
            skills: row.skills.clone(),
            weekly_hours: f64::from(row.weekly_minutes) / 60.0,
            daily_hours: f64::from(plan.map_or(0, |p| p.daily_minutes())) / 60.0,
            work_days: assess::mask_to_days(&row.work_days)
                .into_iter()
                .map(|d| assess::day_name(d).to_owned())
                .collect(),
            night_work: row.night_work,
            sunday_work: row.sunday_work,
            holiday_work: row.holiday_work,
            interruptions: assess::periods_from_json(&row.interruptions)
                .into_iter()
                .map(|p| PeriodView {
                    starts_on: p.start(),
                    ends_on: p.end(),
                })
                .collect(),
            leave: row.leave.clone(),
            gratification_cents_per_hour: row.gratification_cents,
            gratification_terms: row.gratification_terms.clone(),
            benefits: row.benefits.clone(),
            confidential: row.confidential,
            internal_rules: row.internal_rules.clone(),
            overlap_allowed: row.overlap_allowed,
            presence_hours: rules::hours(presence),
            presence_legal: presence.into(),
            host: host.into(),
            supervisor_completed_at: row.supervisor_completed_at.map(utc),
            certificate: certificate.map(|c| CertificateView {
                prepared_at: utc(c.prepared_at),
                confirmed_at: c.confirmed_at.map(utc),
                presence_hours: f64::from(c.presence_minutes) / 60.0,
                gratification_total_cents: c.gratification_cents,
            }),
            limits,
            evaluation: None,
        }
    }
}
