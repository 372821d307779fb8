//! Field missions, API.md "Additions": names with ids, students finding their team (and the
//! e-mail when it is formed), companies reading and editing what is theirs, constraints that
//! are reversible and checked when made, and publishing only what was computed.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{expect_problem, expect_status, spawn_app, TestApp};

async fn staff_post(app: &TestApp, path: &str, body: Value) -> reqwest::Response {
    app.post(path, Some(&app.staff_token), &body).await
}

/// A campaign of one-student teams with `n` companies, each with one accepted problem;
/// returns (campaign id, company tokens, company ids, problem ids).
async fn campaign_with_problems(
    app: &TestApp,
    n: usize,
) -> (String, Vec<String>, Vec<String>, Vec<String>) {
    let res = staff_post(
        app,
        "/api/v1/campaigns",
        json!({"name": "Automne 2028", "starts_on": "2028-09-04", "team_size": 1}),
    )
    .await;
    let cid = expect_status(res, StatusCode::CREATED).await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let (mut tokens, mut companies, mut problems) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..n {
        let (_, token) = app
            .user_with_role("company", &format!("contact{i}@atelier{i}.fr"))
            .await;
        let body = json!({"name": format!("Atelier {i}"), "city": format!("Ville {i}"), "local": i % 2 == 0});
        let res = app.post("/api/v1/companies", Some(&token), &body).await;
        let company = expect_status(res, StatusCode::CREATED).await;
        let domain = if i == 0 { "digital" } else { "materials" };
        let body = json!({"title": format!("Problème {i}"), "description": "d", "domain": domain});
        let res = app
            .post(
                &format!("/api/v1/campaigns/{cid}/problems"),
                Some(&token),
                &body,
            )
            .await;
        let problem = expect_status(res, StatusCode::CREATED).await;
        tokens.push(token);
        companies.push(company["id"].as_str().expect("id").to_owned());
        problems.push(problem["id"].as_str().expect("id").to_owned());
    }
    (cid, tokens, companies, problems)
}

async fn accept_all(app: &TestApp, problems: &[String]) {
    for p in problems {
        let path = format!("/api/v1/problems/{p}/review");
        expect_status(
            staff_post(app, &path, json!({"decision": "accept"})).await,
            StatusCode::OK,
        )
        .await;
    }
}

/// A one-student team ranking `prefs`; returns (team id, student token).
async fn team(app: &TestApp, cid: &str, email: &str, prefs: &[&String]) -> (String, String) {
    let (_, token) = app.user_with_role("student", email).await;
    let body = json!({"name": format!("Équipe {email}"), "member_emails": [email]});
    let res = app
        .post(
            &format!("/api/v1/campaigns/{cid}/teams"),
            Some(&token),
            &body,
        )
        .await;
    let tid = expect_status(res, StatusCode::CREATED).await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let res = app
        .put(
            &format!("/api/v1/teams/{tid}/preferences"),
            Some(&token),
            &json!({"problem_ids": prefs}),
        )
        .await;
    expect_status(res, StatusCode::OK).await;
    (tid, token)
}

#[tokio::test(flavor = "multi_thread")]
async fn companies_see_and_edit_what_is_theirs_and_problems_carry_their_company() {
    let app = spawn_app().await;
    let (cid, tokens, companies, problems) = campaign_with_problems(&app, 2).await;

    // Staff were told of each new problem.
    let notices: Vec<Value> = app
        .notifications("")
        .await
        .into_iter()
        .filter(|n| n["kind"] == "problem_submitted")
        .collect();
    assert_eq!(notices.len(), 2, "{notices:?}");

    // /me of a contact names the company; /companies/{id} answers its contact and staff only.
    let me = expect_status(
        app.get("/api/v1/me", Some(&tokens[0])).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(me["company_id"], companies[0]);
    let own = format!("/api/v1/companies/{}", companies[0]);
    let body = expect_status(app.get(&own, Some(&tokens[0])).await, StatusCode::OK).await;
    assert_eq!(body["name"], "Atelier 0");
    expect_status(app.get(&own, Some(&app.staff_token)).await, StatusCode::OK).await;
    expect_problem(
        app.get(&own, Some(&tokens[1])).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;

    // PATCH: its company, while submitted and problems_open.
    let p0 = format!("/api/v1/problems/{}", problems[0]);
    let res = app
        .patch(&p0, Some(&tokens[0]), &json!({"title": "Moins de chutes"}))
        .await;
    let edited = expect_status(res, StatusCode::OK).await;
    assert_eq!(edited["title"], "Moins de chutes");
    assert_eq!(edited["description"], "d");
    assert_eq!(edited["company"]["id"], companies[0]);
    let res = app
        .patch(&p0, Some(&tokens[1]), &json!({"title": "x"}))
        .await;
    expect_problem(res, StatusCode::NOT_FOUND, "not_found").await;
    let res = app
        .patch(&p0, Some(&tokens[0]), &json!({"domain": "cooking"}))
        .await;
    expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    accept_all(&app, &problems).await;
    let res = app
        .patch(&p0, Some(&tokens[0]), &json!({"title": "y"}))
        .await;
    expect_problem(res, StatusCode::CONFLICT, "invalid_transition").await;

    // Students filter accepted problems by domain and locality; each names its company.
    let open = format!("/api/v1/campaigns/{cid}/open-signup");
    expect_status(staff_post(&app, &open, json!({})).await, StatusCode::OK).await;
    let (_, student) = app.user_with_role("student", "s@etu.fr").await;
    let list = format!("/api/v1/campaigns/{cid}/problems");
    let all = expect_status(app.get(&list, Some(&student)).await, StatusCode::OK).await;
    assert_eq!(all["items"].as_array().map(Vec::len), Some(2));
    let first = &all["items"][0];
    for key in ["id", "name", "city", "local"] {
        assert!(!first["company"][key].is_null(), "{first}");
    }
    let digital = expect_status(
        app.get(&format!("{list}?domain=digital"), Some(&student))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(digital["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(digital["items"][0]["id"], problems[0]);
    let local = expect_status(
        app.get(&format!("{list}?local=true"), Some(&student)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(local["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(local["items"][0]["company"]["local"], true);
}

#[tokio::test(flavor = "multi_thread")]
async fn students_find_their_team_and_every_member_is_told() {
    let app = spawn_app().await;
    let res = staff_post(
        &app,
        "/api/v1/campaigns",
        json!({"name": "Hiver 2029", "starts_on": "2029-01-08", "team_size": 2}),
    )
    .await;
    let cid = expect_status(res, StatusCode::CREATED).await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let open = format!("/api/v1/campaigns/{cid}/open-signup");
    expect_status(staff_post(&app, &open, json!({})).await, StatusCode::OK).await;
    let (_, a) = app.user_with_role("student", "a@etu.fr").await;
    let (_, b) = app.user_with_role("student", "b@etu.fr").await;
    let body = json!({"name": "Cèze", "member_emails": ["a@etu.fr", "b@etu.fr"]});
    let res = app
        .post(&format!("/api/v1/campaigns/{cid}/teams"), Some(&a), &body)
        .await;
    let team = expect_status(res, StatusCode::CREATED).await;
    let tid = team["id"].as_str().expect("id");

    let mine = expect_status(app.get("/api/v1/me/teams", Some(&b)).await, StatusCode::OK).await;
    assert_eq!(mine["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(mine["items"][0]["id"], tid);
    assert_eq!(mine["items"][0]["campaign_id"], cid.as_str());
    expect_problem(
        app.get("/api/v1/me/teams", Some(&app.staff_token)).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;

    for to in ["a@etu.fr", "b@etu.fr"] {
        let mails: Vec<Value> = app
            .mails_to(to)
            .await
            .into_iter()
            .filter(|n| n["kind"] == "team_created")
            .collect();
        assert_eq!(mails.len(), 1, "{to}: {mails:?}");
        assert!(mails[0]["subject"].as_str().unwrap_or("").contains("Cèze"));
    }
    let mail = crate::helpers::wait_for_eml_about(&app, "b@etu.fr", "Cèze").await;
    assert!(
        mail.contains(&format!("/app/teams/{tid}/preferences")),
        "{mail}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn constraints_are_listed_removed_and_checked_when_made() {
    let app = spawn_app().await;
    let (cid, _, _, problems) = campaign_with_problems(&app, 2).await;
    accept_all(&app, &problems).await;
    let open = format!("/api/v1/campaigns/{cid}/open-signup");
    expect_status(staff_post(&app, &open, json!({})).await, StatusCode::OK).await;
    let (t1, _) = team(&app, &cid, "t1@etu.fr", &[&problems[0], &problems[1]]).await;
    let (t2, _) = team(&app, &cid, "t2@etu.fr", &[&problems[0]]).await;
    let path = format!("/api/v1/campaigns/{cid}/constraints");

    let pin = json!({"team_id": t1, "problem_id": problems[0], "kind": "pin"});
    let made = expect_status(
        staff_post(&app, &path, pin.clone()).await,
        StatusCode::CREATED,
    )
    .await;
    expect_problem(
        staff_post(&app, &path, pin).await,
        StatusCode::CONFLICT,
        "already_exists",
    )
    .await;
    let forbid = json!({"team_id": t1, "problem_id": problems[0], "kind": "forbid"});
    expect_problem(
        staff_post(&app, &path, forbid).await,
        StatusCode::CONFLICT,
        "already_exists",
    )
    .await;
    // Past the problem's capacity with the other pin: both pairs named.
    let over = json!({"team_id": t2, "problem_id": problems[0], "kind": "pin"});
    let body = expect_problem(
        staff_post(&app, &path, over).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "infeasible_pins",
    )
    .await;
    let detail = body["detail"].as_str().unwrap_or_default();
    assert!(detail.contains(&t1) && detail.contains(&t2), "{detail}");
    // Unranked.
    let unranked = json!({"team_id": t2, "problem_id": problems[1], "kind": "pin"});
    expect_problem(
        staff_post(&app, &path, unranked).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "infeasible_pins",
    )
    .await;

    let list = expect_status(app.get(&path, Some(&app.staff_token)).await, StatusCode::OK).await;
    assert_eq!(list["items"].as_array().map(Vec::len), Some(1));
    for key in ["id", "team_id", "problem_id", "kind"] {
        assert_eq!(list["items"][0][key], made[key]);
    }
    let one = format!("{path}/{}", made["id"].as_str().expect("id"));
    let res = app
        .send(
            reqwest::Method::DELETE,
            &one,
            Some(&app.staff_token),
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let res = app
        .send(
            reqwest::Method::DELETE,
            &one,
            Some(&app.staff_token),
            &json!({}),
        )
        .await;
    expect_problem(res, StatusCode::NOT_FOUND, "not_found").await;
    let list = expect_status(app.get(&path, Some(&app.staff_token)).await, StatusCode::OK).await;
    assert_eq!(list["items"], json!([]));
}

#[tokio::test(flavor = "multi_thread")]
async fn only_a_current_allocation_is_published_and_missions_carry_names() {
    let app = spawn_app().await;
    let (cid, _, companies, problems) = campaign_with_problems(&app, 2).await;
    accept_all(&app, &problems).await;
    let open = format!("/api/v1/campaigns/{cid}/open-signup");
    expect_status(staff_post(&app, &open, json!({})).await, StatusCode::OK).await;
    let (t1, _) = team(&app, &cid, "u1@etu.fr", &[&problems[0]]).await;
    let (t2, _) = team(&app, &cid, "u2@etu.fr", &[&problems[0]]).await;
    let allocate = format!("/api/v1/campaigns/{cid}/allocate");
    let publish = format!("/api/v1/campaigns/{cid}/publish");
    let alloc = expect_status(staff_post(&app, &allocate, json!({})).await, StatusCode::OK).await;
    assert_eq!(alloc["assigned"], 1);
    let unplaced = alloc["unplaced"].as_array().expect("unplaced");
    assert_eq!(unplaced.len(), 1, "{alloc}");
    assert!(unplaced[0]["reason"]
        .as_str()
        .is_some_and(|r| !r.is_empty()));
    let left_out = unplaced[0]["team_id"].as_str().expect("team").to_owned();
    assert!(left_out == t1 || left_out == t2);

    // A change after the allocation makes it stale; allocating again makes it current.
    let path = format!("/api/v1/campaigns/{cid}/constraints");
    let forbid = json!({"team_id": t1, "problem_id": problems[1], "kind": "forbid"});
    expect_status(staff_post(&app, &path, forbid).await, StatusCode::CREATED).await;
    expect_problem(
        staff_post(&app, &publish, json!({})).await,
        StatusCode::CONFLICT,
        "allocation_stale",
    )
    .await;
    expect_status(staff_post(&app, &allocate, json!({})).await, StatusCode::OK).await;
    expect_status(staff_post(&app, &publish, json!({})).await, StatusCode::OK).await;

    let left_email = if left_out == t1 {
        "u1@etu.fr"
    } else {
        "u2@etu.fr"
    };
    let told: Vec<Value> = app
        .mails_to(left_email)
        .await
        .into_iter()
        .filter(|n| n["kind"] == "mission_unplaced")
        .collect();
    assert_eq!(told.len(), 1, "{told:?}");

    let missions = format!("/api/v1/campaigns/{cid}/missions");
    let list = expect_status(
        app.get(&missions, Some(&app.staff_token)).await,
        StatusCode::OK,
    )
    .await;
    let m = &list["items"][0];
    assert_eq!(m["company"]["id"], companies[0]);
    assert_eq!(m["company"]["name"], "Atelier 0");
    assert_eq!(m["contact"]["email"], "contact0@atelier0.fr");
    assert_eq!(m["problem"]["id"], problems[0]);
    assert_eq!(m["problem"]["title"], "Problème 0");
    assert_eq!(m["team"]["id"], m["team_id"]);
    assert_eq!(
        m["team"]["members"][0]["email"]
            .as_str()
            .map(|e| e != left_email),
        Some(true)
    );
    assert!(m["tutor"].is_null() && m["tutor_id"].is_null());

    // No tutor has room: the mission is named as unassigned.
    let assign = format!("/api/v1/campaigns/{cid}/assign-tutors");
    let body = expect_status(staff_post(&app, &assign, json!({})).await, StatusCode::OK).await;
    assert_eq!(body["items"], json!([]));
    assert_eq!(body["unassigned_mission_ids"], json!([m["id"]]));
}
