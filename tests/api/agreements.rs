//! Agreements from a published campaign to signed, the internship and research ones, versions,
//! the register, scheduled reminders and warnings (across two servers and a restart), and the
//! marks at a mission's end.

use std::time::Duration;

use fieldlab::startup::{open_database, Application};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{
    attached_pdf, company_and_student, eventually, expect_problem, expect_status,
    internship_request, pdf, published_missions, ready_internship, sign, siret, spawn_app,
    spawn_app_with, supervisor_part, TestApp, PASSWORD, STAFF_EMAIL,
};

/// The PDF's text with all whitespace removed (extraction splits lines and words freely).
pub(crate) fn pdf_text(bytes: &[u8]) -> String {
    let text = pdf_extract::extract_text_from_mem(bytes).expect("the PDF's text");
    text.split_whitespace().collect()
}

fn flat(s: &str) -> String {
    s.split_whitespace().collect()
}

#[tokio::test]
async fn a_field_mission_agreement_goes_from_publication_to_signed_by_its_three_parties() {
    let app = spawn_app().await;
    let missions = published_missions(&app, 2).await;
    let staff = app.staff_token.clone();

    // Publishing drafted one agreement per student.
    let list = expect_status(
        app.get("/api/v1/agreements?kind=field_mission", Some(&staff))
            .await,
        StatusCode::OK,
    )
    .await;
    let items = list["items"].as_array().expect("items");
    assert_eq!(items.len(), 2, "{list}");
    let a = items
        .iter()
        .find(|a| a["mission_id"] == missions[0].0.as_str())
        .expect("the first mission's agreement");
    let id = a["id"].as_str().expect("id").to_owned();
    assert_eq!(a["status"], "draft");
    assert_eq!(a["signatures"], json!([]));
    let student = a["student"]["email"].as_str().expect("student").to_owned();
    let contact = a["company"]["contact"]["email"]
        .as_str()
        .expect("contact")
        .to_owned();

    // The draft's PDF names the parties and the dates, in French.
    let starts_on: chrono::NaiveDate = a["starts_on"].as_str().expect("d").parse().expect("d");
    let ends_on: chrono::NaiveDate = a["ends_on"].as_str().expect("d").parse().expect("d");
    let text = pdf_text(&pdf(&app, &id, &staff).await);
    let french = |d| fieldlab::mail::templates::long_date(d, fieldlab::mail::domain::Locale::Fr);
    for expected in [
        "Conventiondemissiondeterrain".to_owned(),
        flat(a["company"]["name"].as_str().expect("name")),
        flat(a["student"]["name"].as_str().expect("name")),
        flat("Admin Staff"),
        flat(&french(starts_on)),
        flat(&french(ends_on)),
        flat(a["subject"].as_str().expect("subject")),
    ] {
        assert!(
            text.contains(&expected),
            "{expected} not in the PDF: {text}"
        );
    }

    // A student sees their own agreement only; the other's is 404.
    let mine = expect_status(
        app.get("/api/v1/agreements", Some(&missions[0].1)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(mine["items"].as_array().expect("items").len(), 1);
    expect_problem(
        app.get(&format!("/api/v1/agreements/{id}"), Some(&missions[1].1))
            .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    // Signing a draft: not yet.
    expect_problem(
        sign(&app, &id, &missions[0].1, json!({"consent": true})).await,
        StatusCode::CONFLICT,
        "invalid_transition",
    )
    .await;

    // Sent: the PDF is frozen, each signatory e-mailed a link.
    let sent = expect_status(
        app.post(
            &format!("/api/v1/agreements/{id}/send"),
            Some(&staff),
            &json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(sent["status"], "sent");
    let sha = sent["document_sha256"].as_str().expect("sha").to_owned();
    assert_eq!(sha.len(), 64);
    let parties: Vec<&str> = sent["signatures"]
        .as_array()
        .expect("signatures")
        .iter()
        .map(|s| s["party"].as_str().expect("party"))
        .collect();
    assert_eq!(parties, ["school", "company", "student"]);
    let frozen = pdf(&app, &id, &staff).await;
    use sha2::Digest;
    assert_eq!(hex::encode(sha2::Sha256::digest(&frozen)), sha);
    let link = format!("/app/agreements/{id}");
    for to in [student.as_str(), contact.as_str(), STAFF_EMAIL] {
        let mails = app.mails_to(to).await;
        assert!(
            mails.iter().any(|m| m["kind"] == "agreement_to_sign"),
            "{to}: {mails:?}"
        );
    }
    let body = crate::helpers::wait_for_eml_about(&app, &student, "à signer").await;
    assert!(body.contains(&link), "{body}");
    // Sending twice is refused.
    expect_problem(
        app.post(
            &format!("/api/v1/agreements/{id}/send"),
            Some(&staff),
            &json!({}),
        )
        .await,
        StatusCode::CONFLICT,
        "invalid_transition",
    )
    .await;

    // Someone who is not a party: 404, like an agreement that does not exist.
    expect_problem(
        sign(&app, &id, &missions[1].1, json!({"consent": true})).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    // Without the consent: refused beside the box.
    let refused = expect_problem(
        sign(&app, &id, &missions[0].1, json!({"consent": false})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "consent_required",
    )
    .await;
    assert_eq!(refused["errors"][0]["field"], "consent");

    // The student signs; signing again changes nothing.
    let once = expect_status(
        sign(
            &app,
            &id,
            &missions[0].1,
            json!({"consent": true, "version": 1}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let signed_at = once["signatures"][2]["signed_at"].clone();
    assert!(signed_at.is_string(), "{once}");
    assert_eq!(once["signatures"][2]["document_sha256"], sha.as_str());
    let twice = expect_status(
        sign(&app, &id, &missions[0].1, json!({"consent": true})).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(twice["signatures"][2]["signed_at"], signed_at);
    assert_eq!(twice["status"], "sent");

    // The company's contact, then the school: signed, and everyone gets the final PDF.
    let company = app.login(&contact, PASSWORD).await;
    expect_status(
        sign(&app, &id, &company, json!({"consent": true})).await,
        StatusCode::OK,
    )
    .await;
    let done = expect_status(
        sign(&app, &id, &staff, json!({"consent": true})).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(done["status"], "signed", "{done}");
    assert!(done["signed_at"].is_string());
    for to in [student.as_str(), contact.as_str(), STAFF_EMAIL] {
        let text = pdf_text(&attached_pdf(&app, to, "signée").await);
        assert!(text.contains("Signatures"), "{to}: {text}");
        assert!(
            text.contains(&sha),
            "{to}: the signed document's fingerprint"
        );
    }
    // Signed: nothing more to sign, cancel or change.
    expect_problem(
        app.post(
            &format!("/api/v1/agreements/{id}/cancel"),
            Some(&staff),
            &json!({}),
        )
        .await,
        StatusCode::CONFLICT,
        "invalid_transition",
    )
    .await;
}

#[tokio::test]
async fn a_change_to_a_sent_agreement_voids_its_signatures_and_makes_a_new_version() {
    let app = spawn_app().await;
    let staff = app.staff_token.clone();
    let (company_id, contact, student_id, student) = company_and_student(&app).await;

    // Staff create internships and research agreements, not field-mission ones.
    let refused = expect_problem(
        app.post(
            "/api/v1/agreements",
            Some(&staff),
            &json!({"kind": "research", "company_id": company_id, "subject": "X",
                    "starts_on": "2027-04-05", "ends_on": "2027-03-01"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    let fields: Vec<&str> = refused["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["field"].as_str().expect("field"))
        .collect();
    assert_eq!(fields, ["tutor_id", "ends_on"], "{refused}");

    // Internships are requested through /internships, not here.
    let refused = expect_problem(
        app.post(
            "/api/v1/agreements",
            Some(&staff),
            &json!({"kind": "internship", "company_id": company_id, "student_id": student_id,
                    "subject": "X", "starts_on": "2027-04-05", "ends_on": "2027-08-27"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(refused["errors"][0]["field"], "kind", "{refused}");

    let ready = ready_internship(
        &app,
        &staff,
        &internship_request(&company_id, json!({"student_id": student_id})),
        &supervisor_part(json!({})),
        &json!({"siret": siret(1), "address": "12 route de Saint-Jean",
                "representative_name": "Claire Fabre", "representative_role": "gérante"}),
    )
    .await;
    let id = ready.id.clone();
    assert_eq!(
        ready.view["place"], "Anduze",
        "the company's city by default"
    );
    let text = pdf_text(&pdf(&app, &id, &staff).await);
    for expected in [
        "Conventiondestage",
        "CévennesMéca",
        "PaulGardon",
        // The internship's clauses date without the weekday.
        "Lestagesedérouledu5avril2027au27août2027",
        &flat(&siret(1)),
    ] {
        assert!(text.contains(expected), "{expected}: {text}");
    }
    assert!(!text.contains("lundi5avril2027"), "{text}");
    let sent = expect_status(
        app.post(
            &format!("/api/v1/agreements/{id}/send"),
            Some(&staff),
            &json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let parties: Vec<&str> = sent["signatures"]
        .as_array()
        .expect("signatures")
        .iter()
        .map(|s| s["party"].as_str().expect("party"))
        .collect();
    assert_eq!(parties, ["school", "company", "student", "tutor"]);
    expect_status(
        sign(&app, &id, &student, json!({"consent": true, "version": 1})).await,
        StatusCode::OK,
    )
    .await;

    // The end date moves: version 2, every signature void, every party asked again.
    let changed = expect_status(
        app.patch(
            &format!("/api/v1/agreements/{id}"),
            Some(&staff),
            &json!({"ends_on": "2027-09-10"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(changed["version"], 2);
    assert_eq!(changed["status"], "sent");
    assert!(changed["signatures"]
        .as_array()
        .expect("signatures")
        .iter()
        .all(|s| s["signed_at"].is_null()));
    assert!(pdf_text(&pdf(&app, &id, &staff).await).contains("au10septembre2027"));
    let tutor_email = sent["signatures"][3]["signatory"]["email"]
        .as_str()
        .expect("the academic tutor")
        .to_owned();
    for to in ["lina@etu.fr", tutor_email.as_str()] {
        let asked = app.mails_to(to).await;
        assert_eq!(
            asked
                .iter()
                .filter(|m| m["kind"] == "agreement_to_sign")
                .count(),
            2,
            "{to}: sent, then the new version"
        );
    }
    // The version read before the change cannot be signed.
    let stale = expect_problem(
        sign(&app, &id, &student, json!({"consent": true, "version": 1})).await,
        StatusCode::CONFLICT,
        "agreement_changed",
    )
    .await;
    assert_eq!(stale["current_version"], 2);
    let now = expect_status(
        sign(&app, &id, &student, json!({"consent": true, "version": 2})).await,
        StatusCode::OK,
    )
    .await;
    assert!(now["signatures"][2]["signed_at"].is_string());

    // Cancelled: nobody signs it any more.
    let cancelled = expect_status(
        app.post(
            &format!("/api/v1/agreements/{id}/cancel"),
            Some(&staff),
            &json!({"reason": "Stage reporté"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(cancelled["cancel_reason"], "Stage reporté");
    // Every party is told, with the reason.
    for to in ["lina@etu.fr", "rh@cevennes-meca.fr"] {
        let mail = crate::helpers::wait_for_eml_about(&app, to, "annulée").await;
        assert!(mail.contains("Stage reporté"), "{to}: {mail}");
    }
    expect_problem(
        sign(&app, &id, &contact, json!({"consent": true})).await,
        StatusCode::CONFLICT,
        "invalid_transition",
    )
    .await;
    // Parties only: a student is refused staff's actions.
    expect_problem(
        app.post("/api/v1/agreements", Some(&student), &json!({}))
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
}

#[tokio::test]
async fn the_register_opens_in_a_french_spreadsheet() {
    let app = spawn_app().await;
    let staff = app.staff_token.clone();
    let (company_id, _, student_id, _) = company_and_student(&app).await;
    let created = expect_status(
        app.post(
            "/api/v1/internships",
            Some(&staff),
            &internship_request(
                &company_id,
                json!({"student_id": student_id, "subject": "=HYPERLINK(\"http://x\")"}),
            ),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let res = app
        .get("/api/v1/agreements.csv?kind=internship", Some(&staff))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-disposition"]
        .to_str()
        .expect("header")
        .contains("conventions.csv"));
    let csv = res.text().await.expect("text");
    assert!(csv.starts_with('\u{feff}'), "a BOM for the accents");
    let mut lines = csv.trim_start_matches('\u{feff}').lines();
    let header = lines.next().expect("header");
    assert!(header.starts_with("reference;kind;status;version;campaign;company"));
    let line = lines.next().expect("the agreement");
    assert!(
        line.contains(";internship;draft;1;;Cévennes Méca;"),
        "{line}"
    );
    assert!(
        line.contains(";05/04/2027;27/08/2027;"),
        "French dates: {line}"
    );
    assert!(line.contains("'=HYPERLINK"), "no formula runs: {line}");
    assert!(line.ends_with(created["id"].as_str().expect("id")));
    assert_eq!(lines.next(), None);
    // Students do not read the register; a bad filter is named.
    let (_, student) = app.user_with_role("student", "autre@etu.fr").await;
    expect_problem(
        app.get("/api/v1/agreements.csv", Some(&student)).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    expect_problem(
        app.get("/api/v1/agreements?status=lost", Some(&staff))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
}

/// Another server on the same database, polling for jobs every second.
fn another_instance(app: &TestApp) -> actix_web::dev::ServerHandle {
    let mut settings = app.settings.clone();
    settings.server.port = 0;
    settings.jobs.poll_seconds = 1;
    let instance = Application::build(settings).expect("a second server starts");
    let handle = instance.handle();
    tokio::spawn(instance.run_until_stopped());
    handle
}

#[tokio::test]
async fn scheduled_jobs_run_once_across_two_servers_and_after_a_restart() {
    // The test's own server looks for jobs only as it starts: the jobs below wait for others.
    let app = spawn_app_with(|s| s.jobs.poll_seconds = 3600).await;
    let staff = app.staff_token.clone();
    let missions = published_missions(&app, 1).await;
    let list = expect_status(
        app.get("/api/v1/agreements", Some(&staff)).await,
        StatusCode::OK,
    )
    .await;
    let id = list["items"][0]["id"].as_str().expect("id").to_owned();
    let student_email = list["items"][0]["student"]["email"]
        .as_str()
        .expect("student")
        .to_owned();
    let contact = list["items"][0]["company"]["contact"]["email"]
        .as_str()
        .expect("contact")
        .to_owned();
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
    expect_status(
        sign(&app, &id, &missions[0].1, json!({"consent": true})).await,
        StatusCode::OK,
    )
    .await;
    let pool = open_database(&app.settings).expect("database");
    let mut conn = pool.get().expect("connection");
    // Sending scheduled the first reminder (in `reminder_days`) and the staff's warning.
    let kinds: Vec<String> = fieldlab::jobs::about(&mut conn, &id)
        .expect("jobs")
        .into_iter()
        .map(|j| j.kind)
        .collect();
    assert_eq!(kinds, ["agreement_reminder"]);

    // A reminder due now, and forty warnings for days without agreements (no e-mail each).
    let now = fieldlab::db::now() - chrono::Duration::seconds(1);
    fieldlab::jobs::schedule(&mut conn, "agreement_reminder", &id, now).expect("scheduled");
    let days: Vec<String> = (0..40)
        .map(|i| {
            (chrono::NaiveDate::from_ymd_opt(2030, 1, 1).expect("day") + chrono::Duration::days(i))
                .to_string()
        })
        .collect();
    for day in &days {
        fieldlab::jobs::schedule(&mut conn, "agreements_unsigned_warning", day, now)
            .expect("scheduled");
    }
    // No server polls: they wait in the database.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(app.mails_to(&contact).await.iter().all(|m| !m["subject"]
        .as_str()
        .unwrap_or_default()
        .starts_with("Rappel")));

    // Two servers start (a restart, twice over): each job runs once, on one of them.
    let first = another_instance(&app);
    let second = another_instance(&app);
    let all_done = eventually(Duration::from_secs(20), || {
        let pool = pool.clone();
        let days = days.clone();
        let id = id.clone();
        async move {
            let mut conn = pool.get().expect("connection");
            let mut jobs = fieldlab::jobs::about(&mut conn, &id).expect("jobs");
            for day in &days {
                jobs.extend(fieldlab::jobs::about(&mut conn, day).expect("jobs"));
            }
            jobs.iter()
                .filter(|j| j.due_at <= now)
                .all(|j| j.status == "done")
        }
    })
    .await;
    assert!(all_done, "the due jobs ran");
    let mut ran = fieldlab::jobs::about(&mut conn, &id).expect("jobs");
    for day in &days {
        ran.extend(fieldlab::jobs::about(&mut conn, day).expect("jobs"));
    }
    let due: Vec<_> = ran.iter().filter(|j| j.due_at <= now).collect();
    assert_eq!(due.len(), 41);
    for job in &due {
        assert_eq!(job.attempts, 1, "{} ran more than once: {job:?}", job.kind);
        assert!(job.done_by.is_some());
    }
    // The reminder went to those who have not signed: not to the student who has.
    let reminded = |mails: Vec<Value>| {
        mails
            .iter()
            .filter(|m| {
                m["subject"]
                    .as_str()
                    .unwrap_or_default()
                    .starts_with("Rappel")
            })
            .count()
    };
    assert_eq!(reminded(app.mails_to(&contact).await), 1);
    assert_eq!(reminded(app.mails_to(STAFF_EMAIL).await), 1);
    assert_eq!(reminded(app.mails_to(&student_email).await), 0);

    // Once signed, a reminder sends nothing.
    let company = app.login(&contact, PASSWORD).await;
    expect_status(
        sign(&app, &id, &company, json!({"consent": true})).await,
        StatusCode::OK,
    )
    .await;
    expect_status(
        sign(&app, &id, &staff, json!({"consent": true})).await,
        StatusCode::OK,
    )
    .await;
    let later = fieldlab::db::now();
    fieldlab::jobs::schedule(&mut conn, "agreement_reminder", &id, later).expect("scheduled");
    let done = eventually(Duration::from_secs(10), || {
        let pool = pool.clone();
        let id = id.clone();
        async move {
            let mut conn = pool.get().expect("connection");
            fieldlab::jobs::about(&mut conn, &id)
                .expect("jobs")
                .iter()
                .filter(|j| j.due_at == later)
                .all(|j| j.status == "done")
        }
    })
    .await;
    assert!(done);
    assert_eq!(
        reminded(app.mails_to(&contact).await),
        1,
        "no reminder once signed"
    );
    drop((first.stop(false), second.stop(false)));
}

#[tokio::test]
async fn companies_and_tutors_grade_the_team_and_students_see_their_marks_once_both_are_in() {
    let app = spawn_app_with(|s| s.jobs.poll_seconds = 1).await;
    let staff = app.staff_token.clone();
    let missions = published_missions(&app, 2).await;
    let (mission, student) = missions[0].clone();
    let res = app
        .post(
            "/api/v1/tutors",
            Some(&staff),
            &json!({"email": "eval@mines-ales.fr", "name": "Éva Luation", "password": PASSWORD,
                    "domains": ["materials"], "max_projects": 2, "max_missions": 2}),
        )
        .await;
    let tutor_id = expect_status(res, StatusCode::CREATED).await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    expect_status(
        app.put(
            &format!("/api/v1/missions/{mission}/tutor"),
            Some(&staff),
            &json!({"tutor_id": tutor_id}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let tutor = app.login("eval@mines-ales.fr", PASSWORD).await;
    let detail = expect_status(
        app.get(&format!("/api/v1/missions/{mission}"), Some(&staff))
            .await,
        StatusCode::OK,
    )
    .await;
    let contact_email = detail["contact"]["email"]
        .as_str()
        .expect("contact")
        .to_owned();
    let company = app.login(&contact_email, PASSWORD).await;
    let student_id = detail["team"]["members"][0]["id"]
        .as_str()
        .expect("member")
        .to_owned();
    let path = format!("/api/v1/missions/{mission}/evaluations");

    // Asked on the mission's last day (scheduled at publication): due now here.
    let pool = open_database(&app.settings).expect("database");
    let mut conn = pool.get().expect("connection");
    // Marks open when the mission starts: both missions started yesterday.
    {
        use diesel::prelude::*;
        use fieldlab::db::schema::missions;
        let yesterday = chrono::Utc::now().date_naive() - chrono::Duration::days(1);
        diesel::update(missions::table)
            .set(missions::starts_on.eq(yesterday))
            .execute(&mut conn)
            .expect("started");
    }
    let scheduled = fieldlab::jobs::about(&mut conn, &mission).expect("jobs");
    assert_eq!(scheduled.len(), 1);
    assert_eq!(scheduled[0].kind, "evaluation_request");
    fieldlab::jobs::schedule(
        &mut conn,
        "evaluation_request",
        &mission,
        fieldlab::db::now(),
    )
    .expect("due now");
    crate::helpers::wait_for_eml_about(&app, "eval@mines-ales.fr", "Évaluation de l'équipe").await;
    crate::helpers::wait_for_eml_about(&app, &contact_email, "Évaluation de l'équipe").await;

    // Out of 20, for team members: refused beside the mark.
    expect_problem(
        app.post(&path, Some(&company), &json!({"marks": [{"mark": 21}]}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    expect_problem(
        app.post(
            &path,
            Some(&company),
            &json!({"marks": [{"student_id": "nobody", "mark": 12}]}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    // Students and staff do not mark; another mission's student does not even see it.
    expect_problem(
        app.post(&path, Some(&student), &json!({"marks": [{"mark": 12}]}))
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    expect_problem(
        app.get(&path, Some(&missions[1].1)).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;

    let company_marks = expect_status(
        app.post(
            &path,
            Some(&company),
            &json!({"marks": [{"mark": 15.5, "comments": "Équipe solide"}]}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(company_marks["missing"], json!(["tutor"]));
    // The student waits for both.
    let waiting = expect_status(app.get(&path, Some(&student)).await, StatusCode::OK).await;
    assert_eq!(waiting["complete"], false);
    assert_eq!(waiting["items"], json!([]));

    let tutor_marks = expect_status(
        app.post(&path, Some(&tutor), &json!({"marks": [{"student_id": student_id, "mark": 14, "comments": "Rapport clair"}]})).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(tutor_marks["complete"], true);
    let seen = expect_status(app.get(&path, Some(&student)).await, StatusCode::OK).await;
    assert_eq!(seen["complete"], true);
    let marks: Vec<f64> = seen["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["mark"].as_f64().expect("mark"))
        .collect();
    assert_eq!(marks, [15.5, 14.0]);
    // Marking again replaces the mark.
    expect_status(
        app.post(&path, Some(&company), &json!({"marks": [{"mark": 16}]}))
            .await,
        StatusCode::OK,
    )
    .await;

    // Staff export the campaign's marks for a French spreadsheet.
    let campaign = detail["campaign_id"].as_str().expect("campaign");
    let res = app
        .get(
            &format!("/api/v1/campaigns/{campaign}/evaluations.csv"),
            Some(&staff),
        )
        .await;
    let csv = res.text().await.expect("csv");
    assert!(csv.starts_with('\u{feff}'));
    let line = csv
        .lines()
        .find(|l| l.contains("Rapport clair"))
        .expect("the student's line");
    assert!(line.contains(";16;;;14;;Rapport clair;"), "{line}");
    let other = csv
        .lines()
        .filter(|l| l.ends_with(";company, tutor"))
        .count();
    assert_eq!(other, 1, "the other mission waits for both: {csv}");
}
