//! Field-mission endpoints: parse the request, call the use case (review, teams,
//! publication, tutoring), answer the view.

use actix_web::{delete, get, patch, post, put};
use actix_web::{web, HttpResponse};

use crate::allocation::Objective;
use crate::app::AppState;
use crate::auth::{CurrentUser, Role, Staff};
use crate::db::DbConnection;
use crate::error::{ApiError, FieldError, Problem};
use crate::missions::domain::{
    CampaignAction, ConstraintKind, Decision, NewCampaign, NewCompany, NewProblem, ProblemEdit,
};
use crate::missions::models::{self, ProblemFilter};
use crate::missions::views::*;
use crate::missions::{export, publication, review, teams, tutoring};
use crate::paging::{Page, PageParams, PageRequest};

/// Create a campaign (staff).
#[utoipa::path(tag = "missions", security(("bearer" = [])),
    request_body = CampaignBody,
    responses((status = 201, body = CampaignView), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 422, body = Problem)))]
#[post("/campaigns")]
pub async fn create_campaign(
    state: web::Data<AppState>,
    _staff: Staff,
    body: web::Json<CampaignBody>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let (weeks, size, problems, choices) = (b.weeks, b.team_size, b.max_problems, b.max_choices);
    let new = NewCampaign::parse(
        &b.name,
        b.starts_on.as_deref(),
        weeks,
        size,
        problems,
        choices,
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
    responses((status = 200, body = CampaignView), (status = 401, body = Problem), (status = 404, body = Problem)))]
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
    responses((status = 200, body = CampaignView), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 409, description = "`invalid_transition`", body = Problem)))]
#[post("/campaigns/{id}/open-signup")]
pub async fn open_signup(
    state: web::Data<AppState>,
    _staff: Staff,
    id: web::Path<String>,
) -> Result<web::Json<CampaignView>, ApiError> {
    let id = id.into_inner();
    let campaign = state
        .write(move |tx, _| {
            let mut campaign = models::lock_campaign(tx, &id)?;
            let next = CampaignAction::OpenSignup.apply(campaign.status())?;
            models::set_campaign_status(tx, &id, next)?;
            campaign.status = next.as_str().to_owned();
            Ok(campaign)
        })
        .await?;
    Ok(web::Json(campaign.into()))
}

/// Register a company: a company account becomes its contact (one company each); staff may
/// name a contact with `contact_id`.
#[utoipa::path(tag = "missions", security(("bearer" = [])),
    request_body = CompanyBody,
    responses((status = 201, body = CompanyView), (status = 401, body = Problem), (status = 403, body = Problem),
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
    let company = state
        .write(move |tx, _| review::register_company(tx, &user, &new, b.contact_id))
        .await?;
    Ok(HttpResponse::Created().json(CompanyView::from(company)))
}

/// Companies (staff).
#[utoipa::path(tag = "missions", security(("bearer" = [])),
    params(PageParams), responses((status = 200, body = Page<CompanyView>), (status = 401, body = Problem),
                                  (status = 403, body = Problem)))]
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

/// One company: its contact and staff; anyone else 404.
#[utoipa::path(tag = "missions", security(("bearer" = [])),
    responses((status = 200, body = CompanyView), (status = 401, body = Problem), (status = 404, body = Problem)))]
#[get("/companies/{id}")]
pub async fn get_company(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<web::Json<CompanyView>, ApiError> {
    let id = id.into_inner();
    let company = state
        .db(move |conn| review::visible_company(conn, &user, &id))
        .await?;
    Ok(web::Json(company.into()))
}

/// Submit a problem to a campaign (the company's contact, while `problems_open`). Staff get
/// a notice (`mail.staff_notices`).
#[utoipa::path(tag = "missions", security(("bearer" = [])),
    request_body = ProblemBody,
    responses((status = 201, body = ProblemView), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem),
              (status = 409, description = "`invalid_transition`, `no_company`", body = Problem),
              (status = 422, body = Problem)))]
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
        .write(move |tx, state| review::submit(tx, state, &user, &campaign_id, &new))
        .await?;
    Ok(HttpResponse::Created().json(ProblemView::from(problem)))
}

/// Edit a problem (its company's contact, while it is `submitted` and the campaign
/// `problems_open`): any of `title`, `description`, `domain`.
#[utoipa::path(tag = "missions", security(("bearer" = [])),
    request_body = ProblemPatchBody,
    responses((status = 200, body = ProblemView), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, description = "`invalid_transition`", body = Problem),
              (status = 422, body = Problem)))]
#[patch("/problems/{id}")]
pub async fn patch_problem(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
    body: web::Json<ProblemPatchBody>,
) -> Result<web::Json<ProblemView>, ApiError> {
    user.require(&[Role::Company])?;
    let b = body.into_inner();
    let edit = ProblemEdit::parse(
        b.title.as_deref(),
        b.description.as_deref(),
        b.domain.as_deref(),
    )
    .map_err(ApiError::validation)?;
    let problem_id = id.into_inner();
    let problem = state
        .write(move |tx, _| review::edit(tx, &user, &problem_id, &edit))
        .await?;
    Ok(web::Json(problem.into()))
}

/// Accept or reject a problem (staff). Accepting past the campaign's `max_problems` is 409
/// `capacity_reached`, whatever the concurrency. The company's contact is e-mailed.
#[utoipa::path(tag = "missions", security(("bearer" = [])),
    request_body = ReviewBody,
    responses((status = 200, body = ProblemView), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem),
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
    let problem = state
        .write(move |tx, state| {
            review::review(tx, &state.outbox, &problem_id, decision, reason.as_deref())
        })
        .await?;
    Ok(web::Json(problem.into()))
}

/// A campaign's problems: staff all; a company its own; students the accepted ones once
/// signup is open (before, an empty list). `?domain=` and `?local=` filter them.
#[utoipa::path(tag = "missions", security(("bearer" = [])),
    params(PageParams, ProblemQuery),
    responses((status = 200, body = Page<ProblemView>), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem)))]
#[get("/campaigns/{id}/problems")]
pub async fn list_problems(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
    page: web::Query<PageParams>,
    filter: web::Query<ProblemQuery>,
) -> Result<web::Json<Page<ProblemView>>, ApiError> {
    user.require(&[Role::Staff, Role::Company, Role::Student])?;
    let campaign_id = id.into_inner();
    let filter = ProblemFilter::from(filter.into_inner());
    let load = move |conn: &mut DbConnection, page: &PageRequest| {
        review::visible_problems(conn, &user, &campaign_id, &filter, page)
    };
    state
        .page(&page, load, |p| &p.problem.id, ProblemView::from)
        .await
}

/// Form a team (a student, while `signup_open`): the creator's own address and the others',
/// exactly `team_size` distinct students. Every member is e-mailed.
#[utoipa::path(tag = "missions", security(("bearer" = [])),
    request_body = TeamBody,
    responses((status = 201, body = TeamView), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem),
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
    let team = state
        .write(move |tx, state| {
            teams::form(tx, state, &user, &campaign_id, &b.name, &b.member_emails)
        })
        .await?;
    Ok(HttpResponse::Created().json(TeamView::from(team)))
}

/// A campaign's teams with their members: staff all, a student their own.
#[utoipa::path(tag = "missions", security(("bearer" = [])),
    params(PageParams),
    responses((status = 200, body = Page<TeamView>), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem)))]
#[get("/campaigns/{id}/teams")]
pub async fn list_teams(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
    page: web::Query<PageParams>,
) -> Result<web::Json<Page<TeamView>>, ApiError> {
    user.require(&[Role::Staff, Role::Student])?;
    let campaign_id = id.into_inner();
    let load = move |conn: &mut DbConnection, page: &PageRequest| {
        teams::visible_teams(conn, &user, &campaign_id, page)
    };
    state
        .page(&page, load, |t| &t.team.id, TeamView::from)
        .await
}

/// The caller's teams, every campaign (students).
#[utoipa::path(tag = "missions", security(("bearer" = [])),
    responses((status = 200, body = Page<TeamView>), (status = 401, body = Problem), (status = 403, body = Problem)))]
#[get("/me/teams")]
pub async fn my_teams(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> Result<web::Json<Page<TeamView>>, ApiError> {
    user.require(&[Role::Student])?;
    let rows = state.db(move |conn| teams::own_teams(conn, &user)).await?;
    Ok(web::Json(Page::all(
        rows.into_iter().map(TeamView::from).collect(),
    )))
}

/// One team (its members, staff).
#[utoipa::path(tag = "missions", security(("bearer" = [])),
    responses((status = 200, body = TeamView), (status = 401, body = Problem), (status = 404, body = Problem)))]
#[get("/teams/{id}")]
pub async fn get_team(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<web::Json<TeamView>, ApiError> {
    let team_id = id.into_inner();
    let team = state
        .db(move |conn| {
            let team = teams::visible_team(conn, &user, &team_id)?;
            let mut found = models::with_members(conn, vec![team])?;
            found.pop().ok_or_else(ApiError::not_found)
        })
        .await?;
    Ok(web::Json(team.into()))
}

/// Rank problems (a member, while `signup_open`): 1..`max_choices` distinct accepted problems
/// of the campaign, best first. Replaces the previous list.
#[utoipa::path(tag = "missions", security(("bearer" = [])),
    request_body = PreferencesBody,
    responses((status = 200, body = PreferencesBody), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, description = "`invalid_transition`", body = Problem),
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
        .write(move |tx, _| teams::rank(tx, &user, &team_id, &wanted))
        .await?;
    Ok(web::Json(PreferencesBody { problem_ids: saved }))
}

/// A team's ranked problems (its members, staff).
#[utoipa::path(tag = "missions", security(("bearer" = [])),
    responses((status = 200, body = PreferencesBody), (status = 401, body = Problem), (status = 404, body = Problem)))]
#[get("/teams/{id}/preferences")]
pub async fn get_preferences(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<web::Json<PreferencesBody>, ApiError> {
    let team_id = id.into_inner();
    let ids = state
        .db(move |conn| {
            let team = teams::visible_team(conn, &user, &team_id)?;
            Ok(models::team_preferences(conn, &team.id)?)
        })
        .await?;
    Ok(web::Json(PreferencesBody { problem_ids: ids }))
}

/// Pin a team to a problem, or forbid the pair (staff, before publication). One constraint
/// per pair; a pin on an unranked or forbidden pair, or past the problem's capacity with the
/// other pins, is refused now.
#[utoipa::path(tag = "missions", security(("bearer" = [])),
    request_body = ConstraintBody,
    responses((status = 201, body = ConstraintView), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem),
              (status = 409, description = "`invalid_transition`, `already_exists`", body = Problem),
              (status = 422, description = "`validation_failed`, `infeasible_pins` naming the pairs", body = Problem)))]
#[post("/campaigns/{id}/constraints")]
pub async fn create_constraint(
    state: web::Data<AppState>,
    _staff: Staff,
    id: web::Path<String>,
    body: web::Json<ConstraintBody>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let campaign_id = id.into_inner();
    let kind = ConstraintKind::parse(&b.kind);
    let row = state
        .write(move |tx, _| {
            publication::add_constraint(tx, &campaign_id, &b.team_id, &b.problem_id, kind)
        })
        .await?;
    Ok(HttpResponse::Created().json(ConstraintView::from(row)))
}

/// A campaign's constraints (staff).
#[utoipa::path(tag = "missions", security(("bearer" = [])),
    responses((status = 200, body = Page<ConstraintView>), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem)))]
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
    let items = rows.into_iter().map(ConstraintView::from).collect();
    Ok(web::Json(Page::all(items)))
}

/// Remove a constraint (staff, before `published`).
#[utoipa::path(tag = "missions", security(("bearer" = [])),
    responses((status = 204, description = "The constraint is gone"), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, description = "`invalid_transition`", body = Problem)))]
#[delete("/campaigns/{id}/constraints/{constraint_id}")]
pub async fn delete_constraint(
    state: web::Data<AppState>,
    _staff: Staff,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (campaign_id, constraint_id) = path.into_inner();
    state
        .write(move |tx, _| publication::remove_constraint(tx, &campaign_id, &constraint_id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Allocate teams to problems (staff, while `signup_open` or `allocated`; may be run again
/// until publication). Stores the result and moves the campaign to `allocated`.
#[utoipa::path(tag = "missions", security(("bearer" = [])),
    request_body = AllocateBody,
    responses((status = 200, body = AllocationView), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, description = "`invalid_transition`", body = Problem),
              (status = 422, description = "`validation_failed` (objective), `infeasible_pins` naming the pairs", body = Problem)))]
#[post("/campaigns/{id}/allocate")]
pub async fn allocate(
    state: web::Data<AppState>,
    _staff: Staff,
    id: web::Path<String>,
    body: web::Bytes,
) -> Result<web::Json<AllocationView>, ApiError> {
    let objective = objective(&body)?;
    let campaign_id = id.into_inner();
    let stored = state
        .write(move |tx, _| publication::allocate(tx, &campaign_id, objective))
        .await?;
    Ok(web::Json(stored.into()))
}

/// The optional `{objective}` body: none at all means the default objective.
fn objective(body: &[u8]) -> Result<Objective, ApiError> {
    let body: AllocateBody = if body.iter().all(u8::is_ascii_whitespace) {
        AllocateBody::default()
    } else {
        serde_json::from_slice(body)
            .map_err(|e| ApiError::bad_request(format!("Invalid JSON body: {e}")))?
    };
    match body.objective {
        None => Ok(Objective::default()),
        Some(o) => o
            .trim()
            .parse::<Objective>()
            .map_err(|e| ApiError::validation(vec![FieldError::new("objective", e.to_string())])),
    }
}

/// The latest allocation (staff). Before any: 409 `invalid_transition`.
#[utoipa::path(tag = "missions", security(("bearer" = [])),
    responses((status = 200, body = AllocationView), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem),
              (status = 409, description = "`invalid_transition`: not allocated yet", body = Problem)))]
#[get("/campaigns/{id}/allocation")]
pub async fn get_allocation(
    state: web::Data<AppState>,
    _staff: Staff,
    id: web::Path<String>,
) -> Result<web::Json<AllocationView>, ApiError> {
    let campaign_id = id.into_inner();
    let (_, stored) = state
        .db(move |conn| publication::latest(conn, &campaign_id))
        .await?;
    Ok(web::Json(stored.into()))
}

/// The latest allocation as CSV for spreadsheets (staff): `;`-separated, UTF-8 with a BOM,
/// one line per team: team, members, problem, company, rank (empty for unplaced teams).
#[utoipa::path(tag = "missions", security(("bearer" = [])),
    responses((status = 200, content_type = "text/csv", body = String), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem),
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
            let (campaign, stored) = publication::latest(conn, &campaign_id)?;
            let lines = export::lines(conn, &campaign.id, &AllocationView::from(stored))?;
            Ok((campaign.name, export::to_csv(&lines)?))
        })
        .await?;
    let file = export::file_name(&name, "allocation.csv");
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{file}\""),
        ))
        .body(csv))
}

/// Publish the allocation (staff, while `allocated`, and only the allocation of the current
/// teams, preferences, constraints and problems): one mission per placed team, every team
/// member and company contact e-mailed, and the members of unplaced teams told why.
#[utoipa::path(tag = "missions", security(("bearer" = [])),
    responses((status = 200, body = CampaignView), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem),
              (status = 409, description = "`invalid_transition`, `allocation_stale`", body = Problem)))]
#[post("/campaigns/{id}/publish")]
pub async fn publish(
    state: web::Data<AppState>,
    _staff: Staff,
    id: web::Path<String>,
) -> Result<web::Json<CampaignView>, ApiError> {
    let campaign_id = id.into_inner();
    let campaign = state
        .write(move |tx, state| publication::publish(tx, &state.outbox, &campaign_id))
        .await?;
    Ok(web::Json(campaign.into()))
}

/// A campaign's missions, with their company, contact, problem, team and tutor: staff all;
/// a company, a student or a tutor their own.
#[utoipa::path(tag = "missions", security(("bearer" = [])),
    params(PageParams),
    responses((status = 200, body = Page<MissionView>), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem)))]
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
        tutoring::visible_missions(conn, &user, &campaign_id, page)
    };
    state
        .page(&page, load, |m| &m.mission.id, MissionView::from)
        .await
}

/// One mission: staff; its company's contact, its team's members, its tutor. Else 404.
#[utoipa::path(tag = "missions", security(("bearer" = [])),
    responses((status = 200, body = MissionView), (status = 401, body = Problem), (status = 404, body = Problem)))]
#[get("/missions/{id}")]
pub async fn get_mission(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<web::Json<MissionView>, ApiError> {
    let mission_id = id.into_inner();
    let mission = state
        .db(move |conn| tutoring::visible_mission(conn, &user, &mission_id))
        .await?;
    Ok(web::Json(mission.into()))
}

/// Give a mission its tutor (staff). A tutor already following `max_missions` missions of this
/// campaign: 409 `tutor_overloaded`, whatever the concurrency. The tutor is e-mailed.
#[utoipa::path(tag = "missions", security(("bearer" = [])),
    request_body = MissionTutorBody,
    responses((status = 200, body = MissionView), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, description = "`tutor_overloaded`", body = Problem),
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
    let mission = state
        .write(move |tx, state| {
            let mission = tutoring::give_tutor(tx, &state.outbox, &mission_id, &tutor_id)?;
            let mut details = models::mission_details(tx, vec![mission])?;
            details.pop().ok_or_else(ApiError::not_found)
        })
        .await?;
    Ok(web::Json(mission.into()))
}

/// Give every mission without a tutor one (staff, once `published`): domain matches first,
/// loads balanced, within each tutor's `max_missions` for the campaign; one e-mail per tutor.
/// `unassigned_mission_ids`: the missions no tutor had room for.
#[utoipa::path(tag = "missions", security(("bearer" = [])),
    responses((status = 200, body = TutorAssignmentsView), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem),
              (status = 409, description = "`invalid_transition`: not published", body = Problem)))]
#[post("/campaigns/{id}/assign-tutors")]
pub async fn assign_tutors(
    state: web::Data<AppState>,
    _staff: Staff,
    id: web::Path<String>,
) -> Result<web::Json<TutorAssignmentsView>, ApiError> {
    let campaign_id = id.into_inner();
    let assigned = state
        .write(move |tx, state| tutoring::assign_all(tx, &state.outbox, &campaign_id))
        .await?;
    let items = assigned.given.into_iter();
    Ok(web::Json(TutorAssignmentsView {
        items: items
            .map(|(mission_id, tutor_id)| TutorAssignmentView {
                mission_id,
                tutor_id,
            })
            .collect(),
        next_cursor: None,
        unassigned_mission_ids: assigned.unassigned,
    }))
}
