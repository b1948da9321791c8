//! The BIS Denied Persons List (tab-separated, quoted, with a header). The
//! list has no ids: one party appears on consecutive rows, one per address,
//! so rows with the same name and effective date form one entity, whose id
//! is `bis-dpl:<NAME-SLUG>-<effective date>`.

use crate::guard::{check_text_start, first_line_is_crlf, RunGuard, MAX_RUN};
use crate::util::{country, csv_error, english_date, name, read_record, slug, unique_id, Columns};
use crate::{Input, ListError, Location, ParseSummary, Sink};
use kansa_model::{Address, Entity, EntityKind, NameKind, NameParts, PartialDate};
use std::collections::HashSet;
use std::io::BufRead;

pub const SOURCE: &str = "bis-dpl";

pub fn parse<R: BufRead>(
    input: Input<R>,
    source: &str,
    sink: &mut Sink,
) -> Result<ParseSummary, ListError> {
    let Input {
        name: file,
        mut reader,
    } = input;
    check_text_start(&file, &mut reader)?;
    let crlf = first_line_is_crlf(&mut reader);
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(b'\t')
        .has_headers(false)
        .flexible(true)
        .from_reader(RunGuard::new(reader, b"\n", MAX_RUN));
    let mut rec = csv::StringRecord::new();
    if !rdr.read_record(&mut rec).map_err(|e| csv_error(&file, e))? {
        return Err(ListError::invalid(
            &file,
            Location::Line(1),
            "the file is empty",
        ));
    }
    let cols = Columns::new(&rec);
    for required in ["name", "effective_date"] {
        if cols.index(required).is_none() {
            return Err(ListError::invalid(
                &file,
                Location::Line(1),
                format!("no {required:?} column in the header: not a Denied Persons List file"),
            ));
        }
    }
    let mut summary = ParseSummary::default();
    let mut seen = HashSet::new();
    let mut current: Option<(String, Entity)> = None;
    let mut latest: Option<PartialDate> = None;
    let mut raw = csv::ByteRecord::new();
    while let Some(rec) = read_record(&file, &mut rdr, &mut raw, crlf)? {
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        if rec.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        if rec.len() != cols.len() {
            return Err(ListError::invalid(
                &file,
                Location::Line(line),
                format!("expected {} fields, found {}", cols.len(), rec.len()),
            ));
        }
        let g = |c: &str| cols.get(&rec, c);
        let Some(full) = g("name").and_then(kansa_text::clean_opt) else {
            return Err(ListError::invalid(
                &file,
                Location::Line(line),
                "the Name column is empty",
            ));
        };
        let effective = g("effective_date").and_then(english_date);
        if let Some(u) = g("last_update").and_then(english_date) {
            latest = latest.max(Some(u));
        }
        let key = format!(
            "{}|{}",
            full.to_ascii_uppercase(),
            effective.map(|d| d.to_string()).unwrap_or_default()
        );
        let country_name = g("country").map(str::to_string);
        let code = country_name
            .as_deref()
            .and_then(country)
            .filter(|c| c.len() == 2);
        let addr = Address {
            street: g("street_address").and_then(kansa_text::clean_opt),
            city: g("city").and_then(kansa_text::clean_opt),
            region: g("state").and_then(kansa_text::clean_opt),
            postal_code: g("postal_code").and_then(kansa_text::clean_opt),
            country: code.clone(),
            country_name,
            note: None,
        };
        if current.as_ref().is_none_or(|(k, _)| *k != key) {
            if let Some((_, done)) = current.take() {
                summary.entities += 1;
                sink(done).map_err(ListError::Sink)?;
            }
            let base = match effective {
                Some(d) => format!("{}-{d}", slug(&full)),
                None => slug(&full),
            };
            let id = unique_id(&mut seen, base);
            let mut e = Entity::new(source, &id, EntityKind::Unknown);
            e.names
                .extend(name(&full, NameKind::Primary, NameParts::default()));
            e.listed_on = effective;
            e.programs.push("DPL".to_string());
            let notes: Vec<String> = [
                ("Expiration_Date", "expires"),
                ("Standard_Order", "standard order"),
                ("Action", "action"),
                ("FR_Citation", "FR citation"),
            ]
            .iter()
            .filter_map(|(c, label)| {
                g(&c.to_ascii_lowercase()).map(|v| format!("{label}: {}", kansa_text::clean(v)))
            })
            .collect();
            if !notes.is_empty() {
                e.remarks = Some(notes.join("; "));
            }
            current = Some((key, e));
        }
        if let Some((_, e)) = current.as_mut() {
            if let Some(c) = code {
                Entity::push_unique(&mut e.countries, c);
            }
            if !addr.is_empty() {
                Entity::push_unique(&mut e.addresses, addr);
            }
        }
    }
    if let Some((_, done)) = current.take() {
        summary.entities += 1;
        sink(done).map_err(ListError::Sink)?;
    }
    summary.published = latest;
    summary.version = latest.map(|d| d.to_string());
    Ok(summary)
}
