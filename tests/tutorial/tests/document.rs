//! Keeps docs/writing-a-rule-pack.md honest: every Rust listing of the page
//! is one of this crate's files, or a file of `tests/snippets/`, verbatim —
//! all of them compiled and tested here, the pack built and run as a
//! component by `fixtures.rs` — and so are its `Cargo.toml` and
//! `tests/expected.json`.

use std::path::Path;

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn the_document_quotes_the_example_verbatim() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let doc = read(&dir.join("../../docs/writing-a-rule-pack.md"));
    let files = [
        "Cargo.toml",
        "src/lib.rs",
        "tests/fixtures.rs",
        "tests/expected.json",
        "tests/snippets/warning_bands.rs",
        "tests/snippets/parameters.rs",
    ];
    let files: Vec<(&str, String)> = files.iter().map(|f| (*f, read(&dir.join(f)))).collect();
    for (file, code) in &files {
        assert!(
            doc.contains(code.as_str()),
            "docs/writing-a-rule-pack.md no longer quotes tests/tutorial/{file} verbatim: \
             update one or the other"
        );
    }
    // And every Rust listing of the page is one of those files.
    for block in doc.split("```rust\n").skip(1) {
        let listing = &block[..block.find("```").expect("a closed listing")];
        assert!(
            files.iter().any(|(_, code)| code == listing),
            "docs/writing-a-rule-pack.md has a Rust listing that is not a tested file:\n{listing}"
        );
    }
}
