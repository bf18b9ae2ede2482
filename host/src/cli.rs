//! The `plancheck` command line: a thin shell over [`crate::check`],
//! [`crate::input`] and [`crate::packs`].
//!
//! Exit codes: 0 no violations, 1 violations found, 2 error (bad input, a
//! pack missing or failing).

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};
use plancheck_model::{Model, Outcome};

use crate::check::{self, CheckReport};
use crate::packs::{Pack, Registry};
use crate::report;
use crate::sandbox::{Sandbox, SandboxConfig};

/// Checks building models against building codes.
#[derive(Debug, Parser)]
#[command(name = "plancheck", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// A readable table.
    Table,
    /// JSON with stable field names (docs/cli.md).
    Json,
}

/// Where packs and data live, and the sandbox limits.
#[derive(Debug, Clone, clap::Args)]
pub struct HostArgs {
    /// Directory of installed rule packs (*.wasm components).
    #[arg(long, env = "PLANCHECK_PACKS_DIR", default_value = ".plancheck/packs")]
    pub packs_dir: PathBuf,
    /// Data directory (compiled-pack cache under `compiled/`).
    #[arg(long, env = "PLANCHECK_DATA_DIR", default_value = ".plancheck")]
    pub data_dir: PathBuf,
    /// CPU time limit per pack call, milliseconds.
    #[arg(long, env = "PLANCHECK_CPU_TIME_MS", default_value_t = 5000)]
    pub cpu_time_ms: u64,
    /// Memory limit per pack instance, MiB.
    #[arg(long, env = "PLANCHECK_MEMORY_MIB", default_value_t = 256)]
    pub memory_mib: usize,
}

impl HostArgs {
    /// The sandbox configuration these arguments describe.
    pub fn sandbox_config(&self) -> SandboxConfig {
        SandboxConfig {
            cpu_time: Duration::from_millis(self.cpu_time_ms),
            memory_bytes: self.memory_mib << 20,
            cache_dir: Some(self.data_dir.join("compiled")),
            ..SandboxConfig::default()
        }
    }
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check a model (IFC or JSON) against rule packs.
    Check {
        /// The model file (.ifc or .json).
        model: PathBuf,
        /// Pack id to run; repeat for several.
        #[arg(long = "pack", value_name = "ID")]
        packs: Vec<String>,
        /// Run every pack of this jurisdiction (ISO code, e.g. US, GB-ENG).
        #[arg(long)]
        jurisdiction: Option<String>,
        /// Only these rule ids; repeat for several.
        #[arg(long = "rule", value_name = "ID")]
        rules: Vec<String>,
        /// A pack parameter, `pack-id.name=value`.
        #[arg(long = "param", value_name = "PACK.NAME=VALUE", value_parser = parse_param)]
        params: Vec<(String, String)>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Host settings.
        #[command(flatten)]
        host: HostArgs,
    },
    /// List installed packs and their manifests.
    Packs {
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Host settings.
        #[command(flatten)]
        host: HostArgs,
    },
}

fn parse_param(s: &str) -> Result<(String, String), String> {
    let (k, v) = s
        .split_once('=')
        .ok_or_else(|| format!("`{s}` is not PACK.NAME=VALUE"))?;
    if !k.contains('.') {
        return Err(format!("`{k}` must name the pack: PACK.NAME=VALUE"));
    }
    Ok((k.to_string(), v.to_string()))
}

/// An error for the user, printed as `plancheck: error: ...`, exit 2.
#[derive(Debug)]
pub struct CliError(pub String);

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn open_registry(host: &HostArgs) -> Result<(Sandbox, Registry), CliError> {
    let sandbox = Sandbox::new(host.sandbox_config())
        .map_err(|e| CliError(format!("cannot start the sandbox: {e:#}")))?;
    let registry = Registry::load_dir(&sandbox, &host.packs_dir).map_err(|e| {
        CliError(format!(
            "cannot read the packs directory {}: {e} (build the packs with scripts/build-packs.sh, or pass --packs-dir)",
            host.packs_dir.display()
        ))
    })?;
    Ok((sandbox, registry))
}

fn installed(reg: &Registry) -> String {
    let ids: Vec<&str> = reg.packs().map(|p| p.manifest.id.as_str()).collect();
    if ids.is_empty() {
        "none".into()
    } else {
        ids.join(", ")
    }
}

fn select_packs(
    reg: &Registry,
    host: &HostArgs,
    ids: &[String],
    jurisdiction: Option<&str>,
) -> Result<Vec<Arc<Pack>>, CliError> {
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
                    host.packs_dir.display(),
                    installed(reg)
                );
                for f in reg.failures() {
                    msg.push_str(&format!(
                        "\n  not loaded: {}: {}",
                        f.path.display(),
                        f.error
                    ));
                }
                return Err(CliError(msg));
            }
        }
    }
    if let Some(j) = jurisdiction {
        let found = reg.for_jurisdiction(j);
        if found.is_empty() {
            return Err(CliError(format!(
                "no pack for jurisdiction `{j}`; installed: {}",
                installed(reg)
            )));
        }
        for p in found {
            if !out.iter().any(|q| q.manifest.id == p.manifest.id) {
                out.push(p);
            }
        }
    }
    if out.is_empty() {
        return Err(CliError(format!(
            "name at least one --pack or a --jurisdiction; installed: {}",
            installed(reg)
        )));
    }
    Ok(out)
}

/// Runs the CLI; returns the process exit code.
pub fn run(cli: Cli, out: &mut dyn Write) -> Result<i32, CliError> {
    match cli.command {
        Command::Packs { format, host } => {
            let (_sandbox, reg) = open_registry(&host)?;
            let packs: Vec<Arc<Pack>> = reg.packs().cloned().collect();
            let text = match format {
                Format::Json => report::packs_json(&packs, reg.failures()),
                Format::Table => report::packs_table(&packs, reg.failures()),
            };
            write_out(out, &text)?;
            Ok(if reg.failures().is_empty() { 0 } else { 2 })
        }
        Command::Check {
            model,
            packs,
            jurisdiction,
            rules,
            params,
            format,
            host,
        } => {
            let (sandbox, reg) = open_registry(&host)?;
            let selected = select_packs(&reg, &host, &packs, jurisdiction.as_deref())?;
            check_known_rules(&selected, &rules)?;
            let m: Model = crate::input::load_file(&model).map_err(|e| CliError(e.to_string()))?;
            let m = Arc::new(m);
            let rep: CheckReport = check::run(&sandbox, &selected, m.clone(), &rules, &params);
            let text = match format {
                Format::Json => report::check_json(&model.display().to_string(), &rep),
                Format::Table => report::check_table(&model.display().to_string(), &rep, &m),
            };
            write_out(out, &text)?;
            Ok(if rep.has_errors() {
                2
            } else if rep.count(Outcome::Violation) > 0 {
                1
            } else {
                0
            })
        }
    }
}

fn check_known_rules(packs: &[Arc<Pack>], rules: &[String]) -> Result<(), CliError> {
    for r in rules {
        if !packs
            .iter()
            .any(|p| p.manifest.rules.iter().any(|x| &x.id == r))
        {
            return Err(CliError(format!(
                "no selected pack has a rule `{r}`; see `plancheck packs` for rule ids"
            )));
        }
    }
    Ok(())
}

fn write_out(out: &mut dyn Write, text: &str) -> Result<(), CliError> {
    out.write_all(text.as_bytes())
        .and_then(|_| out.flush())
        .map_err(|e| CliError(format!("cannot write output: {e}")))
}
