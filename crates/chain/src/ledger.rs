//! The ledger: the builder of a [`Graph`]. Blocks arrive as bytes; every
//! input is resolved to the output it spends. Blocks may arrive in any
//! order: a block whose parent is unknown waits without a height (an
//! orphan, reported) and an input whose output is not yet known waits for
//! it (reported while it waits; kept in the graph as unresolved so that a
//! later import resolves it). Ingesting a block twice changes nothing.
//!
//! A ledger can start from a graph opened from disk
//! ([`Ledger::from_graph`]) and extend it; [`Ledger::into_graph`] recomputes
//! the derived columns (address index, clusters, sorted ids).

use crate::addresses::{key_prefix, AddressPairs};
use crate::cluster;
use crate::graph::{
    push_offset, Amount, BlockRow, Column, Graph, Grow, LargeValue, Space, Unresolved, FEE_UNKNOWN,
    FLAG_COINBASE, LARGE, NATIVE_ASSET, NONE, NONE64,
};
use crate::parse::RawBlock;
use bitcoin::hashes::Hash;
use bitcoin::{Script, ScriptBuf};
use hashbrown::HashTable;
use rustc_hash::FxHashMap;
use std::hash::BuildHasher;

fn fx(b: &[u8]) -> u64 {
    rustc_hash::FxBuildHasher.hash_one(b)
}
use rayon::prelude::*;
use serde::Serialize;
use std::borrow::Cow;
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ScriptKind {
    P2pk,
    P2pkh,
    P2sh,
    P2wpkh,
    P2wsh,
    P2tr,
    Multisig,
    OpReturn,
    NonStandard,
    /// An account of an account-model chain (Ethereum, Tron).
    Account,
}

impl ScriptKind {
    /// Every kind, in the order of their stored numbers (`kind as u8`).
    pub const ALL: [ScriptKind; 10] = [
        ScriptKind::P2pk,
        ScriptKind::P2pkh,
        ScriptKind::P2sh,
        ScriptKind::P2wpkh,
        ScriptKind::P2wsh,
        ScriptKind::P2tr,
        ScriptKind::Multisig,
        ScriptKind::OpReturn,
        ScriptKind::NonStandard,
        ScriptKind::Account,
    ];
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct IngestReport {
    pub blocks_new: u64,
    pub blocks_already_known: u64,
    pub transactions: u64,
    /// Blocks whose parent is not (yet) known.
    pub orphans: u64,
    /// Inputs spending outputs not (yet) known.
    pub unresolved_inputs: u64,
    /// Account-model transfers added, and opening balances created for
    /// senders seen spending more than they were seen to receive.
    pub transfers: u64,
    pub openings: u64,
    /// Transfers of transaction hashes already in the graph (not added again).
    pub transfers_already_known: u64,
    /// Transfers of nothing (not added).
    pub zero_transfers: u64,
    pub anomalies: Vec<String>,
}

impl IngestReport {
    pub(crate) fn anomaly(&mut self, msg: String) {
        if self.anomalies.len() < 1000 {
            self.anomalies.push(msg);
        }
    }
}

/// Options of the derived columns.
#[derive(Debug, Clone, Copy, Default)]
pub struct BuildOptions {
    /// Also join a transaction's change output to its inputs' cluster
    /// (see [`cluster`]); off by default.
    pub change_heuristic: bool,
}

#[derive(Debug, Default)]
pub struct Ledger {
    pub(crate) g: Graph,
    /// Transaction ids → index: a table of ids whose keys live in the
    /// graph's own column (no copies). It holds only transactions with
    /// outputs left to spend (the UTXO set bounds it, not the chain): a
    /// transaction whose last output is spent leaves it; see
    /// [`Ledger::settle`] for what that changes.
    txids: HashTable<Live>,
    /// The most entries the txid table held.
    txids_peak: usize,
    /// Inputs were put to wait in this ledger since it last settled.
    unsettled: bool,
    /// The first transaction this ledger added (those before came from
    /// the graph it extends).
    first_new_tx: u32,
    /// The addresses paid by new outputs, numbered when the ledger
    /// becomes a graph (see [`crate::addresses`]): no table of addresses.
    pairs: AddressPairs,
    blocks: FxHashMap<[u8; 32], u32>,
    /// Outputs not yet seen → the inputs waiting for them.
    waiting: FxHashMap<([u8; 32], u32), Vec<u64>>,
    /// Parent hash → blocks waiting for it.
    orphans: FxHashMap<[u8; 32], Vec<u32>>,
    pub(crate) current_block: Option<u32>,
    /// Account model: asset names → id, and the unspent outputs of each
    /// (address, asset), oldest first.
    pub(crate) assets: FxHashMap<String, u32>,
    pub(crate) accounts: FxHashMap<Account, Vec<u64>>,
    /// Account model: the highest block imported per chain.
    pub(crate) chain_tips: FxHashMap<String, u32>,
    /// Where the columns grow (heap memory without one).
    space: SpaceRef,
}

/// An entry of the txid table: a transaction and how many of its
/// spendable outputs are unspent (`PINNED`: kept whatever is spent).
#[derive(Debug, Clone, Copy)]
struct Live {
    tx: u32,
    unspent: u32,
}

/// An account of the account model: an address key and an asset.
pub(crate) type Account = (Vec<u8>, u32);

impl Live {
    /// Output of kind `kind` (its byte) was spent: one fewer left to
    /// spend. True when none is left (the entry goes).
    fn spend(&mut self, kind: u8) -> bool {
        if self.unspent == PINNED || !spendable(crate::graph::kind_from_u8(kind)) {
            return false;
        }
        self.unspent = self.unspent.saturating_sub(1);
        self.unspent == 0
    }
}

/// Account-model transactions stay in the txid table: a hash already in
/// the graph is how a repeated transfer file is recognised.
const PINNED: u32 = u32::MAX;

/// Whether an output counts as spendable (an OP_RETURN output is provably
/// not, and would keep its transaction in the table for ever).
fn spendable(kind: ScriptKind) -> bool {
    kind != ScriptKind::OpReturn
}

#[derive(Default)]
struct SpaceRef(Option<Arc<dyn Space>>);

impl std::fmt::Debug for SpaceRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() { "space" } else { "heap" })
    }
}

/// The kind of an output script and its address key (the script itself;
/// for P2PK the P2PKH script of its key, as explorers show it).
pub(crate) fn classify(script: &Script) -> (ScriptKind, Option<Cow<'_, [u8]>>) {
    if script.is_p2pk() {
        let addr = script
            .p2pk_public_key()
            .map(|pk| Cow::Owned(ScriptBuf::new_p2pkh(&pk.pubkey_hash()).into_bytes()));
        return (ScriptKind::P2pk, addr);
    }
    let kind = if script.is_p2pkh() {
        ScriptKind::P2pkh
    } else if script.is_p2sh() {
        ScriptKind::P2sh
    } else if script.is_p2wpkh() {
        ScriptKind::P2wpkh
    } else if script.is_p2wsh() {
        ScriptKind::P2wsh
    } else if script.is_p2tr() {
        ScriptKind::P2tr
    } else if script.is_op_return() {
        return (ScriptKind::OpReturn, None);
    } else if script.is_multisig() {
        return (ScriptKind::Multisig, None);
    } else {
        return (ScriptKind::NonStandard, None);
    };
    (kind, Some(Cow::Borrowed(script.as_bytes())))
}

/// A block decoded and checked (merkle root, one hash per transaction),
/// with nothing of the ledger needed: blocks are decoded on several cores
/// and applied in order ([`Ledger::apply_block`]). It borrows the block's
/// bytes.
pub struct DecodedBlock<'a> {
    raw: RawBlock<'a>,
    /// Each output's kind and address key, in block order.
    outs: Vec<(ScriptKind, Option<Cow<'a, [u8]>>)>,
}

impl std::fmt::Debug for DecodedBlock<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "DecodedBlock({}, {} transactions)",
            bitcoin::BlockHash::from_byte_array(self.raw.hash),
            self.raw.txs.len()
        )
    }
}

/// Decodes one serialised block and checks its merkle root. `origin` names
/// it in errors (file and offset).
pub fn decode_block<'a>(bytes: &'a [u8], origin: &str) -> Result<DecodedBlock<'a>, String> {
    let raw = crate::parse::parse_block(bytes)
        .map_err(|e| format!("{origin}: not a valid block: {e}"))?;
    let root = bitcoin::merkle_tree::calculate_root(
        raw.txids
            .iter()
            .map(|t| bitcoin::TxMerkleNode::from_byte_array(*t)),
    );
    if root.map(|r| r.to_byte_array()) != Some(raw.merkle_root) {
        return Err(format!(
            "{origin}: block {}: the merkle root does not match its transactions",
            bitcoin::BlockHash::from_byte_array(raw.hash)
        ));
    }
    let outs = raw
        .outs
        .iter()
        .map(|o| classify(Script::from_bytes(o.script)))
        .collect();
    Ok(DecodedBlock { raw, outs })
}

/// One output to add: value, script kind, address key (see
/// [`crate::graph::address_key`]); `add_tx` takes any bytes-like key.
pub type NewOutput<'a> = (u64, ScriptKind, Option<&'a [u8]>);

impl Ledger {
    pub fn new() -> Self {
        let mut l = Ledger::default();
        push_offset(l.g.tx_out_start.vec_mut(), l.g.tx_out_base.vec_mut(), 0);
        push_offset(l.g.tx_in_start.vec_mut(), l.g.tx_in_base.vec_mut(), 0);
        push_offset(l.g.addr_start.vec_mut(), l.g.addr_base.vec_mut(), 0);
        l
    }

    /// A ledger that extends an existing graph.
    pub fn from_graph(g: Graph) -> Self {
        let mut l = Ledger {
            g,
            ..Ledger::default()
        };
        if l.g.tx_out_start.is_empty() {
            return Ledger::new();
        }
        // The txid table: transactions with outputs left to spend, and
        // every account-model one.
        let g = &l.g;
        let ids = g.tx_txid.as_slice();
        let (spender, kind) = (g.out_spender.as_slice(), g.out_kind.as_slice());
        let assets = g.tx_asset.as_slice();
        for (t, id) in ids.iter().enumerate() {
            let unspent = if assets.get(t).is_some_and(|a| *a != 0) {
                PINNED
            } else {
                g.outputs(t as u32)
                    .filter(|o| {
                        spender[*o as usize] == NONE
                            && spendable(crate::graph::kind_from_u8(kind[*o as usize]))
                    })
                    .count() as u32
            };
            if unspent > 0 {
                l.txids.insert_unique(
                    fx(id),
                    Live {
                        tx: t as u32,
                        unspent,
                    },
                    |e| fx(&ids[e.tx as usize]),
                );
            }
        }
        l.txids_peak = l.txids.len();
        l.first_new_tx = ids.len() as u32;
        for (i, b) in l.g.blocks.as_slice().iter().enumerate() {
            l.blocks.insert(b.hash, i as u32);
            if b.height == NONE {
                l.orphans.entry(b.prev).or_default().push(i as u32);
            }
        }
        for u in l.g.unresolved.as_slice() {
            l.waiting.entry((u.txid, u.vout)).or_default().push(u.input);
        }
        l.rebuild_accounts();
        l
    }

    /// The ledger with its columns (and the derived ones it will compute)
    /// growing in `space`: the store's space maps files, so the graph is
    /// built out of core (see [`crate::column`]).
    pub fn with_space(mut self, space: Arc<dyn Space>) -> Self {
        self.g.move_into(space.as_ref());
        self.space = SpaceRef(Some(space));
        self
    }

    /// Records of the addresses paid are sorted in runs of about `bytes`
    /// (128 MiB by default: the memory they take while ingesting) and
    /// merged when the ledger becomes a graph.
    pub fn with_address_runs(mut self, bytes: usize) -> Self {
        self.pairs = AddressPairs::with_run_bytes(bytes);
        self
    }

    fn space(&self) -> Option<&dyn Space> {
        self.space.0.as_deref()
    }

    /// Columns that could not grow where they were meant to (a full disk,
    /// typically); a build with any is not to be saved.
    pub fn grow_errors(&self) -> Vec<String> {
        let mut e = self.g.grow_errors();
        e.extend(self.pairs.grow_errors());
        e
    }

    pub fn block_count(&self) -> usize {
        self.g.blocks.len()
    }

    pub fn tx_count(&self) -> usize {
        self.g.tx_txid.len()
    }

    pub fn knows_block(&self, hash: &[u8; 32]) -> bool {
        self.blocks.contains_key(hash)
    }

    /// Inputs still waiting for the output they spend.
    pub fn unresolved_inputs(&self) -> usize {
        self.waiting.values().map(Vec::len).sum()
    }

    /// Blocks still without a height (parent unknown).
    pub fn orphans(&self) -> usize {
        self.orphans.values().map(Vec::len).sum()
    }

    /// Starts a block; the transactions added next belong to it. Returns
    /// false (and starts nothing) if the block is already known.
    pub fn begin_block(
        &mut self,
        hash: [u8; 32],
        prev: [u8; 32],
        report: &mut IngestReport,
    ) -> bool {
        if self.blocks.contains_key(&hash) {
            report.blocks_already_known += 1;
            self.current_block = None;
            return false;
        }
        let height = if prev == [0; 32] {
            0
        } else {
            self.blocks
                .get(&prev)
                .map(|p| self.g.blocks.as_slice()[*p as usize].height)
                .filter(|h| *h != NONE)
                .map(|h| h + 1)
                .unwrap_or(NONE)
        };
        let idx = self.g.blocks.len() as u32;
        self.g.blocks.vec_mut().push(BlockRow {
            hash,
            prev,
            height,
            first_tx: self.g.tx_txid.len() as u32,
            n_tx: 0,
            time: 0,
        });
        self.blocks.insert(hash, idx);
        report.blocks_new += 1;
        if height == NONE {
            self.orphans.entry(prev).or_default().push(idx);
            report.orphans += 1;
        } else {
            self.propagate_heights(hash, height, report);
        }
        self.current_block = Some(idx);
        true
    }

    fn propagate_heights(&mut self, from: [u8; 32], height: u32, report: &mut IngestReport) {
        let mut stack = vec![(from, height)];
        while let Some((h, height)) = stack.pop() {
            for c in self.orphans.remove(&h).unwrap_or_default() {
                let row = &mut self.g.blocks.vec_mut()[c as usize];
                row.height = height + 1;
                report.orphans = report.orphans.saturating_sub(1);
                stack.push((row.hash, height + 1));
            }
        }
    }

    /// The transaction with this id, while it has outputs left to spend
    /// (or is an account-model one).
    pub(crate) fn tx_of(&self, txid: &[u8; 32]) -> Option<u32> {
        let ids = self.g.tx_txid.as_slice();
        self.txids
            .find(fx(txid), |e| &ids[e.tx as usize] == txid)
            .map(|e| e.tx)
    }

    /// Enters a transaction in the txid table with `unspent` outputs to
    /// spend (none: it is not entered).
    fn hold_txid(&mut self, tx: u32, unspent: u32) {
        if unspent == 0 {
            return;
        }
        let ids = self.g.tx_txid.as_slice();
        self.txids
            .insert_unique(fx(&ids[tx as usize]), Live { tx, unspent }, |e| {
                fx(&ids[e.tx as usize])
            });
        self.txids_peak = self.txids_peak.max(self.txids.len());
    }

    /// Output `o` of transaction `tx` was just spent: one fewer for the
    /// txid table, which lets the transaction go with its last one.
    fn spent_output_of(&mut self, tx: u32, o: u64) {
        let kind = self.g.out_kind.as_slice()[o as usize];
        let id = &self.g.tx_txid.as_slice()[tx as usize];
        if let Ok(mut e) = self.txids.find_entry(fx(id), |e| e.tx == tx) {
            if e.get_mut().spend(kind) {
                e.remove();
            }
        }
    }

    /// Entries in the txid table now, and at most so far.
    pub fn txid_table(&self) -> (usize, usize) {
        (self.txids.len(), self.txids_peak)
    }

    fn owner_of_input(&self, input: u64) -> u32 {
        self.g.tx_ins().owner(input) as u32
    }

    /// Appends an account-model transaction row (its outputs and inputs
    /// follow), kept in the txid table.
    pub(crate) fn push_tx(&mut self, txid: [u8; 32], block: u32, flags: u8, asset: u32) -> u32 {
        let tx = self.append_tx(txid, block, flags, asset);
        self.hold_txid(tx, PINNED);
        tx
    }

    /// Appends a transaction row, not yet in the txid table.
    fn append_tx(&mut self, txid: [u8; 32], block: u32, flags: u8, asset: u32) -> u32 {
        let tx = self.g.tx_txid.len() as u32;
        // Once the graph has an asset dictionary, every transaction has an
        // asset; before, every one is native (no column).
        if asset != 0 || !self.g.asset_start.is_empty() {
            let col = self.g.tx_asset.vec_mut();
            col.resize(tx as usize, 0);
            col.push(asset);
        }
        self.g.tx_txid.vec_mut().push(txid);
        debug_assert_eq!(
            self.g.blocks.as_slice()[block as usize].first_tx
                + self.g.blocks.as_slice()[block as usize].n_tx,
            tx,
            "a block's transactions are consecutive"
        );
        self.g.tx_flags.vec_mut().push(flags);
        self.g.tx_fee.vec_mut().push(FEE_UNKNOWN);
        self.g.blocks.vec_mut()[block as usize].n_tx += 1;
        tx
    }

    /// Appends an output of the last transaction, paid to the address with
    /// key `key` if any (its id is given when the ledger becomes a graph).
    pub(crate) fn push_output(
        &mut self,
        value: Amount,
        kind: ScriptKind,
        key: Option<&[u8]>,
    ) -> u64 {
        let o = self.g.out_value.len() as u64;
        if value < LARGE as Amount {
            self.g.out_value.vec_mut().push(value as u32);
        } else {
            self.g.out_value.vec_mut().push(LARGE);
            self.g.out_large.vec_mut().push(LargeValue {
                out: o,
                low: value as u64,
                high: (value >> 64) as u64,
            });
        }
        self.g.out_kind.vec_mut().push(kind as u8);
        self.g.out_addr.vec_mut().push(NONE);
        self.g.out_spender.vec_mut().push(NONE);
        if let Some(k) = key {
            self.pairs.push(k, o, self.space.0.as_deref());
        }
        o
    }

    /// Closes the last transaction's outputs.
    pub(crate) fn end_outputs(&mut self) {
        let n = self.g.out_value.len() as u64;
        push_offset(
            self.g.tx_out_start.vec_mut(),
            self.g.tx_out_base.vec_mut(),
            n,
        );
    }

    /// Appends an input of the last transaction spending output `prev`.
    pub(crate) fn push_input(&mut self, prev: u64, tx: u32) {
        self.push_prev(prev);
        self.g.out_spender.vec_mut()[prev as usize] = tx;
    }

    /// Appends the spent output of an input: 4 bytes while output ids fit,
    /// the whole column widened to 8 the first time one does not.
    fn push_prev(&mut self, prev: u64) {
        if self.g.in_prev_wide.is_empty() && prev != NONE64 && prev >= NONE as u64 {
            self.widen_prevs();
        }
        if self.g.in_prev_wide.is_empty() {
            let v = if prev == NONE64 { NONE } else { prev as u32 };
            self.g.in_prev.vec_mut().push(v);
        } else {
            self.g.in_prev_wide.vec_mut().push(prev);
        }
    }

    fn set_prev(&mut self, input: u64, prev: u64) {
        if self.g.in_prev_wide.is_empty() && prev >= NONE as u64 {
            self.widen_prevs();
        }
        if self.g.in_prev_wide.is_empty() {
            self.g.in_prev.vec_mut()[input as usize] = prev as u32;
        } else {
            self.g.in_prev_wide.vec_mut()[input as usize] = prev;
        }
    }

    fn widen_prevs(&mut self) {
        let mut wide = Grow::new_in(self.space(), "in_prev_wide");
        wide.reserve(self.g.input_count() as usize);
        for i in 0..self.g.input_count() {
            wide.push(self.g.input_prev(i));
        }
        self.g.in_prev = Column::default();
        self.g.in_prev_wide = Column::Owned(wide);
    }

    pub(crate) fn end_inputs(&mut self) {
        let n = self.g.input_count();
        push_offset(self.g.tx_in_start.vec_mut(), self.g.tx_in_base.vec_mut(), n);
    }

    /// The id of an asset named `chain:asset` (the dictionary starts with
    /// the native asset of a Bitcoin graph).
    pub(crate) fn asset_id(&mut self, name: &str) -> u32 {
        if self.g.asset_start.is_empty() {
            self.g.asset_start.vec_mut().push(0);
            self.push_asset_name(NATIVE_ASSET);
        }
        if let Some(a) = self.assets.get(name) {
            return *a;
        }
        self.push_asset_name(name)
    }

    fn push_asset_name(&mut self, name: &str) -> u32 {
        let id = (self.g.asset_start.len() - 1) as u32;
        self.g
            .asset_bytes
            .vec_mut()
            .extend_from_slice(name.as_bytes());
        let end = self.g.asset_bytes.len() as u64;
        self.g.asset_start.vec_mut().push(end);
        self.assets.insert(name.to_string(), id);
        id
    }

    /// Starts a block of account-model transfers at a given height.
    pub(crate) fn begin_block_at(&mut self, hash: [u8; 32], height: u32, time: u32) -> bool {
        if self.blocks.contains_key(&hash) {
            return false;
        }
        let idx = self.g.blocks.len() as u32;
        self.g.blocks.vec_mut().push(BlockRow {
            hash,
            prev: [0; 32],
            height,
            first_tx: self.g.tx_txid.len() as u32,
            n_tx: 0,
            time,
        });
        self.blocks.insert(hash, idx);
        self.current_block = Some(idx);
        true
    }

    /// The account-model state of a graph opened from disk: asset names,
    /// unspent outputs per (address, asset), chain tips.
    fn rebuild_accounts(&mut self) {
        use crate::graph::{FLAG_OPENING, FLAG_TRANSFER};
        for a in 0..self.g.asset_start.len().saturating_sub(1) as u32 {
            let name = self.g.asset_name(a);
            self.assets.insert(name, a);
        }
        if self.g.tx_asset.is_empty() {
            return;
        }
        for tx in 0..self.g.tx_count() as u32 {
            if self.g.flags(tx) & (FLAG_TRANSFER | FLAG_OPENING) == 0 {
                continue;
            }
            let asset = self.g.asset(tx);
            if let Some(h) = self.g.height(tx) {
                let tip = self
                    .chain_tips
                    .entry(self.g.asset_chain(asset))
                    .or_insert(h);
                *tip = (*tip).max(h);
            }
            for o in self.g.outputs(tx) {
                if let (Some(a), None) = (self.g.out_address(o), self.g.spender(o)) {
                    let key = self.g.address_key(a).to_vec();
                    self.accounts.entry((key, asset)).or_default().push(o);
                }
            }
        }
    }

    /// Adds a transaction to the current block. Inputs are outpoints
    /// (txid bytes, vout); a coinbase has none. Returns its index, or None
    /// for a duplicate txid (recorded as an anomaly; the first is kept).
    pub fn add_tx<K: AsRef<[u8]>>(
        &mut self,
        txid: [u8; 32],
        coinbase: bool,
        inputs: &[([u8; 32], u32)],
        outputs: &[(u64, ScriptKind, Option<K>)],
        origin: &str,
        report: &mut IngestReport,
    ) -> Option<u32> {
        let block = self.current_block?;
        if let Some(old) = self.tx_of(&txid) {
            report.anomaly(format!(
                "{origin}: transaction {} already seen in block {} (duplicate txid; the first is kept)",
                crate::graph::txid_hex(&txid),
                self.g.block_hash(old)
            ));
            return None;
        }
        let tx = self.append_tx(txid, block, if coinbase { FLAG_COINBASE } else { 0 }, 0);
        // Outputs.
        let first_out = self.g.out_value.len() as u64;
        for (value, kind, address) in outputs {
            self.push_output(
                *value as Amount,
                *kind,
                address.as_ref().map(|a| a.as_ref()),
            );
        }
        self.end_outputs();
        let to_spend = outputs.iter().filter(|o| spendable(o.1)).count() as u32;
        self.hold_txid(tx, to_spend);
        // Inputs.
        let mut in_total: Option<Amount> = Some(0);
        for (ptxid, vout) in inputs {
            let input = self.g.input_count();
            let mut prev = NONE64;
            // One lookup finds the transaction and counts the spend.
            let ids = self.g.tx_txid.as_slice();
            match self
                .txids
                .find_entry(fx(ptxid), |e| &ids[e.tx as usize] == ptxid)
            {
                Ok(mut entry) => {
                    let ptx = entry.get().tx;
                    let r = self.g.outputs(ptx);
                    let o = r.start + *vout as u64;
                    if o >= r.end {
                        report.anomaly(format!(
                            "{origin}: transaction {} spends output {vout} of {}, which has only {} outputs",
                            crate::graph::txid_hex(&txid),
                            crate::graph::txid_hex(ptxid),
                            r.end - r.start
                        ));
                        in_total = None;
                    } else if self.g.out_spender.as_slice()[o as usize] != NONE {
                        report.anomaly(format!(
                            "{origin}: transaction {} spends {}:{vout}, already spent by {} (double spend; the first is kept)",
                            crate::graph::txid_hex(&txid),
                            crate::graph::txid_hex(ptxid),
                            self.g.txid(self.g.out_spender.as_slice()[o as usize])
                        ));
                        in_total = None;
                    } else {
                        if entry
                            .get_mut()
                            .spend(self.g.out_kind.as_slice()[o as usize])
                        {
                            entry.remove();
                        }
                        prev = o;
                        self.g.out_spender.vec_mut()[o as usize] = tx;
                        in_total = in_total.map(|t| t.saturating_add(self.g.value(o)));
                    }
                }
                Err(_) => {
                    // Not yet seen, or seen with every output spent (no
                    // longer in the table): settling tells which.
                    report.unresolved_inputs += 1;
                    self.waiting.entry((*ptxid, *vout)).or_default().push(input);
                    self.unsettled = true;
                    in_total = None;
                }
            }
            self.push_prev(prev);
        }
        self.end_inputs();
        if coinbase {
            self.g.tx_fee.vec_mut()[tx as usize] = 0;
        } else if let Some(i) = in_total {
            let o: Amount = outputs.iter().map(|o| o.0 as Amount).sum();
            if o > i {
                report.anomaly(format!(
                    "{origin}: transaction {} pays out {o} but spends {i}",
                    crate::graph::txid_hex(&txid)
                ));
            } else if i - o < FEE_UNKNOWN as Amount {
                self.g.tx_fee.vec_mut()[tx as usize] = (i - o) as u32;
            }
        }
        // Inputs that were waiting for these outputs.
        if !self.waiting.is_empty() {
            for vout in 0..outputs.len() as u32 {
                if let Some(waiters) = self.waiting.remove(&(txid, vout)) {
                    let o = first_out + vout as u64;
                    for (k, input) in waiters.into_iter().enumerate() {
                        report.unresolved_inputs = report.unresolved_inputs.saturating_sub(1);
                        if k > 0 {
                            report.anomaly(format!(
                                "{origin}: output {}:{vout} is spent twice (double spend; the first is kept)",
                                crate::graph::txid_hex(&txid)
                            ));
                            continue;
                        }
                        self.set_prev(input, o);
                        let spender = self.owner_of_input(input);
                        self.g.out_spender.vec_mut()[o as usize] = spender;
                        self.spent_output_of(tx, o);
                    }
                }
            }
        }
        report.transactions += 1;
        Some(tx)
    }

    /// Settles what the txid table, holding only transactions with outputs
    /// left to spend, could not tell while blocks were added: an input left
    /// waiting for a transaction that is in the graph with every output
    /// spent is a double spend (the first is kept) or spends an output the
    /// transaction does not have; a txid that repeats such a transaction is
    /// reported (both are kept: Bitcoin accepts a txid again once the first
    /// transaction's outputs are all spent, BIP 30). Sorts the txids for
    /// that, which is the graph's `txid_order`.
    fn settle(&mut self, report: &mut IngestReport) {
        let n = self.g.tx_count();
        if self.g.txid_order.len() != n {
            let ids = self.g.tx_txid.as_slice();
            let sorted = sorted_by_key(n, |i| &ids[i]);
            for w in sorted.windows(2) {
                let (a, b) = (w[0].min(w[1]), w[0].max(w[1]));
                if ids[a as usize] == ids[b as usize] && b >= self.first_new_tx {
                    report.anomaly(format!(
                        "transaction {} of block {} is again in block {} after its outputs were all spent (both kept)",
                        self.g.txid(a),
                        self.g.block_hash(a),
                        self.g.block_hash(b)
                    ));
                }
            }
            self.g.txid_order = Column::Owned(Grow::copy_in(self.space(), "txid_order", &sorted));
        }
        if !std::mem::take(&mut self.unsettled) {
            return;
        }
        let keys: Vec<([u8; 32], u32)> = self.waiting.keys().copied().collect();
        for (txid, vout) in keys {
            let Some(ptx) = self.g.tx_index_bytes(&txid) else {
                continue;
            };
            let Some(waiters) = self.waiting.remove(&(txid, vout)) else {
                continue;
            };
            let r = self.g.outputs(ptx);
            let o = r.start + vout as u64;
            for input in waiters {
                report.unresolved_inputs = report.unresolved_inputs.saturating_sub(1);
                let spender = self.owner_of_input(input);
                if o >= r.end {
                    report.anomaly(format!(
                        "block {}: transaction {} spends output {vout} of {}, which has only {} outputs",
                        self.g.block_hash(spender),
                        self.g.txid(spender),
                        self.g.txid(ptx),
                        r.end - r.start
                    ));
                } else if self.g.out_spender.as_slice()[o as usize] != NONE {
                    report.anomaly(format!(
                        "block {}: transaction {} spends {}:{vout}, already spent by {} (double spend; the first is kept)",
                        self.g.block_hash(spender),
                        self.g.txid(spender),
                        self.g.txid(ptx),
                        self.g.txid(self.g.out_spender.as_slice()[o as usize])
                    ));
                } else {
                    // An output the table did not count (OP_RETURN).
                    self.set_prev(input, o);
                    self.g.out_spender.vec_mut()[o as usize] = spender;
                }
            }
        }
    }

    /// Ingests one serialised block. `origin` names it in errors (file and offset).
    pub fn ingest_block(
        &mut self,
        bytes: &[u8],
        origin: &str,
        report: &mut IngestReport,
    ) -> Result<(), String> {
        let block = decode_block(bytes, origin)?;
        self.apply_block(&block, origin, report);
        Ok(())
    }

    /// Ingests the blocks of one file in order (`origin` names a block by
    /// its offset in errors), decoding the next blocks on other cores while
    /// these are applied. The first block that does not decode stops it.
    pub fn ingest_blocks<'b>(
        &mut self,
        blocks: &[(usize, &'b [u8])],
        origin: impl Fn(usize) -> String + Sync,
        report: &mut IngestReport,
    ) -> Result<(), String> {
        const CHUNK: usize = 64;
        let decode = |c: &[(usize, &'b [u8])]| -> Vec<Result<DecodedBlock<'b>, String>> {
            c.par_iter()
                .map(|(off, b)| decode_block(b, &origin(*off)))
                .collect()
        };
        let mut chunks = blocks.chunks(CHUNK);
        let mut current = chunks.next().map(|c| (c, decode(c)));
        while let Some((chunk, decoded)) = current {
            let next = chunks.next();
            let (next, applied) = rayon::join(
                || next.map(|c| (c, decode(c))),
                || -> Result<(), String> {
                    for ((off, _), d) in chunk.iter().zip(decoded) {
                        self.apply_block(&d?, &origin(*off), report);
                    }
                    Ok(())
                },
            );
            applied?;
            current = next;
        }
        Ok(())
    }

    /// Makes room in the columns for about `bytes` of serialised blocks
    /// (estimated generously: untouched room costs address space, not
    /// memory), so that they are not copied as they grow.
    pub fn reserve_for_block_bytes(&mut self, bytes: u64) {
        let txs = (bytes / 150) as usize;
        let outs = (bytes / 40) as usize;
        let ins = (bytes / 60) as usize;
        // The id tables touch what they reserve: a closer estimate (real
        // transactions average 250 bytes or more, outputs 2–3 of them; the
        // txid table holds those with outputs unspent, a fraction).
        let ids = self.g.tx_txid.as_slice();
        self.txids
            .reserve((bytes / 1000) as usize, |e| fx(&ids[e.tx as usize]));
        let g = &mut self.g;
        g.tx_txid.vec_mut().reserve(txs);
        g.tx_flags.vec_mut().reserve(txs);
        g.tx_fee.vec_mut().reserve(txs);
        g.tx_out_start.vec_mut().reserve(txs);
        g.tx_in_start.vec_mut().reserve(txs);
        g.out_value.vec_mut().reserve(outs);
        g.out_kind.vec_mut().reserve(outs);
        g.out_addr.vec_mut().reserve(outs);
        g.out_spender.vec_mut().reserve(outs);
        if g.in_prev_wide.is_empty() {
            g.in_prev.vec_mut().reserve(ins);
        }
    }

    /// Adds a decoded block (see [`decode_block`]).
    pub fn apply_block(&mut self, b: &DecodedBlock<'_>, origin: &str, report: &mut IngestReport) {
        let raw = &b.raw;
        if !self.begin_block(raw.hash, raw.prev, report) {
            return;
        }
        if let Some(idx) = self.current_block {
            self.g.blocks.vec_mut()[idx as usize].time = raw.time;
        }
        let mut outs: Vec<NewOutput<'_>> = Vec::new();
        let (mut i0, mut o0) = (0usize, 0usize);
        for (tx, txid) in raw.txs.iter().zip(&raw.txids) {
            let (i1, o1) = (tx.ins_end as usize, tx.outs_end as usize);
            outs.clear();
            outs.extend(
                raw.outs[o0..o1]
                    .iter()
                    .zip(&b.outs[o0..o1])
                    .map(|(o, (kind, key))| (o.value, *kind, key.as_deref())),
            );
            // A coinbase's one input spends nothing.
            let ins = if tx.coinbase {
                &[][..]
            } else {
                &raw.ins[i0..i1]
            };
            self.add_tx(*txid, tx.coinbase, ins, &outs, origin, report);
            (i0, o0) = (i1, o1);
        }
        self.current_block = None;
    }

    /// The graph with its derived columns (address index, clusters, sorted
    /// ids) computed.
    pub fn into_graph(self) -> Graph {
        self.into_graph_with(BuildOptions::default())
    }

    pub fn into_graph_with(self, opts: BuildOptions) -> Graph {
        self.into_graph_reporting(opts, &mut IngestReport::default())
    }

    /// [`Ledger::into_graph_with`], with what settling the waiting inputs
    /// finds (see [`Ledger::settle`]) added to `report`.
    pub fn into_graph_reporting(mut self, opts: BuildOptions, report: &mut IngestReport) -> Graph {
        // The id tables are not needed to settle or derive: freed before
        // the sorted txids and the derived columns take their room.
        drop((
            std::mem::take(&mut self.txids),
            std::mem::take(&mut self.blocks),
            std::mem::take(&mut self.orphans),
            std::mem::take(&mut self.accounts),
        ));
        self.settle(report);
        let Ledger {
            mut g,
            space,
            waiting,
            pairs,
            ..
        } = self;
        g.will_scan();
        let space = space.0.as_deref();
        // Fees of transactions whose inputs were resolved after them.
        let fees: Vec<(usize, u32)> = (0..g.tx_count() as u32)
            .filter(|t| g.tx_fee.as_slice()[*t as usize] == FEE_UNKNOWN && g.inputs_resolved(*t))
            .filter_map(|t| {
                let f = g.computed_fee(t);
                (f < FEE_UNKNOWN as Amount).then_some((t as usize, f as u32))
            })
            .collect();
        for (t, f) in fees {
            g.tx_fee.vec_mut()[t] = f;
        }
        // Unresolved inputs, in input order.
        let mut unresolved: Vec<Unresolved> = waiting
            .iter()
            .flat_map(|((t, v), ins)| {
                ins.iter().map(|i| Unresolved {
                    txid: *t,
                    vout: *v,
                    _pad: 0,
                    input: *i,
                })
            })
            .collect();
        unresolved.sort_by_key(|u| u.input);
        g.unresolved = Column::Owned(Grow::copy_in(space, "unresolved", &unresolved));
        // Addresses numbered, outputs given their address, and each
        // address's outputs listed.
        pairs.number(&mut g, space);
        let n_addr = g.address_count();
        // Clusters.
        let roots = cluster::cluster_roots(&g, opts.change_heuristic);
        let mut cstart = vec![0u32; n_addr + 1];
        for r in &roots {
            cstart[*r as usize + 1] += 1;
        }
        for i in 0..n_addr {
            cstart[i + 1] += cstart[i];
        }
        let mut order = vec![0u32; n_addr];
        for (a, r) in roots.iter().enumerate() {
            order[cstart[*r as usize] as usize] = a as u32;
            cstart[*r as usize] += 1;
        }
        // Only clusters of two or more are listed: a cluster of one is
        // its own root (most addresses; see `Graph::cluster_members`).
        let mut size = vec![0u32; n_addr];
        for r in &roots {
            size[*r as usize] += 1;
        }
        order.retain(|a| size[roots[*a as usize] as usize] >= 2);
        g.addr_cluster = Column::Owned(Grow::copy_in(space, "addr_cluster", &roots));
        g.cluster_order = Column::Owned(Grow::copy_in(space, "cluster_order", &order));
        drop((roots, order, size));
        // (Sorted ids for lookups: `txid_order`, computed when settling.)
        debug_assert_eq!(g.check(), Ok(()));
        g
    }
}

/// Indices 0..n sorted by their byte keys: sorted in parallel on an 8-byte
/// prefix held inline (no pointer chasing), then runs of equal prefixes
/// sorted on the whole key.
fn sorted_by_key<'a>(n: usize, key: impl Fn(usize) -> &'a [u8] + Sync) -> Vec<u32> {
    use rayon::prelude::*;
    let mut v: Vec<(u64, u32)> = (0..n)
        .into_par_iter()
        .map(|i| (key_prefix(key(i)), i as u32))
        .collect();
    v.par_sort_unstable();
    let mut out: Vec<u32> = v.iter().map(|x| x.1).collect();
    let mut i = 0;
    while i < v.len() {
        let mut j = i + 1;
        while j < v.len() && v[j].0 == v[i].0 {
            j += 1;
        }
        if j - i > 1 {
            out[i..j].sort_unstable_by(|a, b| key(*a as usize).cmp(key(*b as usize)));
        }
        i = j;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Output ids held in 8 bytes (a graph past 2^32 outputs) read the
    /// same as in 4: the widening is exercised on a small graph.
    #[test]
    fn wide_output_ids_read_like_narrow_ones() {
        let mut l = Ledger::new();
        let mut r = IngestReport::default();
        l.begin_block([1; 32], [0; 32], &mut r);
        let key = crate::graph::address_key("a");
        l.add_tx(
            [2; 32],
            true,
            &[],
            &[(50, ScriptKind::P2pkh, Some(&key))],
            "t",
            &mut r,
        );
        l.add_tx(
            [3; 32],
            false,
            &[([2; 32], 0), ([9; 32], 0)],
            &[(40, ScriptKind::P2pkh, Some(&key))],
            "t",
            &mut r,
        );
        let narrow: Vec<u64> = (0..l.g.input_count()).map(|i| l.g.input_prev(i)).collect();
        assert_eq!(narrow, vec![0, NONE64]);
        l.widen_prevs();
        assert!(l.g.in_prev.is_empty() && l.g.in_prev_wide.len() == 2);
        let wide: Vec<u64> = (0..l.g.input_count()).map(|i| l.g.input_prev(i)).collect();
        assert_eq!(wide, narrow);
        // The unknown input is resolved after widening.
        l.begin_block([4; 32], [1; 32], &mut r);
        l.add_tx(
            [9; 32],
            true,
            &[],
            &[(7, ScriptKind::P2pkh, Some(&key))],
            "t",
            &mut r,
        );
        assert_eq!(l.g.input_prev(1), 2);
        let mut g = l.into_graph();
        let a = g.address_index("a").unwrap();
        let outs: Vec<u64> = g.address_outputs(a).collect();
        assert_eq!(outs, vec![0, 1, 2]);
        g.addr_outs_wide = Column::from(outs.clone());
        g.addr_outs = Column::default();
        assert_eq!(g.address_outputs(a).collect::<Vec<_>>(), outs);
        assert_eq!(g.address_stats("a").received, 97);
        assert_eq!(g.check(), Ok(()));
    }
}
