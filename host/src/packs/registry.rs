//! The packs the server serves: for each pack id the **active** version
//! (what a check naming the id, or its jurisdiction, gets) and every
//! version kept beside it (what `id@version` pins get). A registry is an
//! immutable snapshot: a swap builds a new one and replaces the `Arc`
//! (`Service::swap_registry`), so checks in flight keep the packs they
//! started with.
//!
//! [`Registry::load_dir`] reads a packs directory: each `*.wasm` (a bare
//! component, accepted when unsigned packs are) or `*.pcpack` (a signed
//! artifact, [`super::artifact`]) is verified, compiled and smoke-tested
//! ([`super::prepare`]). A file that fails is recorded with its reason and
//! skipped; it never stops the others from loading.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use plancheck_model::Manifest;

use super::prepare::{prepare, Refusal};
use super::trust::Trust;
use crate::sandbox::{PackCode, Sandbox};

/// A loaded pack: its manifest and compiled code.
#[derive(Debug)]
pub struct Pack {
    /// The manifest the pack reported.
    pub manifest: Manifest,
    /// Compiled, pre-instantiated code.
    pub code: PackCode,
    /// Where it was loaded from (a file, or `store:<id>@<version>`).
    pub path: PathBuf,
    /// The publisher that signed it (`None`: unsigned).
    pub publisher: Option<String>,
    /// Fingerprint of the signing key.
    pub signer: Option<String>,
}

/// A pack that could not be loaded.
#[derive(Debug)]
pub struct LoadFailure {
    /// The file.
    pub path: PathBuf,
    /// Why.
    pub error: Refusal,
}

/// Served packs: the active version of each id, and every kept version.
#[derive(Debug, Default)]
pub struct Registry {
    packs: BTreeMap<String, Arc<Pack>>,
    versions: BTreeMap<String, BTreeMap<String, Arc<Pack>>>,
    failures: Vec<LoadFailure>,
}

/// Splits `id@version` (a pin) into its parts.
pub fn split_pin(s: &str) -> (&str, Option<&str>) {
    match s.split_once('@') {
        Some((id, v)) => (id, Some(v)),
        None => (s, None),
    }
}

impl Registry {
    /// Loads every `*.wasm` and `*.pcpack` in `dir` (sorted by file name),
    /// trusting local files ([`Trust::local`]): what the CLI uses.
    pub fn load_dir(sandbox: &Sandbox, dir: &Path) -> std::io::Result<Registry> {
        Registry::load_dir_with(sandbox, &Trust::local(), dir)
    }

    /// Loads every `*.wasm` and `*.pcpack` in `dir` under `trust`. Names
    /// starting with `.` are skipped (partial files of a write-then-rename).
    pub fn load_dir_with(
        sandbox: &Sandbox,
        trust: &Trust,
        dir: &Path,
    ) -> std::io::Result<Registry> {
        let mut reg = Registry::default();
        for path in pack_files(dir)? {
            if let Err(error) = reg.load_file_with(sandbox, trust, &path) {
                tracing::error!(path = %path.display(), reason = error.reason, "pack not loaded: {error}");
                reg.failures.push(LoadFailure { path, error });
            }
        }
        Ok(reg)
    }

    /// Loads one file (trusting local files) and makes it the active
    /// version of its id.
    pub fn load_file(&mut self, sandbox: &Sandbox, path: &Path) -> Result<Arc<Pack>, Refusal> {
        self.load_file_with(sandbox, &Trust::local(), path)
    }

    fn load_file_with(
        &mut self,
        sandbox: &Sandbox,
        trust: &Trust,
        path: &Path,
    ) -> Result<Arc<Pack>, Refusal> {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let bytes = std::fs::read(path).map_err(|e| Refusal {
            reason: "io",
            stage: "verify",
            message: format!("{}: cannot read: {e}", path.display()),
        })?;
        let prepared = prepare(sandbox, trust, &name, path, &bytes, true)?;
        if let Some(existing) = self.packs.get(&prepared.pack.manifest.id) {
            return Err(Refusal {
                reason: "duplicate",
                stage: "compile",
                message: format!(
                    "{name}: pack id `{}` is already provided by {}",
                    existing.manifest.id,
                    existing.path.display()
                ),
            });
        }
        let pack = Arc::new(prepared.pack);
        self.insert(pack.clone(), true);
        Ok(pack)
    }

    /// Adds a version; `active` makes it the one its id resolves to.
    pub fn insert(&mut self, pack: Arc<Pack>, active: bool) {
        let id = pack.manifest.id.clone();
        self.versions
            .entry(id.clone())
            .or_default()
            .insert(pack.manifest.version.clone(), pack.clone());
        if active {
            self.packs.insert(id, pack);
        }
    }

    /// Removes the active version of `id` (its kept versions stay pinnable).
    pub fn deactivate(&mut self, id: &str) {
        self.packs.remove(id);
    }

    /// A copy sharing every pack (an `Arc` each), to change and swap in.
    pub fn snapshot(&self) -> Registry {
        Registry {
            packs: self.packs.clone(),
            versions: self.versions.clone(),
            failures: self
                .failures
                .iter()
                .map(|f| LoadFailure {
                    path: f.path.clone(),
                    error: f.error.clone(),
                })
                .collect(),
        }
    }

    /// The active version of `id`, or with `id@version` that version.
    pub fn get(&self, id: &str) -> Option<Arc<Pack>> {
        match split_pin(id) {
            (id, Some(v)) => self.versions.get(id)?.get(v).cloned(),
            (id, None) => self.packs.get(id).cloned(),
        }
    }

    /// Every active pack, by id.
    pub fn packs(&self) -> impl Iterator<Item = &Arc<Pack>> {
        self.packs.values()
    }

    /// Every version of `id` this registry can serve, by version.
    pub fn versions(&self, id: &str) -> impl Iterator<Item = &Arc<Pack>> {
        self.versions.get(id).into_iter().flat_map(|m| m.values())
    }

    /// Ids with at least one servable version.
    pub fn ids(&self) -> impl Iterator<Item = &String> {
        self.versions.keys()
    }

    /// Active packs of a jurisdiction (ISO code, case-insensitive; `US` also matches `US-CA`).
    pub fn for_jurisdiction(&self, j: &str) -> Vec<Arc<Pack>> {
        self.packs
            .values()
            .filter(|p| super::trust::covers(j, &p.manifest.jurisdiction))
            .cloned()
            .collect()
    }

    /// Files that failed to load, with reasons.
    pub fn failures(&self) -> &[LoadFailure] {
        &self.failures
    }
}

/// The pack files of `dir`: `*.wasm` and `*.pcpack`, not starting with `.`,
/// sorted by name.
pub fn pack_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default();
            !name.starts_with('.')
                && p.extension()
                    .is_some_and(|x| x == "wasm" || x == super::artifact::EXTENSION)
        })
        .collect();
    files.sort();
    Ok(files)
}
