//! `POST /v1/checks`: submit a model, get a stored validation back.

use axum::body::{Body, Bytes};
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

use super::problem::Problem;
use super::{json_parts_response, service_problem, AppState};
use crate::auth::{Caller, Permission};
use crate::check;
use crate::input::Format;
use crate::service::{ModelInput, Selection};

/// The default project of a validation.
pub const DEFAULT_PROJECT: &str = "default";

/// The query of `POST /v1/checks`.
#[derive(Debug, Default)]
struct CheckQuery {
    selection: Selection,
    name: Option<String>,
    project: Option<String>,
    /// `model=sha256:<hex>`: re-check a model sent before, by its digest.
    model: Option<String>,
}

fn bad_query(detail: impl Into<String>) -> Problem {
    Problem::new(
        StatusCode::BAD_REQUEST,
        "bad-query",
        "Bad query parameter",
        detail,
    )
}

/// A project name: 1–128 of `A-Z a-z 0-9 . _ -`.
pub fn valid_project(p: &str) -> Result<(), Problem> {
    let ok = !p.is_empty()
        && p.len() <= 128
        && p.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(bad_query(format!(
            "project `{p}` is not a valid project name: use 1 to 128 of A-Z a-z 0-9 . _ -"
        )))
    }
}

fn parse_query(raw: Option<&str>) -> Result<CheckQuery, Problem> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw.unwrap_or(""))
        .map_err(|e| bad_query(format!("cannot parse the query string: {e}")))?;
    let mut q = CheckQuery::default();
    for (k, v) in pairs {
        match k.as_str() {
            "pack" => q.selection.packs.push(v),
            "rule" => q.selection.rules.push(v),
            "jurisdiction" if q.selection.jurisdiction.is_none() => {
                q.selection.jurisdiction = Some(v)
            }
            "jurisdiction" => return Err(bad_query("give `jurisdiction` at most once")),
            "param" => q
                .selection
                .params
                .push(check::parse_param(&v).map_err(|e| bad_query(format!("param: {e}")))?),
            "name" => q.name = Some(v),
            "project" if q.project.is_none() => {
                valid_project(&v)?;
                q.project = Some(v)
            }
            "project" => return Err(bad_query("give `project` at most once")),
            "model" if q.model.is_none() => q.model = Some(model_digest(&v)?),
            "model" => return Err(bad_query("give `model` at most once")),
            _ => {
                return Err(bad_query(format!(
                    "unknown query parameter `{k}`; expected project, pack, jurisdiction, rule, param, name, model"
                )))
            }
        }
    }
    Ok(q)
}

/// The digest of `model=`: `sha256:` and 64 hex digits (the record's
/// `model.digest`; the prefix may be left out), as lower-case hex.
fn model_digest(v: &str) -> Result<String, Problem> {
    let hex = v.strip_prefix("sha256:").unwrap_or(v);
    if hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(hex.to_ascii_lowercase())
    } else {
        Err(bad_query(format!(
            "model `{v}` is not a model digest: give `sha256:` and the 64 hex digits of the \
             model's SHA-256 (its validations' `model.digest`)"
        )))
    }
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
/// Returns the stored validation (its record and report); it is durable
/// before the 200 is sent. With `model=sha256:…` and no body, re-checks a
/// model the caller sent before ([`crate::service::Service::recheck`]).
#[utoipa::path(
    post,
    path = "/v1/checks",
    tag = "validations",
    params(
        ("project" = Option<String>, Query, description = "Project the validation belongs to (default `default`)"),
        ("pack" = Option<Vec<String>>, Query, description = "Pack id to run; repeat or comma-separate for several"),
        ("jurisdiction" = Option<String>, Query, description = "Run every pack of this jurisdiction (e.g. `US`)"),
        ("rule" = Option<Vec<String>>, Query, description = "Only these rule ids"),
        ("param" = Option<Vec<String>>, Query, description = "`pack-id.name=value` pack parameter"),
        ("name" = Option<String>, Query, description = "A name for the model (file name)"),
        ("model" = Option<String>, Query, description = "`sha256:<hex>`: re-check a model this caller sent before with the same packs and options, by its digest (its validations' `model.digest`), with an empty body; 422 `unknown-model` if there is no such validation"),
        ("Prefer" = Option<String>, Header, description = "`return=minimal` (RFC 7240): answer with the validation's record without `report` (then `Preference-Applied: return=minimal`)"),
    ),
    request_body(content = String, description = "The model: IFC STEP (application/x-step, application/ifc, model/ifc, or octet-stream/text/plain starting with ISO-10303-21) or a JSON model (application/json, docs/model-format.md)"),
    responses(
        (status = 200, description = "The stored validation: record fields and `report` (no `report` with `Prefer: return=minimal`)", content_type = "application/json"),
        (status = 400, description = "Bad query, unknown pack/jurisdiction/rule, nothing selected", content_type = "application/problem+json"),
        (status = 401, description = "No valid token", content_type = "application/problem+json"),
        (status = 403, description = "The role may not submit models", content_type = "application/problem+json"),
        (status = 413, description = "Body over max_body_bytes", content_type = "application/problem+json"),
        (status = 415, description = "Not a model media type", content_type = "application/problem+json"),
        (status = 422, description = "The model cannot be read (line, entity named); or `model=` names a model this caller has not checked with these packs (`unknown-model`)", content_type = "application/problem+json"),
        (status = 503, description = "Packs still compiling", content_type = "application/problem+json"),
        (status = 504, description = "The check did not finish within the request timeout", content_type = "application/problem+json"),
    ),
    security(("bearer" = []))
)]
pub async fn check(
    State(state): State<AppState>,
    caller: Caller,
    uri: Uri,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let path = uri.path().to_string();
    if let Err(p) = super::auth::require(&caller, Permission::CreateValidations) {
        return p.at(path).into_response();
    }
    // The body is read before the timeout starts, as an extractor would:
    // the timeout bounds the check, not the upload.
    let max = state.service.config().max_body_bytes;
    let body = match read_hashed(&headers, body, max).await {
        Ok(b) => b,
        Err(p) => return p.at(path).into_response(),
    };
    let timeout = state.service.config().request_timeout();
    match tokio::time::timeout(timeout, run_check(state, caller, raw, headers, body)).await {
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

/// The body of a submitted model and its SHA-256, computed frame by frame
/// while the rest of the body is still arriving (the digest is the cache
/// key, so a repeated model costs no second pass over its bytes).
#[derive(Debug)]
pub struct HashedBody {
    /// The whole body.
    pub bytes: Bytes,
    /// SHA-256 of `bytes`, lowercase hex.
    pub digest: String,
}

/// Reads the whole body, at most `max` bytes (else 413, before reading a
/// byte when `Content-Length` already says so), hashing as it goes.
pub async fn read_hashed(
    headers: &HeaderMap,
    body: Body,
    max: usize,
) -> Result<HashedBody, Problem> {
    use http_body_util::BodyExt;
    use sha2::{Digest, Sha256};
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max as u64) {
        return Err(Problem::body_too_large(max));
    }
    // One allocation of the declared size (bounded by the limit); a body
    // without a length grows as it comes.
    let mut buf = Vec::with_capacity(declared.map_or(0, |n| n as usize));
    let mut hash = Sha256::new();
    let mut body = body;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| {
            Problem::new(
                StatusCode::BAD_REQUEST,
                "bad-body",
                "Cannot read the body",
                format!("the request body could not be read: {e}"),
            )
        })?;
        if let Ok(data) = frame.into_data() {
            if buf.len() + data.len() > max {
                return Err(Problem::body_too_large(max));
            }
            hash.update(&data);
            buf.extend_from_slice(&data);
        }
    }
    Ok(HashedBody {
        bytes: Bytes::from(buf),
        digest: hex::encode(hash.finalize()),
    })
}

async fn run_check(
    state: AppState,
    caller: Caller,
    raw: Option<String>,
    headers: HeaderMap,
    body: HashedBody,
) -> Result<Response, Problem> {
    let q = parse_query(raw.as_deref())?;
    // Selection errors before the media type: a wrong pack id is the more
    // useful message.
    state
        .service
        .select(&q.selection)
        .map_err(service_problem)?;
    let project = q.project.as_deref().unwrap_or(DEFAULT_PROJECT);
    if let Some(digest) = &q.model {
        if !body.bytes.is_empty() {
            return Err(bad_query(format!(
                "give the model either in the body or by its digest (`model`), not both \
                 (the body has {} bytes)",
                body.bytes.len()
            )));
        }
        let v = state
            .service
            .recheck(&caller, project, digest, q.name.clone(), &q.selection)
            .await
            .map_err(service_problem)?;
        return Ok(if wants_minimal(&headers) {
            minimal(&v.record)
        } else {
            json_parts_response(StatusCode::OK, v.body_parts())
        });
    }
    let format = model_format(&headers, &body.bytes)?;
    let name = q.name.clone().unwrap_or_else(|| {
        match format {
            Format::Ifc => "model.ifc",
            Format::Json => "model.json",
        }
        .into()
    });
    let input = ModelInput {
        name,
        format,
        bytes: body.bytes,
        digest: Some(body.digest),
    };
    let v = state
        .service
        .validate(&caller, project, input, &q.selection)
        .await
        .map_err(service_problem)?;
    if wants_minimal(&headers) {
        return Ok(minimal(&v.record));
    }
    Ok(json_parts_response(StatusCode::OK, v.body_parts()))
}

/// The `Prefer: return=minimal` answer: the record alone.
fn minimal(record: &crate::store::ValidationRecord) -> Response {
    let mut record = serde_json::to_string(record).expect("records serialise");
    record.push('\n');
    let mut r = super::json_response(StatusCode::OK, record);
    r.headers_mut().insert(
        "preference-applied",
        header::HeaderValue::from_static("return=minimal"),
    );
    r
}

/// Whether the request says `Prefer: return=minimal` (RFC 7240): answer
/// with the stored validation's record, without the report (which
/// `GET /v1/validations/{id}` returns). A client that re-submits as it
/// edits, and reads the summary, is spared the report's bytes.
pub fn wants_minimal(headers: &HeaderMap) -> bool {
    headers
        .get_all("prefer")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|pref| {
            let pref = pref.split(';').next().unwrap_or("").trim();
            match pref.split_once('=') {
                Some((k, v)) => {
                    k.trim().eq_ignore_ascii_case("return")
                        && v.trim().trim_matches('"').eq_ignore_ascii_case("minimal")
                }
                None => false,
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::channel::Channel;

    /// A body arriving in `chunks`, as a client's upload arrives in frames.
    fn streamed(chunks: Vec<Vec<u8>>) -> Body {
        let (mut tx, body) = Channel::<Bytes>::new(1);
        tokio::spawn(async move {
            for c in chunks {
                if tx.send_data(Bytes::from(c)).await.is_err() {
                    return;
                }
            }
        });
        Body::new(body)
    }

    fn length(n: usize) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::CONTENT_LENGTH, n.to_string().parse().unwrap());
        h
    }

    #[test]
    fn prefer_return_minimal_is_recognised_among_other_preferences() {
        let with = |vals: &[&str]| {
            let mut h = HeaderMap::new();
            for v in vals {
                h.append("prefer", v.parse().unwrap());
            }
            wants_minimal(&h)
        };
        assert!(with(&["return=minimal"]));
        assert!(with(&["respond-async, Return = \"minimal\"; foo=bar"]));
        assert!(with(&["wait=5", "return=minimal"]));
        assert!(!with(&[]));
        assert!(!with(&["return=representation"]));
        assert!(!with(&["minimal"]));
        assert!(!with(&["return=minimalist"]));
    }

    #[tokio::test]
    async fn the_digest_is_the_sha256_of_every_frame_in_order() {
        let data: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let chunks: Vec<Vec<u8>> = data.chunks(16_384).map(<[u8]>::to_vec).collect();
        assert!(chunks.len() > 10);
        for headers in [length(data.len()), HeaderMap::new()] {
            let b = read_hashed(&headers, streamed(chunks.clone()), 1 << 20)
                .await
                .unwrap();
            assert_eq!(&b.bytes[..], &data[..]);
            assert_eq!(b.digest, crate::service::digest(&data));
        }
        let empty = read_hashed(&HeaderMap::new(), Body::empty(), 10)
            .await
            .unwrap();
        assert!(empty.bytes.is_empty());
        assert_eq!(empty.digest, crate::service::digest(b""));
    }

    #[tokio::test]
    async fn a_body_over_the_limit_is_413_declared_or_streamed() {
        let chunks = vec![vec![1u8; 600], vec![2u8; 600]];
        // Content-Length over the limit: refused before reading.
        let p = read_hashed(&length(1200), streamed(chunks.clone()), 1000)
            .await
            .unwrap_err();
        assert_eq!(p.status, StatusCode::PAYLOAD_TOO_LARGE);
        // No length (chunked): refused once the frames pass the limit.
        let p = read_hashed(&HeaderMap::new(), streamed(chunks.clone()), 1000)
            .await
            .unwrap_err();
        assert_eq!(p.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert!(p.detail.contains("1000 bytes"), "{}", p.detail);
        // Exactly at the limit is accepted.
        let b = read_hashed(&HeaderMap::new(), streamed(chunks), 1200)
            .await
            .unwrap();
        assert_eq!(b.bytes.len(), 1200);
    }
}
