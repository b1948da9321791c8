#![allow(clippy::unwrap_used)]
//! Name matching on the shared reference pairs: every spelling of Putin
//! against every other, watchman's cross-script pairs, OFAC's own portal.

use kansa_screen::{compare_names, MatchConfig, NameClass, DEFAULT_THRESHOLD};
use kansa_text::readings::{MECAB_NAMES_PATH, UNIHAN_READINGS_PATH};
use kansa_text::{analyze, Readings};
use std::io::Read;
use std::path::PathBuf;
use std::sync::OnceLock;

fn names(rel: &str) -> Option<PathBuf> {
    kansa_testdata::shared(&format!("names/{rel}"))
}

/// The system dictionaries (installed by scripts/setup.sh).
fn readings() -> &'static Readings {
    static R: OnceLock<Readings> = OnceLock::new();
    R.get_or_init(|| {
        let mut r = Readings::default();
        match std::fs::read(MECAB_NAMES_PATH) {
            Ok(b) => {
                r.add_ipadic_names(&b);
            }
            Err(e) => eprintln!("note: {MECAB_NAMES_PATH}: {e}"),
        }
        match std::fs::File::open(UNIHAN_READINGS_PATH) {
            Ok(f) => {
                let mut s = String::new();
                bzip2::read::BzDecoder::new(f)
                    .read_to_string(&mut s)
                    .unwrap();
                r.add_unihan(&s);
            }
            Err(e) => eprintln!("note: {UNIHAN_READINGS_PATH}: {e}"),
        }
        r
    })
}

fn score(a: &str, b: &str) -> f64 {
    let r = readings();
    compare_names(
        &analyze(a, r),
        &analyze(b, r),
        NameClass::Person,
        &MatchConfig::default(),
    )
    .map(|s| s.score)
    .unwrap_or(0.0)
}

#[test]
fn putin_every_spelling_against_every_other() {
    let Some(p) = names("putin-names.txt") else {
        return;
    };
    let list: Vec<String> = std::fs::read_to_string(p)
        .unwrap()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect();
    let mut fails = Vec::new();
    let mut n = 0;
    for (i, a) in list.iter().enumerate() {
        for b in list.iter().skip(i + 1) {
            n += 1;
            let s = score(a, b);
            if s < DEFAULT_THRESHOLD {
                fails.push(format!("{s:.2} {a} | {b}"));
            }
        }
    }
    eprintln!(
        "putin: {} of {n} pairs below {DEFAULT_THRESHOLD}",
        fails.len()
    );
    for f in fails.iter().take(60) {
        eprintln!("  {f}");
    }
    // Not yet every pair (see BENCHMARKS.md): names transcribed into two
    // different non-Latin scripts (Korean and Arabic, say) are compared by
    // consonants only, with little confidence. This guards what is reached.
    let pass = 1.0 - fails.len() as f64 / n as f64;
    assert!(pass >= 0.70, "only {:.1}% of pairs match", pass * 100.0);
}

#[test]
fn watchman_cross_script_pairs() {
    let Some(p) = names("watchman-cross-script-pairs.csv") else {
        return;
    };
    let text = std::fs::read_to_string(p).unwrap();
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let f: Vec<&str> = line.split(',').collect();
        let (a, b, min): (&str, &str, f64) = (f[0], f[1], f[2].parse().unwrap());
        let s = score(a, b);
        eprintln!("{:.2} (min {min:.2}) {a} | {b}", s);
        assert!(s + 1e-9 >= min, "{a} | {b}: {s:.3} < {min}");
    }
}

fn pearson(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let cov: f64 = x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).sum();
    let vx: f64 = x.iter().map(|a| (a - mx).powi(2)).sum();
    let vy: f64 = y.iter().map(|b| (b - my).powi(2)).sum();
    cov / (vx.sqrt() * vy.sqrt())
}

#[test]
fn ofac_portal_scores_correlate() {
    let Some(p) = names("ofac-portal-scores.csv") else {
        return;
    };
    let mut rdr = csv::Reader::from_path(p).unwrap();
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for rec in rdr.records() {
        let rec = rec.unwrap();
        ours.push(score(&rec[0], &rec[1]));
        theirs.push(rec[2].parse::<f64>().unwrap() / 100.0);
    }
    let r = pearson(&ours, &theirs);
    eprintln!("ofac portal: {} pairs, Pearson r = {r:.3}", ours.len());
    // OFAC's portal is deliberately loose (VLADIMIR PUTIN ~ VLADIMIR BILIY
    // at 90); the scores agree in direction, not in level.
    assert!(r > 0.3, "{r}");
    // For each query, the result scored best here is one the portal also
    // ranks first.
    let mut rdr = csv::Reader::from_path(names("ofac-portal-scores.csv").unwrap()).unwrap();
    let queries: Vec<String> = rdr.records().map(|r| r.unwrap()[0].to_string()).collect();
    let mut disagree = Vec::new();
    let mut groups = 0;
    let mut i = 0;
    while i < queries.len() {
        let j = (i..queries.len())
            .find(|k| queries[*k] != queries[i])
            .unwrap_or(queries.len());
        groups += 1;
        let best_ours = (i..j).max_by(|a, b| ours[*a].total_cmp(&ours[*b])).unwrap();
        let best_theirs = (i..j).map(|k| theirs[k]).fold(0.0, f64::max);
        if theirs[best_ours] < best_theirs {
            disagree.push(queries[i].clone());
        }
        i = j;
    }
    eprintln!(
        "ofac portal: top result agrees for {} of {groups} queries; differs for {disagree:?}",
        groups - disagree.len()
    );
    // Where they differ the portal tends to be the looser one (it ranks
    // "MAHMOOD, Fariduddin" first for MAHMOOD AHMED BASHIR-UD-DIN); the
    // figures are reported, not held to the portal's choice.
    assert!(groups - disagree.len() >= groups / 2);
}

#[test]
fn name_bench_f1_at_the_default_threshold() {
    let Some(p) = names("nomenklatura-name-bench-cases.csv") else {
        return;
    };
    let mut rdr = csv::Reader::from_path(p).unwrap();
    let (mut tp, mut fp, mut fneg) = (0.0, 0.0, 0.0);
    for rec in rdr.records() {
        let rec = rec.unwrap();
        let class = match &rec[1] {
            "Person" => NameClass::Person,
            _ => NameClass::Organization,
        };
        let r = readings();
        let s = compare_names(
            &analyze(&rec[2], r),
            &analyze(&rec[3], r),
            class,
            &MatchConfig::default(),
        )
        .map(|s| s.score)
        .unwrap_or(0.0);
        match (&rec[4] == "true", s >= DEFAULT_THRESHOLD) {
            (true, true) => tp += 1.0,
            (false, true) => fp += 1.0,
            (true, false) => fneg += 1.0,
            _ => {}
        }
    }
    let (p, r) = (tp / (tp + fp), tp / (tp + fneg));
    let f1 = 2.0 * p * r / (p + r);
    eprintln!("name bench: precision {p:.3} recall {r:.3} F1 {f1:.3}");
    assert!(f1 >= 0.85, "F1 {f1:.3}");
}
