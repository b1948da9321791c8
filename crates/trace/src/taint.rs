//! Taint forward (where did it go) and backward (where did it come from)
//! over a [`Graph`] (see the crate documentation for the policies and their
//! invariants).

use kansa_chain::graph::FLAG_TRANSFER;
use kansa_chain::{Amount, Graph, NONE64};
use rustc_hash::{FxHashMap, FxHashSet};
use serde::Serialize;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Policy {
    Poison,
    Haircut,
    Fifo,
}

impl std::str::FromStr for Policy {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "poison" => Ok(Policy::Poison),
            "haircut" => Ok(Policy::Haircut),
            "fifo" => Ok(Policy::Fifo),
            _ => Err(format!("unknown policy {s:?}: poison, haircut or fifo")),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Where the funds went.
    Forward,
    /// Where the funds came from.
    Backward,
}

/// How far a trace goes.
#[derive(Debug, Clone)]
pub struct TraceOptions {
    pub policy: Policy,
    pub direction: Direction,
    /// Transactions away from the source, at most.
    pub max_hops: u32,
    /// Outputs carrying less than this are not followed.
    pub min_amount: Amount,
    /// Addresses where the trail ends (a labelled service: an exchange's
    /// cluster, a mixer): their outputs are reported, not followed.
    pub stop: FxHashSet<u32>,
    /// Clusters (by root address) where the trail ends: every member of
    /// a labelled cluster, without listing its millions of addresses.
    pub stop_clusters: FxHashSet<u32>,
    /// Forward: follow tainted fees into the coinbase of their block (the
    /// miner's outputs), where the block's coinbase is known. Backward: a
    /// coinbase's outputs stand for the fees of its block (in block order)
    /// and then the subsidy; the fees are followed back into the inputs of
    /// the transactions that paid them, the subsidy is mined. On by
    /// default for FIFO, as FIFO is defined; off for haircut and poison.
    pub fees_to_coinbase: bool,
}

impl TraceOptions {
    pub fn new(policy: Policy, direction: Direction, max_hops: u32) -> Self {
        TraceOptions {
            policy,
            direction,
            max_hops,
            min_amount: 0,
            stop: FxHashSet::default(),
            stop_clusters: FxHashSet::default(),
            fees_to_coinbase: policy == Policy::Fifo,
        }
    }

    /// Whether the trail ends at address `a`.
    pub fn stops_at(&self, g: &Graph, a: u32) -> bool {
        self.stop.contains(&a)
            || (!self.stop_clusters.is_empty() && self.stop_clusters.contains(&g.cluster_root(a)))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaintedOutput {
    pub txid: String,
    pub vout: u32,
    pub value: Amount,
    pub tainted: Amount,
    /// Transactions between the source and this output (the source is 0).
    pub hop: u32,
    pub address: Option<String>,
    pub spent: bool,
    /// The trail ends here: a stop address (labelled service).
    pub stopped: bool,
    #[serde(skip)]
    pub out: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaintReport {
    pub policy: Policy,
    pub direction: Direction,
    /// The asset traced (`chain:asset`).
    pub asset: String,
    /// The outputs traced from (`txid:vout`).
    pub sources: Vec<String>,
    pub source_amount: Amount,
    /// Every output holding taint, the sources included.
    pub outputs: Vec<TaintedOutput>,
    /// Forward: taint in outputs nobody has spent (yet).
    pub unspent: Amount,
    /// Forward: taint paid away as fees (and not followed into a coinbase).
    pub fees: Amount,
    /// Backward: funds that were mined (a coinbase: subsidy and fees).
    pub mined: Amount,
    /// Backward: funds from inputs whose spent output is not in the graph.
    pub unknown: Amount,
    /// Taint in outputs beyond `max_hops` (not followed).
    pub beyond_horizon: Amount,
    /// Taint that reached a stop address.
    pub stopped: Amount,
    /// Taint in outputs below `min_amount` (not followed).
    pub below_minimum: Amount,
    /// Taint that reached another of the sources (already counted whole:
    /// an address's change coming back to it, say).
    pub into_sources: Amount,
    /// Taint that entered a swap or bridge service and continued in
    /// another asset (see `crossings` of a cross-asset trace).
    pub converted: Amount,
    pub transactions: u64,
    /// Which reported output's funds went into which (`txid:vout` →
    /// `txid:vout`, in the direction money moved), among the outputs
    /// reported: filled by [`crate::run_taint`] for drawing the trail.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub flows: Vec<Flow>,
}

/// One step of a trail: `from` was spent by the transaction that paid `to`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Flow {
    pub from: String,
    pub to: String,
}

impl TaintReport {
    /// Where the taint rests, added up; equals `source_amount` under
    /// haircut and FIFO.
    pub fn resting(&self) -> Amount {
        self.unspent
            + self.fees
            + self.mined
            + self.unknown
            + self.beyond_horizon
            + self.stopped
            + self.below_minimum
            + self.into_sources
            + self.converted
    }

    /// Reports stay small: keep only the `n` largest outputs (sources kept).
    pub fn truncate_outputs(&mut self, n: usize) {
        if self.outputs.len() > n {
            self.outputs[1..].sort_by_key(|o| Reverse(o.tainted));
            self.outputs.truncate(n.max(1));
        }
    }

    /// Fills `flows`: for each reported output, the reported outputs its
    /// transaction spent.
    pub fn link_outputs(&mut self, g: &Graph) {
        let name: FxHashMap<u64, String> = self
            .outputs
            .iter()
            .map(|o| (o.out, format!("{}:{}", o.txid, o.vout)))
            .collect();
        let mut flows = Vec::new();
        for o in &self.outputs {
            let (tx, _) = g.output_owner(o.out);
            for i in g.inputs(tx) {
                if let Some(from) = name.get(&g.input_prev(i)) {
                    flows.push(Flow {
                        from: from.clone(),
                        to: name[&o.out].clone(),
                    });
                }
            }
        }
        flows.sort_by(|a, b| (&a.from, &a.to).cmp(&(&b.from, &b.to)));
        flows.dedup();
        self.flows = flows;
    }
}

/// Tainted slices of an output, as [start, end) within its value (FIFO),
/// or an amount (other policies, as one slice [0, amount)).
type Slices = Vec<(Amount, Amount)>;

fn amount(s: &Slices) -> Amount {
    s.iter().map(|(a, b)| b - a).sum()
}

/// Splits `total` among `weights` (outputs, then the fee) in proportion,
/// exactly: floors, then one unit each to the largest remainders (ties to
/// the lower index).
fn apportion(total: Amount, weights: &[Amount]) -> Vec<Amount> {
    let sum: Amount = weights.iter().sum();
    if sum == 0 {
        return vec![0; weights.len()];
    }
    let mut shares: Vec<Amount> = Vec::with_capacity(weights.len());
    let mut rems: Vec<(Amount, usize)> = Vec::with_capacity(weights.len());
    for (i, w) in weights.iter().enumerate() {
        let (q, r) = mul_div(total, *w, sum);
        shares.push(q);
        rems.push((r, i));
    }
    let mut left = total - shares.iter().sum::<Amount>();
    rems.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, i) in rems {
        if left == 0 {
            break;
        }
        shares[i] += 1;
        left -= 1;
    }
    shares
}

/// `a * b / d` and its remainder, exactly, for `d > 0` and `a, b ≤ d`
/// or any values whose quotient fits 128 bits (a 256-bit product).
pub fn mul_div(a: Amount, b: Amount, d: Amount) -> (Amount, Amount) {
    if let Some(p) = a.checked_mul(b) {
        return (p / d, p % d);
    }
    // 128×128 → 256 bits, as four 64-bit halves.
    let (a1, a0) = (a >> 64, a & u64::MAX as u128);
    let (b1, b0) = (b >> 64, b & u64::MAX as u128);
    let lo = a0 * b0;
    let mid1 = a1 * b0;
    let mid2 = a0 * b1;
    let hi = a1 * b1;
    let (mid, carry) = mid1.overflowing_add(mid2);
    let (low, c2) = lo.overflowing_add(mid << 64);
    let high = hi + (mid >> 64) + ((carry as u128) << 64) + c2 as u128;
    // Long division of (high, low) by d, one bit at a time.
    let (mut q, mut r) = (0u128, 0u128);
    for i in (0..256).rev() {
        let bit = if i >= 128 {
            (high >> (i - 128)) & 1
        } else {
            (low >> i) & 1
        };
        let top = r >> 127;
        r = (r << 1) | bit;
        q <<= 1;
        if top == 1 || r >= d {
            r = r.wrapping_sub(d);
            q |= 1;
        }
    }
    (q, r)
}

/// Taint of each output and of the fee of one transaction, given the
/// tainted slices of its inputs (forward). The fee's taint is given as
/// slices of the fee (FIFO: the end of the inputs' run).
fn propagate(
    values_in: &[Amount],
    outs: &[Amount],
    inputs: &[Slices],
    policy: Policy,
) -> (Vec<Slices>, Slices) {
    let in_total: Amount = values_in.iter().sum();
    let fee = in_total.saturating_sub(outs.iter().sum());
    let total_taint: Amount = inputs.iter().map(amount).sum();
    match policy {
        Policy::Poison => {
            if total_taint == 0 {
                return (vec![Vec::new(); outs.len()], Vec::new());
            }
            (outs.iter().map(|v| whole(*v)).collect(), whole(fee))
        }
        Policy::Haircut => {
            let mut w = outs.to_vec();
            w.push(fee);
            let shares = apportion(total_taint, &w);
            let fee_share = *shares.last().unwrap_or(&0);
            (
                shares[..outs.len()].iter().map(|s| whole(*s)).collect(),
                whole(fee_share),
            )
        }
        Policy::Fifo => {
            // Tainted slices on the transaction's run of satoshis.
            let (run, off) = join(inputs, values_in);
            let result = cut(&run, outs);
            let pos: Amount = outs.iter().sum();
            let fee_slices = cut(&run, &[pos, off.saturating_sub(pos)])
                .pop()
                .unwrap_or_default();
            (result, fee_slices)
        }
    }
}

/// Where the fees of a block go: its coinbase, whose run of satoshis is
/// the fees of the block's transactions in block order, then the subsidy.
/// A transaction's fee starts after the fees before it, so only those are
/// computed (on demand, once per block).
struct CoinbaseRun {
    coinbase: u32,
    /// Where each fee starts, for the block's transactions from the one
    /// after the coinbase, as far as asked so far.
    starts: Vec<Amount>,
    next: Amount,
}

impl CoinbaseRun {
    fn new(g: &Graph, block: u32) -> Option<Self> {
        let cb = g.block_txs(block).start;
        (!g.block_txs(block).is_empty() && g.is_coinbase(cb)).then_some(CoinbaseRun {
            coinbase: cb,
            starts: Vec::new(),
            next: 0,
        })
    }

    /// Where the fee of `tx` (after the coinbase in its block) starts.
    fn start(&mut self, g: &Graph, tx: u32) -> Amount {
        let k = (tx - self.coinbase - 1) as usize;
        while self.starts.len() <= k {
            let t = self.coinbase + 1 + self.starts.len() as u32;
            self.starts.push(self.next);
            self.next += g.fee(t);
        }
        self.starts[k]
    }
}

/// Slices of consecutive segments of the given lengths as slices of one
/// run (the inverse of [`cut`]), and the run's length.
fn join(slices: &[Slices], lengths: &[Amount]) -> (Slices, Amount) {
    let mut run = Vec::new();
    let mut off: Amount = 0;
    for (k, v) in lengths.iter().enumerate() {
        for (a, b) in slices.get(k).into_iter().flatten() {
            run.push((off + a, off + b));
        }
        off += v;
    }
    (run, off)
}

/// An amount as one slice (nothing for zero).
fn whole(v: Amount) -> Slices {
    if v > 0 {
        vec![(0, v)]
    } else {
        Vec::new()
    }
}

/// The parts of `run` (slices on one run of satoshis) that fall in each of
/// consecutive segments of the given lengths, relative to each segment.
fn cut(run: &[(Amount, Amount)], lengths: &[Amount]) -> Vec<Slices> {
    let mut result = Vec::with_capacity(lengths.len());
    let mut pos: Amount = 0;
    for v in lengths {
        let (lo, hi) = (pos, pos + v);
        let mut mine = Vec::new();
        for (a, b) in run {
            let (s, e) = ((*a).max(lo), (*b).min(hi));
            if s < e {
                mine.push((s - lo, e - lo));
            }
        }
        result.push(mine);
        pos = hi;
    }
    result
}

/// Backward: the attribution of each input, given the attributed slices of
/// the outputs. Haircut shares the attributed amount among the inputs in
/// proportion to their values; FIFO maps the outputs' slices onto the run
/// of input satoshis; poison names every input whole.
fn propagate_back(
    values_in: &[Amount],
    outs: &[Amount],
    attributed: &[Slices],
    policy: Policy,
) -> Vec<Slices> {
    let total: Amount = attributed.iter().map(amount).sum();
    if total == 0 {
        return vec![Vec::new(); values_in.len()];
    }
    match policy {
        Policy::Poison => values_in.iter().map(|v| whole(*v)).collect(),
        Policy::Haircut => apportion(total, values_in).into_iter().map(whole).collect(),
        Policy::Fifo => cut(&join(attributed, outs).0, values_in),
    }
}

/// The order in which transactions are processed: by height, then by
/// position (a spender always comes after what it spends). Orphans last.
fn key(g: &Graph, tx: u32) -> (u32, u32) {
    (g.height(tx).unwrap_or(u32::MAX), tx)
}

fn tainted_output(g: &Graph, out: u64, tainted: Amount, hop: u32, stopped: bool) -> TaintedOutput {
    let (tx, vout) = g.output_owner(out);
    TaintedOutput {
        txid: g.txid(tx),
        vout,
        value: g.value(out),
        tainted,
        hop,
        address: g.out_address(out).map(|a| g.address(a)),
        spent: g.spender(out).is_some(),
        stopped,
        out,
    }
}

/// Resolves `TXID:VOUT` to an output id.
pub fn parse_outpoint(g: &Graph, s: &str) -> Result<u64, String> {
    let (t, v) = s
        .rsplit_once(':')
        .ok_or_else(|| format!("{s:?}: expected TXID:VOUT"))?;
    let vout: u64 = v
        .parse()
        .map_err(|_| format!("{s:?}: the output index {v:?} is not a number"))?;
    let tx = g
        .tx_index(t)
        .ok_or_else(|| format!("transaction {t} is not in the graph"))?;
    let r = g.outputs(tx);
    if r.start + vout >= r.end {
        return Err(format!(
            "{t} has no output {vout} (it has {})",
            r.end - r.start
        ));
    }
    Ok(r.start + vout)
}

/// What a trace or an exposure starts from: one output, or an address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    Output(u64),
    Address(u32),
}

impl Subject {
    /// `TXID:VOUT`, or an address of the graph.
    pub fn parse(g: &Graph, s: &str) -> Result<Subject, String> {
        if let Some(a) = g.address_index(s) {
            return Ok(Subject::Address(a));
        }
        if s.contains(':') {
            return parse_outpoint(g, s).map(Subject::Output);
        }
        Err(format!(
            "{s} is neither TXID:VOUT nor an address in the graph"
        ))
    }

    /// The outputs it stands for: the output, or all the address received.
    pub fn outputs(&self, g: &Graph) -> Vec<u64> {
        match self {
            Subject::Output(o) => vec![*o],
            Subject::Address(a) => g.address_outputs(*a).collect(),
        }
    }

    /// The address it is, or the output is paid to.
    pub fn address(&self, g: &Graph) -> Option<u32> {
        match self {
            Subject::Output(o) => g.out_address(*o),
            Subject::Address(a) => Some(*a),
        }
    }
}

/// The outputs of one asset among `outputs`: the named one (`chain:asset`),
/// or by default the first asset among them (an address may hold several;
/// a trace follows one asset).
pub fn one_asset(
    g: &Graph,
    mut outputs: Vec<u64>,
    asset: Option<&str>,
) -> Result<(u32, Vec<u64>), String> {
    let asset_of = |o: &u64| g.output_asset(*o);
    let asset = match asset {
        Some(name) => g
            .asset_index(name)
            .ok_or_else(|| format!("asset {name} is not in the graph"))?,
        None => outputs.iter().map(asset_of).min().unwrap_or(0),
    };
    outputs.retain(|o| asset_of(o) == asset);
    Ok((asset, outputs))
}

/// Follows the taint of output `vout` of `txid` forward, at most
/// `max_hops` transactions away.
pub fn taint_forward(
    g: &Graph,
    txid: &str,
    vout: u32,
    policy: Policy,
    max_hops: u32,
) -> Result<TaintReport, String> {
    let out = parse_outpoint(g, &format!("{txid}:{vout}"))?;
    trace(
        g,
        &[out],
        &TraceOptions::new(policy, Direction::Forward, max_hops),
    )
}

fn src_asset(g: &Graph, sources: &[u64]) -> u32 {
    sources
        .iter()
        .filter(|o| **o < g.output_count())
        .map(|o| g.output_asset(*o))
        .min()
        .unwrap_or(0)
}

/// Traces the given outputs (their whole values are the source) forward
/// or backward under the options. The sources must be of one asset.
pub fn trace(g: &Graph, sources: &[u64], opts: &TraceOptions) -> Result<TaintReport, String> {
    let whole: Vec<(u64, Amount)> = sources
        .iter()
        .map(|o| {
            (
                *o,
                if *o < g.output_count() {
                    g.value(*o)
                } else {
                    0
                },
            )
        })
        .collect();
    trace_amounts(g, &whole, opts)
}

/// Traces parts of outputs: each source output carries the given amount
/// (at most its value; under FIFO its first units).
pub fn trace_amounts(
    g: &Graph,
    sources: &[(u64, Amount)],
    opts: &TraceOptions,
) -> Result<TaintReport, String> {
    let mut src: Vec<(u64, Amount)> = sources.to_vec();
    src.sort_unstable();
    src.dedup_by_key(|s| s.0);
    for &(o, _) in &src {
        if o >= g.output_count() {
            return Err(format!("output {o} is not in the graph"));
        }
    }
    let ids: Vec<u64> = src.iter().map(|s| s.0).collect();
    let asset = src_asset(g, &ids);
    let mut report = TaintReport {
        policy: opts.policy,
        direction: opts.direction,
        asset: g.asset_name(asset),
        sources: Vec::new(),
        source_amount: 0,
        outputs: Vec::new(),
        unspent: 0,
        fees: 0,
        mined: 0,
        unknown: 0,
        beyond_horizon: 0,
        stopped: 0,
        below_minimum: 0,
        into_sources: 0,
        converted: 0,
        transactions: 0,
        flows: Vec::new(),
    };
    let mut taint: FxHashMap<u64, Slices> = FxHashMap::default();
    let mut hop: FxHashMap<u32, u32> = FxHashMap::default();
    for &(o, amount) in &src {
        if g.output_asset(o) != asset {
            return Err(format!(
                "the sources are of several assets ({} and {}): trace one asset at a time",
                g.asset_name(asset),
                g.asset_name(g.output_asset(o))
            ));
        }
        let v = amount.min(g.value(o));
        report.source_amount += v;
        let t = tainted_output(g, o, v, 0, false);
        report.sources.push(format!("{}:{}", t.txid, t.vout));
        report.outputs.push(t);
        taint.insert(o, whole(v));
    }
    match opts.direction {
        Direction::Forward => forward(g, &src, opts, &mut taint, &mut hop, &mut report),
        Direction::Backward => backward(g, &src, opts, &mut taint, &mut hop, &mut report),
    }
    Ok(report)
}

fn forward(
    g: &Graph,
    src: &[(u64, Amount)],
    opts: &TraceOptions,
    taint: &mut FxHashMap<u64, Slices>,
    hop: &mut FxHashMap<u32, u32>,
    report: &mut TaintReport,
) {
    let is_source = |o: u64| src.binary_search_by_key(&o, |s| s.0).is_ok();
    let mut heap: BinaryHeap<Reverse<(u32, u32)>> = BinaryHeap::new();
    // Decides what happens to a tainted output at `h` hops: followed (its
    // spender queued; returns true), or resting somewhere (a rested
    // output's taint must not flow on with a spender reached otherwise).
    let settle = |out: u64,
                  a: Amount,
                  h: u32,
                  heap: &mut BinaryHeap<Reverse<(u32, u32)>>,
                  hop: &mut FxHashMap<u32, u32>,
                  report: &mut TaintReport|
     -> bool {
        let stop = g.out_address(out).is_some_and(|x| opts.stops_at(g, x)) && h > 0;
        if stop {
            report.stopped += a;
            return false;
        }
        match g.spender(out) {
            None => report.unspent += a,
            Some(_) if a < opts.min_amount => report.below_minimum += a,
            Some(_) if h >= opts.max_hops => report.beyond_horizon += a,
            Some(sp) => {
                let e = hop.entry(sp).or_insert(u32::MAX);
                if *e == u32::MAX {
                    heap.push(Reverse(key(g, sp)));
                }
                *e = (*e).min(h + 1);
                return true;
            }
        }
        false
    };
    for &(o, _) in src {
        let v = taint.get(&o).map(amount).unwrap_or(0);
        if !settle(o, v, 0, &mut heap, hop, report) {
            taint.remove(&o);
        }
    }
    let mut values_in: Vec<Amount> = Vec::new();
    let mut outs: Vec<Amount> = Vec::new();
    let mut ins: Vec<Slices> = Vec::new();
    // Blocks whose coinbase received tainted fees, and the coinbase
    // outputs already in the report (several fees may reach one).
    let mut coinbases: FxHashMap<u32, Option<CoinbaseRun>> = FxHashMap::default();
    let mut cb_seen: FxHashMap<u64, usize> = FxHashMap::default();
    while let Some(Reverse((_, tx))) = heap.pop() {
        let h = hop[&tx];
        values_in.clear();
        ins.clear();
        for i in g.inputs(tx) {
            let p = g.input_prev(i);
            if p == NONE64 {
                values_in.push(0);
                ins.push(Vec::new());
            } else {
                values_in.push(g.value(p));
                // One spender per output: its slices are needed here only.
                ins.push(taint.remove(&p).unwrap_or_default());
            }
        }
        outs.clear();
        outs.extend(g.outputs(tx).map(|o| g.value(o)));
        report.transactions += 1;
        let (res, fee) = propagate(&values_in, &outs, &ins, opts.policy);
        let fee_taint = amount(&fee);
        let first = g.outputs(tx).start;
        if fee_taint > 0 && opts.fees_to_coinbase {
            let block = g.block_of(tx);
            let run = coinbases
                .entry(block)
                .or_insert_with(|| CoinbaseRun::new(g, block));
            match run.as_mut().filter(|r| r.coinbase < tx) {
                Some(r) => {
                    let at = r.start(g, tx);
                    let cb_values: Vec<Amount> =
                        g.outputs(r.coinbase).map(|o| g.value(o)).collect();
                    let parts: Vec<Slices> = match opts.policy {
                        Policy::Fifo => {
                            let shifted: Slices =
                                fee.iter().map(|(a, b)| (a + at, b + at)).collect();
                            cut(&shifted, &cb_values)
                        }
                        Policy::Haircut => apportion(fee_taint, &cb_values)
                            .into_iter()
                            .map(whole)
                            .collect(),
                        Policy::Poison => cb_values.iter().map(|v| whole(*v)).collect(),
                    };
                    let placed: Amount = parts.iter().map(amount).sum();
                    // A coinbase claiming less than subsidy and fees leaves
                    // the rest unclaimed: it stays with the fees.
                    report.fees += fee_taint.saturating_sub(placed);
                    let cb_first = g.outputs(r.coinbase).start;
                    for (k, s) in parts.into_iter().enumerate() {
                        let a = amount(&s);
                        if a == 0 {
                            continue;
                        }
                        let o = cb_first + k as u64;
                        if is_source(o) {
                            report.into_sources += a;
                            continue;
                        }
                        if g.spender(o).is_some_and(|sp| key(g, sp) <= key(g, tx)) {
                            // Spent before this fee was paid (a coinbase spent
                            // within its block, which Bitcoin's maturity rule
                            // forbids): following it would run against the
                            // order of the chain; the taint stays with the fees.
                            report.fees += a;
                            continue;
                        }
                        // Shares of several fees never exceed the output
                        // (a coinbase claiming less than its block's fees):
                        // what does not fit stays with the fees.
                        let already = cb_seen
                            .get(&o)
                            .map(|i| report.outputs[*i].tainted)
                            .unwrap_or(0);
                        let room = g.value(o).saturating_sub(already);
                        // (Poison is not conserved: each arrival taints
                        // the output whole.)
                        let (a, s) = if a > room && opts.policy != Policy::Poison {
                            report.fees += a - room;
                            (room, whole(room))
                        } else {
                            (a, s)
                        };
                        // Settled even when full: reached again at fewer
                        // hops, its spender's hop count is lowered.
                        let followed = settle(o, a, h, &mut heap, hop, report);
                        match cb_seen.get(&o) {
                            Some(i) => {
                                let t = &mut report.outputs[*i].tainted;
                                *t = (*t + a).min(g.value(o));
                            }
                            None => {
                                cb_seen.insert(o, report.outputs.len());
                                report.outputs.push(tainted_output(g, o, a, h, false));
                            }
                        }
                        if followed {
                            taint.entry(o).or_default().extend(s);
                        }
                    }
                }
                None => report.fees += fee_taint,
            }
        } else {
            report.fees += fee_taint;
        }
        for (k, s) in res.into_iter().enumerate() {
            let a = amount(&s);
            if a == 0 {
                continue;
            }
            let o = first + k as u64;
            if is_source(o) {
                report.into_sources += a;
                continue;
            }
            let followed = settle(o, a, h, &mut heap, hop, report);
            let stopped = !followed && g.out_address(o).is_some_and(|x| opts.stops_at(g, x));
            report.outputs.push(tainted_output(g, o, a, h, stopped));
            if followed {
                taint.insert(o, s);
            }
        }
    }
}

fn backward(
    g: &Graph,
    src: &[(u64, Amount)],
    opts: &TraceOptions,
    taint: &mut FxHashMap<u64, Slices>,
    hop: &mut FxHashMap<u32, u32>,
    report: &mut TaintReport,
) {
    let is_source = |o: u64| src.binary_search_by_key(&o, |s| s.0).is_ok();
    // Max-heap of (height, order, tx): a spender is processed before what
    // it spends. Followed back into fees, a coinbase draws from every
    // transaction of its block, so it comes before them (last in order).
    // A coinbase spent within its own block (which Bitcoin's maturity rule
    // forbids) would close a cycle — its spender's fee leads back to it —
    // and no order would put each transaction after all that draw from
    // it: such a coinbase is not followed into its fees (all mined), so
    // the walk is the same acyclic one whatever the policy.
    let collects_fees = |tx: u32| {
        opts.fees_to_coinbase
            && g.is_coinbase(tx)
            && g.flags(tx) & FLAG_TRANSFER == 0
            && g.block_txs(g.block_of(tx)).start == tx
            && !g.outputs(tx).any(|o| {
                g.spender(o)
                    .is_some_and(|s| g.block_of(s) == g.block_of(tx))
            })
    };
    let order = |tx: u32| {
        let (h, pos) = key(g, tx);
        if collects_fees(tx) {
            (h, u32::MAX, tx)
        } else {
            (h, pos, tx)
        }
    };
    let mut heap: BinaryHeap<(u32, u32, u32)> = BinaryHeap::new();
    let queue =
        |tx: u32, h: u32, heap: &mut BinaryHeap<(u32, u32, u32)>, hop: &mut FxHashMap<u32, u32>| {
            let e = hop.entry(tx).or_insert(u32::MAX);
            if *e == u32::MAX {
                heap.push(order(tx));
            }
            *e = (*e).min(h);
        };
    for &(o, _) in src {
        if opts.max_hops == 0 {
            report.beyond_horizon += taint.get(&o).map(amount).unwrap_or(0);
        } else {
            queue(g.output_owner(o).0, 0, &mut heap, hop);
        }
    }
    let mut values_in: Vec<Amount> = Vec::new();
    let mut outs: Vec<Amount> = Vec::new();
    let mut att: Vec<Slices> = Vec::new();
    let mut prevs: Vec<u64> = Vec::new();
    // Fees attributed by a coinbase, as slices of the fee, per payer.
    let mut fee_att: FxHashMap<u32, Slices> = FxHashMap::default();
    let mut done: FxHashSet<u32> = FxHashSet::default();
    while let Some((_, _, tx)) = heap.pop() {
        let h = hop[&tx];
        done.insert(tx);
        outs.clear();
        att.clear();
        for o in g.outputs(tx) {
            outs.push(g.value(o));
            att.push(taint.remove(&o).unwrap_or_default());
        }
        // The fee ends the run of the inputs' units, after the outputs.
        if let Some(f) = fee_att.remove(&tx) {
            outs.push(g.fee(tx));
            att.push(f);
        }
        let total: Amount = att.iter().map(amount).sum();
        if g.is_coinbase(tx) {
            if collects_fees(tx) {
                coinbase_back(
                    g,
                    tx,
                    h,
                    &outs,
                    &att,
                    total,
                    opts,
                    &done,
                    &mut fee_att,
                    report,
                )
                .into_iter()
                .for_each(|t| queue(t, h + 1, &mut heap, hop));
            } else {
                report.mined += total;
            }
            continue;
        }
        report.transactions += 1;
        values_in.clear();
        prevs.clear();
        prevs.extend(g.inputs(tx).map(|i| g.input_prev(i)));
        values_in.extend(
            prevs
                .iter()
                .map(|p| if *p == NONE64 { 0 } else { g.value(*p) }),
        );
        if values_in.iter().all(|v| *v == 0) {
            report.unknown += total;
            continue;
        }
        let res = propagate_back(&values_in, &outs, &att, opts.policy);
        // Under FIFO, units beyond the known inputs' run came through
        // inputs whose spent output is not in the graph: unknown.
        let placed: Amount = res.iter().map(amount).sum();
        report.unknown += total.saturating_sub(placed);
        for (k, s) in res.into_iter().enumerate() {
            let a = amount(&s);
            if a == 0 {
                continue;
            }
            let p = prevs[k];
            if p == NONE64 {
                report.unknown += a;
                continue;
            }
            if is_source(p) {
                report.into_sources += a;
                continue;
            }
            let stop = g.out_address(p).is_some_and(|x| opts.stops_at(g, x));
            report.outputs.push(tainted_output(g, p, a, h + 1, stop));
            let owner = g.output_owner(p).0;
            if stop {
                report.stopped += a;
            } else if follow_back(a, h, owner, opts, &done, report) {
                queue(owner, h + 1, &mut heap, hop);
                // An output has one spender: its attribution comes from
                // here only. Rested outputs stay out of the map, so that
                // their owner, reached otherwise, does not count them again.
                taint.insert(p, s);
            }
        }
    }
}

/// Backward: whether `a` units reaching transaction `t` from one at hop
/// `h` are followed into it; if not, they are counted where they rest. A
/// transaction already processed cannot be reached again while the order
/// is topological (a coinbase spent within its block is not followed into
/// its fees); should it be, what reaches it counts as mined rather than
/// being walked twice.
fn follow_back(
    a: Amount,
    h: u32,
    t: u32,
    opts: &TraceOptions,
    done: &FxHashSet<u32>,
    report: &mut TaintReport,
) -> bool {
    if a < opts.min_amount {
        report.below_minimum += a;
    } else if h + 1 >= opts.max_hops {
        report.beyond_horizon += a;
    } else if done.contains(&t) {
        report.mined += a;
    } else {
        return true;
    }
    false
}

/// Backward through a coinbase: the attributed slices of its outputs
/// (`outs`, `att`) are laid on its run — the fees of its block's
/// transactions in order, then the subsidy. The subsidy's part is mined;
/// each fee's part is attributed to the fee of its payer, to be followed
/// into the payer's inputs. Returns the payers to process.
#[allow(clippy::too_many_arguments)]
fn coinbase_back(
    g: &Graph,
    cb: u32,
    h: u32,
    outs: &[Amount],
    att: &[Slices],
    total: Amount,
    opts: &TraceOptions,
    done: &FxHashSet<u32>,
    fee_att: &mut FxHashMap<u32, Slices>,
    report: &mut TaintReport,
) -> Vec<u32> {
    let payers: Vec<u32> = (cb + 1..g.block_txs(g.block_of(cb)).end).collect();
    let mut lengths: Vec<Amount> = payers.iter().map(|t| g.fee(*t)).collect();
    let fees: Amount = lengths.iter().sum();
    let claimed: Amount = outs.iter().sum();
    lengths.push(claimed.saturating_sub(fees));
    let parts: Vec<Slices> = match opts.policy {
        Policy::Fifo => cut(&join(att, outs).0, &lengths),
        Policy::Haircut => apportion(total, &lengths).into_iter().map(whole).collect(),
        Policy::Poison if total > 0 => lengths.iter().map(|v| whole(*v)).collect(),
        Policy::Poison => Vec::new(),
    };
    let mut next = Vec::new();
    for (k, s) in parts.into_iter().enumerate() {
        let a = amount(&s);
        if a == 0 {
            continue;
        }
        let Some(&payer) = payers.get(k) else {
            report.mined += a;
            continue;
        };
        if follow_back(a, h, payer, opts, done, report) {
            fee_att.entry(payer).or_default().extend(s);
            next.push(payer);
        }
    }
    next
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apportion_is_exact() {
        assert_eq!(apportion(10, &[1, 1, 1]), vec![4, 3, 3]);
        assert_eq!(apportion(7, &[50, 30, 20]), vec![4, 2, 1]);
        assert_eq!(apportion(0, &[5, 5]), vec![0, 0]);
        assert_eq!(apportion(5, &[0, 0]), vec![0, 0]);
        assert_eq!(
            apportion(u128::MAX / 2, &[u128::MAX / 3, u128::MAX / 3])
                .iter()
                .sum::<Amount>(),
            u128::MAX / 2
        );
        // Wei-sized amounts: the 256-bit product is exact.
        let eth = 10u128.pow(18);
        assert_eq!(
            apportion(7 * eth, &[2 * eth, eth, 0]),
            vec![4_666_666_666_666_666_667, 2_333_333_333_333_333_333, 0]
        );
    }

    #[test]
    fn mul_div_is_exact_beyond_128_bits() {
        let big = u128::MAX / 3;
        // (big * 6) / 4 with a 130-bit product.
        let (q, r) = mul_div(big, 6, 4);
        assert_eq!(q, big + big / 2);
        assert_eq!(r, (big % 2) * 2);
        let (q, r) = mul_div(u128::MAX, u128::MAX, u128::MAX);
        assert_eq!((q, r), (u128::MAX, 0));
        let (q, r) = mul_div(1 << 100, 1 << 100, 1 << 90);
        assert_eq!((q, r), (1 << 110, 0));
        let e = |n: u32| 10u128.pow(n);
        assert_eq!(mul_div(e(30), 3 * e(20), e(21)), (3 * e(29), 0));
        // (10^30 + 1) · 10^20 / (3 · 10^20): 10^30 + 1 = 3 · (10^30 − 1)/3 + 2.
        assert_eq!(
            mul_div(e(30) + 1, e(20), 3 * e(20)),
            ((e(30) - 1) / 3, 2 * e(20))
        );
    }
}
