//! `kansa monitor`: decide events with a rule pack, replay incident files,
//! check packs, and list stored decisions.

use crate::lists_cmd::{now_rfc3339, open_store};
use crate::output::json;
use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use kansa_monitor::{
    read_jsonl, Decision, Event, Monitor, NoScreening, Outcome, RulePack, Screening, Summary,
};
use kansa_screen::{AddressIndex, ScreenIndex};
use kansa_server::screening::{ChainView, StoreScreening};
use kansa_store::LedgerExt as _;
use kansa_store::StoredDecision;
use std::cell::OnceCell;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What `replay` and `run` read and how they print.
#[derive(Args, Debug)]
pub struct DecideArgs {
    /// Events, one JSON object per line.
    #[arg(long)]
    events: PathBuf,
    /// Rule pack (TOML); the default pack otherwise.
    #[arg(long)]
    rules: Option<PathBuf>,
    /// Do not screen against the stored lists, labels and graph.
    #[arg(long)]
    no_screening: bool,
    /// Print only the summary.
    #[arg(long)]
    summary: bool,
    /// JSON lines: one decision per line, then {"summary": ...}.
    #[arg(long)]
    json: bool,
}

#[derive(Subcommand, Debug)]
pub enum MonitorCommand {
    /// Decide every event of a file with a fresh state; nothing is stored.
    Replay(DecideArgs),
    /// Decide events and store each decision (idempotent by event id; the
    /// windows continue from the events stored before).
    Run(DecideArgs),
    /// Check a rule pack; errors name the line.
    Check {
        /// Rule pack (TOML); the default pack otherwise.
        rules: Option<PathBuf>,
    },
    /// Publish events (JSON lines, checked first) to a NATS JetStream
    /// stream, for `kansa serve --nats` replicas to decide.
    Publish {
        /// Event files (JSON lines).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[command(flatten)]
        nats: NatsArgs,
        #[arg(long)]
        json: bool,
    },
    /// Stored decisions, newest last.
    Decisions {
        /// Only this outcome (approve, review, hold, block).
        #[arg(long)]
        outcome: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
}

/// Where events are published and consumed.
#[derive(clap::Args, Debug, Clone)]
pub struct NatsArgs {
    /// NATS server with JetStream.
    #[arg(
        long = "nats",
        env = "KANSA_NATS",
        default_value = "nats://127.0.0.1:4222"
    )]
    pub url: String,
    /// JetStream stream (created if absent).
    #[arg(long = "nats-stream", default_value = "KANSA_EVENTS")]
    pub stream: String,
    /// Subject prefix: events go to `<prefix>.<customer>`.
    #[arg(long = "nats-subject", default_value = "kansa.events")]
    pub subject: String,
    /// Durable consumer shared by the replicas.
    #[arg(long = "nats-consumer", default_value = "kansa-decider")]
    pub consumer: String,
    /// How long a delivered event may stay unacknowledged before another
    /// replica gets it (e.g. 10s).
    #[arg(long = "nats-ack-wait", default_value = "10s", value_parser = humantime::parse_duration)]
    pub ack_wait: std::time::Duration,
}

impl NatsArgs {
    pub fn config(&self) -> kansa_server::nats::NatsConfig {
        kansa_server::nats::NatsConfig {
            url: self.url.clone(),
            stream: self.stream.clone(),
            subject: self.subject.clone(),
            consumer: self.consumer.clone(),
            ack_wait: self.ack_wait,
        }
    }
}

fn publish(files: &[PathBuf], nats: &NatsArgs, as_json: bool) -> Result<bool> {
    let mut lines = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        // Each line is checked here, so that an error names its file.
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            if let Err(e) = kansa_monitor::Event::parse(line.trim()) {
                anyhow::bail!("{}: line {}: {e}", path.display(), i + 1);
            }
            lines.push((i + 1, line.to_string()));
        }
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let out = rt
        .block_on(kansa_server::nats::publish(&nats.config(), &lines))
        .map_err(anyhow::Error::msg)?;
    if as_json {
        println!("{}", serde_json::to_string(&out)?);
    } else {
        println!(
            "published {} events to {} ({} already in the stream's duplicate window)",
            out.events, nats.stream, out.duplicates
        );
    }
    Ok(true)
}

fn load_pack(rules: Option<&Path>) -> Result<RulePack> {
    match rules {
        None => Ok(RulePack::default_pack()?),
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("cannot read {}", p.display()))?;
            Ok(RulePack::parse(&text, &p.display().to_string())?)
        }
    }
}

fn load_events(path: &Path) -> Result<Vec<Event>> {
    let f = std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(read_jsonl(
        std::io::BufReader::new(f),
        &path.display().to_string(),
    )?)
}

fn screening(data: &Path, off: bool) -> Result<Box<dyn Screening>> {
    if off {
        return Ok(Box::new(NoScreening));
    }
    // The name index is built on first use: many event files name no one.
    let dir = data.to_path_buf();
    let cell: OnceCell<Option<Arc<ScreenIndex>>> = OnceCell::new();
    let names = Box::new(move || {
        cell.get_or_init(|| crate::screen_cmd::load_index(&dir, true).ok().map(Arc::new))
            .clone()
    });
    let store = open_store(data)?;
    let entities = store.active_entities()?;
    let addresses = Arc::new(AddressIndex::build(entities.iter()));
    let chain = ChainView::load(data, &store)?.map(Arc::new);
    Ok(Box::new(
        StoreScreening::open(
            data,
            names,
            Box::new(move || addresses.clone()),
            Box::new(move || chain.clone()),
        )
        .with_context(|| format!("cannot open the store in {}", data.display()))?,
    ))
}

/// One decision as a line for people.
fn line(d: &Decision) -> String {
    let mut s = format!(
        "{} {:<14} {:<10} {:<7}",
        d.time,
        d.event,
        d.kind.as_str(),
        d.outcome.as_str().to_uppercase()
    )
    .trim_end()
    .to_string();
    if d.duplicate {
        s.push_str(" (already decided)");
    }
    if d.late {
        s.push_str(" (late)");
    }
    if d.score != 0 {
        s.push_str(&format!(" score {}", d.score));
    }
    for f in &d.fired {
        s.push_str(&format!(
            "\n    rule {}/{}: {}",
            f.scenario, f.rule, f.reason
        ));
        let vals: Vec<String> = f.values.iter().map(|(k, v)| format!("{k}={v}")).collect();
        if !vals.is_empty() {
            s.push_str(&format!(" [{}]", vals.join(", ")));
        }
    }
    for c in &d.controls {
        s.push_str(&format!(
            "\n    {} ({}): {}",
            c.control, c.outcome, c.detail
        ));
    }
    for f in &d.failures {
        s.push_str(&format!(
            "\n    FAILED rule {}/{} (line {}): {}",
            f.scenario, f.rule, f.line, f.error
        ));
    }
    for a in &d.alerts {
        s.push_str(&format!(
            "\n    ALERT {} {}: {}",
            a.kind, a.subject, a.detail
        ));
    }
    s
}

fn print_summary(s: &Summary) {
    println!("\n{} events", s.events);
    for (o, n) in &s.by_outcome {
        println!("  {o:<8} {n}");
    }
    for (asset, by) in &s.withdrawn {
        let parts: Vec<String> = by.iter().map(|(o, v)| format!("{o} {v}")).collect();
        println!("  withdrawals of {asset}: {}", parts.join(", "));
    }
    if !s.by_rule.is_empty() {
        println!("  rules fired:");
        for (r, n) in &s.by_rule {
            println!("    {r:<48} {n}");
        }
    }
    if !s.by_control.is_empty() {
        let parts: Vec<String> = s
            .by_control
            .iter()
            .map(|(c, n)| format!("{c} {n}"))
            .collect();
        println!("  controls: {}", parts.join(", "));
    }
    println!(
        "  alerts {}, rule failures {}, repeated ids {}",
        s.alerts, s.failures, s.duplicates
    );
}

struct Printer {
    json: bool,
    summary_only: bool,
    summary: Summary,
    out: std::io::BufWriter<std::io::Stdout>,
}

impl Printer {
    fn decision(&mut self, e: &Event, d: &Decision) -> Result<()> {
        self.summary.add(e, d);
        if self.summary_only {
            return Ok(());
        }
        if self.json {
            writeln!(self.out, "{}", serde_json::to_string(d)?)?;
        } else {
            writeln!(self.out, "{}", line(d))?;
        }
        Ok(())
    }

    fn finish(mut self) -> Result<()> {
        if self.json {
            writeln!(
                self.out,
                "{}",
                serde_json::json!({ "summary": self.summary })
            )?;
            self.out.flush()?;
        } else {
            self.out.flush()?;
            print_summary(&self.summary);
        }
        Ok(())
    }
}

impl DecideArgs {
    /// The pack, the events (all checked before any is decided), an
    /// engine and a printer.
    fn open(&self, data: &Path) -> Result<(Vec<Event>, Monitor, Printer)> {
        let pack = load_pack(self.rules.as_deref())?;
        let events = load_events(&self.events)?;
        let m = Monitor::new(pack, screening(data, self.no_screening)?);
        let p = Printer {
            json: self.json,
            summary_only: self.summary,
            summary: Summary::default(),
            out: std::io::BufWriter::new(std::io::stdout()),
        };
        Ok((events, m, p))
    }
}

/// Calls `f` on every stored decision, in the order decided.
fn each_stored(
    store: &dyn kansa_store::Ledger,
    mut f: impl FnMut(StoredDecision) -> Result<()>,
) -> Result<()> {
    let mut after = 0;
    loop {
        let rows = store.decisions_after(after, 10_000)?;
        let Some(last) = rows.last() else {
            return Ok(());
        };
        after = last.seq;
        for r in rows {
            f(r)?;
        }
    }
}

/// Events decided per stored batch (one transaction each).
pub const BATCH: usize = 1000;

pub use kansa_server::decisions::stored_row;

/// The ledger decisions are stored in (`--database`/`KANSA_DATABASE`, else
/// the embedded store) and the data key their personal values are sealed
/// with.
fn decision_ledger(
    data: &Path,
    database: Option<&str>,
) -> Result<(
    Box<dyn kansa_store::Ledger>,
    Option<kansa_residency::Sealer>,
)> {
    let ledger = crate::audit_cmd::open_ledger(data, database)?;
    Ok((ledger, kansa_store::data_key_from_env()?))
}

pub fn run(data: &Path, database: Option<&str>, cmd: MonitorCommand) -> Result<bool> {
    match cmd {
        MonitorCommand::Publish { files, nats, json } => publish(&files, &nats, json),
        MonitorCommand::Check { rules } => {
            let p = load_pack(rules.as_deref())?;
            let mut scenarios: Vec<&str> = p.rules.iter().map(|r| r.scenario.as_str()).collect();
            scenarios.dedup();
            println!(
                "{}: {} rules in {} scenarios, {} wallets, {} limits: ok",
                p.name,
                p.rules.len(),
                scenarios.len(),
                p.wallets.len(),
                p.limits.len()
            );
            Ok(true)
        }
        MonitorCommand::Replay(args) => {
            let (events, mut m, mut p) = args.open(data)?;
            for e in &events {
                let d = m.decide(e);
                p.decision(e, &d)?;
            }
            p.finish()?;
            Ok(true)
        }
        MonitorCommand::Run(args) => {
            let (events, mut m, mut p) = args.open(data)?;
            let (mut store, sealer) = decision_ledger(data, database)?;
            let sealer = sealer.as_ref();
            // Rebuild the windows from the stored events, in the order decided.
            kansa_server::decisions::replay(store.as_ref(), &mut m, sealer)
                .map_err(anyhow::Error::msg)?;
            for chunk in events.chunks(BATCH) {
                let mut decided = Vec::with_capacity(chunk.len());
                let mut rows = Vec::with_capacity(chunk.len());
                for e in chunk {
                    let d = match store.decision(&e.id)? {
                        Some(stored) => {
                            let (_, d) = kansa_server::decisions::opened(&stored, sealer)
                                .map_err(anyhow::Error::msg)?;
                            let mut d: Decision = serde_json::from_value(d)?;
                            d.duplicate = true;
                            d
                        }
                        None => {
                            let d = m.decide(e);
                            if !d.duplicate {
                                rows.push(stored_row(e, &d, sealer).map_err(anyhow::Error::msg)?);
                            }
                            d
                        }
                    };
                    decided.push(d);
                }
                // A decision is reported once it is stored.
                store.record_decisions(&rows, &now_rfc3339())?;
                for (e, d) in chunk.iter().zip(&decided) {
                    p.decision(e, d)?;
                }
            }
            p.finish()?;
            Ok(true)
        }
        MonitorCommand::Decisions {
            outcome,
            limit,
            json: as_json,
        } => {
            if let Some(o) = &outcome {
                if Outcome::parse(o).is_none() {
                    bail!("--outcome {o:?}: one of approve, review, hold, block");
                }
            }
            let (store, sealer) = decision_ledger(data, database)?;
            let total = store.decision_count()?;
            let mut rows = Vec::new();
            each_stored(store.as_ref(), |r| {
                if outcome.as_deref().is_none_or(|o| r.outcome == o) {
                    rows.push(r);
                }
                if rows.len() > limit * 4 {
                    rows.drain(..rows.len() - limit);
                }
                Ok(())
            })?;
            if rows.len() > limit {
                rows.drain(..rows.len() - limit);
            }
            let mut decisions: Vec<Decision> = Vec::with_capacity(rows.len());
            for r in &rows {
                let (_, d) = kansa_server::decisions::opened(r, sealer.as_ref())
                    .map_err(anyhow::Error::msg)?;
                decisions.push(serde_json::from_value(d)?);
            }
            if as_json {
                json(&decisions)?;
            } else {
                println!(
                    "{} decided events stored; showing {}",
                    total,
                    decisions.len()
                );
                for d in &decisions {
                    println!("{}", line(d));
                }
            }
            Ok(true)
        }
    }
}
