//! Benchmarks for docs/performance.md, "IDS (issue 5)": the `ids` pack end
//! to end, the way a user runs it — read the IFC and IDS files, load the
//! model with the host's loader, check it with the `ids` component in the
//! sandbox (fresh store per check, compiled code reused as in production):
//!
//! * `ids/suite-314`: all 314 buildingSMART test cases
//!   (`../shared/fixtures/ids-testcases/`) one after the other;
//! * `ids/bench-10k`: the 10,000-element fixture
//!   (`tests/fixtures/models/bench-10k-ifc4-mm.ifc`) against
//!   `tests/fixtures/ids/bench.ids`.
//!
//! The baseline is ifctester 0.9.0 on the same pairs
//! (`tests/benches/ids_ifctester.py`); `scripts/bench-ids.sh` runs both in
//! one run and prints the ratios.
//!
//! Run: `cargo bench -p ids --bench ids`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion};
use plancheck::sandbox::{PackCode, Sandbox, SandboxConfig};
use plancheck_sdk::testing;
use plancheck_sdk::{CheckOptions, Outcome};

fn cases() -> Vec<(PathBuf, PathBuf)> {
    let root = testing::workspace_root().join("../shared/fixtures/ids-testcases");
    let mut out = Vec::new();
    for d in std::fs::read_dir(&root)
        .expect("the IDS test cases")
        .flatten()
    {
        let Ok(files) = std::fs::read_dir(d.path()) else {
            continue;
        };
        for f in files.flatten() {
            let p = f.path();
            if p.extension().is_some_and(|e| e == "ids") && p.with_extension("ifc").exists() {
                out.push((p.clone(), p.with_extension("ifc")));
            }
        }
    }
    out.sort();
    out
}

/// One case end to end; returns whether it passed (so nothing is optimised away).
fn run(sb: &Sandbox, code: &PackCode, ids: &Path, ifc: &Path) -> bool {
    let xml = std::fs::read_to_string(ids).unwrap();
    let bytes = std::fs::read(ifc).unwrap();
    let model = Arc::new(plancheck::input::load_bytes(&bytes, None, "case.ifc").unwrap());
    let opts = CheckOptions {
        rules: vec![],
        parameters: vec![("ids".into(), xml)],
    };
    match sb.check(code, model, &opts).0 {
        Ok(f) => f.iter().all(|f| f.outcome != Outcome::Violation),
        Err(_) => false,
    }
}

fn benches(c: &mut Criterion) {
    let sb = Sandbox::new(SandboxConfig::default()).expect("sandbox");
    let wasm = std::fs::read(testing::build_component("ids")).unwrap();
    let code = sb.load_pack("ids", &wasm, None).expect("load");
    let cases = cases();
    assert_eq!(cases.len(), 314);
    let passed = cases.iter().filter(|(a, b)| run(&sb, &code, a, b)).count();
    eprintln!("{} cases, {passed} pass", cases.len());

    let big_ifc = testing::workspace_root().join("tests/fixtures/models/bench-10k-ifc4-mm.ifc");
    let big_ids = testing::workspace_root().join("tests/fixtures/ids/bench.ids");
    run(&sb, &code, &big_ids, &big_ifc);

    let mut g = c.benchmark_group("ids");
    g.sample_size(10);
    g.bench_function("suite-314", |b| {
        b.iter(|| cases.iter().filter(|(a, b)| run(&sb, &code, a, b)).count())
    });
    g.bench_function("bench-10k", |b| {
        b.iter(|| run(&sb, &code, &big_ids, &big_ifc))
    });
    g.finish();
}

criterion_group!(ids_benches, benches);
criterion_main!(ids_benches);
