//! Making a write durable before it is acknowledged.
//!
//! sled 0.34's `flush` is not enough on its own: on Linux it ends each log
//! write with `sync_file_range`, which neither commits the file's metadata
//! (the log grows, so its new length is metadata) nor flushes the disk's
//! write cache, and it writes values above its blob threshold (a report of a
//! few hundred KiB) to files of their own under `blobs/` without syncing
//! them at all; its background flusher `fsync`s the log every 500 ms. A
//! power cut inside that window could lose a validation the client was told
//! is stored. So after sled's flush the store syncs the rest itself:
//!
//! * [`Reach::Log`]: `fdatasync` of sled's log file — for writes of small
//!   values only (a validation whose report was already stored, an audit
//!   entry), which sled keeps inline in the log;
//! * [`Reach::Files`]: `syncfs` of the file system holding the store — for
//!   writes that may have created blob files (a new report, a pack
//!   artifact), covering the files and their directory entries.
//!
//! See docs/storage.md, "Durability".

use std::fs::File;
use std::path::Path;

use super::StoreError;

/// What a write needs synced beyond sled's own flush.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reach {
    /// Only sled's log file: the write held small values only.
    Log,
    /// The whole file system of the store: the write may have made blob
    /// files.
    Files,
}

/// A handle on sled's log file (`<store dir>/db`), kept open to sync it.
#[derive(Debug)]
pub(crate) struct LogFile(File);

impl LogFile {
    /// Opens the log of the sled database in `dir` (after sled opened it).
    pub(crate) fn open(dir: &Path) -> Result<LogFile, StoreError> {
        let path = dir.join("db");
        File::open(&path)
            .map(LogFile)
            .map_err(|e| StoreError::Open {
                dir: dir.to_path_buf(),
                detail: format!("cannot open {} to sync it: {e}", path.display()),
            })
    }

    /// Syncs what `reach` names; sled's flush must have returned first.
    pub(crate) fn sync(&self, reach: Reach) -> Result<(), StoreError> {
        let res = match reach {
            Reach::Log => self.0.sync_data(),
            Reach::Files => syncfs(&self.0),
        };
        res.map_err(|e| StoreError::Io {
            detail: format!("syncing the store: {e}"),
        })
    }
}

/// `syncfs(2)`: every file of the file system holding `f`.
#[cfg(target_os = "linux")]
pub(crate) fn syncfs(f: &File) -> std::io::Result<()> {
    use std::os::unix::io::AsRawFd;
    // SAFETY: syncfs only reads the descriptor, which `f` keeps open.
    if unsafe { libc::syncfs(f.as_raw_fd()) } == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// Elsewhere there is no `syncfs`, and sled syncs its log with `fsync`
/// itself: the log is synced again, blob files are as durable as sled
/// makes them (docs/storage.md).
#[cfg(not(target_os = "linux"))]
pub(crate) fn syncfs(f: &File) -> std::io::Result<()> {
    f.sync_all()
}
