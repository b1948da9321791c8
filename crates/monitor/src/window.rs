//! Exact sliding windows (1 hour, 24 hours, 30 days) over one key's
//! events: count, sum of amounts, sum of reference values, distinct
//! counterparties and events flagged near a threshold.
//!
//! A series keeps its entries in time order and, per window, a cursor to
//! the first entry inside it with running totals, so adding an event costs
//! what leaves the windows, not what is in them. A window at time `now`
//! holds the entries with `now - span < t ≤ now`; `now` is the latest time
//! the series has seen. An event older than that (out of order) is counted
//! where it belongs in time, in the windows it still falls into, and is
//! dropped when it is older than the longest window.

use crate::decimal::Decimal;
use kansa_model::time::Millis;
use rustc_hash::FxHashMap;
use std::collections::VecDeque;

pub const HOUR: Millis = 3_600_000;
pub const DAY: Millis = 24 * HOUR;
/// Window lengths: `h1`, `h24`, `d30`.
pub const SPANS: [Millis; 3] = [HOUR, DAY, 30 * DAY];
pub const NAMES: [&str; 3] = ["h1", "h24", "d30"];

/// One event's contribution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    pub time: Millis,
    pub amount: Decimal,
    pub value: Decimal,
    /// Counterparty key (0: none).
    pub counterparty: u64,
    pub near_threshold: bool,
}

/// Totals of one window.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Totals {
    pub count: u64,
    pub amount: Decimal,
    pub value: Decimal,
    pub near_threshold: u64,
    counterparties: FxHashMap<u64, u32>,
}

impl Totals {
    pub fn distinct(&self) -> u64 {
        self.counterparties.len() as u64
    }

    fn add(&mut self, e: &Entry) {
        self.count += 1;
        self.amount = self.amount.saturating_add(e.amount);
        self.value = self.value.saturating_add(e.value);
        self.near_threshold += u64::from(e.near_threshold);
        if e.counterparty != 0 {
            *self.counterparties.entry(e.counterparty).or_default() += 1;
        }
    }

    fn remove(&mut self, e: &Entry) {
        self.count -= 1;
        self.amount = self.amount.saturating_sub(e.amount);
        self.value = self.value.saturating_sub(e.value);
        self.near_threshold -= u64::from(e.near_threshold);
        if e.counterparty != 0 {
            if let Some(n) = self.counterparties.get_mut(&e.counterparty) {
                *n -= 1;
                if *n == 0 {
                    self.counterparties.remove(&e.counterparty);
                }
            }
        }
    }

    /// Bytes held beyond the struct itself (for memory reports).
    pub fn heap_bytes(&self) -> usize {
        self.counterparties.capacity() * (std::mem::size_of::<(u64, u32)>() + 1)
    }
}

/// One key's windows.
#[derive(Clone, Debug, Default)]
pub struct Series {
    entries: VecDeque<Entry>,
    /// Sequence number of `entries[0]`.
    base: u64,
    /// Per window: sequence number of its first entry, and its totals.
    start: [u64; 3],
    totals: [Totals; 3],
    latest: Option<Millis>,
    first: Option<Millis>,
}

impl Series {
    /// The windows' current time (the latest event seen).
    pub fn latest(&self) -> Option<Millis> {
        self.latest
    }

    /// The earliest event ever added (history length for baselines).
    pub fn first(&self) -> Option<Millis> {
        self.first
    }

    pub fn totals(&self, window: usize) -> &Totals {
        &self.totals[window]
    }

    /// Adds an event; returns whether it was counted (false: older than
    /// the longest window).
    pub fn add(&mut self, e: Entry) -> bool {
        self.first = Some(self.first.map_or(e.time, |f| f.min(e.time)));
        let latest = match self.latest {
            Some(l) if e.time < l => l,
            _ => {
                self.entries.push_back(e);
                for t in &mut self.totals {
                    t.add(&e);
                }
                self.latest = Some(e.time);
                self.advance(e.time);
                return true;
            }
        };
        if e.time <= latest - SPANS[2] {
            return false;
        }
        let pos = self.entries.partition_point(|x| x.time <= e.time);
        self.entries.insert(pos, e);
        let seq = self.base + pos as u64;
        for (w, span) in SPANS.iter().enumerate() {
            if e.time > latest - span {
                self.totals[w].add(&e);
            } else if seq <= self.start[w] {
                // Inserted before this window's first entry: shift the cursor.
                self.start[w] += 1;
            }
        }
        true
    }

    fn advance(&mut self, now: Millis) {
        let end = self.base + self.entries.len() as u64;
        for (w, span) in SPANS.iter().enumerate() {
            while self.start[w] < end {
                let e = self.entries[(self.start[w] - self.base) as usize];
                if e.time > now - span {
                    break;
                }
                self.totals[w].remove(&e);
                self.start[w] += 1;
            }
        }
        while self.base < self.start[2] {
            self.entries.pop_front();
            self.base += 1;
        }
    }

    /// Moves the windows' time forward without adding an event (so that
    /// features read at `now` do not count what has left the windows).
    pub fn advance_to(&mut self, now: Millis) {
        if self.latest.is_none_or(|l| now > l) {
            self.latest = Some(now);
            self.advance(now);
        }
    }

    /// Bytes held on the heap (entries and counterparty maps).
    pub fn heap_bytes(&self) -> usize {
        self.entries.capacity() * std::mem::size_of::<Entry>()
            + self.totals.iter().map(Totals::heap_bytes).sum::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(time: Millis, amount: i64, cp: u64) -> Entry {
        Entry {
            time,
            amount: Decimal::from_int(amount),
            value: Decimal::from_int(amount * 10),
            counterparty: cp,
            near_threshold: amount == 9,
        }
    }

    /// The totals a brute-force scan gives at `now`.
    fn brute(all: &[Entry], now: Millis, w: usize) -> (u64, Decimal, u64, u64) {
        let inside: Vec<&Entry> = all
            .iter()
            .filter(|e| e.time <= now && e.time > now - SPANS[w])
            .collect();
        let mut cps: Vec<u64> = inside
            .iter()
            .map(|e| e.counterparty)
            .filter(|c| *c != 0)
            .collect();
        cps.sort_unstable();
        cps.dedup();
        (
            inside.len() as u64,
            inside
                .iter()
                .fold(Decimal::ZERO, |a, e| a.saturating_add(e.amount)),
            cps.len() as u64,
            inside.iter().filter(|e| e.near_threshold).count() as u64,
        )
    }

    #[test]
    fn windows_agree_with_a_scan_including_late_events() {
        // A deterministic pseudo-random walk of times, some going backwards.
        let mut s = Series::default();
        let mut all = Vec::new();
        let mut t: Millis = 1_700_000_000_000;
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for i in 0..3000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let step = (x % (3 * HOUR as u64)) as Millis;
            let late = i % 7 == 3;
            let time = if late {
                t - (x % (40 * DAY as u64)) as Millis
            } else {
                t + step
            };
            if !late {
                t = time;
            }
            let e = entry(time, (x % 12) as i64, x % 5);
            if s.add(e) {
                all.push(e);
            } else {
                assert!(time <= t - SPANS[2]);
            }
            let now = s.latest().expect("latest");
            for (w, name) in NAMES.iter().enumerate() {
                let tot = s.totals(w);
                assert_eq!(
                    (tot.count, tot.amount, tot.distinct(), tot.near_threshold),
                    brute(&all, now, w),
                    "event {i}, window {name}"
                );
            }
        }
        assert!(s.entries.len() < all.len());
    }

    #[test]
    fn advancing_time_empties_the_short_windows() {
        let mut s = Series::default();
        s.add(entry(0, 5, 1));
        s.add(entry(10 * 60_000, 7, 2));
        assert_eq!(s.totals(0).count, 2);
        s.advance_to(HOUR + 60_000);
        assert_eq!(
            (s.totals(0).count, s.totals(0).amount),
            (1, Decimal::from_int(7))
        );
        assert_eq!(s.totals(1).count, 2);
        s.advance_to(40 * DAY);
        assert_eq!(s.totals(2).count, 0);
        assert_eq!(s.totals(2).distinct(), 0);
    }
}
