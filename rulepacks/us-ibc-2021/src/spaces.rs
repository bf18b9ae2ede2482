//! `ceiling-height` and `corridor-width`: `IfcSpace`, classified by name.

use std::fmt::Write;

use plancheck_sdk::prelude::*;

use crate::classify::{classify, corridor_name, SpaceKind};
use crate::params::Params;
use crate::{CEILING_HEIGHT, CORRIDOR_WIDTH};

const SPACE: &str = "IfcSpace";

/// The finished ceiling height is measured; `Height` (slab to slab, above
/// the finished ceiling) is an upper bound.
const CEILING: Chain = Chain::new(
    "ceiling",
    &[
        src(prop("Qto_SpaceBaseQuantities", "FinishCeilingHeight")),
        src(prop("BaseQuantities", "FinishCeilingHeight")),
        bound(prop("Qto_SpaceBaseQuantities", "Height")),
        bound(prop("BaseQuantities", "Height")),
    ],
)
.class(SPACE);

/// `ClearWidth` in any set is measured; a `Width` quantity is the space's
/// extent (an upper bound). The usual base-quantity sets are named so a
/// message names the set; `Width` in any set comes last (the query API
/// cannot restrict `*` to quantity sets).
const WIDTH: Chain = Chain::new(
    "width",
    &[
        src(prop("*", "ClearWidth")),
        bound(prop("Qto_SpaceBaseQuantities", "Width")),
        bound(prop("BaseQuantities", "Width")),
        bound(prop("*", "Width")),
    ],
)
.class(SPACE);

/// Runs the selected space rules.
pub fn check(
    model: &dyn ModelView,
    options: &CheckOptions,
    params: &Params,
    out: &mut Vec<Finding>,
) {
    let ceilings = options.runs(CEILING_HEIGHT.id);
    let corridors = options.runs(CORRIDOR_WIDTH.id);
    if !ceilings && !corridors {
        return;
    }
    let select = Select::class(SPACE)
        .chain(&CEILING)
        .chain(&WIDTH)
        .value("long_name", &[attr("LongName")]);
    let spaces = select.run(model);

    if ceilings {
        let limits = [
            SpaceKind::SevenFoot,
            SpaceKind::Corridor,
            SpaceKind::Service,
            SpaceKind::Occupiable,
        ]
        .map(|k| (k, ceiling_limits(k)));
        for s in &spaces {
            let (kind, by) = classify(s.text("long_name"), s.row.name.as_deref());
            let Some((_, Some(limits))) = limits.iter().find(|(k, _)| *k == kind) else {
                continue;
            };
            let mut f = CEILING_HEIGHT.assess(s.id(), "ceiling height", &CEILING.length(s), limits);
            let _ = match by {
                Some(name) => write!(f.message, " [{}: \"{name}\"]", kind.describe()),
                None => write!(f.message, " [{}: unnamed]", kind.describe()),
            };
            out.push(f);
        }
    }
    if corridors {
        let limits = corridor_limits(params);
        for s in &spaces {
            if let Some(name) = corridor_name(s.text("long_name"), s.row.name.as_deref()) {
                let mut f = CORRIDOR_WIDTH.assess(s.id(), "clear width", &WIDTH.length(s), &limits);
                let _ = write!(f.message, " [corridor: \"{name}\"]");
                out.push(f);
            }
        }
    }
}

/// §1208.2 by category; `None` for spaces out of scope.
fn ceiling_limits(kind: SpaceKind) -> Option<Limits> {
    let seven_six = CodeLength::feet_inches(7.0, 6.0);
    let seven = CodeLength::feet_inches(7.0, 0.0);
    let hint = "a FinishCeilingHeight quantity would let it be assessed";
    let limits = match kind {
        SpaceKind::OutOfScope => return None,
        SpaceKind::SevenFoot => Limits::at_least(seven),
        SpaceKind::Corridor => Limits::at_least(seven_six).band_below(
            Some(seven),
            "the exception for corridors within Group R dwelling units",
            "complies only for a corridor within a dwelling or sleeping unit in Group R",
        ),
        SpaceKind::Service => Limits::at_least(seven_six).band_below(
            None,
            "",
            "limit applies only if the room is occupiable",
        ),
        SpaceKind::Occupiable => Limits::at_least(seven_six),
    };
    Some(limits.hint(hint))
}

/// Table 1020.3: the row chosen by `corridor-occupancy` (M), with warning
/// bands down to 44 in (when M is higher) and to 36 in.
fn corridor_limits(params: &Params) -> Limits {
    let occ = params.corridor_occupancy;
    let general = CodeLength::inches(44.0);
    let mut limits = Limits::at_least(occ.min())
        .hint("a ClearWidth property (width between walls, handrails and other projections) would let it be assessed");
    if let Some(corridor) = occ.corridor() {
        limits = limits.band_below(
            Some(general),
            "the general row of Table 1020.3",
            format!("complies only if this is not a {corridor}"),
        );
    }
    limits.band_below(
        Some(CodeLength::inches(36.0)),
        "Table 1020.3 for an occupant load under 50 or within a dwelling unit",
        "complies only where the corridor's occupant load is less than 50 or the corridor is \
         within a dwelling unit",
    )
}
