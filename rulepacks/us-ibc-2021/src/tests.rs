//! Unit tests: the spec's test vectors, boundaries, tolerance, message
//! formatting, parameters and rule selection, on small in-memory models.

use super::*;
use plancheck_sdk::{
    Attribute, Element, Limit, Measure, MeasureKind, Model, Property, PropertySet, SetKind, Value,
};

fn len(m: f64) -> Value {
    Value::Measure(Measure::length_m(m))
}

fn count(n: f64) -> Value {
    Value::Measure(Measure {
        kind: MeasureKind::Count,
        si: n,
    })
}

/// A small element builder.
struct E(Element);

impl E {
    fn new(id: &str, class: &str) -> Self {
        E(Element::new(id, class))
    }
    fn name(mut self, n: &str) -> Self {
        self.0.name = Some(n.into());
        self
    }
    fn object_type(mut self, n: &str) -> Self {
        self.0.object_type = Some(n.into());
        self
    }
    fn ptype(mut self, t: &str) -> Self {
        self.0.predefined_type = Some(t.into());
        self
    }
    fn attr(mut self, name: &str, v: Value) -> Self {
        self.0.attributes.push(Attribute {
            name: name.into(),
            value: v,
            data_type: String::new(),
        });
        self
    }
    fn prop(mut self, set: &str, name: &str, v: Value) -> Self {
        let p = Property {
            name: name.into(),
            value: v,
            data_type: String::new(),
        };
        match self.0.property_sets.iter_mut().find(|s| s.name == set) {
            Some(s) => s.properties.push(p),
            None => self.0.property_sets.push(PropertySet {
                name: set.into(),
                kind: if set.starts_with("Qto") || set == "BaseQuantities" {
                    SetKind::QuantitySet
                } else {
                    SetKind::PropertySet
                },
                properties: vec![p],
            }),
        }
        self
    }
}

fn model(elements: Vec<E>) -> Model {
    Model::new(
        "IFC4",
        vec![],
        elements.into_iter().map(|e| e.0).collect(),
        &|_| vec![],
    )
    .unwrap()
}

fn opts(rules: &[&str], params: &[(&str, &str)]) -> CheckOptions {
    CheckOptions {
        rules: rules.iter().map(|s| s.to_string()).collect(),
        parameters: params
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect(),
    }
}

/// Runs one rule and returns its findings.
fn run(rule: &RuleDef, elements: Vec<E>) -> Vec<Finding> {
    run_with(rule, elements, &[])
}

fn run_with(rule: &RuleDef, elements: Vec<E>, params: &[(&str, &str)]) -> Vec<Finding> {
    Pack::check(&model(elements), &opts(&[rule.id], params)).expect("check")
}

/// The single finding of one rule on one element.
fn one(rule: &RuleDef, e: E) -> Finding {
    let mut f = run(rule, vec![e]);
    assert_eq!(f.len(), 1, "{f:#?}");
    f.remove(0)
}

fn outcome(rule: &RuleDef, e: E) -> Outcome {
    one(rule, e).outcome
}

fn flight_riser(r: f64) -> E {
    E::new("f", "IfcStairFlight").attr("RiserHeight", len(r))
}

fn flight_tread(t: f64) -> E {
    E::new("f", "IfcStairFlight").attr("TreadLength", len(t))
}

/// Asserts a finding's limit (metres, within 1e-12: `78.0 * 0.0254` is one
/// ulp below the literal `1.9812`).
fn assert_limit(f: &Finding, min: Option<f64>, max: Option<f64>) {
    let close = |a: Option<Measure>, b: Option<f64>| match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => a.kind == MeasureKind::Length && (a.si - b).abs() < 1e-12,
        _ => false,
    };
    let l: Limit = f.limit.expect("a limit");
    assert!(
        close(l.min, min) && close(l.max, max),
        "limit {l:?}, expected min {min:?} max {max:?}"
    );
}

// ---------------------------------------------------------------- manifest

#[test]
fn manifest_lists_every_rule_with_its_citation() {
    let m = Pack::manifest();
    assert_eq!(m.id, "us-ibc-2021");
    assert_eq!(m.name, "International Building Code 2021");
    assert_eq!(m.jurisdiction, "US");
    assert_eq!((m.code.as_str(), m.edition.as_str()), ("IBC", "2021"));
    assert_eq!(m.version, "0.1.0");
    assert_eq!(m.contract, CONTRACT_VERSION);
    let rows: Vec<(&str, &str, &str)> = m
        .rules
        .iter()
        .map(|r| {
            assert_eq!(
                (r.citation.code.as_str(), r.citation.edition.as_str()),
                ("IBC", "2021")
            );
            (r.id.as_str(), r.title.as_str(), r.citation.section.as_str())
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("stair-riser-height", "Stair riser height", "1011.5.2"),
            ("stair-tread-depth", "Stair tread depth", "1011.5.2"),
            ("stair-headroom", "Stair headroom", "1011.3"),
            (
                "stair-flight-rise",
                "Vertical rise of a stair flight",
                "1011.8"
            ),
            ("door-clear-width", "Door clear opening width", "1010.1.1"),
            ("door-height", "Door clear opening height", "1010.1.1"),
            ("handrail-height", "Handrail height", "1014.2"),
            ("guard-height", "Guard height", "1015.3"),
            ("ceiling-height", "Minimum ceiling height", "1208.2"),
            ("corridor-width", "Minimum corridor width", "Table 1020.3"),
        ]
    );
}

// ------------------------------------------------------ options, selection

#[test]
fn unknown_rule_ids_are_refused_with_the_list() {
    let e = Pack::check(&model(vec![]), &opts(&["stair-riser"], &[])).unwrap_err();
    assert_eq!(
        e,
        PackError::InvalidOption(
            "unknown rule `stair-riser`; this pack has: stair-riser-height, stair-tread-depth, \
             stair-headroom, stair-flight-rise, door-clear-width, door-height, handrail-height, \
             guard-height, ceiling-height, corridor-width"
                .into()
        )
    );
}

#[test]
fn invalid_parameters_are_refused() {
    let m = model(vec![]);
    assert!(matches!(
        Pack::check(&m, &opts(&[], &[("occupancy", "general")])),
        Err(PackError::InvalidOption(msg)) if msg.contains("door-scope = all | egress")
    ));
    assert!(matches!(
        Pack::check(&m, &opts(&[], &[("door-scope", "some")])),
        Err(PackError::InvalidOption(msg)) if msg == "parameter `door-scope` = `some` is not one of: all, egress"
    ));
}

#[test]
fn rule_selection_runs_only_the_selected_rules() {
    let house = || {
        vec![
            E::new("f", "IfcStairFlight")
                .attr("RiserHeight", len(0.17))
                .attr("TreadLength", len(0.29)),
            E::new("d", "IfcDoor").attr("OverallWidth", len(0.9)),
            E::new("r", "IfcRailing").ptype("HANDRAIL"),
            E::new("s", "IfcSpace").attr("LongName", Value::Text("Corridor".into())),
        ]
    };
    let all = Pack::check(&model(house()), &CheckOptions::default()).unwrap();
    let mut rules: Vec<&str> = all.iter().map(|f| f.rule.as_str()).collect();
    rules.dedup();
    // Every rule but guard-height (the only railing is a handrail), in manifest order.
    assert_eq!(
        rules,
        [
            "stair-riser-height",
            "stair-tread-depth",
            "stair-headroom",
            "stair-flight-rise",
            "door-clear-width",
            "door-height",
            "handrail-height",
            "ceiling-height",
            "corridor-width",
        ]
    );
    let some = Pack::check(
        &model(house()),
        &opts(&["door-height", "stair-tread-depth"], &[]),
    )
    .unwrap();
    let ids: Vec<&str> = some.iter().map(|f| f.rule.as_str()).collect();
    assert_eq!(ids, ["stair-tread-depth", "door-height"]);
    assert!(Pack::check(&model(vec![]), &CheckOptions::default())
        .unwrap()
        .is_empty());
}

// ------------------------------------------------------------- stair rules

#[test]
fn riser_test_vectors() {
    let r = &STAIR_RISER_HEIGHT;
    assert_eq!(outcome(r, flight_riser(0.1778)), Outcome::Pass);
    assert_eq!(outcome(r, flight_riser(0.1778005)), Outcome::Pass);
    assert_eq!(outcome(r, flight_riser(0.17782)), Outcome::Warning);
    assert_eq!(outcome(r, flight_riser(0.19685)), Outcome::Warning);
    assert_eq!(outcome(r, flight_riser(0.1969)), Outcome::Violation);
    assert_eq!(outcome(r, flight_riser(0.1016)), Outcome::Pass);
    assert_eq!(outcome(r, flight_riser(0.1015)), Outcome::Violation);
    assert_eq!(
        outcome(r, E::new("f", "IfcStairFlight")),
        Outcome::NotAssessable
    );
    assert_eq!(outcome(r, flight_riser(0.0)), Outcome::NotAssessable);
    // 7 in as a foot file stores it: 0.5833333333333334 ft.
    assert_eq!(
        outcome(r, flight_riser(0.5833333333333334 * 0.3048)),
        Outcome::Pass
    );
}

#[test]
fn riser_messages_are_pinned() {
    let f = one(
        &STAIR_RISER_HEIGHT,
        E::new("f", "IfcStairFlight").prop("Pset_StairFlightCommon", "RiserHeight", len(0.2)),
    );
    assert_eq!(f.outcome, Outcome::Violation);
    assert_eq!(
        f.message,
        "riser height 200 mm (7.87 in) > 177.8 mm (7 in) maximum, and > 196.85 mm (7.75 in), \
         the maximum under §1011.5.2 exception 3; from Pset_StairFlightCommon.RiserHeight"
    );
    assert_eq!(f.measured, Some(Measure::length_m(0.2)));
    assert_limit(&f, Some(0.1016), Some(0.1778));
    assert_eq!(f.elements, ["f"]);
    assert_eq!(f.citation.to_string(), "IBC 2021 §1011.5.2");

    let f = one(&STAIR_RISER_HEIGHT, flight_riser(0.19));
    assert_eq!(
        f.message,
        "riser height 190 mm (7.48 in) > 177.8 mm (7 in) maximum but ≤ 196.85 mm (7.75 in): \
         complies only in Group R-3, within an R-2 dwelling unit, or Group U accessory to them \
         (§1011.5.2 exception 3); from IfcStairFlight.RiserHeight"
    );
    assert_limit(&f, Some(0.1016), Some(0.1778));

    let f = one(&STAIR_RISER_HEIGHT, flight_riser(0.095));
    assert_eq!(
        f.message,
        "riser height 95 mm (3.74 in) < 101.6 mm (4 in) minimum; from IfcStairFlight.RiserHeight"
    );

    let f = one(&STAIR_RISER_HEIGHT, E::new("f", "IfcStairFlight"));
    assert_eq!(
        f.message,
        "no riser height in the model (IfcStairFlight.RiserHeight and \
         Pset_StairFlightCommon.RiserHeight are absent)"
    );
    assert_eq!((f.measured, f.limit), (None, None));
}

#[test]
fn spiral_flights_are_not_assessable_for_riser_and_tread() {
    let f = one(&STAIR_RISER_HEIGHT, flight_riser(0.2).ptype("SPIRAL"));
    assert_eq!(f.outcome, Outcome::NotAssessable);
    assert!(
        f.message.starts_with("spiral stairway: §1011.10 limits"),
        "{}",
        f.message
    );
    assert_eq!(f.measured, Some(Measure::length_m(0.2)));
    assert_eq!(
        outcome(&STAIR_TREAD_DEPTH, flight_tread(0.3).ptype("SPIRAL")),
        Outcome::NotAssessable
    );
}

#[test]
fn tread_test_vectors() {
    let r = &STAIR_TREAD_DEPTH;
    assert_eq!(outcome(r, flight_tread(0.2794)), Outcome::Pass);
    assert_eq!(outcome(r, flight_tread(0.2793)), Outcome::Warning);
    assert_eq!(outcome(r, flight_tread(0.254)), Outcome::Warning);
    assert_eq!(outcome(r, flight_tread(0.2539)), Outcome::Violation);
    let f = one(r, flight_tread(0.2793));
    assert_limit(&f, Some(0.2794), None);
}

#[test]
fn headroom_and_the_spiral_exception() {
    let r = &STAIR_HEADROOM;
    let flight =
        |h: f64| E::new("f", "IfcStairFlight").prop("Pset_StairFlightCommon", "Headroom", len(h));
    assert_eq!(outcome(r, flight(2.032)), Outcome::Pass);
    assert_eq!(outcome(r, flight(2.0)), Outcome::Violation);
    let f = one(r, flight(1.99).ptype("SPIRAL"));
    assert_eq!(f.outcome, Outcome::Pass);
    assert!(
        f.message.contains("spiral stairway: 78 in under §1011.10"),
        "{}",
        f.message
    );
    assert_limit(&f, Some(1.9812), None);
    assert_eq!(outcome(r, flight(1.9812).ptype("SPIRAL")), Outcome::Pass);
    assert_eq!(outcome(r, flight(1.98).ptype("SPIRAL")), Outcome::Violation);
    assert_limit(&one(r, flight(2.1).ptype("SPIRAL")), Some(2.032), None);
    // RequiredHeadroom is a requirement, never a measurement.
    let required =
        E::new("f", "IfcStairFlight").prop("Pset_StairCommon", "RequiredHeadroom", len(2.1));
    assert_eq!(outcome(r, required), Outcome::NotAssessable);
}

#[test]
fn flight_rise_test_vectors() {
    let r = &STAIR_FLIGHT_RISE;
    let flight = |n: Value, riser: f64| {
        E::new("f", "IfcStairFlight")
            .attr("RiserHeight", len(riser))
            .prop("Pset_StairFlightCommon", "NumberOfRiser", n)
    };
    let f = one(r, flight(count(20.0), 0.18288));
    assert_eq!(f.outcome, Outcome::Pass);
    assert_limit(&f, None, Some(3.6576));
    let f = one(r, flight(count(21.0), 0.1778));
    assert_eq!(f.outcome, Outcome::Violation);
    assert_eq!(
        f.message,
        "flight rise 3733.8 mm (147 in) > 3657.6 mm (12 ft) maximum (21 risers × 177.8 mm (7 in) \
         from Pset_StairFlightCommon.NumberOfRiser and IfcStairFlight.RiserHeight); if this \
         IfcStairFlight models several flights between landings, split it"
    );
    assert!((f.measured.unwrap().si - 3.7338).abs() < 1e-9);
    let f = one(r, flight(count(18.5), 0.17));
    assert_eq!(f.outcome, Outcome::NotAssessable);
    assert!(
        f.message.contains("is 18.5, not a whole number"),
        "{}",
        f.message
    );
    // IFC2X3 attribute name; integers.
    let f = one(
        r,
        E::new("f", "IfcStairFlight")
            .attr("NumberOfRiser", Value::Integer(16))
            .attr("RiserHeight", len(0.17)),
    );
    assert_eq!(f.outcome, Outcome::Pass);
    // Both missing: both named.
    let f = one(r, E::new("f", "IfcStairFlight"));
    assert_eq!(
        f.message,
        "no number of risers in the model (IfcStairFlight.NumberOfRisers, \
         IfcStairFlight.NumberOfRiser and Pset_StairFlightCommon.NumberOfRiser are absent); \
         no riser height in the model (IfcStairFlight.RiserHeight and \
         Pset_StairFlightCommon.RiserHeight are absent)"
    );
}

#[test]
fn stair_fallback_reads_ifcstair_only_without_flights() {
    let stair = |n: f64| {
        E::new("s", "IfcStair")
            .prop("Pset_StairCommon", "RiserHeight", len(0.18))
            .prop("Pset_StairCommon", "TreadLength", len(0.28))
            .prop("Pset_StairCommon", "NumberOfRiser", count(n))
    };
    // No flights: the stair is checked, from Pset_StairCommon.
    let fs = Pack::check(&model(vec![stair(22.0)]), &CheckOptions::default()).unwrap();
    let got: Vec<(&str, Outcome)> = fs.iter().map(|f| (f.rule.as_str(), f.outcome)).collect();
    assert_eq!(
        got,
        [
            ("stair-riser-height", Outcome::Warning),
            ("stair-tread-depth", Outcome::Pass),
            ("stair-headroom", Outcome::NotAssessable),
            // 22 × 0.18 = 3.96 m > 12 ft, but landings cannot be seen.
            ("stair-flight-rise", Outcome::Warning),
        ]
    );
    assert!(fs[0]
        .message
        .ends_with("; from Pset_StairCommon.RiserHeight"));
    assert!(fs[3].message.contains("landings cannot be seen"));
    assert_eq!(
        fs[2].message,
        "no headroom in the model (Headroom (any set) is absent)"
    );
    assert_eq!(outcome(&STAIR_FLIGHT_RISE, stair(20.0)), Outcome::Pass);
    // Spiral under the fallback: SPIRAL_STAIR.
    assert_eq!(
        outcome(&STAIR_RISER_HEIGHT, stair(10.0).ptype("SPIRAL_STAIR")),
        Outcome::NotAssessable
    );
    // With a flight present, the stair is not read.
    let fs = run(&STAIR_RISER_HEIGHT, vec![stair(22.0), flight_riser(0.17)]);
    assert_eq!(fs.len(), 1);
    assert_eq!(fs[0].elements, ["f"]);
}

// -------------------------------------------------------------- door rules

fn door(name: &str) -> E {
    E::new("d", "IfcDoor").name(name)
}

#[test]
fn door_width_test_vectors() {
    let r = &DOOR_CLEAR_WIDTH;
    assert_eq!(
        outcome(r, door("D").attr("OverallWidth", len(0.9144))),
        Outcome::NotAssessable
    );
    assert_eq!(
        outcome(r, door("D").attr("OverallWidth", len(0.762))),
        Outcome::Violation
    );
    assert_eq!(
        outcome(r, door("D").prop("Pset_Custom", "ClearWidth", len(0.8128))),
        Outcome::Pass
    );
    assert_eq!(
        outcome(r, door("D").prop("Pset_Custom", "ClearWidth", len(0.81))),
        Outcome::Violation
    );
    assert_eq!(
        outcome(r, door("Closet door").attr("OverallWidth", len(0.61))),
        Outcome::Warning
    );
    assert_eq!(
        outcome(
            r,
            door("D")
                .object_type("Linen CUPBOARD")
                .attr("OverallWidth", len(0.61))
        ),
        Outcome::Warning
    );
    assert_eq!(outcome(r, door("D")), Outcome::NotAssessable);
    // ClearWidth wins over OverallWidth; the base quantities come after OverallWidth.
    assert_eq!(
        outcome(
            r,
            door("D")
                .attr("OverallWidth", len(0.7))
                .prop("Pset_X", "ClearWidth", len(0.85))
        ),
        Outcome::Pass
    );
    let f = one(
        r,
        door("D")
            .prop("Qto_DoorBaseQuantities", "Width", len(0.7))
            .prop("BaseQuantities", "Width", len(0.9)),
    );
    assert_eq!(f.outcome, Outcome::Violation);
    // A text "900" is not a length.
    assert_eq!(
        outcome(
            r,
            door("D").prop("Pset_X", "ClearWidth", Value::Text("900".into()))
        ),
        Outcome::NotAssessable
    );
}

#[test]
fn door_messages_are_pinned() {
    let f = one(
        &DOOR_CLEAR_WIDTH,
        door("D").attr("OverallWidth", len(0.915)),
    );
    assert_eq!(f.outcome, Outcome::NotAssessable);
    assert_eq!(
        f.message,
        "IfcDoor.OverallWidth 915 mm (36.02 in) is only an upper bound of the clear width; the \
         clear width (≥ 812.8 mm (32 in) required) is not in the model; a ClearWidth property \
         (face of door to stop, door open 90°) would let it be assessed"
    );
    assert_eq!(f.measured, Some(Measure::length_m(0.915)));
    assert_limit(&f, Some(0.8128), None);

    let f = one(&DOOR_CLEAR_WIDTH, door("D"));
    assert_eq!(
        f.message,
        "no clear width in the model (ClearWidth (any set), IfcDoor.OverallWidth, \
         Qto_DoorBaseQuantities.Width and BaseQuantities.Width are absent)"
    );

    let f = one(&DOOR_CLEAR_WIDTH, door("D").attr("OverallWidth", len(0.7)));
    assert_eq!(
        f.message,
        "IfcDoor.OverallWidth 700 mm (27.56 in) < 812.8 mm (32 in) minimum, so the clear width \
         (never more than the IfcDoor.OverallWidth) is below it"
    );
}

#[test]
fn door_height_test_vectors() {
    let r = &DOOR_HEIGHT;
    let h = |v: f64| door("D").attr("OverallHeight", len(v));
    assert_eq!(outcome(r, h(2.032)), Outcome::NotAssessable);
    let f = one(r, h(2.0));
    assert_eq!(f.outcome, Outcome::Warning);
    assert_limit(&f, Some(2.032), None);
    assert_eq!(outcome(r, h(1.9304)), Outcome::Warning);
    assert_eq!(outcome(r, h(1.9)), Outcome::Violation);
    assert_eq!(
        outcome(r, door("D").prop("Pset_X", "ClearHeight", len(2.04))),
        Outcome::Pass
    );
    assert_eq!(
        outcome(r, door("D").prop("Pset_X", "ClearHeight", len(2.0))),
        Outcome::Warning
    );
}

#[test]
fn egress_scope_checks_only_egress_doors() {
    let doors = || {
        vec![
            E::new("ext", "IfcDoor")
                .attr("OverallWidth", len(0.7))
                .prop("Pset_DoorCommon", "IsExternal", Value::Boolean(true)),
            E::new("fire", "IfcDoor")
                .attr("OverallWidth", len(0.7))
                .prop("Pset_DoorCommon", "FireExit", Value::Boolean(true))
                .prop("Pset_DoorCommon", "IsExternal", Value::Boolean(false)),
            E::new("int", "IfcDoor")
                .attr("OverallWidth", len(0.7))
                .prop("Pset_DoorCommon", "IsExternal", Value::Boolean(false)),
            E::new("unmarked", "IfcDoor").attr("OverallWidth", len(0.7)),
        ]
    };
    let fs = run_with(&DOOR_CLEAR_WIDTH, doors(), &[("door-scope", "egress")]);
    let ids: Vec<&str> = fs.iter().map(|f| f.elements[0].as_str()).collect();
    assert_eq!(ids, ["ext", "fire"]);
    assert_eq!(run(&DOOR_CLEAR_WIDTH, doors()).len(), 4);

    // No door carries either property: one model-level finding per rule.
    let unmarked = || {
        vec![
            E::new("a", "IfcDoor").attr("OverallWidth", len(0.7)),
            E::new("b", "IfcDoor"),
        ]
    };
    let fs = Pack::check(
        &model(unmarked()),
        &opts(
            &["door-clear-width", "door-height"],
            &[("door-scope", "egress")],
        ),
    )
    .unwrap();
    assert_eq!(fs.len(), 2);
    for f in &fs {
        assert_eq!(f.outcome, Outcome::NotAssessable);
        assert_eq!(f.elements, ["a", "b"]);
        assert!(f
            .message
            .contains("no door carries Pset_DoorCommon.FireExit or Pset_DoorCommon.IsExternal"));
    }
}

// ----------------------------------------------------------- railing rules

fn railing(t: &str, h: f64) -> E {
    E::new("r", "IfcRailing")
        .ptype(t)
        .prop("Pset_RailingCommon", "Height", len(h))
}

#[test]
fn handrail_and_guard_test_vectors() {
    let hr = &HANDRAIL_HEIGHT;
    assert_eq!(outcome(hr, railing("HANDRAIL", 0.8636)), Outcome::Pass);
    assert_eq!(outcome(hr, railing("HANDRAIL", 0.9652)), Outcome::Pass);
    assert_eq!(outcome(hr, railing("HANDRAIL", 0.97)), Outcome::Violation);
    assert_eq!(outcome(hr, railing("HANDRAIL", 0.85)), Outcome::Violation);
    assert_limit(
        &one(hr, railing("HANDRAIL", 0.9)),
        Some(0.8636),
        Some(0.9652),
    );

    let g = &GUARD_HEIGHT;
    assert_eq!(outcome(g, railing("GUARDRAIL", 1.0668)), Outcome::Pass);
    assert_eq!(outcome(g, railing("BALUSTRADE", 1.0)), Outcome::Warning);
    assert_eq!(outcome(g, railing("GUARDRAIL", 0.8636)), Outcome::Warning);
    assert_eq!(outcome(g, railing("GUARDRAIL", 0.8)), Outcome::Violation);
    let f = one(g, railing("GUARDRAIL", 1.0));
    assert_limit(&f, Some(1.0668), None);
    assert_eq!(
        f.message,
        "guard height 1000 mm (39.37 in) < 1066.8 mm (42 in) minimum but ≥ 863.6 mm (34 in): \
         complies only as a guard on the open side of a stair in Group R-3 or within an R-2 \
         dwelling unit, or where the guard's top rail is the handrail (then also ≤ 38 in), or \
         in assembly seating areas; from Pset_RailingCommon.Height"
    );
}

#[test]
fn railings_go_to_one_rule_and_untyped_ones_only_to_guard_height() {
    let rails = || {
        vec![
            railing("HANDRAIL", 0.9),
            E::new("g", "IfcRailing").ptype("GUARDRAIL").prop(
                "Pset_RailingCommon",
                "Height",
                len(1.1),
            ),
            E::new("u", "IfcRailing").prop("Pset_RailingCommon", "Height", len(1.1)),
            E::new("n", "IfcRailing").ptype("NOTDEFINED"),
            // USERDEFINED arrives as the ObjectType text.
            E::new("x", "IfcRailing").ptype("Wall rail"),
        ]
    };
    let hs = run(&HANDRAIL_HEIGHT, rails());
    assert_eq!(hs.len(), 1);
    assert_eq!(hs[0].elements, ["r"]);
    let gs = run(&GUARD_HEIGHT, rails());
    let got: Vec<(&str, Outcome)> = gs
        .iter()
        .map(|f| (f.elements[0].as_str(), f.outcome))
        .collect();
    assert_eq!(
        got,
        [
            ("g", Outcome::Pass),
            ("u", Outcome::NotAssessable),
            ("n", Outcome::NotAssessable),
            ("x", Outcome::NotAssessable),
        ]
    );
    assert_eq!(
        gs[1].message,
        "railing type not stated (no PredefinedType; expected HANDRAIL, GUARDRAIL or \
         BALUSTRADE); cannot tell a guard from a handrail"
    );
    assert_eq!(gs[1].measured, Some(Measure::length_m(1.1)));
}

// ------------------------------------------------------------- space rules

fn space(long_name: &str) -> E {
    E::new("s", "IfcSpace").attr("LongName", Value::Text(long_name.into()))
}

fn fch(long_name: &str, h: f64) -> E {
    space(long_name).prop("Qto_SpaceBaseQuantities", "FinishCeilingHeight", len(h))
}

fn slab_height(long_name: &str, h: f64) -> E {
    space(long_name).prop("Qto_SpaceBaseQuantities", "Height", len(h))
}

#[test]
fn ceiling_test_vectors() {
    let r = &CEILING_HEIGHT;
    assert_eq!(outcome(r, fch("Office 101", 2.286)), Outcome::Pass);
    assert_eq!(
        outcome(r, slab_height("Office", 2.7)),
        Outcome::NotAssessable
    );
    assert_eq!(outcome(r, slab_height("Office", 2.2)), Outcome::Violation);
    assert_eq!(outcome(r, slab_height("WC", 2.2)), Outcome::NotAssessable);
    assert_eq!(outcome(r, fch("WC", 2.1)), Outcome::Violation);
    assert_eq!(outcome(r, fch("Corridor", 2.2)), Outcome::Warning);
    assert!(run(r, vec![fch("Stair 1", 1.0)]).is_empty());
    assert_eq!(outcome(r, slab_height("Mech", 2.2)), Outcome::Warning);
    // IFC2X3 set name.
    assert_eq!(
        outcome(
            r,
            space("Office").prop("BaseQuantities", "FinishCeilingHeight", len(2.3))
        ),
        Outcome::Pass
    );
    // Name when LongName says nothing.
    let by_name = E::new("s", "IfcSpace")
        .name("WC-02")
        .attr("LongName", Value::Text("Mrs Smith".into()));
    assert_eq!(
        outcome(
            r,
            by_name.prop("Qto_SpaceBaseQuantities", "FinishCeilingHeight", len(2.15))
        ),
        Outcome::Pass
    );
    assert_eq!(outcome(r, space("Office")), Outcome::NotAssessable);
}

#[test]
fn ceiling_messages_print_feet_and_inches() {
    let f = one(&CEILING_HEIGHT, fch("Bedroom", 2.2));
    assert_eq!(f.outcome, Outcome::Violation);
    assert_eq!(
        f.message,
        "ceiling height 2200 mm (7 ft 2.61 in) < 2286 mm (7 ft 6 in) minimum; from \
         Qto_SpaceBaseQuantities.FinishCeilingHeight [occupiable or habitable space: \"Bedroom\"]"
    );
    assert_limit(&f, Some(2.286), None);
    let f = one(&CEILING_HEIGHT, slab_height("Storage", 2.3));
    assert_eq!(
        f.message,
        "Qto_SpaceBaseQuantities.Height 2300 mm (7 ft 6.55 in) is only an upper bound of the \
         ceiling height; the ceiling height (≥ 2133.6 mm (7 ft) required) is not in the model; \
         a FinishCeilingHeight quantity would let it be assessed [bathroom, toilet room, \
         kitchen, storage room or laundry room: \"Storage\"]"
    );
}

#[test]
fn corridor_test_vectors() {
    let r = &CORRIDOR_WIDTH;
    let w = |v: f64| space("Corridor").prop("Qto_SpaceBaseQuantities", "Width", len(v));
    let cw = |v: f64| space("Corridor").prop("Pset_Custom", "ClearWidth", len(v));
    assert_eq!(outcome(r, w(0.9)), Outcome::Violation);
    assert_eq!(outcome(r, w(1.0)), Outcome::Warning);
    assert_eq!(outcome(r, w(1.2)), Outcome::NotAssessable);
    assert_eq!(outcome(r, cw(1.1176)), Outcome::Pass);
    assert_eq!(outcome(r, cw(1.1175)), Outcome::Warning);
    assert_eq!(outcome(r, space("Corridor")), Outcome::NotAssessable);
    // Only corridors; `hall` alone is not one.
    assert!(run(r, vec![space("Main hall"), space("Office")]).is_empty());

    let with = |p: &str, e: E| {
        let mut f = run_with(r, vec![e], &[("corridor-occupancy", p)]);
        assert_eq!(f.len(), 1);
        f.remove(0)
    };
    let f = with("i-2-beds", cw(1.5));
    assert_eq!(f.outcome, Outcome::Warning);
    assert_limit(&f, Some(2.4384), None);
    assert!(f
        .message
        .contains("complies only if this is not a Group I-2 corridor required for bed movement"));
    let f = with("group-e-100", cw(1.0));
    assert_eq!(f.outcome, Outcome::Warning);
    assert!(f.message.contains("occupant load is less than 50"));
    assert_eq!(with("stretcher", cw(1.8288)).outcome, Outcome::Pass);
    let f = with("stretcher", w(0.9));
    assert_eq!(f.outcome, Outcome::Violation);
    assert_limit(&f, Some(1.8288), None);
}
