//! The stair rules: `stair-riser-height` (§R311.7.5.1), `stair-tread-depth`
//! (§R311.7.5.2), `stair-headroom` (§R311.7.2), `stair-flight-rise` (§R311.7.3).
//!
//! They run on every `IfcStairFlight`; only when the model has no flight at
//! all do they run on each `IfcStair` and read `Pset_StairCommon` (README,
//! "Stair fallback").

use plancheck_sdk::prelude::*;
use plancheck_sdk::units::{ge, le};

use crate::read::{self, a, p, Found, Missing, Src};
use crate::show;
use crate::{FLIGHT_RISE, HEADROOM, RISER, TREAD};

/// Riser height maximum: 7¾ in.
pub const RISER_MAX: CodeLength = CodeLength {
    si: 0.19685,
    unit: CodeUnit::Inch,
};
/// Tread depth minimum: 10 in.
pub const TREAD_MIN: CodeLength = CodeLength {
    si: 0.254,
    unit: CodeUnit::Inch,
};
/// Headroom minimum: 6 ft 8 in.
pub const HEADROOM_MIN: CodeLength = CodeLength {
    si: 2.032,
    unit: CodeUnit::FeetInches,
};
/// Headroom minimum for spiral stairways (§R311.7.10.1): 6 ft 6 in.
pub const HEADROOM_SPIRAL_MIN: CodeLength = CodeLength {
    si: 1.9812,
    unit: CodeUnit::FeetInches,
};
/// Vertical rise of a flight, maximum: 151 in (12 ft 7 in).
pub const FLIGHT_RISE_MAX: CodeLength = CodeLength {
    si: 3.8354,
    unit: CodeUnit::Inch,
};

const SPIRAL_NOTE: &str = "spiral stairways: §R311.7.10.1 limits (riser ≤ 9½ in, 7½ in tread \
     at 12 in from the narrow edge, 6 ft 6 in headroom) are not implemented by this rule";

/// Where one kind of stair element keeps its data.
struct Layout {
    class: &'static str,
    riser: &'static [Src],
    tread: &'static [Src],
    count: &'static [Src],
    headroom: &'static [Src],
    /// Extra sources of the stair's shape (IFC2X3 `IfcStair.ShapeType`).
    shape: &'static [Src],
    /// The PredefinedType (or shape) that means "spiral".
    spiral: &'static str,
}

const FLIGHTS: Layout = Layout {
    class: "IfcStairFlight",
    riser: &[
        a("flight.riser.attr", "RiserHeight"),
        p("flight.riser.pset", "Pset_StairFlightCommon", "RiserHeight"),
    ],
    tread: &[
        a("flight.tread.attr", "TreadLength"),
        p("flight.tread.pset", "Pset_StairFlightCommon", "TreadLength"),
    ],
    // IFC4 spells the attribute NumberOfRisers, IFC2X3 NumberOfRiser; the
    // host returns none for the one the schema lacks.
    count: &[
        a("flight.count.ifc4", "NumberOfRisers"),
        a("flight.count.ifc2x3", "NumberOfRiser"),
        p(
            "flight.count.pset",
            "Pset_StairFlightCommon",
            "NumberOfRiser",
        ),
    ],
    headroom: &[p("flight.headroom", "Pset_StairFlightCommon", "Headroom")],
    shape: &[],
    spiral: "SPIRAL",
};

const STAIRS: Layout = Layout {
    class: "IfcStair",
    riser: &[p("stair.riser", "Pset_StairCommon", "RiserHeight")],
    tread: &[p("stair.tread", "Pset_StairCommon", "TreadLength")],
    count: &[p("stair.count", "Pset_StairCommon", "NumberOfRiser")],
    // Pset_StairCommon has only RequiredHeadroom (a requirement, never read
    // as a measurement); a `Headroom` property in any set is read.
    headroom: &[p("stair.headroom", "*", "Headroom")],
    // IFC2X3 IfcStair has ShapeType instead of PredefinedType; the spec
    // names only PredefinedType, but an IFC2X3 spiral stair is just as
    // spiral, so its ShapeType is read too.
    shape: &[a("stair.shape", "ShapeType")],
    spiral: "SPIRAL_STAIR",
};

/// One stair element with what the rules read.
struct Stair {
    id: String,
    class: String,
    spiral: bool,
    winder: bool,
    riser: Result<Found<f64>, Missing>,
    tread: Result<Found<f64>, Missing>,
    count: Result<Found<f64>, Missing>,
    headroom: Result<Found<f64>, Missing>,
}

/// Which stair rules to run.
pub struct Wanted {
    /// `stair-riser-height`
    pub riser: bool,
    /// `stair-tread-depth`
    pub tread: bool,
    /// `stair-headroom`
    pub headroom: bool,
    /// `stair-flight-rise`
    pub rise: bool,
}

/// Runs the selected stair rules; findings grouped by rule.
pub fn check(model: &dyn ModelView, want: &Wanted) -> Vec<Finding> {
    let fallback = model.count("IfcStairFlight") == 0;
    let layout = if fallback { &STAIRS } else { &FLIGHTS };
    let mut sel = Select::class(layout.class);
    for chain in [
        layout.riser,
        layout.tread,
        layout.count,
        layout.headroom,
        layout.shape,
    ] {
        sel = read::with(sel, chain);
    }
    let stairs: Vec<Stair> = sel
        .run(model)
        .iter()
        .map(|it| {
            let pt = it.row.predefined_type.as_deref();
            let shape = read::text(it, layout.shape);
            Stair {
                id: it.id().to_string(),
                class: it.row.class.clone(),
                spiral: pt == Some(layout.spiral) || shape == Some(layout.spiral),
                winder: pt == Some("WINDER"),
                riser: read::length(it, layout.riser),
                tread: read::length(it, layout.tread),
                count: read::count(it, layout.count),
                headroom: read::length(it, layout.headroom),
            }
        })
        .collect();

    let mut out = Vec::new();
    if want.riser {
        out.extend(stairs.iter().map(riser));
    }
    if want.tread {
        out.extend(stairs.iter().map(tread));
    }
    if want.headroom {
        out.extend(stairs.iter().map(headroom));
    }
    if want.rise {
        out.extend(stairs.iter().map(|s| rise(s, fallback)));
    }
    out
}

/// Compares a measured length with a one-sided limit and words the finding:
/// `riser height 200 mm (7.87 in) > 196.85 mm (7.75 in) maximum (from …)`.
pub fn compare(
    rule: &RuleDef,
    id: &str,
    what: &str,
    found: &Found<f64>,
    limit: LengthLimit,
) -> Finding {
    let v = found.value;
    let shown = show::len(v, limit.unit());
    let from = &found.from;
    let (outcome, text) = match (limit.min, limit.max) {
        (Some(min), _) if !ge(v, min.si) => (
            Outcome::Violation,
            format!("{what} {shown} < {} minimum", show::limit(min)),
        ),
        (_, Some(max)) if !le(v, max.si) => (
            Outcome::Violation,
            format!("{what} {shown} > {} maximum", show::limit(max)),
        ),
        (Some(min), Some(max)) => (
            Outcome::Pass,
            format!(
                "{what} {shown} within {} – {}",
                show::limit(min),
                show::limit(max)
            ),
        ),
        (Some(min), None) => (
            Outcome::Pass,
            format!("{what} {shown} ≥ {} minimum", show::limit(min)),
        ),
        (None, Some(max)) => (
            Outcome::Pass,
            format!("{what} {shown} ≤ {} maximum", show::limit(max)),
        ),
        (None, None) => (Outcome::Pass, format!("{what} {shown}")),
    };
    rule.finding(outcome, id, format!("{text} (from {from})"))
        .measured(Measure::length_m(v))
        .limit(limit.to_limit())
}

fn riser(s: &Stair) -> Finding {
    let limit = LengthLimit::at_most(RISER_MAX);
    if s.spiral {
        let f = RISER
            .not_assessable(&s.id, SPIRAL_NOTE)
            .limit(limit.to_limit());
        return match &s.riser {
            Ok(found) => f.measured(Measure::length_m(found.value)),
            Err(_) => f,
        };
    }
    match &s.riser {
        Ok(found) => compare(&RISER, &s.id, "riser height", found, limit),
        Err(m) => RISER
            .not_assessable(&s.id, format!("no riser height: {}", m.describe()))
            .limit(limit.to_limit()),
    }
}

fn tread(s: &Stair) -> Finding {
    let limit = LengthLimit::at_least(TREAD_MIN);
    if s.spiral {
        let f = TREAD
            .not_assessable(&s.id, SPIRAL_NOTE)
            .limit(limit.to_limit());
        return match &s.tread {
            Ok(found) => f.measured(Measure::length_m(found.value)),
            Err(_) => f,
        };
    }
    match &s.tread {
        Ok(found) => {
            let mut f = compare(&TREAD, &s.id, "tread depth", found, limit);
            if s.winder {
                // §R311.7.5.2.1 (winders: 10 in at the walkline, 6 in minimum)
                // is not modelled; the spec reads TreadLength as the walkline depth.
                f.message
                    .push_str("; winder flight: TreadLength read as the depth at the walkline");
            }
            f
        }
        Err(m) => TREAD
            .not_assessable(&s.id, format!("no tread depth: {}", m.describe()))
            .limit(limit.to_limit()),
    }
}

fn headroom(s: &Stair) -> Finding {
    let min = if s.spiral {
        HEADROOM_SPIRAL_MIN
    } else {
        HEADROOM_MIN
    };
    let limit = LengthLimit::at_least(min);
    let found = match &s.headroom {
        Ok(f) => f,
        Err(m) => {
            let note = if s.class.eq_ignore_ascii_case("IfcStair") {
                " (Pset_StairCommon.RequiredHeadroom is a requirement, not a measurement, and is not read)"
            } else {
                ""
            };
            return HEADROOM
                .not_assessable(&s.id, format!("no headroom: {}{note}", m.describe()))
                .limit(limit.to_limit());
        }
    };
    let v = found.value;
    if s.spiral && ge(v, HEADROOM_SPIRAL_MIN.si) && !ge(v, HEADROOM_MIN.si) {
        // Below the general 6 ft 8 in but within the spiral stairway provision.
        return HEADROOM
            .finding(
                Outcome::Pass,
                &s.id,
                format!(
                    "headroom {} ≥ {} minimum for spiral stairways (§R311.7.10.1) (from {})",
                    show::len(v, min.unit),
                    show::limit(HEADROOM_SPIRAL_MIN),
                    found.from
                ),
            )
            .measured(Measure::length_m(v))
            .limit(limit.to_limit());
    }
    let mut f = compare(&HEADROOM, &s.id, "headroom", found, limit);
    if s.spiral {
        f.message
            .push_str("; spiral stairway: the 6 ft 6 in limit of §R311.7.10.1 applied");
    }
    f
}

fn rise(s: &Stair, fallback: bool) -> Finding {
    let limit = LengthLimit::at_most(FLIGHT_RISE_MAX);
    let (n, r) = match (&s.count, &s.riser) {
        (Ok(n), Ok(r)) => (n, r),
        (count, riser) => {
            let mut missing = Vec::new();
            if let Err(m) = count {
                missing.push(format!("no riser count ({})", m.describe()));
            }
            if let Err(m) = riser {
                missing.push(format!("no riser height ({})", m.describe()));
            }
            return FLIGHT_RISE
                .not_assessable(
                    &s.id,
                    format!(
                        "flight rise is riser count × riser height: {}",
                        missing.join("; ")
                    ),
                )
                .limit(limit.to_limit());
        }
    };
    if n.value.fract() != 0.0 {
        return FLIGHT_RISE
            .not_assessable(
                &s.id,
                format!(
                    "riser count {} (from {}) is not a whole number",
                    n.value, n.from
                ),
            )
            .limit(limit.to_limit());
    }
    let total = n.value * r.value;
    let found = Found {
        value: total,
        from: format!("{} × {}", n.from, r.from),
    };
    let what = format!(
        "flight rise {} × {} =",
        n.value as i64,
        show::len(r.value, CodeUnit::Millimetre)
    );
    let mut f = compare(&FLIGHT_RISE, &s.id, &what, &found, limit);
    if f.outcome == Outcome::Violation {
        if fallback {
            // N × R of an IfcStair is the whole stair's rise, landings included.
            f.outcome = Outcome::Warning;
            f.message.push_str(
                "; this is the total rise of the IfcStair and landings cannot be seen in \
                 the model, so each flight between landings may still be within 151 in",
            );
        } else {
            f.message.push_str(&format!(
                "; if this {} models several flights between landings, split it",
                s.class
            ));
        }
    }
    f
}
