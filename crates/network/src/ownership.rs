//! Aggregated ownership by listed parties, and the ultimate owners of one
//! company with the paths that explain them.
//!
//! **The figure.** A company's listed share is the sum, over every chain
//! of ownership from a listed party to the company, of the product of the
//! shares along the chain, summed across chains and across listed owners.
//! A listed party's share of itself is 100%, and chains end at the first
//! listed party met (a listed owner of a listed owner is not counted twice).
//! With cross-holdings (A owns part of B, B part of A) the chains are the
//! walks through the cycle, whose products form a geometric series: this
//! is the share that reaches the company through the cycle, and with it
//! the shares of all ultimate owners of a company add up to at most 100%.
//! It is computed as the solution of `x(c) = Σ share(o, c) · x(o)`
//! (`x = 1` for listed parties): strongly connected components in
//! topological order, each cycle iterated to a fixed point.
//!
//! Shares known only as a band give two figures: `lo` from lower bounds
//! and certain listings, `hi` from upper bounds and possible listings too.
//!
//! **The rule.** A regime blocks a company whose listed share reaches its
//! threshold (OFAC: 50% or more; EU and UK: more than 50%). OFAC also
//! treats an entity blocked by ownership as blocked for the next level
//! (`cascade`): a company owned 50% or more in aggregate *directly* by
//! listed or blocked parties is blocked, even where the multiplied share is
//! lower (listed 60% of A, A 60% of B: 36% multiplied, but B is blocked).
//! The EU and UK also block what a listed party controls (`control_blocks`).

use crate::graph::{Listed, Network, NodeId, Relation};
use crate::share::{pct, Share, EPS};
use rustc_hash::FxHashMap;
use serde::Serialize;
use std::collections::VecDeque;

/// A sanctions regime's ownership test.
#[derive(Debug, Clone, Serialize)]
pub struct Regime {
    pub name: String,
    /// Share (fraction) at which ownership blocks.
    pub threshold: f64,
    /// `≥ threshold` (OFAC) or `> threshold` (EU, UK).
    pub inclusive: bool,
    /// Blocked-by-ownership parties count as blocked owners (OFAC).
    pub cascade: bool,
    /// A company controlled or directed by a listed party is blocked.
    pub control_blocks: bool,
    /// A listed share at or above this is flagged for review.
    pub review_at: f64,
}

impl Regime {
    pub fn ofac() -> Regime {
        Regime {
            name: "ofac".into(),
            threshold: 0.5,
            inclusive: true,
            cascade: true,
            control_blocks: false,
            review_at: 0.25,
        }
    }

    pub fn eu() -> Regime {
        Regime {
            name: "eu".into(),
            threshold: 0.5,
            inclusive: false,
            cascade: false,
            control_blocks: true,
            review_at: 0.25,
        }
    }

    pub fn uk() -> Regime {
        Regime {
            name: "uk".into(),
            threshold: 0.5,
            inclusive: false,
            cascade: false,
            control_blocks: true,
            review_at: 0.25,
        }
    }

    pub fn by_name(name: &str) -> Option<Regime> {
        match name.to_ascii_lowercase().as_str() {
            "ofac" | "us" => Some(Regime::ofac()),
            "eu" => Some(Regime::eu()),
            "uk" | "ofsi" => Some(Regime::uk()),
            _ => None,
        }
    }

    pub fn meets(&self, share: f64) -> bool {
        if self.inclusive {
            share >= self.threshold - EPS
        } else {
            share > self.threshold + EPS
        }
    }
}

/// Listed shares of every party.
#[derive(Debug, Clone)]
pub struct Aggregate {
    pub lo: Vec<f64>,
    pub hi: Vec<f64>,
    /// Blocked by the cascade rule (owned at the threshold directly by
    /// listed or cascade-blocked parties); all false without `cascade`.
    pub cascade: Vec<bool>,
    /// Components with a cycle of cross-holdings.
    pub cyclic_components: usize,
}

/// Strongly connected components of the ownership edges, owners' components
/// before their companies' (iterative Tarjan over the adjacency as stored).
fn components(net: &Network) -> Vec<Vec<NodeId>> {
    const NONE: u32 = u32::MAX;
    let n = net.len();
    let mut index = vec![NONE; n];
    let mut low = vec![0u32; n];
    let mut on_stack = vec![false; n];
    let mut stack: Vec<NodeId> = Vec::new();
    let mut out: Vec<Vec<NodeId>> = Vec::new();
    let mut next = 0u32;
    // (node, position in its outgoing edges)
    let mut call: Vec<(NodeId, usize)> = Vec::new();
    for root in 0..n as NodeId {
        if index[root as usize] != NONE {
            continue;
        }
        let mut enter = Some(root);
        loop {
            if let Some(w) = enter.take() {
                index[w as usize] = next;
                low[w as usize] = next;
                next += 1;
                stack.push(w);
                on_stack[w as usize] = true;
                call.push((w, 0));
            }
            let Some(&mut (v, ref mut pos)) = call.last_mut() else {
                break;
            };
            // The next company v owns, if any.
            let edges = net.out_edge_ids(v);
            let succ = edges[*pos..]
                .iter()
                .position(|&e| net.edge(e).rel == Relation::Ownership)
                .map(|k| {
                    *pos += k + 1;
                    net.edge(edges[*pos - 1]).to
                });
            match succ {
                Some(w) if index[w as usize] == NONE => enter = Some(w),
                Some(w) => {
                    if on_stack[w as usize] {
                        low[v as usize] = low[v as usize].min(index[w as usize]);
                    }
                }
                None => {
                    call.pop();
                    if let Some(&(p, _)) = call.last() {
                        low[p as usize] = low[p as usize].min(low[v as usize]);
                    }
                    if low[v as usize] == index[v as usize] {
                        let mut comp = Vec::new();
                        while let Some(w) = stack.pop() {
                            on_stack[w as usize] = false;
                            comp.push(w);
                            if w == v {
                                break;
                            }
                        }
                        out.push(comp);
                    }
                }
            }
        }
    }
    // Tarjan emits a component after everything it reaches (the companies
    // owned): reversed, owners come first.
    out.reverse();
    out
}

/// Listed shares of every party under `regime`.
pub fn aggregate(net: &Network, regime: &Regime) -> Aggregate {
    let n = net.len();
    let mut lo = vec![0.0f64; n];
    let mut hi = vec![0.0f64; n];
    let mut cyclic = 0;
    let eval = |v: NodeId, lo: &[f64], hi: &[f64]| -> (f64, f64) {
        let node = net.node(v);
        let a: f64 = if node.listed == Listed::Yes { 1.0 } else { 0.0 };
        let b: f64 = if node.listed >= Listed::Possible {
            1.0
        } else {
            0.0
        };
        if a == 1.0 && b == 1.0 {
            return (1.0, 1.0);
        }
        let (mut x, mut y) = (0.0, 0.0);
        for (_, e) in net.incoming(v) {
            if e.rel == Relation::Ownership {
                let s = e.ownership();
                x += s.lo * lo[e.from as usize];
                y += s.hi * hi[e.from as usize];
            }
        }
        (a.max(x.min(1.0)), b.max(y.min(1.0)))
    };
    for comp in components(net) {
        if comp.len() == 1 {
            let v = comp[0];
            let (x, y) = eval(v, &lo, &hi);
            lo[v as usize] = x;
            hi[v as usize] = y;
            continue;
        }
        cyclic += 1;
        // Gauss–Seidel from below: values only grow, bounded by 1.
        for _ in 0..10_000 {
            let mut delta = 0.0f64;
            for &v in &comp {
                let (x, y) = eval(v, &lo, &hi);
                delta = delta
                    .max((x - lo[v as usize]).abs())
                    .max((y - hi[v as usize]).abs());
                lo[v as usize] = x;
                hi[v as usize] = y;
            }
            if delta < 1e-13 {
                break;
            }
        }
    }
    let mut cascade = vec![false; n];
    if regime.cascade {
        let mut held = vec![0.0f64; n];
        let mut queue: VecDeque<NodeId> = (0..n as NodeId)
            .filter(|&v| net.node(v).listed == Listed::Yes)
            .collect();
        let mut blocked: Vec<bool> = (0..n).map(|v| net.nodes[v].listed == Listed::Yes).collect();
        while let Some(v) = queue.pop_front() {
            for (_, e) in net.outgoing(v) {
                if e.rel != Relation::Ownership {
                    continue;
                }
                let c = e.to as usize;
                held[c] += e.ownership().lo;
                if !blocked[c] && regime.meets(held[c]) {
                    blocked[c] = true;
                    cascade[c] = true;
                    queue.push_back(e.to);
                }
            }
        }
    }
    Aggregate {
        lo,
        hi,
        cascade,
        cyclic_components: cyclic,
    }
}

/// One step of an ownership path: the party and the share it holds in the
/// next party of the path (the last step is the company itself).
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub key: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub holds: Option<Share>,
}

/// A chain from an ultimate owner down to the company, with its product.
#[derive(Debug, Clone, Serialize)]
pub struct OwnPath {
    pub share: Share,
    pub steps: Vec<Step>,
}

impl OwnPath {
    /// "A —60%→ B —90%→ C".
    pub fn describe(&self) -> String {
        let mut s = String::new();
        for st in &self.steps {
            s.push_str(&st.name);
            if let Some(h) = st.holds {
                s.push_str(&format!(" —{h}→ "));
            }
        }
        s
    }
}

/// An ultimate owner: listed, or a party with no recorded owners.
#[derive(Debug, Clone, Serialize)]
pub struct Owner {
    pub key: String,
    pub name: String,
    pub kind: &'static str,
    pub listed: Listed,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listed_as: Option<String>,
    /// Its share of the company, summed over every chain.
    pub share: Share,
    /// The chains that explain it (the largest first, at most `max_paths`).
    pub paths: Vec<OwnPath>,
}

/// The ultimate owners of a company.
#[derive(Debug, Clone, Serialize)]
pub struct Owners {
    pub key: String,
    pub name: String,
    pub owners: Vec<Owner>,
    /// The share held by listed owners (certain; possible ones in `hi`).
    pub listed_share: Share,
    /// The part of the company whose owners are not recorded (owners of
    /// some party on the way add up to less than 100%).
    pub unrecorded: f64,
    /// Part of the ownership runs through a cycle of cross-holdings.
    pub through_cycle: bool,
}

#[derive(Debug, Clone, Copy)]
pub struct OwnersLimits {
    /// Paths kept per owner.
    pub max_paths: usize,
    /// Paths explored in all (the figures are exact regardless).
    pub max_explored: usize,
    /// Chains whose product falls below this are not followed further.
    pub min_share: f64,
}

impl Default for OwnersLimits {
    fn default() -> Self {
        OwnersLimits {
            max_paths: 5,
            max_explored: 20_000,
            min_share: 1e-9,
        }
    }
}

/// Shares of a company's ultimate owners by pushing the company's 100% up
/// through its owners (each party's residual split by its owners'
/// shares); listed parties and parties without owners keep what reaches
/// them. Cycles return residual to a party, which is pushed again until
/// it falls below `min` (the remainder is below precision).
fn push_up(
    net: &Network,
    target: NodeId,
    absorbs: &dyn Fn(NodeId) -> bool,
    weight: &dyn Fn(Share) -> f64,
    min: f64,
) -> (FxHashMap<NodeId, f64>, f64) {
    let mut acc: FxHashMap<NodeId, f64> = FxHashMap::default();
    let mut residual: FxHashMap<NodeId, f64> = FxHashMap::default();
    let mut queue = VecDeque::new();
    let mut unrecorded = 0.0;
    residual.insert(target, 1.0);
    queue.push_back(target);
    let mut steps = 0usize;
    while let Some(v) = queue.pop_front() {
        let Some(r) = residual.remove(&v) else {
            continue;
        };
        steps += 1;
        if steps > 5_000_000 {
            // Far beyond any real registry: the rest stays unattributed.
            break;
        }
        if v != target && absorbs(v) {
            *acc.entry(v).or_default() += r;
            continue;
        }
        let mut total = 0.0;
        let mut any = false;
        for (_, e) in net.incoming(v) {
            if e.rel != Relation::Ownership {
                continue;
            }
            any = true;
            let w = weight(e.ownership());
            total += w;
            let add = r * w;
            if add <= 0.0 {
                continue;
            }
            let slot = residual.entry(e.from).or_insert(0.0);
            let was = *slot;
            *slot += add;
            if was <= min && *slot > min {
                queue.push_back(e.from);
            }
        }
        if !any {
            if v != target {
                *acc.entry(v).or_default() += r;
            } else {
                unrecorded += r;
            }
        } else if total < 1.0 {
            unrecorded += r * (1.0 - total);
        }
    }
    (acc, unrecorded)
}

/// The ultimate owners of `target` with their shares and explaining paths.
pub fn owners(net: &Network, target: NodeId, limits: OwnersLimits) -> Owners {
    let (lo_acc, unrecorded) = push_up(
        net,
        target,
        &|v| net.node(v).listed == Listed::Yes,
        &|s| s.lo,
        limits.min_share,
    );
    let (hi_acc, _) = push_up(
        net,
        target,
        &|v| net.node(v).listed >= Listed::Possible,
        &|s| s.hi,
        limits.min_share,
    );
    // Paths: simple chains up from the target, largest products first.
    let mut paths: FxHashMap<NodeId, Vec<OwnPath>> = FxHashMap::default();
    let mut through_cycle = false;
    let mut explored = 0usize;
    let mut chain: Vec<(NodeId, Share)> = vec![(target, Share::FULL)];
    walk_paths(
        net,
        &mut chain,
        Share::FULL,
        &limits,
        &mut explored,
        &mut paths,
        &mut through_cycle,
    );
    let mut keys: Vec<NodeId> = lo_acc.keys().chain(hi_acc.keys()).copied().collect();
    keys.sort_unstable();
    keys.dedup();
    let mut owners: Vec<Owner> = keys
        .into_iter()
        .map(|v| {
            let node = net.node(v);
            let mut ps = paths.remove(&v).unwrap_or_default();
            ps.sort_by(|a, b| b.share.hi.total_cmp(&a.share.hi));
            ps.truncate(limits.max_paths);
            Owner {
                key: node.key.clone(),
                name: node.name.clone(),
                kind: node.kind.as_str(),
                listed: node.listed,
                listed_as: node.listed_as.clone(),
                share: Share {
                    lo: lo_acc.get(&v).copied().unwrap_or(0.0).min(1.0),
                    hi: hi_acc.get(&v).copied().unwrap_or(0.0).min(1.0),
                },
                paths: ps,
            }
        })
        .collect();
    owners.sort_by(|a, b| {
        b.listed
            .cmp(&a.listed)
            .then(b.share.hi.total_cmp(&a.share.hi))
            .then(a.key.cmp(&b.key))
    });
    let listed_lo: f64 = owners
        .iter()
        .filter(|o| o.listed == Listed::Yes)
        .map(|o| o.share.lo)
        .sum();
    let listed_hi: f64 = owners
        .iter()
        .filter(|o| o.listed >= Listed::Possible)
        .map(|o| o.share.hi)
        .sum();
    let t = net.node(target);
    let self_listed = match t.listed {
        Listed::Yes => Share::FULL,
        Listed::Possible => Share { lo: 0.0, hi: 1.0 },
        Listed::No => Share::exact(0.0),
    };
    Owners {
        key: t.key.clone(),
        name: t.name.clone(),
        owners,
        listed_share: Share {
            lo: listed_lo.min(1.0).max(self_listed.lo),
            hi: listed_hi.min(1.0).max(self_listed.hi),
        },
        unrecorded,
        through_cycle,
    }
}

fn walk_paths(
    net: &Network,
    chain: &mut Vec<(NodeId, Share)>,
    product: Share,
    limits: &OwnersLimits,
    explored: &mut usize,
    out: &mut FxHashMap<NodeId, Vec<OwnPath>>,
    through_cycle: &mut bool,
) {
    let Some(&(v, _)) = chain.last() else { return };
    let owners: Vec<(NodeId, Share)> = net
        .incoming(v)
        .filter(|(_, e)| e.rel == Relation::Ownership)
        .map(|(_, e)| (e.from, e.ownership()))
        .collect();
    let is_top = chain.len() > 1 && (owners.is_empty() || net.node(v).listed >= Listed::Possible);
    if is_top {
        let mut steps: Vec<Step> = Vec::with_capacity(chain.len());
        for i in (0..chain.len()).rev() {
            let (n, _) = chain[i];
            let node = net.node(n);
            steps.push(Step {
                key: node.key.clone(),
                name: node.name.clone(),
                holds: (i > 0).then(|| chain[i].1),
            });
        }
        let list = out.entry(v).or_default();
        if list.len() < limits.max_paths * 4 {
            list.push(OwnPath {
                share: product,
                steps,
            });
        }
        return;
    }
    for (o, s) in owners {
        if *explored >= limits.max_explored {
            return;
        }
        if chain.iter().any(|&(c, _)| c == o) {
            *through_cycle = true;
            continue;
        }
        let p = Share {
            lo: product.lo * s.lo,
            hi: product.hi * s.hi,
        };
        if p.hi < limits.min_share {
            continue;
        }
        *explored += 1;
        chain.push((o, s));
        walk_paths(net, chain, p, limits, explored, out, through_cycle);
        chain.pop();
    }
}

/// A company's standing under a regime.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// On a list itself.
    Listed,
    /// Blocked by ownership or control.
    Blocked,
    /// Not blocked, but an analyst must look.
    Review,
    Clear,
}

/// A listed party directing, controlling or represented by the company.
#[derive(Debug, Clone, Serialize)]
pub struct ControlLink {
    pub key: String,
    pub name: String,
    pub listed: Listed,
    pub relation: &'static str,
    pub evidence: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Assessment {
    pub key: String,
    pub name: String,
    pub regime: String,
    pub status: Status,
    /// The aggregated listed share (multiplied along chains, summed).
    pub listed_share: Share,
    /// Blocked by OFAC's cascade (owned at the threshold directly by
    /// listed or blocked parties).
    pub cascade: bool,
    pub controllers: Vec<ControlLink>,
    pub reasons: Vec<String>,
}

/// Listed parties that direct, control or act for the company, or for
/// which it acts.
pub fn controllers(net: &Network, v: NodeId) -> Vec<ControlLink> {
    let mut out = Vec::new();
    for (_, e) in net.incoming(v) {
        let other = net.node(e.from);
        if matches!(
            e.rel,
            Relation::Director | Relation::Control | Relation::ActsFor
        ) && other.listed >= Listed::Possible
        {
            out.push(ControlLink {
                key: other.key.clone(),
                name: other.name.clone(),
                listed: other.listed,
                relation: e.rel.as_str(),
                evidence: e.evidence.to_string(),
            });
        }
    }
    for (_, e) in net.outgoing(v) {
        let other = net.node(e.to);
        if e.rel == Relation::ActsFor && other.listed >= Listed::Possible {
            out.push(ControlLink {
                key: other.key.clone(),
                name: other.name.clone(),
                listed: other.listed,
                relation: "principal (the company acts for it)",
                evidence: e.evidence.to_string(),
            });
        }
    }
    out
}

/// Assesses one party from the aggregate.
pub fn assess(net: &Network, agg: &Aggregate, regime: &Regime, v: NodeId) -> Assessment {
    let node = net.node(v);
    let share = Share {
        lo: agg.lo[v as usize],
        hi: agg.hi[v as usize],
    };
    let ctl = controllers(net, v);
    let mut reasons = Vec::new();
    let status = if node.listed == Listed::Yes {
        reasons.push(match &node.listed_as {
            Some(id) if *id != node.key => format!("the same as listed {id}"),
            _ => "on an active list".to_string(),
        });
        Status::Listed
    } else {
        let rule = if regime.inclusive { "≥" } else { ">" };
        let mut blocked = false;
        let mut review = false;
        if regime.meets(share.lo) {
            blocked = true;
            reasons.push(format!(
                "listed parties own {} in aggregate ({rule} {} under {})",
                pct(share.lo),
                pct(regime.threshold),
                regime.name
            ));
        }
        if agg.cascade[v as usize] {
            blocked = true;
            reasons.push(format!(
                "owned {rule} {} directly by listed or blocked parties (blocked ownership cascades under {})",
                pct(regime.threshold),
                regime.name
            ));
        }
        for c in &ctl {
            if regime.control_blocks && c.listed == Listed::Yes && c.relation != "acts for" {
                blocked = true;
                reasons.push(format!(
                    "{} by listed {} ({}): control blocks under {}",
                    c.relation, c.name, c.key, regime.name
                ));
            } else {
                review = true;
                reasons.push(format!(
                    "{} {} ({}{})",
                    c.relation,
                    c.name,
                    c.key,
                    if c.listed == Listed::Possible {
                        ", possibly listed"
                    } else {
                        ", listed"
                    }
                ));
            }
        }
        if !blocked {
            if regime.meets(share.hi) {
                review = true;
                reasons.push(format!(
                    "listed parties may own up to {} (bands or possible listings)",
                    pct(share.hi)
                ));
            } else if share.lo >= regime.review_at - EPS {
                review = true;
                reasons.push(format!(
                    "listed parties own {}: below the {} threshold, at or above the review level {}",
                    pct(share.lo),
                    regime.name,
                    pct(regime.review_at)
                ));
            }
        }
        if node.listed == Listed::Possible {
            review = true;
            reasons.push(format!(
                "possibly the same as listed {}",
                node.listed_as.as_deref().unwrap_or("?")
            ));
        }
        if blocked {
            Status::Blocked
        } else if review {
            Status::Review
        } else {
            Status::Clear
        }
    };
    Assessment {
        key: node.key.clone(),
        name: node.name.clone(),
        regime: regime.name.clone(),
        status,
        listed_share: share,
        cascade: agg.cascade[v as usize],
        controllers: ctl,
        reasons,
    }
}
