//! Bitcoin block ingest into a compact transaction graph: blocks in
//! `blk*.dat` framing or raw (Bitcoin Core's XOR obfuscation undone),
//! every input resolved to the output it spends, addresses for the
//! standard script types, account-model transfers, co-spend clustering,
//! labels. An engine: it takes bytes, never files; the store writes and
//! maps the graph's columns.

mod addresses;
pub mod blk;
pub mod cluster;
pub mod column;
pub mod graph;
pub mod labels;
pub mod ledger;
mod parse;
pub mod synth;
pub mod transfers;

pub use blk::{looks_framed, split_blk, unxor, xor_key, BlkError, MAINNET_MAGIC};
pub use cluster::{cluster_roots, coinjoins, looks_like_coinjoin};
pub use graph::{
    account_twin, address_key, parse_txid, render_address_key, txid_hex, AddressStats, Amount,
    AssetBalance, AssetStats, ClusterInfo, Column, Graph, GraphStats, Grow, InputRecord,
    OutputRecord, Region, SharedBytes, Space, TxRecord, NATIVE_ASSET, NONE, NONE64,
};
pub use labels::{parse_tagpack, risk_category, AddressLabel};
pub use ledger::{
    decode_block, BuildOptions, DecodedBlock, IngestReport, Ledger, NewOutput, ScriptKind,
};
pub use transfers::{parse_amount, parse_transfers, Transfer};
