#![allow(clippy::unwrap_used)]
//! Cases as stories: alerts open and join, four eyes on closing and on
//! requests, suppressions only from a reviewed false positive, bounded and
//! ending on their day.

mod report;

use kansa_cases::{day_after, route, Alert, Case, CaseError, Request, Routing, Status, Verdict};

fn alert(at: &str, reference: &str) -> Alert {
    Alert {
        at: at.into(),
        source: "screening".into(),
        reference: reference.into(),
        summary: format!("hit on {reference}"),
        event: None,
        suppressed: false,
    }
}

const T0: &str = "2026-11-01T09:00:00Z";
const T1: &str = "2026-11-02T09:00:00Z";

#[test]
fn alerts_open_then_join_one_case_per_subject() {
    let a = alert(T0, "un:KPi.033");
    assert_eq!(route(&[], &a), Routing::Open);
    let mut c = Case::open(1, "customer:C1", T0);
    c.add_alert(a).unwrap();
    assert_eq!(
        route(&[c.clone()], &alert(T1, "ofac-sdn:1")),
        Routing::Join(1)
    );
}

#[test]
fn closing_needs_a_second_different_supervisor() {
    let mut c = Case::open(1, "customer:C1", T0);
    c.add_alert(alert(T0, "un:KPi.033")).unwrap();
    c.note("alice", "name and date of birth differ", T0)
        .unwrap();
    assert_eq!(c.note("alice", "  ", T0), Err(CaseError::NoReason));
    c.request_close(
        "alice",
        Verdict::FalsePositive,
        "different person",
        None,
        T0,
    )
    .unwrap();
    assert_eq!(c.status, Status::PendingApproval);
    assert!(matches!(
        c.request_close("bob", Verdict::TrueMatch, "x", None, T0),
        Err(CaseError::AlreadyPending(_))
    ));
    assert_eq!(
        c.approve("alice", true, "supervisor", T1),
        Err(CaseError::SamePerson("alice".into()))
    );
    assert_eq!(
        c.approve("carol", false, "analyst", T1),
        Err(CaseError::NotApprover("analyst".into()))
    );
    assert_eq!(c.status, Status::PendingApproval);
    c.approve("bob", true, "supervisor", T1).unwrap();
    assert_eq!(c.status, Status::Closed);
    let cl = c.closure.clone().unwrap();
    assert_eq!(
        (cl.requested_by.as_str(), cl.approved_by.as_str()),
        ("alice", "bob")
    );
    assert_eq!(c.note("bob", "late", T1), Err(CaseError::Closed));
    assert_eq!(
        c.approve("bob", true, "supervisor", T1),
        Err(CaseError::NothingPending)
    );
}

#[test]
fn a_rejected_request_reopens_the_case() {
    let mut c = Case::open(1, "wallet:0xabc", T0);
    c.request_close("alice", Verdict::TrueMatch, "listed wallet", None, T0)
        .unwrap();
    c.reject("bob", true, "supervisor", "attach the trace first", T1)
        .unwrap();
    assert_eq!(c.status, Status::Open);
    assert!(c.notes.last().unwrap().text.contains("attach the trace"));
}

#[test]
fn suppressions_come_only_from_reviewed_false_positives_and_end() {
    let mut c = Case::open(7, "customer:C1", T0);
    c.add_alert(alert(T0, "un:KPi.033")).unwrap();
    assert_eq!(
        c.request_close(
            "alice",
            Verdict::TrueMatch,
            "it is him",
            Some((30, "x")),
            T0
        ),
        Err(CaseError::SuppressionNeedsFalsePositive)
    );
    assert_eq!(
        c.request_close(
            "alice",
            Verdict::FalsePositive,
            "not him",
            Some((181, "x")),
            T0
        ),
        Err(CaseError::SuppressionLength(181))
    );
    assert_eq!(
        c.request_close(
            "alice",
            Verdict::FalsePositive,
            "not him",
            Some((30, " ")),
            T0
        ),
        Err(CaseError::NoReason)
    );
    // Not yet approved: no suppression.
    c.request_close(
        "alice",
        Verdict::FalsePositive,
        "not him",
        Some((30, "DOB differs by 20 years")),
        T0,
    )
    .unwrap();
    assert!(!c.suppresses("un:KPi.033", T1));
    c.approve("bob", true, "supervisor", T1).unwrap();
    let s = c.suppression.clone().unwrap();
    assert_eq!(s.until, "2026-12-02");
    assert_eq!(s.references, ["un:KPi.033"]);
    let cases = [c];
    // The same hit within the period: recorded, nothing opened.
    assert_eq!(
        route(&cases, &alert("2026-12-02T23:00:00Z", "un:KPi.033")),
        Routing::Suppressed(7)
    );
    // After it, or another entity: a new case.
    assert_eq!(
        route(&cases, &alert("2026-12-03T00:00:00Z", "un:KPi.033")),
        Routing::Open
    );
    assert_eq!(route(&cases, &alert(T1, "ofac-sdn:36")), Routing::Open);
    assert_eq!(
        day_after("2026-12-31T10:00:00Z", 180).unwrap(),
        "2027-06-29"
    );
    assert_eq!(day_after("2028-02-28T00:00:00Z", 1).unwrap(), "2028-02-29");
}

#[test]
fn requests_need_four_eyes() {
    let mut r = Request::new(
        "release_hold",
        "w-17",
        "customer called, verified",
        "alice",
        T0,
    )
    .unwrap();
    assert_eq!(
        r.decide(true, "alice", true, "supervisor", T1),
        Err(CaseError::SamePerson("alice".into()))
    );
    r.decide(true, "bob", true, "supervisor", T1).unwrap();
    assert_eq!(r.status, "approved");
    assert_eq!(
        r.decide(false, "carol", true, "supervisor", T1),
        Err(CaseError::NothingPending)
    );
    assert!(Request::new("drop_tables", "x", "y", "alice", T0).is_err());
    assert_eq!(
        Request::new("lift_breaker", "hot-1", "", "alice", T0),
        Err(CaseError::NoReason)
    );
}
