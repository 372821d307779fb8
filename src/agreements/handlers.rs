//! The agreements' endpoints: parse → `flows` → view.

use actix_web::{delete, get, patch, post, put, web, HttpRequest, HttpResponse};

use crate::agreements::flows::{self, Change, NewAgreement, SignRequest};
use crate::agreements::models::Filter;
use crate::agreements::views::*;
use crate::app::AppState;
use crate::auth::{CurrentUser, Staff};
use crate::dates::parse_date;
use crate::error::{ApiError, FieldError, Problem};
use crate::paging::{Page, PageParams};

/// A date field: absent or blank is `None`; anything else must be `YYYY-MM-DD`.
fn date_field(
    value: Option<&str>,
    field: &str,
    errors: &mut Vec<FieldError>,
) -> Option<chrono::NaiveDate> {
    let value = crate::text::not_blank(value)?;
    let day = parse_date(value);
    if day.is_none() {
        errors.push(FieldError::new(field, "must be a date (YYYY-MM-DD)"));
    }
    day
}

fn filter(query: &AgreementQuery) -> Result<Filter, ApiError> {
    use crate::agreements::domain::{Kind, Status};
    let mut errors = Vec::new();
    let kind = crate::text::not_blank(query.kind.as_deref());
    if kind.is_some_and(|k| Kind::parse(k).is_none()) {
        errors.push(FieldError::new(
            "kind",
            "must be `field_mission`, `internship` or `research`",
        ));
    }
    let status = crate::text::not_blank(query.status.as_deref());
    if status.is_some_and(|s| Status::parse(s).is_none()) {
        errors.push(FieldError::new(
            "status",
            "must be `draft`, `sent`, `signed` or `cancelled`",
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    Ok(Filter {
        kind: kind.map(str::to_owned),
        status: status.map(str::to_owned),
        campaign_id: crate::text::not_blank(query.campaign_id.as_deref()).map(str::to_owned),
        party: None,
    })
}

/// The agreements: staff all, anyone else those they are a party to; filtered by kind,
/// status and campaign, in creation order.
#[utoipa::path(tag = "agreements", security(("bearer" = [])),
    params(AgreementQuery),
    responses((status = 200, body = Page<AgreementView>), (status = 401, body = Problem),
              (status = 422, description = "`validation_failed`: unknown kind or status", body = Problem)))]
#[get("/agreements")]
pub async fn list_agreements(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<AgreementQuery>,
) -> Result<web::Json<Page<AgreementView>>, ApiError> {
    let query = query.into_inner();
    let filter = filter(&query)?;
    let params = PageParams {
        limit: query.limit,
        cursor: query.cursor,
    };
    let load = move |conn: &mut crate::db::DbConnection, page: &crate::paging::PageRequest| {
        flows::list(conn, &user, filter, page)
    };
    state
        .page(&params, load, |d| &d.agreement.id, AgreementView::from)
        .await
}

/// The register as CSV for a French spreadsheet (staff): reference, kind, status, parties,
/// dates, when it was sent and when each party signed. Same filters as the list.
#[utoipa::path(tag = "agreements", security(("bearer" = [])),
    params(AgreementQuery),
    responses((status = 200, content_type = "text/csv", body = String), (status = 401, body = Problem),
              (status = 403, body = Problem)))]
#[get("/agreements.csv")]
pub async fn register_csv(
    state: web::Data<AppState>,
    _staff: Staff,
    query: web::Query<AgreementQuery>,
) -> Result<HttpResponse, ApiError> {
    let filter = filter(&query)?;
    let (file, csv) = state
        .db(move |conn| flows::register_csv(conn, &filter))
        .await?;
    Ok(crate::spreadsheet::download(&file, csv))
}

/// The agreement's PDF: a draft as it would be sent, a sent version as frozen (its SHA-256 is
/// the agreement's `document_sha256`), a signed one with its signature page. Parties and staff.
#[utoipa::path(tag = "agreements", security(("bearer" = [])),
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>), (status = 401, body = Problem),
              (status = 404, body = Problem)))]
#[get("/agreements/{id}.pdf")]
pub async fn agreement_pdf(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let app = state.clone().into_inner();
    let (file, bytes) = state
        .db(move |conn| {
            let details = flows::visible(conn, &user, &id)?;
            flows::pdf(conn, &app, &details)
        })
        .await?;
    Ok(pdf_response(&file, bytes))
}

pub fn pdf_response(file: &str, bytes: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((
            "Content-Disposition",
            format!("inline; filename=\"{file}\""),
        ))
        .body(bytes)
}

/// One agreement: staff, or a party to it. Else 404.
#[utoipa::path(tag = "agreements", security(("bearer" = [])),
    responses((status = 200, body = AgreementView), (status = 401, body = Problem), (status = 404, body = Problem)))]
#[get("/agreements/{id}")]
pub async fn get_agreement(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<web::Json<AgreementView>, ApiError> {
    let id = id.into_inner();
    let details = state
        .db(move |conn| flows::visible(conn, &user, &id))
        .await?;
    Ok(web::Json(details.into()))
}

/// A new internship or research agreement (staff), in `draft`. Field-mission agreements are
/// made when their campaign is published.
#[utoipa::path(tag = "agreements", security(("bearer" = [])),
    request_body = NewAgreementBody,
    responses((status = 201, body = AgreementView), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 422, description = "`validation_failed`", body = Problem)))]
#[post("/agreements")]
pub async fn create_agreement(
    state: web::Data<AppState>,
    _staff: Staff,
    body: web::Json<NewAgreementBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let mut errors = Vec::new();
    let new = NewAgreement {
        starts_on: date_field(body.starts_on.as_deref(), "starts_on", &mut errors),
        ends_on: date_field(body.ends_on.as_deref(), "ends_on", &mut errors),
        kind: body.kind,
        company_id: body.company_id,
        student_id: body.student_id,
        tutor_id: body.tutor_id,
        subject: body.subject,
        description: body.description,
        place: body.place,
        supervisor: body.supervisor,
        locale: body.locale,
    };
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let details = state.write(move |tx, _| flows::create(tx, new)).await?;
    Ok(HttpResponse::Created().json(AgreementView::from(details)))
}

/// Change an agreement (staff, while `draft` or `sent`). A sent one gets a new version: its
/// signatures are void and every party is asked to sign the new PDF.
#[utoipa::path(tag = "agreements", security(("bearer" = [])),
    request_body = ChangeAgreementBody,
    responses((status = 200, body = AgreementView), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem),
              (status = 409, description = "`invalid_transition`: signed or cancelled", body = Problem),
              (status = 422, description = "`validation_failed`", body = Problem)))]
#[patch("/agreements/{id}")]
pub async fn change_agreement(
    state: web::Data<AppState>,
    _staff: Staff,
    id: web::Path<String>,
    body: web::Json<ChangeAgreementBody>,
) -> Result<web::Json<AgreementView>, ApiError> {
    let body = body.into_inner();
    let mut errors = Vec::new();
    let change = Change {
        starts_on: date_field(body.starts_on.as_deref(), "starts_on", &mut errors),
        ends_on: date_field(body.ends_on.as_deref(), "ends_on", &mut errors),
        subject: body.subject,
        description: body.description,
        place: body.place,
        supervisor: body.supervisor,
        locale: body.locale,
        reason: body.reason,
    };
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let id = id.into_inner();
    let details = state
        .write(move |tx, state| flows::change(tx, state, &id, change))
        .await?;
    Ok(web::Json(details.into()))
}

/// Send the agreement (staff, while `draft`): its PDF is frozen (SHA-256 stored) and each
/// signatory is e-mailed a link to sign it; reminders follow every `agreements.reminder_days`.
#[utoipa::path(tag = "agreements", security(("bearer" = [])),
    responses((status = 200, body = AgreementView), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem),
              (status = 409, description = "`invalid_transition`: not a draft; `party_missing`: a party has no account", body = Problem)))]
#[post("/agreements/{id}/send")]
pub async fn send_agreement(
    state: web::Data<AppState>,
    staff: Staff,
    id: web::Path<String>,
) -> Result<web::Json<AgreementView>, ApiError> {
    let id = id.into_inner();
    let details = state
        .write(move |tx, state| flows::send(tx, state, &staff.0.id, &id))
        .await?;
    Ok(web::Json(details.into()))
}

/// Send every `draft` agreement of a campaign (staff). Drafts that cannot be sent (a company
/// without its contact) are listed in `skipped` with why; the others are sent.
#[utoipa::path(tag = "agreements", security(("bearer" = [])),
    responses((status = 200, body = CampaignSendView), (status = 401, body = Problem), (status = 403, body = Problem)))]
#[post("/campaigns/{id}/agreements/send")]
pub async fn send_campaign_agreements(
    state: web::Data<AppState>,
    staff: Staff,
    id: web::Path<String>,
) -> Result<web::Json<CampaignSendView>, ApiError> {
    let id = id.into_inner();
    let app = state.clone().into_inner();
    let outcome = web::block(move || flows::send_campaign(&app, &staff.0.id, &id)).await??;
    Ok(web::Json(outcome.into()))
}

impl From<flows::CampaignSend> for CampaignSendView {
    fn from(outcome: flows::CampaignSend) -> Self {
        Self {
            sent: outcome.sent,
            skipped: outcome
                .skipped
                .into_iter()
                .map(|(agreement_id, e)| SkippedView {
                    agreement_id,
                    code: e.code().to_owned(),
                    detail: e.to_string(),
                })
                .collect(),
        }
    }
}

/// Send every internship draft that is ready (staff): the supervisor's part given, the
/// academic tutor named, no legal limit passed. The others are listed in `skipped` with why
/// (`internship_incomplete`, a limit's code); the ready ones are rendered on every core and
/// sent in one transaction, one e-mail per signatory.
#[utoipa::path(tag = "internships", security(("bearer" = [])),
    responses((status = 200, body = CampaignSendView), (status = 401, body = Problem), (status = 403, body = Problem)))]
#[post("/internships/send")]
pub async fn send_ready_internships(
    state: web::Data<AppState>,
    staff: Staff,
) -> Result<web::Json<CampaignSendView>, ApiError> {
    let app = state.clone().into_inner();
    let outcome = web::block(move || flows::send_ready_internships(&app, &staff.0.id)).await??;
    Ok(web::Json(outcome.into()))
}

/// The client's address (behind a trusted proxy, the one it reports) and software, as a
/// signature records them.
pub fn client_of(req: &HttpRequest) -> (Option<String>, Option<String>) {
    let ip = Some(crate::client::ClientAddress::of(req).to_string());
    let agent = req
        .headers()
        .get(actix_web::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|s| s.chars().take(500).collect());
    (ip, agent)
}

/// Sign the current version (a signatory, while `sent`), with `consent: true`. Signing again
/// changes nothing; the last signature makes the agreement `signed` and e-mails everyone the
/// final PDF. Someone who is not a signatory: 404.
#[utoipa::path(tag = "agreements", security(("bearer" = [])),
    request_body = SignBody,
    responses((status = 200, body = AgreementView), (status = 401, body = Problem), (status = 404, body = Problem),
              (status = 409, description = "`invalid_transition`: not sent; `agreement_changed`: the version read was replaced", body = Problem),
              (status = 422, description = "`consent_required`: `consent` is not true", body = Problem)))]
#[post("/agreements/{id}/sign")]
pub async fn sign_agreement(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
    req: HttpRequest,
    body: web::Json<SignBody>,
) -> Result<web::Json<AgreementView>, ApiError> {
    let id = id.into_inner();
    let (ip, user_agent) = client_of(&req);
    let request = SignRequest {
        consent: body.consent,
        version: body.version,
        ip,
        user_agent,
        ..SignRequest::default()
    };
    let request = flows::ready_to_sign(&state, &user, &id, request).await;
    let details = state
        .write(move |tx, state| flows::sign(tx, state, &user, &id, request))
        .await?;
    Ok(web::Json(details.into()))
}

/// Withdraw a sent agreement for correction (staff): the reason is required and e-mailed to
/// every signatory; its signatures are void and it is a draft again, sent next as a new
/// version whose e-mails say why.
#[utoipa::path(tag = "agreements", security(("bearer" = [])),
    request_body = WithdrawBody,
    responses((status = 200, body = AgreementView), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem),
              (status = 409, description = "`invalid_transition`: not sent", body = Problem),
              (status = 422, description = "`reason_required`", body = Problem)))]
#[post("/agreements/{id}/withdraw")]
pub async fn withdraw_agreement(
    state: web::Data<AppState>,
    _staff: Staff,
    id: web::Path<String>,
    body: web::Json<WithdrawBody>,
) -> Result<web::Json<AgreementView>, ApiError> {
    let id = id.into_inner();
    let reason = body.into_inner().reason;
    let details = state
        .write(move |tx, state| flows::withdraw(tx, state, &id, reason.as_deref()))
        .await?;
    Ok(web::Json(details.into()))
}

/// Cancel a draft or sent agreement (staff), with an optional reason.
#[utoipa::path(tag = "agreements", security(("bearer" = [])),
    request_body = CancelBody,
    responses((status = 200, body = AgreementView), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem),
              (status = 409, description = "`invalid_transition`: signed or cancelled", body = Problem)))]
#[post("/agreements/{id}/cancel")]
pub async fn cancel_agreement(
    state: web::Data<AppState>,
    _staff: Staff,
    id: web::Path<String>,
    body: Option<web::Json<CancelBody>>,
) -> Result<web::Json<AgreementView>, ApiError> {
    let id = id.into_inner();
    let reason = body.and_then(|b| b.into_inner().reason);
    let details = state
        .write(move |tx, state| flows::cancel(tx, state, &id, reason))
        .await?;
    Ok(web::Json(details.into()))
}

/// A kind and language's clauses: staff's text, or the shipped one.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ClauseTemplateView {
    /// `field_mission`, `internship` or `research`.
    pub kind: String,
    /// `fr` or `en`.
    pub locale: String,
    /// A minijinja template: `{{ company }}`, `{% if … %}`, the filter `de` (« d’Ateliers »);
    /// blank lines part paragraphs, `# ` starts a heading.
    pub body: String,
    /// Staff changed it (else the shipped text or the configured file).
    pub edited: bool,
}

#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
pub struct ClauseTemplateBody {
    pub body: String,
}

/// The clauses of each kind and language (staff).
#[utoipa::path(tag = "agreements", security(("bearer" = [])),
    responses((status = 200, body = Vec<ClauseTemplateView>), (status = 401, body = Problem), (status = 403, body = Problem)))]
#[get("/clause-templates")]
pub async fn clause_templates(
    state: web::Data<AppState>,
    _staff: Staff,
) -> Result<web::Json<serde_json::Value>, ApiError> {
    let settings = state.settings.clone();
    let items: Vec<ClauseTemplateView> = state
        .db(move |conn| crate::agreements::templates::list(conn, &settings))
        .await?
        .into_iter()
        .map(|t| ClauseTemplateView {
            kind: t.kind.as_str().to_owned(),
            locale: t.locale.as_str().to_owned(),
            body: t.body,
            edited: t.edited,
        })
        .collect();
    Ok(web::Json(serde_json::json!({ "items": items })))
}

/// Staff's text for a kind and language, checked by rendering a sample agreement (422
/// `invalid_template` naming what is wrong). Versions sent from now on use it; those already
/// sent keep the text they were frozen with.
#[utoipa::path(tag = "agreements", security(("bearer" = [])),
    request_body = ClauseTemplateBody,
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 422, description = "`invalid_template`", body = Problem)))]
#[put("/clause-templates/{kind}/{locale}")]
pub async fn save_clause_template(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<(String, String)>,
    body: web::Json<ClauseTemplateBody>,
) -> Result<HttpResponse, ApiError> {
    let (kind, locale) = path.into_inner();
    let by = staff.0.id.clone();
    state
        .write(move |tx, state| {
            crate::agreements::templates::save(tx, &state.settings, &by, &kind, &locale, &body.body)
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Back to the shipped text (staff).
#[utoipa::path(tag = "agreements", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
#[delete("/clause-templates/{kind}/{locale}")]
pub async fn reset_clause_template(
    state: web::Data<AppState>,
    _staff: Staff,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (kind, locale) = path.into_inner();
    state
        .write(move |tx, _| crate::agreements::templates::reset(tx, &kind, &locale))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A sample agreement rendered with a text, before saving it (staff).
#[utoipa::path(tag = "agreements", security(("bearer" = [])),
    request_body = ClauseTemplateBody,
    responses((status = 200, content_type = "application/pdf", body = Vec<u8>), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 422, description = "`invalid_template`", body = Problem)))]
#[post("/clause-templates/{kind}/{locale}/preview")]
pub async fn preview_clause_template(
    state: web::Data<AppState>,
    _staff: Staff,
    path: web::Path<(String, String)>,
    body: web::Json<ClauseTemplateBody>,
) -> Result<HttpResponse, ApiError> {
    let (kind, locale) = path.into_inner();
    let settings = state.settings.clone();
    let pdf = web::block(move || {
        crate::agreements::templates::preview(&settings, &kind, &locale, &body.body)
    })
    .await??;
    Ok(pdf_response("apercu.pdf", pdf))
}

/// A validator approves or refuses a step of a draft: `pedagogical` (its academic tutor, or
/// staff), `administrative` (staff; sending also gives it). Steps go in the configured order
/// (`agreements.validation`); a refusal needs its reason (422 `reason_required`), e-mailed to
/// the requester, and waits for their correction and resubmission.
#[utoipa::path(tag = "agreements", security(("bearer" = [])),
    request_body = ValidationBody,
    responses((status = 200, body = AgreementView), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem),
              (status = 409, description = "`invalid_transition`, `awaiting_correction`, `validation_out_of_order`", body = Problem),
              (status = 422, description = "`reason_required`, `validation_failed`", body = Problem)))]
#[post("/agreements/{id}/validations")]
pub async fn validate_agreement(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
    body: web::Json<ValidationBody>,
) -> Result<web::Json<AgreementView>, ApiError> {
    let (id, body) = (id.into_inner(), body.into_inner());
    let details = state
        .write(move |tx, state| {
            crate::agreements::validating::decide(
                tx,
                state,
                &user,
                &id,
                &body.step,
                &body.decision,
                body.reason.as_deref(),
            )
        })
        .await?;
    Ok(web::Json(details.into()))
}

/// After correcting a refused draft, its requester (or staff) asks for validation again.
#[utoipa::path(tag = "agreements", security(("bearer" = [])),
    responses((status = 200, body = AgreementView), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem), (status = 409, description = "`not_refused`", body = Problem)))]
#[post("/agreements/{id}/resubmit")]
pub async fn resubmit_agreement(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<web::Json<AgreementView>, ApiError> {
    let id = id.into_inner();
    let details = state
        .write(move |tx, state| crate::agreements::validating::resubmit(tx, state, &user, &id))
        .await?;
    Ok(web::Json(details.into()))
}

#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SignedCopyQuery {
    /// The attestation (with an `application/pdf` body): who signed, where the originals are.
    pub note: Option<String>,
}

/// Signed outside fieldlab (staff): the signed scan as the body (`application/pdf`, the note
/// in `?note=`) or as the file of a `multipart/form-data` form with a `note` field. The scan
/// becomes the agreement's document and the agreement is `signed`, with who attested it.
#[utoipa::path(tag = "agreements", security(("bearer" = [])),
    params(SignedCopyQuery),
    request_body(content = Vec<u8>, content_type = "application/pdf"),
    responses((status = 200, body = AgreementView), (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 409, description = "`invalid_transition`: signed or cancelled", body = Problem),
              (status = 422, description = "`not_a_pdf`, `validation_failed` (the note)", body = Problem)))]
#[post("/agreements/{id}/signed-copy")]
pub async fn signed_copy(
    state: web::Data<AppState>,
    staff: Staff,
    id: web::Path<String>,
    query: web::Query<SignedCopyQuery>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<web::Json<AgreementView>, ApiError> {
    let (pdf, note) = signed_copy_of(&req, body, query.into_inner().note).await?;
    let id = id.into_inner();
    let details = state
        .write(move |tx, _| flows::record_signed_copy(tx, &staff.0.id, &id, &pdf, &note))
        .await?;
    Ok(web::Json(details.into()))
}

/// The scan and the note of a signed copy: a PDF body, or a form's file and `note` field.
pub async fn signed_copy_of(
    req: &HttpRequest,
    body: web::Bytes,
    note: Option<String>,
) -> Result<(web::Bytes, String), ApiError> {
    let is_pdf = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/pdf"));
    if is_pdf {
        return Ok((body, note.unwrap_or_default()));
    }
    let upload = crate::upload::form(req, body).await?;
    let note = upload
        .fields
        .iter()
        .find(|(k, _)| k == "note")
        .map(|(_, v)| v.clone())
        .or(note)
        .unwrap_or_default();
    Ok((upload.one_file()?, note))
}

/// The office's figures (staff): agreements per month and kind, days from request to
/// signature (median, 90th percentile), who is slowest to sign, the companies with the most
/// agreements, internship hours and planned gratification per academic year.
#[utoipa::path(tag = "agreements", security(("bearer" = [])),
    responses((status = 200, body = crate::agreements::statistics::Figures), (status = 401, body = Problem),
              (status = 403, body = Problem)))]
#[get("/agreements/statistics")]
pub async fn agreement_statistics(
    state: web::Data<AppState>,
    _staff: Staff,
) -> Result<web::Json<crate::agreements::statistics::Figures>, ApiError> {
    let figures = state
        .db(|conn| {
            let (rows, signed, hours) = crate::agreements::models::statistics_rows(conn)?;
            Ok(crate::agreements::statistics::figures(
                &rows, &signed, &hours,
            ))
        })
        .await?;
    Ok(web::Json(figures))
}

/// A staff signatory delegates their signature to another staff account for a period (their
/// absence): the delegate signs in their place, each signature naming them; told by e-mail.
#[utoipa::path(tag = "agreements", security(("bearer" = [])),
    request_body = DelegationBody,
    responses((status = 201, body = DelegationView), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 422, description = "`validation_failed`: not a staff account, oneself, the period", body = Problem)))]
#[post("/delegations")]
pub async fn create_delegation(
    state: web::Data<AppState>,
    staff: Staff,
    body: web::Json<DelegationBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let mut errors = Vec::new();
    let starts_on = date_field(body.starts_on.as_deref(), "starts_on", &mut errors);
    let ends_on = date_field(body.ends_on.as_deref(), "ends_on", &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let named = state
        .write(move |tx, state| {
            crate::agreements::delegations::create(
                tx,
                state,
                &staff.0,
                &body.to_email,
                starts_on,
                ends_on,
            )
        })
        .await?;
    Ok(HttpResponse::Created().json(DelegationView::from(&named)))
}

/// The delegations the caller gave or received, the latest first.
#[utoipa::path(tag = "agreements", security(("bearer" = [])),
    responses((status = 200, body = Vec<DelegationView>), (status = 401, body = Problem), (status = 403, body = Problem)))]
#[get("/delegations")]
pub async fn list_delegations(
    state: web::Data<AppState>,
    staff: Staff,
) -> Result<web::Json<serde_json::Value>, ApiError> {
    let list = state
        .db(move |conn| crate::agreements::delegations::of(conn, &staff.0.id))
        .await?;
    let items: Vec<DelegationView> = list.iter().map(DelegationView::from).collect();
    Ok(web::Json(serde_json::json!({ "items": items })))
}

/// Revokes a delegation (staff): it stops now.
#[utoipa::path(tag = "agreements", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
#[post("/delegations/{id}/revoke")]
pub async fn revoke_delegation(
    state: web::Data<AppState>,
    staff: Staff,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    state
        .write(move |tx, _| crate::agreements::delegations::revoke(tx, &staff.0, &id))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
