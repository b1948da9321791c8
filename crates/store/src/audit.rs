//! The audit log in the database: `audit_log` holds the entries,
//! `audit_head` the last one's sequence number and hash, written in the
//! same transaction, so that removing entries at the end is caught too.
//!
//! Appends run in write transactions that hold the ledger's write lock
//! (SQLite's `BEGIN IMMEDIATE`, a PostgreSQL advisory lock): two writers
//! take turns and never fork the chain; the primary key on `seq` refuses
//! a second entry with the same number.

use crate::sql::{placeholders, Lite, Row, Sql, Value, ROWS_PER_INSERT};
use crate::{vals, Store, StoreError};
use kansa_audit::{Entry, Hash, Record};
use rusqlite::{Transaction, TransactionBehavior};

fn hash_of(v: Vec<u8>, what: &str) -> Result<Hash, StoreError> {
    v.try_into().map_err(|_| StoreError::Corrupt {
        id: what.to_string(),
        message: "a stored hash is not 32 bytes".into(),
    })
}

/// The last entry's sequence number and hash, as the store recorded it.
pub(crate) fn head(sql: &mut dyn Sql) -> Result<Option<(i64, Hash)>, StoreError> {
    sql.query_opt("SELECT seq, hash FROM audit_head WHERE id = 1", &[])?
        .map(|r| Ok((r.int(0)?, hash_of(r.blob(1)?, "audit head")?)))
        .transpose()
}

/// Appends records inside an open write transaction (that of the change
/// they record, so that both land or neither does).
pub(crate) fn append(
    sql: &mut dyn Sql,
    at: &str,
    records: &[Record],
) -> Result<Vec<Entry>, StoreError> {
    let mut last = head(sql)?;
    let mut out = Vec::with_capacity(records.len());
    for r in records {
        let e = Entry::append(last, at, r);
        last = Some((e.seq, e.hash));
        out.push(e);
    }
    // Many rows to one statement: one round trip per chunk on a server.
    for chunk in out.chunks(ROWS_PER_INSERT) {
        let mut params = Vec::with_capacity(chunk.len() * 8);
        for e in chunk {
            params.extend([
                Value::from(e.seq),
                Value::from(&e.at),
                Value::from(&e.actor),
                Value::from(&e.action),
                Value::from(&e.subject),
                Value::from(&e.detail),
                Value::from(&e.prev[..]),
                Value::from(&e.hash[..]),
            ]);
        }
        sql.exec(
            &format!(
                "INSERT INTO audit_log (seq, at, actor, action, subject, detail, prev, hash) VALUES {}",
                placeholders(chunk.len(), 8)
            ),
            &params,
        )?;
    }
    if let Some((seq, hash)) = last {
        sql.exec(
            "INSERT INTO audit_head (id, seq, hash) VALUES (1, ?1, ?2)
             ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
            vals![seq, &hash[..]],
        )?;
    }
    Ok(out)
}

/// [`append`] inside a SQLite transaction of the embedded store.
pub(crate) fn append_in(
    tx: &Transaction<'_>,
    at: &str,
    records: &[Record],
) -> Result<Vec<Entry>, StoreError> {
    append(&mut Lite(tx), at, records)
}

const ENTRY_COLUMNS: &str = "seq, at, actor, action, subject, detail, prev, hash";

/// Entries after `after`, in sequence order.
pub(crate) fn entries(
    sql: &mut dyn Sql,
    after: i64,
    limit: usize,
) -> Result<Vec<Entry>, StoreError> {
    sql.query(
        &format!("SELECT {ENTRY_COLUMNS} FROM audit_log WHERE seq > ?1 ORDER BY seq LIMIT ?2"),
        vals![after, limit as i64],
    )?
    .iter()
    .map(entry)
    .collect()
}

/// The entries about one subject (a case, an event id), oldest first.
pub(crate) fn entries_for(sql: &mut dyn Sql, subject: &str) -> Result<Vec<Entry>, StoreError> {
    sql.query(
        &format!("SELECT {ENTRY_COLUMNS} FROM audit_log WHERE subject = ?1 ORDER BY seq"),
        vals![subject],
    )?
    .iter()
    .map(entry)
    .collect()
}

fn entry(r: &Row) -> Result<Entry, StoreError> {
    let seq = r.int(0)?;
    let what = format!("audit entry {seq}");
    Ok(Entry {
        seq,
        at: r.text(1)?,
        actor: r.text(2)?,
        action: r.text(3)?,
        subject: r.text(4)?,
        detail: r.text(5)?,
        prev: hash_of(r.blob(6)?, &what)?,
        hash: hash_of(r.blob(7)?, &what)?,
    })
}

impl Store {
    /// A write transaction that holds the database's write lock from the
    /// start (no upgrade from reader to writer that could fail midway).
    pub(crate) fn write_tx(&mut self) -> Result<Transaction<'_>, StoreError> {
        Ok(self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?)
    }
}
