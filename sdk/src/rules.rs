//! Rule definitions and finding builders.

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
        let shown = CodeLength::measured(v, limit.unit());
        let (outcome, message) = match (limit.min, limit.max) {
            (Some(min), _) if !ge(v, min.si) => (
                Outcome::Violation,
                format!("{what} {shown} < {min} minimum"),
            ),
            (_, Some(max)) if !le(v, max.si) => (
                Outcome::Violation,
                format!("{what} {shown} > {max} maximum"),
            ),
            (Some(min), Some(max)) => (
                Outcome::Pass,
                format!("{what} {shown} within {min} – {max}"),
            ),
            (Some(min), None) => (Outcome::Pass, format!("{what} {shown} ≥ {min}")),
            (None, Some(max)) => (Outcome::Pass, format!("{what} {shown} ≤ {max}")),
            (None, None) => (Outcome::Pass, format!("{what} {shown}")),
        };
        self.finding(outcome, element, message)
            .measured(Measure::length_m(v))
            .limit(limit.to_limit())
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
        let shown = CodeLength::measured(v, min.unit);
        let limit = LengthLimit::at_least(min);
        let f = if ge(v, min.si) {
            self.not_assessable(
                element,
                format!(
                    "{bound_name} {shown} is only an upper bound of the {code_measure}; \
                     the {code_measure} (≥ {min} required) is not in the model"
                ),
            )
        } else {
            self.finding(
                Outcome::Violation,
                element,
                format!(
                    "{bound_name} {shown} < {min} minimum, so the {code_measure} \
                     (never more than the {bound_name}) is below it"
                ),
            )
        };
        f.measured(Measure::length_m(v)).limit(limit.to_limit())
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
