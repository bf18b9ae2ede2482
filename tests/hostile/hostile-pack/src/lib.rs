//! A rule pack that misbehaves on request, for the sandbox tests. The
//! `mode` parameter picks the misbehaviour; without one it behaves and
//! reports one finding per door, so the same component also shows the host
//! still works after each failure.

use plancheck_sdk::prelude::*;

const RULE: RuleDef = RuleDef {
    id: "door-count",
    title: "Reports every door",
    code: "TEST",
    edition: "1",
    section: "1.1",
};

/// The pack.
pub struct Hostile;

#[inline(never)]
fn recurse(n: u64) -> u64 {
    if std::hint::black_box(n) == u64::MAX {
        return 0;
    }
    recurse(n + 1).wrapping_add(std::hint::black_box(1))
}

impl RulePack for Hostile {
    fn manifest() -> Manifest {
        Manifest {
            id: "hostile".into(),
            name: "Hostile test pack".into(),
            jurisdiction: "ZZ".into(),
            code: "TEST".into(),
            edition: "1".into(),
            version: "0.0.1".into(),
            contract: CONTRACT_VERSION.into(),
            rules: vec![RULE.info()],
        }
    }

    fn check(model: &dyn ModelView, options: &CheckOptions) -> Result<Vec<Finding>, PackError> {
        match options.parameter("mode").unwrap_or("good") {
            "loop" => {
                let mut i: u64 = 0;
                loop {
                    i = std::hint::black_box(i.wrapping_add(1));
                }
            }
            "memory" => {
                let mut hoard: Vec<Vec<u8>> = Vec::new();
                loop {
                    hoard.push(vec![1u8; 8 << 20]);
                    std::hint::black_box(&hoard);
                }
            }
            "stack" => {
                std::hint::black_box(recurse(0));
                Ok(vec![])
            }
            "panic" => panic!("rule table corrupted: expected 3 limits, found 2"),
            "trap" => {
                #[cfg(target_arch = "wasm32")]
                core::arch::wasm32::unreachable();
                #[cfg(not(target_arch = "wasm32"))]
                std::process::abort();
            }
            "error" => Err(PackError::InvalidOption(
                "mode `error` asked for an error".into(),
            )),
            "undeclared" => Ok(vec![RuleDef {
                id: "not-in-manifest",
                ..RULE
            }
            .finding(
                Outcome::Violation,
                "door-0",
                "a rule the manifest never declared",
            )]),
            "good" => Ok(Select::class("IfcDoor")
                .run(model)
                .iter()
                .map(|d| RULE.finding(Outcome::Pass, d.id(), format!("door {}", d.label())))
                .collect()),
            other => Err(PackError::InvalidOption(format!("unknown mode `{other}`"))),
        }
    }
}

plancheck_sdk::export_pack!(Hostile);
