//! The sandbox: one wasmtime [`Engine`] for every plugin, configured the way
//! wasmtime's `fast_instantiation` and `epochs` examples do it.
//!
//! * Components are compiled once (and cached on disk by content digest and
//!   engine compatibility, see [`crate::packs::compile_cache`]), then
//!   pre-instantiated (`RulePackPre` of the contract version the pack targets).
//! * Every call gets a fresh [`Store`] from the pooling allocator, an epoch
//!   deadline (CPU time), a memory cap (store limiter) and, if configured,
//!   fuel. Nothing survives between calls.
//! * WASI p2 is linked deny-by-default: no preopened directories unless the
//!   configuration grants a pack a read-only data directory, no environment,
//!   no arguments, no inherited stdio, no network (every socket address is
//!   refused and name lookup is off).
//! * Any failure of a plugin is a [`PluginError`] for that plugin; the
//!   engine, and every other plugin, carries on.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use plancheck_model as pm;
use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{
    Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig, ResourceLimiter, Store,
    Trap,
};
use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

use crate::bindings::{self, v0_1, v0_2, ModelHandle};

/// How often the epoch advances; CPU deadlines are multiples of this.
pub const EPOCH_TICK: Duration = Duration::from_millis(5);

/// Limits and knobs of the sandbox. Every field has a sensible default.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// Wall-clock CPU budget of one plugin call (epoch deadline). Default 5 s.
    pub cpu_time: Duration,
    /// Linear-memory cap per plugin instance, bytes. Default 256 MiB.
    pub memory_bytes: usize,
    /// Maximum wasm stack, bytes. Default 512 KiB.
    pub max_wasm_stack: usize,
    /// Fuel per call; `None` (the default) turns fuel metering off.
    pub fuel: Option<u64>,
    /// How many plugin instances may be live at once (pooling allocator slots).
    pub max_instances: u32,
    /// Where compiled artifacts are cached; `None` disables the disk cache.
    pub cache_dir: Option<PathBuf>,
    /// Write `/tmp/perf-<pid>.map` so `perf` can name JIT-compiled plugin
    /// functions (for profiling packs). Off unless the environment variable
    /// `PLANCHECK_PERFMAP` is set when the default is built.
    pub perf_map: bool,
    /// Bytes of each linear memory (and table) the pooling allocator keeps
    /// mapped when an instance ends, resetting them to their initial
    /// contents in place instead of handing them back to the kernel.
    /// Default 16 MiB; 0 gives every page back. Only where the kernel has
    /// `PAGEMAP_SCAN` ([`has_pagemap_scan`]); elsewhere every page goes
    /// back. See [`DEFAULT_KEEP_RESIDENT`].
    pub keep_resident: usize,
}

/// The default of [`SandboxConfig::keep_resident`]: 16 MiB per memory slot.
///
/// Every call gets a fresh instance, so without it each call's first write
/// to every page of its linear memory is a page fault, a copy-on-write
/// fault for pages of the pack's data image, and each of those flushes the
/// TLB of the other cores; at the end of the call `madvise` returns the
/// pages, with another flush. On the 2 vCPU bench machine these faults and
/// the cross-core flushes were about a tenth of a cold check's CPU
/// (docs/performance.md, "Server under load"). With a resident budget the
/// allocator resets only the pages the call dirtied (Linux `PAGEMAP_SCAN`,
/// 6.7 and later; on older kernels the budget is not used, see
/// [`has_pagemap_scan`]), and the next call of the same pack, which reuses
/// its slot, takes no faults. The cost is memory: each slot a pack has used holds the pages
/// it dirtied, up to this budget.
pub const DEFAULT_KEEP_RESIDENT: usize = 16 << 20;

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            cpu_time: Duration::from_secs(5),
            memory_bytes: 256 << 20,
            max_wasm_stack: 512 << 10,
            fuel: None,
            max_instances: 64,
            cache_dir: None,
            perf_map: std::env::var_os("PLANCHECK_PERFMAP").is_some(),
            keep_resident: DEFAULT_KEEP_RESIDENT,
        }
    }
}

/// Whether the kernel has the `PAGEMAP_SCAN` ioctl (Linux 6.7 and later),
/// which lets wasmtime reset only the pages a call dirtied
/// ([`SandboxConfig::keep_resident`]).
pub fn has_pagemap_scan() -> bool {
    if !cfg!(target_os = "linux") {
        return false;
    }
    let Ok(release) = std::fs::read_to_string("/proc/sys/kernel/osrelease") else {
        return false;
    };
    kernel_at_least(&release, (6, 7))
}

/// `release` (e.g. `6.18.2-arch1`) is at least `major.minor`.
fn kernel_at_least(release: &str, (major, minor): (u32, u32)) -> bool {
    let mut parts = release.trim().split(|c: char| !c.is_ascii_digit());
    let num = |p: Option<&str>| p.and_then(|s| s.parse::<u32>().ok());
    match (num(parts.next()), num(parts.next())) {
        (Some(a), Some(b)) => (a, b) >= (major, minor),
        _ => false,
    }
}

/// Why a plugin could not be loaded or a call failed. Every variant names
/// the plugin; none of them affects other plugins or the host.
#[derive(Debug, thiserror::Error)]
pub enum PluginError {
    /// Not a component, or invalid wasm.
    #[error("{plugin}: not a valid WebAssembly component: {detail}")]
    Invalid {
        /// Plugin name (file or id).
        plugin: String,
        /// What wasmtime said.
        detail: String,
    },
    /// Built against a contract version this host does not support.
    #[error(
        "{plugin}: targets contract plancheck:plugin@{found}, but this host supports plancheck:plugin@{supported}; rebuild the plugin with an SDK for {supported}"
    )]
    ContractVersion {
        /// Plugin name.
        plugin: String,
        /// Version the plugin targets.
        found: String,
        /// Versions this host supports.
        supported: String,
    },
    /// Imports something the host does not provide.
    #[error(
        "{plugin}: imports `{import}`, which this host does not provide to plugins (plugins get the plancheck:plugin interfaces and a deny-by-default WASI: no network, no files unless granted)"
    )]
    MissingImport {
        /// Plugin name.
        plugin: String,
        /// The import.
        import: String,
    },
    /// Does not export a rule pack.
    #[error("{plugin}: is not a rule pack: it does not export plancheck:plugin/rules@{supported} (exports: {exports})")]
    NotARulePack {
        /// Plugin name.
        plugin: String,
        /// Supported version.
        supported: String,
        /// What it does export.
        exports: String,
    },
    /// Ran out of CPU time.
    #[error("{plugin}: exceeded its CPU time limit of {limit:?} in `{call}` and was stopped")]
    CpuTime {
        /// Plugin name.
        plugin: String,
        /// The export called.
        call: String,
        /// The limit.
        limit: Duration,
    },
    /// Ran out of fuel.
    #[error("{plugin}: ran out of fuel ({fuel} units) in `{call}` and was stopped")]
    Fuel {
        /// Plugin name.
        plugin: String,
        /// The export called.
        call: String,
        /// The budget.
        fuel: u64,
    },
    /// Tried to grow memory past the cap.
    #[error("{plugin}: exceeded its memory limit of {limit_mib} MiB in `{call}` (asked for {requested_mib} MiB) and was stopped")]
    Memory {
        /// Plugin name.
        plugin: String,
        /// The export called.
        call: String,
        /// The cap, MiB.
        limit_mib: usize,
        /// What it asked for, MiB.
        requested_mib: usize,
    },
    /// Overflowed its stack.
    #[error("{plugin}: overflowed its stack in `{call}` (limit {limit_kib} KiB) and was stopped")]
    StackOverflow {
        /// Plugin name.
        plugin: String,
        /// The export called.
        call: String,
        /// The limit, KiB.
        limit_kib: usize,
    },
    /// Panicked (the SDK reports the panic message through the host log).
    #[error("{plugin}: panicked in `{call}`: {message}")]
    Panic {
        /// Plugin name.
        plugin: String,
        /// The export called.
        call: String,
        /// The panic message.
        message: String,
    },
    /// Any other trap.
    #[error("{plugin}: trapped in `{call}`: {detail}")]
    Trap {
        /// Plugin name.
        plugin: String,
        /// The export called.
        call: String,
        /// The trap and backtrace.
        detail: String,
    },
    /// The pack returned an error instead of findings.
    #[error("{plugin}: refused to check: {error}")]
    Pack {
        /// Plugin name.
        plugin: String,
        /// The pack's error.
        error: pm::PackError,
    },
    /// Returned something the contract does not allow.
    #[error("{plugin}: broke the plugin contract: {detail}")]
    Contract {
        /// Plugin name.
        plugin: String,
        /// What was wrong.
        detail: String,
    },
    /// The host itself failed around the call (cache I/O, instance slots).
    #[error("{plugin}: {detail}")]
    Host {
        /// Plugin name.
        plugin: String,
        /// What failed.
        detail: String,
    },
}

/// Store data of one call.
pub struct CallState {
    wasi: WasiCtx,
    pub(crate) table: ResourceTable,
    limiter: MemoryLimiter,
    logs: Vec<LogLine>,
    plugin: Arc<str>,
}

/// A line a plugin logged during a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    /// Severity.
    pub level: &'static str,
    /// Text.
    pub message: String,
}

impl PluginError {
    /// A short, stable label for metrics and logs (`cpu_time`, `memory`, ...).
    pub fn label(&self) -> &'static str {
        match self {
            PluginError::Invalid { .. } => "invalid",
            PluginError::ContractVersion { .. } => "contract_version",
            PluginError::MissingImport { .. } => "missing_import",
            PluginError::NotARulePack { .. } => "not_a_rule_pack",
            PluginError::CpuTime { .. } => "cpu_time",
            PluginError::Fuel { .. } => "fuel",
            PluginError::Memory { .. } => "memory",
            PluginError::StackOverflow { .. } => "stack_overflow",
            PluginError::Panic { .. } => "panic",
            PluginError::Trap { .. } => "trap",
            PluginError::Pack { .. } => "pack_error",
            PluginError::Contract { .. } => "contract",
            PluginError::Host { .. } => "host",
        }
    }
}

impl WasiView for CallState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl CallState {
    /// The model behind a resource handle.
    pub(crate) fn model(
        &self,
        handle: &wasmtime::component::Resource<ModelHandle>,
    ) -> wasmtime::Result<&pm::Model> {
        Ok(self.table.get(handle)?.as_ref())
    }

    /// Records a log line from the plugin (bounded) and forwards it to tracing.
    pub(crate) fn push_log(&mut self, level: &'static str, message: String) {
        match level {
            "error" => tracing::error!(plugin = %self.plugin, "{message}"),
            "warn" => tracing::warn!(plugin = %self.plugin, "{message}"),
            "info" => tracing::info!(plugin = %self.plugin, "{message}"),
            _ => tracing::debug!(plugin = %self.plugin, "{message}"),
        }
        // Bounded: a plugin cannot grow host memory by logging.
        if self.logs.len() < 100 {
            let mut message = message;
            message.truncate(4096);
            self.logs.push(LogLine { level, message });
        }
    }
}

/// Caps linear memory and remembers a refused growth, so the error can say
/// "memory limit" instead of the guest's own allocation-failure abort.
struct MemoryLimiter {
    cap: usize,
    refused: Option<usize>,
}

impl ResourceLimiter for MemoryLimiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.cap {
            self.refused = Some(desired);
            return Ok(false);
        }
        Ok(true)
    }
    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= 1_000_000)
    }
}

/// Advances the engine's epoch every [`EPOCH_TICK`] until dropped.
struct EpochTicker {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl EpochTicker {
    fn start(engine: Engine) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::Builder::new()
            .name("plancheck-epoch".into())
            .spawn(move || {
                while !flag.load(Ordering::Relaxed) {
                    std::thread::sleep(EPOCH_TICK);
                    engine.increment_epoch();
                }
            })
            .expect("spawn epoch thread");
        EpochTicker {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for EpochTicker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The engine, linker and limits every plugin runs under.
pub struct Sandbox {
    engine: Engine,
    linker: Linker<CallState>,
    config: SandboxConfig,
    _ticker: EpochTicker,
}

/// Grants a plugin a read-only data directory (cap-std preopen).
#[derive(Debug, Clone)]
pub struct DataDir {
    /// Host directory.
    pub host: PathBuf,
    /// Path the plugin sees, e.g. `/data`.
    pub guest: String,
}

/// A pre-instantiated pack of one contract version.
enum Pre {
    V0_1(v0_1::RulePackPre<CallState>),
    V0_2(v0_2::RulePackPre<CallState>),
}

/// An instance of one contract version.
enum Inst {
    V0_1(v0_1::RulePack),
    V0_2(v0_2::RulePack),
}

/// A compiled, pre-instantiated rule pack.
pub struct PackCode {
    name: Arc<str>,
    pre: Pre,
    /// The contract version it targets (one of [`bindings::CONTRACTS`]).
    contract: &'static str,
    digest: String,
    data_dir: Option<DataDir>,
    /// Rule id → citation, from the manifest (findings may omit citations).
    citations: std::sync::OnceLock<Arc<HashMap<String, pm::Citation>>>,
}

impl std::fmt::Debug for PackCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PackCode")
            .field("name", &self.name)
            .field("digest", &self.digest)
            .finish()
    }
}

/// What one call produced besides its result.
#[derive(Debug, Clone)]
pub struct CallStats {
    /// Time to create the store and instantiate.
    pub instantiate: Duration,
    /// Time in the export.
    pub run: Duration,
    /// Lines the plugin logged.
    pub logs: Vec<LogLine>,
}

impl Sandbox {
    /// Builds the engine (pooling allocator, epochs, limits) and the linker.
    pub fn new(config: SandboxConfig) -> wasmtime::Result<Self> {
        let mut pool = PoolingAllocationConfig::default();
        let n = config.max_instances.max(1);
        // Without PAGEMAP_SCAN wasmtime would memset the whole budget on
        // every call, which costs more than the faults it saves.
        let keep = if has_pagemap_scan() {
            config.keep_resident
        } else {
            if config.keep_resident > 0 {
                tracing::info!(
                    "keep_resident_mib has no effect: this kernel has no PAGEMAP_SCAN (Linux 6.7 or later)"
                );
            }
            0
        };
        pool.total_component_instances(n)
            .total_core_instances(n * 8)
            .total_memories(n * 2)
            .total_tables(n * 8)
            .total_stacks(n)
            .max_memories_per_component(4)
            .max_memory_size(config.memory_bytes)
            .linear_memory_keep_resident(keep.min(config.memory_bytes))
            .table_keep_resident(keep.min(1 << 20))
            .pagemap_scan(wasmtime::Enabled::Auto);
        let mut cfg = Config::new();
        cfg.wasm_component_model(true)
            .epoch_interruption(true)
            .consume_fuel(config.fuel.is_some())
            .max_wasm_stack(config.max_wasm_stack)
            .allocation_strategy(InstanceAllocationStrategy::Pooling(pool))
            .cranelift_opt_level(wasmtime::OptLevel::Speed);
        if config.perf_map {
            cfg.profiler(wasmtime::ProfilingStrategy::PerfMap);
        }
        let engine = Engine::new(&cfg)?;
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
        // every contract minor this host serves (bindings::CONTRACTS)
        v0_1::RulePack::add_to_linker::<_, wasmtime::component::HasSelf<_>>(&mut linker, |s| s)?;
        v0_2::RulePack::add_to_linker::<_, wasmtime::component::HasSelf<_>>(&mut linker, |s| s)?;
        let ticker = EpochTicker::start(engine.clone());
        Ok(Sandbox {
            engine,
            linker,
            config,
            _ticker: ticker,
        })
    }

    /// The engine (for compiling and for the cache's compatibility key).
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The configuration in force.
    pub fn config(&self) -> &SandboxConfig {
        &self.config
    }

    /// Compiles (or loads from the disk cache) and pre-instantiates a rule
    /// pack, refusing wrong contract versions and unknown imports with a
    /// message that names them.
    pub fn load_pack(
        &self,
        name: &str,
        bytes: &[u8],
        data_dir: Option<DataDir>,
    ) -> Result<PackCode, PluginError> {
        let digest = crate::packs::compile_cache::digest(bytes);
        let component =
            crate::packs::compile_cache::compile(self, bytes, &digest).map_err(|e| {
                PluginError::Invalid {
                    plugin: name.into(),
                    detail: format!("{e:#}"),
                }
            })?;
        let contract = self.check_contract(name, &component)?;
        let invalid = |e: wasmtime::Error| PluginError::Invalid {
            plugin: name.into(),
            detail: format!("{e:#}"),
        };
        let pre = self.linker.instantiate_pre(&component).map_err(invalid)?;
        let pre = match contract {
            "0.1.0" => Pre::V0_1(v0_1::RulePackPre::new(pre).map_err(invalid)?),
            _ => Pre::V0_2(v0_2::RulePackPre::new(pre).map_err(invalid)?),
        };
        Ok(PackCode {
            name: name.into(),
            pre,
            contract,
            digest,
            data_dir,
            citations: std::sync::OnceLock::new(),
        })
    }

    /// A component's imports and exports by name, without the contract
    /// checks (for `plancheck pack inspect`).
    pub fn interface(
        &self,
        name: &str,
        bytes: &[u8],
    ) -> Result<(Vec<String>, Vec<String>), PluginError> {
        let digest = crate::packs::compile_cache::digest(bytes);
        let component =
            crate::packs::compile_cache::compile(self, bytes, &digest).map_err(|e| {
                PluginError::Invalid {
                    plugin: name.into(),
                    detail: format!("{e:#}"),
                }
            })?;
        let ty = component.component_type();
        let imports = ty
            .imports(&self.engine)
            .map(|(n, _)| n.to_string())
            .collect();
        let exports = ty
            .exports(&self.engine)
            .map(|(n, _)| n.to_string())
            .collect();
        Ok((imports, exports))
    }

    /// Checks imports and exports against what this host provides and
    /// returns the contract version the component targets: its `rules`
    /// export's, which every `plancheck:plugin` import must share.
    fn check_contract(
        &self,
        name: &str,
        component: &Component,
    ) -> Result<&'static str, PluginError> {
        let ty = component.component_type();
        let mut exports = Vec::new();
        let mut found: Option<&'static str> = None;
        let wrong = |v: &str| PluginError::ContractVersion {
            plugin: name.into(),
            found: v.into(),
            supported: bindings::supported(),
        };
        for (export, _) in ty.exports(&self.engine) {
            if let Some(v) = export.strip_prefix("plancheck:plugin/rules@") {
                match bindings::CONTRACTS.iter().find(|c| **c == v) {
                    Some(c) => found = Some(c),
                    None => return Err(wrong(v)),
                }
            }
            exports.push(export.to_string());
        }
        for (import, _) in ty.imports(&self.engine) {
            if let Some(rest) = import.strip_prefix("plancheck:plugin/") {
                let version = rest.split_once('@').map(|(_, v)| v).unwrap_or("");
                let ok = match found {
                    Some(f) => version == f,
                    None => bindings::CONTRACTS.contains(&version),
                };
                if !ok {
                    return Err(wrong(version));
                }
            }
            if !provided(import) {
                return Err(PluginError::MissingImport {
                    plugin: name.into(),
                    import: import.into(),
                });
            }
        }
        match found {
            Some(v) => Ok(v),
            None => Err(PluginError::NotARulePack {
                plugin: name.into(),
                supported: bindings::supported(),
                exports: if exports.is_empty() {
                    "nothing".into()
                } else {
                    exports.join(", ")
                },
            }),
        }
    }

    fn store(&self, code: &PackCode) -> Result<Store<CallState>, PluginError> {
        let mut wasi = WasiCtxBuilder::new();
        // Deny by default: no env, args, stdio or network. WasiCtxBuilder
        // starts with none of them; name lookup and sockets are refused.
        wasi.allow_ip_name_lookup(false)
            .allow_tcp(false)
            .allow_udp(false)
            .socket_addr_check(|_, _| Box::pin(async { false }));
        if let Some(d) = &code.data_dir {
            wasi.preopened_dir(&d.host, &d.guest, FsPerms::ReadOnly)
                .map_err(|e| PluginError::Host {
                    plugin: code.name.to_string(),
                    detail: format!("cannot open data directory {}: {e:#}", d.host.display()),
                })?;
        }
        let state = CallState {
            wasi: wasi.build(),
            table: ResourceTable::new(),
            limiter: MemoryLimiter {
                cap: self.config.memory_bytes,
                refused: None,
            },
            logs: Vec::new(),
            plugin: code.name.clone(),
        };
        let mut store = Store::new(&self.engine, state);
        store.limiter(|s| &mut s.limiter);
        let ticks = (self.config.cpu_time.as_nanos() / EPOCH_TICK.as_nanos()).max(1) as u64;
        store.set_epoch_deadline(ticks);
        store.epoch_deadline_trap();
        if let Some(fuel) = self.config.fuel {
            store.set_fuel(fuel).map_err(|e| PluginError::Host {
                plugin: code.name.to_string(),
                detail: format!("{e:#}"),
            })?;
        }
        Ok(store)
    }

    /// Classifies a failed call.
    fn call_error(
        &self,
        code: &PackCode,
        call: &str,
        store: &Store<CallState>,
        err: wasmtime::Error,
    ) -> PluginError {
        let plugin = code.name.to_string();
        let call = call.to_string();
        if let Some(requested) = store.data().limiter.refused {
            return PluginError::Memory {
                plugin,
                call,
                limit_mib: self.config.memory_bytes >> 20,
                requested_mib: requested >> 20,
            };
        }
        let panic = store
            .data()
            .logs
            .iter()
            .rev()
            .find(|l| l.message.starts_with("panic: "))
            .map(|l| l.message["panic: ".len()..].to_string());
        match err.downcast_ref::<Trap>() {
            Some(Trap::Interrupt) => PluginError::CpuTime {
                plugin,
                call,
                limit: self.config.cpu_time,
            },
            Some(Trap::OutOfFuel) => PluginError::Fuel {
                plugin,
                call,
                fuel: self.config.fuel.unwrap_or(0),
            },
            Some(Trap::StackOverflow) => PluginError::StackOverflow {
                plugin,
                call,
                limit_kib: self.config.max_wasm_stack >> 10,
            },
            _ if panic.is_some() => PluginError::Panic {
                plugin,
                call,
                message: panic.unwrap_or_default(),
            },
            Some(trap) => PluginError::Trap {
                plugin,
                call,
                detail: match err.downcast_ref::<wasmtime::WasmBacktrace>() {
                    Some(bt) => format!("{trap}\n{bt}"),
                    None => trap.to_string(),
                },
            },
            None => PluginError::Trap {
                plugin,
                call,
                detail: format!("{err:#}"),
            },
        }
    }

    /// Calls `manifest` in a fresh instance.
    pub fn manifest(&self, code: &PackCode) -> Result<pm::Manifest, PluginError> {
        let (mut store, inst, _) = self.instantiate(code)?;
        let called = match &inst {
            Inst::V0_1(i) => i
                .plancheck_plugin_rules()
                .call_manifest(&mut store)
                .map(v0_1::manifest_in),
            Inst::V0_2(i) => i
                .plancheck_plugin_rules()
                .call_manifest(&mut store)
                .map(v0_2::manifest_in),
        };
        match called {
            Ok(m) => {
                if m.contract != code.contract {
                    return Err(PluginError::Contract {
                        plugin: code.name.to_string(),
                        detail: format!(
                            "its manifest says contract {}, but it exports plancheck:plugin/rules@{}",
                            m.contract, code.contract
                        ),
                    });
                }
                let _ = code.citations.set(Arc::new(
                    m.rules
                        .iter()
                        .map(|r| (r.id.clone(), r.citation.clone()))
                        .collect(),
                ));
                Ok(m)
            }
            Err(e) => Err(self.call_error(code, "manifest", &store, e)),
        }
    }

    fn citations(
        &self,
        code: &PackCode,
    ) -> Result<Arc<HashMap<String, pm::Citation>>, PluginError> {
        if let Some(c) = code.citations.get() {
            return Ok(c.clone());
        }
        self.manifest(code)?;
        Ok(code.citations.get().cloned().unwrap_or_default())
    }

    /// Calls `check` in a fresh instance. The model is shared, not copied:
    /// the pack sees it as a resource and queries what it needs.
    pub fn check(
        &self,
        code: &PackCode,
        model: Arc<pm::Model>,
        options: &pm::CheckOptions,
    ) -> (Result<Vec<pm::Finding>, PluginError>, CallStats) {
        let no_stats = || CallStats {
            instantiate: Duration::ZERO,
            run: Duration::ZERO,
            logs: vec![],
        };
        let citations = match self.citations(code) {
            Ok(c) => c,
            Err(e) => return (Err(e), no_stats()),
        };
        let (mut store, inst, instantiate) = match self.instantiate(code) {
            Ok(x) => x,
            Err(e) => return (Err(e), no_stats()),
        };
        let t = Instant::now();
        let result = (|| {
            let handle = store
                .data_mut()
                .table
                .push(model)
                .map_err(|e| PluginError::Host {
                    plugin: code.name.to_string(),
                    detail: format!("{e:#}"),
                })?;
            // each version's findings, converted to the model's types
            let called: wasmtime::Result<Result<Vec<Result<pm::Finding, String>>, pm::PackError>> =
                match &inst {
                    Inst::V0_1(i) => i
                        .plancheck_plugin_rules()
                        .call_check(&mut store, handle, &v0_1::options_out(options))
                        .map(|r| {
                            r.map(|fs| {
                                fs.into_iter()
                                    .map(|f| v0_1::finding_in(f, &citations))
                                    .collect()
                            })
                            .map_err(v0_1::pack_error_in)
                        }),
                    Inst::V0_2(i) => i
                        .plancheck_plugin_rules()
                        .call_check(&mut store, handle, &v0_2::options_out(options))
                        .map(|r| {
                            r.map(|fs| {
                                fs.into_iter()
                                    .map(|f| v0_2::finding_in(f, &citations))
                                    .collect()
                            })
                            .map_err(v0_2::pack_error_in)
                        }),
                };
            match called {
                Ok(Ok(findings)) => {
                    findings
                        .into_iter()
                        .collect::<Result<Vec<_>, _>>()
                        .map_err(|detail| PluginError::Contract {
                            plugin: code.name.to_string(),
                            detail,
                        })
                }
                Ok(Err(e)) => Err(PluginError::Pack {
                    plugin: code.name.to_string(),
                    error: e,
                }),
                Err(e) => Err(self.call_error(code, "check", &store, e)),
            }
        })();
        let stats = CallStats {
            instantiate,
            run: t.elapsed(),
            logs: std::mem::take(&mut store.data_mut().logs),
        };
        (result, stats)
    }

    /// Creates a fresh store and instance of `code` and drops them: the
    /// fixed cost of every call. Used by smoke tests and benchmarks.
    pub fn probe(&self, code: &PackCode) -> Result<Duration, PluginError> {
        self.instantiate(code).map(|(_, _, t)| t)
    }

    fn instantiate(
        &self,
        code: &PackCode,
    ) -> Result<(Store<CallState>, Inst, Duration), PluginError> {
        let t = Instant::now();
        let mut store = self.store(code)?;
        let inst = match &code.pre {
            Pre::V0_1(p) => p.instantiate(&mut store).map(Inst::V0_1),
            Pre::V0_2(p) => p.instantiate(&mut store).map(Inst::V0_2),
        };
        let inst = inst.map_err(|e| {
            let msg = format!("{e:#}");
            if store.data().limiter.refused.is_some() || msg.contains("memory") {
                PluginError::Memory {
                    plugin: code.name.to_string(),
                    call: "instantiate".into(),
                    limit_mib: self.config.memory_bytes >> 20,
                    requested_mib: store.data().limiter.refused.unwrap_or(0) >> 20,
                }
            } else {
                PluginError::Host {
                    plugin: code.name.to_string(),
                    detail: format!("cannot instantiate: {msg}"),
                }
            }
        })?;
        Ok((store, inst, t.elapsed()))
    }
}

impl PackCode {
    /// The name it was loaded under.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// SHA-256 of the component bytes, hex.
    pub fn digest(&self) -> &str {
        &self.digest
    }
    /// The contract version the pack targets, e.g. `0.2.0`.
    pub fn contract(&self) -> &'static str {
        self.contract
    }
}

/// Interfaces the host links for plugins (any 0.2.x WASI minor matches).
fn provided(import: &str) -> bool {
    let base = import.split_once('@').map_or(import, |(b, _)| b);
    const PROVIDED: &[&str] = &[
        "plancheck:plugin/types",
        "plancheck:plugin/model",
        "plancheck:plugin/host",
        "wasi:cli/environment",
        "wasi:cli/exit",
        "wasi:cli/stdin",
        "wasi:cli/stdout",
        "wasi:cli/stderr",
        "wasi:cli/terminal-input",
        "wasi:cli/terminal-output",
        "wasi:cli/terminal-stdin",
        "wasi:cli/terminal-stdout",
        "wasi:cli/terminal-stderr",
        "wasi:clocks/wall-clock",
        "wasi:clocks/monotonic-clock",
        "wasi:filesystem/types",
        "wasi:filesystem/preopens",
        "wasi:io/error",
        "wasi:io/poll",
        "wasi:io/streams",
        "wasi:random/random",
        "wasi:random/insecure",
        "wasi:random/insecure-seed",
        "wasi:sockets/network",
        "wasi:sockets/instance-network",
        "wasi:sockets/tcp",
        "wasi:sockets/tcp-create-socket",
        "wasi:sockets/udp",
        "wasi:sockets/udp-create-socket",
        "wasi:sockets/ip-name-lookup",
    ];
    let wasi_ok = !import.starts_with("wasi:")
        || import
            .split_once('@')
            .is_some_and(|(_, v)| v.starts_with("0.2."));
    PROVIDED.contains(&base) && wasi_ok
}

/// Reads a component file, naming the file in the error.
pub fn read_component(path: &Path) -> Result<Vec<u8>, PluginError> {
    std::fs::read(path).map_err(|e| PluginError::Host {
        plugin: path.display().to_string(),
        detail: format!("cannot read: {e}"),
    })
}

#[cfg(test)]
mod tests {
    use super::kernel_at_least;

    #[test]
    fn kernel_releases_compare_by_major_then_minor() {
        assert!(kernel_at_least("6.18.0-1-cloud-amd64\n", (6, 7)));
        assert!(kernel_at_least("6.7", (6, 7)));
        assert!(kernel_at_least("7.0.1", (6, 7)));
        assert!(!kernel_at_least("6.6.30", (6, 7)));
        assert!(!kernel_at_least("5.19.2", (6, 7)));
        assert!(!kernel_at_least("", (6, 7)));
        assert!(!kernel_at_least("six", (6, 7)));
    }
}
