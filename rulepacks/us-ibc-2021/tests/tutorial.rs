//! Keeps docs/writing-a-rule-pack.md honest: its example pack
//! (`tutorial/lib.rs`), the example's fixture test (`tutorial/fixtures.rs`)
//! and expectations (`tutorial/expected.json`) are compiled and run here
//! against the SDK as it is, and the document must quote each file verbatim.
//!
//! The example crate (`my-first-pack`) is not a workspace member, so its
//! fixture test cannot build it as a component here: below, its
//! `build_component` / `run_component` / `load_expected` are shadowed so that
//! the test compiles unchanged and runs natively against the example's own
//! expectations. The real component path is what `fixtures.rs` exercises
//! for this pack (and the example was checked as a component through the CLI
//! when the tutorial was written).

use std::path::{Path, PathBuf};

// (CheckOptions is imported by the included file.)
use plancheck_sdk::testing::Expected;
use plancheck_sdk::{Finding, Model};

/// The example pack, as the tutorial's `src/lib.rs`.
#[path = "tutorial/lib.rs"]
mod my_first_pack;

/// Stands in for `testing::build_component`: nothing to build here.
fn build_component(package: &str) -> PathBuf {
    assert_eq!(package, "my-first-pack");
    PathBuf::from("my-first-pack.wasm")
}

/// Stands in for `testing::run_component`: runs the example natively.
fn run_component(_wasm: &Path, model: &Model, options: &CheckOptions) -> Vec<Finding> {
    plancheck_sdk::testing::run_native::<my_first_pack::Pack>(model, options)
}

/// Stands in for `testing::load_expected`: the example's `tests/expected.json`
/// is `tutorial/expected.json` here.
fn load_expected(path: &str) -> Vec<Expected> {
    assert!(path.ends_with("/tests/expected.json"), "{path}");
    plancheck_sdk::testing::load_expected(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tutorial/expected.json"),
    )
}

// The example's tests/fixtures.rs, verbatim.
include!("tutorial/fixtures.rs");

#[test]
fn the_document_quotes_the_example_verbatim() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let doc_path = dir.join("../../docs/writing-a-rule-pack.md");
    let doc = std::fs::read_to_string(&doc_path)
        .unwrap_or_else(|e| panic!("{}: {e}", doc_path.display()));
    for file in ["lib.rs", "fixtures.rs", "expected.json"] {
        let code = std::fs::read_to_string(dir.join("tests/tutorial").join(file)).unwrap();
        assert!(
            doc.contains(&code),
            "docs/writing-a-rule-pack.md no longer quotes rulepacks/us-ibc-2021/tests/tutorial/{file} \
             verbatim: update one or the other"
        );
    }
}
