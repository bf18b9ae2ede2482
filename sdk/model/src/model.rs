//! The in-memory building model and its query engine.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt;

use crate::{Attribute, InstanceGraph, PropertySet, Value};
use std::sync::Arc;

/// A building storey.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Storey {
    /// GlobalId of the IfcBuildingStorey.
    pub id: String,
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Elevation in metres.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elevation: Option<f64>,
}

/// One element (any IfcObjectDefinition with a GlobalId) with everything the
/// model knows about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Element {
    /// IFC GlobalId.
    pub id: String,
    /// IFC entity name as the schema spells it, e.g. `IfcStairFlight`.
    pub class: String,
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// ObjectType.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_type: Option<String>,
    /// PredefinedType (from the occurrence, else from its type object).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub predefined_type: Option<String>,
    /// GlobalId of the containing storey.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storey: Option<String>,
    /// GlobalId of the containing space.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub space: Option<String>,
    /// The entity's own attributes with values (SI).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<Attribute>,
    /// Property and quantity sets, own and inherited from the type.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub property_sets: Vec<PropertySet>,
}

impl Element {
    /// A new element with no attributes or properties.
    pub fn new(id: impl Into<String>, class: impl Into<String>) -> Self {
        Element {
            id: id.into(),
            class: class.into(),
            name: None,
            description: None,
            object_type: None,
            predefined_type: None,
            storey: None,
            space: None,
            attributes: Vec::new(),
            property_sets: Vec::new(),
        }
    }

    /// An attribute value by name (case-insensitive, as IFC names are).
    pub fn attribute(&self, name: &str) -> Option<&Value> {
        self.attributes
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
            .map(|a| &a.value)
    }

    /// A property value; `set` `*` searches every set (first match wins).
    pub fn property(&self, set: &str, name: &str) -> Option<&Value> {
        self.property_sets
            .iter()
            .filter(|s| set == "*" || s.name == set)
            .find_map(|s| s.get(name))
            .map(|p| &p.value)
    }
}

/// Names a property in a set for batched queries; set `*` matches any set.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PropertyRef {
    /// Set name (exact), or `*`.
    pub set: String,
    /// Property name (exact).
    pub name: String,
}

impl PropertyRef {
    /// Builds a reference.
    pub fn new(set: &str, name: &str) -> Self {
        PropertyRef {
            set: set.into(),
            name: name.into(),
        }
    }
}

/// A batched query: every element of `class` (subtypes included).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Query {
    /// IFC entity name, case-insensitive.
    pub class: String,
    /// Only elements on this storey (GlobalId).
    #[serde(default)]
    pub storey: Option<String>,
    /// Attribute names to return.
    #[serde(default)]
    pub attributes: Vec<String>,
    /// Properties to return.
    #[serde(default)]
    pub properties: Vec<PropertyRef>,
}

impl Query {
    /// A query for `class` with no values requested.
    pub fn class(class: &str) -> Self {
        Query {
            class: class.into(),
            ..Default::default()
        }
    }
}

/// One row of a query result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// GlobalId.
    pub id: String,
    /// IFC entity name.
    pub class: String,
    /// Name.
    pub name: Option<String>,
    /// ObjectType.
    pub object_type: Option<String>,
    /// PredefinedType.
    pub predefined_type: Option<String>,
    /// Containing storey.
    pub storey: Option<String>,
    /// Containing space.
    pub space: Option<String>,
    /// Requested attributes, in query order.
    pub attributes: Vec<Option<Value>>,
    /// Requested properties, in query order.
    pub properties: Vec<Option<Value>>,
}

/// A problem building a model from its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelBuildError {
    /// An element has an empty id.
    EmptyId {
        /// Index of the element in the input.
        index: usize,
        /// Its class.
        class: String,
    },
}

impl fmt::Display for ModelBuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ModelBuildError::EmptyId { index, class } => {
                write!(f, "element {index} ({class}) has an empty id")
            }
        }
    }
}

impl std::error::Error for ModelBuildError {}

/// The serialisable part of a model: the JSON model format (docs/model-format.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelData {
    /// IFC schema, e.g. `IFC4`.
    pub schema: String,
    /// Storeys.
    #[serde(default)]
    pub storeys: Vec<Storey>,
    /// Elements.
    #[serde(default)]
    pub elements: Vec<Element>,
}

/// A read-only building model with indexes for the queries packs make.
#[derive(Debug, Clone)]
pub struct Model {
    schema: String,
    storeys: Vec<Storey>,
    elements: Vec<Element>,
    by_id: HashMap<String, u32>,
    /// Upper-case class name (the element's own and every supertype) → element indexes.
    by_class: HashMap<String, Vec<u32>>,
    warnings: Vec<String>,
    /// The source file's instance graph (IFC input only).
    graph: Option<Arc<dyn InstanceGraph>>,
}

impl Model {
    /// Builds a model. `supertypes` returns the supertypes of an IFC class
    /// name (any case) in the model's schema, nearest first; it is called
    /// once per distinct class name (as written). Duplicate GlobalIds keep
    /// the first element for lookups by id and add a warning.
    pub fn new(
        schema: impl Into<String>,
        mut storeys: Vec<Storey>,
        elements: Vec<Element>,
        supertypes: &dyn Fn(&str) -> Vec<String>,
    ) -> Result<Self, ModelBuildError> {
        let mut by_id = HashMap::with_capacity(elements.len());
        // One slot per distinct upper-case class name (an element's own and
        // every supertype), holding its elements; each class name as written
        // maps to its slots once, so an element costs one lookup and no
        // allocation beyond its id.
        let mut slot_of: HashMap<String, usize> = HashMap::new();
        let mut slots: Vec<Vec<u32>> = Vec::new();
        let mut lineage: HashMap<&str, Vec<usize>> = HashMap::new();
        let mut warnings = Vec::new();
        for (i, e) in elements.iter().enumerate() {
            if e.id.is_empty() {
                return Err(ModelBuildError::EmptyId {
                    index: i,
                    class: e.class.clone(),
                });
            }
            match by_id.entry(e.id.clone()) {
                std::collections::hash_map::Entry::Vacant(v) => {
                    v.insert(i as u32);
                }
                // Keep the first; lookups by id return it.
                std::collections::hash_map::Entry::Occupied(_) => warnings.push(format!(
                    "duplicate GlobalId {} ({}): lookups by id return the first",
                    e.id, e.class
                )),
            }
            let of = lineage.entry(e.class.as_str()).or_insert_with(|| {
                let mut names = vec![e.class.to_ascii_uppercase()];
                names.extend(supertypes(&e.class).iter().map(|s| s.to_ascii_uppercase()));
                let mut of: Vec<usize> = Vec::with_capacity(names.len());
                for name in names {
                    let next = slots.len();
                    let slot = *slot_of.entry(name).or_insert(next);
                    if slot == next {
                        slots.push(Vec::new());
                    }
                    if !of.contains(&slot) {
                        of.push(slot);
                    }
                }
                of
            });
            for &slot in of.iter() {
                slots[slot].push(i as u32);
            }
        }
        let by_class: HashMap<String, Vec<u32>> = slot_of
            .into_iter()
            .map(|(name, slot)| (name, std::mem::take(&mut slots[slot])))
            .collect();
        storeys.sort_by(|a, b| match (a.elevation, b.elevation) {
            (Some(x), Some(y)) => x.total_cmp(&y),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        });
        Ok(Model {
            schema: schema.into(),
            storeys,
            elements,
            by_id,
            by_class,
            warnings,
            graph: None,
        })
    }

    /// Builds a model from its serialisable form.
    pub fn from_data(
        data: ModelData,
        supertypes: &dyn Fn(&str) -> Vec<String>,
    ) -> Result<Self, ModelBuildError> {
        Model::new(data.schema, data.storeys, data.elements, supertypes)
    }

    /// The serialisable form (the JSON model format).
    pub fn to_data(&self) -> ModelData {
        ModelData {
            schema: self.schema.clone(),
            storeys: self.storeys.clone(),
            elements: self.elements.clone(),
        }
    }

    /// The IFC schema, e.g. `IFC4`.
    pub fn schema(&self) -> &str {
        &self.schema
    }

    /// Storeys, bottom to top where elevations are known.
    pub fn storeys(&self) -> &[Storey] {
        &self.storeys
    }

    /// Every element, in input order.
    pub fn elements(&self) -> &[Element] {
        &self.elements
    }

    /// Warnings raised while building (duplicate ids and the like).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Adds a warning (loaders use this for data they had to skip).
    pub fn push_warning(&mut self, w: String) {
        self.warnings.push(w);
    }

    /// Attaches the source file's instance graph (the IFC loader does).
    pub fn set_graph(&mut self, graph: Arc<dyn InstanceGraph>) {
        self.graph = Some(graph);
    }

    /// The source file's instance graph: `None` for JSON models.
    pub fn graph(&self) -> Option<&dyn InstanceGraph> {
        self.graph.as_deref()
    }

    /// One element by GlobalId.
    pub fn get(&self, id: &str) -> Option<&Element> {
        self.by_id.get(id).map(|&i| &self.elements[i as usize])
    }

    /// Elements of `class`, subtypes included (case-insensitive).
    pub fn of_class<'a>(&'a self, class: &str) -> impl Iterator<Item = &'a Element> + 'a {
        let idx: &[u32] = self
            .by_class
            .get(&class.to_ascii_uppercase())
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        idx.iter().map(move |&i| &self.elements[i as usize])
    }

    /// How many elements of `class`, subtypes included.
    pub fn count(&self, class: &str) -> u32 {
        self.by_class
            .get(&class.to_ascii_uppercase())
            .map_or(0, |v| v.len() as u32)
    }

    /// Runs a batched query.
    pub fn query(&self, q: &Query) -> Vec<Row> {
        self.of_class(&q.class)
            .filter(|e| q.storey.is_none() || e.storey == q.storey)
            .map(|e| Row {
                id: e.id.clone(),
                class: e.class.clone(),
                name: e.name.clone(),
                object_type: e.object_type.clone(),
                predefined_type: e.predefined_type.clone(),
                storey: e.storey.clone(),
                space: e.space.clone(),
                attributes: q
                    .attributes
                    .iter()
                    .map(|a| e.attribute(a).cloned())
                    .collect(),
                properties: q
                    .properties
                    .iter()
                    .map(|p| e.property(&p.set, &p.name).cloned())
                    .collect(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Measure, Property, SetKind};

    fn hierarchy(class: &str) -> Vec<String> {
        match class.to_ascii_uppercase().as_str() {
            "IFCDOOR" => vec!["IfcBuildingElement".into(), "IfcElement".into()],
            "IFCWALL" => vec!["IfcBuildingElement".into(), "IfcElement".into()],
            _ => vec![],
        }
    }

    fn door(id: &str, width: f64) -> Element {
        let mut e = Element::new(id, "IfcDoor");
        e.attributes.push(Attribute {
            name: "OverallWidth".into(),
            value: Value::Measure(Measure::length_m(width)),
            data_type: "IfcPositiveLengthMeasure".into(),
        });
        e.property_sets.push(PropertySet {
            name: "Pset_DoorCommon".into(),
            kind: SetKind::PropertySet,
            properties: vec![Property {
                name: "IsExternal".into(),
                value: Value::Boolean(true),
                data_type: "IfcBoolean".into(),
            }],
        });
        e
    }

    #[test]
    fn queries_follow_the_class_hierarchy() {
        let m = Model::new(
            "IFC4",
            vec![],
            vec![
                door("d1", 0.9),
                Element::new("w1", "IfcWall"),
                door("d2", 0.7),
            ],
            &hierarchy,
        )
        .unwrap();
        assert_eq!(m.count("IfcDoor"), 2);
        assert_eq!(m.count("ifcbuildingelement"), 3);
        assert_eq!(m.count("IfcWindow"), 0);
        let rows = m.query(&Query {
            class: "IfcDoor".into(),
            attributes: vec!["overallwidth".into(), "OverallHeight".into()],
            properties: vec![
                PropertyRef::new("*", "IsExternal"),
                PropertyRef::new("Pset_Other", "IsExternal"),
            ],
            ..Default::default()
        });
        assert_eq!(rows.len(), 2);
        assert_eq!(
            rows[1].attributes[0].as_ref().unwrap().as_length(),
            Some(0.7)
        );
        assert_eq!(rows[1].attributes[1], None);
        assert_eq!(rows[0].properties[0], Some(Value::Boolean(true)));
        assert_eq!(rows[0].properties[1], None);
    }

    #[test]
    fn duplicate_ids_warn_and_keep_the_first() {
        let m = Model::new(
            "IFC4",
            vec![],
            vec![door("d1", 0.9), door("d1", 0.5)],
            &hierarchy,
        )
        .unwrap();
        assert_eq!(m.warnings().len(), 1);
        assert_eq!(
            m.get("d1")
                .unwrap()
                .attribute("OverallWidth")
                .unwrap()
                .as_length(),
            Some(0.9)
        );
    }

    #[test]
    fn json_field_typos_are_errors() {
        let err = serde_json::from_str::<ModelData>(
            r#"{"schema":"IFC4","elements":[{"id":"a","class":"IfcDoor","predefinedtype":"DOOR"}]}"#,
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("unknown field `predefinedtype`"),
            "{err}"
        );
    }

    #[test]
    fn json_round_trip() {
        let m = Model::new("IFC4", vec![], vec![door("d1", 0.9)], &hierarchy).unwrap();
        let s = serde_json::to_string(&m.to_data()).unwrap();
        let back: ModelData = serde_json::from_str(&s).unwrap();
        assert_eq!(back, m.to_data());
    }
}
