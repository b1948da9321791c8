//! Ownership and control networks: who stands behind a company.
//!
//! Parties are list entities, registry companies and people, and customers;
//! edges are ownership (with an exact share or a band), directorship,
//! control, acting on behalf of, family, association, shared address or
//! identifier, and `same_as` (a registry party that is a list entity).
//! Inputs: the links the lists themselves state (OFAC "Linked To:", UN
//! cross-references with the relation their wording names, FollowTheMoney
//! ownership and directorship), and registry extracts (`registry`).
//!
//! [`ownership`] computes every company's aggregated listed share (the
//! OFAC 50% rule and the EU/UK tests, cycles included) and one company's
//! ultimate owners with the chains that explain them; [`indicators`] gives
//! analysts the shell-company signs with their evidence; [`dot`] draws the
//! network around a party. No I/O: callers hand in entities and rows.

pub mod builder;
pub mod dot;
pub mod graph;
pub mod indicators;
pub mod ownership;
pub mod registry;
pub mod share;
pub mod synth;

pub use builder::{BuildReport, NetworkBuilder};
pub use graph::{Edge, Evidence, Listed, Network, Node, NodeId, NodeKind, Origin, Relation};
pub use ownership::{aggregate, assess, owners, Aggregate, Assessment, Owners, Regime, Status};
pub use share::Share;

/// A bad registry file or row.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NetworkError {
    #[error("{file}: {msg}")]
    File { file: String, msg: String },
    #[error("{file}: line {line}: {msg}")]
    Row {
        file: String,
        line: u64,
        msg: String,
    },
}
