//! The STEP layer: one scan of the file with ifc-lite-core's
//! [`EntityScanner`], an id index over the records, line numbers for
//! messages, and decoding of single records with ifc-lite-core's
//! [`parse_entity`].

use foldhash::{HashMap, HashMapExt};
use std::sync::OnceLock;

use ifc_lite_core::parser::{parse_ref, StepRecord};
use ifc_lite_core::{parse_entity, AttributeValue, EntityScanner, SchemaVersion, StepListItems};

use super::schema::ClassInfo;

/// One record of the DATA section.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Record {
    pub id: u32,
    /// Index into [`Step::classes`].
    pub class: u32,
    pub start: usize,
    pub end: usize,
}

/// Id → record index. Dense ids (the usual case) use a vector.
pub(crate) enum IdIndex {
    Dense(Vec<u32>),
    Sparse(HashMap<u32, u32>),
}

const NONE: u32 = u32::MAX;

impl IdIndex {
    /// The record index of `#id` (the first declaration where it is declared twice).
    pub fn lookup(&self, id: u32) -> Option<usize> {
        let i = match self {
            IdIndex::Dense(v) => *v.get(id as usize)?,
            IdIndex::Sparse(m) => *m.get(&id)?,
        };
        (i != NONE).then_some(i as usize)
    }
}

/// A scanned STEP file.
pub(crate) struct Step<'a> {
    pub bytes: &'a [u8],
    pub name: &'a str,
    pub records: Vec<Record>,
    pub classes: Vec<ClassInfo>,
    index: IdIndex,
    lines: OnceLock<Vec<usize>>,
    /// Problems found while scanning: (byte offset, message).
    pub scan_problems: Vec<(usize, String)>,
}

impl<'a> Step<'a> {
    /// Scans every record once. `data` is the byte range between `DATA;`
    /// and the trailer, where anything but records and comments is reported.
    pub fn scan(bytes: &'a [u8], name: &'a str, v: SchemaVersion, data: (usize, usize)) -> Self {
        let mut scanner = EntityScanner::new(bytes);
        let mut records = Vec::with_capacity(bytes.len() / 80);
        let mut classes: Vec<ClassInfo> = Vec::new();
        let mut class_of: HashMap<&'a str, u32> = HashMap::new();
        let mut scan_problems = Vec::new();
        let mut prev_end: Option<usize> = Some(data.0);
        let mut max_id = 0u32;
        while let Some((id, keyword, start, end)) = scanner.next_entity() {
            if let Some(p) = prev_end {
                if let Some(at) = junk_between(bytes, p, start) {
                    scan_problems.push((at, "unexpected text between records was ignored".into()));
                }
            }
            prev_end = Some(end);
            let class = match class_of.get(keyword) {
                Some(&c) => c,
                None => {
                    let c = classes.len() as u32;
                    classes.push(ClassInfo::new(v, keyword));
                    class_of.insert(keyword, c);
                    c
                }
            };
            max_id = max_id.max(id);
            records.push(Record {
                id,
                class,
                start,
                end,
            });
        }
        if let Some(p) = prev_end {
            if let Some(at) = junk_between(bytes, p, data.1.max(p)) {
                scan_problems.push((
                    at,
                    "unexpected text after the last record was ignored".into(),
                ));
            }
        }
        for &at in scanner.malformed_record_starts() {
            scan_problems.push((
                at,
                "record is malformed (no terminating ';' or an unbalanced quote) and was skipped"
                    .into(),
            ));
        }
        if let Some(&at) = scanner.skipped_oversized_id_starts().first() {
            scan_problems.push((
                at,
                format!(
                    "{} record(s) with an instance number above 4294967295 were skipped",
                    scanner.skipped_oversized_ids()
                ),
            ));
        }
        let mut step = Step {
            bytes,
            name,
            records,
            classes,
            index: IdIndex::Sparse(HashMap::new()),
            lines: OnceLock::new(),
            scan_problems,
        };
        step.build_index(max_id);
        step
    }

    fn build_index(&mut self, max_id: u32) {
        let n = self.records.len();
        let dense = (max_id as usize) <= n.saturating_mul(4).saturating_add(1 << 16);
        let mut duplicates = Vec::new();
        if dense {
            let mut v = vec![NONE; max_id as usize + 1];
            for (i, r) in self.records.iter().enumerate() {
                let slot = &mut v[r.id as usize];
                if *slot == NONE {
                    *slot = i as u32;
                } else {
                    duplicates.push(i);
                }
            }
            self.index = IdIndex::Dense(v);
        } else {
            let mut m = HashMap::with_capacity(n);
            for (i, r) in self.records.iter().enumerate() {
                match m.entry(r.id) {
                    std::collections::hash_map::Entry::Vacant(e) => {
                        e.insert(i as u32);
                    }
                    std::collections::hash_map::Entry::Occupied(_) => duplicates.push(i),
                }
            }
            self.index = IdIndex::Sparse(m);
        }
        for i in duplicates {
            let r = self.records[i];
            self.scan_problems.push((
                r.start,
                format!(
                    "instance #{} is declared twice; the first declaration is used",
                    r.id
                ),
            ));
        }
    }

    /// The record index of `#id`.
    pub fn lookup(&self, id: u32) -> Option<usize> {
        self.index.lookup(id)
    }

    /// The records, their classes and the id index, for the instance graph
    /// (which then needs no second scan of the file).
    pub fn into_parts(self) -> (Vec<Record>, Vec<ClassInfo>, IdIndex) {
        (self.records, self.classes, self.index)
    }

    /// The class of record `i`.
    pub fn class(&self, i: usize) -> &ClassInfo {
        &self.classes[self.records[i].class as usize]
    }

    /// Decodes record `i` into its attribute values.
    pub fn decode(&self, i: usize) -> Result<Vec<AttributeValue>, String> {
        let r = self.records[i];
        let expected = self.classes[r.class as usize].attrs.len();
        decode_record(&self.bytes[r.start..r.end], expected)
    }

    /// The entity references in attributes `which` of record `i` (a single
    /// reference reads as one, `$` as none), read in place with
    /// ifc-lite-core's zero-copy [`StepRecord`] rather than a full decode:
    /// relationships can list thousands of objects. Falls back to
    /// [`Self::decode`] for anything that is not plain references (e.g. an
    /// `IFCPROPERTYSETDEFINITIONSET((...))` wrapper).
    pub fn refs<const N: usize>(
        &self,
        i: usize,
        which: [usize; N],
    ) -> Result<[Vec<u32>; N], String> {
        let r = self.records[i];
        let bytes = &self.bytes[r.start..r.end];
        if let Some(fast) = fast_refs(bytes, which) {
            return Ok(fast);
        }
        let attrs = self.decode(i)?;
        Ok(which.map(|k| match attrs.get(k) {
            Some(v) => v
                .as_ref_members()
                .map(|m| m.iter().filter_map(AttributeValue::as_entity_ref).collect())
                .unwrap_or_default(),
            None => Vec::new(),
        }))
    }

    /// 1-based line number of byte `offset`.
    pub fn line_of(&self, offset: usize) -> usize {
        let lines = self.lines.get_or_init(|| {
            self.bytes
                .iter()
                .enumerate()
                .filter_map(|(i, &b)| (b == b'\n').then_some(i))
                .collect()
        });
        lines.partition_point(|&nl| nl < offset) + 1
    }

    /// `file:line: entity #id (KEYWORD): ` for record `i`.
    pub fn at_record(&self, i: usize) -> String {
        let r = self.records[i];
        let upper = self.class(i).upper.as_str();
        format!(
            "{}:{}: entity #{} ({}): ",
            self.name,
            self.line_of(r.start),
            r.id,
            if upper.is_empty() { "complex" } else { upper }
        )
    }

    /// `file:line: ` for byte `offset`.
    pub fn at_offset(&self, offset: usize) -> String {
        format!("{}:{}: ", self.name, self.line_of(offset))
    }
}

/// The attribute values of one record (`#id=KEYWORD(...);`): the direct
/// decoder where it can (input/decode.rs), else the crate's parser, whose
/// message names what is wrong. `expected`: the class's attribute count
/// (0 if unknown), the list's first allocation.
pub(crate) fn decode_record(record: &[u8], expected: usize) -> Result<Vec<AttributeValue>, String> {
    if let Some(attrs) = super::decode::attributes(record, expected) {
        return Ok(attrs);
    }
    let (_, _, tokens) = parse_entity(record)
        .map_err(|e| format!("cannot be parsed ({})", short(&e.to_string())))?;
    Ok(tokens.iter().map(AttributeValue::from_token).collect())
}

fn fast_refs<const N: usize>(record: &[u8], which: [usize; N]) -> Option<[Vec<u32>; N]> {
    let head = StepRecord::parse(record)?;
    let items: Vec<&[u8]> = head.attrs().collect();
    let mut out: [Vec<u32>; N] = std::array::from_fn(|_| Vec::new());
    for (slot, &k) in out.iter_mut().zip(which.iter()) {
        let item = *items.get(k)?;
        match item.first()? {
            b'$' if item.len() == 1 => {}
            b'#' => slot.push(parse_ref(item)?),
            b'(' => {
                let mut list = StepListItems::of_list(item)?;
                for x in list.by_ref() {
                    slot.push(parse_ref(x)?);
                }
                if !list.closed() {
                    return None;
                }
            }
            _ => return None,
        }
    }
    Some(out)
}

/// Keeps a parser message to one readable line.
fn short(s: &str) -> String {
    let one_line: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if one_line.chars().count() > 160 {
        let cut: String = one_line.chars().take(160).collect();
        format!("{cut}…")
    } else {
        one_line
    }
}

/// The offset of the first byte between two records that is neither
/// whitespace nor a comment (nor a section marker), if any.
fn junk_between(bytes: &[u8], from: usize, to: usize) -> Option<usize> {
    let gap = bytes.get(from..to)?;
    let mut i = 0;
    while i < gap.len() {
        let b = gap[i];
        if b.is_ascii_whitespace() {
            i += 1;
        } else if gap[i..].starts_with(b"/*") {
            match find(&gap[i + 2..], b"*/") {
                Some(e) => i += 2 + e + 2,
                None => return Some(from + i),
            }
        } else if starts_with_keyword(&gap[i..], b"ENDSEC") {
            i += 6;
        } else if starts_with_keyword(&gap[i..], b"DATA") {
            // `DATA;` or ISO 10303-21 ed.3 `DATA('name',(...));`
            match find(&gap[i..], b";") {
                Some(e) => i += e,
                None => return Some(from + i),
            }
        } else if b == b';' {
            i += 1;
        } else {
            return Some(from + i);
        }
    }
    None
}

fn starts_with_keyword(s: &[u8], kw: &[u8]) -> bool {
    s.len() >= kw.len() && s[..kw.len()].eq_ignore_ascii_case(kw)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn junk_detection_allows_trivia_and_section_markers() {
        let s = b"#1=A();\n /* c */ \n#2=B();ENDSEC;\nDATA;\n#3=C();xx";
        assert_eq!(junk_between(s, 7, 18), None);
        assert_eq!(junk_between(s, 25, 38), None);
        let j = b"#1=A();\nhello\n#2=B();";
        assert_eq!(junk_between(j, 7, 14), Some(8));
    }

    #[test]
    fn lines_and_ids() {
        let text = b"ISO-10303-21;\nHEADER;\nFILE_SCHEMA(('IFC4'));\nENDSEC;\nDATA;\n#5=IFCWALL('a',$,$,$,$,$,$,$,$);\n#900=IFCDOOR('b',$,$,$,$,$,$,$,$,$,$,$,$);\nENDSEC;\nEND-ISO-10303-21;\n";
        let v = SchemaVersion::Ifc4;
        let s = Step::scan(text, "t.ifc", v, (59, text.len() - 19));
        assert_eq!(s.records.len(), 2);
        let d = s.lookup(900).unwrap();
        assert_eq!(s.class(d).name, "IfcDoor");
        assert_eq!(s.line_of(s.records[d].start), 7);
        assert_eq!(s.at_record(d), "t.ifc:7: entity #900 (IFCDOOR): ");
        assert!(s.lookup(6).is_none());
        assert_eq!(s.decode(d).unwrap()[0].as_string(), Some("b"));
        assert!(s.scan_problems.is_empty(), "{:?}", s.scan_problems);
    }

    #[test]
    fn references_read_in_place_or_decoded() {
        let rec = b"#9=IFCRELDEFINESBYPROPERTIES('g',$,$,$,(#1, #2 ,/* c */#3),#4);";
        assert_eq!(
            fast_refs(rec, [4, 5, 1]),
            Some([vec![1, 2, 3], vec![4], vec![]])
        );
        let set =
            b"#9=IFCRELDEFINESBYPROPERTIES('g',$,$,$,(#1),IFCPROPERTYSETDEFINITIONSET((#5,#6)));";
        assert_eq!(fast_refs(set, [4, 5]), None);
        let text = format!(
            "ISO-10303-21;\nHEADER;\nFILE_SCHEMA(('IFC4'));\nENDSEC;\nDATA;\n{}\nENDSEC;\nEND-ISO-10303-21;\n",
            std::str::from_utf8(set).unwrap()
        );
        let s = Step::scan(
            text.as_bytes(),
            "t.ifc",
            SchemaVersion::Ifc4,
            (0, text.len()),
        );
        assert_eq!(s.refs(0, [4, 5]).unwrap(), [vec![1], vec![5, 6]]);
    }
}
