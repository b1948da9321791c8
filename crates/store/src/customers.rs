//! The customer register and its screening results: the current hits of
//! each customer, and an append-only log of hits found and lost, which is
//! what `kansa customers hits --since` reports.

use crate::audit::append_in;
use crate::{Store, StoreError};
use kansa_audit::Record;
use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};

/// A customer as the exchange registers it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Customer {
    pub id: String,
    pub name: String,
    /// person, organization, ... (empty: unknown).
    #[serde(default)]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dob: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<String>,
}

/// One current hit of a customer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    pub entity_id: String,
    pub score: f64,
    pub matched_name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HitEvent {
    pub seq: i64,
    pub at: String,
    pub customer_id: String,
    pub entity_id: String,
    /// `new` or `removed`.
    pub change: String,
    pub score: f64,
    pub matched_name: String,
    /// What caused the screening (customer import, list snapshot N).
    pub reason: String,
}

/// What changed for one customer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HitChanges {
    pub new: usize,
    pub removed: usize,
}

/// What a customer's sealed body is bound to: it opens in no other row.
/// What a reseal did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Reseal {
    /// The current key's id.
    pub key: String,
    /// Bodies that were in the clear.
    pub from_clear: usize,
    /// Bodies that were sealed under a retired key.
    pub from_retired: usize,
    pub total: usize,
}

fn context(id: &str) -> String {
    format!("customer:{id}")
}

/// A hit found or lost, for the audit log: subject `customer:<id>`.
fn hit_record(actor: &str, action: &str, customer: &str, h: &Hit, reason: &str) -> Record {
    Record::new(
        actor,
        action,
        format!("customer:{customer}"),
        serde_json::json!({ "entity": h.entity_id, "score": h.score, "reason": reason }),
    )
}

impl Store {
    /// Inserts or replaces customers (one transaction).
    pub fn upsert_customers(
        &mut self,
        customers: &[Customer],
        now: &str,
    ) -> Result<(), StoreError> {
        let actor = self.actor.clone();
        let sealer = self.sealer.clone();
        let tx = self.write_tx()?;
        {
            let mut st = tx.prepare_cached(
                "INSERT INTO customers (id, body, updated_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
            )?;
            for c in customers {
                let body = serde_json::to_string(c).unwrap_or_default();
                let body = match &sealer {
                    Some(s) => s.seal(&context(&c.id), &body, crate::nonce()?),
                    None => body,
                };
                st.execute(params![c.id, body, now])?;
            }
        }
        // Ids only: the audit log holds no personal data.
        let ids: Vec<&str> = customers.iter().map(|c| c.id.as_str()).collect();
        append_in(
            &tx,
            now,
            &[Record::new(
                actor,
                "customers.upsert",
                "customers",
                serde_json::json!({ "count": ids.len(), "ids": ids }),
            )],
        )?;
        tx.commit()?;
        Ok(())
    }

    pub fn customer(&self, id: &str) -> Result<Option<Customer>, StoreError> {
        let body: Option<String> = self
            .conn
            .query_row("SELECT body FROM customers WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()?;
        body.map(|b| self.read_customer(id, &b)).transpose()
    }

    /// A stored customer body: opened with the data key when sealed.
    fn read_customer(&self, id: &str, body: &str) -> Result<Customer, StoreError> {
        let corrupt = |message: String| StoreError::Corrupt {
            id: format!("customer {id}"),
            message,
        };
        let plain;
        let json = if kansa_residency::is_sealed(body) {
            let s = self.sealer.as_ref().ok_or_else(|| {
                corrupt(
                    "encrypted at rest; set KANSA_DATA_KEY_FILE (or KANSA_DATA_KEY) to the data key"
                        .into(),
                )
            })?;
            plain = s
                .open(&context(id), body)
                .map_err(|e| corrupt(e.to_string()))?;
            plain.as_str()
        } else {
            body
        };
        serde_json::from_str(json).map_err(|e| corrupt(e.to_string()))
    }

    /// Seals every customer body under the current data key: bodies in
    /// the clear (stored before a key was set) and bodies sealed under a
    /// retired key. One transaction, audited; afterwards the retired key is
    /// no longer needed for the register.
    pub fn reseal_customers(&mut self, now: &str) -> Result<Reseal, StoreError> {
        let sealer = self.sealer.clone().ok_or_else(|| StoreError::Corrupt {
            id: "customers".into(),
            message:
                "no data key is set: set KANSA_DATA_KEY_FILE (or KANSA_DATA_KEY), the new key first"
                    .into(),
        })?;
        let rows: Vec<(String, String)> = {
            let mut st = self
                .conn
                .prepare("SELECT id, body FROM customers ORDER BY id")?;
            let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect::<Result<_, _>>()?
        };
        let mut out = Reseal {
            key: sealer.key_id().to_string(),
            total: rows.len(),
            ..Reseal::default()
        };
        let mut changed = Vec::new();
        for (id, body) in rows {
            match kansa_residency::sealed_by(&body) {
                Some(k) if k == sealer.key_id() => continue,
                Some(_) => out.from_retired += 1,
                None => out.from_clear += 1,
            }
            let c = self.read_customer(&id, &body)?;
            let plain = serde_json::to_string(&c).unwrap_or_default();
            changed.push((
                id.clone(),
                sealer.seal(&context(&id), &plain, crate::nonce()?),
            ));
        }
        let actor = self.actor.clone();
        let tx = self.write_tx()?;
        {
            let mut st = tx.prepare_cached("UPDATE customers SET body = ?2 WHERE id = ?1")?;
            for (id, body) in &changed {
                st.execute(params![id, body])?;
            }
        }
        append_in(
            &tx,
            now,
            &[Record::new(
                actor,
                "customers.reseal",
                "customers",
                serde_json::json!({ "key": out.key, "from_clear": out.from_clear, "from_retired": out.from_retired, "total": out.total }),
            )],
        )?;
        tx.commit()?;
        Ok(out)
    }

    pub fn customers(&self) -> Result<Vec<Customer>, StoreError> {
        let mut st = self
            .conn
            .prepare("SELECT id, body FROM customers ORDER BY id")?;
        let rows = st.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, body) = row?;
            out.push(self.read_customer(&id, &body)?);
        }
        Ok(out)
    }

    pub fn customer_hits(&self, customer_id: &str) -> Result<Vec<Hit>, StoreError> {
        let mut st = self.conn.prepare("SELECT entity_id, score, matched_name FROM customer_hits WHERE customer_id = ?1 ORDER BY score DESC, entity_id")?;
        let rows = st.query_map([customer_id], |r| {
            Ok(Hit {
                entity_id: r.get(0)?,
                score: r.get(1)?,
                matched_name: r.get(2)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Customers with a current hit on any of `entity_ids`.
    pub fn customers_hitting(&self, entity_ids: &[String]) -> Result<Vec<String>, StoreError> {
        let mut st = self
            .conn
            .prepare_cached("SELECT customer_id FROM customer_hits WHERE entity_id = ?1")?;
        let mut out = Vec::new();
        for e in entity_ids {
            let rows = st.query_map([e], |r| r.get::<_, String>(0))?;
            for r in rows {
                out.push(r?);
            }
        }
        out.sort();
        out.dedup();
        Ok(out)
    }

    /// Replaces a set of customers' hits with freshly screened ones, logging
    /// each hit found and each hit lost. One transaction for all.
    pub fn record_screening(
        &mut self,
        results: &[(String, Vec<Hit>)],
        now: &str,
        reason: &str,
    ) -> Result<HitChanges, StoreError> {
        let actor = self.actor.clone();
        let tx = self.write_tx()?;
        let mut audit = Vec::new();
        let mut new_hits: Vec<(&str, &str)> = Vec::new();
        let mut changes = HitChanges::default();
        for (cid, hits) in results {
            let old: Vec<Hit> = {
                let mut st = tx.prepare_cached("SELECT entity_id, score, matched_name FROM customer_hits WHERE customer_id = ?1")?;
                let rows = st.query_map([cid], |r| {
                    Ok(Hit {
                        entity_id: r.get(0)?,
                        score: r.get(1)?,
                        matched_name: r.get(2)?,
                    })
                })?;
                rows.collect::<Result<_, _>>()?
            };
            let mut log = tx.prepare_cached("INSERT INTO hit_events (at, customer_id, entity_id, change, score, matched_name, reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")?;
            for h in hits {
                if !old.iter().any(|o| o.entity_id == h.entity_id) {
                    log.execute(params![
                        now,
                        cid,
                        h.entity_id,
                        "new",
                        h.score,
                        h.matched_name,
                        reason
                    ])?;
                    changes.new += 1;
                    audit.push(hit_record(&actor, "hit.new", cid, h, reason));
                    new_hits.push((cid.as_str(), h.entity_id.as_str()));
                }
            }
            for o in &old {
                if !hits.iter().any(|h| h.entity_id == o.entity_id) {
                    log.execute(params![
                        now,
                        cid,
                        o.entity_id,
                        "removed",
                        o.score,
                        o.matched_name,
                        reason
                    ])?;
                    changes.removed += 1;
                    audit.push(hit_record(&actor, "hit.removed", cid, o, reason));
                }
            }
            tx.execute("DELETE FROM customer_hits WHERE customer_id = ?1", [cid])?;
            let mut put = tx.prepare_cached("INSERT INTO customer_hits (customer_id, entity_id, score, matched_name, since) VALUES (?1, ?2, ?3, ?4, ?5)")?;
            for h in hits {
                let since = old
                    .iter()
                    .find(|o| o.entity_id == h.entity_id)
                    .map(|_| "earlier")
                    .unwrap_or(now);
                put.execute(params![cid, h.entity_id, h.score, h.matched_name, since])?;
            }
        }
        append_in(&tx, now, &audit)?;
        // Each hit found raises an alert on the customer's case.
        for (cid, hits) in results {
            for h in hits {
                if new_hits.contains(&(cid.as_str(), h.entity_id.as_str())) {
                    crate::cases::route_alert_in(
                        &tx,
                        &actor,
                        &format!("customer:{cid}"),
                        kansa_cases::Alert {
                            at: now.to_string(),
                            source: "screening".into(),
                            reference: h.entity_id.clone(),
                            summary: format!("{} (score {:.2}, {reason})", h.matched_name, h.score),
                            suppressed: false,
                            event: None,
                        },
                    )?;
                }
            }
        }
        tx.commit()?;
        Ok(changes)
    }

    /// Hit events with a sequence number above `after_seq` or at or after
    /// the time `since` (RFC 3339), oldest first.
    pub fn hit_events(
        &self,
        after_seq: Option<i64>,
        since: Option<&str>,
    ) -> Result<Vec<HitEvent>, StoreError> {
        let mut st = self.conn.prepare(
            "SELECT seq, at, customer_id, entity_id, change, score, matched_name, reason FROM hit_events
             WHERE seq > ?1 AND at >= ?2 ORDER BY seq",
        )?;
        let rows = st.query_map(params![after_seq.unwrap_or(0), since.unwrap_or("")], |r| {
            Ok(HitEvent {
                seq: r.get(0)?,
                at: r.get(1)?,
                customer_id: r.get(2)?,
                entity_id: r.get(3)?,
                change: r.get(4)?,
                score: r.get(5)?,
                matched_name: r.get(6)?,
                reason: r.get(7)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
