//! Decided events as the store keeps them.

use kansa_monitor::{Decision, Event, EventError, EventType};
use kansa_store::StoredDecision;

/// An event and its decision as the store keeps them.
pub fn stored_row(e: &Event, d: &Decision) -> Result<StoredDecision, serde_json::Error> {
    Ok(StoredDecision {
        seq: 0,
        event_id: e.id.clone(),
        time: d.time.clone(),
        kind: e.kind.as_str().to_string(),
        customer: e.customer.clone(),
        outcome: d.outcome.as_str().to_string(),
        score: d.score,
        event: serde_json::to_string(&e.raw)?,
        decision: serde_json::to_string(d)?,
    })
}

/// An event as a client sends it (HTTP or NATS). Approval events are
/// refused: the service makes them itself when a second person approves a
/// `lift_breaker` or `publish_rules` request, so that no single caller
/// releases a breaker or changes the rules.
pub fn client_event(text: &str) -> Result<Event, EventError> {
    let e = Event::parse(text)?;
    if e.kind == EventType::Approval {
        return Err(EventError {
            field: Some("type".into()),
            message: "approval events come from approved four-eyes requests (POST /v1/requests with kind lift_breaker or publish_rules)".into(),
        });
    }
    Ok(e)
}

/// Decides a stored event again, so that the monitor's windows hold it.
pub fn apply(m: &mut kansa_monitor::Monitor, r: &StoredDecision) -> Result<(), String> {
    let e = Event::parse(&r.event).map_err(|e| format!("stored event {}: {e}", r.event_id))?;
    m.decide(&e);
    Ok(())
}

/// Decides every stored event again, in the order decided, so that a fresh
/// monitor's windows continue from them; returns the last sequence number.
pub fn replay(
    ledger: &dyn kansa_store::Ledger,
    m: &mut kansa_monitor::Monitor,
) -> Result<i64, String> {
    use kansa_store::LedgerExt;
    let mut after = 0;
    loop {
        let rows = ledger
            .decisions_after(after, 10_000)
            .map_err(|e| e.to_string())?;
        let Some(last) = rows.last() else {
            return Ok(after);
        };
        after = last.seq;
        for r in &rows {
            apply(m, r)?;
        }
    }
}
