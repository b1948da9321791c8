//! What changed between two snapshots of one source: entities added,
//! removed and changed, and for a changed entity which fields changed and
//! how (values added and removed), so that only the customers touched by a
//! change need re-screening.

use kansa_model::{Entity, EntityId, EntityKind};
use serde::Serialize;
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EntitySummary {
    pub id: EntityId,
    pub kind: EntityKind,
    pub name: Option<String>,
}

impl From<&Entity> for EntitySummary {
    fn from(e: &Entity) -> Self {
        EntitySummary {
            id: e.id.clone(),
            kind: e.kind,
            name: e.primary_name().map(str::to_string),
        }
    }
}

/// One field of a changed entity: values only in the new version
/// (`added`) and only in the old one (`removed`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldChange {
    pub field: &'static str,
    pub added: Vec<String>,
    pub removed: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EntityChange {
    pub id: EntityId,
    pub name: Option<String>,
    pub fields: Vec<FieldChange>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SnapshotDiff {
    pub source: String,
    pub old_snapshot: i64,
    pub new_snapshot: i64,
    pub added: Vec<EntitySummary>,
    pub removed: Vec<EntitySummary>,
    pub changed: Vec<EntityChange>,
    pub unchanged: u64,
}

fn values(v: &Value) -> Vec<String> {
    match v {
        Value::Null => Vec::new(),
        Value::Array(a) => a.iter().map(render).collect(),
        other => vec![render(other)],
    }
}

fn render(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The field-level difference between two versions of one entity.
pub fn entity_change(old: &Entity, new: &Entity) -> EntityChange {
    let (o, n) = (
        serde_json::to_value(old).unwrap_or(Value::Null),
        serde_json::to_value(new).unwrap_or(Value::Null),
    );
    let fields = old
        .changed_fields(new)
        .into_iter()
        .map(|field| {
            let ov = values(o.get(field).unwrap_or(&Value::Null));
            let nv = values(n.get(field).unwrap_or(&Value::Null));
            FieldChange {
                field,
                added: nv.iter().filter(|x| !ov.contains(x)).cloned().collect(),
                removed: ov.iter().filter(|x| !nv.contains(x)).cloned().collect(),
            }
        })
        .collect();
    EntityChange {
        id: new.id.clone(),
        name: new.primary_name().map(str::to_string),
        fields,
    }
}

/// Diffs two whole snapshots held in memory (the store diffs by content
/// hash instead and calls [`entity_change`] only for changed entities).
pub fn diff_entities(
    source: &str,
    old_id: i64,
    new_id: i64,
    old: &[Entity],
    new: &[Entity],
) -> SnapshotDiff {
    use std::collections::BTreeMap;
    let om: BTreeMap<&EntityId, &Entity> = old.iter().map(|e| (&e.id, e)).collect();
    let nm: BTreeMap<&EntityId, &Entity> = new.iter().map(|e| (&e.id, e)).collect();
    let mut d = SnapshotDiff {
        source: source.to_string(),
        old_snapshot: old_id,
        new_snapshot: new_id,
        added: Vec::new(),
        removed: Vec::new(),
        changed: Vec::new(),
        unchanged: 0,
    };
    for (id, e) in &nm {
        match om.get(id) {
            None => d.added.push(EntitySummary::from(*e)),
            Some(o) if *o != *e => d.changed.push(entity_change(o, e)),
            Some(_) => d.unchanged += 1,
        }
    }
    for (id, e) in &om {
        if !nm.contains_key(id) {
            d.removed.push(EntitySummary::from(*e));
        }
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use kansa_model::{CryptoAddress, EntityKind};

    #[test]
    fn added_removed_and_changed_fields() {
        let mut a = Entity::new("t", "1", EntityKind::Person);
        a.programs.push("SDGT".into());
        let mut a2 = a.clone();
        a2.programs.push("IRAN".into());
        a2.crypto_addresses.push(CryptoAddress {
            asset: "XBT".into(),
            address: "1abc".into(),
        });
        let b = Entity::new("t", "2", EntityKind::Organization);
        let c = Entity::new("t", "3", EntityKind::Vessel);
        let d = diff_entities("t", 1, 2, &[a, b.clone()], &[a2, b, c]);
        assert_eq!(d.added.len(), 1);
        assert_eq!(d.removed.len(), 0);
        assert_eq!(d.unchanged, 1);
        let ch = &d.changed[0];
        assert_eq!(
            ch.fields.iter().map(|f| f.field).collect::<Vec<_>>(),
            vec!["crypto_addresses", "programs"]
        );
        assert_eq!(ch.fields[1].added, vec!["IRAN"]);
        assert!(ch.fields[1].removed.is_empty());
    }
}
