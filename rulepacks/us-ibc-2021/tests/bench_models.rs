//! The benchmark models (1,000 and 10,000 products): native and component
//! findings agree, every element a rule applies to gets exactly one finding
//! from it and nothing else gets one, and the 10k model checks well inside
//! the sandbox's CPU limit. Outcomes are not hand-computed here (see
//! `fixtures.rs` for that).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use plancheck_sdk::testing::{
    build_component, load_model, run_component, run_native, sandbox, workspace_root,
};
use plancheck_sdk::{CheckOptions, Model, Query, Value};
use us_ibc_2021::Pack;

/// GlobalIds of `class` whose row passes `keep`, sorted.
fn ids(model: &Model, q: Query, keep: impl Fn(&plancheck_sdk::Row) -> bool) -> Vec<String> {
    let mut v: Vec<String> = model
        .query(&q)
        .into_iter()
        .filter(|r| keep(r))
        .map(|r| r.id)
        .collect();
    v.sort();
    v
}

fn check(file: &str) {
    let model = load_model(workspace_root().join("tests/fixtures/models").join(file));
    let options = CheckOptions::default();
    let t = Instant::now();
    let native = run_native::<Pack>(&model, &options);
    let native_time = t.elapsed();
    let wasm = build_component("us-ibc-2021");
    let component = run_component(&wasm, &model, &options);
    assert_eq!(native, component, "{file}");
    // Time one more call on its own: the component is compiled already.
    let sb = sandbox();
    let code = sb
        .load_pack(file, &std::fs::read(&wasm).unwrap(), None)
        .unwrap();
    let (res, stats) = sb.check(&code, Arc::new(model.clone()), &options);
    assert_eq!(res.unwrap(), native);
    eprintln!(
        "{file}: {} findings; native check {native_time:?}; in the sandbox: instantiate {:?}, \
         check {:?} (CPU limit 5 s)",
        native.len(),
        stats.instantiate,
        stats.run
    );
    assert!(
        stats.run.as_secs_f64() < 2.0,
        "{file}: check took {:?}",
        stats.run
    );

    let mut by_rule: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for f in &native {
        assert_eq!(f.elements.len(), 1, "{f:?}");
        by_rule
            .entry(f.rule.as_str())
            .or_default()
            .push(f.elements[0].clone());
    }
    for v in by_rule.values_mut() {
        v.sort();
    }
    let flights = ids(&model, Query::class("IfcStairFlight"), |_| true);
    let doors = ids(&model, Query::class("IfcDoor"), |_| true);
    let rail_type = |r: &plancheck_sdk::Row| r.predefined_type.clone().unwrap_or_default();
    let handrails = ids(&model, Query::class("IfcRailing"), |r| {
        rail_type(r) == "HANDRAIL"
    });
    let guards = ids(&model, Query::class("IfcRailing"), |r| {
        rail_type(r) != "HANDRAIL"
    });
    let mut spaces_q = Query::class("IfcSpace");
    spaces_q.attributes = vec!["LongName".into()];
    // The bench spaces are Living room, Bedroom, Kitchen, Bathroom, Corridor
    // or Storage: none is out of scope for ceiling-height.
    let spaces = ids(&model, spaces_q.clone(), |_| true);
    let corridors = ids(&model, spaces_q, |r| {
        r.attributes[0] == Some(Value::Text("Corridor".into()))
    });
    assert!(!flights.is_empty() && !doors.is_empty() && !handrails.is_empty());
    assert!(!guards.is_empty() && !corridors.is_empty());

    let want: BTreeMap<&str, &Vec<String>> = [
        ("stair-riser-height", &flights),
        ("stair-tread-depth", &flights),
        ("stair-headroom", &flights),
        ("stair-flight-rise", &flights),
        ("door-clear-width", &doors),
        ("door-height", &doors),
        ("handrail-height", &handrails),
        ("guard-height", &guards),
        ("ceiling-height", &spaces),
        ("corridor-width", &corridors),
    ]
    .into_iter()
    .collect();
    assert_eq!(
        by_rule.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>(),
        "{file}: rules with findings"
    );
    for (rule, elements) in &by_rule {
        assert_eq!(elements, want[rule], "{file}: {rule}");
    }
}

#[test]
fn bench_1k() {
    check("bench-1k-ifc4-mm.ifc");
}

#[test]
fn bench_10k() {
    check("bench-10k-ifc4-mm.ifc");
}
