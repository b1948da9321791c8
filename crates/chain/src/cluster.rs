//! Address clustering by the multi-input (co-spend) heuristic: the inputs
//! of one transaction are assumed to be controlled by one wallet, except in
//! transactions shaped like CoinJoins, where several wallets spend together.
//! Union-find over addresses; change-address heuristics are not applied
//! (they are to be offered, off by default).

use crate::ledger::{Ledger, TxRecord};
use serde::Serialize;
use std::collections::HashMap;

/// Whether the outputs look like a CoinJoin: at least three outputs of one
/// equal value making up at least half of the outputs (Wasabi's many equal
/// outputs, Whirlpool's five, JoinMarket's equal outputs plus changes).
pub fn looks_like_coinjoin(output_values: &[u64], distinct_inputs: usize) -> bool {
    if output_values.len() < 3 || distinct_inputs < 2 {
        return false;
    }
    let mut counts: HashMap<u64, usize> = HashMap::new();
    for v in output_values {
        *counts.entry(*v).or_insert(0) += 1;
    }
    let top = counts.values().copied().max().unwrap_or(0);
    top >= 3 && top * 2 >= output_values.len() && top <= distinct_inputs + 1
}

#[derive(Debug, Default)]
pub struct Clusters {
    index: HashMap<String, usize>,
    parent: Vec<usize>,
    names: Vec<String>,
    /// Transactions skipped as CoinJoins.
    pub coinjoins: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClusterInfo {
    pub id: String,
    pub size: usize,
    pub addresses: Vec<String>,
}

impl Clusters {
    fn id(&mut self, a: &str) -> usize {
        if let Some(i) = self.index.get(a) {
            return *i;
        }
        let i = self.parent.len();
        self.parent.push(i);
        self.names.push(a.to_string());
        self.index.insert(a.to_string(), i);
        i
    }

    fn find(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }

    fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            // The smaller index is the root: cluster ids are stable.
            let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
            self.parent[hi] = lo;
        }
    }

    fn add_tx(&mut self, t: &TxRecord) {
        let mut addrs: Vec<&str> = t
            .inputs
            .iter()
            .filter_map(|i| i.address.as_deref())
            .collect();
        addrs.sort();
        addrs.dedup();
        for o in t.outputs.iter().filter_map(|o| o.address.as_deref()) {
            self.id(o);
        }
        if addrs.len() < 2 {
            if let Some(a) = addrs.first() {
                self.id(a);
            }
            return;
        }
        let values: Vec<u64> = t.outputs.iter().map(|o| o.value).collect();
        if looks_like_coinjoin(&values, addrs.len()) {
            self.coinjoins.push(t.txid.clone());
            for a in addrs {
                self.id(a);
            }
            return;
        }
        let first = self.id(addrs[0]);
        for a in &addrs[1..] {
            let i = self.id(a);
            self.union(first, i);
        }
    }

    /// Clusters every address of the ledger.
    pub fn build(ledger: &Ledger) -> Self {
        let mut c = Clusters::default();
        let mut txs: Vec<&TxRecord> = ledger.transactions().collect();
        txs.sort_by(|a, b| a.txid.cmp(&b.txid));
        for t in txs {
            c.add_tx(t);
        }
        c
    }

    /// The cluster of an address: its id (one of its addresses, the same for
    /// the same ledger) and its members. Walks every address: meant for the
    /// in-memory ledger, not for the full chain.
    pub fn cluster_of(&mut self, address: &str) -> Option<ClusterInfo> {
        let i = *self.index.get(address)?;
        let root = self.find(i);
        let mut members: Vec<String> = Vec::new();
        for k in 0..self.parent.len() {
            if self.find(k) == root {
                members.push(self.names[k].clone());
            }
        }
        members.sort();
        Some(ClusterInfo {
            id: self.names[root].clone(),
            size: members.len(),
            addresses: members,
        })
    }

    pub fn address_count(&self) -> usize {
        self.names.len()
    }

    /// How many clusters there are.
    pub fn cluster_count(&mut self) -> usize {
        let n = self.parent.len();
        (0..n).filter(|k| self.find(*k) == *k).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coinjoin_shapes() {
        // Whirlpool: five inputs, five equal outputs.
        assert!(looks_like_coinjoin(&[5_000_000; 5], 5));
        // Wasabi-like: many equal outputs and a few changes.
        let mut w = vec![10_000_000; 40];
        w.extend([123_456, 654_321, 99_999]);
        assert!(looks_like_coinjoin(&w, 45));
        // An ordinary payment with change, and a consolidation.
        assert!(!looks_like_coinjoin(&[1_000_000, 2_345_678], 3));
        assert!(!looks_like_coinjoin(&[50_000_000], 20));
        // A payout batch with equal amounts but a single spender.
        assert!(!looks_like_coinjoin(&[100_000; 10], 1));
    }
}
