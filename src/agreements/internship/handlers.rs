//! The internship's endpoints: parse → `flows` → view (the agreement with its internship and
//! the limits judged now).

use actix_web::{get, patch, post, put, web, HttpResponse};

use super::views::{CertificateBody, EvaluationBody, InternshipBody, LimitsView};
use super::{evaluating, flows};
use crate::agreements::flows as agreement_flows;
use crate::agreements::handlers::pdf_response;
use crate::agreements::models::Details;
use crate::agreements::views::AgreementView;
use crate::app::AppState;
use crate::auth::{CurrentUser, Staff};
use crate::config::Settings;
use crate::db::DbConnection;
use crate::error::{ApiError, Problem};

/// The agreement with its internship's limits judged now.
pub fn view(
    conn: &mut DbConnection,
    settings: &Settings,
    details: Details,
) -> Result<AgreementView, ApiError> {
    let limits = match &details.internship {
        Some(row) => {
            let assessment = flows::assessment(conn, settings, &details.agreement, row)?;
            Some(LimitsView::of(&assessment, flows::missing(&details, row)))
        }
        None => None,
    };
    let view = AgreementView::from(details);
    Ok(match limits {
        Some(limits) => view.with_limits(limits),
        None => view,
    })
}

/// A student requests an internship (or staff for a student): a `draft` agreement; its company
/// supervisor is e-mailed a link to complete the host's part. Every limit is judged now and
/// refuses with its figures (gratification waits for the supervisor's part).
#[utoipa::path(tag = "internships", security(("bearer" = [])),
    request_body = InternshipBody,
    responses((status = 201, body = AgreementView), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 409, description = "`supervisor_full`, `internship_overlap`", body = Problem),
              (status = 422, description = "`validation_failed`, `invalid_siret`, `duration_exceeded`, `gratification_below_minimum`", body = Problem)))]
#[post("/internships")]
pub async fn request_internship(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: web::Json<InternshipBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let view = state
        .write(move |tx, state| {
            let details = flows::request(tx, state, &user, body)?;
            view(tx, &state.settings, details)
        })
        .await?;
    Ok(HttpResponse::Created().json(view))
}

/// An internship with its computed hours and the limits judged now: its parties and staff.
/// Staff, its academic tutor and its student also read the company supervisor's evaluation
/// (`internship.evaluation`, null until asked).
#[utoipa::path(tag = "internships", security(("bearer" = [])),
    responses((status = 200, body = AgreementView), (status = 401, body = Problem), (status = 404, body = Problem)))]
#[get("/internships/{id}")]
pub async fn get_internship(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<web::Json<AgreementView>, ApiError> {
    let id = id.into_inner();
    let settings = state.settings.clone();
    let view = state
        .db(move |conn| {
            let details = agreement_flows::visible(conn, &user, &id)?;
            if details.internship.is_none() {
                return Err(ApiError::not_found());
            }
            let evaluation = if evaluating::may_read(&details, &user) {
                evaluating::read(conn, &details.agreement.id)?
            } else {
                None
            };
            Ok(view(conn, &settings, details)?.with_evaluation(evaluation))
        })
        .await?;
    Ok(web::Json(view))
}

/// Staff change any field, name the academic tutor, allow an overlap or correct the host's
/// record; the student changes their draft. A sent internship gets a new version to sign.
#[utoipa::path(tag = "internships", security(("bearer" = [])),
    request_body = InternshipBody,
    responses((status = 200, body = AgreementView), (status = 401, body = Problem), (status = 404, body = Problem),
              (status = 409, description = "`invalid_transition`, `supervisor_full`, `internship_overlap`", body = Problem),
              (status = 422, description = "`validation_failed`, `invalid_siret`, `duration_exceeded`, `gratification_required`, `gratification_below_minimum`", body = Problem)))]
#[patch("/internships/{id}")]
pub async fn change_internship(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
    body: web::Json<InternshipBody>,
) -> Result<web::Json<AgreementView>, ApiError> {
    let (id, body) = (id.into_inner(), body.into_inner());
    let view = state
        .write(move |tx, state| {
            let details = flows::change(tx, state, &user, &id, body)?;
            view(tx, &state.settings, details)
        })
        .await?;
    Ok(web::Json(view))
}

/// The internship a company supervisor's link is for (no account: the link is the key).
#[utoipa::path(tag = "internships",
    responses((status = 200, body = AgreementView), (status = 404, description = "unknown link", body = Problem)))]
#[get("/internship-forms/{token}")]
pub async fn supervisor_form(
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<web::Json<AgreementView>, ApiError> {
    let settings = state.settings.clone();
    let view = state
        .db(move |conn| {
            let details = flows::by_supervisor_token(conn, &token)?;
            view(conn, &settings, details)
        })
        .await?;
    Ok(web::Json(view))
}

/// The company supervisor gives (or corrects) the host's part while the agreement is a draft:
/// activities, hours, gratification, leave…; the student is told.
#[utoipa::path(tag = "internships",
    request_body = InternshipBody,
    responses((status = 200, body = AgreementView), (status = 404, description = "unknown link", body = Problem),
              (status = 409, description = "`invalid_transition` (already sent), `supervisor_full`, `internship_overlap`", body = Problem),
              (status = 422, description = "`validation_failed`, `duration_exceeded`, `gratification_required`, `gratification_below_minimum`", body = Problem)))]
#[put("/internship-forms/{token}")]
pub async fn complete_internship(
    state: web::Data<AppState>,
    token: web::Path<String>,
    body: web::Json<InternshipBody>,
) -> Result<web::Json<AgreementView>, ApiError> {
    let (token, body) = (token.into_inner(), body.into_inner());
    let view = state
        .write(move |tx, state| {
            let details = flows::complete(tx, state, &token, body)?;
            view(tx, &state.settings, details)
        })
        .await?;
    Ok(web::Json(view))
}

/// Staff prepare the certificate now (it is prepared on the last day otherwise): the company
/// supervisor is e-mailed a link to confirm its figures.
#[utoipa::path(tag = "internships", security(("bearer" = [])),
    responses((status = 200, body = AgreementView), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem),
              (status = 409, description = "`not_signed`, `certificate_confirmed`", body = Problem)))]
#[post("/internships/{id}/certificate")]
pub async fn prepare_certificate(
    state: web::Data<AppState>,
    _staff: Staff,
    id: web::Path<String>,
) -> Result<web::Json<AgreementView>, ApiError> {
    let id = id.into_inner();
    let view = state
        .write(move |tx, state| {
            let details = flows::prepare_certificate(tx, state, &id)?;
            view(tx, &state.settings, details)
        })
        .await?;
    Ok(web::Json(view))
}

/// The certificate a supervisor's link is for, with its prepared figures.
#[utoipa::path(tag = "internships",
    responses((status = 200, body = AgreementView), (status = 404, description = "unknown link", body = Problem)))]
#[get("/certificate-forms/{token}")]
pub async fn certificate_form(
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<web::Json<AgreementView>, ApiError> {
    let details = state
        .db(move |conn| flows::by_certificate_token(conn, &token))
        .await?;
    Ok(web::Json(details.into()))
}

/// The supervisor confirms (or corrects) the effective presence and the gratification paid:
/// the certificate is issued and e-mailed to the student as a PDF.
#[utoipa::path(tag = "internships",
    request_body = CertificateBody,
    responses((status = 200, body = AgreementView), (status = 404, description = "unknown link", body = Problem),
              (status = 409, description = "`certificate_confirmed`", body = Problem),
              (status = 422, description = "`validation_failed`", body = Problem)))]
#[post("/certificate-forms/{token}")]
pub async fn confirm_certificate(
    state: web::Data<AppState>,
    token: web::Path<String>,
    body: web::Json<CertificateBody>,
) -> Result<web::Json<AgreementView>, ApiError> {
    let (token, body) = (token.into_inner(), body.into_inner());
    let details = state
        .write(move |tx, state| flows::confirm_certificate(tx, state, &token, body))
        .await?;
    Ok(web::Json(details.into()))
}

/// The issued certificate (attestation de stage) as PDF: its parties and staff.
#[utoipa::path(tag = "internships", security(("bearer" = [])),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>), (status = 401, body = Problem),
              (status = 404, body = Problem), (status = 409, description = "`certificate_not_issued`", body = Problem)))]
#[get("/internships/{id}/certificate.pdf")]
pub async fn certificate_pdf(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let app = state.clone().into_inner();
    let (file, bytes) = state
        .db(move |conn| {
            let details = agreement_flows::visible(conn, &user, &id)?;
            flows::certificate_pdf(&app, &details)
        })
        .await?;
    Ok(pdf_response(&file, bytes))
}

/// The internship a supervisor's evaluation link is for, with its evaluation (`internship.
/// evaluation`: the one recorded, read-only, once given).
#[utoipa::path(tag = "internships",
    responses((status = 200, body = AgreementView), (status = 404, description = "unknown or replaced link", body = Problem)))]
#[get("/internship-evaluation-forms/{token}")]
pub async fn evaluation_form(
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<web::Json<AgreementView>, ApiError> {
    let (details, row) = state
        .db(move |conn| evaluating::by_token(conn, &token))
        .await?;
    let evaluation = super::views::EvaluationView::of(&row);
    Ok(web::Json(
        AgreementView::from(details).with_evaluation(Some(evaluation)),
    ))
}

/// The company supervisor evaluates the intern, once: a mark out of 20 (quarter points), an
/// appreciation, the skills observed; the student and the academic tutor are told.
#[utoipa::path(tag = "internships",
    request_body = EvaluationBody,
    responses((status = 200, body = AgreementView), (status = 404, description = "unknown or replaced link", body = Problem),
              (status = 409, description = "`evaluation_submitted`", body = Problem),
              (status = 422, description = "`validation_failed`", body = Problem)))]
#[put("/internship-evaluation-forms/{token}")]
pub async fn submit_evaluation(
    state: web::Data<AppState>,
    token: web::Path<String>,
    body: web::Json<EvaluationBody>,
) -> Result<web::Json<AgreementView>, ApiError> {
    let (token, body) = (token.into_inner(), body.into_inner());
    let (details, row) = state
        .write(move |tx, state| evaluating::submit(tx, state, &token, body))
        .await?;
    let evaluation = super::views::EvaluationView::of(&row);
    Ok(web::Json(
        AgreementView::from(details).with_evaluation(Some(evaluation)),
    ))
}
