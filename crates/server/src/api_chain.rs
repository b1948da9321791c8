//! `/v1/chain`: the imported transaction graph — its summary, an
//! address, a transaction, a taint trace and an address's exposure to risk
//! categories — read from the view the service keeps loaded (loaded again
//! when `kansa chain import` replaced the graph or labels or lists changed).

use crate::api::blocking;
use crate::auth::Need;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery};
use crate::screening::ChainView;
use crate::state::{AppState, Caller};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use kansa_trace::{Direction, Policy, TaintRequest};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};

type St = State<Arc<AppState>>;

/// Most hops a trace or an exposure may ask for over HTTP.
pub const MAX_HOPS: u32 = 50;
/// Most outputs a trace reports per asset over HTTP.
pub const MAX_OUTPUTS: usize = 1000;

fn view(st: &AppState) -> ApiResult<Arc<ChainView>> {
    st.chain()?.ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "no_chain_data",
            "no chain data in this service's data directory: import blocks or transfers first (kansa chain import PATH)",
        )
    })
}

fn unknown_address(address: &str) -> ApiError {
    ApiError::not_found(format!(
        "address {} does not occur in the chain graph",
        crate::app::clip(address)
    ))
}

fn hops(field: &str, h: u32) -> ApiResult<u32> {
    if (1..=MAX_HOPS).contains(&h) {
        Ok(h)
    } else {
        Err(ApiError::field(
            field,
            format!("{field} {h}: expected 1 to {MAX_HOPS}"),
        ))
    }
}

/// The graph's size and what it was built from.
#[utoipa::path(get, path = "/v1/chain", tag = "chain",
    responses((status = 200, body = Object), (status = 404, body = ErrorBody)),
    security(("token" = [])))]
pub async fn summary(st: St, caller: Caller) -> ApiResult<Json<serde_json::Value>> {
    caller.need(Need::Read)?;
    blocking(move || {
        let v = view(&st)?;
        #[derive(Serialize)]
        struct Out<'a> {
            #[serde(flatten)]
            stats: kansa_chain::GraphStats,
            sources: &'a [String],
            anomalies: usize,
            written_at: &'a str,
            labelled_clusters: usize,
        }
        let out = Out {
            stats: v.graph.stats(),
            sources: &v.meta.sources,
            anomalies: v.meta.anomalies.len(),
            written_at: &v.meta.written_at,
            labelled_clusters: v.labels.len(),
        };
        Ok(Json(
            serde_json::to_value(&out).map_err(ApiError::internal)?,
        ))
    })
    .await
}

/// One address: received, sent, balance per asset, transactions, its
/// cluster, and the labels of the cluster (packs and sanctions lists).
#[utoipa::path(get, path = "/v1/chain/addresses/{address}", tag = "chain",
    params(("address" = String, Path)),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody)),
    security(("token" = [])))]
pub async fn address(
    st: St,
    caller: Caller,
    Path(address): Path<String>,
) -> ApiResult<Json<serde_json::Value>> {
    caller.need(Need::Read)?;
    blocking(move || {
        let v = view(&st)?;
        let g = &v.graph;
        let a = g
            .address_index(&address)
            .ok_or_else(|| unknown_address(&address))?;
        #[derive(Serialize)]
        struct Out<'a> {
            #[serde(flatten)]
            stats: kansa_chain::AddressStats,
            labels: &'a [kansa_chain::AddressLabel],
        }
        let out = Out {
            stats: g.address_stats(&address),
            labels: v.labels.labels(g, a),
        };
        Ok(Json(
            serde_json::to_value(&out).map_err(ApiError::internal)?,
        ))
    })
    .await
}

/// One transaction with its inputs (and the outputs they spent), outputs
/// (and who spent them), block, height and fee.
#[utoipa::path(get, path = "/v1/chain/transactions/{txid}", tag = "chain",
    params(("txid" = String, Path)),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody)),
    security(("token" = [])))]
pub async fn transaction(
    st: St,
    caller: Caller,
    Path(txid): Path<String>,
) -> ApiResult<Json<serde_json::Value>> {
    caller.need(Need::Read)?;
    blocking(move || {
        let v = view(&st)?;
        let t = v.graph.tx_index(&txid).ok_or_else(|| {
            ApiError::not_found(format!(
                "transaction {} is not in the chain graph",
                crate::app::clip(&txid)
            ))
        })?;
        let r = v.graph.tx_record(t);
        let fee = r.fee();
        let mut out = serde_json::to_value(&r).map_err(ApiError::internal)?;
        out["fee"] = serde_json::to_value(fee).map_err(ApiError::internal)?;
        Ok(Json(out))
    })
    .await
}

/// A taint trace.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TraceBody {
    /// `TXID:VOUT`, or an address (everything it received).
    pub from: String,
    /// poison, haircut (default) or fifo.
    pub policy: Option<String>,
    /// forward (default: where the funds went) or backward (where they
    /// came from).
    pub direction: Option<String>,
    /// Transactions away from the source (1..50; 10 by default).
    pub max_hops: Option<u32>,
    /// Outputs carrying fewer base units are not followed.
    pub min_amount: Option<u64>,
    /// The asset followed (`chain:asset`) when the source holds several.
    pub asset: Option<String>,
    /// End the trail at labelled addresses (exchanges, mixers…).
    pub stop_at_labels: Option<bool>,
    /// Continue through labelled swap and bridge services into other
    /// assets (default true).
    pub cross: Option<bool>,
    /// Outputs reported per asset (1..1000, the largest; 100 by default).
    pub limit: Option<usize>,
}

impl TraceBody {
    /// The engine's request, every field checked.
    pub fn request(self) -> ApiResult<TaintRequest> {
        let mut r = TaintRequest::new(self.from);
        if r.from.trim().is_empty() {
            return Err(ApiError::field(
                "from",
                "from is empty: TXID:VOUT or an address",
            ));
        }
        if let Some(p) = self.policy {
            r.policy = p
                .parse::<Policy>()
                .map_err(|e| ApiError::field("policy", e))?;
        }
        if let Some(d) = self.direction {
            r.direction = match d.as_str() {
                "forward" => Direction::Forward,
                "backward" => Direction::Backward,
                other => {
                    return Err(ApiError::field(
                        "direction",
                        format!("unknown direction {other:?}: forward or backward"),
                    ))
                }
            };
        }
        if let Some(h) = self.max_hops {
            r.max_hops = hops("max_hops", h)?;
        }
        r.min_amount = self.min_amount.unwrap_or(0).into();
        r.asset = self.asset;
        r.stop_at_labels = self.stop_at_labels.unwrap_or(false);
        r.cross = self.cross.unwrap_or(true);
        if let Some(l) = self.limit {
            if !(1..=MAX_OUTPUTS).contains(&l) {
                return Err(ApiError::field(
                    "limit",
                    format!("limit {l}: expected 1 to {MAX_OUTPUTS}"),
                ));
            }
            r.limit = l;
        }
        Ok(r)
    }
}

/// Runs a trace request on the current view (errors of the request are
/// 422s naming `from` or `asset`).
pub fn run_trace(st: &AppState, req: &TaintRequest) -> ApiResult<kansa_trace::TaintOutcome> {
    let v = view(st)?;
    kansa_trace::run_taint(&v.graph, &v.labels, req).map_err(|e| {
        let field = if e.starts_with("asset") {
            "asset"
        } else {
            "from"
        };
        ApiError::field(field, e)
    })
}

/// Follow funds forward or backward from an output or an address, under
/// poison, haircut or FIFO; across assets at labelled swap and bridge
/// services. Every base unit of the source rests somewhere (`unspent`,
/// `fees`, `mined`, `beyond_horizon`, …); `flows` link the reported
/// outputs for drawing the trail.
#[utoipa::path(post, path = "/v1/chain/trace", tag = "chain",
    request_body = TraceBody,
    responses((status = 200, body = Object), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)),
    security(("token" = [])))]
pub async fn trace(
    st: St,
    caller: Caller,
    ApiJson(body): ApiJson<TraceBody>,
) -> ApiResult<Json<kansa_trace::TaintOutcome>> {
    caller.need(Need::Read)?;
    let req = body.request()?;
    blocking(move || run_trace(&st, &req).map(Json)).await
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ExposureParams {
    /// incoming (default: where its funds came from) or outgoing.
    pub direction: Option<String>,
    /// Hops examined (1..50; 6 by default).
    pub hops: Option<u32>,
    /// The asset examined (`chain:asset`) when the address holds several.
    pub asset: Option<String>,
}

/// Runs an exposure on the current view.
pub fn run_exposure(
    st: &AppState,
    subject: &str,
    p: ExposureParams,
) -> ApiResult<kansa_trace::Exposure> {
    let dir = match p.direction.as_deref().unwrap_or("incoming") {
        "incoming" => Direction::Backward,
        "outgoing" => Direction::Forward,
        other => {
            return Err(ApiError::field(
                "direction",
                format!("unknown direction {other:?}: incoming or outgoing"),
            ))
        }
    };
    let h = hops("hops", p.hops.unwrap_or(6))?;
    let v = view(st)?;
    if v.graph.address_index(subject).is_none() && !subject.contains(':') {
        return Err(unknown_address(subject));
    }
    kansa_trace::exposure(&v.graph, subject, dir, h, &v.labels, p.asset.as_deref()).map_err(|e| {
        let field = if e.starts_with("asset") {
            "asset"
        } else {
            "subject"
        };
        ApiError::field(field, e)
    })
}

/// Share of an address's funds (or of one output, `TXID:VOUT`: a deposit)
/// from (incoming) or to (outgoing) each risk category, directly and
/// within N hops, with the paths that explain it.
#[utoipa::path(get, path = "/v1/chain/exposure/{subject}", tag = "chain",
    params(("subject" = String, Path), ExposureParams),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)),
    security(("token" = [])))]
pub async fn exposure(
    st: St,
    caller: Caller,
    Path(subject): Path<String>,
    ApiQuery(p): ApiQuery<ExposureParams>,
) -> ApiResult<Json<kansa_trace::Exposure>> {
    caller.need(Need::Screen)?;
    blocking(move || run_exposure(&st, &subject, p).map(Json)).await
}
