//! Field missions black-box: the campaign state machine, every code of the contract's
//! section, who sees what, races on team membership and the problem cap, a whole campaign
//! end to end with its e-mails, and the CSV export.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{expect_problem, expect_status, spawn_app, wait_for_eml_about, TestApp};

async fn campaign(app: &TestApp, body: Value) -> Value {
    let res = app
        .post("/api/v1/campaigns", Some(&app.staff_token), &body)
        .await;
    expect_status(res, StatusCode::CREATED).await
}

async fn action(app: &TestApp, campaign_id: &str, what: &str) -> reqwest::Response {
    app.post(
        &format!("/api/v1/campaigns/{campaign_id}/{what}"),
        Some(&app.staff_token),
        &json!({}),
    )
    .await
}

/// A company account with its company registered; returns (token, company json, email).
async fn company(app: &TestApp, n: usize) -> (String, Value, String) {
    let email = format!("contact{n}@entreprise{n}.fr");
    let (_, token) = app.user_with_role("company", &email).await;
    let res = app
        .post(
            "/api/v1/companies",
            Some(&token),
            &json!({"name": format!("Découpes {n}"), "city": "Alès", "local": n.is_multiple_of(2)}),
        )
        .await;
    let company = expect_status(res, StatusCode::CREATED).await;
    (token, company, email)
}

async fn problem(app: &TestApp, token: &str, campaign_id: &str, title: &str) -> Value {
    let res = app
        .post(
            &format!("/api/v1/campaigns/{campaign_id}/problems"),
            Some(token),
            &json!({"title": title, "description": "Réduire les chutes de découpe", "domain": "materials"}),
        )
        .await;
    expect_status(res, StatusCode::CREATED).await
}

async fn review(app: &TestApp, problem_id: &str, decision: &str) -> reqwest::Response {
    app.post(
        &format!("/api/v1/problems/{problem_id}/review"),
        Some(&app.staff_token),
        &json!({"decision": decision}),
    )
    .await
}

async fn student(app: &TestApp, email: &str) -> String {
    app.user_with_role("student", email).await.1
}

/// The e-mails queued for `to`, welcome e-mails aside.
async fn notifications_to(app: &TestApp, to: &str) -> Vec<Value> {
    app.mails_to(to)
        .await
        .into_iter()
        .filter(|n| n["kind"] != "account_created")
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn campaigns_have_defaults_and_move_through_their_states_only_forward() {
    let app = spawn_app().await;
    let c = campaign(
        &app,
        json!({"name": "Printemps 2027", "starts_on": "2027-03-01"}),
    )
    .await;
    assert_eq!(c["status"], "problems_open");
    assert_eq!(c["ends_on"], "2027-04-04");
    assert_eq!(
        (
            &c["weeks"],
            &c["team_size"],
            &c["max_problems"],
            &c["max_choices"]
        ),
        (&json!(5), &json!(3), &json!(80), &json!(10))
    );
    let id = c["id"].as_str().expect("id");

    // Wrong-state calls.
    expect_problem(
        action(&app, id, "allocate").await,
        StatusCode::CONFLICT,
        "invalid_transition",
    )
    .await;
    expect_problem(
        action(&app, id, "publish").await,
        StatusCode::CONFLICT,
        "invalid_transition",
    )
    .await;
    let opened = expect_status(action(&app, id, "open-signup").await, StatusCode::OK).await;
    assert_eq!(opened["status"], "signup_open");
    expect_problem(
        action(&app, id, "open-signup").await,
        StatusCode::CONFLICT,
        "invalid_transition",
    )
    .await;
    let (token, _, _) = company(&app, 1).await;
    let res = app
        .post(
            &format!("/api/v1/campaigns/{id}/problems"),
            Some(&token),
            &json!({"title": "t", "description": "d", "domain": "digital"}),
        )
        .await;
    expect_problem(res, StatusCode::CONFLICT, "invalid_transition").await;

    // Validation, roles, unknown ids, listing.
    let res = app
        .post(
            "/api/v1/campaigns",
            Some(&app.staff_token),
            &json!({"name": "", "weeks": 0}),
        )
        .await;
    let body = expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(body["errors"].as_array().map(Vec::len), Some(3), "{body}");
    let res = app
        .post(
            "/api/v1/campaigns",
            Some(&token),
            &json!({"name": "x", "starts_on": "2027-03-01"}),
        )
        .await;
    expect_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    let res = app.get("/api/v1/campaigns", None).await;
    expect_problem(res, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    let res = app.get("/api/v1/campaigns", Some(&token)).await;
    let list = expect_status(res, StatusCode::OK).await;
    assert_eq!(list["items"][0]["id"], id);
    let res = app
        .get(&format!("/api/v1/campaigns/{id}"), Some(&token))
        .await;
    assert_eq!(
        expect_status(res, StatusCode::OK).await["ends_on"],
        "2027-04-04"
    );
    let res = app
        .get(
            "/api/v1/campaigns/0190a3b4-0000-7000-8000-000000000000",
            Some(&token),
        )
        .await;
    expect_problem(res, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn companies_problems_and_review_follow_the_contract() {
    let app = spawn_app().await;
    let c = campaign(
        &app,
        json!({"name": "Automne 2027", "starts_on": "2027-10-04", "max_problems": 1}),
    )
    .await;
    let cid = c["id"].as_str().expect("id");
    let (token1, company1, email1) = company(&app, 1).await;
    assert_eq!(company1["local"], false);
    let res = app
        .post(
            "/api/v1/companies",
            Some(&token1),
            &json!({"name": "Encore", "city": "Nîmes", "local": true}),
        )
        .await;
    expect_problem(res, StatusCode::CONFLICT, "already_exists").await;
    let (token2, _, _) = company(&app, 2).await;
    let res = app
        .post(
            "/api/v1/companies",
            Some(&token2),
            &json!({"name": "Sans ville"}),
        )
        .await;
    expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let stud = student(&app, "zoe@etu.imt-mines-ales.fr").await;
    let res = app
        .post(
            "/api/v1/companies",
            Some(&stud),
            &json!({"name": "X", "city": "Alès", "local": true}),
        )
        .await;
    expect_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    let res = app
        .post(
            "/api/v1/companies",
            Some(&app.staff_token),
            &json!({"name": "Mairie", "city": "Alès", "local": true}),
        )
        .await;
    expect_status(res, StatusCode::CREATED).await;
    let res = app.get("/api/v1/companies", Some(&app.staff_token)).await;
    assert_eq!(
        expect_status(res, StatusCode::OK).await["items"]
            .as_array()
            .map(Vec::len),
        Some(3)
    );
    let res = app.get("/api/v1/companies", Some(&token1)).await;
    expect_problem(res, StatusCode::FORBIDDEN, "forbidden").await;

    let p1 = problem(&app, &token1, cid, "Réduire les chutes").await;
    assert_eq!(p1["status"], "submitted");
    assert_eq!(p1["company_id"], company1["id"]);
    assert_eq!(p1["campaign_id"], cid);
    let p2 = problem(&app, &token2, cid, "Sécher le bois").await;
    let res = app
        .post(
            &format!("/api/v1/campaigns/{cid}/problems"),
            Some(&token1),
            &json!({"title": "x", "description": "y", "domain": "cooking"}),
        )
        .await;
    expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let res = app
        .post(
            &format!("/api/v1/campaigns/{cid}/problems"),
            Some(&stud),
            &json!({"title": "x", "description": "y", "domain": "digital"}),
        )
        .await;
    expect_problem(res, StatusCode::FORBIDDEN, "forbidden").await;

    // Each company sees its own; students nothing before signup.
    let path = format!("/api/v1/campaigns/{cid}/problems");
    let own = expect_status(app.get(&path, Some(&token1)).await, StatusCode::OK).await;
    assert_eq!(own["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(own["items"][0]["id"], p1["id"]);
    let all = expect_status(app.get(&path, Some(&app.staff_token)).await, StatusCode::OK).await;
    assert_eq!(all["items"].as_array().map(Vec::len), Some(2));
    let none = expect_status(app.get(&path, Some(&stud)).await, StatusCode::OK).await;
    assert_eq!(none["items"], json!([]));

    // Review: cap, double review, bad decision, e-mail to the company.
    let id1 = p1["id"].as_str().expect("id");
    let id2 = p2["id"].as_str().expect("id");
    let res = app
        .post(
            &format!("/api/v1/problems/{id1}/review"),
            Some(&app.staff_token),
            &json!({"decision": "maybe"}),
        )
        .await;
    expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let accepted = expect_status(review(&app, id1, "accept").await, StatusCode::OK).await;
    assert_eq!(accepted["status"], "accepted");
    expect_problem(
        review(&app, id2, "accept").await,
        StatusCode::CONFLICT,
        "capacity_reached",
    )
    .await;
    expect_problem(
        review(&app, id1, "reject").await,
        StatusCode::CONFLICT,
        "invalid_transition",
    )
    .await;
    let rejected = expect_status(review(&app, id2, "reject").await, StatusCode::OK).await;
    assert_eq!(rejected["status"], "rejected");
    let res = app
        .post(
            &format!("/api/v1/problems/{id1}/review"),
            Some(&token1),
            &json!({"decision": "accept"}),
        )
        .await;
    expect_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    let mails = notifications_to(&app, &email1).await;
    assert_eq!(mails.len(), 1, "{mails:?}");
    let subject = mails[0]["subject"].as_str().unwrap_or_default();
    assert!(subject.contains("Réduire les chutes"), "{subject}");
    assert!(subject.contains("retenu"), "{subject}");

    // Students see accepted problems only, once signup is open.
    expect_status(action(&app, cid, "open-signup").await, StatusCode::OK).await;
    let seen = expect_status(app.get(&path, Some(&stud)).await, StatusCode::OK).await;
    assert_eq!(seen["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(seen["items"][0]["id"], p1["id"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn teams_preferences_and_constraints_follow_the_contract() {
    let app = spawn_app().await;
    let c = campaign(
        &app,
        json!({"name": "Printemps 2028", "starts_on": "2028-03-06", "team_size": 2, "max_choices": 2}),
    )
    .await;
    let cid = c["id"].as_str().expect("id");
    let (ctoken, _, _) = company(&app, 1).await;
    let mut problems = Vec::new();
    for title in ["A", "B", "C"] {
        let p = problem(&app, &ctoken, cid, title).await;
        let id = p["id"].as_str().expect("id").to_owned();
        expect_status(review(&app, &id, "accept").await, StatusCode::OK).await;
        problems.push(id);
    }
    let a = student(&app, "a@etu.fr").await;
    let b = student(&app, "b@etu.fr").await;
    let _c = student(&app, "c@etu.fr").await;
    let d = student(&app, "d@etu.fr").await;
    let teams = format!("/api/v1/campaigns/{cid}/teams");
    let body = json!({"name": "Gardons", "member_emails": ["a@etu.fr", "b@etu.fr"]});
    expect_problem(
        app.post(&teams, Some(&a), &body).await,
        StatusCode::CONFLICT,
        "invalid_transition",
    )
    .await;
    expect_status(action(&app, cid, "open-signup").await, StatusCode::OK).await;

    for (token, members) in [
        (&a, json!(["b@etu.fr", "c@etu.fr"])), // own address missing
        (&a, json!(["a@etu.fr"])),             // too few
        (&a, json!(["a@etu.fr", "b@etu.fr", "c@etu.fr"])), // too many
        (&a, json!(["a@etu.fr", "nobody@etu.fr"])), // not a student
        (&a, json!(["a@etu.fr", "A@etu.fr"])), // not distinct
    ] {
        let res = app
            .post(
                &teams,
                Some(token),
                &json!({"name": "X", "member_emails": members}),
            )
            .await;
        expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "invalid_team").await;
    }
    expect_problem(
        app.post(&teams, Some(&ctoken), &body).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let team = expect_status(app.post(&teams, Some(&a), &body).await, StatusCode::CREATED).await;
    assert_eq!(team["campaign_id"], cid);
    assert_eq!(team["name"], "Gardons");
    let emails: Vec<&str> = team["members"]
        .as_array()
        .expect("members")
        .iter()
        .filter_map(|m| m["email"].as_str())
        .collect();
    assert_eq!(emails, ["a@etu.fr", "b@etu.fr"]);
    assert!(team["members"][0]["id"].is_string() && team["members"][0]["name"].is_string());
    let res = app
        .post(
            &teams,
            Some(&d),
            &json!({"name": "Y", "member_emails": ["d@etu.fr", "b@etu.fr"]}),
        )
        .await;
    expect_problem(res, StatusCode::CONFLICT, "already_in_team").await;

    // Only members (and staff) see the team; others get 404.
    let tid = team["id"].as_str().expect("id");
    let team_path = format!("/api/v1/teams/{tid}");
    expect_status(app.get(&team_path, Some(&b)).await, StatusCode::OK).await;
    expect_status(
        app.get(&team_path, Some(&app.staff_token)).await,
        StatusCode::OK,
    )
    .await;
    expect_problem(
        app.get(&team_path, Some(&d)).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    expect_problem(
        app.get(&team_path, Some(&ctoken)).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let list = expect_status(
        app.get(&teams, Some(&app.staff_token)).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        list["items"][0]["members"].as_array().map(Vec::len),
        Some(2)
    );
    // A student sees their own team only (API.md, Additions); a company is refused.
    let own = expect_status(app.get(&teams, Some(&a)).await, StatusCode::OK).await;
    assert_eq!(own["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(own["items"][0]["id"], tid);
    let none = expect_status(app.get(&teams, Some(&d)).await, StatusCode::OK).await;
    assert_eq!(none["items"], json!([]));
    expect_problem(
        app.get(&teams, Some(&ctoken)).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;

    // Preferences.
    let prefs = format!("/api/v1/teams/{tid}/preferences");
    for ids in [
        json!([]),
        json!([problems[0], problems[1], problems[2]]),
        json!([problems[0], problems[0]]),
        json!(["0190a3b4-0000-7000-8000-000000000000"]),
    ] {
        let res = app
            .put(&prefs, Some(&a), &json!({"problem_ids": ids}))
            .await;
        expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "invalid_preferences").await;
    }
    let res = app
        .put(&prefs, Some(&d), &json!({"problem_ids": [problems[0]]}))
        .await;
    expect_problem(res, StatusCode::NOT_FOUND, "not_found").await;
    let res = app
        .put(
            &prefs,
            Some(&b),
            &json!({"problem_ids": [problems[1], problems[0]]}),
        )
        .await;
    let saved = expect_status(res, StatusCode::OK).await;
    assert_eq!(saved["problem_ids"], json!([problems[1], problems[0]]));
    let read = expect_status(app.get(&prefs, Some(&a)).await, StatusCode::OK).await;
    assert_eq!(read["problem_ids"], json!([problems[1], problems[0]]));
    expect_problem(
        app.get(&prefs, Some(&d)).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;

    // Constraints: a pin on an unranked pair is refused when posted, naming the pair.
    let constraints = format!("/api/v1/campaigns/{cid}/constraints");
    let res = app
        .post(
            &constraints,
            Some(&app.staff_token),
            &json!({"team_id": tid, "problem_id": problems[2], "kind": "prefer"}),
        )
        .await;
    expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let res = app
        .post(
            &constraints,
            Some(&app.staff_token),
            &json!({"team_id": tid, "problem_id": problems[2], "kind": "pin"}),
        )
        .await;
    let body = expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "infeasible_pins").await;
    let detail = body["detail"].as_str().unwrap_or_default();
    assert!(
        detail.contains(tid) && detail.contains(&problems[2]),
        "{detail}"
    );
    let res = app
        .post(
            &format!("/api/v1/campaigns/{cid}/allocate"),
            Some(&app.staff_token),
            &json!({"objective": "best"}),
        )
        .await;
    expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_whole_campaign_from_problems_to_published_missions() {
    let app = spawn_app().await;
    let c = campaign(
        &app,
        json!({"name": "Printemps 2027", "starts_on": "2027-03-01", "team_size": 2}),
    )
    .await;
    let cid = c["id"].as_str().expect("id").to_owned();
    let mut companies = Vec::new();
    let mut problem_ids = Vec::new();
    for n in 0..3 {
        let (token, company, email) = company(&app, n).await;
        let p = problem(&app, &token, &cid, &format!("Problème {n}")).await;
        let id = p["id"].as_str().expect("id").to_owned();
        expect_status(review(&app, &id, "accept").await, StatusCode::OK).await;
        problem_ids.push(id);
        companies.push((token, company, email));
    }
    expect_status(action(&app, &cid, "open-signup").await, StatusCode::OK).await;
    // Three teams of two; all want problem 0 first.
    let mut teams = Vec::new();
    for t in 0..3 {
        let e1 = format!("s{t}a@etu.fr");
        let e2 = format!("s{t}b@etu.fr");
        let t1 = student(&app, &e1).await;
        let t2 = student(&app, &e2).await;
        let res = app
            .post(
                &format!("/api/v1/campaigns/{cid}/teams"),
                Some(&t1),
                &json!({"name": format!("Équipe {t}"), "member_emails": [e1, e2]}),
            )
            .await;
        let team = expect_status(res, StatusCode::CREATED).await;
        let tid = team["id"].as_str().expect("id").to_owned();
        let order = json!([
            problem_ids[0],
            problem_ids[1 + t % 2],
            problem_ids[2 - t % 2]
        ]);
        let res = app
            .put(
                &format!("/api/v1/teams/{tid}/preferences"),
                Some(&t2),
                &json!({"problem_ids": order}),
            )
            .await;
        expect_status(res, StatusCode::OK).await;
        teams.push((tid, t1, t2, e1, e2));
    }
    // Staff forbid team 0 from problem 0.
    let res = app
        .post(
            &format!("/api/v1/campaigns/{cid}/constraints"),
            Some(&app.staff_token),
            &json!({"team_id": teams[0].0, "problem_id": problem_ids[0], "kind": "forbid"}),
        )
        .await;
    expect_status(res, StatusCode::CREATED).await;

    expect_problem(
        app.get(
            &format!("/api/v1/campaigns/{cid}/allocation"),
            Some(&app.staff_token),
        )
        .await,
        StatusCode::CONFLICT,
        "invalid_transition",
    )
    .await;
    let res = app
        .post(
            &format!("/api/v1/campaigns/{cid}/allocate"),
            Some(&app.staff_token),
            &json!({"objective": "rank_maximal"}),
        )
        .await;
    let allocation = expect_status(res, StatusCode::OK).await;
    assert_eq!(allocation["objective"], "rank_maximal");
    assert_eq!(allocation["assigned"], 3);
    assert_eq!(allocation["unassigned_team_ids"], json!([]));
    assert_eq!(allocation["rank_profile"][0], 1);
    let assignments = allocation["assignments"].as_array().expect("assignments");
    assert!(assignments
        .iter()
        .all(|a| a["team_id"].is_string() && a["problem_id"].is_string() && a["rank"].is_u64()));
    assert!(
        !assignments
            .iter()
            .any(|a| a["team_id"] == teams[0].0.as_str()
                && a["problem_id"] == problem_ids[0].as_str())
    );
    // Re-runnable while allocated; the default objective is fair.
    let again = expect_status(action(&app, &cid, "allocate").await, StatusCode::OK).await;
    assert_eq!(again["objective"], "fair");
    assert_eq!(again["worst_rank"], 2);
    let stored = expect_status(
        app.get(
            &format!("/api/v1/campaigns/{cid}/allocation"),
            Some(&app.staff_token),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(stored["assignments"], again["assignments"]);
    let c_now = expect_status(
        app.get(&format!("/api/v1/campaigns/{cid}"), Some(&app.staff_token))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(c_now["status"], "allocated");
    // Preferences are frozen once allocated.
    let res = app
        .put(
            &format!("/api/v1/teams/{}/preferences", teams[1].0),
            Some(&teams[1].1),
            &json!({"problem_ids": [problem_ids[1]]}),
        )
        .await;
    expect_problem(res, StatusCode::CONFLICT, "invalid_transition").await;

    // CSV for a French spreadsheet.
    let res = app
        .get(
            &format!("/api/v1/campaigns/{cid}/allocation.csv"),
            Some(&app.staff_token),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let content_type = res.headers()["content-type"]
        .to_str()
        .unwrap_or("")
        .to_owned();
    assert_eq!(content_type, "text/csv; charset=utf-8");
    let disposition = res.headers()["content-disposition"]
        .to_str()
        .unwrap_or("")
        .to_owned();
    assert!(disposition.contains("filename=") && disposition.contains(".csv"));
    let csv = res.text().await.expect("csv");
    assert!(csv.starts_with('\u{feff}'));
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(lines[0], "team;members;problem;company;rank");
    assert_eq!(lines.len(), 4);
    assert!(lines[1..].iter().all(|l| l.split(';').count() == 5));
    assert!(csv.contains("Équipe 0") && csv.contains("Problème") && csv.contains("s0a@etu.fr"));
    expect_problem(
        app.get(
            &format!("/api/v1/campaigns/{cid}/allocation.csv"),
            Some(&teams[0].1),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;

    // Publish: missions and e-mails.
    let published = expect_status(action(&app, &cid, "publish").await, StatusCode::OK).await;
    assert_eq!(published["status"], "published");
    expect_problem(
        action(&app, &cid, "publish").await,
        StatusCode::CONFLICT,
        "invalid_transition",
    )
    .await;
    expect_problem(
        action(&app, &cid, "allocate").await,
        StatusCode::CONFLICT,
        "invalid_transition",
    )
    .await;
    let missions_path = format!("/api/v1/campaigns/{cid}/missions");
    let all = expect_status(
        app.get(&missions_path, Some(&app.staff_token)).await,
        StatusCode::OK,
    )
    .await;
    let all = all["items"].as_array().expect("items").clone();
    assert_eq!(all.len(), 3);
    for m in &all {
        assert_eq!(m["campaign_id"], cid.as_str());
        assert_eq!(m["starts_on"], "2027-03-01");
        assert_eq!(m["ends_on"], "2027-04-04");
        assert!(m["tutor_id"].is_null());
    }
    // Each student sees their team's mission only; each company its own.
    for (tid, t1, _, e1, e2) in &teams {
        let own = expect_status(app.get(&missions_path, Some(t1)).await, StatusCode::OK).await;
        assert_eq!(own["items"].as_array().map(Vec::len), Some(1));
        assert_eq!(own["items"][0]["team_id"], tid.as_str());
        let mid = own["items"][0]["id"].as_str().expect("id");
        expect_status(
            app.get(&format!("/api/v1/missions/{mid}"), Some(t1)).await,
            StatusCode::OK,
        )
        .await;
        let other = teams.iter().find(|t| &t.0 != tid).expect("another team");
        expect_problem(
            app.get(&format!("/api/v1/missions/{mid}"), Some(&other.1))
                .await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
        for email in [e1, e2] {
            // One mission e-mail each (the team's creation was announced earlier, apart).
            let mails: Vec<_> = notifications_to(&app, email)
                .await
                .into_iter()
                .filter(|m| m["kind"] == "mission_published_student")
                .collect();
            assert_eq!(mails.len(), 1, "{email}: {mails:?}");
            let subject = mails[0]["subject"].as_str().unwrap_or_default();
            assert!(
                subject.contains("Découpes") && subject.contains("Problème"),
                "{subject}"
            );
        }
    }
    for (token, company, email) in &companies {
        let own = expect_status(app.get(&missions_path, Some(token)).await, StatusCode::OK).await;
        assert_eq!(own["items"].as_array().map(Vec::len), Some(1));
        assert_eq!(own["items"][0]["company_id"], company["id"]);
        let mails = notifications_to(&app, email).await;
        // The review decision, then the team.
        assert_eq!(mails.len(), 2, "{mails:?}");
        assert!(mails
            .iter()
            .any(|m| m["subject"].as_str().unwrap_or("").contains("équipe")));
    }
    let (_, founder) = app.user_with_role("founder", "f@startup.fr").await;
    expect_problem(
        app.get(&missions_path, Some(&founder)).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let (_, tutor) = app.user_with_role("tutor", "t@mines-ales.fr").await;
    let none = expect_status(app.get(&missions_path, Some(&tutor)).await, StatusCode::OK).await;
    assert_eq!(none["items"], json!([]));

    // The student e-mail names the company, the dates and the team-mate, with an .ics event.
    let student_mail = wait_for_eml(&app, "s1a@etu.fr").await;
    assert!(
        student_mail.contains("lundi 1er mars 2027"),
        "{student_mail}"
    );
    assert!(
        student_mail.contains("dimanche 4 avril 2027"),
        "{student_mail}"
    );
    assert!(student_mail.contains("s1b@etu.fr"), "{student_mail}");
    assert!(student_mail.contains("BEGIN:VCALENDAR"), "{student_mail}");
    assert!(
        student_mail.contains("DTSTART;VALUE=DATE:20270301"),
        "{student_mail}"
    );
    assert!(
        student_mail.contains("DTEND;VALUE=DATE:20270405"),
        "{student_mail}"
    );

    // Mission tutors: staff give a mission its tutor, within the tutor's max_missions.
    let res = app
        .post(
            "/api/v1/tutors",
            Some(&app.staff_token),
            &json!({"email": "mt@mines-ales.fr", "name": "Marc Tuteur", "password": crate::helpers::PASSWORD,
                    "domains": ["materials"], "max_projects": 2, "max_missions": 1}),
        )
        .await;
    let mission_tutor = expect_status(res, StatusCode::CREATED).await;
    let tutor_id = mission_tutor["id"].as_str().expect("tutor id");
    let first = all[0]["id"].as_str().expect("mission id");
    let second = all[1]["id"].as_str().expect("mission id");
    let tutor_path = |m: &str| format!("/api/v1/missions/{m}/tutor");
    let given = expect_status(
        app.put(
            &tutor_path(first),
            Some(&app.staff_token),
            &json!({"tutor_id": tutor_id}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(given["tutor_id"], tutor_id);
    expect_problem(
        app.put(
            &tutor_path(second),
            Some(&app.staff_token),
            &json!({"tutor_id": tutor_id}),
        )
        .await,
        StatusCode::CONFLICT,
        "tutor_overloaded",
    )
    .await;
    expect_problem(
        app.put(
            &tutor_path(second),
            Some(&app.staff_token),
            &json!({"tutor_id": founder_id(&app).await}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    expect_problem(
        app.put(
            &tutor_path("no-such-mission"),
            Some(&app.staff_token),
            &json!({"tutor_id": tutor_id}),
        )
        .await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    expect_problem(
        app.put(
            &tutor_path(first),
            Some(&tutor),
            &json!({"tutor_id": tutor_id}),
        )
        .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    let marc = app
        .login("mt@mines-ales.fr", crate::helpers::PASSWORD)
        .await;
    let followed = expect_status(app.get(&missions_path, Some(&marc)).await, StatusCode::OK).await;
    assert_eq!(followed["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(followed["items"][0]["id"], first);
    let profile = expect_status(
        app.get(
            &format!("/api/v1/tutors/{tutor_id}"),
            Some(&app.staff_token),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(profile["load"]["missions"], 1);
    let mails = notifications_to(&app, "mt@mines-ales.fr").await;
    let subjects: Vec<&str> = mails.iter().filter_map(|m| m["subject"].as_str()).collect();
    assert!(
        subjects
            .iter()
            .any(|s| s.contains("vous suivez la mission")),
        "{subjects:?}"
    );

    // assign-tutors gives the two missions left to the tutor with room, in one e-mail.
    let res = app
        .post(
            "/api/v1/tutors",
            Some(&app.staff_token),
            &json!({"email": "anne@mines-ales.fr", "name": "Anne Roux", "password": crate::helpers::PASSWORD,
                    "domains": ["materials", "digital"], "max_projects": 2, "max_missions": 2}),
        )
        .await;
    let anne = expect_status(res, StatusCode::CREATED).await;
    let assigned = expect_status(
        app.post(
            &format!("/api/v1/campaigns/{cid}/assign-tutors"),
            Some(&app.staff_token),
            &json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let items = assigned["items"].as_array().expect("items");
    assert_eq!(items.len(), 2, "{assigned}");
    assert!(
        items.iter().all(|i| i["tutor_id"] == anne["id"]),
        "{assigned}"
    );
    assert!(items.iter().all(|i| i["mission_id"] != first));
    let anne_mails = notifications_to(&app, "anne@mines-ales.fr").await;
    let tutored: Vec<&Value> = anne_mails
        .iter()
        .filter(|m| {
            m["subject"]
                .as_str()
                .unwrap_or("")
                .contains("vous suivez 2 missions")
        })
        .collect();
    assert_eq!(
        tutored.len(),
        1,
        "one e-mail for both missions: {anne_mails:?}"
    );
    // Nothing is left: a second run assigns nothing and e-mails nobody.
    let again = expect_status(
        app.post(
            &format!("/api/v1/campaigns/{cid}/assign-tutors"),
            Some(&app.staff_token),
            &json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(again["items"], json!([]));
    let draft = campaign(
        &app,
        json!({"name": "Automne 2027", "starts_on": "2027-09-06"}),
    )
    .await;
    let draft_id = draft["id"].as_str().expect("id");
    expect_problem(
        app.post(
            &format!("/api/v1/campaigns/{draft_id}/assign-tutors"),
            Some(&app.staff_token),
            &json!({}),
        )
        .await,
        StatusCode::CONFLICT,
        "invalid_transition",
    )
    .await;
}

/// The id of a signed-in founder: someone who is not a tutor.
async fn founder_id(app: &TestApp) -> String {
    let (founder, _) = app
        .user_with_role("founder", "not-a-tutor@startup.fr")
        .await;
    founder["id"].as_str().expect("id").to_owned()
}

/// The decoded text of the mission `.eml` file addressed to `to`, waiting for the worker.
async fn wait_for_eml(app: &TestApp, to: &str) -> String {
    wait_for_eml_about(app, to, "mission").await
}

#[tokio::test(flavor = "multi_thread")]
async fn racing_signups_put_a_student_in_one_team_and_racing_reviews_respect_the_cap() {
    let app = spawn_app().await;
    let c = campaign(
        &app,
        json!({"name": "Course", "starts_on": "2027-03-01", "team_size": 2, "max_problems": 3}),
    )
    .await;
    let cid = c["id"].as_str().expect("id").to_owned();
    let (ctoken, _, _) = company(&app, 1).await;
    let mut pids = Vec::new();
    for n in 0..8 {
        let p = problem(&app, &ctoken, &cid, &format!("P{n}")).await;
        pids.push(p["id"].as_str().expect("id").to_owned());
    }
    let reviews = pids.iter().map(|id| review(&app, id, "accept"));
    let results = futures_util::future::join_all(reviews).await;
    let mut ok = 0;
    for res in results {
        match res.status() {
            StatusCode::OK => ok += 1,
            _ => {
                expect_problem(res, StatusCode::CONFLICT, "capacity_reached").await;
            }
        }
    }
    assert_eq!(ok, 3);

    expect_status(action(&app, &cid, "open-signup").await, StatusCode::OK).await;
    // Eight students each try to team up with the same popular student.
    student(&app, "star@etu.fr").await;
    let mut tokens = Vec::new();
    for n in 0..8 {
        let email = format!("s{n}@etu.fr");
        tokens.push((student(&app, &email).await, email));
    }
    let path = format!("/api/v1/campaigns/{cid}/teams");
    let bodies: Vec<Value> = tokens
        .iter()
        .map(|(_, email)| json!({"name": format!("Avec {email}"), "member_emails": [email, "star@etu.fr"]}))
        .collect();
    let attempts = tokens
        .iter()
        .zip(&bodies)
        .map(|((token, _), body)| app.post(&path, Some(token), body));
    let results = futures_util::future::join_all(attempts).await;
    let mut created = 0;
    for res in results {
        match res.status() {
            StatusCode::CREATED => created += 1,
            _ => {
                expect_problem(res, StatusCode::CONFLICT, "already_in_team").await;
            }
        }
    }
    assert_eq!(created, 1);
    let teams = expect_status(app.get(&path, Some(&app.staff_token)).await, StatusCode::OK).await;
    assert_eq!(teams["items"].as_array().map(Vec::len), Some(1));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_tutor_at_max_missions_is_overloaded_even_under_concurrent_assignments() {
    let app = spawn_app().await;
    let missions = crate::helpers::published_missions(&app, 6).await;
    // max_missions: 2
    let tutor = crate::tutors::create_tutor(&app, "mt@mines-ales.fr", &["materials"], 0).await;
    let tutor_id = tutor["id"].as_str().expect("tutor id").to_owned();
    let body = json!({"tutor_id": tutor_id});
    let paths: Vec<String> = missions
        .iter()
        .map(|(mission, _)| format!("/api/v1/missions/{mission}/tutor"))
        .collect();
    let answers = futures_util::future::join_all(
        paths
            .iter()
            .map(|path| app.put(path, Some(&app.staff_token), &body)),
    )
    .await;
    let mut given = 0;
    for res in answers {
        if res.status() == StatusCode::OK {
            given += 1;
        } else {
            expect_problem(res, StatusCode::CONFLICT, "tutor_overloaded").await;
        }
    }
    assert_eq!(given, 2, "exactly max_missions assignments succeed");
    let load = crate::tutors::load_of(&app, &tutor_id).await;
    assert_eq!(load["missions"], 2);
}
