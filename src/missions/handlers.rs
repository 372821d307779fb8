//! Field-mission endpoints: campaigns, companies, problems and their review, teams,
//! preferences, constraints, allocation, publication and missions.

use actix_web::{get, post, put};
use std::collections::{HashMap, HashSet};

use actix_web::{web, HttpResponse};
use diesel::OptionalExtension;

use crate::allocation::{self, AllocationError, Instance, Objective, ProblemSpec, TeamPrefs};
use crate::app::AppState;
use crate::auth::{CurrentUser, Role, Staff};
use crate::db::{self, write_transaction, DbConnection, WriteTx};
use crate::error::{unique_as, ApiError, FieldError, Problem};
use crate::mail::{Email, Outbox};
use crate::missions::domain::{
    self, CampaignAction, CampaignStatus, ConstraintKind, Decision, NewCampaign, NewCompany,
    NewProblem, ProblemStatus,
};
use crate::missions::export;
use crate::missions::mail::{self, MissionFacts, Person};
use crate::missions::models::{self, Campaign, Mission, MissionScope, ProblemScope};
use crate::missions::views::*;
use crate::paging::{Page, PageParams, PageRequest};

/// 409 `invalid_transition` unless `action` is allowed in the campaign's state; the state after.
fn check(campaign: &Campaign, action: CampaignAction) -> Result<CampaignStatus, ApiError> {
    action
        .apply(campaign.status())
        .map_err(|why| ApiError::conflict("invalid_transition", why))
}

/// Create a campaign (staff).
#[utoipa::path(tag = "missions", security(("bearer" = [])),
    request_body = CampaignBody,
    responses((status = 201, body = CampaignView), (status = 403, body = Problem), (status = 422, body = Problem)))]
#[post("/campaigns")]
pub async fn create_campaign(
    state: web::Data<AppState>,
    _staff: Staff,
    body: web::Json<CampaignBody>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let new = NewCampaign::parse(
        &b.name,
        b.starts_on.as_deref(),
        b.weeks,
        b.team_size,
        b.max_problems,
        b.max_choices,
    )
    .map_err(ApiError::validation)?;
    let campaign = state
        .db(move |conn| Ok(models::insert_campaign(conn, &new)?))
        .await?;
    Ok(HttpResponse::Created().json(CampaignView::from(campaign)))
}

/// Campaigns, oldest first (anyone signed in).
#[utoipa::path(tag = "missions", security(("bearer" = [])),
    params(PageParams), responses((status = 200, body = Page<CampaignView>), (status = 401, body = Problem)))]
#[get("/campaigns")]
pub async fn list_campaigns(
    state: web::Data<AppState>,
    _user: CurrentUser,
    page: web::Query<PageParams>,
) -> Result<web::Json<Page<CampaignView>>, ApiError> {
    let load =
        |conn: &mut DbConnection, page: &PageRequest| Ok(models::list_campaigns(conn, page)?);
    state.page(&page, load, |c| &c.id, CampaignView::from).await
}

/// One campaign (anyone signed in).
#[utoipa::path(tag = "missions", security(("bearer" = [])),
    responses((status = 200, body = CampaignView), (status = 404, body = Problem)))]
#[get("/campaigns/{id}")]
pub async fn get_campaign(
    state: web::Data<AppState>,
    _user: CurrentUser,
    id: web::Path<String>,
) -> Result<web::Json<CampaignView>, ApiError> {
    let id = id.into_inner();
    let campaign = state
        .db(move |conn| Ok(models::find_campaign(conn, &id)?))
        .await?;
    Ok(web::Json(campaign.into()))
}

/// Open team signup: `problems_open` → `signup_open` (staff).
#[utoipa::path(tag = "missions", security(("bearer" = [])),
    responses((status = 200, body = CampaignView), (status = 409, description = "`invalid_transition`", body = Problem)))]
#[post("/campaigns/{id}/open-signup")]
pub async fn open_signup(
    state: web::Data<AppState>,
    _staff: Staff,
    id: web::Path<String>,
) -> Result<web::Json<CampaignView>, ApiError> {
    let id = id.into_inner();
    let campaign = state
        .db(move |conn| {
            write_transaction(conn, |conn| {
                let mut campaign = models::lock_campaign(conn, &id)?;
                let next = check(&campaign, CampaignAction::OpenSignup)?;
                models::set_campaign_status(conn, &id, next)?;
                campaign.status = next.as_str().to_owned();
                Ok(campaign)
            })
        })
        .await?;
    Ok(web::Json(campaign.into()))
}

/// Register a company: a company account becomes its contact (one company each); staff may
/// name a contact with `contact_id`.
#[utoipa::path(tag = "missions", security(("bearer" = [])),
    request_body = CompanyBody,
    responses((status = 201, body = CompanyView), (status = 403, body = Problem),
              (status = 409, description = "`already_exists`", body = Problem), (status = 422, body = Problem)))]
#[post("/companies")]
pub async fn create_company(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: web::Json<CompanyBody>,
) -> Result<HttpResponse, ApiError> {
    user.require(&[Role::Company, Role::Staff])?;
    let b = body.into_inner();
    let new = NewCompany::parse(&b.name, &b.city, b.local).map_err(ApiError::validation)?;
    let contact = match user.role {
        Role::Company => Some(user.id.clone()),
        _ => b.contact_id.filter(|c| !c.trim().is_empty()),
    };
    let taken = || {
        ApiError::conflict(
            "already_exists",
            "This account is already the contact of a company.",
        )
    };
    let company = state
        .db(move |conn| {
            write_transaction(conn, |conn| {
                if let Some(contact) = &contact {
                    let account = crate::auth::models::find_user(conn, contact)
                        .optional()?
                        .filter(|u| u.role() == Role::Company)
                        .ok_or_else(|| {
                            ApiError::validation(vec![FieldError::new(
                                "contact_id",
                                "must be the id of a company account",
                            )])
                        })?;
                    if models::company_of_contact(conn, &account.id)?.is_some() {
                        return Err(taken());
                    }
                }
                unique_as(
                    models::insert_company(conn, &new, contact.as_deref()),
                    taken,
                )
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(CompanyView::from(company)))
}

/// Companies (staff).
#[utoipa::path(tag = "missions", security(("bearer" = [])),
    params(PageParams), responses((status = 200, body = Page<CompanyView>), (status = 403, body = Problem)))]
#[get("/companies")]
pub async fn list_companies(
    state: web::Data<AppState>,
    _staff: Staff,
    page: web::Query<PageParams>,
) -> Result<web::Json<Page<CompanyView>>, ApiError> {
    let load =
        |conn: &mut DbConnection, page: &PageRequest| Ok(models::list_companies(conn, page)?);
    state.page(&page, load, |c| &c.id, CompanyView::from).await
}

/// Submit a problem to a campaign (the company's contact, while `problems_open`).
#[utoipa::path(tag = "missions", security(("bearer" = [])),
    request_body = ProblemBody,
    responses((status = 201, body = ProblemView), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 409, description = "`invalid_transition`", body = Problem), (status = 422, body = Problem)))]
#[post("/campaigns/{id}/problems")]
pub async fn submit_problem(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
    body: web::Json<ProblemBody>,
) -> Result<HttpResponse, ApiError> {
    user.require(&[Role::Company])?;
    let b = body.into_inner();
    let new =
        NewProblem::parse(&b.title, &b.description, &b.domain).map_err(ApiError::validation)?;
    let campaign_id = id.into_inner();
    let problem = state
        .db(move |conn| {
            write_transaction(conn, |conn| {
                let campaign = models::lock_campaign(conn, &campaign_id)?;
                check(&campaign, CampaignAction::SubmitProblem)?;
                let company = models::company_of_contact(conn, &user.id)?.ok_or_else(|| {
                    ApiError::conflict(
                    "no_company",
                    "Register your company (POST /api/v1/companies) before submitting problems.",
                )
                })?;
                Ok(models::insert_problem(
                    conn,
                    &campaign.id,
                    &company.id,
                    &new,
                )?)
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(ProblemView::from(problem)))
}

/// Accept or reject a problem (staff). Accepting past the campaign's `max_problems` is 409
/// `capacity_reached`, whatever the concurrency. The company's contact is e-mailed.
#[utoipa::path(tag = "missions", security(("bearer" = [])),
    request_body = ReviewBody,
    responses((status = 200, body = ProblemView), (status = 404, body = Problem),
              (status = 409, description = "`capacity_reached`, `invalid_transition`", body = Problem),
              (status = 422, body = Problem)))]
#[post("/problems/{id}/review")]
pub async fn review_problem(
    state: web::Data<AppState>,
    _staff: Staff,
    id: web::Path<String>,
    body: web::Json<ReviewBody>,
) -> Result<web::Json<ProblemView>, ApiError> {
    let b = body.into_inner();
    let decision = Decision::parse(&b.decision).map_err(ApiError::validation)?;
    let reason = b
        .reason
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty());
    let problem_id = id.into_inner();
    let outbox = state.outbox.clone();
    let problem = state
        .db(move |conn| {
            let campaign_id = models::find_problem(conn, &problem_id)?.campaign_id;
            write_transaction(conn, |conn| {
                let campaign = models::lock_campaign(conn, &campaign_id)?;
                check(&campaign, CampaignAction::ReviewProblem)?;
                let mut problem = models::find_problem(conn, &problem_id)?;
                if ProblemStatus::parse(&problem.status) != ProblemStatus::Submitted {
                    return Err(ApiError::conflict(
                        "invalid_transition",
                        format!("This problem was already {}.", problem.status),
                    ));
                }
                if decision == Decision::Accept
                    && models::count_accepted(conn, &campaign.id)?
                        >= i64::from(campaign.max_problems)
                {
                    return Err(ApiError::conflict(
                        "capacity_reached",
                        format!(
                            "The campaign already has its {} accepted problems.",
                            campaign.max_problems
                        ),
                    ));
                }
                let outcome = decision.outcome();
                models::decide_problem(conn, &problem.id, outcome, reason.as_deref())?;
                problem.status = outcome.as_str().to_owned();
                problem.reason = reason.clone();
                let company = models::find_company(conn, &problem.company_id)?;
                if let Some((email, name)) = models::company_contact(conn, &company.id)? {
                    let values = mail::ProblemReviewed {
                        name: &name,
                        company: &company.name,
                        campaign: &campaign.name,
                        problem: &problem.title,
                        accepted: decision == Decision::Accept,
                        reason: reason.as_deref(),
                    };
                    outbox.enqueue(
                        conn,
                        Email::new(&email, "problem_reviewed", values)
                            .dedupe(format!("problem_reviewed:{}", problem.id)),
                    )?;
                }
                Ok(problem)
            })
        })
        .await?;
    Ok(web::Json(problem.into()))
}

/// A campaign's problems: staff all; a company its own; students the accepted ones once
/// signup is open (before, an empty list).
#[utoipa::path(tag = "missions", security(("bearer" = [])),
    params(PageParams),
    responses((status = 200, body = Page<ProblemView>), (status = 403, body = Problem), (status = 404, body = Problem)))]
#[get("/campaigns/{id}/problems")]
pub async fn list_problems(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
    page: web::Query<PageParams>,
) -> Result<web::Json<Page<ProblemView>>, ApiError> {
    user.require(&[Role::Staff, Role::Company, Role::Student])?;
    let campaign_id = id.into_inner();
    let load = move |conn: &mut DbConnection, page: &PageRequest| {
        let campaign = models::find_campaign(conn, &campaign_id)?;
        let company = match user.role {
            Role::Company => models::company_of_contact(conn, &user.id)?,
            _ => None,
        };
        let scope = match (user.role, &company) {
            (Role::Staff, _) => ProblemScope::All,
            (Role::Company, Some(company)) => ProblemScope::OfCompany(&company.id),
            (Role::Company, None) => return Ok(Vec::new()),
            // Students see the accepted problems once signup opens, nothing before.
            _ if campaign.status() == CampaignStatus::ProblemsOpen => return Ok(Vec::new()),
            _ => ProblemScope::Accepted,
        };
        Ok(models::list_problems(conn, &campaign.id, scope, page)?)
    };
    state.page(&page, load, |p| &p.id, ProblemView::from).await
}

/// Form a team (a student, while `signup_open`): the creator's own address and the others',
/// exactly `team_size` distinct students. A student is in one team per campaign; the database
/// enforces it under concurrency too.
#[utoipa::path(tag = "missions", security(("bearer" = [])),
    request_body = TeamBody,
    responses((status = 201, body = TeamView), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 409, description = "`already_in_team`, `invalid_transition`", body = Problem),
              (status = 422, description = "`invalid_team`", body = Problem)))]
#[post("/campaigns/{id}/teams")]
pub async fn create_team(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
    body: web::Json<TeamBody>,
) -> Result<HttpResponse, ApiError> {
    user.require(&[Role::Student])?;
    let b = body.into_inner();
    let campaign_id = id.into_inner();
    let in_team = |who: &str| {
        ApiError::conflict(
            "already_in_team",
            format!("Already in a team of this campaign: {who}."),
        )
    };
    let view = state
        // Under the campaign's lock: no team lands after `allocate` or `publish` read them.
        .db(move |conn| {
            write_transaction(conn, |conn| {
                let campaign = models::lock_campaign(conn, &campaign_id)?;
                check(&campaign, CampaignAction::FormTeam)?;
                let size = usize::try_from(campaign.team_size).unwrap_or(0);
                let (name, emails) =
                    domain::team_members(&b.name, &b.member_emails, &user.email, size)
                        .map_err(|e| ApiError::unprocessable("invalid_team", e.0))?;
                let found: HashMap<String, String> = models::students_by_email(conn, &emails)?
                    .into_iter()
                    .map(|(id, email)| (email, id))
                    .collect();
                let missing: Vec<&str> = emails
                    .iter()
                    .filter(|e| !found.contains_key(*e))
                    .map(String::as_str)
                    .collect();
                if !missing.is_empty() {
                    return Err(ApiError::unprocessable(
                        "invalid_team",
                        format!("Not student accounts: {}.", missing.join(", ")),
                    ));
                }
                let ids: Vec<String> = emails.iter().map(|e| found[e].clone()).collect();
                let taken = models::already_in_team(conn, &campaign.id, &ids)?;
                if !taken.is_empty() {
                    return Err(in_team(&taken.join(", ")));
                }
                let team = unique_as(models::insert_team(conn, &campaign.id, &name, &ids), || {
                    in_team("one of the members")
                })?;
                let members = models::members_of(conn, std::slice::from_ref(&team.id))?;
                Ok(TeamView::new(
                    team,
                    members.into_iter().map(MemberView::from).collect(),
                ))
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(view))
}

/// A campaign's teams with their members (staff).
#[utoipa::path(tag = "missions", security(("bearer" = [])),
    params(PageParams),
    responses((status = 200, body = Page<TeamView>), (status = 403, body = Problem), (status = 404, body = Problem)))]
#[get("/campaigns/{id}/teams")]
pub async fn list_teams(
    state: web::Data<AppState>,
    _staff: Staff,
    id: web::Path<String>,
    page: web::Query<PageParams>,
) -> Result<web::Json<Page<TeamView>>, ApiError> {
    let page = page.parse()?;
    let request = page.clone();
    let campaign_id = id.into_inner();
    let (rows, mut members) = state
        .db(move |conn| {
            let campaign = models::find_campaign(conn, &campaign_id)?;
            let rows = models::list_teams(conn, &campaign.id, &request)?;
            let ids: Vec<String> = rows.iter().map(|t| t.id.clone()).collect();
            let members = group_members(models::members_of(conn, &ids)?);
            Ok((rows, members))
        })
        .await?;
    Ok(web::Json(Page::from_rows(
        rows,
        &page,
        |t| &t.id,
        |t| {
            let m = members.remove(&t.id).unwrap_or_default();
            TeamView::new(t, m)
        },
    )))
}

fn group_members(rows: Vec<models::Member>) -> HashMap<String, Vec<MemberView>> {
    let mut by_team: HashMap<String, Vec<MemberView>> = HashMap::new();
    for m in rows {
        by_team.entry(m.team_id.clone()).or_default().push(m.into());
    }
    by_team
}

/// The team if the caller may see it (staff, or one of its members); else 404.
fn visible_team(
    conn: &mut DbConnection,
    user: &CurrentUser,
    team_id: &str,
) -> Result<models::Team, ApiError> {
    let team = models::find_team(conn, team_id)?;
    if user.is(Role::Staff) || models::is_member(conn, &team.id, &user.id)? {
        Ok(team)
    } else {
        Err(ApiError::not_found())
    }
}

/// One team (its members, staff).
#[utoipa::path(tag = "missions", security(("bearer" = [])),
    responses((status = 200, body = TeamView), (status = 404, body = Problem)))]
#[get("/teams/{id}")]
pub async fn get_team(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<web::Json<TeamView>, ApiError> {
    let team_id = id.into_inner();
    let view = state
        .db(move |conn| {
            let team = visible_team(conn, &user, &team_id)?;
            let members = models::members_of(conn, std::slice::from_ref(&team.id))?;
            Ok(TeamView::new(
                team,
                members.into_iter().map(MemberView::from).collect(),
            ))
        })
        .await?;
    Ok(web::Json(view))
}

/// Rank problems (a member, while `signup_open`): 1..`max_choices` distinct accepted problems
/// of the campaign, best first. Replaces the previous list.
#[utoipa::path(tag = "missions", security(("bearer" = [])),
    request_body = PreferencesBody,
    responses((status = 200, body = PreferencesBody), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 409, description = "`invalid_transition`", body = Problem),
              (status = 422, description = "`invalid_preferences`", body = Problem)))]
#[put("/teams/{id}/preferences")]
pub async fn put_preferences(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
    body: web::Json<PreferencesBody>,
) -> Result<web::Json<PreferencesBody>, ApiError> {
    let team_id = id.into_inner();
    let wanted = body.into_inner().problem_ids;
    let saved = state
        .db(move |conn| {
            let team = visible_team(conn, &user, &team_id)?;
            user.require(&[Role::Student])?;
            write_transaction(conn, |conn| {
                let campaign = models::lock_campaign(conn, &team.campaign_id)?;
                check(&campaign, CampaignAction::EditPreferences)?;
                let accepted: HashSet<String> = models::accepted_problems(conn, &campaign.id)?
                    .into_iter()
                    .map(|p| p.id)
                    .collect();
                let max = usize::try_from(campaign.max_choices).unwrap_or(0);
                let ranked = domain::preferences(&wanted, &accepted, max)
                    .map_err(|why| ApiError::unprocessable("invalid_preferences", why))?;
                models::replace_preferences(conn, &team.id, &ranked)?;
                Ok(ranked)
            })
        })
        .await?;
    Ok(web::Json(PreferencesBody { problem_ids: saved }))
}

/// A team's ranked problems (its members, staff).
#[utoipa::path(tag = "missions", security(("bearer" = [])),
    responses((status = 200, body = PreferencesBody), (status = 404, body = Problem)))]
#[get("/teams/{id}/preferences")]
pub async fn get_preferences(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<web::Json<PreferencesBody>, ApiError> {
    let team_id = id.into_inner();
    let ids = state
        .db(move |conn| {
            let team = visible_team(conn, &user, &team_id)?;
            Ok(models::team_preferences(conn, &team.id)?)
        })
        .await?;
    Ok(web::Json(PreferencesBody { problem_ids: ids }))
}

/// Pin a team to a problem, or forbid the pair (staff, before publication).
#[utoipa::path(tag = "missions", security(("bearer" = [])),
    request_body = ConstraintBody,
    responses((status = 201, body = ConstraintView), (status = 404, body = Problem),
              (status = 409, description = "`invalid_transition`", body = Problem), (status = 422, body = Problem)))]
#[post("/campaigns/{id}/constraints")]
pub async fn create_constraint(
    state: web::Data<AppState>,
    _staff: Staff,
    id: web::Path<String>,
    body: web::Json<ConstraintBody>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let campaign_id = id.into_inner();
    let row = state
        .db(move |conn| {
            write_transaction(conn, |conn| {
                let campaign = models::lock_campaign(conn, &campaign_id)?;
                check(&campaign, CampaignAction::SetConstraint)?;
                let mut errors = Vec::new();
                let kind = ConstraintKind::parse(&b.kind);
                if kind.is_none() {
                    errors.push(FieldError::new("kind", "must be `forbid` or `pin`"));
                }
                let team = models::find_team(conn, &b.team_id).optional()?;
                if team.is_none_or(|t| t.campaign_id != campaign.id) {
                    errors.push(FieldError::new("team_id", "is not a team of this campaign"));
                }
                let problem = models::find_problem(conn, &b.problem_id).optional()?;
                if problem.is_none_or(|p| p.campaign_id != campaign.id) {
                    errors.push(FieldError::new(
                        "problem_id",
                        "is not a problem of this campaign",
                    ));
                }
                match kind {
                    Some(kind) if errors.is_empty() => Ok(models::insert_constraint(
                        conn,
                        &campaign.id,
                        &b.team_id,
                        &b.problem_id,
                        kind,
                    )?),
                    _ => Err(ApiError::validation(errors)),
                }
            })
        })
        .await?;
    Ok(HttpResponse::Created().json(ConstraintView::from(row)))
}

/// A campaign's constraints (staff).
#[utoipa::path(tag = "missions", security(("bearer" = [])),
    responses((status = 200, body = Page<ConstraintView>), (status = 404, body = Problem)))]
#[get("/campaigns/{id}/constraints")]
pub async fn list_constraints(
    state: web::Data<AppState>,
    _staff: Staff,
    id: web::Path<String>,
) -> Result<web::Json<Page<ConstraintView>>, ApiError> {
    let campaign_id = id.into_inner();
    let rows = state
        .db(move |conn| {
            let campaign = models::find_campaign(conn, &campaign_id)?;
            Ok(models::campaign_constraints(conn, &campaign.id)?)
        })
        .await?;
    Ok(web::Json(Page::all(
        rows.into_iter().map(ConstraintView::from).collect(),
    )))
}

/// The campaign's data as an allocation instance: every team with its ranked problems, every
/// accepted problem with one place, and staff's constraints.
fn instance(conn: &mut DbConnection, campaign_id: &str) -> Result<Instance, ApiError> {
    let teams = models::all_teams(conn, campaign_id)?;
    let mut prefs: HashMap<String, Vec<String>> = HashMap::new();
    for (team, problem) in models::campaign_preferences(conn, campaign_id)? {
        prefs.entry(team).or_default().push(problem);
    }
    let problems = models::accepted_problems(conn, campaign_id)?;
    let accepted: HashSet<&str> = problems.iter().map(|p| p.id.as_str()).collect();
    let mut instance = Instance {
        teams: teams
            .into_iter()
            .map(|t| TeamPrefs {
                prefs: prefs.remove(&t.id).unwrap_or_default(),
                id: t.id,
            })
            .collect(),
        problems: Vec::new(),
        forbidden: Vec::new(),
        pinned: Vec::new(),
    };
    for c in models::campaign_constraints(conn, campaign_id)? {
        let pair = (c.team_id, c.problem_id);
        match ConstraintKind::parse(&c.kind) {
            Some(ConstraintKind::Pin) => instance.pinned.push(pair),
            // A forbid on a problem that was never accepted has nothing to forbid.
            Some(ConstraintKind::Forbid) if accepted.contains(pair.1.as_str()) => {
                instance.forbidden.push(pair)
            }
            _ => {}
        }
    }
    instance.problems = problems
        .into_iter()
        .map(|p| ProblemSpec {
            id: p.id,
            capacity: 1,
        })
        .collect();
    Ok(instance)
}

fn allocation_error(e: AllocationError) -> ApiError {
    match e {
        AllocationError::InfeasiblePins { conflicts } => ApiError::unprocessable(
            "infeasible_pins",
            format!(
                "These pins cannot all hold: {}.",
                conflicts
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        ),
        AllocationError::InvalidInput { field, message } => {
            ApiError::unprocessable("invalid_allocation_input", format!("{field}: {message}"))
        }
    }
}

/// Allocate teams to problems (staff, while `signup_open` or `allocated`; may be run again
/// until publication). Stores the result and moves the campaign to `allocated`.
#[utoipa::path(tag = "missions", security(("bearer" = [])),
    request_body = AllocateBody,
    responses((status = 200, body = AllocationView), (status = 404, body = Problem),
              (status = 409, description = "`invalid_transition`", body = Problem),
              (status = 422, description = "`validation_failed` (objective), `infeasible_pins` naming the pairs", body = Problem)))]
#[post("/campaigns/{id}/allocate")]
pub async fn allocate(
    state: web::Data<AppState>,
    _staff: Staff,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<web::Json<AllocationView>, ApiError> {
    // The body is optional: none at all means the default objective.
    let body: AllocateBody = if body.iter().all(u8::is_ascii_whitespace) {
        AllocateBody::default()
    } else {
        serde_json::from_slice(&body)
            .map_err(|e| ApiError::bad_request(format!("Invalid JSON body: {e}")))?
    };
    let objective = match body.objective {
        None => Objective::default(),
        Some(o) => o
            .trim()
            .parse::<Objective>()
            .map_err(|e| ApiError::validation(vec![FieldError::new("objective", e.to_string())]))?,
    };
    let campaign_id = id.into_inner();
    let view = state
        .db(move |conn| {
            write_transaction(conn, |conn| {
                let campaign = models::lock_campaign(conn, &campaign_id)?;
                let next = check(&campaign, CampaignAction::Allocate)?;
                let instance = instance(conn, &campaign.id)?;
                let solved = allocation::solve(&instance, objective).map_err(allocation_error)?;
                let view = AllocationView::new(&campaign.id, solved);
                let json = serde_json::to_string(&view).map_err(ApiError::internal)?;
                models::store_allocation(conn, &campaign.id, objective.as_str(), &json)?;
                models::set_campaign_status(conn, &campaign.id, next)?;
                Ok(view)
            })
        })
        .await?;
    Ok(web::Json(view))
}

fn stored_allocation(
    conn: &mut DbConnection,
    campaign_id: &str,
) -> Result<AllocationView, ApiError> {
    let campaign = models::find_campaign(conn, campaign_id)?;
    let json = models::latest_allocation(conn, &campaign.id)
        .optional()?
        .ok_or_else(|| {
            ApiError::conflict(
                "invalid_transition",
                "This campaign has not been allocated yet.",
            )
        })?;
    serde_json::from_str(&json).map_err(ApiError::internal)
}

/// The latest allocation (staff). Before any: 409 `invalid_transition`.
#[utoipa::path(tag = "missions", security(("bearer" = [])),
    responses((status = 200, body = AllocationView), (status = 404, body = Problem),
              (status = 409, description = "`invalid_transition`: not allocated yet", body = Problem)))]
#[get("/campaigns/{id}/allocation")]
pub async fn get_allocation(
    state: web::Data<AppState>,
    _staff: Staff,
    id: web::Path<String>,
) -> Result<web::Json<AllocationView>, ApiError> {
    let campaign_id = id.into_inner();
    let view = state
        .db(move |conn| stored_allocation(conn, &campaign_id))
        .await?;
    Ok(web::Json(view))
}

/// The latest allocation as CSV for spreadsheets (staff): `;`-separated, UTF-8 with a BOM,
/// one line per team: team, members, problem, company, rank (empty for unplaced teams).
#[utoipa::path(tag = "missions", security(("bearer" = [])),
    responses((status = 200, content_type = "text/csv", body = String), (status = 404, body = Problem),
              (status = 409, description = "`invalid_transition`: not allocated yet", body = Problem)))]
#[get("/campaigns/{id}/allocation.csv")]
pub async fn allocation_csv(
    state: web::Data<AppState>,
    _staff: Staff,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let campaign_id = id.into_inner();
    let (name, csv) = state
        .db(move |conn| {
            let view = stored_allocation(conn, &campaign_id)?;
            let campaign = models::find_campaign(conn, &campaign_id)?;
            let lines = export::lines(conn, &campaign.id, &view)?;
            Ok((campaign.name, export::to_csv(&lines)?))
        })
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            format!(
                "attachment; filename=\"{}\"",
                export::file_name(&name, "allocation.csv")
            ),
        ))
        .body(csv))
}

/// Publish the allocation (staff, while `allocated`): one mission per placed team, in one
/// transaction with the e-mails to every student (company, problem, dates, team-mates) and
/// every company contact (their team), each with the mission's dates as an `.ics` event.
#[utoipa::path(tag = "missions", security(("bearer" = [])),
    responses((status = 200, body = CampaignView), (status = 404, body = Problem),
              (status = 409, description = "`invalid_transition`", body = Problem)))]
#[post("/campaigns/{id}/publish")]
pub async fn publish(
    state: web::Data<AppState>,
    _staff: Staff,
    id: web::Path<String>,
) -> Result<web::Json<CampaignView>, ApiError> {
    let campaign_id = id.into_inner();
    let outbox = state.outbox.clone();
    let campaign = state
        .db(move |conn| {
            write_transaction(conn, |conn| publish_campaign(conn, &outbox, &campaign_id))
        })
        .await?;
    Ok(web::Json(campaign.into()))
}

fn publish_campaign(
    conn: &mut WriteTx<'_>,
    outbox: &Outbox,
    campaign_id: &str,
) -> Result<Campaign, ApiError> {
    let mut campaign = models::lock_campaign(conn, campaign_id)?;
    let next = check(&campaign, CampaignAction::Publish)?;
    let view = stored_allocation(conn, campaign_id)?;
    let at = db::now();
    let missions: Vec<Mission> = {
        let problems: HashMap<String, models::Problem> =
            models::accepted_problems(conn, campaign_id)?
                .into_iter()
                .map(|p| (p.id.clone(), p))
                .collect();
        view.assignments
            .iter()
            .filter_map(|a| {
                problems.get(&a.problem_id).map(|p| Mission {
                    id: db::new_id(),
                    campaign_id: campaign.id.clone(),
                    team_id: a.team_id.clone(),
                    problem_id: p.id.clone(),
                    company_id: p.company_id.clone(),
                    tutor_id: None,
                    starts_on: campaign.starts_on,
                    ends_on: campaign.ends_on,
                    created_at: at,
                })
            })
            .collect()
    };
    models::insert_missions(conn, &missions)?;
    let facts = mission_facts(conn, &campaign, &missions)?;
    for facts in &facts {
        let event = mail::mission_event(facts);
        for student in &facts.members {
            mail::send_student(conn, outbox, facts, student, &event)?;
        }
        if let Some(contact) = &facts.contact {
            mail::send_company(conn, outbox, facts, contact, &event)?;
        }
    }
    models::set_campaign_status(conn, &campaign.id, next)?;
    campaign.status = next.as_str().to_owned();
    tracing::info!(campaign_id = %campaign.id, missions = missions.len(), "campaign published");
    Ok(campaign)
}

/// What the e-mails say about each mission, in the order of `missions`.
pub(crate) fn mission_facts(
    conn: &mut DbConnection,
    campaign: &Campaign,
    missions: &[Mission],
) -> Result<Vec<MissionFacts>, ApiError> {
    let problems: HashMap<String, models::Problem> = models::accepted_problems(conn, &campaign.id)?
        .into_iter()
        .map(|p| (p.id.clone(), p))
        .collect();
    let teams: HashMap<String, models::Team> = models::all_teams(conn, &campaign.id)?
        .into_iter()
        .map(|t| (t.id.clone(), t))
        .collect();
    let mut members: HashMap<String, Vec<Person>> = HashMap::new();
    for m in models::campaign_members(conn, &campaign.id)? {
        members.entry(m.team_id).or_default().push(Person {
            name: m.name,
            email: m.email,
        });
    }
    let companies = models::campaign_companies(conn, &campaign.id)?;
    let mut facts = Vec::with_capacity(missions.len());
    for mission in missions {
        let company = companies
            .get(&mission.company_id)
            .map(|(c, _)| c)
            .ok_or(diesel::result::Error::NotFound)?;
        let problem = problems.get(&mission.problem_id);
        facts.push(MissionFacts {
            mission_id: mission.id.clone(),
            campaign: campaign.name.clone(),
            problem: problem.map(|p| p.title.clone()).unwrap_or_default(),
            domain: problem.map(|p| p.domain.clone()).unwrap_or_default(),
            company: company.name.clone(),
            city: company.city.clone(),
            team: teams
                .get(&mission.team_id)
                .map(|t| t.name.clone())
                .unwrap_or_default(),
            starts_on: mission.starts_on,
            ends_on: mission.ends_on,
            members: members.get(&mission.team_id).cloned().unwrap_or_default(),
            contact: companies
                .get(&mission.company_id)
                .and_then(|(_, contact)| contact.clone())
                .map(|(email, name)| Person { name, email }),
        });
    }
    Ok(facts)
}

/// A campaign's missions: staff all; a company, a student or a tutor their own.
#[utoipa::path(tag = "missions", security(("bearer" = [])),
    params(PageParams),
    responses((status = 200, body = Page<MissionView>), (status = 403, body = Problem), (status = 404, body = Problem)))]
#[get("/campaigns/{id}/missions")]
pub async fn list_missions(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
    page: web::Query<PageParams>,
) -> Result<web::Json<Page<MissionView>>, ApiError> {
    user.require(&[Role::Staff, Role::Company, Role::Student, Role::Tutor])?;
    let campaign_id = id.into_inner();
    let load = move |conn: &mut DbConnection, page: &PageRequest| {
        let campaign = models::find_campaign(conn, &campaign_id)?;
        let scope = match user.role {
            Role::Staff => MissionScope::All,
            Role::Company => MissionScope::Company(&user.id),
            Role::Student => MissionScope::Student(&user.id),
            _ => MissionScope::Tutor(&user.id),
        };
        Ok(models::list_missions(conn, &campaign.id, scope, page)?)
    };
    state.page(&page, load, |m| &m.id, MissionView::from).await
}

/// One mission: staff; its company's contact, its team's members, its tutor. Else 404.
#[utoipa::path(tag = "missions", security(("bearer" = [])),
    responses((status = 200, body = MissionView), (status = 404, body = Problem)))]
#[get("/missions/{id}")]
pub async fn get_mission(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<web::Json<MissionView>, ApiError> {
    let mission_id = id.into_inner();
    let mission = state
        .db(move |conn| {
            let mission = models::find_mission(conn, &mission_id)?;
            let visible = match user.role {
                Role::Staff => true,
                Role::Tutor => mission.tutor_id.as_deref() == Some(user.id.as_str()),
                Role::Student => models::is_member(conn, &mission.team_id, &user.id)?,
                Role::Company => models::company_of_contact(conn, &user.id)?
                    .is_some_and(|c| c.id == mission.company_id),
                _ => false,
            };
            if visible {
                Ok(mission)
            } else {
                Err(ApiError::not_found())
            }
        })
        .await?;
    Ok(web::Json(mission.into()))
}

/// Give a mission its tutor (staff). A tutor already following `max_missions` missions of this
/// campaign: 409 `tutor_overloaded`, checked and written under the tutor's lock so parallel
/// requests cannot pass the limit. The tutor is e-mailed, naming the mission.
#[utoipa::path(tag = "missions", security(("bearer" = [])),
    request_body = MissionTutorBody,
    responses((status = 200, body = MissionView), (status = 404, body = Problem),
              (status = 409, description = "`tutor_overloaded`", body = Problem),
              (status = 422, description = "`validation_failed`: not a tutor", body = Problem)))]
#[put("/missions/{id}/tutor")]
pub async fn put_mission_tutor(
    state: web::Data<AppState>,
    _staff: Staff,
    id: web::Path<String>,
    body: web::Json<MissionTutorBody>,
) -> Result<web::Json<MissionView>, ApiError> {
    let mission_id = id.into_inner();
    let tutor_id = body.into_inner().tutor_id.trim().to_owned();
    let outbox = state.outbox.clone();
    let mission = state
        .db(move |conn| {
            write_transaction(conn, |conn| {
                assign_mission_tutor(conn, &outbox, &mission_id, &tutor_id)
            })
        })
        .await?;
    Ok(web::Json(mission.into()))
}

fn assign_mission_tutor(
    conn: &mut WriteTx<'_>,
    outbox: &Outbox,
    mission_id: &str,
    tutor_id: &str,
) -> Result<Mission, ApiError> {
    let mut mission = models::find_mission(conn, mission_id)?;
    let not_a_tutor = || {
        ApiError::validation(vec![FieldError::new(
            "tutor_id",
            "must be the id of a tutor",
        )])
    };
    if tutor_id.is_empty() {
        return Err(not_a_tutor());
    }
    let tutor = crate::tutors::models::lock_tutor(conn, tutor_id)?.ok_or_else(not_a_tutor)?;
    if mission.tutor_id.as_deref() == Some(tutor_id) {
        return Ok(mission); // already theirs: nothing changes, nobody is e-mailed again
    }
    let followed = models::tutor_missions_in_campaign(conn, &mission.campaign_id, tutor_id)?;
    if followed >= i64::from(tutor.profile.max_missions) {
        return Err(ApiError::conflict(
            "tutor_overloaded",
            format!(
                "This tutor already follows {followed} mission(s) of this campaign, their limit."
            ),
        ));
    }
    models::set_mission_tutor(conn, &mission.id, tutor_id)?;
    mission.tutor_id = Some(tutor_id.to_owned());
    let campaign = models::find_campaign(conn, &mission.campaign_id)?;
    let facts = mission_facts(conn, &campaign, std::slice::from_ref(&mission))?;
    let values = mail::TutorMissions {
        name: &tutor.name,
        campaign: &campaign.name,
        missions: facts.iter().collect(),
    };
    outbox.enqueue(
        conn,
        // No dedupe key: a mission given back to a tutor it had before is news again.
        Email::new(&tutor.email, "missions_tutored", values),
    )?;
    Ok(mission)
}

/// Give every mission without a tutor one (staff, once `published`): an exact min-cost
/// assignment, domain matches first, loads balanced, within each tutor's `max_missions` for
/// the campaign. Each tutor gets one e-mail listing all their new missions.
#[utoipa::path(tag = "missions", security(("bearer" = [])),
    responses((status = 200, body = Page<TutorAssignmentView>), (status = 404, body = Problem),
              (status = 409, description = "`invalid_transition`: not published", body = Problem)))]
#[post("/campaigns/{id}/assign-tutors")]
pub async fn assign_tutors(
    state: web::Data<AppState>,
    _staff: Staff,
    id: web::Path<String>,
) -> Result<web::Json<Page<TutorAssignmentView>>, ApiError> {
    let campaign_id = id.into_inner();
    let outbox = state.outbox.clone();
    let items = state
        .db(move |conn| {
            write_transaction(conn, |conn| {
                assign_campaign_tutors(conn, &outbox, &campaign_id)
            })
        })
        .await?;
    Ok(web::Json(Page::all(items)))
}

fn assign_campaign_tutors(
    conn: &mut WriteTx<'_>,
    outbox: &Outbox,
    campaign_id: &str,
) -> Result<Vec<TutorAssignmentView>, ApiError> {
    let campaign = models::lock_campaign(conn, campaign_id)?;
    check(&campaign, CampaignAction::AssignTutors)?;
    // Locked in one order (by id) so that concurrent PUTs on a tutor wait, never deadlock.
    crate::tutors::models::lock_all_tutors(conn)?;
    let tutors = crate::tutors::models::all(conn)?;
    let taken = models::tutor_counts_in_campaign(conn, &campaign.id)?;
    let rooms: Vec<domain::TutorRoom> = tutors
        .iter()
        .map(|tutor| domain::TutorRoom {
            domains: tutor
                .profile
                .domains
                .split(',')
                .map(|d| d.trim().to_owned())
                .collect(),
            taken: u32::try_from(taken.get(&tutor.id).copied().unwrap_or(0)).unwrap_or(u32::MAX),
            max: u32::try_from(tutor.profile.max_missions).unwrap_or(0),
        })
        .collect();
    let open: Vec<Mission> = models::campaign_missions(conn, &campaign.id)?
        .into_iter()
        .filter(|m| m.tutor_id.is_none())
        .collect();
    let problem_domains: HashMap<String, String> = models::accepted_problems(conn, &campaign.id)?
        .into_iter()
        .map(|p| (p.id, p.domain))
        .collect();
    let wanted: Vec<String> = open
        .iter()
        .map(|m| {
            problem_domains
                .get(&m.problem_id)
                .cloned()
                .unwrap_or_default()
        })
        .collect();
    let pairs = domain::assign_tutors(&wanted, &rooms);
    let mut given: Vec<Mission> = Vec::with_capacity(pairs.len());
    let mut items = Vec::with_capacity(pairs.len());
    for (mission_index, tutor_index) in pairs {
        let mut mission = open[mission_index].clone();
        let tutor_id = tutors[tutor_index].id.clone();
        models::set_mission_tutor(conn, &mission.id, &tutor_id)?;
        items.push(TutorAssignmentView {
            mission_id: mission.id.clone(),
            tutor_id: tutor_id.clone(),
        });
        mission.tutor_id = Some(tutor_id);
        given.push(mission);
    }
    let facts = mission_facts(conn, &campaign, &given)?;
    for tutor in &tutors {
        let theirs: Vec<&MissionFacts> = given
            .iter()
            .zip(&facts)
            .filter(|(m, _)| m.tutor_id.as_deref() == Some(tutor.id.as_str()))
            .map(|(_, f)| f)
            .collect();
        if theirs.is_empty() {
            continue;
        }
        let values = mail::TutorMissions {
            name: &tutor.name,
            campaign: &campaign.name,
            missions: theirs,
        };
        outbox.enqueue(conn, Email::new(&tutor.email, "missions_tutored", values))?;
    }
    tracing::info!(campaign_id = %campaign.id, assigned = items.len(), "tutors assigned");
    Ok(items)
}
