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
