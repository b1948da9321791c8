//! A deterministic synthetic registry for measurement: companies owned by
//! people and by other companies (holding chains a few levels deep, the
//! shares of each company adding up to at most 100%), directors, some
//! cross-holdings that close cycles, and a small set of listed people
//! referred to by id.

use crate::graph::{NodeKind, Relation};
use crate::registry::RegistryRow;
use crate::share::Share;
use kansa_model::{Entity, EntityKind, Name, NameKind, NameParts, Script};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

#[derive(Debug, Clone, Copy)]
pub struct SynthSize {
    pub companies: usize,
    /// Ownership and directorship rows in all.
    pub edges: usize,
    pub people: usize,
    pub listed: usize,
    pub seed: u64,
}

pub fn company_name(i: usize) -> String {
    format!("Company {i} Ltd")
}

/// The listed entities (`synth:L<i>`) and the registry rows.
pub fn registry(size: SynthSize) -> (Vec<Entity>, Vec<RegistryRow>) {
    let mut rng = Rng(size.seed | 1);
    let listed: Vec<Entity> = (0..size.listed)
        .map(|i| {
            let mut e = Entity::new("synth", &format!("L{i}"), EntityKind::Person);
            e.names.push(Name {
                full: format!("Listed Person {i}"),
                kind: NameKind::Primary,
                script: Script::Latin,
                parts: NameParts::default(),
                lang: None,
            });
            e
        })
        .collect();
    let per_company = size.edges as f64 / size.companies.max(1) as f64;
    let mut rows = Vec::with_capacity(size.edges + 16);
    let mut line = 1u64;
    let mut push = |rows: &mut Vec<RegistryRow>,
                    company: usize,
                    owner: String,
                    rel: Relation,
                    share: Option<f64>| {
        line += 1;
        rows.push(RegistryRow {
            line,
            company: company_name(company),
            owner,
            relation: Some(rel),
            share: share.map(Share::exact),
            country: None,
            registration_date: None,
            address: None,
            identifier: None,
            wallet: None,
            owner_kind: None,
        });
    };
    let mut total = 0usize;
    // Companies that own a stake in a later one, which owns one back.
    let mut owes_back: rustc_hash::FxHashMap<usize, usize> = Default::default();
    for c in 0..size.companies {
        // How many rows this company gets, keeping the running total on
        // the requested number of edges.
        let want = ((c + 1) as f64 * per_company).round() as usize - total;
        let owners = want.saturating_sub(usize::from(want > 2)).max(1);
        let mut left = 100u64;
        let mut used: Vec<usize> = Vec::new();
        for k in 0..owners {
            let share = if k + 1 == owners {
                left
            } else {
                (1 + rng.below(left.max(2) - 1)).min(left)
            };
            if share == 0 {
                break;
            }
            left -= share;
            let r = rng.below(1000);
            let back = if k == 0 { owes_back.remove(&c) } else { None };
            let owner = if let Some(b) = back {
                used.push(b);
                company_name(b)
            } else if r < 4 && size.listed > 0 {
                format!("synth:L{}", rng.below(size.listed as u64))
            } else if r < 450 && c > 0 {
                // A holding company earlier in the registry (chains), or
                // now and then a later one (cross-holdings, cycles).
                let o = if rng.below(200) == 0 {
                    let o = (c + 1 + rng.below(1000) as usize) % size.companies;
                    if o > c {
                        owes_back.insert(o, c);
                    }
                    o
                } else {
                    c.saturating_sub(1 + rng.below(50_000) as usize)
                };
                if o == c || used.contains(&o) {
                    format!("Person {}", rng.below(size.people as u64))
                } else {
                    used.push(o);
                    company_name(o)
                }
            } else {
                format!("Person {}", rng.below(size.people as u64))
            };
            push(
                &mut rows,
                c,
                owner,
                Relation::Ownership,
                Some(share as f64 / 100.0),
            );
            total += 1;
        }
        if want > 2 {
            push(
                &mut rows,
                c,
                format!("Person {}", rng.below(size.people as u64)),
                Relation::Director,
                None,
            );
            total += 1;
        }
    }
    // Person names drawn twice for one company would state the same pair
    // twice with two shares: merge such rows.
    let mut seen = rustc_hash::FxHashMap::<(String, String, bool), usize>::default();
    let mut merged: Vec<RegistryRow> = Vec::with_capacity(rows.len());
    for r in rows {
        let key = (
            r.company.clone(),
            r.owner.clone(),
            r.relation == Some(Relation::Ownership),
        );
        match seen.get(&key) {
            Some(&i) => {
                if let (Some(a), Some(b)) = (merged[i].share, r.share) {
                    merged[i].share = Some(Share::exact(a.lo + b.lo));
                }
            }
            None => {
                seen.insert(key, merged.len());
                merged.push(r);
            }
        }
    }
    for r in &mut merged {
        if r.owner.starts_with("Person ") {
            r.owner_kind = Some(NodeKind::Person);
        }
    }
    (listed, merged)
}
