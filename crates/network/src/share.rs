//! Ownership shares: exact ("60", "60%", "12.5") or a range when only a band
//! is known ("25-50", "more than 25%", "<10"), kept as fractions of one.
//!
//! Shares are `f64` fractions: registry data carries at most a few decimal
//! places and products along ownership chains cannot be exact in any fixed
//! precision; comparisons with a threshold allow [`EPS`] so that 25% + 25%
//! is 50%.

use serde::Serialize;
use std::fmt;

/// Tolerance of threshold comparisons (a millionth of a percentage point).
pub const EPS: f64 = 1e-8;

/// A share of a company, as a fraction: `lo == hi` when exact.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Share {
    pub lo: f64,
    pub hi: f64,
}

impl Share {
    pub const UNKNOWN: Share = Share { lo: 0.0, hi: 1.0 };
    pub const FULL: Share = Share { lo: 1.0, hi: 1.0 };

    pub fn exact(f: f64) -> Share {
        Share { lo: f, hi: f }
    }

    pub fn is_exact(&self) -> bool {
        (self.hi - self.lo).abs() < EPS
    }

    /// Parses a percentage as a registry writes it; an empty text is `None`.
    pub fn parse_percent(text: &str) -> Result<Option<Share>, String> {
        let t = text.trim().trim_end_matches('%').trim();
        if t.is_empty() {
            return Ok(None);
        }
        let lower = t.to_ascii_lowercase();
        let num = |s: &str| -> Result<f64, String> {
            let s = s.trim().trim_end_matches('%').trim();
            let v: f64 = s
                .parse()
                .map_err(|_| format!("share {text:?} is not a percentage"))?;
            if !v.is_finite() {
                return Err(format!("share {text:?} is not a percentage"));
            }
            if v < 0.0 {
                return Err(format!("share {text:?} is negative"));
            }
            if v > 100.0 + EPS {
                return Err(format!("share {text:?} is over 100%"));
            }
            Ok(v.min(100.0) / 100.0)
        };
        for p in ["more than", "over", "above", "at least", ">=", ">", "≥"] {
            if let Some(rest) = lower.strip_prefix(p) {
                return Ok(Some(Share {
                    lo: num(rest)?,
                    hi: 1.0,
                }));
            }
        }
        if let Some(rest) = lower.strip_suffix('+') {
            return Ok(Some(Share {
                lo: num(rest)?,
                hi: 1.0,
            }));
        }
        for p in [
            "less than",
            "under",
            "below",
            "up to",
            "at most",
            "<=",
            "<",
            "≤",
        ] {
            if let Some(rest) = lower.strip_prefix(p) {
                return Ok(Some(Share {
                    lo: 0.0,
                    hi: num(rest)?,
                }));
            }
        }
        // A band "25-50" (also with an en dash or "to").
        for sep in ["-", "–", " to "] {
            if let Some((a, b)) = lower.split_once(sep) {
                if !a.trim().is_empty() {
                    let (lo, hi) = (num(a)?, num(b)?);
                    if lo > hi {
                        return Err(format!("share {text:?}: the band runs backwards"));
                    }
                    return Ok(Some(Share { lo, hi }));
                }
            }
        }
        num(t).map(|v| Some(Share::exact(v)))
    }
}

impl fmt::Display for Share {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_exact() {
            write!(f, "{}", pct(self.lo))
        } else if self.hi >= 1.0 - EPS && self.lo > EPS {
            write!(f, ">{}", pct(self.lo))
        } else if self.lo <= EPS && self.hi >= 1.0 - EPS {
            f.write_str("unknown share")
        } else {
            write!(f, "{}–{}", pct(self.lo), pct(self.hi))
        }
    }
}

/// A fraction as a percentage with up to two decimals ("54%", "12.5%").
pub fn pct(f: f64) -> String {
    let v = (f * 10000.0).round() / 100.0;
    let mut s = format!("{v:.2}");
    while s.ends_with('0') {
        s.pop();
    }
    if s.ends_with('.') {
        s.pop();
    }
    format!("{s}%")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_and_bands() {
        assert_eq!(Share::parse_percent("60").unwrap(), Some(Share::exact(0.6)));
        assert_eq!(
            Share::parse_percent(" 12.5% ").unwrap(),
            Some(Share::exact(0.125))
        );
        assert_eq!(Share::parse_percent("").unwrap(), None);
        assert_eq!(
            Share::parse_percent("more than 25%").unwrap(),
            Some(Share { lo: 0.25, hi: 1.0 })
        );
        assert_eq!(
            Share::parse_percent(">25").unwrap(),
            Some(Share { lo: 0.25, hi: 1.0 })
        );
        assert_eq!(
            Share::parse_percent("<10").unwrap(),
            Some(Share { lo: 0.0, hi: 0.1 })
        );
        assert_eq!(
            Share::parse_percent("25-50").unwrap(),
            Some(Share { lo: 0.25, hi: 0.5 })
        );
        assert!(Share::parse_percent("101")
            .unwrap_err()
            .contains("over 100%"));
        assert!(Share::parse_percent("-5").unwrap_err().contains("negative"));
        assert!(Share::parse_percent("abc")
            .unwrap_err()
            .contains("not a percentage"));
        assert!(Share::parse_percent("50-25")
            .unwrap_err()
            .contains("backwards"));
        assert!(Share::parse_percent("NaN").is_err());
        assert_eq!(pct(0.54), "54%");
        assert_eq!(pct(0.125), "12.5%");
        assert_eq!(Share { lo: 0.25, hi: 1.0 }.to_string(), ">25%");
    }
}
