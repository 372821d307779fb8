//! Builds the server: database pool and migrations, the e-mail worker, the shared state, the
//! middleware, and the route table (`routes`) with its OpenAPI document (`openapi`).

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_cors::Cors;
use actix_web::dev::Server;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::{from_fn, Condition, ErrorHandlers, NormalizePath, TrailingSlash};
use actix_web::{web, App, HttpMessage, HttpResponse, HttpServer};
use actix_web_prom::PrometheusMetricsBuilder;
use anyhow::Context;
use tracing_actix_web::{RequestId, TracingLogger};
use utoipa_swagger_ui::SwaggerUi;

use crate::app::{AppState, Metrics};
use crate::auth::password;
use crate::auth::throttle::Throttles;
use crate::client::TrustedProxies;
use crate::config::Settings;
use crate::db::{self, DatabaseUrl, Pool};
use crate::error;
use crate::guard;
use crate::mail::domain::Locale;
use crate::mail::mailer::Mailer;
use crate::mail::outbox::Outbox;
use crate::mail::worker::Worker;
use crate::mail::Vocabulary;
use crate::telemetry::RequestSpan;
use crate::tutors::domain::Domain;

/// Opens the database named in the settings and applies pending migrations.
pub fn open_database(settings: &Settings) -> anyhow::Result<Pool> {
    let url = DatabaseUrl::parse(&settings.database.url)?;
    let pool = db::connect(
        &url,
        settings.database.pool_size,
        Duration::from_secs(settings.database.pool_timeout_seconds),
    )?;
    let mut conn = pool
        .get()
        .context("no database connection for migrations")?;
    let applied = db::run_migrations(&mut conn)?;
    if !applied.is_empty() {
        tracing::info!(count = applied.len(), database = %url.redacted(), "migrations applied");
    }
    Ok(pool)
}

pub struct Application {
    port: u16,
    server: Server,
    worker: tokio::task::JoinHandle<()>,
    jobs: tokio::task::JoinHandle<()>,
}

impl Application {
    /// Binds the listener (port 0 picks a free one) and prepares the server without running it.
    pub fn build(settings: Settings) -> anyhow::Result<Self> {
        // Who signs each kind: a mistyped party stops the start, not a signature later.
        let s = &settings.agreements.signers;
        crate::agreements::domain::Signers::parse([&s.field_mission, &s.internship, &s.research])
            .map_err(|e| anyhow::anyhow!("invalid agreements.signers: {e}"))?;
        let pool = open_database(&settings)?;
        let trusted = TrustedProxies::parse(
            &settings.server.trusted_proxies,
            &settings.server.client_address_header,
        )?;
        let address = (settings.server.host.as_str(), settings.server.port);
        let listener = TcpListener::bind(address).with_context(|| {
            format!(
                "cannot listen on {}:{}",
                settings.server.host, settings.server.port
            )
        })?;
        let port = listener.local_addr()?.port();
        let mailer = Mailer::new(&settings.mail)?;
        let locale = Locale::parse(&settings.mail.locale).ok_or_else(|| {
            anyhow::anyhow!(
                "mail.locale must be `fr` or `en`, not `{}`",
                settings.mail.locale
            )
        })?;
        let outbox = Arc::new(Outbox::new(locale, mailer.domain(), vocabulary(&settings)));
        let worker = Worker::new(
            pool.clone(),
            Arc::new(mailer),
            outbox.wake_handle(),
            &settings.mail,
        )
        .spawn();
        let poll = Duration::from_secs(settings.jobs.poll_seconds.max(1));
        // A database that never had the clean-up gets it; one that has it keeps its own.
        crate::jobs::cleanup::schedule_first(
            &mut *pool.get()?,
            settings.jobs.cleanup_interval_minutes,
        )
        .context("cannot schedule the clean-up")?;
        let state = web::Data::new(AppState {
            metrics: Metrics::new(prometheus::Registry::new())?,
            pool,
            settings: Arc::new(settings.clone()),
            outbox,
        });
        let jobs = crate::jobs::spawn(state.clone().into_inner(), job_handlers(), poll);
        let server = run(listener, state, web::Data::new(trusted), settings)?;
        Ok(Self {
            port,
            server,
            worker,
            jobs,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops the server from elsewhere (tests stop theirs when they end).
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Serves until SIGINT/SIGTERM, then lets in-flight requests finish.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let result = self.server.await;
        // Messages claimed but not yet recorded are re-sent after their lease, never lost.
        self.worker.abort();
        // A job is done in the transaction that takes it: one cut short is simply not done.
        self.jobs.abort();
        result
    }
}

/// What e-mails name the same way everywhere: the school (`mail.organisation`) and the domains.
pub fn vocabulary(settings: &Settings) -> Vocabulary {
    Vocabulary::new(&settings.mail.organisation)
        .with_domains(Domain::ALL.map(|d| (d.as_str(), d.label(true), d.label(false))))
}

/// Each domain's scheduled work, by job kind.
pub fn job_handlers() -> crate::jobs::Handlers {
    let handlers = crate::jobs::Handlers::default();
    let handlers = crate::jobs::cleanup::jobs(handlers);
    crate::missions::jobs(crate::agreements::jobs(handlers))
}

fn run(
    listener: TcpListener,
    state: web::Data<AppState>,
    trusted: web::Data<TrustedProxies>,
    settings: Settings,
) -> anyhow::Result<Server> {
    let registry = state.metrics.registry.clone();
    let http_metrics = PrometheusMetricsBuilder::new("fieldlab")
        .registry(registry.clone())
        .mask_unmatched_patterns("UNKNOWN")
        // Swagger UI's files are not worth counting.
        .exclude_regex("^/docs")
        .build()
        .map_err(|e| anyhow::anyhow!("metrics set-up failed: {e}"))?;
    let throttles = web::Data::new(Throttles::new(&settings.auth));
    password::limit_concurrency(
        settings.auth.hash_concurrency,
        Duration::from_secs(settings.auth.hash_wait_seconds),
    );
    password::prepare();
    let openapi = crate::openapi::document();
    let known_paths = web::Data::new(guard::KnownPaths::from_openapi(&openapi));
    let max_body = settings.server.max_body_bytes;
    // No CORS middleware at all without listed origins: it would refuse the `Origin` header
    // that browsers send with same-site form posts.
    let cors_enabled = !settings.server.cors_origins.is_empty();
    let mut cors_origins = settings.server.cors_origins.clone();
    cors_origins.push(settings.server.public_url.trim_end_matches('/').to_owned());
    let mut server = HttpServer::new(move || {
        App::new()
            .wrap(from_fn(guard::refuse_nul))
            .wrap(ErrorHandlers::new().default_handler(error::problem_for_framework_errors))
            .wrap(http_metrics.clone())
            .wrap_fn(|req, srv| {
                use actix_web::dev::Service;
                let request_id = req.extensions().get::<RequestId>().map(ToString::to_string);
                let response = srv.call(req);
                async move {
                    let mut response = response.await?;
                    if let Some(id) = request_id.and_then(|id| HeaderValue::from_str(&id).ok()) {
                        response
                            .headers_mut()
                            .insert(HeaderName::from_static("x-request-id"), id);
                    }
                    Ok(response)
                }
            })
            .wrap(Condition::new(cors_enabled, cors(&cors_origins)))
            .wrap(from_fn(crate::web::session::redirects_are_not_errors))
            .wrap(TracingLogger::<RequestSpan>::new())
            .wrap(NormalizePath::new(TrailingSlash::MergeOnly))
            // Outermost: every answer, errors and redirects included, gets the headers.
            .wrap(from_fn(crate::headers::middleware))
            .app_data(state.clone())
            .app_data(trusted.clone())
            .app_data(throttles.clone())
            .app_data(known_paths.clone())
            .app_data(guard::BodyLimit(max_body))
            .app_data(
                web::JsonConfig::default()
                    .limit(max_body)
                    .error_handler(|err, _| error::json_error(err).into()),
            )
            .app_data(web::PayloadConfig::new(max_body))
            .app_data(
                web::QueryConfig::default().error_handler(|err, _| error::query_error(err).into()),
            )
            .app_data(
                web::PathConfig::default().error_handler(|err, _| error::path_error(err).into()),
            )
            // Before the API's scope, which answers every other `/api/v1/...` path itself.
            .route(
                "/docs",
                web::get().to(|| async {
                    HttpResponse::Found()
                        .insert_header(("Location", "/docs/"))
                        .finish()
                }),
            )
            // A tail segment (`{tail}*`), not a regex one (`{_:.*}`): actix-web-prom turns each
            // route pattern back into a label with strfmt, which reads `{_:.*}` as a format
            // spec, fails, and logs a WARN on every asset (even excluded from the metrics).
            .service(
                SwaggerUi::new("/docs/{tail}*")
                    .url("/api/v1/openapi.json", openapi.clone())
                    // No badge from validator.swagger.io: the docs fetch nothing from elsewhere.
                    .config(utoipa_swagger_ui::Config::default().validator_url("none")),
            )
            .configure(crate::routes::all)
            .default_service(web::to(guard::unmatched))
    })
    .shutdown_timeout(30)
    .listen(listener)?;
    if settings.server.workers > 0 {
        server = server.workers(settings.server.workers);
    }
    Ok(server.run())
}

/// The API's cross-origin policy for the listed origins (`server.cors_origins`): bearer
/// tokens in `Authorization`, JSON or CSV bodies, the request id readable by the client.
fn cors(origins: &[String]) -> Cors {
    origins
        .iter()
        .fold(Cors::default(), |cors, origin| cors.allowed_origin(origin))
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers([
            actix_web::http::header::AUTHORIZATION,
            actix_web::http::header::CONTENT_TYPE,
            actix_web::http::header::ACCEPT,
        ])
        .expose_headers(["x-request-id", "retry-after"])
        .max_age(3600)
}
