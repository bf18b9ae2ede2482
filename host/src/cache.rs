//! The result cache: a repeated check is a lookup.
//!
//! Keyed by [`result_key`]: the model's digest, the digests of the packs used
//! (in order), and the options (rules, parameters). Values are the check
//! report and its rendered JSON, weighed by size. Because pack digests are in
//! the key, a changed pack can never serve a stale result; on top of that
//! [`ResultCache::invalidate_pack`] drops the entries of a replaced pack at
//! once, so their memory is not held until eviction.
//!
//! Backed by moka (a concurrent TinyLFU cache). Reports in which a pack
//! failed are not cached: the failure (a CPU-time limit, say) may not recur.

use std::sync::Arc;
use std::time::Duration;

use moka::notification::RemovalCause;
use moka::sync::Cache;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::check::CheckReport;

/// Default cache size: 256 MiB of rendered reports.
pub const DEFAULT_MAX_BYTES: u64 = 256 << 20;

/// `[cache]` configuration.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CacheConfig {
    /// Whether results are cached at all (`false` for cold benchmarks).
    pub enabled: bool,
    /// Upper bound on the cache's size, bytes (approximate: rendered JSON).
    pub max_bytes: u64,
    /// Entries older than this are dropped, seconds (0: no limit).
    pub ttl_secs: u64,
}

impl Default for CacheConfig {
    fn default() -> Self {
        CacheConfig {
            enabled: true,
            max_bytes: DEFAULT_MAX_BYTES,
            ttl_secs: 0,
        }
    }
}

/// A cached check: the report and its rendered JSON.
#[derive(Debug)]
pub struct CachedResult {
    /// The report (live sessions replay it pack by pack).
    pub report: Arc<CheckReport>,
    /// The report rendered as compact JSON.
    pub json: Arc<str>,
    /// Digests of the packs that produced it.
    pub pack_digests: Vec<String>,
}

/// Why an entry left the cache (the `cause` label of the eviction metric).
pub fn cause_label(cause: RemovalCause) -> &'static str {
    match cause {
        RemovalCause::Size => "size",
        RemovalCause::Expired => "expired",
        RemovalCause::Explicit => "invalidated",
        RemovalCause::Replaced => "replaced",
    }
}

/// The key of a result: SHA-256 over a versioned, unambiguous encoding of
/// the model digest, each pack's id and digest, the rules and the
/// parameters. Hex.
pub fn result_key(
    model_digest: &str,
    packs: &[(&str, &str)],
    rules: &[String],
    params: &[(String, String)],
) -> String {
    let mut h = Sha256::new();
    let mut field = |tag: &str, v: &str| {
        h.update(tag.as_bytes());
        h.update((v.len() as u64).to_le_bytes());
        h.update(v.as_bytes());
    };
    field("plancheck-result-v1", "");
    field("model", model_digest);
    for (id, digest) in packs {
        field("pack", id);
        field("digest", digest);
    }
    for r in rules {
        field("rule", r);
    }
    for (k, v) in params {
        field("param", k);
        field("value", v);
    }
    hex::encode(h.finalize())
}

/// The in-process result cache (cheap to clone).
#[derive(Clone)]
pub struct ResultCache {
    inner: Option<Cache<String, Arc<CachedResult>>>,
}

impl std::fmt::Debug for ResultCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResultCache")
            .field("enabled", &self.inner.is_some())
            .finish()
    }
}

impl ResultCache {
    /// A cache as configured; `on_evict` is told why each entry left
    /// (metrics).
    pub fn new(
        config: &CacheConfig,
        on_evict: impl Fn(RemovalCause) + Send + Sync + 'static,
    ) -> ResultCache {
        if !config.enabled {
            return ResultCache { inner: None };
        }
        let mut b = Cache::builder()
            .max_capacity(config.max_bytes)
            .weigher(|k: &String, v: &Arc<CachedResult>| {
                let bytes = k.len() + v.json.len() * 2 + 256;
                u32::try_from(bytes).unwrap_or(u32::MAX)
            })
            .eviction_listener(move |_k, _v, cause| on_evict(cause))
            .support_invalidation_closures();
        if config.ttl_secs > 0 {
            b = b.time_to_live(Duration::from_secs(config.ttl_secs));
        }
        ResultCache {
            inner: Some(b.build()),
        }
    }

    /// Whether caching is on.
    pub fn enabled(&self) -> bool {
        self.inner.is_some()
    }

    /// The cached result for `key`.
    pub fn get(&self, key: &str) -> Option<Arc<CachedResult>> {
        self.inner.as_ref()?.get(key)
    }

    /// Caches a result (not if any pack failed; see the module docs).
    pub fn insert(&self, key: String, value: Arc<CachedResult>) {
        if let Some(c) = &self.inner {
            if !value.report.has_errors() {
                c.insert(key, value);
            }
        }
    }

    /// Drops every entry produced by the pack with this digest.
    pub fn invalidate_pack(&self, digest: &str) {
        if let Some(c) = &self.inner {
            let d = digest.to_string();
            // Only fails when closures are not supported, which they are.
            let _ = c.invalidate_entries_if(move |_k, v| v.pack_digests.contains(&d));
            c.run_pending_tasks();
        }
    }

    /// Number of entries (after pending maintenance).
    pub fn entry_count(&self) -> u64 {
        match &self.inner {
            Some(c) => {
                c.run_pending_tasks();
                c.entry_count()
            }
            None => 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn report(error: bool) -> Arc<CheckReport> {
        Arc::new(CheckReport {
            schema: "IFC4".into(),
            elements: 0,
            model_warnings: vec![],
            packs: vec![crate::check::PackReport {
                pack: "p".into(),
                version: "1".into(),
                code: "X 1".into(),
                digest: "d1".into(),
                findings: vec![],
                error: error.then(|| "boom".into()),
                error_kind: None,
                millis: 0.0,
            }],
        })
    }

    fn entry(digests: &[&str], error: bool) -> Arc<CachedResult> {
        Arc::new(CachedResult {
            report: report(error),
            json: "{}".into(),
            pack_digests: digests.iter().map(|s| s.to_string()).collect(),
        })
    }

    #[test]
    fn key_changes_with_every_input() {
        let base = result_key("m", &[("a", "d1")], &[], &[]);
        assert_eq!(base, result_key("m", &[("a", "d1")], &[], &[]));
        assert_ne!(base, result_key("m2", &[("a", "d1")], &[], &[]));
        assert_ne!(base, result_key("m", &[("a", "d2")], &[], &[]));
        assert_ne!(base, result_key("m", &[("a", "d1")], &["r".into()], &[]));
        assert_ne!(
            base,
            result_key("m", &[("a", "d1")], &[], &[("a.x".into(), "1".into())])
        );
        // Concatenation cannot collide: lengths are part of the encoding.
        assert_ne!(
            result_key("m", &[("ab", "c")], &[], &[]),
            result_key("m", &[("a", "bc")], &[], &[])
        );
    }

    #[test]
    fn insert_get_invalidate_and_skip_errors() {
        let evictions = Arc::new(AtomicUsize::new(0));
        let e2 = evictions.clone();
        let c = ResultCache::new(&CacheConfig::default(), move |_| {
            e2.fetch_add(1, Ordering::SeqCst);
        });
        c.insert("k1".into(), entry(&["d1"], false));
        c.insert("k2".into(), entry(&["d2"], false));
        c.insert("k3".into(), entry(&["d1"], true));
        assert!(c.get("k1").is_some());
        assert!(c.get("k3").is_none(), "failed reports are not cached");
        assert_eq!(c.entry_count(), 2);
        c.invalidate_pack("d1");
        assert!(c.get("k1").is_none());
        assert!(c.get("k2").is_some());
        assert_eq!(c.entry_count(), 1);
        assert_eq!(evictions.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn disabled_cache_holds_nothing() {
        let c = ResultCache::new(
            &CacheConfig {
                enabled: false,
                ..CacheConfig::default()
            },
            |_| {},
        );
        c.insert("k".into(), entry(&["d"], false));
        assert!(c.get("k").is_none());
        assert!(!c.enabled());
    }
}
