//! The BIS Denied Persons List (tab-separated, quoted, with a header). The
//! list has no ids: one party appears on consecutive rows, one per address,
//! so rows with the same name and effective date form one entity, whose id
//! is `bis-dpl:<NAME-SLUG>-<effective date>`.

use crate::util::{country, english_date, name, slug, unique_id, HeaderCsv};
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
    let mut csv = HeaderCsv::open(
        input,
        b'\t',
        &["name", "effective_date"],
        "Denied Persons List",
    )?;
    let file = csv.file.clone();
    let mut summary = ParseSummary::default();
    let mut seen = HashSet::new();
    let mut current: Option<(String, Entity)> = None;
    let mut latest: Option<PartialDate> = None;
    while let Some((line, rec)) = csv.next_row()? {
        let cols = &csv.cols;
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
            // The list gives no type: a legal form marks an organisation; other
            // names stay unknown rather than guessed to be persons.
            let kind = if kansa_text::looks_like_organization(&full) {
                EntityKind::Organization
            } else {
                EntityKind::Unknown
            };
            let mut e = Entity::new(source, &id, kind);
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
