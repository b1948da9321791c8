//! Users and their API tokens. A token's secret is never stored: only its
//! SHA-256 (secrets are 256 random bits, so a plain hash cannot be
//! reversed by guessing). Every change is audited in its own transaction,
//! as done by the store's actor.

use crate::audit::append_in;
use crate::{Store, StoreError};
use kansa_audit::Record;
use rusqlite::{params, OptionalExtension};
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

fn user_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<User> {
    Ok(User {
        name: r.get(0)?,
        role: r.get(1)?,
        created_at: r.get(2)?,
        disabled_at: r.get(3)?,
    })
}

fn token_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<TokenRow> {
    Ok(TokenRow {
        id: r.get(0)?,
        user: r.get(1)?,
        secret_sha256: r.get(2)?,
        label: r.get(3)?,
        created_at: r.get(4)?,
        expires_at: r.get(5)?,
        revoked_at: r.get(6)?,
    })
}

const TOKEN_COLUMNS: &str =
    "id, user_name, secret_sha256, label, created_at, expires_at, revoked_at";

impl Store {
    /// Adds a user; false when the name is taken.
    pub fn add_user(&mut self, u: &User) -> Result<bool, StoreError> {
        let actor = self.actor.clone();
        let tx = self.write_tx()?;
        let added = tx.execute(
            "INSERT INTO users (name, role, created_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (name) DO NOTHING",
            params![u.name, u.role, u.created_at],
        )?;
        if added == 1 {
            append_in(
                &tx,
                &u.created_at,
                &[Record::new(
                    &actor,
                    "user.add",
                    format!("user:{}", u.name),
                    serde_json::json!({ "role": u.role }),
                )],
            )?;
        }
        tx.commit()?;
        Ok(added == 1)
    }

    pub fn user(&self, name: &str) -> Result<Option<User>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT name, role, created_at, disabled_at FROM users WHERE name = ?1",
                [name],
                user_row,
            )
            .optional()?)
    }

    pub fn users(&self) -> Result<Vec<User>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT name, role, created_at, disabled_at FROM users ORDER BY name")?;
        let rows = stmt.query_map([], user_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Disables a user (their tokens stop working); false when unknown or
    /// already disabled.
    pub fn disable_user(&mut self, name: &str, at: &str) -> Result<bool, StoreError> {
        self.stamp(
            "UPDATE users SET disabled_at = ?2 WHERE name = ?1 AND disabled_at IS NULL",
            name,
            at,
            "user.disable",
            format!("user:{name}"),
        )
    }

    /// Sets a time column of one row (`sql` with `?1` the key and `?2` the
    /// time) and audits it when the row changed; false when none did.
    fn stamp(
        &mut self,
        sql: &str,
        key: &str,
        at: &str,
        action: &str,
        subject: String,
    ) -> Result<bool, StoreError> {
        let actor = self.actor.clone();
        let tx = self.write_tx()?;
        let n = tx.execute(sql, params![key, at])?;
        if n == 1 {
            append_in(
                &tx,
                at,
                &[Record::new(&actor, action, subject, serde_json::json!({}))],
            )?;
        }
        tx.commit()?;
        Ok(n == 1)
    }

    /// Stores a new token (its secret's hash).
    pub fn add_token(&mut self, t: &TokenRow) -> Result<(), StoreError> {
        let actor = self.actor.clone();
        let tx = self.write_tx()?;
        tx.execute(
            "INSERT INTO tokens (id, user_name, secret_sha256, label, created_at, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                t.id,
                t.user,
                t.secret_sha256,
                t.label,
                t.created_at,
                t.expires_at
            ],
        )?;
        append_in(
            &tx,
            &t.created_at,
            &[Record::new(
                &actor,
                "token.create",
                format!("token:{}", t.id),
                serde_json::json!({ "user": t.user, "label": t.label, "expires_at": t.expires_at }),
            )],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// A token by id.
    pub fn token(&self, id: &str) -> Result<Option<TokenRow>, StoreError> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {TOKEN_COLUMNS} FROM tokens WHERE id = ?1"),
                [id],
                token_row,
            )
            .optional()?)
    }

    /// Every token, or one user's.
    pub fn tokens(&self, user: Option<&str>) -> Result<Vec<TokenRow>, StoreError> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {TOKEN_COLUMNS} FROM tokens
             WHERE ?1 IS NULL OR user_name = ?1 ORDER BY created_at, id"
        ))?;
        let rows = stmt.query_map([user], token_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Revokes a token; false when unknown or already revoked.
    pub fn revoke_token(&mut self, id: &str, at: &str) -> Result<bool, StoreError> {
        self.stamp(
            "UPDATE tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
            id,
            at,
            "token.revoke",
            format!("token:{id}"),
        )
    }
}
