//! The engine on small event sequences: rules, controls, failures,
//! idempotency, and packs refused with their line.

use kansa_monitor::{
    AddressRisk, Event, Monitor, NameHit, NoScreening, Outcome, RulePack, Screening,
};

fn ev(json: &str) -> Event {
    Event::parse(json).unwrap_or_else(|e| panic!("{json}: {e}"))
}

fn monitor() -> Monitor {
    Monitor::new(
        RulePack::default_pack().expect("default pack"),
        Box::new(NoScreening),
    )
}

fn with_pack(toml: &str) -> Monitor {
    Monitor::new(
        RulePack::parse(toml, "test.toml").expect("pack"),
        Box::new(NoScreening),
    )
}

fn fired(d: &kansa_monitor::Decision) -> Vec<String> {
    d.fired.iter().map(|f| f.rule.clone()).collect()
}

#[test]
fn the_default_pack_loads_with_every_scenario() {
    let p = RulePack::default_pack().expect("default pack");
    let mut scenarios: Vec<&str> = p.rules.iter().map(|r| r.scenario.as_str()).collect();
    scenarios.dedup();
    assert_eq!(
        scenarios,
        [
            "sanctions",
            "structuring",
            "velocity",
            "dormancy",
            "pass-through",
            "travel-rule"
        ]
    );
    assert!(p.rules.len() >= 14);
}

#[test]
fn a_login_from_a_sanctioned_jurisdiction_is_blocked_with_its_reason() {
    let mut m = monitor();
    let d = m.decide(&ev(r#"{"id":"l1","type":"login","time":"2024-06-01T00:00:00Z","customer":"c1","ip":"175.45.176.1","country":"KP"}"#));
    assert_eq!(d.outcome, Outcome::Block);
    assert_eq!(fired(&d), ["sanctioned-jurisdiction-login"]);
    assert_eq!(d.fired[0].values["geo.sanctioned"], serde_json::json!(true));
    assert_eq!(d.fired[0].values["event.type"], serde_json::json!("login"));
    let d = m.decide(&ev(r#"{"id":"l2","type":"login","time":"2024-06-01T00:01:00Z","customer":"c1","country":"JP"}"#));
    assert_eq!(d.outcome, Outcome::Approve);
}

#[test]
fn structuring_just_under_the_threshold_is_reviewed_on_the_third() {
    let mut m = monitor();
    let mut outcomes = Vec::new();
    for (i, v) in ["1950000", "1900000", "1990000"].iter().enumerate() {
        let d = m.decide(&ev(&format!(
            r#"{{"id":"d{i}","type":"deposit","time":"2024-06-01T0{i}:00:00Z","customer":"c1","asset":"JPY","amount":"{v}"}}"#
        )));
        outcomes.push(d.outcome);
        if i == 2 {
            assert_eq!(fired(&d), ["just-under-threshold"]);
            assert_eq!(
                d.fired[0].values["customer.inflow.h24.near_threshold"],
                serde_json::json!(3)
            );
        }
    }
    assert_eq!(
        outcomes,
        [Outcome::Approve, Outcome::Approve, Outcome::Review]
    );
    // Over the threshold is not structuring.
    let d = m.decide(&ev(r#"{"id":"d9","type":"deposit","time":"2024-06-01T04:00:00Z","customer":"c2","asset":"JPY","amount":"2000000"}"#));
    assert!(d.fired.is_empty());
}

#[test]
fn a_dormant_account_waking_with_a_large_amount_is_reviewed() {
    let mut m = monitor();
    m.decide(&ev(r#"{"id":"a","type":"deposit","time":"2023-01-01T00:00:00Z","customer":"c1","asset":"BTC","amount":"0.01"}"#));
    let d = m.decide(&ev(r#"{"id":"b","type":"deposit","time":"2023-09-01T00:00:00Z","customer":"c1","asset":"BTC","amount":"1"}"#));
    assert_eq!(fired(&d), ["dormant-wake-up"]);
    assert_eq!(d.outcome, Outcome::Review);
    assert_eq!(
        d.fired[0].values["customer.dormant_days"],
        serde_json::json!(243.0)
    );
}

#[test]
fn a_new_customer_passing_funds_straight_through_is_reviewed() {
    let mut m = monitor();
    m.decide(&ev(r#"{"id":"k","type":"kyc","time":"2024-06-01T00:00:00Z","customer":"c1","opened":"2024-05-30T00:00:00Z"}"#));
    m.decide(&ev(r#"{"id":"d","type":"deposit","time":"2024-06-01T01:00:00Z","customer":"c1","asset":"JPY","amount":"3000000"}"#));
    let d = m.decide(&ev(r#"{"id":"w","type":"withdrawal","time":"2024-06-01T01:30:00Z","customer":"c1","asset":"USDT","amount":"19800","address":"0xabc"}"#));
    assert!(
        fired(&d).contains(&"rapid-in-out".to_string()),
        "{:?}",
        fired(&d)
    );
    assert!(d.outcome >= Outcome::Review);
}

struct Listed;
impl Screening for Listed {
    fn address(&self, a: &str) -> AddressRisk {
        if a.eq_ignore_ascii_case("0x8589427373d6d84e98730d7795d8f6f8731fda16") {
            AddressRisk {
                listed: vec!["ofac-sdn:35557".into()],
                categories: vec!["sanctions".into(), "mixer".into()],
                ..AddressRisk::default()
            }
        } else if a == "0xexposed" {
            AddressRisk {
                exposure: 0.4,
                exposure_category: "hack".into(),
                ..AddressRisk::default()
            }
        } else {
            AddressRisk::default()
        }
    }
    fn name_hits(&self, name: &str) -> Vec<NameHit> {
        if name.contains("LAZARUS") {
            vec![NameHit {
                entity: "ofac-sdn:23307".into(),
                score: 0.97,
            }]
        } else {
            Vec::new()
        }
    }
}

#[test]
fn sanctioned_addresses_exposure_and_names_are_stopped() {
    let mut m = Monitor::new(RulePack::default_pack().expect("pack"), Box::new(Listed));
    // Case-insensitive EVM match.
    let d = m.decide(&ev(r#"{"id":"1","type":"withdrawal","time":"2024-06-01T00:00:00Z","customer":"c1","asset":"ETH","amount":"1","address":"0x8589427373D6D84E98730D7795D8f6f8731FDA16"}"#));
    assert_eq!(d.outcome, Outcome::Block);
    assert!(fired(&d).contains(&"listed-address".to_string()));
    assert_eq!(d.fired[0].values["address.listed"], serde_json::json!(true));
    let d = m.decide(&ev(r#"{"id":"2","type":"deposit","time":"2024-06-01T00:00:00Z","customer":"c1","asset":"ETH","amount":"1","address":"0xexposed"}"#));
    assert_eq!(d.outcome, Outcome::Hold);
    assert_eq!(fired(&d), ["indirect-exposure-high"]);
    let d = m.decide(&ev(r#"{"id":"3","type":"withdrawal","time":"2024-06-01T00:00:00Z","customer":"c2","asset":"ETH","amount":"1","address":"0xfine","counterparty_name":"LAZARUS GROUP"}"#));
    assert_eq!(d.outcome, Outcome::Hold);
    assert_eq!(fired(&d), ["counterparty-name"]);
}

#[test]
fn decisions_are_idempotent_by_event_id() {
    let mut m = monitor();
    let first = m.decide(&ev(r#"{"id":"same","type":"login","time":"2024-06-01T00:00:00Z","customer":"c1","country":"IR"}"#));
    let again = m.decide(&ev(r#"{"id":"same","type":"login","time":"2024-06-01T00:05:00Z","customer":"c1","country":"JP"}"#));
    assert!(again.duplicate);
    assert_eq!(again.outcome, first.outcome);
    // The repeat did not count in the windows.
    let mut m = monitor();
    for id in ["x", "x", "x"] {
        m.decide(&ev(&format!(r#"{{"id":"{id}","type":"deposit","time":"2024-06-01T00:00:00Z","customer":"c1","asset":"JPY","amount":"1950000"}}"#)));
    }
    let d = m.decide(&ev(r#"{"id":"y","type":"deposit","time":"2024-06-01T00:01:00Z","customer":"c1","asset":"JPY","amount":"1950000"}"#));
    assert!(
        d.fired.is_empty(),
        "only two near-threshold deposits counted: {:?}",
        fired(&d)
    );
}

#[test]
fn a_failing_rule_fails_closed_to_review() {
    let pack = r#"
[[scenario]]
id = "s"
  [[scenario.rule]]
  id = "divides"
  when = "1 / (event.time - event.time) > 0"
  score = 1
  [[scenario.rule]]
  id = "missing-field"
  when = "event.channel == 'api'"
  outcome = "block"
  [[scenario.rule]]
  id = "not-boolean"
  when = "event.amount"
  score = 1
"#;
    let mut m = with_pack(pack);
    let d = m.decide(&ev(r#"{"id":"1","type":"deposit","time":"2024-06-01T00:00:00Z","customer":"c","asset":"BTC","amount":"1"}"#));
    assert_eq!(
        d.outcome,
        Outcome::Review,
        "never approves silently, never blocks on an error"
    );
    let failed: Vec<(&str, usize)> = d
        .failures
        .iter()
        .map(|f| (f.rule.as_str(), f.line))
        .collect();
    assert_eq!(
        failed,
        [("divides", 6), ("missing-field", 10), ("not-boolean", 14)]
    );
    assert!(
        d.failures[0]
            .error
            .to_lowercase()
            .contains("division by zero"),
        "{}",
        d.failures[0].error
    );
}

#[test]
fn a_broken_pack_is_refused_with_its_line() {
    let cases = [
        ("[[scenario]]\nid = \"s\"\n[[scenario.rule]]\nid = \"r\"\nwhen = \"event.amount >\"\nscore = 1\n", 5, "does not compile"),
        ("[[scenario]]\nid = \"s\"\n[[scenario.rule]]\nid = \"r\"\nwhen = \"evnt.amount > 1.0\"\nscore = 1\n", 5, "unknown variable \"evnt\""),
        ("[[scenario]]\nid = \"s\"\n[[scenario.rule]]\nid = \"r\"\nwhen = \"customer.outflow.h2.count > 1\"\nscore = 1\n", 5, "no window"),
        ("[[scenario]]\nid = \"s\"\n[[scenario.rule]]\nid = \"r\"\nwhen = \"true\"\noutcome = \"freeze\"\n", 5, "outcome \"freeze\""),
        ("[[scenario]]\nid = \"s\"\n[[scenario.rule]]\nid = \"r\"\nwhen = \"true\"\n", 5, "score or an outcome"),
        ("[[scenario]]\nid = \"s\"\n[[scenario.rule]]\nid = \"r\"\nwhen = \"true\"\nscore = 1\ntypes = [\"teleport\"]\n", 5, "unknown event type"),
        ("[settings]\nreview_score = 40\nhold_score = 30\n", 1, "review_score"),
        ("\n\n[settings]\nstructuring_threshold = \"2e6\"\n", 3, "structuring_threshold"),
        ("[breaker]\nfresh = \"a while\"\n", 1, "fresh"),
        ("\n[[wallet]]\nid = \"w\"\nkind = \"warm\"\nasset = \"BTC\"\n", 2, "neither hot nor cold"),
        ("[[limit]]\nasset = \"BTC\"\nwindow = \"2h\"\nmax = \"1\"\n", 1, "one of 1h, 24h, 30d"),
        ("[settings]\nreview_scor = 1\n", 2, "unknown field"),
        ("[[scenario]]\nid = \"s\"\n[[scenario.rule]]\nid = \"r\"\nwhen = \"true\"\nscore = 1\nshow = [\"customer.outflows\"]\n", 5, "no field"),
        ("[[scenario]\n", 1, ""),
    ];
    for (text, line, want) in cases {
        let e = RulePack::parse(text, "pack.toml").expect_err(text);
        assert_eq!(e.line, line, "{text}: {e}");
        assert!(e.to_string().contains(want), "{text}: {e}");
        assert!(e.to_string().starts_with("pack.toml: line "), "{e}");
    }
}

const WALLETS: &str = r#"
[settings]
cooling_off = "24h"

[[wallet]]
id = "hot-btc"
kind = "hot"
asset = "BTC"
approvals_above = "10"
approvers = ["alice", "bob", "carol"]
approvals_required = 2
allowlist_required = true
limits = [{ window = "24h", max = "30" }]

[[wallet]]
id = "cold-btc"
kind = "cold"
asset = "BTC"

[[limit]]
asset = "BTC"
window = "1h"
max = "50"
"#;

#[test]
fn withdrawal_policy_approvals_allowlist_cooling_off_and_limits() {
    let mut m = with_pack(WALLETS);
    m.decide(&ev(r#"{"id":"k","type":"kyc","time":"2024-06-01T00:00:00Z","customer":"c1","allowlist_add":["bc1qfriend"]}"#));
    let w = |id: &str, t: &str, amount: &str, addr: &str, approvals: &str| {
        ev(&format!(
            r#"{{"id":"{id}","type":"withdrawal","time":"{t}","customer":"c1","wallet":"hot-btc","asset":"BTC","amount":"{amount}","address":"{addr}","approvals":{approvals}}}"#
        ))
    };
    let controls = |d: &kansa_monitor::Decision| {
        d.controls
            .iter()
            .map(|c| c.control.clone())
            .collect::<Vec<_>>()
    };
    // Within the cooling-off period.
    let d = m.decide(&w("1", "2024-06-01T02:00:00Z", "1", "bc1qfriend", "[]"));
    assert_eq!(
        (d.outcome, controls(&d)),
        (Outcome::Hold, vec!["allowlist".to_string()])
    );
    assert!(d.controls[0].detail.contains("cooling-off"));
    // Not on the allowlist.
    let d = m.decide(&w("2", "2024-06-02T02:00:00Z", "1", "bc1qstranger", "[]"));
    assert_eq!(controls(&d), ["allowlist"]);
    // After the cooling-off, small: approved.
    let d = m.decide(&w("3", "2024-06-02T03:00:00Z", "1", "BC1QFRIEND", "[]"));
    assert_eq!(d.outcome, Outcome::Approve, "{:?}", d.controls);
    // Above 10 BTC: two of the three approvers, and not the same one twice, nor an outsider.
    let d = m.decide(&w(
        "4",
        "2024-06-02T04:00:00Z",
        "12",
        "bc1qfriend",
        r#"["alice","alice","mallory"]"#,
    ));
    assert_eq!(controls(&d), ["approvals"]);
    assert!(
        d.controls[0].detail.contains("has 1 (alice)"),
        "{}",
        d.controls[0].detail
    );
    let d = m.decide(&w(
        "5",
        "2024-06-02T05:00:00Z",
        "12",
        "bc1qfriend",
        r#"["alice","carol"]"#,
    ));
    assert_eq!(d.outcome, Outcome::Approve, "{:?}", d.controls);
    // The wallet's 24 h limit: 1 + 12 paid so far, 12 + 12 more would exceed 30.
    let d = m.decide(&w(
        "6",
        "2024-06-02T06:00:00Z",
        "12",
        "bc1qfriend",
        r#"["alice","bob"]"#,
    ));
    assert_eq!(d.outcome, Outcome::Approve, "{:?}", d.controls);
    let d = m.decide(&w(
        "7",
        "2024-06-02T07:00:00Z",
        "12",
        "bc1qfriend",
        r#"["alice","bob"]"#,
    ));
    assert_eq!(controls(&d), ["limit"], "{:?}", d.controls);
    assert!(
        d.controls[0].detail.contains("would reach 37"),
        "{}",
        d.controls[0].detail
    );
}

#[test]
fn the_hot_wallet_limit_warns_before_the_breach_and_alerts_on_it() {
    let mut m = with_pack(WALLETS);
    let bal = |id: &str, wallet: &str, amount: &str| {
        ev(&format!(
            r#"{{"id":"{id}","type":"balance","time":"2024-06-01T00:00:00Z","wallet":"{wallet}","asset":"BTC","amount":"{amount}"}}"#
        ))
    };
    assert!(m.decide(&bal("1", "cold-btc", "1000")).alerts.is_empty());
    assert!(
        m.decide(&bal("2", "hot-btc", "40")).alerts.is_empty(),
        "40/1040 = 3.8%"
    );
    let d = m.decide(&bal("3", "hot-btc", "48"));
    assert_eq!(
        d.alerts.iter().map(|a| a.kind.as_str()).collect::<Vec<_>>(),
        ["hot_wallet_warning"]
    );
    assert!(
        d.alerts[0].detail.contains("4.58%"),
        "{}",
        d.alerts[0].detail
    );
    // No repeat while the level holds; the breach alerts again.
    assert!(m.decide(&bal("4", "hot-btc", "49")).alerts.is_empty());
    let d = m.decide(&bal("5", "hot-btc", "60"));
    assert_eq!(
        d.alerts.iter().map(|a| a.kind.as_str()).collect::<Vec<_>>(),
        ["hot_wallet_limit"]
    );
}

#[test]
fn a_tripped_breaker_needs_two_different_people_to_release() {
    let mut m = monitor();
    let w = |id: &str, t: &str, amount: &str, addr: &str| {
        ev(&format!(
            r#"{{"id":"{id}","type":"withdrawal","time":"{t}","wallet":"hot","asset":"XEM","amount":"{amount}","address":"{addr}"}}"#
        ))
    };
    assert_eq!(
        m.decide(&w("1", "2024-06-01T00:00:00Z", "10", "thief"))
            .outcome,
        Outcome::Approve
    );
    let d = m.decide(&w("2", "2024-06-01T00:05:00Z", "100000", "thief"));
    assert_eq!(d.outcome, Outcome::Hold);
    assert!(
        d.controls[0].detail.contains("test_then_large"),
        "{}",
        d.controls[0].detail
    );
    assert!(m.breaker("hot").is_some());
    // Every later withdrawal of the wallet is held, whatever its size.
    assert_eq!(
        m.decide(&w("3", "2024-06-01T00:06:00Z", "1", "someone"))
            .outcome,
        Outcome::Hold
    );
    let release = |id: &str, by: &str| {
        ev(&format!(
            r#"{{"id":"{id}","type":"approval","time":"2024-06-01T01:00:00Z","wallet":"hot","by":"{by}","action":"release_breaker"}}"#
        ))
    };
    m.decide(&release("r1", "alice"));
    m.decide(&release("r2", "alice"));
    assert!(
        m.breaker("hot").is_some(),
        "the same person twice does not release"
    );
    assert_eq!(
        m.decide(&w("4", "2024-06-01T01:10:00Z", "1", "someone"))
            .outcome,
        Outcome::Hold
    );
    let d = m.decide(&release("r3", "bob"));
    assert!(
        d.controls[0].detail.contains("released by alice and bob"),
        "{}",
        d.controls[0].detail
    );
    assert!(m.breaker("hot").is_none());
    assert_eq!(
        m.decide(&w("5", "2024-06-01T01:20:00Z", "1", "someone"))
            .outcome,
        Outcome::Approve
    );
}

#[test]
fn late_events_are_flagged_and_counted_where_they_belong() {
    let mut m = monitor();
    m.decide(&ev(r#"{"id":"1","type":"deposit","time":"2024-06-01T12:00:00Z","customer":"c","asset":"JPY","amount":"1950000"}"#));
    m.decide(&ev(r#"{"id":"2","type":"deposit","time":"2024-06-01T13:00:00Z","customer":"c","asset":"JPY","amount":"1950000"}"#));
    let d = m.decide(&ev(r#"{"id":"3","type":"deposit","time":"2024-06-01T06:00:00Z","customer":"c","asset":"JPY","amount":"1950000"}"#));
    assert!(d.late);
    assert_eq!(fired(&d), ["just-under-threshold"]);
    // One more than 24 hours before the latest falls outside the 24 h window.
    let d = m.decide(&ev(r#"{"id":"4","type":"deposit","time":"2024-05-30T06:00:00Z","customer":"c2","asset":"JPY","amount":"1"}"#));
    assert!(!d.late, "another customer's clock");
}

#[test]
fn travel_rule_data_is_checked_per_counterparty() {
    let mut m = monitor();
    let w = |id: &str, extra: &str| {
        ev(&format!(
            r#"{{"id":"{id}","type":"withdrawal","time":"2024-06-01T00:00:00Z","customer":"c1","asset":"BTC","amount":"0.1","address":"bc1qdest{id}"{extra}}}"#
        ))
    };
    let payload = r#""travel_rule":{"originator":{"originatorPersons":[{"naturalPerson":{"name":{"nameIdentifier":[{"primaryIdentifier":"TAKAHASHI","secondaryIdentifier":"TARO","nameIdentifierType":"LEGL"}],"localNameIdentifier":[{"primaryIdentifier":"高橋","secondaryIdentifier":"太郎","nameIdentifierType":"LEGL"}]},"customerIdentification":"c1"}}],"accountNumber":["c1-btc"]},"beneficiary":{"beneficiaryPersons":[{"naturalPerson":{"name":{"nameIdentifier":[{"primaryIdentifier":"TAN","secondaryIdentifier":"WEI","nameIdentifierType":"LEGL"}]}}}],"accountNumber":["bc1qdest"]}}"#;
    let d = m.decide(&w(
        "1",
        &format!(r#","counterparty_vasp":"example-sg",{payload}"#),
    ));
    assert_eq!(d.outcome, Outcome::Approve, "{:?}", d.fired);
    let d = m.decide(&w("2", r#","counterparty_vasp":"example-sg""#));
    assert_eq!(d.outcome, Outcome::Hold);
    assert_eq!(fired(&d), ["data-missing-or-invalid"]);
    assert_eq!(
        d.fired[0].values["travel.errors"],
        serde_json::json!(["no Travel Rule data (required in JP)"])
    );
    let d = m.decide(&w("3", r#","counterparty_vasp":"example-no-travel-rule""#));
    assert_eq!(
        (d.outcome, fired(&d)),
        (Outcome::Review, vec!["vasp-cannot-receive".to_string()])
    );
    let d = m.decide(&w("4", r#","unhosted":true"#));
    assert_eq!(
        (d.outcome, fired(&d)),
        (Outcome::Review, vec!["unhosted-undeclared".to_string()])
    );
    // No counterparty named: nothing to check.
    assert_eq!(m.decide(&w("5", "")).outcome, Outcome::Approve);
}

#[test]
fn an_approved_rule_pack_is_put_in_force_keeping_the_windows() {
    let first = r#"
name = "first"
[[scenario]]
id = "s"
  [[scenario.rule]]
  id = "big"
  when = "event.amount > 100.0"
  score = 50
"#;
    let second = r#"
name = "second"
[[wallet]]
id = "cold-2"
kind = "cold"
asset = "BTC"
[[scenario]]
id = "s"
  [[scenario.rule]]
  id = "third-deposit-today"
  when = "customer.inflow.h24.count >= 3"
  outcome = "hold"
"#;
    let mut m = with_pack(first);
    let dep = |id: &str, amount: &str| {
        ev(&format!(
            r#"{{"id":"{id}","type":"deposit","time":"2024-06-01T0{id}:00:00Z","customer":"c","asset":"BTC","amount":"{amount}"}}"#
        ))
    };
    assert_eq!(fired(&m.decide(&dep("1", "500"))), ["big"]);
    assert_eq!(fired(&m.decide(&dep("2", "5"))), Vec::<String>::new());
    let publish = |id: &str, requested_by: &str, by: &str, pack: &str| {
        let v = serde_json::json!({
            "id": id, "type": "approval", "time": "2024-06-01T03:00:00Z",
            "action": "publish_rules", "by": by, "requested_by": requested_by,
            "pack": pack, "pack_sha256": "abc",
        });
        ev(&v.to_string())
    };
    // One person alone publishes nothing.
    let d = m.decide(&publish("p1", "alice", "alice", second));
    assert_eq!(d.outcome, Outcome::Review);
    assert!(
        d.controls[0].detail.contains("two different people"),
        "{}",
        d.controls[0].detail
    );
    assert_eq!(m.pack().name, "first");
    assert!(m.published().is_none());
    // A pack that does not load is not published, and says where it fails.
    let d = m.decide(&publish("p2", "alice", "bob", "[[scenario]]\nid = 3\n"));
    assert_eq!(d.outcome, Outcome::Review);
    assert!(
        d.controls[0].detail.contains("line 2"),
        "{}",
        d.controls[0].detail
    );
    assert_eq!(m.pack().name, "first");
    // Approved by a second person: in force, with the windows kept.
    let d = m.decide(&publish("p3", "alice", "bob", second));
    assert_eq!(d.outcome, Outcome::Approve, "{:?}", d.controls);
    assert_eq!(d.controls[0].control, "rule_pack");
    assert_eq!(m.pack().name, "second");
    let p = m.published().expect("published");
    assert_eq!(
        (
            p.requested_by.as_str(),
            p.approved_by.as_str(),
            p.sha256.as_deref()
        ),
        ("alice", "bob", Some("abc"))
    );
    assert!(m
        .wallets()
        .iter()
        .any(|w| w.id == "cold-2" && w.kind == Some("cold")));
    let d = m.decide(&dep("4", "500"));
    assert_eq!(
        fired(&d),
        ["third-deposit-today"],
        "the old rule is gone, the count kept"
    );
    assert_eq!(d.outcome, Outcome::Hold);
    // An approval event for publishing without its pack is refused whole.
    let e = Event::parse(
        r#"{"id":"p4","type":"approval","time":"2024-06-01T05:00:00Z","action":"publish_rules","by":"bob","requested_by":"alice"}"#,
    )
    .expect_err("no pack");
    assert_eq!(e.field.as_deref(), Some("pack"));
}
