//! IFC (ISO 10303-21) → [`Model`].
//!
//! One scan indexes every record; then object definitions, relationships
//! and property sets are each decoded once. Relationships are walked once
//! and their targets found through the id index, so the work is linear in
//! the file size. See docs/ifc-input.md.

use foldhash::{HashMap, HashMapExt, HashSet, HashSetExt};
use std::rc::Rc;

use ifc_lite_core::parser::header::{
    declared_schemas_bounded, find_keyword_then, Then, MAX_HEADER_BYTES,
};
use ifc_lite_core::{AttrKind, AttributeValue, SchemaVersion};
use plancheck_model::{Attribute, Element, Model, PropertySet, Storey, Value};

use super::error::{InputError, InputErrorKind};
use super::property_sets::{self, Note, SetBuilder};
use super::schema::{self, Role};
use super::step::Step;
use super::units::{project_units, Units};
use super::values::{self, Skip};

/// At most this many warnings are kept; the rest are counted.
const MAX_WARNINGS: usize = 1000;

const NONE: u32 = u32::MAX;

/// From this many property set definitions on, they are built on a second
/// thread while the objects and relationships are read (a thread costs
/// some tens of microseconds; the 1,000-element bench model has 1,411
/// sets). See docs/ifc-input.md.
const SETS_AHEAD_FROM: usize = 256;

struct Warnings {
    list: Vec<String>,
    suppressed: usize,
}

impl Warnings {
    fn push(&mut self, w: String) {
        if self.list.len() < MAX_WARNINGS {
            self.list.push(w);
        } else {
            self.suppressed += 1;
        }
    }
}

/// Loads an IFC STEP file.
pub(crate) fn load(bytes: &[u8], name: &str) -> Result<Model, InputError> {
    load_with(bytes, name, SETS_AHEAD_FROM)
}

/// [`load`], building the property sets on a second thread when the file
/// has at least `sets_ahead_from` of them.
fn load_with(bytes: &[u8], name: &str, sets_ahead_from: usize) -> Result<Model, InputError> {
    let (v, trailer) = check_header(bytes, name)?;
    let (data_start, no_data_marker) = match data_section(bytes) {
        Some(d) => (d.min(trailer), false),
        // no `DATA;`: read what the scanner finds, but do not report the
        // text before the first record as junk
        None => (trailer, true),
    };
    let data_end = trailer;
    let step = Step::scan(bytes, name, v, (data_start, data_end));
    if step.records.is_empty() {
        if no_data_marker {
            return Err(err(
                InputErrorKind::Syntax,
                name,
                "the file has no DATA section",
            ));
        }
        if let Some((at, _)) = step.scan_problems.first() {
            return Err(InputError::new(
                InputErrorKind::Syntax,
                name,
                "the DATA section holds no readable entity instance",
            )
            .at_line(step.line_of(*at)));
        }
    }
    let mut loader = Loader::new(&step, v);
    loader.ahead_from = sets_ahead_from;
    if no_data_marker {
        loader.warn(format!("{name}: the file has no 'DATA;' section marker"));
    }
    loader.run();
    let units = loader.units.clone();
    let mut model = loader.finish()?;
    // the instance graph (contract 0.2.0) reuses the scan; its inverse
    // index is built lazily, on first use
    let (records, classes, index) = step.into_parts();
    let graph = super::graph::IfcGraph::new(bytes, v, units, records, classes, index);
    model.set_graph(std::sync::Arc::new(graph));
    Ok(model)
}

fn err(kind: InputErrorKind, name: &str, msg: impl Into<String>) -> InputError {
    InputError::new(kind, name, msg)
}

fn line_at(bytes: &[u8], offset: usize) -> usize {
    bytes[..offset.min(bytes.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Checks the magic, the schema and the trailer.
/// Returns the schema and the offset of the `END-ISO-10303-21;` trailer.
fn check_header(bytes: &[u8], name: &str) -> Result<(SchemaVersion, usize), InputError> {
    let start = super::skip_bom_and_space(bytes);
    let head = &bytes[start..];
    if head.starts_with(b"PK\x03\x04") {
        return Err(err(
            InputErrorKind::NotStep,
            name,
            "this is a ZIP archive (ifcZIP?): unzip it and load the .ifc inside",
        ));
    }
    if head.first() == Some(&b'<') {
        return Err(err(
            InputErrorKind::NotStep,
            name,
            "this is XML (ifcXML?), which is not supported: export IFC as STEP (.ifc)",
        )
        .at_line(line_at(bytes, start)));
    }
    if head.first() == Some(&b'{') {
        return Err(err(
            InputErrorKind::NotStep,
            name,
            "this is JSON, not STEP: load it as a JSON model (.json)",
        )
        .at_line(line_at(bytes, start)));
    }
    if head.len() < 12 || !head[..12].eq_ignore_ascii_case(b"ISO-10303-21") {
        return Err(err(
            InputErrorKind::NotStep,
            name,
            "not an IFC STEP file: it does not start with 'ISO-10303-21;'",
        )
        .at_line(line_at(bytes, start)));
    }
    let window = &bytes[..bytes.len().min(MAX_HEADER_BYTES)];
    let schema_at = find_keyword_then(window, b"FILE_SCHEMA", Then::Paren).map(|h| h.start);
    let declared = declared_schemas_bounded(bytes);
    let v = declared.iter().find_map(|s| schema::version(s));
    let Some(v) = v else {
        let line = schema_at.map_or(1, |o| line_at(bytes, o));
        let msg = if declared.is_empty() {
            "the header names no schema (FILE_SCHEMA)".to_owned()
        } else {
            format!(
                "schema {} is not supported (supported: {})",
                declared
                    .iter()
                    .map(|s| format!("'{s}'"))
                    .collect::<Vec<_>>()
                    .join(", "),
                schema::SUPPORTED
            )
        };
        return Err(err(InputErrorKind::UnsupportedSchema, name, msg).at_line(line));
    };
    // trailer
    let mut end = bytes.len();
    while end > 0 && (bytes[end - 1].is_ascii_whitespace() || bytes[end - 1] == 0) {
        end -= 1;
    }
    let trailer = b"END-ISO-10303-21;";
    let ok = end >= trailer.len() && bytes[end - trailer.len()..end].eq_ignore_ascii_case(trailer);
    if !ok {
        return Err(truncated(bytes, name, end));
    }
    Ok((v, end - trailer.len()))
}

/// The error for a file that stops before its trailer, naming the record it
/// stops in where it does.
fn truncated(bytes: &[u8], name: &str, end: usize) -> InputError {
    let last_line = line_at(bytes, end.saturating_sub(1));
    // the last line starting with '#'
    let mut i = end;
    let mut record = None;
    while i > 0 {
        i -= 1;
        if bytes[i] == b'#' && (i == 0 || bytes[i - 1] == b'\n' || bytes[i - 1] == b'\r') {
            record = Some(i);
            break;
        }
        if end - i > 1 << 20 {
            break;
        }
    }
    let base = "the file is truncated: it ends without 'END-ISO-10303-21;'";
    if let Some(r) = record {
        let text = &bytes[r..end];
        let id_len = text[1..].iter().take_while(|b| b.is_ascii_digit()).count();
        let id: Option<u32> = std::str::from_utf8(&text[1..1 + id_len])
            .ok()
            .and_then(|s| s.parse().ok());
        let after = &text[1 + id_len..];
        let kw_start = after.iter().position(|b| b.is_ascii_alphabetic());
        let cut = !text.ends_with(b";");
        if let (Some(id), Some(k), true) = (id, kw_start, cut) {
            let kw: String = after[k..]
                .iter()
                .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
                .map(|&b| (b as char).to_ascii_uppercase())
                .collect();
            return err(
                InputErrorKind::Truncated,
                name,
                format!("{base}; this record is cut off"),
            )
            .at_line(line_at(bytes, r))
            .for_entity(id, &kw);
        }
    }
    err(InputErrorKind::Truncated, name, base).at_line(last_line)
}

/// Offset just past `DATA;` (or ISO 10303-21 ed.3 `DATA(...);`).
fn data_section(bytes: &[u8]) -> Option<usize> {
    let window = &bytes[..bytes.len().min(MAX_HEADER_BYTES)];
    let hit = find_keyword_then(window, b"DATA", Then::ParenOrSemicolon)
        .or_else(|| find_keyword_then(bytes, b"DATA", Then::ParenOrSemicolon))?;
    Some(
        bytes[hit.then..]
            .iter()
            .position(|&b| b == b';')
            .map_or(bytes.len(), |p| hit.then + p + 1),
    )
}

/// Per-element facts needed after the first pass.
#[derive(Default)]
struct Extra {
    rec: usize,
    type_of: Option<u32>,
    psets: Vec<usize>,
    container: Option<u32>,
    aggregate: Option<u32>,
    predefined: Option<String>,
    is_type: bool,
    is_storey: bool,
    is_space: bool,
}

struct Loader<'s, 'a> {
    step: &'s Step<'a>,
    v: SchemaVersion,
    units: Units,
    warnings: Warnings,
    elements: Vec<Element>,
    extra: Vec<Extra>,
    /// record index → element index (`NONE` if not an element)
    elem_of_rec: Vec<u32>,
    psets: HashMap<usize, Option<Rc<PropertySet>>>,
    /// Per-value units already warned about.
    units_noted: HashSet<u32>,
    /// Build property sets on a second thread when the file has at least
    /// this many.
    ahead_from: usize,
}

impl<'s, 'a> Loader<'s, 'a> {
    fn new(step: &'s Step<'a>, v: SchemaVersion) -> Self {
        Loader {
            step,
            v,
            units: Units::default(),
            warnings: Warnings {
                list: Vec::new(),
                suppressed: 0,
            },
            elements: Vec::new(),
            extra: Vec::new(),
            elem_of_rec: vec![NONE; step.records.len()],
            psets: HashMap::new(),
            units_noted: HashSet::new(),
            ahead_from: usize::MAX,
        }
    }

    fn warn(&mut self, w: String) {
        self.warnings.push(w);
    }

    fn run(&mut self) {
        let step = self.step;
        let mut problems: Vec<&(usize, String)> = step.scan_problems.iter().collect();
        problems.sort_by_key(|p| p.0);
        for (at, msg) in problems {
            let w = format!("{}{msg}", step.at_offset(*at));
            self.warn(w);
        }
        self.unknown_classes();

        // the project and its units
        let projects: Vec<usize> = (0..step.records.len())
            .filter(|&i| step.class(i).flags.is_project)
            .collect();
        if projects.len() > 1 {
            let w = format!(
                "{}the file has {} IfcProject instances; units come from the first",
                step.at_record(projects[1]),
                projects.len()
            );
            self.warn(w);
        }
        let mut ws = Vec::new();
        let units = project_units(step, projects.first().copied(), &mut |w| ws.push(w));
        for w in ws {
            self.warn(w);
        }
        self.units = units.clone();

        // Property sets need only the file and the units: with enough of
        // them they are built on a second thread while this one reads the
        // objects and relationships (see input/property_sets.rs).
        let v = self.v;
        let set_class: Vec<bool> = step
            .classes
            .iter()
            .map(|c| property_sets::is_set_class(c, v))
            .collect();
        let sets: Vec<usize> = (0..step.records.len())
            .filter(|&i| set_class[step.records[i].class as usize])
            .collect();
        let mut ahead = if sets.len() >= self.ahead_from.max(1) {
            // the helper starts on the sets; this thread joins it once the
            // objects and relationships are read, taking sets from the
            // same queue
            let queue = property_sets::Queue::new(&sets);
            std::thread::scope(|s| {
                let helper = std::thread::Builder::new()
                    .name("plancheck-psets".into())
                    .spawn_scoped(s, || queue.build(step, v, &units));
                self.objects_and_relationships();
                let mut mine = queue.build(step, v, &units);
                if let Ok(h) = helper {
                    let theirs = h.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
                    mine.extend(theirs);
                }
                // (no thread to be had: this thread built them all)
                mine
            })
        } else {
            self.objects_and_relationships();
            HashMap::new()
        };

        // property sets, each built once, in the order they are used
        let wanted: Vec<usize> = self
            .extra
            .iter()
            .flat_map(|x| x.psets.iter().copied())
            .collect();
        let mut here = SetBuilder::new(step, v, &units);
        for p in wanted {
            if !self.psets.contains_key(&p) {
                let built = match ahead.remove(&p) {
                    Some(b) => b,
                    None => here.build(p),
                };
                self.say(built.notes);
                self.psets.insert(p, built.set.map(Rc::new));
            }
        }
    }

    fn objects_and_relationships(&mut self) {
        let step = self.step;
        // object definitions
        for i in 0..step.records.len() {
            if step.class(i).role == Role::Object {
                self.object(i);
            }
        }
        // relationships
        for i in 0..step.records.len() {
            match step.class(i).role {
                Role::DefinesByProperties => self.defines_by_properties(i),
                Role::DefinesByType => self.defines_by_type(i),
                Role::Contained => self.contained(i),
                Role::Aggregates => self.aggregates(i),
                _ => {}
            }
        }
    }

    /// Says what building a set found; a per-value unit is spoken of once.
    fn say(&mut self, notes: Vec<Note>) {
        for n in notes {
            match n {
                Note::Text(w) => self.warn(w),
                Note::Unit { id, at, msgs } => {
                    if self.units_noted.insert(id) {
                        for m in msgs {
                            self.warn(format!("{at}{m}"));
                        }
                    }
                }
            }
        }
    }

    fn unknown_classes(&mut self) {
        let step = self.step;
        let mut first: HashMap<u32, (usize, usize)> = HashMap::new();
        for (i, r) in step.records.iter().enumerate() {
            if !step.classes[r.class as usize].known {
                first.entry(r.class).or_insert((i, 0)).1 += 1;
            }
        }
        let mut list: Vec<(usize, usize)> = first.into_values().collect();
        list.sort();
        for (i, n) in list {
            let c = step.class(i);
            let w = if c.upper.is_empty() {
                format!(
                    "{}complex entity instances are not read; {n} ignored",
                    step.at_record(i)
                )
            } else {
                format!(
                    "{}{} is not an entity of {}; {n} instance(s) ignored",
                    step.at_record(i),
                    c.upper,
                    schema::family_label(self.v),
                )
            };
            self.warn(w);
        }
    }

    fn elem(&self, id: u32) -> Result<u32, String> {
        match self.step.lookup(id) {
            None => Err(format!("#{id}, which does not exist")),
            Some(r) => match self.elem_of_rec[r] {
                NONE if self.step.class(r).role == Role::Object => Err(format!(
                    "#{id} ({}), which could not be read",
                    self.step.class(r).upper
                )),
                NONE => Err(format!(
                    "#{id} ({}), which is not an object definition",
                    self.step.class(r).upper
                )),
                e => Ok(e),
            },
        }
    }

    fn object(&mut self, i: usize) {
        let step = self.step;
        let class = step.class(i);
        let mut attrs = match step.decode(i) {
            Ok(a) => a,
            Err(e) => {
                let w = format!("{}{e}; skipped", step.at_record(i));
                self.warn(w);
                return;
            }
        };
        let get = |n: &str| class.index(n).and_then(|k| attrs.get(k));
        let text = |n: &str| get(n).and_then(|a| a.as_string()).map(str::to_owned);
        let Some(gid) = text("GlobalId").filter(|g| !g.is_empty()) else {
            let w = format!("{}has no GlobalId; skipped", step.at_record(i));
            self.warn(w);
            return;
        };
        let mut e = Element::new(gid, class.name.clone());
        // GlobalId, Name, Description (IfcRoot) and ObjectType (IfcObject)
        // sit at the same positions in every schema; the rest only when the
        // record has the schema's attribute count
        let arity_ok = attrs.len() == class.attrs.len();
        e.name = text("Name");
        e.description = text("Description");
        e.object_type = match (class.flags.is_type, arity_ok) {
            (false, _) => text("ObjectType"),
            (true, true) => text("ElementType"),
            (true, false) => None,
        };
        let predefined = get("PredefinedType")
            .filter(|_| arity_ok)
            .and_then(|a| a.as_enum())
            .map(|s| s.trim_matches('.').to_owned());
        if !arity_ok {
            let w = format!(
                "{}has {} attributes but {} {} has {}; only GlobalId, Name, Description and ObjectType are read",
                step.at_record(i),
                attrs.len(),
                schema::family_label(self.v),
                class.name,
                class.attrs.len()
            );
            self.warn(w);
        } else {
            // the attributes' text is moved into the element (the fields
            // above hold copies)
            for (k, (spec, value)) in class.attrs.iter().zip(attrs.iter_mut()).enumerate() {
                if matches!(spec.kind, AttrKind::Ref | AttrKind::RefList) || value.is_null() {
                    continue;
                }
                match values::attribute(spec, value, &self.units) {
                    Ok((value, data_type)) => e.attributes.push(Attribute {
                        name: spec.name.to_owned(),
                        value,
                        data_type,
                    }),
                    Err(Skip::Bad(m)) => {
                        let w = format!("{}attribute {k} ({}) {m}", step.at_record(i), spec.name);
                        self.warn(w);
                    }
                    Err(_) => {}
                }
            }
        }
        let mut x = Extra {
            rec: i,
            predefined,
            is_type: class.flags.is_type,
            is_storey: class.flags.is_storey,
            is_space: class.flags.is_space,
            ..Extra::default()
        };
        if class.flags.is_type && arity_ok {
            if let Some(list) = class.index("HasPropertySets").and_then(|k| attrs.get(k)) {
                x.psets = self.pset_refs(i, "HasPropertySets", list);
            }
        }
        self.elem_of_rec[i] = self.elements.len() as u32;
        self.elements.push(e);
        self.extra.push(x);
    }

    /// Record indexes of the property set definitions `list` refers to.
    fn pset_refs(&mut self, i: usize, attr: &str, list: &AttributeValue) -> Vec<usize> {
        let Some(members) = list.as_ref_members() else {
            return Vec::new();
        };
        let mut out = Vec::with_capacity(members.len());
        for m in members {
            let Some(id) = m.as_entity_ref() else {
                continue;
            };
            match self.step.lookup(id) {
                Some(r) => out.push(r),
                None => {
                    let w = format!(
                        "{}{attr} refers to #{id}, which does not exist",
                        self.step.at_record(i)
                    );
                    self.warn(w);
                }
            }
        }
        out
    }

    /// The references in two attributes of relationship `i`, or a warning.
    fn rel(&mut self, i: usize, a: &str, b: &str) -> Option<[Vec<u32>; 2]> {
        let class = self.step.class(i);
        let (Some(ka), Some(kb)) = (class.index(a), class.index(b)) else {
            return None;
        };
        match self.step.refs(i, [ka, kb]) {
            Ok(r) => Some(r),
            Err(e) => {
                let w = format!("{}{e}; relationship ignored", self.step.at_record(i));
                self.warn(w);
                None
            }
        }
    }

    /// Element indexes of `ids`, warning about dangling entries.
    fn related(&mut self, i: usize, ids: &[u32], name: &str) -> Vec<u32> {
        let mut out = Vec::with_capacity(ids.len());
        for &id in ids {
            match self.elem(id) {
                Ok(e) => out.push(e),
                Err(m) => {
                    let w = format!("{}{name} refers to {m}; ignored", self.step.at_record(i));
                    self.warn(w);
                }
            }
        }
        out
    }

    /// The element a single-reference attribute names.
    fn relating(&mut self, i: usize, ids: &[u32], name: &str) -> Option<u32> {
        let Some(&id) = ids.first() else {
            let w = format!(
                "{}{name} is missing; relationship ignored",
                self.step.at_record(i)
            );
            self.warn(w);
            return None;
        };
        match self.elem(id) {
            Ok(e) => Some(e),
            Err(m) => {
                let w = format!(
                    "{}{name} refers to {m}; relationship ignored",
                    self.step.at_record(i)
                );
                self.warn(w);
                None
            }
        }
    }

    fn defines_by_properties(&mut self, i: usize) {
        let Some([objects, defs]) = self.rel(i, "RelatedObjects", "RelatingPropertyDefinition")
        else {
            return;
        };
        let mut sets = Vec::with_capacity(defs.len());
        for id in defs {
            match self.step.lookup(id) {
                Some(r) => sets.push(r),
                None => {
                    let w = format!(
                        "{}RelatingPropertyDefinition refers to #{id}, which does not exist",
                        self.step.at_record(i)
                    );
                    self.warn(w);
                }
            }
        }
        if sets.is_empty() {
            return;
        }
        for e in self.related(i, &objects, "RelatedObjects") {
            self.extra[e as usize].psets.extend_from_slice(&sets);
        }
    }

    fn defines_by_type(&mut self, i: usize) {
        let Some([objects, ty]) = self.rel(i, "RelatedObjects", "RelatingType") else {
            return;
        };
        let Some(t) = self.relating(i, &ty, "RelatingType") else {
            return;
        };
        if !self.extra[t as usize].is_type {
            let w = format!(
                "{}RelatingType is a {}, not a type object; relationship ignored",
                self.step.at_record(i),
                self.elements[t as usize].class
            );
            self.warn(w);
            return;
        }
        for e in self.related(i, &objects, "RelatedObjects") {
            let x = &mut self.extra[e as usize];
            match x.type_of {
                None => x.type_of = Some(t),
                Some(old) if old == t => {}
                Some(_) => {
                    let w = format!(
                        "{}{} already has a type; the first one is kept",
                        self.step.at_record(i),
                        self.elements[e as usize].id
                    );
                    self.warn(w);
                }
            }
        }
    }

    fn contained(&mut self, i: usize) {
        let Some([elements, structure]) = self.rel(i, "RelatedElements", "RelatingStructure")
        else {
            return;
        };
        let Some(s) = self.relating(i, &structure, "RelatingStructure") else {
            return;
        };
        for e in self.related(i, &elements, "RelatedElements") {
            let x = &mut self.extra[e as usize];
            match x.container {
                None => x.container = Some(s),
                Some(old) if old == s => {}
                Some(_) => {
                    let w = format!(
                        "{}{} is already contained in another spatial element; the first is kept",
                        self.step.at_record(i),
                        self.elements[e as usize].id
                    );
                    self.warn(w);
                }
            }
        }
    }

    fn aggregates(&mut self, i: usize) {
        let Some([parts, whole]) = self.rel(i, "RelatedObjects", "RelatingObject") else {
            return;
        };
        let Some(p) = self.relating(i, &whole, "RelatingObject") else {
            return;
        };
        for e in self.related(i, &parts, "RelatedObjects") {
            let x = &mut self.extra[e as usize];
            match x.aggregate {
                None => x.aggregate = Some(p),
                Some(old) if old == p => {}
                Some(_) => {
                    let w = format!(
                        "{}{} is already part of another object; the first is kept",
                        self.step.at_record(i),
                        self.elements[e as usize].id
                    );
                    self.warn(w);
                }
            }
        }
    }

    fn finish(mut self) -> Result<Model, InputError> {
        let step = self.step;
        let n = self.elements.len();
        // containment: nearest storey and space above each element
        let (storey_of, space_of, cycles) = containment(&self.extra);
        for e in cycles {
            let w = format!(
                "{}spatial containment / aggregation of this element forms a cycle; its storey and space are left empty",
                step.at_record(self.extra[e].rec)
            );
            self.warn(w);
        }
        let mut storeys = Vec::new();
        for i in 0..n {
            let x = &self.extra[i];
            if x.is_storey {
                let e = &self.elements[i];
                storeys.push(Storey {
                    id: e.id.clone(),
                    name: e.name.clone(),
                    elevation: e.attribute("Elevation").and_then(Value::as_length),
                });
            }
        }
        // predefined types, resolved through the type object
        let resolved: Vec<Option<String>> = (0..n)
            .map(|i| {
                let x = &self.extra[i];
                let ty = x.type_of.map(|t| {
                    let t = t as usize;
                    (
                        self.extra[t].predefined.as_deref(),
                        self.elements[t].object_type.as_deref(),
                    )
                });
                predefined_type(
                    x.predefined.as_deref(),
                    self.elements[i].object_type.as_deref(),
                    ty,
                )
            })
            .collect();
        // property sets: the element's own first, then its type's
        let mut psets = std::mem::take(&mut self.psets);
        let mut elements = std::mem::take(&mut self.elements);
        let extra = &self.extra;
        let sets_of = |i: usize| {
            let x = &extra[i];
            let inherited = x
                .type_of
                .iter()
                .flat_map(|&t| extra[t as usize].psets.iter());
            x.psets.iter().chain(inherited).copied()
        };
        // how often each set is used: its last use takes it instead of a
        // copy (most sets belong to one element)
        let mut uses: HashMap<usize, u32> = HashMap::with_capacity(psets.len());
        for i in 0..n {
            for p in sets_of(i) {
                *uses.entry(p).or_default() += 1;
            }
        }
        for ((i, e), predefined) in elements.iter_mut().enumerate().zip(resolved) {
            let mut sets: Vec<PropertySet> = Vec::new();
            for p in sets_of(i) {
                let left = uses.get_mut(&p).map_or(0, |u| {
                    *u -= 1;
                    *u
                });
                let set = if left == 0 {
                    psets.remove(&p).flatten().map(Rc::unwrap_or_clone)
                } else {
                    psets.get(&p).and_then(|s| s.as_deref().cloned())
                };
                if let Some(set) = set {
                    merge(&mut sets, set);
                }
            }
            e.property_sets = sets;
            e.predefined_type = predefined;
        }
        // storey / space are GlobalIds
        let id_of = |k: u32| elements[k as usize].id.clone();
        let storey_ids: Vec<Option<String>> = storey_of.iter().map(|s| s.map(id_of)).collect();
        let space_ids: Vec<Option<String>> = space_of.iter().map(|s| s.map(id_of)).collect();
        for ((e, st), sp) in elements.iter_mut().zip(storey_ids).zip(space_ids) {
            e.storey = st;
            e.space = sp;
        }
        let v = self.v;
        let mut model = Model::new(schema::family_label(v), storeys, elements, &|c| {
            schema::supertypes_of(v, c)
        })
        .map_err(|e| InputError::new(InputErrorKind::Internal, step.name, e.to_string()))?;
        for w in self.warnings.list {
            model.push_warning(w);
        }
        if self.warnings.suppressed > 0 {
            model.push_warning(format!(
                "{}: {} further warnings were not listed",
                step.name, self.warnings.suppressed
            ));
        }
        Ok(model)
    }
}

/// Adds `set` to `sets`: a set of the same name and kind gains the
/// properties it lacks (earlier values win), otherwise `set` is appended.
fn merge(sets: &mut Vec<PropertySet>, set: PropertySet) {
    match sets
        .iter_mut()
        .find(|s| s.name == set.name && s.kind == set.kind)
    {
        None => sets.push(set),
        Some(existing) => {
            let have: std::collections::HashSet<&str> = existing
                .properties
                .iter()
                .map(|p| p.name.as_str())
                .collect();
            let keep: Vec<bool> = set
                .properties
                .iter()
                .map(|p| !have.contains(p.name.as_str()))
                .collect();
            drop(have);
            existing.properties.extend(
                set.properties
                    .into_iter()
                    .zip(keep)
                    .filter_map(|(p, k)| k.then_some(p)),
            );
        }
    }
}

/// The PredefinedType an element reports: its own, else its type object's
/// when its own is missing or NOTDEFINED; USERDEFINED reads the
/// ObjectType / ElementType text.
fn predefined_type(
    own: Option<&str>,
    own_text: Option<&str>,
    ty: Option<(Option<&str>, Option<&str>)>,
) -> Option<String> {
    let text = |t: Option<&str>| t.filter(|s| !s.is_empty()).map(str::to_owned);
    match own {
        Some("USERDEFINED") => text(own_text)
            .or_else(|| match ty {
                Some((Some("USERDEFINED"), t)) => text(t),
                _ => None,
            })
            .or_else(|| Some("USERDEFINED".to_owned())),
        Some(p) if p != "NOTDEFINED" => Some(p.to_owned()),
        _ => match ty {
            Some((Some("USERDEFINED"), t)) => text(t)
                .or_else(|| text(own_text))
                .or_else(|| Some("USERDEFINED".to_owned())),
            Some((Some(p), _)) if p != "NOTDEFINED" => Some(p.to_owned()),
            Some((Some(p), _)) => Some(own.unwrap_or(p).to_owned()),
            _ => own.map(str::to_owned),
        },
    }
}

/// For each element, the nearest storey and space above it (through
/// containment, then aggregation), and the elements on a cycle.
fn containment(extra: &[Extra]) -> (Vec<Option<u32>>, Vec<Option<u32>>, Vec<usize>) {
    const TODO: u8 = 0;
    const ACTIVE: u8 = 1;
    const DONE: u8 = 2;
    let n = extra.len();
    let parent = |i: usize| {
        extra[i]
            .container
            .or(extra[i].aggregate)
            .map(|p| p as usize)
    };
    let mut state = vec![TODO; n];
    let mut storey: Vec<Option<u32>> = vec![None; n];
    let mut space: Vec<Option<u32>> = vec![None; n];
    let mut cycles = Vec::new();
    let mut path = Vec::new();
    for start in 0..n {
        if state[start] == DONE {
            continue;
        }
        path.clear();
        let mut cur = start;
        // walk up until a resolved node, the top, or a cycle
        let top: Option<usize> = loop {
            state[cur] = ACTIVE;
            path.push(cur);
            match parent(cur) {
                None => break None,
                Some(p) if state[p] == DONE => break Some(p),
                Some(p) if state[p] == ACTIVE => {
                    cycles.push(cur);
                    break None;
                }
                Some(p) => cur = p,
            }
        };
        // resolve back down the path
        let mut above: Option<usize> = top;
        for &node in path.iter().rev() {
            let (st, sp) = match above {
                None => (None, None),
                Some(p) => {
                    let x = &extra[p];
                    let st = if x.is_storey {
                        Some(p as u32)
                    } else {
                        storey[p]
                    };
                    let sp = if x.is_space {
                        Some(p as u32)
                    } else if x.is_storey {
                        None
                    } else {
                        space[p]
                    };
                    (st, sp)
                }
            };
            storey[node] = st;
            space[node] = sp;
            state[node] = DONE;
            above = Some(node);
        }
    }
    (storey, space, cycles)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every IFC file of the corpus, the IDS test cases and our fixtures
    /// loads to the same model, with the same warnings in the same order,
    /// whether its property sets are built on a second thread or not.
    #[test]
    fn sets_built_ahead_make_the_same_model() {
        let files = crate::input::fixture_ifc_files();
        assert!(files.len() > 800, "fixtures missing: {} files", files.len());
        let mut with_sets = 0;
        for path in &files {
            let bytes = std::fs::read(path).unwrap();
            let name = path.display().to_string();
            let here = load_with(&bytes, &name, usize::MAX);
            let ahead = load_with(&bytes, &name, 1);
            match (here, ahead) {
                (Ok(a), Ok(b)) => {
                    assert_eq!(a.elements(), b.elements(), "{name}: elements differ");
                    assert_eq!(a.warnings(), b.warnings(), "{name}: warnings differ");
                    assert_eq!(a.storeys(), b.storeys(), "{name}: storeys differ");
                    if a.elements().iter().any(|e| !e.property_sets.is_empty()) {
                        with_sets += 1;
                    }
                }
                (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{name}"),
                (a, b) => panic!("{name}: {:?} against {:?}", a.err(), b.err()),
            }
        }
        assert!(with_sets > 100, "only {with_sets} files with property sets");
    }

    #[test]
    fn predefined_type_resolution() {
        assert_eq!(
            predefined_type(Some("SINGLE_SWING_LEFT"), None, None).as_deref(),
            Some("SINGLE_SWING_LEFT")
        );
        assert_eq!(
            predefined_type(Some("NOTDEFINED"), None, Some((Some("GATE"), None))).as_deref(),
            Some("GATE")
        );
        assert_eq!(
            predefined_type(None, None, Some((Some("GATE"), None))).as_deref(),
            Some("GATE")
        );
        assert_eq!(
            predefined_type(Some("USERDEFINED"), Some("Revolving"), None).as_deref(),
            Some("Revolving")
        );
        assert_eq!(
            predefined_type(
                None,
                None,
                Some((Some("USERDEFINED"), Some("Sliding panel")))
            )
            .as_deref(),
            Some("Sliding panel")
        );
        assert_eq!(
            predefined_type(Some("NOTDEFINED"), None, Some((Some("NOTDEFINED"), None))).as_deref(),
            Some("NOTDEFINED")
        );
        assert_eq!(predefined_type(None, None, None), None);
    }

    #[test]
    fn containment_walks_up_and_detects_cycles() {
        let mk =
            |container: Option<u32>, aggregate: Option<u32>, storey: bool, space: bool| Extra {
                container,
                aggregate,
                is_storey: storey,
                is_space: space,
                ..Extra::default()
            };
        // 0 building, 1 storey (agg 0), 2 space (agg 1), 3 door in space, 4 wall in storey,
        // 5 flight agg into 6 stair contained in 2; 7<->8 cycle
        let extra = vec![
            mk(None, None, false, false),
            mk(None, Some(0), true, false),
            mk(None, Some(1), false, true),
            mk(Some(2), None, false, false),
            mk(Some(1), None, false, false),
            mk(None, Some(6), false, false),
            mk(Some(2), None, false, false),
            mk(Some(8), None, false, false),
            mk(Some(7), None, false, false),
        ];
        let (st, sp, cycles) = containment(&extra);
        assert_eq!(
            st,
            vec![
                None,
                None,
                Some(1),
                Some(1),
                Some(1),
                Some(1),
                Some(1),
                None,
                None
            ]
        );
        assert_eq!(
            sp,
            vec![
                None,
                None,
                None,
                Some(2),
                None,
                Some(2),
                Some(2),
                None,
                None
            ]
        );
        assert_eq!(cycles.len(), 1);
    }
}
