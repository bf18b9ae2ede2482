//! Reading values in the spec's priority order.
//!
//! A [`Chain`] lists where exports keep one value (attribute first, then
//! property sets), each source marked as the dimension the code measures or
//! only an upper bound of it. The chain is declared once on the class's
//! [`Select`] (one batched host call) and read per row here.
//!
//! The SDK's `Item::length` returns the first present length; the spec
//! also treats zero or negative lengths (and counts) as *missing* — exporters
//! write 0 for "unknown" — so the next source must be read and the
//! not-assessable message must say what was found. That needs to walk every
//! source of the row, which is what [`Chain::length`] and [`Chain::count`] do.

use plancheck_sdk::prelude::*;
use plancheck_sdk::units::trim;
use plancheck_sdk::{MeasureKind, Query, Value};

/// One place a value may be kept.
#[derive(Debug, Clone, Copy)]
pub struct Src {
    /// The attribute or property.
    pub source: Source,
    /// `true` when the value is only an upper bound of what the code
    /// measures (a door's overall width for its clear width).
    pub upper_bound: bool,
}

/// A source holding the dimension the code measures.
pub const fn measured(source: Source) -> Src {
    Src {
        source,
        upper_bound: false,
    }
}

/// A source holding only an upper bound of the dimension the code measures.
pub const fn bound(source: Source) -> Src {
    Src {
        source,
        upper_bound: true,
    }
}

/// Where one value is kept, in priority order.
#[derive(Debug, Clone, Copy)]
pub struct Chain {
    /// The value's name in the [`Select`].
    pub key: &'static str,
    /// The queried class, used to name attributes (`IfcStairFlight.RiserHeight`).
    pub class: &'static str,
    /// The sources, first present usable value wins.
    pub sources: &'static [Src],
}

/// A value read from the model.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    /// Metres.
    pub si: f64,
    /// The source it came from, as messages name it.
    pub label: String,
    /// Whether it is only an upper bound of the measured dimension.
    pub upper_bound: bool,
}

impl Chain {
    /// Declares this chain on a selection.
    pub fn declare(&self, select: Select) -> Select {
        let sources: Vec<Source> = self.sources.iter().map(|s| s.source).collect();
        select.value(self.key, &sources)
    }

    /// How a message names `src`.
    pub fn label(&self, src: &Src) -> String {
        match src.source {
            Source::Attr(a) => format!("{}.{a}", self.class),
            Source::Prop("*", n) => format!("{n} (any set)"),
            Source::Prop(s, n) => format!("{s}.{n}"),
        }
    }

    /// The first usable length (a positive length measure), or why there is none.
    pub fn length(&self, item: &Item, query: &Query) -> Result<Reading, String> {
        let mut problems = Problems::default();
        for src in self.sources {
            let label = self.label(src);
            match raw(item, query, src.source) {
                None => problems.absent.push(label),
                Some(v) => match v.as_length() {
                    Some(si) if si > 0.0 && si.is_finite() => {
                        return Ok(Reading {
                            si,
                            label,
                            upper_bound: src.upper_bound,
                        })
                    }
                    Some(si) => problems.other.push(format!(
                        "{label} is {} mm (zero or negative is treated as missing)",
                        trim(si * 1000.0, 2)
                    )),
                    None => problems
                        .other
                        .push(format!("{label} holds {}, not a length", describe(v))),
                },
            }
        }
        Err(problems.to_string())
    }

    /// The first usable count (a whole number above zero) with its source,
    /// or why there is none. A fractional count is not usable.
    pub fn count(&self, item: &Item, query: &Query) -> Result<(i64, String), String> {
        let mut problems = Problems::default();
        for src in self.sources {
            let label = self.label(src);
            match raw(item, query, src.source) {
                None => problems.absent.push(label),
                Some(v) => match (v.as_count(), count_like(v)) {
                    (Some(n), _) if n > 0 => return Ok((n, label)),
                    (Some(n), _) => problems
                        .other
                        .push(format!("{label} is {n} (treated as missing)")),
                    (None, Some(x)) => problems
                        .other
                        .push(format!("{label} is {x}, not a whole number")),
                    (None, None) => problems
                        .other
                        .push(format!("{label} holds {}, not a count", describe(v))),
                },
            }
        }
        Err(problems.to_string())
    }
}

/// A number that could have been a count (integer, real, count measure).
fn count_like(v: &Value) -> Option<f64> {
    match v {
        Value::Real(r) => Some(*r),
        Value::Measure(m) if m.kind == MeasureKind::Count => Some(m.si),
        _ => None,
    }
}

/// The raw value of `source` in `item`'s row, if present.
fn raw<'a>(item: &'a Item, query: &Query, source: Source) -> Option<&'a Value> {
    match source {
        Source::Attr(a) => {
            let i = query.attributes.iter().position(|x| x == a)?;
            item.row.attributes.get(i)?.as_ref()
        }
        Source::Prop(s, n) => {
            let i = query
                .properties
                .iter()
                .position(|p| p.set == s && p.name == n)?;
            item.row.properties.get(i)?.as_ref()
        }
    }
}

/// Names a value that is not what a rule needs, for messages.
fn describe(v: &Value) -> String {
    match v {
        Value::Text(s) => format!("the text {s:?}"),
        Value::Integer(i) => format!("the integer {i}"),
        Value::Real(r) => format!("a number without a unit ({r})"),
        Value::Boolean(b) => format!("the boolean {b}"),
        Value::Unknown => "UNKNOWN".into(),
        Value::Measure(m) => {
            let kind = match m.kind {
                MeasureKind::Length => "length",
                MeasureKind::Area => "area",
                MeasureKind::Volume => "volume",
                MeasureKind::PlaneAngle => "plane angle",
                MeasureKind::Mass => "mass",
                MeasureKind::Time => "time",
                MeasureKind::Count => "count",
                MeasureKind::Ratio => "ratio",
                MeasureKind::Other => "other",
            };
            match m.kind.si_unit() {
                "" => format!("a {kind} measure ({})", m.si),
                unit => format!("a {kind} measure ({} {unit})", m.si),
            }
        }
    }
}

/// Why a chain gave no value: the sources that are absent, and the ones
/// present with an unusable value.
#[derive(Default)]
struct Problems {
    absent: Vec<String>,
    other: Vec<String>,
}

impl std::fmt::Display for Problems {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut parts = self.other.clone();
        match self.absent.len() {
            0 => {}
            1 => parts.insert(0, format!("{} is absent", self.absent[0])),
            n => parts.insert(
                0,
                format!(
                    "{} and {} are absent",
                    self.absent[..n - 1].join(", "),
                    self.absent[n - 1]
                ),
            ),
        }
        f.write_str(&parts.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plancheck_sdk::{Element, Measure, Model, Property, PropertySet, SetKind};

    const RISER: Chain = Chain {
        key: "riser",
        class: "IfcStairFlight",
        sources: &[
            measured(attr("RiserHeight")),
            measured(prop("Pset_StairFlightCommon", "RiserHeight")),
        ],
    };
    const N: Chain = Chain {
        key: "n",
        class: "IfcStairFlight",
        sources: &[
            measured(attr("NumberOfRisers")),
            measured(prop("Pset_StairFlightCommon", "NumberOfRiser")),
        ],
    };

    fn flight(attr_v: Option<Value>, pset: Vec<(&str, Value)>) -> Model {
        let mut e = Element::new("f", "IfcStairFlight");
        if let Some(v) = attr_v {
            e.attributes.push(plancheck_sdk::Attribute {
                name: "RiserHeight".into(),
                value: v,
                data_type: String::new(),
            });
        }
        e.property_sets.push(PropertySet {
            name: "Pset_StairFlightCommon".into(),
            kind: SetKind::PropertySet,
            properties: pset
                .into_iter()
                .map(|(n, v)| Property {
                    name: n.into(),
                    value: v,
                    data_type: String::new(),
                })
                .collect(),
        });
        Model::new("IFC4", vec![], vec![e], &|_| vec![]).unwrap()
    }

    fn read(m: &Model) -> (Result<Reading, String>, Result<(i64, String), String>) {
        let sel = N.declare(RISER.declare(Select::class("IfcStairFlight")));
        let items = sel.run(m);
        (
            RISER.length(&items[0], sel.query()),
            N.count(&items[0], sel.query()),
        )
    }

    #[test]
    fn first_usable_source_wins_and_zero_is_missing() {
        let len = |x| Value::Measure(Measure::length_m(x));
        let m = flight(Some(len(0.17)), vec![("RiserHeight", len(0.2))]);
        let r = read(&m).0.unwrap();
        assert_eq!(
            (r.si, r.label.as_str()),
            (0.17, "IfcStairFlight.RiserHeight")
        );

        // 0 on the attribute: treated as missing, the Pset is read.
        let m = flight(Some(len(0.0)), vec![("RiserHeight", len(0.2))]);
        let r = read(&m).0.unwrap();
        assert_eq!(
            (r.si, r.label.as_str()),
            (0.2, "Pset_StairFlightCommon.RiserHeight")
        );

        // A bare number is not a length.
        let m = flight(None, vec![("RiserHeight", Value::Real(190.0))]);
        assert_eq!(
            read(&m).0.unwrap_err(),
            "IfcStairFlight.RiserHeight is absent; Pset_StairFlightCommon.RiserHeight \
             holds a number without a unit (190), not a length"
        );
        let m = flight(None, vec![]);
        assert_eq!(
            read(&m).0.unwrap_err(),
            "IfcStairFlight.RiserHeight and Pset_StairFlightCommon.RiserHeight are absent"
        );
    }

    #[test]
    fn counts_must_be_whole_and_positive() {
        let cnt = |x| {
            Value::Measure(Measure {
                kind: MeasureKind::Count,
                si: x,
            })
        };
        let m = flight(None, vec![("NumberOfRiser", cnt(15.0))]);
        assert_eq!(
            read(&m).1.unwrap(),
            (15, "Pset_StairFlightCommon.NumberOfRiser".to_string())
        );
        let m = flight(None, vec![("NumberOfRiser", cnt(18.5))]);
        assert_eq!(
            read(&m).1.unwrap_err(),
            "IfcStairFlight.NumberOfRisers is absent; \
             Pset_StairFlightCommon.NumberOfRiser is 18.5, not a whole number"
        );
        let m = flight(None, vec![("NumberOfRiser", Value::Integer(0))]);
        assert!(read(&m)
            .1
            .unwrap_err()
            .contains("is 0 (treated as missing)"));
    }
}
