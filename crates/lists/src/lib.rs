//! Parsers for official sanctions-list formats, one module per format.
//!
//! Every parser reads from `BufRead` inputs (no file system, no network) and
//! hands each [`Entity`] to a sink as soon as it is complete, so memory stays
//! bounded by the largest single record, not by the file. Errors name the
//! file, the line or record, and what was wrong; a parser never panics on
//! input.
//!
//! [`Format::detect`] recognises a format from the first bytes of a file.

pub mod csl;
pub mod detect;
pub mod diff;
pub mod dpl;
mod error;
pub mod eu_fsf;
pub mod ftm;
pub mod guard;
pub mod jp_mof;
pub mod ofac_crypto;
pub mod ofac_csv;
mod remarks;
pub mod un_xml;
mod util;
mod xml;

pub use detect::{detect_bytes, Format};
pub use diff::{diff_entities, EntityChange, SnapshotDiff};
pub use error::{ListError, Location};
use kansa_model::{Entity, PartialDate};
use std::io::BufRead;

/// A named input stream: `name` is what error messages call the file.
#[derive(Debug)]
pub struct Input<R> {
    pub name: String,
    pub reader: R,
}

impl<R: BufRead> Input<R> {
    pub fn new(name: impl Into<String>, reader: R) -> Self {
        Input {
            name: name.into(),
            reader,
        }
    }
}

/// What a parse learned besides the entities.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParseSummary {
    /// The publisher's version or generation time, when the file states it.
    pub version: Option<String>,
    pub published: Option<PartialDate>,
    /// Non-fatal findings (e.g. comment rows for entities not in the list).
    pub warnings: Vec<String>,
    /// Entities handed to the sink.
    pub entities: u64,
}

/// The consumer of parsed entities. An error from the sink aborts the parse.
pub type Sink<'a> = dyn FnMut(Entity) -> Result<(), String> + 'a;
