//! The hot paths hold at a university's size without the planner's statistics (CI's
//! PostgreSQL never analyses a table): with 12,000 agreements, their signatures and documents
//! and 12,000 e-mails already there, none analysed, sending, signing, reading and listing
//! agreements and draining the outbox read no table of over 10,000 rows sequentially
//! (`pg_stat_user_tables` before and after). PostgreSQL only: SQLite has no such statistics.

use std::collections::HashMap;
use std::time::Duration;

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{expect_status, sent_research_agreement, sign, spawn_app, TestApp};

const ROWS: i64 = 12_000;

#[derive(QueryableByName, Debug)]
struct TableStats {
    #[diesel(sql_type = Text)]
    relname: String,
    #[diesel(sql_type = BigInt)]
    seq_scan: i64,
    #[diesel(sql_type = BigInt)]
    seq_tup_read: i64,
    #[diesel(sql_type = BigInt)]
    rows: i64,
}

fn stats(conn: &mut PgConnection) -> HashMap<String, TableStats> {
    diesel::sql_query(
        "SELECT relname::text AS relname, coalesce(seq_scan, 0) AS seq_scan,
                coalesce(seq_tup_read, 0) AS seq_tup_read,
                n_live_tup AS rows
           FROM pg_stat_user_tables s",
    )
    .load::<TableStats>(conn)
    .expect("pg_stat_user_tables")
    .into_iter()
    .map(|s| (s.relname.clone(), s))
    .collect()
}

/// A university's volume of rows, written in a few statements and never analysed: agreements
/// (sent, each with its school and tutor signatories and a frozen document; the school's
/// signatory signs every one), and e-mails already sent.
fn bulk(conn: &mut PgConnection, company: &str, staff: &str) {
    let statements = [
        // 200 research tutors, each with 60 agreements; the school signs them all.
        "INSERT INTO users (id, email, name, role, created_at)
         SELECT 'tutor-' || n, 'tuteur' || n || '@mines-ales.fr', 'Tuteur ' || n, 'tutor', now()
         FROM generate_series(1, 200) n"
            .to_owned(),
        format!(
            "INSERT INTO agreements (id, kind, status, version, locale, company_id, tutor_id,
                 subject, description, place, starts_on, ends_on, sent_at, created_at, updated_at)
             SELECT 'bulk-' || n, 'research', 'sent', 1, 'fr', '{company}', 'tutor-' || (n % 200 + 1),
                 'Sujet ' || n, '', 'Alès', DATE '2027-03-01' + (n % 200), DATE '2027-09-01' + (n % 200),
                 now(), now() - (n || ' minutes')::interval, now()
             FROM generate_series(1, {ROWS}) n"
        ),
        "INSERT INTO agreement_documents (agreement_id, version, sha256, created_at, clauses)
         SELECT id, 1, md5(id) || md5(id), now(), '' FROM agreements WHERE id LIKE 'bulk-%'"
            .to_owned(),
        "INSERT INTO agreement_document_blobs (agreement_id, version, pdf)
         SELECT id, 1, convert_to(repeat('%PDF-1.7 ', 200), 'UTF8') FROM agreements WHERE id LIKE 'bulk-%'"
            .to_owned(),
        format!(
            "INSERT INTO agreement_signatures (agreement_id, version, party, user_id)
             SELECT a.id, 1, p.party, CASE p.party WHEN 'school' THEN '{staff}' ELSE a.tutor_id END
             FROM agreements a, (VALUES ('school'), ('tutor')) AS p(party)
             WHERE a.id LIKE 'bulk-%'"
        ),
        format!(
            "INSERT INTO notifications (id, recipient, locale, kind, subject, body_text, body_html,
                 attachments, status, attempts, next_attempt_at, message_id, dedupe_key, created_at, sent_at)
             SELECT 'mail-' || n, 'someone' || (n % 500) || '@etu.fr', 'fr', 'agreement_to_sign', 'S', 'B', 'B',
                 '[]', 'sent', 1, now(), 'm-' || n || '@fieldlab', 'bulk:' || n, now(), now()
             FROM generate_series(1, {ROWS}) n"
        ),
    ];
    for sql in statements {
        diesel::sql_query(sql).execute(conn).expect("bulk rows");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn hot_paths_read_no_big_table_sequentially_without_statistics() {
    let app = spawn_app().await;
    if !app.settings.database.url.starts_with("postgres") {
        eprintln!("NOTICE: sequential-scan check runs on PostgreSQL only (TEST_DATABASE_URL)");
        return;
    }
    let mut conn = PgConnection::establish(&app.settings.database.url).expect("connection");
    // The real agreement first (its company, tutor and the school's signatory), then the bulk.
    let (id, company_token, tutor_token) = sent_research_agreement(&app).await;
    let seen = expect_status(
        app.get(&format!("/api/v1/agreements/{id}"), Some(&app.staff_token))
            .await,
        StatusCode::OK,
    )
    .await;
    let staff_id = seen["signatures"]
        .as_array()
        .expect("signatures")
        .iter()
        .find(|s| s["party"] == "school")
        .map(|s| s["signatory"]["id"].as_str().expect("id").to_owned())
        .expect("the school signs");
    // On a connection of its own, closed after: a backend reports its own scans (the bulk's
    // INSERT … SELECT read `agreements` whole) when it exits, not before the snapshot.
    let mut loader = PgConnection::establish(&app.settings.database.url).expect("connection");
    bulk(
        &mut loader,
        seen["company"]["id"].as_str().expect("company"),
        &staff_id,
    );
    drop(loader);
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let before = stats(&mut conn);

    // The hot paths: read it, its PDF, the lists, sign it (the last signature sends the final
    // PDF to everyone), and let the outbox send.
    hot_paths(&app, &id, &company_token, &tutor_token).await;

    assert_no_big_scan(&mut conn, &before).await;

    // With statistics, the same: the plans do not depend on them.
    diesel::sql_query("ANALYZE")
        .execute(&mut conn)
        .expect("analyse");
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let before = stats(&mut conn);
    reads(&app, &id, &company_token).await;
    assert_no_big_scan(&mut conn, &before).await;
}

/// No table of over 10,000 rows was read sequentially since `before`.
async fn assert_no_big_scan(conn: &mut PgConnection, before: &HashMap<String, TableStats>) {
    // Each backend reports its counts when idle (at most every second, or after 10 s).
    tokio::time::sleep(Duration::from_secs(11)).await;
    let after = stats(conn);
    let scanned: Vec<String> = after
        .values()
        .filter(|t| t.rows > 10_000)
        .filter_map(|t| {
            let b = before.get(&t.relname)?;
            (t.seq_scan > b.seq_scan).then(|| {
                format!(
                    "{}: {} scans, {} rows read",
                    t.relname,
                    t.seq_scan - b.seq_scan,
                    t.seq_tup_read - b.seq_tup_read
                )
            })
        })
        .collect();
    let big: Vec<&str> = after
        .values()
        .filter(|t| t.rows > 10_000)
        .map(|t| t.relname.as_str())
        .collect();
    assert!(big.len() >= 4, "the bulk made big tables: {big:?}");
    assert!(
        scanned.is_empty(),
        "sequential scans of big tables: {scanned:?}"
    );
}

/// What everyone reads: an agreement, its PDF, the lists, the amendments, the outbox.
async fn reads(app: &TestApp, id: &str, company: &str) {
    let staff = app.staff_token.as_str();
    for path in [
        format!("/api/v1/agreements/{id}"),
        format!("/api/v1/agreements/{id}.pdf"),
        "/api/v1/agreements?status=sent&limit=50".to_owned(),
        format!("/api/v1/agreements/{id}/amendments"),
        "/api/v1/notifications?limit=50".to_owned(),
    ] {
        expect_status(app.get(&path, Some(staff)).await, StatusCode::OK).await;
    }
    expect_status(
        app.get("/api/v1/agreements?limit=50", Some(company)).await,
        StatusCode::OK,
    )
    .await;
}

async fn hot_paths(app: &TestApp, id: &str, company: &str, tutor: &str) {
    let staff = app.staff_token.as_str();
    reads(app, id, company).await;
    for token in [company, tutor] {
        expect_status(
            app.get("/api/v1/agreements?limit=50", Some(token)).await,
            StatusCode::OK,
        )
        .await;
        expect_status(
            sign(app, id, token, json!({"consent": true})).await,
            StatusCode::OK,
        )
        .await;
    }
    let signed = expect_status(
        sign(app, id, staff, json!({"consent": true})).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(signed["status"], "signed");
    // The final PDF goes to the three signatories: the outbox sends them.
    assert!(
        crate::helpers::eventually(Duration::from_secs(20), || async {
            app.mails_to("r@labo.fr")
                .await
                .iter()
                .any(|m| m["kind"] == "agreement_signed" && m["status"] == "sent")
        })
        .await,
        "the signed agreement was e-mailed"
    );
}
