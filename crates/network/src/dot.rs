//! The network around a party in Graphviz DOT, for a case file: listed
//! parties red, blocked ones orange, the party itself bold; ownership edges
//! labelled with their shares, others with the relation.

use crate::graph::{Listed, Network, NodeId};
use crate::ownership::{Aggregate, Regime};
use rustc_hash::FxHashMap;
use std::collections::VecDeque;

fn quote(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + 2);
    o.push('"');
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

/// Parties within `radius` edges of `center` (at most `max_nodes`).
pub fn neighbourhood(
    net: &Network,
    center: NodeId,
    radius: usize,
    max_nodes: usize,
) -> Vec<NodeId> {
    let mut dist: FxHashMap<NodeId, usize> = FxHashMap::default();
    let mut order = vec![center];
    dist.insert(center, 0);
    let mut q = VecDeque::from([center]);
    while let Some(v) = q.pop_front() {
        let d = dist[&v];
        if d == radius {
            continue;
        }
        for (_, w) in net.around(v) {
            if order.len() >= max_nodes {
                return order;
            }
            if let std::collections::hash_map::Entry::Vacant(e) = dist.entry(w) {
                e.insert(d + 1);
                order.push(w);
                q.push_back(w);
            }
        }
    }
    order
}

/// DOT text of the network within `radius` of `center`.
pub fn to_dot(
    net: &Network,
    agg: &Aggregate,
    regime: &Regime,
    center: NodeId,
    radius: usize,
) -> String {
    let nodes = neighbourhood(net, center, radius, 200);
    let set: FxHashMap<NodeId, usize> = nodes.iter().enumerate().map(|(i, &n)| (n, i)).collect();
    let mut s = String::from("digraph network {\n  rankdir=TB;\n  node [shape=box, style=\"rounded,filled\", fillcolor=white, fontname=\"Helvetica\"];\n  edge [fontname=\"Helvetica\", fontsize=10];\n");
    for (i, &v) in nodes.iter().enumerate() {
        let n = net.node(v);
        let blocked = regime.meets(agg.lo[v as usize]) || agg.cascade[v as usize];
        let fill = match n.listed {
            Listed::Yes => "#f4b6b6",
            Listed::Possible => "#f7d9a8",
            Listed::No if blocked => "#fbd38d",
            Listed::No => "white",
        };
        let mut label = format!("{}\n{}", n.name, n.key);
        if !n.countries.is_empty() {
            label.push_str(&format!("\n{}", n.countries.join(", ")));
        }
        if n.listed != Listed::Yes && agg.lo[v as usize] > 0.0 {
            label.push_str(&format!(
                "\nlisted share {}",
                crate::share::pct(agg.lo[v as usize])
            ));
        }
        let shape = if n.kind == crate::graph::NodeKind::Person {
            ", shape=ellipse"
        } else {
            ""
        };
        let bold = if v == center { ", penwidth=3" } else { "" };
        s.push_str(&format!(
            "  n{i} [label={}, fillcolor={}{shape}{bold}];\n",
            quote(&label),
            quote(fill)
        ));
    }
    // Each edge once, from its start, in the order the parties were met.
    for (a, &v) in nodes.iter().enumerate() {
        for (_, e) in net.outgoing(v) {
            let Some(b) = set.get(&e.to) else {
                continue;
            };
            let label = match e.share {
                Some(sh) => sh.to_string(),
                None => e.rel.as_str().to_string(),
            };
            let style = if e.rel.directed() {
                ""
            } else {
                ", dir=none, style=dashed"
            };
            s.push_str(&format!(
                "  n{a} -> n{b} [label={}{style}];\n",
                quote(&label)
            ));
        }
    }
    s.push_str("}\n");
    s
}
