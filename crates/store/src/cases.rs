//! Cases and four-eyes requests, stored as JSON bodies beside the columns
//! they are looked up by. Alerts are routed in the transaction of what
//! raised them (a decision stored, a hit found), so an alert is never lost
//! between the two; every change of a case is audited with it.

use crate::audit::append;
use crate::sql::{Lite, Row, Sql};
use crate::{vals, StoreError};
use kansa_audit::Record;
use kansa_cases::{route, Alert, Case, CaseError, Request, Routing, Status};
use serde::de::DeserializeOwned;

fn corrupt(what: &str, id: i64, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt {
        id: format!("{what} {id}"),
        message: e.to_string(),
    }
}

/// The JSON body of row `(id, body)`.
fn body<T: DeserializeOwned>(what: &str, r: &Row) -> Result<T, StoreError> {
    let id = r.int(0)?;
    serde_json::from_str(&r.text(1)?).map_err(|e| corrupt(what, id, e))
}

fn bodies<T: DeserializeOwned>(what: &str, rows: Vec<Row>) -> Result<Vec<T>, StoreError> {
    rows.iter().map(|r| body(what, r)).collect()
}

pub(crate) fn load(sql: &mut dyn Sql, id: i64) -> Result<Option<Case>, StoreError> {
    sql.query_opt("SELECT id, body FROM cases WHERE id = ?1", vals![id])?
        .map(|r| body("case", &r))
        .transpose()
}

fn save(sql: &mut dyn Sql, c: &Case) -> Result<(), StoreError> {
    let body = serde_json::to_string(c).map_err(|e| corrupt("case", c.id, e))?;
    sql.exec(
        "UPDATE cases SET status = ?2, body = ?3, updated_at = ?4 WHERE id = ?1",
        vals![c.id, c.status.as_str(), body, &c.updated_at],
    )?;
    Ok(())
}

/// Routes an alert for `subject` inside a write transaction: joins the
/// open case, is recorded as suppressed, or opens a case. Returns the case
/// id.
pub(crate) fn route_alert(
    sql: &mut dyn Sql,
    actor: &str,
    subject: &str,
    alert: Alert,
) -> Result<(i64, Routing), StoreError> {
    let cases: Vec<Case> = bodies(
        "case",
        sql.query(
            "SELECT id, body FROM cases WHERE subject = ?1",
            vals![subject],
        )?,
    )?;
    let routing = route(&cases, &alert);
    let reference = alert.reference.clone();
    let at = alert.at.clone();
    let id = match routing {
        Routing::Join(id) | Routing::Suppressed(id) => {
            let mut c = cases
                .into_iter()
                .find(|c| c.id == id)
                .ok_or_else(|| corrupt("case", id, "routed to a case that is not there"))?;
            if routing == Routing::Join(id) {
                c.add_alert(alert).map_err(|e| corrupt("case", id, e))?;
            } else {
                c.record_suppressed(alert);
            }
            save(sql, &c)?;
            id
        }
        Routing::Open => {
            let row = sql
                .query_opt(
                    "INSERT INTO cases (subject, status, body, opened_at, updated_at)
                     VALUES (?1, 'open', '{}', ?2, ?2) RETURNING id",
                    vals![subject, &at],
                )?
                .ok_or_else(|| corrupt("case", 0, "no id returned"))?;
            let id = row.int(0)?;
            let mut c = Case::open(id, subject, &at);
            c.add_alert(alert).map_err(|e| corrupt("case", id, e))?;
            save(sql, &c)?;
            id
        }
    };
    let action = match routing {
        Routing::Join(_) => "case.alert",
        Routing::Suppressed(_) => "case.suppressed",
        Routing::Open => "case.open",
    };
    append(
        sql,
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

/// [`route_alert`] inside a SQLite transaction of the embedded store.
pub(crate) fn route_alert_in(
    tx: &rusqlite::Transaction<'_>,
    actor: &str,
    subject: &str,
    alert: Alert,
) -> Result<(i64, Routing), StoreError> {
    route_alert(&mut Lite(tx), actor, subject, alert)
}

/// Cases, newest first, optionally of one status or subject.
pub(crate) fn list(
    sql: &mut dyn Sql,
    status: Option<Status>,
    subject: Option<&str>,
    limit: usize,
) -> Result<Vec<Case>, StoreError> {
    bodies(
        "case",
        sql.query(
            "SELECT id, body FROM cases WHERE (CAST(?1 AS TEXT) IS NULL OR status = ?1) AND (CAST(?2 AS TEXT) IS NULL OR subject = ?2)
             ORDER BY id DESC LIMIT ?3",
            vals![status.map(Status::as_str), subject, limit as i64],
        )?,
    )
}

/// Applies a change to a case and audits it as `action` with `detail`.
/// The outer error is the store's; the inner one is the caller's (four
/// eyes, closed case, missing reason), and then nothing is written.
#[allow(clippy::too_many_arguments)]
pub(crate) fn update<T>(
    sql: &mut dyn Sql,
    actor: &str,
    id: i64,
    at: &str,
    action: &str,
    detail: serde_json::Value,
    f: impl FnOnce(&mut Case) -> Result<T, CaseError>,
) -> Result<Option<Result<T, CaseError>>, StoreError> {
    let Some(mut c) = load(sql, id)? else {
        return Ok(None);
    };
    let out = match f(&mut c) {
        Ok(v) => v,
        Err(e) => return Ok(Some(Err(e))),
    };
    save(sql, &c)?;
    append(
        sql,
        at,
        &[Record::new(actor, action, format!("case:{id}"), detail)],
    )?;
    Ok(Some(Ok(out)))
}

/// Stores a new four-eyes request; returns it with its id.
pub(crate) fn add_request(
    sql: &mut dyn Sql,
    actor: &str,
    mut r: Request,
) -> Result<Request, StoreError> {
    let row = sql
        .query_opt(
            "INSERT INTO requests (kind, subject, status, body, requested_at)
             VALUES (?1, ?2, ?3, '{}', ?4) RETURNING id",
            vals![&r.kind, &r.subject, &r.status, &r.requested_at],
        )?
        .ok_or_else(|| corrupt("request", 0, "no id returned"))?;
    r.id = row.int(0)?;
    let body = serde_json::to_string(&r).map_err(|e| corrupt("request", r.id, e))?;
    sql.exec(
        "UPDATE requests SET body = ?2 WHERE id = ?1",
        vals![r.id, body],
    )?;
    append(
        sql,
        &r.requested_at,
        &[Record::new(
            actor,
            "request.create",
            format!("request:{}", r.id),
            serde_json::json!({ "kind": r.kind, "subject": r.subject, "reason": r.reason }),
        )],
    )?;
    Ok(r)
}

pub(crate) fn request(sql: &mut dyn Sql, id: i64) -> Result<Option<Request>, StoreError> {
    sql.query_opt("SELECT id, body FROM requests WHERE id = ?1", vals![id])?
        .map(|r| body("request", &r))
        .transpose()
}

/// Requests, newest first, optionally of one status, kind or subject.
pub(crate) fn requests(
    sql: &mut dyn Sql,
    status: Option<&str>,
    kind: Option<&str>,
    subject: Option<&str>,
) -> Result<Vec<Request>, StoreError> {
    bodies(
        "request",
        sql.query(
            "SELECT id, body FROM requests WHERE (CAST(?1 AS TEXT) IS NULL OR status = ?1) AND (CAST(?2 AS TEXT) IS NULL OR kind = ?2)
             AND (CAST(?3 AS TEXT) IS NULL OR subject = ?3) ORDER BY id DESC LIMIT 1000",
            vals![status, kind, subject],
        )?,
    )
}

/// Approves or rejects a request (see [`Request::decide`]).
pub(crate) fn decide_request(
    sql: &mut dyn Sql,
    actor: &str,
    id: i64,
    approve: bool,
    may_approve: bool,
    role: &str,
    at: &str,
) -> Result<Option<Result<Request, CaseError>>, StoreError> {
    let Some(mut r) = request(sql, id)? else {
        return Ok(None);
    };
    if let Err(e) = r.decide(approve, actor, may_approve, role, at) {
        return Ok(Some(Err(e)));
    }
    let body = serde_json::to_string(&r).map_err(|e| corrupt("request", id, e))?;
    sql.exec(
        "UPDATE requests SET status = ?2, body = ?3 WHERE id = ?1",
        vals![id, &r.status, body],
    )?;
    append(
        sql,
        at,
        &[Record::new(
            actor,
            if approve {
                "request.approve"
            } else {
                "request.reject"
            },
            format!("request:{id}"),
            serde_json::json!({ "kind": r.kind, "subject": r.subject, "requested_by": r.requested_by }),
        )],
    )?;
    Ok(Some(Ok(r)))
}
