//! Registry extracts for the ownership network: each dataset is the CSV
//! as received (the network is rebuilt from it, so nothing is lost in
//! translation), with the name matches screening found for its parties
//! (JSON, recomputed when the lists change).

use crate::audit::append_in;
use crate::{Store, StoreError};
use kansa_audit::Record;
use rusqlite::params;

#[derive(Debug, Clone, PartialEq)]
pub struct RegistryFile {
    /// The dataset name (by default the file's stem).
    pub name: String,
    /// The file it came from, as given.
    pub file: String,
    pub sha256: String,
    pub body: Vec<u8>,
    pub rows: i64,
    /// Screening matches of its parties, as JSON.
    pub matches: String,
    pub imported_at: String,
}

impl Store {
    /// Stores a dataset, replacing one of the same name (one transaction).
    pub fn put_registry(&mut self, f: &RegistryFile) -> Result<(), StoreError> {
        let actor = self.actor.clone();
        let tx = self.write_tx()?;
        tx.execute(
            "INSERT INTO registry_files (name, file, sha256, body, rows, matches, imported_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (name) DO UPDATE SET file = excluded.file, sha256 = excluded.sha256,
               body = excluded.body, rows = excluded.rows, matches = excluded.matches,
               imported_at = excluded.imported_at",
            params![
                f.name,
                f.file,
                f.sha256,
                f.body,
                f.rows,
                f.matches,
                f.imported_at
            ],
        )?;
        append_in(
            &tx,
            &f.imported_at,
            &[Record::new(
                actor,
                "registry.import",
                format!("registry:{}", f.name),
                serde_json::json!({ "file": f.file, "sha256": f.sha256, "rows": f.rows }),
            )],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Replaces the stored matches of every dataset (one transaction).
    pub fn set_registry_matches(&mut self, matches: &[(String, String)]) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        for (name, m) in matches {
            tx.execute(
                "UPDATE registry_files SET matches = ?2 WHERE name = ?1",
                params![name, m],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Every dataset, by name.
    pub fn registries(&self) -> Result<Vec<RegistryFile>, StoreError> {
        let mut st = self.conn.prepare(
            "SELECT name, file, sha256, body, rows, matches, imported_at
             FROM registry_files ORDER BY name",
        )?;
        let rows = st.query_map([], |r| {
            Ok(RegistryFile {
                name: r.get(0)?,
                file: r.get(1)?,
                sha256: r.get(2)?,
                body: r.get(3)?,
                rows: r.get(4)?,
                matches: r.get(5)?,
                imported_at: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Removes a dataset; false when there was none of that name.
    pub fn remove_registry(&mut self, name: &str, at: &str) -> Result<bool, StoreError> {
        let actor = self.actor.clone();
        let tx = self.write_tx()?;
        let n = tx.execute("DELETE FROM registry_files WHERE name = ?1", params![name])?;
        if n > 0 {
            append_in(
                &tx,
                at,
                &[Record::new(
                    actor,
                    "registry.remove",
                    format!("registry:{name}"),
                    serde_json::json!({}),
                )],
            )?;
        }
        tx.commit()?;
        Ok(n > 0)
    }
}
