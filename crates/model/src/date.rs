//! Partial dates as sanctions lists publish them: a year alone, a year and a
//! month, a full date, "circa" a date, or a range of years.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A calendar date of which the month and day may be unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PartialDate {
    pub year: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub month: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub day: Option<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error("year {0} is outside 1000..=2999")]
    Year(u32),
    #[error("month {0} is outside 1..=12")]
    Month(u32),
    #[error("day {day} does not exist in {year}-{month:02}")]
    Day { year: u32, month: u32, day: u32 },
    #[error("a day without a month")]
    DayWithoutMonth,
    #[error("range starts ({from}) after it ends ({to})")]
    Range { from: PartialDate, to: PartialDate },
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ => {
            let leap =
                (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
            if leap {
                29
            } else {
                28
            }
        }
    }
}

impl PartialDate {
    /// A checked constructor: impossible dates (30 February, month 13) are refused.
    pub fn new(year: u32, month: Option<u32>, day: Option<u32>) -> Result<Self, DateError> {
        if !(1000..=2999).contains(&year) {
            return Err(DateError::Year(year));
        }
        if let Some(m) = month {
            if !(1..=12).contains(&m) {
                return Err(DateError::Month(m));
            }
        }
        if let Some(d) = day {
            let Some(m) = month else {
                return Err(DateError::DayWithoutMonth);
            };
            if d == 0 || d > days_in_month(year, m) {
                return Err(DateError::Day {
                    year,
                    month: m,
                    day: d,
                });
            }
        }
        Ok(PartialDate {
            year: year as u16,
            month: month.map(|m| m as u8),
            day: day.map(|d| d as u8),
        })
    }

    pub fn year(year: u32) -> Result<Self, DateError> {
        Self::new(year, None, None)
    }

    /// Parses ISO forms: `YYYY`, `YYYY-MM`, `YYYY-MM-DD` (a trailing time is ignored).
    pub fn parse_iso(s: &str) -> Option<Self> {
        let s = s.trim();
        let s = s.split('T').next().unwrap_or(s);
        let mut it = s.split('-');
        let y: u32 = it.next()?.parse().ok()?;
        let m: Option<u32> = match it.next() {
            Some(p) => Some(p.parse().ok()?),
            None => None,
        };
        let d: Option<u32> = match it.next() {
            Some(p) => Some(p.parse().ok()?),
            None => None,
        };
        if it.next().is_some() {
            return None;
        }
        Self::new(y, m, d).ok()
    }
}

impl fmt::Display for PartialDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}", self.year)?;
        if let Some(m) = self.month {
            write!(f, "-{m:02}")?;
            if let Some(d) = self.day {
                write!(f, "-{d:02}")?;
            }
        }
        Ok(())
    }
}

/// A date as a list states it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum DateValue {
    /// As precise as the parts given.
    Exact { date: PartialDate },
    /// "circa", "approximately", "頃".
    Circa { date: PartialDate },
    /// "between 1955 and 1958", "1955 to 1958", "1955年-1958年頃".
    Between { from: PartialDate, to: PartialDate },
}

impl DateValue {
    pub fn exact(date: PartialDate) -> Self {
        DateValue::Exact { date }
    }

    pub fn between(from: PartialDate, to: PartialDate) -> Result<Self, DateError> {
        if from > to {
            return Err(DateError::Range { from, to });
        }
        Ok(DateValue::Between { from, to })
    }

    /// The earliest and latest year this value allows (circa widens by one year).
    pub fn year_span(&self) -> (u16, u16) {
        match self {
            DateValue::Exact { date } => (date.year, date.year),
            DateValue::Circa { date } => (date.year.saturating_sub(1), date.year + 1),
            DateValue::Between { from, to } => (from.year, to.year),
        }
    }
}

impl fmt::Display for DateValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DateValue::Exact { date } => write!(f, "{date}"),
            DateValue::Circa { date } => write!(f, "circa {date}"),
            DateValue::Between { from, to } => write!(f, "{from} to {to}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn impossible_dates_are_refused() {
        assert_eq!(
            PartialDate::new(2021, Some(2), Some(30)),
            Err(DateError::Day {
                year: 2021,
                month: 2,
                day: 30
            })
        );
        assert!(PartialDate::new(2020, Some(2), Some(29)).is_ok());
        assert!(PartialDate::new(1900, Some(2), Some(29)).is_err());
        assert_eq!(
            PartialDate::new(1980, Some(13), None),
            Err(DateError::Month(13))
        );
        assert_eq!(PartialDate::new(99, None, None), Err(DateError::Year(99)));
    }

    #[test]
    fn iso_parse_and_display_round_trip() {
        for s in ["1962", "1962-11", "1962-11-23"] {
            assert_eq!(
                PartialDate::parse_iso(s).map(|d| d.to_string()).as_deref(),
                Some(s)
            );
        }
        assert_eq!(
            PartialDate::parse_iso("2012-12-31T00:00:00Z")
                .map(|d| d.to_string())
                .as_deref(),
            Some("2012-12-31")
        );
        assert_eq!(PartialDate::parse_iso("1962-11-31"), None);
        assert_eq!(PartialDate::parse_iso("nineteen"), None);
    }

    #[test]
    fn ranges_must_be_ordered() {
        let a = PartialDate::year(1958).unwrap();
        let b = PartialDate::year(1955).unwrap();
        assert!(DateValue::between(a, b).is_err());
        assert_eq!(DateValue::between(b, a).unwrap().year_span(), (1955, 1958));
    }
}
