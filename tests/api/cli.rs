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
