//! Keeping the database small and safe: the scheduled clean-up (expired sessions and password
//! links, old sent bodies, old finished jobs, with its figures on /metrics), and backups taken
//! under write load then restored into a fresh database where every committed row is found.

use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{Datelike, NaiveDate, Utc};
use diesel::prelude::*;
use fieldlab::db::schema::{notifications, password_tokens, scheduled_jobs, sessions, users};
use fieldlab::startup::open_database;
use reqwest::StatusCode;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::helpers::{
    database_for_test, eventually, expect_status, id, lab_open_every_day, sign, spawn_app_on,
    spawn_app_with, TestApp, TestDatabase, STAFF_EMAIL,
};

fn fieldlab() -> Command {
    Command::new(env!("CARGO_BIN_EXE_fieldlab"))
}

fn days_ago(days: i64) -> chrono::NaiveDateTime {
    fieldlab::db::now() - chrono::Duration::days(days)
}

/// A sent (or failed) message as the outbox stores it.
fn insert_mail(conn: &mut fieldlab::db::DbConnection, id: &str, status: &str, sent_days_ago: i64) {
    let at = days_ago(sent_days_ago);
    diesel::insert_into(notifications::table)
        .values((
            notifications::id.eq(id),
            notifications::recipient.eq("lina@etu.fr"),
            notifications::locale.eq("fr"),
            notifications::kind.eq("password_reset"),
            notifications::subject.eq(format!("Objet {id}")),
            notifications::body_text.eq("Bonjour, voici votre lien."),
            notifications::body_html.eq("<p>Bonjour, voici votre lien.</p>"),
            notifications::attachments.eq(r#"[{"name":"a.pdf"}]"#),
            notifications::status.eq(status),
            notifications::attempts.eq(1),
            notifications::next_attempt_at.eq(at),
            notifications::message_id.eq(format!("<{id}@test>")),
            notifications::created_at.eq(at),
            notifications::sent_at.eq((status == "sent").then_some(at)),
        ))
        .execute(conn)
        .expect("mail inserted");
}

fn insert_job(conn: &mut fieldlab::db::DbConnection, subject: &str, status: &str, days: i64) {
    let at = days_ago(days);
    diesel::insert_into(scheduled_jobs::table)
        .values((
            scheduled_jobs::id.eq(uuid::Uuid::new_v4().to_string()),
            scheduled_jobs::kind.eq("agreement_reminder"),
            scheduled_jobs::subject_id.eq(subject),
            scheduled_jobs::due_at.eq(at),
            scheduled_jobs::status.eq(status),
            scheduled_jobs::attempts.eq(1),
            scheduled_jobs::done_at.eq((status == "done").then_some(at)),
            scheduled_jobs::created_at.eq(at),
        ))
        .execute(conn)
        .expect("job inserted");
}

/// The value of one sample on /metrics (read from this machine, as a local scraper does).
async fn metric(app: &TestApp, sample: &str) -> Option<f64> {
    let text = app.get("/metrics", None).await.text().await.ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix(sample)?.trim().parse().ok())
}

#[tokio::test(flavor = "multi_thread")]
async fn the_cleanup_removes_what_expired_clears_old_bodies_and_keeps_the_rest() {
    let app = spawn_app_with(|s| s.jobs.poll_seconds = 1).await;
    let pool = open_database(&app.settings).expect("database");
    let mut conn = pool.get().expect("connection");
    let staff_id: String = users::table
        .filter(users::email.eq(STAFF_EMAIL))
        .select(users::id)
        .first(&mut conn)
        .expect("staff");
    // More expired sessions than one batch holds, and live ones.
    conn.transaction::<_, diesel::result::Error, _>(|conn| {
        for i in 0..1203 {
            diesel::insert_into(sessions::table)
                .values((
                    sessions::token_hash.eq(format!("expired-{i}")),
                    sessions::user_id.eq(&staff_id),
                    sessions::created_at.eq(days_ago(20)),
                    sessions::expires_at.eq(days_ago(1)),
                ))
                .execute(conn)?;
        }
        Ok(())
    })
    .expect("sessions");
    for (hash, expires) in [("link-expired", days_ago(2)), ("link-live", days_ago(-1))] {
        diesel::insert_into(password_tokens::table)
            .values((
                password_tokens::token_hash.eq(hash),
                password_tokens::user_id.eq(&staff_id),
                password_tokens::expires_at.eq(expires),
                password_tokens::created_at.eq(days_ago(3)),
            ))
            .execute(&mut conn)
            .expect("token");
    }
    insert_mail(&mut conn, "old-sent", "sent", 91);
    insert_mail(&mut conn, "recent-sent", "sent", 10);
    insert_mail(&mut conn, "old-failed", "failed", 200);
    insert_job(&mut conn, "old-done", "done", 31);
    insert_job(&mut conn, "recent-done", "done", 5);
    insert_job(&mut conn, "old-failed", "failed", 60);

    // A clean-up due now, as the previous run would have left it.
    let due = fieldlab::db::now() - chrono::Duration::seconds(1);
    fieldlab::jobs::schedule(&mut conn, "cleanup", "all", due).expect("scheduled");
    let cleaned = eventually(Duration::from_secs(20), || {
        let app = &app;
        async move {
            metric(app, "fieldlab_cleanup_removed_total{kind=\"jobs\"}").await == Some(1.0)
                && metric(app, "fieldlab_cleanup_removed_total{kind=\"sessions\"}").await
                    == Some(1203.0)
        }
    })
    .await;
    assert!(cleaned, "the clean-up ran and counted what it removed");
    for (kind, n) in [("password_tokens", 1.0), ("mail_bodies", 1.0)] {
        let sample = format!("fieldlab_cleanup_removed_total{{kind=\"{kind}\"}}");
        assert_eq!(metric(&app, &sample).await, Some(n), "{kind}");
    }
    let last_run = metric(&app, "fieldlab_cleanup_last_run_timestamp_seconds")
        .await
        .expect("last run");
    assert!((last_run - Utc::now().timestamp() as f64).abs() < 60.0);

    let hashes: Vec<String> = sessions::table
        .select(sessions::token_hash)
        .load(&mut conn)
        .expect("sessions");
    assert!(hashes.iter().all(|h| !h.starts_with("expired-")));
    assert!(!hashes.is_empty(), "the live session stays");
    let links: Vec<String> = password_tokens::table
        .select(password_tokens::token_hash)
        .load(&mut conn)
        .expect("tokens");
    assert_eq!(links, ["link-live"]);
    // The old sent message keeps its record, not its bodies; the others keep everything.
    let mails: Vec<(String, String, String, String, String, String)> = notifications::table
        .filter(notifications::id.eq_any(["old-sent", "recent-sent", "old-failed"]))
        .order(notifications::id.asc())
        .select((
            notifications::id,
            notifications::recipient,
            notifications::subject,
            notifications::body_text,
            notifications::body_html,
            notifications::attachments,
        ))
        .load(&mut conn)
        .expect("mails");
    assert_eq!(mails.len(), 3);
    for (id, recipient, subject, text, html, attachments) in &mails {
        assert_eq!(recipient, "lina@etu.fr");
        assert_eq!(subject, &format!("Objet {id}"));
        if id == "old-sent" {
            assert_eq!((text.as_str(), html.as_str()), ("", ""));
            assert_eq!(attachments, "[]");
        } else {
            assert!(
                text.starts_with("Bonjour") && html.starts_with("<p>"),
                "{id}"
            );
            assert!(attachments.contains("a.pdf"), "{id}");
        }
    }
    let jobs: Vec<(String, String)> = scheduled_jobs::table
        .filter(scheduled_jobs::kind.eq("agreement_reminder"))
        .order(scheduled_jobs::subject_id.asc())
        .select((scheduled_jobs::subject_id, scheduled_jobs::status))
        .load(&mut conn)
        .expect("jobs");
    assert_eq!(
        jobs,
        [
            ("old-failed".to_owned(), "failed".to_owned()),
            ("recent-done".to_owned(), "done".to_owned())
        ]
    );
    // The run scheduled the next one, at the start of the next interval: once.
    let next: Vec<fieldlab::jobs::Job> = fieldlab::jobs::about(&mut conn, "all")
        .expect("jobs")
        .into_iter()
        .filter(|j| j.kind == "cleanup" && j.status == "pending")
        .collect();
    assert_eq!(next.len(), 1, "{next:?}");
    assert!(next[0].due_at > fieldlab::db::now());
    assert_eq!(next[0].due_at.and_utc().timestamp() % 3600, 0);
}

/// What the writer saw committed: the server answered it.
#[derive(Default)]
struct Committed {
    bookings: Vec<Value>,
    /// Each agreement as its tutor's signature left it.
    agreements: Vec<Value>,
}

/// Books a one-hour slot and, every other time, creates a research agreement, sends it and has
/// its tutor sign it, until `stop`; records each answer once it came. Research, not internships:
/// what is backed up is the point, and an internship takes an e-mailed link to its supervisor
/// and may not overlap the student's others, which a loop of them in a few seconds would.
async fn write_load(
    app: Arc<TestApp>,
    equipment: String,
    company: String,
    tutor: (String, String),
    committed: Arc<Mutex<Committed>>,
    stop: Arc<std::sync::atomic::AtomicBool>,
) {
    let first_day = Utc::now().date_naive() + chrono::Duration::days(7);
    let staff = app.staff_token.clone();
    let mut i = 0i64;
    while !stop.load(std::sync::atomic::Ordering::SeqCst) {
        let day = first_day + chrono::Duration::days(i / 10);
        let hour = format!("{:02}:00", 8 + i % 10);
        let end = format!("{:02}:00", 9 + i % 10);
        let booking = expect_status(
            app.post(
                "/api/v1/bookings",
                Some(&staff),
                &json!({"equipment_id": equipment,
                        "starts_at": crate::labs::paris(day, &hour),
                        "ends_at": crate::labs::paris(day, &end)}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        committed.lock().expect("lock").bookings.push(booking);
        if i % 2 == 0 {
            let starts = NaiveDate::from_ymd_opt(first_day.year() + 1, 4, 5).expect("day");
            let created = expect_status(
                app.post(
                    "/api/v1/agreements",
                    Some(&staff),
                    &json!({"kind": "research", "company_id": company,
                            "tutor_id": tutor.0, "subject": format!("Recherche n° {i}"),
                            "starts_on": starts, "ends_on": starts + chrono::Duration::days(90)}),
                )
                .await,
                StatusCode::CREATED,
            )
            .await;
            let id = created["id"].as_str().expect("id").to_owned();
            expect_status(
                app.post(
                    &format!("/api/v1/agreements/{id}/send"),
                    Some(&staff),
                    &json!({}),
                )
                .await,
                StatusCode::OK,
            )
            .await;
            let signed = expect_status(
                sign(&app, &id, &tutor.1, json!({"consent": true, "version": 1})).await,
                StatusCode::OK,
            )
            .await;
            committed.lock().expect("lock").agreements.push(signed);
        }
        i += 1;
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The tutor's signature of an agreement as the API shows it.
fn tutor_signature(agreement: &Value) -> Value {
    agreement["signatures"]
        .as_array()
        .expect("signatures")
        .iter()
        .find(|s| s["party"] == "tutor")
        .expect("the tutor signs")
        .clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_backup_taken_under_write_load_restores_every_committed_booking_agreement_and_signature()
{
    let app = Arc::new(spawn_app_with(|_| {}).await);
    let equipment = lab_with_equipment(&app).await;
    let (company, _) = app
        .company("rh@cevennes-meca.fr", "Cévennes Méca", "Anduze")
        .await;
    let (tutor, tutor_token) = app.user_with_role("tutor", "ref@mines-ales.fr").await;
    let tutor = (id(&tutor), tutor_token);

    let committed = Arc::new(Mutex::new(Committed::default()));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = tokio::spawn(write_load(
        app.clone(),
        equipment,
        company,
        tutor,
        committed.clone(),
        stop.clone(),
    ));
    let enough = eventually(Duration::from_secs(60), || {
        let committed = committed.clone();
        async move { committed.lock().expect("lock").agreements.len() >= 3 }
    })
    .await;
    assert!(enough, "the writer commits bookings and agreements");

    // What was committed before the backup starts must all be in it.
    let (bookings, agreements) = {
        let c = committed.lock().expect("lock");
        (c.bookings.clone(), c.agreements.clone())
    };
    let dir = tempfile::tempdir().expect("dir");
    let copy = dir.path().join("fieldlab-backup.db");
    let source_url = app.settings.database.url.clone();
    let restored = if source_url.starts_with("postgres") {
        // fieldlab says how, and does not pretend to.
        let refused = run(fieldlab()
            .args(["backup"])
            .arg(&copy)
            .env("FIELDLAB__DATABASE__URL", &source_url))
        .await;
        assert_eq!(refused.status.code(), Some(1));
        let said = String::from_utf8_lossy(&refused.stderr);
        assert!(said.contains("pg_dump -Fc"), "{said}");
        assert!(!copy.exists());
        // The commands it gives, run while the writer writes.
        let dump = dir.path().join("fieldlab.dump");
        let out = run(Command::new("pg_dump")
            .args(["-Fc", "-f"])
            .arg(&dump)
            .arg(&source_url))
        .await;
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let (url, database) = database_for_test(dir.path());
        let out = run(Command::new("pg_restore")
            .args(["--no-owner", "--exit-on-error", "-d", &url])
            .arg(&dump))
        .await;
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        (url, database)
    } else {
        let out = run(fieldlab()
            .args(["backup"])
            .arg(&copy)
            .env("FIELDLAB__DATABASE__URL", &source_url))
        .await;
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        // Never over an existing file.
        let again = run(fieldlab()
            .args(["backup"])
            .arg(&copy)
            .env("FIELDLAB__DATABASE__URL", &source_url))
        .await;
        assert_eq!(again.status.code(), Some(1));
        // Never over a database in use, even told to.
        let live = run(fieldlab()
            .args(["restore", "--force"])
            .arg(&copy)
            .env("FIELDLAB__DATABASE__URL", &source_url))
        .await;
        assert_eq!(live.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&live.stderr).contains("in use"));
        // Into a fresh database file.
        let fresh = dir.path().join("restored").join("fieldlab.db");
        let fresh_url = fresh.to_string_lossy().into_owned();
        let out = run(fieldlab()
            .args(["restore"])
            .arg(&copy)
            .env("FIELDLAB__DATABASE__URL", &fresh_url))
        .await;
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        // Not twice without --force; a file that is not a fieldlab database never.
        let twice = run(fieldlab()
            .args(["restore"])
            .arg(&copy)
            .env("FIELDLAB__DATABASE__URL", &fresh_url))
        .await;
        assert_eq!(twice.status.code(), Some(1));
        // Told to, over a database nobody has open: replaced, its old WAL files gone with it.
        std::fs::write(format!("{fresh_url}-wal"), "stale").expect("stale wal");
        let forced = run(fieldlab()
            .args(["restore", "--force"])
            .arg(&copy)
            .env("FIELDLAB__DATABASE__URL", &fresh_url))
        .await;
        assert!(
            forced.status.success(),
            "{}",
            String::from_utf8_lossy(&forced.stderr)
        );
        assert!(!std::path::Path::new(&format!("{fresh_url}-wal")).exists());
        let junk = dir.path().join("junk.db");
        std::fs::write(&junk, "not a database").expect("junk");
        let refused = run(fieldlab()
            .args(["restore", "--force"])
            .arg(&junk)
            .env("FIELDLAB__DATABASE__URL", &fresh_url))
        .await;
        assert_eq!(refused.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&refused.stderr).contains("not a fieldlab database"));
        (fresh_url, TestDatabase::Sqlite)
    };
    // The writer went on through the backup: the service never stopped writing.
    let during = committed.lock().expect("lock").bookings.len();
    let went_on = eventually(Duration::from_secs(30), || {
        let committed = committed.clone();
        async move { committed.lock().expect("lock").bookings.len() > during }
    })
    .await;
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    writer.await.expect("writer");
    assert!(went_on, "writes went on after the backup");

    let back = spawn_app_on(restored.0, restored.1).await;
    for booking in &bookings {
        let id = booking["id"].as_str().expect("id");
        let found = expect_status(
            back.get(&format!("/api/v1/bookings/{id}"), Some(&back.staff_token))
                .await,
            StatusCode::OK,
        )
        .await;
        for field in ["equipment_id", "starts_at", "ends_at", "status"] {
            assert_eq!(found[field], booking[field], "{field} of booking {id}");
        }
    }
    for agreement in &agreements {
        let id = agreement["id"].as_str().expect("id");
        let found = expect_status(
            back.get(&format!("/api/v1/agreements/{id}"), Some(&back.staff_token))
                .await,
            StatusCode::OK,
        )
        .await;
        for field in ["status", "version", "subject", "document_sha256", "sent_at"] {
            assert_eq!(found[field], agreement[field], "{field} of agreement {id}");
        }
        let signature = tutor_signature(&found);
        assert!(signature["signed_at"].is_string(), "{found}");
        assert_eq!(signature, tutor_signature(agreement));
        let pdf = back
            .get(
                &format!("/api/v1/agreements/{id}.pdf"),
                Some(&back.staff_token),
            )
            .await;
        assert_eq!(pdf.status(), StatusCode::OK);
        let bytes = pdf.bytes().await.expect("pdf");
        assert_eq!(
            Value::String(sha256_hex(&bytes)),
            agreement["document_sha256"],
            "the PDF of agreement {id} is the one signed"
        );
    }
}

/// Runs a command on the blocking pool (the server of this test keeps serving meanwhile).
async fn run(command: &mut Command) -> std::process::Output {
    let mut command = std::mem::replace(command, Command::new("true"));
    tokio::task::spawn_blocking(move || command.output().expect("runs"))
        .await
        .expect("joined")
}

/// A lab open every day 08:00–18:00 (Paris) with one equipment; its id.
async fn lab_with_equipment(app: &TestApp) -> String {
    let (_, mut equipment) =
        lab_open_every_day(app, "Hall d'essais", &[json!({"name": "Presse 3 000 kN"})]).await;
    equipment.remove(0)
}
