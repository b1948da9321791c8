//! A screening query from what a caller typed: the name, and optionally a
//! date of birth, a country and a kind, each checked with an error that
//! names the field.

use crate::Query;
use kansa_model::{country_code, EntityKind, PartialDate};

/// At most this many characters of a name are screened.
pub const MAX_NAME_CHARS: usize = 1000;

/// What is wrong with a query; `field` names the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct QueryError {
    pub field: &'static str,
    pub message: String,
}

fn err(field: &'static str, message: String) -> QueryError {
    QueryError { field, message }
}

/// `person`, `organization` (and its synonyms), `vessel`, `aircraft`, or
/// `any`/empty for no kind.
pub fn parse_kind(s: &str) -> Result<Option<EntityKind>, QueryError> {
    Ok(match s.trim().to_ascii_lowercase().as_str() {
        "" | "any" => None,
        "person" | "individual" => Some(EntityKind::Person),
        "organization" | "organisation" | "company" | "entity" => Some(EntityKind::Organization),
        "vessel" => Some(EntityKind::Vessel),
        "aircraft" => Some(EntityKind::Aircraft),
        other => {
            return Err(err(
                "kind",
                format!("kind {other:?}: expected person, organization, vessel, aircraft or any"),
            ))
        }
    })
}

impl Query {
    /// Checks and builds a query. Dates are `YYYY`, `YYYY-MM` or
    /// `YYYY-MM-DD` and must exist; countries are ISO codes or names.
    pub fn parse(
        name: &str,
        dob: Option<&str>,
        country: Option<&str>,
        kind: &str,
    ) -> Result<Query, QueryError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(err("name", "the name is empty".into()));
        }
        let chars = name.chars().count();
        if chars > MAX_NAME_CHARS {
            return Err(err(
                "name",
                format!(
                    "the name is {chars} characters long; at most {MAX_NAME_CHARS} are screened"
                ),
            ));
        }
        let birth_date = match dob.map(str::trim).filter(|d| !d.is_empty()) {
            Some(d) => Some(PartialDate::parse_iso(d).ok_or_else(|| {
                err(
                    "dob",
                    format!("date of birth {d:?}: expected YYYY, YYYY-MM or YYYY-MM-DD, and a date that exists"),
                )
            })?),
            None => None,
        };
        let country = match country.map(str::trim).filter(|c| !c.is_empty()) {
            Some(c) => Some(
                country_code(c)
                    .ok_or_else(|| {
                        err(
                            "country",
                            format!("country {c:?}: not a known ISO 3166 code or country name"),
                        )
                    })?
                    .to_string(),
            ),
            None => None,
        };
        Ok(Query {
            name: name.to_string(),
            birth_date,
            country,
            kind: parse_kind(kind)?,
        })
    }
}
