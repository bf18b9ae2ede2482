//! The instance graph of an IFC file ([`plancheck_model::InstanceGraph`],
//! contract 0.2.0): every entity instance as the file states it, with the
//! inverse references, for packs that need more than the element view (the
//! IDS pack: materials, classifications, `partOf`, any attribute of any
//! entity).
//!
//! Built from the loader's own scan of the file: the model keeps the
//! file's bytes (one copy), its units, and the record list and id index the
//! loader made, so answering needs no second pass. The inverse index is
//! built on the first inverse question; packs that never ask pay only the
//! memory of the record list (24 bytes a record).
//! Schema facts (inheritance, attribute names) come from ifc-lite-core's
//! registry, generated from the EXPRESS schemas.

use foldhash::{HashMap, HashMapExt};
use std::sync::{Arc, OnceLock};

use ifc_lite_core::{AttributeValue, MeasureUnit, SchemaVersion};
use plancheck_model::{EntityClass, Instance, InstanceGraph, StepAtom, StepScalar, StepValue};

use super::schema::{self, ClassInfo};
use super::step::{decode_record, IdIndex, Record};
use super::units::Units;

/// The instance graph of one IFC file.
pub(crate) struct IfcGraph {
    bytes: Arc<[u8]>,
    v: SchemaVersion,
    units: Units,
    index: Index,
    inverse: OnceLock<HashMap<u32, Vec<u32>>>,
}

struct Index {
    records: Vec<Record>,
    classes: Vec<ClassInfo>,
    by_id: IdIndex,
}

impl IfcGraph {
    /// Keeps `bytes` (copied once) and the loader's scan of them
    /// ([`super::step::Step::into_parts`]) for questions asked later.
    pub(crate) fn new(
        bytes: &[u8],
        v: SchemaVersion,
        units: Units,
        records: Vec<Record>,
        classes: Vec<ClassInfo>,
        by_id: IdIndex,
    ) -> Self {
        IfcGraph {
            bytes: Arc::from(bytes),
            v,
            units,
            index: Index {
                records,
                classes,
                by_id,
            },
            inverse: OnceLock::new(),
        }
    }

    fn inverse(&self) -> &HashMap<u32, Vec<u32>> {
        self.inverse.get_or_init(|| {
            let ix = &self.index;
            let mut inv: HashMap<u32, Vec<u32>> = HashMap::new();
            let mut seen = Vec::new();
            for rec in &ix.records {
                if !ix.classes[rec.class as usize].known {
                    continue;
                }
                seen.clear();
                scan_refs(&self.bytes[rec.start..rec.end], &mut seen);
                seen.sort_unstable();
                seen.dedup();
                for &target in &seen {
                    inv.entry(target).or_default().push(rec.id);
                }
            }
            inv
        })
    }
}

/// The `#n` references in a record's attributes, read from its bytes
/// without decoding it (strings skipped; `''` inside a string is two
/// toggles, so it needs no special case). Ten times faster than a full
/// decode, which matters because the inverse index reads every record.
fn scan_refs(record: &[u8], out: &mut Vec<u32>) {
    let Some(open) = record.iter().position(|&b| b == b'(') else {
        return;
    };
    let mut in_string = false;
    let mut i = open + 1;
    while i < record.len() {
        let b = record[i];
        if in_string {
            if b == b'\'' {
                in_string = false;
            }
        } else if b == b'\'' {
            in_string = true;
        } else if b == b'#' {
            let mut n: u64 = 0;
            let mut j = i + 1;
            while j < record.len() && record[j].is_ascii_digit() {
                n = n * 10 + u64::from(record[j] - b'0');
                if n > u64::from(u32::MAX) {
                    break;
                }
                j += 1;
            }
            if j > i + 1 && n <= u64::from(u32::MAX) {
                out.push(n as u32);
            }
            i = j;
            continue;
        }
        i += 1;
    }
}

/// A decoded value without lists.
// The conversions take the decoded values by value: strings move into
// the instance instead of being copied.
fn scalar(a: AttributeValue) -> StepScalar {
    match a {
        AttributeValue::Typed { name, value } => StepScalar {
            type_name: Some(match schema::defined_type(&name) {
                Some(d) => d.name.to_owned(),
                None => name.into_string(),
            }),
            atom: atom(*value),
        },
        other => StepScalar::plain(atom(other)),
    }
}

fn atom(a: AttributeValue) -> StepAtom {
    match a {
        AttributeValue::EntityRef(r) => StepAtom::Ref(r),
        AttributeValue::String(s) => StepAtom::Text(s),
        AttributeValue::Integer(i) => StepAtom::Integer(i),
        AttributeValue::Float(f) => StepAtom::Real(f),
        AttributeValue::Binary(b) => StepAtom::Binary(b),
        AttributeValue::Enum(e) => {
            let t = e.trim_matches('.');
            match t {
                "T" | "TRUE" => StepAtom::Boolean(true),
                "F" | "FALSE" => StepAtom::Boolean(false),
                "U" | "UNKNOWN" => StepAtom::Unknown,
                _ if t.len() == e.len() => StepAtom::Enum(e),
                _ => StepAtom::Enum(t.to_owned()),
            }
        }
        AttributeValue::List(_) => StepAtom::Nested,
        AttributeValue::Typed { value, .. } => atom(*value),
        AttributeValue::Null => StepAtom::Null,
        AttributeValue::Derived => StepAtom::Derived,
    }
}

fn value(a: AttributeValue) -> StepValue {
    match a {
        AttributeValue::List(l) => StepValue::List(l.into_iter().map(scalar).collect()),
        AttributeValue::Typed { value, .. } if matches!(*value, AttributeValue::List(_)) => {
            let AttributeValue::List(items) = *value else {
                unreachable!("matched as a list")
            };
            StepValue::List(items.into_iter().map(scalar).collect())
        }
        other => StepValue::Single(scalar(other)),
    }
}

impl InstanceGraph for IfcGraph {
    fn instances_of(&self, class: &str) -> Vec<u32> {
        let ix = &self.index;
        if class == "*" {
            return ix
                .records
                .iter()
                .filter(|r| ix.classes[r.class as usize].known)
                .map(|r| r.id)
                .collect();
        }
        let upper = class.to_ascii_uppercase();
        if self.v.entity_info(&upper).is_none() {
            return Vec::new();
        }
        let matches: Vec<bool> = ix
            .classes
            .iter()
            .map(|c| c.known && (c.upper == upper || self.v.is_subtype_of(&c.upper, &upper)))
            .collect();
        ix.records
            .iter()
            .filter(|r| matches[r.class as usize])
            .map(|r| r.id)
            .collect()
    }

    fn instances(&self, ids: &[u32]) -> Vec<Option<Instance>> {
        let ix = &self.index;
        ids.iter()
            .map(|id| {
                let r = ix.by_id.lookup(*id)?;
                let class = &ix.classes[ix.records[r].class as usize];
                if !class.known {
                    return None;
                }
                let rec = &ix.records[r];
                let attrs =
                    decode_record(&self.bytes[rec.start..rec.end], class.attrs.len()).ok()?;
                Some(Instance {
                    id: *id,
                    class: class.name.clone(),
                    attributes: attrs.into_iter().map(value).collect(),
                })
            })
            .collect()
    }

    fn referencing(&self, ids: &[u32]) -> Vec<Vec<u32>> {
        let inv = self.inverse();
        ids.iter()
            .map(|id| inv.get(id).cloned().unwrap_or_default())
            .collect()
    }

    fn entity_class(&self, name: &str) -> Option<EntityClass> {
        let upper = name.to_ascii_uppercase();
        let info = self.v.entity_info(&upper)?;
        Some(EntityClass {
            name: schema::class_name(self.v, &upper)?,
            supertypes: schema::supertypes_of(self.v, &upper),
            attributes: self
                .v
                .attribute_names(&upper)
                .unwrap_or(&[])
                .iter()
                .map(|s| s.to_string())
                .collect(),
            is_abstract: info.is_abstract,
        })
    }

    fn unit_scale(&self, measure_type: &str) -> Option<f64> {
        let Some(d) = schema::defined_type(&measure_type.to_ascii_uppercase()) else {
            return Some(1.0);
        };
        match d.unit {
            // (a unit offset, degree Celsius, is not a factor: left to the pack)
            Some(MeasureUnit::Typed { unit_type, .. }) => {
                self.units.scale(unit_type).map(|s| s.factor)
            }
            _ => Some(1.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::scan_refs;

    #[test]
    fn references_are_read_in_place_and_strings_skipped() {
        let mut out = Vec::new();
        scan_refs(
            b"#9=IFCRELAGGREGATES('a#1''#2',#3,$,'',#40,(#5,#6),IFCLABEL('#7'));",
            &mut out,
        );
        assert_eq!(out, [3, 40, 5, 6]);
    }
}
