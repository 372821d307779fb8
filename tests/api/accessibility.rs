//! The main pages of every role in English (`?lang=en`), in the browser on both databases: each
//! is audited by `Browser::audit` (axe-core: no serious or critical violation), as every page
//! of the French journeys in `browser.rs` is. Demo-like data first, through the API: a
//! published mission with its tutor and its agreement sent, an incubator application, a lab.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::browser::{press, sign_in, sign_out};
use crate::helpers::{
    expect_status, id, published_missions, spawn_app, TestApp, PASSWORD, STAFF_EMAIL,
};
use crate::webdriver::{axe_installed, browser, Browser};

async fn staff_get(app: &TestApp, path: &str) -> Value {
    expect_status(app.get(path, Some(&app.staff_token)).await, StatusCode::OK).await
}

async fn staff_post(app: &TestApp, path: &str, body: Value) -> Value {
    let res = app.post(path, Some(&app.staff_token), &body).await;
    assert!(res.status().is_success(), "{path}: {}", res.status());
    res.json().await.unwrap_or(Value::Null)
}

/// Opens `path` in English: a page of the role (not the 404 page), in English, audited.
async fn visit(b: &Browser, app: &TestApp, path: &str) {
    let sep = if path.contains('?') { '&' } else { '?' };
    b.goto(&app.url(&format!("{path}{sep}lang=en"))).await;
    assert_eq!(
        b.attribute("html", "lang").await.as_deref(),
        Some("en"),
        "{path} in English"
    );
    assert_ne!(b.text("h1").await, "Page not found", "{path} is a page");
}

#[tokio::test(flavor = "multi_thread")]
async fn every_roles_main_pages_pass_the_accessibility_audit_in_english() {
    let Some(b) = browser().await else { return };
    let app = spawn_app().await;
    let (mission, _) = published_missions(&app, 1)
        .await
        .into_iter()
        .next()
        .expect("a mission");
    let campaign = id(&staff_get(&app, "/api/v1/campaigns").await["items"][0]);
    let missions = staff_get(&app, &format!("/api/v1/campaigns/{campaign}/missions")).await;
    let team = missions["items"][0]["team_id"]
        .as_str()
        .expect("a team")
        .to_owned();
    staff_post(
        &app,
        "/api/v1/tutors",
        json!({"email": "anne.roux@mines-ales.fr", "name": "Anne Roux", "password": PASSWORD,
                "domains": ["materials"], "max_projects": 2, "max_missions": 3}),
    )
    .await;
    staff_post(
        &app,
        &format!("/api/v1/campaigns/{campaign}/assign-tutors"),
        json!({}),
    )
    .await;
    staff_post(
        &app,
        &format!("/api/v1/campaigns/{campaign}/agreements/send"),
        json!({}),
    )
    .await;
    let agreement = id(&staff_get(&app, "/api/v1/agreements").await["items"][0]);
    let equipment = press(&app).await;
    let labs = staff_get(&app, "/api/v1/labs").await;
    let lab = id(labs.get("items").unwrap_or(&labs).get(0).expect("a lab"));
    let (_, founder) = app.user_with_role("founder", "ines@beton-vert.fr").await;
    let res = app
        .post(
            "/api/v1/applications",
            Some(&founder),
            &json!({"title": "Béton bas carbone", "summary": "Un béton de laitier.",
                    "domain": "materials", "manufactured_product": true}),
        )
        .await;
    let application = id(&expect_status(res, StatusCode::CREATED).await);

    let student = [
        "/app".to_owned(),
        format!("/app/campaigns/{campaign}"),
        format!("/app/campaigns/{campaign}/team"),
        format!("/app/teams/{team}/preferences"),
        format!("/app/missions/{mission}"),
        format!("/app/missions/{mission}/evaluations"),
        format!("/app/agreements/{agreement}"),
        "/app/labs".to_owned(),
        format!("/app/equipment/{equipment}"),
        "/app/bookings".to_owned(),
        "/app/profile".to_owned(),
    ];
    let company = [
        "/app".to_owned(),
        "/app/company".to_owned(),
        format!("/app/campaigns/{campaign}"),
        format!("/app/campaigns/{campaign}/problems"),
        format!("/app/missions/{mission}"),
        format!("/app/missions/{mission}/evaluations"),
        format!("/app/agreements/{agreement}"),
    ];
    let tutor = [
        "/app".to_owned(),
        format!("/app/missions/{mission}"),
        format!("/app/missions/{mission}/evaluations"),
    ];
    let founder = [
        "/app".to_owned(),
        "/app/applications/new".to_owned(),
        format!("/app/applications/{application}"),
        "/app/labs".to_owned(),
        format!("/app/equipment/{equipment}"),
    ];
    let staff = [
        "/app".to_owned(),
        "/app/staff/campaigns".to_owned(),
        format!("/app/staff/campaigns/{campaign}"),
        format!("/app/staff/campaigns/{campaign}/teams"),
        format!("/app/staff/campaigns/{campaign}/allocation"),
        format!("/app/staff/campaigns/{campaign}/missions"),
        format!("/app/missions/{mission}/evaluations"),
        "/app/staff/applications".to_owned(),
        format!("/app/applications/{application}"),
        "/app/staff/labs".to_owned(),
        format!("/app/staff/labs/{lab}"),
        format!("/app/staff/labs/{lab}/equipment"),
        "/app/staff/tutors".to_owned(),
        "/app/staff/people".to_owned(),
        "/app/staff/emails".to_owned(),
        "/app/staff/agreements".to_owned(),
        "/app/bookings".to_owned(),
    ];
    for path in ["/", "/login", "/register", "/forgot-password"] {
        visit(&b, &app, path).await;
    }
    // Each where the people used it: students on a phone, companies on a laptop,
    // staff at a desk.
    for (email, pages, width) in [
        ("etudiant0@etu.fr", &student[..], 360),
        ("contact0@decoupes0.fr", &company[..], 1280),
        ("anne.roux@mines-ales.fr", &tutor[..], 360),
        ("ines@beton-vert.fr", &founder[..], 1280),
        (STAFF_EMAIL, &staff[..], 1440),
    ] {
        b.resize(width, 900).await;
        sign_in(&b, &app, email, PASSWORD).await;
        for path in pages {
            visit(&b, &app, path).await;
        }
        sign_out(&b).await;
    }
}

/// The audit itself can fail: a French page that passes, then the same page with grey text
/// too pale to read and a message that escaped translation.
#[tokio::test(flavor = "multi_thread")]
async fn the_audit_finds_poor_contrast_and_english_from_the_code() {
    let Some(b) = browser().await else { return };
    b.goto(
        "data:text/html;charset=utf-8,<!doctype html><html lang='fr'><head><title>Essai</title>\
         </head><body><main><h1>Essai</h1><p>Le thé est servi.</p></main></body></html>",
    )
    .await;
    assert_eq!(b.findings().await, Vec::<String>::new(), "a clean page");
    b.script(
        "document.querySelector('main').insertAdjacentHTML('beforeend',
           '<p style=\"color: rgb(170, 170, 170)\">Erreur : the value is None</p>');",
        Value::Null,
    )
    .await;
    let found = b.findings().await;
    for word in ["\"the\"", "\"None\""] {
        assert!(found.iter().any(|f| f.contains(word)), "{word}: {found:?}");
    }
    assert!(
        !found.iter().any(|f| f.contains("\"is not\"")),
        "whole words only: {found:?}"
    );
    if axe_installed() {
        assert!(
            found
                .iter()
                .any(|f| f.starts_with("color-contrast (serious)")),
            "{found:?}"
        );
    }
}
