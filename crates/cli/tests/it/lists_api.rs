//! `POST /v1/lists/import` over TCP with the real UN list: imported as the
//! command line imports it (screening sees it at once), identical again is
//! `unchanged`; a malformed file, a bad name, a role that may not import
//! are refused and leave the lists as they were; each import is audited
//! with the caller as actor.

use super::serve::{json, start, token};
use super::{kansa, lists_dir};
use serde_json::Value;

#[test]
fn an_admin_imports_a_list_over_http() {
    let Some(lists) = lists_dir() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let admin = token(d, "root", "admin");
    let alice = token(d, "alice", "analyst");
    let s = start(d);
    s.wait_ready();
    let un = std::fs::read(lists.join("un/UN_consolidated.xml")).unwrap();
    let path = "/v1/lists/import?name=UN_consolidated.xml";
    let oct = "application/octet-stream";

    // An analyst may not import.
    let (st, b) = s.raw("POST", path, Some(&alice), Some(&un), oct);
    assert_eq!(
        (st, json(&b)["error"]["code"].clone()),
        (403, Value::from("forbidden"))
    );

    let (st, b) = s.raw("POST", path, Some(&admin), Some(&un), oct);
    assert_eq!(st, 200, "{b}");
    let r = json(&b);
    let snap = &r["snapshots"][0];
    assert_eq!(
        (&snap["status"], &snap["source"]),
        (&Value::from("imported"), &Value::from("un")),
        "{r}"
    );
    let entities = snap["snapshot"]["counts"]["entities"].as_u64().unwrap();
    // The same count as the command line's import of the same file.
    let other = tempfile::tempdir().unwrap();
    let o = kansa(
        other.path(),
        &[
            "lists",
            "import",
            "--json",
            lists.join("un").to_str().unwrap(),
        ],
    );
    let cli: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        cli[0]["snapshot"]["counts"]["entities"].as_u64(),
        Some(entities)
    );
    assert!(
        !b.contains("uploads"),
        "the upload's temporary path does not leak: {b}"
    );
    // Screening sees the new list without a restart.
    let (st, b) = s.call(
        "POST",
        "/v1/screen",
        Some(&alice),
        Some(r#"{"name":"RI Won-ho","dob":"1964"}"#),
    );
    assert_eq!(st, 200, "{b}");
    assert_eq!(json(&b)["matches"][0]["entity_id"], "un:KPi.033", "{b}");

    // The same bytes again: unchanged.
    let (st, b) = s.raw("POST", path, Some(&admin), Some(&un), oct);
    assert_eq!(
        (st, json(&b)["snapshots"][0]["status"].clone()),
        (200, Value::from("unchanged")),
        "{b}"
    );

    // A malformed list: refused with the file and record named; nothing stored.
    let bad = std::fs::read(lists.join("malformed/csl.csv")).unwrap();
    let (st, b) = s.raw(
        "POST",
        "/v1/lists/import?name=csl.csv&format=us-csl",
        Some(&admin),
        Some(&bad),
        oct,
    );
    let err = json(&b)["error"].clone();
    assert_eq!(
        (st, &err["code"]),
        (422, &Value::from("import_refused")),
        "{b}"
    );
    let msg = err["message"].as_str().unwrap();
    assert!(msg.contains("csl.csv") && msg.contains("line"), "{msg}");
    // Not a list at all, a bad name, an unknown format, an empty body.
    for (p, body, status, field) in [
        (
            "/v1/lists/import?name=notes.txt",
            &b"hello, world"[..],
            422,
            "",
        ),
        (
            "/v1/lists/import?name=..%2F..%2Fetc%2Fpasswd",
            &un[..100],
            422,
            "name",
        ),
        (
            "/v1/lists/import?name=x.xml&format=pdf",
            &un[..100],
            422,
            "format",
        ),
        ("/v1/lists/import?name=x.xml", &b""[..], 400, ""),
        ("/v1/lists/import", &un[..100], 400, ""),
    ] {
        let (st, b) = s.raw("POST", p, Some(&admin), Some(body), oct);
        assert_eq!(st, status, "{p}: {b}");
        if !field.is_empty() {
            assert_eq!(json(&b)["error"]["field"], field, "{p}: {b}");
        }
    }
    let (_, b) = s.call("GET", "/v1/lists", Some(&alice), None);
    assert_eq!(json(&b)["snapshots"].as_array().unwrap().len(), 1, "{b}");
    assert!(
        std::fs::read_dir(d.join("uploads"))
            .unwrap()
            .next()
            .is_none(),
        "uploads are removed"
    );
    // Audited as the admin's act.
    let o = kansa(d, &["audit", "log", "--limit", "1000", "--json"]);
    let log: Value = serde_json::from_slice(&o.stdout).unwrap();
    let imports: Vec<&Value> = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "lists.import")
        .collect();
    assert_eq!(imports.len(), 1, "{log}");
    assert_eq!(imports[0]["actor"], "root");
}

fn zip_of(files: &[(&str, Vec<u8>)]) -> Vec<u8> {
    use std::io::Write;
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes) in files {
        z.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        z.write_all(bytes).unwrap();
    }
    z.finish().unwrap().into_inner()
}

#[test]
fn an_ofac_csv_set_arrives_as_one_zip() {
    let Some(lists) = lists_dir() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let admin = token(d, "root", "admin");
    let s = start(d);
    let set = lists.join("ofac-sdn-2021-07");
    let files: Vec<(&str, Vec<u8>)> = ["sdn.csv", "alt.csv", "add.csv", "sdn_comments.csv"]
        .iter()
        .map(|n| (*n, std::fs::read(set.join(n)).unwrap()))
        .collect();
    // Folders inside the archive do not matter.
    let nested: Vec<(String, Vec<u8>)> = files
        .iter()
        .map(|(n, b)| (format!("sdn_csv/{n}"), b.clone()))
        .collect();
    let nested: Vec<(&str, Vec<u8>)> = nested
        .iter()
        .map(|(n, b)| (n.as_str(), b.clone()))
        .collect();
    let oct = "application/octet-stream";
    let (st, b) = s.raw(
        "POST",
        "/v1/lists/import?name=sdn_csv.zip",
        Some(&admin),
        Some(&zip_of(&nested)),
        oct,
    );
    assert_eq!(st, 200, "{b}");
    let r = json(&b);
    let snap = &r["snapshots"][0];
    assert_eq!(snap["status"], "imported", "{r}");
    assert_eq!(snap["source"], "ofac-sdn");
    // The same snapshot as the command line makes of the directory: the
    // aliases and addresses of alt.csv and add.csv joined in.
    let other = tempfile::tempdir().unwrap();
    let o = kansa(
        other.path(),
        &["lists", "import", "--json", set.to_str().unwrap()],
    );
    let cli: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        snap["snapshot"]["counts"], cli[0]["snapshot"]["counts"],
        "{r}"
    );
    assert_eq!(snap["snapshot"]["counts"]["entities"], 8976);
    assert!(!b.contains("uploads"), "{b}");

    // Refused: an entry that climbs out, bytes that are not a zip, an
    // empty archive, a name twice; the lists stay as they were.
    let before = json(&s.call("GET", "/v1/lists", Some(&admin), None).1);
    let climbing = zip_of(&[("../sdn.csv", files[0].1.clone())]);
    let twice = zip_of(&[
        ("a/sdn.csv", files[0].1.clone()),
        ("b/sdn.csv", files[0].1.clone()),
    ]);
    for (body, why) in [
        (climbing, "climbs out"),
        (b"PK not really".to_vec(), "not a readable zip"),
        (zip_of(&[]), "not a readable zip"),
        (twice, "twice"),
    ] {
        let (st, b) = s.raw(
            "POST",
            "/v1/lists/import?name=set.zip",
            Some(&admin),
            Some(&body),
            oct,
        );
        let e = json(&b);
        assert_eq!(
            (st, &e["error"]["field"]),
            (422, &Value::from("body")),
            "{b}"
        );
        let m = e["error"]["message"].as_str().unwrap();
        assert!(
            m.contains(why) || (why == "not a readable zip" && m.contains("no file")),
            "{m}"
        );
    }
    assert_eq!(
        json(&s.call("GET", "/v1/lists", Some(&admin), None).1),
        before
    );
    assert_eq!(std::fs::read_dir(d.join("uploads")).unwrap().count(), 0);
}

#[test]
fn the_kyc_system_sends_customers_over_http() {
    let Some(tmp) = super::serve::with_un_list() else {
        return;
    };
    let d = tmp.path();
    let svc = token(d, "kyc", "service");
    let alice = token(d, "alice", "analyst");
    let s = start(d);
    let deposit = |id: &str| {
        let body = format!(
            r#"{{"id":"{id}","type":"deposit","time":"2024-06-01T00:00:00Z","customer":"C-9","asset":"JPY","amount":"10000"}}"#
        );
        let (st, b) = s.call("POST", "/v1/events", Some(&svc), Some(&body));
        assert_eq!(st, 200, "{b}");
        json(&b)["outcome"].as_str().unwrap().to_string()
    };
    // Not in the register yet: nothing to hold.
    assert_eq!(deposit("d1"), "approve");
    let csv = "id,name,kind,dob,country\nC-8,Taro Yamada,person,1980-02-03,JP\nC-9,RI Won Ho,person,1964-07-17,KP\n";
    let path = "/v1/customers/import?name=register.csv";
    let oct = "text/csv";
    let (st, _) = s.raw("POST", path, Some(&alice), Some(csv.as_bytes()), oct);
    assert_eq!(
        st, 403,
        "an analyst reads customers, the KYC system sends them"
    );
    // A bad row: refused with its line, nothing stored.
    let bad = "id,name,kind,dob,country\nC-7,Hanako Sato,person,,JP\n,Nobody,person,,JP\n";
    let (st, b) = s.raw("POST", path, Some(&svc), Some(bad.as_bytes()), oct);
    assert_eq!(st, 422, "{b}");
    assert!(b.contains("register.csv: line 3"), "{b}");
    assert!(!b.contains("uploads"), "{b}");
    let (st, _) = s.call("GET", "/v1/customers/C-7", Some(&alice), None);
    assert_eq!(st, 404);

    let (st, b) = s.raw("POST", path, Some(&svc), Some(csv.as_bytes()), oct);
    assert_eq!(st, 200, "{b}");
    let r = json(&b);
    assert_eq!(
        (&r["customers"], &r["with_hits"]),
        (&Value::from(2), &Value::from(1)),
        "{r}"
    );
    let (_, b) = s.call("GET", "/v1/customers/C-9", Some(&alice), None);
    let c = json(&b);
    assert_eq!(c["hits"][0]["entity_id"], "un:KPi.033", "{c}");
    // The monitor screens the customer again: the next deposit is held.
    assert_eq!(deposit("d2"), "hold");
    assert_eq!(std::fs::read_dir(d.join("uploads")).unwrap().count(), 0);
}
