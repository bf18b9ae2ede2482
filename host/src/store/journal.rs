//! The store's journal: one write and one `fdatasync` make a validation (or
//! an audit entry) durable before it is acknowledged; sled catches up in
//! the background.
//!
//! Why it exists (docs/storage.md, "Durability"): sled 0.34's `flush` hands
//! every log write to sled's I/O thread pool, whose queue wakes all seven
//! idle pool threads (`notify_all`) per write; a validation is two such
//! writes (sled's transactions roll the buffer twice, flush or no flush),
//! then our own `fdatasync` of the log ([`super::sync`]). On the
//! benchmark machine that was 0.52 ms per cached request and 28 % of the
//! server's CPU, against 0.13 ms for a write and `fdatasync` of a block the
//! file system has already allocated (docs/performance.md). sled has no
//! setting that writes inline, so the hot writes go here first.
//!
//! # Layout
//!
//! Two segment files beside sled's, `<store dir>/journal.0` and
//! `journal.1`, each created zero-filled to [`SEGMENT_BYTES`]: an entry
//! overwrites blocks that are already allocated and initialised, so its
//! `fdatasync` commits no file-system metadata. A segment that fills up
//! grows like any file (slower syncs, still correct) until it is reused.
//!
//! * Header, at offset 0 ([`HEADER_BYTES`] reserved): magic, a sequence
//!   number (which of the two segments is newer) and a random nonce, with a
//!   CRC-32. A zeroed header means nothing to replay.
//! * Entries, from [`HEADER_BYTES`] on: magic, payload length, the
//!   segment's nonce, CRC-32 of nonce, length and payload. The payload is
//!   the inserts of one sled transaction (tree name, key, value). Segments
//!   are reused, so past the last entry lie zeros or entries of an earlier
//!   use (another nonce): an entry belongs to the segment only if it
//!   carries the segment's current nonce and its CRC holds.
//!
//! # Protocol
//!
//! * **Write** ([`Journal::write`]): under the journal's lock, the entry
//!   is written at the end of the active segment and `fdatasync`ed, and
//!   only then are its inserts made in sled, without a sled transaction
//!   (each of those rolls sled's log buffer twice, and each roll is a write
//!   on sled's thread pool: the cost this journal removes). A crash
//!   therefore leaves either nothing of a write in sled, or a synced entry
//!   that recovery completes sled from; the store makes its inserts in
//!   dependency order (a report before its record, a record before its
//!   index entries), so a reader that finds an index entry finds what it
//!   names. Only then is the write acknowledged.
//! * **Checkpoint** (the `plancheck-journal` thread, every
//!   [`CHECKPOINT_INTERVAL`] while entries are pending, or as soon as the
//!   active segment holds [`CHECKPOINT_BYTES`]): writers are switched to the
//!   other segment (new nonce, header synced first); every entry of the old
//!   segment was given to sled under the same lock, so sled's flush
//!   and a `syncfs` of the store's file system make them all durable in
//!   sled; then the old segment's header is zeroed. Dropping the journal
//!   (the last [`super::Store`] handle) runs a last checkpoint, so a clean
//!   shutdown leaves nothing to replay.
//! * **Recovery** ([`Journal::open`], before the store is used): the
//!   entries of every segment with a header are inserted into sled again,
//!   older segment first, entry by entry; sled is flushed and synced, and
//!   the headers zeroed. Re-inserting is idempotent: the journal only holds
//!   keys that are written through it, with their full values. An entry
//!   cut short by a crash ends its segment (it was never acknowledged).
//! * **Failure**: if a sync or a checkpoint fails, the kernel may have
//!   dropped the pages it could not write, so later entries could sit
//!   behind a hole that replay stops at. The journal then refuses every
//!   later write, naming the first error, until the server restarts and
//!   recovery runs.

use std::fs::{File, OpenOptions};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::StoreError;

/// Size each segment is created at, zero-filled.
pub(crate) const SEGMENT_BYTES: u64 = 8 << 20;
/// Bytes reserved for a segment's header; entries start here.
pub(crate) const HEADER_BYTES: u64 = 4096;
/// A checkpoint starts as soon as the active segment reaches this size.
pub(crate) const CHECKPOINT_BYTES: u64 = SEGMENT_BYTES / 2;
/// Longest time entries wait for a checkpoint (sled syncs every 500 ms of
/// its own anyway; this bounds what a restart replays).
pub(crate) const CHECKPOINT_INTERVAL: Duration = Duration::from_secs(1);

/// `PCJRNL` and the format version, `01`.
const SEGMENT_MAGIC: [u8; 8] = *b"PCJRNL01";
/// Segment magics of any format version share this prefix.
const SEGMENT_MAGIC_FAMILY: &[u8; 6] = b"PCJRNL";
/// Magic, sequence number, nonce, CRC-32.
const SEGMENT_HEADER_LEN: usize = 8 + 8 + 8 + 4;
const ENTRY_MAGIC: u32 = u32::from_le_bytes(*b"PJE1");
/// Magic, payload length, nonce, CRC-32, 4 bytes reserved.
const ENTRY_HEADER_LEN: usize = 4 + 4 + 8 + 4 + 4;
/// The one operation entries hold: insert (tree, key, value).
const OP_INSERT: u8 = 1;

/// The inserts of one transaction, recorded as one journal entry.
#[derive(Debug)]
pub(crate) struct Batch {
    /// The entry as it will be written: header (filled by
    /// [`Journal::append`]), then the operations.
    buf: Vec<u8>,
}

impl Batch {
    /// An empty batch.
    pub(crate) fn new() -> Batch {
        Batch {
            buf: vec![0; ENTRY_HEADER_LEN],
        }
    }

    /// Records that `tree` got `key` → `value`. Tree names are the store's
    /// constants (shorter than 256 bytes); keys and values fit in a `u32`
    /// length (the server bounds request bodies far below that).
    pub(crate) fn insert(&mut self, tree: &str, key: &[u8], value: &[u8]) {
        debug_assert!(tree.len() <= usize::from(u8::MAX));
        self.buf.push(OP_INSERT);
        self.buf.push(tree.len() as u8);
        self.buf.extend_from_slice(tree.as_bytes());
        put_bytes(&mut self.buf, key);
        put_bytes(&mut self.buf, value);
    }
}

impl Batch {
    /// Fills in the entry's header for a segment whose nonce is `nonce`;
    /// the entry as written.
    fn seal(&mut self, nonce: u64) -> Result<&[u8], StoreError> {
        let payload = self.buf.len() - ENTRY_HEADER_LEN;
        let len = u32::try_from(payload).map_err(|_| StoreError::Invalid {
            detail: format!("a write of {payload} bytes is too large for the store"),
        })?;
        let buf = &mut self.buf;
        buf[0..4].copy_from_slice(&ENTRY_MAGIC.to_le_bytes());
        buf[4..8].copy_from_slice(&len.to_le_bytes());
        buf[8..16].copy_from_slice(&nonce.to_le_bytes());
        let crc = entry_crc(&buf[4..16], &buf[ENTRY_HEADER_LEN..]);
        buf[16..20].copy_from_slice(&crc.to_le_bytes());
        Ok(buf)
    }
}

fn put_bytes(buf: &mut Vec<u8>, bytes: &[u8]) {
    buf.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
    buf.extend_from_slice(bytes);
}

/// The journal of one open store (see the module docs).
pub(crate) struct Journal {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
    /// Entries recovery inserted into sled again when the store opened.
    replayed: usize,
}

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journal")
            .field("replayed", &self.replayed)
            .finish_non_exhaustive()
    }
}

struct Shared {
    dir: PathBuf,
    db: sled::Db,
    state: Mutex<State>,
    /// Wakes the checkpoint thread (segment full, or stop).
    wake: Condvar,
}

struct State {
    segments: [Segment; 2],
    /// Index of the segment writers append to.
    active: usize,
    /// Sequence number of the active segment's header.
    seq: u64,
    /// Whether the active segment holds entries not yet checkpointed.
    pending: bool,
    /// Set when the journal is dropped: checkpoint and end the thread.
    stop: bool,
    /// The first sync or checkpoint failure; every later write fails.
    failed: Option<String>,
}

impl State {
    /// Records the first failure: every later write is refused with it.
    fn fail(&mut self, detail: &str) {
        if self.failed.is_none() {
            tracing::error!(
                error = detail,
                "the store's journal failed: no more writes until the server restarts"
            );
            self.failed = Some(detail.to_string());
        }
    }
}

struct Segment {
    path: PathBuf,
    file: Arc<File>,
    nonce: u64,
    /// Where the next entry goes.
    end: u64,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn fail(&self, detail: &str) {
        self.lock().fail(detail);
    }

    /// Moves writers to the other segment and makes the old one's entries
    /// durable in sled (see the module docs, "Checkpoint").
    fn checkpoint(&self) -> Result<(), StoreError> {
        let old = {
            let mut st = self.lock();
            if st.failed.is_some() || !st.pending {
                return Ok(());
            }
            let next = 1 - st.active;
            let seq = st.seq + 1;
            st.segments[next].start(seq)?;
            st.seq = seq;
            st.pending = false;
            let old = std::mem::replace(&mut st.active, next);
            st.segments[old].file.clone()
        };
        self.db.flush()?;
        super::sync::syncfs(&old).map_err(|e| io(&self.dir, "syncing the store", e))?;
        clear_header(&old).map_err(|e| io(&self.dir, "clearing a journal segment", e))
    }
}

impl Segment {
    /// Starts a new use of this segment: a new nonce, the header written
    /// and synced before any entry.
    fn start(&mut self, seq: u64) -> Result<(), StoreError> {
        let nonce = loop {
            let n = getrandom::u64().map_err(|e| StoreError::Io {
                detail: format!("no randomness for a journal nonce: {e}"),
            })?;
            if n != self.nonce {
                break n;
            }
        };
        let header = segment_header(seq, nonce);
        let res = (|| {
            let len = self.file.metadata()?.len();
            if len > SEGMENT_BYTES {
                // It grew in a burst: back to its size (all of which is
                // allocated and initialised).
                self.file.set_len(SEGMENT_BYTES)?;
            }
            self.file.write_all_at(&header, 0)?;
            if len > SEGMENT_BYTES {
                self.file.sync_all()
            } else {
                self.file.sync_data()
            }
        })();
        res.map_err(|e| io(&self.path, "starting a journal segment", e))?;
        self.nonce = nonce;
        self.end = HEADER_BYTES;
        Ok(())
    }
}

impl Journal {
    /// Opens the journal of the store in `dir` (sled's directory, which the
    /// caller holds the lock of), creating its segments if needed, replays
    /// what a crash left in them into `db`, and starts the checkpoint
    /// thread.
    pub(crate) fn open(dir: &Path, db: &sled::Db) -> Result<Journal, StoreError> {
        let mut created = false;
        let mut files = Vec::with_capacity(2);
        for i in 0..2 {
            let path = dir.join(format!("journal.{i}"));
            let (file, new) = open_segment(&path)?;
            created |= new;
            files.push((path, file));
        }
        if created {
            // The new files' directory entries.
            File::open(dir)
                .and_then(|d| d.sync_all())
                .map_err(|e| io(dir, "syncing the directory", e))?;
        }

        // Recovery: segments with a header, older first.
        let mut live = Vec::new();
        for (i, (path, file)) in files.iter().enumerate() {
            if let Some((seq, nonce)) = read_header(path, file)? {
                live.push((seq, nonce, i));
            }
        }
        live.sort_unstable();
        let mut replayed = 0;
        for &(_, nonce, i) in &live {
            let (path, file) = &files[i];
            replayed += replay(path, file, nonce, db)?;
        }
        if !live.is_empty() {
            db.flush()?;
            super::sync::syncfs(&files[0].1).map_err(|e| io(dir, "syncing the store", e))?;
            for &(_, _, i) in &live {
                let (path, file) = &files[i];
                clear_header(file).map_err(|e| io(path, "clearing a journal segment", e))?;
            }
            tracing::info!(
                entries = replayed,
                "store: replayed the journal (writes acknowledged after sled's last sync)"
            );
        }

        let seq = live.iter().map(|&(seq, _, _)| seq).max().unwrap_or(0) + 1;
        let mut segments = files.into_iter().map(|(path, file)| Segment {
            path,
            file: Arc::new(file),
            nonce: 0,
            end: HEADER_BYTES,
        });
        let mut segments = [segments.next().unwrap(), segments.next().unwrap()];
        segments[0].start(seq)?;
        let shared = Arc::new(Shared {
            dir: dir.to_path_buf(),
            db: db.clone(),
            state: Mutex::new(State {
                segments,
                active: 0,
                seq,
                pending: false,
                stop: false,
                failed: None,
            }),
            wake: Condvar::new(),
        });
        let thread = {
            let shared = shared.clone();
            std::thread::Builder::new()
                .name("plancheck-journal".into())
                .spawn(move || checkpoints(&shared))
                .map_err(|e| io(dir, "starting the journal's checkpoint thread", e))?
        };
        Ok(Journal {
            shared,
            thread: Some(thread),
            replayed,
        })
    }

    /// Entries recovery inserted into sled again when the store opened.
    pub(crate) fn replayed(&self) -> usize {
        self.replayed
    }

    /// Makes `batch` durable, then runs `apply` (which inserts the same
    /// writes into sled), all under the journal's lock: the entry is
    /// written at the end of the active segment and `fdatasync`ed before
    /// sled sees any of it, so a crash leaves either nothing of the batch
    /// or a synced entry that recovery completes sled from; and a
    /// checkpoint, which takes the same lock, never finds an entry that
    /// sled has not been given. Writes are in commit order. If the sync or
    /// `apply` fails, the journal refuses every later write (see the
    /// module docs, "Failure").
    pub(crate) fn write(
        &self,
        mut batch: Batch,
        apply: impl FnOnce() -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let mut st = self.shared.lock();
        if let Some(first) = &st.failed {
            return Err(StoreError::Io {
                detail: format!(
                    "the store refuses writes since an earlier failure ({first}); \
                     restart the server"
                ),
            });
        }
        let active = st.active;
        let seg = &mut st.segments[active];
        let buf = batch.seal(seg.nonce)?;
        // A failed write leaves `end` where it was: the next entry
        // overwrites whatever part of this one reached the file.
        seg.file
            .write_all_at(buf, seg.end)
            .map_err(|e| io(&seg.path, "writing the journal", e))?;
        seg.end += buf.len() as u64;
        let full = seg.end >= CHECKPOINT_BYTES;
        st.pending = true;
        let res = st.segments[active]
            .file
            .sync_data()
            .map_err(|e| io(&st.segments[active].path, "syncing the journal", e))
            .and_then(|()| apply());
        if let Err(e) = &res {
            st.fail(&e.to_string());
        }
        drop(st);
        if full {
            self.shared.wake.notify_one();
        }
        res
    }
}

impl Drop for Journal {
    fn drop(&mut self) {
        self.shared.lock().stop = true;
        self.shared.wake.notify_one();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        // The last checkpoint made everything durable in sled: clear the
        // active segment too, so that the next open has nothing to read.
        let st = self.shared.lock();
        if st.failed.is_none() && !st.pending {
            let seg = &st.segments[st.active];
            if let Err(e) = clear_header(&seg.file) {
                tracing::warn!(segment = %seg.path.display(), error = %e, "store: clearing the journal at shutdown");
            }
        }
    }
}

/// The checkpoint thread's loop (see the module docs).
fn checkpoints(shared: &Shared) {
    loop {
        let deadline = Instant::now() + CHECKPOINT_INTERVAL;
        let stop = {
            let mut st = shared.lock();
            loop {
                let full = st.segments[st.active].end >= CHECKPOINT_BYTES;
                let now = Instant::now();
                // After a failure only `stop` ends the wait: there is
                // nothing a checkpoint may do.
                if st.stop || (st.failed.is_none() && (full || now >= deadline)) {
                    break;
                }
                let wait = deadline
                    .saturating_duration_since(now)
                    .max(CHECKPOINT_INTERVAL / 10);
                st = shared
                    .wake
                    .wait_timeout(st, wait)
                    .unwrap_or_else(|p| p.into_inner())
                    .0;
            }
            st.stop
        };
        if let Err(e) = shared.checkpoint() {
            shared.fail(&e.to_string());
        }
        if stop {
            return;
        }
    }
}

/// Opens (creating) a segment, zero-filling it up to [`SEGMENT_BYTES`];
/// `true` when it had to be created or extended.
fn open_segment(path: &Path) -> Result<(File, bool), StoreError> {
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(|e| io(path, "opening the journal", e))?;
    let len = file
        .metadata()
        .map_err(|e| io(path, "reading the journal", e))?
        .len();
    if len >= SEGMENT_BYTES {
        return Ok((file, false));
    }
    let zeros = vec![0u8; 1 << 20];
    let mut at = len;
    let res = (|| {
        while at < SEGMENT_BYTES {
            let n = (SEGMENT_BYTES - at).min(zeros.len() as u64) as usize;
            file.write_all_at(&zeros[..n], at)?;
            at += n as u64;
        }
        file.sync_all()
    })();
    res.map_err(|e| io(path, "creating the journal", e))?;
    Ok((file, true))
}

/// The header's sequence number and nonce, or `None` when it is clear.
fn read_header(path: &Path, file: &File) -> Result<Option<(u64, u64)>, StoreError> {
    let mut h = [0u8; SEGMENT_HEADER_LEN];
    file.read_exact_at(&mut h, 0)
        .map_err(|e| io(path, "reading the journal", e))?;
    if h[..8] != SEGMENT_MAGIC {
        if h[..6] == *SEGMENT_MAGIC_FAMILY {
            return Err(StoreError::Open {
                dir: path.to_path_buf(),
                detail: format!(
                    "journal format {:?} is not one this plancheck reads (a newer \
                     plancheck wrote it: upgrade plancheck)",
                    String::from_utf8_lossy(&h[6..8])
                ),
            });
        }
        return Ok(None);
    }
    let crc = u32::from_le_bytes(h[24..28].try_into().unwrap());
    if crc != crc32fast::hash(&h[8..24]) {
        // A header is written before any entry of its segment, and synced:
        // one that does not check out was being written when the machine
        // stopped, before any entry followed it.
        tracing::warn!(segment = %path.display(), "store: ignoring a torn journal header");
        return Ok(None);
    }
    let seq = u64::from_le_bytes(h[8..16].try_into().unwrap());
    let nonce = u64::from_le_bytes(h[16..24].try_into().unwrap());
    Ok(Some((seq, nonce)))
}

/// Inserts the segment's entries into `db`, in order; the number of
/// entries.
fn replay(path: &Path, file: &File, nonce: u64, db: &sled::Db) -> Result<usize, StoreError> {
    let len = file
        .metadata()
        .map_err(|e| io(path, "reading the journal", e))?
        .len();
    let mut data = vec![0u8; len as usize];
    file.read_exact_at(&mut data, 0)
        .map_err(|e| io(path, "reading the journal", e))?;
    let mut at = HEADER_BYTES as usize;
    let mut entries = 0;
    while let Some(h) = data.get(at..at + ENTRY_HEADER_LEN) {
        let magic = u32::from_le_bytes(h[0..4].try_into().unwrap());
        let n = u32::from_le_bytes(h[4..8].try_into().unwrap()) as usize;
        let entry_nonce = u64::from_le_bytes(h[8..16].try_into().unwrap());
        let crc = u32::from_le_bytes(h[16..20].try_into().unwrap());
        if magic != ENTRY_MAGIC || entry_nonce != nonce {
            break; // zeros, or an earlier use of the segment
        }
        let start = at + ENTRY_HEADER_LEN;
        let payload = start
            .checked_add(n)
            .and_then(|end| data.get(start..end))
            .filter(|p| entry_crc(&h[4..16], p) == crc);
        let Some(payload) = payload else {
            tracing::warn!(
                segment = %path.display(),
                offset = at,
                "store: the journal ends with an entry cut short (a write the crash \
                 interrupted, never acknowledged)"
            );
            break;
        };
        let corrupt = |what: &str| StoreError::Corrupt {
            what: format!(
                "journal entry at {}:{at} passes its checksum but {what}",
                path.display()
            ),
        };
        apply(payload, db, &corrupt)?;
        entries += 1;
        at = start + n;
    }
    Ok(entries)
}

/// Inserts one entry's operations into `db`; `corrupt` names a payload
/// that does not parse.
fn apply(
    mut p: &[u8],
    db: &sled::Db,
    corrupt: &dyn Fn(&str) -> StoreError,
) -> Result<(), StoreError> {
    fn take<'a>(p: &mut &'a [u8], n: usize) -> Option<&'a [u8]> {
        if p.len() < n {
            return None;
        }
        let (head, rest) = p.split_at(n);
        *p = rest;
        Some(head)
    }
    fn bytes<'a>(p: &mut &'a [u8]) -> Option<&'a [u8]> {
        let n = u32::from_le_bytes(take(p, 4)?.try_into().unwrap()) as usize;
        take(p, n)
    }
    while !p.is_empty() {
        let op = take(&mut p, 1).unwrap()[0];
        if op != OP_INSERT {
            return Err(corrupt(&format!("holds an unknown operation {op}")));
        }
        let truncated = || corrupt("is truncated");
        let name_len = usize::from(take(&mut p, 1).ok_or_else(truncated)?[0]);
        let name = take(&mut p, name_len).ok_or_else(truncated)?;
        let key = bytes(&mut p).ok_or_else(truncated)?;
        let value = bytes(&mut p).ok_or_else(truncated)?;
        db.open_tree(name)?.insert(key, value)?;
    }
    Ok(())
}

/// A segment's header: magic, `seq`, `nonce`, CRC-32 of both.
fn segment_header(seq: u64, nonce: u64) -> [u8; SEGMENT_HEADER_LEN] {
    let mut header = [0u8; SEGMENT_HEADER_LEN];
    header[..8].copy_from_slice(&SEGMENT_MAGIC);
    header[8..16].copy_from_slice(&seq.to_le_bytes());
    header[16..24].copy_from_slice(&nonce.to_le_bytes());
    let crc = crc32fast::hash(&header[8..24]);
    header[24..28].copy_from_slice(&crc.to_le_bytes());
    header
}

fn entry_crc(len_and_nonce: &[u8], payload: &[u8]) -> u32 {
    let mut h = crc32fast::Hasher::new();
    h.update(len_and_nonce);
    h.update(payload);
    h.finalize()
}

fn clear_header(file: &File) -> std::io::Result<()> {
    file.write_all_at(&[0u8; SEGMENT_HEADER_LEN], 0)?;
    file.sync_data()
}

fn io(path: &Path, doing: &str, e: std::io::Error) -> StoreError {
    StoreError::Io {
        detail: format!("{doing} ({}): {e}", path.display()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db(dir: &Path) -> sled::Db {
        sled::Config::new().path(dir).open().unwrap()
    }

    fn batch(ops: &[(&str, &str, &str)]) -> Batch {
        let mut b = Batch::new();
        for (tree, k, v) in ops {
            b.insert(tree, k.as_bytes(), v.as_bytes());
        }
        b
    }

    /// Writes a segment by hand: a header (`None`: clear), then `entries`
    /// (nonce, batch) from [`HEADER_BYTES`]; returns where they end.
    fn write_segment(
        dir: &Path,
        i: usize,
        header: Option<(u64, u64)>,
        entries: Vec<(u64, Batch)>,
    ) -> u64 {
        let (file, _) = open_segment(&dir.join(format!("journal.{i}"))).unwrap();
        let h = header.map_or([0; SEGMENT_HEADER_LEN], |(seq, nonce)| {
            segment_header(seq, nonce)
        });
        file.write_all_at(&h, 0).unwrap();
        let mut at = HEADER_BYTES;
        for (nonce, mut b) in entries {
            let bytes = b.seal(nonce).unwrap();
            file.write_all_at(bytes, at).unwrap();
            at += bytes.len() as u64;
        }
        at
    }

    fn get(db: &sled::Db, tree: &str, key: &str) -> Option<String> {
        let v = db.open_tree(tree).unwrap().get(key).unwrap()?;
        Some(String::from_utf8(v.to_vec()).unwrap())
    }

    fn headers(dir: &Path) -> Vec<Option<(u64, u64)>> {
        (0..2)
            .map(|i| {
                let path = dir.join(format!("journal.{i}"));
                read_header(&path, &File::open(&path).unwrap()).unwrap()
            })
            .collect()
    }

    #[test]
    fn segments_replay_older_first_then_are_cleared() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        // journal.1 is the older use (seq 4): k=old, j=x; journal.0 (seq 5)
        // then sets k=new.
        write_segment(
            d,
            1,
            Some((4, 0xB)),
            vec![(0xB, batch(&[("t", "k", "old"), ("t", "j", "x")]))],
        );
        write_segment(
            d,
            0,
            Some((5, 0xA)),
            vec![(0xA, batch(&[("t", "k", "new")]))],
        );
        let db = db(d);
        let journal = Journal::open(d, &db).unwrap();
        assert_eq!(journal.replayed(), 2);
        assert_eq!(get(&db, "t", "k").as_deref(), Some("new"));
        assert_eq!(get(&db, "t", "j").as_deref(), Some("x"));
        // The replayed segments were cleared; the new use of journal.0 has
        // the next sequence number and a fresh nonce.
        let h = headers(d);
        assert_eq!(h[1], None);
        let (seq, nonce) = h[0].unwrap();
        assert_eq!(seq, 6);
        assert_ne!(nonce, 0xA);
        drop(journal);
        // A clean shutdown leaves nothing to replay.
        assert_eq!(headers(d), [None, None]);
        assert_eq!(Journal::open(d, &db).unwrap().replayed(), 0);
    }

    #[test]
    fn a_torn_entry_ends_its_segment() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let end = write_segment(
            d,
            0,
            Some((1, 7)),
            vec![
                (7, batch(&[("t", "a", "1")])),
                (7, batch(&[("t", "b", "2")])),
                (7, batch(&[("t", "c", "3")])),
            ],
        );
        // Flip a byte of the second entry's payload (the entries are the
        // same size): a write the crash cut short.
        let one = (end - HEADER_BYTES) / 3;
        let file = OpenOptions::new()
            .write(true)
            .open(d.join("journal.0"))
            .unwrap();
        file.write_all_at(b"#", HEADER_BYTES + 2 * one - 1).unwrap();
        let db = db(d);
        assert_eq!(Journal::open(d, &db).unwrap().replayed(), 1);
        assert_eq!(get(&db, "t", "a").as_deref(), Some("1"));
        assert_eq!(get(&db, "t", "b"), None);
        assert_eq!(get(&db, "t", "c"), None, "nothing after a torn entry");
    }

    #[test]
    fn entries_of_an_earlier_use_of_a_segment_are_not_replayed() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        // The current use (nonce 2) holds one entry; after it lie entries
        // of the earlier use (nonce 1), whole and checksummed.
        write_segment(
            d,
            0,
            Some((9, 2)),
            vec![
                (2, batch(&[("t", "now", "y")])),
                (1, batch(&[("t", "stale", "z")])),
                (2, batch(&[("t", "after", "w")])),
            ],
        );
        // A cleared segment's entries are not replayed either.
        write_segment(d, 1, None, vec![(5, batch(&[("t", "cleared", "v")]))]);
        let db = db(d);
        assert_eq!(Journal::open(d, &db).unwrap().replayed(), 1);
        assert_eq!(get(&db, "t", "now").as_deref(), Some("y"));
        for key in ["stale", "after", "cleared"] {
            assert_eq!(get(&db, "t", key), None, "{key}");
        }
    }

    #[test]
    fn a_journal_of_a_newer_format_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        write_segment(d, 0, None, vec![]);
        let mut h = segment_header(1, 1);
        h[6..8].copy_from_slice(b"02");
        let file = OpenOptions::new()
            .write(true)
            .open(d.join("journal.0"))
            .unwrap();
        file.write_all_at(&h, 0).unwrap();
        let err = Journal::open(d, &db(d)).unwrap_err().to_string();
        assert!(err.contains("journal format \"02\""), "{err}");
        assert!(err.contains("upgrade plancheck"), "{err}");
    }

    #[test]
    fn an_entry_that_does_not_parse_is_named_as_corruption() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let mut b = batch(&[("t", "a", "1")]);
        b.buf.push(9); // an operation this version does not know
        write_segment(d, 0, Some((1, 3)), vec![(3, b)]);
        let err = Journal::open(d, &db(d)).unwrap_err().to_string();
        assert!(err.contains("journal.0:4096"), "{err}");
        assert!(err.contains("unknown operation 9"), "{err}");
    }

    #[test]
    fn a_checkpoint_moves_writers_to_the_other_segment() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let db = db(d);
        let journal = Journal::open(d, &db).unwrap();
        let tree = db.open_tree("t").unwrap();
        journal
            .write(batch(&[("t", "k", "v")]), || {
                tree.insert("k", "v")?;
                Ok(())
            })
            .unwrap();
        let before = headers(d);
        assert!(before[0].is_some() && before[1].is_none(), "{before:?}");
        journal.shared.checkpoint().unwrap();
        let after = headers(d);
        assert_eq!(after[0], None, "the checkpointed segment is cleared");
        assert_eq!(after[1].unwrap().0, before[0].unwrap().0 + 1);
        // Nothing pending: a second checkpoint changes nothing.
        journal.shared.checkpoint().unwrap();
        assert_eq!(headers(d), after);
        // The next entry goes to journal.1.
        journal
            .write(batch(&[("t", "k2", "v2")]), || Ok(()))
            .unwrap();
        assert_eq!(journal.shared.lock().segments[1].end, HEADER_BYTES + 39);
    }

    #[test]
    fn a_write_sled_refuses_stops_the_journal() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let db = db(d);
        let journal = Journal::open(d, &db).unwrap();
        let err = journal
            .write(batch(&[("t", "k", "v")]), || {
                Err(StoreError::Io {
                    detail: "disk gone".into(),
                })
            })
            .unwrap_err();
        assert_eq!(err.to_string(), "database I/O error: disk gone");
        // The entry is durable but not in sled: no checkpoint may clear
        // it, and no later write may pass it.
        journal.shared.checkpoint().unwrap();
        assert!(headers(d)[0].is_some());
        let err = journal.write(batch(&[]), || Ok(())).unwrap_err();
        assert!(
            err.to_string().contains("(database I/O error: disk gone)"),
            "{err}"
        );
        // A restart puts it into sled.
        std::mem::forget(journal); // a crash: no last checkpoint
        assert_eq!(Journal::open(d, &db).unwrap().replayed(), 1);
        assert_eq!(get(&db, "t", "k").as_deref(), Some("v"));
    }

    #[test]
    fn after_a_failure_every_write_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let db = db(d);
        let journal = Journal::open(d, &db).unwrap();
        journal.shared.fail("syncing the store's journal: EIO");
        journal.shared.fail("a second failure is not the one named");
        let err = journal
            .write(batch(&[("t", "k", "v")]), || panic!("not applied"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("since an earlier failure (syncing the store's journal: EIO)"),
            "{err}"
        );
        assert!(err.contains("restart the server"), "{err}");
    }
}
