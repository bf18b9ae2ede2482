//! Per-request telemetry: the [`track`] middleware (a span, request
//! metrics, auth denials, an access log line) and the `GET /metrics`
//! endpoint ([`metrics_route`]). Only needs an `Arc<Metrics>`, whatever the
//! router's state. Documented in docs/telemetry.md.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, MethodRouter};
use opentelemetry::propagation::TextMapPropagator as _;
use opentelemetry::trace::TraceContextExt as _;
use tracing::field::Empty;
use tracing::Instrument as _;
use tracing_opentelemetry::OpenTelemetrySpanExt as _;

use crate::api::problem::{ProblemReason, ProblemSlug};
use crate::metrics::{self, Metrics};

/// Response extension naming why a request was refused (a fixed word, it
/// becomes a metric label), for denials that are not a [`Problem`] with a
/// reason: [`track`] counts a denial under this reason, else the response's
/// [`ProblemReason`] (what `Problem::with_reason` attaches, as the auth
/// module does: `missing`, `expired`, `forbidden` ...), else `unknown`.
///
/// [`Problem`]: crate::api::problem::Problem
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DenialReason(pub &'static str);

/// The `route` label and span field of requests no route matched.
pub const UNMATCHED: &str = "unmatched";

/// Routes answered often and uninterestingly (probes, scrapes): their
/// access log line is at DEBUG, not INFO.
const QUIET_ROUTES: [&str; 3] = ["/healthz", "/readyz", "/metrics"];

/// Middleware (`axum::middleware::from_fn_with_state(metrics, track)`,
/// outermost layer) for every request:
/// * runs the rest inside an `http.request` span (`http.request.method`,
///   `http.route` = the route template or `unmatched`, `url.path`, then
///   `http.response.status_code`, `duration_ms`, `problem.type` = the
///   response's [`ProblemSlug`], `auth.denial`, `trace_id`); a W3C
///   `traceparent` request header makes it a child of the caller's trace;
/// * records `plancheck_http_requests_total` and
///   `plancheck_http_request_duration_seconds` (to the response head);
/// * counts `plancheck_auth_denials_total` for every 401/403 response and
///   every response carrying a [`DenialReason`], with the reason of
///   [`DenialReason`], else [`ProblemReason`], else `unknown`;
/// * logs one line per request (INFO; WARN for 5xx; DEBUG for probes and
///   scrapes).
pub async fn track(State(metrics): State<Arc<Metrics>>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = method_label(req.method());
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| UNMATCHED.to_string(), |p| p.as_str().to_string());
    let span = tracing::info_span!(
        "http.request",
        http.request.method = method,
        http.route = %route,
        url.path = %req.uri().path(),
        http.response.status_code = Empty,
        duration_ms = Empty,
        problem.type = Empty,
        auth.denial = Empty,
        trace_id = Empty,
        otel.kind = "server",
        otel.status_code = Empty,
    );
    if req.headers().contains_key("traceparent") {
        let parent = opentelemetry_sdk::propagation::TraceContextPropagator::new()
            .extract(&opentelemetry_http::HeaderExtractor(req.headers()));
        // Fails only when no OpenTelemetry layer is installed: nothing to join.
        let _ = span.set_parent(parent);
    }
    let trace_id = span.context().span().span_context().trace_id();
    if trace_id != opentelemetry::trace::TraceId::INVALID {
        span.record("trace_id", tracing::field::display(trace_id));
    }

    let response = next.run(req).instrument(span.clone()).await;

    let status = response.status();
    let secs = start.elapsed().as_secs_f64();
    span.record("http.response.status_code", status.as_u16());
    span.record("duration_ms", secs * 1000.0);
    if let Some(ProblemSlug(slug)) = response.extensions().get::<ProblemSlug>() {
        span.record("problem.type", *slug);
    }
    if status.is_server_error() {
        span.record("otel.status_code", "ERROR");
    }
    metrics.request(method, &route, status.as_u16(), secs);
    let denial = response.extensions().get::<DenialReason>().map(|d| d.0);
    if denial.is_some() || status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
        let reason = denial
            .or_else(|| response.extensions().get::<ProblemReason>().map(|r| r.0))
            .unwrap_or("unknown");
        metrics.auth_denied(reason, status.as_u16());
        span.record("auth.denial", reason);
    }

    let _in = span.enter();
    let ms = secs * 1000.0;
    let status = status.as_u16();
    if status >= 500 {
        tracing::warn!(status, duration_ms = ms, "request failed");
    } else if QUIET_ROUTES.contains(&route.as_str()) {
        tracing::debug!(status, duration_ms = ms, "request");
    } else {
        tracing::info!(status, duration_ms = ms, "request");
    }
    drop(_in);
    response
}

/// The method as a label: the standard ones by name, anything else
/// `_OTHER` (clients cannot mint label values).
pub fn method_label(m: &Method) -> &'static str {
    match *m {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        Method::CONNECT => "CONNECT",
        Method::TRACE => "TRACE",
        _ => "_OTHER",
    }
}

/// The `/metrics` response: the registry as OpenMetrics text
/// ([`metrics::CONTENT_TYPE`]), never cached.
pub fn metrics_response(metrics: &Metrics) -> Response {
    (
        [
            (header::CONTENT_TYPE, metrics::CONTENT_TYPE),
            (header::CACHE_CONTROL, "no-store"),
        ],
        metrics.render(),
    )
        .into_response()
}

/// `GET /metrics` for a router of any state:
/// `.route("/metrics", metrics_route(metrics.clone()))`.
pub fn metrics_route<S>(metrics: Arc<Metrics>) -> MethodRouter<S>
where
    S: Clone + Send + Sync + 'static,
{
    get(move || {
        let metrics = metrics.clone();
        async move { metrics_response(&metrics) }
    })
}

#[cfg(test)]
mod tests {
    use std::io::{Read as _, Write as _};
    use std::net::SocketAddr;
    use std::sync::Mutex;

    use axum::routing::post;
    use axum::Router;
    use tracing_subscriber::layer::SubscriberExt as _;

    use super::*;
    use crate::api::problem::Problem;

    fn app(metrics: Arc<Metrics>) -> Router {
        Router::new()
            .route("/v1/things/{id}", get(|| async { "thing" }))
            .route(
                "/v1/private",
                get(|| async {
                    Problem::new(
                        StatusCode::UNAUTHORIZED,
                        "unauthorized",
                        "Unauthorized",
                        "no token",
                    )
                    .with_reason("missing")
                    .into_response()
                }),
            )
            .route(
                "/v1/admin",
                post(|| async {
                    let mut r = Problem::new(StatusCode::FORBIDDEN, "forbidden", "Forbidden", "no")
                        .with_reason("forbidden")
                        .into_response();
                    r.extensions_mut().insert(DenialReason("scope"));
                    r
                }),
            )
            .route("/v1/plain", get(|| async { StatusCode::FORBIDDEN }))
            .route("/boom", get(|| async { StatusCode::INTERNAL_SERVER_ERROR }))
            .route("/metrics", metrics_route(metrics.clone()))
            .layer(axum::middleware::from_fn_with_state(metrics, track))
    }

    /// Serves `app` on a free port (as `plancheck serve` does).
    async fn serve(app: Router) -> SocketAddr {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        addr
    }

    /// One raw HTTP/1.1 exchange (any method, even ones clients refuse):
    /// status, content type, body.
    async fn call(addr: SocketAddr, method: &str, path: &str) -> (u16, String, String) {
        let head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
        let raw = tokio::task::spawn_blocking(move || {
            let mut s = std::net::TcpStream::connect(addr).unwrap();
            s.write_all(head.as_bytes()).unwrap();
            let mut raw = String::new();
            s.read_to_string(&mut raw).unwrap();
            raw
        })
        .await
        .unwrap();
        let (head, body) = raw.split_once("\r\n\r\n").expect("a response head");
        let status = head[9..12].parse().unwrap();
        let content_type = head
            .lines()
            .find_map(|l| {
                l.to_ascii_lowercase()
                    .starts_with("content-type:")
                    .then(|| l[13..].trim().to_string())
            })
            .unwrap_or_default();
        (status, content_type, body.to_string())
    }

    #[derive(Clone, Default)]
    struct Buf(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Buf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'w> tracing_subscriber::fmt::MakeWriter<'w> for Buf {
        type Writer = Buf;
        fn make_writer(&'w self) -> Buf {
            self.clone()
        }
    }

    // One test, so the middleware's callsites are first hit with the
    // subscriber installed (tracing caches interest per callsite).
    #[tokio::test]
    async fn records_metrics_spans_and_denials() {
        let buf = Buf::default();
        let subscriber = tracing_subscriber::registry().with(crate::telemetry::fmt_layer(
            crate::telemetry::LogFormat::Json,
            buf.clone(),
        ));
        let _default = tracing::subscriber::set_default(subscriber);

        let metrics = Arc::new(Metrics::new());
        let addr = serve(app(metrics.clone())).await;
        assert_eq!(call(addr, "GET", "/v1/things/1").await.0, 200);
        assert_eq!(call(addr, "GET", "/v1/things/2").await.0, 200);
        assert_eq!(call(addr, "GET", "/nowhere").await.0, 404);
        assert_eq!(call(addr, "GET", "/v1/private").await.0, 401);
        assert_eq!(call(addr, "POST", "/v1/admin").await.0, 403);
        assert_eq!(call(addr, "GET", "/v1/plain").await.0, 403);
        assert_eq!(call(addr, "GET", "/boom").await.0, 500);
        assert_eq!(call(addr, "BREW", "/v1/things/3").await.0, 405);

        let (status, content_type, text) = call(addr, "GET", "/metrics").await;
        assert_eq!(status, 200);
        assert_eq!(
            content_type,
            "application/openmetrics-text; version=1.0.0; charset=utf-8"
        );
        for line in [
            r#"plancheck_http_requests_total{method="GET",route="/v1/things/{id}",status="200"} 2"#,
            r#"plancheck_http_requests_total{method="GET",route="unmatched",status="404"} 1"#,
            r#"plancheck_http_requests_total{method="GET",route="/boom",status="500"} 1"#,
            r#"plancheck_http_request_duration_seconds_count{method="GET",route="/v1/things/{id}"} 2"#,
            r#"plancheck_auth_denials_total{reason="missing",status="401"} 1"#,
            r#"plancheck_auth_denials_total{reason="scope",status="403"} 1"#,
            r#"plancheck_auth_denials_total{reason="unknown",status="403"} 1"#,
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "missing `{line}` in:\n{text}"
            );
        }
        // An unknown method is `_OTHER`, never the client's word.
        assert!(text.contains(r#"method="_OTHER""#), "{text}");
        assert!(!text.contains("BREW"), "{text}");
        // No path of an actual request leaks into labels.
        assert!(!text.contains("/v1/things/1"), "{text}");
        assert!(!text.contains("/nowhere"), "{text}");

        // The access log line of the denied request, inside its span.
        let out = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<serde_json::Value> = out
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let denied = lines
            .iter()
            .find(|l| l["span"]["url.path"] == "/v1/private")
            .unwrap_or_else(|| panic!("no log line for /v1/private in {out}"));
        assert_eq!(denied["level"], "INFO");
        assert_eq!(denied["fields"]["message"], "request");
        assert_eq!(denied["fields"]["status"], 401);
        let span = &denied["span"];
        assert_eq!(span["name"], "http.request");
        assert_eq!(span["http.request.method"], "GET");
        assert_eq!(span["http.route"], "/v1/private");
        assert_eq!(span["http.response.status_code"], 401);
        assert_eq!(span["problem.type"], "unauthorized");
        assert_eq!(span["auth.denial"], "missing");
        assert!(span["duration_ms"].as_f64().unwrap() >= 0.0, "{span}");
        // 5xx at WARN; the scrape at DEBUG.
        let boom = lines
            .iter()
            .find(|l| l["span"]["url.path"] == "/boom")
            .expect("a line for /boom");
        assert_eq!(boom["level"], "WARN");
        let scrape = lines
            .iter()
            .find(|l| l["span"]["url.path"] == "/metrics")
            .expect("a line for /metrics");
        assert_eq!(scrape["level"], "DEBUG");
        let unmatched = lines
            .iter()
            .find(|l| l["span"]["url.path"] == "/nowhere")
            .expect("a line for /nowhere");
        assert_eq!(unmatched["span"]["http.route"], "unmatched");
    }
}
