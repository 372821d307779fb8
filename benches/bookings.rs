//! Booking throughput and availability latency of a release build of the real server, on
//! loopback, on SQLite and on PostgreSQL, next to PostgreSQL's own limit for the same INSERT.
//!
//! - `POST /api/v1/bookings` from 32 concurrent clients, non-overlapping 30-minute slots of one
//!   equipment (every request passes every rule and writes the booking and its e-mail):
//!   bookings/s, p50, p99.
//! - `pgbench -c 32` running the equivalent INSERT into a scratch table with the same
//!   exclusion constraint: the database's own ceiling, measured in the same run.
//! - `GET /equipment/{id}/availability` over 4 weeks with 500 confirmed bookings: p50, p99.
//!
//! Run: `benches/bookings.sh` (installs pgbench if missing), or `cargo bench --bench bookings`.
//! PostgreSQL: `BENCH_DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`),
//! an admin URL under which scratch databases are created and dropped; `BENCH_SKIP_PG=1`
//! runs SQLite only and `BENCH_SKIP_SQLITE=1` PostgreSQL only. `BENCH_BOOKINGS` sets the number of bookings per backend (default 4000).

use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{Duration as Span, NaiveDate, TimeZone};
use serde_json::{json, Value};

const PASSWORD: &str = "benchmark-password";
const CLIENTS: usize = 32;

fn main() {
    let status = Command::new(env!("CARGO"))
        .args(["build", "--release", "--bin", "fieldlab"])
        .status()
        .expect("cargo build");
    assert!(status.success(), "release build failed");
    let binary = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/release/fieldlab");
    let total: usize = std::env::var("BENCH_BOOKINGS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4000);
    let dir = tempfile::tempdir().expect("temp dir");

    if std::env::var("BENCH_SKIP_SQLITE").is_ok_and(|v| v == "1") {
        println!("== SQLite: skipped (BENCH_SKIP_SQLITE=1) ==");
    } else {
        let sqlite = dir.path().join("bench.db").to_string_lossy().into_owned();
        println!("== SQLite ==");
        run_backend(&binary, &sqlite, total, dir.path());
    }

    if std::env::var("BENCH_SKIP_PG").is_ok_and(|v| v == "1") {
        return;
    }
    let admin = std::env::var("BENCH_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let prefix = admin.rsplit_once('/').map_or(admin.as_str(), |(p, _)| p);
    let app_db = format!("fieldlab_bench_{}", std::process::id());
    let raw_db = format!("fieldlab_pgbench_{}", std::process::id());
    psql(&admin, &format!("CREATE DATABASE {app_db}"));
    psql(&admin, &format!("CREATE DATABASE {raw_db}"));
    println!("== PostgreSQL ==");
    let app_url = format!("{prefix}/{app_db}");
    let replay = run_backend(&binary, &app_url, total, dir.path());
    pgbench_ceiling(&format!("{prefix}/{raw_db}"), dir.path());
    pgbench_replay(&app_url, &replay, dir.path());
    if std::env::var("BENCH_KEEP_DB").is_err() {
        psql(&admin, &format!("DROP DATABASE {app_db} WITH (FORCE)"));
    } else {
        println!("kept {app_url}");
    }
    psql(&admin, &format!("DROP DATABASE {raw_db} WITH (FORCE)"));
}

fn psql(url: &str, sql: &str) {
    let ok = Command::new("psql")
        .args(["-q", "-v", "ON_ERROR_STOP=1", url, "-c", sql])
        .status()
        .expect("psql");
    assert!(ok.success(), "psql failed: {sql}");
}

/// What the PostgreSQL replay of one booking's statements needs from a finished run.
struct Replay {
    token: String,
    equipment: String,
}

fn run_backend(binary: &std::path::Path, url: &str, total: usize, dir: &std::path::Path) -> Replay {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("port");
        l.local_addr().expect("addr").port()
    };
    let env = |cmd: &mut Command| {
        cmd.env("FIELDLAB__DATABASE__URL", url)
            .env("FIELDLAB__SERVER__PORT", port.to_string())
            .env("FIELDLAB__MAIL__TRANSPORT", "file")
            .env("FIELDLAB__MAIL__DIR", dir.join("mail"))
            .env("FIELDLAB__LOG__LEVEL", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
    };
    let mut admin = Command::new(binary);
    admin.args([
        "create-admin",
        "--email",
        "bench@fieldlab.test",
        "--name",
        "Bench",
        "--password",
        PASSWORD,
    ]);
    env(&mut admin);
    assert!(admin.status().expect("create-admin").success());
    let mut serve = Command::new(binary);
    serve.arg("serve");
    env(&mut serve);
    let child = serve.spawn().expect("serve");
    let base = format!("http://127.0.0.1:{port}");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let replay = runtime.block_on(async {
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(CLIENTS)
            .build()
            .expect("client");
        wait_ready(&client, &base).await;
        let token = login(&client, &base).await;
        let first_day = chrono::Utc::now().date_naive() + Span::days(2);
        let equipment = lab_and_equipment(&client, &base, &token, "Bench lab").await;
        bookings_throughput(&client, &base, &token, &equipment, first_day, total).await;
        let other = lab_and_equipment(&client, &base, &token, "Availability lab").await;
        availability_latency(&client, &base, &token, &other, first_day).await;
        let equipment = lab_and_equipment(&client, &base, &token, "Replay lab").await;
        Replay { token, equipment }
    });
    stop(child);
    replay
}

async fn login(client: &reqwest::Client, base: &str) -> String {
    let res: Value = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": "bench@fieldlab.test", "password": PASSWORD}))
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("json");
    res["token"].as_str().expect("token").to_owned()
}

/// A lab open round the clock, every day, and one equipment bookable 30 minutes to 8 hours.
async fn lab_and_equipment(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    name: &str,
) -> String {
    let hours: Vec<Value> = (1..=7)
        .map(|d| json!({"weekday": d, "opens": "00:00", "closes": "24:00"}))
        .collect();
    let lab: Value = client
        .post(format!("{base}/api/v1/labs"))
        .bearer_auth(token)
        .json(&json!({"name": name, "opening_hours": hours}))
        .send()
        .await
        .expect("lab")
        .json()
        .await
        .expect("json");
    let lab_id = lab["id"].as_str().expect("lab id");
    let equipment: Value = client
        .post(format!("{base}/api/v1/labs/{lab_id}/equipment"))
        .bearer_auth(token)
        .json(&json!({"name": "Presse 3 000 kN"}))
        .send()
        .await
        .expect("equipment")
        .json()
        .await
        .expect("json");
    equipment["id"].as_str().expect("equipment id").to_owned()
}

/// The `n`-th 30-minute slot from midnight (Paris) of `first_day`, as RFC 3339 instants.
fn slot(first_day: NaiveDate, n: usize) -> (String, String) {
    let midnight = chrono_tz::Europe::Paris
        .from_local_datetime(&first_day.and_time(chrono::NaiveTime::MIN))
        .earliest()
        .expect("midnight")
        .with_timezone(&chrono::Utc);
    let start = midnight + Span::minutes(30 * n as i64);
    (start.to_rfc3339(), (start + Span::minutes(30)).to_rfc3339())
}

fn percentile(sorted: &[Duration], q: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * q) as usize]
}

async fn bookings_throughput(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    equipment: &str,
    first_day: NaiveDate,
    total: usize,
) {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let (client, next) = (client.clone(), next.clone());
            let (url, token, equipment) = (
                format!("{base}/api/v1/bookings"),
                token.to_owned(),
                equipment.to_owned(),
            );
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut failures = 0usize;
                loop {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    if n >= total {
                        return (latencies, failures);
                    }
                    let (starts_at, ends_at) = slot(first_day, n);
                    let t = Instant::now();
                    let res = client
                        .post(&url)
                        .bearer_auth(&token)
                        .json(&json!({"equipment_id": equipment, "starts_at": starts_at, "ends_at": ends_at}))
                        .send()
                        .await
                        .expect("request");
                    let ok = res.status().as_u16() == 201;
                    let _ = res.bytes().await;
                    latencies.push(t.elapsed());
                    if !ok {
                        failures += 1;
                    }
                }
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(total);
    let mut failures = 0;
    for w in workers {
        let (l, f) = w.await.expect("worker");
        latencies.extend(l);
        failures += f;
    }
    let elapsed = started.elapsed();
    latencies.sort();
    println!(
        "POST /api/v1/bookings, {CLIENTS} clients, {total} bookings: {:.0} bookings/s, p50 {:?}, p99 {:?}, {failures} not 201",
        total as f64 / elapsed.as_secs_f64(),
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
    );
}

/// 500 bookings spread over 4 weeks, then 200 sequential 4-week availability requests.
async fn availability_latency(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    equipment: &str,
    first_day: NaiveDate,
) {
    // 28 days × 48 slots of 30 minutes: 500 of them, evenly spread.
    for i in 0..500 {
        let (starts_at, ends_at) = slot(first_day, i * 28 * 48 / 500);
        let res = client
            .post(format!("{base}/api/v1/bookings"))
            .bearer_auth(token)
            .json(&json!({"equipment_id": equipment, "starts_at": starts_at, "ends_at": ends_at}))
            .send()
            .await
            .expect("booking");
        assert_eq!(res.status().as_u16(), 201, "{:?}", res.text().await);
    }
    let (from, to) = (first_day, first_day + Span::days(27));
    let url = format!("{base}/api/v1/equipment/{equipment}/availability?from={from}&to={to}");
    let mut latencies = Vec::new();
    let mut items = 0;
    for i in 0..220 {
        let t = Instant::now();
        let res = client
            .get(&url)
            .bearer_auth(token)
            .send()
            .await
            .expect("availability");
        assert!(res.status().is_success());
        let body: Value = res.json().await.expect("json");
        if i >= 20 {
            latencies.push(t.elapsed());
        }
        items = body["items"].as_array().map_or(0, Vec::len);
    }
    latencies.sort();
    println!(
        "GET availability, 4 weeks, 500 bookings ({items} free intervals), 200 sequential: p50 {:?}, p99 {:?}",
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
    );
}

/// PostgreSQL's own rate for the same INSERT under the same exclusion constraint.
fn pgbench_ceiling(url: &str, dir: &std::path::Path) {
    psql(
        url,
        "CREATE EXTENSION IF NOT EXISTS btree_gist;
         CREATE TABLE bookings (
             id TEXT PRIMARY KEY NOT NULL, equipment_id TEXT NOT NULL, user_id TEXT NOT NULL,
             starts_at TIMESTAMP NOT NULL, ends_at TIMESTAMP NOT NULL,
             status TEXT NOT NULL CHECK (status IN ('confirmed', 'cancelled')),
             purpose TEXT, application_id TEXT, mission_id TEXT, created_at TIMESTAMP NOT NULL,
             CHECK (starts_at < ends_at),
             EXCLUDE USING gist (equipment_id WITH =, tsrange(starts_at, ends_at, '[)') WITH &&)
                 WHERE (status = 'confirmed'));
         CREATE INDEX bookings_equipment_time ON bookings (equipment_id, starts_at);
         CREATE SEQUENCE slot;",
    );
    let script = dir.join("booking.sql");
    std::fs::write(
        &script,
        "INSERT INTO bookings (id, equipment_id, user_id, starts_at, ends_at, status, created_at)\n\
         SELECT gen_random_uuid()::text, 'equipment-1', 'user-1', t, t + interval '30 minutes', 'confirmed', now()\n\
         FROM (SELECT timestamp '2030-01-01' + nextval('slot') * interval '30 minutes' AS t) s;\n",
    )
    .expect("script");
    let out = Command::new("pgbench")
        .args(["-n", "-c", "32", "-j", "2", "-T", "10", "-f"])
        .arg(&script)
        .arg(url)
        .output()
        .expect("pgbench (apt-get install postgresql-client, or run benches/bookings.sh)");
    let text = String::from_utf8_lossy(&out.stdout);
    for line in text.lines().filter(|l| {
        l.starts_with("tps") || l.starts_with("latency") || l.contains("transactions actually")
    }) {
        println!("pgbench -c 32 (same INSERT, same exclusion constraint): {line}");
    }
    assert!(
        out.status.success(),
        "pgbench failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// PostgreSQL's rate, without HTTP or the application, for two replays on fieldlab's own
/// tables, to tell how much of the gap to the bare INSERT is the database's work and how much
/// the service's:
/// - the least any booking must do by the issue's own rules: BEGIN, the booking, its
///   confirmation e-mail in the same transaction, COMMIT;
/// - the statements fieldlab sends for one booking: the pool's check, the session, the
///   equipment with its lab and hours, then BEGIN with the lab's lock, the slot check, the
///   booking and its e-mail, COMMIT (the slot number costs pgbench one more round trip).
fn pgbench_replay(url: &str, replay: &Replay, dir: &std::path::Path) {
    let token_hash = fieldlab::auth::domain::token_hash(&replay.token);
    let equipment = &replay.equipment;
    psql(url, "CREATE SEQUENCE replay_slot");
    // A copy of a real confirmation (same sizes, same compression), already sent.
    let email = "INSERT INTO notifications (id, recipient, locale, kind, subject, body_text, \
        body_html, attachments, status, attempts, next_attempt_at, message_id, dedupe_key, \
        created_at) SELECT gen_random_uuid()::text, recipient, locale, kind, subject, body_text, \
        body_html, attachments, 'sent', 1, now(), gen_random_uuid()::text, \
        gen_random_uuid()::text, now() FROM notifications WHERE kind = 'booking_confirmed' \
        LIMIT 1 ON CONFLICT DO NOTHING;";
    let minimal = format!(
        "BEGIN;\n\
         INSERT INTO bookings (id, equipment_id, user_id, starts_at, ends_at, status, created_at) \
         SELECT gen_random_uuid()::text, '{equipment}', s.user_id, t, t + interval '30 minutes', \
         'confirmed', now() FROM sessions s, (SELECT timestamp '2041-01-01' + \
         nextval('replay_slot') * interval '30 minutes' AS t) slot \
         WHERE s.token_hash = '{token_hash}';\n\
         {email}\n\
         COMMIT;\n"
    );
    let ours = format!(
        "SELECT 1;\n\
         SELECT u.id, u.email, u.name, u.role FROM sessions s JOIN users u ON u.id = s.user_id \
         WHERE s.token_hash = '{token_hash}' AND s.expires_at > now();\n\
         SELECT e.*, l.*, h.* FROM equipment e JOIN labs l ON l.id = e.lab_id \
         LEFT JOIN lab_opening_hours h ON h.lab_id = l.id WHERE e.id = '{equipment}' \
         ORDER BY h.weekday, h.opens_minute;\n\
         BEGIN;\n\
         SELECT pg_advisory_xact_lock_shared(42);\n\
         SELECT timestamp '2031-01-01' + nextval('replay_slot') * interval '30 minutes' AS t \\gset\n\
         SELECT EXISTS (SELECT 1 FROM lab_closures WHERE lab_id = 'none' AND starts_at < :t::timestamp AND ends_at > :t::timestamp), \
         EXISTS (SELECT 1 FROM bookings WHERE equipment_id = '{equipment}' AND status = 'confirmed' \
         AND tsrange(starts_at, ends_at, '[)') && tsrange(:t::timestamp, :t::timestamp + interval '30 minutes', '[)'));\n\
         INSERT INTO bookings (id, equipment_id, user_id, starts_at, ends_at, status, created_at) \
         SELECT gen_random_uuid()::text, '{equipment}', user_id, :t::timestamp, :t::timestamp + interval '30 minutes', 'confirmed', now() \
         FROM sessions WHERE token_hash = '{token_hash}';\n\
         {email}\n\
         COMMIT;\n"
    );
    for (name, text) in [
        ("a booking and its e-mail in one transaction", minimal),
        ("fieldlab's own statements for one booking", ours),
    ] {
        let script = dir.join("replay.sql");
        std::fs::write(&script, text).expect("script");
        let out = Command::new("pgbench")
            .args([
                "-n", "-M", "prepared", "-c", "32", "-j", "2", "-T", "10", "-f",
            ])
            .arg(&script)
            .arg(url)
            .output()
            .expect("pgbench");
        let stdout = String::from_utf8_lossy(&out.stdout);
        for line in stdout.lines().filter(|l| l.starts_with("tps")) {
            println!("pgbench -c 32 ({name}): {line}");
        }
        assert!(
            out.status.success(),
            "pgbench failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

async fn wait_ready(client: &reqwest::Client, base: &str) {
    for _ in 0..2000 {
        if let Ok(res) = client.get(format!("{base}/health/ready")).send().await {
            if res.status().is_success() {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the server did not become ready");
}

fn stop(mut child: Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
}
