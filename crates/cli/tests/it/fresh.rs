//! Decisions follow the lists as they change while the service runs: an
//! address the monitor has already screened clean is blocked on the next
//! decision once a list naming it is imported over HTTP, and within seconds
//! once the command line imports one beside the running service.

use super::serve::{json, start, token};
use super::{kansa, lists_dir};
use std::time::{Duration, Instant};

#[test]
fn a_list_imported_while_serving_applies_to_the_next_decision() {
    let Some(lists) = lists_dir() else { return };
    let crypto = lists.join("ofac-crypto-addresses-2024-09");
    let first = |file: &str| {
        std::fs::read_to_string(crypto.join(file))
            .unwrap()
            .lines()
            .next()
            .unwrap()
            .trim()
            .to_string()
    };
    let eth = first("sanctioned_addresses_ETH.txt").to_ascii_lowercase();
    let btc = first("sanctioned_addresses_XBT.txt");
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let svc = token(d, "svc", "service");
    let admin = token(d, "root", "admin");
    let s = start(d);
    let withdraw = |id: &str, asset: &str, to: &str| {
        let body = format!(
            r#"{{"id":"{id}","type":"withdrawal","time":"2024-06-01T00:00:00Z","customer":"c1","asset":"{asset}","amount":"0.1","address":"{to}"}}"#
        );
        let (st, b) = s.call("POST", "/v1/events", Some(&svc), Some(&body));
        assert_eq!(st, 200, "{b}");
        json(&b)
    };
    // No list yet: both addresses pass, and the monitor has screened them.
    assert_eq!(withdraw("e1", "ETH", &eth)["outcome"], "approve");
    assert_eq!(withdraw("b1", "BTC", &btc)["outcome"], "approve");

    // Over HTTP: the very next decision sees the list.
    let file = std::fs::read(crypto.join("sanctioned_addresses_ETH.txt")).unwrap();
    let (st, b) = s.raw(
        "POST",
        "/v1/lists/import?name=sanctioned_addresses_ETH.txt",
        Some(&admin),
        Some(&file),
        "application/octet-stream",
    );
    assert_eq!(st, 200, "{b}");
    let e2 = withdraw("e2", "ETH", &eth);
    assert_eq!(e2["outcome"], "block", "{e2}");
    assert_eq!(e2["fired"][0]["rule"], "listed-address");

    // The command line imports every asset's file beside the service: the
    // service notices the new active snapshot and loads it.
    let o = kansa(d, &["lists", "import", crypto.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let t = Instant::now();
    let mut n = 0;
    loop {
        n += 1;
        let d = withdraw(&format!("b-{n}"), "BTC", &btc);
        if d["outcome"] == "block" {
            break;
        }
        assert!(
            t.elapsed() < Duration::from_secs(30),
            "the list imported beside the service was never applied: {d}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}
