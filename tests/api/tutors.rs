//! The Tutors rows of the contract: profiles on tutor accounts, load, who sees what.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{expect_problem, expect_status, spawn_app, TestApp};

/// A tutor created by staff; returns the tutor as answered.
pub async fn create_tutor(
    app: &TestApp,
    email: &str,
    domains: &[&str],
    max_projects: i64,
) -> Value {
    let res = app
        .post(
            "/api/v1/tutors",
            Some(&app.staff_token),
            &json!({"email": email, "name": format!("Tuteur {email}"), "password": crate::helpers::PASSWORD,
                    "domains": domains, "max_projects": max_projects, "max_missions": 2}),
        )
        .await;
    expect_status(res, StatusCode::CREATED).await
}

/// A tutor's `load` (`{projects, missions}`), as staff see it.
pub async fn load_of(app: &TestApp, tutor_id: &str) -> Value {
    let res = app
        .get(
            &format!("/api/v1/tutors/{tutor_id}"),
            Some(&app.staff_token),
        )
        .await;
    expect_status(res, StatusCode::OK).await["load"].clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn staff_create_a_tutor_account_and_profile_at_once() {
    let app = spawn_app().await;
    let res = app
        .post(
            "/api/v1/tutors",
            Some(&app.staff_token),
            &json!({"email": " Helene.Fabre@Mines-Ales.fr", "name": "Hélène Fabre",
                    "domains": ["materials", "civil_engineering"], "max_projects": 3, "max_missions": 4}),
        )
        .await;
    let tutor = expect_status(res, StatusCode::CREATED).await;
    assert!(uuid::Uuid::parse_str(tutor["id"].as_str().unwrap_or("")).is_ok());
    assert_eq!(tutor["email"], "helene.fabre@mines-ales.fr");
    assert_eq!(tutor["name"], "Hélène Fabre");
    assert_eq!(tutor["domains"], json!(["materials", "civil_engineering"]));
    assert_eq!(tutor["max_projects"], 3);
    assert_eq!(tutor["max_missions"], 4);
    assert_eq!(tutor["load"], json!({"projects": 0, "missions": 0}));

    // The tutor's id is the user's id, with role tutor.
    let users = expect_status(
        app.get("/api/v1/users?role=tutor", Some(&app.staff_token))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(users["items"][0]["id"], tutor["id"]);

    // No password given: the welcome e-mail lets them choose one.
    let mails = expect_status(
        app.get(
            "/api/v1/notifications?to=helene.fabre@mines-ales.fr",
            Some(&app.staff_token),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(mails["items"].as_array().map(Vec::len), Some(1));
    assert!(mails["items"][0]["subject"]
        .as_str()
        .is_some_and(|s| s.contains("Bienvenue")));

    let id = tutor["id"].as_str().unwrap_or_default();
    let one = expect_status(
        app.get(&format!("/api/v1/tutors/{id}"), Some(&app.staff_token))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(one, tutor);
}

#[tokio::test(flavor = "multi_thread")]
async fn tutor_bodies_are_validated_field_by_field() {
    let app = spawn_app().await;
    let res = app
        .post(
            "/api/v1/tutors",
            Some(&app.staff_token),
            &json!({"email": "nope", "name": "", "domains": ["astrology"], "max_projects": -1}),
        )
        .await;
    let problem = expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .map(|e| e.iter().filter_map(|x| x["field"].as_str()).collect())
        .unwrap_or_default();
    for field in ["email", "name", "domains", "max_projects", "max_missions"] {
        assert!(fields.contains(&field), "{field} missing from {problem}");
    }

    create_tutor(&app, "paul@mines-ales.fr", &["digital"], 2).await;
    let res = app
        .post(
            "/api/v1/tutors",
            Some(&app.staff_token),
            &json!({"email": "PAUL@mines-ales.fr", "name": "Paul", "domains": ["digital"],
                    "max_projects": 1, "max_missions": 1}),
        )
        .await;
    expect_problem(res, StatusCode::CONFLICT, "email_taken").await;
    // Nothing half-created: still one tutor.
    let list = expect_status(
        app.get("/api/v1/tutors", Some(&app.staff_token)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(list["items"].as_array().map(Vec::len), Some(1));
}

#[tokio::test(flavor = "multi_thread")]
async fn only_staff_manage_tutors_and_a_tutor_sees_only_self() {
    let app = spawn_app().await;
    let anne = create_tutor(&app, "anne@mines-ales.fr", &["environment"], 2).await;
    let paul = create_tutor(&app, "paul@mines-ales.fr", &["digital"], 2).await;
    let anne_token = app
        .login("anne@mines-ales.fr", crate::helpers::PASSWORD)
        .await;
    let (_, founder) = app.user_with_role("founder", "luc@example.fr").await;
    let body = json!({"email": "x@y.fr", "name": "X", "domains": ["digital"], "max_projects": 1, "max_missions": 1});

    expect_problem(
        app.post("/api/v1/tutors", Some(&founder), &body).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    expect_problem(
        app.post("/api/v1/tutors", Some(&anne_token), &body).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    expect_problem(
        app.post("/api/v1/tutors", None, &body).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
    expect_problem(
        app.get("/api/v1/tutors", Some(&founder)).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;

    let own = expect_status(
        app.get("/api/v1/tutors", Some(&anne_token)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(own["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(own["items"][0]["id"], anne["id"]);
    let all = expect_status(
        app.get("/api/v1/tutors", Some(&app.staff_token)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(all["items"].as_array().map(Vec::len), Some(2));
    let digital = expect_status(
        app.get("/api/v1/tutors?domain=digital", Some(&app.staff_token))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(digital["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(digital["items"][0]["id"], paul["id"]);

    let anne_id = anne["id"].as_str().unwrap_or_default();
    let paul_id = paul["id"].as_str().unwrap_or_default();
    expect_status(
        app.get(&format!("/api/v1/tutors/{anne_id}"), Some(&anne_token))
            .await,
        StatusCode::OK,
    )
    .await;
    expect_problem(
        app.get(&format!("/api/v1/tutors/{paul_id}"), Some(&anne_token))
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    expect_problem(
        app.get(
            "/api/v1/tutors/0190a5c4-0000-7000-8000-000000000000",
            Some(&app.staff_token),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    expect_problem(
        app.patch(
            &format!("/api/v1/tutors/{anne_id}"),
            Some(&anne_token),
            &json!({"max_projects": 9}),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn staff_patch_domains_and_limits() {
    let app = spawn_app().await;
    let anne = create_tutor(&app, "anne@mines-ales.fr", &["environment"], 2).await;
    let id = anne["id"].as_str().unwrap_or_default();
    let res = app
        .patch(
            &format!("/api/v1/tutors/{id}"),
            Some(&app.staff_token),
            &json!({"max_projects": 5}),
        )
        .await;
    let changed = expect_status(res, StatusCode::OK).await;
    assert_eq!(changed["max_projects"], 5);
    assert_eq!(changed["max_missions"], 2);
    assert_eq!(changed["domains"], json!(["environment"]));
    let res = app
        .patch(
            &format!("/api/v1/tutors/{id}"),
            Some(&app.staff_token),
            &json!({"domains": ["agrifood", "land_planning"], "max_missions": 0}),
        )
        .await;
    let changed = expect_status(res, StatusCode::OK).await;
    assert_eq!(changed["domains"], json!(["agrifood", "land_planning"]));
    assert_eq!(changed["max_missions"], 0);
    assert_eq!(changed["max_projects"], 5);

    let res = app
        .patch(
            &format!("/api/v1/tutors/{id}"),
            Some(&app.staff_token),
            &json!({"max_missions": -2, "domains": ["x"]}),
        )
        .await;
    let problem = expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(problem["errors"].as_array().map(Vec::len), Some(2));
    let res = app
        .patch(
            "/api/v1/tutors/0190a5c4-0000-7000-8000-000000000000",
            Some(&app.staff_token),
            &json!({"max_projects": 1}),
        )
        .await;
    expect_problem(res, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_seeds_tutors_and_applications_once() {
    let app = spawn_app().await;
    let pool = fieldlab::startup::open_database(&app.settings).expect("database");
    let mut conn = pool.get().expect("connection");
    fieldlab::demo::seed_demo(&mut conn, &app.settings, None).expect("seeded");
    fieldlab::demo::seed_demo(&mut conn, &app.settings, None)
        .expect("seeded again, changing nothing");
    let tutors = expect_status(
        app.get("/api/v1/tutors?limit=200", Some(&app.staff_token))
            .await,
        StatusCode::OK,
    )
    .await;
    let items = tutors["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(items.len(), 20);
    assert!(items.iter().any(|t| t["load"]["projects"] == 1));
    let applications = expect_status(
        app.get("/api/v1/applications?limit=200", Some(&app.staff_token))
            .await,
        StatusCode::OK,
    )
    .await;
    let statuses: Vec<&str> = applications["items"]
        .as_array()
        .map(|a| a.iter().filter_map(|x| x["status"].as_str()).collect())
        .unwrap_or_default();
    for status in [
        "submitted",
        "incubating",
        "rejected",
        "withdrawn",
        "graduated",
        "discontinued",
    ] {
        assert!(
            statuses.contains(&status),
            "{status} missing from {statuses:?}"
        );
    }
    let places = expect_status(
        app.get("/api/v1/incubator", Some(&app.staff_token)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(places["incubating"], 2);
    // Last autumn's agreements are in every state, and some marks are given.
    let agreements = expect_status(
        app.get("/api/v1/agreements?limit=200", Some(&app.staff_token))
            .await,
        StatusCode::OK,
    )
    .await;
    let agreements = agreements["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(agreements.len(), 12);
    for status in ["draft", "sent", "signed", "cancelled"] {
        assert!(
            agreements.iter().any(|a| a["status"] == status),
            "no {status} agreement"
        );
    }
    let signed = agreements
        .iter()
        .find(|a| a["status"] == "signed")
        .expect("a signed agreement");
    let res = app
        .get(
            &format!(
                "/api/v1/agreements/{}.pdf",
                signed["id"].as_str().expect("id")
            ),
            Some(&app.staff_token),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let mission = signed["mission_id"].as_str().expect("mission");
    let marks = expect_status(
        app.get(
            &format!("/api/v1/missions/{mission}/evaluations"),
            Some(&app.staff_token),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert!(
        !marks["items"].as_array().expect("items").is_empty(),
        "{marks}"
    );
    // Demo accounts can sign in.
    app.login(
        "helene.fabre@demo.mines-ales.fr",
        fieldlab::demo::DEMO_PASSWORD,
    )
    .await;
}
