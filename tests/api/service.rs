//! Health, metrics, the OpenAPI document and the offline docs.

use reqwest::StatusCode;

use crate::helpers::{expect_status, spawn_app};

#[tokio::test(flavor = "multi_thread")]
async fn health_endpoints_answer() {
    let app = spawn_app().await;
    let live = expect_status(app.get("/health/live", None).await, StatusCode::OK).await;
    assert_eq!(live["status"], "ok");
    let ready = expect_status(app.get("/health/ready", None).await, StatusCode::OK).await;
    assert_eq!(ready["status"], "ok");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_openapi_document_describes_every_endpoint() {
    let app = spawn_app().await;
    let doc = expect_status(app.get("/api/v1/openapi.json", None).await, StatusCode::OK).await;
    assert!(doc["openapi"].as_str().unwrap_or("").starts_with("3."));
    let paths = doc["paths"].as_object().expect("paths");
    // Every route of the contract (API.md). Routes are registered only through the
    // utoipa-actix-web table that builds this document, so what the server answers is here.
    for (path, method) in [
        ("/health/live", "get"),
        ("/health/ready", "get"),
        ("/metrics", "get"),
        ("/api/v1/auth/register", "post"),
        ("/api/v1/auth/login", "post"),
        ("/api/v1/auth/logout", "post"),
        ("/api/v1/auth/set-password", "post"),
        ("/api/v1/auth/forgot-password", "post"),
        ("/api/v1/me", "get"),
        ("/api/v1/users", "post"),
        ("/api/v1/users", "get"),
        ("/api/v1/users/import", "post"),
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
        ("/api/v1/labs", "post"),
        ("/api/v1/labs", "get"),
        ("/api/v1/labs/{id}", "get"),
        ("/api/v1/labs/{id}/equipment", "post"),
        ("/api/v1/labs/{id}/equipment", "get"),
        ("/api/v1/labs/{id}/closures", "post"),
        ("/api/v1/equipment/{id}/authorizations", "post"),
        ("/api/v1/equipment/{id}/authorizations", "get"),
        ("/api/v1/equipment/{id}/availability", "get"),
        ("/api/v1/bookings", "post"),
        ("/api/v1/bookings", "get"),
        ("/api/v1/bookings/{id}/cancel", "post"),
        ("/api/v1/bookings/{id}/calendar.ics", "get"),
        ("/api/v1/campaigns", "post"),
        ("/api/v1/campaigns", "get"),
        ("/api/v1/campaigns/{id}", "get"),
        ("/api/v1/companies", "post"),
        ("/api/v1/companies", "get"),
        ("/api/v1/campaigns/{id}/problems", "post"),
        ("/api/v1/campaigns/{id}/problems", "get"),
        ("/api/v1/problems/{id}/review", "post"),
        ("/api/v1/campaigns/{id}/open-signup", "post"),
        ("/api/v1/campaigns/{id}/teams", "post"),
        ("/api/v1/campaigns/{id}/teams", "get"),
        ("/api/v1/teams/{id}", "get"),
        ("/api/v1/teams/{id}/preferences", "put"),
        ("/api/v1/teams/{id}/preferences", "get"),
        ("/api/v1/campaigns/{id}/constraints", "post"),
        ("/api/v1/campaigns/{id}/allocate", "post"),
        ("/api/v1/campaigns/{id}/allocation", "get"),
        ("/api/v1/campaigns/{id}/allocation.csv", "get"),
        ("/api/v1/campaigns/{id}/publish", "post"),
        ("/api/v1/campaigns/{id}/missions", "get"),
        ("/api/v1/missions/{id}/tutor", "put"),
        ("/api/v1/campaigns/{id}/assign-tutors", "post"),
        ("/api/v1/me/teams", "get"),
        ("/api/v1/companies/{id}", "get"),
        ("/api/v1/problems/{id}", "patch"),
        ("/api/v1/campaigns/{id}/constraints", "get"),
        (
            "/api/v1/campaigns/{id}/constraints/{constraint_id}",
            "delete",
        ),
        ("/api/v1/notifications", "get"),
        ("/api/v1/notifications/{id}/retry", "post"),
    ] {
        assert!(
            paths.get(path).and_then(|p| p.get(method)).is_some(),
            "{method} {path} missing"
        );
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
}

#[tokio::test(flavor = "multi_thread")]
async fn the_docs_are_served_from_the_binary() {
    let app = spawn_app().await;
    let res = app.get("/docs", None).await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.expect("html");
    assert!(html.contains("swagger-ui"), "{html}");
    // Its script and style come from this server, not a CDN.
    assert!(!html.contains("cdn.") && !html.contains("unpkg"), "{html}");
    let js = app.get("/docs/swagger-ui-bundle.js", None).await;
    assert_eq!(js.status(), StatusCode::OK);
    let config = app.get("/docs/swagger-initializer.js", None).await;
    let config = config.text().await.expect("js");
    assert!(config.contains("/api/v1/openapi.json"), "{config}");
}

#[tokio::test(flavor = "multi_thread")]
async fn metrics_count_requests_by_route_and_show_the_pool() {
    let app = spawn_app().await;
    app.get("/api/v1/me", Some(&app.staff_token)).await;
    let res = app.get("/metrics", None).await;
    assert_eq!(res.status(), StatusCode::OK);
    let text = res.text().await.expect("text");
    assert!(text.contains("fieldlab_http_requests_total"), "{text}");
    assert!(text.contains("endpoint=\"/api/v1/me\""), "{text}");
    assert!(
        text.contains("fieldlab_http_requests_duration_seconds"),
        "{text}"
    );
    assert!(text.contains("fieldlab_db_pool_connections"), "{text}");
    assert!(
        text.contains("fieldlab_notifications{status=\"pending\"}"),
        "{text}"
    );
    assert!(
        text.contains("fieldlab_notifications_oldest_pending_seconds"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_document_lists_its_own_docs_and_401_on_every_secured_operation() {
    let app = spawn_app().await;
    let doc = expect_status(app.get("/api/v1/openapi.json", None).await, StatusCode::OK).await;
    let paths = doc["paths"].as_object().expect("paths");
    assert!(paths["/api/v1/openapi.json"]["get"].is_object());
    assert!(paths["/docs"]["get"].is_object());
    let mut secured = 0;
    for (path, item) in paths {
        for (method, operation) in item.as_object().expect("path item") {
            if operation["security"]
                .as_array()
                .is_some_and(|s| !s.is_empty())
            {
                secured += 1;
                assert!(
                    operation["responses"]["401"].is_object(),
                    "{method} {path} does not document 401"
                );
            }
        }
    }
    assert!(secured > 50, "only {secured} secured operations");
    // Example bodies are not blank: no `default: ""` hides a field's example.
    let schemas = doc["components"]["schemas"].as_object().expect("schemas");
    for (name, schema) in schemas {
        for (field, property) in schema["properties"].as_object().into_iter().flatten() {
            assert_ne!(property["default"], "", "{name}.{field} defaults to \"\"");
        }
    }
    // Filters show their own states, and what a handler requires the document requires.
    let applications = &paths["/api/v1/applications"]["get"]["parameters"];
    let status = applications
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["name"] == "status"))
        .expect("a status filter");
    let status_ref = status["schema"].to_string();
    assert!(status_ref.contains("ApplicationStatus"), "{status_ref}");
    let states = schemas["ApplicationStatus"]["enum"].to_string();
    assert!(
        states.contains("incubating") && !states.contains("failed"),
        "{states}"
    );
    let availability = &paths["/api/v1/equipment/{id}/availability"]["get"]["parameters"];
    for name in ["from", "to"] {
        let param = availability
            .as_array()
            .and_then(|ps| ps.iter().find(|p| p["name"] == name))
            .expect("a date parameter");
        assert_eq!(param["required"], true, "{name}: {param}");
    }
    let login = &schemas["LoginBody"]["required"];
    assert!(login.as_array().is_some_and(|r| r.len() == 2), "{login}");
    let config = app.get("/docs/swagger-initializer.js", None).await;
    let config = config.text().await.expect("js");
    assert!(config.contains("validatorUrl"), "{config}");
}

async fn preflight(app: &crate::helpers::TestApp, origin: &str) -> reqwest::Response {
    app.client
        .request(reqwest::Method::OPTIONS, app.url("/api/v1/me"))
        .header("Origin", origin)
        .header("Access-Control-Request-Method", "GET")
        .header("Access-Control-Request-Headers", "authorization")
        .send()
        .await
        .expect("sent")
}

fn allowed_origin(res: &reqwest::Response) -> Option<String> {
    res.headers()
        .get("access-control-allow-origin")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

#[tokio::test(flavor = "multi_thread")]
async fn listed_origins_may_call_the_api_from_a_browser() {
    let app = crate::helpers::spawn_app_with(|s| {
        s.server.cors_origins = vec!["https://app.example.fr".into()];
    })
    .await;
    let res = preflight(&app, "https://app.example.fr").await;
    assert!(res.status().is_success(), "{}", res.status());
    assert_eq!(
        allowed_origin(&res).as_deref(),
        Some("https://app.example.fr")
    );
    let me = app
        .client
        .get(app.url("/api/v1/me"))
        .header("Origin", "https://app.example.fr")
        .bearer_auth(&app.staff_token)
        .send()
        .await
        .expect("sent");
    assert_eq!(me.status(), StatusCode::OK);
    assert_eq!(
        allowed_origin(&me).as_deref(),
        Some("https://app.example.fr")
    );
    let other = preflight(&app, "https://evil.example.com").await;
    assert_eq!(allowed_origin(&other), None);
}

#[tokio::test(flavor = "multi_thread")]
async fn without_listed_origins_no_other_site_may_call_the_api() {
    let app = spawn_app().await;
    let res = preflight(&app, "https://app.example.fr").await;
    assert_eq!(allowed_origin(&res), None);
    // A same-site request that carries an Origin header is served as before.
    let me = app
        .client
        .get(app.url("/api/v1/me"))
        .header("Origin", app.url(""))
        .bearer_auth(&app.staff_token)
        .send()
        .await
        .expect("sent");
    assert_eq!(me.status(), StatusCode::OK);
}
