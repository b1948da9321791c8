//! Shell-company indicators for analysts, each with the evidence behind it:
//! shared directors, registered addresses or identifiers with listed
//! parties, recent incorporation, a chain through a jurisdiction of
//! concern, a nominee director, and a company whose wallet passes what it
//! receives on to listed parties (from tracing, supplied by the caller).

use crate::graph::{address_key, identifier_key, Listed, Network, NodeId, NodeKind, Relation};
use crate::ownership::Owners;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Low,
    Medium,
    High,
}

#[derive(Debug, Clone, Serialize)]
pub struct Indicator {
    pub code: &'static str,
    pub severity: Severity,
    pub summary: String,
    pub evidence: Vec<String>,
}

/// Jurisdictions of concern: FATF's call for action, comprehensive
/// sanctions programmes, and secrecy jurisdictions common in shell chains.
pub const DEFAULT_CONCERN: &[(&str, &str)] = &[
    ("KP", "FATF call for action"),
    ("IR", "FATF call for action"),
    ("MM", "FATF call for action"),
    ("RU", "sanctions programme"),
    ("BY", "sanctions programme"),
    ("SY", "sanctions programme"),
    ("CU", "sanctions programme"),
    ("VG", "secrecy jurisdiction"),
    ("KY", "secrecy jurisdiction"),
    ("SC", "secrecy jurisdiction"),
    ("PA", "secrecy jurisdiction"),
    ("BZ", "secrecy jurisdiction"),
    ("MH", "secrecy jurisdiction"),
];

#[derive(Debug, Clone)]
pub struct Settings {
    /// The day indicators are computed for (days since 1970-01-01); no
    /// recent-incorporation indicator without it.
    pub as_of_days: Option<i64>,
    /// Incorporated within this many days is recent.
    pub recent_days: i64,
    /// (ISO code, why) of jurisdictions of concern.
    pub concern: Vec<(String, String)>,
    /// One person directing this many companies is a nominee pattern.
    pub nominee_min: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            as_of_days: None,
            recent_days: 365,
            concern: DEFAULT_CONCERN
                .iter()
                .map(|(c, w)| (c.to_string(), w.to_string()))
                .collect(),
            nominee_min: 10,
        }
    }
}

/// Funds of one of the company's wallets, from tracing.
#[derive(Debug, Clone, Serialize)]
pub struct WalletFlow {
    pub wallet: String,
    pub asset: String,
    pub received: u128,
    pub sent: u128,
    /// Sent directly to addresses of listed parties.
    pub sent_to_listed: u128,
    /// Who those addresses belong to.
    pub listed: Vec<String>,
}

fn date_days(s: &str) -> Option<i64> {
    let mut it = s.split('-');
    let y: i64 = it.next()?.parse().ok()?;
    let m: i64 = it.next().and_then(|x| x.parse().ok()).unwrap_or(1);
    let d: i64 = it.next().and_then(|x| x.parse().ok()).unwrap_or(1);
    Some(kansa_model::time::days_from_civil(y, m, d))
}

/// The indicators of party `v`; `owners` (from [`crate::owners`]) gives the
/// chains searched for jurisdictions of concern.
pub fn indicators(
    net: &Network,
    settings: &Settings,
    v: NodeId,
    owners: Option<&Owners>,
    flows: &[WalletFlow],
) -> Vec<Indicator> {
    let node = net.node(v);
    let mut out = Vec::new();
    // Shared directors (and controllers) with listed parties.
    let people: Vec<(NodeId, Relation)> = net
        .incoming(v)
        .filter(|(_, e)| matches!(e.rel, Relation::Director | Relation::Control))
        .map(|(_, e)| (e.from, e.rel))
        .collect();
    let mut shared = Vec::new();
    for &(d, rel) in &people {
        let dn = net.node(d);
        for (_, other) in net.around(d) {
            if other == v || other == d {
                continue;
            }
            let on = net.node(other);
            if on.listed >= Listed::Possible && on.kind != NodeKind::Person {
                let who = match on.listed_as.as_deref() {
                    Some(id) if id != on.key && on.listed == Listed::Possible => {
                        format!("{}, possibly listed {id}", on.key)
                    }
                    Some(id) if id != on.key => format!("{}, listed {id}", on.key),
                    _ => on.key.clone(),
                };
                shared.push(format!(
                    "{} ({} {}) is also tied to listed {} ({who})",
                    dn.name,
                    rel.as_str(),
                    node.name,
                    on.name,
                ));
            }
        }
    }
    shared.sort();
    shared.dedup();
    if !shared.is_empty() {
        out.push(Indicator {
            code: "shared_director",
            severity: Severity::High,
            summary: format!(
                "shares directors or controllers with {} listed part(ies)",
                shared.len()
            ),
            evidence: shared,
        });
    }
    // Registered address or identifier of a listed party: the edges the
    // builder drew, with the text that matched.
    for (code, what, rel, key) in [
        (
            "shared_address",
            "registered address",
            Relation::SharedAddress,
            address_key as fn(&str) -> Option<String>,
        ),
        (
            "shared_identifier",
            "identifier",
            Relation::SharedIdentifier,
            identifier_key as fn(&str) -> Option<String>,
        ),
    ] {
        let mine = |n: &crate::graph::Node| -> Vec<(Option<String>, String)> {
            let v = if rel == Relation::SharedAddress {
                &n.addresses
            } else {
                &n.identifiers
            };
            v.iter().map(|a| (key(a), a.clone())).collect()
        };
        let mut ev = Vec::new();
        for (e, l) in net.around(v) {
            let ln = net.node(l);
            if net.edge(e).rel != rel || ln.listed != Listed::Yes {
                continue;
            }
            let theirs = mine(ln);
            for (k, a) in mine(node) {
                if k.is_some() && theirs.iter().any(|(t, _)| *t == k) {
                    ev.push(format!(
                        "{what} {a:?} is that of listed {} ({})",
                        ln.name, ln.key
                    ));
                }
            }
        }
        if !ev.is_empty() {
            out.push(Indicator {
                code,
                severity: Severity::High,
                summary: format!("shares a {what} with a listed party"),
                evidence: ev,
            });
        }
    }
    // Recent incorporation.
    if let (Some(now), Some(reg)) = (settings.as_of_days, node.registered.as_deref()) {
        if let Some(d) = date_days(reg) {
            let age = now - d;
            if (0..=settings.recent_days).contains(&age) {
                out.push(Indicator {
                    code: "recent_incorporation",
                    severity: Severity::Medium,
                    summary: format!("incorporated {age} days ago"),
                    evidence: vec![format!("registration date {reg}")],
                });
            }
        }
    }
    // A jurisdiction of concern: the company's own or on an owner chain.
    let why = |c: &str| {
        settings
            .concern
            .iter()
            .find(|(k, _)| k == c)
            .map(|(_, w)| w.clone())
    };
    let mut ev = Vec::new();
    for c in &node.countries {
        if let Some(w) = why(c) {
            ev.push(format!("{} is registered in {c} ({w})", node.name));
        }
    }
    if let Some(o) = owners {
        for owner in &o.owners {
            for p in &owner.paths {
                let hit: Vec<String> = p
                    .steps
                    .iter()
                    .filter_map(|s| net.find(&s.key))
                    .flat_map(|id| net.node(id).countries.iter())
                    .filter_map(|c| why(c).map(|w| format!("{c} ({w})")))
                    .collect();
                if !hit.is_empty() {
                    ev.push(format!("{} — through {}", p.describe(), hit.join(", ")));
                }
            }
        }
    }
    ev.dedup();
    if !ev.is_empty() {
        out.push(Indicator {
            code: "jurisdiction_of_concern",
            severity: Severity::Medium,
            summary: "registered in or owned through a jurisdiction of concern".into(),
            evidence: ev,
        });
    }
    // Nominee pattern.
    let mut ev = Vec::new();
    for &(d, _) in &people {
        let dn = net.node(d);
        if dn.kind == NodeKind::Organization {
            continue;
        }
        let companies: Vec<&str> = net
            .outgoing(d)
            .filter(|(_, e)| e.rel == Relation::Director)
            .map(|(_, e)| net.node(e.to).name.as_str())
            .collect();
        if companies.len() >= settings.nominee_min {
            ev.push(format!(
                "{} directs {} companies (e.g. {})",
                dn.name,
                companies.len(),
                companies[..companies.len().min(5)].join("; ")
            ));
        }
    }
    if !ev.is_empty() {
        out.push(Indicator {
            code: "nominee_director",
            severity: Severity::Medium,
            summary: format!(
                "a director of {} or more companies (nominee pattern)",
                settings.nominee_min
            ),
            evidence: ev,
        });
    }
    // Pass-through to listed parties' wallets.
    let mut ev = Vec::new();
    for f in flows {
        if f.sent > 0
            && f.sent_to_listed.saturating_mul(10) >= f.sent.saturating_mul(9)
            && f.sent.saturating_mul(10) >= f.received.saturating_mul(9)
        {
            ev.push(format!(
                "wallet {} ({}): received {}, sent {}, of which {} to {}",
                f.wallet,
                f.asset,
                f.received,
                f.sent,
                f.sent_to_listed,
                f.listed.join(", ")
            ));
        }
    }
    if !ev.is_empty() {
        out.push(Indicator {
            code: "pass_through_to_listed",
            severity: Severity::High,
            summary: "passes on what it receives to listed parties' wallets".into(),
            evidence: ev,
        });
    }
    out
}
