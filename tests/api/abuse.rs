//! Abuse and faults (the contract's last paragraph): bursts of sign-ins, guessing, weak
//! passwords, NUL characters, dates out of range, unsupported methods, a database that cannot
//! write. The same answers on SQLite and PostgreSQL, never a 5xx other than 503.

use std::time::{Duration, Instant};

use mailparse::MailHeaderMap;
use reqwest::{Response, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{
    expect_problem, expect_status, spawn_app, spawn_app_with, TestApp, PASSWORD, STAFF_EMAIL,
};

async fn login(app: &TestApp, email: &str, password: &str) -> Response {
    app.post(
        "/api/v1/auth/login",
        None,
        &json!({"email": email, "password": password}),
    )
    .await
}

/// A 429 `too_many_requests` with a `Retry-After` of at least a second.
async fn expect_throttled(res: Response) {
    let retry_after: u64 = res
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("a Retry-After in seconds");
    assert!(retry_after >= 1);
    expect_problem(res, StatusCode::TOO_MANY_REQUESTS, "too_many_requests").await;
}

fn resident_memory_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

/// `n` wrong logins at once; all answered 401, or 503 with Retry-After if the wait for a
/// hashing turn is too long. Returns how much the peak resident memory exceeded the start.
async fn burst_of_wrong_logins(app: &TestApp, n: usize) -> u64 {
    let before = resident_memory_bytes();
    let peak = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(before));
    let sampling = {
        let peak = peak.clone();
        tokio::spawn(async move {
            loop {
                peak.fetch_max(
                    resident_memory_bytes(),
                    std::sync::atomic::Ordering::Relaxed,
                );
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
    };
    let answers = futures_util::future::join_all(
        (0..n).map(|_| login(app, STAFF_EMAIL, "not-the-password-at-all")),
    )
    .await;
    sampling.abort();
    for res in answers {
        match res.status() {
            StatusCode::UNAUTHORIZED => {
                expect_problem(res, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
            }
            StatusCode::SERVICE_UNAVAILABLE => {
                assert!(res.headers().contains_key("retry-after"));
                expect_problem(res, StatusCode::SERVICE_UNAVAILABLE, "unavailable").await;
            }
            other => panic!("unexpected {other}"),
        }
    }
    peak.load(std::sync::atomic::Ordering::Relaxed)
        .saturating_sub(before)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_burst_of_wrong_logins_hashes_a_few_at_a_time() {
    let app = spawn_app_with(|s| {
        s.auth.login_max_delay_seconds = 0;
        s.auth.login_failures_per_client = 0;
    })
    .await;
    // 48 hashes at once would hold 900 MiB; a few at a time, in reused buffers, far less. A
    // burst twice as large then adds next to nothing (96 at once would need 1.8 GB).
    let first = burst_of_wrong_logins(&app, 48).await;
    let grown = burst_of_wrong_logins(&app, 96).await;
    assert!(
        grown < 256 * 1024 * 1024,
        "resident memory grew by {} MiB after the first burst's {} MiB",
        grown / (1024 * 1024),
        first / (1024 * 1024)
    );
    assert!(
        first < 400 * 1024 * 1024,
        "the first burst took {} MiB",
        first / (1024 * 1024)
    );
    // The server still serves sign-ins.
    app.login(STAFF_EMAIL, PASSWORD).await;
}

/// The seconds of a 429's `Retry-After`.
fn retry_after(res: &Response) -> u64 {
    res.headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("a Retry-After in seconds")
}

#[tokio::test(flavor = "multi_thread")]
async fn repeated_failures_for_one_account_from_one_client_wait_longer_and_longer() {
    let app = spawn_app_with(|s| s.auth.login_free_failures = 3).await;
    // A success in between wipes the slate: only failures in a row count.
    for _ in 0..2 {
        let res = login(&app, STAFF_EMAIL, "not-the-password").await;
        expect_problem(res, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    }
    app.login(STAFF_EMAIL, PASSWORD).await;
    for _ in 0..3 {
        let res = login(&app, "Admin@IMT-Mines-Ales.fr", "not-the-password").await;
        expect_problem(res, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    }
    let res = login(&app, STAFF_EMAIL, "not-the-password").await;
    assert_eq!(retry_after(&res), 1, "the first delay is a second");
    expect_throttled(res).await;
    // From this client even the right password waits: otherwise guessing would go on.
    expect_throttled(login(&app, STAFF_EMAIL, PASSWORD).await).await;
    // An unknown address is throttled alike, so 429 reveals nothing about who has an account.
    for _ in 0..3 {
        let res = login(&app, "nobody@example.fr", "not-the-password").await;
        expect_problem(res, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    }
    expect_throttled(login(&app, "nobody@example.fr", "not-the-password").await).await;
    // Other accounts are not slowed by it.
    app.user_with_role("founder", "claire@startup.fr").await;
    // Once the delay has passed, one more try; failed, the next delay is twice as long.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let res = login(&app, STAFF_EMAIL, "still-not-the-password").await;
    expect_problem(res, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    let res = login(&app, STAFF_EMAIL, PASSWORD).await;
    assert_eq!(retry_after(&res), 2, "the delay doubles");
    expect_throttled(res).await;
    tokio::time::sleep(Duration::from_millis(2100)).await;
    app.login(STAFF_EMAIL, PASSWORD).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn repeated_failures_from_one_address_are_throttled() {
    let app = spawn_app_with(|s| {
        s.auth.login_failures_per_client = 4;
        s.auth.login_free_failures = 100;
    })
    .await;
    // Successes do not count.
    for _ in 0..5 {
        app.login(STAFF_EMAIL, PASSWORD).await;
    }
    for i in 0..4 {
        let res = login(&app, &format!("guess{i}@example.fr"), "not-the-password").await;
        expect_problem(res, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    }
    expect_throttled(login(&app, "guess9@example.fr", "not-the-password").await).await;
    expect_throttled(login(&app, STAFF_EMAIL, PASSWORD).await).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hundred_password_resets_for_one_address_queue_a_few_emails() {
    let app = spawn_app().await;
    let limit = app.settings.auth.resets_per_address as usize;
    let mut accepted = 0;
    for i in 0..100 {
        // Case and spaces do not make another address.
        let email = if i % 2 == 0 {
            STAFF_EMAIL.to_owned()
        } else {
            format!(" {} ", STAFF_EMAIL.to_uppercase())
        };
        let res = app
            .post(
                "/api/v1/auth/forgot-password",
                None,
                &json!({"email": email}),
            )
            .await;
        if res.status() == StatusCode::ACCEPTED {
            accepted += 1;
        } else {
            expect_throttled(res).await;
        }
    }
    assert_eq!(accepted, limit);
    assert_eq!(app.mails_to(STAFF_EMAIL).await.len(), limit);
    // An address without an account is answered the same way.
    for i in 0..=limit {
        let res = app
            .post(
                "/api/v1/auth/forgot-password",
                None,
                &json!({"email": "nobody@example.fr"}),
            )
            .await;
        if i < limit {
            expect_status(res, StatusCode::ACCEPTED).await;
        } else {
            expect_throttled(res).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn weak_passwords_are_refused_wherever_one_is_chosen() {
    let app = spawn_app().await;
    let staff = app.staff_token.clone();
    let weak = [
        ("claire.dupont@startup.fr", "Claire.Dupont@Startup.FR"),
        ("claire.dupont@startup.fr", "zzzzzzzzzzzz"),
        ("claire.dupont@startup.fr", "azertyuiop"),
        ("claire.dupont@startup.fr", "Password123"),
    ];
    for (email, password) in weak {
        let res = app
            .post(
                "/api/v1/auth/register",
                None,
                &json!({"email": email, "password": password, "name": "Claire", "role": "founder"}),
            )
            .await;
        let body = expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "weak_password").await;
        assert_eq!(body["errors"][0]["field"], "password", "{body}");
        let res = app
            .post(
                "/api/v1/users",
                Some(&staff),
                &json!({"email": email, "password": password, "name": "Claire", "role": "student"}),
            )
            .await;
        expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "weak_password").await;
        let res = app
            .post(
                "/api/v1/tutors",
                Some(&staff),
                &json!({"email": email, "password": password, "name": "Claire", "domains": ["digital"],
                        "max_projects": 2, "max_missions": 2}),
            )
            .await;
        expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "weak_password").await;
    }
    // Short is still short.
    let res = app
        .post(
            "/api/v1/auth/register",
            None,
            &json!({"email": "c@startup.fr", "password": "Xy7!", "name": "C", "role": "founder"}),
        )
        .await;
    expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;

    // Set-password: the e-mail address of the link's own account is refused, and the link
    // still works afterwards with a good password.
    let email = "zoe.martin@etu.fr";
    let res = app
        .post(
            "/api/v1/users",
            Some(&staff),
            &json!({"email": email, "name": "Zoé Martin", "role": "student"}),
        )
        .await;
    expect_status(res, StatusCode::CREATED).await;
    let token = set_password_token(&app, email).await;
    for password in ["ZOE.MARTIN@etu.fr", "1234567890"] {
        let res = app
            .post(
                "/api/v1/auth/set-password",
                None,
                &json!({"token": token, "password": password}),
            )
            .await;
        expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "weak_password").await;
    }
    let res = app
        .post(
            "/api/v1/auth/set-password",
            None,
            &json!({"token": token, "password": PASSWORD}),
        )
        .await;
    expect_status(res, StatusCode::OK).await;
    app.login(email, PASSWORD).await;
}

/// The one-time token of the welcome e-mail to `to`, read from the file transport.
async fn set_password_token(app: &TestApp, to: &str) -> String {
    let found = crate::helpers::eventually(Duration::from_secs(10), || async {
        read_token(app, to).is_some()
    })
    .await;
    assert!(found, "no welcome e-mail for {to}");
    read_token(app, to).unwrap_or_default()
}

fn read_token(app: &TestApp, to: &str) -> Option<String> {
    let entries = std::fs::read_dir(&app.mail_dir).ok()?;
    entries.flatten().find_map(|entry| {
        let raw = std::fs::read(entry.path()).ok()?;
        let mail = mailparse::parse_mail(&raw).ok()?;
        let addressed = mail
            .headers
            .get_first_value("To")
            .is_some_and(|v| v.contains(to));
        if !addressed {
            return None;
        }
        let text = mail
            .subparts
            .iter()
            .find(|p| p.ctype.mimetype == "text/plain")
            .and_then(|p| p.get_body().ok())?;
        text.split("token=")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .map(str::to_owned)
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn nul_characters_get_the_same_4xx_on_both_backends() {
    let app = spawn_app().await;
    let staff = app.staff_token.clone();
    // In a JSON body: 422 naming the field.
    let res = app
        .post_raw(
            "/api/v1/auth/login",
            None,
            "application/json",
            r#"{"email":"a\u0000b","password":"x"}"#,
        )
        .await;
    let body = expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(body["errors"][0]["field"], "email");
    let res = app
        .post(
            "/api/v1/users",
            Some(&staff),
            &json!({"email": "x@y.fr", "name": "Nul\u{0}", "role": "student"}),
        )
        .await;
    let body = expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(body["errors"][0]["field"], "name");
    let res = app
        .post(
            "/api/v1/campaigns",
            Some(&staff),
            &json!({"name": "C", "starts_on": "2027-03-01", "tags": [{"k\u{0}": 1}]}),
        )
        .await;
    expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    // A JSON text that merely spells the escape is not NUL.
    let res = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({"email": "a\\u0000b@x.fr", "password": "not-the-password"}),
        )
        .await;
    expect_problem(res, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    // In a path or a query: 400.
    for path in [
        "/api/v1/applications/a%00b",
        "/api/v1/notifications?to=a%00b",
        "/api/v1/users?role=student%00",
        "/api/v1/users?cursor=0061",
        "/api/v1/tutors?cursor=0061",
    ] {
        let res = app.get(path, Some(&staff)).await;
        expect_problem(res, StatusCode::BAD_REQUEST, "bad_request").await;
    }
    // In a form body: 400.
    let res = app
        .post_raw(
            "/api/v1/auth/login",
            None,
            "application/x-www-form-urlencoded",
            "email=a%00b&password=x",
        )
        .await;
    expect_problem(res, StatusCode::BAD_REQUEST, "bad_request").await;
    // The body read to look for NUL goes on to the handler whole.
    let res = login(&app, STAFF_EMAIL, PASSWORD).await;
    expect_status(res, StatusCode::OK).await;
}

/// A NUL in a header never reaches the application: actix-http's parser answers 400 itself,
/// with an empty body that no middleware can rewrite. Never a 5xx.
#[tokio::test(flavor = "multi_thread")]
async fn a_nul_in_a_header_is_a_400() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_app().await;
    let address = app.address.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .expect("connect");
    stream
        .write_all(b"GET /api/v1/me HTTP/1.1\r\nHost: x\r\nX-Name: a\0b\r\n\r\n")
        .await
        .expect("write");
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer)).await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unsupported_method_on_a_known_path_is_405() {
    let app = spawn_app().await;
    for (method, path, allow) in [
        ("TRACE", "/api/v1/me", "GET"),
        ("DELETE", "/api/v1/me", "GET"),
        ("PUT", "/api/v1/users", "GET, POST"),
        (
            "TRACE",
            "/api/v1/applications/0191b2c3-0000-7000-8000-000000000000",
            "GET",
        ),
    ] {
        let res = app
            .client
            .request(
                reqwest::Method::from_bytes(method.as_bytes()).expect("method"),
                app.url(path),
            )
            .send()
            .await
            .expect("sent");
        let allowed = res
            .headers()
            .get("allow")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        assert_eq!(allowed, allow, "{method} {path}");
        expect_problem(res, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed").await;
    }
    let res = app
        .client
        .request(reqwest::Method::TRACE, app.url("/api/v1/nothing-here"))
        .send()
        .await
        .expect("sent");
    expect_problem(res, StatusCode::NOT_FOUND, "not_found").await;
}

async fn expect_date_refused(res: Response, field: &str) {
    let body = expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .map(|e| e.iter().filter_map(|e| e["field"].as_str()).collect())
        .unwrap_or_default();
    assert!(fields.contains(&field), "{body}");
}

#[tokio::test(flavor = "multi_thread")]
async fn dates_outside_2000_to_2100_are_422() {
    let app = spawn_app().await;
    let staff = app.staff_token.clone();
    for starts_on in ["0000-01-01", "9999-12-31", "1999-12-31", "2101-01-01"] {
        let res = app
            .post(
                "/api/v1/campaigns",
                Some(&staff),
                &json!({"name": "Missions", "starts_on": starts_on}),
            )
            .await;
        expect_date_refused(res, "starts_on").await;
    }
    let res = app
        .post(
            "/api/v1/campaigns",
            Some(&staff),
            &json!({"name": "Missions", "starts_on": "2100-12-31", "weeks": 5}),
        )
        .await;
    expect_status(res, StatusCode::CREATED).await;

    // Labs: a booking, a closure, availability, the bookings list, an authorization.
    let hours: Vec<Value> = (1..=7)
        .map(|d| json!({"weekday": d, "opens": "00:00", "closes": "23:59"}))
        .collect();
    let res = app
        .post(
            "/api/v1/labs",
            Some(&staff),
            &json!({"name": "Hall", "opening_hours": hours}),
        )
        .await;
    let lab = expect_status(res, StatusCode::CREATED).await;
    let lab_id = lab["id"].as_str().expect("id").to_owned();
    let res = app
        .post(
            &format!("/api/v1/labs/{lab_id}/equipment"),
            Some(&staff),
            &json!({"name": "Presse"}),
        )
        .await;
    let equipment = expect_status(res, StatusCode::CREATED).await;
    let equipment_id = equipment["id"].as_str().expect("id").to_owned();
    let res = app
        .post(
            "/api/v1/bookings",
            Some(&staff),
            &json!({"equipment_id": equipment_id, "starts_at": "9999-12-31T23:00:00-14:00",
                    "ends_at": "9999-12-31T23:30:00-14:00"}),
        )
        .await;
    expect_date_refused(res, "starts_at").await;
    let res = app
        .post(
            &format!("/api/v1/labs/{lab_id}/closures"),
            Some(&staff),
            &json!({"starts_at": "2027-03-01T08:00:00Z", "ends_at": "9999-12-31T23:00:00Z", "reason": "x"}),
        )
        .await;
    expect_date_refused(res, "ends_at").await;
    let res = app
        .get(
            &format!("/api/v1/equipment/{equipment_id}/availability?from=9999-12-30&to=9999-12-31"),
            Some(&staff),
        )
        .await;
    expect_date_refused(res, "from").await;
    let res = app
        .get(
            "/api/v1/bookings?from=0001-01-01&to=2027-01-01",
            Some(&staff),
        )
        .await;
    expect_date_refused(res, "from").await;
    let res = app
        .post(
            &format!("/api/v1/equipment/{equipment_id}/authorizations"),
            Some(&staff),
            &json!({"user_id": "whoever", "expires_on": "9999-12-31"}),
        )
        .await;
    expect_date_refused(res, "expires_on").await;

    // Incubator: a decision's starts_on.
    let (_, founder) = app.user_with_role("founder", "claire@startup.fr").await;
    let res = app
        .post(
            "/api/v1/applications",
            Some(&founder),
            &json!({"title": "Béton", "summary": "Recyclé", "domain": "materials", "manufactured_product": true}),
        )
        .await;
    let application = expect_status(res, StatusCode::CREATED).await;
    let id = application["id"].as_str().expect("id");
    let res = app
        .post(
            &format!("/api/v1/applications/{id}/decision"),
            Some(&staff),
            &json!({"decision": "admit", "starts_on": "9999-12-31"}),
        )
        .await;
    expect_date_refused(res, "starts_on").await;
}

/// A database that cannot write answers 503 with Retry-After, changes nothing, and the
/// server recovers when it can write again. PostgreSQL: the database turned read-only (as a
/// standby, or an administrator's emergency switch) and its sessions ended. SQLite: another
/// process holds the file's write lock past the busy timeout.
#[tokio::test(flavor = "multi_thread")]
async fn a_database_that_cannot_write_is_503_and_nothing_is_half_written() {
    let app = spawn_app_with(|s| s.database.pool_timeout_seconds = 2).await;
    let staff = app.staff_token.clone();
    let url = app.settings.database.url.clone();
    let outage = Outage::start(&url);
    let started = Instant::now();
    let res = app
        .post(
            "/api/v1/users",
            Some(&staff),
            &json!({"email": "during@outage.fr", "name": "During", "role": "student"}),
        )
        .await;
    assert!(
        res.headers().contains_key("retry-after"),
        "{:?}",
        res.headers()
    );
    expect_problem(res, StatusCode::SERVICE_UNAVAILABLE, "unavailable").await;
    assert!(started.elapsed() < Duration::from_secs(30));
    drop(outage);

    // Nothing of the refused request was kept: neither the account nor its e-mail. The pool
    // may still hand out a connection the outage ended: those answer 503 until replaced.
    let mut res = app.get("/api/v1/users?role=student", Some(&staff)).await;
    let recovery = Instant::now();
    while res.status() == StatusCode::SERVICE_UNAVAILABLE
        && recovery.elapsed() < Duration::from_secs(15)
    {
        tokio::time::sleep(Duration::from_millis(200)).await;
        res = app.get("/api/v1/users?role=student", Some(&staff)).await;
    }
    let users = expect_status(res, StatusCode::OK).await;
    assert_eq!(users["items"].as_array().map(Vec::len), Some(0), "{users}");
    assert!(app.mails_to("during@outage.fr").await.is_empty());
    let after = json!({"email": "after@outage.fr", "name": "After", "role": "student"});
    let mut res = app.post("/api/v1/users", Some(&staff), &after).await;
    while res.status() == StatusCode::SERVICE_UNAVAILABLE
        && recovery.elapsed() < Duration::from_secs(15)
    {
        tokio::time::sleep(Duration::from_millis(200)).await;
        res = app.post("/api/v1/users", Some(&staff), &after).await;
    }
    expect_status(res, StatusCode::CREATED).await;
}

enum Outage {
    Postgres { url: String, name: String },
    Sqlite(#[allow(dead_code)] diesel::SqliteConnection),
}

impl Outage {
    fn start(url: &str) -> Self {
        use diesel::connection::SimpleConnection;
        use diesel::Connection;
        if url.starts_with("postgres") {
            let (prefix, name) = url.rsplit_once('/').expect("database name");
            let name = name.split('?').next().unwrap_or(name).to_owned();
            let admin = format!("{prefix}/postgres");
            let mut conn = diesel::PgConnection::establish(&admin).expect("admin connection");
            conn.batch_execute(&format!(
                "ALTER DATABASE \"{name}\" SET default_transaction_read_only = on; \
                 SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                 WHERE datname = '{name}' AND pid <> pg_backend_pid();"
            ))
            .expect("database made read-only");
            Outage::Postgres { url: admin, name }
        } else {
            let mut conn = diesel::SqliteConnection::establish(url).expect("sqlite");
            conn.batch_execute("BEGIN EXCLUSIVE; CREATE TABLE outage_lock (x INTEGER);")
                .expect("write lock held");
            Outage::Sqlite(conn)
        }
    }
}

impl Drop for Outage {
    fn drop(&mut self) {
        use diesel::connection::SimpleConnection;
        use diesel::Connection;
        match self {
            Outage::Postgres { url, name } => {
                if let Ok(mut conn) = diesel::PgConnection::establish(url) {
                    let _ = conn.batch_execute(&format!(
                        "ALTER DATABASE \"{name}\" RESET default_transaction_read_only; \
                         SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                         WHERE datname = '{name}' AND pid <> pg_backend_pid();"
                    ));
                }
            }
            Outage::Sqlite(conn) => {
                let _ = conn.batch_execute("ROLLBACK;");
            }
        }
    }
}
