//! Health, readiness, metrics, packs, and the fallbacks. Thin: each parses
//! the request, calls the library core, renders.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::problem::Problem;
use super::{json_response, service_problem, AppState};
use crate::auth::{Caller, Permission};
use crate::packs::{Pack, Registry};
use crate::report;
use crate::store::{AuditEvent, AuditOutcome};

/// The packs that failed to load, as `[{path, error}]`.
fn failures_json(reg: &Registry) -> serde_json::Value {
    reg.failures()
        .iter()
        .map(|f| json!({"path": f.path.display().to_string(), "reason": f.error.reason, "error": f.error.to_string()}))
        .collect()
}

/// `GET /healthz`: the process is up.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "`{\"status\":\"ok\"}`", content_type = "application/json")))]
pub async fn healthz() -> Response {
    json_response(StatusCode::OK, "{\"status\":\"ok\"}\n".into())
}

/// `GET /readyz`: 200 once packs are compiled, else 503.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses(
        (status = 200, description = "Ready: pack count and load failures", content_type = "application/json"),
        (status = 503, description = "Packs still compiling, or the packs directory failed", content_type = "application/problem+json"),
    ))]
pub async fn readyz(State(state): State<AppState>, uri: Uri) -> Response {
    match state.service.registry() {
        Ok(reg) => {
            let failures = failures_json(&reg);
            let body =
                json!({"status": "ready", "packs": reg.packs().count(), "failures": failures});
            json_response(StatusCode::OK, format!("{body}\n"))
        }
        Err(e) => service_problem(e).at(uri.path()).into_response(),
    }
}

/// `GET /metrics`: Prometheus / OpenMetrics text (docs/telemetry.md).
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "OpenMetrics text", content_type = "application/openmetrics-text")))]
pub async fn metrics(State(state): State<AppState>) -> Response {
    let m = state.metrics.clone();
    m.set_cache_entries(state.service.cache().entry_count());
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, crate::metrics::CONTENT_TYPE)],
        m.render(),
    )
        .into_response()
}

/// `GET /v1/packs`: installed packs and their manifests, as `plancheck
/// packs --format json`.
#[utoipa::path(get, path = "/v1/packs", tag = "packs",
    responses(
        (status = 200, description = "Packs with manifests and rules; load failures", content_type = "application/json"),
        (status = 401, description = "No valid token", content_type = "application/problem+json"),
        (status = 503, description = "Packs still compiling", content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn packs(State(state): State<AppState>, caller: Caller, uri: Uri) -> Response {
    if let Err(p) = super::auth::require(&caller, Permission::ReadPacks) {
        return p.at(uri.path()).into_response();
    }
    match state.service.registry() {
        Ok(reg) => {
            let packs: Vec<Arc<Pack>> = reg.packs().cloned().collect();
            json_response(StatusCode::OK, report::packs_json(&packs, reg.failures()))
        }
        Err(e) => service_problem(e).at(uri.path()).into_response(),
    }
}

/// `POST /v1/packs/reload`: re-reads the packs directory and swaps the
/// registry in one step; requests in flight finish on the packs they
/// started with. Cached results of changed or removed packs are dropped.
/// Admins only; audited.
#[utoipa::path(post, path = "/v1/packs/reload", tag = "packs",
    responses(
        (status = 200, description = "`{packs, changed, removed, failures}`", content_type = "application/json"),
        (status = 401, description = "No valid token", content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", content_type = "application/problem+json"),
        (status = 500, description = "The packs directory cannot be read; the old packs stay", content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn reload_packs(State(state): State<AppState>, caller: Caller, uri: Uri) -> Response {
    if let Err(p) = super::auth::require(&caller, Permission::ManagePacks) {
        return p.at(uri.path()).into_response();
    }
    let lifecycle = state.lifecycle.clone();
    let res = tokio::task::spawn_blocking(move || lifecycle.reload_dir()).await;
    let (outcome, detail, resp) = match res {
        Ok(Ok((reg, changed, removed))) => {
            let failures = failures_json(&reg);
            let body = json!({
                "packs": reg.packs().map(|p| json!({"id": p.manifest.id, "version": p.manifest.version, "digest": p.code.digest()})).collect::<Vec<_>>(),
                "changed": changed,
                "removed": removed,
                "failures": failures,
            });
            (
                AuditOutcome::Ok,
                format!("changed {changed:?}, removed {removed:?}"),
                json_response(StatusCode::OK, format!("{body}\n")),
            )
        }
        Ok(Err(e)) => (
            AuditOutcome::Error,
            e.clone(),
            Problem::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "reload-failed",
                "Reload failed",
                e,
            )
            .at(uri.path())
            .into_response(),
        ),
        Err(e) => (
            AuditOutcome::Error,
            e.to_string(),
            Problem::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Internal error",
                format!("the reload task failed: {e}"),
            )
            .at(uri.path())
            .into_response(),
        ),
    };
    let store = state.service.store().clone();
    let event = AuditEvent {
        actor: caller.sub.clone(),
        role: caller.role.to_string(),
        action: "pack.reload".into(),
        target: "packs".into(),
        outcome,
        detail: Some(detail),
    };
    match tokio::task::spawn_blocking(move || store.append_audit(&event)).await {
        Ok(Ok(_)) => resp,
        Ok(Err(e)) => Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "store-error",
            "Storage error",
            format!("the reload happened but its audit entry could not be stored: {e}"),
        )
        .at(uri.path())
        .into_response(),
        Err(e) => Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Internal error",
            format!("the audit task failed: {e}"),
        )
        .at(uri.path())
        .into_response(),
    }
}

/// Any other path.
pub async fn not_found(uri: Uri) -> Response {
    Problem::new(
        StatusCode::NOT_FOUND,
        "not-found",
        "Not found",
        format!(
            "no route `{}`; the routes are in /openapi.json and docs/api.md",
            uri.path()
        ),
    )
    .at(uri.path())
    .into_response()
}

/// A known path with the wrong method.
pub async fn method_not_allowed(uri: Uri) -> Response {
    Problem::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method-not-allowed",
        "Method not allowed",
        format!(
            "`{}` does not accept this method; see /openapi.json",
            uri.path()
        ),
    )
    .at(uri.path())
    .into_response()
}
