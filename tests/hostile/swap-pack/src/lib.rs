//! A rule pack for the hot-swap tests (tests/lifecycle.rs). One build makes
//! every version the tests need: the version and the behaviour are read at
//! run time from two fixed-width marker strings in the component's data,
//! which a test rewrites byte for byte (`SWAP-VERSION:1.0.0` →
//! `SWAP-VERSION:1.2.0`, `SWAP-MODE:good` → `SWAP-MODE:smok`). Each rewrite
//! is a different component (another SHA-256), as a real new release is.
//!
//! Modes: `good` reports one pass finding per door naming the version;
//! `smok` panics on an empty model, so it fails the host's smoke test.

use plancheck_sdk::prelude::*;

/// The version marker; the manifest's version is what follows the colon.
pub static VERSION: &str = "SWAP-VERSION:1.0.0";
/// The behaviour marker.
pub static MODE: &str = "SWAP-MODE:good";

const RULE: RuleDef = RuleDef {
    id: "door-count",
    title: "Reports every door with the pack version",
    code: "TEST",
    edition: "1",
    section: "1.1",
};

fn version() -> String {
    // black_box: read the bytes at run time, never a folded constant.
    let v: &str = std::hint::black_box(VERSION);
    v.split_once(':').map(|(_, v)| v).unwrap_or(v).to_string()
}

fn mode() -> String {
    let m: &str = std::hint::black_box(MODE);
    m.split_once(':').map(|(_, m)| m).unwrap_or(m).to_string()
}

/// The pack.
pub struct Swap;

impl RulePack for Swap {
    fn manifest() -> Manifest {
        Manifest {
            id: "swap-test".into(),
            name: "Hot-swap test pack".into(),
            jurisdiction: "ZZ".into(),
            code: "TEST".into(),
            edition: "1".into(),
            version: version(),
            contract: CONTRACT_VERSION.into(),
            rules: vec![RULE.info()],
        }
    }

    fn check(model: &dyn ModelView, _options: &CheckOptions) -> Result<Vec<Finding>, PackError> {
        let select = Select::class("IfcDoor");
        let doors = select.run(model);
        if mode() == "smok" && doors.is_empty() {
            panic!("swap-pack in mode smok: cannot check a model without doors");
        }
        let v = version();
        Ok(doors
            .iter()
            .map(|d| {
                RULE.finding(
                    Outcome::Pass,
                    d.id(),
                    format!("door {} checked by {v}", d.label()),
                )
            })
            .collect())
    }
}

plancheck_sdk::export_pack!(Swap);
