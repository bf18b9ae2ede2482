//! Reading values from a batched [`Select`] in the spec's priority order.
//!
//! Each source of a chain is registered in the selection under its own key,
//! so the pack can tell which source a value came from, skip sources that
//! hold something unusable (a bare number where a length measure belongs; a
//! zero or negative length, which exporters write for "unknown" and the
//! README says to treat as missing) and say exactly where it looked when
//! nothing usable is there. The query itself is still one host call per
//! class: `Select` de-duplicates the requested attributes and properties.

use plancheck_sdk::prelude::*;
use plancheck_sdk::Value;

/// One place a value may be found, registered under `key`.
#[derive(Debug, Clone, Copy)]
pub struct Src {
    /// The key the source is registered under in the selection (unique per pack).
    pub key: &'static str,
    /// Where it is read from.
    pub source: Source,
}

/// An attribute source.
pub const fn a(key: &'static str, name: &'static str) -> Src {
    Src {
        key,
        source: attr(name),
    }
}

/// A property or quantity source (`set` `*` = any set).
pub const fn p(key: &'static str, set: &'static str, name: &'static str) -> Src {
    Src {
        key,
        source: prop(set, name),
    }
}

/// Registers every source of `chain` in `sel`.
pub fn with(mut sel: Select, chain: &[Src]) -> Select {
    for s in chain {
        sel = sel.value(s.key, &[s.source]);
    }
    sel
}

/// How messages name a source: `IfcStairFlight.RiserHeight`,
/// `Pset_StairFlightCommon.RiserHeight`, `ClearWidth (any property or quantity set)`.
pub fn label(src: Source, class: &str) -> String {
    match src {
        Source::Attr(n) => format!("{class}.{n}"),
        Source::Prop("*", n) => format!("{n} (any property or quantity set)"),
        Source::Prop(s, n) => format!("{s}.{n}"),
    }
}

/// A value read, with the label of its source.
#[derive(Debug, Clone, PartialEq)]
pub struct Found<T> {
    /// The value (metres for lengths).
    pub value: T,
    /// Where it came from.
    pub from: String,
}

/// Nothing usable was found: where the pack looked.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Missing {
    /// Sources with no value at all.
    pub absent: Vec<String>,
    /// Sources holding a value the pack could not use, with the reason.
    pub unusable: Vec<String>,
}

impl Missing {
    /// Adds another chain's findings (for reads that fall back to a second chain).
    pub fn and(mut self, other: Missing) -> Missing {
        self.absent.extend(other.absent);
        self.unusable.extend(other.unusable);
        self
    }

    /// `IfcStairFlight.RiserHeight and Pset_StairFlightCommon.RiserHeight are
    /// absent; … holds 0.2 without a unit (not a length measure)`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        match self.absent.len() {
            0 => {}
            1 => parts.push(format!("{} is absent", self.absent[0])),
            n => parts.push(format!(
                "{} and {} are absent",
                self.absent[..n - 1].join(", "),
                self.absent[n - 1]
            )),
        }
        parts.extend(self.unusable.iter().cloned());
        parts.join("; ")
    }
}

/// What a value is, for "not usable" notes.
fn what_it_is(v: &Value) -> String {
    match v {
        Value::Text(s) => format!("the text '{s}'"),
        Value::Integer(i) => format!("{i} without a unit"),
        Value::Real(r) => format!("{r} without a unit"),
        Value::Boolean(b) => format!("the boolean {b}"),
        Value::Unknown => "UNKNOWN".to_string(),
        Value::Measure(m) => format!("a {:?} measure", m.kind).to_lowercase(),
    }
}

/// The first usable positive length of `chain`, in metres.
pub fn length(item: &Item, chain: &[Src]) -> Result<Found<f64>, Missing> {
    let mut missing = Missing::default();
    for s in chain {
        let name = label(s.source, &item.row.class);
        let Some((v, _)) = item.get(s.key) else {
            missing.absent.push(name);
            continue;
        };
        match v.as_length() {
            Some(m) if m.is_finite() && m > 0.0 => {
                return Ok(Found {
                    value: m,
                    from: name,
                })
            }
            Some(m) => missing.unusable.push(format!(
                "{name} is {} mm, not a positive length (treated as missing)",
                plancheck_sdk::units::trim(m * 1000.0, 2)
            )),
            None => missing.unusable.push(format!(
                "{name} holds {} (not a length measure)",
                what_it_is(v)
            )),
        }
    }
    Err(missing)
}

/// The first usable positive count of `chain`. A count that is not whole is
/// returned as it is (the caller reports it); zero and negative counts are
/// treated as missing.
pub fn count(item: &Item, chain: &[Src]) -> Result<Found<f64>, Missing> {
    let mut missing = Missing::default();
    for s in chain {
        let name = label(s.source, &item.row.class);
        let Some((v, _)) = item.get(s.key) else {
            missing.absent.push(name);
            continue;
        };
        let n = match v {
            Value::Integer(i) => Some(*i as f64),
            Value::Real(r) => Some(*r),
            Value::Measure(m) if m.kind == plancheck_sdk::MeasureKind::Count => Some(m.si),
            _ => None,
        };
        match n {
            Some(n) if n.is_finite() && n > 0.0 => {
                return Ok(Found {
                    value: n,
                    from: name,
                })
            }
            Some(n) => missing.unusable.push(format!(
                "{name} is {n}, not a positive count (treated as missing)"
            )),
            None => missing
                .unusable
                .push(format!("{name} holds {} (not a count)", what_it_is(v))),
        }
    }
    Err(missing)
}

/// The first boolean of `chain` (IFC LOGICAL unknown counts as not stated).
pub fn boolean(item: &Item, chain: &[Src]) -> Option<bool> {
    chain
        .iter()
        .find_map(|s| item.get(s.key).and_then(|(v, _)| v.as_bool()))
}

/// The first non-empty text of `chain`.
pub fn text<'a>(item: &'a Item, chain: &[Src]) -> Option<&'a str> {
    chain.iter().find_map(|s| {
        item.get(s.key)
            .and_then(|(v, _)| v.as_text())
            .map(str::trim)
            .filter(|t| !t.is_empty())
    })
}

/// A dimension: a measured value (`true`), an upper bound of it (`false`),
/// or where the pack looked.
pub type Dim = Result<(Found<f64>, bool), Missing>;

/// Reads `measured` (a clear dimension), else `bound` (a value that is only
/// an upper bound of it).
pub fn measured_else_bound(it: &Item, measured: &[Src], bound: &[Src]) -> Dim {
    match length(it, measured) {
        Ok(f) => Ok((f, true)),
        Err(m1) => match length(it, bound) {
            Ok(f) => Ok((f, false)),
            Err(m2) => Err(m1.and(m2)),
        },
    }
}
