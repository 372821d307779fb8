//! A small W3C WebDriver client (over the tests' reqwest) driving Debian's `chromium` through
//! `chromedriver`: one chromedriver per test process on a free port, one headless session per
//! test with a fresh profile. Without chromium and chromedriver, browser tests print a notice
//! and pass, unless `FIELDLAB_REQUIRE_BROWSER=1` (CI) makes a missing browser a failure.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use base64::Engine;
use serde_json::{json, Value};

const ELEMENT_KEY: &str = "element-6066-11e4-a6c4-4ac7e7d4db7a";
const CHROME_FLAGS: [&str; 8] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
];

fn find(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    names.iter().find_map(|name| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    })
}

struct Driver {
    url: String,
    chromium: PathBuf,
    // Kept so the wrapper's stdin stays open; when this process exits, the wrapper reads
    // end-of-file and stops chromedriver (no chromedriver outlives the tests).
    _wrapper: Mutex<Child>,
}

fn driver() -> Option<&'static Driver> {
    static DRIVER: OnceLock<Option<Driver>> = OnceLock::new();
    DRIVER
        .get_or_init(|| {
            let chromium = find(&["chromium", "chromium-browser", "google-chrome"])?;
            let chromedriver = find(&["chromedriver"])?;
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .ok()?
                .port();
            let script = format!(
                "'{}' --port={port} >/dev/null 2>&1 & pid=$!; cat >/dev/null; kill $pid",
                chromedriver.display()
            );
            let wrapper = Command::new("sh")
                .arg("-c")
                .arg(script)
                .stdin(Stdio::piped())
                .spawn()
                .ok()?;
            let url = format!("http://127.0.0.1:{port}");
            for _ in 0..100 {
                if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    return Some(Driver {
                        url,
                        chromium,
                        _wrapper: Mutex::new(wrapper),
                    });
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            panic!("chromedriver did not start on port {port}");
        })
        .as_ref()
}

/// A headless browser for one test, or `None` (with a printed notice) where none is installed.
pub async fn browser() -> Option<Browser> {
    let Some(driver) = driver() else {
        if std::env::var("FIELDLAB_REQUIRE_BROWSER").as_deref() == Ok("1") {
            panic!("FIELDLAB_REQUIRE_BROWSER=1 but chromium and chromedriver are not installed");
        }
        eprintln!("NOTICE: browser test skipped: chromium and chromedriver not found (apt-get install chromium chromium-driver)");
        return None;
    };
    let profile = tempfile::tempdir().expect("profile dir");
    let mut args: Vec<String> = CHROME_FLAGS.iter().map(|s| s.to_string()).collect();
    args.push(format!("--user-data-dir={}", profile.path().display()));
    args.push("--window-size=360,800".into());
    args.push("--lang=fr-FR".into());
    let caps = json!({"capabilities": {"alwaysMatch": {
        "browserName": "chrome",
        "goog:chromeOptions": {"binary": driver.chromium, "args": args}
    }}});
    let http = reqwest::Client::new();
    let res: Value = http
        .post(format!("{}/session", driver.url))
        .json(&caps)
        .send()
        .await
        .expect("chromedriver answers")
        .json()
        .await
        .expect("json");
    let id = res["value"]["sessionId"]
        .as_str()
        .unwrap_or_else(|| panic!("no browser session: {res}"))
        .to_owned();
    let browser = Browser {
        http,
        base: format!("{}/session/{id}", driver.url),
        _profile: profile,
    };
    browser
        .cmd("POST", "/window/rect", json!({"width": 360, "height": 800}))
        .await;
    Some(browser)
}

pub struct Browser {
    http: reqwest::Client,
    base: String,
    _profile: tempfile::TempDir,
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Ends the session (and its Chromium) even when the test panicked.
        let url = self.base.clone();
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async {
                let _ = reqwest::Client::new().delete(url).send().await;
            });
        })
        .join();
    }
}

pub struct Element {
    id: String,
}

impl Browser {
    async fn cmd(&self, method: &str, path: &str, body: Value) -> Value {
        let url = format!("{}{path}", self.base);
        let req = match method {
            "GET" => self.http.get(url),
            _ => self.http.post(url).json(&body),
        };
        let res: Value = req
            .send()
            .await
            .expect("webdriver request")
            .json()
            .await
            .expect("webdriver json");
        if res["value"]["error"].is_string() {
            panic!("webdriver {method} {path}: {}", res["value"]);
        }
        res["value"].clone()
    }

    pub async fn goto(&self, url: &str) {
        self.cmd("POST", "/url", json!({"url": url})).await;
    }

    pub async fn current_url(&self) -> String {
        self.cmd("GET", "/url", Value::Null)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    pub async fn source(&self) -> String {
        self.cmd("GET", "/source", Value::Null)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    pub async fn find(&self, css: &str) -> Element {
        let v = self
            .cmd(
                "POST",
                "/element",
                json!({"using": "css selector", "value": css}),
            )
            .await;
        Element {
            id: v[ELEMENT_KEY].as_str().expect("element id").to_owned(),
        }
    }

    pub async fn count(&self, css: &str) -> usize {
        self.cmd(
            "POST",
            "/elements",
            json!({"using": "css selector", "value": css}),
        )
        .await
        .as_array()
        .map_or(0, Vec::len)
    }

    pub async fn text(&self, css: &str) -> String {
        let e = self.find(css).await;
        self.cmd("GET", &format!("/element/{}/text", e.id), Value::Null)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    pub async fn value(&self, css: &str) -> String {
        let e = self.find(css).await;
        self.cmd(
            "GET",
            &format!("/element/{}/property/value", e.id),
            Value::Null,
        )
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned()
    }

    pub async fn attribute(&self, css: &str, name: &str) -> Option<String> {
        let e = self.find(css).await;
        self.cmd(
            "GET",
            &format!("/element/{}/attribute/{name}", e.id),
            Value::Null,
        )
        .await
        .as_str()
        .map(str::to_owned)
    }

    /// Clears the field and types `text` into it, as a person would.
    pub async fn fill(&self, css: &str, text: &str) {
        let e = self.find(css).await;
        self.cmd("POST", &format!("/element/{}/clear", e.id), json!({}))
            .await;
        self.cmd(
            "POST",
            &format!("/element/{}/value", e.id),
            json!({"text": text}),
        )
        .await;
    }

    /// Sets a field's value directly (date and time pickers read typed keys by locale).
    pub async fn set_value(&self, css: &str, value: &str) {
        self.script(
            "document.querySelector(arguments[0]).value = arguments[1];",
            json!([css, value]),
        )
        .await;
    }

    pub async fn click(&self, css: &str) {
        let e = self.find(css).await;
        self.cmd("POST", &format!("/element/{}/click", e.id), json!({}))
            .await;
    }

    pub async fn script(&self, script: &str, args: Value) -> Value {
        self.cmd(
            "POST",
            "/execute/sync",
            json!({"script": script, "args": args}),
        )
        .await
    }

    pub async fn cookie(&self, name: &str) -> Option<String> {
        let all = self.cmd("GET", "/cookie", Value::Null).await;
        all.as_array()?
            .iter()
            .find(|c| c["name"] == name)
            .and_then(|c| c["value"].as_str())
            .map(str::to_owned)
    }

    /// Saves a PNG of the page under `target/screenshots/<name>.png`.
    pub async fn screenshot(&self, name: &str) {
        let data = self.cmd("GET", "/screenshot", Value::Null).await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(data.as_str().unwrap_or_default())
            .expect("base64 screenshot");
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
        std::fs::create_dir_all(&dir).expect("screenshots dir");
        let backend = if std::env::var("TEST_DATABASE_URL").is_ok_and(|u| !u.is_empty()) {
            "postgres"
        } else {
            "sqlite"
        };
        std::fs::write(dir.join(format!("{name}-{backend}.png")), png).expect("screenshot saved");
    }
}
