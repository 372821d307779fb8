//! Page speed on the demo data (issue 13: each page under 20 ms p95), against a release build
//! of the real server on loopback: `fieldlab seed-demo` on a fresh SQLite file (80 companies,
//! 80 teams of three with their rankings, labs, applications in every state), then each demo
//! role's pages fetched with its session cookie, sequentially, 200 times each after 20 warm-up
//! requests. Prints p50 and p95 per page and fails if a page answers other than 200.
//!
//! Then the staff console (issue 14: the allocation page of the demo campaign and the planning
//! of a lab's week of 500 bookings under 50 ms p95): the campaign is allocated once, and a lab
//! of 10 machines open around the clock gets 500 bookings next week, before they are measured.
//!
//! Run: `cargo bench --bench pages` (builds the release binary first if needed).

#[allow(dead_code)]
mod common;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const DEMO_PASSWORD: &str = "fieldlab-demo";
const RUNS: usize = 200;
const WARM_UP: usize = 20;

fn main() {
    let status = Command::new(env!("CARGO"))
        .args(["build", "--release", "--bin", "fieldlab"])
        .status()
        .expect("cargo build");
    assert!(status.success(), "release build failed");
    let binary = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/release/fieldlab");
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("pages.db");
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("port");
        l.local_addr().expect("addr").port()
    };
    let env = |cmd: &mut Command| {
        cmd.env("FIELDLAB__DATABASE__URL", &db)
            .env("FIELDLAB__SERVER__PORT", port.to_string())
            .env("FIELDLAB__MAIL__TRANSPORT", "log")
            .env("FIELDLAB__LOG__LEVEL", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
    };
    let mut seed = Command::new(&binary);
    seed.arg("seed-demo");
    env(&mut seed);
    assert!(seed.status().expect("seed-demo").success());
    let mut serve = Command::new(&binary);
    serve.arg("serve");
    env(&mut serve);
    let child = serve.spawn().expect("serve");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let result =
        std::panic::catch_unwind(|| runtime.block_on(measure(&format!("http://127.0.0.1:{port}"))));
    stop(child);
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}

async fn measure(base: &str) {
    let client = reqwest::Client::new();
    wait_ready(&client, base).await;
    let api = Api {
        client: &client,
        base,
    };
    let founder = api.login("camille.laurent@demo.mines-ales.fr").await;
    let student = api.login("etudiant000@etu.example.fr").await;
    let company = api.login("contact00@entreprise00.example.fr").await;
    let tutor = api.login("helene.fabre@demo.mines-ales.fr").await;
    let staff = api.login("incubateur@demo.mines-ales.fr").await;

    let application = api.first_id("/api/v1/applications", &founder).await;
    let campaign = api.first_id("/api/v1/campaigns", &student).await;
    let team = api.first_id("/api/v1/me/teams", &student).await;
    let lab = api.first_id("/api/v1/labs", &founder).await;
    let equipment = api
        .first_id(&format!("/api/v1/labs/{lab}/equipment"), &founder)
        .await;

    let pages: Vec<(&str, String, &str)> = vec![
        ("founder", "/app".into(), &founder),
        (
            "founder",
            format!("/app/applications/{application}"),
            &founder,
        ),
        ("founder", "/app/labs".into(), &founder),
        ("founder", format!("/app/equipment/{equipment}"), &founder),
        ("founder", "/app/bookings".into(), &founder),
        ("student", "/app".into(), &student),
        ("student", format!("/app/campaigns/{campaign}"), &student),
        (
            "student",
            format!("/app/campaigns/{campaign}/problems"),
            &student,
        ),
        (
            "student",
            format!("/app/teams/{team}/preferences"),
            &student,
        ),
        ("company", "/app".into(), &company),
        (
            "company",
            format!("/app/campaigns/{campaign}/problems"),
            &company,
        ),
        ("company", "/app/company".into(), &company),
        ("tutor", "/app".into(), &tutor),
        ("staff", "/app".into(), &staff),
        (
            "staff",
            format!("/app/campaigns/{campaign}/problems"),
            &staff,
        ),
        ("anyone", "/login".into(), ""),
    ];
    println!("page (role): p50 / p95 over {RUNS} sequential requests, demo data, SQLite");
    let worst = time_pages(&client, base, &pages).await;
    println!("slowest p95: {worst:.2?} (goal: under 20 ms)");

    let (lab, bookings) = api.busy_lab(&staff).await;
    let res = client
        .post(format!("{base}/api/v1/campaigns/{campaign}/allocate"))
        .bearer_auth(&staff)
        .json(&serde_json::json!({"objective": "fair"}))
        .send()
        .await
        .expect("allocate");
    assert_eq!(res.status(), 200, "the demo campaign allocates");
    let week = next_monday().format("%G-W%V").to_string();
    let console: Vec<(&str, String, &str)> = vec![
        (
            "staff",
            format!("/app/staff/campaigns/{campaign}/allocation"),
            &staff,
        ),
        ("staff", format!("/app/staff/campaigns/{campaign}"), &staff),
        (
            "staff",
            format!("/app/staff/campaigns/{campaign}/teams"),
            &staff,
        ),
        (
            "staff",
            format!("/app/staff/labs/{lab}?week={week}"),
            &staff,
        ),
        (
            "staff",
            format!("/app/staff/labs/{lab}?week={week}&cancelled=1"),
            &staff,
        ),
        ("staff", format!("/app/staff/labs/{lab}/equipment"), &staff),
        ("staff", "/app/staff/applications".into(), &staff),
        ("staff", "/app/staff/tutors".into(), &staff),
        ("staff", "/app/staff/people".into(), &staff),
        ("staff", "/app/staff/emails".into(), &staff),
    ];
    println!("\nstaff console: 80 teams allocated (4 objectives compared per view), a week of {bookings} bookings");
    let worst = time_pages(&client, base, &console).await;
    println!("slowest p95: {worst:.2?} (goal: under 50 ms)");
}

/// Each page fetched `RUNS` times after a warm-up; prints p50 / p95, returns the worst p95.
async fn time_pages(
    client: &reqwest::Client,
    base: &str,
    pages: &[(&str, String, &str)],
) -> Duration {
    let mut worst = Duration::ZERO;
    for (role, path, token) in pages {
        let mut times = Vec::with_capacity(RUNS);
        for i in 0..WARM_UP + RUNS {
            let started = Instant::now();
            let res = client
                .get(format!("{base}{path}"))
                .header("Cookie", format!("fieldlab_session={token}"))
                .send()
                .await
                .expect("page");
            assert_eq!(res.status(), 200, "{path} as {role}");
            let _ = res.bytes().await;
            if i >= WARM_UP {
                times.push(started.elapsed());
            }
        }
        times.sort();
        let p = |q: f64| times[((times.len() as f64 - 1.0) * q) as usize];
        worst = worst.max(p(0.95));
        println!("{path:<70} ({role}): {:>8.2?} / {:>8.2?}", p(0.5), p(0.95));
    }
    worst
}

fn next_monday() -> chrono::NaiveDate {
    use chrono::Datelike;
    let today = chrono::Utc::now().date_naive();
    today + chrono::Duration::days(7 - i64::from(today.weekday().num_days_from_monday()))
}

struct Api<'a> {
    client: &'a reqwest::Client,
    base: &'a str,
}

impl Api<'_> {
    async fn login(&self, email: &str) -> String {
        common::login(self.client, self.base, email, DEMO_PASSWORD).await
    }

    /// A lab of 10 machines open around the clock, with 500 bookings of 30 minutes next week;
    /// its id and the number of bookings.
    async fn busy_lab(&self, staff: &str) -> (String, usize) {
        let hours: Vec<Value> = (1..=7)
            .map(|d| serde_json::json!({"weekday": d, "opens": "00:00", "closes": "24:00"}))
            .collect();
        let lab = self
            .post(
                staff,
                "/api/v1/labs",
                serde_json::json!({"name": "Plateforme d’essais", "opening_hours": hours}),
            )
            .await;
        let lab = lab["id"].as_str().expect("lab").to_owned();
        let mut machines = Vec::new();
        for i in 0..10 {
            let e = self
                .post(staff, &format!("/api/v1/labs/{lab}/equipment"), serde_json::json!({"name": format!("Banc {i}"), "min_minutes": 30, "max_minutes": 240}))
                .await;
            machines.push(e["id"].as_str().expect("equipment").to_owned());
        }
        let monday = next_monday();
        let mut made = 0;
        for (i, machine) in machines.iter().enumerate() {
            for slot in 0..50i64 {
                // 50 half-hours a machine, spread over the week's days and hours.
                let day = monday + chrono::Duration::days(slot % 7);
                let start = day.and_hms_opt(0, 0, 0).expect("midnight")
                    + chrono::Duration::minutes(((slot / 7) * 90 + i as i64 * 5) % (22 * 60));
                let end = start + chrono::Duration::minutes(30);
                let body = serde_json::json!({
                    "equipment_id": machine,
                    "starts_at": format!("{}Z", start.format("%Y-%m-%dT%H:%M:%S")),
                    "ends_at": format!("{}Z", end.format("%Y-%m-%dT%H:%M:%S")),
                    "purpose": format!("Essai {slot}"),
                });
                let res = self
                    .client
                    .post(format!("{}/api/v1/bookings", self.base))
                    .bearer_auth(staff)
                    .json(&body)
                    .send()
                    .await
                    .expect("book");
                assert_eq!(
                    res.status(),
                    201,
                    "booking {slot} on {machine}: {}",
                    res.text().await.unwrap_or_default()
                );
                made += 1;
            }
        }
        (lab, made)
    }

    async fn post(&self, token: &str, path: &str, body: Value) -> Value {
        let res = self
            .client
            .post(format!("{}{path}", self.base))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .expect("post");
        assert!(res.status().is_success(), "{path}: {}", res.status());
        res.json().await.expect("json")
    }

    async fn first_id(&self, path: &str, token: &str) -> String {
        let res: Value = self
            .client
            .get(format!("{}{path}", self.base))
            .bearer_auth(token)
            .send()
            .await
            .expect("list")
            .json()
            .await
            .expect("json");
        res["items"][0]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("{path}: {res}"))
            .to_owned()
    }
}

async fn wait_ready(client: &reqwest::Client, base: &str) {
    for _ in 0..2000 {
        if let Ok(res) = client.get(format!("{base}/health/ready")).send().await {
            if res.status().is_success() {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("the server did not start");
}

fn stop(mut child: Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
}
