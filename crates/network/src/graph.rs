//! The network: parties (list entities, registry companies and people,
//! customers) and typed edges between them, with adjacency both ways.
//!
//! Edge directions: ownership, directorship and control point from the
//! holder to the company (`owner → company`); `acts_for` from the agent to
//! its principal; family, association, shared address or identifier and
//! `same_as` are symmetric and stored once.

use crate::share::Share;
use rustc_hash::FxHashMap;
use serde::Serialize;

pub type NodeId = u32;
pub type EdgeId = u32;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NodeKind {
    Person,
    Organization,
    Vessel,
    Unknown,
}

impl NodeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NodeKind::Person => "person",
            NodeKind::Organization => "organization",
            NodeKind::Vessel => "vessel",
            NodeKind::Unknown => "unknown",
        }
    }
}

/// Where a party comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// An entity of an active sanctions list: listed.
    List,
    /// A company or person of a registry extract.
    Registry,
    /// A customer of the exchange.
    Customer,
}

/// How sure it is that a party is listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Listed {
    #[default]
    No,
    /// The same as a listed entity by a name match below certainty.
    Possible,
    /// A list entity, or referred to by its id, or the same by exact name.
    Yes,
}

#[derive(Debug, Clone, Serialize)]
pub struct Node {
    /// `ofac-sdn:12345`, `registry:<name key>`, `customer:<id>`.
    pub key: String,
    pub name: String,
    pub kind: NodeKind,
    pub origin: Origin,
    pub listed: Listed,
    /// The listed entity that makes this party listed (itself for a list
    /// entity; the entity it is the same as otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listed_as: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub countries: Vec<String>,
    /// Date of incorporation (`YYYY-MM-DD`, or a year or month).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registered: Option<String>,
    /// Registered addresses, as written.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<String>,
    /// Registration numbers and identity documents.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub identifiers: Vec<String>,
    /// Crypto wallet addresses.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub wallets: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    Ownership,
    Director,
    Control,
    ActsFor,
    Family,
    LinkedTo,
    SharedAddress,
    SharedIdentifier,
    SameAs,
}

impl Relation {
    pub fn as_str(self) -> &'static str {
        match self {
            Relation::Ownership => "owns",
            Relation::Director => "director of",
            Relation::Control => "controls",
            Relation::ActsFor => "acts for",
            Relation::Family => "family",
            Relation::LinkedTo => "linked to",
            Relation::SharedAddress => "shares address",
            Relation::SharedIdentifier => "shares identifier",
            Relation::SameAs => "same as",
        }
    }

    /// Directed relations read from holder to held.
    pub fn directed(self) -> bool {
        matches!(
            self,
            Relation::Ownership | Relation::Director | Relation::Control | Relation::ActsFor
        )
    }
}

/// Where an edge was stated.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "from", rename_all = "snake_case")]
pub enum Evidence {
    /// A list entity's links (its id; the wording when known).
    List { entity: String, text: String },
    /// A registry file's row.
    Registry {
        file: std::sync::Arc<str>,
        line: u64,
    },
    /// A name match (score and how).
    Match { score: f64, how: String },
}

impl std::fmt::Display for Evidence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Evidence::List { entity, text } if text.is_empty() => write!(f, "list {entity}"),
            Evidence::List { entity, text } => write!(f, "list {entity}: {text}"),
            Evidence::Registry { file, line } => write!(f, "{file}: line {line}"),
            Evidence::Match { score, how } => write!(f, "{how} (score {score:.2})"),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Edge {
    pub from: NodeId,
    pub to: NodeId,
    pub rel: Relation,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub share: Option<Share>,
    pub evidence: Evidence,
}

impl Edge {
    /// The share an ownership edge carries (unknown when not stated).
    pub fn ownership(&self) -> Share {
        self.share.unwrap_or(Share::UNKNOWN)
    }
}

/// The built network, with each node's edges in and out in CSR form.
#[derive(Debug, Default)]
pub struct Network {
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
    by_key: FxHashMap<String, NodeId>,
    in_start: Vec<u32>,
    in_edges: Vec<EdgeId>,
    out_start: Vec<u32>,
    out_edges: Vec<EdgeId>,
}

impl Network {
    pub(crate) fn assemble(
        nodes: Vec<Node>,
        edges: Vec<Edge>,
        by_key: FxHashMap<String, NodeId>,
    ) -> Network {
        let n = nodes.len();
        let csr = |pick: &dyn Fn(&Edge) -> NodeId| {
            let mut start = vec![0u32; n + 1];
            for e in &edges {
                start[pick(e) as usize + 1] += 1;
            }
            for i in 0..n {
                start[i + 1] += start[i];
            }
            let mut fill = start.clone();
            let mut list = vec![0 as EdgeId; edges.len()];
            for (i, e) in edges.iter().enumerate() {
                let k = pick(e) as usize;
                list[fill[k] as usize] = i as EdgeId;
                fill[k] += 1;
            }
            (start, list)
        };
        let (in_start, in_edges) = csr(&|e| e.to);
        let (out_start, out_edges) = csr(&|e| e.from);
        Network {
            nodes,
            edges,
            by_key,
            in_start,
            in_edges,
            out_start,
            out_edges,
        }
    }

    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id as usize]
    }

    pub fn edge(&self, id: EdgeId) -> &Edge {
        &self.edges[id as usize]
    }

    pub fn find(&self, key: &str) -> Option<NodeId> {
        self.by_key.get(key).copied()
    }

    /// A party by key (`ofac-sdn:123`, `customer:C1`, `registry:...`) or by
    /// name (exact after folding case, spaces and punctuation); several
    /// parties of that name are all returned.
    pub fn lookup(&self, text: &str) -> Vec<NodeId> {
        if let Some(id) = self.find(text.trim()) {
            return vec![id];
        }
        if let Some(id) = self.find(&registry_key(text)) {
            return vec![id];
        }
        let key = name_key(text);
        if key.is_empty() {
            return Vec::new();
        }
        (0..self.nodes.len() as NodeId)
            .filter(|&i| name_key(&self.nodes[i as usize].name) == key)
            .collect()
    }

    /// Edges ending at a node (its owners, directors, controllers...).
    pub fn incoming(&self, id: NodeId) -> impl Iterator<Item = (EdgeId, &Edge)> + '_ {
        let (a, b) = (
            self.in_start[id as usize] as usize,
            self.in_start[id as usize + 1] as usize,
        );
        self.in_edges[a..b]
            .iter()
            .map(move |&e| (e, &self.edges[e as usize]))
    }

    /// The ids of the edges starting at a node, as stored.
    pub fn out_edge_ids(&self, id: NodeId) -> &[EdgeId] {
        &self.out_edges
            [self.out_start[id as usize] as usize..self.out_start[id as usize + 1] as usize]
    }

    /// Edges starting at a node (what it owns, directs, controls...).
    pub fn outgoing(&self, id: NodeId) -> impl Iterator<Item = (EdgeId, &Edge)> + '_ {
        self.out_edge_ids(id)
            .iter()
            .map(move |&e| (e, &self.edges[e as usize]))
    }

    /// Every edge touching a node, with the node at the other end.
    pub fn around(&self, id: NodeId) -> impl Iterator<Item = (EdgeId, NodeId)> + '_ {
        self.incoming(id)
            .map(|(e, x)| (e, x.from))
            .chain(self.outgoing(id).map(|(e, x)| (e, x.to)))
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }
}

/// A name folded for exact comparison: lower case, punctuation and runs of
/// spaces to one space, trimmed ("ALPHA-HOLDINGS  Pte. Ltd" and "alpha
/// holdings pte ltd" are one key). Letters of every script are kept.
pub fn name_key(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut space = false;
    for c in name.chars() {
        if c.is_alphanumeric() {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.extend(c.to_lowercase());
        } else if c == '\'' || c == '’' {
            // O'Brien = OBrien
        } else {
            space = true;
        }
    }
    out
}

/// The key under which addresses are compared (a name key; `None` when
/// too short to mean one place).
pub fn address_key(address: &str) -> Option<String> {
    Some(name_key(address)).filter(|k| k.len() >= 8)
}

/// The key under which identifiers are compared: letters and digits,
/// upper case (`None` when too short to identify anything).
pub fn identifier_key(id: &str) -> Option<String> {
    let k: String = id
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_uppercase)
        .collect();
    Some(k).filter(|k| k.len() >= 5)
}

/// The key of a registry party named `name`.
pub fn registry_key(name: &str) -> String {
    format!("registry:{}", name_key(name))
}
