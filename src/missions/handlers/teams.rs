//! Teams and their ranked preferences.

use actix_web::{get, post, put};
use actix_web::{web, HttpResponse};

use crate::app::AppState;
use crate::auth::{CurrentUser, Role};
use crate::db::DbConnection;
use crate::error::{ApiError, Problem};
use crate::missions::models::{self};
use crate::missions::teams;
use crate::missions::views::*;
use crate::paging::{Page, PageParams, PageRequest};

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
