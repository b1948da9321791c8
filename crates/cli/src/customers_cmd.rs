//! `kansa customers ...`: the customer register, screened on import and
//! re-screened when a list changes (only the customers the change touches).

use crate::lists_cmd::{now_rfc3339, open_store};
use crate::network_cmd::{ownership_hits, Ownership};
use crate::output::{json, table};
use crate::screen_cmd::make_query;
use anyhow::{anyhow, bail, Context, Result};
use clap::Subcommand;
use kansa_model::ListSnapshot;
use kansa_screen::{AddressIndex, IndexConfig, ScreenIndex, DEFAULT_THRESHOLD};
use kansa_store::{Customer, Hit, Store};
use rayon::prelude::*;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

#[derive(Subcommand, Debug)]
pub enum CustomersCommand {
    /// Import customers (CSV: id,name[,kind,dob,country,addresses] or JSONL) and screen them.
    Import {
        file: PathBuf,
        #[arg(long, default_value_t = DEFAULT_THRESHOLD)]
        threshold: f64,
        #[arg(long)]
        json: bool,
    },
    /// Hits found and lost since a time (RFC 3339) or after an event number.
    Hits {
        #[arg(long)]
        since: Option<String>,
        #[arg(long)]
        after: Option<i64>,
        #[arg(long)]
        json: bool,
    },
    /// One customer and its current hits.
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Seal every customer's personal data under the current data key (the
    /// first of KANSA_DATA_KEY_FILE): after setting a key for the first
    /// time, or after a rotation, before the retired key is dropped.
    Reseal {
        #[arg(long)]
        json: bool,
    },
}

/// What importing customers did.
#[derive(Debug, serde::Serialize)]
pub struct CustomerImport {
    pub customers: usize,
    pub with_hits: usize,
    pub new_hits: usize,
    pub removed_hits: usize,
}

/// Stores customers and screens them against the active lists (and the
/// ownership network), recording their hits: the command line's import
/// and the service's alike.
pub fn import_customers(
    store: &mut Store,
    customers: &[Customer],
    threshold: f64,
) -> Result<CustomerImport> {
    let now = now_rfc3339();
    store.upsert_customers(customers, &now)?;
    let (idx, addrs) = build_indexes(store, kansa_server::resources::load_readings().0)?;
    let owned = ownership(store)?;
    let results: Vec<(String, Vec<Hit>)> = customers
        .par_iter()
        .map(|c| {
            (
                c.id.clone(),
                screen_customer(c, &idx, &addrs, threshold, owned.as_ref()),
            )
        })
        .collect();
    let ch = store.record_screening(&results, &now, "customer import")?;
    Ok(CustomerImport {
        customers: customers.len(),
        with_hits: results.iter().filter(|(_, h)| !h.is_empty()).count(),
        new_hits: ch.new,
        removed_hits: ch.removed,
    })
}

/// The service's customer import (`POST /v1/customers/import`): the file
/// checked whole (a bad row names its line and stores nothing), then
/// imported as `kansa customers import` does, with the caller as actor.
pub fn http_importer(data: PathBuf) -> kansa_server::state::CustomerImporter {
    use kansa_server::state::ImportFault;
    kansa_server::state::CustomerImporter::new(move |file: &Path, actor: &str| {
        let customers = read_customers(file).map_err(|e| ImportFault::Input(format!("{e:#}")))?;
        let fault = |e: anyhow::Error| ImportFault::Store(format!("{e:#}"));
        let mut store = Store::open_dir(&data).map_err(|e| fault(e.into()))?;
        kansa_store::Ledger::set_actor(&mut store, actor);
        let r = import_customers(&mut store, &customers, DEFAULT_THRESHOLD).map_err(fault)?;
        serde_json::to_value(r).map_err(|e| fault(e.into()))
    })
}

/// Reads a customer file; every row must be valid (the error names the line).
fn read_customers(path: &Path) -> Result<Vec<Customer>> {
    let text = std::fs::read(path).with_context(|| format!("{}", path.display()))?;
    let jsonl = text.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    let mut out = Vec::new();
    let check = |c: &Customer, line: u64| -> Result<()> {
        if c.id.trim().is_empty() {
            bail!("{}: line {line}: the id is empty", path.display());
        }
        make_query(
            &c.name,
            c.dob.as_deref(),
            c.country.as_deref(),
            if c.kind.is_empty() { "any" } else { &c.kind },
        )
        .map_err(|e| anyhow!("{}: line {line}: {e}", path.display()))?;
        Ok(())
    };
    if jsonl {
        for (i, line) in BufReader::new(&text[..]).split(b'\n').enumerate() {
            let line_no = i as u64 + 1;
            let bytes = line?;
            let s = std::str::from_utf8(&bytes)
                .map_err(|_| anyhow!("{}: line {line_no}: invalid UTF-8", path.display()))?;
            if s.trim().is_empty() {
                continue;
            }
            let c: Customer = serde_json::from_str(s)
                .map_err(|e| anyhow!("{}: line {line_no}: {e}", path.display()))?;
            check(&c, line_no)?;
            out.push(c);
        }
    } else {
        let mut rdr = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(&text[..]);
        let h = rdr
            .headers()
            .map_err(|e| anyhow!("{}: header: {e}", path.display()))?
            .clone();
        let col = |n: &str| h.iter().position(|x| x.trim().eq_ignore_ascii_case(n));
        let (Some(ci), Some(cn)) = (col("id"), col("name")) else {
            bail!(
                "{}: the header must have id and name columns",
                path.display()
            );
        };
        let (ck, cd, cc, ca) = (col("kind"), col("dob"), col("country"), col("addresses"));
        for rec in rdr.records() {
            let rec = rec.map_err(|e| anyhow!("{}: {e}", path.display()))?;
            let line = rec.position().map(|p| p.line()).unwrap_or(0);
            let g = |c: Option<usize>| {
                c.and_then(|i| rec.get(i))
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
            };
            let c = Customer {
                id: g(Some(ci)).unwrap_or_default(),
                name: g(Some(cn)).unwrap_or_default(),
                kind: g(ck).unwrap_or_default(),
                dob: g(cd),
                country: g(cc),
                addresses: g(ca)
                    .map(|a| {
                        a.split([';', ' '])
                            .filter(|x| !x.is_empty())
                            .map(str::to_string)
                            .collect()
                    })
                    .unwrap_or_default(),
            };
            check(&c, line)?;
            out.push(c);
        }
    }
    if out.is_empty() {
        bail!("{}: no customers", path.display());
    }
    Ok(out)
}

/// A customer's hits: its name against the name index, its addresses
/// against the address index, and (for a company in the ownership network)
/// its listed owners and controllers.
pub fn screen_customer(
    c: &Customer,
    idx: &ScreenIndex,
    addrs: &AddressIndex,
    threshold: f64,
    owned: Option<&Ownership>,
) -> Vec<Hit> {
    let mut hits: Vec<Hit> = Vec::new();
    if let Ok(q) = make_query(
        &c.name,
        c.dob.as_deref(),
        c.country.as_deref(),
        if c.kind.is_empty() { "any" } else { &c.kind },
    ) {
        for m in idx.screen(&q, threshold, 20) {
            hits.push(Hit {
                entity_id: m.entity_id,
                score: m.score,
                matched_name: m.matched_name,
            });
        }
    }
    for a in &c.addresses {
        if let Ok(found) = addrs.lookup(a) {
            for h in found {
                if !hits.iter().any(|x| x.entity_id == h.entity_id) {
                    hits.push(Hit {
                        entity_id: h.entity_id.clone(),
                        score: 1.0,
                        matched_name: format!("address {}", h.listed_address),
                    });
                }
            }
        }
    }
    if let Some(o) = owned {
        for h in ownership_hits(o, c) {
            if !hits.iter().any(|x| x.entity_id == h.entity_id) {
                hits.push(h);
            }
        }
    }
    hits
}

/// The name index of the active lists (empty without lists).
pub fn name_index(store: &Store) -> Result<ScreenIndex> {
    Ok(match kansa_server::screening::name_index(store)? {
        Some(idx) => idx,
        None => ScreenIndex::build(Vec::new(), Default::default(), IndexConfig::default()),
    })
}

/// The ownership network, when registry extracts have been imported.
fn ownership(store: &Store) -> Result<Option<Ownership>> {
    if store.registries()?.is_empty() {
        return Ok(None);
    }
    Ok(Some(crate::network_cmd::load(
        store,
        kansa_network::Regime::ofac(),
        None,
    )?))
}

/// Customers that are parties of the registry (their ownership can change
/// with a list or a registry).
fn in_registry(o: &Ownership, customers: &[Customer]) -> Vec<String> {
    customers
        .iter()
        .filter(|c| {
            o.net
                .find(&format!("customer:{}", c.id))
                .is_some_and(|v| o.net.node(v).origin != kansa_network::Origin::Customer)
        })
        .map(|c| c.id.clone())
        .collect()
}

/// Re-screens the customers that are registry parties (after a registry
/// import or removal); returns how many.
pub fn rescreen_owned(
    store: &mut Store,
    o: &Ownership,
    idx: &ScreenIndex,
    reason: &str,
) -> Result<usize> {
    let customers = store.customers()?;
    let mut ids = in_registry(o, &customers);
    // And those whose ownership hits may have gone with a removed dataset.
    for c in &customers {
        if store
            .customer_hits(&c.id)?
            .iter()
            .any(crate::network_cmd::is_ownership_hit)
        {
            ids.push(c.id.clone());
        }
    }
    ids.sort();
    ids.dedup();
    if ids.is_empty() {
        return Ok(0);
    }
    let addrs = AddressIndex::build(store.active_entities()?.iter());
    let results: Vec<(String, Vec<Hit>)> = customers
        .par_iter()
        .filter(|c| ids.binary_search(&c.id).is_ok())
        .map(|c| {
            (
                c.id.clone(),
                screen_customer(c, idx, &addrs, DEFAULT_THRESHOLD, Some(o)),
            )
        })
        .collect();
    store.record_screening(&results, &now_rfc3339(), reason)?;
    Ok(results.len())
}

fn build_indexes(
    store: &Store,
    readings: kansa_text::Readings,
) -> Result<(ScreenIndex, AddressIndex)> {
    let entities = store.active_entities()?;
    let addrs = AddressIndex::build(entities.iter());
    Ok((
        ScreenIndex::build(entities, readings, IndexConfig::default()),
        addrs,
    ))
}

/// After a list snapshot replaced `old` (None: the source is new), re-screens
/// the customers the change touches: those with a hit on a removed or changed
/// entity, and those whose name matches an added or changed one.
pub fn rescreen_after_import(
    store: &mut Store,
    old: Option<&ListSnapshot>,
    new: &ListSnapshot,
    quiet: bool,
) -> Result<()> {
    let customers = store.customers()?;
    if customers.is_empty() {
        return Ok(());
    }
    let (touched_entities, gone): (Vec<kansa_model::Entity>, Vec<String>) = match old {
        Some(o) => {
            let d = store.diff(o, new)?;
            let mut ents = Vec::new();
            for id in d
                .added
                .iter()
                .map(|a| &a.id)
                .chain(d.changed.iter().map(|c| &c.id))
            {
                if let Some(e) = store.entity_in(new.id, id)? {
                    ents.push(e);
                }
            }
            let gone: Vec<String> = d
                .removed
                .iter()
                .map(|r| r.id.to_string())
                .chain(d.changed.iter().map(|c| c.id.to_string()))
                .collect();
            (ents, gone)
        }
        None => {
            let mut ents = Vec::new();
            store.for_each_entity(new.id, |e| ents.push(e))?;
            (ents, Vec::new())
        }
    };
    if touched_entities.is_empty() && gone.is_empty() {
        return Ok(());
    }
    let mut ids: Vec<String> = store.customers_hitting(&gone)?;
    // Customers whose name or address meets an added or changed entity.
    let small_addrs = AddressIndex::build(touched_entities.iter());
    // The dictionaries are read once for both indexes.
    let (readings, _) = kansa_server::resources::load_readings();
    let small = ScreenIndex::build(touched_entities, readings.clone(), IndexConfig::default());
    let matched: Vec<String> = customers
        .par_iter()
        .filter(|c| !screen_customer(c, &small, &small_addrs, DEFAULT_THRESHOLD, None).is_empty())
        .map(|c| c.id.clone())
        .collect();
    ids.extend(matched);
    // Registry parties: their names are screened again against the new
    // lists, and the customers among them re-screened for ownership.
    // The full indexes, built here when registries need them, serve the
    // re-screening below too.
    let registries = store.registries()?;
    let mut full = None;
    let owned = if registries.is_empty() {
        None
    } else {
        let (idx, addrs) = build_indexes(store, readings.clone())?;
        let mut updates = Vec::new();
        for f in registries {
            let rows = kansa_network::registry::read(&f.name, f.body.as_slice())?;
            let m = crate::network_cmd::screen_parties(&rows, &idx, DEFAULT_THRESHOLD);
            updates.push((f.name, serde_json::to_string(&m)?));
        }
        full = Some((idx, addrs));
        store.set_registry_matches(&updates)?;
        let o = ownership(store)?;
        if let Some(o) = &o {
            ids.extend(in_registry(o, &customers));
        }
        o
    };
    ids.sort();
    ids.dedup();
    if ids.is_empty() {
        if !quiet {
            println!(
                "  customers: none of {} touched by this change",
                customers.len()
            );
        }
        return Ok(());
    }
    let (idx, addrs) = match full {
        Some(x) => x,
        None => build_indexes(store, readings)?,
    };
    let results: Vec<(String, Vec<Hit>)> = customers
        .par_iter()
        .filter(|c| ids.binary_search(&c.id).is_ok())
        .map(|c| {
            (
                c.id.clone(),
                screen_customer(c, &idx, &addrs, DEFAULT_THRESHOLD, owned.as_ref()),
            )
        })
        .collect();
    let reason = format!("list snapshot {} ({} {})", new.id, new.source, new.version);
    let ch = store.record_screening(&results, &now_rfc3339(), &reason)?;
    if !quiet {
        println!(
            "  customers: re-screened {} of {} touched by the change: {} new hit(s), {} removed",
            results.len(),
            customers.len(),
            ch.new,
            ch.removed
        );
    }
    Ok(())
}

pub fn run(data: &Path, cmd: CustomersCommand) -> Result<bool> {
    match cmd {
        CustomersCommand::Import {
            file,
            threshold,
            json: as_json,
        } => {
            let customers = read_customers(&file)?;
            let mut store = open_store(data)?;
            let r = import_customers(&mut store, &customers, threshold)?;
            if as_json {
                json(&r)?;
            } else {
                println!(
                    "{} customers imported and screened: {} with hits; {} new hit(s), {} removed",
                    r.customers, r.with_hits, r.new_hits, r.removed_hits
                );
            }
            Ok(true)
        }
        CustomersCommand::Hits {
            since,
            after,
            json: as_json,
        } => {
            let store = open_store(data)?;
            let ev = store.hit_events(after, since.as_deref())?;
            if as_json {
                json(&ev)?;
            } else if ev.is_empty() {
                println!("no hits found or lost");
            } else {
                let rows: Vec<Vec<String>> = ev
                    .iter()
                    .map(|e| {
                        vec![
                            e.seq.to_string(),
                            e.at.clone(),
                            e.change.clone(),
                            e.customer_id.clone(),
                            e.entity_id.clone(),
                            format!("{:.3}", e.score),
                            e.matched_name.clone(),
                            e.reason.clone(),
                        ]
                    })
                    .collect();
                table(
                    &[
                        "SEQ", "AT", "CHANGE", "CUSTOMER", "ENTITY", "SCORE", "MATCHED", "REASON",
                    ],
                    &rows,
                );
            }
            Ok(true)
        }
        CustomersCommand::Show { id, json: as_json } => {
            let store = open_store(data)?;
            let Some(c) = store.customer(&id)? else {
                eprintln!("no customer {id}");
                return Ok(false);
            };
            let hits = store.customer_hits(&id)?;
            if as_json {
                json(&serde_json::json!({ "customer": c, "hits": hits }))?;
            } else {
                println!(
                    "{} {} [{}]",
                    c.id,
                    c.name,
                    if c.kind.is_empty() { "any" } else { &c.kind }
                );
                for h in hits {
                    println!("  {:.3}  {}  {}", h.score, h.entity_id, h.matched_name);
                }
            }
            Ok(true)
        }
        CustomersCommand::Reseal { json: as_json } => {
            let mut store = open_store(data)?;
            let r = store.reseal_customers(&crate::lists_cmd::now_rfc3339())?;
            if as_json {
                json(&r)?;
            } else {
                println!(
                    "{} customers under key {}: {} sealed from the clear, {} from a retired key",
                    r.total, r.key, r.from_clear, r.from_retired
                );
            }
            Ok(true)
        }
    }
}
