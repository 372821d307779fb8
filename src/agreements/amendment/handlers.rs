//! The amendments' API: thin handlers over `flows`.

use actix_web::{get, post, put, web, HttpRequest, HttpResponse};

use super::flows;
use super::views::{AmendmentBody, AmendmentView};
use crate::agreements::flows::SignRequest;
use crate::agreements::handlers::{client_of, pdf_response};
use crate::agreements::views::{SignBody, ValidationBody};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::error::{ApiError, Problem};

/// An agreement's amendments, in their order (its parties and staff).
#[utoipa::path(tag = "agreements", security(("bearer" = [])),
    responses((status = 200, body = Vec<AmendmentView>), (status = 401, body = Problem), (status = 404, body = Problem)))]
#[get("/agreements/{id}/amendments")]
pub async fn list_amendments(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<web::Json<serde_json::Value>, ApiError> {
    let id = id.into_inner();
    let list = state
        .db(move |conn| {
            crate::agreements::flows::visible(conn, &user, &id)?;
            flows::load(conn, &id)
        })
        .await?;
    let items: Vec<AmendmentView> = list.iter().map(AmendmentView::from).collect();
    Ok(web::Json(serde_json::json!({ "items": items })))
}

/// Ask for an amendment of a signed agreement (staff, or the internship's requester): what
/// changes and why, or an early termination. It is validated like the agreement, then sent
/// by the office and signed by the same parties; the last signature applies it.
#[utoipa::path(tag = "agreements", security(("bearer" = [])),
    request_body = AmendmentBody,
    responses((status = 201, body = AmendmentView), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem),
              (status = 409, description = "`not_signed`, `amendment_open`; an internship's limits (`supervisor_full`, `internship_overlap`)", body = Problem),
              (status = 422, description = "`reason_required`, `no_change`, `validation_failed`; an internship's limits (`duration_exceeded`, `gratification_below_minimum`, ...)", body = Problem)))]
#[post("/agreements/{id}/amendments")]
pub async fn request_amendment(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
    body: web::Json<AmendmentBody>,
) -> Result<HttpResponse, ApiError> {
    let proposal = body.into_inner().proposal()?;
    let id = id.into_inner();
    let full = state
        .write(move |tx, state| flows::request(tx, state, &user, &id, proposal))
        .await?;
    Ok(HttpResponse::Created().json(AmendmentView::from(&full)))
}

#[utoipa::path(tag = "agreements", security(("bearer" = [])),
    responses((status = 200, body = AmendmentView), (status = 401, body = Problem), (status = 404, body = Problem)))]
#[get("/agreements/{id}/amendments/{number}")]
pub async fn get_amendment(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, i32)>,
) -> Result<web::Json<AmendmentView>, ApiError> {
    let (id, number) = path.into_inner();
    let (_, full) = state
        .db(move |conn| flows::visible(conn, &user, &id, number))
        .await?;
    Ok(web::Json((&full).into()))
}

/// Correct a draft amendment (its requester or staff): the whole proposal again. After a
/// refusal, this resubmits it.
#[utoipa::path(tag = "agreements", security(("bearer" = [])),
    request_body = AmendmentBody,
    responses((status = 200, body = AmendmentView), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, description = "`invalid_transition`: sent, signed or cancelled", body = Problem),
              (status = 422, description = "`reason_required`, `no_change`, `validation_failed`", body = Problem)))]
#[put("/agreements/{id}/amendments/{number}")]
pub async fn correct_amendment(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, i32)>,
    body: web::Json<AmendmentBody>,
) -> Result<web::Json<AmendmentView>, ApiError> {
    let proposal = body.into_inner().proposal()?;
    let (id, number) = path.into_inner();
    let full = state
        .write(move |tx, state| flows::correct(tx, state, &user, &id, number, proposal))
        .await?;
    Ok(web::Json((&full).into()))
}

/// A validator approves or refuses a step of a draft amendment (as for agreements: a refusal
/// needs its reason, e-mailed to the requester).
#[utoipa::path(tag = "agreements", security(("bearer" = [])),
    request_body = ValidationBody,
    responses((status = 200, body = AmendmentView), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem),
              (status = 409, description = "`invalid_transition`, `awaiting_correction`, `validation_out_of_order`", body = Problem),
              (status = 422, description = "`reason_required`, `validation_failed`", body = Problem)))]
#[post("/agreements/{id}/amendments/{number}/validations")]
pub async fn validate_amendment(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, i32)>,
    body: web::Json<ValidationBody>,
) -> Result<web::Json<AmendmentView>, ApiError> {
    let (id, number) = path.into_inner();
    let body = body.into_inner();
    let full = state
        .write(move |tx, state| {
            flows::decide(
                tx,
                state,
                &user,
                &id,
                number,
                &body.step,
                &body.decision,
                body.reason.as_deref(),
            )
        })
        .await?;
    Ok(web::Json((&full).into()))
}

/// Send a validated amendment for signature (staff): its PDF frozen, each party e-mailed.
#[utoipa::path(tag = "agreements", security(("bearer" = [])),
    responses((status = 200, body = AmendmentView), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem),
              (status = 409, description = "`invalid_transition`, `validation_pending`, `awaiting_correction`; an internship's limits", body = Problem),
              (status = 422, description = "an internship's limits", body = Problem)))]
#[post("/agreements/{id}/amendments/{number}/send")]
pub async fn send_amendment(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, i32)>,
) -> Result<web::Json<AmendmentView>, ApiError> {
    let (id, number) = path.into_inner();
    let full = state
        .write(move |tx, state| flows::send(tx, state, &user, &id, number))
        .await?;
    Ok(web::Json((&full).into()))
}

/// Sign a sent amendment (`consent: true`); the last signature applies it to the agreement.
#[utoipa::path(tag = "agreements", security(("bearer" = [])),
    request_body = SignBody,
    responses((status = 200, body = AmendmentView), (status = 401, body = Problem), (status = 404, body = Problem),
              (status = 409, description = "`invalid_transition`: not sent", body = Problem),
              (status = 422, description = "`consent_required`", body = Problem)))]
#[post("/agreements/{id}/amendments/{number}/sign")]
pub async fn sign_amendment(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, i32)>,
    req: HttpRequest,
    body: web::Json<SignBody>,
) -> Result<web::Json<AmendmentView>, ApiError> {
    let (id, number) = path.into_inner();
    let (ip, user_agent) = client_of(&req);
    let request = SignRequest {
        consent: body.consent,
        version: None,
        ip,
        user_agent,
        ..SignRequest::default()
    };
    let full = state
        .write(move |tx, state| flows::sign(tx, state, &user, &id, number, request))
        .await?;
    Ok(web::Json((&full).into()))
}

/// Withdraw an amendment not signed yet (its requester or staff).
#[utoipa::path(tag = "agreements", security(("bearer" = [])),
    responses((status = 200, body = AmendmentView), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, description = "`invalid_transition`", body = Problem)))]
#[post("/agreements/{id}/amendments/{number}/cancel")]
pub async fn cancel_amendment(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, i32)>,
) -> Result<web::Json<AmendmentView>, ApiError> {
    let (id, number) = path.into_inner();
    let full = state
        .write(move |tx, _| flows::cancel(tx, &user, &id, number))
        .await?;
    Ok(web::Json((&full).into()))
}

/// The amendment's PDF: a draft as it would be sent, a sent one as frozen, a signed one with
/// its signature page.
#[utoipa::path(tag = "agreements", security(("bearer" = [])),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>), (status = 401, body = Problem), (status = 404, body = Problem)))]
#[get("/agreements/{id}/amendments/{number}/pdf")]
pub async fn amendment_pdf(
    state: web::Data<AppState>,
    user: CurrentUser,
    path: web::Path<(String, i32)>,
) -> Result<HttpResponse, ApiError> {
    let (id, number) = path.into_inner();
    let app = state.clone();
    let (name, pdf) = state
        .db(move |conn| pdf_of(conn, &app, &user, &id, number))
        .await?;
    Ok(pdf_response(&name, pdf))
}

/// The file name and bytes of an amendment's PDF `user` may see (the API's and the pages').
pub fn pdf_of(
    conn: &mut crate::db::DbConnection,
    state: &AppState,
    user: &CurrentUser,
    id: &str,
    number: i32,
) -> Result<(String, Vec<u8>), ApiError> {
    let (details, full) = flows::visible(conn, user, id, number)?;
    let pdf = flows::pdf(conn, state, &details, &full)?;
    Ok((flows::file_name(&details, number), pdf))
}
