#![allow(clippy::unwrap_used)]
//! Ingest of the real mainnet blocks in ../shared/data/chain/btc.

use kansa_chain::{looks_framed, split_blk, unxor, IngestReport, Ledger, ScriptKind};

fn data(rel: &str) -> Option<Vec<u8>> {
    kansa_testdata::shared(&format!("chain/btc/{rel}")).map(|p| std::fs::read(p).unwrap())
}

fn ingest_all(ledger: &mut Ledger, bytes: &[u8], name: &str) -> IngestReport {
    let mut r = IngestReport::default();
    for (off, b) in split_blk(bytes).unwrap() {
        ledger
            .ingest_block(b, &format!("{name}@{off}"), &mut r)
            .unwrap();
    }
    r
}

const SATOSHI: &str = "12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S";
const HAL: &str = "1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3";
const TX_170: &str = "f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16";

#[test]
fn genesis_pays_fifty_bitcoin_to_its_p2pk_key() {
    let Some(b) = data("genesis.blk") else { return };
    let mut l = Ledger::new();
    let r = ingest_all(&mut l, &b, "genesis.blk");
    assert_eq!((r.blocks_new, r.transactions, r.orphans), (1, 1, 0));
    let g = l.into_graph();
    let s = g.address_stats("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa");
    assert_eq!(
        (s.received, s.balance, s.tx_count),
        (5_000_000_000, 5_000_000_000, 1)
    );
    let tx = g.tx_record(0);
    assert_eq!(
        tx.block,
        "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f"
    );
    assert_eq!((tx.height, tx.coinbase), (Some(0), true));
}

#[test]
fn the_first_payment_block_170() {
    let Some(b) = data("firstblocks-0-589.blk") else {
        return;
    };
    let mut l = Ledger::new();
    let r = ingest_all(&mut l, &b, "firstblocks-0-589.blk");
    assert_eq!(r.orphans, 0);
    assert_eq!(l.unresolved_inputs(), 0);
    let g = l.into_graph();
    assert_eq!(g.tx_count(), 605);
    let tx = g.tx_record(g.tx_index(TX_170).unwrap());
    assert_eq!(tx.height, Some(170));
    // It spends block 9's coinbase (50 BTC to Satoshi's key) ...
    assert_eq!(
        tx.inputs[0].prev_txid,
        "0437cd7f8525ceed2324359c2d0ba26006d92d856a9c20fa0241106ee5a597c9"
    );
    assert_eq!(tx.inputs[0].value, Some(5_000_000_000));
    assert_eq!(tx.inputs[0].address.as_deref(), Some(SATOSHI));
    // ... into 10 BTC for Hal Finney and 40 BTC back, without fee.
    assert_eq!(tx.outputs[0].value, 1_000_000_000);
    assert_eq!(tx.outputs[0].address.as_deref(), Some(HAL));
    assert_eq!(tx.outputs[1].value, 4_000_000_000);
    assert_eq!(tx.outputs[1].address.as_deref(), Some(SATOSHI));
    assert_eq!(tx.fee(), Some(0));
    // The 40 BTC change is spent on in block 181 (the peel chain goes on).
    let (next, _) = tx.outputs[1].spent_by.clone().unwrap();
    assert_eq!(g.tx_record(g.tx_index(&next).unwrap()).height, Some(181));
    let hal = g.address_stats(HAL);
    assert_eq!(hal.received, 1_000_000_000);
    // Every input resolved; fees never negative.
    for t in 0..g.tx_count() as u32 {
        let t = g.tx_record(t);
        if !t.coinbase {
            assert!(t.fee().is_some(), "{}", t.txid);
        }
    }
    // Satoshi's 12cbQ… received block 9's coinbase and the change of 170.
    let s = g.address_stats(SATOSHI);
    assert!(
        s.received >= 9_000_000_000 && s.sent >= 5_000_000_000,
        "{s:?}"
    );
    let st = g.stats();
    assert_eq!(
        (st.transactions, st.blocks, st.max_height),
        (605, 590, Some(589))
    );
    assert_eq!(st.unresolved_inputs, 0);
}

#[test]
fn blocks_in_reverse_order_give_the_same_graph_and_reingest_is_a_no_op() {
    let Some(b) = data("firstblocks-0-589.blk") else {
        return;
    };
    let blocks = split_blk(&b).unwrap();
    let mut l = Ledger::new();
    let mut r = IngestReport::default();
    for (off, blk) in blocks.iter().rev() {
        l.ingest_block(blk, &format!("@{off}"), &mut r).unwrap();
    }
    assert_eq!(l.orphans(), 0, "heights arrive once the parents do");
    assert_eq!(l.unresolved_inputs(), 0);
    let g = l.into_graph();
    let tx = g.tx_record(g.tx_index(TX_170).unwrap());
    assert_eq!(tx.height, Some(170));
    assert_eq!(g.address_stats(HAL).received, 1_000_000_000);
    // Re-ingest over the finished graph (as after a reopen): nothing new.
    let mut l = Ledger::from_graph(g);
    let again = ingest_all(&mut l, &b, "again");
    assert_eq!(
        (
            again.blocks_new,
            again.blocks_already_known,
            again.transactions
        ),
        (0, blocks.len() as u64, 0)
    );
    assert_eq!(l.tx_count(), 605);
}

#[test]
fn a_second_import_resolves_what_the_first_left_waiting() {
    let Some(b) = data("firstblocks-0-589.blk") else {
        return;
    };
    let blocks = split_blk(&b).unwrap();
    // The later half first, as its own import: its spends of early coins wait.
    let mut l = Ledger::new();
    let mut r = IngestReport::default();
    for (off, blk) in &blocks[300..] {
        l.ingest_block(blk, &format!("@{off}"), &mut r).unwrap();
    }
    assert!(r.orphans > 0 && l.unresolved_inputs() > 0);
    let g = l.into_graph();
    assert!(g.stats().unresolved_inputs > 0);
    assert!(g.stats().orphan_blocks > 0);
    let mut l = Ledger::from_graph(g);
    let mut r = IngestReport::default();
    for (off, blk) in &blocks[..300] {
        l.ingest_block(blk, &format!("@{off}"), &mut r).unwrap();
    }
    let g = l.into_graph();
    let st = g.stats();
    assert_eq!((st.unresolved_inputs, st.orphan_blocks), (0, 0), "{st:?}");
    assert_eq!(st.max_height, Some(589));
    let tx = g.tx_record(g.tx_index(TX_170).unwrap());
    assert!(tx.outputs[1].spent_by.is_some());
    assert_eq!(g.address_stats(HAL).received, 1_000_000_000);
}

#[test]
fn segwit_blocks_and_a_raw_block_with_unknown_prevouts() {
    let Some(b) = data("scriptwitness.blk") else {
        return;
    };
    let mut l = Ledger::new();
    let r = ingest_all(&mut l, &b, "scriptwitness.blk");
    assert!(r.transactions > 0);
    let Some(raw) =
        data("mainnet_block_000000000000000000000c835b2adcaedc20fdf6ee440009c249452c726dafae.raw")
    else {
        return;
    };
    let mut l = Ledger::new();
    let mut r = IngestReport::default();
    l.ingest_block(&raw, "raw", &mut r).unwrap();
    assert_eq!(r.transactions, 2500);
    // Outside this block every spent output is unknown: each input waits, reported.
    assert_eq!(r.unresolved_inputs as usize, l.unresolved_inputs());
    assert!(r.unresolved_inputs > 2499);
    assert_eq!(r.orphans, 1);
    let g = l.into_graph();
    let mut kinds = std::collections::HashSet::new();
    for t in 0..g.tx_count() as u32 {
        let t = g.tx_record(t);
        for o in &t.outputs {
            kinds.insert(o.kind);
            if !matches!(
                o.kind,
                ScriptKind::OpReturn | ScriptKind::Multisig | ScriptKind::NonStandard
            ) {
                // Every output of a standard kind has an address (bech32 in lower case).
                let a = o
                    .address
                    .as_deref()
                    .unwrap_or_else(|| panic!("{} {:?}", t.txid, o.kind));
                if o.kind == ScriptKind::P2wpkh {
                    assert!(a.starts_with("bc1q"), "{a}");
                }
            }
        }
        // An unresolved input still names the outpoint it spends.
        if !t.coinbase {
            assert!(t.inputs.iter().all(|i| i.prev_txid.len() == 64));
        }
    }
    assert!(kinds.contains(&ScriptKind::P2wpkh), "{kinds:?}");
    assert!(kinds.contains(&ScriptKind::P2sh), "{kinds:?}");
}

#[test]
fn truncated_and_corrupted_files_are_refused() {
    let Some(b) = data("firstblocks-0-589.blk") else {
        return;
    };
    let err = split_blk(&b[..b.len() - 10]).unwrap_err().to_string();
    assert!(err.contains("truncated"), "{err}");
    // A length field turned into 4 GB (bytes 297..301 hold the second block's length).
    let mut huge = b.clone();
    huge[300] = 0xff;
    let err = split_blk(&huge).unwrap_err().to_string();
    assert!(
        err.contains("byte 297") && err.contains("no block exceeds"),
        "{err}"
    );
    // A byte changed inside a transaction of the third block: its merkle
    // root no longer matches.
    let third = split_blk(&b).unwrap()[2].0;
    let mut bad = b.clone();
    bad[third + 120] ^= 0xff;
    let mut l = Ledger::new();
    let mut r = IngestReport::default();
    let blocks = split_blk(&bad).unwrap();
    let errs: Vec<String> = blocks
        .iter()
        .filter_map(|(o, blk)| l.ingest_block(blk, &format!("@{o}"), &mut r).err())
        .collect();
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(errs[0].contains("merkle"), "{errs:?}");
}

#[test]
fn xor_obfuscated_files_read_back() {
    let Some(b) = data("firstblocks-0-589.blk") else {
        return;
    };
    let key = [0x5a, 0x13, 0x00, 0xee, 0x01, 0x99, 0x42, 0x7f];
    let mut x = b.clone();
    unxor(&mut x, &key);
    assert!(!looks_framed(&x));
    unxor(&mut x, &key);
    assert_eq!(split_blk(&x).unwrap().len(), 590);
}

#[test]
fn co_spends_at_blocks_496_and_586_merge_addresses() {
    let Some(b) = data("firstblocks-0-589.blk") else {
        return;
    };
    let mut l = Ledger::new();
    ingest_all(&mut l, &b, "firstblocks-0-589.blk");
    let g = l.into_graph();
    let merges: Vec<kansa_chain::TxRecord> = (0..g.tx_count() as u32)
        .map(|t| g.tx_record(t))
        .filter(|t| {
            let mut a: Vec<&str> = t
                .inputs
                .iter()
                .filter_map(|i| i.address.as_deref())
                .collect();
            a.sort();
            a.dedup();
            a.len() >= 2
        })
        .collect();
    let mut heights: Vec<u32> = merges.iter().filter_map(|t| t.height).collect();
    heights.sort();
    assert!(
        heights.contains(&496) && heights.contains(&586),
        "{heights:?}"
    );
    for t in &merges {
        let addrs: Vec<&str> = t
            .inputs
            .iter()
            .filter_map(|i| i.address.as_deref())
            .collect();
        let first = g.cluster_of(addrs[0]).unwrap();
        assert!(first.size >= 2);
        for a in &addrs[1..] {
            assert_eq!(
                g.cluster_of(a).unwrap().id,
                first.id,
                "{a} in tx {}",
                t.txid
            );
        }
        assert_eq!(
            g.address_stats(addrs[1]).cluster.as_deref(),
            Some(first.id.as_str())
        );
    }
    // Hal's address never co-spent with Satoshi's in these blocks.
    assert_ne!(
        g.cluster_of(HAL).unwrap().id,
        g.cluster_of(SATOSHI).unwrap().id
    );
    assert!(kansa_chain::coinjoins(&g).is_empty());
    let st = g.stats();
    assert!(st.clusters < st.addresses, "{st:?}");
}

/// A Whirlpool-shaped mix (five inputs from five wallets, five equal
/// outputs) must not merge its inputs; an ordinary two-input payment does.
#[test]
fn coinjoins_are_left_out_of_clusters_and_change_is_optional() {
    let k = kansa_chain::address_key;
    let mut l = Ledger::new();
    let mut r = IngestReport::default();
    let id = |n: u8| [n; 32];
    assert!(l.begin_block([1; 32], [0; 32], &mut r));
    let w = |n: u8| format!("w{n}");
    let names: Vec<String> = (0..8).map(w).collect();
    // Coinbases paying five wallets, and a sixth for the payment.
    for n in 0..7u8 {
        l.add_tx(
            id(10 + n),
            true,
            &[],
            &[(
                100,
                ScriptKind::P2pkh,
                Some(k(&names[n as usize]).as_slice()),
            )],
            "t",
            &mut r,
        );
    }
    // The mix: w0..w4 → five equal outputs to fresh addresses.
    let mix_out: Vec<String> = (0..5).map(|k| format!("mix{k}")).collect();
    let mix_keys: Vec<Vec<u8>> = mix_out.iter().map(|a| k(a)).collect();
    let outs: Vec<kansa_chain::NewOutput> = mix_keys
        .iter()
        .map(|a| (99, ScriptKind::P2wpkh, Some(a.as_slice())))
        .collect();
    let ins: Vec<([u8; 32], u32)> = (0..5).map(|n| (id(10 + n), 0)).collect();
    l.add_tx(id(50), false, &ins, &outs, "t", &mut r).unwrap();
    // A payment: w5 and w6 co-spend to a known address (w0) and a fresh change.
    l.add_tx(
        id(51),
        false,
        &[(id(15), 0), (id(16), 0)],
        &[
            (150, ScriptKind::P2pkh, Some(k("w0").as_slice())),
            (45, ScriptKind::P2pkh, Some(k("change").as_slice())),
        ],
        "t",
        &mut r,
    )
    .unwrap();
    assert!(r.anomalies.is_empty(), "{:?}", r.anomalies);
    let g = Ledger::from_graph(l.into_graph()).into_graph();
    assert_eq!(kansa_chain::coinjoins(&g).len(), 1);
    assert_eq!(g.cluster_of("w0").unwrap().size, 1);
    assert_eq!(g.cluster_of("w5").unwrap().addresses, vec!["w5", "w6"]);
    assert_eq!(g.cluster_of("change").unwrap().size, 1);
    let with_change = Ledger::from_graph(g).into_graph_with(kansa_chain::BuildOptions {
        change_heuristic: true,
    });
    assert_eq!(
        with_change.cluster_of("change").unwrap().addresses,
        vec!["change", "w5", "w6"]
    );
}

#[test]
fn bad_spends_are_recorded_not_applied() {
    let k = kansa_chain::address_key;
    let mut l = Ledger::new();
    let mut r = IngestReport::default();
    l.begin_block([1; 32], [0; 32], &mut r);
    l.add_tx(
        [2; 32],
        true,
        &[],
        &[(100, ScriptKind::P2pkh, Some(k("a").as_slice()))],
        "t",
        &mut r,
    );
    // Spends a vout that does not exist, then a double spend, then overspends.
    l.add_tx(
        [3; 32],
        false,
        &[([2; 32], 5)],
        &[(1, ScriptKind::P2pkh, Some(k("b").as_slice()))],
        "t",
        &mut r,
    );
    l.add_tx(
        [4; 32],
        false,
        &[([2; 32], 0)],
        &[(100, ScriptKind::P2pkh, Some(k("b").as_slice()))],
        "t",
        &mut r,
    );
    l.add_tx(
        [5; 32],
        false,
        &[([2; 32], 0)],
        &[(100, ScriptKind::P2pkh, Some(k("c").as_slice()))],
        "t",
        &mut r,
    );
    l.add_tx(
        [6; 32],
        false,
        &[([4; 32], 0)],
        &[(101, ScriptKind::P2pkh, Some(k("c").as_slice()))],
        "t",
        &mut r,
    );
    assert!(l
        .add_tx(
            [6; 32],
            false,
            &[],
            &[] as &[kansa_chain::NewOutput],
            "t",
            &mut r
        )
        .is_none());
    // The double spend of [2]:0 is found when the ledger settles: [2] left
    // the txid table when its one output was spent.
    let g = l.into_graph_reporting(Default::default(), &mut r);
    let all = r.anomalies.join("\n");
    for want in [
        "only 1 outputs",
        "double spend",
        "pays out 101 but spends 100",
        "duplicate txid",
    ] {
        assert!(all.contains(want), "{want}: {all}");
    }
    assert_eq!(r.unresolved_inputs, 0, "{all}");
    // The first spend is kept.
    assert_eq!(g.address_stats("a").sent, 100);
    assert_eq!(
        g.tx_record(g.tx_index(&kansa_chain::txid_hex(&[2; 32])).unwrap())
            .outputs[0]
            .spent_by
            .as_ref()
            .unwrap()
            .0,
        kansa_chain::txid_hex(&[4; 32])
    );
}

#[test]
fn a_synthetic_chain_ingests_cleanly_and_is_deterministic() {
    use bitcoin::consensus::serialize;
    let build = || {
        let mut s = kansa_chain::synth::Synth::new(30_000, 7);
        let mut blocks = Vec::new();
        while let Some(b) = s.next_block() {
            blocks.push(serialize(&b));
        }
        (blocks, s.story().clone())
    };
    let (blocks, story) = build();
    let (again, _) = build();
    assert_eq!(blocks, again, "same seed, same chain");
    let mut l = Ledger::new();
    let mut r = IngestReport::default();
    for (i, b) in blocks.iter().enumerate() {
        l.ingest_block(b, &format!("synth block {i}"), &mut r)
            .unwrap();
    }
    assert!(
        r.anomalies.is_empty(),
        "{:?}",
        &r.anomalies[..r.anomalies.len().min(5)]
    );
    assert_eq!((r.orphans, r.unresolved_inputs), (0, 0));
    assert!(r.transactions >= 30_000, "{}", r.transactions);
    let g = l.into_graph();
    let hack = g
        .tx_index(&story.hack_txid)
        .expect("the hack is in the chain");
    assert_eq!(
        g.tx_record(hack).outputs[0].value,
        story.hack_amount as u128
    );
    // Exchange hot wallets consolidate deposits: the deposit addresses of
    // an exchange end up co-spent in one cluster.
    let (_, addrs) = &story.exchanges[1];
    let c = g.cluster_of(&addrs[1]).unwrap();
    assert!(c.size > 10, "{}", c.size);
    assert!(!kansa_chain::coinjoins(&g).is_empty());
    let st = g.stats();
    assert!(st.inputs > st.outputs / 2, "{st:?}");
    assert_eq!(st.unresolved_inputs, 0);
}

mod transfers;

/// Every column of a graph, by name, as bytes.
fn parts(g: &kansa_chain::Graph) -> Vec<(&'static str, Vec<u8>)> {
    g.column_parts()
        .into_iter()
        .map(|(n, b, _)| (n, b.to_vec()))
        .collect()
}

/// Columns grown in regions (the store's are mapped files) hold the same
/// graph as columns on the heap; a region that cannot grow moves its
/// column to the heap with nothing lost, and the build says so.
#[test]
fn columns_grown_in_regions_hold_the_same_graph_and_a_full_region_loses_nothing() {
    let Some(b) = data("firstblocks-0-589.blk") else {
        return;
    };
    let build = |l: Ledger| {
        let mut l = l;
        ingest_all(&mut l, &b, "0-589");
        l.into_graph()
    };
    let heap = build(Ledger::new());
    let roomy = build(
        Ledger::new().with_space(std::sync::Arc::new(kansa_chain::column::HeapSpace(1 << 30))),
    );
    assert!(roomy.grow_errors().is_empty());
    assert!(roomy.out_value.region().is_some() && roomy.txid_order.region().is_some());
    assert_eq!(parts(&roomy), parts(&heap));
    let tight =
        build(Ledger::new().with_space(std::sync::Arc::new(kansa_chain::column::HeapSpace(4096))));
    let errors = tight.grow_errors();
    assert!(
        errors.iter().any(|e| e.starts_with("tx_txid:")),
        "{errors:?}"
    );
    assert!(tight.tx_txid.region().is_none());
    assert_eq!(parts(&tight), parts(&heap));
    assert_eq!(tight.address_stats(HAL).received, 1_000_000_000);
}

/// Addresses are numbered by merging sorted runs of (address, output)
/// records: runs of half a kilobyte (hundreds of them) give the same graph
/// as one run, and a graph extended by a second import holds the same
/// columns as one import of every block.
#[test]
fn addresses_numbered_from_many_runs_and_across_imports_agree() {
    let Some(b) = data("firstblocks-0-589.blk") else {
        return;
    };
    let mut l = Ledger::new();
    ingest_all(&mut l, &b, "0-589");
    let one = l.into_graph();
    let mut l = Ledger::new().with_address_runs(512);
    ingest_all(&mut l, &b, "0-589");
    let many = l.into_graph();
    assert_eq!(parts(&many), parts(&one));
    // The dictionary is sorted without repeats; each paid output is listed
    // once, in order, under its address.
    let n = one.address_count() as u32;
    assert!(n > 500);
    assert!((1..n).all(|a| one.address_key(a - 1) < one.address_key(a)));
    let mut listed = 0;
    for a in 0..n {
        let outs: Vec<u64> = one.address_outputs(a).collect();
        assert!(!outs.is_empty() && outs.windows(2).all(|w| w[0] < w[1]));
        for o in outs {
            assert_eq!(one.out_address(o), Some(a));
            listed += 1;
        }
    }
    let paid = (0..one.output_count())
        .filter(|o| one.out_address(*o).is_some())
        .count();
    assert_eq!(listed, paid);
    assert_eq!(one.address_stats(HAL).received, 1_000_000_000);
    // Blocks 0–299, then 300–589 onto that graph.
    let blocks = split_blk(&b).unwrap();
    let mut r = IngestReport::default();
    let mut l = Ledger::new();
    for (off, blk) in &blocks[..300] {
        l.ingest_block(blk, &format!("@{off}"), &mut r).unwrap();
    }
    let first = l.into_graph();
    assert!(first.address_count() < one.address_count());
    let mut l = Ledger::from_graph(first).with_address_runs(512);
    for (off, blk) in &blocks[300..] {
        l.ingest_block(blk, &format!("@{off}"), &mut r).unwrap();
    }
    let extended = l.into_graph();
    assert_eq!(parts(&extended), parts(&one));
}

/// Transactions with an output left to spend, counted on a built graph.
fn with_unspent_outputs(g: &kansa_chain::Graph) -> usize {
    (0..g.tx_count() as u32)
        .filter(|t| {
            g.tx_record(*t)
                .outputs
                .iter()
                .any(|o| o.spent_by.is_none() && o.kind != ScriptKind::OpReturn)
        })
        .count()
}

#[test]
fn the_txid_table_holds_only_transactions_with_outputs_left_to_spend() {
    let Some(b) = data("firstblocks-0-589.blk") else {
        return;
    };
    let mut l = Ledger::new();
    ingest_all(&mut l, &b, "firstblocks-0-589.blk");
    let (held, peak) = l.txid_table();
    let g = l.into_graph();
    // Most of the 605 transactions' coinbases are unspent in 2009; the
    // peel chain's spent links are not held.
    let live = with_unspent_outputs(&g);
    assert_eq!(held, live);
    assert!(live < g.tx_count() && peak >= held, "{live} {peak}");
    // A ledger extending the graph holds the same, and still spends them:
    // block 170's 10 BTC to Hal Finney spent in a new block.
    let tx170 = g.tx_index(TX_170).unwrap();
    let mut l = Ledger::from_graph(g);
    assert_eq!(l.txid_table().0, live);
    let mut r = IngestReport::default();
    l.begin_block([9; 32], [7; 32], &mut r);
    let prev = kansa_chain::parse_txid(TX_170).unwrap();
    l.add_tx(
        [8; 32],
        false,
        &[(prev, 0)],
        &[(
            999_000_000,
            ScriptKind::P2pkh,
            Some(kansa_chain::address_key("1BoatSLRHtKNngkdXEeobR76b53LETtpyT").as_slice()),
        )],
        "t",
        &mut r,
    );
    let g = l.into_graph_reporting(Default::default(), &mut r);
    assert_eq!(r.unresolved_inputs, 0, "{:?}", r.anomalies);
    let t = g.tx_record(g.tx_index(&kansa_chain::txid_hex(&[8; 32])).unwrap());
    assert_eq!(t.inputs[0].address.as_deref(), Some(HAL));
    assert_eq!(t.fee(), Some(1_000_000));
    assert!(g.tx_record(tx170).outputs[0].spent_by.is_some());
}

#[test]
fn a_txid_again_after_its_outputs_are_spent_is_reported_and_kept() {
    let k = kansa_chain::address_key;
    let mut l = Ledger::new();
    let mut r = IngestReport::default();
    l.begin_block([1; 32], [0; 32], &mut r);
    let pay = |a: &str| vec![(50u64, ScriptKind::P2pkh, Some(k(a)))];
    l.add_tx([2; 32], true, &[], &pay("a"), "t", &mut r);
    l.add_tx([3; 32], false, &[([2; 32], 0)], &pay("b"), "t", &mut r);
    assert_eq!(l.txid_table().0, 1, "[2] left the table, [3] is in it");
    l.begin_block([4; 32], [1; 32], &mut r);
    // [3] still has its output: a repeat is refused at once.
    assert!(l
        .add_tx([3; 32], true, &[], &pay("c"), "t", &mut r)
        .is_none());
    // [2] has none left: taken, and reported when the ledger settles.
    assert!(l
        .add_tx([2; 32], true, &[], &pay("c"), "t", &mut r)
        .is_some());
    let g = l.into_graph_reporting(Default::default(), &mut r);
    let all = r.anomalies.join("\n");
    assert!(all.contains("duplicate txid"), "{all}");
    assert!(all.contains("again in block"), "{all}");
    assert_eq!(g.tx_count(), 3);
    assert_eq!(g.address_stats("c").received, 50);
}
