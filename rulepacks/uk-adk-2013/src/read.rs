//! Reading lengths in the spec's priority order, remembering where each
//! value came from and why a source was not usable.

use plancheck_sdk::select::{Item, Select, Source};
use plancheck_sdk::{MeasureKind, Value};

use crate::text::{join, mm};

/// One place a value may be stored.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    /// The name the value is declared under in the [`Select`] (one source
    /// per name, so the pack can tell the sources apart).
    pub key: &'static str,
    /// Where it is stored.
    pub source: Source,
    /// How messages name it, e.g. `IfcStairFlight.RiserHeight`.
    pub label: &'static str,
}

/// A length read from the model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reading {
    /// Metres.
    pub si: f64,
    /// Where it came from.
    pub label: &'static str,
}

/// Declares every field on the selection (still one host call when run).
pub fn declare(mut select: Select, fields: &[Field]) -> Select {
    for f in fields {
        select = select.value(f.key, &[f.source]);
    }
    select
}

/// The first usable length of `fields`, in order, or a phrase saying what
/// was found instead (`A and B are absent`).
///
/// Usable means a length measure (a bare number's unit would be a guess)
/// greater than zero: exporters write 0 for "unknown" (README: zero or
/// negative values of positive measures are missing). An unusable value
/// counts as missing, so the next source is read.
pub fn length(item: &Item<'_>, fields: &[Field]) -> Result<Reading, String> {
    let mut problems: Vec<String> = Vec::new();
    let mut absent: Vec<&str> = Vec::new();
    for f in fields {
        match item.get(f.key).map(|(v, _)| v) {
            None => absent.push(f.label),
            Some(v) => match v.as_length() {
                Some(si) if si.is_finite() && si > 0.0 => {
                    return Ok(Reading { si, label: f.label })
                }
                Some(si) => problems.push(format!(
                    "{} is {} (zero or negative: treated as missing)",
                    f.label,
                    mm(si)
                )),
                None => problems.push(format!(
                    "{} is not a length measure ({})",
                    f.label,
                    describe_value(v)
                )),
            },
        }
    }
    let mut parts = Vec::new();
    match absent.len() {
        0 => {}
        1 => parts.push(format!("{} is absent", absent[0])),
        _ => parts.push(format!("{} are absent", join(&absent, "and"))),
    }
    parts.extend(problems);
    Err(parts.join("; "))
}

fn describe_value(v: &Value) -> String {
    match v {
        Value::Text(t) => format!("text \"{t}\""),
        Value::Integer(i) => format!("the number {i} without a unit"),
        Value::Real(r) => format!("the number {r} without a unit"),
        Value::Boolean(b) => format!("the boolean {b}"),
        Value::Unknown => "unknown".into(),
        Value::Measure(m) => match m.kind {
            MeasureKind::Length => "a length".into(),
            k => format!("a {} measure", kind_name(k)),
        },
    }
}

fn kind_name(k: MeasureKind) -> &'static str {
    match k {
        MeasureKind::Length => "length",
        MeasureKind::Area => "area",
        MeasureKind::Volume => "volume",
        MeasureKind::PlaneAngle => "plane-angle",
        MeasureKind::Mass => "mass",
        MeasureKind::Time => "time",
        MeasureKind::Count => "count",
        MeasureKind::Ratio => "ratio",
        MeasureKind::Other => "non-length",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plancheck_sdk::select::{attr, prop};
    use plancheck_sdk::{Attribute, Element, Measure, Model, Property, PropertySet, SetKind};

    const RISE: [Field; 2] = [
        Field {
            key: "a",
            source: attr("RiserHeight"),
            label: "IfcStairFlight.RiserHeight",
        },
        Field {
            key: "p",
            source: prop("Pset_StairFlightCommon", "RiserHeight"),
            label: "Pset_StairFlightCommon.RiserHeight",
        },
    ];

    fn flight(attr_v: Option<Value>, pset_v: Option<Value>) -> Model {
        let mut e = Element::new("f", "IfcStairFlight");
        if let Some(v) = attr_v {
            e.attributes.push(Attribute {
                name: "RiserHeight".into(),
                value: v,
                data_type: String::new(),
            });
        }
        if let Some(v) = pset_v {
            e.property_sets.push(PropertySet {
                name: "Pset_StairFlightCommon".into(),
                kind: SetKind::PropertySet,
                properties: vec![Property {
                    name: "RiserHeight".into(),
                    value: v,
                    data_type: String::new(),
                }],
            });
        }
        Model::new("IFC4", vec![], vec![e], &|_| vec![]).unwrap()
    }

    fn read(m: &Model) -> Result<Reading, String> {
        let sel = declare(Select::class("IfcStairFlight"), &RISE);
        let items = sel.run(m);
        length(&items[0], &RISE)
    }

    fn len(v: f64) -> Option<Value> {
        Some(Value::Measure(Measure::length_m(v)))
    }

    #[test]
    fn first_present_source_wins() {
        let r = read(&flight(len(0.17), len(0.2))).unwrap();
        assert_eq!(r.si, 0.17);
        assert_eq!(r.label, "IfcStairFlight.RiserHeight");
        let r = read(&flight(None, len(0.2))).unwrap();
        assert_eq!(r.label, "Pset_StairFlightCommon.RiserHeight");
    }

    #[test]
    fn missing_names_every_source() {
        assert_eq!(
            read(&flight(None, None)).unwrap_err(),
            "IfcStairFlight.RiserHeight and Pset_StairFlightCommon.RiserHeight are absent"
        );
    }

    #[test]
    fn bare_numbers_and_zeros_are_not_lengths() {
        assert_eq!(
            read(&flight(Some(Value::Real(0.17)), None)).unwrap_err(),
            "Pset_StairFlightCommon.RiserHeight is absent; IfcStairFlight.RiserHeight is not \
             a length measure (the number 0.17 without a unit)"
        );
        // A zero attribute (exporter's "unknown") falls through to the pset.
        let r = read(&flight(len(0.0), len(0.2))).unwrap();
        assert_eq!(r.si, 0.2);
        assert_eq!(
            read(&flight(len(0.0), Some(Value::Text("170".into())))).unwrap_err(),
            "IfcStairFlight.RiserHeight is 0 mm (zero or negative: treated as missing); \
             Pset_StairFlightCommon.RiserHeight is not a length measure (text \"170\")"
        );
    }
}
