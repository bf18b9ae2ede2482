//! # `us-ibc-2021` — International Building Code, 2021 edition
//!
//! A Plancheck rule pack implementing `docs/rulepacks/us-ibc-2021.md` (the
//! spec) under the conventions of `docs/rulepacks/README.md`: ten rules on
//! stair flights, doors, railings and spaces. Limits are written in the
//! code's inches / feet and converted exactly (1 in = 25.4 mm); values equal
//! to a limit comply (within 1 µm); messages print millimetres first with the
//! code's unit beside and name the data source; missing data is
//! not-assessable, and values that are only an upper bound of what the code
//! measures (a door's overall width, a space's slab-to-slab height) never
//! pass.
//!
//! The same code runs natively (tests) and as a `wasm32-wasip2` component in
//! the host's sandbox ([`plancheck_sdk::export_pack!`]). Every element class
//! is read with one batched [`Select`] query; values come through the SDK's
//! source chains ([`plancheck_sdk::read`]) and are judged by its limits with
//! warning bands ([`plancheck_sdk::rules::Limits`]).
//!
//! Parameters (`check-options.parameters`), see [`Params`]:
//!
//! | name | values | default |
//! |---|---|---|
//! | `door-scope` | `all`, `egress` | `all` |
//! | `corridor-occupancy` | `general`, `group-e-100`, `stretcher`, `i-2-beds` | `general` |

#![warn(missing_docs)]

use plancheck_sdk::prelude::*;

mod classify;
mod doors;
mod params;
mod railings;
mod spaces;
mod stairs;

pub use params::{CorridorOccupancy, DoorScope, Params, PARAMETERS};

const fn ibc(id: &'static str, title: &'static str, section: &'static str) -> RuleDef {
    RuleDef {
        id,
        title,
        code: "IBC",
        edition: "2021",
        section,
    }
}

/// Stair riser height: 4–7 in (§1011.5.2; 7¾ in under exception 3 is a warning).
pub const STAIR_RISER_HEIGHT: RuleDef = ibc("stair-riser-height", "Stair riser height", "1011.5.2");
/// Stair tread depth: at least 11 in (§1011.5.2; 10 in under exception 3 is a warning).
pub const STAIR_TREAD_DEPTH: RuleDef = ibc("stair-tread-depth", "Stair tread depth", "1011.5.2");
/// Stair headroom: at least 80 in (§1011.3; spiral stairways 78 in).
pub const STAIR_HEADROOM: RuleDef = ibc("stair-headroom", "Stair headroom", "1011.3");
/// Vertical rise of a flight: at most 12 ft between landings (§1011.8).
pub const STAIR_FLIGHT_RISE: RuleDef = ibc(
    "stair-flight-rise",
    "Vertical rise of a stair flight",
    "1011.8",
);
/// Door clear opening width: at least 32 in (§1010.1.1).
pub const DOOR_CLEAR_WIDTH: RuleDef =
    ibc("door-clear-width", "Door clear opening width", "1010.1.1");
/// Door clear opening height: at least 80 in (§1010.1.1; 76 in for dwelling units is a warning).
pub const DOOR_HEIGHT: RuleDef = ibc("door-height", "Door clear opening height", "1010.1.1");
/// Handrail height: 34–38 in (§1014.2).
pub const HANDRAIL_HEIGHT: RuleDef = ibc("handrail-height", "Handrail height", "1014.2");
/// Guard height: at least 42 in (§1015.3; down to 34 in under its exceptions is a warning).
pub const GUARD_HEIGHT: RuleDef = ibc("guard-height", "Guard height", "1015.3");
/// Ceiling height: 7 ft 6 in; 7 ft for bathrooms, kitchens, storage and laundry rooms (§1208.2).
pub const CEILING_HEIGHT: RuleDef = ibc("ceiling-height", "Minimum ceiling height", "1208.2");
/// Corridor width: Table 1020.3 (44 in; 36 in for occupant loads under 50 is a warning).
pub const CORRIDOR_WIDTH: RuleDef = ibc("corridor-width", "Minimum corridor width", "Table 1020.3");

/// Every rule of the pack, in manifest (and finding) order.
pub const RULES: [RuleDef; 10] = [
    STAIR_RISER_HEIGHT,
    STAIR_TREAD_DEPTH,
    STAIR_HEADROOM,
    STAIR_FLIGHT_RISE,
    DOOR_CLEAR_WIDTH,
    DOOR_HEIGHT,
    HANDRAIL_HEIGHT,
    GUARD_HEIGHT,
    CEILING_HEIGHT,
    CORRIDOR_WIDTH,
];

/// The IBC 2021 rule pack.
pub struct Pack;

impl RulePack for Pack {
    fn manifest() -> Manifest {
        Manifest {
            id: "us-ibc-2021".into(),
            name: "International Building Code 2021".into(),
            jurisdiction: "US".into(),
            code: "IBC".into(),
            edition: "2021".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            contract: CONTRACT_VERSION.into(),
            rules: RULES.iter().map(RuleDef::info).collect(),
        }
    }

    fn check(model: &dyn ModelView, options: &CheckOptions) -> Result<Vec<Finding>, PackError> {
        let ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
        plancheck_sdk::validate_rule_selection(options, &ids)?;
        let params = Params::from_options(options)?;
        let mut out = Vec::new();
        stairs::check(model, options, &mut out);
        doors::check(model, options, &params, &mut out);
        railings::check(model, options, &mut out);
        spaces::check(model, options, &params, &mut out);
        Ok(out)
    }

    fn parameters() -> &'static [plancheck_sdk::params::Param] {
        PARAMETERS.list
    }
}

plancheck_sdk::export_pack!(Pack);

#[cfg(test)]
mod tests;
