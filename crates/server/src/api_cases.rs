//! Cases and four-eyes requests over HTTP. Analysts and supervisors work
//! cases; closing one, and releasing a held withdrawal, publishing rules or
//! lifting a breaker, is requested by one person and approved by a
//! different supervisor.

use crate::api::blocking;
use crate::auth::{allows, Need};
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery};
use crate::state::{now, AppState, Caller};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use kansa_cases::{Case, CaseError, Evidence, Request, Status, Verdict};
use kansa_store::LedgerExt;
use serde::Deserialize;
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};

type St = State<Arc<AppState>>;

fn case_error(e: CaseError) -> ApiError {
    let code = match e {
        CaseError::SamePerson(_) => "four_eyes",
        CaseError::NotApprover(_) => "forbidden",
        CaseError::NothingPending | CaseError::AlreadyPending(_) | CaseError::Closed => "conflict",
        _ => "invalid_field",
    };
    let status = match code {
        "four_eyes" | "forbidden" => StatusCode::FORBIDDEN,
        "conflict" => StatusCode::CONFLICT,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    };
    ApiError::new(status, code, e.to_string())
}

/// A case as shown: the decisions copied into its evidence keep their
/// personal values sealed as the log does; they are opened here.
fn shown(st: &AppState, mut c: Case) -> Result<Case, ApiError> {
    for e in c.evidence.iter_mut().filter(|e| e.kind == "decision") {
        crate::decisions::open_decision(&e.reference, &mut e.detail, st.config.sealer.as_ref())
            .map_err(ApiError::internal)?;
    }
    Ok(c)
}

/// Runs a change of case `id` as the caller, audited as `action`; answers
/// the changed case.
async fn change(
    st: Arc<AppState>,
    caller: Caller,
    id: i64,
    action: &'static str,
    detail: serde_json::Value,
    f: impl FnOnce(&mut Case, &Caller, &str) -> Result<(), CaseError> + Send + 'static,
) -> ApiResult<Json<Case>> {
    blocking(move || {
        let at = now();
        let r = st.ledger_as(&caller.user, |store| {
            store.update_case(id, &at, action, detail, |c| {
                f(c, &caller, &at)?;
                Ok(c.clone())
            })
        });
        match r? {
            None => Err(ApiError::not_found(format!("no case {id}"))),
            Some(Err(e)) => Err(case_error(e)),
            Some(Ok(c)) => Ok(Json(shown(&st, c)?)),
        }
    })
    .await
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CaseParams {
    /// open, pending_approval or closed.
    pub status: Option<String>,
    /// `customer:ID` or `wallet:ADDRESS`.
    pub subject: Option<String>,
    pub limit: Option<usize>,
}

/// Cases, newest first (the alert queue: `status=open`).
#[utoipa::path(get, path = "/v1/cases", tag = "cases", params(CaseParams),
    responses((status = 200, body = Vec<Object>), (status = 422, body = ErrorBody)),
    security(("token" = [])))]
pub async fn list(
    st: St,
    caller: Caller,
    ApiQuery(p): ApiQuery<CaseParams>,
) -> ApiResult<Json<Vec<Case>>> {
    caller.need(Need::Read)?;
    let status = match p.status.as_deref() {
        None => None,
        Some(s) => Some(Status::parse(s).ok_or_else(|| {
            ApiError::field(
                "status",
                format!("status {s:?}: open, pending_approval or closed"),
            )
        })?),
    };
    let limit = p.limit.unwrap_or(100).clamp(1, 1000);
    blocking(move || {
        let cases = st.ledger().cases(status, p.subject.as_deref(), limit)?;
        Ok(Json(
            cases
                .into_iter()
                .map(|c| shown(&st, c))
                .collect::<Result<_, _>>()?,
        ))
    })
    .await
}

/// One case with its alerts, notes, evidence, pending request and closure.
#[utoipa::path(get, path = "/v1/cases/{id}", tag = "cases", params(("id" = i64, Path)),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody)),
    security(("token" = [])))]
pub async fn get(st: St, caller: Caller, Path(id): Path<i64>) -> ApiResult<Json<Case>> {
    caller.need(Need::Read)?;
    blocking(move || {
        let c = st
            .store()
            .case(id)?
            .ok_or_else(|| ApiError::not_found(format!("no case {id}")))?;
        Ok(Json(shown(&st, c)?))
    })
    .await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignRequest {
    /// A user name; null to unassign.
    pub to: Option<String>,
}

/// Assign a case.
#[utoipa::path(post, path = "/v1/cases/{id}/assign", tag = "cases", params(("id" = i64, Path)),
    request_body = AssignRequest,
    responses((status = 200, body = Object), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("token" = [])))]
pub async fn assign(
    st: St,
    caller: Caller,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<AssignRequest>,
) -> ApiResult<Json<Case>> {
    caller.need(Need::Work)?;
    if let Some(u) = &r.to {
        let st2 = st.clone();
        let u2 = u.clone();
        let known = blocking(move || Ok(st2.ledger().user(&u2)?.is_some())).await?;
        if !known {
            return Err(ApiError::field("to", format!("no user {u:?}")));
        }
    }
    let detail = serde_json::json!({ "to": r.to });
    change(st.0, caller, id, "case.assign", detail, move |c, _, at| {
        c.assign(r.to.as_deref(), at)?;
        Ok(())
    })
    .await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteRequest {
    pub text: String,
}

/// Add a note.
#[utoipa::path(post, path = "/v1/cases/{id}/notes", tag = "cases", params(("id" = i64, Path)),
    request_body = NoteRequest,
    responses((status = 200, body = Object), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("token" = [])))]
pub async fn note(
    st: St,
    caller: Caller,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<NoteRequest>,
) -> ApiResult<Json<Case>> {
    caller.need(Need::Work)?;
    let detail = serde_json::json!({ "chars": r.text.chars().count() });
    change(st.0, caller, id, "case.note", detail, move |c, who, at| {
        c.note(&who.user, &r.text, at)?;
        Ok(())
    })
    .await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvidenceRequest {
    /// `decision` (the stored decision of event `reference` is attached
    /// with its explanation), `trace` (a taint trace from `reference`,
    /// TXID:VOUT or an address, computed now; `detail` holds its options),
    /// `exposure` (of address `reference`, computed now), `screening`,
    /// `document`, …
    pub kind: String,
    pub reference: String,
    #[schema(value_type = Object)]
    pub detail: Option<serde_json::Value>,
}

/// Attach evidence.
#[utoipa::path(post, path = "/v1/cases/{id}/evidence", tag = "cases", params(("id" = i64, Path)),
    request_body = EvidenceRequest,
    responses((status = 200, body = Object), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("token" = [])))]
pub async fn evidence(
    st: St,
    caller: Caller,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<EvidenceRequest>,
) -> ApiResult<Json<Case>> {
    caller.need(Need::Work)?;
    let mut detail = r.detail.unwrap_or(serde_json::Value::Null);
    if r.kind == "decision" {
        let st2 = st.clone();
        let ev = r.reference.clone();
        let stored = blocking(move || Ok(st2.ledger().decision(&ev)?)).await?;
        let d = stored.ok_or_else(|| {
            ApiError::field(
                "reference",
                format!("no decision for event {:?}", r.reference),
            )
        })?;
        // As the log keeps it: personal values stay sealed in the case.
        detail = serde_json::from_str(&d.decision).map_err(ApiError::internal)?;
    } else if r.kind == "trace" || r.kind == "exposure" {
        detail = chain_evidence(&st, &r.kind, &r.reference, detail).await?;
    }
    let audit = serde_json::json!({ "kind": r.kind, "reference": r.reference });
    change(
        st.0,
        caller,
        id,
        "case.evidence",
        audit,
        move |c, who, at| {
            c.add_evidence(Evidence {
                at: at.to_string(),
                by: who.user.clone(),
                kind: r.kind,
                reference: r.reference,
                detail,
            })?;
            Ok(())
        },
    )
    .await
}

/// Trace or exposure evidence computed now on the chain graph: `reference`
/// is where it starts (`TXID:VOUT` or an address), `detail` holds the
/// options (those of `POST /v1/chain/trace` or of the exposure route;
/// a trace keeps its 25 largest outputs unless told).
async fn chain_evidence(
    st: &Arc<AppState>,
    kind: &str,
    reference: &str,
    options: serde_json::Value,
) -> ApiResult<serde_json::Value> {
    let mut o = match options {
        serde_json::Value::Null => serde_json::Map::new(),
        serde_json::Value::Object(m) => m,
        _ => {
            return Err(ApiError::field(
                "detail",
                "detail of trace or exposure evidence: an object of options",
            ))
        }
    };
    let bad = |e: serde_json::Error| ApiError::field("detail", format!("detail: {e}"));
    let st = st.clone();
    if kind == "trace" {
        o.insert("from".into(), reference.into());
        o.entry("limit").or_insert(25.into());
        let body: crate::api_chain::TraceBody =
            serde_json::from_value(serde_json::Value::Object(o)).map_err(bad)?;
        let req = body.request()?;
        blocking(move || {
            let out = crate::api_chain::run_trace(&st, &req)?;
            serde_json::to_value(out).map_err(ApiError::internal)
        })
        .await
    } else {
        let p: crate::api_chain::ExposureParams =
            serde_json::from_value(serde_json::Value::Object(o)).map_err(bad)?;
        let subject = reference.to_string();
        blocking(move || {
            let out = crate::api_chain::run_exposure(&st, &subject, p)?;
            serde_json::to_value(out).map_err(ApiError::internal)
        })
        .await
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CloseRequestBody {
    /// true_match or false_positive.
    pub verdict: String,
    pub reason: String,
    /// Suppress the case's alerts for this many days (1..180; false
    /// positives only).
    pub suppress_days: Option<u32>,
    pub suppress_reason: Option<String>,
}

/// Ask to close a case; a different supervisor approves.
#[utoipa::path(post, path = "/v1/cases/{id}/close", tag = "cases", params(("id" = i64, Path)),
    request_body = CloseRequestBody,
    responses((status = 200, body = Object), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("token" = [])))]
pub async fn close(
    st: St,
    caller: Caller,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<CloseRequestBody>,
) -> ApiResult<Json<Case>> {
    caller.need(Need::Work)?;
    let verdict = Verdict::parse(&r.verdict).ok_or_else(|| {
        ApiError::field(
            "verdict",
            format!("verdict {:?}: true_match or false_positive", r.verdict),
        )
    })?;
    if r.suppress_days.is_some() != r.suppress_reason.is_some() {
        return Err(ApiError::field(
            "suppress_reason",
            "a suppression needs both suppress_days and suppress_reason",
        ));
    }
    let detail = serde_json::json!({ "verdict": r.verdict, "suppress_days": r.suppress_days });
    change(
        st.0,
        caller,
        id,
        "case.request_close",
        detail,
        move |c, who, at| {
            let sup = r.suppress_days.zip(r.suppress_reason.as_deref());
            c.request_close(&who.user, verdict, &r.reason, sup, at)?;
            Ok(())
        },
    )
    .await
}

/// Approve the pending closing request (a supervisor other than the
/// requester).
#[utoipa::path(post, path = "/v1/cases/{id}/approve", tag = "cases", params(("id" = i64, Path)),
    responses((status = 200, body = Object), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("token" = [])))]
pub async fn approve(st: St, caller: Caller, Path(id): Path<i64>) -> ApiResult<Json<Case>> {
    caller.need(Need::Read)?;
    let may = allows(caller.role, Need::Approve);
    change(
        st.0,
        caller,
        id,
        "case.approve_close",
        serde_json::json!({}),
        move |c, who, at| {
            c.approve(&who.user, may, who.role.as_str(), at)?;
            Ok(())
        },
    )
    .await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonBody {
    pub reason: String,
}

/// Send the closing request back; the case stays open.
#[utoipa::path(post, path = "/v1/cases/{id}/reject", tag = "cases", params(("id" = i64, Path)),
    request_body = ReasonBody,
    responses((status = 200, body = Object), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("token" = [])))]
pub async fn reject(
    st: St,
    caller: Caller,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<ReasonBody>,
) -> ApiResult<Json<Case>> {
    caller.need(Need::Read)?;
    let may = allows(caller.role, Need::Approve);
    change(
        st.0,
        caller,
        id,
        "case.reject_close",
        serde_json::json!({}),
        move |c, who, at| {
            c.reject(&who.user, may, who.role.as_str(), &r.reason, at)?;
            Ok(())
        },
    )
    .await
}

// ---------------------------------------------------------------- requests

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRequest {
    /// release_hold (subject: the held event id), publish_rules (the
    /// pack's SHA-256, computed from `pack` when left out), lift_breaker
    /// (the wallet, which must be stopped by its breaker).
    pub kind: String,
    #[serde(default)]
    pub subject: String,
    pub reason: String,
    /// publish_rules: the rule pack's TOML text, checked whole (CEL,
    /// fields, amounts) before the request is stored.
    pub pack: Option<String>,
}

/// Checks what a request names before it is stored: the pack of a
/// publish_rules request (its subject becomes the pack's SHA-256), the
/// stopped wallet of a lift_breaker request.
async fn check_request(st: &Arc<AppState>, r: &mut NewRequest) -> Result<(), ApiError> {
    if r.kind != "publish_rules" && r.pack.is_some() {
        return Err(ApiError::field(
            "pack",
            "only publish_rules requests carry a pack",
        ));
    }
    match r.kind.as_str() {
        "publish_rules" => {
            let text = r.pack.as_deref().ok_or_else(|| {
                ApiError::field(
                    "pack",
                    "a publish_rules request carries the pack's TOML text in `pack`",
                )
            })?;
            let sha = kansa_audit::to_hex(&kansa_audit::sha256(text.as_bytes()));
            let given = r.subject.trim();
            if !given.is_empty() && !given.eq_ignore_ascii_case(&sha) {
                return Err(ApiError::field(
                    "subject",
                    format!("the pack's SHA-256 is {sha}, not {given}"),
                ));
            }
            kansa_monitor::RulePack::parse(text, "pack")
                .map_err(|e| ApiError::field("pack", e.to_string()))?;
            r.subject = sha;
        }
        "lift_breaker" => {
            let decider = st.decider().ok_or_else(|| crate::api::not_ready(st))?;
            let view = decider.look().await?;
            let wallet = r.subject.trim();
            match view.wallets.iter().find(|w| w.id == wallet) {
                None => {
                    return Err(ApiError::field(
                        "subject",
                        format!("no wallet {wallet:?} in the custody register"),
                    ))
                }
                Some(w) if w.breaker.is_none() => {
                    return Err(ApiError::field(
                        "subject",
                        format!("the breaker of wallet {wallet} is not tripped"),
                    ))
                }
                Some(_) => {}
            }
        }
        _ => {}
    }
    Ok(())
}

/// Ask for something that needs a second person.
#[utoipa::path(post, path = "/v1/requests", tag = "cases", request_body = NewRequest,
    responses((status = 200, body = Object), (status = 422, body = ErrorBody)),
    security(("token" = [])))]
pub async fn create_request(
    st: St,
    caller: Caller,
    ApiJson(mut r): ApiJson<NewRequest>,
) -> ApiResult<Json<Request>> {
    caller.need(Need::Work)?;
    check_request(&st, &mut r).await?;
    let mut req =
        Request::new(&r.kind, &r.subject, &r.reason, &caller.user, &now()).map_err(case_error)?;
    req.pack = r.pack;
    // The checks and the insert under one lock: two people asking at once
    // make one request.
    blocking(move || {
        st.ledger_as(&caller.user, |store| {
            if req.kind == "release_hold" {
                let d = store.decision(&req.subject)?.ok_or_else(|| {
                    ApiError::field(
                        "subject",
                        format!("no decision for event {:?}", req.subject),
                    )
                })?;
                if d.outcome != "hold" {
                    return Err(ApiError::field(
                        "subject",
                        format!("event {} was decided {}, not held", req.subject, d.outcome),
                    ));
                }
            }
            if !store
                .requests(Some("pending"), Some(&req.kind), Some(&req.subject))?
                .is_empty()
                || (req.kind == "release_hold"
                    && !store
                        .requests(Some("approved"), Some(&req.kind), Some(&req.subject))?
                        .is_empty())
            {
                return Err(ApiError::new(
                    StatusCode::CONFLICT,
                    "conflict",
                    format!("a {} request for {} exists already", req.kind, req.subject),
                ));
            }
            Ok(Json(store.add_request(req)?))
        })
    })
    .await
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct RequestParams {
    /// pending, approved or rejected.
    pub status: Option<String>,
    pub kind: Option<String>,
}

/// Four-eyes requests, newest first.
#[utoipa::path(get, path = "/v1/requests", tag = "cases", params(RequestParams),
    responses((status = 200, body = Vec<Object>)), security(("token" = [])))]
pub async fn list_requests(
    st: St,
    caller: Caller,
    ApiQuery(p): ApiQuery<RequestParams>,
) -> ApiResult<Json<Vec<Request>>> {
    caller.need(Need::Read)?;
    blocking(move || {
        Ok(Json(st.ledger().requests(
            p.status.as_deref(),
            p.kind.as_deref(),
            None,
        )?))
    })
    .await
}

/// A request as decided, with what its approval did.
#[derive(Debug, serde::Serialize, ToSchema)]
pub struct RequestDecided {
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub request: Request,
    /// lift_breaker and publish_rules: the decisions of the approval
    /// events the approval made (the breaker released, the pack in force).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<Object>)]
    pub effect: Vec<serde_json::Value>,
}

/// The approval events that carry out an approved request: a breaker is
/// released by the requester and the approver, a pack is put in force
/// naming both. Their ids derive from the request, so approving again
/// (after a failure half-way) finds them decided and does not repeat them.
fn effect_events(r: &Request, approver: &str) -> Vec<serde_json::Value> {
    let at = now();
    match r.kind.as_str() {
        "lift_breaker" => [&r.requested_by, approver]
            .iter()
            .enumerate()
            .map(|(i, by)| {
                serde_json::json!({
                    "id": format!("request:{}:release:{}", r.id, i + 1),
                    "type": "approval", "time": at, "action": "release_breaker",
                    "wallet": r.subject, "by": by, "request": r.id,
                })
            })
            .collect(),
        "publish_rules" => vec![serde_json::json!({
            "id": format!("request:{}:publish", r.id),
            "type": "approval", "time": at, "action": "publish_rules",
            "by": approver, "requested_by": r.requested_by,
            "pack": r.pack.clone().unwrap_or_default(), "pack_sha256": r.subject,
            "request": r.id,
        })],
        _ => Vec::new(),
    }
}

async fn decide(
    st: Arc<AppState>,
    caller: Caller,
    id: i64,
    approve: bool,
) -> ApiResult<Json<RequestDecided>> {
    caller.need(Need::Read)?;
    let may = allows(caller.role, Need::Approve);
    let mut effect = Vec::new();
    if approve {
        let st2 = st.clone();
        let pending = blocking(move || Ok(st2.ledger().request(id)?)).await?;
        if let Some(r) = pending.filter(|r| r.status == "pending") {
            let events = effect_events(&r, &caller.user);
            if !events.is_empty() {
                // Four eyes first: a refused approval changes nothing.
                r.clone()
                    .decide(true, &caller.user, may, caller.role.as_str(), &now())
                    .map_err(case_error)?;
                let decider = st.decider().ok_or_else(|| crate::api::not_ready(&st))?;
                for v in events {
                    let e = kansa_monitor::Event::from_json(v).map_err(ApiError::internal)?;
                    match decider.decide(e, &caller.user).await {
                        Ok(d) => effect.push(serde_json::to_value(d).map_err(ApiError::internal)?),
                        Err(e) if e.code == "event_already_decided" => {
                            effect.push(e.existing.unwrap_or_default())
                        }
                        Err(e) => return Err(e),
                    }
                }
            }
        }
    }
    blocking(move || {
        let r = st.ledger_as(&caller.user, |store| {
            store.decide_request(id, approve, may, caller.role.as_str(), &now())
        });
        match r? {
            None => Err(ApiError::not_found(format!("no request {id}"))),
            Some(Err(e)) => Err(case_error(e)),
            Some(Ok(request)) => Ok(Json(RequestDecided { request, effect })),
        }
    })
    .await
}

/// Approve a request (a supervisor other than the requester).
#[utoipa::path(post, path = "/v1/requests/{id}/approve", tag = "cases", params(("id" = i64, Path)),
    responses((status = 200, body = Object), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("token" = [])))]
pub async fn approve_request(
    st: St,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<RequestDecided>> {
    decide(st.0, caller, id, true).await
}

/// Reject a request.
#[utoipa::path(post, path = "/v1/requests/{id}/reject", tag = "cases", params(("id" = i64, Path)),
    responses((status = 200, body = Object), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)),
    security(("token" = [])))]
pub async fn reject_request(
    st: St,
    caller: Caller,
    Path(id): Path<i64>,
) -> ApiResult<Json<RequestDecided>> {
    decide(st.0, caller, id, false).await
}

// ------------------------------------------------------------------ reports

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportRequest {
    /// jafic-json, jafic-csv or goaml.
    pub format: String,
    /// The filing exchange (name, registration, address, contact, phone).
    #[schema(value_type = Object)]
    pub filer: kansa_cases::report::Filer,
    /// Where the report goes (ISO country code); the deployment's own
    /// region when absent. Abroad, the residency policy must allow it.
    #[serde(default)]
    pub destination: Option<String>,
    /// consent, adequacy or equivalent_safeguards.
    #[serde(default)]
    pub basis: Option<String>,
    /// The consent record or contract relied on.
    #[serde(default)]
    pub reference: Option<String>,
}

/// The party and the transactions of a case, from the customer register
/// and the stored decisions its alerts name.
fn report_parts(
    store: &kansa_store::Store,
    ledger: &dyn kansa_store::Ledger,
    case: &Case,
    sealer: Option<&kansa_residency::Sealer>,
) -> ApiResult<(
    kansa_cases::report::Party,
    Vec<kansa_cases::report::Transaction>,
)> {
    use kansa_cases::report::{Party, Transaction};
    let party = match case.subject.strip_prefix("customer:") {
        Some(cid) => match store.customer(cid)? {
            Some(c) => Party {
                account: c.id,
                name: c.name,
                kind: c.kind,
                birth_date: c.dob,
                nationality: c.country,
                addresses: c.addresses,
            },
            None => Party {
                account: cid.to_string(),
                ..Party::default()
            },
        },
        None => Party {
            account: case.subject.clone(),
            name: case.subject.clone(),
            kind: "wallet".into(),
            ..Party::default()
        },
    };
    let mut txs = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for a in case.alerts.iter().filter(|a| !a.suppressed) {
        let Some(ev) = &a.event else { continue };
        if !seen.insert(ev.clone()) {
            continue;
        }
        let Some(d) = ledger.decision(ev)? else {
            continue;
        };
        let e = crate::decisions::opened_event(&d, sealer).map_err(ApiError::internal)?;
        let s = |k: &str| {
            e[k].as_str()
                .map(str::to_string)
                .or_else(|| e[k].as_f64().map(|v| v.to_string()))
        };
        txs.push(Transaction {
            reference: d.event_id.clone(),
            time: d.time.clone(),
            kind: d.kind.clone(),
            asset: s("asset").unwrap_or_default(),
            amount: s("amount").unwrap_or_default(),
            value: s("value"),
            address: s("address"),
            decision: format!("{} (score {})", d.outcome, d.score),
        });
    }
    Ok((party, txs))
}

/// A suspicious-transaction report of the case: JAFIC's form as JSON or
/// CSV, or goAML XML.
#[utoipa::path(post, path = "/v1/cases/{id}/report", tag = "cases", params(("id" = i64, Path)),
    request_body = ReportRequest,
    responses(
        (status = 200, description = "the report (application/json, text/csv or application/xml)"),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)),
    security(("token" = [])))]
pub async fn report(
    st: St,
    caller: Caller,
    Path(id): Path<i64>,
    ApiJson(r): ApiJson<ReportRequest>,
) -> ApiResult<axum::response::Response> {
    use axum::response::IntoResponse;
    caller.need(Need::Work)?;
    let ctype = match r.format.as_str() {
        "jafic-json" => "application/json",
        "jafic-csv" => "text/csv; charset=utf-8",
        "goaml" => "application/xml",
        other => {
            return Err(ApiError::field(
                "format",
                format!("format {other:?}: jafic-json, jafic-csv or goaml"),
            ))
        }
    };
    if r.filer.name.trim().is_empty() || r.filer.registration.trim().is_empty() {
        return Err(ApiError::field(
            "filer",
            "the filer needs a name and a registration number",
        ));
    }
    // Personal data abroad only on a basis the residency policy allows.
    let policy = &st.config.residency;
    let basis = match r.basis.as_deref() {
        None => None,
        Some(b) => Some(kansa_residency::Basis::parse(b).ok_or_else(|| {
            ApiError::field(
                "basis",
                format!("basis {b:?}: consent, adequacy or equivalent_safeguards"),
            )
        })?),
    };
    let to = r
        .destination
        .clone()
        .unwrap_or_else(|| policy.region.clone());
    let permit = policy
        .check(&kansa_residency::Transfer {
            to: to.clone(),
            basis,
            reference: r.reference.clone(),
            purpose: "str-report".into(),
        })
        .map_err(|e| ApiError::new(StatusCode::FORBIDDEN, "transfer_refused", e.0))?;
    let transfer = serde_json::json!({
        "from": policy.region,
        "to": to.trim().to_ascii_uppercase(),
        "basis": permit.basis.map(|b| b.as_str()),
        "reference": permit.reference,
    });
    let body = blocking(move || {
        let mut ledger = st.ledger();
        let case = ledger.case(id)?.ok_or_else(|| ApiError::not_found(format!("no case {id}")))?;
        let (party, txs) = report_parts(&st.store(), ledger.as_ref(), &case, st.config.sealer.as_ref())?;
        let at = now();
        let rep = kansa_cases::report::Report::from_case(&case, r.filer, party, txs, &at);
        let body = match r.format.as_str() {
            "jafic-json" => serde_json::to_string_pretty(&rep).map_err(ApiError::internal)?,
            "jafic-csv" => rep.jafic_csv(),
            _ => rep.goaml_xml(),
        };
        ledger.audit(
            &at,
            &[kansa_audit::Record::new(
                caller.user.as_str(),
                "report.export",
                format!("case:{id}"),
                serde_json::json!({ "format": r.format, "transactions": rep.transactions.len(), "sha256": kansa_audit::to_hex(&kansa_audit::sha256(body.as_bytes())), "transfer": transfer }),
            )],
        )?;
        Ok(body)
    })
    .await?;
    Ok(([(axum::http::header::CONTENT_TYPE, ctype)], body).into_response())
}
