//! Exposure: how much of an address's funds came from (or went to) each
//! risk category, directly (one hop) and within N hops, with the paths that
//! explain each figure. Built on a haircut trace whose trail ends at
//! labelled addresses; a cluster inherits its addresses' labels. The trail
//! crosses into other assets at labelled swap and bridge services (see
//! [`crate::cross`]): what it finds there is counted by the share of the
//! examined amount that crossed, in the examined asset's units.

use crate::cross::{trace_across, CrossTrace, Crossing, MAX_SEGMENTS};
use crate::taint::{mul_div, one_asset, Direction, Policy, Subject, TraceOptions};
pub use kansa_chain::AddressLabel;
use kansa_chain::{Amount, Graph};
use rustc_hash::{FxHashMap, FxHashSet};
use serde::Serialize;

/// Categories in order of severity: the first found decides where an
/// amount reaching a multiply-labelled address is counted.
pub const SEVERITY: &[&str] = &[
    "sanctions",
    "terrorist_financing",
    "hack",
    "ransomware",
    "darknet_market",
    "scam",
    "mixer",
    "gambling",
    "exchange",
];

fn severity(c: &str) -> usize {
    SEVERITY
        .iter()
        .position(|s| *s == c)
        .unwrap_or(SEVERITY.len())
}

/// Labels of the graph's addresses, held by cluster: a cluster inherits
/// its addresses' labels (one entry per cluster, however large).
#[derive(Debug, Default, Clone)]
pub struct LabelLookup {
    by_root: FxHashMap<u32, Vec<AddressLabel>>,
}

impl LabelLookup {
    /// Labels given as (address, label); those whose address is in the
    /// graph are attached to its cluster.
    pub fn new(g: &Graph, labels: impl IntoIterator<Item = AddressLabel>) -> Self {
        let mut by_root: FxHashMap<u32, Vec<AddressLabel>> = FxHashMap::default();
        for l in labels {
            let Some(a) = g.address_index(&l.address) else {
                continue;
            };
            let v = by_root.entry(g.cluster_root(a)).or_default();
            if !v.contains(&l) {
                v.push(l);
            }
        }
        for v in by_root.values_mut() {
            v.sort_by(|a, b| {
                severity(&a.category)
                    .cmp(&severity(&b.category))
                    .then(a.label.cmp(&b.label))
            });
        }
        LabelLookup { by_root }
    }

    /// The labels of address `a`'s cluster, most severe first.
    pub fn labels(&self, g: &Graph, a: u32) -> &[AddressLabel] {
        self.by_root
            .get(&g.cluster_root(a))
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// Every labelled cluster's root and labels.
    pub fn roots(&self) -> impl Iterator<Item = (u32, &[AddressLabel])> {
        self.by_root.iter().map(|(r, v)| (*r, v.as_slice()))
    }

    /// Labelled clusters.
    pub fn len(&self) -> usize {
        self.by_root.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_root.is_empty()
    }

    /// Roots of the labelled clusters, but `except`'s.
    pub fn stop_clusters(&self, g: &Graph, except: Option<u32>) -> FxHashSet<u32> {
        let ex = except.map(|a| g.cluster_root(a));
        self.by_root
            .keys()
            .filter(|r| Some(**r) != ex)
            .copied()
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RiskPath {
    pub amount: Amount,
    pub hops: u32,
    /// The labelled address, its label and actor.
    pub address: String,
    pub label: String,
    pub actor: Option<String>,
    /// From the labelled output to the address examined, `txid:vout`
    /// steps (incoming), or the other way round (outgoing).
    pub steps: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExposureLine {
    pub category: String,
    /// Reached in one hop.
    pub direct: Amount,
    /// Reached in two hops or more.
    pub indirect: Amount,
    pub total: Amount,
    /// `total` over the amount examined.
    pub share: f64,
    pub top_paths: Vec<RiskPath>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Exposure {
    pub address: String,
    pub direction: Direction,
    pub policy: Policy,
    pub hops: u32,
    /// The asset examined (an address holding several is examined one
    /// asset at a time).
    pub asset: String,
    /// Base units examined: everything the address received (incoming),
    /// or everything it spent (outgoing); change paid back to the address
    /// is not counted twice (what one examined output passes to another
    /// is left out).
    pub amount: Amount,
    pub categories: Vec<ExposureLine>,
    /// The labels of the address's own cluster (not counted as exposure).
    pub own_labels: Vec<AddressLabel>,
    /// Swaps and bridges the trail crossed into other assets.
    pub crossings: Vec<Crossing>,
    /// Other assets the address holds (examined with `asset`).
    pub other_assets: Vec<String>,
    /// Where the rest rests: unlabelled funds beyond the horizon, mined,
    /// unspent, fees, unknown (the examined amount less the categories'
    /// totals).
    pub unlabelled: Amount,
    pub transactions: u64,
}

/// The exposure of `subject` within `hops` transactions: an address (all
/// it received, or all it spent on), or one output `TXID:VOUT` (a
/// deposit before it is credited, or a withdrawal's payment).
///
/// `asset` (`chain:asset`) chooses the asset of an address holding
/// several; by default the first it received.
pub fn exposure(
    g: &Graph,
    address: &str,
    direction: Direction,
    hops: u32,
    labels: &LabelLookup,
    asset: Option<&str>,
) -> Result<Exposure, String> {
    let subject = Subject::parse(g, address)?;
    let own = subject.address(g);
    let mut opts = TraceOptions::new(Policy::Haircut, direction, hops);
    opts.stop_clusters = labels.stop_clusters(g, own);
    let outputs = subject.outputs(g);
    let (asset, mut sources) = one_asset(g, outputs.clone(), asset)?;
    let mut other: Vec<u32> = outputs
        .iter()
        .map(|o| g.output_asset(*o))
        .filter(|a| *a != asset)
        .collect();
    other.sort_unstable();
    other.dedup();
    if let (Subject::Address(_), Direction::Forward) = (subject, direction) {
        // Outgoing from an address: what it spent.
        sources.retain(|o| g.spender(*o).is_some());
    }
    let whole: Vec<(u64, Amount)> = sources.iter().map(|o| (*o, g.value(*o))).collect();
    let x = trace_across(g, &whole, &opts, labels)?;
    let mut e = summarise(g, address, &x, labels, own, hops);
    e.asset = g.asset_name(asset);
    e.other_assets = other.into_iter().map(|a| g.asset_name(a)).collect();
    Ok(e)
}

fn summarise(
    g: &Graph,
    address: &str,
    x: &CrossTrace,
    labels: &LabelLookup,
    own: Option<u32>,
    hops: u32,
) -> Exposure {
    let Some(first) = x.segments.first() else {
        return Exposure {
            address: address.to_string(),
            direction: Direction::Backward,
            policy: Policy::Haircut,
            hops,
            asset: String::new(),
            amount: 0,
            categories: Vec::new(),
            own_labels: Vec::new(),
            crossings: Vec::new(),
            other_assets: Vec::new(),
            unlabelled: 0,
            transactions: 0,
        };
    };
    // Each segment's units in the examined asset's: (numerator,
    // denominator), from the crossings that started it; and the hops used
    // before it.
    let mut weight: Vec<(Amount, Amount)> = vec![(1, 1)];
    let mut used: Vec<u32> = vec![0];
    for i in 1..x.segments.len() {
        let (mut num, mut den, mut hop) = (0, 0, u32::MAX);
        for c in x.crossings.iter().filter(|c| c.to_segment == Some(i)) {
            let (n, d) = weight[c.from_segment];
            num += mul_div(c.amount_in, n, d).0;
            den += c.amount_out;
            hop = hop.min(c.hop);
        }
        weight.push((num, den.max(1)));
        used.push(if hop == u32::MAX { 0 } else { hop });
    }
    let examined = |amount: Amount, i: usize| {
        let (n, d) = weight[i];
        mul_div(amount, n, d).0
    };
    let carried: FxHashSet<(usize, u64)> = x
        .crossings
        .iter()
        .map(|c| (c.from_segment, c.from_out))
        .collect();
    let taints: Vec<FxHashMap<u64, (Amount, u32)>> = x
        .segments
        .iter()
        .map(|r| {
            r.outputs
                .iter()
                .map(|o| (o.out, (o.tainted, o.hop)))
                .collect()
        })
        .collect();
    let step = |o: u64| {
        let (t, v) = g.output_owner(o);
        format!("{}:{v}", g.txid(t))
    };
    // The steps from a labelled output back to the examined address,
    // across the crossings that led to its segment.
    let steps = |i: usize, out: u64| -> Vec<String> {
        let mut ids = path(g, out, first.direction, &taints[i]);
        let mut seg = i;
        for _ in 0..MAX_SEGMENTS {
            let last = ids.last().copied().unwrap_or(out);
            let Some(c) = x
                .crossings
                .iter()
                .find(|c| seg > 0 && c.to_segment == Some(seg) && c.to_out == last)
            else {
                break;
            };
            ids.extend(path(
                g,
                c.from_out,
                first.direction,
                &taints[c.from_segment],
            ));
            seg = c.from_segment;
        }
        ids.into_iter().map(step).collect()
    };
    let mut lines: Vec<ExposureLine> = Vec::new();
    let mut transactions = 0;
    for (i, r) in x.segments.iter().enumerate() {
        transactions += r.transactions;
        for o in r.outputs.iter().filter(|o| o.stopped) {
            if carried.contains(&(i, o.out)) {
                continue;
            }
            let Some(l) = g
                .out_address(o.out)
                .and_then(|a| labels.labels(g, a).first())
            else {
                continue;
            };
            let line = match lines.iter_mut().position(|x| x.category == l.category) {
                Some(k) => &mut lines[k],
                None => {
                    lines.push(ExposureLine {
                        category: l.category.clone(),
                        direct: 0,
                        indirect: 0,
                        total: 0,
                        share: 0.0,
                        top_paths: Vec::new(),
                    });
                    lines.last_mut().expect("just pushed")
                }
            };
            let amount = if i == 0 {
                o.tainted
            } else {
                examined(o.tainted, i)
            };
            let hop = used[i] + o.hop;
            if hop <= 1 {
                line.direct += amount;
            } else {
                line.indirect += amount;
            }
            line.total += amount;
            line.top_paths.push(RiskPath {
                amount,
                hops: hop,
                address: l.address.clone(),
                label: l.label.clone(),
                actor: l.actor.clone(),
                steps: steps(i, o.out),
            });
        }
    }
    let amount = first.source_amount - first.into_sources;
    for l in &mut lines {
        l.share = if amount == 0 {
            0.0
        } else {
            l.total as f64 / amount as f64
        };
        l.top_paths
            .sort_by(|a, b| b.amount.cmp(&a.amount).then(a.hops.cmp(&b.hops)));
        l.top_paths.truncate(3);
    }
    lines.sort_by(|a, b| {
        severity(&a.category)
            .cmp(&severity(&b.category))
            .then(b.total.cmp(&a.total))
    });
    let own_labels: Vec<AddressLabel> = own
        .map(|a| labels.labels(g, a).to_vec())
        .unwrap_or_default();
    let counted: Amount = lines.iter().map(|l| l.total).sum();
    Exposure {
        address: address.to_string(),
        direction: first.direction,
        policy: first.policy,
        hops,
        asset: String::new(),
        amount,
        unlabelled: amount.saturating_sub(counted),
        categories: lines,
        own_labels,
        crossings: x.crossings.clone(),
        other_assets: Vec::new(),
        transactions,
    }
}

/// The steps from a labelled output back to a source: at each transaction
/// the neighbour carrying the most taint.
fn path(g: &Graph, from: u64, dir: Direction, taint: &FxHashMap<u64, (Amount, u32)>) -> Vec<u64> {
    let mut steps = vec![from];
    let mut cur = from;
    for _ in 0..64 {
        let Some(&(_, h)) = taint.get(&cur) else {
            break;
        };
        if h == 0 {
            break;
        }
        let candidates: Vec<u64> = match dir {
            // Backward: the spender's outputs led here.
            Direction::Backward => match g.spender(cur) {
                Some(t) => g.outputs(t).collect(),
                None => break,
            },
            // Forward: the owner's inputs led here.
            Direction::Forward => {
                let t = g.output_owner(cur).0;
                g.inputs(t).map(|i| g.input_prev(i)).collect()
            }
        };
        let Some(next) = candidates
            .into_iter()
            .filter(|c| taint.get(c).is_some_and(|(_, ch)| *ch < h))
            .max_by_key(|c| taint[c].0)
        else {
            break;
        };
        steps.push(next);
        cur = next;
    }
    steps
}
