#![allow(clippy::unwrap_used)]
//! Taint stories in a tiny transaction language, invariants under random
//! graphs (proptest), and the first real payment chain.

use kansa_trace::{taint_forward, GraphView, MemGraph, Policy, TaintReport};
use proptest::prelude::*;

fn tainted(r: &TaintReport, tx: &str, vout: u32) -> u64 {
    r.outputs
        .iter()
        .find(|o| o.txid == tx && o.vout == vout)
        .map(|o| o.tainted)
        .unwrap_or(0)
}

/// hack → (tx_a: 60 + 40 with 0 fee) → tx_b merges tx_a:0 with a clean 100
/// into 150 + 45 (5 fee).
fn story() -> MemGraph {
    let mut g = MemGraph::new();
    g.add("hack", &[], &[100]);
    g.add("clean", &[], &[100]);
    g.add("tx_a", &[("hack", 0)], &[60, 40]);
    g.add("tx_b", &[("tx_a", 0), ("clean", 0)], &[150, 5]);
    g
}

#[test]
fn poison_haircut_and_fifo_on_a_story() {
    let g = story();
    let p = taint_forward(&g, "hack", 0, Policy::Poison, 10).unwrap();
    assert_eq!((tainted(&p, "tx_b", 0), tainted(&p, "tx_b", 1)), (150, 5));
    let h = taint_forward(&g, "hack", 0, Policy::Haircut, 10).unwrap();
    // tx_b: 60 tainted of 160 in; outputs 150 and 5, fee 5: 56.25, 1.875, 1.875 → 56, 2, 2.
    assert_eq!(
        (tainted(&h, "tx_b", 0), tainted(&h, "tx_b", 1), h.fees),
        (56, 2, 2)
    );
    let f = taint_forward(&g, "hack", 0, Policy::Fifo, 10).unwrap();
    // FIFO: the 60 tainted satoshis come first and all land in the 150 output.
    assert_eq!(
        (tainted(&f, "tx_b", 0), tainted(&f, "tx_b", 1), f.fees),
        (60, 0, 0)
    );
    for r in [&h, &f] {
        assert_eq!(r.unspent + r.fees + r.beyond_horizon, 100);
    }
    // One hop only: tx_a's outputs carry the taint, tx_b is beyond the horizon.
    let f1 = taint_forward(&g, "hack", 0, Policy::Fifo, 1).unwrap();
    assert_eq!((f1.beyond_horizon, f1.unspent), (60, 40));
    assert!(taint_forward(&g, "nope", 0, Policy::Fifo, 3).is_err());
    assert!(taint_forward(&g, "hack", 7, Policy::Fifo, 3).is_err());
}

#[test]
fn fifo_fee_goes_last() {
    let mut g = MemGraph::new();
    g.add("clean", &[], &[90]);
    g.add("hack", &[], &[10]);
    // Clean input first, tainted last: the tainted tail pays the fee.
    g.add("tx", &[("clean", 0), ("hack", 0)], &[50, 45]);
    let f = taint_forward(&g, "hack", 0, Policy::Fifo, 5).unwrap();
    assert_eq!(
        (tainted(&f, "tx", 0), tainted(&f, "tx", 1), f.fees),
        (0, 5, 5)
    );
}

#[test]
fn the_first_real_payment_under_three_policies() {
    let p = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/chain/btc/firstblocks-0-589.blk");
    let Ok(bytes) = std::fs::read(&p) else {
        eprintln!("skipped: {} is absent", p.display());
        return;
    };
    let mut l = kansa_chain::Ledger::new();
    let mut r = kansa_chain::IngestReport::default();
    for (o, b) in kansa_chain::split_blk(&bytes).unwrap() {
        l.ingest_block(b, &format!("@{o}"), &mut r).unwrap();
    }
    let block9 = "0437cd7f8525ceed2324359c2d0ba26006d92d856a9c20fa0241106ee5a597c9";
    let tx170 = "f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16";
    for policy in [Policy::Poison, Policy::Haircut, Policy::Fifo] {
        let t = taint_forward(&l, block9, 0, policy, 10).unwrap();
        // 10 BTC to Hal Finney (output 0), 40 BTC back (output 1): all of it is block 9's coinbase.
        assert_eq!(tainted(&t, tx170, 0), 1_000_000_000, "{policy:?}");
        assert_eq!(tainted(&t, tx170, 1), 4_000_000_000, "{policy:?}");
        if policy != Policy::Poison {
            assert_eq!(
                t.unspent + t.fees + t.beyond_horizon,
                5_000_000_000,
                "{policy:?}"
            );
        }
        assert!(
            t.outputs.iter().any(|o| o.hop >= 2),
            "the peel chain goes on: {policy:?}"
        );
    }
    let _ = l.tx(tx170).unwrap();
    let _ = GraphView::tx(&l, tx170).unwrap();
}

/// A random graph: `n` transactions, each spending some unspent outputs of
/// earlier ones (or none: a coinbase), paying a fee of up to 3.
fn random_graph() -> impl Strategy<Value = MemGraph> {
    prop::collection::vec(
        (
            prop::collection::vec(0usize..100, 0..4),
            prop::collection::vec(1u64..1000, 1..4),
            0u64..4,
        ),
        2..25,
    )
    .prop_map(|spec| {
        let mut g = MemGraph::new();
        let mut unspent: Vec<(String, u32, u64)> = Vec::new();
        for (i, (picks, outs, fee)) in spec.into_iter().enumerate() {
            let name = format!("t{i}");
            let mut ins = Vec::new();
            let mut total = 0;
            for p in picks {
                if unspent.is_empty() {
                    break;
                }
                let (t, v, val) = unspent.remove(p % unspent.len());
                total += val;
                ins.push((t, v));
            }
            let outputs: Vec<u64> = if i == 0 || ins.is_empty() {
                outs
            } else {
                // Spend exactly the inputs less the fee, split like `outs`.
                let spend = total.saturating_sub(fee).max(1);
                let w: u64 = outs.iter().sum();
                let mut v: Vec<u64> = outs.iter().map(|o| (spend * o / w).max(1)).collect();
                let s: u64 = v.iter().sum();
                if s > total {
                    v = vec![total.max(1)];
                }
                v
            };
            let refs: Vec<(&str, u32)> = ins.iter().map(|(t, v)| (t.as_str(), *v)).collect();
            g.add(&name, &refs, &outputs);
            for (k, v) in outputs.iter().enumerate() {
                unspent.push((name.clone(), k as u32, *v));
            }
        }
        g
    })
}

proptest! {
    #[test]
    fn fifo_and_haircut_conserve_and_nest(g in random_graph(), hops in 1u32..8) {
        let src = GraphView::tx(&g, "t0").unwrap();
        prop_assume!(!src.outputs.is_empty());
        let p = taint_forward(&g, "t0", 0, Policy::Poison, hops).unwrap();
        let h = taint_forward(&g, "t0", 0, Policy::Haircut, hops).unwrap();
        let f = taint_forward(&g, "t0", 0, Policy::Fifo, hops).unwrap();
        for r in [&h, &f] {
            prop_assert_eq!(r.unspent + r.fees + r.beyond_horizon, r.source_amount);
            for o in &r.outputs {
                prop_assert!(o.tainted <= o.value);
            }
        }
        let set = |r: &TaintReport| -> std::collections::HashSet<(String, u32)> { r.outputs.iter().filter(|o| o.tainted > 0).map(|o| (o.txid.clone(), o.vout)).collect() };
        let (sp, sh, sf) = (set(&p), set(&h), set(&f));
        // Exact haircut shares reach every output poison reaches; rounded
        // to satoshis, both haircut and FIFO stay within them.
        prop_assert!(sf.is_subset(&sp), "FIFO ⊄ poison");
        prop_assert!(sh.is_subset(&sp), "haircut ⊄ poison");
        // Where the tainted amount is large against the outputs, rounding
        // cannot hide an output: FIFO ⊆ haircut then holds in satoshis too.
        if h.outputs.iter().all(|o| o.tainted == o.value) {
            prop_assert!(sf.is_subset(&sh), "FIFO ⊄ haircut");
        }
    }
}
