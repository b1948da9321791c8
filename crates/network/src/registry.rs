//! A corporate registry extract as a customer supplies it: CSV with the
//! header `company,owner,share,role,country,registration_date` and,
//! optionally, `address`, `identifier`, `wallet` (of the company) and
//! `owner_kind` (person or organization).
//!
//! One row per relationship; `country`, `registration_date`, `address`,
//! `identifier` and `wallet` describe the company. A row with a company
//! and nothing else declares the company alone. Shares are percentages
//! (see [`Share::parse_percent`]); an empty role with a share is
//! ownership. Every error names the file and line.

use crate::graph::{NodeKind, Relation};
use crate::share::Share;
use crate::NetworkError;
use std::io::Read;

pub const REQUIRED: [&str; 6] = [
    "company",
    "owner",
    "share",
    "role",
    "country",
    "registration_date",
];
const OPTIONAL: [&str; 4] = ["address", "identifier", "wallet", "owner_kind"];

/// One row, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct RegistryRow {
    pub line: u64,
    pub company: String,
    /// Empty for a row that only describes the company.
    pub owner: String,
    pub relation: Option<Relation>,
    pub share: Option<Share>,
    /// ISO code of the company's country.
    pub country: Option<String>,
    pub registration_date: Option<String>,
    pub address: Option<String>,
    pub identifier: Option<String>,
    pub wallet: Option<String>,
    pub owner_kind: Option<NodeKind>,
}

/// The relation a `role` names.
pub fn role(text: &str) -> Option<Relation> {
    let t = text.trim().to_ascii_lowercase().replace(['_', '-'], " ");
    Some(match t.as_str() {
        "owner" | "shareholder" | "ubo" | "beneficial owner" | "parent" | "member" => {
            Relation::Ownership
        }
        "director"
        | "officer"
        | "board member"
        | "nominee director"
        | "manager"
        | "representative director" => Relation::Director,
        "control" | "controller" | "controls" | "person with significant control" | "psc" => {
            Relation::Control
        }
        "agent" | "acts for" | "nominee" | "nominee shareholder" | "trustee" => Relation::ActsFor,
        "family" | "relative" | "spouse" => Relation::Family,
        "associate" | "linked" | "linked to" => Relation::LinkedTo,
        _ => return None,
    })
}

/// Reads and checks every row; the first bad row ends the read with its line.
pub fn read(file: &str, input: impl Read) -> Result<Vec<RegistryRow>, NetworkError> {
    let err = |line: u64, msg: String| NetworkError::Row {
        file: file.to_string(),
        line,
        msg,
    };
    let mut rd = csv::ReaderBuilder::new()
        .flexible(false)
        .trim(csv::Trim::All)
        .from_reader(input);
    let header: Vec<String> = rd
        .headers()
        .map_err(|e| NetworkError::File {
            file: file.to_string(),
            msg: format!("cannot read the header: {e}"),
        })?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_ascii_lowercase())
        .collect();
    let missing: Vec<&str> = REQUIRED
        .iter()
        .copied()
        .filter(|r| !header.iter().any(|h| h == r))
        .collect();
    if !missing.is_empty() {
        return Err(NetworkError::File {
            file: file.to_string(),
            msg: format!(
                "missing column(s) {} (the header must hold {})",
                missing.join(", "),
                REQUIRED.join(",")
            ),
        });
    }
    if let Some(u) = header
        .iter()
        .find(|h| !REQUIRED.contains(&h.as_str()) && !OPTIONAL.contains(&h.as_str()))
    {
        return Err(NetworkError::File {
            file: file.to_string(),
            msg: format!(
                "unknown column {u:?} (known: {}, {})",
                REQUIRED.join(","),
                OPTIONAL.join(",")
            ),
        });
    }
    let col = |name: &str| header.iter().position(|h| h == name);
    let cols: Vec<Option<usize>> = REQUIRED
        .iter()
        .chain(OPTIONAL.iter())
        .map(|c| col(c))
        .collect();
    let mut rows = Vec::new();
    for rec in rd.records() {
        let rec = rec.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            err(line, format!("{e}"))
        })?;
        let line = rec.position().map_or(0, |p| p.line());
        let get = |i: usize| -> String {
            cols[i]
                .and_then(|c| rec.get(c))
                .unwrap_or("")
                .trim()
                .to_string()
        };
        let opt = |i: usize| Some(get(i)).filter(|s| !s.is_empty());
        let (company, owner, share_t, role_t) = (get(0), get(1), get(2), get(3));
        if company.is_empty() && owner.is_empty() && rec.iter().all(|f| f.is_empty()) {
            continue;
        }
        if company.is_empty() {
            return Err(err(line, "field company: empty".into()));
        }
        let share =
            Share::parse_percent(&share_t).map_err(|m| err(line, format!("field share: {m}")))?;
        let relation = if role_t.is_empty() {
            if owner.is_empty() {
                None
            } else if share.is_some() {
                Some(Relation::Ownership)
            } else {
                return Err(err(
                    line,
                    "field role: empty, and no share to make the owner a shareholder".into(),
                ));
            }
        } else {
            Some(role(&role_t).ok_or_else(|| {
                err(
                    line,
                    format!("field role: {role_t:?} is not a known role (owner, shareholder, director, controller, agent, nominee, family, associate)"),
                )
            })?)
        };
        if owner.is_empty() && (relation.is_some() || share.is_some()) {
            return Err(err(line, "field owner: empty".into()));
        }
        if share.is_some() && relation != Some(Relation::Ownership) {
            return Err(err(
                line,
                format!("field share: a share for the role {role_t:?} (only owners hold shares)"),
            ));
        }
        if !owner.is_empty() && crate::graph::name_key(&owner) == crate::graph::name_key(&company) {
            return Err(err(line, format!("{company:?} is its own {role_t}")));
        }
        let country = match opt(4) {
            None => None,
            Some(c) => Some(
                kansa_model::country::country_code(&c)
                    .ok_or_else(|| err(line, format!("field country: {c:?} is not a country")))?
                    .to_string(),
            ),
        };
        let registration_date = match opt(5) {
            None => None,
            Some(d) => {
                let p = kansa_model::PartialDate::parse_iso(&d).ok_or_else(|| {
                    err(
                        line,
                        format!("field registration_date: {d:?} is not a date (YYYY-MM-DD)"),
                    )
                })?;
                Some(p.to_string())
            }
        };
        let owner_kind = match opt(9) {
            None => None,
            Some(k) => Some(match k.to_ascii_lowercase().as_str() {
                "person" | "individual" | "natural person" => NodeKind::Person,
                "organization" | "organisation" | "company" | "legal person" => {
                    NodeKind::Organization
                }
                _ => {
                    return Err(err(
                        line,
                        format!("field owner_kind: {k:?} (person or organization)"),
                    ))
                }
            }),
        };
        rows.push(RegistryRow {
            line,
            company,
            owner,
            relation,
            share,
            country,
            registration_date,
            address: opt(6),
            identifier: opt(7),
            wallet: opt(8),
            owner_kind,
        });
    }
    if rows.is_empty() {
        return Err(NetworkError::File {
            file: file.to_string(),
            msg: "no rows".into(),
        });
    }
    Ok(rows)
}
