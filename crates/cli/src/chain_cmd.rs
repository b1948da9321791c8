//! `kansa chain ...`: block import into the graph, statistics,
//! transactions, addresses, clusters, labels, and the synthetic chain.

use crate::lists_cmd::{now_rfc3339, open_store};
use crate::output::{json, table, thousands};
use anyhow::{anyhow, bail, Context, Result};
use clap::{Subcommand, ValueEnum};
use kansa_chain::{split_blk, Graph, IngestReport, Ledger};
use kansa_store::{open_graph, save_graph, GraphMeta};
use kansa_trace::LabelLookup;
use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Subcommand, Debug)]
pub enum ChainCommand {
    /// Import Bitcoin blocks into the graph (blk*.dat files, raw blocks,
    /// or Bitcoin Core block directories, XOR-obfuscated ones included),
    /// and account-model transfers (CSV or JSON lines: chain, tx_hash,
    /// block, time, from, to, asset, amount in base units).
    Import {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        #[arg(long, value_enum, default_value = "auto")]
        format: ChainFormat,
        /// Join change outputs to their inputs' clusters (a heuristic that
        /// errs; off by default).
        #[arg(long)]
        change_heuristic: bool,
        #[arg(long)]
        json: bool,
    },
    /// Blocks, transactions, outputs, addresses, clusters, graph size.
    Stats {
        #[arg(long)]
        json: bool,
    },
    /// One transaction with its inputs resolved.
    Tx {
        txid: String,
        #[arg(long)]
        json: bool,
    },
    /// Received, sent, balance, transactions, cluster and labels of an address.
    Address {
        address: String,
        #[arg(long)]
        json: bool,
    },
    /// The addresses clustered with an address (co-spend heuristic).
    Cluster {
        address: String,
        /// Addresses listed at most.
        #[arg(long, default_value_t = 50)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
    /// Address labels: import TagPacks, list them.
    Labels {
        #[command(subcommand)]
        command: LabelsCommand,
    },
    /// Write a synthetic chain (blk files, a TagPack of its actors and the
    /// story) for scale tests and demos.
    Synth {
        /// Transactions to generate (about).
        #[arg(long)]
        txs: u64,
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

#[derive(Subcommand, Debug)]
pub enum LabelsCommand {
    /// Import GraphSense TagPacks (YAML files or directories of them).
    Import {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Count labels by category and pack.
    Ls {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq)]
pub enum ChainFormat {
    Auto,
    Blk,
    Raw,
    CoreDir,
    Transfers,
}

pub fn run(data: &Path, cmd: ChainCommand) -> Result<bool> {
    match cmd {
        ChainCommand::Import {
            paths,
            format,
            change_heuristic,
            json: as_json,
        } => import(data, &paths, format, change_heuristic, as_json),
        ChainCommand::Stats { json: as_json } => {
            let (g, meta) = load(data)?;
            let st = g.stats();
            if as_json {
                #[derive(Serialize)]
                struct Out<'a> {
                    #[serde(flatten)]
                    stats: &'a kansa_chain::GraphStats,
                    sources: &'a [String],
                    anomalies: usize,
                }
                json(&Out {
                    stats: &st,
                    sources: &meta.sources,
                    anomalies: meta.anomalies.len(),
                })?;
            } else {
                let rows = vec![
                    vec!["blocks".into(), thousands(st.blocks)],
                    vec![
                        "height".into(),
                        st.max_height.map(|h| h.to_string()).unwrap_or("-".into()),
                    ],
                    vec!["orphan blocks".into(), thousands(st.orphan_blocks)],
                    vec!["transactions".into(), thousands(st.transactions)],
                    vec!["outputs".into(), thousands(st.outputs)],
                    vec!["inputs".into(), thousands(st.inputs)],
                    vec!["unresolved inputs".into(), thousands(st.unresolved_inputs)],
                    vec!["addresses".into(), thousands(st.addresses)],
                    vec!["clusters".into(), thousands(st.clusters)],
                    vec!["unspent outputs".into(), thousands(st.unspent_outputs)],
                ];
                let mut rows = rows;
                for a in &st.assets {
                    rows.push(vec![
                        format!("{} unspent", a.asset),
                        format!(
                            "{} ({} transactions)",
                            amount(a.unspent_value, &a.asset),
                            thousands(a.transactions)
                        ),
                    ]);
                }
                rows.extend([
                    vec![
                        "graph files".into(),
                        format!(
                            "{:.1} MiB, {:.1} bytes per edge",
                            st.bytes as f64 / 1048576.0,
                            st.bytes_per_edge
                        ),
                    ],
                    vec!["anomalies".into(), meta.anomalies.len().to_string()],
                ]);
                table(&["", ""], &rows);
            }
            Ok(true)
        }
        ChainCommand::Tx {
            txid,
            json: as_json,
        } => {
            let (g, _) = load(data)?;
            let t = g
                .tx_index(&txid)
                .ok_or_else(|| anyhow!("transaction {txid} is not in the graph"))?;
            let r = g.tx_record(t);
            if as_json {
                json(&r)?;
            } else {
                let fmt = |v: kansa_chain::Amount| amount(v, &r.asset);
                println!(
                    "{}  block {} (height {}){}{}",
                    r.txid,
                    r.block,
                    r.height.map(|h| h.to_string()).unwrap_or("unknown".into()),
                    match (r.coinbase, r.opening, r.asset.as_str()) {
                        (true, _, kansa_chain::NATIVE_ASSET) => "  coinbase",
                        (true, _, _) => "  minted",
                        (_, true, _) =>
                            "  opening balance (funds from before the imported transfers)",
                        _ => "",
                    },
                    r.time
                        .map(|t| {
                            let at =
                                std::time::UNIX_EPOCH + std::time::Duration::from_secs(t as u64);
                            format!("  {}", humantime::format_rfc3339_seconds(at))
                        })
                        .unwrap_or_default()
                );
                for (k, i) in r.inputs.iter().enumerate() {
                    println!(
                        "  in  {k:>3}  {}:{}  {}  {}",
                        i.prev_txid,
                        i.prev_vout,
                        i.value.map(fmt).unwrap_or("(not in the graph)".into()),
                        i.address.as_deref().unwrap_or("")
                    );
                }
                for (k, o) in r.outputs.iter().enumerate() {
                    println!(
                        "  out {k:>3}  {}  {}  {}",
                        fmt(o.value),
                        o.address.as_deref().unwrap_or("-"),
                        o.spent_by
                            .as_ref()
                            .map(|s| format!("spent by {}:{}", s.0, s.1))
                            .unwrap_or("unspent".into())
                    );
                }
                if let Some(f) = r.fee() {
                    println!("  fee {}", fmt(f));
                }
            }
            Ok(true)
        }
        ChainCommand::Address {
            address,
            json: as_json,
        } => {
            let (g, _) = load(data)?;
            let labels = load_labels(data, &g)?;
            let s = g.address_stats(&address);
            let own = g
                .address_index(&address)
                .map(|a| labels.labels(&g, a).to_vec())
                .unwrap_or_default();
            if as_json {
                #[derive(Serialize)]
                struct Out<'a> {
                    #[serde(flatten)]
                    stats: &'a kansa_chain::AddressStats,
                    labels: &'a [kansa_chain::AddressLabel],
                }
                json(&Out {
                    stats: &s,
                    labels: &own,
                })?;
            } else {
                if s.tx_count == 0 {
                    println!("{address} does not occur in the graph");
                    return Ok(false);
                }
                let mut rows = Vec::new();
                for b in &s.assets {
                    let pre = if s.assets.len() > 1 {
                        format!("{} ", b.asset)
                    } else {
                        String::new()
                    };
                    rows.extend([
                        vec![format!("{pre}received"), amount(b.received, &b.asset)],
                        vec![format!("{pre}sent"), amount(b.sent, &b.asset)],
                        vec![format!("{pre}balance"), amount(b.balance, &b.asset)],
                        vec![
                            format!("{pre}outputs (unspent)"),
                            format!("{} ({})", b.outputs, b.unspent_outputs),
                        ],
                    ]);
                }
                rows.extend([
                    vec!["transactions".into(), s.tx_count.to_string()],
                    vec![
                        "cluster".into(),
                        format!(
                            "{} ({} addresses)",
                            s.cluster.clone().unwrap_or_default(),
                            s.cluster_size
                        ),
                    ],
                ]);
                table(&["", ""], &rows);
                for l in &own {
                    println!(
                        "label: {} — {} ({}; {}{})",
                        l.category,
                        l.label,
                        l.pack,
                        if l.address == address {
                            "this address".to_string()
                        } else {
                            format!("via cluster member {}", l.address)
                        },
                        l.actor
                            .as_ref()
                            .map(|a| format!("; actor {a}"))
                            .unwrap_or_default()
                    );
                }
            }
            Ok(s.tx_count > 0)
        }
        ChainCommand::Cluster {
            address,
            limit,
            json: as_json,
        } => {
            let (g, _) = load(data)?;
            let c = g
                .cluster_of(&address)
                .ok_or_else(|| anyhow!("address {address} does not occur in the graph"))?;
            if as_json {
                json(&c)?;
            } else {
                println!("cluster {} — {} addresses", c.id, c.size);
                for a in c.addresses.iter().take(limit) {
                    println!("  {a}");
                }
                if c.size > limit {
                    println!("  … {} more (--limit)", c.size - limit);
                }
            }
            Ok(true)
        }
        ChainCommand::Labels { command } => labels(data, command),
        ChainCommand::Synth { txs, out, seed } => synth(&out, txs, seed),
    }
}

/// 123456789 satoshis → "1.23456789 BTC".
pub fn btc(sat: kansa_chain::Amount) -> String {
    format!("{}.{:08} BTC", sat / 100_000_000, sat % 100_000_000)
}

/// Decimals and symbol of the assets whose decimals are known: natives
/// and the large stablecoins (by symbol or contract).
fn decimals(asset: &str) -> Option<(u32, &str)> {
    let (_, a) = asset.split_once(':')?;
    Some(match a {
        "ETH" => (18, "ETH"),
        "BNB" => (18, "BNB"),
        "POL" => (18, "POL"),
        "AVAX" => (18, "AVAX"),
        "TRX" => (6, "TRX"),
        "USDT"
        | "0xdac17f958d2ee523a2206206994597c13d831ec7"
        | "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t" => (6, "USDT"),
        "USDC"
        | "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48"
        | "TEkxiTehnzSmSe2XqrBj4w32RUN966rdz8" => (6, "USDC"),
        _ => return None,
    })
}

/// An amount in its asset: BTC with 8 decimals, other assets of known
/// decimals in their units, the rest in base units with the asset named.
pub fn amount(v: kansa_chain::Amount, asset: &str) -> String {
    if asset == kansa_chain::NATIVE_ASSET {
        return btc(v);
    }
    match decimals(asset) {
        Some((d, sym)) => {
            let unit = 10u128.pow(d);
            let frac = format!("{:0width$}", v % unit, width = d as usize);
            let frac = frac.trim_end_matches('0');
            if frac.is_empty() {
                format!("{} {sym}", v / unit)
            } else {
                format!("{}.{frac} {sym}", v / unit)
            }
        }
        None => format!("{v} base units of {asset}"),
    }
}

/// The saved graph; an error telling how to make one if there is none.
pub fn load(data: &Path) -> Result<(Graph, GraphMeta)> {
    open_graph(data)?.ok_or_else(|| {
        anyhow!(
            "no chain data in {}: import blocks first (kansa chain import PATH)",
            data.display()
        )
    })
}

/// Labels from the stored packs and the active sanctions lists, spread
/// over clusters.
pub fn load_labels(data: &Path, g: &Graph) -> Result<LabelLookup> {
    Ok(kansa_server::screening::labels(&open_store(data)?, g)?)
}

/// Whether a file holds transfers (CSV or JSON lines) rather than blocks:
/// by its extension, else by its first bytes being text.
fn is_transfer_file(p: &Path) -> bool {
    if p.is_dir() {
        return false;
    }
    let ext = p
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    if let Some("csv" | "jsonl" | "ndjson" | "json") = ext.as_deref() {
        return true;
    }
    let mut head = [0u8; 64];
    let n = std::fs::File::open(p)
        .and_then(|mut f| std::io::Read::read(&mut f, &mut head))
        .unwrap_or(0);
    let head = &head[..n];
    n > 0
        && (head.first() == Some(&b'{')
            || (head
                .iter()
                .all(|b| b.is_ascii_graphic() || b.is_ascii_whitespace())
                && head.contains(&b',')))
}

/// Block files of one input path, with the XOR key of their directory.
fn block_files(path: &Path, format: ChainFormat) -> Result<Vec<(PathBuf, [u8; 8])>> {
    let key_of = |dir: &Path| -> Result<[u8; 8]> {
        let x = dir.join("xor.dat");
        if x.exists() {
            let b = std::fs::read(&x).with_context(|| format!("cannot read {}", x.display()))?;
            kansa_chain::xor_key(&b).map_err(|e| anyhow!("{}: {e}", x.display()))
        } else {
            Ok([0; 8])
        }
    };
    if path.is_dir() {
        if !matches!(format, ChainFormat::Auto | ChainFormat::CoreDir) {
            bail!("{} is a directory: use --format core-dir", path.display());
        }
        let key = key_of(path)?;
        let mut files: Vec<PathBuf> = std::fs::read_dir(path)
            .with_context(|| format!("cannot read {}", path.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("blk") && n.ends_with(".dat"))
            })
            .collect();
        files.sort();
        if files.is_empty() {
            bail!(
                "{}: no blk*.dat files (is this Bitcoin Core's blocks directory?)",
                path.display()
            );
        }
        return Ok(files.into_iter().map(|f| (f, key)).collect());
    }
    let key = match path.parent() {
        Some(dir)
            if path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("blk")) =>
        {
            key_of(dir)?
        }
        _ => [0; 8],
    };
    Ok(vec![(path.to_path_buf(), key)])
}

#[derive(Serialize)]
struct ImportOut {
    files: Vec<String>,
    report: IngestReport,
    stats: kansa_chain::GraphStats,
    seconds: f64,
}

fn import(
    data: &Path,
    paths: &[PathBuf],
    format: ChainFormat,
    change: bool,
    as_json: bool,
) -> Result<bool> {
    let t0 = std::time::Instant::now();
    let (ledger, mut meta) = match open_graph(data)? {
        Some((g, m)) => (Ledger::from_graph(g), m),
        None => (Ledger::new(), GraphMeta::default()),
    };
    // Columns grow in mapped files beside the graph (out of core).
    let mut ledger = ledger.with_space(kansa_store::GraphSpace::create(data)?);
    let mut report = IngestReport::default();
    let mut files = Vec::new();
    for p in paths {
        if format == ChainFormat::Transfers || (format == ChainFormat::Auto && is_transfer_file(p))
        {
            let name = p.display().to_string();
            let bytes = std::fs::read(p).with_context(|| format!("cannot read {name}"))?;
            let rows = kansa_chain::parse_transfers(&bytes, &name)
                .map_err(|e| anyhow!("{e}; nothing was imported"))?;
            ledger.ingest_transfers(&rows, &mut report);
            files.push(name);
            continue;
        }
        let block_files = block_files(p, format)?;
        ledger.reserve_for_block_bytes(
            block_files
                .iter()
                .filter_map(|(f, _)| std::fs::metadata(f).ok())
                .map(|m| m.len())
                .sum(),
        );
        for (f, key) in block_files {
            let name = f.display().to_string();
            let mut bytes = std::fs::read(&f).with_context(|| format!("cannot read {name}"))?;
            kansa_chain::unxor(&mut bytes, &key);
            let framed = kansa_chain::looks_framed(&bytes);
            let as_raw = match format {
                ChainFormat::Raw => true,
                ChainFormat::Blk | ChainFormat::CoreDir => false,
                _ => !framed,
            };
            if as_raw {
                ledger.ingest_block(&bytes, &name, &mut report).map_err(|e| {
                    if format == ChainFormat::Auto {
                        anyhow!("{e} (nor is it a blk file: it does not start with the network magic f9beb4d9); nothing was imported")
                    } else {
                        anyhow!("{e}; nothing was imported")
                    }
                })?;
            } else {
                let blocks =
                    split_blk(&bytes).map_err(|e| anyhow!("{name}: {e}; nothing was imported"))?;
                ledger
                    .ingest_blocks(&blocks, |off| format!("{name} at byte {off}"), &mut report)
                    .map_err(|e| anyhow!("{e}; nothing was imported"))?;
            }
            files.push(name);
        }
    }
    let g = ledger.into_graph_reporting(
        kansa_chain::BuildOptions {
            change_heuristic: change,
        },
        &mut report,
    );
    let failed = g.grow_errors();
    if !failed.is_empty() {
        return Err(anyhow!(
            "cannot grow the graph's files ({}); nothing was imported",
            failed.join("; ")
        ));
    }
    meta.written_at = now_rfc3339();
    meta.sources.extend(files.iter().cloned());
    meta.anomalies.extend(report.anomalies.iter().cloned());
    meta.anomalies.truncate(1000);
    save_graph(data, &g, &meta)?;
    let out = ImportOut {
        files,
        stats: g.stats(),
        report,
        seconds: t0.elapsed().as_secs_f64(),
    };
    if as_json {
        json(&out)?;
    } else {
        let r = &out.report;
        println!(
            "imported {} files: {} new blocks ({} already known), {} transactions; {} orphan blocks, {} inputs waiting for their outputs; {:.2} s",
            out.files.len(),
            thousands(r.blocks_new),
            thousands(r.blocks_already_known),
            thousands(r.transactions),
            r.orphans,
            thousands(r.unresolved_inputs),
            out.seconds
        );
        for a in r.anomalies.iter().take(10) {
            println!("  anomaly: {a}");
        }
        if r.anomalies.len() > 10 {
            println!(
                "  … {} more anomalies (kansa chain stats --json)",
                r.anomalies.len() - 10
            );
        }
        if r.transfers + r.transfers_already_known + r.zero_transfers > 0 {
            println!(
                "transfers: {} added ({} opening balances for senders seen spending more than they got), {} already known, {} of nothing skipped",
                thousands(r.transfers),
                thousands(r.openings),
                thousands(r.transfers_already_known),
                thousands(r.zero_transfers)
            );
        }
        println!(
            "graph: {} blocks, {} transactions, {} addresses, {} clusters",
            thousands(out.stats.blocks),
            thousands(out.stats.transactions),
            thousands(out.stats.addresses),
            thousands(out.stats.clusters)
        );
    }
    Ok(true)
}

fn labels(data: &Path, cmd: LabelsCommand) -> Result<bool> {
    match cmd {
        LabelsCommand::Import {
            paths,
            json: as_json,
        } => {
            let mut files = Vec::new();
            for p in &paths {
                if p.is_dir() {
                    let mut v: Vec<PathBuf> = std::fs::read_dir(p)
                        .with_context(|| format!("cannot read {}", p.display()))?
                        .filter_map(|e| e.ok().map(|e| e.path()))
                        .filter(|f| f.extension().is_some_and(|x| x == "yaml" || x == "yml"))
                        .collect();
                    v.sort();
                    files.extend(v);
                } else {
                    files.push(p.clone());
                }
            }
            #[derive(Serialize)]
            struct Line {
                file: String,
                labels: usize,
                #[serde(skip_serializing_if = "Option::is_none")]
                skipped: Option<String>,
            }
            let mut all = Vec::new();
            let mut lines = Vec::new();
            for f in &files {
                let name = f.display().to_string();
                let bytes = std::fs::read(f).with_context(|| format!("cannot read {name}"))?;
                match kansa_chain::parse_tagpack(&bytes, &name) {
                    Ok(l) => {
                        lines.push(Line {
                            file: name,
                            labels: l.len(),
                            skipped: None,
                        });
                        all.extend(l);
                    }
                    // An ActorPack beside the TagPacks is expected: skipped, said.
                    Err(e) if e.contains("ActorPack") => lines.push(Line {
                        file: name,
                        labels: 0,
                        skipped: Some(e),
                    }),
                    Err(e) => bail!("{e}; no labels were imported"),
                }
            }
            let mut store = open_store(data)?;
            let n = store.replace_labels(&all, &now_rfc3339())?;
            if as_json {
                json(&lines)?;
            } else {
                for l in &lines {
                    match &l.skipped {
                        Some(why) => println!("{}: skipped ({why})", l.file),
                        None => println!("{}: {} labels", l.file, l.labels),
                    }
                }
                println!("{n} labels stored");
            }
            Ok(true)
        }
        LabelsCommand::Ls { json: as_json } => {
            let all = open_store(data)?.all_address_labels()?;
            let mut counts: std::collections::BTreeMap<(String, String), usize> =
                Default::default();
            for l in &all {
                *counts
                    .entry((l.pack.clone(), l.category.clone()))
                    .or_default() += 1;
            }
            if as_json {
                let v: Vec<serde_json::Value> = counts
                    .iter()
                    .map(|((p, c), n)| serde_json::json!({"pack": p, "category": c, "labels": n}))
                    .collect();
                json(&v)?;
            } else {
                let rows: Vec<Vec<String>> = counts
                    .iter()
                    .map(|((p, c), n)| vec![p.clone(), c.clone(), n.to_string()])
                    .collect();
                table(&["PACK", "CATEGORY", "LABELS"], &rows);
            }
            Ok(true)
        }
    }
}

/// Writes the synthetic chain as blk files of at most 128 MiB, with
/// `labels.yaml` (a TagPack of its exchanges, thief and mixer) and
/// `story.json`.
fn synth(out: &Path, txs: u64, seed: u64) -> Result<bool> {
    use bitcoin::consensus::serialize;
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let mut s = kansa_chain::synth::Synth::new(txs, seed);
    let mut file_no = 0;
    let open = |n: u32| -> Result<std::io::BufWriter<std::fs::File>> {
        let p = out.join(format!("blk{n:05}.dat"));
        Ok(std::io::BufWriter::new(
            std::fs::File::create(&p).with_context(|| format!("cannot create {}", p.display()))?,
        ))
    };
    let mut w = open(file_no)?;
    let mut written = 0usize;
    let mut total = 0u64;
    while let Some(b) = s.next_block() {
        let bytes = serialize(&b);
        if written + bytes.len() + 8 > 128 << 20 {
            w.flush()?;
            file_no += 1;
            w = open(file_no)?;
            written = 0;
        }
        w.write_all(&kansa_chain::MAINNET_MAGIC)?;
        w.write_all(&(bytes.len() as u32).to_le_bytes())?;
        w.write_all(&bytes)?;
        written += bytes.len() + 8;
        total += bytes.len() as u64 + 8;
    }
    w.flush()?;
    let story = s.story().clone();
    let mut y = String::from(
        "title: Synthetic chain actors\ncreator: kansa chain synth\nconfidence: service_data\nsource: kansa chain synth\ntags:\n",
    );
    for (name, addrs) in &story.exchanges {
        for a in addrs {
            y.push_str(&format!(
                "- address: {a}\n  currency: BTC\n  category: exchange\n  label: {name}\n  actor: {name}\n"
            ));
        }
    }
    for a in &story.hacker_addresses {
        y.push_str(&format!(
            "- address: {a}\n  currency: BTC\n  category: user\n  abuse: service_hack\n  label: synthetic hack of synth-exchange-0\n  actor: synth-thief\n"
        ));
    }
    for a in &story.mixer_addresses {
        y.push_str(&format!(
            "- address: {a}\n  currency: BTC\n  category: mixing_service\n  label: synthetic mixer\n  actor: synth-mixer\n"
        ));
    }
    std::fs::write(out.join("labels.yaml"), y)?;
    std::fs::write(out.join("story.json"), serde_json::to_vec_pretty(&story)?)?;
    println!(
        "wrote {} blocks, {} transactions, {:.1} MiB in {} blk files to {}; labels.yaml and story.json beside them (hack: {}:{})",
        story.blocks,
        story.transactions,
        total as f64 / 1048576.0,
        file_no + 1,
        out.display(),
        story.hack_txid,
        story.hack_vout
    );
    Ok(true)
}
