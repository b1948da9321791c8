//! Schema migrations, applied in order and recorded in `user_version`.

use crate::StoreError;
use rusqlite::Connection;

const MIGRATIONS: &[&str] = &[
    // 1: list snapshots, content-addressed entity bodies.
    "CREATE TABLE snapshots (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        source      TEXT NOT NULL,
        format      TEXT NOT NULL,
        version     TEXT NOT NULL,
        published   TEXT,
        sha256      TEXT NOT NULL,
        imported_at TEXT NOT NULL,
        files       TEXT NOT NULL,
        counts      TEXT NOT NULL,
        warnings    TEXT NOT NULL,
        UNIQUE (source, sha256)
    );
    CREATE TABLE active (
        source      TEXT PRIMARY KEY,
        snapshot_id INTEGER NOT NULL REFERENCES snapshots(id)
    );
    CREATE TABLE bodies (
        hash BLOB PRIMARY KEY,
        body TEXT NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE snapshot_entities (
        snapshot_id INTEGER NOT NULL REFERENCES snapshots(id),
        entity_id   TEXT NOT NULL,
        hash        BLOB NOT NULL REFERENCES bodies(hash),
        PRIMARY KEY (snapshot_id, entity_id)
    ) WITHOUT ROWID;",
    // 2: the customer register, its current screening hits, and the log of
    // hits found and lost.
    "CREATE TABLE customers (
        id         TEXT PRIMARY KEY,
        body       TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE customer_hits (
        customer_id  TEXT NOT NULL REFERENCES customers(id),
        entity_id    TEXT NOT NULL,
        score        REAL NOT NULL,
        matched_name TEXT NOT NULL,
        since        TEXT NOT NULL,
        PRIMARY KEY (customer_id, entity_id)
    ) WITHOUT ROWID;
    CREATE TABLE hit_events (
        seq          INTEGER PRIMARY KEY AUTOINCREMENT,
        at           TEXT NOT NULL,
        customer_id  TEXT NOT NULL,
        entity_id    TEXT NOT NULL,
        change       TEXT NOT NULL CHECK (change IN ('new', 'removed')),
        score        REAL NOT NULL,
        matched_name TEXT NOT NULL,
        reason       TEXT NOT NULL
    );",
    // 3: address labels (TagPacks and the like), replaced pack by pack.
    "CREATE TABLE address_labels (
        address     TEXT NOT NULL,
        currency    TEXT NOT NULL,
        category    TEXT NOT NULL,
        label       TEXT NOT NULL,
        actor       TEXT,
        source      TEXT NOT NULL,
        confidence  TEXT,
        pack        TEXT NOT NULL,
        imported_at TEXT NOT NULL,
        PRIMARY KEY (pack, address, label)
    ) WITHOUT ROWID;
    CREATE INDEX address_labels_address ON address_labels(address);",
    // 4: monitoring: every event decided, in the order decided, with its
    // decision (the event log rebuilds the windows on restart).
    "CREATE TABLE monitor_events (
        seq        INTEGER PRIMARY KEY AUTOINCREMENT,
        event_id   TEXT NOT NULL UNIQUE,
        time       TEXT NOT NULL,
        type       TEXT NOT NULL,
        customer   TEXT,
        outcome    TEXT NOT NULL CHECK (outcome IN ('approve', 'review', 'hold', 'block')),
        score      INTEGER NOT NULL,
        event      TEXT NOT NULL,
        decision   TEXT NOT NULL
    );
    CREATE INDEX monitor_events_customer ON monitor_events(customer, seq);
    CREATE INDEX monitor_events_outcome ON monitor_events(outcome, seq);",
    // 5: registry extracts (ownership and control), kept as the bytes
    // received, one per dataset name, with the name matches screening found
    // for their parties.
    "CREATE TABLE registry_files (
        name        TEXT PRIMARY KEY,
        file        TEXT NOT NULL,
        sha256      TEXT NOT NULL,
        body        BLOB NOT NULL,
        rows        INTEGER NOT NULL,
        matches     TEXT NOT NULL,
        imported_at TEXT NOT NULL
    );",
    // 6: the audit log (a SHA-256 hash chain) and its head; users and their
    // API tokens (only a hash of each secret is kept).
    "CREATE TABLE audit_log (
        seq     INTEGER PRIMARY KEY,
        at      TEXT NOT NULL,
        actor   TEXT NOT NULL,
        action  TEXT NOT NULL,
        subject TEXT NOT NULL,
        detail  TEXT NOT NULL,
        prev    BLOB NOT NULL,
        hash    BLOB NOT NULL
    );
    CREATE INDEX audit_log_subject ON audit_log(subject);
    CREATE TABLE audit_head (
        id   INTEGER PRIMARY KEY CHECK (id = 1),
        seq  INTEGER NOT NULL,
        hash BLOB NOT NULL
    );
    CREATE TABLE users (
        name       TEXT PRIMARY KEY,
        role       TEXT NOT NULL CHECK (role IN ('service', 'analyst', 'supervisor', 'admin')),
        created_at TEXT NOT NULL,
        disabled_at TEXT
    );
    CREATE TABLE tokens (
        id            TEXT PRIMARY KEY,
        user_name     TEXT NOT NULL REFERENCES users(name),
        secret_sha256 BLOB NOT NULL,
        label         TEXT NOT NULL,
        created_at    TEXT NOT NULL,
        expires_at    TEXT,
        revoked_at    TEXT
    );",
    // 7: cases (one JSON body each, looked up by subject and status) and
    // the four-eyes requests (release a hold, publish rules, lift a breaker).
    "CREATE TABLE cases (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        subject    TEXT NOT NULL,
        status     TEXT NOT NULL CHECK (status IN ('open', 'pending_approval', 'closed')),
        body       TEXT NOT NULL,
        opened_at  TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX cases_subject ON cases(subject, status);
    CREATE INDEX cases_status ON cases(status, id);
    CREATE TABLE requests (
        id           INTEGER PRIMARY KEY AUTOINCREMENT,
        kind         TEXT NOT NULL,
        subject      TEXT NOT NULL,
        status       TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
        body         TEXT NOT NULL,
        requested_at TEXT NOT NULL
    );
    CREATE INDEX requests_subject ON requests(kind, subject);",
];

pub(crate) fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let known = MIGRATIONS.len() as i64;
    if current > known {
        return Err(StoreError::NewerSchema {
            found: current,
            known,
        });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
    }
    Ok(())
}
