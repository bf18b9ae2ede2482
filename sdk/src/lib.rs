//! The Plancheck plugin SDK: everything a rule-pack author depends on.
//!
//! A pack implements [`RulePack`] and exports it with [`export_pack!`]:
//!
//! ```ignore
//! use plancheck_sdk::prelude::*;
//!
//! const RISER: RuleDef = RuleDef { id: "stair-riser-height", title: "Stair riser height",
//!     code: "IBC", edition: "2021", section: "1011.5.2" };
//!
//! pub struct Pack;
//! impl RulePack for Pack {
//!     fn manifest() -> Manifest { /* id, jurisdiction, code, edition, rules */ }
//!     fn check(model: &dyn ModelView, options: &CheckOptions) -> Result<Vec<Finding>, PackError> {
//!         /* query the model, return findings */
//!     }
//! }
//! plancheck_sdk::export_pack!(Pack);
//! ```
//!
//! Besides the model types, the SDK has:
//!
//! * [`select`] — one batched query per element class;
//! * [`read`] — values in the specification's priority order, skipping
//!   unusable ones (zero lengths, wrong kinds), with provenance;
//! * [`rules`] — rule definitions, limits with warning bands, findings;
//! * [`units`] — exact code units, millimetres to 2 decimals, angles;
//! * [`text`] — whole-word keyword matching on names, list joining;
//! * [`params`] — declared, validated pack parameters;
//! * [`maths`] — bit-reproducible `atan` / `atan2` (native == component).
//!
//! The same code runs natively (unit tests, the `testing` harness,
//! benchmarks) against a [`Model`], and inside the host's sandbox as a
//! `wasm32-wasip2` component, where [`ModelView`] calls go to the host.
//! See `docs/writing-a-rule-pack.md`.

#![warn(missing_docs)]

pub use plancheck_model::{
    Attribute, CheckOptions, Citation, Element, Finding, Limit, Manifest, Measure, MeasureKind,
    Model, Outcome, PackError, Property, PropertyRef, PropertySet, Query, Row, RuleInfo, SetKind,
    Storey, Value, CONTRACT_VERSION,
};
pub use plancheck_model::{EntityClass, Instance, StepAtom, StepScalar, StepValue};

pub mod maths;
pub mod params;
pub mod read;
pub mod rules;
pub mod select;
pub mod text;
pub mod units;

#[cfg(feature = "testing")]
pub mod testing;

#[cfg(target_arch = "wasm32")]
#[doc(hidden)]
pub mod guest;

/// Everything a pack usually needs, in one import.
pub mod prelude {
    pub use crate::params::{Param, Params};
    pub use crate::read::{bound, src, Chain, Missing, Reading};
    pub use crate::rules::{FindingExt, LengthLimit, Limits, RuleDef};
    pub use crate::select::{attr, describe, prop, Item, Select, Source};
    pub use crate::units::{ft, inch, mm, Angle, CodeLength, CodeUnit};
    pub use crate::{
        CheckOptions, Citation, Finding, Manifest, Measure, ModelView, Outcome, PackError,
        RuleInfo, RulePack, CONTRACT_VERSION,
    };
}

/// Read access to a building model. Natively a [`Model`] implements it; in
/// the sandbox the host's model resource does.
pub trait ModelView {
    /// The IFC schema (`IFC4`, `IFC2X3`, ...).
    fn schema(&self) -> String;
    /// Storeys, bottom to top where known.
    fn storeys(&self) -> Vec<Storey>;
    /// How many elements of `class`, subtypes included.
    fn count(&self, class: &str) -> u32;
    /// A batched query (see [`select::Select`] for the friendly form).
    fn query(&self, q: &Query) -> Vec<Row>;
    /// Everything about one element.
    fn get(&self, id: &str) -> Option<Element>;

    /// The source file's instance graph (contract 0.2.0; see
    /// [`plancheck_model::InstanceGraph`]): every instance of `class` (any
    /// entity, subtypes included). Empty for models without a graph (JSON).
    fn instances_of(&self, class: &str) -> Vec<u32> {
        let _ = class;
        Vec::new()
    }
    /// The instances with these numbers, same order.
    fn instances(&self, ids: &[u32]) -> Vec<Option<Instance>> {
        vec![None; ids.len()]
    }
    /// For each id, the instances referencing it (inverse relationships).
    fn referencing(&self, ids: &[u32]) -> Vec<Vec<u32>> {
        vec![Vec::new(); ids.len()]
    }
    /// What the model's schema says about an entity (any case).
    fn entity_class(&self, name: &str) -> Option<EntityClass> {
        let _ = name;
        None
    }
    /// Factor taking a value of `measure_type` in the project's units to SI.
    fn unit_scale(&self, measure_type: &str) -> Option<f64> {
        let _ = measure_type;
        Some(1.0)
    }
}

impl ModelView for Model {
    fn schema(&self) -> String {
        Model::schema(self).to_string()
    }
    fn storeys(&self) -> Vec<Storey> {
        Model::storeys(self).to_vec()
    }
    fn count(&self, class: &str) -> u32 {
        Model::count(self, class)
    }
    fn query(&self, q: &Query) -> Vec<Row> {
        Model::query(self, q)
    }
    fn get(&self, id: &str) -> Option<Element> {
        Model::get(self, id).cloned()
    }
    fn instances_of(&self, class: &str) -> Vec<u32> {
        self.graph()
            .map(|g| g.instances_of(class))
            .unwrap_or_default()
    }
    fn instances(&self, ids: &[u32]) -> Vec<Option<Instance>> {
        match self.graph() {
            Some(g) => g.instances(ids),
            None => vec![None; ids.len()],
        }
    }
    fn referencing(&self, ids: &[u32]) -> Vec<Vec<u32>> {
        match self.graph() {
            Some(g) => g.referencing(ids),
            None => vec![Vec::new(); ids.len()],
        }
    }
    fn entity_class(&self, name: &str) -> Option<EntityClass> {
        self.graph().and_then(|g| g.entity_class(name))
    }
    fn unit_scale(&self, measure_type: &str) -> Option<f64> {
        match self.graph() {
            Some(g) => g.unit_scale(measure_type),
            None => Some(1.0),
        }
    }
}

/// A rule pack.
pub trait RulePack {
    /// The manifest: id, jurisdiction, code, edition, version, rules.
    /// Set `contract` to [`CONTRACT_VERSION`].
    fn manifest() -> Manifest;

    /// Checks the model. Return `Err` only when the pack cannot check at
    /// all (an unknown parameter, say); missing data is a `not-assessable`
    /// finding, not an error.
    fn check(model: &dyn ModelView, options: &CheckOptions) -> Result<Vec<Finding>, PackError>;

    /// The pack's parameters, for documentation and tools (validate them in
    /// `check` with [`params::Params::parse`]). None by default.
    fn parameters() -> &'static [params::Param] {
        &[]
    }
}

/// Checks that every rule id in `options.rules` is one of `known`; packs call
/// this first so a typo is an error rather than a silent empty result.
pub fn validate_rule_selection(options: &CheckOptions, known: &[&str]) -> Result<(), PackError> {
    for r in &options.rules {
        if !known.contains(&r.as_str()) {
            return Err(PackError::InvalidOption(format!(
                "unknown rule `{r}`; this pack has: {}",
                known.join(", ")
            )));
        }
    }
    Ok(())
}

/// Exports a [`RulePack`] as the `plancheck:plugin/rules` interface of a
/// component. Has no effect outside `wasm32` targets, so the same crate
/// builds natively for tests and benchmarks.
#[macro_export]
macro_rules! export_pack {
    ($pack:ty) => {
        #[cfg(target_arch = "wasm32")]
        const _: () = {
            struct PlancheckExport;
            impl $crate::guest::bindings::exports::plancheck::plugin::rules::Guest for PlancheckExport {
                fn manifest() -> $crate::guest::bindings::plancheck::plugin::types::PackManifest {
                    $crate::guest::manifest::<$pack>()
                }
                fn check(
                    model: &$crate::guest::bindings::plancheck::plugin::model::BuildingModel,
                    options: $crate::guest::bindings::plancheck::plugin::types::CheckOptions,
                ) -> ::core::result::Result<
                    ::std::vec::Vec<$crate::guest::bindings::plancheck::plugin::types::Finding>,
                    $crate::guest::bindings::plancheck::plugin::types::PackError,
                > {
                    $crate::guest::check::<$pack>(model, options)
                }
            }
            $crate::guest::bindings::export!(PlancheckExport with_types_in $crate::guest::bindings);
        };
    };
}
