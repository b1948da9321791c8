//! A graph written by hand, for stories and tests: transactions named by
//! the caller ("tx_a"), inputs as `("tx_a", 0)`, outputs as values (or
//! values with addresses). It builds an ordinary [`Graph`]; a name's txid
//! is the name's bytes, zero-padded, so [`MemGraph::id`] tells the txid
//! the reports show.

use kansa_chain::{Graph, IngestReport, Ledger, ScriptKind};
use std::collections::HashMap;

#[derive(Debug)]
pub struct MemGraph {
    ledger: Ledger,
    report: IngestReport,
    names: HashMap<String, [u8; 32]>,
    blocks: u32,
    /// The next `add` joins the current block instead of starting one.
    join: bool,
}

impl Default for MemGraph {
    fn default() -> Self {
        MemGraph::new()
    }
}

fn name_bytes(name: &str) -> [u8; 32] {
    let mut b = [0u8; 32];
    for (i, c) in name.bytes().take(31).enumerate() {
        b[i] = c;
    }
    b[31] = 1;
    b
}

impl MemGraph {
    pub fn new() -> Self {
        MemGraph {
            ledger: Ledger::new(),
            report: IngestReport::default(),
            names: HashMap::new(),
            blocks: 0,
            join: false,
        }
    }

    /// Makes the next `add` join the current block (a block's first
    /// transaction without inputs is its coinbase, where fees go).
    pub fn same_block(&mut self) -> &mut Self {
        self.join = self.blocks > 0;
        self
    }

    /// Starts a new block: transactions added afterwards get the next
    /// height (each `add` is its own block unless `same_block` was called).
    fn next_block(&mut self) {
        if std::mem::take(&mut self.join) {
            return;
        }
        let mut hash = [0u8; 32];
        hash[..4].copy_from_slice(&(self.blocks + 1).to_le_bytes());
        let mut prev = [0u8; 32];
        if self.blocks > 0 {
            prev[..4].copy_from_slice(&self.blocks.to_le_bytes());
        }
        self.ledger.begin_block(hash, prev, &mut self.report);
        self.blocks += 1;
    }

    /// Adds a transaction (in a block of its own) spending `inputs` into
    /// outputs of the given values, paid to addresses named `name:vout`.
    pub fn add(&mut self, name: &str, inputs: &[(&str, u32)], outputs: &[u64]) -> &mut Self {
        let addrs: Vec<String> = (0..outputs.len()).map(|i| format!("{name}:{i}")).collect();
        let outs: Vec<(u64, &str)> = outputs
            .iter()
            .zip(&addrs)
            .map(|(v, a)| (*v, a.as_str()))
            .collect();
        self.add_to(name, inputs, &outs)
    }

    /// As `add`, with the address of every output given.
    pub fn add_to(
        &mut self,
        name: &str,
        inputs: &[(&str, u32)],
        outputs: &[(u64, &str)],
    ) -> &mut Self {
        self.next_block();
        let id = name_bytes(name);
        self.names.insert(name.to_string(), id);
        let ins: Vec<([u8; 32], u32)> = inputs.iter().map(|(p, v)| (name_bytes(p), *v)).collect();
        let outs: Vec<(u64, ScriptKind, Option<Vec<u8>>)> = outputs
            .iter()
            .map(|(v, a)| (*v, ScriptKind::P2pkh, Some(kansa_chain::address_key(a))))
            .collect();
        self.ledger
            .add_tx(id, inputs.is_empty(), &ins, &outs, name, &mut self.report);
        self
    }

    /// The txid reports show for a named transaction.
    pub fn id(&self, name: &str) -> String {
        kansa_chain::txid_hex(&name_bytes(name))
    }

    /// Anomalies met while adding (unknown inputs, double spends...).
    pub fn anomalies(&self) -> &[String] {
        &self.report.anomalies
    }

    pub fn build(self) -> Graph {
        self.ledger.into_graph()
    }
}
