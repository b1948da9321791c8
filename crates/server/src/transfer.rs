//! Travel Rule data leaving the country. A withdrawal that carries IVMS101
//! data (`travel_rule`) for a counterparty VASP of the directory in
//! another country sends personal data abroad: the deployment's residency
//! policy must allow it on the basis the event names
//! (`travel_rule_basis`: consent, adequacy or equivalent_safeguards;
//! `travel_rule_reference`: the consent record or contract). The decision
//! gets a `data_residency` control either way: allowed (with its basis,
//! and so audited with the decision), or refused, which holds the
//! withdrawal (the data must not be sent, so the transfer cannot go) and
//! raises a case alert like any hold.

use kansa_monitor::travel::Vasp;
use kansa_monitor::{Control, Decision, Event, EventType, Outcome};
use kansa_residency::{Basis, Policy, Transfer};

/// The control's name in decisions.
pub const CONTROL: &str = "data_residency";

/// The residency control for `e`, if it sends Travel Rule data abroad.
pub fn control(policy: &Policy, directory: &[Vasp], e: &Event) -> Option<Control> {
    if !matches!(e.kind, EventType::Withdrawal | EventType::Transfer) {
        return None;
    }
    e.raw.get("travel_rule")?;
    let id = e.raw.get("counterparty_vasp")?.as_str()?;
    let vasp = directory.iter().find(|v| v.id == id)?;
    let to = vasp.country.trim().to_ascii_uppercase();
    if to == policy.region {
        return None;
    }
    let text = |k: &str| e.raw.get(k).and_then(|v| v.as_str()).map(str::to_string);
    let named = text("travel_rule_basis");
    let basis = named.as_deref().and_then(Basis::parse);
    let checked = match (&named, basis) {
        (Some(b), None) => Err(format!(
            "travel_rule_basis {b:?}: consent, adequacy or equivalent_safeguards"
        )),
        _ => policy
            .check(&Transfer {
                to: to.clone(),
                basis,
                reference: text("travel_rule_reference"),
                purpose: "travel-rule".into(),
            })
            .map_err(|r| r.0),
    };
    let from = &policy.region;
    Some(match checked {
        Ok(permit) => Control {
            control: CONTROL.into(),
            outcome: Outcome::Approve,
            detail: format!(
                "Travel Rule data to {} ({from} → {to}) on {}{}",
                vasp.name,
                permit.basis.map(Basis::as_str).unwrap_or("home"),
                permit
                    .reference
                    .map(|r| format!(" ({r})"))
                    .unwrap_or_default()
            ),
        },
        Err(why) => Control {
            control: CONTROL.into(),
            outcome: Outcome::Hold,
            detail: format!(
                "Travel Rule data for {} ({from} → {to}) may not be sent: {why}",
                vasp.name
            ),
        },
    })
}

/// Adds the residency control to `d`; a refusal raises it to a hold.
pub fn apply(policy: &Policy, directory: &[Vasp], e: &Event, d: &mut Decision) {
    if let Some(c) = control(policy, directory, e) {
        d.outcome = d.outcome.max(c.outcome);
        d.controls.push(c);
    }
}
