//! Glue between the contract's generated bindings and the SDK's types
//! (compiled for `wasm32` only). Pack authors never use this directly:
//! [`crate::export_pack!`] does.

#![allow(missing_docs)]

use crate::{ModelView, RulePack};
use bindings::plancheck::plugin::{host, model as wm, types as wt};
use std::sync::Once;

pub mod bindings {
    wit_bindgen::generate!({
        path: "../wit",
        world: "rule-pack",
        pub_export_macro: true,
        default_bindings_module: "plancheck_sdk::guest::bindings",
    });
}

/// Talc instead of dlmalloc (feature `fast-alloc`, on by default): faster
/// for the many small strings a check allocates. Plugins are single-threaded
/// components, so the non-atomic dynamic allocator is the right one.
#[cfg(all(feature = "fast-alloc", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

static PANIC_HOOK: Once = Once::new();

/// Routes panic messages to the host log, so a panicking pack's error names
/// the panic instead of a bare `unreachable` trap.
fn install_panic_hook() {
    PANIC_HOOK.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            host::log(host::Level::Error, &format!("panic: {info}"));
        }));
    });
}

pub fn manifest<P: RulePack>() -> wt::PackManifest {
    install_panic_hook();
    let m = P::manifest();
    wt::PackManifest {
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
            .map(|r| wt::RuleInfo {
                id: r.id,
                title: r.title,
                citation: citation_out(r.citation),
            })
            .collect(),
    }
}

pub fn check<P: RulePack>(
    model: &wm::BuildingModel,
    options: wt::CheckOptions,
) -> Result<Vec<wt::Finding>, wt::PackError> {
    install_panic_hook();
    let options = crate::CheckOptions {
        rules: options.rules,
        parameters: options.parameters,
    };
    let view = Remote(model);
    match P::check(&view, &options) {
        Ok(findings) => {
            // Findings citing their rule's manifest citation send none; the
            // host fills it in (see `finding.citation` in the contract).
            let manifest = P::manifest();
            let cited = |f: &crate::Finding| {
                manifest
                    .rules
                    .iter()
                    .any(|r| r.id == f.rule && r.citation == f.citation)
            };
            Ok(findings
                .into_iter()
                .map(|f| {
                    let omit = cited(&f);
                    finding_out(f, omit)
                })
                .collect())
        }
        Err(crate::PackError::InvalidOption(m)) => Err(wt::PackError::InvalidOption(m)),
        Err(crate::PackError::Failed(m)) => Err(wt::PackError::Failed(m)),
    }
}

/// The host's model, seen through [`ModelView`].
struct Remote<'a>(&'a wm::BuildingModel);

impl ModelView for Remote<'_> {
    fn schema(&self) -> String {
        self.0.schema()
    }
    fn storeys(&self) -> Vec<crate::Storey> {
        self.0
            .storeys()
            .into_iter()
            .map(|s| crate::Storey {
                id: s.id,
                name: s.name,
                elevation: s.elevation,
            })
            .collect()
    }
    fn count(&self, class: &str) -> u32 {
        self.0.count(class)
    }
    fn query(&self, q: &crate::Query) -> Vec<crate::Row> {
        let wq = wt::Query {
            class: q.class.clone(),
            storey: q.storey.clone(),
            attributes: q.attributes.clone(),
            properties: q
                .properties
                .iter()
                .map(|p| wt::PropertyRef {
                    set: p.set.clone(),
                    name: p.name.clone(),
                })
                .collect(),
        };
        self.0
            .query(&wq)
            .into_iter()
            .map(|e| crate::Row {
                id: e.id,
                class: e.class,
                name: e.name,
                object_type: e.object_type,
                predefined_type: e.predefined_type,
                storey: e.storey,
                space: e.space,
                attributes: e.attributes.into_iter().map(|v| v.map(value_in)).collect(),
                properties: e.properties.into_iter().map(|v| v.map(value_in)).collect(),
            })
            .collect()
    }
    fn get(&self, id: &str) -> Option<crate::Element> {
        let d = self.0.get(id)?;
        Some(crate::Element {
            id: d.id,
            class: d.class,
            name: d.name,
            description: d.description,
            object_type: d.object_type,
            predefined_type: d.predefined_type,
            storey: d.storey,
            space: d.space,
            attributes: d
                .attributes
                .into_iter()
                .map(|a| crate::Attribute {
                    name: a.name,
                    value: value_in(a.value),
                    data_type: a.data_type,
                })
                .collect(),
            property_sets: d
                .property_sets
                .into_iter()
                .map(|s| crate::PropertySet {
                    name: s.name,
                    kind: match s.kind {
                        wt::SetKind::PropertySet => crate::SetKind::PropertySet,
                        wt::SetKind::QuantitySet => crate::SetKind::QuantitySet,
                    },
                    properties: s
                        .properties
                        .into_iter()
                        .map(|p| crate::Property {
                            name: p.name,
                            value: value_in(p.value),
                            data_type: p.data_type,
                        })
                        .collect(),
                })
                .collect(),
        })
    }
    fn instances_of(&self, class: &str) -> Vec<u32> {
        self.0.instances_of(class)
    }
    fn instances(&self, ids: &[u32]) -> Vec<Option<crate::Instance>> {
        self.0
            .instances(ids)
            .into_iter()
            .map(|i| {
                i.map(|i| crate::Instance {
                    id: i.id,
                    class: i.class,
                    attributes: i
                        .attributes
                        .into_iter()
                        .map(|v| match v {
                            wt::StepValue::Single(s) => crate::StepValue::Single(scalar_in(s)),
                            wt::StepValue::List(l) => {
                                crate::StepValue::List(l.into_iter().map(scalar_in).collect())
                            }
                        })
                        .collect(),
                })
            })
            .collect()
    }
    fn referencing(&self, ids: &[u32]) -> Vec<Vec<u32>> {
        self.0.referencing(ids)
    }
    fn entity_class(&self, name: &str) -> Option<crate::EntityClass> {
        self.0.entity_class(name).map(|c| crate::EntityClass {
            name: c.name,
            supertypes: c.supertypes,
            attributes: c.attributes,
            is_abstract: c.is_abstract,
        })
    }
    fn unit_scale(&self, measure_type: &str) -> Option<f64> {
        self.0.unit_scale(measure_type)
    }
}

fn scalar_in(s: wt::StepScalar) -> crate::StepScalar {
    use crate::StepAtom as A;
    crate::StepScalar {
        type_name: s.type_name,
        atom: match s.atom {
            wt::StepAtom::Null => A::Null,
            wt::StepAtom::Derived => A::Derived,
            wt::StepAtom::Text(t) => A::Text(t),
            wt::StepAtom::Integer(i) => A::Integer(i),
            wt::StepAtom::Real(r) => A::Real(r),
            wt::StepAtom::Boolean(b) => A::Boolean(b),
            wt::StepAtom::Unknown => A::Unknown,
            wt::StepAtom::Enumeration(e) => A::Enum(e),
            wt::StepAtom::Binary(b) => A::Binary(b),
            wt::StepAtom::Reference(r) => A::Ref(r),
            wt::StepAtom::Nested => A::Nested,
        },
    }
}

fn kind_in(k: wt::MeasureKind) -> crate::MeasureKind {
    use crate::MeasureKind as K;
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

fn kind_out(k: crate::MeasureKind) -> wt::MeasureKind {
    use crate::MeasureKind as K;
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

fn value_in(v: wt::Value) -> crate::Value {
    match v {
        wt::Value::Text(s) => crate::Value::Text(s),
        wt::Value::Integer(i) => crate::Value::Integer(i),
        wt::Value::Real(r) => crate::Value::Real(r),
        wt::Value::Boolean(b) => crate::Value::Boolean(b),
        wt::Value::Unknown => crate::Value::Unknown,
        wt::Value::Measure(m) => crate::Value::Measure(crate::Measure {
            kind: kind_in(m.kind),
            si: m.si,
        }),
    }
}

fn measure_out(m: crate::Measure) -> wt::Measure {
    wt::Measure {
        kind: kind_out(m.kind),
        si: m.si,
    }
}

fn citation_out(c: crate::Citation) -> wt::Citation {
    wt::Citation {
        code: c.code,
        edition: c.edition,
        section: c.section,
    }
}

fn finding_out(f: crate::Finding, omit_citation: bool) -> wt::Finding {
    wt::Finding {
        rule: f.rule,
        citation: (!omit_citation).then(|| citation_out(f.citation)),
        outcome: match f.outcome {
            crate::Outcome::Violation => wt::Outcome::Violation,
            crate::Outcome::Warning => wt::Outcome::Warning,
            crate::Outcome::NotAssessable => wt::Outcome::NotAssessable,
            crate::Outcome::Pass => wt::Outcome::Pass,
        },
        elements: f.elements,
        message: f.message,
        measured: f.measured.map(measure_out),
        limit: f.limit.map(|l| wt::Limit {
            min: l.min.map(measure_out),
            max: l.max.map(measure_out),
        }),
    }
}
