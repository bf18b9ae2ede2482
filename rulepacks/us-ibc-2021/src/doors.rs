//! `door-clear-width` and `door-height`: every `IfcDoor`, or only egress
//! doors with `door-scope = egress`.

use plancheck_sdk::prelude::*;
use plancheck_sdk::text::contains_ignore_case;

use crate::params::{DoorScope, Params};
use crate::{DOOR_CLEAR_WIDTH, DOOR_HEIGHT};

const DOOR: &str = "IfcDoor";

/// A `ClearWidth` in any set is the measured clear width (pack
/// convention); the door's and its lining's widths are upper bounds.
const WIDTH: Chain = Chain::new(
    "width",
    &[
        src(prop("*", "ClearWidth")),
        bound(attr("OverallWidth")),
        bound(prop("Qto_DoorBaseQuantities", "Width")),
        bound(prop("BaseQuantities", "Width")),
    ],
)
.class(DOOR);

/// As [`WIDTH`], for the clear opening height.
const HEIGHT: Chain = Chain::new(
    "height",
    &[
        src(prop("*", "ClearHeight")),
        bound(attr("OverallHeight")),
        bound(prop("Qto_DoorBaseQuantities", "Height")),
        bound(prop("BaseQuantities", "Height")),
    ],
)
.class(DOOR);

const FIRE_EXIT: Source = prop("Pset_DoorCommon", "FireExit");
const IS_EXTERNAL: Source = prop("Pset_DoorCommon", "IsExternal");

/// Door names that may be a storage-closet door (exempt under 10 sq ft).
const CLOSET_WORDS: &[&str] = &[
    "closet",
    "cupboard",
    "wardrobe",
    "storage",
    "access panel",
    "shaft",
    "riser",
];

/// Runs the selected door rules.
pub fn check(
    model: &dyn ModelView,
    options: &CheckOptions,
    params: &Params,
    out: &mut Vec<Finding>,
) {
    let rules = [DOOR_CLEAR_WIDTH, DOOR_HEIGHT];
    let rules: Vec<RuleDef> = rules.into_iter().filter(|r| options.runs(r.id)).collect();
    if rules.is_empty() {
        return;
    }
    let select = Select::class(DOOR)
        .chain(&WIDTH)
        .chain(&HEIGHT)
        .value("fire_exit", &[FIRE_EXIT])
        .value("is_external", &[IS_EXTERNAL]);
    let all = select.run(model);

    let doors: Vec<&Item> = match params.door_scope {
        DoorScope::All => all.iter().collect(),
        DoorScope::Egress => {
            let marked = all
                .iter()
                .any(|d| d.get("fire_exit").is_some() || d.get("is_external").is_some());
            if !marked && !all.is_empty() {
                // One model-level finding per rule, listing every door. (With
                // no door at all, nothing is applied to and nothing reported.)
                for rule in &rules {
                    let mut f = rule.not_assessable(
                        all[0].id(),
                        format!(
                            "door-scope = egress, but no door carries Pset_DoorCommon.FireExit or \
                             Pset_DoorCommon.IsExternal, so egress doors cannot be told from the \
                             others; {} doors not checked",
                            all.len()
                        ),
                    );
                    for d in &all[1..] {
                        f = f.and_element(d.id());
                    }
                    out.push(f);
                }
                return;
            }
            all.iter()
                .filter(|d| {
                    d.boolean("fire_exit") == Some(true) || d.boolean("is_external") == Some(true)
                })
                .collect()
        }
    };

    let width_limits = Limits::at_least(CodeLength::inches(32.0)).hint(
        "a ClearWidth property (face of door to stop, door open 90°) would let it be assessed",
    );
    let height_limits = Limits::at_least(CodeLength::inches(80.0))
        .band_below(
            Some(CodeLength::inches(76.0)),
            "the §1010.1.1 dwelling- and sleeping-unit exceptions",
            "complies only for doors serving dwelling or sleeping units under the §1010.1.1 \
             exceptions (78 in within units, 76 in for exterior doors other than the required exit)",
        )
        .hint("a ClearHeight property would let it be assessed");
    for rule in &rules {
        for d in &doors {
            out.push(if rule.id == DOOR_CLEAR_WIDTH.id {
                width(d, &width_limits)
            } else {
                DOOR_HEIGHT.assess(
                    d.id(),
                    "clear opening height",
                    &HEIGHT.length(d),
                    &height_limits,
                )
            });
        }
    }
}

/// The closet keyword in the door's Name or ObjectType, if any.
///
/// The spec says the name "contains" a keyword: matched as a
/// case-insensitive substring, so "Closets", "LinenCupboard" and
/// "Storage-door" count. A false hit only turns a violation into a warning
/// that says "may be exempt", which a person then looks at; a miss would
/// report a small closet door as a violation.
fn closet_word(d: &Item) -> Option<&'static str> {
    [d.row.name.as_deref(), d.row.object_type.as_deref()]
        .into_iter()
        .flatten()
        .find_map(|text| {
            CLOSET_WORDS
                .iter()
                .copied()
                .find(|k| contains_ignore_case(text, k))
        })
}

fn width(d: &Item, limits: &Limits) -> Finding {
    let reading = WIDTH.length(d);
    let Some(word) = closet_word(d) else {
        return DOOR_CLEAR_WIDTH.assess(d.id(), "clear width", &reading, limits);
    };
    let limits = limits.clone().band_below(
        None,
        "",
        format!(
            "may be exempt: door to a storage closet of less than 10 sq ft \
             (§1010.1.1 exception; the door's name contains \"{word}\")"
        ),
    );
    DOOR_CLEAR_WIDTH.assess(d.id(), "clear width", &reading, &limits)
}
