//! Debian's `chromium` driven through `chromedriver` by fantoccini: one chromedriver per test
//! process on a free port, one headless session per test with a fresh profile. The helpers
//! below take CSS selectors and panic with the selector when a step fails, so a broken journey
//! names the element it could not use. Without chromium and chromedriver, browser tests print a notice
//! and pass, unless `FIELDLAB_REQUIRE_BROWSER=1` (CI) makes a missing browser a failure.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use fantoccini::{ClientBuilder, Locator};
use serde_json::{json, Value};

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
    let mut caps = serde_json::Map::new();
    caps.insert("browserName".into(), json!("chrome"));
    caps.insert(
        "goog:chromeOptions".into(),
        json!({"binary": driver.chromium, "args": args}),
    );
    let client = ClientBuilder::native()
        .capabilities(caps)
        .connect(&driver.url)
        .await
        .expect("a browser session from chromedriver");
    client
        .set_window_size(360, 800)
        .await
        .expect("a phone-sized window");
    Some(Browser {
        client: Some(client),
        _profile: profile,
    })
}

pub struct Browser {
    // Taken by `drop` to end the session.
    client: Option<fantoccini::Client>,
    _profile: tempfile::TempDir,
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Ends the session (and its Chromium) even when the test panicked: on a thread of its
        // own, since the test's runtime may be the one unwinding.
        let Some(client) = self.client.take() else {
            return;
        };
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async {
                let _ = client.close().await;
            });
        })
        .join();
    }
}

impl Browser {
    fn client(&self) -> &fantoccini::Client {
        self.client.as_ref().expect("a live session")
    }

    pub async fn goto(&self, url: &str) {
        self.client()
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("open {url}: {e}"));
    }

    pub async fn current_url(&self) -> String {
        self.client()
            .current_url()
            .await
            .expect("current url")
            .to_string()
    }

    pub async fn source(&self) -> String {
        self.client().source().await.expect("page source")
    }

    async fn find(&self, css: &str) -> fantoccini::elements::Element {
        match self.client().find(Locator::Css(css)).await {
            Ok(element) => element,
            Err(e) => {
                // The page as it was, so that a failed step shows what the browser showed.
                let url = self.current_url().await;
                let source = self.source().await;
                let main = source.find("<main").map_or(&source[..], |at| &source[at..]);
                let shown: String = main.chars().take(3000).collect();
                panic!("no element `{css}` on {url}: {e}\n{shown}")
            }
        }
    }

    pub async fn count(&self, css: &str) -> usize {
        self.client()
            .find_all(Locator::Css(css))
            .await
            .map_or(0, |all| all.len())
    }

    pub async fn text(&self, css: &str) -> String {
        for _ in 0..50 {
            match self.find(css).await.text().await {
                Ok(text) => return text,
                Err(e) if is_stale(&e) => settle().await,
                Err(e) => panic!("text of `{css}`: {e}"),
            }
        }
        panic!("`{css}` kept changing")
    }

    pub async fn value(&self, css: &str) -> String {
        for _ in 0..50 {
            match self.find(css).await.prop("value").await {
                Ok(value) => return value.unwrap_or_default(),
                Err(e) if is_stale(&e) => settle().await,
                Err(e) => panic!("value of `{css}`: {e}"),
            }
        }
        panic!("`{css}` kept changing")
    }

    pub async fn attribute(&self, css: &str, name: &str) -> Option<String> {
        for _ in 0..50 {
            match self.find(css).await.attr(name).await {
                Ok(value) => return value,
                Err(e) if is_stale(&e) => settle().await,
                Err(e) => panic!("{name} of `{css}`: {e}"),
            }
        }
        panic!("`{css}` kept changing")
    }

    /// Clears the field and types `text` into it, as a person would.
    pub async fn fill(&self, css: &str, text: &str) {
        let e = self.find(css).await;
        e.clear()
            .await
            .unwrap_or_else(|e| panic!("clear `{css}`: {e}"));
        e.send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("type into `{css}`: {e}"));
    }

    /// Chooses a file for a file input, as the file picker would.
    pub async fn upload(&self, css: &str, path: &str) {
        self.find(css)
            .await
            .send_keys(path)
            .await
            .unwrap_or_else(|e| panic!("choose `{path}` in `{css}`: {e}"));
    }

    /// Sets a field's value directly (date and time pickers read typed keys by locale).
    pub async fn set_value(&self, css: &str, value: &str) {
        self.script(
            "document.querySelector(arguments[0]).value = arguments[1];",
            json!([css, value]),
        )
        .await;
    }

    /// Clicks like a person; on a link or a submit button, waits for the next page to load
    /// (WebDriver does not wait for a form's answer), so the next step reads the new page.
    pub async fn click(&self, css: &str) {
        let e = self.find(css).await;
        let tag = e.tag_name().await.unwrap_or_default().to_lowercase();
        let kind = e.attr("type").await.ok().flatten().unwrap_or_default();
        let navigates = tag == "a" || (tag == "button" && kind != "button");
        if navigates {
            self.script("window.__fieldlab_old_page = true;", Value::Null)
                .await;
        }
        e.click()
            .await
            .unwrap_or_else(|e| panic!("click `{css}`: {e}"));
        if navigates {
            for _ in 0..200 {
                let loaded = self
                    .client()
                    .execute(
                        "return !window.__fieldlab_old_page && document.readyState === 'complete';",
                        Vec::new(),
                    )
                    .await
                    .unwrap_or(Value::Bool(false));
                if loaded == Value::Bool(true) {
                    return;
                }
                settle().await;
            }
            panic!("clicking `{css}` led to no new page");
        }
    }

    pub async fn script(&self, script: &str, args: Value) -> Value {
        let args = match args {
            Value::Array(list) => list,
            Value::Null => Vec::new(),
            one => vec![one],
        };
        self.client()
            .execute(script, args)
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}"))
    }

    pub async fn cookie(&self, name: &str) -> Option<String> {
        let cookie = self.client().get_named_cookie(name).await.ok()?;
        Some(cookie.value().to_owned())
    }

    /// Resizes the window to `width` × `height` CSS pixels (a desk's 1440, a phone's 360).
    pub async fn window_size(&self, width: u32, height: u32) {
        self.client()
            .set_window_size(width, height)
            .await
            .expect("a window size");
    }

    /// Saves a PNG of `css` as seen at a desk (1280 px wide), then goes back to the phone size.
    pub async fn desk_screenshot(&self, name: &str, css: &str) {
        self.client()
            .set_window_size(1280, 900)
            .await
            .expect("a desk-sized window");
        self.script(
            "document.querySelector(arguments[0]).scrollIntoView({block: 'center'});",
            json!([css]),
        )
        .await;
        self.screenshot(name).await;
        self.client()
            .set_window_size(360, 800)
            .await
            .expect("a phone-sized window");
    }

    /// Saves a PNG of the page under `target/screenshots/<name>-<backend>.png`.
    pub async fn screenshot(&self, name: &str) {
        let png = self.client().screenshot().await.expect("screenshot");
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

/// An element read while a form's answer replaced the page: read it again from the new one.
fn is_stale(e: &fantoccini::error::CmdError) -> bool {
    matches!(e, fantoccini::error::CmdError::Standard(w)
        if w.error == fantoccini::error::ErrorStatus::StaleElementReference)
}

async fn settle() {
    tokio::time::sleep(Duration::from_millis(50)).await;
}
