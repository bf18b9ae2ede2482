//! The pack's parameters (`check-options.parameters`), validated up front.

use plancheck_sdk::params::{Param, Params as Declared};
use plancheck_sdk::{CheckOptions, PackError};

/// The Table 1.1 stair category the stair rules use (`stair-category`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StairCategory {
    /// `private`: a stair serving only one dwelling.
    Private,
    /// `utility`: for escape, maintenance access or other than the usual
    /// day-to-day route between levels.
    Utility,
    /// `general-access`: the normal day-to-day route for all users.
    GeneralAccess,
    /// `any` (default): IFC carries no stair category, so every row of
    /// Table 1.1 is evaluated; a stair passes only if it complies for all
    /// three, and gets a warning naming the categories it complies for
    /// otherwise.
    Any,
}

impl StairCategory {
    /// The three categories of Table 1.1, in the table's order.
    pub const ALL: [StairCategory; 3] = [
        StairCategory::Private,
        StairCategory::Utility,
        StairCategory::GeneralAccess,
    ];

    /// How messages name the category ("general access").
    pub fn name(self) -> &'static str {
        match self {
            StairCategory::Private => "private",
            StairCategory::Utility => "utility",
            StairCategory::GeneralAccess => "general access",
            StairCategory::Any => "any",
        }
    }
}

/// The Diagram 3.1 building category for `guard-height` (`building-category`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BuildingCategory {
    /// `dwelling`: single family dwellings.
    Dwelling,
    /// `other`: factories and warehouses (light traffic), residential,
    /// institutional, educational, office and public buildings, assembly and
    /// retail — all 900 mm on flights and 1100 mm elsewhere.
    Other,
    /// `any` (default): both are possible.
    Any,
}

/// Validated parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Params {
    /// `stair-category` (default `any`).
    pub stair_category: StairCategory,
    /// `building-category` (default `any`).
    pub building_category: BuildingCategory,
    /// `loft-conversion` (default `false`): enables the reduced headroom of
    /// para 1.11 in `stair-headroom`.
    pub loft_conversion: bool,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            stair_category: StairCategory::Any,
            building_category: BuildingCategory::Any,
            loft_conversion: false,
        }
    }
}

/// Every parameter: name, accepted values, default, what it does.
pub const PARAMETERS: Declared = Declared::new(
    "uk-adk-2013",
    &[
        Param::one_of(
            "stair-category",
            &["private", "utility", "general-access", "any"],
            "any",
            "The Table 1.1 stair category the stair rules use; `any` evaluates every row.",
        ),
        Param::one_of(
            "building-category",
            &["dwelling", "other", "any"],
            "any",
            "The Diagram 3.1 building category for `guard-height`.",
        ),
        Param::one_of(
            "loft-conversion",
            &["false", "true"],
            "false",
            "Enables the reduced headroom of para 1.11 in `stair-headroom`.",
        ),
    ],
);

impl Params {
    /// Reads and validates `options.parameters`. An unknown name, a value
    /// outside the documented set, or a parameter given twice (which of the
    /// two would win is not obvious to the person who wrote them) is
    /// `PackError::InvalidOption` naming what is accepted. Values are matched
    /// exactly, as documented (lower case).
    pub fn from_options(options: &CheckOptions) -> Result<Self, PackError> {
        let given = PARAMETERS.parse(options)?;
        Ok(Params {
            stair_category: match given.get("stair-category") {
                "private" => StairCategory::Private,
                "utility" => StairCategory::Utility,
                "general-access" => StairCategory::GeneralAccess,
                _ => StairCategory::Any,
            },
            building_category: match given.get("building-category") {
                "dwelling" => BuildingCategory::Dwelling,
                "other" => BuildingCategory::Other,
                _ => BuildingCategory::Any,
            },
            loft_conversion: given.get("loft-conversion") == "true",
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
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    fn err(params: &[(&str, &str)]) -> String {
        match Params::from_options(&opts(params)) {
            Err(PackError::InvalidOption(m)) => m,
            other => panic!("expected invalid-option, got {other:?}"),
        }
    }

    #[test]
    fn defaults() {
        let p = Params::from_options(&opts(&[])).unwrap();
        assert_eq!(p, Params::default());
        assert_eq!(p.stair_category, StairCategory::Any);
        assert_eq!(p.building_category, BuildingCategory::Any);
        assert!(!p.loft_conversion);
    }

    #[test]
    fn every_documented_value_is_accepted() {
        for (value, cat) in [
            ("private", StairCategory::Private),
            ("utility", StairCategory::Utility),
            ("general-access", StairCategory::GeneralAccess),
            ("any", StairCategory::Any),
        ] {
            let p = Params::from_options(&opts(&[("stair-category", value)])).unwrap();
            assert_eq!(p.stair_category, cat);
        }
        for (value, cat) in [
            ("dwelling", BuildingCategory::Dwelling),
            ("other", BuildingCategory::Other),
            ("any", BuildingCategory::Any),
        ] {
            let p = Params::from_options(&opts(&[("building-category", value)])).unwrap();
            assert_eq!(p.building_category, cat);
        }
        let p = Params::from_options(&opts(&[("loft-conversion", "true")])).unwrap();
        assert!(p.loft_conversion);
        let p = Params::from_options(&opts(&[("loft-conversion", "false")])).unwrap();
        assert!(!p.loft_conversion);
    }

    #[test]
    fn unknown_parameter_lists_what_is_accepted() {
        assert_eq!(
            err(&[("stair-type", "private")]),
            "unknown parameter `stair-type`; uk-adk-2013 accepts: \
             stair-category (private, utility, general-access, any; default any), \
             building-category (dwelling, other, any; default any), \
             loft-conversion (false, true; default false)"
        );
    }

    #[test]
    fn invalid_values_name_parameter_and_values() {
        assert_eq!(
            err(&[("stair-category", "public")]),
            "invalid value `public` for parameter `stair-category`; accepted values: \
             private, utility, general-access, any (default any)"
        );
        // Exact, documented spelling only.
        assert!(err(&[("stair-category", "Private")]).contains("`Private`"));
        assert!(err(&[("stair-category", "general_access")]).contains("general-access"));
        assert!(err(&[("building-category", "flat")]).contains("dwelling, other, any"));
        assert!(err(&[("loft-conversion", "yes")]).contains("false, true"));
        assert!(err(&[("loft-conversion", "")]).contains("loft-conversion"));
    }

    #[test]
    fn a_parameter_given_twice_is_refused() {
        let m = err(&[("stair-category", "private"), ("stair-category", "utility")]);
        assert!(
            m.contains("`stair-category` is given more than once"),
            "{m}"
        );
    }
}
