//! my-first-pack: two IBC 2021 rules, the example of docs/writing-a-rule-pack.md.

#![warn(missing_docs)]

use plancheck_sdk::prelude::*;

/// Stair riser height: at most 7 in (IBC 2021 §1011.5.2).
pub const RISER: RuleDef = RuleDef {
    id: "stair-riser-height",
    title: "Stair riser height",
    code: "IBC",
    edition: "2021",
    section: "1011.5.2",
};

/// Door clear opening width: at least 32 in (IBC 2021 §1010.1.1).
pub const DOOR_WIDTH: RuleDef = RuleDef {
    id: "door-clear-width",
    title: "Door clear opening width",
    code: "IBC",
    edition: "2021",
    section: "1010.1.1",
};

/// Limits in the code's own unit; `CodeLength` converts exactly to metres.
const MAX_RISER: CodeLength = CodeLength::inches(7.0);
const MIN_CLEAR_WIDTH: CodeLength = CodeLength::inches(32.0);

/// Where exports keep each value, first choice first. A door's own width is
/// only an upper bound of its clear width (`bound`): it can fail a door,
/// never pass one.
const RISER_HEIGHT: Chain = Chain::new(
    "riser",
    &[
        src(attr("RiserHeight")),
        src(prop("Pset_StairFlightCommon", "RiserHeight")),
    ],
)
.class("IfcStairFlight");
const CLEAR_WIDTH: Chain = Chain::new(
    "width",
    &[
        src(prop("*", "ClearWidth")),
        bound(attr("OverallWidth")),
        bound(prop("Qto_DoorBaseQuantities", "Width")),
        bound(prop("BaseQuantities", "Width")),
    ],
)
.class("IfcDoor");

/// The pack takes no parameters: any is refused, naming the pack.
const PARAMETERS: Params = Params::new("my-first-pack", &[]);

/// The pack.
pub struct Pack;

impl RulePack for Pack {
    fn manifest() -> Manifest {
        Manifest {
            id: "my-first-pack".into(),
            name: "My first pack (IBC 2021 excerpts)".into(),
            jurisdiction: "US".into(),
            code: "IBC".into(),
            edition: "2021".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            contract: CONTRACT_VERSION.into(),
            rules: vec![RISER.info(), DOOR_WIDTH.info()],
        }
    }

    fn check(model: &dyn ModelView, options: &CheckOptions) -> Result<Vec<Finding>, PackError> {
        plancheck_sdk::validate_rule_selection(options, &[RISER.id, DOOR_WIDTH.id])?;
        PARAMETERS.parse(options)?;
        let mut findings = Vec::new();

        if options.runs(RISER.id) {
            let limits = Limits::at_most(MAX_RISER);
            // One host call returns every flight with just these values.
            let flights = Select::class("IfcStairFlight").chain(&RISER_HEIGHT);
            for flight in flights.run(model) {
                let riser = RISER_HEIGHT.length(&flight);
                findings.push(RISER.assess(flight.id(), "riser height", &riser, &limits));
            }
        }

        if options.runs(DOOR_WIDTH.id) {
            let limits = Limits::at_least(MIN_CLEAR_WIDTH)
                .hint("a ClearWidth property would let it be assessed");
            let doors = Select::class("IfcDoor").chain(&CLEAR_WIDTH);
            for door in doors.run(model) {
                let width = CLEAR_WIDTH.length(&door);
                findings.push(DOOR_WIDTH.assess(door.id(), "clear width", &width, &limits));
            }
        }
        Ok(findings)
    }
}

plancheck_sdk::export_pack!(Pack);

#[cfg(test)]
mod tests {
    use super::*;
    use plancheck_sdk::{Attribute, Element, Measure, Model, Value};

    /// An element with one length attribute, in metres.
    fn element(id: &str, class: &str, attribute: &str, metres: f64) -> Element {
        let mut e = Element::new(id, class);
        e.attributes.push(Attribute {
            name: attribute.into(),
            value: Value::Measure(Measure::length_m(metres)),
            data_type: "IfcPositiveLengthMeasure".into(),
        });
        e
    }

    fn check(elements: Vec<Element>) -> Vec<Finding> {
        let model = Model::new("IFC4", vec![], elements, &|_| vec![]).unwrap();
        Pack::check(&model, &CheckOptions::default()).unwrap()
    }

    #[test]
    fn a_riser_at_the_limit_passes() {
        let f = check(vec![element("f1", "IfcStairFlight", "RiserHeight", 0.1778)]);
        assert_eq!(f[0].outcome, Outcome::Pass);
    }

    #[test]
    fn a_steep_riser_is_a_violation() {
        let f = check(vec![element("f1", "IfcStairFlight", "RiserHeight", 0.190)]);
        assert_eq!(f[0].outcome, Outcome::Violation);
        assert_eq!(
            f[0].message,
            "riser height 190 mm (7.48 in) > 177.8 mm (7 in) maximum; \
             from IfcStairFlight.RiserHeight"
        );
        assert_eq!(f[0].elements, ["f1"]);
    }

    #[test]
    fn a_zero_riser_is_missing() {
        let f = check(vec![element("f1", "IfcStairFlight", "RiserHeight", 0.0)]);
        assert_eq!(f[0].outcome, Outcome::NotAssessable);
        assert_eq!(
            f[0].message,
            "no riser height in the model (Pset_StairFlightCommon.RiserHeight is absent; \
             IfcStairFlight.RiserHeight is 0 mm (zero or negative is treated as missing))"
        );
    }

    #[test]
    fn an_overall_width_never_passes() {
        let f = check(vec![element("d1", "IfcDoor", "OverallWidth", 0.9)]);
        assert_eq!(f[0].outcome, Outcome::NotAssessable);
        let f = check(vec![element("d1", "IfcDoor", "OverallWidth", 0.7)]);
        assert_eq!(f[0].outcome, Outcome::Violation);
    }

    #[test]
    fn unknown_rules_and_parameters_are_refused() {
        let model = Model::new("IFC4", vec![], vec![], &|_| vec![]).unwrap();
        let options = CheckOptions {
            rules: vec!["stair-riser".into()],
            parameters: vec![],
        };
        assert!(matches!(
            Pack::check(&model, &options),
            Err(PackError::InvalidOption(_))
        ));
        let options = CheckOptions {
            rules: vec![],
            parameters: vec![("door-scope".into(), "egress".into())],
        };
        assert_eq!(
            Pack::check(&model, &options),
            Err(PackError::InvalidOption(
                "unknown parameter `door-scope`; my-first-pack takes no parameters".into()
            ))
        );
    }
}
