//! Staff edit the clauses of a kind and language: a text that does not render is refused
//! naming why; the next agreement sent uses the saved text, and one already sent keeps the
//! text it was frozen with, in its signed copy too.

use reqwest::StatusCode;
use serde_json::json;

use crate::agreements::pdf_text;
use crate::helpers::{expect_problem, expect_status, pdf, spawn_app};

#[tokio::test]
async fn staff_edit_a_kinds_clauses_and_a_sent_agreement_keeps_the_text_it_was_frozen_with() {
    let app = spawn_app().await;
    let staff = app.staff_token.clone();
    let listed = expect_status(
        app.get("/api/v1/clause-templates", Some(&staff)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        listed["items"].as_array().expect("items").len(),
        6,
        "3 kinds × 2 languages"
    );
    assert!(listed["items"]
        .as_array()
        .expect("items")
        .iter()
        .all(|t| t["edited"] == false));

    // A text that does not render is refused, naming what is wrong; nothing is saved.
    let refused = expect_problem(
        app.put(
            "/api/v1/clause-templates/research/fr",
            Some(&staff),
            &json!({"body": "# Article 4\n{% if %}"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_template",
    )
    .await;
    assert_eq!(refused["errors"][0]["field"], "body", "{refused}");
    let preview = app
        .post(
            "/api/v1/clause-templates/research/fr/preview",
            Some(&staff),
            &json!({"body": "# Article 4 — Essai\nClause d’essai chez {{ company }}."}),
        )
        .await;
    assert_eq!(preview.status(), StatusCode::OK);
    let text = pdf_text(&preview.bytes().await.expect("pdf"));
    assert!(text.contains("Claused’essaichezAteliersduGard"), "{text}");

    let first = "# Article 4 — Première rédaction\nClause première pour {{ company }}.";
    expect_status(
        app.put(
            "/api/v1/clause-templates/research/fr",
            Some(&staff),
            &json!({"body": first}),
        )
        .await,
        StatusCode::NO_CONTENT,
    )
    .await;

    // A research agreement sent now is frozen with it.
    let (id, company_token, tutor_token) = crate::helpers::sent_research_agreement(&app).await;
    assert!(pdf_text(&pdf(&app, &id, &staff).await).contains("ClausepremièrepourCévennesMéca"));

    // The text changes; the sent agreement, then its signed copy, keep the first one.
    expect_status(
        app.put(
            "/api/v1/clause-templates/research/fr",
            Some(&staff),
            &json!({"body": "# Article 4 — Seconde rédaction\nClause seconde."}),
        )
        .await,
        StatusCode::NO_CONTENT,
    )
    .await;
    for token in [&staff, &company_token, &tutor_token] {
        expect_status(
            app.post(
                &format!("/api/v1/agreements/{id}/sign"),
                Some(token),
                &json!({"consent": true}),
            )
            .await,
            StatusCode::OK,
        )
        .await;
    }
    let signed = pdf_text(&pdf(&app, &id, &staff).await);
    assert!(
        signed.contains("ClausepremièrepourCévennesMéca"),
        "{signed}"
    );
    assert!(!signed.contains("Clauseseconde"), "{signed}");

    // Back to the shipped text.
    expect_status(
        app.send(
            reqwest::Method::DELETE,
            "/api/v1/clause-templates/research/fr",
            Some(&staff),
            &json!({}),
        )
        .await,
        StatusCode::NO_CONTENT,
    )
    .await;
    let listed = expect_status(
        app.get("/api/v1/clause-templates", Some(&staff)).await,
        StatusCode::OK,
    )
    .await;
    assert!(listed["items"]
        .as_array()
        .expect("items")
        .iter()
        .all(|t| t["edited"] == false));
}
