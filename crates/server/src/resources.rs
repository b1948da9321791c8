//! System dictionaries the name engine reads: IPADIC person names
//! (`mecab-ipadic`) and Unihan readings (`unicode-data`). Paths can be
//! overridden with `KANSA_MECAB_NAMES` and `KANSA_UNIHAN_READINGS`.

use kansa_text::readings::{MECAB_NAMES_PATH, UNIHAN_READINGS_PATH};
use kansa_text::Readings;
use std::io::Read;

/// Loads what is installed; the notes say what is missing.
pub fn load_readings() -> (Readings, Vec<String>) {
    let mut r = Readings::default();
    let mut notes = Vec::new();
    let mecab = std::env::var("KANSA_MECAB_NAMES").unwrap_or_else(|_| MECAB_NAMES_PATH.to_string());
    match std::fs::read(&mecab) {
        Ok(b) => {
            r.add_ipadic_names(&b);
        }
        Err(e) => notes.push(format!(
            "{mecab}: {e}; Japanese kanji names are read as Chinese only (install mecab-ipadic)"
        )),
    }
    let unihan =
        std::env::var("KANSA_UNIHAN_READINGS").unwrap_or_else(|_| UNIHAN_READINGS_PATH.to_string());
    let text = std::fs::File::open(&unihan).and_then(|f| {
        let mut s = String::new();
        if unihan.ends_with(".bz2") {
            bzip2::read::BzDecoder::new(f).read_to_string(&mut s)?;
        } else {
            std::io::BufReader::new(f).read_to_string(&mut s)?;
        }
        Ok(s)
    });
    match text {
        Ok(t) => {
            r.add_unihan(&t);
        }
        Err(e) => notes.push(format!(
            "{unihan}: {e}; Han names get no Korean reading (install unicode-data)"
        )),
    }
    (r, notes)
}
