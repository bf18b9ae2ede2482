//! Persistence: every validation (who asked, when, model, packs, findings)
//! and an append-only audit log, in a [sled](https://docs.rs/sled/0.34)
//! database under `<data_dir>/db`. Layout, guarantees and operations:
//! docs/storage.md.
//!
//! * [`Store::open`] checks the schema version ([`schema`]) and refuses a
//!   database another process holds.
//! * [`Store::put_validation`] writes the record, its report (content
//!   addressed, written once), the index entries and an audit entry as one
//!   entry of the store's [`journal`], synced before sled is given them and
//!   before returning: once it is `Ok`, the validation survives a crash, and
//!   no crash leaves part of one.
//! * [`Store::get_validation`], [`Store::list_validations`] read them back;
//!   [`Store::latest_with_result`] finds a caller's earlier validation with
//!   the same result (a re-check by digest, without the model);
//!   [`Store::append_audit`], [`Store::list_audit`] keep the audit log.
//! * [`Store::put_pack_version`], [`Store::set_pack_active`] and friends
//!   keep published pack versions, their artifacts and which one is active
//!   (issue 4, docs/publishing.md), each change with its audit entry.
//!
//! The store is a thin synchronous layer: every call may touch the disk, so
//! async callers run it on a blocking thread (`spawn_blocking`).

mod audit;
mod clock;
mod journal;
mod packs;
mod records;
pub mod schema;
mod sync;
mod validations;

#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub use clock::{now_ms, rfc3339_ms};
pub use packs::{PackActiveRecord, PackVersionRecord};
pub use records::{
    AuditEntry, AuditEvent, AuditOutcome, ModelFormat, ModelInfo, PackRef, Page, Summary,
    ValidationRecord,
};
pub use schema::SCHEMA_VERSION;

/// Audit action recorded with every stored validation.
pub const ACTION_VALIDATION_CREATE: &str = "validation.create";

/// sled's page cache bound. sled's default is 1 GiB; the store's working set
/// (recent records and reports) is far smaller, and the server has other
/// uses for memory.
const CACHE_CAPACITY_BYTES: u64 = 64 * 1024 * 1024;

const TREE_RESULTS: &str = "results";
const TREE_VALIDATIONS: &str = "validations";
const TREE_BY_PROJECT: &str = "by_project";
const TREE_BY_RESULT: &str = "by_result";
const TREE_AUDIT: &str = "audit";
const TREE_PACK_VERSIONS: &str = "pack_versions";
const TREE_PACK_ARTIFACTS: &str = "pack_artifacts";
const TREE_PACK_ACTIVE: &str = "pack_active";

/// Why a store operation failed. Messages name the directory, id or key.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not be opened (not a directory, no permission,
    /// unreadable or corrupt files, a migration failed).
    #[error("cannot open the database at {}: {detail}", dir.display())]
    Open {
        /// The database directory.
        dir: PathBuf,
        /// What went wrong.
        detail: String,
    },
    /// Another process holds the database.
    #[error(
        "the database at {} is locked: another plancheck process probably uses it \
         (stop it, or give this one another data directory)",
        dir.display()
    )]
    Locked {
        /// The database directory.
        dir: PathBuf,
    },
    /// The database was written by a newer plancheck.
    #[error(
        "the database at {} has schema version {found}; this plancheck understands up to \
         {supported}; upgrade plancheck",
        dir.display()
    )]
    SchemaTooNew {
        /// The database directory.
        dir: PathBuf,
        /// The version found.
        found: u32,
        /// The newest version this binary knows.
        supported: u32,
    },
    /// Stored data is inconsistent or unreadable.
    #[error("the database is corrupt: {what}")]
    Corrupt {
        /// What is wrong, naming the id or key.
        what: String,
    },
    /// A listing cursor that this store did not hand out.
    #[error("bad cursor: {detail}")]
    BadCursor {
        /// What is wrong with it.
        detail: String,
    },
    /// A record the store refuses to write (the caller's bug).
    #[error("invalid validation record: {detail}")]
    Invalid {
        /// What is wrong with it.
        detail: String,
    },
    /// A validation with this id is already stored.
    #[error("validation {id} already exists")]
    Duplicate {
        /// The id.
        id: String,
    },
    /// Reading or writing the database files failed.
    #[error("database I/O error: {detail}")]
    Io {
        /// The error.
        detail: String,
    },
    /// sled failed otherwise.
    #[error("database error: {detail}")]
    Sled {
        /// The error.
        detail: String,
    },
}

impl From<sled::Error> for StoreError {
    fn from(e: sled::Error) -> Self {
        match e {
            sled::Error::Io(e) => StoreError::Io {
                detail: e.to_string(),
            },
            e @ sled::Error::Corruption { .. } => StoreError::Corrupt {
                what: e.to_string(),
            },
            e => StoreError::Sled {
                detail: e.to_string(),
            },
        }
    }
}

impl From<sled::transaction::TransactionError<StoreError>> for StoreError {
    fn from(e: sled::transaction::TransactionError<StoreError>) -> Self {
        match e {
            sled::transaction::TransactionError::Abort(e) => e,
            sled::transaction::TransactionError::Storage(e) => e.into(),
        }
    }
}

/// The persistent store. Cheap to clone (all clones share one database);
/// `Send + Sync`.
#[derive(Clone)]
pub struct Store {
    dir: Arc<Path>,
    db: sled::Db,
    /// report key → report JSON
    results: sled::Tree,
    /// validation id → [`ValidationRecord`] JSON
    validations: sled::Tree,
    /// `project \0 id` → owner
    by_project: sled::Tree,
    /// `owner \0 result key` → id of the owner's latest validation with it
    by_result: sled::Tree,
    /// big-endian seq → [`AuditEntry`] JSON
    audit: sled::Tree,
    /// `pack \0 version` → [`PackVersionRecord`] JSON
    pack_versions: sled::Tree,
    /// `pack \0 version` → the signed artifact as uploaded
    pack_artifacts: sled::Tree,
    /// pack id → [`PackActiveRecord`] JSON
    pack_active: sled::Tree,
    /// Held from taking an audit sequence number until its entry is
    /// committed, so entries become visible in sequence order (a reader
    /// paging with [`Store::list_audit`] never skips one).
    audit_order: Arc<Mutex<()>>,
    /// sled's log file, synced after each flush ([`sync`]).
    log: Arc<sync::LogFile>,
    /// Where validations and audit entries are made durable ([`journal`]);
    /// the last handle's drop checkpoints it.
    journal: Arc<journal::Journal>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Opens (creating if needed) the database in `dir`, the server's
    /// `<data_dir>/db`: checks its schema version, running migrations on an
    /// older one. Fails with [`StoreError::Locked`] when another process has
    /// it open (after waiting up to a second for it to let go),
    /// [`StoreError::SchemaTooNew`] when a newer plancheck wrote it,
    /// [`StoreError::Open`] when it cannot be read.
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        let db = open_db(dir)?;
        // Replays what a crash left in the journal, before a migration
        // could look at the data.
        // I/O and sled failures while opening name the database.
        let opening = |e| match e {
            StoreError::Io { detail } | StoreError::Sled { detail } => StoreError::Open {
                dir: dir.to_path_buf(),
                detail,
            },
            e => e,
        };
        let journal = journal::Journal::open(dir, &db).map_err(opening)?;
        schema::prepare(&db, dir).map_err(opening)?;
        let log = sync::LogFile::open(dir)?;
        // `prepare` ends every write (the schema version, a migration) with
        // sled's flush; this syncs them, and a database just created
        log.sync(sync::Reach::Files)?;
        let tree = |name: &str| db.open_tree(name).map_err(|e| open_error(dir, e));
        Ok(Store {
            dir: dir.into(),
            results: tree(TREE_RESULTS)?,
            validations: tree(TREE_VALIDATIONS)?,
            by_project: tree(TREE_BY_PROJECT)?,
            by_result: tree(TREE_BY_RESULT)?,
            audit: tree(TREE_AUDIT)?,
            pack_versions: tree(TREE_PACK_VERSIONS)?,
            pack_artifacts: tree(TREE_PACK_ARTIFACTS)?,
            pack_active: tree(TREE_PACK_ACTIVE)?,
            db,
            audit_order: Arc::default(),
            log: Arc::new(log),
            journal: Arc::new(journal),
        })
    }

    /// How many journal entries [`Store::open`] found and put back into
    /// sled: writes acknowledged after sled's last sync, before a crash.
    pub fn journal_replayed(&self) -> usize {
        self.journal.replayed()
    }

    /// Makes every write committed so far durable: sled's flush, then what
    /// sled leaves unsynced ([`sync`]). `reach` is what this write needs.
    fn flush(&self, reach: sync::Reach) -> Result<(), StoreError> {
        self.db.flush()?;
        self.log.sync(reach)
    }

    /// The database directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Size of the database files, bytes (for metrics). sled appends and
    /// compacts in the background, so this is larger than the data.
    pub fn size_on_disk(&self) -> Result<u64, StoreError> {
        Ok(self.db.size_on_disk()?)
    }

    /// Number of stored validations (for metrics). O(n): sled keeps no
    /// count, this walks the keys of the validations tree.
    pub fn validation_count(&self) -> usize {
        self.validations.len()
    }
}

/// A new validation id: a UUID v7 (milliseconds since the epoch, then
/// random bits; monotonic within this process), canonical form.
pub fn new_validation_id() -> String {
    uuid::Uuid::now_v7().hyphenated().to_string()
}

/// How long [`Store::open`] waits for the lock: sled releases it from its
/// background threads shortly after the last handle is dropped, so a reopen
/// in the same process (tests, an in-process restart) can briefly find it
/// still held.
const LOCK_WAIT: Duration = Duration::from_secs(1);

/// Opens the sled database, waiting up to [`LOCK_WAIT`] for its lock.
fn open_db(dir: &Path) -> Result<sled::Db, StoreError> {
    let deadline = Instant::now() + LOCK_WAIT;
    loop {
        let res = sled::Config::new()
            .path(dir)
            .cache_capacity(CACHE_CAPACITY_BYTES)
            .open()
            .map_err(|e| open_error(dir, e));
        match res {
            Err(StoreError::Locked { .. }) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(20));
            }
            res => return res,
        }
    }
}

fn open_error(dir: &Path, e: sled::Error) -> StoreError {
    let dir = dir.to_path_buf();
    match e {
        // sled's wording when `flock` on `<dir>/db` fails (WouldBlock).
        sled::Error::Io(ref io) if io.to_string().contains("could not acquire lock") => {
            StoreError::Locked { dir }
        }
        sled::Error::Io(io) => StoreError::Open {
            dir,
            detail: io.to_string(),
        },
        e @ sled::Error::Corruption { .. } => StoreError::Open {
            dir,
            detail: format!("the files are corrupt ({e}); restore a backup"),
        },
        e => StoreError::Open {
            dir,
            detail: e.to_string(),
        },
    }
}
