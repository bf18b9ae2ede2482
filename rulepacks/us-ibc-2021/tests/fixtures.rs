//! The pack on the fixture house (`tests/fixtures/models/house-*.ifc`, five
//! schema/unit variants of one building): natively and as the built
//! `wasm32-wasip2` component through the real host sandbox, the findings
//! must be identical, and their (rule, element, outcome) triples must be the
//! hand-computed `tests/expected.json` (arithmetic in `tests/expected.md`).

use std::path::PathBuf;
use std::sync::Arc;

use plancheck_sdk::testing::{
    assert_findings, build_component, load_expected, load_model, run_component, run_native,
    sandbox, workspace_root, Expected,
};
use plancheck_sdk::{CheckOptions, Finding, Outcome, PackError, RulePack};
use us_ibc_2021::Pack;

fn model_path(name: &str) -> PathBuf {
    workspace_root()
        .join("tests/fixtures/models")
        .join(format!("{name}.ifc"))
}

fn expected() -> Vec<Expected> {
    load_expected(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/expected.json"))
}

/// Runs the pack both ways on one model and checks they agree.
fn both(name: &str, options: &CheckOptions) -> Vec<Finding> {
    let model = load_model(model_path(name));
    let native = run_native::<Pack>(&model, options);
    let component = run_component(&build_component("us-ibc-2021"), &model, options);
    assert_eq!(
        native, component,
        "{name}: native and component findings differ"
    );
    native
}

fn house(name: &str) -> Vec<Finding> {
    let findings = both(name, &CheckOptions::default());
    assert_findings(&findings, &expected(), name);
    let count = |o: Outcome| findings.iter().filter(|f| f.outcome == o).count();
    eprintln!(
        "{name}: {} findings ({} violation, {} warning, {} not-assessable, {} pass), native == component",
        findings.len(),
        count(Outcome::Violation),
        count(Outcome::Warning),
        count(Outcome::NotAssessable),
        count(Outcome::Pass),
    );
    findings
}

#[test]
fn house_ifc4_m() {
    house("house-ifc4-m");
}

#[test]
fn house_ifc4_mm() {
    house("house-ifc4-mm");
}

#[test]
fn house_ifc2x3_mm() {
    house("house-ifc2x3-mm");
}

#[test]
fn house_ifc2x3_m() {
    house("house-ifc2x3-m");
}

#[test]
fn house_ifc4_ft() {
    house("house-ifc4-ft");
}

/// The message of `rule` on `element`.
fn message<'a>(findings: &'a [Finding], rule: &str, element: &str) -> &'a str {
    &findings
        .iter()
        .find(|f| f.rule == rule && f.elements.iter().any(|e| e == element))
        .unwrap_or_else(|| panic!("no {rule} finding on {element}"))
        .message
}

/// Unit conversion must not show in messages: a metre, a millimetre and a
/// foot file of the same schema give the same text, and a few messages are
/// pinned verbatim.
#[test]
fn messages_are_the_same_in_every_unit_and_pinned() {
    let texts = |f: &[Finding]| f.iter().map(|f| f.message.clone()).collect::<Vec<_>>();
    let ifc4 = both("house-ifc4-mm", &CheckOptions::default());
    for other in ["house-ifc4-m", "house-ifc4-ft"] {
        assert_eq!(
            texts(&ifc4),
            texts(&both(other, &CheckOptions::default())),
            "{other}"
        );
    }
    let ifc2x3 = both("house-ifc2x3-mm", &CheckOptions::default());
    assert_eq!(
        texts(&ifc2x3),
        texts(&both("house-ifc2x3-m", &CheckOptions::default()))
    );

    // SF-steep: a violation, read from the Pset.
    assert_eq!(
        message(&ifc4, "stair-riser-height", "0poOnmoe5MhO1eKI9qzZrB"),
        "riser height 200 mm (7.87 in) > 177.8 mm (7 in) maximum, and > 196.85 mm (7.75 in), \
         the maximum under §1011.5.2 exception 3; from Pset_StairFlightCommon.RiserHeight"
    );
    // SF-boundary: exactly 7 in passes (in the foot file too, see above).
    assert_eq!(
        message(&ifc4, "stair-riser-height", "00YTASlo9GmuQclexUa9xr"),
        "riser height 177.8 mm (7 in) within 101.6 mm (4 in) – 177.8 mm (7 in); from \
         IfcStairFlight.RiserHeight"
    );
    // D-nodata: not-assessable, naming every place looked.
    assert_eq!(
        message(&ifc4, "door-clear-width", "0aZlAwkifRDgEnorN6xbr7"),
        "no clear width in the model (ClearWidth (any set), IfcDoor.OverallWidth, \
         Qto_DoorBaseQuantities.Width and BaseQuantities.Width are absent)"
    );
    // Bedroom low: feet and inches.
    assert_eq!(
        message(&ifc4, "ceiling-height", "0GDy4UQM1QahZKEpocrgoN"),
        "ceiling height 2200 mm (7 ft 2.61 in) < 2286 mm (7 ft 6 in) minimum; from \
         Qto_SpaceBaseQuantities.FinishCeilingHeight [occupiable or habitable space: \"Bedroom\"]"
    );
    // SF-tall-flight: the rise in inches, the limit in feet.
    assert_eq!(
        message(&ifc4, "stair-flight-rise", "1lsy8S6ArSIQ3wT0aBgqTI"),
        "flight rise 3850 mm (151.57 in) > 3657.6 mm (12 ft) maximum (22 risers × 175 mm \
         (6.89 in) from IfcStairFlight.NumberOfRisers and IfcStairFlight.RiserHeight); if this \
         IfcStairFlight models several flights between landings, split it"
    );
    // IFC2X3 names its sources as IFC2X3 does.
    assert!(
        message(&ifc2x3, "stair-flight-rise", "1lsy8S6ArSIQ3wT0aBgqTI")
            .contains("from IfcStairFlight.NumberOfRiser and")
    );
    assert!(
        message(&ifc2x3, "door-clear-width", "2xhyHVn65G6xKjyI45cSSe")
            .starts_with("BaseQuantities.Width 900 mm (35.43 in) is only an upper bound")
    );
}

/// `door-scope = egress`: only D-wide, D-qto-only and D-ext-short have
/// `IsExternal = true` (D-narrow inherits FALSE from its type; D-boundary and
/// D-nodata carry neither property).
#[test]
fn egress_scope_on_the_house() {
    let options = CheckOptions {
        rules: vec!["door-clear-width".into(), "door-height".into()],
        parameters: vec![("door-scope".into(), "egress".into())],
    };
    let e = |rule: &str, element: &str, outcome| Expected {
        rule: rule.into(),
        element: element.into(),
        outcome,
    };
    let want = [
        e(
            "door-clear-width",
            "2NJamib2DUMeeUrM5JauvN",
            Outcome::NotAssessable,
        ),
        e(
            "door-clear-width",
            "2xhyHVn65G6xKjyI45cSSe",
            Outcome::NotAssessable,
        ),
        e(
            "door-clear-width",
            "3jf2skUQ5VZPvn7tHzVH4O",
            Outcome::NotAssessable,
        ),
        e(
            "door-height",
            "2NJamib2DUMeeUrM5JauvN",
            Outcome::NotAssessable,
        ),
        e(
            "door-height",
            "2xhyHVn65G6xKjyI45cSSe",
            Outcome::NotAssessable,
        ),
        e("door-height", "3jf2skUQ5VZPvn7tHzVH4O", Outcome::Warning),
    ];
    for name in ["house-ifc4-mm", "house-ifc2x3-m"] {
        assert_findings(&both(name, &options), &want, name);
    }
}

/// An invalid option is the pack's `invalid-option` error through the
/// sandbox too, with the message listing what is accepted.
#[test]
fn invalid_options_are_pack_errors_in_the_sandbox() {
    let wasm = build_component("us-ibc-2021");
    let sb = sandbox();
    let code = sb
        .load_pack("us-ibc-2021", &std::fs::read(&wasm).unwrap(), None)
        .unwrap();
    let model = Arc::new(load_model(model_path("house-ifc4-mm")));
    let options = CheckOptions {
        rules: vec![],
        parameters: vec![("corridor-occupancy".into(), "hospital".into())],
    };
    let native = <Pack as RulePack>::check(model.as_ref(), &options).expect_err("must refuse");
    let (res, _) = sb.check(&code, model, &options);
    let err = res.expect_err("the pack must refuse").to_string();
    assert!(
        err.contains(
            "parameter `corridor-occupancy` = `hospital` is not one of: general, group-e-100, \
             stretcher, i-2-beds"
        ),
        "{err}"
    );
    assert_eq!(
        native,
        PackError::InvalidOption(
            "parameter `corridor-occupancy` = `hospital` is not one of: general, group-e-100, \
             stretcher, i-2-beds"
                .into()
        )
    );
}
