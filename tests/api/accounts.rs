//! The Accounts rows of the contract.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{
    expect_problem, expect_status, spawn_app, spawn_app_with, PASSWORD, STAFF_EMAIL,
};

#[tokio::test(flavor = "multi_thread")]
async fn a_founder_registers_signs_in_and_reads_me() {
    let app = spawn_app().await;
    let res = app
        .post(
            "/api/v1/auth/register",
            None,
            &json!({"email": "  Claire.Dupont@Example.FR ", "password": PASSWORD, "name": "Claire Dupont", "role": "founder"}),
        )
        .await;
    let user = expect_status(res, StatusCode::CREATED).await;
    assert_eq!(user["email"], "claire.dupont@example.fr");
    assert_eq!(user["name"], "Claire Dupont");
    assert_eq!(user["role"], "founder");
    assert!(uuid::Uuid::parse_str(user["id"].as_str().unwrap_or("")).is_ok());
    assert_eq!(
        user.as_object().map(|o| o.len()),
        Some(4),
        "exactly id, email, name, role"
    );

    let res = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({"email": "CLAIRE.DUPONT@example.fr", "password": PASSWORD}),
        )
        .await;
    let login = expect_status(res, StatusCode::OK).await;
    let token = login["token"].as_str().expect("token");
    assert_eq!(login["user"], user);
    let expires = login["expires_at"].as_str().expect("expires_at");
    assert!(expires.ends_with('Z'), "UTC instant: {expires}");
    assert!(chrono::DateTime::parse_from_rfc3339(expires).is_ok());

    let me = expect_status(app.get("/api/v1/me", Some(token)).await, StatusCode::OK).await;
    assert_eq!(me, user);
}

#[tokio::test(flavor = "multi_thread")]
async fn registration_is_validated_field_by_field() {
    let app = spawn_app().await;
    let res = app
        .post(
            "/api/v1/auth/register",
            None,
            &json!({"email": "x@y.fr", "password": "short", "name": "X", "role": "founder"}),
        )
        .await;
    let body = expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(body["errors"][0]["field"], "password");

    let res = app
        .post(
            "/api/v1/auth/register",
            None,
            &json!({"email": "x@y.fr", "password": PASSWORD, "name": "X", "role": "staff"}),
        )
        .await;
    let body = expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(body["errors"][0]["field"], "role");

    let res = app.post("/api/v1/auth/register", None, &json!({})).await;
    let body = expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .map(|a| a.iter().filter_map(|e| e["field"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(fields, ["email", "name", "role", "password"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_taken_email_is_409_whatever_its_case() {
    let app = spawn_app().await;
    let body = json!({"email": "acme@example.fr", "password": PASSWORD, "name": "ACME", "role": "company"});
    expect_status(
        app.post("/api/v1/auth/register", None, &body).await,
        StatusCode::CREATED,
    )
    .await;
    let again = json!({"email": " ACME@example.fr", "password": PASSWORD, "name": "ACME 2", "role": "founder"});
    expect_problem(
        app.post("/api/v1/auth/register", None, &again).await,
        StatusCode::CONFLICT,
        "email_taken",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn parallel_registrations_of_one_email_create_one_account() {
    let app = spawn_app().await;
    let body = json!({"email": "race@example.fr", "password": PASSWORD, "name": "Race", "role": "founder"});
    let attempts = (0..8).map(|_| app.post("/api/v1/auth/register", None, &body));
    let statuses: Vec<StatusCode> = futures_util::future::join_all(attempts)
        .await
        .into_iter()
        .map(|r| r.status())
        .collect();
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::CREATED)
            .count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::CONFLICT)
            .count(),
        7,
        "{statuses:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_email_and_wrong_password_get_the_same_answer() {
    let app = spawn_app().await;
    let wrong_password = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({"email": STAFF_EMAIL, "password": "not-the-password"}),
        )
        .await;
    let a = expect_problem(
        wrong_password,
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
    )
    .await;
    let unknown = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({"email": "nobody@example.fr", "password": PASSWORD}),
        )
        .await;
    let b = expect_problem(unknown, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
    assert_eq!(a, b);
}

#[tokio::test(flavor = "multi_thread")]
async fn missing_or_bad_tokens_are_401() {
    let app = spawn_app().await;
    expect_problem(
        app.get("/api/v1/me", None).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
    expect_problem(
        app.get("/api/v1/me", Some("not-a-token")).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
    let res = app
        .client
        .get(app.url("/api/v1/me"))
        .header("Authorization", format!("Basic {}", app.staff_token))
        .send()
        .await
        .expect("sent");
    expect_problem(res, StatusCode::UNAUTHORIZED, "unauthenticated").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn logout_revokes_only_that_token() {
    let app = spawn_app().await;
    let other = app.login(STAFF_EMAIL, PASSWORD).await;
    let res = app
        .post("/api/v1/auth/logout", Some(&app.staff_token), &json!({}))
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    expect_problem(
        app.get("/api/v1/me", Some(&app.staff_token)).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
    expect_status(app.get("/api/v1/me", Some(&other)).await, StatusCode::OK).await;
    expect_problem(
        app.post("/api/v1/auth/logout", None, &json!({})).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn tokens_expire() {
    // A lifetime of zero hours: every token is already expired when it is handed out.
    let app = spawn_app_with(|s| s.auth.token_hours = 1).await;
    expect_status(
        app.get("/api/v1/me", Some(&app.staff_token)).await,
        StatusCode::OK,
    )
    .await;
    let expired = spawn_app_with(|s| s.auth.token_hours = 0).await;
    expect_problem(
        expired.get("/api/v1/me", Some(&expired.staff_token)).await,
        StatusCode::UNAUTHORIZED,
        "unauthenticated",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn staff_create_accounts_of_any_role_and_others_cannot() {
    let app = spawn_app().await;
    for role in ["staff", "tutor", "founder", "student", "company"] {
        let (user, token) = app
            .user_with_role(role, &format!("{role}@imt-mines-ales.fr"))
            .await;
        assert_eq!(user["role"], role);
        let me = expect_status(app.get("/api/v1/me", Some(&token)).await, StatusCode::OK).await;
        assert_eq!(me["role"], role);
        if role != "staff" {
            let res = app
                .post(
                    "/api/v1/users",
                    Some(&token),
                    &json!({"email": "z@z.fr", "name": "Z", "role": "student"}),
                )
                .await;
            expect_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
            expect_problem(
                app.get("/api/v1/users", Some(&token)).await,
                StatusCode::FORBIDDEN,
                "forbidden",
            )
            .await;
            let res = app
                .post_raw(
                    "/api/v1/users/import",
                    Some(&token),
                    "text/csv",
                    "email,name,role\n",
                )
                .await;
            expect_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
        }
    }
    let res = app
        .post(
            "/api/v1/users",
            None,
            &json!({"email": "z@z.fr", "name": "Z", "role": "student"}),
        )
        .await;
    expect_problem(res, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    let res = app
        .post(
            "/api/v1/users",
            Some(&app.staff_token),
            &json!({"email": STAFF_EMAIL, "name": "Z", "role": "student"}),
        )
        .await;
    expect_problem(res, StatusCode::CONFLICT, "email_taken").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_account_created_without_password_cannot_sign_in_yet() {
    let app = spawn_app().await;
    let res = app
        .post(
            "/api/v1/users",
            Some(&app.staff_token),
            &json!({"email": "nopw@ales.fr", "name": "No Password", "role": "student"}),
        )
        .await;
    expect_status(res, StatusCode::CREATED).await;
    let res = app
        .post(
            "/api/v1/auth/login",
            None,
            &json!({"email": "nopw@ales.fr", "password": ""}),
        )
        .await;
    expect_problem(res, StatusCode::UNAUTHORIZED, "invalid_credentials").await;
}

async fn list_emails(app: &crate::helpers::TestApp, query: &str) -> (Vec<String>, Value) {
    let res = app
        .get(&format!("/api/v1/users{query}"), Some(&app.staff_token))
        .await;
    let body = expect_status(res, StatusCode::OK).await;
    let emails = body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|u| u["email"].as_str().unwrap_or_default().to_owned())
        .collect();
    (emails, body["next_cursor"].clone())
}

#[tokio::test(flavor = "multi_thread")]
async fn users_are_listed_by_role_and_paged() {
    let app = spawn_app().await;
    for i in 0..5 {
        app.post(
            "/api/v1/users",
            Some(&app.staff_token),
            &json!({"email": format!("student{i}@etu.fr"), "name": format!("Student {i}"), "role": "student"}),
        )
        .await;
    }
    app.post(
        "/api/v1/users",
        Some(&app.staff_token),
        &json!({"email": "tutor@ales.fr", "name": "T", "role": "tutor"}),
    )
    .await;

    let (all, cursor) = list_emails(&app, "").await;
    assert_eq!(all.len(), 7);
    assert!(cursor.is_null());

    let mut seen = Vec::new();
    let (page, mut cursor) = list_emails(&app, "?role=student&limit=2").await;
    seen.extend(page);
    while let Some(c) = cursor.as_str().map(str::to_owned) {
        let (page, next) = list_emails(&app, &format!("?role=student&limit=2&cursor={c}")).await;
        assert!(page.len() <= 2);
        seen.extend(page);
        cursor = next;
    }
    assert_eq!(
        seen,
        (0..5)
            .map(|i| format!("student{i}@etu.fr"))
            .collect::<Vec<_>>()
    );

    expect_problem(
        app.get("/api/v1/users?role=wizard", Some(&app.staff_token))
            .await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    )
    .await;
    expect_problem(
        app.get("/api/v1/users?limit=0", Some(&app.staff_token))
            .await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    )
    .await;
    expect_problem(
        app.get("/api/v1/users?cursor=%%%", Some(&app.staff_token))
            .await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    )
    .await;
    let (capped, _) = list_emails(&app, "?limit=1000").await;
    assert_eq!(capped.len(), 7);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_csv_of_two_thousand_lines_imports_in_one_request_with_bad_lines_reported() {
    let app = spawn_app().await;
    let mut csv = String::from("email,name,role\n");
    for i in 0..2000 {
        match i {
            10 => csv.push_str("not-an-email,Broken,student\n"),
            20 => csv.push_str("x20@etu.fr,Wrong Role,wizard\n"),
            _ => csv.push_str(&format!(
                "student{i}@etu.imt-mines-ales.fr,Étudiant {i},student\n"
            )),
        }
    }
    let res = app
        .post_raw(
            "/api/v1/users/import",
            Some(&app.staff_token),
            "text/csv",
            csv.clone(),
        )
        .await;
    let report = expect_status(res, StatusCode::OK).await;
    assert_eq!(report["created"], 1998);
    assert_eq!(report["skipped"], 0);
    let lines: Vec<u64> = report["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["line"].as_u64())
        .collect();
    assert_eq!(lines, [12, 22], "the header is line 1: {report}");
    assert!(report["errors"][1]["message"]
        .as_str()
        .unwrap_or("")
        .contains("role"));

    let (students, _) = list_emails(&app, "?role=student&limit=200").await;
    assert_eq!(students.len(), 200);

    // Importing the same file again creates nothing and reports the existing accounts as skipped.
    let res = app
        .post_raw(
            "/api/v1/users/import",
            Some(&app.staff_token),
            "text/csv",
            csv,
        )
        .await;
    let again = expect_status(res, StatusCode::OK).await;
    assert_eq!(again["created"], 0);
    assert_eq!(again["skipped"], 1998);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_import_needs_a_csv_with_the_right_header() {
    let app = spawn_app().await;
    let res = app
        .post_raw(
            "/api/v1/users/import",
            Some(&app.staff_token),
            "application/json",
            "{}",
        )
        .await;
    expect_problem(res, StatusCode::BAD_REQUEST, "bad_request").await;
    let res = app
        .post_raw(
            "/api/v1/users/import",
            Some(&app.staff_token),
            "text/csv",
            "mail,nom\nx@y.fr,X\n",
        )
        .await;
    expect_problem(res, StatusCode::BAD_REQUEST, "bad_request").await;
}
