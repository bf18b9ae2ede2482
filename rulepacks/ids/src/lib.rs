//! Rule pack `ids`: checks a model against a buildingSMART IDS 1.0
//! (Information Delivery Specification) file. One generic pack; the IDS is
//! its configuration, given as the check parameter `ids` (the XML text) or
//! `ids-file` (a path inside the read-only data directory the host grants
//! the pack). See `docs/ids.md`.
//!
//! The pack reads the model's instance graph (contract 0.2.0): every facet —
//! entity (with predefined type), attribute, classification, property
//! (property and quantity sets, data types, SI units), material and partOf
//! (aggregation, containment, nesting, groups, voids/fills) — follows the
//! IFC schema's own relationships and attribute lists, which the host takes
//! from the EXPRESS schemas.
//!
//! Findings:
//!
//! * `ids.requirement`: `violation` per requirement and applicable element
//!   that fails it, with the reason ("applicable but failed"); `pass` per
//!   requirement, naming every applicable element that meets it;
//! * `ids.specification`: one per specification — `pass` (every applicable
//!   element meets every requirement, or an optional specification that
//!   applies to nothing: "not applicable"), or `violation` (a requirement
//!   failed; a required specification applies to nothing; a prohibited one
//!   applies to something).
//!
//! Each finding cites the IDS (`code` = its title, `edition` = its version
//! or `IDS 1.0`) and the specification (`section` = its name, with its
//! identifier and instructions). An IDS that is not valid IDS 1.0 is refused
//! as an invalid option, naming the line and the problem.

#![warn(missing_docs)]

use plancheck_sdk::prelude::*;

pub mod facets;
pub mod graph;
pub mod parse;
pub mod pattern;
pub mod props;
pub mod values;

use graph::Graph;
use parse::{FacetKind, IdsValue, Specification};

/// Rule id of per-requirement findings.
pub const REQUIREMENT: &str = "ids.requirement";
/// Rule id of per-specification findings.
pub const SPECIFICATION: &str = "ids.specification";

/// The pack.
pub struct Pack;

impl RulePack for Pack {
    fn manifest() -> Manifest {
        let cite = |section: &str| Citation {
            code: "IDS".into(),
            edition: "1.0".into(),
            section: section.into(),
        };
        Manifest {
            id: "ids".into(),
            name: "buildingSMART IDS 1.0 (the IDS file is the configuration)".into(),
            jurisdiction: "ZZ".into(),
            code: "IDS".into(),
            edition: "1.0".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            contract: CONTRACT_VERSION.into(),
            rules: vec![
                RuleInfo {
                    id: SPECIFICATION.into(),
                    title: "IDS specification".into(),
                    citation: cite("specification"),
                },
                RuleInfo {
                    id: REQUIREMENT.into(),
                    title: "IDS requirement on an applicable element".into(),
                    citation: cite("requirement"),
                },
            ],
        }
    }

    fn check(model: &dyn ModelView, options: &CheckOptions) -> Result<Vec<Finding>, PackError> {
        plancheck_sdk::validate_rule_selection(options, &[SPECIFICATION, REQUIREMENT])?;
        let mut xml = None;
        for (k, v) in &options.parameters {
            match k.as_str() {
                "ids" => xml = Some(v.clone()),
                "ids-file" => {
                    xml = Some(std::fs::read_to_string(v).map_err(|e| {
                        PackError::InvalidOption(format!(
                            "ids-file: cannot read '{v}' (is it inside the pack's data directory?): {e}"
                        ))
                    })?)
                }
                other => {
                    return Err(PackError::InvalidOption(format!(
                        "unknown parameter `{other}`; the ids pack takes `ids` (the IDS XML) or `ids-file` (a path in its data directory)"
                    )))
                }
            }
        }
        let Some(xml) = xml else {
            return Err(PackError::InvalidOption(
                "no IDS given: pass the IDS XML as parameter `ids` (CLI: --ids FILE)".into(),
            ));
        };
        let ids = parse::parse(&xml)
            .map_err(|e| PackError::InvalidOption(format!("the IDS is not valid IDS 1.0: {e}")))?;
        audit(&ids)
            .map_err(|e| PackError::InvalidOption(format!("the IDS is not valid IDS 1.0: {e}")))?;
        let runs = |rule: &str| options.rules.is_empty() || options.rules.iter().any(|r| r == rule);
        let g = Graph::new(model);
        let mut out = Vec::new();
        for spec in &ids.specifications {
            let r = run_spec(&g, &ids, spec);
            if runs(REQUIREMENT) {
                out.extend(r.requirement_findings);
            }
            if runs(SPECIFICATION) {
                out.push(r.summary);
            }
        }
        // In the sandbox every call gets a fresh instance whose memory is
        // discarded with it: freeing the cache of tens of thousands of
        // instances one by one would only cost time (a quarter of a large
        // check). Natively (tests, benchmarks) it is dropped as usual.
        #[cfg(target_arch = "wasm32")]
        std::mem::forget(g);
        Ok(out)
    }
}

/// Rules of IDS 1.0 beyond the XML schema (the buildingSMART audit tool's).
fn audit(ids: &parse::Ids) -> Result<(), String> {
    for s in &ids.specifications {
        if s.max_occurs == Some(0) && !s.requirements.is_empty() {
            return Err(format!(
                "specification '{}' is prohibited (maxOccurs=\"0\") but states requirements; a prohibited specification has none",
                s.name
            ));
        }
    }
    Ok(())
}

/// What one specification produced.
struct SpecResult {
    requirement_findings: Vec<Finding>,
    summary: Finding,
}

/// The citation of a specification: the IDS's title and version, the
/// specification's name, identifier and instructions.
fn citation(ids: &parse::Ids, spec: &Specification, extra: Option<&str>) -> Citation {
    let mut section = spec.name.clone();
    if let Some(i) = &spec.identifier {
        section = format!("{i} {section}");
    }
    if let Some(text) = extra
        .or(spec.instructions.as_deref())
        .or(spec.description.as_deref())
    {
        section = format!("{section}: {text}");
    }
    Citation {
        code: ids.title.clone(),
        edition: ids.version.clone().unwrap_or_else(|| "IDS 1.0".into()),
        section,
    }
}

/// The candidates of a specification: the entity facet's class when it is a
/// simple name (exact class, as IDS matches), else every instance of its
/// enumerated classes, else every object definition (and, for attribute
/// facets, every instance).
fn candidates(g: &Graph, spec: &Specification) -> Vec<u32> {
    let entity = spec.applicability.iter().find_map(|f| match &f.kind {
        FacetKind::Entity { name, .. } => Some(name),
        _ => None,
    });
    let classes: Vec<String> = match entity {
        Some(IdsValue::Simple(n)) => vec![n.clone()],
        Some(IdsValue::Restriction(r)) if !r.enumeration.is_empty() => r.enumeration.clone(),
        _ => {
            let any_attr = spec
                .applicability
                .iter()
                .any(|f| matches!(f.kind, FacetKind::Attribute { .. }));
            if any_attr || entity.is_some() {
                vec!["*".into()]
            } else {
                let mut v = vec!["IfcObjectDefinition".to_owned()];
                if spec
                    .applicability
                    .iter()
                    .any(|f| matches!(f.kind, FacetKind::Property { .. }))
                    && g.schema != "IFC2X3"
                {
                    v.push("IfcMaterialDefinition".into());
                    v.push("IfcProfileDef".into());
                }
                v
            }
        }
    };
    let mut ids = Vec::new();
    for c in classes {
        ids.extend(g.instances_of(&c));
    }
    ids.sort_unstable();
    ids.dedup();
    ids
}

fn label(g: &Graph, id: u32) -> (String, String) {
    match g.get(id) {
        Some(inst) => {
            let gid = inst
                .global_id()
                .filter(|_| g.is_a(&inst.class, "IfcRoot"))
                .map(str::to_owned);
            let name = g
                .attr_text(&inst, "Name")
                .filter(|_| g.is_a(&inst.class, "IfcRoot"));
            let shown = match &name {
                Some(n) => format!("{} '{n}' (#{id})", inst.class),
                None => format!("{} #{id}", inst.class),
            };
            (gid.unwrap_or_else(|| format!("#{id}")), shown)
        }
        None => (format!("#{id}"), format!("#{id}")),
    }
}

/// ` = 'x'` for a simple value, ` ≤ 0.19` (and the like) for a restriction.
fn value_text(v: &IdsValue) -> String {
    match v {
        IdsValue::Simple(_) => format!(" = {}", v.describe()),
        IdsValue::Restriction(_) => format!(" {}", v.describe()),
    }
}

fn facet_text(f: &parse::Facet) -> String {
    let s = match &f.kind {
        FacetKind::Entity {
            name,
            predefined_type,
        } => format!(
            "entity {}{}",
            name.describe(),
            predefined_type
                .as_ref()
                .map(|p| format!(" of predefined type {}", p.describe()))
                .unwrap_or_default()
        ),
        FacetKind::Attribute { name, value } => format!(
            "attribute {}{}",
            name.describe(),
            value.as_ref().map(value_text).unwrap_or_default()
        ),
        FacetKind::Classification { value, system } => format!(
            "classification{}{}",
            system
                .as_ref()
                .map(|v| format!(" in {}", v.describe()))
                .unwrap_or_default(),
            value
                .as_ref()
                .map(|v| format!(" {}", v.describe()))
                .unwrap_or_default()
        ),
        FacetKind::Property {
            set,
            name,
            value,
            data_type,
        } => format!(
            "property {}.{}{}{}",
            set.describe(),
            name.describe(),
            data_type
                .as_ref()
                .map(|d| format!(" ({d})"))
                .unwrap_or_default(),
            value.as_ref().map(value_text).unwrap_or_default()
        ),
        FacetKind::Material { value } => format!(
            "material{}",
            value
                .as_ref()
                .map(|v| format!(" {}", v.describe()))
                .unwrap_or_default()
        ),
        FacetKind::PartOf {
            name,
            predefined_type,
            relation,
        } => format!(
            "part of {}{}{}",
            name.describe(),
            predefined_type
                .as_ref()
                .map(|p| format!(" of predefined type {}", p.describe()))
                .unwrap_or_default(),
            relation
                .map(|r| format!(" through {}", r.as_str()))
                .unwrap_or_default()
        ),
    };
    let card = match f.cardinality {
        parse::Cardinality::Required => "",
        parse::Cardinality::Optional => " (optional)",
        parse::Cardinality::Prohibited => " (prohibited)",
    };
    format!("{s}{card}")
}

fn run_spec(g: &Graph, ids: &parse::Ids, spec: &Specification) -> SpecResult {
    let cands = candidates(g, spec);
    g.prefetch(&cands);
    // relationships are needed by most facets: fetch them in one batch
    let needs_relations = spec
        .applicability
        .iter()
        .chain(spec.requirements.iter())
        .any(|f| {
            !matches!(
                f.kind,
                FacetKind::Entity {
                    predefined_type: None,
                    ..
                } | FacetKind::Attribute { .. }
            )
        });
    if needs_relations {
        g.prefetch_inverse(&cands);
    }
    let applicable: Vec<u32> = cands
        .into_iter()
        .filter(|&id| {
            spec.applicability
                .iter()
                .all(|f| facets::applies(g, &f.kind, id))
        })
        .collect();
    let mut findings = Vec::new();
    let mut failed_elements = 0usize;
    let prohibited = spec.max_occurs == Some(0);
    if !prohibited {
        // per requirement, once: its text and citation; and who met it
        let texts: Vec<String> = spec.requirements.iter().map(facet_text).collect();
        let cites: Vec<Citation> = spec
            .requirements
            .iter()
            .map(|r| citation(ids, spec, r.instructions.as_deref()))
            .collect();
        let mut met: Vec<Vec<String>> = vec![Vec::new(); spec.requirements.len()];
        for &id in &applicable {
            let (gid, shown) = label(g, id);
            let mut element_failed = false;
            for (k, req) in spec.requirements.iter().enumerate() {
                match facets::evaluate(g, req, id) {
                    Ok(()) => met[k].push(gid.clone()),
                    Err(why) => {
                        element_failed = true;
                        findings.push(Finding {
                            rule: REQUIREMENT.into(),
                            citation: cites[k].clone(),
                            outcome: Outcome::Violation,
                            elements: vec![gid.clone()],
                            message: format!("{shown}: {}: not met: {why}", texts[k]),
                            measured: None,
                            limit: None,
                        });
                    }
                }
            }
            if element_failed {
                failed_elements += 1;
            }
        }
        // one pass finding per requirement, naming every element that met it
        for ((elements, text), cite) in met.into_iter().zip(texts).zip(cites) {
            if elements.is_empty() {
                continue;
            }
            findings.push(Finding {
                rule: REQUIREMENT.into(),
                citation: cite,
                outcome: Outcome::Pass,
                message: format!("{text}: met by {} applicable element(s)", elements.len()),
                elements,
                measured: None,
                limit: None,
            });
        }
    }
    let n = applicable.len();
    let (outcome, message) = if prohibited {
        if n == 0 {
            (
                Outcome::Pass,
                "prohibited specification: no element matches the applicability".to_owned(),
            )
        } else {
            (
                Outcome::Violation,
                format!("prohibited specification: {n} element(s) match the applicability"),
            )
        }
    } else if n == 0 {
        if spec.min_occurs > 0 {
            (
                Outcome::Violation,
                "required specification: no element matches the applicability".to_owned(),
            )
        } else {
            (
                Outcome::Pass,
                "not applicable: no element matches the applicability (optional specification)"
                    .to_owned(),
            )
        }
    } else if failed_elements > 0 {
        (
            Outcome::Violation,
            format!("{failed_elements} of {n} applicable element(s) fail a requirement"),
        )
    } else {
        (
            Outcome::Pass,
            format!("all {n} applicable element(s) meet every requirement"),
        )
    };
    let elements = if prohibited {
        applicable.iter().map(|&id| label(g, id).0).collect()
    } else {
        Vec::new()
    };
    SpecResult {
        requirement_findings: findings,
        summary: Finding {
            rule: SPECIFICATION.into(),
            citation: citation(ids, spec, spec.requirements_description.as_deref()),
            outcome,
            elements,
            message,
            measured: None,
            limit: None,
        },
    }
}

plancheck_sdk::export_pack!(Pack);
