//! Findings, citations and manifests.

use serde::{Deserialize, Serialize};
use std::fmt;

use crate::Measure;

/// An exact code citation.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Citation {
    /// The code, e.g. `IBC`, `IRC`, `Approved Document K`.
    pub code: String,
    /// Its edition, e.g. `2021`, `2013`.
    pub edition: String,
    /// The section, table or paragraph, e.g. `1011.5.2`, `Table 1.1`.
    pub section: String,
}

impl Citation {
    /// Builds a citation.
    pub fn new(code: &str, edition: &str, section: &str) -> Self {
        Citation {
            code: code.into(),
            edition: edition.into(),
            section: section.into(),
        }
    }
}

impl fmt::Display for Citation {
    /// `IBC 2021 §1011.5.2`; sections that are tables, paragraphs or
    /// diagrams are printed as they are (`ADK 2013 Table 1.1`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.section;
        let starts_with_word = s.chars().next().is_some_and(|c| c.is_alphabetic());
        if starts_with_word {
            write!(f, "{} {} {}", self.code, self.edition, s)
        } else {
            write!(f, "{} {} §{}", self.code, self.edition, s)
        }
    }
}

/// The result of a rule on an element.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Does not meet the requirement.
    Violation,
    /// Probably does not, or needs review.
    Warning,
    /// The model lacks the data the rule needs.
    NotAssessable,
    /// Measured and compliant.
    Pass,
}

impl Outcome {
    /// The kebab-case name used in JSON and tables.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Violation => "violation",
            Outcome::Warning => "warning",
            Outcome::NotAssessable => "not-assessable",
            Outcome::Pass => "pass",
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A required limit: at least `min`, at most `max`, or both.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
pub struct Limit {
    /// Lower bound (inclusive).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub min: Option<Measure>,
    /// Upper bound (inclusive).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub max: Option<Measure>,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Rule id from the manifest.
    pub rule: String,
    /// Exact citation.
    pub citation: Citation,
    /// Outcome.
    pub outcome: Outcome,
    /// GlobalIds of the elements concerned.
    pub elements: Vec<String>,
    /// Human-readable message.
    pub message: String,
    /// The measured value, SI.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub measured: Option<Measure>,
    /// The required limit, SI.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub limit: Option<Limit>,
}

/// A rule a pack implements.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleInfo {
    /// Rule id, unique within the pack.
    pub id: String,
    /// Short title.
    pub title: String,
    /// Exact citation.
    pub citation: Citation,
}

/// Describes a rule pack.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Stable id, e.g. `us-ibc-2021`.
    pub id: String,
    /// Display name.
    pub name: String,
    /// ISO 3166 jurisdiction code (`US`, `GB-ENG`).
    pub jurisdiction: String,
    /// The code, e.g. `IBC`.
    pub code: String,
    /// The code's edition.
    pub edition: String,
    /// The pack's own version.
    pub version: String,
    /// Contract version targeted, e.g. `0.1.0`.
    pub contract: String,
    /// Rules.
    pub rules: Vec<RuleInfo>,
}

/// Options for one check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct CheckOptions {
    /// Rule ids to run; empty runs all.
    #[serde(default)]
    pub rules: Vec<String>,
    /// Pack-specific parameters.
    #[serde(default)]
    pub parameters: Vec<(String, String)>,
}

impl CheckOptions {
    /// Whether `rule` is selected.
    pub fn runs(&self, rule: &str) -> bool {
        self.rules.is_empty() || self.rules.iter().any(|r| r == rule)
    }

    /// A parameter by name.
    pub fn parameter(&self, name: &str) -> Option<&str> {
        self.parameters
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Why a pack could not check at all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "message", rename_all = "kebab-case")]
pub enum PackError {
    /// A parameter or rule id the pack does not accept.
    InvalidOption(String),
    /// Anything else.
    Failed(String),
}

impl fmt::Display for PackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PackError::InvalidOption(m) => write!(f, "invalid option: {m}"),
            PackError::Failed(m) => write!(f, "{m}"),
        }
    }
}

impl std::error::Error for PackError {}
