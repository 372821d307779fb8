//! Companies and their problems: registering a company, submitting and editing a problem
//! (staff get a notice), staff's review under the campaign's `max_problems`, and who sees
//! which problems. Knows nothing of HTTP.

use diesel::OptionalExtension;

use crate::app::AppState;
use crate::auth::{CurrentUser, Role};
use crate::db::{DbConnection, WriteTx};
use crate::error::{unique_as, ApiError, FieldError};
use crate::mail::{Email, Outbox};
use crate::missions::domain::{
    self, CampaignAction, CampaignStatus, Decision, NewCompany, NewProblem, ProblemEdit,
    ProblemStatus, Refusal,
};
use crate::missions::mail;
use crate::missions::models::{self, Company, ProblemFilter, ProblemRow, ProblemScope};
use crate::paging::PageRequest;
use crate::text::not_blank;

/// Register a company. A company account becomes its contact (one company each); staff may
/// name a company account as contact.
pub fn register_company(
    tx: &mut WriteTx<'_>,
    user: &CurrentUser,
    new: &NewCompany,
    contact_id: Option<String>,
) -> Result<Company, ApiError> {
    let contact = match user.role {
        Role::Company => Some(user.id.clone()),
        _ => not_blank(contact_id.as_deref()).map(str::to_owned),
    };
    let taken = || Refusal::AlreadyExists("This account is already the contact of a company.");
    if let Some(contact) = &contact {
        let account = crate::auth::models::find_user(tx, contact)
            .optional()?
            .filter(|u| u.role() == Role::Company)
            .ok_or_else(|| {
                Refusal::Invalid(vec![FieldError::new(
                    "contact_id",
                    "must be the id of a company account",
                )])
            })?;
        if models::company_of_contact(tx, &account.id)?.is_some() {
            return Err(taken().into());
        }
    }
    unique_as(models::insert_company(tx, new, contact.as_deref()), || {
        taken().into()
    })
}

/// A company as its contact or staff may see it; anyone else: not found.
pub fn visible_company(
    conn: &mut DbConnection,
    user: &CurrentUser,
    company_id: &str,
) -> Result<Company, ApiError> {
    let company = models::find_company(conn, company_id)?;
    if user.is(Role::Staff) || company.contact_id.as_deref() == Some(user.id.as_str()) {
        Ok(company)
    } else {
        Err(Refusal::NotFound.into())
    }
}

/// Submit a problem (the company's contact, while `problems_open`); staff get a notice when
/// the settings ask for it.
pub fn submit(
    tx: &mut WriteTx<'_>,
    state: &AppState,
    user: &CurrentUser,
    campaign_id: &str,
    new: &NewProblem,
) -> Result<ProblemRow, ApiError> {
    let campaign = models::lock_campaign(tx, campaign_id)?;
    CampaignAction::SubmitProblem.apply(campaign.status())?;
    let company = models::company_of_contact(tx, &user.id)?.ok_or(Refusal::NoCompany)?;
    let problem = models::insert_problem(tx, &campaign.id, &company.id, new)?;
    if state.settings.mail.staff_notices {
        for (email, name) in models::staff_recipients(tx)? {
            let values = mail::ProblemSubmitted {
                name: &name,
                company: &company.name,
                city: &company.city,
                campaign: &campaign.name,
                problem: &problem.title,
            };
            state.outbox.enqueue(
                tx,
                Email::new(&email, "problem_submitted", values)
                    .dedupe(format!("problem_submitted:{}:{email}", problem.id)),
            )?;
        }
    }
    Ok(ProblemRow { problem, company })
}

/// A problem with its company, if `user` is that company's contact; anyone else: not found.
pub fn own_problem(
    conn: &mut DbConnection,
    user: &CurrentUser,
    problem_id: &str,
) -> Result<ProblemRow, ApiError> {
    let row = models::problem_with_company(conn, problem_id)?;
    if row.company.contact_id.as_deref() != Some(user.id.as_str()) {
        return Err(Refusal::NotFound.into());
    }
    Ok(row)
}

/// Edit a problem (its company's contact, while it is `submitted` and the campaign
/// `problems_open`).
pub fn edit(
    tx: &mut WriteTx<'_>,
    user: &CurrentUser,
    problem_id: &str,
    changes: &ProblemEdit,
) -> Result<ProblemRow, ApiError> {
    let campaign_id = models::find_problem(tx, problem_id)?.campaign_id;
    let campaign = models::lock_campaign(tx, &campaign_id)?;
    let mut row = own_problem(tx, user, problem_id)?;
    CampaignAction::SubmitProblem.apply(campaign.status())?;
    domain::may_review(ProblemStatus::parse(&row.problem.status))?;
    changes.apply_to(
        &mut row.problem.title,
        &mut row.problem.description,
        &mut row.problem.domain,
    );
    models::update_problem(tx, &row.problem)?;
    Ok(row)
}

/// Accept or reject a problem (staff). Accepting past `max_problems` is refused, whatever
/// the concurrency (the campaign's row is locked). The company's contact is e-mailed.
pub fn review(
    tx: &mut WriteTx<'_>,
    outbox: &Outbox,
    problem_id: &str,
    decision: Decision,
    reason: Option<&str>,
) -> Result<ProblemRow, ApiError> {
    let campaign_id = models::find_problem(tx, problem_id)?.campaign_id;
    let campaign = models::lock_campaign(tx, &campaign_id)?;
    CampaignAction::ReviewProblem.apply(campaign.status())?;
    let mut row = models::problem_with_company(tx, problem_id)?;
    domain::may_review(ProblemStatus::parse(&row.problem.status))?;
    if decision == Decision::Accept {
        domain::may_accept(
            models::count_accepted(tx, &campaign.id)?,
            campaign.max_problems,
        )?;
    }
    let outcome = decision.outcome();
    models::decide_problem(tx, &row.problem.id, outcome, reason)?;
    row.problem.status = outcome.as_str().to_owned();
    row.problem.reason = reason.map(str::to_owned);
    if let Some((email, name)) = models::company_contact(tx, &row.company.id)? {
        let values = mail::ProblemReviewed {
            name: &name,
            company: &row.company.name,
            campaign: &campaign.name,
            problem: &row.problem.title,
            accepted: decision == Decision::Accept,
            reason,
        };
        outbox.enqueue(
            tx,
            Email::new(&email, "problem_reviewed", values)
                .dedupe(format!("problem_reviewed:{}", row.problem.id)),
        )?;
    }
    Ok(row)
}

/// One page of a campaign's problems: staff all; a company its own; students the accepted
/// ones once signup opens (before, none), filtered by domain and locality if asked.
pub fn visible_problems(
    conn: &mut DbConnection,
    user: &CurrentUser,
    campaign_id: &str,
    filter: &ProblemFilter,
    page: &PageRequest,
) -> Result<Vec<ProblemRow>, ApiError> {
    let campaign = models::find_campaign(conn, campaign_id)?;
    let company = match user.role {
        Role::Company => models::company_of_contact(conn, &user.id)?,
        _ => None,
    };
    let scope = match (user.role, &company) {
        (Role::Staff, _) => ProblemScope::All,
        (Role::Company, Some(company)) => ProblemScope::OfCompany(&company.id),
        (Role::Company, None) => return Ok(Vec::new()),
        _ if campaign.status() == CampaignStatus::ProblemsOpen => return Ok(Vec::new()),
        _ => ProblemScope::Accepted,
    };
    Ok(models::list_problems(
        conn,
        &campaign.id,
        scope,
        filter,
        page,
    )?)
}
