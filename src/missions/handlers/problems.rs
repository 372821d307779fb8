//! Companies and their problems: register, submit, edit, review, list.

use actix_web::{get, patch, post};
use actix_web::{web, HttpResponse};

use crate::app::AppState;
use crate::auth::{CurrentUser, Role, Staff};
use crate::db::DbConnection;
use crate::error::{ApiError, Problem};
use crate::missions::domain::{Decision, NewCompany, NewProblem, ProblemEdit};
use crate::missions::models::{self, ProblemFilter};
use crate::missions::review;
use crate::missions::views::*;
use crate::paging::{Page, PageParams, PageRequest};
use crate::text::not_blank;

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
    let reason = not_blank(b.reason.as_deref()).map(str::to_owned);
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
