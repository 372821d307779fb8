//! `spawn_app()`: the real server on a random port with its own database (a SQLite file, or a
//! fresh PostgreSQL database when `TEST_DATABASE_URL` is set), and a typed HTTP client for it.

use std::path::PathBuf;

use diesel::{Connection, PgConnection, RunQueryDsl};
use fieldlab::auth::domain::NewAccount;
use fieldlab::auth::{models, password, Role};
use fieldlab::config::Settings;
use fieldlab::startup::{open_database, Application};
use reqwest::{Response, StatusCode};
use serde_json::{json, Value};

pub const STAFF_EMAIL: &str = "admin@imt-mines-ales.fr";
pub const PASSWORD: &str = "correct-horse-battery";

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub staff_token: String,
    pub settings: Settings,
    pub mail_dir: PathBuf,
    server: actix_web::dev::ServerHandle,
    _database: TestDatabase,
    _dir: tempfile::TempDir,
}

/// A database of this test's own, dropped at the end on PostgreSQL.
pub enum TestDatabase {
    Sqlite,
    Postgres { admin_url: String, name: String },
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let TestDatabase::Postgres { admin_url, name } = self {
            if let Ok(mut conn) = PgConnection::establish(admin_url) {
                let _ =
                    diesel::sql_query(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                        .execute(&mut conn);
            }
        }
    }
}

/// A URL to a database of the test's own: a SQLite file in `dir`, or a new PostgreSQL
/// database when `TEST_DATABASE_URL` is set.
pub fn database_for_test(dir: &std::path::Path) -> (String, TestDatabase) {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(admin_url) if !admin_url.trim().is_empty() => {
            let name = format!("fieldlab_test_{}", uuid::Uuid::new_v4().simple());
            let mut conn = PgConnection::establish(&admin_url).unwrap_or_else(|e| {
                panic!("TEST_DATABASE_URL is set but PostgreSQL cannot be reached: {e}")
            });
            diesel::sql_query(format!("CREATE DATABASE \"{name}\""))
                .execute(&mut conn)
                .expect("create the test database");
            let (base, query) = admin_url
                .split_once('?')
                .map_or((admin_url.as_str(), ""), |(b, q)| (b, q));
            let prefix = base.rsplit_once('/').map_or(base, |(p, _)| p);
            let mut url = format!("{prefix}/{name}");
            if !query.is_empty() {
                url = format!("{url}?{query}");
            }
            (url, TestDatabase::Postgres { admin_url, name })
        }
        _ => (
            dir.join("fieldlab.db").to_string_lossy().into_owned(),
            TestDatabase::Sqlite,
        ),
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts a server whose settings the test may adjust first.
pub async fn spawn_app_with(adjust: impl FnOnce(&mut Settings)) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let (url, database) = database_for_test(dir.path());
    start(dir, url, database, adjust, true).await
}

/// A server on a database that exists already (a restored backup): no staff account is added,
/// staff log in with the one it holds (`STAFF_EMAIL`).
pub async fn spawn_app_on(url: String, database: TestDatabase) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    start(dir, url, database, |_| {}, false).await
}

async fn start(
    dir: tempfile::TempDir,
    url: String,
    database: TestDatabase,
    adjust: impl FnOnce(&mut Settings),
    with_staff: bool,
) -> TestApp {
    let mut settings = Settings::load(None).expect("default settings");
    settings.server.port = 0;
    settings.server.workers = 2;
    settings.database.url = url;
    settings.database.pool_size = 8;
    settings.mail.dir = dir.path().join("mail").to_string_lossy().into_owned();
    settings.log.level = "error".into();
    adjust(&mut settings);
    fieldlab::telemetry::init(&settings.log);

    if with_staff {
        seed_staff(&settings);
    }
    let app = Application::build(settings.clone()).expect("server starts");
    let address = format!("http://127.0.0.1:{}", app.port());
    let server = app.handle();
    tokio::spawn(app.run_until_stopped());

    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::limited(3))
        .build()
        .expect("client");
    let mut app = TestApp {
        address,
        client,
        staff_token: String::new(),
        mail_dir: PathBuf::from(&settings.mail.dir),
        settings,
        server,
        _database: database,
        _dir: dir,
    };
    app.staff_token = app.login(STAFF_EMAIL, PASSWORD).await;
    app
}

/// A test's server stops with it: its workers, and the pool they hold, do not outlive the test
/// (on PostgreSQL they would keep reconnecting to a dropped database until the process exits).
impl Drop for TestApp {
    fn drop(&mut self) {
        // The stop command is sent when `stop` is called; its completion is not awaited here.
        drop(self.server.stop(false));
    }
}

/// Polls `check` every 100 ms until it holds or `limit` passes; whether it held.
pub async fn eventually<F, Fut>(limit: std::time::Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = std::time::Instant::now();
    while start.elapsed() < limit {
        if check().await {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    false
}

/// The first staff account, created the way `fieldlab create-admin` does.
pub(crate) fn seed_staff(settings: &Settings) {
    let pool = open_database(settings).expect("database opens");
    let mut conn = pool.get().expect("connection");
    let account = NewAccount::parse(
        STAFF_EMAIL,
        "Admin Staff",
        "staff",
        Some(PASSWORD),
        &[Role::Staff],
    )
    .expect("valid account");
    let hash = password::hash(PASSWORD).expect("hash");
    models::insert_user(&mut conn, &account, Some(&hash), None).expect("staff inserted");
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Response {
        let mut req = self.client.get(self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await.expect("request sent")
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        let mut req = self.client.post(self.url(path)).json(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await.expect("request sent")
    }

    pub async fn put(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        self.send(reqwest::Method::PUT, path, token, body).await
    }

    pub async fn patch(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        self.send(reqwest::Method::PATCH, path, token, body).await
    }

    /// Any method with a JSON body.
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: &Value,
    ) -> Response {
        let mut req = self.client.request(method, self.url(path)).json(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await.expect("request sent")
    }

    pub async fn post_raw(
        &self,
        path: &str,
        token: Option<&str>,
        content_type: &str,
        body: impl Into<reqwest::Body>,
    ) -> Response {
        let mut req = self
            .client
            .post(self.url(path))
            .header("Content-Type", content_type)
            .body(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req.send().await.expect("request sent")
    }

    /// Signs in and returns the bearer token; panics if the credentials are refused.
    pub async fn login(&self, email: &str, password: &str) -> String {
        let res = self
            .post(
                "/api/v1/auth/login",
                None,
                &json!({"email": email, "password": password}),
            )
            .await;
        let body = expect_status(res, StatusCode::OK).await;
        body["token"].as_str().expect("token").to_owned()
    }

    /// The outbox as staff see it: `query` is `""` or `?status=…&to=…`; newest first.
    pub async fn notifications(&self, query: &str) -> Vec<Value> {
        let res = self
            .get(
                &format!("/api/v1/notifications{query}"),
                Some(&self.staff_token),
            )
            .await;
        let body = expect_status(res, StatusCode::OK).await;
        body["items"].as_array().cloned().unwrap_or_default()
    }

    /// The e-mails queued for `to`.
    pub async fn mails_to(&self, to: &str) -> Vec<Value> {
        self.notifications(&format!("?to={to}")).await
    }

    /// A new account of `role`, created by staff, and its token.
    pub async fn user_with_role(&self, role: &str, email: &str) -> (Value, String) {
        let res = self
            .post(
                "/api/v1/users",
                Some(&self.staff_token),
                &json!({"email": email, "name": format!("Test {role}"), "role": role, "password": PASSWORD}),
            )
            .await;
        let user = expect_status(res, StatusCode::CREATED).await;
        let token = self.login(email, PASSWORD).await;
        (user, token)
    }

    /// A company created by its new contact (`contact_email`): the company's id and the
    /// contact's token.
    pub async fn company(&self, contact_email: &str, name: &str, city: &str) -> (String, String) {
        let (_, contact) = self.user_with_role("company", contact_email).await;
        let res = self
            .post(
                "/api/v1/companies",
                Some(&contact),
                &json!({"name": name, "city": city, "local": true}),
            )
            .await;
        let company = expect_status(res, StatusCode::CREATED).await;
        (id(&company), contact)
    }
}

/// The `id` of a JSON object.
pub fn id(v: &Value) -> String {
    v["id"].as_str().expect("id").to_owned()
}

/// A company with its contact, and a student, for internship agreements: the company's id,
/// the contact's token, the student's id and token.
pub async fn company_and_student(app: &TestApp) -> (String, String, String, String) {
    let (company, contact) = app
        .company("rh@cevennes-meca.fr", "Cévennes Méca", "Anduze")
        .await;
    let (student, student_token) = app.user_with_role("student", "lina@etu.fr").await;
    (company, contact, id(&student), student_token)
}

/// An agreement's PDF, fetched by `token`.
pub async fn pdf(app: &TestApp, id: &str, token: &str) -> Vec<u8> {
    let res = app
        .get(&format!("/api/v1/agreements/{id}.pdf"), Some(token))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.headers()["content-type"].to_str().expect("type"),
        "application/pdf"
    );
    res.bytes().await.expect("bytes").to_vec()
}

/// `token` signs agreement `id` with `body`.
pub async fn sign(app: &TestApp, id: &str, token: &str, body: Value) -> Response {
    app.post(&format!("/api/v1/agreements/{id}/sign"), Some(token), &body)
        .await
}

/// A lab named `name` open every day 08:00–18:00, with one piece of equipment per body in
/// `equipment` (created in order); the lab's id and the equipment's ids.
pub async fn lab_open_every_day(
    app: &TestApp,
    name: &str,
    equipment: &[Value],
) -> (String, Vec<String>) {
    let hours: Vec<Value> = (1..=7)
        .map(|d| json!({"weekday": d, "opens": "08:00", "closes": "18:00"}))
        .collect();
    let res = app
        .post(
            "/api/v1/labs",
            Some(&app.staff_token),
            &json!({"name": name, "opening_hours": hours}),
        )
        .await;
    let lab = id(&expect_status(res, StatusCode::CREATED).await);
    let mut ids = Vec::new();
    for body in equipment {
        let res = app
            .post(
                &format!("/api/v1/labs/{lab}/equipment"),
                Some(&app.staff_token),
                body,
            )
            .await;
        ids.push(id(&expect_status(res, StatusCode::CREATED).await));
    }
    (lab, ids)
}

/// Asserts the status and returns the JSON body (or Null for an empty one).
pub async fn expect_status(res: Response, status: StatusCode) -> Value {
    let actual = res.status();
    let text = res.text().await.expect("body");
    assert_eq!(actual, status, "unexpected status; body: {text}");
    if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    }
}

/// Asserts a problem+json answer with this status and code; returns the body.
pub async fn expect_problem(res: Response, status: StatusCode, code: &str) -> Value {
    let content_type = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let body = expect_status(res, status).await;
    assert_eq!(content_type, "application/problem+json", "body: {body}");
    assert_eq!(body["code"], code, "body: {body}");
    assert_eq!(body["status"], status.as_u16(), "body: {body}");
    assert!(body["title"].is_string() && body["detail"].is_string() && body["type"].is_string());
    body
}

/// `n` published missions, each held by a one-student team, made through the missions API
/// (campaign, companies and problems, teams and preferences, allocate, publish); returns each
/// mission's id with its student's token, in the campaign's mission order.
pub async fn published_missions(app: &TestApp, n: usize) -> Vec<(String, String)> {
    let staff = app.staff_token.clone();
    let starts_on = (chrono::Utc::now().date_naive() + chrono::Duration::weeks(4)).to_string();
    let res = app
        .post(
            "/api/v1/campaigns",
            Some(&staff),
            &json!({"name": "Missions terrain", "starts_on": starts_on, "team_size": 1}),
        )
        .await;
    let campaign = expect_status(res, StatusCode::CREATED).await;
    let campaign_id = campaign["id"].as_str().expect("id").to_owned();
    let staff_post = |path: String, body: Value| {
        let staff = staff.clone();
        async move { app.post(&path, Some(&staff), &body).await }
    };
    let mut problem_ids = Vec::new();
    for i in 0..n {
        let (_, company) = app
            .user_with_role("company", &format!("contact{i}@decoupes{i}.fr"))
            .await;
        let res = app
            .post(
                "/api/v1/companies",
                Some(&company),
                &json!({"name": format!("Découpes {i}"), "city": "Alès", "local": true}),
            )
            .await;
        expect_status(res, StatusCode::CREATED).await;
        let res = app
            .post(
                &format!("/api/v1/campaigns/{campaign_id}/problems"),
                Some(&company),
                &json!({"title": format!("Chutes {i}"), "description": "Les réduire", "domain": "materials"}),
            )
            .await;
        let problem = expect_status(res, StatusCode::CREATED).await;
        let problem_id = problem["id"].as_str().expect("id").to_owned();
        let review = format!("/api/v1/problems/{problem_id}/review");
        expect_status(
            staff_post(review, json!({"decision": "accept"})).await,
            StatusCode::OK,
        )
        .await;
        problem_ids.push(problem_id);
    }
    let open = format!("/api/v1/campaigns/{campaign_id}/open-signup");
    expect_status(staff_post(open, json!({})).await, StatusCode::OK).await;
    let mut students = std::collections::HashMap::new();
    for (i, problem_id) in problem_ids.iter().enumerate() {
        let email = format!("etudiant{i}@etu.fr");
        let (_, student) = app.user_with_role("student", &email).await;
        let res = app
            .post(
                &format!("/api/v1/campaigns/{campaign_id}/teams"),
                Some(&student),
                &json!({"name": format!("Équipe {i}"), "member_emails": [email]}),
            )
            .await;
        let team = expect_status(res, StatusCode::CREATED).await;
        let team_id = team["id"].as_str().expect("id").to_owned();
        let res = app
            .put(
                &format!("/api/v1/teams/{team_id}/preferences"),
                Some(&student),
                &json!({"problem_ids": [problem_id]}),
            )
            .await;
        expect_status(res, StatusCode::OK).await;
        students.insert(team_id, student);
    }
    for step in ["allocate", "publish"] {
        let path = format!("/api/v1/campaigns/{campaign_id}/{step}");
        expect_status(staff_post(path, json!({})).await, StatusCode::OK).await;
    }
    let res = app
        .get(
            &format!("/api/v1/campaigns/{campaign_id}/missions?limit=200"),
            Some(&staff),
        )
        .await;
    let missions = expect_status(res, StatusCode::OK).await;
    let missions: Vec<(String, String)> = missions["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|m| {
            let team = m["team_id"].as_str().expect("team");
            (
                m["id"].as_str().expect("id").to_owned(),
                students.get(team).expect("a team of ours").clone(),
            )
        })
        .collect();
    assert_eq!(missions.len(), n, "every team placed");
    missions
}

/// A valid SIRET (14 digits, its last one the Luhn key) made from `n`, so that each host of a
/// test has its own: fieldlab keeps one company per SIRET.
pub fn siret(n: u32) -> String {
    let base = format!("{:013}", 7_328_293_200_000_u64 + u64::from(n));
    // The key is not doubled: from the right, the base's first digit is.
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

/// An internship request's required fields, at `company_id`, from 5 April to 27 August 2027
/// (over 308 hours: a gratification is due), supervised by Paul Gardon; `more` adds fields or
/// replaces these (staff give `student_id`).
pub fn internship_request(company_id: &str, more: Value) -> Value {
    let mut body = json!({
        "company_id": company_id,
        "student_number": "22A0042",
        "programme": "Cycle ingénieur, 2e année",
        "subject": "Jumeau numérique d'une presse",
        "starts_on": "2027-04-05",
        "ends_on": "2027-08-27",
        "supervisor_name": "Paul Gardon",
        "supervisor_email": "paul.gardon@cevennes-meca.fr",
    });
    merge(&mut body, more);
    body
}

/// The company supervisor's usual part: activities, skills and the 2026 minimum gratification
/// (which 2027 uses until its own is known).
pub fn supervisor_part(more: Value) -> Value {
    let mut body = json!({
        "activities": "Modéliser la presse et comparer le modèle aux mesures.",
        "skills": "Modélisation, instrumentation.",
        "gratification_cents_per_hour": 450,
        "leave": "Deux jours par mois de présence.",
    });
    merge(&mut body, more);
    body
}

fn merge(body: &mut Value, more: Value) {
    if let (Some(body), Value::Object(more)) = (body.as_object_mut(), more) {
        body.extend(more);
    }
}

/// An internship ready to be sent, made the real way.
pub struct ReadyInternship {
    pub id: String,
    /// The academic tutor's token: they sign as the fourth party.
    pub tutor: String,
    /// The token of the supervisor's link (`/internship-form?token=…`).
    pub form_token: String,
    /// The internship as staff saw it once ready.
    pub view: Value,
}

/// `requester` (a student for themselves, or staff with `student_id` in `request`) asks for an
/// internship; its supervisor completes the host's part (`host_part`) from the link e-mailed to
/// them; staff name a new academic tutor and, when `host` is not null, complete the host's
/// record (its SIRET, address, signatory). Asserts it is then ready to send.
pub async fn ready_internship(
    app: &TestApp,
    requester: &str,
    request: &Value,
    host_part: &Value,
    host: &Value,
) -> ReadyInternship {
    let res = app
        .post("/api/v1/internships", Some(requester), request)
        .await;
    let created = expect_status(res, StatusCode::CREATED).await;
    let internship = id(&created);
    let missing = &created["internship"]["limits"]["missing"];
    assert!(
        missing
            .as_array()
            .is_some_and(|m| m.contains(&json!("supervisor_part"))),
        "{created}"
    );
    let supervisor = request["supervisor_email"].as_str().expect("supervisor");
    let form_token = supervisor_form_token(app, supervisor, &internship).await;
    let res = app
        .put(
            &format!("/api/v1/internship-forms/{form_token}"),
            None,
            host_part,
        )
        .await;
    let completed = expect_status(res, StatusCode::OK).await;
    assert!(
        completed["internship"]["supervisor_completed_at"].is_string(),
        "{completed}"
    );
    let short = internship
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(10);
    let email = format!("referent.{}@mines-ales.fr", short.collect::<String>());
    let (tutor, tutor_token) = app.user_with_role("tutor", &email).await;
    let mut change = json!({"academic_tutor_id": id(&tutor)});
    if !host.is_null() {
        change["company"] = host.clone();
    }
    let res = app
        .patch(
            &format!("/api/v1/internships/{internship}"),
            Some(&app.staff_token),
            &change,
        )
        .await;
    let view = expect_status(res, StatusCode::OK).await;
    let limits = &view["internship"]["limits"];
    assert_eq!(limits["missing"], json!([]), "{view}");
    assert_eq!(limits["ready_to_send"], true, "{view}");
    // The academic tutor's pedagogical validation, before the office sends it.
    let res = app
        .post(
            &format!("/api/v1/agreements/{internship}/validations"),
            Some(&tutor_token),
            &json!({"step": "pedagogical", "decision": "approve"}),
        )
        .await;
    let view = expect_status(res, StatusCode::OK).await;
    assert_eq!(view["validations"][0]["decision"], "approved", "{view}");
    ReadyInternship {
        id: internship,
        tutor: tutor_token,
        form_token,
        view,
    }
}

/// The token of the link in the e-mails to `to` whose form (`/api/v1/{form}/{token}`) is
/// internship `id`'s: one supervisor may have several internships, each its own link.
async fn form_token(app: &TestApp, to: &str, marker: &str, form: &str, id: &str) -> String {
    for _ in 0..150 {
        for token in tokens_in_mails(app, to, marker) {
            let res = app.get(&format!("/api/v1/{form}/{token}"), None).await;
            if res.status() == StatusCode::OK {
                let view: Value = res.json().await.expect("json");
                if view["id"] == id {
                    return token;
                }
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("no {marker} link for {id} in the e-mails to {to}");
}

/// The token of internship `id`'s supervisor link, read from the e-mail to `to`.
pub async fn supervisor_form_token(app: &TestApp, to: &str, id: &str) -> String {
    form_token(app, to, "/internship-form?token=", "internship-forms", id).await
}

/// The token of internship `id`'s certificate link, read from the e-mail to `to`.
pub async fn certificate_form_token(app: &TestApp, to: &str, id: &str) -> String {
    form_token(app, to, "/certificate-form?token=", "certificate-forms", id).await
}

/// The token of internship `id`'s evaluation link, read from the e-mails to `to`: the
/// current one (each reminder's link replaces the previous one).
pub async fn evaluation_form_token(app: &TestApp, to: &str, id: &str) -> String {
    form_token(
        app,
        to,
        "/evaluation-form?token=",
        "internship-evaluation-forms",
        id,
    )
    .await
}

/// The first token following `marker` in the e-mails to `to` (a welcome's set-password link).
pub async fn mailed_token(app: &TestApp, to: &str, marker: &str) -> String {
    for _ in 0..150 {
        if let Some(token) = tokens_in_mails(app, to, marker).into_iter().next() {
            return token;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("no {marker} link in the e-mails to {to}");
}

/// Every token following `marker` in the `.eml` files to `to` written so far. Only whole ones:
/// fieldlab's tokens are 64 hex digits, and a file may be read while it is being written.
fn tokens_in_mails(app: &TestApp, to: &str, marker: &str) -> Vec<String> {
    use mailparse::MailHeaderMap;
    let mut tokens = Vec::new();
    for entry in std::fs::read_dir(&app.mail_dir)
        .into_iter()
        .flatten()
        .flatten()
    {
        let Ok(raw) = std::fs::read(entry.path()) else {
            continue;
        };
        let Ok(mail) = mailparse::parse_mail(&raw) else {
            continue;
        };
        if !mail
            .headers
            .get_first_value("To")
            .unwrap_or_default()
            .contains(to)
        {
            continue;
        }
        let mut text = String::new();
        collect_text(&mail, &mut text);
        for after in text.split(marker).skip(1) {
            let token: String = after
                .chars()
                .take_while(char::is_ascii_alphanumeric)
                .collect();
            if token.len() == 64 && !tokens.contains(&token) {
                tokens.push(token);
            }
        }
    }
    tokens
}

/// The PDF attached to the e-mail to `to` whose subject contains `about`.
pub async fn attached_pdf(app: &TestApp, to: &str, about: &str) -> Vec<u8> {
    use mailparse::MailHeaderMap;
    // Whole PDFs only (they end with %%EOF): a file may be read while it is being written.
    fn find_pdf(part: &mailparse::ParsedMail) -> Option<Vec<u8>> {
        if part.ctype.mimetype == "application/pdf" {
            return part.get_body_raw().ok().filter(|pdf| {
                let tail = &pdf[pdf.len().saturating_sub(32)..];
                tail.windows(5).any(|w| w == b"%%EOF")
            });
        }
        part.subparts.iter().find_map(find_pdf)
    }
    for _ in 0..150 {
        for entry in std::fs::read_dir(&app.mail_dir)
            .into_iter()
            .flatten()
            .flatten()
        {
            let Ok(raw) = std::fs::read(entry.path()) else {
                continue;
            };
            let Ok(mail) = mailparse::parse_mail(&raw) else {
                continue;
            };
            let rcpt = mail.headers.get_first_value("To").unwrap_or_default();
            let subject = mail.headers.get_first_value("Subject").unwrap_or_default();
            if rcpt.contains(to) && subject.contains(about) {
                if let Some(pdf) = find_pdf(&mail) {
                    return pdf;
                }
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("no PDF sent to {to} about {about}");
}

/// The decoded text of the `.eml` file to `to` whose subject contains `about`.
pub async fn wait_for_eml_about(app: &TestApp, to: &str, about: &str) -> String {
    for _ in 0..150 {
        if let Ok(dir) = std::fs::read_dir(&app.mail_dir) {
            for entry in dir.filter_map(Result::ok) {
                let Ok(raw) = std::fs::read(entry.path()) else {
                    continue;
                };
                let Ok(mail) = mailparse::parse_mail(&raw) else {
                    continue;
                };
                use mailparse::MailHeaderMap;
                let rcpt = mail.headers.get_first_value("To").unwrap_or_default();
                let subject = mail.headers.get_first_value("Subject").unwrap_or_default();
                if rcpt.contains(to) && subject.contains(about) {
                    let mut text = String::new();
                    collect_text(&mail, &mut text);
                    return text;
                }
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("no e-mail to {to}");
}

fn collect_text(part: &mailparse::ParsedMail, out: &mut String) {
    if part.subparts.is_empty() {
        if let Ok(body) = part.get_body() {
            out.push_str(&body);
            out.push('\n');
        }
    }
    for sub in &part.subparts {
        collect_text(sub, out);
    }
}

/// A research agreement sent by staff (company "Cévennes Méca" with contact `r@labo.fr`,
/// tutor `t@mines-ales.fr`): its id, the company contact's token and the tutor's.
pub async fn sent_research_agreement(app: &TestApp) -> (String, String, String) {
    let (company_id, company_token) = app.company("r@labo.fr", "Cévennes Méca", "Anduze").await;
    let tutor = expect_status(
        app.post(
            "/api/v1/tutors",
            Some(&app.staff_token),
            &json!({"email": "t@mines-ales.fr", "name": "Théo Riste", "password": PASSWORD,
                    "domains": ["materials"], "max_projects": 2, "max_missions": 2}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let created = expect_status(
        app.post(
            "/api/v1/agreements",
            Some(&app.staff_token),
            &json!({"kind": "research", "company_id": company_id, "tutor_id": tutor["id"],
                    "subject": "Béton de chanvre", "starts_on": "2027-04-05", "ends_on": "2027-08-27"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let id = id(&created);
    expect_status(
        app.post(
            &format!("/api/v1/agreements/{id}/send"),
            Some(&app.staff_token),
            &json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let tutor_token = app.login("t@mines-ales.fr", PASSWORD).await;
    (id, company_token, tutor_token)
}
