//! Rule packs: scenarios of CEL rules, settings, prices, wallets and
//! limits, in one TOML file (see `rules/default.toml`).
//!
//! A pack is checked whole when it is loaded: TOML syntax, known keys,
//! every rule's CEL (parsed, and its variables and fields looked up in the
//! feature schema), every amount and duration. Anything wrong refuses the
//! pack with the file's line. At run time a rule that errs (a missing
//! field, a division by zero, a result that is not a boolean) fails closed:
//! the decision is at least `review` and says which rule failed and why.

use crate::custody::{BreakerSettings, LimitSpec, WalletKind, WalletSpec};
use crate::decimal::Decimal;
use crate::features::{schema_check, ROOTS};
use crate::travel::{TravelPolicy, Vasp};
use crate::Outcome;
use cel::common::ast::{EntryExpr, Expr};
use cel::{IdedExpr, Program};
use kansa_model::time::Millis;
use serde::Deserialize;
use std::collections::BTreeMap;

/// A compiled rule.
#[derive(Debug)]
pub struct Rule {
    pub scenario: String,
    pub id: String,
    pub when: String,
    pub line: usize,
    pub score: i64,
    pub outcome: Option<Outcome>,
    pub reason: String,
    /// Event types the rule applies to (empty: all).
    pub types: Vec<String>,
    pub(crate) program: Program,
    /// The feature paths the expression reads, compiled on their own to
    /// report their values when the rule fires.
    pub(crate) paths: Vec<(String, Program)>,
}

/// Thresholds and parameters rules and controls read.
#[derive(Clone, Debug)]
pub struct Settings {
    pub review_score: i64,
    pub hold_score: i64,
    pub block_score: i64,
    pub reference_currency: String,
    pub sanctioned_jurisdictions: Vec<String>,
    pub structuring_threshold: Decimal,
    pub structuring_band: Decimal,
    pub hot_wallet_limit: Decimal,
    pub hot_wallet_warning: Decimal,
    pub allowlist_required: bool,
    pub cooling_off: Millis,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            review_score: 40,
            hold_score: 70,
            block_score: 100,
            reference_currency: "JPY".into(),
            sanctioned_jurisdictions: ["CU", "IR", "KP", "SY"].map(String::from).to_vec(),
            structuring_threshold: Decimal::from_int(2_000_000),
            structuring_band: Decimal::from_raw(900_000_000_000_000_000),
            hot_wallet_limit: Decimal::from_raw(50_000_000_000_000_000),
            hot_wallet_warning: Decimal::from_raw(45_000_000_000_000_000),
            allowlist_required: false,
            cooling_off: 24 * 3_600_000,
        }
    }
}

/// A loaded, checked pack.
#[derive(Debug, Default)]
pub struct RulePack {
    pub name: String,
    pub settings: Settings,
    /// Price of one unit of an asset in the reference currency.
    pub prices: BTreeMap<String, Decimal>,
    pub rules: Vec<Rule>,
    pub wallets: Vec<WalletSpec>,
    pub limits: Vec<LimitSpec>,
    pub breaker: BreakerSettings,
    pub travel: TravelPolicy,
    pub vasps: Vec<Vasp>,
}

/// Why a pack was refused.
#[derive(Debug, thiserror::Error)]
#[error("{file}: line {line}: {message}")]
pub struct PackError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PackFile {
    name: Option<String>,
    settings: Option<SettingsFile>,
    #[serde(default)]
    prices: BTreeMap<String, String>,
    #[serde(default)]
    scenario: Vec<ScenarioFile>,
    #[serde(default)]
    wallet: Vec<toml::Spanned<WalletFile>>,
    #[serde(default)]
    limit: Vec<toml::Spanned<LimitFile>>,
    breaker: Option<toml::Spanned<BreakerFile>>,
    travel_rule: Option<toml::Spanned<TravelFile>>,
    #[serde(default)]
    vasp: Vec<toml::Spanned<VaspFile>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TravelFile {
    jurisdiction: Option<String>,
    threshold: Option<String>,
    originator_account: Option<bool>,
    originator_identifying_detail: Option<bool>,
    beneficiary_account: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VaspFile {
    id: String,
    name: String,
    country: String,
    #[serde(default = "yes")]
    receives: bool,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SettingsFile {
    review_score: Option<i64>,
    hold_score: Option<i64>,
    block_score: Option<i64>,
    reference_currency: Option<String>,
    sanctioned_jurisdictions: Option<Vec<String>>,
    structuring_threshold: Option<String>,
    structuring_band: Option<String>,
    hot_wallet_limit: Option<String>,
    hot_wallet_warning: Option<String>,
    allowlist_required: Option<bool>,
    cooling_off: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScenarioFile {
    id: String,
    #[allow(dead_code)]
    description: Option<String>,
    #[serde(default)]
    rule: Vec<toml::Spanned<RuleFile>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    id: String,
    when: toml::Spanned<String>,
    score: Option<i64>,
    outcome: Option<String>,
    reason: Option<String>,
    #[serde(default)]
    types: Vec<String>,
    /// More feature paths to report when the rule fires.
    #[serde(default)]
    show: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WalletFile {
    id: String,
    kind: String,
    asset: String,
    owner: Option<String>,
    approvals_above: Option<String>,
    #[serde(default)]
    approvers: Vec<String>,
    approvals_required: Option<usize>,
    allowlist_required: Option<bool>,
    #[serde(default)]
    limits: Vec<LimitFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LimitFile {
    asset: Option<String>,
    window: String,
    max: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BreakerFile {
    rate_factor: Option<String>,
    min_history: Option<String>,
    balance_share: Option<String>,
    test_ratio: Option<String>,
    fresh: Option<String>,
    many: Option<u64>,
    many_within: Option<String>,
}

/// `30s`, `15m`, `24h`, `7d` as milliseconds.
pub fn parse_duration(s: &str) -> Option<Millis> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit())?;
    let n: i64 = t[..split].parse().ok()?;
    let unit = match &t[split..] {
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => return None,
    };
    n.checked_mul(unit)
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())]
        .bytes()
        .filter(|b| *b == b'\n')
        .count()
        + 1
}

/// Collects the maximal `root.a.b` chains rooted at a feature variable.
fn collect_paths(e: &IdedExpr, out: &mut Vec<String>) {
    fn chain(e: &Expr) -> Option<String> {
        match e {
            Expr::Ident(name) if ROOTS.contains(&name.as_str()) => Some(name.clone()),
            Expr::Select(s) if !s.test => {
                chain(&s.operand.expr).map(|p| format!("{p}.{}", s.field))
            }
            _ => None,
        }
    }
    if let Some(p) = chain(&e.expr) {
        if !out.contains(&p) {
            out.push(p);
        }
        return;
    }
    match &e.expr {
        Expr::Select(s) => collect_paths(&s.operand, out),
        Expr::Call(c) => {
            if let Some(t) = &c.target {
                collect_paths(t, out);
            }
            for a in &c.args {
                collect_paths(a, out);
            }
        }
        Expr::List(l) => l.elements.iter().for_each(|x| collect_paths(x, out)),
        Expr::Map(m) => {
            for entry in &m.entries {
                if let EntryExpr::MapEntry(me) = &entry.expr {
                    collect_paths(&me.key, out);
                    collect_paths(&me.value, out);
                }
            }
        }
        Expr::Comprehension(c) => {
            collect_paths(&c.iter_range, out);
            collect_paths(&c.loop_step, out);
            collect_paths(&c.result, out);
        }
        _ => {}
    }
}

/// The identifiers an expression reads that no comprehension binds.
fn free_idents(e: &IdedExpr, bound: &mut Vec<String>, out: &mut Vec<String>) {
    match &e.expr {
        Expr::Ident(name) if !bound.contains(name) && !out.contains(name) => out.push(name.clone()),
        Expr::Select(s) => free_idents(&s.operand, bound, out),
        Expr::Call(c) => {
            if let Some(t) = &c.target {
                free_idents(t, bound, out);
            }
            for a in &c.args {
                free_idents(a, bound, out);
            }
        }
        Expr::List(l) => l.elements.iter().for_each(|x| free_idents(x, bound, out)),
        Expr::Map(m) => {
            for entry in &m.entries {
                if let EntryExpr::MapEntry(me) = &entry.expr {
                    free_idents(&me.key, bound, out);
                    free_idents(&me.value, bound, out);
                }
            }
        }
        Expr::Comprehension(c) => {
            free_idents(&c.iter_range, bound, out);
            free_idents(&c.accu_init, bound, out);
            let n = bound.len();
            bound.push(c.iter_var.clone());
            bound.extend(c.iter_var2.clone());
            bound.push(c.accu_var.clone());
            free_idents(&c.loop_cond, bound, out);
            free_idents(&c.loop_step, bound, out);
            free_idents(&c.result, bound, out);
            bound.truncate(n);
        }
        _ => {}
    }
}

impl RulePack {
    /// The pack shipped with Kansa (`rules/default.toml`).
    pub fn default_pack() -> Result<RulePack, PackError> {
        RulePack::parse(include_str!("../rules/default.toml"), "default.toml")
    }

    /// Parses and checks a pack; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<RulePack, PackError> {
        let at = |line: usize, message: String| PackError {
            file: file.to_string(),
            line,
            message,
        };
        let raw: PackFile = toml::from_str(text).map_err(|e| {
            let line = e.span().map_or(1, |s| line_of(text, s.start));
            at(line, e.message().to_string())
        })?;
        let dec = |line: usize, field: &str, s: &str| {
            Decimal::parse(s).map_err(|e| at(line, format!("{field}: {e}")))
        };
        let dur = |line: usize, field: &str, s: &str| {
            parse_duration(s).ok_or_else(|| {
                at(
                    line,
                    format!("{field}: {s:?} is not a duration like 30m, 24h or 7d"),
                )
            })
        };
        let find_line = |needle: &str| text.find(needle).map_or(1, |o| line_of(text, o));
        let mut settings = Settings::default();
        if let Some(s) = raw.settings {
            let l = find_line("[settings]");
            settings.review_score = s.review_score.unwrap_or(settings.review_score);
            settings.hold_score = s.hold_score.unwrap_or(settings.hold_score);
            settings.block_score = s.block_score.unwrap_or(settings.block_score);
            if !(settings.review_score <= settings.hold_score
                && settings.hold_score <= settings.block_score)
            {
                return Err(at(
                    l,
                    "settings: review_score ≤ hold_score ≤ block_score is required".into(),
                ));
            }
            if let Some(c) = s.reference_currency {
                settings.reference_currency = c.to_ascii_uppercase();
            }
            if let Some(list) = s.sanctioned_jurisdictions {
                settings.sanctioned_jurisdictions = list
                    .iter()
                    .map(|c| {
                        kansa_model::country_code(c)
                            .map(str::to_string)
                            .ok_or_else(|| {
                                at(
                                    l,
                                    format!("sanctioned_jurisdictions: {c:?} is not a country"),
                                )
                            })
                    })
                    .collect::<Result<_, _>>()?;
            }
            if let Some(v) = s.structuring_threshold {
                settings.structuring_threshold = dec(l, "structuring_threshold", &v)?;
            }
            if let Some(v) = s.structuring_band {
                settings.structuring_band = dec(l, "structuring_band", &v)?;
            }
            if let Some(v) = s.hot_wallet_limit {
                settings.hot_wallet_limit = dec(l, "hot_wallet_limit", &v)?;
            }
            if let Some(v) = s.hot_wallet_warning {
                settings.hot_wallet_warning = dec(l, "hot_wallet_warning", &v)?;
            }
            if settings.hot_wallet_warning > settings.hot_wallet_limit {
                return Err(at(
                    l,
                    "settings: hot_wallet_warning must not exceed hot_wallet_limit".into(),
                ));
            }
            settings.allowlist_required = s.allowlist_required.unwrap_or(false);
            if let Some(v) = s.cooling_off {
                settings.cooling_off = dur(l, "cooling_off", &v)?;
            }
        }
        let mut prices = BTreeMap::new();
        for (asset, p) in &raw.prices {
            prices.insert(
                asset.to_ascii_uppercase(),
                dec(find_line("[prices]"), &format!("prices.{asset}"), p)?,
            );
        }
        let limit_of =
            |line: usize, l: &LimitFile, wallet: Option<&str>| -> Result<LimitSpec, PackError> {
                let window = match l.window.as_str() {
                    "1h" => 0,
                    "24h" => 1,
                    "30d" => 2,
                    w => return Err(at(line, format!("limit window {w:?}: one of 1h, 24h, 30d"))),
                };
                if wallet.is_none() && l.asset.is_none() {
                    return Err(at(line, "a [[limit]] names its asset".into()));
                }
                Ok(LimitSpec {
                    wallet: wallet.map(str::to_string),
                    asset: l.asset.as_ref().map(|a| a.to_ascii_uppercase()),
                    window,
                    max: dec(line, "max", &l.max)?,
                })
            };
        let mut wallets = Vec::new();
        for w in &raw.wallet {
            let line = line_of(text, w.span().start);
            let w = w.get_ref();
            let kind = match w.kind.as_str() {
                "hot" => WalletKind::Hot,
                "cold" => WalletKind::Cold,
                k => {
                    return Err(at(
                        line,
                        format!("wallet {}: kind {k:?} is neither hot nor cold", w.id),
                    ))
                }
            };
            let required =
                w.approvals_required
                    .unwrap_or(if w.approvers.is_empty() { 0 } else { 2 });
            if required > w.approvers.len() {
                return Err(at(
                    line,
                    format!(
                        "wallet {}: {required} approvals required of {} approvers",
                        w.id,
                        w.approvers.len()
                    ),
                ));
            }
            wallets.push(WalletSpec {
                id: w.id.clone(),
                kind,
                asset: w.asset.to_ascii_uppercase(),
                owner: w.owner.clone().unwrap_or_default(),
                approvals_above: w
                    .approvals_above
                    .as_deref()
                    .map(|a| dec(line, "approvals_above", a))
                    .transpose()?,
                approvers: w.approvers.clone(),
                approvals_required: required,
                allowlist_required: w.allowlist_required.unwrap_or(settings.allowlist_required),
                limits: w
                    .limits
                    .iter()
                    .map(|l| limit_of(line, l, Some(&w.id)))
                    .collect::<Result<_, _>>()?,
            });
        }
        let mut limits = Vec::new();
        for l in &raw.limit {
            limits.push(limit_of(line_of(text, l.span().start), l.get_ref(), None)?);
        }
        let mut breaker = BreakerSettings::default();
        if let Some(b) = &raw.breaker {
            let line = line_of(text, b.span().start);
            let b = b.get_ref();
            if let Some(v) = &b.rate_factor {
                breaker.rate_factor = dec(line, "rate_factor", v)?;
            }
            if let Some(v) = &b.min_history {
                breaker.min_history = dur(line, "min_history", v)?;
            }
            if let Some(v) = &b.balance_share {
                breaker.balance_share = dec(line, "balance_share", v)?;
            }
            if let Some(v) = &b.test_ratio {
                breaker.test_ratio = dec(line, "test_ratio", v)?;
            }
            if let Some(v) = &b.fresh {
                breaker.fresh = dur(line, "fresh", v)?;
            }
            if let Some(v) = b.many {
                breaker.many = v;
            }
            if let Some(v) = &b.many_within {
                breaker.many_within = dur(line, "many_within", v)?;
            }
        }
        let mut travel = TravelPolicy::default();
        if let Some(t) = &raw.travel_rule {
            let line = line_of(text, t.span().start);
            let t = t.get_ref();
            if let Some(j) = &t.jurisdiction {
                travel.jurisdiction = kansa_model::country_code(j)
                    .map(str::to_string)
                    .ok_or_else(|| {
                        at(
                            line,
                            format!("travel_rule.jurisdiction {j:?} is not a country"),
                        )
                    })?;
            }
            if let Some(v) = &t.threshold {
                travel.threshold = dec(line, "travel_rule.threshold", v)?;
            }
            travel.originator_account = t.originator_account.unwrap_or(travel.originator_account);
            travel.originator_identifying_detail = t
                .originator_identifying_detail
                .unwrap_or(travel.originator_identifying_detail);
            travel.beneficiary_account =
                t.beneficiary_account.unwrap_or(travel.beneficiary_account);
        }
        let mut vasps = Vec::new();
        for v in &raw.vasp {
            let line = line_of(text, v.span().start);
            let v = v.get_ref();
            let country = kansa_model::country_code(&v.country)
                .map(str::to_string)
                .ok_or_else(|| {
                    at(
                        line,
                        format!("vasp {}: country {:?} is not a country", v.id, v.country),
                    )
                })?;
            vasps.push(Vasp {
                id: v.id.clone(),
                name: v.name.clone(),
                country,
                receives: v.receives,
            });
        }
        let mut rules = Vec::new();
        for sc in &raw.scenario {
            for r in &sc.rule {
                let line = line_of(text, r.get_ref().when.span().start);
                let r = r.get_ref();
                let where_ = format!("scenario {}, rule {}", sc.id, r.id);
                if rules
                    .iter()
                    .any(|x: &Rule| x.scenario == sc.id && x.id == r.id)
                {
                    return Err(at(line, format!("{where_}: defined twice")));
                }
                let outcome = match r.outcome.as_deref() {
                    None => None,
                    Some(o) => Some(Outcome::parse(o).ok_or_else(|| {
                        at(line, format!("{where_}: outcome {o:?} is not one of approve, review, hold, block"))
                    })?),
                };
                if outcome.is_none() && r.score.is_none() {
                    return Err(at(line, format!("{where_}: give it a score or an outcome")));
                }
                for t in &r.types {
                    if !crate::EventType::ALL.iter().any(|k| k.as_str() == t) {
                        return Err(at(line, format!("{where_}: unknown event type {t:?}")));
                    }
                }
                let src = r.when.get_ref();
                let program = Program::compile(src).map_err(|e| {
                    let msg = e
                        .errors
                        .first()
                        .map_or_else(|| e.to_string(), |x| x.msg.clone());
                    at(line, format!("{where_}: CEL does not compile: {msg}"))
                })?;
                let mut free = Vec::new();
                free_idents(program.expression(), &mut Vec::new(), &mut free);
                for v in &free {
                    if !ROOTS.contains(&v.as_str()) {
                        return Err(at(
                            line,
                            format!(
                                "{where_}: unknown variable {v:?} (known: {})",
                                ROOTS.join(", ")
                            ),
                        ));
                    }
                }
                let mut paths = Vec::new();
                collect_paths(program.expression(), &mut paths);
                for p in &r.show {
                    if !ROOTS.contains(&p.split('.').next().unwrap_or_default()) {
                        return Err(at(line, format!("{where_}: show {p:?}: unknown variable")));
                    }
                    if !paths.contains(p) {
                        paths.push(p.clone());
                    }
                }
                for p in &paths {
                    schema_check(p).map_err(|m| at(line, format!("{where_}: {m}")))?;
                }
                let paths = paths
                    .into_iter()
                    .map(|p| match Program::compile(&p) {
                        Ok(prog) => Ok((p, prog)),
                        Err(_) => Err(at(
                            line,
                            format!("{where_}: show {p:?} is not a feature path"),
                        )),
                    })
                    .collect::<Result<_, _>>()?;
                rules.push(Rule {
                    scenario: sc.id.clone(),
                    id: r.id.clone(),
                    when: src.clone(),
                    line,
                    score: r.score.unwrap_or(0),
                    outcome,
                    reason: r.reason.clone().unwrap_or_default(),
                    types: r.types.clone(),
                    program,
                    paths,
                });
            }
        }
        Ok(RulePack {
            name: raw.name.unwrap_or_else(|| file.to_string()),
            settings,
            prices,
            rules,
            wallets,
            limits,
            breaker,
            travel,
            vasps,
        })
    }
}
