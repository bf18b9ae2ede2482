//! Reading values in the specification's priority order, with provenance.
//!
//! A [`Chain`] names one value a rule needs and lists where exports keep it,
//! first choice first: attributes and properties ([`src`]), each marked as
//! the dimension the code measures or only an upper bound of it ([`bound`]:
//! a door's overall width for its clear width). Declare it on the class's
//! [`Select`](crate::select::Select) with
//! [`Select::chain`](crate::select::Select::chain) (still one host call),
//! then read each item:
//!
//! * [`Chain::length`] — the first *usable* length: a length measure
//!   greater than zero (docs/rulepacks/README.md: exporters write 0 for
//!   "unknown", and a bare number's unit would be a guess);
//! * [`Chain::count`] — the first whole number above zero;
//! * [`Chain::number`] — the first count-like number above zero, whole or
//!   not (for packs that report a fractional count themselves);
//! * [`Chain::boolean`], [`Chain::text`].
//!
//! A [`Reading`] says where the value came from ([`Label`]:
//! `IfcStairFlight.RiserHeight` for attributes, `Set.Name` for properties,
//! `Name (any set)` for `*`, or a label of the pack's own). When no source is
//! usable, [`Missing`] says where the pack looked and why each present value
//! was not used:
//!
//! ```
//! use plancheck_sdk::read::{src, Chain};
//! use plancheck_sdk::select::{attr, prop, Select};
//! # use plancheck_sdk::{Element, Measure, Model, Property, PropertySet, SetKind, Value};
//! const RISER: Chain = Chain::new(
//!     "riser",
//!     &[src(attr("RiserHeight")), src(prop("Pset_StairFlightCommon", "RiserHeight"))],
//! )
//! .class("IfcStairFlight");
//! # let mut e = Element::new("f", "IfcStairFlight");
//! # e.property_sets.push(PropertySet { name: "Pset_StairFlightCommon".into(),
//! #     kind: SetKind::PropertySet, properties: vec![Property { name: "RiserHeight".into(),
//! #     value: Value::Real(190.0), data_type: String::new() }] });
//! # let model = Model::new("IFC4", vec![], vec![e], &|_| vec![]).unwrap();
//! let flights = Select::class("IfcStairFlight").chain(&RISER);
//! for flight in flights.run(&model) {
//!     match RISER.length(&flight) {
//!         Ok(r) => println!("{} m from {}", r.value, r.label),
//!         Err(missing) => assert_eq!(
//!             missing.to_string(),
//!             "IfcStairFlight.RiserHeight is absent; Pset_StairFlightCommon.RiserHeight \
//!              holds a number without a unit (190), not a length"
//!         ),
//!     }
//! }
//! ```
//!
//! The default wording of unusable values is [`Standard`]; a pack whose
//! messages word them differently implements [`Wording`] and prints
//! [`Missing::worded`].

use std::fmt;

use crate::select::{Item, Source};
use crate::units::write_trim;
use crate::{MeasureKind, Value};

/// One place a value may be kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Src {
    /// The attribute or property.
    pub source: Source,
    /// How messages name it, if not the default (see [`Label`]).
    pub label: Option<&'static str>,
    /// `true` when the value is only an upper bound of what the code
    /// measures (a door's overall width for its clear width; a space's
    /// slab-to-slab height for its ceiling height).
    pub upper_bound: bool,
}

/// A source holding the dimension the code measures.
pub const fn src(source: Source) -> Src {
    Src {
        source,
        label: None,
        upper_bound: false,
    }
}

/// A source holding only an upper bound of the dimension the code measures.
pub const fn bound(source: Source) -> Src {
    Src {
        source,
        label: None,
        upper_bound: true,
    }
}

impl Src {
    /// Names this source `label` in messages instead of the default
    /// (`Headroom (in any property set of the IfcStair)`).
    pub const fn labelled(self, label: &'static str) -> Src {
        Src {
            label: Some(label),
            ..self
        }
    }
}

/// Where one value is kept, in priority order; see the [module](self) docs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chain {
    /// The value's name in the [`Select`](crate::select::Select).
    pub name: &'static str,
    /// The class attributes are labelled with (`IfcStairFlight` in
    /// `IfcStairFlight.RiserHeight`); `None` = each element's own class.
    pub class: Option<&'static str>,
    /// The sources; the first usable value wins.
    pub sources: &'static [Src],
}

/// What a reader asked for (decides what "usable" means).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Want {
    /// A length measure above zero.
    Length,
    /// A whole number above zero.
    Count,
    /// A count-like number (integer, real, count measure) above zero.
    Number,
}

impl Chain {
    /// A chain named `name` (unique within its selection) over `sources`.
    pub const fn new(name: &'static str, sources: &'static [Src]) -> Chain {
        Chain {
            name,
            class: None,
            sources,
        }
    }

    /// Labels attributes with `class` rather than each element's own class
    /// (which may be a subtype of the queried one).
    pub const fn class(self, class: &'static str) -> Chain {
        Chain {
            class: Some(class),
            ..self
        }
    }

    /// Each source with its value in `item` (`None` if absent).
    fn values<'a>(
        &'a self,
        item: &'a Item<'_>,
    ) -> impl Iterator<Item = (Label<'a>, Option<&'a Value>)> + 'a {
        let values = item.values(self.name).unwrap_or_else(|| {
            panic!(
                "chain `{}` was not declared on this selection (Select::chain)",
                self.name
            )
        });
        let class = self.class.unwrap_or(&item.row.class);
        self.sources
            .iter()
            .zip(values)
            .map(move |(src, v)| (Label::Source { class, src }, v))
    }

    fn first<'a, T>(
        &'a self,
        item: &'a Item<'_>,
        want: Want,
        usable: impl Fn(&'a Value) -> Option<T>,
    ) -> Result<Reading<'a, T>, Missing<'a>> {
        for (label, v) in self.values(item) {
            if let Some(value) = v.and_then(&usable) {
                let upper_bound = matches!(label, Label::Source { src, .. } if src.upper_bound);
                return Ok(Reading {
                    value,
                    label,
                    upper_bound,
                });
            }
        }
        Err(Missing {
            chain: self,
            item,
            want,
        })
    }

    /// The first usable length, in metres: a length measure above zero.
    pub fn length<'a>(&'a self, item: &'a Item<'_>) -> Result<Reading<'a, f64>, Missing<'a>> {
        self.first(item, Want::Length, usable_length)
    }

    /// The first usable count: a whole number above zero (an integer, a
    /// count measure or a real that is whole). A fractional count is not
    /// usable.
    pub fn count<'a>(&'a self, item: &'a Item<'_>) -> Result<Reading<'a, i64>, Missing<'a>> {
        self.first(item, Want::Count, |v| v.as_count().filter(|n| *n > 0))
    }

    /// The first count-like number above zero (an integer, a real or a
    /// count measure), whole or not.
    pub fn number<'a>(&'a self, item: &'a Item<'_>) -> Result<Reading<'a, f64>, Missing<'a>> {
        self.first(item, Want::Number, |v| {
            count_like(v).filter(|n| n.is_finite() && *n > 0.0)
        })
    }

    /// The first boolean (an IFC LOGICAL unknown is not one).
    pub fn boolean<'a>(&'a self, item: &'a Item<'_>) -> Option<Reading<'a, bool>> {
        self.first(item, Want::Count, Value::as_bool).ok()
    }

    /// The first text that is not blank, trimmed.
    pub fn text<'a>(&'a self, item: &'a Item<'_>) -> Option<Reading<'a, &'a str>> {
        self.first(item, Want::Count, |v| {
            v.as_text().map(str::trim).filter(|t| !t.is_empty())
        })
        .ok()
    }
}

fn usable_length(v: &Value) -> Option<f64> {
    v.as_length().filter(|si| si.is_finite() && *si > 0.0)
}

/// A number that may be a count: an integer, a real, a count measure.
fn count_like(v: &Value) -> Option<f64> {
    match v {
        Value::Integer(i) => Some(*i as f64),
        Value::Real(r) => Some(*r),
        Value::Measure(m) if m.kind == MeasureKind::Count => Some(m.si),
        _ => None,
    }
}

/// How a message names where a value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Label<'a> {
    /// A source of a [`Chain`]: its own label if it has one, else
    /// `IfcStairFlight.RiserHeight` (attributes, with the class),
    /// `Pset_StairFlightCommon.RiserHeight` (properties) or
    /// `ClearWidth (any set)` (a property in any set).
    Source {
        /// The class attributes are prefixed with.
        class: &'a str,
        /// The source.
        src: &'a Src,
    },
    /// A value the pack derived, named as it likes
    /// (`NumberOfRisers × RiserHeight`).
    Text(&'a str),
}

impl Label<'_> {
    /// The source's own label, if it has one: a `&'static str`, so a
    /// [`Reading`] can outlive its query ([`Reading::derived`] with it).
    pub fn fixed(&self) -> Option<&'static str> {
        match self {
            Label::Source { src, .. } => src.label,
            Label::Text(_) => None,
        }
    }
}

impl fmt::Display for Label<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Label::Text(t) => f.write_str(t),
            Label::Source {
                src: Src { label: Some(l), .. },
                ..
            } => f.write_str(l),
            Label::Source { class, src } => match src.source {
                Source::Attr(a) => write!(f, "{class}.{a}"),
                Source::Prop("*", n) => write!(f, "{n} (any set)"),
                Source::Prop(s, n) => write!(f, "{s}.{n}"),
            },
        }
    }
}

/// A value read from the model, with where it came from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reading<'a, T> {
    /// The value (metres for lengths).
    pub value: T,
    /// Its source, as messages name it.
    pub label: Label<'a>,
    /// Whether it is only an upper bound of the dimension the code measures.
    pub upper_bound: bool,
}

impl<'a, T> Reading<'a, T> {
    /// A value the pack derived (`label` says how), the dimension itself.
    pub fn derived(value: T, label: &'a str) -> Self {
        Reading {
            value,
            label: Label::Text(label),
            upper_bound: false,
        }
    }
}

/// Nothing usable in a chain: where the pack looked, and what it found.
/// Prints as `A and B are absent; C holds …, not a length` ([`Standard`]
/// wording; see [`Missing::worded`] for others). Computed when printed, so
/// a missing value costs nothing until a message names it.
#[derive(Clone, Copy)]
pub struct Missing<'a> {
    chain: &'a Chain,
    item: &'a Item<'a>,
    want: Want,
}

impl fmt::Debug for Missing<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Missing({:?}: {self})", self.chain.name)
    }
}

impl<'a> Missing<'a> {
    /// The sources with no value at all, in order.
    pub fn absent(&self) -> impl Iterator<Item = Label<'a>> + 'a {
        self.chain
            .values(self.item)
            .filter_map(|(l, v)| v.is_none().then_some(l))
    }

    /// The sources holding a value that could not be used, in order.
    pub fn unusable(&self) -> impl Iterator<Item = Unusable<'a>> + 'a {
        let want = self.want;
        self.chain.values(self.item).filter_map(move |(label, v)| {
            Some(Unusable {
                label,
                value: v?,
                want,
            })
        })
    }

    /// Prints with `wording` for the unusable values.
    pub fn worded<W: Wording>(self, wording: W) -> Worded<'a, W> {
        Worded {
            missing: self,
            wording,
        }
    }
}

impl fmt::Display for Missing<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.worded(Standard), f)
    }
}

/// [`Missing`] with a [`Wording`]; see [`Missing::worded`].
pub struct Worded<'a, W> {
    missing: Missing<'a>,
    wording: W,
}

impl<W: Wording> fmt::Display for Worded<'_, W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.missing.absent().count();
        for (i, label) in self.missing.absent().enumerate() {
            match i {
                0 => write!(f, "{label}")?,
                _ if i == n - 1 => write!(f, " and {label}")?,
                _ => write!(f, ", {label}")?,
            }
        }
        match n {
            0 => {}
            1 => f.write_str(" is absent")?,
            _ => f.write_str(" are absent")?,
        }
        let mut first = n == 0;
        for u in self.missing.unusable() {
            if !first {
                f.write_str("; ")?;
            }
            first = false;
            self.wording.unusable(f, &u)?;
        }
        Ok(())
    }
}

/// A present value that could not be used.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Unusable<'a> {
    /// Its source.
    pub label: Label<'a>,
    /// What the source holds.
    pub value: &'a Value,
    /// What was asked for.
    pub want: Want,
}

/// Why a value was not usable.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Problem {
    /// A length (metres) or count that is zero, negative or not finite:
    /// treated as missing.
    NotPositive(f64),
    /// A number where a whole count was asked for.
    Fractional(f64),
    /// Not the kind of value asked for (a bare number for a length, a text
    /// for a count …).
    WrongKind,
}

impl Unusable<'_> {
    /// Why the value was not usable.
    pub fn problem(&self) -> Problem {
        match self.want {
            Want::Length => match self.value.as_length() {
                Some(si) => Problem::NotPositive(si),
                None => Problem::WrongKind,
            },
            Want::Count => match (self.value.as_count(), count_like(self.value)) {
                (Some(n), _) => Problem::NotPositive(n as f64),
                (None, Some(x)) => Problem::Fractional(x),
                (None, None) => Problem::WrongKind,
            },
            Want::Number => match count_like(self.value) {
                Some(n) => Problem::NotPositive(n),
                None => Problem::WrongKind,
            },
        }
    }
}

/// How a pack words an unusable value in a not-assessable message.
pub trait Wording {
    /// Writes one unusable value (`X holds the text "900", not a length`).
    fn unusable(&self, f: &mut fmt::Formatter<'_>, u: &Unusable<'_>) -> fmt::Result;
}

impl<F: Fn(&mut fmt::Formatter<'_>, &Unusable<'_>) -> fmt::Result> Wording for F {
    fn unusable(&self, f: &mut fmt::Formatter<'_>, u: &Unusable<'_>) -> fmt::Result {
        self(f, u)
    }
}

/// The SDK's wording:
///
/// * `X is 0 mm (zero or negative is treated as missing)`
/// * `X holds a number without a unit (190), not a length`
/// * `X is 0 (treated as missing)` (counts)
/// * `X is 18.5, not a whole number`
/// * `X holds the text "16", not a count` (or `not a number`)
#[derive(Debug, Clone, Copy, Default)]
pub struct Standard;

impl Wording for Standard {
    fn unusable(&self, f: &mut fmt::Formatter<'_>, u: &Unusable<'_>) -> fmt::Result {
        let label = u.label;
        match (u.problem(), u.want) {
            (Problem::NotPositive(si), Want::Length) => {
                write!(f, "{label} is ")?;
                write_trim(f, si * 1000.0, 2)?;
                f.write_str(" mm (zero or negative is treated as missing)")
            }
            (Problem::NotPositive(n), Want::Count) => match u.value.as_count() {
                Some(n) => write!(f, "{label} is {n} (treated as missing)"),
                None => write!(f, "{label} is {n} (treated as missing)"),
            },
            (Problem::NotPositive(n), _) => write!(f, "{label} is {n} (treated as missing)"),
            (Problem::Fractional(x), _) => write!(f, "{label} is {x}, not a whole number"),
            (Problem::WrongKind, want) => {
                let kind = match want {
                    Want::Length => "a length",
                    Want::Count => "a count",
                    Want::Number => "a number",
                };
                write!(f, "{label} holds {}, not {kind}", describe_value(u.value))
            }
        }
    }
}

/// Names a value for messages: `the text "900"`, `the integer 5`,
/// `a number without a unit (190)`, `the boolean true`, `UNKNOWN`,
/// `a plane angle measure (0.5 rad)`.
pub fn describe_value(v: &Value) -> impl fmt::Display + '_ {
    DescribeValue(v)
}

struct DescribeValue<'a>(&'a Value);

impl fmt::Display for DescribeValue<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Value::Text(s) => write!(f, "the text {s:?}"),
            Value::Integer(i) => write!(f, "the integer {i}"),
            Value::Real(r) => write!(f, "a number without a unit ({r})"),
            Value::Boolean(b) => write!(f, "the boolean {b}"),
            Value::Unknown => f.write_str("UNKNOWN"),
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
                    "" => write!(f, "a {kind} measure ({})", m.si),
                    unit => write!(f, "a {kind} measure ({} {unit})", m.si),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::select::{attr, prop, Select};
    use crate::{Attribute, Element, Measure, Model, Property, PropertySet, SetKind};

    const RISER: Chain = Chain::new(
        "riser",
        &[
            src(attr("RiserHeight")),
            src(prop("Pset_StairFlightCommon", "RiserHeight")),
        ],
    )
    .class("IfcStairFlight");
    const N: Chain = Chain::new(
        "n",
        &[
            src(attr("NumberOfRisers")),
            src(prop("Pset_StairFlightCommon", "NumberOfRiser")),
        ],
    );
    const WIDTH: Chain = Chain::new(
        "width",
        &[
            src(prop("*", "ClearWidth")),
            bound(attr("OverallWidth")),
            bound(prop("BaseQuantities", "Width")).labelled("the door's width quantity"),
        ],
    );

    fn len(x: f64) -> Value {
        Value::Measure(Measure::length_m(x))
    }

    fn cnt(x: f64) -> Value {
        Value::Measure(Measure {
            kind: MeasureKind::Count,
            si: x,
        })
    }

    fn element(class: &str, attrs: Vec<(&str, Value)>, props: Vec<(&str, &str, Value)>) -> Model {
        let mut e = Element::new("e", class);
        for (n, v) in attrs {
            e.attributes.push(Attribute {
                name: n.into(),
                value: v,
                data_type: String::new(),
            });
        }
        for (set, n, v) in props {
            e.property_sets.push(PropertySet {
                name: set.into(),
                kind: SetKind::PropertySet,
                properties: vec![Property {
                    name: n.into(),
                    value: v,
                    data_type: String::new(),
                }],
            });
        }
        let supertypes = |c: &str| match c {
            "IfcDoorStandardCase" => vec!["IfcDoor".to_string()],
            _ => vec![],
        };
        Model::new("IFC4", vec![], vec![e], &supertypes).unwrap()
    }

    fn flight(attr_v: Option<Value>, pset: Vec<(&str, Value)>) -> Model {
        let attrs = attr_v.map(|v| vec![("RiserHeight", v)]).unwrap_or_default();
        let props = pset
            .into_iter()
            .map(|(n, v)| ("Pset_StairFlightCommon", n, v))
            .collect();
        element("IfcStairFlight", attrs, props)
    }

    fn riser(m: &Model) -> Result<(f64, String), String> {
        let sel = Select::class("IfcStairFlight").chain(&RISER).chain(&N);
        let items = sel.run(m);
        RISER
            .length(&items[0])
            .map(|r| (r.value, r.label.to_string()))
            .map_err(|e| e.to_string())
    }

    fn count(m: &Model) -> Result<(i64, String), String> {
        let sel = Select::class("IfcStairFlight").chain(&RISER).chain(&N);
        let items = sel.run(m);
        N.count(&items[0])
            .map(|r| (r.value, r.label.to_string()))
            .map_err(|e| e.to_string())
    }

    #[test]
    fn first_usable_source_wins_and_zero_is_missing() {
        let m = flight(Some(len(0.17)), vec![("RiserHeight", len(0.2))]);
        assert_eq!(
            riser(&m).unwrap(),
            (0.17, "IfcStairFlight.RiserHeight".into())
        );
        let m = flight(Some(len(0.0)), vec![("RiserHeight", len(0.2))]);
        assert_eq!(
            riser(&m).unwrap(),
            (0.2, "Pset_StairFlightCommon.RiserHeight".into())
        );
        let m = flight(Some(len(-0.1)), vec![]);
        assert_eq!(
            riser(&m).unwrap_err(),
            "Pset_StairFlightCommon.RiserHeight is absent; IfcStairFlight.RiserHeight is \
             -100 mm (zero or negative is treated as missing)"
        );
        let m = flight(None, vec![("RiserHeight", Value::Real(190.0))]);
        assert_eq!(
            riser(&m).unwrap_err(),
            "IfcStairFlight.RiserHeight is absent; Pset_StairFlightCommon.RiserHeight \
             holds a number without a unit (190), not a length"
        );
        let m = flight(None, vec![]);
        assert_eq!(
            riser(&m).unwrap_err(),
            "IfcStairFlight.RiserHeight and Pset_StairFlightCommon.RiserHeight are absent"
        );
    }

    #[test]
    fn counts_must_be_whole_and_positive() {
        let m = flight(None, vec![("NumberOfRiser", cnt(15.0))]);
        assert_eq!(
            count(&m).unwrap(),
            (15, "Pset_StairFlightCommon.NumberOfRiser".into())
        );
        let m = flight(None, vec![("NumberOfRiser", cnt(18.5))]);
        assert_eq!(
            count(&m).unwrap_err(),
            "IfcStairFlight.NumberOfRisers is absent; \
             Pset_StairFlightCommon.NumberOfRiser is 18.5, not a whole number"
        );
        let m = flight(None, vec![("NumberOfRiser", Value::Integer(0))]);
        assert!(count(&m).unwrap_err().contains("is 0 (treated as missing)"));
        let m = flight(None, vec![("NumberOfRiser", Value::Text("16".into()))]);
        assert!(count(&m)
            .unwrap_err()
            .ends_with("holds the text \"16\", not a count"));
        // Numbers: fractional is usable, zero is not.
        let sel = Select::class("IfcStairFlight").chain(&N);
        let m = flight(None, vec![("NumberOfRiser", cnt(18.5))]);
        assert_eq!(N.number(&sel.run(&m)[0]).unwrap().value, 18.5);
        let m = flight(None, vec![("NumberOfRiser", Value::Integer(-1))]);
        assert_eq!(
            N.number(&sel.run(&m)[0]).unwrap_err().to_string(),
            "IfcStairFlight.NumberOfRisers is absent; Pset_StairFlightCommon.NumberOfRiser \
             is -1 (treated as missing)"
        );
    }

    #[test]
    fn labels_bounds_and_wordings() {
        let m = element(
            "IfcDoorStandardCase",
            vec![("OverallWidth", len(0.0))],
            vec![("BaseQuantities", "Width", len(0.9))],
        );
        let sel = Select::class("IfcDoor").chain(&WIDTH);
        let items = sel.run(&m);
        let r = WIDTH.length(&items[0]).unwrap();
        assert!(r.upper_bound);
        assert_eq!(r.label.to_string(), "the door's width quantity");
        assert_eq!(r.label.fixed(), Some("the door's width quantity"));
        let m = element(
            "IfcDoorStandardCase",
            vec![("OverallWidth", len(0.0))],
            vec![],
        );
        let items = sel.run(&m);
        let missing = WIDTH.length(&items[0]).unwrap_err();
        assert_eq!(
            missing.to_string(),
            "ClearWidth (any set) and the door's width quantity are absent; \
             IfcDoorStandardCase.OverallWidth is 0 mm (zero or negative is treated as missing)"
        );
        let terse = |f: &mut fmt::Formatter<'_>, u: &Unusable<'_>| match u.problem() {
            Problem::NotPositive(_) => write!(f, "{} is not positive", u.label),
            _ => write!(f, "{} is not a length", u.label),
        };
        assert_eq!(
            missing.worded(terse).to_string(),
            "ClearWidth (any set) and the door's width quantity are absent; \
             IfcDoorStandardCase.OverallWidth is not positive"
        );
        assert_eq!(missing.absent().count(), 2);
        assert_eq!(missing.unusable().count(), 1);
    }

    #[test]
    fn booleans_and_text() {
        const EXT: Chain = Chain::new("ext", &[src(prop("Pset_DoorCommon", "IsExternal"))]);
        const OP: Chain = Chain::new("op", &[src(attr("OperationType")), src(attr("Name"))]);
        let m = element(
            "IfcDoor",
            vec![
                ("OperationType", Value::Text("  ".into())),
                ("Name", Value::Text(" D1 ".into())),
            ],
            vec![("Pset_DoorCommon", "IsExternal", Value::Boolean(true))],
        );
        let sel = Select::class("IfcDoor").chain(&EXT).chain(&OP);
        let items = sel.run(&m);
        assert_eq!(EXT.boolean(&items[0]).map(|r| r.value), Some(true));
        let t = OP.text(&items[0]).unwrap();
        assert_eq!(
            (t.value, t.label.to_string()),
            ("D1", "IfcDoor.Name".into())
        );
    }

    #[test]
    #[should_panic(expected = "chain `riser` was not declared")]
    fn reading_an_undeclared_chain_is_a_bug() {
        let m = flight(None, vec![]);
        let sel = Select::class("IfcStairFlight");
        let _ = RISER.length(&sel.run(&m)[0]);
    }

    #[test]
    fn values_are_described() {
        let d = |v: Value| describe_value(&v).to_string();
        assert_eq!(d(Value::Text("900".into())), "the text \"900\"");
        assert_eq!(d(Value::Integer(5)), "the integer 5");
        assert_eq!(d(len(0.2)), "a length measure (0.2 m)");
        assert_eq!(d(cnt(3.0)), "a count measure (3)");
        assert_eq!(d(Value::Unknown), "UNKNOWN");
    }
}
