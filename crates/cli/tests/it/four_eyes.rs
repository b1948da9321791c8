//! Four eyes over HTTP for the custody controls: a hot wallet's breaker,
//! tripped by a test transfer followed by a large one, is lifted only by an
//! approved `lift_breaker` request (never by an approval event a caller
//! sends), and a rule pack is put in force only by an approved
//! `publish_rules` request; both effects are decisions in the log, so a
//! second service on the same store and a restarted one see them.

use super::kansa;
use super::serve::{json, start, token, Server};
use serde_json::Value;
use std::process::Command;

const PACK: &str = r#"
name = "tightened"
[[scenario]]
id = "large"
  [[scenario.rule]]
  id = "large-xem"
  when = "event.asset == 'XEM' && event.amount > 500.0"
  outcome = "block"
  reason = "XEM withdrawals above 500 are stopped"
"#;

fn error(b: &str) -> (String, String) {
    let v = json(b);
    (
        v["error"]["code"].as_str().unwrap_or("").to_string(),
        v["error"]["field"].as_str().unwrap_or("").to_string(),
    )
}

fn sha256_hex(text: &str) -> String {
    let o = Command::new("sha256sum")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().unwrap().write_all(text.as_bytes())?;
            c.wait_with_output()
        })
        .unwrap();
    String::from_utf8(o.stdout).unwrap()[..64].to_string()
}

fn rules(s: &Server, t: &str) -> Value {
    let (st, b) = s.call("GET", "/v1/rules", Some(t), None);
    assert_eq!(st, 200, "{b}");
    json(&b)
}

fn breaker(s: &Server, t: &str, wallet: &str) -> Value {
    let (st, b) = s.call("GET", "/v1/wallets", Some(t), None);
    assert_eq!(st, 200, "{b}");
    json(&b)
        .as_array()
        .unwrap()
        .iter()
        .find(|w| w["id"] == wallet)
        .unwrap_or_else(|| panic!("no wallet {wallet} in {b}"))["breaker"]
        .clone()
}

#[test]
fn breakers_and_rule_packs_change_only_with_a_second_person() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let svc = token(d, "svc", "service");
    let alice = token(d, "alice", "analyst");
    let bob = token(d, "bob", "supervisor");
    let s = start(d);
    let withdraw = |id: &str, minute: u32, amount: &str, to: &str| {
        let body = format!(
            r#"{{"id":"{id}","type":"withdrawal","time":"2024-06-01T00:{minute:02}:00Z","wallet":"hot","asset":"XEM","amount":"{amount}","address":"{to}"}}"#
        );
        let (st, b) = s.call("POST", "/v1/events", Some(&svc), Some(&body));
        assert_eq!(st, 200, "{b}");
        json(&b)
    };
    // A test transfer, then the real one: the breaker trips and holds
    // everything after it.
    assert_eq!(withdraw("w1", 0, "10", "NTHIEF")["outcome"], "approve");
    let w2 = withdraw("w2", 5, "100000", "NTHIEF");
    assert_eq!(w2["outcome"], "hold", "{w2}");
    assert_eq!(withdraw("w3", 6, "1", "NOTHER")["outcome"], "hold");
    let trip = breaker(&s, &alice, "hot");
    assert_eq!(trip["event"], "w2", "{trip}");
    assert!(trip["reason"].as_str().unwrap().contains("test_then_large"));

    // No caller releases it with an approval event of its own, whatever
    // the names in it.
    for by in ["alice", "bob"] {
        let body = format!(
            r#"{{"id":"rel-{by}","type":"approval","time":"2024-06-01T01:00:00Z","wallet":"hot","by":"{by}"}}"#
        );
        let (st, b) = s.call("POST", "/v1/events", Some(&svc), Some(&body));
        assert_eq!((st, error(&b).1.as_str()), (422, "type"), "{b}");
    }
    assert!(!breaker(&s, &alice, "hot").is_null());

    // Requests name a wallet that is stopped.
    let request = |t: &str, body: &str| s.call("POST", "/v1/requests", Some(t), Some(body));
    let (st, b) = request(
        &alice,
        r#"{"kind":"lift_breaker","subject":"cold-9","reason":"checked"}"#,
    );
    assert_eq!((st, error(&b).1.as_str()), (422, "subject"), "{b}");
    let (st, b) = request(
        &alice,
        r#"{"kind":"lift_breaker","subject":"hot","reason":"the destination is our own cold wallet","pack":"x"}"#,
    );
    assert_eq!((st, error(&b).1.as_str()), (422, "pack"), "{b}");
    let (st, b) = request(
        &alice,
        r#"{"kind":"lift_breaker","subject":"hot","reason":"the destination is our own cold wallet"}"#,
    );
    assert_eq!(st, 200, "{b}");
    let lift = json(&b)["id"].as_i64().unwrap();
    // The requester cannot approve it, nor can an analyst.
    let (st, b) = s.call(
        "POST",
        &format!("/v1/requests/{lift}/approve"),
        Some(&alice),
        None,
    );
    assert_eq!(st, 403, "{b}");
    assert!(
        !breaker(&s, &alice, "hot").is_null(),
        "a refusal lifts nothing"
    );
    let (st, b) = s.call(
        "POST",
        &format!("/v1/requests/{lift}/approve"),
        Some(&bob),
        None,
    );
    assert_eq!(st, 200, "{b}");
    let v = json(&b);
    assert_eq!(v["status"], "approved");
    let effect = v["effect"].as_array().unwrap();
    assert_eq!(effect.len(), 2, "{v}");
    let last = effect[1]["controls"][0]["detail"].as_str().unwrap();
    assert!(last.contains("released by alice and bob"), "{last}");
    assert!(breaker(&s, &alice, "hot").is_null());
    // The wallet pays again; a second lift finds nothing to lift.
    assert_eq!(withdraw("w4", 30, "1", "NFRIEND")["outcome"], "approve");
    let (st, b) = request(
        &alice,
        r#"{"kind":"lift_breaker","subject":"hot","reason":"again"}"#,
    );
    assert_eq!((st, error(&b).1.as_str()), (422, "subject"), "{b}");

    // A rule pack: checked whole when requested, its SHA-256 the subject.
    assert_eq!(rules(&s, &alice)["pack"], "kansa-default");
    assert!(rules(&s, &alice)["published"].is_null());
    let ask = |subject: &str, pack: &str| {
        let body = serde_json::json!({
            "kind": "publish_rules", "subject": subject, "pack": pack,
            "reason": "stop large XEM withdrawals after the incident",
        });
        request(&alice, &body.to_string())
    };
    let (st, b) = ask(&"0".repeat(64), PACK);
    assert_eq!((st, error(&b).1.as_str()), (422, "subject"), "{b}");
    let broken = PACK.replace("500.0", "500.0 &&");
    let (st, b) = ask("", &broken);
    assert_eq!((st, error(&b).1.as_str()), (422, "pack"), "{b}");
    assert!(b.contains("line 7"), "{b}");
    let (st, b) = request(&alice, r#"{"kind":"publish_rules","reason":"no pack"}"#);
    assert_eq!((st, error(&b).1.as_str()), (422, "pack"), "{b}");
    let (st, b) = ask("", PACK);
    assert_eq!(st, 200, "{b}");
    let req = json(&b);
    let sha = sha256_hex(PACK);
    assert_eq!(req["subject"], sha.as_str());
    let id = req["id"].as_i64().unwrap();
    // Not in force before the second person approves.
    assert_eq!(withdraw("w5", 40, "600", "NSHOP")["outcome"], "approve");
    // A second service on the same store (a replica).
    let other = start(d);
    let (st, b) = s.call(
        "POST",
        &format!("/v1/requests/{id}/approve"),
        Some(&bob),
        None,
    );
    assert_eq!(st, 200, "{b}");
    let v = json(&b);
    assert_eq!(v["effect"][0]["controls"][0]["control"], "rule_pack", "{v}");
    for srv in [&s, &other] {
        let r = rules(srv, &alice);
        assert_eq!(r["pack"], "tightened", "{r}");
        assert_eq!(r["published"]["sha256"], sha.as_str());
        assert_eq!(
            (
                &r["published"]["requested_by"],
                &r["published"]["approved_by"]
            ),
            (&Value::from("alice"), &Value::from("bob"))
        );
        assert_eq!(r["rules"][0]["id"], "large-xem");
    }
    let w6 = withdraw("w6", 50, "600", "NMARKET");
    assert_eq!(w6["outcome"], "block", "{w6}");
    assert_eq!(w6["fired"][0]["rule"], "large-xem");
    // Approving twice changes nothing more.
    let (st, _) = s.call(
        "POST",
        &format!("/v1/requests/{id}/approve"),
        Some(&bob),
        None,
    );
    assert_eq!(st, 409);
    drop(other);
    drop(s);

    // Restarted: the published pack and the lifted breaker come back from
    // the log, and the audit chain holds.
    let s = start(d);
    assert_eq!(rules(&s, &alice)["pack"], "tightened");
    assert!(breaker(&s, &alice, "hot").is_null());
    drop(s);
    let o = kansa(d, &["audit", "verify"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}
