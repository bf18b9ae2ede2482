//! Compiled components cached on disk, keyed by the SHA-256 of the
//! component bytes and the engine's compatibility hash (wasmtime version and
//! every setting that changes machine code), so a restart does not
//! recompile and an engine upgrade never loads stale code.
//!
//! Written by us rather than wasmtime's `cache` feature: the key we need is
//! the content digest that pack signing (issue 4) also uses, and this is
//! forty lines against that feature's extra dependency tree.

use std::hash::{Hash, Hasher};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use sha2::{Digest, Sha256};
use wasmtime::component::Component;

use crate::sandbox::Sandbox;

static COMPILED: AtomicU64 = AtomicU64::new(0);
static LOADED: AtomicU64 = AtomicU64::new(0);

/// Components compiled, and loaded from the disk cache instead, by this
/// process so far: `(compiled, loaded)`. A restart that restores its packs
/// from the cache compiles nothing.
pub fn stats() -> (u64, u64) {
    (
        COMPILED.load(Ordering::Relaxed),
        LOADED.load(Ordering::Relaxed),
    )
}

/// SHA-256 of `bytes`, lowercase hex.
pub fn digest(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn compat_key(sandbox: &Sandbox) -> String {
    // DefaultHasher with its fixed keys is deterministic for a given build,
    // which is all the key needs: another build has another engine anyway.
    #[allow(deprecated)]
    let mut h = std::hash::SipHasher::new();
    sandbox
        .engine()
        .precompile_compatibility_hash()
        .hash(&mut h);
    format!("{:016x}", h.finish())
}

/// Where the artifact for `digest` lives, if caching is on.
pub fn artifact_path(sandbox: &Sandbox, digest: &str) -> Option<PathBuf> {
    let dir = sandbox.config().cache_dir.as_ref()?;
    Some(dir.join(format!("{digest}-{}.cwasm", compat_key(sandbox))))
}

/// Compiles `bytes`, or loads the cached artifact.
pub fn compile(sandbox: &Sandbox, bytes: &[u8], digest: &str) -> wasmtime::Result<Component> {
    let engine = sandbox.engine();
    let Some(path) = artifact_path(sandbox, digest) else {
        COMPILED.fetch_add(1, Ordering::Relaxed);
        return Component::new(engine, bytes);
    };
    if let Ok(cached) = std::fs::read(&path) {
        // Read into memory rather than `deserialize_file` (mmap): a file
        // truncated or rewritten in place under a live mapping would crash
        // the host with SIGBUS, and the cache directory is not ours alone.
        // SAFETY: the bytes were written by `precompile_component` of an
        // engine with the same compatibility hash (it is in the file name);
        // wasmtime checks the header and refuses anything else.
        match unsafe { Component::deserialize(engine, &cached) } {
            Ok(c) => {
                tracing::debug!(path = %path.display(), "compiled pack loaded from cache");
                LOADED.fetch_add(1, Ordering::Relaxed);
                return Ok(c);
            }
            Err(e) => {
                tracing::warn!(path = %path.display(), "discarding unreadable cached artifact: {e:#}");
                let _ = std::fs::remove_file(&path);
            }
        }
    }
    let compiled = engine.precompile_component(bytes)?;
    COMPILED.fetch_add(1, Ordering::Relaxed);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    // Write-then-rename, so a crash never leaves a half-written artifact.
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&tmp, &compiled)?;
    std::fs::rename(&tmp, &path)?;
    // SAFETY: produced just now by this engine.
    unsafe { Component::deserialize(engine, &compiled) }
}
