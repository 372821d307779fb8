//! Constraints, the allocation (run, read, export) and its publication.

use actix_web::{delete, get, post};
use actix_web::{web, HttpResponse};

use crate::allocation::Objective;
use crate::app::AppState;
use crate::auth::Staff;
use crate::error::{ApiError, FieldError, Problem};
use crate::missions::domain::ConstraintKind;
use crate::missions::models::{self};
use crate::missions::views::*;
use crate::missions::{export, publication};
use crate::paging::Page;

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
    let (file, csv) = state
        .db(move |conn| export::allocation_csv(conn, &campaign_id))
        .await?;
    Ok(crate::spreadsheet::download(&file, csv))
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
