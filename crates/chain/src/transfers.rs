//! Account-model transfers (Ethereum, Tron, their tokens) into the same
//! graph as Bitcoin's outputs.
//!
//! A transfer file holds one row per transfer: chain, transaction hash,
//! block, time, from, to, asset and amount (an exact integer in the asset's
//! base units: wei, sun, token units). CSV with a header, or JSON lines.
//! Column names of the common exports are accepted (`transaction_hash`,
//! `block_number`, `block_timestamp`, `from_address`, `to_address`,
//! `token_address`, `value`).
//!
//! Each transfer becomes a transaction of the graph that spends all of the
//! sender's unspent outputs in that asset (oldest first) and pays the
//! amount to the receiver and the rest back to the sender as change: an
//! account's balance is the value of its unspent outputs, and the policies
//! of the tracer (poison, haircut, FIFO) apply unchanged. A transfer from
//! the zero address (or with no sender) is a mint. A sender seen spending
//! more than it was seen to receive gets an *opening balance* for the
//! difference first: funds whose origin is before the imported data (a
//! backward trace ends there as unknown).
//!
//! The first transfer of a transaction hash is stored under the hash; the
//! k-th after it is written `HASH#k`. Transfers of one hash stay together,
//! in file order; rows are applied in block order per chain. A hash already
//! in the graph is not added again: importing a file twice changes nothing.

use crate::graph::{
    address_key, derived_id, opening_id, parse_txid, transfer_id, Amount, FLAG_COINBASE, FLAG_CONT,
    FLAG_HEX0X, FLAG_OPENING, FLAG_TRANSFER,
};
use crate::ledger::{Account, IngestReport, Ledger, ScriptKind};
use rustc_hash::FxHashMap;

/// One transfer, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer {
    /// Normalised: `ethereum`, `tron`, or the name given in lower case.
    pub chain: String,
    /// The transaction hash's stored bytes (see [`crate::parse_txid`]).
    pub hash: [u8; 32],
    pub hash_0x: bool,
    pub block: u32,
    /// Seconds since 1970.
    pub time: u32,
    /// None for a mint.
    pub from: Option<String>,
    pub to: String,
    /// `chain:asset`.
    pub asset: String,
    pub amount: Amount,
    /// Where it was read (`file:line`), for messages.
    pub origin: String,
}

/// Chains whose addresses are 20-byte hex (`0x` + 40 digits).
const EVM: &[&str] = &[
    "ethereum",
    "bsc",
    "polygon",
    "arbitrum",
    "optimism",
    "base",
    "avalanche",
];

fn chain_name(s: &str) -> String {
    let c = s.trim().to_ascii_lowercase();
    match c.as_str() {
        "eth" | "ethereum" | "mainnet" => "ethereum".into(),
        "trx" | "tron" => "tron".into(),
        "bnb" | "bsc" | "binance-smart-chain" => "bsc".into(),
        "matic" | "polygon" => "polygon".into(),
        _ => c,
    }
}

fn native_asset(chain: &str) -> &'static str {
    match chain {
        "ethereum" | "arbitrum" | "optimism" | "base" => "ETH",
        "tron" => "TRX",
        "bsc" => "BNB",
        "polygon" => "POL",
        "avalanche" => "AVAX",
        _ => "",
    }
}

/// Senders that stand for "minted": the zero address of EVM chains and Tron's.
const ZERO: &[&str] = &[
    "0x0000000000000000000000000000000000000000",
    "T9yD14Nj9j7xAB4dbGeiX9h8unkKHxuWwb",
];

/// A row's fields by name, whatever the file format.
trait Row {
    fn get(&self, names: &[&str]) -> Option<String>;
}

struct CsvRow<'a> {
    header: &'a [String],
    rec: &'a csv::StringRecord,
}

impl Row for CsvRow<'_> {
    fn get(&self, names: &[&str]) -> Option<String> {
        names.iter().find_map(|n| {
            let k = self.header.iter().position(|h| h == n)?;
            let v = self.rec.get(k)?.trim();
            (!v.is_empty()).then(|| v.to_string())
        })
    }
}

struct JsonRow<'a>(&'a serde_json::Map<String, serde_json::Value>);

impl Row for JsonRow<'_> {
    fn get(&self, names: &[&str]) -> Option<String> {
        names.iter().find_map(|n| match self.0.get(*n)? {
            serde_json::Value::Null => None,
            serde_json::Value::String(s) if s.trim().is_empty() => None,
            serde_json::Value::String(s) => Some(s.trim().to_string()),
            other => Some(other.to_string()),
        })
    }
}

const F_CHAIN: &[&str] = &["chain", "network", "blockchain"];
const F_HASH: &[&str] = &["tx_hash", "hash", "transaction_hash", "txid"];
const F_BLOCK: &[&str] = &["block", "block_number", "block_height", "height"];
const F_TIME: &[&str] = &["time", "timestamp", "block_timestamp", "block_time"];
const F_FROM: &[&str] = &["from", "from_address", "sender"];
const F_TO: &[&str] = &["to", "to_address", "receiver", "recipient"];
const F_ASSET: &[&str] = &["asset", "token", "token_address", "symbol", "currency"];
const F_AMOUNT: &[&str] = &["amount", "value", "amount_raw", "raw_amount"];

/// Parses a transfer file: JSON lines if it starts with `{`, else CSV
/// with a header. Every error names the file, the line and the field.
pub fn parse_transfers(bytes: &[u8], origin: &str) -> Result<Vec<Transfer>, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        format!(
            "{origin}: not UTF-8 text (byte {}): a transfer file is CSV or JSON lines",
            e.valid_up_to()
        )
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim_start().starts_with('{') {
        let mut out = Vec::new();
        for (k, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let at = format!("{origin}:{}", k + 1);
            let v: serde_json::Value =
                serde_json::from_str(line).map_err(|e| format!("{at}: not a JSON object: {e}"))?;
            let obj = v
                .as_object()
                .ok_or_else(|| format!("{at}: not a JSON object"))?;
            if let Some(serde_json::Value::Number(n)) = F_AMOUNT.iter().find_map(|f| obj.get(*f)) {
                if n.as_u64().is_none() && n.as_i64().is_none_or(|i| i >= 0) {
                    return Err(format!(
                        "{at}: field amount: {n} is not an exact integer a JSON number can hold; write amounts as strings (\"{n}\")"
                    ));
                }
            }
            out.push(transfer(&JsonRow(obj), &at)?);
        }
        return Ok(out);
    }
    let mut rd = csv::ReaderBuilder::new()
        .flexible(false)
        .from_reader(text.as_bytes());
    let header: Vec<String> = rd
        .headers()
        .map_err(|e| format!("{origin}: unreadable CSV header: {e}"))?
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    for (what, names) in [
        ("chain", F_CHAIN),
        ("tx_hash", F_HASH),
        ("block", F_BLOCK),
        ("from", F_FROM),
        ("to", F_TO),
        ("amount", F_AMOUNT),
    ] {
        if !names.iter().any(|n| header.iter().any(|h| h == n)) {
            return Err(format!(
                "{origin}: the header has no column {what} (expected chain, tx_hash, block, time, from, to, asset, amount; found {})",
                header.join(",")
            ));
        }
    }
    let mut out = Vec::new();
    for rec in rd.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map(|p| p.line()).unwrap_or(0);
            format!("{origin}:{line}: unreadable CSV row: {e}")
        })?;
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        let at = format!("{origin}:{line}");
        out.push(transfer(
            &CsvRow {
                header: &header,
                rec: &rec,
            },
            &at,
        )?);
    }
    Ok(out)
}

fn transfer(r: &dyn Row, at: &str) -> Result<Transfer, String> {
    let need = |names: &[&str], what: &str| {
        r.get(names)
            .ok_or_else(|| format!("{at}: field {what} is missing or empty"))
    };
    let chain = chain_name(&need(F_CHAIN, "chain")?);
    if chain == "bitcoin" || chain == "btc" {
        return Err(format!(
            "{at}: field chain: Bitcoin is imported from its blocks, not as transfers"
        ));
    }
    let raw_hash = need(F_HASH, "tx_hash")?;
    let hash = parse_txid(&raw_hash).filter(|_| {
        let h = raw_hash.strip_prefix("0x").unwrap_or(&raw_hash);
        h.len() == 64
    });
    let hash =
        hash.ok_or_else(|| format!("{at}: field tx_hash: {raw_hash:?} is not a 32-byte hex hash"))?;
    let block_s = need(F_BLOCK, "block")?;
    let block: u32 = block_s.parse().map_err(|_| {
        format!("{at}: field block: {block_s:?} is not a block number (0 to 4294967295)")
    })?;
    let time = match r.get(F_TIME) {
        Some(t) => {
            parse_time(&t).ok_or_else(|| format!("{at}: field time: {t:?} is neither seconds since 1970 nor a date-time like 2024-05-31T12:00:00Z"))?
        }
        None => 0,
    };
    let from = r
        .get(F_FROM)
        .map(|a| account(&chain, &a, "from", at))
        .transpose()?;
    let from = from.filter(|a| !ZERO.contains(&a.as_str()));
    let to = account(&chain, &need(F_TO, "to")?, "to", at)?;
    let asset = match r.get(F_ASSET) {
        Some(a) if a.len() == 42 && a.starts_with("0x") => a.to_ascii_lowercase(),
        Some(a) => a,
        None => {
            let n = native_asset(&chain);
            if n.is_empty() {
                return Err(format!(
                    "{at}: field asset is missing and chain {chain} has no known native asset"
                ));
            }
            n.to_string()
        }
    };
    let amount_s = need(F_AMOUNT, "amount")?;
    let amount = parse_amount(&amount_s).map_err(|e| format!("{at}: field amount: {e}"))?;
    Ok(Transfer {
        asset: format!("{chain}:{asset}"),
        chain,
        hash,
        hash_0x: raw_hash.starts_with("0x"),
        block,
        time,
        from,
        to,
        amount,
        origin: at.to_string(),
    })
}

/// An address checked for its chain: EVM addresses are `0x` and 40 hex
/// digits (kept in lower case), Tron addresses base58check with the 0x41
/// prefix; other chains' addresses are kept as written.
fn account(chain: &str, a: &str, field: &str, at: &str) -> Result<String, String> {
    let a = a.trim();
    if EVM.contains(&chain) {
        let ok =
            a.len() == 42 && a.starts_with("0x") && a[2..].bytes().all(|b| b.is_ascii_hexdigit());
        if !ok {
            return Err(format!(
                "{at}: field {field}: {a:?} is not an address of {chain} (0x and 40 hex digits)"
            ));
        }
        return Ok(a.to_ascii_lowercase());
    }
    if chain == "tron" {
        let ok = bitcoin::base58::decode_check(a)
            .ok()
            .is_some_and(|b| b.len() == 21 && b[0] == 0x41);
        if !ok {
            return Err(format!(
                "{at}: field {field}: {a:?} is not a Tron address (base58check, starting with T)"
            ));
        }
    }
    if a.is_empty() || a.chars().any(char::is_whitespace) {
        return Err(format!("{at}: field {field}: {a:?} is not an address"));
    }
    Ok(a.to_string())
}

/// An exact non-negative integer of at most 128 bits.
pub fn parse_amount(s: &str) -> Result<Amount, String> {
    let t = s.trim();
    if t.starts_with('-') {
        return Err(format!("{t:?} is negative"));
    }
    let digits = t.strip_prefix('+').unwrap_or(t);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "{t:?} is not an integer in base units (wei, sun, token units; no decimal point or exponent)"
        ));
    }
    let v = digits
        .parse::<Amount>()
        .map_err(|_| format!("{t:?} overflows 128 bits"))?;
    if v > MAX_AMOUNT {
        return Err(format!(
            "{t:?} is more than 2^112 base units, beyond any asset's supply (sums of amounts must stay exact)"
        ));
    }
    Ok(v)
}

/// The largest amount a transfer may carry: 2^112 − 1 base units (about
/// 5.2 × 10^33; the largest token supplies are near 10^33 base units), so
/// that sums of 65,536 amounts stay within 128 bits.
pub const MAX_AMOUNT: Amount = (1 << 112) - 1;

/// Seconds since 1970 from digits, or from `YYYY-MM-DD[T ]HH:MM:SS`
/// with optional fraction and `Z`, ` UTC` or `±HH:MM`.
pub fn parse_time(s: &str) -> Option<u32> {
    let t = s.trim();
    if t.bytes().all(|b| b.is_ascii_digit()) {
        return t.parse().ok();
    }
    let millis = kansa_model::time::parse_rfc3339(t)?;
    u32::try_from(millis.div_euclid(1000)).ok()
}

fn block_id(chain: &str, block: u32, first: &[u8; 32]) -> [u8; 32] {
    derived_id(b"block", &[chain.as_bytes(), &block.to_le_bytes(), first])
}

impl Ledger {
    /// Adds transfers (see the module documentation). Rows are applied in
    /// block order per chain, transfers of one hash together in file
    /// order. A block older than one already imported for its chain is
    /// applied, and recorded as an anomaly (balances before it may have
    /// needed opening balances).
    pub fn ingest_transfers(&mut self, rows: &[Transfer], report: &mut IngestReport) {
        let mut order: Vec<usize> = (0..rows.len()).collect();
        order.sort_by(|a, b| {
            (&rows[*a].chain, rows[*a].block).cmp(&(&rows[*b].chain, rows[*b].block))
        });
        let mut i = 0;
        while i < order.len() {
            let first = &rows[order[i]];
            let mut j = i;
            while j < order.len()
                && rows[order[j]].chain == first.chain
                && rows[order[j]].block == first.block
            {
                j += 1;
            }
            self.transfer_block(rows, &order[i..j], report);
            i = j;
        }
    }

    fn transfer_block(&mut self, rows: &[Transfer], idx: &[usize], report: &mut IngestReport) {
        let first = &rows[idx[0]];
        let (chain, block) = (first.chain.clone(), first.block);
        // Transfers grouped by hash, in order of first appearance.
        let mut groups: Vec<([u8; 32], Vec<usize>)> = Vec::new();
        let mut pos: FxHashMap<[u8; 32], usize> = FxHashMap::default();
        for &k in idx {
            let h = rows[k].hash;
            let g = *pos.entry(h).or_insert_with(|| {
                groups.push((h, Vec::new()));
                groups.len() - 1
            });
            groups[g].1.push(k);
        }
        groups.retain(|(h, ks)| {
            if self.tx_of(h).is_some() {
                report.transfers_already_known += ks.len() as u64;
                false
            } else {
                true
            }
        });
        if groups.is_empty() {
            return;
        }
        match self.chain_tips.get(&chain) {
            Some(tip) if *tip > block => report.anomaly(format!(
                "{}: {chain} block {block} comes after block {tip} was imported: balances before it may have needed opening balances",
                first.origin
            )),
            _ => {}
        }
        let tip = self.chain_tips.entry(chain.clone()).or_insert(block);
        *tip = (*tip).max(block);
        let time = idx.iter().map(|k| rows[*k].time).min().unwrap_or(0);
        if !self.begin_block_at(block_id(&chain, block, &groups[0].0), block, time) {
            report.blocks_already_known += 1;
            return;
        }
        report.blocks_new += 1;
        for (hash, ks) in &groups {
            self.transfer_group(rows, hash, ks, report);
        }
        self.current_block = None;
    }

    /// The unspent value of an account in an asset.
    fn account_balance(&self, key: &Account) -> Amount {
        self.accounts
            .get(key)
            .map(|v| {
                v.iter()
                    .fold(0 as Amount, |t, o| t.saturating_add(self.g.value(*o)))
            })
            .unwrap_or(0)
    }

    fn transfer_group(
        &mut self,
        rows: &[Transfer],
        hash: &[u8; 32],
        ks: &[usize],
        report: &mut IngestReport,
    ) {
        let Some(block) = self.current_block else {
            return;
        };
        let ks: Vec<usize> = ks
            .iter()
            .copied()
            .filter(|k| {
                let zero = rows[*k].amount == 0;
                report.zero_transfers += zero as u64;
                !zero
            })
            .collect();
        if ks.is_empty() {
            return;
        }
        // Keys of the addresses and the asset of each transfer.
        let ids: Vec<(Option<Vec<u8>>, Vec<u8>, u32)> = ks
            .iter()
            .map(|k| {
                let t = &rows[*k];
                let from = t.from.as_deref().map(address_key);
                (from, address_key(&t.to), self.asset_id(&t.asset))
            })
            .collect();
        // What each sender lacks, found by playing the transfers through.
        let mut bal: FxHashMap<Account, Amount> = FxHashMap::default();
        let have = |bal: &FxHashMap<Account, Amount>, key: &Account| match bal.get(key) {
            Some(b) => *b,
            None => self.account_balance(key),
        };
        let mut lacking: Vec<(Account, Amount, u32)> = Vec::new();
        for (n, ((from, to, asset), k)) in ids.iter().zip(&ks).enumerate() {
            let amount = rows[*k].amount;
            if let Some(f) = from {
                let key = (f.clone(), *asset);
                let have = have(&bal, &key);
                if have < amount {
                    match lacking.iter_mut().find(|l| l.0 == key) {
                        Some(l) => l.1 += amount - have,
                        None => lacking.push((key.clone(), amount - have, n as u32)),
                    }
                }
                bal.insert(key, have.max(amount) - amount);
            }
            let key = (to.clone(), *asset);
            let got = have(&bal, &key).saturating_add(amount);
            bal.insert(key, got);
        }
        for (m, ((addr, asset), amount, n)) in lacking.into_iter().enumerate() {
            self.push_tx(opening_id(hash, n, m as u32), block, FLAG_OPENING, asset);
            let o = self.push_output(amount, ScriptKind::Account, Some(&addr));
            self.end_outputs();
            self.end_inputs();
            self.accounts.entry((addr, asset)).or_default().push(o);
            report.openings += 1;
        }
        for (n, ((from, to, asset), k)) in ids.into_iter().zip(&ks).enumerate() {
            let t = &rows[*k];
            let (txid, mut flags) = if n == 0 {
                (
                    *hash,
                    FLAG_TRANSFER | if t.hash_0x { FLAG_HEX0X } else { 0 },
                )
            } else {
                (transfer_id(hash, n as u32), FLAG_TRANSFER | FLAG_CONT)
            };
            if from.is_none() {
                flags |= FLAG_COINBASE;
            }
            let tx = self.push_tx(txid, block, flags, asset);
            let spent = from
                .as_ref()
                .map(|f| {
                    self.accounts
                        .remove(&(f.clone(), asset))
                        .unwrap_or_default()
                })
                .unwrap_or_default();
            let total: Amount = spent
                .iter()
                .fold(0, |t, o| t.saturating_add(self.g.value(*o)));
            let out = self.push_output(t.amount, ScriptKind::Account, Some(&to));
            let change = total.saturating_sub(t.amount);
            let change_out = match (from, change) {
                (Some(f), c) if c > 0 => {
                    let o = self.push_output(c, ScriptKind::Account, Some(&f));
                    Some((f, o))
                }
                _ => None,
            };
            self.end_outputs();
            for o in spent {
                self.push_input(o, tx);
            }
            self.end_inputs();
            self.accounts.entry((to, asset)).or_default().push(out);
            if let Some((f, o)) = change_out {
                self.accounts.entry((f, asset)).or_default().push(o);
            }
            report.transfers += 1;
            report.transactions += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_exact_integers() {
        assert_eq!(parse_amount("0"), Ok(0));
        assert_eq!(
            parse_amount("5192296858534827628530496329220095"),
            Ok(MAX_AMOUNT)
        );
        assert!(parse_amount("5192296858534827628530496329220096")
            .unwrap_err()
            .contains("2^112"));
        assert!(parse_amount("340282366920938463463374607431768211456")
            .unwrap_err()
            .contains("overflows"));
        assert!(parse_amount("-1").unwrap_err().contains("negative"));
        assert!(parse_amount("1.5").unwrap_err().contains("base units"));
        assert!(parse_amount("1e18").unwrap_err().contains("base units"));
        assert!(parse_amount("").is_err());
    }

    #[test]
    fn times() {
        assert_eq!(parse_time("1700000000"), Some(1_700_000_000));
        assert_eq!(parse_time("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_time("2024-05-31T12:00:00Z"), Some(1_717_156_800));
        assert_eq!(parse_time("2024-05-31 12:00:00 UTC"), Some(1_717_156_800));
        assert_eq!(parse_time("2024-05-31T21:00:00+09:00"), Some(1_717_156_800));
        assert_eq!(parse_time("2024-05-31T12:00:00.123Z"), Some(1_717_156_800));
        assert_eq!(parse_time("2024-13-01T00:00:00Z"), None);
        assert_eq!(parse_time("yesterday"), None);
    }
}
