//! Who signs, in which order, and in whose place: the parties of a kind come in configured
//! stages (here the school last), each stage asked once the previous one has signed; an
//! absent staff signatory delegates their signature for a period, and the delegate's signature
//! names them.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{
    expect_problem, expect_status, sent_research_agreement, sign, spawn_app_with, TestApp,
    STAFF_EMAIL,
};
use crate::pdf_text::pdf_text;

/// The `agreement_to_sign` e-mails to `to` about agreement `id` (their dedupe keys name it).
async fn asked(app: &TestApp, to: &str) -> usize {
    app.mails_to(to)
        .await
        .iter()
        .filter(|m| m["kind"] == "agreement_to_sign")
        .count()
}

fn day(offset: i64) -> String {
    (chrono::Utc::now().date_naive() + chrono::Duration::days(offset)).to_string()
}

#[tokio::test]
async fn the_school_signs_last_when_configured_so_and_a_delegate_signs_in_its_place() {
    let app = spawn_app_with(|s| {
        s.agreements.signers.research = vec![
            vec!["company".to_owned(), "tutor".to_owned()],
            vec!["school".to_owned()],
        ];
    })
    .await;
    let staff = app.staff_token.clone();
    let (id, company, tutor) = sent_research_agreement(&app).await;
    // The first stage is asked; the school, last, is not yet.
    assert!(
        crate::helpers::eventually(std::time::Duration::from_secs(10), || async {
            asked(&app, "r@labo.fr").await == 1 && asked(&app, "t@mines-ales.fr").await == 1
        })
        .await
    );
    assert_eq!(asked(&app, STAFF_EMAIL).await, 0);
    expect_problem(
        sign(&app, &id, &staff, json!({"consent": true})).await,
        StatusCode::CONFLICT,
        "not_your_turn",
    )
    .await;
    for token in [&company, &tutor] {
        expect_status(
            sign(&app, &id, token, json!({"consent": true})).await,
            StatusCode::OK,
        )
        .await;
    }
    // Their stage complete, the school is asked.
    assert!(
        crate::helpers::eventually(std::time::Duration::from_secs(10), || async {
            asked(&app, STAFF_EMAIL).await == 1
        })
        .await
    );

    // The school's signatory will be away: a delegation to another staff account.
    let (_, deputy) = app
        .user_with_role("staff", "adjoint@imt-mines-ales.fr")
        .await;
    app.user_with_role("student", "eleve@etu.fr").await;
    let delegate = |body: Value| {
        let (app, staff) = (&app, staff.clone());
        async move { app.post("/api/v1/delegations", Some(&staff), &body).await }
    };
    for (body, field) in [
        (
            json!({"to_email": "eleve@etu.fr", "starts_on": day(0), "ends_on": day(7)}),
            "to_email",
        ),
        (
            json!({"to_email": STAFF_EMAIL, "starts_on": day(0), "ends_on": day(7)}),
            "to_email",
        ),
        (
            json!({"to_email": "adjoint@imt-mines-ales.fr", "starts_on": day(3), "ends_on": day(1)}),
            "ends_on",
        ),
        (
            json!({"to_email": "adjoint@imt-mines-ales.fr", "starts_on": "demain", "ends_on": day(1)}),
            "starts_on",
        ),
    ] {
        let refused = expect_problem(
            delegate(body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(refused["errors"][0]["field"], field, "{refused}");
    }
    // A delegation from tomorrow does not let the deputy sign today.
    let later = expect_status(
        delegate(json!({"to_email": "adjoint@imt-mines-ales.fr", "starts_on": day(1), "ends_on": day(9)})).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(later["active"], false);
    expect_problem(
        sign(&app, &id, &deputy, json!({"consent": true})).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let now = expect_status(
        delegate(json!({"to_email": "adjoint@imt-mines-ales.fr", "starts_on": day(0), "ends_on": day(7)})).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(now["active"], true);
    assert_eq!(now["to"]["email"], "adjoint@imt-mines-ales.fr");
    let told =
        crate::helpers::wait_for_eml_about(&app, "adjoint@imt-mines-ales.fr", "délègue").await;
    assert!(told.contains("/app/agreements/to-sign"), "{told}");
    // The deputy signs for the school: the agreement is signed, the signature names them.
    let signed = expect_status(
        sign(&app, &id, &deputy, json!({"consent": true})).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(signed["status"], "signed", "{signed}");
    let text = pdf_text(&crate::helpers::pdf(&app, &id, &staff).await);
    assert!(text.contains("Pardélégation,signépar"), "{text}");
    // Revoked, a delegation stops.
    expect_status(
        app.post(
            &format!("/api/v1/delegations/{}/revoke", crate::helpers::id(&later)),
            Some(&staff),
            &json!({}),
        )
        .await,
        StatusCode::NO_CONTENT,
    )
    .await;
    let list = expect_status(
        app.get("/api/v1/delegations", Some(&deputy)).await,
        StatusCode::OK,
    )
    .await;
    let revoked: Vec<bool> = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|d| d["revoked_at"].is_string())
        .collect();
    assert_eq!(revoked.iter().filter(|r| **r).count(), 1, "{list}");
    expect_problem(
        app.post("/api/v1/delegations", Some(&deputy), &json!({}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    expect_problem(
        app.post("/api/v1/delegations", Some(&company), &json!({}))
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
}
