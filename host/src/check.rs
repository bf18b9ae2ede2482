//! Running packs over a model: the library core behind `plancheck check`
//! (and, later, the HTTP and WebSocket handlers).

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use plancheck_model::{CheckOptions, Finding, Model, Outcome};
use serde::Serialize;

use crate::packs::{Pack, Registry};
use crate::sandbox::Sandbox;

/// The result of one pack on one model.
#[derive(Debug, Clone, Serialize)]
pub struct PackReport {
    /// Pack id.
    pub pack: String,
    /// Pack version.
    pub version: String,
    /// Code and edition, e.g. `IBC 2021`.
    pub code: String,
    /// SHA-256 of the component.
    pub digest: String,
    /// Findings, when the pack ran.
    pub findings: Vec<Finding>,
    /// Why the pack could not check, when it failed (the other packs' results stand).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The error's short label (`cpu_time`, `memory`, ...; see
    /// [`crate::sandbox::PluginError::label`]); not serialised.
    #[serde(skip)]
    pub error_kind: Option<&'static str>,
    /// Time spent, milliseconds.
    pub millis: f64,
}

impl PackReport {
    /// `ok`, or the error's label: the `outcome` of metrics and spans.
    pub fn outcome(&self) -> &'static str {
        match (&self.error, self.error_kind) {
            (None, _) => "ok",
            (Some(_), Some(k)) => k,
            (Some(_), None) => "error",
        }
    }
}

/// The result of checking a model against packs.
#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    /// IFC schema of the model.
    pub schema: String,
    /// How many elements the model has.
    pub elements: usize,
    /// Warnings raised while reading the model.
    pub model_warnings: Vec<String>,
    /// One entry per pack, in the order asked.
    pub packs: Vec<PackReport>,
}

impl CheckReport {
    /// Number of findings with this outcome across all packs.
    pub fn count(&self, outcome: Outcome) -> usize {
        self.packs
            .iter()
            .flat_map(|p| &p.findings)
            .filter(|f| f.outcome == outcome)
            .count()
    }

    /// Whether any pack failed to check.
    pub fn has_errors(&self) -> bool {
        self.packs.iter().any(|p| p.error.is_some())
    }
}

/// Per-pack options: `rules` applies to every pack (each pack gets the ids
/// it knows), `parameters` are keyed `pack-id.name`.
pub fn options_for(pack: &Pack, rules: &[String], parameters: &[(String, String)]) -> CheckOptions {
    let known: Vec<&str> = pack.manifest.rules.iter().map(|r| r.id.as_str()).collect();
    let prefix = format!("{}.", pack.manifest.id);
    CheckOptions {
        rules: rules
            .iter()
            .filter(|r| known.contains(&r.as_str()))
            .cloned()
            .collect(),
        parameters: parameters
            .iter()
            .filter_map(|(k, v)| k.strip_prefix(&prefix).map(|k| (k.to_string(), v.clone())))
            .collect(),
    }
}

/// Runs each pack on the model, in parallel, each in its own sandboxed
/// instance. A failing pack becomes an error entry; the rest still run.
pub fn run(
    sandbox: &Arc<Sandbox>,
    packs: &[Arc<Pack>],
    model: Arc<Model>,
    rules: &[String],
    parameters: &[(String, String)],
) -> CheckReport {
    run_streaming(sandbox, packs, model, rules, parameters, Arc::new(|_| {}))
}

/// Called with each pack's report as soon as that pack finishes, from the
/// thread the pack ran on.
pub type OnPackReport = Arc<dyn Fn(&PackReport) + Send + Sync>;

/// As [`run`], calling `on_pack` with each pack's report as soon as that
/// pack finishes (live sessions stream these). Each pack call runs inside a
/// `pack.check` span recording the pack id and version, the element count,
/// the outcome and the duration.
///
/// The first pack runs on the calling thread and every other pack on a
/// thread of its own, so a slow pack delays no other. Those threads come
/// from tokio's blocking pool when the caller is inside a tokio runtime
/// (the server: a warm pool thread, no thread start per check), else they
/// are started for the call (the CLI, which checks once).
pub fn run_streaming(
    sandbox: &Arc<Sandbox>,
    packs: &[Arc<Pack>],
    model: Arc<Model>,
    rules: &[String],
    parameters: &[(String, String)],
    on_pack: OnPackReport,
) -> CheckReport {
    let elements = model.elements().len();
    let parent = tracing::Span::current();
    let job = |i: usize| {
        let pack = packs[i].clone();
        let model = model.clone();
        let parent = parent.clone();
        let sandbox = sandbox.clone();
        let on_pack = on_pack.clone();
        let opts = options_for(&pack, rules, parameters);
        move || {
            let t = Instant::now();
            let span = parent.in_scope(|| {
                crate::telemetry::pack_span(&pack.manifest.id, &pack.manifest.version, elements)
            });
            let _g = span.enter();
            let (res, _stats) = sandbox.check(&pack.code, model, &opts);
            let rep = report(&pack, res, t.elapsed());
            crate::telemetry::record_pack_outcome(
                &span,
                rep.outcome(),
                t.elapsed(),
                Some(rep.findings.len()),
            );
            on_pack(&rep);
            (i, rep)
        }
    };
    let (tx, rx) = std::sync::mpsc::channel();
    for i in 1..packs.len() {
        let (tx, run) = (tx.clone(), job(i));
        // A panic (or no thread to run on) drops `tx` unsent: that pack is
        // reported below.
        crate::workers::spawn(move || {
            let _ = tx.send(run());
        });
    }
    let mut reports: Vec<Option<PackReport>> = packs.iter().map(|_| None).collect();
    if !packs.is_empty() {
        let run = job(0);
        // A panic leaves its entry empty: reported below, as for the others.
        if let Ok((i, rep)) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(run)) {
            reports[i] = Some(rep);
        }
    }
    drop(tx);
    for (i, rep) in rx {
        reports[i] = Some(rep);
    }
    let reports = reports
        .into_iter()
        .zip(packs)
        .map(|(r, pack)| r.unwrap_or_else(|| host_panic(pack, &*on_pack)))
        .collect();
    CheckReport {
        schema: model.schema().to_string(),
        elements: model.elements().len(),
        model_warnings: model.warnings().to_vec(),
        packs: reports,
    }
}

/// The report of a pack whose host thread panicked (a bug in the host, not
/// the pack: the sandbox catches the pack's own failures).
fn host_panic(pack: &Pack, on_pack: &(dyn Fn(&PackReport) + Send + Sync)) -> PackReport {
    let rep = report(
        pack,
        Err(crate::sandbox::PluginError::Host {
            plugin: pack.manifest.id.clone(),
            detail: "host thread panicked".into(),
        }),
        Duration::ZERO,
    );
    on_pack(&rep);
    rep
}

fn report(
    pack: &Pack,
    res: Result<Vec<Finding>, crate::sandbox::PluginError>,
    took: Duration,
) -> PackReport {
    let (findings, error, error_kind) = match res {
        Ok(f) => (f, None, None),
        Err(e) => (Vec::new(), Some(e.to_string()), Some(e.label())),
    };
    PackReport {
        pack: pack.manifest.id.clone(),
        version: pack.manifest.version.clone(),
        code: format!("{} {}", pack.manifest.code, pack.manifest.edition),
        digest: pack.code.digest().to_string(),
        findings,
        error,
        error_kind,
        millis: took.as_secs_f64() * 1000.0,
    }
}

/// A `pack-id.name=value` parameter, split at the first `=`.
pub fn parse_param(s: &str) -> Result<(String, String), String> {
    let (k, v) = s
        .split_once('=')
        .ok_or_else(|| format!("`{s}` is not PACK.NAME=VALUE"))?;
    if !k.contains('.') {
        return Err(format!("`{k}` must name the pack: PACK.NAME=VALUE"));
    }
    Ok((k.to_string(), v.to_string()))
}

/// What is wrong with a pack/rule selection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SelectionErrorKind {
    /// A pack id that is not installed.
    UnknownPack,
    /// A jurisdiction no installed pack covers.
    UnknownJurisdiction,
    /// Neither a pack nor a jurisdiction named.
    NothingSelected,
    /// A rule id no selected pack has.
    UnknownRule,
}

/// Why a selection of packs and rules cannot run; `message` is for people.
#[derive(Debug, Clone)]
pub struct SelectionError {
    /// What kind of problem.
    pub kind: SelectionErrorKind,
    /// What is wrong, naming the id and what is installed.
    pub message: String,
}

fn installed(reg: &Registry) -> String {
    let ids: Vec<&str> = reg.packs().map(|p| p.manifest.id.as_str()).collect();
    if ids.is_empty() {
        "none".into()
    } else {
        ids.join(", ")
    }
}

/// The packs named by `ids` (comma-separated allowed) and `jurisdiction`,
/// in the order asked, without duplicates. `packs_dir` is named in messages.
pub fn select_packs(
    reg: &Registry,
    packs_dir: &Path,
    ids: &[String],
    jurisdiction: Option<&str>,
) -> Result<Vec<Arc<Pack>>, SelectionError> {
    let err = |kind, message| SelectionError { kind, message };
    let mut out: Vec<Arc<Pack>> = Vec::new();
    for id in ids
        .iter()
        .flat_map(|s| s.split(','))
        .filter(|s| !s.is_empty())
    {
        match reg.get(id) {
            Some(p) => {
                if !out.iter().any(|q| q.manifest.id == p.manifest.id) {
                    out.push(p)
                }
            }
            None => {
                let mut msg = format!(
                    "no pack `{id}` in {}; installed: {}",
                    packs_dir.display(),
                    installed(reg)
                );
                for f in reg.failures() {
                    msg.push_str(&format!(
                        "\n  not loaded: {}: {}",
                        f.path.display(),
                        f.error
                    ));
                }
                return Err(err(SelectionErrorKind::UnknownPack, msg));
            }
        }
    }
    if let Some(j) = jurisdiction {
        let found = reg.for_jurisdiction(j);
        if found.is_empty() {
            return Err(err(
                SelectionErrorKind::UnknownJurisdiction,
                format!(
                    "no pack for jurisdiction `{j}`; installed: {}",
                    installed(reg)
                ),
            ));
        }
        for p in found {
            if !out.iter().any(|q| q.manifest.id == p.manifest.id) {
                out.push(p);
            }
        }
    }
    if out.is_empty() {
        return Err(err(
            SelectionErrorKind::NothingSelected,
            format!(
                "name at least one --pack or a --jurisdiction; installed: {}",
                installed(reg)
            ),
        ));
    }
    Ok(out)
}

/// Every rule id must belong to at least one selected pack.
pub fn check_known_rules(packs: &[Arc<Pack>], rules: &[String]) -> Result<(), SelectionError> {
    for r in rules {
        if !packs
            .iter()
            .any(|p| p.manifest.rules.iter().any(|x| &x.id == r))
        {
            return Err(SelectionError {
                kind: SelectionErrorKind::UnknownRule,
                message: format!(
                    "no selected pack has a rule `{r}`; see `plancheck packs` for rule ids"
                ),
            });
        }
    }
    Ok(())
}
