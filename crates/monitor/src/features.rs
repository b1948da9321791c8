//! What rules can read: the event and the features computed for it.
//!
//! | variable | fields |
//! |---|---|
//! | `event` | `id`, `type`, `time` (ms since 1970), `customer`, `asset`, `amount` and `value` (doubles; `value` in the reference currency, 0 when unknown), `value_known`, `wallet`, `address`, `ip`, `country`, `late` (older than the customer's latest event), and every extra field of the event as sent |
//! | `customer` | `id`, `known` (seen before this event), `hits`, `hit_score`, `hit_entities` (screening of the customer register), `age_days` (since `opened` of a kyc event, else the first event), `dormant_days` (since the previous event), `first_event`, `country` (from kyc events), `inflow` and `outflow` windows |
//! | `address` | `id`, `listed`, `entities`, `categories` (sanctions lists and labels), `exposure` (share of its funds from sanctioned, stolen or mixing sources, from tracing), `exposure_category`, `first_use` (first time this customer uses it), `age_hours` (since first seen in any event), `customers_h24` (distinct customers using it within 24 h), `allowlisted`, `allowlisted_hours`, `flows` windows |
//! | `counterparty` | `name` (the event's `counterparty_name`), `hits`, `score`, `entities` |
//! | `wallet` | `id`, `known`, `kind` (hot/cold), `asset`, `balance`, `hot_share` (hot balances over all balances of the asset), `baseline_hourly` (average hourly outflow over up to 30 days), `history_hours`, `tripped` (its circuit breaker), `outflow` windows |
//! | `geo` | `country`, `sanctioned` (a comprehensively sanctioned jurisdiction), `new_country` (never seen before for this customer) |
//! | `settings` | the pack's settings |
//!
//! Windows are `h1`, `h24` and `d30`, each with `count`, `value` (sum in
//! the reference currency), `amount` (sum in the asset's units: meaningful
//! for one-asset keys such as wallets and addresses), `distinct`
//! (counterparties: addresses for customers and wallets, customers for
//! addresses) and `near_threshold` (events whose value lies within the
//! structuring band under the threshold). Windows include the event being
//! decided.

use crate::window::{Series, Totals};
use cel::objects::{Key, Map};
use cel::Value;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;

/// The variables rules may read.
pub const ROOTS: [&str; 7] = [
    "event",
    "customer",
    "address",
    "counterparty",
    "wallet",
    "geo",
    "settings",
];

const WINDOW_FIELDS: [&str; 5] = ["count", "value", "amount", "distinct", "near_threshold"];

const CUSTOMER: [&str; 11] = [
    "id",
    "known",
    "hits",
    "hit_score",
    "hit_entities",
    "age_days",
    "dormant_days",
    "first_event",
    "country",
    "inflow",
    "outflow",
];
const ADDRESS: [&str; 12] = [
    "id",
    "listed",
    "entities",
    "categories",
    "exposure",
    "exposure_category",
    "first_use",
    "age_hours",
    "customers_h24",
    "allowlisted",
    "allowlisted_hours",
    "flows",
];
const COUNTERPARTY: [&str; 4] = ["name", "hits", "score", "entities"];
const WALLET: [&str; 11] = [
    "id",
    "known",
    "kind",
    "asset",
    "balance",
    "hot_share",
    "baseline_hourly",
    "history_hours",
    "tripped",
    "outflow",
    "approvals",
];
const GEO: [&str; 3] = ["country", "sanctioned", "new_country"];
const SETTINGS: [&str; 8] = [
    "review_score",
    "hold_score",
    "block_score",
    "reference_currency",
    "sanctioned_jurisdictions",
    "structuring_threshold",
    "structuring_band",
    "hot_wallet_limit",
];
const WINDOWED: [&str; 3] = ["inflow", "outflow", "flows"];

/// Checks a `root.a.b` path against the schema (event fields are open:
/// extra fields of events are readable).
pub fn schema_check(path: &str) -> Result<(), String> {
    let parts: Vec<&str> = path.split('.').collect();
    let fields: &[&str] = match parts[0] {
        "event" => return Ok(()),
        "customer" => &CUSTOMER,
        "address" => &ADDRESS,
        "counterparty" => &COUNTERPARTY,
        "wallet" => &WALLET,
        "geo" => &GEO,
        "settings" => &SETTINGS,
        other => return Err(format!("unknown variable {other:?}")),
    };
    let Some(field) = parts.get(1) else {
        return Ok(());
    };
    if !fields.contains(field) {
        return Err(format!(
            "{} has no field {field:?} (it has: {})",
            parts[0],
            fields.join(", ")
        ));
    }
    if WINDOWED.contains(field) {
        if let Some(w) = parts.get(2) {
            if !crate::window::NAMES.contains(w) {
                return Err(format!(
                    "{}.{field} has no window {w:?} (h1, h24, d30)",
                    parts[0]
                ));
            }
            if let Some(f) = parts.get(3) {
                if !WINDOW_FIELDS.contains(f) || parts.len() > 4 {
                    return Err(format!(
                        "a window has no field {f:?} (it has: {})",
                        WINDOW_FIELDS.join(", ")
                    ));
                }
            }
        }
    } else if parts.len() > 2 {
        return Err(format!("{}.{field} has no fields", parts[0]));
    }
    Ok(())
}

/// One window's figures.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct WindowFeatures {
    pub count: u64,
    pub value: f64,
    pub amount: f64,
    pub distinct: u64,
    pub near_threshold: u64,
}

impl From<&Totals> for WindowFeatures {
    fn from(t: &Totals) -> Self {
        WindowFeatures {
            count: t.count,
            value: t.value.to_f64(),
            amount: t.amount.to_f64(),
            distinct: t.distinct(),
            near_threshold: t.near_threshold,
        }
    }
}

#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct Windows {
    pub h1: WindowFeatures,
    pub h24: WindowFeatures,
    pub d30: WindowFeatures,
}

impl From<&Series> for Windows {
    fn from(s: &Series) -> Self {
        Windows {
            h1: s.totals(0).into(),
            h24: s.totals(1).into(),
            d30: s.totals(2).into(),
        }
    }
}

#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct CustomerFeatures {
    pub id: String,
    pub known: bool,
    pub hits: u64,
    pub hit_score: f64,
    pub hit_entities: Vec<String>,
    pub age_days: f64,
    pub dormant_days: f64,
    pub first_event: bool,
    pub country: String,
    pub inflow: Windows,
    pub outflow: Windows,
}

#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct AddressFeatures {
    pub id: String,
    pub listed: bool,
    pub entities: Vec<String>,
    pub categories: Vec<String>,
    pub exposure: f64,
    pub exposure_category: String,
    pub first_use: bool,
    pub age_hours: f64,
    pub customers_h24: u64,
    pub allowlisted: bool,
    pub allowlisted_hours: f64,
    pub flows: Windows,
}

#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct CounterpartyFeatures {
    pub name: String,
    pub hits: u64,
    pub score: f64,
    pub entities: Vec<String>,
}

#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct WalletFeatures {
    pub id: String,
    pub known: bool,
    pub kind: String,
    pub asset: String,
    pub balance: f64,
    pub hot_share: f64,
    pub baseline_hourly: f64,
    pub history_hours: f64,
    pub tripped: bool,
    pub approvals: u64,
    pub outflow: Windows,
}

#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct GeoFeatures {
    pub country: String,
    pub sanctioned: bool,
    pub new_country: bool,
}

/// Everything computed for one event.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct Features {
    pub customer: CustomerFeatures,
    pub address: AddressFeatures,
    pub counterparty: CounterpartyFeatures,
    pub wallet: WalletFeatures,
    pub geo: GeoFeatures,
}

/// A JSON value as a CEL value (integers stay integers).
pub fn json_to_cel(v: &serde_json::Value) -> Value {
    match v {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::Int(i)
            } else if let Some(u) = n.as_u64() {
                Value::UInt(u)
            } else {
                Value::Float(n.as_f64().unwrap_or(f64::NAN))
            }
        }
        serde_json::Value::String(s) => Value::String(Arc::new(s.clone())),
        serde_json::Value::Array(a) => Value::List(Arc::new(a.iter().map(json_to_cel).collect())),
        serde_json::Value::Object(o) => Value::Map(Map {
            map: Arc::new(
                o.iter()
                    .map(|(k, v)| (Key::String(Arc::new(k.clone())), json_to_cel(v)))
                    .collect(),
            ),
        }),
    }
}

/// A CEL value as JSON (for explanations).
pub fn cel_to_json(v: &Value) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        Value::Null => J::Null,
        Value::Bool(b) => J::Bool(*b),
        Value::Int(i) => J::from(*i),
        Value::UInt(u) => J::from(*u),
        Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
        Value::String(s) => J::String(s.to_string()),
        Value::List(l) => J::Array(l.iter().map(cel_to_json).collect()),
        Value::Map(m) => {
            let mut out = serde_json::Map::new();
            for (k, v) in m.map.iter() {
                let key = match k {
                    Key::String(s) => s.to_string(),
                    Key::Int(i) => i.to_string(),
                    Key::Uint(u) => u.to_string(),
                    Key::Bool(b) => b.to_string(),
                };
                out.insert(key, cel_to_json(v));
            }
            J::Object(out)
        }
        other => J::String(format!("{other:?}")),
    }
}

/// A string-keyed CEL map.
pub fn cel_map<'a>(entries: impl IntoIterator<Item = (&'a str, Value)>) -> Value {
    let map: HashMap<Key, Value> = entries
        .into_iter()
        .map(|(k, v)| (Key::String(Arc::new(k.to_string())), v))
        .collect();
    Value::Map(Map { map: Arc::new(map) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_knows_its_fields() {
        for ok in [
            "event.anything",
            "customer",
            "customer.outflow.h24.value",
            "customer.inflow.d30",
            "address.exposure",
            "wallet.outflow.h1.amount",
            "settings.structuring_threshold",
        ] {
            assert_eq!(schema_check(ok), Ok(()), "{ok}");
        }
        for bad in [
            "customer.outflows",
            "customer.outflow.h2",
            "customer.outflow.h1.total",
            "address.exposure.x",
            "geo.city",
            "wallet.outflow.h1.count.x",
        ] {
            assert!(schema_check(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn every_schema_field_is_a_feature() {
        let f = serde_json::to_value(Features::default()).expect("json");
        for (root, fields) in [
            ("customer", &CUSTOMER[..]),
            ("address", &ADDRESS[..]),
            ("counterparty", &COUNTERPARTY[..]),
            ("wallet", &WALLET[..]),
            ("geo", &GEO[..]),
        ] {
            let obj = f[root].as_object().expect("object");
            let mut have: Vec<&str> = obj.keys().map(String::as_str).collect();
            have.sort_unstable();
            let mut want = fields.to_vec();
            want.sort_unstable();
            assert_eq!(have, want, "{root}");
        }
    }
}
