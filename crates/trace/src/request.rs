//! A taint trace as a caller asks for it (from the command line or over
//! HTTP): a subject, a policy, a direction and limits, run across assets
//! at labelled swap and bridge services, reported with its largest outputs
//! and the flows between them.

use crate::cross::{trace_across, Crossing};
use crate::exposure::LabelLookup;
use crate::taint::{one_asset, Direction, Policy, Subject, TaintReport, TraceOptions};
use kansa_chain::{Amount, Graph};
use serde::Serialize;

/// What to trace and how far.
#[derive(Debug, Clone)]
pub struct TaintRequest {
    /// `TXID:VOUT`, or an address (everything it received).
    pub from: String,
    pub policy: Policy,
    pub direction: Direction,
    pub max_hops: u32,
    /// Outputs carrying fewer base units are not followed.
    pub min_amount: Amount,
    /// The asset followed (`chain:asset`) when the subject holds several.
    pub asset: Option<String>,
    /// End the trail at labelled addresses (the sources' own cluster
    /// excepted).
    pub stop_at_labels: bool,
    /// Continue through labelled swap and bridge services into other
    /// assets.
    pub cross: bool,
    /// Outputs reported per asset at most (the largest; totals count all).
    pub limit: usize,
}

impl TaintRequest {
    /// A forward haircut trace of 10 hops from `from`, across assets,
    /// reporting 100 outputs.
    pub fn new(from: impl Into<String>) -> TaintRequest {
        TaintRequest {
            from: from.into(),
            policy: Policy::Haircut,
            direction: Direction::Forward,
            max_hops: 10,
            min_amount: 0,
            asset: None,
            stop_at_labels: false,
            cross: true,
            limit: 100,
        }
    }

    /// Whether the trace reads labels at all (loading them can be skipped
    /// otherwise).
    pub fn needs_labels(&self, g: &Graph) -> bool {
        self.stop_at_labels || (self.cross && g.asset_count() > 1)
    }
}

/// A trace's result: the first asset's trail flattened at the top, then
/// the crossings into other assets and their trails.
#[derive(Debug, Clone, Serialize)]
pub struct TaintOutcome {
    #[serde(flatten)]
    pub first: TaintReport,
    pub crossings: Vec<Crossing>,
    pub continued: Vec<TaintReport>,
    pub crossings_not_followed: u64,
    /// Outputs holding taint in every asset, before the report's limit.
    pub outputs_touched: u64,
}

/// Runs `req` over `g`; `labels` end trails and link assets (an empty
/// lookup when [`TaintRequest::needs_labels`] is false).
pub fn run_taint(
    g: &Graph,
    labels: &LabelLookup,
    req: &TaintRequest,
) -> Result<TaintOutcome, String> {
    let all = Subject::parse(g, &req.from)?.outputs(g);
    let (_, sources) = one_asset(g, all, req.asset.as_deref())?;
    if sources.is_empty() {
        return Err(format!("{} received nothing in that asset", req.from));
    }
    let mut opts = TraceOptions::new(req.policy, req.direction, req.max_hops);
    opts.min_amount = req.min_amount;
    if req.stop_at_labels {
        // Every labelled cluster ends the trail, but the sources' own.
        opts.stop_clusters = labels.stop_clusters(g, None);
        for o in &sources {
            if let Some(a) = g.out_address(*o) {
                opts.stop_clusters.remove(&g.cluster_root(a));
            }
        }
    }
    let empty = LabelLookup::default();
    let cross_labels = if req.cross { labels } else { &empty };
    let whole: Vec<(u64, Amount)> = sources.iter().map(|o| (*o, g.value(*o))).collect();
    let all = trace_across(g, &whole, &opts, cross_labels)?;
    let touched = all.segments.iter().map(|s| s.outputs.len() as u64).sum();
    let mut segments = all.segments.into_iter().map(|mut s| {
        s.truncate_outputs(req.limit);
        s.link_outputs(g);
        s
    });
    let first = segments
        .next()
        .ok_or_else(|| "the trace has no segment".to_string())?;
    Ok(TaintOutcome {
        first,
        crossings: all.crossings,
        continued: segments.collect(),
        crossings_not_followed: all.crossings_not_followed,
        outputs_touched: touched,
    })
}
