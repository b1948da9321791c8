//! `kansa trace ...`: taint and exposure over the imported graph.

use crate::chain_cmd::{amount, load, load_labels};
use crate::output::{json, table, thousands};
use anyhow::{anyhow, Result};
use clap::{Subcommand, ValueEnum};
use kansa_trace::{exposure, run_taint, Direction, Policy, TaintRequest};
use std::path::Path;

#[derive(Subcommand, Debug)]
pub enum TraceCommand {
    /// Follow funds from an output (TXID:VOUT) or everything an address
    /// received, forward (where it went) or backward (where it came from).
    Taint {
        /// TXID:VOUT, or an address (all outputs it received).
        #[arg(long)]
        from: String,
        #[arg(long, value_enum, default_value = "haircut")]
        policy: PolicyArg,
        #[arg(long, value_enum, default_value = "forward")]
        direction: DirectionArg,
        #[arg(long, default_value_t = 10)]
        max_hops: u32,
        /// Outputs carrying fewer base units (satoshis, wei...) are not followed.
        #[arg(long, default_value_t = 0)]
        min_amount: u128,
        /// The asset to follow (`chain:asset`, e.g. `ethereum:USDT`) when
        /// an address holds several; by default its first.
        #[arg(long)]
        asset: Option<String>,
        /// End the trail at labelled addresses (exchanges, mixers...).
        #[arg(long)]
        stop_at_labels: bool,
        /// Stay in the source's asset: do not continue through labelled
        /// swap and bridge services into other assets.
        #[arg(long)]
        no_cross: bool,
        /// Outputs listed at most (the largest; totals count them all).
        #[arg(long, default_value_t = 100)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
    /// Share of an address's funds (or of one output, TXID:VOUT: a deposit)
    /// from (incoming) or to (outgoing) each risk category, directly and
    /// within N hops, with explaining paths.
    Exposure {
        /// An address, or TXID:VOUT.
        address: String,
        #[arg(long, value_enum, default_value = "incoming")]
        direction: ExposureDirection,
        #[arg(long, default_value_t = 6)]
        hops: u32,
        /// The asset examined (`chain:asset`) when an address holds several.
        #[arg(long)]
        asset: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum PolicyArg {
    Poison,
    Haircut,
    Fifo,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum DirectionArg {
    Forward,
    Backward,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ExposureDirection {
    Incoming,
    Outgoing,
}

pub fn run(data: &Path, cmd: TraceCommand) -> Result<bool> {
    match cmd {
        TraceCommand::Taint {
            from,
            policy,
            direction,
            max_hops,
            min_amount,
            asset,
            stop_at_labels,
            no_cross,
            limit,
            json: as_json,
        } => {
            let (g, _) = load(data)?;
            let req = TaintRequest {
                from,
                policy: match policy {
                    PolicyArg::Poison => Policy::Poison,
                    PolicyArg::Haircut => Policy::Haircut,
                    PolicyArg::Fifo => Policy::Fifo,
                },
                direction: match direction {
                    DirectionArg::Forward => Direction::Forward,
                    DirectionArg::Backward => Direction::Backward,
                },
                max_hops,
                min_amount,
                asset,
                stop_at_labels,
                cross: !no_cross,
                limit,
            };
            let labels = if req.needs_labels(&g) {
                load_labels(data, &g)?
            } else {
                kansa_trace::LabelLookup::default()
            };
            let t0 = std::time::Instant::now();
            let out = run_taint(&g, &labels, &req).map_err(|e| anyhow!(e))?;
            let secs = t0.elapsed().as_secs_f64();
            let (r, continued) = (&out.first, &out.continued);
            if as_json {
                json(&out)?;
            } else {
                println!(
                    "{:?} {:?} from {} ({}): {} transactions, {} outputs touched in {:.3} s",
                    r.policy,
                    r.direction,
                    if r.sources.len() == 1 {
                        r.sources[0].clone()
                    } else {
                        format!("{} outputs", r.sources.len())
                    },
                    amount(r.source_amount, &r.asset),
                    thousands(
                        r.transactions + continued.iter().map(|c| c.transactions).sum::<u64>()
                    ),
                    thousands(out.outputs_touched),
                    secs
                );
                print_segment(r);
                for c in &out.crossings {
                    println!(
                        "crossed at {} {} ({}): {} became {} at {} → {}",
                        c.kind,
                        c.service,
                        c.label,
                        amount(c.amount_in, &c.from_asset),
                        amount(c.amount_out, &c.to_asset),
                        c.from_output,
                        c.to_output
                    );
                }
                for s in continued {
                    println!(
                        "\ncontinued in {} from {} ({})",
                        s.asset,
                        s.sources.join(", "),
                        amount(s.source_amount, &s.asset)
                    );
                    print_segment(s);
                }
            }
            Ok(true)
        }
        TraceCommand::Exposure {
            address,
            direction,
            hops,
            asset,
            json: as_json,
        } => {
            let (g, _) = load(data)?;
            let labels = load_labels(data, &g)?;
            let dir = match direction {
                ExposureDirection::Incoming => Direction::Backward,
                ExposureDirection::Outgoing => Direction::Forward,
            };
            let e = exposure(&g, &address, dir, hops, &labels, asset.as_deref())
                .map_err(|e| anyhow!(e))?;
            if as_json {
                json(&e)?;
            } else {
                println!(
                    "{} exposure of {} within {} hops ({}): {}",
                    match direction {
                        ExposureDirection::Incoming => "incoming",
                        ExposureDirection::Outgoing => "outgoing",
                    },
                    e.address,
                    e.hops,
                    amount(e.amount, &e.asset),
                    if e.categories.is_empty() {
                        "no labelled source reached".to_string()
                    } else {
                        format!("{} categories", e.categories.len())
                    }
                );
                for l in &e.own_labels {
                    println!(
                        "  this address's cluster is labelled {}: {}",
                        l.category, l.label
                    );
                }
                let rows: Vec<Vec<String>> = e
                    .categories
                    .iter()
                    .map(|l| {
                        vec![
                            l.category.clone(),
                            amount(l.direct, &e.asset),
                            amount(l.indirect, &e.asset),
                            format!("{:.2}%", l.share * 100.0),
                        ]
                    })
                    .collect();
                table(&["CATEGORY", "DIRECT", "INDIRECT", "SHARE"], &rows);
                for l in &e.categories {
                    for p in &l.top_paths {
                        println!(
                            "  {} {} via {} hops from {} ({}): {}",
                            l.category,
                            amount(p.amount, &e.asset),
                            p.hops,
                            p.address,
                            p.label,
                            p.steps.join(" → ")
                        );
                    }
                }
                for c in &e.crossings {
                    println!(
                        "  crossed at {} {} ({}): {} → {}",
                        c.kind,
                        c.service,
                        c.label,
                        amount(c.amount_in, &c.from_asset),
                        amount(c.amount_out, &c.to_asset)
                    );
                }
                if !e.other_assets.is_empty() {
                    println!(
                        "  the address also holds {} (examine with --asset)",
                        e.other_assets.join(", ")
                    );
                }
            }
            Ok(true)
        }
    }
}

/// The outputs of one asset's part of a trace, and where its taint rests.
fn print_segment(r: &kansa_trace::TaintReport) {
    let rows: Vec<Vec<String>> = r
        .outputs
        .iter()
        .map(|o| {
            vec![
                o.hop.to_string(),
                format!("{}:{}", o.txid, o.vout),
                amount(o.tainted, &r.asset),
                amount(o.value, &r.asset),
                o.address.clone().unwrap_or_default(),
                if o.stopped {
                    "labelled: trail ends".into()
                } else if o.spent {
                    "spent".into()
                } else {
                    "unspent".into()
                },
            ]
        })
        .collect();
    table(&["HOP", "OUTPUT", "TAINTED", "VALUE", "ADDRESS", ""], &rows);
    let rest = [
        ("unspent", r.unspent),
        ("fees", r.fees),
        ("mined", r.mined),
        ("unknown origin", r.unknown),
        ("beyond the horizon", r.beyond_horizon),
        ("at labelled addresses", r.stopped),
        ("below the minimum", r.below_minimum),
        ("into other sources", r.into_sources),
        ("converted into other assets", r.converted),
    ];
    let parts: Vec<String> = rest
        .iter()
        .filter(|(_, v)| *v > 0)
        .map(|(k, v)| format!("{k} {}", amount(*v, &r.asset)))
        .collect();
    println!("rests: {}", parts.join(", "));
}
