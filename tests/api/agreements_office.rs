//! Agreements as an office lives with them: a campaign's drafts sent together ask each
//! signatory once (one e-mail listing theirs), a page to sign them one after the other, marks
//! refused before the mission starts and out-of-range marks told at their field, and the
//! staff's register paged over thousands of agreements with its total and its filters.

use diesel::prelude::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::console::Browser;
use crate::helpers::{
    eventually, expect_problem, expect_status, id, published_missions, spawn_app, spawn_app_with,
    wait_for_eml_about, TestApp, PASSWORD, STAFF_EMAIL,
};

/// An attribute's value as the browser reads it (templates escape `&` and `/`).
fn unescaped(attribute: &str) -> String {
    attribute.replace("&#x2f;", "/").replace("&amp;", "&")
}

/// A published campaign of three one-student missions: two with « Découpes Cévenoles », one
/// with « Forges d'Alès »; each student named. Returns the campaign's id and, per student,
/// (name, e-mail, company contact's e-mail).
async fn three_missions_two_companies(app: &TestApp) -> (String, Vec<(String, String, String)>) {
    let staff = app.staff_token.clone();
    let starts_on = (chrono::Utc::now().date_naive() + chrono::Duration::weeks(4)).to_string();
    let campaign = expect_status(
        app.post(
            "/api/v1/campaigns",
            Some(&staff),
            &json!({"name": "Missions terrain", "starts_on": starts_on, "team_size": 1}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let campaign_id = id(&campaign);
    let mut problems = Vec::new();
    for (company, contact, titles) in [
        (
            "Découpes Cévenoles",
            "contact@decoupes.fr",
            &["Chutes de tôle", "Poussières de coupe"][..],
        ),
        ("Forges d'Alès", "contact@forges.fr", &["Trempe"][..]),
    ] {
        let (_, token) = app.user_with_role("company", contact).await;
        expect_status(
            app.post(
                "/api/v1/companies",
                Some(&token),
                &json!({"name": company, "city": "Alès", "local": true}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        for title in titles {
            let problem = expect_status(
                app.post(
                    &format!("/api/v1/campaigns/{campaign_id}/problems"),
                    Some(&token),
                    &json!({"title": title, "description": "À réduire", "domain": "materials"}),
                )
                .await,
                StatusCode::CREATED,
            )
            .await;
            expect_status(
                app.post(
                    &format!("/api/v1/problems/{}/review", id(&problem)),
                    Some(&staff),
                    &json!({"decision": "accept"}),
                )
                .await,
                StatusCode::OK,
            )
            .await;
            problems.push((id(&problem), contact.to_owned()));
        }
    }
    expect_status(
        app.post(
            &format!("/api/v1/campaigns/{campaign_id}/open-signup"),
            Some(&staff),
            &json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let mut students = Vec::new();
    for (i, ((problem, contact), name)) in problems
        .iter()
        .zip(["Léa Martin", "Hugo Petit", "Inès Roux"])
        .enumerate()
    {
        let email = format!("etudiant{i}@etu.fr");
        expect_status(
            app.post(
                "/api/v1/users",
                Some(&staff),
                &json!({"email": email, "name": name, "role": "student", "password": PASSWORD}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        let token = app.login(&email, PASSWORD).await;
        let team = expect_status(
            app.post(
                &format!("/api/v1/campaigns/{campaign_id}/teams"),
                Some(&token),
                &json!({"name": format!("Les {i}"), "member_emails": [email]}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        expect_status(
            app.put(
                &format!("/api/v1/teams/{}/preferences", id(&team)),
                Some(&token),
                &json!({"problem_ids": [problem]}),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        students.push((name.to_owned(), email, contact.clone()));
    }
    for step in ["allocate", "publish"] {
        expect_status(
            app.post(
                &format!("/api/v1/campaigns/{campaign_id}/{step}"),
                Some(&staff),
                &json!({}),
            )
            .await,
            StatusCode::OK,
        )
        .await;
    }
    (campaign_id, students)
}

/// The agreements' e-mails queued for `to` (asking to sign, alone or listed).
async fn asked_to_sign(app: &TestApp, to: &str) -> Vec<Value> {
    app.mails_to(to)
        .await
        .into_iter()
        .filter(|m| {
            let kind = m["kind"].as_str().unwrap_or_default();
            kind == "agreement_to_sign" || kind == "agreements_to_sign"
        })
        .collect()
}

#[tokio::test]
async fn sending_a_campaign_asks_each_signatory_once_listing_what_awaits_them() {
    let app = spawn_app_with(|s| s.jobs.poll_seconds = 1).await;
    let staff = app.staff_token.clone();
    let (campaign, students) = three_missions_two_companies(&app).await;
    let sent = expect_status(
        app.post(
            &format!("/api/v1/campaigns/{campaign}/agreements/send"),
            Some(&staff),
            &json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let list = expect_status(
        app.get(
            &format!("/api/v1/agreements?campaign_id={campaign}"),
            Some(&staff),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let agreements = list["items"].as_array().expect("items").clone();
    assert_eq!(agreements.len(), 3, "{sent}");
    assert!(agreements.iter().all(|a| a["status"] == "sent"), "{list}");

    // The school's signatory: one e-mail listing the three, each with its student and link,
    // and the page to sign them one after the other.
    let school = asked_to_sign(&app, STAFF_EMAIL).await;
    assert_eq!(school.len(), 1, "one e-mail to the school: {school:?}");
    assert_eq!(school[0]["kind"], "agreements_to_sign");
    let mail = wait_for_eml_about(&app, STAFF_EMAIL, "3 conventions à signer").await;
    for (name, _, _) in &students {
        assert!(mail.contains(name.as_str()), "{name} not in: {mail}");
    }
    for a in &agreements {
        assert!(
            mail.contains(&format!("/app/agreements/{}", id(a))),
            "no link to {} in: {mail}",
            id(a)
        );
    }
    assert!(mail.contains("/app/agreements/to-sign"), "{mail}");

    // Découpes Cévenoles: one e-mail listing its two students' agreements, not the Forges' one.
    let decoupes = asked_to_sign(&app, "contact@decoupes.fr").await;
    assert_eq!(decoupes.len(), 1, "{decoupes:?}");
    let mail = wait_for_eml_about(&app, "contact@decoupes.fr", "2 conventions à signer").await;
    for (name, _, contact) in &students {
        assert_eq!(
            mail.contains(name.as_str()),
            contact == "contact@decoupes.fr",
            "{name} in the company's e-mail: {mail}"
        );
    }
    // The Forges (one agreement) and each student: one e-mail, about their one agreement.
    for to in [
        "contact@forges.fr",
        "etudiant0@etu.fr",
        "etudiant1@etu.fr",
        "etudiant2@etu.fr",
    ] {
        let mails = asked_to_sign(&app, to).await;
        assert_eq!(mails.len(), 1, "{to}: {mails:?}");
        assert_eq!(mails[0]["kind"], "agreement_to_sign", "{to}");
        wait_for_eml_about(&app, to, "à signer").await;
    }

    // The three reminders fall due together: one reminder per person, listing theirs.
    let pool = fieldlab::startup::open_database(&app.settings).expect("database");
    let mut conn = pool.get().expect("connection");
    let now = fieldlab::db::now() - chrono::Duration::seconds(1);
    for a in &agreements {
        fieldlab::jobs::schedule(&mut conn, "agreement_reminder", &id(a), now).expect("due");
    }
    let ran = eventually(std::time::Duration::from_secs(20), || {
        let pool = pool.clone();
        let ids: Vec<String> = agreements.iter().map(id).collect();
        async move {
            let mut conn = pool.get().expect("connection");
            ids.iter().all(|a| {
                fieldlab::jobs::about(&mut conn, a)
                    .expect("jobs")
                    .iter()
                    .filter(|j| j.due_at <= now)
                    .all(|j| j.status == "done")
            })
        }
    })
    .await;
    assert!(ran, "the reminders ran");
    let reminders = |mails: Vec<Value>| -> Vec<Value> {
        mails
            .into_iter()
            .filter(|m| {
                m["subject"]
                    .as_str()
                    .unwrap_or_default()
                    .starts_with("Rappel")
            })
            .collect()
    };
    let school = reminders(asked_to_sign(&app, STAFF_EMAIL).await);
    assert_eq!(school.len(), 1, "{school:?}");
    assert_eq!(school[0]["subject"], "Rappel : 3 conventions à signer");
    let decoupes = reminders(asked_to_sign(&app, "contact@decoupes.fr").await);
    assert_eq!(decoupes.len(), 1, "{decoupes:?}");
    assert_eq!(decoupes[0]["subject"], "Rappel : 2 conventions à signer");
    for to in [
        "contact@forges.fr",
        "etudiant0@etu.fr",
        "etudiant1@etu.fr",
        "etudiant2@etu.fr",
    ] {
        assert_eq!(reminders(asked_to_sign(&app, to).await).len(), 1, "{to}");
    }
}

#[tokio::test]
async fn a_signatory_signs_what_awaits_them_one_after_the_other() {
    let app = spawn_app().await;
    let staff = app.staff_token.clone();
    let (campaign, _) = three_missions_two_companies(&app).await;
    expect_status(
        app.post(
            &format!("/api/v1/campaigns/{campaign}/agreements/send"),
            Some(&staff),
            &json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let browser = Browser::new(&app, &staff);
    // Staff land on the register, which leads the school's signatory to what awaits them.
    let (_, register) = browser.get("/app/staff/agreements").await;
    assert!(
        register.contains("href=\"/app/agreements/to-sign\""),
        "{register}"
    );

    // The page lists the three awaiting the school's signature, and starts with the first.
    let (status, page) = browser.get("/app/agreements/to-sign").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(
        page.matches("href=\"/app/agreements/").count() >= 3,
        "{page}"
    );
    assert!(page.contains("Encore 3 à signer."), "{page}");
    let (status, first) = browser.get("/app/agreements/to-sign/next").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(first.starts_with("/app/agreements/"), "{first}");
    assert!(page.contains(&format!("href=\"{first}\"")), "{page}");

    let mut signed = Vec::new();
    let mut at = first;
    loop {
        let agreement = at.trim_start_matches("/app/agreements/").to_owned();
        // Each one keeps its own consent box: without it, refused.
        let (status, refused) = browser
            .post(&format!("{at}/sign"), &[("version", "1")])
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
        assert!(refused.contains("role=\"alert\""), "{refused}");
        let (status, to) = browser
            .post(
                &format!("{at}/sign"),
                &[("version", "1"), ("consent", "yes")],
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{to}");
        assert_eq!(to, format!("{at}?done=agreement_signed"));
        signed.push(agreement);
        let (_, page) = browser.get(&to).await;
        assert!(page.contains("signature est enregistrée"), "{page}");
        let left = 3 - signed.len();
        if left == 0 {
            assert!(!page.contains("id=\"next-to-sign\""), "{page}");
            assert!(page.contains("Vous avez signé toutes"), "{page}");
            break;
        }
        // The next awaiting one is offered, with how many are left.
        assert!(page.contains(&format!("Encore {left} à signer.")), "{page}");
        let next = page
            .split("id=\"next-to-sign\"")
            .next()
            .and_then(|before| before.rsplit("href=\"").next())
            .and_then(|rest| rest.split('"').next())
            .map(unescaped)
            .expect("a link to the next agreement");
        assert!(next.starts_with("/app/agreements/"), "{next}");
        assert!(!signed.iter().any(|s| next.ends_with(s.as_str())), "{next}");
        at = next;
    }
    signed.sort();
    signed.dedup();
    assert_eq!(signed.len(), 3);
    // Nothing left; each agreement holds its own signature record.
    let (_, page) = browser.get("/app/agreements/to-sign").await;
    assert!(
        page.contains("Aucune convention n’attend votre signature."),
        "{page}"
    );
    let (status, to) = browser.get("/app/agreements/to-sign/next").await;
    assert_eq!(
        (status, to.as_str()),
        (StatusCode::SEE_OTHER, "/app/agreements/to-sign")
    );
    for agreement in &signed {
        let a = expect_status(
            app.get(&format!("/api/v1/agreements/{agreement}"), Some(&staff))
                .await,
            StatusCode::OK,
        )
        .await;
        let school = &a["signatures"][0];
        assert_eq!(school["party"], "school");
        assert!(school["signed_at"].is_string(), "{a}");
        assert_eq!(school["document_sha256"], a["document_sha256"], "{a}");
    }
}

#[tokio::test]
async fn marks_open_when_the_mission_starts_and_a_bad_mark_is_told_at_its_field() {
    let app = spawn_app().await;
    let staff = app.staff_token.clone();
    let missions = published_missions(&app, 1).await;
    let mission = missions[0].0.clone();
    let detail = expect_status(
        app.get(&format!("/api/v1/missions/{mission}"), Some(&staff))
            .await,
        StatusCode::OK,
    )
    .await;
    let starts_on = detail["starts_on"].as_str().expect("starts_on").to_owned();
    let student = id(&detail["team"]["members"][0]);
    let contact = detail["contact"]["email"].as_str().expect("contact");
    let company = app.login(contact, PASSWORD).await;
    let path = format!("/api/v1/missions/{mission}/evaluations");
    let page = format!("/app/missions/{mission}/evaluations");

    // Four weeks before the start: refused, with the day marks open.
    let refused = expect_problem(
        app.post(&path, Some(&company), &json!({"marks": [{"mark": 15}]}))
            .await,
        StatusCode::CONFLICT,
        "evaluation_not_open",
    )
    .await;
    assert_eq!(refused["opens_on"], starts_on.as_str(), "{refused}");
    let browser = Browser::new(&app, &company);
    let (status, html) = browser.get(&page).await;
    assert_eq!(status, StatusCode::OK);
    let day: chrono::NaiveDate = starts_on.parse().expect("date");
    let french = fieldlab::web::i18n::Lang::Fr.date(day);
    assert!(
        html.contains(&format!("Les notes s’ouvrent le {french}")),
        "{french} not in: {html}"
    );
    assert!(!html.contains("id=\"evaluation-form\""), "{html}");
    let (status, html) = browser.post(&page, &[("mark", "15")]).await;
    assert_eq!(status, StatusCode::CONFLICT, "{html}");
    assert!(html.contains("role=\"alert\""), "{html}");
    assert!(
        html.contains("ne s’ouvrent qu’au début de la mission"),
        "{html}"
    );

    // The mission has started (its dates moved to yesterday): marks are taken.
    let yesterday = chrono::Utc::now().date_naive() - chrono::Duration::days(1);
    let pool = fieldlab::startup::open_database(&app.settings).expect("database");
    let mut conn = pool.get().expect("connection");
    use fieldlab::db::schema::missions;
    diesel::update(missions::table.find(&mission))
        .set(missions::starts_on.eq(yesterday))
        .execute(&mut conn)
        .expect("moved");
    let given = expect_status(
        app.post(&path, Some(&company), &json!({"marks": [{"mark": 15}]}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(given["missing"], json!(["tutor"]), "{given}");

    // 25 out of 20, for the team or for the student: the message is at that field.
    let (status, html) = browser.get(&page).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("id=\"evaluation-form\""), "{html}");
    for (field, error_id) in [
        ("mark".to_owned(), "mark-error".to_owned()),
        (format!("mark.{student}"), format!("mark-{student}-error")),
    ] {
        let (status, html) = browser.post(&page, &[(field.as_str(), "25")]).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
        let input = html
            .split(&format!("name=\"{field}\""))
            .nth(1)
            .and_then(|rest| rest.split('>').next())
            .expect("the mark's input");
        assert!(
            input.contains(&format!("aria-describedby=\"{error_id}\"")),
            "{field}: {input}"
        );
        assert!(input.contains("aria-invalid=\"true\""), "{field}: {input}");
        let message = html
            .split(&format!("id=\"{error_id}\">"))
            .nth(1)
            .and_then(|rest| rest.split("</p>").next())
            .expect("the field's message");
        assert_eq!(
            message.trim(),
            "Une note entre 0 et 20.",
            "{field}: the field says what a mark may be"
        );
        assert!(html.contains("value=\"25\""), "the input is kept: {html}");
    }
}

#[tokio::test]
async fn the_register_pages_through_every_agreement_with_its_total_and_filters() {
    let app = spawn_app().await;
    let staff = app.staff_token.clone();
    let (company, _) = app
        .company("contact@registre.fr", "Registre SA", "Nîmes")
        .await;
    let (tutor, _) = app.user_with_role("tutor", "recherche@mines-ales.fr").await;

    // 520 research agreements, one second apart: every fourth cancelled, every tenth (from the
    // fifth) a draft starting in two days (overdue), the rest in two months. Research, written
    // straight as rows: an internship is a row beside its agreement too, made through its
    // supervisor's link, and the register's paging is not about internships.
    let pool = fieldlab::startup::open_database(&app.settings).expect("database");
    let mut conn = pool.get().expect("connection");
    let today = chrono::Utc::now().date_naive();
    let base = fieldlab::db::now() - chrono::Duration::days(1);
    let rows: Vec<fieldlab::agreements::models::Agreement> = (0..520)
        .map(|i| {
            let soon = i % 10 == 5;
            let starts_on = today + chrono::Duration::days(if soon { 2 } else { 60 });
            fieldlab::agreements::models::Agreement {
                id: fieldlab::db::new_id(),
                kind: "research".into(),
                status: if i % 4 == 0 { "cancelled" } else { "draft" }.into(),
                version: 1,
                locale: "fr".into(),
                campaign_id: None,
                mission_id: None,
                company_id: company.clone(),
                student_id: None,
                tutor_id: Some(id(&tutor)),
                subject: format!("Recherche n° {i}"),
                description: "Une recherche".into(),
                place: "Nîmes".into(),
                supervisor: None,
                starts_on,
                ends_on: starts_on + chrono::Duration::days(30),
                sent_at: None,
                signed_at: None,
                cancelled_at: None,
                cancel_reason: None,
                created_at: base + chrono::Duration::seconds(i),
                updated_at: base + chrono::Duration::seconds(i),
            }
        })
        .collect();
    conn.transaction(|conn| fieldlab::agreements::models::insert_many(conn, &rows))
        .expect("inserted");
    let link = |i: usize| format!("href=\"/app/agreements/{}\"", rows[i].id);
    let browser = Browser::new(&app, &staff);

    // Everything: the total, the page count, the newest first; page 2 is reachable.
    let (status, page) = browser.get("/app/staff/agreements").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("520 conventions, page 1 sur 11"), "{page}");
    assert!(page.contains(&link(519)), "the newest is on page 1");
    assert!(!page.contains(&link(469)), "50 a page");
    let next = page
        .split("rel=\"next\"")
        .next()
        .and_then(|before| before.rsplit("href=\"").next())
        .and_then(|rest| rest.split('"').next())
        .map(unescaped)
        .expect("a next page link");
    let (status, page) = browser.get(&next).await;
    assert_eq!(status, StatusCode::OK, "{next}");
    assert!(page.contains("520 conventions, page 2 sur 11"), "{page}");
    assert!(page.contains(&link(469)) && !page.contains(&link(519)));
    assert!(page.contains("rel=\"prev\""), "{page}");
    let (_, page) = browser.get("/app/staff/agreements?page=11").await;
    assert!(page.contains(&link(0)), "the oldest, on the last page");
    assert!(!page.contains("rel=\"next\""));

    // Filters apply to all 520, not to a first slice, and the page links keep them.
    let (_, page) = browser.get("/app/staff/agreements?status=cancelled").await;
    assert!(page.contains("130 conventions, page 1 sur 3"), "{page}");
    assert!(
        page.contains("status=cancelled&amp;campaign_id=&amp;page=2"),
        "{page}"
    );
    let (_, page) = browser
        .get("/app/staff/agreements?status=cancelled&page=3")
        .await;
    assert!(page.contains("130 conventions, page 3 sur 3"), "{page}");
    assert!(page.contains(&link(0)) && page.contains(&link(36)));
    assert!(!page.contains(&link(1)), "a draft among the cancelled");
    let (_, page) = browser.get("/app/staff/agreements?overdue=1").await;
    assert!(page.contains("52 conventions, page 1 sur 2"), "{page}");
    assert!(page.contains("overdue=1&amp;page=2"), "{page}");
    let (_, page) = browser.get("/app/staff/agreements?overdue=1&page=2").await;
    assert!(
        page.contains(&link(5)) && page.contains(&link(15)),
        "{page}"
    );
    let (_, page) = browser.get("/app/staff/agreements?kind=internship").await;
    assert!(page.contains("0 conventions, page 1 sur 1"), "{page}");
    // By company (any case, part of the name), academic year and whose signature is awaited.
    let (_, page) = browser.get("/app/staff/agreements?company=registre").await;
    assert!(page.contains("520 conventions, page 1 sur 11"), "{page}");
    assert!(
        page.contains("company=registre"),
        "the links keep it: {page}"
    );
    let (_, page) = browser.get("/app/staff/agreements?company=autre").await;
    assert!(page.contains(">0 conventions, page 1 sur 1<"), "{page}");
    let year = fieldlab::agreements::internship::rules::AcademicYear::of(today).first_year();
    let in_year = rows
        .iter()
        .filter(|r| {
            fieldlab::agreements::internship::rules::AcademicYear::of(r.starts_on).first_year()
                == year
        })
        .count();
    let (_, page) = browser
        .get(&format!("/app/staff/agreements?academic_year={year}"))
        .await;
    assert!(
        page.contains(&format!("{in_year} conventions")),
        "{in_year}: {page}"
    );
    let (_, page) = browser.get("/app/staff/agreements?awaiting=company").await;
    assert!(
        page.contains("0 conventions"),
        "drafts await no one: {page}"
    );

    // The CSV: everything the filter matches, not a page.
    let (status, csv) = browser
        .get("/app/staff/agreements.csv?status=cancelled")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        csv.lines().count(),
        1 + 130,
        "header and every cancelled one"
    );
    let (_, csv) = browser.get("/app/staff/agreements.csv").await;
    assert_eq!(csv.lines().count(), 1 + 520);
}
