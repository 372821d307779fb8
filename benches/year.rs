//! Issue 24's generator: a school's year played through the HTTP API at a chosen scale, against
//! the release binary run as its own process (`fieldlab serve`, e-mails written as files), on
//! SQLite or on PostgreSQL as CI configures it (autovacuum off: never analysed).
//!
//! At scale 1 (`YEAR_SCALE`, default 1; 5 is a university) the year is: 30 tutors; 40 founders
//! who apply, 25 admitted (capacity 25 × scale) each with a tutor from the suggestions, 15
//! refused with a reason; 4 labs of 3 machines and 2,000 bookings by the incubated founders
//! (one in twenty cancelled, availability looked up before every fifth); two field-mission
//! campaigns of 80 companies and 240 students (problems submitted and accepted, teams of three
//! ranking ten problems, the exact allocation, publication, tutors, 240 agreements sent and
//! signed by the school, the company and the student, marks by the company and the tutor);
//! 1,500 internships at 150 hosts (requested by the student, completed by the supervisor from
//! the e-mailed link, the academic tutor named by the office and validating, sent by the
//! office in batches of 500 as they become ready, signed by the four parties); and the office
//! reading its register, statistics, CSV and PDFs. Every account signs in with its password.
//!
//! Reported per phase: wall time, requests, p50/p95/p99 per endpoint family (method and path
//! with ids as `{id}`), answers other than the one expected (5xx counted apart), the e-mails
//! queued and sent, the outbox's longest wait (sampled from `/metrics` each second, and exact
//! from each message's `created_at`/`sent_at` after the run), its drain rate while a backlog
//! waits (the sent count's growth between samples that both saw one), the database's size and
//! the server's RSS. After the run, on PostgreSQL: every table over 10,000 rows that was read
//! by a sequential scan (`pg_stat_user_tables`), before and after an ANALYZE replays the
//! office's reads.
//!
//! Goal (issue 24, at scale 5): 0 errors, no e-mail waits over 30 s, the outbox drains at
//! ≥ 400 e-mails/s while a backlog waits, no sequential scan of a table over 10,000 rows.
//! Prints PASS/FAIL per goal and exits with 1 on a FAIL.
//!
//! Run: `YEAR_SCALE=5 cargo bench --bench year` (SQLite), and with
//! `BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres` on a fresh PostgreSQL
//! database (dropped after). `YEAR_CLIENTS` (default 16) sets how many requests run at once.
//! `YEAR_INSTANCES=3` (PostgreSQL) runs three instances behind Debian's nginx (round-robin, the
//! proxy trusted for the client's address), kills one with SIGKILL a few seconds into the middle
//! internship batch and starts it again a batch later: requests cut by the kill (nginx's 502)
//! are sent again and counted, and the e-mail files are counted against the messages sent (a
//! duplicate only for what the killed instance had in flight).

#[allow(dead_code)]
mod common;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{Datelike, Months, NaiveDate};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Double, Nullable, Text};
use diesel::QueryableByName;
use fieldlab::config::Settings;
use fieldlab::db::{DatabaseUrl, DbConnection};
use futures_util::stream::{self, StreamExt};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const PASSWORD: &str = "annee-universitaire-2026";
const METRICS_TOKEN: &str = "year-bench-scraper";
const STAFF: &str = "bureau.stages@fieldlab.test";
const DOMAINS: [&str; 6] = [
    "civil_engineering",
    "materials",
    "mineral_resources",
    "environment",
    "digital",
    "land_planning",
];
const WAIT_GOAL: f64 = 30.0;
const DRAIN_GOAL: f64 = 400.0;
const SCAN_ROWS: i64 = 10_000;
/// A backlog worth measuring a drain rate over: below it the rate is what arrives, not what
/// the worker can send.
const BACKLOG: f64 = 100.0;

fn main() {
    let scale: usize = env_number("YEAR_SCALE", 1);
    let clients: usize = env_number("YEAR_CLIENTS", 16);
    let instances: usize = env_number("YEAR_INSTANCES", 1);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let mut settings = Settings::load(None).expect("settings");
    let dropped = common::create_database(&mut settings, dir.path());
    let url = settings.database.url.clone();
    let passed = runtime.block_on(run(scale, clients, instances, &url, dir.path()));
    common::drop_database(dropped);
    if !passed {
        std::process::exit(1);
    }
}

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(default)
}

// ---------------------------------------------------------------------------------------
// The server, as its own process.

struct Server {
    /// The `fieldlab serve` processes (several behind nginx with `YEAR_INSTANCES`).
    instances: Mutex<Vec<Instance>>,
    nginx: Option<Child>,
    /// Where the year's requests go: nginx, or the one instance.
    base: String,
    /// The first instance, directly: `/metrics` answers only on loopback, never through a proxy.
    metrics_base: String,
    url: String,
    mail_dir: PathBuf,
    env: Vec<(&'static str, String)>,
    config: Option<PathBuf>,
    dir: PathBuf,
}

struct Instance {
    child: Option<Child>,
    port: u16,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

impl Server {
    fn start(url: &str, dir: &Path, scale: usize, count: usize) -> Server {
        let exe = env!("CARGO_BIN_EXE_fieldlab");
        let mail_dir = dir.join("mail");
        std::fs::create_dir_all(&mail_dir).expect("mail dir");
        let ports: Vec<u16> = (0..count.max(1)).map(|_| free_port()).collect();
        let proxy_port = free_port();
        let public = if count > 1 { proxy_port } else { ports[0] };
        let env = vec![
            ("FIELDLAB__DATABASE__URL", url.to_owned()),
            (
                "FIELDLAB__SERVER__PUBLIC_URL",
                format!("http://127.0.0.1:{public}"),
            ),
            ("FIELDLAB__MAIL__TRANSPORT", "file".into()),
            (
                "FIELDLAB__MAIL__DIR",
                mail_dir.to_string_lossy().into_owned(),
            ),
            ("FIELDLAB__LOG__LEVEL", "warn".into()),
            ("FIELDLAB__INCUBATOR__CAPACITY", (25 * scale).to_string()),
            ("FIELDLAB__AGREEMENTS__SCHOOL_SIGNATORY", STAFF.into()),
            // Behind a trusted proxy, loopback alone no longer vouches for a scraper.
            ("FIELDLAB__SERVICE__METRICS_TOKEN", METRICS_TOKEN.into()),
        ];
        // Behind nginx: the proxy is trusted for the client's address; one worker thread each.
        let config = (count > 1).then(|| {
            let path = dir.join("fieldlab.toml");
            std::fs::write(
                &path,
                "[server]\nworkers = 1\ntrusted_proxies = [\"127.0.0.1\"]\n",
            )
            .expect("config written");
            path
        });
        let run = |args: &[&str]| {
            let status = Command::new(exe)
                .args(args)
                .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
                .stdout(Stdio::null())
                .status()
                .expect("fieldlab runs");
            assert!(status.success(), "fieldlab {args:?}");
        };
        run(&["migrate"]);
        run(&[
            "create-admin",
            "--email",
            STAFF,
            "--name",
            "Bureau des stages",
            "--password",
            PASSWORD,
        ]);
        autovacuum_off(url);
        let mut server = Server {
            instances: Mutex::new(Vec::new()),
            nginx: None,
            base: format!("http://127.0.0.1:{public}"),
            metrics_base: format!("http://127.0.0.1:{}", ports[0]),
            url: url.to_owned(),
            mail_dir,
            env,
            config,
            dir: dir.to_owned(),
        };
        let instances = ports
            .iter()
            .map(|&port| Instance {
                child: Some(server.spawn(port)),
                port,
            })
            .collect();
        server.instances = Mutex::new(instances);
        if count > 1 {
            server.nginx = Some(start_nginx(dir, proxy_port, &ports));
        }
        server
    }

    fn spawn(&self, port: u16) -> Child {
        let log = std::fs::File::create(self.dir.join(format!("server-{port}.log"))).expect("log");
        let mut command = Command::new(env!("CARGO_BIN_EXE_fieldlab"));
        if let Some(config) = &self.config {
            command.arg("--config").arg(config);
        }
        command
            .arg("serve")
            .envs(self.env.iter().map(|(k, v)| (*k, v.as_str())))
            .env("FIELDLAB__SERVER__PORT", port.to_string())
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("fieldlab serve")
    }

    /// SIGKILL: whatever instance `i` had in flight is cut.
    fn kill(&self, i: usize) {
        let mut instances = self.instances.lock().expect("instances");
        if let Some(mut child) = instances[i].child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    async fn restart(&self, i: usize, http: &reqwest::Client) {
        let port = {
            let mut instances = self.instances.lock().expect("instances");
            let port = instances[i].port;
            instances[i].child = Some(self.spawn(port));
            port
        };
        wait_ready(http, &format!("http://127.0.0.1:{port}")).await;
    }

    fn count(&self) -> usize {
        self.instances.lock().expect("instances").len()
    }

    async fn ready(&self, http: &reqwest::Client) {
        let ports: Vec<u16> = self
            .instances
            .lock()
            .expect("instances")
            .iter()
            .map(|i| i.port)
            .collect();
        for port in ports {
            wait_ready(http, &format!("http://127.0.0.1:{port}")).await;
        }
        wait_ready(http, &self.base).await;
    }

    /// The servers' resident memory now and at their peaks, in MiB (Linux), summed over the
    /// instances.
    fn rss_mib(&self) -> (f64, f64) {
        let instances = self.instances.lock().expect("instances");
        let mut total = (0.0, 0.0);
        for child in instances.iter().filter_map(|i| i.child.as_ref()) {
            let status =
                std::fs::read_to_string(format!("/proc/{}/status", child.id())).unwrap_or_default();
            let field = |name: &str| {
                status
                    .lines()
                    .find(|l| l.starts_with(name))
                    .and_then(|l| l.split_whitespace().nth(1))
                    .and_then(|kb| kb.parse::<f64>().ok())
                    .map_or(0.0, |kb| kb / 1024.0)
            };
            total.0 += field("VmRSS:");
            total.1 += field("VmHWM:");
        }
        total
    }

    /// The database's size in MiB (SQLite: the file and its WAL) and the mail folder's.
    fn sizes_mib(&self) -> (f64, f64) {
        let db = match DatabaseUrl::parse(&self.url).expect("url") {
            DatabaseUrl::Postgres(_) => {
                #[derive(QueryableByName)]
                struct Size {
                    #[diesel(sql_type = BigInt)]
                    bytes: i64,
                }
                let mut conn = PgConnection::establish(&self.url).expect("PostgreSQL");
                diesel::sql_query("SELECT pg_database_size(current_database()) AS bytes")
                    .get_result::<Size>(&mut conn)
                    .map_or(0, |s| s.bytes) as f64
            }
            _ => ["", "-wal"]
                .iter()
                .filter_map(|suffix| std::fs::metadata(format!("{}{suffix}", self.url)).ok())
                .map(|m| m.len() as f64)
                .sum(),
        };
        let mail: u64 = std::fs::read_dir(&self.mail_dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| e.metadata().ok())
            .map(|m| m.len())
            .sum();
        (db / 1_048_576.0, mail as f64 / 1_048_576.0)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(instances) = self.instances.get_mut() {
            for child in instances.iter_mut().filter_map(|i| i.child.as_mut()) {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
        if let Some(nginx) = &mut self.nginx {
            let _ = nginx.kill();
            let _ = nginx.wait();
        }
    }
}

async fn wait_ready(http: &reqwest::Client, base: &str) {
    for _ in 0..300 {
        if let Ok(res) = http.get(format!("{base}/health/ready")).send().await {
            if res.status().is_success() {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{base} did not become ready");
}

/// Debian's nginx in front of the instances: round-robin, no stickiness, the client's address
/// appended to `X-Forwarded-For`.
fn start_nginx(dir: &Path, port: u16, upstreams: &[u16]) -> Child {
    let binary = ["/usr/sbin/nginx", "/usr/bin/nginx"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
        .expect("nginx (apt-get install nginx-light)");
    let root = dir.join("nginx");
    std::fs::create_dir_all(&root).expect("nginx dir");
    let servers: String = upstreams
        .iter()
        .map(|p| format!("server 127.0.0.1:{p} max_fails=1 fail_timeout=2s; "))
        .collect();
    let d = root.display();
    let conf = format!(
        "daemon off;\nmaster_process off;\npid {d}/nginx.pid;\nerror_log {d}/error.log warn;\n\
         events {{ worker_connections 1024; }}\nhttp {{\n  upstream fieldlab {{ {servers}keepalive 32; }}\n\
         access_log off;\n  client_body_temp_path {d}/client_body;\n  proxy_temp_path {d}/proxy;\n\
         fastcgi_temp_path {d}/fastcgi;\n  uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n\
         client_max_body_size 8m;\n  server {{\n    listen 127.0.0.1:{port};\n    location / {{\n\
         proxy_pass http://fieldlab;\n      proxy_http_version 1.1;\n\
         proxy_set_header Connection \"\";\n      proxy_set_header Host $host;\n\
         proxy_read_timeout 300s;\n\
         proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n    }}\n  }}\n}}\n"
    );
    let path = root.join("nginx.conf");
    std::fs::write(&path, conf).expect("nginx.conf");
    Command::new(binary)
        .arg("-p")
        .arg(&root)
        .arg("-e")
        .arg(root.join("error.log"))
        .arg("-c")
        .arg(&path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("nginx starts")
}

/// CI's server runs with autovacuum off; a fresh database would otherwise be analysed as the
/// year fills it, and the run would measure the planner's statistics, not fieldlab.
fn autovacuum_off(url: &str) {
    if !url.starts_with("postgres") {
        return;
    }
    #[derive(QueryableByName)]
    struct Table {
        #[diesel(sql_type = Text)]
        relname: String,
    }
    let mut conn = PgConnection::establish(url).expect("PostgreSQL");
    let tables: Vec<Table> =
        diesel::sql_query("SELECT relname::text AS relname FROM pg_stat_user_tables")
            .load(&mut conn)
            .expect("tables");
    for t in tables {
        diesel::sql_query(format!(
            "ALTER TABLE \"{}\" SET (autovacuum_enabled = false)",
            t.relname
        ))
        .execute(&mut conn)
        .expect("autovacuum off");
    }
}

// ---------------------------------------------------------------------------------------
// The client: every call timed under its endpoint family.

#[derive(Default)]
struct Tally {
    /// Requests an instance's kill cut (nginx answered 502), sent again.
    cut: usize,
    latencies: HashMap<String, Vec<f64>>,
    errors: Vec<String>,
    server_errors: usize,
    unexpected: usize,
    requests: usize,
}

#[derive(Clone)]
struct Api {
    http: reqwest::Client,
    base: String,
    tally: Arc<Mutex<Tally>>,
}

/// `POST /api/v1/agreements/0190…/sign` → `POST /agreements/{id}/sign`.
fn family(method: &Method, path: &str) -> String {
    let path = path.split('?').next().unwrap_or(path);
    let path = path.strip_prefix("/api/v1").unwrap_or(path);
    let parts: Vec<String> = path
        .split('/')
        .map(|segment| {
            let (stem, ext) = segment.split_once('.').unwrap_or((segment, ""));
            let id_like =
                stem.len() >= 20 && stem.chars().all(|c| c.is_ascii_hexdigit() || c == '-');
            match (id_like, ext) {
                (true, "") => "{id}".to_owned(),
                (true, ext) => format!("{{id}}.{ext}"),
                _ => segment.to_owned(),
            }
        })
        .collect();
    format!("{method} {}", parts.join("/"))
}

impl Api {
    async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        expect: StatusCode,
    ) -> Value {
        let mut req = self
            .http
            .request(method.clone(), format!("{}{path}", self.base));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        if let Some(body) = &body {
            req = req.json(body);
        }
        let started = Instant::now();
        let retry = req.try_clone();
        let mut res = req.send().await;
        if res
            .as_ref()
            .is_ok_and(|r| r.status() == StatusCode::BAD_GATEWAY)
        {
            if let Some(again) = retry {
                self.tally.lock().expect("tally").cut += 1;
                tokio::time::sleep(Duration::from_millis(200)).await;
                res = again.send().await;
            }
        }
        let (status, bytes) = match res {
            Ok(res) => {
                let status = res.status();
                (Some(status), res.bytes().await.unwrap_or_default())
            }
            Err(_) => (None, Default::default()),
        };
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        let mut tally = self.tally.lock().expect("tally");
        tally.requests += 1;
        tally
            .latencies
            .entry(family(&method, path))
            .or_default()
            .push(ms);
        if status != Some(expect) {
            tally.unexpected += 1;
            if status.is_none_or(|s| s.is_server_error()) {
                tally.server_errors += 1;
            }
            if tally.errors.len() < 12 {
                let text = String::from_utf8_lossy(&bytes);
                tally.errors.push(format!(
                    "{method} {path}: {status:?} (expected {expect}): {}",
                    text.chars().take(300).collect::<String>()
                ));
            }
            return Value::Null;
        }
        if bytes.is_empty() || !bytes.starts_with(b"{") {
            return Value::Null;
        }
        serde_json::from_slice(&bytes).unwrap_or(Value::Null)
    }

    async fn get(&self, path: &str, token: &str) -> Value {
        self.call(Method::GET, path, Some(token), None, StatusCode::OK)
            .await
    }

    async fn post(
        &self,
        path: &str,
        token: Option<&str>,
        body: Value,
        expect: StatusCode,
    ) -> Value {
        self.call(Method::POST, path, token, Some(body), expect)
            .await
    }

    /// Bytes of a GET (a PDF, a CSV), timed like the rest.
    async fn download(&self, path: &str, token: &str) {
        self.call(Method::GET, path, Some(token), None, StatusCode::OK)
            .await;
    }

    async fn login(&self, email: &str) -> String {
        let res = self
            .post(
                "/api/v1/auth/login",
                None,
                json!({"email": email, "password": PASSWORD}),
                StatusCode::OK,
            )
            .await;
        res["token"].as_str().unwrap_or_default().to_owned()
    }

    /// Every page of a list (200 a page).
    async fn all(&self, path: &str, token: &str) -> Vec<Value> {
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let sep = if path.contains('?') { '&' } else { '?' };
            let page_path = match &cursor {
                Some(c) => format!("{path}{sep}limit=200&cursor={c}"),
                None => format!("{path}{sep}limit=200"),
            };
            let page = self.get(&page_path, token).await;
            items.extend(page["items"].as_array().cloned().unwrap_or_default());
            match page["next_cursor"].as_str() {
                Some(c) if !c.is_empty() => cursor = Some(c.to_owned()),
                _ => return items,
            }
        }
    }
}

/// Runs `f` over `items`, `clients` at a time.
async fn each<T, F, Fut>(clients: usize, items: Vec<T>, f: F) -> Vec<Fut::Output>
where
    F: Fn(T) -> Fut,
    Fut: std::future::Future,
{
    stream::iter(items.into_iter().map(f))
        .buffer_unordered(clients)
        .collect()
        .await
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap_or_default().to_owned()
}

// ---------------------------------------------------------------------------------------
// The outbox, watched from `/metrics` each second.

#[derive(Clone, Copy, Default)]
struct Sample {
    at: f64,
    pending: f64,
    sent: f64,
    oldest: f64,
}

fn metric(text: &str, name: &str) -> f64 {
    text.lines()
        .find(|l| l.starts_with(name))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0)
}

async fn watch_outbox(
    http: reqwest::Client,
    base: String,
    start: Instant,
    samples: Arc<Mutex<Vec<Sample>>>,
    stop: Arc<AtomicBool>,
) {
    while !stop.load(Ordering::Relaxed) {
        let scrape = http
            .get(format!("{base}/metrics"))
            .bearer_auth(METRICS_TOKEN);
        if let Ok(res) = scrape.send().await {
            if let Ok(text) = res.text().await {
                let sample = Sample {
                    at: start.elapsed().as_secs_f64(),
                    pending: metric(&text, "fieldlab_notifications{status=\"pending\"}"),
                    sent: metric(&text, "fieldlab_notifications{status=\"sent\"}"),
                    oldest: metric(&text, "fieldlab_outbox_oldest_pending_seconds "),
                };
                samples.lock().expect("samples").push(sample);
            }
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// The longest wait seen and the drain rate between samples that both saw a backlog of at
/// least [`BACKLOG`] (and the best such second).
fn outbox_figures(samples: &[Sample]) -> (f64, f64, f64) {
    let longest = samples.iter().map(|s| s.oldest).fold(0.0, f64::max);
    let (mut sent, mut secs) = (0.0, 0.0);
    let mut peak: f64 = 0.0;
    for w in samples.windows(2) {
        if w[0].pending >= BACKLOG && w[1].pending >= BACKLOG {
            let (d, t) = (w[1].sent - w[0].sent, w[1].at - w[0].at);
            sent += d;
            secs += t;
            if t > 0.0 {
                peak = peak.max(d / t);
            }
        }
    }
    let rate = if secs > 0.0 { sent / secs } else { f64::NAN };
    (longest, rate, peak)
}

// ---------------------------------------------------------------------------------------
// The year.

struct Phase {
    name: String,
    /// When it began and ended, as the database stores times (UTC).
    clock: (chrono::NaiveDateTime, chrono::NaiveDateTime),
    started: f64,
    ended: f64,
    tally: Tally,
    samples: Vec<Sample>,
    db_mib: f64,
    mail_mib: f64,
    rss_mib: (f64, f64),
}

struct Year {
    api: Api,
    clients: usize,
    scale: usize,
    staff: String,
    tutors: Vec<(String, String, String)>, // id, email, token
    mail_dir: PathBuf,
    server: Arc<Server>,
    http: reqwest::Client,
    seen_mail: HashSet<PathBuf>,
    form_tokens: HashMap<String, String>,
}

async fn run(scale: usize, clients: usize, instances: usize, url: &str, dir: &Path) -> bool {
    let backend = if url.starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    println!("year generator: scale {scale}, {clients} clients at once, {backend}");
    if instances > 1 {
        assert!(
            url.starts_with("postgres"),
            "several instances share one PostgreSQL: set BENCH_DATABASE_URL"
        );
        println!("{instances} instances behind nginx; one is killed (SIGKILL) half-way through the internships and started again a batch later");
    }
    let server = Arc::new(Server::start(url, dir, scale, instances));
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(clients * 2)
        .timeout(Duration::from_secs(300))
        .build()
        .expect("client");
    server.ready(&http).await;
    // What start-up read (empty tables) is not the year's.
    let baseline = if url.starts_with("postgres") {
        scans(url)
    } else {
        HashMap::new()
    };
    let api = Api {
        http: http.clone(),
        base: server.base.clone(),
        tally: Arc::default(),
    };
    let start = Instant::now();
    let samples: Arc<Mutex<Vec<Sample>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let watcher = tokio::spawn(watch_outbox(
        http.clone(),
        server.metrics_base.clone(),
        start,
        Arc::clone(&samples),
        Arc::clone(&stop),
    ));
    let staff = api.login(STAFF).await;
    let mut year = Year {
        api: api.clone(),
        clients,
        scale,
        staff,
        tutors: Vec::new(),
        mail_dir: server.mail_dir.clone(),
        server: Arc::clone(&server),
        http: http.clone(),
        seen_mail: HashSet::new(),
        form_tokens: HashMap::new(),
    };
    let mut phases = Vec::new();
    let close = |name: &str, begun: f64, phases: &mut Vec<Phase>| {
        let tally = std::mem::take(&mut *api.tally.lock().expect("tally"));
        let ended = start.elapsed().as_secs_f64();
        let taken: Vec<Sample> = samples
            .lock()
            .expect("samples")
            .iter()
            .filter(|s| s.at >= begun && s.at <= ended + 1.0)
            .copied()
            .collect();
        let (db_mib, mail_mib) = server.sizes_mib();
        let since = |secs: f64| {
            let ago = chrono::Duration::milliseconds(((ended - secs) * 1000.0) as i64);
            chrono::Utc::now().naive_utc() - ago
        };
        let phase = Phase {
            name: name.to_owned(),
            clock: (since(begun), since(ended)),
            started: begun,
            ended,
            tally,
            samples: taken,
            db_mib,
            mail_mib,
            rss_mib: server.rss_mib(),
        };
        print_phase(&phase);
        phases.push(phase);
        ended
    };

    let mut at = start.elapsed().as_secs_f64();
    let people = year.people().await;
    at = close("people", at, &mut phases);
    let founders = year.incubator(&people.founders).await;
    at = close("incubator", at, &mut phases);
    year.labs(&founders).await;
    at = close("labs", at, &mut phases);
    for (n, (starts_on, students)) in [
        ("2026-09-28", &people.mission_students[0]),
        ("2026-11-16", &people.mission_students[1]),
    ]
    .into_iter()
    .enumerate()
    {
        year.campaign(n + 1, starts_on, &people.companies, students)
            .await;
        at = close(&format!("campaign {}", n + 1), at, &mut phases);
    }
    year.internships(&people.hosts, &people.interns).await;
    at = close("internships", at, &mut phases);
    year.office().await;
    at = close("office", at, &mut phases);

    // The outbox empties; the last e-mails' waits count too.
    let drained_by = Instant::now();
    loop {
        let last = samples.lock().expect("samples").last().copied();
        if last.is_some_and(|s| s.pending == 0.0 && s.at > at)
            || drained_by.elapsed() > Duration::from_secs(600)
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    at = close("outbox drains", at, &mut phases);
    stop.store(true, Ordering::Relaxed);
    let _ = watcher.await;

    // Sequential scans of big tables: first as the year left them (never analysed), then
    // after an ANALYZE, over the office's reads replayed.
    let mut scanned = Vec::new();
    if url.starts_with("postgres") {
        let before = scans(url);
        scanned.extend(big_scans("never analysed", &baseline, &before));
        let mut conn = PgConnection::establish(url).expect("PostgreSQL");
        diesel::sql_query("ANALYZE")
            .execute(&mut conn)
            .expect("ANALYZE");
        year.office().await;
        let after = scans(url);
        scanned.extend(big_scans(
            "after ANALYZE, the office's reads",
            &before,
            &after,
        ));
        let _ = close("office, analysed", at, &mut phases);
    }
    summary(&server, &phases, backend, scale, &scanned)
}

struct People {
    founders: Vec<(String, String)>,                      // email, token
    companies: Vec<(String, String, String)>,             // company id, contact email, token
    hosts: Vec<(String, String, usize)>,                  // company id, token, number
    mission_students: [Vec<(String, String, String)>; 2], // id, email, token
    interns: Vec<(String, String, String)>,
}

/// A SIRET with a valid Luhn key, different for each `n`.
fn siret(n: usize) -> String {
    let base = format!("{:013}", 4_428_293_200_000_u64 + n as u64);
    let sum: u32 = base
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            match (i % 2 == 0, d * 2) {
                (true, twice) if twice > 9 => twice - 9,
                (true, twice) => twice,
                (false, _) => d,
            }
        })
        .sum();
    format!("{base}{}", (10 - sum % 10) % 10)
}

impl Year {
    /// Accounts: staff create tutors and students (each welcomed by e-mail); founders, companies
    /// and hosts register themselves; everyone signs in.
    async fn people(&mut self) -> People {
        let (api, staff, s) = (self.api.clone(), self.staff.clone(), self.scale);
        let tutors = each(self.clients, (0..30 * s).collect(), |i| {
            let (api, staff) = (api.clone(), staff.clone());
            async move {
                let email = format!("enseignant.{i}@mines-ales.fr");
                let body = json!({"email": email, "name": format!("Enseignant {i}"),
                    "password": PASSWORD, "domains": [DOMAINS[i % DOMAINS.len()]],
                    "max_projects": 3, "max_missions": 8});
                let tutor = api
                    .post("/api/v1/tutors", Some(&staff), body, StatusCode::CREATED)
                    .await;
                let token = api.login(&email).await;
                (id(&tutor), email, token)
            }
        })
        .await;
        self.tutors = tutors;
        let student = |group: &'static str, i: usize| {
            let (api, staff) = (api.clone(), staff.clone());
            async move {
                let email = format!("{group}.{i}@etu.mines-ales.fr");
                let body = json!({"email": email, "name": format!("Élève {group} {i}"),
                    "role": "student", "password": PASSWORD});
                let user = api
                    .post("/api/v1/users", Some(&staff), body, StatusCode::CREATED)
                    .await;
                let token = api.login(&email).await;
                (id(&user), email, token)
            }
        };
        let first = each(self.clients, (0..240 * s).collect(), |i| student("m1", i)).await;
        let second = each(self.clients, (0..240 * s).collect(), |i| student("m2", i)).await;
        let interns = each(self.clients, (0..1500 * s).collect(), |i| {
            student("stage", i)
        })
        .await;
        let register = |role: &'static str, email: String, name: String| {
            let api = api.clone();
            async move {
                api.post(
                    "/api/v1/auth/register",
                    None,
                    json!({"email": email, "password": PASSWORD, "name": name, "role": role}),
                    StatusCode::CREATED,
                )
                .await;
                api.login(&email).await
            }
        };
        let founders = each(self.clients, (0..40 * s).collect(), |i| {
            let email = format!("fondateur.{i}@startup{i}.fr");
            let reg = register("founder", email.clone(), format!("Fondatrice {i}"));
            async move { (email, reg.await) }
        })
        .await;
        let company = |i: usize, kind: &'static str| {
            let email = format!("contact@{kind}{i}.fr");
            let reg = register("company", email.clone(), format!("Contact {kind} {i}"));
            let api = api.clone();
            async move {
                let token = reg.await;
                let city = ["Alès", "Nîmes", "Anduze", "Montpellier"][i % 4];
                let body =
                    json!({"name": format!("{kind} {i} SAS"), "city": city, "local": i % 8 < 5});
                let company = api
                    .post("/api/v1/companies", Some(&token), body, StatusCode::CREATED)
                    .await;
                (id(&company), email, token)
            }
        };
        let companies = each(self.clients, (0..80 * s).collect(), |i| {
            company(i, "entreprise")
        })
        .await;
        let hosts = each(self.clients, (0..150 * s).collect(), |i| {
            let c = company(i, "hote");
            async move {
                let (company, _, token) = c.await;
                (company, token, i)
            }
        })
        .await;
        People {
            founders,
            companies,
            hosts,
            mission_students: [first, second],
            interns,
        }
    }

    /// Founders apply; staff admit within the capacity (each with the first suggested tutor)
    /// and refuse the rest with a reason. Returns each incubated founder and project.
    async fn incubator(&mut self, founders: &[(String, String)]) -> Vec<(String, String)> {
        let (api, staff) = (self.api.clone(), self.staff.clone());
        let applications = each(self.clients, founders.to_vec(), |(_, token)| {
            let api = api.clone();
            async move {
                let i = token.len() % DOMAINS.len();
                let body = json!({"title": format!("Projet {}", &token[..8]),
                    "summary": "Un béton bas carbone à partir de déchets de carrière.",
                    "domain": DOMAINS[i], "manufactured_product": true});
                let app = api
                    .post(
                        "/api/v1/applications",
                        Some(&token),
                        body,
                        StatusCode::CREATED,
                    )
                    .await;
                (id(&app), token)
            }
        })
        .await;
        api.get("/api/v1/applications?status=submitted", &staff)
            .await;
        let admit = 25 * self.scale;
        let decided = each(
            self.clients,
            applications.into_iter().enumerate().collect(),
            |(n, (app, token))| {
                let (api, staff) = (api.clone(), staff.clone());
                async move {
                    api.get(&format!("/api/v1/applications/{app}"), &staff).await;
                    if n >= admit {
                        api.post(
                            &format!("/api/v1/applications/{app}/decision"),
                            Some(&staff),
                            json!({"decision": "reject",
                                   "reason": "Le projet ne relève pas des domaines de l'incubateur."}),
                            StatusCode::OK,
                        )
                        .await;
                        return None;
                    }
                    api.post(
                        &format!("/api/v1/applications/{app}/decision"),
                        Some(&staff),
                        json!({"decision": "admit"}),
                        StatusCode::OK,
                    )
                    .await;
                    Some((app, token))
                }
            },
        )
        .await;
        let admitted: Vec<(String, String)> = decided.into_iter().flatten().collect();
        // Tutors one at a time, as staff do: each choice changes the next suggestions.
        for (app, _) in &admitted {
            let suggestions = api
                .get(
                    &format!("/api/v1/applications/{app}/tutor-suggestions"),
                    &staff,
                )
                .await;
            let tutor = suggestions["items"][0]["tutor_id"]
                .as_str()
                .unwrap_or_default();
            api.call(
                Method::PUT,
                &format!("/api/v1/applications/{app}/tutor"),
                Some(&staff),
                Some(json!({"tutor_id": tutor})),
                StatusCode::OK,
            )
            .await;
        }
        admitted
    }

    /// Labs open on weekdays; the incubated founders book their machines, hour by hour, from
    /// tomorrow on, looking at the availability first one time in five; one in twenty cancels.
    async fn labs(&mut self, founders: &[(String, String)]) {
        let (api, staff) = (self.api.clone(), self.staff.clone());
        let hours: Vec<Value> = (1..=5)
            .map(|d| json!({"weekday": d, "opens": "08:00", "closes": "18:00"}))
            .collect();
        let mut machines = Vec::new();
        for l in 0..4 * self.scale {
            let lab = api
                .post(
                    "/api/v1/labs",
                    Some(&staff),
                    json!({"name": format!("Laboratoire {l}"), "timezone": "Europe/Paris",
                           "opening_hours": hours}),
                    StatusCode::CREATED,
                )
                .await;
            for m in 0..3 {
                let machine = api
                    .post(
                        &format!("/api/v1/labs/{}/equipment", id(&lab)),
                        Some(&staff),
                        json!({"name": format!("Presse {l}.{m}"), "min_minutes": 30,
                               "max_minutes": 240}),
                        StatusCode::CREATED,
                    )
                    .await;
                machines.push(id(&machine));
            }
        }
        if founders.is_empty() || machines.is_empty() {
            return;
        }
        // Weekdays from tomorrow (Paris), ten one-hour slots a day per machine.
        let mut days = Vec::new();
        let mut day = fieldlab::clock::today() + chrono::Duration::days(1);
        let bookings = 2000 * self.scale;
        while days.len() * 10 * machines.len() < bookings {
            if day.weekday().number_from_monday() <= 5 {
                days.push(day);
            }
            day += chrono::Duration::days(1);
        }
        let plan: Vec<(usize, String, NaiveDate, u32)> = (0..bookings)
            .map(|k| {
                let slot = k / machines.len();
                (
                    k,
                    machines[k % machines.len()].clone(),
                    days[slot / 10],
                    8 + (slot % 10) as u32,
                )
            })
            .collect();
        each(self.clients, plan, |(k, machine, day, hour)| {
            let api = api.clone();
            let (app, token) = founders[k % founders.len()].clone();
            async move {
                if k % 5 == 0 {
                    api.get(
                        &format!("/api/v1/equipment/{machine}/availability?from={day}&to={day}"),
                        &token,
                    )
                    .await;
                }
                let at = |h: u32| {
                    let local = day.and_hms_opt(h, 0, 0).expect("hour");
                    local
                        .and_local_timezone(chrono_tz::Europe::Paris)
                        .single()
                        .expect("a Paris time")
                        .to_rfc3339()
                };
                let booking = api
                    .post(
                        "/api/v1/bookings",
                        Some(&token),
                        json!({"equipment_id": machine, "starts_at": at(hour),
                               "ends_at": at(hour + 1), "application_id": app,
                               "purpose": "Essais de compression"}),
                        StatusCode::CREATED,
                    )
                    .await;
                if k % 20 == 7 {
                    api.post(
                        &format!("/api/v1/bookings/{}/cancel", id(&booking)),
                        Some(&token),
                        json!({}),
                        StatusCode::OK,
                    )
                    .await;
                }
            }
        })
        .await;
    }

    /// One campaign, from the companies' problems to the marks.
    async fn campaign(
        &mut self,
        n: usize,
        starts_on: &str,
        companies: &[(String, String, String)],
        students: &[(String, String, String)],
    ) {
        let (api, staff, s) = (self.api.clone(), self.staff.clone(), self.scale);
        let campaign = api
            .post(
                "/api/v1/campaigns",
                Some(&staff),
                json!({"name": format!("Missions terrain {n}"), "starts_on": starts_on,
                       "max_problems": 80 * s, "max_choices": 10}),
                StatusCode::CREATED,
            )
            .await;
        let campaign = id(&campaign);
        let problems = each(
            self.clients,
            companies.iter().cloned().enumerate().collect(),
            |(i, (_, _, token))| {
                let (api, campaign) = (api.clone(), campaign.clone());
                async move {
                    let p = api
                        .post(
                            &format!("/api/v1/campaigns/{campaign}/problems"),
                            Some(&token),
                            json!({"title": format!("Réduire les chutes de découpe {n}.{i}"),
                                   "description": "Mesurer les machines, analyser les données, recommander.",
                                   "domain": DOMAINS[i % DOMAINS.len()]}),
                            StatusCode::CREATED,
                        )
                        .await;
                    id(&p)
                }
            },
        )
        .await;
        each(self.clients, problems.clone(), |p| {
            let (api, staff) = (api.clone(), staff.clone());
            async move {
                api.post(
                    &format!("/api/v1/problems/{p}/review"),
                    Some(&staff),
                    json!({"decision": "accept"}),
                    StatusCode::OK,
                )
                .await;
            }
        })
        .await;
        api.post(
            &format!("/api/v1/campaigns/{campaign}/open-signup"),
            Some(&staff),
            json!({}),
            StatusCode::OK,
        )
        .await;
        // Teams of three, each ranking ten problems (a spread that leaves some contention).
        let teams: Vec<usize> = (0..students.len() / 3).collect();
        let problems = Arc::new(problems);
        each(self.clients, teams, |t| {
            let (api, campaign, problems) = (api.clone(), campaign.clone(), Arc::clone(&problems));
            let members: Vec<(String, String, String)> = students[3 * t..3 * t + 3].to_vec();
            async move {
                let token = &members[0].2;
                api.get(&format!("/api/v1/campaigns/{campaign}/problems?limit=200"), token)
                    .await;
                let team = api
                    .post(
                        &format!("/api/v1/campaigns/{campaign}/teams"),
                        Some(token),
                        json!({"name": format!("Équipe {n}.{t}"),
                               "member_emails": members.iter().map(|m| m.1.clone()).collect::<Vec<_>>()}),
                        StatusCode::CREATED,
                    )
                    .await;
                let k = problems.len();
                let ranked: Vec<String> = (0..10.min(k))
                    .map(|r| problems[(t * 7 + r * (r + 3)) % k].clone())
                    .collect::<Vec<_>>();
                let mut distinct = Vec::new();
                for p in ranked {
                    if !distinct.contains(&p) {
                        distinct.push(p);
                    }
                }
                api.call(
                    Method::PUT,
                    &format!("/api/v1/teams/{}/preferences", id(&team)),
                    Some(&members[1].2),
                    Some(json!({"problem_ids": distinct})),
                    StatusCode::OK,
                )
                .await;
            }
        })
        .await;
        for step in ["allocate", "publish", "assign-tutors"] {
            api.post(
                &format!("/api/v1/campaigns/{campaign}/{step}"),
                Some(&staff),
                json!({}),
                StatusCode::OK,
            )
            .await;
        }
        api.download(
            &format!("/api/v1/campaigns/{campaign}/allocation.csv"),
            &staff,
        )
        .await;
        api.post(
            &format!("/api/v1/campaigns/{campaign}/agreements/send"),
            Some(&staff),
            json!({}),
            StatusCode::OK,
        )
        .await;
        let agreements = api
            .all(
                &format!("/api/v1/agreements?campaign_id={campaign}"),
                &staff,
            )
            .await;
        let tokens: HashMap<String, String> = students
            .iter()
            .map(|(_, email, token)| (email.clone(), token.clone()))
            .chain(
                companies
                    .iter()
                    .map(|(_, email, token)| (email.clone(), token.clone())),
            )
            .collect();
        self.sign_all(&agreements, &tokens).await;
        // Marks: the company and the tutor of each mission, for the team.
        let missions = api
            .all(&format!("/api/v1/campaigns/{campaign}/missions"), &staff)
            .await;
        let tutors: HashMap<String, String> = self
            .tutors
            .iter()
            .map(|(id, _, token)| (id.clone(), token.clone()))
            .collect();
        let companies: HashMap<String, String> = companies
            .iter()
            .map(|(id, _, token)| (id.clone(), token.clone()))
            .collect();
        each(self.clients, missions, |m| {
            let api = api.clone();
            let marker = [
                companies.get(m["company_id"].as_str().unwrap_or_default()).cloned(),
                tutors.get(m["tutor_id"].as_str().unwrap_or_default()).cloned(),
            ];
            async move {
                for (k, token) in marker.into_iter().flatten().enumerate() {
                    api.post(
                        &format!("/api/v1/missions/{}/evaluations", id(&m)),
                        Some(&token),
                        json!({"marks": [{"mark": 14.5 + k as f64, "comments": "Travail sérieux."}]}),
                        StatusCode::OK,
                    )
                    .await;
                }
            }
        })
        .await;
    }

    /// Every party of each agreement signs it (the school last, as the office does).
    async fn sign_all(&self, agreements: &[Value], tokens: &HashMap<String, String>) {
        let api = self.api.clone();
        let tutors: HashMap<String, String> = self
            .tutors
            .iter()
            .map(|(_, email, token)| (email.clone(), token.clone()))
            .collect();
        each(self.clients, agreements.to_vec(), |a| {
            let api = api.clone();
            let staff = self.staff.clone();
            let signers: Vec<String> = a["signatures"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .iter()
                .filter(|s| s["party"] != "school")
                .filter_map(|s| {
                    let email = s["email"]
                        .as_str()
                        .or_else(|| s["signatory"]["email"].as_str())
                        .unwrap_or_default();
                    tokens.get(email).or_else(|| tutors.get(email)).cloned()
                })
                .collect();
            async move {
                let path = format!("/api/v1/agreements/{}/sign", id(&a));
                for token in signers.iter().chain(std::iter::once(&staff)) {
                    api.post(&path, Some(token), json!({"consent": true}), StatusCode::OK)
                        .await;
                }
            }
        })
        .await;
    }

    /// Internships in batches of 500: requested by the student, completed by the supervisor
    /// from the e-mailed link, the tutor named (and the host's record completed, the first
    /// time) by the office, validated by the tutor, sent by the office, signed by all four.
    async fn internships(
        &mut self,
        hosts: &[(String, String, usize)],
        interns: &[(String, String, String)],
    ) {
        let (api, staff) = (self.api.clone(), self.staff.clone());
        let mut completed_hosts = HashSet::new();
        let tokens: HashMap<String, String> = interns
            .iter()
            .map(|(_, email, token)| (email.clone(), token.clone()))
            .chain(
                hosts
                    .iter()
                    .map(|(_, token, n)| (format!("contact@hote{n}.fr"), token.clone())),
            )
            .collect();
        let batches = interns.len().div_ceil(500);
        let several = self.server.count() > 1;
        for (b, batch) in interns.chunks(500).enumerate() {
            let base = b * 500;
            if several && b == batches / 2 {
                // Killed a few seconds into the batch: requests and e-mails in flight.
                let server = Arc::clone(&self.server);
                tokio::spawn(async move {
                    tokio::time::sleep(Duration::from_secs(3)).await;
                    println!("   (instance 2 killed with SIGKILL, batch {b})");
                    server.kill(1);
                });
            }
            if several && b == batches / 2 + 1 {
                self.server.restart(1, &self.http).await;
                println!("   (instance 2 started again, batch {b})");
            }
            let requested = each(
                self.clients,
                batch.iter().cloned().enumerate().collect(),
                |(k, (_, _, token))| {
                    let api = api.clone();
                    let i = base + k;
                    let (host, _, h) = hosts[i % hosts.len()].clone();
                    async move {
                        let start = NaiveDate::from_ymd_opt(2027, 2, 1).expect("date")
                            + chrono::Duration::weeks((i % 16) as i64);
                        let end = start + Months::new(2 + (i % 4) as u32) - chrono::Duration::days(3);
                        let supervisor = format!("tuteur.{i}@hote{h}.fr");
                        let created = api
                            .post(
                                "/api/v1/internships",
                                Some(&token),
                                json!({"company_id": host, "student_number": format!("27A{i:05}"),
                                       "programme": "Cycle ingénieur, 2e année",
                                       "subject": format!("Jumeau numérique d'une ligne de production ({i})"),
                                       "starts_on": start, "ends_on": end,
                                       "supervisor_name": format!("Tuteur {i}"),
                                       "supervisor_email": supervisor}),
                                StatusCode::CREATED,
                            )
                            .await;
                        (id(&created), supervisor, h)
                    }
                },
            )
            .await;
            // The supervisors open their e-mails.
            let wanted: Vec<String> = requested.iter().map(|r| r.1.clone()).collect();
            self.read_form_links(&wanted).await;
            let forms: Vec<(String, Option<String>)> = requested
                .iter()
                .map(|(_, sup, _)| (sup.clone(), self.form_tokens.get(sup).cloned()))
                .collect();
            each(self.clients, forms, |(sup, token)| {
                let api = api.clone();
                async move {
                    let Some(token) = token else {
                        let mut tally = api.tally.lock().expect("tally");
                        tally.unexpected += 1;
                        tally.errors.push(format!("no form link reached {sup}"));
                        return;
                    };
                    let path = format!("/api/v1/internship-forms/{token}");
                    api.call(Method::GET, &path, None, None, StatusCode::OK).await;
                    api.call(
                        Method::PUT,
                        &path,
                        None,
                        Some(json!({"activities": "Modéliser la ligne et comparer le modèle aux mesures.",
                                    "skills": "Modélisation, instrumentation, analyse de données.",
                                    "gratification_cents_per_hour": 450,
                                    "leave": "Deux jours par mois de présence."})),
                        StatusCode::OK,
                    )
                    .await;
                }
            })
            .await;
            // The office names the tutor (and completes a host's record once); the tutor validates.
            let office: Vec<(usize, String, usize, bool)> = requested
                .iter()
                .enumerate()
                .map(|(k, (id, _, h))| (base + k, id.clone(), *h, completed_hosts.insert(*h)))
                .collect();
            let tutors = self.tutors.clone();
            each(self.clients, office, |(i, agreement, h, first)| {
                let (api, staff) = (api.clone(), staff.clone());
                let (tutor, _, tutor_token) = tutors[i % tutors.len()].clone();
                async move {
                    let mut change = json!({"academic_tutor_id": tutor});
                    if first {
                        change["company"] = json!({"siret": siret(h),
                            "address": format!("{h} avenue de la Gare"),
                            "representative_name": format!("Contact hote {h}"),
                            "representative_role": "Directrice des ressources humaines",
                            "headcount": 250});
                    }
                    api.call(
                        Method::PATCH,
                        &format!("/api/v1/internships/{agreement}"),
                        Some(&staff),
                        Some(change),
                        StatusCode::OK,
                    )
                    .await;
                    api.post(
                        &format!("/api/v1/agreements/{agreement}/validations"),
                        Some(&tutor_token),
                        json!({"step": "pedagogical", "decision": "approve"}),
                        StatusCode::OK,
                    )
                    .await;
                }
            })
            .await;
            let sent = api
                .post(
                    "/api/v1/internships/send",
                    Some(&staff),
                    json!({}),
                    StatusCode::OK,
                )
                .await;
            let skipped = sent["skipped"].as_array().map_or(0, Vec::len);
            if skipped > 0 {
                let mut tally = api.tally.lock().expect("tally");
                tally.unexpected += skipped;
                tally.errors.push(format!(
                    "internships/send skipped {skipped}: {}",
                    sent["skipped"][0]
                ));
            }
            let agreements = each(self.clients, requested, |(agreement, _, _)| {
                let (api, staff) = (api.clone(), staff.clone());
                async move {
                    api.get(&format!("/api/v1/agreements/{agreement}"), &staff)
                        .await
                }
            })
            .await;
            self.sign_all(&agreements, &tokens).await;
        }
    }

    /// The supervisors' links in the e-mails written so far, read once each (the outbox sends
    /// them within seconds; waits for every one in `wanted`).
    async fn read_form_links(&mut self, wanted: &[String]) {
        let deadline = Instant::now() + Duration::from_secs(300);
        loop {
            let mut entries: Vec<PathBuf> = std::fs::read_dir(&self.mail_dir)
                .into_iter()
                .flatten()
                .flatten()
                .map(|e| e.path())
                .filter(|p| !self.seen_mail.contains(p))
                .collect();
            entries.sort();
            for path in entries {
                let Ok(raw) = std::fs::read(&path) else {
                    continue;
                };
                let Ok(mail) = mailparse::parse_mail(&raw) else {
                    continue;
                };
                use mailparse::MailHeaderMap;
                let to = mail.headers.get_first_value("To").unwrap_or_default();
                let Some(sup) = to
                    .split(['<', '>', ',', ' '])
                    .find(|a| a.starts_with("tuteur.") && a.contains("@hote"))
                else {
                    self.seen_mail.insert(path);
                    continue;
                };
                let mut text = String::new();
                collect_text(&mail, &mut text);
                let token = text.split("/internship-form?token=").nth(1).map(|after| {
                    after
                        .chars()
                        .take_while(char::is_ascii_alphanumeric)
                        .collect::<String>()
                });
                if let Some(token) = token.filter(|t| t.len() == 64) {
                    self.form_tokens.insert(sup.to_owned(), token);
                    self.seen_mail.insert(path);
                }
            }
            if wanted.iter().all(|w| self.form_tokens.contains_key(w)) || Instant::now() > deadline
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }

    /// The office's day: the register page by page, its CSV, statistics, PDFs, the outbox.
    async fn office(&mut self) {
        let (api, staff) = (self.api.clone(), self.staff.clone());
        let mut cursor: Option<String> = None;
        let mut ids = Vec::new();
        for _ in 0..40 {
            let path = match &cursor {
                Some(c) => format!("/api/v1/agreements?limit=50&cursor={c}"),
                None => "/api/v1/agreements?limit=50".to_owned(),
            };
            let page = api.get(&path, &staff).await;
            ids.extend(page["items"].as_array().into_iter().flatten().map(id));
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => break,
            }
        }
        for status in ["sent", "signed"] {
            api.get(
                &format!("/api/v1/agreements?status={status}&limit=50"),
                &staff,
            )
            .await;
        }
        api.get("/api/v1/agreements/statistics", &staff).await;
        api.download("/api/v1/agreements.csv", &staff).await;
        api.get("/api/v1/notifications?status=failed", &staff).await;
        each(self.clients, ids.into_iter().step_by(10).collect(), |a| {
            let (api, staff) = (api.clone(), staff.clone());
            async move {
                api.get(&format!("/api/v1/agreements/{a}"), &staff).await;
                api.download(&format!("/api/v1/agreements/{a}.pdf"), &staff)
                    .await;
            }
        })
        .await;
    }
}

fn collect_text(part: &mailparse::ParsedMail, out: &mut String) {
    if part.subparts.is_empty() {
        if part.ctype.mimetype.starts_with("text/") {
            out.push_str(&part.get_body().unwrap_or_default());
        }
    } else {
        for sub in &part.subparts {
            collect_text(sub, out);
        }
    }
}

// ---------------------------------------------------------------------------------------
// Figures.

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn print_phase(p: &Phase) {
    let (longest, rate, peak) = outbox_figures(&p.samples);
    let sent = match (p.samples.first(), p.samples.last()) {
        (Some(a), Some(b)) => b.sent - a.sent,
        _ => 0.0,
    };
    println!(
        "\n== {} — {:.1} s, {} requests, {} unexpected ({} 5xx); outbox: {sent:.0} sent, \
         longest wait seen {longest:.0} s, drain {rate:.0}/s while a backlog waits (best second \
         {peak:.0}/s); database {:.1} MiB, mail {:.1} MiB; server RSS {:.0} MiB (peak {:.0} MiB)",
        p.name,
        p.ended - p.started,
        p.tally.requests,
        p.tally.unexpected,
        p.tally.server_errors,
        p.db_mib,
        p.mail_mib,
        p.rss_mib.0,
        p.rss_mib.1,
    );
    let mut families: Vec<(&String, &Vec<f64>)> = p.tally.latencies.iter().collect();
    families.sort_by(|a, b| a.0.cmp(b.0));
    for (name, times) in families {
        let mut sorted = times.clone();
        sorted.sort_by(f64::total_cmp);
        println!(
            "   {name:<58} n={:<6} p50 {:>7.1} ms  p95 {:>7.1} ms  p99 {:>7.1} ms",
            sorted.len(),
            percentile(&sorted, 50.0),
            percentile(&sorted, 95.0),
            percentile(&sorted, 99.0)
        );
    }
    if p.tally.cut > 0 {
        println!(
            "   {} requests cut by an instance's kill (nginx: 502), sent again",
            p.tally.cut
        );
    }
    for e in &p.tally.errors {
        println!("   ! {e}");
    }
}

/// The outbox's drain, second by second, from each message's `created_at` and `sent_at`
/// (stored to the second): over the seconds that began with [`BACKLOG`] or more waiting, how
/// many were sent per second.
struct Drain {
    seconds: usize,
    rate: f64,
    most_waiting: i64,
    busiest: i64,
}

fn exact_drain(times: &[(chrono::NaiveDateTime, Option<chrono::NaiveDateTime>)]) -> Drain {
    let Some(first) = times.iter().map(|(c, _)| *c).min() else {
        return Drain {
            seconds: 0,
            rate: f64::NAN,
            most_waiting: 0,
            busiest: 0,
        };
    };
    let second = |at: chrono::NaiveDateTime| (at - first).num_seconds().max(0) as usize;
    let last = times
        .iter()
        .map(|(c, s)| second(s.unwrap_or(*c)).max(second(*c)))
        .max()
        .unwrap_or(0);
    let (mut created, mut sent) = (vec![0_i64; last + 2], vec![0_i64; last + 2]);
    for (c, s) in times {
        created[second(*c)] += 1;
        if let Some(s) = s {
            sent[second(*s)] += 1;
        }
    }
    let (mut waiting, mut seconds, mut total, mut most_waiting) = (0_i64, 0, 0_i64, 0_i64);
    for t in 0..=last {
        // Waiting as second t begins: queued before it, not sent before it.
        most_waiting = most_waiting.max(waiting);
        if waiting as f64 >= BACKLOG {
            seconds += 1;
            total += sent[t];
        }
        waiting += created[t] - sent[t];
    }
    Drain {
        seconds,
        rate: if seconds > 0 {
            total as f64 / seconds as f64
        } else {
            f64::NAN
        },
        most_waiting,
        busiest: sent.iter().copied().max().unwrap_or(0),
    }
}

#[derive(QueryableByName)]
struct Wait {
    #[diesel(sql_type = Nullable<Double>)]
    longest: Option<f64>,
    #[diesel(sql_type = BigInt)]
    sent: i64,
    #[diesel(sql_type = BigInt)]
    other: i64,
}

#[derive(QueryableByName, Clone)]
struct Scanned {
    #[diesel(sql_type = Text)]
    relname: String,
    #[diesel(sql_type = BigInt)]
    seq_scan: i64,
    #[diesel(sql_type = BigInt)]
    seq_tup_read: i64,
    #[diesel(sql_type = BigInt)]
    rows: i64,
}

fn scans(url: &str) -> HashMap<String, Scanned> {
    let mut conn = PgConnection::establish(url).expect("PostgreSQL");
    let rows: Vec<Scanned> = diesel::sql_query(
        "SELECT relname::text AS relname, seq_scan, seq_tup_read, n_live_tup AS rows \
         FROM pg_stat_user_tables ORDER BY relname",
    )
    .load(&mut conn)
    .expect("pg_stat_user_tables");
    rows.into_iter().map(|r| (r.relname.clone(), r)).collect()
}

/// The tables over [`SCAN_ROWS`] rows read by a sequential scan between two snapshots.
fn big_scans(
    when: &str,
    before: &HashMap<String, Scanned>,
    after: &HashMap<String, Scanned>,
) -> Vec<String> {
    let mut found: Vec<String> = after
        .values()
        .filter_map(|s| {
            let (scans, read) = before
                .get(&s.relname)
                .map_or((s.seq_scan, s.seq_tup_read), |b| {
                    (s.seq_scan - b.seq_scan, s.seq_tup_read - b.seq_tup_read)
                });
            (s.rows > SCAN_ROWS && scans > 0).then(|| {
                format!(
                    "{when}: {} ({} rows): {scans} sequential scans, {read} rows read",
                    s.relname, s.rows
                )
            })
        })
        .collect();
    found.sort();
    found
}

fn summary(
    server: &Server,
    phases: &[Phase],
    backend: &str,
    scale: usize,
    scanned_big: &[String],
) -> bool {
    let requests: usize = phases.iter().map(|p| p.tally.requests).sum();
    let unexpected: usize = phases.iter().map(|p| p.tally.unexpected).sum();
    let server_errors: usize = phases.iter().map(|p| p.tally.server_errors).sum();
    let all: Vec<Sample> = phases.iter().flat_map(|p| p.samples.clone()).collect();
    let (seen_wait, rate, peak) = outbox_figures(&all);
    let wall = phases.last().map_or(0.0, |p| p.ended);

    let postgres = server.url.starts_with("postgres");
    // Exact waits, from each message's own times.
    let database = DatabaseUrl::parse(&server.url).expect("url");
    let pool = fieldlab::db::connect(&database, 1, Duration::from_secs(10)).expect("pool");
    let mut conn = pool.get().expect("connection");
    let query = match &mut *conn {
        DbConnection::Postgresql(_) => {
            "SELECT MAX(EXTRACT(EPOCH FROM (sent_at - created_at)))::float8 AS longest, \
             COUNT(*) FILTER (WHERE status = 'sent') AS sent, \
             COUNT(*) FILTER (WHERE status <> 'sent') AS other FROM notifications"
        }
        _ => {
            "SELECT MAX((julianday(sent_at) - julianday(created_at)) * 86400.0) AS longest, \
             SUM(status = 'sent') AS sent, SUM(status <> 'sent') AS other FROM notifications"
        }
    };
    let wait: Wait = diesel::sql_query(query)
        .get_result(&mut conn)
        .expect("waits");
    let exact_wait = wait.longest.unwrap_or(0.0);
    use fieldlab::db::schema::notifications as n;
    let times: Vec<(chrono::NaiveDateTime, Option<chrono::NaiveDateTime>)> = n::table
        .select((n::created_at, n::sent_at))
        .load(&mut conn)
        .expect("e-mail times");
    println!("\nthe longest wait of the e-mails queued in each phase (created_at to sent_at):");
    for p in phases {
        let waits: Vec<f64> = times
            .iter()
            .filter(|(created, _)| *created >= p.clock.0 && *created < p.clock.1)
            .filter_map(|(created, sent)| sent.map(|s| (s - *created).as_seconds_f64()))
            .collect();
        let longest = waits.iter().copied().fold(0.0, f64::max);
        println!(
            "   {:<34} {:>6} queued, longest wait {longest:>5.1} s",
            p.name,
            waits.len()
        );
    }

    let drain = exact_drain(&times);
    println!(
        "exact drain (from each message's times, to the second): {} seconds began with {BACKLOG:.0} \
         or more waiting (at most {}); {:.0}/s sent in those seconds; busiest second {} sent",
        drain.seconds, drain.most_waiting, drain.rate, drain.busiest
    );

    println!("\n==== the year at scale {scale} on {backend}: {wall:.0} s, {requests} requests");
    println!(
        "e-mails: {} sent, {} not sent; longest wait {exact_wait:.1} s (each message's created_at \
         to sent_at; {seen_wait:.0} s seen in /metrics); drain {rate:.0}/s while a backlog \
         waited ≥ {BACKLOG:.0} (best second {peak:.0}/s)",
        wait.sent, wait.other
    );
    let (db, mail) = server.sizes_mib();
    let (rss, hwm) = server.rss_mib();
    println!(
        "database {db:.1} MiB, mail {mail:.1} MiB, server RSS {rss:.0} MiB (peak {hwm:.0} MiB)"
    );
    let mut passed = true;
    let mut verdict = |goal: &str, ok: bool| {
        println!("{} {goal}", if ok { "PASS" } else { "FAIL" });
        passed &= ok;
    };
    verdict(
        &format!("0 errors ({unexpected} unexpected answers, {server_errors} 5xx)"),
        unexpected == 0 && server_errors == 0 && wait.other == 0,
    );
    verdict(
        &format!("no e-mail waits over {WAIT_GOAL:.0} s (longest {exact_wait:.1} s)"),
        exact_wait <= WAIT_GOAL,
    );
    verdict(
        &if drain.seconds == 0 {
            format!(
                "the outbox drains at ≥ {DRAIN_GOAL:.0}/s while {BACKLOG:.0} or more wait: no \
                 second began with {BACKLOG:.0} waiting (at most {}); busiest second {} sent",
                drain.most_waiting, drain.busiest
            )
        } else {
            format!(
                "the outbox drains at ≥ {DRAIN_GOAL:.0}/s while {BACKLOG:.0} or more wait \
                 ({:.0}/s over {} such seconds)",
                drain.rate, drain.seconds
            )
        },
        drain.seconds == 0 || drain.rate >= DRAIN_GOAL,
    );
    let instances = server.count();
    if instances > 1 {
        let files = std::fs::read_dir(&server.mail_dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
            .count() as i64;
        let twice = files - wait.sent;
        let cut: usize = phases.iter().map(|p| p.tally.cut).sum();
        verdict(
            &format!(
                "{instances} instances behind nginx, one killed and started again: {cut} requests \
                 cut and sent again; {files} e-mail files for {} e-mails sent: {twice} sent twice \
                 (at most what the killed one had in flight, {})",
                wait.sent,
                fieldlab::mail::mailer::CONCURRENCY
            ),
            (0..=fieldlab::mail::mailer::CONCURRENCY as i64).contains(&twice),
        );
    }
    if postgres {
        for s in scanned_big {
            println!("   sequential scan: {s}");
        }
        verdict(
            &format!(
                "no sequential scan of a table over {SCAN_ROWS} rows, with and without ANALYZE"
            ),
            scanned_big.is_empty(),
        );
    }
    passed
}
