//! The benchmark models: every element a rule applies to gets exactly one
//! finding from it, natively and in the sandbox (outcomes are not
//! hand-computed for these; see `fixtures.rs` for that).

use std::collections::HashMap;

use plancheck_sdk::testing::{
    build_component, load_model, run_component, run_native, workspace_root,
};
use plancheck_sdk::{CheckOptions, Model, Query};
use us_irc_2021::Pack;

fn ids(model: &Model, class: &str, keep: impl Fn(&plancheck_sdk::Row) -> bool) -> Vec<String> {
    let mut v: Vec<String> = model
        .query(&Query::class(class))
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
    let native = run_native::<Pack>(&model, &options);
    let started = std::time::Instant::now();
    let component = run_component(&build_component("us-irc-2021"), &model, &options);
    eprintln!(
        "{file}: {} findings, component check {:?}",
        component.len(),
        started.elapsed()
    );
    assert_eq!(native, component, "{file}");
    let mut spread: std::collections::BTreeMap<(&str, String), usize> = Default::default();
    for f in &native {
        *spread
            .entry((f.rule.as_str(), f.outcome.to_string()))
            .or_default() += 1;
    }
    eprintln!("{spread:?}");

    let mut by_rule: HashMap<&str, Vec<String>> = HashMap::new();
    for f in &native {
        if !matches!(f.rule.as_str(), "egress-door-width" | "egress-door-height") {
            assert_eq!(f.elements.len(), 1, "{f:?}");
        }
        by_rule
            .entry(f.rule.as_str())
            .or_default()
            .extend(f.elements.iter().cloned());
    }
    for v in by_rule.values_mut() {
        v.sort();
    }
    let flights = ids(&model, "IfcStairFlight", |_| true);
    assert!(!flights.is_empty());
    for rule in [
        "stair-riser-height",
        "stair-tread-depth",
        "stair-headroom",
        "stair-flight-rise",
    ] {
        assert_eq!(by_rule[rule], flights, "{file} {rule}");
    }
    let pt = |r: &plancheck_sdk::Row| r.predefined_type.clone().unwrap_or_default();
    assert_eq!(
        by_rule["handrail-height"],
        ids(&model, "IfcRailing", |r| pt(r) == "HANDRAIL"),
        "{file}"
    );
    assert_eq!(
        by_rule["guard-height"],
        ids(&model, "IfcRailing", |r| pt(r) != "HANDRAIL"),
        "{file}"
    );
    assert_eq!(
        native
            .iter()
            .filter(|f| f.rule.starts_with("egress-door"))
            .count(),
        2
    );
}

#[test]
fn bench_1k() {
    check("bench-1k-ifc4-mm.ifc");
}

#[test]
fn bench_10k() {
    check("bench-10k-ifc4-mm.ifc");
}
