//! Two `kansa serve` replicas, one PostgreSQL ledger, one NATS JetStream
//! stream: one replica is killed with SIGKILL while the stream is being
//! decided, and every event is still decided exactly once, nothing lost,
//! the audit chain whole. Needs PostgreSQL and NATS (scripts/services.sh
//! starts them where absent).

use super::kansa;
use super::serve::{json, spawn, with_un_list, Server};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

fn nats_url() -> String {
    std::env::var("KANSA_TEST_NATS").unwrap_or_else(|_| "nats://127.0.0.1:4222".into())
}

struct Setup {
    pg: String,
    stream: String,
    subject: String,
}

impl Setup {
    fn nats_args(&self) -> Vec<String> {
        vec![
            "--nats".into(),
            nats_url(),
            "--nats-stream".into(),
            self.stream.clone(),
            "--nats-subject".into(),
            self.subject.clone(),
        ]
    }

    fn kansa(&self, data: &Path, args: &[&str]) -> std::process::Output {
        let mut all = vec!["--database", self.pg.as_str()];
        all.extend_from_slice(args);
        kansa(data, &all)
    }

    fn publish(&self, data: &Path, file: &Path) -> serde_json::Value {
        let mut args = vec!["monitor", "publish", file.to_str().unwrap(), "--json"];
        let nats = self.nats_args();
        args.extend(nats.iter().map(String::as_str));
        let o = kansa(data, &args);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        serde_json::from_slice(&o.stdout).unwrap()
    }

    /// A replica deciding from the stream (ack wait 2 s), ready to serve.
    fn replica(&self, data: &Path) -> (Server, u32) {
        let s = spawn(
            Command::new(env!("CARGO_BIN_EXE_kansa"))
                .arg("--data")
                .arg(data)
                .args(["--database", &self.pg])
                .args(["serve", "--listen", "127.0.0.1:0", "--from-nats"])
                .args(self.nats_args())
                .args(["--nats-ack-wait", "2s"]),
        );
        let pid = s.pid();
        (s, pid)
    }

    fn client(&self) -> postgres::Client {
        postgres::Client::connect(&self.pg, postgres::NoTls).unwrap()
    }
}

fn count(c: &mut postgres::Client, sql: &str) -> i64 {
    c.query_one(sql, &[]).unwrap().get(0)
}

/// `n` withdrawals and deposits of 400 customers, one a second.
fn events(from: usize, n: usize) -> String {
    let mut out = String::new();
    for i in from..from + n {
        let (h, m, s) = (i / 3600 % 24, i / 60 % 60, i % 60);
        let day = 1 + i / 86_400;
        let kind = if i % 3 == 0 { "deposit" } else { "withdrawal" };
        out.push_str(&format!(
            r#"{{"id":"r-{i:06}","type":"{kind}","time":"2024-07-{day:02}T{h:02}:{m:02}:{s:02}Z","customer":"c{}","wallet":"hot-btc","asset":"BTC","amount":"0.{:04}","address":"bc1qaddr{}"}}"#,
            i % 400,
            1 + i % 9000,
            i % 977
        ));
        out.push('\n');
    }
    out
}

/// Publishes one raw message on the core protocol (no checks), as a
/// misbehaving producer would.
fn publish_raw(subject: &str, payload: &str) {
    let url = nats_url();
    let hostport = url.trim_start_matches("nats://");
    let mut s = std::net::TcpStream::connect(hostport).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    write!(
        s,
        "CONNECT {{\"verbose\":false}}\r\nPUB {subject} {}\r\n{payload}\r\nPING\r\n",
        payload.len()
    )
    .unwrap();
    let mut r = BufReader::new(s);
    let mut line = String::new();
    while r.read_line(&mut line).unwrap() > 0 {
        if line.contains("PONG") {
            return;
        }
        line.clear();
    }
    panic!("NATS did not answer");
}

#[test]
fn two_replicas_share_the_ledger_and_a_killed_one_loses_no_event() {
    let (Some(d1), Some(d2)) = (with_un_list(), with_un_list()) else {
        return;
    };
    let tag = format!(
        "{}{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis()
            % 1_000_000
    );
    let setup = Setup {
        pg: kansa_testdata::pg_schema("replicas"),
        stream: format!("KANSA_T{tag}"),
        subject: format!("kansa.t{tag}"),
    };
    let token = {
        let o = setup.kansa(d1.path(), &["users", "add", "ops", "--role", "admin"]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let o = setup.kansa(d1.path(), &["tokens", "create", "--user", "ops"]);
        assert!(o.status.success());
        String::from_utf8(o.stdout).unwrap().trim().to_string()
    };

    // The first half of the stream, then both replicas.
    let files = tempfile::tempdir().unwrap();
    let first = files.path().join("first.jsonl");
    let second = files.path().join("second.jsonl");
    std::fs::write(&first, events(0, 6000)).unwrap();
    std::fs::write(&second, events(6000, 6000)).unwrap();
    // A bad line is refused before anything is sent.
    let bad = files.path().join("bad.jsonl");
    std::fs::write(
        &bad,
        events(0, 2) + "{\"id\":\"x\",\"type\":\"withdrawal\"}\n",
    )
    .unwrap();
    let mut args = vec!["monitor", "publish", bad.to_str().unwrap()];
    let nats = setup.nats_args();
    args.extend(nats.iter().map(String::as_str));
    let o = kansa(d1.path(), &args);
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("bad.jsonl: line 3"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );

    assert_eq!(setup.publish(d1.path(), &first)["events"], 6000);
    let (mut a, pid_a) = setup.replica(d1.path());
    let (b, pid_b) = setup.replica(d2.path());
    let mut pg = setup.client();

    // Kill replica A with SIGKILL once it has decided some of the stream.
    let started = Instant::now();
    let actor_a = format!("nats:kansa-decider@{pid_a}");
    let decided_by = |pg: &mut postgres::Client, actor: &str| -> i64 {
        pg.query_one(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'decision' AND actor = $1",
            &[&actor],
        )
        .unwrap()
        .get(0)
    };
    while decided_by(&mut pg, &actor_a) < 300 {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "replica A decided nothing"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    a.kill();
    let at_kill = count(&mut pg, "SELECT COUNT(*) FROM monitor_events");
    assert!(at_kill < 6000, "the kill came after the stream was done");

    // The rest of the stream, a repeat of the first half (the stream's
    // duplicate window drops it), and a malformed message.
    assert_eq!(setup.publish(d1.path(), &second)["events"], 6000);
    assert_eq!(setup.publish(d1.path(), &first)["duplicates"], 6000);
    publish_raw(&format!("{}.c1", setup.subject), "{\"id\":\"broken\"");

    while count(&mut pg, "SELECT COUNT(*) FROM monitor_events") < 12_000 {
        assert!(
            started.elapsed() < Duration::from_secs(240),
            "stuck at {} decisions",
            count(&mut pg, "SELECT COUNT(*) FROM monitor_events")
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // Wait past the ack wait: whatever A held unacknowledged came back to
    // B, and nothing is decided twice.
    std::thread::sleep(Duration::from_secs(5));

    let ids: BTreeSet<String> = pg
        .query("SELECT event_id FROM monitor_events", &[])
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let expected: BTreeSet<String> = (0..12_000).map(|i| format!("r-{i:06}")).collect();
    assert_eq!(
        ids, expected,
        "every event decided, none twice, nothing else"
    );
    assert_eq!(
        count(&mut pg, "SELECT COUNT(*) FROM monitor_events"),
        12_000
    );

    // One audit entry per decision, each by one of the two replicas; A
    // stopped at its kill, B did the rest.
    let mut by: BTreeMap<String, i64> = BTreeMap::new();
    for r in pg
        .query(
            "SELECT actor, COUNT(*) FROM audit_log WHERE action = 'decision' GROUP BY actor",
            &[],
        )
        .unwrap()
    {
        by.insert(r.get(0), r.get(1));
    }
    let actor_b = format!("nats:kansa-decider@{pid_b}");
    eprintln!("decided at the kill: {at_kill}; by replica: {by:?}");
    assert_eq!(by.values().sum::<i64>(), 12_000, "{by:?}");
    assert_eq!(by.len(), 2, "{by:?}");
    assert!(by[&actor_a] >= 300 && by[&actor_a] <= at_kill, "{by:?}");
    assert!(by[&actor_b] >= 12_000 - at_kill, "{by:?}");
    // The malformed message was refused once, with what was wrong.
    let refused: Vec<String> = pg
        .query(
            "SELECT detail FROM audit_log WHERE action = 'event.refused'",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert!(refused[0].contains("not JSON"), "{refused:?}");

    // The chain over both replicas' entries verifies.
    let o = setup.kansa(d1.path(), &["audit", "verify", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(v["decisions_checked"], 12_000, "{v}");
    // The command line reads the same ledger.
    let o = setup.kansa(
        d1.path(),
        &["monitor", "decisions", "--limit", "5", "--json"],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let listed: Vec<serde_json::Value> = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(listed.len(), 5);
    let o = setup.kansa(d1.path(), &["monitor", "decisions", "--limit", "1"]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.starts_with("12000 decided events stored"), "{text}");

    // Replica B serves what A decided, and refuses to decide it again.
    let by_a: String = pg
        .query_one(
            "SELECT subject FROM audit_log WHERE action = 'decision' AND actor = $1 LIMIT 1",
            &[&actor_a],
        )
        .unwrap()
        .get(0);
    let id = by_a.trim_start_matches("event:");
    let (status, body) = b.call("GET", &format!("/v1/decisions/{id}"), Some(&token), None);
    assert_eq!(status, 200, "{body}");
    let stored = json(&body);
    let again = events(id[2..].parse().unwrap(), 1);
    let (status, body) = b.call("POST", "/v1/events", Some(&token), Some(again.trim()));
    assert_eq!(status, 409, "{body}");
    assert_eq!(json(&body)["error"]["code"], "event_already_decided");
    assert_eq!(
        json(&body)["error"]["existing"]["outcome"],
        stored["outcome"]
    );

    // A restarted A joins again: it rebuilds its windows from the shared
    // ledger and finds nothing left to decide.
    let (a2, _) = setup.replica(d1.path());
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(
        count(&mut pg, "SELECT COUNT(*) FROM monitor_events"),
        12_000
    );
    let (status, body) = a2.call("GET", "/v1/audit/verify", Some(&token), None);
    assert_eq!(status, 200, "{body}");
    assert_eq!(json(&body)["ok"], true, "{body}");
}
