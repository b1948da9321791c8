//! Where personal data may go. A policy (TOML) names the deployment's
//! region and the transfers abroad it allows:
//!
//! ```toml
//! region = "JP"
//! # Transfers on the person's recorded consent (APPI Art. 28(1)), anywhere.
//! consent = true
//! # Countries the PPC recognises as adequate (EEA and the UK).
//! adequate = ["EEA", "GB"]
//! # Recipients bound by contract to equivalent safeguards.
//! [[safeguards]]
//! to = "SG"
//! reference = "DPA 2025-014 with the Singapore branch"
//! ```
//!
//! Without a policy only the region itself is allowed.

use serde::{Deserialize, Serialize};

/// The legal basis a transfer abroad relies on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// The person consented to this transfer (a consent record is named).
    Consent,
    /// The destination is recognised as adequate.
    Adequacy,
    /// The recipient is bound to equivalent safeguards (a contract is named).
    EquivalentSafeguards,
}

impl Basis {
    pub fn parse(s: &str) -> Option<Basis> {
        match s {
            "consent" => Some(Basis::Consent),
            "adequacy" => Some(Basis::Adequacy),
            "equivalent_safeguards" | "safeguards" => Some(Basis::EquivalentSafeguards),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Basis::Consent => "consent",
            Basis::Adequacy => "adequacy",
            Basis::EquivalentSafeguards => "equivalent_safeguards",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Safeguard {
    pub to: String,
    pub reference: String,
}

/// The deployment's residency policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// ISO 3166 alpha-2 code of the country personal data lives in.
    pub region: String,
    /// Transfers on recorded consent are allowed.
    #[serde(default)]
    pub consent: bool,
    /// Destinations recognised as adequate (codes, or `EEA`).
    #[serde(default)]
    pub adequate: Vec<String>,
    /// Destinations whose recipients are bound to equivalent safeguards.
    #[serde(default)]
    pub safeguards: Vec<Safeguard>,
}

/// The EEA's members (EU and Iceland, Liechtenstein, Norway).
const EEA: [&str; 30] = [
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV",
    "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO",
];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {message}")]
pub struct PolicyError {
    pub file: String,
    pub message: String,
}

/// A transfer of personal data asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer {
    /// ISO alpha-2 code of the destination country.
    pub to: String,
    pub basis: Option<Basis>,
    /// The consent record or contract relied on.
    pub reference: Option<String>,
    /// What for (e.g. `str-report`, `travel-rule`).
    pub purpose: String,
}

/// A permitted transfer and the basis it stands on (`None` at home).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Permit {
    pub basis: Option<Basis>,
    pub reference: Option<String>,
}

/// Why a transfer is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Refusal(pub String);

fn valid_code(c: &str) -> bool {
    c.len() == 2 && c.bytes().all(|b| b.is_ascii_uppercase())
}

impl Policy {
    /// Only the region itself.
    pub fn home_only(region: &str) -> Policy {
        Policy {
            region: region.to_string(),
            consent: false,
            adequate: Vec::new(),
            safeguards: Vec::new(),
        }
    }

    /// Reads a policy; every country code is checked.
    pub fn parse(text: &str, file: &str) -> Result<Policy, PolicyError> {
        let err = |message: String| PolicyError {
            file: file.to_string(),
            message,
        };
        let p: Policy = toml::from_str(text).map_err(|e| err(e.to_string()))?;
        if !valid_code(&p.region) {
            return Err(err(format!(
                "region {:?}: an ISO 3166 alpha-2 code such as JP",
                p.region
            )));
        }
        for a in &p.adequate {
            if a != "EEA" && !valid_code(a) {
                return Err(err(format!("adequate {a:?}: a country code or EEA")));
            }
        }
        for s in &p.safeguards {
            if !valid_code(&s.to) {
                return Err(err(format!("safeguards to {:?}: a country code", s.to)));
            }
            if s.reference.trim().is_empty() {
                return Err(err(format!(
                    "safeguards to {}: name the contract (reference)",
                    s.to
                )));
            }
        }
        Ok(p)
    }

    fn adequate(&self, to: &str) -> bool {
        self.adequate
            .iter()
            .any(|a| a == to || (a == "EEA" && EEA.contains(&to)))
    }

    /// Permits the transfer with its basis, or refuses it saying why.
    pub fn check(&self, t: &Transfer) -> Result<Permit, Refusal> {
        let to = t.to.trim().to_ascii_uppercase();
        if !valid_code(&to) {
            return Err(Refusal(format!(
                "destination {:?}: an ISO 3166 alpha-2 country code",
                t.to
            )));
        }
        if to == self.region {
            return Ok(Permit {
                basis: None,
                reference: None,
            });
        }
        let reference = t
            .reference
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty());
        let from = &self.region;
        match t.basis {
            None => Err(Refusal(format!(
                "personal data may not go from {from} to {to} without a legal basis (consent, adequacy or equivalent_safeguards)"
            ))),
            Some(Basis::Consent) if !self.consent => Err(Refusal(format!(
                "this deployment does not transfer personal data abroad on consent ({from} → {to})"
            ))),
            Some(Basis::Consent) => match reference {
                Some(r) => Ok(Permit {
                    basis: t.basis,
                    reference: Some(r.to_string()),
                }),
                None => Err(Refusal(
                    "a transfer on consent names the consent record (reference)".into(),
                )),
            },
            Some(Basis::Adequacy) if self.adequate(&to) => Ok(Permit {
                basis: t.basis,
                reference: reference.map(str::to_string),
            }),
            Some(Basis::Adequacy) => Err(Refusal(format!(
                "{to} is not among the destinations this deployment treats as adequate"
            ))),
            Some(Basis::EquivalentSafeguards) => {
                match self.safeguards.iter().find(|s| s.to == to) {
                    Some(s) => Ok(Permit {
                        basis: t.basis,
                        reference: Some(s.reference.clone()),
                    }),
                    None => Err(Refusal(format!(
                        "no recipient in {to} is bound to equivalent safeguards in this deployment's policy"
                    ))),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(to: &str, basis: Option<Basis>, reference: Option<&str>) -> Transfer {
        Transfer {
            to: to.into(),
            basis,
            reference: reference.map(str::to_string),
            purpose: "str-report".into(),
        }
    }

    const POLICY: &str = r#"
region = "JP"
consent = true
adequate = ["EEA", "GB"]
[[safeguards]]
to = "SG"
reference = "DPA 2025-014"
"#;

    #[test]
    fn transfers_are_permitted_only_on_a_basis_the_policy_allows() {
        let p = Policy::parse(POLICY, "policy.toml").expect("policy");
        // At home: no basis needed.
        assert!(p.check(&t("jp", None, None)).is_ok());
        // Abroad without a basis: refused, saying so.
        let r = p.check(&t("US", None, None)).expect_err("refused");
        assert!(r.0.contains("from JP to US"), "{r}");
        // Adequacy: the EEA and the UK, not the US.
        assert!(p.check(&t("DE", Some(Basis::Adequacy), None)).is_ok());
        assert!(p.check(&t("GB", Some(Basis::Adequacy), None)).is_ok());
        assert!(p.check(&t("US", Some(Basis::Adequacy), None)).is_err());
        // Safeguards: the contract's country only, and the contract named.
        let ok = p
            .check(&t("SG", Some(Basis::EquivalentSafeguards), None))
            .expect("permitted");
        assert_eq!(ok.reference.as_deref(), Some("DPA 2025-014"));
        assert!(p
            .check(&t("HK", Some(Basis::EquivalentSafeguards), None))
            .is_err());
        // Consent: with its record only.
        assert!(p
            .check(&t("US", Some(Basis::Consent), Some("consent/42")))
            .is_ok());
        assert!(p.check(&t("US", Some(Basis::Consent), Some(" "))).is_err());
        // A policy without consent refuses it.
        let strict = Policy::home_only("JP");
        assert!(strict
            .check(&t("US", Some(Basis::Consent), Some("consent/42")))
            .is_err());
        assert!(strict.check(&t("DE", Some(Basis::Adequacy), None)).is_err());
        assert!(p.check(&t("Japan", None, None)).is_err());
    }

    #[test]
    fn a_bad_policy_names_the_file_and_the_field() {
        let e = Policy::parse("region = \"Japan\"", "p.toml").expect_err("bad");
        assert!(e.to_string().starts_with("p.toml: region"), "{e}");
        let e =
            Policy::parse("region = \"JP\"\nadequate = [\"Europe\"]", "p.toml").expect_err("bad");
        assert!(e.to_string().contains("Europe"), "{e}");
        let e = Policy::parse(
            "region = \"JP\"\n[[safeguards]]\nto = \"SG\"\nreference = \"\"",
            "p.toml",
        )
        .expect_err("bad");
        assert!(e.to_string().contains("contract"), "{e}");
        assert!(Policy::parse("region = \"JP\"\nregoin = 1", "p.toml").is_err());
    }
}
