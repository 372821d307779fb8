//! An agreement signed outside fieldlab: staff upload the signed scan and attest it; the
//! agreement is signed, its document is the scan, and who attested it is kept.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{expect_problem, expect_status, pdf, spawn_app, PASSWORD};

#[tokio::test]
async fn an_agreement_signed_on_paper_is_recorded_with_its_scan_and_who_attested_it() {
    let app = spawn_app().await;
    let staff = app.staff_token.clone();
    let (id, _, _) = crate::helpers::sent_research_agreement(&app).await;
    let upload = |bytes: &'static [u8], note: &'static str| {
        let (app, id, staff) = (&app, id.clone(), staff.clone());
        async move {
            app.client
                .post(app.url(&format!("/api/v1/agreements/{id}/signed-copy")))
                .query(&[("note", note)])
                .header("content-type", "application/pdf")
                .bearer_auth(staff)
                .body(bytes)
                .send()
                .await
                .expect("sent")
        }
    };
    expect_problem(
        upload(b"not a pdf", "Originaux au bureau des stages").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "not_a_pdf",
    )
    .await;
    let refused = expect_problem(
        upload(b"%PDF-1.7 scan", " ").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(refused["errors"][0]["field"], "note");
    let signed = expect_status(
        upload(
            b"%PDF-1.7 scan signed by all",
            "Signée sur papier le 3 mars ; originaux au bureau des stages",
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(signed["status"], "signed");
    assert_eq!(signed["version"], 2, "the scan is a version of its own");
    assert_eq!(
        signed["signatures"],
        json!([]),
        "the sent version's signatures are void"
    );
    assert_eq!(
        signed["signed_copy"]["attested_by"]["email"],
        "admin@imt-mines-ales.fr"
    );
    assert!(signed["signed_copy"]["note"]
        .as_str()
        .expect("note")
        .contains("originaux"));
    assert_eq!(pdf(&app, &id, &staff).await, b"%PDF-1.7 scan signed by all");
    // The office's figures count it from the data.
    let figures = expect_status(
        app.get("/api/v1/agreements/statistics", Some(&staff)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(figures["total"], 1, "{figures}");
    assert_eq!(figures["per_month"][0]["research"], 1, "{figures}");
    assert_eq!(figures["companies"][0]["company"], "Cévennes Méca");
    assert_eq!(figures["request_to_signature"]["count"], 1, "{figures}");
    expect_status(
        app.get(
            "/api/v1/agreements/statistics",
            Some(&app.login("t@mines-ales.fr", PASSWORD).await),
        )
        .await,
        StatusCode::FORBIDDEN,
    )
    .await;
    // Signed: nothing more to record.
    expect_problem(
        upload(b"%PDF-1.7 again", "x").await,
        StatusCode::CONFLICT,
        "invalid_transition",
    )
    .await;
}
