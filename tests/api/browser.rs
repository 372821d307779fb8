//! fieldlab in a real browser (headless Chromium through chromedriver), against the real server
//! on both databases: the journeys of issue 13 that pages must get right. Each saves
//! screenshots at 360 px wide under `target/screenshots/`.

use chrono::{Datelike, NaiveDate, Utc, Weekday};
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{
    expect_status, lab_open_every_day, spawn_app, wait_for_eml_about, TestApp, PASSWORD,
};
use crate::webdriver::{browser, Browser};

/// The `/set-password?token=…` path of the welcome e-mail sent to `to` (read from the file
/// transport, as a person would open it).
async fn link_in_welcome(app: &TestApp, to: &str) -> String {
    let text = wait_for_eml_about(app, to, "Bienvenue").await;
    let at = text.find("/set-password?token=").expect("the link");
    text[at..]
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != '"' && *c != '<')
        .collect()
}

pub(crate) async fn sign_in(b: &Browser, app: &TestApp, email: &str, password: &str) {
    b.goto(&app.url("/login")).await;
    b.fill("#email", email).await;
    b.fill("#password", password).await;
    b.click("form[action='/login'] button[type=submit]").await;
}

/// Checks what every page promises: one h1, French by default, every input labelled, and the
/// audit (axe-core, no English word on a French page) that `goto` and clicks also run.
pub(crate) async fn check_page(b: &Browser) {
    b.audit().await;
    assert_eq!(b.count("h1").await, 1, "one h1: {}", b.source().await);
    let unlabelled = b
        .script(
            "return [...document.querySelectorAll('input:not([type=hidden]),select,textarea')]
               .filter(i => !(i.labels && i.labels.length)).map(i => i.name);",
            json!([]),
        )
        .await;
    assert_eq!(unlabelled, json!([]), "inputs without a label");
    let width = b
        .script("return document.documentElement.scrollWidth;", json!([]))
        .await;
    let wide = b
        .script(
            "return [...document.querySelectorAll('main *')]
               .filter(e => !e.closest('.scroll') && e.getBoundingClientRect().right > 360)
               .slice(0, 5).map(e => e.tagName + '.' + e.className + '#' + e.id);",
            json!([]),
        )
        .await;
    assert!(
        width.as_i64().unwrap_or(0) <= 360,
        "the page fits 360 px: {width} at {}, wider: {wide}",
        b.current_url().await
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_imported_student_opens_the_welcome_link_chooses_a_password_and_signs_in() {
    let Some(b) = browser().await else { return };
    let app = spawn_app().await;
    let csv = "email,name,role\nlea.martin@etu.imt-mines-ales.fr,Léa Martin,student\n";
    let res = app
        .post_raw(
            "/api/v1/users/import",
            Some(&app.staff_token),
            "text/csv",
            csv,
        )
        .await;
    let report = expect_status(res, StatusCode::OK).await;
    assert_eq!(report["created"], 1);

    let link = link_in_welcome(&app, "lea.martin@etu.imt-mines-ales.fr").await;
    let path = &link[link.find("/set-password").expect("path")..];
    b.goto(&app.url(path)).await;
    assert_eq!(b.text("h1").await, "Choisir un mot de passe");
    check_page(&b).await;

    // A refused password: the alert in French, the message beside the field, nothing kept.
    b.fill("#password", "court").await;
    b.click("main form button[type=submit]").await;
    assert!(b.text("[role=alert]").await.contains("corriger"));
    assert!(!b.text("#password-error").await.is_empty());
    assert_eq!(
        b.attribute("#password", "aria-describedby")
            .await
            .as_deref(),
        Some("password-hint password-error")
    );
    assert_eq!(b.value("#password").await, "");
    b.screenshot("set-password-refused").await;

    b.fill("#password", "une-phrase-de-passe-solide").await;
    b.click("main form button[type=submit]").await;
    // Signed in at once: the link proved who they are.
    assert!(b.current_url().await.contains("/app?done=password_set"));
    assert!(b
        .text("[role=status]")
        .await
        .contains("mot de passe est enregistré"));

    // The link is used up: it says so and leads to a new one.
    b.goto(&app.url(path)).await;
    assert_eq!(b.text("h1").await, "Ce lien ne fonctionne plus");
    assert!(b.count("a[href='/forgot-password']").await >= 1);

    b.goto(&app.url("/app")).await;
    assert!(b.current_url().await.ends_with("/app"));
    assert!(b.text("h1").await.contains("Léa Martin"));
    check_page(&b).await;
    b.screenshot("student-home").await;

    // English on ?lang=en, remembered.
    b.goto(&app.url("/app?lang=en")).await;
    assert!(b.text("h1").await.starts_with("Hello"));
    b.goto(&app.url("/app/labs")).await;
    assert_eq!(b.text("h1").await, "Labs and equipment");
    assert_eq!(b.attribute("html", "lang").await.as_deref(), Some("en"));
}

/// The Monday of next week (the lab's local calendar is Paris; a day's margin either way).
fn next_monday() -> NaiveDate {
    let mut day = Utc::now().date_naive() + chrono::Duration::days(1);
    while day.weekday() != Weekday::Mon {
        day += chrono::Duration::days(1);
    }
    day
}

/// A lab open every day 08:00–18:00 with one press (no training needed); the press's id.
pub(crate) async fn press(app: &TestApp) -> String {
    let (_, mut equipment) = lab_open_every_day(
        app,
        "Laboratoire Génie civil",
        &[json!({"name": "Presse 3 000 kN", "min_minutes": 30, "max_minutes": 240})],
    )
    .await;
    equipment.remove(0)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_founder_applies_is_admitted_sees_the_tutor_books_gets_the_ics_and_cancels() {
    let Some(b) = browser().await else { return };
    let app = spawn_app().await;
    let equipment = press(&app).await;

    // Registers and signs in through the pages; a refused registration keeps its input.
    b.goto(&app.url("/register")).await;
    check_page(&b).await;
    b.fill("#email", "ines.roux@beton-vert.fr").await;
    b.fill("#name", "Inès Roux").await;
    b.fill("#password", "court").await;
    b.click("form[action='/register'] button[type=submit]")
        .await;
    assert!(!b.text("[role=alert]").await.is_empty());
    assert_eq!(b.value("#email").await, "ines.roux@beton-vert.fr");
    assert_eq!(b.value("#name").await, "Inès Roux");
    b.fill("#password", PASSWORD).await;
    b.click("form[action='/register'] button[type=submit]")
        .await;
    assert!(b.text("[role=status]").await.contains("compte est créé"));
    assert!(b.text("main").await.contains("pas encore candidaté"));

    // Applies.
    b.goto(&app.url("/app/applications/new")).await;
    check_page(&b).await;
    b.fill("#title", "Béton bas carbone").await;
    b.fill("#summary", "Un béton de laitier pour les dalles.")
        .await;
    b.script(
        "document.querySelector('#domain').value = 'materials';",
        json!([]),
    )
    .await;
    b.click("#manufactured_product").await;
    b.click("main form button[type=submit]").await;
    assert!(b
        .text("[role=status]")
        .await
        .contains("candidature est envoyée"));
    assert!(b.text("main").await.contains("en cours d’examen"));
    let application = b.current_url().await;
    let application_id = application
        .rsplit('/')
        .next()
        .and_then(|s| s.split('?').next())
        .expect("id")
        .to_owned();
    b.goto(&app.url("/app")).await;
    assert!(b
        .text("main")
        .await
        .contains("Votre candidature est en cours d’examen."));

    // Staff admit it and choose a tutor, through the API.
    let res = app
        .post(
            &format!("/api/v1/applications/{application_id}/decision"),
            Some(&app.staff_token),
            &json!({"decision": "admit"}),
        )
        .await;
    expect_status(res, StatusCode::OK).await;
    let res = app
        .post(
            "/api/v1/tutors",
            Some(&app.staff_token),
            &json!({"email": "paul.durand@mines-ales.fr", "name": "Paul Durand", "password": PASSWORD,
                    "domains": ["materials"], "max_projects": 3, "max_missions": 2}),
        )
        .await;
    let tutor = expect_status(res, StatusCode::CREATED).await;
    let res = app
        .put(
            &format!("/api/v1/applications/{application_id}/tutor"),
            Some(&app.staff_token),
            &json!({"tutor_id": tutor["id"]}),
        )
        .await;
    expect_status(res, StatusCode::OK).await;

    b.goto(&app.url(&format!("/app/applications/{application_id}")))
        .await;
    let page = b.text("main").await;
    assert!(page.contains("incubé"), "{page}");
    assert!(
        page.contains("Paul Durand") && page.contains("paul.durand@mines-ales.fr"),
        "{page}"
    );
    assert!(page.contains("Admission"), "the timeline: {page}");
    b.screenshot("application").await;

    // The labs, then the press's week, then a booking.
    b.goto(&app.url("/app/labs")).await;
    check_page(&b).await;
    assert!(b.text("main").await.contains("Presse 3 000 kN"));
    b.click(&format!("a[href='/app/equipment/{equipment}']"))
        .await;
    let monday = next_monday();
    let week = monday.format("%G-W%V").to_string();
    b.click("a[rel=next]").await;
    assert!(b.current_url().await.contains("?week="), "next week's link");
    b.goto(&app.url(&format!("/app/equipment/{equipment}?week={week}")))
        .await;
    check_page(&b).await;
    assert!(b.count("td.free").await > 0);
    b.set_value("#date", &monday.to_string()).await;
    b.set_value("#start_time", "09:00").await;
    b.set_value("#end_time", "10:30").await;
    b.fill("#purpose", "Essais de compression").await;
    b.click("form[action$='/bookings'] button[type=submit]")
        .await;
    assert!(b.current_url().await.contains("/app/bookings"));
    assert!(b
        .text("[role=status]")
        .await
        .contains("réservation est confirmée"));
    assert!(b.text("main").await.contains("09:00 – 10:30"));
    b.screenshot("bookings").await;

    // The .ics link works with the page session.
    let href = b
        .attribute("a[href$='calendar.ics']", "href")
        .await
        .expect("ics link");
    let session = b.cookie("fieldlab_session").await.expect("session cookie");
    let ics = app
        .client
        .get(if href.starts_with("http") {
            href.clone()
        } else {
            app.url(&href)
        })
        .header("Cookie", format!("fieldlab_session={session}"))
        .send()
        .await
        .expect("ics");
    assert_eq!(ics.status(), StatusCode::OK);
    assert!(ics.text().await.expect("body").contains("BEGIN:VEVENT"));

    // The week shows the slot busy; the same slot again is refused, the input kept.
    b.goto(&app.url(&format!("/app/equipment/{equipment}?week={week}")))
        .await;
    assert!(b.count("td.busy").await >= 3);
    b.set_value("#date", &monday.to_string()).await;
    b.set_value("#start_time", "10:00").await;
    b.set_value("#end_time", "11:00").await;
    b.click("form[action$='/bookings'] button[type=submit]")
        .await;
    assert!(b.text("[role=alert]").await.contains("déjà réservé"));
    assert_eq!(b.value("#start_time").await, "10:00");
    assert_eq!(b.value("#date").await, monday.to_string());
    b.screenshot("week-refused").await;

    // Cancels, after saying yes on the confirmation page.
    b.goto(&app.url("/app/bookings")).await;
    b.click("a[href$='/cancel']").await;
    b.click("form[action$='/cancel'] button").await;
    assert!(b.text("[role=status]").await.contains("annulée"));
    assert!(b.text("main").await.contains("annulée"));
    assert_eq!(b.count("form[action$='/cancel']").await, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn forms_without_csrf_change_nothing_and_another_founders_application_is_a_404_page() {
    let Some(b) = browser().await else { return };
    let app = spawn_app().await;
    let (_, other) = app.user_with_role("founder", "autre@startup.fr").await;
    let res = app
        .post(
            "/api/v1/applications",
            Some(&other),
            &json!({"title": "Projet d’un autre", "summary": "Secret", "domain": "digital",
                    "manufactured_product": false}),
        )
        .await;
    let theirs = expect_status(res, StatusCode::CREATED).await;
    let theirs = theirs["id"].as_str().expect("id");
    app.user_with_role("founder", "moi@startup.fr").await;

    // Signed out, an /app page leads to sign in, then back to it.
    b.goto(&app.url("/app/labs")).await;
    assert!(b.current_url().await.contains("/login?next=/app/labs"));
    b.fill("#email", "moi@startup.fr").await;
    b.fill("#password", PASSWORD).await;
    b.click("form[action='/login'] button[type=submit]").await;
    assert!(b.current_url().await.ends_with("/app/labs"));

    // Another founder's application: the 404 page, as the API answers.
    b.goto(&app.url(&format!("/app/applications/{theirs}")))
        .await;
    assert_eq!(b.text("h1").await, "Page introuvable");
    assert!(!b.source().await.contains("Secret"));
    b.screenshot("not-found").await;

    // An application form posted without its CSRF token: the 403 page, nothing created.
    b.goto(&app.url("/app/applications/new")).await;
    b.fill("#title", "Sans jeton").await;
    b.fill("#summary", "Ne doit pas être créée").await;
    b.script(
        "document.querySelector('#domain').value = 'digital';",
        json!([]),
    )
    .await;
    b.script(
        "document.querySelector('main input[name=csrf_token]').remove();",
        json!([]),
    )
    .await;
    b.click("main form button[type=submit]").await;
    assert_eq!(b.text("h1").await, "Action refusée");
    let mine = app.login("moi@startup.fr", PASSWORD).await;
    let res = app.get("/api/v1/applications", Some(&mine)).await;
    let list = expect_status(res, StatusCode::OK).await;
    assert_eq!(list["items"], json!([]), "nothing was created");

    // A wrong token is no better; signing out needs one too.
    b.goto(&app.url("/app")).await;
    b.script(
        "document.querySelector('header input[name=csrf_token]').value = 'x'.repeat(64);",
        json!([]),
    )
    .await;
    b.click("header form button").await;
    assert_eq!(b.text("h1").await, "Action refusée");
    b.goto(&app.url("/app")).await;
    assert!(b.current_url().await.ends_with("/app"), "still signed in");
    b.click("header form button").await;
    assert!(b.current_url().await.contains("/login"));
    b.goto(&app.url("/app")).await;
    assert!(b.current_url().await.contains("/login?next="));
}

/// The path's last segment before any query: the id a page redirected to.
fn id_in(url: &str, before: &str) -> String {
    let at = url.find(before).expect("the expected page") + before.len();
    url[at..]
        .split(['/', '?'])
        .next()
        .expect("an id")
        .to_owned()
}

/// A student imported by CSV chooses a password from the welcome e-mail's link and signs in.
async fn welcome_and_sign_in(b: &Browser, app: &TestApp, email: &str) {
    let link = link_in_welcome(app, email).await;
    b.goto(&app.url(&link[link.find("/set-password").expect("path")..]))
        .await;
    b.fill("#password", PASSWORD).await;
    // Choosing the password signs them in.
    b.click("main form button[type=submit]").await;
    assert!(b.current_url().await.ends_with("/app?done=password_set"));
}

pub(crate) async fn sign_out(b: &Browser) {
    b.click("form[action='/logout'] button").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_company_submits_a_problem_students_team_up_rank_it_and_see_their_mission() {
    let Some(b) = browser().await else { return };
    let app = spawn_app().await;
    let starts_on = (Utc::now().date_naive() + chrono::Duration::weeks(6)).to_string();
    let res = app
        .post(
            "/api/v1/campaigns",
            Some(&app.staff_token),
            &json!({"name": "Printemps", "starts_on": starts_on, "team_size": 2}),
        )
        .await;
    let campaign = expect_status(res, StatusCode::CREATED).await;
    let cid = campaign["id"].as_str().expect("id").to_owned();

    // A company contact registers; the home says to register the company, then to submit.
    b.goto(&app.url("/register")).await;
    b.fill("#email", "claire@decoupes.fr").await;
    b.fill("#name", "Claire Vidal").await;
    b.fill("#password", PASSWORD).await;
    b.click("input[name=role][value=company]").await;
    b.click("form[action='/register'] button[type=submit]")
        .await;
    assert!(b
        .text("main")
        .await
        .contains("Enregistrez votre entreprise"));
    b.click("a[href='/app/company']").await;
    check_page(&b).await;
    b.fill("#name", "Découpes Cévenoles").await;
    b.fill("#city", "Alès").await;
    b.click("#local").await;
    b.click("form[action='/app/company'] button[type=submit]")
        .await;
    assert!(b
        .text("[role=status]")
        .await
        .contains("entreprise est enregistrée"));
    assert!(b.text("main").await.contains("Découpes Cévenoles"));
    b.goto(&app.url("/app")).await;
    b.click(&format!("a[href='/app/campaigns/{cid}/problems/new']"))
        .await;
    check_page(&b).await;
    // Refused without a title: the alert, the field's message, the input kept.
    b.fill("#description", "Réduire les chutes de découpe du granit.")
        .await;
    b.set_value("#domain", "materials").await;
    b.script(
        "document.querySelector('#title').removeAttribute('required');",
        json!([]),
    )
    .await;
    b.click("main form button[type=submit]").await;
    assert!(b.text("[role=alert]").await.contains("corriger"));
    assert!(!b.text("#title-error").await.is_empty());
    assert!(b.value("#description").await.contains("granit"));
    b.fill("#title", "Chutes de granit").await;
    b.click("main form button[type=submit]").await;
    assert!(b
        .text("[role=status]")
        .await
        .contains("problème est proposé"));
    assert!(b.text("main").await.contains("en attente de décision"));
    // ... and edits it while it awaits the decision.
    b.click("a[href$='/edit']").await;
    check_page(&b).await;
    assert_eq!(b.value("#title").await, "Chutes de granit");
    b.fill("#title", "Chutes de découpe du granit").await;
    b.click("main form button[type=submit]").await;
    assert!(b
        .text("[role=status]")
        .await
        .contains("problème est modifié"));
    assert!(b.text("main").await.contains("Chutes de découpe du granit"));
    b.screenshot("company-problems").await;
    sign_out(&b).await;

    // Staff accept it and open signup; the school imports its students (set up by the API).
    let problems = app
        .get(
            &format!("/api/v1/campaigns/{cid}/problems"),
            Some(&app.staff_token),
        )
        .await;
    let problems = expect_status(problems, StatusCode::OK).await;
    let pid = problems["items"][0]["id"]
        .as_str()
        .expect("a problem")
        .to_owned();
    let res = app
        .post(
            &format!("/api/v1/problems/{pid}/review"),
            Some(&app.staff_token),
            &json!({"decision": "accept"}),
        )
        .await;
    expect_status(res, StatusCode::OK).await;
    let res = app
        .post(
            &format!("/api/v1/campaigns/{cid}/open-signup"),
            Some(&app.staff_token),
            &json!({}),
        )
        .await;
    expect_status(res, StatusCode::OK).await;
    let csv = "email,name,role\nleo@etu.fr,Léo Roux,student\nzoe@etu.fr,Zoé Martin,student\nmax@etu.fr,Max Petit,student\n";
    let res = app
        .post_raw(
            "/api/v1/users/import",
            Some(&app.staff_token),
            "text/csv",
            csv,
        )
        .await;
    assert_eq!(expect_status(res, StatusCode::OK).await["created"], 3);

    // A student forms a team with a classmate, on a phone.
    welcome_and_sign_in(&b, &app, "leo@etu.fr").await;
    b.click(&format!("a[href='/app/campaigns/{cid}/team']"))
        .await;
    check_page(&b).await;
    b.fill("#name", "Les Gardons").await;
    b.fill("#member_emails_1", "zoe@etu.fr").await;
    b.click("main form button[type=submit]").await;
    assert!(b.text("[role=status]").await.contains("équipe est créée"));
    let team_id = id_in(&b.current_url().await, "/app/teams/");
    sign_out(&b).await;

    // The teammate signs in, finds the team on the campaign's page and ranks the problem.
    welcome_and_sign_in(&b, &app, "zoe@etu.fr").await;
    b.click(&format!("a[href='/app/teams/{team_id}/preferences']"))
        .await;
    check_page(&b).await;
    let options = b.text("#choice_1").await;
    assert!(
        options.contains("Chutes de découpe du granit") && options.contains("Découpes Cévenoles"),
        "problems named with their company: {options}"
    );
    b.set_value("#choice_1", &pid).await;
    b.click("main form button[type=submit]").await;
    assert!(b
        .text("[role=status]")
        .await
        .contains("classement est enregistré"));
    b.screenshot("preferences").await;
    b.goto(&app.url(&format!("/app/campaigns/{cid}"))).await;
    let page = b.text("main").await;
    assert!(
        page.contains("Les Gardons") && page.contains("leo@etu.fr"),
        "{page}"
    );

    // Staff allocate, publish and give the mission its tutor.
    for step in ["allocate", "publish"] {
        let res = app
            .post(
                &format!("/api/v1/campaigns/{cid}/{step}"),
                Some(&app.staff_token),
                &json!({}),
            )
            .await;
        expect_status(res, StatusCode::OK).await;
    }
    let res = app
        .post(
            "/api/v1/tutors",
            Some(&app.staff_token),
            &json!({"email": "anne.roux@mines-ales.fr", "name": "Anne Roux", "password": PASSWORD,
                    "domains": ["materials"], "max_projects": 2, "max_missions": 3}),
        )
        .await;
    expect_status(res, StatusCode::CREATED).await;
    let res = app
        .post(
            &format!("/api/v1/campaigns/{cid}/assign-tutors"),
            Some(&app.staff_token),
            &json!({}),
        )
        .await;
    expect_status(res, StatusCode::OK).await;

    // The student's home leads to the mission: company, contact, teammates and tutor.
    b.goto(&app.url("/app")).await;
    b.click("a[href^='/app/missions/']").await;
    check_page(&b).await;
    let mission = b.text("main").await;
    for fact in [
        "Chutes de découpe du granit",
        "Découpes Cévenoles",
        "Alès",
        "claire@decoupes.fr",
        "leo@etu.fr",
        "Anne Roux",
        "anne.roux@mines-ales.fr",
    ] {
        assert!(mission.contains(fact), "{fact}: {mission}");
    }
    let mission_url = b.current_url().await;
    b.screenshot("mission").await;

    // A student of no team of it gets the 404 page, as from the API.
    sign_out(&b).await;
    welcome_and_sign_in(&b, &app, "max@etu.fr").await;
    b.goto(&mission_url).await;
    assert_eq!(b.text("h1").await, "Page introuvable");

    // The tutor sees the mission and the team's addresses.
    b.goto(&app.url("/app")).await;
    sign_out(&b).await;
    sign_in(&b, &app, "anne.roux@mines-ales.fr", PASSWORD).await;
    b.click("a[href^='/app/missions/']").await;
    assert!(b.text("main").await.contains("zoe@etu.fr"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_user_renames_themselves_and_changes_their_password_from_the_profile() {
    let Some(b) = browser().await else { return };
    let app = spawn_app().await;
    app.user_with_role("founder", "ines@beton-vert.fr").await;
    sign_in(&b, &app, "ines@beton-vert.fr", PASSWORD).await;
    b.click("a[href='/app/profile']").await;
    check_page(&b).await;
    b.fill("#name", "Inès Roux-Martin").await;
    b.click("form[action='/app/profile'] button").await;
    assert!(b
        .text("[role=status]")
        .await
        .contains("profil est enregistré"));
    assert_eq!(b.value("#name").await, "Inès Roux-Martin");
    // A wrong current password is refused beside its field, nothing kept.
    b.fill("#current_password", "pas-le-bon-mot-de-passe").await;
    b.fill("#password", "un-nouveau-mot-de-passe").await;
    b.click("form[action='/app/profile/password'] button").await;
    assert!(!b.text("[role=alert]").await.is_empty());
    assert!(!b.text("#current_password-error").await.is_empty());
    assert_eq!(b.value("#password").await, "");
    b.fill("#current_password", PASSWORD).await;
    b.fill("#password", "un-nouveau-mot-de-passe").await;
    b.click("form[action='/app/profile/password'] button").await;
    assert!(b.current_url().await.contains("/login"));
    sign_in(&b, &app, "ines@beton-vert.fr", "un-nouveau-mot-de-passe").await;
    assert!(b.text("h1").await.contains("Inès Roux-Martin"));
}

/// The staff's home, read as a page with the session cookie (no browser needed).
#[tokio::test(flavor = "multi_thread")]
async fn the_staff_home_counts_what_needs_them_now() {
    let app = spawn_app().await;
    let (_, founder) = app.user_with_role("founder", "lea@startup.fr").await;
    let res = app
        .post(
            "/api/v1/applications",
            Some(&founder),
            &json!({"title": "Béton bas carbone", "summary": "S", "domain": "materials",
                    "manufactured_product": true}),
        )
        .await;
    expect_status(res, StatusCode::CREATED).await;
    let starts_on = (Utc::now().date_naive() + chrono::Duration::weeks(6)).to_string();
    let res = app
        .post(
            "/api/v1/campaigns",
            Some(&app.staff_token),
            &json!({"name": "Printemps", "starts_on": starts_on, "max_problems": 40}),
        )
        .await;
    let cid = expect_status(res, StatusCode::CREATED).await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let (_, company) = app.user_with_role("company", "claire@decoupes.fr").await;
    let res = app
        .post(
            "/api/v1/companies",
            Some(&company),
            &json!({"name": "Découpes", "city": "Alès", "local": true}),
        )
        .await;
    expect_status(res, StatusCode::CREATED).await;
    let res = app
        .post(
            &format!("/api/v1/campaigns/{cid}/problems"),
            Some(&company),
            &json!({"title": "Chutes", "description": "D", "domain": "materials"}),
        )
        .await;
    expect_status(res, StatusCode::CREATED).await;

    let page = app
        .client
        .get(app.url("/app"))
        .header("Cookie", format!("fieldlab_session={}", app.staff_token))
        .send()
        .await
        .expect("home");
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.expect("html");
    assert!(html.contains("<strong>0 / 25</strong>"), "{html}");
    assert!(html.contains("1 candidature à décider"), "{html}");
    assert!(
        // minijinja escapes `/` in attributes: `&#x2f;`.
        html.contains(&format!("&#x2f;app&#x2f;staff&#x2f;campaigns&#x2f;{cid}"))
            && html.contains("problèmes à examiner (1)")
            && html.contains("problèmes acceptés 0 / 40"),
        "{html}"
    );
    assert!(!html.contains("banner"), "no e-mail failed: {html}");
}

/// A campaign of one-student teams whose problems (three companies) wait for review.
async fn campaign_to_review(app: &TestApp) -> (String, Vec<String>) {
    let res = app
        .post(
            "/api/v1/campaigns",
            Some(&app.staff_token),
            &json!({"name": "Printemps 2029", "starts_on": "2029-03-05", "team_size": 1, "max_problems": 2}),
        )
        .await;
    let cid = expect_status(res, StatusCode::CREATED).await["id"]
        .as_str()
        .expect("id")
        .to_owned();
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
        problems.push(
            expect_status(res, StatusCode::CREATED).await["id"]
                .as_str()
                .expect("id")
                .to_owned(),
        );
    }
    (cid, problems)
}

#[tokio::test(flavor = "multi_thread")]
async fn staff_run_a_campaign_from_review_to_tutors_in_the_browser() {
    let Some(b) = browser().await else { return };
    let app = spawn_app().await;
    let (cid, problems) = campaign_to_review(&app).await;
    sign_in(&b, &app, crate::helpers::STAFF_EMAIL, PASSWORD).await;
    b.click("nav a[href='/app/staff/campaigns']").await;
    b.click(&format!("main a[href='/app/staff/campaigns/{cid}']"))
        .await;
    check_page(&b).await;
    for p in &problems[..2] {
        b.click(&format!("#p-{p} button[value=accept]")).await;
        assert!(b.text("[role=status]").await.contains("décision"));
    }
    assert!(b.source().await.contains("2 / 2"), "the cap reached");
    b.fill(&format!("#reason-{}", problems[2]), "Hors du périmètre")
        .await;
    b.click(&format!("#p-{} button[value=reject]", problems[2]))
        .await;
    b.click("form[action$='/open-signup'] button").await;
    assert!(b.text("[role=status]").await.contains("ouvertes"));

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
        let team = expect_status(res, StatusCode::CREATED).await["id"]
            .as_str()
            .expect("id")
            .to_owned();
        let prefs = if i == 2 {
            vec![&problems[0]]
        } else {
            vec![&problems[0], &problems[1]]
        };
        let res = app
            .put(
                &format!("/api/v1/teams/{team}/preferences"),
                Some(&student),
                &json!({"problem_ids": prefs}),
            )
            .await;
        expect_status(res, StatusCode::OK).await;
        teams.push(team);
    }

    // A bad pin (a problem the team did not rank) is refused with its reason, then a good one
    // is made and deleted.
    b.click(&format!(
        "nav.tabs a[href='/app/staff/campaigns/{cid}/teams']"
    ))
    .await;
    check_page(&b).await;
    b.set_value("#team_id", &teams[2]).await;
    b.set_value("#problem_id", &problems[1]).await;
    b.click("form[action$='/constraints'] button[type=submit]")
        .await;
    assert!(b.text("[role=alert]").await.contains("contraintes"));
    b.set_value("#team_id", &teams[0]).await;
    b.set_value("#problem_id", &problems[0]).await;
    b.click("form[action$='/constraints'] button[type=submit]")
        .await;
    assert_eq!(
        b.count("#constraints ~ ul form, section ul.list form")
            .await,
        1
    );
    b.click("section ul.list form button").await;
    assert!(b.text("[role=status]").await.contains("supprimée"));

    // Two objectives compared, their charts side by side, one chosen, then published.
    b.click(&format!(
        "nav.tabs a[href='/app/staff/campaigns/{cid}/allocation']"
    ))
    .await;
    check_page(&b).await;
    assert_eq!(b.count(".compare svg.chart").await, 4);
    b.click("#o-rank_maximal form button").await;
    assert!(b.source().await.contains("Rang maximal"));
    b.click("#o-fair form button").await;
    assert!(b.text("#current + p").await.contains("Équitable"));
    assert!(b.source().await.contains("Équipes non placées (1)"));
    b.desk_screenshot("staff-allocation", "#compare").await;
    b.click("form[action$='/publish'] button").await;
    assert!(b.current_url().await.contains("/missions?done=published"));

    let res = app
        .post(
            "/api/v1/tutors",
            Some(&app.staff_token),
            &json!({"email": "marc.roux@mines.fr", "name": "Marc Roux", "domains": ["materials"],
                    "max_projects": 2, "max_missions": 4}),
        )
        .await;
    expect_status(res, StatusCode::CREATED).await;
    b.goto(&app.url(&format!("/app/staff/campaigns/{cid}/missions")))
        .await;
    b.click("form[action$='/assign-tutors'] button").await;
    check_page(&b).await;
    assert_eq!(b.count("li.card strong").await, 4, "{}", b.source().await);
    assert!(
        !b.source().await.contains("banner warn"),
        "every mission has its tutor"
    );
    assert!(b.source().await.contains("Marc Roux"));
}

#[tokio::test(flavor = "multi_thread")]
async fn staff_decide_an_application_close_a_lab_and_import_people_in_the_browser() {
    let Some(b) = browser().await else { return };
    let app = spawn_app().await;
    let (_, founder) = app.user_with_role("founder", "lea.martin@startup.fr").await;
    let res = app
        .post(
            "/api/v1/applications",
            Some(&founder),
            &json!({"title": "Béton de chanvre", "summary": "Isoler", "domain": "materials",
                    "manufactured_product": true}),
        )
        .await;
    expect_status(res, StatusCode::CREATED).await;
    let res = app
        .post(
            "/api/v1/tutors",
            Some(&app.staff_token),
            &json!({"email": "anne.vidal@mines.fr", "name": "Anne Vidal", "domains": ["materials"],
                    "max_projects": 4, "max_missions": 2}),
        )
        .await;
    expect_status(res, StatusCode::CREATED).await;
    let equipment = press(&app).await;
    sign_in(&b, &app, crate::helpers::STAFF_EMAIL, PASSWORD).await;

    // Decide the application and give it the suggested tutor.
    b.goto(&app.url("/app/staff/applications")).await;
    check_page(&b).await;
    b.fill("#q", "chanvre").await;
    b.click("form.filters button").await;
    b.click("main li.card a").await;
    b.set_value("#starts_on", "2029-01-08").await;
    b.click("form[action$='/decision'] button[type=submit]")
        .await;
    assert!(b.text("[role=status]").await.contains("décision"));
    assert!(b.source().await.contains("0 / 4"), "the suggestion's load");
    b.click("form[action$='/tutor'] button[type=submit]").await;
    check_page(&b).await;
    assert!(b.source().await.contains("anne.vidal@mines.fr"));

    // Book on the lab's planning, then close the lab over it: told first, then e-mailed.
    b.goto(&app.url("/app/staff/labs")).await;
    b.click("main li.card a").await;
    check_page(&b).await;
    let day = next_monday().to_string();
    b.set_value("#equipment_id", &equipment).await;
    b.set_value("#date", &day).await;
    b.set_value("#start_time", "10:00").await;
    b.set_value("#end_time", "11:30").await;
    b.fill("#purpose", "Étalonnage").await;
    b.click("form[action$='/bookings'] button").await;
    assert_eq!(b.count("svg.planning rect.busy").await, 1);
    b.desk_screenshot("staff-planning", "svg.planning").await;
    b.set_value("#start_date", &day).await;
    b.set_value("#end_date", &day).await;
    b.fill("#c_reason", "Coupure électrique").await;
    b.click("form[action$='/closures/preview'] button").await;
    check_page(&b).await;
    let told = b.text("[role=alert]").await;
    assert!(told.contains("annule 1 réservation"), "{told}");
    b.click("form[action$='/closures'] button").await;
    assert_eq!(b.count("svg.planning rect.busy").await, 0);
    assert_eq!(b.count("svg.planning rect.closure").await, 1);
    b.goto(&app.url("/app/staff/emails")).await;
    assert!(
        b.source().await.contains("Coupure")
            || b.source().await.contains("Laboratoire Génie civil")
    );

    // Import a CSV with one bad line: the report names it.
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("promo.csv");
    std::fs::write(
        &file,
        "email;name;role\nana@etu.fr;Ana Lopez;student\npas-une-adresse;Bob;student\n",
    )
    .expect("csv");
    b.goto(&app.url("/app/staff/people")).await;
    check_page(&b).await;
    b.upload("#file", &file.display().to_string()).await;
    b.click("form[action='/app/staff/people/import'] button")
        .await;
    assert!(b.text("[role=status]").await.contains("1 compte créé"));
    assert!(b.text("[role=alert]").await.contains("Ligne 3"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_student_signs_the_agreement_from_the_email_link_and_the_register_shows_it() {
    let Some(b) = browser().await else { return };
    let app = spawn_app().await;
    crate::helpers::published_missions(&app, 1).await;
    let list = expect_status(
        app.get("/api/v1/agreements", Some(&app.staff_token)).await,
        StatusCode::OK,
    )
    .await;
    let agreement = &list["items"][0];
    let id = agreement["id"].as_str().expect("id").to_owned();
    let student = agreement["student"]["email"]
        .as_str()
        .expect("student")
        .to_owned();
    let contact = agreement["company"]["contact"]["email"]
        .as_str()
        .expect("contact")
        .to_owned();

    // Staff send the campaign's drafts from the register, which counts them.
    sign_in(&b, &app, crate::helpers::STAFF_EMAIL, PASSWORD).await;
    b.goto(&app.url("/app/staff/agreements")).await;
    assert_eq!(b.text("h1").await, "Registre des conventions");
    assert!(
        b.text(".progress").await.contains("0 / 1"),
        "{}",
        b.text(".progress").await
    );
    b.click(".progress form button[type=submit]").await;
    assert!(b
        .text("[role=status]")
        .await
        .contains("1 conventions envoyées"));
    check_page(&b).await;
    sign_out(&b).await;

    // The student opens the e-mail's link, signs in, and lands on the agreement.
    let mail = wait_for_eml_about(&app, &student, "à signer").await;
    let at = mail.find("/app/agreements/").expect("the link");
    let path: String = mail[at..]
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != '"' && *c != '<')
        .collect();
    assert_eq!(path, format!("/app/agreements/{id}"));
    b.goto(&app.url(&path)).await;
    assert!(b.current_url().await.contains("/login"));
    b.fill("#email", &student).await;
    b.fill("#password", PASSWORD).await;
    b.click("form[action='/login'] button[type=submit]").await;
    assert!(
        b.current_url().await.ends_with(&path),
        "{}",
        b.current_url().await
    );
    assert_eq!(b.text("h1").await, "Convention de mission de terrain");
    check_page(&b).await;
    let pdf = b
        .script(
            "var x = new XMLHttpRequest(); x.open('GET', arguments[0], false); x.send();
             return x.status + ' ' + x.getResponseHeader('content-type');",
            json!([format!("{path}/pdf")]),
        )
        .await;
    assert_eq!(pdf, "200 application/pdf");

    // Without the box ticked: refused beside it; then signed.
    b.click("#sign-form button[type=submit]").await;
    assert!(b.text("[role=alert]").await.contains("Cochez la case"));
    b.click("#consent").await;
    b.click("#sign-form button[type=submit]").await;
    assert!(b
        .text("[role=status]")
        .await
        .contains("signature est enregistrée"));
    assert_eq!(b.count("#sign-form").await, 0);
    assert!(b.text(".signatures").await.contains("signé le"));
    b.screenshot("agreement-signed").await;

    // The home lists it; the company and the school sign through the API: signed, 1 / 1.
    b.goto(&app.url("/app")).await;
    assert!(
        b.text("#agreements + ul").await.contains("signée")
            || b.text("#agreements + ul").await.contains("envoyée")
    );
    let company = app.login(&contact, PASSWORD).await;
    for token in [company.as_str(), app.staff_token.as_str()] {
        let res = app
            .post(
                &format!("/api/v1/agreements/{id}/sign"),
                Some(token),
                &json!({"consent": true}),
            )
            .await;
        expect_status(res, StatusCode::OK).await;
    }
    sign_out(&b).await;
    sign_in(&b, &app, crate::helpers::STAFF_EMAIL, PASSWORD).await;
    b.goto(&app.url("/app/staff/agreements")).await;
    assert!(b.text(".progress").await.contains("1 / 1"));
    b.desk_screenshot("agreements-register", "main").await;
}
