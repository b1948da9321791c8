//! The structured facts OFAC hides in its free-text remarks field:
//! `DOB 03 Mar 1985; POB Saint Petersburg, Russia; nationality Russia;
//! Passport 4005504207 (Russia); Digital Currency Address - XBT 1Fz2...;
//! a.k.a. 'BNC'; Linked To: LAZARUS GROUP.`
//!
//! Facts are separated by `;`. Each recognised fact is added to the entity;
//! the remarks text itself is kept whole on the entity, so nothing is lost
//! when a fact is not recognised.

use crate::util::{country, english_date, english_date_value, name};
use kansa_model::{CryptoAddress, Entity, Gender, Identifier, Link, LinkKind, NameKind, NameParts};

/// Document labels as OFAC writes them, longest first within a shared prefix.
const DOCUMENT_LABELS: &[&str] = &[
    "Vessel Registration Identification",
    "Diplomatic Passport",
    "Passport",
    "National ID No.",
    "National Foreign ID Number",
    "Cedula No.",
    "NIT #",
    "Tax ID No.",
    "Registration Number",
    "Registration ID",
    "Identification Number",
    "RUC #",
    "D.N.I.",
    "Folio Mercantil No.",
    "Matricula Mercantil No",
    "Company Number",
    "UK Company Number",
    "Commercial Registry Number",
    "Business Registration Document #",
    "Business Registration Number",
    "Trade License No.",
    "Unified Social Credit Code (USCC)",
    "Unified Social Credit Code",
    "D-U-N-S Number",
    "SSN",
    "Driver's License No.",
    "Personal ID Card",
    "Birth Certificate Number",
    "Legal Entity Number",
    "US FEIN",
    "V.A.T. Number",
    "C.R. No.",
    "Public Registration Number",
    "Chamber of Commerce Number",
    "RIF #",
    "Kenyan ID No.",
    "CURP #",
    "R.F.C.",
    "Residency Number",
    "Electoral Registry No.",
    "Immigration No.",
    "Travel Document Number",
    "Refugee ID Card",
    "C.U.I.T.",
    "C.U.I.P.",
    "LE Number",
    "MMSI",
    "Aircraft Tail Number",
    "Aircraft Manufacturer's Serial Number (MSN)",
    "SWIFT/BIC",
    "ISIN",
    "BIK (RU)",
    "Government Gazette Number",
    "Cartilla de Servicio Militar Nacional",
    "Credencial electoral",
    "Pasaporte",
    "Bosnian Personal ID No.",
    "Serial No.",
    "Stateless Person ID Card",
    "Seafarer's Identification Document",
    "Certificate of Incorporation Number",
    "Economic Register Number (CBLS)",
    "Moroccan Personal ID No.",
    "Italian Fiscal Code",
    "Dubai Chamber of Commerce Membership No.",
    "Afghan Money Service Provider License Number",
    "Citizen's Card Number",
];

fn strip_alt(s: &str) -> &str {
    s.strip_prefix("alt. ").unwrap_or(s)
}

/// Splits `4005504207 (Russia) expires 01 Sep 2025` into number, country, note.
fn document_tail(rest: &str) -> (String, Option<String>, Option<String>) {
    let rest = rest.trim();
    if let Some(open) = rest.find(" (") {
        if let Some(close_rel) = rest[open..].find(')') {
            let close = open + close_rel;
            let number = rest[..open].trim().to_string();
            let ctry = country(&rest[open + 2..close]);
            let note = kansa_text::clean_opt(&rest[close + 1..]);
            return (number, ctry, note);
        }
    }
    for kw in [" issued ", " expires ", " Issue Date ", " Expiration Date "] {
        if let Some(i) = rest.find(kw) {
            return (
                rest[..i].trim().to_string(),
                None,
                kansa_text::clean_opt(&rest[i..]),
            );
        }
    }
    (rest.to_string(), None, None)
}

/// Strips one pair of quotes (OFAC writes weak aliases as `'NAME'`).
fn unquote(s: &str) -> &str {
    let s = s.trim();
    s.strip_prefix('\'')
        .and_then(|x| x.strip_suffix('\''))
        .or_else(|| s.strip_prefix('"').and_then(|x| x.strip_suffix('"')))
        .unwrap_or(s)
}

/// Adds every fact found in `remarks` to `e`.
pub(crate) fn apply(e: &mut Entity, remarks: &str) {
    for raw in split_facts(remarks) {
        let part = raw.trim();
        let part = part.strip_suffix('.').unwrap_or(part).trim();
        if part.is_empty() {
            continue;
        }
        apply_fact(e, part);
    }
}

/// Splits on `;` outside of single-quoted aliases.
fn split_facts(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = s.as_bytes();
    let mut in_quote = false;
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'\'' => {
                // An apostrophe inside a word (O'BRIEN) is not a quote.
                let prev_alpha = i > 0 && bytes[i - 1].is_ascii_alphanumeric();
                let next_alpha = bytes.get(i + 1).is_some_and(|c| c.is_ascii_alphanumeric());
                if !(prev_alpha && next_alpha) {
                    in_quote = !in_quote;
                }
            }
            b';' if !in_quote => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

fn apply_fact(e: &mut Entity, part: &str) {
    let body = strip_alt(part);
    if let Some(rest) = body.strip_prefix("DOB ") {
        if let Some(d) = english_date_value(rest) {
            Entity::push_unique(&mut e.birth_dates, d);
        }
    } else if let Some(rest) = body.strip_prefix("POB ") {
        Entity::push_unique(&mut e.birth_places, kansa_text::clean(rest));
    } else if let Some(rest) = body
        .strip_prefix("nationality ")
        .or_else(|| body.strip_prefix("citizen "))
    {
        if let Some(c) = country(rest) {
            Entity::push_unique(&mut e.nationalities, c.clone());
            Entity::push_unique(&mut e.countries, c);
        }
    } else if let Some(rest) = body.strip_prefix("Gender ") {
        e.gender = match rest.trim() {
            "Male" => Some(Gender::Male),
            "Female" => Some(Gender::Female),
            _ => Some(Gender::Other),
        };
    } else if let Some(rest) = body.strip_prefix("Email Address ") {
        Entity::push_unique(&mut e.emails, rest.trim().to_string());
    } else if let Some(rest) = body.strip_prefix("Website ") {
        Entity::push_unique(&mut e.websites, rest.trim().to_string());
    } else if let Some(rest) = body.strip_prefix("Digital Currency Address - ") {
        let mut it = rest.split_whitespace();
        if let (Some(asset), Some(addr)) = (it.next(), it.next()) {
            Entity::push_unique(
                &mut e.crypto_addresses,
                CryptoAddress {
                    asset: asset.to_string(),
                    address: addr.to_string(),
                },
            );
        }
    } else if let Some((kind, rest)) = alias_prefix(body) {
        if let Some(n) = name(unquote(rest), kind, NameParts::default()) {
            if !e.names.iter().any(|x| x.full == n.full) {
                e.names.push(n);
            }
        }
    } else if let Some(rest) = body.strip_prefix("Linked To: ") {
        let target = kansa_text::clean(rest);
        if !target.is_empty() {
            Entity::push_unique(
                &mut e.links,
                Link {
                    kind: LinkKind::LinkedTo,
                    target_name: target,
                    target_id: None,
                    share: None,
                },
            );
        }
    } else if let Some(rest) = body.strip_prefix("Organization Established Date ") {
        if e.birth_dates.is_empty() {
            if let Some(d) = english_date(rest) {
                e.birth_dates.push(kansa_model::DateValue::exact(d));
            }
        }
    } else if let Some((label, rest)) = DOCUMENT_LABELS
        .iter()
        .filter_map(|l| body.strip_prefix(l).map(|r| (*l, r)))
        .filter(|(_, r)| r.starts_with(' '))
        .max_by_key(|(l, _)| l.len())
    {
        let (number, ctry, note) = document_tail(rest);
        if !number.is_empty() {
            let (kind, number) = match label {
                // "Vessel Registration Identification IMO 9187629"
                "Vessel Registration Identification" => match number.strip_prefix("IMO ") {
                    Some(n) => ("IMO".to_string(), n.trim().to_string()),
                    None => (label.to_string(), number),
                },
                _ => (label.to_string(), number),
            };
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
    }
}

fn alias_prefix(body: &str) -> Option<(NameKind, &str)> {
    if let Some(r) = body.strip_prefix("a.k.a. ") {
        return Some((NameKind::WeakAka, r));
    }
    if let Some(r) = body.strip_prefix("f.k.a. ") {
        return Some((NameKind::Fka, r));
    }
    if let Some(r) = body.strip_prefix("n.k.a. ") {
        return Some((NameKind::Nka, r));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use kansa_model::EntityKind;

    #[test]
    fn facts_of_a_real_remark() {
        let mut e = Entity::new("ofac-sdn", "29703", EntityKind::Person);
        apply(&mut e, "DOB 03 Mar 1985; POB Saint Petersburg, Russia; nationality Russia; Email Address antonandreyv@gmail.com; Gender Male; Digital Currency Address - XBT 1Fz29BQp82pE3vXXcsZoMNQ3KSHfMzfMe3; alt. Digital Currency Address - ETH 0x8576acc5c05d6ce88f4e49bf65bdf0c62f91353c; Passport 4005504207 (Russia) expires 01 Sep 2025; National ID No. 781005202108; a.k.a. 'O'BRIEN; X'; Linked To: LAZARUS GROUP.");
        assert_eq!(e.birth_dates[0].to_string(), "1985-03-03");
        assert_eq!(e.birth_places, vec!["Saint Petersburg, Russia"]);
        assert_eq!(e.nationalities, vec!["RU"]);
        assert_eq!(e.gender, Some(Gender::Male));
        assert_eq!(e.crypto_addresses.len(), 2);
        assert_eq!(e.crypto_addresses[1].asset, "ETH");
        assert_eq!(e.documents[0].kind, "Passport");
        assert_eq!(e.documents[0].number, "4005504207");
        assert_eq!(e.documents[0].country.as_deref(), Some("RU"));
        assert_eq!(e.documents[0].note.as_deref(), Some("expires 01 Sep 2025"));
        assert_eq!(e.documents[1].kind, "National ID No.");
        assert_eq!(e.names[0].full, "O'BRIEN; X");
        assert_eq!(e.names[0].kind, NameKind::WeakAka);
        assert_eq!(e.links[0].target_name, "LAZARUS GROUP");
    }

    #[test]
    fn vessel_imo_numbers() {
        let mut e = Entity::new("ofac-sdn", "1", EntityKind::Vessel);
        apply(
            &mut e,
            "Vessel Registration Identification IMO 9187629; MMSI 123456789.",
        );
        assert_eq!(e.documents[0].kind, "IMO");
        assert_eq!(e.documents[0].number, "9187629");
        assert_eq!(e.documents[1].kind, "MMSI");
    }
}
