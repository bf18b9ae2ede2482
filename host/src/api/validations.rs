//! Reading past validations and the audit log.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::problem::Problem;
use super::{json_response, AppState};
use crate::auth::{Caller, Permission};
use crate::store::StoreError;

/// Default page size of listings.
pub const DEFAULT_LIMIT: usize = 50;
/// Largest page size of listings.
pub const MAX_LIMIT: usize = 500;

fn bad_query(detail: impl Into<String>) -> Problem {
    Problem::new(
        StatusCode::BAD_REQUEST,
        "bad-query",
        "Bad query parameter",
        detail,
    )
}

fn store_problem(e: StoreError) -> Problem {
    match e {
        StoreError::BadCursor { .. } => Problem::new(
            StatusCode::BAD_REQUEST,
            "bad-cursor",
            "Bad cursor",
            format!("{e}; pass the `next_cursor` of the previous page unchanged"),
        ),
        e => Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "store-error",
            "Storage error",
            e.to_string(),
        ),
    }
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, Problem> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| {
            Problem::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Internal error",
                format!("the store task failed: {e}"),
            )
        })?
        .map_err(store_problem)
}

fn not_found(id: &str) -> Problem {
    Problem::new(
        StatusCode::NOT_FOUND,
        "validation-not-found",
        "No such validation",
        format!("no validation `{id}` visible to this caller"),
    )
}

/// `GET /v1/validations/{id}`: a stored validation (record and report).
/// Clients see their own; admins and viewers see all. Another caller's
/// validation is a 404, not a 403, so ids cannot be probed.
#[utoipa::path(
    get,
    path = "/v1/validations/{id}",
    tag = "validations",
    params(("id" = String, Path, description = "Validation id (UUIDv7)")),
    responses(
        (status = 200, description = "The validation: record fields and `report`", content_type = "application/json"),
        (status = 401, description = "No valid token", content_type = "application/problem+json"),
        (status = 403, description = "The role may not read validations", content_type = "application/problem+json"),
        (status = 404, description = "No such validation visible to the caller", content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn get_validation(
    State(state): State<AppState>,
    caller: Caller,
    uri: Uri,
    Path(id): Path<String>,
) -> Response {
    let r = async {
        super::auth::require(&caller, Permission::ReadOwnValidations)?;
        let store = state.service.store().clone();
        let id2 = id.clone();
        let found = if uuid::Uuid::try_parse(&id).is_ok() {
            blocking(move || store.get_validation(&id2)).await?
        } else {
            None
        };
        match found {
            Some((rec, report))
                if rec.owner == caller.sub || caller.can(Permission::ReadAllValidations) =>
            {
                Ok(super::json_parts_response(
                    StatusCode::OK,
                    // A report that is not UTF-8 (a damaged store) is sent as null.
                    crate::service::render_parts(
                        &rec,
                        if std::str::from_utf8(&report).is_ok() {
                            report.into()
                        } else {
                            Bytes::from_static(b"null")
                        },
                    ),
                ))
            }
            _ => Err(not_found(&id)),
        }
    }
    .await;
    r.unwrap_or_else(|p: Problem| p.at(uri.path()).into_response())
}

/// Query of the listings.
#[derive(Debug, Default)]
struct ListQuery {
    cursor: Option<String>,
    limit: usize,
    owner: Option<String>,
    after: Option<u64>,
}

fn parse_list(raw: Option<&str>, allowed: &[&str]) -> Result<ListQuery, Problem> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw.unwrap_or(""))
        .map_err(|e| bad_query(format!("cannot parse the query string: {e}")))?;
    let mut q = ListQuery {
        limit: DEFAULT_LIMIT,
        ..ListQuery::default()
    };
    for (k, v) in pairs {
        if !allowed.contains(&k.as_str()) {
            return Err(bad_query(format!(
                "unknown query parameter `{k}`; expected {}",
                allowed.join(", ")
            )));
        }
        match k.as_str() {
            "cursor" => q.cursor = Some(v),
            "limit" => {
                q.limit = v
                    .parse::<usize>()
                    .ok()
                    .filter(|n| (1..=MAX_LIMIT).contains(n))
                    .ok_or_else(|| {
                        bad_query(format!(
                            "limit `{v}` is not a whole number from 1 to {MAX_LIMIT}"
                        ))
                    })?
            }
            "owner" => q.owner = Some(v),
            "after" => {
                q.after = Some(
                    v.parse::<u64>()
                        .map_err(|_| bad_query(format!("after `{v}` is not a sequence number")))?,
                )
            }
            _ => {}
        }
    }
    Ok(q)
}

/// `GET /v1/projects/{project}/validations`: a project's validations, newest
/// first, a page at a time. Clients list their own; admins and viewers list
/// everyone's, or one owner's with `owner=`.
#[utoipa::path(
    get,
    path = "/v1/projects/{project}/validations",
    tag = "validations",
    params(
        ("project" = String, Path, description = "Project name"),
        ("limit" = Option<usize>, Query, description = "Page size, 1 to 500 (default 50)"),
        ("cursor" = Option<String>, Query, description = "`next_cursor` of the previous page"),
        ("owner" = Option<String>, Query, description = "Only this owner's (admins and viewers)"),
    ),
    responses(
        (status = 200, description = "`{items: [record...], next_cursor}`; records without reports", content_type = "application/json"),
        (status = 400, description = "Bad limit, cursor or project name", content_type = "application/problem+json"),
        (status = 401, description = "No valid token", content_type = "application/problem+json"),
        (status = 403, description = "The role may not read validations, or `owner=` without the right", content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn list_validations(
    State(state): State<AppState>,
    caller: Caller,
    uri: Uri,
    Path(project): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let r = async {
        super::auth::require(&caller, Permission::ReadOwnValidations)?;
        super::checks::valid_project(&project)?;
        let q = parse_list(raw.as_deref(), &["cursor", "limit", "owner"])?;
        let owner = if caller.can(Permission::ReadAllValidations) {
            q.owner.clone()
        } else {
            match &q.owner {
                Some(o) if *o != caller.sub => {
                    return Err(Problem::new(
                        StatusCode::FORBIDDEN,
                        "forbidden",
                        "Forbidden",
                        format!(
                            "role `{}` reads only its own validations; `owner={o}` needs read_all_validations",
                            caller.role
                        ),
                    ))
                }
                _ => Some(caller.sub.clone()),
            }
        };
        let store = state.service.store().clone();
        let page = blocking(move || {
            store.list_validations(&project, owner.as_deref(), q.cursor.as_deref(), q.limit)
        })
        .await?;
        let body = json!({"items": page.items, "next_cursor": page.next_cursor});
        Ok(json_response(StatusCode::OK, format!("{body}\n")))
    }
    .await;
    r.unwrap_or_else(|p: Problem| p.at(uri.path()).into_response())
}

/// `GET /v1/audit`: the audit log, oldest first, a page at a time (admins).
#[utoipa::path(
    get,
    path = "/v1/audit",
    tag = "admin",
    params(
        ("after" = Option<u64>, Query, description = "Entries after this sequence number"),
        ("limit" = Option<usize>, Query, description = "Page size, 1 to 500 (default 50)"),
    ),
    responses(
        (status = 200, description = "`{items: [entry...], next_after}`", content_type = "application/json"),
        (status = 401, description = "No valid token", content_type = "application/problem+json"),
        (status = 403, description = "Not an admin", content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn audit(
    State(state): State<AppState>,
    caller: Caller,
    uri: Uri,
    RawQuery(raw): RawQuery,
) -> Response {
    let r = async {
        super::auth::require(&caller, Permission::ReadAudit)?;
        let q = parse_list(raw.as_deref(), &["after", "limit"])?;
        let store = state.service.store().clone();
        let (items, next) = blocking(move || store.list_audit(q.after, q.limit)).await?;
        let body = json!({"items": items, "next_after": next});
        Ok(json_response(StatusCode::OK, format!("{body}\n")))
    }
    .await;
    r.unwrap_or_else(|p: Problem| p.at(uri.path()).into_response())
}
