//! Kansa's embedded store: one SQLite database (WAL) in the data directory.
//!
//! List snapshots are stored content-addressed: each entity version is
//! serialised once into `bodies`, keyed by the SHA-256 of its JSON, and a
//! snapshot is the set of `(entity id, body hash)` pairs it holds. Weekly
//! snapshots that change a handful of entries therefore cost a handful of
//! bodies, and a diff is a join on hashes.
//!
//! Invariants:
//! - an import is one transaction: it either lands whole (snapshot row,
//!   entity rows, activation) or leaves no trace;
//! - `(source, sha256)` is unique: importing identical bytes is a no-op;
//! - each source has at most one active snapshot, the one screening uses.

mod audit;
mod cases;
pub mod chain;
mod customers;
mod error;
pub mod ledger;
mod monitor;
mod pg;
mod registry;
mod schema;
mod snapshots;
pub mod sql;
mod users;

pub use chain::{graph_dir, open_graph, save_graph, GraphMeta, GraphSpace};
pub use customers::{Customer, Hit, HitChanges, HitEvent, Reseal};
pub use error::StoreError;
pub use kansa_audit as audit_log;
pub use ledger::{Ledger, LedgerExt};
pub use monitor::StoredDecision;
pub use pg::PgLedger;
pub use registry::RegistryFile;
pub use snapshots::{ImportOutcome, ImportRequest, StoreFingerprint};
pub use users::{TokenRow, User};

use rusqlite::Connection;
use std::path::{Path, PathBuf};

/// The embedded store.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    path: PathBuf,
    /// Who the audit log names for the changes made through this handle.
    actor: String,
    /// The data key personal data is sealed with at rest, when configured.
    sealer: Option<kansa_residency::Sealer>,
}

/// The data key from the environment: `KANSA_DATA_KEY_FILE` (a file
/// holding 64 hexadecimal digits, or after a rotation several keys, one
/// per line, the current one first) or `KANSA_DATA_KEY` (the digits,
/// commas between keys). Never stored in the database.
pub fn data_key_from_env() -> Result<Option<kansa_residency::Sealer>, StoreError> {
    let bad = |what: String, e: kansa_residency::SealError| StoreError::Io {
        path: what,
        error: std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string()),
    };
    if let Some(path) = std::env::var_os("KANSA_DATA_KEY_FILE") {
        let text = std::fs::read_to_string(&path).map_err(|e| StoreError::Io {
            path: PathBuf::from(&path).display().to_string(),
            error: e,
        })?;
        let shown = PathBuf::from(&path).display().to_string();
        return kansa_residency::Sealer::from_keys(&text)
            .map(Some)
            .map_err(|e| bad(shown, e));
    }
    match std::env::var("KANSA_DATA_KEY") {
        Ok(hex) => kansa_residency::Sealer::from_keys(&hex)
            .map(Some)
            .map_err(|e| bad("KANSA_DATA_KEY".into(), e)),
        Err(_) => Ok(None),
    }
}

/// 96 random bits for one seal.
pub(crate) fn nonce() -> Result<[u8; 12], StoreError> {
    let mut n = [0u8; 12];
    getrandom::fill(&mut n).map_err(|e| StoreError::Io {
        path: "the system's random source".into(),
        error: std::io::Error::other(e.to_string()),
    })?;
    Ok(n)
}

/// The file name of the database inside the data directory.
pub const DB_FILE: &str = "kansa.db";

impl Store {
    /// Opens (creating if needed) the store in `dir`.
    pub fn open_dir(dir: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(dir).map_err(|e| StoreError::Io {
            path: dir.display().to_string(),
            error: e,
        })?;
        Self::open(&dir.join(DB_FILE))
    }

    /// Opens (creating if needed) the database file at `path`.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = NORMAL;
             PRAGMA foreign_keys = ON;
             PRAGMA temp_store = MEMORY;",
        )?;
        let mut store = Store {
            conn,
            path: path.to_path_buf(),
            actor: "system".into(),
            sealer: data_key_from_env()?,
        };
        schema::migrate(&mut store.conn)?;
        Ok(store)
    }

    /// An in-memory store, for tests.
    pub fn open_in_memory() -> Result<Self, StoreError> {
        let mut conn = Connection::open_in_memory()?;
        conn.execute_batch("PRAGMA foreign_keys = ON;")?;
        schema::migrate(&mut conn)?;
        Ok(Store {
            conn,
            path: PathBuf::from(":memory:"),
            actor: "system".into(),
            sealer: None,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Seals personal data written from now on with this key (reads of
    /// sealed data need it too).
    pub fn set_sealer(&mut self, sealer: Option<kansa_residency::Sealer>) {
        self.sealer = sealer;
    }

    /// The data key personal data is sealed with, if one is set.
    pub fn sealer(&self) -> Option<&kansa_residency::Sealer> {
        self.sealer.as_ref()
    }
}
