//! Traces that cross from one asset to another where a labelled swap or
//! bridge service links them.
//!
//! A trace of one asset ends at a service's cluster (its outputs are
//! stopped there). Where the service turns what it received into another
//! asset, the trace continues in that asset from what the service paid
//! out, with the tainted share carried over:
//!
//! - **swap** (category `swap`): within the transaction hash of the
//!   deposit, the service's transfers of other assets to addresses outside
//!   its cluster (a mint in the same hash counts too). Each payout carries
//!   `tainted_in × payout / received`, where `received` is everything the
//!   service got in the deposit's asset in that hash (exact, floored).
//! - **bridge** (category `bridge`): the first later transfer, in another
//!   asset, from any cluster labelled bridge with the same actor to the
//!   depositor's own address (EVM chains share addresses; an EVM address
//!   and a Tron address of the same 20 bytes are one key's). It carries
//!   `tainted_in × payout / deposit`, at most the payout.
//!
//! Backward, the same links are followed the other way: funds paid out by
//! a service are attributed to the deposits they stand for.
//!
//! Each asset's part of the trail is an ordinary [`TaintReport`] (its
//! rests add up to its source amount; what crossed is `converted`); the
//! crossings say which amount became which.

use crate::exposure::LabelLookup;
use crate::taint::{mul_div, trace_amounts, Direction, TaintReport, TraceOptions};
use kansa_chain::{Amount, Graph, NONE64};
use rustc_hash::{FxHashMap, FxHashSet};
use serde::Serialize;

/// One conversion: taint entering a service in one asset and leaving it
/// in another.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Crossing {
    /// `swap` or `bridge`.
    pub kind: String,
    /// The service's address the taint reached, its label and actor.
    pub service: String,
    pub label: String,
    pub actor: Option<String>,
    pub from_asset: String,
    pub to_asset: String,
    /// The output that reached the service (forward; backward: the one it
    /// paid out) and the output on the other side.
    pub from_output: String,
    pub to_output: String,
    pub amount_in: Amount,
    pub amount_out: Amount,
    /// Hops from the first source when the crossing was reached.
    pub hop: u32,
    /// The segment the taint left and the one it continued in (none when
    /// the limit on continuations was reached first).
    pub from_segment: usize,
    pub to_segment: Option<usize>,
    /// `from_output` and `to_output` as output ids.
    #[serde(skip)]
    pub from_out: u64,
    #[serde(skip)]
    pub to_out: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CrossTrace {
    /// The trail in the first asset, then each continuation, in order.
    pub segments: Vec<TaintReport>,
    pub crossings: Vec<Crossing>,
    /// Crossings not followed: the limit on continuations was reached.
    pub crossings_not_followed: u64,
}

/// Continuations followed at most (each is a trace of its own).
pub const MAX_SEGMENTS: usize = 16;

/// The services of the graph: cluster root → (kind, label index).
struct Services<'a> {
    g: &'a Graph,
    labels: &'a LabelLookup,
    roots: FxHashMap<u32, &'static str>,
}

impl<'a> Services<'a> {
    fn new(g: &'a Graph, labels: &'a LabelLookup) -> Self {
        let roots = labels
            .roots()
            .filter_map(|(r, ls)| {
                ls.iter().find_map(|l| match l.category.as_str() {
                    "swap" => Some((r, "swap")),
                    "bridge" => Some((r, "bridge")),
                    _ => None,
                })
            })
            .collect();
        Services { g, labels, roots }
    }

    /// The service an output is paid to: (address, kind, cluster root).
    fn at(&self, o: u64) -> Option<(u32, &'static str, u32)> {
        let svc = self.g.out_address(o)?;
        Some((svc, self.kind(svc)?, self.g.cluster_root(svc)))
    }

    fn kind(&self, a: u32) -> Option<&'static str> {
        self.roots.get(&self.g.cluster_root(a)).copied()
    }

    fn actor(&self, a: u32) -> Option<String> {
        self.labels
            .labels(self.g, a)
            .iter()
            .find(|l| l.category == "bridge" || l.category == "swap")
            .and_then(|l| l.actor.clone().or_else(|| Some(l.label.clone())))
    }
}

/// The sending address of a transaction: its first input's address.
fn sender(g: &Graph, tx: u32) -> Option<u32> {
    let i = g.inputs(tx).next()?;
    let p = g.input_prev(i);
    if p == NONE64 {
        return None;
    }
    g.out_address(p)
}

/// The receiving output of a transfer (its first output).
fn receipt(g: &Graph, tx: u32) -> Option<u64> {
    let r = g.outputs(tx);
    (r.start < r.end).then_some(r.start)
}

fn outpoint(g: &Graph, o: u64) -> String {
    let (t, v) = g.output_owner(o);
    format!("{}:{v}", g.txid(t))
}

/// Where taint that reached service output `o` (forward) continues:
/// (kind, payout output, amount carried).
fn forward_links(s: &Services, o: u64, tainted: Amount) -> Vec<(&'static str, u64, Amount)> {
    let g = s.g;
    let Some((svc, kind, root)) = s.at(o) else {
        return Vec::new();
    };
    let t = g.output_owner(o).0;
    let asset = g.asset(t);
    let in_root = |a: Option<u32>| a.is_some_and(|a| g.cluster_root(a) == root);
    let mut out = Vec::new();
    if kind == "swap" {
        let group = g.transfer_group(t);
        let received: Amount = group
            .clone()
            .filter(|x| g.asset(*x) == asset)
            .filter_map(|x| receipt(g, x))
            .filter(|r| in_root(g.out_address(*r)))
            .map(|r| g.value(r))
            .sum();
        if received == 0 {
            return out;
        }
        for x in group {
            if g.asset(x) == asset {
                continue;
            }
            let from_service =
                in_root(sender(g, x)) || (g.is_coinbase(x) && sender(g, x).is_none());
            let Some(r) = receipt(g, x) else { continue };
            if from_service && !in_root(g.out_address(r)) {
                let v = g.value(r);
                out.push((kind, r, mul_div(tainted, v, received).0.min(v)));
            }
        }
    } else {
        // Bridge: the depositor's next receipt from the same bridge.
        let Some(depositor) = sender(g, t) else {
            return out;
        };
        let actor = s.actor(svc);
        let time = g.time(t).unwrap_or(0);
        let deposit = g.value(o);
        // The depositor's own address, or its twin across the EVM/Tron
        // divide (one key controls both).
        let best = std::iter::once(depositor)
            .chain(g.account_twin(depositor))
            .flat_map(|a| g.address_outputs(a))
            .filter(|q| {
                let u = g.output_owner(*q).0;
                u != t
                    && g.asset(u) != asset
                    && g.time(u).unwrap_or(0) >= time
                    && receipt(g, u) == Some(*q)
                    && sender(g, u)
                        .is_some_and(|a| s.kind(a) == Some("bridge") && s.actor(a) == actor)
            })
            .min_by_key(|q| (g.time(g.output_owner(*q).0).unwrap_or(0), *q));
        if let (Some(q), true) = (best, deposit > 0) {
            let v = g.value(q);
            out.push((kind, q, mul_div(tainted, v, deposit).0.min(v)));
        }
    }
    out
}

/// Backward: what funds paid out by a service stand for. `p` is the
/// service's own output spent by the payout (where a backward trace stops).
fn backward_links(s: &Services, p: u64, attributed: Amount) -> Vec<(&'static str, u64, Amount)> {
    let g = s.g;
    let (Some((svc, kind, root)), Some(t)) = (s.at(p), g.spender(p)) else {
        return Vec::new();
    };
    let asset = g.asset(t);
    let in_root = |a: Option<u32>| a.is_some_and(|a| g.cluster_root(a) == root);
    let mut out = Vec::new();
    if kind == "swap" {
        let group = g.transfer_group(t);
        let paid: Amount = group
            .clone()
            .filter(|x| g.asset(*x) == asset && in_root(sender(g, *x)))
            .filter_map(|x| receipt(g, x))
            .filter(|r| !in_root(g.out_address(*r)))
            .map(|r| g.value(r))
            .sum();
        if paid == 0 {
            return out;
        }
        for x in group {
            if g.asset(x) == asset {
                continue;
            }
            let Some(r) = receipt(g, x) else { continue };
            if in_root(g.out_address(r)) {
                let v = g.value(r);
                out.push((kind, r, mul_div(attributed, v, paid).0.min(v)));
            }
        }
    } else {
        let Some(payee) = receipt(g, t).and_then(|r| g.out_address(r)) else {
            return out;
        };
        let actor = s.actor(svc);
        let time = g.time(t).unwrap_or(u32::MAX);
        let paid = receipt(g, t).map(|r| g.value(r)).unwrap_or(0);
        // The payee's latest earlier deposit to the same bridge.
        let best = std::iter::once(payee)
            .chain(g.account_twin(payee))
            .flat_map(|a| g.address_outputs(a))
            .filter_map(|q| g.spender(q))
            .filter(|u| *u != t && g.asset(*u) != asset && g.time(*u).unwrap_or(0) <= time)
            .filter_map(|u| receipt(g, u).map(|r| (u, r)))
            .filter(|(_, r)| {
                g.out_address(*r)
                    .is_some_and(|a| s.kind(a) == Some("bridge") && s.actor(a) == actor)
            })
            .max_by_key(|(u, r)| (g.time(*u).unwrap_or(0), *r));
        if let (Some((_, r)), true) = (best, paid > 0) {
            let v = g.value(r);
            out.push((kind, r, mul_div(attributed, v, paid).0.min(v)));
        }
    }
    out
}

/// A trace of `sources` that continues across swap and bridge services
/// labelled in `labels` (see the module documentation). `opts.max_hops`
/// bounds the whole trail: a continuation has the hops left at its
/// crossing. The services are stop points of every segment.
pub fn trace_across(
    g: &Graph,
    sources: &[(u64, Amount)],
    opts: &TraceOptions,
    labels: &LabelLookup,
) -> Result<CrossTrace, String> {
    let services = Services::new(g, labels);
    let mut result = CrossTrace {
        segments: Vec::new(),
        crossings: Vec::new(),
        crossings_not_followed: 0,
    };
    // (sources, hops already used)
    let mut queue: Vec<(Vec<(u64, Amount)>, u32)> = vec![(sources.to_vec(), 0)];
    let mut seen: FxHashSet<u64> = FxHashSet::default();
    while let Some((src, used)) = (!queue.is_empty()).then(|| queue.remove(0)) {
        if result.segments.len() >= MAX_SEGMENTS {
            result.crossings_not_followed += 1;
            continue;
        }
        let mut o = opts.clone();
        o.max_hops = opts.max_hops.saturating_sub(used);
        o.stop_clusters.extend(services.roots.keys().copied());
        for (s, _) in &src {
            if let Some(a) = g.out_address(*s) {
                o.stop_clusters.remove(&g.cluster_root(a));
            }
        }
        let mut seg = trace_amounts(g, &src, &o)?;
        // Continuations, grouped by asset.
        let mut next: FxHashMap<u32, Vec<(u64, Amount)>> = FxHashMap::default();
        let mut next_hop: FxHashMap<u32, u32> = FxHashMap::default();
        let mut next_crossings: FxHashMap<u32, Vec<usize>> = FxHashMap::default();
        let this = result.segments.len();
        for t in seg.outputs.iter().filter(|t| t.stopped && t.hop > 0) {
            let links = match opts.direction {
                Direction::Forward => forward_links(&services, t.out, t.tainted),
                Direction::Backward => backward_links(&services, t.out, t.tainted),
            };
            if links.is_empty() {
                continue;
            }
            let mut carried = false;
            for (kind, q, amount) in links {
                if amount == 0 || !seen.insert(q) {
                    continue;
                }
                carried = true;
                let svc = g.out_address(t.out).unwrap_or(0);
                let label = labels
                    .labels(g, svc)
                    .iter()
                    .find(|l| l.category == kind)
                    .cloned();
                let to_asset = g.output_asset(q);
                result.crossings.push(Crossing {
                    kind: kind.to_string(),
                    service: g.address(svc),
                    label: label.as_ref().map(|l| l.label.clone()).unwrap_or_default(),
                    actor: label.and_then(|l| l.actor),
                    from_asset: seg.asset.clone(),
                    to_asset: g.asset_name(to_asset),
                    from_output: outpoint(g, t.out),
                    to_output: outpoint(g, q),
                    amount_in: t.tainted,
                    amount_out: amount,
                    hop: used + t.hop,
                    from_segment: this,
                    to_segment: None,
                    from_out: t.out,
                    to_out: q,
                });
                next_crossings
                    .entry(to_asset)
                    .or_default()
                    .push(result.crossings.len() - 1);
                next.entry(to_asset).or_default().push((q, amount));
                let h = next_hop.entry(to_asset).or_insert(used + t.hop);
                *h = (*h).min(used + t.hop);
            }
            if carried {
                seg.stopped -= t.tainted;
                seg.converted += t.tainted;
            }
        }
        result.segments.push(seg);
        // Continuations in the order their crossings were reached.
        let mut assets: Vec<u32> = next.keys().copied().collect();
        assets.sort_unstable_by_key(|a| (next_hop[a], *a));
        for a in assets {
            // Segments are made in the order of the queue.
            let index = result.segments.len() + queue.len();
            if index < MAX_SEGMENTS {
                for c in next_crossings.remove(&a).unwrap_or_default() {
                    result.crossings[c].to_segment = Some(index);
                }
            }
            queue.push((next.remove(&a).unwrap_or_default(), next_hop[&a]));
        }
    }
    Ok(result)
}
