//! Robustness: every file of buildingSMART's ifc-gherkin-rules test corpus
//! (817 small IFC2X3/IFC4/IFC4X3 files, many deliberately broken) loads
//! without a panic. Errors are allowed (some files are meant to be
//! unreadable); panics are not.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::Instant;

use plancheck::input::{load_file, InputErrorKind};

const EXPECTED_FILES: usize = 817;

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures/ifc-corpus")
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries =
        std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            collect(&path, out);
        } else if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("ifc"))
        {
            out.push(path);
        }
    }
}

#[test]
fn every_corpus_file_loads_without_panicking() {
    let dir = corpus_dir();
    assert!(
        dir.is_dir(),
        "the IFC corpus is missing: expected the folder {} (see shared/fixtures/README.md)",
        dir.display()
    );
    let mut files = Vec::new();
    collect(&dir, &mut files);
    files.sort();

    // keep the default hook for real test failures, but don't print a
    // backtrace per caught panic: they are counted and listed below
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    // PLANCHECK_CORPUS_VERBOSE=1 prints every warning
    let verbose = std::env::var_os("PLANCHECK_CORPUS_VERBOSE").is_some();
    let started = Instant::now();
    let (mut ok, mut warned, mut warnings) = (0usize, 0usize, 0usize);
    let mut errors = Vec::new();
    let mut panics = Vec::new();
    for path in &files {
        match catch_unwind(AssertUnwindSafe(|| load_file(path))) {
            Ok(Ok(model)) => {
                ok += 1;
                if !model.warnings().is_empty() {
                    warned += 1;
                    warnings += model.warnings().len();
                }
                if verbose {
                    for w in model.warnings() {
                        println!("  warning: {w}");
                    }
                }
            }
            Ok(Err(e)) if e.kind() == InputErrorKind::Internal => {
                panics.push(format!("{}: {e}", path.display()))
            }
            Ok(Err(e)) => errors.push(e.to_string()),
            Err(p) => {
                let what = p
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| p.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                panics.push(format!("{}: {what}", path.display()));
            }
        }
    }
    std::panic::set_hook(hook);
    let elapsed = started.elapsed();

    println!(
        "IFC corpus: {} files in {:.2?}: {ok} ok ({warned} with {warnings} warnings), {} error, {} panic",
        files.len(),
        elapsed,
        errors.len(),
        panics.len()
    );
    for e in errors.iter().take(10) {
        println!("  error: {e}");
    }
    for p in &panics {
        println!("  PANIC: {p}");
    }
    assert!(
        panics.is_empty(),
        "{} file(s) panicked: {panics:#?}",
        panics.len()
    );
    assert_eq!(
        files.len(),
        EXPECTED_FILES,
        "expected {EXPECTED_FILES} .ifc files under {}",
        dir.display()
    );
    assert_eq!(ok + errors.len(), EXPECTED_FILES);
}
