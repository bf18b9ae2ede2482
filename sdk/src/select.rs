//! A small query builder: name each value a rule needs, list where real
//! exports keep it (in priority order), and read the first one present.
//!
//! ```
//! use plancheck_sdk::select::{attr, prop, Select};
//! let stairs = Select::class("IfcStairFlight")
//!     .value("riser", &[attr("RiserHeight"), prop("Pset_StairFlightCommon", "RiserHeight")]);
//! # let _ = stairs;
//! ```
//!
//! The whole selection is one batched host call: only the listed values
//! cross the sandbox boundary.
//!
//! [`Item::length`] and friends return the first value of the right kind.
//! To also skip unusable values (zero lengths) and say where the pack
//! looked, declare a [`Chain`](crate::read::Chain) with [`Select::chain`]
//! and read it through [`crate::read`].

use crate::read::Chain;
use crate::text::joined;
use crate::{ModelView, PropertyRef, Query, Row, Value};

/// Where a value may be found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// An attribute of the entity, e.g. `RiserHeight`.
    Attr(&'static str),
    /// A property in a set, e.g. (`Pset_StairFlightCommon`, `RiserHeight`).
    Prop(&'static str, &'static str),
}

impl Source {
    /// How a message names this source: `RiserHeight` or `Pset_StairFlightCommon.RiserHeight`.
    pub fn label(&self) -> String {
        match self {
            Source::Attr(a) => (*a).to_string(),
            Source::Prop(s, n) => format!("{s}.{n}"),
        }
    }
}

/// An attribute source.
pub const fn attr(name: &'static str) -> Source {
    Source::Attr(name)
}

/// A property (or quantity) source.
pub const fn prop(set: &'static str, name: &'static str) -> Source {
    Source::Prop(set, name)
}

/// Lists sources as `A, B or C` for "not in the model" messages.
pub fn describe(sources: &[Source]) -> String {
    let labels: Vec<String> = sources.iter().map(Source::label).collect();
    joined(&labels, "or").to_string()
}

/// A selection of elements with named values.
#[derive(Debug, Clone)]
pub struct Select {
    query: Query,
    names: Vec<(&'static str, Vec<(Source, Slot)>)>,
}

#[derive(Debug, Clone, Copy)]
enum Slot {
    Attr(usize),
    Prop(usize),
}

impl Select {
    /// Elements of `class`, subtypes included.
    pub fn class(class: &str) -> Self {
        Select {
            query: Query::class(class),
            names: Vec::new(),
        }
    }

    /// Only elements on this storey.
    pub fn on_storey(mut self, storey: &str) -> Self {
        self.query.storey = Some(storey.into());
        self
    }

    /// Declares a value read from the first of `sources` present.
    pub fn value(mut self, name: &'static str, sources: &[Source]) -> Self {
        let mut slots = Vec::new();
        for s in sources {
            let slot = match *s {
                Source::Attr(a) => Slot::Attr(index_of(&mut self.query.attributes, a.to_string())),
                Source::Prop(set, n) => Slot::Prop(index_of(
                    &mut self.query.properties,
                    PropertyRef::new(set, n),
                )),
            };
            slots.push((*s, slot));
        }
        self.names.push((name, slots));
        self
    }

    /// Declares a [`Chain`]: its sources, in order, under its name. Read it
    /// with [`Chain::length`] and the other readers of [`crate::read`].
    pub fn chain(self, chain: &Chain) -> Self {
        let sources: Vec<Source> = chain.sources.iter().map(|s| s.source).collect();
        self.value(chain.name, &sources)
    }

    /// The underlying query.
    pub fn query(&self) -> &Query {
        &self.query
    }

    /// Runs the selection (one host call).
    pub fn run(&self, model: &dyn ModelView) -> Vec<Item<'_>> {
        model
            .query(&self.query)
            .into_iter()
            .map(|row| Item { row, select: self })
            .collect()
    }
}

fn index_of<T: PartialEq>(v: &mut Vec<T>, x: T) -> usize {
    if let Some(i) = v.iter().position(|y| *y == x) {
        i
    } else {
        v.push(x);
        v.len() - 1
    }
}

/// One selected element.
#[derive(Debug, Clone)]
pub struct Item<'s> {
    /// The raw row.
    pub row: Row,
    select: &'s Select,
}

impl Item<'_> {
    /// GlobalId.
    pub fn id(&self) -> &str {
        &self.row.id
    }

    /// Name, or the GlobalId when unnamed.
    pub fn label(&self) -> &str {
        self.row.name.as_deref().unwrap_or(&self.row.id)
    }

    /// The value of each source of `name`, in declaration order (`None` for
    /// an absent one); `None` if `name` was not declared.
    pub(crate) fn values(&self, name: &str) -> Option<impl Iterator<Item = Option<&Value>> + '_> {
        let (_, slots) = self.select.names.iter().find(|(n, _)| *n == name)?;
        Some(slots.iter().map(|(_, slot)| match *slot {
            Slot::Attr(i) => self.row.attributes.get(i)?.as_ref(),
            Slot::Prop(i) => self.row.properties.get(i)?.as_ref(),
        }))
    }

    /// The first present value of `name`, with its source.
    pub fn get(&self, name: &str) -> Option<(&Value, Source)> {
        let (_, slots) = self.select.names.iter().find(|(n, _)| *n == name)?;
        slots.iter().find_map(|(src, slot)| {
            let v = match *slot {
                Slot::Attr(i) => self.row.attributes.get(i)?.as_ref(),
                Slot::Prop(i) => self.row.properties.get(i)?.as_ref(),
            }?;
            Some((v, *src))
        })
    }

    /// The first present *length* of `name` in metres (a value of the wrong
    /// kind is skipped, so a text "900" never passes for a length).
    pub fn length(&self, name: &str) -> Option<f64> {
        self.first(name, Value::as_length)
    }

    /// The first present whole number of `name`.
    pub fn count(&self, name: &str) -> Option<i64> {
        self.first(name, Value::as_count)
    }

    /// The first present boolean of `name`.
    pub fn boolean(&self, name: &str) -> Option<bool> {
        self.first(name, Value::as_bool)
    }

    /// The first present text of `name`.
    pub fn text(&self, name: &str) -> Option<&str> {
        let (_, slots) = self.select.names.iter().find(|(n, _)| *n == name)?;
        slots.iter().find_map(|(_, slot)| match *slot {
            Slot::Attr(i) => self.row.attributes.get(i)?.as_ref()?.as_text(),
            Slot::Prop(i) => self.row.properties.get(i)?.as_ref()?.as_text(),
        })
    }

    fn first<T>(&self, name: &str, f: impl Fn(&Value) -> Option<T>) -> Option<T> {
        let (_, slots) = self.select.names.iter().find(|(n, _)| *n == name)?;
        slots.iter().find_map(|(_, slot)| {
            let v = match *slot {
                Slot::Attr(i) => self.row.attributes.get(i)?.as_ref(),
                Slot::Prop(i) => self.row.properties.get(i)?.as_ref(),
            }?;
            f(v)
        })
    }
}
