//! Values, measures and property sets.

use serde::{Deserialize, Serialize};

/// What a measure quantifies; the number is in the SI unit named.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MeasureKind {
    /// metres
    Length,
    /// square metres
    Area,
    /// cubic metres
    Volume,
    /// radians
    PlaneAngle,
    /// kilograms
    Mass,
    /// seconds
    Time,
    /// a count (dimensionless)
    Count,
    /// a ratio (dimensionless)
    Ratio,
    /// any other measure in SI base units
    Other,
}

impl MeasureKind {
    /// The SI unit symbol of this kind ("" for dimensionless kinds).
    pub fn si_unit(self) -> &'static str {
        match self {
            MeasureKind::Length => "m",
            MeasureKind::Area => "m²",
            MeasureKind::Volume => "m³",
            MeasureKind::PlaneAngle => "rad",
            MeasureKind::Mass => "kg",
            MeasureKind::Time => "s",
            MeasureKind::Count | MeasureKind::Ratio | MeasureKind::Other => "",
        }
    }
}

/// A physical quantity in SI units.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Measure {
    /// What it measures.
    pub kind: MeasureKind,
    /// The value in the SI unit of `kind`.
    pub si: f64,
}

impl Measure {
    /// A length in metres.
    pub fn length_m(m: f64) -> Self {
        Measure {
            kind: MeasureKind::Length,
            si: m,
        }
    }
}

/// A value as a model carries it, units already converted to SI.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "kebab-case")]
pub enum Value {
    /// A string (IfcLabel, IfcText, IfcIdentifier, enumerations ...).
    Text(String),
    /// An integer.
    Integer(i64),
    /// A dimensionless real.
    Real(f64),
    /// A boolean (or a LOGICAL that is true/false).
    Boolean(bool),
    /// IFC LOGICAL unknown.
    Unknown,
    /// A measure in SI units.
    Measure(Measure),
}

impl Value {
    /// The number in SI units, for measures, reals and integers.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Measure(m) => Some(m.si),
            Value::Real(r) => Some(*r),
            Value::Integer(i) => Some(*i as f64),
            _ => None,
        }
    }

    /// A length in metres, if this is a length measure. A bare real is not
    /// taken for a length: its unit would be a guess.
    pub fn as_length(&self) -> Option<f64> {
        match self {
            Value::Measure(Measure {
                kind: MeasureKind::Length,
                si,
            }) => Some(*si),
            _ => None,
        }
    }

    /// The text, if this is text.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }

    /// The boolean, if this is a boolean.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Boolean(b) => Some(*b),
            _ => None,
        }
    }

    /// A whole number (integers, counts, and reals that are whole).
    pub fn as_count(&self) -> Option<i64> {
        match self {
            Value::Integer(i) => Some(*i),
            Value::Measure(m) if m.kind == MeasureKind::Count => whole(m.si),
            Value::Real(r) => whole(*r),
            _ => None,
        }
    }
}

fn whole(x: f64) -> Option<i64> {
    (x.is_finite() && x.fract() == 0.0 && x.abs() < 9.0e15).then_some(x as i64)
}

/// One property or quantity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Property {
    /// Property name, e.g. `RiserHeight`.
    pub name: String,
    /// Its value in SI.
    pub value: Value,
    /// IFC data type, e.g. `IfcPositiveLengthMeasure`.
    #[serde(rename = "dataType", default)]
    pub data_type: String,
}

/// Whether a set holds properties or quantities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum SetKind {
    /// `IfcPropertySet`
    #[default]
    PropertySet,
    /// `IfcElementQuantity`
    QuantitySet,
}

/// A property set or quantity set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PropertySet {
    /// Set name, e.g. `Pset_DoorCommon`, `Qto_DoorBaseQuantities`, `BaseQuantities`.
    pub name: String,
    /// Property or quantity set.
    #[serde(default)]
    pub kind: SetKind,
    /// Its properties.
    pub properties: Vec<Property>,
}

impl PropertySet {
    /// A property of this set by name (exact match).
    pub fn get(&self, name: &str) -> Option<&Property> {
        self.properties.iter().find(|p| p.name == name)
    }
}

/// An attribute of the IFC entity itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attribute {
    /// Attribute name as the schema spells it, e.g. `OverallWidth`.
    pub name: String,
    /// Its value in SI.
    pub value: Value,
    /// IFC data type of the attribute.
    #[serde(rename = "dataType", default)]
    pub data_type: String,
}
