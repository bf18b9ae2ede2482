//! `ceiling-height` (§R305.1) and `hallway-width` (§R311.6) on `IfcSpace`.

use plancheck_sdk::prelude::*;
use plancheck_sdk::text::find_category;
use plancheck_sdk::units::ge;

use crate::why;
use crate::{CEILING, HALLWAY};

/// Ceiling-height limit for habitable space and hallways: 7 ft.
pub const CEILING_HABITABLE: CodeLength = CodeLength {
    si: 2.1336,
    unit: CodeUnit::FeetInches,
};
/// Ceiling-height limit for bathrooms, toilet rooms and laundry rooms: 6 ft 8 in.
pub const CEILING_BATH: CodeLength = CodeLength {
    si: 2.032,
    unit: CodeUnit::FeetInches,
};
/// Hallway minimum clear width: 3 ft.
pub const HALLWAY_MIN: CodeLength = CodeLength {
    si: 0.9144,
    unit: CodeUnit::FeetInches,
};

/// Category 1: not habitable space or hallway under §R305.1 (no finding).
const OUT_OF_SCOPE: &[&str] = &[
    "closet",
    "closets",
    "wardrobe",
    "storage",
    "pantry",
    "garage",
    "carport",
    "attic",
    "crawl space",
    "crawlspace",
    "mechanical",
    "utility",
    "furnace",
    "porch",
    "deck",
    "patio",
    "balcony",
    "terrace",
    "stair",
    "stairs",
    "stairway",
    "staircase",
    "stairwell",
    "shaft",
    "chase",
    "void",
];
/// Category 2: 6 ft 8 in rooms.
const BATH: &[&str] = &[
    "bath",
    "baths",
    "bathroom",
    "bathrooms",
    "shower",
    "toilet",
    "toilets",
    "wc",
    "powder room",
    "lavatory",
    "restroom",
    "washroom",
    "ensuite",
    "en suite",
    "laundry",
];
/// Category 3: hallways (also the `hallway-width` keywords).
const HALL: &[&str] = &[
    "hall", "halls", "hallway", "hallways", "corridor", "passage",
];
/// Category 4: habitable rooms.
const HABITABLE: &[&str] = &[
    "living",
    "family",
    "great room",
    "bedroom",
    "bedrooms",
    "bed",
    "master",
    "guest",
    "nursery",
    "dining",
    "kitchen",
    "kitchenette",
    "den",
    "study",
    "office",
    "library",
    "sitting",
    "lounge",
    "playroom",
    "recreation",
    "rec room",
    "media",
    "bonus room",
    "sunroom",
];

/// A space's use, as far as its name tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Use {
    /// Not habitable space or a hallway (closets, garages, stairs …).
    OutOfScope,
    /// Bathroom, toilet room or laundry room.
    Bath,
    /// Hallway.
    Hallway,
    /// Habitable room.
    Habitable,
    /// Nothing in the name matched.
    Unrecognised,
}

/// How a space was classified: its use, and the name and keyword that decided it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classified {
    /// The use.
    pub what: Use,
    /// `LongName 'Bathroom' (keyword 'bathroom')`, or why nothing matched.
    pub why: String,
}

/// Classifies a space by `LongName`, then `Name`.
///
/// The spec says "match on LongName first, then Name; first category that
/// matches wins": read here as "classify the LongName; only if it matches no
/// category, classify the Name". The LongName is the room name; a Name that
/// holds a number or a code should not override it (LongName `Bedroom`,
/// Name `Closet-3-adj` is a bedroom).
pub fn classify(long_name: Option<&str>, name: Option<&str>) -> Classified {
    let cats: [(Use, &[&str]); 4] = [
        (Use::OutOfScope, OUT_OF_SCOPE),
        (Use::Bath, BATH),
        (Use::Hallway, HALL),
        (Use::Habitable, HABITABLE),
    ];
    for (field, text) in [("LongName", long_name), ("Name", name)] {
        let Some(text) = text else { continue };
        if let Some((what, k)) = find_category(text, &cats) {
            return Classified {
                what,
                why: format!("{field} '{text}' (keyword '{k}')"),
            };
        }
    }
    let named = match (long_name, name) {
        (Some(l), Some(n)) => format!("LongName '{l}', Name '{n}'"),
        (Some(l), None) => format!("LongName '{l}'"),
        (None, Some(n)) => format!("Name '{n}'"),
        (None, None) => "no LongName or Name".to_string(),
    };
    Classified {
        what: Use::Unrecognised,
        why: named,
    }
}

const LONG_NAME: Chain = Chain::new("long_name", &[src(attr("LongName"))]);
/// The finished ceiling height is measured; `Height` (slab to slab) is an
/// upper bound of it.
const CEILING_HEIGHT: Chain = Chain::new(
    "ceiling",
    &[
        src(prop("Qto_SpaceBaseQuantities", "FinishCeilingHeight")),
        src(prop("BaseQuantities", "FinishCeilingHeight")),
        bound(prop("Qto_SpaceBaseQuantities", "Height")),
        bound(prop("BaseQuantities", "Height")),
    ],
);
/// A `ClearWidth` in any set is measured; "a quantity named `Width` in any
/// quantity set" is an upper bound: the two base-quantity sets by name
/// first, then any set (the query cannot restrict `*` to quantity sets; a
/// property-set `Width` of a space is still its extent and is only ever used
/// as an upper bound).
const WIDTH: Chain = Chain::new(
    "width",
    &[
        src(prop("*", "ClearWidth")).labelled("ClearWidth (any property or quantity set)"),
        bound(prop("Qto_SpaceBaseQuantities", "Width")),
        bound(prop("BaseQuantities", "Width")),
        bound(prop("*", "Width")).labelled("Width (any property or quantity set)"),
    ],
);

/// A space as the rules need it.
#[derive(Debug, Clone)]
pub struct Space<'a> {
    /// GlobalId.
    pub id: &'a str,
    /// `LongName`.
    pub long_name: Option<&'a str>,
    /// `Name`.
    pub name: Option<&'a str>,
    ceiling: Result<Reading<'a, f64>, Missing<'a>>,
    width: Result<Reading<'a, f64>, Missing<'a>>,
}

/// The one query for every `IfcSpace` (run it, then [`load`] the items).
pub fn select() -> Select {
    Select::class("IfcSpace")
        .chain(&LONG_NAME)
        .chain(&CEILING_HEIGHT)
        .chain(&WIDTH)
}

/// The spaces of a [`select`] query.
pub fn load<'a>(items: &'a [Item<'_>]) -> Vec<Space<'a>> {
    items
        .iter()
        .map(|it| Space {
            id: it.id(),
            long_name: LONG_NAME.text(it).map(|r| r.value),
            name: it
                .row
                .name
                .as_deref()
                .map(str::trim)
                .filter(|n| !n.is_empty()),
            ceiling: CEILING_HEIGHT.length(it),
            width: WIDTH.length(it),
        })
        .collect()
}

impl Space<'_> {
    /// Its classification.
    pub fn class(&self) -> Classified {
        classify(self.long_name, self.name)
    }
}

/// `ceiling-height`: one finding per space that is not out of scope.
pub fn ceiling_height(spaces: &[Space]) -> Vec<Finding> {
    let mut out = Vec::new();
    for s in spaces {
        let c = s.class();
        let (lim, kind) = match c.what {
            Use::OutOfScope => continue,
            Use::Bath => (CEILING_BATH, "bathroom, toilet room or laundry room"),
            Use::Hallway => (CEILING_HABITABLE, "hallway"),
            Use::Habitable => (CEILING_HABITABLE, "habitable space"),
            Use::Unrecognised => (CEILING_HABITABLE, "space of unrecognised use"),
        };
        let shown_lim = lim;
        let limit = LengthLimit::at_least(lim).to_limit();
        let head = format!("{kind}, from {}", c.why);
        let f = match &s.ceiling {
            Err(m) => {
                CEILING.not_assessable(s.id, format!("{head}: no ceiling height: {}", why(m)))
            }
            Ok(found) => {
                let measured = &!found.upper_bound;
                let v = found.value;
                let shown = CodeLength::measured(v, lim.unit);
                let from = found.label;
                let f = if !ge(v, lim.si) {
                    if c.what == Use::Unrecognised {
                        CEILING.finding(
                            Outcome::Warning,
                            s.id,
                            format!(
                                "{head}: {from} {shown} < {shown_lim} minimum; space use not \
                                 recognised from its name; the habitable-space limit was applied"
                            ),
                        )
                    } else if *measured {
                        CEILING.finding(
                            Outcome::Violation,
                            s.id,
                            format!("{head}: {from} {shown} < {shown_lim} minimum"),
                        )
                    } else {
                        CEILING.finding(
                            Outcome::Violation,
                            s.id,
                            format!(
                                "{head}: {from} {shown} < {shown_lim} minimum; the ceiling \
                                 height the code measures is lower still"
                            ),
                        )
                    }
                } else if *measured {
                    let note = if c.what == Use::Unrecognised {
                        "; space use not recognised from its name; the habitable-space limit was applied"
                    } else {
                        ""
                    };
                    CEILING.finding(
                        Outcome::Pass,
                        s.id,
                        format!("{head}: {from} {shown} ≥ {shown_lim} minimum{note}"),
                    )
                } else {
                    CEILING.not_assessable(
                        s.id,
                        format!(
                            "{head}: {from} {shown} is only an upper bound of the ceiling \
                             height the code measures; the model has no finished ceiling \
                             height (≥ {shown_lim} required)"
                        ),
                    )
                };
                f.measured(Measure::length_m(v))
            }
        };
        out.push(f.limit(limit));
    }
    out
}

/// `hallway-width`: one finding per space classified as a hallway.
///
/// The spec's "Applies to" lists the hallway keywords; the README says
/// corridor/hallway rules use the same name classification as the ceiling
/// rule, first category winning. So a `Hall closet` (a closet) or a `Hall
/// bath` (a bathroom) is not checked as a hallway, which is what a plans
/// examiner would expect.
pub fn hallway_width(spaces: &[Space]) -> Vec<Finding> {
    let lim = HALLWAY_MIN;
    let shown_lim = lim;
    let limit = LengthLimit::at_least(lim).to_limit();
    let mut out = Vec::new();
    for s in spaces {
        let c = s.class();
        if c.what != Use::Hallway {
            continue;
        }
        let head = format!("hallway, from {}", c.why);
        let f = match &s.width {
            Err(m) => HALLWAY.not_assessable(s.id, format!("{head}: no clear width: {}", why(m))),
            Ok(found) => {
                let measured = &!found.upper_bound;
                let v = found.value;
                let shown = CodeLength::measured(v, lim.unit);
                let from = found.label;
                let f = match (ge(v, lim.si), measured) {
                    (true, true) => HALLWAY.finding(
                        Outcome::Pass,
                        s.id,
                        format!("{head}: {from} {shown} ≥ {shown_lim} minimum"),
                    ),
                    (true, false) => HALLWAY.not_assessable(
                        s.id,
                        format!(
                            "{head}: {from} {shown} is only an upper bound of the clear width \
                             the code measures; the model has no clear width (≥ {shown_lim} \
                             required)"
                        ),
                    ),
                    (false, true) => HALLWAY.finding(
                        Outcome::Violation,
                        s.id,
                        format!("{head}: {from} {shown} < {shown_lim} minimum"),
                    ),
                    (false, false) => HALLWAY.finding(
                        Outcome::Violation,
                        s.id,
                        format!(
                            "{head}: {from} {shown} < {shown_lim} minimum; the clear width \
                             the code measures is narrower still"
                        ),
                    ),
                };
                f.measured(Measure::length_m(v))
            }
        };
        out.push(f.limit(limit));
    }
    out
}
