//! The Incubator rows of the contract: applications and their states, decisions within
//! capacity, project tutors, who sees what, the e-mails, and the races between staff.

use chrono::{Months, NaiveDate};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{expect_problem, expect_status, spawn_app, spawn_app_with, TestApp};
use crate::tutors::create_tutor;

const UNKNOWN: &str = "0190a5c4-0000-7000-8000-000000000000";

async fn founder(app: &TestApp, email: &str) -> (String, String) {
    let (user, token) = app.user_with_role("founder", email).await;
    (user["id"].as_str().unwrap_or_default().to_owned(), token)
}

async fn apply(app: &TestApp, token: &str, title: &str, domain: &str) -> Value {
    let res = app
        .post(
            "/api/v1/applications",
            Some(token),
            &json!({"title": title, "summary": format!("Résumé de {title}"), "domain": domain,
                    "manufactured_product": true}),
        )
        .await;
    expect_status(res, StatusCode::CREATED).await
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap_or_default().to_owned()
}

async fn decide(app: &TestApp, application: &str, body: Value) -> reqwest::Response {
    app.post(
        &format!("/api/v1/applications/{application}/decision"),
        Some(&app.staff_token),
        &body,
    )
    .await
}

async fn admit(app: &TestApp, application: &str) -> Value {
    expect_status(
        decide(app, application, json!({"decision": "admit"})).await,
        StatusCode::OK,
    )
    .await
}

async fn set_tutor(app: &TestApp, application: &str, tutor: &str) -> reqwest::Response {
    app.put(
        &format!("/api/v1/applications/{application}/tutor"),
        Some(&app.staff_token),
        &json!({"tutor_id": tutor}),
    )
    .await
}

fn subjects(mails: &[Value]) -> Vec<String> {
    mails
        .iter()
        .filter_map(|m| m["subject"].as_str().map(str::to_owned))
        .collect()
}

/// The text of the .eml whose subject line contains `needle` (mail is delivered in the background).
async fn eml_containing(app: &TestApp, needle: &str) -> String {
    for _ in 0..100 {
        if let Ok(dir) = std::fs::read_dir(&app.mail_dir) {
            for entry in dir.filter_map(Result::ok) {
                let Ok(raw) = std::fs::read(entry.path()) else {
                    continue;
                };
                let Ok(mail) = mailparse::parse_mail(&raw) else {
                    continue;
                };
                let subject =
                    mailparse::MailHeaderMap::get_first_value(mail.headers.as_slice(), "Subject")
                        .unwrap_or_default();
                if subject.contains(needle) {
                    let text = mail
                        .subparts
                        .iter()
                        .find(|p| p.ctype.mimetype == "text/plain")
                        .and_then(|p| p.get_body().ok())
                        .or_else(|| mail.get_body().ok())
                        .unwrap_or_default();
                    return text;
                }
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("no e-mail with a subject containing {needle}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_founder_applies_is_admitted_gets_a_tutor_and_graduates() {
    let app = spawn_app().await;
    let (founder_id, token) = founder(&app, "camille@example.fr").await;
    let tutor = create_tutor(&app, "helene@mines-ales.fr", &["building", "materials"], 2).await;

    let res = app
        .post(
            "/api/v1/applications",
            Some(&token),
            &json!({"title": "Béton de chanvre", "summary": "Des blocs préfabriqués.",
                    "domain": "building", "manufactured_product": true}),
        )
        .await;
    let created = expect_status(res, StatusCode::CREATED).await;
    assert_eq!(created["founder_id"], founder_id.as_str());
    assert_eq!(created["title"], "Béton de chanvre");
    assert_eq!(created["summary"], "Des blocs préfabriqués.");
    assert_eq!(created["domain"], "building");
    assert_eq!(created["manufactured_product"], true);
    assert_eq!(created["status"], "submitted");
    assert_eq!(created["tutor_id"], Value::Null);
    assert_eq!(created["starts_on"], Value::Null);
    assert_eq!(created["ends_on"], Value::Null);
    assert!(created["created_at"]
        .as_str()
        .is_some_and(|s| s.ends_with('Z')));
    let application = id(&created);

    let places = expect_status(
        app.get("/api/v1/incubator", Some(&token)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        places,
        json!({"capacity": 25, "incubating": 0, "available": 25})
    );

    let res = decide(
        &app,
        &application,
        json!({"decision": "admit", "starts_on": "2027-03-01", "reason": "Projet solide"}),
    )
    .await;
    let admitted = expect_status(res, StatusCode::OK).await;
    assert_eq!(admitted["status"], "incubating");
    assert_eq!(admitted["starts_on"], "2027-03-01");
    assert_eq!(admitted["ends_on"], "2029-03-01");
    let places = expect_status(
        app.get("/api/v1/incubator", Some(&token)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        places,
        json!({"capacity": 25, "incubating": 1, "available": 24})
    );

    // The founder hears of it, in French, with the dates.
    let mails = subjects(&app.mails_to("camille@example.fr").await);
    assert!(
        mails
            .iter()
            .any(|s| s == "Votre projet « Béton de chanvre » est admis à l'incubateur"),
        "{mails:?}"
    );
    let text = eml_containing(&app, "est admis").await;
    assert!(
        text.contains("lundi 1er mars 2027") && text.contains("jeudi 1er mars 2029"),
        "{text}"
    );

    let suggestions = expect_status(
        app.get(
            &format!("/api/v1/applications/{application}/tutor-suggestions"),
            Some(&app.staff_token),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(suggestions["items"][0]["tutor_id"], tutor["id"]);
    assert_eq!(suggestions["items"][0]["domain_match"], true);
    assert_eq!(suggestions["items"][0]["load"], 0);
    assert_eq!(suggestions["items"][0]["max_projects"], 2);

    let tutor_id = id(&tutor);
    let assigned = expect_status(
        set_tutor(&app, &application, &tutor_id).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(assigned["tutor_id"], tutor_id.as_str());
    assert_eq!(assigned["status"], "incubating");
    let mails = subjects(&app.mails_to("helene@mines-ales.fr").await);
    assert!(
        mails.iter().any(|s| s.contains("Béton de chanvre")),
        "{mails:?}"
    );
    let text = eml_containing(&app, "Nouveau projet").await;
    assert!(
        text.contains("Des blocs préfabriqués.")
            && text.contains("bâtiment")
            && text.contains("camille@example.fr"),
        "{text}"
    );

    // The tutor's load and view follow.
    let seen = expect_status(
        app.get(
            &format!("/api/v1/tutors/{tutor_id}"),
            Some(&app.staff_token),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(seen["load"], json!({"projects": 1, "missions": 0}));
    let tutor_token = app
        .login("helene@mines-ales.fr", crate::helpers::PASSWORD)
        .await;
    let followed = expect_status(
        app.get("/api/v1/applications", Some(&tutor_token)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(followed["items"].as_array().map(Vec::len), Some(1));
    expect_status(
        app.get(
            &format!("/api/v1/applications/{application}"),
            Some(&tutor_token),
        )
        .await,
        StatusCode::OK,
    )
    .await;

    let res = app
        .post(
            &format!("/api/v1/applications/{application}/close"),
            Some(&app.staff_token),
            &json!({"outcome": "graduated"}),
        )
        .await;
    let closed = expect_status(res, StatusCode::OK).await;
    assert_eq!(closed["status"], "graduated");
    let places = expect_status(
        app.get("/api/v1/incubator", Some(&token)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(places["available"], 25);
    let load = crate::tutors::load_of(&app, &tutor_id).await;
    assert_eq!(load["projects"], 0);

    // The audit trail says who did what.
    let events = expect_status(
        app.get(
            &format!("/api/v1/applications/{application}/events"),
            Some(&app.staff_token),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let actions: Vec<&str> = events["items"]
        .as_array()
        .map(|e| e.iter().filter_map(|x| x["action"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        actions,
        ["submitted", "admitted", "tutor_assigned", "graduated"]
    );
    assert_eq!(
        events["items"][1]["actor"]["email"],
        crate::helpers::STAFF_EMAIL
    );
    assert_eq!(events["items"][1]["reason"], "Projet solide");
    assert_eq!(events["items"][2]["tutor_id"], tutor_id.as_str());
    expect_problem(
        app.get(
            &format!("/api/v1/applications/{application}/events"),
            Some(&token),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn admission_defaults_to_today_and_the_configured_months() {
    let app = spawn_app_with(|s| s.incubator.months = 18).await;
    let (_, token) = founder(&app, "lea@example.fr").await;
    let application = id(&apply(&app, &token, "Capteurs", "civil_engineering").await);
    let admitted = admit(&app, &application).await;
    let today = chrono::Utc::now()
        .with_timezone(&chrono_tz::Europe::Paris)
        .date_naive();
    let starts: NaiveDate = admitted["starts_on"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("starts_on");
    assert!(
        (starts - today).num_days().abs() <= 1,
        "{starts} vs {today}"
    );
    let ends: NaiveDate = admitted["ends_on"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("ends_on");
    assert_eq!(Some(ends), starts.checked_add_months(Months::new(18)));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rejection_carries_its_reason_to_the_founder() {
    let app = spawn_app().await;
    let (_, token) = founder(&app, "ines@example.fr").await;
    let application = id(&apply(&app, &token, "Compost de châtaigne", "agrifood").await);
    let res = decide(
        &app,
        &application,
        json!({"decision": "reject", "reason": "Revenez avec un prototype."}),
    )
    .await;
    let rejected = expect_status(res, StatusCode::OK).await;
    assert_eq!(rejected["status"], "rejected");
    assert_eq!(rejected["starts_on"], Value::Null);
    assert_eq!(rejected["decision_reason"], "Revenez avec un prototype.");
    let own = expect_status(
        app.get(&format!("/api/v1/applications/{application}"), Some(&token))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(own["decision_reason"], "Revenez avec un prototype.");
    let mails = subjects(&app.mails_to("ines@example.fr").await);
    assert!(
        mails
            .iter()
            .any(|s| s == "Votre candidature « Compost de châtaigne » à l'incubateur"),
        "{mails:?}"
    );
    let text = eml_containing(&app, "Votre candidature").await;
    assert!(
        text.contains("Motif : Revenez avec un prototype."),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn moves_outside_the_state_machine_are_invalid_transitions() {
    let app = spawn_app().await;
    let (_, token) = founder(&app, "hugo@example.fr").await;
    let tutor = id(&create_tutor(&app, "olivier@mines-ales.fr", &["digital"], 3).await);
    let a = id(&apply(&app, &token, "Covoiturage rural", "digital").await);
    let b = id(&apply(&app, &token, "Seconde idée", "digital").await);
    let c = id(&apply(&app, &token, "Troisième idée", "digital").await);
    let conflict = |res| expect_problem(res, StatusCode::CONFLICT, "invalid_transition");

    // submitted: no close, no tutor.
    conflict(
        app.post(
            &format!("/api/v1/applications/{a}/close"),
            Some(&app.staff_token),
            &json!({"outcome": "graduated"}),
        )
        .await,
    )
    .await;
    conflict(set_tutor(&app, &a, &tutor).await).await;

    admit(&app, &a).await;
    // incubating: no second decision, no withdrawal.
    conflict(decide(&app, &a, json!({"decision": "admit"})).await).await;
    conflict(decide(&app, &a, json!({"decision": "reject"})).await).await;
    conflict(
        app.post(
            &format!("/api/v1/applications/{a}/withdraw"),
            Some(&token),
            &json!({}),
        )
        .await,
    )
    .await;

    // withdrawn: final.
    let withdrawn = expect_status(
        app.post(
            &format!("/api/v1/applications/{b}/withdraw"),
            Some(&token),
            &json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(withdrawn["status"], "withdrawn");
    conflict(decide(&app, &b, json!({"decision": "admit"})).await).await;
    conflict(
        app.post(
            &format!("/api/v1/applications/{b}/withdraw"),
            Some(&token),
            &json!({}),
        )
        .await,
    )
    .await;

    // rejected: final.
    expect_status(
        decide(&app, &c, json!({"decision": "reject"})).await,
        StatusCode::OK,
    )
    .await;
    conflict(decide(&app, &c, json!({"decision": "admit"})).await).await;
    conflict(
        app.post(
            &format!("/api/v1/applications/{c}/withdraw"),
            Some(&token),
            &json!({}),
        )
        .await,
    )
    .await;

    // discontinued: final, and no more tutors.
    let closed = expect_status(
        app.post(
            &format!("/api/v1/applications/{a}/close"),
            Some(&app.staff_token),
            &json!({"outcome": "discontinued"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(closed["status"], "discontinued");
    conflict(
        app.post(
            &format!("/api/v1/applications/{a}/close"),
            Some(&app.staff_token),
            &json!({"outcome": "graduated"}),
        )
        .await,
    )
    .await;
    conflict(set_tutor(&app, &a, &tutor).await).await;

    let listed = expect_status(
        app.get(
            "/api/v1/applications?status=withdrawn",
            Some(&app.staff_token),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(listed["items"][0]["id"], b.as_str());
}

#[tokio::test(flavor = "multi_thread")]
async fn bodies_are_validated_and_roles_checked() {
    let app = spawn_app().await;
    let (_, token) = founder(&app, "luc@example.fr").await;
    let (_, student) = app.user_with_role("student", "zoe@etu.example.fr").await;

    let res = app
        .post(
            "/api/v1/applications",
            Some(&token),
            &json!({"title": " ", "domain": "astrology"}),
        )
        .await;
    let problem = expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .map(|e| e.iter().filter_map(|x| x["field"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        fields,
        ["title", "summary", "domain", "manufactured_product"]
    );
    let body =
        json!({"title": "T", "summary": "S", "domain": "digital", "manufactured_product": false});
    expect_problem(
        app.post("/api/v1/applications", Some(&app.staff_token), &body)
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    expect_problem(
        app.post("/api/v1/applications", Some(&student), &body)
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    expect_problem(
        app.post("/api/v1/applications", None, &body).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
    let res = app
        .post_raw(
            "/api/v1/applications",
            Some(&token),
            "application/json",
            "{not json",
        )
        .await;
    expect_problem(res, StatusCode::BAD_REQUEST, "bad_request").await;

    let a = id(&apply(&app, &token, "Idée", "digital").await);
    for body in [
        json!({"decision": "maybe"}),
        json!({}),
        json!({"decision": "admit", "starts_on": "01/03/2027"}),
    ] {
        expect_problem(
            decide(&app, &a, body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
    }
    expect_problem(
        app.post(
            &format!("/api/v1/applications/{a}/decision"),
            Some(&token),
            &json!({"decision": "admit"}),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    expect_problem(
        decide(&app, UNKNOWN, json!({"decision": "admit"})).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    expect_problem(
        app.post(
            &format!("/api/v1/applications/{a}/withdraw"),
            Some(&app.staff_token),
            &json!({}),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    admit(&app, &a).await;
    expect_problem(
        app.post(
            &format!("/api/v1/applications/{a}/close"),
            Some(&app.staff_token),
            &json!({"outcome": "sold"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    expect_problem(
        set_tutor(&app, &a, "").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    // A user who is not a tutor cannot be one.
    let (founder_user, _) = app.user_with_role("founder", "other@example.fr").await;
    expect_problem(
        set_tutor(&app, &a, &id(&founder_user)).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    expect_problem(
        app.get(
            "/api/v1/applications?status=dreaming",
            Some(&app.staff_token),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    )
    .await;
    expect_problem(
        app.get("/api/v1/incubator", None).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn each_sees_only_their_own_applications() {
    let app = spawn_app().await;
    let (_, camille) = founder(&app, "camille@example.fr").await;
    let (_, mehdi) = founder(&app, "mehdi@example.fr").await;
    let (_, student) = app.user_with_role("student", "zoe@etu.example.fr").await;
    let anne = id(&create_tutor(&app, "anne@mines-ales.fr", &["building"], 3).await);
    let _paul = create_tutor(&app, "paul@mines-ales.fr", &["building"], 3).await;
    let anne_token = app
        .login("anne@mines-ales.fr", crate::helpers::PASSWORD)
        .await;
    let paul_token = app
        .login("paul@mines-ales.fr", crate::helpers::PASSWORD)
        .await;

    let mine = id(&apply(&app, &camille, "Béton", "building").await);
    let theirs = id(&apply(&app, &mehdi, "Granulats", "mineral_resources").await);
    admit(&app, &mine).await;
    expect_status(set_tutor(&app, &mine, &anne).await, StatusCode::OK).await;

    let list = |token: String| {
        let app = &app;
        async move {
            let body = expect_status(
                app.get("/api/v1/applications", Some(&token)).await,
                StatusCode::OK,
            )
            .await;
            body["items"]
                .as_array()
                .map(|a| a.iter().map(id).collect::<Vec<_>>())
                .unwrap_or_default()
        }
    };
    assert_eq!(list(camille.clone()).await, vec![mine.clone()]);
    assert_eq!(list(mehdi.clone()).await, vec![theirs.clone()]);
    assert_eq!(list(anne_token.clone()).await, vec![mine.clone()]);
    assert!(list(paul_token.clone()).await.is_empty());
    assert_eq!(list(app.staff_token.clone()).await.len(), 2);

    let get = |path: String, token: String| {
        let app = &app;
        async move { app.get(&path, Some(&token)).await }
    };
    let not_found = |res| expect_problem(res, StatusCode::NOT_FOUND, "not_found");
    not_found(get(format!("/api/v1/applications/{theirs}"), camille.clone()).await).await;
    not_found(get(format!("/api/v1/applications/{mine}"), paul_token.clone()).await).await;
    not_found(get(format!("/api/v1/applications/{theirs}"), anne_token.clone()).await).await;
    not_found(
        get(
            format!("/api/v1/applications/{UNKNOWN}"),
            app.staff_token.clone(),
        )
        .await,
    )
    .await;
    not_found(
        app.post(
            &format!("/api/v1/applications/{theirs}/withdraw"),
            Some(&camille),
            &json!({}),
        )
        .await,
    )
    .await;
    expect_status(
        get(format!("/api/v1/applications/{mine}"), camille.clone()).await,
        StatusCode::OK,
    )
    .await;
    expect_problem(
        get("/api/v1/applications".into(), student.clone()).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    expect_problem(
        get(
            format!("/api/v1/applications/{mine}/tutor-suggestions"),
            camille.clone(),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_full_incubator_refuses_admission_until_a_place_frees() {
    let app = spawn_app_with(|s| s.incubator.capacity = 1).await;
    let (_, token) = founder(&app, "camille@example.fr").await;
    let a = id(&apply(&app, &token, "A", "building").await);
    let b = id(&apply(&app, &token, "B", "building").await);
    admit(&app, &a).await;
    expect_problem(
        decide(&app, &b, json!({"decision": "admit"})).await,
        StatusCode::CONFLICT,
        "capacity_reached",
    )
    .await;
    let places = expect_status(
        app.get("/api/v1/incubator", Some(&token)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        places,
        json!({"capacity": 1, "incubating": 1, "available": 0})
    );
    // Rejecting needs no place; closing frees one.
    expect_status(
        app.post(
            &format!("/api/v1/applications/{a}/close"),
            Some(&app.staff_token),
            &json!({"outcome": "graduated"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    admit(&app, &b).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn staff_admitting_the_last_place_at_once_admit_exactly_one() {
    let app = spawn_app_with(|s| s.incubator.capacity = 2).await;
    let (_, token) = founder(&app, "camille@example.fr").await;
    let first = id(&apply(&app, &token, "Premier", "building").await);
    admit(&app, &first).await;
    let mut ids = Vec::new();
    for i in 0..10 {
        ids.push(id(
            &apply(&app, &token, &format!("Projet {i}"), "building").await
        ));
    }
    let answers = futures_util::future::join_all(
        ids.iter()
            .map(|a| decide(&app, a, json!({"decision": "admit"}))),
    )
    .await;
    let mut ok = 0;
    for res in answers {
        match res.status() {
            StatusCode::OK => ok += 1,
            _ => {
                expect_problem(res, StatusCode::CONFLICT, "capacity_reached").await;
            }
        }
    }
    assert_eq!(ok, 1);
    let places = expect_status(
        app.get("/api/v1/incubator", Some(&token)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        places,
        json!({"capacity": 2, "incubating": 2, "available": 0})
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_tutor_at_the_limit_is_overloaded_even_under_concurrent_assignments() {
    let app = spawn_app().await;
    let (_, token) = founder(&app, "camille@example.fr").await;
    let tutor = id(&create_tutor(&app, "anne@mines-ales.fr", &["building"], 1).await);
    let mut ids = Vec::new();
    for i in 0..8 {
        let a = id(&apply(&app, &token, &format!("Projet {i}"), "building").await);
        admit(&app, &a).await;
        ids.push(a);
    }
    let answers =
        futures_util::future::join_all(ids.iter().map(|a| set_tutor(&app, a, &tutor))).await;
    let mut ok = 0;
    for res in answers {
        match res.status() {
            StatusCode::OK => ok += 1,
            _ => {
                expect_problem(res, StatusCode::CONFLICT, "tutor_overloaded").await;
            }
        }
    }
    assert_eq!(ok, 1);
    let seen = expect_status(
        app.get(&format!("/api/v1/tutors/{tutor}"), Some(&app.staff_token))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(seen["load"]["projects"], 1);
    // One e-mail to the tutor, for the one project they follow.
    let assigned: Vec<String> = subjects(&app.mails_to("anne@mines-ales.fr").await)
        .into_iter()
        .filter(|s| s.starts_with("Nouveau projet"))
        .collect();
    assert_eq!(assigned.len(), 1, "{assigned:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_replaced_tutor_gets_a_handover_note_and_the_new_one_the_project() {
    let app = spawn_app().await;
    let (_, token) = founder(&app, "camille@example.fr").await;
    let anne = id(&create_tutor(&app, "anne@mines-ales.fr", &["building"], 1).await);
    let paul = id(&create_tutor(&app, "paul@mines-ales.fr", &["materials"], 1).await);
    let a = id(&apply(&app, &token, "Béton de chanvre", "building").await);
    admit(&app, &a).await;
    expect_status(set_tutor(&app, &a, &anne).await, StatusCode::OK).await;
    // The same tutor again changes nothing and sends nothing.
    expect_status(set_tutor(&app, &a, &anne).await, StatusCode::OK).await;
    let changed = expect_status(set_tutor(&app, &a, &paul).await, StatusCode::OK).await;
    assert_eq!(changed["tutor_id"], paul.as_str());

    let anne_mails = subjects(&app.mails_to("anne@mines-ales.fr").await);
    assert_eq!(
        anne_mails
            .iter()
            .filter(|s| s.starts_with("Nouveau projet"))
            .count(),
        1,
        "{anne_mails:?}"
    );
    assert!(
        anne_mails
            .iter()
            .any(|s| s == "Passation du projet « Béton de chanvre »"),
        "{anne_mails:?}"
    );
    let paul_mails = subjects(&app.mails_to("paul@mines-ales.fr").await);
    assert!(
        paul_mails
            .iter()
            .any(|s| s == "Nouveau projet à suivre : « Béton de chanvre »"),
        "{paul_mails:?}"
    );
    // Anne has room again; Paul is full.
    let anne_view = expect_status(
        app.get(&format!("/api/v1/tutors/{anne}"), Some(&app.staff_token))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(anne_view["load"]["projects"], 0);
    let b = id(&apply(&app, &token, "Autre", "materials").await);
    admit(&app, &b).await;
    expect_problem(
        set_tutor(&app, &b, &paul).await,
        StatusCode::CONFLICT,
        "tutor_overloaded",
    )
    .await;
    // The anne-to-paul move is in the trail.
    let events = expect_status(
        app.get(
            &format!("/api/v1/applications/{a}/events"),
            Some(&app.staff_token),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let last = events["items"]
        .as_array()
        .and_then(|e| e.last())
        .cloned()
        .unwrap_or_default();
    assert_eq!(last["tutor_id"], paul.as_str());
    assert_eq!(last["previous_tutor_id"], anne.as_str());
}

#[tokio::test(flavor = "multi_thread")]
async fn suggestions_rank_domain_matches_first_then_the_lightest_load() {
    let app = spawn_app().await;
    let (_, token) = founder(&app, "camille@example.fr").await;
    let busy = id(&create_tutor(&app, "busy@mines-ales.fr", &["building"], 2).await);
    let free = id(&create_tutor(&app, "free@mines-ales.fr", &["building"], 2).await);
    let full = id(&create_tutor(&app, "full@mines-ales.fr", &["building"], 1).await);
    let other = id(&create_tutor(&app, "other@mines-ales.fr", &["digital"], 4).await);
    let _none = create_tutor(&app, "none@mines-ales.fr", &["building"], 0).await;
    for (title, tutor) in [("X", &busy), ("Y", &full)] {
        let a = id(&apply(&app, &token, title, "building").await);
        admit(&app, &a).await;
        expect_status(set_tutor(&app, &a, tutor).await, StatusCode::OK).await;
    }
    let target = id(&apply(&app, &token, "Z", "building").await);
    let body = expect_status(
        app.get(
            &format!("/api/v1/applications/{target}/tutor-suggestions"),
            Some(&app.staff_token),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let order: Vec<String> = body["items"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s["tutor_id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(order, [free.clone(), busy.clone(), other.clone()]);
    assert_eq!(body["items"][1]["load"], 1);
    assert_eq!(body["items"][2]["domain_match"], false);
    expect_problem(
        app.get(
            &format!("/api/v1/applications/{UNKNOWN}/tutor-suggestions"),
            Some(&app.staff_token),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

/// Every `$ref` in `value` (recursively).
fn refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v.as_str()) {
                    ("$ref", Some(r)) => out.push(r.to_owned()),
                    _ => refs(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_openapi_document_describes_tutors_and_the_incubator() {
    let app = spawn_app().await;
    let doc = expect_status(app.get("/api/v1/openapi.json", None).await, StatusCode::OK).await;
    let paths = doc["paths"].as_object().cloned().unwrap_or_default();
    let has = |path: &str, method: &str| {
        paths.iter().any(|(p, item)| {
            let shape = |s: &str| {
                s.split('/')
                    .map(|seg| if seg.starts_with('{') { "{}" } else { seg })
                    .collect::<Vec<_>>()
                    .join("/")
            };
            shape(p) == shape(path) && item.get(method).is_some()
        })
    };
    for (path, method) in [
        ("/api/v1/tutors", "post"),
        ("/api/v1/tutors", "get"),
        ("/api/v1/tutors/{id}", "get"),
        ("/api/v1/tutors/{id}", "patch"),
        ("/api/v1/incubator", "get"),
        ("/api/v1/applications", "post"),
        ("/api/v1/applications", "get"),
        ("/api/v1/applications/{id}", "get"),
        ("/api/v1/applications/{id}/decision", "post"),
        ("/api/v1/applications/{id}/withdraw", "post"),
        ("/api/v1/applications/{id}/close", "post"),
        ("/api/v1/applications/{id}/tutor", "put"),
        ("/api/v1/applications/{id}/tutor-suggestions", "get"),
        ("/api/v1/applications/{id}/events", "get"),
    ] {
        assert!(has(path, method), "{method} {path} missing");
    }
    let mut all = Vec::new();
    refs(&doc, &mut all);
    for r in all {
        let name = r.trim_start_matches("#/components/schemas/");
        assert!(
            doc["components"]["schemas"][name].is_object(),
            "{r} is not defined"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_application_names_its_tutor_in_one_and_in_lists() {
    let app = spawn_app().await;
    let (_, token) = founder(&app, "camille@example.fr").await;
    let tutor = create_tutor(&app, "helene@mines-ales.fr", &["building"], 2).await;
    let created = apply(&app, &token, "Béton de chanvre", "building").await;
    assert_eq!(created["tutor"], Value::Null);
    let application = id(&created);
    let admitted = admit(&app, &application).await;
    assert_eq!(admitted["tutor"], Value::Null);

    let assigned = expect_status(
        set_tutor(&app, &application, &id(&tutor)).await,
        StatusCode::OK,
    )
    .await;
    let expected =
        json!({"id": tutor["id"], "name": tutor["name"], "email": "helene@mines-ales.fr"});
    assert_eq!(assigned["tutor"], expected);
    assert_eq!(assigned["tutor_id"], tutor["id"]);

    let one = expect_status(
        app.get(&format!("/api/v1/applications/{application}"), Some(&token))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(one["tutor"], expected);
    // A second application, without a tutor, in the same list.
    apply(&app, &token, "Capteurs de fissures", "civil_engineering").await;
    for who in [token.as_str(), app.staff_token.as_str()] {
        let list = expect_status(
            app.get("/api/v1/applications", Some(who)).await,
            StatusCode::OK,
        )
        .await;
        let items = list["items"].as_array().expect("items");
        assert_eq!(items.len(), 2);
        assert_eq!(items[0]["tutor"], expected);
        assert_eq!(items[1]["tutor"], Value::Null);
    }
    // The tutor sees the project they follow, with themselves named.
    let tutor_token = app
        .login("helene@mines-ales.fr", crate::helpers::PASSWORD)
        .await;
    let followed = expect_status(
        app.get("/api/v1/applications", Some(&tutor_token)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(followed["items"][0]["tutor"], expected);
    // Closing keeps the tutor named.
    let closed = expect_status(
        app.post(
            &format!("/api/v1/applications/{application}/close"),
            Some(&app.staff_token),
            &json!({"outcome": "graduated"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(closed["tutor"], expected);
}

#[tokio::test(flavor = "multi_thread")]
async fn founders_get_a_receipt_and_staff_a_notice_of_each_new_application() {
    let app = spawn_app().await;
    let (other_staff, _) = app.user_with_role("staff", "accueil@mines-ales.fr").await;
    let (_, token) = founder(&app, "camille@example.fr").await;
    apply(&app, &token, "Béton de chanvre", "building").await;

    let receipts: Vec<String> = subjects(&app.mails_to("camille@example.fr").await)
        .into_iter()
        .filter(|s| s.contains("Candidature"))
        .collect();
    assert_eq!(
        receipts,
        ["Candidature reçue : « Béton de chanvre »"],
        "{receipts:?}"
    );
    let text = eml_containing(&app, "Candidature reçue").await;
    assert!(
        text.contains("Béton de chanvre") && text.contains("bâtiment"),
        "{text}"
    );
    for staff in [crate::helpers::STAFF_EMAIL, "accueil@mines-ales.fr"] {
        let notices: Vec<String> = subjects(&app.mails_to(staff).await)
            .into_iter()
            .filter(|s| s.contains("candidature"))
            .collect();
        assert_eq!(
            notices,
            ["Nouvelle candidature à l'incubateur : « Béton de chanvre »"],
            "{staff}: {notices:?}"
        );
    }
    let text = eml_containing(&app, "Nouvelle candidature").await;
    assert!(
        text.contains("Test founder") && text.contains("Résumé de Béton de chanvre"),
        "{text}"
    );
    assert_eq!(other_staff["role"], "staff");
}

#[tokio::test(flavor = "multi_thread")]
async fn staff_notices_can_be_turned_off() {
    let app = spawn_app_with(|s| s.mail.staff_notices = false).await;
    let (_, token) = founder(&app, "camille@example.fr").await;
    apply(&app, &token, "Béton de chanvre", "building").await;
    let founder_mails = subjects(&app.mails_to("camille@example.fr").await);
    assert!(
        founder_mails
            .iter()
            .any(|s| s.starts_with("Candidature reçue")),
        "{founder_mails:?}"
    );
    assert!(app.mails_to(crate::helpers::STAFF_EMAIL).await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn the_founder_is_told_who_their_tutor_is() {
    let app = spawn_app().await;
    let (_, token) = founder(&app, "camille@example.fr").await;
    let anne = create_tutor(&app, "anne@mines-ales.fr", &["building"], 1).await;
    let paul = create_tutor(&app, "paul@mines-ales.fr", &["materials"], 1).await;
    let a = id(&apply(&app, &token, "Béton de chanvre", "building").await);
    admit(&app, &a).await;
    expect_status(set_tutor(&app, &a, &id(&anne)).await, StatusCode::OK).await;
    let text = eml_containing(&app, "Votre tuteur ou tutrice").await;
    assert!(
        text.contains("Tuteur anne@mines-ales.fr") && text.contains("<anne@mines-ales.fr>"),
        "{text}"
    );
    expect_status(set_tutor(&app, &a, &id(&paul)).await, StatusCode::OK).await;
    let mails = subjects(&app.mails_to("camille@example.fr").await);
    let about_tutors: Vec<&String> = mails
        .iter()
        .filter(|s| s.starts_with("Votre tuteur ou tutrice"))
        .collect();
    assert_eq!(about_tutors.len(), 2, "{mails:?}");
    assert!(
        about_tutors.iter().any(|s| s.as_str()
            == "Votre tuteur ou tutrice pour « Béton de chanvre » : Tuteur paul@mines-ales.fr"),
        "{mails:?}"
    );
}
