//! Outbox figures: the cost `Outbox::enqueue` adds to a request (render + insert), and the
//! rate at which the worker drains a backlog of 10,000 messages to a real SMTP server on
//! loopback (mailin-embedded, in this process: it shares the CPU with the worker).
//!
//! Run: `cargo bench --bench outbox` (SQLite), or on PostgreSQL:
//! `BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres cargo bench --bench outbox`
//! (a scratch database is created and dropped).

use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::{Connection, PgConnection, RunQueryDsl};
use fieldlab::config::{MailTransport, Settings};
use fieldlab::db::{self, DatabaseUrl};
use fieldlab::mail::domain::Locale;
use fieldlab::mail::mailer::Mailer;
use fieldlab::mail::worker::Worker;
use fieldlab::mail::{Email, Outbox, Vocabulary};
use mailin_embedded::response::OK;
use mailin_embedded::{Handler, Response, Server, SslConfig};

const BACKLOG: usize = 10_000;

#[derive(Clone)]
struct Counter(Arc<AtomicUsize>);

impl Handler for Counter {
    fn data_end(&mut self) -> Response {
        self.0.fetch_add(1, Ordering::Relaxed);
        OK
    }
}

fn main() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let (url, scratch) = match std::env::var("BENCH_DATABASE_URL") {
        Ok(admin) => {
            let name = format!("fieldlab_bench_{}", std::process::id());
            let mut conn = PgConnection::establish(&admin)?;
            diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut conn)?;
            let prefix = admin
                .rsplit_once('/')
                .map_or(admin.as_str(), |(p, _)| p)
                .to_owned();
            (format!("{prefix}/{name}"), Some((admin, name)))
        }
        Err(_) => (
            dir.path().join("bench.db").to_string_lossy().into_owned(),
            None,
        ),
    };
    let result = run(&url);
    if let Some((admin, name)) = scratch {
        let mut conn = PgConnection::establish(&admin)?;
        diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut conn)?;
    }
    result
}

fn run(url: &str) -> anyhow::Result<()> {
    let database = DatabaseUrl::parse(url)?;
    println!("database: {}", database.backend_name());
    let pool = db::connect(&database, 16, Duration::from_secs(10))?;
    let mut conn = pool.get()?;
    db::run_migrations(&mut conn)?;
    let outbox = Outbox::new(
        Locale::Fr,
        "bench.fieldlab".into(),
        Vocabulary::new("IMT Mines Alès"),
    );
    let values = serde_json::json!({"name": "Zoé Martin", "email": "zoe@etu.fr", "role": "student",
        "created_by": "Marie Curie", "set_password_url": "http://127.0.0.1:8080/set-password?token=abc",
        "sign_in_url": "http://127.0.0.1:8080", "expires_on": "2027-03-01"});

    // 1. What enqueue adds to a request: render + insert inside the request's transaction.
    let mut costs = Vec::with_capacity(BACKLOG);
    for i in 0..BACKLOG {
        let to = format!("student{i}@etu.imt-mines-ales.fr");
        db::write_transaction(&mut conn, |conn| {
            let started = Instant::now();
            outbox.enqueue(conn, Email::new(&to, "account_created", &values))?;
            costs.push(started.elapsed());
            Ok::<_, fieldlab::error::ApiError>(())
        })?;
    }
    drop(conn);
    costs.sort();
    let pct = |q: f64| costs[((costs.len() - 1) as f64 * q) as usize];
    println!(
        "enqueue (render + insert, in the caller's transaction), {BACKLOG} calls: p50 {:?}, p99 {:?}",
        pct(0.5),
        pct(0.99)
    );

    // 2. Drain the backlog to a real SMTP server on loopback.
    let received = Arc::new(AtomicUsize::new(0));
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let port = listener.local_addr()?.port();
    let mut server = Server::new(Counter(received.clone()));
    server
        .with_name("sink.bench")
        .with_num_threads(32)
        .with_tcp_listener(listener);
    server
        .with_ssl(SslConfig::None)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    std::thread::spawn(move || {
        let _ = server.serve();
    });

    let mut settings = Settings::load(None)?;
    settings.mail.transport = MailTransport::Smtp;
    settings.mail.host = "127.0.0.1".into();
    settings.mail.port = port;
    let runtime = tokio::runtime::Runtime::new()?;
    let started = Instant::now();
    runtime.block_on(async {
        let worker = Worker::new(
            pool.clone(),
            Arc::new(Mailer::new(&settings.mail)?),
            outbox.wake_handle(),
            &settings.mail,
        );
        worker.drain().await;
        anyhow::Ok(())
    })?;
    let elapsed = started.elapsed();
    let delivered = received.load(Ordering::Relaxed);
    println!(
        "drained {delivered} messages over SMTP in {:.2} s: {:.0} e-mails/s",
        elapsed.as_secs_f64(),
        delivered as f64 / elapsed.as_secs_f64()
    );
    anyhow::ensure!(
        delivered == BACKLOG,
        "expected {BACKLOG} deliveries, got {delivered}"
    );
    Ok(())
}
