//! `egress-door-width` and `egress-door-height` (§R311.2): the IRC requires
//! one side-hinged egress door per dwelling unit with 32 in clear width and
//! 78 in clear height. Both rules are existential and give one finding per
//! model (spec, cases 1–6).

use plancheck_sdk::prelude::*;
use plancheck_sdk::units::ge;

use crate::read::{self, a, p, Dim, Src};
use crate::show;
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

const IS_EXTERNAL: &[Src] = &[p("door.external", "Pset_DoorCommon", "IsExternal")];
const OPERATION: &[Src] = &[a("door.operation", "OperationType")];
const CLEAR_WIDTH: &[Src] = &[p("door.clearwidth", "*", "ClearWidth")];
const WIDTH: &[Src] = &[
    a("door.width.attr", "OverallWidth"),
    p("door.width.qto", "Qto_DoorBaseQuantities", "Width"),
    p("door.width.base", "BaseQuantities", "Width"),
];
const CLEAR_HEIGHT: &[Src] = &[p("door.clearheight", "*", "ClearHeight")];
const HEIGHT: &[Src] = &[
    a("door.height.attr", "OverallHeight"),
    p("door.height.qto", "Qto_DoorBaseQuantities", "Height"),
    p("door.height.base", "BaseQuantities", "Height"),
];

/// A door as the rules need it.
struct Door {
    id: String,
    label: String,
    external: Option<bool>,
    operation: Option<String>,
    width: Dim,
    height: Dim,
}

impl Door {
    /// Whether the door counts as side-hinged.
    fn side_hinged(&self) -> bool {
        side_hinged(self.operation.as_deref())
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

fn load(model: &dyn ModelView) -> Vec<Door> {
    let mut sel = Select::class("IfcDoor");
    for chain in [
        IS_EXTERNAL,
        OPERATION,
        CLEAR_WIDTH,
        WIDTH,
        CLEAR_HEIGHT,
        HEIGHT,
    ] {
        sel = read::with(sel, chain);
    }
    sel.run(model)
        .iter()
        .map(|it| Door {
            id: it.id().to_string(),
            label: it.label().to_string(),
            external: read::boolean(it, IS_EXTERNAL),
            operation: read::text(it, OPERATION).map(str::to_string),
            width: read::measured_else_bound(it, CLEAR_WIDTH, WIDTH),
            height: read::measured_else_bound(it, CLEAR_HEIGHT, HEIGHT),
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
    get: fn(&Door) -> &Dim,
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
    let doors = load(model);
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
            .filter(|d| !matches!(&d.width, Ok((f, _)) if !ge(f.value, WIDTH_MIN.si)))
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
    doors.iter().map(|d| d.id.clone()).collect()
}

fn names(doors: &[&Door]) -> String {
    doors
        .iter()
        .map(|d| d.label.as_str())
        .collect::<Vec<_>>()
        .join(", ")
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
    let min = show::limit(dim.min);

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
                        d.operation.as_deref().unwrap_or("not side-hinged")
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
    let value = |d: &Door| (dim.get)(d).as_ref().ok().map(|(f, m)| (f.value, *m));
    let widest = candidates
        .iter()
        .filter_map(|d| value(d).map(|(v, _)| v))
        .fold(None, |acc: Option<f64>, v| {
            Some(acc.map_or(v, |a| a.max(v)))
        });

    // 4. A measured clear dimension meets the limit: pass, on that door (the
    //    largest, if several do).
    let passing = candidates
        .iter()
        .filter_map(|d| match (dim.get)(d) {
            Ok((f, true)) if ge(f.value, dim.min.si) => Some((*d, f)),
            _ => None,
        })
        .fold(
            None,
            |best: Option<(&Door, &read::Found<f64>)>, x| match best {
                Some(b) if b.1.value >= x.1.value => Some(b),
                _ => Some(x),
            },
        );
    if let Some((door, f)) = passing {
        return model_finding(
            dim,
            Outcome::Pass,
            vec![door.id.clone()],
            format!(
                "egress door {}: {} {} ≥ {min} minimum {} (external, side-hinged){silent}",
                door.label,
                f.from,
                show::len(f.value, dim.min.unit),
                dim.what
            ),
            Some(f.value),
        );
    }

    // What each candidate shows.
    let reasons: Vec<String> = candidates
        .iter()
        .map(|d| match (dim.get)(d) {
            Ok((f, measured)) => {
                let shown = show::len(f.value, dim.min.unit);
                if !ge(f.value, dim.min.si) {
                    format!("{} — {} {shown} < {min}", d.label, f.from)
                } else if *measured {
                    // unreachable: case 4 took it
                    format!("{} — {} {shown} ≥ {min}", d.label, f.from)
                } else {
                    format!(
                        "{} — {} {shown} is only an upper bound of the {} the code measures",
                        d.label, f.from, dim.what
                    )
                }
            }
            Err(m) => format!("{} — no {}: {}", d.label, dim.what, m.describe()),
        })
        .collect();

    // 5. Every candidate is known to be too small.
    let all_below = candidates
        .iter()
        .all(|d| matches!(value(d), Some((v, _)) if !ge(v, dim.min.si)));
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
