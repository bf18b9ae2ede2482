//! STEP values to Plancheck [`Value`]s, converted to SI.

use ifc_lite_core::{measure_unit, AttrKind, AttributeValue, MeasureUnit};
use plancheck_model::{Measure, MeasureKind, Value};

use super::schema::{defined_type, AttrSpec};
use super::units::{Scale, Units};

/// A converted value with its IFC data type.
pub(crate) type Typed = (Value, String);

/// Why a value was not converted.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Skip {
    /// Nothing to take (`$`, a reference, a list): not worth a warning.
    Quiet,
    /// Its unit could not be resolved (already reported once).
    Unit,
    /// The value does not fit its type: worth a warning.
    Bad(String),
}

fn measure_kind(unit_type: &str) -> MeasureKind {
    match unit_type {
        "LENGTHUNIT" => MeasureKind::Length,
        "AREAUNIT" => MeasureKind::Area,
        "VOLUMEUNIT" => MeasureKind::Volume,
        "PLANEANGLEUNIT" => MeasureKind::PlaneAngle,
        "MASSUNIT" => MeasureKind::Mass,
        "TIMEUNIT" => MeasureKind::Time,
        _ => MeasureKind::Other,
    }
}

fn logical(v: &AttributeValue) -> Option<Option<bool>> {
    let e = v.as_enum()?.trim_matches('.');
    let is = |s: &str| e.eq_ignore_ascii_case(s);
    if is("T") || is("TRUE") {
        Some(Some(true))
    } else if is("F") || is("FALSE") {
        Some(Some(false))
    } else if is("U") || is("UNKNOWN") {
        Some(None)
    } else {
        None
    }
}

/// The text of a string value (seeing through a typed one, as
/// `as_string` does), moved out of the decoded record: the record is read
/// once, so its strings become the model's without a copy.
pub(crate) fn take_string(v: &mut AttributeValue) -> Option<String> {
    match v {
        AttributeValue::String(s) => Some(std::mem::take(s)),
        AttributeValue::Typed { value, .. } => take_string(value),
        _ => None,
    }
}

/// An enumeration's name, moved out as [`take_string`] does.
fn take_enum(v: &mut AttributeValue) -> Option<String> {
    match v {
        AttributeValue::Enum(s) => Some(std::mem::take(s)),
        AttributeValue::Typed { value, .. } => take_enum(value),
        _ => None,
    }
}

fn number(v: &AttributeValue) -> Result<f64, Skip> {
    match v.as_float() {
        Some(x) if x.is_finite() => Ok(x),
        Some(_) => Err(Skip::Bad("is not a finite number".into())),
        None => Err(Skip::Bad("is not a number".into())),
    }
}

/// Converts `inner`, declared (or written) as defined type `upper`
/// (`IFCLENGTHMEASURE`), to a value in SI. `unit` overrides the project unit
/// (an `IfcPropertySingleValue.Unit`); `Some(None)` is an override that could
/// not be resolved. Text is moved out of `inner`, which is not read again.
pub(crate) fn typed(
    upper: &str,
    inner: &mut AttributeValue,
    units: &Units,
    unit: Option<Option<Scale>>,
) -> Result<Typed, Skip> {
    let upper_owned;
    let upper = if upper.bytes().any(|b| b.is_ascii_lowercase()) {
        upper_owned = upper.to_ascii_uppercase();
        upper_owned.as_str()
    } else {
        upper
    };
    if inner.is_null() {
        return Err(Skip::Quiet);
    }
    let (data_type, unit_of) = match defined_type(upper) {
        Some(d) => (d.name.to_owned(), d.unit),
        None => (upper.to_owned(), measure_unit(upper)),
    };
    let value = match upper {
        "IFCBOOLEAN" | "IFCLOGICAL" => match logical(inner) {
            Some(Some(b)) => Value::Boolean(b),
            Some(None) if upper == "IFCLOGICAL" => Value::Unknown,
            _ => return Err(Skip::Bad(format!("is not a valid {data_type}"))),
        },
        "IFCINTEGER"
        | "IFCPOSITIVEINTEGER"
        | "IFCTIMESTAMP"
        | "IFCDAYINMONTHNUMBER"
        | "IFCDAYINWEEKNUMBER"
        | "IFCMONTHINYEARNUMBER"
        | "IFCYEARNUMBER"
        | "IFCHOURINDAY"
        | "IFCMINUTEINHOUR" => match inner.as_int() {
            Some(i) => Value::Integer(i),
            None => return Err(Skip::Bad(format!("is not an integer ({data_type})"))),
        },
        "IFCREAL"
        | "IFCNUMERICMEASURE"
        | "IFCPARAMETERVALUE"
        | "IFCCONTEXTDEPENDENTMEASURE"
        | "IFCMONETARYMEASURE" => Value::Real(number(inner)?),
        "IFCCOMPLEXNUMBER" | "IFCCOMPOUNDPLANEANGLEMEASURE" => return Err(Skip::Quiet),
        _ => match unit_of {
            Some(MeasureUnit::Typed { unit_type, .. }) => {
                let raw = number(inner)?;
                let scale = match unit {
                    Some(s) => s,
                    None => units.scale(unit_type),
                };
                let Some(scale) = scale else {
                    return Err(Skip::Unit);
                };
                Value::Measure(Measure {
                    kind: measure_kind(unit_type),
                    si: scale.apply(raw),
                })
            }
            Some(MeasureUnit::Dimensionless) => match upper {
                "IFCCOUNTMEASURE" => Value::Measure(Measure {
                    kind: MeasureKind::Count,
                    si: number(inner)?,
                }),
                "IFCRATIOMEASURE" | "IFCNORMALISEDRATIOMEASURE" | "IFCPOSITIVERATIOMEASURE" => {
                    Value::Measure(Measure {
                        kind: MeasureKind::Ratio,
                        si: number(inner)?,
                    })
                }
                "IFCDESCRIPTIVEMEASURE" => match take_string(inner) {
                    Some(s) => Value::Text(s),
                    None => return Err(Skip::Bad("is not text".into())),
                },
                _ => match inner.as_float() {
                    Some(x) if x.is_finite() => Value::Measure(Measure {
                        kind: MeasureKind::Other,
                        si: x,
                    }),
                    _ => return Err(Skip::Quiet),
                },
            },
            Some(MeasureUnit::Monetary) => Value::Real(number(inner)?),
            // labels, texts, identifiers, dates, anything not a measure
            _ => plain(inner).ok_or(Skip::Quiet)?,
        },
    };
    Ok((value, data_type))
}

/// A value by its own shape: text, number, boolean or enumeration (text
/// moved out of `v`).
fn plain(v: &mut AttributeValue) -> Option<Value> {
    if let AttributeValue::Enum(_) = v {
        return Some(match logical(v) {
            Some(Some(b)) => Value::Boolean(b),
            Some(None) => Value::Unknown,
            None => Value::Text(take_enum(v)?),
        });
    }
    match v {
        AttributeValue::String(s) => Some(Value::Text(std::mem::take(s))),
        AttributeValue::Integer(i) => Some(Value::Integer(*i)),
        AttributeValue::Float(f) if f.is_finite() => Some(Value::Real(*f)),
        AttributeValue::Typed { value, .. } => plain(value),
        _ => None,
    }
}

/// A typed parameter `IFCLABEL('x')` anywhere (property values, selects);
/// text is moved out of `v`.
pub(crate) fn typed_parameter(
    v: &mut AttributeValue,
    units: &Units,
    unit: Option<Option<Scale>>,
) -> Result<Typed, Skip> {
    match v {
        AttributeValue::Typed { name, value } => typed(name, value, units, unit),
        AttributeValue::Null | AttributeValue::Derived => Err(Skip::Quiet),
        // IfcValue is a select, so a bare value is not valid, but take it as it is
        other => plain(other)
            .map(|p| {
                let t = match &p {
                    Value::Text(_) => "IfcLabel",
                    Value::Integer(_) => "IfcInteger",
                    Value::Boolean(_) => "IfcBoolean",
                    Value::Unknown => "IfcLogical",
                    _ => "IfcReal",
                };
                (p, t.to_owned())
            })
            .ok_or(Skip::Quiet),
    }
}

/// Converts an entity attribute by its schema kind and defined type; text
/// is moved out of `v`.
pub(crate) fn attribute(
    spec: &AttrSpec,
    v: &mut AttributeValue,
    units: &Units,
) -> Result<Typed, Skip> {
    if v.is_null() || spec.aggregate {
        return Err(Skip::Quiet);
    }
    if let AttributeValue::Typed { .. } = v {
        return typed_parameter(v, units, None);
    }
    if let Some(t) = &spec.defined {
        if !matches!(v, AttributeValue::EntityRef(_) | AttributeValue::List(_)) {
            return typed(t, v, units, None);
        }
    }
    let (value, base) = match spec.kind {
        AttrKind::Text => match take_string(v) {
            Some(s) => (Value::Text(s), "STRING"),
            None => return Err(Skip::Bad("is not text".into())),
        },
        AttrKind::Int => match v.as_int() {
            Some(i) => (Value::Integer(i), "INTEGER"),
            None => return Err(Skip::Bad("is not an integer".into())),
        },
        AttrKind::Real => (Value::Real(number(v)?), "REAL"),
        AttrKind::Enum => match take_enum(v) {
            Some(e) => (Value::Text(e), "ENUMERATION"),
            None => return Err(Skip::Bad("is not an enumeration value".into())),
        },
        AttrKind::Logical => match logical(v) {
            Some(Some(b)) => (Value::Boolean(b), "LOGICAL"),
            Some(None) => (Value::Unknown, "LOGICAL"),
            None => return Err(Skip::Bad("is not a boolean".into())),
        },
        AttrKind::Select => match plain(v) {
            Some(p) => (p, "SELECT"),
            None => return Err(Skip::Quiet),
        },
        _ => return Err(Skip::Quiet),
    };
    Ok((value, base.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(name: &str, v: AttributeValue) -> AttributeValue {
        AttributeValue::Typed {
            name: name.into(),
            value: Box::new(v),
        }
    }

    fn mm() -> Units {
        Units::default().with(
            "LENGTHUNIT",
            Some(Scale {
                factor: 0.001,
                offset: 0.0,
            }),
        )
    }

    #[test]
    fn measures_convert_to_si() {
        let u = mm();
        let (v, dt) = typed_parameter(
            &mut t("IFCLENGTHMEASURE", AttributeValue::Float(2100.0)),
            &u,
            None,
        )
        .unwrap();
        assert_eq!(v.as_length(), Some(2.1));
        assert_eq!(dt, "IfcLengthMeasure");
        let (v, dt) = typed_parameter(
            &mut t("IFCPOSITIVELENGTHMEASURE", AttributeValue::Integer(900)),
            &u,
            None,
        )
        .unwrap();
        assert!((v.as_length().unwrap() - 0.9).abs() < 1e-12);
        assert_eq!(dt, "IfcPositiveLengthMeasure");
        // area unit not declared: SI
        let (v, _) = typed_parameter(
            &mut t("IFCAREAMEASURE", AttributeValue::Float(3.5)),
            &u,
            None,
        )
        .unwrap();
        assert_eq!(v.as_f64(), Some(3.5));
        // unresolved unit: left out
        let bad = Units::default().with("LENGTHUNIT", None);
        assert_eq!(
            typed_parameter(
                &mut t("IFCLENGTHMEASURE", AttributeValue::Float(1.0)),
                &bad,
                None
            ),
            Err(Skip::Unit)
        );
    }

    #[test]
    fn simple_values() {
        let u = Units::default();
        let e = |s: &str| AttributeValue::Enum(s.into());
        assert_eq!(
            typed_parameter(&mut t("IFCBOOLEAN", e("T")), &u, None).unwrap(),
            (Value::Boolean(true), "IfcBoolean".to_owned())
        );
        assert_eq!(
            typed_parameter(&mut t("IFCLOGICAL", e("U")), &u, None)
                .unwrap()
                .0,
            Value::Unknown
        );
        assert!(matches!(
            typed_parameter(&mut t("IFCBOOLEAN", e("U")), &u, None),
            Err(Skip::Bad(_))
        ));
        assert_eq!(
            typed_parameter(
                &mut t("IFCLABEL", AttributeValue::String("EI60".into())),
                &u,
                None
            )
            .unwrap(),
            (Value::Text("EI60".into()), "IfcLabel".to_owned())
        );
        assert_eq!(
            typed_parameter(&mut t("IFCINTEGER", AttributeValue::Integer(12)), &u, None)
                .unwrap()
                .0,
            Value::Integer(12)
        );
        assert_eq!(
            typed_parameter(
                &mut t("IFCCOUNTMEASURE", AttributeValue::Float(3.0)),
                &u,
                None
            )
            .unwrap()
            .0
            .as_count(),
            Some(3)
        );
        assert_eq!(
            typed_parameter(&mut t("IFCREAL", AttributeValue::Float(0.5)), &u, None)
                .unwrap()
                .0,
            Value::Real(0.5)
        );
        assert!(matches!(
            typed_parameter(
                &mut t("IFCLENGTHMEASURE", AttributeValue::String("x".into())),
                &u,
                None
            ),
            Err(Skip::Bad(_))
        ));
    }

    #[test]
    fn angles_and_temperatures() {
        let u = Units::default()
            .with(
                "PLANEANGLEUNIT",
                Some(Scale {
                    factor: std::f64::consts::PI / 180.0,
                    offset: 0.0,
                }),
            )
            .with(
                "THERMODYNAMICTEMPERATUREUNIT",
                Some(Scale {
                    factor: 1.0,
                    offset: 273.15,
                }),
            );
        let (v, _) = typed_parameter(
            &mut t("IFCPLANEANGLEMEASURE", AttributeValue::Float(90.0)),
            &u,
            None,
        )
        .unwrap();
        assert!((v.as_f64().unwrap() - std::f64::consts::FRAC_PI_2).abs() < 1e-12);
        let (v, _) = typed_parameter(
            &mut t(
                "IFCTHERMODYNAMICTEMPERATUREMEASURE",
                AttributeValue::Float(20.0),
            ),
            &u,
            None,
        )
        .unwrap();
        assert!((v.as_f64().unwrap() - 293.15).abs() < 1e-9);
    }
}
