//! [`InputError`]: why a model file could not be read at all.

use std::fmt;

/// What kind of problem an [`InputError`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum InputErrorKind {
    /// The file could not be read from disk.
    Io,
    /// The format could not be told from the name or the content.
    UnknownFormat,
    /// The content is not an ISO 10303-21 (STEP) file.
    NotStep,
    /// The STEP structure is broken beyond reading (no DATA section, no readable record).
    Syntax,
    /// The STEP header names no schema, or one Plancheck does not support.
    UnsupportedSchema,
    /// The file ends before `END-ISO-10303-21;`.
    Truncated,
    /// The JSON is not valid JSON or does not have the model's shape.
    Json,
    /// The JSON parses but describes an invalid model (unknown class, empty id ...).
    InvalidModel,
    /// The loader itself failed (a bug): reported rather than crashing the caller.
    Internal,
}

/// Why a model file could not be read.
///
/// Displays as `file:line: entity #id (TYPE): what`, leaving out the parts
/// that are not known, e.g.
/// `model.ifc:123: entity #45 (IFCDOOR): attribute 9 (OverallWidth) is not a number`
/// or `model.json:12:5: missing field "class"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    kind: InputErrorKind,
    file: String,
    line: Option<usize>,
    column: Option<usize>,
    entity: Option<(u32, String)>,
    message: String,
}

impl InputError {
    /// A new error about `file`.
    pub fn new(kind: InputErrorKind, file: &str, message: impl Into<String>) -> Self {
        InputError {
            kind,
            file: file.to_owned(),
            line: None,
            column: None,
            entity: None,
            message: message.into(),
        }
    }

    /// Sets the 1-based line number.
    pub fn at_line(mut self, line: usize) -> Self {
        self.line = Some(line);
        self
    }

    /// Sets the 1-based line and column (JSON errors).
    pub fn at(mut self, line: usize, column: usize) -> Self {
        self.line = Some(line);
        self.column = Some(column);
        self
    }

    /// Names the STEP entity concerned (`#id`, upper-case keyword).
    pub fn for_entity(mut self, id: u32, keyword: &str) -> Self {
        self.entity = Some((id, keyword.to_owned()));
        self
    }

    /// What kind of problem this is.
    pub fn kind(&self) -> InputErrorKind {
        self.kind
    }

    /// The file name (as given to the loader).
    pub fn file(&self) -> &str {
        &self.file
    }

    /// The 1-based line number, where known.
    pub fn line(&self) -> Option<usize> {
        self.line
    }

    /// The 1-based column, where known (JSON).
    pub fn column(&self) -> Option<usize> {
        self.column
    }

    /// The STEP entity id, where known.
    pub fn entity_id(&self) -> Option<u32> {
        self.entity.as_ref().map(|e| e.0)
    }

    /// The STEP entity keyword (e.g. `IFCDOOR`), where known.
    pub fn entity_type(&self) -> Option<&str> {
        self.entity.as_ref().map(|e| e.1.as_str())
    }

    /// The message without the location prefix.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        f.write_str(": ")?;
        if let Some((id, keyword)) = &self.entity {
            write!(f, "entity #{id} ({keyword}): ")?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for InputError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_has_every_known_part() {
        let e = InputError::new(
            InputErrorKind::Truncated,
            "model.ifc",
            "attribute 9 (OverallWidth) is not a number",
        )
        .at_line(123)
        .for_entity(45, "IFCDOOR");
        assert_eq!(
            e.to_string(),
            "model.ifc:123: entity #45 (IFCDOOR): attribute 9 (OverallWidth) is not a number"
        );
        let j = InputError::new(InputErrorKind::Json, "m.json", "missing field").at(12, 5);
        assert_eq!(j.to_string(), "m.json:12:5: missing field");
        let bare = InputError::new(InputErrorKind::Io, "x", "gone");
        assert_eq!(bare.to_string(), "x: gone");
    }
}
