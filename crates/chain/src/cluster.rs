//! Address clustering by the multi-input (co-spend) heuristic: the inputs
//! of one transaction are assumed to be controlled by one wallet, except in
//! transactions shaped like CoinJoins, where several wallets spend together.
//! Union-find over address ids; a change-address heuristic is available,
//! off by default.

use crate::graph::{Amount, Graph, NONE64};
use std::collections::HashMap;

/// Whether the outputs look like a CoinJoin: at least three outputs of one
/// equal value making up at least half of the outputs (Wasabi's many equal
/// outputs, Whirlpool's five, JoinMarket's equal outputs plus changes).
pub fn looks_like_coinjoin(output_values: &[Amount], distinct_inputs: usize) -> bool {
    if output_values.len() < 3 || distinct_inputs < 2 {
        return false;
    }
    let mut counts: HashMap<Amount, usize> = HashMap::new();
    for v in output_values {
        *counts.entry(*v).or_insert(0) += 1;
    }
    let top = counts.values().copied().max().unwrap_or(0);
    top >= 3 && top * 2 >= output_values.len() && top <= distinct_inputs + 1
}

fn find(parent: &mut [u32], mut x: u32) -> u32 {
    while parent[x as usize] != x {
        let p = parent[parent[x as usize] as usize];
        parent[x as usize] = p;
        x = p;
    }
    x
}

fn union(parent: &mut [u32], a: u32, b: u32) {
    let (ra, rb) = (find(parent, a), find(parent, b));
    if ra != rb {
        // The smaller id is the root: a cluster's id is its first address.
        let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
        parent[hi as usize] = lo;
    }
}

/// The cluster root of every address of the graph (the smallest address id
/// of its cluster). Co-spent inputs are joined, except in CoinJoin-shaped
/// transactions. With `change`, the change output of a two-output payment
/// is joined too: the output whose address appears for the first time
/// while the other output's address was seen before, neither among the
/// inputs' addresses (a heuristic that errs; off by default).
pub fn cluster_roots(g: &Graph, change: bool) -> Vec<u32> {
    let n = g.address_count();
    let mut parent: Vec<u32> = (0..n as u32).collect();
    let mut addrs: Vec<u32> = Vec::new();
    let mut values: Vec<Amount> = Vec::new();
    for tx in 0..g.tx_count() as u32 {
        if g.is_coinbase(tx) {
            continue;
        }
        addrs.clear();
        for i in g.inputs(tx) {
            let p = g.input_prev(i);
            if p != NONE64 {
                if let Some(a) = g.out_address(p) {
                    addrs.push(a);
                }
            }
        }
        addrs.sort_unstable();
        addrs.dedup();
        if addrs.is_empty() {
            continue;
        }
        values.clear();
        values.extend(g.outputs(tx).map(|o| g.value(o)));
        if addrs.len() >= 2 && looks_like_coinjoin(&values, addrs.len()) {
            continue;
        }
        for a in &addrs[1..] {
            union(&mut parent, addrs[0], *a);
        }
        if change {
            if let Some(c) = change_output(g, tx, &addrs) {
                union(&mut parent, addrs[0], c);
            }
        }
    }
    (0..n as u32).map(|a| find(&mut parent, a)).collect()
}

fn change_output(g: &Graph, tx: u32, input_addrs: &[u32]) -> Option<u32> {
    let outs = g.outputs(tx);
    if outs.end - outs.start != 2 {
        return None;
    }
    let a = g.out_address(outs.start)?;
    let b = g.out_address(outs.start + 1)?;
    if a == b || input_addrs.contains(&a) || input_addrs.contains(&b) {
        return None;
    }
    let fresh = |x: u32| {
        g.address_outputs(x)
            .next()
            .map(|o| g.output_owner(o).0 == tx)
            .unwrap_or(false)
    };
    match (fresh(a), fresh(b)) {
        (true, false) => Some(a),
        (false, true) => Some(b),
        _ => None,
    }
}

/// Transactions left out of clustering as CoinJoins.
pub fn coinjoins(g: &Graph) -> Vec<u32> {
    let mut out = Vec::new();
    let mut values: Vec<Amount> = Vec::new();
    for tx in 0..g.tx_count() as u32 {
        let mut addrs: Vec<u32> = g
            .inputs(tx)
            .filter_map(|i| {
                let p = g.input_prev(i);
                (p != NONE64).then(|| g.out_address(p)).flatten()
            })
            .collect();
        addrs.sort_unstable();
        addrs.dedup();
        values.clear();
        values.extend(g.outputs(tx).map(|o| g.value(o)));
        if addrs.len() >= 2 && looks_like_coinjoin(&values, addrs.len()) {
            out.push(tx);
        }
    }
    out
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
