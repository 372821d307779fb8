//! The staff console read and driven over HTTP with a session cookie, as a browser without
//! JavaScript would: a campaign from review to tutors, an incubator decision with a suggested
//! tutor, a lab closure told before it cancels, a CSV upload with a bad line; and the console
//! refused to anyone but staff.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{expect_status, id, spawn_app, TestApp};

/// The `Set-Cookie` value of `name` in an answer.
pub(crate) fn set_cookie(res: &reqwest::Response, name: &str) -> Option<String> {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix(&format!("{name}=")))
        .map(|rest| rest.split(';').next().unwrap_or("").to_owned())
}

/// A client that does not follow redirects (their target is asserted).
pub(crate) fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// The CSRF field of a form page.
pub(crate) fn csrf_in(html: &str) -> String {
    html.split("name=\"csrf_token\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a csrf token")
        .to_owned()
}

/// A signed-in browser without script: pages read with the session cookie, forms posted with
/// the page's CSRF token, redirects not followed (their target is asserted).
pub(crate) struct Browser<'a> {
    app: &'a TestApp,
    pub(crate) token: String,
    pub(crate) client: reqwest::Client,
    /// The confirmation cookie the last redirect set (`fieldlab_flash`), sent with the next
    /// page as a browser would: the page shows its `?done=` message once.
    flash: std::sync::Mutex<Option<String>>,
}

impl<'a> Browser<'a> {
    pub(crate) fn new(app: &'a TestApp, token: &str) -> Self {
        Self {
            app,
            token: token.to_owned(),
            client: no_redirects(),
            flash: std::sync::Mutex::new(None),
        }
    }

    fn cookies(&self) -> String {
        let flash = self.flash.lock().expect("flash").take();
        match flash {
            Some(flash) => format!("fieldlab_session={}; fieldlab_flash={flash}", self.token),
            None => format!("fieldlab_session={}", self.token),
        }
    }

    pub(crate) async fn get(&self, path: &str) -> (StatusCode, String) {
        let res = self
            .client
            .get(self.app.url(path))
            .header("Cookie", self.cookies())
            .send()
            .await
            .expect("page");
        self.read(res).await
    }

    pub(crate) async fn csrf(&self) -> String {
        let (_, html) = self.get("/app/profile").await;
        csrf_in(&html)
    }

    /// Posts a form; the status and, for a redirect, where to (else the page).
    pub(crate) async fn post(&self, path: &str, fields: &[(&str, &str)]) -> (StatusCode, String) {
        let csrf = self.csrf().await;
        let mut form: Vec<(&str, &str)> = vec![("csrf_token", csrf.as_str())];
        form.extend_from_slice(fields);
        let res = self
            .client
            .post(self.app.url(path))
            .header("Cookie", self.cookies())
            .form(&form)
            .send()
            .await
            .expect("post");
        self.read(res).await
    }

    /// The status and, for a redirect, where to (else the page); the redirect's confirmation
    /// cookie is kept for the next page.
    async fn read(&self, res: reqwest::Response) -> (StatusCode, String) {
        let status = res.status();
        if status == StatusCode::SEE_OTHER {
            let flash = set_cookie(&res, "fieldlab_flash").filter(|v| !v.is_empty());
            *self.flash.lock().expect("flash") = flash;
            let to = res.headers()["location"]
                .to_str()
                .expect("location")
                .to_owned();
            return (status, to);
        }
        (status, res.text().await.expect("html"))
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn staff_run_a_campaign_from_review_to_tutors_in_the_console() {
    let app = spawn_app().await;
    let staff = Browser::new(&app, &app.staff_token);
    let (status, location) = staff
        .post(
            "/app/staff/campaigns",
            &[
                ("name", "Printemps 2029"),
                ("starts_on", "2029-03-05"),
                ("team_size", "1"),
                ("max_problems", "2"),
                ("weeks", ""),
                ("max_choices", ""),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{location}");
    let cid = location
        .trim_start_matches("/app/staff/campaigns/")
        .split('?')
        .next()
        .expect("id")
        .to_owned();
    // A refused campaign keeps its input and says which field.
    let (status, page) = staff
        .post(
            "/app/staff/campaigns",
            &[("name", "Sans date"), ("starts_on", "demain")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("value=\"Sans date\"") && page.contains("starts_on-error"),
        "{page}"
    );

    let mut problems = Vec::new();
    for i in 0..3 {
        let (_, company) = app
            .user_with_role("company", &format!("contact{i}@atelier{i}.fr"))
            .await;
        let res = app
            .post(
                "/api/v1/companies",
                Some(&company),
                &json!({"name": format!("Atelier {i}"), "city": "Alès", "local": true}),
            )
            .await;
        expect_status(res, StatusCode::CREATED).await;
        let res = app
            .post(
                &format!("/api/v1/campaigns/{cid}/problems"),
                Some(&company),
                &json!({"title": format!("Problème {i}"), "description": "Décrit", "domain": "materials"}),
            )
            .await;
        problems.push(id(&expect_status(res, StatusCode::CREATED).await));
    }
    let (status, overview) = staff.get(&format!("/app/staff/campaigns/{cid}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        overview.contains("0 / 2") && overview.contains("Atelier 1 (Alès)"),
        "{overview}"
    );
    assert!(
        overview.contains("aria-current=\"step\""),
        "the state strip"
    );
    for p in &problems[..2] {
        let (status, to) = staff
            .post(
                &format!("/app/staff/problems/{p}/review"),
                &[("decision", "accept"), ("reason", "")],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert!(to.contains("done=problem_reviewed"), "{to}");
    }
    // Past the cap: refused on the page, with its reason.
    let (status, page) = staff
        .post(
            &format!("/app/staff/problems/{}/review", problems[2]),
            &[("decision", "accept")],
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        page.contains("role=\"alert\"") && page.contains("2 / 2"),
        "{page}"
    );
    let (status, _) = staff
        .post(
            &format!("/app/staff/problems/{}/review", problems[2]),
            &[("decision", "reject"), ("reason", "Hors sujet")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _) = staff
        .post(&format!("/app/staff/campaigns/{cid}/open-signup"), &[])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);

    // Three one-student teams, all wanting problem 0 first: one stays unplaced.
    let mut teams = Vec::new();
    for i in 0..3 {
        let email = format!("etu{i}@etu.fr");
        let (_, student) = app.user_with_role("student", &email).await;
        let res = app
            .post(
                &format!("/api/v1/campaigns/{cid}/teams"),
                Some(&student),
                &json!({"name": format!("Équipe {i}"), "member_emails": [email]}),
            )
            .await;
        let team = id(&expect_status(res, StatusCode::CREATED).await);
        let res = app
            .put(
                &format!("/api/v1/teams/{team}/preferences"),
                Some(&student),
                &json!({"problem_ids": [problems[0], problems[1]]}),
            )
            .await;
        expect_status(res, StatusCode::OK).await;
        teams.push((team, student));
    }
    let (status, page) = staff
        .get(&format!("/app/staff/campaigns/{cid}/teams"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("Équipe 2") && page.contains("Problème 0 — Atelier 0 (Alès)"),
        "{page}"
    );
    // A pin on a problem the team did not rank is refused with why; a forbid is added, then deleted.
    let (status, page) = staff
        .post(
            &format!("/app/staff/campaigns/{cid}/constraints"),
            &[
                ("team_id", &teams[0].0),
                ("problem_id", &problems[2]),
                ("kind", "pin"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(page.contains("role=\"alert\""), "{page}");
    let (status, _) = staff
        .post(
            &format!("/app/staff/campaigns/{cid}/constraints"),
            &[
                ("team_id", &teams[0].0),
                ("problem_id", &problems[0]),
                ("kind", "forbid"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let constraints = app
        .get(
            &format!("/api/v1/campaigns/{cid}/constraints"),
            Some(&app.staff_token),
        )
        .await;
    let constraint = id(&expect_status(constraints, StatusCode::OK).await["items"][0]);
    let (status, _) = staff
        .post(
            &format!("/app/staff/campaigns/{cid}/constraints/{constraint}/delete"),
            &[],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);

    // Every objective side by side, each with its chart; then one is run and published.
    let (status, page) = staff
        .get(&format!("/app/staff/campaigns/{cid}/allocation"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page.matches("<svg class=\"chart\"").count(), 4, "{page}");
    assert!(page.contains("2 / 3"), "placed / teams: {page}");
    let (status, to) = staff
        .post(
            &format!("/app/staff/campaigns/{cid}/allocate"),
            &[("objective", "rank_sum")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{to}");
    let (_, page) = staff
        .get(&format!("/app/staff/campaigns/{cid}/allocation"))
        .await;
    assert!(
        page.contains("id=\"current\"") && page.contains("Atelier 0 (Alès)"),
        "{page}"
    );
    assert!(page.contains("Équipes non placées (1)"), "{page}");
    assert!(
        page.contains("<strong>5</strong> e-mails"),
        "2 placed students, 2 company contacts, 1 unplaced student: {page}"
    );
    let res = staff
        .client
        .get(app.url(&format!("/app/staff/campaigns/{cid}/allocation.csv")))
        .header("Cookie", format!("fieldlab_session={}", staff.token))
        .send()
        .await
        .expect("csv");
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.text().await.expect("csv").contains("Atelier"));
    let (status, to) = staff
        .post(&format!("/app/staff/campaigns/{cid}/publish"), &[])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{to}");
    assert!(to.ends_with("/missions?done=published"), "{to}");

    // No tutor yet: the automatic assignment says which missions found none; one is set by hand.
    let (status, to) = staff
        .post(&format!("/app/staff/campaigns/{cid}/assign-tutors"), &[])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{to}");
    let (_, page) = staff
        .get(&format!("/app/staff/campaigns/{cid}/missions"))
        .await;
    assert!(
        page.contains("2 missions sans enseignant-chercheur"),
        "{page}"
    );
    let res = app
        .post(
            "/api/v1/tutors",
            Some(&app.staff_token),
            &json!({"email": "marc.roux@mines.fr", "name": "Marc Roux", "domains": ["materials"], "max_projects": 2, "max_missions": 4}),
        )
        .await;
    let tutor = id(&expect_status(res, StatusCode::CREATED).await);
    let missions = app
        .get(
            &format!("/api/v1/campaigns/{cid}/missions"),
            Some(&app.staff_token),
        )
        .await;
    let mission = id(&expect_status(missions, StatusCode::OK).await["items"][0]);
    let (status, _) = staff
        .post(
            &format!("/app/staff/missions/{mission}/tutor"),
            &[("tutor_id", &tutor)],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _) = staff
        .post(&format!("/app/staff/campaigns/{cid}/assign-tutors"), &[])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page) = staff
        .get(&format!("/app/staff/campaigns/{cid}/missions"))
        .await;
    assert_eq!(
        page.matches("<strong>Marc Roux</strong>").count(),
        2,
        "{page}"
    );
    assert!(!page.contains("sans enseignant-chercheur :"), "{page}");

    // The console is staff's only.
    let student = Browser::new(&app, &teams[0].1);
    for path in [
        "/app/staff/campaigns".to_owned(),
        format!("/app/staff/campaigns/{cid}/allocation"),
        "/app/staff/people".to_owned(),
    ] {
        let (status, _) = student.get(&path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn staff_admit_an_application_and_give_it_a_suggested_tutor() {
    let app = spawn_app().await;
    let staff = Browser::new(&app, &app.staff_token);
    let (_, founder) = app.user_with_role("founder", "lea.martin@startup.fr").await;
    let res = app
        .post(
            "/api/v1/applications",
            Some(&founder),
            &json!({"title": "Béton de chanvre", "summary": "Isoler", "domain": "materials", "manufactured_product": true}),
        )
        .await;
    let application = id(&expect_status(res, StatusCode::CREATED).await);
    let res = app
        .post(
            "/api/v1/tutors",
            Some(&app.staff_token),
            &json!({"email": "anne.vidal@mines.fr", "name": "Anne Vidal", "domains": ["materials"], "max_projects": 4, "max_missions": 2}),
        )
        .await;
    let tutor = id(&expect_status(res, StatusCode::CREATED).await);

    let (status, list) = staff
        .get("/app/staff/applications?status=submitted&q=CHANVRE")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        list.contains("Béton de chanvre") && list.contains("lea.martin@startup.fr"),
        "{list}"
    );
    let (_, none) = staff.get("/app/staff/applications?q=introuvable").await;
    assert!(!none.contains("Béton de chanvre"));

    let path = format!("/app/staff/applications/{application}/decision");
    let (status, page) = staff
        .post(
            &path,
            &[("decision", "admit"), ("starts_on", "hier"), ("reason", "")],
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a wrong date is refused beside its field"
    );
    assert!(
        page.contains("starts_on-error") && page.contains("value=\"hier\""),
        "{page}"
    );
    let (status, to) = staff
        .post(
            &path,
            &[
                ("decision", "admit"),
                ("starts_on", "2029-01-08"),
                ("reason", "Bienvenue"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(to.contains("done=decided"), "{to}");

    let (_, page) = staff.get(&format!("/app/applications/{application}")).await;
    assert!(
        page.contains("Anne Vidal") && page.contains("0 / 4"),
        "the suggestion with its load: {page}"
    );
    let (status, _) = staff
        .post(
            &format!("/app/staff/applications/{application}/tutor"),
            &[("tutor_id", &tutor)],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page) = staff.get(&format!("/app/applications/{application}")).await;
    assert!(
        page.contains("anne.vidal@mines.fr") && page.contains("class=\"banner warn\""),
        "the tutor, and the warning before replacing them: {page}"
    );
    let (_, tutors) = staff.get("/app/staff/tutors").await;
    assert!(tutors.contains("1 / 4"), "{tutors}");
    let (status, _) = staff
        .post(
            &format!("/app/staff/tutors/{tutor}"),
            &[
                ("domains", "materials"),
                ("domains", "digital"),
                ("max_projects", "5"),
                ("max_missions", "3"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, tutors) = staff.get("/app/staff/tutors").await;
    assert!(tutors.contains("1 / 5"), "{tutors}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_closure_says_what_it_cancels_before_it_does_and_the_email_is_in_the_outbox() {
    let app = spawn_app().await;
    let staff = Browser::new(&app, &app.staff_token);
    let mut hours: Vec<(String, &str)> = Vec::new();
    for day in 1..=7 {
        hours.push((format!("opens_{day}"), "08:00"));
        hours.push((format!("closes_{day}"), "18:00"));
    }
    let mut fields: Vec<(&str, &str)> = vec![
        ("name", "Halle d’essais"),
        ("description", ""),
        ("timezone", "Europe/Paris"),
    ];
    fields.extend(hours.iter().map(|(k, v)| (k.as_str(), *v)));
    let (status, to) = staff.post("/app/staff/labs", &fields).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{to}");
    let lab = to
        .trim_start_matches("/app/staff/labs/")
        .split('/')
        .next()
        .expect("lab")
        .to_owned();
    let (status, _) = staff
        .post(
            &format!("/app/staff/labs/{lab}/equipment"),
            &[
                ("name", "Presse"),
                ("description", ""),
                ("min_minutes", "30"),
                ("max_minutes", "240"),
                ("weekly_hours_per_project", ""),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let labs = app
        .get(
            &format!("/api/v1/labs/{lab}/equipment"),
            Some(&app.staff_token),
        )
        .await;
    let equipment = id(&expect_status(labs, StatusCode::OK).await["items"][0]);

    let day = (chrono::Utc::now().date_naive() + chrono::Duration::days(9)).to_string();
    let (status, to) = staff
        .post(
            &format!("/app/staff/labs/{lab}/bookings"),
            &[
                ("equipment_id", &equipment),
                ("project", ""),
                ("date", &day),
                ("start_time", "10:00"),
                ("end_time", "11:30"),
                ("purpose", "Étalonnage"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{to}");
    let (_, planning) = staff.get(&to).await;
    assert!(
        planning.contains("class=\"busy\"") && planning.contains("Étalonnage"),
        "{planning}"
    );

    let closure = [
        ("start_date", day.as_str()),
        ("start_time", "00:00"),
        ("end_date", day.as_str()),
        ("end_time", "24:00"),
        ("reason", "Coupure électrique"),
    ];
    let (status, preview) = staff
        .post(&format!("/app/staff/labs/{lab}/closures/preview"), &closure)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        preview.contains("annule <strong>1 réservation</strong> ; un e-mail part vers <strong>1 personne</strong>."),
        "{preview}"
    );
    assert!(
        app.get(
            &format!("/api/v1/labs/{lab}/closures"),
            Some(&app.staff_token)
        )
        .await
        .json::<Value>()
        .await
        .expect("json")["items"]
            .as_array()
            .is_some_and(Vec::is_empty),
        "nothing closed yet"
    );
    let (status, to) = staff
        .post(&format!("/app/staff/labs/{lab}/closures"), &closure)
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(to.contains("done=lab_closed"), "{to}");
    let (_, emails) = staff.get("/app/staff/emails").await;
    let (_, page) = staff.get(&to).await;
    // The picture only: its legend names every kind of block.
    let planning = page
        .split("<svg class=\"planning\"")
        .nth(1)
        .and_then(|svg| svg.split("</svg>").next())
        .unwrap_or_default();
    assert!(
        planning.contains("class=\"closure\"") && !planning.contains("class=\"busy\""),
        "{page}"
    );
    assert!(app
        .notifications("")
        .await
        .iter()
        .any(|n| n["kind"] == "bookings_cancelled_by_closure"));
    assert!(
        emails.contains("Halle"),
        "the closure e-mail on the outbox page: {emails}"
    );
    let (status, page) = staff.get(&format!("/app/staff/labs/{lab}/equipment")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("<svg class=\"chart\""),
        "occupancy chart: {page}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn staff_upload_a_csv_and_read_each_refused_line() {
    let app = spawn_app().await;
    let staff = Browser::new(&app, &app.staff_token);
    let csrf = staff.csrf().await;
    let file = "email;name;role\nana@etu.fr;Ana Lopez;student\npas-une-adresse;Bob;student\nleo@etu.fr;Léo Petit;student\n";
    let body = crate::csv_files::form(
        "XyZ",
        &[
            ("csrf_token", None, csrf.as_bytes()),
            ("file", Some("promo.csv"), file.as_bytes()),
        ],
    );
    let res = staff
        .client
        .post(app.url("/app/staff/people/import"))
        .header("Cookie", format!("fieldlab_session={}", staff.token))
        .header("Content-Type", "multipart/form-data; boundary=XyZ")
        .body(body.clone())
        .send()
        .await
        .expect("upload");
    assert_eq!(res.status(), StatusCode::OK);
    let report = res.text().await.expect("html");
    assert!(
        report.contains("2 comptes créés") && report.contains("Ligne 3"),
        "{report}"
    );
    let (_, people) = staff.get("/app/staff/people?role=student").await;
    assert!(
        people.contains("Léo Petit") && people.contains("pas encore de mot de passe"),
        "{people}"
    );
    // Without the page's token, nothing is created.
    let forged = crate::csv_files::form(
        "XyZ",
        &[(
            "file",
            Some("promo.csv"),
            b"email,name,role\nzoe@etu.fr,Zoe,student\n",
        )],
    );
    let res = staff
        .client
        .post(app.url("/app/staff/people/import"))
        .header("Cookie", format!("fieldlab_session={}", staff.token))
        .header("Content-Type", "multipart/form-data; boundary=XyZ")
        .body(forged)
        .send()
        .await
        .expect("upload");
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let (_, people) = staff.get("/app/staff/people").await;
    assert!(!people.contains("zoe@etu.fr"));
    let (status, to) = staff
        .post(
            "/app/staff/people",
            &[
                ("email", "nina@ecole.fr"),
                ("name", "Nina"),
                ("role", "staff"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{to}");
}
