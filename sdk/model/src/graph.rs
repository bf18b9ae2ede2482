//! The instance graph (contract 0.2.0): every entity instance of the source
//! file, as the file states it, for packs that need more than the element
//! view — IDS checks materials, classifications, `partOf` relations and any
//! attribute of any entity.
//!
//! A model built from IFC carries a graph ([`Model::graph`]); a JSON model
//! has none. The host builds the graph from the loader's own scan of the
//! file (its inverse index on first use), so packs that never ask pay no
//! CPU for it.
//!
//! [`Model::graph`]: crate::Model::graph

use std::fmt;

/// One value of an attribute, without nesting.
#[derive(Debug, Clone, PartialEq)]
pub enum StepAtom {
    /// `$`: not set.
    Null,
    /// `*`: derived by the schema.
    Derived,
    /// A string (decoded).
    Text(String),
    /// An integer.
    Integer(i64),
    /// A real number, as written (no unit conversion).
    Real(f64),
    /// `.T.` / `.F.`
    Boolean(bool),
    /// `.U.` (LOGICAL unknown).
    Unknown,
    /// An enumeration value without the dots, e.g. `SOLIDWALL`.
    Enum(String),
    /// A binary literal, as written.
    Binary(String),
    /// A reference to instance `#id`.
    Ref(u32),
    /// A list inside a list (not flattened further).
    Nested,
}

/// A value with the defined type it was written with, e.g.
/// `IFCLENGTHMEASURE(3.)` → type `IfcLengthMeasure`, atom `Real(3.0)`.
#[derive(Debug, Clone, PartialEq)]
pub struct StepScalar {
    /// Schema spelling of the defined type of a typed value (`IfcLabel`).
    pub type_name: Option<String>,
    /// The value.
    pub atom: StepAtom,
}

impl StepScalar {
    /// An untyped value.
    pub fn plain(atom: StepAtom) -> Self {
        StepScalar {
            type_name: None,
            atom,
        }
    }
}

/// One attribute of an instance: a single value or a list of them.
#[derive(Debug, Clone, PartialEq)]
pub enum StepValue {
    /// A single value.
    Single(StepScalar),
    /// A list, set or array.
    List(Vec<StepScalar>),
}

impl StepValue {
    /// The instance this attribute references, if it is a single reference.
    pub fn as_ref(&self) -> Option<u32> {
        match self {
            StepValue::Single(StepScalar {
                atom: StepAtom::Ref(r),
                ..
            }) => Some(*r),
            _ => None,
        }
    }

    /// Every reference in the attribute (a single one or a list's).
    pub fn refs(&self) -> Vec<u32> {
        match self {
            StepValue::Single(s) => match s.atom {
                StepAtom::Ref(r) => vec![r],
                _ => vec![],
            },
            StepValue::List(l) => l
                .iter()
                .filter_map(|s| match s.atom {
                    StepAtom::Ref(r) => Some(r),
                    _ => None,
                })
                .collect(),
        }
    }

    /// Whether the attribute references `id` (a single reference or a
    /// list's member), without allocating.
    pub fn has_ref(&self, id: u32) -> bool {
        match self {
            StepValue::Single(s) => s.atom == StepAtom::Ref(id),
            StepValue::List(l) => l.iter().any(|s| s.atom == StepAtom::Ref(id)),
        }
    }

    /// The text of a single string, enumeration or typed string value.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            StepValue::Single(StepScalar {
                atom: StepAtom::Text(s) | StepAtom::Enum(s),
                ..
            }) => Some(s),
            _ => None,
        }
    }

    /// Whether the attribute is `$` (or `*`).
    pub fn is_null(&self) -> bool {
        matches!(
            self,
            StepValue::Single(StepScalar {
                atom: StepAtom::Null | StepAtom::Derived,
                ..
            })
        )
    }
}

/// One entity instance of the source file.
#[derive(Debug, Clone, PartialEq)]
pub struct Instance {
    /// Its instance number (`#id`).
    pub id: u32,
    /// Entity name in schema spelling, e.g. `IfcWall`.
    pub class: String,
    /// Attribute values in schema order (see [`EntityClass::attributes`]).
    pub attributes: Vec<StepValue>,
}

impl Instance {
    /// The GlobalId, for instances of `IfcRoot` subtypes (the first attribute).
    pub fn global_id(&self) -> Option<&str> {
        self.attributes.first().and_then(StepValue::as_text)
    }
}

/// What the schema says about an entity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntityClass {
    /// Schema spelling, e.g. `IfcWallStandardCase`.
    pub name: String,
    /// Supertypes, nearest first.
    pub supertypes: Vec<String>,
    /// Attribute names in order, inherited ones first (explicit attributes only).
    pub attributes: Vec<String>,
    /// Whether the entity is abstract.
    pub is_abstract: bool,
}

/// The instance graph of a model's source file. Implemented by the host's
/// IFC loader; every method is cheap after the first call.
pub trait InstanceGraph: Send + Sync {
    /// Instance numbers of every instance of `class` (any case), subtypes
    /// included, in file order.
    fn instances_of(&self, class: &str) -> Vec<u32>;
    /// The instances with these numbers (`None` for an unknown number).
    fn instances(&self, ids: &[u32]) -> Vec<Option<Instance>>;
    /// For each id, the instances whose attributes reference it (inverse
    /// relationships), in file order.
    fn referencing(&self, ids: &[u32]) -> Vec<Vec<u32>>;
    /// The schema's facts about an entity of the model's schema (any case).
    fn entity_class(&self, name: &str) -> Option<EntityClass>;
    /// The factor that takes a value of this measure type (`IfcLengthMeasure`,
    /// any case) in the project's units to SI; `None` when the project's
    /// unit for it cannot be converted. 1 for non-measures.
    fn unit_scale(&self, measure_type: &str) -> Option<f64>;
}

impl fmt::Debug for dyn InstanceGraph {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("InstanceGraph")
    }
}
