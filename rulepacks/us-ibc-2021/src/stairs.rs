//! `stair-riser-height`, `stair-tread-depth`, `stair-headroom`,
//! `stair-flight-rise`: every `IfcStairFlight`, or every `IfcStair` (with
//! `Pset_StairCommon`) when the model has no flights at all.

use plancheck_sdk::prelude::*;
use plancheck_sdk::units::{le, CodeUnit};
use plancheck_sdk::Query;

use crate::assess::{assess, Limits, Show};
use crate::read::{measured, Chain, Reading};
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
    riser: Chain {
        key: "riser",
        class: FLIGHT,
        sources: &[
            measured(attr("RiserHeight")),
            measured(prop("Pset_StairFlightCommon", "RiserHeight")),
        ],
    },
    tread: Chain {
        key: "tread",
        class: FLIGHT,
        sources: &[
            measured(attr("TreadLength")),
            measured(prop("Pset_StairFlightCommon", "TreadLength")),
        ],
    },
    risers: Chain {
        key: "risers",
        class: FLIGHT,
        sources: &[
            measured(attr("NumberOfRisers")),
            measured(attr("NumberOfRiser")),
            measured(prop("Pset_StairFlightCommon", "NumberOfRiser")),
        ],
    },
    // The actual clearance; Pset_StairCommon.RequiredHeadroom is a
    // requirement and is never read.
    headroom: Chain {
        key: "headroom",
        class: FLIGHT,
        sources: &[measured(prop("Pset_StairFlightCommon", "Headroom"))],
    },
};

/// The fallback: `IfcStair` has none of these attributes, only
/// `Pset_StairCommon`, which has no actual-headroom property: a `Headroom`
/// in any set is read if present.
const STAIRS: StairData = StairData {
    class: STAIR,
    spiral: "SPIRAL_STAIR",
    fallback: true,
    riser: Chain {
        key: "riser",
        class: STAIR,
        sources: &[measured(prop("Pset_StairCommon", "RiserHeight"))],
    },
    tread: Chain {
        key: "tread",
        class: STAIR,
        sources: &[measured(prop("Pset_StairCommon", "TreadLength"))],
    },
    risers: Chain {
        key: "risers",
        class: STAIR,
        sources: &[measured(prop("Pset_StairCommon", "NumberOfRiser"))],
    },
    headroom: Chain {
        key: "headroom",
        class: STAIR,
        sources: &[measured(prop("*", "Headroom"))],
    },
};

const EXCEPTION_3: &str = "§1011.5.2 exception 3";
const EXCEPTION_3_CONDITION: &str = "complies only in Group R-3, within an R-2 dwelling unit, \
     or Group U accessory to them (§1011.5.2 exception 3)";
const SPIRAL_NOTE: &str = "spiral stairway: §1011.10 limits (riser ≤ 9½ in, 6¾ in tread at 12 in \
     from the walkline, 78 in headroom) are not implemented by this rule";

/// One stair element, read once for all four rules.
struct StairRow {
    id: String,
    spiral: bool,
    riser: Result<Reading, String>,
    tread: Result<Reading, String>,
    risers: Result<(i64, String), String>,
    headroom: Result<Reading, String>,
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
    let mut data = &FLIGHTS;
    let mut rows = read(model, data);
    if rows.is_empty() {
        data = &STAIRS;
        rows = read(model, data);
    }
    if options.runs(STAIR_RISER_HEIGHT.id) {
        out.extend(rows.iter().map(riser));
    }
    if options.runs(STAIR_TREAD_DEPTH.id) {
        out.extend(rows.iter().map(tread));
    }
    if options.runs(STAIR_HEADROOM.id) {
        out.extend(rows.iter().map(headroom));
    }
    if options.runs(STAIR_FLIGHT_RISE.id) {
        out.extend(rows.iter().map(|r| flight_rise(r, data)));
    }
}

/// One batched query for `data.class` with every value the four rules need.
fn read(model: &dyn ModelView, data: &StairData) -> Vec<StairRow> {
    let select = [&data.riser, &data.tread, &data.risers, &data.headroom]
        .iter()
        .fold(Select::class(data.class), |s, c| c.declare(s));
    let q: &Query = select.query();
    select
        .run(model)
        .iter()
        .map(|item| StairRow {
            id: item.id().to_string(),
            spiral: item
                .row
                .predefined_type
                .as_deref()
                .is_some_and(|p| p.eq_ignore_ascii_case(data.spiral)),
            riser: data.riser.length(item, q),
            tread: data.tread.length(item, q),
            risers: data.risers.count(item, q),
            headroom: data.headroom.length(item, q),
        })
        .collect()
}

/// Not-assessable for a spiral stairway with data: its limits (§1011.10)
/// are not implemented.
fn spiral(rule: &RuleDef, row: &StairRow, what: &str, r: &Reading, unit: CodeLength) -> Finding {
    rule.not_assessable(
        &row.id,
        format!(
            "{SPIRAL_NOTE}; {what} {} from {}",
            Show(CodeLength::measured(r.si, unit.unit)),
            r.label
        ),
    )
    .measured(Measure::length_m(r.si))
}

fn riser(row: &StairRow) -> Finding {
    let max = CodeLength::inches(7.0);
    if let (true, Ok(r)) = (row.spiral, &row.riser) {
        return spiral(&STAIR_RISER_HEIGHT, row, "riser height", r, max);
    }
    let limits = Limits::between(CodeLength::inches(4.0), max).band_above(
        CodeLength::inches(7.75),
        EXCEPTION_3,
        EXCEPTION_3_CONDITION,
    );
    assess(
        &STAIR_RISER_HEIGHT,
        &row.id,
        "riser height",
        &row.riser,
        &limits,
    )
}

fn tread(row: &StairRow) -> Finding {
    let min = CodeLength::inches(11.0);
    if let (true, Ok(t)) = (row.spiral, &row.tread) {
        return spiral(&STAIR_TREAD_DEPTH, row, "tread depth", t, min);
    }
    let limits = Limits::at_least(min).band_below(
        Some(CodeLength::inches(10.0)),
        EXCEPTION_3,
        EXCEPTION_3_CONDITION,
    );
    assess(
        &STAIR_TREAD_DEPTH,
        &row.id,
        "tread depth",
        &row.tread,
        &limits,
    )
}

fn headroom(row: &StairRow) -> Finding {
    let min = CodeLength::inches(80.0);
    let spiral_min = CodeLength::inches(78.0);
    match &row.headroom {
        // A spiral stairway below 80 in is judged against its own 78 in.
        Ok(h) if row.spiral && !plancheck_sdk::units::ge(h.si, min.si) => {
            let mut f = assess(
                &STAIR_HEADROOM,
                &row.id,
                "headroom",
                &row.headroom,
                &Limits::at_least(spiral_min),
            );
            f.message
                .push_str(" (spiral stairway: 78 in under §1011.10, the exception to §1011.3)");
            f
        }
        _ => assess(
            &STAIR_HEADROOM,
            &row.id,
            "headroom",
            &row.headroom,
            &Limits::at_least(min),
        ),
    }
}

fn flight_rise(row: &StairRow, data: &StairData) -> Finding {
    let rule = &STAIR_FLIGHT_RISE;
    let (n, n_label, r) = match (&row.risers, &row.riser) {
        (Ok((n, nl)), Ok(r)) => (*n, nl, r),
        (risers, riser) => {
            let mut missing = Vec::new();
            if let Err(m) = risers {
                missing.push(format!("no number of risers in the model ({m})"));
            }
            if let Err(m) = riser {
                missing.push(format!("no riser height in the model ({m})"));
            }
            return rule.not_assessable(&row.id, missing.join("; "));
        }
    };
    let max = CodeLength::feet_inches(12.0, 0.0);
    let v = n as f64 * r.si;
    // The spec prints the rise in inches and the limit as the code does (12 ft).
    let shown = Show(CodeLength::measured(v, CodeUnit::Inch));
    let max = Show(max);
    let how = format!(
        "{n} risers × {} from {n_label} and {}",
        Show(CodeLength::measured(r.si, CodeUnit::Inch)),
        r.label
    );
    let (outcome, message) = match (le(v, max.0.si), data.fallback) {
        (true, false) => (
            Outcome::Pass,
            format!("flight rise {shown} ≤ {max} ({how})"),
        ),
        (true, true) => (
            Outcome::Pass,
            format!("total stair rise {shown} ≤ {max}, so every flight is lower ({how})"),
        ),
        (false, false) => (
            Outcome::Violation,
            format!(
                "flight rise {shown} > {max} maximum ({how}); if this IfcStairFlight \
                 models several flights between landings, split it"
            ),
        ),
        (false, true) => (
            Outcome::Warning,
            format!(
                "total stair rise {shown} > {max} ({how}): total stair rise exceeds 12 ft; \
                 landings cannot be seen (the model has no IfcStairFlight)"
            ),
        ),
    };
    rule.finding(outcome, &row.id, message)
        .measured(Measure::length_m(v))
        .limit(LengthLimit::at_most(max.0).to_limit())
}
