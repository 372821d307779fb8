//! The `fieldlab` binary's command line.

use std::process::Command;

fn fieldlab() -> Command {
    Command::new(env!("CARGO_BIN_EXE_fieldlab"))
}

#[test]
fn allocate_solves_the_contract_format() {
    let dir = tempfile::tempdir().expect("dir");
    let input = dir.path().join("instance.json");
    std::fs::write(
        &input,
        r#"{"teams":[{"id":"t1","prefs":["p3","p1"]},{"id":"t2","prefs":["p1"]}],
            "problems":[{"id":"p1","capacity":1},{"id":"p3"}],
            "forbidden":[["t1","p3"]]}"#,
    )
    .expect("write");
    let out = fieldlab()
        .args(["allocate", "--input"])
        .arg(&input)
        .args(["--objective", "rank_sum"])
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(json["objective"], "rank_sum");
    assert_eq!(json["assigned"], 1);
    assert_eq!(json["unassigned"].as_array().map(Vec::len), Some(1));
}

#[test]
fn allocate_refuses_malformed_input_with_exit_code_2() {
    let dir = tempfile::tempdir().expect("dir");
    let input = dir.path().join("bad.json");
    std::fs::write(
        &input,
        r#"{"teams":[{"id":"t1","prefs":["p1", 3]}],"problems":[{"id":"p1"}]}"#,
    )
    .expect("write");
    let out = fieldlab()
        .args(["allocate", "--input"])
        .arg(&input)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("teams[0].prefs[1]"), "{stderr}");
    let out = fieldlab()
        .args(["allocate", "--input", "/no/such/file.json"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn bad_arguments_get_one_line_and_a_non_zero_exit() {
    let out = fieldlab().arg("frobnicate").output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    let help = fieldlab().arg("--help").output().expect("runs");
    assert!(help.status.success());
    assert!(String::from_utf8_lossy(&help.stdout).contains("create-admin"));
}

#[test]
fn a_wrong_postgres_url_says_so_and_never_falls_back_to_sqlite() {
    let dir = tempfile::tempdir().expect("dir");
    let out = fieldlab()
        .arg("migrate")
        .current_dir(dir.path())
        .env(
            "FIELDLAB__DATABASE__URL",
            "postgres://postgres:wrong@127.0.0.1:1/nothing",
        )
        .output()
        .expect("runs");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cannot open the postgres database"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("wrong"),
        "the password is not printed: {stderr}"
    );
    assert!(
        !dir.path().join("data").exists(),
        "no SQLite file was created"
    );
}

/// `log.format = "json"`: every line is one JSON object, and a line logged while serving a
/// request carries that request's id (the one sent back as `x-request-id`).
#[tokio::test(flavor = "multi_thread")]
async fn json_logs_are_one_object_a_line_with_the_request_id() {
    use std::io::BufRead;
    use std::time::Duration;
    let dir = tempfile::tempdir().expect("dir");
    let database = dir.path().join("fieldlab.db");
    let with_env = |cmd: &mut Command| {
        cmd.env("FIELDLAB__DATABASE__URL", &database)
            .env("FIELDLAB__SERVER__PORT", "0")
            .env("FIELDLAB__MAIL__TRANSPORT", "log")
            .env("FIELDLAB__LOG__FORMAT", "json")
            .env("FIELDLAB__LOG__LEVEL", "info")
            .env_remove("RUST_LOG");
    };
    let mut admin = fieldlab();
    admin.args([
        "create-admin",
        "--email",
        "admin@imt-mines-ales.fr",
        "--name",
        "Admin",
        "--password",
        "correct-horse-battery",
    ]);
    with_env(&mut admin);
    assert!(admin.output().expect("runs").status.success());

    let mut serve = fieldlab();
    serve.arg("serve").stdout(std::process::Stdio::piped());
    with_env(&mut serve);
    let mut child = serve.spawn().expect("serve");
    let stdout = child.stdout.take().expect("stdout");
    let (lines, received) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let next_json = || {
        let line = received
            .recv_timeout(Duration::from_secs(20))
            .expect("a log line");
        serde_json::from_str::<serde_json::Value>(&line)
            .unwrap_or_else(|e| panic!("not one JSON object ({e}): {line}"))
    };
    let port = loop {
        let line = next_json();
        let message = line["fields"]["message"].as_str().unwrap_or_default();
        if let Some(rest) = message.strip_prefix("fieldlab listening on http://") {
            let address = rest.split_whitespace().next().expect("address");
            break address.rsplit(':').next().expect("port").to_owned();
        }
    };
    let res = reqwest::Client::new()
        .post(format!("http://127.0.0.1:{port}/api/v1/auth/login"))
        .json(&serde_json::json!({"email": "admin@imt-mines-ales.fr", "password": "correct-horse-battery"}))
        .send()
        .await
        .expect("login");
    assert_eq!(res.status(), 200);
    let request_id = res
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .expect("x-request-id")
        .to_owned();
    let signed_in = loop {
        let line = next_json();
        if line["fields"]["message"] == "signed in" {
            break line;
        }
    };
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(signed_in["level"], "INFO");
    assert_eq!(signed_in["span"]["request_id"], request_id.as_str());
}

/// Logs written to a pipe or a file are plain text (no colour codes), and serving the API docs'
/// assets logs no warning.
#[tokio::test(flavor = "multi_thread")]
async fn text_logs_to_a_pipe_are_plain_and_docs_assets_log_no_warning() {
    use std::io::Read;
    use std::time::Duration;
    let dir = tempfile::tempdir().expect("dir");
    let mut serve = fieldlab();
    serve
        .arg("serve")
        .env("FIELDLAB__DATABASE__URL", dir.path().join("fieldlab.db"))
        .env("FIELDLAB__SERVER__PORT", "0")
        .env("FIELDLAB__MAIL__TRANSPORT", "log")
        .env("FIELDLAB__LOG__FORMAT", "text")
        .env("FIELDLAB__LOG__LEVEL", "info")
        .env_remove("RUST_LOG")
        .env_remove("NO_COLOR")
        .stdout(std::process::Stdio::piped());
    let mut child = serve.spawn().expect("serve");
    let mut stdout = child.stdout.take().expect("stdout");
    let (chunks, received) = std::sync::mpsc::channel::<Vec<u8>>();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 || chunks.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut log = String::new();
    let read_until = |needle: &str, log: &mut String| {
        while !log.contains(needle) {
            let chunk = received
                .recv_timeout(Duration::from_secs(20))
                .unwrap_or_else(|_| panic!("no `{needle}` in the log: {log}"));
            log.push_str(&String::from_utf8_lossy(&chunk));
        }
    };
    read_until("fieldlab listening on http://", &mut log);
    read_until("\n", &mut log);
    let address = log
        .split("fieldlab listening on http://")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("address")
        .to_owned();
    let port = address.rsplit(':').next().expect("port").to_owned();
    let client = reqwest::Client::new();
    for path in [
        "/docs/",
        "/docs/swagger-ui.css",
        "/docs/swagger-initializer.js",
    ] {
        let res = client
            .get(format!("http://127.0.0.1:{port}{path}"))
            .send()
            .await
            .expect("docs");
        assert_eq!(res.status(), 200, "{path}");
    }
    let _ = client
        .get(format!("http://127.0.0.1:{port}/health/live"))
        .send()
        .await;
    std::thread::sleep(Duration::from_millis(300));
    while let Ok(chunk) = received.try_recv() {
        log.push_str(&String::from_utf8_lossy(&chunk));
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        !log.contains('\u{1b}'),
        "colour codes in a piped log: {log:?}"
    );
    assert!(!log.contains("WARN"), "{log}");
    assert!(!log.contains("mixed cardinality"), "{log}");
}

/// The README's offline-allocation example is complete and valid: run as shown, it prints the
/// output shown.
#[test]
fn the_readme_allocation_example_runs_as_shown() {
    let readme = include_str!("../../README.md");
    let section = readme
        .split("## Allocating teams to problems offline")
        .nth(1)
        .expect("the README section");
    let mut blocks = section
        .split("```json\n")
        .skip(1)
        .map(|rest| rest.split("```").next().expect("a closed block").to_owned());
    let (input, output) = (
        blocks.next().expect("the input"),
        blocks.next().expect("the output"),
    );
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("instance.json");
    std::fs::write(&path, input).expect("write");
    let out = fieldlab()
        .args(["allocate", "--input"])
        .arg(&path)
        .args(["--objective", "fair"])
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let shown: serde_json::Value = serde_json::from_str(&output).expect("the README's json");
    assert_eq!(printed, shown);
}
