//! Rendering check results and pack lists as tables (people) and JSON
//! (machines; field names documented in docs/cli.md and kept stable).

use std::fmt::Write;
use std::sync::Arc;

use plancheck_model::{Finding, Model, Outcome};
use serde::Serialize;
use serde_json::json;

use crate::check::{CheckReport, PackReport};
use crate::packs::registry::LoadFailure;
use crate::packs::Pack;

/// Version of the JSON output format.
pub const JSON_FORMAT_VERSION: &str = "1";

/// The JSON form of a check result: `plancheck check --format json` and the
/// `report` of a stored validation. Serialised straight from the report
/// (no intermediate `serde_json::Value`: building one was most of the JSON
/// cost of a cold check, docs/performance.md).
#[derive(Serialize)]
struct ReportJson<'a> {
    format: &'static str,
    model: ModelJson<'a>,
    packs: &'a [PackReport],
    summary: SummaryJson,
}

#[derive(Serialize)]
struct ModelJson<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<&'a str>,
    schema: &'a str,
    elements: usize,
    warnings: &'a [String],
}

#[derive(Serialize)]
struct SummaryJson {
    violation: usize,
    warning: usize,
    #[serde(rename = "not-assessable")]
    not_assessable: usize,
    pass: usize,
    #[serde(rename = "pack-errors")]
    pack_errors: usize,
}

fn report_for<'a>(model_file: Option<&'a str>, rep: &'a CheckReport) -> ReportJson<'a> {
    ReportJson {
        format: JSON_FORMAT_VERSION,
        model: ModelJson {
            file: model_file,
            schema: &rep.schema,
            elements: rep.elements,
            warnings: &rep.model_warnings,
        },
        packs: &rep.packs,
        summary: SummaryJson {
            violation: rep.count(Outcome::Violation),
            warning: rep.count(Outcome::Warning),
            not_assessable: rep.count(Outcome::NotAssessable),
            pass: rep.count(Outcome::Pass),
            pack_errors: rep.packs.iter().filter(|p| p.error.is_some()).count(),
        },
    }
}

/// The check result as pretty JSON, naming the model file (the CLI's output).
pub fn check_json(model_file: &str, rep: &CheckReport) -> String {
    let mut s =
        serde_json::to_string_pretty(&report_for(Some(model_file), rep)).expect("serialisable");
    s.push('\n');
    s
}

/// The check result as compact JSON without a file name: the `report` of a
/// validation, stored and cached as these bytes.
pub fn report_json(rep: &CheckReport) -> String {
    serde_json::to_string(&report_for(None, rep)).expect("serialisable")
}

/// One pack's part of [`report_json`]: its report as compact JSON. The
/// service makes it on the pack's own thread as the pack finishes, while
/// the other packs still run, and [`report_json_from_parts`] puts the parts
/// together.
pub fn pack_json(p: &PackReport) -> String {
    serde_json::to_string(p).expect("serialisable")
}

/// [`report_json`], byte for byte, with the packs' parts made beforehand by
/// [`pack_json`]: `parts[i]` is that of `rep.packs[i]`, or `None` to make it
/// here.
pub fn report_json_from_parts(rep: &CheckReport, parts: &[Option<String>]) -> String {
    fn ser<T: Serialize>(v: &T) -> String {
        serde_json::to_string(v).expect("serialisable")
    }
    let r = report_for(None, rep);
    let known: usize = parts.iter().flatten().map(String::len).sum();
    let mut s = String::with_capacity(known + 1024);
    // The fields in `ReportJson`'s order.
    s.push_str("{\"format\":");
    s.push_str(&ser(&r.format));
    s.push_str(",\"model\":");
    s.push_str(&ser(&r.model));
    s.push_str(",\"packs\":[");
    for (i, p) in rep.packs.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        match parts.get(i).and_then(Option::as_deref) {
            Some(part) => s.push_str(part),
            None => s.push_str(&pack_json(p)),
        }
    }
    s.push_str("],\"summary\":");
    s.push_str(&ser(&r.summary));
    s.push('}');
    s
}

fn severity(o: Outcome) -> u8 {
    match o {
        Outcome::Violation => 0,
        Outcome::Warning => 1,
        Outcome::NotAssessable => 2,
        Outcome::Pass => 3,
    }
}

fn element_label(model: &Model, f: &Finding) -> String {
    f.elements
        .iter()
        .map(|id| match model.get(id).and_then(|e| e.name.as_deref()) {
            Some(n) => format!("{n} ({id})"),
            None => id.clone(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The check result as a readable table.
pub fn check_table(model_file: &str, rep: &CheckReport, model: &Model) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Model {model_file}: {}, {} elements",
        rep.schema, rep.elements
    );
    for w in rep.model_warnings.iter().take(10) {
        let _ = writeln!(s, "  model warning: {w}");
    }
    if rep.model_warnings.len() > 10 {
        let _ = writeln!(
            s,
            "  ... {} more model warnings",
            rep.model_warnings.len() - 10
        );
    }
    for p in &rep.packs {
        let _ = writeln!(s, "\n{} {} ({})", p.pack, p.version, p.code);
        if let Some(e) = &p.error {
            let _ = writeln!(s, "  ERROR: {e}");
            continue;
        }
        if p.findings.is_empty() {
            let _ = writeln!(
                s,
                "  no findings (nothing this pack checks is in the model)"
            );
            continue;
        }
        let mut fs: Vec<&Finding> = p.findings.iter().collect();
        fs.sort_by_key(|f| (severity(f.outcome), f.rule.clone()));
        let rows: Vec<[String; 5]> = fs
            .iter()
            .map(|f| {
                [
                    f.outcome.to_string(),
                    f.rule.clone(),
                    f.citation.to_string(),
                    element_label(model, f),
                    f.message.clone(),
                ]
            })
            .collect();
        let head = ["OUTCOME", "RULE", "CITATION", "ELEMENT", "MESSAGE"];
        let mut w = [0usize; 4];
        for r in rows.iter().map(|r| r.each_ref().map(|c| c.chars().count())) {
            for i in 0..4 {
                w[i] = w[i].max(r[i]);
            }
        }
        for (i, h) in head.iter().take(4).enumerate() {
            w[i] = w[i].max(h.len());
        }
        let line = |s: &mut String, r: [&str; 5]| {
            let _ = writeln!(
                s,
                "  {:<w0$}  {:<w1$}  {:<w2$}  {:<w3$}  {}",
                r[0],
                r[1],
                r[2],
                r[3],
                r[4],
                w0 = w[0],
                w1 = w[1],
                w2 = w[2],
                w3 = w[3]
            );
        };
        line(&mut s, head);
        for r in &rows {
            line(&mut s, r.each_ref().map(String::as_str));
        }
    }
    let _ = writeln!(
        s,
        "\nSummary: {} violations, {} warnings, {} not assessable, {} passed; {} pack(s){}",
        rep.count(Outcome::Violation),
        rep.count(Outcome::Warning),
        rep.count(Outcome::NotAssessable),
        rep.count(Outcome::Pass),
        rep.packs.len(),
        match rep.packs.iter().filter(|p| p.error.is_some()).count() {
            0 => String::new(),
            n => format!(", {n} failed"),
        }
    );
    s
}

/// Installed packs as JSON.
pub fn packs_json(packs: &[Arc<Pack>], failures: &[LoadFailure]) -> String {
    let v = json!({
        "format": JSON_FORMAT_VERSION,
        "packs": packs.iter().map(|p| json!({
            "manifest": p.manifest,
            "digest": p.code.digest(),
            "path": p.path.display().to_string(),
        })).collect::<Vec<_>>(),
        "failures": failures.iter().map(|f| json!({
            "path": f.path.display().to_string(),
            "error": f.error.to_string(),
        })).collect::<Vec<_>>(),
    });
    let mut s = serde_json::to_string_pretty(&v).expect("serialisable");
    s.push('\n');
    s
}

/// Installed packs as a table.
pub fn packs_table(packs: &[Arc<Pack>], failures: &[LoadFailure]) -> String {
    let mut s = String::new();
    if packs.is_empty() {
        let _ = writeln!(s, "No packs installed.");
    }
    for p in packs {
        let m = &p.manifest;
        let _ = writeln!(
            s,
            "{} {} — {} ({} {}, jurisdiction {}, contract {})",
            m.id, m.version, m.name, m.code, m.edition, m.jurisdiction, m.contract
        );
        let _ = writeln!(s, "  digest sha256:{}", p.code.digest());
        let cites: Vec<String> = m.rules.iter().map(|r| r.citation.to_string()).collect();
        let wid = m
            .rules
            .iter()
            .map(|r| r.id.chars().count())
            .max()
            .unwrap_or(0);
        let wcite = cites.iter().map(|c| c.chars().count()).max().unwrap_or(0);
        for (r, cite) in m.rules.iter().zip(&cites) {
            let _ = writeln!(s, "  {:<wid$}  {:<wcite$}  {}", r.id, cite, r.title);
        }
    }
    for f in failures {
        let _ = writeln!(s, "NOT LOADED {}: {}", f.path.display(), f.error);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use plancheck_model::{Citation, Measure, MeasureKind};

    fn finding(rule: &str, outcome: Outcome, message: &str) -> Finding {
        Finding {
            rule: rule.into(),
            citation: Citation::new("IBC", "2021", "1011.5.2"),
            outcome,
            elements: vec!["2O2Fr$t4X7Zf8NOew3FLOH".into()],
            message: message.into(),
            measured: Some(Measure {
                kind: MeasureKind::Length,
                si: 0.19,
            }),
            limit: None,
        }
    }

    fn pack(id: &str, findings: Vec<Finding>, error: Option<&str>) -> PackReport {
        PackReport {
            pack: id.into(),
            version: "0.1.0".into(),
            code: "IBC 2021".into(),
            digest: "sha256:ab".into(),
            findings,
            error: error.map(str::to_string),
            error_kind: None,
            millis: 1.25,
        }
    }

    fn report(packs: Vec<PackReport>) -> CheckReport {
        CheckReport {
            schema: "IFC4".into(),
            elements: 1007,
            model_warnings: vec!["line 12: \"quoted\" and \\ escaped\n".into()],
            packs,
        }
    }

    /// Whatever parts were made beforehand, the bytes are those of
    /// `report_json`.
    #[test]
    fn a_report_from_parts_is_the_report() {
        let reports = [
            report(vec![]),
            report(vec![pack(
                "us-ibc-2021",
                vec![
                    finding(
                        "riser",
                        Outcome::Violation,
                        "190 mm (7.48 in) > 178 mm (7 in)",
                    ),
                    finding("tread", Outcome::Pass, "üñí \u{1F6AA} \"door\""),
                ],
                None,
            )]),
            report(vec![
                pack(
                    "us-ibc-2021",
                    vec![finding("a", Outcome::Warning, "w")],
                    None,
                ),
                pack(
                    "us-irc-2021",
                    vec![],
                    Some("the pack ran out of time (cpu_time)"),
                ),
                pack(
                    "uk-adk-2013",
                    vec![finding("b", Outcome::NotAssessable, "")],
                    None,
                ),
            ]),
        ];
        for rep in &reports {
            let want = report_json(rep);
            let all: Vec<Option<String>> = rep.packs.iter().map(|p| Some(pack_json(p))).collect();
            assert_eq!(report_json_from_parts(rep, &all), want);
            assert_eq!(report_json_from_parts(rep, &[]), want);
            let some: Vec<Option<String>> = all
                .iter()
                .enumerate()
                .map(|(i, p)| p.clone().filter(|_| i % 2 == 1))
                .collect();
            assert_eq!(report_json_from_parts(rep, &some), want);
            // and it is JSON
            serde_json::from_str::<serde_json::Value>(&want).unwrap();
        }
    }
}
