//! `kansa screen ...`: names and addresses against the active lists.

use crate::lists_cmd::open_store;
use crate::output::json;
use anyhow::{anyhow, bail, Context, Result};
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use kansa_screen::{AddressIndex, IndexConfig, Match, Query, ScreenIndex, DEFAULT_THRESHOLD};
use rayon::prelude::*;
use serde::Serialize;
use std::io::{BufRead, BufReader, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Subcommand, Debug)]
pub enum ScreenCommand {
    /// Screen one name.
    Name {
        name: String,
        #[command(flatten)]
        facts: Facts,
        #[command(flatten)]
        opts: Opts,
        /// Score every listed name instead of the index's candidates
        /// (slower; shows what the candidate search may have left out).
        #[arg(long)]
        exhaustive: bool,
        #[arg(long)]
        json: bool,
    },
    /// Screen crypto addresses (exact, with each chain's normalisation).
    Address {
        #[arg(required = true)]
        addresses: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// Screen a file of names (CSV with id,name[,kind,dob,country] or JSONL); JSONL out.
    Batch {
        #[arg(long)]
        input: PathBuf,
        #[arg(long)]
        output: Option<PathBuf>,
        #[command(flatten)]
        opts: Opts,
        /// Skip rows that cannot be read (reported on stderr) instead of stopping.
        #[arg(long)]
        skip_bad_rows: bool,
    },
}

#[derive(Args, Debug, Clone, Default)]
pub struct Facts {
    /// Date of birth: YYYY, YYYY-MM or YYYY-MM-DD.
    #[arg(long)]
    dob: Option<String>,
    /// Country or nationality: ISO code or name.
    #[arg(long)]
    country: Option<String>,
    /// person, organization, vessel, aircraft or any.
    #[arg(long, default_value = "any")]
    kind: String,
}

#[derive(Args, Debug, Clone)]
pub struct Opts {
    #[arg(long, default_value_t = DEFAULT_THRESHOLD)]
    threshold: f64,
    #[arg(long, default_value_t = 10)]
    limit: usize,
}

/// A checked query (see [`Query::parse`]).
pub fn make_query(
    name: &str,
    dob: Option<&str>,
    country: Option<&str>,
    kind: &str,
) -> Result<Query> {
    Ok(Query::parse(name, dob, country, kind)?)
}

fn check_opts(o: &Opts) -> Result<()> {
    if !(0.0..=1.0).contains(&o.threshold) {
        bail!(
            "--threshold {}: expected a number between 0 and 1",
            o.threshold
        );
    }
    Ok(())
}

/// Builds the name index from the store's active lists.
pub fn load_index(data: &Path, quiet: bool) -> Result<ScreenIndex> {
    let store = open_store(data)?;
    let t = Instant::now();
    let entities = store.active_entities()?;
    if entities.is_empty() {
        bail!(
            "no lists in {}: run `kansa lists import` or `kansa lists update` first",
            data.display()
        );
    }
    let (readings, notes) = kansa_server::resources::load_readings();
    if !quiet {
        for n in notes {
            eprintln!("note: {n}");
        }
    }
    let idx = ScreenIndex::build(entities, readings, IndexConfig::default());
    if !quiet && std::io::stderr().is_terminal() {
        eprintln!(
            "index: {} entities, {} names in {:.2} s",
            idx.entity_count(),
            idx.name_count(),
            t.elapsed().as_secs_f64()
        );
    }
    Ok(idx)
}

fn print_matches(name: &str, ms: &[Match]) {
    if ms.is_empty() {
        println!("{name}: no match");
        return;
    }
    println!("{name}: {} match(es)", ms.len());
    for m in ms {
        println!(
            "  {:.3}  {}  {} [{}]",
            m.score,
            m.entity_id,
            m.name,
            m.kind.as_str()
        );
        let e = &m.explanation.name;
        let pairs: Vec<String> = e
            .pairs
            .iter()
            .map(|p| format!("{}~{} {:.2} {}", p.query, p.candidate, p.similarity, p.how))
            .collect();
        println!(
            "         matched {:?} ({:?}): name {:.3} [{}] vs [{}]: {}",
            m.matched_name,
            m.matched_name_kind,
            m.name_score,
            e.query_form,
            e.candidate_form,
            pairs.join(", ")
        );
        for c in &m.explanation.contributions {
            println!("         {} {:+.2}: {}", c.feature, c.effect, c.detail);
        }
    }
}

#[derive(Serialize)]
struct BatchLine<'a> {
    id: &'a str,
    matches: &'a [Match],
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

struct Row {
    line: u64,
    id: String,
    query: Result<Query>,
}

fn read_rows(path: &Path, skip_bad: bool) -> Result<Vec<Row>> {
    let file = std::fs::File::open(path).with_context(|| format!("{}", path.display()))?;
    let mut r = BufReader::new(file);
    let mut first = Vec::new();
    r.read_until(b'\n', &mut first)?;
    let jsonl = first.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    let file = std::fs::File::open(path)?;
    let mut rows = Vec::new();
    let bad = |line: u64, msg: String| -> Result<()> {
        if skip_bad {
            eprintln!("warning: {}: line {line}: {msg}; skipped", path.display());
            Ok(())
        } else {
            bail!("{}: line {line}: {msg} (nothing was screened; --skip-bad-rows screens the other rows)", path.display())
        }
    };
    if jsonl {
        let mut line = 0u64;
        let mut buf = Vec::new();
        let mut r = BufReader::new(file);
        loop {
            buf.clear();
            if r.read_until(b'\n', &mut buf)? == 0 {
                break;
            }
            line += 1;
            let Ok(text) = std::str::from_utf8(&buf) else {
                bad(line, "invalid UTF-8".into())?;
                continue;
            };
            if text.trim().is_empty() {
                continue;
            }
            let v: serde_json::Value = match serde_json::from_str(text) {
                Ok(v) => v,
                Err(e) => {
                    bad(line, format!("not a JSON object: {e}"))?;
                    continue;
                }
            };
            let g = |k: &str| {
                v.get(k).and_then(|x| {
                    x.as_str()
                        .map(str::to_string)
                        .or_else(|| x.as_i64().map(|n| n.to_string()))
                })
            };
            let (Some(id), Some(name)) = (g("id"), g("name")) else {
                bad(line, "needs \"id\" and \"name\"".into())?;
                continue;
            };
            let q = make_query(
                &name,
                g("dob").as_deref(),
                g("country").as_deref(),
                g("kind").as_deref().unwrap_or("any"),
            );
            rows.push(Row { line, id, query: q });
        }
    } else {
        let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(file);
        let headers = rdr
            .headers()
            .map_err(|e| anyhow!("{}: header: {e}", path.display()))?
            .clone();
        let col = |n: &str| {
            headers
                .iter()
                .position(|h| h.trim().eq_ignore_ascii_case(n))
        };
        let (Some(ci), Some(cn)) = (col("id"), col("name")) else {
            bail!(
                "{}: the header must have id and name columns (kind, dob, country are optional)",
                path.display()
            );
        };
        let (ck, cd, cc) = (col("kind"), col("dob"), col("country"));
        let mut raw = csv::ByteRecord::new();
        loop {
            match rdr.read_byte_record(&mut raw) {
                Ok(false) => break,
                Ok(true) => {}
                Err(e) => {
                    let line = e.position().map(|p| p.line()).unwrap_or(0);
                    bad(line, e.to_string())?;
                    continue;
                }
            }
            let line = raw.position().map(|p| p.line()).unwrap_or(0);
            let rec = match csv::StringRecord::from_byte_record(raw.clone()) {
                Ok(r) => r,
                Err(_) => {
                    bad(line, "invalid UTF-8".into())?;
                    continue;
                }
            };
            let g = |c: Option<usize>| c.and_then(|i| rec.get(i)).map(str::to_string);
            let id = g(Some(ci)).unwrap_or_default();
            let q = make_query(
                &g(Some(cn)).unwrap_or_default(),
                g(cd).as_deref(),
                g(cc).as_deref(),
                g(ck).as_deref().unwrap_or("any"),
            );
            rows.push(Row { line, id, query: q });
        }
    }
    // Row-level errors (empty name, bad date) follow the same choice.
    if !skip_bad {
        if let Some(r) = rows.iter().find(|r| r.query.is_err()) {
            let msg = r
                .query
                .as_ref()
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            bail!(
                "{}: line {}: {msg} (nothing was screened; --skip-bad-rows screens the other rows)",
                path.display(),
                r.line
            );
        }
    }
    Ok(rows)
}

pub fn run(data: &Path, cmd: ScreenCommand) -> Result<bool> {
    match cmd {
        ScreenCommand::Name {
            name,
            facts,
            opts,
            exhaustive,
            json: as_json,
        } => {
            check_opts(&opts)?;
            let q = make_query(
                &name,
                facts.dob.as_deref(),
                facts.country.as_deref(),
                &facts.kind,
            )?;
            let idx = load_index(data, as_json)?;
            let ms = if exhaustive {
                let mut ms = idx.brute_force(&q, opts.threshold);
                ms.truncate(opts.limit);
                ms
            } else {
                idx.screen(&q, opts.threshold, opts.limit)
            };
            if as_json {
                json(
                    &serde_json::json!({ "query": name, "threshold": opts.threshold, "matches": ms }),
                )?;
            } else {
                print_matches(&name, &ms);
            }
            Ok(true)
        }
        ScreenCommand::Address {
            addresses,
            json: as_json,
        } => {
            let store = open_store(data)?;
            let entities = store.active_entities()?;
            let idx = AddressIndex::build(entities.iter());
            let mut out = Vec::new();
            let mut ok = true;
            for a in &addresses {
                match idx.lookup(a) {
                    Ok(hits) => out.push(serde_json::json!({ "address": a, "listed": !hits.is_empty(), "hits": hits })),
                    Err(e) => {
                        ok = false;
                        out.push(serde_json::json!({ "address": a, "error": e.to_string() }));
                    }
                }
            }
            if as_json {
                json(&out)?;
            } else {
                for (a, o) in addresses.iter().zip(&out) {
                    if let Some(e) = o.get("error") {
                        println!("{a}: error: {}", e.as_str().unwrap_or(""));
                    } else if let Some(hits) = o
                        .get("hits")
                        .and_then(|h| h.as_array())
                        .filter(|h| !h.is_empty())
                    {
                        println!("{a}: LISTED");
                        for h in hits {
                            println!(
                                "  {} {} ({}) {}",
                                h["entity_id"].as_str().unwrap_or(""),
                                h["asset"].as_str().unwrap_or(""),
                                h["listed_address"].as_str().unwrap_or(""),
                                h["name"].as_str().unwrap_or("")
                            );
                        }
                    } else {
                        println!("{a}: not listed");
                    }
                }
            }
            Ok(ok)
        }
        ScreenCommand::Batch {
            input,
            output,
            opts,
            skip_bad_rows,
        } => {
            check_opts(&opts)?;
            let rows = read_rows(&input, skip_bad_rows)?;
            let idx = load_index(data, false)?;
            let bar = if std::io::stderr().is_terminal() {
                let b = ProgressBar::new(rows.len() as u64);
                b.set_style(
                    ProgressStyle::with_template(
                        "screening [{bar:30}] {pos}/{len} {per_sec} {eta}",
                    )
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
                );
                b
            } else {
                ProgressBar::hidden()
            };
            let t = Instant::now();
            let results: Vec<(usize, Vec<Match>, Option<String>)> = rows
                .par_iter()
                .enumerate()
                .map(|(i, r)| {
                    bar.inc(1);
                    match &r.query {
                        Ok(q) => (i, idx.screen(q, opts.threshold, opts.limit), None),
                        Err(e) => (i, Vec::new(), Some(format!("line {}: {e}", r.line))),
                    }
                })
                .collect();
            bar.finish_and_clear();
            let secs = t.elapsed().as_secs_f64();
            let mut out: Box<dyn Write> = match &output {
                Some(p) => Box::new(std::io::BufWriter::new(
                    std::fs::File::create(p).with_context(|| format!("{}", p.display()))?,
                )),
                None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
            };
            let mut flagged = 0;
            for (i, ms, err) in &results {
                if !ms.is_empty() {
                    flagged += 1;
                }
                serde_json::to_writer(
                    &mut out,
                    &BatchLine {
                        id: &rows[*i].id,
                        matches: ms,
                        error: err.clone(),
                    },
                )?;
                out.write_all(b"\n")?;
            }
            out.flush()?;
            eprintln!(
                "screened {} names in {:.2} s ({:.0}/s); {} flagged ({:.2}%)",
                rows.len(),
                secs,
                rows.len() as f64 / secs.max(1e-9),
                flagged,
                100.0 * flagged as f64 / rows.len().max(1) as f64
            );
            Ok(true)
        }
    }
}
