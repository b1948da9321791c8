//! On-chain data: address labels in the database, and the transaction
//! graph as column files in `<data>/chain/graph/`, one file per column
//! plus `meta.json`, memory-mapped when opened.
//!
//! A graph is built in a [`GraphSpace`]: its columns grow in files of a
//! fresh directory beside the graph (`chain/graph.tmp-PID-N`), mapped into
//! memory, so a graph larger than memory is built with the operating
//! system paging the columns out; saving renames those files into place
//! rather than writing them again.
//!
//! Invariants:
//! - a graph is written whole into a fresh directory, every file synced,
//!   then swapped in by renames: a crash leaves the previous graph or the
//!   new one, never a mixture (`graph.old` is taken back if the swap was
//!   cut between its two renames); a build's directory is never the
//!   graph's own, and one left by a process that died is removed by the
//!   next build;
//! - a column file grows by reserving its disk blocks before they are
//!   mapped, so a full disk is an error when the column grows (the column
//!   then continues in memory and the import fails cleanly), never a
//!   fault when a page is written;
//! - column files are never modified once written, so mapping them is safe
//!   for as long as Kansa is the only writer of the data directory;
//! - a label pack is replaced in one transaction.

use crate::{Store, StoreError};
use kansa_chain::{AddressLabel, Graph, Region, SharedBytes, Space};
use rusqlite::params;
use serde::{Deserialize, Serialize};
use std::any::Any;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
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

static BUILDS: AtomicU64 = AtomicU64::new(0);

/// A fresh build directory beside the graph's, after removing those left
/// by processes that are gone.
fn build_dir(data: &Path) -> Result<PathBuf, StoreError> {
    let dir = graph_dir(data);
    let parent = dir.parent().unwrap_or(data).to_path_buf();
    std::fs::create_dir_all(&parent).map_err(io(&parent))?;
    if let Ok(entries) = std::fs::read_dir(&parent) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            let Some(rest) = name.strip_prefix("graph.tmp-") else {
                continue;
            };
            let pid = rest.split('-').next().unwrap_or_default();
            let alive = pid.parse::<u32>().is_ok_and(|p| {
                p == std::process::id() || Path::new(&format!("/proc/{p}")).exists()
            });
            if !alive {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
    let n = BUILDS.fetch_add(1, Ordering::Relaxed);
    let tmp = parent.join(format!("graph.tmp-{}-{n}", std::process::id()));
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp).map_err(io(&tmp))?;
    }
    std::fs::create_dir_all(&tmp).map_err(io(&tmp))?;
    Ok(tmp)
}

/// Where a graph of this data directory is built: one mapped file per
/// column (see the module doc). Give it to `Ledger::with_space`.
#[derive(Debug)]
pub struct GraphSpace {
    dir: Arc<BuildDir>,
    next: AtomicU64,
    spill_at: usize,
}

impl GraphSpace {
    /// Columns stay on the heap up to 16 MiB each, then move to their
    /// files: small imports pay no file work.
    pub fn create(data: &Path) -> Result<Arc<GraphSpace>, StoreError> {
        GraphSpace::spilling_at(data, SPILL_BYTES)
    }

    /// Columns move to their files once they pass `bytes`.
    pub fn spilling_at(data: &Path, bytes: usize) -> Result<Arc<GraphSpace>, StoreError> {
        Ok(Arc::new(GraphSpace {
            dir: Arc::new(BuildDir(build_dir(data)?)),
            next: AtomicU64::new(0),
            spill_at: bytes,
        }))
    }

    pub fn dir(&self) -> &Path {
        &self.dir.0
    }
}

/// A build directory, held by its space and every region in it.
#[derive(Debug)]
struct BuildDir(PathBuf);

impl Drop for BuildDir {
    fn drop(&mut self) {
        // Gone once saved (renamed into place); else removed when empty
        // (every column dropped: a failed import leaves nothing).
        let _ = std::fs::remove_dir(&self.0);
    }
}

impl Space for GraphSpace {
    fn region(&self, column: &str) -> Result<Box<dyn Region>, String> {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        Ok(Box::new(FileRegion {
            path: self.dir.0.join(format!("{column}.{n}.part")),
            _dir: self.dir.clone(),
            spill_at: self.spill_at,
            heap: Vec::new(),
            file: None,
            saved: AtomicBool::new(false),
            saved_len: AtomicUsize::new(0),
        }))
    }
}

/// A column stays on the heap up to this size and moves to its file
/// beyond (see [`GraphSpace::create`]).
const SPILL_BYTES: usize = 16 << 20;

/// A column growing on the heap, then in a file mapped read-write.
struct FileRegion {
    path: PathBuf,
    _dir: Arc<BuildDir>,
    spill_at: usize,
    /// The column while it is small (8-byte aligned).
    heap: Vec<u64>,
    file: Option<(File, memmap2::MmapMut)>,
    /// Saved with a graph: the column's file holds `saved_len` bytes and
    /// is not to grow or be removed.
    saved: AtomicBool,
    saved_len: AtomicUsize,
}

#[allow(unsafe_code)]
fn reserve_blocks(f: &File, from: usize, len: usize) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    // SAFETY: a plain call on an open descriptor we own.
    let r =
        unsafe { libc::posix_fallocate(f.as_raw_fd(), from as libc::off_t, len as libc::off_t) };
    if r == 0 {
        Ok(())
    } else {
        Err(std::io::Error::from_raw_os_error(r))
    }
}

/// Writes `bytes` as a new file at `p`, synced.
fn write_synced(p: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let mut f = File::create(p).map_err(io(p))?;
    f.write_all(bytes).map_err(io(p))?;
    f.sync_all().map_err(io(p))
}

/// Reserves the disk blocks of `from..to` (a full disk fails here, not
/// as a fault when a page is written) and maps the whole file.
#[allow(unsafe_code)]
fn extend_mapped(f: &File, from: usize, to: usize) -> std::io::Result<memmap2::MmapMut> {
    if let Err(e) = reserve_blocks(f, from, to - from) {
        let _ = f.set_len(from as u64);
        return Err(e);
    }
    // SAFETY: the file is its region's own (created by it, removed or
    // renamed into a saved graph only when the region is done) and is
    // never cut below the mapping while it is mapped.
    let m = unsafe { memmap2::MmapMut::map_mut(f) }?;
    // Ingest appends (new pages, nothing to read) and looks up at random:
    // no read-ahead of pages that would push others out.
    let _ = m.advise(memmap2::Advice::Random);
    Ok(m)
}

impl FileRegion {
    /// Writes the column's `len` bytes as `to` (in the same directory),
    /// synced: a spilled column's file is flushed, cut to length and
    /// renamed; a small one is written from the heap.
    fn save_as(&self, len: usize, to: &Path) -> Result<(), StoreError> {
        let p = &self.path;
        self.saved_len.store(len, Ordering::Release);
        self.saved.store(true, Ordering::Release);
        match &self.file {
            Some((f, m)) => {
                m.flush().map_err(io(p))?;
                f.set_len(len as u64).map_err(io(p))?;
                f.sync_all().map_err(io(p))?;
                std::fs::rename(p, to).map_err(io(p))
            }
            None => write_synced(to, &bytemuck::cast_slice(&self.heap)[..len]),
        }
    }
}

impl Drop for FileRegion {
    fn drop(&mut self) {
        if let Some((f, m)) = self.file.take() {
            drop(m);
            drop(f);
            if !self.saved.load(Ordering::Acquire) {
                let _ = std::fs::remove_file(&self.path);
            }
        }
    }
}

impl Region for FileRegion {
    fn bytes(&self) -> &[u8] {
        let b: &[u8] = match &self.file {
            Some((_, m)) => m,
            None => bytemuck::cast_slice(&self.heap),
        };
        if self.saved.load(Ordering::Acquire) {
            return &b[..self.saved_len.load(Ordering::Acquire).min(b.len())];
        }
        b
    }

    fn bytes_mut(&mut self) -> &mut [u8] {
        let limit = self
            .saved
            .load(Ordering::Acquire)
            .then(|| self.saved_len.load(Ordering::Acquire));
        let b: &mut [u8] = match &mut self.file {
            Some((_, m)) => m,
            None => bytemuck::cast_slice_mut(&mut self.heap),
        };
        match limit {
            Some(n) => {
                let n = n.min(b.len());
                &mut b[..n]
            }
            None => b,
        }
    }

    fn grow(&mut self, bytes: usize) -> Result<(), String> {
        if self.saved.load(Ordering::Acquire) {
            return Err(format!("{}: saved, not to grow", self.path.display()));
        }
        let cap = self.bytes().len();
        if bytes <= cap {
            return Ok(());
        }
        if self.file.is_none() && bytes <= self.spill_at {
            self.heap.resize(bytes.div_ceil(8), 0);
            return Ok(());
        }
        // Doubling up to 1 GiB at a time, in whole MiB.
        let new = bytes.max(cap + cap.min(1 << 30)).next_multiple_of(1 << 20);
        let err =
            |e: std::io::Error| format!("{}: cannot grow to {new} bytes: {e}", self.path.display());
        match self.file.take() {
            Some((f, old)) => match extend_mapped(&f, cap, new) {
                Ok(m) => self.file = Some((f, m)),
                Err(e) => {
                    self.file = Some((f, old));
                    return Err(err(e));
                }
            },
            None => {
                let f = std::fs::OpenOptions::new()
                    .read(true)
                    .write(true)
                    .create_new(true)
                    .open(&self.path)
                    .map_err(err)?;
                let mut m = extend_mapped(&f, 0, new).map_err(|e| {
                    let _ = std::fs::remove_file(&self.path);
                    err(e)
                })?;
                let moved = bytemuck::cast_slice(&self.heap);
                m[..moved.len()].copy_from_slice(moved);
                self.heap = Vec::new();
                self.file = Some((f, m));
            }
        }
        Ok(())
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn frozen(&self) -> bool {
        self.saved.load(Ordering::Acquire)
    }

    fn will_scan(&self) {
        if let Some((_, m)) = &self.file {
            let _ = m.advise(memmap2::Advice::Normal);
        }
    }
}

/// A region of a [`GraphSpace`] of the data directory whose graph
/// directory's parent is `parent`, not yet saved.
fn own_region<'a>(r: Option<&'a dyn Region>, parent: &Path) -> Option<&'a FileRegion> {
    r.and_then(|r| r.as_any().downcast_ref::<FileRegion>())
        .filter(|f| {
            !f.saved.load(Ordering::Acquire)
                && f.path.parent().and_then(Path::parent) == Some(parent)
        })
}

/// Writes `g` as the data directory's graph, replacing the previous one
/// atomically (see the module's invariants). Columns built in a
/// [`GraphSpace`] of this data directory are renamed into place.
pub fn save_graph(data: &Path, g: &Graph, meta: &GraphMeta) -> Result<u64, StoreError> {
    let dir = graph_dir(data);
    let parent = dir.parent().unwrap_or(data).to_path_buf();
    let parts = g.column_parts();
    let own = |r| own_region(r, &parent);
    let tmp = match parts.iter().find_map(|(_, _, r)| own(*r)) {
        Some(f) => f.path.parent().unwrap_or(&parent).to_path_buf(),
        None => build_dir(data)?,
    };
    let written = write_columns(&tmp, parts, meta, &parent);
    if written.is_err() {
        // Nothing of a failed save stays (the previous graph is untouched).
        let _ = std::fs::remove_dir_all(&tmp);
    }
    let total = written?;
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

/// Writes (or renames into place) every column of a graph and its
/// `meta.json` in `tmp`.
fn write_columns(
    tmp: &Path,
    parts: Vec<(&'static str, &[u8], Option<&dyn Region>)>,
    meta: &GraphMeta,
    parent: &Path,
) -> Result<u64, StoreError> {
    let mut total = 0u64;
    for (name, bytes, region) in parts {
        let p = tmp.join(format!("{name}.bin"));
        match own_region(region, parent) {
            Some(f) if f.path.parent() == Some(tmp) => f.save_as(bytes.len(), &p)?,
            _ => write_synced(&p, bytes)?,
        }
        total += bytes.len() as u64;
    }
    let mut m = meta.clone();
    m.format = FORMAT;
    m.little_endian = cfg!(target_endian = "little");
    let p = tmp.join("meta.json");
    let body = serde_json::to_vec_pretty(&m).unwrap_or_default();
    write_synced(&p, &body)?;
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
