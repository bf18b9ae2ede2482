//! Handlers: parse the request, call the library core, render with
//! [`crate::report`]. Nothing here knows about packs beyond selection.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::problem::Problem;
use super::{AppState, Packs};
use crate::check::{self, SelectionErrorKind};
use crate::input::{self, Format};
use crate::report;

fn json_response(status: StatusCode, body: String) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

fn not_ready(state: &AppState, uri: &Uri) -> Problem {
    let detail = match &*state.packs.read().unwrap_or_else(|e| e.into_inner()) {
        Packs::Failed(e) => e.clone(),
        _ => "rule packs are still being compiled; retry shortly".into(),
    };
    Problem::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "not-ready",
        "Not ready",
        detail,
    )
    .at(uri.path())
}

/// `GET /healthz`: the process is up.
pub async fn healthz() -> Response {
    json_response(StatusCode::OK, "{\"status\":\"ok\"}\n".into())
}

/// `GET /readyz`: 200 once packs are compiled, else 503.
pub async fn readyz(State(state): State<AppState>, uri: Uri) -> Response {
    match state.registry() {
        Some(reg) => {
            let failures: Vec<_> = reg
                .failures()
                .iter()
                .map(
                    |f| json!({"path": f.path.display().to_string(), "error": f.error.to_string()}),
                )
                .collect();
            let body =
                json!({"status": "ready", "packs": reg.packs().count(), "failures": failures});
            json_response(StatusCode::OK, format!("{body}\n"))
        }
        None => not_ready(&state, &uri).into_response(),
    }
}

/// `GET /v1/packs`: as `plancheck packs --format json`.
pub async fn packs(State(state): State<AppState>, uri: Uri) -> Response {
    match state.registry() {
        Some(reg) => {
            let packs: Vec<_> = reg.packs().cloned().collect();
            json_response(StatusCode::OK, report::packs_json(&packs, reg.failures()))
        }
        None => not_ready(&state, &uri).into_response(),
    }
}

/// The query of `POST /v1/checks`.
#[derive(Debug, Default)]
struct CheckQuery {
    packs: Vec<String>,
    jurisdiction: Option<String>,
    rules: Vec<String>,
    params: Vec<(String, String)>,
    name: Option<String>,
}

fn bad_query(detail: impl Into<String>) -> Problem {
    Problem::new(
        StatusCode::BAD_REQUEST,
        "bad-query",
        "Bad query parameter",
        detail,
    )
}

fn parse_query(raw: Option<&str>) -> Result<CheckQuery, Problem> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw.unwrap_or(""))
        .map_err(|e| bad_query(format!("cannot parse the query string: {e}")))?;
    let mut q = CheckQuery::default();
    for (k, v) in pairs {
        match k.as_str() {
            "pack" => q.packs.push(v),
            "rule" => q.rules.push(v),
            "jurisdiction" if q.jurisdiction.is_none() => q.jurisdiction = Some(v),
            "jurisdiction" => return Err(bad_query("give `jurisdiction` at most once")),
            "param" => q
                .params
                .push(check::parse_param(&v).map_err(|e| bad_query(format!("param: {e}")))?),
            "name" => q.name = Some(v),
            _ => {
                return Err(bad_query(format!(
                    "unknown query parameter `{k}`; expected pack, jurisdiction, rule, param, name"
                )))
            }
        }
    }
    Ok(q)
}

const IFC_TYPES: [&str; 3] = ["application/x-step", "application/ifc", "model/ifc"];

fn model_format(headers: &HeaderMap, body: &[u8]) -> Result<Format, Problem> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        });
    let unsupported = |what: String| {
        Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "Unsupported media type",
            format!(
                "{what}; send application/json (a JSON model) or application/x-step, application/ifc, model/ifc (IFC), or application/octet-stream / text/plain with an IFC STEP file"
            ),
        )
    };
    match ct.as_deref() {
        Some("application/json") => Ok(Format::Json),
        Some(t) if IFC_TYPES.contains(&t) => Ok(Format::Ifc),
        Some("application/octet-stream" | "text/plain") => match Format::sniff(body) {
            Some(Format::Ifc) => Ok(Format::Ifc),
            _ => Err(unsupported(
                "the body does not start with ISO-10303-21".into(),
            )),
        },
        Some(t) => Err(unsupported(format!("media type `{t}` is not a model"))),
        None => Err(unsupported("no Content-Type".into())),
    }
}

/// `POST /v1/checks`: the model in the body, the selection in the query.
pub async fn check(
    State(state): State<AppState>,
    uri: Uri,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let path = uri.path().to_string();
    let timeout = state.config.request_timeout();
    match tokio::time::timeout(timeout, run_check(state, raw, headers, body)).await {
        Ok(Ok(r)) => r,
        Ok(Err(p)) => p.at(path).into_response(),
        Err(_) => Problem::new(
            StatusCode::GATEWAY_TIMEOUT,
            "timeout",
            "Request timed out",
            format!(
                "the check did not finish within the request timeout of {} ms",
                timeout.as_millis()
            ),
        )
        .at(path)
        .into_response(),
    }
}

async fn run_check(
    state: AppState,
    raw: Option<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Problem> {
    let body = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Problem::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body-too-large",
                "Request body too large",
                format!(
                    "the body is larger than the limit of {} bytes (max_body_bytes)",
                    state.config.max_body_bytes
                ),
            )
            .with("limit", state.config.max_body_bytes)
        } else {
            Problem::new(
                StatusCode::BAD_REQUEST,
                "bad-body",
                "Cannot read the body",
                e.body_text(),
            )
        }
    })?;
    let q = parse_query(raw.as_deref())?;
    let reg = state.registry().ok_or_else(|| {
        let mut p = Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "not-ready",
            "Not ready",
            "rule packs are still being compiled; retry shortly",
        );
        if let Packs::Failed(e) = &*state.packs.read().unwrap_or_else(|e| e.into_inner()) {
            p.detail = e.clone();
        }
        p
    })?;
    let selected =
        check::select_packs(&reg, state.packs_dir(), &q.packs, q.jurisdiction.as_deref())
            .and_then(|s| check::check_known_rules(&s, &q.rules).map(|_| s))
            .map_err(|e| {
                let (slug, title, detail) = match e.kind {
                    SelectionErrorKind::UnknownPack => ("unknown-pack", "Unknown pack", e.message),
                    SelectionErrorKind::UnknownJurisdiction => {
                        ("unknown-jurisdiction", "Unknown jurisdiction", e.message)
                    }
                    SelectionErrorKind::UnknownRule => ("unknown-rule", "Unknown rule", e.message),
                    SelectionErrorKind::NothingSelected => (
                        "no-pack-selected",
                        "No pack selected",
                        e.message
                            .replace("--pack or a --jurisdiction", "`pack` or a `jurisdiction`"),
                    ),
                };
                Problem::new(StatusCode::BAD_REQUEST, slug, title, detail)
            })?;
    let format = model_format(&headers, &body)?;
    let name = q.name.clone().unwrap_or_else(|| {
        match format {
            Format::Ifc => "model.ifc",
            Format::Json => "model.json",
        }
        .into()
    });
    let permit = state
        .checks
        .clone()
        .acquire_owned()
        .await
        .map_err(|_| internal("the check queue is closed (shutting down)"))?;
    let sandbox = state.sandbox.clone();
    let job = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let model = input::load_bytes(&body, Some(format), &name)?;
        let rep = check::run(&sandbox, &selected, Arc::new(model), &q.rules, &q.params);
        Ok::<_, input::InputError>(report::check_json(&name, &rep))
    });
    match job.await {
        Ok(Ok(text)) => Ok(json_response(StatusCode::OK, text)),
        Ok(Err(e)) => {
            let mut p = Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "model-invalid",
                "The model cannot be read",
                e.to_string(),
            )
            .with("kind", format!("{:?}", e.kind()));
            if let Some(l) = e.line() {
                p = p.with("line", l);
            }
            if let Some(c) = e.column() {
                p = p.with("column", c);
            }
            if let Some(id) = e.entity_id() {
                p = p.with("entity", format!("#{id}"));
            }
            Err(p)
        }
        Err(e) => Err(internal(&format!("the check task failed: {e}"))),
    }
}

fn internal(detail: &str) -> Problem {
    Problem::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "Internal error",
        detail.to_string(),
    )
}

/// Any other path.
pub async fn not_found(uri: Uri) -> Response {
    Problem::new(
        StatusCode::NOT_FOUND,
        "not-found",
        "Not found",
        format!(
            "no route `{}`; see docs/api.md (GET /healthz, /readyz, /v1/packs; POST /v1/checks)",
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
            "`{}` does not accept this method; see docs/api.md",
            uri.path()
        ),
    )
    .at(uri.path())
    .into_response()
}
