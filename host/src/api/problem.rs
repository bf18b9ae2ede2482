//! RFC 9457 problem details (`application/problem+json`): every error the
//! API returns. Types are `urn:plancheck:problem:<slug>` (docs/api.md).

use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

/// A problem: status, slug, title, detail, and extension members.
#[derive(Debug, Clone)]
pub struct Problem {
    /// HTTP status.
    pub status: StatusCode,
    /// The problem type's slug (`unknown-pack`, `model-invalid` ...).
    pub slug: &'static str,
    /// Short, fixed summary of the type.
    pub title: &'static str,
    /// What is wrong in this occurrence.
    pub detail: String,
    /// The request path.
    pub instance: Option<String>,
    /// Extension members (e.g. `line`).
    pub extra: Map<String, Value>,
    /// Extra response headers and a metrics label, if any (boxed to keep
    /// `Problem` small); set with [`Problem::with_header`] and
    /// [`Problem::with_reason`].
    pub meta: Option<Box<ProblemMeta>>,
}

/// What some problems add to their response.
#[derive(Debug, Clone, Default)]
pub struct ProblemMeta {
    /// Extra response headers (e.g. `WWW-Authenticate` on 401).
    pub headers: HeaderMap,
    /// A stable short label for metrics (auth denials: the `reason`),
    /// attached to the response as [`ProblemReason`].
    pub reason: Option<&'static str>,
}

impl Problem {
    /// A new problem.
    pub fn new(
        status: StatusCode,
        slug: &'static str,
        title: &'static str,
        detail: impl Into<String>,
    ) -> Self {
        Problem {
            status,
            slug,
            title,
            detail: detail.into(),
            instance: None,
            extra: Map::new(),
            meta: None,
        }
    }

    /// 413 `body-too-large`: the body is over `max_body_bytes` (`limit`).
    pub fn body_too_large(max: usize) -> Problem {
        Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body-too-large",
            "Request body too large",
            format!("the body is larger than the limit of {max} bytes (max_body_bytes)"),
        )
        .with("limit", max)
    }

    /// Sets `instance`.
    pub fn at(mut self, instance: impl Into<String>) -> Self {
        self.instance = Some(instance.into());
        self
    }

    /// Adds an extension member.
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.extra.insert(key.into(), value.into());
        self
    }

    /// Adds a response header.
    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.meta
            .get_or_insert_default()
            .headers
            .append(name, value);
        self
    }

    /// Sets the metrics label ([`ProblemReason`]) and the `reason`
    /// extension member.
    pub fn with_reason(mut self, reason: &'static str) -> Self {
        self.meta.get_or_insert_default().reason = Some(reason);
        self.with("reason", reason)
    }

    /// The metrics label, if set.
    pub fn reason(&self) -> Option<&'static str> {
        self.meta.as_ref().and_then(|m| m.reason)
    }

    /// The JSON body.
    pub fn body(&self) -> Value {
        let mut m = Map::new();
        m.insert(
            "type".into(),
            json!(format!("urn:plancheck:problem:{}", self.slug)),
        );
        m.insert("title".into(), json!(self.title));
        m.insert("status".into(), json!(self.status.as_u16()));
        m.insert("detail".into(), json!(self.detail));
        if let Some(i) = &self.instance {
            m.insert("instance".into(), json!(i));
        }
        for (k, v) in &self.extra {
            m.insert(k.clone(), v.clone());
        }
        Value::Object(m)
    }
}

/// Attached to problem responses that have a [`Problem::reason`], as a
/// response extension: the label for metrics (e.g. auth denial reasons).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProblemReason(pub &'static str);

/// Attached to every problem response as a response extension, so
/// middleware (metrics, logs) can tell problems apart without parsing bodies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProblemSlug(pub &'static str);

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let body = serde_json::to_string_pretty(&self.body()).expect("serialisable");
        let mut r = (
            self.status,
            [(header::CONTENT_TYPE, "application/problem+json")],
            body,
        )
            .into_response();
        r.extensions_mut().insert(ProblemSlug(self.slug));
        if let Some(meta) = self.meta {
            if let Some(reason) = meta.reason {
                r.extensions_mut().insert(ProblemReason(reason));
            }
            r.headers_mut().extend(meta.headers);
        }
        r
    }
}
