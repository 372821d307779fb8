//! Incubator endpoints: parse the request, run the flow in `decisions` (one write transaction
//! for each move), answer the view. Founders apply and withdraw; staff decide, close and
//! choose tutors; everyone sees only what is theirs.

use actix_web::{get, post, put};
use actix_web::{web, HttpResponse};

use crate::app::AppState;
use crate::auth::{CurrentUser, Role, Staff};
use crate::db::DbConnection;
use crate::error::{ApiError, Problem};
use crate::incubator::decisions;
use crate::incubator::domain::{parse_tutor_id, Capacity, Closing, Decision, NewApplication};
use crate::incubator::models::{self, Scope};
use crate::incubator::views::{
    ApplicationFilter, ApplicationView, CloseBody, CreateApplicationBody, DecisionBody, EventView,
    EventsView, SuggestionView, SuggestionsView, TutorBody,
};
use crate::paging::{Page, PageParams, PageRequest};

/// Places in the incubator: capacity, projects incubating, places left.
#[utoipa::path(tag = "incubator", security(("bearer" = [])),
    responses((status = 200, body = Capacity), (status = 401, body = Problem)))]
#[get("/incubator")]
pub async fn capacity(
    _user: CurrentUser,
    state: web::Data<AppState>,
) -> Result<web::Json<Capacity>, ApiError> {
    let places = state.settings.incubator.capacity;
    let incubating = state.db(|conn| Ok(models::count_incubating(conn)?)).await?;
    Ok(web::Json(Capacity::new(places, incubating)))
}

/// Apply to the incubator (founders).
#[utoipa::path(tag = "incubator", security(("bearer" = [])),
    request_body = CreateApplicationBody,
    responses((status = 201, body = ApplicationView), (status = 403, body = Problem),
              (status = 422, description = "`validation_failed`", body = Problem)))]
#[post("/applications")]
pub async fn apply(
    user: CurrentUser,
    state: web::Data<AppState>,
    body: web::Json<CreateApplicationBody>,
) -> Result<HttpResponse, ApiError> {
    user.require(&[Role::Founder])?;
    let new = NewApplication::parse(
        &body.title,
        &body.summary,
        &body.domain,
        body.manufactured_product,
    )
    .map_err(ApiError::validation)?;
    let application = state
        .write(move |tx, state| decisions::submit(tx, state, &user, &new))
        .await?;
    tracing::info!(application_id = %application.application.id, "application submitted");
    Ok(HttpResponse::Created().json(ApplicationView::from(application)))
}

/// Applications: staff see all, a founder their own, a tutor those they follow.
#[utoipa::path(tag = "incubator", security(("bearer" = [])),
    params(ApplicationFilter, PageParams),
    responses((status = 200, body = Page<ApplicationView>), (status = 403, body = Problem)))]
#[get("/applications")]
pub async fn list_applications(
    user: CurrentUser,
    state: web::Data<AppState>,
    filter: web::Query<ApplicationFilter>,
    page: web::Query<PageParams>,
) -> Result<web::Json<Page<ApplicationView>>, ApiError> {
    user.require(&[Role::Staff, Role::Founder, Role::Tutor])?;
    let status = filter.status;
    let load = move |conn: &mut DbConnection, page: &PageRequest| {
        let scope = match user.role {
            Role::Founder => Scope::Founder(&user.id),
            Role::Tutor => Scope::Tutor(&user.id),
            _ => Scope::All,
        };
        Ok(models::list(conn, scope, status, page)?)
    };
    state
        .page(&page, load, |a| &a.application.id, ApplicationView::from)
        .await
}

/// One application (staff; its founder; its tutor).
#[utoipa::path(tag = "incubator", security(("bearer" = [])),
    params(("id" = String, Path, description = "Application id")),
    responses((status = 200, body = ApplicationView), (status = 403, body = Problem), (status = 404, body = Problem)))]
#[get("/applications/{id}")]
pub async fn get_application(
    user: CurrentUser,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<web::Json<ApplicationView>, ApiError> {
    user.require(&[Role::Staff, Role::Founder, Role::Tutor])?;
    let id = id.into_inner();
    let application = state
        .db(move |conn| decisions::visible(conn, &user, &id))
        .await?;
    Ok(web::Json(application.into()))
}

/// Admit or reject a submitted application (staff). Admission needs a free place; the
/// founder is e-mailed either way.
#[utoipa::path(tag = "incubator", security(("bearer" = [])),
    params(("id" = String, Path, description = "Application id")), request_body = DecisionBody,
    responses((status = 200, body = ApplicationView), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 409, description = "`invalid_transition`, `capacity_reached`", body = Problem),
              (status = 422, description = "`validation_failed`", body = Problem)))]
#[post("/applications/{id}/decision")]
pub async fn decide(
    Staff(staff): Staff,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: web::Json<DecisionBody>,
) -> Result<web::Json<ApplicationView>, ApiError> {
    let decision = Decision::parse(
        &body.decision,
        body.reason.as_deref(),
        body.starts_on.as_deref(),
    )
    .map_err(ApiError::validation)?;
    let id = id.into_inner();
    let application = state
        .write(move |tx, state| decisions::decide(tx, state, &staff, &id, &decision))
        .await?;
    let a = &application.application;
    tracing::info!(application_id = %a.id, status = %a.status, "application decided");
    Ok(web::Json(application.into()))
}

/// Withdraw a submitted application (its founder).
#[utoipa::path(tag = "incubator", security(("bearer" = [])),
    params(("id" = String, Path, description = "Application id")),
    responses((status = 200, body = ApplicationView), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 409, description = "`invalid_transition`", body = Problem)))]
#[post("/applications/{id}/withdraw")]
pub async fn withdraw(
    user: CurrentUser,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<web::Json<ApplicationView>, ApiError> {
    user.require(&[Role::Founder])?;
    let id = id.into_inner();
    let application = state
        .write(move |tx, _| decisions::withdraw(tx, &user, &id))
        .await?;
    Ok(web::Json(application.into()))
}

/// End an incubation (staff): `graduated` or `discontinued`; the place is free again.
#[utoipa::path(tag = "incubator", security(("bearer" = [])),
    params(("id" = String, Path, description = "Application id")), request_body = CloseBody,
    responses((status = 200, body = ApplicationView), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 409, description = "`invalid_transition`", body = Problem),
              (status = 422, description = "`validation_failed`", body = Problem)))]
#[post("/applications/{id}/close")]
pub async fn close(
    Staff(staff): Staff,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: web::Json<CloseBody>,
) -> Result<web::Json<ApplicationView>, ApiError> {
    let closing =
        Closing::parse(&body.outcome, body.reason.as_deref()).map_err(ApiError::validation)?;
    let id = id.into_inner();
    let application = state
        .write(move |tx, _| decisions::close(tx, &staff, &id, &closing))
        .await?;
    Ok(web::Json(application.into()))
}

/// Give an incubating project its tutor, or a new one (staff). The new tutor is e-mailed the
/// project; a replaced tutor gets a handover note.
#[utoipa::path(tag = "incubator", security(("bearer" = [])),
    params(("id" = String, Path, description = "Application id")), request_body = TutorBody,
    responses((status = 200, body = ApplicationView), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 409, description = "`invalid_transition` (not incubating), `tutor_overloaded`", body = Problem),
              (status = 422, description = "`validation_failed` (no such tutor)", body = Problem)))]
#[put("/applications/{id}/tutor")]
pub async fn assign_tutor(
    Staff(staff): Staff,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: web::Json<TutorBody>,
) -> Result<web::Json<ApplicationView>, ApiError> {
    let tutor_id = parse_tutor_id(&body.tutor_id).map_err(ApiError::validation)?;
    let id = id.into_inner();
    let application = state
        .write(move |tx, state| decisions::assign_tutor(tx, &state.outbox, &staff, &id, &tutor_id))
        .await?;
    Ok(web::Json(application.into()))
}

/// Tutors who could follow the project (staff): only those with room, domain matches first,
/// then the lightest load relative to their limit. The current tutor is left out.
#[utoipa::path(tag = "incubator", security(("bearer" = [])),
    params(("id" = String, Path, description = "Application id")),
    responses((status = 200, body = SuggestionsView), (status = 403, body = Problem), (status = 404, body = Problem)))]
#[get("/applications/{id}/tutor-suggestions")]
pub async fn tutor_suggestions(
    _staff: Staff,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<web::Json<SuggestionsView>, ApiError> {
    let id = id.into_inner();
    let ranked = state
        .db(move |conn| decisions::suggestions(conn, &id))
        .await?;
    let items = ranked.into_iter().map(SuggestionView::from).collect();
    Ok(web::Json(SuggestionsView { items }))
}

/// The audit trail of an application (staff): who decided, assigned or closed what, and when.
#[utoipa::path(tag = "incubator", security(("bearer" = [])),
    params(("id" = String, Path, description = "Application id")),
    responses((status = 200, body = EventsView), (status = 403, body = Problem), (status = 404, body = Problem)))]
#[get("/applications/{id}/events")]
pub async fn events(
    _staff: Staff,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<web::Json<EventsView>, ApiError> {
    let id = id.into_inner();
    let rows = state.db(move |conn| decisions::events(conn, &id)).await?;
    Ok(web::Json(EventsView {
        items: rows.into_iter().map(EventView::from).collect(),
    }))
}
