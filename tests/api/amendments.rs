//! Changes after sending: a signed agreement amended (avenant) — asked for, validated like the
//! agreement (a refusal's reason reaches the requester, who corrects it), sent, signed by the
//! same parties, then applied while the signed agreement's PDF stays as signed — and a sent
//! agreement withdrawn for correction with the reason its signatories read.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{
    attached_pdf, expect_problem, expect_status, internship_request, ready_internship,
    sent_research_agreement, sign, siret, spawn_app, supervisor_part, wait_for_eml_about, TestApp,
};
use crate::pdf_text::pdf_text;

async fn amend(app: &TestApp, agreement: &str, token: &str, body: Value) -> reqwest::Response {
    app.post(
        &format!("/api/v1/agreements/{agreement}/amendments"),
        Some(token),
        &body,
    )
    .await
}

async fn on_amendment(
    app: &TestApp,
    agreement: &str,
    number: i32,
    action: &str,
    token: &str,
    body: Value,
) -> reqwest::Response {
    app.post(
        &format!("/api/v1/agreements/{agreement}/amendments/{number}/{action}"),
        Some(token),
        &body,
    )
    .await
}

fn sha(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// The text of an e-mail to `to` whose body says `needle` (waiting for the outbox).
async fn wait_for_body(app: &TestApp, to: &str, needle: &str) -> String {
    for _ in 0..150 {
        for entry in std::fs::read_dir(&app.mail_dir)
            .into_iter()
            .flatten()
            .filter_map(Result::ok)
        {
            let Ok(raw) = std::fs::read(entry.path()) else {
                continue;
            };
            let Ok(mail) = mailparse::parse_mail(&raw) else {
                continue;
            };
            use mailparse::MailHeaderMap;
            if !mail
                .headers
                .get_first_value("To")
                .unwrap_or_default()
                .contains(to)
            {
                continue;
            }
            let text: String = std::iter::once(&mail)
                .chain(mail.subparts.iter())
                .filter_map(|p| p.get_body().ok())
                .collect();
            if text.contains(needle) {
                return text;
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("no e-mail to {to} saying {needle}");
}

fn fields(problem: &Value) -> Vec<&str> {
    problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["field"].as_str().expect("field"))
        .collect()
}

#[tokio::test]
async fn a_signed_agreement_is_amended_by_the_same_parties_and_its_signed_pdf_stays_as_signed() {
    let app = spawn_app().await;
    let staff = app.staff_token.clone();
    let (agreement, company, tutor) = sent_research_agreement(&app).await;

    // A sent agreement is changed directly, not amended.
    expect_problem(
        amend(
            &app,
            &agreement,
            &staff,
            json!({"reason": "Prolongé", "ends_on": "2027-09-30"}),
        )
        .await,
        StatusCode::CONFLICT,
        "not_signed",
    )
    .await;
    for token in [&company, &tutor, &staff] {
        expect_status(
            sign(&app, &agreement, token, json!({"consent": true})).await,
            StatusCode::OK,
        )
        .await;
    }
    let signed_pdf = sha(&crate::helpers::pdf(&app, &agreement, &staff).await);

    // Bad requests: no reason, nothing different, someone who may not ask.
    let refused = expect_problem(
        amend(
            &app,
            &agreement,
            &staff,
            json!({"reason": " ", "place": "Alès"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "reason_required",
    )
    .await;
    assert_eq!(fields(&refused), ["reason"]);
    expect_problem(
        amend(
            &app,
            &agreement,
            &staff,
            json!({"reason": "Rien", "ends_on": "2027-08-27"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "no_change",
    )
    .await;
    expect_problem(
        amend(
            &app,
            &agreement,
            &staff,
            json!({"reason": "x", "gratification_cents": 500}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    expect_problem(
        amend(
            &app,
            &agreement,
            &company,
            json!({"reason": "Prolongé", "ends_on": "2027-09-30"}),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;

    let asked = expect_status(
        amend(
            &app,
            &agreement,
            &staff,
            json!({"reason": "Essais prolongés d'un mois.", "ends_on": "2027-09-30", "place": "Alès"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(asked["number"], 1);
    assert_eq!(asked["status"], "draft");
    assert_eq!(
        asked["changes"],
        json!([
            {"field": "place", "from": "Anduze", "to": "Alès"},
            {"field": "ends_on", "from": "2027-08-27", "to": "2027-09-30"},
        ]),
        "{asked}"
    );
    // One amendment in progress at a time.
    expect_problem(
        amend(
            &app,
            &agreement,
            &staff,
            json!({"reason": "Autre", "place": "Nîmes"}),
        )
        .await,
        StatusCode::CONFLICT,
        "amendment_open",
    )
    .await;

    // Sent by the office: the agreement's three parties are asked to sign it.
    let sent = expect_status(
        on_amendment(&app, &agreement, 1, "send", &staff, json!({})).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(sent["status"], "sent");
    let parties: Vec<&str> = sent["signatures"]
        .as_array()
        .expect("signatures")
        .iter()
        .map(|s| s["party"].as_str().expect("party"))
        .collect();
    assert_eq!(parties, ["school", "company", "tutor"]);
    assert_eq!(sent["validations"][0]["step"], "administrative");
    let mail = wait_for_eml_about(&app, "r@labo.fr", "Avenant n").await;
    assert!(mail.contains("Essais prolongés d'un mois."), "{mail}");
    let res = app
        .get(
            &format!("/api/v1/agreements/{agreement}/amendments/1/pdf"),
            Some(&company),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let pdf = res.bytes().await.expect("bytes").to_vec();
    assert_eq!(sha(&pdf), sent["document_sha256"].as_str().expect("sha"));
    // (The text as read back, without spaces.)
    let text = pdf_text(&pdf);
    for said in [
        "Avenantn°1àlaconvention",
        "Essaisprolongésd'unmois.",
        "Datedefin:jusqu’icivendredi27août2027,désormaisjeudi30septembre2027",
        "Letuteurderecherche:ThéoRiste",
    ] {
        assert!(text.contains(said), "{said} in {text}");
    }

    // Consent is required; then each party signs, and the last signature applies it.
    expect_problem(
        on_amendment(
            &app,
            &agreement,
            1,
            "sign",
            &company,
            json!({"consent": false}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "consent_required",
    )
    .await;
    for token in [&company, &tutor] {
        let half = expect_status(
            on_amendment(&app, &agreement, 1, "sign", token, json!({"consent": true})).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(half["status"], "sent");
    }
    let before = expect_status(
        app.get(&format!("/api/v1/agreements/{agreement}"), Some(&staff))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        before["ends_on"], "2027-08-27",
        "not applied before the last signature"
    );
    let done = expect_status(
        on_amendment(
            &app,
            &agreement,
            1,
            "sign",
            &staff,
            json!({"consent": true}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(done["status"], "signed", "{done}");
    let after = expect_status(
        app.get(&format!("/api/v1/agreements/{agreement}"), Some(&tutor))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(after["status"], "signed");
    assert_eq!(after["version"], before["version"]);
    assert_eq!(after["ends_on"], "2027-09-30");
    assert_eq!(after["place"], "Alès");
    // The agreement's signed document is the one they signed.
    assert_eq!(
        sha(&crate::helpers::pdf(&app, &agreement, &staff).await),
        signed_pdf
    );
    // Everyone receives the signed amendment with its signature page.
    let signed = attached_pdf(&app, "r@labo.fr", "Avenant n° 1 signé").await;
    let text = pdf_text(&signed);
    assert!(text.contains("Signatures"), "{text}");
    // The list shows it; a second amendment may now be asked for.
    let list = expect_status(
        app.get(
            &format!("/api/v1/agreements/{agreement}/amendments"),
            Some(&company),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(list["items"].as_array().map(Vec::len), Some(1));
    let second = expect_status(
        amend(
            &app,
            &agreement,
            &staff,
            json!({"reason": "Fin avancée", "terminates_on": "2027-09-15",
                                                "termination_reason": "Fin des essais"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(second["number"], 2);
    assert_eq!(second["terminates_on"], "2027-09-15");
    let cancelled = expect_status(
        on_amendment(&app, &agreement, 2, "cancel", &staff, json!({})).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(cancelled["status"], "cancelled");
}

#[tokio::test]
async fn an_internships_amendment_is_validated_refused_with_a_reason_corrected_and_ends_it_early() {
    let app = spawn_app().await;
    let staff = app.staff_token.clone();
    let (company_id, company) = app.company("rh@hote71.fr", "Hôte 71", "Alès").await;
    let (_, student) = app.user_with_role("student", "etudiant71@etu.fr").await;
    let ready = ready_internship(
        &app,
        &student,
        &internship_request(&company_id, json!({"supervisor_email": "t@hote71.fr"})),
        &supervisor_part(json!({})),
        &json!({"siret": siret(71)}),
    )
    .await;
    let id = ready.id.clone();
    expect_status(
        app.post(
            &format!("/api/v1/agreements/{id}/send"),
            Some(&staff),
            &json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    for token in [&student, &company, &ready.tutor, &staff] {
        expect_status(
            sign(&app, &id, token, json!({"consent": true})).await,
            StatusCode::OK,
        )
        .await;
    }

    // The law holds on the amended terms: below the minimum gratification is refused.
    expect_problem(
        amend(
            &app,
            &id,
            &student,
            json!({"reason": "Baisse", "gratification_cents": 300}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "gratification_below_minimum",
    )
    .await;
    let refused = expect_problem(
        amend(
            &app,
            &id,
            &student,
            json!({"reason": "Fin", "terminates_on": "2027-08-27",
                                          "termination_reason": "Démission"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(
        fields(&refused),
        ["terminates_on"],
        "the last day is no early end"
    );

    // The student asks to end it early.
    let asked = expect_status(
        amend(
            &app,
            &id,
            &student,
            json!({"reason": "Rupture d'un commun accord.",
                                          "terminates_on": "2027-06-30",
                                          "termination_reason": "Embauche ailleurs"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(asked["status"], "draft");
    // Validated like the agreement: the academic tutor first; the office cannot skip it.
    expect_problem(
        on_amendment(&app, &id, 1, "send", &staff, json!({})).await,
        StatusCode::CONFLICT,
        "validation_pending",
    )
    .await;
    expect_problem(
        on_amendment(
            &app,
            &id,
            1,
            "validations",
            &ready.tutor,
            json!({"step": "pedagogical", "decision": "refuse"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "reason_required",
    )
    .await;
    let refused = expect_status(
        on_amendment(
            &app,
            &id,
            1,
            "validations",
            &ready.tutor,
            json!({"step": "pedagogical", "decision": "refuse",
                            "reason": "Donnez la date de l'accord écrit."}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(refused["awaiting_correction"], "pedagogical");
    let mail = wait_for_eml_about(&app, "etudiant71@etu.fr", "à corriger").await;
    assert!(mail.contains("Donnez la date de l'accord écrit."), "{mail}");
    expect_problem(
        on_amendment(&app, &id, 1, "send", &staff, json!({})).await,
        StatusCode::CONFLICT,
        "awaiting_correction",
    )
    .await;
    // The student corrects it, which resubmits it; the tutor approves; the office sends.
    let corrected = expect_status(
        app.put(
            &format!("/api/v1/agreements/{id}/amendments/1"),
            Some(&student),
            &json!({"reason": "Rupture d'un commun accord écrit du 1er juin 2027.",
                    "terminates_on": "2027-06-30", "termination_reason": "Embauche ailleurs"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(corrected["awaiting_correction"], Value::Null, "{corrected}");
    expect_status(
        on_amendment(
            &app,
            &id,
            1,
            "validations",
            &ready.tutor,
            json!({"step": "pedagogical", "decision": "approve"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let sent = expect_status(
        on_amendment(&app, &id, 1, "send", &staff, json!({})).await,
        StatusCode::OK,
    )
    .await;
    let decisions: Vec<&str> = sent["validations"]
        .as_array()
        .expect("history")
        .iter()
        .map(|v| v["decision"].as_str().expect("decision"))
        .collect();
    assert_eq!(
        decisions,
        ["refused", "resubmitted", "approved", "approved"]
    );
    for token in [&student, &company, &ready.tutor, &staff] {
        expect_status(
            on_amendment(&app, &id, 1, "sign", token, json!({"consent": true})).await,
            StatusCode::OK,
        )
        .await;
    }
    let ended = expect_status(
        app.get(&format!("/api/v1/internships/{id}"), Some(&staff))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(ended["ends_on"], "2027-06-30");
    // Fewer hours: 5 April to 30 June 2027 less Ascension and Whit Monday, 7 h a day.
    assert_eq!(ended["internship"]["presence_hours"], 427.0, "{ended}");
    // The certificate and the supervisor's evaluation now fall on the new last day.
    let pool = fieldlab::startup::open_database(&app.settings).expect("database");
    let mut conn = pool.get().expect("connection");
    let jobs = fieldlab::jobs::about(&mut conn, &id).expect("jobs");
    for kind in ["internship_certificate", "internship_evaluation"] {
        let pending: Vec<chrono::NaiveDate> = jobs
            .iter()
            .filter(|j| j.kind == kind && j.status == "pending")
            .map(|j| j.due_at.date())
            .collect();
        assert_eq!(
            pending,
            [chrono::NaiveDate::from_ymd_opt(2027, 6, 30).expect("day")],
            "{kind}"
        );
    }
}

#[tokio::test]
async fn a_sent_agreement_withdrawn_for_correction_tells_its_signatories_why() {
    let app = spawn_app().await;
    let staff = app.staff_token.clone();
    let (agreement, company, _) = sent_research_agreement(&app).await;
    expect_status(
        sign(&app, &agreement, &company, json!({"consent": true})).await,
        StatusCode::OK,
    )
    .await;
    let withdraw = |body: Value| {
        let (app, agreement, staff) = (&app, agreement.clone(), staff.clone());
        async move {
            app.post(
                &format!("/api/v1/agreements/{agreement}/withdraw"),
                Some(&staff),
                &body,
            )
            .await
        }
    };
    expect_problem(
        withdraw(json!({"reason": ""})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "reason_required",
    )
    .await;
    expect_problem(
        app.post(
            &format!("/api/v1/agreements/{agreement}/withdraw"),
            Some(&company),
            &json!({"reason": "x"}),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let draft = expect_status(
        withdraw(json!({"reason": "Le lieu des essais est erroné."})).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(draft["status"], "draft");
    assert_eq!(draft["version"], 2);
    assert_eq!(draft["signatures"], json!([]));
    let mail = wait_for_eml_about(&app, "r@labo.fr", "retirée pour correction").await;
    assert!(mail.contains("Le lieu des essais est erroné."), "{mail}");
    expect_problem(
        withdraw(json!({"reason": "encore"})).await,
        StatusCode::CONFLICT,
        "invalid_transition",
    )
    .await;
    // Corrected and sent again: the new version's e-mail says why it changed.
    expect_status(
        app.patch(
            &format!("/api/v1/agreements/{agreement}"),
            Some(&staff),
            &json!({"place": "Alès"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let sent = expect_status(
        app.post(
            &format!("/api/v1/agreements/{agreement}/send"),
            Some(&staff),
            &json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(sent["version"], 2);
    let again = wait_for_body(&app, "r@labo.fr", "Motif de la modification").await;
    assert!(again.contains("Le lieu des essais est erroné."), "{again}");
    // A change of a sent agreement gives its reason the same way.
    expect_status(
        app.patch(
            &format!("/api/v1/agreements/{agreement}"),
            Some(&staff),
            &json!({"subject": "Béton de chanvre et chaux", "reason": "Objet précisé."}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let third = wait_for_body(&app, "r@labo.fr", "Objet précisé.").await;
    assert!(third.contains("version 3"), "{third}");
}

/// In the browser: staff withdraw a sent agreement with its reason, then, once it is signed,
/// ask for an amendment from its page, send it; the company's contact signs it from the page
/// and the school last; the page shows it applied. Every page is audited.
#[tokio::test(flavor = "multi_thread")]
async fn an_amendment_is_asked_for_sent_and_signed_from_the_agreements_page() {
    use crate::browser::{check_page, sign_in, sign_out};
    let Some(b) = crate::webdriver::browser().await else {
        return;
    };
    let app = spawn_app().await;
    let staff = app.staff_token.clone();
    let (agreement, company, tutor) = sent_research_agreement(&app).await;
    let page = app.url(&format!("/app/agreements/{agreement}"));

    // Withdrawn for correction from the page, with the reason the signatories read.
    sign_in(
        &b,
        &app,
        crate::helpers::STAFF_EMAIL,
        crate::helpers::PASSWORD,
    )
    .await;
    b.goto(&page).await;
    check_page(&b).await;
    b.click("#withdraw-open").await;
    b.fill("#withdraw-reason", "Le lieu des essais est erroné.")
        .await;
    b.click("#withdraw").await;
    assert!(b
        .text("#withdrawals")
        .await
        .contains("Le lieu des essais est erroné."));
    check_page(&b).await;
    expect_status(
        app.post(
            &format!("/api/v1/agreements/{agreement}/send"),
            Some(&staff),
            &json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    for token in [&company, &tutor, &staff] {
        expect_status(
            sign(&app, &agreement, token, json!({"consent": true})).await,
            StatusCode::OK,
        )
        .await;
    }

    // Signed: the office asks for an amendment; a reason is needed.
    b.goto(&page).await;
    check_page(&b).await;
    b.click("#request-amendment").await;
    b.fill("#am-reason", " ").await;
    b.set_value("#am-ends_on", "2027-09-30").await;
    b.click("#amendment-form button[type=submit]").await;
    assert!(
        !b.text("#am-reason-error").await.is_empty(),
        "{}",
        b.source().await
    );
    check_page(&b).await;
    b.fill("#am-reason", "Essais prolongés d'un mois.").await;
    b.set_value("#am-ends_on", "2027-09-30").await;
    b.click("#amendment-form button[type=submit]").await;
    assert!(b
        .text("#amendment-1")
        .await
        .contains("Essais prolongés d'un mois."));
    assert!(b
        .text("#amendment-1 .amendment-changes")
        .await
        .contains("jeudi 30 septembre 2027"));
    check_page(&b).await;
    b.click("#amendment-send").await;
    assert!(b.text("#amendment-1").await.contains("À signer"));
    sign_out(&b).await;

    // The company's contact signs it from the page (consent ticked), then the tutor (API) and
    // the school, last, from the page: it applies.
    sign_in(&b, &app, "r@labo.fr", crate::helpers::PASSWORD).await;
    b.goto(&page).await;
    check_page(&b).await;
    b.click("#amendment-consent").await;
    b.click("#amendment-sign").await;
    assert_eq!(b.count("#amendment-sign").await, 0);
    sign_out(&b).await;
    expect_status(
        on_amendment(
            &app,
            &agreement,
            1,
            "sign",
            &tutor,
            json!({"consent": true}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    sign_in(
        &b,
        &app,
        crate::helpers::STAFF_EMAIL,
        crate::helpers::PASSWORD,
    )
    .await;
    b.goto(&page).await;
    b.click("#amendment-consent").await;
    b.click("#amendment-sign").await;
    assert!(b.text("#amendment-1").await.contains("Signé, appliqué"));
    assert!(
        b.text("dl.facts").await.contains("30 septembre 2027"),
        "{}",
        b.text("dl.facts").await
    );
    check_page(&b).await;

    // Before an absence, the school's signatory delegates their signature from the console.
    app.user_with_role("staff", "adjoint@imt-mines-ales.fr")
        .await;
    b.goto(&app.url("/app/staff/agreements")).await;
    b.click("#delegations-link").await;
    check_page(&b).await;
    let today = chrono::Utc::now().date_naive();
    b.fill("#to_email", "adjoint@imt-mines-ales.fr").await;
    b.set_value("#starts_on", &today.to_string()).await;
    b.set_value(
        "#ends_on",
        &(today + chrono::Duration::days(14)).to_string(),
    )
    .await;
    b.click("#delegation-form button[type=submit]").await;
    assert!(b.text("#delegations").await.contains("en cours"));
    check_page(&b).await;
}
