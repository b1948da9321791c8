//! Exact decimal amounts: an `i128` count of 10^-18 units, so every amount
//! an exchange handles (satoshi, wei, yen) is exact and sums over windows
//! stay exact up to about 1.7 × 10^20 units of an asset.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Decimal places kept.
pub const SCALE: u32 = 18;
const ONE: i128 = 1_000_000_000_000_000_000;

/// An exact decimal with 18 places.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Decimal(i128);

/// Why a string is not an amount.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecimalError {
    #[error("empty amount")]
    Empty,
    #[error("{0:?} is not a decimal number (digits, an optional '.', no exponent)")]
    Syntax(String),
    #[error("{0:?} has more than 18 decimal places")]
    TooPrecise(String),
    #[error("{0:?} is too large (at most about 1.7e20)")]
    Overflow(String),
}

impl Decimal {
    pub const ZERO: Decimal = Decimal(0);

    /// From whole units.
    pub fn from_int(v: i64) -> Decimal {
        Decimal(i128::from(v) * ONE)
    }

    /// The raw count of 10^-18 units.
    pub fn raw(self) -> i128 {
        self.0
    }

    pub fn from_raw(raw: i128) -> Decimal {
        Decimal(raw)
    }

    /// Parses `123`, `-4.5`, `0.000000000000000001`, `4502.9`. Not
    /// accepted: exponents, thousands separators, `+`, a lone `.`, more than
    /// 18 decimal places, values beyond the range.
    pub fn parse(s: &str) -> Result<Decimal, DecimalError> {
        let t = s.trim();
        if t.is_empty() {
            return Err(DecimalError::Empty);
        }
        let (neg, body) = match t.strip_prefix('-') {
            Some(b) => (true, b),
            None => (false, t),
        };
        let (int, frac) = match body.split_once('.') {
            Some((i, f)) => (i, f),
            None => (body, ""),
        };
        let digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
        if (int.is_empty() && frac.is_empty())
            || !digits(int)
            || !digits(frac)
            || body.ends_with('.')
        {
            return Err(DecimalError::Syntax(t.to_string()));
        }
        if frac.len() > SCALE as usize {
            return Err(DecimalError::TooPrecise(t.to_string()));
        }
        let overflow = || DecimalError::Overflow(t.to_string());
        let mut v: i128 = 0;
        for b in int.bytes() {
            v = v
                .checked_mul(10)
                .and_then(|v| v.checked_add(i128::from(b - b'0')))
                .ok_or_else(overflow)?;
        }
        v = v.checked_mul(ONE).ok_or_else(overflow)?;
        let mut f: i128 = 0;
        for b in frac.bytes() {
            f = f * 10 + i128::from(b - b'0');
        }
        f *= 10i128.pow(SCALE - frac.len() as u32);
        v = v.checked_add(f).ok_or_else(overflow)?;
        Ok(Decimal(if neg { -v } else { v }))
    }

    pub fn is_negative(self) -> bool {
        self.0 < 0
    }

    pub fn checked_add(self, o: Decimal) -> Option<Decimal> {
        self.0.checked_add(o.0).map(Decimal)
    }

    pub fn checked_sub(self, o: Decimal) -> Option<Decimal> {
        self.0.checked_sub(o.0).map(Decimal)
    }

    /// Adds, pinned at the ends of the range (window sums never wrap).
    pub fn saturating_add(self, o: Decimal) -> Decimal {
        Decimal(self.0.saturating_add(o.0))
    }

    pub fn saturating_sub(self, o: Decimal) -> Decimal {
        Decimal(self.0.saturating_sub(o.0))
    }

    /// The exact product, or `None` beyond the range; the result is
    /// truncated to 18 places toward zero.
    pub fn checked_mul(self, o: Decimal) -> Option<Decimal> {
        // Split to keep the intermediate within 128 bits where possible.
        let (a, b) = (self.0, o.0);
        let (ai, af) = (a / ONE, a % ONE);
        let whole = ai.checked_mul(b)?;
        let part = af.checked_mul(b / ONE)?;
        let tiny = af.checked_mul(b % ONE)? / ONE;
        whole.checked_add(part)?.checked_add(tiny).map(Decimal)
    }

    /// Rounded to `places` decimal places (half away from zero), for
    /// messages.
    pub fn rounded(self, places: u32) -> Decimal {
        if places >= SCALE {
            return self;
        }
        let unit = 10i128.pow(SCALE - places);
        let half = unit / 2;
        let r = if self.0 >= 0 {
            (self.0 + half) / unit
        } else {
            (self.0 - half) / unit
        };
        Decimal(r.saturating_mul(unit))
    }

    /// `self / o` as a float (ratios for rules; `None` when `o` is zero).
    pub fn ratio(self, o: Decimal) -> Option<f64> {
        (o.0 != 0).then(|| self.0 as f64 / o.0 as f64)
    }

    /// The nearest float (for rules, which compare in doubles).
    pub fn to_f64(self) -> f64 {
        (self.0 / ONE) as f64 + (self.0 % ONE) as f64 / ONE as f64
    }
}

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let neg = self.0 < 0;
        let a = self.0.unsigned_abs();
        let one = ONE as u128;
        let (int, frac) = (a / one, a % one);
        if neg {
            f.write_str("-")?;
        }
        write!(f, "{int}")?;
        if frac != 0 {
            let s = format!("{frac:018}");
            write!(f, ".{}", s.trim_end_matches('0'))?;
        }
        Ok(())
    }
}

impl std::str::FromStr for Decimal {
    type Err = DecimalError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Decimal::parse(s)
    }
}

impl Serialize for Decimal {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Decimal {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Decimal::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_exactly_and_prints_back() {
        for s in [
            "0",
            "1",
            "4502.9",
            "0.000000000000000001",
            "523000000",
            "-12.5",
            "170000000000000000000",
        ] {
            assert_eq!(
                Decimal::parse(s).map(|d| d.to_string()),
                Ok(s.to_string()),
                "{s}"
            );
        }
        assert_eq!(
            Decimal::parse("4502.90").map(|d| d.to_string()),
            Ok("4502.9".into())
        );
        assert_eq!(
            Decimal::parse(".5").map(|d| d.to_string()),
            Ok("0.5".into())
        );
        assert_eq!(
            Decimal::parse("0.1").map(|d| d.raw()),
            Ok(100_000_000_000_000_000)
        );
        for bad in [
            "", "1e9", "1,000", "+1", ".", "1.", "abc", "1.2.3", "--1", " - 1",
        ] {
            assert!(Decimal::parse(bad).is_err(), "{bad:?}");
        }
        assert!(matches!(
            Decimal::parse("0.0000000000000000001"),
            Err(DecimalError::TooPrecise(_))
        ));
        assert!(matches!(
            Decimal::parse("200000000000000000000"),
            Err(DecimalError::Overflow(_))
        ));
    }

    #[test]
    fn multiplies_and_sums_exactly() {
        let p = |s| Decimal::parse(s).expect("decimal");
        assert_eq!(
            p("4502.9").checked_mul(p("10000000")),
            Some(p("45029000000"))
        );
        assert_eq!(p("0.1").checked_mul(p("0.1")), Some(p("0.01")));
        assert_eq!(p("1.5").checked_mul(p("-2")), Some(p("-3")));
        assert_eq!(p("0.1").checked_add(p("0.2")), Some(p("0.3")));
        assert_eq!(p("100000000000").checked_mul(p("100000000000")), None);
        assert!((p("523000000").to_f64() - 5.23e8).abs() < 1e-6);
        assert_eq!(p("1").ratio(p("4")), Some(0.25));
        assert_eq!(p("1").ratio(Decimal::ZERO), None);
        assert_eq!(p("65984.605633802816901408").rounded(2), p("65984.61"));
        assert_eq!(p("-0.125").rounded(2), p("-0.13"));
        assert_eq!(p("7").rounded(0), p("7"));
    }
}
