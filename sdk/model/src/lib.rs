//! The Plancheck building model and finding types.
//!
//! These are the Rust mirror of `wit/plancheck.wit` (`plancheck:plugin@0.2.0`).
//! The host builds a [`Model`] from IFC or JSON input and answers packs'
//! queries from it; the SDK uses the same types so a pack's rules run
//! unchanged natively (tests, benchmarks) and inside the sandbox.
//!
//! Everything is SI: lengths in metres, areas in m², angles in radians.

#![warn(missing_docs)]

mod findings;
mod graph;
mod model;
mod value;

pub use findings::{
    CheckOptions, Citation, Finding, Limit, Manifest, Outcome, PackError, RuleInfo,
};
pub use graph::{EntityClass, Instance, InstanceGraph, StepAtom, StepScalar, StepValue};
pub use model::{Element, Model, ModelBuildError, ModelData, PropertyRef, Query, Row, Storey};
pub use value::{Attribute, Measure, MeasureKind, Property, PropertySet, SetKind, Value};

/// The contract version these types mirror.
pub const CONTRACT_VERSION: &str = "0.2.0";
