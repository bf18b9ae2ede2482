//! `egress-door-width` and `egress-door-height` (§R311.2): the IRC requires
//! one side-hinged egress door per dwelling unit with 32 in clear width and
//! 78 in clear height. Both rules are existential and give one finding per
//! model (spec, cases 1–6).

use plancheck_sdk::prelude::*;
use plancheck_sdk::units::ge;

use crate::why;
use crate::{EGRESS_HEIGHT, EGRESS_WIDTH};

/// Egress door minimum clear width: 32 in.
pub const WIDTH_MIN: CodeLength = CodeLength {
    si: 0.8128,
    unit: CodeUnit::Inch,
};
/// Egress door minimum clear height: 78 in.
pub const HEIGHT_MIN: CodeLength = CodeLength {
    si: 1.9812,
    unit: CodeUnit::Inch,
};

const IS_EXTERNAL: Chain = Chain::new("external", &[src(prop("Pset_DoorCommon", "IsExternal"))]);
const OPERATION: Chain = Chain::new("operation", &[src(attr("OperationType"))]);
/// A `ClearWidth` in any set is the measured clear width; the door's and
/// its lining's widths are upper bounds of it.
const WIDTH: Chain = Chain::new(
    "width",
    &[
        src(prop("*", "ClearWidth")).labelled("ClearWidth (any property or quantity set)"),
        bound(attr("OverallWidth")),
        bound(prop("Qto_DoorBaseQuantities", "Width")),
        bound(prop("BaseQuantities", "Width")),
    ],
);
/// As [`WIDTH`], for the clear height.
const HEIGHT: Chain = Chain::new(
    "height",
    &[
        src(prop("*", "ClearHeight")).labelled("ClearHeight (any property or quantity set)"),
        bound(attr("OverallHeight")),
        bound(prop("Qto_DoorBaseQuantities", "Height")),
        bound(prop("BaseQuantities", "Height")),
    ],
);

/// A clear dimension: measured, or only an upper bound of it, or where the
/// pack looked.
type Dim<'a> = Result<Reading<'a, f64>, Missing<'a>>;

/// A door as the rules need it.
struct Door<'a> {
    id: &'a str,
    label: &'a str,
    external: Option<bool>,
    operation: Option<&'a str>,
    width: Dim<'a>,
    height: Dim<'a>,
}

impl Door<'_> {
    /// Whether the door counts as side-hinged.
    fn side_hinged(&self) -> bool {
        side_hinged(self.operation)
    }
}

/// Side-hinged unless the IFC4 `OperationType` is known and says otherwise.
/// The spec lists `SLIDING_*`, `DOUBLE_DOOR_SLIDING`, `FOLDING_*`,
/// `DOUBLE_DOOR_FOLDING`, `REVOLVING`, `ROLLINGUP`; the IFC4X3 additions
/// `LIFTING*`, `DOUBLE_DOOR_LIFTING` and `REVOLVING_*` are not side-hinged
/// either and are treated the same way. Absent, `NOTDEFINED`, `USERDEFINED`
/// and anything else count as side-hinged.
pub fn side_hinged(operation: Option<&str>) -> bool {
    let Some(op) = operation else { return true };
    let op = op.trim().to_ascii_uppercase();
    !(op.starts_with("SLIDING_")
        || op == "DOUBLE_DOOR_SLIDING"
        || op.starts_with("FOLDING_")
        || op == "DOUBLE_DOOR_FOLDING"
        || op.starts_with("REVOLVING")
        || op == "ROLLINGUP"
        || op.starts_with("LIFTING")
        || op == "DOUBLE_DOOR_LIFTING")
}

fn load<'a>(items: &'a [Item<'_>]) -> Vec<Door<'a>> {
    items
        .iter()
        .map(|it| Door {
            id: it.id(),
            label: it.label(),
            external: IS_EXTERNAL.boolean(it).map(|r| r.value),
            operation: OPERATION.text(it).map(|r| r.value),
            width: WIDTH.length(it),
            height: HEIGHT.length(it),
        })
        .collect()
}

/// What one of the two rules checks.
struct Dimension {
    rule: RuleDef,
    min: CodeLength,
    /// "clear width"
    what: &'static str,
    /// "32 in"
    printed: &'static str,
    /// The clear-dimension property that would decide it.
    property: &'static str,
    get: for<'a> fn(&'a Door<'a>) -> &'a Dim<'a>,
}

const WIDTH_RULE: Dimension = Dimension {
    rule: EGRESS_WIDTH,
    min: WIDTH_MIN,
    what: "clear width",
    printed: "32 in",
    property: "ClearWidth",
    get: |d| &d.width,
};

const HEIGHT_RULE: Dimension = Dimension {
    rule: EGRESS_HEIGHT,
    min: HEIGHT_MIN,
    what: "clear height",
    printed: "78 in",
    property: "ClearHeight",
    get: |d| &d.height,
};

/// Runs the selected egress-door rules (one finding each).
pub fn check(model: &dyn ModelView, width: bool, height: bool) -> Vec<Finding> {
    let select = [&IS_EXTERNAL, &OPERATION, &WIDTH, &HEIGHT]
        .into_iter()
        .fold(Select::class("IfcDoor"), Select::chain);
    let items = select.run(model);
    let doors = load(&items);
    let mut out = Vec::new();
    let candidates: Vec<&Door> = doors
        .iter()
        .filter(|d| d.external == Some(true) && d.side_hinged())
        .collect();
    if width {
        out.push(egress(&WIDTH_RULE, &doors, &candidates));
    }
    if height {
        // The egress door must meet both: candidates the width rule found
        // narrower than 32 in are dropped, unless that leaves none.
        let wide_enough: Vec<&Door> = candidates
            .iter()
            .copied()
            .filter(|d| !matches!(&d.width, Ok(f) if !ge(f.value, WIDTH_MIN.si)))
            .collect();
        let for_height = if wide_enough.is_empty() {
            candidates.clone()
        } else {
            wide_enough
        };
        out.push(egress(&HEIGHT_RULE, &doors, &for_height));
    }
    out
}

fn ids(doors: &[&Door]) -> Vec<String> {
    doors.iter().map(|d| d.id.to_string()).collect()
}

fn names(doors: &[&Door]) -> String {
    let labels: Vec<&str> = doors.iter().map(|d| d.label).collect();
    labels.join(", ")
}

fn model_finding(
    dim: &Dimension,
    outcome: Outcome,
    elements: Vec<String>,
    message: String,
    measured: Option<f64>,
) -> Finding {
    let mut f = dim.rule.finding(outcome, "", message);
    f.elements = elements;
    f.measured = measured.map(Measure::length_m);
    f.limit(LengthLimit::at_least(dim.min).to_limit())
}

fn egress(dim: &Dimension, doors: &[Door], candidates: &[&Door]) -> Finding {
    let all: Vec<&Door> = doors.iter().collect();
    let unstated: Vec<&Door> = doors.iter().filter(|d| d.external.is_none()).collect();
    let min = dim.min;

    // 1. Nobody says which door is external.
    if unstated.len() == doors.len() {
        let message = if doors.is_empty() {
            "the model has no IfcDoor; the egress door cannot be identified".to_string()
        } else {
            format!(
                "no door states Pset_DoorCommon.IsExternal; the egress door cannot be \
                 identified ({} doors checked)",
                doors.len()
            )
        };
        return model_finding(dim, Outcome::NotAssessable, ids(&all), message, None);
    }
    if candidates.is_empty() {
        // 2. Some doors are silent: one of them may be the egress door.
        if !unstated.is_empty() {
            return model_finding(
                dim,
                Outcome::NotAssessable,
                ids(&unstated),
                format!(
                    "no door is marked external and side-hinged; {} doors do not state \
                     IsExternal ({})",
                    unstated.len(),
                    names(&unstated)
                ),
                None,
            );
        }
        // 3. Every door says, and none qualifies.
        let external: Vec<&Door> = doors.iter().filter(|d| d.external == Some(true)).collect();
        let detail = if external.is_empty() {
            "every door states IsExternal = false".to_string()
        } else {
            let list: Vec<String> = external
                .iter()
                .map(|d| {
                    format!(
                        "{} is {}",
                        d.label,
                        d.operation.unwrap_or("not side-hinged")
                    )
                })
                .collect();
            format!("external doors are not side-hinged: {}", list.join(", "))
        };
        let elements = if external.is_empty() {
            ids(&all)
        } else {
            ids(&external)
        };
        return model_finding(
            dim,
            Outcome::Warning,
            elements,
            format!(
                "no external side-hinged door: §R311.2 requires one per dwelling unit \
                 ({detail}; a partial model is a likelier cause)"
            ),
            None,
        );
    }

    let silent = if unstated.is_empty() {
        String::new()
    } else {
        format!(
            "; {} other doors do not state IsExternal ({})",
            unstated.len(),
            names(&unstated)
        )
    };
    let value = |d: &Door| (dim.get)(d).as_ref().ok().map(|f| f.value);
    let widest = candidates
        .iter()
        .filter_map(|d| value(d))
        .fold(None, |acc: Option<f64>, v| {
            Some(acc.map_or(v, |a| a.max(v)))
        });

    // 4. A measured clear dimension meets the limit: pass, on that door (the
    //    largest, if several do).
    let passing = candidates
        .iter()
        .filter_map(|d| match (dim.get)(d) {
            Ok(f) if !f.upper_bound && ge(f.value, dim.min.si) => Some((*d, f)),
            _ => None,
        })
        .fold(None, |best: Option<(&Door, &Reading<f64>)>, x| match best {
            Some(b) if b.1.value >= x.1.value => Some(b),
            _ => Some(x),
        });
    if let Some((door, f)) = passing {
        return model_finding(
            dim,
            Outcome::Pass,
            vec![door.id.to_string()],
            format!(
                "egress door {}: {} {} ≥ {min} minimum {} (external, side-hinged){silent}",
                door.label,
                f.label,
                CodeLength::measured(f.value, dim.min.unit),
                dim.what
            ),
            Some(f.value),
        );
    }

    // What each candidate shows.
    let reasons: Vec<String> = candidates
        .iter()
        .map(|d| match (dim.get)(d) {
            Ok(f) => {
                let shown = CodeLength::measured(f.value, dim.min.unit);
                if !ge(f.value, dim.min.si) {
                    format!("{} — {} {shown} < {min}", d.label, f.label)
                } else if !f.upper_bound {
                    // unreachable: case 4 took it
                    format!("{} — {} {shown} ≥ {min}", d.label, f.label)
                } else {
                    format!(
                        "{} — {} {shown} is only an upper bound of the {} the code measures",
                        d.label, f.label, dim.what
                    )
                }
            }
            Err(m) => format!("{} — no {}: {}", d.label, dim.what, why(m)),
        })
        .collect();

    // 5. Every candidate is known to be too small.
    let all_below = candidates
        .iter()
        .all(|d| matches!(value(d), Some(v) if !ge(v, dim.min.si)));
    if all_below {
        return model_finding(
            dim,
            Outcome::Violation,
            ids(candidates),
            format!(
                "no external side-hinged door gives {} {}: {} (the {} is never more than \
                 a door's overall size){silent}",
                dim.printed,
                dim.what,
                reasons.join("; "),
                dim.what
            ),
            widest,
        );
    }

    // 6. Otherwise the model cannot tell.
    model_finding(
        dim,
        Outcome::NotAssessable,
        ids(candidates),
        format!(
            "no external side-hinged door is known to give {} {} ({min}): {}; the model \
             has no {} (a {} property on the egress door would decide it){silent}",
            dim.printed,
            dim.what,
            reasons.join("; "),
            dim.what,
            dim.property
        ),
        widest,
    )
}
