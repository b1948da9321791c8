//! The audit log: an append-only list of what was done, by whom and when,
//! in which every entry carries the SHA-256 of the one before it.
//!
//! An entry's hash covers the previous entry's hash and its own fields
//! (time, actor, action, subject, detail), each length-prefixed so that no
//! two different entries serialise alike. Changing any stored field breaks
//! that entry's hash; rewriting the hash as well breaks the link from the
//! next entry; removing an entry leaves a gap in the sequence numbers (or,
//! if they are renumbered, a broken link); moving entries breaks links.
//! Removing entries at the end is caught against the head (the last
//! sequence number and hash), which the store keeps beside the log and an
//! inspector keeps from an earlier export.
//!
//! The crate has no clock and no I/O: callers pass the time and read or
//! write the entries.

#![warn(clippy::print_stdout, clippy::print_stderr)]

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;

/// A SHA-256 digest.
pub type Hash = [u8; 32];

/// The `prev` of the first entry.
pub const GENESIS: Hash = [0; 32];

/// What is appended: who did what to which subject, with details.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// Who: a user name (`alice`), `cli:<login>` for the command line,
    /// `system` for the engine's own work.
    pub actor: String,
    /// What, as `area.verb`: `lists.import`, `decision`, `case.close`.
    pub action: String,
    /// The thing acted on: a snapshot id, an event id, a case id.
    pub subject: String,
    /// Details, as JSON.
    pub detail: serde_json::Value,
}

impl Record {
    pub fn new(
        actor: impl Into<String>,
        action: impl Into<String>,
        subject: impl Into<String>,
        detail: serde_json::Value,
    ) -> Record {
        Record {
            actor: actor.into(),
            action: action.into(),
            subject: subject.into(),
            detail,
        }
    }
}

/// One entry of the log as stored and exported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// 1, 2, 3, … without gaps.
    pub seq: i64,
    /// RFC 3339 time of the append.
    pub at: String,
    pub actor: String,
    pub action: String,
    pub subject: String,
    /// The details as the JSON text that was hashed.
    pub detail: String,
    /// The previous entry's hash ([`GENESIS`] for the first), hex.
    #[serde(with = "hex32")]
    pub prev: Hash,
    /// This entry's hash, hex.
    #[serde(with = "hex32")]
    pub hash: Hash,
}

/// The hash of an entry with these fields after `prev`.
pub fn digest(
    prev: &Hash,
    at: &str,
    actor: &str,
    action: &str,
    subject: &str,
    detail: &str,
) -> Hash {
    let mut h = Sha256::new();
    h.update(b"kansa-audit-v1\0");
    h.update(prev);
    for field in [at, actor, action, subject, detail] {
        h.update((field.len() as u64).to_be_bytes());
        h.update(field.as_bytes());
    }
    h.finalize().into()
}

impl Entry {
    /// The entry that follows `head` (`None` for an empty log).
    pub fn append(head: Option<(i64, Hash)>, at: &str, r: &Record) -> Entry {
        let (last, prev) = head.unwrap_or((0, GENESIS));
        let detail = r.detail.to_string();
        let hash = digest(&prev, at, &r.actor, &r.action, &r.subject, &detail);
        Entry {
            seq: last + 1,
            at: at.to_string(),
            actor: r.actor.clone(),
            action: r.action.clone(),
            subject: r.subject.clone(),
            detail,
            prev,
            hash,
        }
    }

    /// The hash its fields give now.
    pub fn recompute(&self) -> Hash {
        digest(
            &self.prev,
            &self.at,
            &self.actor,
            &self.action,
            &self.subject,
            &self.detail,
        )
    }
}

/// The first thing wrong with a log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Break {
    #[error("entry {seq} was altered: its fields no longer give its hash")]
    Altered { seq: i64 },
    #[error("entries {from} to {to} are missing or moved: the log jumps from {before} to {after}", before = from - 1, after = to + 1)]
    Missing { from: i64, to: i64 },
    #[error("entry {seq} does not follow entry {before}: its previous-entry hash differs (entries reordered, removed and renumbered, or entry {before} replaced)", before = seq - 1)]
    Unlinked { seq: i64 },
    #[error("entry {seq} appears after entry {after}: the entries are out of order")]
    OutOfOrder { seq: i64, after: i64 },
    #[error("the log ends at entry {last} but its head is entry {head}: entries after {last} were removed")]
    Truncated { last: i64, head: i64 },
    #[error("entry {seq}'s hash is not the head's hash {head}: the head or the last entries were rewritten")]
    HeadMismatch { seq: i64, head: String },
}

impl Break {
    /// The sequence number of the first entry that cannot be trusted.
    pub fn seq(&self) -> i64 {
        match *self {
            Break::Altered { seq } | Break::Unlinked { seq } | Break::OutOfOrder { seq, .. } => seq,
            Break::HeadMismatch { seq, .. } => seq,
            Break::Missing { from, .. } => from,
            Break::Truncated { last, .. } => last + 1,
        }
    }
}

/// Checks entries one at a time, in stored order.
#[derive(Debug, Clone)]
pub struct Verifier {
    next: i64,
    prev: Hash,
    count: u64,
}

impl Default for Verifier {
    fn default() -> Self {
        Verifier {
            next: 1,
            prev: GENESIS,
            count: 0,
        }
    }
}

/// A verified log: how many entries and its last one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verified {
    pub entries: u64,
    pub last_seq: i64,
    #[serde(with = "hex32")]
    pub last_hash: Hash,
}

impl Verifier {
    /// Verifies from the start of the log.
    pub fn new() -> Verifier {
        Verifier::default()
    }

    /// Verifies a part of the log that starts after a trusted entry.
    pub fn after(seq: i64, hash: Hash) -> Verifier {
        Verifier {
            next: seq + 1,
            prev: hash,
            count: 0,
        }
    }

    /// The next entry in stored order.
    pub fn push(&mut self, e: &Entry) -> Result<(), Break> {
        if e.seq < self.next {
            return Err(Break::OutOfOrder {
                seq: e.seq,
                after: self.next - 1,
            });
        }
        if e.seq > self.next {
            return Err(Break::Missing {
                from: self.next,
                to: e.seq - 1,
            });
        }
        if e.recompute() != e.hash {
            return Err(Break::Altered { seq: e.seq });
        }
        if e.prev != self.prev {
            return Err(Break::Unlinked { seq: e.seq });
        }
        self.next += 1;
        self.prev = e.hash;
        self.count += 1;
        Ok(())
    }

    /// Ends the check; `head` is the last entry the log should have.
    pub fn finish(self, head: Option<(i64, Hash)>) -> Result<Verified, Break> {
        let last = self.next - 1;
        if let Some((seq, hash)) = head {
            if seq > last {
                return Err(Break::Truncated { last, head: seq });
            }
            if seq == last && hash != self.prev {
                return Err(Break::HeadMismatch {
                    seq,
                    head: to_hex(&hash),
                });
            }
        }
        Ok(Verified {
            entries: self.count,
            last_seq: last,
            last_hash: self.prev,
        })
    }

    /// The last entry verified so far (sequence number and hash), to
    /// compare with an anchor an inspector kept from an earlier export.
    pub fn position(&self) -> (i64, Hash) {
        (self.next - 1, self.prev)
    }
}

/// Verifies a whole log in stored order against its head.
pub fn verify<'a>(
    entries: impl IntoIterator<Item = &'a Entry>,
    head: Option<(i64, Hash)>,
) -> Result<Verified, Break> {
    let mut v = Verifier::new();
    for e in entries {
        v.push(e)?;
    }
    v.finish(head)
}

/// Lower-case hex.
pub fn to_hex(h: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(h.len() * 2);
    for b in h {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

/// A 32-byte hash from 64 hex digits.
pub fn parse_hash(s: &str) -> Option<Hash> {
    let s = s.trim();
    if s.len() != 64 || !s.is_ascii() {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

/// The SHA-256 of some bytes (bind a stored document to an entry).
pub fn sha256(bytes: &[u8]) -> Hash {
    Sha256::digest(bytes).into()
}

mod hex32 {
    use serde::{de::Error, Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(h: &super::Hash, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::to_hex(h))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<super::Hash, D::Error> {
        let s = String::deserialize(d)?;
        super::parse_hash(&s).ok_or_else(|| D::Error::custom(format!("{s:?} is not 64 hex digits")))
    }
}

impl fmt::Display for Verified {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} entries, the chain holds; head entry {} {}",
            self.entries,
            self.last_seq,
            to_hex(&self.last_hash)
        )
    }
}
