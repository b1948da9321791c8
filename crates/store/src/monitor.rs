//! Decided events: the event as received and its decision, appended in
//! the order decided. The log is what a restarted monitor replays to
//! rebuild its windows, and what makes decisions idempotent across runs.

use crate::audit::append_in;
use crate::{Store, StoreError};
use kansa_audit::{to_hex, Record};
use rusqlite::{params, OptionalExtension};

/// The alert a stored decision raises, and the subject whose case it goes
/// to: none for an approval without alerts.
pub fn decision_alert(r: &StoredDecision, at: &str) -> Option<(String, kansa_cases::Alert)> {
    let d: serde_json::Value = serde_json::from_str(&r.decision).ok()?;
    let alerts = d["alerts"].as_array().map(Vec::len).unwrap_or(0);
    if r.outcome == "approve" && alerts == 0 {
        return None;
    }
    let e: serde_json::Value = serde_json::from_str(&r.event).ok()?;
    let subject = match (&r.customer, e["address"].as_str(), e["wallet"].as_str()) {
        (Some(c), _, _) => format!("customer:{c}"),
        (None, Some(a), _) => format!("wallet:{a}"),
        (None, None, Some(w)) => format!("wallet:{w}"),
        _ => format!("event:{}", r.event_id),
    };
    let mut why: Vec<String> = Vec::new();
    for f in d["fired"].as_array().into_iter().flatten() {
        why.push(format!(
            "rule:{}/{}",
            f["scenario"].as_str().unwrap_or(""),
            f["rule"].as_str().unwrap_or("")
        ));
    }
    for c in d["controls"].as_array().into_iter().flatten() {
        why.push(format!("control:{}", c["control"].as_str().unwrap_or("")));
    }
    for a in d["alerts"].as_array().into_iter().flatten() {
        why.push(format!("alert:{}", a["kind"].as_str().unwrap_or("")));
    }
    let reference = why
        .first()
        .cloned()
        .unwrap_or_else(|| format!("outcome:{}", r.outcome));
    Some((
        subject,
        kansa_cases::Alert {
            at: at.to_string(),
            source: "decision".into(),
            reference,
            summary: format!(
                "{} {} (score {}): {}",
                r.kind,
                r.outcome,
                r.score,
                why.join(", ")
            ),
            suppressed: false,
            event: Some(r.event_id.clone()),
        },
    ))
}

/// The audit record of a stored decision: subject `event:<id>`.
pub fn decision_record(r: &StoredDecision, actor: &str) -> Record {
    Record::new(
        actor,
        "decision",
        format!("event:{}", r.event_id),
        serde_json::json!({
            "outcome": r.outcome,
            "score": r.score,
            "type": r.kind,
            "customer": r.customer,
            "event_sha256": to_hex(&kansa_audit::sha256(r.event.as_bytes())),
            "decision_sha256": to_hex(&kansa_audit::sha256(r.decision.as_bytes())),
        }),
    )
}

/// One decided event as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredDecision {
    pub seq: i64,
    pub event_id: String,
    pub time: String,
    pub kind: String,
    pub customer: Option<String>,
    pub outcome: String,
    pub score: i64,
    /// The event's JSON as received.
    pub event: String,
    /// The decision's JSON.
    pub decision: String,
}

impl Store {
    /// Appends decided events in one transaction: all of them land or none.
    /// An event id already stored is left as it is (the first decision
    /// stands); returns how many were new. Each new decision is audited in
    /// the same transaction with the SHA-256 of its stored JSON, so that a
    /// decision changed afterwards no longer matches its audit entry.
    pub fn record_decisions(
        &mut self,
        rows: &[StoredDecision],
        at: &str,
    ) -> Result<usize, StoreError> {
        let actor = self.actor.clone();
        let actors = vec![actor.as_str(); rows.len()];
        self.record_decisions_by(rows, &actors, at)
    }

    /// As [`Store::record_decisions`], each row audited as done by its own
    /// actor (`actors[i]` for `rows[i]`): a batch of requests from several
    /// callers committed together.
    pub fn record_decisions_by(
        &mut self,
        rows: &[StoredDecision],
        actors: &[&str],
        at: &str,
    ) -> Result<usize, StoreError> {
        let tx = self.write_tx()?;
        let mut audit = Vec::with_capacity(rows.len());
        let mut added: Vec<(&StoredDecision, &str)> = Vec::new();
        {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO monitor_events
                 (event_id, time, type, customer, outcome, score, event, decision)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT (event_id) DO NOTHING",
            )?;
            for (r, actor) in rows.iter().zip(actors) {
                if stmt.execute(params![
                    r.event_id, r.time, r.kind, r.customer, r.outcome, r.score, r.event, r.decision
                ])? == 1
                {
                    audit.push(decision_record(r, actor));
                    added.push((r, *actor));
                }
            }
        }
        append_in(&tx, at, &audit)?;
        // Decisions stored now that are not a plain approval raise an alert
        // on the customer's (else the wallet's) case, in the same
        // transaction; a repeated event id raises nothing.
        for (r, actor) in added {
            if let Some((subject, alert)) = decision_alert(r, at) {
                crate::cases::route_alert_in(&tx, actor, &subject, alert)?;
            }
        }
        tx.commit()?;
        Ok(audit.len())
    }

    /// The stored decision of an event id.
    pub fn decision(&self, event_id: &str) -> Result<Option<StoredDecision>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT seq, event_id, time, type, customer, outcome, score, event, decision
                 FROM monitor_events WHERE event_id = ?1",
                [event_id],
                row,
            )
            .optional()?)
    }

    /// Every decided event after `after_seq`, in the order decided.
    pub fn decisions_after(
        &self,
        after_seq: i64,
        limit: usize,
    ) -> Result<Vec<StoredDecision>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT seq, event_id, time, type, customer, outcome, score, event, decision
             FROM monitor_events WHERE seq > ?1 ORDER BY seq LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![after_seq, limit as i64], row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// How many events are stored.
    pub fn decision_count(&self) -> Result<u64, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT COUNT(*) FROM monitor_events", [], |r| {
                r.get::<_, i64>(0)
            })? as u64)
    }
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredDecision> {
    Ok(StoredDecision {
        seq: r.get(0)?,
        event_id: r.get(1)?,
        time: r.get(2)?,
        kind: r.get(3)?,
        customer: r.get(4)?,
        outcome: r.get(5)?,
        score: r.get(6)?,
        event: r.get(7)?,
        decision: r.get(8)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(id: &str, outcome: &str) -> StoredDecision {
        StoredDecision {
            seq: 0,
            event_id: id.into(),
            time: "2024-06-01T00:00:00Z".into(),
            kind: "login".into(),
            customer: Some("c1".into()),
            outcome: outcome.into(),
            score: 0,
            event: "{}".into(),
            decision: "{}".into(),
        }
    }

    const AT: &str = "2026-11-22T00:00:00Z";

    #[test]
    fn the_first_decision_stands_and_a_bad_row_lands_nothing() {
        let mut s = Store::open_in_memory().expect("store");
        assert_eq!(
            s.record_decisions(&[d("a", "approve"), d("b", "hold")], AT)
                .expect("record"),
            2
        );
        assert_eq!(
            s.record_decisions(&[d("a", "block")], AT).expect("record"),
            0
        );
        assert_eq!(
            s.decision("a").expect("get").map(|x| x.outcome),
            Some("approve".into())
        );
        // An outcome the schema refuses rolls the whole batch back.
        assert!(s
            .record_decisions(&[d("c", "hold"), d("e", "maybe")], AT)
            .is_err());
        assert_eq!(s.decision("c").expect("get"), None);
        let all = s.decisions_after(0, 10).expect("list");
        assert_eq!(
            all.iter().map(|x| x.event_id.as_str()).collect::<Vec<_>>(),
            ["a", "b"]
        );
        assert_eq!(s.decision_count().expect("count"), 2);
        // One audit entry per decision stored, and the held one opened a
        // case; nothing for the repeat or the refused batch.
        let log = s.audit_entries(0, 10).expect("audit");
        assert_eq!(
            log.iter()
                .map(|e| (e.action.as_str(), e.subject.as_str()))
                .collect::<Vec<_>>(),
            [
                ("decision", "event:a"),
                ("decision", "event:b"),
                ("case.open", "case:1")
            ]
        );
        assert_eq!(
            s.case(1).expect("case").expect("opened").subject,
            "customer:c1"
        );
        assert!(kansa_audit::verify(&log, s.audit_head().expect("head")).is_ok());
    }
}
