//! `handrail-height` and `guard-height`: every `IfcRailing`, by its
//! PredefinedType.

use plancheck_sdk::prelude::*;

use crate::{GUARD_HEIGHT, HANDRAIL_HEIGHT};

/// `Pset_RailingCommon.Height`: the upper height of the railing above the
/// floor or stair (nosing line), which is what §1014.2 and §1015.3 measure.
const HEIGHT: Chain =
    Chain::new("height", &[src(prop("Pset_RailingCommon", "Height"))]).class("IfcRailing");

/// What a railing is, from its PredefinedType.
enum Kind {
    Handrail,
    Guard,
    /// Missing, NOTDEFINED, USERDEFINED — or, because the host replaces
    /// USERDEFINED with the ObjectType text, any other value: only
    /// `guard-height` reports these, so they are not reported twice.
    Untyped(Option<String>),
}

fn kind(predefined: Option<&str>) -> Kind {
    match predefined.map(str::to_ascii_uppercase).as_deref() {
        Some("HANDRAIL") => Kind::Handrail,
        Some("GUARDRAIL") | Some("BALUSTRADE") => Kind::Guard,
        _ => Kind::Untyped(predefined.map(str::to_owned)),
    }
}

/// Runs the selected railing rules.
pub fn check(model: &dyn ModelView, options: &CheckOptions, out: &mut Vec<Finding>) {
    let handrails = options.runs(HANDRAIL_HEIGHT.id);
    let guards = options.runs(GUARD_HEIGHT.id);
    if !handrails && !guards {
        return;
    }
    let select = Select::class("IfcRailing").chain(&HEIGHT);
    let rows: Vec<(Kind, Item)> = select
        .run(model)
        .into_iter()
        .map(|i| (kind(i.row.predefined_type.as_deref()), i))
        .collect();

    if handrails {
        let limits = Limits::between(CodeLength::inches(34.0), CodeLength::inches(38.0));
        for (_, r) in rows.iter().filter(|(k, _)| matches!(k, Kind::Handrail)) {
            out.push(HANDRAIL_HEIGHT.assess(r.id(), "handrail height", &HEIGHT.length(r), &limits));
        }
    }
    if guards {
        let limits = Limits::at_least(CodeLength::inches(42.0)).band_below(
            Some(CodeLength::inches(34.0)),
            "the §1015.3 exceptions",
            "complies only as a guard on the open side of a stair in Group R-3 or within an R-2 \
             dwelling unit, or where the guard's top rail is the handrail (then also ≤ 38 in), \
             or in assembly seating areas",
        );
        for (k, r) in &rows {
            match k {
                Kind::Guard => out.push(GUARD_HEIGHT.assess(
                    r.id(),
                    "guard height",
                    &HEIGHT.length(r),
                    &limits,
                )),
                Kind::Untyped(t) => {
                    let stated = match t {
                        None => "no PredefinedType".to_string(),
                        Some(t) => format!("PredefinedType {t}"),
                    };
                    let mut f = GUARD_HEIGHT.not_assessable(
                        r.id(),
                        format!(
                            "railing type not stated ({stated}; expected HANDRAIL, GUARDRAIL or \
                             BALUSTRADE); cannot tell a guard from a handrail"
                        ),
                    );
                    if let Ok(h) = HEIGHT.length(r) {
                        f = f.measured(Measure::length_m(h.value));
                    }
                    out.push(f);
                }
                Kind::Handrail => {}
            }
        }
    }
}
