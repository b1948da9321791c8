//! Events: one JSON object each (JSON lines in files).
//!
//! Every event has `id` (decisions are idempotent by it), `type`, `time`
//! (RFC 3339) and, except for wallet-level events, `customer`. Money events
//! carry `asset` and `amount`, a string holding an exact decimal in the
//! asset's units (`"4502.9"`); `value` is the same amount in the reference
//! currency where the sender knows it. `wallet` is the exchange's own wallet
//! involved, `address` the counterparty or destination address. Every other
//! field is kept as it came and can be read by rules as `event.<field>`.
//!
//! | type | required beyond id, type, time |
//! |---|---|
//! | `deposit`, `transfer` | customer, asset, amount |
//! | `withdrawal` | asset, amount; customer unless a wallet sends on its own (an unattributed outflow) |
//! | `trade`, `login`, `kyc` | customer |
//! | `balance` | wallet, asset, amount (the wallet's balance) |
//! | `approval` | by, and wallet (with `action: "release_breaker"`, the default) or pack and requested_by (with `action: "publish_rules"`: the pack's TOML text, put in force) |

use crate::decimal::Decimal;
use kansa_model::time::{parse_rfc3339, Millis};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::fmt;
use std::io::BufRead;

/// What happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventType {
    Deposit,
    Withdrawal,
    Transfer,
    Trade,
    Login,
    Kyc,
    Balance,
    Approval,
}

impl EventType {
    pub const ALL: [EventType; 8] = [
        EventType::Deposit,
        EventType::Withdrawal,
        EventType::Transfer,
        EventType::Trade,
        EventType::Login,
        EventType::Kyc,
        EventType::Balance,
        EventType::Approval,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Deposit => "deposit",
            EventType::Withdrawal => "withdrawal",
            EventType::Transfer => "transfer",
            EventType::Trade => "trade",
            EventType::Login => "login",
            EventType::Kyc => "kyc",
            EventType::Balance => "balance",
            EventType::Approval => "approval",
        }
    }

    fn parse(s: &str) -> Option<EventType> {
        EventType::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// Money leaving the customer (or the exchange's wallet).
    pub fn is_outflow(self) -> bool {
        matches!(self, EventType::Withdrawal | EventType::Transfer)
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One event, checked.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    pub id: String,
    pub kind: EventType,
    pub time: Millis,
    pub customer: Option<String>,
    /// Upper-case ticker (`BTC`, `XEM`, `JPY`).
    pub asset: Option<String>,
    pub amount: Option<Decimal>,
    /// The amount in the reference currency, where the event says.
    pub value: Option<Decimal>,
    pub wallet: Option<String>,
    pub address: Option<String>,
    pub ip: Option<String>,
    /// ISO 3166 alpha-2, upper-case.
    pub country: Option<String>,
    /// The object as received (all fields, extras included).
    pub raw: Map<String, Value>,
}

/// Why an event was refused: the field and what is wrong with it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", field.as_deref().map(|f| format!("field {f}: ")).unwrap_or_default())]
pub struct EventError {
    pub field: Option<String>,
    pub message: String,
}

fn err(field: &str, message: impl Into<String>) -> EventError {
    EventError {
        field: Some(field.to_string()),
        message: message.into(),
    }
}

fn text(obj: &Map<String, Value>, field: &str) -> Result<Option<String>, EventError> {
    match obj.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.trim().to_string())),
        Some(Value::Number(n)) if field == "id" || field == "customer" => Ok(Some(n.to_string())),
        Some(other) => Err(err(
            field,
            format!("expected a string, found {}", kind_of(other)),
        )),
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn decimal(obj: &Map<String, Value>, field: &str) -> Result<Option<Decimal>, EventError> {
    let d = match obj.get(field) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(s)) => Decimal::parse(s).map_err(|e| err(field, e.to_string()))?,
        Some(Value::Number(n)) if n.is_u64() || n.is_i64() => {
            Decimal::parse(&n.to_string()).map_err(|e| err(field, e.to_string()))?
        }
        Some(Value::Number(n)) => {
            return Err(err(
                field,
                format!(
                "{n} is a floating-point number; write the exact amount as a string, e.g. \"{n}\""
            ),
            ))
        }
        Some(other) => {
            return Err(err(
                field,
                format!("expected a decimal string, found {}", kind_of(other)),
            ))
        }
    };
    if d.is_negative() {
        return Err(err(field, format!("{d} is negative")));
    }
    Ok(Some(d))
}

fn require<T>(v: Option<T>, field: &str, kind: EventType) -> Result<T, EventError> {
    v.ok_or_else(|| err(field, format!("missing (required for {kind} events)")))
}

impl Event {
    /// Checks one JSON value as an event.
    pub fn from_json(v: Value) -> Result<Event, EventError> {
        let Value::Object(obj) = v else {
            return Err(EventError {
                field: None,
                message: format!("expected a JSON object, found {}", kind_of(&v)),
            });
        };
        let id = text(&obj, "id")?.ok_or_else(|| err("id", "missing"))?;
        let type_name = text(&obj, "type")?.ok_or_else(|| err("type", "missing"))?;
        let kind = EventType::parse(&type_name.to_ascii_lowercase()).ok_or_else(|| {
            let known: Vec<&str> = EventType::ALL.iter().map(|t| t.as_str()).collect();
            err(
                "type",
                format!(
                    "unknown event type {type_name:?} (known: {})",
                    known.join(", ")
                ),
            )
        })?;
        let time_text = text(&obj, "time")?.ok_or_else(|| err("time", "missing"))?;
        let time = parse_rfc3339(&time_text).ok_or_else(|| {
            err(
                "time",
                format!(
                    "{time_text:?} is not an RFC 3339 date-time like 2024-05-31T13:26:00+09:00"
                ),
            )
        })?;
        let customer = text(&obj, "customer")?;
        let asset = text(&obj, "asset")?.map(|a| a.to_ascii_uppercase());
        let amount = decimal(&obj, "amount")?;
        let value = decimal(&obj, "value")?;
        let wallet = text(&obj, "wallet")?;
        let address = text(&obj, "address")?;
        let ip = text(&obj, "ip")?;
        let country = match text(&obj, "country")? {
            None => None,
            Some(c) => Some(
                kansa_model::country_code(&c)
                    .map(str::to_string)
                    .or_else(|| {
                        (c.len() == 2 && c.bytes().all(|b| b.is_ascii_alphabetic()))
                            .then(|| c.to_ascii_uppercase())
                    })
                    .ok_or_else(|| {
                        err(
                            "country",
                            format!("{c:?} is not a country (ISO 3166 alpha-2 such as JP)"),
                        )
                    })?,
            ),
        };
        if let Some(ip) = &ip {
            if ip.parse::<std::net::IpAddr>().is_err() {
                return Err(err("ip", format!("{ip:?} is not an IP address")));
            }
        }
        match kind {
            EventType::Deposit | EventType::Transfer => {
                require(customer.as_ref(), "customer", kind)?;
                require(asset.as_ref(), "asset", kind)?;
                require(amount, "amount", kind)?;
            }
            EventType::Withdrawal => {
                if customer.is_none() && wallet.is_none() {
                    return Err(err(
                        "customer",
                        "missing (a withdrawal names the customer, or the wallet it leaves)",
                    ));
                }
                require(asset.as_ref(), "asset", kind)?;
                require(amount, "amount", kind)?;
            }
            EventType::Trade | EventType::Login | EventType::Kyc => {
                require(customer.as_ref(), "customer", kind)?;
            }
            EventType::Balance => {
                require(wallet.as_ref(), "wallet", kind)?;
                require(asset.as_ref(), "asset", kind)?;
                require(amount, "amount", kind)?;
            }
            EventType::Approval => {
                require(text(&obj, "by")?, "by", kind)?;
                if text(&obj, "action")?.as_deref() == Some("publish_rules") {
                    require(text(&obj, "pack")?, "pack", kind)?;
                    require(text(&obj, "requested_by")?, "requested_by", kind)?;
                } else {
                    require(wallet.as_ref(), "wallet", kind)?;
                }
            }
        }
        Ok(Event {
            id,
            kind,
            time,
            customer,
            asset,
            amount,
            value,
            wallet,
            address,
            ip,
            country,
            raw: obj,
        })
    }

    /// Parses one line of JSON.
    pub fn parse(line: &str) -> Result<Event, EventError> {
        let v: Value = serde_json::from_str(line).map_err(|e| EventError {
            field: None,
            message: format!("not JSON: {e}"),
        })?;
        Event::from_json(v)
    }

    /// A string field beyond the standard ones (`by`, `action`, …).
    pub fn extra_str(&self, field: &str) -> Option<&str> {
        self.raw.get(field).and_then(Value::as_str)
    }
}

/// An event file's line that could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{file}: line {line}: {error}")]
pub struct LineError {
    pub file: String,
    pub line: usize,
    pub error: EventError,
}

/// Reads JSON lines (blank lines and lines starting with `//` skipped),
/// stopping at the first bad line with its number. Nothing is returned
/// unless every line is good.
pub fn read_jsonl(reader: impl BufRead, file: &str) -> Result<Vec<Event>, LineError> {
    let mut out = Vec::new();
    for (i, line) in reader.lines().enumerate() {
        let at = |error| LineError {
            file: file.to_string(),
            line: i + 1,
            error,
        };
        let line = line.map_err(|e| {
            at(EventError {
                field: None,
                message: format!("cannot read: {e}"),
            })
        })?;
        let t = line.trim();
        if t.is_empty() || t.starts_with("//") {
            continue;
        }
        out.push(Event::parse(t).map_err(at)?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_withdrawal_with_extras() {
        let e = Event::parse(
            r#"{"id":"w1","type":"withdrawal","time":"2024-05-31T13:26:00+09:00","customer":"c1","asset":"btc","amount":"4502.9","address":"bc1qxyz","country":"Japan","channel":"api"}"#,
        )
        .expect("event");
        assert_eq!(e.kind, EventType::Withdrawal);
        assert_eq!(e.asset.as_deref(), Some("BTC"));
        assert_eq!(e.amount.map(|a| a.to_string()), Some("4502.9".into()));
        assert_eq!(e.country.as_deref(), Some("JP"));
        assert_eq!(e.extra_str("channel"), Some("api"));
        assert_eq!(e.time, 1_717_129_560_000);
    }

    #[test]
    fn names_the_field_that_is_wrong() {
        let cases = [
            (
                r#"{"type":"login","time":"2024-01-01T00:00:00Z","customer":"c"}"#,
                "field id: missing",
            ),
            (
                r#"{"id":"1","type":"teleport","time":"2024-01-01T00:00:00Z","customer":"c"}"#,
                "field type: unknown event type",
            ),
            (
                r#"{"id":"1","type":"login","time":"yesterday","customer":"c"}"#,
                "field time:",
            ),
            (
                r#"{"id":"1","type":"deposit","time":"2024-01-01T00:00:00Z","customer":"c","asset":"BTC","amount":"1e3"}"#,
                "field amount:",
            ),
            (
                r#"{"id":"1","type":"deposit","time":"2024-01-01T00:00:00Z","customer":"c","asset":"BTC","amount":1.5}"#,
                "floating-point",
            ),
            (
                r#"{"id":"1","type":"deposit","time":"2024-01-01T00:00:00Z","customer":"c","asset":"BTC","amount":"-3"}"#,
                "negative",
            ),
            (
                r#"{"id":"1","type":"deposit","time":"2024-01-01T00:00:00Z","customer":"c","asset":"BTC","amount":"999999999999999999999999"}"#,
                "too large",
            ),
            (
                r#"{"id":"1","type":"deposit","time":"2024-01-01T00:00:00Z","customer":"c","asset":"BTC"}"#,
                "field amount: missing",
            ),
            (
                r#"{"id":"1","type":"withdrawal","time":"2024-01-01T00:00:00Z","asset":"BTC","amount":"1"}"#,
                "field customer",
            ),
            (
                r#"{"id":"1","type":"login","time":"2024-01-01T00:00:00Z","customer":"c","ip":"300.1.1.1"}"#,
                "field ip",
            ),
            (
                r#"{"id":"1","type":"login","time":"2024-01-01T00:00:00Z","customer":"c","country":"Atlantis"}"#,
                "field country",
            ),
            (
                r#"{"id":"1","type":"balance","time":"2024-01-01T00:00:00Z","asset":"BTC","amount":"1"}"#,
                "field wallet",
            ),
            (r#"[1,2]"#, "expected a JSON object"),
            (r#"{"id":"1","#, "not JSON"),
        ];
        for (line, want) in cases {
            let e = Event::parse(line).expect_err(line).to_string();
            assert!(e.contains(want), "{line}: {e}");
        }
    }

    #[test]
    fn a_bad_line_is_named_and_nothing_is_returned() {
        let text = "{\"id\":\"1\",\"type\":\"login\",\"time\":\"2024-01-01T00:00:00Z\",\"customer\":\"c\"}\n\n// note\n{\"id\":\"2\"}\n";
        let e = read_jsonl(text.as_bytes(), "events.jsonl").expect_err("bad line");
        assert_eq!(e.line, 4);
        assert!(
            e.to_string()
                .starts_with("events.jsonl: line 4: field type: missing"),
            "{e}"
        );
    }
}
