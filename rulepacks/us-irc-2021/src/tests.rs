//! Unit tests: the spec's test vectors, boundaries and tolerance, options,
//! messages, and the batching contract (one query per class, no `get`).

use super::*;
use plancheck_sdk::{Attribute, MeasureKind, Value};
use plancheck_sdk::{Element, Measure, Model, Property, PropertySet, Query, Row, SetKind, Storey};
use std::cell::Cell;

fn length(v: f64) -> Value {
    Value::Measure(Measure::length_m(v))
}

fn count_measure(v: f64) -> Value {
    Value::Measure(Measure {
        kind: MeasureKind::Count,
        si: v,
    })
}

/// An element under construction.
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
    fn predefined(mut self, t: &str) -> Self {
        self.0.predefined_type = Some(t.into());
        self
    }
    fn space(mut self, s: &str) -> Self {
        self.0.space = Some(s.into());
        self
    }
    fn attr(mut self, name: &str, value: Value) -> Self {
        self.0.attributes.push(Attribute {
            name: name.into(),
            value,
            data_type: String::new(),
        });
        self
    }
    fn prop(mut self, set: &str, name: &str, value: Value) -> Self {
        let p = Property {
            name: name.into(),
            value,
            data_type: String::new(),
        };
        match self.0.property_sets.iter_mut().find(|s| s.name == set) {
            Some(s) => s.properties.push(p),
            None => self.0.property_sets.push(PropertySet {
                name: set.into(),
                kind: if set.starts_with("Pset") {
                    SetKind::PropertySet
                } else {
                    SetKind::QuantitySet
                },
                properties: vec![p],
            }),
        }
        self
    }
}

fn supertypes(class: &str) -> Vec<String> {
    match class.to_ascii_uppercase().as_str() {
        "IFCDOORSTANDARDCASE" => vec!["IfcDoor".into()],
        _ => vec![],
    }
}

fn model(elements: Vec<E>) -> Model {
    Model::new(
        "IFC4",
        vec![Storey {
            id: "storey".into(),
            name: None,
            elevation: Some(0.0),
        }],
        elements.into_iter().map(|e| e.0).collect(),
        &supertypes,
    )
    .unwrap()
}

fn run(m: &Model, rules: &[&str]) -> Vec<Finding> {
    let options = CheckOptions {
        rules: rules.iter().map(|r| r.to_string()).collect(),
        parameters: vec![],
    };
    Pack::check(m, &options).unwrap()
}

/// The one finding of `rule` on `element`.
fn one<'f>(findings: &'f [Finding], rule: &str, element: &str) -> &'f Finding {
    let v: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.rule == rule && f.elements.iter().any(|e| e == element))
        .collect();
    assert_eq!(v.len(), 1, "{rule} on {element}: {findings:#?}");
    v[0]
}

fn outcome(m: &Model, rule: &str, element: &str) -> Outcome {
    one(&run(m, &[rule]), rule, element).outcome
}

fn flight(id: &str) -> E {
    E::new(id, "IfcStairFlight").predefined("STRAIGHT")
}

// ---------------------------------------------------------------- manifest, options

#[test]
fn manifest_matches_the_spec() {
    let m = Pack::manifest();
    assert_eq!(m.id, "us-irc-2021");
    assert_eq!(m.name, "International Residential Code 2021");
    assert_eq!(m.jurisdiction, "US");
    assert_eq!(m.code, "IRC");
    assert_eq!(m.edition, "2021");
    assert_eq!(m.version, "0.1.0");
    assert_eq!(m.contract, CONTRACT_VERSION);
    let table: Vec<(&str, &str, &str)> = m
        .rules
        .iter()
        .map(|r| {
            assert_eq!(r.citation.code, "IRC");
            assert_eq!(r.citation.edition, "2021");
            (r.id.as_str(), r.title.as_str(), r.citation.section.as_str())
        })
        .collect();
    assert_eq!(
        table,
        [
            ("stair-riser-height", "Stair riser height", "R311.7.5.1"),
            ("stair-tread-depth", "Stair tread depth", "R311.7.5.2"),
            ("stair-headroom", "Stair headroom", "R311.7.2"),
            (
                "stair-flight-rise",
                "Vertical rise of a stair flight",
                "R311.7.3"
            ),
            ("handrail-height", "Handrail height", "R311.7.8.1"),
            ("guard-height", "Guard height", "R312.1.2"),
            ("ceiling-height", "Minimum ceiling height", "R305.1"),
            ("egress-door-width", "Egress door clear width", "R311.2"),
            ("egress-door-height", "Egress door clear height", "R311.2"),
            ("hallway-width", "Hallway width", "R311.6"),
        ]
    );
}

#[test]
fn limits_are_the_exact_conversions() {
    use plancheck_sdk::units::{ft, inch};
    let close = |a: f64, b: f64| (a - b).abs() < 1e-12;
    assert!(close(stairs::RISER_MAX.si, inch(7.75)));
    assert!(close(stairs::TREAD_MIN.si, inch(10.0)));
    assert!(close(stairs::HEADROOM_MIN.si, ft(6.0) + inch(8.0)));
    assert!(close(stairs::HEADROOM_SPIRAL_MIN.si, ft(6.0) + inch(6.0)));
    assert!(close(stairs::FLIGHT_RISE_MAX.si, inch(151.0)));
    assert!(close(railings::HANDRAIL_MIN.si, inch(34.0)));
    assert!(close(railings::HANDRAIL_MAX.si, inch(38.0)));
    assert!(close(railings::GUARD_MIN.si, inch(36.0)));
    assert!(close(railings::GUARD_STAIR_MIN.si, inch(34.0)));
    assert!(close(spaces::CEILING_HABITABLE.si, ft(7.0)));
    assert!(close(spaces::CEILING_BATH.si, ft(6.0) + inch(8.0)));
    assert!(close(doors::WIDTH_MIN.si, inch(32.0)));
    assert!(close(doors::HEIGHT_MIN.si, inch(78.0)));
    assert!(close(spaces::HALLWAY_MIN.si, ft(3.0)));
}

#[test]
fn unknown_rule_ids_are_refused_with_the_list() {
    let m = model(vec![]);
    let options = CheckOptions {
        rules: vec!["stair-riser".into()],
        parameters: vec![],
    };
    let Err(PackError::InvalidOption(msg)) = Pack::check(&m, &options) else {
        panic!("accepted an unknown rule id");
    };
    assert!(msg.contains("`stair-riser`"), "{msg}");
    for r in RULES {
        assert!(msg.contains(r.id), "{msg} lacks {}", r.id);
    }
}

#[test]
fn parameters_are_refused_naming_them() {
    let m = model(vec![]);
    let options = CheckOptions {
        rules: vec![],
        parameters: vec![("door-scope".into(), "egress".into())],
    };
    assert_eq!(
        Pack::check(&m, &options),
        Err(PackError::InvalidOption(
            "unknown parameter `door-scope` (value `egress`); us-irc-2021 accepts no parameters"
                .into()
        ))
    );
}

#[test]
fn rule_selection_runs_only_the_selected_rules() {
    let m = model(vec![
        flight("f").attr("RiserHeight", length(0.2)),
        E::new("r", "IfcRailing").predefined("HANDRAIL"),
        E::new("s", "IfcSpace").name("Hall"),
    ]);
    let f = run(&m, &["stair-riser-height", "handrail-height"]);
    let rules: Vec<&str> = f.iter().map(|f| f.rule.as_str()).collect();
    assert_eq!(rules, ["stair-riser-height", "handrail-height"]);
    // empty selection = all rules: 4 stair rules, handrail, ceiling, 2 door
    // (model-level), hallway
    let all = run(&m, &[]);
    assert_eq!(all.len(), 9, "{all:#?}");
}

/// A model view that counts host calls.
struct Counting<'m> {
    model: &'m Model,
    queries: Cell<Vec<String>>,
    gets: Cell<u32>,
}

impl ModelView for Counting<'_> {
    fn schema(&self) -> String {
        self.model.schema().into()
    }
    fn storeys(&self) -> Vec<Storey> {
        self.model.storeys().to_vec()
    }
    fn count(&self, class: &str) -> u32 {
        self.model.count(class)
    }
    fn query(&self, q: &Query) -> Vec<Row> {
        let mut v = self.queries.take();
        v.push(q.class.clone());
        self.queries.set(v);
        self.model.query(q)
    }
    fn get(&self, id: &str) -> Option<Element> {
        self.gets.set(self.gets.get() + 1);
        self.model.get(id).cloned()
    }
}

#[test]
fn one_batched_query_per_class_and_no_get() {
    let mut els = vec![E::new("sp", "IfcSpace").name("Stair hall")];
    for i in 0..50 {
        els.push(flight(&format!("f{i}")).attr("RiserHeight", length(0.18)));
        els.push(
            E::new(&format!("g{i}"), "IfcRailing")
                .predefined("GUARDRAIL")
                .space("sp")
                .prop("Pset_RailingCommon", "Height", length(0.88)),
        );
        els.push(E::new(&format!("d{i}"), "IfcDoor"));
    }
    let m = model(els);
    let view = Counting {
        model: &m,
        queries: Cell::new(vec![]),
        gets: Cell::new(0),
    };
    let f = Pack::check(&view, &CheckOptions::default()).unwrap();
    assert!(f.len() > 200);
    let mut q = view.queries.take();
    q.sort();
    assert_eq!(q, ["IfcDoor", "IfcRailing", "IfcSpace", "IfcStairFlight"]);
    assert_eq!(view.gets.get(), 0);
    // the guards found their stair-named space through the batched query
    assert_eq!(one(&f, "guard-height", "g7").outcome, Outcome::Pass);

    // only the guard rule: spaces are queried once, for the guards
    let view = Counting {
        model: &m,
        queries: Cell::new(vec![]),
        gets: Cell::new(0),
    };
    let opts = CheckOptions {
        rules: vec!["guard-height".into()],
        parameters: vec![],
    };
    Pack::check(&view, &opts).unwrap();
    assert_eq!(view.queries.take(), ["IfcRailing", "IfcSpace"]);
}

// ---------------------------------------------------------------- stairs

#[test]
fn riser_vectors_and_tolerance() {
    for (r, want) in [
        (0.19685, Outcome::Pass),
        (0.1969, Outcome::Violation),
        (0.1968, Outcome::Pass),
        (0.19685 + 0.9e-6, Outcome::Pass),
        (0.19685 + 1.1e-6, Outcome::Violation),
        (0.09, Outcome::Pass), // the IRC sets no minimum riser
    ] {
        let m = model(vec![flight("f").attr("RiserHeight", length(r))]);
        assert_eq!(outcome(&m, "stair-riser-height", "f"), want, "riser {r}");
    }
}

#[test]
fn riser_messages_verbatim() {
    let m = model(vec![
        flight("steep").prop("Pset_StairFlightCommon", "RiserHeight", length(0.2)),
        flight("none"),
        flight("ok").attr("RiserHeight", length(0.17)),
    ]);
    let f = run(&m, &["stair-riser-height"]);
    let steep = one(&f, "stair-riser-height", "steep");
    assert_eq!(steep.outcome, Outcome::Violation);
    assert_eq!(
        steep.message,
        "riser height 200 mm (7.87 in) > 196.85 mm (7.75 in) maximum \
         (from Pset_StairFlightCommon.RiserHeight)"
    );
    assert_eq!(steep.measured, Some(Measure::length_m(0.2)));
    assert_eq!(
        steep.limit,
        Some(plancheck_sdk::Limit {
            min: None,
            max: Some(Measure::length_m(0.19685))
        })
    );
    assert_eq!(
        steep.citation,
        plancheck_sdk::Citation::new("IRC", "2021", "R311.7.5.1")
    );
    let none = one(&f, "stair-riser-height", "none");
    assert_eq!(none.outcome, Outcome::NotAssessable);
    assert_eq!(
        none.message,
        "no riser height: IfcStairFlight.RiserHeight and Pset_StairFlightCommon.RiserHeight are absent"
    );
    assert_eq!(none.measured, None);
    assert_eq!(
        one(&f, "stair-riser-height", "ok").message,
        "riser height 170 mm (6.69 in) ≤ 196.85 mm (7.75 in) maximum (from IfcStairFlight.RiserHeight)"
    );
}

#[test]
fn sources_in_priority_order_and_unusable_values() {
    // attribute wins over the pset
    let m = model(vec![flight("f").attr("RiserHeight", length(0.17)).prop(
        "Pset_StairFlightCommon",
        "RiserHeight",
        length(0.25),
    )]);
    assert_eq!(outcome(&m, "stair-riser-height", "f"), Outcome::Pass);
    // a zero attribute is missing: the pset is read
    let m = model(vec![flight("f").attr("RiserHeight", length(0.0)).prop(
        "Pset_StairFlightCommon",
        "RiserHeight",
        length(0.25),
    )]);
    assert_eq!(outcome(&m, "stair-riser-height", "f"), Outcome::Violation);
    // a bare number is not a length; it is named, never used
    let m = model(vec![flight("f").prop(
        "Pset_StairFlightCommon",
        "RiserHeight",
        Value::Real(0.17),
    )]);
    let f = run(&m, &["stair-riser-height"]);
    let f = one(&f, "stair-riser-height", "f");
    assert_eq!(f.outcome, Outcome::NotAssessable);
    assert_eq!(
        f.message,
        "no riser height: IfcStairFlight.RiserHeight is absent; \
         Pset_StairFlightCommon.RiserHeight holds 0.17 without a unit (not a length measure)"
    );
}

#[test]
fn spiral_flights_are_not_assessable_for_riser_and_tread() {
    let m = model(vec![E::new("s", "IfcStairFlight")
        .predefined("SPIRAL")
        .attr("RiserHeight", length(0.22))
        .attr("TreadLength", length(0.2))]);
    let f = run(&m, &["stair-riser-height", "stair-tread-depth"]);
    for rule in ["stair-riser-height", "stair-tread-depth"] {
        let x = one(&f, rule, "s");
        assert_eq!(x.outcome, Outcome::NotAssessable);
        assert!(x.message.contains("§R311.7.10.1"), "{}", x.message);
        assert!(x.measured.is_some());
    }
}

#[test]
fn tread_vectors() {
    for (t, want) in [
        (0.254, Outcome::Pass),
        (0.2539, Outcome::Violation),
        (0.25399995, Outcome::Pass),
    ] {
        let m = model(vec![flight("f").attr("TreadLength", length(t))]);
        assert_eq!(outcome(&m, "stair-tread-depth", "f"), want, "tread {t}");
    }
}

#[test]
fn headroom_vectors_and_spiral_provision() {
    let hr = |id: &str, pt: &str, h: f64| {
        E::new(id, "IfcStairFlight").predefined(pt).prop(
            "Pset_StairFlightCommon",
            "Headroom",
            length(h),
        )
    };
    let m = model(vec![
        hr("a", "STRAIGHT", 2.032),
        hr("b", "STRAIGHT", 2.0),
        hr("c", "SPIRAL", 2.0),
        hr("d", "SPIRAL", 1.98),
        hr("e", "SPIRAL", 1.9812),
        flight("none").prop("Pset_StairCommon", "RequiredHeadroom", length(2.1)),
    ]);
    let f = run(&m, &["stair-headroom"]);
    assert_eq!(one(&f, "stair-headroom", "a").outcome, Outcome::Pass);
    assert_eq!(one(&f, "stair-headroom", "b").outcome, Outcome::Violation);
    let c = one(&f, "stair-headroom", "c");
    assert_eq!(c.outcome, Outcome::Pass);
    assert!(
        c.message.contains("spiral stairways (§R311.7.10.1)"),
        "{}",
        c.message
    );
    assert_eq!(one(&f, "stair-headroom", "d").outcome, Outcome::Violation);
    assert_eq!(one(&f, "stair-headroom", "e").outcome, Outcome::Pass);
    assert_eq!(
        one(&f, "stair-headroom", "none").outcome,
        Outcome::NotAssessable
    );
}

#[test]
fn flight_rise_vectors() {
    let fl = |id: &str, n: Value, r: f64| {
        flight(id)
            .attr("NumberOfRisers", n)
            .attr("RiserHeight", length(r))
    };
    let m = model(vec![
        fl("pass", Value::Integer(20), 0.19177),
        fl("fail", Value::Integer(20), 0.1969),
        flight("frac")
            .prop(
                "Pset_StairFlightCommon",
                "NumberOfRiser",
                count_measure(18.5),
            )
            .attr("RiserHeight", length(0.17)),
        // IFC2X3 spelling
        flight("x3")
            .attr("NumberOfRiser", Value::Integer(15))
            .attr("RiserHeight", length(0.2)),
        // count only in the pset, as IfcCountMeasure
        flight("pset")
            .prop(
                "Pset_StairFlightCommon",
                "NumberOfRiser",
                count_measure(22.0),
            )
            .attr("RiserHeight", length(0.175)),
        flight("no-n").attr("RiserHeight", length(0.175)),
    ]);
    let f = run(&m, &["stair-flight-rise"]);
    let pass = one(&f, "stair-flight-rise", "pass");
    assert_eq!(pass.outcome, Outcome::Pass, "{}", pass.message);
    let fail = one(&f, "stair-flight-rise", "fail");
    assert_eq!(fail.outcome, Outcome::Violation);
    assert_eq!(
        fail.message,
        "flight rise 20 × 196.9 mm = 3938 mm (155.04 in) > 3835.4 mm (151 in) maximum \
         (from IfcStairFlight.NumberOfRisers × IfcStairFlight.RiserHeight); \
         if this IfcStairFlight models several flights between landings, split it"
    );
    assert_eq!(
        one(&f, "stair-flight-rise", "frac").outcome,
        Outcome::NotAssessable
    );
    assert_eq!(one(&f, "stair-flight-rise", "x3").outcome, Outcome::Pass);
    assert_eq!(
        one(&f, "stair-flight-rise", "pset").outcome,
        Outcome::Violation
    );
    let no_n = one(&f, "stair-flight-rise", "no-n");
    assert_eq!(no_n.outcome, Outcome::NotAssessable);
    assert!(no_n.message.contains("no riser count"), "{}", no_n.message);
}

#[test]
fn stair_fallback_reads_ifcstair_only_without_flights() {
    let stair = |id: &str| {
        E::new(id, "IfcStair")
            .predefined("STRAIGHT_RUN_STAIR")
            .prop("Pset_StairCommon", "RiserHeight", length(0.19))
            .prop("Pset_StairCommon", "TreadLength", length(0.25))
            .prop("Pset_StairCommon", "NumberOfRiser", count_measure(21.0))
            .prop("Pset_StairCommon", "RequiredHeadroom", length(2.1))
    };
    let m = model(vec![
        stair("st"),
        E::new("sp", "IfcStair").predefined("SPIRAL_STAIR").prop(
            "Pset_StairCommon",
            "RiserHeight",
            length(0.2),
        ),
    ]);
    let f = run(&m, &[]);
    assert_eq!(one(&f, "stair-riser-height", "st").outcome, Outcome::Pass);
    assert_eq!(
        one(&f, "stair-tread-depth", "st").outcome,
        Outcome::Violation
    );
    let h = one(&f, "stair-headroom", "st");
    assert_eq!(h.outcome, Outcome::NotAssessable);
    assert!(
        h.message.contains("RequiredHeadroom is a requirement"),
        "{}",
        h.message
    );
    // 21 × 0.19 = 3.99 m > 151 in, but it is the whole stair: warning
    assert_eq!(one(&f, "stair-flight-rise", "st").outcome, Outcome::Warning);
    assert_eq!(
        one(&f, "stair-riser-height", "sp").outcome,
        Outcome::NotAssessable
    );

    // with a flight present, IfcStair is not read
    let m = model(vec![stair("st"), flight("f")]);
    let f = run(&m, &[]);
    assert!(f.iter().all(|x| !x.elements.contains(&"st".to_string())));
}

// ---------------------------------------------------------------- railings

#[test]
fn handrail_bounds() {
    for (h, want) in [
        (0.8636, Outcome::Pass),
        (0.9652, Outcome::Pass),
        (0.8635, Outcome::Violation),
        (0.97, Outcome::Violation),
    ] {
        let m = model(vec![E::new("r", "IfcRailing").predefined("HANDRAIL").prop(
            "Pset_RailingCommon",
            "Height",
            length(h),
        )]);
        assert_eq!(outcome(&m, "handrail-height", "r"), want, "handrail {h}");
    }
    let m = model(vec![E::new("r", "IfcRailing").predefined("HANDRAIL")]);
    assert_eq!(outcome(&m, "handrail-height", "r"), Outcome::NotAssessable);
}

#[test]
fn guard_vectors() {
    let g = |id: &str, name: &str, h: f64| {
        E::new(id, "IfcRailing")
            .name(name)
            .predefined("GUARDRAIL")
            .prop("Pset_RailingCommon", "Height", length(h))
    };
    let m = model(vec![
        g("a", "Guard", 0.9144),
        g("b", "Stair guard", 0.88),
        g("c", "Railing:Guardrail - Pipe", 0.88),
        g("d", "Guard", 0.8),
        E::new("e", "IfcRailing").prop("Pset_RailingCommon", "Height", length(1.0)),
        E::new("f", "IfcRailing")
            .predefined("BALUSTRADE")
            .object_type("Staircase balustrade")
            .prop("Pset_RailingCommon", "Height", length(0.87)),
        g("g", "Guard", 0.87).space("sp"),
        E::new("sp", "IfcSpace")
            .name("S-1")
            .attr("LongName", Value::Text("Main stair".into())),
        E::new("h", "IfcRailing").predefined("HANDRAIL"),
        g("i", "Guard", 0.8636),
    ]);
    let f = run(&m, &["guard-height"]);
    assert_eq!(one(&f, "guard-height", "a").outcome, Outcome::Pass);
    assert_eq!(one(&f, "guard-height", "b").outcome, Outcome::Pass);
    let c = one(&f, "guard-height", "c");
    assert_eq!(c.outcome, Outcome::Warning);
    assert_eq!(
        c.limit.unwrap().min,
        Some(Measure::length_m(0.9144)),
        "a warning band carries the limit it fails without the condition"
    );
    assert_eq!(
        c.message,
        "guard height 880 mm (34.65 in) < 914.4 mm (36 in) minimum; complies only as a guard \
         on the open side of a stair (≥ 863.6 mm (34 in), §R312.1.2 exception 1), and the \
         model does not say where this guard is (from Pset_RailingCommon.Height)"
    );
    assert_eq!(one(&f, "guard-height", "d").outcome, Outcome::Violation);
    let e = one(&f, "guard-height", "e");
    assert_eq!(e.outcome, Outcome::NotAssessable);
    assert!(
        e.message.starts_with("railing type not stated"),
        "{}",
        e.message
    );
    assert_eq!(one(&f, "guard-height", "f").outcome, Outcome::Pass);
    assert_eq!(one(&f, "guard-height", "g").outcome, Outcome::Pass);
    assert!(f.iter().all(|x| !x.elements.contains(&"h".to_string())));
    assert_eq!(one(&f, "guard-height", "i").outcome, Outcome::Warning);
    assert_eq!(f.len(), 8);
}

// ---------------------------------------------------------------- spaces

fn space(id: &str, long_name: &str) -> E {
    E::new(id, "IfcSpace")
        .name(id)
        .attr("LongName", Value::Text(long_name.into()))
}

#[test]
fn ceiling_vectors() {
    let fch = |id: &str, ln: &str, h: f64| {
        space(id, ln).prop("Qto_SpaceBaseQuantities", "FinishCeilingHeight", length(h))
    };
    let height = |id: &str, ln: &str, h: f64| {
        space(id, ln).prop("Qto_SpaceBaseQuantities", "Height", length(h))
    };
    let m = model(vec![
        fch("bed2", "Bedroom 2", 2.1336),
        fch("bath", "Bath", 2.05),
        fch("bath-low", "Bath", 2.0),
        height("hall-low", "Hall", 2.1),
        height("hall-high", "Hall", 2.4),
        fch("room7", "Room 7", 2.0),
        fch("room8", "Room 8", 2.2),
        fch("closet", "Closet", 1.0),
        fch("wc", "WC-01", 2.032),
        fch("laundry", "Laundry", 2.0319995),
        E::new("x3", "IfcSpace").name("Bedroom 3").prop(
            "BaseQuantities",
            "FinishCeilingHeight",
            length(2.0),
        ),
        space("nodata", "Office"),
    ]);
    let f = run(&m, &["ceiling-height"]);
    let o = |id: &str| one(&f, "ceiling-height", id).outcome;
    assert_eq!(o("bed2"), Outcome::Pass);
    assert_eq!(o("bath"), Outcome::Pass);
    assert_eq!(o("bath-low"), Outcome::Violation);
    assert_eq!(o("hall-low"), Outcome::Violation);
    assert_eq!(o("hall-high"), Outcome::NotAssessable);
    assert_eq!(o("room7"), Outcome::Warning);
    assert_eq!(o("room8"), Outcome::Pass);
    assert_eq!(o("wc"), Outcome::Pass);
    assert_eq!(o("laundry"), Outcome::Pass);
    assert_eq!(o("x3"), Outcome::Violation);
    assert_eq!(o("nodata"), Outcome::NotAssessable);
    assert!(f
        .iter()
        .all(|x| !x.elements.contains(&"closet".to_string())));
    assert_eq!(f.len(), 11);

    let hh = one(&f, "ceiling-height", "hall-high");
    assert_eq!(
        hh.message,
        "hallway, from LongName 'Hall' (keyword 'hall'): Qto_SpaceBaseQuantities.Height \
         2400 mm (7 ft 10.49 in) is only an upper bound of the ceiling height the code \
         measures; the model has no finished ceiling height (≥ 2133.6 mm (7 ft) required)"
    );
    assert_eq!(hh.measured, Some(Measure::length_m(2.4)));
    let nd = one(&f, "ceiling-height", "nodata");
    assert_eq!(
        nd.message,
        "habitable space, from LongName 'Office' (keyword 'office'): no ceiling height: \
         Qto_SpaceBaseQuantities.FinishCeilingHeight, BaseQuantities.FinishCeilingHeight, \
         Qto_SpaceBaseQuantities.Height and BaseQuantities.Height are absent"
    );
}

#[test]
fn classification_longname_first_then_name() {
    use spaces::{classify, Use};
    assert_eq!(
        classify(Some("Bedroom"), Some("Closet-3")).what,
        Use::Habitable
    );
    assert_eq!(classify(Some("Raum 1"), Some("Bath_2")).what, Use::Bath);
    assert_eq!(classify(None, Some("WC-01")).what, Use::Bath);
    assert_eq!(classify(Some("Hall closet"), None).what, Use::OutOfScope);
    assert_eq!(classify(Some("Attic room"), None).what, Use::OutOfScope);
    assert_eq!(classify(Some("Powder room"), None).what, Use::Bath);
    assert_eq!(
        classify(Some("Wohnzimmer"), Some("R1")).what,
        Use::Unrecognised
    );
    assert_eq!(classify(Some("Passage"), None).what, Use::Hallway);
}

#[test]
fn hallway_vectors() {
    let m = model(vec![
        space("narrow", "Hall").prop("Qto_SpaceBaseQuantities", "Width", length(0.85)),
        space("wide", "Hall").prop("Qto_SpaceBaseQuantities", "Width", length(1.0)),
        space("clear", "Hall").prop("Pset_Custom", "ClearWidth", length(0.9144)),
        space("clear-low", "Corridor").prop("Pset_Custom", "ClearWidth", length(0.9)),
        space("any", "Hallway").prop("Other_Quantities", "Width", length(0.8)),
        space("closet", "Hall closet").prop("Qto_SpaceBaseQuantities", "Width", length(0.6)),
        space("bed", "Bedroom").prop("Qto_SpaceBaseQuantities", "Width", length(0.6)),
        space("none", "Corridor"),
    ]);
    let f = run(&m, &["hallway-width"]);
    let o = |id: &str| one(&f, "hallway-width", id).outcome;
    assert_eq!(o("narrow"), Outcome::Violation);
    assert_eq!(o("wide"), Outcome::NotAssessable);
    assert_eq!(o("clear"), Outcome::Pass);
    assert_eq!(o("clear-low"), Outcome::Violation);
    assert_eq!(o("any"), Outcome::Violation);
    assert_eq!(o("none"), Outcome::NotAssessable);
    assert_eq!(f.len(), 6);
    assert_eq!(
        one(&f, "hallway-width", "narrow").message,
        "hallway, from LongName 'Hall' (keyword 'hall'): Qto_SpaceBaseQuantities.Width \
         850 mm (2 ft 9.46 in) < 914.4 mm (3 ft) minimum; the clear width the code measures \
         is narrower still"
    );
}

// ---------------------------------------------------------------- doors

fn door(id: &str) -> E {
    E::new(id, "IfcDoor").name(id)
}

fn ext(e: E, external: bool) -> E {
    e.prop("Pset_DoorCommon", "IsExternal", Value::Boolean(external))
}

fn egress(m: &Model) -> (Finding, Finding) {
    let f = run(m, &["egress-door-width", "egress-door-height"]);
    assert_eq!(f.len(), 2, "{f:#?}");
    (f[0].clone(), f[1].clone())
}

#[test]
fn egress_width_vectors() {
    // one external door, OverallWidth 36 in: upper bound → not-assessable (6)
    let m = model(vec![ext(
        door("d").attr("OverallWidth", length(0.9144)),
        true,
    )]);
    let (w, _) = egress(&m);
    assert_eq!(w.outcome, Outcome::NotAssessable);
    assert_eq!(w.elements, ["d"]);
    assert_eq!(
        w.message,
        "no external side-hinged door is known to give 32 in clear width (812.8 mm (32 in)): \
         d — IfcDoor.OverallWidth 914.4 mm (36 in) is only an upper bound of the clear width \
         the code measures; the model has no clear width (a ClearWidth property on the \
         egress door would decide it)"
    );
    // two external doors 0.76 and 0.71 → violation, measured = the widest
    let m = model(vec![
        ext(door("a").attr("OverallWidth", length(0.76)), true),
        ext(door("b").attr("OverallWidth", length(0.71)), true),
        ext(door("c").attr("OverallWidth", length(0.5)), false),
    ]);
    let (w, _) = egress(&m);
    assert_eq!(w.outcome, Outcome::Violation);
    assert_eq!(w.elements, ["a", "b"]);
    assert_eq!(w.measured, Some(Measure::length_m(0.76)));
    // external door ClearWidth 0.83 → pass on that door
    let m = model(vec![
        ext(
            door("a").prop("Pset_Custom", "ClearWidth", length(0.83)),
            true,
        ),
        ext(door("b").attr("OverallWidth", length(0.71)), true),
    ]);
    let (w, _) = egress(&m);
    assert_eq!(w.outcome, Outcome::Pass);
    assert_eq!(w.elements, ["a"]);
    // no IsExternal anywhere → not-assessable (1), listing the doors looked at
    let m = model(vec![door("a"), door("b")]);
    let (w, h) = egress(&m);
    assert_eq!(w.outcome, Outcome::NotAssessable);
    assert_eq!(h.outcome, Outcome::NotAssessable);
    assert_eq!(w.elements, ["a", "b"]);
    assert!(w
        .message
        .starts_with("no door states Pset_DoorCommon.IsExternal"));
    // only a sliding external door, every door stating IsExternal → warning (3)
    let m = model(vec![
        ext(
            door("s").attr("OperationType", Value::Text("SLIDING_TO_LEFT".into())),
            true,
        ),
        ext(door("i"), false),
    ]);
    let (w, h) = egress(&m);
    assert_eq!(w.outcome, Outcome::Warning);
    assert_eq!(h.outcome, Outcome::Warning);
    assert_eq!(w.elements, ["s"]);
    // none qualifies and some are silent → not-assessable (2), on the silent ones
    let m = model(vec![ext(door("i"), false), door("u")]);
    let (w, _) = egress(&m);
    assert_eq!(w.outcome, Outcome::NotAssessable);
    assert_eq!(w.elements, ["u"]);
    // no doors at all
    let (w, _) = egress(&model(vec![]));
    assert_eq!(w.outcome, Outcome::NotAssessable);
    assert!(w.elements.is_empty());
    // IfcDoorStandardCase is a door; base quantities are upper bounds too
    let m = model(vec![ext(
        E::new("sc", "IfcDoorStandardCase").prop("BaseQuantities", "Width", length(0.7)),
        true,
    )]);
    let (w, _) = egress(&m);
    assert_eq!(w.outcome, Outcome::Violation);
    assert_eq!(w.elements, ["sc"]);
}

#[test]
fn egress_height_vectors() {
    let m = model(vec![ext(
        door("d").attr("OverallHeight", length(2.032)),
        true,
    )]);
    assert_eq!(egress(&m).1.outcome, Outcome::NotAssessable);
    let m = model(vec![
        ext(door("a").attr("OverallHeight", length(1.95)), true),
        ext(
            door("b").prop("Qto_DoorBaseQuantities", "Height", length(1.95)),
            true,
        ),
    ]);
    assert_eq!(egress(&m).1.outcome, Outcome::Violation);
    let m = model(vec![ext(
        door("a").prop("Pset_Custom", "ClearHeight", length(1.99)),
        true,
    )]);
    let (_, h) = egress(&m);
    assert_eq!(h.outcome, Outcome::Pass);
    assert_eq!(h.measured, Some(Measure::length_m(1.99)));
    // boundary: 78 in exactly passes
    let m = model(vec![ext(
        door("a").prop("Pset_Custom", "ClearHeight", length(1.9812)),
        true,
    )]);
    assert_eq!(egress(&m).1.outcome, Outcome::Pass);
}

#[test]
fn egress_height_drops_doors_too_narrow() {
    // The narrow door is tall enough on paper, the wide one is not: the egress
    // door has to meet both, so only the wide one is judged for height.
    let m = model(vec![
        ext(
            door("narrow").attr("OverallWidth", length(0.7)).prop(
                "Pset_Custom",
                "ClearHeight",
                length(2.0),
            ),
            true,
        ),
        ext(
            door("wide")
                .attr("OverallWidth", length(0.9))
                .attr("OverallHeight", length(1.9)),
            true,
        ),
    ]);
    let (w, h) = egress(&m);
    assert_eq!(w.outcome, Outcome::NotAssessable);
    assert_eq!(h.outcome, Outcome::Violation);
    assert_eq!(h.elements, ["wide"]);
    // if every candidate is too narrow, all stay candidates for height
    let m = model(vec![ext(
        door("narrow").attr("OverallWidth", length(0.7)).prop(
            "Pset_Custom",
            "ClearHeight",
            length(2.0),
        ),
        true,
    )]);
    let (w, h) = egress(&m);
    assert_eq!(w.outcome, Outcome::Violation);
    assert_eq!(h.outcome, Outcome::Pass);
}

#[test]
fn side_hinged_operation_types() {
    use doors::side_hinged;
    for op in [
        None,
        Some("SINGLE_SWING_LEFT"),
        Some("DOUBLE_DOOR_SINGLE_SWING"),
        Some("DOUBLE_SWING_RIGHT"),
        Some("SWING_FIXED_LEFT"),
        Some("NOTDEFINED"),
        Some("USERDEFINED"),
    ] {
        assert!(side_hinged(op), "{op:?}");
    }
    for op in [
        "SLIDING_TO_LEFT",
        "DOUBLE_DOOR_SLIDING",
        "FOLDING_TO_RIGHT",
        "DOUBLE_DOOR_FOLDING",
        "REVOLVING",
        "ROLLINGUP",
    ] {
        assert!(!side_hinged(Some(op)), "{op}");
    }
}
