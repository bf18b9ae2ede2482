//! Pack parameters (`check-options.parameters`): declare them once, validate
//! what the user passed, and list them for documentation.
//!
//! docs/rulepacks/README.md: every parameter has documented values and a
//! default; an unknown name, a value outside the documented set, or a name
//! given twice (which value was meant would be a guess) is
//! `pack-error::invalid-option` naming what is accepted.
//!
//! ```
//! use plancheck_sdk::params::{Param, Params};
//! use plancheck_sdk::CheckOptions;
//!
//! const PARAMS: Params = Params::new(
//!     "my-pack",
//!     &[Param::one_of("door-scope", &["all", "egress"], "all", "Which doors the door rules check.")],
//! );
//!
//! let options = CheckOptions {
//!     rules: vec![],
//!     parameters: vec![("door-scope".into(), "egress".into())],
//! };
//! let given = PARAMS.parse(&options).unwrap();
//! assert_eq!(given.get("door-scope"), "egress");
//! assert_eq!(PARAMS.parse(&CheckOptions::default()).unwrap().get("door-scope"), "all");
//!
//! let typo = CheckOptions {
//!     rules: vec![],
//!     parameters: vec![("door-scop".into(), "all".into())],
//! };
//! assert_eq!(
//!     PARAMS.parse(&typo).unwrap_err().to_string(),
//!     "unknown parameter `door-scop`; my-pack accepts: door-scope (all, egress; default all)"
//! );
//! ```

use std::fmt;

use crate::text::joined;
use crate::{CheckOptions, PackError};

/// One parameter.
#[derive(Debug, Clone, Copy)]
pub struct Param {
    /// Its name (kebab-case).
    pub name: &'static str,
    /// The values it accepts.
    pub accepts: Accepts,
    /// The value an absent parameter means.
    pub default: &'static str,
    /// What it does, for documentation.
    pub description: &'static str,
}

/// The values a parameter accepts.
#[derive(Debug, Clone, Copy)]
pub enum Accepts {
    /// Exactly one of these (case-sensitive), listed in messages.
    OneOf(&'static [&'static str]),
    /// Any value `check` accepts; `what` describes them in messages
    /// ("a length in millimetres").
    Parsed {
        /// What is accepted, in words.
        what: &'static str,
        /// Whether a value is accepted.
        check: fn(&str) -> bool,
    },
}

impl Param {
    /// A parameter taking one of `values`.
    pub const fn one_of(
        name: &'static str,
        values: &'static [&'static str],
        default: &'static str,
        description: &'static str,
    ) -> Param {
        Param {
            name,
            accepts: Accepts::OneOf(values),
            default,
            description,
        }
    }

    /// A parameter taking any value `check` accepts (`what` says which).
    pub const fn parsed(
        name: &'static str,
        what: &'static str,
        check: fn(&str) -> bool,
        default: &'static str,
        description: &'static str,
    ) -> Param {
        Param {
            name,
            accepts: Accepts::Parsed { what, check },
            default,
            description,
        }
    }

    /// Whether `value` is accepted.
    pub fn accepts(&self, value: &str) -> bool {
        match self.accepts {
            Accepts::OneOf(values) => values.contains(&value),
            Accepts::Parsed { check, .. } => check(value),
        }
    }

    /// The accepted values in words: `private, utility, any` (or the
    /// description of a parsed parameter's values).
    pub fn values(&self) -> impl fmt::Display + '_ {
        ValuesText(self)
    }
}

struct ValuesText<'a>(&'a Param);

impl fmt::Display for ValuesText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.accepts {
            Accepts::OneOf(values) => {
                for (i, v) in values.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    f.write_str(v)?;
                }
                Ok(())
            }
            Accepts::Parsed { what, .. } => f.write_str(what),
        }
    }
}

/// A pack's parameters.
#[derive(Debug, Clone, Copy)]
pub struct Params {
    /// The pack id, for messages.
    pub pack: &'static str,
    /// Every parameter, in documentation order.
    pub list: &'static [Param],
}

impl Params {
    /// The parameters of `pack`.
    pub const fn new(pack: &'static str, list: &'static [Param]) -> Params {
        Params { pack, list }
    }

    /// Validates `options.parameters`: every name known, given once, with
    /// an accepted value.
    pub fn parse<'a>(&self, options: &'a CheckOptions) -> Result<Given<'a>, ParamError<'a>> {
        let mut values: Vec<Option<&'a str>> = vec![None; self.list.len()];
        for (name, value) in &options.parameters {
            let error = |kind| ParamError {
                params: *self,
                name,
                value,
                kind,
            };
            let Some(i) = self.list.iter().position(|p| p.name == name.as_str()) else {
                return Err(error(ParamErrorKind::Unknown));
            };
            let param = &self.list[i];
            if values[i].is_some() {
                return Err(error(ParamErrorKind::Repeated(param)));
            }
            if !param.accepts(value) {
                return Err(error(ParamErrorKind::Invalid(param)));
            }
            values[i] = Some(value);
        }
        Ok(Given {
            list: self.list,
            values,
        })
    }

    /// Every parameter as `name (values; default d)`, joined with `, `;
    /// `no parameters` when there are none.
    pub fn accepted(&self) -> String {
        if self.list.is_empty() {
            return "no parameters".into();
        }
        let items: Vec<String> = self
            .list
            .iter()
            .map(|p| format!("{} ({}; default {})", p.name, p.values(), p.default))
            .collect();
        items.join(", ")
    }

    /// A Markdown table of the parameters, for a pack's documentation.
    pub fn markdown(&self) -> String {
        let mut s = String::from("| name | values | default | description |\n|---|---|---|---|\n");
        for p in self.list {
            let values = match p.accepts {
                Accepts::OneOf(values) => {
                    let quoted: Vec<String> = values.iter().map(|v| format!("`{v}`")).collect();
                    quoted.join(", ")
                }
                Accepts::Parsed { what, .. } => what.to_string(),
            };
            s.push_str(&format!(
                "| `{}` | {values} | `{}` | {} |\n",
                p.name, p.default, p.description
            ));
        }
        s
    }
}

/// Validated parameter values; see [`Params::parse`].
#[derive(Debug, Clone)]
pub struct Given<'a> {
    list: &'static [Param],
    values: Vec<Option<&'a str>>,
}

impl Given<'_> {
    /// The value of `name`: as given, else its default.
    ///
    /// # Panics
    ///
    /// If the pack did not declare `name` (a bug in the pack).
    pub fn get(&self, name: &str) -> &str {
        let i = self
            .list
            .iter()
            .position(|p| p.name == name)
            .unwrap_or_else(|| panic!("parameter `{name}` is not declared"));
        self.values[i].unwrap_or(self.list[i].default)
    }

    /// Whether `name` was given (rather than defaulted).
    pub fn given(&self, name: &str) -> bool {
        self.list
            .iter()
            .position(|p| p.name == name)
            .is_some_and(|i| self.values[i].is_some())
    }
}

/// A parameter the pack refuses. Prints the SDK's wording:
///
/// * `unknown parameter `x`; my-pack accepts: a (v, w; default v)` (or
///   `my-pack takes no parameters`)
/// * `parameter `a` is given more than once; give it once (accepted values: v, w; default v)`
/// * `invalid value `z` for parameter `a`; accepted values: v, w (default v)`
///
/// Converts into [`PackError::InvalidOption`]. A pack that words these
/// differently matches on [`ParamError::kind`].
#[derive(Debug, Clone, Copy)]
pub struct ParamError<'a> {
    /// The pack's parameters.
    pub params: Params,
    /// The name given.
    pub name: &'a str,
    /// The value given.
    pub value: &'a str,
    /// What is wrong.
    pub kind: ParamErrorKind,
}

/// What is wrong with a parameter.
#[derive(Debug, Clone, Copy)]
pub enum ParamErrorKind {
    /// The pack has no parameter of that name.
    Unknown,
    /// The parameter is given more than once.
    Repeated(&'static Param),
    /// The value is not accepted.
    Invalid(&'static Param),
}

impl fmt::Display for ParamError<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (name, value) = (self.name, self.value);
        match self.kind {
            ParamErrorKind::Unknown if self.params.list.is_empty() => write!(
                f,
                "unknown parameter `{name}`; {} takes no parameters",
                self.params.pack
            ),
            ParamErrorKind::Unknown => write!(
                f,
                "unknown parameter `{name}`; {} accepts: {}",
                self.params.pack,
                self.params.accepted()
            ),
            ParamErrorKind::Repeated(p) => write!(
                f,
                "parameter `{name}` is given more than once; give it once \
                 (accepted values: {}; default {})",
                p.values(),
                p.default
            ),
            ParamErrorKind::Invalid(p) => write!(
                f,
                "invalid value `{value}` for parameter `{name}`; accepted values: {} (default {})",
                p.values(),
                p.default
            ),
        }
    }
}

impl From<ParamError<'_>> for PackError {
    fn from(e: ParamError<'_>) -> PackError {
        PackError::InvalidOption(e.to_string())
    }
}

/// Lists parameter names as `a, b or c`, for messages.
pub fn names(list: &[Param]) -> String {
    let names: Vec<&str> = list.iter().map(|p| p.name).collect();
    joined(&names, "or").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn millimetres(v: &str) -> bool {
        v.parse::<f64>().is_ok_and(|x| x > 0.0)
    }

    const PARAMS: Params = Params::new(
        "uk-adk-2013",
        &[
            Param::one_of(
                "stair-category",
                &["private", "utility", "general-access", "any"],
                "any",
                "Table 1.1 row.",
            ),
            Param::one_of("loft-conversion", &["false", "true"], "false", "Para 1.11."),
            Param::parsed(
                "min-width",
                "a length in millimetres",
                millimetres,
                "800",
                "Narrowest door.",
            ),
        ],
    );

    fn opts(params: &[(&str, &str)]) -> CheckOptions {
        CheckOptions {
            rules: vec![],
            parameters: params
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    fn err(params: &[(&str, &str)]) -> String {
        PARAMS.parse(&opts(params)).unwrap_err().to_string()
    }

    #[test]
    fn values_and_defaults() {
        let o = opts(&[("loft-conversion", "true"), ("min-width", "750")]);
        let g = PARAMS.parse(&o).unwrap();
        assert_eq!(g.get("stair-category"), "any");
        assert!(!g.given("stair-category"));
        assert_eq!(g.get("loft-conversion"), "true");
        assert_eq!(g.get("min-width"), "750");
    }

    #[test]
    fn refusals_name_what_is_accepted() {
        assert_eq!(
            err(&[("stair-type", "private")]),
            "unknown parameter `stair-type`; uk-adk-2013 accepts: \
             stair-category (private, utility, general-access, any; default any), \
             loft-conversion (false, true; default false), \
             min-width (a length in millimetres; default 800)"
        );
        assert_eq!(
            err(&[("stair-category", "public")]),
            "invalid value `public` for parameter `stair-category`; accepted values: \
             private, utility, general-access, any (default any)"
        );
        assert_eq!(
            err(&[("loft-conversion", "true"), ("loft-conversion", "false")]),
            "parameter `loft-conversion` is given more than once; give it once \
             (accepted values: false, true; default false)"
        );
        assert!(err(&[("min-width", "-1")]).contains("a length in millimetres"));
        let none = Params::new("us-irc-2021", &[]);
        let e: PackError = none.parse(&opts(&[("x", "y")])).unwrap_err().into();
        assert_eq!(
            e,
            PackError::InvalidOption(
                "unknown parameter `x`; us-irc-2021 takes no parameters".into()
            )
        );
    }

    #[test]
    fn documentation_table() {
        let t = PARAMS.markdown();
        assert!(t.starts_with("| name | values | default | description |\n"));
        assert!(t.contains(
            "| `stair-category` | `private`, `utility`, `general-access`, `any` | `any` | Table 1.1 row. |"
        ));
        assert_eq!(
            names(PARAMS.list),
            "stair-category, loft-conversion or min-width"
        );
    }
}
