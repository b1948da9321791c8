//! `kansa network ...`: ownership and control networks from the active
//! lists' own links and the registry extracts imported here; who owns a
//! company in the end, whether listed parties own or control it, and the
//! shell-company indicators.

use crate::lists_cmd::{now_rfc3339, open_store};
use crate::output::{json, table};
use crate::screen_cmd::make_query;
use anyhow::{anyhow, bail, Context, Result};
use clap::Subcommand;
use kansa_network::indicators::{self, Settings, WalletFlow};
use kansa_network::ownership::OwnersLimits;
use kansa_network::registry::{self, RegistryRow};
use kansa_network::share::pct;
use kansa_network::{
    aggregate, assess, owners, Aggregate, BuildReport, Listed, Network, NetworkBuilder, NodeId,
    NodeKind, Origin, Regime, Status,
};
use kansa_screen::ScreenIndex;
use kansa_store::{Customer, Hit, RegistryFile, Store};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

#[derive(Subcommand, Debug)]
pub enum NetworkCommand {
    /// Import a registry extract (CSV: company,owner,share,role,country,registration_date
    /// [,address,identifier,wallet,owner_kind]); replaces the dataset of the same name.
    Import {
        file: PathBuf,
        /// Dataset name (default: the file's stem).
        #[arg(long)]
        name: Option<String>,
        #[arg(long, default_value = "ofac")]
        regime: String,
        #[arg(long)]
        json: bool,
    },
    /// What the network holds: links found in the lists, registry datasets,
    /// parties blocked by ownership or control.
    Stats {
        #[arg(long, default_value = "ofac")]
        regime: String,
        #[arg(long)]
        json: bool,
    },
    /// Ultimate owners of a company with their shares and the chains that explain them.
    Owners {
        /// A name, an entity id (ofac-sdn:123), customer:ID or registry:NAME.
        company: String,
        #[arg(long, default_value = "ofac")]
        regime: String,
        #[arg(long)]
        json: bool,
        /// Print the network around the company as Graphviz DOT instead.
        #[arg(long)]
        dot: bool,
        /// Edges from the company drawn with --dot.
        #[arg(long, default_value_t = 2)]
        radius: usize,
    },
    /// Whether listed parties own or control a company, with the shell indicators.
    Exposure {
        company: String,
        #[arg(long, default_value = "ofac")]
        regime: String,
        /// The day indicators are computed for (YYYY-MM-DD; default today).
        #[arg(long)]
        as_of: Option<String>,
        #[arg(long)]
        json: bool,
        #[arg(long)]
        dot: bool,
        #[arg(long, default_value_t = 2)]
        radius: usize,
    },
    /// Remove a registry dataset.
    Remove { name: String },
}

/// A registry party that screening found similar to a listed entity.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PartyMatch {
    pub party: String,
    pub entity: String,
    pub score: f64,
}

/// The network with its aggregate under one regime.
#[derive(Debug)]
pub struct Ownership {
    pub net: Network,
    pub agg: Aggregate,
    pub regime: Regime,
    pub report: BuildReport,
}

pub fn regime(name: &str) -> Result<Regime> {
    Regime::by_name(name).ok_or_else(|| anyhow!("unknown regime {name:?} (ofac, eu, uk)"))
}

fn file_label(f: &RegistryFile) -> String {
    format!("{} ({})", f.file, f.name)
}

/// Builds the store's network: active list entities, every stored registry
/// dataset (with `extra` in place of the dataset of its name), customers.
pub fn load(store: &Store, regime: Regime, extra: Option<&RegistryFile>) -> Result<Ownership> {
    let mut b = NetworkBuilder::new();
    let entities = store.active_entities()?;
    b.add_entities(entities.iter());
    let mut files = store.registries()?;
    if let Some(x) = extra {
        files.retain(|f| f.name != x.name);
        files.push(x.clone());
    }
    let mut matches = Vec::new();
    for f in &files {
        let label = file_label(f);
        let rows = registry::read(&label, f.body.as_slice())?;
        b.add_registry(&label, &rows)?;
        let m: Vec<PartyMatch> = serde_json::from_str(&f.matches).unwrap_or_default();
        matches.extend(m);
    }
    for m in &matches {
        b.same_as(&m.party, &m.entity, m.score, "name screening");
    }
    for c in store.customers()? {
        let kind = match c.kind.as_str() {
            "person" => NodeKind::Person,
            "organization" | "organisation" | "company" => NodeKind::Organization,
            _ => NodeKind::Unknown,
        };
        b.add_customer(&c.id, &c.name, kind, c.country.as_deref());
    }
    let (net, report) = b.build();
    let agg = aggregate(&net, &regime);
    Ok(Ownership {
        net,
        agg,
        regime,
        report,
    })
}

/// Screens every registry party named (not referred to by id) against the
/// lists: the matches become `same_as` edges of lower certainty.
pub fn screen_parties(rows: &[RegistryRow], idx: &ScreenIndex, threshold: f64) -> Vec<PartyMatch> {
    let mut names: Vec<(String, &'static str, Option<String>)> = Vec::new();
    for r in rows {
        names.push((r.company.clone(), "organization", r.country.clone()));
        if !r.owner.is_empty() {
            let kind = match r.owner_kind {
                Some(NodeKind::Person) => "person",
                Some(NodeKind::Organization) => "organization",
                _ => "any",
            };
            names.push((r.owner.clone(), kind, None));
        }
    }
    names.sort();
    names.dedup_by(|a, b| a.0 == b.0);
    let mut out = Vec::new();
    for (name, kind, country) in names {
        if kansa_network::builder::is_reference(&name) {
            continue;
        }
        let Ok(q) = make_query(&name, None, country.as_deref(), kind) else {
            continue;
        };
        for m in idx.screen(&q, threshold, 3) {
            out.push(PartyMatch {
                party: kansa_network::graph::registry_key(&name),
                entity: m.entity_id,
                score: m.score,
            });
        }
    }
    out
}

fn find(o: &Ownership, text: &str) -> Result<NodeId> {
    let found = o.net.lookup(text);
    match found.len() {
        0 => bail!(
            "no party {text:?} in the network (a name, an entity id such as ofac-sdn:21171, customer:ID or registry:NAME)"
        ),
        1 => Ok(found[0]),
        _ => bail!(
            "{text:?} names {} parties: {}; give one of these keys",
            found.len(),
            found
                .iter()
                .take(10)
                .map(|&v| o.net.node(v).key.clone())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Ownership and control hits of a customer: its listed ultimate owners and
/// listed controllers, each with the chain that explains it.
pub fn ownership_hits(o: &Ownership, c: &Customer) -> Vec<Hit> {
    let Some(v) = o.net.find(&format!("customer:{}", c.id)) else {
        return Vec::new();
    };
    let node = o.net.node(v);
    if node.origin == Origin::Customer && o.net.incoming(v).next().is_none() {
        return Vec::new();
    }
    let a = assess(&o.net, &o.agg, &o.regime, v);
    let ow = owners(&o.net, v, OwnersLimits::default());
    let mut hits: Vec<Hit> = Vec::new();
    for x in ow.owners.iter().filter(|x| x.listed >= Listed::Possible) {
        if x.share.hi < 0.01 {
            continue;
        }
        let entity = x.listed_as.clone().unwrap_or_else(|| x.key.clone());
        let path = x.paths.first().map(|p| p.describe()).unwrap_or_default();
        hits.push(Hit {
            entity_id: entity,
            score: if x.listed == Listed::Yes { 1.0 } else { 0.9 },
            matched_name: format!(
                "ownership: owner of {} ({} under {}): {path}",
                x.share,
                status_word(a.status),
                o.regime.name
            ),
        });
    }
    for ctl in &a.controllers {
        let entity = o
            .net
            .find(&ctl.key)
            .and_then(|id| o.net.node(id).listed_as.clone())
            .unwrap_or_else(|| ctl.key.clone());
        if hits.iter().any(|h| h.entity_id == entity) {
            continue;
        }
        hits.push(Hit {
            entity_id: entity,
            score: if ctl.listed == Listed::Yes { 1.0 } else { 0.9 },
            matched_name: format!("control: {} {} ({})", ctl.relation, ctl.name, ctl.evidence),
        });
    }
    hits
}

/// A hit found through the ownership network rather than by name.
pub fn is_ownership_hit(h: &Hit) -> bool {
    h.matched_name.starts_with("ownership: ") || h.matched_name.starts_with("control: ")
}

fn status_word(s: Status) -> &'static str {
    match s {
        Status::Listed => "listed",
        Status::Blocked => "blocked",
        Status::Review => "review",
        Status::Clear => "clear",
    }
}

fn today_days() -> i64 {
    let now = now_rfc3339();
    kansa_model::time::parse_rfc3339(&now)
        .map(|ms| ms.div_euclid(86_400_000))
        .unwrap_or(0)
}

fn parse_day(s: &str) -> Result<i64> {
    let d = kansa_model::PartialDate::parse_iso(s)
        .filter(|d| d.day.is_some())
        .ok_or_else(|| anyhow!("--as-of {s:?} is not a date (YYYY-MM-DD)"))?;
    Ok(kansa_model::time::days_from_civil(
        i64::from(d.year),
        i64::from(d.month.unwrap_or(1)),
        i64::from(d.day.unwrap_or(1)),
    ))
}

/// Wallet flows of a party's wallets from the chain graph, when one exists.
fn wallet_flows(data: &Path, wallets: &[String]) -> Vec<WalletFlow> {
    if wallets.is_empty() {
        return Vec::new();
    }
    let Ok(Some((g, _))) = kansa_store::open_graph(data) else {
        return Vec::new();
    };
    let Ok(labels) = crate::chain_cmd::load_labels(data, &g) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    use kansa_trace::Direction::{Backward, Forward};
    for w in wallets {
        let Ok(sent) = kansa_trace::exposure(&g, w, Forward, 1, &labels, None) else {
            continue;
        };
        let received = kansa_trace::exposure(&g, w, Backward, 1, &labels, None)
            .map(|e| e.amount)
            .unwrap_or(0);
        let mut to_listed = 0;
        let mut who = Vec::new();
        for l in sent.categories.iter().filter(|l| l.category == "sanctions") {
            to_listed += l.direct;
            for p in &l.top_paths {
                who.push(p.actor.clone().unwrap_or_else(|| p.label.clone()));
            }
        }
        who.sort();
        who.dedup();
        out.push(WalletFlow {
            wallet: w.clone(),
            asset: sent.asset.clone(),
            received,
            sent: sent.amount,
            sent_to_listed: to_listed,
            listed: who,
        });
    }
    out
}

pub fn run(data: &Path, cmd: NetworkCommand) -> Result<bool> {
    match cmd {
        NetworkCommand::Import {
            file,
            name,
            regime: rname,
            json: as_json,
        } => {
            let reg = regime(&rname)?;
            let body = std::fs::read(&file).with_context(|| format!("{}", file.display()))?;
            let name = name.unwrap_or_else(|| {
                file.file_stem()
                    .map(|s| s.to_string_lossy().to_string())
                    .unwrap_or_else(|| "registry".into())
            });
            let mut store = open_store(data)?;
            let shown = file.display().to_string();
            let rows = registry::read(&format!("{shown} ({name})"), body.as_slice())?;
            // Screen the parties by name, then build the whole network with
            // this dataset in place: any error leaves the store as it was.
            let idx = crate::customers_cmd::name_index(&store)?;
            let matches = screen_parties(&rows, &idx, kansa_screen::DEFAULT_THRESHOLD);
            let f = RegistryFile {
                name: name.clone(),
                file: shown,
                sha256: hex(&Sha256::digest(&body)),
                body,
                rows: rows.len() as i64,
                matches: serde_json::to_string(&matches)?,
                imported_at: now_rfc3339(),
            };
            let o = load(&store, reg, Some(&f))?;
            store.put_registry(&f)?;
            let (blocked, review) = count_status(&o);
            let rescreened = crate::customers_cmd::rescreen_owned(
                &mut store,
                &o,
                &idx,
                &format!("registry {name}"),
            )?;
            if as_json {
                json(&serde_json::json!({
                    "dataset": name, "rows": rows.len(), "name_matches": matches.len(),
                    "report": o.report, "blocked": blocked, "review": review,
                    "customers_rescreened": rescreened,
                }))?;
            } else {
                println!(
                    "{name}: {} rows imported; {} registry part(ies) match listed names; under {}: {} blocked by ownership or control, {} for review; {} customer(s) re-screened",
                    rows.len(),
                    matches.len(),
                    o.regime.name,
                    blocked,
                    review,
                    rescreened
                );
            }
            Ok(true)
        }
        NetworkCommand::Stats {
            regime: rname,
            json: as_json,
        } => {
            let store = open_store(data)?;
            let o = load(&store, regime(&rname)?, None)?;
            let (blocked, review) = count_status(&o);
            let files = store.registries()?;
            if as_json {
                json(&serde_json::json!({
                    "parties": o.net.len(), "edges": o.net.edges.len(), "report": o.report,
                    "registries": files.iter().map(|f| serde_json::json!({"name": f.name, "file": f.file, "rows": f.rows, "sha256": f.sha256, "imported_at": f.imported_at})).collect::<Vec<_>>(),
                    "regime": o.regime.name, "blocked": blocked, "review": review,
                    "cyclic_components": o.agg.cyclic_components,
                }))?;
            } else {
                let r = &o.report;
                println!(
                    "{} parties, {} edges ({} list entities, {} registry rows, {} customers)",
                    o.net.len(),
                    o.net.edges.len(),
                    r.list_entities,
                    r.registry_rows,
                    r.customers
                );
                let stated: usize = r.list_links.values().sum();
                println!(
                    "links stated in the lists: {stated} ({}); resolved by id {}, by name {}, ambiguous {}, unresolved {}",
                    r.list_links
                        .iter()
                        .map(|(k, v)| format!("{k} {v}"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    r.resolved_by_id,
                    r.resolved_by_name,
                    r.ambiguous,
                    r.unresolved
                );
                println!(
                    "edges: {}",
                    r.edges
                        .iter()
                        .map(|(k, v)| format!("{k} {v}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                for f in &files {
                    println!(
                        "registry {}: {} rows from {} ({})",
                        f.name, f.rows, f.file, f.imported_at
                    );
                }
                println!(
                    "under {}: {blocked} blocked by ownership or control, {review} for review; {} cycle(s) of cross-holdings",
                    o.regime.name, o.agg.cyclic_components
                );
            }
            Ok(true)
        }
        NetworkCommand::Owners {
            company,
            regime: rname,
            json: as_json,
            dot,
            radius,
        } => {
            let Some((o, v)) = open_party(data, &rname, &company, dot.then_some(radius))? else {
                return Ok(true);
            };
            let ow = owners(&o.net, v, OwnersLimits::default());
            if as_json {
                json(&ow)?;
                return Ok(true);
            }
            print_owners(&ow);
            Ok(true)
        }
        NetworkCommand::Exposure {
            company,
            regime: rname,
            as_of,
            json: as_json,
            dot,
            radius,
        } => {
            let Some((o, v)) = open_party(data, &rname, &company, dot.then_some(radius))? else {
                return Ok(true);
            };
            let a = assess(&o.net, &o.agg, &o.regime, v);
            let ow = owners(&o.net, v, OwnersLimits::default());
            let settings = Settings {
                as_of_days: Some(match &as_of {
                    Some(d) => parse_day(d)?,
                    None => today_days(),
                }),
                ..Settings::default()
            };
            let flows = wallet_flows(data, &o.net.node(v).wallets);
            let found = indicators::indicators(&o.net, &settings, v, Some(&ow), &flows);
            if as_json {
                json(&serde_json::json!({
                    "assessment": a, "owners": ow, "indicators": found, "wallet_flows": flows,
                }))?;
            } else {
                println!(
                    "{} ({}): {} under {} — listed share {}",
                    a.name,
                    a.key,
                    status_word(a.status).to_uppercase(),
                    a.regime,
                    a.listed_share
                );
                for r in &a.reasons {
                    println!("  - {r}");
                }
                print_owners(&ow);
                if found.is_empty() {
                    println!("indicators: none");
                } else {
                    println!("indicators:");
                    for i in &found {
                        println!("  [{:?}] {}: {}", i.severity, i.code, i.summary);
                        for e in &i.evidence {
                            println!("      {e}");
                        }
                    }
                }
            }
            Ok(true)
        }
        NetworkCommand::Remove { name } => {
            let mut store = open_store(data)?;
            if !store.remove_registry(&name, &crate::lists_cmd::now_rfc3339())? {
                eprintln!("no registry dataset {name}");
                return Ok(false);
            }
            let idx = crate::customers_cmd::name_index(&store)?;
            let o = load(&store, Regime::ofac(), None)?;
            let n = crate::customers_cmd::rescreen_owned(
                &mut store,
                &o,
                &idx,
                &format!("registry {name} removed"),
            )?;
            println!("registry dataset {name} removed; {n} customer(s) re-screened");
            Ok(true)
        }
    }
}

/// The store's network and one of its parties; with `dot` (a radius),
/// prints the network around the party instead and returns `None`.
fn open_party(
    data: &Path,
    regime_name: &str,
    company: &str,
    dot: Option<usize>,
) -> Result<Option<(Ownership, NodeId)>> {
    let store = open_store(data)?;
    let o = load(&store, regime(regime_name)?, None)?;
    let v = find(&o, company)?;
    if let Some(radius) = dot {
        print!(
            "{}",
            kansa_network::dot::to_dot(&o.net, &o.agg, &o.regime, v, radius)
        );
        return Ok(None);
    }
    Ok(Some((o, v)))
}

fn count_status(o: &Ownership) -> (usize, usize) {
    let (mut blocked, mut review) = (0, 0);
    for v in 0..o.net.len() as NodeId {
        if o.net.node(v).origin == Origin::List {
            continue;
        }
        match assess(&o.net, &o.agg, &o.regime, v).status {
            Status::Blocked => blocked += 1,
            Status::Review => review += 1,
            _ => {}
        }
    }
    (blocked, review)
}

fn print_owners(ow: &kansa_network::Owners) {
    println!(
        "ultimate owners of {} ({}): listed {}{}",
        ow.name,
        ow.key,
        ow.listed_share,
        if ow.unrecorded > 1e-9 {
            format!("; {} not recorded", pct(ow.unrecorded))
        } else {
            String::new()
        }
    );
    let rows: Vec<Vec<String>> = ow
        .owners
        .iter()
        .map(|x| {
            vec![
                x.share.to_string(),
                match x.listed {
                    Listed::Yes => "listed".into(),
                    Listed::Possible => "possibly".into(),
                    Listed::No => String::new(),
                },
                x.key.clone(),
                x.name.clone(),
            ]
        })
        .collect();
    if !rows.is_empty() {
        table(&["SHARE", "LISTED", "KEY", "NAME"], &rows);
    }
    for x in &ow.owners {
        for p in &x.paths {
            println!("  {} = {}", p.share, p.describe());
        }
    }
    if ow.through_cycle {
        println!("  (part of the ownership runs through a cycle of cross-holdings)");
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}
