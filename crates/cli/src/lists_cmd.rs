//! `kansa lists ...`

use crate::importer::{self, Job};
use crate::output::{json, table, thousands};
use anyhow::{anyhow, Result};
use clap::Subcommand;
use kansa_lists::Format;
use kansa_model::{Entity, EntityId, ListSnapshot};
use kansa_store::Ledger as _;
use kansa_store::{ImportOutcome, Store};
use serde::Serialize;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

#[derive(Subcommand, Debug)]
pub enum ListsCommand {
    /// Import list files or directories; each becomes a versioned snapshot.
    Import {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Source name for the snapshots (default: from the format, e.g. ofac-sdn, un).
        #[arg(long)]
        source: Option<String>,
        /// auto, or one of: ofac-csv, un-xml, us-csl, bis-dpl, ofac-crypto, jp-mof, eu-fsf, ftm.
        #[arg(long, default_value = "auto")]
        format: String,
        #[arg(long)]
        json: bool,
    },
    /// Sources with their active snapshot (all snapshots with --all).
    Ls {
        #[arg(long)]
        all: bool,
        #[arg(long)]
        json: bool,
    },
    /// One entity, by id such as un:KPi.033 or ofac-sdn:12345.
    Show {
        id: String,
        /// A snapshot number (default: the source's active snapshot).
        #[arg(long)]
        snapshot: Option<i64>,
        #[arg(long)]
        json: bool,
    },
    /// What changed between two snapshots of a source (numbers, versions or sha256 prefixes).
    Diff {
        source: String,
        old: String,
        new: String,
        /// Show at most this many entities per section (0: all).
        #[arg(long, default_value_t = 50)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
    /// Make a snapshot the active one of its source.
    Activate { snapshot: i64 },
    /// Download the official files, verify and import them.
    Update(crate::update::UpdateArgs),
}

pub fn now_rfc3339() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
}

/// Who acts from the command line, as the audit log names them:
/// `cli:<login>`.
pub fn cli_actor() -> String {
    let login = std::env::var("KANSA_ACTOR")
        .or_else(|_| std::env::var("USER"))
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "unknown".into());
    format!("cli:{login}")
}

pub fn open_store(data: &Path) -> Result<Store> {
    let mut store = Store::open_dir(data)
        .map_err(|e| anyhow!("cannot open the store in {}: {e}", data.display()))?;
    store.set_actor(&cli_actor());
    Ok(store)
}

#[derive(Serialize)]
struct ImportReport {
    source: String,
    files: Vec<String>,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    snapshot: Option<ListSnapshot>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// Imports the jobs, printing one line each; false when any failed.
pub fn import_jobs(store: &mut Store, jobs: &[Job], as_json: bool) -> Result<bool> {
    let (reports, ok) = import_reports(store, jobs, as_json)?;
    if as_json {
        json(&reports)?;
    }
    Ok(ok)
}

/// The service's list import (`POST /v1/lists/import`): the uploaded
/// files planned, imported and followed by the customers' re-screening
/// exactly as `kansa lists import` does, with the caller as the actor.
pub fn http_importer(data: PathBuf) -> kansa_server::state::ListImporter {
    kansa_server::state::ListImporter::new(move |up: &kansa_server::state::ListUpload| {
        let format = match up.format.as_deref() {
            None | Some("auto") => None,
            Some(f) => Some(Format::from_name(f).ok_or_else(|| {
                kansa_server::state::ImportFault::Field(
                    "format",
                    format!(
                        "unknown format {f:?}; expected auto or one of {}",
                        Format::ALL.map(|f| f.name()).join(", ")
                    ),
                )
            })?),
        };
        let bad = |e: anyhow::Error| kansa_server::state::ImportFault::Input(format!("{e:#}"));
        let mut jobs = Vec::new();
        let mut skipped = Vec::new();
        for p in &up.files {
            jobs.extend(
                importer::plan(p, format, up.source.as_deref(), &mut skipped).map_err(bad)?,
            );
        }
        let fault = |e: anyhow::Error| kansa_server::state::ImportFault::Store(format!("{e:#}"));
        let mut store = Store::open_dir(&data).map_err(|e| fault(e.into()))?;
        store.set_actor(&up.actor);
        let (reports, ok) = import_reports(&mut store, &jobs, true).map_err(fault)?;
        let reports = serde_json::to_value(&reports).map_err(|e| fault(e.into()))?;
        Ok((reports, ok))
    })
}

/// Imports the jobs (one line each unless `quiet`): the reports, and false
/// when any failed.
fn import_reports(
    store: &mut Store,
    jobs: &[Job],
    quiet: bool,
) -> Result<(Vec<ImportReport>, bool)> {
    let as_json = quiet;
    let now = now_rfc3339();
    let progress = !as_json && std::io::stderr().is_terminal();
    let mut reports = Vec::new();
    let mut ok = true;
    for job in jobs {
        let files: Vec<String> = job.files.iter().map(|p| p.display().to_string()).collect();
        let previous = store
            .snapshots(Some(&job.source))?
            .into_iter()
            .find(|s| s.active);
        match importer::run(store, job, &now, progress) {
            Ok(ImportOutcome::Imported {
                snapshot,
                activated,
            }) => {
                if !as_json {
                    println!(
                        "{}: imported snapshot {} ({}, {} entities, {} names, {} crypto addresses){}",
                        snapshot.source,
                        snapshot.id,
                        snapshot.version,
                        thousands(snapshot.counts.entities),
                        thousands(snapshot.counts.names),
                        thousands(snapshot.counts.crypto_addresses),
                        if activated { ", active" } else { ", NOT active: the active snapshot is a newer publication (use `kansa lists activate`)" }
                    );
                    for w in &snapshot.warnings {
                        println!("  warning: {w}");
                    }
                }
                if activated {
                    if let Err(e) = crate::customers_cmd::rescreen_after_import(
                        store,
                        previous.as_ref(),
                        &snapshot,
                        as_json,
                    ) {
                        ok = false;
                        eprintln!("error: {}: re-screening customers failed (the snapshot is imported): {e:#}", snapshot.source);
                    }
                }
                reports.push(ImportReport {
                    source: job.source.clone(),
                    files,
                    status: if activated {
                        "imported"
                    } else {
                        "imported_inactive"
                    },
                    snapshot: Some(snapshot),
                    error: None,
                });
            }
            Ok(ImportOutcome::Unchanged { snapshot }) => {
                if !as_json {
                    println!(
                        "{}: unchanged, identical to snapshot {} ({})",
                        snapshot.source, snapshot.id, snapshot.version
                    );
                }
                reports.push(ImportReport {
                    source: job.source.clone(),
                    files,
                    status: "unchanged",
                    snapshot: Some(snapshot),
                    error: None,
                });
            }
            Err(e) => {
                ok = false;
                if !as_json {
                    eprintln!(
                        "error: {}: import refused, the store is unchanged: {e:#}",
                        job.source
                    );
                }
                reports.push(ImportReport {
                    source: job.source.clone(),
                    files,
                    status: "failed",
                    snapshot: None,
                    error: Some(format!("{e:#}")),
                });
            }
        }
    }
    Ok((reports, ok))
}

pub fn run(data: &Path, cmd: ListsCommand) -> Result<bool> {
    match cmd {
        ListsCommand::Import {
            paths,
            source,
            format,
            json: as_json,
        } => {
            let format = match format.as_str() {
                "auto" => None,
                f => Some(Format::from_name(f).ok_or_else(|| {
                    anyhow!(
                        "unknown format {f:?}; expected auto or one of {}",
                        Format::ALL.map(|f| f.name()).join(", ")
                    )
                })?),
            };
            let mut jobs = Vec::new();
            let mut skipped = Vec::new();
            for p in &paths {
                jobs.extend(importer::plan(p, format, source.as_deref(), &mut skipped)?);
            }
            if !as_json {
                for s in &skipped {
                    eprintln!("note: skipped {s}: not a list file");
                }
            }
            let mut store = open_store(data)?;
            import_jobs(&mut store, &jobs, as_json)
        }
        ListsCommand::Ls { all, json: as_json } => {
            let store = open_store(data)?;
            let snaps = if all {
                store.snapshots(None)?
            } else {
                store.active_snapshots()?
            };
            if as_json {
                json(&snaps)?;
                return Ok(true);
            }
            if snaps.is_empty() {
                println!(
                    "no lists imported yet: run `kansa lists import PATH` or `kansa lists update`"
                );
                return Ok(true);
            }
            let rows: Vec<Vec<String>> = snaps
                .iter()
                .map(|s| {
                    vec![
                        s.source.clone(),
                        s.id.to_string(),
                        if s.active { "yes".into() } else { "".into() },
                        s.version.clone(),
                        thousands(s.counts.entities),
                        thousands(s.counts.persons),
                        thousands(s.counts.organizations),
                        thousands(s.counts.vessels + s.counts.aircraft),
                        thousands(s.counts.crypto_addresses),
                        s.imported_at.clone(),
                    ]
                })
                .collect();
            table(
                &[
                    "SOURCE",
                    "SNAPSHOT",
                    "ACTIVE",
                    "VERSION",
                    "ENTITIES",
                    "PERSONS",
                    "ORGS",
                    "VESSELS+AIRCRAFT",
                    "CRYPTO",
                    "IMPORTED",
                ],
                &rows,
            );
            let total: u64 = snaps
                .iter()
                .filter(|s| s.active)
                .map(|s| s.counts.entities)
                .sum();
            println!(
                "{} entities in {} active list(s)",
                thousands(total),
                snaps.iter().filter(|s| s.active).count()
            );
            Ok(true)
        }
        ListsCommand::Show {
            id,
            snapshot,
            json: as_json,
        } => {
            let store = open_store(data)?;
            let eid = EntityId::parse(&id).ok_or_else(|| anyhow!("{id:?} is not an entity id: expected SOURCE:ID such as un:KPi.033 or ofac-sdn:12345"))?;
            let e = match snapshot {
                Some(s) => store.entity_in(s, &eid)?,
                None => store.entity(&eid)?,
            };
            let Some(e) = e else {
                eprintln!(
                    "no entity {id} in {}",
                    snapshot
                        .map(|s| format!("snapshot {s}"))
                        .unwrap_or_else(|| format!("the active {} snapshot", eid.source()))
                );
                return Ok(false);
            };
            if as_json {
                json(&e)?;
            } else {
                print_entity(&e);
            }
            Ok(true)
        }
        ListsCommand::Diff {
            source,
            old,
            new,
            limit,
            json: as_json,
        } => {
            let store = open_store(data)?;
            let o = store.resolve_snapshot(&source, &old)?;
            let n = store.resolve_snapshot(&source, &new)?;
            let d = store.diff(&o, &n)?;
            if as_json {
                json(&d)?;
                return Ok(true);
            }
            println!(
                "{source}: snapshot {} ({}) -> {} ({})",
                o.id, o.version, n.id, n.version
            );
            println!(
                "  added {}, removed {}, changed {}, unchanged {}",
                thousands(d.added.len() as u64),
                thousands(d.removed.len() as u64),
                thousands(d.changed.len() as u64),
                thousands(d.unchanged)
            );
            let lim = if limit == 0 { usize::MAX } else { limit };
            let section = |title: &str, items: Vec<String>| {
                if items.is_empty() {
                    return;
                }
                println!("\n{title}:");
                let n = items.len();
                for i in items.iter().take(lim) {
                    println!("  {i}");
                }
                if n > lim {
                    println!("  ... and {} more (--limit 0 shows all)", n - lim);
                }
            };
            section(
                "added",
                d.added
                    .iter()
                    .map(|a| format!("+ {}  {}", a.id, a.name.as_deref().unwrap_or("")))
                    .collect(),
            );
            section(
                "removed",
                d.removed
                    .iter()
                    .map(|a| format!("- {}  {}", a.id, a.name.as_deref().unwrap_or("")))
                    .collect(),
            );
            section(
                "changed",
                d.changed
                    .iter()
                    .map(|c| {
                        let fields: Vec<String> = c
                            .fields
                            .iter()
                            .map(|f| {
                                format!("{} (+{} -{})", f.field, f.added.len(), f.removed.len())
                            })
                            .collect();
                        format!(
                            "~ {}  {}: {}",
                            c.id,
                            c.name.as_deref().unwrap_or(""),
                            fields.join(", ")
                        )
                    })
                    .collect(),
            );
            Ok(true)
        }
        ListsCommand::Activate { snapshot } => {
            let mut store = open_store(data)?;
            let s = store.activate(snapshot, &now_rfc3339())?;
            println!(
                "{}: snapshot {} ({}) is now active",
                s.source, s.id, s.version
            );
            Ok(true)
        }
        ListsCommand::Update(args) => crate::update::run(data, args),
    }
}

fn print_entity(e: &Entity) {
    println!("{}  [{}]", e.id, e.kind.as_str());
    for n in &e.names {
        println!(
            "  name        {} ({}, {:?})",
            n.full,
            n.kind.as_str(),
            n.script
        );
    }
    let line = |label: &str, v: Vec<String>| {
        if !v.is_empty() {
            println!("  {label:<11} {}", v.join("; "));
        }
    };
    line(
        "born",
        e.birth_dates.iter().map(|d| d.to_string()).collect(),
    );
    line("birthplace", e.birth_places.clone());
    line("nationality", e.nationalities.clone());
    line("countries", e.countries.clone());
    line(
        "gender",
        e.gender
            .iter()
            .map(|g| format!("{g:?}").to_lowercase())
            .collect(),
    );
    line("titles", e.titles.clone());
    line("programs", e.programs.clone());
    line(
        "listed on",
        e.listed_on.iter().map(|d| d.to_string()).collect(),
    );
    for d in &e.documents {
        println!(
            "  document    {} {}{}{}",
            d.kind,
            d.number,
            d.country
                .as_deref()
                .map(|c| format!(" ({c})"))
                .unwrap_or_default(),
            d.note
                .as_deref()
                .map(|n| format!(", {n}"))
                .unwrap_or_default()
        );
    }
    for a in &e.addresses {
        let parts: Vec<&str> = [
            &a.street,
            &a.city,
            &a.region,
            &a.postal_code,
            &a.country_name,
        ]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .collect();
        println!("  address     {}", parts.join(", "));
    }
    for c in &e.crypto_addresses {
        println!("  crypto      {} {}", c.asset, c.address);
    }
    for l in &e.links {
        println!(
            "  link        {:?} {}{}",
            l.kind,
            l.target_name,
            l.target_id
                .as_ref()
                .map(|i| format!(" ({i})"))
                .unwrap_or_default()
        );
    }
    line("emails", e.emails.clone());
    line("websites", e.websites.clone());
    if let Some(v) = &e.vessel {
        println!(
            "  vessel      {}",
            serde_json::to_string(v).unwrap_or_default()
        );
    }
    if let Some(r) = &e.remarks {
        println!("  remarks     {r}");
    }
}
