//! `handrail-height` (§R311.7.8.1) and `guard-height` (§R312.1.2) on `IfcRailing`.

use std::collections::HashMap;

use std::fmt::Write;

use plancheck_sdk::prelude::*;
use plancheck_sdk::text::find_keyword;
use plancheck_sdk::units::ge;

use crate::spaces::Space;
use crate::{limits, why};
use crate::{GUARD, HANDRAIL};

/// Handrail height minimum: 34 in.
pub const HANDRAIL_MIN: CodeLength = CodeLength {
    si: 0.8636,
    unit: CodeUnit::Inch,
};
/// Handrail height maximum: 38 in.
pub const HANDRAIL_MAX: CodeLength = CodeLength {
    si: 0.9652,
    unit: CodeUnit::Inch,
};
/// Guard height minimum on open-sided walking surfaces: 36 in.
pub const GUARD_MIN: CodeLength = CodeLength {
    si: 0.9144,
    unit: CodeUnit::Inch,
};
/// Guard height minimum on the open sides of stairs (exception 1): 34 in.
pub const GUARD_STAIR_MIN: CodeLength = CodeLength {
    si: 0.8636,
    unit: CodeUnit::Inch,
};

/// Words that mark a railing (or its containing space) as belonging to a stair.
const STAIR_WORDS: &[&str] = &["stair", "stairs", "stairway", "staircase", "flight"];

const HEIGHT: Chain = Chain::new("height", &[src(prop("Pset_RailingCommon", "Height"))]);

/// What kind of railing, from its PredefinedType.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    Handrail,
    Guard,
    /// Missing, NOTDEFINED, USERDEFINED (the host reports a user-defined
    /// type as its ObjectType text) or an enumerator this pack does not know.
    Untyped(String),
}

fn kind(predefined: Option<&str>) -> Kind {
    // The enumerators are upper case in IFC; a user-defined type text that
    // happens to read "Handrail" is taken at its word.
    match predefined.map(|s| s.trim().to_ascii_uppercase()).as_deref() {
        Some("HANDRAIL") => Kind::Handrail,
        Some("GUARDRAIL") | Some("BALUSTRADE") => Kind::Guard,
        None | Some("") => Kind::Untyped("PredefinedType missing".into()),
        Some("NOTDEFINED") => Kind::Untyped("PredefinedType NOTDEFINED".into()),
        Some("USERDEFINED") => Kind::Untyped("PredefinedType USERDEFINED".into()),
        Some(_) => Kind::Untyped(format!(
            "PredefinedType '{}' is not HANDRAIL, GUARDRAIL or BALUSTRADE",
            predefined.unwrap_or_default().trim()
        )),
    }
}

struct Railing<'a> {
    id: &'a str,
    name: Option<&'a str>,
    object_type: Option<&'a str>,
    space: Option<&'a str>,
    kind: Kind,
    height: Result<Reading<'a, f64>, Missing<'a>>,
}

/// Every `IfcRailing` of one query.
fn load<'a>(items: &'a [Item<'_>]) -> Vec<Railing<'a>> {
    items
        .iter()
        .map(|it| Railing {
            id: it.id(),
            name: it.row.name.as_deref(),
            object_type: it.row.object_type.as_deref(),
            space: it.row.space.as_deref(),
            kind: kind(it.row.predefined_type.as_deref()),
            height: HEIGHT.length(it),
        })
        .collect()
}

/// Runs the selected railing rules. `spaces` are the model's spaces if the
/// caller has already queried them; otherwise they are queried (once) only
/// when a guard's location has to be read from its containing space.
pub fn check(
    model: &dyn ModelView,
    handrails: bool,
    guards: bool,
    spaces: Option<&[Space]>,
) -> Vec<Finding> {
    let select = Select::class("IfcRailing").chain(&HEIGHT);
    let items = select.run(model);
    let railings = load(&items);
    let mut out = Vec::new();
    if handrails {
        out.extend(
            railings
                .iter()
                .filter(|r| r.kind == Kind::Handrail)
                .map(handrail),
        );
    }
    if guards {
        let guards: Vec<&Railing> = railings
            .iter()
            .filter(|r| r.kind != Kind::Handrail)
            .collect();
        // Only a guard in the 34–36 in band, not named as a stair guard and
        // contained in a space, needs the space's name.
        let needs_space = guards.iter().any(|r| {
            r.space.is_some()
                && in_band(r)
                && matches!(r.kind, Kind::Guard)
                && own_stair_word(r).is_none()
        });
        let space_select = crate::spaces::select();
        let (space_items, loaded);
        let by_id: HashMap<&str, &Space> = if needs_space {
            let all: &[Space] = match spaces {
                Some(s) => s,
                None => {
                    space_items = space_select.run(model);
                    loaded = crate::spaces::load(&space_items);
                    &loaded
                }
            };
            all.iter().map(|s| (s.id, s)).collect()
        } else {
            HashMap::new()
        };
        out.extend(guards.into_iter().map(|r| guard(r, &by_id)));
    }
    out
}

fn in_band(r: &Railing) -> bool {
    r.height
        .as_ref()
        .is_ok_and(|h| ge(h.value, GUARD_STAIR_MIN.si) && !ge(h.value, GUARD_MIN.si))
}

fn handrail(r: &Railing) -> Finding {
    let limit = LengthLimit::between(HANDRAIL_MIN, HANDRAIL_MAX);
    match &r.height {
        Ok(found) => HANDRAIL.assess_reading(r.id, "handrail height", found, &limits(limit)),
        Err(m) => HANDRAIL
            .not_assessable(r.id, format!("no handrail height: {}", why(m)))
            .limit(limit.to_limit()),
    }
}

/// Where the guard is, as far as names tell (spec, `guard-height`).
enum Location {
    /// The railing's Name/ObjectType or its space's name has a stair word.
    Stair(String),
    Unknown,
}

/// A stair word in the railing's own Name or ObjectType.
fn own_stair_word(r: &Railing) -> Option<String> {
    for (field, text) in [("Name", r.name), ("ObjectType", r.object_type)] {
        if let Some(t) = text {
            if let Some(k) = find_keyword(t, STAIR_WORDS) {
                return Some(format!("its {field} '{t}' has '{k}'"));
            }
        }
    }
    None
}

fn location(r: &Railing, spaces: &HashMap<&str, &Space>) -> Location {
    if let Some(why) = own_stair_word(r) {
        return Location::Stair(why);
    }
    // The spec resolves the containing space with `get`; the pack reads it
    // from one batched IfcSpace query instead (no host call per railing).
    if let Some(s) = r.space.and_then(|id| spaces.get(id)) {
        for (field, text) in [("LongName", s.long_name), ("Name", s.name)] {
            if let Some(t) = text {
                if let Some(k) = find_keyword(t, STAIR_WORDS) {
                    return Location::Stair(format!(
                        "its containing space's {field} '{t}' has '{k}'"
                    ));
                }
            }
        }
    }
    Location::Unknown
}

fn guard(r: &Railing, spaces: &HashMap<&str, &Space>) -> Finding {
    if let Kind::Untyped(why) = &r.kind {
        let f = GUARD
            .not_assessable(
                r.id,
                format!("railing type not stated ({why}): cannot tell a guard from a handrail"),
            )
            .limit(LengthLimit::at_least(GUARD_MIN).to_limit());
        return match &r.height {
            Ok(h) => f.measured(Measure::length_m(h.value)),
            Err(_) => f,
        };
    }
    let found = match &r.height {
        Ok(f) => f,
        Err(m) => {
            return GUARD
                .not_assessable(r.id, format!("no guard height: {}", why(m)))
                .limit(LengthLimit::at_least(GUARD_MIN).to_limit())
        }
    };
    let v = found.value;
    let shown = CodeLength::measured(v, CodeUnit::Inch);
    let from = found.label;
    let mut message = String::with_capacity(256);
    let (outcome, min) = if ge(v, GUARD_MIN.si) {
        let _ = write!(
            message,
            "guard height {shown} ≥ {GUARD_MIN} minimum (from {from})"
        );
        (Outcome::Pass, GUARD_MIN)
    } else if ge(v, GUARD_STAIR_MIN.si) {
        // The 34–36 in band: complies only as a guard on the open side of a stair.
        match location(r, spaces) {
            Location::Stair(why) => {
                let _ = write!(
                    message,
                    "guard height {shown} ≥ {GUARD_STAIR_MIN} minimum for guards on the open \
                     sides of stairs (§R312.1.2 exception 1; stair guard because {why}) \
                     (from {from})"
                );
                (Outcome::Pass, GUARD_STAIR_MIN)
            }
            Location::Unknown => {
                let _ = write!(
                    message,
                    "guard height {shown} < {GUARD_MIN} minimum; complies only as a guard on \
                     the open side of a stair (≥ {GUARD_STAIR_MIN}, §R312.1.2 exception 1), \
                     and the model does not say where this guard is (from {from})"
                );
                (Outcome::Warning, GUARD_MIN)
            }
        }
    } else {
        let _ = write!(
            message,
            "guard height {shown} < {GUARD_STAIR_MIN} minimum, even for a guard on the open \
             side of a stair ({GUARD_MIN} elsewhere) (from {from})"
        );
        (Outcome::Violation, GUARD_STAIR_MIN)
    };
    GUARD
        .finding(outcome, r.id, message)
        .measured(Measure::length_m(v))
        .limit(LengthLimit::at_least(min).to_limit())
}
