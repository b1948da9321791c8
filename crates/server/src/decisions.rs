//! Decided events as the store keeps them.

use kansa_monitor::{Decision, Event};
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

/// Decides every stored event again, in the order decided, so that a fresh
/// monitor's windows continue from them; returns how many.
pub fn replay(store: &kansa_store::Store, m: &mut kansa_monitor::Monitor) -> Result<u64, String> {
    let mut after = 0;
    let mut n = 0;
    loop {
        let rows = store
            .decisions_after(after, 10_000)
            .map_err(|e| e.to_string())?;
        let Some(last) = rows.last() else {
            return Ok(n);
        };
        after = last.seq;
        for r in rows {
            let e =
                Event::parse(&r.event).map_err(|e| format!("stored event {}: {e}", r.event_id))?;
            m.decide(&e);
            n += 1;
        }
    }
}
