//! Units: the project's `IfcUnitAssignment` (and per-property `Unit`
//! overrides) resolved to factors that take a file value to SI.
//!
//! The unit tables (SI unit names and prefixes, conversion factors of named
//! imperial length units, which measure type uses which unit type) are
//! ifc-lite-core's. The walk over the unit entities is written here: see
//! docs/ifc-input.md for why.

use foldhash::HashMap;

use ifc_lite_core::project_units::symbols::si_unit_name;
use ifc_lite_core::units::get_conversion_based_unit_factor;
use ifc_lite_core::{si_prefix, AttributeValue};

use super::step::Step;

/// Takes a value in a unit to SI: `si = value * factor + offset`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Scale {
    pub factor: f64,
    pub offset: f64,
}

impl Scale {
    pub const SI: Scale = Scale {
        factor: 1.0,
        offset: 0.0,
    };

    pub fn apply(self, v: f64) -> f64 {
        v * self.factor + self.offset
    }
}

/// The project's units by unit type (`LENGTHUNIT` ...). A declared unit that
/// could not be resolved maps to `None`: its values are left out rather than
/// guessed.
#[derive(Debug, Clone, Default)]
pub(crate) struct Units {
    by_type: HashMap<String, Option<Scale>>,
}

impl Units {
    /// The scale for `unit_type`; SI when the project declares none, `None`
    /// when it declares one that could not be resolved.
    pub fn scale(&self, unit_type: &str) -> Option<Scale> {
        match self.by_type.get(unit_type) {
            Some(s) => *s,
            None => Some(Scale::SI),
        }
    }

    /// Whether the project declares a unit of this type.
    pub fn declares(&self, unit_type: &str) -> bool {
        self.by_type.contains_key(unit_type)
    }

    #[cfg(test)]
    pub fn with(mut self, unit_type: &str, s: Option<Scale>) -> Self {
        self.by_type.insert(unit_type.to_owned(), s);
        self
    }
}

/// Fallback factors for conversion-based units whose `ConversionFactor`
/// cannot be read, by (unit type, name). Length names come from
/// ifc-lite-core.
fn named_factor(unit_type: Option<&str>, name: &str) -> Option<f64> {
    let n = name
        .trim()
        .trim_matches('\'')
        .to_ascii_uppercase()
        .replace('_', " ");
    match unit_type {
        Some("LENGTHUNIT") => get_conversion_based_unit_factor(&n),
        Some("AREAUNIT") => match n.as_str() {
            "SQUARE FOOT" | "SQUARE FEET" => Some(0.092_903_04),
            "SQUARE INCH" => Some(0.000_645_16),
            "SQUARE YARD" => Some(0.836_127_36),
            "ACRE" => Some(4_046.856_422_4),
            _ => None,
        },
        Some("VOLUMEUNIT") => match n.as_str() {
            "CUBIC FOOT" | "CUBIC FEET" => Some(0.028_316_846_592),
            "CUBIC INCH" => Some(1.638_706_4e-5),
            "CUBIC YARD" => Some(0.764_554_857_984),
            "LITRE" | "LITER" => Some(0.001),
            "GALLON" | "US GALLON" => Some(0.003_785_411_784),
            _ => None,
        },
        Some("PLANEANGLEUNIT") => match n.as_str() {
            "DEGREE" | "DEGREES" => Some(std::f64::consts::PI / 180.0),
            "GRAD" | "GON" => Some(std::f64::consts::PI / 200.0),
            _ => None,
        },
        Some("MASSUNIT") => match n.as_str() {
            "POUND" | "POUND-MASS" | "LBM" => Some(0.453_592_37),
            "TONNE" | "TON-METRIC" => Some(1000.0),
            "OUNCE" => Some(0.028_349_523_125),
            _ => None,
        },
        Some("TIMEUNIT") => match n.as_str() {
            "MINUTE" => Some(60.0),
            "HOUR" => Some(3600.0),
            "DAY" => Some(86_400.0),
            _ => None,
        },
        _ => None,
    }
}

/// A unit entity resolved: its unit type (if it names one) and its scale,
/// or why the scale is unknown.
pub(crate) struct Resolved {
    pub unit_type: Option<String>,
    pub scale: Result<Scale, String>,
    /// A note worth a warning even though the unit resolved.
    pub note: Option<String>,
}

/// Walks unit entities. Bounded in depth and in decodes, so a hostile file
/// with cyclic or fanned-out derived units costs little.
pub(crate) struct UnitResolver<'s, 'a> {
    step: &'s Step<'a>,
    decodes: u32,
}

const MAX_DEPTH: u32 = 8;
const MAX_DECODES: u32 = 256;

fn enum_text(v: Option<&AttributeValue>) -> Option<String> {
    v.and_then(|a| a.as_enum())
        .map(|s| s.trim_matches('.').to_ascii_uppercase())
}

impl<'s, 'a> UnitResolver<'s, 'a> {
    pub fn new(step: &'s Step<'a>) -> Self {
        UnitResolver { step, decodes: 0 }
    }

    /// Resolves the unit entity `#id`.
    pub fn resolve(&mut self, id: u32) -> Resolved {
        self.decodes = 0;
        let mut note = None;
        let (unit_type, scale) = self.walk(id, 0, &mut note);
        Resolved {
            unit_type,
            scale,
            note,
        }
    }

    fn walk(
        &mut self,
        id: u32,
        depth: u32,
        note: &mut Option<String>,
    ) -> (Option<String>, Result<Scale, String>) {
        if depth > MAX_DEPTH {
            return (
                None,
                Err("units nest too deeply (or refer to each other)".into()),
            );
        }
        self.decodes += 1;
        if self.decodes > MAX_DECODES {
            return (None, Err("unit definition is too large".into()));
        }
        let Some(i) = self.step.lookup(id) else {
            return (None, Err(format!("refers to #{id}, which does not exist")));
        };
        let class = self.step.class(i);
        let attrs = match self.step.decode(i) {
            Ok(a) => a,
            Err(e) => return (None, Err(format!("#{id} {e}"))),
        };
        let get = |name: &str| class.index(name).and_then(|k| attrs.get(k));
        let unit_type = enum_text(get("UnitType"));
        let scale = match class.upper.as_str() {
            "IFCSIUNIT" => {
                let name = enum_text(get("Name")).unwrap_or_default();
                match si_unit_name(&name) {
                    None => Err(format!("unknown SI unit name '{name}'")),
                    Some(base) => {
                        let prefix = enum_text(get("Prefix"));
                        let mult = match prefix.as_deref() {
                            None => Some(1.0),
                            Some(p) => si_prefix(p).map(|row| row.factor),
                        };
                        match mult {
                            None => Err(format!(
                                "unknown SI prefix '{}'",
                                prefix.unwrap_or_default()
                            )),
                            Some(m) => Ok(Scale {
                                factor: base.base_scale * m.powi(base.prefix_power),
                                offset: if name == "DEGREE_CELSIUS" {
                                    273.15
                                } else {
                                    0.0
                                },
                            }),
                        }
                    }
                }
            }
            "IFCCONVERSIONBASEDUNIT" | "IFCCONVERSIONBASEDUNITWITHOFFSET" => {
                let name = get("Name")
                    .and_then(|a| a.as_string())
                    .unwrap_or("")
                    .to_owned();
                let offset = get("ConversionOffset")
                    .and_then(|a| a.as_float())
                    .unwrap_or(0.0);
                let declared = if offset != 0.0 {
                    Err(format!(
                        "'{name}' has a conversion offset, which is not supported"
                    ))
                } else {
                    match get("ConversionFactor").and_then(|a| a.as_entity_ref()) {
                        None => Err(format!("'{name}' has no conversion factor")),
                        Some(r) => self.measure_with_unit(r, depth + 1, note),
                    }
                };
                let by_name = named_factor(unit_type.as_deref(), &name);
                match (declared, by_name) {
                    (Ok(s), Some(n)) if (s.factor - n).abs() > n * 1e-3 => {
                        *note = Some(format!(
                            "unit '{name}' declares a factor of {} but {name} is {n} in SI; using {n}",
                            s.factor
                        ));
                        Ok(Scale {
                            factor: n,
                            offset: 0.0,
                        })
                    }
                    (Ok(s), _) => Ok(s),
                    (Err(_), Some(n)) => Ok(Scale {
                        factor: n,
                        offset: 0.0,
                    }),
                    (Err(e), None) => Err(e),
                }
            }
            "IFCDERIVEDUNIT" => {
                let elements: Vec<u32> = get("Elements")
                    .and_then(|a| a.as_list())
                    .map(|l| l.iter().filter_map(|x| x.as_entity_ref()).collect())
                    .unwrap_or_default();
                if elements.is_empty() {
                    Err("derived unit has no elements".into())
                } else {
                    let mut factor = 1.0;
                    let mut failure = None;
                    for e in elements {
                        match self.derived_element(e, depth + 1, note) {
                            Ok(f) => factor *= f,
                            Err(m) => {
                                failure = Some(m);
                                break;
                            }
                        }
                    }
                    match failure {
                        Some(m) => Err(m),
                        None => Ok(Scale {
                            factor,
                            offset: 0.0,
                        }),
                    }
                }
            }
            other => Err(format!(
                "#{id} ({other}) is not a unit Plancheck can convert"
            )),
        };
        let scale = scale.and_then(|s| {
            if s.factor.is_finite() && s.factor > 0.0 && s.offset.is_finite() {
                Ok(s)
            } else {
                Err(format!(
                    "conversion factor {} is not a positive number",
                    s.factor
                ))
            }
        });
        (unit_type, scale)
    }

    fn measure_with_unit(
        &mut self,
        id: u32,
        depth: u32,
        note: &mut Option<String>,
    ) -> Result<Scale, String> {
        let Some(i) = self.step.lookup(id) else {
            return Err(format!(
                "conversion factor refers to #{id}, which does not exist"
            ));
        };
        let class = self.step.class(i);
        if class.upper != "IFCMEASUREWITHUNIT" {
            return Err(format!(
                "conversion factor #{id} is a {}, not an IfcMeasureWithUnit",
                class.name
            ));
        }
        let attrs = self.step.decode(i).map_err(|e| format!("#{id} {e}"))?;
        let value = class
            .index("ValueComponent")
            .and_then(|k| attrs.get(k))
            .and_then(|a| a.as_float())
            .ok_or_else(|| format!("conversion factor #{id} has no numeric value"))?;
        let component = class
            .index("UnitComponent")
            .and_then(|k| attrs.get(k))
            .and_then(|a| a.as_entity_ref())
            .ok_or_else(|| format!("conversion factor #{id} has no unit"))?;
        let (_, s) = self.walk(component, depth + 1, note);
        let s = s?;
        if s.offset != 0.0 {
            return Err("conversion factor is expressed in a unit with an offset".into());
        }
        Ok(Scale {
            factor: value * s.factor,
            offset: 0.0,
        })
    }

    fn derived_element(
        &mut self,
        id: u32,
        depth: u32,
        note: &mut Option<String>,
    ) -> Result<f64, String> {
        let Some(i) = self.step.lookup(id) else {
            return Err(format!("derived unit element #{id} does not exist"));
        };
        let class = self.step.class(i);
        if class.upper != "IFCDERIVEDUNITELEMENT" {
            return Err(format!(
                "#{id} is a {}, not an IfcDerivedUnitElement",
                class.name
            ));
        }
        let attrs = self.step.decode(i).map_err(|e| format!("#{id} {e}"))?;
        let unit = class
            .index("Unit")
            .and_then(|k| attrs.get(k))
            .and_then(|a| a.as_entity_ref())
            .ok_or_else(|| format!("derived unit element #{id} has no unit"))?;
        let exponent = class
            .index("Exponent")
            .and_then(|k| attrs.get(k))
            .and_then(|a| a.as_int())
            .ok_or_else(|| format!("derived unit element #{id} has no exponent"))?;
        let (_, s) = self.walk(unit, depth + 1, note);
        let s = s?;
        if s.offset != 0.0 {
            return Err("derived unit uses a unit with an offset".into());
        }
        Ok(s.factor.powi(exponent.clamp(-64, 64) as i32))
    }
}

/// Resolves the project's unit assignment. Problems become warnings.
pub(crate) fn project_units(
    step: &Step,
    project: Option<usize>,
    warn: &mut dyn FnMut(String),
) -> Units {
    let mut units = Units::default();
    let Some(p) = project else {
        warn(format!(
            "{}: no IfcProject: assuming SI units (metre, square metre, cubic metre, radian, kilogram, second)",
            step.name
        ));
        return units;
    };
    // message prefixes are made only for a message: they need line numbers
    let at = || step.at_record(p);
    let class = step.class(p);
    let attrs = match step.decode(p) {
        Ok(a) => a,
        Err(e) => {
            warn(format!("{}{e}; assuming SI units", at()));
            return units;
        }
    };
    let assignment = class
        .index("UnitsInContext")
        .and_then(|k| attrs.get(k))
        .and_then(|a| a.as_entity_ref());
    let Some(assignment) = assignment else {
        warn(format!(
            "{}the project declares no units: assuming SI units (metre ...)",
            at()
        ));
        return units;
    };
    let Some(ai) = step.lookup(assignment) else {
        warn(format!(
            "{}UnitsInContext refers to #{assignment}, which does not exist: assuming SI units",
            at()
        ));
        return units;
    };
    let a_at = || step.at_record(ai);
    let a_class = step.class(ai);
    if a_class.upper != "IFCUNITASSIGNMENT" {
        warn(format!(
            "{}is not an IfcUnitAssignment: assuming SI units",
            a_at()
        ));
        return units;
    }
    let list: Vec<u32> = match step.decode(ai) {
        Ok(a) => a_class
            .index("Units")
            .and_then(|k| a.get(k))
            .and_then(|l| l.as_list())
            .map(|l| l.iter().filter_map(|x| x.as_entity_ref()).collect())
            .unwrap_or_default(),
        Err(e) => {
            warn(format!("{}{e}; assuming SI units", a_at()));
            return units;
        }
    };
    let mut resolver = UnitResolver::new(step);
    for id in list {
        let u_rec = match step.lookup(id) {
            Some(ui) => {
                if step.class(ui).upper == "IFCMONETARYUNIT" {
                    continue; // currencies are not converted
                }
                ui
            }
            None => {
                warn(format!("{}unit #{id} does not exist", a_at()));
                continue;
            }
        };
        let u_at = || step.at_record(u_rec);
        let r = resolver.resolve(id);
        if let Some(n) = r.note {
            warn(format!("{}{n}", u_at()));
        }
        let Some(t) = r.unit_type else {
            if let Err(e) = r.scale {
                warn(format!("{}unit ignored: {e}", u_at()));
            }
            continue;
        };
        if t == "USERDEFINED" {
            continue; // user-defined derived units are not tied to a measure type
        }
        if units.by_type.contains_key(&t) {
            warn(format!(
                "{}a second {t} is declared; the first one is used",
                u_at()
            ));
            continue;
        }
        match r.scale {
            Ok(s) => {
                units.by_type.insert(t, Some(s));
            }
            Err(e) => {
                warn(format!(
                    "{}{t} cannot be converted to SI ({e}): values in this unit are left out",
                    u_at()
                ));
                units.by_type.insert(t, None);
            }
        }
    }
    if !units.declares("LENGTHUNIT") {
        warn(format!(
            "{}no LENGTHUNIT is declared: assuming metres",
            a_at()
        ));
    }
    units
}
