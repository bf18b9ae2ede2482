//! Rule definitions, limits with warning bands, and finding builders.
//!
//! A [`RuleDef`] is a rule as a pack declares it; [`Limits`] is what it
//! compares a length with (minimum, maximum, warning bands for values that
//! comply only under a condition the model does not express), and
//! [`RuleDef::assess`] turns a [`Reading`] into a worded finding with
//! `measured` and `limit` set.

use std::borrow::Cow;
use std::fmt::Write;

use crate::read::{Label, Missing, Reading};
use crate::units::{ge, le, CodeLength};
use crate::{Citation, Finding, Limit, Measure, Outcome, RuleInfo};

/// A rule as a pack declares it: `const` so a pack lists its rules once and
/// uses the same definitions for the manifest and the findings.
#[derive(Debug, Clone, Copy)]
pub struct RuleDef {
    /// Rule id, unique within the pack (kebab-case).
    pub id: &'static str,
    /// Short title.
    pub title: &'static str,
    /// Code name as cited, e.g. `IBC`.
    pub code: &'static str,
    /// Edition, e.g. `2021`.
    pub edition: &'static str,
    /// Section, table or paragraph, e.g. `1011.5.2`.
    pub section: &'static str,
}

impl RuleDef {
    /// The citation of this rule.
    pub fn citation(&self) -> Citation {
        Citation::new(self.code, self.edition, self.section)
    }

    /// The manifest entry of this rule.
    pub fn info(&self) -> RuleInfo {
        RuleInfo {
            id: self.id.into(),
            title: self.title.into(),
            citation: self.citation(),
        }
    }

    /// A finding of this rule about one element.
    pub fn finding(&self, outcome: Outcome, element: &str, message: impl Into<String>) -> Finding {
        Finding {
            rule: self.id.into(),
            citation: self.citation(),
            outcome,
            elements: vec![element.into()],
            message: message.into(),
            measured: None,
            limit: None,
        }
    }

    /// A `not-assessable` finding naming what is missing.
    pub fn not_assessable(&self, element: &str, message: impl Into<String>) -> Finding {
        self.finding(Outcome::NotAssessable, element, message)
    }

    /// Checks a measured length against `limit` and words the finding.
    ///
    /// * `what` names the measured thing ("riser height").
    /// * `measured` is `None` when the model lacks it: not-assessable, and
    ///   `missing` says where the pack looked.
    ///
    /// [`RuleDef::assess`] does the same for a [`Reading`] (naming its
    /// source) and adds warning bands.
    pub fn check_length(
        &self,
        element: &str,
        what: &str,
        measured: Option<f64>,
        limit: LengthLimit,
        missing: &str,
    ) -> Finding {
        let Some(v) = measured else {
            return self.not_assessable(element, format!("no {what} in the model ({missing})"));
        };
        let limits = Limits {
            min: limit.min,
            max: limit.max,
            style: Style::PLAIN,
            ..Limits::default()
        };
        self.assess_reading(element, what, &Reading::derived(v, ""), &limits)
    }

    /// Checks a value that is only an upper bound of what the code measures
    /// (a door's overall width for its clear width; a space's structural
    /// height for its finished ceiling height) against a minimum: below the
    /// minimum is a violation (the real value is smaller still); at or above
    /// it is not-assessable, never a pass.
    pub fn check_upper_bound(
        &self,
        element: &str,
        bound_name: &str,
        code_measure: &str,
        bound: Option<f64>,
        min: CodeLength,
        missing: &str,
    ) -> Finding {
        let Some(v) = bound else {
            return self.not_assessable(
                element,
                format!("no {code_measure} or {bound_name} in the model ({missing})"),
            );
        };
        let reading = Reading {
            value: v,
            label: Label::Text(bound_name),
            upper_bound: true,
        };
        self.assess_reading(element, code_measure, &reading, &Limits::at_least(min))
    }

    /// Applies `limits` to a reading of `what` (the dimension the code
    /// measures, "riser height"): a missing reading is not-assessable
    /// (`no riser height in the model (<where the pack looked>)`), anything
    /// else as [`RuleDef::assess_reading`].
    pub fn assess(
        &self,
        element: &str,
        what: &str,
        reading: &Result<Reading<'_, f64>, Missing<'_>>,
        limits: &Limits,
    ) -> Finding {
        match reading {
            Ok(r) => self.assess_reading(element, what, r, limits),
            Err(missing) => {
                let mut m = String::with_capacity(96);
                let _ = write!(m, "no {what} in the model ({missing})");
                self.not_assessable(element, m)
            }
        }
    }

    /// Applies `limits` to a value read from the model and words the
    /// finding; `measured` and `limit` are set. For a measured value
    /// (`Style::STANDARD`):
    ///
    /// * `riser height 190 mm (7.48 in) > 177.8 mm (7 in) maximum; from IfcStairFlight.RiserHeight`
    /// * in a warning band: `tread depth 260 mm (10.24 in) < 279.4 mm (11 in) minimum
    ///   but ≥ 254 mm (10 in): <condition>; from …`
    /// * `riser height 170 mm (6.69 in) within 101.6 mm (4 in) – 177.8 mm (7 in); from …`
    ///
    /// An upper bound ([`Reading::upper_bound`]) leads with its source and
    /// never passes: below the minimum is a violation ("…, so the clear width
    /// (never more than the IfcDoor.OverallWidth) is below it"), at or above
    /// it not-assessable ("… is only an upper bound of the clear width; the
    /// clear width (≥ 812.8 mm (32 in) required) is not in the model; <hint>").
    pub fn assess_reading(
        &self,
        element: &str,
        what: &str,
        r: &Reading<'_, f64>,
        limits: &Limits,
    ) -> Finding {
        let (outcome, message) = limits.word(what, r);
        self.finding(outcome, element, message)
            .measured(Measure::length_m(r.value))
            .limit(limits.to_limit())
    }
}

/// How [`Limits`] word a measured value's source and a pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    /// Where the source of a measured value goes.
    pub cite: Cite,
    /// Whether a pass against one bound names it (`≥ 254 mm (10 in) minimum`
    /// rather than `≥ 254 mm (10 in)`).
    pub pass_names_bound: bool,
}

impl Style {
    /// `…; from IfcStairFlight.RiserHeight`, passes as `≥ 254 mm (10 in)`.
    pub const STANDARD: Style = Style {
        cite: Cite::Semicolon,
        pass_names_bound: false,
    };
    /// No source ([`RuleDef::check_length`]).
    pub const PLAIN: Style = Style {
        cite: Cite::None,
        pass_names_bound: false,
    };
}

impl Default for Style {
    fn default() -> Self {
        Style::STANDARD
    }
}

/// Where a message names the source of a measured value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cite {
    /// Not at all.
    None,
    /// `…; from <source>`.
    Semicolon,
    /// `… (from <source>)`.
    Parenthesised,
}

/// A warning band: values between the code's limit and `bound` comply only
/// under `condition`, which the model does not express (an occupant load
/// under 50, a dwelling unit …).
#[derive(Debug, Clone, PartialEq)]
pub struct Band {
    /// How far the condition reaches: the lowest value it allows below the
    /// minimum (or the highest above the maximum); `None` = any value.
    pub bound: Option<CodeLength>,
    /// Names the exception for violation messages ("§1011.5.2 exception 3").
    pub name: &'static str,
    /// The condition, as the warning states it.
    pub condition: Cow<'static, str>,
}

/// What a rule compares a length against: a minimum and/or maximum in the
/// code's unit, with warning bands (docs/rulepacks/README.md, "Outcomes").
/// Build one per rule and check, not per element.
///
/// ```
/// use plancheck_sdk::rules::Limits;
/// use plancheck_sdk::units::CodeLength;
/// let corridor = Limits::at_least(CodeLength::inches(44.0)).band_below(
///     Some(CodeLength::inches(36.0)),
///     "Table 1020.3 for an occupant load under 50",
///     "complies only where the corridor's occupant load is less than 50",
/// );
/// # let _ = corridor;
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
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
    /// How messages are worded.
    pub style: Style,
}

impl Limits {
    /// At least `min`.
    pub fn at_least(min: CodeLength) -> Self {
        Limits {
            min: Some(min),
            ..Default::default()
        }
    }

    /// At most `max`.
    pub fn at_most(max: CodeLength) -> Self {
        Limits {
            max: Some(max),
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

    /// Adds a warning band below the minimum (call highest bound first):
    /// values from `bound` (any value, if `None`) up to the minimum are a
    /// warning stating `condition`; `name` names the exception when a value
    /// fails even that.
    pub fn band_below(
        mut self,
        bound: Option<CodeLength>,
        name: &'static str,
        condition: impl Into<Cow<'static, str>>,
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
        condition: impl Into<Cow<'static, str>>,
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

    /// The message style.
    pub fn style(mut self, style: Style) -> Self {
        self.style = style;
        self
    }

    /// The minimum and maximum.
    pub fn length_limit(&self) -> LengthLimit {
        LengthLimit {
            min: self.min,
            max: self.max,
        }
    }

    /// The contract's limit record (minimum and maximum, in metres).
    pub fn to_limit(&self) -> Limit {
        self.length_limit().to_limit()
    }

    /// The outcome for `r` and its message; see [`RuleDef::assess_reading`].
    fn word(&self, what: &str, r: &Reading<'_, f64>) -> (Outcome, String) {
        let v = r.value;
        let shown = CodeLength::measured(v, self.length_limit().unit());
        let label = r.label;
        let mut m = String::with_capacity(160);
        // A measured value: "<what> <value> <comparison>; from <source>".
        // An upper bound: "<source> <value> <comparison>" (the source leads).
        if r.upper_bound {
            let _ = write!(m, "{label} {shown}");
        } else {
            let _ = write!(m, "{what} {shown}");
        }
        let cite = |m: &mut String| {
            if !r.upper_bound {
                let _ = match self.style.cite {
                    Cite::None => Ok(()),
                    Cite::Semicolon => write!(m, "; from {label}"),
                    Cite::Parenthesised => write!(m, " (from {label})"),
                };
            }
        };
        // "< 279.4 mm (11 in) minimum but ≥ 254 mm (10 in): <condition>"
        let warn = |mut m: String, cmp: &str, limit: CodeLength, word: &str, band: &Band, rel| {
            let _ = write!(m, " {cmp} {limit} {word}");
            if let Some(b) = band.bound {
                let _ = write!(m, " but {rel} {b}");
            }
            if r.upper_bound {
                let _ = write!(m, " (an upper bound of the {what})");
            }
            let _ = write!(m, ": {}", band.condition);
            cite(&mut m);
            (Outcome::Warning, m)
        };

        if let Some(min) = self.min.filter(|m| !ge(v, m.si)) {
            if let Some(b) = self
                .below
                .iter()
                .find(|b| b.bound.is_none_or(|x| ge(v, x.si)))
            {
                return warn(m, "<", min, "minimum", b, "≥");
            }
            let _ = write!(m, " < {min} minimum");
            if let Some((x, name)) = self
                .below
                .iter()
                .filter_map(|b| b.bound.map(|x| (x, b.name)))
                .next_back()
            {
                let _ = write!(m, ", and < {x}, the minimum under {name}");
            }
            if r.upper_bound {
                let _ = write!(
                    m,
                    ", so the {what} (never more than the {label}) is below it"
                );
            }
            cite(&mut m);
            return (Outcome::Violation, m);
        }
        if let Some(max) = self.max.filter(|m| !le(v, m.si)) {
            if let Some(b) = self
                .above
                .iter()
                .find(|b| b.bound.is_none_or(|x| le(v, x.si)))
            {
                return warn(m, ">", max, "maximum", b, "≤");
            }
            let _ = write!(m, " > {max} maximum");
            if let Some((x, name)) = self
                .above
                .iter()
                .filter_map(|b| b.bound.map(|x| (x, b.name)))
                .next_back()
            {
                let _ = write!(m, ", and > {x}, the maximum under {name}");
            }
            cite(&mut m);
            return (Outcome::Violation, m);
        }
        if r.upper_bound {
            // Upper bounds are only read against a minimum (door and corridor
            // widths, door and ceiling heights): within it, never a pass.
            let _ = write!(m, " is only an upper bound of the {what}; the {what} (≥ ");
            if let Some(min) = self.min {
                let _ = write!(m, "{min}");
            }
            let _ = write!(m, " required) is not in the model");
            if !self.hint.is_empty() {
                let _ = write!(m, "; {}", self.hint);
            }
            return (Outcome::NotAssessable, m);
        }
        let (min_word, max_word) = if self.style.pass_names_bound {
            (" minimum", " maximum")
        } else {
            ("", "")
        };
        let _ = match (self.min, self.max) {
            (Some(min), Some(max)) => write!(m, " within {min} – {max}"),
            (Some(min), None) => write!(m, " ≥ {min}{min_word}"),
            (None, Some(max)) => write!(m, " ≤ {max}{max_word}"),
            (None, None) => Ok(()),
        };
        cite(&mut m);
        (Outcome::Pass, m)
    }
}

/// A length limit in the code's unit: at least `min`, at most `max`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LengthLimit {
    /// Minimum (inclusive).
    pub min: Option<CodeLength>,
    /// Maximum (inclusive).
    pub max: Option<CodeLength>,
}

impl LengthLimit {
    /// At least `min`.
    pub const fn at_least(min: CodeLength) -> Self {
        LengthLimit {
            min: Some(min),
            max: None,
        }
    }
    /// At most `max`.
    pub const fn at_most(max: CodeLength) -> Self {
        LengthLimit {
            min: None,
            max: Some(max),
        }
    }
    /// Between `min` and `max`.
    pub const fn between(min: CodeLength, max: CodeLength) -> Self {
        LengthLimit {
            min: Some(min),
            max: Some(max),
        }
    }
    /// The unit to print measured values in.
    pub fn unit(&self) -> crate::units::CodeUnit {
        self.min
            .or(self.max)
            .map_or(crate::units::CodeUnit::Millimetre, |l| l.unit)
    }
    /// The contract's limit record.
    pub fn to_limit(&self) -> Limit {
        Limit {
            min: self.min.map(|l| Measure::length_m(l.si)),
            max: self.max.map(|l| Measure::length_m(l.si)),
        }
    }
}

/// Builder methods on [`Finding`].
pub trait FindingExt {
    /// Sets the measured value.
    fn measured(self, m: Measure) -> Self;
    /// Sets the limit.
    fn limit(self, l: Limit) -> Self;
    /// Adds another element GlobalId.
    fn and_element(self, id: &str) -> Self;
}

impl FindingExt for Finding {
    fn measured(mut self, m: Measure) -> Self {
        self.measured = Some(m);
        self
    }
    fn limit(mut self, l: Limit) -> Self {
        self.limit = Some(l);
        self
    }
    fn and_element(mut self, id: &str) -> Self {
        self.elements.push(id.into());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const R: RuleDef = RuleDef {
        id: "stair-riser-height",
        title: "Stair riser height",
        code: "IBC",
        edition: "2021",
        section: "1011.5.2",
    };

    #[test]
    fn length_outcomes() {
        let lim = LengthLimit::between(CodeLength::inches(4.0), CodeLength::inches(7.0));
        let f = R.check_length("g", "riser height", Some(0.190), lim, "");
        assert_eq!(f.outcome, Outcome::Violation);
        assert_eq!(
            f.message,
            "riser height 190 mm (7.48 in) > 177.8 mm (7 in) maximum"
        );
        assert_eq!(
            R.check_length("g", "r", Some(0.1778), lim, "").outcome,
            Outcome::Pass
        );
        assert_eq!(
            R.check_length("g", "r", Some(0.09), lim, "").outcome,
            Outcome::Violation
        );
        let na = R.check_length("g", "riser height", None, lim, "looked in RiserHeight");
        assert_eq!(na.outcome, Outcome::NotAssessable);
        assert!(na.message.contains("looked in RiserHeight"));
    }

    #[test]
    fn upper_bounds_never_pass() {
        let min = CodeLength::inches(32.0);
        assert_eq!(
            R.check_upper_bound("d", "overall width", "clear width", Some(1.0), min, "")
                .outcome,
            Outcome::NotAssessable
        );
        assert_eq!(
            R.check_upper_bound("d", "overall width", "clear width", Some(0.7), min, "")
                .outcome,
            Outcome::Violation
        );
    }
}
