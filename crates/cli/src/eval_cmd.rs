//! `kansa eval names FILE`: precision, recall and F1 of the name matcher on
//! labelled pairs (`name1,name2,is_match`, the nomenklatura name-bench format).

use crate::output::json;
use anyhow::{anyhow, bail, Context, Result};
use clap::Subcommand;
use kansa_screen::{compare_names, name_score, MatchConfig, NameClass, DEFAULT_THRESHOLD};
use serde::Serialize;
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Subcommand, Debug)]
pub enum EvalCommand {
    /// Score labelled name pairs and report precision, recall and F1.
    Names {
        file: PathBuf,
        #[arg(long, default_value_t = DEFAULT_THRESHOLD)]
        threshold: f64,
        /// How many false positives and false negatives to print.
        #[arg(long, default_value_t = 20)]
        show: usize,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Serialize)]
struct Row {
    line: u64,
    name1: String,
    name2: String,
    is_match: bool,
    score: f64,
    explanation: String,
}

#[derive(Serialize)]
struct Report {
    file: String,
    pairs: usize,
    threshold: f64,
    true_positives: usize,
    false_positives: usize,
    true_negatives: usize,
    false_negatives: usize,
    precision: f64,
    recall: f64,
    f1: f64,
    /// Analysing every name and comparing every pair.
    scoring_seconds: f64,
    pairs_per_second: f64,
    /// Of which analysing the names (transliteration, tokens, keys).
    analysis_seconds: f64,
    /// Of which comparing the analysed names.
    compare_seconds: f64,
    false_positive_rows: Vec<Row>,
    false_negative_rows: Vec<Row>,
}

fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "t" | "y" => Some(true),
        "false" | "0" | "no" | "f" | "n" => Some(false),
        _ => None,
    }
}

pub fn run(cmd: EvalCommand) -> Result<bool> {
    let EvalCommand::Names {
        file,
        threshold,
        show,
        json: as_json,
    } = cmd;
    if !(0.0..=1.0).contains(&threshold) {
        bail!("--threshold {threshold}: expected a number between 0 and 1");
    }
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .comment(Some(b'#'))
        .from_path(&file)
        .with_context(|| format!("{}", file.display()))?;
    let headers = rdr
        .headers()
        .with_context(|| format!("{}: header", file.display()))?
        .clone();
    let col = |n: &str| headers.iter().position(|h| h.trim() == n);
    let (Some(c1), Some(c2), Some(cm)) = (col("name1"), col("name2"), col("is_match")) else {
        bail!(
            "{}: the header must name the columns name1, name2 and is_match",
            file.display()
        );
    };
    let cs = col("schema");
    let mut pairs: Vec<(u64, String, String, bool, NameClass)> = Vec::new();
    for rec in rdr.records() {
        let rec = rec.map_err(|e| anyhow!("{}: {e}", file.display()))?;
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        let get = |i: usize| rec.get(i).unwrap_or("").to_string();
        let m = parse_bool(&get(cm)).ok_or_else(|| {
            anyhow!(
                "{}: line {line}: is_match is {:?}; expected true or false",
                file.display(),
                get(cm)
            )
        })?;
        let class = match cs.map(get).as_deref() {
            Some("Person") => NameClass::Person,
            Some("Company" | "Organization" | "LegalEntity" | "Vessel" | "PublicBody") => {
                NameClass::Organization
            }
            _ => NameClass::Any,
        };
        pairs.push((line, get(c1), get(c2), m, class));
    }
    if pairs.is_empty() {
        bail!("{}: no pairs", file.display());
    }
    let (readings, notes) = kansa_server::resources::load_readings();
    if !as_json {
        for n in notes {
            eprintln!("note: {n}");
        }
    }
    let cfg = MatchConfig::default();
    let start = Instant::now();
    let mut cache: HashMap<&str, kansa_text::NameForm> = HashMap::new();
    for (_, a, b, _, _) in &pairs {
        for n in [a.as_str(), b.as_str()] {
            if !cache.contains_key(n) {
                cache.insert(n, kansa_text::analyze(n, &readings));
            }
        }
    }
    let analysis_secs = start.elapsed().as_secs_f64();
    let t2 = Instant::now();
    let mut scored = Vec::with_capacity(pairs.len());
    for (line, a, b, m, class) in &pairs {
        let s = name_score(&cache[a.as_str()], &cache[b.as_str()], *class, &cfg);
        scored.push((*line, a, b, *m, *class, s));
    }
    let compare_secs = t2.elapsed().as_secs_f64();
    let secs = start.elapsed().as_secs_f64();
    let (mut tp, mut fp, mut tn, mut fneg) = (0, 0, 0, 0);
    let mut fps = Vec::new();
    let mut fns = Vec::new();
    for (line, a, b, m, class, s) in scored {
        let score = s.unwrap_or(0.0);
        let predicted = score >= threshold;
        let wrong = predicted != m;
        let explanation = wrong
            .then(|| compare_names(&cache[a.as_str()], &cache[b.as_str()], class, &cfg))
            .flatten()
            .map(|s| {
                let pairs: Vec<String> = s
                    .pairs
                    .iter()
                    .map(|p| format!("{}~{} {:.2} {}", p.query, p.candidate, p.similarity, p.how))
                    .collect();
                format!(
                    "[{}] vs [{}]: {}{}",
                    s.query_form,
                    s.candidate_form,
                    pairs.join(", "),
                    if s.penalties.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", s.penalties.join(", "))
                    }
                )
            })
            .unwrap_or_default();
        let row = || Row {
            line,
            name1: a.clone(),
            name2: b.clone(),
            is_match: m,
            score,
            explanation: explanation.clone(),
        };
        match (m, predicted) {
            (true, true) => tp += 1,
            (false, false) => tn += 1,
            (false, true) => {
                fp += 1;
                fps.push(row());
            }
            (true, false) => {
                fneg += 1;
                fns.push(row());
            }
        }
    }
    fps.sort_by(|x, y| y.score.total_cmp(&x.score));
    fns.sort_by(|x, y| x.score.total_cmp(&y.score));
    let precision = if tp + fp > 0 {
        tp as f64 / (tp + fp) as f64
    } else {
        0.0
    };
    let recall = if tp + fneg > 0 {
        tp as f64 / (tp + fneg) as f64
    } else {
        0.0
    };
    let f1 = if precision + recall > 0.0 {
        2.0 * precision * recall / (precision + recall)
    } else {
        0.0
    };
    let report = Report {
        file: file.display().to_string(),
        pairs: pairs.len(),
        threshold,
        true_positives: tp,
        false_positives: fp,
        true_negatives: tn,
        false_negatives: fneg,
        precision,
        recall,
        f1,
        scoring_seconds: secs,
        pairs_per_second: pairs.len() as f64 / secs.max(1e-9),
        analysis_seconds: analysis_secs,
        compare_seconds: compare_secs,
        false_positive_rows: fps,
        false_negative_rows: fns,
    };
    if as_json {
        json(&report)?;
        return Ok(true);
    }
    println!(
        "{}: {} pairs at threshold {:.2}",
        report.file, report.pairs, threshold
    );
    println!(
        "  precision {:.3}  recall {:.3}  F1 {:.3}",
        precision, recall, f1
    );
    println!("  TP {tp}  FP {fp}  TN {tn}  FN {fneg}");
    println!(
        "  scoring: {:.4} s ({:.0} pairs/s): analysis {:.4} s, comparison {:.4} s",
        secs, report.pairs_per_second, analysis_secs, compare_secs
    );
    for (title, rows) in [
        ("false positives", &report.false_positive_rows),
        ("false negatives", &report.false_negative_rows),
    ] {
        if rows.is_empty() || show == 0 {
            continue;
        }
        println!("\n{title} (of {}):", rows.len());
        for r in rows.iter().take(show) {
            println!(
                "  {:.3}  {:?} / {:?}  line {}  {}",
                r.score, r.name1, r.name2, r.line, r.explanation
            );
        }
    }
    Ok(true)
}
