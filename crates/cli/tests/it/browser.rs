//! The web UI as an analyst uses it, in headless Chromium driven over
//! WebDriver (chromedriver): log in, search a listed name, open the case a
//! held withdrawal raised, request closing it, be refused approving one's
//! own request, log in as a second person and close it. Screenshots of
//! each step go to `target/ui-screenshots/` to be looked at.
//!
//! Needs `chromium` and `chromium-driver` (the setup installs them); set
//! `KANSA_SKIP_BROWSER=1` to skip on a machine without them.

use super::serve::{json, start, token, with_un_list};
use serde_json::{json as j, Value};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

struct Driver {
    child: Child,
    base: String,
    session: String,
    shots: PathBuf,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = ureq::delete(&format!("{}/session/{}", self.base, self.session)).call();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn post(url: &str, body: &Value) -> Result<Value, String> {
    let mut r = ureq::post(url)
        .header("Content-Type", "application/json")
        .send(body.to_string())
        .map_err(|e| e.to_string())?;
    let text = r.body_mut().read_to_string().map_err(|e| e.to_string())?;
    serde_json::from_str(&text).map_err(|e| e.to_string())
}

fn get(url: &str) -> Result<Value, String> {
    let mut r = ureq::get(url).call().map_err(|e| e.to_string())?;
    let text = r.body_mut().read_to_string().map_err(|e| e.to_string())?;
    serde_json::from_str(&text).map_err(|e| e.to_string())
}

fn base64_decode(s: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        _ => 63,
    };
    let clean: Vec<u8> = s
        .bytes()
        .filter(|b| b.is_ascii_alphanumeric() || *b == b'+' || *b == b'/')
        .collect();
    let mut out = Vec::with_capacity(clean.len() * 3 / 4);
    for chunk in clean.chunks(4) {
        let v: Vec<u32> = chunk.iter().map(|&c| u32::from(val(c))).collect();
        let n = v
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, x)| acc | (x << (18 - 6 * i)));
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..chunk.len() - 1]);
    }
    out
}

impl Driver {
    fn start(profile: &Path) -> Driver {
        let port = free_port();
        let child = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver (install chromium-driver, or set KANSA_SKIP_BROWSER=1)");
        let base = format!("http://127.0.0.1:{port}");
        let t = Instant::now();
        while get(&format!("{base}/status")).is_err() {
            assert!(
                t.elapsed() < Duration::from_secs(30),
                "chromedriver did not start"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let caps = j!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                         "--disable-component-update", "--disable-sync", "--window-size=1280,900",
                         format!("--user-data-dir={}", profile.display())]
            }
        }}});
        let s = post(&format!("{base}/session"), &caps).expect("a browser session");
        let session = s["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("{s}"))
            .to_string();
        let shots = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/ui-screenshots");
        std::fs::create_dir_all(&shots).unwrap();
        Driver {
            child,
            base,
            session,
            shots,
        }
    }

    fn url(&self, p: &str) -> String {
        format!("{}/session/{}{p}", self.base, self.session)
    }

    fn go(&self, url: &str) {
        post(&self.url("/url"), &j!({ "url": url })).unwrap();
    }

    /// Waits for an element (10 s).
    fn find(&self, css: &str) -> String {
        let t = Instant::now();
        loop {
            if let Ok(v) = post(
                &self.url("/element"),
                &j!({"using": "css selector", "value": css}),
            ) {
                if let Some(id) = v["value"][ELEMENT].as_str() {
                    return id.to_string();
                }
            }
            if t.elapsed() > Duration::from_secs(10) {
                self.shot("timeout");
                panic!("no element {css} after 10 s (screenshot: timeout.png)");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn click(&self, css: &str) {
        let id = self.find(css);
        post(&self.url(&format!("/element/{id}/click")), &j!({})).unwrap();
    }

    fn type_in(&self, css: &str, text: &str) {
        let id = self.find(css);
        post(&self.url(&format!("/element/{id}/clear")), &j!({})).unwrap();
        post(
            &self.url(&format!("/element/{id}/value")),
            &j!({ "text": text }),
        )
        .unwrap();
    }

    /// Waits until the element's text contains `want`.
    fn wait_text(&self, css: &str, want: &str) -> String {
        let t = Instant::now();
        loop {
            let id = self.find(css);
            let text = get(&self.url(&format!("/element/{id}/text")))
                .ok()
                .and_then(|v| v["value"].as_str().map(str::to_string))
                .unwrap_or_default();
            if text.contains(want) {
                return text;
            }
            if t.elapsed() > Duration::from_secs(10) {
                self.shot("timeout");
                panic!("{css} never read {want:?}; it reads {text:?}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn script(&self, js: &str) -> Value {
        post(&self.url("/execute/sync"), &j!({"script": js, "args": []})).unwrap()
    }

    fn shot(&self, name: &str) {
        if let Ok(v) = get(&self.url("/screenshot")) {
            if let Some(b) = v["value"].as_str() {
                let _ = std::fs::write(self.shots.join(format!("{name}.png")), base64_decode(b));
            }
        }
    }
}

#[test]
fn an_analyst_works_a_case_in_the_browser() {
    if std::env::var_os("KANSA_SKIP_BROWSER").is_some() {
        eprintln!("KANSA_SKIP_BROWSER set: the browser test is skipped");
        return;
    }
    let Some(tmp) = with_un_list() else { return };
    let d = tmp.path();
    let chain = super::chain_api::with_chain(d);
    let service = token(d, "svc", "service");
    let alice = token(d, "alice", "analyst");
    let bob = token(d, "bob", "supervisor");
    let carol = token(d, "carol", "supervisor");
    let s = start(d);
    let ev = r#"{"id":"w-77","type":"withdrawal","time":"2024-06-01T00:00:00Z","customer":"c42","asset":"BTC","amount":"1.5","address":"bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq","country":"IR"}"#;
    let (st, body) = s.call("POST", "/v1/events", Some(&service), Some(ev));
    assert_eq!(
        (st, json(&body)["outcome"].clone()),
        (200, Value::from("hold")),
        "{body}"
    );

    // Evidence on the chain: where block 9's coins went (FIFO), and where
    // Hal's came from.
    if chain {
        let cases = json(&s.call("GET", "/v1/cases?status=open", Some(&alice), None).1);
        let path = format!("/v1/cases/{}/evidence", cases[0]["id"]);
        for body in [
            format!(
                r#"{{"kind":"trace","reference":"{}:0","detail":{{"policy":"fifo","max_hops":3}}}}"#,
                super::BLOCK_9_CB
            ),
            format!(r#"{{"kind":"exposure","reference":"{}"}}"#, super::HAL),
        ] {
            let (st, b) = s.call("POST", &path, Some(&alice), Some(&body));
            assert_eq!(st, 200, "{b}");
        }
    }

    let profile = tempfile::tempdir().unwrap();
    let b = Driver::start(profile.path());
    let home = format!("http://{}/ui/", s.addr);

    // A wrong token is refused on the page.
    b.go(&home);
    b.type_in(
        "#token",
        "kansa_000000000000_0000000000000000000000000000000000000000000000000000000000000000",
    );
    b.click("#login");
    b.wait_text("#login-error", "Log in failed");

    // Alice logs in and sees the alert queue with the held withdrawal.
    b.type_in("#token", &alice);
    b.click("#login");
    b.wait_text("#who", "alice (analyst)");
    let queue = b.wait_text("#queue", "customer:c42");
    assert!(queue.contains("open"), "{queue}");
    b.shot("1-queue");

    // Screening search: a listed DPRK official, with the explanation.
    b.click("#nav-screen");
    b.type_in("#screen-name", "RI Won-ho");
    b.type_in("#screen-dob", "1964");
    b.click("#screen-go");
    let matches = b.wait_text("#matches", "un:KPi.033");
    assert!(matches.contains("RI WON HO"), "{matches}");
    b.shot("2-screening");

    // List versions.
    b.click("#nav-lists");
    b.wait_text("#lists", "un");

    // The case: decision explanation and the picture of the funds' path.
    b.click("#nav-queue");
    b.click("tr[data-case]");
    b.wait_text("#view", "Decision on event w-77");
    b.find("svg#path-w-77");
    let svg = b.script("return document.querySelector('svg#path-w-77').textContent;");
    assert!(
        svg["value"].as_str().unwrap_or("").contains("1.5 BTC"),
        "{svg}"
    );
    if chain {
        // The trail: block 9's coinbase at the source, Hal's output at hop 1,
        // a line between them; the exposure path from the labelled address.
        b.find("svg#trace-0 line.flow");
        let trail = b.script("return document.querySelector('svg#trace-0').textContent;");
        let trail = trail["value"].as_str().unwrap_or("");
        assert!(
            trail.contains("source")
                && trail.contains("hop 1")
                && trail.contains("f4184fc5…9e16:0"),
            "{trail}"
        );
        let path = b.script("return document.querySelector('svg#exposure-1').textContent;");
        let path = path["value"].as_str().unwrap_or("");
        assert!(
            path.contains("hack: pretend theft") && path.contains("10 BTC"),
            "{path}"
        );
        b.script("document.querySelector('#evidence').scrollIntoView();");
        b.shot("3b-evidence");
        b.script("window.scrollTo(0, 0);");
    }
    b.shot("3-case");
    b.type_in(
        "#close-reason",
        "travelling customer; verified by video call",
    );
    b.click("#request-close");
    b.wait_text("#actions", "requested by alice");
    // Alice may not approve her own request.
    b.click("#approve");
    b.wait_text("#case-message", "four eyes");
    b.shot("4-four-eyes");

    // Bob, a supervisor, logs in and closes it.
    b.click("#logout");
    b.type_in("#token", &bob);
    b.click("#login");
    b.wait_text("#who", "bob (supervisor)");
    b.click("#nav-queue");
    b.wait_text("#queue", "pending_approval");
    b.click("tr[data-case]");
    b.click("#approve");
    let closed = b.wait_text("#closure", "approved by bob");
    assert!(closed.contains("requested by alice"), "{closed}");
    b.shot("5-closed");

    // The API agrees.
    let (_, body) = s.call("GET", "/v1/cases?status=closed", Some(&bob), None);
    let cases = json(&body);
    assert_eq!(cases[0]["closure"]["approved_by"], "bob", "{cases}");

    // Custody: a test transfer then a large one trip the hot wallet's
    // breaker; bob asks to lift it, may not approve it himself, carol does.
    for (id, minute, amount) in [("h-1", 0, "10"), ("h-2", 5, "100000")] {
        let ev = format!(
            r#"{{"id":"{id}","type":"withdrawal","time":"2024-06-02T00:{minute:02}:00Z","wallet":"hot","asset":"XEM","amount":"{amount}","address":"NTHIEF"}}"#
        );
        let (st, body) = s.call("POST", "/v1/events", Some(&service), Some(&ev));
        assert_eq!(st, 200, "{body}");
    }
    b.click("#nav-custody");
    let w = b.wait_text("#wallets", "tripped");
    assert!(w.contains("test_then_large") && w.contains("h-2"), "{w}");
    b.find("#rules");
    b.type_in(
        "#lift-reason-hot",
        "destination is our cold wallet, confirmed by phone",
    );
    b.click("#lift-hot");
    b.wait_text("#custody-message", "Lifting hot requested");
    let req = b.wait_text("#requests", "lift_breaker");
    assert!(req.contains("bob"), "{req}");
    b.shot("6-custody");
    b.click("button[id^=approve-request-]");
    b.wait_text("#custody-message", "four eyes");
    b.click("#logout");
    b.type_in("#token", &carol);
    b.click("#login");
    b.wait_text("#who", "carol (supervisor)");
    b.click("#nav-custody");
    b.click("button[id^=approve-request-]");
    let done = b.wait_text("#custody-message", "released by bob and carol");
    assert!(done.contains("approved"), "{done}");
    b.wait_text("#wallets", "running");
    b.wait_text("#requests", "No request waits");
    b.shot("7-lifted");
    let (_, body) = s.call("GET", "/v1/wallets", Some(&carol), None);
    let wallets = json(&body);
    let hot = wallets
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["id"] == "hot");
    assert!(hot.is_some_and(|w| w["breaker"].is_null()), "{body}");
}
