//! `kansa bench chain`: ingest speed beside bare decoding of the same
//! bytes, graph build time, peak memory and bytes per edge, 6-hop haircut
//! exposure latency and a forward FIFO trace of the synthetic hack.

use crate::bench_cmd::pct;
use crate::output::json;
use anyhow::{anyhow, Context, Result};
use bitcoin::consensus::deserialize;
use kansa_chain::{split_blk, IngestReport, Ledger};
use kansa_trace::{exposure, trace, Direction, LabelLookup, Policy, TraceOptions};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(clap::Args, Debug)]
pub struct ChainBenchArgs {
    /// A directory written by `kansa chain synth`.
    #[arg(long)]
    synth: PathBuf,
    /// A directory of real block files, measured the same way (decode
    /// against ingest).
    #[arg(long)]
    real: Option<PathBuf>,
    /// Exposure queries.
    #[arg(long, default_value_t = 200)]
    queries: usize,
    /// Rounds over the real blocks (each with a fresh ledger); the round
    /// with the median ingest/decode ratio is reported.
    #[arg(long, default_value_t = 7)]
    real_rounds: usize,
    /// Where the graph files go (default: `bench-data` in the synth directory).
    #[arg(long)]
    work: Option<PathBuf>,
    /// Build the synthetic graph's columns on the heap rather than in
    /// mapped files (as `kansa chain import` does).
    #[arg(long)]
    in_memory: bool,
    #[arg(long)]
    json: bool,
}

#[derive(Serialize, Default)]
struct Speed {
    files: usize,
    megabytes: f64,
    blocks: u64,
    transactions: u64,
    decode_seconds: f64,
    decode_mb_per_s: f64,
    ingest_seconds: f64,
    ingest_mb_per_s: f64,
    /// Ingest time over bare decode time.
    ingest_over_decode: f64,
    /// Rounds measured, and the ratio of each (the median one is reported).
    rounds: usize,
    round_ratios: Vec<f64>,
}

#[derive(Serialize, Default)]
struct Report {
    synthetic: Speed,
    derive_seconds: f64,
    save_seconds: f64,
    build_seconds: f64,
    /// Columns grown in mapped files (`false`: on the heap).
    columns_in_files: bool,
    peak_rss_mib: f64,
    /// Highest resident anonymous memory during the build (heap: id
    /// tables, temporaries and, in memory, the columns), sampled every
    /// 10 ms; the rest of the resident memory is file pages the system
    /// may write out and drop.
    peak_anon_mib: f64,
    /// Entries of the ledger's txid table (transactions with outputs left
    /// to spend) at the end of ingest, and at most during it.
    txid_table_entries: usize,
    txid_table_peak: usize,
    graph: Option<kansa_chain::GraphStats>,
    open_seconds: f64,
    exposure_queries: usize,
    exposure_hops: u32,
    exposure_p50_ms: f64,
    exposure_p99_ms: f64,
    exposure_mean_transactions: f64,
    exposure_with_categories: usize,
    fifo_trace_transactions: u64,
    fifo_trace_outputs: usize,
    fifo_trace_seconds: f64,
    fifo_trace_rests: u128,
    haircut_trace_transactions: u64,
    haircut_trace_seconds: f64,
    real: Option<Speed>,
}

fn blk_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension().is_some_and(|x| x == "dat" || x == "blk")
                && p.file_name()
                    .is_some_and(|n| !n.to_string_lossy().starts_with("rev"))
        })
        .collect();
    v.sort();
    Ok(v)
}

/// Peak resident memory of this process, from /proc.
fn peak_rss_mib() -> f64 {
    proc_status_mib("VmHWM:")
}

/// A memory line of /proc/self/status (`VmHWM:`, `VmRSS:`) in MiB.
pub fn proc_status_mib(key: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|k| k.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

/// The highest `RssAnon` of this process, sampled on a thread.
struct AnonPeak {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: std::thread::JoinHandle<f64>,
}

impl AnonPeak {
    fn start() -> Self {
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let s = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut peak = 0f64;
            while !s.load(std::sync::atomic::Ordering::Relaxed) {
                peak = peak.max(proc_status_mib("RssAnon:"));
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            peak.max(proc_status_mib("RssAnon:"))
        });
        AnonPeak { stop, thread }
    }

    fn stop(self) -> f64 {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        self.thread.join().unwrap_or(0.0)
    }
}

/// Decodes every block with the `bitcoin` crate alone, then ingests the
/// same bytes; both timed without the file reads.
fn measure(files: &[PathBuf], ledger: &mut Ledger) -> Result<Speed> {
    let mut s = Speed {
        files: files.len(),
        ..Speed::default()
    };
    let mut report = IngestReport::default();
    ledger.reserve_for_block_bytes(
        files
            .iter()
            .filter_map(|f| std::fs::metadata(f).ok())
            .map(|m| m.len())
            .sum(),
    );
    for f in files {
        let bytes = std::fs::read(f).with_context(|| format!("cannot read {}", f.display()))?;
        s.megabytes += bytes.len() as f64 / 1e6;
        let blocks = split_blk(&bytes).map_err(|e| anyhow!("{}: {e}", f.display()))?;
        let t = Instant::now();
        for (_, b) in &blocks {
            let blk: bitcoin::Block =
                deserialize(b).map_err(|e| anyhow!("{}: {e}", f.display()))?;
            s.transactions += blk.txdata.len() as u64;
        }
        s.decode_seconds += t.elapsed().as_secs_f64();
        s.blocks += blocks.len() as u64;
        let t = Instant::now();
        ledger
            .ingest_blocks(
                &blocks,
                |off| format!("{} at {off}", f.display()),
                &mut report,
            )
            .map_err(|e| anyhow!(e))?;
        s.ingest_seconds += t.elapsed().as_secs_f64();
    }
    s.decode_mb_per_s = s.megabytes / s.decode_seconds.max(1e-9);
    s.ingest_mb_per_s = s.megabytes / s.ingest_seconds.max(1e-9);
    s.ingest_over_decode = s.ingest_seconds / s.decode_seconds.max(1e-9);
    Ok(s)
}

pub fn run(a: ChainBenchArgs) -> Result<bool> {
    let mut r = Report::default();
    let work = a.work.clone().unwrap_or_else(|| a.synth.join("bench-data"));
    // A fresh ledger, its columns where the build puts them.
    let ledger = || -> Result<Ledger> {
        Ok(if a.in_memory {
            Ledger::new()
        } else {
            Ledger::new().with_space(kansa_store::GraphSpace::create(&work)?)
        })
    };
    if let Some(real) = &a.real {
        let files = blk_files(real)?;
        let mut rounds = (0..a.real_rounds.max(1))
            .map(|_| measure(&files, &mut ledger()?))
            .collect::<Result<Vec<_>>>()?;
        let mut ratios: Vec<f64> = rounds.iter().map(|s| s.ingest_over_decode).collect();
        rounds.sort_by(|x, y| x.ingest_over_decode.total_cmp(&y.ingest_over_decode));
        let mut median = rounds.swap_remove(rounds.len() / 2);
        median.rounds = ratios.len();
        ratios
            .iter_mut()
            .for_each(|x| *x = (*x * 100.0).round() / 100.0);
        median.round_ratios = ratios;
        r.real = Some(median);
    }
    let files = blk_files(&a.synth)?;
    if files.is_empty() {
        return Err(anyhow!(
            "{}: no block files (write some with kansa chain synth --txs N --out {})",
            a.synth.display(),
            a.synth.display()
        ));
    }
    let sampler = AnonPeak::start();
    let mut ledger = ledger()?;
    r.columns_in_files = !a.in_memory;
    r.synthetic = measure(&files, &mut ledger)?;
    (r.txid_table_entries, r.txid_table_peak) = ledger.txid_table();
    let t = Instant::now();
    let g = ledger.into_graph();
    r.derive_seconds = t.elapsed().as_secs_f64();
    if !g.grow_errors().is_empty() {
        return Err(anyhow!(
            "cannot grow the graph's files: {:?}",
            g.grow_errors()
        ));
    }
    let t = Instant::now();
    kansa_store::save_graph(&work, &g, &kansa_store::GraphMeta::default())?;
    r.save_seconds = t.elapsed().as_secs_f64();
    r.build_seconds = r.synthetic.ingest_seconds + r.derive_seconds + r.save_seconds;
    r.peak_rss_mib = peak_rss_mib();
    r.peak_anon_mib = sampler.stop();
    r.graph = Some(g.stats());
    drop(g);
    // Queries run over the memory-mapped files, as the CLI does.
    let t = Instant::now();
    let (g, _) = kansa_store::open_graph(&work)?.ok_or_else(|| anyhow!("graph not saved"))?;
    r.open_seconds = t.elapsed().as_secs_f64();
    let labels_path = a.synth.join("labels.yaml");
    let labels = kansa_chain::parse_tagpack(
        &std::fs::read(&labels_path)
            .with_context(|| format!("cannot read {}", labels_path.display()))?,
        "labels.yaml",
    )
    .map_err(|e| anyhow!(e))?;
    let lookup = LabelLookup::new(&g, labels);
    // Exposure of addresses receiving ordinary payments.
    let mut rng = kansa_chain::synth::Rng::new(99);
    let mut times = Vec::new();
    let mut txs = 0u64;
    r.exposure_hops = 6;
    while times.len() < a.queries {
        let o = rng.below(g.output_count());
        let Some(addr) = g.out_address(o) else {
            continue;
        };
        if !lookup.labels(&g, addr).is_empty() {
            continue;
        }
        let address = g.address(addr);
        let t = Instant::now();
        let e = exposure(
            &g,
            &address,
            Direction::Backward,
            r.exposure_hops,
            &lookup,
            None,
        )
        .map_err(|e| anyhow!(e))?;
        times.push(t.elapsed().as_secs_f64() * 1000.0);
        txs += e.transactions;
        if !e.categories.is_empty() {
            r.exposure_with_categories += 1;
        }
    }
    times.sort_by(|x, y| x.total_cmp(y));
    r.exposure_queries = times.len();
    r.exposure_p50_ms = pct(&times, 0.5);
    r.exposure_p99_ms = pct(&times, 0.99);
    r.exposure_mean_transactions = txs as f64 / times.len().max(1) as f64;
    // The hack, followed forward without a horizon.
    let story: serde_json::Value = serde_json::from_slice(
        &std::fs::read(a.synth.join("story.json")).context("cannot read story.json")?,
    )?;
    let hack = format!(
        "{}:{}",
        story["hack_txid"].as_str().unwrap_or_default(),
        story["hack_vout"].as_u64().unwrap_or(0)
    );
    let src = kansa_trace::parse_outpoint(&g, &hack).map_err(|e| anyhow!(e))?;
    for policy in [Policy::Fifo, Policy::Haircut] {
        let t = Instant::now();
        let tr = trace(
            &g,
            &[src],
            &TraceOptions::new(policy, Direction::Forward, u32::MAX),
        )
        .map_err(|e| anyhow!(e))?;
        let secs = t.elapsed().as_secs_f64();
        if policy == Policy::Fifo {
            r.fifo_trace_transactions = tr.transactions;
            r.fifo_trace_outputs = tr.outputs.len();
            r.fifo_trace_seconds = secs;
            r.fifo_trace_rests = tr.resting();
        } else {
            r.haircut_trace_transactions = tr.transactions;
            r.haircut_trace_seconds = secs;
        }
    }
    if a.json {
        json(&r)?;
    } else {
        let sp = |n: &str, s: &Speed| {
            println!(
                "{n}: {} files, {:.1} MB, {} blocks, {} transactions; decode {:.1} MB/s, ingest {:.1} MB/s ({:.2}× decode time)",
                s.files, s.megabytes, s.blocks, s.transactions, s.decode_mb_per_s, s.ingest_mb_per_s, s.ingest_over_decode
            )
        };
        if let Some(real) = &r.real {
            sp("real blocks (median round)", real);
            println!(
                "real blocks, ingest/decode of each of {} rounds: {:?}",
                real.rounds, real.round_ratios
            );
        }
        sp("synthetic", &r.synthetic);
        if let Some(gs) = &r.graph {
            println!(
                "build {:.1} s (ingest {:.1} + derive {:.1} + save {:.1}), columns {}; peak RSS {:.0} MiB, peak anonymous {:.0} MiB; graph {:.0} MiB, {:.1} bytes per edge ({} outputs + {} inputs), {} addresses, {} clusters",
                r.build_seconds, r.synthetic.ingest_seconds, r.derive_seconds, r.save_seconds,
                if r.columns_in_files { "in mapped files" } else { "in memory" }, r.peak_rss_mib, r.peak_anon_mib,
                gs.bytes as f64 / 1048576.0, gs.bytes_per_edge, gs.outputs, gs.inputs, gs.addresses, gs.clusters
            );
            println!(
                "txid table: {} transactions with outputs left to spend at the end of ingest (at most {}) of {}",
                r.txid_table_entries, r.txid_table_peak, r.synthetic.transactions
            );
        }
        println!(
            "exposure (incoming, {} hops, haircut) over {} addresses: p50 {:.2} ms, p99 {:.2} ms, {:.0} transactions visited on average, {} with a labelled category",
            r.exposure_hops, r.exposure_queries, r.exposure_p50_ms, r.exposure_p99_ms, r.exposure_mean_transactions, r.exposure_with_categories
        );
        println!(
            "hack {hack}: FIFO forward {} transactions, {} outputs in {:.3} s; haircut forward {} transactions in {:.3} s",
            r.fifo_trace_transactions, r.fifo_trace_outputs, r.fifo_trace_seconds, r.haircut_trace_transactions, r.haircut_trace_seconds
        );
    }
    Ok(true)
}
