//! Service endpoints: liveness, readiness, Prometheus metrics (a token, or this machine only).

use actix_web::get;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use prometheus::{Encoder, TextEncoder};
use serde::Serialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::app::AppState;
use crate::client::ClientAddress;
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

/// Prometheus text format, for the scraper only, as if it did not exist for anyone else: with
/// `service.metrics_token`, whoever sends it as a bearer token; without, a caller on this
/// machine whose request no proxy relayed (from a trusted proxy, or with a forwarding header,
/// it came from elsewhere: behind nginx on the same host every client would be "loopback").
#[utoipa::path(tag = "service",
    responses((status = 200, content_type = "text/plain", body = String), (status = 404, body = Problem)))]
#[get("/metrics")]
pub async fn metrics(
    req: HttpRequest,
    client: ClientAddress,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    if !may_scrape(&req, client, &state.settings.service.metrics_token) {
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

/// Whether this request may read `/metrics` (see [`metrics`]).
fn may_scrape(req: &HttpRequest, client: ClientAddress, token: &str) -> bool {
    if !token.is_empty() {
        let sent = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        // Digests compared, so the comparison's time says nothing of the token.
        return Sha256::digest(sent.trim().as_bytes()) == Sha256::digest(token.as_bytes());
    }
    let relayed = ["x-forwarded-for", "forwarded", "x-real-ip"]
        .iter()
        .any(|h| req.headers().contains_key(*h));
    let peer_is_local = req.peer_addr().is_some_and(|a| a.ip().is_loopback());
    peer_is_local && !client.proxied && !relayed
}
