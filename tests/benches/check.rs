//! Benchmarks for docs/performance.md:
//! * `check-10k/native` vs `check-10k/wasm`: the us-ibc-2021 rules on the
//!   10,000-element fixture, compiled natively vs as the sandboxed component
//!   (fresh store per check, as in production);
//! * `instantiate`: store + instance creation per check (pooling + InstancePre);
//! * `parse`: IFC parse throughput (bytes/s) of the same file.
//!
//! Run: `cargo bench -p plancheck-e2e --bench check`.

use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use plancheck::sandbox::{Sandbox, SandboxConfig};
use plancheck_e2e::{build_component, fixture};
use plancheck_model::CheckOptions;
use plancheck_sdk::RulePack;

fn benches(c: &mut Criterion) {
    let path = fixture("models/bench-10k-ifc4-mm.ifc");
    let bytes = std::fs::read(&path).expect("bench model (tests/fixtures/generate.py)");
    let model = Arc::new(plancheck::input::load_bytes(&bytes, None, "bench-10k").expect("parse"));
    let opts = CheckOptions::default();

    // PLANCHECK_PERFMAP=1 lets `perf record` name the JIT-compiled pack code.
    // PLANCHECK_KEEP_RESIDENT_MIB compares pooled-memory settings
    // (docs/sandbox.md, "Memory between calls"); default 16.
    let keep_resident = std::env::var("PLANCHECK_KEEP_RESIDENT_MIB")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .map_or(plancheck::sandbox::DEFAULT_KEEP_RESIDENT, |mib| mib << 20);
    let sandbox = Sandbox::new(SandboxConfig {
        perf_map: std::env::var_os("PLANCHECK_PERFMAP").is_some(),
        keep_resident,
        ..SandboxConfig::default()
    })
    .expect("sandbox");
    let wasm = std::fs::read(build_component("us-ibc-2021")).unwrap();
    let code = sandbox.load_pack("us-ibc-2021", &wasm, None).expect("load");

    // Same findings both ways, or the comparison means nothing.
    let native = us_ibc_2021::Pack::check(model.as_ref(), &opts).unwrap();
    let (sandboxed, _) = sandbox.check(&code, model.clone(), &opts);
    assert_eq!(native, sandboxed.unwrap());
    eprintln!(
        "{} elements, {} findings per check",
        model.elements().len(),
        native.len()
    );

    let mut g = c.benchmark_group("check-10k");
    g.sample_size(30);
    g.bench_function("native", |b| {
        b.iter(|| us_ibc_2021::Pack::check(model.as_ref(), &opts).unwrap())
    });
    g.bench_function("wasm", |b| {
        b.iter(|| sandbox.check(&code, model.clone(), &opts).0.unwrap())
    });
    g.finish();

    c.bench_function("instantiate", |b| b.iter(|| sandbox.probe(&code).unwrap()));

    let mut g = c.benchmark_group("parse");
    g.sample_size(20);
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.bench_function("bench-10k-ifc4-mm", |b| {
        b.iter(|| plancheck::input::load_bytes(&bytes, None, "bench-10k").unwrap())
    });
    g.finish();
}

criterion_group!(benches_group, benches);
criterion_main!(benches_group);
