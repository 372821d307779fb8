//! Issue 22's goal: rendering and sending 1,500 internship agreements stays under 20 s, on
//! SQLite and on PostgreSQL, against the real server on loopback, signed in as staff.
//!
//! Data (not timed), written through the library's models in one transaction:
//! `INTERNSHIP_AGREEMENTS` (default 1,500) internship drafts, each ready to send: one student
//! each (no overlap), 150 hosts (each with a valid SIRET — a 9-digit SIREN and a NIC whose last
//! digit makes the Luhn sum right — an address, a representative, a headcount and a contact
//! account who signs), 30 academic tutors, a supervisor e-mail of its own per internship (R124-13
//! counts at most 3), 35 h a week Monday to Friday, 450 cents an hour (2027 has no row yet: 2026's
//! minimum applies), 2 to 6 months starting on a Monday of the first half of 2027 (under 924 h),
//! a subject, activities and skills of a few sentences, one in ten in English, the presence
//! computed with the library (`internship::flows::plan(..).presence_plan()?.presence()`) and
//! the supervisor's part given (`supervisor_completed_at`). Agreements with
//! `agreements::models::insert_many`, then their `internships` rows.
//!
//! Timed over HTTP:
//! - `GET /api/v1/agreements/{id}.pdf` of 20 drafts (one warm-up): the median render, to
//!   explain the total;
//! - `POST /api/v1/internships/send` (staff), wall time: every draft loaded, checked (missing
//!   parts, every legal limit), rendered on every core, then one write transaction (frozen
//!   PDFs, signatories, reminders) with one e-mail per signatory listing theirs.
//!
//! Checked: the answer sends N and skips none (skipped codes printed, then fails); in the
//! database every agreement is `sent` with its document, its blob and its four unsigned
//! signatories, and one e-mail per signatory is queued (students + hosts + tutors + the
//! school's signatory).
//!
//! Where the time goes: before the send, the same load, checks and rendering run in-process
//! (`INTERNSHIP_PHASES=0` skips them), each timed; after it, the send's own timeline is read
//! back from what it wrote (`sent_at` of the agreements, `created_at` of the e-mails; stored to
//! the second). Other work on the machine (builds) takes cores from the send: the CPU this
//! process, PostgreSQL and every other process used during it is read from `/proc` (Linux),
//! with the load average, and an idle machine's time is estimated (loading + checks + the
//! rendering's CPU spread over every core + writing).
//!
//! Prints a summary (N, database, wall seconds of the send, agreements/s, the median PDF, the
//! e-mails queued, PASS/FAIL against 20 s) and exits with 1 on FAIL.
//!
//! SQLite file by default; `BENCH_DATABASE_URL=postgres://…/postgres` runs it on a fresh
//! PostgreSQL database made (and dropped) on that server, autovacuum off and no ANALYZE, as in
//! CI. Run: `cargo bench --bench internships` (and `INTERNSHIP_AGREEMENTS=N` to compare).

#[allow(dead_code)]
mod common;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use chrono::{Months, NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use diesel::QueryableByName;
use fieldlab::agreements::domain::{Kind, Status};
use fieldlab::agreements::flows;
use fieldlab::agreements::internship::flows as internship_flows;
use fieldlab::agreements::internship::models::{self as internships, HostRecord, Internship};
use fieldlab::agreements::internship::siret::Siret;
use fieldlab::agreements::models::{self, Agreement, Filter};
use fieldlab::auth::domain::{NewAccount, Role, SessionToken};
use fieldlab::auth::password;
use fieldlab::config::Settings;
use fieldlab::db::{new_id, now, schema, DbConnection};
use fieldlab::paging::PageRequest;
use fieldlab::startup::{open_database, Application};
use serde_json::Value;

const PASSWORD: &str = "benchmark-password";
const STAFF: &str = "bureau.stages@fieldlab.test";
const HOSTS: usize = 150;
const TUTORS: usize = 30;
const PDF_RUNS: usize = 20;
const GOAL: Duration = Duration::from_secs(20);
/// The e-mails asking to sign: one agreement, or a list of them.
const TO_SIGN: [&str; 2] = ["agreement_to_sign", "agreements_to_sign"];

#[derive(QueryableByName)]
struct Table {
    #[diesel(sql_type = diesel::sql_types::Text)]
    relname: String,
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let size: usize = std::env::var("INTERNSHIP_AGREEMENTS")
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(1_500);
    let phases = std::env::var("INTERNSHIP_PHASES").map_or(true, |v| v.trim() != "0");
    let dir = tempfile::tempdir().expect("temp dir");
    let mut settings = Settings::load(None).expect("settings");
    settings.server.port = 0;
    settings.mail.dir = dir.path().join("mail").to_string_lossy().into_owned();
    settings.log.level = "error".into();
    settings.agreements.school_signatory = STAFF.into();
    let dropped = common::create_database(&mut settings, dir.path());
    fieldlab::telemetry::init(&settings.log);
    let backend = if dropped.is_some() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());

    let pool = open_database(&settings).expect("database");
    let mut conn = pool.get().expect("connection");
    if let DbConnection::Postgresql(c) = &mut *conn {
        // CI's server runs with autovacuum off: no statistics are ever gathered.
        let tables: Vec<Table> =
            diesel::sql_query("SELECT relname::text AS relname FROM pg_stat_user_tables")
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
    // The office's staff member: signs in, sends, and signs for the school.
    let staff = NewAccount::parse(
        STAFF,
        "Bureau des stages",
        "staff",
        Some(PASSWORD),
        &[Role::Staff],
    )
    .expect("account");
    let hash = password::hash(PASSWORD).expect("hash");
    fieldlab::auth::models::insert_user(&mut conn, &staff, Some(&hash), None).expect("staff");

    let started = Instant::now();
    let generated = conn
        .transaction(|conn| generate(conn, &settings, size))
        .expect("generated");
    println!(
        "[{backend}] generator: {size} ready internship drafts ({} students, {} hosts, {} tutors) \
         in {:.2?}",
        generated.students,
        generated.hosts,
        generated.tutors,
        started.elapsed()
    );

    let app = Application::build(settings.clone()).expect("server");
    let base = format!("http://127.0.0.1:{}", app.port());
    let api = format!("{base}/api/v1");
    let server = app.handle();
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::new();
    let token = common::login(&client, &base, STAFF, PASSWORD).await;

    // One internship's PDF, as the send renders it: the draft's own PDF over HTTP.
    let mut times = Vec::with_capacity(PDF_RUNS);
    let mut pdf_bytes = 0;
    for i in 0..=PDF_RUNS {
        let id = &generated.ids[i % generated.ids.len()];
        let start = Instant::now();
        let res = client
            .get(format!("{api}/agreements/{id}.pdf"))
            .bearer_auth(&token)
            .send()
            .await
            .expect("pdf");
        assert_eq!(res.status(), 200, "{id}.pdf");
        let body = res.bytes().await.expect("pdf body");
        let took = start.elapsed();
        assert!(body.starts_with(b"%PDF"), "a PDF");
        if i > 0 {
            times.push(took);
            pdf_bytes += body.len();
        }
    }
    times.sort();
    let pdf_median = times[times.len() / 2];
    println!(
        "[{backend}] one internship PDF over HTTP (GET /agreements/{{id}}.pdf of a draft), \
         {PDF_RUNS} drafts: median {:.1} ms, worst {:.1} ms, {} KB each",
        ms(pdf_median),
        ms(times[times.len() - 1]),
        pdf_bytes / PDF_RUNS / 1024
    );

    let measured = if phases {
        Some(in_process_phases(
            &mut conn, &settings, backend, size, cores,
        ))
    } else {
        None
    };

    // The goal: every ready draft sent at once.
    let load_before = load_average();
    let cpu_before = cpu();
    let asked_at = wall_now();
    let start = Instant::now();
    let res = client
        .post(format!("{api}/internships/send"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("send");
    let status = res.status();
    let outcome: Value = res.json().await.expect("json");
    let took = start.elapsed();
    let answered_at = wall_now();
    let cpu_send = spent(cpu_before, cpu());
    assert_eq!(status, 200, "{outcome}");
    let sent = outcome["sent"].as_array().map_or(0, Vec::len);
    let skipped = outcome["skipped"].as_array().cloned().unwrap_or_default();
    if !skipped.is_empty() {
        let mut codes: Vec<(String, usize)> = Vec::new();
        for s in &skipped {
            let code = s["code"].as_str().unwrap_or("?").to_owned();
            match codes.iter_mut().find(|(c, _)| *c == code) {
                Some((_, n)) => *n += 1,
                None => codes.push((code, 1)),
            }
        }
        println!(
            "[{backend}] skipped by code: {codes:?}; first: {}",
            skipped[0]
        );
    }
    assert!(
        sent == size && skipped.is_empty(),
        "{sent} sent, {} skipped: every draft was ready",
        skipped.len()
    );

    // In the database: every one sent, frozen, with its signatories; one e-mail per person.
    let checked = check_database(&mut conn, size);
    assert_eq!(
        checked.emails, generated.signatories,
        "one e-mail per signatory (students + hosts + tutors + the school)"
    );
    assert_eq!(checked.recipients, generated.signatories, "each once");

    let secs = took.as_secs_f64();
    println!(
        "[{backend}] send's timeline (the database stores seconds): asked {}, first agreement \
         frozen {} (+{}), last frozen {} (+{}), first e-mail {} (+{}), last e-mail {} (+{}), \
         answered {} (+{:.1} s)",
        hms(asked_at),
        hms(checked.first_sent),
        since(asked_at, checked.first_sent),
        hms(checked.last_sent),
        since(asked_at, checked.last_sent),
        hms(checked.first_email),
        since(asked_at, checked.first_email),
        hms(checked.last_email),
        since(asked_at, checked.last_email),
        hms(answered_at),
        secs
    );
    println!(
        "[{backend}] checked: {size} sent, {} frozen documents ({} MB of PDF), {} signatories \
         unsigned, {} e-mails to sign queued to {} people ({} students + {} hosts + {} tutors + \
         the school's signatory)",
        checked.documents,
        checked.pdf_bytes / (1024 * 1024),
        checked.signatures,
        checked.emails,
        checked.recipients,
        generated.students,
        generated.hosts,
        generated.tutors
    );
    // Other work on the machine (builds) takes cores from the send: say how much.
    if let Some((own, postgres, others)) = cpu_send {
        println!(
            "[{backend}] CPU during the send ({secs:.1} s wall × {cores} cores = {:.1} s): this \
             process {own:.1} s, PostgreSQL {postgres:.1} s, other processes {others:.1} s; \
             load average {load_before} before, {} after",
            secs * cores as f64,
            load_average()
        );
    }
    // On an idle machine: rendering's CPU spread over every core, plus what runs one statement
    // after the other as measured here (loading and checks in-process; writing from the send's
    // first frozen agreement to its answer, stored to the second, so up to 1 s more).
    let writing = (answered_at - checked.first_sent).num_milliseconds() as f64 / 1000.0;
    let estimate = measured.and_then(|(before_rendering, render_cpu)| {
        Some(before_rendering + render_cpu? / cores as f64 + writing)
    });
    let verdict = if took <= GOAL { "PASS" } else { "FAIL" };
    println!();
    println!("internships/send — {backend}, {size} agreements, {cores} cores");
    println!("  send (wall, over HTTP) : {secs:.2} s");
    println!("  agreements / s         : {:.0}", size as f64 / secs);
    println!("  one PDF (median)       : {:.1} ms", ms(pdf_median));
    println!("  e-mails queued         : {}", checked.emails);
    if let Some(e) = estimate {
        println!(
            "  idle machine (estimate): {e:.1} s (loading + checks + rendering CPU / {cores} + \
             writing)"
        );
    }
    println!("  goal < {} s            : {verdict}", GOAL.as_secs());

    server.stop(false).await;
    drop(conn);
    drop(pool);
    common::drop_database(dropped);
    if took > GOAL {
        std::process::exit(1);
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Now, as the database stores it (UTC), to the millisecond.
fn wall_now() -> NaiveDateTime {
    chrono::Utc::now().naive_utc()
}

fn hms(at: NaiveDateTime) -> String {
    at.format("%H:%M:%S%.f").to_string()
}

/// Seconds from `from` to a stored instant (whole seconds, truncated when stored).
fn since(from: NaiveDateTime, to: NaiveDateTime) -> String {
    format!("{:.1} s", (to - from).num_milliseconds() as f64 / 1000.0)
}

/// CPU seconds from `/proc` (Linux; `None` elsewhere): this process (the server and the bench),
/// the PostgreSQL server's processes, and the whole machine (every process, every core).
#[derive(Clone, Copy)]
struct Cpu {
    own: f64,
    postgres: f64,
    machine: f64,
}

/// Clock ticks per second of `/proc`'s figures (`getconf CLK_TCK`: 100 on Linux).
const TICKS: f64 = 100.0;

/// utime + stime of one process, from its `stat` line.
fn process_ticks(stat: &str) -> Option<u64> {
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}

fn cpu() -> Option<Cpu> {
    let own = process_ticks(&std::fs::read_to_string("/proc/self/stat").ok()?)?;
    let mut postgres = 0;
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let path = entry.path();
        let is_pid = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()));
        if !is_pid {
            continue;
        }
        let Ok(stat) = std::fs::read_to_string(path.join("stat")) else {
            continue;
        };
        if stat.contains("(postgres)") {
            postgres += process_ticks(&stat).unwrap_or(0);
        }
    }
    // The first line of /proc/stat: user nice system idle iowait irq softirq steal ...
    let all = std::fs::read_to_string("/proc/stat").ok()?;
    let ticks: Vec<u64> = all
        .lines()
        .next()?
        .split_whitespace()
        .skip(1)
        .filter_map(|t| t.parse().ok())
        .collect();
    let busy: u64 = ticks.iter().take(8).sum::<u64>() - ticks.get(3)? - ticks.get(4)?;
    Some(Cpu {
        own: own as f64 / TICKS,
        postgres: postgres as f64 / TICKS,
        machine: busy as f64 / TICKS,
    })
}

/// CPU spent between two readings: (this process, PostgreSQL, everything else).
fn spent(before: Option<Cpu>, after: Option<Cpu>) -> Option<(f64, f64, f64)> {
    let (b, a) = (before?, after?);
    let own = a.own - b.own;
    let postgres = a.postgres - b.postgres;
    Some((
        own,
        postgres,
        (a.machine - b.machine - own - postgres).max(0.0),
    ))
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

/// What the send does before it writes, run in-process with the same library calls: the
/// drafts loaded, each checked, all rendered on every core.
fn in_process_phases(
    conn: &mut DbConnection,
    settings: &Settings,
    backend: &str,
    size: usize,
    cores: usize,
) -> (f64, Option<f64>) {
    let start = Instant::now();
    let filter = Filter {
        kind: Some(Kind::Internship.as_str().to_owned()),
        status: Some(Status::Draft.as_str().to_owned()),
        ..Filter::default()
    };
    let rows = models::list(conn, &filter, &PageRequest::EVERY).expect("drafts");
    let drafts = models::details(conn, rows).expect("details");
    let loading = start.elapsed();
    assert_eq!(drafts.len(), size);

    let start = Instant::now();
    for d in &drafts {
        internship_flows::check_sendable(conn, settings, d).expect("ready");
    }
    let checks = start.elapsed();

    let school = flows::school_signatory(conn, settings).expect("signatory");
    let edited = fieldlab::agreements::templates::Edited::load(conn).expect("templates");
    let edited = &edited;
    let cpu_before = cpu();
    let start = Instant::now();
    let chunk = drafts.len().div_ceil(cores).max(1);
    let bytes: usize = std::thread::scope(|scope| {
        let handles: Vec<_> = drafts
            .chunks(chunk)
            .map(|part| {
                let school = school.as_ref();
                scope.spawn(move || {
                    part.iter()
                        .map(|d| {
                            flows::prepare(d, settings, school, edited)
                                .expect("rendered")
                                .sha256()
                                .len()
                        })
                        .sum::<usize>()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("render thread"))
            .sum()
    });
    let rendering = start.elapsed();
    let render_cpu = spent(cpu_before, cpu()).map(|(own, _, _)| own);
    assert_eq!(bytes, 64 * size);
    println!(
        "[{backend}] in-process, as the send does before writing: loading {} drafts {:.2} s \
         ({:.2} ms each), checks {:.2} s ({:.2} ms each), rendering on {cores} threads {:.2} s \
         ({:.1} ms per PDF per thread; CPU {})",
        size,
        loading.as_secs_f64(),
        ms(loading) / size as f64,
        checks.as_secs_f64(),
        ms(checks) / size as f64,
        rendering.as_secs_f64(),
        ms(rendering) * cores as f64 / size as f64,
        render_cpu.map_or("?".into(), |c| format!(
            "{c:.1} s, {:.1} ms per PDF",
            c * 1000.0 / size as f64
        ))
    );
    ((loading + checks).as_secs_f64(), render_cpu)
}

/// What the database holds after the send.
struct Checked {
    documents: i64,
    pdf_bytes: i64,
    signatures: i64,
    emails: usize,
    recipients: usize,
    first_sent: NaiveDateTime,
    last_sent: NaiveDateTime,
    first_email: NaiveDateTime,
    last_email: NaiveDateTime,
}

fn check_database(conn: &mut DbConnection, size: usize) -> Checked {
    use schema::{
        agreement_document_blobs as blobs, agreement_documents as documents,
        agreement_signatures as signatures, agreements, notifications,
    };
    let sent: Vec<(String, String, i32, Option<NaiveDateTime>)> = agreements::table
        .filter(agreements::kind.eq(Kind::Internship.as_str()))
        .select((
            agreements::id,
            agreements::status,
            agreements::version,
            agreements::sent_at,
        ))
        .load(conn)
        .expect("agreements");
    assert_eq!(sent.len(), size);
    assert!(
        sent.iter()
            .all(|(_, s, v, at)| s == Status::Sent.as_str() && *v == 1 && at.is_some()),
        "every agreement sent, version 1"
    );
    let times: Vec<NaiveDateTime> = sent.iter().filter_map(|r| r.3).collect();
    let documents: i64 = documents::table
        .inner_join(agreements::table)
        .filter(agreements::kind.eq(Kind::Internship.as_str()))
        .filter(documents::version.eq(1))
        .filter(documents::sha256.ne(""))
        .count()
        .get_result(conn)
        .expect("documents");
    assert_eq!(documents, size as i64, "each frozen with its SHA-256");
    let pdfs: Vec<Vec<u8>> = blobs::table.select(blobs::pdf).load(conn).expect("blobs");
    assert_eq!(pdfs.len(), size, "each PDF stored");
    assert!(pdfs.iter().all(|p| p.starts_with(b"%PDF")));
    let pdf_bytes = pdfs.iter().map(|p| p.len() as i64).sum();
    drop(pdfs);
    let rows: Vec<(String, String, Option<NaiveDateTime>)> = signatures::table
        .inner_join(agreements::table)
        .filter(agreements::kind.eq(Kind::Internship.as_str()))
        .filter(signatures::version.eq(1))
        .filter(signatures::voided_at.is_null())
        .select((
            signatures::agreement_id,
            signatures::party,
            signatures::signed_at,
        ))
        .load(conn)
        .expect("signatures");
    assert_eq!(rows.len(), 4 * size, "school, company, student and tutor");
    assert!(rows.iter().all(|r| r.2.is_none()), "none signed yet");
    let parties: HashSet<(&str, &str)> = rows
        .iter()
        .map(|(a, p, _)| (a.as_str(), p.as_str()))
        .collect();
    assert_eq!(parties.len(), 4 * size, "four parties each");
    let emails: Vec<(String, NaiveDateTime)> = notifications::table
        .filter(notifications::kind.eq_any(TO_SIGN))
        .select((notifications::recipient, notifications::created_at))
        .load(conn)
        .expect("notifications");
    let recipients: HashSet<&str> = emails.iter().map(|(r, _)| r.as_str()).collect();
    let first_email = emails.iter().map(|e| e.1).min().expect("e-mails");
    let last_email = emails.iter().map(|e| e.1).max().expect("e-mails");
    Checked {
        documents,
        pdf_bytes,
        signatures: rows.len() as i64,
        emails: emails.len(),
        recipients: recipients.len(),
        first_sent: times.iter().copied().min().expect("sent"),
        last_sent: times.iter().copied().max().expect("sent"),
        first_email,
        last_email,
    }
}

/// What the generator made.
struct Generated {
    ids: Vec<String>,
    students: usize,
    hosts: usize,
    tutors: usize,
    /// Distinct people asked to sign: students, hosts' contacts, tutors and the school.
    signatories: usize,
}

const FIRST: [&str; 24] = [
    "Léa", "Hugo", "Chloé", "Lucas", "Manon", "Nathan", "Camille", "Théo", "Inès", "Louis",
    "Sarah", "Jules", "Emma", "Arthur", "Jade", "Raphaël", "Louise", "Gabriel", "Zoé", "Adam",
    "Clara", "Maël", "Lina", "Noé",
];
const LAST: [&str; 24] = [
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
    "Moreau", "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roux",
    "Vincent", "Fournier", "Morel", "Girard", "André", "Mercier",
];
const HOST_FIRST: [&str; 15] = [
    "Ateliers",
    "Laboratoires",
    "Forges",
    "Studio",
    "Bureau d'études",
    "Chaudronnerie",
    "Mécanique",
    "Énergies",
    "Robotique",
    "Matériaux",
    "Logiciels",
    "Géotechnique",
    "Hydraulique",
    "Composites",
    "Instruments",
];
const HOST_LAST: [&str; 10] = [
    "du Gard",
    "des Cévennes",
    "d'Occitanie",
    "du Rhône",
    "de l'Hérault",
    "Méditerranée",
    "du Vidourle",
    "de la Cèze",
    "du Languedoc",
    "des Garrigues",
];
const CITIES: [&str; 10] = [
    "Alès",
    "Nîmes",
    "Montpellier",
    "Avignon",
    "Uzès",
    "Sète",
    "Béziers",
    "Arles",
    "Lunel",
    "Bagnols-sur-Cèze",
];
const SUBJECTS: [&str; 8] = [
    "Jumeau numérique d'une ligne de presses",
    "Suivi par capteurs de l'usure d'outils de coupe",
    "Optimisation énergétique d'un réseau de chaleur",
    "Caractérisation mécanique de composites biosourcés",
    "Automatisation du contrôle qualité par vision",
    "Modélisation hydraulique d'un bassin de rétention",
    "Refonte d'un outil de planification de maintenance",
    "Étude de stabilité d'un talus routier",
];
const ACTIVITIES: &str = "Analyser l'existant avec l'équipe technique et recenser les besoins \
    des utilisateurs. Concevoir puis réaliser un prototype, le tester sur le site et en mesurer \
    les performances. Rédiger la documentation technique et présenter les résultats au comité \
    de pilotage en fin de stage.";
const SKILLS: &str = "Mettre en œuvre une démarche d'ingénierie de l'analyse du besoin à la \
    validation. Travailler en équipe pluridisciplinaire et rendre compte de l'avancement. \
    Appliquer les règles de sécurité propres au site et à ses installations.";
const ACTIVITIES_EN: &str = "Study the current process with the engineering team and gather \
    the users' needs. Design and build a prototype, test it on site and measure its \
    performance. Write the technical documentation and present the results to the steering \
    committee at the end of the internship.";
const SKILLS_EN: &str = "Carry an engineering approach from the needs to the validation. Work \
    in a multidisciplinary team and report on progress. Apply the site's safety rules.";

/// The ASCII letters and digits of `s`, lower case: a mailbox or domain part.
fn slug(s: &str) -> String {
    deunicode::deunicode(s)
        .to_lowercase()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect()
}

/// A valid SIRET: a SIREN of the `n`th host, NIC 0001 then the digit that makes the Luhn sum of
/// the 14 digits a multiple of 10.
fn siret(n: usize) -> String {
    let stem = format!("{:09}0001", 412_000_000 + n * 7_919);
    // From the right, the key is position 0 (not doubled), so the stem's last digit is doubled.
    let sum: u32 = stem
        .chars()
        .rev()
        .enumerate()
        .map(|(i, c)| {
            let d = c.to_digit(10).unwrap_or(0);
            if i % 2 == 0 {
                let twice = d * 2;
                if twice > 9 {
                    twice - 9
                } else {
                    twice
                }
            } else {
                d
            }
        })
        .sum();
    let key = (10 - sum % 10) % 10;
    let siret = format!("{stem}{key}");
    assert_eq!(
        Siret::parse(&siret).map(|s| s.as_str().to_owned()),
        Ok(siret.clone())
    );
    siret
}

fn account(conn: &mut DbConnection, email: &str, name: &str, role: Role) -> QueryResult<String> {
    let new = NewAccount::parse(email, name, role.as_str(), None, &[role])
        .unwrap_or_else(|e| panic!("{email}: {e:?}"));
    Ok(fieldlab::auth::models::insert_user(conn, &new, None, None)?.id)
}

/// `size` ready internship drafts with their students, hosts and tutors.
fn generate(conn: &mut DbConnection, settings: &Settings, size: usize) -> QueryResult<Generated> {
    let mut tutors = Vec::new();
    for t in 0..TUTORS {
        let (first, last) = (FIRST[(t * 7) % FIRST.len()], LAST[(t * 5 + 3) % LAST.len()]);
        let email = format!("{}.{}{t}@mines-ales.test", slug(first), slug(last));
        tutors.push(account(
            conn,
            &email,
            &format!("{first} {last}"),
            Role::Tutor,
        )?);
    }
    let hosts = HOSTS.min(size);
    let mut companies = Vec::new();
    for h in 0..hosts {
        let name = format!(
            "{} {}",
            HOST_FIRST[h % HOST_FIRST.len()],
            HOST_LAST[(h / HOST_FIRST.len()) % HOST_LAST.len()]
        );
        let domain = format!("{}{h}.test", slug(&name));
        let (first, last) = (
            FIRST[(h * 11) % FIRST.len()],
            LAST[(h * 13 + 1) % LAST.len()],
        );
        let representative = format!("{first} {last}");
        let contact = account(
            conn,
            &format!("direction@{domain}"),
            &representative,
            Role::Company,
        )?;
        let city = CITIES[h % CITIES.len()];
        let host = HostRecord {
            siret: Some(siret(h)),
            address: format!("{} avenue des Ateliers, 30100 {city}", 1 + h % 97),
            representative_name: representative,
            representative_role: if h % 2 == 0 {
                "Directrice générale".into()
            } else {
                "Directeur des ressources humaines".into()
            },
            headcount: Some(20 + (h as i32 * 37) % 1_500),
        };
        let id = new_id();
        internships::insert_company(conn, &id, Some(&contact), &name, city, &host)?;
        companies.push((id, name, city, domain));
    }

    let at = now();
    let first_monday = NaiveDate::from_ymd_opt(2027, 1, 4).expect("a Monday");
    let mut agreements = Vec::with_capacity(size);
    let mut rows = Vec::with_capacity(size);
    for i in 0..size {
        let (first, last) = (FIRST[i % FIRST.len()], LAST[(i / FIRST.len()) % LAST.len()]);
        let student_name = format!("{first} {last}");
        let student = account(
            conn,
            &format!("{}.{}{i}@etu.mines-ales.test", slug(first), slug(last)),
            &student_name,
            Role::Student,
        )?;
        let (company_id, company, city, domain) = &companies[i % hosts];
        let tutor = &tutors[i % TUTORS];
        // A Monday of the first half of 2027, 2 to 6 months.
        let starts_on = first_monday + chrono::Duration::weeks((i % 26) as i64);
        let months = 2 + (i % 5) as u32;
        let ends_on = starts_on
            .checked_add_months(Months::new(months))
            .expect("date")
            - chrono::Duration::days(3);
        let english = i % 10 == 0;
        let (sup_first, sup_last) = (
            FIRST[(i * 7 + 5) % FIRST.len()],
            LAST[(i * 11 + 2) % LAST.len()],
        );
        let supervisor_name = format!("{sup_first} {sup_last}");
        let activities = if english { ACTIVITIES_EN } else { ACTIVITIES };
        let agreement = Agreement {
            id: new_id(),
            kind: Kind::Internship.as_str().into(),
            status: Status::Draft.as_str().into(),
            version: 1,
            locale: if english { "en" } else { "fr" }.into(),
            campaign_id: None,
            mission_id: None,
            company_id: company_id.clone(),
            student_id: Some(student.clone()),
            tutor_id: Some(tutor.clone()),
            subject: format!("{} ({company})", SUBJECTS[i % SUBJECTS.len()]),
            description: activities.into(),
            place: (*city).into(),
            supervisor: Some(supervisor_name.clone()),
            starts_on,
            ends_on,
            sent_at: None,
            signed_at: None,
            cancelled_at: None,
            cancel_reason: None,
            created_at: at,
            updated_at: at,
        };
        let mut row = Internship {
            agreement_id: agreement.id.clone(),
            requested_by: student,
            student_number: format!("2190{i:05}"),
            programme: if i % 3 == 0 {
                "Cycle ingénieur généraliste, 2e année".into()
            } else {
                "Cycle ingénieur généraliste, 3e année".into()
            },
            programme_hours: "1 800 h d'enseignement sur trois ans".into(),
            internship_type: "compulsory".into(),
            department: "Direction technique".into(),
            supervisor_name,
            supervisor_role: "Ingénieur(e) d'études".into(),
            // Each supervisor follows this internship only (R124-13 allows 3 at once).
            supervisor_email: format!("{}.{}.{i}@{domain}", slug(sup_first), slug(sup_last)),
            supervisor_phone: format!("04 66 {:02} {:02} {:02}", i % 100, (i / 7) % 100, 10),
            activities: activities.into(),
            skills: if english { SKILLS_EN } else { SKILLS }.into(),
            weekly_minutes: 35 * 60,
            work_days: "1111100".into(),
            night_work: false,
            sunday_work: false,
            holiday_work: false,
            interruptions: "[]".into(),
            leave: "Deux jours de congé par mois de présence, accordés par le tuteur.".into(),
            gratification_cents: Some(450),
            gratification_terms: "Versée chaque mois par virement, au prorata de la présence."
                .into(),
            benefits: "Titres-restaurant ; moitié de l'abonnement de transport remboursée.".into(),
            confidential: i % 4 == 0,
            internal_rules: "Port des équipements de protection individuelle dans les ateliers ; \
                             horaires de 8 h 30 à 17 h 00."
                .into(),
            overlap_allowed: false,
            presence_minutes: 0,
            gratification_due: true,
            supervisor_token_hash: Some(SessionToken::generate().hash),
            supervisor_completed_at: Some(at),
            created_at: at,
            updated_at: at,
        };
        let presence = internship_flows::plan(&agreement, &row)
            .expect("a plan")
            .presence_plan()
            .expect("a schedule")
            .presence()
            .minutes();
        assert!(presence <= 924 * 60, "under L124-5's 924 h");
        row.presence_minutes = presence as i32;
        agreements.push(agreement);
        rows.push(row);
    }
    models::insert_many(conn, &agreements)?;
    for row in &rows {
        internships::insert(conn, row)?;
    }
    // Each validated by its academic tutor (the pedagogical step), as before the office sends.
    for a in &agreements {
        models::insert_validation(
            conn,
            &models::Validation {
                id: new_id(),
                agreement_id: a.id.clone(),
                step: "pedagogical".into(),
                decision: "approved".into(),
                reason: None,
                by_user: a.tutor_id.clone().expect("a tutor"),
                at: now(),
            },
        )?;
    }
    // Not timed: the library's own verdict on one of them, that the data is what we meant.
    let probe = models::details(conn, vec![agreements[0].clone()])?;
    internship_flows::check_sendable(conn, settings, &probe[0])
        .unwrap_or_else(|e| panic!("the first draft is ready: {e}"));
    Ok(Generated {
        ids: agreements.iter().map(|a| a.id.clone()).collect(),
        students: size,
        hosts,
        tutors: TUTORS.min(size),
        signatories: size + hosts + TUTORS.min(size) + 1,
    })
}
