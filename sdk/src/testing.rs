//! The test harness for pack authors (feature `testing`, for
//! `[dev-dependencies]`): load fixture models, run a pack's rules natively,
//! build the pack as a component and run it through the real host, and
//! compare findings with hand-written expectations.
//!
//! ```no_run
//! use plancheck_sdk::testing::*;
//! use plancheck_sdk::{CheckOptions, Outcome};
//! # use plancheck_sdk::{Finding, Manifest, ModelView, PackError, RulePack};
//! # struct MyPack;
//! # impl RulePack for MyPack {
//! #     fn manifest() -> Manifest { unimplemented!() }
//! #     fn check(_: &dyn ModelView, _: &CheckOptions) -> Result<Vec<Finding>, PackError> {
//! #         Ok(vec![])
//! #     }
//! # }
//!
//! // In a pack's tests/fixtures.rs:
//! #[test]
//! fn doors() {
//!     let model = load_model(workspace_root().join("tests/fixtures/models/house-ifc4-mm.ifc"));
//!     let options = CheckOptions::default();
//!     let native = run_native::<MyPack>(&model, &options);
//!     let wasm = run_component(&build_component(env!("CARGO_PKG_NAME")), &model, &options);
//!     assert_eq!(native, wasm);
//!     // Every (rule, element, outcome), hand-computed:
//!     let expected = load_expected(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/expected.json"));
//!     assert_findings(&native, &expected, "house-ifc4-mm");
//!     // One finding, looked up by rule and element:
//!     let door = native
//!         .iter()
//!         .find(|f| f.rule == "door-clear-width" && f.elements == ["2TeTY$BiDPbw7pKXtiySBw"])
//!         .expect("a finding for D-narrow");
//!     assert_eq!(door.outcome, Outcome::Violation);
//! }
//! ```

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex, OnceLock};

use crate::{CheckOptions, Finding, Model, Outcome, RulePack};
use plancheck::sandbox::{PackCode, Sandbox, SandboxConfig};

/// Loads an IFC or JSON model, panicking with the loader's message.
pub fn load_model(path: impl AsRef<Path>) -> Model {
    let path = path.as_ref();
    plancheck::input::load_file(path)
        .unwrap_or_else(|e| panic!("cannot load model {}: {e}", path.display()))
}

/// Runs a pack's `check` natively (no sandbox), panicking on a pack error.
pub fn run_native<P: RulePack>(model: &Model, options: &CheckOptions) -> Vec<Finding> {
    P::check(model, options).unwrap_or_else(|e| panic!("pack refused to check: {e}"))
}

/// The workspace root: the nearest ancestor of the current crate whose
/// `Cargo.toml` declares `[workspace]`.
pub fn workspace_root() -> PathBuf {
    let start = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::current_dir().expect("cwd"));
    let mut dir = start.as_path();
    loop {
        let manifest = dir.join("Cargo.toml");
        if std::fs::read_to_string(&manifest).is_ok_and(|s| s.contains("[workspace]")) {
            return dir.to_path_buf();
        }
        dir = dir
            .parent()
            .unwrap_or_else(|| panic!("no workspace above {}", start.display()));
    }
}

/// Where `cargo build --profile plugin --target wasm32-wasip2` puts a crate's component.
pub fn component_path(package: &str) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"));
    target
        .join("wasm32-wasip2")
        .join("plugin")
        .join(format!("{}.wasm", package.replace('-', "_")))
}

static BUILT: OnceLock<Mutex<HashMap<String, PathBuf>>> = OnceLock::new();

/// Builds the given crates as `wasm32-wasip2` components (profile `plugin`)
/// in one cargo invocation and returns their paths. Each crate is built at
/// most once per test process; cargo makes repeat builds no-ops.
pub fn build_components(packages: &[&str]) -> Vec<PathBuf> {
    let built = BUILT.get_or_init(Default::default);
    let mut guard = built.lock().unwrap_or_else(|e| e.into_inner());
    let missing: Vec<&str> = packages
        .iter()
        .copied()
        .filter(|p| !guard.contains_key(*p))
        .collect();
    if !missing.is_empty() {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut cmd = Command::new(cargo);
        cmd.current_dir(workspace_root()).args([
            "build",
            "--profile",
            "plugin",
            "--target",
            "wasm32-wasip2",
        ]);
        for p in &missing {
            cmd.args(["-p", p]);
        }
        let out = cmd
            .output()
            .unwrap_or_else(|e| panic!("cannot run cargo to build {missing:?}: {e}"));
        if !out.status.success() {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let hint = if stderr.contains("wasm32-wasip2") && stderr.contains("target") {
                "\nhint: run scripts/setup.sh (installs the wasm32-wasip2 target)"
            } else {
                ""
            };
            panic!("building {missing:?} as components failed:\n{stderr}{hint}");
        }
        for p in missing {
            let path = component_path(p);
            assert!(
                path.exists(),
                "cargo built {p} but {} is missing",
                path.display()
            );
            guard.insert(p.to_string(), path);
        }
    }
    packages.iter().map(|p| guard[*p].clone()).collect()
}

/// Builds one crate as a component; see [`build_components`].
pub fn build_component(package: &str) -> PathBuf {
    build_components(&[package]).remove(0)
}

/// A sandbox with default limits and no disk cache, shared by a test process.
pub fn sandbox() -> &'static Sandbox {
    static SANDBOX: OnceLock<Sandbox> = OnceLock::new();
    SANDBOX.get_or_init(|| {
        Sandbox::new(SandboxConfig::default()).unwrap_or_else(|e| panic!("sandbox: {e:#}"))
    })
}

/// Runs a built component's `check` through the real host sandbox,
/// panicking with the host's error if it fails.
pub fn run_component(wasm: &Path, model: &Model, options: &CheckOptions) -> Vec<Finding> {
    let sb = sandbox();
    let code = compiled(sb, wasm);
    let (res, _) = sb.check(&code, Arc::new(model.clone()), options);
    res.unwrap_or_else(|e| panic!("{e}"))
}

/// The component at `wasm`, compiled once per test process and content
/// (a rebuilt component has a new digest and is compiled again).
fn compiled(sb: &Sandbox, wasm: &Path) -> Arc<PackCode> {
    static CODE: OnceLock<Mutex<HashMap<String, Arc<PackCode>>>> = OnceLock::new();
    let bytes = std::fs::read(wasm).unwrap_or_else(|e| panic!("{}: {e}", wasm.display()));
    let digest = plancheck::packs::compile_cache::digest(&bytes);
    let mut cache = CODE
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    cache
        .entry(digest)
        .or_insert_with(|| {
            Arc::new(
                sb.load_pack(&wasm.display().to_string(), &bytes, None)
                    .unwrap_or_else(|e| panic!("{e}")),
            )
        })
        .clone()
}

/// One expected finding: rule id, element GlobalId, outcome.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Deserialize, serde::Serialize,
)]
pub struct Expected {
    /// Rule id.
    pub rule: String,
    /// Element GlobalId.
    pub element: String,
    /// Outcome.
    pub outcome: Outcome,
}

/// Reduces findings to (rule, element, outcome) triples, sorted.
pub fn triples(findings: &[Finding]) -> Vec<Expected> {
    let mut v: Vec<Expected> = findings
        .iter()
        .flat_map(|f| {
            f.elements.iter().map(move |e| Expected {
                rule: f.rule.clone(),
                element: e.clone(),
                outcome: f.outcome,
            })
        })
        .collect();
    v.sort();
    v
}

/// Asserts that `findings` are exactly `expected` (as triples), printing a
/// readable difference and the messages of unexpected findings.
pub fn assert_findings(findings: &[Finding], expected: &[Expected], context: &str) {
    let got = triples(findings);
    let mut want = expected.to_vec();
    want.sort();
    if got == want {
        return;
    }
    let mut report = format!("findings differ for {context}\n");
    for w in &want {
        if !got.contains(w) {
            let actual = got
                .iter()
                .find(|g| g.rule == w.rule && g.element == w.element)
                .map(|g| format!("got {}", g.outcome))
                .unwrap_or_else(|| "no finding".into());
            report.push_str(&format!(
                "  expected {} {} {}: {actual}\n",
                w.rule, w.element, w.outcome
            ));
        }
    }
    for g in &got {
        if !want.contains(g) {
            let msg = findings
                .iter()
                .find(|f| f.rule == g.rule && f.elements.contains(&g.element))
                .map(|f| f.message.as_str())
                .unwrap_or("");
            report.push_str(&format!(
                "  unexpected {} {} {}: {msg}\n",
                g.rule, g.element, g.outcome
            ));
        }
    }
    panic!("{report}");
}

/// Loads expected triples from a JSON file: `[{"rule":..,"element":..,"outcome":..}]`.
pub fn load_expected(path: impl AsRef<Path>) -> Vec<Expected> {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
