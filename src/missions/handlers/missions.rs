//! Published missions and their tutors.

use actix_web::web;
use actix_web::{get, post, put};

use crate::app::AppState;
use crate::auth::{CurrentUser, Role, Staff};
use crate::db::DbConnection;
use crate::error::{ApiError, Problem};
use crate::missions::models::{self};
use crate::missions::tutoring;
use crate::missions::views::*;
use crate::paging::{Page, PageParams, PageRequest};

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
