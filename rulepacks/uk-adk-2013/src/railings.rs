//! Railing rules: handrail height (1.35) and guarding height (Diagram 3.1).

use std::collections::HashMap;

use plancheck_sdk::prelude::*;
use plancheck_sdk::text::find_keyword;
use plancheck_sdk::units::{ge, le};

use crate::params::BuildingCategory;
use crate::{keep, range, Length};
use crate::{GUARD_HEIGHT, HANDRAIL_HEIGHT};

/// A length in metres, printed in millimetres (`190 mm`).
fn mm(si: f64) -> CodeLength {
    CodeLength::metres(si)
}

/// `value` printed against `limit` (metres) so that it never reads as
/// equal to it when it is not.
fn mm_vs(value: f64, limit: f64) -> impl std::fmt::Display {
    mm(value).distinct_from(mm(limit))
}

/// 1.35: top of handrail 900–1000 mm above the pitch line or floor.
pub const HANDRAIL: LengthLimit = LengthLimit::between(
    CodeLength::millimetres(900.0),
    CodeLength::millimetres(1000.0),
);
/// Diagram 3.1: 900 mm (flights in every building; everything inside a
/// single family dwelling).
pub const GUARD_LOW: CodeLength = CodeLength::millimetres(900.0);
/// Diagram 3.1: 1100 mm (external balconies and roof edges of dwellings;
/// landings and floor edges of other buildings).
pub const GUARD_HIGH: CodeLength = CodeLength::millimetres(1100.0);

const HEIGHT: Chain = Chain::new(
    "height",
    &[src(prop("Pset_RailingCommon", "Height")).labelled("Pset_RailingCommon.Height")],
);

/// Words in a railing's Name/ObjectType (or its space's LongName/Name) that
/// put it on a stair flight. The spec's list, matched as whole words (see
/// [`find_keyword`]), plus the plural `flights`.
pub const FLIGHT_WORDS: &[&str] = &[
    "stair",
    "stairs",
    "stairway",
    "staircase",
    "flight",
    "flights",
];
/// Words in a railing's Name/ObjectType that make it external. The spec's
/// list plus the plurals `balconies`, `roofs`, `terraces`: whole-word
/// matching would otherwise miss "Balconies – rail", which a building
/// control officer would read as external.
pub const EXTERNAL_WORDS: &[&str] = &[
    "balcony",
    "balconies",
    "juliet",
    "juliette",
    "roof",
    "roofs",
    "terrace",
    "terraces",
    "external",
];
/// Words in a handrail's Name/ObjectType that suggest a second, lower handrail.
pub const SECONDARY_WORDS: &[&str] = &["secondary", "second", "lower", "child", "children"];

/// What a railing is, from its PredefinedType (resolved through the type
/// object by the host).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `HANDRAIL`.
    Handrail,
    /// `GUARDRAIL` or `BALUSTRADE`.
    Guard,
    /// No PredefinedType, `NOTDEFINED`, or `USERDEFINED` (whose ObjectType
    /// is free text): guard-height reports it not-assessable.
    Untyped,
    /// Any other value (IFC4.3's `FENCE`, say): neither rule applies.
    Other,
}

impl Kind {
    /// Classifies a PredefinedType.
    pub fn of(predefined: Option<&str>) -> Kind {
        match predefined.map(str::to_ascii_uppercase).as_deref() {
            Some("HANDRAIL") => Kind::Handrail,
            Some("GUARDRAIL") | Some("BALUSTRADE") => Kind::Guard,
            None | Some("") | Some("NOTDEFINED") | Some("USERDEFINED") => Kind::Untyped,
            Some(_) => Kind::Other,
        }
    }
}

/// Where a guard is, as far as names and `IsExternal` can tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// On a stair flight; the string says why (`name "Stair balustrade"`).
    Flight(String),
    /// External balcony, roof edge and the like; the string says why.
    External(String),
    /// Internal landing, floor edge, or unknown.
    Other,
}

/// What the railing rules know about one railing.
#[derive(Debug, Clone, PartialEq)]
pub struct RailingFacts {
    /// GlobalId.
    pub id: String,
    /// Name.
    pub name: Option<String>,
    /// ObjectType.
    pub object_type: Option<String>,
    /// PredefinedType as the host gave it.
    pub predefined_type: Option<String>,
    /// Height, or what was found instead.
    pub height: Length,
    /// `Pset_RailingCommon.IsExternal`, where stated.
    pub is_external: Option<bool>,
    /// The containing space's LongName and Name, where the railing is in a
    /// space.
    pub space_names: Vec<String>,
}

impl RailingFacts {
    /// The railing's kind.
    pub fn kind(&self) -> Kind {
        Kind::of(self.predefined_type.as_deref())
    }

    fn own_names(&self) -> impl Iterator<Item = (&'static str, &str)> {
        [("name", &self.name), ("ObjectType", &self.object_type)]
            .into_iter()
            .filter_map(|(what, v)| v.as_deref().map(|v| (what, v)))
    }

    /// Decides the location in the spec's order: flight (own names, then the
    /// space's), external (`IsExternal`, then own names), other.
    pub fn location(&self) -> Location {
        for (what, text) in self.own_names() {
            if find_keyword(text, FLIGHT_WORDS).is_some() {
                return Location::Flight(format!("{what} \"{text}\""));
            }
        }
        for text in &self.space_names {
            if find_keyword(text, FLIGHT_WORDS).is_some() {
                return Location::Flight(format!("space \"{text}\""));
            }
        }
        if self.is_external == Some(true) {
            return Location::External("Pset_RailingCommon.IsExternal = true".into());
        }
        for (what, text) in self.own_names() {
            if find_keyword(text, EXTERNAL_WORDS).is_some() {
                return Location::External(format!("{what} \"{text}\""));
            }
        }
        Location::Other
    }
}

/// Reads every `IfcRailing` in one query, and — only when some railing is
/// contained in a space and `spaces` is set — the spaces' names in one more.
pub fn collect(model: &dyn ModelView, spaces: bool) -> Vec<RailingFacts> {
    let sel = Select::class("IfcRailing")
        .chain(&HEIGHT)
        .value("external", &[prop("Pset_RailingCommon", "IsExternal")]);
    let items = sel.run(model);
    let need_spaces = spaces && items.iter().any(|i| i.row.space.is_some());
    let mut space_names: HashMap<String, Vec<String>> = HashMap::new();
    if need_spaces {
        let sp = Select::class("IfcSpace").value("long", &[attr("LongName")]);
        for s in sp.run(model) {
            let names: Vec<String> = [s.text("long"), s.row.name.as_deref()]
                .into_iter()
                .flatten()
                .map(str::to_string)
                .collect();
            space_names.insert(s.id().to_string(), names);
        }
    }
    items
        .iter()
        .map(|it| RailingFacts {
            id: it.id().to_string(),
            name: it.row.name.clone(),
            object_type: it.row.object_type.clone(),
            predefined_type: it.row.predefined_type.clone(),
            height: keep(HEIGHT.length(it)),
            is_external: it.boolean("external"),
            space_names: it
                .row
                .space
                .as_ref()
                .and_then(|s| space_names.get(s).cloned())
                .unwrap_or_default(),
        })
        .collect()
}

/// `handrail-height` for one railing; `None` unless it is a handrail.
pub fn handrail(r: &RailingFacts) -> Option<Finding> {
    if r.kind() != Kind::Handrail {
        return None;
    }
    let rule = &HANDRAIL_HEIGHT;
    let h = match &r.height {
        Ok(h) => *h,
        Err(why) => return Some(rule.not_assessable(&r.id, format!("no handrail height: {why}"))),
    };
    let v = h.value;
    let (min, max) = (HANDRAIL.min.unwrap().si, HANDRAIL.max.unwrap().si);
    let (outcome, msg) = if !le(v, max) {
        (
            Outcome::Violation,
            format!("handrail height {} > {}", mm_vs(v, max), mm(max)),
        )
    } else if ge(v, min) {
        (
            Outcome::Pass,
            format!(
                "handrail height {} within {}",
                mm(v),
                range(mm(min), mm(max))
            ),
        )
    } else if let Some((what, text)) = r
        .own_names()
        .find(|(_, t)| find_keyword(t, SECONDARY_WORDS).is_some())
    {
        (
            Outcome::Warning,
            format!(
                "handrail height {} < {}, but its {what} \"{text}\" suggests a second, lower \
                 handrail (e.g. at 600 mm in primary schools), which needs a main handrail at \
                 900–1000 mm as well",
                mm_vs(v, min),
                mm(min)
            ),
        )
    } else {
        (
            Outcome::Violation,
            format!("handrail height {} < {}", mm_vs(v, min), mm(min)),
        )
    };
    Some(
        rule.finding(outcome, &r.id, format!("{msg}; read from {}", h.label))
            .measured(Measure::length_m(v))
            .limit(HANDRAIL.to_limit()),
    )
}

/// Diagram 3.1 required height for a location and building category.
pub fn required(location: &Location, building: BuildingCategory) -> CodeLength {
    match (location, building) {
        (Location::Flight(_), _) => GUARD_LOW,
        (Location::Other, BuildingCategory::Dwelling) => GUARD_LOW,
        _ => GUARD_HIGH,
    }
}

fn building_phrase(b: BuildingCategory) -> &'static str {
    match b {
        BuildingCategory::Dwelling => "in a single family dwelling",
        BuildingCategory::Other => "in a building other than a single family dwelling",
        BuildingCategory::Any => "in any building",
    }
}

/// `guard-height` for one railing; `None` unless it is a guard or untyped.
pub fn guard(r: &RailingFacts, building: BuildingCategory) -> Option<Finding> {
    let rule = &GUARD_HEIGHT;
    match r.kind() {
        Kind::Guard => {}
        Kind::Untyped => {
            let stated = match r.predefined_type.as_deref() {
                None | Some("") => "no PredefinedType".to_string(),
                Some(p) => format!("PredefinedType {p}"),
            };
            let mut f = rule.not_assessable(
                &r.id,
                format!(
                    "railing type not stated ({stated}): cannot tell a guard from a handrail; \
                     set PredefinedType GUARDRAIL, BALUSTRADE or HANDRAIL"
                ),
            );
            if let Ok(h) = &r.height {
                f = f.measured(Measure::length_m(h.value));
            }
            return Some(f);
        }
        Kind::Handrail | Kind::Other => return None,
    }
    let h = match &r.height {
        Ok(h) => *h,
        Err(why) => return Some(rule.not_assessable(&r.id, format!("no guarding height: {why}"))),
    };
    let v = h.value;
    let location = r.location();
    let loc = match &location {
        Location::Flight(why) => format!("on a stair flight ({why})"),
        Location::External(why) => {
            format!("at an external balcony, roof edge or other external edge ({why})")
        }
        Location::Other => {
            "at a landing or floor edge (no stair or external keyword in its names)".to_string()
        }
    };
    let possible: &[BuildingCategory] = match building {
        BuildingCategory::Any => &[BuildingCategory::Dwelling, BuildingCategory::Other],
        BuildingCategory::Dwelling => &[BuildingCategory::Dwelling],
        BuildingCategory::Other => &[BuildingCategory::Other],
    };
    let reqs: Vec<(BuildingCategory, CodeLength)> = possible
        .iter()
        .map(|&b| (b, required(&location, b)))
        .collect();
    let ok = |req: &CodeLength| ge(v, req.si);
    let from = format!("; read from {}", h.label);
    let (outcome, msg, limit) = if reqs.iter().all(|(_, q)| ok(q)) {
        let top = reqs
            .iter()
            .map(|(_, q)| *q)
            .fold(GUARD_LOW, |a, q| if q.si > a.si { q } else { a });
        (
            Outcome::Pass,
            format!(
                "guarding height {} ≥ {} required {loc} {}",
                mm(v),
                mm(top.si),
                building_phrase(building)
            ),
            top,
        )
    } else if reqs.iter().all(|(_, q)| !ok(q)) {
        let low = reqs
            .iter()
            .map(|(_, q)| *q)
            .fold(GUARD_HIGH, |a, q| if q.si < a.si { q } else { a });
        let seating = if !ge(v, GUARD_LOW.si) {
            "; 800 mm is allowed only within 530 mm in front of fixed seating in assembly \
             buildings (Diagram 3.1 h1) and at opening windows, not modelled here"
        } else {
            ""
        };
        (
            Outcome::Violation,
            format!(
                "guarding height {} < {} required {loc} {}{seating}",
                mm_vs(v, low.si),
                mm(low.si),
                building_phrase(building)
            ),
            low,
        )
    } else {
        // Only under building-category `any`, where the dwelling row allows
        // 900 mm and the other rows ask 1100 mm.
        (
            Outcome::Warning,
            format!(
                "guarding height {} < {} required {loc} in buildings other than single \
                 family dwellings: complies only in a single family dwelling ({}); \
                 set building-category",
                mm_vs(v, GUARD_HIGH.si),
                mm(GUARD_HIGH.si),
                mm(GUARD_LOW.si)
            ),
            GUARD_HIGH,
        )
    };
    Some(
        rule.finding(outcome, &r.id, msg + &from)
            .measured(Measure::length_m(v))
            .limit(LengthLimit::at_least(limit).to_limit()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use BuildingCategory::*;

    fn railing(kind: &str, name: &str, height_mm: Option<f64>) -> RailingFacts {
        RailingFacts {
            id: "R".into(),
            name: Some(name.into()),
            object_type: None,
            predefined_type: Some(kind.into()),
            height: height_mm.map_or_else(
                || Err("Pset_RailingCommon.Height is absent".into()),
                |v| Ok(Reading::derived(v / 1000.0, "Pset_RailingCommon.Height")),
            ),
            is_external: None,
            space_names: vec![],
        }
    }

    fn hand(name: &str, h: f64) -> Outcome {
        handrail(&railing("HANDRAIL", name, Some(h)))
            .unwrap()
            .outcome
    }

    #[test]
    fn handrail_spec_vectors() {
        assert_eq!(hand("Handrail", 900.0), Outcome::Pass);
        assert_eq!(hand("Handrail", 1000.0), Outcome::Pass);
        assert_eq!(hand("Handrail", 1050.0), Outcome::Violation);
        assert_eq!(hand("Handrail - secondary", 600.0), Outcome::Warning);
        assert_eq!(hand("Handrail", 600.0), Outcome::Violation);
        assert_eq!(hand("Handrail", 899.9995), Outcome::Pass);
        assert_eq!(hand("Handrail", 1000.0005), Outcome::Pass);
        assert_eq!(hand("Handrail", 1000.002), Outcome::Violation);
        // "low" is not "lower"; a secondary name does not excuse a high rail.
        assert_eq!(hand("R-hand-low", 820.0), Outcome::Violation);
        assert_eq!(hand("Children's rail", 600.0), Outcome::Warning);
        assert_eq!(hand("Childrens rail", 600.0), Outcome::Violation);
        assert_eq!(hand("Lower handrail", 1100.0), Outcome::Violation);
    }

    #[test]
    fn handrail_only_for_handrails() {
        assert!(handrail(&railing("GUARDRAIL", "x", Some(900.0))).is_none());
        assert!(handrail(&railing("NOTDEFINED", "x", Some(900.0))).is_none());
        let f = handrail(&railing("handrail", "x", None)).unwrap();
        assert_eq!(f.outcome, Outcome::NotAssessable);
        assert_eq!(
            f.message,
            "no handrail height: Pset_RailingCommon.Height is absent"
        );
    }

    #[test]
    fn handrail_messages() {
        let f = handrail(&railing("HANDRAIL", "R", Some(1010.0))).unwrap();
        assert_eq!(
            f.message,
            "handrail height 1010 mm > 1000 mm; read from Pset_RailingCommon.Height"
        );
        let lim = f.limit.unwrap();
        assert_eq!((lim.min.unwrap().si, lim.max.unwrap().si), (0.9, 1.0));
        let mut r = railing("HANDRAIL", "Rail", Some(600.0));
        r.object_type = Some("Secondary handrail".into());
        let f = handrail(&r).unwrap();
        assert_eq!(f.outcome, Outcome::Warning);
        assert!(f
            .message
            .contains("its ObjectType \"Secondary handrail\" suggests a second, lower handrail"));
    }

    fn g(name: &str, h: f64, b: BuildingCategory) -> Finding {
        guard(&railing("GUARDRAIL", name, Some(h)), b).unwrap()
    }

    #[test]
    fn guard_spec_vectors() {
        for b in [Dwelling, Other, Any] {
            assert_eq!(g("Stair balustrade", 900.0, b).outcome, Outcome::Pass);
            assert_eq!(g("Landing", 1100.0, b).outcome, Outcome::Pass);
            assert_eq!(g("Landing", 850.0, b).outcome, Outcome::Violation);
        }
        assert_eq!(
            g("Landing balustrade", 950.0, Dwelling).outcome,
            Outcome::Pass
        );
        assert_eq!(
            g("Landing balustrade", 950.0, Other).outcome,
            Outcome::Violation
        );
        assert_eq!(
            g("Landing balustrade", 950.0, Any).outcome,
            Outcome::Warning
        );
        let mut ext = railing("GUARDRAIL", "Rail", Some(1000.0));
        ext.is_external = Some(true);
        assert_eq!(guard(&ext, Dwelling).unwrap().outcome, Outcome::Violation);
        assert_eq!(guard(&ext, Any).unwrap().outcome, Outcome::Violation);
        assert_eq!(
            g("Stair balustrade", 899.0, Dwelling).outcome,
            Outcome::Violation
        );
        assert_eq!(
            g("Juliet balcony", 1000.0, Dwelling).outcome,
            Outcome::Violation
        );
        assert_eq!(g("Juliet balcony", 1100.0, Dwelling).outcome, Outcome::Pass);
        // BALUSTRADE is a guard too.
        let b = guard(&railing("BALUSTRADE", "Landing", Some(900.0)), Other).unwrap();
        assert_eq!(b.outcome, Outcome::Violation);
    }

    #[test]
    fn guard_limits_and_messages() {
        let f = g("R-guard-low", 950.0, Any);
        assert_eq!(f.limit.unwrap().min.unwrap().si, 1.1);
        assert_eq!(
            f.message,
            "guarding height 950 mm < 1100 mm required at a landing or floor edge (no stair \
             or external keyword in its names) in buildings other than single family \
             dwellings: complies only in a single family dwelling (900 mm); set \
             building-category; read from Pset_RailingCommon.Height"
        );
        let f = g("Landing", 850.0, Dwelling);
        assert_eq!(f.limit.unwrap().min.unwrap().si, 0.9);
        assert!(
            f.message.contains("800 mm is allowed only"),
            "{}",
            f.message
        );
        let f = g("Stair guard", 950.0, Any);
        assert_eq!(f.outcome, Outcome::Pass);
        assert_eq!(f.limit.unwrap().min.unwrap().si, 0.9);
        assert!(f
            .message
            .starts_with("guarding height 950 mm ≥ 900 mm required on a stair flight (name \"Stair guard\") in any building"));
        let f = g("Landing", 1100.0, Any);
        assert_eq!(f.limit.unwrap().min.unwrap().si, 1.1);
    }

    #[test]
    fn location_order() {
        let mut r = railing("GUARDRAIL", "Balcony stair rail", Some(950.0));
        assert!(matches!(r.location(), Location::Flight(_)));
        r.name = Some("Rail".into());
        assert_eq!(r.location(), Location::Other);
        r.space_names = vec!["Main staircase".into(), "S-01".into()];
        assert_eq!(
            r.location(),
            Location::Flight("space \"Main staircase\"".into())
        );
        r.space_names.clear();
        r.is_external = Some(true);
        assert!(matches!(r.location(), Location::External(_)));
        r.is_external = Some(false);
        r.object_type = Some("Roof edge guard".into());
        assert_eq!(
            r.location(),
            Location::External("ObjectType \"Roof edge guard\"".into())
        );
    }

    #[test]
    fn untyped_railings_are_not_assessable_for_guard_height() {
        for p in ["NOTDEFINED", "USERDEFINED", ""] {
            let f = guard(&railing(p, "Rail", Some(1100.0)), Any).unwrap();
            assert_eq!(f.outcome, Outcome::NotAssessable, "{p}");
            assert!(f.message.starts_with("railing type not stated"));
            assert!(handrail(&railing(p, "Rail", Some(1100.0))).is_none());
        }
        let mut r = railing("X", "Rail", None);
        r.predefined_type = None;
        let f = guard(&r, Any).unwrap();
        assert!(f.message.contains("(no PredefinedType)"), "{}", f.message);
        // Other kinds are out of scope.
        assert!(guard(&railing("FENCE", "Rail", Some(1100.0)), Any).is_none());
        assert!(guard(&railing("HANDRAIL", "Rail", Some(1100.0)), Any).is_none());
        let f = guard(&railing("GUARDRAIL", "Rail", None), Any).unwrap();
        assert_eq!(f.outcome, Outcome::NotAssessable);
        assert_eq!(
            f.message,
            "no guarding height: Pset_RailingCommon.Height is absent"
        );
    }
}
