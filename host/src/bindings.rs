//! Host-side bindings of the contract and the conversions between them and
//! [`plancheck_model`] types.
//!
//! The host serves every contract minor it supports (Zed's extension-API
//! model): [`v0_2`] is generated from `wit/plancheck.wit`
//! (`plancheck:plugin@0.2.0`, what the SDK builds), [`v0_1`] from the frozen
//! `wit/v0.1.0/plancheck.wit`, so packs built for 0.1.0 (a jurisdiction's
//! signed pack cannot just be rebuilt) keep loading. Both share one
//! implementation, written once in `contract_impl!`; 0.2.0 adds the
//! instance graph.

use std::sync::Arc;

use plancheck_model as pm;

/// What a `building-model` resource handle points at in a store's table.
pub type ModelHandle = Arc<pm::Model>;

/// The newest contract version this host implements (what the SDK targets).
pub const CONTRACT: &str = "0.2.0";

/// Every contract version this host serves, oldest first.
pub const CONTRACTS: &[&str] = &["0.1.0", "0.2.0"];

/// The supported versions for messages: `0.1.0, 0.2.0`.
pub fn supported() -> String {
    CONTRACTS.join(", ")
}

/// Host trait impls and wire conversions for one contract version; the
/// generated module `plancheck` must be in scope. Extra `building-model`
/// methods (those a minor added) are passed in.
macro_rules! contract_impl {
    ($($extra:tt)*) => {
        use wasmtime::component::Resource;
        use plancheck_model as pm;
        use crate::sandbox::CallState;
        use super::ModelHandle;

        /// The wire types of this version.
        pub use plancheck::plugin::types as wt;

        impl plancheck::plugin::types::Host for CallState {}
        impl plancheck::plugin::model::Host for CallState {}

        impl plancheck::plugin::host::Host for CallState {
            fn log(
                &mut self,
                level: plancheck::plugin::host::Level,
                message: String,
            ) -> wasmtime::Result<()> {
                use plancheck::plugin::host::Level;
                let level = match level {
                    Level::Debug => "debug",
                    Level::Info => "info",
                    Level::Warn => "warn",
                    Level::Error => "error",
                };
                self.push_log(level, message);
                Ok(())
            }
        }

        impl plancheck::plugin::model::HostBuildingModel for CallState {

    fn schema(&mut self, m: Resource<ModelHandle>) -> wasmtime::Result<String> {
        Ok(self.model(&m)?.schema().to_string())
    }

    fn storeys(&mut self, m: Resource<ModelHandle>) -> wasmtime::Result<Vec<wt::Storey>> {
        Ok(self
            .model(&m)?
            .storeys()
            .iter()
            .map(|s| wt::Storey {
                id: s.id.clone(),
                name: s.name.clone(),
                elevation: s.elevation,
            })
            .collect())
    }

    fn count(&mut self, m: Resource<ModelHandle>, class: String) -> wasmtime::Result<u32> {
        Ok(self.model(&m)?.count(&class))
    }

    fn query(
        &mut self,
        m: Resource<ModelHandle>,
        q: wt::Query,
    ) -> wasmtime::Result<Vec<wt::Element>> {
        let q = pm::Query {
            class: q.class,
            storey: q.storey,
            attributes: q.attributes,
            properties: q
                .properties
                .into_iter()
                .map(|p| pm::PropertyRef {
                    set: p.set,
                    name: p.name,
                })
                .collect(),
        };
        Ok(self
            .model(&m)?
            .query(&q)
            .into_iter()
            .map(|r| wt::Element {
                id: r.id,
                class: r.class,
                name: r.name,
                object_type: r.object_type,
                predefined_type: r.predefined_type,
                storey: r.storey,
                space: r.space,
                attributes: r.attributes.into_iter().map(|v| v.map(value_out)).collect(),
                properties: r.properties.into_iter().map(|v| v.map(value_out)).collect(),
            })
            .collect())
    }

    fn get(
        &mut self,
        m: Resource<ModelHandle>,
        id: String,
    ) -> wasmtime::Result<Option<wt::ElementDetail>> {
        Ok(self.model(&m)?.get(&id).map(|e| wt::ElementDetail {
            id: e.id.clone(),
            class: e.class.clone(),
            name: e.name.clone(),
            description: e.description.clone(),
            object_type: e.object_type.clone(),
            predefined_type: e.predefined_type.clone(),
            storey: e.storey.clone(),
            space: e.space.clone(),
            attributes: e
                .attributes
                .iter()
                .map(|a| wt::Attribute {
                    name: a.name.clone(),
                    value: value_out(a.value.clone()),
                    data_type: a.data_type.clone(),
                })
                .collect(),
            property_sets: e
                .property_sets
                .iter()
                .map(|s| wt::PropertySet {
                    name: s.name.clone(),
                    kind: match s.kind {
                        pm::SetKind::PropertySet => wt::SetKind::PropertySet,
                        pm::SetKind::QuantitySet => wt::SetKind::QuantitySet,
                    },
                    properties: s
                        .properties
                        .iter()
                        .map(|p| wt::Property {
                            name: p.name.clone(),
                            value: value_out(p.value.clone()),
                            data_type: p.data_type.clone(),
                        })
                        .collect(),
                })
                .collect(),
        }))
    }

    fn drop(&mut self, m: Resource<ModelHandle>) -> wasmtime::Result<()> {
        self.table.delete(m)?;
        Ok(())
    }

            $($extra)*
        }

fn kind_out(k: pm::MeasureKind) -> wt::MeasureKind {
    use pm::MeasureKind as K;
    match k {
        K::Length => wt::MeasureKind::Length,
        K::Area => wt::MeasureKind::Area,
        K::Volume => wt::MeasureKind::Volume,
        K::PlaneAngle => wt::MeasureKind::PlaneAngle,
        K::Mass => wt::MeasureKind::Mass,
        K::Time => wt::MeasureKind::Time,
        K::Count => wt::MeasureKind::Count,
        K::Ratio => wt::MeasureKind::Ratio,
        K::Other => wt::MeasureKind::Other,
    }
}

fn kind_in(k: wt::MeasureKind) -> pm::MeasureKind {
    use pm::MeasureKind as K;
    match k {
        wt::MeasureKind::Length => K::Length,
        wt::MeasureKind::Area => K::Area,
        wt::MeasureKind::Volume => K::Volume,
        wt::MeasureKind::PlaneAngle => K::PlaneAngle,
        wt::MeasureKind::Mass => K::Mass,
        wt::MeasureKind::Time => K::Time,
        wt::MeasureKind::Count => K::Count,
        wt::MeasureKind::Ratio => K::Ratio,
        wt::MeasureKind::Other => K::Other,
    }
}

fn value_out(v: pm::Value) -> wt::Value {
    match v {
        pm::Value::Text(s) => wt::Value::Text(s),
        pm::Value::Integer(i) => wt::Value::Integer(i),
        pm::Value::Real(r) => wt::Value::Real(r),
        pm::Value::Boolean(b) => wt::Value::Boolean(b),
        pm::Value::Unknown => wt::Value::Unknown,
        pm::Value::Measure(m) => wt::Value::Measure(wt::Measure {
            kind: kind_out(m.kind),
            si: m.si,
        }),
    }
}

fn measure_in(m: wt::Measure) -> pm::Measure {
    pm::Measure {
        kind: kind_in(m.kind),
        si: m.si,
    }
}

fn citation_in(c: wt::Citation) -> pm::Citation {
    pm::Citation {
        code: c.code,
        edition: c.edition,
        section: c.section,
    }
}

/// Converts a manifest from the wire.
pub fn manifest_in(m: wt::PackManifest) -> pm::Manifest {
    pm::Manifest {
        id: m.id,
        name: m.name,
        jurisdiction: m.jurisdiction,
        code: m.code,
        edition: m.edition,
        version: m.version,
        contract: m.contract,
        rules: m
            .rules
            .into_iter()
            .map(|r| pm::RuleInfo {
                id: r.id,
                title: r.title,
                citation: citation_in(r.citation),
            })
            .collect(),
    }
}

/// Converts a finding from the wire. A finding without a citation takes its
/// rule's citation from the manifest (`citations`); a finding for a rule the
/// manifest does not declare is refused (reports join findings to rules).
pub fn finding_in(
    f: wt::Finding,
    citations: &std::collections::HashMap<String, pm::Citation>,
) -> Result<pm::Finding, String> {
    let Some(declared) = citations.get(&f.rule) else {
        return Err(format!(
            "returned a finding for rule `{}`, which its manifest does not declare",
            f.rule
        ));
    };
    let citation = match f.citation {
        Some(c) => citation_in(c),
        None => declared.clone(),
    };
    Ok(pm::Finding {
        rule: f.rule,
        citation,
        outcome: match f.outcome {
            wt::Outcome::Violation => pm::Outcome::Violation,
            wt::Outcome::Warning => pm::Outcome::Warning,
            wt::Outcome::NotAssessable => pm::Outcome::NotAssessable,
            wt::Outcome::Pass => pm::Outcome::Pass,
        },
        elements: f.elements,
        message: f.message,
        measured: f.measured.map(measure_in),
        limit: f.limit.map(|l| pm::Limit {
            min: l.min.map(measure_in),
            max: l.max.map(measure_in),
        }),
    })
}

/// Converts check options to the wire.
pub fn options_out(o: &pm::CheckOptions) -> wt::CheckOptions {
    wt::CheckOptions {
        rules: o.rules.clone(),
        parameters: o.parameters.clone(),
    }
}

/// Converts a pack error from the wire.
pub fn pack_error_in(e: wt::PackError) -> pm::PackError {
    match e {
        wt::PackError::InvalidOption(m) => pm::PackError::InvalidOption(m),
        wt::PackError::Failed(m) => pm::PackError::Failed(m),
    }
}

    };
}

/// Contract 0.1.0, as it shipped (`wit/v0.1.0/plancheck.wit`).
#[allow(missing_docs)]
pub mod v0_1 {
    mod generated {
        pub use super::super::ModelHandle;
        wasmtime::component::bindgen!({
            path: "../wit/v0.1.0",
            world: "rule-pack",
            imports: { default: trappable },
            with: {
                "plancheck:plugin/model.building-model": ModelHandle,
            },
        });
    }
    pub use generated::{exports, plancheck, RulePack, RulePackIndices, RulePackPre};

    contract_impl!();
}

/// Contract 0.2.0 (`wit/plancheck.wit`): 0.1.0 plus the instance graph.
#[allow(missing_docs)]
pub mod v0_2 {
    mod generated {
        pub use super::super::ModelHandle;
        wasmtime::component::bindgen!({
            path: "../wit",
            world: "rule-pack",
            imports: { default: trappable },
            with: {
                "plancheck:plugin/model.building-model": ModelHandle,
            },
        });
    }
    pub use generated::{exports, plancheck, RulePack, RulePackIndices, RulePackPre};

    contract_impl! {
        fn instances_of(
            &mut self,
            m: Resource<ModelHandle>,
            class: String,
        ) -> wasmtime::Result<Vec<u32>> {
            Ok(self
                .model(&m)?
                .graph()
                .map(|g| g.instances_of(&class))
                .unwrap_or_default())
        }

        fn instances(
            &mut self,
            m: Resource<ModelHandle>,
            ids: Vec<u32>,
        ) -> wasmtime::Result<Vec<Option<wt::Instance>>> {
            let model = self.model(&m)?;
            let Some(g) = model.graph() else {
                return Ok(vec![None; ids.len()]);
            };
            Ok(g.instances(&ids)
                .into_iter()
                .map(|i| i.map(instance_out))
                .collect())
        }

        fn referencing(
            &mut self,
            m: Resource<ModelHandle>,
            ids: Vec<u32>,
        ) -> wasmtime::Result<Vec<Vec<u32>>> {
            let model = self.model(&m)?;
            Ok(match model.graph() {
                Some(g) => g.referencing(&ids),
                None => vec![Vec::new(); ids.len()],
            })
        }

        fn entity_class(
            &mut self,
            m: Resource<ModelHandle>,
            name: String,
        ) -> wasmtime::Result<Option<wt::EntityClass>> {
            Ok(self
                .model(&m)?
                .graph()
                .and_then(|g| g.entity_class(&name))
                .map(|c| wt::EntityClass {
                    name: c.name,
                    supertypes: c.supertypes,
                    attributes: c.attributes,
                    is_abstract: c.is_abstract,
                }))
        }

        fn unit_scale(
            &mut self,
            m: Resource<ModelHandle>,
            measure_type: String,
        ) -> wasmtime::Result<Option<f64>> {
            Ok(match self.model(&m)?.graph() {
                Some(g) => g.unit_scale(&measure_type),
                None => Some(1.0),
            })
        }
    }

    fn atom_out(a: pm::StepAtom) -> wt::StepAtom {
        use pm::StepAtom as A;
        match a {
            A::Null => wt::StepAtom::Null,
            A::Derived => wt::StepAtom::Derived,
            A::Text(s) => wt::StepAtom::Text(s),
            A::Integer(i) => wt::StepAtom::Integer(i),
            A::Real(r) => wt::StepAtom::Real(r),
            A::Boolean(b) => wt::StepAtom::Boolean(b),
            A::Unknown => wt::StepAtom::Unknown,
            A::Enum(s) => wt::StepAtom::Enumeration(s),
            A::Binary(s) => wt::StepAtom::Binary(s),
            A::Ref(r) => wt::StepAtom::Reference(r),
            A::Nested => wt::StepAtom::Nested,
        }
    }

    fn scalar_out(s: pm::StepScalar) -> wt::StepScalar {
        wt::StepScalar {
            type_name: s.type_name,
            atom: atom_out(s.atom),
        }
    }

    fn instance_out(i: pm::Instance) -> wt::Instance {
        wt::Instance {
            id: i.id,
            class: i.class,
            attributes: i
                .attributes
                .into_iter()
                .map(|v| match v {
                    pm::StepValue::Single(s) => wt::StepValue::Single(scalar_out(s)),
                    pm::StepValue::List(l) => {
                        wt::StepValue::List(l.into_iter().map(scalar_out).collect())
                    }
                })
                .collect(),
        }
    }
}
