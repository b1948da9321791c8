//! Decided events: the event as received and its decision, appended in
//! the order decided. The log is what a restarted monitor replays to
//! rebuild its windows, and what makes decisions idempotent across runs.

use crate::audit::append;
use crate::sql::{placeholders, Row, Sql, Value, ROWS_PER_INSERT};
use crate::{vals, StoreError};
use kansa_audit::{to_hex, Record};

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
    let mut detail = serde_json::json!({
        "outcome": r.outcome,
        "score": r.score,
        "type": r.kind,
        "customer": r.customer,
        "event_sha256": to_hex(&kansa_audit::sha256(r.event.as_bytes())),
        "decision_sha256": to_hex(&kansa_audit::sha256(r.decision.as_bytes())),
    });
    // Personal data sent abroad (Travel Rule), or refused: in the entry
    // itself, for an inspector reading the log.
    if r.decision.contains("\"data_residency\"") {
        if let Ok(d) = serde_json::from_str::<serde_json::Value>(&r.decision) {
            if let Some(c) = d["controls"]
                .as_array()
                .and_then(|cs| cs.iter().find(|c| c["control"] == "data_residency"))
            {
                detail["transfer"] = c.clone();
            }
        }
    }
    Record::new(actor, "decision", format!("event:{}", r.event_id), detail)
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

const DECISION_COLUMNS: &str =
    "seq, event_id, time, type, customer, outcome, score, event, decision";

/// Appends decided events inside a write transaction. An event id already
/// stored is left as it is (the first decision stands). Each new decision
/// is audited with the SHA-256 of its stored JSON (so that a decision
/// changed afterwards no longer matches its audit entry), as done by its
/// own actor (`actors[i]` for `rows[i]`), and a decision that is not a
/// plain approval raises an alert on the customer's (else the wallet's)
/// case. Returns, for each row, its sequence number if it was stored now.
pub fn record(
    sql: &mut dyn Sql,
    rows: &[StoredDecision],
    actors: &[&str],
    at: &str,
) -> Result<Vec<Option<i64>>, StoreError> {
    let mut seq_of: std::collections::HashMap<String, i64> = std::collections::HashMap::new();
    for chunk in rows.chunks(ROWS_PER_INSERT) {
        let mut params = Vec::with_capacity(chunk.len() * 8);
        for r in chunk {
            params.extend([
                Value::from(&r.event_id),
                Value::from(&r.time),
                Value::from(&r.kind),
                Value::from(r.customer.as_deref()),
                Value::from(&r.outcome),
                Value::from(r.score),
                Value::from(&r.event),
                Value::from(&r.decision),
            ]);
        }
        // Rows are inserted in the order given, so sequence numbers follow
        // the batch's order.
        let stored = sql.query(
            &format!(
                "INSERT INTO monitor_events
                 (event_id, time, type, customer, outcome, score, event, decision)
                 VALUES {} ON CONFLICT (event_id) DO NOTHING RETURNING seq, event_id",
                placeholders(chunk.len(), 8)
            ),
            &params,
        )?;
        for row in stored {
            seq_of.insert(row.text(1)?, row.int(0)?);
        }
    }
    let mut audit = Vec::with_capacity(rows.len());
    let mut added: Vec<(&StoredDecision, &str)> = Vec::new();
    let mut seqs = Vec::with_capacity(rows.len());
    for (r, actor) in rows.iter().zip(actors) {
        // A repeated id inside the batch is stored once, as its first row.
        match seq_of.remove(&r.event_id) {
            Some(seq) => {
                seqs.push(Some(seq));
                audit.push(decision_record(r, actor));
                added.push((r, *actor));
            }
            None => seqs.push(None),
        }
    }
    append(sql, at, &audit)?;
    for (r, actor) in added {
        if let Some((subject, alert)) = decision_alert(r, at) {
            crate::cases::route_alert(sql, actor, &subject, alert)?;
        }
    }
    Ok(seqs)
}

/// The stored decision of an event id.
pub(crate) fn get(sql: &mut dyn Sql, event_id: &str) -> Result<Option<StoredDecision>, StoreError> {
    sql.query_opt(
        &format!("SELECT {DECISION_COLUMNS} FROM monitor_events WHERE event_id = ?1"),
        vals![event_id],
    )?
    .as_ref()
    .map(row)
    .transpose()
}

/// The stored decisions among `event_ids` (one query per chunk).
pub fn among(
    sql: &mut dyn Sql,
    event_ids: &[&str],
) -> Result<std::collections::HashMap<String, StoredDecision>, StoreError> {
    let mut out = std::collections::HashMap::new();
    for chunk in event_ids.chunks(ROWS_PER_INSERT) {
        let params: Vec<Value> = chunk.iter().map(|id| Value::from(*id)).collect();
        let marks = (1..=chunk.len())
            .map(|i| format!("?{i}"))
            .collect::<Vec<_>>()
            .join(", ");
        for r in sql.query(
            &format!("SELECT {DECISION_COLUMNS} FROM monitor_events WHERE event_id IN ({marks})"),
            &params,
        )? {
            let d = row(&r)?;
            out.insert(d.event_id.clone(), d);
        }
    }
    Ok(out)
}

/// Every decided event after `after_seq`, in the order decided.
pub fn after(
    sql: &mut dyn Sql,
    after_seq: i64,
    limit: usize,
) -> Result<Vec<StoredDecision>, StoreError> {
    sql.query(
        &format!(
            "SELECT {DECISION_COLUMNS} FROM monitor_events WHERE seq > ?1 ORDER BY seq LIMIT ?2"
        ),
        vals![after_seq, limit as i64],
    )?
    .iter()
    .map(row)
    .collect()
}

/// How many events are stored.
pub(crate) fn count(sql: &mut dyn Sql) -> Result<u64, StoreError> {
    let n = sql
        .query_opt("SELECT COUNT(*) FROM monitor_events", &[])?
        .map(|r| r.int(0))
        .transpose()?;
    Ok(n.unwrap_or(0) as u64)
}

fn row(r: &Row) -> Result<StoredDecision, StoreError> {
    Ok(StoredDecision {
        seq: r.int(0)?,
        event_id: r.text(1)?,
        time: r.text(2)?,
        kind: r.text(3)?,
        customer: r.opt_text(4)?,
        outcome: r.text(5)?,
        score: r.int(6)?,
        event: r.text(7)?,
        decision: r.text(8)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{LedgerExt, Store};

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
