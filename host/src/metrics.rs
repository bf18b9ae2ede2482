//! Prometheus metrics of `plancheck serve`, served at `GET /metrics`.
//!
//! One [`Metrics`] per server owns a [`prometheus_client`] registry and a
//! typed family per metric; every name is prefixed `plancheck_`. Callers
//! record through plain methods ([`Metrics::request`],
//! [`Metrics::pack_check`], [`Metrics::cache_hit`] ...) and never touch
//! `prometheus_client` types. [`Metrics::render`] encodes the registry as
//! OpenMetrics text ([`CONTENT_TYPE`]). The list, with types, labels and
//! meaning, is in docs/telemetry.md; docs/grafana-dashboard.json charts them
//! (a test below keeps the two in step).
//!
//! Label values must come from small, fixed sets (route templates, pack ids,
//! outcome and reason words), never from request data: every distinct value
//! is a new time series.

use std::fmt;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Registry, Unit};

/// The `Content-Type` of [`Metrics::render`]'s output: OpenMetrics 1.0 text,
/// which Prometheus (2.x and 3.x) scrapes natively.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Upper bounds (seconds) of every duration histogram: 0.1 ms to 30 s in
/// 1-2.5-5 steps, plus the implicit `+Inf`.
pub const DURATION_BUCKETS: [f64; 17] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
    5.0, 10.0, 30.0,
];

fn duration_histogram() -> Histogram {
    Histogram::new(DURATION_BUCKETS)
}

type HistogramFamily<L> = Family<L, Histogram, fn() -> Histogram>;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PackCheckLabels {
    pack: String,
    version: String,
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PackLabels {
    pack: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct FindingLabels {
    pack: String,
    severity: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CauseLabels {
    cause: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DenialLabels {
    reason: String,
    status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DirectionLabels {
    direction: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabels {
    reason: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ActionLabels {
    action: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct VersionLabels {
    version: String,
}

/// Every metric of the server. Cheap to record into from any thread; share
/// it as `Arc<Metrics>`.
pub struct Metrics {
    registry: Registry,
    http_requests: Family<RequestLabels, Counter>,
    http_request_duration: HistogramFamily<RouteLabels>,
    pack_checks: Family<PackCheckLabels, Counter>,
    pack_check_duration: HistogramFamily<PackLabels>,
    findings: Family<FindingLabels, Counter>,
    cache_hits: Counter,
    cache_misses: Counter,
    cache_evictions: Family<CauseLabels, Counter>,
    cache_entries: Gauge,
    auth_denials: Family<DenialLabels, Counter>,
    validations_stored: Counter,
    store_flush_duration: Histogram,
    ws_sessions: Gauge,
    ws_messages: Family<DirectionLabels, Counter>,
    ws_slow_consumer_disconnects: Counter,
    checks_in_flight: Gauge,
    checks_queued: Gauge,
    pack_publishes: Counter,
    pack_refusals: Family<ReasonLabels, Counter>,
    pack_activation_duration: HistogramFamily<ActionLabels>,
}

impl fmt::Debug for Metrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    /// A registry with every family registered (empty until recorded into,
    /// except `plancheck_build_info`, set to 1 for this version).
    pub fn new() -> Metrics {
        let mut r = Registry::with_prefix("plancheck");

        let http_requests = Family::<RequestLabels, Counter>::default();
        r.register(
            "http_requests",
            "HTTP requests answered, by method, route template and status",
            http_requests.clone(),
        );
        let http_request_duration =
            HistogramFamily::<RouteLabels>::new_with_constructor(duration_histogram);
        r.register_with_unit(
            "http_request_duration",
            "HTTP request latency, from request head to response head",
            Unit::Seconds,
            http_request_duration.clone(),
        );

        let pack_checks = Family::<PackCheckLabels, Counter>::default();
        r.register(
            "pack_checks",
            "Rule pack calls, by pack, version and outcome (ok, error, timeout, memory, trap ...)",
            pack_checks.clone(),
        );
        let pack_check_duration =
            HistogramFamily::<PackLabels>::new_with_constructor(duration_histogram);
        r.register_with_unit(
            "pack_check_duration",
            "Wall time of one rule pack call",
            Unit::Seconds,
            pack_check_duration.clone(),
        );
        let findings = Family::<FindingLabels, Counter>::default();
        r.register(
            "findings",
            "Findings reported, by pack and severity (violation, warning, not-assessable, pass)",
            findings.clone(),
        );

        let cache_hits = Counter::default();
        r.register(
            "cache_hits",
            "Result cache lookups that found an entry",
            cache_hits.clone(),
        );
        let cache_misses = Counter::default();
        r.register(
            "cache_misses",
            "Result cache lookups that found nothing",
            cache_misses.clone(),
        );
        let cache_evictions = Family::<CauseLabels, Counter>::default();
        r.register(
            "cache_evictions",
            "Result cache entries removed, by cause (size, expired, explicit, replaced)",
            cache_evictions.clone(),
        );
        let cache_entries = Gauge::default();
        r.register(
            "cache_entries",
            "Entries in the result cache",
            cache_entries.clone(),
        );

        let auth_denials = Family::<DenialLabels, Counter>::default();
        r.register(
            "auth_denials",
            "Requests refused by authentication or authorisation, by reason and status",
            auth_denials.clone(),
        );

        let validations_stored = Counter::default();
        r.register(
            "validations_stored",
            "Validation results written to the store",
            validations_stored.clone(),
        );
        let store_flush_duration = duration_histogram();
        r.register_with_unit(
            "store_flush_duration",
            "Time to flush the store to disk",
            Unit::Seconds,
            store_flush_duration.clone(),
        );

        let ws_sessions = Gauge::default();
        r.register(
            "ws_sessions",
            "Open live (WebSocket) sessions",
            ws_sessions.clone(),
        );
        let ws_messages = Family::<DirectionLabels, Counter>::default();
        r.register(
            "ws_messages",
            "WebSocket messages, by direction (in, out)",
            ws_messages.clone(),
        );
        let ws_slow_consumer_disconnects = Counter::default();
        r.register(
            "ws_slow_consumer_disconnects",
            "Live sessions closed because the client did not keep up",
            ws_slow_consumer_disconnects.clone(),
        );

        let checks_in_flight = Gauge::default();
        r.register(
            "checks_in_flight",
            "Checks running now",
            checks_in_flight.clone(),
        );
        let checks_queued = Gauge::default();
        r.register(
            "checks_queued",
            "Checks waiting for a free slot",
            checks_queued.clone(),
        );

        let pack_publishes = Counter::default();
        r.register(
            "pack_publishes",
            "Pack versions published (verified, compiled, smoke-tested, stored)",
            pack_publishes.clone(),
        );
        let pack_refusals = Family::<ReasonLabels, Counter>::default();
        r.register(
            "pack_refusals",
            "Pack artifacts refused, by reason (unsigned, tampered, wrong_publisher, smoke_test, ...)",
            pack_refusals.clone(),
        );
        let pack_activation_duration =
            HistogramFamily::<ActionLabels>::new_with_constructor(duration_histogram);
        r.register_with_unit(
            "pack_activation_duration",
            "Time from an activation, rollback or deactivation call to the swap, store flush included",
            Unit::Seconds,
            pack_activation_duration.clone(),
        );

        let build_info = Family::<VersionLabels, Gauge>::default();
        build_info
            .get_or_create(&VersionLabels {
                version: env!("CARGO_PKG_VERSION").to_string(),
            })
            .set(1);
        r.register(
            "build_info",
            "Always 1; the label carries the plancheck version",
            build_info,
        );

        Metrics {
            registry: r,
            http_requests,
            http_request_duration,
            pack_checks,
            pack_check_duration,
            findings,
            cache_hits,
            cache_misses,
            cache_evictions,
            cache_entries,
            auth_denials,
            validations_stored,
            store_flush_duration,
            ws_sessions,
            ws_messages,
            ws_slow_consumer_disconnects,
            checks_in_flight,
            checks_queued,
            pack_publishes,
            pack_refusals,
            pack_activation_duration,
        }
    }

    /// A pack version was published.
    pub fn pack_published(&self) {
        self.pack_publishes.inc();
    }

    /// A pack artifact was refused; `reason` is the refusal's stable word.
    pub fn pack_refused(&self, reason: &str) {
        self.pack_refusals
            .get_or_create(&ReasonLabels {
                reason: reason.to_string(),
            })
            .inc();
    }

    /// An activation (`pack.activate`, `pack.rollback`, `pack.deactivate`)
    /// took `secs` from the call to the swap.
    pub fn pack_activation(&self, action: &str, secs: f64) {
        self.pack_activation_duration
            .get_or_create(&ActionLabels {
                action: action.to_string(),
            })
            .observe(secs);
    }

    /// One answered HTTP request: `route` is the route template
    /// (`/v1/checks`, `/v1/validations/{id}`) or `unmatched`, never the raw
    /// path; `secs` its latency.
    pub fn request(&self, method: &str, route: &str, status: u16, secs: f64) {
        self.http_requests
            .get_or_create(&RequestLabels {
                method: method.to_string(),
                route: route.to_string(),
                status: status.to_string(),
            })
            .inc();
        self.http_request_duration
            .get_or_create(&RouteLabels {
                method: method.to_string(),
                route: route.to_string(),
            })
            .observe(secs);
    }

    /// One rule pack call: `outcome` is `ok` or the failure's kind (`error`,
    /// `timeout`, `memory`, `trap` ...); `secs` its wall time.
    pub fn pack_check(&self, pack: &str, version: &str, outcome: &str, secs: f64) {
        self.pack_checks
            .get_or_create(&PackCheckLabels {
                pack: pack.to_string(),
                version: version.to_string(),
                outcome: outcome.to_string(),
            })
            .inc();
        self.pack_check_duration
            .get_or_create(&PackLabels {
                pack: pack.to_string(),
            })
            .observe(secs);
    }

    /// `n` findings of `severity` (`violation`, `warning`, `not-assessable`,
    /// `pass`) reported by `pack`. `n == 0` still creates the series.
    pub fn findings(&self, pack: &str, severity: &str, n: u64) {
        self.findings
            .get_or_create(&FindingLabels {
                pack: pack.to_string(),
                severity: severity.to_string(),
            })
            .inc_by(n);
    }

    /// A result cache lookup found an entry.
    pub fn cache_hit(&self) {
        self.cache_hits.inc();
    }

    /// A result cache lookup found nothing.
    pub fn cache_miss(&self) {
        self.cache_misses.inc();
    }

    /// A result cache entry was removed; `cause` as moka's `RemovalCause`,
    /// lower-case: `size`, `expired`, `explicit`, `replaced`.
    pub fn cache_eviction(&self, cause: &str) {
        self.cache_evictions
            .get_or_create(&CauseLabels {
                cause: cause.to_string(),
            })
            .inc();
    }

    /// The result cache now holds `n` entries.
    pub fn set_cache_entries(&self, n: u64) {
        self.cache_entries.set(i64::try_from(n).unwrap_or(i64::MAX));
    }

    /// A request was refused by authentication/authorisation (`reason`: a
    /// fixed word such as `missing`, `expired`, `forbidden`; `status`: 401
    /// or 403). [`crate::api::telemetry::track`] calls this for every such
    /// response; other code need not.
    pub fn auth_denied(&self, reason: &str, status: u16) {
        self.auth_denials
            .get_or_create(&DenialLabels {
                reason: reason.to_string(),
                status: status.to_string(),
            })
            .inc();
    }

    /// A validation result was written to the store.
    pub fn validation_stored(&self) {
        self.validations_stored.inc();
    }

    /// The store was flushed to disk in `secs`.
    pub fn store_flush(&self, secs: f64) {
        self.store_flush_duration.observe(secs);
    }

    /// A live session opened; the returned guard counts it until dropped.
    pub fn ws_session(&self) -> GaugeGuard {
        GaugeGuard::new(&self.ws_sessions)
    }

    /// A WebSocket message went `direction` (`in`: from the client, `out`:
    /// to it).
    pub fn ws_message(&self, direction: &str) {
        self.ws_messages
            .get_or_create(&DirectionLabels {
                direction: direction.to_string(),
            })
            .inc();
    }

    /// A live session was closed because its client did not keep up.
    pub fn ws_slow_consumer_disconnect(&self) {
        self.ws_slow_consumer_disconnects.inc();
    }

    /// A check is waiting for a slot; the guard counts it (in
    /// `plancheck_checks_queued`) until dropped.
    pub fn check_queued(&self) -> GaugeGuard {
        GaugeGuard::new(&self.checks_queued)
    }

    /// A check is running; the guard counts it (in
    /// `plancheck_checks_in_flight`) until dropped.
    pub fn check_in_flight(&self) -> GaugeGuard {
        GaugeGuard::new(&self.checks_in_flight)
    }

    /// The registry as OpenMetrics text (serve with [`CONTENT_TYPE`]), ending
    /// in `# EOF`.
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(8 << 10);
        prometheus_client::encoding::text::encode(&mut out, &self.registry)
            .expect("writing to a String cannot fail");
        out
    }
}

/// Holds one unit of a gauge (open sessions, queued or running checks):
/// incremented on creation, decremented on drop, so early returns, errors
/// and panics cannot leave the gauge high.
#[must_use = "the gauge goes back down when the guard is dropped"]
#[derive(Debug)]
pub struct GaugeGuard(Gauge);

impl GaugeGuard {
    fn new(gauge: &Gauge) -> GaugeGuard {
        gauge.inc();
        GaugeGuard(gauge.clone())
    }
}

impl Drop for GaugeGuard {
    fn drop(&mut self) {
        self.0.dec();
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// Records into every family, so every series name appears.
    fn everything() -> Metrics {
        let m = Metrics::new();
        m.request("POST", "/v1/checks", 200, 0.042);
        m.request("GET", "unmatched", 404, 0.0002);
        m.pack_check("us-ibc-2021", "1.2.0", "ok", 0.01);
        m.pack_check("us-ibc-2021", "1.2.0", "timeout", 5.0);
        m.findings("us-ibc-2021", "violation", 3);
        m.findings("us-ibc-2021", "pass", 0);
        m.cache_hit();
        m.cache_hit();
        m.cache_miss();
        m.cache_eviction("size");
        m.set_cache_entries(17);
        m.auth_denied("missing", 401);
        m.validation_stored();
        m.store_flush(0.003);
        std::mem::forget(m.ws_session());
        m.ws_message("out");
        m.ws_slow_consumer_disconnect();
        std::mem::forget(m.check_in_flight());
        std::mem::forget(m.check_queued());
        std::mem::forget(m.check_queued());
        m.pack_published();
        m.pack_refused("tampered");
        m.pack_activation("pack.activate", 0.002);
        m
    }

    /// The sample names (`name` of `name{labels} value`) of a rendering.
    fn sample_names(text: &str) -> BTreeSet<String> {
        text.lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .map(|l| {
                l.split(['{', ' '])
                    .next()
                    .expect("a sample line has a name")
                    .to_string()
            })
            .collect()
    }

    #[test]
    fn renders_every_family_with_recorded_values() {
        let text = everything().render();
        for line in [
            r#"plancheck_http_requests_total{method="POST",route="/v1/checks",status="200"} 1"#,
            r#"plancheck_http_requests_total{method="GET",route="unmatched",status="404"} 1"#,
            r#"plancheck_http_request_duration_seconds_count{method="POST",route="/v1/checks"} 1"#,
            r#"plancheck_http_request_duration_seconds_bucket{le="0.05",method="POST",route="/v1/checks"} 1"#,
            r#"plancheck_http_request_duration_seconds_bucket{le="0.025",method="POST",route="/v1/checks"} 0"#,
            r#"plancheck_pack_checks_total{pack="us-ibc-2021",version="1.2.0",outcome="ok"} 1"#,
            r#"plancheck_pack_checks_total{pack="us-ibc-2021",version="1.2.0",outcome="timeout"} 1"#,
            r#"plancheck_pack_check_duration_seconds_count{pack="us-ibc-2021"} 2"#,
            r#"plancheck_findings_total{pack="us-ibc-2021",severity="violation"} 3"#,
            r#"plancheck_findings_total{pack="us-ibc-2021",severity="pass"} 0"#,
            "plancheck_cache_hits_total 2",
            "plancheck_cache_misses_total 1",
            r#"plancheck_cache_evictions_total{cause="size"} 1"#,
            "plancheck_cache_entries 17",
            r#"plancheck_auth_denials_total{reason="missing",status="401"} 1"#,
            "plancheck_validations_stored_total 1",
            "plancheck_store_flush_duration_seconds_count 1",
            "plancheck_ws_sessions 1",
            r#"plancheck_ws_messages_total{direction="out"} 1"#,
            "plancheck_ws_slow_consumer_disconnects_total 1",
            "plancheck_checks_in_flight 1",
            "plancheck_checks_queued 2",
            "plancheck_pack_publishes_total 1",
            r#"plancheck_pack_refusals_total{reason="tampered"} 1"#,
            r#"plancheck_pack_activation_duration_seconds_count{action="pack.activate"} 1"#,
            &format!(
                r#"plancheck_build_info{{version="{}"}} 1"#,
                env!("CARGO_PKG_VERSION")
            ),
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "missing `{line}` in:\n{text}"
            );
        }
        assert!(text.contains("# TYPE plancheck_http_request_duration_seconds histogram"));
        assert!(text.contains("# UNIT plancheck_http_request_duration_seconds seconds"));
        assert!(text.ends_with("# EOF\n"), "{text}");
        // The 0.1 ms and 30 s bounds, and +Inf.
        assert!(text.contains(r#"le="0.0001""#) || text.contains(r#"le="1e-4""#));
        assert!(text.contains(r#"le="30.0""#));
        assert!(text.contains(r#"le="+Inf""#));
    }

    #[test]
    fn fresh_registry_has_zeros_and_build_info_but_no_labelled_series() {
        let text = Metrics::new().render();
        for line in [
            "plancheck_cache_hits_total 0",
            "plancheck_checks_in_flight 0",
            "plancheck_store_flush_duration_seconds_count 0",
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "missing `{line}` in:\n{text}"
            );
        }
        let names = sample_names(&text);
        assert!(names.contains("plancheck_build_info"), "{text}");
        assert!(!names.contains("plancheck_http_requests_total"), "{text}");
        assert!(!names.contains("plancheck_findings_total"), "{text}");
    }

    #[test]
    fn gauge_guards_go_back_down() {
        let m = Metrics::new();
        {
            let _a = m.check_in_flight();
            let _b = m.check_in_flight();
            let _s = m.ws_session();
            assert!(m.render().contains("plancheck_checks_in_flight 2\n"));
        }
        let text = m.render();
        assert!(text.contains("plancheck_checks_in_flight 0\n"), "{text}");
        assert!(text.contains("plancheck_ws_sessions 0\n"), "{text}");
    }

    /// Every `plancheck_*` name in the dashboard's queries is a series we
    /// export: the dashboard cannot chart a metric that does not exist.
    #[test]
    fn dashboard_queries_only_exported_metrics() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../docs/grafana-dashboard.json"
        );
        let text = std::fs::read_to_string(path).expect("docs/grafana-dashboard.json");
        let dashboard: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
        assert!(
            dashboard["schemaVersion"].as_u64().expect("schemaVersion") >= 39,
            "schemaVersion"
        );

        let mut exprs = Vec::new();
        collect_exprs(&dashboard, &mut exprs);
        assert!(exprs.len() >= 10, "only {} queries", exprs.len());

        let exported = sample_names(&everything().render());
        let mut used = BTreeSet::new();
        for e in &exprs {
            for name in metric_names(e) {
                assert!(
                    exported.contains(&name),
                    "the dashboard queries `{name}` (in `{e}`), which is not exported; \
                     exported: {exported:?}"
                );
                used.insert(name);
            }
        }
        // And it charts every family (names without the series suffixes).
        let families = |names: &BTreeSet<String>| -> BTreeSet<String> {
            names
                .iter()
                .map(|n| {
                    let n = n.strip_suffix("_bucket").unwrap_or(n);
                    let n = n.strip_suffix("_sum").unwrap_or(n);
                    n.strip_suffix("_count").unwrap_or(n).to_string()
                })
                .collect()
        };
        let missing: Vec<_> = families(&exported)
            .difference(&families(&used))
            .cloned()
            .collect();
        assert!(missing.is_empty(), "not on the dashboard: {missing:?}");
    }

    /// Every `expr` string (panel targets, template variable queries).
    fn collect_exprs(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, v) in m {
                    match (k.as_str(), v) {
                        ("expr", serde_json::Value::String(s)) => out.push(s.clone()),
                        _ => collect_exprs(v, out),
                    }
                }
            }
            serde_json::Value::Array(a) => a.iter().for_each(|v| collect_exprs(v, out)),
            _ => {}
        }
    }

    /// The `plancheck_…` identifiers in a PromQL expression.
    fn metric_names(expr: &str) -> Vec<String> {
        let mut names = Vec::new();
        let mut rest = expr;
        while let Some(i) = rest.find("plancheck_") {
            let preceded_by_ident = rest[..i]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
            let tail = &rest[i..];
            let end = tail
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
                .unwrap_or(tail.len());
            if !preceded_by_ident {
                names.push(tail[..end].to_string());
            }
            rest = &tail[end..];
        }
        names
    }

    #[test]
    fn metric_names_in_promql() {
        assert_eq!(
            metric_names(
                r#"histogram_quantile(0.99, sum by (le) (rate(plancheck_http_request_duration_seconds_bucket{route!="unmatched"}[5m]))) / plancheck_x_total"#
            ),
            vec![
                "plancheck_http_request_duration_seconds_bucket",
                "plancheck_x_total"
            ]
        );
    }
}
