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

pub use chain::{graph_dir, open_graph, save_graph, GraphMeta};
pub use customers::{Customer, Hit, HitChanges, HitEvent};
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
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}
