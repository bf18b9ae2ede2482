//! Property sets, quantity sets and predefined property sets of an IFC
//! file, each built from its record and the properties it lists. A set
//! depends only on the file and the project's units, never on another
//! set, so a second thread starts building them while the loader reads
//! the objects and relationships, and the loader then helps it finish
//! ([`Queue`]); any set still lacking is built when it is needed
//! ([`SetBuilder::build`]). What a set's building has to
//! say is kept with the set as [`Note`]s: the loader says it when the set
//! is used, in the order it uses the sets, so the warnings are those of
//! one thread building the sets it needs, in that order.

use std::sync::atomic::{AtomicUsize, Ordering};

use foldhash::{HashMap, HashMapExt};

use ifc_lite_core::{AttrKind, AttributeValue, SchemaVersion};
use plancheck_model::{Property, PropertySet, SetKind};

use super::schema::ClassInfo;
use super::step::Step;
use super::units::{Scale, UnitResolver, Units};
use super::values::{self, Skip};

/// Something to say about a set, in the order it was found.
pub(super) enum Note {
    /// A warning as it stands.
    Text(String),
    /// What there is to say about per-value unit `#id`, met at `at` (the
    /// property's `file:line: entity` prefix); said for the unit's first
    /// use only.
    Unit {
        id: u32,
        at: String,
        msgs: Vec<String>,
    },
}

/// A set as built, or `None` (not a set, or nothing usable), with its notes.
pub(super) struct Built {
    pub set: Option<PropertySet>,
    pub notes: Vec<Note>,
}

/// Whether record `p` is a property set definition (a property set, a
/// quantity set or a predefined property set).
pub(super) fn is_set_definition(step: &Step<'_>, v: SchemaVersion, p: usize) -> bool {
    is_set_class(step.class(p), v)
}

/// Whether records of `class` are property set definitions.
pub(super) fn is_set_class(class: &ClassInfo, v: SchemaVersion) -> bool {
    class.known && v.is_subtype_of(&class.upper, "IfcPropertySetDefinition")
}

/// Property set definitions to build, shared by the threads building them:
/// each takes the next few in turn until none are left.
pub(super) struct Queue<'r> {
    records: &'r [usize],
    next: AtomicUsize,
}

/// How many sets a thread takes from the [`Queue`] at a time.
const TAKE: usize = 16;

impl<'r> Queue<'r> {
    pub fn new(records: &'r [usize]) -> Self {
        Queue {
            records,
            next: AtomicUsize::new(0),
        }
    }

    /// Builds sets from the queue until it is empty; the ones built here.
    pub fn build(&self, step: &Step<'_>, v: SchemaVersion, units: &Units) -> HashMap<usize, Built> {
        let mut builder = SetBuilder::new(step, v, units);
        let mut out = HashMap::new();
        loop {
            let k = self.next.fetch_add(TAKE, Ordering::Relaxed);
            let Some(chunk) = self.records.get(k..(k + TAKE).min(self.records.len())) else {
                return out;
            };
            for &p in chunk {
                out.insert(p, builder.build(p));
            }
        }
    }
}

/// Builds sets, resolving each per-value unit once.
pub(super) struct SetBuilder<'s, 'a> {
    step: &'s Step<'a>,
    v: SchemaVersion,
    units: &'s Units,
    unit_overrides: HashMap<u32, (Option<Scale>, Vec<String>)>,
    notes: Vec<Note>,
}

impl<'s, 'a> SetBuilder<'s, 'a> {
    pub fn new(step: &'s Step<'a>, v: SchemaVersion, units: &'s Units) -> Self {
        SetBuilder {
            step,
            v,
            units,
            unit_overrides: HashMap::new(),
            notes: Vec::new(),
        }
    }

    /// The set of record `p`, with what its building had to say.
    pub fn build(&mut self, p: usize) -> Built {
        let set = self.property_set(p);
        Built {
            set,
            notes: std::mem::take(&mut self.notes),
        }
    }

    fn warn(&mut self, w: String) {
        self.notes.push(Note::Text(w));
    }

    /// Builds the property set, quantity set or predefined property set of record `p`.
    fn property_set(&mut self, p: usize) -> Option<PropertySet> {
        let step = self.step;
        let class = step.class(p);
        let at = || step.at_record(p);
        if !is_set_definition(step, self.v, p) {
            let w = format!("{}is not a property set definition; ignored", at());
            self.warn(w);
            return None;
        }
        let mut attrs = match step.decode(p) {
            Ok(a) => a,
            Err(e) => {
                let w = format!("{}{e}; property set ignored", at());
                self.warn(w);
                return None;
            }
        };
        let (kind, list_attr) = match class.upper.as_str() {
            "IFCPROPERTYSET" => (SetKind::PropertySet, Some("HasProperties")),
            "IFCELEMENTQUANTITY" => (SetKind::QuantitySet, Some("Quantities")),
            _ => (SetKind::PropertySet, None),
        };
        let Some(list_attr) = list_attr else {
            // a predefined property set (IfcDoorLiningProperties ...): its
            // attributes are its properties, the set is named after the class
            return self.predefined_set(p, &mut attrs);
        };
        let get = |n: &str| class.index(n).and_then(|k| attrs.get(k));
        let name = get("Name").and_then(|a| a.as_string()).unwrap_or("");
        if name.is_empty() {
            let w = format!("{}property set has no Name; ignored", at());
            self.warn(w);
            return None;
        }
        let name = name.to_owned();
        let refs: Vec<u32> = get(list_attr)
            .and_then(|a| a.as_list())
            .map(|l| l.iter().filter_map(|x| x.as_entity_ref()).collect())
            .unwrap_or_default();
        let mut properties: Vec<Property> = Vec::with_capacity(refs.len());
        for id in refs {
            let Some(q) = step.lookup(id) else {
                let w = format!(
                    "{}{list_attr} refers to #{id}, which does not exist; ignored",
                    at()
                );
                self.warn(w);
                continue;
            };
            if let Some(prop) = self.property(q) {
                if properties.iter().any(|x| x.name == prop.name) {
                    let w = format!(
                        "{}property '{}' appears twice; the first is kept",
                        at(),
                        prop.name
                    );
                    self.warn(w);
                } else {
                    properties.push(prop);
                }
            }
        }
        Some(PropertySet {
            name,
            kind,
            properties,
        })
    }

    fn predefined_set(&mut self, p: usize, attrs: &mut [AttributeValue]) -> Option<PropertySet> {
        let step = self.step;
        let class = step.class(p);
        if attrs.len() != class.attrs.len() {
            let w = format!(
                "{}has {} attributes but {} has {}; ignored",
                step.at_record(p),
                attrs.len(),
                class.name,
                class.attrs.len()
            );
            self.warn(w);
            return None;
        }
        let mut properties = Vec::new();
        for (k, (spec, value)) in class.attrs.iter().zip(attrs.iter_mut()).enumerate() {
            // IfcRoot's own attributes are not properties
            if k < 4 || matches!(spec.kind, AttrKind::Ref | AttrKind::RefList) || value.is_null() {
                continue;
            }
            match values::attribute(spec, value, self.units) {
                Ok((value, data_type)) => properties.push(Property {
                    name: spec.name.to_owned(),
                    value,
                    data_type,
                }),
                Err(Skip::Bad(m)) => {
                    let w = format!("{}attribute {k} ({}) {m}", step.at_record(p), spec.name);
                    self.warn(w);
                }
                Err(_) => {}
            }
        }
        Some(PropertySet {
            name: class.name.clone(),
            kind: SetKind::PropertySet,
            properties,
        })
    }

    /// The scale of a per-value `Unit` override, resolved once per unit;
    /// what there is to say about the unit goes into the notes each time
    /// (the loader says it once).
    fn unit_override(&mut self, at: &str, id: u32) -> Option<Scale> {
        let (scale, msgs) = match self.unit_overrides.get(&id) {
            Some((scale, msgs)) => (*scale, msgs.clone()),
            None => {
                let r = UnitResolver::new(self.step).resolve(id);
                let mut msgs: Vec<String> = r.note.into_iter().collect();
                let scale = match r.scale {
                    Ok(s) => Some(s),
                    Err(e) => {
                        msgs.push(format!(
                            "unit #{id} cannot be converted to SI ({e}): values in it are left out"
                        ));
                        None
                    }
                };
                self.unit_overrides.insert(id, (scale, msgs.clone()));
                (scale, msgs)
            }
        };
        if !msgs.is_empty() {
            self.notes.push(Note::Unit {
                id,
                at: at.to_owned(),
                msgs,
            });
        }
        scale
    }

    /// One property or quantity.
    fn property(&mut self, q: usize) -> Option<Property> {
        let step = self.step;
        let class = step.class(q);
        let upper = class.upper.as_str();
        let quantity = match upper {
            "IFCQUANTITYLENGTH" => Some(("LengthValue", "IFCLENGTHMEASURE")),
            "IFCQUANTITYAREA" => Some(("AreaValue", "IFCAREAMEASURE")),
            "IFCQUANTITYVOLUME" => Some(("VolumeValue", "IFCVOLUMEMEASURE")),
            "IFCQUANTITYCOUNT" => Some(("CountValue", "IFCCOUNTMEASURE")),
            "IFCQUANTITYWEIGHT" => Some(("WeightValue", "IFCMASSMEASURE")),
            "IFCQUANTITYTIME" => Some(("TimeValue", "IFCTIMEMEASURE")),
            "IFCQUANTITYNUMBER" => Some(("NumberValue", "IFCNUMERICMEASURE")),
            _ => None,
        };
        let value_attr = match upper {
            "IFCPROPERTYSINGLEVALUE" => "NominalValue",
            "IFCPROPERTYENUMERATEDVALUE" => "EnumerationValues",
            "IFCPROPERTYLISTVALUE" => "ListValues",
            _ => match quantity {
                Some((attr, _)) => attr,
                None => {
                    let is_property = class.known
                        && (self.v.is_subtype_of(upper, "IfcProperty")
                            || self.v.is_subtype_of(upper, "IfcPhysicalQuantity"));
                    if !is_property {
                        let w = format!(
                            "{}is not a property or quantity; ignored",
                            step.at_record(q)
                        );
                        self.warn(w);
                    }
                    // bounded, table, reference and complex properties: not simple values
                    return None;
                }
            },
        };
        let mut attrs = match step.decode(q) {
            Ok(a) => a,
            Err(e) => {
                let w = format!("{}{e}; property ignored", step.at_record(q));
                self.warn(w);
                return None;
            }
        };
        // the record is read once: its name and text move into the property
        let name = class
            .index("Name")
            .and_then(|k| attrs.get_mut(k))
            .and_then(values::take_string)
            .unwrap_or_default();
        if name.is_empty() {
            let w = format!("{}has no Name; ignored", step.at_record(q));
            self.warn(w);
            return None;
        }
        let kv = class.index(value_attr)?;
        // the value's shape before its unit: a property without a simple
        // value is left out quietly
        let one_of_list = match upper {
            "IFCPROPERTYENUMERATEDVALUE" => {
                attrs.get(kv)?.as_list()?.first()?;
                true
            }
            "IFCPROPERTYLISTVALUE" => {
                if attrs.get(kv)?.as_list()?.len() != 1 {
                    return None;
                }
                true
            }
            _ => {
                attrs.get(kv)?;
                false
            }
        };
        let unit = match class
            .index("Unit")
            .and_then(|k| attrs.get(k))
            .and_then(|a| a.as_entity_ref())
        {
            Some(id) => {
                let at = step.at_record(q);
                Some(self.unit_override(&at, id))
            }
            None => None,
        };
        let raw = match (&mut attrs[kv], one_of_list) {
            (AttributeValue::List(items), true) => &mut items[0],
            (other, _) => other,
        };
        let converted = match quantity {
            Some((_, measure)) => {
                let inner = match raw {
                    AttributeValue::Typed { value, .. } => value,
                    other => other,
                };
                values::typed(measure, inner, self.units, unit)
            }
            None => values::typed_parameter(raw, self.units, unit),
        };
        match converted {
            Ok((value, data_type)) => Some(Property {
                name,
                value,
                data_type,
            }),
            Err(Skip::Bad(m)) => {
                let w = format!("{}{value_attr} of '{name}' {m}; ignored", step.at_record(q));
                self.warn(w);
                None
            }
            Err(_) => None,
        }
    }
}
