//! Decided events as the store keeps them.

use kansa_monitor::{Decision, Event, EventError, EventType};
use kansa_residency::Sealer;
use kansa_store::StoredDecision;
use serde_json::Value;

/// Event fields that hold personal data: Travel Rule payloads (names,
/// dates of birth, postal addresses, identity documents of originator and
/// beneficiary), a counterparty's name, the customer's IP address. With a
/// data key they are sealed in the stored event, and so are the values of
/// these fields that a fired rule reports in the stored decision.
pub const PERSONAL_FIELDS: [&str; 3] = ["travel_rule", "counterparty_name", "ip"];

/// Whether a rule's reported value (by its path) is personal data.
fn personal_path(path: &str) -> bool {
    path == "counterparty.name"
        || path.strip_prefix("event.").is_some_and(|p| {
            PERSONAL_FIELDS.iter().any(|f| {
                p.strip_prefix(f)
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
            })
        })
}

fn nonce() -> Result<[u8; 12], String> {
    let mut n = [0u8; 12];
    getrandom::fill(&mut n).map_err(|e| format!("the system's random source: {e}"))?;
    Ok(n)
}

/// Seals or opens, in place, every personal value of a stored event
/// (`event`) and of its decision (`decision`). The context of each value
/// names the event and the value's place, so a sealed value moved
/// elsewhere does not open.
fn each_personal(
    event_id: &str,
    event: Option<&mut Value>,
    decision: Option<&mut Value>,
    mut f: impl FnMut(&str, &mut Value) -> Result<(), String>,
) -> Result<(), String> {
    if let Some(Value::Object(o)) = event {
        for field in PERSONAL_FIELDS {
            if let Some(v) = o.get_mut(field) {
                f(&format!("event:{event_id}/{field}"), v)?;
            }
        }
    }
    if let Some(fired) = decision
        .and_then(|d| d.get_mut("fired"))
        .and_then(Value::as_array_mut)
    {
        for (i, rule) in fired.iter_mut().enumerate() {
            let Some(values) = rule.get_mut("values").and_then(Value::as_object_mut) else {
                continue;
            };
            for (path, v) in values.iter_mut().filter(|(p, _)| personal_path(p)) {
                f(&format!("decision:{event_id}/{i}/{path}"), v)?;
            }
        }
    }
    Ok(())
}

fn seal_in(sealer: &Sealer) -> impl FnMut(&str, &mut Value) -> Result<(), String> + '_ {
    move |context, v| {
        if !v.is_null() {
            *v = Value::String(sealer.seal(context, &v.to_string(), nonce()?));
        }
        Ok(())
    }
}

fn open_in(sealer: Option<&Sealer>) -> impl FnMut(&str, &mut Value) -> Result<(), String> + '_ {
    move |context, v| {
        let Some(text) = v.as_str().filter(|t| kansa_residency::is_sealed(t)) else {
            return Ok(());
        };
        let s = sealer.ok_or_else(|| {
            format!("{context} is encrypted at rest; set KANSA_DATA_KEY_FILE (or KANSA_DATA_KEY) to the data key")
        })?;
        let plain = s
            .open(context, text)
            .map_err(|e| format!("{context}: {e}"))?;
        *v = serde_json::from_str(&plain).map_err(|e| format!("{context}: {e}"))?;
        Ok(())
    }
}

/// An event and its decision as the store keeps them: with a data key,
/// their personal values sealed.
pub fn stored_row(
    e: &Event,
    d: &Decision,
    sealer: Option<&Sealer>,
) -> Result<StoredDecision, String> {
    let text = |v: &Value| serde_json::to_string(v).map_err(|e| e.to_string());
    let (event, decision) = match sealer {
        None => (
            serde_json::to_string(&e.raw).map_err(|e| e.to_string())?,
            serde_json::to_string(d).map_err(|e| e.to_string())?,
        ),
        Some(s) => {
            let mut ev = Value::Object(e.raw.clone());
            let mut dv = serde_json::to_value(d).map_err(|e| e.to_string())?;
            each_personal(&e.id, Some(&mut ev), Some(&mut dv), seal_in(s))?;
            (text(&ev)?, text(&dv)?)
        }
    };
    Ok(StoredDecision {
        seq: 0,
        event_id: e.id.clone(),
        time: d.time.clone(),
        kind: e.kind.as_str().to_string(),
        customer: e.customer.clone(),
        outcome: d.outcome.as_str().to_string(),
        score: d.score,
        event,
        decision,
    })
}

fn parse(r: &StoredDecision, what: &str, text: &str) -> Result<Value, String> {
    serde_json::from_str(text).map_err(|e| format!("stored {what} of {}: {e}", r.event_id))
}

/// A stored event as JSON, personal values opened with the data key (an
/// error that says so without it).
pub fn opened_event(r: &StoredDecision, sealer: Option<&Sealer>) -> Result<Value, String> {
    let mut ev = parse(r, "event", &r.event)?;
    each_personal(&r.event_id, Some(&mut ev), None, open_in(sealer))?;
    Ok(ev)
}

/// A stored decision as JSON, personal values opened with the data key.
pub fn opened_decision(r: &StoredDecision, sealer: Option<&Sealer>) -> Result<Value, String> {
    let mut dv = parse(r, "decision", &r.decision)?;
    open_decision(&r.event_id, &mut dv, sealer)?;
    Ok(dv)
}

/// A stored decision's event and decision as JSON, personal values opened.
pub fn opened(r: &StoredDecision, sealer: Option<&Sealer>) -> Result<(Value, Value), String> {
    Ok((opened_event(r, sealer)?, opened_decision(r, sealer)?))
}

/// A stored decision (as kept in the log, or copied from it into a case's
/// evidence) with its personal values opened.
pub fn open_decision(
    event_id: &str,
    decision: &mut Value,
    sealer: Option<&Sealer>,
) -> Result<(), String> {
    each_personal(event_id, None, Some(decision), open_in(sealer))
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
pub fn apply(
    m: &mut kansa_monitor::Monitor,
    r: &StoredDecision,
    sealer: Option<&Sealer>,
) -> Result<(), String> {
    let ev = opened_event(r, sealer)?;
    let e = Event::from_json(ev).map_err(|e| format!("stored event {}: {e}", r.event_id))?;
    m.decide(&e);
    Ok(())
}

/// Decides every stored event again, in the order decided, so that a fresh
/// monitor's windows continue from them; returns the last sequence number.
pub fn replay(
    ledger: &dyn kansa_store::Ledger,
    m: &mut kansa_monitor::Monitor,
    sealer: Option<&Sealer>,
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
            apply(m, r, sealer)?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn personal_paths_are_the_personal_fields_and_below() {
        for p in [
            "event.travel_rule",
            "event.travel_rule.originator",
            "event.counterparty_name",
            "counterparty.name",
            "event.ip",
        ] {
            assert!(personal_path(p), "{p}");
        }
        for p in [
            "event.iptables",
            "event.amount",
            "counterparty.hits",
            "geo.country",
        ] {
            assert!(!personal_path(p), "{p}");
        }
    }

    #[test]
    fn personal_values_are_sealed_in_the_row_and_opened_back() {
        let sealer = Sealer::from_hex(&"ab".repeat(32)).unwrap();
        let e = Event::parse(r#"{"id":"e1","type":"withdrawal","time":"2024-06-01T00:00:00Z","customer":"c1","asset":"BTC","amount":"1","counterparty_name":"Kim Jong Un","ip":"203.0.113.9","travel_rule":{"originator":{"name":"TAKAHASHI Taro"}}}"#).unwrap();
        let pack = kansa_monitor::RulePack::parse(
            "[[scenario]]\nid = \"s\"\n[[scenario.rule]]\nid = \"named\"\nwhen = \"event.counterparty_name != ''\"\nscore = 1\nshow = [\"event.amount\"]\n",
            "t.toml",
        )
        .unwrap();
        let mut m = kansa_monitor::Monitor::new(pack, Box::new(kansa_monitor::NoScreening));
        let d = m.decide(&e);
        assert!(
            d.fired[0].values.contains_key("event.counterparty_name"),
            "{d:?}"
        );
        let plain = stored_row(&e, &d, None).unwrap();
        assert!(plain.decision.contains("Kim Jong Un"));
        let row = stored_row(&e, &d, Some(&sealer)).unwrap();
        for secret in ["Kim Jong Un", "TAKAHASHI", "203.0.113.9"] {
            assert!(!row.event.contains(secret), "{}", row.event);
            assert!(!row.decision.contains(secret), "{}", row.decision);
        }
        // What is not personal stays readable (the amount the rule shows).
        assert!(row.decision.contains("event.amount"));
        let (ev, dv) = opened(&row, Some(&sealer)).unwrap();
        assert_eq!(ev, Value::Object(e.raw.clone()));
        assert_eq!(dv, serde_json::to_value(&d).unwrap());
        let err = opened(&row, None).unwrap_err();
        assert!(err.contains("KANSA_DATA_KEY_FILE"), "{err}");
        // A sealed value moved to another event does not open.
        let mut moved = row.clone();
        moved.event_id = "e2".into();
        assert!(opened(&moved, Some(&sealer)).is_err());
    }
}
