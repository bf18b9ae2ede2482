//! `plancheck` end to end: the real binary, the real rule packs built as
//! components, the committed IFC fixtures. Exit codes, table and JSON output,
//! and every way a user can get it wrong.

use std::path::Path;
use std::process::{Command, Output};

mod common;
use common::{model, packs_dir, PACKS};

fn plancheck(args: &[&str], packs: &Path) -> Output {
    let data = tempfile::tempdir().unwrap();
    Command::new(env!("CARGO_BIN_EXE_plancheck"))
        .args(args)
        .env("PLANCHECK_PACKS_DIR", packs)
        .env("PLANCHECK_DATA_DIR", data.path())
        .env_remove("PLANCHECK_LOG")
        .output()
        .expect("run plancheck")
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn packs_lists_manifests() {
    let o = plancheck(&["packs"], packs_dir());
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{err}");
    for p in PACKS {
        assert!(out.contains(p), "{out}");
    }
    assert!(out.contains("IBC 2021 §1011.5.2"), "{out}");
    assert!(out.contains("stair-riser-height"), "{out}");

    let o = plancheck(&["packs", "--format", "json"], packs_dir());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let ids: Vec<&str> = v["packs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["manifest"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["uk-adk-2013", "us-ibc-2021", "us-irc-2021"]);
    let ibc = &v["packs"][1];
    assert_eq!(ibc["manifest"]["jurisdiction"], "US");
    assert_eq!(ibc["manifest"]["contract"], "0.2.0");
    assert_eq!(ibc["digest"].as_str().unwrap().len(), 64);
}

#[test]
fn check_table_reports_violations_with_citations_and_exit_1() {
    let m = model("house-ifc4-mm.ifc");
    let o = plancheck(
        &["check", "--pack", "us-ibc-2021", m.to_str().unwrap()],
        packs_dir(),
    );
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "violations → exit 1\n{out}{err}");
    assert!(out.contains("IFC4"), "{out}");
    assert!(out.contains("violation"), "{out}");
    assert!(out.contains("IBC 2021 §1011.5.2"), "{out}");
    // Element names come from the model, next to their GlobalIds.
    assert!(out.contains("SF-steep (0poOnmoe5MhO1eKI9qzZrB)"), "{out}");
    // Millimetres first, the code's unit beside.
    assert!(out.contains("200 mm (7.87 in)"), "{out}");
    assert!(out.contains("Summary:"), "{out}");
}

#[test]
fn check_json_is_stable_and_names_elements() {
    let m = model("house-ifc2x3-m.ifc");
    let o = plancheck(
        &[
            "check",
            "--jurisdiction",
            "US",
            "--format",
            "json",
            m.to_str().unwrap(),
        ],
        packs_dir(),
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o).1);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON on stdout");
    assert_eq!(v["format"], "1");
    assert_eq!(v["model"]["schema"], "IFC2X3");
    let packs: Vec<&str> = v["packs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["pack"].as_str().unwrap())
        .collect();
    assert_eq!(packs, ["us-ibc-2021", "us-irc-2021"]);
    let findings = v["packs"][0]["findings"].as_array().unwrap();
    let steep = findings
        .iter()
        .find(|f| f["rule"] == "stair-riser-height" && f["elements"][0] == "0poOnmoe5MhO1eKI9qzZrB")
        .expect("SF-steep riser finding");
    assert_eq!(steep["outcome"], "violation");
    assert_eq!(steep["citation"]["code"], "IBC");
    assert_eq!(steep["citation"]["edition"], "2021");
    assert_eq!(steep["citation"]["section"], "1011.5.2");
    assert_eq!(steep["measured"]["kind"], "length");
    assert!((steep["measured"]["si"].as_f64().unwrap() - 0.2).abs() < 1e-9);
    let total: usize = v["packs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            p["findings"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|f| f["outcome"] == "violation")
                .count()
        })
        .sum();
    assert_eq!(v["summary"]["violation"].as_u64().unwrap() as usize, total);
}

#[test]
fn a_compliant_model_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ok.json");
    std::fs::write(
        &path,
        r#"{"schema":"IFC4","elements":[
            {"id":"1hOSvn6df7F8_7GcBWlRGQ","class":"IfcStairFlight","name":"Good flight",
             "attributes":[
               {"name":"RiserHeight","value":{"type":"measure","value":{"kind":"length","si":0.17}},"dataType":"IfcPositiveLengthMeasure"},
               {"name":"TreadLength","value":{"type":"measure","value":{"kind":"length","si":0.29}},"dataType":"IfcPositiveLengthMeasure"}]}
        ]}"#,
    )
    .unwrap();
    let o = plancheck(
        &[
            "check",
            "--pack",
            "us-ibc-2021",
            "--rule",
            "stair-riser-height",
            "--rule",
            "stair-tread-depth",
            path.to_str().unwrap(),
        ],
        packs_dir(),
    );
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{err}");
    assert!(out.contains("0 violations"), "{out}");
    assert!(out.contains("2 passed"), "{out}");
}

#[test]
fn user_errors_exit_2_with_a_clear_message() {
    let m = model("house-ifc4-m.ifc");
    let m = m.to_str().unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["check", "--pack", "us-ibc-2020", m],
            "no pack `us-ibc-2020`",
        ),
        (
            vec!["check", m],
            "name at least one --pack or a --jurisdiction",
        ),
        (
            vec!["check", "--jurisdiction", "FR", m],
            "no pack for jurisdiction `FR`",
        ),
        (
            vec![
                "check",
                "--pack",
                "us-ibc-2021",
                "--rule",
                "no-such-rule",
                m,
            ],
            "no selected pack has a rule `no-such-rule`",
        ),
        (
            vec!["check", "--pack", "us-ibc-2021", "/nonexistent/model.ifc"],
            "/nonexistent/model.ifc",
        ),
    ];
    for (args, want) in cases {
        let o = plancheck(&args, packs_dir());
        let (out, err) = text(&o);
        assert_eq!(o.status.code(), Some(2), "{args:?}\n{out}{err}");
        assert!(
            err.contains(want),
            "{args:?}: stderr `{err}` lacks `{want}`"
        );
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn a_broken_model_names_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.ifc");
    std::fs::write(
        &path,
        "ISO-10303-21;\nHEADER;\nFILE_DESCRIPTION((''),'2;1');\nFILE_NAME('','',(''),(''),'','','');\nFILE_SCHEMA(('IFC4'));\nENDSEC;\nDATA;\n#1=IFCPROJECT('0YvctVUKr0kugbFTf53O9L',$,'P',$,$,$,$,$,$);\n#2=IFCDOOR('1",
    )
    .unwrap();
    let o = plancheck(
        &["check", "--pack", "us-ibc-2021", path.to_str().unwrap()],
        packs_dir(),
    );
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{out}{err}");
    assert!(err.contains("broken.ifc"), "{err}");
    assert!(err.contains(":9"), "names line 9: {err}");
}

#[test]
fn a_bad_pack_file_is_reported_and_the_others_still_work() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        packs_dir().join("us-ibc-2021.wasm"),
        dir.path().join("us-ibc-2021.wasm"),
    )
    .unwrap();
    std::fs::write(dir.path().join("junk.wasm"), b"\0asm\x0d\0\x01\0junk").unwrap();

    let o = plancheck(&["packs"], dir.path());
    let (out, err) = text(&o);
    assert_eq!(
        o.status.code(),
        Some(2),
        "a pack failed to load → 2\n{out}{err}"
    );
    assert!(out.contains("NOT LOADED"), "{out}");
    assert!(out.contains("junk.wasm"), "{out}");
    assert!(out.contains("us-ibc-2021"), "{out}");

    let m = model("house-ifc4-ft.ifc");
    let o = plancheck(
        &["check", "--pack", "us-ibc-2021", m.to_str().unwrap()],
        dir.path(),
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o).1);
}

/// `plancheck token`: on defaults it generates the development key in the
/// data directory and prints only the token, which the server's
/// authenticator (same directory) accepts.
#[test]
fn token_mints_with_the_dev_key() {
    use plancheck::auth::{AuthConfig, Authenticator, Role, DEV_KEY_FILE};
    let data = tempfile::tempdir().unwrap();
    let token = |args: &[&str]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_plancheck"));
        cmd.arg("token")
            .args(args)
            .arg("--data-dir")
            .arg(data.path())
            .env_remove("PLANCHECK_CONFIG")
            .env_remove("PLANCHECK_DATA_DIR")
            .env_remove("PLANCHECK_LOG");
        for (k, _) in std::env::vars_os() {
            if k.to_string_lossy().starts_with("PLANCHECK_AUTH_") {
                cmd.env_remove(k);
            }
        }
        cmd.output().expect("run plancheck token")
    };

    let o = token(&["--role", "client", "--sub", "acme"]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{err}");
    assert!(err.contains(DEV_KEY_FILE), "{err}");
    let key = data.path().join(DEV_KEY_FILE);
    assert!(key.is_file());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    assert_eq!(out.lines().count(), 1, "only the token on stdout: {out}");
    let auth = Authenticator::new(&AuthConfig::default(), data.path()).unwrap();
    assert!(!auth.dev_key_generated());
    let caller = auth.verify(out.trim()).unwrap();
    assert_eq!((caller.sub.as_str(), caller.role), ("acme", Role::Client));

    let o = token(&[
        "--role",
        "publisher",
        "--sub",
        "city",
        "--jurisdiction",
        "US",
        "--ttl-secs",
        "60",
    ]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}{err}");
    assert!(err.is_empty(), "the key is reused silently: {err}");
    let caller = auth.verify(out.trim()).unwrap();
    assert_eq!(caller.jurisdiction.as_deref(), Some("US"));

    let o = token(&["--role", "publisher", "--sub", "city"]);
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{out}{err}");
    assert!(out.is_empty(), "{out}");
    assert!(err.contains("jurisdiction"), "{err}");

    let o = token(&["--role", "root", "--sub", "x"]);
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("unknown role"), "{err}");
}

/// A packs dir holding only the `ids` pack, built as a component.
fn ids_packs_dir() -> &'static Path {
    static DIR: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let out = Command::new(cargo)
            .current_dir(common::root())
            .args([
                "build",
                "--profile",
                "plugin",
                "--target",
                "wasm32-wasip2",
                "-p",
                "ids",
            ])
            .output()
            .expect("run cargo");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let dir = common::root().join("target").join("cli-test-ids-pack");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::copy(
            common::root().join("target/wasm32-wasip2/plugin/ids.wasm"),
            dir.join("ids.wasm"),
        )
        .unwrap();
        dir
    })
}

#[test]
fn check_with_an_ids_file_runs_the_ids_pack() {
    let ids = common::root().join("tests/fixtures/ids/house.ids");
    let m = model("house-ifc4-mm.ifc");
    let o = plancheck(
        &[
            "check",
            "--ids",
            ids.to_str().unwrap(),
            "--format",
            "json",
            m.to_str().unwrap(),
        ],
        ids_packs_dir(),
    );
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let pack = &v["packs"][0];
    assert_eq!(pack["pack"], "ids", "{out}");
    let findings = pack["findings"].as_array().unwrap();
    let spec = |name: &str| {
        findings
            .iter()
            .find(|f| {
                f["rule"] == "ids.specification"
                    && f["citation"]["section"].as_str().unwrap().contains(name)
            })
            .unwrap_or_else(|| panic!("no summary for {name}: {out}"))
    };
    // the riser limit is in metres (SI); the file is in millimetres: the
    // 200 mm flight fails, the 165 mm one passes
    let risers = spec("Stair risers at most 190 mm");
    assert_eq!(risers["outcome"], "violation", "{risers}");
    assert_eq!(risers["citation"]["code"], "Plancheck house handover");
    assert_eq!(risers["citation"]["edition"], "2026-1");
    let riser_findings: Vec<&serde_json::Value> = findings
        .iter()
        .filter(|f| {
            f["rule"] == "ids.requirement"
                && f["citation"]["section"].as_str().unwrap().contains("H-02")
        })
        .collect();
    assert!(
        riser_findings.iter().any(|f| f["outcome"] == "pass"),
        "{out}"
    );
    assert!(
        riser_findings
            .iter()
            .any(|f| f["outcome"] == "violation" && f["message"].as_str().unwrap().contains("0.2")),
        "{out}"
    );
    // the instructions are the citation's text
    assert!(riser_findings[0]["citation"]["section"]
        .as_str()
        .unwrap()
        .contains("Riser height in metres."));
    assert_eq!(
        spec("Storeys belong to a building")["outcome"],
        "pass",
        "{out}"
    );

    // an IDS that is not IDS: exit 2, the line and the problem named
    let bad = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(
        bad.path(),
        "<ids xmlns=\"http://standards.buildingsmart.org/IDS\"><info><title>x</title></info><specifications><specification name=\"s\"><applicability><entity><name><simpleValue>IFCWALL</simpleValue></name></entity></applicability></specification></specifications></ids>",
    )
    .unwrap();
    let o = plancheck(
        &[
            "check",
            "--ids",
            bad.path().to_str().unwrap(),
            m.to_str().unwrap(),
        ],
        ids_packs_dir(),
    );
    let (out, err) = text(&o);
    assert_eq!(o.status.code(), Some(2), "{out}{err}");
    assert!(
        out.contains("not valid IDS 1.0") && out.contains("ifcVersion"),
        "{out}{err}"
    );
    // an IDS file that does not exist
    let o = plancheck(
        &["check", "--ids", "/nonexistent.ids", m.to_str().unwrap()],
        ids_packs_dir(),
    );
    let (_, err) = text(&o);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        err.contains("cannot read the IDS file /nonexistent.ids"),
        "{err}"
    );
}
