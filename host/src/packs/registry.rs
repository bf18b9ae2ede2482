//! The packs installed in a directory: each `*.wasm` file is a rule pack
//! component. A pack that fails to load is recorded with its reason and
//! skipped; it never stops the others from loading.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use plancheck_model::Manifest;

use crate::bindings::CONTRACTS;
use crate::sandbox::{PackCode, PluginError, Sandbox};

/// A loaded pack: its manifest and compiled code.
#[derive(Debug)]
pub struct Pack {
    /// The manifest the pack reported.
    pub manifest: Manifest,
    /// Compiled, pre-instantiated code.
    pub code: PackCode,
    /// Where it was loaded from.
    pub path: PathBuf,
}

/// A pack that could not be loaded.
#[derive(Debug)]
pub struct LoadFailure {
    /// The file.
    pub path: PathBuf,
    /// Why.
    pub error: PluginError,
}

/// Installed packs, by id.
#[derive(Debug, Default)]
pub struct Registry {
    packs: BTreeMap<String, Arc<Pack>>,
    failures: Vec<LoadFailure>,
}

impl Registry {
    /// Loads every `*.wasm` in `dir` (sorted by file name).
    pub fn load_dir(sandbox: &Sandbox, dir: &Path) -> std::io::Result<Registry> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "wasm"))
            .collect();
        files.sort();
        let mut reg = Registry::default();
        for path in files {
            if let Err(error) = reg.load_file(sandbox, &path) {
                tracing::error!(path = %path.display(), "pack not loaded: {error}");
                reg.failures.push(LoadFailure { path, error });
            }
        }
        Ok(reg)
    }

    /// Loads one component file and registers it under its manifest id.
    pub fn load_file(&mut self, sandbox: &Sandbox, path: &Path) -> Result<Arc<Pack>, PluginError> {
        let bytes = crate::sandbox::read_component(path)?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let code = sandbox.load_pack(&name, &bytes, None)?;
        let manifest = sandbox.manifest(&code)?;
        validate_manifest(&name, &manifest)?;
        if let Some(existing) = self.packs.get(&manifest.id) {
            return Err(PluginError::Host {
                plugin: name,
                detail: format!(
                    "pack id `{}` is already provided by {}",
                    manifest.id,
                    existing.path.display()
                ),
            });
        }
        let pack = Arc::new(Pack {
            manifest,
            code,
            path: path.to_path_buf(),
        });
        self.packs.insert(pack.manifest.id.clone(), pack.clone());
        Ok(pack)
    }

    /// A pack by id.
    pub fn get(&self, id: &str) -> Option<Arc<Pack>> {
        self.packs.get(id).cloned()
    }

    /// Every pack, by id.
    pub fn packs(&self) -> impl Iterator<Item = &Arc<Pack>> {
        self.packs.values()
    }

    /// Packs of a jurisdiction (ISO code, case-insensitive; `US` also matches `US-CA`).
    pub fn for_jurisdiction(&self, j: &str) -> Vec<Arc<Pack>> {
        let j = j.to_ascii_uppercase();
        self.packs
            .values()
            .filter(|p| {
                let pj = p.manifest.jurisdiction.to_ascii_uppercase();
                pj == j || pj.starts_with(&format!("{j}-"))
            })
            .cloned()
            .collect()
    }

    /// Files that failed to load, with reasons.
    pub fn failures(&self) -> &[LoadFailure] {
        &self.failures
    }
}

fn validate_manifest(name: &str, m: &Manifest) -> Result<(), PluginError> {
    let bad = |detail: String| PluginError::Host {
        plugin: name.into(),
        detail: format!("invalid manifest: {detail}"),
    };
    // (the sandbox already checked it agrees with the component's export)
    if !CONTRACTS.contains(&m.contract.as_str()) {
        return Err(PluginError::ContractVersion {
            plugin: name.into(),
            found: m.contract.clone(),
            supported: crate::bindings::supported(),
        });
    }
    if m.id.is_empty()
        || !m
            .id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err(bad(format!(
            "id `{}` must be non-empty lowercase letters, digits and '-'",
            m.id
        )));
    }
    let mut seen = std::collections::HashSet::new();
    for r in &m.rules {
        if !seen.insert(&r.id) {
            return Err(bad(format!("rule id `{}` appears twice", r.id)));
        }
    }
    Ok(())
}
