//! `stair-riser-height`, `stair-tread-depth`, `stair-headroom`,
//! `stair-flight-rise`: every `IfcStairFlight`, or every `IfcStair` (with
//! `Pset_StairCommon`) when the model has no flights at all.

use std::fmt::Write;

use plancheck_sdk::prelude::*;
use plancheck_sdk::units::{ge, le};

use crate::{STAIR_FLIGHT_RISE, STAIR_HEADROOM, STAIR_RISER_HEIGHT, STAIR_TREAD_DEPTH};

/// Where one kind of stair element keeps its data.
struct StairData {
    class: &'static str,
    /// The PredefinedType that means "spiral".
    spiral: &'static str,
    /// `true` for the `IfcStair` fallback.
    fallback: bool,
    riser: Chain,
    tread: Chain,
    risers: Chain,
    headroom: Chain,
}

const FLIGHT: &str = "IfcStairFlight";
const STAIR: &str = "IfcStair";

/// Flights: attributes first (IFC4 `NumberOfRisers`, IFC2X3 `NumberOfRiser`),
/// then `Pset_StairFlightCommon`.
const FLIGHTS: StairData = StairData {
    class: FLIGHT,
    spiral: "SPIRAL",
    fallback: false,
    riser: Chain::new(
        "riser",
        &[
            src(attr("RiserHeight")),
            src(prop("Pset_StairFlightCommon", "RiserHeight")),
        ],
    )
    .class(FLIGHT),
    tread: Chain::new(
        "tread",
        &[
            src(attr("TreadLength")),
            src(prop("Pset_StairFlightCommon", "TreadLength")),
        ],
    )
    .class(FLIGHT),
    risers: Chain::new(
        "risers",
        &[
            src(attr("NumberOfRisers")),
            src(attr("NumberOfRiser")),
            src(prop("Pset_StairFlightCommon", "NumberOfRiser")),
        ],
    )
    .class(FLIGHT),
    // The actual clearance; Pset_StairCommon.RequiredHeadroom is a
    // requirement and is never read.
    headroom: Chain::new(
        "headroom",
        &[src(prop("Pset_StairFlightCommon", "Headroom"))],
    )
    .class(FLIGHT),
};

/// The fallback: `IfcStair` has none of these attributes, only
/// `Pset_StairCommon`, which has no actual-headroom property: a `Headroom`
/// in any set is read if present.
const STAIRS: StairData = StairData {
    class: STAIR,
    spiral: "SPIRAL_STAIR",
    fallback: true,
    riser: Chain::new("riser", &[src(prop("Pset_StairCommon", "RiserHeight"))]).class(STAIR),
    tread: Chain::new("tread", &[src(prop("Pset_StairCommon", "TreadLength"))]).class(STAIR),
    risers: Chain::new("risers", &[src(prop("Pset_StairCommon", "NumberOfRiser"))]).class(STAIR),
    headroom: Chain::new("headroom", &[src(prop("*", "Headroom"))]).class(STAIR),
};

const EXCEPTION_3: &str = "§1011.5.2 exception 3";
const EXCEPTION_3_CONDITION: &str = "complies only in Group R-3, within an R-2 dwelling unit, \
     or Group U accessory to them (§1011.5.2 exception 3)";
const SPIRAL_NOTE: &str = "spiral stairway: §1011.10 limits (riser ≤ 9½ in, 6¾ in tread at 12 in \
     from the walkline, 78 in headroom) are not implemented by this rule";

/// One stair element, read once for all four rules.
struct StairRow<'a> {
    id: &'a str,
    spiral: bool,
    riser: Result<Reading<'a, f64>, Missing<'a>>,
    tread: Result<Reading<'a, f64>, Missing<'a>>,
    risers: Result<Reading<'a, i64>, Missing<'a>>,
    headroom: Result<Reading<'a, f64>, Missing<'a>>,
}

/// Runs the selected stair rules.
pub fn check(model: &dyn ModelView, options: &CheckOptions, out: &mut Vec<Finding>) {
    let rules = [
        STAIR_RISER_HEIGHT,
        STAIR_TREAD_DEPTH,
        STAIR_HEADROOM,
        STAIR_FLIGHT_RISE,
    ];
    if !rules.iter().any(|r| options.runs(r.id)) {
        return;
    }
    // The spec's fallback test is `count("IfcStairFlight") == 0`; an empty
    // flight query is the same condition without a second host call.
    let (flights, stairs) = (select(&FLIGHTS), select(&STAIRS));
    let (data, items) = match flights.run(model) {
        items if !items.is_empty() => (&FLIGHTS, items),
        _ => (&STAIRS, stairs.run(model)),
    };
    let rows: Vec<StairRow> = items.iter().map(|item| read(item, data)).collect();
    if options.runs(STAIR_RISER_HEIGHT.id) {
        let limits = Limits::between(CodeLength::inches(4.0), MAX_RISER).band_above(
            CodeLength::inches(7.75),
            EXCEPTION_3,
            EXCEPTION_3_CONDITION,
        );
        out.extend(rows.iter().map(|r| riser(r, &limits)));
    }
    if options.runs(STAIR_TREAD_DEPTH.id) {
        let limits = Limits::at_least(MIN_TREAD).band_below(
            Some(CodeLength::inches(10.0)),
            EXCEPTION_3,
            EXCEPTION_3_CONDITION,
        );
        out.extend(rows.iter().map(|r| tread(r, &limits)));
    }
    if options.runs(STAIR_HEADROOM.id) {
        let general = Limits::at_least(MIN_HEADROOM);
        let spiral = Limits::at_least(CodeLength::inches(78.0));
        out.extend(rows.iter().map(|r| headroom(r, &general, &spiral)));
    }
    if options.runs(STAIR_FLIGHT_RISE.id) {
        out.extend(rows.iter().map(|r| flight_rise(r, data)));
    }
}

/// One batched query for `data.class` with every value the four rules need.
fn select(data: &StairData) -> Select {
    [&data.riser, &data.tread, &data.risers, &data.headroom]
        .iter()
        .fold(Select::class(data.class), |s, c| s.chain(c))
}

fn read<'a>(item: &'a Item<'_>, data: &'a StairData) -> StairRow<'a> {
    StairRow {
        id: item.id(),
        spiral: item
            .row
            .predefined_type
            .as_deref()
            .is_some_and(|p| p.eq_ignore_ascii_case(data.spiral)),
        riser: data.riser.length(item),
        tread: data.tread.length(item),
        risers: data.risers.count(item),
        headroom: data.headroom.length(item),
    }
}

/// Not-assessable for a spiral stairway with data: its limits (§1011.10)
/// are not implemented.
fn spiral(
    rule: &RuleDef,
    row: &StairRow,
    what: &str,
    r: &Reading<'_, f64>,
    unit: CodeLength,
) -> Finding {
    let mut m = String::with_capacity(256);
    let shown = CodeLength::measured(r.value, unit.unit);
    let _ = write!(m, "{SPIRAL_NOTE}; {what} {shown} from {}", r.label);
    rule.not_assessable(row.id, m)
        .measured(Measure::length_m(r.value))
}

const MAX_RISER: CodeLength = CodeLength::inches(7.0);
const MIN_TREAD: CodeLength = CodeLength::inches(11.0);
const MIN_HEADROOM: CodeLength = CodeLength::inches(80.0);

fn riser(row: &StairRow, limits: &Limits) -> Finding {
    if let (true, Ok(r)) = (row.spiral, &row.riser) {
        return spiral(&STAIR_RISER_HEIGHT, row, "riser height", r, MAX_RISER);
    }
    STAIR_RISER_HEIGHT.assess(row.id, "riser height", &row.riser, limits)
}

fn tread(row: &StairRow, limits: &Limits) -> Finding {
    if let (true, Ok(t)) = (row.spiral, &row.tread) {
        return spiral(&STAIR_TREAD_DEPTH, row, "tread depth", t, MIN_TREAD);
    }
    STAIR_TREAD_DEPTH.assess(row.id, "tread depth", &row.tread, limits)
}

fn headroom(row: &StairRow, general: &Limits, spiral: &Limits) -> Finding {
    match &row.headroom {
        // A spiral stairway below 80 in is judged against its own 78 in.
        Ok(h) if row.spiral && !ge(h.value, MIN_HEADROOM.si) => {
            let mut f = STAIR_HEADROOM.assess(row.id, "headroom", &row.headroom, spiral);
            f.message
                .push_str(" (spiral stairway: 78 in under §1011.10, the exception to §1011.3)");
            f
        }
        _ => STAIR_HEADROOM.assess(row.id, "headroom", &row.headroom, general),
    }
}

fn flight_rise(row: &StairRow, data: &StairData) -> Finding {
    let rule = &STAIR_FLIGHT_RISE;
    let (n, r) = match (&row.risers, &row.riser) {
        (Ok(n), Ok(r)) => (n, r),
        (risers, riser) => {
            let mut m = String::with_capacity(256);
            if let Err(missing) = risers {
                let _ = write!(m, "no number of risers in the model ({missing})");
            }
            if let Err(missing) = riser {
                if !m.is_empty() {
                    m.push_str("; ");
                }
                let _ = write!(m, "no riser height in the model ({missing})");
            }
            return rule.not_assessable(row.id, m);
        }
    };
    let max = CodeLength::feet_inches(12.0, 0.0);
    let v = n.value as f64 * r.value;
    // The spec prints the rise in inches and the limit as the code does (12 ft).
    let shown = CodeLength::measured(v, CodeUnit::Inch);
    let riser = CodeLength::measured(r.value, CodeUnit::Inch);
    let (n_label, r_label, n) = (n.label, r.label, n.value);
    let mut m = String::with_capacity(256);
    let outcome = match (le(v, max.si), data.fallback) {
        (true, false) => {
            let _ = write!(m, "flight rise {shown} ≤ {max}");
            Outcome::Pass
        }
        (true, true) => {
            let _ = write!(
                m,
                "total stair rise {shown} ≤ {max}, so every flight is lower"
            );
            Outcome::Pass
        }
        (false, false) => {
            let _ = write!(m, "flight rise {shown} > {max} maximum");
            Outcome::Violation
        }
        (false, true) => {
            let _ = write!(m, "total stair rise {shown} > {max}");
            Outcome::Warning
        }
    };
    let _ = write!(m, " ({n} risers × {riser} from {n_label} and {r_label})");
    match outcome {
        Outcome::Violation => {
            m.push_str("; if this IfcStairFlight models several flights between landings, split it")
        }
        Outcome::Warning => m.push_str(
            ": total stair rise exceeds 12 ft; landings cannot be seen (the model has no \
             IfcStairFlight)",
        ),
        _ => {}
    }
    rule.finding(outcome, row.id, m)
        .measured(Measure::length_m(v))
        .limit(LengthLimit::at_most(max).to_limit())
}
