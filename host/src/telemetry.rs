//! Logs and traces of `plancheck serve` (docs/telemetry.md).
//!
//! [`init`] installs the global `tracing` subscriber: logs to **stdout**,
//! one JSON object per line ([`LogFormat::Json`], the default) or
//! human-readable text; and, when [`TelemetryConfig::otlp_endpoint`] is set,
//! every span exported over OTLP/HTTP (protobuf) through the SDK's batch
//! span processor: spans are queued and sent from the processor's own
//! thread, so no request ever waits for the collector. The CLI keeps its
//! stderr text logs and never calls [`init`].
//!
//! The pieces are public so tests (and embedders) can assemble them without
//! the global subscriber: [`env_filter`], [`fmt_layer`], [`tracer_provider`],
//! [`otel_layer`].
//!
//! The OTLP HTTP client is [`UreqClient`]: a blocking `ureq` agent (plain
//! HTTP, no TLS) run on the batch processor's thread, so neither reqwest nor
//! a hyper client is in the tree. Collectors behind TLS are reached through
//! a local agent/collector.

use std::fmt;
use std::future::Future;
use std::io::IsTerminal;
use std::pin::Pin;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry::KeyValue;
use opentelemetry_http::{Bytes, HttpClient, HttpError, Request, Response};
use opentelemetry_otlp::{Protocol, WithExportConfig, WithHttpConfig};
use opentelemetry_sdk::trace::SdkTracerProvider;
use opentelemetry_sdk::Resource;
use serde::Deserialize;
use serde_json::{Map, Value};
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::filter::{EnvFilter, LevelFilter, Targets};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::time::{FormatTime, SystemTime};
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields, FormattedFields, MakeWriter};
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt as _;
use tracing_subscriber::Layer;

/// Default `log_level`.
pub const DEFAULT_LOG_LEVEL: &str = "info";
/// Default `service_name` (the OTel `service.name` resource attribute).
pub const DEFAULT_SERVICE_NAME: &str = "plancheck";
/// Default `otlp_timeout_ms`.
pub const DEFAULT_OTLP_TIMEOUT_MS: u64 = 3000;
/// The environment variable whose filter, when set, replaces `log_level`
/// (the CLI honours it too).
pub const LOG_ENV: &str = "PLANCHECK_LOG";

/// How log lines are written to stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// One JSON object per line: `timestamp`, `level`, `target`, `fields`
    /// (with `message`), `span` and `spans` (docs/telemetry.md).
    #[default]
    Json,
    /// Human-readable lines (colours only when stdout is a terminal).
    Text,
}

impl FromStr for LogFormat {
    type Err = TelemetryError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "json" => Ok(LogFormat::Json),
            "text" => Ok(LogFormat::Text),
            _ => Err(TelemetryError::Config(format!(
                "log_format: `{s}` is neither `json` nor `text`"
            ))),
        }
    }
}

/// The `[telemetry]` table of the server's configuration.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TelemetryConfig {
    /// `json` (default) or `text`; logs always go to stdout.
    pub log_format: LogFormat,
    /// Which logs to write, in `EnvFilter` syntax (`info`,
    /// `warn,plancheck=debug` ...); default `info`. `PLANCHECK_LOG`, when
    /// set, replaces it.
    pub log_level: String,
    /// OTLP/HTTP traces endpoint, the full URL
    /// (`http://127.0.0.1:4318/v1/traces`); unset (default): no export.
    /// Plain `http://` only.
    pub otlp_endpoint: Option<String>,
    /// The `service.name` of exported spans; default `plancheck`.
    pub service_name: String,
    /// Bound on one export (all retries included) and on the flush at
    /// shutdown, milliseconds; default 3000.
    pub otlp_timeout_ms: u64,
}

impl Default for TelemetryConfig {
    fn default() -> Self {
        TelemetryConfig {
            log_format: LogFormat::Json,
            log_level: DEFAULT_LOG_LEVEL.to_string(),
            otlp_endpoint: None,
            service_name: DEFAULT_SERVICE_NAME.to_string(),
            otlp_timeout_ms: DEFAULT_OTLP_TIMEOUT_MS,
        }
    }
}

impl TelemetryConfig {
    /// Applies the `PLANCHECK_TELEMETRY_<KEY>` overrides (`var` reads the
    /// environment; tests pass a map). An empty `..._OTLP_ENDPOINT` turns
    /// export off.
    pub fn apply_env(
        &mut self,
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<(), TelemetryError> {
        let bad = |name: &str, v: &str, e: &dyn fmt::Display| {
            TelemetryError::Config(format!("environment variable {name}=`{v}`: {e}"))
        };
        if let Some(v) = var("PLANCHECK_TELEMETRY_LOG_FORMAT") {
            self.log_format = v
                .parse()
                .map_err(|e| bad("PLANCHECK_TELEMETRY_LOG_FORMAT", &v, &e))?;
        }
        if let Some(v) = var("PLANCHECK_TELEMETRY_LOG_LEVEL") {
            self.log_level = v;
        }
        if let Some(v) = var("PLANCHECK_TELEMETRY_OTLP_ENDPOINT") {
            self.otlp_endpoint = (!v.trim().is_empty()).then_some(v);
        }
        if let Some(v) = var("PLANCHECK_TELEMETRY_SERVICE_NAME") {
            self.service_name = v;
        }
        if let Some(v) = var("PLANCHECK_TELEMETRY_OTLP_TIMEOUT_MS") {
            self.otlp_timeout_ms = v
                .parse()
                .map_err(|e| bad("PLANCHECK_TELEMETRY_OTLP_TIMEOUT_MS", &v, &e))?;
        }
        self.validate()
    }

    /// Checks what serde cannot: the filter parses, the endpoint is an
    /// `http://` URL, the service name is not empty, the timeout is not 0.
    pub fn validate(&self) -> Result<(), TelemetryError> {
        EnvFilter::try_new(&self.log_level)
            .map_err(|e| TelemetryError::Config(format!("log_level: `{}`: {e}", self.log_level)))?;
        if let Some(ep) = &self.otlp_endpoint {
            let uri: axum::http::Uri = ep.parse().map_err(|e| {
                TelemetryError::Config(format!("otlp_endpoint: `{ep}` is not a URL: {e}"))
            })?;
            if uri.scheme_str() != Some("http") || uri.host().is_none() {
                return Err(TelemetryError::Config(format!(
                    "otlp_endpoint: `{ep}`: only http://HOST[:PORT]/PATH is supported \
                     (use a local collector to reach a TLS endpoint)"
                )));
            }
        }
        if self.service_name.trim().is_empty() {
            return Err(TelemetryError::Config("service_name is empty".into()));
        }
        if self.otlp_timeout_ms == 0 {
            return Err(TelemetryError::Config("otlp_timeout_ms must be > 0".into()));
        }
        Ok(())
    }

    /// [`Self::otlp_timeout_ms`] as a duration.
    pub fn otlp_timeout(&self) -> Duration {
        Duration::from_millis(self.otlp_timeout_ms.max(1))
    }
}

/// Why telemetry could not start.
#[derive(Debug, thiserror::Error)]
pub enum TelemetryError {
    /// A bad setting (the message names the key or variable).
    #[error("telemetry: {0}")]
    Config(String),
    /// The OTLP exporter could not be built.
    #[error("telemetry: cannot set up OTLP export: {0}")]
    Exporter(String),
    /// A global subscriber was already installed (e.g. the CLI's stderr
    /// logger): [`init`] must be the only one.
    #[error("telemetry: a global tracing subscriber is already installed: {0}")]
    AlreadyInstalled(String),
}

/// Keeps the OTLP pipeline alive: on drop, exports the spans still queued
/// and stops the exporter thread, waiting at most `otlp_timeout_ms`. Hold it
/// until the server has shut down.
#[must_use = "dropping the guard stops span export"]
#[derive(Debug)]
pub struct TelemetryGuard {
    provider: Option<SdkTracerProvider>,
    timeout: Duration,
}

impl TelemetryGuard {
    /// Whether spans are exported over OTLP.
    pub fn exporting(&self) -> bool {
        self.provider.is_some()
    }
}

impl Drop for TelemetryGuard {
    fn drop(&mut self) {
        if let Some(p) = self.provider.take() {
            if let Err(e) = p.shutdown_with_timeout(self.timeout) {
                tracing::warn!(error = %e, "telemetry: spans may have been lost at shutdown");
            }
        }
    }
}

/// Installs the global subscriber for `plancheck serve`: logs to stdout as
/// configured (filtered by `PLANCHECK_LOG` or `log_level`) and, when an
/// endpoint is configured, OTLP export of plancheck's spans at INFO and
/// above (independent of the log filter). Fails if a global subscriber
/// already exists.
pub fn init(cfg: &TelemetryConfig) -> Result<TelemetryGuard, TelemetryError> {
    cfg.validate()?;
    let filter = env_filter(cfg)?;
    let provider = tracer_provider(cfg)?;
    let fmt = fmt_layer(cfg.log_format, std::io::stdout).with_filter(filter);
    let otel = provider
        .as_ref()
        .map(|p| otel_layer(p).with_filter(otel_filter()));
    tracing_subscriber::registry()
        .with(fmt)
        .with(otel)
        .try_init()
        .map_err(|e| TelemetryError::AlreadyInstalled(e.to_string()))?;
    match &cfg.otlp_endpoint {
        Some(ep) => tracing::info!(
            otlp_endpoint = %ep,
            service_name = %cfg.service_name,
            "telemetry: exporting spans over OTLP/HTTP"
        ),
        None => tracing::debug!("telemetry: no OTLP endpoint; logs only"),
    }
    Ok(TelemetryGuard {
        provider,
        timeout: cfg.otlp_timeout(),
    })
}

/// The log filter: `PLANCHECK_LOG` if set (and valid), else `log_level`.
pub fn env_filter(cfg: &TelemetryConfig) -> Result<EnvFilter, TelemetryError> {
    if let Ok(f) = EnvFilter::try_from_env(LOG_ENV) {
        return Ok(f);
    }
    EnvFilter::try_new(&cfg.log_level)
        .map_err(|e| TelemetryError::Config(format!("log_level: `{}`: {e}", cfg.log_level)))
}

/// Which spans go to OTLP: plancheck's own at INFO and above; other crates'
/// only at WARN (as events inside ours).
pub fn otel_filter() -> Targets {
    Targets::new()
        .with_target("plancheck", LevelFilter::INFO)
        .with_default(LevelFilter::WARN)
}

/// The log layer: JSON or text lines to `writer` (stdout in [`init`]).
pub fn fmt_layer<S, W>(format: LogFormat, writer: W) -> Box<dyn Layer<S> + Send + Sync>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    match format {
        LogFormat::Json => tracing_subscriber::fmt::layer()
            .fmt_fields(JsonFields)
            .event_format(JsonFormat)
            .with_writer(writer)
            .boxed(),
        LogFormat::Text => tracing_subscriber::fmt::layer()
            .with_ansi(std::io::stdout().is_terminal())
            .with_writer(writer)
            .boxed(),
    }
}

/// The OTLP pipeline, or `None` when no endpoint is configured: an
/// OTLP/HTTP protobuf exporter on [`UreqClient`] behind the SDK's batch
/// span processor (its own thread; `OTEL_BSP_*` variables tune it). The
/// caller shuts it down ([`TelemetryGuard`] does).
pub fn tracer_provider(cfg: &TelemetryConfig) -> Result<Option<SdkTracerProvider>, TelemetryError> {
    let Some(endpoint) = cfg.otlp_endpoint.as_deref() else {
        return Ok(None);
    };
    let timeout = cfg.otlp_timeout();
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_protocol(Protocol::HttpBinary)
        .with_endpoint(endpoint)
        .with_timeout(timeout)
        .with_http_client(UreqClient::new(timeout))
        .build()
        .map_err(|e| TelemetryError::Exporter(e.to_string()))?;
    let resource = Resource::builder()
        .with_service_name(cfg.service_name.clone())
        .with_attribute(KeyValue::new("service.version", env!("CARGO_PKG_VERSION")))
        .build();
    Ok(Some(
        SdkTracerProvider::builder()
            .with_resource(resource)
            .with_batch_exporter(exporter)
            .build(),
    ))
}

/// The `tracing` → OpenTelemetry bridge for `provider` (unfiltered;
/// [`init`] adds [`otel_filter`]).
pub fn otel_layer<S>(provider: &SdkTracerProvider) -> impl Layer<S>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    tracing_opentelemetry::layer()
        .with_tracer(provider.tracer("plancheck"))
        .with_location(false)
        .with_threads(false)
}

/// The span around one rule pack call: `pack.check` with `pack.id`,
/// `pack.version`, `model.elements`; record the rest with
/// [`record_pack_outcome`]. Enter it (or `.instrument` the future) around
/// the call.
pub fn pack_span(pack: &str, version: &str, elements: usize) -> tracing::Span {
    tracing::info_span!(
        "pack.check",
        pack.id = pack,
        pack.version = version,
        model.elements = elements as u64,
        outcome = tracing::field::Empty,
        duration_ms = tracing::field::Empty,
        findings = tracing::field::Empty,
        otel.status_code = tracing::field::Empty,
    )
}

/// Records a pack call's `outcome` (`ok`, `error`, `timeout`, `memory`,
/// `trap` ...; as given to [`crate::metrics::Metrics::pack_check`]), its
/// duration and number of findings on a [`pack_span`]; a non-`ok` outcome
/// marks the exported span as an error.
pub fn record_pack_outcome(
    span: &tracing::Span,
    outcome: &str,
    duration: Duration,
    findings: Option<usize>,
) {
    span.record("outcome", outcome);
    span.record("duration_ms", duration.as_secs_f64() * 1000.0);
    if let Some(n) = findings {
        span.record("findings", n as u64);
    }
    if outcome != "ok" {
        span.record("otel.status_code", "ERROR");
    }
}

/// An [`HttpClient`] for the OTLP exporter over a blocking `ureq` agent:
/// plain HTTP, no proxy, no redirects, every request bounded by the
/// timeout. Its future does the whole exchange on first poll, which is
/// right on the batch span processor's dedicated thread (where the SDK
/// drives exports with a local executor) and wrong on an async runtime: do
/// not use it with an async-runtime processor. The first failed export
/// after a success is logged (warn), and the first success after failures
/// (info), so a dead collector does not flood the logs.
#[derive(Debug)]
pub struct UreqClient {
    agent: ureq::Agent,
    failing: AtomicBool,
}

/// Largest collector response read (the body is not used).
const MAX_RESPONSE_BYTES: u64 = 1 << 20;

impl UreqClient {
    /// A client whose every request (connect to last byte) takes at most
    /// `timeout`.
    pub fn new(timeout: Duration) -> UreqClient {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .http_status_as_error(false)
            .max_redirects(0)
            .proxy(None)
            .user_agent(concat!("plancheck/", env!("CARGO_PKG_VERSION")))
            .build()
            .new_agent();
        UreqClient {
            agent,
            failing: AtomicBool::new(false),
        }
    }

    /// Sends `request`, blocking.
    pub fn send_blocking(&self, request: Request<Bytes>) -> Result<Response<Bytes>, HttpError> {
        let uri = request.uri().clone();
        let result = self.exchange(request);
        let ok = matches!(&result, Ok(r) if r.status().is_success());
        if ok {
            if self.failing.swap(false, Ordering::Relaxed) {
                tracing::info!(endpoint = %uri, "telemetry: OTLP export works again");
            }
        } else if !self.failing.swap(true, Ordering::Relaxed) {
            let error = match &result {
                Ok(r) => format!("HTTP status {}", r.status()),
                Err(e) => e.to_string(),
            };
            tracing::warn!(
                endpoint = %uri,
                error = %error,
                "telemetry: OTLP export failed; spans are dropped until the collector answers"
            );
        }
        result
    }

    fn exchange(&self, request: Request<Bytes>) -> Result<Response<Bytes>, HttpError> {
        let (parts, body) = request.into_parts();
        let request = Request::from_parts(parts, &body[..]);
        let mut response = self.agent.run(request)?;
        let bytes = response
            .body_mut()
            .with_config()
            .limit(MAX_RESPONSE_BYTES)
            .read_to_vec()?;
        let (parts, _) = response.into_parts();
        Ok(Response::from_parts(parts, Bytes::from(bytes)))
    }
}

type SendFuture<'a> = Pin<Box<dyn Future<Output = Result<Response<Bytes>, HttpError>> + Send + 'a>>;

// `HttpClient` is an `#[async_trait]` trait; this is its expanded form, so
// the async-trait crate is not needed here.
impl HttpClient for UreqClient {
    fn send_bytes<'life0, 'async_trait>(
        &'life0 self,
        request: Request<Bytes>,
    ) -> SendFuture<'async_trait>
    where
        'life0: 'async_trait,
        Self: 'async_trait,
    {
        Box::pin(async move { self.send_blocking(request) })
    }
}

/// Span and event fields as a JSON object (the [`FormatFields`] of the JSON
/// log format): a span's fields are kept as JSON text and merged when
/// recorded later.
#[derive(Debug, Clone, Copy, Default)]
pub struct JsonFields;

impl<'w> FormatFields<'w> for JsonFields {
    fn format_fields<R: tracing_subscriber::field::RecordFields>(
        &self,
        mut writer: Writer<'w>,
        fields: R,
    ) -> fmt::Result {
        let mut v = JsonVisitor::default();
        fields.record(&mut v);
        writer.write_str(&Value::Object(v.0).to_string())
    }

    fn add_fields(
        &self,
        current: &'w mut FormattedFields<Self>,
        fields: &tracing::span::Record<'_>,
    ) -> fmt::Result {
        let old = serde_json::from_str::<Map<String, Value>>(&current.fields).unwrap_or_default();
        let mut v = JsonVisitor(old);
        fields.record(&mut v);
        current.fields = Value::Object(v.0).to_string();
        Ok(())
    }
}

/// One JSON object per event: `timestamp` (RFC 3339, UTC), `level`,
/// `target`, `fields` (the event's, with `message`), `span` (the innermost
/// span's fields and `name`) and `spans` (root first). The same shape as
/// tracing-subscriber's own JSON format.
#[derive(Debug, Clone, Copy, Default)]
pub struct JsonFormat;

impl<S> FormatEvent<S, JsonFields> for JsonFormat
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, JsonFields>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let meta = event.metadata();
        let mut timestamp = String::new();
        SystemTime.format_time(&mut Writer::new(&mut timestamp))?;
        let mut fields = JsonVisitor::default();
        event.record(&mut fields);

        // Written key by key: a stable order, timestamp first.
        let text = |s: &str| Value::String(s.to_string()).to_string();
        write!(
            writer,
            "{{\"timestamp\":{},\"level\":{},\"target\":{},\"fields\":{}",
            text(&timestamp),
            text(meta.level().as_str()),
            text(meta.target()),
            Value::Object(fields.0)
        )?;
        if let Some(scope) = ctx.event_scope() {
            let spans: Vec<Value> = scope
                .from_root()
                .map(|span| {
                    let mut m = span
                        .extensions()
                        .get::<FormattedFields<JsonFields>>()
                        .and_then(|f| serde_json::from_str::<Map<String, Value>>(&f.fields).ok())
                        .unwrap_or_default();
                    m.insert("name".into(), Value::String(span.name().to_string()));
                    Value::Object(m)
                })
                .collect();
            if let Some(last) = spans.last() {
                write!(
                    writer,
                    ",\"span\":{last},\"spans\":{}",
                    Value::Array(spans.clone())
                )?;
            }
        }
        writeln!(writer, "}}")
    }
}

/// Collects fields into a JSON map (numbers and booleans stay typed).
#[derive(Default)]
struct JsonVisitor(Map<String, Value>);

impl Visit for JsonVisitor {
    fn record_f64(&mut self, field: &Field, value: f64) {
        let v = serde_json::Number::from_f64(value)
            .map(Value::Number)
            .unwrap_or_else(|| Value::String(value.to_string()));
        self.0.insert(field.name().into(), v);
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name().into(), value.into());
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().into(), value.into());
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name().into(), value.into());
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().into(), value.into());
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.0
            .insert(field.name().into(), Value::String(value.to_string()));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0
            .insert(field.name().into(), Value::String(format!("{value:?}")));
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    #[test]
    fn defaults_toml_and_env() {
        let d = TelemetryConfig::default();
        assert_eq!(d.log_format, LogFormat::Json);
        assert_eq!(d.log_level, "info");
        assert_eq!(d.otlp_endpoint, None);
        assert_eq!(d.service_name, "plancheck");
        assert_eq!(d.otlp_timeout_ms, 3000);

        let c: TelemetryConfig = toml::from_str(
            "log_format = \"text\"\notlp_endpoint = \"http://127.0.0.1:4318/v1/traces\"\n",
        )
        .unwrap();
        assert_eq!(c.log_format, LogFormat::Text);
        assert_eq!(c.otlp_timeout_ms, 3000);
        c.validate().unwrap();
        assert!(toml::from_str::<TelemetryConfig>("colour = true").is_err());
        assert!(toml::from_str::<TelemetryConfig>("log_format = \"xml\"").is_err());

        let mut c = c;
        let env = |k: &str| match k {
            "PLANCHECK_TELEMETRY_LOG_FORMAT" => Some("json".to_string()),
            "PLANCHECK_TELEMETRY_LOG_LEVEL" => Some("warn,plancheck=debug".to_string()),
            "PLANCHECK_TELEMETRY_OTLP_ENDPOINT" => Some(String::new()),
            "PLANCHECK_TELEMETRY_SERVICE_NAME" => Some("pc-eu".to_string()),
            "PLANCHECK_TELEMETRY_OTLP_TIMEOUT_MS" => Some("500".to_string()),
            _ => None,
        };
        c.apply_env(env).unwrap();
        assert_eq!(
            c,
            TelemetryConfig {
                log_format: LogFormat::Json,
                log_level: "warn,plancheck=debug".into(),
                otlp_endpoint: None,
                service_name: "pc-eu".into(),
                otlp_timeout_ms: 500,
            }
        );
        let e = c
            .apply_env(|k| (k == "PLANCHECK_TELEMETRY_OTLP_TIMEOUT_MS").then(|| "x".into()))
            .unwrap_err();
        assert!(
            e.to_string()
                .contains("PLANCHECK_TELEMETRY_OTLP_TIMEOUT_MS"),
            "{e}"
        );
    }

    #[test]
    fn validation() {
        let ok = TelemetryConfig::default();
        let bad = |f: fn(&mut TelemetryConfig)| {
            let mut c = ok.clone();
            f(&mut c);
            c.validate().unwrap_err().to_string()
        };
        assert!(
            bad(|c| c.otlp_endpoint = Some("https://x:4318/v1/traces".into()))
                .contains("only http://")
        );
        assert!(bad(|c| c.otlp_endpoint = Some("not a url".into())).contains("otlp_endpoint"));
        assert!(bad(|c| c.log_level = "info,[".into()).contains("log_level"));
        assert!(bad(|c| c.otlp_timeout_ms = 0).contains("otlp_timeout_ms"));
        assert!(bad(|c| c.service_name = " ".into()).contains("service_name"));
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

    impl<'w> MakeWriter<'w> for Buf {
        type Writer = Buf;
        fn make_writer(&'w self) -> Buf {
            self.clone()
        }
    }

    #[test]
    fn json_lines_carry_event_and_span_fields() {
        let buf = Buf::default();
        let subscriber =
            tracing_subscriber::registry().with(fmt_layer(LogFormat::Json, buf.clone()));
        tracing::subscriber::with_default(subscriber, || {
            let req = tracing::info_span!(
                "http.request",
                http.route = "/v1/checks",
                http.response.status_code = tracing::field::Empty
            );
            let _r = req.enter();
            let pack = pack_span("us-ibc-2021", "1.2.0", 42);
            let _p = pack.enter();
            record_pack_outcome(&pack, "ok", Duration::from_millis(12), Some(3));
            req.record("http.response.status_code", 200u64);
            tracing::info!(answer = 42, quoted = "a \"b\"", "pack done");
        });
        let out = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
        let first = out.lines().next().expect("a line");
        assert!(first.starts_with(r#"{"timestamp":""#), "{first}");
        let line: Value = serde_json::from_str(first).unwrap();
        assert_eq!(line["level"], "INFO");
        assert_eq!(line["fields"]["message"], "pack done");
        assert_eq!(line["fields"]["answer"], 42);
        assert_eq!(line["fields"]["quoted"], "a \"b\"");
        assert!(line["timestamp"].as_str().unwrap().ends_with('Z'), "{line}");
        assert_eq!(line["span"]["name"], "pack.check");
        assert_eq!(line["span"]["pack.id"], "us-ibc-2021");
        assert_eq!(line["span"]["model.elements"], 42);
        assert_eq!(line["span"]["outcome"], "ok");
        assert_eq!(line["span"]["findings"], 3);
        assert_eq!(line["spans"][0]["name"], "http.request");
        assert_eq!(line["spans"][0]["http.route"], "/v1/checks");
        assert_eq!(line["spans"][0]["http.response.status_code"], 200);
    }

    #[test]
    fn text_lines() {
        let buf = Buf::default();
        let subscriber =
            tracing_subscriber::registry().with(fmt_layer(LogFormat::Text, buf.clone()));
        tracing::subscriber::with_default(subscriber, || {
            let _p = pack_span("us-ibc-2021", "1.2.0", 42).entered();
            tracing::warn!("slow");
        });
        let out = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
        assert!(out.contains("WARN"), "{out}");
        assert!(out.contains("pack.check{pack.id=\"us-ibc-2021\""), "{out}");
        assert!(out.contains("slow"), "{out}");
    }

    #[test]
    fn no_endpoint_no_provider() {
        assert!(tracer_provider(&TelemetryConfig::default())
            .unwrap()
            .is_none());
    }
}
