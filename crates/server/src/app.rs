//! The router: `/v1` routes with their OpenAPI description, health checks,
//! Prometheus metrics, Swagger UI; a body limit; every refused `/v1`
//! request leaves an audit entry (who, what, which code) and nothing else.

use crate::error::ApiError;
use crate::state::{now, AppState};
use crate::{api, api_cases, api_chain};
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use kansa_store::LedgerExt;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Instant;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use utoipa_swagger_ui::SwaggerUi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Kansa",
        description = "Compliance and security engine for crypto-asset exchanges: screening, decisions, lists, customers, audit. Every route but the health checks needs `Authorization: Bearer <token>` (`kansa tokens create`)."
    ),
    modifiers(&Security)
)]
struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let c = openapi.components.get_or_insert_with(Default::default);
        c.add_security_scheme(
            "token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The process-wide Prometheus recorder (installed once).
fn prometheus() -> &'static Option<PrometheusHandle> {
    static H: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    H.get_or_init(|| PrometheusBuilder::new().install_recorder().ok())
}

/// The OpenAPI document and the routes it describes.
pub fn openapi_router() -> OpenApiRouter<Arc<AppState>> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(api::screen))
        .routes(routes!(api::screen_batch))
        .routes(routes!(api::screen_address))
        .routes(routes!(api::lists))
        .routes(routes!(api::list_diff))
        .routes(routes!(api::list_import))
        .routes(routes!(api::entity))
        .routes(routes!(api::post_event))
        .routes(routes!(api::decisions))
        .routes(routes!(api::decision))
        .routes(routes!(api::wallets))
        .routes(routes!(api::rules))
        .routes(routes!(api::customer))
        .routes(routes!(api::customers_import))
        .routes(routes!(api_chain::summary))
        .routes(routes!(api_chain::address))
        .routes(routes!(api_chain::transaction))
        .routes(routes!(api_chain::trace))
        .routes(routes!(api_chain::exposure))
        .routes(routes!(api::audit))
        .routes(routes!(api::audit_verify))
        .routes(routes!(api::me))
        .routes(routes!(api_cases::list))
        .routes(routes!(api_cases::get))
        .routes(routes!(api_cases::assign))
        .routes(routes!(api_cases::note))
        .routes(routes!(api_cases::evidence))
        .routes(routes!(api_cases::close))
        .routes(routes!(api_cases::approve))
        .routes(routes!(api_cases::reject))
        .routes(routes!(api_cases::report))
        .routes(routes!(api_cases::create_request, api_cases::list_requests))
        .routes(routes!(api_cases::approve_request))
        .routes(routes!(api_cases::reject_request))
}

/// The whole service.
pub fn router(state: Arc<AppState>) -> Router {
    let _ = prometheus();
    let (v1, openapi) = openapi_router().split_for_parts();
    let v1 = v1
        .route_layer(middleware::from_fn(measure))
        .method_not_allowed_fallback(method_not_allowed);
    Router::new()
        .merge(v1)
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics_text))
        .route("/", get(|| async { axum::response::Redirect::to("/ui/") }))
        .route("/ui/", get(ui_index))
        .route("/ui/app.js", get(ui_js))
        .route("/ui/app.css", get(ui_css))
        .merge(SwaggerUi::new("/docs").url("/openapi.json", openapi))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            audit_refusals,
        ))
        .layer(DefaultBodyLimit::max(state.config.body_limit))
        .with_state(state)
}

async fn not_found(req: Request) -> ApiError {
    ApiError::not_found(format!(
        "no route {} {}",
        req.method(),
        clip(req.uri().path())
    ))
}

async fn method_not_allowed(req: Request) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!(
            "{} is not allowed on {}",
            req.method(),
            clip(req.uri().path())
        ),
    )
}

pub(crate) fn clip(s: &str) -> String {
    s.chars().take(200).collect()
}

/// The analyst UI: three static files compiled into the binary; all it
/// shows comes from the `/v1` API with the user's token.
async fn ui_index() -> Response {
    ui_file("text/html; charset=utf-8", include_str!("../ui/index.html"))
}

async fn ui_js() -> Response {
    ui_file(
        "text/javascript; charset=utf-8",
        include_str!("../ui/app.js"),
    )
}

async fn ui_css() -> Response {
    ui_file("text/css; charset=utf-8", include_str!("../ui/app.css"))
}

fn ui_file(ctype: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, ctype),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'",
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        body,
    )
        .into_response()
}

async fn healthz() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok" }))
}

async fn readyz(State(st): State<Arc<AppState>>) -> Response {
    if st.is_ready() {
        let names = st.names().map(|i| i.entity_count()).unwrap_or(0);
        Json(serde_json::json!({ "status": "ready", "entities": names })).into_response()
    } else {
        let why = crate::state::lock(&st.startup_error)
            .clone()
            .unwrap_or_else(|| "loading the lists and the event log".into());
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(serde_json::json!({ "status": "not_ready", "reason": why })),
        )
            .into_response()
    }
}

async fn metrics_text() -> Response {
    match prometheus() {
        Some(h) => (
            [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
            h.render(),
        )
            .into_response(),
        None => ApiError::internal("no metrics recorder").into_response(),
    }
}

/// Counts requests and their latency per route and status.
async fn measure(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    let t = Instant::now();
    let resp = next.run(req).await;
    let status = resp.status().as_u16().to_string();
    metrics::counter!("kansa_http_requests_total", "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("kansa_http_request_duration_seconds", "route" => route)
        .record(t.elapsed().as_secs_f64());
    resp
}

/// An audit entry for every refused `/v1` request: the token id it
/// carried (if any), the method and path, the status and code.
async fn audit_refusals(State(st): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let path = clip(req.uri().path());
    if !path.starts_with("/v1") {
        return next.run(req).await;
    }
    let method = req.method().to_string();
    let actor = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.strip_prefix("Bearer "))
        .and_then(|t| crate::auth::parse(t.trim()))
        .map(|(id, _)| format!("token:{id}"))
        .unwrap_or_else(|| "anonymous".into());
    let resp = next.run(req).await;
    let status = resp.status();
    if status.is_client_error() {
        let code = resp
            .extensions()
            .get::<crate::error::RefusedCode>()
            .map(|c| c.0)
            .unwrap_or("refused");
        let record = kansa_audit::Record::new(
            actor,
            "request.refused",
            format!("{method} {path}"),
            serde_json::json!({ "status": status.as_u16(), "code": code }),
        );
        let st2 = st.clone();
        let written =
            tokio::task::spawn_blocking(move || st2.ledger().audit(&now(), &[record])).await;
        match written {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::error!("cannot audit a refused request: {e}"),
            Err(e) => tracing::error!("cannot audit a refused request: {e}"),
        }
    }
    resp
}

/// Serves until SIGINT or SIGTERM. The socket is open at once; `/readyz`
/// says when the lists and the event log are loaded.
pub async fn serve(config: crate::state::Config, listen: SocketAddr) -> anyhow::Result<()> {
    let state = AppState::open(config).map_err(anyhow::Error::msg)?;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {listen}: {e}"))?;
    let bound = listener.local_addr()?;
    let loader = state.clone();
    let runtime = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || {
        let t = Instant::now();
        match loader.load() {
            Ok(()) => {
                eprintln!("kansa serve: ready in {:.1} s", t.elapsed().as_secs_f64());
                if let Some(cfg) = loader.config.nats.clone() {
                    runtime.spawn(crate::nats::consume(loader, cfg));
                }
            }
            Err(e) => eprintln!("kansa serve: cannot start: {e}"),
        }
    });
    eprintln!("kansa serve: listening on http://{bound} (API docs at /docs)");
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown())
        .await?;
    Ok(())
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
