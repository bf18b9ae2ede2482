//! Models in a live room: reading a `model` message, applying `changes`
//! atomically, the canonical form and digest a revision is checked and
//! cached under, and the finding keys summaries diff.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use plancheck_model::{Element, Model, ModelData, Outcome};

use super::protocol::{ChangeCounts, Changes, Diff};
use crate::check::CheckReport;
use crate::input::{self, Format, InputError};
use crate::service::{self, ParsedModel};

/// Why changes cannot be applied; nothing was applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeltaError {
    /// The `error` event's kind: `unknown-element`, `duplicate-element`,
    /// `conflict` or `bad-model`.
    pub kind: &'static str,
    /// What is wrong, naming the id.
    pub message: String,
}

fn err(kind: &'static str, message: String) -> DeltaError {
    DeltaError { kind, message }
}

/// Checks changed elements the way the JSON loader checks a model: the
/// class must be an `IfcObjectDefinition` of `schema` (any case; set to the
/// schema's spelling), the id non-empty. Values are kept exactly as given
/// (nothing goes through a text round trip).
fn validate_elements(schema: &str, mut elements: Vec<Element>) -> Result<Vec<Element>, DeltaError> {
    if elements.is_empty() {
        return Ok(elements);
    }
    let data = ModelData {
        schema: schema.to_string(),
        storeys: Vec::new(),
        elements,
    };
    let bytes = serde_json::to_vec(&data).expect("serialisable");
    let m = input::load_bytes(&bytes, Some(Format::Json), "changes")
        .map_err(|e| err("bad-model", e.to_string()))?;
    elements = data.elements;
    for (e, checked) in elements.iter_mut().zip(m.elements()) {
        if e.class != checked.class {
            e.class = checked.class.clone();
        }
    }
    Ok(elements)
}

/// Applies `changes` to `data` atomically: every id is checked first
/// (a modified or removed id must exist, an added one must not, no id may
/// appear twice or in two lists, changed elements must be valid for the
/// schema); on any problem nothing is applied. Order: removed elements
/// leave, modified ones are replaced in place, added ones go at the end.
pub fn apply(data: &mut ModelData, changes: Changes) -> Result<ChangeCounts, DeltaError> {
    let counts = ChangeCounts {
        added: changes.added.len(),
        modified: changes.modified.len(),
        removed: changes.removed.len(),
    };
    let index: HashMap<&str, usize> = data
        .elements
        .iter()
        .enumerate()
        .rev() // the first of duplicate ids wins, as in Model
        .map(|(i, e)| (e.id.as_str(), i))
        .collect();
    let mut seen: HashSet<&str> = HashSet::new();
    fn once<'a>(seen: &mut HashSet<&'a str>, id: &'a str, list: &str) -> Result<(), DeltaError> {
        if !seen.insert(id) {
            return Err(err(
                "conflict",
                format!("element `{id}` appears more than once in the changes (again in `{list}`)"),
            ));
        }
        Ok(())
    }
    for e in &changes.added {
        if e.id.is_empty() {
            return Err(err(
                "bad-model",
                format!("added: an element ({}) has an empty id", e.class),
            ));
        }
        once(&mut seen, &e.id, "added")?;
        if index.contains_key(e.id.as_str()) {
            return Err(err(
                "duplicate-element",
                format!(
                    "added: element `{}` is already in the model; send it in `modified`",
                    e.id
                ),
            ));
        }
    }
    for e in &changes.modified {
        once(&mut seen, &e.id, "modified")?;
        if !index.contains_key(e.id.as_str()) {
            return Err(err(
                "unknown-element",
                format!("modified: no element `{}` in the model", e.id),
            ));
        }
    }
    for id in &changes.removed {
        once(&mut seen, id, "removed")?;
        if !index.contains_key(id.as_str()) {
            return Err(err(
                "unknown-element",
                format!("removed: no element `{id}` in the model"),
            ));
        }
    }
    let modified_at: Vec<usize> = changes
        .modified
        .iter()
        .map(|e| index[e.id.as_str()])
        .collect();
    let mut gone: Vec<bool> = Vec::new();
    if !changes.removed.is_empty() {
        gone = vec![false; data.elements.len()];
        for id in &changes.removed {
            gone[index[id.as_str()]] = true;
        }
    }
    drop(index);
    drop(seen);
    let added = validate_elements(&data.schema, changes.added)?;
    let modified = validate_elements(&data.schema, changes.modified)?;
    for (i, e) in modified_at.into_iter().zip(modified) {
        data.elements[i] = e;
    }
    if !gone.is_empty() {
        let mut k = 0;
        data.elements.retain(|_| {
            let keep = !gone[k];
            k += 1;
            keep
        });
    }
    data.elements.extend(added);
    Ok(counts)
}

/// A model from its data, checked as the JSON loader checks a model
/// (schema, storeys, classes; warnings kept), with schema and classes in
/// the schema's spelling. The model holds the data exactly as given: its
/// numbers never go through a text round trip, so `to_data()` of it
/// gives the same data back and a revision that returns to an earlier
/// state has the earlier digest. The digest is the SHA-256 of the data's
/// canonical form, the JSON model format as serde writes it: a revert to
/// an earlier state is a cache hit.
pub fn canonical(
    mut data: ModelData,
    name: &str,
    format: Format,
) -> Result<ParsedModel, InputError> {
    let mut bytes = serde_json::to_vec(&data).expect("serialisable");
    let checked = input::load_bytes(&bytes, Some(Format::Json), name)?;
    let mut normalised = false;
    if data.schema != checked.schema() {
        data.schema = checked.schema().to_string();
        normalised = true;
    }
    for (e, c) in data.elements.iter_mut().zip(checked.elements()) {
        if e.class != c.class {
            e.class = c.class.clone();
            normalised = true;
        }
    }
    if normalised {
        bytes = serde_json::to_vec(&data).expect("serialisable");
    }
    let schema = data.schema.clone();
    let mut model = Model::from_data(data, &|c| input::supertypes(&schema, c))
        .map_err(|e| InputError::new(input::InputErrorKind::InvalidModel, name, e.to_string()))?;
    for w in checked.warnings() {
        model.push_warning(w.clone());
    }
    Ok(ParsedModel {
        name: name.to_string(),
        format,
        bytes: bytes.len() as u64,
        digest: service::digest(&bytes),
        model: Arc::new(model),
    })
}

/// An already loaded model (IFC) with the digest of its canonical form.
pub fn loaded(model: Model, name: &str, format: Format) -> ParsedModel {
    let bytes = serde_json::to_vec(&model.to_data()).expect("serialisable");
    ParsedModel {
        name: name.to_string(),
        format,
        bytes: bytes.len() as u64,
        digest: service::digest(&bytes),
        model: Arc::new(model),
    }
}

/// The key of a finding in summaries' diffs:
/// `pack|rule|outcome|element,element`.
pub fn finding_key(pack: &str, f: &plancheck_model::Finding) -> String {
    let mut s = String::with_capacity(pack.len() + f.rule.len() + 40);
    s.push_str(pack);
    s.push('|');
    s.push_str(&f.rule);
    s.push('|');
    s.push_str(f.outcome.as_str());
    s.push('|');
    for (i, e) in f.elements.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        s.push_str(e);
    }
    s
}

/// The findings of a revision that summaries diff: violations, warnings
/// and not-assessable findings (passes are only counted), by key, for the
/// packs that ran without error.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Keys {
    keys: BTreeSet<String>,
    failed: BTreeSet<String>,
}

impl Keys {
    /// The keys of a report.
    pub fn of(rep: &CheckReport) -> Keys {
        let mut k = Keys::default();
        for p in &rep.packs {
            if p.error.is_some() {
                k.failed.insert(p.pack.clone());
                continue;
            }
            for f in &p.findings {
                if f.outcome != Outcome::Pass {
                    k.keys.insert(finding_key(&p.pack, f));
                }
            }
        }
        k
    }

    /// What changed from `prev` (none: everything is new) to `self`. A pack
    /// that failed in either revision contributes nothing.
    pub fn diff(&self, prev: Option<&Keys>) -> Diff {
        let pack_of = |k: &str| k.split('|').next().unwrap_or("").to_string();
        let Some(prev) = prev else {
            return Diff {
                new: self.keys.iter().cloned().collect(),
                resolved: Vec::new(),
            };
        };
        let skip = |k: &str| {
            let p = pack_of(k);
            self.failed.contains(&p) || prev.failed.contains(&p)
        };
        Diff {
            new: self
                .keys
                .difference(&prev.keys)
                .filter(|k| !skip(k))
                .cloned()
                .collect(),
            resolved: prev
                .keys
                .difference(&self.keys)
                .filter(|k| !skip(k))
                .cloned()
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plancheck_model::{Attribute, Citation, Finding, Measure, MeasureKind, Value};

    fn el(id: &str, class: &str) -> Element {
        Element::new(id, class)
    }

    fn data() -> ModelData {
        ModelData {
            schema: "IFC4".into(),
            storeys: vec![],
            elements: vec![
                el("a", "IfcDoor"),
                el("b", "IfcWall"),
                el("c", "IfcStairFlight"),
            ],
        }
    }

    fn ids(d: &ModelData) -> Vec<&str> {
        d.elements.iter().map(|e| e.id.as_str()).collect()
    }

    #[test]
    fn applies_added_modified_removed() {
        let mut d = data();
        let mut m = el("c", "ifcstairflight");
        m.attributes.push(Attribute {
            name: "RiserHeight".into(),
            value: Value::Measure(Measure {
                kind: MeasureKind::Length,
                si: 0.17,
            }),
            data_type: "IfcPositiveLengthMeasure".into(),
        });
        let n = apply(
            &mut d,
            Changes::new(vec![el("d", "ifcdoor")], vec![m], vec!["a".into()]),
        )
        .unwrap();
        assert_eq!(
            n,
            ChangeCounts {
                added: 1,
                modified: 1,
                removed: 1
            }
        );
        assert_eq!(ids(&d), ["b", "c", "d"]);
        // classes come back in schema spelling
        assert_eq!(d.elements[1].class, "IfcStairFlight");
        assert_eq!(d.elements[2].class, "IfcDoor");
        assert!(d.elements[1].attribute("riserheight").is_some());
    }

    #[test]
    fn nothing_applies_on_any_error() {
        let cases: Vec<(Changes, &str, &str)> = vec![
            (
                Changes::new(vec![], vec![el("zz", "IfcDoor")], vec![]),
                "unknown-element",
                "zz",
            ),
            (
                Changes::new(vec![el("d", "IfcDoor")], vec![], vec!["nope".into()]),
                "unknown-element",
                "nope",
            ),
            (
                Changes::new(vec![el("a", "IfcDoor")], vec![], vec![]),
                "duplicate-element",
                "`a`",
            ),
            (
                Changes::new(vec![el("d", "IfcDoor"), el("d", "IfcDoor")], vec![], vec![]),
                "conflict",
                "`d`",
            ),
            (
                Changes::new(vec![], vec![el("a", "IfcDoor")], vec!["a".into()]),
                "conflict",
                "`a`",
            ),
            (
                Changes::new(vec![el("d", "IfcDoorz")], vec![], vec!["a".into()]),
                "bad-model",
                "IfcDoorz",
            ),
            (
                Changes::new(vec![], vec![el("b", "IfcPropertySet")], vec![]),
                "bad-model",
                "IfcPropertySet",
            ),
        ];
        for (c, kind, names) in cases {
            let mut d = data();
            let e = apply(&mut d, c).unwrap_err();
            assert_eq!(e.kind, kind, "{e:?}");
            assert!(e.message.contains(names), "{e:?}");
            assert_eq!(d, data(), "nothing applied for {e:?}");
        }
    }

    #[test]
    fn canonical_digest_is_stable_and_reverts_match() {
        let d = data();
        let a = canonical(d.clone(), "b1", Format::Json).unwrap();
        let mut d2 = d.clone();
        apply(&mut d2, Changes::new(vec![], vec![], vec!["b".into()])).unwrap();
        let b = canonical(d2.clone(), "b1", Format::Json).unwrap();
        assert_ne!(a.digest, b.digest);
        apply(
            &mut d2,
            Changes::new(vec![], vec![el("b", "IfcWall")], vec![]),
        )
        .unwrap_err();
        // put it back where it was: same digest as the first revision
        let mut d3 = d2.clone();
        apply(&mut d3, Changes::new(vec![], vec![], vec!["c".into()])).unwrap();
        apply(
            &mut d3,
            Changes::new(
                vec![el("b", "IfcWall"), el("c", "IfcStairFlight")],
                vec![],
                vec![],
            ),
        )
        .unwrap();
        assert_eq!(ids(&d3), ["a", "b", "c"]);
        assert_eq!(
            canonical(d3.clone(), "b1", Format::Json).unwrap().digest,
            a.digest
        );
        assert_eq!(a.model.elements().len(), 3);
        assert_eq!(a.bytes, serde_json::to_vec(&d).unwrap().len() as u64);
    }

    #[test]
    fn numbers_are_kept_exactly_and_spelling_does_not_change_the_digest() {
        // 0.9500000000000001 does not survive serde_json's default float
        // parsing; the model must hold what it was given.
        let mut d = data();
        d.elements[2] = stair(0.9500000000000001);
        let p = canonical(d.clone(), "b", Format::Json).unwrap();
        assert_eq!(p.model.to_data(), d);
        let mut again = p.model.to_data();
        apply(&mut again, Changes::new(vec![], vec![], vec!["a".into()])).unwrap();
        apply(
            &mut again,
            Changes::new(vec![el("a", "IFCDOOR")], vec![], vec![]),
        )
        .unwrap();
        let mut d_moved = d.clone();
        let a = d_moved.elements.remove(0);
        d_moved.elements.push(a);
        assert_eq!(again, d_moved);
        let mut lower = d.clone();
        lower.elements[0].class = "ifcdoor".into();
        lower.schema = "ifc4".into();
        assert_eq!(
            canonical(lower, "b", Format::Json).unwrap().digest,
            p.digest
        );
    }

    fn stair(riser: f64) -> Element {
        let mut e = el("c", "IfcStairFlight");
        e.attributes.push(Attribute {
            name: "RiserHeight".into(),
            value: Value::Measure(Measure {
                kind: MeasureKind::Length,
                si: riser,
            }),
            data_type: String::new(),
        });
        e
    }

    fn finding(rule: &str, outcome: Outcome, els: &[&str]) -> Finding {
        Finding {
            rule: rule.into(),
            citation: Citation::new("IBC", "2021", "1"),
            outcome,
            elements: els.iter().map(|s| s.to_string()).collect(),
            message: String::new(),
            measured: None,
            limit: None,
        }
    }

    fn report(packs: Vec<(&str, Option<&str>, Vec<Finding>)>) -> CheckReport {
        CheckReport {
            schema: "IFC4".into(),
            elements: 0,
            model_warnings: vec![],
            packs: packs
                .into_iter()
                .map(|(p, e, f)| crate::check::PackReport {
                    pack: p.into(),
                    version: "1".into(),
                    code: "X 1".into(),
                    digest: "d".into(),
                    findings: f,
                    error: e.map(str::to_string),
                    error_kind: None,
                    millis: 0.0,
                })
                .collect(),
        }
    }

    #[test]
    fn diff_by_key_skips_passes_and_failed_packs() {
        let r1 = report(vec![
            (
                "p",
                None,
                vec![
                    finding("riser", Outcome::Violation, &["s1"]),
                    finding("tread", Outcome::Violation, &["s1"]),
                    finding("door", Outcome::Pass, &["d1"]),
                ],
            ),
            ("q", None, vec![finding("x", Outcome::Warning, &["a", "b"])]),
        ]);
        let k1 = Keys::of(&r1);
        let first = k1.diff(None);
        assert_eq!(
            first.new,
            [
                "p|riser|violation|s1",
                "p|tread|violation|s1",
                "q|x|warning|a,b"
            ]
        );
        let r2 = report(vec![
            (
                "p",
                None,
                vec![
                    finding("riser", Outcome::Pass, &["s1"]),
                    finding("tread", Outcome::Violation, &["s1"]),
                    finding("door", Outcome::Violation, &["d1"]),
                ],
            ),
            ("q", Some("trap"), vec![]),
        ]);
        let d = Keys::of(&r2).diff(Some(&k1));
        assert_eq!(d.new, ["p|door|violation|d1"]);
        assert_eq!(d.resolved, ["p|riser|violation|s1"]);
    }
}
