//! The hash chain catches every alteration, removal and reordering.

use kansa_audit::{verify, Break, Entry, Record, Verifier, GENESIS};
use serde_json::json;

fn log(n: usize) -> Vec<Entry> {
    let mut out: Vec<Entry> = Vec::new();
    for i in 0..n {
        let head = out.last().map(|e| (e.seq, e.hash));
        let r = Record::new(
            if i % 2 == 0 { "alice" } else { "bob" },
            "case.note",
            format!("case-{}", i / 3),
            json!({ "note": format!("note {i}"), "n": i }),
        );
        out.push(Entry::append(
            head,
            &format!("2026-11-22T10:00:{:02}Z", i % 60),
            &r,
        ));
    }
    out
}

fn head(l: &[Entry]) -> Option<(i64, [u8; 32])> {
    l.last().map(|e| (e.seq, e.hash))
}

#[test]
fn an_intact_log_verifies() {
    let l = log(10);
    assert_eq!(l[0].prev, GENESIS);
    assert_eq!(l[9].seq, 10);
    let v = verify(&l, head(&l)).expect("intact");
    assert_eq!(v.entries, 10);
    assert_eq!(v.last_hash, l[9].hash);
    // Empty log, no head.
    assert_eq!(verify(&[], None).expect("empty").entries, 0);
}

#[test]
fn each_field_is_covered_by_the_hash() {
    let l = log(5);
    let h = head(&l);
    for field in 0..5 {
        let mut t = l.clone();
        let e = &mut t[2];
        match field {
            0 => e.at.push('0'),
            1 => e.actor = "mallory".into(),
            2 => e.action = "case.close".into(),
            3 => e.subject = "case-9".into(),
            _ => e.detail = e.detail.replace("note 2", "note X"),
        }
        assert_eq!(
            verify(&t, h),
            Err(Break::Altered { seq: 3 }),
            "field {field}"
        );
    }
    // Moving bytes between fields changes the hash (length prefixes).
    let a = kansa_audit::digest(&GENESIS, "ab", "c", "x", "y", "{}");
    let b = kansa_audit::digest(&GENESIS, "a", "bc", "x", "y", "{}");
    assert_ne!(a, b);
}

#[test]
fn an_altered_entry_with_a_recomputed_hash_breaks_the_next_link() {
    let l = log(6);
    let mut t = l.clone();
    t[2].detail = json!({"note": "nothing to see"}).to_string();
    t[2].hash = t[2].recompute();
    assert_eq!(verify(&t, head(&l)), Err(Break::Unlinked { seq: 4 }));
    // Rewriting the last entry is caught by the head.
    let mut t = l.clone();
    t[5].actor = "mallory".into();
    t[5].hash = t[5].recompute();
    let err = verify(&t, head(&l)).expect_err("head");
    assert!(matches!(err, Break::HeadMismatch { seq: 6, .. }), "{err}");
}

#[test]
fn removals_are_caught() {
    let l = log(8);
    let h = head(&l);
    // A middle entry removed.
    let mut t = l.clone();
    t.remove(3);
    assert_eq!(verify(&t, h), Err(Break::Missing { from: 4, to: 4 }));
    // Removed and the rest renumbered.
    for (i, e) in t.iter_mut().enumerate() {
        e.seq = i as i64 + 1;
    }
    assert_eq!(verify(&t, h), Err(Break::Unlinked { seq: 4 }));
    // The first entry removed.
    let t: Vec<Entry> = l[1..].to_vec();
    assert_eq!(verify(&t, h), Err(Break::Missing { from: 1, to: 1 }));
    // The last two removed: only the head tells.
    let t: Vec<Entry> = l[..6].to_vec();
    assert!(verify(&t, None).is_ok());
    assert_eq!(verify(&t, h), Err(Break::Truncated { last: 6, head: 8 }));
    assert_eq!(Break::Truncated { last: 6, head: 8 }.seq(), 7);
}

#[test]
fn reorderings_are_caught() {
    let l = log(8);
    let h = head(&l);
    // Two entries swapped in place.
    let mut t = l.clone();
    t.swap(2, 5);
    assert_eq!(verify(&t, h), Err(Break::Missing { from: 3, to: 5 }));
    // Moved back: an earlier entry after a later one.
    let mut t = l.clone();
    let e = t.remove(1);
    t.insert(4, e);
    assert_eq!(verify(&t, h), Err(Break::Missing { from: 2, to: 2 }));
    let mut v = Verifier::new();
    for e in &l[..4] {
        v.push(e).expect("in order");
    }
    assert_eq!(v.push(&l[1]), Err(Break::OutOfOrder { seq: 2, after: 4 }));
    // Moved and renumbered to look in order.
    for (i, e) in t.iter_mut().enumerate() {
        e.seq = i as i64 + 1;
    }
    assert_eq!(verify(&t, h), Err(Break::Unlinked { seq: 2 }));
    // Swapped and renumbered.
    let mut t = l.clone();
    t.swap(2, 5);
    for (i, e) in t.iter_mut().enumerate() {
        e.seq = i as i64 + 1;
    }
    assert_eq!(verify(&t, h), Err(Break::Unlinked { seq: 3 }));
}

#[test]
fn verification_resumes_after_a_trusted_entry() {
    let l = log(10);
    let mut v = Verifier::after(l[4].seq, l[4].hash);
    for e in &l[5..] {
        v.push(e).expect("continues");
    }
    assert_eq!(v.position(), (10, l[9].hash));
    let mut v = Verifier::after(l[4].seq, l[3].hash);
    assert_eq!(v.push(&l[5]), Err(Break::Unlinked { seq: 6 }));
}

#[test]
fn entries_round_trip_through_json() {
    let l = log(3);
    let text = serde_json::to_string(&l[1]).expect("json");
    assert!(text.contains(&kansa_audit::to_hex(&l[1].prev)));
    let back: Entry = serde_json::from_str(&text).expect("parse");
    assert_eq!(back, l[1]);
    let bad = text.replace(&kansa_audit::to_hex(&l[1].hash), "zz");
    assert!(serde_json::from_str::<Entry>(&bad).is_err());
    assert_eq!(kansa_audit::parse_hash("é".repeat(32).as_str()), None);
}
