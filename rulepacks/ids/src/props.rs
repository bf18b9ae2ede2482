//! The property facet: property sets and quantity sets of an object (its
//! own, over its type's), each property's IFC data type, and its values in
//! SI units (the project's units, through the host's `unit-scale`).

use std::collections::BTreeMap;

use plancheck_sdk::{Instance, StepAtom, StepScalar, StepValue};

use crate::facets::Found;
use crate::graph::Graph;
use crate::parse::IdsValue;
use crate::values::{matches, name_matches, scalar_val, Val};

/// An object's property sets: set name → property name → property.
pub(crate) type Sets = BTreeMap<String, BTreeMap<String, Prop>>;

/// One property as IDS reads it.
pub(crate) struct Prop {
    /// IFC data type (`IfcLabel`, `IfcLengthMeasure`), upper case.
    data_type: Option<String>,
    /// Its values in SI (several for enumerated, list, bounded and table values).
    values: Vec<Val>,
    /// Not a kind of property IDS can read a value from.
    unsupported: bool,
    /// An attribute of a predefined property set: its data type is the
    /// schema's, which is not checked (as ifctester does not).
    predefined: bool,
}

/// The property sets of an object, built once per check.
fn sets(g: &Graph, inst: &Instance) -> std::rc::Rc<Sets> {
    if let Some(hit) = g.sets.borrow().get(&inst.id) {
        return hit.clone();
    }
    let s = std::rc::Rc::new(build_sets(g, inst));
    g.sets.borrow_mut().insert(inst.id, s.clone());
    s
}

/// Property set definitions of an object by set name: its type's first,
/// then its own (own properties win).
fn build_sets(g: &Graph, inst: &Instance) -> Sets {
    let mut defs: Vec<u32> = Vec::new();
    let id = inst.id;
    if g.is_a(&inst.class, "IfcObjectDefinition") {
        if let Some(t) = g.type_of(id).filter(|t| *t != id) {
            defs.extend(g.facts(t).psets.iter().copied());
        }
        defs.extend(g.facts(id).psets.iter().copied());
    } else {
        // material and profile properties (IFC4): IfcMaterialProperties.Material,
        // IfcProfileProperties.ProfileDefinition
        for r in g.referencing(id).iter() {
            if let Some(p) = g.get(*r) {
                let owner = if g.is_a(&p.class, "IfcMaterialProperties") {
                    g.attr_ref(&p, "Material")
                } else if g.is_a(&p.class, "IfcProfileProperties") {
                    g.attr_ref(&p, "ProfileDefinition")
                } else {
                    None
                };
                if owner == Some(id) {
                    defs.push(*r);
                }
            }
        }
    }
    g.prefetch(&defs);
    let mut out: BTreeMap<String, BTreeMap<String, Prop>> = BTreeMap::new();
    for d in defs {
        let Some(set) = g.get(d) else { continue };
        let class = set.class.to_ascii_uppercase();
        let Some(name) = g.attr_text(&set, "Name") else {
            continue;
        };
        let props = out.entry(name).or_default();
        let list = match class.as_str() {
            "IFCPROPERTYSET" => "HasProperties",
            "IFCELEMENTQUANTITY" => "Quantities",
            "IFCMATERIALPROPERTIES" | "IFCPROFILEPROPERTIES" | "IFCEXTENDEDMATERIALPROPERTIES" => {
                "Properties"
            }
            _ if g.is_a(&set.class, "IfcPreDefinedPropertySet") => {
                // its attributes (after IfcRoot's) are its properties
                if let Some(c) = g.class(&set.class) {
                    for (n, v) in c.attributes.iter().zip(set.attributes.iter()).skip(4) {
                        if let StepValue::Single(s) = v {
                            if matches!(s.atom, StepAtom::Ref(_)) {
                                continue;
                            }
                            props.insert(
                                n.clone(),
                                Prop {
                                    data_type: s.type_name.as_ref().map(|t| t.to_ascii_uppercase()),
                                    values: scalar_val(s, 1.0).into_iter().collect(),
                                    unsupported: false,
                                    predefined: true,
                                },
                            );
                        }
                    }
                }
                continue;
            }
            _ => continue,
        };
        let members = g.attr(&set, list).map(StepValue::refs).unwrap_or_default();
        g.prefetch(&members);
        for m in members {
            let Some(p) = g.get(m) else { continue };
            let Some(pname) = g.attr_text(&p, "Name") else {
                continue;
            };
            props.insert(pname, read_property(g, &p));
        }
    }
    out
}

/// Scaled values of typed scalars.
fn typed_vals(g: &Graph, items: &[StepScalar], fallback_type: Option<&str>) -> Vec<Val> {
    items
        .iter()
        .filter_map(|s| {
            let t = s.type_name.as_deref().or(fallback_type);
            let scale = t.and_then(|t| g.unit_scale(t)).unwrap_or(1.0);
            scalar_val(s, scale)
        })
        .collect()
}

fn single(v: Option<&StepValue>) -> Vec<StepScalar> {
    match v {
        Some(StepValue::Single(s)) => vec![s.clone()],
        Some(StepValue::List(l)) => l.clone(),
        None => vec![],
    }
}

fn read_property(g: &Graph, p: &Instance) -> Prop {
    let class = p.class.to_ascii_uppercase();
    let quantity = match class.as_str() {
        "IFCQUANTITYLENGTH" => Some("IfcLengthMeasure"),
        "IFCQUANTITYAREA" => Some("IfcAreaMeasure"),
        "IFCQUANTITYVOLUME" => Some("IfcVolumeMeasure"),
        "IFCQUANTITYCOUNT" => Some("IfcCountMeasure"),
        "IFCQUANTITYWEIGHT" => Some("IfcMassMeasure"),
        "IFCQUANTITYTIME" => Some("IfcTimeMeasure"),
        "IFCQUANTITYNUMBER" => Some("IfcNumericMeasure"),
        _ => None,
    };
    if let Some(measure) = quantity {
        // the value is the fourth attribute (LengthValue, AreaValue, …)
        let raw = single(p.attributes.get(3));
        return Prop {
            data_type: Some(measure.to_ascii_uppercase()),
            values: typed_vals(g, &raw, Some(measure)),
            unsupported: false,
            predefined: false,
        };
    }
    let first_type = |items: &[StepScalar]| {
        items
            .iter()
            .find_map(|s| s.type_name.as_ref())
            .map(|t| t.to_ascii_uppercase())
    };
    match class.as_str() {
        "IFCPROPERTYSINGLEVALUE" => {
            let raw = single(g.attr(p, "NominalValue"));
            Prop {
                data_type: first_type(&raw),
                values: typed_vals(g, &raw, None),
                unsupported: false,
                predefined: false,
            }
        }
        "IFCPROPERTYENUMERATEDVALUE" => {
            let raw = single(g.attr(p, "EnumerationValues"));
            Prop {
                data_type: first_type(&raw),
                values: typed_vals(g, &raw, None),
                unsupported: false,
                predefined: false,
            }
        }
        "IFCPROPERTYLISTVALUE" => {
            let raw = single(g.attr(p, "ListValues"));
            Prop {
                data_type: first_type(&raw),
                values: typed_vals(g, &raw, None),
                unsupported: false,
                predefined: false,
            }
        }
        "IFCPROPERTYBOUNDEDVALUE" => {
            let mut raw = single(g.attr(p, "UpperBoundValue"));
            raw.extend(single(g.attr(p, "LowerBoundValue")));
            raw.extend(single(g.attr(p, "SetPointValue")));
            raw.retain(|s| !matches!(s.atom, StepAtom::Null));
            Prop {
                data_type: first_type(&raw),
                values: typed_vals(g, &raw, None),
                unsupported: false,
                predefined: false,
            }
        }
        "IFCPROPERTYTABLEVALUE" => {
            // both columns; the data type is checked per column below
            let mut raw = single(g.attr(p, "DefiningValues"));
            raw.extend(single(g.attr(p, "DefinedValues")));
            Prop {
                data_type: None,
                values: typed_vals(g, &raw, None),
                unsupported: false,
                predefined: false,
            }
        }
        _ => Prop {
            data_type: None,
            values: vec![],
            unsupported: true,
            predefined: false,
        },
    }
}

/// Table values: the values of the column(s) whose type is `data_type`.
fn table_column(g: &Graph, p: &Instance, data_type: &str) -> (bool, Vec<Val>) {
    let mut any_type = false;
    let mut out = Vec::new();
    for col in ["DefiningValues", "DefinedValues"] {
        let raw = single(g.attr(p, col));
        let t = raw.iter().find_map(|s| s.type_name.clone());
        if let Some(t) = t {
            any_type = true;
            if t.eq_ignore_ascii_case(data_type) {
                out.extend(typed_vals(g, &raw, None));
            }
        }
    }
    (any_type, out)
}

/// The property facet on one instance.
pub fn property(
    g: &Graph,
    inst: &Instance,
    set: &IdsValue,
    name: &IdsValue,
    value: Option<&IdsValue>,
    data_type: Option<&str>,
) -> Found {
    let all = sets(g, inst);
    let matched: Vec<(&String, &BTreeMap<String, Prop>)> =
        all.iter().filter(|(n, _)| name_matches(set, n)).collect();
    if matched.is_empty() {
        return Found::Absent(format!("it has no property set {}", set.describe()));
    }
    for (set_name, props) in matched {
        let chosen: Vec<(&String, &Prop)> = props
            .iter()
            .filter(|(n, p)| name_matches(name, n) && (p.unsupported || !p.values.is_empty()))
            .collect();
        if chosen.is_empty() {
            return Found::Absent(format!(
                "its set {set_name} has no property {} with a value",
                name.describe()
            ));
        }
        for (pname, p) in chosen {
            if p.unsupported {
                return Found::Mismatch(format!(
                    "{set_name}.{pname} is not a kind of property IDS can read a value from"
                ));
            }
            let mut values = p.values.clone();
            if let Some(want) = data_type.filter(|_| !p.predefined) {
                match &p.data_type {
                    Some(t) if t.eq_ignore_ascii_case(want) => {}
                    Some(t) => {
                        return Found::Mismatch(format!(
                            "{set_name}.{pname} has data type {t}, not {want}"
                        ))
                    }
                    None => {
                        // a table value: the column of that type
                        let pinst = props_instance(g, inst, set_name, pname);
                        let (_, col) = pinst
                            .map(|pi| table_column(g, &pi, want))
                            .unwrap_or((false, vec![]));
                        if col.is_empty() {
                            return Found::Mismatch(format!(
                                "{set_name}.{pname} has no values of data type {want}"
                            ));
                        }
                        values = col;
                    }
                }
            }
            if let Some(want) = value {
                if !values.iter().any(|x| matches(want, x)) {
                    let shown: Vec<String> = values.iter().map(|v| v.to_string()).collect();
                    return Found::Mismatch(format!(
                        "{set_name}.{pname} is {}, not {}",
                        shown.join(", "),
                        want.describe()
                    ));
                }
            }
        }
    }
    Found::Yes
}

/// The property instance `set.name` of an object (for table values).
fn props_instance(
    g: &Graph,
    inst: &Instance,
    set: &str,
    name: &str,
) -> Option<std::rc::Rc<Instance>> {
    let mut defs: Vec<u32> = g.facts(inst.id).psets.clone();
    if let Some(t) = g.type_of(inst.id) {
        defs.extend(g.facts(t).psets.iter().copied());
    }
    for d in defs {
        let s = g.get(d)?;
        if g.attr_text(&s, "Name").as_deref() != Some(set) {
            continue;
        }
        for m in g
            .attr(&s, "HasProperties")
            .map(StepValue::refs)
            .unwrap_or_default()
        {
            let p = g.get(m)?;
            if g.attr_text(&p, "Name").as_deref() == Some(name) {
                return Some(p);
            }
        }
    }
    None
}
