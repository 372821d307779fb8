//! The outbox end to end: files, a real SMTP server, outages, refusals, retries, two workers.

use std::time::Duration;

use fieldlab::mail::domain::Locale;
use fieldlab::mail::{Attachment, Email, Outbox, Vocabulary};
use mailparse::MailHeaderMap;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{
    eventually, expect_problem, expect_status, spawn_app, spawn_app_with, TestApp, PASSWORD,
};
use crate::smtp::{free_port, start_sink};

async fn create_student(app: &TestApp, email: &str) -> Value {
    let res = app
        .post(
            "/api/v1/users",
            Some(&app.staff_token),
            &json!({"email": email, "name": "Zoé Martin", "role": "student"}),
        )
        .await;
    expect_status(res, StatusCode::CREATED).await
}

fn eml_files(app: &TestApp) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(&app.mail_dir)
        .map(|dir| {
            dir.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "eml"))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_staff_created_account_gets_a_french_welcome_file() {
    let app = spawn_app().await;
    let user = create_student(&app, "zoe.martin@etu.imt-mines-ales.fr").await;
    assert!(
        eventually(Duration::from_secs(10), || async {
            !eml_files(&app).is_empty()
        })
        .await,
        "no .eml written"
    );

    let files = eml_files(&app);
    assert_eq!(files.len(), 1);
    let raw = std::fs::read(&files[0]).expect("read eml");
    let mail = mailparse::parse_mail(&raw).expect("a valid message");
    let header = |name: &str| mail.headers.get_first_value(name).unwrap_or_default();
    assert!(header("To").contains("zoe.martin@etu.imt-mines-ales.fr"));
    assert_eq!(header("Subject"), "Bienvenue sur fieldlab, Zoé Martin");
    assert!(!header("From").is_empty() && !header("Date").is_empty());
    let text = mail
        .subparts
        .iter()
        .find(|p| p.ctype.mimetype == "text/plain")
        .and_then(|p| p.get_body().ok())
        .expect("a text part");
    assert!(text.contains("Admin Staff vous a créé un compte"), "{text}");
    assert!(text.contains("set-password?token="), "{text}");
    assert!(mail
        .subparts
        .iter()
        .any(|p| p.ctype.mimetype == "text/html"));

    // The file is written first; the worker records the outcome right after.
    assert!(
        eventually(Duration::from_secs(10), || async {
            app.notifications("?to=zoe.martin@etu.imt-mines-ales.fr")
                .await[0]["status"]
                == "sent"
        })
        .await,
        "recorded as sent"
    );
    let listed = app
        .notifications("?to=ZOE.MARTIN@etu.imt-mines-ales.fr")
        .await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["status"], "sent");
    assert_eq!(listed[0]["attempts"], 1);
    assert!(listed[0]["sent_at"].is_string());
    assert_eq!(
        header("Message-ID"),
        listed[0]["message_id"].as_str().unwrap_or_default()
    );
    assert_eq!(user["email"], "zoe.martin@etu.imt-mines-ales.fr");

    // The link in the e-mail lets the student choose a password and sign in.
    let token = text
        .split("token=")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("token in link")
        .to_owned();
    let res = app
        .post(
            "/api/v1/auth/set-password",
            None,
            &json!({"token": token, "password": PASSWORD}),
        )
        .await;
    expect_status(res, StatusCode::OK).await;
    app.login("zoe.martin@etu.imt-mines-ales.fr", PASSWORD)
        .await;
    let again = app
        .post(
            "/api/v1/auth/set-password",
            None,
            &json!({"token": token, "password": PASSWORD}),
        )
        .await;
    expect_problem(again, StatusCode::UNPROCESSABLE_ENTITY, "invalid_token").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn self_registration_sends_no_welcome_and_imports_send_one_each() {
    let app = spawn_app().await;
    let res = app
        .post("/api/v1/auth/register", None, &json!({"email": "founder@startup.fr", "password": PASSWORD, "name": "F", "role": "founder"}))
        .await;
    expect_status(res, StatusCode::CREATED).await;
    let csv = "email,name,role\na@etu.fr,A,student\nbad,B,student\nc@etu.fr,C,tutor\n";
    let res = app
        .post_raw(
            "/api/v1/users/import",
            Some(&app.staff_token),
            "text/csv",
            csv,
        )
        .await;
    expect_status(res, StatusCode::OK).await;
    let all = app.notifications("").await;
    let mut recipients: Vec<&str> = all.iter().filter_map(|n| n["to"].as_str()).collect();
    recipients.sort_unstable();
    assert_eq!(recipients, ["a@etu.fr", "c@etu.fr"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn notifications_are_staff_only_and_only_failed_ones_retry() {
    let app = spawn_app().await;
    create_student(&app, "s1@etu.fr").await;
    let (_, tutor) = app.user_with_role("tutor", "t@ales.fr").await;
    expect_problem(
        app.get("/api/v1/notifications", Some(&tutor)).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let listed = app.notifications("?to=s1@etu.fr").await;
    let id = listed[0]["id"].as_str().expect("id");
    let res = app
        .post(
            &format!("/api/v1/notifications/{id}/retry"),
            Some(&app.staff_token),
            &json!({}),
        )
        .await;
    expect_problem(res, StatusCode::CONFLICT, "invalid_transition").await;
    let res = app
        .post(
            "/api/v1/notifications/no-such-id/retry",
            Some(&app.staff_token),
            &json!({}),
        )
        .await;
    expect_problem(res, StatusCode::NOT_FOUND, "not_found").await;
    expect_problem(
        app.get("/api/v1/notifications?status=lost", Some(&app.staff_token))
            .await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    )
    .await;
}

/// A pool of its own on the app's database, to act as another process would.
pub fn app_pool(app: &TestApp) -> fieldlab::db::Pool {
    let url = fieldlab::db::DatabaseUrl::parse(&app.settings.database.url).expect("url");
    fieldlab::db::connect(&url, 1, Duration::from_secs(5)).expect("pool")
}

/// What the `account_created` template needs.
pub fn welcome_values() -> Value {
    json!({"name": "Zoé", "email": "zoe@etu.fr", "role": "student", "created_by": "Test",
        "set_password_url": "http://x/set-password?token=t", "sign_in_url": "http://x", "expires_on": "2027-03-01"})
}

/// Queues a message with an `.ics` attachment straight into the app's database, as a domain would.
pub fn enqueue_direct(app: &TestApp, to: &str, ics: Option<&str>) {
    let pool = app_pool(app);
    let mut conn = pool.get().expect("conn");
    let outbox = Outbox::new(
        Locale::Fr,
        "fieldlab.test".into(),
        Vocabulary::new("IMT Mines Alès"),
    );
    let values = welcome_values();
    let mut email = Email::new(to, "account_created", values);
    if let Some(ics) = ics {
        email = email.attach(Attachment {
            filename: "reservation.ics".into(),
            content_type: "text/calendar; charset=utf-8; method=REQUEST".into(),
            content: ics.into(),
            base64: false,
        });
    }
    fieldlab::db::write_transaction(&mut conn, |conn| outbox.enqueue(conn, email)).expect("queued");
}

#[tokio::test(flavor = "multi_thread")]
async fn smtp_delivers_intact_with_the_ics_attachment() {
    let port = free_port();
    let inbox = start_sink(port, false);
    let app = spawn_app_with(|s| {
        s.mail.transport = fieldlab::config::MailTransport::Smtp;
        s.mail.port = port;
    })
    .await;
    let ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:test@fieldlab\r\nSUMMARY:Presse 3000 kN\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    enqueue_direct(&app, "lab.user@etu.fr", Some(ics));
    assert!(
        eventually(Duration::from_secs(10), || async { inbox.len() == 1 }).await,
        "not delivered"
    );
    let raw = inbox.raw().remove(0);
    let mail = mailparse::parse_mail(&raw).expect("valid");
    let attachment = mail
        .parts()
        .find(|p| {
            p.get_content_disposition()
                .params
                .get("filename")
                .map(String::as_str)
                == Some("reservation.ics")
        })
        .expect("the .ics part");
    assert_eq!(attachment.ctype.mimetype, "text/calendar");
    assert_eq!(
        attachment.get_body().expect("body").replace("\r\n", "\n"),
        ics.replace("\r\n", "\n")
    );
    // The relay has it; the worker records the outcome right after.
    assert!(
        eventually(Duration::from_secs(10), || async {
            app.notifications("?to=lab.user@etu.fr").await[0]["status"] == "sent"
        })
        .await,
        "recorded as sent"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_relay_outage_delays_but_loses_nothing_and_sends_each_once() {
    let port = free_port(); // nothing listens there yet: the relay is down
    let app = spawn_app_with(|s| {
        s.mail.transport = fieldlab::config::MailTransport::Smtp;
        s.mail.port = port;
        s.mail.retry_base_seconds = 1;
    })
    .await;
    for i in 0..3 {
        create_student(&app, &format!("outage{i}@etu.fr")).await;
    }
    let waited = eventually(Duration::from_secs(10), || async {
        let pending = app.notifications("?status=pending").await;
        pending.len() == 3
            && pending
                .iter()
                .all(|n| n["attempts"].as_i64() >= Some(1) && n["last_error"].is_string())
    })
    .await;
    assert!(
        waited,
        "rows should stay pending with attempts and last_error: {:?}",
        app.notifications("").await
    );

    let inbox = start_sink(port, false);
    assert!(
        eventually(Duration::from_secs(20), || async {
            app.notifications("?status=sent").await.len() == 3
        })
        .await
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut ids = inbox.message_ids();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 3);
    assert_eq!(inbox.len(), 3, "each Message-ID exactly once");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_permanent_refusal_fails_at_once_and_staff_can_requeue() {
    let port = free_port();
    let _inbox = start_sink(port, true);
    let app = spawn_app_with(|s| {
        s.mail.transport = fieldlab::config::MailTransport::Smtp;
        s.mail.port = port;
    })
    .await;
    create_student(&app, "refused@etu.fr").await;
    assert!(
        eventually(Duration::from_secs(10), || async {
            app.notifications("?status=failed").await.len() == 1
        })
        .await
    );
    let failed = app.notifications("?status=failed").await;
    assert_eq!(failed[0]["attempts"], 1);
    assert!(
        failed[0]["last_error"]
            .as_str()
            .unwrap_or("")
            .contains("550"),
        "{failed:?}"
    );

    let id = failed[0]["id"].as_str().expect("id");
    let res = app
        .post(
            &format!("/api/v1/notifications/{id}/retry"),
            Some(&app.staff_token),
            &json!({}),
        )
        .await;
    let retried = expect_status(res, StatusCode::OK).await;
    assert_eq!(retried["status"], "pending");
    assert_eq!(retried["attempts"], 0);
}

/// A staff page, read with the session cookie (no browser needed).
async fn page(app: &TestApp, token: &str, path: &str) -> (StatusCode, String) {
    let res = app
        .client
        .get(app.url(path))
        .header("Cookie", format!("fieldlab_session={token}"))
        .send()
        .await
        .expect("page");
    (res.status(), res.text().await.expect("html"))
}

#[tokio::test(flavor = "multi_thread")]
async fn staff_see_a_failed_email_on_their_home_and_send_it_again_from_the_emails_page() {
    let port = free_port();
    let _inbox = start_sink(port, true);
    let app = spawn_app_with(|s| {
        s.mail.transport = fieldlab::config::MailTransport::Smtp;
        s.mail.port = port;
    })
    .await;
    create_student(&app, "refused@etu.fr").await;
    assert!(
        eventually(Duration::from_secs(10), || async {
            app.notifications("?status=failed").await.len() == 1
        })
        .await
    );
    let staff = app.staff_token.clone();
    let (status, home) = page(&app, &staff, "/app").await;
    assert_eq!(status, StatusCode::OK);
    assert!(home.contains("class=\"banner warn\""), "{home}");
    assert!(home.contains("1 e-mail n’a pas pu partir"), "{home}");

    let (status, list) = page(&app, &staff, "/app/staff/emails?status=failed").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        list.contains("refused@etu.fr") && list.contains("550"),
        "{list}"
    );
    let id = app.notifications("?status=failed").await[0]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let (status, one) = page(&app, &staff, &format!("/app/staff/emails/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(one.contains("set-password"), "the text as sent: {one}");

    // Send it again through the page's form (its CSRF token read from the page).
    let csrf = list
        .split("name=\"csrf_token\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a csrf token")
        .to_owned();
    let res = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .post(app.url(&format!("/app/staff/emails/{id}/retry")))
        .header("Cookie", format!("fieldlab_session={staff}"))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .expect("retry");
    // Re-queued: the use case accepted it (a refusal would be an error page, not a 303); the
    // worker then tries it again at once, so its state after that is not asserted here.
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let location = res.headers()["location"].to_str().expect("location");
    assert!(location.contains("done=email_retried"), "{location}");

    // Anyone else gets the 404 page.
    let (_, student) = app.user_with_role("student", "leo@etu.fr").await;
    let (status, _) = page(&app, &student, "/app/staff/emails").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread")]
async fn two_servers_on_one_database_deliver_a_backlog_exactly_once() {
    let port = free_port();
    let inbox = start_sink(port, false);
    let smtp = |s: &mut fieldlab::config::Settings| {
        s.mail.transport = fieldlab::config::MailTransport::Smtp;
        s.mail.port = port;
    };
    // The first server is already draining when the backlog lands; the second joins it.
    let first = spawn_app_with(smtp).await;
    let pool = app_pool(&first);
    {
        let mut conn = pool.get().expect("conn");
        let outbox = Outbox::new(
            Locale::Fr,
            "fieldlab.test".into(),
            Vocabulary::new("IMT Mines Alès"),
        );
        let values = welcome_values();
        fieldlab::db::write_transaction(&mut conn, |conn| {
            for i in 0..500 {
                outbox.enqueue(
                    conn,
                    Email::new(
                        &format!("backlog{i}@etu.fr"),
                        "account_created",
                        values.clone(),
                    ),
                )?;
            }
            Ok::<_, fieldlab::error::ApiError>(())
        })
        .expect("backlog queued");
    }
    let mut second_settings = first.settings.clone();
    second_settings.server.port = 0;
    let second = fieldlab::startup::Application::build(second_settings).expect("second server");
    tokio::spawn(second.run_until_stopped());

    assert!(
        eventually(Duration::from_secs(60), || async { inbox.len() >= 500 }).await,
        "only {} of 500 delivered",
        inbox.len()
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    let ids = inbox.message_ids();
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 500);
    assert_eq!(ids.len(), 500, "no message sent twice");
}

#[tokio::test(flavor = "multi_thread")]
async fn messages_claimed_by_a_worker_that_died_are_sent_after_its_lease() {
    let port = free_port();
    let inbox = start_sink(port, false);
    let app = spawn_app_with(|s| {
        s.mail.transport = fieldlab::config::MailTransport::Smtp;
        s.mail.port = port;
    })
    .await;
    let pool = app_pool(&app);
    let mut conn = pool.get().expect("conn");
    let outbox = Outbox::new(
        Locale::Fr,
        "fieldlab.test".into(),
        Vocabulary::new("IMT Mines Alès"),
    );
    let values = welcome_values();
    // Queue and claim in one go, as a process killed with -9 mid-delivery would have left them.
    let claimed = fieldlab::db::write_transaction(&mut conn, |conn| {
        for i in 0..5 {
            outbox.enqueue(
                conn,
                Email::new(
                    &format!("orphan{i}@etu.fr"),
                    "account_created",
                    values.clone(),
                ),
            )?;
        }
        Ok::<_, fieldlab::error::ApiError>(())
    })
    .and_then(|()| {
        Ok(fieldlab::mail::models::claim_due(
            &mut conn,
            "dead-worker",
            100,
            Duration::from_secs(2),
        )?)
    })
    .expect("claimed by the dead worker");
    assert_eq!(claimed.len(), 5);
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(
        inbox.len(),
        0,
        "nobody else may take them while the lease holds"
    );
    assert!(
        eventually(Duration::from_secs(15), || async { inbox.len() == 5 }).await,
        "orphans were not re-sent"
    );
    assert!(
        eventually(Duration::from_secs(10), || async {
            app.notifications("?status=sent").await.len() == 5
        })
        .await,
        "recorded as sent"
    );
}

/// E-mails read like the school's: its name as the sender and in the signature, replies to the
/// configured address, the set-password link under `server.public_url`.
#[tokio::test(flavor = "multi_thread")]
async fn emails_come_from_the_school_and_replies_go_where_configured() {
    let app = spawn_app_with(|s| {
        s.mail.organisation = "IMT Mines Alès".into();
        s.mail.reply_to = "Incubateur <incubateur@mines-ales.fr>".into();
        s.server.public_url = "https://fieldlab.mines-ales.fr/".into();
    })
    .await;
    create_student(&app, "zoe.martin@etu.imt-mines-ales.fr").await;
    assert!(
        eventually(Duration::from_secs(10), || async {
            !eml_files(&app).is_empty()
        })
        .await,
        "no .eml written"
    );
    let raw = std::fs::read(&eml_files(&app)[0]).expect("read eml");
    let mail = mailparse::parse_mail(&raw).expect("a valid message");
    let header = |name: &str| mail.headers.get_first_value(name).unwrap_or_default();
    assert_eq!(header("From"), "IMT Mines Alès <fieldlab@mines-ales.fr>");
    assert_eq!(header("Reply-To"), "Incubateur <incubateur@mines-ales.fr>");
    let text = mail
        .subparts
        .iter()
        .find(|p| p.ctype.mimetype == "text/plain")
        .and_then(|p| p.get_body().ok())
        .expect("a text part");
    assert!(
        text.contains("https://fieldlab.mines-ales.fr/set-password?token="),
        "{text}"
    );
    assert!(
        text.contains("Bien cordialement,\r\nIMT Mines Alès")
            || text.contains("Bien cordialement,\nIMT Mines Alès"),
        "{text}"
    );
    assert!(!text.contains("L'équipe fieldlab"), "{text}");
}
