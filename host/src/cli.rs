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
use crate::config::{self, Config};
use crate::packs::{Pack, Registry};
use crate::report;
use crate::sandbox::{Sandbox, SandboxConfig};

pub mod pack;

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
    #[arg(long, env = "PLANCHECK_PACKS_DIR", default_value = config::DEFAULT_PACKS_DIR)]
    pub packs_dir: PathBuf,
    /// Data directory (compiled-pack cache under `compiled/`).
    #[arg(long, env = "PLANCHECK_DATA_DIR", default_value = config::DEFAULT_DATA_DIR)]
    pub data_dir: PathBuf,
    /// CPU time limit per pack call, milliseconds.
    #[arg(long, env = "PLANCHECK_CPU_TIME_MS", default_value_t = config::DEFAULT_CPU_TIME_MS)]
    pub cpu_time_ms: u64,
    /// Memory limit per pack instance, MiB.
    #[arg(long, env = "PLANCHECK_MEMORY_MIB", default_value_t = config::DEFAULT_MEMORY_MIB)]
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

/// `plancheck serve` flags: each overrides the configuration file and the
/// environment (docs/configuration.md).
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ServeArgs {
    /// TOML configuration file (also PLANCHECK_CONFIG).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Address to listen on, e.g. 127.0.0.1:8080 (port 0 picks a free one).
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<std::net::SocketAddr>,
    /// Directory of installed rule packs.
    #[arg(long)]
    pub packs_dir: Option<PathBuf>,
    /// Data directory.
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// CPU time limit per pack call, milliseconds.
    #[arg(long)]
    pub cpu_time_ms: Option<u64>,
    /// Memory limit per pack instance, MiB.
    #[arg(long)]
    pub memory_mib: Option<usize>,
    /// Largest accepted request body, bytes.
    #[arg(long)]
    pub max_body_bytes: Option<usize>,
    /// How many checks may run at once.
    #[arg(long)]
    pub max_concurrent_checks: Option<usize>,
    /// Bound on a whole request, milliseconds.
    #[arg(long)]
    pub request_timeout_ms: Option<u64>,
    /// Cache results (`true`/`false`; `[cache] enabled`).
    #[arg(long, value_name = "BOOL")]
    pub cache_enabled: Option<bool>,
}

impl ServeArgs {
    /// The configuration: defaults, file, environment, then these flags.
    pub fn config(&self) -> Result<Config, config::ConfigError> {
        let mut c = Config::load(self.config.as_deref(), |k| std::env::var(k).ok())?;
        if let Some(v) = self.listen {
            c.listen = v;
        }
        if let Some(v) = &self.packs_dir {
            c.packs_dir = v.clone();
        }
        if let Some(v) = &self.data_dir {
            c.data_dir = v.clone();
        }
        if let Some(v) = self.cpu_time_ms {
            c.cpu_time_ms = v;
        }
        if let Some(v) = self.memory_mib {
            c.memory_mib = v;
        }
        if let Some(v) = self.max_body_bytes {
            c.max_body_bytes = v;
        }
        if let Some(v) = self.max_concurrent_checks {
            c.max_concurrent_checks = v;
        }
        if let Some(v) = self.request_timeout_ms {
            c.request_timeout_ms = v;
        }
        if let Some(v) = self.cache_enabled {
            c.cache.enabled = v;
        }
        Ok(c)
    }
}

/// `plancheck token` flags (docs/auth.md).
#[derive(Debug, Clone, clap::Args)]
pub struct TokenArgs {
    /// The token's role: admin, publisher, client or viewer.
    #[arg(long)]
    pub role: crate::auth::Role,
    /// The token's subject: the user or client id.
    #[arg(long)]
    pub sub: String,
    /// The publisher's jurisdiction (ISO code, e.g. US, GB-ENG); required
    /// for --role publisher, refused for other roles.
    #[arg(long)]
    pub jurisdiction: Option<String>,
    /// Lifetime in seconds (default: auth.token_ttl_secs, one day).
    #[arg(long, value_name = "N")]
    pub ttl_secs: Option<u64>,
    /// TOML configuration file (also PLANCHECK_CONFIG), as for `serve`.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Data directory (where the development signing key lives).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
}

impl TokenArgs {
    /// Mints the token with the configuration `serve` would use.
    pub fn mint(&self) -> Result<String, CliError> {
        let serve = ServeArgs {
            config: self.config.clone(),
            data_dir: self.data_dir.clone(),
            ..ServeArgs::default()
        };
        let cfg = serve.config().map_err(|e| CliError(e.to_string()))?;
        let auth = crate::auth::Authenticator::new(&cfg.auth, &cfg.data_dir)
            .map_err(|e| CliError(e.to_string()))?;
        if let (Some(p), true) = (auth.dev_key(), auth.dev_key_generated()) {
            eprintln!(
                "plancheck: generated the development signing key {}",
                p.display()
            );
        }
        let ttl = self
            .ttl_secs
            .map(Duration::from_secs)
            .unwrap_or(auth.token_ttl());
        auth.mint(&self.sub, self.role, self.jurisdiction.as_deref(), ttl)
            .map_err(|e| CliError(e.to_string()))
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
        #[arg(long = "param", value_name = "PACK.NAME=VALUE", value_parser = check::parse_param)]
        params: Vec<(String, String)>,
        /// An IDS 1.0 file (buildingSMART Information Delivery
        /// Specification): runs the `ids` pack with it (docs/ids.md).
        #[arg(long, value_name = "FILE")]
        ids: Option<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Host settings.
        #[command(flatten)]
        host: HostArgs,
    },
    /// Serve the HTTP API (docs/api.md); configuration in docs/configuration.md.
    Serve(ServeArgs),
    /// Mint a bearer token for `plancheck serve` (docs/auth.md); prints it.
    Token(TokenArgs),
    /// Keys, signed artifacts: keygen, sign, verify, inspect (docs/publishing.md).
    Pack {
        /// What to do.
        #[command(subcommand)]
        command: pack::PackCommand,
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

/// Set by [`main`]: the process exits when [`run`] returns, so large
/// structures may be left to the OS instead of being freed.
static EXITS_AFTER_RUN: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Runs the CLI; returns the process exit code.
pub fn run(cli: Cli, out: &mut dyn Write) -> Result<i32, CliError> {
    match cli.command {
        Command::Token(args) => {
            let token = args.mint()?;
            write_out(out, &format!("{token}\n"))?;
            Ok(0)
        }
        Command::Pack { command } => pack::run(command, out),
        Command::Serve(args) => {
            let cfg = args.config().map_err(|e| CliError(e.to_string()))?;
            crate::server::serve(cfg, out).map_err(|e| CliError(format!("{e:#}")))?;
            Ok(0)
        }
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
            mut params,
            ids,
            format,
            host,
        } => {
            let mut packs = packs;
            if let Some(path) = &ids {
                let xml = std::fs::read_to_string(path).map_err(|e| {
                    CliError(format!("cannot read the IDS file {}: {e}", path.display()))
                })?;
                params.push(("ids.ids".into(), xml));
                packs.push("ids".into());
            }
            // The model loads on a second thread while the packs are opened
            // (loading compiled code from the cache); errors are reported in
            // the same order as if one came after the other.
            let (sandbox, selected, m) = std::thread::scope(|s| {
                let loading = s.spawn(|| crate::input::load_file(&model));
                let packs = open_registry(&host).and_then(|(sandbox, reg)| {
                    let selected =
                        check::select_packs(&reg, &host.packs_dir, &packs, jurisdiction.as_deref())
                            .map_err(|e| CliError(e.message))?;
                    check::check_known_rules(&selected, &rules).map_err(|e| CliError(e.message))?;
                    Ok((sandbox, selected))
                });
                let loaded = loading
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                let (sandbox, selected) = packs?;
                let m: Model = loaded.map_err(|e| CliError(e.to_string()))?;
                Ok::<_, CliError>((sandbox, selected, m))
            })?;
            let m = Arc::new(m);
            let sandbox = Arc::new(sandbox);
            let rep: CheckReport = check::run(&sandbox, &selected, m.clone(), &rules, &params);
            let text = match format {
                Format::Json => report::check_json(&model.display().to_string(), &rep),
                Format::Table => report::check_table(&model.display().to_string(), &rep, &m),
            };
            write_out(out, &text)?;
            let code = if rep.has_errors() {
                2
            } else if rep.count(Outcome::Violation) > 0 {
                1
            } else {
                0
            };
            if EXITS_AFTER_RUN.load(std::sync::atomic::Ordering::Relaxed) {
                // The process ends now: freeing the model, its graph, the
                // report and the sandbox's pools one allocation at a time
                // would only delay the exit (~20 ms on a 10,000-element
                // model); the OS takes the memory back at once.
                std::mem::forget((m, rep, text, selected, sandbox));
            }
            Ok(code)
        }
    }
}

pub(crate) fn write_out(out: &mut dyn Write, text: &str) -> Result<(), CliError> {
    out.write_all(text.as_bytes())
        .and_then(|_| out.flush())
        .map_err(|e| CliError(format!("cannot write output: {e}")))
}

/// The `plancheck` program: parses arguments, logs to stderr
/// (`PLANCHECK_LOG`, default `warn`; `serve` logs as configured), runs,
/// and returns the exit code, which the caller must exit with at once
/// (`plancheck check` leaves its large structures to the OS). The binary's
/// `main` is only this.
pub fn main() -> i32 {
    let cli = Cli::parse();
    // `serve` installs its own subscriber (structured logs, OTLP).
    if !matches!(cli.command, Command::Serve(_)) {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(
                tracing_subscriber::EnvFilter::try_from_env("PLANCHECK_LOG")
                    .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
            )
            .with_writer(std::io::stderr)
            .try_init();
    }
    EXITS_AFTER_RUN.store(true, std::sync::atomic::Ordering::Relaxed);
    // Not `stdout().lock()`: `serve` logs to stdout from other threads.
    match run(cli, &mut std::io::stdout()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("plancheck: error: {e}");
            2
        }
    }
}
