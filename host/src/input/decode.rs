//! A direct decoder for the common shape of a STEP record, straight into
//! ifc-lite-core's [`AttributeValue`]s.
//!
//! Why our own code beside the crate's [`parse_entity`](ifc_lite_core::parse_entity):
//! that parser (nom combinators) first builds a `Vec<Token>` per record and
//! list, then converts it, and was about 40 % of loading the 1,000-element
//! benchmark model (docs/performance.md, issue 3). This decoder reads the
//! same grammar in one pass and allocates only what the result holds. It
//! reuses the crate's lexical rules — [`skip_step_trivia`] for white space
//! and comments, [`read_step_number`] for every number — so the two cannot
//! disagree on those.
//!
//! It answers `None` for anything outside the plain shape: a string with a
//! backslash escape or a non-ASCII byte, a binary literal, a real that
//! `f64` cannot hold, deep nesting, or any syntax error. The caller then
//! uses the crate's parser, so unusual records decode exactly as before and
//! errors keep the crate's messages. A test checks both decoders give the
//! same values for every record of the IFC corpus and the fixtures.

use ifc_lite_core::parser::{read_step_number, skip_step_trivia, StepNumber};
use ifc_lite_core::AttributeValue;

/// Deeper nesting than this goes to the crate's parser (and its limit).
const MAX_DEPTH: u32 = 32;

/// The attribute values of one record (`#id=KEYWORD(...);`), or `None`
/// where the crate's parser must decide. `expected` is how many attributes
/// the record's class has (0 if unknown): the list is allocated once at that
/// size instead of growing value by value.
pub(crate) fn attributes(record: &[u8], expected: usize) -> Option<Vec<AttributeValue>> {
    let mut c = Cursor { b: record, p: 0 };
    c.trivia()?;
    c.expect(b'#')?;
    let digits = c.take_while(|b| b.is_ascii_digit());
    if digits == 0 {
        return None;
    }
    c.trivia()?;
    c.expect(b'=')?;
    c.trivia()?;
    if c.take_while(is_keyword_byte) == 0 {
        return None;
    }
    c.trivia()?;
    c.expect(b'(')?;
    let args = c.items(0, expected)?;
    c.trivia()?;
    c.expect(b';')?;
    c.trivia()?;
    (c.p == c.b.len()).then_some(args)
}

fn is_keyword_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

struct Cursor<'a> {
    b: &'a [u8],
    p: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.p).copied()
    }

    fn trivia(&mut self) -> Option<()> {
        self.p = skip_step_trivia(self.b, self.p)?;
        Some(())
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        (self.peek()? == byte).then(|| self.p += 1)
    }

    fn take_while(&mut self, f: impl Fn(u8) -> bool) -> usize {
        let start = self.p;
        while self.p < self.b.len() && f(self.b[self.p]) {
            self.p += 1;
        }
        self.p - start
    }

    /// Comma-separated values up to and including the closing `)`; the `(`
    /// is already consumed.
    fn items(&mut self, depth: u32, expected: usize) -> Option<Vec<AttributeValue>> {
        let mut out = Vec::with_capacity(expected);
        self.trivia()?;
        if self.peek()? == b')' {
            self.p += 1;
            return Some(out);
        }
        loop {
            out.push(self.value(depth)?);
            self.trivia()?;
            match self.peek()? {
                b',' => self.p += 1,
                b')' => {
                    self.p += 1;
                    return Some(out);
                }
                _ => return None,
            }
        }
    }

    fn value(&mut self, depth: u32) -> Option<AttributeValue> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.trivia()?;
        let b = self.peek()?;
        match b {
            b'$' => {
                self.p += 1;
                Some(AttributeValue::Null)
            }
            b'*' => {
                self.p += 1;
                Some(AttributeValue::Derived)
            }
            b'#' => {
                self.p += 1;
                let start = self.p;
                if self.take_while(|b| b.is_ascii_digit()) == 0 {
                    return None;
                }
                let id = std::str::from_utf8(&self.b[start..self.p]).ok()?;
                Some(AttributeValue::EntityRef(id.parse().ok()?))
            }
            b'\'' => self.string(),
            b'(' => {
                self.p += 1;
                Some(AttributeValue::List(self.items(depth + 1, 0)?))
            }
            b'.' if self.b.get(self.p + 1).copied().is_some_and(is_keyword_byte) => {
                // `.NAME.` is an enumeration; `.5` a number
                let start = self.p + 1;
                let mut q = start;
                while q < self.b.len() && is_keyword_byte(self.b[q]) {
                    q += 1;
                }
                if self.b.get(q) == Some(&b'.') {
                    self.p = q + 1;
                    let name = std::str::from_utf8(&self.b[start..q]).ok()?;
                    Some(AttributeValue::Enum(name.to_owned()))
                } else {
                    self.number()
                }
            }
            b'+' | b'-' | b'.' | b'0'..=b'9' => self.number(),
            b if b.is_ascii_alphabetic() || b == b'_' => self.typed(depth),
            _ => None,
        }
    }

    fn number(&mut self) -> Option<AttributeValue> {
        let (n, len) = read_step_number(&self.b[self.p..])?;
        self.p += len;
        match n {
            StepNumber::Integer(i) => Some(AttributeValue::Integer(i)),
            StepNumber::Real(f) => Some(AttributeValue::Float(f)),
            StepNumber::Unrepresentable(_) => None,
        }
    }

    /// `'...'` with `''` for a quote; anything needing escape decoding goes
    /// to the crate.
    fn string(&mut self) -> Option<AttributeValue> {
        let start = self.p + 1;
        let mut q = start;
        let mut doubled = false;
        loop {
            match *self.b.get(q)? {
                b'\'' if self.b.get(q + 1) == Some(&b'\'') => {
                    doubled = true;
                    q += 2;
                }
                b'\'' => break,
                b'\\' => return None,
                b if b >= 0x80 => return None,
                _ => q += 1,
            }
        }
        let raw = std::str::from_utf8(&self.b[start..q]).ok()?;
        self.p = q + 1;
        let s = if doubled {
            raw.replace("''", "'")
        } else {
            raw.to_owned()
        };
        Some(AttributeValue::String(s))
    }

    /// `IFCLABEL('x')`: the type name (upper case) and its one value; none
    /// is `Null`, several a `List` — as the crate does.
    fn typed(&mut self, depth: u32) -> Option<AttributeValue> {
        let start = self.p;
        self.take_while(is_keyword_byte);
        let name = std::str::from_utf8(&self.b[start..self.p]).ok()?;
        let name = name.to_ascii_uppercase().into_boxed_str();
        self.trivia()?;
        self.expect(b'(')?;
        let mut values = self.items(depth + 1, 1)?;
        let value = match values.len() {
            0 => AttributeValue::Null,
            1 => values.pop()?,
            _ => AttributeValue::List(values),
        };
        Some(AttributeValue::Typed {
            name,
            value: Box::new(value),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crate_decode(record: &[u8]) -> Option<Vec<AttributeValue>> {
        let (_, _, tokens) = ifc_lite_core::parse_entity(record).ok()?;
        Some(tokens.iter().map(AttributeValue::from_token).collect())
    }

    /// Same values as the crate's parser wherever the fast path answers.
    fn same(record: &str) -> bool {
        let fast = attributes(record.as_bytes(), 0);
        // the expected count only sizes the first allocation
        for expected in [1, 4, 64] {
            let sized = attributes(record.as_bytes(), expected);
            assert_eq!(format!("{sized:?}"), format!("{fast:?}"), "{record}");
        }
        let slow = crate_decode(record.as_bytes());
        if let Some(f) = &fast {
            assert_eq!(
                format!("{f:?}"),
                format!("{slow:?}")
                    .trim_start_matches("Some(")
                    .trim_end_matches(')'),
                "{record}"
            );
        }
        fast.is_some()
    }

    #[test]
    fn plain_records_decode_as_the_crate_does() {
        for r in [
            "#1=IFCWALL('2O2Fr$t4X7Zf8NOew3FLOH',#2,'Wall ''A''',$,*,(#3,#4),.ELEMENT.,-1.5E-3);",
            "#2 = IFCPROPERTYSINGLEVALUE ( 'Width' , $ , IFCLENGTHMEASURE ( 900. ) , $ ) ;",
            "#3=IFCQUANTITYLENGTH('Height',$,$,2633.,$);",
            "#4=IFCX((),( ),(1,(2,(3.5))),IFCBOOLEAN(.T.),ifclabel('x'),IFCY(),IFCZ(1,2));",
            "#5=IFCX(/* a comment */ .5, +1, -0., 1E5, 12);",
            "#6=IFCX(\r\n);",
        ] {
            assert!(same(r), "fast path refused {r}");
        }
    }

    #[test]
    fn unusual_records_go_to_the_crate() {
        for r in [
            "#1=IFCX('a\\X2\\00E9\\X0\\');",
            "#1=IFCX('caf\u{e9}');",
            "#1=IFCX(\"0FF\");",
            "#1=IFCX(1.E400);",
            "#1=IFCX(1,);",
            "#1=IFCX(1) x;",
            "#1=IFCX('unterminated);",
        ] {
            assert!(!same(r), "fast path answered {r}");
        }
    }

    /// Every record of the IFC corpus, the IDS test cases' models and our
    /// fixtures: wherever the fast path answers, it answers what the
    /// crate's parser does.
    #[test]
    fn every_fixture_record_decodes_as_the_crate_does() {
        let files = crate::input::fixture_ifc_files();
        assert!(files.len() > 800, "fixtures missing: {} files", files.len());
        let (mut fast, mut slow) = (0usize, 0usize);
        for path in &files {
            let bytes = std::fs::read(path).unwrap();
            let mut scanner = ifc_lite_core::EntityScanner::new(&bytes);
            while let Some((_, _, start, end)) = scanner.next_entity() {
                let record = &bytes[start..end];
                match attributes(record, 0) {
                    Some(f) => {
                        fast += 1;
                        let s = crate_decode(record);
                        assert_eq!(
                            format!("{:?}", Some(f)),
                            format!("{s:?}"),
                            "{}: {}",
                            path.display(),
                            String::from_utf8_lossy(record)
                        );
                    }
                    None => slow += 1,
                }
            }
        }
        eprintln!(
            "{} files: {fast} records on the fast path, {slow} on the crate's",
            files.len()
        );
        assert!(
            fast > 20 * slow,
            "fast path too rarely taken: {fast} vs {slow}"
        );
    }
}
