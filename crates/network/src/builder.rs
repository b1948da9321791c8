//! Building the network from list entities, registry rows and customers.
//!
//! List entities come first: registry rows may refer to them by id
//! (`ofac-sdn:21171`), and an unknown id is an error naming the row. A
//! registry name that is exactly the name of a list entity (any of its
//! names, folded) becomes `same_as` that entity: certain (`Listed::Yes`)
//! when the registry gives the company's country and the entity has it,
//! `Possible` otherwise. Customers join the registry party of the same name.
//!
//! Duplicates: the same relation between the same two parties stated
//! twice with the same share is kept once (counted in the report); with
//! different shares it is an error naming both lines. A company whose
//! stated owners hold more than 100% (lower bounds) is an error naming the
//! company and its rows. Cycles of cross-holdings are allowed (see
//! `ownership`).

use crate::graph::{
    address_key, identifier_key, name_key, registry_key, Edge, Evidence, Listed, Network, Node,
    NodeId, NodeKind, Origin, Relation,
};
use crate::registry::RegistryRow;
use crate::share::{Share, EPS};
use crate::NetworkError;
use kansa_model::{Entity, EntityKind, LinkKind};
use rustc_hash::FxHashMap;
use serde::Serialize;
use std::collections::BTreeMap;

/// What building found: links by kind and how they were resolved.
#[derive(Debug, Clone, Default, Serialize)]
pub struct BuildReport {
    pub list_entities: usize,
    pub registry_rows: usize,
    pub customers: usize,
    /// Links stated in the lists, by kind (`linked_to`, `owned_by`...).
    pub list_links: BTreeMap<String, usize>,
    /// Of those, resolved to a listed entity by its id.
    pub resolved_by_id: usize,
    /// Resolved by the other party's exact name (OFAC "Linked To: NAME").
    pub resolved_by_name: usize,
    /// Names matching several entities (not linked).
    pub ambiguous: usize,
    /// Names or ids matching no entity of the active lists.
    pub unresolved: usize,
    /// A few unresolved names, for the report.
    pub unresolved_examples: Vec<String>,
    /// The same link stated from both sides, or a row repeated.
    pub duplicates: usize,
    /// Edges in the network, by relation.
    pub edges: BTreeMap<String, usize>,
    /// Registry parties the same as a list entity by exact name.
    pub same_as_list: usize,
}

#[derive(Debug, Default)]
pub struct NetworkBuilder {
    nodes: Vec<Node>,
    by_key: FxHashMap<String, NodeId>,
    edges: Vec<Edge>,
    /// (from, to, relation) → edge, for duplicates.
    seen: FxHashMap<(NodeId, NodeId, Relation), usize>,
    /// Name key → list entities having that name.
    list_names: FxHashMap<String, Vec<NodeId>>,
    /// List links waiting for every entity: (from entity, link).
    pending: Vec<(NodeId, kansa_model::Link)>,
    /// Name matches from screening, applied last.
    matches: Vec<Edge>,
    report: BuildReport,
}

fn kind_of(k: EntityKind) -> NodeKind {
    match k {
        EntityKind::Person => NodeKind::Person,
        EntityKind::Organization => NodeKind::Organization,
        EntityKind::Vessel | EntityKind::Aircraft => NodeKind::Vessel,
        EntityKind::Unknown => NodeKind::Unknown,
    }
}

fn push_unique(v: &mut Vec<String>, s: &str) {
    if !s.is_empty() && !v.iter().any(|x| x == s) {
        v.push(s.to_string());
    }
}

impl NetworkBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    fn add_node(&mut self, node: Node) -> NodeId {
        let id = self.nodes.len() as NodeId;
        self.by_key.insert(node.key.clone(), id);
        self.nodes.push(node);
        id
    }

    /// Adds an edge unless the same relation between the same parties is
    /// there already; `Err` carries the earlier edge's evidence when the
    /// shares differ.
    fn add_edge(&mut self, edge: Edge) -> Result<(), Evidence> {
        let (a, b) = if edge.rel.directed() || edge.from < edge.to {
            (edge.from, edge.to)
        } else {
            (edge.to, edge.from)
        };
        if a == b {
            return Ok(());
        }
        if let Some(&i) = self.seen.get(&(a, b, edge.rel)) {
            let old_list = matches!(self.edges[i].evidence, Evidence::List { .. });
            let new_list = matches!(edge.evidence, Evidence::List { .. });
            let unknown = |s: Option<Share>| s.is_none_or(|s| s == Share::UNKNOWN);
            let same = match (self.edges[i].share, edge.share) {
                (Some(x), Some(y)) if (x.lo - y.lo).abs() < EPS && (x.hi - y.hi).abs() < EPS => {
                    true
                }
                (None, None) => true,
                // A list's unquantified "owned by" next to a stated share:
                // keep the stated share.
                (old, _) if old_list && unknown(old) => {
                    self.edges[i].share = edge.share;
                    true
                }
                (_, new) => new_list && unknown(new),
            };
            self.report.duplicates += 1;
            return if same {
                Ok(())
            } else {
                Err(self.edges[i].evidence.clone())
            };
        }
        self.seen.insert((a, b, edge.rel), self.edges.len());
        self.edges.push(edge);
        Ok(())
    }

    /// Adds the entities of the active lists (listed parties) with their
    /// links; links are resolved in [`NetworkBuilder::build`], once every
    /// entity is known.
    pub fn add_entities<'a>(&mut self, entities: impl IntoIterator<Item = &'a Entity>) {
        for e in entities {
            let key = e.id.to_string();
            if self.by_key.contains_key(&key) {
                continue;
            }
            let mut countries = Vec::new();
            for c in e.countries.iter().chain(e.nationalities.iter()) {
                push_unique(&mut countries, c);
            }
            for a in &e.addresses {
                if let Some(c) = &a.country {
                    push_unique(&mut countries, c);
                }
            }
            let addresses: Vec<String> = e
                .addresses
                .iter()
                .filter_map(|a| {
                    let parts: Vec<&str> = [&a.street, &a.city, &a.postal_code]
                        .into_iter()
                        .filter_map(|p| p.as_deref())
                        .collect();
                    // A city alone is not an address worth comparing.
                    (a.street.is_some() && !parts.is_empty()).then(|| parts.join(", "))
                })
                .collect();
            let node = Node {
                key: key.clone(),
                name: e.primary_name().unwrap_or(&key).to_string(),
                kind: kind_of(e.kind),
                origin: Origin::List,
                listed: if e.target { Listed::Yes } else { Listed::No },
                listed_as: e.target.then(|| key.clone()),
                countries,
                registered: None,
                addresses,
                identifiers: e.documents.iter().map(|d| d.number.clone()).collect(),
                wallets: e
                    .crypto_addresses
                    .iter()
                    .map(|c| c.address.clone())
                    .collect(),
            };
            let id = self.add_node(node);
            for n in &e.names {
                let k = name_key(&n.full);
                if !k.is_empty() {
                    let v = self.list_names.entry(k).or_default();
                    if !v.contains(&id) {
                        v.push(id);
                    }
                }
            }
            for l in &e.links {
                self.pending.push((id, l.clone()));
            }
            self.report.list_entities += 1;
        }
    }

    /// Resolves a registry cell: an entity id of the lists (or a customer
    /// id, `customer:ID`) or a registry party's name.
    fn party(
        &mut self,
        text: &str,
        kind: NodeKind,
        file: &str,
        line: u64,
    ) -> Result<NodeId, NetworkError> {
        let t = text.trim();
        if is_reference(t) {
            return self.by_key.get(t).copied().ok_or_else(|| NetworkError::Row {
                file: file.to_string(),
                line,
                msg: format!(
                    "unknown entity reference {t:?} (not in the active lists; import the list that holds it, or write the name)"
                ),
            });
        }
        let key = registry_key(t);
        if let Some(&id) = self.by_key.get(&key) {
            let n = &mut self.nodes[id as usize];
            if n.kind == NodeKind::Unknown {
                n.kind = kind;
            }
            return Ok(id);
        }
        Ok(self.add_node(Node {
            key,
            name: t.to_string(),
            kind,
            origin: Origin::Registry,
            listed: Listed::No,
            listed_as: None,
            countries: Vec::new(),
            registered: None,
            addresses: Vec::new(),
            identifiers: Vec::new(),
            wallets: Vec::new(),
        }))
    }

    /// Adds a registry extract's rows (after the list entities).
    pub fn add_registry(&mut self, file: &str, rows: &[RegistryRow]) -> Result<(), NetworkError> {
        let row_err = |line: u64, msg: String| NetworkError::Row {
            file: file.to_string(),
            line,
            msg,
        };
        let mut first_line: FxHashMap<NodeId, u64> = FxHashMap::default();
        let shared_file: std::sync::Arc<str> = file.into();
        for r in rows {
            let company = self.party(&r.company, NodeKind::Organization, file, r.line)?;
            first_line.entry(company).or_insert(r.line);
            {
                let n = &mut self.nodes[company as usize];
                if n.origin == Origin::Registry {
                    n.kind = NodeKind::Organization;
                }
                if let Some(c) = &r.country {
                    push_unique(&mut n.countries, c);
                }
                if let Some(d) = &r.registration_date {
                    match &n.registered {
                        Some(old) if old != d => {
                            return Err(row_err(
                                r.line,
                                format!(
                                    "field registration_date: {d} conflicts with {old} given earlier for {:?}",
                                    r.company
                                ),
                            ))
                        }
                        _ => n.registered = Some(d.clone()),
                    }
                }
                for (v, s) in [
                    (&mut n.addresses, &r.address),
                    (&mut n.identifiers, &r.identifier),
                    (&mut n.wallets, &r.wallet),
                ] {
                    if let Some(s) = s {
                        push_unique(v, s);
                    }
                }
            }
            let Some(rel) = r.relation else { continue };
            let kind = r
                .owner_kind
                .unwrap_or(if kansa_text::looks_like_organization(&r.owner) {
                    NodeKind::Organization
                } else if rel == Relation::Director || rel == Relation::Family {
                    NodeKind::Person
                } else {
                    NodeKind::Unknown
                });
            let owner = self.party(&r.owner, kind, file, r.line)?;
            if owner == company {
                return Err(row_err(
                    r.line,
                    format!("{:?} is its own {}", r.company, rel.as_str()),
                ));
            }
            let edge = Edge {
                from: owner,
                to: company,
                rel,
                share: if rel == Relation::Ownership {
                    Some(r.share.unwrap_or(Share::UNKNOWN))
                } else {
                    None
                },
                evidence: Evidence::Registry {
                    file: shared_file.clone(),
                    line: r.line,
                },
            };
            if let Err(old) = self.add_edge(edge) {
                return Err(row_err(
                    r.line,
                    format!(
                        "{:?} {} {:?} again with another share (first stated at {old})",
                        r.owner,
                        rel.as_str(),
                        r.company
                    ),
                ));
            }
            self.report.registry_rows += 1;
        }
        // No company is owned more than whole (one pass over the edges).
        let mut totals: FxHashMap<NodeId, f64> = FxHashMap::default();
        for e in &self.edges {
            if e.rel == Relation::Ownership && first_line.contains_key(&e.to) {
                *totals.entry(e.to).or_default() += e.ownership().lo;
            }
        }
        let mut over: Vec<(u64, NodeId, f64)> = totals
            .into_iter()
            .filter(|&(_, t)| t > 1.0 + EPS)
            .map(|(c, t)| (first_line[&c], c, t))
            .collect();
        over.sort_by_key(|x| x.0);
        if let Some(&(line, company, total)) = over.first() {
            let mut lines = Vec::new();
            for e in &self.edges {
                if e.to == company && e.rel == Relation::Ownership {
                    if let Evidence::Registry { line, .. } = e.evidence {
                        lines.push(line.to_string());
                    }
                }
            }
            return Err(row_err(
                line,
                format!(
                    "the owners of {:?} hold {} in all (lines {}): more than 100%",
                    self.nodes[company as usize].name,
                    crate::share::pct(total),
                    lines.join(", ")
                ),
            ));
        }
        Ok(())
    }

    /// Adds a customer; a customer named exactly as a registry party (and
    /// of its country, when both are known) is that party.
    pub fn add_customer(&mut self, id: &str, name: &str, kind: NodeKind, country: Option<&str>) {
        let key = format!("customer:{id}");
        if self.by_key.contains_key(&key) {
            return;
        }
        self.report.customers += 1;
        if let Some(&r) = self.by_key.get(&registry_key(name)) {
            let n = &self.nodes[r as usize];
            let agrees = match country {
                Some(c) => n.countries.is_empty() || n.countries.iter().any(|x| x == c),
                None => true,
            };
            if agrees {
                self.by_key.insert(key, r);
                return;
            }
        }
        self.add_node(Node {
            key,
            name: name.to_string(),
            kind,
            origin: Origin::Customer,
            listed: Listed::No,
            listed_as: None,
            countries: country.map(|c| vec![c.to_string()]).unwrap_or_default(),
            registered: None,
            addresses: Vec::new(),
            identifiers: Vec::new(),
            wallets: Vec::new(),
        });
    }

    /// States that a party is the same as a listed entity by a name match
    /// (screening), at `score`; a score of 1 with agreeing country is certain.
    /// Applied after the exact-name joins of [`NetworkBuilder::build`], so
    /// that a certain join is not hidden behind a weaker match.
    pub fn same_as(&mut self, key: &str, entity: &str, score: f64, how: &str) -> bool {
        let (Some(&a), Some(&b)) = (self.by_key.get(key), self.by_key.get(entity)) else {
            return false;
        };
        self.matches.push(Edge {
            from: a,
            to: b,
            rel: Relation::SameAs,
            share: None,
            evidence: Evidence::Match {
                score,
                how: how.to_string(),
            },
        });
        true
    }

    fn link_list(&mut self, from: NodeId, link: kansa_model::Link) {
        let kind_name = match link.kind {
            LinkKind::LinkedTo => "linked_to",
            LinkKind::OwnedBy => "owned_by",
            LinkKind::Owns => "owns",
            LinkKind::Director => "director",
            LinkKind::Family => "family",
            LinkKind::Controls => "controls",
            LinkKind::ControlledBy => "controlled_by",
            LinkKind::ActsFor => "acts_for",
            LinkKind::Other => "other",
        };
        *self
            .report
            .list_links
            .entry(kind_name.to_string())
            .or_default() += 1;
        let target = match &link.target_id {
            Some(id) => match self.by_key.get(id.as_str()) {
                Some(&t) => {
                    self.report.resolved_by_id += 1;
                    t
                }
                None => {
                    self.unresolved(&link.target_name);
                    return;
                }
            },
            None => {
                let k = name_key(&link.target_name);
                let cands = self.list_names.get(&k).cloned().unwrap_or_default();
                let src = self.nodes[from as usize]
                    .key
                    .split_once(':')
                    .map(|(s, _)| s.to_string())
                    .unwrap_or_default();
                let same_src: Vec<NodeId> = cands
                    .iter()
                    .copied()
                    .filter(|&c| self.nodes[c as usize].key.starts_with(&format!("{src}:")))
                    .collect();
                let pick = if same_src.len() == 1 {
                    same_src
                } else if same_src.is_empty() {
                    cands
                } else {
                    same_src
                };
                match pick.len() {
                    1 => {
                        self.report.resolved_by_name += 1;
                        pick[0]
                    }
                    0 => {
                        self.unresolved(&link.target_name);
                        return;
                    }
                    _ => {
                        self.report.ambiguous += 1;
                        return;
                    }
                }
            }
        };
        let share = link
            .share
            .as_deref()
            .and_then(|s| Share::parse_percent(s).ok().flatten());
        let (a, b, rel) = match link.kind {
            LinkKind::OwnedBy => (target, from, Relation::Ownership),
            LinkKind::Owns => (from, target, Relation::Ownership),
            LinkKind::Director => (target, from, Relation::Director),
            LinkKind::Controls => (from, target, Relation::Control),
            LinkKind::ControlledBy => (target, from, Relation::Control),
            LinkKind::ActsFor => (from, target, Relation::ActsFor),
            LinkKind::Family => (from, target, Relation::Family),
            LinkKind::LinkedTo | LinkKind::Other => (from, target, Relation::LinkedTo),
        };
        let evidence = Evidence::List {
            entity: self.nodes[from as usize].key.clone(),
            text: format!("{kind_name} {}", link.target_name),
        };
        let _ = self.add_edge(Edge {
            from: a,
            to: b,
            rel,
            share: (rel == Relation::Ownership).then(|| share.unwrap_or(Share::UNKNOWN)),
            evidence,
        });
    }

    fn unresolved(&mut self, name: &str) {
        self.report.unresolved += 1;
        if self.report.unresolved_examples.len() < 10 {
            self.report.unresolved_examples.push(name.to_string());
        }
    }

    /// Resolves the lists' links, joins registry parties to list entities
    /// of the same name, and returns the network with what was found.
    pub fn build(mut self) -> (Network, BuildReport) {
        for (from, link) in std::mem::take(&mut self.pending) {
            self.link_list(from, link);
        }
        // Registry parties named exactly as a list entity.
        let mut joins = Vec::new();
        for (i, n) in self.nodes.iter().enumerate() {
            if n.origin == Origin::List {
                continue;
            }
            if let Some(cands) = self.list_names.get(&name_key(&n.name)) {
                for &c in cands {
                    let e = &self.nodes[c as usize];
                    let kinds_agree = n.kind == NodeKind::Unknown
                        || e.kind == NodeKind::Unknown
                        || n.kind == e.kind;
                    if !kinds_agree {
                        continue;
                    }
                    let country = !n.countries.is_empty()
                        && n.countries.iter().any(|x| e.countries.contains(x));
                    joins.push((i as NodeId, c, country));
                }
            }
        }
        for (a, b, country) in joins {
            let how = if country {
                "exact name and country"
            } else {
                "exact name"
            };
            if self
                .add_edge(Edge {
                    from: a,
                    to: b,
                    rel: Relation::SameAs,
                    share: None,
                    evidence: Evidence::Match {
                        score: 1.0,
                        how: how.to_string(),
                    },
                })
                .is_ok()
            {
                self.report.same_as_list += 1;
            }
        }
        // Registry parties at a listed party's address or with its identifier.
        let keys = |n: &Node| -> Vec<(bool, String)> {
            let addrs = n.addresses.iter().filter_map(|a| address_key(a));
            let ids = n.identifiers.iter().filter_map(|d| identifier_key(d));
            addrs
                .map(|k| (true, k))
                .chain(ids.map(|k| (false, k)))
                .collect()
        };
        let mut at: FxHashMap<(bool, String), Vec<NodeId>> = FxHashMap::default();
        for (i, n) in self.nodes.iter().enumerate() {
            if n.origin == Origin::List {
                for k in keys(n) {
                    at.entry(k).or_default().push(i as NodeId);
                }
            }
        }
        let mut shared = Vec::new();
        for (i, n) in self.nodes.iter().enumerate() {
            if n.origin == Origin::List {
                continue;
            }
            for k in keys(n) {
                for &l in at.get(&k).into_iter().flatten() {
                    let (rel, what) = if k.0 {
                        (Relation::SharedAddress, "address")
                    } else {
                        (Relation::SharedIdentifier, "identifier")
                    };
                    shared.push(Edge {
                        from: i as NodeId,
                        to: l,
                        rel,
                        share: None,
                        evidence: Evidence::Match {
                            score: 1.0,
                            how: format!("the same {what}"),
                        },
                    });
                }
            }
        }
        for e in shared {
            let _ = self.add_edge(e);
        }
        for e in std::mem::take(&mut self.matches) {
            let _ = self.add_edge(e);
        }
        // Listed status through `same_as`.
        let mut upgrades = Vec::new();
        for e in &self.edges {
            if e.rel != Relation::SameAs {
                continue;
            }
            let certain = match &e.evidence {
                Evidence::Match { score, how } => *score >= 1.0 - EPS && how.contains("country"),
                _ => true,
            };
            for (x, y) in [(e.from, e.to), (e.to, e.from)] {
                let other = &self.nodes[y as usize];
                if other.listed == Listed::Yes && other.origin == Origin::List {
                    let level = if certain {
                        Listed::Yes
                    } else {
                        Listed::Possible
                    };
                    upgrades.push((x, level, other.key.clone()));
                }
            }
        }
        for (x, level, by) in upgrades {
            let n = &mut self.nodes[x as usize];
            if level > n.listed {
                n.listed = level;
                n.listed_as = Some(by);
            }
        }
        for e in &self.edges {
            *self
                .report
                .edges
                .entry(e.rel.as_str().to_string())
                .or_default() += 1;
        }
        let net = Network::assemble(self.nodes, self.edges, self.by_key);
        (net, self.report)
    }
}

/// `source:id` with a lower-case source of letters, digits and dashes and
/// no spaces: a reference to a list entity or a customer.
pub fn is_reference(t: &str) -> bool {
    let Some((src, id)) = t.split_once(':') else {
        return false;
    };
    !src.is_empty()
        && !id.is_empty()
        && src
            .bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
        && !id.contains(char::is_whitespace)
}
