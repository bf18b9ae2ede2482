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

/// Where exports keep each value, first choice first.
const RISER_HEIGHT: [Source; 2] = [
    attr("RiserHeight"),
    prop("Pset_StairFlightCommon", "RiserHeight"),
];
const CLEAR_WIDTH: [Source; 1] = [prop("*", "ClearWidth")];
const OVERALL_WIDTH: [Source; 3] = [
    attr("OverallWidth"),
    prop("Qto_DoorBaseQuantities", "Width"),
    prop("BaseQuantities", "Width"),
];

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
        if let Some((name, _)) = options.parameters.first() {
            return Err(PackError::InvalidOption(format!(
                "unknown parameter `{name}`; my-first-pack takes no parameters"
            )));
        }
        let mut findings = Vec::new();

        if options.runs(RISER.id) {
            // One host call returns every flight with just these values.
            let flights = Select::class("IfcStairFlight").value("riser", &RISER_HEIGHT);
            for flight in flights.run(model) {
                findings.push(RISER.check_length(
                    flight.id(),
                    "riser height",
                    flight.length("riser"),
                    LengthLimit::at_most(MAX_RISER),
                    &format!("looked for {}", describe(&RISER_HEIGHT)),
                ));
            }
        }

        if options.runs(DOOR_WIDTH.id) {
            let doors = Select::class("IfcDoor")
                .value("clear", &CLEAR_WIDTH)
                .value("overall", &OVERALL_WIDTH);
            for door in doors.run(model) {
                findings.push(match door.length("clear") {
                    // A measured clear width: pass or violation.
                    Some(width) => DOOR_WIDTH.check_length(
                        door.id(),
                        "clear width",
                        Some(width),
                        LengthLimit::at_least(MIN_CLEAR_WIDTH),
                        "",
                    ),
                    // Only the door's own width: an upper bound of the clear
                    // width, so a violation or not-assessable, never a pass.
                    None => DOOR_WIDTH.check_upper_bound(
                        door.id(),
                        "overall width",
                        "clear width",
                        door.length("overall"),
                        MIN_CLEAR_WIDTH,
                        &format!("looked for ClearWidth, {}", describe(&OVERALL_WIDTH)),
                    ),
                });
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
            "riser height 190 mm (7.48 in) > 177.8 mm (7 in) maximum"
        );
        assert_eq!(f[0].elements, ["f1"]);
    }

    #[test]
    fn an_overall_width_never_passes() {
        let f = check(vec![element("d1", "IfcDoor", "OverallWidth", 0.9)]);
        assert_eq!(f[0].outcome, Outcome::NotAssessable);
        let f = check(vec![element("d1", "IfcDoor", "OverallWidth", 0.7)]);
        assert_eq!(f[0].outcome, Outcome::Violation);
    }

    #[test]
    fn unknown_rules_are_refused() {
        let model = Model::new("IFC4", vec![], vec![], &|_| vec![]).unwrap();
        let options = CheckOptions {
            rules: vec!["stair-riser".into()],
            parameters: vec![],
        };
        assert!(matches!(
            Pack::check(&model, &options),
            Err(PackError::InvalidOption(_))
        ));
    }
}
