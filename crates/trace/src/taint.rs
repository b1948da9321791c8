//! Forward taint from one output (see the crate documentation for the
//! policies and their invariants).

use crate::graph::{GraphView, TxView};
use serde::Serialize;
use std::collections::{HashMap, HashSet, VecDeque};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Policy {
    Poison,
    Haircut,
    Fifo,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaintedOutput {
    pub txid: String,
    pub vout: u32,
    pub value: u64,
    pub tainted: u64,
    /// Transactions between the source and this output (the source is 0).
    pub hop: u32,
    pub address: Option<String>,
    pub spent: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaintReport {
    pub policy: Policy,
    pub source_txid: String,
    pub source_vout: u32,
    pub source_amount: u64,
    /// Every output holding taint, the source included.
    pub outputs: Vec<TaintedOutput>,
    /// Taint in outputs nobody has spent (yet).
    pub unspent: u64,
    /// Taint paid away as fees.
    pub fees: u64,
    /// Taint in outputs spent beyond `max_hops` (not followed).
    pub beyond_horizon: u64,
    pub transactions: u64,
}

/// Tainted slices of an output, as [start, end) within its value (FIFO),
/// or an amount (other policies, as one slice [0, amount)).
type Slices = Vec<(u64, u64)>;

fn amount(s: &Slices) -> u64 {
    s.iter().map(|(a, b)| b - a).sum()
}

/// Splits `total` among `weights` (outputs, then the fee) in proportion,
/// exactly: floors, then one unit each to the largest remainders (ties to
/// the lower index).
fn apportion(total: u64, weights: &[u64]) -> Vec<u64> {
    let sum: u128 = weights.iter().map(|w| *w as u128).sum();
    if sum == 0 {
        return vec![0; weights.len()];
    }
    let mut shares: Vec<u64> = Vec::with_capacity(weights.len());
    let mut rems: Vec<(u128, usize)> = Vec::with_capacity(weights.len());
    for (i, w) in weights.iter().enumerate() {
        let p = total as u128 * *w as u128;
        shares.push((p / sum) as u64);
        rems.push((p % sum, i));
    }
    let mut left = total - shares.iter().sum::<u64>();
    rems.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, i) in rems {
        if left == 0 {
            break;
        }
        shares[i] += 1;
        left -= 1;
    }
    shares
}

/// Taint of each output and of the fee of one transaction, given the
/// tainted slices of its inputs.
fn propagate(tx: &TxView, inputs: &[Slices], policy: Policy) -> (Vec<Slices>, u64) {
    let fee = tx.fee();
    let outs: Vec<u64> = tx.outputs.iter().map(|o| o.0).collect();
    let total_taint: u64 = inputs.iter().map(amount).sum();
    match policy {
        Policy::Poison => {
            if total_taint == 0 {
                return (vec![Vec::new(); outs.len()], 0);
            }
            (
                outs.iter()
                    .map(|v| if *v > 0 { vec![(0, *v)] } else { Vec::new() })
                    .collect(),
                fee,
            )
        }
        Policy::Haircut => {
            let mut w = outs.clone();
            w.push(fee);
            let shares = apportion(total_taint, &w);
            let fee_share = *shares.last().unwrap_or(&0);
            (
                shares[..outs.len()]
                    .iter()
                    .map(|s| if *s > 0 { vec![(0, *s)] } else { Vec::new() })
                    .collect(),
                fee_share,
            )
        }
        Policy::Fifo => {
            // Tainted slices on the transaction's run of satoshis.
            let mut run: Vec<(u64, u64)> = Vec::new();
            let mut off = 0u64;
            for (k, inp) in tx.inputs.iter().enumerate() {
                for (a, b) in inputs.get(k).into_iter().flatten() {
                    run.push((off + a, off + b));
                }
                off += inp.2;
            }
            let mut result = Vec::with_capacity(outs.len());
            let mut pos = 0u64;
            for v in &outs {
                let (lo, hi) = (pos, pos + v);
                let mut mine = Vec::new();
                for (a, b) in &run {
                    let (s, e) = ((*a).max(lo), (*b).min(hi));
                    if s < e {
                        mine.push((s - lo, e - lo));
                    }
                }
                result.push(mine);
                pos = hi;
            }
            let fee_taint: u64 = run
                .iter()
                .map(|(a, b)| b.min(&off).saturating_sub(*a.max(&pos)))
                .sum();
            (result, fee_taint)
        }
    }
}

/// Follows the taint of output `vout` of `txid` forward, at most
/// `max_hops` transactions away.
pub fn taint_forward(
    g: &dyn GraphView,
    txid: &str,
    vout: u32,
    policy: Policy,
    max_hops: u32,
) -> Result<TaintReport, String> {
    let src = g
        .tx(txid)
        .ok_or_else(|| format!("transaction {txid} is not known"))?;
    let src_out = src
        .outputs
        .get(vout as usize)
        .ok_or_else(|| format!("{txid} has no output {vout}"))?
        .clone();
    let mut report = TaintReport {
        policy,
        source_txid: txid.to_string(),
        source_vout: vout,
        source_amount: src_out.0,
        outputs: vec![TaintedOutput {
            txid: txid.to_string(),
            vout,
            value: src_out.0,
            tainted: src_out.0,
            hop: 0,
            address: src_out.1.clone(),
            spent: src_out.2.is_some(),
        }],
        unspent: 0,
        fees: 0,
        beyond_horizon: 0,
        transactions: 0,
    };
    // Transactions reachable from the source within the horizon, with their
    // least hop count.
    let mut hop: HashMap<String, u32> = HashMap::new();
    let mut views: HashMap<String, TxView> = HashMap::new();
    let mut queue = VecDeque::new();
    if let Some(sp) = &src_out.2 {
        if max_hops >= 1 {
            hop.insert(sp.clone(), 1);
            queue.push_back(sp.clone());
        }
    }
    while let Some(t) = queue.pop_front() {
        let Some(v) = g.tx(&t) else { continue };
        let h = hop[&t];
        if h < max_hops {
            for o in &v.outputs {
                if let Some(sp) = &o.2 {
                    if !hop.contains_key(sp) {
                        hop.insert(sp.clone(), h + 1);
                        queue.push_back(sp.clone());
                    }
                }
            }
        }
        views.insert(t, v);
    }
    // Topological order over the reachable transactions (a spender after
    // every reachable transaction it spends from).
    let reach: HashSet<&String> = views.keys().collect();
    let mut indeg: HashMap<&String, usize> = views.keys().map(|k| (k, 0)).collect();
    for v in views.values() {
        let parents: HashSet<&String> = v
            .inputs
            .iter()
            .map(|i| &i.0)
            .filter(|p| reach.contains(p))
            .collect();
        if let Some(d) = indeg.get_mut(&v.txid) {
            *d = parents.len();
        }
    }
    let mut ready: Vec<&String> = indeg
        .iter()
        .filter(|(_, d)| **d == 0)
        .map(|(k, _)| *k)
        .collect();
    ready.sort();
    let mut order: Vec<String> = Vec::new();
    let mut ready: VecDeque<&String> = ready.into();
    while let Some(t) = ready.pop_front() {
        order.push(t.clone());
        let v = &views[t];
        let mut children: Vec<&String> = v
            .outputs
            .iter()
            .filter_map(|o| o.2.as_ref())
            .filter(|c| reach.contains(c))
            .collect();
        children.sort();
        children.dedup();
        for c in children {
            if let Some(d) = indeg.get_mut(c) {
                *d -= 1;
                if *d == 0 {
                    ready.push_back(c);
                }
            }
        }
    }
    if order.len() != views.len() {
        return Err(
            "the transactions reachable from the source form a cycle: the graph is inconsistent"
                .into(),
        );
    }
    let mut taint: HashMap<(String, u32), Slices> = HashMap::new();
    taint.insert((txid.to_string(), vout), vec![(0, src_out.0)]);
    for t in &order {
        let v = &views[t];
        let inputs: Vec<Slices> = v
            .inputs
            .iter()
            .map(|(p, n, _)| taint.get(&(p.clone(), *n)).cloned().unwrap_or_default())
            .collect();
        if inputs.iter().all(|s| s.is_empty()) {
            continue;
        }
        report.transactions += 1;
        let (outs, fee) = propagate(v, &inputs, policy);
        report.fees += fee;
        for (k, s) in outs.into_iter().enumerate() {
            let a = amount(&s);
            if a == 0 {
                continue;
            }
            let o = &v.outputs[k];
            report.outputs.push(TaintedOutput {
                txid: t.clone(),
                vout: k as u32,
                value: o.0,
                tainted: a,
                hop: hop[t],
                address: o.1.clone(),
                spent: o.2.is_some(),
            });
            taint.insert((t.clone(), k as u32), s);
        }
    }
    // Where the taint rests: unspent, or spent beyond the horizon.
    for o in &report.outputs {
        if !o.spent {
            report.unspent += o.tainted;
        } else if let Some(sp) = g
            .tx(&o.txid)
            .and_then(|v| v.outputs[o.vout as usize].2.clone())
        {
            if !views.contains_key(&sp) {
                report.beyond_horizon += o.tainted;
            }
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apportion_is_exact() {
        assert_eq!(apportion(10, &[1, 1, 1]), vec![4, 3, 3]);
        assert_eq!(apportion(7, &[50, 30, 20]), vec![4, 2, 1]);
        assert_eq!(apportion(0, &[5, 5]), vec![0, 0]);
        assert_eq!(apportion(5, &[0, 0]), vec![0, 0]);
        assert_eq!(
            apportion(u64::MAX / 2, &[u64::MAX / 3, u64::MAX / 3])
                .iter()
                .sum::<u64>(),
            u64::MAX / 2
        );
    }
}
