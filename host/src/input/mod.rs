//! Model input: IFC STEP files and the JSON model format both become a
//! [`plancheck_model::Model`], with every value in SI units.
//!
//! * IFC (`.ifc`, ISO 10303-21): IFC2X3, IFC4 and IFC4X3 (and IFC4X1/X2).
//!   See docs/ifc-input.md for what is read and how units are converted.
//! * JSON (`.json`): [`plancheck_model::ModelData`] as serde writes it. See
//!   docs/model-format.md.
//!
//! A file that cannot be read at all is an [`InputError`]; anything the
//! loader can skip (a broken property set, a dangling reference, an unknown
//! unit) becomes a warning on the model ([`Model::warnings`]).
//!
//! ```no_run
//! let model = plancheck::input::load_file(std::path::Path::new("model.ifc"))?;
//! for w in model.warnings() {
//!     eprintln!("warning: {w}");
//! }
//! println!("{} doors", model.count("IfcDoor"));
//! # Ok::<(), plancheck::input::InputError>(())
//! ```

mod decode;
mod error;
mod graph;
mod ifc;
mod json;
mod property_sets;
mod schema;
mod step;
mod units;
mod values;

use std::path::Path;

use plancheck_model::Model;

pub use error::{InputError, InputErrorKind};

/// A model file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// IFC in ISO 10303-21 (STEP) encoding, `.ifc`.
    Ifc,
    /// The Plancheck JSON model format, `.json`.
    Json,
}

impl Format {
    /// The format a file name's extension names (`.ifc`, `.json`, any case).
    pub fn from_extension(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?;
        if ext.eq_ignore_ascii_case("ifc") {
            Some(Format::Ifc)
        } else if ext.eq_ignore_ascii_case("json") {
            Some(Format::Json)
        } else {
            None
        }
    }

    /// The format the content looks like: `ISO-10303-21` starts a STEP file,
    /// `{` a JSON model.
    pub fn sniff(bytes: &[u8]) -> Option<Format> {
        let head = &bytes[skip_bom_and_space(bytes)..];
        if head.len() >= 12 && head[..12].eq_ignore_ascii_case(b"ISO-10303-21") {
            Some(Format::Ifc)
        } else if head.first() == Some(&b'{') {
            Some(Format::Json)
        } else {
            None
        }
    }
}

/// Offset of the first byte after a UTF-8 byte-order mark and whitespace.
pub(crate) fn skip_bom_and_space(bytes: &[u8]) -> usize {
    let mut i = if bytes.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    };
    while i < bytes.len() && bytes[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

/// Loads a model file. The format comes from the extension (`.ifc`,
/// `.json`), else from the content.
pub fn load_file(path: &Path) -> Result<Model, InputError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    let bytes = std::fs::read(path).map_err(|e| {
        InputError::new(
            InputErrorKind::Io,
            &path.display().to_string(),
            format!("cannot read the file: {e}"),
        )
    })?;
    load_bytes(&bytes, Format::from_extension(path), &name)
}

/// Loads a model from memory. `format` `None` sniffs the content; `name` is
/// used in messages (usually the file name).
pub fn load_bytes(bytes: &[u8], format: Option<Format>, name: &str) -> Result<Model, InputError> {
    let format = match format.or_else(|| Format::sniff(bytes)) {
        Some(f) => f,
        None => {
            let head = &bytes[skip_bom_and_space(bytes)..];
            let hint = if head.starts_with(b"PK\x03\x04") {
                " (it is a ZIP archive: unzip an .ifczip first)"
            } else if head.first() == Some(&b'<') {
                " (it is XML: ifcXML is not supported)"
            } else {
                ""
            };
            return Err(InputError::new(
                InputErrorKind::UnknownFormat,
                name,
                format!(
                    "cannot tell the format: expected an IFC STEP file ('ISO-10303-21;') or a JSON model ('{{'){hint}"
                ),
            ));
        }
    };
    // The loaders do not panic on any input we know of; should one still,
    // the caller (a service) gets an error naming the file, not a crash.
    let run = std::panic::catch_unwind(|| match format {
        Format::Ifc => ifc::load(bytes, name),
        Format::Json => json::load(bytes, name),
    });
    match run {
        Ok(result) => result,
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_owned());
            Err(InputError::new(
                InputErrorKind::Internal,
                name,
                format!("internal error while reading the file (please report it): {what}"),
            ))
        }
    }
}

/// The supertypes of `class` in `schema` (`IFC4`, `IFC2X3`, `IFC4X3_ADD2` ...),
/// nearest first, in schema spelling: `supertypes("IFC4", "IfcDoor")` is
/// `IfcBuildingElement, IfcElement, IfcProduct, IfcObject,
/// IfcObjectDefinition, IfcRoot`. Empty for an unknown schema or class.
pub fn supertypes(schema: &str, class: &str) -> Vec<String> {
    match schema::version(schema) {
        Some(v) => schema::supertypes_of(v, class),
        None => Vec::new(),
    }
}

/// Every `.ifc` file of the IFC corpus, the IDS test cases (both beside
/// the repository, in `../shared/fixtures`) and our own fixtures.
#[cfg(test)]
pub(crate) fn fixture_ifc_files() -> Vec<std::path::PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("ifc"))
            {
                out.push(path);
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in [
        "../../shared/fixtures/ifc-corpus",
        "../../shared/fixtures/ids-testcases",
        "../tests/fixtures/models",
    ] {
        walk(&root.join(dir), &mut files);
    }
    files.sort();
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_by_extension_and_content() {
        assert_eq!(
            Format::from_extension(Path::new("a/b.IFC")),
            Some(Format::Ifc)
        );
        assert_eq!(
            Format::from_extension(Path::new("m.json")),
            Some(Format::Json)
        );
        assert_eq!(Format::from_extension(Path::new("m.txt")), None);
        assert_eq!(
            Format::sniff(b"\xEF\xBB\xBF  ISO-10303-21;\n"),
            Some(Format::Ifc)
        );
        assert_eq!(
            Format::sniff(b"\n{\"schema\":\"IFC4\"}"),
            Some(Format::Json)
        );
        assert_eq!(Format::sniff(b"hello"), None);
        let e = load_bytes(b"hello", None, "x.bin").unwrap_err();
        assert_eq!(e.kind(), InputErrorKind::UnknownFormat);
    }

    #[test]
    fn supertypes_nearest_first() {
        let s = supertypes("IFC4", "IfcDoor");
        assert_eq!(
            s,
            [
                "IfcBuildingElement",
                "IfcElement",
                "IfcProduct",
                "IfcObject",
                "IfcObjectDefinition",
                "IfcRoot"
            ]
        );
        assert_eq!(
            supertypes("IFC2X3", "IFCSTAIRFLIGHT")[0],
            "IfcBuildingElement"
        );
        assert_eq!(supertypes("IFC4X3_ADD2", "IfcDoor")[0], "IfcBuiltElement");
        assert!(supertypes("IFC9", "IfcDoor").is_empty());
        assert!(supertypes("IFC4", "IfcNothing").is_empty());
    }
}
