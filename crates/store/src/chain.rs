//! On-chain data: address labels in the database, and the transaction
//! graph as column files in `<data>/chain/graph/`, one file per column
//! plus `meta.json`, memory-mapped when opened.
//!
//! Invariants:
//! - a graph is written whole into a fresh directory, every file synced,
//!   then swapped in by renames: a crash leaves the previous graph or the
//!   new one, never a mixture (`graph.old` is taken back if the swap was
//!   cut between its two renames);
//! - column files are never modified once written, so mapping them is safe
//!   for as long as Kansa is the only writer of the data directory;
//! - a label pack is replaced in one transaction.

use crate::{Store, StoreError};
use kansa_chain::{AddressLabel, Graph, SharedBytes};
use rusqlite::params;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What `meta.json` records beside the columns.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct GraphMeta {
    pub format: u32,
    pub little_endian: bool,
    pub written_at: String,
    /// Anomalies recorded while building (capped).
    pub anomalies: Vec<String>,
    /// The files imported, in order.
    pub sources: Vec<String>,
}

const FORMAT: u32 = 3;

fn io(path: &Path) -> impl Fn(std::io::Error) -> StoreError + '_ {
    move |error| StoreError::Io {
        path: path.display().to_string(),
        error,
    }
}

/// The graph directory inside a data directory.
pub fn graph_dir(data: &Path) -> PathBuf {
    data.join("chain").join("graph")
}

/// Writes `g` as the data directory's graph, replacing the previous one
/// atomically (see the module's invariants).
pub fn save_graph(data: &Path, g: &Graph, meta: &GraphMeta) -> Result<u64, StoreError> {
    let dir = graph_dir(data);
    let parent = dir.parent().unwrap_or(data).to_path_buf();
    std::fs::create_dir_all(&parent).map_err(io(&parent))?;
    let tmp = parent.join(format!("graph.tmp-{}", std::process::id()));
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp).map_err(io(&tmp))?;
    }
    std::fs::create_dir_all(&tmp).map_err(io(&tmp))?;
    let mut total = 0u64;
    for (name, bytes) in g.column_bytes() {
        let p = tmp.join(format!("{name}.bin"));
        let mut f = std::fs::File::create(&p).map_err(io(&p))?;
        f.write_all(bytes).map_err(io(&p))?;
        f.sync_all().map_err(io(&p))?;
        total += bytes.len() as u64;
    }
    let mut m = meta.clone();
    m.format = FORMAT;
    m.little_endian = cfg!(target_endian = "little");
    let p = tmp.join("meta.json");
    let body = serde_json::to_vec_pretty(&m).unwrap_or_default();
    let mut f = std::fs::File::create(&p).map_err(io(&p))?;
    f.write_all(&body).map_err(io(&p))?;
    f.sync_all().map_err(io(&p))?;
    // Swap: current → old, new → current, drop old.
    let old = parent.join("graph.old");
    if old.exists() {
        std::fs::remove_dir_all(&old).map_err(io(&old))?;
    }
    if dir.exists() {
        std::fs::rename(&dir, &old).map_err(io(&dir))?;
    }
    std::fs::rename(&tmp, &dir).map_err(io(&tmp))?;
    if let Ok(d) = std::fs::File::open(&parent) {
        let _ = d.sync_all();
    }
    if old.exists() {
        std::fs::remove_dir_all(&old).map_err(io(&old))?;
    }
    Ok(total)
}

/// A read-only memory map of one column file.
struct Mapped(memmap2::Mmap);

impl AsRef<[u8]> for Mapped {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

#[allow(unsafe_code)]
fn map_file(p: &Path) -> Result<SharedBytes, StoreError> {
    let f = std::fs::File::open(p).map_err(io(p))?;
    let len = f.metadata().map_err(io(p))?.len();
    if len == 0 {
        // An empty column: nothing to map.
        return Ok(Arc::new(Vec::<u8>::new()));
    }
    // SAFETY: column files are written once into a fresh directory and
    // never modified afterwards (replacement renames whole directories), so
    // the mapped bytes do not change under the reader; see the module doc.
    let m = unsafe { memmap2::Mmap::map(&f) }.map_err(io(p))?;
    Ok(Arc::new(Mapped(m)))
}

/// Opens the data directory's graph, if one was saved.
pub fn open_graph(data: &Path) -> Result<Option<(Graph, GraphMeta)>, StoreError> {
    let dir = graph_dir(data);
    let parent = dir.parent().unwrap_or(data).to_path_buf();
    let old = parent.join("graph.old");
    if !dir.exists() && old.exists() {
        // A swap was cut between its renames: the old graph is still whole.
        std::fs::rename(&old, &dir).map_err(io(&old))?;
    }
    if !dir.exists() {
        return Ok(None);
    }
    let mp = dir.join("meta.json");
    let meta: GraphMeta =
        serde_json::from_slice(&std::fs::read(&mp).map_err(io(&mp))?).map_err(|e| {
            StoreError::Corrupt {
                id: mp.display().to_string(),
                message: e.to_string(),
            }
        })?;
    if meta.format != FORMAT || meta.little_endian != cfg!(target_endian = "little") {
        return Err(StoreError::Corrupt {
            id: dir.display().to_string(),
            message: format!(
                "graph format {} ({} endian) cannot be read by this Kansa (format {FORMAT}): \
                 move {} away and import the blocks and transfers again (kansa chain import); \
                 labels are kept in the database",
                meta.format,
                if meta.little_endian { "little" } else { "big" },
                dir.display()
            ),
        });
    }
    let g = Graph::from_columns(|name| {
        map_file(&dir.join(format!("{name}.bin"))).map_err(|e| e.to_string())
    })
    .map_err(|message| StoreError::Corrupt {
        id: dir.display().to_string(),
        message,
    })?;
    Ok(Some((g, meta)))
}

impl Store {
    /// Replaces the labels of each pack present in `labels` (one
    /// transaction). Returns the number stored.
    pub fn replace_labels(
        &mut self,
        labels: &[AddressLabel],
        now: &str,
    ) -> Result<usize, StoreError> {
        let actor = self.actor.clone();
        let tx = self.write_tx()?;
        let mut packs: Vec<&str> = labels.iter().map(|l| l.pack.as_str()).collect();
        packs.sort_unstable();
        packs.dedup();
        for p in &packs {
            tx.execute("DELETE FROM address_labels WHERE pack = ?1", params![p])?;
        }
        let mut n = 0;
        {
            let mut ins = tx.prepare(
                "INSERT OR REPLACE INTO address_labels
                 (address, currency, category, label, actor, source, confidence, pack, imported_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?;
            for l in labels {
                n += ins.execute(params![
                    l.address,
                    l.currency,
                    l.category,
                    l.label,
                    l.actor,
                    l.source,
                    l.confidence,
                    l.pack,
                    now
                ])?;
            }
        }
        crate::audit::append_in(
            &tx,
            now,
            &[kansa_audit::Record::new(
                actor,
                "labels.import",
                "labels",
                serde_json::json!({ "packs": packs, "labels": n }),
            )],
        )?;
        tx.commit()?;
        Ok(n)
    }

    /// Every stored label.
    /// Changes whenever a label pack or the active lists change: the
    /// number of labels, the latest import and the latest list snapshot.
    pub fn labels_signature(&self) -> Result<String, StoreError> {
        Ok(self.conn.query_row(
            "SELECT (SELECT count(*) FROM address_labels) || '/' ||
                    coalesce((SELECT max(imported_at) FROM address_labels), '') || '/' ||
                    coalesce((SELECT group_concat(source || ':' || snapshot_id) FROM active), '')",
            [],
            |r| r.get(0),
        )?)
    }

    /// Which snapshot is active for each source: changes with every
    /// activation (an import, `kansa lists activate`).
    pub fn active_signature(&self) -> Result<String, StoreError> {
        Ok(self.conn.query_row(
            "SELECT coalesce(group_concat(source || ':' || snapshot_id), '') FROM
                (SELECT source, snapshot_id FROM active ORDER BY source)",
            [],
            |r| r.get(0),
        )?)
    }

    /// The last customer hit found or lost (0 before any): changes when a
    /// customer's screening results change.
    pub fn hits_head(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT coalesce(max(seq), 0) FROM hit_events", [], |r| {
                r.get(0)
            })?)
    }

    pub fn labels(&self) -> Result<Vec<AddressLabel>, StoreError> {
        let mut st = self.conn.prepare(
            "SELECT address, currency, category, label, actor, source, confidence, pack
             FROM address_labels ORDER BY pack, address",
        )?;
        let rows = st.query_map([], |r| {
            Ok(AddressLabel {
                address: r.get(0)?,
                currency: r.get(1)?,
                category: r.get(2)?,
                label: r.get(3)?,
                actor: r.get(4)?,
                source: r.get(5)?,
                confidence: r.get(6)?,
                pack: r.get(7)?,
            })
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// Every label the chain reads: the stored packs' and the active
    /// lists' sanctioned addresses.
    pub fn all_address_labels(&self) -> Result<Vec<AddressLabel>, StoreError> {
        let mut all = self.labels()?;
        all.extend(self.sanctions_address_labels()?);
        Ok(all)
    }

    /// Labels for the crypto addresses of the active sanctions lists: each
    /// listed address becomes a `sanctions` label naming its entity.
    pub fn sanctions_address_labels(&self) -> Result<Vec<AddressLabel>, StoreError> {
        let mut out = Vec::new();
        for e in self.active_entities()? {
            for c in &e.crypto_addresses {
                out.push(AddressLabel {
                    address: c.address.clone(),
                    currency: c.asset.clone(),
                    category: "sanctions".into(),
                    label: e.primary_name().unwrap_or_default().to_string(),
                    actor: Some(e.id.to_string()),
                    source: e.id.source().to_string(),
                    confidence: Some("authority_data".into()),
                    pack: format!("list:{}", e.id.source()),
                });
            }
        }
        Ok(out)
    }
}
