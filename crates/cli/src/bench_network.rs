//! `kansa bench network`: aggregated ownership over a synthetic registry
//! (by default 1 million companies and 3 million edges) — network build,
//! the listed share of every company, memory — and one company's ultimate
//! owners with their paths, timed over random companies.

use crate::bench_chain::proc_status_mib;
use crate::bench_cmd::pct;
use crate::output::json;
use anyhow::Result;
use clap::Args;
use kansa_network::ownership::OwnersLimits;
use kansa_network::synth::{self, SynthSize};
use kansa_network::{aggregate, owners, NetworkBuilder, Regime};
use serde::Serialize;
use std::time::Instant;

#[derive(Args, Debug)]
pub struct NetworkBenchArgs {
    #[arg(long, default_value_t = 1_000_000)]
    companies: usize,
    /// Ownership and directorship edges.
    #[arg(long, default_value_t = 3_000_000)]
    edges: usize,
    #[arg(long, default_value_t = 600_000)]
    people: usize,
    #[arg(long, default_value_t = 2_000)]
    listed: usize,
    /// Companies whose owners are looked up one by one.
    #[arg(long, default_value_t = 2_000)]
    queries: usize,
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct Report {
    companies: usize,
    rows: usize,
    parties: usize,
    edges: usize,
    listed: usize,
    generate_seconds: f64,
    build_seconds: f64,
    aggregate_seconds: f64,
    cyclic_components: usize,
    blocked_by_share: usize,
    blocked_by_cascade: usize,
    with_listed_share: usize,
    rss_after_build_mib: f64,
    rss_growth_aggregate_mib: f64,
    peak_rss_mib: f64,
    owners_queries: usize,
    owners_p50_ms: f64,
    owners_p99_ms: f64,
    owners_max_ms: f64,
    owners_mean_owners: f64,
}

pub fn run(args: NetworkBenchArgs) -> Result<bool> {
    let size = SynthSize {
        companies: args.companies,
        edges: args.edges,
        people: args.people,
        listed: args.listed,
        seed: 0x005E_ED0F_0A7E,
    };
    let t = Instant::now();
    let (listed, rows) = synth::registry(size);
    let generate_seconds = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let mut b = NetworkBuilder::new();
    b.add_entities(listed.iter());
    b.add_registry("synthetic.csv", &rows)?;
    let (net, _) = b.build();
    let build_seconds = t.elapsed().as_secs_f64();
    drop(listed);
    let rows_n = rows.len();
    drop(rows);
    let rss_after_build = proc_status_mib("VmRSS:");
    let regime = Regime::ofac();
    let t = Instant::now();
    let agg = aggregate(&net, &regime);
    let aggregate_seconds = t.elapsed().as_secs_f64();
    let rss_growth = proc_status_mib("VmRSS:") - rss_after_build;
    let company_ids: Vec<u32> = (0..args.companies)
        .filter_map(|c| net.find(&kansa_network::graph::registry_key(&synth::company_name(c))))
        .collect();
    let blocked_by_share = company_ids
        .iter()
        .filter(|&&v| regime.meets(agg.lo[v as usize]))
        .count();
    let blocked_by_cascade = company_ids
        .iter()
        .filter(|&&v| agg.cascade[v as usize])
        .count();
    let with_listed_share = company_ids
        .iter()
        .filter(|&&v| agg.lo[v as usize] > 0.0)
        .count();
    let mut lat = Vec::with_capacity(args.queries);
    let mut owners_total = 0usize;
    let mut x = 0x9E37_79B9u64;
    for _ in 0..args.queries {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let v = company_ids[(x % company_ids.len() as u64) as usize];
        let t = Instant::now();
        let o = owners(&net, v, OwnersLimits::default());
        lat.push(t.elapsed().as_secs_f64() * 1e3);
        owners_total += o.owners.len();
    }
    lat.sort_by(f64::total_cmp);
    let r = Report {
        companies: args.companies,
        rows: rows_n,
        parties: net.len(),
        edges: net.edges.len(),
        listed: args.listed,
        generate_seconds,
        build_seconds,
        aggregate_seconds,
        cyclic_components: agg.cyclic_components,
        blocked_by_share,
        blocked_by_cascade,
        with_listed_share,
        rss_after_build_mib: rss_after_build,
        rss_growth_aggregate_mib: rss_growth,
        peak_rss_mib: proc_status_mib("VmHWM:"),
        owners_queries: args.queries,
        owners_p50_ms: pct(&lat, 0.50),
        owners_p99_ms: pct(&lat, 0.99),
        owners_max_ms: lat.last().copied().unwrap_or(0.0),
        owners_mean_owners: owners_total as f64 / args.queries.max(1) as f64,
    };
    if args.json {
        json(&r)?;
    } else {
        println!(
            "synthetic registry: {} companies, {} rows, {} parties, {} edges, {} listed people (generated in {:.1} s)",
            r.companies, r.rows, r.parties, r.edges, r.listed, r.generate_seconds
        );
        println!(
            "network build: {:.2} s; RSS after build {:.0} MiB, peak {:.0} MiB",
            r.build_seconds, r.rss_after_build_mib, r.peak_rss_mib
        );
        println!(
            "aggregated ownership of every party: {:.3} s (RSS +{:.0} MiB); {} cycles of cross-holdings; {} companies with a listed share, {} blocked by share, {} by cascade",
            r.aggregate_seconds,
            r.rss_growth_aggregate_mib,
            r.cyclic_components,
            r.with_listed_share,
            r.blocked_by_share,
            r.blocked_by_cascade
        );
        println!(
            "one company's ultimate owners with paths ({} random companies): p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms; {:.1} owners on average",
            r.owners_queries, r.owners_p50_ms, r.owners_p99_ms, r.owners_max_ms, r.owners_mean_owners
        );
    }
    Ok(true)
}
