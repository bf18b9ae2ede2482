//! Hostile plugins, as real components built here, against the real
//! sandbox: each misbehaviour is a clear error for that plugin, and the same
//! host then checks a good model correctly.

use std::sync::Arc;
use std::time::{Duration, Instant};

use plancheck::sandbox::{PackCode, PluginError, Sandbox, SandboxConfig};
use plancheck_e2e::{build_components, doors_model};
use plancheck_model::{CheckOptions, Outcome};

fn sandbox() -> Sandbox {
    Sandbox::new(SandboxConfig {
        cpu_time: Duration::from_millis(500),
        memory_bytes: 64 << 20,
        ..SandboxConfig::default()
    })
    .expect("sandbox")
}

fn load(sb: &Sandbox, package: &str) -> Result<PackCode, PluginError> {
    let path = build_components(&[package]).remove(0);
    sb.load_pack(package, &std::fs::read(&path).unwrap(), None)
}

fn mode(m: &str) -> CheckOptions {
    CheckOptions {
        rules: vec![],
        parameters: vec![("mode".into(), m.into())],
    }
}

/// The good path on the same sandbox: one pass finding per door.
fn assert_still_good(sb: &Sandbox, code: &PackCode) {
    let model = Arc::new(doors_model(3));
    let (res, _) = sb.check(code, model, &CheckOptions::default());
    let findings = res.expect("good check after a hostile one");
    assert_eq!(findings.len(), 3);
    assert!(findings.iter().all(|f| f.outcome == Outcome::Pass));
    let mut ids: Vec<_> = findings.iter().map(|f| f.elements[0].clone()).collect();
    ids.sort();
    assert_eq!(ids, ["door-0", "door-1", "door-2"]);
}

#[test]
fn hostile_behaviour_is_a_clear_error_and_the_host_carries_on() {
    build_components(&["hostile-pack", "wrong-import", "wrong-version"]);
    let sb = sandbox();
    let code = load(&sb, "hostile-pack").expect("hostile pack loads");
    assert_still_good(&sb, &code);

    type Case = (&'static str, fn(&PluginError) -> bool, &'static str);
    let cases: [Case; 7] = [
        (
            "loop",
            |e| matches!(e, PluginError::CpuTime { .. }),
            "CPU time limit",
        ),
        (
            "memory",
            |e| matches!(e, PluginError::Memory { .. }),
            "memory limit of 64 MiB",
        ),
        (
            "stack",
            |e| matches!(e, PluginError::StackOverflow { .. }),
            "overflowed its stack",
        ),
        (
            "panic",
            |e| matches!(e, PluginError::Panic { .. }),
            "rule table corrupted: expected 3 limits, found 2",
        ),
        (
            "trap",
            |e| matches!(e, PluginError::Trap { .. }),
            "trapped in `check`",
        ),
        (
            "error",
            |e| matches!(e, PluginError::Pack { .. }),
            "mode `error` asked for an error",
        ),
        (
            "undeclared",
            |e| matches!(e, PluginError::Contract { .. }),
            "rule `not-in-manifest`, which its manifest does not declare",
        ),
    ];
    for (m, is_kind, text) in cases {
        let t = Instant::now();
        let (res, _) = sb.check(&code, Arc::new(doors_model(3)), &mode(m));
        let err = res.expect_err(m);
        let msg = err.to_string();
        println!("{m}: {msg} ({:?})", t.elapsed());
        assert!(is_kind(&err), "mode {m}: wrong error kind: {err:?}");
        assert!(
            msg.contains(text),
            "mode {m}: message `{msg}` lacks `{text}`"
        );
        assert!(
            msg.starts_with("hostile-pack:"),
            "mode {m}: message must name the plugin: {msg}"
        );
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "mode {m} took {:?}",
            t.elapsed()
        );
        assert_still_good(&sb, &code);
    }
}

#[test]
fn an_import_the_host_does_not_provide_is_named() {
    let sb = sandbox();
    let err = load(&sb, "wrong-import").expect_err("must be refused");
    assert!(matches!(err, PluginError::MissingImport { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains("evil:net/socket"), "{msg}");
    assert!(msg.contains("does not provide"), "{msg}");
    let good = load(&sb, "hostile-pack").expect("good pack still loads");
    assert_still_good(&sb, &good);
}

#[test]
fn an_unsupported_contract_version_names_both_versions() {
    let sb = sandbox();
    let err = load(&sb, "wrong-version").expect_err("must be refused");
    assert!(
        matches!(err, PluginError::ContractVersion { .. }),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(msg.contains("plancheck:plugin@0.9.0"), "{msg}");
    assert!(msg.contains("plancheck:plugin@0.1.0, 0.2.0"), "{msg}");
    let good = load(&sb, "hostile-pack").expect("good pack still loads");
    assert_still_good(&sb, &good);
}

#[test]
fn bytes_that_are_not_a_component_are_refused() {
    let sb = sandbox();
    let err = sb
        .load_pack("junk.wasm", b"\0asm\x01\0\0\0garbage", None)
        .expect_err("junk refused");
    assert!(matches!(err, PluginError::Invalid { .. }), "{err:?}");
    assert!(err
        .to_string()
        .starts_with("junk.wasm: not a valid WebAssembly component"));
    let err = sb
        .load_pack("text.wasm", b"hello", None)
        .expect_err("text refused");
    assert!(matches!(err, PluginError::Invalid { .. }), "{err:?}");
}

#[test]
fn a_looping_pack_does_not_hold_up_a_good_one() {
    let sb = Arc::new(sandbox());
    let code = Arc::new(load(&sb, "hostile-pack").unwrap());
    let (sb2, code2) = (sb.clone(), code.clone());
    let looping =
        std::thread::spawn(move || sb2.check(&code2, Arc::new(doors_model(1)), &mode("loop")).0);
    // While the loop burns its budget, good checks complete.
    std::thread::sleep(Duration::from_millis(50));
    let t = Instant::now();
    assert_still_good(&sb, &code);
    assert!(
        t.elapsed() < Duration::from_millis(400),
        "good check waited {:?}",
        t.elapsed()
    );
    let res = looping.join().unwrap();
    assert!(matches!(res, Err(PluginError::CpuTime { .. })));
}

#[test]
fn compiled_packs_are_cached_on_disk_and_a_corrupt_artifact_is_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = SandboxConfig {
        cache_dir: Some(dir.path().to_path_buf()),
        ..SandboxConfig::default()
    };
    let path = build_components(&["hostile-pack"]).remove(0);
    let bytes = std::fs::read(&path).unwrap();
    let sb = Sandbox::new(cfg.clone()).unwrap();
    let first = sb.load_pack("hostile-pack", &bytes, None).unwrap();
    let artifact = plancheck::packs::compile_cache::artifact_path(&sb, first.digest()).unwrap();
    assert!(artifact.exists(), "artifact written");
    let written = std::fs::metadata(&artifact).unwrap().modified().unwrap();
    drop(sb);

    // A new engine (a restart) loads the artifact instead of compiling.
    let sb = Sandbox::new(cfg.clone()).unwrap();
    let second = sb.load_pack("hostile-pack", &bytes, None).unwrap();
    assert_eq!(
        std::fs::metadata(&artifact).unwrap().modified().unwrap(),
        written
    );
    assert_still_good(&sb, &second);

    // A corrupt artifact is discarded and rebuilt, not trusted.
    std::fs::write(&artifact, b"not a compiled component").unwrap();
    let third = sb.load_pack("hostile-pack", &bytes, None).unwrap();
    assert_still_good(&sb, &third);
    assert!(std::fs::read(&artifact).unwrap().len() > 1000);
}

/// Runs a probe mode and returns the message it reported.
fn probe(sb: &Sandbox, code: &PackCode, mode_name: &str, extra: &[(&str, &str)]) -> String {
    let mut opts = mode(mode_name);
    opts.parameters
        .extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let (res, _) = sb.check(code, Arc::new(doors_model(0)), &opts);
    let findings = res.unwrap_or_else(|e| panic!("{mode_name}: {e}"));
    findings[0].message.clone()
}

#[test]
fn wasi_is_deny_by_default_no_env_files_stdio_or_network() {
    // Something secret in the host's environment must not reach a pack.
    std::env::set_var("PLANCHECK_TEST_SECRET", "hunter2");
    let sb = sandbox();
    let code = load(&sb, "hostile-pack").unwrap();

    let env = probe(&sb, &code, "probe-env", &[]);
    println!("{env}");
    assert!(env.contains("env vars: []"), "{env}");
    assert!(env.contains("args: 0"), "{env}");
    assert!(!env.contains("hunter2") && !env.contains("PLANCHECK_TEST_SECRET"));

    let fs = probe(&sb, &code, "probe-fs", &[]);
    println!("{fs}");
    assert!(fs.contains("root: Err("), "{fs}");
    assert!(fs.contains("etc: Err("), "{fs}");
    assert!(fs.contains("data: Err("), "{fs}");

    // A real listener on loopback: the pack must not reach it.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let net = probe(&sb, &code, "probe-net", &[("addr", &addr)]);
    println!("{net}");
    assert!(net.contains("tcp: Err("), "{net}");
    assert!(net.contains("dns: Err("), "{net}");
    std::thread::sleep(Duration::from_millis(50));
    assert!(
        matches!(listener.accept(), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
        "the pack connected to {addr}"
    );
}

#[test]
fn a_granted_data_directory_is_readable_and_read_only() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("limits.txt"), "riser 7 in").unwrap();
    let sb = sandbox();
    let path = build_components(&["hostile-pack"]).remove(0);
    let code = sb
        .load_pack(
            "hostile-pack",
            &std::fs::read(&path).unwrap(),
            Some(plancheck::sandbox::DataDir {
                host: dir.path().to_path_buf(),
                guest: "/data".into(),
            }),
        )
        .unwrap();
    let fs = probe(&sb, &code, "probe-fs", &[]);
    println!("{fs}");
    assert!(fs.contains(r#"data: Ok("riser 7 in")"#), "{fs}");
    assert!(fs.contains("write: Err("), "{fs}");
    assert!(
        fs.contains("etc: Err("),
        "outside the grant stays closed: {fs}"
    );
    assert!(!dir.path().join("evil.txt").exists());
}

#[test]
fn the_wrong_version_fixture_is_the_real_contract_re_versioned() {
    let root = plancheck_e2e::workspace_root();
    let real = std::fs::read_to_string(root.join("wit/plancheck.wit")).unwrap();
    let copy = std::fs::read_to_string(root.join("tests/hostile/wrong-version/wit/plancheck.wit"))
        .unwrap();
    assert_eq!(
        copy,
        real.replace(
            "package plancheck:plugin@0.2.0;",
            "package plancheck:plugin@0.9.0;"
        ),
        "regenerate with: sed 's/^package plancheck:plugin@0.2.0;/package plancheck:plugin@0.9.0;/' wit/plancheck.wit > tests/hostile/wrong-version/wit/plancheck.wit"
    );
}

#[test]
fn a_pack_built_for_contract_0_1_0_still_loads_and_checks() {
    // a jurisdiction's signed 0.1.0 pack cannot just be rebuilt: the host
    // serves every minor in bindings::CONTRACTS
    let sb = sandbox();
    let code = load(&sb, "contract-v0-1").expect("a 0.1.0 pack loads");
    assert_eq!(code.contract(), "0.1.0");
    let manifest = sb.manifest(&code).expect("manifest");
    assert_eq!(manifest.contract, "0.1.0");
    let (res, _) = sb.check(&code, Arc::new(doors_model(3)), &CheckOptions::default());
    let findings = res.expect("a 0.1.0 pack checks");
    assert_eq!(findings.len(), 3);
    assert!(findings
        .iter()
        .all(|f| f.outcome == Outcome::NotAssessable && f.citation.section == "1"));
    assert!(
        findings[0].message.contains("schema IFC4"),
        "{}",
        findings[0].message
    );
    // and the newest contract on the same sandbox
    let good = load(&sb, "hostile-pack").expect("a 0.2.0 pack loads");
    assert_eq!(good.contract(), "0.2.0");
    assert_still_good(&sb, &good);
}
