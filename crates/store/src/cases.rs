//! Cases and four-eyes requests, stored as JSON bodies beside the columns
//! they are looked up by. Alerts are routed in the transaction of what
//! raised them (a decision stored, a hit found), so an alert is never lost
//! between the two; every change of a case is audited with it.

use crate::audit::append_in;
use crate::{Store, StoreError};
use kansa_audit::Record;
use kansa_cases::{route, Alert, Case, CaseError, Request, Routing, Status};
use rusqlite::{params, OptionalExtension, Transaction};

fn corrupt(id: i64, e: serde_json::Error) -> StoreError {
    StoreError::Corrupt {
        id: format!("case {id}"),
        message: e.to_string(),
    }
}

fn load(tx: &rusqlite::Connection, id: i64) -> Result<Option<Case>, StoreError> {
    let body: Option<String> = tx
        .query_row("SELECT body FROM cases WHERE id = ?1", [id], |r| r.get(0))
        .optional()?;
    body.map(|b| serde_json::from_str(&b).map_err(|e| corrupt(id, e)))
        .transpose()
}

fn save(tx: &Transaction<'_>, c: &Case) -> Result<(), StoreError> {
    let body = serde_json::to_string(c).map_err(|e| corrupt(c.id, e))?;
    tx.execute(
        "UPDATE cases SET status = ?2, body = ?3, updated_at = ?4 WHERE id = ?1",
        params![c.id, c.status.as_str(), body, c.updated_at],
    )?;
    Ok(())
}

fn cases_of(tx: &rusqlite::Connection, subject: &str) -> Result<Vec<Case>, StoreError> {
    let mut st = tx.prepare_cached("SELECT id, body FROM cases WHERE subject = ?1")?;
    let rows = st.query_map([subject], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, b) = row?;
        out.push(serde_json::from_str(&b).map_err(|e| corrupt(id, e))?);
    }
    Ok(out)
}

/// Routes an alert for `subject` inside a transaction: joins the open
/// case, is recorded as suppressed, or opens a case. Returns the case id.
pub(crate) fn route_alert_in(
    tx: &Transaction<'_>,
    actor: &str,
    subject: &str,
    alert: Alert,
) -> Result<(i64, Routing), StoreError> {
    let cases = cases_of(tx, subject)?;
    let routing = route(&cases, &alert);
    let reference = alert.reference.clone();
    let at = alert.at.clone();
    let id = match routing {
        Routing::Join(id) | Routing::Suppressed(id) => {
            let mut c =
                cases
                    .into_iter()
                    .find(|c| c.id == id)
                    .ok_or_else(|| StoreError::Corrupt {
                        id: format!("case {id}"),
                        message: "routed to a case that is not there".into(),
                    })?;
            if routing == Routing::Join(id) {
                c.add_alert(alert).map_err(|e| StoreError::Corrupt {
                    id: format!("case {id}"),
                    message: e.to_string(),
                })?;
            } else {
                c.record_suppressed(alert);
            }
            save(tx, &c)?;
            id
        }
        Routing::Open => {
            tx.execute(
                "INSERT INTO cases (subject, status, body, opened_at, updated_at) VALUES (?1, 'open', '{}', ?2, ?2)",
                params![subject, at],
            )?;
            let id = tx.last_insert_rowid();
            let mut c = Case::open(id, subject, &at);
            c.add_alert(alert).map_err(|e| StoreError::Corrupt {
                id: format!("case {id}"),
                message: e.to_string(),
            })?;
            save(tx, &c)?;
            id
        }
    };
    let action = match routing {
        Routing::Join(_) => "case.alert",
        Routing::Suppressed(_) => "case.suppressed",
        Routing::Open => "case.open",
    };
    append_in(
        tx,
        &at,
        &[Record::new(
            actor,
            action,
            format!("case:{id}"),
            serde_json::json!({ "subject": subject, "reference": reference }),
        )],
    )?;
    Ok((id, routing))
}

impl Store {
    /// Routes one alert (its own transaction).
    pub fn route_alert(
        &mut self,
        subject: &str,
        alert: Alert,
    ) -> Result<(i64, Routing), StoreError> {
        let actor = self.actor.clone();
        let tx = self.write_tx()?;
        let r = route_alert_in(&tx, &actor, subject, alert)?;
        tx.commit()?;
        Ok(r)
    }

    pub fn case(&self, id: i64) -> Result<Option<Case>, StoreError> {
        load(&self.conn, id)
    }

    /// Cases, newest first, optionally of one status or subject.
    pub fn cases(
        &self,
        status: Option<Status>,
        subject: Option<&str>,
        limit: usize,
    ) -> Result<Vec<Case>, StoreError> {
        let mut st = self.conn.prepare(
            "SELECT id, body FROM cases WHERE (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR subject = ?2)
             ORDER BY id DESC LIMIT ?3",
        )?;
        let rows = st.query_map(
            params![status.map(Status::as_str), subject, limit as i64],
            |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)),
        )?;
        let mut out = Vec::new();
        for row in rows {
            let (id, b) = row?;
            out.push(serde_json::from_str(&b).map_err(|e| corrupt(id, e))?);
        }
        Ok(out)
    }

    /// Applies a change to a case and audits it as `action` with `detail`,
    /// in one transaction. The outer error is the store's; the inner one
    /// is the caller's (four eyes, closed case, missing reason), and then
    /// nothing is written.
    pub fn update_case<T>(
        &mut self,
        id: i64,
        at: &str,
        action: &str,
        detail: serde_json::Value,
        f: impl FnOnce(&mut Case) -> Result<T, CaseError>,
    ) -> Result<Option<Result<T, CaseError>>, StoreError> {
        let actor = self.actor.clone();
        let tx = self.write_tx()?;
        let Some(mut c) = load(&tx, id)? else {
            return Ok(None);
        };
        let out = match f(&mut c) {
            Ok(v) => v,
            Err(e) => return Ok(Some(Err(e))),
        };
        save(&tx, &c)?;
        append_in(
            &tx,
            at,
            &[Record::new(actor, action, format!("case:{id}"), detail)],
        )?;
        tx.commit()?;
        Ok(Some(Ok(out)))
    }

    /// Stores a new four-eyes request; returns it with its id.
    pub fn add_request(&mut self, mut r: Request) -> Result<Request, StoreError> {
        let actor = self.actor.clone();
        let tx = self.write_tx()?;
        tx.execute(
            "INSERT INTO requests (kind, subject, status, body, requested_at) VALUES (?1, ?2, ?3, '{}', ?4)",
            params![r.kind, r.subject, r.status, r.requested_at],
        )?;
        r.id = tx.last_insert_rowid();
        let body = serde_json::to_string(&r).map_err(|e| corrupt(r.id, e))?;
        tx.execute(
            "UPDATE requests SET body = ?2 WHERE id = ?1",
            params![r.id, body],
        )?;
        append_in(
            &tx,
            &r.requested_at,
            &[Record::new(
                actor,
                "request.create",
                format!("request:{}", r.id),
                serde_json::json!({ "kind": r.kind, "subject": r.subject, "reason": r.reason }),
            )],
        )?;
        tx.commit()?;
        Ok(r)
    }

    pub fn request(&self, id: i64) -> Result<Option<Request>, StoreError> {
        let body: Option<String> = self
            .conn
            .query_row("SELECT body FROM requests WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()?;
        body.map(|b| serde_json::from_str(&b).map_err(|e| corrupt(id, e)))
            .transpose()
    }

    /// Requests, newest first, optionally of one status, kind or subject.
    pub fn requests(
        &self,
        status: Option<&str>,
        kind: Option<&str>,
        subject: Option<&str>,
    ) -> Result<Vec<Request>, StoreError> {
        let mut st = self.conn.prepare(
            "SELECT id, body FROM requests WHERE (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR kind = ?2)
             AND (?3 IS NULL OR subject = ?3) ORDER BY id DESC LIMIT 1000",
        )?;
        let rows = st.query_map(params![status, kind, subject], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, b) = row?;
            out.push(serde_json::from_str(&b).map_err(|e| corrupt(id, e))?);
        }
        Ok(out)
    }

    /// Approves or rejects a request (see [`Request::decide`]).
    pub fn decide_request(
        &mut self,
        id: i64,
        approve: bool,
        may_approve: bool,
        role: &str,
        at: &str,
    ) -> Result<Option<Result<Request, CaseError>>, StoreError> {
        let actor = self.actor.clone();
        let tx = self.write_tx()?;
        let body: Option<String> = tx
            .query_row("SELECT body FROM requests WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()?;
        let Some(body) = body else { return Ok(None) };
        let mut r: Request = serde_json::from_str(&body).map_err(|e| corrupt(id, e))?;
        if let Err(e) = r.decide(approve, &actor, may_approve, role, at) {
            return Ok(Some(Err(e)));
        }
        let body = serde_json::to_string(&r).map_err(|e| corrupt(id, e))?;
        tx.execute(
            "UPDATE requests SET status = ?2, body = ?3 WHERE id = ?1",
            params![id, r.status, body],
        )?;
        append_in(
            &tx,
            at,
            &[Record::new(
                &actor,
                if approve {
                    "request.approve"
                } else {
                    "request.reject"
                },
                format!("request:{id}"),
                serde_json::json!({ "kind": r.kind, "subject": r.subject, "requested_by": r.requested_by }),
            )],
        )?;
        tx.commit()?;
        Ok(Some(Ok(r)))
    }
}
