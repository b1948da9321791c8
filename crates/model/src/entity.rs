//! A listed entity: one person, organisation, vessel or aircraft as one
//! source publishes it.

use crate::{DateValue, Name, NameKind, PartialDate};
use serde::{Deserialize, Serialize};
use std::fmt;

/// `<source>:<source's own id>`, e.g. `un:KPi.033` or `ofac-sdn:12345`.
/// Stable across snapshots of the same source.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct EntityId(String);

impl EntityId {
    pub fn new(source: &str, source_id: &str) -> Self {
        EntityId(format!("{source}:{source_id}"))
    }

    /// Parses `source:id`; both parts must be non-empty.
    pub fn parse(s: &str) -> Option<Self> {
        let (src, id) = s.split_once(':')?;
        if src.is_empty() || id.is_empty() {
            return None;
        }
        Some(EntityId(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn source(&self) -> &str {
        self.0.split_once(':').map(|(s, _)| s).unwrap_or("")
    }
}

impl fmt::Display for EntityId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntityKind {
    Person,
    Organization,
    Vessel,
    Aircraft,
    Unknown,
}

impl EntityKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EntityKind::Person => "person",
            EntityKind::Organization => "organization",
            EntityKind::Vessel => "vessel",
            EntityKind::Aircraft => "aircraft",
            EntityKind::Unknown => "unknown",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gender {
    Male,
    Female,
    Other,
}

/// An identity or registration document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identifier {
    /// The document type as the list names it ("Passport", "National ID No.", "IMO").
    #[serde(rename = "type")]
    pub kind: String,
    pub number: String,
    /// ISO 3166-1 alpha-2 code of the issuing country, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Anything else the list says about the document (issue/expiry dates, notes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A postal address, as structured as the list gives it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub street: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    /// ISO 3166-1 alpha-2 code when the country is recognised.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// The country as written in the list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Address {
    pub fn is_empty(&self) -> bool {
        *self == Address::default()
    }
}

/// A crypto-asset address exactly as the list gives it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct CryptoAddress {
    /// The asset code as the list writes it (OFAC uses `XBT` for bitcoin).
    pub asset: String,
    pub address: String,
}

/// Vessel particulars (OFAC's call sign, type, tonnage, flag and owner columns).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VesselInfo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_sign: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vessel_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tonnage: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gross_registered_tonnage: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
}

impl VesselInfo {
    pub fn is_empty(&self) -> bool {
        *self == VesselInfo::default()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkKind {
    /// OFAC "Linked To:", UN cross-references.
    LinkedTo,
    /// "owned or controlled by".
    OwnedBy,
    /// Ownership with a share (FollowTheMoney `Ownership`).
    Owns,
    Director,
    Family,
    /// This entity leads or controls the other ("leader of", "founder of").
    Controls,
    /// This entity is controlled by the other ("controlled by").
    ControlledBy,
    /// This entity acts for or on behalf of the other ("treasurer to", "front for").
    ActsFor,
    Other,
}

/// A relationship the list states between this entity and another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    pub kind: LinkKind,
    /// The other party's name as written.
    pub target_name: String,
    /// The other party's Kansa id when the list names it by id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_id: Option<EntityId>,
    /// Share in percent for ownership, as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub share: Option<String>,
}

/// One listed entity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entity {
    pub id: EntityId,
    pub source: String,
    pub source_id: String,
    pub kind: EntityKind,
    pub names: Vec<Name>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub birth_dates: Vec<DateValue>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub birth_places: Vec<String>,
    /// ISO 3166-1 alpha-2 codes (or the raw text when unrecognised).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub nationalities: Vec<String>,
    /// Countries the entity is associated with (addresses, citizenship, registration).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub countries: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub documents: Vec<Identifier>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<Address>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub crypto_addresses: Vec<CryptoAddress>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub programs: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listed_on: Option<PartialDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gender: Option<Gender>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub titles: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vessel: Option<VesselInfo>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub emails: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub websites: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<Link>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remarks: Option<String>,
    /// False for a party a list carries only because it is related to a
    /// listed one (OpenSanctions' non-target entities): in the ownership
    /// network it is a party, not a listed one.
    #[serde(default = "yes", skip_serializing_if = "is_yes")]
    pub target: bool,
}

fn yes() -> bool {
    true
}

fn is_yes(b: &bool) -> bool {
    *b
}

impl Entity {
    /// An entity with only its identity filled in.
    pub fn new(source: &str, source_id: &str, kind: EntityKind) -> Self {
        Entity {
            id: EntityId::new(source, source_id),
            source: source.to_string(),
            source_id: source_id.to_string(),
            kind,
            names: Vec::new(),
            birth_dates: Vec::new(),
            birth_places: Vec::new(),
            nationalities: Vec::new(),
            countries: Vec::new(),
            documents: Vec::new(),
            addresses: Vec::new(),
            crypto_addresses: Vec::new(),
            programs: Vec::new(),
            listed_on: None,
            gender: None,
            titles: Vec::new(),
            vessel: None,
            emails: Vec::new(),
            websites: Vec::new(),
            links: Vec::new(),
            remarks: None,
            target: true,
        }
    }

    /// The primary name, or the first name when none is marked primary.
    pub fn primary_name(&self) -> Option<&str> {
        self.names
            .iter()
            .find(|n| n.kind == NameKind::Primary)
            .or_else(|| self.names.first())
            .map(|n| n.full.as_str())
    }

    /// Pushes `value` unless an equal value is already there (lists repeat themselves).
    pub fn push_unique<T: PartialEq>(vec: &mut Vec<T>, value: T) {
        if !vec.contains(&value) {
            vec.push(value);
        }
    }

    /// The names of the top-level fields that differ between two versions of an entity.
    pub fn changed_fields(&self, other: &Entity) -> Vec<&'static str> {
        let mut out = Vec::new();
        macro_rules! cmp {
            ($($f:ident),*) => { $( if self.$f != other.$f { out.push(stringify!($f)); } )* };
        }
        cmp!(
            kind,
            names,
            birth_dates,
            birth_places,
            nationalities,
            countries,
            documents,
            addresses,
            crypto_addresses,
            programs,
            listed_on,
            gender,
            titles,
            vessel,
            emails,
            websites,
            links,
            remarks
        );
        out
    }
}
