//! The pack's parameters (docs/rulepacks/us-ibc-2021.md, "Parameters").

use plancheck_sdk::params::{Accepts, Param, ParamErrorKind, Params as Declared};
use plancheck_sdk::prelude::{CheckOptions, CodeLength, PackError};

/// Which doors the door rules check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DoorScope {
    /// Every `IfcDoor` (default).
    #[default]
    All,
    /// Only doors with `Pset_DoorCommon.FireExit` or `.IsExternal` true.
    Egress,
}

/// The Table 1020.3 row `corridor-width` passes against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CorridorOccupancy {
    /// Any facilities not listed: 44 in (default).
    #[default]
    General,
    /// Group E, corridor with an occupant load of 100 or more: 72 in.
    GroupE100,
    /// Stretcher traffic in outpatient medical care: 72 in.
    Stretcher,
    /// Group I-2 areas required for bed movement: 96 in.
    I2Beds,
}

impl CorridorOccupancy {
    /// The row's minimum width.
    pub fn min(self) -> CodeLength {
        match self {
            CorridorOccupancy::General => CodeLength::inches(44.0),
            CorridorOccupancy::GroupE100 | CorridorOccupancy::Stretcher => CodeLength::inches(72.0),
            CorridorOccupancy::I2Beds => CodeLength::inches(96.0),
        }
    }

    /// The kind of corridor the row is for, for warning messages
    /// ("complies only if this is not a …"); `None` for the general row.
    pub fn corridor(self) -> Option<&'static str> {
        match self {
            CorridorOccupancy::General => None,
            CorridorOccupancy::GroupE100 => {
                Some("Group E corridor with an occupant load of 100 or more")
            }
            CorridorOccupancy::Stretcher => {
                Some("corridor serving stretcher traffic in outpatient medical care")
            }
            CorridorOccupancy::I2Beds => Some("Group I-2 corridor required for bed movement"),
        }
    }
}

/// The pack's parameters.
pub const PARAMETERS: Declared = Declared::new(
    "us-ibc-2021",
    &[
        Param::one_of(
            "door-scope",
            &["all", "egress"],
            "all",
            "Which doors `door-clear-width` and `door-height` check: every IfcDoor, or only \
             those with Pset_DoorCommon.FireExit or .IsExternal true.",
        ),
        Param::one_of(
            "corridor-occupancy",
            &["general", "group-e-100", "stretcher", "i-2-beds"],
            "general",
            "The Table 1020.3 row `corridor-width` passes against (44, 72, 72 or 96 in).",
        ),
    ],
);

/// Validated parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Params {
    /// `door-scope`.
    pub door_scope: DoorScope,
    /// `corridor-occupancy`.
    pub corridor_occupancy: CorridorOccupancy,
}

/// Lists what the pack accepts, for error messages:
/// `door-scope = all | egress (default all); …`.
fn accepted() -> String {
    let items: Vec<String> = PARAMETERS
        .list
        .iter()
        .map(|p| {
            let values = match p.accepts {
                Accepts::OneOf(v) => v.join(" | "),
                Accepts::Parsed { what, .. } => what.to_string(),
            };
            format!("{} = {values} (default {})", p.name, p.default)
        })
        .collect();
    items.join("; ")
}

impl Params {
    /// Reads and validates `options.parameters`: an unknown name, a value
    /// outside the documented set, or a name given twice (which value was
    /// meant would be a guess) is `invalid-option`, listing what is accepted.
    pub fn from_options(options: &CheckOptions) -> Result<Self, PackError> {
        let given = PARAMETERS.parse(options).map_err(|e| {
            let (name, value) = (e.name, e.value);
            PackError::InvalidOption(match e.kind {
                ParamErrorKind::Unknown => format!(
                    "unknown parameter `{name}` (= `{value}`); us-ibc-2021 accepts: {}",
                    accepted()
                ),
                ParamErrorKind::Repeated(_) => format!(
                    "parameter `{name}` is given more than once; give it once: {}",
                    accepted()
                ),
                ParamErrorKind::Invalid(p) => format!(
                    "parameter `{name}` = `{value}` is not one of: {}",
                    p.values()
                ),
            })
        })?;
        Ok(Params {
            door_scope: match given.get("door-scope") {
                "egress" => DoorScope::Egress,
                _ => DoorScope::All,
            },
            corridor_occupancy: match given.get("corridor-occupancy") {
                "group-e-100" => CorridorOccupancy::GroupE100,
                "stretcher" => CorridorOccupancy::Stretcher,
                "i-2-beds" => CorridorOccupancy::I2Beds,
                _ => CorridorOccupancy::General,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(params: &[(&str, &str)]) -> CheckOptions {
        CheckOptions {
            rules: vec![],
            parameters: params
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
        }
    }

    #[test]
    fn defaults_and_values() {
        assert_eq!(Params::from_options(&opts(&[])).unwrap(), Params::default());
        let p = Params::from_options(&opts(&[
            ("door-scope", "egress"),
            ("corridor-occupancy", "i-2-beds"),
        ]))
        .unwrap();
        assert_eq!(p.door_scope, DoorScope::Egress);
        assert_eq!(p.corridor_occupancy, CorridorOccupancy::I2Beds);
        assert!((p.corridor_occupancy.min().si - 2.4384).abs() < 1e-12);
    }

    #[test]
    fn invalid_parameters_name_what_is_accepted() {
        let e = Params::from_options(&opts(&[("door-scop", "all")])).unwrap_err();
        assert_eq!(
            e,
            PackError::InvalidOption(
                "unknown parameter `door-scop` (= `all`); us-ibc-2021 accepts: \
                 door-scope = all | egress (default all); corridor-occupancy = \
                 general | group-e-100 | stretcher | i-2-beds (default general)"
                    .into()
            )
        );
        let e = Params::from_options(&opts(&[("corridor-occupancy", "hospital")])).unwrap_err();
        assert_eq!(
            e,
            PackError::InvalidOption(
                "parameter `corridor-occupancy` = `hospital` is not one of: \
                 general, group-e-100, stretcher, i-2-beds"
                    .into()
            )
        );
        // Values are case-sensitive, as documented.
        assert!(Params::from_options(&opts(&[("door-scope", "Egress")])).is_err());
        let e = Params::from_options(&opts(&[("door-scope", "all"), ("door-scope", "egress")]))
            .unwrap_err();
        assert!(matches!(e, PackError::InvalidOption(m) if m.contains("more than once")));
    }
}
