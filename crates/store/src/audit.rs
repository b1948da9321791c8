//! The audit log in the database: `audit_log` holds the entries,
//! `audit_head` the last one's sequence number and hash, written in the
//! same transaction, so that removing entries at the end is caught too.
//!
//! Appends run in `BEGIN IMMEDIATE` transactions: two writers (two
//! processes on one data directory) take turns and never fork the chain;
//! the primary key on `seq` refuses a second entry with the same number.

use crate::{Store, StoreError};
use kansa_audit::{Entry, Hash, Record};
use rusqlite::{params, OptionalExtension, Transaction, TransactionBehavior};

fn hash_of(v: Vec<u8>, what: &str) -> Result<Hash, StoreError> {
    v.try_into().map_err(|_| StoreError::Corrupt {
        id: what.to_string(),
        message: "a stored hash is not 32 bytes".into(),
    })
}

/// The head inside a transaction.
fn head_in(tx: &rusqlite::Connection) -> Result<Option<(i64, Hash)>, StoreError> {
    let row: Option<(i64, Vec<u8>)> = tx
        .query_row("SELECT seq, hash FROM audit_head WHERE id = 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    row.map(|(s, h)| Ok((s, hash_of(h, "audit head")?)))
        .transpose()
}

/// Appends records inside an open transaction (that of the change they
/// record, so that both land or neither does).
pub(crate) fn append_in(
    tx: &Transaction<'_>,
    at: &str,
    records: &[Record],
) -> Result<Vec<Entry>, StoreError> {
    let mut head = head_in(tx)?;
    let mut out = Vec::with_capacity(records.len());
    {
        let mut stmt = tx.prepare_cached(
            "INSERT INTO audit_log (seq, at, actor, action, subject, detail, prev, hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?;
        for r in records {
            let e = Entry::append(head, at, r);
            stmt.execute(params![
                e.seq,
                e.at,
                e.actor,
                e.action,
                e.subject,
                e.detail,
                &e.prev[..],
                &e.hash[..]
            ])?;
            head = Some((e.seq, e.hash));
            out.push(e);
        }
    }
    if let Some((seq, hash)) = head {
        tx.execute(
            "INSERT INTO audit_head (id, seq, hash) VALUES (1, ?1, ?2)
             ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
            params![seq, &hash[..]],
        )?;
    }
    Ok(out)
}

impl Store {
    /// A write transaction that holds the database's write lock from the
    /// start (no upgrade from reader to writer that could fail midway).
    pub(crate) fn write_tx(&mut self) -> Result<Transaction<'_>, StoreError> {
        Ok(self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?)
    }

    /// Appends records to the audit log (one transaction).
    pub fn audit(&mut self, at: &str, records: &[Record]) -> Result<Vec<Entry>, StoreError> {
        let tx = self.write_tx()?;
        let out = append_in(&tx, at, records)?;
        tx.commit()?;
        Ok(out)
    }

    /// The last entry's sequence number and hash, as the store recorded it.
    pub fn audit_head(&self) -> Result<Option<(i64, Hash)>, StoreError> {
        head_in(&self.conn)
    }

    /// Entries after `after`, in sequence order.
    pub fn audit_entries(&self, after: i64, limit: usize) -> Result<Vec<Entry>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {ENTRY_COLUMNS} FROM audit_log WHERE seq > ?1 ORDER BY seq LIMIT ?2"
        ))?;
        let rows = stmt.query_map(params![after, limit as i64], raw_entry)?;
        rows.map(|r| entry(r?)).collect()
    }

    /// Calls `f` on every entry from `from` on, in sequence order, reading
    /// them in pages.
    pub fn for_each_audit<E: From<StoreError>>(
        &self,
        from: i64,
        mut f: impl FnMut(Entry) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut after = from - 1;
        loop {
            let rows = self.audit_entries(after, 10_000)?;
            let Some(last) = rows.last() else {
                return Ok(());
            };
            after = last.seq;
            for e in rows {
                f(e)?;
            }
        }
    }

    /// The entries about one subject (a case, an event id), oldest first.
    pub fn audit_for(&self, subject: &str) -> Result<Vec<Entry>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {ENTRY_COLUMNS} FROM audit_log WHERE subject = ?1 ORDER BY seq"
        ))?;
        let rows = stmt.query_map([subject], raw_entry)?;
        rows.map(|r| entry(r?)).collect()
    }
}

const ENTRY_COLUMNS: &str = "seq, at, actor, action, subject, detail, prev, hash";

type RawEntry = (
    i64,
    String,
    String,
    String,
    String,
    String,
    Vec<u8>,
    Vec<u8>,
);

fn raw_entry(r: &rusqlite::Row<'_>) -> rusqlite::Result<RawEntry> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
    ))
}

fn entry(
    (seq, at, actor, action, subject, detail, prev, hash): RawEntry,
) -> Result<Entry, StoreError> {
    let what = format!("audit entry {seq}");
    Ok(Entry {
        seq,
        at,
        actor,
        action,
        subject,
        detail,
        prev: hash_of(prev, &what)?,
        hash: hash_of(hash, &what)?,
    })
}
