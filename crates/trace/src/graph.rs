//! What taint needs to know about transactions.

use kansa_chain::Ledger;
use std::collections::HashMap;

/// A transaction as taint sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct TxView {
    pub txid: String,
    /// (previous txid, vout, value) in input order; empty for a coinbase.
    pub inputs: Vec<(String, u32, u64)>,
    /// (value, address, spending txid) in output order.
    pub outputs: Vec<(u64, Option<String>, Option<String>)>,
}

impl TxView {
    pub fn input_total(&self) -> u64 {
        self.inputs.iter().map(|i| i.2).sum()
    }

    pub fn output_total(&self) -> u64 {
        self.outputs.iter().map(|o| o.0).sum()
    }

    pub fn fee(&self) -> u64 {
        self.input_total().saturating_sub(self.output_total())
    }
}

pub trait GraphView {
    fn tx(&self, txid: &str) -> Option<TxView>;
}

impl GraphView for Ledger {
    fn tx(&self, txid: &str) -> Option<TxView> {
        let t = Ledger::tx(self, txid)?;
        Some(TxView {
            txid: t.txid.clone(),
            inputs: t
                .inputs
                .iter()
                .map(|i| (i.prev_txid.clone(), i.prev_vout, i.value.unwrap_or(0)))
                .collect(),
            outputs: t
                .outputs
                .iter()
                .map(|o| {
                    (
                        o.value,
                        o.address.clone(),
                        o.spent_by.as_ref().map(|s| s.0.clone()),
                    )
                })
                .collect(),
        })
    }
}

/// A graph written by hand: transactions named by the test ("tx_a"),
/// inputs as `("tx_a", 0)`, outputs as values. Spending links are derived.
#[derive(Debug, Default, Clone)]
pub struct MemGraph {
    txs: HashMap<String, TxView>,
}

impl MemGraph {
    pub fn new() -> Self {
        MemGraph::default()
    }

    /// Adds a transaction spending `inputs` (previous tx name, vout) into
    /// outputs of the given values. Inputs must name earlier transactions.
    pub fn add(&mut self, name: &str, inputs: &[(&str, u32)], outputs: &[u64]) -> &mut Self {
        let mut ins = Vec::new();
        for (prev, vout) in inputs {
            let value = self
                .txs
                .get(*prev)
                .and_then(|t| t.outputs.get(*vout as usize))
                .map(|o| o.0)
                .unwrap_or(0);
            if let Some(o) = self
                .txs
                .get_mut(*prev)
                .and_then(|t| t.outputs.get_mut(*vout as usize))
            {
                o.2 = Some(name.to_string());
            }
            ins.push((prev.to_string(), *vout, value));
        }
        let outs = outputs
            .iter()
            .enumerate()
            .map(|(i, v)| (*v, Some(format!("{name}:{i}")), None))
            .collect();
        self.txs.insert(
            name.to_string(),
            TxView {
                txid: name.to_string(),
                inputs: ins,
                outputs: outs,
            },
        );
        self
    }
}

impl GraphView for MemGraph {
    fn tx(&self, txid: &str) -> Option<TxView> {
        self.txs.get(txid).cloned()
    }
}
