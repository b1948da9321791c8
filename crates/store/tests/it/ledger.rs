//! The ledger's operations behave the same on the embedded SQLite store
//! and on PostgreSQL: one scenario run on both, and concurrent writers on
//! PostgreSQL that must not fork the audit chain.

use kansa_cases::{Alert, CaseError, Request, Status, Verdict};
use kansa_store::{Ledger, LedgerExt, PgLedger, Store, StoredDecision, TokenRow, User};

const AT: &str = "2026-11-22T00:00:00Z";

fn decision(id: &str, outcome: &str, customer: &str) -> StoredDecision {
    StoredDecision {
        seq: 0,
        event_id: id.into(),
        time: "2024-06-01T00:00:00Z".into(),
        kind: "withdrawal".into(),
        customer: Some(customer.into()),
        outcome: outcome.into(),
        score: if outcome == "approve" { 0 } else { 70 },
        event: format!(r#"{{"id":"{id}","type":"withdrawal"}}"#),
        decision: format!(
            r#"{{"outcome":"{outcome}","alerts":[],"fired":[{{"scenario":"s","rule":"r"}}],"controls":[]}}"#
        ),
    }
}

fn scenario(l: &mut dyn Ledger) {
    l.set_actor("cli:admin");
    // Users and tokens.
    let alice = User {
        name: "alice".into(),
        role: "analyst".into(),
        created_at: AT.into(),
        disabled_at: None,
    };
    assert!(l.add_user(&alice).unwrap());
    assert!(!l.add_user(&alice).unwrap(), "a taken name is refused");
    assert!(l
        .add_user(&User {
            name: "bob".into(),
            role: "supervisor".into(),
            ..alice.clone()
        })
        .unwrap());
    let t = TokenRow {
        id: "0123456789ab".into(),
        user: "alice".into(),
        secret_sha256: vec![7; 32],
        label: "laptop".into(),
        created_at: AT.into(),
        expires_at: None,
        revoked_at: None,
    };
    l.add_token(&t).unwrap();
    assert_eq!(l.token(&t.id).unwrap(), Some(t.clone()));
    assert_eq!(l.tokens(Some("alice")).unwrap().len(), 1);
    assert_eq!(l.tokens(None).unwrap().len(), 1);
    assert_eq!(l.tokens(Some("bob")).unwrap().len(), 0);
    assert!(l.revoke_token(&t.id, AT).unwrap());
    assert!(!l.revoke_token(&t.id, AT).unwrap(), "revoked once");
    assert!(l.token(&t.id).unwrap().unwrap().revoked_at.is_some());
    assert!(l.disable_user("bob", AT).unwrap());
    assert_eq!(
        l.users()
            .unwrap()
            .iter()
            .map(|u| (u.name.as_str(), u.disabled_at.is_some()))
            .collect::<Vec<_>>(),
        [("alice", false), ("bob", true)]
    );

    // Decisions: the first stands, a refused row lands nothing, a plain
    // approval raises nothing, a hold opens a case on the customer and a
    // review joins it.
    l.set_actor("svc");
    let batch = [
        decision("e1", "approve", "c1"),
        decision("e2", "hold", "c1"),
    ];
    assert_eq!(l.record_decisions(&batch, AT).unwrap(), 2);
    assert_eq!(
        l.record_decisions(&[decision("e1", "block", "c1")], AT)
            .unwrap(),
        0
    );
    assert!(l
        .record_decisions(
            &[decision("e3", "hold", "c1"), decision("e4", "maybe", "c1")],
            AT
        )
        .is_err());
    assert_eq!(l.decision("e3").unwrap(), None);
    assert_eq!(l.decision("e1").unwrap().unwrap().outcome, "approve");
    assert_eq!(
        l.record_decisions(&[decision("e5", "review", "c1")], AT)
            .unwrap(),
        1
    );
    let all = l.decisions_after(0, 100).unwrap();
    assert_eq!(
        all.iter().map(|d| d.event_id.as_str()).collect::<Vec<_>>(),
        ["e1", "e2", "e5"]
    );
    assert!(all.windows(2).all(|w| w[0].seq < w[1].seq));
    assert_eq!(l.decision_count().unwrap(), 3);
    let cases = l.cases(None, Some("customer:c1"), 10).unwrap();
    assert_eq!(cases.len(), 1, "{cases:?}");
    let id = cases[0].id;
    assert_eq!(cases[0].alerts.len(), 2);

    // A case is worked and closed by two people.
    l.set_actor("alice");
    let r = l
        .update_case(id, AT, "case.close_request", serde_json::json!({}), |c| {
            c.request_close("alice", Verdict::FalsePositive, "known customer", None, AT)
        })
        .unwrap()
        .unwrap();
    assert!(r.is_ok());
    let same = l
        .update_case(id, AT, "case.approve", serde_json::json!({}), |c| {
            c.approve("alice", true, "supervisor", AT)
        })
        .unwrap()
        .unwrap();
    assert!(matches!(same, Err(CaseError::SamePerson(_))), "{same:?}");
    l.set_actor("bob");
    l.update_case(id, AT, "case.approve", serde_json::json!({}), |c| {
        c.approve("bob", true, "supervisor", AT)
    })
    .unwrap()
    .unwrap()
    .unwrap();
    assert_eq!(l.case(id).unwrap().unwrap().status, Status::Closed);
    assert!(l
        .update_case(999, AT, "x", serde_json::json!({}), |_| Ok(()))
        .unwrap()
        .is_none());
    assert_eq!(l.cases(Some(Status::Open), None, 10).unwrap().len(), 0);
    // A new alert on the closed case's subject opens a new case.
    let (id2, _) = l
        .route_alert(
            "wallet:bc1qexample",
            Alert {
                at: AT.into(),
                source: "screening".into(),
                reference: "un:KPi.033".into(),
                event: None,
                summary: "hit".into(),
                suppressed: false,
            },
        )
        .unwrap();
    assert!(id2 > id);

    // Four-eyes requests.
    l.set_actor("alice");
    let req = l
        .add_request(
            Request::new(
                "release_hold",
                "e2",
                "checked with the customer",
                "alice",
                AT,
            )
            .unwrap(),
        )
        .unwrap();
    assert!(req.id > 0);
    let own = l
        .decide_request(req.id, true, true, "supervisor", AT)
        .unwrap()
        .unwrap();
    assert!(own.is_err(), "the requester may not approve");
    l.set_actor("bob");
    let done = l
        .decide_request(req.id, true, true, "supervisor", AT)
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(done.status, "approved");
    assert_eq!(
        l.requests(Some("approved"), Some("release_hold"), Some("e2"))
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        l.request(req.id).unwrap().unwrap().decided_by.as_deref(),
        Some("bob")
    );

    // The audit log holds every change, chained and matching its head.
    let log = l.audit_entries(0, 1000).unwrap();
    let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "user.add",
            "user.add",
            "token.create",
            "token.revoke",
            "user.disable",
            "decision",
            "decision",
            "case.open",
            "decision",
            "case.alert",
            "case.close_request",
            "case.approve",
            "case.open",
            "request.create",
            "request.approve",
        ],
        "{} backend",
        l.backend()
    );
    assert!(kansa_audit::verify(&log, l.audit_head().unwrap()).is_ok());
    // Opened, joined, close requested, approved: the refused approval
    // left nothing.
    assert_eq!(l.audit_for(&format!("case:{id}")).unwrap().len(), 4);
    let mut n = 0;
    l.for_each_audit(3, |_| -> Result<(), kansa_store::StoreError> {
        n += 1;
        Ok(())
    })
    .unwrap();
    assert_eq!(n, log.len() - 2);
}

#[test]
fn the_ledger_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open_dir(dir.path()).unwrap();
    scenario(&mut s);
}

#[test]
fn the_ledger_on_postgresql() {
    let url = kansa_testdata::pg_schema("ledger");
    let mut l = PgLedger::open(&url).unwrap();
    scenario(&mut l);
    // Opening again finds the schema up to date and the data there.
    let again = PgLedger::open(&url).unwrap();
    assert_eq!(again.decision_count().unwrap(), 3);
    // Quotes, backslashes and other scripts in ids and details come back
    // exactly as they went, and the chain still verifies.
    let hostile = "x'); DELETE FROM audit_log; --\\' 高橋";
    let rows = [decision(hostile, "approve", "c'\\9")];
    assert_eq!(l.record_decisions(&rows, AT).unwrap(), 1);
    let log = l.audit_entries(0, 1000).unwrap();
    let last = log.last().unwrap();
    assert_eq!(last.subject, format!("event:{hostile}"));
    assert!(last.detail.contains("c'\\\\9"), "{}", last.detail);
    assert!(kansa_audit::verify(&log, l.audit_head().unwrap()).is_ok());
    assert_eq!(again.decision_count().unwrap(), 4);
}

#[test]
fn writers_on_postgresql_take_turns_and_never_fork_the_chain() {
    let url = kansa_testdata::pg_schema("writers");
    PgLedger::open(&url).unwrap();
    let threads: Vec<_> = (0..4)
        .map(|w| {
            let url = url.clone();
            std::thread::spawn(move || {
                let mut l = PgLedger::open(&url).unwrap();
                l.set_actor(&format!("writer{w}"));
                for i in 0..50 {
                    let rows = [decision(&format!("w{w}-{i}"), "approve", "c")];
                    assert_eq!(l.record_decisions(&rows, AT).unwrap(), 1);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let l = PgLedger::open(&url).unwrap();
    let log = l.audit_entries(0, 1000).unwrap();
    assert_eq!(log.len(), 200);
    assert!(kansa_audit::verify(&log, l.audit_head().unwrap()).is_ok());
    assert_eq!(l.decision_count().unwrap(), 200);
    // Sequence numbers were committed in order: no reader ever sees a
    // later number before an earlier one.
    let seqs: Vec<i64> = l
        .decisions_after(0, 1000)
        .unwrap()
        .iter()
        .map(|d| d.seq)
        .collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]));
}
