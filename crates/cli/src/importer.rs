//! From paths on disk to list snapshots in the store: recognise each
//! path's format (a directory of OFAC CSV files or per-asset address files
//! is one snapshot), hash the raw bytes, stream the parse into one store
//! transaction.

use anyhow::{anyhow, bail, Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use kansa_lists::ofac_crypto::asset_from_file_name;
use kansa_lists::ofac_csv::OfacInputs;
use kansa_lists::{Format, Input, ListError, ParseSummary, Sink};
use kansa_store::{ImportOutcome, ImportRequest, Store};
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

/// One snapshot to import.
#[derive(Debug, Clone)]
pub struct Job {
    pub format: Format,
    pub source: String,
    pub files: Vec<PathBuf>,
}

const OFAC_SETS: [[&str; 4]; 2] = [
    ["sdn.csv", "alt.csv", "add.csv", "sdn_comments.csv"],
    [
        "cons_prim.csv",
        "cons_alt.csv",
        "cons_add.csv",
        "cons_comments.csv",
    ],
];

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn ofac_set(dir: &Path, primary: &str) -> Option<Vec<PathBuf>> {
    let set = OFAC_SETS
        .iter()
        .find(|s| s[0].eq_ignore_ascii_case(primary))?;
    Some(
        set.iter()
            .map(|f| dir.join(f))
            .filter(|p| p.is_file())
            .collect(),
    )
}

fn head(path: &Path) -> Result<Vec<u8>> {
    let mut buf = vec![0u8; 8192];
    let mut f = File::open(path).with_context(|| format!("{}", path.display()))?;
    let mut n = 0;
    while n < buf.len() {
        let k = f.read(&mut buf[n..])?;
        if k == 0 {
            break;
        }
        n += k;
    }
    buf.truncate(n);
    Ok(buf)
}

/// The snapshots that importing `path` makes. `skipped` collects files in a
/// directory that are not lists (README, LICENSE).
pub fn plan(
    path: &Path,
    format: Option<Format>,
    source: Option<&str>,
    skipped: &mut Vec<String>,
) -> Result<Vec<Job>> {
    let meta =
        std::fs::metadata(path).with_context(|| format!("{}: cannot read", path.display()))?;
    let src = |f: Format, name: &str| {
        source
            .map(str::to_string)
            .unwrap_or_else(|| f.default_source(name).to_string())
    };
    if meta.is_dir() {
        for set in OFAC_SETS {
            if path.join(set[0]).is_file() && format.is_none_or(|f| f == Format::OfacCsv) {
                let files = ofac_set(path, set[0]).unwrap_or_default();
                return Ok(vec![Job {
                    format: Format::OfacCsv,
                    source: src(Format::OfacCsv, set[0]),
                    files,
                }]);
            }
        }
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
            .with_context(|| format!("{}: cannot list", path.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        entries.sort();
        let crypto: Vec<PathBuf> = entries
            .iter()
            .filter(|p| p.is_file() && asset_from_file_name(&file_name(p)).is_some())
            .cloned()
            .collect();
        if !crypto.is_empty() && format.is_none_or(|f| f == Format::OfacCrypto) {
            for p in entries.iter().filter(|p| !crypto.contains(p)) {
                skipped.push(p.display().to_string());
            }
            return Ok(vec![Job {
                format: Format::OfacCrypto,
                source: src(Format::OfacCrypto, ""),
                files: crypto,
            }]);
        }
        let mut jobs = Vec::new();
        for p in entries {
            if p.is_dir() {
                jobs.extend(plan(&p, format, source, skipped)?);
            } else {
                match plan_file(&p, format, source) {
                    Ok(j) => jobs.extend(j),
                    Err(_) => skipped.push(p.display().to_string()),
                }
            }
        }
        if jobs.is_empty() {
            bail!(
                "{}: no sanctions list found in this directory",
                path.display()
            );
        }
        return Ok(jobs);
    }
    plan_file(path, format, source)
}

fn plan_file(path: &Path, format: Option<Format>, source: Option<&str>) -> Result<Vec<Job>> {
    let name = file_name(path);
    let dir = path.parent().unwrap_or(Path::new("."));
    let src = |f: Format| {
        source
            .map(str::to_string)
            .unwrap_or_else(|| f.default_source(&name).to_string())
    };
    if format.is_none_or(|f| f == Format::OfacCsv) {
        if let Some(files) = ofac_set(dir, &name) {
            return Ok(vec![Job {
                format: Format::OfacCsv,
                source: src(Format::OfacCsv),
                files,
            }]);
        }
        if OFAC_SETS
            .iter()
            .any(|s| s[1..].iter().any(|f| f.eq_ignore_ascii_case(&name)))
        {
            bail!("{}: this file belongs to an OFAC CSV set; import its directory or its sdn.csv / cons_prim.csv", path.display());
        }
    }
    let format = match format {
        Some(f) => f,
        None => kansa_lists::detect_bytes(&name, &head(path)?).ok_or_else(|| {
            anyhow!(
                "{}: cannot tell the list format from its content; name it with --format ({})",
                path.display(),
                Format::ALL.map(|f| f.name()).join(", ")
            )
        })?,
    };
    Ok(vec![Job {
        format,
        source: src(format),
        files: vec![path.to_path_buf()],
    }])
}

/// SHA-256 of one file's bytes, or for several files of the records
/// `name \0 length \0 bytes` in file-name order.
pub fn hash_files(files: &[PathBuf]) -> Result<String> {
    let mut sorted: Vec<&PathBuf> = files.iter().collect();
    sorted.sort_by_key(|p| file_name(p));
    let mut h = Sha256::new();
    let single = sorted.len() == 1;
    for p in sorted {
        let mut f = File::open(p).with_context(|| format!("{}", p.display()))?;
        if !single {
            let len = f.metadata()?.len();
            h.update(file_name(p).as_bytes());
            h.update([0]);
            h.update(len.to_string().as_bytes());
            h.update([0]);
        }
        let mut buf = vec![0u8; 1 << 16];
        loop {
            let n = f
                .read(&mut buf)
                .with_context(|| format!("{}: read failed", p.display()))?;
            if n == 0 {
                break;
            }
            h.update(&buf[..n]);
        }
    }
    Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// A reader that advances a progress bar.
struct Counted<R> {
    inner: R,
    bar: ProgressBar,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bar.inc(n as u64);
        Ok(n)
    }
}

type Reader = BufReader<Counted<File>>;

fn open(path: &Path, bar: &ProgressBar) -> Result<Input<Reader>, ListError> {
    let name = path.display().to_string();
    let f = File::open(path).map_err(|e| ListError::io(&name, e))?;
    Ok(Input::new(
        name,
        BufReader::with_capacity(
            1 << 16,
            Counted {
                inner: f,
                bar: bar.clone(),
            },
        ),
    ))
}

fn run_parse(job: &Job, bar: &ProgressBar, sink: &mut Sink) -> Result<ParseSummary, ListError> {
    let src = job.source.as_str();
    match job.format {
        Format::OfacCsv => {
            let find = |i: usize| -> Result<Option<Input<Reader>>, ListError> {
                let name = job.files.first().map(|p| file_name(p)).unwrap_or_default();
                let set = OFAC_SETS.iter().find(|s| s[0].eq_ignore_ascii_case(&name));
                match set.and_then(|s| {
                    job.files
                        .iter()
                        .find(|p| file_name(p).eq_ignore_ascii_case(s[i]))
                }) {
                    Some(p) => open(p, bar).map(Some),
                    None => Ok(None),
                }
            };
            let primary = open(&job.files[0], bar)?;
            kansa_lists::ofac_csv::parse(
                OfacInputs {
                    source: src.to_string(),
                    primary,
                    alt: find(1)?,
                    add: find(2)?,
                    comments: find(3)?,
                },
                sink,
            )
        }
        Format::OfacCrypto => {
            let mut inputs = Vec::new();
            for p in &job.files {
                let asset = asset_from_file_name(&file_name(p)).unwrap_or_else(|| "UNKNOWN".into());
                inputs.push((asset, open(p, bar)?));
            }
            kansa_lists::ofac_crypto::parse(inputs, src, sink)
        }
        Format::UnXml => kansa_lists::un_xml::parse(open(&job.files[0], bar)?, src, sink),
        Format::UsCsl => kansa_lists::csl::parse(open(&job.files[0], bar)?, src, sink),
        Format::BisDpl => kansa_lists::dpl::parse(open(&job.files[0], bar)?, src, sink),
        Format::EuFsf => kansa_lists::eu_fsf::parse(open(&job.files[0], bar)?, src, sink),
        Format::Ftm => kansa_lists::ftm::parse(open(&job.files[0], bar)?, src, sink),
        Format::JpMof => {
            let p = &job.files[0];
            let name = p.display().to_string();
            let bytes = std::fs::read(p).map_err(|e| ListError::io(&name, e))?;
            bar.inc(bytes.len() as u64);
            kansa_lists::jp_mof::parse(&name, bytes, src, sink)
        }
    }
}

/// Imports one planned snapshot.
pub fn run(store: &mut Store, job: &Job, now: &str, show_progress: bool) -> Result<ImportOutcome> {
    let total: u64 = job
        .files
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum();
    let bar = if show_progress {
        let b = ProgressBar::new(total);
        b.set_style(
            ProgressStyle::with_template("{prefix:>12} [{bar:30}] {bytes}/{total_bytes} {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        b.set_prefix(job.source.clone());
        b
    } else {
        ProgressBar::hidden()
    };
    let req = ImportRequest {
        source: job.source.clone(),
        format: job.format.name().to_string(),
        files: job.files.iter().map(|p| p.display().to_string()).collect(),
        sha256: hash_files(&job.files)?,
        imported_at: now.to_string(),
    };
    let out = store.import(&req, |sink| run_parse(job, &bar, sink));
    bar.finish_and_clear();
    Ok(out?)
}
