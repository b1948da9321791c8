//! The Travel Rule: IVMS101 originator and beneficiary data checked
//! against a jurisdiction's policy, the counterparty VASP directory,
//! unhosted wallets, and an exception for a VASP that cannot receive the
//! data.
//!
//! An event carries the payload as `travel_rule` in IVMS101's JSON form
//! (`originator.originatorPersons[].naturalPerson|legalPerson`,
//! `originator.accountNumber`, `beneficiary.beneficiaryPersons`,
//! `beneficiary.accountNumber`), the counterparty VASP as `counterparty_vasp`
//! (an id of the directory) and `unhosted: true` for a wallet no VASP holds.
//! Checks, named after IVMS101's constraints where they are one:
//! - a natural person has a legal name (`nameIdentifierType` LEGL) with a
//!   primary identifier (C6); a legal person a LEGL `legalPersonName` (C4);
//! - local (kanji) and phonetic (katakana) name forms are accepted beside
//!   the Latin one; a phonetic form must be kana or Latin;
//! - a natural originator has an address, a customer identification, a
//!   national identification or a date and place of birth (C1);
//! - a date of birth is a real date before the transfer (C2);
//! - countries are ISO 3166 alpha-2 (C3);
//! - a legal person's national identifier is of type RAID, MISC, LEIX or
//!   TXID (C5), and an LEI passes ISO 17442's check digits (C7);
//! - an address has address lines, or a street with a building name or
//!   number, and a town (C8);
//! - the policy's required fields (Japan by default: originator name,
//!   account and one identifying detail; beneficiary name and account).

use crate::decimal::Decimal;
use serde::Serialize;
use serde_json::Value;

/// What the policy requires.
#[derive(Clone, Debug)]
pub struct TravelPolicy {
    pub jurisdiction: String,
    /// Transfers at or above this value (reference currency) need the data.
    pub threshold: Decimal,
    pub originator_account: bool,
    pub originator_identifying_detail: bool,
    pub beneficiary_account: bool,
}

impl Default for TravelPolicy {
    /// Japan: every transfer between VASPs (no de minimis amount), with
    /// the originator's name, account and address or other identifying
    /// detail, and the beneficiary's name and account.
    fn default() -> Self {
        TravelPolicy {
            jurisdiction: "JP".into(),
            threshold: Decimal::ZERO,
            originator_account: true,
            originator_identifying_detail: true,
            beneficiary_account: true,
        }
    }
}

/// A VASP of the directory.
#[derive(Clone, Debug)]
pub struct Vasp {
    pub id: String,
    pub name: String,
    pub country: String,
    /// Whether it can receive Travel Rule data.
    pub receives: bool,
}

/// The Travel Rule's verdict on one event.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct TravelCheck {
    /// `not_required`, `ok`, `missing`, `invalid`, `exception` (the
    /// counterparty VASP cannot receive the data), `unhosted`, or
    /// `unidentified` (no VASP, no unhosted flag, no data: the exchange has
    /// not said who holds the counterparty address).
    pub status: String,
    pub errors: Vec<String>,
    pub vasp: String,
    pub vasp_country: String,
}

fn arr<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

fn country_ok(c: &str) -> bool {
    c.len() == 2 && kansa_model::country_code(c).is_some()
}

/// ISO 17442: 18 alphanumerics and two check digits, mod 97 = 1.
pub fn lei_ok(lei: &str) -> bool {
    if lei.len() != 20
        || !lei
            .bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
    {
        return false;
    }
    let mut rem: u32 = 0;
    for b in lei.bytes() {
        let v = if b.is_ascii_digit() {
            u32::from(b - b'0')
        } else {
            u32::from(b - b'A') + 10
        };
        rem = if v >= 10 {
            (rem * 100 + v) % 97
        } else {
            (rem * 10 + v) % 97
        };
    }
    rem == 1
}

fn is_kana_or_latin(s: &str) -> bool {
    s.chars().all(|c| {
        c.is_ascii() || matches!(c as u32, 0x3040..=0x30FF | 0x31F0..=0x31FF | 0xFF65..=0xFF9F | 0x3000..=0x303F)
    })
}

fn date_ok(d: &str, before_ms: i64) -> bool {
    kansa_model::time::parse_rfc3339(&format!("{d}T00:00:00Z")).is_some_and(|t| t < before_ms)
}

/// Checks one person; `who` names it in errors.
fn person(
    p: &Value,
    who: &str,
    originator: bool,
    policy: &TravelPolicy,
    time: i64,
    errors: &mut Vec<String>,
) {
    if let Some(n) = p.get("naturalPerson") {
        let name = n.get("name").unwrap_or(&Value::Null);
        let legal = arr(name, "nameIdentifier").iter().any(|x| {
            text(x, "nameIdentifierType") == Some("LEGL") && text(x, "primaryIdentifier").is_some()
        });
        if !legal {
            errors.push(format!(
                "{who}: natural person without a legal name (LEGL with primaryIdentifier) [C6]"
            ));
        }
        for x in arr(name, "phoneticNameIdentifier") {
            for k in ["primaryIdentifier", "secondaryIdentifier"] {
                if let Some(v) = text(x, k) {
                    if !is_kana_or_latin(v) {
                        errors.push(format!(
                            "{who}: phonetic name {v:?} is neither kana nor Latin"
                        ));
                    }
                }
            }
        }
        let addresses = arr(n, "geographicAddress");
        for a in addresses {
            address(a, who, errors);
        }
        if let Some(dp) = n.get("dateAndPlaceOfBirth") {
            match text(dp, "dateOfBirth") {
                Some(d) if !date_ok(d, time) => errors.push(format!(
                    "{who}: date of birth {d:?} is not a date before the transfer [C2]"
                )),
                None => errors.push(format!("{who}: dateAndPlaceOfBirth without dateOfBirth")),
                _ => {}
            }
            if text(dp, "placeOfBirth").is_none() {
                errors.push(format!("{who}: dateAndPlaceOfBirth without placeOfBirth"));
            }
        }
        if let Some(c) = text(n, "countryOfResidence") {
            if !country_ok(c) {
                errors.push(format!(
                    "{who}: countryOfResidence {c:?} is not an ISO 3166 code [C3]"
                ));
            }
        }
        national_id(n, who, false, errors);
        let detail = !addresses.is_empty()
            || text(n, "customerIdentification").is_some()
            || n.get("nationalIdentification").is_some()
            || n.get("dateAndPlaceOfBirth").is_some();
        if originator && policy.originator_identifying_detail && !detail {
            errors.push(format!(
                "{who}: needs an address, a customer identification, a national identification or a date and place of birth [C1]"
            ));
        }
    } else if let Some(l) = p.get("legalPerson") {
        let name = l.get("name").unwrap_or(&Value::Null);
        let legal = arr(name, "nameIdentifier").iter().any(|x| {
            text(x, "legalPersonNameIdentifierType") == Some("LEGL")
                && text(x, "legalPersonName").is_some()
        });
        if !legal {
            errors.push(format!(
                "{who}: legal person without a legal name (LEGL legalPersonName) [C4]"
            ));
        }
        let addresses = arr(l, "geographicAddress");
        for a in addresses {
            address(a, who, errors);
        }
        if let Some(c) = text(l, "countryOfRegistration") {
            if !country_ok(c) {
                errors.push(format!(
                    "{who}: countryOfRegistration {c:?} is not an ISO 3166 code [C3]"
                ));
            }
        }
        national_id(l, who, true, errors);
        let detail = !addresses.is_empty()
            || text(l, "customerNumber").is_some()
            || l.get("nationalIdentification").is_some();
        if originator && policy.originator_identifying_detail && !detail {
            errors.push(format!(
                "{who}: needs an address, a customer number or a national identification [C1]"
            ));
        }
    } else {
        errors.push(format!("{who}: neither naturalPerson nor legalPerson"));
    }
}

fn national_id(p: &Value, who: &str, legal: bool, errors: &mut Vec<String>) {
    let Some(id) = p.get("nationalIdentification") else {
        return;
    };
    let kind = text(id, "nationalIdentifierType").unwrap_or_default();
    let known = [
        "ARNU", "CCPT", "RAID", "DRLC", "FIIN", "TXID", "SOCS", "IDCD", "LEIX", "MISC",
    ];
    if !known.contains(&kind) {
        errors.push(format!(
            "{who}: nationalIdentifierType {kind:?} is not an IVMS101 code"
        ));
    } else if legal && !["RAID", "MISC", "LEIX", "TXID"].contains(&kind) {
        errors.push(format!("{who}: a legal person's nationalIdentifierType must be RAID, MISC, LEIX or TXID, not {kind} [C5]"));
    }
    match text(id, "nationalIdentifier") {
        None => errors.push(format!(
            "{who}: nationalIdentification without nationalIdentifier"
        )),
        Some(v) if kind == "LEIX" && !lei_ok(v) => errors.push(format!(
            "{who}: LEI {v:?} fails the ISO 17442 check digits [C7]"
        )),
        _ => {}
    }
    if let Some(c) = text(id, "countryOfIssue") {
        if !country_ok(c) {
            errors.push(format!(
                "{who}: countryOfIssue {c:?} is not an ISO 3166 code [C3]"
            ));
        }
    }
}

fn address(a: &Value, who: &str, errors: &mut Vec<String>) {
    let lines = !arr(a, "addressLine").is_empty();
    let street = text(a, "streetName").is_some()
        && (text(a, "buildingName").is_some() || text(a, "buildingNumber").is_some());
    if !lines && !street {
        errors.push(format!("{who}: address needs addressLine, or streetName with buildingName or buildingNumber [C8]"));
    }
    if text(a, "townName").is_none() && !lines {
        errors.push(format!("{who}: address without townName"));
    }
    match text(a, "country") {
        None => errors.push(format!("{who}: address without country")),
        Some(c) if !country_ok(c) => errors.push(format!(
            "{who}: address country {c:?} is not an ISO 3166 code [C3]"
        )),
        _ => {}
    }
}

/// Checks an event's Travel Rule data.
pub fn check(
    raw: &serde_json::Map<String, Value>,
    value: Option<Decimal>,
    time: i64,
    policy: &TravelPolicy,
    directory: &[Vasp],
) -> TravelCheck {
    let mut c = TravelCheck::default();
    let payload = raw
        .get("travel_rule")
        .map(|p| p.get("IVMS101").unwrap_or(p));
    if raw.get("unhosted").and_then(Value::as_bool) == Some(true) {
        c.status = "unhosted".into();
        // The customer still declares who holds the wallet.
        if payload.is_none_or(|p| {
            arr(
                p.get("beneficiary").unwrap_or(&Value::Null),
                "beneficiaryPersons",
            )
            .is_empty()
        }) {
            c.errors
                .push("unhosted wallet: the beneficiary's name is not declared".into());
        }
        return c;
    }
    if let Some(id) = raw.get("counterparty_vasp").and_then(Value::as_str) {
        c.vasp = id.to_string();
        match directory.iter().find(|v| v.id == id) {
            None => c
                .errors
                .push(format!("counterparty VASP {id:?} is not in the directory")),
            Some(v) => {
                c.vasp_country = v.country.clone();
                if !v.receives {
                    c.status = "exception".into();
                    c.errors.push(format!(
                        "{} ({}) cannot receive Travel Rule data",
                        v.name, v.country
                    ));
                    return c;
                }
            }
        }
    }
    if value.is_some_and(|v| v < policy.threshold) {
        c.status = "not_required".into();
        return c;
    }
    let Some(p) = payload else {
        if c.vasp.is_empty() {
            // Neither a VASP nor an unhosted wallet was named: nothing to
            // check, and rules can see that the counterparty is unknown.
            c.status = "unidentified".into();
            return c;
        }
        c.status = "missing".into();
        c.errors.push(format!(
            "no Travel Rule data (required in {})",
            policy.jurisdiction
        ));
        return c;
    };
    let orig = p.get("originator").unwrap_or(&Value::Null);
    let bene = p.get("beneficiary").unwrap_or(&Value::Null);
    let (op, bp) = (
        arr(orig, "originatorPersons"),
        arr(bene, "beneficiaryPersons"),
    );
    if op.is_empty() {
        c.errors.push("originator: no originatorPersons".into());
    }
    if bp.is_empty() {
        c.errors.push("beneficiary: no beneficiaryPersons".into());
    }
    for (i, x) in op.iter().enumerate() {
        person(
            x,
            &format!("originator {}", i + 1),
            true,
            policy,
            time,
            &mut c.errors,
        );
    }
    for (i, x) in bp.iter().enumerate() {
        person(
            x,
            &format!("beneficiary {}", i + 1),
            false,
            policy,
            time,
            &mut c.errors,
        );
    }
    if policy.originator_account && arr(orig, "accountNumber").is_empty() {
        c.errors.push("originator: no accountNumber".into());
    }
    if policy.beneficiary_account && arr(bene, "accountNumber").is_empty() {
        c.errors.push("beneficiary: no accountNumber".into());
    }
    c.status = if c.errors.is_empty() {
        "ok"
    } else if op.is_empty() || bp.is_empty() {
        "missing"
    } else {
        "invalid"
    }
    .into();
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn good() -> Value {
        json!({
            "originator": {
                "originatorPersons": [{"naturalPerson": {
                    "name": {
                        "nameIdentifier": [{"primaryIdentifier": "TAKAHASHI", "secondaryIdentifier": "TARO", "nameIdentifierType": "LEGL"}],
                        "localNameIdentifier": [{"primaryIdentifier": "高橋", "secondaryIdentifier": "太郎", "nameIdentifierType": "LEGL"}],
                        "phoneticNameIdentifier": [{"primaryIdentifier": "タカハシ", "secondaryIdentifier": "タロウ", "nameIdentifierType": "LEGL"}]
                    },
                    "geographicAddress": [{"addressType": "HOME", "streetName": "Chiyoda", "buildingNumber": "1-1", "townName": "Tokyo", "country": "JP"}],
                    "dateAndPlaceOfBirth": {"dateOfBirth": "1980-04-01", "placeOfBirth": "Osaka"}
                }}],
                "accountNumber": ["bc1qoriginator"]
            },
            "beneficiary": {
                "beneficiaryPersons": [{"legalPerson": {
                    "name": {"nameIdentifier": [{"legalPersonName": "Example Trading Pte. Ltd.", "legalPersonNameIdentifierType": "LEGL"}]},
                    "nationalIdentification": {"nationalIdentifier": "5493001KJTIIGC8Y1R12", "nationalIdentifierType": "LEIX"},
                    "countryOfRegistration": "SG"
                }}],
                "accountNumber": ["bc1qbeneficiary"]
            }
        })
    }

    fn run(payload: Option<Value>, extra: Value) -> TravelCheck {
        let mut raw = extra.as_object().cloned().unwrap_or_default();
        if let Some(p) = payload {
            raw.insert("travel_rule".into(), p);
        }
        let dir = vec![
            Vasp {
                id: "sg-vasp".into(),
                name: "SG VASP".into(),
                country: "SG".into(),
                receives: true,
            },
            Vasp {
                id: "nowhere".into(),
                name: "No TR VASP".into(),
                country: "SC".into(),
                receives: false,
            },
        ];
        check(
            &raw,
            Some(Decimal::from_int(100_000)),
            1_717_200_000_000,
            &TravelPolicy::default(),
            &dir,
        )
    }

    #[test]
    fn a_complete_japanese_payload_with_kanji_and_katakana_passes() {
        let c = run(Some(good()), json!({"counterparty_vasp": "sg-vasp"}));
        assert_eq!(
            (c.status.as_str(), c.errors.len()),
            ("ok", 0),
            "{:?}",
            c.errors
        );
        assert_eq!(c.vasp_country, "SG");
    }

    #[test]
    fn each_broken_constraint_is_named() {
        let cases: Vec<(&str, Value, &str)> = vec![
            ("/originator/originatorPersons/0/naturalPerson/name/nameIdentifier/0/nameIdentifierType", json!("ALIA"), "[C6]"),
            ("/originator/originatorPersons/0/naturalPerson/dateAndPlaceOfBirth/dateOfBirth", json!("2030-01-01"), "[C2]"),
            ("/originator/originatorPersons/0/naturalPerson/geographicAddress/0/country", json!("XX"), "[C3]"),
            ("/originator/originatorPersons/0/naturalPerson/geographicAddress/0/buildingNumber", Value::Null, "[C8]"),
            ("/originator/originatorPersons/0/naturalPerson/name/phoneticNameIdentifier/0/primaryIdentifier", json!("高橋"), "neither kana nor Latin"),
            ("/beneficiary/beneficiaryPersons/0/legalPerson/nationalIdentification/nationalIdentifier", json!("5493001KJTIIGC8Y1R13"), "[C7]"),
            ("/beneficiary/beneficiaryPersons/0/legalPerson/nationalIdentification/nationalIdentifierType", json!("CCPT"), "[C5]"),
            ("/beneficiary/beneficiaryPersons/0/legalPerson/name/nameIdentifier/0/legalPersonNameIdentifierType", json!("TRAD"), "[C4]"),
            ("/beneficiary/accountNumber", json!([]), "beneficiary: no accountNumber"),
        ];
        for (pointer, v, want) in cases {
            let mut p = good();
            *p.pointer_mut(pointer).expect(pointer) = v;
            let c = run(Some(p), json!({}));
            assert_eq!(c.status, "invalid", "{pointer}");
            assert!(
                c.errors.iter().any(|e| e.contains(want)),
                "{pointer}: {:?}",
                c.errors
            );
        }
        // C1: no identifying detail at all.
        let mut p = good();
        let n = p
            .pointer_mut("/originator/originatorPersons/0/naturalPerson")
            .expect("person");
        n.as_object_mut()
            .expect("object")
            .retain(|k, _| k == "name");
        let c = run(Some(p), json!({}));
        assert!(
            c.errors.iter().any(|e| e.contains("[C1]")),
            "{:?}",
            c.errors
        );
    }

    #[test]
    fn missing_unhosted_and_exception_outcomes() {
        assert_eq!(run(None, json!({})).status, "unidentified");
        assert_eq!(
            run(None, json!({"counterparty_vasp": "sg-vasp"})).status,
            "missing"
        );
        let c = run(None, json!({"unhosted": true}));
        assert_eq!((c.status.as_str(), c.errors.len()), ("unhosted", 1));
        let c = run(None, json!({"counterparty_vasp": "nowhere"}));
        assert_eq!(c.status, "exception");
        assert!(c.errors[0].contains("cannot receive"));
        let c = run(Some(good()), json!({"counterparty_vasp": "unknown"}));
        assert!(c.errors[0].contains("not in the directory"));
    }

    #[test]
    fn lei_check_digits() {
        assert!(lei_ok("5493001KJTIIGC8Y1R12"));
        assert!(!lei_ok("5493001KJTIIGC8Y1R13"));
        assert!(!lei_ok("5493001KJTIIGC8Y1R1"));
    }
}
