//! The validation service: the library core behind `POST /v1/checks` and
//! live sessions. One call takes a model and a pack selection and returns a
//! durable validation:
//!
//! 1. the model's digest (SHA-256 of the bytes, or of a live session's
//!    canonical JSON) and the selected packs' digests make the cache key;
//! 2. a cached result is a lookup; otherwise the check waits for a permit
//!    (the bound on concurrent checks), parses and runs the packs on a
//!    blocking thread, and caches the result if every pack ran;
//! 3. the validation record (who, when, model digest, packs and versions,
//!    summary) and the report are written to the store in one transaction
//!    and flushed before the caller gets them back.
//!
//! HTTP handlers and the WebSocket hub are thin shells over [`Service`].

use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::body::Bytes;

use plancheck_model::{Model, Outcome};
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;

use crate::api::{Packs, RegistryHandle};
use crate::auth::Caller;
use crate::cache::{result_key, CachedResult, ResultCache};
use crate::check::{self, CheckReport, PackReport, SelectionError};
use crate::config::Config;
use crate::input::{self, Format, InputError};
use crate::lock;
use crate::metrics::Metrics;
use crate::packs::{Pack, Registry};
use crate::report;
use crate::sandbox::Sandbox;
use crate::store::{self, Store, StoreError, ValidationRecord};

/// Called with each pack's report as it finishes (live sessions).
pub type OnPack = Arc<dyn Fn(&PackReport) + Send + Sync>;

/// Which packs and rules to run.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Pack ids.
    pub packs: Vec<String>,
    /// A jurisdiction (every pack of it).
    pub jurisdiction: Option<String>,
    /// Only these rules (empty: all).
    pub rules: Vec<String>,
    /// `pack-id.name=value` parameters.
    pub params: Vec<(String, String)>,
}

/// A model as submitted.
#[derive(Debug, Clone)]
pub struct ModelInput {
    /// A name for people (file name).
    pub name: String,
    /// IFC or JSON.
    pub format: Format,
    /// The bytes.
    pub bytes: axum::body::Bytes,
    /// SHA-256 of `bytes` (hex) if the caller already has it (the HTTP
    /// handler hashes while the body arrives); else the service computes it.
    pub digest: Option<String>,
}

/// A model already in memory (live sessions), with its digest.
#[derive(Debug, Clone)]
pub struct ParsedModel {
    /// A name for people.
    pub name: String,
    /// The format it came in.
    pub format: Format,
    /// Size of its canonical form, bytes.
    pub bytes: u64,
    /// SHA-256 of its canonical form, hex.
    pub digest: String,
    /// The model.
    pub model: Arc<Model>,
}

/// A stored validation and its report.
#[derive(Debug, Clone)]
pub struct Validation {
    /// The record as stored.
    pub record: ValidationRecord,
    /// The report.
    pub report: Arc<CheckReport>,
    /// The report as compact JSON.
    pub report_json: Arc<str>,
}

impl Validation {
    /// The API's JSON for a validation (the record's fields and `report`)
    /// as the pieces of a response body ([`render_parts`]); the report is
    /// the cached copy, not a new one.
    pub fn body_parts(&self) -> [Bytes; 3] {
        render_parts(
            &self.record,
            Bytes::from_owner(SharedJson(self.report_json.clone())),
        )
    }
}

/// A stored validation whose report is at hand only as its JSON: a re-check
/// by digest ([`Service::recheck`]) reuses an earlier report without the
/// model, so there is no [`CheckReport`] to hand back.
#[derive(Debug, Clone)]
pub struct StoredValidation {
    /// The record as stored.
    pub record: ValidationRecord,
    /// The report's JSON, as stored and as first returned.
    pub report_json: Bytes,
}

impl StoredValidation {
    /// The API's JSON for the validation, as for [`Validation::body_parts`].
    pub fn body_parts(&self) -> [Bytes; 3] {
        render_parts(&self.record, self.report_json.clone())
    }
}

/// A report's JSON shared with the cache, as the bytes of a response body.
struct SharedJson(Arc<str>);

impl AsRef<[u8]> for SharedJson {
    fn as_ref(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

/// A stored validation as three pieces that, sent one after the other, are
/// `{...record fields..., "report": <report>}` and a newline: the report is
/// neither re-parsed nor copied (a 1,000-element model's report is about
/// 350 KiB).
pub fn render_parts(record: &ValidationRecord, report_json: Bytes) -> [Bytes; 3] {
    let mut head = serde_json::to_vec(record).expect("serialisable");
    head.pop(); // the record's closing brace
    head.extend_from_slice(b",\"report\":");
    [Bytes::from(head), report_json, Bytes::from_static(b"}\n")]
}

/// Why a validation could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// Packs are still compiling, or the packs directory failed.
    #[error("{0}")]
    NotReady(String),
    /// Unknown pack, jurisdiction or rule, or nothing selected.
    #[error("{}", .0.message)]
    Selection(SelectionError),
    /// The model cannot be read.
    #[error("{0}")]
    Model(InputError),
    /// A re-check by digest found no earlier validation of that model, with
    /// these packs and options, by this caller: the model has to be sent.
    #[error("{0}")]
    UnknownModel(String),
    /// The store refused the write; nothing was acknowledged.
    #[error("{0}")]
    Store(StoreError),
    /// A bug or shutdown.
    #[error("{0}")]
    Internal(String),
}

/// The service: sandbox, packs, cache, store, metrics and the check bound.
pub struct Service {
    sandbox: Arc<Sandbox>,
    packs: RegistryHandle,
    cache: ResultCache,
    store: Store,
    metrics: Arc<Metrics>,
    permits: Arc<Semaphore>,
    config: Arc<Config>,
}

impl std::fmt::Debug for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Service").finish_non_exhaustive()
    }
}

/// SHA-256 of bytes, hex.
pub fn digest(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

impl Service {
    /// Assembles the service.
    pub fn new(
        sandbox: Arc<Sandbox>,
        packs: RegistryHandle,
        store: Store,
        metrics: Arc<Metrics>,
        config: Arc<Config>,
    ) -> Service {
        let m = metrics.clone();
        let cache = ResultCache::new(&config.cache, move |cause| {
            m.cache_eviction(crate::cache::cause_label(cause))
        });
        Service {
            permits: Arc::new(Semaphore::new(config.max_concurrent_checks.max(1))),
            sandbox,
            packs,
            cache,
            store,
            metrics,
            config,
        }
    }

    /// The metrics.
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The result cache.
    pub fn cache(&self) -> &ResultCache {
        &self.cache
    }

    /// The configuration.
    pub fn config(&self) -> &Arc<Config> {
        &self.config
    }

    /// The sandbox.
    pub fn sandbox(&self) -> &Arc<Sandbox> {
        &self.sandbox
    }

    /// The pack registry handle.
    pub fn packs(&self) -> &RegistryHandle {
        &self.packs
    }

    /// The registry, if loaded; else why not.
    pub fn registry(&self) -> Result<Arc<Registry>, ServiceError> {
        match &*self.packs.read().unwrap_or_else(|e| e.into_inner()) {
            Packs::Ready(r) => Ok(r.clone()),
            Packs::Loading => Err(ServiceError::NotReady(
                "rule packs are still being compiled; retry shortly".into(),
            )),
            Packs::Failed(e) => Err(ServiceError::NotReady(e.clone())),
        }
    }

    /// Replaces the registry (a reload): results of packs whose digest is
    /// gone are dropped from the cache. Returns the ids of the packs that
    /// changed (same id, new digest) and of those removed.
    pub fn swap_registry(&self, new: Arc<Registry>) -> (Vec<String>, Vec<String>) {
        let old = self.registry().ok();
        *self.packs.write().unwrap_or_else(|e| e.into_inner()) = Packs::Ready(new.clone());
        let (mut changed, mut removed) = (Vec::new(), Vec::new());
        for p in old.iter().flat_map(|o| o.packs()) {
            match new.get(&p.manifest.id) {
                Some(n) if n.code.digest() == p.code.digest() => continue,
                Some(_) => changed.push(p.manifest.id.clone()),
                None => removed.push(p.manifest.id.clone()),
            }
            self.cache.invalidate_pack(p.code.digest());
        }
        self.metrics.set_cache_entries(self.cache.entry_count());
        (changed, removed)
    }

    /// The packs a selection names (validated against the registry).
    pub fn select(&self, sel: &Selection) -> Result<Vec<Arc<Pack>>, ServiceError> {
        let reg = self.registry()?;
        let packs = check::select_packs(
            &reg,
            &self.config.packs_dir,
            &sel.packs,
            sel.jurisdiction.as_deref(),
        )
        .map_err(ServiceError::Selection)?;
        check::check_known_rules(&packs, &sel.rules).map_err(ServiceError::Selection)?;
        Ok(packs)
    }

    /// Validates a submitted model (bytes), stores the validation, and
    /// returns it once durable.
    pub async fn validate(
        &self,
        caller: &Caller,
        project: &str,
        input: ModelInput,
        sel: &Selection,
    ) -> Result<Validation, ServiceError> {
        let started = Instant::now();
        let packs = self.select(sel)?;
        let bytes = input.bytes.clone();
        let model_digest = if let Some(d) = input.digest.clone() {
            d
        } else if bytes.len() > 1 << 20 {
            tokio::task::spawn_blocking(move || digest(&bytes))
                .await
                .map_err(|e| ServiceError::Internal(format!("digest task failed: {e}")))?
        } else {
            digest(&bytes)
        };
        let key = self.key(&model_digest, &packs, sel);
        // On a miss, the parsed model: freed once the validation is stored.
        let (result, cached, parsed) = match self.lookup(&key) {
            Some(hit) => (hit, true, FreeLater(None)),
            None => {
                let input2 = input.clone();
                let (res, model) = self
                    .run_blocking(packs.clone(), sel, key.clone(), None, move || {
                        input::load_bytes(&input2.bytes, Some(input2.format), &input2.name)
                            .map(Arc::new)
                    })
                    .await?;
                (res, false, model)
            }
        };
        let meta = store::ModelInfo {
            name: input.name,
            digest: model_digest,
            format: store_format(input.format),
            bytes: input.bytes.len() as u64,
            elements: result.report.elements,
            schema: result.report.schema.clone(),
        };
        let stored = self
            .persist(
                caller, project, meta, &packs, sel, key, result, cached, started,
            )
            .await;
        drop(parsed);
        stored
    }

    /// Validates a model already in memory (a live session's revision),
    /// calling `on_pack` as each pack finishes (for a cached result, once
    /// per pack straight away), stores the validation, returns it.
    pub async fn validate_model(
        &self,
        caller: &Caller,
        project: &str,
        model: ParsedModel,
        sel: &Selection,
        on_pack: OnPack,
    ) -> Result<Validation, ServiceError> {
        let started = Instant::now();
        let packs = self.select(sel)?;
        let key = self.key(&model.digest, &packs, sel);
        let (result, cached) = match self.lookup(&key) {
            Some(hit) => {
                for p in &hit.report.packs {
                    on_pack(p);
                }
                (hit, true)
            }
            None => {
                let m = model.model.clone();
                // The session keeps the model: nothing to free.
                let (res, _) = self
                    .run_blocking(packs.clone(), sel, key.clone(), Some(on_pack), move || {
                        Ok(m)
                    })
                    .await?;
                (res, false)
            }
        };
        let meta = store::ModelInfo {
            name: model.name,
            digest: model.digest,
            format: store_format(model.format),
            bytes: model.bytes,
            elements: result.report.elements,
            schema: result.report.schema.clone(),
        };
        self.persist(
            caller, project, meta, &packs, sel, key, result, cached, started,
        )
        .await
    }

    /// Re-checks a model named by its digest (SHA-256, hex) instead of its
    /// bytes: the caller's latest validation with the same result key (the
    /// same model, packs, pack digests, rules and parameters) supplies the
    /// report and the model's description, and a new validation is stored
    /// and returned as for [`Service::validate`], marked `cached`. The
    /// report comes from the cache when it holds it, else from the store
    /// (so this works with the cache off and after a restart). When the
    /// caller has no such validation, [`ServiceError::UnknownModel`]: the
    /// client sends the model instead. `name` replaces the earlier name.
    pub async fn recheck(
        &self,
        caller: &Caller,
        project: &str,
        model_digest: &str,
        name: Option<String>,
        sel: &Selection,
    ) -> Result<StoredValidation, ServiceError> {
        let started = Instant::now();
        let packs = self.select(sel)?;
        let key = self.key(model_digest, &packs, sel);
        // Counted as a hit or miss only once the caller is known to own an
        // earlier validation: a refused request looked nothing up for anyone.
        let cached_json = if self.cache.enabled() {
            self.cache.get(&key).map(|h| h.json.clone())
        } else {
            None
        };
        let hit = cached_json.is_some();
        let store = self.store.clone();
        let (owner, key2) = (caller.sub.clone(), key.clone());
        let found = tokio::task::spawn_blocking(move || {
            let Some(rec) = store.latest_with_result(&owner, &key2)? else {
                return Ok(None);
            };
            let report = match cached_json {
                Some(json) => Bytes::from_owner(SharedJson(json)),
                None => Bytes::from(store.report_of(&rec)?),
            };
            Ok(Some((rec, report)))
        })
        .await
        .map_err(|e| ServiceError::Internal(format!("the store task failed: {e}")))?
        .map_err(ServiceError::Store)?;
        let Some((earlier, report_json)) = found else {
            let with: Vec<String> = packs
                .iter()
                .map(|p| format!("{} {}", p.manifest.id, p.manifest.version))
                .collect();
            let mut options = String::new();
            if !sel.rules.is_empty() || !sel.params.is_empty() {
                options = " and these rules and parameters".into();
            }
            return Err(ServiceError::UnknownModel(format!(
                "caller `{}` has not checked model sha256:{model_digest} with {}{options} before \
                 (or did so before this server kept its result index); send the model itself",
                caller.sub,
                with.join(", ")
            )));
        };
        if self.cache.enabled() {
            self.count_lookup(hit);
        }
        let mut model = earlier.model;
        if let Some(n) = name {
            model.name = n;
        }
        let record = self.new_record(
            caller,
            project,
            model,
            &packs,
            sel,
            key,
            true,
            earlier.summary,
            started,
        );
        self.write(&record, report_json.clone()).await?;
        Ok(StoredValidation {
            record,
            report_json,
        })
    }

    fn key(&self, model_digest: &str, packs: &[Arc<Pack>], sel: &Selection) -> String {
        let ids: Vec<(&str, &str)> = packs
            .iter()
            .map(|p| (p.manifest.id.as_str(), p.code.digest()))
            .collect();
        result_key(model_digest, &ids, &sel.rules, &sel.params)
    }

    fn lookup(&self, key: &str) -> Option<Arc<CachedResult>> {
        if !self.cache.enabled() {
            return None;
        }
        let hit = self.cache.get(key);
        self.count_lookup(hit.is_some());
        hit
    }

    fn count_lookup(&self, hit: bool) {
        if hit {
            self.metrics.cache_hit();
        } else {
            self.metrics.cache_miss();
        }
    }

    /// Waits for a permit, then loads the model and runs the packs on a
    /// blocking thread; caches and returns the result, and the model to be
    /// freed once the caller has stored its validation.
    async fn run_blocking(
        &self,
        packs: Vec<Arc<Pack>>,
        sel: &Selection,
        key: String,
        on_pack: Option<OnPack>,
        load: impl FnOnce() -> Result<Arc<Model>, InputError> + Send + 'static,
    ) -> Result<(Arc<CachedResult>, FreeLater), ServiceError> {
        let queued = self.metrics.check_queued();
        let permit = self.permits.clone().acquire_owned().await;
        drop(queued);
        let permit =
            permit.map_err(|_| ServiceError::Internal("the check queue is closed".into()))?;
        let sandbox = self.sandbox.clone();
        let metrics = self.metrics.clone();
        let rules = sel.rules.clone();
        let params = sel.params.clone();
        let span = tracing::Span::current();
        let (tx, job) = tokio::sync::oneshot::channel();
        let run = move || {
            let _permit = permit;
            let _g = span.enter();
            let _in_flight = metrics.check_in_flight();
            let model = load().map_err(ServiceError::Model)?;
            let m2 = metrics.clone();
            // Each pack's part of the report JSON, made on the pack's own
            // thread as it finishes (the others still running), by pack id.
            let parts: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
            let parts_cb = parts.clone();
            let cb = move |p: &PackReport| {
                m2.pack_check(&p.pack, &p.version, p.outcome(), p.millis / 1000.0);
                for o in [
                    Outcome::Violation,
                    Outcome::Warning,
                    Outcome::NotAssessable,
                    Outcome::Pass,
                ] {
                    let n = p.findings.iter().filter(|f| f.outcome == o).count();
                    if n > 0 {
                        m2.findings(&p.pack, o.as_str(), n as u64);
                    }
                }
                if let Some(f) = &on_pack {
                    f(p);
                }
                let part = report::pack_json(p);
                lock(&parts_cb).push((p.pack.clone(), part));
            };
            let keep = model.clone();
            let rep = check::run_streaming(&sandbox, &packs, model, &rules, &params, Arc::new(cb));
            let json: Arc<str> = report_json(&rep, std::mem::take(&mut *lock(&parts))).into();
            let res = Arc::new(CachedResult {
                pack_digests: packs.iter().map(|p| p.code.digest().to_string()).collect(),
                report: Arc::new(rep),
                json,
            });
            Ok((res, FreeLater(Some(keep))))
        };
        // On a check thread (see workers.rs); a panic there drops `tx`.
        crate::workers::spawn(move || {
            let _ = tx.send(run());
        });
        let (res, model) = job.await.map_err(|_| {
            ServiceError::Internal("the check task failed (see the server's log)".into())
        })??;
        self.cache.insert(key, res.clone());
        self.metrics.set_cache_entries(self.cache.entry_count());
        Ok((res, model))
    }

    #[allow(clippy::too_many_arguments)]
    async fn persist(
        &self,
        caller: &Caller,
        project: &str,
        model: store::ModelInfo,
        packs: &[Arc<Pack>],
        sel: &Selection,
        key: String,
        result: Arc<CachedResult>,
        cached: bool,
        started: Instant,
    ) -> Result<Validation, ServiceError> {
        let rep = &result.report;
        let summary = store::Summary {
            violations: rep.count(Outcome::Violation),
            warnings: rep.count(Outcome::Warning),
            not_assessable: rep.count(Outcome::NotAssessable),
            passes: rep.count(Outcome::Pass),
            errors: rep.packs.iter().filter(|p| p.error.is_some()).count(),
        };
        let record = self.new_record(
            caller, project, model, packs, sel, key, cached, summary, started,
        );
        let json = Bytes::from_owner(SharedJson(result.json.clone()));
        self.write(&record, json).await?;
        Ok(Validation {
            record,
            report: result.report.clone(),
            report_json: result.json.clone(),
        })
    }

    /// A new validation record, made now.
    #[allow(clippy::too_many_arguments)]
    fn new_record(
        &self,
        caller: &Caller,
        project: &str,
        model: store::ModelInfo,
        packs: &[Arc<Pack>],
        sel: &Selection,
        key: String,
        cached: bool,
        summary: store::Summary,
        started: Instant,
    ) -> ValidationRecord {
        let now = store::now_ms();
        ValidationRecord {
            id: store::new_validation_id(),
            project: project.to_string(),
            owner: caller.sub.clone(),
            role: caller.role.to_string(),
            created_at: store::rfc3339_ms(now),
            created_at_ms: now,
            model,
            packs: packs
                .iter()
                .map(|p| store::PackRef {
                    id: p.manifest.id.clone(),
                    version: p.manifest.version.clone(),
                    digest: p.code.digest().to_string(),
                })
                .collect(),
            rules: sel.rules.clone(),
            params: sel.params.clone(),
            result_key: key,
            cached,
            summary,
            duration_ms: started.elapsed().as_secs_f64() * 1000.0,
        }
    }

    /// Stores a validation durably (on a blocking thread: the flush waits
    /// for the disk), counting it in the metrics.
    async fn write(
        &self,
        record: &ValidationRecord,
        report_json: Bytes,
    ) -> Result<(), ServiceError> {
        let store = self.store.clone();
        let rec = record.clone();
        let t = Instant::now();
        tokio::task::spawn_blocking(move || store.put_validation(&rec, &report_json))
            .await
            .map_err(|e| ServiceError::Internal(format!("the store task failed: {e}")))?
            .map_err(ServiceError::Store)?;
        self.metrics.store_flush(t.elapsed().as_secs_f64());
        self.metrics.validation_stored();
        Ok(())
    }
}

/// The report JSON of `rep` from the packs' parts made as they finished
/// ([`report::pack_json`], by pack id). A pack with no part, or with more
/// than one (its callback ran again for a host panic), is serialised here.
fn report_json(rep: &CheckReport, mut parts: Vec<(String, String)>) -> String {
    let ordered: Vec<Option<String>> = rep
        .packs
        .iter()
        .map(|p| {
            let mut mine = (0..parts.len()).filter(|&i| parts[i].0 == p.pack);
            match (mine.next(), mine.next()) {
                (Some(i), None) => Some(std::mem::take(&mut parts[i].1)),
                _ => None,
            }
        })
        .collect();
    report::report_json_from_parts(rep, &ordered)
}

/// A parsed model that, when dropped, is freed on a check thread
/// ([`crate::workers`]: usually the one that just parsed it, whose
/// allocator pages it is in), off the request's path. Freeing a parsed
/// model (every element, property and string) costs about a tenth of
/// parsing it; [`Service::validate`] keeps this until its validation is
/// stored, so that the freeing does not compete with the store write for
/// the CPUs. If this is not the last reference (a live session keeps its
/// model), nothing is freed either way.
struct FreeLater(Option<Arc<Model>>);

impl Drop for FreeLater {
    fn drop(&mut self) {
        let Some(model) = self.0.take() else {
            return;
        };
        if Arc::strong_count(&model) > 1 {
            return;
        }
        crate::workers::spawn(move || drop(model));
    }
}

fn store_format(f: Format) -> store::ModelFormat {
    match f {
        Format::Ifc => store::ModelFormat::Ifc,
        Format::Json => store::ModelFormat::Json,
    }
}
