//! The pages' words as people read them (issue 20): French pages say French things, counts
//! agree with their number, a team is named once, dates are Paris dates, people who just proved
//! who they are stay signed in, a confirmation shows once, homes list what awaits. Read over
//! HTTP with a session cookie where the words are enough, in headless Chromium where the page's
//! look matters (the ranking on a phone, the register's filter button).

use reqwest::StatusCode;
use serde_json::json;

use crate::browser::sign_in;
use crate::console::Browser as Pages;
use crate::console::{csrf_in, no_redirects, set_cookie};
use crate::helpers::{
    expect_status, id, published_missions, spawn_app, wait_for_eml_about, TestApp, PASSWORD,
};
use crate::webdriver::browser;

/// A campaign open for teams: one company contact (`contact@atelier.fr`) whose problems, titled
/// as given, are accepted. Returns the campaign's and the problems' ids.
async fn open_campaign(app: &TestApp, name: &str, titles: &[&str]) -> (String, Vec<String>) {
    let staff = Some(app.staff_token.as_str());
    let starts_on = (chrono::Utc::now().date_naive() + chrono::Duration::weeks(6)).to_string();
    let res = app
        .post(
            "/api/v1/campaigns",
            staff,
            &json!({"name": name, "starts_on": starts_on, "team_size": 1}),
        )
        .await;
    let cid = id(&expect_status(res, StatusCode::CREATED).await);
    let (_, company) = app.user_with_role("company", "contact@atelier.fr").await;
    let res = app
        .post(
            "/api/v1/companies",
            Some(&company),
            &json!({"name": "Atelier Cévenol", "city": "Alès", "local": true}),
        )
        .await;
    expect_status(res, StatusCode::CREATED).await;
    let mut problems = Vec::new();
    for title in titles {
        let res = app
            .post(
                &format!("/api/v1/campaigns/{cid}/problems"),
                Some(&company),
                &json!({"title": title, "description": "Décrit", "domain": "materials"}),
            )
            .await;
        let pid = id(&expect_status(res, StatusCode::CREATED).await);
        let res = app
            .post(
                &format!("/api/v1/problems/{pid}/review"),
                staff,
                &json!({"decision": "accept"}),
            )
            .await;
        expect_status(res, StatusCode::OK).await;
        problems.push(pid);
    }
    let res = app
        .post(
            &format!("/api/v1/campaigns/{cid}/open-signup"),
            staff,
            &json!({}),
        )
        .await;
    expect_status(res, StatusCode::OK).await;
    (cid, problems)
}

/// A one-student team `name` of `email` in the campaign, ranking `ranked`; its id and token.
async fn team(
    app: &TestApp,
    cid: &str,
    email: &str,
    name: &str,
    ranked: &[&str],
) -> (String, String) {
    let (_, student) = app.user_with_role("student", email).await;
    let res = app
        .post(
            &format!("/api/v1/campaigns/{cid}/teams"),
            Some(&student),
            &json!({"name": name, "member_emails": [email]}),
        )
        .await;
    let tid = id(&expect_status(res, StatusCode::CREATED).await);
    if !ranked.is_empty() {
        let res = app
            .put(
                &format!("/api/v1/teams/{tid}/preferences"),
                Some(&student),
                &json!({"problem_ids": ranked}),
            )
            .await;
        expect_status(res, StatusCode::OK).await;
    }
    (tid, student)
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unplaced_team_reads_why_in_french_on_the_allocation_page_and_in_its_email() {
    let app = spawn_app().await;
    let (cid, problems) = open_campaign(&app, "Missions terrain printemps", &["Chutes"]).await;
    team(&app, &cid, "ana@etu.fr", "Équipe 7", &[&problems[0]]).await;
    team(&app, &cid, "bob@etu.fr", "Équipe 8", &[&problems[0]]).await;
    let staff = Some(app.staff_token.as_str());
    let res = app
        .post(
            &format!("/api/v1/campaigns/{cid}/allocate"),
            staff,
            &json!({}),
        )
        .await;
    let alloc = expect_status(res, StatusCode::OK).await;
    // The API keeps its English sentence.
    assert!(
        alloc["unplaced"][0]["reason"]
            .as_str()
            .is_some_and(|r| r.starts_with("every choice is full")),
        "{alloc}"
    );
    let pages = Pages::new(&app, &app.staff_token);
    let (_, fr) = pages
        .get(&format!("/app/staff/campaigns/{cid}/allocation"))
        .await;
    assert!(fr.contains("Tous ses choix sont complets"), "{fr}");
    assert!(
        !fr.contains("every choice") && !fr.contains("teams holding"),
        "{fr}"
    );
    let (_, en) = pages
        .get(&format!("/app/staff/campaigns/{cid}/allocation?lang=en"))
        .await;
    assert!(en.contains("Every choice is full"), "{en}");

    let res = app
        .post(
            &format!("/api/v1/campaigns/{cid}/publish"),
            staff,
            &json!({}),
        )
        .await;
    expect_status(res, StatusCode::OK).await;
    let left_out = app
        .mails_to("ana@etu.fr")
        .await
        .iter()
        .any(|n| n["kind"] == "mission_unplaced");
    let (email, number) = if left_out {
        ("ana@etu.fr", 7)
    } else {
        ("bob@etu.fr", 8)
    };
    // The subject names the campaign once and the team once.
    let mail = wait_for_eml_about(
        &app,
        email,
        &format!("Missions terrain printemps : votre équipe {number} n'a pas de mission"),
    )
    .await;
    assert!(
        mail.contains("Raison : Tous ses choix sont complets"),
        "{mail}"
    );
    assert!(
        !mail.contains("every choice") && !mail.contains("Équipe Équipe"),
        "{mail}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_csv_import_report_speaks_the_page_language() {
    let app = spawn_app().await;
    let pages = Pages::new(&app, &app.staff_token);
    let file = "email;name;role\nana@etu.fr;Ana Lopez;student\npas-une-adresse;Bob;student\n;Sans adresse;student\n";
    for (lang, expected) in [
        (
            "fr",
            [
                "Ligne 3 : email : `pas-une-adresse` n’est pas une adresse e-mail valide",
                "Ligne 4 : email : ce champ est obligatoire",
            ],
        ),
        (
            "en",
            [
                "Line 3: email: `pas-une-adresse` is not a valid e-mail address",
                "Line 4: email: this field is required",
            ],
        ),
    ] {
        let csrf = pages.csrf().await;
        let body = crate::csv_files::form(
            "XyZ",
            &[
                ("csrf_token", None, csrf.as_bytes()),
                ("file", Some("promo.csv"), file.as_bytes()),
            ],
        );
        let res = pages
            .client
            .post(app.url(&format!("/app/staff/people/import?lang={lang}")))
            .header("Cookie", format!("fieldlab_session={}", pages.token))
            .header("Content-Type", "multipart/form-data; boundary=XyZ")
            .body(body)
            .send()
            .await
            .expect("upload");
        assert_eq!(res.status(), StatusCode::OK);
        let report = res.text().await.expect("html");
        for line in expected {
            assert!(report.contains(line), "{lang}: {line}\n{report}");
        }
        assert!(!report.contains("(s)"), "{report}");
    }
    // The API keeps its contract: a line number and an English message.
    let res = app
        .post_raw(
            "/api/v1/users/import",
            Some(&app.staff_token),
            "text/csv",
            "email,name,role\npas-une-adresse,Bob,student\n",
        )
        .await;
    let report = expect_status(res, StatusCode::OK).await;
    assert_eq!(
        report["errors"],
        json!([{"line": 2, "message": "email: `pas-une-adresse` is not a valid e-mail address"}])
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_company_home_lists_the_agreement_to_sign_by_student_and_its_accepted_problem() {
    let app = spawn_app().await;
    let missions = published_missions(&app, 1).await;
    let staff = Some(app.staff_token.as_str());
    let res = app.get("/api/v1/agreements", staff).await;
    let list = expect_status(res, StatusCode::OK).await;
    let agreement = id(&list["items"][0]);
    let res = app
        .post(
            &format!("/api/v1/agreements/{agreement}/send"),
            staff,
            &json!({}),
        )
        .await;
    expect_status(res, StatusCode::OK).await;

    let contact = app.login("contact0@decoupes0.fr", PASSWORD).await;
    let (_, home) = Pages::new(&app, &contact).get("/app").await;
    assert!(!home.contains("Rien ne vous attend"), "{home}");
    // Which student each agreement is for, in the link and in what awaits.
    assert!(
        home.contains("Convention à signer : Test student"),
        "{home}"
    );
    assert!(home.contains(" — Test student</a>"), "{home}");
    // The accepted problem and where it stands, not an offer to submit one.
    assert!(
        home.contains("Votre problème « Chutes 0 » : accepté"),
        "{home}"
    );
    assert!(!home.contains("Proposer un problème"), "{home}");
    let campaigns = app.get("/api/v1/campaigns", staff).await;
    let cid = id(&expect_status(campaigns, StatusCode::OK).await["items"][0]);
    let (_, campaign) = Pages::new(&app, &contact)
        .get(&format!("/app/campaigns/{cid}"))
        .await;
    assert!(
        campaign.contains("Votre problème « Chutes 0 » : accepté"),
        "{campaign}"
    );
    assert!(!campaign.contains("Proposer un problème"), "{campaign}");

    // The student's home says the same of their own agreement, named by its company.
    let (_, home) = Pages::new(&app, &missions[0].1).get("/app").await;
    assert!(!home.contains("Rien ne vous attend"), "{home}");
    assert!(home.contains("Convention à signer : Découpes 0"), "{home}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_company_may_submit_another_problem_while_the_call_is_open() {
    let app = spawn_app().await;
    let staff = Some(app.staff_token.as_str());
    let starts_on = (chrono::Utc::now().date_naive() + chrono::Duration::weeks(6)).to_string();
    let res = app
        .post(
            "/api/v1/campaigns",
            staff,
            &json!({"name": "Automne", "starts_on": starts_on, "team_size": 1}),
        )
        .await;
    let cid = id(&expect_status(res, StatusCode::CREATED).await);
    let (_, company) = app.user_with_role("company", "contact@atelier.fr").await;
    let res = app
        .post(
            "/api/v1/companies",
            Some(&company),
            &json!({"name": "Atelier", "city": "Alès", "local": true}),
        )
        .await;
    expect_status(res, StatusCode::CREATED).await;
    let pages = Pages::new(&app, &company);
    // An empty field is required, as everywhere else; the field is the problem's title.
    let (_, form) = pages
        .get(&format!("/app/campaigns/{cid}/problems/new"))
        .await;
    assert!(
        form.contains("Titre du problème") && !form.contains("Titre du projet"),
        "{form}"
    );
    let (status, page) = pages
        .post(
            &format!("/app/campaigns/{cid}/problems/new"),
            &[("title", ""), ("description", ""), ("domain", "")],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        page.matches("Ce champ est obligatoire.").count(),
        3,
        "{page}"
    );
    assert!(!page.contains("Cette valeur n’est pas valide."), "{page}");

    let res = app
        .post(
            &format!("/api/v1/campaigns/{cid}/problems"),
            Some(&company),
            &json!({"title": "Chutes", "description": "Décrit", "domain": "materials"}),
        )
        .await;
    let pid = id(&expect_status(res, StatusCode::CREATED).await);
    let res = app
        .post(
            &format!("/api/v1/problems/{pid}/review"),
            staff,
            &json!({"decision": "accept"}),
        )
        .await;
    expect_status(res, StatusCode::OK).await;
    let (_, home) = pages.get("/app").await;
    assert!(
        home.contains("Votre problème « Chutes » : accepté"),
        "{home}"
    );
    assert!(home.contains("Proposer un autre problème"), "{home}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_team_is_named_once_and_the_front_page_tab_once() {
    let app = spawn_app().await;
    let missions = published_missions(&app, 1).await;
    let (status, page) = Pages::new(&app, &missions[0].1)
        .get(&format!("/app/missions/{}", missions[0].0))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("<h2>Équipe 0</h2>"), "{page}");
    assert!(
        !page.contains("Équipe : Équipe") && !page.contains("Équipe Équipe"),
        "{page}"
    );
    let front = app.get("/", None).await.text().await.expect("html");
    assert!(front.contains("<title>fieldlab</title>"), "{front}");
    let login = app.get("/login", None).await.text().await.expect("html");
    assert!(
        login.contains("<title>Se connecter · fieldlab</title>"),
        "{login}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_application_sent_late_in_the_evening_is_dated_in_paris() {
    let app = spawn_app().await;
    let (_, founder) = app.user_with_role("founder", "ines@beton.fr").await;
    let res = app
        .post(
            "/api/v1/applications",
            Some(&founder),
            &json!({"title": "Béton", "summary": "Bas carbone", "domain": "materials", "manufactured_product": true}),
        )
        .await;
    let application = id(&expect_status(res, StatusCode::CREATED).await);
    // Sent at 23:30 UTC on 1 March: 00:30 on 2 March in Paris.
    {
        use diesel::RunQueryDsl;
        let pool = fieldlab::startup::open_database(&app.settings).expect("database");
        let mut conn = pool.get().expect("connection");
        diesel::sql_query(format!(
            "UPDATE applications SET created_at = '2027-03-01 23:30:00' WHERE id = '{application}'"
        ))
        .execute(&mut *conn)
        .expect("dated");
    }
    let (_, page) = Pages::new(&app, &founder)
        .get(&format!("/app/applications/{application}"))
        .await;
    assert!(page.contains("mardi 2 mars 2027"), "{page}");
    assert!(!page.contains("lundi 1er mars 2027"), "{page}");
    let staff = Pages::new(&app, &app.staff_token);
    let (_, list) = staff.get("/app/staff/applications").await;
    assert!(list.contains("mardi 2 mars 2027"), "{list}");
    let (_, home) = staff.get("/app").await;
    // One application to decide, the words agreeing with the number.
    assert!(home.contains("1 candidature à décider"), "{home}");
    assert!(!home.contains("(s)"), "{home}");
    let (_, people) = staff.get("/app/staff/people").await;
    assert!(
        people.contains("<label for=\"filter-role\">Rôle</label>"),
        "{people}"
    );
    assert!(!people.contains("Vous êtes"), "{people}");
}

#[tokio::test(flavor = "multi_thread")]
async fn choosing_a_password_or_registering_signs_in() {
    let app = spawn_app().await;
    let client = no_redirects();
    let res = app
        .post(
            "/api/v1/users",
            Some(&app.staff_token),
            &json!({"email": "lea@etu.fr", "name": "Léa Martin", "role": "student"}),
        )
        .await;
    expect_status(res, StatusCode::CREATED).await;
    let mail = wait_for_eml_about(&app, "lea@etu.fr", "").await;
    let at = mail.find("/set-password?token=").expect("the link");
    let path: String = mail[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || "/-?=_&".contains(*c))
        .collect();
    let form = client.get(app.url(&path)).send().await.expect("form");
    let csrf_cookie = set_cookie(&form, "fieldlab_csrf").expect("a csrf cookie");
    let html = form.text().await.expect("html");
    let token = path.split("token=").nth(1).expect("token").to_owned();
    let res = client
        .post(app.url("/set-password"))
        .header("Cookie", format!("fieldlab_csrf={csrf_cookie}"))
        .form(&[
            ("csrf_token", csrf_in(&html).as_str()),
            ("token", &token),
            ("password", "une-phrase-de-passe-solide"),
        ])
        .send()
        .await
        .expect("set password");
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], "/app?done=password_set");
    let session = set_cookie(&res, "fieldlab_session").expect("signed in");
    let (status, home) = Pages::new(&app, &session).get("/app").await;
    assert_eq!(status, StatusCode::OK);
    assert!(home.contains("Léa Martin"), "{home}");

    let form = client.get(app.url("/register")).send().await.expect("form");
    let csrf_cookie = set_cookie(&form, "fieldlab_csrf").expect("a csrf cookie");
    let html = form.text().await.expect("html");
    let res = client
        .post(app.url("/register"))
        .header("Cookie", format!("fieldlab_csrf={csrf_cookie}"))
        .form(&[
            ("csrf_token", csrf_in(&html).as_str()),
            ("email", "ines@beton.fr"),
            ("name", "Inès Roux"),
            ("password", PASSWORD),
            ("role", "founder"),
        ])
        .send()
        .await
        .expect("register");
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], "/app?done=registered");
    let session = set_cookie(&res, "fieldlab_session").expect("signed in");
    let (_, home) = Pages::new(&app, &session).get("/app").await;
    assert!(home.contains("Inès Roux"), "{home}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_confirmation_shows_once_and_the_404_page_keeps_the_signed_in_menu() {
    let app = spawn_app().await;
    let pages = Pages::new(&app, &app.staff_token);
    let csrf = pages.csrf().await;
    let cookie = format!("fieldlab_session={}", app.staff_token);
    let client = no_redirects();
    let res = client
        .post(app.url("/app/profile"))
        .header("Cookie", &cookie)
        .form(&[("csrf_token", csrf.as_str()), ("name", "Admin Staff")])
        .send()
        .await
        .expect("rename");
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let to = res.headers()["location"].to_str().expect("to").to_owned();
    let flash = set_cookie(&res, "fieldlab_flash").expect("the promise of a confirmation");
    let shown = client
        .get(app.url(&to))
        .header("Cookie", format!("{cookie}; fieldlab_flash={flash}"))
        .send()
        .await
        .expect("page");
    // Shown once, and the promise is taken back.
    assert_eq!(set_cookie(&shown, "fieldlab_flash").as_deref(), Some(""));
    assert!(shown
        .text()
        .await
        .expect("html")
        .contains("role=\"status\""));
    let (_, again) = pages.get(&to).await;
    assert!(!again.contains("role=\"status\""), "{again}");

    let (status, missing) = pages.get("/app/nothing-here").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(missing.contains("Page introuvable"), "{missing}");
    assert!(
        missing.contains("action=\"/logout\"") && missing.contains("/app/profile"),
        "{missing}"
    );
    assert!(!missing.contains("href=\"/login\""), "{missing}");
}

#[tokio::test(flavor = "multi_thread")]
async fn staff_pages_after_publishing_have_their_tabs_and_no_premature_banner() {
    let app = spawn_app().await;
    published_missions(&app, 1).await;
    let staff = Some(app.staff_token.as_str());
    let campaigns = app.get("/api/v1/campaigns", staff).await;
    let cid = id(&expect_status(campaigns, StatusCode::OK).await["items"][0]);
    let pages = Pages::new(&app, &app.staff_token);
    let (_, missions) = pages
        .get(&format!("/app/staff/campaigns/{cid}/missions"))
        .await;
    // No tutor was tried yet: nothing says none had room.
    assert!(!missions.contains("aucun n’avait de place"), "{missions}");
    assert!(
        missions.contains("1 mission sans enseignant-chercheur"),
        "{missions}"
    );

    let (_, emails) = pages.get("/app/staff/emails").await;
    assert!(emails.contains("class=\"tabs console\""), "{emails}");
    assert!(
        emails.contains(" tentative</p>") && !emails.contains("(s)"),
        "{emails}"
    );
    let one = app.notifications("").await;
    let (_, email) = pages
        .get(&format!("/app/staff/emails/{}", id(&one[0])))
        .await;
    assert!(email.contains("class=\"tabs console\""), "{email}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_duplicate_choice_is_refused_naming_the_two_choices() {
    let app = spawn_app().await;
    let (cid, problems) = open_campaign(&app, "Printemps", &["Chutes", "Bruit", "Poussière"]).await;
    let (tid, student) = team(&app, &cid, "ana@etu.fr", "Les Gardons", &[]).await;
    let pages = Pages::new(&app, &student);
    let (_, form) = pages.get(&format!("/app/teams/{tid}/preferences")).await;
    assert!(
        form.contains(">Choix 1</label>") && !form.contains("Choix n°"),
        "{form}"
    );
    assert!(
        !form.contains("<ol class=\"ranking\">"),
        "numbered once: {form}"
    );
    let (status, page) = pages
        .post(
            &format!("/app/teams/{tid}/preferences"),
            &[
                ("problem_ids", problems[1].as_str()),
                ("problem_ids", problems[0].as_str()),
                ("problem_ids", ""),
                ("problem_ids", ""),
                ("problem_ids", problems[0].as_str()),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("Les choix 2 et 5 désignent le même problème : « Chutes »"),
        "{page}"
    );
}

/// On a phone, each choice's full title is written out where it wraps, inside the screen.
#[tokio::test(flavor = "multi_thread")]
async fn ranking_on_a_phone_shows_whole_titles() {
    let Some(b) = browser().await else { return };
    let app = spawn_app().await;
    let long = [
        "Réduire les chutes de découpe du granit dans l’atelier de façonnage de Saint-Ambroix",
        "Réduire les chutes de découpe du granit dans l’atelier de polissage de Saint-Ambroix",
    ];
    let (cid, problems) = open_campaign(&app, "Printemps", &long).await;
    let (tid, _) = team(
        &app,
        &cid,
        "ana@etu.fr",
        "Les Gardons",
        &[&problems[1], &problems[0]],
    )
    .await;
    sign_in(&b, &app, "ana@etu.fr", PASSWORD).await;
    b.goto(&app.url(&format!("/app/teams/{tid}/preferences")))
        .await;
    assert_eq!(b.text("label[for=choice_1]").await, "Choix 1");
    assert_eq!(
        b.text("#choice_1-chosen").await.split(" — ").next(),
        Some(long[1])
    );
    assert_eq!(
        b.text("#choice_2-chosen").await.split(" — ").next(),
        Some(long[0])
    );
    let overflow = b
        .script(
            "return [...document.querySelectorAll('.ranking select, .ranking .chosen')]
               .filter(e => e.getBoundingClientRect().right > 360).length;",
            json!([]),
        )
        .await;
    assert_eq!(overflow, json!(0), "every choice fits a 360 px screen");
    b.screenshot("ranking-phone").await;
}

/// The register's filter is an ordinary button, not a red one that looks like it deletes.
#[tokio::test(flavor = "multi_thread")]
async fn the_register_filter_button_is_not_a_danger_button() {
    let Some(b) = browser().await else { return };
    let app = spawn_app().await;
    sign_in(&b, &app, crate::helpers::STAFF_EMAIL, PASSWORD).await;
    b.goto(&app.url("/app/staff/agreements")).await;
    let colours = b
        .script(
            "const f = [...document.querySelectorAll('form.filters button')].pop();
             const s = getComputedStyle(f);
             return [s.color, s.borderColor];",
            json!([]),
        )
        .await;
    let red = "rgb(179, 38, 30)";
    assert!(
        colours[0] != red && colours[1] != red,
        "the filter button is red: {colours}"
    );
}
