//! The incident replays shipped in `replays/`: the breaker holds what left
//! in the real incident, and the ordinary traffic before it goes through.

use kansa_monitor::{read_jsonl, Decimal, EventType, Monitor, NoScreening, Outcome, RulePack};
use std::path::Path;

struct Replay {
    incident_total: Decimal,
    incident_held: Decimal,
    ordinary: usize,
    ordinary_approved: usize,
    alerts: Vec<String>,
    breaker_reason: String,
}

fn replay(file: &str) -> Replay {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("replays")
        .join(file);
    let text = std::fs::read(&path).expect("replay file");
    let events = read_jsonl(text.as_slice(), file).expect("replay parses");
    let mut m = Monitor::new(
        RulePack::default_pack().expect("default pack"),
        Box::new(NoScreening),
    );
    let mut r = Replay {
        incident_total: Decimal::ZERO,
        incident_held: Decimal::ZERO,
        ordinary: 0,
        ordinary_approved: 0,
        alerts: Vec::new(),
        breaker_reason: String::new(),
    };
    for e in &events {
        let d = m.decide(e);
        assert!(d.failures.is_empty(), "{}: {:?}", e.id, d.failures);
        r.alerts.extend(d.alerts.iter().map(|a| a.kind.clone()));
        if e.kind != EventType::Withdrawal {
            continue;
        }
        let amount = e.amount.expect("amount");
        if e.raw.get("incident").and_then(|v| v.as_bool()) == Some(true) {
            r.incident_total = r.incident_total.saturating_add(amount);
            if d.outcome >= Outcome::Hold {
                r.incident_held = r.incident_held.saturating_add(amount);
            }
            if r.breaker_reason.is_empty() {
                if let Some(c) = d.controls.iter().find(|c| c.control == "circuit_breaker") {
                    r.breaker_reason = c.detail.clone();
                }
            }
        } else {
            r.ordinary += 1;
            r.ordinary_approved += usize::from(d.outcome == Outcome::Approve);
        }
    }
    r
}

#[test]
fn coincheck_2018_the_breaker_holds_the_drain_after_the_test_transfer() {
    let r = replay("coincheck-2018.jsonl");
    assert_eq!(
        r.incident_total,
        Decimal::parse("523300010").expect("total")
    );
    let held = r.incident_held.ratio(r.incident_total).expect("ratio");
    assert!(
        held >= 0.99,
        "held {} of {} ({held})",
        r.incident_held,
        r.incident_total
    );
    // Everything but the 10 XEM test transfer.
    assert_eq!(r.incident_held, Decimal::parse("523300000").expect("held"));
    assert!(r.breaker_reason.contains("tripped"), "{}", r.breaker_reason);
    assert_eq!(
        r.ordinary_approved, r.ordinary,
        "ordinary withdrawals all approved"
    );
    assert!(r.ordinary > 100);
    // All XEM was in the hot wallet: the 5% limit alert is raised at once.
    assert!(
        r.alerts.iter().any(|a| a == "hot_wallet_limit"),
        "{:?}",
        r.alerts
    );
    assert!(r.alerts.iter().any(|a| a == "breaker_tripped"));
}

#[test]
fn dmm_2024_the_breaker_holds_the_single_transfer() {
    let r = replay("dmm-2024.jsonl");
    assert_eq!(r.incident_total, Decimal::parse("4502.9").expect("total"));
    assert_eq!(r.incident_held, r.incident_total);
    assert!(r.breaker_reason.contains("rate"), "{}", r.breaker_reason);
    assert_eq!(r.ordinary_approved, r.ordinary);
}
