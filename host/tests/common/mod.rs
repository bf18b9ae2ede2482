//! Shared by the end-to-end tests: the rule packs built as components, the
//! committed model fixtures.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

pub const PACKS: [&str; 3] = ["us-ibc-2021", "us-irc-2021", "uk-adk-2013"];

/// Builds the three rule packs once and installs them into a packs dir.
pub fn packs_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut cmd = Command::new(cargo);
        cmd.current_dir(root())
            .args(["build", "--profile", "plugin", "--target", "wasm32-wasip2"]);
        for p in PACKS {
            cmd.args(["-p", p]);
        }
        let out = cmd.output().expect("run cargo");
        assert!(
            out.status.success(),
            "building the packs failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let dir = root().join("target").join("cli-test-packs");
        std::fs::create_dir_all(&dir).unwrap();
        for p in PACKS {
            let src = root()
                .join("target/wasm32-wasip2/plugin")
                .join(format!("{}.wasm", p.replace('-', "_")));
            std::fs::copy(&src, dir.join(format!("{p}.wasm"))).unwrap();
        }
        dir
    })
}

pub fn model(name: &str) -> PathBuf {
    root().join("tests/fixtures/models").join(name)
}
