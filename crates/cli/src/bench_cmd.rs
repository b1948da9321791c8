//! `kansa bench screen`: the screener's speed and quality on the active
//! lists, measured in one run (release builds only give meaningful times).

use crate::output::json;
use anyhow::Result;
use clap::Subcommand;
use kansa_screen::synth::{customer, person_name, perturb, Rng};
use kansa_screen::{IndexConfig, Query, ScreenIndex, DEFAULT_THRESHOLD};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::HashSet;
use std::path::Path;
use std::time::Instant;

#[derive(Subcommand, Debug)]
pub enum BenchCommand {
    /// Index build, query latency, batch throughput, index recall, false-positive rate.
    Screen(ScreenBenchArgs),
    /// Chain ingest against bare decoding, graph build size and memory,
    /// exposure latency and a hack's FIFO trace on a synthetic chain.
    Chain(crate::bench_chain::ChainBenchArgs),
    /// Monitoring decisions per second and latency, in process and stored;
    /// window memory per active customer.
    Monitor(crate::bench_monitor::MonitorBenchArgs),
    /// Aggregated ownership over a synthetic registry (1M companies, 3M
    /// edges by default) and one company's owners with paths.
    Network(crate::bench_network::NetworkBenchArgs),
}

#[derive(clap::Args, Debug)]
pub struct ScreenBenchArgs {
    /// Single-thread latency queries.
    #[arg(long, default_value_t = 5000)]
    pub queries: usize,
    /// Synthetic customers screened in the batch run.
    #[arg(long, default_value_t = 50_000)]
    pub population: usize,
    /// Queries checked against brute force for recall.
    #[arg(long, default_value_t = 400)]
    pub recall_queries: usize,
    #[arg(long, default_value_t = DEFAULT_THRESHOLD)]
    pub threshold: f64,
    #[arg(long)]
    pub json: bool,
    /// Also write every flagged customer, every perturbed list name not
    /// found and every match the index did not retrieve that scoring every
    /// name finds to this file (TSV: what, query, entity or match, detail).
    #[arg(long)]
    pub details: Option<std::path::PathBuf>,
}

#[derive(Serialize)]
struct Report {
    entities: usize,
    names: usize,
    readings_load_seconds: f64,
    store_read_seconds: f64,
    index_build_seconds: f64,
    threshold: f64,
    latency_queries: usize,
    latency_p50_us: f64,
    latency_p99_us: f64,
    latency_mean_us: f64,
    batch_names: usize,
    batch_seconds: f64,
    batch_names_per_second: f64,
    threads: usize,
    flagged: usize,
    flagged_share: f64,
    flagged_examples: Vec<(String, String, f64)>,
    perturbed_listed_names: usize,
    perturbed_found: usize,
    perturbed_found_share: f64,
    /// The same customers as a register holds them: persons with a date
    /// of birth and a country.
    flagged_with_dob_country: usize,
    flagged_with_dob_country_share: f64,
    flagged_with_dob_country_examples: Vec<(String, String, f64)>,
    /// Perturbed list names queried with the entity's own kind, listed
    /// date of birth and country (where it has them).
    perturbed_found_with_dob_country: usize,
    perturbed_found_with_dob_country_share: f64,
    perturbed_missed_examples: Vec<(String, String, &'static str)>,
    recall_queries: usize,
    brute_force_matches: usize,
    index_matches_of_those: usize,
    index_recall: f64,
    index_missed_examples: Vec<(String, String)>,
}

pub fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

pub fn run(data: &Path, cmd: BenchCommand) -> Result<bool> {
    let ScreenBenchArgs {
        queries,
        population,
        recall_queries,
        threshold,
        json: as_json,
        details,
    } = match cmd {
        BenchCommand::Screen(args) => args,
        BenchCommand::Chain(args) => return crate::bench_chain::run(args),
        BenchCommand::Monitor(args) => return crate::bench_monitor::run(args),
        BenchCommand::Network(args) => return crate::bench_network::run(args),
    };
    let t = Instant::now();
    let (readings, notes) = kansa_server::resources::load_readings();
    let readings_secs = t.elapsed().as_secs_f64();
    for n in notes {
        eprintln!("note: {n}");
    }
    let t = Instant::now();
    let store = crate::lists_cmd::open_store(data)?;
    let entities = store.active_entities()?;
    let store_secs = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let idx = ScreenIndex::build(entities, readings, IndexConfig::default());
    let build_secs = t.elapsed().as_secs_f64();
    eprintln!(
        "index: {} entities, {} names, built in {build_secs:.3} s",
        idx.entity_count(),
        idx.name_count()
    );

    // Listed names with typos and reordering: are they still found?
    let mut rng = Rng::new(20_261_122);
    let listed: Vec<(String, String)> = idx
        .entities()
        .iter()
        .filter(|e| {
            matches!(
                e.kind,
                kansa_model::EntityKind::Person | kansa_model::EntityKind::Organization
            )
        })
        .filter_map(|e| e.primary_name().map(|n| (e.id.to_string(), n.to_string())))
        .filter(|(_, n)| n.chars().filter(|c| c.is_alphabetic()).count() >= 8)
        .collect();
    let mut perturbed = Vec::new();
    for _ in 0..queries.min(listed.len()) {
        let (id, name) = &listed[rng.below(listed.len())];
        let (p, how) = perturb(name, &mut rng);
        perturbed.push((id.clone(), p, how));
    }
    // Latency: perturbed listed names and synthetic customers, one thread.
    let mut lat = Vec::with_capacity(perturbed.len() * 2);
    let mut found = 0;
    let mut missed = Vec::new();
    let mut all_missed = Vec::new();
    for (id, name, how) in &perturbed {
        let q = Query {
            name: name.clone(),
            ..Query::default()
        };
        let t = Instant::now();
        let ms = idx.screen(&q, threshold, 10);
        lat.push(t.elapsed().as_secs_f64() * 1e6);
        if ms.iter().any(|m| &m.entity_id == id) {
            found += 1;
        } else {
            if missed.len() < 15 {
                missed.push((id.clone(), name.clone(), *how));
            }
            all_missed.push((id.clone(), name.clone(), *how));
        }
    }
    // The same perturbed names with the listed person's own facts.
    let mut found_facts = 0;
    for (id, name, _) in &perturbed {
        let e = idx.entity(id);
        let q = Query {
            name: name.clone(),
            birth_date: e.and_then(listed_birth_date),
            country: e.and_then(|e| e.nationalities.first().or(e.countries.first()).cloned()),
            kind: e.map(|e| e.kind),
        };
        if idx
            .screen(&q, threshold, 10)
            .iter()
            .any(|m| &m.entity_id == id)
        {
            found_facts += 1;
        }
    }
    let mut srng = Rng::new(42);
    for _ in 0..queries {
        let q = Query {
            name: person_name(&mut srng),
            ..Query::default()
        };
        let t = Instant::now();
        let _ = idx.screen(&q, threshold, 10);
        lat.push(t.elapsed().as_secs_f64() * 1e6);
    }
    lat.sort_by(f64::total_cmp);
    // Batch: synthetic customers on all cores.
    let mut prng = Rng::new(7);
    let people: Vec<String> = (0..population).map(|_| person_name(&mut prng)).collect();
    let t = Instant::now();
    let results: Vec<(usize, Option<(String, f64)>)> = people
        .par_iter()
        .enumerate()
        .map(|(i, n)| {
            let ms = idx.screen(
                &Query {
                    name: n.clone(),
                    ..Query::default()
                },
                threshold,
                1,
            );
            (i, ms.first().map(|m| (m.matched_name.clone(), m.score)))
        })
        .collect();
    let batch_secs = t.elapsed().as_secs_f64();
    // The same names as a register holds them: persons, with a date of
    // birth and a country.
    let (mut prng, mut frng) = (Rng::new(7), Rng::new(8));
    let with_facts: Vec<(String, Option<(String, f64)>)> = (0..population)
        .map(|_| customer(&mut prng, &mut frng))
        .collect::<Vec<_>>()
        .into_par_iter()
        .map(|(n, dob, cc)| {
            let ms = idx.screen(
                &Query {
                    name: n.clone(),
                    birth_date: Some(dob),
                    country: Some(cc.to_string()),
                    kind: Some(kansa_model::EntityKind::Person),
                },
                threshold,
                1,
            );
            let label = format!("{n} ({dob}, {cc})");
            (label, ms.first().map(|m| (m.matched_name.clone(), m.score)))
        })
        .collect();
    let flagged_facts: Vec<(String, String, f64)> = with_facts
        .into_iter()
        .filter_map(|(q, m)| m.map(|(n, s)| (q, n, s)))
        .collect();
    let flagged: Vec<(String, String, f64)> = results
        .iter()
        .filter_map(|(i, m)| m.as_ref().map(|(n, s)| (people[*i].clone(), n.clone(), *s)))
        .collect();
    // Recall of the index against scoring every name.
    let mut rrng = Rng::new(99);
    let mut brute = 0;
    let mut recall_missed: Vec<(String, String)> = Vec::new();
    let mut both = 0;
    for k in 0..recall_queries {
        let name = if k % 2 == 0 {
            perturbed[rrng.below(perturbed.len().max(1))].1.clone()
        } else {
            person_name(&mut rrng)
        };
        let q = Query {
            name,
            ..Query::default()
        };
        let brute_ms = idx.brute_force(&q, threshold);
        let want: HashSet<String> = brute_ms.iter().map(|m| m.entity_id.clone()).collect();
        let got: HashSet<String> = idx
            .screen(&q, threshold, usize::MAX)
            .into_iter()
            .map(|m| m.entity_id)
            .collect();
        brute += want.len();
        both += want.intersection(&got).count();
        for m in brute_ms.iter().filter(|m| !got.contains(&m.entity_id)) {
            recall_missed.push((
                q.name.clone(),
                format!("{} {:?} {:.2}", m.entity_id, m.matched_name, m.score),
            ));
        }
    }
    if let Some(path) = &details {
        let mut out = String::new();
        for (q, m, score) in &flagged {
            out.push_str(&format!("flagged\t{q}\t{m}\t{score:.3}\n"));
        }
        for (q, m, score) in &flagged_facts {
            out.push_str(&format!("flagged-with-facts\t{q}\t{m}\t{score:.3}\n"));
        }
        for (id, name, how) in &all_missed {
            out.push_str(&format!("missed\t{name}\t{id}\t{how}\n"));
        }
        for (q, m) in &recall_missed {
            out.push_str(&format!("not-retrieved\t{q}\t{m}\n"));
        }
        std::fs::write(path, out).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    }
    let r = Report {
        entities: idx.entity_count(),
        names: idx.name_count(),
        readings_load_seconds: readings_secs,
        store_read_seconds: store_secs,
        index_build_seconds: build_secs,
        threshold,
        latency_queries: lat.len(),
        latency_p50_us: pct(&lat, 0.5),
        latency_p99_us: pct(&lat, 0.99),
        latency_mean_us: lat.iter().sum::<f64>() / lat.len().max(1) as f64,
        batch_names: population,
        batch_seconds: batch_secs,
        batch_names_per_second: population as f64 / batch_secs.max(1e-9),
        threads: rayon::current_num_threads(),
        flagged: flagged.len(),
        flagged_share: flagged.len() as f64 / population.max(1) as f64,
        flagged_examples: flagged.iter().take(60).cloned().collect(),
        perturbed_listed_names: perturbed.len(),
        perturbed_found: found,
        perturbed_found_share: found as f64 / perturbed.len().max(1) as f64,
        flagged_with_dob_country: flagged_facts.len(),
        flagged_with_dob_country_share: flagged_facts.len() as f64 / population.max(1) as f64,
        flagged_with_dob_country_examples: flagged_facts.iter().take(30).cloned().collect(),
        perturbed_found_with_dob_country: found_facts,
        perturbed_found_with_dob_country_share: found_facts as f64 / perturbed.len().max(1) as f64,
        perturbed_missed_examples: missed,
        recall_queries,
        brute_force_matches: brute,
        index_matches_of_those: both,
        index_recall: if brute == 0 {
            1.0
        } else {
            both as f64 / brute as f64
        },
        index_missed_examples: recall_missed.into_iter().take(25).collect(),
    };
    if as_json {
        json(&r)?;
        return Ok(true);
    }
    println!("lists: {} entities, {} names", r.entities, r.names);
    println!(
        "load: readings {:.3} s, store {:.3} s; index build {:.3} s",
        r.readings_load_seconds, r.store_read_seconds, r.index_build_seconds
    );
    println!(
        "latency (1 thread, {} queries): p50 {:.1} µs, p99 {:.1} µs, mean {:.1} µs",
        r.latency_queries, r.latency_p50_us, r.latency_p99_us, r.latency_mean_us
    );
    println!(
        "batch ({} threads): {} names in {:.2} s = {:.0} names/s",
        r.threads, r.batch_names, r.batch_seconds, r.batch_names_per_second
    );
    println!(
        "synthetic customers flagged at {:.2}: {} ({:.2}%)",
        r.threshold,
        r.flagged,
        100.0 * r.flagged_share
    );
    for (q, m, s) in &r.flagged_examples {
        println!("  {s:.2}  {q} ~ {m}");
    }
    println!(
        "perturbed listed names found: {} of {} ({:.1}%)",
        r.perturbed_found,
        r.perturbed_listed_names,
        100.0 * r.perturbed_found_share
    );
    for (id, n, how) in &r.perturbed_missed_examples {
        println!("  missed {id}: {n:?} ({how})");
    }
    println!(
        "with a date of birth and a country: customers flagged {} ({:.2}%); perturbed listed names found {} ({:.1}%)",
        r.flagged_with_dob_country,
        100.0 * r.flagged_with_dob_country_share,
        r.perturbed_found_with_dob_country,
        100.0 * r.perturbed_found_with_dob_country_share
    );
    for (q, m, s) in &r.flagged_with_dob_country_examples {
        println!("  {s:.3}  {q} ~ {m}");
    }
    println!(
        "index recall vs brute force ({} queries): {} of {} = {:.4}",
        r.recall_queries, r.index_matches_of_those, r.brute_force_matches, r.index_recall
    );
    for (q, id) in &r.index_missed_examples {
        println!("  not retrieved: {q:?} -> {id}");
    }
    Ok(true)
}

/// The listed date of birth a person would give: the exact one, or the
/// first year of a span.
fn listed_birth_date(e: &kansa_model::Entity) -> Option<kansa_model::PartialDate> {
    e.birth_dates.first().map(|v| match v {
        kansa_model::DateValue::Exact { date } | kansa_model::DateValue::Circa { date } => *date,
        kansa_model::DateValue::Between { from, .. } => *from,
    })
}
