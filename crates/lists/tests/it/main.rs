#![allow(clippy::unwrap_used)]
//! Integration tests of the list parsers on the real files in
//! `../shared/data/lists` and on hand-written fixtures (EU, MOF, FtM: no real
//! copy is available offline, so `fixtures/` holds small files written to
//! the published formats).

use kansa_lists::ofac_csv::OfacInputs;
use kansa_lists::{Input, ListError, ParseSummary};
pub use kansa_model::{DateValue, Entity, EntityKind, NameKind, Script};
pub use std::fs::File;
pub use std::io::{BufReader, Read};
use std::path::PathBuf;

mod fixtures;
mod hostile;
mod real;

type Reader = BufReader<File>;

/// `../shared/data/lists/<rel>`, or `None` (and a note) when absent.
pub fn data(rel: &str) -> Option<PathBuf> {
    kansa_testdata::shared(&format!("lists/{rel}"))
}

pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

pub fn input(p: &std::path::Path) -> Input<Reader> {
    Input::new(
        p.display().to_string(),
        BufReader::new(File::open(p).unwrap()),
    )
}

pub fn bytes_input(name: &str, b: Vec<u8>) -> Input<BufReader<std::io::Cursor<Vec<u8>>>> {
    Input::new(name, BufReader::new(std::io::Cursor::new(b)))
}

/// Runs a parser and collects what it emits.
pub fn collect<F>(f: F) -> Result<(Vec<Entity>, ParseSummary), ListError>
where
    F: FnOnce(&mut kansa_lists::Sink) -> Result<ParseSummary, ListError>,
{
    let mut out = Vec::new();
    let summary = {
        let mut sink = |e: Entity| -> Result<(), String> {
            out.push(e);
            Ok(())
        };
        f(&mut sink)?
    };
    Ok((out, summary))
}

pub fn ofac(
    dir: &std::path::Path,
    names: [&str; 4],
    source: &str,
) -> Result<(Vec<Entity>, ParseSummary), ListError> {
    let open = |n: &str| {
        let p = dir.join(n);
        p.exists().then(|| input(&p))
    };
    let inputs = OfacInputs {
        source: source.to_string(),
        primary: input(&dir.join(names[0])),
        alt: open(names[1]),
        add: open(names[2]),
        comments: open(names[3]),
    };
    collect(|s| kansa_lists::ofac_csv::parse(inputs, s))
}

pub const SDN: [&str; 4] = ["sdn.csv", "alt.csv", "add.csv", "sdn_comments.csv"];

pub fn by_id<'a>(es: &'a [Entity], id: &str) -> &'a Entity {
    es.iter()
        .find(|e| e.id.as_str() == id)
        .unwrap_or_else(|| panic!("{id} not found"))
}
