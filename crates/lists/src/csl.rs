//! The US Consolidated Screening List (CSV), which merges eleven export
//! screening lists of the Departments of Commerce, State and the Treasury.
//! Columns are found by header name. Each row's sub-list is named by the
//! abbreviation in its `source` column (`SDN`, `EL`, `DPL`, ...); the id is
//! `us-csl:<LIST>-<entity_number>` when the row has a number, otherwise
//! `us-csl:<LIST>-<NAME-SLUG>`.

use crate::util::{country, english_date, english_date_value, name, slug, unique_id, HeaderCsv};
use crate::{Input, ListError, Location, ParseSummary, Sink};
use kansa_model::{
    Address, CryptoAddress, Entity, EntityKind, Identifier, NameKind, NameParts, VesselInfo,
};
use std::collections::HashSet;
use std::io::BufRead;

pub const SOURCE: &str = "us-csl";

/// `Denied Persons List (DPL) - Bureau of Industry and Security` → `DPL`.
fn list_abbrev(source: &str) -> String {
    if let (Some(a), Some(b)) = (source.find('('), source.find(')')) {
        if a < b {
            let inner = source[a + 1..b].trim();
            if !inner.is_empty() {
                return slug(inner);
            }
        }
    }
    slug(source)
}

fn split_list(s: Option<&str>) -> impl Iterator<Item = &str> {
    s.unwrap_or("")
        .split(';')
        .map(str::trim)
        .filter(|x| !x.is_empty())
}

pub fn parse<R: BufRead>(
    input: Input<R>,
    source: &str,
    sink: &mut Sink,
) -> Result<ParseSummary, ListError> {
    let mut csv = HeaderCsv::open(
        input,
        b',',
        &["source", "name"],
        "Consolidated Screening List",
    )?;
    let file = csv.file.clone();
    let mut summary = ParseSummary::default();
    let mut seen = HashSet::new();
    while let Some((line, rec)) = csv.next_row()? {
        let cols = &csv.cols;
        let g = |c: &str| cols.get(&rec, c);
        let Some(list) = g("source") else {
            return Err(ListError::invalid(
                &file,
                Location::Line(line),
                "the source column is empty",
            ));
        };
        let Some(full) = g("name") else {
            return Err(ListError::invalid(
                &file,
                Location::Line(line),
                "the name column is empty",
            ));
        };
        let abbr = list_abbrev(list);
        let base = match g("id").or(g("_id")).or(g("entity_number")) {
            Some(n) => format!("{abbr}-{n}"),
            None => format!("{abbr}-{}", slug(full)),
        };
        let id = unique_id(&mut seen, base);
        let kind = match g("type").map(str::to_ascii_lowercase).as_deref() {
            Some("individual") => EntityKind::Person,
            Some("entity") => EntityKind::Organization,
            Some("vessel") => EntityKind::Vessel,
            Some("aircraft") => EntityKind::Aircraft,
            _ if kansa_text::looks_like_organization(full) => EntityKind::Organization,
            _ => EntityKind::Unknown,
        };
        let mut e = Entity::new(source, &id, kind);
        e.names
            .extend(name(full, NameKind::Primary, NameParts::default()));
        for alt in split_list(g("alt_names")) {
            if let Some(n) = name(alt, NameKind::Aka, NameParts::default()) {
                if !e.names.iter().any(|x| x.full == n.full) {
                    e.names.push(n);
                }
            }
        }
        e.programs.push(abbr.clone());
        for p in split_list(g("programs")) {
            Entity::push_unique(&mut e.programs, p.to_string());
        }
        if let Some(t) = g("title") {
            e.titles.push(kansa_text::clean(t));
        }
        for a in split_list(g("addresses")) {
            // "80 SW 8th Street Suite 2000, Miami, FL, 33130, US": the last part is a country code.
            let last = a.rsplit(',').next().map(str::trim).unwrap_or("");
            let code = (last.len() == 2)
                .then(|| country(last))
                .flatten()
                .filter(|c| c.len() == 2);
            if let Some(c) = &code {
                Entity::push_unique(&mut e.countries, c.clone());
            }
            Entity::push_unique(
                &mut e.addresses,
                Address {
                    street: kansa_text::clean_opt(a),
                    country: code,
                    ..Address::default()
                },
            );
        }
        for c in split_list(g("nationalities")).chain(split_list(g("citizenships"))) {
            if let Some(c) = country(c) {
                Entity::push_unique(&mut e.nationalities, c.clone());
                Entity::push_unique(&mut e.countries, c);
            }
        }
        for d in split_list(g("dates_of_birth")) {
            if let Some(v) = english_date_value(d) {
                Entity::push_unique(&mut e.birth_dates, v);
            }
        }
        for p in split_list(g("places_of_birth")) {
            Entity::push_unique(&mut e.birth_places, kansa_text::clean(p));
        }
        for idt in split_list(g("ids")) {
            // "US, 80-0890696, Tax ID No." : country, number, type.
            let parts: Vec<&str> = idt.splitn(3, ", ").map(str::trim).collect();
            if let [ctry, number, ty] = parts[..] {
                if let Some(asset) = ty.strip_prefix("Digital Currency Address - ") {
                    Entity::push_unique(
                        &mut e.crypto_addresses,
                        CryptoAddress {
                            asset: asset.trim().to_string(),
                            address: number.to_string(),
                        },
                    );
                } else if !number.is_empty() {
                    Entity::push_unique(
                        &mut e.documents,
                        Identifier {
                            kind: ty.to_string(),
                            number: number.to_string(),
                            country: country(ctry).filter(|c| c.len() == 2),
                            note: None,
                        },
                    );
                }
            }
        }
        e.listed_on = g("start_date").and_then(english_date);
        let vessel = VesselInfo {
            call_sign: g("call_sign").map(str::to_string),
            vessel_type: g("vessel_type").map(str::to_string),
            tonnage: g("gross_tonnage").map(str::to_string),
            gross_registered_tonnage: g("gross_registered_tonnage").map(str::to_string),
            flag: g("vessel_flag").map(str::to_string),
            owner: g("vessel_owner").map(str::to_string),
        };
        if !vessel.is_empty() {
            e.vessel = Some(vessel);
        }
        e.remarks = g("remarks").and_then(kansa_text::clean_opt);
        summary.entities += 1;
        sink(e).map_err(ListError::Sink)?;
    }
    Ok(summary)
}
