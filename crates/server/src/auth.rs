//! API tokens and roles.
//!
//! A token reads `kansa_<id>_<secret>`: `id` (12 hex digits) finds the
//! stored row, `secret` (64 hex digits, 256 random bits) proves it. Only
//! the SHA-256 of the secret is stored, and it is compared in constant
//! time. A token works while its user is enabled, it is not revoked and
//! not past its expiry.
//!
//! Roles, from least to most trusted in what they may change:
//! - `service`: the exchange's systems — screening, events → decisions;
//! - `analyst`: works alerts and cases, screens, reads lists and the chain;
//! - `supervisor`: an analyst who may also approve (the second pair of
//!   eyes) and read the audit log;
//! - `admin`: lists, users, tokens, settings; reads everything.

use sha2::{Digest, Sha256};
use std::fmt;

/// A user's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Service,
    Analyst,
    Supervisor,
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Service, Role::Analyst, Role::Supervisor, Role::Admin];

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s.trim())
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Service => "service",
            Role::Analyst => "analyst",
            Role::Supervisor => "supervisor",
            Role::Admin => "admin",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a route needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Screen names and addresses.
    Screen,
    /// Submit events for decisions.
    Decide,
    /// Read decisions, alerts, customers, lists, the chain.
    Read,
    /// Work cases: notes, assignment, evidence, requests to close or
    /// release (the first pair of eyes).
    Work,
    /// Approve or reject what another person requested (the second pair).
    Approve,
    /// Read and verify the audit log.
    Audit,
    /// Import lists, manage users and tokens.
    Administer,
}

impl Need {
    pub fn as_str(self) -> &'static str {
        match self {
            Need::Screen => "screen",
            Need::Decide => "decide",
            Need::Read => "read",
            Need::Work => "work",
            Need::Approve => "approve",
            Need::Audit => "audit",
            Need::Administer => "administer",
        }
    }
}

/// Whether `role` may do what `need` names.
pub fn allows(role: Role, need: Need) -> bool {
    use Role::*;
    match need {
        Need::Screen => true,
        Need::Decide => matches!(role, Service | Admin),
        Need::Read => matches!(role, Analyst | Supervisor | Admin),
        Need::Work => matches!(role, Analyst | Supervisor),
        Need::Approve => matches!(role, Supervisor),
        Need::Audit => matches!(role, Supervisor | Admin),
        Need::Administer => matches!(role, Admin),
    }
}

/// A token as handed out once, at creation.
#[derive(Debug, Clone)]
pub struct NewToken {
    pub id: String,
    pub secret_sha256: [u8; 32],
    /// `kansa_<id>_<secret>`: what the client sends as `Authorization:
    /// Bearer …`.
    pub token: String,
}

fn hex(b: &[u8]) -> String {
    kansa_audit::to_hex(b)
}

/// Random bytes from the operating system.
pub fn random_bytes<const N: usize>() -> Result<[u8; N], String> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|e| format!("no random numbers from the system: {e}"))?;
    Ok(b)
}

/// A fresh token.
pub fn generate() -> Result<NewToken, String> {
    let id = hex(&random_bytes::<6>()?);
    let secret = hex(&random_bytes::<32>()?);
    Ok(NewToken {
        token: format!("kansa_{id}_{secret}"),
        secret_sha256: secret_hash(&secret),
        id,
    })
}

/// The stored form of a secret.
pub fn secret_hash(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

/// `(id, secret)` of a well-formed token.
pub fn parse(token: &str) -> Option<(&str, &str)> {
    let rest = token.strip_prefix("kansa_")?;
    let (id, secret) = rest.split_once('_')?;
    let ok = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_hexdigit());
    (ok(id, 12) && ok(secret, 64)).then_some((id, secret))
}

/// Compares two digests in time independent of where they differ.
pub fn same_digest(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_parse_and_verify() {
        let t = generate().expect("random");
        let (id, secret) = parse(&t.token).expect("well formed");
        assert_eq!(id, t.id);
        assert!(same_digest(&secret_hash(secret), &t.secret_sha256));
        assert!(!same_digest(&secret_hash("0"), &t.secret_sha256));
        assert!(parse("kansa_abc_def").is_none());
        assert!(parse(&t.token.replace("kansa_", "kanza_")).is_none());
        assert!(parse(&format!("{}0", t.token)).is_none());
        assert_ne!(generate().expect("random").token, t.token);
    }

    #[test]
    fn roles_and_needs() {
        assert!(allows(Role::Service, Need::Decide));
        assert!(!allows(Role::Service, Need::Read));
        assert!(!allows(Role::Analyst, Need::Audit));
        assert!(allows(Role::Supervisor, Need::Audit));
        assert!(!allows(Role::Admin, Need::Work));
        assert!(allows(Role::Admin, Need::Administer));
        assert_eq!(Role::parse("supervisor"), Some(Role::Supervisor));
        assert_eq!(Role::parse("root"), None);
    }
}
