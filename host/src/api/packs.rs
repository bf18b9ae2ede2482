//! Pack lifecycle routes (docs/publishing.md, docs/api.md): publish an
//! artifact, see versions and refusals, activate, roll back, deactivate.
//! Thin: each authorizes, runs [`crate::packs::lifecycle::Lifecycle`] on a
//! blocking thread, renders.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::problem::Problem;
use super::{json_response, AppState};
use crate::auth::{Caller, Permission};
use crate::packs::lifecycle::{Actor, LifecycleError};

fn bad_query(detail: impl Into<String>) -> Problem {
    Problem::new(
        StatusCode::BAD_REQUEST,
        "bad-query",
        "Bad query parameter",
        detail,
    )
}

/// The problem for a lifecycle error. 403s are made by the caller (they
/// need the caller).
fn problem(caller: &Caller, e: LifecycleError) -> Problem {
    match e {
        LifecycleError::Refused(r) => Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "artifact-refused",
            "Artifact refused",
            format!(
                "{}; nothing was changed, the active version keeps serving",
                r.message
            ),
        )
        .with("reason", r.reason)
        .with("stage", r.stage),
        LifecycleError::Forbidden { jurisdiction } => {
            match super::auth::require_publish(caller, &jurisdiction) {
                Err(p) => p,
                Ok(()) => Problem::new(
                    StatusCode::FORBIDDEN,
                    crate::auth::FORBIDDEN,
                    super::auth::FORBIDDEN_TITLE,
                    format!("may not publish for jurisdiction `{jurisdiction}`"),
                ),
            }
        }
        LifecycleError::Conflict(d) => Problem::new(
            StatusCode::CONFLICT,
            "version-conflict",
            "Version conflict",
            d,
        ),
        LifecycleError::Unknown(d) => {
            Problem::new(StatusCode::NOT_FOUND, "unknown-pack", "Unknown pack", d)
        }
        LifecycleError::NoRollbackTarget(d) => Problem::new(
            StatusCode::CONFLICT,
            "no-rollback-target",
            "Nothing to roll back to",
            d,
        ),
        LifecycleError::NotReady(d) => {
            Problem::new(StatusCode::SERVICE_UNAVAILABLE, "not-ready", "Not ready", d)
        }
        LifecycleError::Store(e) => Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "store-error",
            "Storage error",
            format!("the change could not be stored, so it was not made: {e}"),
        ),
    }
}

fn internal(e: impl std::fmt::Display) -> Problem {
    Problem::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "Internal error",
        format!("the pack task failed: {e}"),
    )
}

fn query(raw: Option<&str>, allowed: &[&str]) -> Result<Vec<(String, String)>, Problem> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw.unwrap_or(""))
        .map_err(|e| bad_query(format!("cannot parse the query string: {e}")))?;
    for (k, _) in &pairs {
        if !allowed.contains(&k.as_str()) {
            return Err(bad_query(format!(
                "unknown query parameter `{k}`; expected {}",
                if allowed.is_empty() {
                    "none".to_string()
                } else {
                    allowed.join(", ")
                }
            )));
        }
    }
    Ok(pairs)
}

/// `POST /v1/packs/artifacts`: publish a signed artifact (the body). A
/// publisher may publish for its own jurisdiction; `activate=true` (admins)
/// also activates it. Verified, compiled and smoke-tested before it is
/// stored; a refusal changes nothing served.
#[utoipa::path(post, path = "/v1/packs/artifacts", tag = "packs",
    params(
        ("activate" = Option<bool>, Query, description = "Also activate it (needs `manage_packs`)"),
        ("name" = Option<String>, Query, description = "A name for messages (file name)"),
    ),
    request_body(content = String, description = "The artifact (`plancheck pack sign`), application/octet-stream"),
    responses(
        (status = 201, description = "Published: `{id, version, digest, jurisdiction, publisher, signer, active, already_published, timings_ms}`", content_type = "application/json"),
        (status = 400, description = "Bad query", content_type = "application/problem+json"),
        (status = 401, description = "No valid token", content_type = "application/problem+json"),
        (status = 403, description = "Not a publisher of this jurisdiction, or `activate` without `manage_packs`", content_type = "application/problem+json"),
        (status = 409, description = "This id@version is already published with other content", content_type = "application/problem+json"),
        (status = 413, description = "Body over max_body_bytes", content_type = "application/problem+json"),
        (status = 422, description = "Refused: `reason` unsigned, malformed, bad_signature, tampered, unknown_publisher, wrong_publisher, contract_version, smoke_test, ...", content_type = "application/problem+json"),
        (status = 503, description = "Packs still loading", content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn publish(
    State(state): State<AppState>,
    caller: Caller,
    uri: Uri,
    RawQuery(raw): RawQuery,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let path = uri.path().to_string();
    match run_publish(state, &caller, raw, body).await {
        Ok(r) => r,
        Err(p) => p.at(path).into_response(),
    }
}

async fn run_publish(
    state: AppState,
    caller: &Caller,
    raw: Option<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Problem> {
    super::auth::require(caller, Permission::PublishPacks)?;
    let mut activate = false;
    let mut name = "upload".to_string();
    for (k, v) in query(raw.as_deref(), &["activate", "name"])? {
        match k.as_str() {
            "activate" => {
                activate = v
                    .parse()
                    .map_err(|_| bad_query(format!("activate=`{v}`: expected true or false")))?
            }
            _ if v.is_empty() || v.len() > 200 || v.chars().any(char::is_control) => {
                return Err(bad_query(
                    "name must be 1 to 200 characters without control characters",
                ))
            }
            _ => name = v,
        }
    }
    if activate {
        super::auth::require(caller, Permission::ManagePacks)?;
    }
    let max = state.service.config().max_body_bytes;
    let body = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Problem::body_too_large(max)
        } else {
            Problem::new(
                StatusCode::BAD_REQUEST,
                "bad-body",
                "Cannot read the body",
                e.body_text(),
            )
        }
    })?;
    state.service.registry().map_err(super::service_problem)?;
    let lifecycle = state.lifecycle.clone();
    let c = caller.clone();
    let actor = Actor::from(caller);
    let res = tokio::task::spawn_blocking(move || {
        lifecycle.publish(
            &actor,
            &name,
            &body,
            &|j| crate::auth::may_publish(&c, j),
            activate,
        )
    })
    .await
    .map_err(internal)?;
    match res {
        Ok(p) => Ok(json_response(
            StatusCode::CREATED,
            format!("{}\n", serde_json::to_string(&p).expect("serialisable")),
        )),
        Err(e) => Err(problem(caller, e)),
    }
}

/// `GET /v1/packs/status`: every pack's versions (active, kept, where they
/// came from, who published and activated them), recent refusals with
/// their reasons, packs-directory load failures, compile-cache counts.
#[utoipa::path(get, path = "/v1/packs/status", tag = "packs",
    responses(
        (status = 200, description = "`{trust, packs:[{id, active, versions}], refusals, failures, compile_cache}`", content_type = "application/json"),
        (status = 401, description = "No valid token", content_type = "application/problem+json"),
        (status = 503, description = "Packs still loading", content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn status(State(state): State<AppState>, caller: Caller, uri: Uri) -> Response {
    if let Err(p) = super::auth::require(&caller, Permission::ReadPacks) {
        return p.at(uri.path()).into_response();
    }
    match state.lifecycle.status() {
        Ok(v) => json_response(StatusCode::OK, format!("{v}\n")),
        Err(e) => problem(&caller, e).at(uri.path()).into_response(),
    }
}

/// `GET /v1/packs/{id}/versions`: one pack's versions.
#[utoipa::path(get, path = "/v1/packs/{id}/versions", tag = "packs",
    params(("id" = String, Path, description = "Pack id")),
    responses(
        (status = 200, description = "`{id, active, previous, activated_by, activated_at, versions:[{version, digest, source, publisher, signer, uploaded_by, uploaded_at, active}]}`", content_type = "application/json"),
        (status = 401, description = "No valid token", content_type = "application/problem+json"),
        (status = 404, description = "No version of this pack", content_type = "application/problem+json"),
        (status = 503, description = "Packs still loading", content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn versions(
    State(state): State<AppState>,
    caller: Caller,
    uri: Uri,
    Path(id): Path<String>,
) -> Response {
    if let Err(p) = super::auth::require(&caller, Permission::ReadPacks) {
        return p.at(uri.path()).into_response();
    }
    if let Err(e) = state.service.registry() {
        return super::service_problem(e).at(uri.path()).into_response();
    }
    match state.lifecycle.pack_status(&id) {
        Some(v) => json_response(StatusCode::OK, format!("{v}\n")),
        None => problem(
            &caller,
            LifecycleError::Unknown(format!("no version of pack `{id}` is known")),
        )
        .at(uri.path())
        .into_response(),
    }
}

async fn change(
    state: AppState,
    caller: Caller,
    uri: Uri,
    op: impl FnOnce(
            &crate::packs::lifecycle::Lifecycle,
            &Actor,
        ) -> Result<crate::packs::lifecycle::Activated, LifecycleError>
        + Send
        + 'static,
) -> Response {
    if let Err(p) = super::auth::require(&caller, Permission::ManagePacks) {
        return p.at(uri.path()).into_response();
    }
    let lifecycle = state.lifecycle.clone();
    let actor = Actor::from(&caller);
    let res = tokio::task::spawn_blocking(move || op(&lifecycle, &actor)).await;
    match res {
        Ok(Ok(a)) => json_response(
            StatusCode::OK,
            format!(
                "{}\n",
                json!({"id": a.id, "old_version": a.old_version, "new_version": a.new_version, "took_ms": a.took_ms})
            ),
        ),
        Ok(Err(e)) => problem(&caller, e).at(uri.path()).into_response(),
        Err(e) => internal(e).at(uri.path()).into_response(),
    }
}

/// `POST /v1/packs/{id}/versions/{version}/activate`: make this version
/// the active one, atomically; checks in flight finish on the old one.
#[utoipa::path(post, path = "/v1/packs/{id}/versions/{version}/activate", tag = "packs",
    params(("id" = String, Path, description = "Pack id"), ("version" = String, Path, description = "Version")),
    responses(
        (status = 200, description = "`{id, old_version, new_version, took_ms}`", content_type = "application/json"),
        (status = 401, description = "No valid token", content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", content_type = "application/problem+json"),
        (status = 404, description = "No such pack version", content_type = "application/problem+json"),
        (status = 503, description = "Packs still loading", content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn activate(
    State(state): State<AppState>,
    caller: Caller,
    uri: Uri,
    Path((id, version)): Path<(String, String)>,
) -> Response {
    change(state, caller, uri, move |l, a| {
        l.activate(a, &id, &version, "pack.activate")
    })
    .await
}

/// `POST /v1/packs/{id}/rollback?to=VERSION`: activate `to`, or without it
/// the version active before the current one.
#[utoipa::path(post, path = "/v1/packs/{id}/rollback", tag = "packs",
    params(("id" = String, Path, description = "Pack id"), ("to" = Option<String>, Query, description = "Version to roll back to (default: the previous one)")),
    responses(
        (status = 200, description = "`{id, old_version, new_version, took_ms}`", content_type = "application/json"),
        (status = 400, description = "Bad query", content_type = "application/problem+json"),
        (status = 401, description = "No valid token", content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", content_type = "application/problem+json"),
        (status = 404, description = "No such pack version", content_type = "application/problem+json"),
        (status = 409, description = "No previous version to roll back to", content_type = "application/problem+json"),
        (status = 503, description = "Packs still loading", content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn rollback(
    State(state): State<AppState>,
    caller: Caller,
    uri: Uri,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let to = match query(raw.as_deref(), &["to"]) {
        Ok(q) => q.into_iter().next().map(|(_, v)| v),
        Err(p) => {
            if let Err(d) = super::auth::require(&caller, Permission::ManagePacks) {
                return d.at(uri.path()).into_response();
            }
            return p.at(uri.path()).into_response();
        }
    };
    change(state, caller, uri, move |l, a| {
        l.rollback(a, &id, to.as_deref())
    })
    .await
}

/// `POST /v1/packs/{id}/deactivate`: stop serving the published version;
/// the pack falls back to its packs-directory version, if any.
#[utoipa::path(post, path = "/v1/packs/{id}/deactivate", tag = "packs",
    params(("id" = String, Path, description = "Pack id")),
    responses(
        (status = 200, description = "`{id, old_version, new_version, took_ms}`", content_type = "application/json"),
        (status = 401, description = "No valid token", content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", content_type = "application/problem+json"),
        (status = 404, description = "No active published version", content_type = "application/problem+json"),
        (status = 503, description = "Packs still loading", content_type = "application/problem+json"),
    ),
    security(("bearer" = [])))]
pub async fn deactivate(
    State(state): State<AppState>,
    caller: Caller,
    uri: Uri,
    Path(id): Path<String>,
) -> Response {
    change(state, caller, uri, move |l, a| l.deactivate(a, &id)).await
}
