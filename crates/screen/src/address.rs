//! Exact screening of crypto-asset addresses, with each chain's own
//! normalisation: EVM hex addresses compare case-insensitively (and a mixed-
//! case address must carry a valid EIP-55 checksum), bech32 addresses
//! compare in lower case, base58 and other addresses exactly.

use kansa_model::Entity;
use serde::Serialize;
use sha3::{Digest, Keccak256};
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AddressFormat {
    /// 0x + 40 hex digits (Ethereum, BSC, Arbitrum, ETC, ERC-20 tokens).
    Evm,
    /// bech32/bech32m (bc1…, ltc1…, tb1…).
    Bech32,
    /// base58 (Bitcoin P2PKH/P2SH, Tron T…, Litecoin L…/M…, Zcash t…).
    Base58,
    /// Anything else (Monero, XRP classic addresses are base58 too but with
    /// another alphabet; compared exactly).
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    #[error("an empty address")]
    Empty,
    #[error("{0:?} contains characters no address has (spaces, punctuation or non-ASCII)")]
    Characters(String),
    #[error("{0:?} is {1} characters long; addresses are 20 to 128")]
    Length(String, usize),
    #[error("{0:?} looks like an EVM address but is not 0x followed by 40 hex digits")]
    EvmHex(String),
    #[error("{0:?}: the mixed-case EVM address fails its EIP-55 checksum (a typo?)")]
    Checksum(String),
}

/// EIP-55 checksum spelling of a 40-hex-digit address (without 0x).
pub fn eip55(hex40: &str) -> String {
    let lower = hex40.to_ascii_lowercase();
    let hash = Keccak256::digest(lower.as_bytes());
    lower
        .chars()
        .enumerate()
        .map(|(i, c)| {
            let nibble = (hash[i / 2] >> if i % 2 == 0 { 4 } else { 0 }) & 0x0f;
            if c.is_ascii_alphabetic() && nibble >= 8 {
                c.to_ascii_uppercase()
            } else {
                c
            }
        })
        .collect()
}

/// The comparison key of an address and its format.
pub fn normalize(addr: &str) -> Result<(String, AddressFormat), AddressError> {
    let a = addr.trim();
    if a.is_empty() {
        return Err(AddressError::Empty);
    }
    if !a
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == ':' || c == '_')
    {
        return Err(AddressError::Characters(a.to_string()));
    }
    if a.len() < 20 || a.len() > 128 {
        return Err(AddressError::Length(a.to_string(), a.len()));
    }
    if let Some(hex) = a.strip_prefix("0x").or_else(|| a.strip_prefix("0X")) {
        if hex.len() != 40 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(AddressError::EvmHex(a.to_string()));
        }
        let mixed = hex.chars().any(|c| c.is_ascii_lowercase())
            && hex.chars().any(|c| c.is_ascii_uppercase());
        if mixed && eip55(hex) != hex {
            return Err(AddressError::Checksum(a.to_string()));
        }
        return Ok((
            format!("0x{}", hex.to_ascii_lowercase()),
            AddressFormat::Evm,
        ));
    }
    let lower = a.to_ascii_lowercase();
    let is_bech32 = ["bc1", "tb1", "ltc1", "bcrt1"]
        .iter()
        .any(|p| lower.starts_with(p))
        && (a == lower || a == a.to_ascii_uppercase());
    if is_bech32 {
        return Ok((lower, AddressFormat::Bech32));
    }
    let base58 = a
        .chars()
        .all(|c| c.is_ascii_alphanumeric() && !matches!(c, '0' | 'O' | 'I' | 'l'));
    if base58 {
        return Ok((a.to_string(), AddressFormat::Base58));
    }
    Ok((a.to_string(), AddressFormat::Other))
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AddressHit {
    pub entity_id: String,
    pub source: String,
    /// The asset the list gives for the address.
    pub asset: String,
    /// The address as the list writes it.
    pub listed_address: String,
    /// The entity's primary name, when it has one.
    pub name: Option<String>,
}

#[derive(Debug, Default)]
pub struct AddressIndex {
    map: HashMap<String, Vec<AddressHit>>,
    /// Listed addresses that do not normalise (reported, kept out).
    pub rejected: Vec<(String, String)>,
}

impl AddressIndex {
    pub fn build<'a>(entities: impl IntoIterator<Item = &'a Entity>) -> Self {
        let mut idx = AddressIndex::default();
        for e in entities {
            for c in &e.crypto_addresses {
                match normalize(&c.address) {
                    Ok((key, _)) => {
                        let hit = AddressHit {
                            entity_id: e.id.to_string(),
                            source: e.source.clone(),
                            asset: c.asset.clone(),
                            listed_address: c.address.clone(),
                            name: e.primary_name().map(str::to_string),
                        };
                        let v = idx.map.entry(key).or_default();
                        if !v.contains(&hit) {
                            v.push(hit);
                        }
                    }
                    Err(err) => idx.rejected.push((e.id.to_string(), err.to_string())),
                }
            }
        }
        idx
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The listings of an address (empty when it is not listed).
    pub fn lookup(&self, addr: &str) -> Result<&[AddressHit], AddressError> {
        let (key, _) = normalize(addr)?;
        Ok(self.map.get(&key).map(Vec::as_slice).unwrap_or(&[]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eip55_known_vectors() {
        // From EIP-55 itself.
        for a in [
            "5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
            "fB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
            "dbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB",
        ] {
            assert_eq!(eip55(a), a);
        }
    }

    #[test]
    fn per_chain_normalisation() {
        let (k, f) = normalize("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed").unwrap();
        assert_eq!(
            (k.as_str(), f),
            (
                "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed",
                AddressFormat::Evm
            )
        );
        assert_eq!(
            normalize("0x5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED")
                .unwrap()
                .0,
            k
        );
        assert!(matches!(
            normalize("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD"),
            Err(AddressError::Checksum(_))
        ));
        assert_eq!(
            normalize("BC1QE95L438KZJCVNSM3KN8N5AUGF9GPCTDLHSQ7F7HPNKYVLR7RC7CQUPAPF7")
                .unwrap()
                .0,
            "bc1qe95l438kzjcvnsm3kn8n5augf9gpctdlhsq7f7hpnkyvlr7rc7cqupapf7"
        );
        let (k, f) = normalize("1Fz29BQp82pE3vXXcsZoMNQ3KSHfMzfMe3").unwrap();
        assert_eq!(
            (k.as_str(), f),
            ("1Fz29BQp82pE3vXXcsZoMNQ3KSHfMzfMe3", AddressFormat::Base58)
        );
        // base58 is case-sensitive: the lower-cased address is another one.
        assert_ne!(
            normalize("1fz29bqp82pe3vxxcszomnq3kshfmzfme3").unwrap().0,
            k
        );
        assert!(normalize("").is_err());
        assert!(normalize("not an address").is_err());
        assert!(normalize("0x123").is_err());
    }
}
