//! A list snapshot: one version of one source, as imported.

use crate::PartialDate;
use serde::{Deserialize, Serialize};

/// Totals over the entities of a snapshot.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotCounts {
    pub entities: u64,
    pub persons: u64,
    pub organizations: u64,
    pub vessels: u64,
    pub aircraft: u64,
    pub unknown: u64,
    pub names: u64,
    pub crypto_addresses: u64,
}

impl SnapshotCounts {
    pub fn add(&mut self, e: &crate::Entity) {
        use crate::EntityKind::*;
        self.entities += 1;
        match e.kind {
            Person => self.persons += 1,
            Organization => self.organizations += 1,
            Vessel => self.vessels += 1,
            Aircraft => self.aircraft += 1,
            Unknown => self.unknown += 1,
        }
        self.names += e.names.len() as u64;
        self.crypto_addresses += e.crypto_addresses.len() as u64;
    }
}

/// One imported version of one list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListSnapshot {
    /// Store-assigned sequence number, unique across all sources.
    pub id: i64,
    /// The source name, e.g. `ofac-sdn`, `un`.
    pub source: String,
    /// The format the bytes were parsed as (`ofac-csv`, `un-xml`, ...).
    pub format: String,
    /// The publisher's version or generation time when the file states one,
    /// else `sha256:<first 12 hex digits>`.
    pub version: String,
    /// Publication date when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<PartialDate>,
    /// SHA-256 (hex) of the raw bytes; for a multi-file bundle, of the
    /// concatenated `name\0length\0bytes` records of its files in name order.
    pub sha256: String,
    /// RFC 3339 time of the import.
    pub imported_at: String,
    /// The files the snapshot was read from.
    pub files: Vec<String>,
    pub counts: SnapshotCounts,
    /// Whether this is the snapshot screening uses for its source.
    pub active: bool,
    /// Non-fatal findings of the import (e.g. comment rows for unknown entities).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}
