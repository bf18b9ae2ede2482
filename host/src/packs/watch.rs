//! A watched directory for file-based deploys (`[packs] watch_dir`): every
//! `watch_interval_ms` the server lists the directory's `*.pcpack` (and,
//! where unsigned packs are accepted, `*.wasm`) files and publishes and
//! activates each new or changed one, exactly as an admin's upload with
//! `activate=true` would — verified, compiled and smoke-tested first, so a
//! bad file is refused (status API, metrics, audit log) and the running
//! version stays.
//!
//! Partial files are ignored: names starting with `.` are skipped (write
//! `.name.tmp`, then rename it into place: the rename is atomic), and a
//! file is read only once its size and modification time are the same in
//! two consecutive scans. Removing a file changes nothing served (deactivate
//! through the API). Polling rather than inotify: no extra dependency, and
//! it works on network file systems.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use super::lifecycle::{Actor, Lifecycle};
use super::registry::pack_files;

#[derive(Clone, PartialEq, Eq)]
struct Seen {
    len: u64,
    modified: Option<SystemTime>,
}

/// Starts the watcher thread over `dir`.
pub fn spawn(lifecycle: Arc<Lifecycle>, dir: PathBuf, interval: Duration) {
    let spawned = std::thread::Builder::new()
        .name("pack-watch".into())
        .spawn(move || {
            tracing::info!(dir = %dir.display(), "watching for pack artifacts");
            let mut watcher = Watcher::default();
            loop {
                watcher.scan(&lifecycle, &dir);
                std::thread::sleep(interval);
            }
        });
    if let Err(e) = spawned {
        tracing::error!("cannot start the pack directory watcher: {e}");
    }
}

/// What a watcher has seen, between scans.
#[derive(Default)]
pub struct Watcher {
    /// Last observation of each file.
    pending: HashMap<PathBuf, Seen>,
    /// Observation when it was last published (or refused).
    done: HashMap<PathBuf, Seen>,
}

impl Watcher {
    /// One scan: publishes files that are new or changed and were stable
    /// since the previous scan. Returns how many it handed to the lifecycle.
    pub fn scan(&mut self, lifecycle: &Lifecycle, dir: &std::path::Path) -> usize {
        let files = match pack_files(dir) {
            Ok(f) => f,
            Err(e) => {
                tracing::warn!(dir = %dir.display(), "cannot list the watched directory: {e}");
                return 0;
            }
        };
        let mut handled = 0;
        for path in files {
            let Ok(meta) = std::fs::metadata(&path) else {
                continue;
            };
            let seen = Seen {
                len: meta.len(),
                modified: meta.modified().ok(),
            };
            if self.done.get(&path) == Some(&seen) {
                continue;
            }
            if self.pending.get(&path) != Some(&seen) {
                // New or still changing: look again next scan.
                self.pending.insert(path, seen);
                continue;
            }
            self.done.insert(path.clone(), seen);
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let actor = Actor {
                sub: format!("watch:{name}"),
                role: "admin".into(),
            };
            handled += 1;
            match std::fs::read(&path) {
                Ok(bytes) => match lifecycle.publish(&actor, &name, &bytes, &|_| true, true) {
                    Ok(p) => {
                        tracing::info!(file = %name, pack = %p.id, version = %p.version, "deployed from the watched directory")
                    }
                    Err(e) => tracing::error!(file = %name, "not deployed: {e}"),
                },
                Err(e) => tracing::error!(file = %name, "cannot read: {e}"),
            }
        }
        handled
    }
}
