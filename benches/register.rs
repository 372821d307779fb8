//! The staff's agreements register (`/app/staff/agreements`) at 10,000 agreements, against the
//! real server on loopback, signed in as staff with a session cookie.
//!
//! Data: the demo campaign (80 companies with their contacts, 80 teams of three students,
//! their accepted problems), its 80 missions, two more campaigns, three tutors, then
//! `REGISTER_AGREEMENTS` agreements (default 10,000) written with
//! `agreements::models::insert_many` in one transaction, as the register test writes its 520
//! (the `agreement_counts` triggers keep the totals): 60 % field missions (one per mission and
//! student, spread over the three campaigns: those of the two others name a demo mission, which
//! the register does not check), 30 % internships, 10 % research; 50 % signed, 30 % sent, 10 %
//! drafts, 10 % cancelled; one in seven starting in two days (overdue when not signed), the
//! rest in two months or past. Sent and signed ones have their signatories' rows
//! (`models::insert_signatories`): all signed when signed; when sent, the company and sometimes
//! the student or tutor have signed, the school not yet. No frozen PDFs (the register does not
//! read them). The school signatory is its own staff account (`agreements.school_signatory`);
//! the bench signs in as another staff member, and page 1 is timed once more as the signatory
//! (who has every sent one to sign: the page counts them).
//!
//! Each case: 5 warm-up requests, then 50 sequential ones (the CSV of everything: 5); p50, p95
//! and max in ms. The total the page shows is checked against the generated rows.
//!
//! SQLite file by default; `BENCH_DATABASE_URL=postgres://…/postgres` runs it on a fresh
//! PostgreSQL database made (and dropped) on that server, with autovacuum off on its tables
//! (as in CI) and no ANALYZE: the plans hold without statistics or not.
//! Run: `cargo bench --bench register` (and `REGISTER_AGREEMENTS=100` to compare).

#[allow(dead_code)]
mod common;

use std::time::{Duration, Instant};

use diesel::{QueryableByName, RunQueryDsl};
use fieldlab::agreements::domain::{Kind, Party};
use fieldlab::agreements::models::{self, Agreement, Signature};
use fieldlab::auth::domain::{NewAccount, Role};
use fieldlab::auth::password;
use fieldlab::config::Settings;
use fieldlab::db::{new_id, now, schema, DbConnection};
use fieldlab::startup::{open_database, Application};

const PASSWORD: &str = "benchmark-password";
const RUNS: usize = 50;
const CSV_RUNS: usize = 5;
const WARM_UP: usize = 5;
const PAGE: usize = 50;

/// A case: its name, its path, the session it is read with, how many runs, and the total and
/// page the page must show (`None`: the CSV, one line per agreement).
type Case<'a> = (String, String, &'a str, usize, Option<(usize, usize)>);

#[derive(QueryableByName)]
struct Analysed {
    #[diesel(sql_type = diesel::sql_types::Text)]
    relname: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    last_analyze: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    last_autoanalyze: String,
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let size: usize = std::env::var("REGISTER_AGREEMENTS")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(10_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let mut settings = Settings::load(None).expect("settings");
    settings.server.port = 0;
    settings.mail.dir = dir.path().join("mail").to_string_lossy().into_owned();
    settings.log.level = "error".into();
    // Named, not "the first staff account": both are created in the same instant.
    settings.agreements.school_signatory = "signataire@fieldlab.test".into();
    let dropped = common::create_database(&mut settings, dir.path());
    fieldlab::telemetry::init(&settings.log);
    let backend = if dropped.is_some() {
        "PostgreSQL"
    } else {
        "SQLite"
    };

    let pool = open_database(&settings).expect("database");
    let mut conn = pool.get().expect("connection");
    if let DbConnection::Postgresql(c) = &mut *conn {
        // CI's server runs with autovacuum off: no statistics are ever gathered.
        let tables: Vec<Analysed> = diesel::sql_query(
            "SELECT relname::text AS relname, '' AS last_analyze, '' AS last_autoanalyze \
             FROM pg_stat_user_tables",
        )
        .load(c)
        .expect("tables");
        for t in &tables {
            diesel::sql_query(format!(
                "ALTER TABLE \"{}\" SET (autovacuum_enabled = false)",
                t.relname
            ))
            .execute(c)
            .expect("autovacuum off");
        }
    }
    // The school signatory, and the staff member who reads the register.
    for (email, name) in [
        ("signataire@fieldlab.test", "Signataire"),
        ("bench@fieldlab.test", "Bench"),
    ] {
        let staff = NewAccount::parse(email, name, "staff", Some(PASSWORD), &[Role::Staff])
            .expect("account");
        let hash = password::hash(PASSWORD).expect("hash");
        fieldlab::auth::models::insert_user(&mut conn, &staff, Some(&hash), None).expect("staff");
    }
    let school = fieldlab::agreements::flows::school_signatory(&mut conn, &settings)
        .expect("signatory")
        .expect("a signatory");
    assert_eq!(school.email, "signataire@fieldlab.test");
    let campaign = fieldlab::missions::demo::seed_demo(&mut conn).expect("demo seeded");
    let started = Instant::now();
    let expected = generate(&mut conn, &campaign, &school.id, size);
    let generated = started.elapsed();
    println!(
        "[{backend}] generator: {size} agreements and {} signature rows in {generated:.2?}",
        expected.signatures
    );

    let app = Application::build(settings.clone()).expect("server");
    let base = format!("http://127.0.0.1:{}", app.port());
    let server = app.handle();
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::new();
    let bench = common::login(&client, &base, "bench@fieldlab.test", PASSWORD).await;
    let signatory = common::login(&client, &base, "signataire@fieldlab.test", PASSWORD).await;

    let pages = |n: usize| n.div_ceil(PAGE).max(1);
    let deep = 100.min(pages(size));
    let cases: Vec<Case<'_>> = vec![
        (
            "page 1".into(),
            "/app/staff/agreements".into(),
            &bench,
            RUNS,
            Some((size, 1)),
        ),
        (
            format!("page {deep} (?page=100)"),
            "/app/staff/agreements?page=100".into(),
            &bench,
            RUNS,
            Some((size, deep)),
        ),
        (
            "status=sent".into(),
            "/app/staff/agreements?status=sent".into(),
            &bench,
            RUNS,
            Some((expected.sent, 1)),
        ),
        (
            "kind=research".into(),
            "/app/staff/agreements?kind=research".into(),
            &bench,
            RUNS,
            Some((expected.research, 1)),
        ),
        (
            "campaign (2nd of 3)".into(),
            format!("/app/staff/agreements?campaign_id={}", expected.campaign),
            &bench,
            RUNS,
            Some((expected.in_campaign, 1)),
        ),
        (
            "overdue=1".into(),
            "/app/staff/agreements?overdue=1".into(),
            &bench,
            RUNS,
            Some((expected.overdue, 1)),
        ),
        (
            "sort=company".into(),
            "/app/staff/agreements?sort=company&dir=asc".into(),
            &bench,
            RUNS,
            Some((size, 1)),
        ),
        (
            format!("sort=company&dir=desc page {deep}"),
            "/app/staff/agreements?sort=company&dir=desc&page=100".into(),
            &bench,
            RUNS,
            Some((size, deep)),
        ),
        (
            "sort=party (student name)".into(),
            "/app/staff/agreements?sort=party&dir=asc".into(),
            &bench,
            RUNS,
            Some((size, 1)),
        ),
        (
            format!("sort=party&dir=desc page {deep}"),
            "/app/staff/agreements?sort=party&dir=desc&page=100".into(),
            &bench,
            RUNS,
            Some((size, deep)),
        ),
        (
            "sort=starts_on".into(),
            "/app/staff/agreements?sort=starts_on&dir=asc".into(),
            &bench,
            RUNS,
            Some((size, 1)),
        ),
        (
            "sort=status&dir=desc".into(),
            "/app/staff/agreements?sort=status&dir=desc".into(),
            &bench,
            RUNS,
            Some((size, 1)),
        ),
        (
            "sort=signatures".into(),
            "/app/staff/agreements?sort=signatures&dir=asc".into(),
            &bench,
            RUNS,
            Some((size, 1)),
        ),
        (
            "company+academic_year+awaiting".into(),
            format!(
                "/app/staff/agreements?company={}&academic_year={}&awaiting=student",
                expected.company_text, expected.year
            ),
            &bench,
            RUNS,
            Some((expected.company_year_awaiting, 1)),
        ),
        (
            "the same, sort=party".into(),
            format!(
                "/app/staff/agreements?company={}&academic_year={}&awaiting=student&sort=party&dir=asc",
                expected.company_text, expected.year
            ),
            &bench,
            RUNS,
            Some((expected.company_year_awaiting, 1)),
        ),
        (
            format!("page 1 as the signatory ({} to sign)", expected.sent),
            "/app/staff/agreements".into(),
            &signatory,
            RUNS,
            Some((size, 1)),
        ),
        (
            "CSV of all".into(),
            "/app/staff/agreements.csv".into(),
            &bench,
            CSV_RUNS,
            None,
        ),
    ];
    println!(
        "[{backend}] {size} agreements; {WARM_UP} warm-ups, then sequential requests: p50 / p95 / max (ms)"
    );
    for (name, path, cookie, runs, total) in &cases {
        let mut times = Vec::with_capacity(*runs);
        let mut shown = String::new();
        for i in 0..WARM_UP + runs {
            let start = Instant::now();
            let res = client
                .get(format!("{base}{path}"))
                .header("Cookie", format!("fieldlab_session={cookie}"))
                .send()
                .await
                .expect("page");
            assert_eq!(res.status(), 200, "{path}");
            let body = res.text().await.expect("body");
            let took = start.elapsed();
            if i >= WARM_UP {
                times.push(took);
            }
            if i == 0 {
                match total {
                    Some((n, page)) => {
                        let text =
                            format!("{} conventions, page {page} sur {}", grouped(*n), pages(*n));
                        assert!(body.contains(&text), "{path}: «{text}» expected");
                        shown = format!("{} B «{}»", body.len(), text.replace('\u{a0}', " "));
                    }
                    None => {
                        assert_eq!(body.lines().count(), 1 + size, "header and every one");
                        shown = format!("{} lines, {} KB", 1 + size, body.len() / 1024);
                    }
                }
            }
        }
        times.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let p = |q: f64| ms(times[((times.len() as f64 - 1.0) * q).round() as usize]);
        println!(
            "  {name:<36} {runs:>3} runs: {:>8.2} / {:>8.2} / {:>8.2}   {shown}",
            p(0.5),
            p(0.95),
            ms(times[times.len() - 1])
        );
    }

    // What the signatory's page adds: `models::awaiting`, called in-process as the page does
    // (its `.len()` is the "to sign" count).
    let mut times = Vec::new();
    for _ in 0..20 {
        let start = Instant::now();
        let waiting = models::awaiting(
            &mut conn,
            &models::Signer {
                user_ids: std::slice::from_ref(&school.id),
                signers: &fieldlab::agreements::domain::Signers::together(),
            },
        )
        .expect("awaiting");
        times.push(start.elapsed());
        assert_eq!(waiting.len(), expected.sent);
    }
    times.sort();
    println!(
        "[{backend}] models::awaiting(signatory), {} to sign, 20 in-process calls: median {:.2?}, worst {:.2?}",
        expected.sent, times[10], times[19]
    );

    if let DbConnection::Postgresql(c) = &mut *conn {
        let rows: Vec<Analysed> = diesel::sql_query(
            "SELECT relname::text AS relname, \
             COALESCE(last_analyze::text, 'never') AS last_analyze, \
             COALESCE(last_autoanalyze::text, 'never') AS last_autoanalyze \
             FROM pg_stat_user_tables \
             WHERE relname IN ('agreements', 'agreement_signatures', 'agreement_counts') \
             ORDER BY relname",
        )
        .load(c)
        .expect("pg_stat_user_tables");
        for r in rows {
            println!(
                "[{backend}] {}: last_analyze {}, last_autoanalyze {}",
                r.relname, r.last_analyze, r.last_autoanalyze
            );
        }
    }

    server.stop(false).await;
    drop(conn);
    drop(pool);
    common::drop_database(dropped);
}

/// What the register should count, from the generated rows.
struct Expected {
    sent: usize,
    research: usize,
    campaign: String,
    in_campaign: usize,
    overdue: usize,
    signatures: usize,
    /// A company name's part (one of the demo's companies, as typed in the filter).
    company_text: String,
    /// The current academic year's first calendar year.
    year: i32,
    /// Those of that company (by name), that academic year, sent and awaiting the student.
    company_year_awaiting: usize,
}

/// `size` agreements (and their signatories' rows) in one transaction, the register test's way.
fn generate(conn: &mut DbConnection, demo: &str, school: &str, size: usize) -> Expected {
    use diesel::prelude::*;
    use schema::{companies, problems, teams, users};
    let mut campaigns = vec![demo.to_owned()];
    for (name, start) in [
        ("Missions terrain — automne 2026", "2026-10-05"),
        ("Missions terrain — automne 2027", "2027-10-04"),
    ] {
        let new = fieldlab::missions::domain::NewCampaign::parse(
            name,
            Some(start),
            None,
            None,
            None,
            None,
        )
        .expect("campaign");
        campaigns.push(
            fieldlab::missions::models::insert_campaign(conn, &new)
                .expect("campaign")
                .id,
        );
    }
    let mut tutors = Vec::new();
    for t in 0..3 {
        let account = NewAccount::parse(
            &format!("tuteur{t}@fieldlab.test"),
            &format!("Tuteur {t}"),
            "tutor",
            None,
            &[Role::Tutor],
        )
        .expect("tutor");
        tutors.push(
            fieldlab::auth::models::insert_user(conn, &account, None, None)
                .expect("tutor")
                .id,
        );
    }
    let contacts: std::collections::HashMap<String, String> = companies::table
        .select((companies::id, companies::contact_id))
        .load::<(String, Option<String>)>(conn)
        .expect("companies")
        .into_iter()
        .filter_map(|(id, contact)| Some((id, contact?)))
        .collect();
    let problems: Vec<(String, String)> = problems::table
        .filter(problems::campaign_id.eq(demo))
        .order(problems::title.asc())
        .select((problems::id, problems::company_id))
        .load(conn)
        .expect("problems");
    let teams: Vec<String> = teams::table
        .filter(teams::campaign_id.eq(demo))
        .order(teams::name.asc())
        .select(teams::id)
        .load(conn)
        .expect("teams");
    let students: Vec<String> = users::table
        .filter(users::role.eq("student"))
        .order(users::email.asc())
        .select(users::id)
        .load(conn)
        .expect("students");
    let at = now();
    let starts = chrono::NaiveDate::from_ymd_opt(2027, 3, 1).expect("day");
    let missions: Vec<fieldlab::missions::models::Mission> = teams
        .iter()
        .zip(&problems)
        .map(
            |(team, (problem, company))| fieldlab::missions::models::Mission {
                id: new_id(),
                campaign_id: demo.to_owned(),
                team_id: team.clone(),
                problem_id: problem.clone(),
                company_id: company.clone(),
                tutor_id: Some(tutors[0].clone()),
                starts_on: starts,
                ends_on: starts + chrono::Duration::days(35),
                created_at: at,
            },
        )
        .collect();
    fieldlab::missions::models::insert_missions(conn, &missions).expect("missions");

    // The register test's generator, at scale: one second apart, the newest last.
    let today = fieldlab::clock::today();
    let until = fieldlab::agreements::domain::overdue_until(today);
    let base = now() - chrono::Duration::days(1) - chrono::Duration::seconds(size as i64);
    let company_ids: Vec<&String> = contacts.keys().collect();
    let (mut field, mut rows, mut signatures) = (0usize, Vec::with_capacity(size), Vec::new());
    for i in 0..size {
        let kind = match i % 10 {
            0..=5 => Kind::FieldMission,
            6..=8 => Kind::Internship,
            _ => Kind::Research,
        };
        let status = match i % 20 {
            0..=9 => "signed",
            10..=15 => "sent",
            16 | 17 => "draft",
            _ => "cancelled",
        };
        let starts_on = if i % 7 == 3 {
            today + chrono::Duration::days(2)
        } else if status == "signed" && i % 3 == 0 {
            today - chrono::Duration::days(30)
        } else {
            today + chrono::Duration::days(60)
        };
        let created = base + chrono::Duration::seconds(i as i64);
        let (campaign_id, mission_id, company_id, student_id, tutor_id) = match kind {
            Kind::FieldMission => {
                // Every (mission, student) pair at most once: 80 missions × 240 students.
                let mission = &missions[field % missions.len()];
                let student = &students[(field / missions.len()) % students.len()];
                let campaign = campaigns[field % campaigns.len()].clone();
                field += 1;
                (
                    Some(campaign),
                    Some(mission.id.clone()),
                    mission.company_id.clone(),
                    Some(student.clone()),
                    mission.tutor_id.clone(),
                )
            }
            Kind::Internship => (
                None,
                None,
                company_ids[i % company_ids.len()].clone(),
                Some(students[i % students.len()].clone()),
                Some(tutors[i % tutors.len()].clone()),
            ),
            Kind::Research => (
                None,
                None,
                company_ids[i % company_ids.len()].clone(),
                None,
                Some(tutors[i % tutors.len()].clone()),
            ),
        };
        let row = Agreement {
            id: new_id(),
            kind: kind.as_str().into(),
            status: status.into(),
            version: 1,
            locale: "fr".into(),
            campaign_id,
            mission_id,
            company_id,
            student_id,
            tutor_id,
            subject: format!("Convention n° {i}"),
            description: "Une convention".into(),
            place: "Alès".into(),
            supervisor: None,
            starts_on,
            ends_on: starts_on + chrono::Duration::days(35),
            sent_at: (status == "sent" || status == "signed").then_some(created),
            signed_at: (status == "signed").then_some(created),
            cancelled_at: (status == "cancelled").then_some(created),
            cancel_reason: (status == "cancelled").then(|| "Annulée".to_owned()),
            created_at: created,
            updated_at: created,
        };
        if status == "sent" || status == "signed" {
            for &party in kind.parties() {
                let user_id = match party {
                    Party::School => school.to_owned(),
                    Party::Company => contacts[&row.company_id].clone(),
                    Party::Student => row.student_id.clone().expect("student"),
                    Party::Tutor => row.tutor_id.clone().expect("tutor"),
                };
                let signed = status == "signed"
                    || party == Party::Company
                    || (party != Party::School && i % 2 == 0);
                signatures.push(Signature {
                    agreement_id: row.id.clone(),
                    version: 1,
                    party: party.as_str().into(),
                    user_id,
                    signed_at: signed.then_some(created),
                    ip: signed.then(|| "127.0.0.1".to_owned()),
                    user_agent: None,
                    document_sha256: signed.then(|| "0".repeat(64)),
                    voided_at: None,
                    signed_by: None,
                });
            }
        }
        rows.push(row);
    }
    conn.transaction(|conn| {
        models::insert_many(conn, &rows)?;
        models::insert_signatories(conn, &signatures)
    })
    .expect("inserted");
    let campaign = campaigns[1].clone();
    // A company filter as staff type it: a part of one name, any case.
    let names: std::collections::HashMap<String, String> = companies::table
        .select((companies::id, companies::name))
        .load::<(String, String)>(conn)
        .expect("names")
        .into_iter()
        .collect();
    let year = fieldlab::agreements::internship::rules::AcademicYear::of(today).first_year();
    let waiting_student: std::collections::HashSet<&str> = signatures
        .iter()
        .filter(|s| s.party == "student" && s.signed_at.is_none())
        .map(|s| s.agreement_id.as_str())
        .collect();
    // The company of the first agreement the three filters keep: a case that lists rows.
    let company_text = rows
        .iter()
        .find(|r| {
            r.status == "sent"
                && waiting_student.contains(r.id.as_str())
                && fieldlab::agreements::internship::rules::AcademicYear::of(r.starts_on)
                    .first_year()
                    == year
        })
        .map(|r| names[&r.company_id].to_uppercase())
        .expect("a sent agreement awaiting its student this year");
    let company_year_awaiting = rows
        .iter()
        .filter(|r| {
            names[&r.company_id]
                .to_lowercase()
                .contains(&company_text.to_lowercase())
                && fieldlab::agreements::internship::rules::AcademicYear::of(r.starts_on)
                    .first_year()
                    == year
                && r.status == "sent"
                && waiting_student.contains(r.id.as_str())
        })
        .count();
    let company_text = company_text
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    Expected {
        company_text,
        year,
        company_year_awaiting,
        sent: rows.iter().filter(|r| r.status == "sent").count(),
        research: rows.iter().filter(|r| r.kind == "research").count(),
        in_campaign: rows
            .iter()
            .filter(|r| r.campaign_id.as_deref() == Some(&campaign))
            .count(),
        campaign,
        overdue: rows
            .iter()
            .filter(|r| (r.status == "draft" || r.status == "sent") && r.starts_on <= until)
            .count(),
        signatures: signatures.len(),
    }
}

/// `10 000`: a no-break space between thousands, as the French page writes it.
fn grouped(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{a0}');
        }
        out.push(c);
    }
    out
}
