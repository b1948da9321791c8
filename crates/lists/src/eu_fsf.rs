//! The EU Financial Sanctions Files XML (`xmlFullSanctionsList_1_1`,
//! namespace `http://eu.europa.ec/fpi/fsd/export`): `<sanctionEntity>`
//! records whose facts live in attributes (`nameAlias@wholeName`,
//! `birthdate@birthdate`, `identification@number`, ...). The id is the EU
//! reference number (`eu-fsf:EU.27.28`), falling back to the logical id.

use crate::util::{country, name};
use crate::xml::{Node, XmlRecords};
use crate::{Input, ListError, Location, ParseSummary, Sink};
use kansa_model::{
    Address, DateValue, Entity, EntityKind, Gender, Identifier, NameKind, NameParts, PartialDate,
};
use std::io::BufRead;

pub const SOURCE: &str = "eu-fsf";

fn attr(n: &Node, a: &str) -> Option<String> {
    n.attr(a).and_then(kansa_text::clean_opt)
}

/// ISO code unless the EU's "00" (unknown).
fn iso(n: &Node) -> Option<String> {
    attr(n, "countryIso2Code")
        .filter(|c| c != "00")
        .and_then(|c| country(&c))
        .or_else(|| {
            attr(n, "countryDescription")
                .filter(|d| d != "UNKNOWN")
                .and_then(|d| country(&d))
        })
}

pub fn parse<R: BufRead>(
    input: Input<R>,
    source: &str,
    sink: &mut Sink,
) -> Result<ParseSummary, ListError> {
    let file = input.name.clone();
    let mut recs = XmlRecords::new(input)?;
    let mut summary = ParseSummary::default();
    while let Some(n) = recs.next(|parents, name| parents.len() == 1 && name == "sanctionEntity")? {
        if recs.root.as_ref().is_some_and(|r| r.name != "export") {
            break;
        }
        let e = entity(&file, recs.records, &n, source)?;
        summary.entities += 1;
        sink(e).map_err(ListError::Sink)?;
    }
    let root = recs.root.as_ref();
    if root.map(|r| r.name.as_str()) != Some("export") {
        return Err(ListError::invalid(
            &file,
            Location::File,
            format!(
                "root element is <{}>, expected <export> of the EU Financial Sanctions Files",
                root.map(|r| r.name.as_str()).unwrap_or("")
            ),
        ));
    }
    if let Some(d) = root.and_then(|r| r.attr("generationDate")) {
        summary.version = Some(d.to_string());
        summary.published = PartialDate::parse_iso(d);
    }
    Ok(summary)
}

fn entity(file: &str, rec: u64, n: &Node, source: &str) -> Result<Entity, ListError> {
    let Some(id) = attr(n, "euReferenceNumber").or_else(|| attr(n, "logicalId")) else {
        return Err(ListError::invalid(
            file,
            Location::Record(rec),
            "<sanctionEntity> without euReferenceNumber or logicalId",
        ));
    };
    let kind = match n
        .child("subjectType")
        .and_then(|s| attr(s, "code"))
        .as_deref()
    {
        Some("person") => EntityKind::Person,
        Some("enterprise") => EntityKind::Organization,
        _ => EntityKind::Unknown,
    };
    let mut e = Entity::new(source, &id, kind);
    for a in n.all("nameAlias") {
        let Some(whole) = attr(a, "wholeName") else {
            continue;
        };
        let strong = a.attr("strong") != Some("false");
        let nk = if e.names.is_empty() && strong {
            NameKind::Primary
        } else if strong {
            NameKind::Aka
        } else {
            NameKind::WeakAka
        };
        let parts = NameParts {
            given: attr(a, "firstName"),
            middle: attr(a, "middleName"),
            family: attr(a, "lastName"),
            title: attr(a, "title"),
            ..NameParts::default()
        };
        if let Some(mut nm) = name(&whole, nk, parts) {
            nm.lang = attr(a, "nameLanguage").map(|l| l.to_ascii_lowercase());
            if !e.names.iter().any(|x| x.full == nm.full) {
                e.names.push(nm);
            }
        }
        if let Some(f) = attr(a, "function") {
            Entity::push_unique(&mut e.titles, f);
        }
        match a.attr("gender") {
            Some("M") => e.gender = Some(Gender::Male),
            Some("F") => e.gender = Some(Gender::Female),
            _ => {}
        }
    }
    if e.names.is_empty() {
        return Err(ListError::invalid(
            file,
            Location::Record(rec),
            format!("{id}: no nameAlias with a wholeName"),
        ));
    }
    if e.names.iter().all(|x| x.kind != NameKind::Primary) {
        e.names[0].kind = NameKind::Primary;
    }
    for r in n.all("regulation") {
        if let Some(p) = attr(r, "programme") {
            Entity::push_unique(&mut e.programs, p);
        }
        if e.listed_on.is_none() {
            e.listed_on = attr(r, "publicationDate").and_then(|d| PartialDate::parse_iso(&d));
        }
    }
    if let Some(d) = attr(n, "designationDate").and_then(|d| PartialDate::parse_iso(&d)) {
        e.listed_on = Some(d);
    }
    for c in n.all("citizenship") {
        if let Some(code) = iso(c) {
            Entity::push_unique(&mut e.nationalities, code.clone());
            Entity::push_unique(&mut e.countries, code);
        }
    }
    for b in n.all("birthdate") {
        let circa = b.attr("circa") == Some("true");
        let point = attr(b, "birthdate")
            .and_then(|d| PartialDate::parse_iso(&d))
            .or_else(|| {
                let y: u32 = attr(b, "year")?.parse().ok()?;
                let m = attr(b, "monthOfYear").and_then(|m| m.parse().ok());
                let d = attr(b, "dayOfMonth").and_then(|d| d.parse().ok());
                PartialDate::new(y, m, d.filter(|_| m.is_some())).ok()
            });
        let range = (
            attr(b, "yearRangeFrom").and_then(|y| PartialDate::parse_iso(&y)),
            attr(b, "yearRangeTo").and_then(|y| PartialDate::parse_iso(&y)),
        );
        let v = match (point, range) {
            (_, (Some(f), Some(t))) => DateValue::between(f, t).ok(),
            (Some(d), _) if circa => Some(DateValue::Circa { date: d }),
            (Some(d), _) => Some(DateValue::exact(d)),
            _ => None,
        };
        if let Some(v) = v {
            Entity::push_unique(&mut e.birth_dates, v);
        }
        let place: Vec<String> = [
            attr(b, "city"),
            attr(b, "place"),
            attr(b, "region"),
            attr(b, "countryDescription").filter(|d| d != "UNKNOWN"),
        ]
        .into_iter()
        .flatten()
        .collect();
        if !place.is_empty() {
            Entity::push_unique(&mut e.birth_places, place.join(", "));
        }
    }
    for i in n.all("identification") {
        let Some(number) = attr(i, "number").or_else(|| attr(i, "latinNumber")) else {
            continue;
        };
        let kind = attr(i, "identificationTypeDescription")
            .or_else(|| attr(i, "identificationTypeCode"))
            .unwrap_or_else(|| "Document".into());
        let flags: Vec<&str> = [
            "diplomatic",
            "knownExpired",
            "knownFalse",
            "reportedLost",
            "revokedByIssuer",
        ]
        .into_iter()
        .filter(|f| i.attr(f) == Some("true"))
        .collect();
        let mut note: Vec<String> = flags.iter().map(|s| s.to_string()).collect();
        if let Some(r) = i
            .child("remark")
            .and_then(|r| kansa_text::clean_opt(&r.text))
        {
            note.push(r);
        }
        Entity::push_unique(
            &mut e.documents,
            Identifier {
                kind,
                number,
                country: iso(i),
                note: (!note.is_empty()).then(|| note.join("; ")),
            },
        );
    }
    for a in n.all("address") {
        let code = iso(a);
        let addr = Address {
            street: [
                attr(a, "street"),
                attr(a, "poBox").map(|p| format!("P.O. Box {p}")),
            ]
            .into_iter()
            .flatten()
            .reduce(|x, y| format!("{x}, {y}")),
            city: attr(a, "city"),
            region: attr(a, "region"),
            postal_code: attr(a, "zipCode"),
            country: code.clone().filter(|c| c.len() == 2),
            country_name: attr(a, "countryDescription").filter(|d| d != "UNKNOWN"),
            note: a
                .child("remark")
                .and_then(|r| kansa_text::clean_opt(&r.text)),
        };
        if let Some(c) = code {
            Entity::push_unique(&mut e.countries, c);
        }
        if !addr.is_empty() {
            Entity::push_unique(&mut e.addresses, addr);
        }
    }
    let remarks: Vec<String> = n
        .all("remark")
        .filter_map(|r| kansa_text::clean_opt(&r.text))
        .collect();
    if !remarks.is_empty() {
        e.remarks = Some(remarks.join("\n"));
    }
    Ok(e)
}
