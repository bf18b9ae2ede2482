//! Rule pack `us-irc-2021`: the International Residential Code for One- and
//! Two-Family Dwellings, 2021 edition, as specified in
//! `docs/rulepacks/us-irc-2021.md` (conventions in `docs/rulepacks/README.md`).
//!
//! Ten rules: stair riser height, tread depth, headroom and flight rise;
//! handrail and guard height; ceiling height; egress door clear width and
//! height; hallway width. Limits are written in the code's own unit and
//! compared in metres, exactly converted, with boundary values complying
//! (1 µm tolerance). Missing data is not-assessable; values that are only an
//! upper bound of what the code measures (a door's overall width, a space's
//! slab-to-slab height or extent) never pass.
//!
//! The model is read with one batched query per element class
//! (`IfcStairFlight` or `IfcStair`, `IfcRailing`, `IfcSpace`, `IfcDoor`).
//!
//! Parameters: none (any parameter is refused as an invalid option).
//!
//! Choices made where the spec leaves room (each also commented where it is made):
//!
//! * Messages print millimetres to 2 decimals as `docs/rulepacks/README.md`
//!   says (`196.85 mm (7.75 in)`), through the SDK's `CodeLength`.
//! * A zero, negative or non-length value in a source is skipped (the next
//!   source is read) and named in the not-assessable message.
//! * Space names: LongName is classified first and Name only if LongName
//!   matches no category; any non-letter separates words.
//! * `hallway-width` applies to spaces the shared classification calls
//!   hallways, so `Hall closet` and `Hall bath` are not checked as hallways.
//! * `guard-height` reads the containing space's name from the batched
//!   `IfcSpace` query rather than one `get` per railing; a user-defined
//!   railing type counts as "type not stated".
//! * Egress doors: IFC4X3 `LIFTING*`/`REVOLVING_*` operation types count as
//!   not side-hinged; the model-level finding lists the candidate doors (case
//!   1: every door; case 2: the doors that do not state `IsExternal`; case 3:
//!   the external doors that are not side-hinged, else every door); a pass
//!   names the widest passing door; `measured` is the widest value read.
//! * Stair fallback on IFC2X3: `IfcStair.ShapeType = SPIRAL_STAIR` counts as
//!   spiral, like IFC4's PredefinedType.

#![warn(missing_docs)]

use std::fmt;

use plancheck_sdk::params::{ParamErrorKind, Params};
use plancheck_sdk::prelude::*;
use plancheck_sdk::read::{Problem, Unusable, Want};
use plancheck_sdk::rules::{Cite, Style};
use plancheck_sdk::units::write_trim;
use plancheck_sdk::Value;

mod doors;
mod railings;
mod spaces;
mod stairs;

const fn rule(id: &'static str, title: &'static str, section: &'static str) -> RuleDef {
    RuleDef {
        id,
        title,
        code: "IRC",
        edition: "2021",
        section,
    }
}

/// §R311.7.5.1: riser height at most 7¾ in.
pub const RISER: RuleDef = rule("stair-riser-height", "Stair riser height", "R311.7.5.1");
/// §R311.7.5.2: tread depth at least 10 in.
pub const TREAD: RuleDef = rule("stair-tread-depth", "Stair tread depth", "R311.7.5.2");
/// §R311.7.2: headroom at least 6 ft 8 in (spiral stairways 6 ft 6 in).
pub const HEADROOM: RuleDef = rule("stair-headroom", "Stair headroom", "R311.7.2");
/// §R311.7.3: a flight rises at most 151 in between floor levels or landings.
pub const FLIGHT_RISE: RuleDef = rule(
    "stair-flight-rise",
    "Vertical rise of a stair flight",
    "R311.7.3",
);
/// §R311.7.8.1: handrail height 34–38 in.
pub const HANDRAIL: RuleDef = rule("handrail-height", "Handrail height", "R311.7.8.1");
/// §R312.1.2: guard height at least 36 in (34 in on the open sides of stairs).
pub const GUARD: RuleDef = rule("guard-height", "Guard height", "R312.1.2");
/// §R305.1: ceiling height at least 7 ft (bathrooms, toilet and laundry rooms 6 ft 8 in).
pub const CEILING: RuleDef = rule("ceiling-height", "Minimum ceiling height", "R305.1");
/// §R311.2: one side-hinged egress door with at least 32 in clear width.
pub const EGRESS_WIDTH: RuleDef = rule("egress-door-width", "Egress door clear width", "R311.2");
/// §R311.2: the egress door gives at least 78 in clear height.
pub const EGRESS_HEIGHT: RuleDef = rule("egress-door-height", "Egress door clear height", "R311.2");
/// §R311.6: hallways at least 3 ft wide.
pub const HALLWAY: RuleDef = rule("hallway-width", "Hallway width", "R311.6");

/// Every rule, in manifest order (also the order findings are returned in).
pub const RULES: [RuleDef; 10] = [
    RISER,
    TREAD,
    HEADROOM,
    FLIGHT_RISE,
    HANDRAIL,
    GUARD,
    CEILING,
    EGRESS_WIDTH,
    EGRESS_HEIGHT,
    HALLWAY,
];

/// The pack.
pub struct Pack;

impl RulePack for Pack {
    fn manifest() -> Manifest {
        Manifest {
            id: "us-irc-2021".into(),
            name: "International Residential Code 2021".into(),
            jurisdiction: "US".into(),
            code: "IRC".into(),
            edition: "2021".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            contract: CONTRACT_VERSION.into(),
            rules: RULES.iter().map(RuleDef::info).collect(),
        }
    }

    fn check(model: &dyn ModelView, options: &CheckOptions) -> Result<Vec<Finding>, PackError> {
        validate(options)?;
        let runs = |r: &RuleDef| options.runs(r.id);
        let mut out = Vec::new();

        let want = stairs::Wanted {
            riser: runs(&RISER),
            tread: runs(&TREAD),
            headroom: runs(&HEADROOM),
            rise: runs(&FLIGHT_RISE),
        };
        if want.riser || want.tread || want.headroom || want.rise {
            out.extend(stairs::check(model, &want));
        }

        let space_rules = runs(&CEILING) || runs(&HALLWAY);
        let space_select = spaces::select();
        let space_items = space_rules.then(|| space_select.run(model));
        let spaces = space_items.as_deref().map(spaces::load);

        if runs(&HANDRAIL) || runs(&GUARD) {
            out.extend(railings::check(
                model,
                runs(&HANDRAIL),
                runs(&GUARD),
                spaces.as_deref(),
            ));
        }
        if let (Some(sp), true) = (&spaces, runs(&CEILING)) {
            out.extend(spaces::ceiling_height(sp));
        }
        if runs(&EGRESS_WIDTH) || runs(&EGRESS_HEIGHT) {
            out.extend(doors::check(
                model,
                runs(&EGRESS_WIDTH),
                runs(&EGRESS_HEIGHT),
            ));
        }
        if let (Some(sp), true) = (&spaces, runs(&HALLWAY)) {
            out.extend(spaces::hallway_width(sp));
        }
        Ok(out)
    }
}

/// The pack's parameters: none.
const PARAMETERS: Params = Params::new("us-irc-2021", &[]);

/// Rejects unknown rule ids and any parameter (the pack takes none).
fn validate(options: &CheckOptions) -> Result<(), PackError> {
    let ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
    plancheck_sdk::validate_rule_selection(options, &ids)?;
    PARAMETERS.parse(options).map_err(|e| match e.kind {
        ParamErrorKind::Unknown => PackError::InvalidOption(format!(
            "unknown parameter `{}` (value `{}`); us-irc-2021 accepts no parameters",
            e.name, e.value
        )),
        _ => e.into(),
    })?;
    Ok(())
}

/// How this pack's messages cite sources and word passes:
/// `riser height 170 mm (6.69 in) ≤ 196.85 mm (7.75 in) maximum (from …)`.
const STYLE: Style = Style {
    cite: Cite::Parenthesised,
    pass_names_bound: true,
};

/// `limit` in this pack's message style.
fn limits(limit: LengthLimit) -> Limits {
    Limits {
        min: limit.min,
        max: limit.max,
        style: STYLE,
        ..Limits::default()
    }
}

/// How this pack words a value it could not use, in not-assessable
/// messages: `X is 0 mm, not a positive length (treated as missing)`,
/// `X holds 0.17 without a unit (not a length measure)`.
fn unusable(f: &mut fmt::Formatter<'_>, u: &Unusable<'_>) -> fmt::Result {
    let name = u.label;
    match (u.problem(), u.want) {
        (Problem::NotPositive(m), Want::Length) => {
            write!(f, "{name} is ")?;
            write_trim(f, m * 1000.0, 2)?;
            f.write_str(" mm, not a positive length (treated as missing)")
        }
        (Problem::NotPositive(n), _) | (Problem::Fractional(n), _) => write!(
            f,
            "{name} is {n}, not a positive count (treated as missing)"
        ),
        (Problem::WrongKind, want) => {
            write!(f, "{name} holds ")?;
            match u.value {
                Value::Text(s) => write!(f, "the text '{s}'")?,
                Value::Integer(i) => write!(f, "{i} without a unit")?,
                Value::Real(r) => write!(f, "{r} without a unit")?,
                Value::Boolean(b) => write!(f, "the boolean {b}")?,
                Value::Unknown => f.write_str("UNKNOWN")?,
                Value::Measure(m) => {
                    write!(f, "{}", format!("a {:?} measure", m.kind).to_lowercase())?
                }
            }
            match want {
                Want::Length => f.write_str(" (not a length measure)"),
                _ => f.write_str(" (not a count)"),
            }
        }
    }
}

/// Where the pack looked for a missing value, in this pack's wording.
fn why<'a>(m: &Missing<'a>) -> impl fmt::Display + 'a {
    m.worded(unusable)
}

plancheck_sdk::export_pack!(Pack);

#[cfg(test)]
mod tests;
