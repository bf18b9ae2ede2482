//! The outcome logic every length rule shares: a minimum and/or maximum in
//! the code's unit, with warning bands for values that comply only under a
//! condition the model does not express (docs/rulepacks/README.md,
//! "Outcomes").
//!
//! Pass, violation and the upper-bound not-assessable use the wording of
//! the SDK's `RuleDef::check_length` / `check_upper_bound`, but are worded
//! here because this module adds what the SDK lacks: warning bands (an
//! exception that allows a lower minimum or a higher maximum), naming the
//! data source in every message, and millimetres to 2 decimals ([`Show`]).

use std::fmt;

use plancheck_sdk::prelude::*;
use plancheck_sdk::units::{ge, le, trim};

use crate::read::Reading;

/// A length as the spec prints it: millimetres to at most **2** decimals
/// (`196.85 mm (7.75 in)`), then the code's unit as the SDK prints it.
///
/// The SDK's `Display for CodeLength` rounds millimetres to 1 decimal
/// (`196.8 mm (7.75 in)`, and a 177.82 mm riser would read
/// `177.8 mm (7 in) > 177.8 mm (7 in)`), which contradicts
/// docs/rulepacks/README.md "Messages". Until the SDK follows the spec, this
/// wrapper re-prints the millimetres and keeps the SDK's inch / feet-inch part.
#[derive(Debug, Clone, Copy)]
pub struct Show(pub CodeLength);

impl fmt::Display for Show {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sdk = self.0.to_string();
        let code_unit = sdk.split_once(" mm").map_or("", |(_, rest)| rest);
        write!(f, "{} mm{code_unit}", trim(self.0.si * 1000.0, 2))
    }
}

/// A warning band: values between the code's limit and `bound` comply only
/// under `condition`.
#[derive(Debug, Clone)]
pub struct Band {
    /// How far the condition reaches: the lowest value it allows below the
    /// minimum (or the highest above the maximum); `None` = any value.
    pub bound: Option<CodeLength>,
    /// Names the exception for violation messages ("§1011.5.2 exception 3").
    pub name: &'static str,
    /// The condition, as the warning states it.
    pub condition: String,
}

/// What a rule compares a value against.
#[derive(Debug, Clone, Default)]
pub struct Limits {
    /// Minimum (inclusive).
    pub min: Option<CodeLength>,
    /// Maximum (inclusive).
    pub max: Option<CodeLength>,
    /// Warning bands below the minimum, highest bound first.
    pub below: Vec<Band>,
    /// Warning bands above the maximum, lowest bound first.
    pub above: Vec<Band>,
    /// Appended to the not-assessable message of an upper bound that meets
    /// the minimum: what the model would need.
    pub hint: &'static str,
}

impl Limits {
    /// At least `min`.
    pub fn at_least(min: CodeLength) -> Self {
        Limits {
            min: Some(min),
            ..Default::default()
        }
    }

    /// Between `min` and `max`.
    pub fn between(min: CodeLength, max: CodeLength) -> Self {
        Limits {
            min: Some(min),
            max: Some(max),
            ..Default::default()
        }
    }

    /// Adds a warning band below the minimum (call highest bound first).
    pub fn band_below(
        mut self,
        bound: Option<CodeLength>,
        name: &'static str,
        condition: impl Into<String>,
    ) -> Self {
        self.below.push(Band {
            bound,
            name,
            condition: condition.into(),
        });
        self
    }

    /// Adds a warning band above the maximum (call lowest bound first).
    pub fn band_above(
        mut self,
        bound: CodeLength,
        name: &'static str,
        condition: impl Into<String>,
    ) -> Self {
        self.above.push(Band {
            bound: Some(bound),
            name,
            condition: condition.into(),
        });
        self
    }

    /// The hint for upper bounds that meet the minimum.
    pub fn hint(mut self, hint: &'static str) -> Self {
        self.hint = hint;
        self
    }

    fn length_limit(&self) -> LengthLimit {
        LengthLimit {
            min: self.min,
            max: self.max,
        }
    }
}

/// Applies `limits` to a reading of `what` (the dimension the code measures,
/// "riser height"). A missing reading is not-assessable naming where the
/// pack looked; an upper bound never passes.
pub fn assess(
    rule: &RuleDef,
    element: &str,
    what: &str,
    reading: &Result<Reading, String>,
    limits: &Limits,
) -> Finding {
    let r = match reading {
        Ok(r) => r,
        Err(missing) => {
            return rule.not_assessable(element, format!("no {what} in the model ({missing})"))
        }
    };
    let v = r.si;
    let ll = limits.length_limit();
    let shown = Show(CodeLength::measured(v, ll.unit()));
    let label = &r.label;
    let finding = |outcome: Outcome, message: String| {
        rule.finding(outcome, element, message)
            .measured(Measure::length_m(v))
            .limit(ll.to_limit())
    };
    // A measured value: "<what> <value> <comparison>; from <source>".
    // An upper bound: "<source> <value> <comparison>" (the source leads).
    let worded = |comparison: String| {
        if r.upper_bound {
            format!("{label} {shown} {comparison}")
        } else {
            format!("{what} {shown} {comparison}; from {label}")
        }
    };
    // "< 279.4 mm (11 in) minimum but ≥ 254 mm (10 in): <condition>"
    let warn = |cmp: &str, limit: CodeLength, word: &str, band: &Band, rel: &str| {
        let reach = band
            .bound
            .map(|b| format!(" but {rel} {}", Show(b)))
            .unwrap_or_default();
        let bound_note = if r.upper_bound {
            format!(" (an upper bound of the {what})")
        } else {
            String::new()
        };
        finding(
            Outcome::Warning,
            worded(format!(
                "{cmp} {} {word}{reach}{bound_note}: {}",
                Show(limit),
                band.condition
            )),
        )
    };

    if let Some(min) = limits.min.filter(|m| !ge(v, m.si)) {
        if let Some(b) = limits
            .below
            .iter()
            .find(|b| b.bound.is_none_or(|x| ge(v, x.si)))
        {
            return warn("<", min, "minimum", b, "≥");
        }
        let note = limits
            .below
            .iter()
            .filter_map(|b| b.bound.map(|x| (x, b.name)))
            .next_back()
            .map(|(x, name)| format!(", and < {}, the minimum under {name}", Show(x)))
            .unwrap_or_default();
        let comparison = if r.upper_bound {
            format!(
                "< {} minimum{note}, so the {what} (never more than the {label}) is below it",
                Show(min)
            )
        } else {
            format!("< {} minimum{note}", Show(min))
        };
        return finding(Outcome::Violation, worded(comparison));
    }
    if let Some(max) = limits.max.filter(|m| !le(v, m.si)) {
        if let Some(b) = limits
            .above
            .iter()
            .find(|b| b.bound.is_none_or(|x| le(v, x.si)))
        {
            return warn(">", max, "maximum", b, "≤");
        }
        let note = limits
            .above
            .iter()
            .filter_map(|b| b.bound.map(|x| (x, b.name)))
            .next_back()
            .map(|(x, name)| format!(", and > {}, the maximum under {name}", Show(x)))
            .unwrap_or_default();
        return finding(
            Outcome::Violation,
            worded(format!("> {} maximum{note}", Show(max))),
        );
    }
    // Within the limits.
    if r.upper_bound {
        // Upper bounds are only read against a minimum (door and corridor
        // widths, door and ceiling heights).
        let min = limits
            .min
            .map(Show)
            .map(|m| m.to_string())
            .unwrap_or_default();
        let hint = if limits.hint.is_empty() {
            String::new()
        } else {
            format!("; {}", limits.hint)
        };
        return finding(
            Outcome::NotAssessable,
            format!(
                "{label} {shown} is only an upper bound of the {what}; the {what} \
                 (≥ {min} required) is not in the model{hint}"
            ),
        );
    }
    let comparison = match (limits.min, limits.max) {
        (Some(min), Some(max)) => format!("within {} – {}", Show(min), Show(max)),
        (Some(min), None) => format!("≥ {}", Show(min)),
        (None, Some(max)) => format!("≤ {}", Show(max)),
        (None, None) => String::new(),
    };
    finding(Outcome::Pass, worded(comparison))
}

#[cfg(test)]
mod tests {
    use super::*;
    use plancheck_sdk::units::CodeUnit;

    #[test]
    fn millimetres_to_two_decimals_code_unit_beside() {
        let s = |c: CodeLength| Show(c).to_string();
        assert_eq!(s(CodeLength::inches(7.75)), "196.85 mm (7.75 in)");
        assert_eq!(s(CodeLength::inches(7.0)), "177.8 mm (7 in)");
        assert_eq!(
            s(CodeLength::measured(0.190, CodeUnit::Inch)),
            "190 mm (7.48 in)"
        );
        assert_eq!(
            s(CodeLength::measured(0.17782, CodeUnit::Inch)),
            "177.82 mm (7 in)"
        );
        assert_eq!(s(CodeLength::feet_inches(7.0, 6.0)), "2286 mm (7 ft 6 in)");
        assert_eq!(s(CodeLength::feet_inches(7.0, 0.0)), "2133.6 mm (7 ft)");
        assert_eq!(s(CodeLength::feet_inches(12.0, 0.0)), "3657.6 mm (12 ft)");
        assert_eq!(
            s(CodeLength::measured(2.2, CodeUnit::FeetInches)),
            "2200 mm (7 ft 2.61 in)"
        );
        assert_eq!(s(CodeLength::millimetres(2000.0)), "2000 mm");
    }
}
