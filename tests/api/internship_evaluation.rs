//! The company supervisor's evaluation of an intern: asked by a job on the last day of a signed
//! internship, given once from the e-mailed link (API and page), the student and the academic
//! tutor told; bad input named by field; reminders until it is given, then staff warned once.

use std::time::Duration;

use chrono::NaiveDate;
use diesel::prelude::*;
use reqwest::{Response, StatusCode};
use serde_json::{json, Value};

use crate::console::{csrf_in, no_redirects, set_cookie};
use crate::helpers::{
    evaluation_form_token, eventually, expect_problem, expect_status, internship_request,
    ready_internship, sign, siret, spawn_app_with, supervisor_part, wait_for_eml_about, TestApp,
    STAFF_EMAIL,
};

/// A signed internship, made the real way.
struct Signed {
    id: String,
    student: String,
    student_email: String,
    tutor: String,
    tutor_email: String,
    company: String,
    supervisor: String,
}

/// Host `n` (its signatory `rh@hoteN.fr`), student `etudiantN@etu.fr`, supervisor
/// `tuteurN@hoteN.fr`: requested, completed, validated, sent and signed by all four.
async fn signed_internship(app: &TestApp, n: u32) -> Signed {
    let signatory = format!("rh@hote{n}.fr");
    let (company_id, company) = app.company(&signatory, &format!("Hôte {n}"), "Alès").await;
    let student_email = format!("etudiant{n}@etu.fr");
    let (_, student) = app.user_with_role("student", &student_email).await;
    let supervisor = format!("tuteur{n}@hote{n}.fr");
    let ready = ready_internship(
        app,
        &student,
        &internship_request(&company_id, json!({"supervisor_email": supervisor})),
        &supervisor_part(json!({})),
        &json!({"siret": siret(700 + n)}),
    )
    .await;
    expect_status(
        app.post(
            &format!("/api/v1/agreements/{}/send", ready.id),
            Some(&app.staff_token),
            &json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let mut last = Value::Null;
    for token in [&student, &company, &ready.tutor, &app.staff_token] {
        last = expect_status(
            sign(app, &ready.id, token, json!({"consent": true})).await,
            StatusCode::OK,
        )
        .await;
    }
    assert_eq!(last["status"], "signed", "{last}");
    Signed {
        id: ready.id,
        student,
        student_email,
        tutor: ready.tutor,
        tutor_email: ready.view["tutor"]["email"]
            .as_str()
            .expect("tutor")
            .to_owned(),
        company,
        supervisor,
    }
}

type Pool = fieldlab::db::Pool;

fn database(app: &TestApp) -> Pool {
    fieldlab::startup::open_database(&app.settings).expect("database")
}

/// The internship ends today (it started four months ago): its last day has come.
fn ends_today(pool: &Pool, id: &str) {
    use fieldlab::db::schema::agreements;
    let today = fieldlab::clock::today();
    let mut conn = pool.get().expect("connection");
    diesel::update(agreements::table.find(id))
        .set((
            agreements::starts_on.eq(today - chrono::Duration::days(120)),
            agreements::ends_on.eq(today),
        ))
        .execute(&mut conn)
        .expect("re-dated");
}

/// Schedules job `kind` about `id` now and waits until this instance has run it.
async fn run_now(pool: &Pool, kind: &str, id: &str) {
    let mut conn = pool.get().expect("connection");
    // Instants are kept to the second: a job scheduled twice in one second would be one.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let at = fieldlab::db::now();
    fieldlab::jobs::schedule(&mut conn, kind, id, at).expect("scheduled");
    let done = eventually(Duration::from_secs(20), || {
        let (pool, id, kind) = (pool.clone(), id.to_owned(), kind.to_owned());
        async move {
            let mut conn = pool.get().expect("connection");
            fieldlab::jobs::about(&mut conn, &id)
                .expect("jobs")
                .iter()
                .any(|j| j.kind == kind && j.due_at == at && j.status == "done")
        }
    })
    .await;
    assert!(done, "{kind} about {id} ran");
}

/// The due instants of the pending jobs of `kind` about `id`.
fn pending(pool: &Pool, kind: &str, id: &str) -> Vec<chrono::NaiveDateTime> {
    let mut conn = pool.get().expect("connection");
    fieldlab::jobs::about(&mut conn, id)
        .expect("jobs")
        .into_iter()
        .filter(|j| j.kind == kind && j.status == "pending")
        .map(|j| j.due_at)
        .collect()
}

/// The e-mails of `kind` queued for `to`.
async fn mails(app: &TestApp, to: &str, kind: &str) -> Vec<Value> {
    app.mails_to(to)
        .await
        .into_iter()
        .filter(|m| m["kind"] == kind)
        .collect()
}

async fn put_evaluation(app: &TestApp, token: &str, body: Value) -> Response {
    app.put(
        &format!("/api/v1/internship-evaluation-forms/{token}"),
        None,
        &body,
    )
    .await
}

/// The fields a 422 names.
fn fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["field"].as_str().expect("field").to_owned())
        .collect()
}

async fn evaluation_seen_by(app: &TestApp, id: &str, token: &str) -> Value {
    let seen = expect_status(
        app.get(&format!("/api/v1/internships/{id}"), Some(token))
            .await,
        StatusCode::OK,
    )
    .await;
    seen["internship"]["evaluation"].clone()
}

#[tokio::test]
async fn internship_eval_asked_on_the_last_day_given_once_from_the_link_and_told() {
    let app = spawn_app_with(|s| s.jobs.poll_seconds = 1).await;
    let s = signed_internship(&app, 1).await;
    let db = database(&app);

    // Asked on the last day, in the morning, as the certificate is prepared.
    let last_day = NaiveDate::from_ymd_opt(2027, 8, 27).expect("day");
    assert_eq!(
        pending(&db, "internship_evaluation", &s.id),
        [fieldlab::clock::morning_of(last_day)]
    );
    // Before the last day, the job asks nothing (a re-dated internship has its own job).
    run_now(&db, "internship_evaluation", &s.id).await;
    assert!(
        mails(&app, &s.supervisor, "internship_evaluation_requested")
            .await
            .is_empty()
    );
    assert_eq!(
        evaluation_seen_by(&app, &s.id, &app.staff_token).await,
        Value::Null
    );

    // The last day: the supervisor is e-mailed a link, in French.
    ends_today(&db, &s.id);
    run_now(&db, "internship_evaluation", &s.id).await;
    let mail = wait_for_eml_about(&app, &s.supervisor, "Évaluation du stage de").await;
    assert!(mail.contains("/evaluation-form?token="), "{mail}");
    assert!(mail.contains("note sur 20"), "{mail}");
    let asked = mails(&app, &s.supervisor, "internship_evaluation_requested").await;
    assert_eq!(asked.len(), 1);
    assert_eq!(asked[0]["subject"], "Évaluation du stage de Test student");
    // Run again, the job asks no second time.
    run_now(&db, "internship_evaluation", &s.id).await;
    assert_eq!(
        mails(&app, &s.supervisor, "internship_evaluation_requested")
            .await
            .len(),
        1
    );
    let token = evaluation_form_token(&app, &s.supervisor, &s.id).await;
    let form = expect_status(
        app.get(
            &format!("/api/v1/internship-evaluation-forms/{token}"),
            None,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let waiting = &form["internship"]["evaluation"];
    assert!(waiting["requested_at"].is_string(), "{form}");
    assert_eq!(waiting["submitted_at"], Value::Null);
    assert_eq!(waiting["mark"], Value::Null);
    expect_problem(
        app.get(
            &format!("/api/v1/internship-evaluation-forms/{}", "0".repeat(64)),
            None,
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    // The student sees it asked; the host's signatory does not read it.
    let student_view = evaluation_seen_by(&app, &s.id, &s.student).await;
    assert_eq!(student_view["reminders_sent"], 0);
    assert_eq!(student_view["submitted_at"], Value::Null);
    assert_eq!(
        evaluation_seen_by(&app, &s.id, &s.company).await,
        Value::Null
    );

    // Bad input is named by field, never a 5xx, and records nothing.
    for (body, expected) in [
        (
            json!({"mark": 21, "appreciation": ""}),
            vec!["mark", "appreciation"],
        ),
        (json!({"mark": 12.3, "appreciation": "Bien."}), vec!["mark"]),
        (json!({"mark": -1, "appreciation": "Bien."}), vec!["mark"]),
        (
            json!({"mark": "douze", "appreciation": "Bien."}),
            vec!["mark"],
        ),
        (json!({"mark": true, "appreciation": "Bien."}), vec!["mark"]),
        (json!({"appreciation": "Bien."}), vec!["mark"]),
        (
            json!({"mark": 12, "appreciation": "é".repeat(4001), "skills": "x".repeat(4001)}),
            vec!["appreciation", "skills"],
        ),
    ] {
        let refused = expect_problem(
            put_evaluation(&app, &token, body.clone()).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(fields(&refused), expected, "{body}: {refused}");
    }
    assert!(
        mails(&app, &s.student_email, "internship_evaluation_recorded")
            .await
            .is_empty()
    );

    // Given from the link: the mark in quarter points, the appreciation, the skills.
    let given = expect_status(
        put_evaluation(
            &app,
            &token,
            json!({"mark": "15,5", "appreciation": "  Rigoureuse et autonome.  ",
                   "skills": "Modélisation, mesures."}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let evaluation = &given["internship"]["evaluation"];
    assert_eq!(evaluation["mark"], 15.5, "{given}");
    assert_eq!(evaluation["appreciation"], "Rigoureuse et autonome.");
    assert_eq!(evaluation["skills"], "Modélisation, mesures.");
    assert!(evaluation["submitted_at"].is_string());

    // The student and the academic tutor are told, with the mark written the French way.
    let told = wait_for_eml_about(&app, &s.student_email, "a été évalué").await;
    assert!(told.contains("15,5 / 20"), "{told}");
    let tutor_told = wait_for_eml_about(&app, &s.tutor_email, "reçue").await;
    assert!(tutor_told.contains("15,5 / 20"), "{tutor_told}");
    for to in [&s.student_email, &s.tutor_email] {
        assert_eq!(
            mails(&app, to, "internship_evaluation_recorded")
                .await
                .len(),
            1,
            "{to}"
        );
    }

    // Once: a second submission is refused and changes nothing.
    expect_problem(
        put_evaluation(
            &app,
            &token,
            json!({"mark": 20, "appreciation": "Parfaite."}),
        )
        .await,
        StatusCode::CONFLICT,
        "evaluation_submitted",
    )
    .await;
    let again = expect_status(
        app.get(
            &format!("/api/v1/internship-evaluation-forms/{token}"),
            None,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(again["internship"]["evaluation"]["mark"], 15.5);

    // Staff, the tutor and the student read it; the host's signatory does not.
    for reader in [&app.staff_token, &s.tutor, &s.student] {
        let seen = evaluation_seen_by(&app, &s.id, reader).await;
        assert_eq!(seen["mark"], 15.5, "{seen}");
        assert_eq!(seen["appreciation"], "Rigoureuse et autonome.");
    }
    assert_eq!(
        evaluation_seen_by(&app, &s.id, &s.company).await,
        Value::Null
    );

    // The link's page shows it read-only; the agreement's page shows it to the student.
    let page = app
        .client
        .get(app.url(&format!("/evaluation-form?token={token}")))
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.expect("html");
    assert!(
        html.contains("id=\"evaluation-mark\">15,5 &#x2f; 20"),
        "{html}"
    );
    assert!(html.contains("Rigoureuse et autonome."), "{html}");
    assert!(
        !html.contains("action=\"/evaluation-form\""),
        "no form: {html}"
    );
    let agreement_page = app
        .client
        .get(app.url(&format!("/app/agreements/{}", s.id)))
        .header("Cookie", format!("fieldlab_session={}", s.student))
        .send()
        .await
        .expect("page");
    assert_eq!(agreement_page.status(), StatusCode::OK);
    let html = agreement_page.text().await.expect("html");
    assert!(html.contains("id=\"evaluation\""), "{html}");
    assert!(
        html.contains("id=\"evaluation-mark\">15,5 &#x2f; 20"),
        "{html}"
    );

    // A reminder that falls after it is given sends nothing, nor does a warning.
    run_now(&db, "internship_evaluation_reminder", &s.id).await;
    run_now(&db, "internship_evaluation_warning", &s.id).await;
    assert_eq!(
        mails(&app, &s.supervisor, "internship_evaluation_requested")
            .await
            .len(),
        1
    );
    assert!(mails(&app, STAFF_EMAIL, "internship_evaluation_overdue")
        .await
        .is_empty());

    // Both endpoints are in the contract.
    let doc = expect_status(app.get("/api/v1/openapi.json", None).await, StatusCode::OK).await;
    let form = &doc["paths"]["/api/v1/internship-evaluation-forms/{token}"];
    assert!(form["get"].is_object() && form["put"].is_object(), "{form}");
}

#[tokio::test]
async fn internship_eval_reminders_stop_at_three_then_staff_are_warned_once() {
    let app = spawn_app_with(|s| s.jobs.poll_seconds = 1).await;
    let s = signed_internship(&app, 2).await;
    let db = database(&app);
    ends_today(&db, &s.id);
    run_now(&db, "internship_evaluation", &s.id).await;
    let first = evaluation_form_token(&app, &s.supervisor, &s.id).await;
    // The first reminder falls `internship.evaluation_reminder_days` (7) later.
    let today = fieldlab::clock::today();
    let in_a_week = fieldlab::clock::morning_of(today + chrono::Duration::days(7));
    assert_eq!(
        pending(&db, "internship_evaluation_reminder", &s.id),
        [in_a_week]
    );

    // Three reminders, each one job, each with a new link that replaces the previous one.
    let mut previous = first;
    for n in 1..=3 {
        run_now(&db, "internship_evaluation_reminder", &s.id).await;
        let asked = mails(&app, &s.supervisor, "internship_evaluation_requested").await;
        assert_eq!(asked.len(), 1 + n, "reminder {n}");
        assert!(
            asked
                .iter()
                .any(|m| m["subject"] == "Rappel : Évaluation du stage de Test student"),
            "{asked:?}"
        );
        let current = evaluation_form_token(&app, &s.supervisor, &s.id).await;
        assert_ne!(current, previous, "reminder {n} sends a new link");
        expect_problem(
            app.get(
                &format!("/api/v1/internship-evaluation-forms/{previous}"),
                None,
            )
            .await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
        previous = current;
    }
    let staff_view = evaluation_seen_by(&app, &s.id, &app.staff_token).await;
    assert_eq!(staff_view["reminders_sent"], 3, "{staff_view}");
    // After the third, the warning is scheduled, not a fourth reminder; a reminder job run
    // anyway sends nothing.
    assert_eq!(
        pending(&db, "internship_evaluation_warning", &s.id),
        [in_a_week]
    );
    run_now(&db, "internship_evaluation_reminder", &s.id).await;
    assert_eq!(
        mails(&app, &s.supervisor, "internship_evaluation_requested")
            .await
            .len(),
        4,
        "at most three reminders"
    );
    assert!(mails(&app, STAFF_EMAIL, "internship_evaluation_overdue")
        .await
        .is_empty());

    // Staff are warned, once, even if the warning's job runs twice.
    run_now(&db, "internship_evaluation_warning", &s.id).await;
    let warning = wait_for_eml_about(&app, STAFF_EMAIL, "toujours attendue").await;
    assert!(warning.contains(&s.supervisor), "{warning}");
    assert!(warning.contains("3 rappels"), "{warning}");
    run_now(&db, "internship_evaluation_warning", &s.id).await;
    assert_eq!(
        mails(&app, STAFF_EMAIL, "internship_evaluation_overdue")
            .await
            .len(),
        1
    );

    // Late, the supervisor still evaluates from the page of the latest link (CSRF as the other
    // link forms): a bad mark is shown again beside its field, then it is recorded.
    let client = no_redirects();
    let path = format!("/evaluation-form?token={previous}");
    let form = client.get(app.url(&path)).send().await.expect("form");
    assert_eq!(form.status(), StatusCode::OK);
    let csrf_cookie = set_cookie(&form, "fieldlab_csrf").expect("a csrf cookie");
    let html = form.text().await.expect("html");
    let csrf = csrf_in(&html);
    let post = |fields: Vec<(&'static str, String)>| {
        let (client, url, cookie) = (
            client.clone(),
            app.url("/evaluation-form"),
            format!("fieldlab_csrf={csrf_cookie}"),
        );
        async move {
            client
                .post(url)
                .header("Cookie", cookie)
                .form(&fields)
                .send()
                .await
                .expect("post")
        }
    };
    let forged = post(vec![
        ("csrf_token", "forged".to_owned()),
        ("token", previous.clone()),
        ("mark", "14".to_owned()),
        ("appreciation", "Bien.".to_owned()),
    ])
    .await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let refused = post(vec![
        ("csrf_token", csrf.clone()),
        ("token", previous.clone()),
        ("mark", "21".to_owned()),
        ("appreciation", "Sérieux et curieux.".to_owned()),
    ])
    .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text().await.expect("html");
    assert!(html.contains("role=\"alert\""), "{html}");
    assert!(html.contains("Une note entre 0 et 20."), "{html}");
    assert!(html.contains("Sérieux et curieux."), "input kept: {html}");
    let recorded = post(vec![
        ("csrf_token", csrf.clone()),
        ("token", previous.clone()),
        ("mark", "14,25".to_owned()),
        ("appreciation", "Sérieux et curieux.".to_owned()),
        ("skills", String::new()),
    ])
    .await;
    assert_eq!(recorded.status(), StatusCode::SEE_OTHER);
    let location = recorded.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    assert!(location.contains("done=evaluation_recorded"), "{location}");
    let seen = evaluation_seen_by(&app, &s.id, &s.tutor).await;
    assert_eq!(seen["mark"], 14.25, "{seen}");
    assert_eq!(seen["skills"], "");
    let again = post(vec![
        ("csrf_token", csrf),
        ("token", previous.clone()),
        ("mark", "10".to_owned()),
        ("appreciation", "Autre.".to_owned()),
    ])
    .await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    let html = again.text().await.expect("html");
    assert!(html.contains("déjà enregistrée"), "{html}");
    assert_eq!(
        evaluation_seen_by(&app, &s.id, &s.student).await["mark"],
        14.25
    );

    // The database holds the invariants too: a mark out of 20, a given evaluation complete.
    use fieldlab::db::schema::internship_evaluations as e;
    let mut conn = db.get().expect("connection");
    let row = e::table.find(&s.id);
    for refused in [
        diesel::update(row)
            .set(e::mark_quarters.eq(Some(81)))
            .execute(&mut conn),
        diesel::update(row)
            .set(e::mark_quarters.eq(Some(-1)))
            .execute(&mut conn),
        diesel::update(row)
            .set(e::mark_quarters.eq(None::<i32>))
            .execute(&mut conn),
        diesel::update(row)
            .set(e::appreciation.eq(" "))
            .execute(&mut conn),
        diesel::update(row)
            .set(e::reminders_sent.eq(4))
            .execute(&mut conn),
    ] {
        assert!(refused.is_err(), "{refused:?}");
    }
}
