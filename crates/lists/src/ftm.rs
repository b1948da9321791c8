//! OpenSanctions FollowTheMoney entities as JSON lines (one
//! `{"id", "schema", "properties": {...}}` object a line), both the flat
//! export and the nested export (`targets.nested.json`) in which related
//! entities are embedded as property values.
//!
//! Parties (Person, Organization, Company, LegalEntity, PublicBody, Vessel,
//! Airplane) become entities `<source>:<ftm id>`; Sanction, CryptoWallet,
//! Passport, Identification, Address, Ownership, Directorship, Family and
//! other link records are folded into the parties they name. Because a
//! flat export may name a party before or after its links, this format is
//! joined in memory (proportional to the file), unlike the streaming ones.

use crate::guard::{check_text_start, for_each_line, MAX_RUN};
use crate::util::{country, english_date_value, name};
use crate::{Input, ListError, Location, ParseSummary, Sink};
use kansa_model::{
    Address, CryptoAddress, DateValue, Entity, EntityId, EntityKind, Gender, Identifier, Link,
    LinkKind, NameKind, NameParts, PartialDate,
};
use serde_json::Value;
use std::collections::HashMap;
use std::io::BufRead;

pub const SOURCE: &str = "opensanctions";

fn kind_of(schema: &str) -> Option<EntityKind> {
    Some(match schema {
        "Person" => EntityKind::Person,
        "Organization" | "Company" | "LegalEntity" | "PublicBody" => EntityKind::Organization,
        "Vessel" => EntityKind::Vessel,
        "Airplane" => EntityKind::Aircraft,
        _ => return None,
    })
}

/// String values of a property (nested entities are skipped here).
fn strs<'a>(props: &'a Value, key: &str) -> impl Iterator<Item = &'a str> + 'a {
    props
        .get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// Ids referenced by a property: strings, or the `id` of nested objects.
fn refs(props: &Value, key: &str) -> Vec<String> {
    props
        .get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|v| {
            v.as_str()
                .map(str::to_string)
                .or_else(|| v.get("id").and_then(Value::as_str).map(str::to_string))
        })
        .collect()
}

fn first(props: &Value, key: &str) -> Option<String> {
    strs(props, key).next().map(str::to_string)
}

struct Ctx<'a> {
    source: &'a str,
    parties: HashMap<String, Entity>,
    order: Vec<String>,
    /// Link records whose parties may appear later: (record, line).
    links: Vec<(Value, u64)>,
    /// Parties marked `"target": true`, and whether the file marks any:
    /// where it does, the others are related parties, not listed ones.
    targets: std::collections::HashSet<String>,
    marks_targets: bool,
}

impl Ctx<'_> {
    fn party(&mut self, obj: &Value) {
        let (Some(id), Some(schema)) = (
            obj.get("id").and_then(Value::as_str),
            obj.get("schema").and_then(Value::as_str),
        ) else {
            return;
        };
        let props = obj.get("properties").cloned().unwrap_or(Value::Null);
        if let Some(t) = obj.get("target").and_then(Value::as_bool) {
            self.marks_targets = true;
            if t {
                self.targets.insert(id.to_string());
            }
        }
        match kind_of(schema) {
            Some(kind) => {
                let e = self
                    .parties
                    .entry(id.to_string())
                    .or_insert_with(|| Entity::new(self.source, id, kind));
                if !self.order.iter().rev().take(1).any(|x| x == id)
                    && !self.order.contains(&id.to_string())
                {
                    self.order.push(id.to_string());
                }
                fill(e, &props);
            }
            None => self.links.push((obj.clone(), 0)),
        }
        // Nested exports embed related entities as property values.
        if let Some(map) = props.as_object() {
            for vals in map.values() {
                for v in vals.as_array().into_iter().flatten() {
                    if v.is_object() {
                        let mut nested = v.clone();
                        // A nested holder-less record belongs to this party.
                        if let Some(p) = nested.get_mut("properties").and_then(Value::as_object_mut)
                        {
                            for key in ["holder", "entity"] {
                                if !p.contains_key(key)
                                    && matches!(
                                        v.get("schema").and_then(Value::as_str),
                                        Some(
                                            "CryptoWallet"
                                                | "Passport"
                                                | "Identification"
                                                | "Sanction"
                                        )
                                    )
                                {
                                    p.insert(key.to_string(), Value::from(vec![id.to_string()]));
                                }
                            }
                        }
                        self.party(&nested);
                    }
                }
            }
        }
    }

    fn apply_links(&mut self) {
        let links = std::mem::take(&mut self.links);
        for (obj, _) in links {
            let schema = obj.get("schema").and_then(Value::as_str).unwrap_or("");
            let props = obj.get("properties").cloned().unwrap_or(Value::Null);
            let id_of = |s: &str| EntityId::new(self.source, s);
            match schema {
                "Sanction" => {
                    for holder in refs(&props, "entity") {
                        if let Some(e) = self.parties.get_mut(&holder) {
                            for p in strs(&props, "program").chain(strs(&props, "programId")) {
                                Entity::push_unique(&mut e.programs, p.to_string());
                            }
                            if e.listed_on.is_none() {
                                e.listed_on = first(&props, "listingDate")
                                    .or_else(|| first(&props, "startDate"))
                                    .and_then(|d| PartialDate::parse_iso(&d));
                            }
                        }
                    }
                }
                "CryptoWallet" => {
                    let Some(key) = first(&props, "publicKey") else {
                        continue;
                    };
                    let asset = first(&props, "currency")
                        .unwrap_or_else(|| "UNKNOWN".into())
                        .to_ascii_uppercase();
                    let holders = refs(&props, "holder");
                    let wallet = CryptoAddress {
                        asset,
                        address: key,
                    };
                    let mut attached = false;
                    for h in &holders {
                        if let Some(e) = self.parties.get_mut(h) {
                            Entity::push_unique(&mut e.crypto_addresses, wallet.clone());
                            attached = true;
                        }
                    }
                    if !attached {
                        // A listed wallet with no (known) holder is still a listed address.
                        if let Some(wid) = obj.get("id").and_then(Value::as_str) {
                            let mut e = Entity::new(self.source, wid, EntityKind::Unknown);
                            e.crypto_addresses.push(wallet);
                            self.order.push(wid.to_string());
                            self.parties.insert(wid.to_string(), e);
                        }
                    }
                }
                "Passport" | "Identification" => {
                    let Some(number) = first(&props, "number") else {
                        continue;
                    };
                    for h in refs(&props, "holder") {
                        if let Some(e) = self.parties.get_mut(&h) {
                            Entity::push_unique(
                                &mut e.documents,
                                Identifier {
                                    kind: first(&props, "type")
                                        .unwrap_or_else(|| schema.to_string()),
                                    number: number.clone(),
                                    country: first(&props, "country").and_then(|c| country(&c)),
                                    note: None,
                                },
                            );
                        }
                    }
                }
                "Ownership" | "Directorship" | "Family" | "Associate" | "UnknownLink"
                | "Representation" | "Employment" | "Membership" => {
                    let (a_key, b_key, kind) = match schema {
                        "Ownership" => ("asset", "owner", LinkKind::OwnedBy),
                        "Directorship" => ("organization", "director", LinkKind::Director),
                        "Family" => ("person", "relative", LinkKind::Family),
                        "Associate" => ("person", "associate", LinkKind::LinkedTo),
                        "Representation" => ("client", "agent", LinkKind::LinkedTo),
                        "Employment" => ("employer", "employee", LinkKind::LinkedTo),
                        "Membership" => ("organization", "member", LinkKind::LinkedTo),
                        _ => ("subject", "object", LinkKind::LinkedTo),
                    };
                    let share = first(&props, "percentage");
                    for a in refs(&props, a_key) {
                        for b in refs(&props, b_key) {
                            let target_name = self
                                .parties
                                .get(&b)
                                .and_then(|t| t.primary_name())
                                .unwrap_or(&b)
                                .to_string();
                            if let Some(e) = self.parties.get_mut(&a) {
                                Entity::push_unique(
                                    &mut e.links,
                                    Link {
                                        kind,
                                        target_name,
                                        target_id: Some(id_of(&b)),
                                        share: share.clone(),
                                    },
                                );
                            }
                        }
                    }
                }
                _ => {}
            }
        }
    }
}

fn fill(e: &mut Entity, p: &Value) {
    let mut add_name = |full: &str, kind: NameKind, parts: NameParts| {
        if let Some(n) = name(full, kind, parts) {
            if !e.names.iter().any(|x| x.full == n.full) {
                e.names.push(n);
            }
        }
    };
    let parts = NameParts {
        given: first(p, "firstName"),
        middle: first(p, "middleName"),
        family: first(p, "lastName"),
        patronymic: first(p, "fatherName"),
        title: None,
    };
    let mut primary_done = false;
    for n in strs(p, "name") {
        let kind = if primary_done {
            NameKind::Aka
        } else {
            NameKind::Primary
        };
        add_name(
            n,
            kind,
            if primary_done {
                NameParts::default()
            } else {
                parts.clone()
            },
        );
        primary_done = true;
    }
    for n in strs(p, "alias") {
        add_name(n, NameKind::Aka, NameParts::default());
    }
    for n in strs(p, "weakAlias") {
        add_name(n, NameKind::WeakAka, NameParts::default());
    }
    for n in strs(p, "previousName") {
        add_name(n, NameKind::Fka, NameParts::default());
    }
    for d in strs(p, "birthDate")
        .chain(strs(p, "incorporationDate"))
        .chain(strs(p, "buildDate"))
    {
        if let Some(v) = PartialDate::parse_iso(d)
            .map(DateValue::exact)
            .or_else(|| english_date_value(d))
        {
            Entity::push_unique(&mut e.birth_dates, v);
        }
    }
    for b in strs(p, "birthPlace") {
        Entity::push_unique(&mut e.birth_places, kansa_text::clean(b));
    }
    for c in strs(p, "nationality").chain(strs(p, "citizenship")) {
        if let Some(c) = country(c) {
            Entity::push_unique(&mut e.nationalities, c.clone());
            Entity::push_unique(&mut e.countries, c);
        }
    }
    for c in strs(p, "country")
        .chain(strs(p, "jurisdiction"))
        .chain(strs(p, "flag"))
    {
        if let Some(c) = country(c) {
            Entity::push_unique(&mut e.countries, c);
        }
    }
    match first(p, "gender").as_deref() {
        Some("male") => e.gender = Some(Gender::Male),
        Some("female") => e.gender = Some(Gender::Female),
        Some(_) => e.gender = Some(Gender::Other),
        None => {}
    }
    for (key, label) in [
        ("passportNumber", "Passport"),
        ("idNumber", "National ID"),
        ("taxNumber", "Tax ID"),
        ("innCode", "INN"),
        ("ogrnCode", "OGRN"),
        ("registrationNumber", "Registration Number"),
        ("imoNumber", "IMO"),
        ("mmsi", "MMSI"),
        ("leiCode", "LEI"),
        ("swiftBic", "SWIFT/BIC"),
    ] {
        for n in strs(p, key) {
            Entity::push_unique(
                &mut e.documents,
                Identifier {
                    kind: label.to_string(),
                    number: n.to_string(),
                    country: None,
                    note: None,
                },
            );
        }
    }
    for a in strs(p, "address") {
        Entity::push_unique(
            &mut e.addresses,
            Address {
                street: kansa_text::clean_opt(a),
                ..Address::default()
            },
        );
    }
    for t in strs(p, "position").chain(strs(p, "title")) {
        Entity::push_unique(&mut e.titles, kansa_text::clean(t));
    }
    for m in strs(p, "email") {
        Entity::push_unique(&mut e.emails, m.to_string());
    }
    for w in strs(p, "website") {
        Entity::push_unique(&mut e.websites, w.to_string());
    }
    for prog in strs(p, "program").chain(strs(p, "programId")) {
        Entity::push_unique(&mut e.programs, prog.to_string());
    }
    if let Some(n) = first(p, "notes") {
        e.remarks = Some(n);
    }
    let vessel = kansa_model::VesselInfo {
        call_sign: first(p, "callSign"),
        vessel_type: first(p, "type").filter(|_| e.kind == EntityKind::Vessel),
        tonnage: first(p, "tonnage"),
        gross_registered_tonnage: first(p, "grossRegisteredTonnage"),
        flag: first(p, "flag"),
        owner: None,
    };
    if !vessel.is_empty() {
        e.vessel = Some(vessel);
    }
}

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
    let mut ctx = Ctx {
        source,
        parties: HashMap::new(),
        order: Vec::new(),
        links: Vec::new(),
        targets: Default::default(),
        marks_targets: false,
    };
    let mut records = 0u64;
    for_each_line(&file, reader, MAX_RUN, |line, text| {
        let v: Value = serde_json::from_str(text).map_err(|e| {
            ListError::invalid(
                &file,
                Location::Line(line),
                format!("not a JSON object: {e}"),
            )
        })?;
        let (Some(_), Some(schema)) = (
            v.get("id").and_then(Value::as_str),
            v.get("schema").and_then(Value::as_str),
        ) else {
            return Err(ListError::invalid(
                &file,
                Location::Line(line),
                "a FollowTheMoney entity needs string \"id\" and \"schema\" fields",
            ));
        };
        if !v.get("properties").is_none_or(Value::is_object) {
            return Err(ListError::invalid(
                &file,
                Location::Line(line),
                format!("{schema}: \"properties\" must be an object"),
            ));
        }
        records += 1;
        ctx.party(&v);
        Ok(())
    })?;
    if records == 0 {
        return Err(ListError::invalid(
            &file,
            Location::File,
            "the file holds no entities",
        ));
    }
    ctx.apply_links();
    let mut summary = ParseSummary::default();
    for id in std::mem::take(&mut ctx.order) {
        if let Some(mut e) = ctx.parties.remove(&id) {
            if e.names.is_empty() && e.crypto_addresses.is_empty() {
                summary
                    .warnings
                    .push(format!("{file}: {id} has no name; skipped"));
                continue;
            }
            if e.names.iter().all(|n| n.kind != NameKind::Primary) {
                if let Some(n) = e.names.first_mut() {
                    n.kind = NameKind::Primary;
                }
            }
            if ctx.marks_targets && !ctx.targets.contains(&id) {
                e.target = false;
            }
            summary.entities += 1;
            sink(e).map_err(ListError::Sink)?;
        }
    }
    Ok(summary)
}
