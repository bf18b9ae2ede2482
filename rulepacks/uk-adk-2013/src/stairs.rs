//! Stair rules: Table 1.1 (rise, going, 2R+G, pitch) and headroom (1.10).

use plancheck_sdk::maths::atan;
use plancheck_sdk::prelude::*;
use plancheck_sdk::text::join;
use plancheck_sdk::units::{angle_le, ge, le};
use plancheck_sdk::{Limit, MeasureKind, ModelView};

use crate::params::StairCategory;
use crate::{keep, range, Length};
use crate::{STAIR_2R_PLUS_G, STAIR_GOING, STAIR_HEADROOM, STAIR_PITCH, STAIR_RISE};

/// A length in metres, printed in millimetres (`190 mm`).
fn mm(si: f64) -> CodeLength {
    CodeLength::metres(si)
}

/// `value` printed against `limit` (metres) so that it never reads as
/// equal to it when it is not: `170.004 mm > 170 mm`.
fn mm_vs(value: f64, limit: f64) -> impl std::fmt::Display {
    mm(value).distinct_from(mm(limit))
}

/// Table 1.1 rise limits per category (min, max), as printed in mm.
pub const RISE_LIMITS: [(StairCategory, CodeLength, CodeLength); 3] = [
    (
        StairCategory::Private,
        CodeLength::millimetres(150.0),
        CodeLength::millimetres(220.0),
    ),
    (
        StairCategory::Utility,
        CodeLength::millimetres(150.0),
        CodeLength::millimetres(190.0),
    ),
    (
        StairCategory::GeneralAccess,
        CodeLength::millimetres(150.0),
        CodeLength::millimetres(170.0),
    ),
];

/// Table 1.1 going limits per category (min, max), as printed in mm.
pub const GOING_LIMITS: [(StairCategory, CodeLength, CodeLength); 3] = [
    (
        StairCategory::Private,
        CodeLength::millimetres(220.0),
        CodeLength::millimetres(300.0),
    ),
    (
        StairCategory::Utility,
        CodeLength::millimetres(250.0),
        CodeLength::millimetres(400.0),
    ),
    (
        StairCategory::GeneralAccess,
        CodeLength::millimetres(250.0),
        CodeLength::millimetres(400.0),
    ),
];

/// Table 1.1 footnote: 550 mm ≤ 2R + G ≤ 700 mm, every category.
pub const TWO_R_PLUS_G: LengthLimit = LengthLimit::between(
    CodeLength::millimetres(550.0),
    CodeLength::millimetres(700.0),
);

/// Table 1.1 note 1: maximum pitch of a private stair, in degrees (42°).
pub const MAX_PITCH_DEG: f64 = 42.0;

/// 1.10: headroom 2.0 m.
pub const HEADROOM: CodeLength = CodeLength::millimetres(2000.0);
/// 1.11 (loft conversions): 1.9 m at the centre of the stair width.
pub const LOFT_HEADROOM_CENTRE: CodeLength = CodeLength::millimetres(1900.0);
/// 1.11 (loft conversions): reducing to 1.8 m at the side of the stair.
pub const LOFT_HEADROOM_SIDE: CodeLength = CodeLength::millimetres(1800.0);

const FLIGHT: &str = "IfcStairFlight";
const FLIGHT_RISE: Chain = Chain::new(
    "rise",
    &[
        src(attr("RiserHeight")).labelled("IfcStairFlight.RiserHeight"),
        src(prop("Pset_StairFlightCommon", "RiserHeight"))
            .labelled("Pset_StairFlightCommon.RiserHeight"),
    ],
)
.class(FLIGHT);
const FLIGHT_GOING: Chain = Chain::new(
    "going",
    &[
        src(attr("TreadLength")).labelled("IfcStairFlight.TreadLength"),
        src(prop("Pset_StairFlightCommon", "TreadLength"))
            .labelled("Pset_StairFlightCommon.TreadLength"),
    ],
)
.class(FLIGHT);
const FLIGHT_HEADROOM: Chain = Chain::new(
    "headroom",
    &[src(prop("Pset_StairFlightCommon", "Headroom")).labelled("Pset_StairFlightCommon.Headroom")],
);
const STAIR_RISE_FIELDS: Chain = Chain::new(
    "rise",
    &[src(prop("Pset_StairCommon", "RiserHeight")).labelled("Pset_StairCommon.RiserHeight")],
);
const STAIR_GOING_FIELDS: Chain = Chain::new(
    "going",
    &[src(prop("Pset_StairCommon", "TreadLength")).labelled("Pset_StairCommon.TreadLength")],
);
const STAIR_HEADROOM_FIELDS: Chain = Chain::new(
    "headroom",
    &[src(prop("*", "Headroom")).labelled("Headroom (in any property set of the IfcStair)")],
);

/// What the stair rules know about one flight (or one stair under the
/// fallback).
#[derive(Debug, Clone, PartialEq)]
pub struct StairFacts {
    /// GlobalId.
    pub id: String,
    /// `Some(why)` for a spiral stair, e.g. `IfcStairFlight PredefinedType SPIRAL`.
    pub spiral: Option<String>,
    /// Rise, or what was found instead.
    pub rise: Length,
    /// Going, or what was found instead.
    pub going: Length,
    /// Headroom, or what was found instead.
    pub headroom: Length,
}

/// Reads every `IfcStairFlight` in one query; when the model has none, every
/// `IfcStair` (`Pset_StairCommon`) in a second one (the README's stair
/// fallback: an empty flight query is `count("IfcStairFlight") == 0`
/// without a separate call).
pub fn collect(model: &dyn ModelView) -> Vec<StairFacts> {
    let flights = Select::class("IfcStairFlight")
        .chain(&FLIGHT_RISE)
        .chain(&FLIGHT_GOING)
        .chain(&FLIGHT_HEADROOM);
    let items = flights.run(model);
    if !items.is_empty() {
        return items
            .iter()
            .map(|it| StairFacts {
                id: it.id().to_string(),
                spiral: it
                    .row
                    .predefined_type
                    .as_deref()
                    .filter(|p| p.eq_ignore_ascii_case("SPIRAL"))
                    .map(|_| "IfcStairFlight PredefinedType SPIRAL".to_string()),
                rise: keep(FLIGHT_RISE.length(it)),
                going: keep(FLIGHT_GOING.length(it)),
                headroom: keep(FLIGHT_HEADROOM.length(it)),
            })
            .collect();
    }
    // IFC2X3 IfcStair states its kind in ShapeType; ask for it too in case
    // the host does not resolve it into predefined-type.
    let stairs = Select::class("IfcStair")
        .value("shape", &[attr("ShapeType")])
        .chain(&STAIR_RISE_FIELDS)
        .chain(&STAIR_GOING_FIELDS)
        .chain(&STAIR_HEADROOM_FIELDS);
    stairs
        .run(model)
        .iter()
        .map(|it| {
            let spiral = [
                ("PredefinedType", it.row.predefined_type.as_deref()),
                ("ShapeType", it.text("shape")),
            ]
            .into_iter()
            .find(|(_, v)| v.is_some_and(|v| v.eq_ignore_ascii_case("SPIRAL_STAIR")))
            .map(|(what, _)| format!("IfcStair {what} SPIRAL_STAIR"));
            StairFacts {
                id: it.id().to_string(),
                spiral,
                rise: keep(STAIR_RISE_FIELDS.length(it)),
                going: keep(STAIR_GOING_FIELDS.length(it)),
                headroom: keep(STAIR_HEADROOM_FIELDS.length(it)),
            }
        })
        .collect()
}

/// Not-assessable for a spiral stair; `measured` still carries what the
/// model states, as the README asks of every finding.
fn spiral_finding(rule: &RuleDef, s: &StairFacts, why: &str, measured: Option<Measure>) -> Finding {
    let mut f = rule.not_assessable(
        &s.id,
        format!(
            "spiral stair ({why}): spiral and helical stairs are designed to BS 5395-2 \
             (ADK 'Special stairs'), not to Table 1.1"
        ),
    );
    f.measured = measured;
    f
}

fn category_phrase(cats: &[StairCategory]) -> String {
    if cats.len() == StairCategory::ALL.len() {
        return "every stair category".into();
    }
    let names: Vec<&str> = cats.iter().map(|c| c.name()).collect();
    if names.len() == 1 {
        format!("{} stair", names[0])
    } else {
        format!("{} stairs", join(&names, "and"))
    }
}

/// Checks a value against one row of Table 1.1, or against every row under
/// `any`.
///
/// Under `any` the `limit` is the band every category allows (the
/// intersection: rise 150–170 mm, going 250–300 mm) for a pass or a warning
/// — the limit the element fails without knowing its category, as the README
/// asks for warning bands (for rise that is the general-access row, as the
/// spec says) — and the band some category allows (the union: rise
/// 150–220 mm, going 220–400 mm) for a violation, which is what no category
/// meets.
fn band_finding(
    rule: &RuleDef,
    id: &str,
    what: &str,
    r: Reading<'_, f64>,
    cat: StairCategory,
    table: &[(StairCategory, CodeLength, CodeLength); 3],
) -> Finding {
    let v = r.value;
    let from = format!("; read from {}", r.label);
    if cat != StairCategory::Any {
        let &(_, min, max) = table
            .iter()
            .find(|(c, _, _)| *c == cat)
            .expect("every category has a row");
        let name = category_phrase(&[cat]);
        let (outcome, msg) = if !ge(v, min.si) {
            (
                Outcome::Violation,
                format!("{what} {} < {min} ({name})", mm_vs(v, min.si)),
            )
        } else if !le(v, max.si) {
            (
                Outcome::Violation,
                format!("{what} {} > {max} ({name})", mm_vs(v, max.si)),
            )
        } else {
            (
                Outcome::Pass,
                format!("{what} {} within {} ({name})", mm(v), range(min, max)),
            )
        };
        return rule
            .finding(outcome, id, msg + &from)
            .measured(Measure::length_m(v))
            .limit(LengthLimit::between(min, max).to_limit());
    }

    let inter_min = table.iter().map(|t| t.1.si).fold(f64::MIN, f64::max);
    let inter_max = table.iter().map(|t| t.2.si).fold(f64::MAX, f64::min);
    let union_min = table.iter().map(|t| t.1.si).fold(f64::MAX, f64::min);
    let union_max = table.iter().map(|t| t.2.si).fold(f64::MIN, f64::max);
    let intersection = LengthLimit::between(
        CodeLength::millimetres(inter_min * 1000.0),
        CodeLength::millimetres(inter_max * 1000.0),
    );
    let union = LengthLimit::between(
        CodeLength::millimetres(union_min * 1000.0),
        CodeLength::millimetres(union_max * 1000.0),
    );

    // Which rows fail, and on which side.
    let mut fails: Vec<(StairCategory, &str, f64)> = Vec::new();
    let mut complies: Vec<StairCategory> = Vec::new();
    for &(c, min, max) in table {
        if !ge(v, min.si) {
            fails.push((c, "<", min.si));
        } else if !le(v, max.si) {
            fails.push((c, ">", max.si));
        } else {
            complies.push(c);
        }
    }

    let (outcome, msg, limit) = if fails.is_empty() {
        (
            Outcome::Pass,
            format!(
                "{what} {} within {}, which every stair category allows",
                mm(v),
                range(intersection.min.unwrap(), intersection.max.unwrap())
            ),
            intersection,
        )
    } else if complies.is_empty() {
        let (op, lim) = if !ge(v, union_min) {
            ("<", union_min)
        } else {
            (">", union_max)
        };
        let at: Vec<StairCategory> = fails
            .iter()
            .filter(|(_, o, l)| *o == op && *l == lim)
            .map(|(c, _, _)| *c)
            .collect();
        (
            Outcome::Violation,
            format!(
                "{what} {} {op} {} ({}): no stair category allows it",
                mm_vs(v, lim),
                mm(lim),
                category_phrase(&at)
            ),
            union,
        )
    } else {
        // Group the failed rows by the limit they fail, in table order:
        // "> 190 mm (utility stair) and > 170 mm (general access stair)".
        let mut groups: Vec<(&str, f64, Vec<StairCategory>)> = Vec::new();
        for &(c, op, lim) in &fails {
            match groups.iter_mut().find(|(o, l, _)| *o == op && *l == lim) {
                Some(g) => g.2.push(c),
                None => groups.push((op, lim, vec![c])),
            }
        }
        let failed: Vec<String> = groups
            .iter()
            .map(|(op, lim, cats)| format!("{op} {} ({})", mm(*lim), category_phrase(cats)))
            .collect();
        let ok: Vec<&str> = complies.iter().map(|c| c.name()).collect();
        (
            Outcome::Warning,
            format!(
                "{what} {} {}: complies as a {} stair only; set stair-category",
                mm_vs(v, groups[0].1),
                failed.join(" and "),
                join(&ok, "or")
            ),
            intersection,
        )
    };
    rule.finding(outcome, id, msg + &from)
        .measured(Measure::length_m(v))
        .limit(limit.to_limit())
}

/// `stair-rise` for one stair.
pub fn rise(s: &StairFacts, cat: StairCategory) -> Finding {
    if let Some(why) = &s.spiral {
        let m = s.rise.as_ref().ok().map(|r| Measure::length_m(r.value));
        return spiral_finding(&STAIR_RISE, s, why, m);
    }
    match &s.rise {
        Err(why) => STAIR_RISE.not_assessable(&s.id, format!("no rise: {why}")),
        Ok(r) => band_finding(&STAIR_RISE, &s.id, "rise", *r, cat, &RISE_LIMITS),
    }
}

/// `stair-going` for one stair.
pub fn going(s: &StairFacts, cat: StairCategory) -> Finding {
    if let Some(why) = &s.spiral {
        let m = s.going.as_ref().ok().map(|g| Measure::length_m(g.value));
        return spiral_finding(&STAIR_GOING, s, why, m);
    }
    match &s.going {
        Err(why) => STAIR_GOING.not_assessable(&s.id, format!("no going: {why}")),
        Ok(g) => band_finding(&STAIR_GOING, &s.id, "going", *g, cat, &GOING_LIMITS),
    }
}

/// Rise and going, or a not-assessable message naming what is missing.
type Pair = (Reading<'static, f64>, Reading<'static, f64>);

fn rise_and_going(s: &StairFacts, purpose: &str) -> Result<Pair, String> {
    match (&s.rise, &s.going) {
        (Ok(r), Ok(g)) => Ok((*r, *g)),
        (Err(r), Ok(_)) => Err(format!("no rise, needed for {purpose}: {r}")),
        (Ok(_), Err(g)) => Err(format!("no going, needed for {purpose}: {g}")),
        (Err(r), Err(g)) => Err(format!("no rise or going, needed for {purpose}: {r}; {g}")),
    }
}

fn both_from(r: &Reading<'_, f64>, g: &Reading<'_, f64>) -> String {
    format!("; rise read from {}, going from {}", r.label, g.label)
}

/// `stair-2r-plus-g` for one stair (same limits for every category).
pub fn two_r_plus_g(s: &StairFacts) -> Finding {
    let rule = &STAIR_2R_PLUS_G;
    if let Some(why) = &s.spiral {
        let m = rise_and_going(s, "")
            .ok()
            .map(|(r, g)| Measure::length_m(2.0 * r.value + g.value));
        return spiral_finding(rule, s, why, m);
    }
    let (r, g) = match rise_and_going(s, "2R+G") {
        Ok(rg) => rg,
        Err(why) => return rule.not_assessable(&s.id, why),
    };
    let v = 2.0 * r.value + g.value;
    let (min, max) = (TWO_R_PLUS_G.min.unwrap(), TWO_R_PLUS_G.max.unwrap());
    let parts = format!("2 × {} + {}", mm(r.value), mm(g.value));
    let (outcome, msg) = if !ge(v, min.si) {
        (
            Outcome::Violation,
            format!("2R+G {} < {min} ({parts})", mm_vs(v, min.si)),
        )
    } else if !le(v, max.si) {
        (
            Outcome::Violation,
            format!("2R+G {} > {max} ({parts})", mm_vs(v, max.si)),
        )
    } else {
        (
            Outcome::Pass,
            format!("2R+G {} within {} ({parts})", mm(v), range(min, max)),
        )
    };
    rule.finding(outcome, &s.id, msg + &both_from(&r, &g))
        .measured(Measure::length_m(v))
        .limit(TWO_R_PLUS_G.to_limit())
}

fn angle(rad: f64) -> Measure {
    Measure {
        kind: MeasureKind::PlaneAngle,
        si: rad,
    }
}

/// `stair-pitch` for one stair: `None` for `utility` and `general-access`,
/// which Table 1.1 sets no pitch limit for (their rise/going limits already
/// cap the pitch at about 37.2° and 34.2°).
pub fn pitch(s: &StairFacts, cat: StairCategory) -> Option<Finding> {
    if !matches!(cat, StairCategory::Private | StairCategory::Any) {
        return None;
    }
    let rule = &STAIR_PITCH;
    if let Some(why) = &s.spiral {
        let m = rise_and_going(s, "")
            .ok()
            .map(|(r, g)| angle(atan(r.value / g.value)));
        return Some(spiral_finding(rule, s, why, m));
    }
    let (r, g) = match rise_and_going(s, "the pitch") {
        Ok(rg) => rg,
        Err(why) => return Some(rule.not_assessable(&s.id, why)),
    };
    // ADK defines the pitch as the angle of the pitch line through the
    // nosings: atan(rise / going).
    let p = atan(r.value / g.value);
    let max = MAX_PITCH_DEG.to_radians();
    let how = format!("from rise {} over going {}", mm(r.value), mm(g.value));
    let (outcome, msg) = if angle_le(p, max) {
        (
            Outcome::Pass,
            format!("pitch {} ≤ {} (private stair), {how}", Angle(p), Angle(max)),
        )
    } else {
        let also = if cat == StairCategory::Any {
            "; utility and general-access stairs at this pitch also fail their rise/going limits"
        } else {
            ""
        };
        (
            Outcome::Violation,
            format!(
                "pitch {} > {} (private stair), {how}{also}",
                Angle(p).distinct_from(Angle(max)),
                Angle(max)
            ),
        )
    };
    Some(
        rule.finding(outcome, &s.id, msg + &both_from(&r, &g))
            .measured(angle(p))
            .limit(Limit {
                min: None,
                max: Some(angle(max)),
            }),
    )
}

/// `stair-headroom` for one stair.
pub fn headroom(s: &StairFacts, loft_conversion: bool) -> Finding {
    let rule = &STAIR_HEADROOM;
    let h = match &s.headroom {
        Ok(h) => *h,
        Err(why) => {
            return rule.not_assessable(
                &s.id,
                format!(
                    "no headroom: {why} (Pset_StairCommon.RequiredHeadroom is a requirement, \
                     never read as the actual clearance)"
                ),
            )
        }
    };
    let v = h.value;
    let from = format!("; read from {}", h.label);
    let relaxation = format!(
        "{} at the centre of the stair width reducing to {} at the side",
        mm(LOFT_HEADROOM_CENTRE.si),
        mm(LOFT_HEADROOM_SIDE.si)
    );
    let (outcome, msg, limit) = if ge(v, HEADROOM.si) {
        (
            Outcome::Pass,
            format!("headroom {} ≥ {}", mm(v), mm(HEADROOM.si)),
            HEADROOM,
        )
    } else if !loft_conversion {
        let hint = if ge(v, LOFT_HEADROOM_SIDE.si) {
            format!(
                "; if this is a loft conversion, the relaxation of 1.11 ({relaxation}) may \
                 apply: set loft-conversion"
            )
        } else {
            String::new()
        };
        (
            Outcome::Violation,
            format!(
                "headroom {} < {}{hint}",
                mm_vs(v, HEADROOM.si),
                mm(HEADROOM.si)
            ),
            HEADROOM,
        )
    } else if ge(v, LOFT_HEADROOM_SIDE.si) {
        // A building control officer would want to look: one Headroom value
        // cannot say whether it was taken at the centre or the side.
        (
            Outcome::Warning,
            format!(
                "headroom {} < {}; may satisfy the loft-conversion relaxation of 1.11 — \
                 {relaxation} — but the model's single Headroom value cannot show where it \
                 was measured",
                mm_vs(v, HEADROOM.si),
                mm(HEADROOM.si)
            ),
            HEADROOM,
        )
    } else {
        // Fails even the lowest figure of the relaxation: decided against 1.8 m.
        (
            Outcome::Violation,
            format!(
                "headroom {} < {}, below even the loft-conversion relaxation of 1.11 \
                 ({relaxation})",
                mm_vs(v, LOFT_HEADROOM_SIDE.si),
                mm(LOFT_HEADROOM_SIDE.si)
            ),
            LOFT_HEADROOM_SIDE,
        )
    };
    rule.finding(outcome, &s.id, msg + &from)
        .measured(Measure::length_m(v))
        .limit(LengthLimit::at_least(limit).to_limit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use StairCategory::*;

    fn reading(mm: f64, label: &'static str) -> Length {
        Ok(Reading::derived(mm / 1000.0, label))
    }

    fn stair(rise: Option<f64>, going: Option<f64>, headroom: Option<f64>) -> StairFacts {
        let missing = |what: &str| Err(format!("{what} is absent"));
        StairFacts {
            id: "S".into(),
            spiral: None,
            rise: rise.map_or_else(
                || missing("IfcStairFlight.RiserHeight"),
                |v| reading(v, "IfcStairFlight.RiserHeight"),
            ),
            going: going.map_or_else(
                || missing("IfcStairFlight.TreadLength"),
                |v| reading(v, "IfcStairFlight.TreadLength"),
            ),
            headroom: headroom.map_or_else(
                || missing("Pset_StairFlightCommon.Headroom"),
                |v| reading(v, "Pset_StairFlightCommon.Headroom"),
            ),
        }
    }

    fn r(mm: f64, cat: StairCategory) -> Outcome {
        rise(&stair(Some(mm), None, None), cat).outcome
    }
    fn g(mm: f64, cat: StairCategory) -> Outcome {
        going(&stair(None, Some(mm), None), cat).outcome
    }

    #[test]
    fn rise_spec_vectors() {
        assert_eq!(r(170.0, GeneralAccess), Outcome::Pass);
        assert_eq!(r(171.0, GeneralAccess), Outcome::Violation);
        assert_eq!(r(180.0, Any), Outcome::Warning);
        assert_eq!(r(220.0, Any), Outcome::Warning);
        assert_eq!(r(221.0, Any), Outcome::Violation);
        assert_eq!(r(149.0, Any), Outcome::Violation);
    }

    #[test]
    fn rise_each_category_at_its_boundaries() {
        for (cat, max) in [(Private, 220.0), (Utility, 190.0), (GeneralAccess, 170.0)] {
            assert_eq!(r(150.0, cat), Outcome::Pass, "{cat:?} min");
            assert_eq!(r(149.9, cat), Outcome::Violation, "{cat:?} below min");
            assert_eq!(r(max, cat), Outcome::Pass, "{cat:?} max");
            assert_eq!(r(max + 0.1, cat), Outcome::Violation, "{cat:?} above max");
        }
        assert_eq!(r(150.0, Any), Outcome::Pass);
        assert_eq!(r(170.0, Any), Outcome::Pass);
        assert_eq!(r(190.0, Any), Outcome::Warning);
    }

    #[test]
    fn boundaries_are_inclusive_within_one_micrometre() {
        // 0.5 µm over the limit is equal to it; 2 µm over is not.
        assert_eq!(r(170.0005, GeneralAccess), Outcome::Pass);
        assert_eq!(r(170.002, GeneralAccess), Outcome::Violation);
        assert_eq!(r(149.9995, GeneralAccess), Outcome::Pass);
        // Floating-point noise from unit conversion (0.17 * 1000 / 1000 etc).
        assert_eq!(r(0.17500000000000002 * 1000.0, Utility), Outcome::Pass);
        let f = rise(&stair(Some(170.002), None, None), GeneralAccess);
        assert_eq!(
            f.message,
            "rise 170.002 mm > 170 mm (general access stair); read from IfcStairFlight.RiserHeight"
        );
    }

    #[test]
    fn going_spec_vectors() {
        assert_eq!(g(300.0, Private), Outcome::Pass);
        assert_eq!(g(301.0, Private), Outcome::Violation);
        assert_eq!(g(230.0, Any), Outcome::Warning);
        assert_eq!(g(350.0, Any), Outcome::Warning);
        assert_eq!(g(275.0, Any), Outcome::Pass);
        assert_eq!(g(219.0, Any), Outcome::Violation);
        assert_eq!(g(401.0, Any), Outcome::Violation);
        assert_eq!(g(220.0, Private), Outcome::Pass);
        assert_eq!(g(249.0, Utility), Outcome::Violation);
        assert_eq!(g(400.0, Utility), Outcome::Pass);
        assert_eq!(g(400.0, GeneralAccess), Outcome::Pass);
        assert_eq!(g(250.0, GeneralAccess), Outcome::Pass);
        assert_eq!(g(350.0, GeneralAccess), Outcome::Pass);
        assert_eq!(g(350.0, Private), Outcome::Violation);
    }

    #[test]
    fn any_messages_name_the_categories() {
        let f = rise(&stair(Some(200.0), None, None), Any);
        assert_eq!(
            f.message,
            "rise 200 mm > 190 mm (utility stair) and > 170 mm (general access stair): \
             complies as a private stair only; set stair-category; \
             read from IfcStairFlight.RiserHeight"
        );
        // Limit = what every category allows (the general-access row for rise).
        let lim = f.limit.unwrap();
        assert_eq!(lim.min.unwrap().si, 0.150);
        assert_eq!(lim.max.unwrap().si, 0.170);
        assert_eq!(f.measured, Some(Measure::length_m(0.2)));

        let f = rise(&stair(Some(175.0), None, None), Any);
        assert!(f
            .message
            .starts_with("rise 175 mm > 170 mm (general access stair): complies as a private or utility stair only"));

        let f = going(&stair(None, Some(320.0), None), Any);
        assert!(f.message.starts_with(
            "going 320 mm > 300 mm (private stair): complies as a utility or general access stair only"
        ), "{}", f.message);
        let f = going(&stair(None, Some(240.0), None), Any);
        assert!(f.message.starts_with(
            "going 240 mm < 250 mm (utility and general access stairs): complies as a private stair only"
        ), "{}", f.message);
        assert_eq!(f.limit.unwrap().min.unwrap().si, 0.250);
        assert_eq!(f.limit.unwrap().max.unwrap().si, 0.300);

        let f = rise(&stair(Some(90.0), None, None), Any);
        assert_eq!(
            f.message,
            "rise 90 mm < 150 mm (every stair category): no stair category allows it; \
             read from IfcStairFlight.RiserHeight"
        );
        let f = rise(&stair(Some(230.0), None, None), Any);
        assert!(f
            .message
            .starts_with("rise 230 mm > 220 mm (private stair): no stair category"));
        assert_eq!(f.limit.unwrap().max.unwrap().si, 0.220);

        let f = rise(&stair(Some(165.0), None, None), Any);
        assert_eq!(f.outcome, Outcome::Pass);
        assert_eq!(
            f.message,
            "rise 165 mm within 150–170 mm, which every stair category allows; \
             read from IfcStairFlight.RiserHeight"
        );
    }

    #[test]
    fn single_category_messages() {
        let f = rise(&stair(Some(200.0), None, None), GeneralAccess);
        assert_eq!(f.outcome, Outcome::Violation);
        assert_eq!(
            f.message,
            "rise 200 mm > 170 mm (general access stair); read from IfcStairFlight.RiserHeight"
        );
        let f = going(&stair(None, Some(260.0), None), Utility);
        assert_eq!(
            f.message,
            "going 260 mm within 250–400 mm (utility stair); read from IfcStairFlight.TreadLength"
        );
    }

    #[test]
    fn missing_and_spiral_are_not_assessable() {
        let f = rise(&stair(None, Some(250.0), None), Any);
        assert_eq!(f.outcome, Outcome::NotAssessable);
        assert_eq!(f.message, "no rise: IfcStairFlight.RiserHeight is absent");
        assert_eq!(f.measured, None);

        let mut s = stair(Some(170.0), Some(250.0), Some(2100.0));
        s.spiral = Some("IfcStairFlight PredefinedType SPIRAL".into());
        for f in [
            rise(&s, Any),
            going(&s, Private),
            two_r_plus_g(&s),
            pitch(&s, Any).unwrap(),
        ] {
            assert_eq!(f.outcome, Outcome::NotAssessable, "{}", f.rule);
            assert!(f.message.contains("BS 5395-2"), "{}", f.message);
            assert!(f.measured.is_some(), "{}", f.rule);
            assert_eq!(f.limit, None);
        }
        // Headroom is not a Table 1.1 matter: spiral stairs are checked.
        assert_eq!(headroom(&s, false).outcome, Outcome::Pass);
    }

    #[test]
    fn two_r_plus_g_spec_vectors() {
        let t = |r, g| two_r_plus_g(&stair(Some(r), Some(g), None)).outcome;
        assert_eq!(t(170.0, 250.0), Outcome::Pass);
        assert_eq!(t(220.0, 220.0), Outcome::Pass);
        assert_eq!(t(150.0, 240.0), Outcome::Violation);
        assert_eq!(t(190.0, 330.0), Outcome::Violation);
        assert_eq!(t(150.0, 250.0), Outcome::Pass); // 550 exactly
        assert_eq!(t(200.0, 300.0), Outcome::Pass); // 700 exactly
        let f = two_r_plus_g(&stair(Some(210.0), Some(300.0), None));
        assert_eq!(
            f.message,
            "2R+G 720 mm > 700 mm (2 × 210 mm + 300 mm); rise read from \
             IfcStairFlight.RiserHeight, going from IfcStairFlight.TreadLength"
        );
        assert!((f.measured.unwrap().si - 0.72).abs() < 1e-12);
        let f = two_r_plus_g(&stair(Some(170.0), None, None));
        assert_eq!(f.outcome, Outcome::NotAssessable);
        assert_eq!(
            f.message,
            "no going, needed for 2R+G: IfcStairFlight.TreadLength is absent"
        );
        let f = two_r_plus_g(&stair(None, None, None));
        assert!(f.message.starts_with("no rise or going, needed for 2R+G"));
    }

    #[test]
    fn pitch_spec_vectors() {
        let p = |r, g, cat| pitch(&stair(Some(r), Some(g), None), cat).map(|f| f.outcome);
        assert_eq!(p(220.0, 245.0, Private), Some(Outcome::Pass));
        assert_eq!(p(220.0, 240.0, Private), Some(Outcome::Violation));
        assert_eq!(p(220.0, 220.0, Private), Some(Outcome::Violation));
        assert_eq!(p(220.0, 220.0, Any), Some(Outcome::Violation));
        // Rise and going both pass for a private stair at 45°: pitch catches it.
        assert_eq!(r(220.0, Private), Outcome::Pass);
        assert_eq!(g(220.0, Private), Outcome::Pass);
        // No findings at all for utility and general access.
        assert_eq!(p(220.0, 220.0, Utility), None);
        assert_eq!(p(220.0, 220.0, GeneralAccess), None);

        let f = pitch(&stair(Some(220.0), Some(240.0), None), Any).unwrap();
        assert_eq!(
            f.message,
            "pitch 42.5° > 42° (private stair), from rise 220 mm over going 240 mm; \
             utility and general-access stairs at this pitch also fail their rise/going \
             limits; rise read from IfcStairFlight.RiserHeight, going from \
             IfcStairFlight.TreadLength"
        );
        let m = f.measured.unwrap();
        assert_eq!(m.kind, MeasureKind::PlaneAngle);
        assert!((m.si - (0.22f64 / 0.24).atan()).abs() < 1e-12);
        assert_eq!(m.si, atan(0.22 / 0.24));
        let lim = f.limit.unwrap().max.unwrap();
        assert_eq!(lim.kind, MeasureKind::PlaneAngle);
        assert!((lim.si - 0.7330383).abs() < 1e-7);

        let f = pitch(&stair(Some(220.0), Some(240.0), None), Private).unwrap();
        assert!(!f.message.contains("utility"));
        let f = pitch(&stair(Some(220.0), Some(245.0), None), Private).unwrap();
        assert!(f.message.starts_with("pitch 41.9° ≤ 42°"), "{}", f.message);
    }

    #[test]
    fn pitch_at_exactly_42_degrees_passes() {
        let g = 0.25;
        let rr = g * 42f64.to_radians().tan();
        let s = stair(Some(rr * 1000.0), Some(g * 1000.0), None);
        assert_eq!(pitch(&s, Private).unwrap().outcome, Outcome::Pass);
        let s = stair(Some(rr * 1000.0 + 0.01), Some(g * 1000.0), None);
        let f = pitch(&s, Private).unwrap();
        assert_eq!(f.outcome, Outcome::Violation);
        assert!(f.message.starts_with("pitch 42.00"), "{}", f.message);
    }

    #[test]
    fn headroom_spec_vectors() {
        let h = |mm, loft| headroom(&stair(None, None, Some(mm)), loft);
        assert_eq!(h(2000.0, false).outcome, Outcome::Pass);
        assert_eq!(h(2000.0, true).outcome, Outcome::Pass);
        assert_eq!(h(1950.0, false).outcome, Outcome::Violation);
        assert_eq!(h(1950.0, true).outcome, Outcome::Warning);
        assert_eq!(h(1800.0, true).outcome, Outcome::Warning);
        assert_eq!(h(1790.0, true).outcome, Outcome::Violation);
        assert_eq!(h(1790.0, false).outcome, Outcome::Violation);

        assert_eq!(h(1950.0, true).limit.unwrap().min.unwrap().si, 2.0);
        assert_eq!(h(1790.0, true).limit.unwrap().min.unwrap().si, 1.8);
        assert_eq!(
            h(1790.0, false).message,
            "headroom 1790 mm < 2000 mm; read from Pset_StairFlightCommon.Headroom"
        );
        assert!(h(1950.0, false).message.contains("set loft-conversion"));
        assert!(h(1950.0, true)
            .message
            .contains("cannot show where it was measured"));

        let f = headroom(&stair(None, None, None), false);
        assert_eq!(f.outcome, Outcome::NotAssessable);
        assert_eq!(
            f.message,
            "no headroom: Pset_StairFlightCommon.Headroom is absent (Pset_StairCommon.\
             RequiredHeadroom is a requirement, never read as the actual clearance)"
        );
    }
}
