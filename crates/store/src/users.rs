//! Users and their API tokens. A token's secret is never stored: only its
//! SHA-256 (secrets are 256 random bits, so a plain hash cannot be
//! reversed by guessing). Every change is audited in its transaction.

use crate::audit::append;
use crate::sql::{Row, Sql};
use crate::{vals, StoreError};
use kansa_audit::Record;
use serde::Serialize;

/// A user of the service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub name: String,
    /// service, analyst, supervisor or admin.
    pub role: String,
    pub created_at: String,
    pub disabled_at: Option<String>,
}

/// A token as stored (without its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenRow {
    pub id: String,
    pub user: String,
    #[serde(skip)]
    pub secret_sha256: Vec<u8>,
    pub label: String,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub revoked_at: Option<String>,
}

fn user_row(r: &Row) -> Result<User, StoreError> {
    Ok(User {
        name: r.text(0)?,
        role: r.text(1)?,
        created_at: r.text(2)?,
        disabled_at: r.opt_text(3)?,
    })
}

fn token_row(r: &Row) -> Result<TokenRow, StoreError> {
    Ok(TokenRow {
        id: r.text(0)?,
        user: r.text(1)?,
        secret_sha256: r.blob(2)?,
        label: r.text(3)?,
        created_at: r.text(4)?,
        expires_at: r.opt_text(5)?,
        revoked_at: r.opt_text(6)?,
    })
}

const USER_COLUMNS: &str = "name, role, created_at, disabled_at";
const TOKEN_COLUMNS: &str =
    "id, user_name, secret_sha256, label, created_at, expires_at, revoked_at";

/// Adds a user; false when the name is taken.
pub(crate) fn add_user(sql: &mut dyn Sql, actor: &str, u: &User) -> Result<bool, StoreError> {
    let added = sql.exec(
        "INSERT INTO users (name, role, created_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (name) DO NOTHING",
        vals![&u.name, &u.role, &u.created_at],
    )? == 1;
    if added {
        append(
            sql,
            &u.created_at,
            &[Record::new(
                actor,
                "user.add",
                format!("user:{}", u.name),
                serde_json::json!({ "role": u.role }),
            )],
        )?;
    }
    Ok(added)
}

pub(crate) fn user(sql: &mut dyn Sql, name: &str) -> Result<Option<User>, StoreError> {
    sql.query_opt(
        &format!("SELECT {USER_COLUMNS} FROM users WHERE name = ?1"),
        vals![name],
    )?
    .as_ref()
    .map(user_row)
    .transpose()
}

pub(crate) fn users(sql: &mut dyn Sql) -> Result<Vec<User>, StoreError> {
    sql.query(
        &format!("SELECT {USER_COLUMNS} FROM users ORDER BY name"),
        &[],
    )?
    .iter()
    .map(user_row)
    .collect()
}

/// Sets a time column of one row (`sql` with `?1` the key and `?2` the
/// time) and audits it when the row changed; false when none did.
pub(crate) fn stamp(
    sql: &mut dyn Sql,
    actor: &str,
    statement: &str,
    key: &str,
    at: &str,
    action: &str,
    subject: String,
) -> Result<bool, StoreError> {
    let changed = sql.exec(statement, vals![key, at])? == 1;
    if changed {
        append(
            sql,
            at,
            &[Record::new(actor, action, subject, serde_json::json!({}))],
        )?;
    }
    Ok(changed)
}

pub(crate) const DISABLE_USER: &str =
    "UPDATE users SET disabled_at = ?2 WHERE name = ?1 AND disabled_at IS NULL";
pub(crate) const REVOKE_TOKEN: &str =
    "UPDATE tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL";

/// Stores a new token (its secret's hash).
pub(crate) fn add_token(sql: &mut dyn Sql, actor: &str, t: &TokenRow) -> Result<(), StoreError> {
    sql.exec(
        "INSERT INTO tokens (id, user_name, secret_sha256, label, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        vals![
            &t.id,
            &t.user,
            &t.secret_sha256,
            &t.label,
            &t.created_at,
            t.expires_at.as_deref()
        ],
    )?;
    append(
        sql,
        &t.created_at,
        &[Record::new(
            actor,
            "token.create",
            format!("token:{}", t.id),
            serde_json::json!({ "user": t.user, "label": t.label, "expires_at": t.expires_at }),
        )],
    )?;
    Ok(())
}

pub(crate) fn token(sql: &mut dyn Sql, id: &str) -> Result<Option<TokenRow>, StoreError> {
    sql.query_opt(
        &format!("SELECT {TOKEN_COLUMNS} FROM tokens WHERE id = ?1"),
        vals![id],
    )?
    .as_ref()
    .map(token_row)
    .transpose()
}

pub(crate) fn tokens(sql: &mut dyn Sql, user: Option<&str>) -> Result<Vec<TokenRow>, StoreError> {
    sql.query(
        &format!(
            "SELECT {TOKEN_COLUMNS} FROM tokens
             WHERE CAST(?1 AS TEXT) IS NULL OR user_name = ?1 ORDER BY created_at, id"
        ),
        vals![user],
    )?
    .iter()
    .map(token_row)
    .collect()
}
