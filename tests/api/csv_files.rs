//! CSV files as spreadsheets make and read them: account imports saved by French Excel
//! (BOM, `;`, CRLF), in Latin-1, or uploaded as a form file; the allocation export with cells a
//! spreadsheet would run as formulas, and its file name.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{expect_problem, expect_status, spawn_app, TestApp};

const IMPORT: &str = "/api/v1/users/import";

async fn import(app: &TestApp, content_type: &str, body: Vec<u8>) -> reqwest::Response {
    app.post_raw(IMPORT, Some(&app.staff_token), content_type, body)
        .await
}

async fn user_names(app: &TestApp, role: &str) -> Vec<String> {
    let res = app
        .get(
            &format!("/api/v1/users?role={role}&limit=200"),
            Some(&app.staff_token),
        )
        .await;
    let body = expect_status(res, StatusCode::OK).await;
    body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|u| u["name"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// A `multipart/form-data` body as browsers send it: `parts` are (field, file name, content).
pub fn form(boundary: &str, parts: &[(&str, Option<&str>, &[u8])]) -> Vec<u8> {
    let mut body = Vec::new();
    for (field, file_name, content) in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match file_name {
            Some(file) => body.extend_from_slice(
                format!(
                    "Content-Disposition: form-data; name=\"{field}\"; filename=\"{file}\"\r\n\
                     Content-Type: text/csv\r\n\r\n"
                )
                .as_bytes(),
            ),
            None => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{field}\"\r\n\r\n").as_bytes(),
            ),
        }
        body.extend_from_slice(content);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    body
}

#[tokio::test(flavor = "multi_thread")]
async fn a_french_excel_file_imports_with_its_bom_semicolons_and_crlf() {
    let app = spawn_app().await;
    let file = "\u{feff}email;name;role\r\n\
                zoe.martin@etu.imt-mines-ales.fr;Zoé Martin;student\r\n\
                pas-une-adresse;Léo Roux;student\r\n\
                helene.fabre@mines-ales.fr;Hélène Fabre, PhD;tutor\r\n\
                ;;\r\n";
    let res = import(&app, "text/csv", file.as_bytes().to_vec()).await;
    let report = expect_status(res, StatusCode::OK).await;
    assert_eq!(report["created"], 2, "{report}");
    assert_eq!(
        report["errors"].as_array().map(Vec::len),
        Some(1),
        "{report}"
    );
    assert_eq!(report["errors"][0]["line"], 3, "{report}");
    assert_eq!(user_names(&app, "student").await, ["Zoé Martin"]);
    assert_eq!(user_names(&app, "tutor").await, ["Hélène Fabre, PhD"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_latin1_file_is_refused_with_how_to_save_it() {
    let app = spawn_app().await;
    // Excel's plain "CSV" in France: Windows-1252, where `é` is one byte, 0xE9.
    let file = b"email;name;role\r\nzoe@etu.imt-mines-ales.fr;Zo\xe9 Martin;student\r\n".to_vec();
    let problem = expect_problem(
        import(&app, "text/csv", file.clone()).await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    )
    .await;
    let detail = problem["detail"].as_str().unwrap_or_default();
    assert!(
        detail.contains("UTF-8") && detail.contains("CSV UTF-8"),
        "{detail}"
    );
    assert!(detail.contains("line 2"), "{detail}");
    // The same file uploaded as a form gets the same answer; nothing was created either way.
    let body = form("XyZ", &[("file", Some("comptes.csv"), &file)]);
    expect_problem(
        import(&app, "multipart/form-data; boundary=XyZ", body).await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    )
    .await;
    assert!(user_names(&app, "student").await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_file_uploaded_with_a_form_imports_like_a_body() {
    let app = spawn_app().await;
    let file = "\u{feff}email;name;role\r\nana.lopez@etu.imt-mines-ales.fr;Ana López;student\r\n";
    let boundary = "----WebKitFormBoundary7MA4YWxkTrZu0gW";
    let body = form(
        boundary,
        &[
            ("note", None, "rentrée 2027".as_bytes()),
            ("file", Some("élèves.csv"), file.as_bytes()),
        ],
    );
    let res = import(
        &app,
        &format!("multipart/form-data; boundary={boundary}"),
        body,
    )
    .await;
    let report = expect_status(res, StatusCode::OK).await;
    assert_eq!(report["created"], 1, "{report}");
    assert_eq!(user_names(&app, "student").await, ["Ana López"]);

    // No file, or two: one file is what staff must send.
    let none = form("b", &[("note", None, b"rien")]);
    let problem = expect_problem(
        import(&app, "multipart/form-data; boundary=b", none).await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    )
    .await;
    assert!(problem["detail"]
        .as_str()
        .unwrap_or_default()
        .contains("no file"));
    let two = form(
        "b",
        &[
            ("a", Some("a.csv"), file.as_bytes()),
            ("b", Some("b.csv"), file.as_bytes()),
        ],
    );
    expect_problem(
        import(&app, "multipart/form-data; boundary=b", two).await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    )
    .await;
    // A form that is cut short is a bad request, never a 5xx.
    expect_problem(
        import(
            &app,
            "multipart/form-data; boundary=b",
            b"--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x.csv\"\r\n\r\nemail"
                .to_vec(),
        )
        .await,
        StatusCode::BAD_REQUEST,
        "bad_request",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_allocation_export_runs_no_formula_and_has_a_plain_file_name() {
    let app = spawn_app().await;
    let res = app
        .post(
            "/api/v1/campaigns",
            Some(&app.staff_token),
            &json!({"name": "Automne 2027 — Alès", "starts_on": "2027-09-06", "team_size": 1}),
        )
        .await;
    let campaign = expect_status(res, StatusCode::CREATED).await;
    let cid = campaign["id"].as_str().expect("id").to_owned();
    let (_, company_token) = app.user_with_role("company", "contact@decoupes.fr").await;
    let res = app
        .post(
            "/api/v1/companies",
            Some(&company_token),
            &json!({"name": "@Découpes Cévenoles", "city": "Alès", "local": true}),
        )
        .await;
    expect_status(res, StatusCode::CREATED).await;
    let res = app
        .post(
            &format!("/api/v1/campaigns/{cid}/problems"),
            Some(&company_token),
            &json!({"title": "-20 % de chutes", "description": "Réduire les chutes", "domain": "materials"}),
        )
        .await;
    let problem: Value = expect_status(res, StatusCode::CREATED).await;
    let pid = problem["id"].as_str().expect("id").to_owned();
    let res = app
        .post(
            &format!("/api/v1/problems/{pid}/review"),
            Some(&app.staff_token),
            &json!({"decision": "accept"}),
        )
        .await;
    expect_status(res, StatusCode::OK).await;
    let res = app
        .post(
            &format!("/api/v1/campaigns/{cid}/open-signup"),
            Some(&app.staff_token),
            &json!({}),
        )
        .await;
    expect_status(res, StatusCode::OK).await;
    let (_, student) = app.user_with_role("student", "zoe@etu.fr").await;
    let res = app
        .post(
            &format!("/api/v1/campaigns/{cid}/teams"),
            Some(&student),
            &json!({"name": "=HYPERLINK(\"x\")", "member_emails": ["zoe@etu.fr"]}),
        )
        .await;
    let team = expect_status(res, StatusCode::CREATED).await;
    let tid = team["id"].as_str().expect("id");
    let res = app
        .put(
            &format!("/api/v1/teams/{tid}/preferences"),
            Some(&student),
            &json!({"problem_ids": [pid]}),
        )
        .await;
    expect_status(res, StatusCode::OK).await;
    let res = app
        .post(
            &format!("/api/v1/campaigns/{cid}/allocate"),
            Some(&app.staff_token),
            &json!({}),
        )
        .await;
    expect_status(res, StatusCode::OK).await;

    let res = app
        .get(
            &format!("/api/v1/campaigns/{cid}/allocation.csv"),
            Some(&app.staff_token),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let disposition = res.headers()["content-disposition"]
        .to_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        disposition.contains("\"automne-2027-ales-allocation.csv\""),
        "{disposition}"
    );
    let csv = res.text().await.expect("csv");
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(lines.len(), 2, "{csv}");
    // Every cell a spreadsheet would run starts with `'`; `"` are doubled inside quotes.
    assert_eq!(
        lines[1],
        "\"'=HYPERLINK(\"\"x\"\")\";Test student <zoe@etu.fr>;'-20 % de chutes;'@Découpes Cévenoles;1",
        "{csv}"
    );
}
