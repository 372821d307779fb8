//! Service endpoints: liveness, readiness, Prometheus metrics (loopback only).

use actix_web::get;
use actix_web::{web, HttpRequest, HttpResponse};
use prometheus::{Encoder, TextEncoder};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::app::AppState;
use crate::error::{ApiError, Problem};
use crate::mail::models;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(live).service(ready).service(metrics);
}

#[derive(Serialize, ToSchema)]
pub struct HealthView {
    pub status: &'static str,
}

/// 200 while the process runs.
#[utoipa::path(tag = "service", responses((status = 200, body = HealthView)))]
#[get("/health/live")]
pub async fn live() -> web::Json<HealthView> {
    web::Json(HealthView { status: "ok" })
}

/// 200 when the database answers, else 503.
#[utoipa::path(tag = "service",
    responses((status = 200, body = HealthView), (status = 503, body = Problem)))]
#[get("/health/ready")]
pub async fn ready(state: web::Data<AppState>) -> Result<web::Json<HealthView>, ApiError> {
    state
        .db(|conn| {
            use diesel::connection::SimpleConnection;
            conn.batch_execute("SELECT 1")
                .map_err(|_| ApiError::unavailable("The database does not answer."))
        })
        .await?;
    Ok(web::Json(HealthView { status: "ok" }))
}

/// Prometheus text format; answered only to loopback clients (a scraper on the host), as if
/// it did not exist for anyone else.
#[utoipa::path(tag = "service",
    responses((status = 200, content_type = "text/plain", body = String), (status = 404, body = Problem)))]
#[get("/metrics")]
pub async fn metrics(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    if !req.peer_addr().is_some_and(|a| a.ip().is_loopback()) {
        return Err(ApiError::not_found());
    }
    state.metrics.observe_pool(&state.pool);
    let outbox = state.db(|conn| Ok(models::stats(conn)?)).await?;
    state.metrics.observe_outbox(&outbox);
    let mut buffer = Vec::new();
    TextEncoder::new()
        .encode(&state.metrics.registry.gather(), &mut buffer)
        .map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(buffer))
}
