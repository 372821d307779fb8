//! Several instances on one database behind Debian's nginx (round-robin, no sticky sessions):
//! a token from one instance is valid on every one; one instance is killed (SIGKILL) in the
//! middle of the traffic and started again; nothing committed is lost, every welcome e-mail
//! goes out once (a duplicate only for what the killed instance had in flight).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use diesel::prelude::*;
use reqwest::StatusCode;
use serde_json::json;

use crate::hardening::Nginx;
use crate::helpers::{database_for_test, eventually, seed_staff, PASSWORD, STAFF_EMAIL};

const INSTANCES: usize = 3;
const USERS: usize = 45;

/// One `fieldlab serve` process.
struct Instance {
    child: Option<Child>,
    port: u16,
    config: PathBuf,
}

impl Instance {
    fn start(config: &Path, port: u16) -> Self {
        let mut instance = Self {
            child: None,
            port,
            config: config.to_owned(),
        };
        instance.spawn();
        instance
    }

    fn spawn(&mut self) {
        let child = Command::new(env!("CARGO_BIN_EXE_fieldlab"))
            .arg("--config")
            .arg(&self.config)
            .arg("serve")
            .env_remove("RUST_LOG")
            .env("FIELDLAB__SERVER__PORT", self.port.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("fieldlab serve starts");
        self.child = Some(child);
    }

    /// SIGKILL: no graceful stop, whatever it had in flight is cut.
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    async fn ready(&self, client: &reqwest::Client) -> bool {
        eventually(Duration::from_secs(30), || async {
            client
                .get(format!("{}/health/ready", self.url()))
                .send()
                .await
                .is_ok_and(|r| r.status() == StatusCode::OK)
        })
        .await
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.kill();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// Creates user `i` through the proxy; a request cut by the kill is sent again, and a 409
/// then says the first one had committed.
async fn create_user(client: &reqwest::Client, proxy: &str, token: &str, i: usize) -> bool {
    for _ in 0..20 {
        let sent = client
            .post(format!("{proxy}/api/v1/users"))
            .bearer_auth(token)
            .json(
                &json!({"email": format!("etudiant{i}@etu.fr"), "name": format!("Étudiant {i}"),
                          "role": "student"}),
            )
            .send()
            .await;
        match sent.map(|r| r.status()) {
            Ok(StatusCode::CREATED) | Ok(StatusCode::CONFLICT) => return true,
            _ => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    false
}

#[tokio::test(flavor = "multi_thread")]
async fn three_instances_behind_nginx_lose_nothing_when_one_is_killed_mid_traffic() {
    let dir = tempfile::tempdir().expect("dir");
    let (url, _database) = database_for_test(dir.path());
    let mail = dir.path().join("mail");
    let mut settings = fieldlab::config::Settings::load(None).expect("settings");
    settings.database.url = url.clone();
    seed_staff(&settings);
    let config = dir.path().join("fieldlab.toml");
    std::fs::write(
        &config,
        format!(
            "[server]\nhost = \"127.0.0.1\"\nworkers = 2\ntrusted_proxies = [\"127.0.0.1\"]\n\
             [database]\nurl = {url:?}\npool_size = 4\n\
             [mail]\ntransport = \"file\"\ndir = {mail:?}\nclaim_lease_seconds = 3\n\
             [jobs]\npoll_seconds = 1\n\
             [log]\nlevel = \"error\"\n",
            mail = mail.to_string_lossy()
        ),
    )
    .expect("config written");
    let mut instances: Vec<Instance> = (0..INSTANCES)
        .map(|_| Instance::start(&config, free_port()))
        .collect();
    let client = reqwest::Client::new();
    for i in &instances {
        assert!(i.ready(&client).await, "instance on {} ready", i.port);
    }
    let upstreams: Vec<String> = instances
        .iter()
        .map(|i| format!("127.0.0.1:{}", i.port))
        .collect();
    let Some(nginx) = Nginx::start_for(&upstreams) else {
        return;
    };
    let proxy = nginx.url();

    // Signed in through the proxy: the token is good on every instance, asked directly.
    let login = client
        .post(format!("{proxy}/api/v1/auth/login"))
        .json(&json!({"email": STAFF_EMAIL, "password": PASSWORD}))
        .send()
        .await
        .expect("login sent");
    assert_eq!(login.status(), StatusCode::OK);
    let token = login.json::<serde_json::Value>().await.expect("json")["token"]
        .as_str()
        .expect("token")
        .to_owned();
    for i in &instances {
        let me = client
            .get(format!("{}/api/v1/me", i.url()))
            .bearer_auth(&token)
            .send()
            .await
            .expect("me");
        assert_eq!(me.status(), StatusCode::OK, "the session on {}", i.port);
    }

    // The traffic, three clients at once: each created student is welcomed by e-mail. A third
    // of the way, one instance is killed with requests in flight; two thirds of the way, it is
    // back.
    let done = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let streams: Vec<_> = (0..3)
        .map(|stream| {
            let (client, proxy, token, done) =
                (client.clone(), proxy.clone(), token.clone(), done.clone());
            tokio::spawn(async move {
                for n in (stream..USERS).step_by(3) {
                    assert!(create_user(&client, &proxy, &token, n).await, "user {n}");
                    done.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                }
            })
        })
        .collect();
    let count = || done.load(std::sync::atomic::Ordering::SeqCst);
    assert!(eventually(Duration::from_secs(30), || async { count() >= USERS / 3 }).await);
    instances[1].kill();
    assert!(
        eventually(Duration::from_secs(30), || async {
            count() >= 2 * USERS / 3
        })
        .await
    );
    instances[1].spawn();
    assert!(instances[1].ready(&client).await, "restarted");
    for stream in streams {
        stream.await.expect("a client's stream");
    }

    // Nothing lost: every student exists, and each was welcomed once.
    let list = client
        .get(format!("{proxy}/api/v1/users?role=student&limit=200"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("list");
    assert_eq!(list.status(), StatusCode::OK);
    let pool = fieldlab::startup::open_database(&settings).expect("pool");
    let students = |pool: &fieldlab::db::Pool| -> i64 {
        use fieldlab::db::schema::users;
        let mut conn = pool.get().expect("conn");
        users::table
            .filter(users::role.eq("student"))
            .count()
            .get_result(&mut conn)
            .expect("count")
    };
    assert_eq!(students(&pool), USERS as i64);
    let welcomed = || {
        let mut per: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
        for entry in std::fs::read_dir(&mail).into_iter().flatten().flatten() {
            let raw = std::fs::read(entry.path()).unwrap_or_default();
            let Ok(parsed) = mailparse::parse_mail(&raw) else {
                continue;
            };
            use mailparse::MailHeaderMap;
            let to = parsed.headers.get_first_value("To").unwrap_or_default();
            if to.contains("@etu.fr") {
                *per.entry(to).or_default() += 1;
            }
        }
        per
    };
    assert!(
        eventually(Duration::from_secs(30), || async {
            welcomed().len() == USERS
        })
        .await,
        "{} of {USERS} welcomed",
        welcomed().len()
    );
    let twice: usize = welcomed().values().map(|n| n - 1).sum();
    assert!(
        twice <= fieldlab::mail::mailer::CONCURRENCY,
        "{twice} welcomes sent twice: only what the killed instance had in flight may be"
    );
}
