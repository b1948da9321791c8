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
//! | `travel` | `status` (`ok`, `missing`, `invalid`, `exception`, `unhosted`, `unidentified`, `not_required`), `errors`, `vasp`, `vasp_country` (see [`crate::travel`]) |
//! | `settings` | the pack's settings |
//!
//! Windows are `h1`, `h24` and `d30`, each with `count`, `value` (sum in
//! the reference currency), `amount` (sum in the asset's units: meaningful
//! for one-asset keys such as wallets and addresses), `distinct`
//! (counterparties: addresses for customers and wallets, customers for
//! addresses) and `near_threshold` (events whose value lies within the
//! structuring band under the threshold). Windows include the event being
//! decided.

use crate::decimal::Decimal;
use crate::event::Event;
use crate::window::{Series, Totals};
use cel::objects::{Key, Map};
use cel::Value;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;

/// The variables rules may read.
pub const ROOTS: [&str; 8] = [
    "event",
    "customer",
    "address",
    "counterparty",
    "wallet",
    "geo",
    "travel",
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
const TRAVEL: [&str; 4] = ["status", "errors", "vasp", "vasp_country"];
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
        "travel" => &TRAVEL,
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
    pub count: i64,
    pub value: f64,
    pub amount: f64,
    pub distinct: i64,
    pub near_threshold: i64,
}

impl From<&Totals> for WindowFeatures {
    fn from(t: &Totals) -> Self {
        WindowFeatures {
            count: t.count as i64,
            value: t.value.to_f64(),
            amount: t.amount.to_f64(),
            distinct: t.distinct() as i64,
            near_threshold: t.near_threshold as i64,
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
    pub hits: i64,
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
    pub customers_h24: i64,
    pub allowlisted: bool,
    pub allowlisted_hours: f64,
    pub flows: Windows,
}

#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct CounterpartyFeatures {
    pub name: String,
    pub hits: i64,
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
    pub approvals: i64,
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
    pub travel: crate::travel::TravelCheck,
}

/// Resolves the names rules read (`customer.outflow.h1.count`, `event.x`,
/// `address`) straight from the features, without building maps: CEL looks
/// a dotted name up whole before it selects fields, so each leaf a rule
/// reads costs one lookup. A whole object (`customer`) is built on demand.
pub struct Resolver<'a> {
    pub event: &'a Event,
    pub value: Option<Decimal>,
    pub late: bool,
    pub features: &'a Features,
    pub settings: &'a Value,
}

impl std::fmt::Debug for Resolver<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resolver")
            .field("event", &self.event.id)
            .finish()
    }
}

fn s(v: &str) -> Value {
    Value::String(Arc::new(v.to_string()))
}

fn opt(v: &Option<String>) -> Value {
    s(v.as_deref().unwrap_or_default())
}

fn list(v: &[String]) -> Value {
    Value::List(Arc::new(v.iter().map(|x| s(x)).collect()))
}

fn whole<T: Serialize>(v: &T) -> Option<Value> {
    cel::to_value(v).ok()
}

fn window(w: &WindowFeatures, field: Option<&str>) -> Option<Value> {
    Some(match field {
        None => return whole(w),
        Some("count") => Value::Int(w.count),
        Some("value") => Value::Float(w.value),
        Some("amount") => Value::Float(w.amount),
        Some("distinct") => Value::Int(w.distinct),
        Some("near_threshold") => Value::Int(w.near_threshold),
        Some(_) => return None,
    })
}

fn windows(ws: &Windows, rest: &[&str]) -> Option<Value> {
    let w = match rest.first() {
        None => return whole(ws),
        Some(&"h1") => &ws.h1,
        Some(&"h24") => &ws.h24,
        Some(&"d30") => &ws.d30,
        Some(_) => return None,
    };
    if rest.len() > 2 {
        return None;
    }
    window(w, rest.get(1).copied())
}

impl Resolver<'_> {
    fn event_value(&self, rest: &[&str]) -> Option<Value> {
        let e = self.event;
        let Some(field) = rest.first() else {
            let mut map: HashMap<Key, Value> = e
                .raw
                .iter()
                .map(|(k, v)| (Key::String(Arc::new(k.clone())), json_to_cel(v)))
                .collect();
            for name in STANDARD_EVENT_FIELDS {
                if let Some(v) = self.event_value(&[name]) {
                    map.insert(Key::String(Arc::new(name.to_string())), v);
                }
            }
            return Some(Value::Map(Map { map: Arc::new(map) }));
        };
        let v = match *field {
            "id" => s(&e.id),
            "type" => s(e.kind.as_str()),
            "time" => Value::Int(e.time),
            "customer" => opt(&e.customer),
            "asset" => opt(&e.asset),
            "amount" => Value::Float(e.amount.map_or(0.0, Decimal::to_f64)),
            "value" => Value::Float(self.value.map_or(0.0, Decimal::to_f64)),
            "value_known" => Value::Bool(self.value.is_some()),
            "wallet" => opt(&e.wallet),
            "address" => opt(&e.address),
            "ip" => opt(&e.ip),
            "country" => opt(&e.country),
            "late" => Value::Bool(self.late),
            other => {
                let mut j = e.raw.get(other)?;
                for part in &rest[1..] {
                    j = j.get(part)?;
                }
                return Some(json_to_cel(j));
            }
        };
        (rest.len() == 1).then_some(v)
    }

    /// The value of a dotted name, if the features have it.
    pub fn lookup(&self, name: &str) -> Option<Value> {
        let parts: Vec<&str> = name.split('.').collect();
        let (root, rest) = parts.split_first()?;
        let f = self.features;
        let leaf = |v: Value| (rest.len() == 1).then_some(v);
        match *root {
            "event" => self.event_value(rest),
            "settings" => match rest {
                [] => Some(self.settings.clone()),
                [k] => match self.settings {
                    Value::Map(m) => m.map.get(&Key::String(Arc::new(k.to_string()))).cloned(),
                    _ => None,
                },
                _ => None,
            },
            "customer" => {
                let c = &f.customer;
                match rest.first().copied() {
                    None => whole(c),
                    Some("inflow") => windows(&c.inflow, &rest[1..]),
                    Some("outflow") => windows(&c.outflow, &rest[1..]),
                    Some("id") => leaf(s(&c.id)),
                    Some("known") => leaf(Value::Bool(c.known)),
                    Some("hits") => leaf(Value::Int(c.hits)),
                    Some("hit_score") => leaf(Value::Float(c.hit_score)),
                    Some("hit_entities") => leaf(list(&c.hit_entities)),
                    Some("age_days") => leaf(Value::Float(c.age_days)),
                    Some("dormant_days") => leaf(Value::Float(c.dormant_days)),
                    Some("first_event") => leaf(Value::Bool(c.first_event)),
                    Some("country") => leaf(s(&c.country)),
                    Some(_) => None,
                }
            }
            "address" => {
                let a = &f.address;
                match rest.first().copied() {
                    None => whole(a),
                    Some("flows") => windows(&a.flows, &rest[1..]),
                    Some("id") => leaf(s(&a.id)),
                    Some("listed") => leaf(Value::Bool(a.listed)),
                    Some("entities") => leaf(list(&a.entities)),
                    Some("categories") => leaf(list(&a.categories)),
                    Some("exposure") => leaf(Value::Float(a.exposure)),
                    Some("exposure_category") => leaf(s(&a.exposure_category)),
                    Some("first_use") => leaf(Value::Bool(a.first_use)),
                    Some("age_hours") => leaf(Value::Float(a.age_hours)),
                    Some("customers_h24") => leaf(Value::Int(a.customers_h24)),
                    Some("allowlisted") => leaf(Value::Bool(a.allowlisted)),
                    Some("allowlisted_hours") => leaf(Value::Float(a.allowlisted_hours)),
                    Some(_) => None,
                }
            }
            "counterparty" => {
                let c = &f.counterparty;
                match rest.first().copied() {
                    None => whole(c),
                    Some("name") => leaf(s(&c.name)),
                    Some("hits") => leaf(Value::Int(c.hits)),
                    Some("score") => leaf(Value::Float(c.score)),
                    Some("entities") => leaf(list(&c.entities)),
                    Some(_) => None,
                }
            }
            "wallet" => {
                let w = &f.wallet;
                match rest.first().copied() {
                    None => whole(w),
                    Some("outflow") => windows(&w.outflow, &rest[1..]),
                    Some("id") => leaf(s(&w.id)),
                    Some("known") => leaf(Value::Bool(w.known)),
                    Some("kind") => leaf(s(&w.kind)),
                    Some("asset") => leaf(s(&w.asset)),
                    Some("balance") => leaf(Value::Float(w.balance)),
                    Some("hot_share") => leaf(Value::Float(w.hot_share)),
                    Some("baseline_hourly") => leaf(Value::Float(w.baseline_hourly)),
                    Some("history_hours") => leaf(Value::Float(w.history_hours)),
                    Some("tripped") => leaf(Value::Bool(w.tripped)),
                    Some("approvals") => leaf(Value::Int(w.approvals)),
                    Some(_) => None,
                }
            }
            "travel" => {
                let t = &f.travel;
                match rest.first().copied() {
                    None => whole(t),
                    Some("status") => leaf(s(&t.status)),
                    Some("errors") => leaf(list(&t.errors)),
                    Some("vasp") => leaf(s(&t.vasp)),
                    Some("vasp_country") => leaf(s(&t.vasp_country)),
                    Some(_) => None,
                }
            }
            "geo" => {
                let g = &f.geo;
                match rest.first().copied() {
                    None => whole(g),
                    Some("country") => leaf(s(&g.country)),
                    Some("sanctioned") => leaf(Value::Bool(g.sanctioned)),
                    Some("new_country") => leaf(Value::Bool(g.new_country)),
                    Some(_) => None,
                }
            }
            _ => None,
        }
    }
}

/// The event fields every event has for rules (empty or zero when absent).
const STANDARD_EVENT_FIELDS: [&str; 13] = [
    "id",
    "type",
    "time",
    "customer",
    "asset",
    "amount",
    "value",
    "value_known",
    "wallet",
    "address",
    "ip",
    "country",
    "late",
];

impl cel::context::VariableResolver for Resolver<'_> {
    fn resolve<'b>(&'b self, variable: &str) -> Option<cel::common::value::CowVal<'b, 'b>> {
        let v = self.lookup(variable)?;
        let boxed: Box<dyn cel::common::value::Val> = v.try_into().ok()?;
        Some(cel::common::value::CowVal::Owned(boxed))
    }
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
    fn every_schema_field_resolves_to_what_serde_gives() {
        let e = crate::Event::parse(
            r#"{"id":"1","type":"withdrawal","time":"2024-06-01T00:00:00Z","customer":"c","asset":"BTC","amount":"1.5","meta":{"channel":"api"}}"#,
        )
        .expect("event");
        let mut f = Features::default();
        f.customer.hits = 2;
        f.customer.outflow.h24.count = 7;
        f.address.categories = vec!["mixer".into()];
        f.wallet.kind = "hot".into();
        let settings = cel_map([("review_score", Value::Int(40))]);
        let r = Resolver {
            event: &e,
            value: None,
            late: false,
            features: &f,
            settings: &settings,
        };
        let json = serde_json::to_value(&f).expect("json");
        for (root, fields) in [
            ("customer", &CUSTOMER[..]),
            ("address", &ADDRESS[..]),
            ("counterparty", &COUNTERPARTY[..]),
            ("wallet", &WALLET[..]),
            ("geo", &GEO[..]),
            ("travel", &TRAVEL[..]),
        ] {
            for field in fields {
                let path = format!("{root}.{field}");
                let v = r.lookup(&path).unwrap_or_else(|| panic!("{path}"));
                assert_eq!(cel_to_json(&v), json[root][field], "{path}");
            }
        }
        assert_eq!(r.lookup("customer.outflow.h24.count"), Some(Value::Int(7)));
        assert_eq!(r.lookup("event.amount"), Some(Value::Float(1.5)));
        assert_eq!(r.lookup("event.meta.channel"), Some(Value::from("api")));
        assert_eq!(r.lookup("event.missing"), None);
        assert_eq!(r.lookup("settings.review_score"), Some(Value::Int(40)));
        assert_eq!(r.lookup("customer.nothing"), None);
        assert_eq!(r.lookup("customer.hits.x"), None);
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
            ("travel", &TRAVEL[..]),
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
