//! Addresses numbered by an external sort. Ingest writes one record per
//! output paid to an address — (address key, output) — into runs of
//! bounded size, each sorted before it is written to the ledger's space
//! (a mapped file when the ledger has one). When the ledger becomes a
//! graph, the runs are merged in key order together with the address
//! dictionary of the graph being extended: one pass numbers the
//! addresses in key order (the dictionary is sorted, as lookups want),
//! gives every output its address id and lists each address's outputs in
//! order. No table of addresses is held while ingesting: what stays in
//! memory is one run, whatever the size of the chain.

use crate::column::{Column, Grow, Space};
use crate::graph::{push_offset, Graph, NONE, OFFSET_CHUNK};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Bytes of records held in memory before they are sorted into a run.
const RUN_BYTES: usize = 128 << 20;

/// The (address key, output) records of a ledger's new outputs.
#[derive(Debug)]
pub(crate) struct AddressPairs {
    /// The current run's records, each: key length (u32 LE), key, output
    /// (u64 LE).
    arena: Vec<u8>,
    /// Each record of `arena`: its key's first 8 bytes (big-endian, zero
    /// padded: their order is the keys' order up to ties) and its offset.
    index: Vec<(u64, u32)>,
    /// Sorted runs written so far.
    runs: Vec<Grow<u8>>,
    /// Key bytes of all records (room for the dictionary, overestimated
    /// by the repeats), and how many records.
    key_bytes: u64,
    records: u64,
    run_bytes: usize,
}

impl Default for AddressPairs {
    fn default() -> Self {
        AddressPairs::with_run_bytes(RUN_BYTES)
    }
}

/// A record at `at`: its key, its output and where the next one starts.
fn record(b: &[u8], at: usize) -> (&[u8], u64, usize) {
    let len = u32::from_le_bytes(b[at..at + 4].try_into().expect("4 bytes")) as usize;
    let key = &b[at + 4..at + 4 + len];
    let end = at + 4 + len + 8;
    let out = u64::from_le_bytes(b[end - 8..end].try_into().expect("8 bytes"));
    (key, out, end)
}

/// A key's first 8 bytes, big-endian and zero padded: their order is the
/// keys' order up to ties, which the whole keys then decide.
pub(crate) fn key_prefix(key: &[u8]) -> u64 {
    let mut b = [0u8; 8];
    let m = key.len().min(8);
    b[..m].copy_from_slice(&key[..m]);
    u64::from_be_bytes(b)
}

impl AddressPairs {
    /// Runs of about `bytes` each (small in tests, to exercise merging).
    pub(crate) fn with_run_bytes(bytes: usize) -> Self {
        AddressPairs {
            arena: Vec::new(),
            index: Vec::new(),
            runs: Vec::new(),
            key_bytes: 0,
            records: 0,
            run_bytes: bytes.max(1),
        }
    }

    /// Records that output `out` is paid to the address with key `key`.
    pub(crate) fn push(&mut self, key: &[u8], out: u64, space: Option<&dyn Space>) {
        let size = 4 + key.len() + 8;
        if !self.index.is_empty() && self.arena.len() + size > self.run_bytes {
            self.spill(space);
        }
        if self.arena.capacity() == 0 {
            self.arena.reserve(self.run_bytes.min(RUN_BYTES) + size);
        }
        let at = self.arena.len() as u32;
        self.arena
            .extend_from_slice(&(key.len() as u32).to_le_bytes());
        self.arena.extend_from_slice(key);
        self.arena.extend_from_slice(&out.to_le_bytes());
        self.index.push((key_prefix(key), at));
        self.key_bytes += key.len() as u64;
        self.records += 1;
    }

    /// Sorts the records in memory by (key, output) and writes them as a
    /// run.
    fn spill(&mut self, space: Option<&dyn Space>) {
        use rayon::prelude::*;
        let arena = &self.arena;
        self.index.par_sort_unstable_by(|a, b| {
            a.0.cmp(&b.0).then_with(|| {
                let (ka, oa, _) = record(arena, a.1 as usize);
                let (kb, ob, _) = record(arena, b.1 as usize);
                ka.cmp(kb).then(oa.cmp(&ob))
            })
        });
        let mut run: Grow<u8> = Grow::new_in(space, "addr_pairs");
        run.reserve(arena.len());
        for (_, at) in &self.index {
            let at = *at as usize;
            let (_, _, end) = record(arena, at);
            run.extend_from_slice(&arena[at..end]);
        }
        self.runs.push(run);
        self.arena.clear();
        self.index.clear();
    }

    /// Why a run could not be written where it was meant to (it stayed in
    /// memory).
    pub(crate) fn grow_errors(&self) -> Vec<String> {
        self.runs
            .iter()
            .filter_map(|r| r.error().map(str::to_string))
            .collect()
    }

    /// Numbers the addresses of `g` — those of its dictionary and those
    /// of the records — in key order: rewrites the dictionary
    /// (`addr_bytes`, `addr_start`), every paid output's `out_addr` and
    /// the outputs of each address (`addr_out_start`, `addr_outs`).
    pub(crate) fn number(mut self, g: &mut Graph, space: Option<&dyn Space>) {
        let n_old = g.address_count();
        if self.index.is_empty() && self.runs.is_empty() && g.addr_out_start.len() == n_old + 1 {
            return; // Nothing new: the graph's columns stand.
        }
        if !self.index.is_empty() {
            self.spill(space);
        }
        drop(std::mem::take(&mut self.arena));
        let runs = std::mem::take(&mut self.runs);
        for r in &runs {
            if let Some(region) = r.region() {
                region.will_scan();
            }
        }
        let mut merge = Merge::new(runs.iter().map(|r| r.as_slice()).collect());
        let narrow = g.output_count() < NONE as u64;
        let mut bytes: Grow<u8> = Grow::new_in(space, "addr_bytes");
        bytes.reserve(g.addr_bytes.len() + self.key_bytes as usize);
        let (mut lo, mut base): (Grow<u32>, Grow<u64>) = (
            Grow::new_in(space, "addr_start"),
            Grow::new_in(space, "addr_base"),
        );
        let (mut out_lo, mut out_base): (Grow<u32>, Grow<u64>) = (
            Grow::new_in(space, "addr_out_start"),
            Grow::new_in(space, "addr_out_base"),
        );
        let total = g.addr_outs.len() + g.addr_outs_wide.len() + self.records as usize;
        let (mut outs32, mut outs64): (Grow<u32>, Grow<u64>) = if narrow {
            (Grow::new_in(space, "addr_outs"), Grow::default())
        } else {
            (Grow::default(), Grow::new_in(space, "addr_outs_wide"))
        };
        outs32.reserve(if narrow { total } else { 0 });
        outs64.reserve(if narrow { 0 } else { total });
        push_offset(&mut lo, &mut base, 0);
        push_offset(&mut out_lo, &mut out_base, 0);
        let mut out_addr = std::mem::take(&mut g.out_addr);
        let addr_of = out_addr.vec_mut().as_mut_slice();
        let (mut old, mut id) = (0u32, 0u32);
        let mut emit = |o: u64, id: u32, outs32: &mut Grow<u32>, outs64: &mut Grow<u64>| {
            addr_of[o as usize] = id;
            if narrow {
                outs32.push(o as u32);
            } else {
                outs64.push(o);
            }
        };
        loop {
            let old_key = (old as usize) < n_old;
            let old_key = old_key.then(|| g.address_key(old));
            let key = match (old_key, merge.peek()) {
                (None, None) => break,
                (Some(k), None) => k,
                (None, Some((k, _))) => k,
                (Some(a), Some((b, _))) => a.min(b),
            };
            bytes.extend_from_slice(key);
            push_offset(&mut lo, &mut base, bytes.len() as u64);
            // The graph's outputs of the address come first: they are
            // older than the ledger's.
            if old_key == Some(key) {
                for o in g.address_outputs(old) {
                    emit(o, id, &mut outs32, &mut outs64);
                }
                old += 1;
            }
            while let Some((k, o)) = merge.peek() {
                if k != key {
                    break;
                }
                emit(o, id, &mut outs32, &mut outs64);
                merge.advance();
            }
            push_offset(
                &mut out_lo,
                &mut out_base,
                (outs32.len() + outs64.len()) as u64,
            );
            id += 1;
        }
        drop(merge);
        drop(runs);
        debug_assert_eq!(lo.len(), id as usize + 1);
        debug_assert!(base.len() == (id as usize + 1).div_ceil(OFFSET_CHUNK));
        g.out_addr = out_addr;
        g.addr_bytes = Column::Owned(bytes);
        g.addr_start = Column::Owned(lo);
        g.addr_base = Column::Owned(base);
        g.addr_out_start = Column::Owned(out_lo);
        g.addr_out_base = Column::Owned(out_base);
        g.addr_outs = Column::Owned(outs32);
        g.addr_outs_wide = Column::Owned(outs64);
    }
}

/// The records of sorted runs, in (key, output) order.
struct Merge<'a> {
    runs: Vec<&'a [u8]>,
    /// The next record of each run: (key, output, run), smallest first.
    heads: BinaryHeap<Reverse<(&'a [u8], u64, usize)>>,
    /// Where the record after each head starts.
    next: Vec<usize>,
}

impl<'a> Merge<'a> {
    fn new(runs: Vec<&'a [u8]>) -> Self {
        let mut m = Merge {
            heads: BinaryHeap::with_capacity(runs.len()),
            next: vec![0; runs.len()],
            runs,
        };
        for r in 0..m.runs.len() {
            m.push_head(r);
        }
        m
    }

    fn push_head(&mut self, r: usize) {
        let b = self.runs[r];
        if self.next[r] < b.len() {
            let (key, out, end) = record(b, self.next[r]);
            self.next[r] = end;
            self.heads.push(Reverse((key, out, r)));
        }
    }

    fn peek(&self) -> Option<(&'a [u8], u64)> {
        self.heads.peek().map(|Reverse((k, o, _))| (*k, *o))
    }

    fn advance(&mut self) {
        if let Some(Reverse((_, _, r))) = self.heads.pop() {
            self.push_head(r);
        }
    }
}
