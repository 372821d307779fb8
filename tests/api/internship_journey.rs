//! An internship in a real browser, on both databases: a student requests it from their
//! space, the company supervisor completes the host's part from the e-mailed link (no
//! account), the office names the academic tutor and sends it, every party signs, and at the
//! end the supervisor confirms the certificate that reaches the student. Every page visited
//! is audited (axe-core, one h1, labelled inputs, 360 px wide).

use reqwest::StatusCode;
use serde_json::json;

use crate::browser::{check_page, sign_in, sign_out};
use crate::helpers::{
    expect_status, spawn_app, wait_for_eml_about, TestApp, PASSWORD, STAFF_EMAIL,
};
use crate::webdriver::browser;

/// The path (from `/`) of the link to `path_start` in the last e-mail to `to` about `about`.
async fn link_in(app: &TestApp, to: &str, about: &str, path_start: &str) -> String {
    let mail = wait_for_eml_about(app, to, about).await;
    let at = mail
        .find(path_start)
        .unwrap_or_else(|| panic!("a link to {path_start} in: {mail}"));
    mail[at..]
        .chars()
        .take_while(|c| !c.is_whitespace() && *c != '"' && *c != '<')
        .collect::<String>()
        .replace("&amp;", "&")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_student_requests_an_internship_its_supervisor_completes_it_all_sign_and_the_certificate_arrives(
) {
    let Some(b) = browser().await else { return };
    let app = spawn_app().await;
    let student = "lea.martin@etu.mines-ales.fr";
    let representative = "direction@ateliers-gard.fr";
    let supervisor = "paul.gardon@ateliers-gard.fr";
    app.user_with_role("student", student).await;
    // The host's signatory already has an account (no company yet): the request links it.
    let (_, company) = app.user_with_role("company", representative).await;
    let tutor = expect_status(
        app.post(
            "/api/v1/tutors",
            Some(&app.staff_token),
            &json!({"email": "anne.roux@mines-ales.fr", "name": "Anne Roux", "password": PASSWORD,
                    "domains": ["materials"], "max_projects": 3, "max_missions": 3}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let tutor_id = tutor["id"].as_str().expect("tutor id").to_owned();

    // The student requests it from their home.
    sign_in(&b, &app, student, PASSWORD).await;
    b.click("#request-internship").await;
    assert_eq!(b.text("h1").await, "Demander une convention de stage");
    check_page(&b).await;
    for (field, value) in [
        ("#company_siret", "732 829 320 00074"),
        ("#company_name", "Ateliers du Gard"),
        ("#company_address", "12 rue des Forges"),
        ("#company_city", "Alès"),
        ("#company_representative_name", "Marie Curie"),
        ("#company_representative_role", "Directrice générale"),
        ("#company_representative_email", representative),
        ("#student_number", "21904512"),
        ("#programme", "Cycle ingénieur, 2e année"),
        ("#subject", "Jumeau numérique d'une presse"),
        ("#supervisor_name", "Paul Gardon"),
        ("#supervisor_email", supervisor),
    ] {
        b.fill(field, value).await;
    }
    b.set_value("#starts_on", "2027-03-01").await;
    b.set_value("#ends_on", "2027-06-25").await;
    b.click("form[action='/app/internships/new'] button[type=submit]")
        .await;
    assert!(
        b.text("[role=status]")
            .await
            .contains("Votre demande est enregistrée"),
        "{}",
        b.source().await
    );
    let url = b.current_url().await;
    let id = url
        .split("/app/agreements/")
        .nth(1)
        .and_then(|rest| rest.split('?').next())
        .expect("the agreement's page")
        .to_owned();
    assert_eq!(b.text("h1").await, "Convention de stage");
    assert!(b.text("main").await.contains("En attente du tuteur"));
    check_page(&b).await;
    sign_out(&b).await;

    // The supervisor opens the e-mail's link (no account) and completes the host's part; a
    // gratification under the minimum is refused with its figures, then corrected.
    let path = link_in(&app, supervisor, "à compléter", "/internship-form?token=").await;
    b.goto(&app.url(&path)).await;
    assert_eq!(b.text("h1").await, "Convention de stage à compléter");
    assert!(b.text(".summary").await.contains("Ateliers du Gard"));
    check_page(&b).await;
    b.fill("#activities", "Modéliser la presse et ses capteurs.")
        .await;
    b.fill("#skills", "Simulation multiphysique.").await;
    b.fill("#gratification_per_hour", "4,20").await;
    b.fill("#leave", "Deux jours par mois de présence.").await;
    b.click("form[action='/internship-form'] button[type=submit]")
        .await;
    let alert = b.text("[role=alert]").await;
    assert!(
        alert.contains("4,20") && alert.contains("4,50"),
        "the refusal says both amounts: {alert}"
    );
    check_page(&b).await;
    b.fill("#gratification_per_hour", "4,50").await;
    b.click("form[action='/internship-form'] button[type=submit]")
        .await;
    assert!(b
        .text("[role=status]")
        .await
        .contains("partie de l’organisme d’accueil est enregistrée"));
    wait_for_eml_about(&app, student, "complétée").await;

    // The office sees the computed hours and what is missing, names the tutor and sends it.
    let api = expect_status(
        app.get(&format!("/api/v1/internships/{id}"), Some(&app.staff_token))
            .await,
        StatusCode::OK,
    )
    .await;
    let hours = api["internship"]["presence_hours"].as_f64().expect("hours");
    assert!(hours > 308.0, "{api}");
    sign_in(&b, &app, STAFF_EMAIL, PASSWORD).await;
    b.goto(&app.url(&format!("/app/agreements/{id}"))).await;
    // WebDriver reads the no-break space before « h » as a space.
    assert_eq!(
        b.text("#presence-hours").await,
        format!("{} h", hours as u32)
    );
    assert!(b.text("#missing").await.contains("enseignant référent"));
    check_page(&b).await;
    b.script(
        "document.querySelector('#academic_tutor_id').value = arguments[0];",
        json!([tutor_id]),
    )
    .await;
    b.click("#internship-office button[type=submit]").await;
    assert!(b.text("[role=status]").await.contains("enregistrées"));
    assert_eq!(
        b.count("#missing").await,
        0,
        "nothing missing now: {}",
        b.text("main").await
    );
    assert!(b.text("#limits-ok").await.contains("Aucune limite"));
    sign_out(&b).await;

    // The academic tutor validates it (the pedagogical step); the office then sends it.
    sign_in(&b, &app, "anne.roux@mines-ales.fr", PASSWORD).await;
    b.goto(&app.url(&format!("/app/agreements/{id}"))).await;
    check_page(&b).await;
    b.click("#refuse").await;
    assert!(
        b.text("#reason-error").await.contains("obligatoire")
            || b.text("[role=alert]").await.contains("motif"),
        "a refusal needs its reason: {}",
        b.text("main").await
    );
    b.click("#approve").await;
    assert!(b.text("[role=status]").await.contains("Étape validée"));
    assert!(b.text("#validation-history").await.contains("Anne Roux"));
    sign_out(&b).await;
    sign_in(&b, &app, STAFF_EMAIL, PASSWORD).await;
    b.goto(&app.url(&format!("/app/agreements/{id}"))).await;
    b.click(&format!(
        "form[action='/app/staff/agreements/{id}/send'] button"
    ))
    .await;
    assert!(b.text(".status-sent").await.len() > 1);
    b.desk_screenshot("internship-sent", "main").await;
    // The office's figures: this internship's hours counted in its academic year.
    b.goto(&app.url("/app/staff/statistics")).await;
    assert!(
        b.text("#years").await.contains("2026-2027"),
        "{}",
        b.text("main").await
    );
    assert!(b.text("#company-list").await.contains("Ateliers du Gard"));
    check_page(&b).await;
    // The office's clauses: one template per kind and language, previewed before saving.
    b.goto(&app.url("/app/staff/templates")).await;
    assert_eq!(b.count("#templates li").await, 6);
    check_page(&b).await;
    b.goto(&app.url("/app/staff/templates/internship/fr")).await;
    assert!(b.value("#body").await.contains("124-9"));
    check_page(&b).await;
    sign_out(&b).await;

    // The student signs in the browser; the host, the tutor and the school through the API.
    sign_in(&b, &app, student, PASSWORD).await;
    b.goto(&app.url(&format!("/app/agreements/{id}"))).await;
    b.click("#consent").await;
    b.click("#sign-form button[type=submit]").await;
    assert!(b.text(".signatures").await.contains("signé le"));
    sign_out(&b).await;
    let tutor_token = app.login("anne.roux@mines-ales.fr", PASSWORD).await;
    for token in [&company, &tutor_token, &app.staff_token] {
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

    // At the end, the office prepares the certificate (the job does it on the last day); the
    // supervisor corrects the hours and confirms; the student receives it and downloads it.
    sign_in(&b, &app, STAFF_EMAIL, PASSWORD).await;
    b.goto(&app.url(&format!("/app/agreements/{id}"))).await;
    b.click("#prepare-certificate").await;
    assert!(b
        .text("[role=status]")
        .await
        .contains("attestation est préparée"));
    sign_out(&b).await;
    let path = link_in(&app, supervisor, "Attestation", "/certificate-form?token=").await;
    b.goto(&app.url(&path)).await;
    assert_eq!(b.text("h1").await, "Attestation de stage à confirmer");
    check_page(&b).await;
    b.fill("#presence_hours", "500").await;
    b.click("form[action='/certificate-form'] button[type=submit]")
        .await;
    assert!(b
        .text("[role=status]")
        .await
        .contains("attestation est délivrée"));
    let mail = wait_for_eml_about(&app, student, "attestation").await;
    assert!(mail.contains("500 h"), "{mail}");
    let text = crate::agreements::pdf_text(
        &crate::helpers::attached_pdf(&app, student, "attestation").await,
    );
    for expected in ["Attestationdestage", "500h", "73282932000074", "D.124-9"] {
        assert!(
            text.contains(expected),
            "{expected} in the certificate: {text}"
        );
    }
    sign_in(&b, &app, student, PASSWORD).await;
    b.goto(&app.url(&format!("/app/agreements/{id}"))).await;
    let pdf = b
        .script(
            "var x = new XMLHttpRequest(); x.open('GET', document.querySelector('#certificate-pdf').href, false); x.send();
             return x.status + ' ' + x.getResponseHeader('content-type');",
            json!([]),
        )
        .await;
    assert_eq!(pdf, "200 application/pdf");
    check_page(&b).await;
}
