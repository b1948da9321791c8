//! `kansa bench monitor`: decisions per second and latency with the
//! default rule pack, in process and with every decision stored, and the
//! window state's memory per active customer, on a synthetic event stream.

use crate::bench_chain::proc_status_mib;
use crate::bench_cmd::pct;
use crate::monitor_cmd::{stored_row, BATCH};
use crate::output::json;
use anyhow::Result;
use clap::Args;
use kansa_model::time::format_rfc3339;
use kansa_monitor::{Event, Monitor, NoScreening, RulePack};
use kansa_store::LedgerExt as _;
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Instant;

#[derive(Args, Debug)]
pub struct MonitorBenchArgs {
    /// Events in the stream.
    #[arg(long, default_value_t = 500_000)]
    events: usize,
    /// Distinct customers.
    #[arg(long, default_value_t = 20_000)]
    customers: usize,
    /// Events in the stored run (a prefix of the stream).
    #[arg(long, default_value_t = 200_000)]
    stored_events: usize,
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct Report {
    events: usize,
    customers: usize,
    rules: usize,
    in_process_seconds: f64,
    in_process_events_per_second: f64,
    latency_p50_us: f64,
    latency_p99_us: f64,
    latency_p999_us: f64,
    latency_max_us: f64,
    outcomes: BTreeMap<String, u64>,
    active_customers: usize,
    customer_state_bytes: usize,
    bytes_per_active_customer: f64,
    rss_growth_mib: f64,
    rss_bytes_per_active_customer: f64,
    stored_events: usize,
    stored_seconds: f64,
    stored_events_per_second: f64,
    store_batch: usize,
}

/// A small deterministic generator (xorshift).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A week of exchange traffic: logins, deposits, withdrawals (some from
/// the hot wallets), trades, transfers, KYC updates and wallet balances,
/// and breaker releases by two operators every 500 events.
pub fn synthetic_events(n: usize, customers: usize) -> Vec<Event> {
    let mut r = Rng(0x2545_f491_4f6c_dd1d);
    let start: i64 = 1_717_200_000_000;
    let step = (7 * 86_400_000) / n.max(1) as i64;
    let countries = ["JP", "JP", "JP", "JP", "JP", "US", "SG", "KR", "GB", "IR"];
    let assets = [
        ("BTC", 8u32, 2_000u64),
        ("ETH", 6, 50_000),
        ("USDT", 2, 1_000_000),
        ("JPY", 0, 5_000_000),
    ];
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let t = start + i as i64 * step + r.below(step.max(1) as u64) as i64;
        let c = r.below(customers as u64);
        let kind = match r.below(100) {
            0..=29 => "login",
            30..=54 => "deposit",
            55..=79 => "withdrawal",
            80..=89 => "trade",
            90..=94 => "transfer",
            95..=97 => "kyc",
            _ => "balance",
        };
        let (asset, dp, max) = assets[r.below(assets.len() as u64) as usize];
        let units = r.below(max * 10u64.pow(dp)) + 1;
        let amount = if dp == 0 {
            units.to_string()
        } else {
            let s = format!("{units:0>width$}", width = dp as usize + 1);
            format!(
                "{}.{}",
                &s[..s.len() - dp as usize],
                &s[s.len() - dp as usize..]
            )
        };
        let mut obj = serde_json::json!({
            "id": format!("ev-{i}"),
            "type": kind,
            "time": format_rfc3339(t),
            "customer": format!("cust-{c}"),
        });
        let o = obj.as_object_mut().expect("object");
        match kind {
            "login" => {
                o.insert(
                    "country".into(),
                    countries[r.below(countries.len() as u64) as usize].into(),
                );
                o.insert(
                    "ip".into(),
                    format!("203.0.{}.{}", r.below(256), r.below(256)).into(),
                );
            }
            "deposit" | "withdrawal" | "transfer" => {
                o.insert("asset".into(), asset.into());
                o.insert("amount".into(), amount.into());
                // Customers reuse a few addresses of their own.
                o.insert("address".into(), format!("addr-{c}-{}", r.below(4)).into());
                if kind == "withdrawal" && r.below(2) == 0 {
                    o.insert("wallet".into(), format!("hot-{asset}").into());
                }
            }
            "trade" => {
                o.insert("asset".into(), asset.into());
                o.insert("amount".into(), amount.into());
            }
            "kyc" => {
                o.insert("country".into(), "JP".into());
            }
            _ => {
                o.remove("customer");
                o.insert("wallet".into(), format!("hot-{asset}").into());
                o.insert("kind".into(), "hot".into());
                o.insert("asset".into(), asset.into());
                o.insert("amount".into(), format!("{}", max * 100).into());
            }
        }
        out.push(Event::from_json(obj).expect("synthetic events are valid"));
        // Operators release tripped breakers (two people) every 500 events,
        // so that withdrawals keep going through the whole custody path.
        if i % 500 == 499 {
            for (asset, _, _) in assets {
                for by in ["alice", "bob"] {
                    let release = serde_json::json!({
                        "id": format!("release-{i}-{asset}-{by}"),
                        "type": "approval",
                        "time": format_rfc3339(t),
                        "wallet": format!("hot-{asset}"),
                        "by": by,
                        "action": "release_breaker",
                    });
                    out.push(Event::from_json(release).expect("synthetic events are valid"));
                }
            }
        }
    }
    out
}

pub fn run(a: MonitorBenchArgs) -> Result<bool> {
    let events = synthetic_events(a.events, a.customers);
    let pack = RulePack::default_pack()?;
    let rules = pack.rules.len();
    let rss0 = proc_status_mib("VmRSS:");
    let mut m = Monitor::new(pack, Box::new(NoScreening));
    let mut lat = Vec::with_capacity(events.len());
    let mut outcomes: BTreeMap<String, u64> = BTreeMap::new();
    let t0 = Instant::now();
    for e in &events {
        let t = Instant::now();
        let d = m.decide(e);
        lat.push(t.elapsed().as_secs_f64() * 1e6);
        *outcomes.entry(d.outcome.to_string()).or_default() += 1;
        std::hint::black_box(&d);
    }
    let secs = t0.elapsed().as_secs_f64();
    let rss_growth = proc_status_mib("VmRSS:") - rss0;
    let size = m.state_size();
    drop(m);
    lat.sort_by(f64::total_cmp);

    // Stored: the same engine work plus each decision written, in batches
    // of one transaction, before it would be reported.
    let dir = std::env::temp_dir().join(format!("kansa-bench-monitor-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut store = kansa_store::Store::open_dir(&dir)?;
    let mut m = Monitor::new(RulePack::default_pack()?, Box::new(NoScreening));
    let stored = &events[..a.stored_events.min(events.len())];
    let t1 = Instant::now();
    for chunk in stored.chunks(BATCH) {
        let mut rows = Vec::with_capacity(chunk.len());
        for e in chunk {
            let d = m.decide(e);
            rows.push(stored_row(e, &d, None).map_err(anyhow::Error::msg)?);
        }
        store.record_decisions(&rows, &crate::lists_cmd::now_rfc3339())?;
    }
    let stored_secs = t1.elapsed().as_secs_f64();
    let count = store.decision_count()? as usize;
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
    anyhow::ensure!(
        count == stored.len(),
        "stored {count} of {} decisions",
        stored.len()
    );

    let per_customer = size.customer_bytes as f64 / size.customers.max(1) as f64;
    let r = Report {
        events: events.len(),
        customers: a.customers,
        rules,
        in_process_seconds: secs,
        in_process_events_per_second: events.len() as f64 / secs,
        latency_p50_us: pct(&lat, 0.5),
        latency_p99_us: pct(&lat, 0.99),
        latency_p999_us: pct(&lat, 0.999),
        latency_max_us: lat.last().copied().unwrap_or(0.0),
        outcomes,
        active_customers: size.customers,
        customer_state_bytes: size.customer_bytes,
        bytes_per_active_customer: per_customer,
        rss_growth_mib: rss_growth,
        rss_bytes_per_active_customer: rss_growth * 1024.0 * 1024.0 / size.customers.max(1) as f64,
        stored_events: stored.len(),
        stored_seconds: stored_secs,
        stored_events_per_second: stored.len() as f64 / stored_secs,
        store_batch: BATCH,
    };
    if a.json {
        json(&r)?;
    } else {
        println!(
            "{} events, {} customers, {} rules (default pack)",
            r.events, r.customers, r.rules
        );
        println!(
            "in process: {:.0} events/s; latency p50 {:.1} µs, p99 {:.1} µs, p99.9 {:.1} µs, max {:.0} µs",
            r.in_process_events_per_second, r.latency_p50_us, r.latency_p99_us, r.latency_p999_us, r.latency_max_us
        );
        println!(
            "stored (SQLite, {} per transaction): {:.0} events/s over {} events",
            r.store_batch, r.stored_events_per_second, r.stored_events
        );
        println!(
            "window state: {} active customers, {:.0} bytes each (counted), {:.0} bytes each (RSS growth {:.1} MiB)",
            r.active_customers, r.bytes_per_active_customer, r.rss_bytes_per_active_customer, r.rss_growth_mib
        );
        let o: Vec<String> = r.outcomes.iter().map(|(k, v)| format!("{k} {v}")).collect();
        println!("outcomes: {}", o.join(", "));
    }
    Ok(true)
}
