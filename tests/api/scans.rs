//! No sequential scan of a table over 10,000 rows on the hot paths (issue 24), on PostgreSQL
//! as CI runs it (autovacuum off): the hot tables are filled past 10,000 rows in bulk SQL, the
//! statistics reset, the hot paths played through the HTTP API, then `pg_stat_user_tables`
//! read. Once on never-analysed tables (the planner guesses from their size), once after an
//! ANALYZE. PostgreSQL only: skipped with a notice on SQLite.

use std::time::Duration;

use diesel::{Connection, PgConnection, QueryableByName, RunQueryDsl};
use reqwest::StatusCode;
use serde_json::json;

use crate::console::Browser;
use crate::helpers::{
    eventually, expect_status, internship_request, ready_internship, siret, spawn_app_with,
    supervisor_part, TestApp, PASSWORD, STAFF_EMAIL,
};

/// Past 10,000 rows in each hot table: internship agreements with their content, frozen
/// documents and three signatures each, sent and waiting e-mails, live sessions, done jobs.
const FILL: &str = r#"
INSERT INTO users (id, email, name, role, password_hash, created_by, created_at)
SELECT 'fill-user-' || lpad(n::text, 6, '0'), 'fill-' || n || '@fill.example', 'Fill ' || n,
       'student', NULL, NULL, now() - interval '30 days'
FROM generate_series(1, 12000) AS n;
INSERT INTO companies (id, contact_id, name, city, local, created_at)
SELECT 'fill-company-' || lpad(n::text, 6, '0'), NULL, 'Fill company ' || n, 'Paris', true,
       now() - interval '30 days'
FROM generate_series(1, 100) AS n;
INSERT INTO agreements (id, kind, status, version, locale, campaign_id, mission_id, company_id,
    student_id, tutor_id, subject, description, place, supervisor, starts_on, ends_on, sent_at,
    signed_at, cancelled_at, cancel_reason, created_at, updated_at)
SELECT 'fill-agreement-' || lpad(n::text, 6, '0'), 'internship', 'signed', 1, 'fr', NULL, NULL,
       'fill-company-' || lpad((n % 100 + 1)::text, 6, '0'), 'fill-user-' || lpad(n::text, 6, '0'),
       NULL, 'Stage ' || n, 'Un stage.', 'Paris', NULL, date '2026-01-05', date '2026-06-30',
       now() - interval '20 days', now() - interval '10 days', NULL, NULL,
       now() - interval '20 days' - n * interval '1 second', now() - interval '10 days'
FROM generate_series(1, 12000) AS n;
INSERT INTO internships (agreement_id, requested_by, student_number, internship_type,
    supervisor_name, supervisor_email, weekly_minutes, presence_minutes, created_at, updated_at)
SELECT 'fill-agreement-' || lpad(n::text, 6, '0'), 'fill-user-' || lpad(n::text, 6, '0'),
       'F' || n, 'compulsory', 'Tuteur ' || n % 4000, 'tuteur-' || n % 4000 || '@fill.example',
       2100, 48300, now() - interval '20 days', now() - interval '20 days'
FROM generate_series(1, 12000) AS n;
INSERT INTO agreement_documents (agreement_id, version, sha256, created_at)
SELECT 'fill-agreement-' || lpad(n::text, 6, '0'), 1, md5(n::text) || md5(n::text),
       now() - interval '20 days'
FROM generate_series(1, 12000) AS n;
INSERT INTO agreement_document_blobs (agreement_id, version, pdf)
SELECT 'fill-agreement-' || lpad(n::text, 6, '0'), 1, convert_to(repeat(md5(n::text), 64), 'UTF8')
FROM generate_series(1, 12000) AS n;
INSERT INTO agreement_signatures (agreement_id, version, party, user_id, signed_at, ip,
    user_agent, document_sha256, voided_at)
SELECT 'fill-agreement-' || lpad(n::text, 6, '0'), 1, party, 'fill-user-' || lpad(n::text, 6, '0'),
       now() - interval '10 days', '127.0.0.1', 'fill', md5(n::text) || md5(n::text), NULL
FROM generate_series(1, 12000) AS n, unnest(ARRAY['school', 'company', 'student']) AS party;
INSERT INTO notifications (id, recipient, locale, kind, subject, body_text, body_html,
    attachments, status, attempts, next_attempt_at, claimed_by, claimed_until, last_error,
    message_id, dedupe_key, created_at, sent_at)
SELECT 'fill-mail-' || lpad(n::text, 6, '0'), 'fill-' || n || '@fill.example', 'fr', 'fill',
       'Un message', repeat('Bonjour. ', 50), '<p>' || repeat('Bonjour. ', 50) || '</p>', '[]',
       CASE WHEN n % 10 = 0 THEN 'pending' ELSE 'sent' END, 1,
       CASE WHEN n % 10 = 0 THEN now() + interval '1 day' ELSE now() - interval '10 days' END,
       NULL, NULL, NULL, 'fill-' || n || '@fieldlab', NULL, now() - interval '10 days',
       now() - interval '10 days'
FROM generate_series(1, 12000) AS n;
INSERT INTO sessions (token_hash, user_id, created_at, expires_at)
SELECT 'fill-session-' || lpad(n::text, 6, '0'), 'fill-user-' || lpad(n::text, 6, '0'), now(),
       now() + interval '7 days'
FROM generate_series(1, 12000) AS n;
INSERT INTO scheduled_jobs (id, kind, subject_id, due_at, status, attempts, last_error, done_by,
    done_at, created_at)
SELECT 'fill-job-' || lpad(n::text, 6, '0'), 'fill', 'fill-agreement-' || lpad(n::text, 6, '0'),
       now() - interval '5 days', 'done', 1, NULL, 'fill', now() - interval '5 days',
       now() - interval '20 days'
FROM generate_series(1, 12000) AS n;
"#;

/// A table that may have been read whole: its sequential scans and the rows read.
#[derive(QueryableByName)]
struct Scanned {
    #[diesel(sql_type = diesel::sql_types::Text)]
    relname: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    seq_scan: i64,
    /// By sequential scans, and by index scans (the rows they fetched).
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    rows_read: i64,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

fn connect(app: &TestApp) -> PgConnection {
    PgConnection::establish(&app.settings.database.url).expect("the test's database")
}

#[tokio::test]
async fn the_hot_paths_scan_no_large_table_on_never_analysed_tables() {
    hot_paths_scan_no_large_table(false).await;
}

#[tokio::test]
async fn the_hot_paths_scan_no_large_table_after_analyze() {
    hot_paths_scan_no_large_table(true).await;
}

async fn hot_paths_scan_no_large_table(analyze: bool) {
    if std::env::var("TEST_DATABASE_URL").map_or(true, |url| url.trim().is_empty()) {
        eprintln!("scans: PostgreSQL only (TEST_DATABASE_URL is unset): skipped");
        return;
    }
    let app = spawn_app_with(|s| s.jobs.poll_seconds = 1).await;
    let staff = app.staff_token.clone();
    let (company, contact) = app.company("rh@scan-meca.fr", "Scan Méca", "Alès").await;
    let (student_user, _) = app.user_with_role("student", "lea@etu.fr").await;

    let mut conn = connect(&app);
    diesel::connection::SimpleConnection::batch_execute(&mut conn, FILL).expect("filled");
    if analyze {
        diesel::sql_query("ANALYZE")
            .execute(&mut conn)
            .expect("analysed");
    }
    // The client's pooled connection may have been closed by the server's keep-alive while the
    // tables filled: one request that may fail drops it, before the counted ones.
    let _ = app.client.get(app.url("/health/live")).send().await;
    diesel::sql_query("SELECT pg_stat_reset()")
        .execute(&mut conn)
        .expect("statistics reset");

    // Signing in (sessions by token hash, expired ones purged), an internship requested, its
    // supervisor's part given from the e-mailed link, its tutor named (the limits weigh the
    // student's, the supervisor's and the host's other internships at each step), sent, read
    // and signed, the lists and the register, the outbox's claim and the staff's outbox.
    let student = app.login("lea@etu.fr", PASSWORD).await;
    let staff_again = app.login(STAFF_EMAIL, PASSWORD).await;
    let ready = ready_internship(
        &app,
        &staff,
        &internship_request(&company, json!({"student_id": student_user["id"]})),
        &supervisor_part(json!({})),
        &json!({"siret": siret(3), "address": "1 place de la Mairie",
                "representative_name": "Jean Scan"}),
    )
    .await;
    let id = ready.id.clone();
    expect_status(
        app.get(&format!("/api/v1/internships/{id}"), Some(&student))
            .await,
        StatusCode::OK,
    )
    .await;
    expect_status(
        app.post(
            &format!("/api/v1/agreements/{id}/send"),
            Some(&staff_again),
            &json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    expect_status(
        app.get(&format!("/api/v1/agreements/{id}"), Some(&student))
            .await,
        StatusCode::OK,
    )
    .await;
    expect_status(
        app.post(
            &format!("/api/v1/agreements/{id}/sign"),
            Some(&student),
            &json!({"consent": true, "version": 1}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    for (path, token) in [
        ("/api/v1/agreements", &student),
        ("/api/v1/agreements", &contact),
        ("/api/v1/agreements?status=sent", &staff),
        ("/api/v1/notifications?status=failed", &staff),
        ("/api/v1/notifications", &staff),
    ] {
        expect_status(app.get(path, Some(token)).await, StatusCode::OK).await;
    }
    let browser = Browser::new(&app, &staff);
    for page in ["/app/staff/agreements", "/app/staff/agreements?status=sent"] {
        let (status, _) = browser.get(page).await;
        assert_eq!(status, StatusCode::OK, "{page}");
    }
    let (status, _) = Browser::new(&app, &student).get("/app/agreements").await;
    assert_eq!(status, StatusCode::OK);
    // The worker claims and sends the e-mails of the sending.
    assert!(
        eventually(Duration::from_secs(20), || async {
            let mails = app.mails_to("lea@etu.fr").await;
            !mails.is_empty() && mails.iter().all(|m| m["status"] == "sent")
        })
        .await,
        "the student's e-mails are delivered"
    );

    // Each server connection reports its counts when idle for 10 s (PGSTAT_IDLE_INTERVAL) or at
    // its next transaction a second later: wait them out.
    tokio::time::sleep(Duration::from_secs(12)).await;
    // A table read whole through an index (a condition on an index's later column) counts too.
    let scanned: Vec<Scanned> = diesel::sql_query(
        "SELECT relname::text AS relname, seq_scan, \
                (seq_tup_read + COALESCE(idx_tup_fetch, 0))::bigint AS rows_read \
         FROM pg_stat_user_tables WHERE seq_scan > 0 OR idx_tup_fetch > 5000 ORDER BY relname",
    )
    .load(&mut conn)
    .expect("statistics");
    let mut offenders = Vec::new();
    for table in &scanned {
        let rows = diesel::sql_query(format!("SELECT count(*) AS n FROM \"{}\"", table.relname))
            .get_result::<Count>(&mut conn)
            .expect("count")
            .n;
        if rows > 10_000 {
            offenders.push(format!(
                "{} ({rows} rows): {} sequential scans, {} rows read",
                table.relname, table.seq_scan, table.rows_read
            ));
        }
    }
    assert!(
        offenders.is_empty(),
        "large tables read whole (analysed: {analyze}): {offenders:?}"
    );
    // The statistics did see the traffic (the check above is not vacuous).
    let used: Count = diesel::sql_query(
        "SELECT COALESCE(sum(idx_scan), 0)::bigint AS n FROM pg_stat_user_tables \
         WHERE relname IN ('notifications', 'agreement_signatures', 'sessions')",
    )
    .get_result(&mut conn)
    .expect("index scans");
    assert!(
        used.n > 0,
        "no index scan counted: the statistics were not flushed"
    );
    // The internship's limits read the filled internships through their indexes.
    let internships: Count = diesel::sql_query(
        "SELECT COALESCE(idx_scan, 0)::bigint AS n FROM pg_stat_user_tables \
         WHERE relname = 'internships'",
    )
    .get_result(&mut conn)
    .expect("internship index scans");
    assert!(
        internships.n > 0,
        "the internships' hot path was not played"
    );
    // Sending, reading, listing and signing never read a PDF's bytes (nothing was downloaded).
    let blobs: Count = diesel::sql_query(
        "SELECT (COALESCE(seq_scan, 0) + COALESCE(idx_scan, 0))::bigint AS n \
         FROM pg_stat_user_tables WHERE relname = 'agreement_document_blobs'",
    )
    .get_result(&mut conn)
    .expect("blob reads");
    assert_eq!(blobs.n, 0, "the PDFs' table was read on a hot path");
}
