//! `plancheck serve` end to end: the real binary on a loopback port, the
//! real rule packs built as components, driven over HTTP as clients do.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

mod common;
use common::{model, packs_dir, root};

/// A running server; killed when dropped, so a failing test never leaves
/// one behind.
struct Server {
    child: Child,
    base: String,
    _stdout: BufReader<ChildStdout>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Compiled-pack cache shared by the servers of this test binary
/// (write-then-rename, safe across processes).
fn data_dir() -> PathBuf {
    let d = root().join("target").join("server-test-data");
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn start(packs: &Path, extra: &[&str]) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_plancheck"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(extra)
        .arg("--packs-dir")
        .arg(packs)
        .arg("--data-dir")
        .arg(data_dir())
        .env_remove("PLANCHECK_CONFIG")
        .env_remove("PLANCHECK_LISTEN")
        .env_remove("PLANCHECK_MAX_BODY_BYTES")
        .env_remove("PLANCHECK_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start plancheck serve");
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let base = line
        .trim()
        .strip_prefix("plancheck: listening on ")
        .unwrap_or_else(|| panic!("unexpected first line `{line}`"))
        .to_string();
    Server {
        child,
        base,
        _stdout: stdout,
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(120)))
        .build()
        .into()
}

struct Reply {
    status: u16,
    content_type: String,
    body: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// Asserts a problem+json of this status and type slug; returns it.
    fn problem(&self, status: u16, slug: &str) -> Value {
        assert_eq!(self.status, status, "{}", self.body);
        assert_eq!(
            self.content_type, "application/problem+json",
            "{}",
            self.body
        );
        let v = self.json();
        assert_eq!(v["type"], format!("urn:plancheck:problem:{slug}"), "{v}");
        assert_eq!(v["status"], status, "{v}");
        assert!(!v["title"].as_str().unwrap().is_empty(), "{v}");
        assert!(!v["detail"].as_str().unwrap().is_empty(), "{v}");
        v
    }
}

fn reply(r: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Reply {
    let mut r = r.expect("HTTP exchange");
    let content_type = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    Reply {
        status: r.status().as_u16(),
        content_type,
        body: r.body_mut().read_to_string().unwrap(),
    }
}

impl Server {
    fn get(&self, path: &str) -> Reply {
        reply(agent().get(format!("{}{path}", self.base)).call())
    }

    fn post(&self, path: &str, content_type: &str, body: &[u8]) -> Reply {
        reply(
            agent()
                .post(format!("{}{path}", self.base))
                .header("Content-Type", content_type)
                .send(body),
        )
    }

    fn ready(self) -> Self {
        let t = Instant::now();
        loop {
            let r = self.get("/readyz");
            if r.status == 200 {
                return self;
            }
            assert_eq!(r.status, 503, "{}", r.body);
            assert!(t.elapsed() < Duration::from_secs(300), "never ready");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

fn house() -> Vec<u8> {
    std::fs::read(model("house-ifc4-mm.ifc")).unwrap()
}

const OK_JSON: &str = r#"{"schema":"IFC4","elements":[
    {"id":"1hOSvn6df7F8_7GcBWlRGQ","class":"IfcStairFlight","name":"Good flight",
     "attributes":[
       {"name":"RiserHeight","value":{"type":"measure","value":{"kind":"length","si":0.17}},"dataType":"IfcPositiveLengthMeasure"},
       {"name":"TreadLength","value":{"type":"measure","value":{"kind":"length","si":0.29}},"dataType":"IfcPositiveLengthMeasure"}]}
]}"#;

fn riser_violation(v: &Value) -> bool {
    v["packs"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["findings"].as_array().unwrap())
        .any(|f| {
            f["rule"] == "stair-riser-height"
                && f["outcome"] == "violation"
                && f["elements"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|e| e == "0poOnmoe5MhO1eKI9qzZrB")
        })
}

#[test]
fn health_ready_packs_and_unknown_routes() {
    let s = start(packs_dir(), &[]);
    let r = s.get("/healthz");
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), serde_json::json!({"status": "ok"}));
    let s = s.ready();
    let r = s.get("/readyz");
    assert_eq!(r.content_type, "application/json");
    let v = r.json();
    assert_eq!(v["status"], "ready");
    assert_eq!(v["packs"], 3);
    assert_eq!(v["failures"].as_array().unwrap().len(), 0);

    let r = s.get("/v1/packs");
    assert_eq!(r.status, 200);
    assert_eq!(r.content_type, "application/json");
    let v = r.json();
    assert_eq!(v["format"], "1");
    let ids: Vec<&str> = v["packs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["manifest"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["uk-adk-2013", "us-ibc-2021", "us-irc-2021"]);
    assert_eq!(v["packs"][1]["digest"].as_str().unwrap().len(), 64);

    let p = s.get("/v1/nothing").problem(404, "not-found");
    assert_eq!(p["instance"], "/v1/nothing");
    s.get("/v1/checks").problem(405, "method-not-allowed");
}

#[test]
fn check_ifc_reports_the_known_violation() {
    let s = start(packs_dir(), &[]).ready();
    for ct in [
        "application/x-step",
        "model/ifc",
        "application/octet-stream",
    ] {
        let r = s.post("/v1/checks?pack=us-ibc-2021", ct, &house());
        assert_eq!(r.status, 200, "{ct}: {}", r.body);
        assert_eq!(r.content_type, "application/json");
        let v = r.json();
        assert_eq!(v["format"], "1");
        assert_eq!(v["model"]["schema"], "IFC4");
        assert_eq!(v["model"]["file"], "model.ifc");
        assert_eq!(v["packs"][0]["pack"], "us-ibc-2021");
        assert!(riser_violation(&v), "{ct}: {v}");
        assert!(v["summary"]["violation"].as_u64().unwrap() > 0);
    }
    // Only the rule asked; the model named.
    let r = s.post(
        "/v1/checks?pack=us-ibc-2021&rule=stair-riser-height&name=house.ifc",
        "application/ifc",
        &house(),
    );
    let v = r.json();
    assert_eq!(v["model"]["file"], "house.ifc");
    let rules: Vec<&str> = v["packs"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(
        !rules.is_empty() && rules.iter().all(|r| *r == "stair-riser-height"),
        "{rules:?}"
    );
}

#[test]
fn check_json_model_and_jurisdiction() {
    let s = start(packs_dir(), &[]).ready();
    let r = s.post(
        "/v1/checks?pack=us-ibc-2021&rule=stair-riser-height&rule=stair-tread-depth",
        "application/json; charset=utf-8",
        OK_JSON.as_bytes(),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let v = r.json();
    assert_eq!(v["summary"]["violation"], 0, "{v}");
    assert_eq!(v["summary"]["pass"], 2, "{v}");

    let r = s.post("/v1/checks?jurisdiction=US", "model/ifc", &house());
    assert_eq!(r.status, 200, "{}", r.body);
    let v = r.json();
    let packs: Vec<&str> = v["packs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["pack"].as_str().unwrap())
        .collect();
    assert_eq!(packs, ["us-ibc-2021", "us-irc-2021"]);
    assert!(riser_violation(&v));
}

#[test]
fn errors_are_problem_json() {
    let s = start(packs_dir(), &[]).ready();
    let ifc = house();
    let p = s
        .post("/v1/checks?pack=us-ibc-2020", "model/ifc", &ifc)
        .problem(400, "unknown-pack");
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("no pack `us-ibc-2020`"),
        "{p}"
    );
    assert_eq!(p["instance"], "/v1/checks");
    let p = s
        .post(
            "/v1/checks?pack=us-ibc-2021&rule=no-such-rule",
            "model/ifc",
            &ifc,
        )
        .problem(400, "unknown-rule");
    assert!(
        p["detail"].as_str().unwrap().contains("no-such-rule"),
        "{p}"
    );
    s.post("/v1/checks?jurisdiction=FR", "model/ifc", &ifc)
        .problem(400, "unknown-jurisdiction");
    let p = s
        .post("/v1/checks", "model/ifc", &ifc)
        .problem(400, "no-pack-selected");
    assert!(p["detail"].as_str().unwrap().contains("`pack`"), "{p}");
    s.post("/v1/checks?pack=us-ibc-2021&param=nodot", "model/ifc", &ifc)
        .problem(400, "bad-query");
    s.post("/v1/checks?pack=us-ibc-2021&bogus=1", "model/ifc", &ifc)
        .problem(400, "bad-query");
    s.post("/v1/checks?pack=us-ibc-2021", "application/xml", b"<ifc/>")
        .problem(415, "unsupported-media-type");
    s.post("/v1/checks?pack=us-ibc-2021", "text/plain", b"hello")
        .problem(415, "unsupported-media-type");

    let broken = "ISO-10303-21;\nHEADER;\nFILE_DESCRIPTION((''),'2;1');\nFILE_NAME('','',(''),(''),'','','');\nFILE_SCHEMA(('IFC4'));\nENDSEC;\nDATA;\n#1=IFCPROJECT('0YvctVUKr0kugbFTf53O9L',$,'P',$,$,$,$,$,$);\n#2=IFCDOOR('1";
    let p = s
        .post(
            "/v1/checks?pack=us-ibc-2021&name=broken.ifc",
            "application/x-step",
            broken.as_bytes(),
        )
        .problem(422, "model-invalid");
    assert_eq!(p["line"], 9, "{p}");
    assert!(
        p["detail"].as_str().unwrap().starts_with("broken.ifc:9"),
        "{p}"
    );
    let p = s
        .post(
            "/v1/checks?pack=us-ibc-2021",
            "application/json",
            b"{\"schema\": 3}",
        )
        .problem(422, "model-invalid");
    assert!(p["line"].is_number(), "{p}");
}

#[test]
fn a_body_over_the_limit_is_413() {
    let s = start(packs_dir(), &["--max-body-bytes", "1024"]).ready();
    let p = s
        .post(
            "/v1/checks?pack=us-ibc-2021",
            "model/ifc",
            &vec![b' '; 16 * 1024],
        )
        .problem(413, "body-too-large");
    assert_eq!(p["limit"], 1024);
    // Under the limit still works.
    let r = s.post(
        "/v1/checks?pack=us-ibc-2021",
        "application/json",
        OK_JSON.as_bytes(),
    );
    assert!(OK_JSON.len() < 1024);
    assert_eq!(r.status, 200, "{}", r.body);
}

#[test]
fn parallel_checks_all_succeed() {
    let s = start(packs_dir(), &["--max-concurrent-checks", "2"]).ready();
    let ifc = house();
    std::thread::scope(|sc| {
        let hs: Vec<_> = (0..6)
            .map(|_| sc.spawn(|| s.post("/v1/checks?pack=us-ibc-2021", "model/ifc", &ifc)))
            .collect();
        for h in hs {
            let r = h.join().unwrap();
            assert_eq!(r.status, 200, "{}", r.body);
            assert!(riser_violation(&r.json()));
        }
    });
}

#[test]
fn not_ready_without_a_packs_dir() {
    let missing = root().join("target").join("no-such-packs-dir");
    let s = start(&missing, &[]);
    let t = Instant::now();
    loop {
        let r = s.get("/readyz");
        let p = r.problem(503, "not-ready");
        if p["detail"].as_str().unwrap().contains("no-such-packs-dir") {
            break;
        }
        assert!(t.elapsed() < Duration::from_secs(60), "{p}");
        std::thread::sleep(Duration::from_millis(20));
    }
    s.get("/v1/packs").problem(503, "not-ready");
    s.post("/v1/checks?pack=x", "model/ifc", &house())
        .problem(503, "not-ready");
    assert_eq!(s.get("/healthz").status, 200);
}

#[test]
fn sigterm_shuts_down_cleanly() {
    let mut s = start(packs_dir(), &[]).ready();
    let st = Command::new("kill")
        .args(["-TERM", &s.child.id().to_string()])
        .status()
        .unwrap();
    assert!(st.success());
    let t = Instant::now();
    let status = loop {
        if let Some(st) = s.child.try_wait().unwrap() {
            break st;
        }
        assert!(
            t.elapsed() < Duration::from_secs(20),
            "did not exit on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status:?}");
}

#[test]
fn a_slow_check_times_out_with_504() {
    let s = start(packs_dir(), &["--request-timeout-ms", "1"]).ready();
    let big = std::fs::read(model("bench-10k-ifc4-mm.ifc")).unwrap();
    let p = s
        .post("/v1/checks?pack=us-ibc-2021", "model/ifc", &big)
        .problem(504, "timeout");
    assert!(p["detail"].as_str().unwrap().contains("1 ms"), "{p}");
    // The server is still serving.
    assert_eq!(s.get("/healthz").status, 200);
}

#[test]
fn a_config_file_with_an_unknown_key_is_refused_naming_key_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("plancheck.toml");
    std::fs::write(&f, "listen = \"127.0.0.1:0\"\n\nbogus_key = 1\n").unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_plancheck"))
        .args(["serve", "--config"])
        .arg(&f)
        .env_remove("PLANCHECK_LOG")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("plancheck.toml:3"), "{err}");
    assert!(err.contains("bogus_key"), "{err}");
}

#[test]
fn a_config_file_sets_the_body_limit() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("plancheck.toml");
    std::fs::write(&f, "max_body_bytes = 100\n").unwrap();
    let f = f.to_str().unwrap().to_string();
    let s = start(packs_dir(), &["--config", &f]).ready();
    s.post("/v1/checks?pack=us-ibc-2021", "model/ifc", &[b' '; 4096])
        .problem(413, "body-too-large");
}
