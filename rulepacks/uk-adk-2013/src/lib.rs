//! Plancheck rule pack `uk-adk-2013`: Approved Document K, *Protection from
//! falling, collision and impact*, 2013 edition (England).
//!
//! Implements `docs/rulepacks/uk-adk-2013.md` with the conventions of
//! `docs/rulepacks/README.md`:
//!
//! | Rule | Section | Checks |
//! |---|---|---|
//! | `stair-rise` | Table 1.1 | rise 150 mm min; max 220 / 190 / 170 mm (private / utility / general access) |
//! | `stair-going` | Table 1.1 | going 220–300 / 250–400 / 250–400 mm |
//! | `stair-2r-plus-g` | Table 1.1 | 550 mm ≤ 2R + G ≤ 700 mm |
//! | `stair-pitch` | Table 1.1, note 1 | private stairs ≤ 42° |
//! | `stair-headroom` | 1.10 | 2.0 m (loft conversions 1.9 m centre / 1.8 m side) |
//! | `handrail-height` | 1.35 | 900–1000 mm |
//! | `guard-height` | Diagram 3.1 | 900 / 1100 mm by building category and location |
//!
//! Parameters: `stair-category` (`private`, `utility`, `general-access`,
//! `any`; default `any`), `building-category` (`dwelling`, `other`, `any`;
//! default `any`), `loft-conversion` (`false`, `true`; default `false`).
//! See [`params`].
//!
//! The pack reads the model in batches: one query for the stair flights
//! (a second for `IfcStair` only when the model has no flights), one for
//! the railings, and one for the spaces only when a railing sits in one.
//!
//! # Choices where the spec leaves room
//!
//! Each is what a building control officer reading the report would expect:
//!
//! * **Unusable values fall through.** A source holding zero or a negative
//!   length (an exporter's "unknown"), or a number that is not a length
//!   measure, counts as missing, so the next source in the README's order
//!   is read; if none is usable the not-assessable message says what each
//!   source held.
//! * **`limit` under `stair-category = any`:** the band every category
//!   allows (rise 150–170 mm, going 250–300 mm) for a pass or a warning —
//!   the limit the stair fails without knowing its category — and the band
//!   some category allows (rise 150–220, going 220–400 mm) for a violation.
//! * **Headroom:** with `loft-conversion = true`, below 1.8 m is decided
//!   against 1.8 m (it fails even the relaxation); with `false`, a value
//!   between 1.8 and 2.0 m says the loft relaxation might apply.
//! * **Keywords** (guard location, secondary handrails) match whole words,
//!   case-insensitively, as in the README's space-name convention; the
//!   plurals `flights`, `balconies`, `roofs`, `terraces` are added to the
//!   spec's lists, which whole-word matching would otherwise miss.
//! * **Untyped railings** are those with no PredefinedType, `NOTDEFINED` or
//!   `USERDEFINED`: `guard-height` reports them not-assessable. Other
//!   PredefinedTypes (IFC4.3 `FENCE`) are neither handrails nor guards.
//! * **Guard `limit`:** a pass is decided against the highest height that
//!   may apply, a violation against the lowest, a warning against 1100 mm.
//! * **Parameters** are matched exactly (lower case, as documented); one
//!   given twice is refused rather than guessed at.
//! * **Not-assessable findings carry no `limit`** (nothing was compared);
//!   `measured` is set wherever the model had the value (e.g. a spiral
//!   flight with a rise).
//! * **Messages** print millimetres to at most 2 decimals (README), with more
//!   decimals only when a value would otherwise print as equal to the limit
//!   it fails (`170.004 mm > 170 mm`), and name the data source they read.
//! * **Pitch** uses a bit-reproducible arctangent
//!   ([`plancheck_sdk::maths::atan`]) so native and sandboxed runs report the
//!   same `measured` value.
//! * **IFC2X3 `IfcStair`** (stair fallback) states its kind in `ShapeType`;
//!   that is read too, in case the host does not map it to PredefinedType.

#![warn(missing_docs)]

use std::fmt;

use plancheck_sdk::prelude::*;
use plancheck_sdk::read::{Problem, Unusable};
use plancheck_sdk::units::write_trim;
use plancheck_sdk::{validate_rule_selection, MeasureKind, Value};

pub mod params;
mod railings;
mod stairs;

pub use params::{BuildingCategory, Params, StairCategory};

const CODE: &str = "Approved Document K";
const EDITION: &str = "2013";

/// `stair-rise`: Table 1.1 rise limits.
pub const STAIR_RISE: RuleDef = RuleDef {
    id: "stair-rise",
    title: "Stair rise",
    code: CODE,
    edition: EDITION,
    section: "Table 1.1",
};

/// `stair-going`: Table 1.1 going limits.
pub const STAIR_GOING: RuleDef = RuleDef {
    id: "stair-going",
    title: "Stair going",
    code: CODE,
    edition: EDITION,
    section: "Table 1.1",
};

/// `stair-2r-plus-g`: twice the rise plus the going, 550–700 mm.
pub const STAIR_2R_PLUS_G: RuleDef = RuleDef {
    id: "stair-2r-plus-g",
    title: "Stair 2R + G",
    code: CODE,
    edition: EDITION,
    section: "Table 1.1",
};

/// `stair-pitch`: 42° maximum for private stairs.
pub const STAIR_PITCH: RuleDef = RuleDef {
    id: "stair-pitch",
    title: "Stair pitch (private stairs)",
    code: CODE,
    edition: EDITION,
    section: "Table 1.1, note 1",
};

/// `stair-headroom`: 2.0 m (loft conversions: 1.9 m centre, 1.8 m side).
pub const STAIR_HEADROOM: RuleDef = RuleDef {
    id: "stair-headroom",
    title: "Stair headroom",
    code: CODE,
    edition: EDITION,
    section: "1.10",
};

/// `handrail-height`: 900–1000 mm.
pub const HANDRAIL_HEIGHT: RuleDef = RuleDef {
    id: "handrail-height",
    title: "Handrail height",
    code: CODE,
    edition: EDITION,
    section: "1.35",
};

/// `guard-height`: Diagram 3.1 guarding heights.
pub const GUARD_HEIGHT: RuleDef = RuleDef {
    id: "guard-height",
    title: "Guarding height",
    code: CODE,
    edition: EDITION,
    section: "Diagram 3.1",
};

/// Every rule, in manifest (and finding) order.
pub const RULES: [RuleDef; 7] = [
    STAIR_RISE,
    STAIR_GOING,
    STAIR_2R_PLUS_G,
    STAIR_PITCH,
    STAIR_HEADROOM,
    HANDRAIL_HEIGHT,
    GUARD_HEIGHT,
];

/// The pack.
pub struct Pack;

impl RulePack for Pack {
    fn manifest() -> Manifest {
        Manifest {
            id: "uk-adk-2013".into(),
            name: "Approved Document K: Protection from falling, collision and impact \
                   (2013 edition)"
                .into(),
            jurisdiction: "GB-ENG".into(),
            code: CODE.into(),
            edition: EDITION.into(),
            version: env!("CARGO_PKG_VERSION").into(),
            contract: CONTRACT_VERSION.into(),
            rules: RULES.iter().map(RuleDef::info).collect(),
        }
    }

    fn parameters() -> &'static [plancheck_sdk::params::Param] {
        params::PARAMETERS.list
    }

    fn check(model: &dyn ModelView, options: &CheckOptions) -> Result<Vec<Finding>, PackError> {
        let ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
        validate_rule_selection(options, &ids)?;
        let params = Params::from_options(options)?;
        let runs = |r: &RuleDef| options.runs(r.id);
        let mut findings = Vec::new();

        let pitch_applies = matches!(
            params.stair_category,
            StairCategory::Private | StairCategory::Any
        );
        let need_stairs = [STAIR_RISE, STAIR_GOING, STAIR_2R_PLUS_G, STAIR_HEADROOM]
            .iter()
            .any(runs)
            || (runs(&STAIR_PITCH) && pitch_applies);
        if need_stairs {
            let all = stairs::collect(model);
            let cat = params.stair_category;
            if runs(&STAIR_RISE) {
                findings.extend(all.iter().map(|s| stairs::rise(s, cat)));
            }
            if runs(&STAIR_GOING) {
                findings.extend(all.iter().map(|s| stairs::going(s, cat)));
            }
            if runs(&STAIR_2R_PLUS_G) {
                findings.extend(all.iter().map(stairs::two_r_plus_g));
            }
            if runs(&STAIR_PITCH) {
                findings.extend(all.iter().filter_map(|s| stairs::pitch(s, cat)));
            }
            if runs(&STAIR_HEADROOM) {
                findings.extend(
                    all.iter()
                        .map(|s| stairs::headroom(s, params.loft_conversion)),
                );
            }
        }

        if runs(&HANDRAIL_HEIGHT) || runs(&GUARD_HEIGHT) {
            let all = railings::collect(model, runs(&GUARD_HEIGHT));
            if runs(&HANDRAIL_HEIGHT) {
                findings.extend(all.iter().filter_map(railings::handrail));
            }
            if runs(&GUARD_HEIGHT) {
                findings.extend(
                    all.iter()
                        .filter_map(|r| railings::guard(r, params.building_category)),
                );
            }
        }
        Ok(findings)
    }
}

plancheck_sdk::export_pack!(Pack);

/// A length read from the model, kept after the query: metres, and the
/// source it came from.
type Length = Result<Reading<'static, f64>, String>;

/// Keeps a chain's reading after the query (every source of this pack has a
/// fixed label), or words what was found instead (`A and B are absent`,
/// `X is 0 mm (zero or negative: treated as missing)`).
fn keep(r: Result<Reading<'_, f64>, Missing<'_>>) -> Length {
    match r {
        Ok(r) => Ok(Reading::derived(
            r.value,
            r.label.fixed().expect("every source has a label"),
        )),
        Err(m) => Err(m.worded(unusable).to_string()),
    }
}

/// How this pack words a value it could not use: a zero or negative length
/// counts as missing; a number that is not a length measure is named.
fn unusable(f: &mut fmt::Formatter<'_>, u: &Unusable<'_>) -> fmt::Result {
    let label = u.label;
    if let Problem::NotPositive(si) = u.problem() {
        write!(f, "{label} is ")?;
        write_trim(f, si * 1000.0, 2)?;
        return f.write_str(" mm (zero or negative: treated as missing)");
    }
    write!(f, "{label} is not a length measure (")?;
    match u.value {
        Value::Text(t) => write!(f, "text \"{t}\"")?,
        Value::Integer(i) => write!(f, "the number {i} without a unit")?,
        Value::Real(r) => write!(f, "the number {r} without a unit")?,
        Value::Boolean(b) => write!(f, "the boolean {b}")?,
        Value::Unknown => f.write_str("unknown")?,
        Value::Measure(m) => match m.kind {
            MeasureKind::Length => f.write_str("a length")?,
            k => {
                let name = match k {
                    MeasureKind::Area => "area",
                    MeasureKind::Volume => "volume",
                    MeasureKind::PlaneAngle => "plane-angle",
                    MeasureKind::Mass => "mass",
                    MeasureKind::Time => "time",
                    MeasureKind::Count => "count",
                    MeasureKind::Ratio => "ratio",
                    MeasureKind::Length | MeasureKind::Other => "non-length",
                };
                write!(f, "a {name} measure")?
            }
        },
    }
    f.write_str(")")
}

/// `150–170 mm`: a range in millimetres, the unit once.
fn range(min: CodeLength, max: CodeLength) -> String {
    let mut s = String::with_capacity(16);
    let _ = write_trim(&mut s, min.si * 1000.0, 2);
    let _ = fmt::Write::write_fmt(&mut s, format_args!("–{}", CodeLength::metres(max.si)));
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use plancheck_sdk::{
        Attribute, Element, Measure, Model, Property, PropertySet, Query, Row, SetKind, Storey,
        Value,
    };
    use std::cell::RefCell;

    fn len(v: f64) -> Value {
        Value::Measure(Measure::length_m(v))
    }

    fn with_attr(mut e: Element, name: &str, v: Value) -> Element {
        e.attributes.push(Attribute {
            name: name.into(),
            value: v,
            data_type: String::new(),
        });
        e
    }

    fn with_prop(mut e: Element, set: &str, name: &str, v: Value) -> Element {
        let p = Property {
            name: name.into(),
            value: v,
            data_type: String::new(),
        };
        match e.property_sets.iter_mut().find(|s| s.name == set) {
            Some(s) => s.properties.push(p),
            None => e.property_sets.push(PropertySet {
                name: set.into(),
                kind: SetKind::PropertySet,
                properties: vec![p],
            }),
        }
        e
    }

    fn railing(id: &str, kind: &str, height: Option<f64>) -> Element {
        let mut e = Element::new(id, "IfcRailing");
        e.predefined_type = Some(kind.into());
        match height {
            Some(h) => with_prop(e, "Pset_RailingCommon", "Height", len(h)),
            None => e,
        }
    }

    fn model(elements: Vec<Element>) -> Model {
        Model::new("IFC4", vec![], elements, &|_| vec![]).unwrap()
    }

    fn small() -> Model {
        let f = with_attr(
            with_attr(
                Element::new("F1", "IfcStairFlight"),
                "RiserHeight",
                len(0.2),
            ),
            "TreadLength",
            len(0.24),
        );
        let f = with_prop(f, "Pset_StairFlightCommon", "Headroom", len(1.95));
        model(vec![
            f,
            railing("H1", "HANDRAIL", Some(0.95)),
            railing("G1", "GUARDRAIL", Some(0.95)),
        ])
    }

    fn opts(rules: &[&str], params: &[(&str, &str)]) -> CheckOptions {
        CheckOptions {
            rules: rules.iter().map(|s| s.to_string()).collect(),
            parameters: params
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    fn run(m: &Model, rules: &[&str], params: &[(&str, &str)]) -> Vec<(String, String, Outcome)> {
        Pack::check(m, &opts(rules, params))
            .unwrap()
            .into_iter()
            .map(|f| (f.rule, f.elements.join(","), f.outcome))
            .collect()
    }

    #[test]
    fn manifest_matches_the_spec() {
        let m = Pack::manifest();
        assert_eq!(m.id, "uk-adk-2013");
        assert_eq!(
            m.name,
            "Approved Document K: Protection from falling, collision and impact (2013 edition)"
        );
        assert_eq!(m.jurisdiction, "GB-ENG");
        assert_eq!(m.code, "Approved Document K");
        assert_eq!(m.edition, "2013");
        assert_eq!(m.version, "0.1.0");
        assert_eq!(m.contract, "0.2.0");
        let rules: Vec<(&str, &str, &str)> = m
            .rules
            .iter()
            .map(|r| (r.id.as_str(), r.title.as_str(), r.citation.section.as_str()))
            .collect();
        assert_eq!(
            rules,
            [
                ("stair-rise", "Stair rise", "Table 1.1"),
                ("stair-going", "Stair going", "Table 1.1"),
                ("stair-2r-plus-g", "Stair 2R + G", "Table 1.1"),
                (
                    "stair-pitch",
                    "Stair pitch (private stairs)",
                    "Table 1.1, note 1"
                ),
                ("stair-headroom", "Stair headroom", "1.10"),
                ("handrail-height", "Handrail height", "1.35"),
                ("guard-height", "Guarding height", "Diagram 3.1"),
            ]
        );
        for r in &m.rules {
            assert_eq!(r.citation.code, "Approved Document K");
            assert_eq!(r.citation.edition, "2013");
        }
    }

    #[test]
    fn every_finding_cites_its_rule() {
        let m = small();
        let fs = Pack::check(&m, &CheckOptions::default()).unwrap();
        assert_eq!(fs.len(), 7);
        for f in &fs {
            let r = RULES.iter().find(|r| r.id == f.rule).unwrap();
            assert_eq!(f.citation, r.citation());
        }
    }

    #[test]
    fn defaults_on_a_small_model() {
        let got = run(&small(), &[], &[]);
        let want = [
            ("stair-rise", "F1", Outcome::Warning),
            ("stair-going", "F1", Outcome::Warning),
            ("stair-2r-plus-g", "F1", Outcome::Pass),
            ("stair-pitch", "F1", Outcome::Pass),
            ("stair-headroom", "F1", Outcome::Violation),
            ("handrail-height", "H1", Outcome::Pass),
            ("guard-height", "G1", Outcome::Warning),
        ];
        let want: Vec<(String, String, Outcome)> = want
            .iter()
            .map(|(r, e, o)| (r.to_string(), e.to_string(), *o))
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn parameters_change_outcomes() {
        let m = small();
        let p = |params: &[(&str, &str)]| run(&m, &[], params);
        let private = p(&[("stair-category", "private")]);
        assert_eq!(private[0].2, Outcome::Pass); // rise 200 ≤ 220
        assert_eq!(private[1].2, Outcome::Pass); // going 240 ≥ 220
        assert!(private.iter().any(|f| f.0 == "stair-pitch"));
        for cat in ["utility", "general-access"] {
            let fs = p(&[("stair-category", cat)]);
            assert_eq!(fs[0].2, Outcome::Violation, "{cat} rise");
            assert_eq!(fs[1].2, Outcome::Violation, "{cat} going");
            assert!(!fs.iter().any(|f| f.0 == "stair-pitch"), "{cat}");
        }
        let loft = p(&[("loft-conversion", "true")]);
        assert!(loft.contains(&("stair-headroom".into(), "F1".into(), Outcome::Warning)));
        let dwelling = p(&[("building-category", "dwelling")]);
        assert!(dwelling.contains(&("guard-height".into(), "G1".into(), Outcome::Pass)));
        let other = p(&[("building-category", "other")]);
        assert!(other.contains(&("guard-height".into(), "G1".into(), Outcome::Violation)));
    }

    #[test]
    fn rule_selection() {
        let m = small();
        let got = run(&m, &["guard-height", "stair-pitch"], &[]);
        assert_eq!(
            got,
            [
                ("stair-pitch".to_string(), "F1".to_string(), Outcome::Pass),
                ("guard-height".into(), "G1".into(), Outcome::Warning),
            ]
        );
        // Pitch selected alone under general-access: nothing to report.
        assert!(run(
            &m,
            &["stair-pitch"],
            &[("stair-category", "general-access")]
        )
        .is_empty());
    }

    #[test]
    fn unknown_rules_and_parameters_are_refused() {
        let m = small();
        match Pack::check(&m, &opts(&["stair-riser-height"], &[])) {
            Err(PackError::InvalidOption(msg)) => assert_eq!(
                msg,
                "unknown rule `stair-riser-height`; this pack has: stair-rise, stair-going, \
                 stair-2r-plus-g, stair-pitch, stair-headroom, handrail-height, guard-height"
            ),
            other => panic!("{other:?}"),
        }
        match Pack::check(&m, &opts(&[], &[("stair-category", "public")])) {
            Err(PackError::InvalidOption(msg)) => {
                assert!(msg.contains("stair-category") && msg.contains("general-access"))
            }
            other => panic!("{other:?}"),
        }
        // Parameters are validated even when no rule uses them.
        assert!(matches!(
            Pack::check(&m, &opts(&["handrail-height"], &[("loft", "true")])),
            Err(PackError::InvalidOption(_))
        ));
    }

    #[test]
    fn stair_fallback_reads_ifc_stair_when_there_are_no_flights() {
        let s = with_prop(
            with_prop(
                Element::new("S1", "IfcStair"),
                "Pset_StairCommon",
                "RiserHeight",
                len(0.165),
            ),
            "Pset_StairCommon",
            "TreadLength",
            len(0.26),
        );
        let s = with_prop(s, "Pset_StairCommon", "RequiredHeadroom", len(2.0));
        let mut spiral = Element::new("S2", "IfcStair");
        spiral.predefined_type = Some("SPIRAL_STAIR".into());
        let spiral = with_prop(spiral, "Pset_StairCommon", "RiserHeight", len(0.19));
        let m = model(vec![s.clone(), spiral.clone()]);
        let fs = Pack::check(&m, &CheckOptions::default()).unwrap();
        let of = |rule: &str, id: &str| {
            fs.iter()
                .find(|f| f.rule == rule && f.elements == [id])
                .unwrap()
        };
        assert_eq!(of("stair-rise", "S1").outcome, Outcome::Pass);
        assert_eq!(
            of("stair-rise", "S1").message,
            "rise 165 mm within 150–170 mm, which every stair category allows; read from \
             Pset_StairCommon.RiserHeight"
        );
        assert_eq!(of("stair-2r-plus-g", "S1").outcome, Outcome::Pass);
        // RequiredHeadroom is a requirement, not a measurement.
        assert_eq!(of("stair-headroom", "S1").outcome, Outcome::NotAssessable);
        assert_eq!(
            of("stair-headroom", "S1").message,
            "no headroom: Headroom (in any property set of the IfcStair) is absent \
             (Pset_StairCommon.RequiredHeadroom is a requirement, never read as the actual \
             clearance)"
        );
        assert_eq!(of("stair-rise", "S2").outcome, Outcome::NotAssessable);
        assert!(of("stair-rise", "S2")
            .message
            .starts_with("spiral stair (IfcStair PredefinedType SPIRAL_STAIR)"));
        assert_eq!(fs.len(), 10);

        // A Headroom in some other set of the IfcStair is read.
        let s = with_prop(s, "Custom_Stair", "Headroom", len(2.05));
        let m = model(vec![s]);
        let fs = run(&m, &["stair-headroom"], &[]);
        assert_eq!(fs, [("stair-headroom".into(), "S1".into(), Outcome::Pass)]);

        // With a flight present, IfcStair is not read at all.
        let m = model(vec![spiral, Element::new("F", "IfcStairFlight")]);
        let fs = run(&m, &["stair-rise"], &[]);
        assert_eq!(
            fs,
            [("stair-rise".into(), "F".into(), Outcome::NotAssessable)]
        );
    }

    #[test]
    fn guard_location_from_the_containing_space() {
        let mut g = railing("G1", "GUARDRAIL", Some(0.95));
        g.space = Some("SP".into());
        let sp = with_attr(
            Element::new("SP", "IfcSpace"),
            "LongName",
            Value::Text("Main stair".into()),
        );
        let m = model(vec![g, sp]);
        assert_eq!(
            run(&m, &["guard-height"], &[("building-category", "other")]),
            [("guard-height".into(), "G1".into(), Outcome::Pass)]
        );
    }

    /// Counts host calls, as the sandbox would see them.
    struct Counting<'a> {
        model: &'a Model,
        queries: RefCell<Vec<String>>,
        gets: RefCell<usize>,
    }

    impl ModelView for Counting<'_> {
        fn schema(&self) -> String {
            self.model.schema().into()
        }
        fn storeys(&self) -> Vec<Storey> {
            self.model.storeys().to_vec()
        }
        fn count(&self, class: &str) -> u32 {
            self.queries.borrow_mut().push(format!("count {class}"));
            self.model.count(class)
        }
        fn query(&self, q: &Query) -> Vec<Row> {
            self.queries.borrow_mut().push(q.class.clone());
            self.model.query(q)
        }
        fn get(&self, _id: &str) -> Option<plancheck_sdk::Element> {
            *self.gets.borrow_mut() += 1;
            None
        }
    }

    #[test]
    fn queries_are_batched_one_per_class() {
        let mut elements = Vec::new();
        for i in 0..500 {
            let f = with_attr(
                Element::new(format!("F{i}"), "IfcStairFlight"),
                "RiserHeight",
                len(0.17),
            );
            elements.push(f);
            let mut r = railing(&format!("R{i}"), "GUARDRAIL", Some(1.0));
            r.space = Some("SP".into());
            elements.push(r);
        }
        elements.push(Element::new("SP", "IfcSpace"));
        let m = model(elements);
        let c = Counting {
            model: &m,
            queries: RefCell::new(vec![]),
            gets: RefCell::new(0),
        };
        let fs = Pack::check(&c, &CheckOptions::default()).unwrap();
        assert_eq!(fs.len(), 500 * 5 + 500);
        assert_eq!(*c.gets.borrow(), 0);
        assert_eq!(
            *c.queries.borrow(),
            ["IfcStairFlight", "IfcRailing", "IfcSpace"]
        );
    }
}
