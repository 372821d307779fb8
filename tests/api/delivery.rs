//! Delivery never stalls: a relay that goes quiet at any step costs one bounded attempt, never
//! the worker; a server killed mid-drain sends again only what it had in flight; a long stall
//! shows in `/metrics` and is warned about once.

use std::io::BufRead;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fieldlab::config::{MailTransport, Settings};
use fieldlab::db::Pool;
use fieldlab::mail::domain::Locale;
use fieldlab::mail::mailer::CONCURRENCY;
use fieldlab::mail::{Email, Outbox, Vocabulary};
use serde_json::Value;

use crate::helpers::{database_for_test, eventually, spawn_app_with, TestApp};
use crate::notifications::{enqueue_direct, welcome_values};
use crate::smtp::{Stall, StallingRelay};

async fn app_on(relay: &StallingRelay, timeout_seconds: u64, retry_base_seconds: u64) -> TestApp {
    spawn_app_with(|s| {
        s.mail.transport = MailTransport::Smtp;
        s.mail.port = relay.port;
        s.mail.timeout_seconds = timeout_seconds;
        s.mail.retry_base_seconds = retry_base_seconds;
    })
    .await
}

/// The outbox row of the message sent to `to` (Null when there is none).
async fn message_to(app: &TestApp, to: &str) -> Value {
    app.mails_to(to)
        .await
        .into_iter()
        .next()
        .unwrap_or(Value::Null)
}

async fn sent(app: &TestApp) -> usize {
    app.notifications("?status=sent").await.len()
}

/// The relay received `n` distinct messages, each once.
fn assert_each_once(relay: &StallingRelay, n: usize) {
    let ids = relay.inbox().message_ids();
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), n, "distinct messages received");
    assert_eq!(ids.len(), n, "a message was sent twice");
}

/// The relay goes quiet once, at `step`, on one message: that message costs one attempt,
/// recorded with the reason, and is sent on the retry; the others are delivered and recorded
/// meanwhile, while the quiet session still holds its message.
async fn one_stall_costs_one_attempt_not_the_worker(step: Stall, step_named: &str) {
    let relay = StallingRelay::start().await;
    relay.stall(step, 1);
    let app = app_on(&relay, 3, 3).await;
    enqueue_direct(&app, "stalled@etu.fr", None);
    assert!(
        eventually(Duration::from_secs(5), || async { relay.hanging() == 1 }).await,
        "the relay never went quiet"
    );

    for i in 0..3 {
        enqueue_direct(&app, &format!("other{i}@etu.fr"), None);
    }
    assert!(
        eventually(Duration::from_secs(10), || async { sent(&app).await == 3 }).await,
        "the others were not delivered: {:?}",
        app.notifications("").await
    );
    let stalled = message_to(&app, "stalled@etu.fr").await;
    assert_eq!(stalled["status"], "pending", "{stalled}");
    assert_eq!(
        (stalled["attempts"].as_i64(), relay.hanging()),
        (Some(0), 1),
        "the others went while the quiet step was still waiting: {stalled}"
    );

    let timed_out = eventually(Duration::from_secs(10), || async {
        let m = message_to(&app, "stalled@etu.fr").await;
        m["status"] == "pending"
            && m["attempts"] == 1
            && m["last_error"]
                .as_str()
                .is_some_and(|e| e.contains("timed out") && e.contains(step_named))
    })
    .await;
    assert!(
        timed_out,
        "one attempt with its reason: {}",
        message_to(&app, "stalled@etu.fr").await
    );
    assert!(
        eventually(Duration::from_secs(5), || async { relay.hanging() == 0 }).await,
        "the connection that timed out was left open"
    );

    assert!(
        eventually(Duration::from_secs(15), || async { sent(&app).await == 4 }).await,
        "not retried: {}",
        message_to(&app, "stalled@etu.fr").await
    );
    assert_eq!(message_to(&app, "stalled@etu.fr").await["attempts"], 2);
    assert_each_once(&relay, 4);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_relay_quiet_at_the_greeting_costs_one_attempt_not_the_worker() {
    one_stall_costs_one_attempt_not_the_worker(Stall::Greeting, "greeting").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_relay_quiet_after_mail_from_costs_one_attempt_not_the_worker() {
    one_stall_costs_one_attempt_not_the_worker(Stall::MailFrom, "MAIL FROM").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_relay_quiet_in_the_middle_of_data_costs_one_attempt_not_the_worker() {
    one_stall_costs_one_attempt_not_the_worker(Stall::Data, "message data").await;
}

/// The value of an unlabelled gauge in `/metrics`.
async fn gauge(app: &TestApp, name: &str) -> Option<i64> {
    let text = app.get("/metrics", None).await.text().await.ok()?;
    text.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' '))
        .and_then(|value| value.trim().parse().ok())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_relay_quiet_for_everyone_holds_mail_back_and_then_delivers_it_all() {
    let relay = StallingRelay::start().await;
    let app = app_on(&relay, 1, 1).await;
    // A first message leaves a connection in the pool, which the relay then stalls too.
    enqueue_direct(&app, "first@etu.fr", None);
    assert!(eventually(Duration::from_secs(10), || async { sent(&app).await == 1 }).await);
    relay.stall(Stall::MailFrom, usize::MAX);
    for i in 0..6 {
        enqueue_direct(&app, &format!("waiting{i}@etu.fr"), None);
    }
    let held = eventually(Duration::from_secs(10), || async {
        let pending = app.notifications("?status=pending").await;
        pending.len() == 6
            && pending.iter().all(|m| {
                m["attempts"].as_i64() >= Some(1)
                    && m["last_error"]
                        .as_str()
                        .is_some_and(|e| e.contains("timed out") && e.contains("MAIL FROM"))
            })
    })
    .await;
    assert!(held, "{:?}", app.notifications("").await);
    let aged = eventually(Duration::from_secs(10), || async {
        gauge(&app, "fieldlab_outbox_oldest_pending_seconds")
            .await
            .is_some_and(|age| age >= 1)
    })
    .await;
    assert!(aged, "the oldest pending message's age is not shown");
    assert!(gauge(&app, "fieldlab_notifications_oldest_pending_seconds")
        .await
        .is_some());

    relay.heal();
    assert!(
        eventually(Duration::from_secs(20), || async { sent(&app).await == 7 }).await,
        "{:?}",
        app.notifications("?status=pending").await
    );
    assert_each_once(&relay, 7);
    assert_eq!(
        gauge(&app, "fieldlab_outbox_oldest_pending_seconds").await,
        Some(0)
    );
}

/// A pool on a test database, migrated.
fn database_pool(url: &str) -> Pool {
    let mut settings = Settings::load(None).expect("defaults");
    settings.database.url = url.to_owned();
    fieldlab::startup::open_database(&settings).expect("database opens")
}

/// Queues `n` welcome e-mails to `<prefix><i>@etu.fr`, as a request would.
fn queue(pool: &Pool, prefix: &str, n: usize) {
    let mut conn = pool.get().expect("connection");
    let outbox = Outbox::new(
        Locale::Fr,
        "fieldlab.test".into(),
        Vocabulary::new("IMT Mines Alès"),
    );
    fieldlab::db::write_transaction(&mut conn, |tx| {
        for i in 0..n {
            let to = format!("{prefix}{i}@etu.fr");
            outbox.enqueue(tx, Email::new(&to, "account_created", welcome_values()))?;
        }
        Ok(())
    })
    .expect("queued");
}

fn count_sent(pool: &Pool) -> i64 {
    let mut conn = pool.get().expect("connection");
    let stats = fieldlab::mail::models::stats(&mut conn).expect("stats");
    stats
        .counts
        .iter()
        .find(|(status, _)| status == "sent")
        .map_or(0, |(_, n)| *n)
}

fn distinct(relay: &StallingRelay) -> usize {
    let mut ids = relay.inbox().message_ids();
    ids.sort();
    ids.dedup();
    ids.len()
}

/// `fieldlab serve` as a child process delivering to `relay`; killed (SIGKILL) when dropped.
struct Serve {
    child: Child,
}

impl Serve {
    fn command(database: &str, relay: &StallingRelay, dir: &Path, env: &[(&str, &str)]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_fieldlab"));
        command
            .arg("serve")
            .current_dir(dir)
            .env_remove("RUST_LOG")
            .env("FIELDLAB__DATABASE__URL", database)
            .env("FIELDLAB__SERVER__PORT", "0")
            .env("FIELDLAB__MAIL__TRANSPORT", "smtp")
            .env("FIELDLAB__MAIL__HOST", "127.0.0.1")
            .env("FIELDLAB__MAIL__PORT", relay.port.to_string())
            .env("FIELDLAB__LOG__LEVEL", "warn")
            .envs(env.iter().copied())
            .stdout(Stdio::null());
        command
    }

    fn start(database: &str, relay: &StallingRelay, dir: &Path, env: &[(&str, &str)]) -> Self {
        let child = Self::command(database, relay, dir, env)
            .spawn()
            .expect("fieldlab serve starts");
        Self { child }
    }

    /// Starts with JSON logs (info and up) on stdout, collected line by line.
    fn start_logged(
        database: &str,
        relay: &StallingRelay,
        dir: &Path,
        env: &[(&str, &str)],
    ) -> (Self, Arc<Mutex<Vec<Value>>>) {
        let mut child = Self::command(database, relay, dir, env)
            .env("FIELDLAB__LOG__FORMAT", "json")
            .env("FIELDLAB__LOG__LEVEL", "info")
            .stdout(Stdio::piped())
            .spawn()
            .expect("fieldlab serve starts");
        let stdout = child.stdout.take().expect("stdout");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = lines.clone();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
            {
                if let (Ok(json), Ok(mut lines)) = (serde_json::from_str(&line), sink.lock()) {
                    lines.push(json);
                }
            }
        });
        (Self { child }, lines)
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        self.kill();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_killed_mid_drain_sends_again_at_most_what_it_had_in_flight() {
    const BACKLOG: usize = 400;
    let dir = tempfile::tempdir().expect("dir");
    let (url, _database) = database_for_test(dir.path());
    let pool = database_pool(&url);
    queue(&pool, "crash", BACKLOG);
    let relay = StallingRelay::start().await;
    // 16 at a time, 40 ms each: the drain takes about a second, long enough to cut it short.
    relay.answer_after(Duration::from_millis(40));
    let short_lease = [("FIELDLAB__MAIL__CLAIM_LEASE_SECONDS", "2")];

    let mut first = Serve::start(&url, &relay, dir.path(), &short_lease);
    let started = Instant::now();
    while relay.inbox().len() < 120 {
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "the first server delivered {} messages",
            relay.inbox().len()
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    first.kill();
    let at_kill = distinct(&relay);
    assert!(at_kill < BACKLOG, "the drain was over before the kill");

    let _second = Serve::start(&url, &relay, dir.path(), &short_lease);
    assert!(
        eventually(Duration::from_secs(20), || async {
            distinct(&relay) == BACKLOG
        })
        .await,
        "{} of {BACKLOG} delivered after the restart ({at_kill} before the kill)",
        distinct(&relay)
    );
    assert!(
        eventually(Duration::from_secs(10), || async {
            count_sent(&pool) == BACKLOG as i64
        })
        .await,
        "{} of {BACKLOG} recorded as sent",
        count_sent(&pool)
    );
    let twice = relay.inbox().len() - BACKLOG;
    eprintln!("{at_kill} of {BACKLOG} delivered before the kill, {twice} sent twice");
    assert!(
        twice <= CONCURRENCY,
        "{twice} messages sent twice; only those in flight (at most {CONCURRENCY}) may be"
    );
}

/// How many log lines have this message (JSON logs: `fields.message`) so far.
fn logged(lines: &Mutex<Vec<Value>>, starts_with: &str) -> usize {
    lines.lock().map_or(0, |lines| {
        lines
            .iter()
            .filter(|l| {
                l["fields"]["message"]
                    .as_str()
                    .is_some_and(|m| m.starts_with(starts_with))
            })
            .count()
    })
}

/// What was logged, one message a line, for failures.
fn messages(lines: &Mutex<Vec<Value>>) -> Vec<String> {
    lines.lock().map_or(Vec::new(), |lines| {
        lines
            .iter()
            .map(|l| format!("{} {}", l["level"], l["fields"]))
            .collect()
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn a_long_stall_is_warned_about_once_until_delivery_catches_up() {
    const STALLED: &str = "e-mail delivery is stalled";
    const CAUGHT_UP: &str = "e-mail delivery has caught up";
    let dir = tempfile::tempdir().expect("dir");
    let (url, _database) = database_for_test(dir.path());
    let pool = database_pool(&url);
    let relay = StallingRelay::start().await;
    // Two attempts time out (1 s each, 1 s then 2 s apart); the third goes through. (MAIL FROM:
    // the connection kept from one round is used in the next.)
    relay.stall(Stall::MailFrom, 2);
    queue(&pool, "early", 1);
    let env = [
        ("FIELDLAB__MAIL__TIMEOUT_SECONDS", "1"),
        ("FIELDLAB__MAIL__RETRY_BASE_SECONDS", "1"),
        ("FIELDLAB__MAIL__STALL_WARNING_SECONDS", "1"),
    ];
    let (_serve, lines) = Serve::start_logged(&url, &relay, dir.path(), &env);

    let stalled_then_recovered = |warnings: usize| {
        let lines = lines.clone();
        async move {
            assert!(
                eventually(Duration::from_secs(10), || async {
                    logged(&lines, STALLED) == warnings
                })
                .await,
                "not {warnings} warning(s): {:?}",
                messages(&lines)
            );
            assert!(
                eventually(Duration::from_secs(15), || async {
                    logged(&lines, CAUGHT_UP) == warnings
                })
                .await,
                "delivery did not catch up: {:?}",
                messages(&lines)
            );
            // Checked every second all along the stall, warned once.
            assert_eq!(logged(&lines, STALLED), warnings);
        }
    };
    stalled_then_recovered(1).await;
    assert_eq!(count_sent(&pool), 1);

    relay.stall(Stall::MailFrom, 2);
    queue(&pool, "late", 1);
    stalled_then_recovered(2).await;
    assert_eq!(count_sent(&pool), 2);
    let warning = lines
        .lock()
        .ok()
        .and_then(|l| {
            l.iter()
                .find(|l| {
                    l["fields"]["message"]
                        .as_str()
                        .is_some_and(|m| m.starts_with(STALLED))
                })
                .cloned()
        })
        .expect("the warning");
    assert_eq!(warning["level"], "WARN");
    assert_eq!(warning["fields"]["stall_warning_seconds"], 1);
}
