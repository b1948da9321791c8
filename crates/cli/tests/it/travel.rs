//! Travel Rule data sent abroad, over HTTP: a withdrawal to a VASP in
//! Singapore carrying IVMS101 data is held when the residency policy gives
//! no basis for it (and a case opens), decided as usual with the basis
//! recorded when the policy allows it; the audit entry of the decision
//! carries the transfer. With a data key the Travel Rule payload (names)
//! is sealed in the stored events: not one name in the database files,
//! every name back through the API, and nothing readable without the key.

use super::kansa;
use super::serve::{json, spawn, token};
use serde_json::Value;
use std::process::Command;

const KEY: &str = "8f6c2b1e4d3a59708f6c2b1e4d3a59708f6c2b1e4d3a59708f6c2b1e4d3a5970";

const PAYLOAD: &str = r#""travel_rule":{"originator":{"originatorPersons":[{"naturalPerson":{"name":{"nameIdentifier":[{"primaryIdentifier":"TAKAHASHI","secondaryIdentifier":"TARO","nameIdentifierType":"LEGL"}]},"customerIdentification":"c1"}}],"accountNumber":["c1-btc"]},"beneficiary":{"beneficiaryPersons":[{"naturalPerson":{"name":{"nameIdentifier":[{"primaryIdentifier":"TAN","secondaryIdentifier":"WEI","nameIdentifierType":"LEGL"}]}}}],"accountNumber":["bc1qdest"]}}"#;

#[test]
fn travel_rule_data_leaves_the_country_only_on_a_basis() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let svc = token(d, "svc", "service");
    let alice = token(d, "alice", "analyst");
    let policy = d.join("residency.toml");
    std::fs::write(
        &policy,
        "region = \"JP\"\nconsent = false\nadequate = [\"EEA\", \"GB\"]\n\n[[safeguards]]\nto = \"SG\"\nreference = \"DPA-2025-SG-7\"\n",
    )
    .unwrap();
    let s = spawn(
        Command::new(env!("CARGO_BIN_EXE_kansa"))
            .arg("--data")
            .arg(d)
            .args(["serve", "--listen", "127.0.0.1:0", "--residency"])
            .arg(&policy)
            .env("KANSA_DATA_KEY", KEY),
    );
    s.wait_ready();
    let w = |id: &str, extra: &str| {
        format!(
            r#"{{"id":"{id}","type":"withdrawal","time":"2024-06-01T00:0{id}:00Z","customer":"c1","asset":"BTC","amount":"0.1","address":"bc1qdest{id}","counterparty_vasp":"example-sg",{PAYLOAD}{extra}}}"#
        )
    };
    let decide = |body: String| {
        let (st, b) = s.call("POST", "/v1/events", Some(&svc), Some(&body));
        assert_eq!(st, 200, "{b}");
        json(&b)
    };
    let residency = |d: &Value| {
        d["controls"]
            .as_array()
            .and_then(|cs| cs.iter().find(|c| c["control"] == "data_residency"))
            .cloned()
            .unwrap_or(Value::Null)
    };
    // No basis: held, the data may not go.
    let d1 = decide(w("1", ""));
    let c = residency(&d1);
    assert_eq!(
        (&d1["outcome"], &c["outcome"]),
        (&Value::from("hold"), &Value::from("hold")),
        "{d1}"
    );
    assert!(c["detail"].as_str().unwrap().contains("JP → SG"), "{c}");
    // Adequacy does not cover Singapore; consent is off; an unknown basis.
    for (id, extra, why) in [
        ("2", r#","travel_rule_basis":"adequacy""#, "adequate"),
        (
            "3",
            r#","travel_rule_basis":"consent","travel_rule_reference":"form-9""#,
            "consent",
        ),
        (
            "4",
            r#","travel_rule_basis":"telepathy""#,
            "travel_rule_basis",
        ),
    ] {
        let d = decide(w(id, extra));
        let c = residency(&d);
        assert_eq!(d["outcome"], "hold", "{d}");
        assert!(c["detail"].as_str().unwrap().contains(why), "{c}");
    }
    // Equivalent safeguards with Singapore: decided as the rules say, the
    // contract named.
    let d5 = decide(w("5", r#","travel_rule_basis":"equivalent_safeguards""#));
    let c = residency(&d5);
    assert_eq!(
        (&d5["outcome"], &c["outcome"]),
        (&Value::from("approve"), &Value::from("approve")),
        "{d5}"
    );
    assert!(
        c["detail"].as_str().unwrap().contains("DPA-2025-SG-7"),
        "{c}"
    );
    // No Travel Rule data, or a counterparty at home: no control at all.
    let plain = r#"{"id":"6","type":"withdrawal","time":"2024-06-01T00:06:00Z","customer":"c1","asset":"BTC","amount":"0.1","address":"bc1qdest6","unhosted":true,"travel_rule":{"beneficiary":{"beneficiaryPersons":[{"naturalPerson":{"name":{"nameIdentifier":[{"primaryIdentifier":"SATO","nameIdentifierType":"LEGL"}]}}}]}}}"#.to_string();
    assert_eq!(residency(&decide(plain)), Value::Null);
    // The held ones opened the customer's case.
    let (_, b) = s.call("GET", "/v1/cases?status=open", Some(&alice), None);
    let cases = json(&b);
    let alerts = cases[0]["alerts"].as_array().unwrap();
    assert!(alerts.iter().any(|a| a["event"] == "1"), "{cases}");
    assert!(!alerts.iter().any(|a| a["event"] == "5"), "{cases}");
    // The audit log says where the data went and on what basis.
    let o = kansa(d, &["audit", "log", "--limit", "1000", "--json"]);
    let log: Value = serde_json::from_slice(&o.stdout).unwrap();
    let entry = |ev: &str| {
        log.as_array()
            .unwrap()
            .iter()
            .find(|e| e["action"] == "decision" && e["subject"] == format!("event:{ev}"))
            .map(|e| serde_json::from_str::<Value>(e["detail"].as_str().unwrap()).unwrap())
            .unwrap()
    };
    let e5 = entry("5");
    assert!(
        e5["transfer"]["detail"]
            .as_str()
            .unwrap()
            .contains("equivalent_safeguards"),
        "{e5}"
    );
    assert_eq!(entry("1")["transfer"]["outcome"], "hold");
    assert!(entry("6").get("transfer").is_none());

    // Sealed at rest, opened for those who may read it.
    let (st, b) = s.call("GET", "/v1/decisions/1", Some(&alice), None);
    assert_eq!(st, 200, "{b}");
    let v = json(&b);
    assert_eq!(
        v["received"]["travel_rule"]["originator"]["originatorPersons"][0]["naturalPerson"]["name"]
            ["nameIdentifier"][0]["primaryIdentifier"],
        "TAKAHASHI",
        "{v}"
    );
    let case = cases[0]["id"].as_i64().unwrap();
    let (st, b) = s.call(
        "POST",
        &format!("/v1/cases/{case}/evidence"),
        Some(&alice),
        Some(r#"{"kind":"decision","reference":"1"}"#),
    );
    assert_eq!(st, 200, "{b}");
    drop(s);
    let mut files = 0;
    for f in std::fs::read_dir(d).unwrap() {
        let p = f.unwrap().path();
        if p.is_file() {
            let bytes = std::fs::read(&p).unwrap();
            let text = String::from_utf8_lossy(&bytes);
            for name in ["TAKAHASHI", "nameIdentifier"] {
                assert!(!text.contains(name), "{name} in {}", p.display());
            }
            files += 1;
        }
    }
    assert!(files >= 1);
    let with = |key: &str, args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_kansa"))
            .arg("--data")
            .arg(d)
            .args(args)
            .env("KANSA_DATA_KEY", key)
            .output()
            .unwrap()
    };
    let with_key = |args: &[&str]| with(KEY, args);
    // After a rotation the log is read with the retired key kept in the
    // list; the new key alone names the key it lacks.
    let new_key = KEY.replace("8f", "21");
    let o = with(
        &format!("{new_key},{KEY}"),
        &["monitor", "decisions", "--json"],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = with(&new_key, &["monitor", "decisions", "--json"]);
    assert!(!o.status.success());
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("sealed under key"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = with_key(&["monitor", "decisions", "--json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // The command line replays the sealed log to continue the windows.
    let more = d.join("more.jsonl");
    std::fs::write(&more, w("7", "")).unwrap();
    let o = with_key(&[
        "monitor",
        "run",
        "--events",
        more.to_str().unwrap(),
        "--json",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // Without the key: refused, saying why.
    let o = kansa(d, &["monitor", "run", "--events", more.to_str().unwrap()]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("encrypted at rest"), "{err}");
    let o = kansa(d, &["audit", "verify"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}
