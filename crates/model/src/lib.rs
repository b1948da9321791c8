//! Kansa's domain types: the nouns every other crate speaks.
//!
//! Nothing here does I/O or reads a clock. Types are plain data with serde
//! derives so that the store can persist them and the API can return them
//! unchanged. An [`Entity`] is one listed person, organisation, vessel or
//! aircraft exactly as one source publishes it; a [`ListSnapshot`] records
//! which version of which list an entity came from.

pub mod country;
pub mod date;
pub mod entity;
pub mod name;
pub mod snapshot;
pub mod time;

pub use country::{country_code, country_name};
pub use date::{DateError, DateValue, PartialDate};
pub use entity::{
    Address, CryptoAddress, Entity, EntityId, EntityKind, Gender, Identifier, Link, LinkKind,
    VesselInfo,
};
pub use name::{Name, NameKind, NameParts, Script};
pub use snapshot::{ListSnapshot, SnapshotCounts};
