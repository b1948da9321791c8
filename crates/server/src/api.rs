//! The `/v1` routes. Each handler checks the caller's role first, then its
//! input (errors name the field), then does its work on the engines; the
//! store is touched from blocking threads.

use crate::auth::Need;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::extract::{ApiJson, ApiQuery, ApiText};
use crate::state::{AppState, Caller};
use axum::extract::{Path, State};
use axum::Json;
use kansa_monitor::Decision;
use kansa_screen::{Query, DEFAULT_THRESHOLD};
use kansa_store::LedgerExt;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};

type St = State<Arc<AppState>>;

/// Runs blocking work (the store, index builds) off the async threads.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> ApiResult<T> + Send + 'static,
) -> ApiResult<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(ApiError::internal)?
}

pub(crate) fn not_ready(st: &AppState) -> ApiError {
    match crate::state::lock(&st.startup_error).clone() {
        Some(e) => ApiError::not_ready(format!("the service could not start: {e}")),
        None => ApiError::not_ready("the service is still loading the lists and the event log"),
    }
}

// ---------------------------------------------------------------- screening

/// One name to screen.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScreenRequest {
    /// The name, in any script.
    pub name: String,
    /// Date of birth: YYYY, YYYY-MM or YYYY-MM-DD.
    pub dob: Option<String>,
    /// Country or nationality: ISO code or name.
    pub country: Option<String>,
    /// person, organization, vessel, aircraft or any.
    pub kind: Option<String>,
    /// Lowest score reported (0..1).
    pub threshold: Option<f64>,
    /// Most matches reported (1..100).
    pub limit: Option<usize>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ScreenResponse {
    pub name: String,
    /// Matches, best first, each with its explanation.
    #[schema(value_type = Vec<Object>)]
    pub matches: Vec<kansa_screen::Match>,
}

fn options(threshold: Option<f64>, limit: Option<usize>) -> ApiResult<(f64, usize)> {
    let t = threshold.unwrap_or(DEFAULT_THRESHOLD);
    if !(0.0..=1.0).contains(&t) {
        return Err(ApiError::field(
            "threshold",
            format!("threshold {t}: expected 0 to 1"),
        ));
    }
    let l = limit.unwrap_or(10);
    if !(1..=100).contains(&l) {
        return Err(ApiError::field(
            "limit",
            format!("limit {l}: expected 1 to 100"),
        ));
    }
    Ok((t, l))
}

fn query(
    name: &str,
    dob: Option<&str>,
    country: Option<&str>,
    kind: Option<&str>,
) -> ApiResult<Query> {
    Query::parse(name, dob, country, kind.unwrap_or("any"))
        .map_err(|e| ApiError::field(e.field, e.message))
}

/// Screen one name against the active lists.
#[utoipa::path(post, path = "/v1/screen", tag = "screening",
    request_body = ScreenRequest,
    responses(
        (status = 200, body = ScreenResponse),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 503, body = ErrorBody)),
    security(("token" = [])))]
pub async fn screen(
    st: St,
    caller: Caller,
    ApiJson(r): ApiJson<ScreenRequest>,
) -> ApiResult<Json<ScreenResponse>> {
    caller.need(Need::Screen)?;
    let (t, l) = options(r.threshold, r.limit)?;
    let q = query(
        &r.name,
        r.dob.as_deref(),
        r.country.as_deref(),
        r.kind.as_deref(),
    )?;
    let idx = st.names().ok_or_else(|| not_ready(&st))?;
    let matches = idx.screen(&q, t, l);
    Ok(Json(ScreenResponse {
        name: q.name,
        matches,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchItem {
    /// The caller's id for the row, echoed back.
    pub id: Option<String>,
    pub name: String,
    pub dob: Option<String>,
    pub country: Option<String>,
    pub kind: Option<String>,
}

/// Up to 1,000 names.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchRequest {
    pub items: Vec<BatchItem>,
    pub threshold: Option<f64>,
    pub limit: Option<usize>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BatchResult {
    pub id: Option<String>,
    #[schema(value_type = Vec<Object>)]
    pub matches: Vec<kansa_screen::Match>,
    /// Why this row was not screened (the others were).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BatchResponse {
    pub results: Vec<BatchResult>,
}

/// Most rows in one batch request.
pub const BATCH_MAX: usize = 1000;

/// Screen many names; a bad row is reported in its place.
#[utoipa::path(post, path = "/v1/screen/batch", tag = "screening",
    request_body = BatchRequest,
    responses((status = 200, body = BatchResponse), (status = 422, body = ErrorBody)),
    security(("token" = [])))]
pub async fn screen_batch(
    st: St,
    caller: Caller,
    ApiJson(r): ApiJson<BatchRequest>,
) -> ApiResult<Json<BatchResponse>> {
    caller.need(Need::Screen)?;
    let (t, l) = options(r.threshold, r.limit)?;
    if r.items.len() > BATCH_MAX {
        return Err(ApiError::field(
            "items",
            format!("{} items: at most {BATCH_MAX} per request", r.items.len()),
        ));
    }
    let idx = st.names().ok_or_else(|| not_ready(&st))?;
    blocking(move || {
        let results = r
            .items
            .into_iter()
            .map(|it| {
                match query(
                    &it.name,
                    it.dob.as_deref(),
                    it.country.as_deref(),
                    it.kind.as_deref(),
                ) {
                    Ok(q) => BatchResult {
                        id: it.id,
                        matches: idx.screen(&q, t, l),
                        error: None,
                    },
                    Err(e) => BatchResult {
                        id: it.id,
                        matches: Vec::new(),
                        error: Some(format!("{}: {}", e.field.unwrap_or_default(), e.message)),
                    },
                }
            })
            .collect();
        Ok(Json(BatchResponse { results }))
    })
    .await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddressRequest {
    /// Up to 1,000 addresses, any chain.
    pub addresses: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AddressResult {
    pub address: String,
    pub listed: bool,
    #[schema(value_type = Vec<Object>)]
    pub hits: Vec<kansa_screen::AddressHit>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Screen crypto addresses (exact, with each chain's normalisation).
#[utoipa::path(post, path = "/v1/screen/address", tag = "screening",
    request_body = AddressRequest,
    responses((status = 200, body = Vec<AddressResult>), (status = 422, body = ErrorBody)),
    security(("token" = [])))]
pub async fn screen_address(
    st: St,
    caller: Caller,
    ApiJson(r): ApiJson<AddressRequest>,
) -> ApiResult<Json<Vec<AddressResult>>> {
    caller.need(Need::Screen)?;
    if r.addresses.len() > BATCH_MAX {
        return Err(ApiError::field(
            "addresses",
            format!(
                "{} addresses: at most {BATCH_MAX} per request",
                r.addresses.len()
            ),
        ));
    }
    let idx = st.addresses();
    Ok(Json(
        r.addresses
            .into_iter()
            .map(|a| match idx.lookup(&a) {
                Ok(h) => AddressResult {
                    listed: !h.is_empty(),
                    hits: h.to_vec(),
                    address: a,
                    error: None,
                },
                Err(e) => AddressResult {
                    listed: false,
                    hits: Vec::new(),
                    address: a,
                    error: Some(e.to_string()),
                },
            })
            .collect(),
    ))
}

// -------------------------------------------------------------------- lists

#[derive(Debug, Serialize, ToSchema)]
pub struct ListsResponse {
    #[schema(value_type = Vec<Object>)]
    pub snapshots: Vec<kansa_model::ListSnapshot>,
}

/// Every stored list snapshot; `active` marks those screening uses.
#[utoipa::path(get, path = "/v1/lists", tag = "lists",
    responses((status = 200, body = ListsResponse)), security(("token" = [])))]
pub async fn lists(st: St, caller: Caller) -> ApiResult<Json<ListsResponse>> {
    caller.need(Need::Read)?;
    blocking(move || {
        Ok(Json(ListsResponse {
            snapshots: st.store().snapshots(None)?,
        }))
    })
    .await
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ImportParams {
    /// The file's name (letters, digits, `.`, `_`, `-`): it tells an OFAC
    /// CSV `sdn.csv`/`cons_prim.csv` or a per-asset address file
    /// (`sanctioned_addresses_XBT.txt`) apart, and names it in errors.
    pub name: String,
    /// auto (default: from the content) or ofac-csv, un-xml, us-csl,
    /// bis-dpl, ofac-crypto, jp-mof, eu-fsf, ftm.
    pub format: Option<String>,
    /// Source name of the snapshot (default: from the format).
    pub source: Option<String>,
}

/// Largest list file accepted by `POST /v1/lists/import`.
pub const IMPORT_LIMIT: u64 = 512 << 20;

/// Most files in an uploaded zip archive.
const ZIP_FILES: usize = 64;

/// Unpacks a zip archive of list files (an OFAC CSV set: `sdn.csv`,
/// `alt.csv`, `add.csv`, `sdn_comments.csv`) into `into`, flat: folders in
/// the archive are ignored, every file must have an acceptable name, at
/// most [`ZIP_FILES`] files and [`IMPORT_LIMIT`] bytes unpacked (whatever
/// the archive claims).
fn unzip(archive: &std::path::Path, into: &std::path::Path) -> ApiResult<Vec<String>> {
    let bad = |m: String| ApiError::field("body", m);
    let f = std::fs::File::open(archive).map_err(ApiError::internal)?;
    let mut zip =
        zip::ZipArchive::new(f).map_err(|e| bad(format!("not a readable zip archive: {e}")))?;
    std::fs::create_dir_all(into).map_err(ApiError::internal)?;
    let mut names = Vec::new();
    let mut total = 0u64;
    for i in 0..zip.len() {
        let mut entry = zip
            .by_index(i)
            .map_err(|e| bad(format!("zip entry {}: {e}", i + 1)))?;
        if entry.is_dir() {
            continue;
        }
        let full = entry
            .name()
            .map_err(|e| bad(format!("zip entry {}: {e}", i + 1)))?
            .to_string();
        let name = full.rsplit(['/', '\\']).next().unwrap_or("").to_string();
        if full.split(['/', '\\']).any(|part| part == "..") {
            return Err(bad(format!(
                "zip entry {:?} climbs out of the archive",
                crate::app::clip(&full)
            )));
        }
        let name = upload_name(&name).map_err(|e| bad(format!("zip entry: {}", e.message)))?;
        if names.contains(&name) {
            return Err(bad(format!("the archive holds {name} twice")));
        }
        if names.len() == ZIP_FILES {
            return Err(bad(format!(
                "the archive holds more than {ZIP_FILES} files"
            )));
        }
        let mut out = std::fs::File::create(into.join(&name)).map_err(ApiError::internal)?;
        let room = IMPORT_LIMIT - total;
        let n = std::io::copy(&mut std::io::Read::take(&mut entry, room + 1), &mut out)
            .map_err(|e| bad(format!("zip entry {name}: {e}")))?;
        if n > room {
            return Err(ApiError::new(
                axum::http::StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                format!(
                    "the archive unpacks to more than {} MiB",
                    IMPORT_LIMIT >> 20
                ),
            ));
        }
        total += n;
        names.push(name);
    }
    if names.is_empty() {
        return Err(bad("the archive holds no file".into()));
    }
    Ok(names)
}

fn upload_name(name: &str) -> ApiResult<String> {
    let ok = !name.is_empty()
        && name.len() <= 100
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(name.to_string())
    } else {
        Err(ApiError::field(
            "name",
            format!(
                "file name {:?}: letters, digits, '.', '_' and '-' only, not starting with '.', at most 100",
                crate::app::clip(name)
            ),
        ))
    }
}

/// Streams the body into `path`, refusing more than [`IMPORT_LIMIT`].
async fn save_body(body: axum::body::Body, path: &std::path::Path) -> ApiResult<u64> {
    use futures_util::StreamExt;
    use tokio::io::AsyncWriteExt;
    let mut f = tokio::fs::File::create(path)
        .await
        .map_err(ApiError::internal)?;
    let mut n = 0u64;
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let chunk =
            chunk.map_err(|e| ApiError::bad_request(format!("the upload broke off: {e}")))?;
        n += chunk.len() as u64;
        if n > IMPORT_LIMIT {
            return Err(ApiError::new(
                axum::http::StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                format!("a list file may have at most {} MiB", IMPORT_LIMIT >> 20),
            ));
        }
        f.write_all(&chunk).await.map_err(ApiError::internal)?;
    }
    f.sync_all().await.map_err(ApiError::internal)?;
    if n == 0 {
        return Err(ApiError::bad_request(
            "the body is empty: send the list file",
        ));
    }
    Ok(n)
}

/// Import a list file sent as the body (any of the formats `kansa lists
/// import` reads, recognised from the content), or a zip archive of a set
/// of files that make one snapshot (`name=ofac.zip` holding `sdn.csv`,
/// `alt.csv`, `add.csv`, `sdn_comments.csv`). As on the command line:
/// a new snapshot is stored in one transaction (an identical file is
/// `unchanged`), activated unless an older publication, the customers it
/// touches are screened again, the service's indexes are rebuilt; a file
/// that does not parse is refused with the file and record named and the
/// store is left as it was.
#[utoipa::path(post, path = "/v1/lists/import", tag = "lists",
    params(ImportParams),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 200, body = Object), (status = 413, body = ErrorBody),
        (status = 422, body = ErrorBody)),
    security(("token" = [])))]
pub async fn list_import(
    st: St,
    caller: Caller,
    ApiQuery(p): ApiQuery<ImportParams>,
    body: axum::body::Body,
) -> ApiResult<Json<serde_json::Value>> {
    caller.need(Need::Administer)?;
    let name = upload_name(&p.name)?;
    let importer = st
        .config
        .importer
        .clone()
        .ok_or_else(|| no_importer("lists"))?;
    let zip = name.to_ascii_lowercase().ends_with(".zip");
    let st2 = st.0.clone();
    let (reports, ok) = with_upload(&st, &name, body, move |file, dir| {
        // A zip archive holds a set of files that import as one snapshot.
        let path = if zip {
            let set = dir.join("set");
            unzip(&file, &set)?;
            set
        } else {
            file
        };
        let up = crate::state::ListUpload {
            files: vec![path],
            format: p.format,
            source: p.source,
            actor: caller.user.clone(),
        };
        let out = importer.import(&up).map_err(import_fault)?;
        st2.reload_lists().map_err(ApiError::internal)?;
        Ok(out)
    })
    .await?;
    if !ok {
        let why: Vec<String> = reports
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| r["error"].as_str().map(str::to_string))
            .collect();
        return Err(ApiError::new(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            "import_refused",
            format!(
                "import refused, the lists are unchanged: {}",
                why.join("; ")
            ),
        ));
    }
    Ok(Json(
        serde_json::json!({ "name": name, "snapshots": reports }),
    ))
}

/// 501: the binary running the service supplied no importer of `what`.
fn no_importer(what: &str) -> ApiError {
    ApiError::new(
        axum::http::StatusCode::NOT_IMPLEMENTED,
        "not_available",
        format!("this service imports no {what}; use kansa {what} import"),
    )
}

fn import_fault(f: crate::state::ImportFault) -> ApiError {
    match f {
        crate::state::ImportFault::Field(field, m) => ApiError::field(field, m),
        crate::state::ImportFault::Input(m) => ApiError::new(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            "import_refused",
            m,
        ),
        crate::state::ImportFault::Store(m) => ApiError::internal(m),
    }
}

/// Saves the body as `name` in a fresh directory under `<data>/uploads`,
/// runs `f` on the file (and the directory) off the async workers, removes
/// the directory whatever happened, and keeps its path out of what is
/// answered (messages name the file as it was sent).
async fn with_upload<T: serde::Serialize + serde::de::DeserializeOwned + Send + 'static>(
    st: &AppState,
    name: &str,
    body: axum::body::Body,
    f: impl FnOnce(std::path::PathBuf, std::path::PathBuf) -> ApiResult<T> + Send + 'static,
) -> ApiResult<T> {
    let token = crate::auth::random_bytes::<8>().map_err(ApiError::internal)?;
    let dir = st
        .config
        .data
        .join("uploads")
        .join(kansa_audit::to_hex(&token));
    tokio::fs::create_dir_all(&dir)
        .await
        .map_err(ApiError::internal)?;
    let file = dir.join(name);
    let result = match save_body(body, &file).await {
        Err(e) => Err(e),
        Ok(_) => {
            let d = dir.clone();
            blocking(move || f(file, d)).await
        }
    };
    let _ = tokio::fs::remove_dir_all(&dir).await;
    let prefix = format!("{}{}", dir.display(), std::path::MAIN_SEPARATOR);
    // An unpacked archive's files sit in `set/`.
    let set = format!("{prefix}set{}", std::path::MAIN_SEPARATOR);
    let clean = |m: String| m.replace(&set, "").replace(&prefix, "");
    let out = result.map_err(|mut e| {
        e.message = clean(e.message);
        e
    })?;
    let text = serde_json::to_string(&out).map_err(ApiError::internal)?;
    serde_json::from_str(&clean(text)).map_err(ApiError::internal)
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DiffParams {
    /// Older snapshot: number, version, sha256 prefix; the one before `to` by default.
    pub from: Option<String>,
    /// Newer snapshot; `active` by default.
    pub to: Option<String>,
}

/// What changed in a list between two snapshots.
#[utoipa::path(get, path = "/v1/lists/{source}/diff", tag = "lists",
    params(("source" = String, Path), DiffParams),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody)),
    security(("token" = [])))]
pub async fn list_diff(
    st: St,
    caller: Caller,
    Path(source): Path<String>,
    ApiQuery(p): ApiQuery<DiffParams>,
) -> ApiResult<Json<serde_json::Value>> {
    caller.need(Need::Read)?;
    blocking(move || {
        let store = st.store();
        let user = |e: kansa_store::StoreError| match e {
            kansa_store::StoreError::NoSnapshot { .. }
            | kansa_store::StoreError::NoSource(_)
            | kansa_store::StoreError::Ambiguous { .. } => ApiError::not_found(e.to_string()),
            other => ApiError::internal(other),
        };
        let to = store
            .resolve_snapshot(&source, p.to.as_deref().unwrap_or("active"))
            .map_err(user)?;
        let from = match p.from.as_deref() {
            Some(f) => store.resolve_snapshot(&source, f).map_err(user)?,
            None => store
                .snapshots(Some(&source))?
                .into_iter()
                .filter(|s| s.id < to.id)
                .max_by_key(|s| s.id)
                .ok_or_else(|| {
                    ApiError::not_found(format!("{source} has no snapshot before {}", to.id))
                })?,
        };
        let d = store.diff(&from, &to)?;
        Ok(Json(serde_json::to_value(d).map_err(ApiError::internal)?))
    })
    .await
}

/// A listed entity as stored in the active snapshot of its source.
#[utoipa::path(get, path = "/v1/entities/{id}", tag = "lists",
    params(("id" = String, Path, description = "e.g. un:KPi.033")),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody)),
    security(("token" = [])))]
pub async fn entity(
    st: St,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<serde_json::Value>> {
    caller.need(Need::Read)?;
    blocking(move || {
        let eid = kansa_model::EntityId::parse(&id).ok_or_else(|| {
            ApiError::not_found(format!("{id:?} is not an entity id (source:id)"))
        })?;
        match st.store().entity(&eid)? {
            Some(e) => Ok(Json(serde_json::to_value(e).map_err(ApiError::internal)?)),
            None => Err(ApiError::not_found(format!("no active entity {id:?}"))),
        }
    })
    .await
}

// ---------------------------------------------------------------- decisions

/// Decide one event (deposit, withdrawal, login, …) and store the decision.
/// An event id is decided once: sending it again is refused with 409 and
/// the stored decision.
#[utoipa::path(post, path = "/v1/events", tag = "monitoring",
    request_body(content = Object, description = "one event, as `kansa monitor run` reads them"),
    responses(
        (status = 200, body = Object, description = "the decision"),
        (status = 409, body = ErrorBody, description = "event_already_decided"),
        (status = 422, body = ErrorBody)),
    security(("token" = [])))]
pub async fn post_event(
    st: St,
    caller: Caller,
    ApiText(body): ApiText,
) -> ApiResult<Json<Decision>> {
    caller.need(Need::Decide)?;
    let event = crate::decisions::client_event(body.trim()).map_err(|e| {
        let field = e.field.clone().unwrap_or_else(|| "event".into());
        ApiError::field(&field, e.to_string())
    })?;
    let decider = st.decider().ok_or_else(|| not_ready(&st))?;
    Ok(Json(decider.decide(event, &caller.user).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DecisionParams {
    /// Only decisions stored after this sequence number.
    pub after: Option<i64>,
    pub limit: Option<usize>,
    /// approve, review, hold or block.
    pub outcome: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionPage {
    /// Sequence number of the last decision in the page (pass as `after`).
    pub last: i64,
    #[schema(value_type = Vec<Object>)]
    pub decisions: Vec<serde_json::Value>,
}

/// Stored decisions in the order decided.
#[utoipa::path(get, path = "/v1/decisions", tag = "monitoring", params(DecisionParams),
    responses((status = 200, body = DecisionPage), (status = 400, body = ErrorBody)),
    security(("token" = [])))]
pub async fn decisions(
    st: St,
    caller: Caller,
    ApiQuery(p): ApiQuery<DecisionParams>,
) -> ApiResult<Json<DecisionPage>> {
    caller.need(Need::Read)?;
    let limit = p.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::field("limit", "limit: expected 1 to 1000"));
    }
    if let Some(o) = &p.outcome {
        if kansa_monitor::Outcome::parse(o).is_none() {
            return Err(ApiError::field(
                "outcome",
                format!("outcome {o:?}: one of approve, review, hold, block"),
            ));
        }
    }
    blocking(move || {
        let store = st.ledger();
        let mut after = p.after.unwrap_or(0);
        let mut out = Vec::new();
        while out.len() < limit {
            let rows = store.decisions_after(after, 1000)?;
            let Some(last) = rows.last() else { break };
            after = last.seq;
            for r in rows {
                if p.outcome.as_deref().is_none_or(|o| r.outcome == o) && out.len() < limit {
                    after = r.seq;
                    let (_, d) = crate::decisions::opened(&r, st.config.sealer.as_ref())
                        .map_err(ApiError::internal)?;
                    out.push(d);
                }
            }
        }
        Ok(Json(DecisionPage {
            last: after,
            decisions: out,
        }))
    })
    .await
}

/// The stored decision of one event, with the event as received
/// (`received`); a hold released with four eyes carries the approved
/// request as `released`.
#[utoipa::path(get, path = "/v1/decisions/{event_id}", tag = "monitoring",
    params(("event_id" = String, Path)),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody)),
    security(("token" = [])))]
pub async fn decision(
    st: St,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<serde_json::Value>> {
    caller.need(Need::Read)?;
    blocking(move || {
        let store = st.ledger();
        let d = store
            .decision(&id)?
            .ok_or_else(|| ApiError::not_found(format!("no decision for event {id:?}")))?;
        let (received, mut v) =
            crate::decisions::opened(&d, st.config.sealer.as_ref()).map_err(ApiError::internal)?;
        // The event as received, for the picture of its path.
        v["received"] = received;
        // A hold released by two people says so.
        if let Some(r) = store
            .requests(Some("approved"), Some("release_hold"), Some(&id))?
            .into_iter()
            .next()
        {
            v["released"] = serde_json::to_value(r).map_err(ApiError::internal)?;
        }
        Ok(Json(v))
    })
    .await
}

/// The custody register's wallets with their breakers (`breaker` set
/// while one is tripped: when, by which event, why, who has released it),
/// as of the last stored decision. A tripped breaker is lifted by an
/// approved `lift_breaker` request.
#[utoipa::path(get, path = "/v1/wallets", tag = "monitoring",
    responses((status = 200, body = Vec<Object>), (status = 503, body = ErrorBody)),
    security(("token" = [])))]
pub async fn wallets(st: St, caller: Caller) -> ApiResult<Json<Vec<kansa_monitor::WalletStatus>>> {
    caller.need(Need::Read)?;
    let decider = st.decider().ok_or_else(|| not_ready(&st))?;
    Ok(Json(decider.look().await?.wallets))
}

/// The rule pack in force: its name, its rules, and how it came in force
/// (`published`: the approved `publish_rules` request's pack SHA-256,
/// requester and approver; absent for the pack the service started with).
#[utoipa::path(get, path = "/v1/rules", tag = "monitoring",
    responses((status = 200, body = Object), (status = 503, body = ErrorBody)),
    security(("token" = [])))]
pub async fn rules(st: St, caller: Caller) -> ApiResult<Json<serde_json::Value>> {
    caller.need(Need::Read)?;
    let decider = st.decider().ok_or_else(|| not_ready(&st))?;
    let mut v = serde_json::to_value(decider.look().await?).map_err(ApiError::internal)?;
    if let Some(o) = v.as_object_mut() {
        o.remove("wallets");
    }
    Ok(Json(v))
}

// ---------------------------------------------------------------- customers

#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerResponse {
    #[schema(value_type = Object)]
    pub customer: kansa_store::Customer,
    #[schema(value_type = Vec<Object>)]
    pub hits: Vec<kansa_store::Hit>,
}

/// A customer of the register with their current screening hits.
#[utoipa::path(get, path = "/v1/customers/{id}", tag = "customers",
    params(("id" = String, Path)),
    responses((status = 200, body = CustomerResponse), (status = 404, body = ErrorBody)),
    security(("token" = [])))]
pub async fn customer(
    st: St,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<CustomerResponse>> {
    caller.need(Need::Read)?;
    blocking(move || {
        let store = st.store();
        let customer = store
            .customer(&id)?
            .ok_or_else(|| ApiError::not_found(format!("no customer {id:?}")))?;
        let hits = store.customer_hits(&id)?;
        Ok(Json(CustomerResponse { customer, hits }))
    })
    .await
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CustomerImportParams {
    /// The file's name: `.csv` (header `id,name[,kind,dob,country,addresses]`)
    /// or `.jsonl` (one customer per line); named in errors.
    pub name: String,
}

/// Import customers (the KYC system's register, or changes to it) sent as
/// the body, as `kansa customers import` does: every row checked first (a
/// bad one is refused naming its line, and nothing is stored), then stored
/// (sealed with the data key when one is set) and screened against the
/// active lists and the ownership network; hits found and lost are recorded
/// and the monitor screens the customers again.
#[utoipa::path(post, path = "/v1/customers/import", tag = "customers",
    params(CustomerImportParams),
    request_body(content = Vec<u8>, content_type = "text/csv"),
    responses((status = 200, body = Object), (status = 413, body = ErrorBody),
        (status = 422, body = ErrorBody)),
    security(("token" = [])))]
pub async fn customers_import(
    st: St,
    caller: Caller,
    ApiQuery(p): ApiQuery<CustomerImportParams>,
    body: axum::body::Body,
) -> ApiResult<Json<serde_json::Value>> {
    caller.need(Need::Decide)?;
    let name = upload_name(&p.name)?;
    let importer = st
        .config
        .customer_importer
        .clone()
        .ok_or_else(|| no_importer("customers"))?;
    let user = caller.user.clone();
    let out = with_upload(&st, &name, body, move |file, _| {
        importer.import(&file, &user).map_err(import_fault)
    })
    .await?;
    st.screening_changed();
    Ok(Json(out))
}

// -------------------------------------------------------------------- audit

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AuditParams {
    pub after: Option<i64>,
    pub limit: Option<usize>,
}

/// Audit entries in sequence order.
#[utoipa::path(get, path = "/v1/audit", tag = "audit", params(AuditParams),
    responses((status = 200, body = Vec<Object>), (status = 403, body = ErrorBody)),
    security(("token" = [])))]
pub async fn audit(
    st: St,
    caller: Caller,
    ApiQuery(p): ApiQuery<AuditParams>,
) -> ApiResult<Json<Vec<kansa_audit::Entry>>> {
    caller.need(Need::Audit)?;
    let limit = p.limit.unwrap_or(100);
    if !(1..=10_000).contains(&limit) {
        return Err(ApiError::field("limit", "limit: expected 1 to 10000"));
    }
    blocking(move || {
        Ok(Json(
            st.ledger().audit_entries(p.after.unwrap_or(0), limit)?,
        ))
    })
    .await
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditVerification {
    pub ok: bool,
    pub entries: u64,
    pub last_seq: i64,
    pub last_hash: String,
    /// The first problem found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub broken: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_bad_seq: Option<i64>,
}

/// Recompute the audit chain.
#[utoipa::path(get, path = "/v1/audit/verify", tag = "audit",
    responses((status = 200, body = AuditVerification)), security(("token" = [])))]
pub async fn audit_verify(st: St, caller: Caller) -> ApiResult<Json<AuditVerification>> {
    caller.need(Need::Audit)?;
    blocking(move || {
        let store = st.ledger();
        let mut v = kansa_audit::Verifier::new();
        let mut broken = None;
        store.for_each_audit(1, |e| -> ApiResult<()> {
            if broken.is_none() {
                broken = v.push(&e).err();
            }
            Ok(())
        })?;
        let (count_seq, hash) = v.position();
        let result = match broken {
            Some(b) => Err(b),
            None => v.finish(store.audit_head()?),
        };
        Ok(Json(match result {
            Ok(ok) => AuditVerification {
                ok: true,
                entries: ok.entries,
                last_seq: ok.last_seq,
                last_hash: kansa_audit::to_hex(&ok.last_hash),
                broken: None,
                first_bad_seq: None,
            },
            Err(b) => AuditVerification {
                ok: false,
                entries: count_seq.max(0) as u64,
                last_seq: count_seq,
                last_hash: kansa_audit::to_hex(&hash),
                first_bad_seq: Some(b.seq()),
                broken: Some(b.to_string()),
            },
        }))
    })
    .await
}

// ------------------------------------------------------------------ whoami

#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub user: String,
    pub role: String,
    pub token: String,
}

/// Who the token belongs to.
#[utoipa::path(get, path = "/v1/me", tag = "auth",
    responses((status = 200, body = Me), (status = 401, body = ErrorBody)), security(("token" = [])))]
pub async fn me(caller: Caller) -> Json<Me> {
    Json(Me {
        user: caller.user,
        role: caller.role.to_string(),
        token: caller.token,
    })
}
