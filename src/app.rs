//! The state every request reaches, below the domains: the database pool and the helpers
//! that run diesel work on the blocking pool (plain, in a write transaction, or one page of a
//! list), the settings, the e-mail outbox and the process's gauges. Domains import this;
//! it imports no domain.

use std::sync::Arc;

use actix_web::web;
use prometheus::{IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry};

use crate::config::Settings;
use crate::db::{self, DbConnection, Pool, WriteTx};
use crate::error::ApiError;
use crate::mail::models::OutboxStats;
use crate::mail::Outbox;
use crate::paging::{Page, PageParams, PageRequest};

/// What every handler can reach.
pub struct AppState {
    pub pool: Pool,
    pub settings: Arc<Settings>,
    pub metrics: Metrics,
    pub outbox: Arc<Outbox>,
}

impl AppState {
    /// Runs blocking diesel work on the blocking thread pool with a pooled connection.
    pub async fn db<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        web::block(move || work(&mut *pool.get()?)).await?
    }

    /// Runs `work` in one [`db::write_transaction`] on the blocking pool, with the state at
    /// hand (settings, outbox): a use case's check-and-write, committed whole or not at all.
    pub async fn write<T, F>(self: &Arc<Self>, work: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut WriteTx<'_>, &AppState) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        let state = Arc::clone(self);
        web::block(move || {
            let mut conn = state.pool.get()?;
            db::write_transaction(&mut conn, |tx| work(tx, &state))
        })
        .await?
    }

    /// One page of a list: `?limit=&cursor=` parsed (400 if malformed), `limit + 1` rows loaded
    /// by `load` on the blocking pool, answered as `{items, next_cursor}` keyed by `key`.
    pub async fn page<R, V, F>(
        &self,
        params: &PageParams,
        load: F,
        key: impl Fn(&R) -> &str,
        view: impl FnMut(R) -> V,
    ) -> Result<web::Json<Page<V>>, ApiError>
    where
        F: FnOnce(&mut DbConnection, &PageRequest) -> Result<Vec<R>, ApiError> + Send + 'static,
        R: Send + 'static,
    {
        let request = params.parse()?;
        let for_load = request.clone();
        let rows = self.db(move |conn| load(conn, &for_load)).await?;
        Ok(web::Json(Page::from_rows(rows, &request, key, view)))
    }
}

/// Process-wide gauges that are read, not counted: filled in at each scrape; and the
/// clean-up's counters, counted by the instance that ran it (sum them across instances).
#[derive(Clone)]
pub struct Metrics {
    pub registry: Registry,
    pool_connections: IntGauge,
    pool_idle: IntGauge,
    pool_max: IntGauge,
    outbox_messages: IntGaugeVec,
    outbox_oldest_pending: IntGauge,
    /// The same age under its first name, kept for dashboards that use it.
    notifications_oldest_pending: IntGauge,
    cleanup_removed: IntCounterVec,
    cleanup_last_run: IntGauge,
}

/// What one clean-up removed, by kind (the label of `fieldlab_cleanup_removed_total`).
pub const CLEANUP_KINDS: [&str; 4] = ["sessions", "password_tokens", "mail_bodies", "jobs"];

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
        let cleanup_removed = IntCounterVec::new(
            Opts::new(
                "fieldlab_cleanup_removed_total",
                "Rows the scheduled clean-up removed (mail_bodies: bodies cleared, rows kept), \
                 by kind, on this instance",
            ),
            &["kind"],
        )?;
        registry.register(Box::new(cleanup_removed.clone()))?;
        // Every kind shows from the start, at 0, so a dashboard's rate() has a first point.
        for kind in CLEANUP_KINDS {
            cleanup_removed.with_label_values(&[kind]);
        }
        Ok(Self {
            cleanup_removed,
            cleanup_last_run: gauge(
                "fieldlab_cleanup_last_run_timestamp_seconds",
                "When this instance last finished the scheduled clean-up (Unix time; 0: never)",
            )?,
            outbox_messages,
            outbox_oldest_pending: gauge(
                "fieldlab_outbox_oldest_pending_seconds",
                "Age of the oldest message waiting to be sent (0 when none)",
            )?,
            notifications_oldest_pending: gauge(
                "fieldlab_notifications_oldest_pending_seconds",
                "Age of the oldest message waiting to be sent (0 when none); \
                 fieldlab_outbox_oldest_pending_seconds under its former name",
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

    pub fn observe_pool(&self, pool: &Pool) {
        let state = pool.state();
        self.pool_connections.set(i64::from(state.connections));
        self.pool_idle.set(i64::from(state.idle_connections));
        self.pool_max.set(i64::from(pool.max_size()));
    }

    /// One finished clean-up: `removed` is how many rows of each of [`CLEANUP_KINDS`].
    pub fn count_cleanup(&self, removed: &[(&str, usize)]) {
        for (kind, n) in removed {
            self.cleanup_removed
                .with_label_values(&[kind])
                .inc_by(u64::try_from(*n).unwrap_or(u64::MAX));
        }
        self.cleanup_last_run.set(chrono::Utc::now().timestamp());
    }

    pub fn observe_outbox(&self, stats: &OutboxStats) {
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
            .map_or(0, |at| (db::now() - at).num_seconds().max(0));
        self.outbox_oldest_pending.set(age);
        self.notifications_oldest_pending.set(age);
    }
}
