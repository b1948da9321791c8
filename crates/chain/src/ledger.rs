//! The ledger: blocks, transactions, every input resolved to the output it
//! spends. Blocks may arrive in any order: a block whose parent is unknown
//! waits without a height (an orphan, reported) and an input whose output
//! is not yet known waits for it (reported while it waits). Ingesting a
//! block twice changes nothing.

use bitcoin::consensus::deserialize;
use bitcoin::hashes::Hash;
use bitcoin::{Address, Block, BlockHash, Network, OutPoint, Script, Txid};
use serde::Serialize;
use std::collections::HashMap;

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
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutputRecord {
    /// Satoshis.
    pub value: u64,
    pub kind: ScriptKind,
    /// The address; for P2PK the P2PKH address of its key, as explorers show it.
    pub address: Option<String>,
    /// The input that spends it, once seen.
    pub spent_by: Option<(String, u32)>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InputRecord {
    pub prev_txid: String,
    pub prev_vout: u32,
    /// Value and address of the spent output, once it is known.
    pub value: Option<u64>,
    pub address: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TxRecord {
    pub txid: String,
    pub block: String,
    pub coinbase: bool,
    pub inputs: Vec<InputRecord>,
    pub outputs: Vec<OutputRecord>,
}

impl TxRecord {
    pub fn output_total(&self) -> u64 {
        self.outputs.iter().map(|o| o.value).sum()
    }

    /// Inputs minus outputs, when every input is resolved (None for coinbase).
    pub fn fee(&self) -> Option<u64> {
        if self.coinbase {
            return None;
        }
        let inputs: Option<u64> = self.inputs.iter().map(|i| i.value).sum();
        inputs.and_then(|i| i.checked_sub(self.output_total()))
    }
}

#[derive(Debug, Clone)]
struct BlockInfo {
    prev: BlockHash,
    height: Option<u64>,
    txids: Vec<Txid>,
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
    pub anomalies: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct AddressStats {
    pub address: String,
    pub received: u64,
    pub sent: u64,
    pub balance: u64,
    pub tx_count: u64,
    pub outputs: u64,
    pub unspent_outputs: u64,
}

#[derive(Debug, Default)]
pub struct Ledger {
    blocks: HashMap<BlockHash, BlockInfo>,
    txs: HashMap<Txid, TxRecord>,
    /// Outputs not yet seen → the inputs waiting for them.
    waiting: HashMap<OutPoint, Vec<(Txid, usize)>>,
    anomalies: Vec<String>,
}

fn classify(script: &Script) -> (ScriptKind, Option<String>) {
    if script.is_p2pk() {
        let addr = script
            .p2pk_public_key()
            .map(|pk| Address::p2pkh(pk.pubkey_hash(), Network::Bitcoin).to_string());
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
    (
        kind,
        Address::from_script(script, Network::Bitcoin)
            .ok()
            .map(|a| a.to_string()),
    )
}

impl Ledger {
    pub fn new() -> Self {
        Ledger::default()
    }

    pub fn block_count(&self) -> usize {
        self.blocks.len()
    }

    pub fn tx_count(&self) -> usize {
        self.txs.len()
    }

    pub fn tx(&self, txid: &str) -> Option<&TxRecord> {
        txid.parse::<Txid>().ok().and_then(|t| self.txs.get(&t))
    }

    pub fn height_of(&self, block_hash: &str) -> Option<u64> {
        block_hash
            .parse::<BlockHash>()
            .ok()
            .and_then(|h| self.blocks.get(&h))
            .and_then(|b| b.height)
    }

    /// Ingests one serialised block. `origin` names it in errors (file and offset).
    pub fn ingest_block(
        &mut self,
        bytes: &[u8],
        origin: &str,
        report: &mut IngestReport,
    ) -> Result<(), String> {
        let block: Block =
            deserialize(bytes).map_err(|e| format!("{origin}: not a valid block: {e}"))?;
        let hash = block.block_hash();
        if self.blocks.contains_key(&hash) {
            report.blocks_already_known += 1;
            return Ok(());
        }
        if !block.check_merkle_root() {
            return Err(format!(
                "{origin}: block {hash}: the merkle root does not match its transactions"
            ));
        }
        let prev = block.header.prev_blockhash;
        let height = if prev == BlockHash::all_zeros() {
            Some(0)
        } else {
            self.blocks.get(&prev).and_then(|p| p.height).map(|h| h + 1)
        };
        let mut txids = Vec::with_capacity(block.txdata.len());
        for tx in &block.txdata {
            let txid = tx.compute_txid();
            if let Some(old) = self.txs.get(&txid) {
                let msg = format!("{origin}: transaction {txid} already seen in block {} (duplicate txid; the first is kept)", old.block);
                report.anomalies.push(msg.clone());
                self.anomalies.push(msg);
                continue;
            }
            let coinbase = tx.is_coinbase();
            let outputs: Vec<OutputRecord> = tx
                .output
                .iter()
                .map(|o| {
                    let (kind, address) = classify(&o.script_pubkey);
                    OutputRecord {
                        value: o.value.to_sat(),
                        kind,
                        address,
                        spent_by: None,
                    }
                })
                .collect();
            let mut inputs = Vec::new();
            if !coinbase {
                for (k, i) in tx.input.iter().enumerate() {
                    let op = i.previous_output;
                    let mut rec = InputRecord {
                        prev_txid: op.txid.to_string(),
                        prev_vout: op.vout,
                        value: None,
                        address: None,
                    };
                    match self
                        .txs
                        .get_mut(&op.txid)
                        .and_then(|t| t.outputs.get_mut(op.vout as usize))
                    {
                        Some(out) => {
                            rec.value = Some(out.value);
                            rec.address = out.address.clone();
                            out.spent_by = Some((txid.to_string(), k as u32));
                        }
                        None => {
                            report.unresolved_inputs += 1;
                            self.waiting.entry(op).or_default().push((txid, k));
                        }
                    }
                    inputs.push(rec);
                }
            }
            self.txs.insert(
                txid,
                TxRecord {
                    txid: txid.to_string(),
                    block: hash.to_string(),
                    coinbase,
                    inputs,
                    outputs,
                },
            );
            // Inputs that were waiting for this transaction's outputs.
            let n_out = tx.output.len() as u32;
            for vout in 0..n_out {
                let op = OutPoint { txid, vout };
                if let Some(waiters) = self.waiting.remove(&op) {
                    for (spender, k) in waiters {
                        let (value, address) = {
                            let out = &self.txs[&txid].outputs[vout as usize];
                            (out.value, out.address.clone())
                        };
                        if let Some(inp) =
                            self.txs.get_mut(&spender).and_then(|t| t.inputs.get_mut(k))
                        {
                            inp.value = Some(value);
                            inp.address = address;
                        }
                        if let Some(out) = self
                            .txs
                            .get_mut(&txid)
                            .and_then(|t| t.outputs.get_mut(vout as usize))
                        {
                            out.spent_by = Some((spender.to_string(), k as u32));
                        }
                        report.unresolved_inputs = report.unresolved_inputs.saturating_sub(1);
                    }
                }
            }
            txids.push(txid);
            report.transactions += 1;
        }
        self.blocks.insert(
            hash,
            BlockInfo {
                prev,
                height,
                txids,
            },
        );
        report.blocks_new += 1;
        if height.is_none() {
            report.orphans += 1;
        } else {
            // Children that arrived first now get their heights.
            self.propagate_heights(hash, report);
        }
        Ok(())
    }

    fn propagate_heights(&mut self, from: BlockHash, report: &mut IngestReport) {
        let mut stack = vec![from];
        while let Some(h) = stack.pop() {
            let Some(height) = self.blocks.get(&h).and_then(|b| b.height) else {
                continue;
            };
            let children: Vec<BlockHash> = self
                .blocks
                .iter()
                .filter(|(_, b)| b.prev == h && b.height.is_none())
                .map(|(k, _)| *k)
                .collect();
            for c in children {
                if let Some(b) = self.blocks.get_mut(&c) {
                    b.height = Some(height + 1);
                    report.orphans = report.orphans.saturating_sub(1);
                }
                stack.push(c);
            }
        }
    }

    pub fn transactions(&self) -> impl Iterator<Item = &TxRecord> {
        self.txs.values()
    }

    /// The transactions of a block, in block order.
    pub fn block_txids(&self, block_hash: &str) -> Vec<String> {
        block_hash
            .parse::<BlockHash>()
            .ok()
            .and_then(|h| self.blocks.get(&h))
            .map(|b| b.txids.iter().map(|t| t.to_string()).collect())
            .unwrap_or_default()
    }

    /// Inputs still waiting for the output they spend.
    pub fn unresolved_inputs(&self) -> usize {
        self.waiting.values().map(Vec::len).sum()
    }

    /// Blocks still without a height (parent unknown).
    pub fn orphans(&self) -> usize {
        self.blocks.values().filter(|b| b.height.is_none()).count()
    }

    /// Received, sent and balance of an address over the ingested blocks.
    pub fn address_stats(&self, address: &str) -> AddressStats {
        let mut s = AddressStats {
            address: address.to_string(),
            ..AddressStats::default()
        };
        for t in self.txs.values() {
            let mut touched = false;
            for o in &t.outputs {
                if o.address.as_deref() == Some(address) {
                    s.received += o.value;
                    s.outputs += 1;
                    if o.spent_by.is_none() {
                        s.unspent_outputs += 1;
                    }
                    touched = true;
                }
            }
            for i in &t.inputs {
                if i.address.as_deref() == Some(address) {
                    s.sent += i.value.unwrap_or(0);
                    touched = true;
                }
            }
            if touched {
                s.tx_count += 1;
            }
        }
        s.balance = s.received.saturating_sub(s.sent);
        s
    }
}
