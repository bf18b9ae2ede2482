//! The pack lifecycle end to end (issue 4, docs/publishing.md): the real
//! `plancheck serve` on loopback with trust roots configured, real signed
//! artifacts made with `plancheck pack keygen`/`sign`, and the versions of
//! one real component (tests/hostile/swap-pack) built here:
//!
//! * unsigned, tampered, wrong-publisher, unknown-publisher, wrong contract
//!   version and failing-smoke-test artifacts are refused with clear
//!   errors while the active version keeps serving; the refusals are in the
//!   status API, the metrics and the audit log;
//! * a publisher cannot publish for another jurisdiction (403), nor
//!   activate;
//! * activation, pins, rollback, deactivation; a live session hears the swap;
//! * after a restart the same versions are active, restored without
//!   recompiling;
//! * 100 swaps while concurrent clients check: no failed request, and every
//!   response names exactly one version that was active when its check
//!   started;
//! * a watched directory deploys renamed-in artifacts and ignores partial
//!   files.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use plancheck::packs::artifact::{self, DeclaredManifest};
use plancheck_e2e::server::{Options, Reply, Server};
use plancheck_e2e::{build_components, server_bin};
use serde_json::{json, Value};

const PUBLISHER: &str = "zz-code-council";

/// The swap pack's component with its version (5 characters, `1.0.0`) and
/// mode (`good` or `smok`) markers rewritten.
fn swap_wasm(version: &str, mode: &str) -> Vec<u8> {
    assert_eq!(version.len(), 5, "the marker is fixed width");
    assert_eq!(mode.len(), 4, "the marker is fixed width");
    let built = std::fs::read(build_components(&["swap-pack"]).remove(0)).unwrap();
    let out = replace(
        &built,
        b"SWAP-VERSION:1.0.0",
        format!("SWAP-VERSION:{version}").as_bytes(),
    );
    replace(
        &out,
        b"SWAP-MODE:good",
        format!("SWAP-MODE:{mode}").as_bytes(),
    )
}

fn replace(hay: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let at = hay
        .windows(from.len())
        .position(|w| w == from)
        .unwrap_or_else(|| {
            panic!(
                "marker {:?} not in the component",
                String::from_utf8_lossy(from)
            )
        });
    let mut out = hay.to_vec();
    out[at..at + to.len()].copy_from_slice(to);
    out
}

/// `plancheck <args>` (the server binary is the whole CLI); stdout.
fn cli(args: &[&str]) -> String {
    let out = Command::new(server_bin!()).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "plancheck {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A publisher key pair made with `plancheck pack keygen`, and a work
/// directory for artifacts.
struct Keys {
    dir: tempfile::TempDir,
    secret: PathBuf,
    public: String,
}

impl Keys {
    fn new() -> Keys {
        let dir = tempfile::tempdir().unwrap();
        let prefix = dir.path().join("zz");
        cli(&["pack", "keygen", "--out", prefix.to_str().unwrap()]);
        let public = std::fs::read_to_string(prefix.with_extension("pub"))
            .unwrap()
            .trim()
            .to_string();
        Keys {
            secret: prefix.with_extension("key"),
            public,
            dir,
        }
    }

    /// Signs `wasm` with `plancheck pack sign`; the artifact's bytes.
    fn sign(&self, wasm: &[u8], tag: &str) -> Vec<u8> {
        let src = self.dir.path().join(format!("{tag}.wasm"));
        let out = self.dir.path().join(format!("{tag}.pcpack"));
        std::fs::write(&src, wasm).unwrap();
        let data = self.dir.path().join("data");
        cli(&[
            "pack",
            "sign",
            src.to_str().unwrap(),
            "--key",
            self.secret.to_str().unwrap(),
            "--publisher",
            PUBLISHER,
            "--out",
            out.to_str().unwrap(),
            "--data-dir",
            data.to_str().unwrap(),
        ]);
        std::fs::read(out).unwrap()
    }

    /// The `[trust]` section trusting this key for `ZZ`.
    fn config(&self, extra: &str) -> PathBuf {
        let p = self.dir.path().join("plancheck.toml");
        std::fs::write(
            &p,
            format!(
                "{extra}\n[trust]\n[[trust.publishers]]\nid = \"{PUBLISHER}\"\njurisdictions = [\"ZZ\"]\nkeys = [\"{}\"]\n",
                self.public
            ),
        )
        .unwrap();
        p
    }
}

/// Signs with the library (for artifacts `pack sign` rightly refuses to
/// make) using a fresh or given secret key.
fn sign_with(
    wasm: &[u8],
    manifest: DeclaredManifest,
    publisher: &str,
    secret_b64: &str,
) -> Vec<u8> {
    let key = artifact::secret_key(secret_b64).unwrap();
    artifact::sign(
        wasm,
        manifest,
        publisher,
        &key,
        "2026-12-03T00:00:00Z".into(),
    )
}

fn declared(version: &str) -> DeclaredManifest {
    DeclaredManifest {
        id: "swap-test".into(),
        version: version.into(),
        jurisdiction: "ZZ".into(),
        contract: plancheck::bindings::CONTRACT.into(),
        name: "Hot-swap test pack".into(),
        code: "TEST".into(),
        edition: "1".into(),
    }
}

fn start(keys: &Keys, data_dir: &Path, extra_toml: &str) -> Server {
    let cfg = keys.config(extra_toml);
    Server::start_with(
        server_bin!(),
        Options {
            data_dir: Some(data_dir.to_path_buf()),
            args: vec!["--config".into(), cfg.display().to_string()],
            ..Options::default()
        },
    )
    .ready()
}

fn doors_json(n: usize) -> Vec<u8> {
    let elements: Vec<Value> = (0..n)
        .map(
            |i| json!({"id": format!("door-{i}"), "class": "IfcDoor", "name": format!("Door {i}")}),
        )
        .collect();
    serde_json::to_vec(&json!({"schema": "IFC4", "elements": elements})).unwrap()
}

fn publish(s: &Server, bytes: &[u8], activate: bool, token: &str) -> Reply {
    s.post(
        &format!("/v1/packs/artifacts?activate={activate}&name=upload.pcpack"),
        "application/octet-stream",
        bytes,
        Some(token),
    )
}

/// The version of `swap-test` a check reports (asserting exactly one entry,
/// no error, and that the record agrees).
fn checked_version(v: &Value) -> (String, String) {
    let packs = v["report"]["packs"].as_array().unwrap();
    assert_eq!(packs.len(), 1, "{v}");
    assert!(packs[0].get("error").is_none(), "{v}");
    assert_eq!(v["packs"].as_array().unwrap().len(), 1, "{v}");
    assert_eq!(v["packs"][0]["version"], packs[0]["version"], "{v}");
    (
        packs[0]["version"].as_str().unwrap().to_string(),
        packs[0]["digest"].as_str().unwrap().to_string(),
    )
}

fn check(s: &Server, pack: &str, token: &str) -> (String, String) {
    let v = s
        .post(
            &format!("/v1/checks?pack={pack}&project=swap"),
            "application/json",
            &doors_json(2),
            Some(token),
        )
        .ok();
    checked_version(&v)
}

fn metric(text: &str, name: &str, label: &str) -> f64 {
    text.lines()
        .filter(|l| l.starts_with(name) && l.contains(label))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

#[test]
fn bad_artifacts_are_refused_and_the_active_version_keeps_serving() {
    let keys = Keys::new();
    let data = plancheck_e2e::server::fresh_data_dir();
    let s = start(&keys, data.path(), "");
    let admin = s.token("admin", "root");
    let client = s.token("client", "acme");

    let v1 = keys.sign(&swap_wasm("1.0.0", "good"), "v100");
    let r = publish(&s, &v1, true, &admin);
    assert_eq!(r.status, 201, "{}", r.body);
    let p = r.json();
    assert_eq!(p["version"], "1.0.0", "{p}");
    assert_eq!(p["publisher"], PUBLISHER, "{p}");
    assert_eq!(p["active"], true, "{p}");
    assert_eq!(check(&s, "swap-test", &client).0, "1.0.0");

    let other = artifact::generate_key().unwrap().0;
    let good11 = swap_wasm("1.1.0", "good");
    let mut tampered = keys.sign(&good11, "v110");
    let n = tampered.len();
    tampered[n - 100] ^= 0x55;
    let wrong_version = std::fs::read(build_components(&["wrong-version"]).remove(0)).unwrap();
    let wrong_decl = DeclaredManifest {
        id: "wrong-version".into(),
        version: "0.0.1".into(),
        jurisdiction: "ZZ".into(),
        contract: "0.9.0".into(),
        name: "Wrong version".into(),
        code: "TEST".into(),
        edition: "1".into(),
    };
    let secret = std::fs::read_to_string(&keys.secret).unwrap();
    let cases: Vec<(&str, Vec<u8>, &str, &str)> = vec![
        ("unsigned", good11.clone(), "unsigned", "not a signed plancheck artifact"),
        ("tampered", tampered, "tampered", "signed statement says"),
        (
            "signed with another key",
            sign_with(&good11, declared("1.1.0"), PUBLISHER, &other),
            "wrong_publisher",
            "not a key of publisher `zz-code-council`",
        ),
        (
            "an unknown publisher",
            sign_with(&good11, declared("1.1.0"), "someone-else", &other),
            "unknown_publisher",
            "unknown publisher `someone-else`",
        ),
        (
            "a jurisdiction the publisher is not trusted for",
            sign_with(
                &good11,
                DeclaredManifest {
                    jurisdiction: "GB".into(),
                    ..declared("1.1.0")
                },
                PUBLISHER,
                &secret,
            ),
            "wrong_publisher",
            "not for jurisdiction `GB`",
        ),
        (
            "a wrong contract version",
            sign_with(&wrong_version, wrong_decl, PUBLISHER, &secret),
            "contract_version",
            "targets contract plancheck:plugin@0.9.0, but this host supports plancheck:plugin@0.1.0",
        ),
        (
            "a manifest other than the one signed",
            sign_with(&good11, declared("9.9.9"), PUBLISHER, &secret),
            "manifest_mismatch",
            "manifest mismatch",
        ),
        (
            "another kind of artifact",
            artifact::sign_kind(
                "integration",
                &good11,
                declared("1.1.0"),
                PUBLISHER,
                &artifact::secret_key(&secret).unwrap(),
                "2026-12-03T00:00:00Z".into(),
            ),
            "unsupported_kind",
            "this host serves `rule-pack` artifacts",
        ),
        (
            "a failing smoke test",
            keys.sign(&swap_wasm("2.0.0", "smok"), "smoke"),
            "smoke_test",
            "failed its smoke test (a check of an empty model)",
        ),
    ];
    for (what, bytes, reason, text) in &cases {
        let r = publish(&s, bytes, true, &admin);
        let p = r.problem(422, "artifact-refused");
        assert_eq!(p["reason"], *reason, "{what}: {p}");
        let detail = p["detail"].as_str().unwrap();
        assert!(detail.contains(text), "{what}: `{detail}` lacks `{text}`");
        assert!(
            detail.contains("the active version keeps serving"),
            "{detail}"
        );
        // The old version keeps serving.
        assert_eq!(check(&s, "swap-test", &client).0, "1.0.0", "after {what}");
    }

    // The refusals are visible: status API, metrics, audit log.
    let st = s.get("/v1/packs/status", Some(&client)).ok();
    let reasons: Vec<&str> = st["refusals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["reason"].as_str().unwrap())
        .collect();
    let want: Vec<&str> = cases.iter().map(|c| c.2).collect();
    assert_eq!(reasons, want, "{st}");
    assert_eq!(st["trust"]["unsigned_accepted"], false, "{st}");
    let m = s.get("/metrics", None).body;
    assert_eq!(
        metric(
            &m,
            "plancheck_pack_refusals_total",
            "reason=\"wrong_publisher\""
        ),
        2.0,
        "{m}"
    );
    assert_eq!(
        metric(&m, "plancheck_pack_refusals_total", "reason=\"smoke_test\""),
        1.0,
        "{m}"
    );
    assert_eq!(metric(&m, "plancheck_pack_publishes_total", ""), 1.0, "{m}");
    let audit = s.get("/v1/audit?limit=500", Some(&admin)).ok();
    let refused: Vec<&Value> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "pack.publish" && e["outcome"] == "error")
        .collect();
    assert_eq!(refused.len(), cases.len(), "{audit}");
    assert!(refused.iter().all(|e| e["actor"] == "root"), "{audit}");
    let v = s.get("/v1/packs/swap-test/versions", Some(&client)).ok();
    assert_eq!(v["active"], "1.0.0", "{v}");
    assert_eq!(v["versions"].as_array().unwrap().len(), 1, "{v}");
}

#[test]
fn publishers_publish_only_for_their_jurisdiction_and_admins_activate() {
    let keys = Keys::new();
    let data = plancheck_e2e::server::fresh_data_dir();
    let s = start(&keys, data.path(), "");
    let us = s.token_with("publisher", "us-board", &["--jurisdiction", "US"]);
    let zz = s.token_with("publisher", "zz-board", &["--jurisdiction", "ZZ"]);
    let client = s.token("client", "acme");
    let art = keys.sign(&swap_wasm("1.0.0", "good"), "v100");

    let p = publish(&s, &art, false, &us).problem(403, "forbidden");
    assert_eq!(p["permission"], "publish_packs", "{p}");
    assert_eq!(p["jurisdiction"], "ZZ", "{p}");
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("only for its own jurisdiction `US`, not `ZZ`"),
        "{p}"
    );
    publish(&s, &art, false, &client).problem(403, "forbidden");
    // The ZZ publisher may publish, not activate.
    let p = publish(&s, &art, true, &zz).problem(403, "forbidden");
    assert_eq!(p["permission"], "manage_packs", "{p}");
    let r = publish(&s, &art, false, &zz);
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["active"], false);
    // Published but not active: nothing serves it unpinned yet...
    s.post(
        "/v1/checks?pack=swap-test",
        "application/json",
        &doors_json(1),
        Some(&client),
    )
    .problem(400, "unknown-pack");
    // ...and a publisher cannot activate it.
    s.request(
        "POST",
        "/v1/packs/swap-test/versions/1.0.0/activate",
        Some(&zz),
    )
    .problem(403, "forbidden");
    let audit_actions = {
        let admin = s.token("admin", "root");
        let a = s.get("/v1/audit?limit=500", Some(&admin)).ok();
        a["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                format!(
                    "{} {} {}",
                    e["action"].as_str().unwrap(),
                    e["actor"].as_str().unwrap(),
                    e["outcome"].as_str().unwrap()
                )
            })
            .collect::<Vec<_>>()
    };
    assert!(
        audit_actions.contains(&"pack.publish us-board denied".to_string()),
        "{audit_actions:?}"
    );
    assert!(
        audit_actions.contains(&"pack.publish zz-board ok".to_string()),
        "{audit_actions:?}"
    );
}

/// Reads events until one of type `t`.
fn until_type(
    ws: &mut tungstenite::WebSocket<tungstenite::stream::MaybeTlsStream<std::net::TcpStream>>,
    t: &str,
) -> Value {
    loop {
        match ws.read().expect("an event") {
            tungstenite::Message::Text(x) => {
                let v: Value = serde_json::from_str(&x).unwrap();
                if v["type"] == t {
                    return v;
                }
            }
            tungstenite::Message::Close(f) => panic!("closed: {f:?}"),
            _ => {}
        }
    }
}

#[test]
fn activate_pin_roll_back_and_restart_without_recompiling() {
    let keys = Keys::new();
    let data = plancheck_e2e::server::fresh_data_dir();
    let a1 = keys.sign(&swap_wasm("1.0.0", "good"), "v100");
    let a2 = keys.sign(&swap_wasm("1.1.0", "good"), "v110");
    {
        let s = start(&keys, data.path(), "");
        let admin = s.token("admin", "root");
        let client = s.token("client", "acme");
        assert_eq!(publish(&s, &a1, true, &admin).status, 201);
        assert_eq!(publish(&s, &a2, false, &admin).status, 201);
        // Re-uploading the same artifact is harmless.
        let again = publish(&s, &a2, false, &admin);
        assert_eq!(again.status, 201, "{}", again.body);
        assert_eq!(again.json()["already_published"], true);
        // The same version with other content is a conflict.
        let other = keys.sign(
            &replace(
                &swap_wasm("1.1.0", "good"),
                b"Hot-swap test pack",
                b"Hot-swap TEST pack",
            ),
            "v110b",
        );
        publish(&s, &other, false, &admin).problem(409, "version-conflict");

        // A live session on this pack hears the swap.
        let mut ws =
            tungstenite::connect(format!("ws://{}/v1/live/p/b?access_token={client}", s.addr))
                .unwrap()
                .0;
        if let tungstenite::stream::MaybeTlsStream::Plain(t) = ws.get_mut() {
            t.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
        }
        ws.send(tungstenite::Message::text(
            json!({"type": "model", "packs": ["swap-test"], "model": serde_json::from_slice::<Value>(&doors_json(1)).unwrap()}).to_string(),
        ))
        .unwrap();
        until_type(&mut ws, "summary");

        let (v, d1) = check(&s, "swap-test", &client);
        assert_eq!(v, "1.0.0");
        let r = s
            .request(
                "POST",
                "/v1/packs/swap-test/versions/1.1.0/activate",
                Some(&admin),
            )
            .ok();
        assert_eq!(r["old_version"], "1.0.0", "{r}");
        assert_eq!(r["new_version"], "1.1.0", "{r}");
        let ev = until_type(&mut ws, "pack-swapped");
        assert_eq!(ev["pack"], "swap-test", "{ev}");
        assert_eq!(ev["old_version"], "1.0.0", "{ev}");
        assert_eq!(ev["new_version"], "1.1.0", "{ev}");
        let (v, d2) = check(&s, "swap-test", &client);
        assert_eq!(v, "1.1.0");
        assert_ne!(d1, d2);
        // Pins serve a kept version beside the active one.
        assert_eq!(
            check(&s, "swap-test@1.0.0", &client),
            ("1.0.0".into(), d1.clone())
        );
        s.post(
            "/v1/checks?pack=swap-test@7.7.7",
            "application/json",
            &doors_json(1),
            Some(&client),
        )
        .problem(400, "unknown-pack");
        // Roll back: to the previous version, then to a named one.
        let r = s
            .request("POST", "/v1/packs/swap-test/rollback", Some(&admin))
            .ok();
        assert_eq!(r["new_version"], "1.0.0", "{r}");
        assert_eq!(check(&s, "swap-test", &client).0, "1.0.0");
        let r = s
            .request(
                "POST",
                "/v1/packs/swap-test/rollback?to=1.1.0",
                Some(&admin),
            )
            .ok();
        assert_eq!(r["new_version"], "1.1.0", "{r}");
        s.request(
            "POST",
            "/v1/packs/swap-test/rollback?to=3.0.0",
            Some(&admin),
        )
        .problem(404, "unknown-pack");
        let audit = s.get("/v1/audit?limit=500", Some(&admin)).ok();
        let actions: Vec<&str> = audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["action"].as_str().unwrap().starts_with("pack."))
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        assert_eq!(
            actions,
            [
                "pack.publish",
                "pack.activate",
                "pack.publish",
                "pack.publish",
                "pack.publish",
                "pack.activate",
                "pack.rollback",
                "pack.rollback"
            ],
            "{audit}"
        );
        // SIGKILL: nothing is flushed at exit; what was acknowledged is on disk.
        let mut s = s;
        s.kill();
    }
    // Restart on the same data directory: the same version is active,
    // restored from the store and the compile cache (nothing compiled).
    let s = start(&keys, data.path(), "");
    let client = s.token("client", "acme");
    let admin = s.token("admin", "root");
    let st = s.get("/v1/packs/status", Some(&client)).ok();
    assert_eq!(st["compile_cache"]["compiled"], 0, "{st}");
    let v = s.get("/v1/packs/swap-test/versions", Some(&client)).ok();
    assert_eq!(v["active"], "1.1.0", "{v}");
    assert_eq!(v["previous"], "1.0.0", "{v}");
    assert_eq!(check(&s, "swap-test", &client).0, "1.1.0");
    assert_eq!(check(&s, "swap-test@1.0.0", &client).0, "1.0.0");
    // Deactivate: no published version active; this pack has no
    // packs-directory version, so it is no longer served unpinned.
    let r = s
        .request("POST", "/v1/packs/swap-test/deactivate", Some(&admin))
        .ok();
    assert_eq!(r["new_version"], Value::Null, "{r}");
    s.post(
        "/v1/checks?pack=swap-test",
        "application/json",
        &doors_json(1),
        Some(&client),
    )
    .problem(400, "unknown-pack");
}

/// One answered check: swaps done when it was sent and when it was
/// answered, the version and digest it names.
type Observed = (usize, usize, String, String);

/// The "done when" of issue 4: 100 swaps while clients check; no failed
/// request; every response names one version that was active at some
/// moment between the request being sent and its response (so when its
/// check started). Bounded in requests and time; no timing assertions.
#[test]
fn a_hundred_swaps_under_load_drop_no_request() {
    const SWAPS: usize = 100;
    const CLIENTS: usize = 4;
    let keys = Keys::new();
    let data = plancheck_e2e::server::fresh_data_dir();
    let s = Arc::new(start(&keys, data.path(), "[cache]\nenabled = false\n"));
    let admin = s.token("admin", "root");
    let client = s.token("client", "acme");
    let versions = ["1.0.0", "1.1.0", "1.2.0"];
    let mut digests = std::collections::HashMap::new();
    for v in versions {
        let r = publish(
            &s,
            &keys.sign(&swap_wasm(v, "good"), v),
            v == "1.0.0",
            &admin,
        );
        assert_eq!(r.status, 201, "{}", r.body);
        digests.insert(
            v.to_string(),
            r.json()["digest"].as_str().unwrap().to_string(),
        );
    }
    // Swap k (1-based) activates versions[k % 3]; swap 0 is the initial 1.0.0.
    let version_after = |k: usize| versions[k % versions.len()];
    let done = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let results: Arc<Mutex<Vec<Observed>>> = Arc::default();
    let failures: Arc<Mutex<Vec<String>>> = Arc::default();
    let deadline = Instant::now() + Duration::from_secs(600);
    let clients: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let (s, done, stop, results, failures, client) = (
                s.clone(),
                done.clone(),
                stop.clone(),
                results.clone(),
                failures.clone(),
                client.clone(),
            );
            std::thread::spawn(move || {
                let mut n = 0usize;
                while !stop.load(Ordering::Acquire) && n < 5000 && Instant::now() < deadline {
                    let s0 = done.load(Ordering::Acquire);
                    let r = s.post(
                        "/v1/checks?pack=swap-test&project=load",
                        "application/json",
                        &doors_json(1 + (c + n) % 5),
                        Some(&client),
                    );
                    let s1 = done.load(Ordering::Acquire);
                    n += 1;
                    if r.status != 200 {
                        failures
                            .lock()
                            .unwrap()
                            .push(format!("{}: {}", r.status, r.body));
                        continue;
                    }
                    let v = r.json();
                    let packs = v["report"]["packs"].as_array().cloned().unwrap_or_default();
                    if packs.len() != 1
                        || packs[0].get("error").is_some()
                        || v["packs"].as_array().map(|a| a.len()) != Some(1)
                    {
                        failures
                            .lock()
                            .unwrap()
                            .push(format!("not exactly one good pack: {v}"));
                        continue;
                    }
                    results.lock().unwrap().push((
                        s0,
                        s1,
                        packs[0]["version"].as_str().unwrap().to_string(),
                        packs[0]["digest"].as_str().unwrap().to_string(),
                    ));
                }
            })
        })
        .collect();
    // Let the load start, then swap.
    while results.lock().unwrap().len() < CLIENTS && failures.lock().unwrap().is_empty() {
        assert!(Instant::now() < deadline, "the load never started");
        std::thread::sleep(Duration::from_millis(10));
    }
    let mut activation_ms = Vec::new();
    for k in 1..=SWAPS {
        let v = version_after(k);
        let r = s.request(
            "POST",
            &format!("/v1/packs/swap-test/versions/{v}/activate"),
            Some(&admin),
        );
        let body = r.ok();
        assert_eq!(body["new_version"], v, "{body}");
        activation_ms.push(body["took_ms"].as_f64().unwrap());
        done.store(k, Ordering::Release);
        // Let a few checks through on this version before the next swap,
        // so most checks start and finish within one swap interval.
        let seen = results.lock().unwrap().len();
        while results.lock().unwrap().len() < seen + CLIENTS
            && failures.lock().unwrap().is_empty()
            && Instant::now() < deadline
        {
            std::thread::sleep(Duration::from_millis(2));
        }
    }
    // A little more load after the last swap, then stop.
    let after = results.lock().unwrap().len() + CLIENTS;
    while results.lock().unwrap().len() < after && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    stop.store(true, Ordering::Release);
    for c in clients {
        c.join().unwrap();
    }
    let failures = failures.lock().unwrap();
    assert!(
        failures.is_empty(),
        "{} failed requests, first: {}",
        failures.len(),
        failures[0]
    );
    let results = results.lock().unwrap();
    let mut overlapped_none = 0;
    for (s0, s1, v, d) in results.iter() {
        assert_eq!(digests[v], *d, "version {v} answered with another digest");
        let allowed: Vec<&str> = (*s0..=(*s1 + 1).min(SWAPS)).map(version_after).collect();
        assert!(
            allowed.contains(&v.as_str()),
            "a check sent after swap {s0} and answered before swap {} named {v}, which was not active in between (allowed {allowed:?})",
            s1 + 1
        );
        if s0 == s1 {
            overlapped_none += 1;
        }
    }
    let mut sorted = activation_ms.clone();
    sorted.sort_by(f64::total_cmp);
    println!(
        "{} checks during {SWAPS} swaps, {overlapped_none} within one swap interval; activation took median {:.2} ms, max {:.2} ms (server's own measure)",
        results.len(),
        sorted[sorted.len() / 2],
        sorted[sorted.len() - 1]
    );
    assert!(
        results.len() >= SWAPS / 10,
        "too little load: {}",
        results.len()
    );
    let m = s.get("/metrics", None).body;
    assert_eq!(
        metric(
            &m,
            "plancheck_pack_activation_duration_seconds_count",
            "action=\"pack.activate\""
        ),
        (SWAPS + 1) as f64,
        "{m}"
    );
}

#[test]
fn a_watched_directory_deploys_renamed_artifacts_and_ignores_partial_files() {
    let keys = Keys::new();
    let data = plancheck_e2e::server::fresh_data_dir();
    let drop = tempfile::tempdir().unwrap();
    let s = start(
        &keys,
        data.path(),
        &format!(
            "[packs]\nwatch_dir = \"{}\"\nwatch_interval_ms = 100\n",
            drop.path().display()
        ),
    );
    let client = s.token("client", "acme");
    let wait_active = |v: &str| {
        let t = Instant::now();
        loop {
            let r = s.get("/v1/packs/swap-test/versions", Some(&client));
            if r.status == 200 && r.json()["active"] == v {
                return;
            }
            assert!(
                t.elapsed() < Duration::from_secs(120),
                "{v} never became active: {}",
                r.body
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    };
    // A partial file (the first half, under a dot name) is never read.
    let a1 = keys.sign(&swap_wasm("1.0.0", "good"), "v100");
    std::fs::write(drop.path().join(".swap.pcpack.tmp"), &a1[..a1.len() / 2]).unwrap();
    // Write-then-rename deploys it.
    std::fs::write(drop.path().join(".swap-1.0.0.tmp"), &a1).unwrap();
    std::fs::rename(
        drop.path().join(".swap-1.0.0.tmp"),
        drop.path().join("swap-1.0.0.pcpack"),
    )
    .unwrap();
    wait_active("1.0.0");
    assert_eq!(check(&s, "swap-test", &client).0, "1.0.0");
    // A bad file is refused and the running version stays.
    let mut bad = keys.sign(&swap_wasm("1.1.0", "good"), "v110");
    let n = bad.len();
    bad[n - 10] ^= 1;
    std::fs::write(drop.path().join("swap-1.1.0.pcpack"), &bad).unwrap();
    let t = Instant::now();
    loop {
        let st = s.get("/v1/packs/status", Some(&client)).ok();
        let refusals = st["refusals"].as_array().unwrap().clone();
        if let Some(r) = refusals.first() {
            assert_eq!(r["reason"], "tampered", "{st}");
            assert_eq!(r["by"], "watch:swap-1.1.0.pcpack", "{st}");
            assert_eq!(refusals.len(), 1, "the partial file was looked at: {st}");
            break;
        }
        assert!(
            t.elapsed() < Duration::from_secs(120),
            "never refused: {st}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(check(&s, "swap-test", &client).0, "1.0.0");
    // Fixed in place (a new file renamed over it): deployed.
    let good = keys.sign(&swap_wasm("1.1.0", "good"), "v110");
    std::fs::write(drop.path().join(".fix.tmp"), &good).unwrap();
    std::fs::rename(
        drop.path().join(".fix.tmp"),
        drop.path().join("swap-1.1.0.pcpack"),
    )
    .unwrap();
    wait_active("1.1.0");
    assert_eq!(check(&s, "swap-test", &client).0, "1.1.0");
}

#[test]
fn pack_cli_verifies_and_inspects_artifacts() {
    let keys = Keys::new();
    let art = keys.sign(&swap_wasm("1.0.0", "good"), "cli");
    let path = keys.dir.path().join("cli.pcpack");
    let data = keys.dir.path().join("data");
    let cfg = keys.config("");
    let (p, d, c) = (
        path.to_str().unwrap(),
        data.to_str().unwrap(),
        cfg.to_str().unwrap(),
    );
    let out = cli(&["pack", "verify", p, "--config", c, "--data-dir", d]);
    assert!(
        out.starts_with("ok: swap-test@1.0.0 (jurisdiction ZZ)"),
        "{out}"
    );
    assert!(out.contains("a trusted publisher"), "{out}");

    let v: Value = serde_json::from_str(&cli(&[
        "pack",
        "inspect",
        p,
        "--format",
        "json",
        "--data-dir",
        d,
    ]))
    .unwrap();
    assert_eq!(v["manifest"]["id"], "swap-test", "{v}");
    assert_eq!(v["contract"], plancheck::bindings::CONTRACT, "{v}");
    assert_eq!(v["publisher"], PUBLISHER, "{v}");
    assert_eq!(v["signature"], "valid", "{v}");
    assert_eq!(v["signer"], artifact::fingerprint(&keys.public), "{v}");
    assert_eq!(
        v["digest"],
        plancheck::packs::compile_cache::digest(&swap_wasm("1.0.0", "good")),
        "{v}"
    );
    let imports: Vec<&str> = v["imports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i.as_str().unwrap())
        .collect();
    assert!(
        imports.contains(
            &format!("plancheck:plugin/model@{}", plancheck::bindings::CONTRACT).as_str()
        ),
        "{imports:?}"
    );
    let table = cli(&["pack", "inspect", p, "--data-dir", d]);
    assert!(table.contains("swap-test@1.0.0"), "{table}");
    assert!(
        table.contains(&format!(
            "plancheck:plugin@{}",
            plancheck::bindings::CONTRACT
        )),
        "{table}"
    );

    // Tampered: exit 2 with the reason; another key: wrong publisher.
    let mut bad = art.clone();
    let n = bad.len();
    bad[n - 7] ^= 1;
    let bad_path = keys.dir.path().join("bad.pcpack");
    std::fs::write(&bad_path, &bad).unwrap();
    let o = Command::new(server_bin!())
        .args([
            "pack",
            "verify",
            bad_path.to_str().unwrap(),
            "--config",
            c,
            "--data-dir",
            d,
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.starts_with("refused (tampered): bad.pcpack: tampered"),
        "{text}"
    );
    let other = sign_with(
        &swap_wasm("1.0.0", "good"),
        declared("1.0.0"),
        PUBLISHER,
        &artifact::generate_key().unwrap().0,
    );
    std::fs::write(&bad_path, &other).unwrap();
    let o = Command::new(server_bin!())
        .args([
            "pack",
            "verify",
            bad_path.to_str().unwrap(),
            "--config",
            c,
            "--data-dir",
            d,
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stdout).starts_with("refused (wrong_publisher)"),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
}

/// `[packs] keep_versions` prunes the oldest published versions (never the
/// active one or the one before it); a stored version that no longer
/// verifies after a restart (its publisher removed from `[trust]`) is not
/// served, is listed as a refusal, and does not stop the server.
#[test]
fn old_versions_are_pruned_and_untrusted_ones_are_not_restored() {
    let keys = Keys::new();
    let data = plancheck_e2e::server::fresh_data_dir();
    {
        let s = start(&keys, data.path(), "[packs]\nkeep_versions = 2\n");
        let admin = s.token("admin", "root");
        for (v, activate) in [
            ("1.0.0", true),
            ("1.1.0", true),
            ("1.2.0", false),
            ("1.3.0", false),
        ] {
            let r = publish(&s, &keys.sign(&swap_wasm(v, "good"), v), activate, &admin);
            assert_eq!(r.status, 201, "{}", r.body);
        }
        let v = s.get("/v1/packs/swap-test/versions", Some(&admin)).ok();
        let kept: Vec<&str> = v["versions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["version"].as_str().unwrap())
            .collect();
        // 1.1.0 active and 1.0.0 before it are kept; 1.2.0 was the oldest
        // of the rest when 1.3.0 came.
        assert_eq!(kept, ["1.0.0", "1.1.0", "1.3.0"], "{v}");
        let audit = s.get("/v1/audit?limit=500", Some(&admin)).ok();
        assert!(
            audit["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["action"] == "pack.prune" && e["target"] == "swap-test@1.2.0"),
            "{audit}"
        );
        let mut s = s;
        s.terminate();
    }
    // Restart trusting nobody (but refusing unsigned): the stored versions
    // do not verify any more; the server starts and serves its packs
    // directory.
    let cfg = keys.dir.path().join("strict.toml");
    std::fs::write(&cfg, "[trust]\nallow_unsigned = true\n[[trust.publishers]]\nid = \"other\"\njurisdictions = [\"ZZ\"]\nkeys = [\"HPALikrqa7e3E7FVgZTYuKvV0hbzOwYZb2AFVatXE3M=\"]\n").unwrap();
    let s = Server::start_with(
        server_bin!(),
        Options {
            data_dir: Some(data.path().to_path_buf()),
            args: vec!["--config".into(), cfg.display().to_string()],
            ..Options::default()
        },
    )
    .ready();
    let client = s.token("client", "acme");
    let st = s.get("/v1/packs/status", Some(&client)).ok();
    let refusals = st["refusals"].as_array().unwrap();
    assert_eq!(refusals.len(), 3, "{st}");
    assert!(
        refusals
            .iter()
            .all(|r| r["by"] == "restore" && r["reason"] == "unknown_publisher"),
        "{st}"
    );
    s.get("/v1/packs/swap-test/versions", Some(&client))
        .problem(404, "unknown-pack");
    // The packs directory still serves.
    let v = s
        .post(
            "/v1/checks?pack=us-ibc-2021",
            "application/json",
            &doors_json(1),
            Some(&client),
        )
        .ok();
    assert_eq!(v["packs"][0]["id"], "us-ibc-2021", "{v}");
}
