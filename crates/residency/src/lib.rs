//! Data residency (engine: no I/O, no randomness, no clock).
//!
//! - **At rest**: personal data is sealed with AES-256-GCM under a key the
//!   deployment keeps outside the database (a file or the environment).
//!   A sealed value reads `kenc1:<key id>:<base64(nonce ‖ ciphertext ‖
//!   tag)>`; the *context* (which field of which record) is authenticated
//!   with it, so a value moved to another record or field does not open.
//!   The caller supplies each nonce (96 random bits from the OS).
//! - **Across borders**: the deployment declares its region and where
//!   personal data may go, on which legal basis (APPI Art. 28: the
//!   person's consent, a country the PPC recognises as adequate, or a
//!   recipient bound to equivalent safeguards). [`Policy::check`] permits
//!   a transfer with its basis, or refuses it saying why.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use serde::{Deserialize, Serialize};

pub mod policy;
pub use policy::{Basis, Permit, Policy, PolicyError, Refusal, Transfer};

/// What went wrong with a key or a sealed value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    #[error("the data key must be 64 hexadecimal digits (32 bytes)")]
    BadKey,
    #[error("not a sealed value")]
    NotSealed,
    #[error("sealed under key {found}, but the keys given are {expected}")]
    WrongKey { found: String, expected: String },
    #[error("key {line} of the key list: the data key must be 64 hexadecimal digits (32 bytes)")]
    BadKeyAt { line: usize },
    #[error("the key list holds no key")]
    NoKey,
    #[error("the sealed value is damaged or belongs to another record")]
    Damaged,
}

const PREFIX: &str = "kenc1:";

/// A 256-bit data key and the cipher made from it, with the keys it
/// replaced (retired keys open what they sealed; only the current key
/// seals).
#[derive(Clone)]
pub struct Sealer {
    cipher: Aes256Gcm,
    id: String,
    retired: Vec<(String, Aes256Gcm)>,
}

impl std::fmt::Debug for Sealer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sealer").field("key_id", &self.id).finish()
    }
}

fn hex_value(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

impl Sealer {
    /// A key of 32 bytes.
    pub fn new(key: &[u8]) -> Result<Sealer, SealError> {
        let cipher = Aes256Gcm::new_from_slice(key).map_err(|_| SealError::BadKey)?;
        // The key's id: the start of a keyed check value (the seal of an
        // empty text under an all-zero nonce), which names the key without
        // revealing it.
        let check = cipher
            .encrypt(
                &Nonce::from([0u8; 12]),
                Payload {
                    msg: b"",
                    aad: b"kansa key id",
                },
            )
            .map_err(|_| SealError::BadKey)?;
        let id = check[..4].iter().map(|b| format!("{b:02x}")).collect();
        Ok(Sealer {
            cipher,
            id,
            retired: Vec::new(),
        })
    }

    /// A key list: one key per line (64 hexadecimal digits; blank lines and
    /// `#` comments skipped, commas also separate). The first key is
    /// current and seals; the others are retired keys that still open what
    /// they sealed — rotation adds the new key on top and keeps the old.
    pub fn from_keys(text: &str) -> Result<Sealer, SealError> {
        let mut keys = Vec::new();
        for (i, k) in text
            .lines()
            .map(|l| l.split('#').next().unwrap_or(""))
            .flat_map(|l| l.split(','))
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .enumerate()
        {
            keys.push(Sealer::from_hex(k).map_err(|_| SealError::BadKeyAt { line: i + 1 })?);
        }
        let mut keys = keys.into_iter();
        let mut current = keys.next().ok_or(SealError::NoKey)?;
        for k in keys {
            if k.id != current.id && !current.retired.iter().any(|(id, _)| *id == k.id) {
                current.retired.push((k.id, k.cipher));
            }
        }
        Ok(current)
    }

    /// The ids of the retired keys this sealer still opens with.
    pub fn retired_ids(&self) -> Vec<&str> {
        self.retired.iter().map(|(id, _)| id.as_str()).collect()
    }

    /// A key written as 64 hexadecimal digits (surrounding space ignored).
    pub fn from_hex(text: &str) -> Result<Sealer, SealError> {
        let t = text.trim().as_bytes();
        if t.len() != 64 {
            return Err(SealError::BadKey);
        }
        let mut key = [0u8; 32];
        for (i, pair) in t.chunks(2).enumerate() {
            let hi = hex_value(pair[0]).ok_or(SealError::BadKey)?;
            let lo = hex_value(pair[1]).ok_or(SealError::BadKey)?;
            key[i] = hi << 4 | lo;
        }
        Sealer::new(&key)
    }

    /// Eight hexadecimal digits naming the key (not secret).
    pub fn key_id(&self) -> &str {
        &self.id
    }

    /// Seals `plain` for `context` (e.g. `customer:C1`) with a fresh nonce.
    pub fn seal(&self, context: &str, plain: &str, nonce: [u8; 12]) -> String {
        let ct = self
            .cipher
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: plain.as_bytes(),
                    aad: context.as_bytes(),
                },
            )
            // AES-GCM fails only on inputs of 64 GiB and more.
            .unwrap_or_default();
        let mut raw = Vec::with_capacity(12 + ct.len());
        raw.extend_from_slice(&nonce);
        raw.extend_from_slice(&ct);
        format!("{PREFIX}{}:{}", self.id, base64_encode(&raw))
    }

    /// Opens a sealed value of `context`.
    pub fn open(&self, context: &str, sealed: &str) -> Result<String, SealError> {
        let rest = sealed.strip_prefix(PREFIX).ok_or(SealError::NotSealed)?;
        let (id, body) = rest.split_once(':').ok_or(SealError::NotSealed)?;
        let cipher = if id == self.id {
            &self.cipher
        } else {
            match self.retired.iter().find(|(k, _)| k == id) {
                Some((_, c)) => c,
                None => {
                    let mut known = vec![self.id.clone()];
                    known.extend(self.retired.iter().map(|(k, _)| k.clone()));
                    return Err(SealError::WrongKey {
                        found: id.to_string(),
                        expected: known.join(", "),
                    });
                }
            }
        };
        let raw = base64_decode(body).ok_or(SealError::Damaged)?;
        if raw.len() < 12 + 16 {
            return Err(SealError::Damaged);
        }
        let (nonce, ct) = raw.split_at(12);
        let nonce: [u8; 12] = nonce.try_into().map_err(|_| SealError::Damaged)?;
        let plain = cipher
            .decrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: ct,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| SealError::Damaged)?;
        String::from_utf8(plain).map_err(|_| SealError::Damaged)
    }
}

/// Whether a stored value is sealed.
pub fn is_sealed(value: &str) -> bool {
    value.starts_with(PREFIX)
}

/// The id of the key a sealed value was sealed under.
pub fn sealed_by(value: &str) -> Option<&str> {
    value
        .strip_prefix(PREFIX)?
        .split_once(':')
        .map(|(id, _)| id)
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn base64_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(B64[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let t = text.trim_end_matches('=').as_bytes();
    let mut out = Vec::with_capacity(t.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for &c in t {
        let v = B64.iter().position(|&x| x == c)? as u32;
        acc = acc << 6 | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits & 0xff) as u8);
        }
    }
    Some(out)
}

/// A record of a transfer, as the audit log keeps it (no personal data:
/// what went where, why, on which basis).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferRecord {
    pub from: String,
    pub to: String,
    pub basis: Option<String>,
    pub reference: Option<String>,
    pub purpose: String,
    pub permitted: bool,
    pub reason: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    #[test]
    fn a_sealed_value_opens_only_with_its_key_and_context() {
        let s = Sealer::from_hex(KEY).expect("key");
        let sealed = s.seal("customer:C1", "高橋太郎 1970-01-01", [7; 12]);
        assert!(is_sealed(&sealed));
        assert!(!sealed.contains("高橋"));
        assert_eq!(
            s.open("customer:C1", &sealed).as_deref(),
            Ok("高橋太郎 1970-01-01")
        );
        // Moved to another record: refused.
        assert_eq!(s.open("customer:C2", &sealed), Err(SealError::Damaged));
        // One character changed: refused.
        let mut bad = sealed.clone().into_bytes();
        let last = bad.len() - 3;
        bad[last] = if bad[last] == b'A' { b'B' } else { b'A' };
        assert_eq!(
            s.open("customer:C1", std::str::from_utf8(&bad).expect("ascii")),
            Err(SealError::Damaged)
        );
        // Another key: named as such.
        let other = Sealer::from_hex(&KEY.replace("1f", "ff")).expect("key");
        assert_ne!(other.key_id(), s.key_id());
        assert!(matches!(
            other.open("customer:C1", &sealed),
            Err(SealError::WrongKey { .. })
        ));
        assert_eq!(s.open("customer:C1", "{}"), Err(SealError::NotSealed));
        // Two seals of one text differ with their nonces.
        assert_ne!(
            sealed,
            s.seal("customer:C1", "高橋太郎 1970-01-01", [8; 12])
        );
    }

    #[test]
    fn keys_must_be_32_bytes_of_hex() {
        assert!(Sealer::from_hex("abc").is_err());
        assert!(Sealer::from_hex(&KEY.replace('0', "g")).is_err());
        assert!(Sealer::from_hex(&format!("  {KEY}\n")).is_ok());
    }

    #[test]
    fn a_rotated_key_list_seals_with_the_new_key_and_opens_with_both() {
        let old = Sealer::from_hex(KEY).expect("key");
        let new_hex = KEY.replace("1f", "ee");
        let before = old.seal("customer:C1", "高橋太郎", [1; 12]);
        let ring = Sealer::from_keys(&format!(
            "# rotated 2026-11\n{new_hex}\n\n{KEY}  # until resealed\n"
        ))
        .expect("keys");
        assert_ne!(ring.key_id(), old.key_id());
        assert_eq!(ring.retired_ids(), [old.key_id()]);
        assert_eq!(ring.open("customer:C1", &before).as_deref(), Ok("高橋太郎"));
        let after = ring.seal("customer:C1", "高橋太郎", [2; 12]);
        assert_eq!(sealed_by(&after), Some(ring.key_id()));
        assert_eq!(sealed_by(&before), Some(old.key_id()));
        // The old key alone cannot read what the new one sealed.
        assert!(matches!(
            old.open("customer:C1", &after),
            Err(SealError::WrongKey { .. })
        ));
        assert_eq!(
            Sealer::from_keys(&format!("{KEY}\nnot-a-key\n")).err(),
            Some(SealError::BadKeyAt { line: 2 })
        );
        assert_eq!(Sealer::from_keys("# none\n").err(), Some(SealError::NoKey));
        assert_eq!(
            Sealer::from_keys(&format!("{new_hex},{KEY}")).map(|s| s.retired_ids().len()),
            Ok(1)
        );
    }

    #[test]
    fn base64_round_trips() {
        for n in 0..40 {
            let data: Vec<u8> = (0..n).map(|i| (i * 37 + 11) as u8).collect();
            assert_eq!(base64_decode(&base64_encode(&data)), Some(data));
        }
        assert_eq!(base64_encode(b"foob"), "Zm9vYg==");
    }
}
