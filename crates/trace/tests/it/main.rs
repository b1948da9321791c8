#![allow(clippy::unwrap_used)]
//! Taint stories in a tiny transaction language, invariants under random
//! graphs (proptest), and the first real payment chain.

use kansa_chain::Graph;
use kansa_trace::{
    exposure, parse_outpoint, taint_forward, trace, AddressLabel, Direction, LabelLookup, MemGraph,
    Policy, TaintReport, TraceOptions,
};
use proptest::prelude::*;

/// The taint a report gives output `vout` of the transaction named `tx`.
fn tainted_in(g: &MemGraph, r: &TaintReport, tx: &str, vout: u32) -> u128 {
    let id = g.id(tx);
    r.outputs
        .iter()
        .find(|o| o.txid == id && o.vout == vout)
        .map(|o| o.tainted)
        .unwrap_or(0)
}

/// A built story: the graph and its names.
struct Story {
    names: MemGraph,
    g: Graph,
}

impl Story {
    fn new(build: impl Fn(&mut MemGraph)) -> Story {
        let mut names = MemGraph::new();
        build(&mut names);
        assert!(names.anomalies().is_empty(), "{:?}", names.anomalies());
        let mut again = MemGraph::new();
        build(&mut again);
        Story {
            names,
            g: again.build(),
        }
    }

    fn fwd(&self, tx: &str, vout: u32, p: Policy, hops: u32) -> TaintReport {
        taint_forward(&self.g, &self.names.id(tx), vout, p, hops).unwrap()
    }

    fn out(&self, tx: &str, vout: u32) -> u64 {
        parse_outpoint(&self.g, &format!("{}:{vout}", self.names.id(tx))).unwrap()
    }

    fn t(&self, r: &TaintReport, tx: &str, vout: u32) -> u128 {
        tainted_in(&self.names, r, tx, vout)
    }
}

/// hack → (tx_a: 60 + 40 with 0 fee) → tx_b merges tx_a:0 with a clean 100
/// into 150 + 45 (5 fee).
fn story() -> Story {
    Story::new(|g| {
        g.add("hack", &[], &[100]);
        g.add("clean", &[], &[100]);
        g.add("tx_a", &[("hack", 0)], &[60, 40]);
        g.add("tx_b", &[("tx_a", 0), ("clean", 0)], &[150, 5]);
    })
}

#[test]
fn poison_haircut_and_fifo_on_a_story() {
    let s = story();
    let p = s.fwd("hack", 0, Policy::Poison, 10);
    assert_eq!((s.t(&p, "tx_b", 0), s.t(&p, "tx_b", 1)), (150, 5));
    let h = s.fwd("hack", 0, Policy::Haircut, 10);
    // tx_b: 60 tainted of 160 in; outputs 150 and 5, fee 5: 56.25, 1.875, 1.875 → 56, 2, 2.
    assert_eq!((s.t(&h, "tx_b", 0), s.t(&h, "tx_b", 1), h.fees), (56, 2, 2));
    let f = s.fwd("hack", 0, Policy::Fifo, 10);
    // FIFO: the 60 tainted satoshis come first and all land in the 150 output.
    assert_eq!((s.t(&f, "tx_b", 0), s.t(&f, "tx_b", 1), f.fees), (60, 0, 0));
    for r in [&h, &f] {
        assert_eq!(r.resting(), 100);
        assert_eq!(r.unspent + r.fees, 100);
    }
    // One hop only: tx_a's outputs carry the taint, tx_b is beyond the horizon.
    let f1 = s.fwd("hack", 0, Policy::Fifo, 1);
    assert_eq!((f1.beyond_horizon, f1.unspent), (60, 40));
    assert!(taint_forward(&s.g, &s.names.id("nope"), 0, Policy::Fifo, 3).is_err());
    assert!(taint_forward(&s.g, &s.names.id("hack"), 7, Policy::Fifo, 3).is_err());
    assert!(taint_forward(&s.g, "not a txid", 0, Policy::Fifo, 3).is_err());
}

#[test]
fn fifo_fee_goes_last() {
    let s = Story::new(|g| {
        g.add("clean", &[], &[90]);
        g.add("hack", &[], &[10]);
        // Clean input first, tainted last: the tainted tail pays the fee.
        g.add("tx", &[("clean", 0), ("hack", 0)], &[50, 45]);
    });
    let f = s.fwd("hack", 0, Policy::Fifo, 5);
    assert_eq!((s.t(&f, "tx", 0), s.t(&f, "tx", 1), f.fees), (0, 5, 5));
}

#[test]
fn backward_attributes_an_output_to_its_origins() {
    let s = story();
    let src = s.out("tx_b", 0); // 150 out of 60 (hack via tx_a) + 100 clean, 5 fee
    let mut o = TraceOptions::new(Policy::Haircut, Direction::Backward, 10);
    let h = trace(&s.g, &[src], &o).unwrap();
    // 150 shared over inputs 60 and 100: 56.25 and 93.75 → 56 and 94.
    assert_eq!((s.t(&h, "tx_a", 0), s.t(&h, "clean", 0)), (56, 94));
    assert_eq!(s.t(&h, "hack", 0), 56);
    assert_eq!((h.mined, h.resting()), (150, 150));
    o.policy = Policy::Fifo;
    let f = trace(&s.g, &[src], &o).unwrap();
    // The first 150 satoshis of the run: tx_a's 60 whole, then 90 of clean.
    assert_eq!((s.t(&f, "tx_a", 0), s.t(&f, "clean", 0)), (60, 90));
    assert_eq!((f.mined, f.resting()), (150, 150));
    o.policy = Policy::Poison;
    let p = trace(&s.g, &[src], &o).unwrap();
    assert_eq!((s.t(&p, "hack", 0), s.t(&p, "clean", 0)), (100, 100));
    // Horizon: one hop back sees tx_b's inputs and goes no further.
    let mut o1 = TraceOptions::new(Policy::Haircut, Direction::Backward, 1);
    let h1 = trace(&s.g, &[src], &o1).unwrap();
    assert_eq!((h1.beyond_horizon, h1.mined), (150, 0));
    assert_eq!(s.t(&h1, "hack", 0), 0);
    // A stop address ends the trail where it is met.
    o1.max_hops = 10;
    o1.stop.insert(s.g.address_index("tx_a:0").unwrap());
    let st = trace(&s.g, &[src], &o1).unwrap();
    assert_eq!((st.stopped, st.mined), (56, 94));
    // A minimum amount: attributions under it are not followed.
    let mut om = TraceOptions::new(Policy::Haircut, Direction::Backward, 10);
    om.min_amount = 60;
    let m = trace(&s.g, &[src], &om).unwrap();
    assert_eq!((m.below_minimum, m.mined), (56, 94));
}

/// A hack laundered through a peel chain into an exchange deposit address,
/// and a customer who deposits from a mixer-adjacent address.
fn laundering() -> Story {
    Story::new(|g| {
        g.add_to("hack", &[], &[(1000, "thief")]);
        g.add_to("peel1", &[("hack", 0)], &[(300, "exch_dep"), (690, "hop1")]);
        g.add_to(
            "peel2",
            &[("peel1", 1)],
            &[(200, "victim_cust"), (480, "hop2")],
        );
        g.add_to("clean", &[], &[(800, "salary")]);
        g.add_to("mix", &[], &[(500, "mixer")]);
        // The customer's wallet merges the hack's 200 and a clean 800, then
        // pays 400 to a shop; a mixer payout of 500 arrives directly.
        g.add_to(
            "merge",
            &[("peel2", 0), ("clean", 0)],
            &[(400, "shop"), (590, "cust")],
        );
        g.add_to("mixout", &[("mix", 0)], &[(495, "cust")]);
    })
}

fn labels(g: &Graph) -> LabelLookup {
    let l = |address: &str, category: &str, label: &str| AddressLabel {
        category: category.into(),
        label: label.into(),
        actor: None,
        source: "test".into(),
        address: address.into(),
        currency: "BTC".into(),
        confidence: None,
        pack: "test".into(),
    };
    LabelLookup::new(
        g,
        [
            l("thief", "hack", "The exchange hack"),
            l("mixer", "mixer", "A mixer"),
            l("exch_dep", "exchange", "An exchange"),
        ],
    )
}

#[test]
fn exposure_incoming_splits_direct_and_indirect_with_paths() {
    let s = laundering();
    let lab = labels(&s.g);
    let e = exposure(&s.g, "cust", Direction::Backward, 6, &lab, None).unwrap();
    assert_eq!(e.amount, 590 + 495);
    let line = |c: &str| e.categories.iter().find(|l| l.category == c).cloned();
    // The mixer paid the customer directly: 495 of the 500 (5 went in fees).
    let mixer = line("mixer").unwrap();
    assert_eq!((mixer.direct, mixer.indirect), (495, 0));
    // The hack: 590 of merge's 990 output share comes from 200/1000 inputs
    // → 118; three hops back through peel2 and peel1 to the thief.
    let hack = line("hack").unwrap();
    assert_eq!((hack.direct, hack.indirect, hack.total), (0, 118, 118));
    let p = &hack.top_paths[0];
    assert_eq!(p.address, "thief");
    assert_eq!(
        p.steps.first().unwrap(),
        &format!("{}:0", s.names.id("hack"))
    );
    assert_eq!(
        p.steps.last().unwrap(),
        &format!("{}:1", s.names.id("merge"))
    );
    assert_eq!(p.steps.len(), 4, "{:?}", p.steps);
    assert!(line("exchange").is_none());
    // Haircut conserves: categories plus the unlabelled rest make the whole.
    let labelled: u128 = e.categories.iter().map(|l| l.total).sum();
    assert_eq!(labelled + e.unlabelled, e.amount);
    // The hack is more severe than the mixer and comes first.
    assert_eq!(e.categories[0].category, "hack");
    // Two hops see the mixer but not the hack.
    let e2 = exposure(&s.g, "cust", Direction::Backward, 2, &lab, None).unwrap();
    assert!(e2.categories.iter().all(|l| l.category != "hack"));
    assert!(exposure(&s.g, "nobody", Direction::Backward, 2, &lab, None).is_err());
    // One deposit rather than the whole address: the mixer's payout alone.
    let dep = format!("{}:0", s.names.id("mixout"));
    let d = exposure(&s.g, &dep, Direction::Backward, 6, &lab, None).unwrap();
    assert_eq!(d.amount, 495);
    assert_eq!(d.categories.len(), 1);
    assert_eq!(
        (d.categories[0].category.as_str(), d.categories[0].direct),
        ("mixer", 495)
    );
}

#[test]
fn exposure_outgoing_ends_at_the_exchange() {
    let s = laundering();
    let lab = labels(&s.g);
    // Where the thief's funds went: 300 straight to the exchange's deposit address.
    let e = exposure(&s.g, "thief", Direction::Forward, 6, &lab, None).unwrap();
    assert_eq!(e.own_labels[0].category, "hack");
    let ex = e
        .categories
        .iter()
        .find(|l| l.category == "exchange")
        .unwrap();
    assert_eq!((ex.direct, ex.indirect), (300, 0));
    let labelled: u128 = e.categories.iter().map(|l| l.total).sum();
    assert_eq!(labelled + e.unlabelled, 1000);
}

/// The graph of one of the real block files in `../shared/data/chain/btc`.
fn real_graph(file: &str) -> Option<Graph> {
    let p = kansa_testdata::shared(&format!("chain/btc/{file}"))?;
    let bytes = std::fs::read(&p).unwrap();
    let mut l = kansa_chain::Ledger::new();
    let mut r = kansa_chain::IngestReport::default();
    for (o, b) in kansa_chain::split_blk(&bytes).unwrap() {
        l.ingest_block(b, &format!("{file}@{o}"), &mut r).unwrap();
    }
    Some(l.into_graph())
}

#[test]
fn the_first_real_payment_forward_and_backward() {
    let Some(g) = real_graph("firstblocks-0-589.blk") else {
        return;
    };
    let block9 = "0437cd7f8525ceed2324359c2d0ba26006d92d856a9c20fa0241106ee5a597c9";
    let tx170 = "f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16";
    let t = |r: &TaintReport, tx: &str, v: u32| {
        r.outputs
            .iter()
            .find(|o| o.txid == tx && o.vout == v)
            .map(|o| o.tainted)
            .unwrap_or(0)
    };
    for policy in [Policy::Poison, Policy::Haircut, Policy::Fifo] {
        let r = taint_forward(&g, block9, 0, policy, 10).unwrap();
        // 10 BTC to Hal Finney (output 0), 40 BTC back (output 1): all of it is block 9's coinbase.
        assert_eq!(t(&r, tx170, 0), 1_000_000_000, "{policy:?}");
        assert_eq!(t(&r, tx170, 1), 4_000_000_000, "{policy:?}");
        if policy != Policy::Poison {
            assert_eq!(r.resting(), 5_000_000_000, "{policy:?}");
        }
        // The peel chain: 170 → 181 → 182 → 183 → 248.
        assert!(r.outputs.iter().any(|o| o.hop >= 4), "{policy:?}");
    }
    // Backward from Hal's 10 BTC: all of it mined in block 9, one hop back.
    let hal = parse_outpoint(&g, &format!("{tx170}:0")).unwrap();
    let b = trace(
        &g,
        &[hal],
        &TraceOptions::new(Policy::Haircut, Direction::Backward, 5),
    )
    .unwrap();
    assert_eq!((b.mined, t(&b, block9, 0)), (1_000_000_000, 1_000_000_000));
    // Exposure with block 9's coinbase address labelled: Hal's receipt is direct.
    let lab = LabelLookup::new(
        &g,
        [AddressLabel {
            category: "hack".into(),
            label: "pretend".into(),
            actor: None,
            source: "test".into(),
            address: "12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S".into(),
            currency: "BTC".into(),
            confidence: None,
            pack: "test".into(),
        }],
    );
    let e = exposure(
        &g,
        "1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3",
        Direction::Backward,
        3,
        &lab,
        None,
    )
    .unwrap();
    assert_eq!(e.categories[0].direct, 1_000_000_000);
}

/// A random graph: `n` transactions, each spending some unspent outputs of
/// earlier ones (or none: a coinbase), paying a fee of up to 3.
fn random_graph() -> impl Strategy<Value = Graph> {
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
        g.build()
    })
}

proptest! {
    #[test]
    fn fifo_and_haircut_conserve_and_nest(g in random_graph(), hops in 1u32..8) {
        let t0 = MemGraph::new().id("t0");
        let p = taint_forward(&g, &t0, 0, Policy::Poison, hops).unwrap();
        let h = taint_forward(&g, &t0, 0, Policy::Haircut, hops).unwrap();
        let f = taint_forward(&g, &t0, 0, Policy::Fifo, hops).unwrap();
        for r in [&h, &f] {
            prop_assert_eq!(r.resting(), r.source_amount);
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

    #[test]
    fn backward_traces_conserve_the_traced_amount(g in random_graph(), hops in 1u32..8, pick in 0usize..1000) {
        // Backward from any output: every satoshi is mined, unknown or
        // beyond the horizon, exactly, under haircut and FIFO.
        let n = g.output_count() as usize;
        let src = (pick % n) as u64;
        for policy in [Policy::Haircut, Policy::Fifo] {
            let r = trace(&g, &[src], &TraceOptions::new(policy, Direction::Backward, hops)).unwrap();
            prop_assert_eq!(r.resting(), r.source_amount);
            prop_assert_eq!(r.mined + r.unknown + r.beyond_horizon, r.source_amount);
            for o in &r.outputs {
                prop_assert!(o.tainted <= o.value);
            }
            // With stop addresses and a minimum amount, in both directions,
            // from two sources at once: still exact.
            for dir in [Direction::Backward, Direction::Forward] {
                let mut o = TraceOptions::new(policy, dir, hops);
                o.min_amount = (pick % 40) as u128;
                o.stop.insert((pick % g.address_count()) as u32);
                o.stop.insert((pick / 7 % g.address_count()) as u32);
                let other = (pick / 3 % n) as u64;
                let r = trace(&g, &[src, other], &o).unwrap();
                prop_assert_eq!(r.resting(), r.source_amount, "{:?}", dir);
            }
        }
    }
}

#[test]
fn a_cluster_inherits_its_addresses_labels() {
    // x1 and x2 are co-spent by `merge`: one wallet. Only x2 is labelled.
    let s = Story::new(|g| {
        g.add_to("a", &[], &[(100, "x1")]);
        g.add_to("b", &[], &[(100, "x2")]);
        g.add_to("merge", &[("a", 0), ("b", 0)], &[(150, "y"), (45, "x1")]);
        g.add_to("pay", &[("merge", 0)], &[(140, "cust")]);
    });
    let lab = LabelLookup::new(
        &s.g,
        [AddressLabel {
            category: "exchange".into(),
            label: "An exchange".into(),
            actor: None,
            source: "test".into(),
            address: "x2".into(),
            currency: "BTC".into(),
            confidence: None,
            pack: "test".into(),
        }],
    );
    let x1 = s.g.address_index("x1").unwrap();
    assert_eq!(lab.labels(&s.g, x1)[0].label, "An exchange");
    let e = exposure(&s.g, "cust", Direction::Backward, 6, &lab, None).unwrap();
    // 140 → merge:0 → shared 70/70 over x1 and x2, both the exchange's.
    assert_eq!(e.categories[0].category, "exchange");
    assert_eq!((e.categories[0].direct, e.categories[0].indirect), (0, 140));
    // The exchange's own exposure does not count itself.
    let own = exposure(&s.g, "x1", Direction::Backward, 6, &lab, None).unwrap();
    assert!(own.categories.is_empty());
    assert_eq!(own.own_labels[0].category, "exchange");
}

mod cross;

/// FIFO follows a tainted fee into the coinbase of its block, on a real
/// 2019 block: a transaction spending an output made earlier in the same
/// block pays a fee; that fee is found in the miner's output.
#[test]
fn fifo_fees_go_into_the_coinbase_of_their_block() {
    let Some(g) = real_graph("block2019Jan.blk") else {
        return;
    };
    // The first transaction with a fee whose last input was made in this block.
    let (tx, prev) = (1..g.tx_count() as u32)
        .find_map(|t| {
            let last = g.inputs(t).last()?;
            let p = g.input_prev(last);
            (p != kansa_chain::NONE64 && g.fee(t) > 0).then_some((t, p))
        })
        .expect("a chained transaction with a fee");
    let coinbase = g.block_txs(g.block_of(tx)).start;
    assert!(g.is_coinbase(coinbase));
    let mut opts = TraceOptions::new(Policy::Fifo, Direction::Forward, 1);
    assert!(opts.fees_to_coinbase);
    opts.fees_to_coinbase = false;
    let kept = trace(&g, &[prev], &opts).unwrap();
    // The last input's satoshis end the run: the fee is taken from them.
    assert_eq!(kept.fees, g.fee(tx).min(g.value(prev)));
    opts.fees_to_coinbase = true;
    let followed = trace(&g, &[prev], &opts).unwrap();
    assert_eq!(followed.resting(), followed.source_amount);
    let cb_txid = g.txid(coinbase);
    let in_coinbase: u128 = followed
        .outputs
        .iter()
        .filter(|o| o.txid == cb_txid)
        .map(|o| o.tainted)
        .sum();
    assert!(in_coinbase > 0);
    assert_eq!(in_coinbase + followed.fees, kept.fees);
    // The coinbase claims the subsidy (12.5 BTC) and more than the fees
    // known here (most inputs were made before this block): all of the
    // tainted fee lands in it.
    let known: u128 = g.block_txs(0).skip(1).map(|t| g.fee(t)).sum();
    assert!(g.output_total(coinbase) > 1_250_000_000 + known);
    assert_eq!(followed.fees, 0);
    // Haircut and poison keep fees where they rest unless asked.
    let h = trace(
        &g,
        &[prev],
        &TraceOptions::new(Policy::Haircut, Direction::Forward, 1),
    )
    .unwrap();
    assert!(h.outputs.iter().all(|o| o.txid != cb_txid));
}

/// Backward, FIFO reads a coinbase's outputs as the fees of its block in
/// order and then the subsidy: on the real 2019 block, the miner's output
/// is followed back into the input that paid a known fee, and the rest is
/// mined.
#[test]
fn fifo_backward_follows_a_coinbase_into_the_fees_it_collected() {
    let Some(g) = real_graph("block2019Jan.blk") else {
        return;
    };
    let coinbase = g.block_txs(0).start;
    assert!(g.is_coinbase(coinbase));
    // Fees known in this one-block graph: transactions whose inputs were
    // all made in this block.
    let payers: Vec<u32> = g.block_txs(0).skip(1).filter(|t| g.fee(*t) > 0).collect();
    let known: u128 = payers.iter().map(|t| g.fee(*t)).sum();
    assert!(!payers.is_empty());
    let miner = g.outputs(coinbase).start;
    assert!(
        g.value(miner) > known,
        "the miner's output holds every known fee"
    );
    let opts = TraceOptions::new(Policy::Fifo, Direction::Backward, 3);
    assert!(opts.fees_to_coinbase);
    let r = trace(&g, &[miner], &opts).unwrap();
    assert_eq!(r.resting(), r.source_amount);
    // The subsidy's part (and fees not known here) is mined; the known
    // fees went back to their payers' inputs.
    assert_eq!(r.mined + known, r.source_amount);
    // A payer none of whose outputs is spent here: its inputs are reached
    // through its fee only.
    let first = *payers
        .iter()
        .find(|t| g.outputs(**t).all(|o| g.spender(o).is_none()))
        .expect("a payer whose outputs are unspent");
    let last_in = g.inputs(first).last().unwrap();
    let prev = g.input_prev(last_in);
    let back: u128 = r
        .outputs
        .iter()
        .filter(|o| o.out == prev)
        .map(|o| o.tainted)
        .sum();
    // The fee ends the run of the inputs: it is taken from the last input.
    assert_eq!(back, g.fee(first).min(g.value(prev)));
    // Without following fees, the whole output is mined.
    let mut off = opts.clone();
    off.fees_to_coinbase = false;
    let r = trace(&g, &[miner], &off).unwrap();
    assert_eq!(r.mined, r.source_amount);
}

/// A coinbase spent within its own block (Bitcoin's maturity rule forbids
/// it; a hand-made graph can) is not followed back into the fees it
/// collected: its spender's fee would lead back to it, a cycle with no
/// order to walk it in. What reaches it is mined, under every policy.
#[test]
fn a_coinbase_spent_within_its_block_is_not_followed_into_its_fees() {
    let mut m = MemGraph::new();
    m.add("cb0", &[], &[50]);
    // The coinbase claims both fees of its block and 80 of subsidy; its
    // first output is spent in the same block.
    m.add("cb1", &[], &[100, 20]);
    m.same_block().add("t0", &[("cb1", 0)], &[90]);
    m.same_block().add("t1", &[("cb0", 0)], &[40]);
    let t0 = m.id("t0");
    let g = m.build();
    let t0_out = g.outputs(g.tx_index(&t0).unwrap()).start;
    for policy in [Policy::Poison, Policy::Haircut, Policy::Fifo] {
        let mut o = TraceOptions::new(policy, Direction::Backward, 5);
        o.fees_to_coinbase = true;
        let r = trace(&g, &[t0_out], &o).unwrap();
        let reached: Vec<String> = r.outputs.iter().filter_map(|x| x.address.clone()).collect();
        // Back to the coinbase's output, not on into t1's fee and cb0.
        assert_eq!(reached, ["t0:0", "cb1:0"], "{policy:?}");
        let attributed = if policy == Policy::Poison { 100 } else { 90 };
        assert_eq!(r.mined, attributed, "{policy:?}");
    }
}

/// Blocks of a coinbase and spending transactions (fees paid to the
/// coinbase of their block; a coinbase may even be spent within its own
/// block, which Bitcoin forbids but a hand-made graph allows).
fn random_blocks() -> impl Strategy<Value = Graph> {
    prop::collection::vec(
        (
            prop::collection::vec(1u64..1000, 1..3),
            prop::collection::vec(
                (prop::collection::vec(0usize..100, 1..4), 1u64..4, 0u64..50),
                0..5,
            ),
        ),
        2..8,
    )
    .prop_map(|blocks| {
        let mut g = MemGraph::new();
        let mut unspent: Vec<(String, u32, u64)> = Vec::new();
        let mut n = 0;
        for (b, (cb_outs, txs)) in blocks.into_iter().enumerate() {
            let cb = format!("cb{b}");
            // The coinbase pays its outputs plus the block's fees, roughly.
            g.add(&cb, &[], &cb_outs);
            for (k, v) in cb_outs.iter().enumerate() {
                unspent.push((cb.clone(), k as u32, *v));
            }
            for (picks, parts, fee) in txs {
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
                if ins.is_empty() || total <= fee {
                    continue;
                }
                let spend = total - fee;
                let outs: Vec<u64> = (0..parts)
                    .map(|i| spend / parts + u64::from(i == 0) * (spend % parts))
                    .filter(|v| *v > 0)
                    .collect();
                let name = format!("t{n}");
                n += 1;
                let refs: Vec<(&str, u32)> = ins.iter().map(|(t, v)| (t.as_str(), *v)).collect();
                g.same_block().add(&name, &refs, &outs);
                for (k, v) in outs.iter().enumerate() {
                    unspent.push((name.clone(), k as u32, *v));
                }
            }
        }
        g.build()
    })
}

proptest! {
    #[test]
    fn fees_into_coinbases_conserve_and_nest(g in random_blocks(), hops in 1u32..10, pick in 0u64..1000) {
        let src = pick % g.output_count();
        let run = |policy: Policy, dir: Direction| {
            let mut o = TraceOptions::new(policy, dir, hops);
            o.fees_to_coinbase = true;
            trace(&g, &[src], &o).unwrap()
        };
        let all = |dir| (run(Policy::Poison, dir), run(Policy::Haircut, dir), run(Policy::Fifo, dir));
        let (p, h, f) = all(Direction::Forward);
        for r in [&h, &f] {
            prop_assert_eq!(r.resting(), r.source_amount, "{:?}", r.policy);
            for o in &r.outputs {
                prop_assert!(o.tainted <= o.value);
            }
        }
        let set = |r: &TaintReport| -> std::collections::HashSet<(String, u32)> {
            r.outputs.iter().filter(|o| o.tainted > 0).map(|o| (o.txid.clone(), o.vout)).collect()
        };
        let brief = |r: &TaintReport| {
            r.outputs
                .iter()
                .map(|o| format!("{}@{}={}", o.address.clone().unwrap_or_default(), o.hop, o.tainted))
                .collect::<Vec<_>>()
                .join(" ")
        };
        prop_assert!(set(&f).is_subset(&set(&p)), "FIFO ⊄ poison:\nF {}\nP {}", brief(&f), brief(&p));
        prop_assert!(set(&h).is_subset(&set(&p)), "haircut ⊄ poison:\nH {}\nP {}", brief(&h), brief(&p));
        // Backward through coinbases into the fees they collected: exact too,
        // and FIFO's and haircut's origins are among poison's.
        let (p, h, f) = all(Direction::Backward);
        for r in [&h, &f] {
            prop_assert_eq!(r.resting(), r.source_amount, "{:?} backward", r.policy);
            // (A fee may lead back to the source itself where a coinbase is
            // spent within its block.)
            prop_assert_eq!(r.mined + r.unknown + r.beyond_horizon + r.into_sources, r.source_amount);
            for o in &r.outputs {
                prop_assert!(o.tainted <= o.value);
            }
        }
        prop_assert!(set(&f).is_subset(&set(&p)), "FIFO ⊄ poison backward:\nF {}\nP {}", brief(&f), brief(&p));
        prop_assert!(set(&h).is_subset(&set(&p)), "haircut ⊄ poison backward:\nH {}\nP {}", brief(&h), brief(&p));
    }
}
