//! The six IDS facets evaluated on one instance of the graph.
//!
//! Each facet answers "does this instance have it?" ([`Outcome::Yes`]) or
//! "no, because …" ([`Outcome::No`]); cardinality then decides what that
//! means for a requirement (see [`evaluate`]).

use plancheck_sdk::{Instance, StepValue};

use crate::graph::Graph;
use crate::parse::{Cardinality, Facet, FacetKind, IdsValue, Relation};
use crate::values::{matches, name_matches, scalar_val, Val};

/// What a facet found.
#[derive(Debug)]
pub enum Found {
    /// The instance has the data and it matches.
    Yes,
    /// The data is not there at all (optional facets pass).
    Absent(String),
    /// The data is there but does not match.
    Mismatch(String),
}

/// The result of a requirement on an instance: pass, or why not.
pub fn evaluate(g: &Graph, facet: &Facet, id: u32) -> Result<(), String> {
    let found = find(g, &facet.kind, id);
    match (facet.cardinality, found) {
        (Cardinality::Required, Found::Yes) => Ok(()),
        (Cardinality::Required, Found::Absent(w) | Found::Mismatch(w)) => Err(w),
        (Cardinality::Optional, Found::Yes | Found::Absent(_)) => Ok(()),
        (Cardinality::Optional, Found::Mismatch(w)) => Err(w),
        (Cardinality::Prohibited, Found::Yes) => Err("it is present, but prohibited".into()),
        (Cardinality::Prohibited, _) => Ok(()),
    }
}

/// Whether an instance satisfies an applicability facet.
pub fn applies(g: &Graph, facet: &FacetKind, id: u32) -> bool {
    matches!(find(g, facet, id), Found::Yes)
}

/// Evaluates one facet on an instance.
pub fn find(g: &Graph, facet: &FacetKind, id: u32) -> Found {
    let Some(inst) = g.get(id) else {
        return Found::Absent(format!("#{id} is not in the model"));
    };
    match facet {
        FacetKind::Entity {
            name,
            predefined_type,
        } => entity(g, &inst, name, predefined_type.as_ref()),
        FacetKind::Attribute { name, value } => attribute(g, &inst, name, value.as_ref()),
        FacetKind::Classification { value, system } => {
            classification(g, &inst, value.as_ref(), system.as_ref())
        }
        FacetKind::Property {
            set,
            name,
            value,
            data_type,
        } => crate::props::property(g, &inst, set, name, value.as_ref(), data_type.as_deref()),
        FacetKind::Material { value } => material(g, &inst, value.as_ref()),
        FacetKind::PartOf {
            name,
            predefined_type,
            relation,
        } => part_of(g, &inst, name, predefined_type.as_ref(), *relation),
    }
}

fn entity(g: &Graph, inst: &Instance, name: &IdsValue, pt: Option<&IdsValue>) -> Found {
    let class = inst.class.to_ascii_uppercase();
    if !name_matches(name, &class) {
        return Found::Mismatch(format!("its class {class} is not {}", name.describe()));
    }
    entity_type(g, inst.id, pt)
}

fn entity_type(g: &Graph, id: u32, pt: Option<&IdsValue>) -> Found {
    let Some(pt) = pt else { return Found::Yes };
    if pt.simple() == Some("USERDEFINED") {
        return if g.is_userdefined(id) {
            Found::Yes
        } else {
            Found::Mismatch("its predefined type is not user-defined".into())
        };
    }
    match g.predefined_type(id) {
        Some(p) if name_matches(pt, &p) => Found::Yes,
        Some(p) => Found::Mismatch(format!(
            "its predefined type '{p}' is not {}",
            pt.describe()
        )),
        None => Found::Mismatch(format!(
            "it has no predefined type ({} required)",
            pt.describe()
        )),
    }
}

/// The values of an attribute for IDS: `None` when empty.
fn attribute_vals(v: &StepValue) -> Option<Vec<Val>> {
    match v {
        StepValue::Single(s) => {
            let x = scalar_val(s, 1.0)?;
            // a typed value in a SELECT attribute is an object, not a value
            Some(vec![match (&s.type_name, x) {
                (Some(t), _) => Val::Opaque(format!("a {t} select value")),
                (None, x) => x,
            }])
        }
        StepValue::List(l) if l.is_empty() => None,
        StepValue::List(_) => Some(vec![Val::Opaque("a list".into())]),
    }
}

fn attribute(g: &Graph, inst: &Instance, name: &IdsValue, value: Option<&IdsValue>) -> Found {
    let Some(class) = g.class(&inst.class) else {
        return Found::Absent(format!("{} is not in the schema", inst.class));
    };
    let picked: Vec<(&str, &StepValue)> = class
        .attributes
        .iter()
        .zip(inst.attributes.iter())
        .filter(|(n, _)| name_matches(name, n))
        .map(|(n, v)| (n.as_str(), v))
        .collect();
    if picked.is_empty() {
        return Found::Absent(format!(
            "{} has no attribute {}",
            inst.class,
            name.describe()
        ));
    }
    let mut present = Vec::new();
    for (n, v) in &picked {
        if let Some(vals) = attribute_vals(v) {
            present.push((*n, vals));
        }
    }
    if present.is_empty() {
        let (n, v) = picked[0];
        // unset (`$`) is absent (an optional attribute passes); an empty
        // string, empty list or LOGICAL unknown is there but empty
        return if v.is_null() {
            Found::Absent(format!("its {n} is not set"))
        } else {
            Found::Mismatch(format!("its {n} is empty"))
        };
    }
    let Some(want) = value else { return Found::Yes };
    for (n, vals) in &present {
        for x in vals {
            if !matches(want, x) {
                return Found::Mismatch(format!("its {n} is {x}, not {}", want.describe()));
            }
        }
    }
    Found::Yes
}

/// A classification reference or system associated with an object, with
/// the references it inherits (its `ReferencedSource` chain).
struct ClassRef {
    /// Identification (IFC4) / ItemReference (IFC2X3).
    ids: Vec<String>,
    /// The system's name.
    system: Option<String>,
}

fn classification_refs(g: &Graph, id: u32) -> Vec<ClassRef> {
    let mut out = resolve_refs(g, &g.facts(id).classifications);
    // the type's references count for systems the occurrence does not use
    if let Some(t) = g.type_of(id).filter(|t| *t != id) {
        let inherited = resolve_refs(g, &g.facts(t).classifications);
        for r in inherited {
            if !out.iter().any(|o| o.system == r.system) {
                out.push(r);
            }
        }
    }
    out
}

fn resolve_refs(g: &Graph, assoc: &[u32]) -> Vec<ClassRef> {
    let mut out = Vec::new();
    for &c in assoc {
        let mut ids = Vec::new();
        let mut system = None;
        let mut cur = Some(c);
        let mut depth = 0;
        while let (Some(x), true) = (cur, depth < 32) {
            depth += 1;
            let Some(inst) = g.get(x) else { break };
            if g.is_a(&inst.class, "IfcClassificationReference") {
                if let Some(i) = g
                    .attr_text(&inst, "Identification")
                    .or_else(|| g.attr_text(&inst, "ItemReference"))
                {
                    ids.push(i);
                }
                cur = g.attr_ref(&inst, "ReferencedSource");
            } else if g.is_a(&inst.class, "IfcClassification") {
                system = g.attr_text(&inst, "Name");
                break;
            } else {
                break;
            }
        }
        out.push(ClassRef { ids, system });
    }
    out
}

fn classification(
    g: &Graph,
    inst: &Instance,
    value: Option<&IdsValue>,
    system: Option<&IdsValue>,
) -> Found {
    let refs = classification_refs(g, inst.id);
    if refs.is_empty() {
        return Found::Absent("it has no classification".into());
    }
    let ok = refs.iter().any(|r| {
        let v_ok = value.is_none_or(|v| r.ids.iter().any(|i| name_matches(v, i)));
        let s_ok = system.is_none_or(|s| r.system.as_deref().is_some_and(|n| name_matches(s, n)));
        v_ok && s_ok
    });
    if ok {
        return Found::Yes;
    }
    let have: Vec<String> = refs
        .iter()
        .map(|r| {
            format!(
                "{} {}",
                r.system.as_deref().unwrap_or("(no system)"),
                r.ids.join("/")
            )
        })
        .collect();
    Found::Mismatch(format!(
        "its classifications ({}) do not match{}{}",
        have.join(", "),
        value
            .map(|v| format!(" reference {}", v.describe()))
            .unwrap_or_default(),
        system
            .map(|s| format!(" in system {}", s.describe()))
            .unwrap_or_default()
    ))
}

/// The material definition associated with an object (a set's usage
/// resolved to the set), else its type's.
fn material_of(g: &Graph, id: u32) -> Option<u32> {
    let m = g.facts(id).material.or_else(|| {
        g.type_of(id)
            .filter(|t| *t != id)
            .and_then(|t| g.facts(t).material)
    })?;
    let inst = g.get(m)?;
    if g.is_a(&inst.class, "IfcMaterialLayerSetUsage") {
        return g.attr_ref(&inst, "ForLayerSet");
    }
    if g.is_a(&inst.class, "IfcMaterialProfileSetUsage") {
        return g.attr_ref(&inst, "ForProfileSet");
    }
    Some(m)
}

/// Names and categories of a material definition and its parts.
fn material_names(g: &Graph, m: u32) -> Vec<String> {
    let mut out = Vec::new();
    let Some(inst) = g.get(m) else { return out };
    let mut push = |i: &Instance, attrs: &[&str]| {
        for a in attrs {
            if let Some(t) = g.attr_text(i, a) {
                out.push(t);
            }
        }
    };
    let class = inst.class.to_ascii_uppercase();
    let (set_name, list, parts): (&str, &str, bool) = match class.as_str() {
        "IFCMATERIAL" => {
            push(&inst, &["Name", "Category"]);
            return out;
        }
        "IFCMATERIALLIST" => ("", "Materials", false),
        "IFCMATERIALLAYERSET" => ("LayerSetName", "MaterialLayers", true),
        "IFCMATERIALPROFILESET" => ("Name", "MaterialProfiles", true),
        "IFCMATERIALCONSTITUENTSET" => ("Name", "MaterialConstituents", true),
        // a single layer, profile or constituent associated directly
        "IFCMATERIALLAYER" | "IFCMATERIALPROFILE" | "IFCMATERIALCONSTITUENT" => {
            push(&inst, &["Name", "Category"]);
            if let Some(mat) = g.attr_ref(&inst, "Material").and_then(|r| g.get(r)) {
                push(&mat, &["Name", "Category"]);
            }
            return out;
        }
        _ => return out,
    };
    if !set_name.is_empty() {
        push(&inst, &[set_name]);
    }
    let items = g.attr(&inst, list).map(StepValue::refs).unwrap_or_default();
    g.prefetch(&items);
    for item in items {
        let Some(it) = g.get(item) else { continue };
        if parts {
            push(&it, &["Name", "Category"]);
            if let Some(mat) = g.attr_ref(&it, "Material").and_then(|r| g.get(r)) {
                push(&mat, &["Name", "Category"]);
            }
        } else {
            push(&it, &["Name", "Category"]);
        }
    }
    out
}

fn material(g: &Graph, inst: &Instance, value: Option<&IdsValue>) -> Found {
    let Some(m) = material_of(g, inst.id) else {
        return Found::Absent("it has no material".into());
    };
    let Some(want) = value else { return Found::Yes };
    let names = material_names(g, m);
    if names.iter().any(|n| name_matches(want, n)) {
        Found::Yes
    } else {
        Found::Mismatch(format!(
            "its material names and categories ({}) are not {}",
            names
                .iter()
                .map(|n| format!("'{n}'"))
                .collect::<Vec<_>>()
                .join(", "),
            want.describe()
        ))
    }
}

/// Whether a whole matches the partOf entity.
fn whole_matches(g: &Graph, w: u32, name: &IdsValue, pt: Option<&IdsValue>) -> bool {
    let Some(inst) = g.get(w) else { return false };
    name_matches(name, &inst.class.to_ascii_uppercase())
        && matches!(entity_type(g, w, pt), Found::Yes)
}

/// The spatial container, directly or through the element's parent.
fn container(g: &Graph, id: u32) -> Option<u32> {
    let mut cur = id;
    for _ in 0..64 {
        let f = g.facts(cur);
        if let Some(c) = f.container {
            return Some(c);
        }
        cur = g.parent(cur)?;
    }
    None
}

fn part_of(
    g: &Graph,
    inst: &Instance,
    name: &IdsValue,
    pt: Option<&IdsValue>,
    relation: Option<Relation>,
) -> Found {
    let id = inst.id;
    let chain = |step: &dyn Fn(u32) -> Option<u32>| -> Vec<u32> {
        let mut out = Vec::new();
        let mut cur = step(id);
        while let Some(c) = cur {
            if out.contains(&c) || out.len() > 64 {
                break;
            }
            out.push(c);
            cur = step(c);
        }
        out
    };
    let (wholes, direct_only): (Vec<u32>, bool) = match relation {
        None => (chain(&|x| g.parent(x)), false),
        Some(Relation::Aggregates) => (chain(&|x| g.facts(x).aggregate), false),
        Some(Relation::Nests) => (chain(&|x| g.facts(x).nest), false),
        Some(Relation::Group) => (g.facts(id).group.into_iter().collect(), true),
        Some(Relation::Contained) => (container(g, id).into_iter().collect(), true),
        Some(Relation::VoidsFills) => {
            let voided = if g.is_a(&inst.class, "IfcOpeningElement") {
                g.facts(id).voids
            } else {
                g.facts(id).fills.and_then(|o| g.facts(o).voids)
            };
            (voided.into_iter().collect(), true)
        }
    };
    let rel = relation.map_or("any", Relation::as_str);
    if wholes.is_empty() {
        return Found::Absent(format!("it has no {rel} relationship"));
    }
    let ok = if direct_only {
        whole_matches(g, wholes[0], name, pt)
    } else {
        wholes.iter().any(|w| whole_matches(g, *w, name, pt))
    };
    if ok {
        return Found::Yes;
    }
    let classes: Vec<String> = wholes
        .iter()
        .filter_map(|w| g.get(*w))
        .map(|w| w.class.to_ascii_uppercase())
        .collect();
    Found::Mismatch(format!(
        "its {rel} wholes ({}) are not {}{}",
        classes.join(", "),
        name.describe(),
        pt.map(|p| format!(" of predefined type {}", p.describe()))
            .unwrap_or_default()
    ))
}
