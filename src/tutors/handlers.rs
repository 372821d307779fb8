//! Tutor endpoints: staff create tutors (account and profile at once), list, read and adjust
//! them; a tutor may read their own profile.

use actix_web::{get, patch, post};
use actix_web::{web, HttpResponse};

use crate::app::AppState;
use crate::auth::domain::{NewAccount, Role};
use crate::auth::{accounts, CurrentUser, Staff};
use crate::db::DbConnection;
use crate::error::{ApiError, Problem};
use crate::paging::{Page, PageParams};
use crate::tutors::domain::parse_limit;
use crate::tutors::models::{self, Tutor};
use crate::tutors::profiles::{self, parse_domains};
use crate::tutors::views::{CreateTutorBody, TutorFilter, TutorView, UpdateTutorBody};

/// Create a tutor: a `tutor` account and its profile, in one transaction (staff only).
#[utoipa::path(tag = "tutors", security(("bearer" = [])), request_body = CreateTutorBody,
    responses((status = 201, body = TutorView), (status = 403, body = Problem),
              (status = 409, description = "`email_taken`", body = Problem),
              (status = 422, description = "`validation_failed`", body = Problem)))]
#[post("/tutors")]
pub async fn create_tutor(
    Staff(staff): Staff,
    state: web::Data<AppState>,
    body: web::Json<CreateTutorBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let mut errors = Vec::new();
    let account = NewAccount::parse(
        &body.email,
        &body.name,
        Role::Tutor.as_str(),
        body.password.as_deref(),
        &[Role::Tutor],
    )
    .map_err(|e| errors.extend(e));
    let domains = parse_domains(body.domains.as_deref()).map_err(|e| errors.push(e));
    let max_projects = parse_limit("max_projects", body.max_projects).map_err(|e| errors.push(e));
    let max_missions = parse_limit("max_missions", body.max_missions).map_err(|e| errors.push(e));
    let (Ok(account), Ok(domains), Ok(max_projects), Ok(max_missions)) =
        (account, domains, max_projects, max_missions)
    else {
        return Err(ApiError::validation(errors));
    };
    let (_, tutor) = accounts::create_account(&state, account, Some(staff), move |conn, user| {
        models::insert_profile(conn, &user.id, &domains, max_projects, max_missions)?;
        models::find(conn, &user.id)?.ok_or_else(ApiError::not_found)
    })
    .await?;
    tracing::info!(tutor_id = %tutor.id, "tutor created");
    Ok(HttpResponse::Created().json(TutorView::new(tutor, Default::default())))
}

/// List tutors (staff); a tutor sees only themself.
#[utoipa::path(tag = "tutors", security(("bearer" = [])),
    params(TutorFilter, PageParams),
    responses((status = 200, body = Page<TutorView>), (status = 403, body = Problem)))]
#[get("/tutors")]
pub async fn list_tutors(
    user: CurrentUser,
    state: web::Data<AppState>,
    filter: web::Query<TutorFilter>,
    page: web::Query<PageParams>,
) -> Result<web::Json<Page<TutorView>>, ApiError> {
    user.require(&[Role::Staff, Role::Tutor])?;
    let page = page.parse()?;
    let only = user.is(Role::Tutor).then(|| user.id.clone());
    let (domain, request) = (filter.domain, page.clone());
    let (rows, mut loads) = state
        .db(move |conn| {
            let rows = models::list(conn, only.as_deref(), domain, &request)?;
            let ids: Vec<String> = rows.iter().map(|t| t.id.clone()).collect();
            let loads = models::tutor_loads(conn, &ids)?;
            Ok((rows, loads))
        })
        .await?;
    Ok(web::Json(Page::from_rows(
        rows,
        &page,
        |t| &t.id,
        |t| {
            let load = loads.remove(&t.id).unwrap_or_default();
            TutorView::new(t, load)
        },
    )))
}

/// One tutor (staff; a tutor may read their own profile).
#[utoipa::path(tag = "tutors", security(("bearer" = [])),
    params(("id" = String, Path, description = "The tutor's user id")),
    responses((status = 200, body = TutorView), (status = 403, body = Problem), (status = 404, body = Problem)))]
#[get("/tutors/{id}")]
pub async fn get_tutor(
    user: CurrentUser,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<web::Json<TutorView>, ApiError> {
    user.require(&[Role::Staff, Role::Tutor])?;
    let id = id.into_inner();
    if user.is(Role::Tutor) && user.id != id {
        return Err(ApiError::not_found());
    }
    let view = state.db(move |conn| tutor_view(conn, &id)).await?;
    Ok(web::Json(view))
}

/// Change a tutor's domains or load limits (staff only). Lowering a limit below the current
/// load is allowed: it stops new assignments, it does not undo any.
#[utoipa::path(tag = "tutors", security(("bearer" = [])),
    params(("id" = String, Path, description = "The tutor's user id")), request_body = UpdateTutorBody,
    responses((status = 200, body = TutorView), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 422, description = "`validation_failed`", body = Problem)))]
#[patch("/tutors/{id}")]
pub async fn update_tutor(
    _staff: Staff,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: web::Json<UpdateTutorBody>,
) -> Result<web::Json<TutorView>, ApiError> {
    let body = body.into_inner();
    let changes = profiles::changes(
        body.domains.as_deref(),
        body.max_projects,
        body.max_missions,
    )?;
    let id = id.into_inner();
    let view = state
        .db(move |conn| {
            profiles::update(conn, &id, changes)?;
            tutor_view(conn, &id)
        })
        .await?;
    Ok(web::Json(view))
}

fn tutor_view(conn: &mut DbConnection, id: &str) -> Result<TutorView, ApiError> {
    let tutor: Tutor = models::find(conn, id)?.ok_or_else(ApiError::not_found)?;
    let load = models::tutor_load(conn, id)?;
    Ok(TutorView::new(tutor, load))
}
