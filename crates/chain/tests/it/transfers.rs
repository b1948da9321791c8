//! Account-model transfers: exact 128-bit amounts, opening balances,
//! transfers of one hash, idempotent re-import, errors naming the line and
//! the field.

use kansa_chain::{parse_transfers, IngestReport, Ledger};

const A: &str = "0x1111111111111111111111111111111111111111";
const B: &str = "0x2222222222222222222222222222222222222222";
const C: &str = "0x3333333333333333333333333333333333333333";
const POOL: &str = "0x4444444444444444444444444444444444444444";
const ZERO: &str = "0x0000000000000000000000000000000000000000";
const USDT: &str = "0xdac17f958d2ee523a2206206994597c13d831ec7";
const ETH: u128 = 1_000_000_000_000_000_000;

fn h(n: u8) -> String {
    format!("0x{}", format!("{n:02x}").repeat(32))
}

/// A small history: USDT minted to A; A pays B; B pays C; a swap in
/// which B sends USDT to a pool and gets ETH back (two transfers of one
/// hash); ETH amounts above 64 bits; C spends ETH it was never seen to
/// receive (an opening balance).
fn csv() -> String {
    let mut s = String::from("chain,tx_hash,block,time,from,to,asset,amount\n");
    let rows = [
        (1, 100, ZERO, A, USDT, "1000000000".to_string()),
        (2, 101, A, B, USDT, "600000000".to_string()),
        (3, 102, B, C, USDT, "100000000".to_string()),
        (4, 103, B, POOL, USDT, "200000000".to_string()),
        (4, 103, POOL, B, "ETH", (50 * ETH).to_string()),
        (5, 104, C, A, "ETH", (30 * ETH + 7).to_string()),
        (6, 105, B, A, "ETH", (20 * ETH).to_string()),
    ];
    for (hash, block, from, to, asset, amount) in rows {
        s.push_str(&format!(
            "eth,{},{block},2024-05-31T12:{:02}:00Z,{from},{to},{asset},{amount}\n",
            h(hash),
            block - 100
        ));
    }
    s
}

fn ledger_with(text: &str) -> (Ledger, IngestReport) {
    let rows = parse_transfers(text.as_bytes(), "t.csv").unwrap();
    let mut l = Ledger::new();
    let mut r = IngestReport::default();
    l.ingest_transfers(&rows, &mut r);
    (l, r)
}

#[test]
fn transfers_keep_exact_balances_per_asset() {
    let (l, r) = ledger_with(&csv());
    assert_eq!(r.transfers, 7);
    // The pool pays ETH it was never seen to get; C pays ETH the same way.
    assert_eq!(r.openings, 2);
    let g = l.into_graph();
    let usdt = format!("ethereum:{USDT}");
    let bal = |a: &str, asset: &str| {
        g.address_stats(a)
            .assets
            .iter()
            .find(|b| b.asset == asset)
            .map(|b| b.balance)
            .unwrap_or(0)
    };
    assert_eq!(bal(A, &usdt), 400_000_000);
    assert_eq!(bal(B, &usdt), 300_000_000);
    assert_eq!(bal(C, &usdt), 100_000_000);
    assert_eq!(bal(POOL, &usdt), 200_000_000);
    // 50 ETH in, 20 ETH out: beyond 64 bits, exact.
    assert_eq!(bal(B, "ethereum:ETH"), 30 * ETH);
    assert_eq!(bal(A, "ethereum:ETH"), 50 * ETH + 7);
    assert_eq!(bal(C, "ethereum:ETH"), 0);
    let s = g.address_stats(B);
    assert_eq!(s.assets.len(), 2);
    // Totals are transfers: the change outputs back to B are neither
    // received nor sent.
    let b_usdt = s.assets.iter().find(|x| x.asset == usdt).unwrap();
    assert_eq!((b_usdt.received, b_usdt.sent), (600_000_000, 300_000_000));
    let b_eth = s.assets.iter().find(|x| x.asset == "ethereum:ETH").unwrap();
    assert_eq!((b_eth.received, b_eth.sent), (50 * ETH, 20 * ETH));
    assert_eq!(s.tx_count, 5);
    // The swap's two transfers: the hash, then HASH#1.
    let swap = g.tx_index(&h(4)).unwrap();
    let second = g.tx_index(&format!("{}#1", h(4))).unwrap();
    assert_eq!(second, swap + 1);
    assert_eq!(g.txid(second), format!("{}#1", h(4)));
    assert_eq!(g.transfer_group(second), swap..swap + 2);
    assert!(g.tx_index(&format!("{}#2", h(4))).is_none());
    let rec = g.tx_record(second);
    assert_eq!(rec.asset, "ethereum:ETH");
    assert_eq!(rec.outputs[0].value, 50 * ETH);
    assert_eq!(rec.block, "ethereum:103");
    assert_eq!(rec.time, Some(1_717_156_980));
    // The pool's ETH came from an opening balance: its origin is unknown.
    let opening = rec.inputs[0].prev_txid.clone();
    assert!(opening.starts_with("opening:"), "{opening}");
    let o = g.tx_record(g.tx_index(&opening).unwrap());
    assert!(o.opening && o.inputs.is_empty());
    assert_eq!(o.outputs[0].value, 50 * ETH);
    // The mint is funds from nothing.
    assert!(g.tx_record(g.tx_index(&h(1)).unwrap()).coinbase);
    // Accounts are not merged by co-spending: each is its own cluster.
    assert_eq!(g.cluster_of(B).unwrap().size, 1);
}

#[test]
fn a_second_import_of_the_same_rows_changes_nothing() {
    let text = csv();
    let (mut l, _) = ledger_with(&text);
    let before = l.tx_count();
    let rows = parse_transfers(text.as_bytes(), "t.csv").unwrap();
    let mut r = IngestReport::default();
    l.ingest_transfers(&rows, &mut r);
    assert_eq!((r.transfers, r.transfers_already_known), (0, 7));
    assert_eq!(l.tx_count(), before);
    // Extending a graph reopened from its columns: the accounts' unspent
    // outputs are found again, so a later transfer spends them.
    let g = l.into_graph();
    let mut l = Ledger::from_graph(g);
    let more = format!(
        "chain,tx_hash,block,from,to,asset,amount\neth,{},106,{B},{C},{USDT},300000000\n",
        h(7)
    );
    let rows = parse_transfers(more.as_bytes(), "more.csv").unwrap();
    let mut r = IngestReport::default();
    l.ingest_transfers(&rows, &mut r);
    assert_eq!((r.transfers, r.openings), (1, 0));
    let g = l.into_graph();
    let usdt = format!("ethereum:{USDT}");
    let b = g.address_stats(B);
    let b = b.assets.iter().find(|x| x.asset == usdt).unwrap();
    assert_eq!((b.balance, b.unspent_outputs), (0, 0));
}

#[test]
fn json_lines_give_the_same_graph_as_csv() {
    let text = csv();
    let mut jl = String::new();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        jl.push_str(&format!(
            "{{\"chain\":\"{}\",\"hash\":\"{}\",\"block_number\":{},\"timestamp\":\"{}\",\"from_address\":\"{}\",\"to_address\":\"{}\",\"asset\":\"{}\",\"value\":\"{}\"}}\n",
            f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7]
        ));
    }
    let a = parse_transfers(text.as_bytes(), "t.csv").unwrap();
    let b = parse_transfers(jl.as_bytes(), "t.jsonl").unwrap();
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(
            (&x.chain, x.hash, x.block, x.time, &x.from, &x.to, &x.asset, x.amount),
            (&y.chain, y.hash, y.block, y.time, &y.from, &y.to, &y.asset, y.amount)
        );
    }
}

#[test]
fn tron_addresses_are_checked() {
    use bitcoin::base58;
    let t1 = base58::encode_check(&[[0x41u8].as_slice(), &[7u8; 20]].concat());
    let t2 = base58::encode_check(&[[0x41u8].as_slice(), &[9u8; 20]].concat());
    let ok = format!(
        "chain,tx_hash,block,from,to,asset,amount\ntron,{},5,{t1},{t2},,1000000\n",
        "ab".repeat(32)
    );
    let rows = parse_transfers(ok.as_bytes(), "t.csv").unwrap();
    assert_eq!(rows[0].asset, "tron:TRX");
    let mut bad = t2.clone();
    bad.pop();
    bad.push(if t2.ends_with('1') { '2' } else { '1' });
    let e = parse_transfers(ok.replace(&t2, &bad).as_bytes(), "t.csv").unwrap_err();
    assert!(e.contains("t.csv:2: field to") && e.contains("Tron"), "{e}");
}

#[test]
fn bad_rows_are_refused_naming_the_line_and_the_field() {
    let head = "chain,tx_hash,block,time,from,to,asset,amount\n";
    let row = |amount: &str| {
        format!(
            "{head}eth,{},1,1700000000,{A},{B},ETH,1\neth,{},2,1700000000,{A},{B},ETH,{amount}\n",
            h(1),
            h(2)
        )
    };
    let err = |text: &str| parse_transfers(text.as_bytes(), "x.csv").unwrap_err();
    let e = err(&row("-5"));
    assert!(
        e.starts_with("x.csv:3: field amount") && e.contains("negative"),
        "{e}"
    );
    let e = err(&row("340282366920938463463374607431768211456"));
    assert!(
        e.contains("x.csv:3") && e.contains("overflows 128 bits"),
        "{e}"
    );
    let e = err(&row("1.5"));
    assert!(
        e.contains("x.csv:3: field amount") && e.contains("base units"),
        "{e}"
    );
    let e = err(&row(""));
    assert!(e.contains("x.csv:3: field amount is missing"), "{e}");
    let e = err(&format!("{head}eth,{},1,0,{A},0x12,ETH,1\n", h(1)));
    assert!(
        e.contains("x.csv:2: field to") && e.contains("40 hex digits"),
        "{e}"
    );
    let e = err(&format!("{head}eth,0x1234,1,0,{A},{B},ETH,1\n"));
    assert!(e.contains("x.csv:2: field tx_hash"), "{e}");
    let e = err(&format!("{head}eth,{},-1,0,{A},{B},ETH,1\n", h(1)));
    assert!(e.contains("x.csv:2: field block"), "{e}");
    let e = err(&format!("{head}eth,{},1,yesterday,{A},{B},ETH,1\n", h(1)));
    assert!(e.contains("x.csv:2: field time"), "{e}");
    let e = err(&format!("{head}bitcoin,{},1,0,{A},{B},BTC,1\n", h(1)));
    assert!(e.contains("Bitcoin is imported from its blocks"), "{e}");
    let e = err("chain,hash,from,to,amount\n");
    assert!(e.contains("no column block"), "{e}");
    let e = err(&format!("{head}eth,{},1,0,{A}\n", h(1)));
    assert!(e.contains("x.csv:2: unreadable CSV row"), "{e}");
    // JSON: a number beyond what JSON numbers hold exactly.
    let e = err(&format!(
        "{{\"chain\":\"eth\",\"tx_hash\":\"{}\",\"block\":1,\"from\":\"{A}\",\"to\":\"{B}\",\"amount\":100000000000000000000}}\n",
        h(1)
    ));
    assert!(
        e.contains("x.csv:1: field amount") && e.contains("as strings"),
        "{e}"
    );
    let e = err("{\"chain\": \"eth\"\n");
    assert!(e.contains("x.csv:1: not a JSON object"), "{e}");
}

#[test]
fn zero_transfers_are_skipped_and_counted() {
    let text = format!(
        "chain,tx_hash,block,from,to,asset,amount\neth,{},1,{A},{B},{USDT},0\n",
        h(9)
    );
    let (l, r) = ledger_with(&text);
    assert_eq!((r.transfers, r.zero_transfers), (0, 1));
    assert_eq!(l.tx_count(), 0);
}
