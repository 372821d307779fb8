//! Internships (conventions de stage) through their own endpoints: a student's request, the
//! company supervisor's part from the e-mailed link, staff's corrections and sending, the four
//! signatures, the certificate (attestation de stage) confirmed from a second link; every limit
//! the law sets refused with its figures; the hours of presence computed without the public
//! holidays; bad input named by field.

use chrono::NaiveDate;
use reqwest::{Response, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{
    attached_pdf, certificate_form_token, expect_problem, expect_status, id, internship_request,
    mailed_token, ready_internship, sign, siret, spawn_app, supervisor_form_token, supervisor_part,
    TestApp, PASSWORD,
};
use crate::pdf_text::pdf_text;

/// A host with its contact (who signs for it): its id. No SIRET yet, so it can be requested
/// for but not sent.
async fn host(app: &TestApp, n: u32) -> String {
    let (company, _) = app
        .company(&format!("rh@hote{n}.fr"), &format!("Hôte {n}"), "Alès")
        .await;
    company
}

/// Student `n`: their id and token.
async fn student_account(app: &TestApp, n: u32) -> (String, String) {
    let (user, token) = app
        .user_with_role("student", &format!("etudiant{n}@etu.fr"))
        .await;
    (id(&user), token)
}

/// `token` requests an internship at `company` from `starts_on` to `ends_on`, followed by
/// `supervisor`; `more` adds fields.
async fn request(
    app: &TestApp,
    token: &str,
    company: &str,
    (starts_on, ends_on): (&str, &str),
    supervisor: &str,
    more: Value,
) -> Response {
    let mut body = internship_request(
        company,
        json!({"starts_on": starts_on, "ends_on": ends_on, "supervisor_email": supervisor}),
    );
    if let (Some(body), Value::Object(more)) = (body.as_object_mut(), more) {
        body.extend(more);
    }
    app.post("/api/v1/internships", Some(token), &body).await
}

/// The supervisor of internship `id` gives `part` from the link e-mailed to `supervisor`.
async fn complete(app: &TestApp, supervisor: &str, id: &str, part: &Value) -> Response {
    let token = supervisor_form_token(app, supervisor, id).await;
    app.put(&format!("/api/v1/internship-forms/{token}"), None, part)
        .await
}

async fn send(app: &TestApp, id: &str) -> Response {
    app.post(
        &format!("/api/v1/agreements/{id}/send"),
        Some(&app.staff_token),
        &json!({}),
    )
    .await
}

/// The fields a 422 names.
fn fields(problem: &Value) -> Vec<&str> {
    problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["field"].as_str().expect("field"))
        .collect()
}

#[tokio::test]
async fn a_students_internship_goes_from_request_to_signatures_and_certificate() {
    let app = spawn_app().await;
    let staff = app.staff_token.clone();
    let (student_id, student) = student_account(&app, 1).await;
    let representative = "claire.fabre@cevennes-meca.fr";
    let supervisor = "paul.gardon@cevennes-meca.fr";

    // The student asks for it, with a host new to fieldlab.
    let res = app
        .post(
            "/api/v1/internships",
            Some(&student),
            &json!({
                "company": {"name": "Cévennes Méca", "city": "Anduze", "siret": siret(11),
                            "address": "12 route de Saint-Jean",
                            "representative_name": "Claire Fabre",
                            "representative_role": "gérante",
                            "representative_email": representative, "headcount": 45},
                "student_number": "22A0042", "programme": "Cycle ingénieur, 2e année",
                "subject": "Jumeau numérique d'une presse",
                "starts_on": "2027-04-05", "ends_on": "2027-06-25",
                "supervisor_name": "Paul Gardon", "supervisor_email": supervisor,
            }),
        )
        .await;
    let created = expect_status(res, StatusCode::CREATED).await;
    let id = id(&created);
    assert_eq!(created["status"], "draft");
    assert_eq!(created["student"]["id"], student_id.as_str());
    assert_eq!(created["company"]["contact"]["email"], representative);
    assert_eq!(created["place"], "Anduze", "the host's city by default");
    // 5 April to 25 June 2027: 12 weeks of 5 weekdays, less Ascension (Thursday 6 May) and
    // Whit Monday (17 May), Easter being 28 March; 1 and 8 May are Saturdays. 58 × 7 h.
    assert_eq!(created["internship"]["presence_hours"], 406.0);
    let limits = &created["internship"]["limits"];
    assert_eq!(
        limits["missing"],
        json!(["supervisor_part", "academic_tutor"])
    );
    assert_eq!(limits["gratification_required"], true);
    assert_eq!(limits["refusals"][0]["code"], "gratification_required");
    assert_eq!(limits["ready_to_send"], false);
    // The host's signatory has an account now, and was welcomed.
    let welcomed = app.mails_to(representative).await;
    assert!(
        welcomed.iter().any(|m| m["kind"] == "account_created"),
        "{welcomed:?}"
    );

    // The supervisor completes the host's part from their link: the student is told.
    let asked = app.mails_to(supervisor).await;
    assert!(
        asked.iter().any(|m| m["kind"] == "internship_to_complete"),
        "{asked:?}"
    );
    let token = supervisor_form_token(&app, supervisor, &id).await;
    let form = expect_status(
        app.get(&format!("/api/v1/internship-forms/{token}"), None)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(form["subject"], "Jumeau numérique d'une presse");
    expect_problem(
        app.get(
            &format!("/api/v1/internship-forms/{}", "0".repeat(64)),
            None,
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let completed = expect_status(
        app.put(
            &format!("/api/v1/internship-forms/{token}"),
            None,
            &supervisor_part(json!({"gratification_cents_per_hour": 480,
                                    "department": "Bureau d'études"})),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert!(completed["internship"]["supervisor_completed_at"].is_string());
    assert_eq!(completed["internship"]["gratification_cents_per_hour"], 480);
    let told = app.mails_to("etudiant1@etu.fr").await;
    assert!(
        told.iter().any(|m| m["kind"] == "internship_completed"),
        "{told:?}"
    );

    // Staff see what is missing: the academic tutor; sending now is refused for it.
    let seen = expect_status(
        app.get(&format!("/api/v1/internships/{id}"), Some(&staff))
            .await,
        StatusCode::OK,
    )
    .await;
    let limits = &seen["internship"]["limits"];
    assert_eq!(limits["missing"], json!(["academic_tutor"]), "{seen}");
    assert_eq!(limits["refusals"], json!([]));
    assert_eq!(limits["ready_to_send"], false);
    let refused = expect_problem(
        send(&app, &id).await,
        StatusCode::CONFLICT,
        "internship_incomplete",
    )
    .await;
    assert_eq!(refused["missing"], json!(["academic_tutor"]));
    let (tutor, tutor_token) = app.user_with_role("tutor", "referente@mines-ales.fr").await;
    let named = expect_status(
        app.patch(
            &format!("/api/v1/internships/{id}"),
            Some(&staff),
            &json!({"academic_tutor_id": crate::helpers::id(&tutor)}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(named["internship"]["limits"]["ready_to_send"], true);
    assert_eq!(named["tutor"]["email"], "referente@mines-ales.fr");

    // The academic tutor's pedagogical validation comes first: a refusal needs its reason,
    // reaches the student, and waits for the correction; resubmitted, it is approved.
    expect_problem(
        send(&app, &id).await,
        StatusCode::CONFLICT,
        "validation_pending",
    )
    .await;
    let validate = |body: Value| {
        let (app, id, token) = (&app, id.clone(), tutor_token.clone());
        async move {
            app.post(
                &format!("/api/v1/agreements/{id}/validations"),
                Some(&token),
                &body,
            )
            .await
        }
    };
    let refused = expect_problem(
        validate(json!({"step": "pedagogical", "decision": "refuse", "reason": "  "})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "reason_required",
    )
    .await;
    assert_eq!(fields(&refused), ["reason"]);
    let refused = expect_status(
        validate(json!({"step": "pedagogical", "decision": "refuse",
                        "reason": "Précisez les compétences visées."}))
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(refused["awaiting_correction"], "pedagogical");
    let mail = crate::helpers::wait_for_eml_about(&app, "etudiant1@etu.fr", "à corriger").await;
    assert!(mail.contains("Précisez les compétences visées."), "{mail}");
    expect_problem(
        send(&app, &id).await,
        StatusCode::CONFLICT,
        "awaiting_correction",
    )
    .await;
    expect_problem(
        validate(json!({"step": "pedagogical", "decision": "approve"})).await,
        StatusCode::CONFLICT,
        "awaiting_correction",
    )
    .await;
    expect_status(
        app.patch(
            &format!("/api/v1/internships/{id}"),
            Some(&student),
            &json!({"skills": "Simulation multiphysique, mesure et essais."}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let resubmitted = expect_status(
        app.post(
            &format!("/api/v1/agreements/{id}/resubmit"),
            Some(&student),
            &json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(resubmitted["awaiting_correction"], Value::Null);
    let approved = expect_status(
        validate(json!({"step": "pedagogical", "decision": "approve"})).await,
        StatusCode::OK,
    )
    .await;
    let decisions: Vec<&str> = approved["validations"]
        .as_array()
        .expect("history")
        .iter()
        .map(|v| v["decision"].as_str().expect("decision"))
        .collect();
    assert_eq!(decisions, ["refused", "resubmitted", "approved"]);
    assert_eq!(
        approved["validations"][0]["reason"],
        "Précisez les compétences visées."
    );
    let sent = expect_status(send(&app, &id).await, StatusCode::OK).await;
    assert_eq!(
        sent["validations"][3]["step"], "administrative",
        "the office's step is given by sending: {sent}"
    );
    let parties: Vec<&str> = sent["signatures"]
        .as_array()
        .expect("signatures")
        .iter()
        .map(|s| s["party"].as_str().expect("party"))
        .collect();
    assert_eq!(parties, ["school", "company", "student", "tutor"]);

    // The four parties sign; the host's signatory first chooses a password from the welcome.
    let welcome = mailed_token(&app, representative, "/set-password?token=").await;
    expect_status(
        app.post(
            "/api/v1/auth/set-password",
            None,
            &json!({"token": welcome, "password": PASSWORD}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let company = app.login(representative, PASSWORD).await;
    for token in [&student, &company, &tutor_token] {
        let signed = expect_status(
            sign(&app, &id, token, json!({"consent": true, "version": 1})).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(signed["status"], "sent");
    }
    let done = expect_status(
        sign(&app, &id, &staff, json!({"consent": true})).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(done["status"], "signed", "{done}");
    // The certificate is prepared on the last day, in the morning.
    let pool = fieldlab::startup::open_database(&app.settings).expect("database");
    let mut conn = pool.get().expect("connection");
    let jobs = fieldlab::jobs::about(&mut conn, &id).expect("jobs");
    let certificate_job = jobs
        .iter()
        .find(|j| j.kind == "internship_certificate")
        .expect("the certificate's job");
    let last_day = NaiveDate::from_ymd_opt(2027, 6, 25).expect("day");
    assert_eq!(
        certificate_job.due_at,
        fieldlab::clock::morning_of(last_day)
    );

    // Before it is issued there is no certificate to download.
    let certificate_pdf = format!("/api/v1/internships/{id}/certificate.pdf");
    expect_problem(
        app.get(&certificate_pdf, Some(&student)).await,
        StatusCode::CONFLICT,
        "certificate_not_issued",
    )
    .await;
    // Staff prepare it now (the internship ended early, say): the supervisor is asked to
    // confirm the planned figures.
    let prepare = format!("/api/v1/internships/{id}/certificate");
    expect_problem(
        app.post(&prepare, Some(&student), &json!({})).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let prepared = expect_status(
        app.post(&prepare, Some(&staff), &json!({})).await,
        StatusCode::OK,
    )
    .await;
    let certificate = &prepared["internship"]["certificate"];
    assert_eq!(certificate["presence_hours"], 406.0);
    assert_eq!(certificate["gratification_total_cents"], 406 * 480);
    assert!(certificate["confirmed_at"].is_null());
    let token = certificate_form_token(&app, supervisor, &id).await;
    let form = format!("/api/v1/certificate-forms/{token}");
    let shown = expect_status(app.get(&form, None).await, StatusCode::OK).await;
    assert_eq!(shown["internship"]["certificate"]["presence_hours"], 406.0);

    // The supervisor corrects the hours (a day and a half of unplanned absence) and the total
    // paid: 392 h 30 at 4.80 € = 1 884.00 €.
    let confirmed = expect_status(
        app.post(
            &form,
            None,
            &json!({"presence_hours": 392.5, "gratification_total_cents": 188_400}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let certificate = &confirmed["internship"]["certificate"];
    assert!(certificate["confirmed_at"].is_string(), "{confirmed}");
    assert_eq!(certificate["presence_hours"], 392.5);
    // 392 h 30 = 56 days of 7 h and 30 minutes: 2 months (of 22 days), 12 days and 0 h 30.
    let expected = [
        "Attestationdestage",
        "Duréeeffectivetotaledustage:392h30deprésenceeffective,soit2mois,12jourset0h30.",
        "Montanttotaldelagratificationverséeaustagiaire:1884,00€.",
        "CévennesMéca",
    ];
    let mailed = pdf_text(&attached_pdf(&app, "etudiant1@etu.fr", "attestation").await);
    for text in [
        mailed,
        pdf_text(&pdf_of(app.get(&certificate_pdf, Some(&student)).await).await),
    ] {
        for e in expected {
            assert!(text.contains(e), "{e} not in {text}");
        }
        assert!(
            !text.contains("406h"),
            "the planned hours are corrected: {text}"
        );
    }
    let issued = app.mails_to("etudiant1@etu.fr").await;
    assert!(issued.iter().any(|m| m["kind"] == "certificate_issued"));

    // Once: a second confirmation, or preparing it again, is refused; others do not see it.
    expect_problem(
        app.post(&form, None, &json!({"presence_hours": 400})).await,
        StatusCode::CONFLICT,
        "certificate_confirmed",
    )
    .await;
    expect_problem(
        app.post(&prepare, Some(&staff), &json!({})).await,
        StatusCode::CONFLICT,
        "certificate_confirmed",
    )
    .await;
    let (_, other) = student_account(&app, 2).await;
    expect_problem(
        app.get(&certificate_pdf, Some(&other)).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

/// A PDF answer's bytes.
async fn pdf_of(res: Response) -> Vec<u8> {
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.headers()["content-type"].to_str().expect("type"),
        "application/pdf"
    );
    res.bytes().await.expect("bytes").to_vec()
}

#[tokio::test]
async fn presence_hours_leave_out_the_public_holidays_of_easter_and_may() {
    let app = spawn_app().await;
    let company = host(&app, 1).await;
    let (_, student) = student_account(&app, 1).await;
    // 30 March to 29 May 2026, 32 h over Monday to Thursday (8 h a day). Those nine whole
    // weeks hold 36 Mondays to Thursdays. Easter is 5 April 2026: Easter Monday (6 April),
    // Ascension (Thursday 14 May, Easter + 39) and Whit Monday (25 May, Easter + 50) fall on
    // them; 1 and 8 May are Fridays, not worked anyway. 33 days × 8 h = 264 h, which D124-6
    // counts in days of 7 h: 37 days and 5 h, i.e. 1 month (22 days), 15 days and 5 h.
    let created = expect_status(
        request(
            &app,
            &student,
            &company,
            ("2026-03-30", "2026-05-29"),
            "tuteur@hote1.fr",
            json!({"weekly_hours": 32, "work_days": ["mon", "tue", "wed", "thu"]}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let id = id(&created);
    let internship = &created["internship"];
    assert_eq!(internship["presence_hours"], 264.0, "{created}");
    assert_eq!(
        internship["presence_legal"],
        json!({"months": 1, "days": 15, "hours": 5.0})
    );
    assert_eq!(internship["daily_hours"], 8.0);
    assert_eq!(internship["work_days"], json!(["mon", "tue", "wed", "thu"]));

    // A week's interruption (18 to 22 May: four worked days, no holiday) takes 32 h off.
    let path = format!("/api/v1/internships/{id}");
    let changed = expect_status(
        app.patch(
            &path,
            Some(&student),
            &json!({"interruptions": [{"starts_on": "2026-05-18", "ends_on": "2026-05-22"}]}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(changed["internship"]["presence_hours"], 232.0);
    // Present on public holidays: the three holidays count again, (36 − 4) × 8 h.
    let changed = expect_status(
        app.patch(&path, Some(&student), &json!({"holiday_work": true}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(changed["internship"]["presence_hours"], 256.0);
}

#[tokio::test]
async fn a_siret_with_a_wrong_key_is_refused_and_a_known_one_finds_its_host() {
    let app = spawn_app().await;
    let (_, first) = student_account(&app, 1).await;
    let (_, second) = student_account(&app, 2).await;
    let new_host = |siret: &str| {
        json!({"company": {"name": "Ateliers du Gard", "city": "Alès", "siret": siret,
                           "address": "3 rue d'Avéjan", "representative_name": "Inès Roux",
                           "representative_email": "ines.roux@ateliers-gard.fr"}})
    };
    let dates = ("2027-04-05", "2027-04-30");
    // INSEE's example SIRET, 732 829 320 00074, with its key digit changed; then one digit
    // short.
    for wrong in ["73282932000075", "7328293200007"] {
        let refused = expect_problem(
            request(&app, &first, "", dates, "s@gard.fr", new_host(wrong)).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_siret",
        )
        .await;
        assert_eq!(fields(&refused), ["company.siret"], "{refused}");
    }
    assert!(app.mails_to("ines.roux@ateliers-gard.fr").await.is_empty());

    // A valid one makes the host; the same SIRET, written in groups, finds it again.
    let valid = siret(21);
    let created = expect_status(
        request(&app, &first, "", dates, "s@gard.fr", new_host(&valid)).await,
        StatusCode::CREATED,
    )
    .await;
    let grouped = format!(
        "{} {} {} {}",
        &valid[..3],
        &valid[3..6],
        &valid[6..9],
        &valid[9..]
    );
    let again = expect_status(
        request(&app, &second, "", dates, "t@gard.fr", new_host(&grouped)).await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(again["company"]["id"], created["company"]["id"]);
    assert_eq!(again["internship"]["host"]["siret"], valid.as_str());
    let welcomes = app.mails_to("ines.roux@ateliers-gard.fr").await;
    assert_eq!(
        welcomes.len(),
        1,
        "one account, welcomed once: {welcomes:?}"
    );
}

#[tokio::test]
async fn at_most_924_hours_at_one_host_in_an_academic_year() {
    let app = spawn_app().await;
    let (same, other) = (host(&app, 1).await, host(&app, 2).await);
    let (_, student) = student_account(&app, 1).await;
    // 5 January to 19 June 2026, full time: 805 h (24 weeks, less Easter Monday, 1 and 8 May,
    // Ascension and Whit Monday).
    let first = expect_status(
        request(
            &app,
            &student,
            &same,
            ("2026-01-05", "2026-06-19"),
            "a@hote1.fr",
            json!({}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(first["internship"]["presence_hours"], 805.0);
    // 6 to 31 July 2026: 20 weekdays less 14 July, 133 h. At the same host in 2025-2026:
    // 805 + 133 = 938 h > 924 h.
    let july = ("2026-07-06", "2026-07-31");
    let refused = expect_problem(
        request(&app, &student, &same, july, "b@hote1.fr", json!({})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "duration_exceeded",
    )
    .await;
    assert_eq!(refused["academic_year"], "2025-2026");
    assert_eq!(refused["used_hours"], 805.0);
    assert_eq!(refused["asked_hours"], 133.0);
    assert_eq!(refused["limit_hours"], 924.0);
    // The same hours at another host are not added up.
    let elsewhere = expect_status(
        request(&app, &student, &other, july, "c@hote2.fr", json!({})).await,
        StatusCode::CREATED,
    )
    .await;
    let year = &elsewhere["internship"]["limits"]["years"][0];
    assert_eq!(
        *year,
        json!({"academic_year": "2025-2026", "asked_hours": 133.0, "used_hours": 0.0,
               "limit_hours": 924.0})
    );
    assert_eq!(elsewhere["internship"]["limits"]["refusals"], json!([]));
}

#[tokio::test]
async fn a_gratification_is_due_from_the_309th_hour_at_the_years_minimum() {
    let app = spawn_app().await;
    let company = host(&app, 1).await;
    let (first_id, first) = student_account(&app, 1).await;
    let (_, second) = student_account(&app, 2).await;
    // 2 February to 2 April 2026, full time: February's 20 weekdays, March's 22 and 1–2 April,
    // no holiday: 44 days × 7 h = 308 h exactly. None is due.
    let exactly = expect_status(
        request(
            &app,
            &first,
            &company,
            ("2026-02-02", "2026-04-02"),
            "a@hote1.fr",
            json!({}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(exactly["internship"]["presence_hours"], 308.0);
    let done = expect_status(
        complete(
            &app,
            "a@hote1.fr",
            &id(&exactly),
            &json!({"activities": "Essais", "gratification_cents_per_hour": 0}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        done["internship"]["limits"]["gratification_required"],
        false
    );
    assert_eq!(done["internship"]["limits"]["refusals"], json!([]));

    // 2 February to 27 April 2026 at 25 h 45 a week (5 h 09 a day): 60 weekdays once Easter
    // Monday is left out, 60 × 309 min = 309 h. The student's request waits for the
    // supervisor, who decides the gratification.
    let over = expect_status(
        request(
            &app,
            &second,
            &company,
            ("2026-02-02", "2026-04-27"),
            "b@hote1.fr",
            json!({"weekly_hours": 25.75}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let over_id = id(&over);
    assert_eq!(over["internship"]["presence_hours"], 309.0);
    assert_eq!(over["internship"]["limits"]["gratification_required"], true);
    assert_eq!(
        over["internship"]["limits"]["refusals"][0]["code"],
        "gratification_required"
    );
    let refused = expect_problem(
        complete(
            &app,
            "b@hote1.fr",
            &over_id,
            &json!({"activities": "Essais"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "gratification_required",
    )
    .await;
    assert_eq!(refused["presence_hours"], 309.0);
    assert_eq!(refused["threshold_hours"], 308.0);
    assert_eq!(refused["minimum_cents_per_hour"], 450);
    let refused = expect_problem(
        complete(
            &app,
            "b@hote1.fr",
            &over_id,
            &json!({"gratification_cents_per_hour": 449}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "gratification_below_minimum",
    )
    .await;
    assert_eq!(refused["year"], 2026);
    assert_eq!(refused["offered_cents_per_hour"], 449);
    assert_eq!(refused["minimum_cents_per_hour"], 450);
    // Refused, nothing kept: the part is still to give.
    let path = format!("/api/v1/internships/{over_id}");
    let kept = expect_status(app.get(&path, Some(&app.staff_token)).await, StatusCode::OK).await;
    assert!(kept["internship"]["supervisor_completed_at"].is_null());
    assert!(kept["internship"]["gratification_cents_per_hour"].is_null());
    let given = expect_status(
        complete(
            &app,
            "b@hote1.fr",
            &over_id,
            &json!({"gratification_cents_per_hour": 450}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(given["internship"]["limits"]["refusals"], json!([]));
    // Once the supervisor has given it, staff cannot take it away.
    expect_problem(
        app.patch(
            &path,
            Some(&app.staff_token),
            &json!({"gratification_cents_per_hour": 0}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "gratification_required",
    )
    .await;

    // 2027 has no minimum configured yet: 2026's applies, provisionally, and at once when an
    // amount is offered.
    let refused = expect_problem(
        request(
            &app,
            &app.staff_token,
            &company,
            ("2027-04-05", "2027-08-27"),
            "c@hote1.fr",
            json!({"student_id": first_id, "gratification_cents_per_hour": 449}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "gratification_below_minimum",
    )
    .await;
    assert_eq!(refused["year"], 2026);
    assert_eq!(refused["minimum_cents_per_hour"], 450);
    let provisional = expect_status(
        request(
            &app,
            &app.staff_token,
            &company,
            ("2027-04-05", "2027-08-27"),
            "c@hote1.fr",
            json!({"student_id": first_id, "gratification_cents_per_hour": 450}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let limits = &provisional["internship"]["limits"];
    assert_eq!(limits["minimum_year"], 2026);
    assert_eq!(limits["minimum_provisional"], true);
}

#[tokio::test]
async fn a_supervisor_follows_at_most_three_internships_in_progress() {
    let app = spawn_app().await;
    let company = host(&app, 1).await;
    let supervisor = "tutrice@hote1.fr";
    for n in 1..=3 {
        let (_, student) = student_account(&app, n).await;
        expect_status(
            request(
                &app,
                &student,
                &company,
                ("2026-03-02", "2026-04-30"),
                supervisor,
                json!({}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
    }
    // A fourth starting on 20 April, while the three are in progress: refused, whatever the
    // case of the e-mail.
    let (_, fourth) = student_account(&app, 4).await;
    let refused = expect_problem(
        request(
            &app,
            &fourth,
            &company,
            ("2026-04-20", "2026-05-29"),
            "Tutrice@Hote1.FR",
            json!({}),
        )
        .await,
        StatusCode::CONFLICT,
        "supervisor_full",
    )
    .await;
    assert_eq!(refused["in_progress"], 3);
    assert_eq!(refused["limit"], 3);
    // Starting once they have ended, on 4 May: accepted.
    expect_status(
        request(
            &app,
            &fourth,
            &company,
            ("2026-05-04", "2026-05-29"),
            supervisor,
            json!({}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
}

#[tokio::test]
async fn a_students_internships_may_overlap_only_when_staff_allow_it() {
    let app = spawn_app().await;
    let (first_host, second_host) = (host(&app, 1).await, host(&app, 2).await);
    let (_, student) = student_account(&app, 1).await;
    let first = expect_status(
        request(
            &app,
            &student,
            &first_host,
            ("2026-03-02", "2026-04-30"),
            "a@hote1.fr",
            json!({}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let refused = expect_problem(
        request(
            &app,
            &student,
            &second_host,
            ("2026-04-20", "2026-05-29"),
            "b@hote2.fr",
            json!({}),
        )
        .await,
        StatusCode::CONFLICT,
        "internship_overlap",
    )
    .await;
    assert_eq!(refused["other_starts_on"], "2026-03-02");
    assert_eq!(refused["other_ends_on"], "2026-04-30");

    // Requested after the first, then moved onto it: refused for staff too, until they allow
    // it (two part-time hosts, say).
    let created = expect_status(
        request(
            &app,
            &student,
            &second_host,
            ("2026-05-04", "2026-05-29"),
            "b@hote2.fr",
            json!({}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let path = format!("/api/v1/internships/{}", id(&created));
    expect_problem(
        app.patch(
            &path,
            Some(&app.staff_token),
            &json!({"starts_on": "2026-04-20"}),
        )
        .await,
        StatusCode::CONFLICT,
        "internship_overlap",
    )
    .await;
    let allowed = expect_status(
        app.patch(
            &path,
            Some(&app.staff_token),
            &json!({"starts_on": "2026-04-20", "overlap_allowed": true}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(allowed["starts_on"], "2026-04-20");
    assert_eq!(allowed["internship"]["overlap_allowed"], true);
    assert_eq!(allowed["internship"]["limits"]["refusals"], json!([]));
    // The overlap allowed holds for the first one too: it can still be changed.
    let first = expect_status(
        app.patch(
            &format!("/api/v1/internships/{}", id(&first)),
            Some(&student),
            &json!({"subject": "Banc d'essai"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(first["internship"]["limits"]["refusals"], json!([]));
}

#[tokio::test]
async fn a_small_hosts_fourth_intern_at_once_is_a_warning_not_a_refusal() {
    let app = spawn_app().await;
    let (_, first) = student_account(&app, 1).await;
    // A host of 10 people, new to fieldlab: at most 3 interns at once (R124-10).
    let created = expect_status(
        request(
            &app,
            &first,
            "",
            ("2026-06-01", "2026-07-31"),
            "t1@petite.fr",
            json!({"company": {"name": "Petite Fabrique", "city": "Uzès", "siret": siret(31),
                               "address": "1 place aux Herbes",
                               "representative_name": "Léa Petit",
                               "representative_email": "lea.petit@petite.fr",
                               "headcount": 10}}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let company = created["company"]["id"].as_str().expect("id").to_owned();
    let mut last = Value::Null;
    for n in 2..=4 {
        let (_, student) = student_account(&app, n).await;
        last = expect_status(
            request(
                &app,
                &student,
                &company,
                ("2026-07-01", "2026-08-31"),
                &format!("t{n}@petite.fr"),
                json!({}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        let limits = &last["internship"]["limits"];
        if n < 4 {
            assert_eq!(limits["warnings"], json!([]), "{n}: {last}");
        }
    }
    // The fourth: warned, with the figures, not refused.
    let limits = &last["internship"]["limits"];
    assert_eq!(limits["refusals"], json!([]));
    assert_eq!(limits["warnings"][0]["code"], "host_quota", "{last}");
    let detail = limits["warnings"][0]["detail"].as_str().expect("detail");
    assert!(
        detail.contains("4 interns in one week at a host of 10 people (quota 3)"),
        "{detail}"
    );
    // Staff correct the headcount to 21 (quota: 15 % rounded up, 4): no warning.
    let corrected = expect_status(
        app.patch(
            &format!("/api/v1/internships/{}", id(&last)),
            Some(&app.staff_token),
            &json!({"company": {"headcount": 21}}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(corrected["internship"]["host"]["headcount"], 21);
    assert_eq!(corrected["internship"]["limits"]["warnings"], json!([]));
}

#[tokio::test]
async fn sending_waits_for_every_part_and_for_the_limits_judged_again() {
    let app = spawn_app().await;
    let staff = app.staff_token.clone();
    let company = host(&app, 1).await;
    let (first_id, _) = student_account(&app, 1).await;
    let supervisor = "tuteur@hote1.fr";
    // 5 to 30 April 2027: 140 h, no gratification due.
    let created = expect_status(
        request(
            &app,
            &staff,
            &company,
            ("2027-04-05", "2027-04-30"),
            supervisor,
            json!({"student_id": first_id}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let id = id(&created);
    let refused = expect_problem(
        send(&app, &id).await,
        StatusCode::CONFLICT,
        "internship_incomplete",
    )
    .await;
    assert_eq!(
        refused["missing"],
        json!(["supervisor_part", "academic_tutor", "siret"])
    );
    expect_status(
        complete(&app, supervisor, &id, &json!({"activities": "Essais"})).await,
        StatusCode::OK,
    )
    .await;
    let refused = expect_problem(
        send(&app, &id).await,
        StatusCode::CONFLICT,
        "internship_incomplete",
    )
    .await;
    assert_eq!(refused["missing"], json!(["academic_tutor", "siret"]));
    let (tutor, _) = app.user_with_role("tutor", "ref@mines-ales.fr").await;
    let ready = expect_status(
        app.patch(
            &format!("/api/v1/internships/{id}"),
            Some(&staff),
            &json!({"academic_tutor_id": crate::helpers::id(&tutor),
                    "company": {"siret": siret(41), "address": "2 rue Droite",
                                "representative_name": "Marc Vidal"}}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(ready["internship"]["limits"]["ready_to_send"], true);
    // Staff may give the pedagogical step too.
    expect_status(
        app.post(
            &format!("/api/v1/agreements/{id}/validations"),
            Some(&staff),
            &json!({"step": "pedagogical", "decision": "approve"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;

    // Meanwhile the same supervisor is designated for three internships from 1 March, each
    // accepted (on 1 March they were the supervisor's first three): on 5 April, this one's
    // first day, they are in progress, so sending is refused with that limit's figures.
    let mut others = Vec::new();
    for n in 2..=4 {
        let (student_id, _) = student_account(&app, n).await;
        let other = expect_status(
            request(
                &app,
                &staff,
                &company,
                ("2027-03-01", "2027-05-28"),
                supervisor,
                json!({"student_id": student_id}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        others.push(crate::helpers::id(&other));
    }
    let refused = expect_problem(
        send(&app, &id).await,
        StatusCode::CONFLICT,
        "supervisor_full",
    )
    .await;
    assert_eq!(refused["in_progress"], 3);
    // One of them cancelled: sent.
    expect_status(
        app.post(
            &format!("/api/v1/agreements/{}/cancel", others[0]),
            Some(&staff),
            &json!({"reason": "Stage annulé"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let sent = expect_status(send(&app, &id).await, StatusCode::OK).await;
    assert_eq!(sent["status"], "sent");
}

#[tokio::test]
async fn bad_input_is_named_and_a_sent_internship_is_closed_to_its_link() {
    let app = spawn_app().await;
    let company = host(&app, 1).await;
    let (_, student) = student_account(&app, 1).await;
    let dates = ("2027-04-05", "2027-04-30");
    // More than 48 hours a week, or more than 10 hours a day.
    for (more, field) in [
        (json!({"weekly_hours": 50}), "weekly_hours"),
        (
            json!({"weekly_hours": 45, "work_days": ["mon", "tue", "wed", "thu"]}),
            "weekly_hours",
        ),
        (json!({"work_days": ["lundi"]}), "work_days"),
    ] {
        let refused = expect_problem(
            request(&app, &student, &company, dates, "t@hote1.fr", more.clone()).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(fields(&refused), [field], "{more}: {refused}");
    }
    // A student names no academic tutor and allows no overlap: staff do.
    let (tutor, _) = app.user_with_role("tutor", "ref@mines-ales.fr").await;
    let refused = expect_problem(
        request(
            &app,
            &student,
            &company,
            dates,
            "t@hote1.fr",
            json!({"academic_tutor_id": id(&tutor), "overlap_allowed": true}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(
        fields(&refused),
        ["academic_tutor_id", "overlap_allowed"],
        "{refused}"
    );
    assert!(app.mails_to("t@hote1.fr").await.is_empty(), "nothing made");

    // Once sent, the supervisor's link no longer changes it, nor does the student.
    let ready = ready_internship(
        &app,
        &student,
        &internship_request(&company, json!({"supervisor_email": "t@hote1.fr"})),
        &supervisor_part(json!({})),
        &json!({"siret": siret(51)}),
    )
    .await;
    expect_status(send(&app, &ready.id).await, StatusCode::OK).await;
    expect_problem(
        app.put(
            &format!("/api/v1/internship-forms/{}", ready.form_token),
            None,
            &json!({"activities": "Autre chose"}),
        )
        .await,
        StatusCode::CONFLICT,
        "invalid_transition",
    )
    .await;
    expect_problem(
        app.patch(
            &format!("/api/v1/internships/{}", ready.id),
            Some(&student),
            &json!({"subject": "Autre chose"}),
        )
        .await,
        StatusCode::CONFLICT,
        "invalid_transition",
    )
    .await;
    let res = app
        .get(&format!("/api/v1/internships/{}", ready.id), Some(&student))
        .await;
    let kept = expect_status(res, StatusCode::OK).await;
    assert_eq!(kept["status"], "sent");
    assert_eq!(kept["subject"], "Jumeau numérique d'une presse");
    assert_ne!(kept["internship"]["activities"], "Autre chose");
}

#[tokio::test]
async fn the_office_sends_every_ready_internship_at_once_and_lists_the_others_with_why() {
    let app = spawn_app().await;
    let staff = app.staff_token.clone();
    let company = host(&app, 61).await;
    let (_, student) = student_account(&app, 61).await;
    let (other_id, _) = student_account(&app, 62).await;
    let ready = ready_internship(
        &app,
        &student,
        &internship_request(&company, json!({"supervisor_email": "t@hote61.fr"})),
        &supervisor_part(json!({})),
        &json!({"siret": siret(61)}),
    )
    .await;
    // Another one, still waiting for its supervisor's part.
    let waiting = expect_status(
        app.post(
            "/api/v1/internships",
            Some(&staff),
            &internship_request(
                &company,
                json!({"student_id": other_id, "supervisor_email": "u@hote61.fr"}),
            ),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let outcome = expect_status(
        app.post("/api/v1/internships/send", Some(&staff), &json!({}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(outcome["sent"], json!([ready.id]), "{outcome}");
    assert_eq!(
        outcome["skipped"][0]["agreement_id"],
        id(&waiting),
        "{outcome}"
    );
    assert_eq!(
        outcome["skipped"][0]["code"], "internship_incomplete",
        "{outcome}"
    );
    let sent = expect_status(
        app.get(&format!("/api/v1/internships/{}", ready.id), Some(&staff))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(sent["status"], "sent");
    assert_eq!(sent["signatures"].as_array().map(Vec::len), Some(4));
}
