//! Pack versions on a live server (issue 4, docs/publishing.md): publish,
//! activate, deactivate, roll back, pin — without dropping a request.
//!
//! * The served packs are the **packs directory** (`packs_dir`, read at
//!   start and by `POST /v1/packs/reload`) overlaid with **published
//!   versions** (uploaded, kept in the store with their artifacts). For each
//!   pack id the store records which version is active; an id without one
//!   serves its packs-directory version.
//! * Publishing verifies (signature, digest, trust roots) before anything
//!   else touches the bytes, then compiles and smoke-tests
//!   ([`super::prepare`]), and only then stores the version. A refused
//!   artifact changes nothing that is served; the refusal is kept for
//!   [`Lifecycle::status`], counted in metrics and written to the audit log.
//! * Every change builds a new [`Registry`] snapshot and swaps it in through
//!   [`Service::swap_registry`]: one pointer replaced under a write lock, so
//!   a check that already selected its packs finishes on them, and the next
//!   one gets the new version. Cached results of the replaced version are
//!   dropped; listeners ([`Lifecycle::subscribe`], live sessions) hear the
//!   old and new version.
//! * Changes are serialised by one mutex and written to the store (with
//!   their audit entry, flushed) before they are swapped in, so after a
//!   restart the same versions are active: [`Lifecycle::start`] restores
//!   them from the store, their compiled code from the compile cache.

use std::collections::{BTreeMap, VecDeque};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::{json, Value};

use super::prepare::{prepare, Refusal};
use super::registry::Registry;
use super::trust::Trust;
use super::Pack;
use crate::api::Packs;
use crate::service::Service;
use crate::store::{
    self, AuditEvent, AuditOutcome, PackActiveRecord, PackVersionRecord, StoreError,
};

/// `[packs]`: published versions and the watched directory.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PacksConfig {
    /// Published versions kept per pack (loaded, pinnable, rollback
    /// targets); older ones are pruned, never the active one, the one
    /// before it or the newest.
    pub keep_versions: usize,
    /// A directory whose artifacts are published and activated when they
    /// appear or change ([`super::watch`]); unset: none.
    pub watch_dir: Option<PathBuf>,
    /// How often the watched directory is scanned, milliseconds.
    pub watch_interval_ms: u64,
}

impl Default for PacksConfig {
    fn default() -> Self {
        PacksConfig {
            keep_versions: 5,
            watch_dir: None,
            watch_interval_ms: 1000,
        }
    }
}

/// How many refusals [`Lifecycle::status`] keeps (oldest dropped first;
/// the audit log keeps all).
pub const KEPT_REFUSALS: usize = 100;

/// Who does something: the token's `sub` and role (or `watch:<file>`).
#[derive(Debug, Clone)]
pub struct Actor {
    /// Subject.
    pub sub: String,
    /// Role.
    pub role: String,
}

impl From<&crate::auth::Caller> for Actor {
    fn from(c: &crate::auth::Caller) -> Actor {
        Actor {
            sub: c.sub.clone(),
            role: c.role.to_string(),
        }
    }
}

/// Why a lifecycle operation did not happen. Nothing served changed.
#[derive(Debug, thiserror::Error)]
pub enum LifecycleError {
    /// The artifact was refused (verification, compilation, smoke test).
    #[error("{0}")]
    Refused(Refusal),
    /// The caller may not publish for the artifact's jurisdiction.
    #[error("may not publish for jurisdiction `{jurisdiction}`")]
    Forbidden {
        /// The artifact's jurisdiction.
        jurisdiction: String,
    },
    /// `id@version` is already published with other content.
    #[error("{0}")]
    Conflict(String),
    /// No such pack or version.
    #[error("{0}")]
    Unknown(String),
    /// A rollback without a version to go back to.
    #[error("{0}")]
    NoRollbackTarget(String),
    /// Packs are still loading.
    #[error("{0}")]
    NotReady(String),
    /// The store failed; nothing changed.
    #[error("{0}")]
    Store(StoreError),
}

/// A swap, as listeners hear it.
#[derive(Debug, Clone, Serialize)]
pub struct SwapEvent {
    /// Pack id.
    pub pack: String,
    /// The pack's jurisdiction.
    pub jurisdiction: String,
    /// The version served before (`None`: the pack was not served).
    pub old_version: Option<String>,
    /// The version served now (`None`: deactivated and nothing else).
    pub new_version: Option<String>,
    /// `pack.activate`, `pack.rollback`, `pack.deactivate`, `pack.reload`.
    pub action: String,
}

type Listener = Box<dyn Fn(&SwapEvent) + Send + Sync>;

/// What a reload of the packs directory did: the new registry, the ids
/// whose version changed, the ids no longer served.
pub type Reloaded = (Arc<Registry>, Vec<String>, Vec<String>);

/// A refused artifact, for the status API.
#[derive(Debug, Clone, Serialize)]
pub struct RefusalEntry {
    /// When, RFC 3339 UTC.
    pub at: String,
    /// Who uploaded it.
    pub by: String,
    /// The file or upload name.
    pub name: String,
    /// Stable reason word.
    pub reason: &'static str,
    /// `verify`, `compile` or `smoke_test`.
    pub stage: &'static str,
    /// What was wrong.
    pub message: String,
}

/// The outcome of a publish.
#[derive(Debug, Clone, Serialize)]
pub struct Published {
    /// Pack id.
    pub id: String,
    /// Version.
    pub version: String,
    /// Component SHA-256.
    pub digest: String,
    /// Jurisdiction.
    pub jurisdiction: String,
    /// Signing publisher.
    pub publisher: Option<String>,
    /// Signing key fingerprint.
    pub signer: Option<String>,
    /// Whether this call made it active.
    pub active: bool,
    /// Whether the same version and content were already published.
    pub already_published: bool,
    /// Milliseconds per step: `verify`, `compile`, `smoke_test`, `store`,
    /// `activate`, `total`.
    pub timings_ms: BTreeMap<&'static str, f64>,
}

/// The outcome of an activation, rollback or deactivation.
#[derive(Debug, Clone, Serialize)]
pub struct Activated {
    /// Pack id.
    pub id: String,
    /// Served before.
    pub old_version: Option<String>,
    /// Served now.
    pub new_version: Option<String>,
    /// Milliseconds from the call to the swap (store write and flush
    /// included).
    pub took_ms: f64,
}

struct Version {
    pack: Arc<Pack>,
    record: PackVersionRecord,
}

#[derive(Default)]
struct Inner {
    /// The packs directory as last loaded (`None`: not yet).
    base: Option<Arc<Registry>>,
    /// Published versions, loaded, by id then version.
    versions: BTreeMap<String, BTreeMap<String, Version>>,
    /// Active published version by id.
    active: BTreeMap<String, PackActiveRecord>,
}

impl Inner {
    fn compose(&self) -> Registry {
        let mut reg = match &self.base {
            Some(b) => b.snapshot(),
            None => Registry::default(),
        };
        for vs in self.versions.values() {
            for v in vs.values() {
                reg.insert(v.pack.clone(), false);
            }
        }
        for (id, a) in &self.active {
            let pack = self
                .versions
                .get(id)
                .and_then(|vs| vs.get(&a.version))
                .map(|v| v.pack.clone())
                .or_else(|| reg.get(&format!("{id}@{}", a.version)));
            if let Some(p) = pack {
                reg.insert(p, true);
            }
        }
        reg
    }
}

/// Published versions and what is active; see the module docs.
pub struct Lifecycle {
    service: Arc<Service>,
    trust: Trust,
    packs_dir: PathBuf,
    keep_versions: usize,
    inner: Mutex<Inner>,
    refusals: Mutex<VecDeque<RefusalEntry>>,
    listeners: Mutex<Vec<Listener>>,
}

impl std::fmt::Debug for Lifecycle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lifecycle").finish_non_exhaustive()
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn now() -> String {
    store::rfc3339_ms(store::now_ms())
}

impl Lifecycle {
    /// Over `service` (sandbox, store, registry handle, metrics), with the
    /// server's trust policy and `[packs]` settings.
    pub fn new(service: Arc<Service>, trust: Trust) -> Lifecycle {
        let cfg = service.config().clone();
        Lifecycle {
            trust,
            packs_dir: cfg.packs_dir.clone(),
            keep_versions: cfg.packs.keep_versions.max(1),
            service,
            inner: Mutex::default(),
            refusals: Mutex::default(),
            listeners: Mutex::default(),
        }
    }

    /// The trust policy.
    pub fn trust(&self) -> &Trust {
        &self.trust
    }

    /// Calls `f` after every swap that changes what a pack id serves.
    pub fn subscribe(&self, f: impl Fn(&SwapEvent) + Send + Sync + 'static) {
        self.listeners
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(Box::new(f));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Loads the packs directory and restores published versions and the
    /// active ones from the store (compiled code from the compile cache;
    /// signatures verified again against the current trust roots), then
    /// swaps the result in. Blocking. A packs directory that cannot be read
    /// leaves the server not ready with the reason.
    pub fn start(&self) {
        let sandbox = self.service.sandbox().clone();
        let base = match Registry::load_dir_with(&sandbox, &self.trust, &self.packs_dir) {
            Ok(r) => r,
            Err(e) => {
                let msg = format!(
                    "cannot read the packs directory {}: {e}",
                    self.packs_dir.display()
                );
                *self
                    .service
                    .packs()
                    .write()
                    .unwrap_or_else(|e| e.into_inner()) = Packs::Failed(msg);
                return;
            }
        };
        let store = self.service.store();
        let mut inner = self.lock();
        inner.base = Some(Arc::new(base));
        match store.list_pack_versions() {
            Ok(records) => {
                for rec in records {
                    let name = format!("{}@{}", rec.id, rec.version);
                    let bytes = match store.pack_artifact(&rec.id, &rec.version) {
                        Ok(Some(b)) => b,
                        Ok(None) => {
                            tracing::error!(pack = %name, "stored version has no artifact; skipped");
                            continue;
                        }
                        Err(e) => {
                            tracing::error!(pack = %name, "cannot read the stored artifact: {e}");
                            continue;
                        }
                    };
                    let path = PathBuf::from(format!("store:{name}"));
                    match prepare(&sandbox, &self.trust, &name, &path, &bytes, false) {
                        Ok(p) => {
                            let pack = Arc::new(p.pack);
                            inner
                                .versions
                                .entry(rec.id.clone())
                                .or_default()
                                .insert(rec.version.clone(), Version { pack, record: rec });
                        }
                        Err(r) => {
                            tracing::error!(pack = %name, reason = r.reason, "stored version not restored: {r}");
                            self.service.metrics().pack_refused(r.reason);
                            self.remember(RefusalEntry {
                                at: now(),
                                by: "restore".into(),
                                name,
                                reason: r.reason,
                                stage: r.stage,
                                message: r.message,
                            });
                        }
                    }
                }
            }
            Err(e) => tracing::error!("cannot list stored pack versions: {e}"),
        }
        match store.pack_active() {
            Ok(a) => inner.active = a,
            Err(e) => tracing::error!("cannot read the active pack versions: {e}"),
        }
        let reg = Arc::new(inner.compose());
        self.service.swap_registry(reg);
        drop(inner);
        tracing::info!("packs ready");
    }

    /// Re-reads the packs directory and swaps it in under the published
    /// versions: `(registry, changed, removed)`.
    pub fn reload_dir(&self) -> Result<Reloaded, String> {
        let base = Registry::load_dir_with(self.service.sandbox(), &self.trust, &self.packs_dir)
            .map_err(|e| {
                format!(
                    "cannot read the packs directory {}: {e}; the installed packs stay",
                    self.packs_dir.display()
                )
            })?;
        let mut inner = self.lock();
        let before = self.service.registry().ok();
        inner.base = Some(Arc::new(base));
        let reg = Arc::new(inner.compose());
        let (changed, removed) = self.service.swap_registry(reg.clone());
        drop(inner);
        if let Some(before) = before {
            for id in changed.iter().chain(&removed) {
                self.notify(SwapEvent {
                    pack: id.clone(),
                    jurisdiction: before
                        .get(id)
                        .map(|p| p.manifest.jurisdiction.clone())
                        .unwrap_or_default(),
                    old_version: before.get(id).map(|p| p.manifest.version.clone()),
                    new_version: reg.get(id).map(|p| p.manifest.version.clone()),
                    action: "pack.reload".into(),
                });
            }
        }
        Ok((reg, changed, removed))
    }

    fn notify(&self, ev: SwapEvent) {
        tracing::info!(pack = %ev.pack, old = ?ev.old_version, new = ?ev.new_version, action = %ev.action, "pack swapped");
        for l in self
            .listeners
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
        {
            l(&ev);
        }
    }

    fn remember(&self, e: RefusalEntry) {
        let mut r = self.refusals.lock().unwrap_or_else(|e| e.into_inner());
        if r.len() == KEPT_REFUSALS {
            r.pop_front();
        }
        r.push_back(e);
    }

    fn audit(
        &self,
        actor: &Actor,
        action: &str,
        target: &str,
        outcome: AuditOutcome,
        detail: String,
    ) {
        let event = AuditEvent {
            actor: actor.sub.clone(),
            role: actor.role.clone(),
            action: action.into(),
            target: target.into(),
            outcome,
            detail: Some(detail),
        };
        if let Err(e) = self.service.store().append_audit(&event) {
            tracing::error!(action, target, "cannot write the audit entry: {e}");
        }
    }

    /// Records a refusal: status list, metric, audit entry (`pack.publish`,
    /// outcome `error`, or `denied` for a jurisdiction the caller may not
    /// publish for).
    fn refuse(&self, actor: &Actor, name: &str, e: LifecycleError) -> LifecycleError {
        let (reason, stage, message, outcome) = match &e {
            LifecycleError::Refused(r) => {
                (r.reason, r.stage, r.message.clone(), AuditOutcome::Error)
            }
            LifecycleError::Forbidden { jurisdiction } => (
                "forbidden",
                "authorize",
                format!(
                    "{name}: {} may not publish for jurisdiction `{jurisdiction}`",
                    actor.sub
                ),
                AuditOutcome::Denied,
            ),
            LifecycleError::Conflict(m) => {
                ("version_conflict", "store", m.clone(), AuditOutcome::Error)
            }
            other => ("error", "store", other.to_string(), AuditOutcome::Error),
        };
        self.service.metrics().pack_refused(reason);
        self.audit(
            actor,
            "pack.publish",
            name,
            outcome,
            format!("refused ({reason}): {message}"),
        );
        self.remember(RefusalEntry {
            at: now(),
            by: actor.sub.clone(),
            name: name.into(),
            reason,
            stage,
            message,
        });
        e
    }

    /// Publishes an artifact: verify, authorize (`may_publish` with the
    /// declared jurisdiction; for an unsigned component in development the
    /// jurisdiction its manifest reports), compile, smoke-test, store; then
    /// if `activate`, activate it. Blocking (compiles).
    pub fn publish(
        &self,
        actor: &Actor,
        name: &str,
        bytes: &[u8],
        may_publish: &dyn Fn(&str) -> bool,
        activate: bool,
    ) -> Result<Published, LifecycleError> {
        let started = Instant::now();
        let sandbox = self.service.sandbox().clone();
        // Verification first: a signed artifact names its jurisdiction,
        // so an unauthorised publisher is refused before compilation.
        // Its code is named `id@version` in messages (the upload name of
        // an unsigned development upload).
        let mut code_name = name.to_string();
        if super::artifact::is_artifact(bytes) {
            let a = super::artifact::Artifact::parse(name, bytes)
                .and_then(|a| a.verify(name).map(|_| a))
                .map_err(|e| Refusal {
                    reason: e.label(),
                    stage: "verify",
                    message: e.to_string(),
                })
                .map_err(|r| self.refuse(actor, name, LifecycleError::Refused(r)))?;
            if let Err(e) = self.trust.check(name, &a) {
                let r = Refusal {
                    reason: e.label(),
                    stage: "verify",
                    message: e.to_string(),
                };
                return Err(self.refuse(actor, name, LifecycleError::Refused(r)));
            }
            code_name = format!(
                "{}@{}",
                a.statement.manifest.id, a.statement.manifest.version
            );
            let j = &a.statement.manifest.jurisdiction;
            if !may_publish(j) {
                let e = LifecycleError::Forbidden {
                    jurisdiction: j.clone(),
                };
                return Err(self.refuse(actor, name, e));
            }
        }
        let path = PathBuf::from(format!("upload:{name}"));
        let p = prepare(&sandbox, &self.trust, &code_name, &path, bytes, true)
            .map_err(|r| self.refuse(actor, name, LifecycleError::Refused(r)))?;
        let m = p.pack.manifest.clone();
        if p.provenance.is_none() && !may_publish(&m.jurisdiction) {
            let e = LifecycleError::Forbidden {
                jurisdiction: m.jurisdiction.clone(),
            };
            return Err(self.refuse(actor, name, e));
        }
        let target = format!("{}@{}", m.id, m.version);
        let digest = p.pack.code.digest().to_string();
        let rec = PackVersionRecord {
            id: m.id.clone(),
            version: m.version.clone(),
            jurisdiction: m.jurisdiction.clone(),
            digest: digest.clone(),
            publisher: p.pack.publisher.clone(),
            signer: p.pack.signer.clone(),
            uploaded_by: actor.sub.clone(),
            uploaded_at: now(),
            uploaded_at_ms: store::now_ms(),
        };
        let mut timings = BTreeMap::new();
        timings.insert("verify", ms(p.verify));
        timings.insert("compile", ms(p.compile));
        timings.insert("smoke_test", ms(p.smoke));
        let t = Instant::now();
        let already = {
            let inner = self.lock();
            inner
                .versions
                .get(&m.id)
                .and_then(|vs| vs.get(&m.version))
                .map(|v| v.record.digest.clone())
        };
        if let Some(d) = &already {
            if *d != digest {
                let e = LifecycleError::Conflict(format!(
                    "{target} is already published with another component (sha256 {d}); publish a new version"
                ));
                return Err(self.refuse(actor, name, e));
            }
        }
        let event = AuditEvent {
            actor: actor.sub.clone(),
            role: actor.role.clone(),
            action: "pack.publish".into(),
            target: target.clone(),
            outcome: AuditOutcome::Ok,
            detail: Some(format!(
                "sha256 {digest}, publisher {}, signer {}{}",
                rec.publisher.as_deref().unwrap_or("none (unsigned)"),
                rec.signer.as_deref().unwrap_or("none"),
                if already.is_some() { ", re-upload" } else { "" }
            )),
        };
        self.service
            .store()
            .put_pack_version(&rec, bytes, &event)
            .map_err(|e| match e {
                StoreError::Duplicate { id } => self.refuse(
                    actor,
                    name,
                    LifecycleError::Conflict(format!(
                        "{id} is already published with another component; publish a new version"
                    )),
                ),
                e => LifecycleError::Store(e),
            })?;
        timings.insert("store", ms(t.elapsed()));
        let pack = Arc::new(p.pack);
        {
            let mut inner = self.lock();
            inner
                .versions
                .entry(m.id.clone())
                .or_default()
                .entry(m.version.clone())
                .or_insert(Version {
                    pack,
                    record: rec.clone(),
                });
        }
        self.service.metrics().pack_published();
        let mut active = false;
        if activate {
            let a = self.activate(actor, &m.id, &m.version, "pack.activate")?;
            timings.insert("activate", a.took_ms);
            active = true;
        }
        self.prune(actor, &m.id, &m.version);
        timings.insert("total", ms(started.elapsed()));
        tracing::info!(pack = %target, %digest, active, "pack published");
        Ok(Published {
            id: m.id,
            version: m.version,
            digest,
            jurisdiction: m.jurisdiction,
            publisher: rec.publisher,
            signer: rec.signer,
            active,
            already_published: already.is_some(),
            timings_ms: timings,
        })
    }

    /// Drops the oldest published versions of `id` beyond `keep_versions`,
    /// never the active one, the one before it, or `newest` (the one just
    /// published).
    fn prune(&self, actor: &Actor, id: &str, newest: &str) {
        let mut inner = self.lock();
        let mut keep: Vec<String> = inner
            .active
            .get(id)
            .map(|a| [Some(a.version.clone()), a.previous.clone()])
            .into_iter()
            .flatten()
            .flatten()
            .collect();
        keep.push(newest.to_string());
        let Some(vs) = inner.versions.get(id) else {
            return;
        };
        if vs.len() <= self.keep_versions {
            return;
        }
        let mut by_age: Vec<(u64, String)> = vs
            .values()
            .filter(|v| !keep.contains(&v.record.version))
            .map(|v| (v.record.uploaded_at_ms, v.record.version.clone()))
            .collect();
        by_age.sort();
        let excess = vs.len() - self.keep_versions;
        let doomed: Vec<String> = by_age.into_iter().take(excess).map(|(_, v)| v).collect();
        for v in doomed {
            let event = AuditEvent {
                actor: actor.sub.clone(),
                role: actor.role.clone(),
                action: "pack.prune".into(),
                target: format!("{id}@{v}"),
                outcome: AuditOutcome::Ok,
                detail: Some(format!(
                    "more than packs.keep_versions = {}",
                    self.keep_versions
                )),
            };
            match self.service.store().delete_pack_version(id, &v, &event) {
                Ok(()) => {
                    if let Some(vs) = inner.versions.get_mut(id) {
                        vs.remove(&v);
                    }
                }
                Err(e) => tracing::error!(pack = id, version = %v, "cannot prune: {e}"),
            }
        }
        let reg = Arc::new(inner.compose());
        self.service.swap_registry(reg);
    }

    /// Makes `id@version` the active version (`action` is the audit action:
    /// `pack.activate` or `pack.rollback`). The version must be published
    /// or in the packs directory. Durable before it is swapped in.
    pub fn activate(
        &self,
        actor: &Actor,
        id: &str,
        version: &str,
        action: &str,
    ) -> Result<Activated, LifecycleError> {
        let t = Instant::now();
        // Every swap happens under this lock, so `current` is what is served.
        let mut inner = self.lock();
        let current = self
            .service
            .registry()
            .map_err(|e| LifecycleError::NotReady(e.to_string()))?;
        let known = inner
            .versions
            .get(id)
            .is_some_and(|vs| vs.contains_key(version))
            || inner
                .base
                .as_ref()
                .is_some_and(|b| b.get(&format!("{id}@{version}")).is_some());
        if !known {
            let have: Vec<String> = current
                .versions(id)
                .map(|p| p.manifest.version.clone())
                .collect();
            return Err(LifecycleError::Unknown(format!(
                "no version `{version}` of pack `{id}`; available: {}",
                if have.is_empty() {
                    "none".into()
                } else {
                    have.join(", ")
                }
            )));
        }
        let old = current.get(id).map(|p| p.manifest.version.clone());
        let rec = PackActiveRecord {
            version: version.into(),
            previous: old
                .clone()
                .filter(|o| o != version)
                .or_else(|| inner.active.get(id).and_then(|a| a.previous.clone())),
            by: actor.sub.clone(),
            at: now(),
        };
        let event = AuditEvent {
            actor: actor.sub.clone(),
            role: actor.role.clone(),
            action: action.into(),
            target: format!("{id}@{version}"),
            outcome: AuditOutcome::Ok,
            detail: Some(format!("was {}", old.as_deref().unwrap_or("not served"))),
        };
        self.service
            .store()
            .set_pack_active(id, Some(&rec), &event)
            .map_err(LifecycleError::Store)?;
        inner.active.insert(id.to_string(), rec);
        let reg = Arc::new(inner.compose());
        let jurisdiction = reg
            .get(id)
            .map(|p| p.manifest.jurisdiction.clone())
            .unwrap_or_default();
        self.service.swap_registry(reg);
        drop(inner);
        let took = t.elapsed();
        self.service
            .metrics()
            .pack_activation(action, took.as_secs_f64());
        if old.as_deref() != Some(version) {
            self.notify(SwapEvent {
                pack: id.into(),
                jurisdiction,
                old_version: old.clone(),
                new_version: Some(version.into()),
                action: action.into(),
            });
        }
        Ok(Activated {
            id: id.into(),
            old_version: old,
            new_version: Some(version.into()),
            took_ms: ms(took),
        })
    }

    /// Activates `to`, or without it the version active before the current
    /// one.
    pub fn rollback(
        &self,
        actor: &Actor,
        id: &str,
        to: Option<&str>,
    ) -> Result<Activated, LifecycleError> {
        let target = match to {
            Some(v) => v.to_string(),
            None => self
                .lock()
                .active
                .get(id)
                .and_then(|a| a.previous.clone())
                .ok_or_else(|| {
                    LifecycleError::NoRollbackTarget(format!(
                        "pack `{id}` has no previous version to roll back to; name one with `to`"
                    ))
                })?,
        };
        self.activate(actor, id, &target, "pack.rollback")
    }

    /// Clears the active published version of `id`: it then serves its
    /// packs-directory version, if any, else it is not served.
    pub fn deactivate(&self, actor: &Actor, id: &str) -> Result<Activated, LifecycleError> {
        let t = Instant::now();
        let mut inner = self.lock();
        let current = self
            .service
            .registry()
            .map_err(|e| LifecycleError::NotReady(e.to_string()))?;
        if !inner.active.contains_key(id) {
            return Err(LifecycleError::Unknown(format!(
                "pack `{id}` has no active published version"
            )));
        }
        let old = current.get(id).map(|p| p.manifest.version.clone());
        let event = AuditEvent {
            actor: actor.sub.clone(),
            role: actor.role.clone(),
            action: "pack.deactivate".into(),
            target: id.into(),
            outcome: AuditOutcome::Ok,
            detail: Some(format!("was {}", old.as_deref().unwrap_or("not served"))),
        };
        self.service
            .store()
            .set_pack_active(id, None, &event)
            .map_err(LifecycleError::Store)?;
        inner.active.remove(id);
        let reg = Arc::new(inner.compose());
        let new = reg.get(id).map(|p| p.manifest.version.clone());
        let jurisdiction = current
            .get(id)
            .map(|p| p.manifest.jurisdiction.clone())
            .unwrap_or_default();
        self.service.swap_registry(reg);
        drop(inner);
        let took = t.elapsed();
        self.service
            .metrics()
            .pack_activation("pack.deactivate", took.as_secs_f64());
        self.notify(SwapEvent {
            pack: id.into(),
            jurisdiction,
            old_version: old.clone(),
            new_version: new.clone(),
            action: "pack.deactivate".into(),
        });
        Ok(Activated {
            id: id.into(),
            old_version: old,
            new_version: new,
            took_ms: ms(took),
        })
    }

    /// Records a refusal that happened outside [`Lifecycle::publish`] (the
    /// watched directory).
    pub fn record_refusal(&self, actor: &Actor, name: &str, r: Refusal) {
        self.refuse(actor, name, LifecycleError::Refused(r));
    }

    /// One pack's versions: `{id, active, versions:[...]}`, or `None` if no
    /// version of it is known.
    pub fn pack_status(&self, id: &str) -> Option<Value> {
        let reg = self.service.registry().ok()?;
        let inner = self.lock();
        let active = reg.get(id);
        let mut versions: Vec<Value> = Vec::new();
        for p in reg.versions(id) {
            let rec = inner
                .versions
                .get(id)
                .and_then(|vs| vs.get(&p.manifest.version))
                .map(|v| &v.record);
            let is_active = active.as_ref().is_some_and(|a| Arc::ptr_eq(a, p));
            versions.push(json!({
                "version": p.manifest.version,
                "digest": p.code.digest(),
                "source": if rec.is_some() { "published" } else { "packs_dir" },
                "publisher": p.publisher,
                "signer": p.signer,
                "uploaded_by": rec.map(|r| r.uploaded_by.clone()),
                "uploaded_at": rec.map(|r| r.uploaded_at.clone()),
                "active": is_active,
            }));
        }
        if versions.is_empty() {
            return None;
        }
        let a = inner.active.get(id);
        Some(json!({
            "id": id,
            "active": active.map(|p| p.manifest.version.clone()),
            "activated_by": a.map(|a| a.by.clone()),
            "activated_at": a.map(|a| a.at.clone()),
            "previous": a.and_then(|a| a.previous.clone()),
            "versions": versions,
        }))
    }

    /// Every pack's versions, recent refusals (newest last) and load
    /// failures of the packs directory.
    pub fn status(&self) -> Result<Value, LifecycleError> {
        let reg = self
            .service
            .registry()
            .map_err(|e| LifecycleError::NotReady(e.to_string()))?;
        let ids: Vec<String> = reg.ids().cloned().collect();
        let packs: Vec<Value> = ids.iter().filter_map(|id| self.pack_status(id)).collect();
        let refusals: Vec<RefusalEntry> = self
            .refusals
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .cloned()
            .collect();
        let failures: Vec<Value> = reg
            .failures()
            .iter()
            .map(|f| json!({"path": f.path.display().to_string(), "reason": f.error.reason, "error": f.error.message}))
            .collect();
        let (compiled, loaded) = super::compile_cache::stats();
        Ok(json!({
            "trust": {
                "unsigned_accepted": self.trust.allows_unsigned(),
                "development": self.trust.is_development(),
            },
            "packs": packs,
            "refusals": refusals,
            "failures": failures,
            "compile_cache": {"compiled": compiled, "loaded": loaded},
        }))
    }
}
