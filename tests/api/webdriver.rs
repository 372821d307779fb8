//! Debian's `chromium` driven through `chromedriver` by fantoccini: one chromedriver per test
//! process on a free port, one headless session per test with a fresh profile. The helpers
//! below take CSS selectors and panic with the selector when a step fails, so a broken journey
//! names the element it could not use. Without chromium and chromedriver, browser tests print a notice
//! and pass, unless `FIELDLAB_REQUIRE_BROWSER=1` (CI) makes a missing browser a failure.
//!
//! Every page a test opens (`goto`, or a click that loads a new page) is audited once: axe-core
//! must find no serious or critical violation, and a French page must show none of the English
//! words that only code produces. See [`Browser::audit`].

use std::collections::HashSet;
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

/// Whether axe-core is there to be injected (see `axe_source`).
pub fn axe_installed() -> bool {
    axe_source().is_some()
}

fn browser_required() -> bool {
    std::env::var("FIELDLAB_REQUIRE_BROWSER").as_deref() == Ok("1")
}

/// axe-core's script, read once: from `FIELDLAB_AXE_JS`, else from where `.ci/run` installs it
/// (`npm install --prefix target/axe`). Missing, the audits skip axe with a notice, unless
/// `FIELDLAB_REQUIRE_BROWSER=1` makes that a failure too.
fn axe_source() -> Option<&'static str> {
    static AXE: OnceLock<Option<String>> = OnceLock::new();
    AXE.get_or_init(|| {
        let path = std::env::var_os("FIELDLAB_AXE_JS")
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("target/axe/node_modules/axe-core/axe.min.js")
            });
        match std::fs::read_to_string(&path) {
            Ok(source) => Some(source),
            Err(e) if browser_required() => panic!(
                "FIELDLAB_REQUIRE_BROWSER=1 but axe-core is not at {} ({e}): \
                 npm install --no-save --prefix target/axe axe-core@4.14.1 (as .ci/run does)",
                path.display()
            ),
            Err(e) => {
                eprintln!(
                    "NOTICE: axe-core audits skipped: {} ({e}); \
                     npm install --no-save --prefix target/axe axe-core@4.14.1 (as .ci/run does)",
                    path.display()
                );
                None
            }
        }
    })
    .as_deref()
}

/// Words that French pages never show but code does: a message or a value that escaped
/// translation (`is not a valid e-mail address`, `None`, `undefined`). Matched whole, any case;
/// chosen so that French text and the tests' names of people and companies do not contain them.
const ENGLISH_WORDS: [&str; 24] = [
    "the",
    "is not",
    "not a valid",
    "must be",
    "should be",
    "your",
    "please",
    "team",
    "error",
    "invalid",
    "required",
    "not found",
    "already",
    "Submit",
    "Cancel",
    "Save",
    "Delete",
    "Sign in",
    "None",
    "null",
    "undefined",
    "NaN",
    "true",
    "false",
];

/// Runs axe-core (already injected) on the page: its serious and critical findings, one line
/// each with the rule, the element and what is wrong.
const AXE_RUN: &str = r#"
const done = arguments[arguments.length - 1];
axe.run(document, { resultTypes: ['violations'] }).then(
  result => done(result.violations.flatMap(v => v.nodes
    .filter(n => n.impact === 'serious' || n.impact === 'critical')
    .map(n => `${v.id} (${n.impact}) at \`${n.target.join(' ')}\`: `
      + (n.failureSummary || v.help).replace(/^Fix (any|all) of the following:\s*/, '')
          .replace(/\s+/g, ' ')))),
  e => done([`axe-core failed: ${e}`]));
"#;

/// The English words (`arguments[0]`) in the page's visible text, each with its context.
const ENGLISH_IN_TEXT: &str = r#"
const text = document.body.innerText;
return arguments[0].flatMap(word => {
  const escaped = word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const at = text.search(new RegExp(`(?<![\\p{L}\\p{N}_])${escaped}(?![\\p{L}\\p{N}_])`, 'iu'));
  return at < 0 ? [] : [`"${word}" in "…${text.slice(Math.max(0, at - 40), at + 40).replace(/\s+/g, ' ')}…"`];
});
"#;

/// A headless browser for one test, or `None` (with a printed notice) where none is installed.
pub async fn browser() -> Option<Browser> {
    let Some(driver) = driver() else {
        if browser_required() {
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
        audited: Mutex::new(HashSet::new()),
    })
}

pub struct Browser {
    // Taken by `drop` to end the session.
    client: Option<fantoccini::Client>,
    _profile: tempfile::TempDir,
    // The pages already audited (see `audit`), so a journey's tenth visit home costs nothing.
    audited: Mutex<HashSet<String>>,
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
        self.audit().await;
    }

    /// Audits the page as people and their tools see it, once per path, query, language,
    /// alert shown (a form's refusal is another page) and window width: axe-core must report no serious or
    /// critical violation, and a French page must show no English word from the code.
    /// `FIELDLAB_AUDIT=report` prints the findings and goes on, to list them all at once.
    pub async fn audit(&self) {
        let page = self
            .client()
            .execute(
                // The API's documentation (/docs) is Swagger UI's own page, shipped as it is
                // by utoipa-swagger-ui: not a page of fieldlab's to audit.
                "return document.contentType === 'text/html' && document.body
                     && !location.pathname.startsWith('/docs')
                   ? [location.pathname + location.search, document.documentElement.lang,
                      !!document.querySelector('[role=alert]'), window.innerWidth]
                   : null;",
                Vec::new(),
            )
            .await
            .expect("the page's address");
        if page.is_null()
            || !self
                .audited
                .lock()
                .expect("audited")
                .insert(page.to_string())
        {
            return;
        }
        let url = self.current_url().await;
        let findings = self.findings().await;
        if findings.is_empty() {
            return;
        }
        let report = format!(
            "the page {url} fails its audit:\n  {}",
            findings.join("\n  ")
        );
        if std::env::var("FIELDLAB_AUDIT").as_deref() == Ok("report") {
            eprintln!("AUDIT {report}");
        } else {
            panic!("{report}");
        }
    }

    /// What the audit finds on the page as it is now (no memory of pages seen): axe-core's
    /// serious and critical violations, and on a French page the English words of the code.
    pub async fn findings(&self) -> Vec<String> {
        let url = self.current_url().await;
        let mut findings = Vec::new();
        if let Some(axe) = axe_source() {
            self.script(axe, Value::Null).await;
            let found = self
                .client()
                .execute_async(AXE_RUN, Vec::new())
                .await
                .unwrap_or_else(|e| panic!("axe-core on {url}: {e}"));
            findings.extend(
                found
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|f| f.as_str().map_or_else(|| f.to_string(), str::to_owned)),
            );
        }
        let lang = self
            .script("return document.documentElement.lang;", Value::Null)
            .await;
        if lang == "fr" {
            let english = self.script(ENGLISH_IN_TEXT, json!([ENGLISH_WORDS])).await;
            findings.extend(english.as_array().into_iter().flatten().map(|w| {
                format!(
                    "English on a French page: {}",
                    w.as_str().unwrap_or_default()
                )
            }));
        }
        findings
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
                    self.audit().await;
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

    /// Resizes the window (a laptop, a desk) for the pages opened next.
    pub async fn resize(&self, width: u32, height: u32) {
        self.client()
            .set_window_size(width, height)
            .await
            .unwrap_or_else(|e| panic!("a {width}×{height} window: {e}"));
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
