//! The model's instance graph as the IDS facets need it: instances fetched
//! in batches and cached, inverse relationships, schema facts, and the
//! derived facts of an element (its type, property sets, material,
//! classifications and wholes), all following the IFC schema's relationship
//! entities. Works the same natively and in the sandbox (through
//! [`ModelView`]).

use foldhash::{HashMap, HashSet};
use std::cell::RefCell;
use std::rc::Rc;

use plancheck_sdk::{EntityClass, Instance, ModelView, StepAtom, StepValue};

/// Cached access to the instance graph.
pub struct Graph<'m> {
    model: &'m dyn ModelView,
    /// The model's schema family (`IFC2X3`, `IFC4`, `IFC4X3`).
    pub schema: String,
    instances: RefCell<HashMap<u32, Option<Rc<Instance>>>>,
    inverse: RefCell<HashMap<u32, Rc<Vec<u32>>>>,
    classes: RefCell<HashMap<String, Option<Rc<EntityClass>>>>,
    facts: RefCell<HashMap<u32, Rc<Facts>>>,
    scales: RefCell<HashMap<String, Option<f64>>>,
    /// Property sets by object, built once per check (see `props`).
    pub(crate) sets: RefCell<HashMap<u32, Rc<crate::props::Sets>>>,
    /// Members of long reference lists by (instance, attribute index),
    /// see [`Graph::holds`].
    members: RefCell<HashMap<(u32, usize), HashSet<u32>>>,
}

/// Reference lists longer than this are looked up through a hash set.
const LONG_LIST: usize = 16;

/// What the relationships say about one object.
#[derive(Debug, Default)]
pub struct Facts {
    /// The type object (`IfcRelDefinesByType`), for occurrences.
    pub type_object: Option<u32>,
    /// Property set definitions of its own (`IfcRelDefinesByProperties`, or
    /// a type object's `HasPropertySets`).
    pub psets: Vec<u32>,
    /// `IfcRelAssociatesMaterial.RelatingMaterial`, its own.
    pub material: Option<u32>,
    /// `IfcRelAssociatesClassification.RelatingClassification`s, its own.
    pub classifications: Vec<u32>,
    /// The whole it is aggregated into.
    pub aggregate: Option<u32>,
    /// The whole it is nested in.
    pub nest: Option<u32>,
    /// The spatial structure it is contained in.
    pub container: Option<u32>,
    /// The group it is assigned to.
    pub group: Option<u32>,
    /// For an opening: the element it voids.
    pub voids: Option<u32>,
    /// For a filling element: the opening it fills.
    pub fills: Option<u32>,
}

impl<'m> Graph<'m> {
    /// Wraps a model.
    pub fn new(model: &'m dyn ModelView) -> Self {
        Graph {
            schema: model.schema(),
            model,
            instances: RefCell::default(),
            inverse: RefCell::default(),
            classes: RefCell::default(),
            facts: RefCell::default(),
            scales: RefCell::default(),
            sets: RefCell::default(),
            members: RefCell::default(),
        }
    }

    /// Instance numbers of every instance of `class`, subtypes included
    /// (`*`: every instance).
    pub fn instances_of(&self, class: &str) -> Vec<u32> {
        self.model.instances_of(class)
    }

    /// Fetches the instances not cached yet, in one call.
    pub fn prefetch(&self, ids: &[u32]) {
        let missing: Vec<u32> = {
            let cache = self.instances.borrow();
            let mut m: Vec<u32> = ids
                .iter()
                .copied()
                .filter(|i| !cache.contains_key(i))
                .collect();
            m.sort_unstable();
            m.dedup();
            m
        };
        if missing.is_empty() {
            return;
        }
        let got = self.model.instances(&missing);
        let mut cache = self.instances.borrow_mut();
        for (id, inst) in missing.into_iter().zip(got) {
            cache.insert(id, inst.map(Rc::new));
        }
    }

    /// Fetches the inverse relationships not cached yet, in one call.
    pub fn prefetch_inverse(&self, ids: &[u32]) {
        let missing: Vec<u32> = {
            let cache = self.inverse.borrow();
            let mut m: Vec<u32> = ids
                .iter()
                .copied()
                .filter(|i| !cache.contains_key(i))
                .collect();
            m.sort_unstable();
            m.dedup();
            m
        };
        if missing.is_empty() {
            return;
        }
        let got = self.model.referencing(&missing);
        let mut all = Vec::new();
        {
            let mut cache = self.inverse.borrow_mut();
            for (id, refs) in missing.into_iter().zip(got) {
                all.extend_from_slice(&refs);
                cache.insert(id, Rc::new(refs));
            }
        }
        self.prefetch(&all);
    }

    /// One instance.
    pub fn get(&self, id: u32) -> Option<Rc<Instance>> {
        if let Some(hit) = self.instances.borrow().get(&id) {
            return hit.clone();
        }
        self.prefetch(&[id]);
        self.instances.borrow().get(&id).cloned().flatten()
    }

    /// The instances referencing `id`.
    pub fn referencing(&self, id: u32) -> Rc<Vec<u32>> {
        if let Some(hit) = self.inverse.borrow().get(&id) {
            return hit.clone();
        }
        self.prefetch_inverse(&[id]);
        self.inverse.borrow().get(&id).cloned().unwrap_or_default()
    }

    /// Schema facts of an entity (any case). Cached under the name as
    /// given: instances always spell their class the same way, so the hot
    /// path is one hash lookup without allocating.
    pub fn class(&self, name: &str) -> Option<Rc<EntityClass>> {
        if let Some(hit) = self.classes.borrow().get(name) {
            return hit.clone();
        }
        let c = self.model.entity_class(name).map(Rc::new);
        self.classes.borrow_mut().insert(name.to_owned(), c.clone());
        c
    }

    /// Whether class `class` is `ancestor` or one of its subtypes.
    pub fn is_a(&self, class: &str, ancestor: &str) -> bool {
        if class.eq_ignore_ascii_case(ancestor) {
            return true;
        }
        self.class(class).is_some_and(|c| {
            c.supertypes
                .iter()
                .any(|s| s.eq_ignore_ascii_case(ancestor))
        })
    }

    /// The position of attribute `name` in `class`.
    pub fn attribute_index(&self, class: &str, name: &str) -> Option<usize> {
        self.class(class)?.attributes.iter().position(|a| a == name)
    }

    /// An attribute of an instance by name.
    pub fn attr<'i>(&self, inst: &'i Instance, name: &str) -> Option<&'i StepValue> {
        inst.attributes
            .get(self.attribute_index(&inst.class, name)?)
    }

    /// A single reference attribute.
    pub fn attr_ref(&self, inst: &Instance, name: &str) -> Option<u32> {
        self.attr(inst, name).and_then(StepValue::as_ref)
    }

    /// A text (string or enumeration) attribute.
    pub fn attr_text(&self, inst: &Instance, name: &str) -> Option<String> {
        self.attr(inst, name)
            .and_then(StepValue::as_text)
            .map(str::to_owned)
    }

    /// The SI factor of a measure type.
    pub fn unit_scale(&self, measure_type: &str) -> Option<f64> {
        if let Some(hit) = self.scales.borrow().get(measure_type) {
            return *hit;
        }
        let s = self.model.unit_scale(measure_type);
        self.scales.borrow_mut().insert(measure_type.to_owned(), s);
        s
    }

    /// The relationship facts of object `id`.
    pub fn facts(&self, id: u32) -> Rc<Facts> {
        if let Some(hit) = self.facts.borrow().get(&id) {
            return hit.clone();
        }
        let f = Rc::new(self.compute_facts(id));
        self.facts.borrow_mut().insert(id, f.clone());
        f
    }

    fn compute_facts(&self, id: u32) -> Facts {
        let mut f = Facts::default();
        let Some(inst) = self.get(id) else {
            return f;
        };
        if self.is_a(&inst.class, "IfcTypeObject") {
            if let Some(v) = self.attr(&inst, "HasPropertySets") {
                f.psets = v.refs();
            }
        }
        let rels = self.referencing(id);
        for &r in rels.iter() {
            let Some(rel) = self.get(r) else { continue };
            let related = |name: &str| self.holds(&rel, name, id);
            match rel_kind(&rel.class) {
                "IFCRELDEFINESBYPROPERTIES" | "IFCRELOVERRIDESPROPERTIES"
                    if related("RelatedObjects") =>
                {
                    if let Some(v) = self.attr(&rel, "RelatingPropertyDefinition") {
                        for d in v.refs() {
                            f.psets.push(d);
                        }
                    }
                }
                "IFCRELDEFINESBYTYPE" if related("RelatedObjects") => {
                    f.type_object = f
                        .type_object
                        .or_else(|| self.attr_ref(&rel, "RelatingType"));
                }
                "IFCRELASSOCIATESMATERIAL" if related("RelatedObjects") => {
                    f.material = f
                        .material
                        .or_else(|| self.attr_ref(&rel, "RelatingMaterial"));
                }
                "IFCRELASSOCIATESCLASSIFICATION" if related("RelatedObjects") => {
                    if let Some(c) = self.attr_ref(&rel, "RelatingClassification") {
                        f.classifications.push(c);
                    }
                }
                // IFC4: classifications of resources (materials …)
                "IFCEXTERNALREFERENCERELATIONSHIP" if related("RelatedResourceObjects") => {
                    if let Some(c) = self.attr_ref(&rel, "RelatingReference") {
                        f.classifications.push(c);
                    }
                }
                "IFCRELAGGREGATES" if related("RelatedObjects") => {
                    f.aggregate = f
                        .aggregate
                        .or_else(|| self.attr_ref(&rel, "RelatingObject"));
                }
                "IFCRELNESTS" if related("RelatedObjects") => {
                    f.nest = f.nest.or_else(|| self.attr_ref(&rel, "RelatingObject"));
                }
                // IFC2X3: IfcRelDecomposes subtypes only
                "IFCRELCONTAINEDINSPATIALSTRUCTURE" if related("RelatedElements") => {
                    f.container = f
                        .container
                        .or_else(|| self.attr_ref(&rel, "RelatingStructure"));
                }
                "IFCRELASSIGNSTOGROUP" | "IFCRELASSIGNSTOGROUPBYFACTOR"
                    if related("RelatedObjects") =>
                {
                    f.group = f.group.or_else(|| self.attr_ref(&rel, "RelatingGroup"));
                }
                "IFCRELVOIDSELEMENT" if related("RelatedOpeningElement") => {
                    f.voids = f
                        .voids
                        .or_else(|| self.attr_ref(&rel, "RelatingBuildingElement"));
                }
                "IFCRELFILLSELEMENT" if related("RelatedBuildingElement") => {
                    f.fills = f
                        .fills
                        .or_else(|| self.attr_ref(&rel, "RelatingOpeningElement"));
                }
                _ => {}
            }
        }
        // IFC4 IfcPropertySetDefinitionSet wrappers come through as lists of
        // references already; IfcRelDefinesByProperties in IFC2X3 sometimes
        // names a type: not a property set, filtered where sets are read
        f
    }

    /// Whether attribute `name` of `inst` references `id` (as
    /// [`StepValue::has_ref`]). A long list is indexed once, so reading the
    /// facts of every member of a relationship with thousands of members
    /// (every wall of a storey) is linear, not quadratic.
    fn holds(&self, inst: &Instance, name: &str, id: u32) -> bool {
        let Some(k) = self.attribute_index(&inst.class, name) else {
            return false;
        };
        match inst.attributes.get(k) {
            Some(StepValue::List(l)) if l.len() > LONG_LIST => {
                let key = (inst.id, k);
                if let Some(set) = self.members.borrow().get(&key) {
                    return set.contains(&id);
                }
                let set: HashSet<u32> = l
                    .iter()
                    .filter_map(|s| match s.atom {
                        StepAtom::Ref(r) => Some(r),
                        _ => None,
                    })
                    .collect();
                let hit = set.contains(&id);
                self.members.borrow_mut().insert(key, set);
                hit
            }
            Some(v) => v.has_ref(id),
            None => false,
        }
    }

    /// The type object of `id` (itself for a type object).
    pub fn type_of(&self, id: u32) -> Option<u32> {
        if self
            .get(id)
            .is_some_and(|i| self.is_a(&i.class, "IfcTypeObject"))
        {
            return Some(id);
        }
        self.facts(id).type_object
    }

    /// The predefined type as IDS reads it: the type object's PredefinedType
    /// (or its ElementType / ProcessType when that is USERDEFINED or unset)
    /// unless NOTDEFINED, else the occurrence's PredefinedType (or its
    /// ObjectType when USERDEFINED or unset).
    pub fn predefined_type(&self, id: u32) -> Option<String> {
        let inst = self.get(id)?;
        if let Some(t) = self.type_of(id).and_then(|t| self.get(t)) {
            let mut p = self.attr_text(&t, "PredefinedType");
            if p.is_none() || p.as_deref() == Some("USERDEFINED") {
                p = self
                    .attr_text(&t, "ElementType")
                    .or_else(|| self.attr_text(&t, "ProcessType"));
            }
            if let Some(p) = p.filter(|p| p != "NOTDEFINED") {
                return Some(p);
            }
        }
        let mut p = self.attr_text(&inst, "PredefinedType");
        if p.is_none() || p.as_deref() == Some("USERDEFINED") {
            p = self.attr_text(&inst, "ObjectType");
        }
        p
    }

    /// Whether the predefined type is user-defined (USERDEFINED on the type
    /// or occurrence, or only an ObjectType / ElementType given).
    pub fn is_userdefined(&self, id: u32) -> bool {
        let Some(inst) = self.get(id) else {
            return false;
        };
        if let Some(t) = self.type_of(id).and_then(|t| self.get(t)) {
            match self.attr_text(&t, "PredefinedType").as_deref() {
                Some("USERDEFINED") => return true,
                None => {
                    if self.attr_text(&t, "ElementType").is_some()
                        || self.attr_text(&t, "ProcessType").is_some()
                    {
                        return true;
                    }
                }
                Some("NOTDEFINED") => {}
                Some(_) => return false,
            }
        }
        match self.attr_text(&inst, "PredefinedType").as_deref() {
            Some("USERDEFINED") => true,
            None => self
                .attr_text(&inst, "ObjectType")
                .is_some_and(|s| !s.is_empty()),
            _ => false,
        }
    }

    /// The parent in the spatial / decomposition tree: container, whole
    /// (aggregation, nesting), the opening it fills, the element an opening
    /// voids; else the group it is assigned to.
    pub fn parent(&self, id: u32) -> Option<u32> {
        let f = self.facts(id);
        f.container
            .or(f.aggregate)
            .or(f.nest)
            .or(f.fills)
            .or(f.voids)
            .or(f.group)
    }
}

/// The relationship classes the facts read, upper case, without allocating
/// for the (many) instances of other classes.
fn rel_kind(class: &str) -> &'static str {
    const KINDS: &[&str] = &[
        "IFCRELDEFINESBYPROPERTIES",
        "IFCRELOVERRIDESPROPERTIES",
        "IFCRELDEFINESBYTYPE",
        "IFCRELASSOCIATESMATERIAL",
        "IFCRELASSOCIATESCLASSIFICATION",
        "IFCEXTERNALREFERENCERELATIONSHIP",
        "IFCRELAGGREGATES",
        "IFCRELNESTS",
        "IFCRELCONTAINEDINSPATIALSTRUCTURE",
        "IFCRELASSIGNSTOGROUP",
        "IFCRELASSIGNSTOGROUPBYFACTOR",
        "IFCRELVOIDSELEMENT",
        "IFCRELFILLSELEMENT",
    ];
    KINDS
        .iter()
        .find(|k| k.eq_ignore_ascii_case(class))
        .copied()
        .unwrap_or("")
}

/// Text of an atom that is a string or enumeration.
pub fn atom_text(a: &StepAtom) -> Option<&str> {
    match a {
        StepAtom::Text(s) | StepAtom::Enum(s) => Some(s),
        _ => None,
    }
}
