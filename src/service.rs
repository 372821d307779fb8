//! Service endpoints: liveness, readiness, Prometheus metrics (loopback only), and the
//! OpenAPI document assembled from every domain's paths.

use actix_web::{web, HttpRequest, HttpResponse};
use prometheus::{Encoder, IntGauge, IntGaugeVec, Opts, Registry, TextEncoder};
use serde::Serialize;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

use crate::db::Pool;
use crate::error::{ApiError, Problem};
use crate::notifications::models::{self, OutboxStats};
use crate::startup::AppState;

#[derive(Serialize, ToSchema)]
pub struct HealthView {
    pub status: &'static str,
}

/// 200 while the process runs.
#[utoipa::path(get, path = "/health/live", tag = "service", responses((status = 200, body = HealthView)))]
pub async fn live() -> web::Json<HealthView> {
    web::Json(HealthView { status: "ok" })
}

/// 200 when the database answers, else 503.
#[utoipa::path(get, path = "/health/ready", tag = "service",
    responses((status = 200, body = HealthView), (status = 503, body = Problem)))]
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

/// Process-wide gauges that are read, not counted: filled in at each scrape.
#[derive(Clone)]
pub struct Metrics {
    pub registry: Registry,
    pool_connections: IntGauge,
    pool_idle: IntGauge,
    pool_max: IntGauge,
    outbox_messages: IntGaugeVec,
    outbox_oldest_pending: IntGauge,
}

impl Metrics {
    pub fn new(registry: Registry) -> anyhow::Result<Self> {
        let gauge = |name: &str, help: &str| -> anyhow::Result<IntGauge> {
            let g = IntGauge::new(name, help)?;
            registry.register(Box::new(g.clone()))?;
            Ok(g)
        };
        let outbox_messages = IntGaugeVec::new(
            Opts::new("fieldlab_notifications", "Outbox messages by status"),
            &["status"],
        )?;
        registry.register(Box::new(outbox_messages.clone()))?;
        Ok(Self {
            outbox_messages,
            outbox_oldest_pending: gauge(
                "fieldlab_notifications_oldest_pending_seconds",
                "Age of the oldest message waiting to be sent (0 when none)",
            )?,
            pool_connections: gauge("fieldlab_db_pool_connections", "Open database connections")?,
            pool_idle: gauge(
                "fieldlab_db_pool_idle_connections",
                "Idle database connections",
            )?,
            pool_max: gauge("fieldlab_db_pool_max_connections", "Pool size limit")?,
            registry,
        })
    }

    fn observe_pool(&self, pool: &Pool) {
        let state = pool.state();
        self.pool_connections.set(i64::from(state.connections));
        self.pool_idle.set(i64::from(state.idle_connections));
        self.pool_max.set(i64::from(pool.max_size()));
    }

    fn observe_outbox(&self, stats: &OutboxStats) {
        for status in ["pending", "sent", "failed"] {
            let n = stats
                .counts
                .iter()
                .find(|(s, _)| s == status)
                .map_or(0, |(_, n)| *n);
            self.outbox_messages.with_label_values(&[status]).set(n);
        }
        let age = stats
            .oldest_pending
            .map_or(0, |at| (crate::db::now() - at).num_seconds().max(0));
        self.outbox_oldest_pending.set(age);
    }
}

/// Prometheus text format; answered only to loopback clients (a scraper on the host), as if
/// it did not exist for anyone else.
#[utoipa::path(get, path = "/metrics", tag = "service",
    responses((status = 200, content_type = "text/plain", body = String), (status = 404, body = Problem)))]
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

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "fieldlab",
        description = "The back office of an engineering school's incubator, labs and field missions. \
                       Errors are `application/problem+json` with a stable `code`; lists are \
                       `{items, next_cursor}` paged with `?limit=` and `?cursor=`."
    ),
    paths(live, ready, metrics),
    components(schemas(Problem, crate::error::FieldError)),
    modifiers(&BearerAuth),
    tags(
        (name = "accounts", description = "Users, roles, sign-in"),
        (name = "notifications", description = "The e-mail outbox"),
        (name = "service", description = "Health, metrics, documentation")
    )
)]
struct ServiceDoc;

/// The whole API description, merged from each domain's paths.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = ServiceDoc::openapi();
    doc.merge(crate::auth::ApiDoc::openapi());
    doc.merge(crate::notifications::ApiDoc::openapi());
    doc.merge(crate::tutors::ApiDoc::openapi());
    doc.merge(crate::incubator::ApiDoc::openapi());
    doc.merge(crate::labs::ApiDoc::openapi());
    doc.merge(crate::missions::ApiDoc::openapi());
    doc
}
