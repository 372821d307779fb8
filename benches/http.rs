//! HTTP figures of the foundation, on loopback, against a release build of the real server:
//! - cold start: spawn `fieldlab serve` on an existing SQLite file, time until /health/ready is 200;
//! - idle RSS of that process;
//! - latency of an authenticated GET (`/api/v1/me`), sequential, p50 / p99.
//!
//! Run: `cargo bench --bench http` (builds the release binary first if needed).

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const PASSWORD: &str = "benchmark-password";

fn main() {
    let status = Command::new(env!("CARGO"))
        .args(["build", "--release", "--bin", "fieldlab"])
        .status()
        .expect("cargo build");
    assert!(status.success(), "release build failed");
    let binary = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/release/fieldlab");
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("bench.db");
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("port");
        l.local_addr().expect("addr").port()
    };
    let env = |cmd: &mut Command| {
        cmd.env("FIELDLAB__DATABASE__URL", &db)
            .env("FIELDLAB__SERVER__PORT", port.to_string())
            .env("FIELDLAB__MAIL__TRANSPORT", "log")
            .env("FIELDLAB__LOG__LEVEL", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
    };
    let mut admin = Command::new(&binary);
    admin.args([
        "create-admin",
        "--email",
        "bench@fieldlab.test",
        "--name",
        "Bench",
        "--password",
        PASSWORD,
    ]);
    env(&mut admin);
    assert!(admin.status().expect("create-admin").success());

    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");

    let mut starts = Vec::new();
    for _ in 0..5 {
        let mut serve = Command::new(&binary);
        serve.arg("serve");
        env(&mut serve);
        let started = Instant::now();
        let child = serve.spawn().expect("serve");
        runtime.block_on(wait_ready(&client, &base));
        starts.push(started.elapsed());
        stop(child);
    }
    starts.sort();
    println!(
        "cold start to /health/ready (SQLite, existing file), 5 runs: median {:?}, max {:?}",
        starts[2], starts[4]
    );

    let mut serve = Command::new(&binary);
    serve.arg("serve");
    env(&mut serve);
    let child = serve.spawn().expect("serve");
    runtime.block_on(wait_ready(&client, &base));
    std::thread::sleep(Duration::from_secs(1));
    println!("idle RSS: {} MB", rss_kb(child.id()) / 1024);

    runtime.block_on(async {
        let login: serde_json::Value = client
            .post(format!("{base}/api/v1/auth/login"))
            .json(&serde_json::json!({"email": "bench@fieldlab.test", "password": PASSWORD}))
            .send()
            .await
            .expect("login")
            .json()
            .await
            .expect("json");
        let token = login["token"].as_str().expect("token").to_owned();
        let mut latencies = Vec::with_capacity(5000);
        for i in 0..5500 {
            let t = Instant::now();
            let res = client
                .get(format!("{base}/api/v1/me"))
                .bearer_auth(&token)
                .send()
                .await
                .expect("me");
            assert!(res.status().is_success());
            let _ = res.bytes().await;
            if i >= 500 {
                latencies.push(t.elapsed()); // the first 500 warm the pool and caches
            }
        }
        latencies.sort();
        let p = |q: f64| latencies[((latencies.len() as f64 - 1.0) * q) as usize];
        println!(
            "GET /api/v1/me (authenticated, sequential, 5000 requests): p50 {:?}, p99 {:?}",
            p(0.5),
            p(0.99)
        );
    });
    println!("idle RSS after load: {} MB", rss_kb(child.id()) / 1024);
    stop(child);
}

async fn wait_ready(client: &reqwest::Client, base: &str) {
    loop {
        if let Ok(res) = client.get(format!("{base}/health/ready")).send().await {
            if res.status().is_success() {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

fn rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn stop(mut child: Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
}
