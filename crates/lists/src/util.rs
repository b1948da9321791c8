//! Small helpers shared by the format modules.

use crate::{ListError, Location};
use kansa_model::{country_code, DateValue, Name, NameKind, NameParts, PartialDate};

/// Builds a name from published text; `None` when the text is empty.
pub(crate) fn name(full: &str, kind: NameKind, parts: NameParts) -> Option<Name> {
    let full = kansa_text::clean(full);
    if full.is_empty() {
        return None;
    }
    Some(Name {
        script: kansa_text::detect_script(&full),
        full,
        kind,
        parts,
        lang: None,
    })
}

/// The ISO code of a country when recognised, else the cleaned text.
pub(crate) fn country(s: &str) -> Option<String> {
    let c = kansa_text::clean(s);
    if c.is_empty() {
        return None;
    }
    Some(country_code(&c).map(str::to_string).unwrap_or(c))
}

pub(crate) fn month_from_abbrev(s: &str) -> Option<u32> {
    let m = match s.get(..3)?.to_ascii_lowercase().as_str() {
        "jan" => 1,
        "feb" => 2,
        "mar" => 3,
        "apr" => 4,
        "may" => 5,
        "jun" => 6,
        "jul" => 7,
        "aug" => 8,
        "sep" => 9,
        "oct" => 10,
        "nov" => 11,
        "dec" => 12,
        _ => return None,
    };
    Some(m)
}

/// Parses an English-style date: `03 Mar 1985`, `Mar 1985`, `1985`,
/// `1985-03-03`, `03/03/1985` (month first, as US lists write it).
pub(crate) fn english_date(s: &str) -> Option<PartialDate> {
    let s = s.trim().trim_end_matches('.');
    if let Some(d) = PartialDate::parse_iso(s) {
        return Some(d);
    }
    if let [m, d, y] = s.split('/').collect::<Vec<_>>()[..] {
        return PartialDate::new(
            y.trim().parse().ok()?,
            Some(m.trim().parse().ok()?),
            Some(d.trim().parse().ok()?),
        )
        .ok();
    }
    let parts: Vec<&str> = s.split_whitespace().collect();
    match parts[..] {
        [d, m, y] => PartialDate::new(
            y.parse().ok()?,
            Some(month_from_abbrev(m)?),
            Some(d.parse().ok()?),
        )
        .ok(),
        [m, y] => PartialDate::new(y.parse().ok()?, Some(month_from_abbrev(m)?), None).ok(),
        _ => None,
    }
}

/// Parses a date of birth as OFAC and similar lists write it: a date,
/// `circa <date>`, `<date> to <date>`, `circa 1955-1958`.
pub(crate) fn english_date_value(s: &str) -> Option<DateValue> {
    let s = s.trim().trim_end_matches('.');
    let (circa, rest) = match s
        .strip_prefix("circa ")
        .or_else(|| s.strip_prefix("approximately "))
        .or_else(|| s.strip_prefix("Circa "))
    {
        Some(r) => (true, r.trim()),
        None => (false, s),
    };
    let range = rest
        .split_once(" to ")
        .or_else(|| rest.split_once(" - "))
        .or_else(|| {
            // 1955-1958 (two bare years)
            let (a, b) = rest.split_once('-')?;
            (a.len() == 4 && b.len() == 4).then_some((a, b))
        });
    if let Some((a, b)) = range {
        let from = english_date(a)?;
        let to = english_date(b)?;
        return DateValue::between(from, to).ok();
    }
    let d = english_date(rest)?;
    Some(if circa {
        DateValue::Circa { date: d }
    } else {
        DateValue::Exact { date: d }
    })
}

/// Reads the next CSV record as text, naming the right line when the bytes
/// are not UTF-8 (the csv crate's own error points at the previous record).
pub(crate) fn read_record<R: std::io::Read>(
    file: &str,
    rdr: &mut csv::Reader<R>,
    raw: &mut csv::ByteRecord,
    crlf: bool,
) -> Result<Option<csv::StringRecord>, ListError> {
    if !rdr.read_byte_record(raw).map_err(|e| csv_error(file, e))? {
        return Ok(None);
    }
    if crlf {
        if let Some(p) = raw.position().cloned() {
            if p.record() > 0 {
                let mut fixed = p.clone();
                fixed.set_line(p.line() + 1);
                raw.set_position(Some(fixed));
            }
        }
    }
    let line = raw.position().map(|p| p.line()).unwrap_or(0);
    csv::StringRecord::from_byte_record(raw.clone())
        .map(Some)
        .map_err(|e| {
        ListError::invalid(
            file,
            Location::Line(line),
            format!(
                "invalid UTF-8 in field {} (is the file in another encoding, such as Latin-1? convert it to UTF-8)",
                e.utf8_error().field() + 1
            ),
        )
    })
}

pub(crate) fn csv_error(file: &str, e: csv::Error) -> ListError {
    let line = e.position().map(|p| p.line());
    match e.into_kind() {
        csv::ErrorKind::Io(io) => ListError::io(file, io),
        csv::ErrorKind::Utf8 { pos, err } => ListError::invalid(
            file,
            Location::Line(pos.map(|p| p.line()).or(line).unwrap_or(0)),
            format!(
                "invalid UTF-8 in field {} (is the file in another encoding, such as Latin-1? convert it to UTF-8)",
                err.field() + 1
            ),
        ),
        csv::ErrorKind::UnequalLengths {
            pos,
            expected_len,
            len,
        } => ListError::invalid(
            file,
            Location::Line(pos.map(|p| p.line()).or(line).unwrap_or(0)),
            format!("expected {expected_len} fields, found {len}"),
        ),
        other => ListError::invalid(
            file,
            line.map(Location::Line).unwrap_or(Location::File),
            format!("{other:?}"),
        ),
    }
}

/// A readable, stable id part from a name: ASCII letters and digits in
/// upper case joined by `-`; falls back to a short hash for other scripts.
pub(crate) fn slug(s: &str) -> String {
    let mut out = String::new();
    for w in s
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() {
            out.push('-');
        }
        out.push_str(&w.to_ascii_uppercase());
        if out.len() > 60 {
            break;
        }
    }
    let non_ascii = !s.is_ascii();
    if out.is_empty() || non_ascii {
        use sha2::Digest;
        let h = sha2::Sha256::digest(kansa_text::clean(s).as_bytes());
        let hex: String = h.iter().take(6).map(|b| format!("{b:02x}")).collect();
        if out.is_empty() {
            return hex;
        }
        out.push('-');
        out.push_str(&hex);
    }
    out
}

/// Assigns `base`, or `base-2`, `base-3`... when taken in this parse.
pub(crate) fn unique_id(seen: &mut std::collections::HashSet<String>, base: String) -> String {
    if seen.insert(base.clone()) {
        return base;
    }
    let mut i = 2;
    loop {
        let cand = format!("{base}-{i}");
        if seen.insert(cand.clone()) {
            return cand;
        }
        i += 1;
    }
}

/// A CSV file with a header row: opened with the input guards, the header
/// checked for the columns a format needs, then read row by row with blank
/// rows skipped and every row's field count checked against the header.
pub(crate) struct HeaderCsv<R: std::io::BufRead> {
    pub file: String,
    pub cols: Columns,
    rdr: csv::Reader<crate::guard::RunGuard<R>>,
    raw: csv::ByteRecord,
    crlf: bool,
}

impl<R: std::io::BufRead> HeaderCsv<R> {
    /// `what` names the format in the error for a missing column.
    pub fn open(
        input: crate::Input<R>,
        delimiter: u8,
        required: &[&str],
        what: &str,
    ) -> Result<Self, ListError> {
        let crate::Input {
            name: file,
            mut reader,
        } = input;
        crate::guard::check_text_start(&file, &mut reader)?;
        let crlf = crate::guard::first_line_is_crlf(&mut reader);
        let mut rdr = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(false)
            .flexible(true)
            .from_reader(crate::guard::RunGuard::new(
                reader,
                b"\n",
                crate::guard::MAX_RUN,
            ));
        let mut raw = csv::ByteRecord::new();
        let Some(header) = read_record(&file, &mut rdr, &mut raw, crlf)? else {
            return Err(ListError::invalid(
                &file,
                Location::Line(1),
                "the file is empty",
            ));
        };
        let cols = Columns::new(&header);
        for r in required {
            if cols.index(r).is_none() {
                return Err(ListError::invalid(
                    &file,
                    Location::Line(1),
                    format!("no {r:?} column in the header: not a {what} file"),
                ));
            }
        }
        Ok(HeaderCsv {
            file,
            cols,
            rdr,
            raw,
            crlf,
        })
    }

    /// The next non-blank row with its line number.
    pub fn next_row(&mut self) -> Result<Option<(u64, csv::StringRecord)>, ListError> {
        while let Some(rec) = read_record(&self.file, &mut self.rdr, &mut self.raw, self.crlf)? {
            let line = rec.position().map(|p| p.line()).unwrap_or(0);
            if rec.iter().all(|f| f.trim().is_empty()) {
                continue;
            }
            if rec.len() != self.cols.len() {
                return Err(ListError::invalid(
                    &self.file,
                    Location::Line(line),
                    format!("expected {} fields, found {}", self.cols.len(), rec.len()),
                ));
            }
            return Ok(Some((line, rec)));
        }
        Ok(None)
    }
}

/// Header-indexed access to a CSV record.
pub(crate) struct Columns {
    names: Vec<String>,
}

impl Columns {
    pub fn new(header: &csv::StringRecord) -> Self {
        Columns {
            names: header
                .iter()
                .map(|h| h.trim().trim_start_matches('\u{feff}').to_ascii_lowercase())
                .collect(),
        }
    }

    pub fn index(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn get<'r>(&self, rec: &'r csv::StringRecord, name: &str) -> Option<&'r str> {
        self.index(name)
            .and_then(|i| rec.get(i))
            .map(str::trim)
            .filter(|s| !s.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ofac_date_forms() {
        let s = |x: &str| english_date_value(x).map(|d| d.to_string());
        assert_eq!(s("03 Mar 1985").as_deref(), Some("1985-03-03"));
        assert_eq!(s("Mar 1985").as_deref(), Some("1985-03"));
        assert_eq!(s("1962").as_deref(), Some("1962"));
        assert_eq!(s("circa 1960").as_deref(), Some("circa 1960"));
        assert_eq!(s("1955 to 1958").as_deref(), Some("1955 to 1958"));
        assert_eq!(s("circa 1955-1958").as_deref(), Some("1955 to 1958"));
        assert_eq!(
            s("01 Jan 1960 to 31 Dec 1962").as_deref(),
            Some("1960-01-01 to 1962-12-31")
        );
        assert_eq!(s("31 Feb 1980"), None);
        assert_eq!(s("unknown"), None);
        assert_eq!(
            english_date("10/16/2017").map(|d| d.to_string()).as_deref(),
            Some("2017-10-16")
        );
    }
}
