//! Importing, listing, reading and diffing list snapshots.

use crate::{Store, StoreError};
use kansa_audit::Record;
use kansa_lists::diff::{entity_change, EntitySummary};
use kansa_lists::{ListError, ParseSummary, SnapshotDiff};
use kansa_model::{Entity, EntityId, ListSnapshot, PartialDate, SnapshotCounts};
use rusqlite::{params, OptionalExtension, Row};
use sha2::{Digest, Sha256};

/// What the caller knows before parsing.
#[derive(Debug, Clone)]
pub struct ImportRequest {
    pub source: String,
    pub format: String,
    pub files: Vec<String>,
    /// SHA-256 (hex) of the raw bytes.
    pub sha256: String,
    /// RFC 3339; the store reads no clock.
    pub imported_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportOutcome {
    /// A new snapshot was stored; `activated` tells whether it became the
    /// source's active snapshot (an older publication does not replace a newer one).
    Imported {
        snapshot: ListSnapshot,
        activated: bool,
    },
    /// The same bytes were imported before: nothing changed.
    Unchanged { snapshot: ListSnapshot },
}

/// See [`Store::fingerprint`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreFingerprint {
    pub snapshots: i64,
    pub bodies: i64,
    pub memberships: i64,
    /// `source=snapshot` pairs of the active snapshots.
    pub active: String,
    /// `ok` when SQLite finds the file sound.
    pub integrity: String,
}

const SNAPSHOT_COLS: &str = "s.id, s.source, s.format, s.version, s.published, s.sha256, s.imported_at, s.files, s.counts, s.warnings, (a.snapshot_id IS NOT NULL)";

fn snapshot_from_row(r: &Row) -> rusqlite::Result<ListSnapshot> {
    let files: String = r.get(7)?;
    let counts: String = r.get(8)?;
    let warnings: String = r.get(9)?;
    let published: Option<String> = r.get(4)?;
    Ok(ListSnapshot {
        id: r.get(0)?,
        source: r.get(1)?,
        format: r.get(2)?,
        version: r.get(3)?,
        published: published.as_deref().and_then(PartialDate::parse_iso),
        sha256: r.get(5)?,
        imported_at: r.get(6)?,
        files: serde_json::from_str(&files).unwrap_or_default(),
        counts: serde_json::from_str(&counts).unwrap_or_default(),
        active: r.get(10)?,
        warnings: serde_json::from_str(&warnings).unwrap_or_default(),
    })
}

fn decode(id: &str, body: &str) -> Result<Entity, StoreError> {
    serde_json::from_str(body).map_err(|e| StoreError::Corrupt {
        id: id.to_string(),
        message: e.to_string(),
    })
}

impl Store {
    /// Imports one snapshot. `parse` streams entities into the sink it is
    /// given; if it fails, the transaction is rolled back and the store is
    /// exactly as before.
    pub fn import(
        &mut self,
        req: &ImportRequest,
        parse: impl FnOnce(&mut kansa_lists::Sink) -> Result<ParseSummary, ListError>,
    ) -> Result<ImportOutcome, StoreError> {
        if let Some(existing) = self.snapshot_by_sha(&req.source, &req.sha256)? {
            return Ok(ImportOutcome::Unchanged { snapshot: existing });
        }
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO snapshots (source, format, version, sha256, imported_at, files, counts, warnings)
             VALUES (?1, ?2, '', ?3, ?4, ?5, '{}', '[]')",
            params![req.source, req.format, req.sha256, req.imported_at, serde_json::to_string(&req.files).unwrap_or_default()],
        )?;
        let snap_id = tx.last_insert_rowid();
        let mut counts = SnapshotCounts::default();
        let summary = {
            let mut put_body =
                tx.prepare_cached("INSERT OR IGNORE INTO bodies (hash, body) VALUES (?1, ?2)")?;
            let mut put_member = tx.prepare_cached(
                "INSERT INTO snapshot_entities (snapshot_id, entity_id, hash) VALUES (?1, ?2, ?3)",
            )?;
            let mut sink = |e: Entity| -> Result<(), String> {
                let body = serde_json::to_string(&e).map_err(|x| x.to_string())?;
                let hash = Sha256::digest(body.as_bytes());
                put_body
                    .execute(params![&hash[..], body])
                    .map_err(|x| x.to_string())?;
                match put_member.execute(params![snap_id, e.id.as_str(), &hash[..]]) {
                    Ok(_) => {}
                    Err(rusqlite::Error::SqliteFailure(f, _))
                        if f.code == rusqlite::ErrorCode::ConstraintViolation =>
                    {
                        return Err(format!("entity {} appears twice in the input", e.id));
                    }
                    Err(x) => return Err(x.to_string()),
                }
                counts.add(&e);
                Ok(())
            };
            parse(&mut sink)?
        };
        if counts.entities == 0 {
            return Err(StoreError::List(ListError::invalid(
                req.files.first().map(String::as_str).unwrap_or(""),
                kansa_lists::Location::File,
                "no entities found: refusing to store an empty snapshot",
            )));
        }
        let version = summary
            .version
            .clone()
            .unwrap_or_else(|| format!("sha256:{}", &req.sha256[..12.min(req.sha256.len())]));
        tx.execute(
            "UPDATE snapshots SET version = ?1, published = ?2, counts = ?3, warnings = ?4 WHERE id = ?5",
            params![
                version,
                summary.published.map(|d| d.to_string()),
                serde_json::to_string(&counts).unwrap_or_default(),
                serde_json::to_string(&summary.warnings).unwrap_or_default(),
                snap_id
            ],
        )?;
        // Activate unless the active snapshot is a newer publication.
        let active_pub: Option<Option<String>> = tx
            .query_row(
                "SELECT s.published FROM active a JOIN snapshots s ON s.id = a.snapshot_id WHERE a.source = ?1",
                [&req.source],
                |r| r.get(0),
            )
            .optional()?;
        let newer_active = match (&active_pub, summary.published) {
            (Some(Some(p)), Some(mine)) => PartialDate::parse_iso(p).is_some_and(|p| p > mine),
            _ => false,
        };
        let activated = !newer_active;
        if activated {
            tx.execute(
                "INSERT INTO active (source, snapshot_id) VALUES (?1, ?2)
                 ON CONFLICT (source) DO UPDATE SET snapshot_id = excluded.snapshot_id",
                params![req.source, snap_id],
            )?;
        }
        crate::audit::append_in(
            &tx,
            &req.imported_at,
            &[Record::new(
                &self.actor,
                "lists.import",
                format!("snapshot:{snap_id}"),
                serde_json::json!({
                    "source": req.source,
                    "format": req.format,
                    "version": version,
                    "sha256": req.sha256,
                    "files": req.files,
                    "entities": counts.entities,
                    "activated": activated,
                }),
            )],
        )?;
        tx.commit()?;
        let snapshot = self
            .snapshot(snap_id)?
            .ok_or_else(|| StoreError::NoSnapshot {
                source_name: req.source.clone(),
                spec: snap_id.to_string(),
            })?;
        Ok(ImportOutcome::Imported {
            snapshot,
            activated,
        })
    }

    fn snapshot_by_sha(&self, source: &str, sha: &str) -> Result<Option<ListSnapshot>, StoreError> {
        let sql = format!("SELECT {SNAPSHOT_COLS} FROM snapshots s LEFT JOIN active a ON a.snapshot_id = s.id WHERE s.source = ?1 AND s.sha256 = ?2");
        Ok(self
            .conn
            .query_row(&sql, params![source, sha], snapshot_from_row)
            .optional()?)
    }

    pub fn snapshot(&self, id: i64) -> Result<Option<ListSnapshot>, StoreError> {
        let sql = format!("SELECT {SNAPSHOT_COLS} FROM snapshots s LEFT JOIN active a ON a.snapshot_id = s.id WHERE s.id = ?1");
        Ok(self
            .conn
            .query_row(&sql, [id], snapshot_from_row)
            .optional()?)
    }

    /// All snapshots, optionally of one source, newest first.
    pub fn snapshots(&self, source: Option<&str>) -> Result<Vec<ListSnapshot>, StoreError> {
        let sql = format!(
            "SELECT {SNAPSHOT_COLS} FROM snapshots s LEFT JOIN active a ON a.snapshot_id = s.id
             WHERE ?1 IS NULL OR s.source = ?1 ORDER BY s.source, s.id DESC"
        );
        let mut st = self.conn.prepare(&sql)?;
        let rows = st.query_map([source], snapshot_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The active snapshot of every source.
    pub fn active_snapshots(&self) -> Result<Vec<ListSnapshot>, StoreError> {
        Ok(self
            .snapshots(None)?
            .into_iter()
            .filter(|s| s.active)
            .collect())
    }

    /// Makes `id` the active snapshot of its source.
    pub fn activate(&mut self, id: i64, at: &str) -> Result<ListSnapshot, StoreError> {
        let snap = self.snapshot(id)?.ok_or_else(|| StoreError::NoSnapshot {
            source_name: "any source".into(),
            spec: id.to_string(),
        })?;
        let actor = self.actor.clone();
        let tx = self.write_tx()?;
        tx.execute(
            "INSERT INTO active (source, snapshot_id) VALUES (?1, ?2)
             ON CONFLICT (source) DO UPDATE SET snapshot_id = excluded.snapshot_id",
            params![snap.source, id],
        )?;
        crate::audit::append_in(
            &tx,
            at,
            &[Record::new(
                actor,
                "lists.activate",
                format!("snapshot:{id}"),
                serde_json::json!({ "source": snap.source, "version": snap.version }),
            )],
        )?;
        tx.commit()?;
        Ok(ListSnapshot {
            active: true,
            ..snap
        })
    }

    /// Finds a snapshot of `source` by number, `active`, version or sha256 prefix.
    pub fn resolve_snapshot(&self, source: &str, spec: &str) -> Result<ListSnapshot, StoreError> {
        let all = self.snapshots(Some(source))?;
        if all.is_empty() {
            return Err(StoreError::NoSource(source.to_string()));
        }
        let spec_t = spec.trim();
        let hits: Vec<&ListSnapshot> = if spec_t == "active" {
            all.iter().filter(|s| s.active).collect()
        } else if let Ok(n) = spec_t.parse::<i64>() {
            all.iter().filter(|s| s.id == n).collect()
        } else {
            let exact: Vec<&ListSnapshot> = all.iter().filter(|s| s.version == spec_t).collect();
            if !exact.is_empty() {
                exact
            } else {
                let p = spec_t.trim_start_matches("sha256:").to_ascii_lowercase();
                if p.len() >= 6 {
                    all.iter().filter(|s| s.sha256.starts_with(&p)).collect()
                } else {
                    Vec::new()
                }
            }
        };
        match hits[..] {
            [one] => Ok(one.clone()),
            [] => Err(StoreError::NoSnapshot {
                source_name: source.to_string(),
                spec: spec.to_string(),
            }),
            _ => Err(StoreError::Ambiguous {
                source_name: source.to_string(),
                spec: spec.to_string(),
                candidates: hits
                    .iter()
                    .map(|s| s.id.to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
        }
    }

    /// Row counts of the snapshot tables plus SQLite's own integrity check:
    /// tests use it to show that a refused import left no trace.
    pub fn fingerprint(&self) -> Result<StoreFingerprint, StoreError> {
        let count = |sql: &str| -> Result<i64, StoreError> {
            Ok(self.conn.query_row(sql, [], |r| r.get(0))?)
        };
        let active: String = self.conn.query_row(
            "SELECT coalesce(group_concat(source || '=' || snapshot_id, ','), '') FROM (SELECT * FROM active ORDER BY source)",
            [],
            |r| r.get(0),
        )?;
        let integrity: String = self
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        Ok(StoreFingerprint {
            snapshots: count("SELECT count(*) FROM snapshots")?,
            bodies: count("SELECT count(*) FROM bodies")?,
            memberships: count("SELECT count(*) FROM snapshot_entities")?,
            active,
            integrity,
        })
    }

    /// An entity as its source's active snapshot holds it.
    pub fn entity(&self, id: &EntityId) -> Result<Option<Entity>, StoreError> {
        let body: Option<String> = self
            .conn
            .query_row(
                "SELECT b.body FROM active a
                 JOIN snapshot_entities se ON se.snapshot_id = a.snapshot_id AND se.entity_id = ?2
                 JOIN bodies b ON b.hash = se.hash
                 WHERE a.source = ?1",
                params![id.source(), id.as_str()],
                |r| r.get(0),
            )
            .optional()?;
        body.map(|b| decode(id.as_str(), &b)).transpose()
    }

    /// An entity in a given snapshot.
    pub fn entity_in(&self, snapshot: i64, id: &EntityId) -> Result<Option<Entity>, StoreError> {
        let body: Option<String> = self
            .conn
            .query_row(
                "SELECT b.body FROM snapshot_entities se JOIN bodies b ON b.hash = se.hash
                 WHERE se.snapshot_id = ?1 AND se.entity_id = ?2",
                params![snapshot, id.as_str()],
                |r| r.get(0),
            )
            .optional()?;
        body.map(|b| decode(id.as_str(), &b)).transpose()
    }

    /// Calls `f` for every entity of a snapshot, in id order.
    pub fn for_each_entity(
        &self,
        snapshot: i64,
        mut f: impl FnMut(Entity),
    ) -> Result<(), StoreError> {
        let mut st = self.conn.prepare(
            "SELECT se.entity_id, b.body FROM snapshot_entities se JOIN bodies b ON b.hash = se.hash
             WHERE se.snapshot_id = ?1 ORDER BY se.entity_id",
        )?;
        let mut rows = st.query([snapshot])?;
        while let Some(r) = rows.next()? {
            let id: String = r.get(0)?;
            let body: String = r.get(1)?;
            f(decode(&id, &body)?);
        }
        Ok(())
    }

    /// Every entity of every active snapshot (what screening uses).
    pub fn active_entities(&self) -> Result<Vec<Entity>, StoreError> {
        let mut out = Vec::new();
        for s in self.active_snapshots()? {
            self.for_each_entity(s.id, |e| out.push(e))?;
        }
        Ok(out)
    }

    /// Entities added, removed and changed from snapshot `old` to `new`.
    pub fn diff(&self, old: &ListSnapshot, new: &ListSnapshot) -> Result<SnapshotDiff, StoreError> {
        let mut d = SnapshotDiff {
            source: new.source.clone(),
            old_snapshot: old.id,
            new_snapshot: new.id,
            added: Vec::new(),
            removed: Vec::new(),
            changed: Vec::new(),
            unchanged: 0,
        };
        let only_in = |a: i64, b: i64| -> Result<Vec<EntitySummary>, StoreError> {
            let mut st = self.conn.prepare(
                "SELECT x.entity_id, bx.body FROM snapshot_entities x
                 JOIN bodies bx ON bx.hash = x.hash
                 LEFT JOIN snapshot_entities y ON y.snapshot_id = ?2 AND y.entity_id = x.entity_id
                 WHERE x.snapshot_id = ?1 AND y.entity_id IS NULL ORDER BY x.entity_id",
            )?;
            let mut rows = st.query(params![a, b])?;
            let mut out = Vec::new();
            while let Some(r) = rows.next()? {
                let id: String = r.get(0)?;
                let body: String = r.get(1)?;
                out.push(EntitySummary::from(&decode(&id, &body)?));
            }
            Ok(out)
        };
        d.added = only_in(new.id, old.id)?;
        d.removed = only_in(old.id, new.id)?;
        let mut st = self.conn.prepare(
            "SELECT n.entity_id, bo.body, bn.body FROM snapshot_entities n
             JOIN snapshot_entities o ON o.snapshot_id = ?1 AND o.entity_id = n.entity_id
             JOIN bodies bo ON bo.hash = o.hash JOIN bodies bn ON bn.hash = n.hash
             WHERE n.snapshot_id = ?2 AND n.hash <> o.hash ORDER BY n.entity_id",
        )?;
        let mut rows = st.query(params![old.id, new.id])?;
        while let Some(r) = rows.next()? {
            let id: String = r.get(0)?;
            let (ob, nb): (String, String) = (r.get(1)?, r.get(2)?);
            d.changed
                .push(entity_change(&decode(&id, &ob)?, &decode(&id, &nb)?));
        }
        let unchanged: i64 = self.conn.query_row(
            "SELECT count(*) FROM snapshot_entities n JOIN snapshot_entities o
             ON o.snapshot_id = ?1 AND o.entity_id = n.entity_id AND o.hash = n.hash
             WHERE n.snapshot_id = ?2",
            params![old.id, new.id],
            |r| r.get(0),
        )?;
        d.unchanged = unchanged as u64;
        Ok(d)
    }
}
