//! Traces crossing assets at labelled swap and bridge services, on
//! account-model transfers.

use kansa_chain::{parse_transfers, AddressLabel, Graph, IngestReport, Ledger};
use kansa_trace::{exposure, trace_across, Direction, LabelLookup, Policy, TraceOptions};

const VICTIM: &str = "0x1111111111111111111111111111111111111111";
const THIEF: &str = "0x2222222222222222222222222222222222222222";
const POOL: &str = "0x3333333333333333333333333333333333333333";
const FRIEND: &str = "0x4444444444444444444444444444444444444444";
const BRIDGE_ETH: &str = "0x5555555555555555555555555555555555555555";
const BRIDGE_BSC: &str = "0x6666666666666666666666666666666666666666";
const LP: &str = "0x7777777777777777777777777777777777777777";
const ZERO: &str = "0x0000000000000000000000000000000000000000";
const ETH: u128 = 1_000_000_000_000_000_000;

fn h(n: u8) -> String {
    format!("0x{}", format!("{n:02x}").repeat(32))
}

/// 1,000 USDT minted to the victim and stolen; the thief swaps 600 for
/// 3 ETH at a pool (two transfers of one hash) and sends the ETH on;
/// bridges the other 400 to BSC (399 arrive, a fee kept).
fn graph() -> (Graph, LabelLookup) {
    let mut s = String::from("chain,tx_hash,block,time,from,to,asset,amount\n");
    let rows: Vec<(u8, u32, &str, &str, &str, &str, String)> = vec![
        (1, 10, "ethereum", ZERO, VICTIM, "USDT", "1000000000".into()),
        (2, 11, "ethereum", LP, POOL, "ETH", (10 * ETH).to_string()),
        (
            3,
            12,
            "ethereum",
            VICTIM,
            THIEF,
            "USDT",
            "1000000000".into(),
        ),
        (4, 13, "ethereum", THIEF, POOL, "USDT", "600000000".into()),
        (4, 13, "ethereum", POOL, THIEF, "ETH", (3 * ETH).to_string()),
        (
            5,
            14,
            "ethereum",
            THIEF,
            FRIEND,
            "ETH",
            (3 * ETH).to_string(),
        ),
        (
            6,
            15,
            "ethereum",
            THIEF,
            BRIDGE_ETH,
            "USDT",
            "400000000".into(),
        ),
        (7, 900, "bsc", BRIDGE_BSC, THIEF, "USDT", "399000000".into()),
    ];
    for (hash, block, chain, from, to, asset, amount) in rows {
        s.push_str(&format!(
            "{chain},{},{block},{},{from},{to},{asset},{amount}\n",
            h(hash),
            1_700_000_000 + hash as u32 * 60
        ));
    }
    let rows = parse_transfers(s.as_bytes(), "t.csv").unwrap();
    let mut l = Ledger::new();
    let mut r = IngestReport::default();
    l.ingest_transfers(&rows, &mut r);
    let g = l.into_graph();
    let labels = LabelLookup::new(
        &g,
        [
            label(POOL, "swap", "uniswap"),
            label(BRIDGE_ETH, "bridge", "multichain"),
            label(BRIDGE_BSC, "bridge", "multichain"),
        ],
    );
    (g, labels)
}

fn label(address: &str, category: &str, actor: &str) -> AddressLabel {
    AddressLabel {
        address: address.into(),
        currency: "ETH".into(),
        label: format!("{actor} ({category})"),
        category: category.into(),
        actor: Some(actor.into()),
        source: "test".into(),
        confidence: None,
        pack: "test".into(),
    }
}

fn receipt_of(g: &Graph, hash: &str) -> u64 {
    g.outputs(g.tx_index(hash).unwrap()).start
}

#[test]
fn stolen_usdt_is_followed_into_eth_through_a_swap_and_to_bsc_through_a_bridge() {
    let (g, labels) = graph();
    let stolen = receipt_of(&g, &h(3));
    let opts = TraceOptions::new(Policy::Haircut, Direction::Forward, 10);
    let t = trace_across(&g, &[(stolen, g.value(stolen))], &opts, &labels).unwrap();
    let assets: Vec<&str> = t.segments.iter().map(|s| s.asset.as_str()).collect();
    assert_eq!(
        assets,
        ["ethereum:USDT", "ethereum:ETH", "bsc:USDT"],
        "{t:#?}"
    );
    // Every unit of each segment rests somewhere; what crossed is "converted".
    for s in &t.segments {
        assert_eq!(s.resting(), s.source_amount, "{s:#?}");
    }
    assert_eq!(t.segments[0].converted, 1_000_000_000);
    let swap = t.crossings.iter().find(|c| c.kind == "swap").unwrap();
    assert_eq!((swap.amount_in, swap.amount_out), (600_000_000, 3 * ETH));
    assert_eq!(swap.to_output, format!("{}#1:0", h(4)));
    assert_eq!(swap.actor.as_deref(), Some("uniswap"));
    // The ETH went on to the friend.
    let eth = &t.segments[1];
    assert_eq!(eth.source_amount, 3 * ETH);
    assert!(eth
        .outputs
        .iter()
        .any(|o| o.address.as_deref() == Some(FRIEND) && o.tainted == 3 * ETH));
    // The bridge kept 1 USDT: 400 tainted in, 399 out on BSC.
    let bridge = t.crossings.iter().find(|c| c.kind == "bridge").unwrap();
    assert_eq!(
        (bridge.amount_in, bridge.amount_out),
        (400_000_000, 399_000_000)
    );
    assert_eq!(bridge.to_asset, "bsc:USDT");
    assert_eq!(t.segments[2].unspent, 399_000_000);
}

#[test]
fn the_friends_eth_is_traced_back_to_the_stolen_usdt() {
    let (g, labels) = graph();
    let friend = receipt_of(&g, &h(5));
    let opts = TraceOptions::new(Policy::Haircut, Direction::Backward, 10);
    let t = trace_across(&g, &[(friend, g.value(friend))], &opts, &labels).unwrap();
    assert_eq!(t.segments.len(), 2, "{t:#?}");
    let back = &t.crossings[0];
    assert_eq!((back.amount_in, back.amount_out), (3 * ETH, 600_000_000));
    // Back in USDT: the 600 came through the victim from the mint.
    let usdt = &t.segments[1];
    assert_eq!(usdt.asset, "ethereum:USDT");
    assert_eq!(usdt.mined, 600_000_000, "{usdt:#?}");
    assert!(usdt
        .outputs
        .iter()
        .any(|o| o.address.as_deref() == Some(VICTIM)));
}

#[test]
fn without_service_labels_the_trail_stays_in_its_asset() {
    let (g, _) = graph();
    let stolen = receipt_of(&g, &h(3));
    let opts = TraceOptions::new(Policy::Haircut, Direction::Forward, 10);
    let t = trace_across(
        &g,
        &[(stolen, g.value(stolen))],
        &opts,
        &LabelLookup::default(),
    )
    .unwrap();
    assert_eq!(t.segments.len(), 1);
    assert!(t.crossings.is_empty());
    assert_eq!(t.segments[0].converted, 0);
}

/// Exposure follows the trail across assets: the friend's ETH came from a
/// hacked wallet's USDT through a swap; the victim's stolen USDT reached
/// an exchange as ETH. Amounts are counted in the examined asset's units
/// by the share that crossed.
#[test]
fn exposure_counts_what_is_found_across_a_swap() {
    let (g, labels) = graph();
    let mut all: Vec<AddressLabel> = labels.roots().flat_map(|(_, l)| l.to_vec()).collect();
    all.push(label(VICTIM, "hack", "victim exchange hot wallet"));
    all.push(label(FRIEND, "exchange", "some exchange"));
    let labels = LabelLookup::new(&g, all);
    // Incoming to the friend: 3 ETH, all of it the hack's, found in USDT
    // beyond the swap.
    let e = exposure(&g, FRIEND, Direction::Backward, 10, &labels, None).unwrap();
    assert_eq!(e.asset, "ethereum:ETH");
    assert_eq!(e.amount, 3 * ETH);
    let hack = e.categories.iter().find(|c| c.category == "hack").unwrap();
    assert_eq!(hack.total, 3 * ETH, "{e:#?}");
    assert_eq!(hack.direct, 0);
    assert!((hack.share - 1.0).abs() < 1e-12);
    assert_eq!(e.crossings.len(), 1);
    assert_eq!(e.crossings[0].kind, "swap");
    // The path runs from the hacked wallet's output through the swap to the
    // friend: both sides of the crossing are steps.
    let steps = &hack.top_paths[0].steps;
    assert!(steps.contains(&e.crossings[0].from_output), "{steps:?}");
    assert!(steps.contains(&e.crossings[0].to_output), "{steps:?}");
    // Without the swap label the trail stops in ETH: no hack found.
    let plain: Vec<AddressLabel> = vec![label(VICTIM, "hack", "victim")];
    let e = exposure(
        &g,
        FRIEND,
        Direction::Backward,
        10,
        &LabelLookup::new(&g, plain),
        None,
    )
    .unwrap();
    assert!(e.categories.is_empty(), "{e:#?}");
    // Outgoing from the thief's stolen USDT: 600 of 1,000 reached the
    // exchange as ETH; the thief also holds ETH and BSC USDT.
    let e = exposure(
        &g,
        THIEF,
        Direction::Forward,
        10,
        &labels,
        Some("ethereum:USDT"),
    )
    .unwrap();
    let ex = e
        .categories
        .iter()
        .find(|c| c.category == "exchange")
        .unwrap();
    assert_eq!(ex.total, 600_000_000, "{e:#?}");
    assert!((ex.share - 0.6).abs() < 1e-12);
    assert_eq!(e.other_assets, ["bsc:USDT", "ethereum:ETH"]);
    assert_eq!(e.unlabelled, 400_000_000);
}

/// One key holds an EVM address and the Tron address of the same 20
/// bytes: a bridge paying the thief's Tron twin continues the trail.
#[test]
fn a_bridge_to_tron_pays_the_depositors_twin() {
    // The USDT contract's two forms, as explorers show them.
    assert_eq!(
        kansa_chain::account_twin("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t").as_deref(),
        Some("0xa614f803b6fd780986a42c78ec9c7f77e6ded13c")
    );
    let thief_tron = kansa_chain::account_twin(THIEF).unwrap();
    assert!(thief_tron.starts_with('T'));
    assert_eq!(
        kansa_chain::account_twin(&thief_tron).as_deref(),
        Some(THIEF)
    );
    assert_eq!(kansa_chain::account_twin("0x12"), None);
    let bridge_tron = kansa_chain::account_twin(BRIDGE_BSC).unwrap();
    let mut s = String::from("chain,tx_hash,block,time,from,to,asset,amount\n");
    for (hash, block, chain, from, to, amount) in [
        (1u8, 10u32, "ethereum", ZERO, THIEF, "500000000"),
        (2, 11, "ethereum", THIEF, BRIDGE_ETH, "500000000"),
        (
            3,
            70_000_000,
            "tron",
            bridge_tron.as_str(),
            thief_tron.as_str(),
            "498000000",
        ),
    ] {
        s.push_str(&format!(
            "{chain},{},{block},{},{from},{to},USDT,{amount}\n",
            h(hash),
            1_700_000_000 + hash as u32 * 60
        ));
    }
    let rows = parse_transfers(s.as_bytes(), "t.csv").unwrap();
    let mut l = Ledger::new();
    l.ingest_transfers(&rows, &mut IngestReport::default());
    let g = l.into_graph();
    let labels = LabelLookup::new(
        &g,
        [
            label(BRIDGE_ETH, "bridge", "multichain"),
            label(&bridge_tron, "bridge", "multichain"),
        ],
    );
    let stolen = receipt_of(&g, &h(1));
    let opts = TraceOptions::new(Policy::Haircut, Direction::Forward, 10);
    let t = trace_across(&g, &[(stolen, g.value(stolen))], &opts, &labels).unwrap();
    assert_eq!(t.crossings.len(), 1, "{t:#?}");
    assert_eq!(t.crossings[0].to_asset, "tron:USDT");
    assert_eq!(t.segments[1].unspent, 498_000_000);
    // And back from the Tron receipt to the Ethereum deposit.
    let paid = receipt_of(&g, &h(3));
    let opts = TraceOptions::new(Policy::Haircut, Direction::Backward, 10);
    let t = trace_across(&g, &[(paid, g.value(paid))], &opts, &labels).unwrap();
    assert_eq!(t.segments.len(), 2, "{t:#?}");
    assert_eq!(t.segments[1].asset, "ethereum:USDT");
}
