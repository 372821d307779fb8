//! actix's own failures answer in the contract's problem format, never text/plain, never 5xx.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{expect_problem, spawn_app};

#[tokio::test(flavor = "multi_thread")]
async fn malformed_json_is_400() {
    let app = spawn_app().await;
    let res = app
        .post_raw(
            "/api/v1/auth/register",
            None,
            "application/json",
            "{\"email\": ",
        )
        .await;
    expect_problem(res, StatusCode::BAD_REQUEST, "bad_request").await;
    // A field of the wrong type is malformed too.
    let res = app
        .post(
            "/api/v1/auth/register",
            None,
            &json!({"email": 42, "password": [], "name": {}, "role": true}),
        )
        .await;
    expect_problem(res, StatusCode::BAD_REQUEST, "bad_request").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_content_type_is_400() {
    let app = spawn_app().await;
    let res = app
        .post_raw(
            "/api/v1/auth/login",
            None,
            "text/plain",
            "{\"email\":\"a@b.fr\",\"password\":\"x\"}",
        )
        .await;
    expect_problem(res, StatusCode::BAD_REQUEST, "bad_request").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_route_is_404_and_a_wrong_method_405() {
    let app = spawn_app().await;
    expect_problem(
        app.get("/api/v1/nothing-here", None).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    expect_problem(
        app.get("/nothing", None).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let res = app
        .client
        .delete(app.url("/api/v1/me"))
        .send()
        .await
        .expect("sent");
    assert!(res.status().is_client_error(), "{}", res.status());
    let content_type = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    assert_eq!(content_type, "application/problem+json");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_oversized_body_is_413() {
    let app = spawn_app().await;
    let huge = format!("{{\"email\": \"{}\"}}", "a".repeat(3 * 1024 * 1024));
    let res = app
        .post_raw("/api/v1/auth/login", None, "application/json", huge)
        .await;
    expect_problem(res, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
    let huge_csv = "x".repeat(3 * 1024 * 1024);
    let res = app
        .post_raw(
            "/api/v1/users/import",
            Some(&app.staff_token),
            "text/csv",
            huge_csv,
        )
        .await;
    expect_problem(res, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn every_error_carries_a_request_id() {
    let app = spawn_app().await;
    let res = app.get("/api/v1/me", None).await;
    assert!(res.headers().contains_key("x-request-id"));
}
