//! `kansa audit verify` catches an altered, a deleted, a moved and a
//! truncated entry, and a stored decision changed after the fact; an
//! export verifies on its own and against an anchor.

use super::{kansa, lists_dir};
use serde_json::Value;
use std::path::Path;

fn verify(d: &Path, extra: &[&str]) -> (bool, Value) {
    let mut args = vec!["audit", "verify", "--json"];
    args.extend_from_slice(extra);
    let o = kansa(d, &args);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|_| {
        panic!(
            "not JSON: {} {}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    });
    (o.status.success(), v)
}

fn sql(d: &Path, statements: &str) {
    let c = rusqlite::Connection::open(d.join("kansa.db")).unwrap();
    c.execute_batch(statements).unwrap();
}

/// A store with a list import, users, a token and decided events: a dozen
/// entries of several kinds.
fn populated(d: &Path, lists: &Path) {
    let un = lists.join("un");
    let o = kansa(d, &["lists", "import", un.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for (u, r) in [
        ("alice", "analyst"),
        ("bob", "supervisor"),
        ("svc", "service"),
    ] {
        assert!(kansa(d, &["users", "add", u, "--role", r]).status.success());
    }
    assert!(kansa(d, &["tokens", "create", "--user", "svc"])
        .status
        .success());
    let events = d.join("events.jsonl");
    let lines: Vec<String> = (1..=6)
        .map(|i| {
            format!(
                r#"{{"id":"ev{i}","type":"deposit","time":"2024-06-01T00:0{i}:00Z","customer":"c{i}","asset":"JPY","amount":"{}"}}"#,
                i * 1000
            )
        })
        .collect();
    std::fs::write(&events, lines.join("\n")).unwrap();
    let o = kansa(
        d,
        &[
            "monitor",
            "run",
            "--events",
            events.to_str().unwrap(),
            "--no-screening",
            "--summary",
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn the_audit_chain_catches_tampering() {
    let Some(lists) = lists_dir() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    populated(d, &lists);
    let (ok, v) = verify(d, &[]);
    assert!(ok, "{v}");
    // 1 import + 3 users + 1 token + 6 decisions.
    assert_eq!(v["verified"]["entries"], 11, "{v}");
    assert_eq!(v["decisions_checked"], 6, "{v}");
    let log = kansa(d, &["audit", "log", "--subject", "event:ev3", "--json"]);
    let entries: Value = serde_json::from_slice(&log.stdout).unwrap();
    assert_eq!(entries[0]["action"], "decision");
    assert!(entries[0]["actor"].as_str().unwrap().starts_with("cli:"));

    // An export verifies on its own; its head is an anchor.
    let export = d.join("audit.jsonl");
    let o = kansa(
        d,
        &["audit", "export", "--output", export.to_str().unwrap()],
    );
    assert!(o.status.success());
    let (ok, v) = verify(d, &["--file", export.to_str().unwrap()]);
    assert!(ok, "{v}");
    let head = format!(
        "{}:{}",
        v["verified"]["last_seq"],
        v["verified"]["last_hash"].as_str().unwrap()
    );
    assert!(verify(d, &["--anchor", &head]).0);

    // Everything in the main file, so that a copy of it is the whole state.
    sql(d, "PRAGMA wal_checkpoint(TRUNCATE);");
    let db = std::fs::read(d.join("kansa.db")).unwrap();
    let restore = || {
        std::fs::write(d.join("kansa.db"), &db).unwrap();
        let _ = std::fs::remove_file(d.join("kansa.db-wal"));
        let _ = std::fs::remove_file(d.join("kansa.db-shm"));
    };

    // Altered: a user's role rewritten in the log.
    sql(
        d,
        "UPDATE audit_log SET detail = '{\"role\":\"admin\"}' WHERE seq = 3",
    );
    let (ok, v) = verify(d, &[]);
    assert!(!ok);
    assert_eq!(v["first_bad_seq"], 3, "{v}");
    assert!(v["broken"].as_str().unwrap().contains("altered"), "{v}");
    restore();

    // Deleted from the middle.
    sql(d, "DELETE FROM audit_log WHERE seq = 5");
    let (ok, v) = verify(d, &[]);
    assert!(!ok);
    assert_eq!(v["first_bad_seq"], 5, "{v}");
    assert!(v["broken"].as_str().unwrap().contains("missing"), "{v}");
    // ... and the rest renumbered to hide the gap.
    sql(
        d,
        "UPDATE audit_log SET seq = seq - 1 WHERE seq > 5; UPDATE audit_head SET seq = seq - 1;",
    );
    let (ok, v) = verify(d, &[]);
    assert!(!ok);
    assert_eq!(v["first_bad_seq"], 5, "{v}");
    restore();

    // Reordered: two entries trade places.
    sql(
        d,
        "UPDATE audit_log SET seq = -1 WHERE seq = 7;
         UPDATE audit_log SET seq = 7 WHERE seq = 8;
         UPDATE audit_log SET seq = 8 WHERE seq = -1;",
    );
    let (ok, v) = verify(d, &[]);
    assert!(!ok);
    assert_eq!(v["first_bad_seq"], 7, "{v}");
    assert!(
        v["broken"].as_str().unwrap().contains("does not follow"),
        "{v}"
    );
    restore();

    // Truncated: the last entries removed; the head and the anchor tell.
    sql(d, "DELETE FROM audit_log WHERE seq >= 10");
    let (ok, v) = verify(d, &[]);
    assert!(!ok);
    assert_eq!(v["first_bad_seq"], 10, "{v}");
    sql(
        d,
        "UPDATE audit_head SET seq = 9, hash = (SELECT hash FROM audit_log WHERE seq = 9)",
    );
    assert!(
        verify(d, &[]).0,
        "the head rewritten too: only an anchor can tell"
    );
    let (ok, v) = verify(d, &["--anchor", &head]);
    assert!(!ok);
    assert!(v["broken"].as_str().unwrap().contains("removed"), "{v}");
    restore();

    // A decision changed in its own table: its entry no longer matches.
    sql(
        d,
        "UPDATE monitor_events SET decision = replace(decision, '\"approve\"', '\"block\"') WHERE event_id = 'ev2'",
    );
    let (ok, v) = verify(d, &[]);
    assert!(!ok);
    assert_eq!(v["altered_decisions"], serde_json::json!(["ev2"]), "{v}");
    restore();
    assert!(verify(d, &[]).0);

    // A tampered export is caught too.
    let text = std::fs::read_to_string(&export).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines.swap(1, 2);
    let bad = d.join("bad.jsonl");
    std::fs::write(&bad, lines.join("\n")).unwrap();
    let (ok, v) = verify(d, &["--file", bad.to_str().unwrap()]);
    assert!(!ok);
    assert_eq!(v["first_bad_seq"], 2, "{v}");
}
