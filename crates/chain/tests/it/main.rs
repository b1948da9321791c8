#![allow(clippy::unwrap_used)]
//! Ingest of the real mainnet blocks in ../shared/data/chain/btc.

use kansa_chain::{split_blk, IngestReport, Ledger};
use std::path::PathBuf;

fn data(rel: &str) -> Option<Vec<u8>> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/chain/btc")
        .join(rel);
    match std::fs::read(&p) {
        Ok(b) => Some(b),
        Err(_) => {
            eprintln!("skipped: {} is absent", p.display());
            None
        }
    }
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
    let s = l.address_stats("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa");
    assert_eq!(
        (s.received, s.balance, s.tx_count),
        (5_000_000_000, 5_000_000_000, 1)
    );
    assert_eq!(
        l.height_of("000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f"),
        Some(0)
    );
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
    assert_eq!(l.tx_count(), 605);
    let tx = l.tx(TX_170).unwrap();
    assert_eq!(l.height_of(&tx.block), Some(170));
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
    assert_eq!(l.height_of(&l.tx(&next).unwrap().block), Some(181));
    let hal = l.address_stats(HAL);
    assert_eq!(hal.received, 1_000_000_000);
    // Money is conserved: outputs never exceed resolved inputs outside coinbases.
    for t in l.block_txids(&tx.block) {
        let t = l.tx(&t).unwrap();
        if !t.coinbase {
            assert!(t.fee().is_some());
        }
    }
}

#[test]
fn blocks_in_reverse_order_give_the_same_ledger_and_reingest_is_a_no_op() {
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
    assert_eq!(l.height_of(&l.tx(TX_170).unwrap().block), Some(170));
    assert_eq!(l.address_stats(HAL).received, 1_000_000_000);
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
    let kinds: std::collections::HashSet<kansa_chain::ScriptKind> = l
        .transactions()
        .flat_map(|t| t.outputs.iter().map(|o| o.kind))
        .collect();
    assert!(
        kinds.contains(&kansa_chain::ScriptKind::P2wpkh),
        "{kinds:?}"
    );
    assert!(kinds.contains(&kansa_chain::ScriptKind::P2sh), "{kinds:?}");
    // Every output of a standard kind has an address (bech32 in lower case).
    for t in l.transactions() {
        for o in &t.outputs {
            if !matches!(
                o.kind,
                kansa_chain::ScriptKind::OpReturn
                    | kansa_chain::ScriptKind::Multisig
                    | kansa_chain::ScriptKind::NonStandard
            ) {
                let a = o
                    .address
                    .as_deref()
                    .unwrap_or_else(|| panic!("{} {:?}", t.txid, o.kind));
                if o.kind == kansa_chain::ScriptKind::P2wpkh {
                    assert!(a.starts_with("bc1q"), "{a}");
                }
            }
        }
    }
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
}

#[test]
fn co_spends_at_blocks_496_and_586_merge_addresses() {
    let Some(b) = data("firstblocks-0-589.blk") else {
        return;
    };
    let mut l = Ledger::new();
    ingest_all(&mut l, &b, "firstblocks-0-589.blk");
    let merges: Vec<&kansa_chain::TxRecord> = l
        .transactions()
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
    let heights: Vec<u64> = {
        let mut h: Vec<u64> = merges
            .iter()
            .filter_map(|t| l.height_of(&t.block))
            .collect();
        h.sort();
        h
    };
    assert!(
        heights.contains(&496) && heights.contains(&586),
        "{heights:?}"
    );
    let mut c = kansa_chain::Clusters::build(&l);
    for t in &merges {
        let addrs: Vec<&str> = t
            .inputs
            .iter()
            .filter_map(|i| i.address.as_deref())
            .collect();
        let first = c.cluster_of(addrs[0]).unwrap();
        for a in &addrs[1..] {
            assert_eq!(
                c.cluster_of(a).unwrap().id,
                first.id,
                "{} in tx {}",
                a,
                t.txid
            );
        }
    }
    // Hal's address never co-spent with Satoshi's in these blocks.
    assert_ne!(
        c.cluster_of(HAL).unwrap().id,
        c.cluster_of(SATOSHI).unwrap().id
    );
    assert!(c.coinjoins.is_empty());
    assert!(c.cluster_count() < c.address_count());
}
