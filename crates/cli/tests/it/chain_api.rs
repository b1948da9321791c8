//! `/v1/chain` over TCP on real blocks (the first 590 of Bitcoin): the
//! summary, an address, a transaction, a trace equal to the command
//! line's, an exposure with its path; bad requests refused with the field
//! named; labels imported while the service runs are seen; a trace and an
//! exposure attached to a case as evidence.

use super::serve::{json, start, token, Server};
use super::{chain_dir, kansa, stdout_json, BLOCK_9_CB, HAL, SATOSHI, TX_170};
use serde_json::Value;
use std::path::Path;

/// Imports the first 590 blocks and a pack labelling Satoshi's address a
/// hack into `d`.
pub(crate) fn with_chain(d: &Path) -> bool {
    let Some(btc) = chain_dir() else { return false };
    let blk = btc.join("firstblocks-0-589.blk");
    stdout_json(&kansa(
        d,
        &["chain", "import", "--json", blk.to_str().unwrap()],
    ));
    label(d, "mine.yaml", "service_hack", "pretend theft", SATOSHI);
    true
}

/// Imports a one-address label pack `file` into `d`.
pub(crate) fn label(d: &Path, file: &str, abuse: &str, name: &str, address: &str) {
    let pack = d.join(file);
    std::fs::write(
        &pack,
        format!("title: {file}\ncategory: user\nabuse: {abuse}\nlabel: {name}\nsource: test\ntags:\n- address: {address}\n  currency: BTC\n"),
    )
    .unwrap();
    let o = kansa(d, &["chain", "labels", "import", pack.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

fn ok(s: &Server, method: &str, path: &str, t: &str, body: Option<&str>) -> Value {
    let (st, b) = s.call(method, path, Some(t), body);
    assert_eq!(st, 200, "{method} {path}: {b}");
    json(&b)
}

fn refused(s: &Server, method: &str, path: &str, t: &str, body: Option<&str>) -> (u16, Value) {
    let (st, b) = s.call(method, path, Some(t), body);
    (st, json(&b)["error"].clone())
}

#[test]
fn the_chain_over_http_matches_the_command_line() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    if !with_chain(d) {
        return;
    }
    let alice = token(d, "alice", "analyst");
    let svc = token(d, "svc", "service");
    let s = start(d);
    s.wait_ready();

    let sum = ok(&s, "GET", "/v1/chain", &alice, None);
    assert_eq!(
        (sum["transactions"].as_u64(), sum["max_height"].as_u64()),
        (Some(605), Some(589)),
        "{sum}"
    );
    let tx = ok(
        &s,
        "GET",
        &format!("/v1/chain/transactions/{TX_170}"),
        &alice,
        None,
    );
    assert_eq!(
        (&tx["height"], &tx["outputs"][0]["address"], &tx["fee"]),
        (&Value::from(170), &Value::from(HAL), &Value::from(0)),
        "{tx}"
    );
    let a = ok(
        &s,
        "GET",
        &format!("/v1/chain/addresses/{HAL}"),
        &alice,
        None,
    );
    assert_eq!(
        (a["received"].as_u64(), a["balance"].as_u64()),
        (Some(1_000_000_000), Some(1_000_000_000))
    );
    let sat = ok(
        &s,
        "GET",
        &format!("/v1/chain/addresses/{SATOSHI}"),
        &alice,
        None,
    );
    assert_eq!(sat["labels"][0]["label"], "pretend theft", "{sat}");

    // The trace is the command line's, byte for byte as JSON, with flows.
    let from = format!("{BLOCK_9_CB}:0");
    let body = format!(r#"{{"from":"{from}","policy":"fifo","max_hops":4}}"#);
    let t = ok(&s, "POST", "/v1/chain/trace", &alice, Some(&body));
    let cli = stdout_json(&kansa(
        d,
        &[
            "trace",
            "taint",
            "--from",
            &from,
            "--policy",
            "fifo",
            "--max-hops",
            "4",
            "--json",
        ],
    ));
    assert_eq!(t, cli);
    let hal = t["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["txid"] == TX_170 && o["vout"] == 0)
        .unwrap();
    assert_eq!(
        (hal["tainted"].as_u64(), hal["hop"].as_u64()),
        (Some(1_000_000_000), Some(1))
    );
    assert!(
        t["flows"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["from"] == from.as_str() && f["to"] == format!("{TX_170}:0").as_str()),
        "{t}"
    );
    // Under haircut and FIFO every satoshi rests somewhere.
    let rests: u64 = [
        "unspent",
        "fees",
        "mined",
        "unknown",
        "beyond_horizon",
        "stopped",
        "below_minimum",
        "into_sources",
        "converted",
    ]
    .iter()
    .map(|k| t[k].as_u64().unwrap())
    .sum();
    assert_eq!(Some(rests), t["source_amount"].as_u64());

    // Exposure: Hal's 10 BTC came straight from the "hack"; the service
    // role (a withdrawal pipeline) may ask.
    let e = ok(&s, "GET", &format!("/v1/chain/exposure/{HAL}"), &svc, None);
    let c = &e["categories"][0];
    assert_eq!(
        (&c["category"], c["direct"].as_u64(), c["share"].as_f64()),
        (&Value::from("hack"), Some(1_000_000_000), Some(1.0)),
        "{e}"
    );
    assert_eq!(c["top_paths"][0]["address"], SATOSHI);

    // Bad requests: the field is named, nothing is a 500.
    for (method, path, body, status, field) in [
        (
            "POST",
            "/v1/chain/trace",
            r#"{"from":"x","policy":"lifo"}"#,
            422,
            "policy",
        ),
        (
            "POST",
            "/v1/chain/trace",
            r#"{"from":"x","direction":"up"}"#,
            422,
            "direction",
        ),
        (
            "POST",
            "/v1/chain/trace",
            r#"{"from":"x","max_hops":0}"#,
            422,
            "max_hops",
        ),
        (
            "POST",
            "/v1/chain/trace",
            r#"{"from":"x","limit":5000}"#,
            422,
            "limit",
        ),
        (
            "POST",
            "/v1/chain/trace",
            r#"{"from":"nowhere"}"#,
            422,
            "from",
        ),
        (
            "POST",
            "/v1/chain/trace",
            r#"{"from":"' OR 1=1 --:0"}"#,
            422,
            "from",
        ),
        (
            "POST",
            "/v1/chain/trace",
            &format!(r#"{{"from":"{TX_170}:9"}}"#),
            422,
            "from",
        ),
        (
            "POST",
            "/v1/chain/trace",
            &format!(r#"{{"from":"{HAL}","asset":"ethereum:USDT"}}"#),
            422,
            "asset",
        ),
        (
            "GET",
            "/v1/chain/exposure/1BitcoinEaterAddressDontSendf59kuE",
            "",
            404,
            "",
        ),
        (
            "GET",
            &format!("/v1/chain/exposure/{HAL}?hops=99"),
            "",
            422,
            "hops",
        ),
        (
            "GET",
            &format!("/v1/chain/exposure/{HAL}?direction=sideways"),
            "",
            422,
            "direction",
        ),
        (
            "GET",
            "/v1/chain/addresses/..%2F..%2Fetc%2Fpasswd",
            "",
            404,
            "",
        ),
        ("GET", "/v1/chain/transactions/00", "", 404, ""),
    ] {
        let b = (!body.is_empty()).then_some(body);
        let (st, err) = refused(&s, method, path, &alice, b);
        assert_eq!(st, status, "{method} {path} {body}: {err}");
        if !field.is_empty() {
            assert_eq!(err["field"], field, "{method} {path} {body}: {err}");
        }
    }
    let (st, err) = refused(&s, "POST", "/v1/chain/trace", &svc, Some(&body));
    assert_eq!((st, &err["code"]), (403, &Value::from("forbidden")));

    // A pack imported while the service runs is seen on the next request.
    label(d, "late.yaml", "scam", "late scam label", HAL);
    let a = ok(
        &s,
        "GET",
        &format!("/v1/chain/addresses/{HAL}"),
        &alice,
        None,
    );
    assert!(
        a["labels"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["label"] == "late scam label"),
        "{a}"
    );
}

#[test]
fn trace_and_exposure_become_case_evidence() {
    let Some(tmp) = super::serve::with_un_list() else {
        return;
    };
    let d = tmp.path();
    if !with_chain(d) {
        return;
    }
    let svc = token(d, "svc", "service");
    let alice = token(d, "alice", "analyst");
    let s = start(d);
    let ev = r#"{"id":"w-1","type":"withdrawal","time":"2024-06-01T00:00:00Z","customer":"c7","asset":"BTC","amount":"0.2","address":"bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq","country":"IR"}"#;
    let d1 = ok(&s, "POST", "/v1/events", &svc, Some(ev));
    assert_eq!(d1["outcome"], "hold", "{d1}");
    let cases = ok(&s, "GET", "/v1/cases?status=open", &alice, None);
    let id = cases[0]["id"].as_i64().unwrap();
    let path = format!("/v1/cases/{id}/evidence");
    let body = format!(
        r#"{{"kind":"trace","reference":"{BLOCK_9_CB}:0","detail":{{"policy":"fifo","max_hops":3}}}}"#
    );
    let c = ok(&s, "POST", &path, &alice, Some(&body));
    let t = &c["evidence"][0]["detail"];
    assert_eq!(
        (&t["policy"], &t["direction"]),
        (&Value::from("fifo"), &Value::from("forward")),
        "{c}"
    );
    assert!(t["outputs"].as_array().unwrap().len() <= 25);
    assert!(t["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .any(|o| o["txid"] == TX_170));
    let body = format!(r#"{{"kind":"exposure","reference":"{HAL}"}}"#);
    let c = ok(&s, "POST", &path, &alice, Some(&body));
    assert_eq!(
        c["evidence"][1]["detail"]["categories"][0]["category"], "hack",
        "{c}"
    );
    // Bad options are named, and leave no evidence behind.
    let body = format!(r#"{{"kind":"trace","reference":"{HAL}","detail":{{"policy":"lifo"}}}}"#);
    let (st, err) = refused(&s, "POST", &path, &alice, Some(&body));
    assert_eq!((st, &err["field"]), (422, &Value::from("policy")), "{err}");
    let body = r#"{"kind":"trace","reference":"x","detail":{"colour":"red"}}"#;
    let (st, err) = refused(&s, "POST", &path, &alice, Some(body));
    assert_eq!((st, &err["field"]), (422, &Value::from("detail")), "{err}");
    let c = ok(&s, "GET", &format!("/v1/cases/{id}"), &alice, None);
    assert_eq!(c["evidence"].as_array().unwrap().len(), 2);
}

#[test]
fn without_chain_data_the_routes_say_so() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let alice = token(d, "alice", "analyst");
    let s = start(d);
    let (st, err) = refused(&s, "GET", "/v1/chain", &alice, None);
    assert_eq!(
        (st, &err["code"]),
        (404, &Value::from("no_chain_data")),
        "{err}"
    );
}
