//! Agreements on the demo campaign (80 missions, 240 students), against the real server:
//! - one agreement's PDF rendered and fingerprinted (`flows::prepare`, what sending does per
//!   agreement): median and p95 of 100 renders;
//! - `POST /campaigns/{id}/agreements/send`: the 240 field-mission agreements of the published
//!   campaign rendered, frozen and sent (720 e-mails queued, reminders scheduled), wall time.
//!
//! SQLite file by default; `BENCH_DATABASE_URL=postgres://…/postgres` runs it on a fresh
//! PostgreSQL database made (and dropped) on that server.
//! Run: `cargo bench --bench agreements` (and again with `BENCH_DATABASE_URL`).

#[allow(dead_code)]
mod common;

use std::time::Instant;

use fieldlab::agreements::{flows, models};
use fieldlab::auth::domain::{NewAccount, Role};
use fieldlab::auth::password;
use fieldlab::config::Settings;
use fieldlab::startup::{open_database, Application};
use serde_json::{json, Value};

const PASSWORD: &str = "benchmark-password";

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut settings = Settings::load(None).expect("settings");
    settings.server.port = 0;
    settings.mail.dir = dir.path().join("mail").to_string_lossy().into_owned();
    settings.log.level = "error".into();
    let dropped = common::create_database(&mut settings, dir.path());
    fieldlab::telemetry::init(&settings.log);
    let backend = if dropped.is_some() {
        "PostgreSQL"
    } else {
        "SQLite"
    };

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
        fieldlab::auth::models::insert_user(&mut conn, &staff, Some(&hash), None).expect("staff");
        fieldlab::missions::demo::seed_demo(&mut conn).expect("demo seeded")
    };
    let app = Application::build(settings.clone()).expect("server");
    let base = format!("http://127.0.0.1:{}/api/v1", app.port());
    let server = app.handle();
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
    for step in ["allocate", "publish"] {
        let res = client
            .post(format!("{base}/campaigns/{campaign_id}/{step}"))
            .bearer_auth(&token)
            .json(&json!({}))
            .send()
            .await
            .expect(step);
        assert_eq!(res.status(), 200, "{step}");
    }

    // One PDF, rendered as sending renders it.
    let pool = open_database(&settings).expect("database");
    let mut conn = pool.get().expect("connection");
    let filter = models::Filter {
        campaign_id: Some(campaign_id.clone()),
        ..models::Filter::default()
    };
    let rows = models::list(&mut conn, &filter, &fieldlab::paging::PageRequest::EVERY)
        .expect("agreements");
    let drafts = models::details(&mut conn, rows).expect("details");
    assert_eq!(drafts.len(), 240, "one agreement per student");
    let school = flows::school_signatory(&mut conn, &settings).expect("signatory");
    let edited = fieldlab::agreements::templates::Edited::default();
    let mut times = Vec::new();
    for i in 0..100 {
        let start = Instant::now();
        let prepared = flows::prepare(
            &drafts[i % drafts.len()],
            &settings,
            school.as_ref(),
            &edited,
        )
        .expect("pdf");
        times.push(start.elapsed());
        assert_eq!(prepared.sha256().len(), 64);
    }
    times.sort();
    println!(
        "[{backend}] one agreement PDF (render + SHA-256), 100 runs: median {:?}, p95 {:?}, worst {:?}",
        times[50], times[95], times[99]
    );

    // The campaign's 240 agreements, sent at once.
    let start = Instant::now();
    let res = client
        .post(format!("{base}/campaigns/{campaign_id}/agreements/send"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("send");
    let took = start.elapsed();
    assert_eq!(res.status(), 200);
    let outcome: Value = res.json().await.expect("json");
    let sent = outcome["sent"].as_array().map_or(0, Vec::len);
    assert_eq!(sent, 240, "{outcome}");
    println!("[{backend}] send the campaign's 240 agreements (PDFs frozen, 720 e-mails queued): {took:?}");

    server.stop(false).await;
    drop(conn);
    drop(pool);
    common::drop_database(dropped);
}
