//! OFAC-sanctioned digital-currency addresses, one file per asset:
//! `sanctioned_addresses_<ASSET>.txt` (one address a line) or `.json` (an
//! array of strings). Each address becomes an entity with id
//! `ofac-crypto:<ASSET>-<address>` carrying that one crypto address; an
//! address listed in both the `.txt` and the `.json` file counts once.

use crate::guard::{check_text_start, for_each_line, RunGuard, MAX_RUN};
use crate::{Input, ListError, Location, ParseSummary, Sink};
use kansa_model::{CryptoAddress, Entity, EntityKind};
use std::collections::HashSet;
use std::io::{BufRead, Read};

pub const SOURCE: &str = "ofac-crypto";

/// The asset code in `sanctioned_addresses_XBT.txt`, if the name has that form.
pub fn asset_from_file_name(name: &str) -> Option<String> {
    let base = name.rsplit('/').next().unwrap_or(name);
    let rest = base.strip_prefix("sanctioned_addresses_")?;
    let (asset, ext) = rest.rsplit_once('.')?;
    let ok = !asset.is_empty()
        && asset.chars().all(|c| c.is_ascii_alphanumeric())
        && (ext == "txt" || ext == "json");
    ok.then(|| asset.to_ascii_uppercase())
}

fn check_address(file: &str, loc: Location, a: &str) -> Result<(), ListError> {
    let ok = (20..=128).contains(&a.len())
        && a.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == ':' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(ListError::invalid(
            file,
            loc,
            format!("{a:?} is not a crypto address (expected 20 to 128 letters and digits)"),
        ))
    }
}

/// Parses several per-asset files as one snapshot.
pub fn parse<R: BufRead>(
    inputs: Vec<(String, Input<R>)>,
    source: &str,
    sink: &mut Sink,
) -> Result<ParseSummary, ListError> {
    let mut summary = ParseSummary::default();
    let mut seen: HashSet<(String, String)> = HashSet::new();
    for (asset, input) in inputs {
        let Input {
            name: file,
            mut reader,
        } = input;
        check_text_start(&file, &mut reader)?;
        let mut emit = |addr: String, summary: &mut ParseSummary| -> Result<(), ListError> {
            if !seen.insert((asset.clone(), addr.clone())) {
                return Ok(());
            }
            let mut e = Entity::new(source, &format!("{asset}-{addr}"), EntityKind::Unknown);
            e.crypto_addresses.push(CryptoAddress {
                asset: asset.clone(),
                address: addr,
            });
            e.programs.push("SDN".to_string());
            summary.entities += 1;
            sink(e).map_err(ListError::Sink)
        };
        if file.ends_with(".json") {
            let mut text = String::new();
            // Per-asset JSON files are small; a cap keeps a hostile one bounded.
            RunGuard::new(reader.take(256 << 20), b"\n,", MAX_RUN)
                .read_to_string(&mut text)
                .map_err(|e| {
                    ListError::invalid(&file, Location::File, format!("not UTF-8 text: {e}"))
                })?;
            let list: Vec<String> = serde_json::from_str(&text).map_err(|e| {
                ListError::invalid(
                    &file,
                    Location::Line(e.line() as u64),
                    format!("expected a JSON array of address strings: {e}"),
                )
            })?;
            for (i, a) in list.into_iter().enumerate() {
                let a = a.trim().to_string();
                check_address(&file, Location::Record(i as u64 + 1), &a)?;
                emit(a, &mut summary)?;
            }
        } else {
            for_each_line(&file, reader, 1 << 16, |line, a| {
                if a.starts_with('#') {
                    return Ok(());
                }
                check_address(&file, Location::Line(line), a)?;
                emit(a.to_string(), &mut summary)
            })?;
        }
    }
    Ok(summary)
}
