//! The UN Security Council consolidated list (XML): `<INDIVIDUAL>` and
//! `<ENTITY>` records identified by their permanent reference number
//! (`KPi.033`), aliases with their quality (Good / Low / a.k.a. / f.k.a.),
//! names in original script, dates of birth (EXACT, APPROXIMATELY, BETWEEN)
//! and identity documents.

use crate::util::{country, name};
use crate::xml::{Node, XmlRecords};
use crate::{Input, ListError, Location, ParseSummary, Sink};
use kansa_model::{
    Address, DateValue, Entity, EntityId, EntityKind, Gender, Identifier, Link, LinkKind, NameKind,
    NameParts, PartialDate,
};
use std::io::BufRead;

pub const SOURCE: &str = "un";

/// Parses the consolidated list XML.
pub fn parse<R: BufRead>(
    input: Input<R>,
    source: &str,
    sink: &mut Sink,
) -> Result<ParseSummary, ListError> {
    let file = input.name.clone();
    let mut recs = XmlRecords::new(input)?;
    let mut summary = ParseSummary::default();
    let mut checked_root = false;
    while let Some(node) = recs.next(|parents, name| {
        matches!(
            (parents.last().map(String::as_str), name),
            (Some("INDIVIDUALS"), "INDIVIDUAL") | (Some("ENTITIES"), "ENTITY")
        )
    })? {
        if !checked_root {
            checked_root = true;
            let root = recs.root.as_ref().map(|r| r.name.as_str()).unwrap_or("");
            if root != "CONSOLIDATED_LIST" {
                return Err(ListError::invalid(
                    &file,
                    Location::File,
                    format!("root element is <{root}>, expected <CONSOLIDATED_LIST>"),
                ));
            }
            if let Some(d) = recs.root.as_ref().and_then(|r| r.attr("dateGenerated")) {
                summary.version = Some(d.to_string());
                summary.published = PartialDate::parse_iso(d);
            }
        }
        let e = entity(&file, recs.records, &node, source)?;
        summary.entities += 1;
        sink(e).map_err(ListError::Sink)?;
    }
    let root = recs
        .root
        .as_ref()
        .map(|r| r.name.clone())
        .unwrap_or_default();
    if root != "CONSOLIDATED_LIST" {
        return Err(ListError::invalid(
            &file,
            Location::File,
            format!("root element is <{root}>, expected <CONSOLIDATED_LIST>"),
        ));
    }
    if summary.version.is_none() {
        if let Some(d) = recs.root.as_ref().and_then(|r| r.attr("dateGenerated")) {
            summary.version = Some(d.to_string());
            summary.published = PartialDate::parse_iso(d);
        }
    }
    Ok(summary)
}

fn join(parts: &[Option<String>], sep: &str) -> Option<String> {
    let v: Vec<&str> = parts.iter().flatten().map(String::as_str).collect();
    (!v.is_empty()).then(|| v.join(sep))
}

fn entity(file: &str, rec: u64, n: &Node, source: &str) -> Result<Entity, ListError> {
    let person = n.name == "INDIVIDUAL";
    let Some(reference) = n.text_of("REFERENCE_NUMBER") else {
        return Err(ListError::invalid(
            file,
            Location::Record(rec),
            format!("<{}> without a REFERENCE_NUMBER", n.name),
        ));
    };
    let kind = if person {
        EntityKind::Person
    } else {
        EntityKind::Organization
    };
    let mut e = Entity::new(source, &reference, kind);
    let parts = ["FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME"].map(|t| n.text_of(t));
    let Some(full) = join(&parts, " ") else {
        return Err(ListError::invalid(
            file,
            Location::Record(rec),
            format!("{reference}: no name (FIRST_NAME is empty)"),
        ));
    };
    e.names
        .extend(name(&full, NameKind::Primary, NameParts::default()));
    if let Some(orig) = n.text_of("NAME_ORIGINAL_SCRIPT") {
        e.names
            .extend(name(&orig, NameKind::OriginalScript, NameParts::default()));
    }
    let alias_tag = if person {
        "INDIVIDUAL_ALIAS"
    } else {
        "ENTITY_ALIAS"
    };
    for a in n.all(alias_tag) {
        let Some(alias) = a.text_of("ALIAS_NAME") else {
            continue;
        };
        let kind = match a.text_of("QUALITY").as_deref() {
            Some("Low") => NameKind::WeakAka,
            Some("f.k.a.") => NameKind::Fka,
            _ => NameKind::Aka,
        };
        if let Some(nm) = name(&alias, kind, NameParts::default()) {
            if !e.names.iter().any(|x| x.full == nm.full) {
                e.names.push(nm);
            }
        }
        if let Some(d) = a
            .text_of("DATE_OF_BIRTH")
            .and_then(|d| PartialDate::parse_iso(&d))
        {
            Entity::push_unique(&mut e.birth_dates, DateValue::exact(d));
        }
        if let Some(p) = join(
            &[a.text_of("CITY_OF_BIRTH"), a.text_of("COUNTRY_OF_BIRTH")],
            ", ",
        ) {
            Entity::push_unique(&mut e.birth_places, p);
        }
    }
    e.titles.extend(n.values_of("TITLE"));
    for d in n.values_of("DESIGNATION") {
        Entity::push_unique(&mut e.titles, d);
    }
    for nat in n.values_of("NATIONALITY") {
        if let Some(c) = country(&nat) {
            Entity::push_unique(&mut e.nationalities, c.clone());
            Entity::push_unique(&mut e.countries, c);
        }
    }
    if let Some(p) = n.text_of("UN_LIST_TYPE") {
        e.programs.push(p);
    }
    e.listed_on = n
        .text_of("LISTED_ON")
        .and_then(|d| PartialDate::parse_iso(&d));
    e.gender = match n.text_of("GENDER").as_deref() {
        Some("Male") => Some(Gender::Male),
        Some("Female") => Some(Gender::Female),
        Some(_) => Some(Gender::Other),
        None => None,
    };
    if let Some(c) = n.text_of("COMMENTS1") {
        links_from_comments(&mut e, &c);
        e.remarks = Some(c);
    }
    for d in n.all("INDIVIDUAL_DATE_OF_BIRTH") {
        if let Some(v) = date_of_birth(d) {
            Entity::push_unique(&mut e.birth_dates, v);
        }
    }
    for p in n.all("INDIVIDUAL_PLACE_OF_BIRTH") {
        if let Some(s) = join(
            &[
                p.text_of("CITY"),
                p.text_of("STATE_PROVINCE"),
                p.text_of("COUNTRY"),
            ],
            ", ",
        ) {
            Entity::push_unique(&mut e.birth_places, s);
        }
    }
    for d in n.all("INDIVIDUAL_DOCUMENT") {
        let Some(number) = d.text_of("NUMBER") else {
            continue;
        };
        let kind = join(
            &[
                d.text_of("TYPE_OF_DOCUMENT"),
                d.text_of("TYPE_OF_DOCUMENT2"),
            ],
            " / ",
        )
        .unwrap_or_else(|| "Document".to_string());
        let ctry = d
            .text_of("ISSUING_COUNTRY")
            .or_else(|| d.text_of("COUNTRY_OF_ISSUE"))
            .and_then(|c| country(&c));
        let note = join(
            &[
                d.text_of("DATE_OF_ISSUE").map(|x| format!("issued {x}")),
                d.text_of("CITY_OF_ISSUE").map(|x| format!("in {x}")),
                d.text_of("NOTE"),
            ],
            "; ",
        );
        Entity::push_unique(
            &mut e.documents,
            Identifier {
                kind,
                number,
                country: ctry,
                note,
            },
        );
    }
    let addr_tag = if person {
        "INDIVIDUAL_ADDRESS"
    } else {
        "ENTITY_ADDRESS"
    };
    for a in n.all(addr_tag) {
        let country_name = a.text_of("COUNTRY");
        let code = country_name.as_deref().and_then(country);
        let addr = Address {
            street: a.text_of("STREET"),
            city: a.text_of("CITY"),
            region: a.text_of("STATE_PROVINCE"),
            postal_code: a.text_of("ZIP_CODE"),
            country: code.clone().filter(|c| c.len() == 2),
            country_name,
            note: a.text_of("NOTE"),
        };
        if let Some(c) = code {
            Entity::push_unique(&mut e.countries, c);
        }
        if !addr.is_empty() {
            Entity::push_unique(&mut e.addresses, addr);
        }
    }
    Ok(e)
}

fn date_of_birth(d: &Node) -> Option<DateValue> {
    let ty = d.text_of("TYPE_OF_DATE").unwrap_or_default();
    let point = d
        .text_of("DATE")
        .and_then(|x| PartialDate::parse_iso(&x))
        .or_else(|| d.text_of("YEAR").and_then(|y| PartialDate::parse_iso(&y)));
    match ty.as_str() {
        "BETWEEN" => {
            let from = d
                .text_of("FROM_YEAR")
                .and_then(|y| PartialDate::parse_iso(&y))?;
            let to = d
                .text_of("TO_YEAR")
                .and_then(|y| PartialDate::parse_iso(&y))?;
            DateValue::between(from, to).ok()
        }
        "APPROXIMATELY" => point.map(|date| DateValue::Circa { date }),
        _ => point.map(DateValue::exact),
    }
}

/// UN comments cite other listed parties by reference number, e.g.
/// "Jamil Mukulu (CDi.015)": each becomes a link to `un:CDi.015`, of the
/// kind the words just before it say ("Father of", "leader of",
/// "Treasurer to", "subsidiary of"; see [`relation_before`]).
/// The relation that the words before a cross-reference name, read in the
/// clause that holds it (back to the last sentence or clause break, at most
/// 90 bytes): the keyword nearest to the reference wins; no keyword is a
/// plain `linked_to`.
pub fn relation_before(before: &str) -> LinkKind {
    let mut start = before.len().saturating_sub(90);
    while !before.is_char_boundary(start) {
        start += 1;
    }
    let mut clause = &before[start..];
    if let Some(p) = clause.rfind(['.', ';']) {
        // "Jul. 2016" or an earlier reference's "(QDe.115)" are not breaks
        // worth honouring when nothing but a few words follow; a break
        // followed by a space starts a new clause.
        if clause[p + 1..].starts_with(' ') {
            clause = &clause[p + 1..];
        }
    }
    let lower = clause.to_lowercase();
    const KEYS: &[(&str, LinkKind)] = &[
        ("father of", LinkKind::Family),
        ("mother of", LinkKind::Family),
        ("son of", LinkKind::Family),
        ("daughter of", LinkKind::Family),
        ("brother of", LinkKind::Family),
        ("sister of", LinkKind::Family),
        ("wife of", LinkKind::Family),
        ("husband of", LinkKind::Family),
        ("nephew of", LinkKind::Family),
        ("cousin of", LinkKind::Family),
        ("uncle of", LinkKind::Family),
        ("in-law of", LinkKind::Family),
        ("leader of", LinkKind::Controls),
        ("head of", LinkKind::Controls),
        ("commander of", LinkKind::Controls),
        ("founder of", LinkKind::Controls),
        ("co-founder of", LinkKind::Controls),
        ("founded", LinkKind::Controls),
        ("formed", LinkKind::Controls),
        ("chief of", LinkKind::Controls),
        ("emir of", LinkKind::Controls),
        ("president of", LinkKind::Controls),
        ("chairman of", LinkKind::Controls),
        ("director of", LinkKind::Controls),
        ("controls", LinkKind::Controls),
        ("led by", LinkKind::ControlledBy),
        ("headed by", LinkKind::ControlledBy),
        ("controlled by", LinkKind::ControlledBy),
        ("directed by", LinkKind::ControlledBy),
        ("owned by", LinkKind::OwnedBy),
        ("subsidiary of", LinkKind::OwnedBy),
        ("treasurer to", LinkKind::ActsFor),
        ("treasurer of", LinkKind::ActsFor),
        ("on behalf of", LinkKind::ActsFor),
        ("front for", LinkKind::ActsFor),
        ("front company for", LinkKind::ActsFor),
        ("agent of", LinkKind::ActsFor),
        ("agent for", LinkKind::ActsFor),
        ("representative of", LinkKind::ActsFor),
        ("financier of", LinkKind::ActsFor),
        ("financier for", LinkKind::ActsFor),
        ("facilitator for", LinkKind::ActsFor),
        ("works for", LinkKind::ActsFor),
        ("worked for", LinkKind::ActsFor),
    ];
    let mut best: Option<(usize, LinkKind)> = None;
    for (k, kind) in KEYS {
        if let Some(p) = lower.rfind(k) {
            // Whole words only: "reason of" must not read as "son of".
            let bounded = p == 0 || !lower.as_bytes()[p - 1].is_ascii_alphabetic();
            if bounded && best.is_none_or(|(b, _)| p + k.len() > b) {
                best = Some((p + k.len(), *kind));
            }
        }
    }
    best.map_or(LinkKind::LinkedTo, |(_, k)| k)
}

fn links_from_comments(e: &mut Entity, text: &str) {
    let b = text.as_bytes();
    let mut i = 0;
    while i + 7 <= b.len() {
        // Two upper-case letters, 'i' or 'e', '.', three digits.
        let w = &b[i..i + 7];
        let boundary = i == 0 || !b[i - 1].is_ascii_alphanumeric();
        if boundary
            && w[0].is_ascii_uppercase()
            && w[1].is_ascii_uppercase()
            && (w[2] == b'i' || w[2] == b'e')
            && w[3] == b'.'
            && w[4..7].iter().all(u8::is_ascii_digit)
            && b.get(i + 7).is_none_or(|c| !c.is_ascii_digit())
        {
            let r = &text[i..i + 7];
            if r != e.source_id {
                let id = EntityId::new(&e.source, r);
                if !e.links.iter().any(|l| l.target_id.as_ref() == Some(&id)) {
                    e.links.push(Link {
                        kind: relation_before(&text[..i]),
                        target_name: r.to_string(),
                        target_id: Some(id),
                        share: None,
                    });
                }
            }
            i += 7;
        } else {
            i += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::relation_before;
    use kansa_model::LinkKind;

    #[test]
    fn relation_is_read_from_the_words_before_a_reference() {
        let cases = [
            (
                "Father of Sirajuddin Jallaloudine Haqqani (",
                LinkKind::Family,
            ),
            ("As a leader of M23 (", LinkKind::Controls),
            (
                "Treasurer to Abdul Ghani Baradar Abdul Ahmad Turk (",
                LinkKind::ActsFor,
            ),
            ("Associated with Al-Qaida in Iraq (", LinkKind::LinkedTo),
            ("Formed Jemmah Anshorut Tauhid (JAT) (", LinkKind::Controls),
            (
                "A subsidiary of Korea Mining Development Trading Corporation (",
                LinkKind::OwnedBy,
            ),
            // The clause before a break does not leak into the next one.
            (
                "Father of X (TAi.001). Associated with Y (",
                LinkKind::LinkedTo,
            ),
            // Whole words only.
            ("For reason of health, met Z (", LinkKind::LinkedTo),
        ];
        for (text, want) in cases {
            assert_eq!(relation_before(text), want, "{text}");
        }
    }
}
