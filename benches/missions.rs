//! Field missions end to end over HTTP, on the demo campaign (80 companies, 240 students in 80
//! teams with ten choices each), against the real server with a SQLite file (or PostgreSQL
//! when `TEST_DATABASE_URL` names a database to use as is):
//! - `POST /campaigns/{id}/allocate` (fair), wall time as the client sees it, best and median
//!   of 20 runs (allocate is re-runnable while `allocated`);
//! - `POST /campaigns/{id}/publish`: 80 missions and their 320 e-mails queued, one run.
//!
//! Run: `cargo bench --bench missions`.

use std::time::{Duration, Instant};

use fieldlab::auth::domain::{NewAccount, Role};
use fieldlab::auth::{models, password};
use fieldlab::config::Settings;
use fieldlab::startup::{open_database, Application};
use serde_json::{json, Value};

const PASSWORD: &str = "benchmark-password";

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut settings = Settings::load(None).expect("settings");
    settings.server.port = 0;
    settings.database.url = dir.path().join("bench.db").to_string_lossy().into_owned();
    settings.mail.dir = dir.path().join("mail").to_string_lossy().into_owned();
    settings.log.level = "error".into();
    fieldlab::telemetry::init(&settings.log);

    let campaign_id = {
        let pool = open_database(&settings).expect("database");
        let mut conn = pool.get().expect("connection");
        let staff = NewAccount::parse(
            "bench@fieldlab.test",
            "Bench",
            "staff",
            Some(PASSWORD),
            &[Role::Staff],
        )
        .expect("account");
        let hash = password::hash(PASSWORD).expect("hash");
        models::insert_user(&mut conn, &staff, Some(&hash), None).expect("staff");
        let start = Instant::now();
        let id = fieldlab::missions::demo::seed_demo(&mut conn).expect("demo seeded");
        println!("seed-demo campaign: {:?}", start.elapsed());
        id
    };
    let app = Application::build(settings).expect("server");
    let base = format!("http://127.0.0.1:{}/api/v1", app.port());
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::new();
    let login: Value = client
        .post(format!("{base}/auth/login"))
        .json(&json!({"email": "bench@fieldlab.test", "password": PASSWORD}))
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("json");
    let token = login["token"].as_str().expect("token").to_owned();

    let mut times = Vec::new();
    let mut last = Value::Null;
    for _ in 0..20 {
        let start = Instant::now();
        let res = client
            .post(format!("{base}/campaigns/{campaign_id}/allocate"))
            .bearer_auth(&token)
            .json(&json!({"objective": "fair"}))
            .send()
            .await
            .expect("allocate");
        assert_eq!(res.status(), 200);
        last = res.json().await.expect("allocation");
        times.push(start.elapsed());
    }
    times.sort();
    println!(
        "allocate (80 teams x 10 choices, fair): best {:?}, median {:?}, worst {:?}; assigned {}, worst_rank {}",
        times[0], times[times.len() / 2], times[times.len() - 1], last["assigned"], last["worst_rank"]
    );

    let start = Instant::now();
    let res = client
        .post(format!("{base}/campaigns/{campaign_id}/publish"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("publish");
    let took = start.elapsed();
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
    println!("publish (80 missions, 320 e-mails queued): {took:?}");
    tokio::time::sleep(Duration::from_millis(100)).await;
}
