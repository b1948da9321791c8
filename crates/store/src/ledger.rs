//! The ledger: what a running service writes and several replicas share —
//! decided events, the audit chain, users and tokens, cases and four-eyes
//! requests. The embedded [`Store`](crate::Store) keeps it in its SQLite
//! database beside the lists; [`PgLedger`](crate::PgLedger) keeps it in
//! PostgreSQL for replicas on several processes or machines. Both run the
//! same statements (see [`Sql`]) in transactions that hold the ledger's
//! write lock, so the audit chain never forks and a replayed event id is
//! seen by whichever replica gets it.

use crate::sql::Sql;
use crate::{audit, cases, monitor, users, StoreError, StoredDecision, TokenRow, User};
use kansa_audit::{Entry, Hash, Record};
use kansa_cases::{Alert, Case, CaseError, Request, Routing, Status};

/// A database holding the ledger.
pub trait Ledger: Send {
    /// `sqlite` or `postgresql`.
    fn backend(&self) -> &'static str;
    /// Who the audit log names for the changes made through this handle.
    fn actor(&self) -> &str;
    fn set_actor(&mut self, actor: &str);
    /// Runs `f` in a transaction that holds the ledger's write lock, and
    /// commits it if `f` succeeds (rolls it back otherwise).
    fn write_with(
        &mut self,
        f: &mut dyn FnMut(&mut dyn Sql) -> Result<(), StoreError>,
    ) -> Result<(), StoreError>;
    /// Runs `f` on a consistent view of the ledger.
    fn read_with(
        &self,
        f: &mut dyn FnMut(&mut dyn Sql) -> Result<(), StoreError>,
    ) -> Result<(), StoreError>;
}

fn lost() -> StoreError {
    StoreError::Corrupt {
        id: "ledger".into(),
        message: "a transaction's body did not run".into(),
    }
}

/// The ledger's operations, on any [`Ledger`].
pub trait LedgerExt: Ledger {
    /// Runs `f(sql, actor)` in a write transaction; its result once
    /// committed.
    fn write<T>(
        &mut self,
        f: impl FnOnce(&mut dyn Sql, &str) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let actor = self.actor().to_string();
        let mut f = Some(f);
        let mut out = None;
        self.write_with(&mut |sql| {
            let f = f.take().ok_or_else(lost)?;
            out = Some(f(sql, &actor)?);
            Ok(())
        })?;
        out.ok_or_else(lost)
    }

    /// Runs `f` on a consistent view; its result.
    fn read<T>(
        &self,
        f: impl FnOnce(&mut dyn Sql) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut f = Some(f);
        let mut out = None;
        self.read_with(&mut |sql| {
            let f = f.take().ok_or_else(lost)?;
            out = Some(f(sql)?);
            Ok(())
        })?;
        out.ok_or_else(lost)
    }

    // Decisions.

    /// Appends decided events in one transaction: all of them land or none.
    /// An event id already stored is left as it is (the first decision
    /// stands); returns how many were new.
    fn record_decisions(&mut self, rows: &[StoredDecision], at: &str) -> Result<usize, StoreError> {
        let actor = self.actor().to_string();
        let actors = vec![actor.as_str(); rows.len()];
        self.record_decisions_by(rows, &actors, at)
    }

    /// As [`LedgerExt::record_decisions`], each row audited as done by its
    /// own actor (`actors[i]` for `rows[i]`).
    fn record_decisions_by(
        &mut self,
        rows: &[StoredDecision],
        actors: &[&str],
        at: &str,
    ) -> Result<usize, StoreError> {
        self.write(|sql, _| {
            let seqs = monitor::record(sql, rows, actors, at)?;
            Ok(seqs.iter().flatten().count())
        })
    }

    /// The stored decision of an event id.
    fn decision(&self, event_id: &str) -> Result<Option<StoredDecision>, StoreError> {
        self.read(|sql| monitor::get(sql, event_id))
    }

    /// Every decided event after `after_seq`, in the order decided.
    fn decisions_after(
        &self,
        after_seq: i64,
        limit: usize,
    ) -> Result<Vec<StoredDecision>, StoreError> {
        self.read(|sql| monitor::after(sql, after_seq, limit))
    }

    /// How many events are stored.
    fn decision_count(&self) -> Result<u64, StoreError> {
        self.read(monitor::count)
    }

    // The audit log.

    /// Appends records to the audit log (one transaction).
    fn audit(&mut self, at: &str, records: &[Record]) -> Result<Vec<Entry>, StoreError> {
        self.write(|sql, _| audit::append(sql, at, records))
    }

    /// The last entry's sequence number and hash, as the store recorded it.
    fn audit_head(&self) -> Result<Option<(i64, Hash)>, StoreError> {
        self.read(audit::head)
    }

    /// Entries after `after`, in sequence order.
    fn audit_entries(&self, after: i64, limit: usize) -> Result<Vec<Entry>, StoreError> {
        self.read(|sql| audit::entries(sql, after, limit))
    }

    /// Calls `f` on every entry from `from` on, in sequence order, reading
    /// them in pages.
    fn for_each_audit<E: From<StoreError>>(
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
    fn audit_for(&self, subject: &str) -> Result<Vec<Entry>, StoreError> {
        self.read(|sql| audit::entries_for(sql, subject))
    }

    // Users and tokens.

    /// Adds a user; false when the name is taken.
    fn add_user(&mut self, u: &User) -> Result<bool, StoreError> {
        self.write(|sql, actor| users::add_user(sql, actor, u))
    }

    fn user(&self, name: &str) -> Result<Option<User>, StoreError> {
        self.read(|sql| users::user(sql, name))
    }

    fn users(&self) -> Result<Vec<User>, StoreError> {
        self.read(users::users)
    }

    /// Disables a user (their tokens stop working); false when unknown or
    /// already disabled.
    fn disable_user(&mut self, name: &str, at: &str) -> Result<bool, StoreError> {
        self.write(|sql, actor| {
            let subject = format!("user:{name}");
            users::stamp(
                sql,
                actor,
                users::DISABLE_USER,
                name,
                at,
                "user.disable",
                subject,
            )
        })
    }

    /// Stores a new token (its secret's hash).
    fn add_token(&mut self, t: &TokenRow) -> Result<(), StoreError> {
        self.write(|sql, actor| users::add_token(sql, actor, t))
    }

    /// A token by id.
    fn token(&self, id: &str) -> Result<Option<TokenRow>, StoreError> {
        self.read(|sql| users::token(sql, id))
    }

    /// Every token, or one user's.
    fn tokens(&self, user: Option<&str>) -> Result<Vec<TokenRow>, StoreError> {
        self.read(|sql| users::tokens(sql, user))
    }

    /// Revokes a token; false when unknown or already revoked.
    fn revoke_token(&mut self, id: &str, at: &str) -> Result<bool, StoreError> {
        self.write(|sql, actor| {
            let subject = format!("token:{id}");
            users::stamp(
                sql,
                actor,
                users::REVOKE_TOKEN,
                id,
                at,
                "token.revoke",
                subject,
            )
        })
    }

    // Cases and requests.

    /// Routes one alert (its own transaction).
    fn route_alert(&mut self, subject: &str, alert: Alert) -> Result<(i64, Routing), StoreError> {
        self.write(|sql, actor| cases::route_alert(sql, actor, subject, alert))
    }

    fn case(&self, id: i64) -> Result<Option<Case>, StoreError> {
        self.read(|sql| cases::load(sql, id))
    }

    /// Cases, newest first, optionally of one status or subject.
    fn cases(
        &self,
        status: Option<Status>,
        subject: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Case>, StoreError> {
        self.read(|sql| cases::list(sql, status, subject, limit))
    }

    /// Applies a change to a case and audits it as `action` with `detail`,
    /// in one transaction. The outer error is the store's; the inner one
    /// is the caller's (four eyes, closed case, missing reason), and then
    /// nothing is written.
    fn update_case<T>(
        &mut self,
        id: i64,
        at: &str,
        action: &str,
        detail: serde_json::Value,
        f: impl FnOnce(&mut Case) -> Result<T, CaseError>,
    ) -> Result<Option<Result<T, CaseError>>, StoreError> {
        self.write(|sql, actor| cases::update(sql, actor, id, at, action, detail, f))
    }

    /// Stores a new four-eyes request; returns it with its id.
    fn add_request(&mut self, r: Request) -> Result<Request, StoreError> {
        self.write(|sql, actor| cases::add_request(sql, actor, r))
    }

    fn request(&self, id: i64) -> Result<Option<Request>, StoreError> {
        self.read(|sql| cases::request(sql, id))
    }

    /// Requests, newest first, optionally of one status, kind or subject.
    fn requests(
        &self,
        status: Option<&str>,
        kind: Option<&str>,
        subject: Option<&str>,
    ) -> Result<Vec<Request>, StoreError> {
        self.read(|sql| cases::requests(sql, status, kind, subject))
    }

    /// Approves or rejects a request (see [`Request::decide`]).
    fn decide_request(
        &mut self,
        id: i64,
        approve: bool,
        may_approve: bool,
        role: &str,
        at: &str,
    ) -> Result<Option<Result<Request, CaseError>>, StoreError> {
        self.write(|sql, actor| {
            cases::decide_request(sql, actor, id, approve, may_approve, role, at)
        })
    }
}

impl<L: Ledger + ?Sized> LedgerExt for L {}

/// Steps to compose inside one [`LedgerExt::write`]: a decider reads what
/// other replicas stored, checks its batch and stores it under one lock.
pub mod ops {
    pub use crate::monitor::{
        after as decisions_after, among as decisions_among, record as record_decisions,
    };
}

impl Ledger for crate::Store {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    fn actor(&self) -> &str {
        &self.actor
    }

    fn set_actor(&mut self, actor: &str) {
        self.actor = actor.to_string();
    }

    fn write_with(
        &mut self,
        f: &mut dyn FnMut(&mut dyn Sql) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let tx = self.write_tx()?;
        f(&mut crate::sql::Lite(&tx))?;
        tx.commit()?;
        Ok(())
    }

    fn read_with(
        &self,
        f: &mut dyn FnMut(&mut dyn Sql) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        f(&mut crate::sql::Lite(&self.conn))
    }
}
