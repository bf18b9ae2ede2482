//! IDS values against IFC values: simple values with XSD type casting,
//! restrictions (enumeration, pattern, bounds, length), and IDS 1.0's
//! numeric tolerance.

use plancheck_sdk::{StepAtom, StepScalar};

use crate::parse::{parse_xsd_number, IdsValue, Restriction};

/// An IFC value as IDS compares it.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    /// A string, label, identifier or enumeration value.
    Str(String),
    /// An integer.
    Int(i64),
    /// A real number (SI where the facet converts units).
    Float(f64),
    /// A boolean.
    Bool(bool),
    /// A reference to another instance, a nested list or a typed select
    /// value: present, but never equal to an IDS value.
    Opaque(String),
}

impl std::fmt::Display for Val {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Val::Str(s) => write!(f, "'{s}'"),
            Val::Int(i) => write!(f, "{i}"),
            Val::Float(x) => write!(f, "{x}"),
            Val::Bool(b) => write!(f, "{b}"),
            Val::Opaque(s) => f.write_str(s),
        }
    }
}

/// The value of an atom, `None` when it is empty in IDS terms: unset (`$`),
/// derived (`*`), an empty string, or LOGICAL unknown.
pub fn atom_val(a: &StepAtom, scale: f64) -> Option<Val> {
    match a {
        StepAtom::Null | StepAtom::Derived | StepAtom::Unknown => None,
        StepAtom::Text(s) | StepAtom::Enum(s) if s.is_empty() => None,
        StepAtom::Text(s) | StepAtom::Enum(s) => Some(Val::Str(s.clone())),
        StepAtom::Integer(i) if scale == 1.0 => Some(Val::Int(*i)),
        StepAtom::Integer(i) => Some(Val::Float(*i as f64 * scale)),
        StepAtom::Real(r) => Some(Val::Float(r * scale)),
        StepAtom::Boolean(b) => Some(Val::Bool(*b)),
        StepAtom::Binary(b) => Some(Val::Str(b.clone())),
        StepAtom::Ref(r) => Some(Val::Opaque(format!("#{r}"))),
        StepAtom::Nested => Some(Val::Opaque("a nested list".into())),
    }
}

/// The value of a scalar; IFC integers that a defined type makes a measure
/// stay integers only when no unit applies.
pub fn scalar_val(s: &StepScalar, scale: f64) -> Option<Val> {
    atom_val(&s.atom, scale)
}

/// The IDS 1.0 tolerance interval of a real `v`: `1e-6` relative plus
/// `1e-6` absolute. The test cases put values exactly on the boundary, where
/// the decimal values are not exact in binary: the interval is widened by
/// four units in the last place so a boundary value never fails on rounding
/// (four ulps are far below any tolerance that matters: 6e-11 at 1e5).
fn interval(v: f64) -> (f64, f64) {
    let t = 1e-6 + 1e-6 * v.abs();
    let (lo, hi) = (v - t, v + t);
    let slack = |b: f64| 4.0 * f64::EPSILON * b.abs();
    (lo - slack(lo), hi + slack(hi))
}

/// Whether `x` equals `v` within the tolerance.
fn near(x: f64, v: f64) -> bool {
    let (lo, hi) = interval(v);
    x >= lo && x <= hi
}

/// Whether an IFC value matches a simple IDS value (XSD lexical casting to
/// the IFC value's type).
pub fn simple_matches(s: &str, x: &Val) -> bool {
    match x {
        Val::Str(t) => t == s,
        Val::Bool(b) => match s {
            "true" | "1" => *b,
            "false" | "0" => !*b,
            _ => false,
        },
        // an integer is matched by an integer literal only (`42`, not `42.0`)
        Val::Int(i) => s.trim().parse::<i64>().is_ok_and(|n| n == *i),
        Val::Float(f) => parse_xsd_number(s).is_some_and(|v| near(*f, v)),
        Val::Opaque(_) => false,
    }
}

/// Whether an IFC value matches an IDS value.
pub fn matches(v: &IdsValue, x: &Val) -> bool {
    match v {
        IdsValue::Simple(s) => simple_matches(s, x),
        IdsValue::Restriction(r) => restriction_matches(r, x),
    }
}

fn restriction_matches(r: &Restriction, x: &Val) -> bool {
    if let Val::Opaque(_) = x {
        return false;
    }
    if !r.enumeration.is_empty() && !r.enumeration.iter().any(|e| simple_matches(e, x)) {
        return false;
    }
    if !r.patterns.is_empty() {
        // patterns apply to strings only
        let Val::Str(s) = x else { return false };
        if !r.patterns.iter().all(|p| p.matches(s)) {
            return false;
        }
    }
    if r.min.is_some() || r.max.is_some() {
        let n = match x {
            Val::Int(i) => *i as f64,
            Val::Float(f) => *f,
            _ => return false,
        };
        let exact = matches!(x, Val::Int(_));
        if let Some((v, inclusive)) = r.min {
            let (lo, hi) = if exact { (v, v) } else { interval(v) };
            let ok = if inclusive { n >= lo } else { n > hi };
            if !ok {
                return false;
            }
        }
        if let Some((v, inclusive)) = r.max {
            let (lo, hi) = if exact { (v, v) } else { interval(v) };
            let ok = if inclusive { n <= hi } else { n < lo };
            if !ok {
                return false;
            }
        }
    }
    if r.length.is_some() || r.min_length.is_some() || r.max_length.is_some() {
        let Val::Str(s) = x else { return false };
        let n = s.chars().count();
        if r.length.is_some_and(|l| n != l)
            || r.min_length.is_some_and(|l| n < l)
            || r.max_length.is_some_and(|l| n > l)
        {
            return false;
        }
    }
    true
}

/// Whether a name (entity, attribute, set, property) matches: names compare
/// as strings.
pub fn name_matches(v: &IdsValue, name: &str) -> bool {
    matches(v, &Val::Str(name.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tolerance_is_absolute_plus_relative() {
        assert!(simple_matches("0.", &Val::Float(0.000001)));
        assert!(!simple_matches("0.", &Val::Float(0.0000011)));
        assert!(simple_matches("100000.", &Val::Float(100000.100001)));
        assert!(!simple_matches("100000.", &Val::Float(100000.1000011)));
        assert!(simple_matches("-0.0000001", &Val::Float(0.0000009000001)));
        assert!(simple_matches("0.0000001", &Val::Float(-0.0000009000001)));
    }

    #[test]
    fn casting() {
        assert!(simple_matches("true", &Val::Bool(true)));
        assert!(!simple_matches("TRUE", &Val::Bool(true)));
        assert!(simple_matches("42", &Val::Int(42)));
        assert!(!simple_matches("42.0", &Val::Int(42)));
        assert!(!simple_matches("42,3", &Val::Float(42.3)));
        assert!(!simple_matches("x", &Val::Opaque("#1".into())));
    }
}
