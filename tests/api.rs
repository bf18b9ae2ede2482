//! `plancheck serve` end to end: the real server on a loopback port, the
//! real rule packs built as components, driven over HTTP as API clients
//! do — every route, every auth case, bad input, the cache, persistence
//! across a kill, the OpenAPI document and the metrics.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine;
use plancheck_e2e::server::{fresh_data_dir, model_bytes, packs_dir, Options, Server};
use plancheck_e2e::server_bin;
use serde_json::{json, Value};

fn house() -> Vec<u8> {
    model_bytes("house-ifc4-mm.ifc")
}

const OK_JSON: &str = r#"{"schema":"IFC4","elements":[
    {"id":"1hOSvn6df7F8_7GcBWlRGQ","class":"IfcStairFlight","name":"Good flight",
     "attributes":[
       {"name":"RiserHeight","value":{"type":"measure","value":{"kind":"length","si":0.17}},"dataType":"IfcPositiveLengthMeasure"},
       {"name":"TreadLength","value":{"type":"measure","value":{"kind":"length","si":0.29}},"dataType":"IfcPositiveLengthMeasure"}]}
]}"#;

/// The steep stair of the house fixture violates the riser limit.
fn riser_violation(report: &Value) -> bool {
    report["packs"]
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

fn start() -> Server {
    Server::start(server_bin!())
}

fn start_args(args: &[&str]) -> Server {
    Server::start_with(
        server_bin!(),
        Options {
            args: args.iter().map(|s| s.to_string()).collect(),
            ..Options::default()
        },
    )
    .ready()
}

/// A token signed with `secret` and these claims (HS256 unless `alg`).
fn sign(secret: &[u8], claims: &Value) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        claims,
        &jsonwebtoken::EncodingKey::from_secret(secret),
    )
    .unwrap()
}

fn dev_secret(s: &Server) -> Vec<u8> {
    let text = std::fs::read_to_string(s.data_dir.join("dev-signing-key")).unwrap();
    base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .unwrap()
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn claims(sub: &str, role: &str) -> Value {
    json!({"sub": sub, "role": role, "iss": "plancheck", "aud": "plancheck", "iat": now(), "exp": now() + 600})
}

/// The value of a metric sample line `name{labels} value` whose labels
/// contain every `want` pair; 0 if absent.
fn metric(text: &str, name: &str, want: &[(&str, &str)]) -> f64 {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter(|l| {
            l.starts_with(name)
                && l[name.len()..].starts_with(['{', ' '])
                && want
                    .iter()
                    .all(|(k, v)| l.contains(&format!("{k}=\"{v}\"")))
        })
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

#[test]
fn health_ready_packs_and_unknown_routes() {
    let s = Server::start_with(server_bin!(), Options::default());
    let r = s.get("/healthz", None);
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), json!({"status": "ok"}));
    let s = s.ready();
    let v = s.get("/readyz", None).ok();
    assert_eq!(v["status"], "ready");
    assert_eq!(v["packs"], 3);
    assert_eq!(v["failures"].as_array().unwrap().len(), 0);

    let viewer = s.token("viewer", "vic");
    let r = s.get("/v1/packs", Some(&viewer));
    assert_eq!(r.content_type, "application/json");
    let v = r.ok();
    assert_eq!(v["format"], "1");
    let ids: Vec<&str> = v["packs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["manifest"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["uk-adk-2013", "us-ibc-2021", "us-irc-2021"]);
    assert_eq!(v["packs"][1]["digest"].as_str().unwrap().len(), 64);

    let p = s.get("/v1/nothing", None).problem(404, "not-found");
    assert_eq!(p["instance"], "/v1/nothing");
    s.get("/v1/checks", Some(&viewer))
        .problem(405, "method-not-allowed");
}

#[test]
fn check_ifc_stores_a_validation_and_reports_the_known_violation() {
    let s = start();
    let acme = s.token("client", "acme");
    for ct in [
        "application/x-step",
        "model/ifc",
        "application/octet-stream",
    ] {
        let r = s.post(
            "/v1/checks?pack=us-ibc-2021&project=house-1",
            ct,
            &house(),
            Some(&acme),
        );
        assert_eq!(r.content_type, "application/json");
        let v = r.ok();
        assert_eq!(v["project"], "house-1");
        assert_eq!(v["owner"], "acme");
        assert_eq!(v["role"], "client");
        assert_eq!(v["model"]["name"], "model.ifc");
        assert_eq!(v["model"]["format"], "ifc");
        assert_eq!(v["model"]["schema"], "IFC4");
        // The digest the handler computes while the body arrives is the
        // SHA-256 of the bytes sent.
        assert_eq!(v["model"]["digest"], plancheck::service::digest(&house()));
        assert_eq!(v["packs"][0]["id"], "us-ibc-2021");
        assert_eq!(v["packs"][0]["digest"].as_str().unwrap().len(), 64);
        assert!(v["summary"]["violations"].as_u64().unwrap() > 0, "{v}");
        let rep = &v["report"];
        assert_eq!(rep["format"], "1");
        assert_eq!(rep["packs"][0]["pack"], "us-ibc-2021");
        assert!(riser_violation(rep), "{ct}: {v}");
    }
    // Only the rule asked; the model named.
    let v = s
        .post(
            "/v1/checks?pack=us-ibc-2021&rule=stair-riser-height&name=house.ifc",
            "application/ifc",
            &house(),
            Some(&acme),
        )
        .ok();
    assert_eq!(v["model"]["name"], "house.ifc");
    assert_eq!(v["project"], "default");
    let rules: Vec<&str> = v["report"]["packs"][0]["findings"]
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
fn prefer_return_minimal_answers_the_record_without_the_report() {
    let s = start();
    let acme = s.token("client", "acme");
    let auth = format!("Bearer {acme}");
    let path = "/v1/checks?pack=us-ibc-2021&project=house-1";
    let full = s.post(path, "model/ifc", &house(), Some(&acme));
    assert_eq!(full.header("preference-applied"), None);
    let full = full.ok();
    let r = s.post_with_headers(
        path,
        &[
            ("Authorization", auth.as_str()),
            ("Content-Type", "model/ifc"),
            ("Prefer", "return=minimal"),
        ],
        &house(),
    );
    assert_eq!(r.header("preference-applied"), Some("return=minimal"));
    let min = r.ok();
    assert!(min.get("report").is_none(), "{min}");
    assert_eq!(min["summary"], full["summary"]);
    assert_eq!(min["model"]["digest"], full["model"]["digest"]);
    assert_eq!(min["cached"], true);
    // Stored like any validation, report included.
    let got = s
        .get(
            &format!("/v1/validations/{}", min["id"].as_str().unwrap()),
            Some(&acme),
        )
        .ok();
    assert_eq!(got["report"], full["report"]);
    assert_eq!(got["id"], min["id"]);
}

/// Re-checking by digest (`model=sha256:…`, no body): the caller's earlier
/// validation of the same model with the same packs supplies the report; a
/// new validation is stored. Another caller, another selection or a digest
/// never checked is `unknown-model`; a body and a digest together are refused.
#[test]
fn a_model_checked_before_is_rechecked_by_its_digest_without_the_upload() {
    let s = start();
    let acme = s.token("client", "acme");
    let bob = s.token("client", "bob");
    let digest = plancheck::service::digest(&house());
    let by_digest = |query: &str, token: &str, extra: &[(&str, &str)]| {
        let auth = format!("Bearer {token}");
        let mut headers = vec![("Authorization", auth.as_str())];
        headers.extend_from_slice(extra);
        s.post_with_headers(query, &headers, b"")
    };
    let path = "/v1/checks?pack=us-ibc-2021&project=house-1";
    // Never sent: unknown, naming caller, digest and packs.
    let p = by_digest(&format!("{path}&model=sha256:{digest}"), &acme, &[])
        .problem(422, "unknown-model");
    let detail = p["detail"].as_str().unwrap();
    assert!(
        detail.contains("acme") && detail.contains(&digest) && detail.contains("us-ibc-2021"),
        "{p}"
    );

    let first = s.post(path, "model/ifc", &house(), Some(&acme)).ok();
    let again = by_digest(&format!("{path}&model=sha256:{digest}"), &acme, &[]).ok();
    assert_eq!(again["cached"], true);
    assert_ne!(again["id"], first["id"]);
    assert_eq!(again["project"], "house-1");
    assert_eq!(again["owner"], "acme");
    for field in ["model", "packs", "summary", "result_key", "report"] {
        assert_eq!(again[field], first[field], "{field}");
    }
    assert!(riser_violation(&again["report"]));
    // Stored like any validation.
    let got = s
        .get(
            &format!("/v1/validations/{}", again["id"].as_str().unwrap()),
            Some(&acme),
        )
        .ok();
    assert_eq!(got["report"], first["report"]);
    // The bare hex (the record's model.digest) works too, upper case as
    // well; a name replaces the earlier one; return=minimal applies.
    let r = by_digest(
        &format!("{path}&model={}&name=renamed.ifc", digest.to_uppercase()),
        &acme,
        &[("Prefer", "return=minimal")],
    );
    assert_eq!(r.header("preference-applied"), Some("return=minimal"));
    let min = r.ok();
    assert!(min.get("report").is_none(), "{min}");
    assert_eq!(min["model"]["name"], "renamed.ifc");
    assert_eq!(min["model"]["digest"], digest.as_str());
    assert_eq!(min["summary"], first["summary"]);

    // Another caller's digest is not enough to read acme's findings.
    by_digest(&format!("{path}&model=sha256:{digest}"), &bob, &[]).problem(422, "unknown-model");
    // Other options or packs are another result, not yet made.
    by_digest(
        &format!("{path}&model=sha256:{digest}&rule=stair-riser-height"),
        &acme,
        &[],
    )
    .problem(422, "unknown-model");
    by_digest(
        &format!("/v1/checks?pack=us-irc-2021&model=sha256:{digest}"),
        &acme,
        &[],
    )
    .problem(422, "unknown-model");
    // Malformed digests, a body as well, twice: 400, naming the problem.
    for bad in ["sha256:xyz", "md5:00", &digest[..63]] {
        let p = by_digest(&format!("{path}&model={bad}"), &acme, &[]).problem(400, "bad-query");
        assert!(
            p["detail"].as_str().unwrap().contains("64 hex digits"),
            "{p}"
        );
    }
    let p = s
        .post(
            &format!("{path}&model=sha256:{digest}"),
            "model/ifc",
            &house(),
            Some(&acme),
        )
        .problem(400, "bad-query");
    assert!(p["detail"].as_str().unwrap().contains("not both"), "{p}");
    by_digest(&format!("{path}&model={digest}&model={digest}"), &acme, &[])
        .problem(400, "bad-query");
    // A viewer may not submit, by digest or otherwise.
    let viewer = s.token("viewer", "vic");
    by_digest(&format!("{path}&model={digest}"), &viewer, &[]).problem(403, "forbidden");

    // Every accepted request is a stored validation: the upload and two
    // re-checks, nothing for the refusals.
    let page = s.get("/v1/projects/house-1/validations", Some(&acme)).ok();
    assert_eq!(page["items"].as_array().unwrap().len(), 3, "{page}");
    // The upload missed, the two re-checks hit; refusals are not counted.
    let m = s.get("/metrics", None).body;
    assert_eq!(metric(&m, "plancheck_cache_hits_total", &[]), 2.0, "{m}");
    assert_eq!(metric(&m, "plancheck_cache_misses_total", &[]), 1.0, "{m}");
}

/// With the cache off (or after a restart) the report of a re-check by
/// digest comes from the store.
#[test]
fn a_recheck_by_digest_reads_the_stored_report_when_the_cache_is_off() {
    let s = start_args(&["--cache-enabled", "false"]);
    let acme = s.token("client", "acme");
    let path = "/v1/checks?jurisdiction=US";
    let first = s.post(path, "model/ifc", &house(), Some(&acme)).ok();
    let digest = first["model"]["digest"].as_str().unwrap();
    let again = s
        .post_with_headers(
            &format!("{path}&model=sha256:{digest}"),
            &[("Authorization", &format!("Bearer {acme}"))],
            b"",
        )
        .ok();
    assert_eq!(again["cached"], true);
    assert_eq!(again["report"], first["report"]);
    assert_eq!(again["summary"], first["summary"]);
    let m = s.get("/metrics", None).body;
    assert_eq!(metric(&m, "plancheck_cache_hits_total", &[]), 0.0, "{m}");
}

#[test]
fn check_json_model_and_jurisdiction() {
    let s = start();
    let t = s.token("client", "acme");
    let v = s
        .post(
            "/v1/checks?pack=us-ibc-2021&rule=stair-riser-height&rule=stair-tread-depth",
            "application/json; charset=utf-8",
            OK_JSON.as_bytes(),
            Some(&t),
        )
        .ok();
    assert_eq!(v["summary"]["violations"], 0, "{v}");
    assert_eq!(v["summary"]["passes"], 2, "{v}");
    assert_eq!(v["model"]["format"], "json");

    let v = s
        .post(
            "/v1/checks?jurisdiction=US",
            "model/ifc",
            &house(),
            Some(&t),
        )
        .ok();
    let packs: Vec<&str> = v["report"]["packs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["pack"].as_str().unwrap())
        .collect();
    assert_eq!(packs, ["us-ibc-2021", "us-irc-2021"]);
    assert!(riser_violation(&v["report"]));
}

#[test]
fn bad_input_is_problem_json_and_nothing_is_stored() {
    let s = start();
    let t = s.token("client", "acme");
    let ifc = house();
    let post = |q: &str, ct: &str, body: &[u8]| s.post(q, ct, body, Some(&t));
    let p = post("/v1/checks?pack=us-ibc-2020&project=bad", "model/ifc", &ifc)
        .problem(400, "unknown-pack");
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("no pack `us-ibc-2020`"),
        "{p}"
    );
    assert_eq!(p["instance"], "/v1/checks");
    let p = post(
        "/v1/checks?pack=us-ibc-2021&rule=no-such-rule&project=bad",
        "model/ifc",
        &ifc,
    )
    .problem(400, "unknown-rule");
    assert!(
        p["detail"].as_str().unwrap().contains("no-such-rule"),
        "{p}"
    );
    post("/v1/checks?jurisdiction=FR&project=bad", "model/ifc", &ifc)
        .problem(400, "unknown-jurisdiction");
    let p = post("/v1/checks?project=bad", "model/ifc", &ifc).problem(400, "no-pack-selected");
    assert!(p["detail"].as_str().unwrap().contains("`pack`"), "{p}");
    post(
        "/v1/checks?pack=us-ibc-2021&param=nodot&project=bad",
        "model/ifc",
        &ifc,
    )
    .problem(400, "bad-query");
    post("/v1/checks?pack=us-ibc-2021&bogus=1", "model/ifc", &ifc).problem(400, "bad-query");
    let p = post("/v1/checks?pack=us-ibc-2021&project=a/b", "model/ifc", &ifc)
        .problem(400, "bad-query");
    assert!(p["detail"].as_str().unwrap().contains("a/b"), "{p}");
    post(
        "/v1/checks?pack=us-ibc-2021&project=bad",
        "application/xml",
        b"<ifc/>",
    )
    .problem(415, "unsupported-media-type");
    post(
        "/v1/checks?pack=us-ibc-2021&project=bad",
        "text/plain",
        b"hello",
    )
    .problem(415, "unsupported-media-type");

    let broken = "ISO-10303-21;\nHEADER;\nFILE_DESCRIPTION((''),'2;1');\nFILE_NAME('','',(''),(''),'','','');\nFILE_SCHEMA(('IFC4'));\nENDSEC;\nDATA;\n#1=IFCPROJECT('0YvctVUKr0kugbFTf53O9L',$,'P',$,$,$,$,$,$);\n#2=IFCDOOR('1";
    let p = post(
        "/v1/checks?pack=us-ibc-2021&name=broken.ifc&project=bad",
        "application/x-step",
        broken.as_bytes(),
    )
    .problem(422, "model-invalid");
    assert_eq!(p["line"], 9, "{p}");
    assert!(
        p["detail"].as_str().unwrap().starts_with("broken.ifc:9"),
        "{p}"
    );
    let p = post(
        "/v1/checks?pack=us-ibc-2021&project=bad",
        "application/json",
        b"{\"schema\": 3}",
    )
    .problem(422, "model-invalid");
    assert!(p["line"].is_number(), "{p}");

    // None of the refused requests left a validation behind.
    let v = s.get("/v1/projects/bad/validations", Some(&t)).ok();
    assert_eq!(v["items"], json!([]), "{v}");
}

#[test]
fn a_body_over_the_limit_is_413() {
    let s = start_args(&["--max-body-bytes", "1024"]);
    let t = s.token("client", "acme");
    let p = s
        .post(
            "/v1/checks?pack=us-ibc-2021",
            "model/ifc",
            &vec![b' '; 16 * 1024],
            Some(&t),
        )
        .problem(413, "body-too-large");
    assert_eq!(p["limit"], 1024);
    assert!(OK_JSON.len() < 1024);
    s.post(
        "/v1/checks?pack=us-ibc-2021",
        "application/json",
        OK_JSON.as_bytes(),
        Some(&t),
    )
    .ok();
}

#[test]
fn parallel_checks_all_succeed() {
    let s = start_args(&["--max-concurrent-checks", "2", "--cache-enabled", "false"]);
    let t = s.token("client", "acme");
    let ifc = house();
    std::thread::scope(|sc| {
        let hs: Vec<_> = (0..6)
            .map(|_| {
                sc.spawn(|| s.post("/v1/checks?pack=us-ibc-2021", "model/ifc", &ifc, Some(&t)))
            })
            .collect();
        for h in hs {
            let v = h.join().unwrap().ok();
            assert!(riser_violation(&v["report"]));
            assert_eq!(v["cached"], false);
        }
    });
}

#[test]
fn not_ready_without_a_packs_dir() {
    let missing = plancheck_e2e::workspace_root()
        .join("target")
        .join("no-such-packs-dir");
    let s = Server::start_with(
        server_bin!(),
        Options {
            packs_dir: Some(missing),
            ..Options::default()
        },
    );
    let t = s.token("client", "acme");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let p = s.get("/readyz", None).problem(503, "not-ready");
        if p["detail"].as_str().unwrap().contains("no-such-packs-dir") {
            break;
        }
        assert!(Instant::now() < deadline, "{p}");
        std::thread::sleep(Duration::from_millis(20));
    }
    s.get("/v1/packs", Some(&t)).problem(503, "not-ready");
    s.post("/v1/checks?pack=x", "model/ifc", &house(), Some(&t))
        .problem(503, "not-ready");
    assert_eq!(s.get("/healthz", None).status, 200);
}

#[test]
fn sigterm_shuts_down_cleanly() {
    let mut s = start();
    let status = s.terminate();
    assert!(status.success(), "{status:?}");
}

#[test]
fn a_slow_check_times_out_with_504() {
    let s = start_args(&["--request-timeout-ms", "1", "--cache-enabled", "false"]);
    let t = s.token("client", "acme");
    let big = model_bytes("bench-10k-ifc4-mm.ifc");
    let p = s
        .post("/v1/checks?pack=us-ibc-2021", "model/ifc", &big, Some(&t))
        .problem(504, "timeout");
    assert!(p["detail"].as_str().unwrap().contains("1 ms"), "{p}");
    assert_eq!(s.get("/healthz", None).status, 200);
}

#[test]
fn a_config_file_with_an_unknown_key_is_refused_naming_key_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("plancheck.toml");
    std::fs::write(&f, "listen = \"127.0.0.1:0\"\n\nbogus_key = 1\n").unwrap();
    let o = Command::new(server_bin!())
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
    let s = start_args(&["--config", f.to_str().unwrap()]);
    let t = s.token("client", "acme");
    s.post(
        "/v1/checks?pack=us-ibc-2021",
        "model/ifc",
        &[b' '; 4096],
        Some(&t),
    )
    .problem(413, "body-too-large");
}

// ------------------------------------------------------------------ auth

#[test]
fn bad_tokens_get_401_and_missing_permissions_403_all_counted() {
    let s = start();
    let secret = dev_secret(&s);
    let json_model = OK_JSON.as_bytes();
    let check = "/v1/checks?pack=us-ibc-2021";
    let expect_401 = |headers: &[(&str, &str)], reason: &str| {
        let mut h = vec![("Content-Type", "application/json")];
        h.extend_from_slice(headers);
        let r = s.post_with_headers(check, &h, json_model);
        let p = r.problem(401, "unauthorized");
        assert_eq!(p["reason"], reason, "{p}");
        let www = r.header("www-authenticate").unwrap_or_default().to_string();
        assert!(www.starts_with("Bearer"), "{www}");
    };
    // No token.
    expect_401(&[], "missing");
    // Not a bearer credential, not a JWT.
    expect_401(&[("Authorization", "Basic YWxhZGRpbjpvcGVu")], "malformed");
    expect_401(&[("Authorization", "Bearer abc")], "malformed");
    expect_401(&[("Authorization", "Bearer a.b.c")], "malformed");
    // Expired beyond the leeway.
    let mut c = claims("acme", "client");
    c["exp"] = json!(now() - 3600);
    c["iat"] = json!(now() - 7200);
    let expired = format!("Bearer {}", sign(&secret, &c));
    expect_401(&[("Authorization", &expired)], "expired");
    // Forged: another key.
    let forged = format!("Bearer {}", sign(&[7u8; 32], &claims("acme", "client")));
    expect_401(&[("Authorization", &forged)], "bad_signature");
    // Wrong audience.
    let mut c = claims("acme", "client");
    c["aud"] = json!("someone-else");
    let wrong_aud = format!("Bearer {}", sign(&secret, &c));
    expect_401(&[("Authorization", &wrong_aud)], "wrong_audience");
    // Wrong issuer.
    let mut c = claims("acme", "client");
    c["iss"] = json!("mallory");
    let wrong_iss = format!("Bearer {}", sign(&secret, &c));
    expect_401(&[("Authorization", &wrong_iss)], "wrong_issuer");
    // alg: none, unsigned.
    let b64 = |v: &Value| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap())
    };
    let none = format!(
        "Bearer {}.{}.",
        b64(&json!({"alg": "none", "typ": "JWT"})),
        b64(&claims("acme", "admin"))
    );
    expect_401(&[("Authorization", &none)], "alg_none");
    // An unknown role.
    let bad_role = format!("Bearer {}", sign(&secret, &claims("acme", "root")));
    expect_401(&[("Authorization", &bad_role)], "unknown_role");

    // Valid tokens without the permission: 403.
    let viewer = s.token("viewer", "vic");
    let p = s
        .post(check, "application/json", json_model, Some(&viewer))
        .problem(403, "forbidden");
    assert!(p["detail"].as_str().unwrap().contains("viewer"), "{p}");
    let client = s.token("client", "acme");
    s.get("/v1/audit", Some(&client)).problem(403, "forbidden");
    s.request("POST", "/v1/packs/reload", Some(&client))
        .problem(403, "forbidden");
    let publisher = s.token_with("publisher", "city", &["--jurisdiction", "US"]);
    s.get("/v1/audit", Some(&publisher))
        .problem(403, "forbidden");
    // And with it: 200.
    s.post(check, "application/json", json_model, Some(&client))
        .ok();
    s.get("/v1/audit", Some(&s.token("admin", "root"))).ok();

    let m = s.get("/metrics", None).body;
    for reason in [
        "missing",
        "malformed",
        "expired",
        "bad_signature",
        "wrong_audience",
        "wrong_issuer",
        "alg_none",
        "unknown_role",
    ] {
        assert!(
            metric(&m, "plancheck_auth_denials_total", &[("reason", reason)]) >= 1.0,
            "{reason} not counted:\n{m}"
        );
    }
    assert_eq!(
        metric(
            &m,
            "plancheck_auth_denials_total",
            &[("reason", "malformed")]
        ),
        3.0,
        "{m}"
    );
    assert_eq!(
        metric(&m, "plancheck_auth_denials_total", &[("status", "403")]),
        4.0,
        "{m}"
    );
}

// ------------------------------------------------ validations and paging

#[test]
fn validations_are_read_back_by_owner_and_paged_per_project() {
    let s = start();
    let acme = s.token("client", "acme");
    let bob = s.token("client", "bob");
    let viewer = s.token("viewer", "vic");
    let admin = s.token("admin", "root");
    let mut ids = Vec::new();
    for i in 0..5 {
        let v = s
            .post(
                &format!("/v1/checks?pack=us-ibc-2021&project=tower&name=rev{i}.json"),
                "application/json",
                OK_JSON.as_bytes(),
                Some(&acme),
            )
            .ok();
        ids.push(v["id"].as_str().unwrap().to_string());
    }
    let other = s
        .post(
            "/v1/checks?pack=us-ibc-2021&project=tower",
            "model/ifc",
            &house(),
            Some(&bob),
        )
        .ok();
    let bob_id = other["id"].as_str().unwrap().to_string();

    // By id: the owner and readers-of-all see it; another client does not.
    let mine = s
        .get(&format!("/v1/validations/{}", ids[0]), Some(&acme))
        .ok();
    assert_eq!(mine["id"], ids[0].as_str());
    assert_eq!(mine["model"]["name"], "rev0.json");
    assert_eq!(mine["report"]["summary"]["pass"], 2, "{mine}");
    s.get(&format!("/v1/validations/{}", ids[0]), Some(&bob))
        .problem(404, "validation-not-found");
    s.get(&format!("/v1/validations/{bob_id}"), Some(&viewer))
        .ok();
    s.get(&format!("/v1/validations/{bob_id}"), Some(&admin))
        .ok();
    s.get("/v1/validations/not-an-id", Some(&acme))
        .problem(404, "validation-not-found");

    // Listing: newest first, pages of 2, no overlap, only acme's.
    let mut seen = Vec::new();
    let mut url = "/v1/projects/tower/validations?limit=2".to_string();
    let mut pages = 0;
    loop {
        let v = s.get(&url, Some(&acme)).ok();
        let items = v["items"].as_array().unwrap();
        assert!(items.len() <= 2);
        for it in items {
            assert_eq!(it["owner"], "acme");
            assert!(it.get("report").is_none(), "listings carry no reports");
            seen.push(it["id"].as_str().unwrap().to_string());
        }
        pages += 1;
        match v["next_cursor"].as_str() {
            Some(c) => url = format!("/v1/projects/tower/validations?limit=2&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    let mut newest_first = ids.clone();
    newest_first.reverse();
    assert_eq!(seen, newest_first);

    // Readers of all see both owners, or filter by one.
    let all = s.get("/v1/projects/tower/validations", Some(&viewer)).ok();
    assert_eq!(all["items"].as_array().unwrap().len(), 6);
    let bobs = s
        .get("/v1/projects/tower/validations?owner=bob", Some(&admin))
        .ok();
    assert_eq!(bobs["items"].as_array().unwrap().len(), 1);
    // A client may not list someone else's.
    s.get("/v1/projects/tower/validations?owner=bob", Some(&acme))
        .problem(403, "forbidden");
    // Bad paging parameters.
    s.get("/v1/projects/tower/validations?limit=0", Some(&acme))
        .problem(400, "bad-query");
    s.get("/v1/projects/tower/validations?limit=501", Some(&acme))
        .problem(400, "bad-query");
    s.get("/v1/projects/tower/validations?cursor=garbage", Some(&acme))
        .problem(400, "bad-cursor");
    s.get("/v1/projects/tower/validations?color=red", Some(&acme))
        .problem(400, "bad-query");

    // The audit log has one entry per validation, oldest first.
    let audit = s.get("/v1/audit?limit=500", Some(&admin)).ok();
    let created: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "validation.create")
        .map(|e| e["target"].as_str().unwrap())
        .collect();
    let mut all_ids = ids.clone();
    all_ids.push(bob_id);
    assert_eq!(created, all_ids);
}

// ----------------------------------------------------------------- cache

/// A copy of `pack` with a custom section appended: same pack id and
/// behaviour, a different digest (what a republished pack looks like).
fn with_custom_section(pack: &[u8], tag: &str) -> Vec<u8> {
    let name = b"plancheck-test";
    let mut payload = Vec::new();
    payload.push(name.len() as u8);
    payload.extend_from_slice(name);
    payload.extend_from_slice(tag.as_bytes());
    let mut out = pack.to_vec();
    out.push(0); // custom section id
    let mut n = payload.len();
    loop {
        let mut b = (n & 0x7f) as u8;
        n >>= 7;
        if n != 0 {
            b |= 0x80;
        }
        out.push(b);
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&payload);
    out
}

#[test]
fn a_repeated_check_is_a_cache_hit_until_the_pack_changes() {
    let packs = tempfile::tempdir().unwrap();
    for p in ["us-ibc-2021", "us-irc-2021"] {
        std::fs::copy(
            packs_dir().join(format!("{p}.wasm")),
            packs.path().join(format!("{p}.wasm")),
        )
        .unwrap();
    }
    let s = Server::start_with(
        server_bin!(),
        Options {
            packs_dir: Some(packs.path().to_path_buf()),
            ..Options::default()
        },
    )
    .ready();
    let t = s.token("client", "acme");
    let admin = s.token("admin", "root");
    let check = |q: &str| s.post(q, "model/ifc", &house(), Some(&t)).ok();
    let first = check("/v1/checks?jurisdiction=US");
    assert_eq!(first["cached"], false);
    let second = check("/v1/checks?jurisdiction=US");
    assert_eq!(second["cached"], true);
    assert_ne!(
        first["id"], second["id"],
        "each request is its own validation"
    );
    assert_eq!(first["report"], second["report"]);
    // A different selection is a different result.
    assert_eq!(check("/v1/checks?pack=us-ibc-2021")["cached"], false);
    assert_eq!(check("/v1/checks?pack=us-ibc-2021")["cached"], true);

    let m = s.get("/metrics", None).body;
    assert_eq!(metric(&m, "plancheck_cache_hits_total", &[]), 2.0, "{m}");
    assert_eq!(metric(&m, "plancheck_cache_misses_total", &[]), 2.0, "{m}");

    // Republish us-ibc-2021 (new digest), reload: its results are dropped,
    // the us-irc-only ones are not involved.
    let path = packs.path().join("us-ibc-2021.wasm");
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, with_custom_section(&bytes, "v2")).unwrap();
    let r = s.request("POST", "/v1/packs/reload", Some(&admin)).ok();
    assert_eq!(r["changed"], json!(["us-ibc-2021"]), "{r}");
    let m = s.get("/metrics", None).body;
    assert_eq!(
        metric(
            &m,
            "plancheck_cache_evictions_total",
            &[("cause", "invalidated")]
        ),
        2.0,
        "{m}"
    );
    let third = check("/v1/checks?pack=us-ibc-2021");
    assert_eq!(third["cached"], false);
    assert_ne!(third["packs"][0]["digest"], first["packs"][0]["digest"]);
    assert_eq!(
        third["report"]["packs"][0]["findings"],
        first["report"]["packs"][0]["findings"]
    );
    assert_eq!(check("/v1/checks?pack=us-ibc-2021")["cached"], true);
    // The reload is in the audit log.
    let audit = s.get("/v1/audit", Some(&admin)).ok();
    assert!(
        audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "pack.reload" && e["actor"] == "root"),
        "{audit}"
    );
}

#[test]
fn cache_off_means_every_check_runs() {
    let s = start_args(&["--cache-enabled", "false"]);
    let t = s.token("client", "acme");
    for _ in 0..2 {
        let v = s
            .post(
                "/v1/checks?pack=us-ibc-2021",
                "application/json",
                OK_JSON.as_bytes(),
                Some(&t),
            )
            .ok();
        assert_eq!(v["cached"], false);
    }
}

// ----------------------------------------------------------- persistence

#[test]
fn validations_and_audit_entries_survive_a_kill() {
    let data = fresh_data_dir();
    let opts = Options {
        data_dir: Some(data.path().to_path_buf()),
        ..Options::default()
    };
    let mut s = Server::start_with(server_bin!(), opts.clone()).ready();
    let t = s.token("client", "acme");
    let admin = s.token("admin", "root");
    let mut before = Vec::new();
    for i in 0..8 {
        let body = if i % 2 == 0 {
            house()
        } else {
            OK_JSON.as_bytes().to_vec()
        };
        let ct = if i % 2 == 0 {
            "model/ifc"
        } else {
            "application/json"
        };
        let v = s
            .post(
                "/v1/checks?pack=us-ibc-2021&project=survivor",
                ct,
                &body,
                Some(&t),
            )
            .ok();
        before.push(v);
    }
    let audit_before = s.get("/v1/audit?limit=500", Some(&admin)).ok();
    // SIGKILL: no shutdown hook, no final flush.
    s.kill();

    let s = Server::start_with(server_bin!(), opts).ready();
    for v in &before {
        let id = v["id"].as_str().unwrap();
        let after = s.get(&format!("/v1/validations/{id}"), Some(&t)).ok();
        assert_eq!(&after, v, "validation {id} changed across the restart");
    }
    let listed = s.get("/v1/projects/survivor/validations", Some(&t)).ok();
    assert_eq!(listed["items"].as_array().unwrap().len(), before.len());
    let audit_after = s.get("/v1/audit?limit=500", Some(&admin)).ok();
    assert_eq!(audit_after["items"], audit_before["items"]);
    // The store keeps working after the restart.
    s.post(
        "/v1/checks?pack=us-ibc-2021&project=survivor",
        "application/json",
        OK_JSON.as_bytes(),
        Some(&t),
    )
    .ok();
}

// ------------------------------------------------------ OpenAPI, metrics

#[test]
fn the_openapi_document_matches_the_routes() {
    let s = start();
    let admin = s.token("admin", "root");
    let doc = s.get("/openapi.json", None).ok();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."), "{doc}");
    let paths = doc["paths"].as_object().unwrap();
    let mut documented: Vec<String> = Vec::new();
    for (path, item) in paths {
        for method in ["get", "post", "put", "delete", "patch"] {
            if item.get(method).is_none() {
                continue;
            }
            documented.push(format!("{} {path}", method.to_uppercase()));
            let concrete = path
                .replace("{id}", "0190f5a2-0000-7000-8000-000000000000")
                .replace("{project}", "openapi-probe")
                .replace("{version}", "0.0.0");
            let r = s.request(&method.to_uppercase(), &concrete, Some(&admin));
            // Every documented operation reaches a handler: never the
            // router's fallbacks.
            if r.content_type == "application/problem+json" {
                let slug = r.json()["type"].as_str().unwrap().to_string();
                assert!(
                    slug != "urn:plancheck:problem:not-found"
                        && slug != "urn:plancheck:problem:method-not-allowed",
                    "{method} {path} is documented but not routed: {}",
                    r.body
                );
            }
            // And answers with a status the document lists.
            let statuses: Vec<String> = item[method]["responses"]
                .as_object()
                .unwrap()
                .keys()
                .cloned()
                .collect();
            assert!(
                statuses.contains(&r.status.to_string()),
                "{method} {path} answered {} which the document does not list ({statuses:?}): {}",
                r.status,
                r.body
            );
        }
    }
    documented.sort();
    assert_eq!(
        documented,
        [
            "GET /healthz",
            "GET /metrics",
            "GET /readyz",
            "GET /v1/audit",
            "GET /v1/packs",
            "GET /v1/packs/status",
            "GET /v1/packs/{id}/versions",
            "GET /v1/projects/{project}/validations",
            "GET /v1/validations/{id}",
            "POST /v1/checks",
            "POST /v1/packs/artifacts",
            "POST /v1/packs/reload",
            "POST /v1/packs/{id}/deactivate",
            "POST /v1/packs/{id}/rollback",
            "POST /v1/packs/{id}/versions/{version}/activate",
        ]
    );
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
}

#[test]
fn metrics_count_requests_checks_and_findings() {
    let s = start();
    let t = s.token("client", "acme");
    s.post(
        "/v1/checks?pack=us-ibc-2021",
        "model/ifc",
        &house(),
        Some(&t),
    )
    .ok();
    let r = s.get("/metrics", None);
    assert!(
        r.content_type.contains("openmetrics-text"),
        "{}",
        r.content_type
    );
    let m = r.body;
    assert!(
        metric(
            &m,
            "plancheck_http_requests_total",
            &[("route", "/v1/checks"), ("status", "200")]
        ) >= 1.0,
        "{m}"
    );
    assert!(
        metric(
            &m,
            "plancheck_pack_checks_total",
            &[("pack", "us-ibc-2021"), ("outcome", "ok")]
        ) >= 1.0,
        "{m}"
    );
    assert!(
        metric(
            &m,
            "plancheck_findings_total",
            &[("pack", "us-ibc-2021"), ("severity", "violation")]
        ) >= 1.0,
        "{m}"
    );
    assert!(
        metric(&m, "plancheck_validations_stored_total", &[]) >= 1.0,
        "{m}"
    );
    assert!(
        metric(
            &m,
            "plancheck_http_request_duration_seconds_count",
            &[("route", "/v1/checks")]
        ) >= 1.0,
        "{m}"
    );
}

/// A stand-in OTLP collector: a real HTTP server on 127.0.0.1 that records
/// each request's head and body and answers 200.
/// Requests a stand-in collector received: (head, body).
type Received = Arc<Mutex<Vec<(String, Vec<u8>)>>>;

fn collector() -> (String, Received) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    let got = Arc::new(Mutex::new(Vec::new()));
    let g = got.clone();
    std::thread::spawn(move || {
        for conn in l.incoming() {
            let Ok(mut c) = conn else { continue };
            let g = g.clone();
            std::thread::spawn(move || {
                c.set_read_timeout(Some(Duration::from_secs(10))).ok();
                let mut buf = Vec::new();
                let mut tmp = [0u8; 65536];
                loop {
                    // Head, then Content-Length bytes of body.
                    let n = match c.read(&mut tmp) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => n,
                    };
                    buf.extend_from_slice(&tmp[..n]);
                    let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
                        continue;
                    };
                    let head = String::from_utf8_lossy(&buf[..end]).to_string();
                    let len: usize = head
                        .lines()
                        .find_map(|l| {
                            let (k, v) = l.split_once(':')?;
                            k.eq_ignore_ascii_case("content-length")
                                .then(|| v.trim().parse().ok())?
                        })
                        .unwrap_or(0);
                    while buf.len() < end + 4 + len {
                        match c.read(&mut tmp) {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&tmp[..n]),
                        }
                    }
                    let body = buf[end + 4..end + 4 + len].to_vec();
                    buf.drain(..end + 4 + len);
                    g.lock().unwrap().push((head, body));
                    let _ = c.write_all(
                        b"HTTP/1.1 200 OK\r\ncontent-type: application/x-protobuf\r\ncontent-length: 0\r\n\r\n",
                    );
                }
            });
        }
    });
    (format!("http://{addr}/v1/traces"), got)
}

#[test]
fn spans_are_exported_over_otlp_when_configured() {
    let (endpoint, got) = collector();
    let s = Server::start_with(
        server_bin!(),
        Options {
            env: vec![("PLANCHECK_TELEMETRY_OTLP_ENDPOINT".into(), endpoint)],
            ..Options::default()
        },
    )
    .ready();
    let t = s.token("client", "acme");
    s.post(
        "/v1/checks?pack=us-ibc-2021",
        "model/ifc",
        &house(),
        Some(&t),
    )
    .ok();
    let has = |needle: &[u8]| {
        got.lock()
            .unwrap()
            .iter()
            .any(|(_, body)| body.windows(needle.len()).any(|w| w == needle))
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while !(has(b"pack.check") && has(b"http.request")) {
        assert!(
            Instant::now() < deadline,
            "no spans exported; requests seen: {:?}",
            got.lock()
                .unwrap()
                .iter()
                .map(|(h, b)| (h.clone(), b.len()))
                .collect::<Vec<_>>()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(has(b"us-ibc-2021"));
    let heads = got.lock().unwrap();
    let (head, _) = &heads[0];
    assert!(head.starts_with("POST /v1/traces"), "{head}");
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: application/x-protobuf"),
        "{head}"
    );
}

#[test]
fn logs_are_structured_json_on_stdout() {
    let s = start();
    let t = s.token("client", "acme");
    s.post(
        "/v1/checks?pack=us-ibc-2021",
        "application/json",
        OK_JSON.as_bytes(),
        Some(&t),
    )
    .ok();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let lines = s.stdout.lock().unwrap().clone();
        let json_lines: Vec<Value> = lines
            .iter()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .collect();
        if json_lines
            .iter()
            .any(|v| v.to_string().contains("/v1/checks"))
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no JSON log line for the request: {lines:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}
