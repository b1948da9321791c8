//! Transaction monitoring and custody controls: events in, decisions out.
//!
//! [`Monitor::decide`] takes one [`Event`], updates the sliding windows of
//! its customer, address, wallet and asset, computes the [`features`],
//! runs the rule pack's CEL rules and the custody controls, and returns a
//! [`Decision`]: approve, review, hold or block, with every rule that
//! fired and the values it read, every control that acted, every rule that
//! failed, and alerts for the operators (the hot-wallet limit, a tripped
//! breaker). Decisions are idempotent by event id.
//!
//! The engine does no I/O and reads no clock: time is the events' own.
//! Screening and tracing come in through the [`Screening`] trait.

pub mod custody;
pub mod decimal;
pub mod event;
pub mod features;
pub mod rules;
pub mod travel;
pub mod window;

pub use decimal::Decimal;
pub use event::{read_jsonl, Event, EventError, EventType, LineError};
pub use rules::{PackError, RulePack};

use custody::{Trip, WalletKind, WalletState};
use features::{cel_map, cel_to_json, Features};
use kansa_model::time::{format_rfc3339, Millis};
use rustc_hash::{FxHashMap, FxHashSet, FxHasher};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::hash::Hasher;
use std::sync::Arc;
use window::{Entry, Series, DAY, HOUR};

/// What to do with the event's transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Approve,
    Review,
    Hold,
    Block,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Approve => "approve",
            Outcome::Review => "review",
            Outcome::Hold => "hold",
            Outcome::Block => "block",
        }
    }

    pub fn parse(s: &str) -> Option<Outcome> {
        [
            Outcome::Approve,
            Outcome::Review,
            Outcome::Hold,
            Outcome::Block,
        ]
        .into_iter()
        .find(|o| o.as_str() == s)
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A rule that fired, with the values it read.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Fired {
    pub scenario: String,
    pub rule: String,
    pub reason: String,
    pub score: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
    pub values: BTreeMap<String, serde_json::Value>,
}

/// A custody control that acted on the event.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Control {
    pub control: String,
    pub outcome: Outcome,
    pub detail: String,
}

impl Control {
    fn hold(control: &str, detail: String) -> Control {
        Control {
            control: control.to_string(),
            outcome: Outcome::Hold,
            detail,
        }
    }
}

/// A hold when `amount` would take the outflow of `series` over a limit.
fn limit_breach(
    subject: &str,
    series: &Series,
    l: &custody::LimitSpec,
    amount: Decimal,
) -> Option<Control> {
    let total = series.totals(l.window).amount.saturating_add(amount);
    (total > l.max).then(|| {
        Control::hold(
            "limit",
            format!(
                "{subject} outflow over {} would reach {total} (limit {})",
                window::NAMES[l.window],
                l.max
            ),
        )
    })
}

/// A rule that could not be evaluated (the decision fails closed).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct RuleFailure {
    pub scenario: String,
    pub rule: String,
    pub line: usize,
    pub error: String,
}

/// Something the operators must see, whatever the event's outcome.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Alert {
    pub kind: String,
    pub subject: String,
    pub detail: String,
}

/// The decision on one event and why.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Decision {
    pub event: String,
    #[serde(rename = "type")]
    pub kind: EventType,
    pub time: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer: Option<String>,
    pub outcome: Outcome,
    pub score: i64,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub fired: Vec<Fired>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub controls: Vec<Control>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub failures: Vec<RuleFailure>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub alerts: Vec<Alert>,
    /// The event id was decided before: this repeats that outcome.
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub duplicate: bool,
    /// Older than the latest event of its customer or wallet.
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub late: bool,
}

/// A screening hit on a name.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NameHit {
    pub entity: String,
    pub score: f64,
}

/// What is known of an address.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AddressRisk {
    /// Entities of the sanctions lists that list it.
    pub listed: Vec<String>,
    /// Label categories (sanctions, hack, mixer, exchange, …).
    pub categories: Vec<String>,
    /// Share of its funds traced to risky sources (0..1).
    pub exposure: f64,
    pub exposure_category: String,
}

/// Screening and tracing as the monitor sees them.
pub trait Screening: Send {
    /// The stored screening hits of a customer of the register.
    fn customer_hits(&self, _customer: &str) -> Vec<NameHit> {
        Vec::new()
    }
    /// Hits on a counterparty's name.
    fn name_hits(&self, _name: &str) -> Vec<NameHit> {
        Vec::new()
    }
    /// Lists, labels and exposure of an address.
    fn address(&self, _address: &str) -> AddressRisk {
        AddressRisk::default()
    }
}

/// No lists, no labels, no graph.
#[derive(Debug, Default)]
pub struct NoScreening;
impl Screening for NoScreening {}

#[derive(Debug, Default)]
struct CustomerState {
    first: Millis,
    last: Millis,
    opened: Option<Millis>,
    country: Option<String>,
    countries: Vec<String>,
    allowlist: FxHashMap<u64, Millis>,
    used: FxHashSet<u64>,
    inflow: Series,
    outflow: Series,
}

#[derive(Debug, Default)]
struct AddressState {
    first: Millis,
    flows: Series,
}

/// A stable 64-bit key of an address (EVM hex and bech32 compared
/// without case; base58 as written). Never 0.
pub fn address_key(a: &str) -> u64 {
    let t = a.trim();
    let lower = t.starts_with("0x")
        || t.starts_with("0X")
        || ["bc1", "tb1", "ltc1", "bcrt1"]
            .iter()
            .any(|p| t.len() > p.len() && t[..p.len()].eq_ignore_ascii_case(p));
    let mut h = FxHasher::default();
    if lower {
        h.write(t.to_ascii_lowercase().as_bytes());
    } else {
        h.write(t.as_bytes());
    }
    h.finish().max(1)
}

fn text_key(s: &str) -> u64 {
    let mut h = FxHasher::default();
    h.write(s.as_bytes());
    h.finish().max(1)
}

/// The monitoring engine: a rule pack, screening, and the live state.
pub struct Monitor {
    pack: RulePack,
    screening: Box<dyn Screening>,
    env: Arc<cel::Env>,
    settings_value: cel::Value,
    customers: FxHashMap<String, CustomerState>,
    addresses: FxHashMap<u64, AddressState>,
    wallets: FxHashMap<String, WalletState>,
    assets: FxHashMap<String, Series>,
    seen: FxHashMap<String, (Outcome, i64)>,
    hot_level: FxHashMap<String, u8>,
    address_cache: FxHashMap<u64, Arc<AddressRisk>>,
    customer_cache: FxHashMap<String, Arc<Vec<NameHit>>>,
    published: Option<Published>,
}

impl std::fmt::Debug for Monitor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Monitor")
            .field("pack", &self.pack.name)
            .field("customers", &self.customers.len())
            .field("wallets", &self.wallets.len())
            .finish()
    }
}

/// Memory held by the live state, by kind.
#[derive(Clone, Debug, Default, Serialize)]
pub struct StateSize {
    pub customers: usize,
    pub customer_bytes: usize,
    pub addresses: usize,
    pub address_bytes: usize,
    pub wallets: usize,
    pub wallet_bytes: usize,
    pub decided_ids: usize,
}

impl Monitor {
    pub fn new(pack: RulePack, screening: Box<dyn Screening>) -> Monitor {
        let settings_value = settings_value(&pack);
        let mut wallets = FxHashMap::default();
        for w in &pack.wallets {
            wallets.insert(
                w.id.clone(),
                WalletState {
                    kind: Some(w.kind),
                    asset: Some(w.asset.clone()),
                    ..WalletState::default()
                },
            );
        }
        Monitor {
            pack,
            screening,
            env: Arc::new(cel::Env::stdlib()),
            settings_value,
            customers: FxHashMap::default(),
            addresses: FxHashMap::default(),
            wallets,
            assets: FxHashMap::default(),
            seen: FxHashMap::default(),
            hot_level: FxHashMap::default(),
            address_cache: FxHashMap::default(),
            customer_cache: FxHashMap::default(),
            published: None,
        }
    }

    /// Puts a new rule pack in force, keeping the live state (windows,
    /// balances, tripped breakers): wallets the pack registers are added
    /// or take its kind and asset.
    fn publish(&mut self, pack: RulePack, published: Published) {
        self.settings_value = settings_value(&pack);
        for w in &pack.wallets {
            let state = self.wallets.entry(w.id.clone()).or_default();
            state.kind = Some(w.kind);
            state.asset = Some(w.asset.clone());
        }
        self.pack = pack;
        self.published = Some(published);
    }

    /// How the pack in force came to be: None for the pack the monitor
    /// started with.
    pub fn published(&self) -> Option<&Published> {
        self.published.as_ref()
    }

    /// The wallets the monitor knows, by id, with their breaker state.
    pub fn wallets(&self) -> Vec<WalletStatus> {
        let mut out: Vec<WalletStatus> = self
            .wallets
            .iter()
            .map(|(id, w)| WalletStatus {
                id: id.clone(),
                kind: w.kind.map(WalletKind::as_str),
                asset: w.asset.clone(),
                balance: w.balance.map(|b| b.to_string()),
                breaker: w.trip.clone(),
            })
            .collect();
        out.sort_by(|a, b| a.id.cmp(&b.id));
        out
    }
}

/// A rule pack put in force by an approval event.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Published {
    /// The approval event.
    pub event: String,
    pub at: String,
    pub sha256: Option<String>,
    pub requested_by: String,
    pub approved_by: String,
}

/// A wallet as the monitor sees it.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct WalletStatus {
    pub id: String,
    pub kind: Option<&'static str>,
    pub asset: Option<String>,
    /// The last known balance, in the asset's units.
    pub balance: Option<String>,
    /// Set while the breaker is tripped.
    pub breaker: Option<Trip>,
}

/// The settings as rules read them (`settings.<name>`).
fn settings_value(pack: &RulePack) -> cel::Value {
    let s = &pack.settings;
    cel_map([
        ("review_score", cel::Value::Int(s.review_score)),
        ("hold_score", cel::Value::Int(s.hold_score)),
        ("block_score", cel::Value::Int(s.block_score)),
        (
            "reference_currency",
            cel::Value::from(s.reference_currency.clone()),
        ),
        (
            "sanctioned_jurisdictions",
            cel::Value::List(Arc::new(
                s.sanctioned_jurisdictions
                    .iter()
                    .map(|c| cel::Value::from(c.clone()))
                    .collect(),
            )),
        ),
        (
            "structuring_threshold",
            cel::Value::Float(s.structuring_threshold.to_f64()),
        ),
        (
            "structuring_band",
            cel::Value::Float(s.structuring_band.to_f64()),
        ),
        (
            "hot_wallet_limit",
            cel::Value::Float(s.hot_wallet_limit.to_f64()),
        ),
    ])
}

impl Monitor {
    pub fn pack(&self) -> &RulePack {
        &self.pack
    }

    /// Forgets cached screening results (after a list or graph changes).
    pub fn clear_screening_cache(&mut self) {
        self.address_cache.clear();
        self.customer_cache.clear();
    }

    /// The breaker state of a wallet (None: not tripped).
    pub fn breaker(&self, wallet: &str) -> Option<&Trip> {
        self.wallets.get(wallet).and_then(|w| w.trip.as_ref())
    }

    /// Memory of the live state.
    pub fn state_size(&self) -> StateSize {
        let mut s = StateSize {
            customers: self.customers.len(),
            addresses: self.addresses.len(),
            wallets: self.wallets.len(),
            decided_ids: self.seen.len(),
            ..StateSize::default()
        };
        for (k, c) in &self.customers {
            s.customer_bytes += std::mem::size_of::<(String, CustomerState)>()
                + k.capacity()
                + c.inflow.heap_bytes()
                + c.outflow.heap_bytes()
                + c.allowlist.capacity() * 17
                + c.used.capacity() * 9
                + c.countries.capacity() * 24;
        }
        for a in self.addresses.values() {
            s.address_bytes += std::mem::size_of::<(u64, AddressState)>() + a.flows.heap_bytes();
        }
        for (k, w) in &self.wallets {
            s.wallet_bytes +=
                std::mem::size_of::<(String, WalletState)>() + k.capacity() + w.heap_bytes();
        }
        s
    }

    fn value_of(&self, e: &Event) -> Option<Decimal> {
        e.value.or_else(|| {
            let price = self.pack.prices.get(e.asset.as_deref()?)?;
            e.amount?.checked_mul(*price)
        })
    }

    fn address_risk(&mut self, key: u64, address: &str) -> Arc<AddressRisk> {
        if let Some(r) = self.address_cache.get(&key) {
            return r.clone();
        }
        let r = Arc::new(self.screening.address(address));
        self.address_cache.insert(key, r.clone());
        r
    }

    fn customer_hits(&mut self, id: &str) -> Arc<Vec<NameHit>> {
        if let Some(r) = self.customer_cache.get(id) {
            return r.clone();
        }
        let r = Arc::new(self.screening.customer_hits(id));
        self.customer_cache.insert(id.to_string(), r.clone());
        r
    }

    /// Hot balances over all balances of an asset, where any are known.
    fn hot_share(&self, asset: &str) -> Option<(f64, Decimal, Decimal)> {
        let (mut hot, mut all) = (Decimal::ZERO, Decimal::ZERO);
        for w in self
            .wallets
            .values()
            .filter(|w| w.asset.as_deref() == Some(asset))
        {
            let Some(b) = w.balance else { continue };
            all = all.saturating_add(b);
            if w.kind == Some(WalletKind::Hot) {
                hot = hot.saturating_add(b);
            }
        }
        hot.ratio(all).map(|r| (r, hot, all))
    }

    /// Raises an alert when an asset's hot share crosses the warning or the limit.
    fn check_hot_share(&mut self, asset: &str, d: &mut Decision) {
        let Some((share, hot, all)) = self.hot_share(asset) else {
            return;
        };
        let s = &self.pack.settings;
        let level = if share > s.hot_wallet_limit.to_f64() {
            2
        } else if share >= s.hot_wallet_warning.to_f64() {
            1
        } else {
            0
        };
        let before = self.hot_level.insert(asset.to_string(), level).unwrap_or(0);
        if level > before {
            let (kind, what) = if level == 2 {
                ("hot_wallet_limit", "exceeds the limit")
            } else {
                ("hot_wallet_warning", "approaches the limit")
            };
            d.alerts.push(Alert {
                kind: kind.into(),
                subject: asset.to_string(),
                detail: format!(
                    "{asset} held in hot wallets {hot} of {all} = {:.2}% {what} of {}%",
                    share * 100.0,
                    s.hot_wallet_limit.to_f64() * 100.0
                ),
            });
        }
    }

    /// Decides one event.
    pub fn decide(&mut self, e: &Event) -> Decision {
        let mut d = Decision {
            event: e.id.clone(),
            kind: e.kind,
            time: format_rfc3339(e.time),
            customer: e.customer.clone(),
            outcome: Outcome::Approve,
            score: 0,
            fired: Vec::new(),
            controls: Vec::new(),
            failures: Vec::new(),
            alerts: Vec::new(),
            duplicate: false,
            late: false,
        };
        if let Some((outcome, score)) = self.seen.get(&e.id) {
            d.outcome = *outcome;
            d.score = *score;
            d.duplicate = true;
            return d;
        }
        let value = self.value_of(e);
        let amount = e.amount.unwrap_or_default();
        let near = value.is_some_and(|v| {
            let t = self.pack.settings.structuring_threshold;
            t.checked_mul(self.pack.settings.structuring_band)
                .is_some_and(|low| v >= low)
                && v < t
        });
        let addr_key = e.address.as_deref().map(address_key);
        let cust_key = e.customer.as_deref().map(text_key).unwrap_or(0);
        let mut f = Features::default();

        match e.kind {
            EventType::Approval => self.approval(e, &mut d),
            EventType::Balance => {
                let (Some(wallet), Some(asset), Some(balance)) = (&e.wallet, &e.asset, e.amount)
                else {
                    unreachable_checked(&mut d);
                    return d;
                };
                let w = self.wallets.entry(wallet.clone()).or_default();
                if let Some(k) = e.extra_str("kind").and_then(WalletKind::parse) {
                    w.kind = Some(k);
                }
                w.asset = Some(asset.clone());
                w.balance = Some(balance);
                let asset = asset.clone();
                self.check_hot_share(&asset, &mut d);
            }
            _ => {}
        }

        // Customer: dormancy, geography, windows.
        if let Some(cid) = &e.customer {
            let hits = self.customer_hits(cid);
            let c = self
                .customers
                .entry(cid.clone())
                .or_insert_with(|| CustomerState {
                    first: e.time,
                    last: e.time,
                    ..CustomerState::default()
                });
            let known = c.inflow.latest().is_some()
                || c.outflow.latest().is_some()
                || c.last != e.time
                || c.first != e.time;
            d.late = e.time < c.last;
            f.customer.id = cid.clone();
            f.customer.known = known;
            f.customer.first_event = !known;
            f.customer.dormant_days = if known {
                ((e.time - c.last).max(0)) as f64 / DAY as f64
            } else {
                0.0
            };
            if e.kind == EventType::Kyc {
                if let Some(opened) = e
                    .extra_str("opened")
                    .and_then(kansa_model::time::parse_rfc3339)
                {
                    c.opened = Some(opened);
                }
                if let Some(country) = &e.country {
                    c.country = Some(country.clone());
                }
                if let Some(list) = e.raw.get("allowlist_add").and_then(|v| v.as_array()) {
                    for a in list.iter().filter_map(|v| v.as_str()) {
                        c.allowlist.entry(address_key(a)).or_insert(e.time);
                    }
                }
            }
            f.customer.age_days =
                (e.time - c.opened.unwrap_or(c.first).min(c.first)).max(0) as f64 / DAY as f64;
            f.customer.country = c.country.clone().unwrap_or_default();
            f.customer.hits = hits.len() as i64;
            f.customer.hit_score = hits.iter().map(|h| h.score).fold(0.0, f64::max);
            f.customer.hit_entities = hits.iter().map(|h| h.entity.clone()).collect();
            if let Some(country) = &e.country {
                f.geo.new_country = known && !c.countries.contains(country);
                if !c.countries.contains(country) {
                    c.countries.push(country.clone());
                }
            }
            if e.amount.is_some()
                && matches!(
                    e.kind,
                    EventType::Deposit | EventType::Withdrawal | EventType::Transfer
                )
            {
                let entry = Entry {
                    time: e.time,
                    amount,
                    value: value.unwrap_or_default(),
                    counterparty: addr_key.unwrap_or(0),
                    near_threshold: near,
                };
                if e.kind == EventType::Deposit {
                    c.inflow.add(entry);
                } else {
                    c.outflow.add(entry);
                }
            }
            c.inflow.advance_to(e.time);
            c.outflow.advance_to(e.time);
            f.customer.inflow = (&c.inflow).into();
            f.customer.outflow = (&c.outflow).into();
            if let Some(k) = addr_key {
                f.address.first_use = c.used.insert(k);
                if let Some(added) = c.allowlist.get(&k) {
                    f.address.allowlisted = true;
                    f.address.allowlisted_hours = (e.time - added).max(0) as f64 / HOUR as f64;
                }
            }
            c.last = c.last.max(e.time);
        }
        if let Some(country) = &e.country {
            f.geo.country = country.clone();
            f.geo.sanctioned = self
                .pack
                .settings
                .sanctioned_jurisdictions
                .contains(country);
        }

        // Address: screening, exposure, flows.
        if let (Some(addr), Some(k)) = (&e.address, addr_key) {
            let risk = self.address_risk(k, addr);
            let a = self.addresses.entry(k).or_insert_with(|| AddressState {
                first: e.time,
                flows: Series::default(),
            });
            f.address.id = addr.clone();
            f.address.age_hours = (e.time - a.first).max(0) as f64 / HOUR as f64;
            a.first = a.first.min(e.time);
            if e.amount.is_some() {
                a.flows.add(Entry {
                    time: e.time,
                    amount,
                    value: value.unwrap_or_default(),
                    counterparty: cust_key,
                    near_threshold: near,
                });
            }
            a.flows.advance_to(e.time);
            f.address.flows = (&a.flows).into();
            f.address.customers_h24 = a.flows.totals(1).distinct() as i64;
            f.address.listed = !risk.listed.is_empty();
            f.address.entities = risk.listed.clone();
            f.address.categories = risk.categories.clone();
            f.address.exposure = risk.exposure;
            f.address.exposure_category = risk.exposure_category.clone();
        }
        if let Some(name) = e.extra_str("counterparty_name") {
            let hits = self.screening.name_hits(name);
            f.counterparty.name = name.to_string();
            f.counterparty.hits = hits.len() as i64;
            f.counterparty.score = hits.iter().map(|h| h.score).fold(0.0, f64::max);
            f.counterparty.entities = hits.into_iter().map(|h| h.entity).collect();
        }

        // Wallet (its windows count what left, so exclude this event).
        if let Some(wid) = &e.wallet {
            let w = self.wallets.entry(wid.clone()).or_default();
            w.outflow.advance_to(e.time);
            let (baseline, hours) = w.baseline(e.time);
            f.wallet = features::WalletFeatures {
                id: wid.clone(),
                known: w.kind.is_some(),
                kind: w.kind.map(|k| k.as_str().to_string()).unwrap_or_default(),
                asset: w.asset.clone().unwrap_or_default(),
                balance: w.balance.map(Decimal::to_f64).unwrap_or(0.0),
                hot_share: 0.0,
                baseline_hourly: baseline.to_f64(),
                history_hours: hours,
                tripped: w.trip.is_some(),
                approvals: approvals(e).len() as i64,
                outflow: (&w.outflow).into(),
            };
            if let Some(asset) = self.wallets.get(wid).and_then(|w| w.asset.clone()) {
                f.wallet.hot_share = self.hot_share(&asset).map_or(0.0, |s| s.0);
            }
        }

        f.travel = if matches!(
            e.kind,
            EventType::Deposit | EventType::Withdrawal | EventType::Transfer
        ) && e.address.is_some()
        {
            travel::check(&e.raw, value, e.time, &self.pack.travel, &self.pack.vasps)
        } else {
            travel::TravelCheck {
                status: "not_required".into(),
                ..travel::TravelCheck::default()
            }
        };
        self.run_rules(e, value, &f, &mut d);
        if e.kind == EventType::Withdrawal {
            self.custody(e, amount, addr_key, &mut d);
        }
        if e.kind == EventType::Deposit {
            if let Some(w) = e.wallet.as_ref().and_then(|w| self.wallets.get_mut(w)) {
                if let Some(b) = w.balance {
                    w.balance = Some(b.saturating_add(amount));
                    if let Some(asset) = w.asset.clone() {
                        self.check_hot_share(&asset, &mut d);
                    }
                }
            }
        }
        d.outcome = self.combine(&d);
        self.seen.insert(e.id.clone(), (d.outcome, d.score));
        d
    }

    fn approval(&mut self, e: &Event, d: &mut Decision) {
        let by = e.extra_str("by").unwrap_or_default().to_string();
        match e.extra_str("action").unwrap_or("release_breaker") {
            "release_breaker" => self.release_breaker(e, by, d),
            "publish_rules" => self.publish_rules(e, by, d),
            action => d.failures.push(RuleFailure {
                scenario: "custody".into(),
                rule: "approval".into(),
                line: 0,
                error: format!(
                    "unknown approval action {action:?} (known: release_breaker, publish_rules)"
                ),
            }),
        }
    }

    /// An approved rule pack (`pack`: its TOML text) put in force; the
    /// requester (`requested_by`) and the approver (`by`) must differ.
    fn publish_rules(&mut self, e: &Event, by: String, d: &mut Decision) {
        let requested_by = e.extra_str("requested_by").unwrap_or_default().to_string();
        let sha256 = e.extra_str("pack_sha256").map(str::to_string);
        let what = sha256.as_deref().unwrap_or(&e.id).to_string();
        let mut control = |outcome, detail| {
            d.controls.push(Control {
                control: "rule_pack".into(),
                outcome,
                detail,
            })
        };
        if requested_by.is_empty() || requested_by == by {
            control(
                Outcome::Review,
                format!("rule pack {what} not published: requested by {requested_by:?} and approved by {by:?}, two different people are needed"),
            );
            return;
        }
        let text = e.extra_str("pack").unwrap_or_default();
        match RulePack::parse(text, &format!("rule pack {what}")) {
            Err(err) => control(Outcome::Review, format!("not published: {err}")),
            Ok(pack) => {
                control(
                    Outcome::Approve,
                    format!(
                        "rule pack {:?} ({what}) in force: {} rules, {} wallets; requested by {requested_by}, approved by {by}",
                        pack.name,
                        pack.rules.len(),
                        pack.wallets.len()
                    ),
                );
                let published = Published {
                    event: e.id.clone(),
                    at: format_rfc3339(e.time),
                    sha256,
                    requested_by,
                    approved_by: by,
                };
                self.publish(pack, published);
            }
        }
    }

    fn release_breaker(&mut self, e: &Event, by: String, d: &mut Decision) {
        let wid = e.wallet.clone().unwrap_or_default();
        let Some(w) = self.wallets.get_mut(&wid) else {
            d.controls.push(Control {
                control: "circuit_breaker".into(),
                outcome: Outcome::Review,
                detail: format!("release of unknown wallet {wid} by {by}: nothing to release"),
            });
            return;
        };
        let Some(trip) = w.trip.as_mut() else {
            d.controls.push(Control {
                control: "circuit_breaker".into(),
                outcome: Outcome::Approve,
                detail: format!("wallet {wid} is not tripped; release by {by} has no effect"),
            });
            return;
        };
        if !trip.releases.contains(&by) {
            trip.releases.push(by.clone());
        }
        if trip.releases.len() >= 2 {
            d.controls.push(Control {
                control: "circuit_breaker".into(),
                outcome: Outcome::Approve,
                detail: format!(
                    "wallet {wid} released by {} (tripped: {})",
                    trip.releases.join(" and "),
                    trip.reason
                ),
            });
            w.trip = None;
        } else {
            d.controls.push(Control {
                control: "circuit_breaker".into(),
                outcome: Outcome::Approve,
                detail: format!("release of wallet {wid} by {by} recorded; a second, different person must release it too"),
            });
        }
    }

    fn run_rules(&self, e: &Event, value: Option<Decimal>, f: &Features, d: &mut Decision) {
        if self.pack.rules.is_empty() {
            return;
        }
        let resolver = features::Resolver {
            event: e,
            value,
            late: d.late,
            features: f,
            settings: &self.settings_value,
        };
        let mut ctx = cel::Context::with_env(self.env.clone());
        ctx.set_variable_resolver(&resolver);
        for r in &self.pack.rules {
            if !r.types.is_empty() && !r.types.iter().any(|t| t == e.kind.as_str()) {
                continue;
            }
            match r.program.execute(&ctx) {
                Ok(cel::Value::Bool(true)) => {
                    let values = r
                        .paths
                        .iter()
                        .map(|(p, prog)| {
                            (
                                p.clone(),
                                prog.execute(&ctx)
                                    .map(|v| cel_to_json(&v))
                                    .unwrap_or(serde_json::Value::Null),
                            )
                        })
                        .collect();
                    d.score += r.score;
                    d.fired.push(Fired {
                        scenario: r.scenario.clone(),
                        rule: r.id.clone(),
                        reason: r.reason.clone(),
                        score: r.score,
                        outcome: r.outcome,
                        values,
                    });
                }
                Ok(cel::Value::Bool(false)) => {}
                Ok(other) => d.failures.push(RuleFailure {
                    scenario: r.scenario.clone(),
                    rule: r.id.clone(),
                    line: r.line,
                    error: format!("returned {other:?}, not a boolean"),
                }),
                Err(err) => d.failures.push(RuleFailure {
                    scenario: r.scenario.clone(),
                    rule: r.id.clone(),
                    line: r.line,
                    error: err.to_string(),
                }),
            }
        }
    }

    /// Custody controls on a withdrawal; records it as paid unless held.
    fn custody(&mut self, e: &Event, amount: Decimal, dest: Option<u64>, d: &mut Decision) {
        let Some(wid) = e.wallet.as_deref() else {
            return self.allowlist_check(e, false, dest, d);
        };
        let pack = &self.pack;
        let spec = pack.wallets.iter().find(|w| w.id == wid);
        let asset = e.asset.as_deref().unwrap_or_default();
        let asset_series = self.assets.entry(asset.to_string()).or_default();
        asset_series.advance_to(e.time);
        for l in pack
            .limits
            .iter()
            .filter(|l| l.asset.as_deref() == Some(asset))
        {
            d.controls
                .extend(limit_breach(asset, asset_series, l, amount));
        }
        let w = self.wallets.entry(wid.to_string()).or_default();
        if let Some(trip) = &w.trip {
            d.controls.push(Control::hold(
                "circuit_breaker",
                format!(
                    "wallet {wid} is stopped since {} ({}); two people must release it",
                    format_rfc3339(trip.at),
                    trip.reason
                ),
            ));
        } else if let Some(cause) = w.trips(&pack.breaker, e.time, amount, dest) {
            let reason = format!("{}: {}", cause.trigger, cause.detail);
            d.controls.push(Control::hold(
                "circuit_breaker",
                format!("tripped on wallet {wid}: {reason}"),
            ));
            d.alerts.push(Alert {
                kind: "breaker_tripped".into(),
                subject: wid.to_string(),
                detail: reason.clone(),
            });
            w.trip = Some(Trip {
                at: e.time,
                event: e.id.clone(),
                reason,
                releases: Vec::new(),
            });
        }
        if let Some(spec) = spec {
            for l in &spec.limits {
                d.controls.extend(limit_breach(
                    &format!("wallet {wid}"),
                    &w.outflow,
                    l,
                    amount,
                ));
            }
            if spec.approvals_above.is_some_and(|a| amount > a) {
                let given = approvals(e);
                let valid: Vec<&str> = given
                    .iter()
                    .copied()
                    .filter(|p| spec.approvers.iter().any(|a| a == p))
                    .collect();
                if valid.len() < spec.approvals_required {
                    d.controls.push(Control::hold(
                        "approvals",
                        format!(
                            "{amount} {asset} is above {} and needs {} of {} approvers; has {} ({})",
                            spec.approvals_above.unwrap_or_default(),
                            spec.approvals_required,
                            spec.approvers.join(", "),
                            valid.len(),
                            if valid.is_empty() { "none".to_string() } else { valid.join(", ") }
                        ),
                    ));
                }
            }
        }
        if spec.map_or(pack.settings.allowlist_required, |s| s.allowlist_required) {
            self.allowlist_check(e, true, dest, d);
        }
        let held = d.controls.iter().any(|c| c.outcome >= Outcome::Hold)
            || d.fired
                .iter()
                .any(|f| f.outcome.is_some_and(|o| o >= Outcome::Hold));
        if !held {
            let entry = Entry {
                time: e.time,
                amount,
                value: Decimal::ZERO,
                counterparty: dest.unwrap_or(0),
                near_threshold: false,
            };
            if let Some(w) = self.wallets.get_mut(wid) {
                w.outflow.add(entry);
                w.paid(e.time, amount, dest);
            }
            self.assets.entry(asset.to_string()).or_default().add(entry);
            self.check_hot_share(asset, d);
        }
    }

    /// Holds a withdrawal to an address the customer has not allowlisted,
    /// or allowlisted within the cooling-off period. Without a wallet the
    /// check applies only where the settings require allowlists everywhere.
    fn allowlist_check(
        &self,
        e: &Event,
        wallet_requires: bool,
        dest: Option<u64>,
        d: &mut Decision,
    ) {
        if !wallet_requires && !self.pack.settings.allowlist_required {
            return;
        }
        let cooling = self.pack.settings.cooling_off;
        let Some(c) = e.customer.as_ref().and_then(|c| self.customers.get(c)) else {
            return;
        };
        let detail = match dest.and_then(|k| c.allowlist.get(&k)) {
            None => "destination is not on the customer's allowlist".to_string(),
            Some(added) if e.time - added < cooling => format!(
                "destination was allowlisted {} min ago; cooling-off is {} h",
                (e.time - added) / 60_000,
                cooling / HOUR
            ),
            Some(_) => return,
        };
        d.controls.push(Control::hold("allowlist", detail));
    }

    fn combine(&self, d: &Decision) -> Outcome {
        let s = &self.pack.settings;
        let mut o = if d.score >= s.block_score {
            Outcome::Block
        } else if d.score >= s.hold_score {
            Outcome::Hold
        } else if d.score >= s.review_score {
            Outcome::Review
        } else {
            Outcome::Approve
        };
        for f in &d.fired {
            if let Some(forced) = f.outcome {
                o = o.max(forced);
            }
        }
        for c in &d.controls {
            o = o.max(c.outcome);
        }
        if !d.failures.is_empty() {
            o = o.max(Outcome::Review);
        }
        o
    }
}

/// The approvers an event names (`approvals: ["alice", "bob"]`), distinct.
fn approvals(e: &Event) -> Vec<&str> {
    let mut out: Vec<&str> = e
        .raw
        .get("approvals")
        .and_then(|v| v.as_array())
        .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
        .unwrap_or_default();
    out.sort_unstable();
    out.dedup();
    out
}

/// Events are checked on parsing, so a balance event lacks nothing; if one
/// was built by hand without its fields, fail closed.
fn unreachable_checked(d: &mut Decision) {
    d.failures.push(RuleFailure {
        scenario: "input".into(),
        rule: "balance".into(),
        line: 0,
        error: "balance event without wallet, asset or amount".into(),
    });
    d.outcome = Outcome::Review;
}

/// Counts of a replay.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Summary {
    pub events: u64,
    pub by_outcome: BTreeMap<String, u64>,
    pub by_rule: BTreeMap<String, u64>,
    pub by_control: BTreeMap<String, u64>,
    pub alerts: u64,
    pub failures: u64,
    pub duplicates: u64,
    /// Value (in each asset's units) of withdrawals per outcome.
    pub withdrawn: BTreeMap<String, BTreeMap<String, Decimal>>,
}

impl Summary {
    pub fn add(&mut self, e: &Event, d: &Decision) {
        self.events += 1;
        *self.by_outcome.entry(d.outcome.to_string()).or_default() += 1;
        for f in &d.fired {
            *self
                .by_rule
                .entry(format!("{}/{}", f.scenario, f.rule))
                .or_default() += 1;
        }
        for c in &d.controls {
            *self.by_control.entry(c.control.clone()).or_default() += 1;
        }
        self.alerts += d.alerts.len() as u64;
        self.failures += d.failures.len() as u64;
        self.duplicates += u64::from(d.duplicate);
        if e.kind == EventType::Withdrawal && !d.duplicate {
            if let (Some(asset), Some(amount)) = (&e.asset, e.amount) {
                let slot = self
                    .withdrawn
                    .entry(asset.clone())
                    .or_default()
                    .entry(d.outcome.to_string())
                    .or_default();
                *slot = slot.saturating_add(amount);
            }
        }
    }
}
