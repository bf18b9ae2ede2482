//! The stair rules: `stair-riser-height` (§R311.7.5.1), `stair-tread-depth`
//! (§R311.7.5.2), `stair-headroom` (§R311.7.2), `stair-flight-rise` (§R311.7.3).
//!
//! They run on every `IfcStairFlight`; only when the model has no flight at
//! all do they run on each `IfcStair` and read `Pset_StairCommon` (README,
//! "Stair fallback").

use std::fmt::Write;

use plancheck_sdk::prelude::*;
use plancheck_sdk::units::ge;

use crate::{limits, why};
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
    riser: Chain,
    tread: Chain,
    count: Chain,
    headroom: Chain,
    /// Extra sources of the stair's shape (IFC2X3 `IfcStair.ShapeType`).
    shape: Chain,
    /// The PredefinedType (or shape) that means "spiral".
    spiral: &'static str,
}

const FLIGHTS: Layout = Layout {
    class: "IfcStairFlight",
    riser: Chain::new(
        "riser",
        &[
            src(attr("RiserHeight")),
            src(prop("Pset_StairFlightCommon", "RiserHeight")),
        ],
    ),
    tread: Chain::new(
        "tread",
        &[
            src(attr("TreadLength")),
            src(prop("Pset_StairFlightCommon", "TreadLength")),
        ],
    ),
    // IFC4 spells the attribute NumberOfRisers, IFC2X3 NumberOfRiser; the
    // host returns none for the one the schema lacks.
    count: Chain::new(
        "count",
        &[
            src(attr("NumberOfRisers")),
            src(attr("NumberOfRiser")),
            src(prop("Pset_StairFlightCommon", "NumberOfRiser")),
        ],
    ),
    headroom: Chain::new(
        "headroom",
        &[src(prop("Pset_StairFlightCommon", "Headroom"))],
    ),
    shape: Chain::new("shape", &[]),
    spiral: "SPIRAL",
};

const STAIRS: Layout = Layout {
    class: "IfcStair",
    riser: Chain::new("riser", &[src(prop("Pset_StairCommon", "RiserHeight"))]),
    tread: Chain::new("tread", &[src(prop("Pset_StairCommon", "TreadLength"))]),
    count: Chain::new("count", &[src(prop("Pset_StairCommon", "NumberOfRiser"))]),
    // Pset_StairCommon has only RequiredHeadroom (a requirement, never read
    // as a measurement); a `Headroom` property in any set is read.
    headroom: Chain::new(
        "headroom",
        &[src(prop("*", "Headroom")).labelled("Headroom (any property or quantity set)")],
    ),
    // IFC2X3 IfcStair has ShapeType instead of PredefinedType; the spec
    // names only PredefinedType, but an IFC2X3 spiral stair is just as
    // spiral, so its ShapeType is read too.
    shape: Chain::new("shape", &[src(attr("ShapeType"))]),
    spiral: "SPIRAL_STAIR",
};

/// One stair element with what the rules read.
struct Stair<'a> {
    id: &'a str,
    class: &'a str,
    spiral: bool,
    winder: bool,
    riser: Result<Reading<'a, f64>, Missing<'a>>,
    tread: Result<Reading<'a, f64>, Missing<'a>>,
    count: Result<Reading<'a, f64>, Missing<'a>>,
    headroom: Result<Reading<'a, f64>, Missing<'a>>,
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
    let sel = [
        &layout.riser,
        &layout.tread,
        &layout.count,
        &layout.headroom,
        &layout.shape,
    ]
    .into_iter()
    .fold(Select::class(layout.class), Select::chain);
    let items = sel.run(model);
    let stairs: Vec<Stair> = items
        .iter()
        .map(|it| {
            let pt = it.row.predefined_type.as_deref();
            let shape = layout.shape.text(it).map(|r| r.value);
            Stair {
                id: it.id(),
                class: &it.row.class,
                spiral: pt == Some(layout.spiral) || shape == Some(layout.spiral),
                winder: pt == Some("WINDER"),
                riser: layout.riser.length(it),
                tread: layout.tread.length(it),
                count: layout.count.number(it),
                headroom: layout.headroom.length(it),
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

fn riser(s: &Stair) -> Finding {
    let limit = LengthLimit::at_most(RISER_MAX);
    if s.spiral {
        let f = RISER
            .not_assessable(s.id, SPIRAL_NOTE)
            .limit(limit.to_limit());
        return match &s.riser {
            Ok(found) => f.measured(Measure::length_m(found.value)),
            Err(_) => f,
        };
    }
    match &s.riser {
        Ok(found) => RISER.assess_reading(s.id, "riser height", found, &limits(limit)),
        Err(m) => RISER
            .not_assessable(s.id, format!("no riser height: {}", why(m)))
            .limit(limit.to_limit()),
    }
}

fn tread(s: &Stair) -> Finding {
    let limit = LengthLimit::at_least(TREAD_MIN);
    if s.spiral {
        let f = TREAD
            .not_assessable(s.id, SPIRAL_NOTE)
            .limit(limit.to_limit());
        return match &s.tread {
            Ok(found) => f.measured(Measure::length_m(found.value)),
            Err(_) => f,
        };
    }
    match &s.tread {
        Ok(found) => {
            let mut f = TREAD.assess_reading(s.id, "tread depth", found, &limits(limit));
            if s.winder {
                // §R311.7.5.2.1 (winders: 10 in at the walkline, 6 in minimum)
                // is not modelled; the spec reads TreadLength as the walkline depth.
                f.message
                    .push_str("; winder flight: TreadLength read as the depth at the walkline");
            }
            f
        }
        Err(m) => TREAD
            .not_assessable(s.id, format!("no tread depth: {}", why(m)))
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
                .not_assessable(s.id, format!("no headroom: {}{note}", why(m)))
                .limit(limit.to_limit());
        }
    };
    let v = found.value;
    if s.spiral && ge(v, HEADROOM_SPIRAL_MIN.si) && !ge(v, HEADROOM_MIN.si) {
        // Below the general 6 ft 8 in but within the spiral stairway provision.
        let mut m = String::with_capacity(128);
        let _ = write!(
            m,
            "headroom {} ≥ {HEADROOM_SPIRAL_MIN} minimum for spiral stairways (§R311.7.10.1) \
             (from {})",
            CodeLength::measured(v, min.unit),
            found.label
        );
        return HEADROOM
            .finding(Outcome::Pass, s.id, m)
            .measured(Measure::length_m(v))
            .limit(limit.to_limit());
    }
    let mut f = HEADROOM.assess_reading(s.id, "headroom", found, &limits(limit));
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
                missing.push(format!("no riser count ({})", why(m)));
            }
            if let Err(m) = riser {
                missing.push(format!("no riser height ({})", why(m)));
            }
            return FLIGHT_RISE
                .not_assessable(
                    s.id,
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
                s.id,
                format!(
                    "riser count {} (from {}) is not a whole number",
                    n.value, n.label
                ),
            )
            .limit(limit.to_limit());
    }
    let total = n.value * r.value;
    let from = format!("{} × {}", n.label, r.label);
    let what = format!(
        "flight rise {} × {} =",
        n.value as i64,
        CodeLength::measured(r.value, CodeUnit::Millimetre)
    );
    let mut f =
        FLIGHT_RISE.assess_reading(s.id, &what, &Reading::derived(total, &from), &limits(limit));
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
