//! Bitcoin block ingest: blocks in `blk*.dat` framing or raw, every input
//! resolved to the output it spends, addresses for the standard script
//! types, and per-address totals. An engine: it takes bytes, never files.
//!
//! This is the first part of on-chain tracing; graph files, labels,
//! clustering and taint build on the ledger it fills.

pub mod blk;
pub mod cluster;
pub mod ledger;

pub use blk::{split_blk, BlkError, MAINNET_MAGIC};
pub use cluster::{looks_like_coinjoin, ClusterInfo, Clusters};
pub use ledger::{AddressStats, IngestReport, Ledger, OutputRecord, ScriptKind, TxRecord};
