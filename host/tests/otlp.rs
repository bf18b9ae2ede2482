//! OTLP export end to end (crate::telemetry): spans reach a collector as
//! OTLP/HTTP protobuf POSTs; a dead or silent collector costs a bounded
//! wait and never blocks span emission.
//!
//! The collector is a std `TcpListener` thread that records each request
//! and answers 200. Protobuf strings are raw bytes, so span names and
//! attribute values can be found in the body without decoding it.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::sync::{mpsc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use plancheck::telemetry::{self, TelemetryConfig};
use tracing_subscriber::layer::SubscriberExt as _;

/// What the collector received.
#[derive(Debug)]
struct Received {
    method: String,
    path: String,
    content_type: String,
    body: Vec<u8>,
}

impl Received {
    fn contains(&self, needle: &[u8]) -> bool {
        self.body.windows(needle.len()).any(|w| w == needle)
    }
}

/// Starts a collector; returns its traces URL and what it receives.
fn collector() -> (String, mpsc::Receiver<Received>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let tx = tx.clone();
            std::thread::spawn(move || {
                let _ = serve_one(stream, &tx);
            });
        }
    });
    (format!("http://{addr}/v1/traces"), rx)
}

/// Reads requests off one connection (keep-alive), records each, answers
/// 200 with an empty body.
fn serve_one(stream: TcpStream, tx: &mpsc::Sender<Received>) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut out = stream;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let mut parts = line.split_whitespace();
        let method = parts.next().unwrap_or_default().to_string();
        let path = parts.next().unwrap_or_default().to_string();
        let mut content_type = String::new();
        let mut length = 0usize;
        loop {
            let mut h = String::new();
            reader.read_line(&mut h)?;
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            let (name, value) = h.split_once(':').unwrap_or((h, ""));
            match name.to_ascii_lowercase().as_str() {
                "content-type" => content_type = value.trim().to_string(),
                "content-length" => length = value.trim().parse().unwrap_or(0),
                _ => {}
            }
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body)?;
        let _ = tx.send(Received {
            method,
            path,
            content_type,
            body,
        });
        out.write_all(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\nContent-Length: 0\r\n\r\n",
        )?;
        out.flush()?;
    }
}

/// The tests share callsites (and one installs the global subscriber):
/// run them one at a time, so no callsite's cached interest is computed
/// while another test's subscriber comes or goes.
fn serial() -> MutexGuard<'static, ()> {
    static SERIAL: Mutex<()> = Mutex::new(());
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

fn config(endpoint: &str, timeout_ms: u64) -> TelemetryConfig {
    TelemetryConfig {
        otlp_endpoint: Some(endpoint.to_string()),
        otlp_timeout_ms: timeout_ms,
        service_name: "plancheck-test".into(),
        ..TelemetryConfig::default()
    }
}

/// The spans of one request checking one pack.
fn emit_request_with_pack_call() {
    let req = tracing::info_span!(
        target: "plancheck::api::telemetry",
        "http.request",
        http.request.method = "POST",
        http.route = "/v1/checks"
    );
    let _r = req.enter();
    let pack = telemetry::pack_span("us-ibc-2021", "1.2.0", 42);
    let _p = pack.enter();
    telemetry::record_pack_outcome(&pack, "ok", Duration::from_millis(7), Some(3));
}

/// Every request the collector got within `wait`, body bytes concatenated
/// per request.
fn drain(rx: &mpsc::Receiver<Received>, wait: Duration) -> Vec<Received> {
    let mut got = Vec::new();
    let deadline = Instant::now() + wait;
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match rx.recv_timeout(left) {
            Ok(r) => got.push(r),
            Err(_) => break,
        }
        if !got.is_empty() {
            // Whatever else is already queued, then stop.
            while let Ok(r) = rx.try_recv() {
                got.push(r);
            }
            break;
        }
    }
    got
}

#[test]
fn spans_reach_the_collector_as_otlp_http_protobuf() {
    let _serial = serial();
    let (url, rx) = collector();
    let provider = telemetry::tracer_provider(&config(&url, 2000))
        .unwrap()
        .expect("an endpoint gives a provider");
    let subscriber = tracing_subscriber::registry().with(telemetry::otel_layer(&provider));
    tracing::subscriber::with_default(subscriber, emit_request_with_pack_call);
    provider.force_flush().expect("flushed");

    let got = drain(&rx, Duration::from_secs(5));
    assert!(!got.is_empty(), "the collector received nothing");
    let r = &got[0];
    assert_eq!(r.method, "POST");
    assert_eq!(r.path, "/v1/traces");
    assert_eq!(r.content_type, "application/x-protobuf");
    for needle in [
        &b"pack.check"[..],
        b"us-ibc-2021",
        b"pack.version",
        b"1.2.0",
        b"model.elements",
        b"outcome",
        b"http.request",
        b"/v1/checks",
        b"plancheck-test",
    ] {
        assert!(
            got.iter().any(|r| r.contains(needle)),
            "no `{}` in what the collector got",
            String::from_utf8_lossy(needle)
        );
    }
    provider.shutdown().expect("shut down");
}

#[test]
fn init_exports_plancheck_spans_through_the_global_subscriber() {
    let _serial = serial();
    // The only test in this binary that installs the global subscriber.
    let (url, rx) = collector();
    let guard = telemetry::init(&config(&url, 2000)).expect("telemetry starts");
    assert!(guard.exporting());
    emit_request_with_pack_call();
    {
        // Not plancheck's: below the OTLP filter's WARN for other targets.
        let _s = tracing::info_span!(target: "somebody_else", "not.exported").entered();
    }
    // A second global subscriber is refused, not silently ignored.
    let again = telemetry::init(&TelemetryConfig::default()).unwrap_err();
    assert!(again.to_string().contains("already installed"), "{again}");
    let t = Instant::now();
    drop(guard); // flushes and stops the exporter
    assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());

    let got = drain(&rx, Duration::from_secs(5));
    assert!(got.iter().any(|r| r.contains(b"pack.check")), "{got:?}");
    assert!(got.iter().any(|r| r.contains(b"us-ibc-2021")));
    assert!(!got.iter().any(|r| r.contains(b"not.exported")));
}

#[test]
fn a_dead_collector_costs_a_bounded_flush_and_never_blocks_spans() {
    let _serial = serial();
    // Connection refused: a port nobody listens on.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let provider =
        telemetry::tracer_provider(&config(&format!("http://127.0.0.1:{port}/v1/traces"), 500))
            .unwrap()
            .unwrap();
    let subscriber = tracing_subscriber::registry().with(telemetry::otel_layer(&provider));
    let t = Instant::now();
    tracing::subscriber::with_default(subscriber, || {
        for _ in 0..1000 {
            emit_request_with_pack_call();
        }
    });
    assert!(
        t.elapsed() < Duration::from_secs(2),
        "emitting spans waited for the collector: {:?}",
        t.elapsed()
    );
    let t = Instant::now();
    let flushed = provider.force_flush();
    assert!(
        t.elapsed() < Duration::from_secs(4),
        "flush took {:?}",
        t.elapsed()
    );
    // (The spans may have gone in batches before the flush: its own result
    // can be Ok; what matters is that it returned in time.)
    drop(flushed);
    let t = Instant::now();
    let _ = provider.shutdown_with_timeout(Duration::from_millis(500));
    assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
}

#[test]
fn a_silent_collector_is_cut_off_by_the_timeout() {
    let _serial = serial();
    // Accepts connections, never answers.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in listener.incoming() {
            held.push(s);
        }
    });
    let provider = telemetry::tracer_provider(&config(&format!("http://{addr}/v1/traces"), 500))
        .unwrap()
        .unwrap();
    let subscriber = tracing_subscriber::registry().with(telemetry::otel_layer(&provider));
    tracing::subscriber::with_default(subscriber, emit_request_with_pack_call);
    let t = Instant::now();
    let flushed = provider.force_flush();
    assert!(
        t.elapsed() < Duration::from_secs(4),
        "flush took {:?}",
        t.elapsed()
    );
    assert!(flushed.is_err());
    let _ = provider.shutdown_with_timeout(Duration::from_millis(500));
}
