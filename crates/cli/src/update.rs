//! `kansa lists update`: fetch the official publications over HTTPS,
//! then import them exactly as `kansa lists import` would (the parse is the
//! verification: a malformed or truncated download is refused and the
//! previous snapshot stays active).

use crate::importer::Job;
use crate::lists_cmd::{import_jobs, open_store};
use anyhow::{anyhow, bail, Context, Result};
use clap::Args;
use kansa_lists::Format;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Args, Debug)]
pub struct UpdateArgs {
    /// Only these sources (comma-separated); default: all with a default address.
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
    /// Override a source's address: SOURCE=URL. For multi-file sources
    /// (ofac-sdn, ofac-cons, ofac-crypto) a URL ending in `/` is a folder
    /// holding the usual file names.
    #[arg(long = "url", value_name = "SOURCE=URL")]
    urls: Vec<String>,
    /// Per-request timeout in seconds.
    #[arg(long, default_value_t = 60)]
    timeout: u64,
    #[arg(long)]
    json: bool,
}

/// (source, format, files as (default URL, local file name)).
type SourceDef = (
    &'static str,
    Format,
    &'static [(&'static str, &'static str)],
);

const DEFAULTS: &[SourceDef] = &[
    ("ofac-sdn", Format::OfacCsv, &[
        ("https://www.treasury.gov/ofac/downloads/sdn.csv", "sdn.csv"),
        ("https://www.treasury.gov/ofac/downloads/alt.csv", "alt.csv"),
        ("https://www.treasury.gov/ofac/downloads/add.csv", "add.csv"),
        ("https://www.treasury.gov/ofac/downloads/sdn_comments.csv", "sdn_comments.csv"),
    ]),
    ("ofac-cons", Format::OfacCsv, &[
        ("https://www.treasury.gov/ofac/downloads/consolidated/cons_prim.csv", "cons_prim.csv"),
        ("https://www.treasury.gov/ofac/downloads/consolidated/cons_alt.csv", "cons_alt.csv"),
        ("https://www.treasury.gov/ofac/downloads/consolidated/cons_add.csv", "cons_add.csv"),
        ("https://www.treasury.gov/ofac/downloads/consolidated/cons_comments.csv", "cons_comments.csv"),
    ]),
    ("un", Format::UnXml, &[("https://scsanctions.un.org/resources/xml/en/consolidated.xml", "UN_consolidated.xml")]),
    ("us-csl", Format::UsCsl, &[("https://data.trade.gov/downloadable_consolidated_screening_list/v1/consolidated.csv", "csl.csv")]),
    ("bis-dpl", Format::BisDpl, &[("https://www.bis.doc.gov/dpl/dpl.txt", "dpl.txt")]),
    ("eu-fsf", Format::EuFsf, &[("https://webgate.ec.europa.eu/fsd/fsf/public/files/xmlFullSanctionsList_1_1/content?token=dG9rZW4tMjAxNw", "eu-fsf.xml")]),
    ("ofac-crypto", Format::OfacCrypto, &[
        ("https://raw.githubusercontent.com/0xB10C/ofac-sanctioned-digital-currency-addresses/lists/sanctioned_addresses_XBT.txt", "sanctioned_addresses_XBT.txt"),
        ("https://raw.githubusercontent.com/0xB10C/ofac-sanctioned-digital-currency-addresses/lists/sanctioned_addresses_ETH.txt", "sanctioned_addresses_ETH.txt"),
        ("https://raw.githubusercontent.com/0xB10C/ofac-sanctioned-digital-currency-addresses/lists/sanctioned_addresses_USDT.txt", "sanctioned_addresses_USDT.txt"),
        ("https://raw.githubusercontent.com/0xB10C/ofac-sanctioned-digital-currency-addresses/lists/sanctioned_addresses_USDC.txt", "sanctioned_addresses_USDC.txt"),
        ("https://raw.githubusercontent.com/0xB10C/ofac-sanctioned-digital-currency-addresses/lists/sanctioned_addresses_TRX.txt", "sanctioned_addresses_TRX.txt"),
        ("https://raw.githubusercontent.com/0xB10C/ofac-sanctioned-digital-currency-addresses/lists/sanctioned_addresses_LTC.txt", "sanctioned_addresses_LTC.txt"),
        ("https://raw.githubusercontent.com/0xB10C/ofac-sanctioned-digital-currency-addresses/lists/sanctioned_addresses_BCH.txt", "sanctioned_addresses_BCH.txt"),
        ("https://raw.githubusercontent.com/0xB10C/ofac-sanctioned-digital-currency-addresses/lists/sanctioned_addresses_XMR.txt", "sanctioned_addresses_XMR.txt"),
    ]),
];

/// Largest download accepted (official lists are tens of MB at most).
const MAX_DOWNLOAD: u64 = 1 << 30;

fn fetch(agent: &ureq::Agent, url: &str, dest: &Path) -> Result<u64> {
    let host = url
        .split("//")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .unwrap_or(url);
    let mut resp = agent.get(url).call().map_err(|e| match e {
        ureq::Error::StatusCode(code) => anyhow!("{url}: the server answered HTTP {code}"),
        other => anyhow!("cannot download {url}: {other} (is this machine offline, or is {host} unreachable? point --url at a reachable mirror)"),
    })?;
    let tmp = dest.with_extension("part");
    let mut out = std::fs::File::create(&tmp).with_context(|| format!("{}", tmp.display()))?;
    let mut reader = resp.body_mut().with_config().limit(MAX_DOWNLOAD).reader();
    let mut buf = vec![0u8; 1 << 16];
    let mut n = 0u64;
    loop {
        let k = reader
            .read(&mut buf)
            .with_context(|| format!("{url}: download interrupted"))?;
        if k == 0 {
            break;
        }
        out.write_all(&buf[..k])?;
        n += k as u64;
    }
    out.sync_all()?;
    drop(out);
    if n == 0 {
        let _ = std::fs::remove_file(&tmp);
        bail!("{url}: the server sent an empty file");
    }
    std::fs::rename(&tmp, dest)?;
    Ok(n)
}

pub fn run(data: &Path, args: UpdateArgs) -> Result<bool> {
    let mut overrides: Vec<(String, Vec<String>)> = Vec::new();
    for u in &args.urls {
        let (s, url) = u
            .split_once('=')
            .ok_or_else(|| anyhow!("--url {u:?}: expected SOURCE=URL"))?;
        if !DEFAULTS.iter().any(|d| d.0 == s) {
            bail!(
                "--url {u:?}: unknown source {s:?}; known: {}",
                DEFAULTS.iter().map(|d| d.0).collect::<Vec<_>>().join(", ")
            );
        }
        overrides.push((s.to_string(), url.split(',').map(str::to_string).collect()));
    }
    for o in &args.only {
        if !DEFAULTS.iter().any(|d| d.0 == o) {
            bail!(
                "--only {o:?}: unknown source; known: {}",
                DEFAULTS.iter().map(|d| d.0).collect::<Vec<_>>().join(", ")
            );
        }
    }
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(args.timeout)))
        .build()
        .into();
    let mut jobs = Vec::new();
    let mut ok = true;
    for (source, format, files) in DEFAULTS {
        if !args.only.is_empty() && !args.only.iter().any(|o| o == source) {
            continue;
        }
        let urls: Vec<(String, &str)> = match overrides.iter().find(|(s, _)| s == source) {
            Some((_, list)) if list.len() == 1 && list[0].ends_with('/') && files.len() > 1 => {
                files
                    .iter()
                    .map(|(_, name)| (format!("{}{name}", list[0]), *name))
                    .collect()
            }
            Some((_, list)) => {
                if list.len() != files.len() {
                    bail!("--url {source}=...: this source has {} file(s) ({}); give as many URLs, comma-separated, or one folder URL ending in /", files.len(), files.iter().map(|f| f.1).collect::<Vec<_>>().join(", "));
                }
                list.iter()
                    .cloned()
                    .zip(files.iter().map(|f| f.1))
                    .collect()
            }
            None => files.iter().map(|(u, n)| (u.to_string(), *n)).collect(),
        };
        let dir: PathBuf = data.join("downloads").join(source);
        std::fs::create_dir_all(&dir).with_context(|| format!("{}", dir.display()))?;
        let mut paths = Vec::new();
        let mut failed = None;
        for (url, name) in &urls {
            let dest = dir.join(name);
            match fetch(&agent, url, &dest) {
                Ok(n) => {
                    if !args.json {
                        eprintln!("{source}: downloaded {url} ({n} bytes)");
                    }
                    paths.push(dest);
                }
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
        }
        if let Some(e) = failed {
            ok = false;
            eprintln!("error: {source}: {e:#}; nothing imported for this source");
            continue;
        }
        jobs.push(Job {
            format: *format,
            source: source.to_string(),
            files: paths,
        });
    }
    if jobs.is_empty() {
        return Ok(false);
    }
    let mut store = open_store(data)?;
    let imported = import_jobs(&mut store, &jobs, args.json)?;
    Ok(ok && imported)
}
