//! Custody controls: the wallet register, the hot-wallet limit, withdrawal
//! policy (approvals, allowlists with a cooling-off period, limits over
//! windows) and the circuit breaker that stops a drain.
//!
//! The breaker watches every withdrawal of a wallet and trips on:
//! - **rate**: the last hour's outflow, this withdrawal included, above
//!   `rate_factor` times the wallet's average hourly outflow over its
//!   history (up to 30 days, at least `min_history`);
//! - **balance share**: one withdrawal above `balance_share` of the
//!   wallet's last known balance;
//! - **test then large**: a withdrawal to an address first paid within
//!   `fresh`, whose earlier payments total at most `test_ratio` of this one
//!   (a small test transfer, then the real one);
//! - **many to a new address**: the `many`-th withdrawal to an address
//!   first paid within `many_within` (an hour by default).
//!
//! Once tripped, the withdrawal that tripped it and every later withdrawal
//! of the wallet are held until two different people release it.

use crate::decimal::Decimal;
use crate::window::Series;
use kansa_model::time::Millis;
use rustc_hash::FxHashMap;
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WalletKind {
    Hot,
    Cold,
}

impl WalletKind {
    pub fn as_str(self) -> &'static str {
        match self {
            WalletKind::Hot => "hot",
            WalletKind::Cold => "cold",
        }
    }

    pub fn parse(s: &str) -> Option<WalletKind> {
        match s {
            "hot" => Some(WalletKind::Hot),
            "cold" => Some(WalletKind::Cold),
            _ => None,
        }
    }
}

/// A wallet of the register, with its withdrawal policy.
#[derive(Clone, Debug)]
pub struct WalletSpec {
    pub id: String,
    pub kind: WalletKind,
    pub asset: String,
    pub owner: String,
    /// Withdrawals above this amount need approvals.
    pub approvals_above: Option<Decimal>,
    pub approvers: Vec<String>,
    pub approvals_required: usize,
    pub allowlist_required: bool,
    pub limits: Vec<LimitSpec>,
}

/// A cap on the outflow of a wallet or an asset over a window.
#[derive(Clone, Debug)]
pub struct LimitSpec {
    pub wallet: Option<String>,
    pub asset: Option<String>,
    /// Index into the windows (0: 1 h, 1: 24 h, 2: 30 d).
    pub window: usize,
    pub max: Decimal,
}

#[derive(Clone, Debug)]
pub struct BreakerSettings {
    pub rate_factor: Decimal,
    pub min_history: Millis,
    pub balance_share: Decimal,
    pub test_ratio: Decimal,
    pub fresh: Millis,
    pub many: u64,
    pub many_within: Millis,
}

impl Default for BreakerSettings {
    fn default() -> Self {
        BreakerSettings {
            rate_factor: Decimal::from_int(10),
            min_history: 24 * 3_600_000,
            balance_share: Decimal::from_raw(250_000_000_000_000_000),
            test_ratio: Decimal::from_raw(10_000_000_000_000_000),
            fresh: 24 * 3_600_000,
            many: 3,
            many_within: 3_600_000,
        }
    }
}

/// Why and when a breaker tripped.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Trip {
    pub at: Millis,
    pub event: String,
    pub reason: String,
    pub releases: Vec<String>,
}

/// First payment to a destination from one wallet.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Dest {
    pub first: Millis,
    pub sent: Decimal,
    pub count: u64,
}

/// A wallet's live state.
#[derive(Clone, Debug, Default)]
pub(crate) struct WalletState {
    pub kind: Option<WalletKind>,
    pub asset: Option<String>,
    pub balance: Option<Decimal>,
    pub outflow: Series,
    pub dests: FxHashMap<u64, Dest>,
    pub trip: Option<Trip>,
}

/// What made the breaker trip, with the figures.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct TripCause {
    pub trigger: &'static str,
    pub detail: String,
}

impl WalletState {
    /// Average hourly outflow over the history before now, and the history
    /// length in hours (the outflow windows must be advanced to `now`).
    pub fn baseline(&self, now: Millis) -> (Decimal, f64) {
        let Some(first) = self.outflow.first() else {
            return (Decimal::ZERO, 0.0);
        };
        let span = (now - first).clamp(0, crate::window::SPANS[2]);
        let hours = span as f64 / 3_600_000.0;
        if span < 3_600_000 {
            return (Decimal::ZERO, hours);
        }
        let total = self.outflow.totals(2).amount.raw();
        (
            Decimal::from_raw(total / i128::from(span / 3_600_000)),
            hours,
        )
    }

    /// Whether a withdrawal of `amount` to `dest` at `now` trips the breaker.
    pub fn trips(
        &self,
        s: &BreakerSettings,
        now: Millis,
        amount: Decimal,
        dest: Option<u64>,
    ) -> Option<TripCause> {
        let (baseline, hours) = self.baseline(now);
        let hour = self.outflow.totals(0).amount.saturating_add(amount);
        if hours * 3_600_000.0 >= s.min_history as f64 && baseline > Decimal::ZERO {
            if let Some(limit) = baseline.checked_mul(s.rate_factor) {
                if hour > limit {
                    return Some(TripCause {
                        trigger: "rate",
                        detail: format!(
                            "outflow over the last hour {hour} is more than {} times the hourly average {} over {:.0} h",
                            s.rate_factor,
                            baseline.rounded(8),
                            hours
                        ),
                    });
                }
            }
        }
        if let Some(balance) = self.balance.filter(|b| *b > Decimal::ZERO) {
            if let Some(cap) = balance.checked_mul(s.balance_share) {
                if amount > cap {
                    return Some(TripCause {
                        trigger: "balance_share",
                        detail: format!(
                            "one withdrawal of {amount} is {:.1}% of the wallet's balance {balance} (limit {}%)",
                            amount.ratio(balance).unwrap_or(0.0) * 100.0,
                            s.balance_share.to_f64() * 100.0
                        ),
                    });
                }
            }
        }
        let d = dest.and_then(|k| self.dests.get(&k))?;
        if now - d.first > s.fresh {
            return None;
        }
        if d.sent > Decimal::ZERO
            && amount
                .checked_mul(s.test_ratio)
                .is_some_and(|t| d.sent <= t)
        {
            return Some(TripCause {
                trigger: "test_then_large",
                detail: format!(
                    "{amount} to an address first paid {} min ago with {} (a test transfer) ",
                    (now - d.first) / 60_000,
                    d.sent
                )
                .trim_end()
                .to_string(),
            });
        }
        if d.count + 1 >= s.many && now - d.first <= s.many_within {
            return Some(TripCause {
                trigger: "many_to_new_address",
                detail: format!(
                    "withdrawal {} to an address first paid {} min ago",
                    d.count + 1,
                    (now - d.first) / 60_000
                ),
            });
        }
        None
    }

    /// Records a withdrawal that went out.
    pub fn paid(&mut self, now: Millis, amount: Decimal, dest: Option<u64>) {
        if let Some(k) = dest {
            let d = self.dests.entry(k).or_insert(Dest {
                first: now,
                sent: Decimal::ZERO,
                count: 0,
            });
            d.sent = d.sent.saturating_add(amount);
            d.count += 1;
        }
        if let Some(b) = self.balance {
            self.balance = Some(b.saturating_sub(amount));
        }
    }

    /// Bytes held on the heap.
    pub fn heap_bytes(&self) -> usize {
        self.outflow.heap_bytes() + self.dests.capacity() * (std::mem::size_of::<(u64, Dest)>() + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::window::{Entry, HOUR};

    fn d(s: &str) -> Decimal {
        Decimal::parse(s).expect("decimal")
    }

    fn out(w: &mut WalletState, t: Millis, amount: &str, dest: u64) {
        w.outflow.add(Entry {
            time: t,
            amount: d(amount),
            value: Decimal::ZERO,
            counterparty: dest,
            near_threshold: false,
        });
        w.paid(t, d(amount), Some(dest));
    }

    #[test]
    fn each_trigger_fires_on_its_pattern_only() {
        let s = BreakerSettings::default();
        let mut w = WalletState::default();
        // Two days of 1 unit an hour to rotating addresses.
        for h in 0..48 {
            out(&mut w, h * HOUR, "1", 1000 + (h as u64 % 7));
        }
        let now = 48 * HOUR;
        w.outflow.advance_to(now);
        assert_eq!(w.trips(&s, now, d("5"), Some(1000)), None);
        assert_eq!(
            w.trips(&s, now, d("11"), Some(1000)).map(|c| c.trigger),
            Some("rate")
        );
        // Balance share.
        w.balance = Some(d("20"));
        assert_eq!(
            w.trips(&s, now, d("6"), Some(1000)).map(|c| c.trigger),
            Some("balance_share")
        );
        w.balance = None;
        // A test transfer, then a large one to the same fresh address.
        out(&mut w, now, "0.01", 42);
        assert_eq!(
            w.trips(&s, now + 60_000, d("5"), Some(42))
                .map(|c| c.trigger),
            Some("test_then_large")
        );
        assert_eq!(w.trips(&s, now + 60_000, d("0.5"), Some(42)), None);
        assert_eq!(
            w.trips(&s, now + 25 * HOUR, d("5"), Some(42)),
            None,
            "no longer fresh"
        );
        // Many withdrawals to one new address.
        out(&mut w, now, "1", 77);
        assert_eq!(w.trips(&s, now + 1, d("1"), Some(77)), None);
        out(&mut w, now + 1, "1", 77);
        assert_eq!(
            w.trips(&s, now + 2, d("1"), Some(77)).map(|c| c.trigger),
            Some("many_to_new_address")
        );
    }

    #[test]
    fn no_rate_trip_without_enough_history() {
        let s = BreakerSettings::default();
        let mut w = WalletState::default();
        out(&mut w, 0, "1", 1);
        w.outflow.advance_to(2 * HOUR);
        assert_eq!(w.trips(&s, 2 * HOUR, d("1000"), Some(2)), None);
    }
}
