//! The fixture house in all five schema/unit variants, run natively and as
//! the built component through the real host, against the hand-computed
//! expectations in `tests/expected.json` (arithmetic in `tests/expected.md`).

use plancheck_sdk::testing::{
    assert_findings, build_component, load_expected, load_model, run_component, run_native,
    workspace_root,
};
use plancheck_sdk::{CheckOptions, Finding, Outcome};
use us_irc_2021::Pack;

const MODELS: [&str; 5] = [
    "house-ifc4-m",
    "house-ifc4-mm",
    "house-ifc2x3-mm",
    "house-ifc2x3-m",
    "house-ifc4-ft",
];

fn find<'f>(findings: &'f [Finding], rule: &str, element: &str) -> &'f Finding {
    findings
        .iter()
        .find(|f| f.rule == rule && f.elements.iter().any(|e| e == element))
        .unwrap_or_else(|| panic!("no {rule} finding on {element}"))
}

fn counts(findings: &[Finding]) -> String {
    let n = |o: Outcome| findings.iter().filter(|f| f.outcome == o).count();
    format!(
        "{} findings: {} violation, {} warning, {} not-assessable, {} pass",
        findings.len(),
        n(Outcome::Violation),
        n(Outcome::Warning),
        n(Outcome::NotAssessable),
        n(Outcome::Pass)
    )
}

#[test]
fn the_house_in_every_variant() {
    let root = workspace_root();
    let expected = load_expected(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/expected.json"));
    let wasm = build_component("us-irc-2021");
    let options = CheckOptions::default();
    let mut reference: Option<Vec<Finding>> = None;
    for name in MODELS {
        let path = root.join(format!("tests/fixtures/models/{name}.ifc"));
        let model = load_model(&path);
        let native = run_native::<Pack>(&model, &options);
        let component = run_component(&wasm, &model, &options);
        assert_eq!(native, component, "{name}: native and component differ");
        assert_findings(&native, &expected, name);
        eprintln!("{name}: {}", counts(&native));

        // Messages pinned verbatim, in every unit variant: the same text
        // whether the file was in metres, millimetres or feet.
        let steep = find(&native, "stair-riser-height", "0poOnmoe5MhO1eKI9qzZrB");
        assert_eq!(
            steep.message,
            "riser height 200 mm (7.87 in) > 196.85 mm (7.75 in) maximum \
             (from Pset_StairFlightCommon.RiserHeight)",
            "{name}"
        );
        let spiral = find(&native, "stair-headroom", "13_PprCqjNE8lY5vN_DtZe");
        assert_eq!(
            spiral.message, "no headroom: Pset_StairFlightCommon.Headroom is absent",
            "{name}"
        );
        let office = find(&native, "ceiling-height", "21jh6PtTTPwAkxkOZ5AkIx");
        assert_eq!(
            office.message,
            "habitable space, from LongName 'Office' (keyword 'office'): no ceiling height: \
             Qto_SpaceBaseQuantities.FinishCeilingHeight, BaseQuantities.FinishCeilingHeight, \
             Qto_SpaceBaseQuantities.Height and BaseQuantities.Height are absent",
            "{name}"
        );
        let kitchen = find(&native, "ceiling-height", "3XG$6JujTURR6f3nfu4Lnv");
        let source = if name.contains("2x3") {
            "BaseQuantities"
        } else {
            "Qto_SpaceBaseQuantities"
        };
        assert_eq!(
            kitchen.message,
            format!(
                "habitable space, from LongName 'Kitchen' (keyword 'kitchen'): \
                 {source}.FinishCeilingHeight 2100 mm (6 ft 10.68 in) < 2133.6 mm (7 ft) minimum"
            ),
            "{name}"
        );
        let tall = find(&native, "stair-flight-rise", "1lsy8S6ArSIQ3wT0aBgqTI");
        let count_attr = if name.contains("2x3") {
            "NumberOfRiser"
        } else {
            "NumberOfRisers"
        };
        assert_eq!(
            tall.message,
            format!(
                "flight rise 22 × 175 mm = 3850 mm (151.57 in) > 3835.4 mm (151 in) maximum \
                 (from IfcStairFlight.{count_attr} × IfcStairFlight.RiserHeight); if this \
                 IfcStairFlight models several flights between landings, split it"
            ),
            "{name}"
        );
        let m = tall.measured.expect("measured").si;
        assert!((m - 3.85).abs() < 1e-9, "{name}: {m}");

        // Every measured value is the same building in every unit variant
        // (a unit the loader got wrong would show here first).
        match &reference {
            None => reference = Some(native),
            Some(first) => {
                assert_eq!(first.len(), native.len(), "{name}");
                for (a, b) in first.iter().zip(&native) {
                    assert_eq!((&a.rule, &a.elements), (&b.rule, &b.elements), "{name}");
                    match (a.measured, b.measured) {
                        (None, None) => {}
                        (Some(x), Some(y)) => assert!(
                            (x.si - y.si).abs() < 1e-9,
                            "{name}: {} on {:?} measured {} here, {} in {}",
                            b.rule,
                            b.elements,
                            y.si,
                            x.si,
                            MODELS[0]
                        ),
                        (x, y) => panic!("{name}: {} {:?}: {x:?} vs {y:?}", b.rule, b.elements),
                    }
                }
            }
        }
    }
}
