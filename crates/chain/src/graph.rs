//! The transaction graph in compact columns: transactions, outputs and
//! inputs as integer ids with their adjacency in CSR form (offset arrays),
//! addresses in a dictionary. The same [`Graph`] is either built in memory
//! (by the [`crate::Ledger`]) or opened over memory-mapped files written by
//! the store; the columns are plain little-endian arrays either way.
//!
//! Ids: a transaction is its index in ingest order (`u32`, enough for the
//! 1.3 billion transactions of the full chain), an output its global index
//! (`u64`), an address its dictionary index (`u32`). `NONE` marks absence.
//!
//! Amounts are exact integers in the asset's base units ([`Amount`],
//! 128 bits: wei overflow 64 bits at 18.4 ETH). An output's value is held
//! in a 31-bit slot; values of 2^31 or more (21.47 BTC, most wei amounts)
//! sit whole in a side table sorted by output (`out_large`), so that
//! Bitcoin pays 4 bytes for nearly every value.
//!
//! Assets: every transaction moves one asset. A graph of Bitcoin blocks
//! only has no asset column (all is `bitcoin:BTC`); account-model
//! transfers add the column and a dictionary of `chain:asset` names.

use crate::ledger::ScriptKind;
use bitcoin::hashes::Hash;
use bitcoin::Txid;
use bytemuck::{Pod, Zeroable};
use serde::Serialize;

pub const NONE: u32 = u32::MAX;
pub const NONE64: u64 = u64::MAX;

/// An amount in an asset's base units (satoshi, wei, sun, token units).
pub type Amount = u128;

/// The asset of a graph without an asset column.
pub const NATIVE_ASSET: &str = "bitcoin:BTC";

pub use crate::column::{Column, Grow, Region, SharedBytes, Space};

#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Pod, Zeroable)]
pub struct BlockRow {
    pub hash: [u8; 32],
    pub prev: [u8; 32],
    /// `NONE` while the parent is unknown (an orphan).
    pub height: u32,
    pub first_tx: u32,
    pub n_tx: u32,
    /// Seconds since 1970 (0 when unknown).
    pub time: u32,
}

/// The value of an output too large for its 31-bit slot (21.47 BTC or
/// more; most wei amounts), for the outputs that have one.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Pod, Zeroable)]
pub struct LargeValue {
    pub out: u64,
    pub low: u64,
    pub high: u64,
}

/// Marks an `out_value` slot whose value is in `out_large`.
pub const LARGE: u32 = 1 << 31;

/// Entries per base of a two-level offset array.
pub const OFFSET_CHUNK: usize = 64;

/// A CSR offset array held as 4 bytes an entry: each entry relative to a
/// 64-bit base per [`OFFSET_CHUNK`] entries. Holds arrays where that many
/// consecutive entries span less than 4 GiB (outputs of 64 transactions,
/// bytes of 64 address keys, outputs of 64 addresses).
#[derive(Debug, Clone, Copy)]
pub struct Offsets<'a> {
    lo: &'a [u32],
    base: &'a [u64],
}

impl<'a> Offsets<'a> {
    pub fn new(lo: &'a [u32], base: &'a [u64]) -> Self {
        Offsets { lo, base }
    }

    pub fn get(&self, i: usize) -> u64 {
        self.base[i / OFFSET_CHUNK] + self.lo[i] as u64
    }

    pub fn len(&self) -> usize {
        self.lo.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lo.is_empty()
    }

    pub fn last(&self) -> Option<u64> {
        (!self.lo.is_empty()).then(|| self.get(self.lo.len() - 1))
    }

    /// The last index whose offset is ≤ x (the owner of item x).
    pub fn owner(&self, x: u64) -> usize {
        let c = self.base.partition_point(|b| *b <= x).saturating_sub(1);
        let lo = c * OFFSET_CHUNK;
        let hi = (lo + OFFSET_CHUNK).min(self.lo.len());
        let b = self.base.get(c).copied().unwrap_or(0);
        let k = self.lo[lo.min(hi)..hi].partition_point(|v| b + *v as u64 <= x);
        (lo + k).saturating_sub(1)
    }

    /// Whether the entries never decrease and fit their bases (checked
    /// when a graph is opened).
    pub fn well_formed(&self) -> bool {
        self.base.len() == self.lo.len().div_ceil(OFFSET_CHUNK)
            && self
                .lo
                .chunks(OFFSET_CHUNK)
                .all(|c| c.first() == Some(&0) && c.windows(2).all(|w| w[0] <= w[1]))
            && self.base.windows(2).enumerate().all(|(k, w)| {
                let last = self.lo[(k + 1) * OFFSET_CHUNK - 1] as u64;
                w[0] + last <= w[1]
            })
    }
}

/// Output ids, held in 4 bytes while the graph has fewer than 2^32 − 1
/// outputs (the full Bitcoin chain has about 3 billion) and in 8 beyond.
#[derive(Debug, Clone)]
pub enum Ids<'a> {
    Narrow(std::slice::Iter<'a, u32>),
    Wide(std::slice::Iter<'a, u64>),
}

impl Iterator for Ids<'_> {
    type Item = u64;

    fn next(&mut self) -> Option<u64> {
        match self {
            Ids::Narrow(i) => i.next().map(|v| *v as u64),
            Ids::Wide(i) => i.next().copied(),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match self {
            Ids::Narrow(i) => i.size_hint(),
            Ids::Wide(i) => i.size_hint(),
        }
    }
}

impl ExactSizeIterator for Ids<'_> {}

/// Appends `v` to a two-level offset array.
pub(crate) fn push_offset(lo: &mut Grow<u32>, base: &mut Grow<u64>, v: u64) {
    if lo.len().is_multiple_of(OFFSET_CHUNK) {
        base.push(v);
    }
    let b = base.last().copied().unwrap_or(0);
    debug_assert!(
        v >= b && v - b <= u32::MAX as u64,
        "offset chunk spans 4 GiB"
    );
    lo.push((v - b) as u32);
}

/// The Tron form of an EVM address (`0x` and 40 hex digits) or the EVM
/// form of a Tron address (`T…`, base58check of 0x41 and 20 bytes).
pub fn account_twin(address: &str) -> Option<String> {
    if let Some(hex) = address.strip_prefix("0x") {
        if hex.len() != 40 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let mut raw = vec![0x41u8];
        for i in 0..20 {
            raw.push(u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok()?);
        }
        return Some(bitcoin::base58::encode_check(&raw));
    }
    let raw = bitcoin::base58::decode_check(address).ok()?;
    if raw.len() != 21 || raw[0] != 0x41 {
        return None;
    }
    let mut s = String::from("0x");
    for b in &raw[1..] {
        s.push_str(&format!("{b:02x}"));
    }
    Some(s)
}

/// An input whose spent output is not (yet) known.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Pod, Zeroable)]
pub struct Unresolved {
    pub txid: [u8; 32],
    pub vout: u32,
    pub _pad: u32,
    pub input: u64,
}

/// A transaction's fee not stored in `tx_fee` (an input not yet resolved
/// when the graph was built, or a fee of 2^32 − 1 base units or more): it
/// is added up from the inputs when asked.
pub const FEE_UNKNOWN: u32 = u32::MAX;

/// Funds from nothing: a coinbase (mined) or a token mint.
pub const FLAG_COINBASE: u8 = 1;
/// An account's balance from before the imported transfers (its origin
/// is unknown): created when a sender spends more than it was seen to get.
pub const FLAG_OPENING: u8 = 2;
/// An account-model transfer (one row of a transfer file).
pub const FLAG_TRANSFER: u8 = 4;
/// Another transfer of the previous transfer's transaction hash.
pub const FLAG_CONT: u8 = 8;
/// The hash was written with a `0x` prefix (EVM chains).
pub const FLAG_HEX0X: u8 = 16;

macro_rules! columns {
    ($($name:ident : $t:ty),* $(,)?) => {
        /// Every column of a graph. Base columns are appended by ingest;
        /// derived ones (from `addr_out_start` on) are recomputed by
        /// [`crate::Ledger::into_graph`].
        #[derive(Debug, Clone, Default)]
        pub struct Graph {
            $(pub $name: Column<$t>,)*
        }

        impl Graph {
            /// Column names, in file order.
            pub const COLUMNS: &'static [&'static str] = &[$(stringify!($name)),*];

            /// (name, bytes, region it grows in) of every column, for
            /// writing: the store renames its own regions into place.
            pub fn column_parts(&self) -> Vec<(&'static str, &[u8], Option<&dyn Region>)> {
                vec![$((stringify!($name), self.$name.bytes(), self.$name.region())),*]
            }

            /// Moves every column into regions of `space`.
            pub fn move_into(&mut self, space: &dyn Space) {
                $(self.$name.move_into(space, stringify!($name));)*
            }

            /// Tells every column's region it is about to be scanned.
            pub fn will_scan(&self) {
                $(if let Some(r) = self.$name.region() {
                    r.will_scan();
                })*
            }

            /// Columns that had to leave their region, and why (see
            /// [`crate::column`]).
            pub fn grow_errors(&self) -> Vec<String> {
                let mut v = Vec::new();
                $(if let Some(e) = self.$name.grow_error() {
                    v.push(format!("{}: {e}", stringify!($name)));
                })*
                v
            }

            /// A graph over shared bytes, one buffer per column name.
            pub fn from_columns(mut get: impl FnMut(&str) -> Result<SharedBytes, String>) -> Result<Graph, String> {
                let g = Graph {
                    $($name: Column::from_shared(get(stringify!($name))?)
                        .map_err(|e| format!("column {}: {e}", stringify!($name)))?,)*
                };
                g.check()?;
                Ok(g)
            }
        }
    };
}

columns! {
    blocks: BlockRow,
    tx_txid: [u8; 32],
    tx_flags: u8,
    tx_fee: u32,
    tx_out_start: u32,
    tx_out_base: u64,
    tx_in_start: u32,
    tx_in_base: u64,
    out_value: u32,
    out_large: LargeValue,
    out_addr: u32,
    out_kind: u8,
    out_spender: u32,
    in_prev: u32,
    in_prev_wide: u64,
    unresolved: Unresolved,
    addr_bytes: u8,
    addr_start: u32,
    addr_base: u64,
    tx_asset: u32,
    asset_bytes: u8,
    asset_start: u64,
    // Derived.
    addr_out_start: u32,
    addr_out_base: u64,
    addr_outs: u32,
    addr_outs_wide: u64,
    addr_cluster: u32,
    cluster_order: u32,
    txid_order: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct GraphStats {
    pub blocks: u64,
    pub orphan_blocks: u64,
    pub max_height: Option<u32>,
    pub transactions: u64,
    pub outputs: u64,
    pub inputs: u64,
    pub unresolved_inputs: u64,
    pub addresses: u64,
    pub clusters: u64,
    pub unspent_outputs: u64,
    /// Per asset: transactions and unspent value.
    pub assets: Vec<AssetStats>,
    /// Bytes of every column together.
    pub bytes: u64,
    /// Bytes per edge, an edge being an output or an input.
    pub bytes_per_edge: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AssetStats {
    pub asset: String,
    pub transactions: u64,
    pub unspent_value: Amount,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutputRecord {
    /// Base units of the transaction's asset (satoshis for Bitcoin).
    pub value: Amount,
    pub kind: ScriptKind,
    /// The address; for P2PK the P2PKH address of its key, as explorers show it.
    pub address: Option<String>,
    /// The transaction and input that spend it, once seen.
    pub spent_by: Option<(String, u32)>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InputRecord {
    pub prev_txid: String,
    pub prev_vout: u32,
    /// Value and address of the spent output, once it is known.
    pub value: Option<Amount>,
    pub address: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TxRecord {
    pub txid: String,
    pub block: String,
    pub height: Option<u32>,
    /// Seconds since 1970, where known.
    pub time: Option<u32>,
    pub asset: String,
    /// Mined (a coinbase) or minted (a token mint).
    pub coinbase: bool,
    /// An account's balance from before the imported transfers.
    pub opening: bool,
    pub inputs: Vec<InputRecord>,
    pub outputs: Vec<OutputRecord>,
}

impl TxRecord {
    pub fn output_total(&self) -> Amount {
        self.outputs.iter().map(|o| o.value).sum()
    }

    /// Inputs minus outputs, when every input is resolved (None for coinbase).
    pub fn fee(&self) -> Option<Amount> {
        if self.coinbase || self.opening {
            return None;
        }
        let inputs: Option<Amount> = self.inputs.iter().map(|i| i.value).sum();
        inputs.and_then(|i| i.checked_sub(self.output_total()))
    }
}

/// What an address received and sent in one asset.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AssetBalance {
    pub asset: String,
    pub received: Amount,
    pub sent: Amount,
    pub balance: Amount,
    pub outputs: u64,
    pub unspent_outputs: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AddressStats {
    pub address: String,
    /// The asset of `received`, `sent` and `balance`: the address's only
    /// asset, or the first of `assets` when it holds several.
    pub asset: String,
    pub received: Amount,
    pub sent: Amount,
    pub balance: Amount,
    pub tx_count: u64,
    pub outputs: u64,
    pub unspent_outputs: u64,
    /// Every asset the address received, in asset order.
    pub assets: Vec<AssetBalance>,
    /// The cluster's id (its first address) and size.
    pub cluster: Option<String>,
    pub cluster_size: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClusterInfo {
    pub id: String,
    pub size: usize,
    pub addresses: Vec<String>,
}

/// Marks a key holding an address as text (account-model chains, names).
const TEXT_KEY: u8 = 0xfe;

/// The stored form of an address: a Bitcoin address as its output script
/// (20-odd bytes instead of 34–62 characters), anything else as a marker
/// byte and its text (EVM hex in lower case).
pub fn address_key(address: &str) -> Vec<u8> {
    let a = address.trim();
    if let Ok(x) = a.parse::<bitcoin::Address<bitcoin::address::NetworkUnchecked>>() {
        if x.is_valid_for_network(bitcoin::Network::Bitcoin) {
            return x.assume_checked().script_pubkey().into_bytes();
        }
    }
    let mut k = vec![TEXT_KEY];
    if a.len() == 42 && a.starts_with("0x") && a[2..].bytes().all(|b| b.is_ascii_hexdigit()) {
        k.extend(a.to_ascii_lowercase().bytes());
    } else {
        k.extend(a.bytes());
    }
    k
}

pub fn render_address_key(k: &[u8]) -> String {
    if k.first() == Some(&TEXT_KEY) {
        return String::from_utf8_lossy(&k[1..]).into_owned();
    }
    bitcoin::Address::from_script(bitcoin::Script::from_bytes(k), bitcoin::Network::Bitcoin)
        .map(|a| a.to_string())
        .unwrap_or_else(|_| {
            format!(
                "script:{}",
                k.iter().map(|b| format!("{b:02x}")).collect::<String>()
            )
        })
}

pub fn txid_hex(b: &[u8; 32]) -> String {
    Txid::from_byte_array(*b).to_string()
}

/// The stored bytes of a hash written in hex (with or without `0x`):
/// stored so that [`txid_hex`] gives the hex back.
pub fn parse_txid(s: &str) -> Option<[u8; 32]> {
    let s = s.trim();
    let s = s.strip_prefix("0x").unwrap_or(s);
    s.parse::<Txid>().ok().map(|t| t.to_byte_array())
}

/// An id derived from a tag and parts (SHA-256 of their concatenation),
/// for what the chain names only by position: the k-th transfer of a hash,
/// opening balances, blocks of transfers.
pub fn derived_id(tag: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    use bitcoin::hashes::sha256;
    let mut e = sha256::Hash::engine();
    bitcoin::hashes::HashEngine::input(&mut e, tag);
    for p in parts {
        bitcoin::hashes::HashEngine::input(&mut e, p);
    }
    sha256::Hash::from_engine(e).to_byte_array()
}

/// The stored id of the `k`-th transfer of a transaction hash (k > 0): the
/// first transfer is stored under the hash itself.
pub fn transfer_id(hash: &[u8; 32], k: u32) -> [u8; 32] {
    derived_id(b"transfer", &[hash, &k.to_le_bytes()])
}

/// The stored id of the opening balance created before transfer `k` of a
/// transaction hash, the `n`-th for it.
pub fn opening_id(hash: &[u8; 32], k: u32, n: u32) -> [u8; 32] {
    derived_id(b"opening", &[hash, &k.to_le_bytes(), &n.to_le_bytes()])
}

pub(crate) fn kind_from_u8(k: u8) -> ScriptKind {
    ScriptKind::ALL
        .get(k as usize)
        .copied()
        .unwrap_or(ScriptKind::NonStandard)
}

impl Graph {
    /// Lengths that must agree; checked when a graph is opened.
    pub fn check(&self) -> Result<(), String> {
        let n_tx = self.tx_txid.len();
        let n_out = self.out_value.len();
        let n_addr = self.addr_start.len().saturating_sub(1);
        let want = |ok: bool, what: &str| {
            if ok {
                Ok(())
            } else {
                Err(format!("graph columns disagree: {what}"))
            }
        };
        want(self.tx_flags.len() == n_tx, "tx_flags")?;
        want(self.tx_fee.len() == n_tx, "tx_fee")?;
        want(self.tx_out_start.len() == n_tx + 1, "tx_out_start")?;
        want(self.tx_in_start.len() == n_tx + 1, "tx_in_start")?;
        for (name, o) in [
            ("tx_out_start", self.tx_outs()),
            ("tx_in_start", self.tx_ins()),
            ("addr_start", self.addr_offsets()),
            ("addr_out_start", self.addr_out_offsets()),
        ] {
            want(o.well_formed(), name)?;
        }
        want(
            self.tx_outs().last() == Some(n_out as u64),
            "tx_out_start end",
        )?;
        want(
            self.tx_ins().last() == Some(self.input_count()),
            "tx_in_start end",
        )?;
        want(
            self.blocks
                .as_slice()
                .windows(2)
                .all(|w| w[0].first_tx + w[0].n_tx <= w[1].first_tx),
            "blocks in transaction order",
        )?;
        want(self.out_addr.len() == n_out, "out_addr")?;
        want(self.out_kind.len() == n_out, "out_kind")?;
        want(self.out_spender.len() == n_out, "out_spender")?;
        want(
            self.addr_offsets().last().unwrap_or(0) == self.addr_bytes.len() as u64,
            "addr_start end",
        )?;
        want(self.addr_out_start.len() == n_addr + 1, "addr_out_start")?;
        want(self.addr_cluster.len() == n_addr, "addr_cluster")?;
        want(self.cluster_order.len() <= n_addr, "cluster_order")?;
        want(self.txid_order.len() == n_tx, "txid_order")?;
        want(
            self.tx_asset.is_empty() || self.tx_asset.len() == n_tx,
            "tx_asset",
        )?;
        want(
            self.asset_start.as_slice().last().copied().unwrap_or(0)
                == self.asset_bytes.len() as u64,
            "asset_start end",
        )?;
        want(
            self.out_large
                .as_slice()
                .windows(2)
                .all(|w| w[0].out < w[1].out)
                && self
                    .out_large
                    .as_slice()
                    .last()
                    .is_none_or(|h| h.out < n_out as u64),
            "out_large",
        )?;
        Ok(())
    }

    pub fn tx_count(&self) -> usize {
        self.tx_txid.len()
    }

    /// Each transaction's first output (and the end).
    pub fn tx_outs(&self) -> Offsets<'_> {
        Offsets::new(self.tx_out_start.as_slice(), self.tx_out_base.as_slice())
    }

    /// Each transaction's first input (and the end).
    pub fn tx_ins(&self) -> Offsets<'_> {
        Offsets::new(self.tx_in_start.as_slice(), self.tx_in_base.as_slice())
    }

    /// Where each address key starts in `addr_bytes` (and the end).
    pub fn addr_offsets(&self) -> Offsets<'_> {
        Offsets::new(self.addr_start.as_slice(), self.addr_base.as_slice())
    }

    /// Where each address's outputs start in `addr_outs` (and the end).
    pub fn addr_out_offsets(&self) -> Offsets<'_> {
        Offsets::new(
            self.addr_out_start.as_slice(),
            self.addr_out_base.as_slice(),
        )
    }

    pub fn output_count(&self) -> u64 {
        self.out_value.len() as u64
    }

    pub fn address_count(&self) -> usize {
        self.addr_start.len().saturating_sub(1)
    }

    pub fn flags(&self, tx: u32) -> u8 {
        self.tx_flags.as_slice()[tx as usize]
    }

    /// The first transfer of the transaction hash that `tx` belongs to.
    fn transfer_group_start(&self, tx: u32) -> u32 {
        let mut t = tx;
        while t > 0 && self.flags(t) & FLAG_CONT != 0 {
            t -= 1;
        }
        t
    }

    /// A transaction's id as people write it: a Bitcoin txid; a transfer's
    /// transaction hash (`#k` for its k-th transfer after the first); an
    /// opening balance as `opening:` and its own id.
    pub fn txid(&self, tx: u32) -> String {
        let f = self.flags(tx);
        let ids = self.tx_txid.as_slice();
        if f & FLAG_OPENING != 0 {
            return format!("opening:{}", txid_hex(&ids[tx as usize]));
        }
        if f & FLAG_TRANSFER == 0 {
            return txid_hex(&ids[tx as usize]);
        }
        let start = self.transfer_group_start(tx);
        let prefix = if self.flags(start) & FLAG_HEX0X != 0 {
            "0x"
        } else {
            ""
        };
        let base = txid_hex(&ids[start as usize]);
        if start == tx {
            format!("{prefix}{base}")
        } else {
            format!("{prefix}{base}#{}", tx - start)
        }
    }

    /// The transaction with this id as [`Graph::txid`] writes it (binary
    /// search over the sorted ids).
    pub fn tx_index(&self, txid: &str) -> Option<u32> {
        let t = txid.trim();
        if let Some(o) = t.strip_prefix("opening:") {
            return self.tx_index_bytes(&parse_txid(o)?);
        }
        let (hash, k) = match t.split_once('#') {
            Some((h, k)) => (h, k.parse::<u32>().ok()?),
            None => (t, 0),
        };
        let start = self.tx_index_bytes(&parse_txid(hash)?)?;
        if k == 0 {
            return Some(start);
        }
        let tx = start.checked_add(k)?;
        let ok = (tx as usize) < self.tx_count()
            && self.flags(start) & FLAG_TRANSFER != 0
            && (start + 1..=tx).all(|x| self.flags(x) & FLAG_CONT != 0);
        ok.then_some(tx)
    }

    /// The transfers of one transaction hash (just `tx` for anything else).
    pub fn transfer_group(&self, tx: u32) -> std::ops::Range<u32> {
        if self.flags(tx) & FLAG_TRANSFER == 0 {
            return tx..tx + 1;
        }
        let start = self.transfer_group_start(tx);
        let mut end = tx + 1;
        while (end as usize) < self.tx_count() && self.flags(end) & FLAG_CONT != 0 {
            end += 1;
        }
        start..end
    }

    /// The asset a transaction moves (0, `bitcoin:BTC`, without an asset column).
    pub fn asset(&self, tx: u32) -> u32 {
        self.tx_asset
            .as_slice()
            .get(tx as usize)
            .copied()
            .unwrap_or(0)
    }

    pub fn asset_count(&self) -> usize {
        self.asset_start.len().saturating_sub(1).max(1)
    }

    /// An asset's name, `chain:asset`.
    pub fn asset_name(&self, asset: u32) -> String {
        let s = self.asset_start.as_slice();
        if (asset as usize) + 1 >= s.len() {
            return NATIVE_ASSET.to_string();
        }
        let (lo, hi) = (s[asset as usize] as usize, s[asset as usize + 1] as usize);
        String::from_utf8_lossy(&self.asset_bytes.as_slice()[lo..hi]).into_owned()
    }

    /// The chain of an asset (`bitcoin`, `ethereum`, ...).
    pub fn asset_chain(&self, asset: u32) -> String {
        let name = self.asset_name(asset);
        name.split_once(':')
            .map(|(c, _)| c.to_string())
            .unwrap_or(name)
    }

    /// The output's asset (its transaction's).
    pub fn output_asset(&self, out: u64) -> u32 {
        self.asset(self.output_owner(out).0)
    }

    /// The id of an asset named `chain:asset` (case of the chain ignored).
    pub fn asset_index(&self, name: &str) -> Option<u32> {
        (0..self.asset_count() as u32).find(|a| self.asset_name(*a).eq_ignore_ascii_case(name))
    }

    pub fn tx_index_bytes(&self, key: &[u8; 32]) -> Option<u32> {
        let ids = self.tx_txid.as_slice();
        let order = self.txid_order.as_slice();
        order
            .binary_search_by(|i| ids[*i as usize].cmp(key))
            .ok()
            .map(|k| order[k])
    }

    /// The stored key of an address (see [`address_key`]).
    pub fn address_key(&self, a: u32) -> &[u8] {
        let s = self.addr_offsets();
        let (lo, hi) = (s.get(a as usize) as usize, s.get(a as usize + 1) as usize);
        &self.addr_bytes.as_slice()[lo..hi]
    }

    /// An address as people write it.
    pub fn address(&self, a: u32) -> String {
        render_address_key(self.address_key(a))
    }

    /// The same account on the other side of the EVM/Tron divide: a Tron
    /// address is base58check of 0x41 and the 20 bytes of an EVM address,
    /// so one key controls both (`0xabc…` ↔ `T…`). The id of the
    /// counterpart where the graph has it.
    pub fn account_twin(&self, a: u32) -> Option<u32> {
        self.address_index(&account_twin(&self.address(a))?)
    }

    /// The id of an address (the dictionary is sorted by key once built).
    pub fn address_index(&self, address: &str) -> Option<u32> {
        let key = address_key(address);
        self.address_index_key(&key)
    }

    pub fn address_index_key(&self, key: &[u8]) -> Option<u32> {
        let n = self.address_count();
        let (mut lo, mut hi) = (0usize, n);
        while lo < hi {
            let mid = (lo + hi) / 2;
            match self.address_key(mid as u32).cmp(key) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Some(mid as u32),
            }
        }
        None
    }

    /// Global ids of the outputs of a transaction.
    pub fn outputs(&self, tx: u32) -> std::ops::Range<u64> {
        let s = self.tx_outs();
        s.get(tx as usize)..s.get(tx as usize + 1)
    }

    /// Input ids of a transaction.
    pub fn inputs(&self, tx: u32) -> std::ops::Range<u64> {
        let s = self.tx_ins();
        s.get(tx as usize)..s.get(tx as usize + 1)
    }

    /// The output an input spends (`NONE64` while unknown).
    pub fn input_prev(&self, input: u64) -> u64 {
        let wide = self.in_prev_wide.as_slice();
        if !wide.is_empty() {
            return wide[input as usize];
        }
        match self.in_prev.as_slice()[input as usize] {
            NONE => NONE64,
            v => v as u64,
        }
    }

    pub fn value(&self, out: u64) -> Amount {
        let v = self.out_value.as_slice()[out as usize];
        if v & LARGE == 0 {
            return v as Amount;
        }
        let large = self.out_large.as_slice();
        match large.binary_search_by_key(&out, |h| h.out) {
            Ok(k) => large[k].low as Amount | (large[k].high as Amount) << 64,
            Err(_) => 0,
        }
    }

    pub fn out_address(&self, out: u64) -> Option<u32> {
        let a = self.out_addr.as_slice()[out as usize];
        (a != NONE).then_some(a)
    }

    pub fn spender(&self, out: u64) -> Option<u32> {
        let s = self.out_spender.as_slice()[out as usize];
        (s != NONE).then_some(s)
    }

    /// The transaction an output belongs to and its index there.
    pub fn output_owner(&self, out: u64) -> (u32, u32) {
        let s = self.tx_outs();
        // The last transaction whose first output is ≤ out.
        let tx = s.owner(out);
        (tx as u32, (out - s.get(tx)) as u32)
    }

    pub fn is_coinbase(&self, tx: u32) -> bool {
        self.flags(tx) & FLAG_COINBASE != 0
    }

    /// An opening balance: funds whose origin is before the imported data.
    pub fn is_opening(&self, tx: u32) -> bool {
        self.flags(tx) & FLAG_OPENING != 0
    }

    pub fn input_total(&self, tx: u32) -> Amount {
        self.inputs(tx)
            .map(|i| {
                let p = self.input_prev(i);
                if p == NONE64 {
                    0
                } else {
                    self.value(p)
                }
            })
            .fold(0, |t: Amount, v| t.saturating_add(v))
    }

    pub fn output_total(&self, tx: u32) -> Amount {
        self.outputs(tx)
            .fold(0, |t, o| t.saturating_add(self.value(o)))
    }

    /// Inputs less outputs (0 for a coinbase or where inputs are unknown):
    /// read from `tx_fee` where the fee was known when the graph was built,
    /// else added up from the inputs and outputs.
    pub fn fee(&self, tx: u32) -> Amount {
        match self.tx_fee.as_slice().get(tx as usize) {
            Some(f) if *f != FEE_UNKNOWN => *f as Amount,
            _ => self.computed_fee(tx),
        }
    }

    /// [`Graph::fee`] from the inputs and outputs.
    pub fn computed_fee(&self, tx: u32) -> Amount {
        if self.is_coinbase(tx) || self.is_opening(tx) {
            return 0;
        }
        self.input_total(tx).saturating_sub(self.output_total(tx))
    }

    /// Whether every input's spent output is known.
    pub fn inputs_resolved(&self, tx: u32) -> bool {
        self.inputs(tx).all(|i| self.input_prev(i) != NONE64)
    }

    pub fn height(&self, tx: u32) -> Option<u32> {
        let b = self.block_of(tx);
        let h = self.blocks.as_slice().get(b as usize)?.height;
        (h != NONE).then_some(h)
    }

    /// The block (its row in `blocks`) of a transaction: blocks hold
    /// consecutive transactions, in order.
    pub fn block_of(&self, tx: u32) -> u32 {
        let b = self.blocks.as_slice();
        (b.partition_point(|r| r.first_tx <= tx).saturating_sub(1)) as u32
    }

    /// The transactions of a block (contiguous for Bitcoin blocks).
    pub fn block_txs(&self, b: u32) -> std::ops::Range<u32> {
        let r = &self.blocks.as_slice()[b as usize];
        r.first_tx..r.first_tx + r.n_tx
    }

    /// The block's time, where known.
    pub fn time(&self, tx: u32) -> Option<u32> {
        let b = self.block_of(tx);
        let t = self.blocks.as_slice().get(b as usize)?.time;
        (t != 0).then_some(t)
    }

    /// The block: its hash for Bitcoin, `chain:number` for transfers.
    pub fn block_hash(&self, tx: u32) -> String {
        if self.flags(tx) & (FLAG_TRANSFER | FLAG_OPENING) != 0 {
            let chain = self.asset_chain(self.asset(tx));
            return format!("{chain}:{}", self.height(tx).unwrap_or(0));
        }
        let b = self.block_of(tx);
        self.blocks
            .as_slice()
            .get(b as usize)
            .map(|r| bitcoin::BlockHash::from_byte_array(r.hash).to_string())
            .unwrap_or_default()
    }

    /// A transaction with its inputs and outputs resolved, for display.
    pub fn tx_record(&self, tx: u32) -> TxRecord {
        let addr = |o: u64| self.out_address(o).map(|a| self.address(a));
        let outputs = self
            .outputs(tx)
            .map(|o| OutputRecord {
                value: self.value(o),
                kind: kind_from_u8(self.out_kind.as_slice()[o as usize]),
                address: addr(o),
                spent_by: self.spender(o).map(|s| {
                    let k = self
                        .inputs(s)
                        .position(|i| self.input_prev(i) == o)
                        .unwrap_or(0);
                    (self.txid(s), k as u32)
                }),
            })
            .collect();
        let unresolved = self.unresolved.as_slice();
        let inputs = self
            .inputs(tx)
            .map(|i| {
                let p = self.input_prev(i);
                if p == NONE64 {
                    // Sorted by input when the graph was built.
                    let u = unresolved
                        .binary_search_by_key(&i, |u| u.input)
                        .ok()
                        .map(|k| &unresolved[k]);
                    InputRecord {
                        prev_txid: u.map(|u| txid_hex(&u.txid)).unwrap_or_default(),
                        prev_vout: u.map(|u| u.vout).unwrap_or(0),
                        value: None,
                        address: None,
                    }
                } else {
                    let (ptx, pv) = self.output_owner(p);
                    InputRecord {
                        prev_txid: self.txid(ptx),
                        prev_vout: pv,
                        value: Some(self.value(p)),
                        address: addr(p),
                    }
                }
            })
            .collect();
        TxRecord {
            txid: self.txid(tx),
            block: self.block_hash(tx),
            height: self.height(tx),
            time: self.time(tx),
            asset: self.asset_name(self.asset(tx)),
            coinbase: self.is_coinbase(tx),
            opening: self.is_opening(tx),
            inputs,
            outputs,
        }
    }

    /// Outputs an address received.
    pub fn address_outputs(&self, a: u32) -> Ids<'_> {
        let s = self.addr_out_offsets();
        let r = s.get(a as usize) as usize..s.get(a as usize + 1) as usize;
        let wide = self.addr_outs_wide.as_slice();
        if wide.is_empty() {
            Ids::Narrow(self.addr_outs.as_slice()[r].iter())
        } else {
            Ids::Wide(wide[r].iter())
        }
    }

    /// Inputs of the graph.
    pub fn input_count(&self) -> u64 {
        self.in_prev.len().max(self.in_prev_wide.len()) as u64
    }

    /// Received, sent, balance and transactions of an address, per asset.
    pub fn address_stats(&self, address: &str) -> AddressStats {
        let mut s = AddressStats {
            address: address.to_string(),
            asset: NATIVE_ASSET.to_string(),
            ..AddressStats::default()
        };
        let Some(a) = self.address_index(address) else {
            return s;
        };
        let mut txs: Vec<u32> = Vec::new();
        let mut per: Vec<(u32, AssetBalance, Amount)> = Vec::new();
        for o in self.address_outputs(a) {
            let v = self.value(o);
            let tx = self.output_owner(o).0;
            let asset = self.asset(tx);
            let k = match per.iter().position(|(x, _, _)| *x == asset) {
                Some(k) => k,
                None => {
                    per.push((
                        asset,
                        AssetBalance {
                            asset: self.asset_name(asset),
                            ..AssetBalance::default()
                        },
                        0,
                    ));
                    per.len() - 1
                }
            };
            // A transfer's change (its second output, back to the sender)
            // is neither received nor sent: an account's totals are its
            // transfers (the change is taken off both at the end).
            if self.flags(tx) & FLAG_TRANSFER != 0 && o == self.outputs(tx).start + 1 {
                per[k].2 += v;
            }
            let b = &mut per[k].1;
            b.received += v;
            b.outputs += 1;
            txs.push(tx);
            match self.spender(o) {
                Some(sp) => {
                    b.sent += v;
                    txs.push(sp);
                }
                None => b.unspent_outputs += 1,
            }
        }
        per.sort_by_key(|(x, _, _)| *x);
        for (_, b, change) in &mut per {
            b.balance = b.received - b.sent;
            // Every change output came from a send of this address.
            b.received -= *change;
            b.sent -= *change;
        }
        txs.sort_unstable();
        txs.dedup();
        s.tx_count = txs.len() as u64;
        if let Some((_, b, _)) = per.first() {
            s.asset = b.asset.clone();
            s.received = b.received;
            s.sent = b.sent;
            s.balance = b.balance;
            s.outputs = b.outputs;
            s.unspent_outputs = b.unspent_outputs;
        }
        s.assets = per.into_iter().map(|(_, b, _)| b).collect();
        let c = self.cluster_members(a);
        s.cluster = c.first().map(|r| self.address(*r));
        s.cluster_size = c.len() as u64;
        s
    }

    /// The root (smallest address id) of the cluster of `a`.
    pub fn cluster_root(&self, a: u32) -> u32 {
        self.addr_cluster
            .as_slice()
            .get(a as usize)
            .copied()
            .unwrap_or(a)
    }

    /// Addresses in the cluster of `a` (the root first).
    pub fn cluster_members(&self, a: u32) -> &[u32] {
        let cl = self.addr_cluster.as_slice();
        let order = self.cluster_order.as_slice();
        let Some(root) = cl.get(a as usize).copied() else {
            return &[];
        };
        let lo = order.partition_point(|x| cl[*x as usize] < root);
        let hi = order.partition_point(|x| cl[*x as usize] <= root);
        if lo == hi {
            // Not in the order: a cluster of one (its root is itself).
            return std::slice::from_ref(&cl[a as usize]);
        }
        &order[lo..hi]
    }

    pub fn cluster_of(&self, address: &str) -> Option<ClusterInfo> {
        let a = self.address_index(address)?;
        let m = self.cluster_members(a);
        let mut addresses: Vec<String> = m.iter().map(|x| self.address(*x)).collect();
        let id = addresses.first().cloned().unwrap_or_default();
        addresses.sort();
        Some(ClusterInfo {
            id,
            size: m.len(),
            addresses,
        })
    }

    pub fn stats(&self) -> GraphStats {
        let blocks = self.blocks.as_slice();
        let spent = self.out_spender.as_slice();
        let n_assets = self.asset_count();
        let mut per = vec![(0u64, 0 as Amount); n_assets];
        let mut uo = 0u64;
        for tx in 0..self.tx_count() as u32 {
            let a = (self.asset(tx) as usize).min(n_assets - 1);
            per[a].0 += 1;
            for o in self.outputs(tx) {
                if spent[o as usize] == NONE {
                    uo += 1;
                    per[a].1 += self.value(o);
                }
            }
        }
        let assets = per
            .into_iter()
            .enumerate()
            .filter(|(_, (n, _))| *n > 0)
            .map(|(a, (n, v))| AssetStats {
                asset: self.asset_name(a as u32),
                transactions: n,
                unspent_value: v,
            })
            .collect();
        let cl = self.addr_cluster.as_slice();
        let clusters = cl
            .iter()
            .enumerate()
            .filter(|(i, c)| **c == *i as u32)
            .count();
        let bytes: u64 = self
            .column_parts()
            .iter()
            .map(|(_, b, _)| b.len() as u64)
            .sum();
        let edges = self.out_value.len() + self.input_count() as usize;
        GraphStats {
            blocks: blocks.len() as u64,
            orphan_blocks: blocks.iter().filter(|b| b.height == NONE).count() as u64,
            max_height: blocks
                .iter()
                .filter(|b| b.height != NONE)
                .map(|b| b.height)
                .max(),
            transactions: self.tx_count() as u64,
            outputs: self.out_value.len() as u64,
            inputs: self.input_count(),
            unresolved_inputs: self.unresolved.len() as u64,
            addresses: self.address_count() as u64,
            clusters: clusters as u64,
            unspent_outputs: uo,
            assets,
            bytes,
            bytes_per_edge: if edges == 0 {
                0.0
            } else {
                bytes as f64 / edges as f64
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_kinds_read_back() {
        for k in ScriptKind::ALL {
            assert_eq!(kind_from_u8(k as u8), k);
        }
        assert_eq!(kind_from_u8(200), ScriptKind::NonStandard);
    }

    #[test]
    fn two_level_offsets_find_owners_across_chunks() {
        // 200 transactions with 0..3 outputs each, some empty, spanning
        // several chunks and a base beyond 32 bits.
        let mut plain = vec![5_000_000_000u64];
        for t in 0..200u64 {
            plain.push(plain.last().unwrap() + (t * 7) % 4);
        }
        let (mut lo, mut base) = (Grow::default(), Grow::default());
        for v in &plain {
            push_offset(&mut lo, &mut base, *v);
        }
        let o = Offsets::new(&lo, &base);
        assert!(o.well_formed());
        assert_eq!(o.len(), plain.len());
        for (i, v) in plain.iter().enumerate() {
            assert_eq!(o.get(i), *v);
        }
        let end = *plain.last().unwrap();
        for x in plain[0]..end {
            let want = plain.partition_point(|v| *v <= x) - 1;
            assert_eq!(o.owner(x), want, "item {x}");
        }
        // A decreasing entry is refused when a graph is opened.
        let mut bad = lo.clone();
        bad[3] = bad[2].saturating_sub(1);
        bad[2] += 1;
        assert!(!Offsets::new(&bad, &base).well_formed());
    }

    #[test]
    fn address_keys_round_trip() {
        for a in [
            "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",
            "3K35dyL85fR9ht7UgzPfd1gLRRXQtNTqE3",
            "bc1qm34lsc65zpw79lxes69zkqmk6ee3ewf0j77s3h",
        ] {
            let k = address_key(a);
            assert!(k.len() <= 34 && k[0] != 0xfe, "{a}");
            assert_eq!(render_address_key(&k), a);
        }
        // EVM addresses are keyed in lower case; other text is kept.
        let k = address_key("0x8589427373D6D84E98730D7795D8f6f8731FDA16");
        assert_eq!(
            render_address_key(&k),
            "0x8589427373d6d84e98730d7795d8f6f8731fda16"
        );
        assert_eq!(render_address_key(&address_key("tx_a:0")), "tx_a:0");
    }
}
