//! Screening: comparing names (and, with the index, whole entities) and
//! explaining every score.
//!
//! This crate is an engine: no files, no network, no clock. Names arrive
//! already analysed by `kansa-text`; lists arrive as entities.

pub mod address;
pub mod index;
pub mod matcher;
pub mod query;
pub mod synth;

pub use address::{AddressError, AddressFormat, AddressHit, AddressIndex};
pub use index::{Contribution, Explanation, IndexConfig, Match, Query, ScreenIndex};
pub use matcher::{
    compare_names, name_score, MatchConfig, NameClass, NameScore, TokenPair, DEFAULT_THRESHOLD,
};
pub use query::{parse_kind, QueryError};
