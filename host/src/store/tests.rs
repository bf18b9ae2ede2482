//! Store tests: round trips, paging, idempotence, schema, locking, and crash
//! safety with a child process killed mid-write.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use super::*;

fn record(project: &str, owner: &str, n: usize) -> ValidationRecord {
    let now = now_ms();
    ValidationRecord {
        id: new_validation_id(),
        project: project.to_string(),
        owner: owner.to_string(),
        role: "reviewer".to_string(),
        created_at: rfc3339_ms(now),
        created_at_ms: now,
        model: ModelInfo {
            name: format!("model-{n}.ifc"),
            digest: format!("{n:064x}"),
            format: ModelFormat::Ifc,
            bytes: 1000 + n as u64,
            elements: n,
            schema: "IFC4".to_string(),
        },
        packs: vec![PackRef {
            id: "us-ibc-2021".to_string(),
            version: "0.1.0".to_string(),
            digest: "ab".repeat(32),
        }],
        rules: vec!["ibc-1011.5.2".to_string()],
        params: vec![("us-ibc-2021.occupancy".to_string(), "R-3".to_string())],
        result_key: format!("{:064x}", n + 1_000_000),
        cached: false,
        summary: Summary {
            violations: n,
            passes: 2,
            ..Summary::default()
        },
        duration_ms: 12.5,
    }
}

/// The report stored under a result key (the same key always gets the same
/// report, as with real content addressing); about 16 KiB.
fn report_for(key: &str) -> Vec<u8> {
    format!("{{\"key\":\"{key}\",\"pad\":\"{}\"}}", "x".repeat(16_000)).into_bytes()
}

fn put(store: &Store, rec: &ValidationRecord) {
    store
        .put_validation(rec, &report_for(&rec.result_key))
        .unwrap();
}

fn event(action: &str, target: &str) -> AuditEvent {
    AuditEvent {
        actor: "alice".to_string(),
        role: "admin".to_string(),
        action: action.to_string(),
        target: target.to_string(),
        outcome: AuditOutcome::Ok,
        detail: None,
    }
}

fn all_audit(store: &Store) -> Vec<AuditEntry> {
    store.list_audit(None, usize::MAX - 1).unwrap().0
}

#[test]
fn store_is_a_cheap_shared_handle() {
    fn assert_traits<T: Clone + Send + Sync + 'static>() {}
    assert_traits::<Store>();
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(
        format!("{store:?}"),
        format!("Store {{ dir: {:?}, .. }}", dir.path())
    );
}

#[test]
fn round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(store.dir(), dir.path());
    assert_eq!(store.validation_count(), 0);
    let rec = record("tower-a", "alice", 7);
    put(&store, &rec);
    let (got, report) = store.get_validation(&rec.id).unwrap().unwrap();
    assert_eq!(got, rec);
    assert_eq!(report, report_for(&rec.result_key));
    assert_eq!(store.get_result(&rec.result_key).unwrap(), Some(report));
    assert_eq!(store.validation_count(), 1);
    assert!(store.size_on_disk().unwrap() > 0);
    assert!(store
        .get_validation(&new_validation_id())
        .unwrap()
        .is_none());
    assert!(store.get_validation("not-an-id").unwrap().is_none());

    // The stored JSON has the documented field names.
    let raw = store.validations.get(rec.id.as_bytes()).unwrap().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&raw).unwrap();
    assert_eq!(v["model"]["format"], "ifc");
    assert_eq!(
        v["params"][0],
        serde_json::json!(["us-ibc-2021.occupancy", "R-3"])
    );
    assert_eq!(v["summary"]["not_assessable"], 0);

    // The audit entry was written with it.
    let audit = all_audit(&store);
    assert_eq!(audit.len(), 1);
    let a = &audit[0];
    assert_eq!(
        (
            a.actor.as_str(),
            a.role.as_str(),
            a.action.as_str(),
            a.target.as_str()
        ),
        (
            "alice",
            "reviewer",
            ACTION_VALIDATION_CREATE,
            rec.id.as_str()
        )
    );
    assert_eq!(a.outcome, AuditOutcome::Ok);
    assert_eq!(a.detail.as_deref(), Some("project tower-a"));
    assert_eq!(a.at, rfc3339_ms(a.at_ms));
}

#[test]
fn concurrent_puts_all_land() {
    // sled 0.34's `flush_async` deadlocks when 8 run at once; the blocking
    // flush must not.
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let ids: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..16)
            .map(|t| {
                let store = store.clone();
                s.spawn(move || {
                    (0..10)
                        .map(|n| {
                            let rec = record("p", "alice", t * 100 + n);
                            put(&store, &rec);
                            rec.id
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    assert_eq!(store.validation_count(), 160);
    for id in &ids {
        assert!(store.get_validation(id).unwrap().is_some());
    }
    // The audit log is in sequence order and complete.
    let audit = all_audit(&store);
    assert_eq!(audit.len(), 160);
    assert!(audit.windows(2).all(|w| w[0].seq < w[1].seq));
}

#[test]
fn listing_pages_newest_first() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let mut ids = Vec::new();
    for n in 0..25 {
        let owner = if n % 2 == 0 { "alice" } else { "bob" };
        let rec = record("p", owner, n);
        put(&store, &rec);
        ids.push((rec.id, owner));
        // Neighbours whose keys start with `p`: must not leak into `p`.
        put(&store, &record("p2", "alice", n));
        if n < 5 {
            put(&store, &record("q", "alice", n));
        }
    }
    let newest_first: Vec<&str> = ids.iter().rev().map(|(id, _)| id.as_str()).collect();

    let mut seen = Vec::new();
    let mut sizes = Vec::new();
    let mut cursor = None;
    loop {
        let page = store
            .list_validations("p", None, cursor.as_deref(), 10)
            .unwrap();
        sizes.push(page.items.len());
        assert!(page.items.iter().all(|r| r.project == "p"));
        seen.extend(page.items.into_iter().map(|r| r.id));
        cursor = page.next_cursor;
        if cursor.is_none() {
            break;
        }
    }
    assert_eq!(sizes, [10, 10, 5]);
    assert_eq!(seen, newest_first, "every record once, newest first");

    // Owner filter: only alice's 13, still paged and ordered.
    let alice: Vec<&str> = ids
        .iter()
        .rev()
        .filter(|(_, o)| *o == "alice")
        .map(|(id, _)| id.as_str())
        .collect();
    let first = store
        .list_validations("p", Some("alice"), None, 10)
        .unwrap();
    let second = store
        .list_validations("p", Some("alice"), first.next_cursor.as_deref(), 10)
        .unwrap();
    assert_eq!(second.next_cursor, None);
    let got: Vec<String> = first
        .items
        .iter()
        .chain(&second.items)
        .map(|r| r.id.clone())
        .collect();
    assert_eq!(got, alice);
    assert!(got.len() == 13 && first.items.iter().all(|r| r.owner == "alice"));

    // Exactly a page: no cursor to an empty page.
    let page = store.list_validations("p", None, None, 25).unwrap();
    assert_eq!((page.items.len(), page.next_cursor), (25, None));

    // Project isolation.
    assert_eq!(
        store
            .list_validations("q", None, None, 100)
            .unwrap()
            .items
            .len(),
        5
    );
    assert_eq!(
        store
            .list_validations("p2", None, None, 100)
            .unwrap()
            .items
            .len(),
        25
    );
    let none = store.list_validations("nobody", None, None, 10).unwrap();
    assert!(none.items.is_empty() && none.next_cursor.is_none());
    assert!(store
        .list_validations("p", Some("carol"), None, 10)
        .unwrap()
        .items
        .is_empty());

    // limit 0 is read as 1.
    assert_eq!(
        store
            .list_validations("p", None, None, 0)
            .unwrap()
            .items
            .len(),
        1
    );
}

#[test]
fn bad_cursors_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let v4 = "3f0c5b8e-6a8e-4d1a-9a4c-2f9e1b7d0c11";
    let upper = new_validation_id().to_uppercase();
    for cursor in ["", "nope", "p\0x", v4, upper.as_str()] {
        let err = store
            .list_validations("p", None, Some(cursor), 10)
            .unwrap_err();
        assert!(
            matches!(err, StoreError::BadCursor { .. }),
            "{cursor:?}: {err}"
        );
        assert!(err.to_string().starts_with("bad cursor: "), "{err}");
    }
}

#[test]
fn results_are_written_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let first = record("p", "alice", 1);
    let mut second = record("p", "bob", 2);
    second.result_key = first.result_key.clone();
    second.cached = true;
    store.put_validation(&first, b"{\"first\":true}").unwrap();
    store.put_validation(&second, b"{\"second\":true}").unwrap();
    assert_eq!(store.results.len(), 1);
    for id in [&first.id, &second.id] {
        let (_, report) = store.get_validation(id).unwrap().unwrap();
        assert_eq!(report, b"{\"first\":true}");
    }
    assert_eq!(store.validation_count(), 2);
}

/// The result index finds an owner's latest validation with a result key,
/// never another owner's, and survives a reopen.
#[test]
fn the_result_index_finds_the_owners_latest_validation() {
    let dir = tempfile::tempdir().unwrap();
    let key;
    let latest;
    {
        let store = Store::open(dir.path()).unwrap();
        let first = record("p", "alice", 1);
        key = first.result_key.clone();
        put(&store, &first);
        let mut again = record("q", "alice", 1);
        again.result_key = key.clone();
        again.cached = true;
        put(&store, &again);
        let mut bobs = record("p", "bob", 1);
        bobs.result_key = key.clone();
        put(&store, &bobs);
        put(&store, &record("p", "alice", 2));
        latest = again;
        assert_eq!(
            store.latest_with_result("alice", &key).unwrap(),
            Some(latest.clone())
        );
    }
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(
        store.latest_with_result("alice", &key).unwrap(),
        Some(latest)
    );
    assert_eq!(
        store
            .latest_with_result("bob", &key)
            .unwrap()
            .unwrap()
            .owner,
        "bob"
    );
    assert_eq!(store.latest_with_result("carol", &key).unwrap(), None);
    assert_eq!(
        store.latest_with_result("alice", &"0".repeat(64)).unwrap(),
        None
    );
    // an owner holding a NUL cannot reach another owner's entry
    assert_eq!(store.latest_with_result("alice\0", &key).unwrap(), None);
    // an entry naming a record that is gone is corruption, named
    store
        .validations
        .remove(
            store
                .latest_with_result("bob", &key)
                .unwrap()
                .unwrap()
                .id
                .as_bytes(),
        )
        .unwrap();
    let err = store.latest_with_result("bob", &key).unwrap_err();
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err}");
    assert!(err.to_string().contains("bob"), "{err}");
}

/// A validation's report is stored once, with the first validation of its
/// result key; a large one becomes a blob file of sled's own, and it reads
/// back whole after the put returns.
#[test]
fn a_new_report_is_stored_once_and_large_ones_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let first = record("p", "alice", 1);
    let mut second = record("p", "bob", 2);
    second.result_key = first.result_key.clone();
    assert!(store.write_validation(&first, b"{}").unwrap());
    assert!(!store.write_validation(&second, b"{}").unwrap());

    let blobs = || std::fs::read_dir(dir.path().join("blobs")).map_or(0, |d| d.count());
    let before = blobs();
    let big = record("p", "carol", 3);
    let report = format!("{{\"pad\":\"{}\"}}", "x".repeat(400 << 10));
    store.put_validation(&big, report.as_bytes()).unwrap();
    assert_eq!(
        blobs(),
        before + 1,
        "a 400 KiB report is a blob file of its own"
    );
    let (_, got) = store.get_validation(&big.id).unwrap().unwrap();
    assert_eq!(got, report.as_bytes());
}

#[test]
fn duplicates_and_invalid_records_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let rec = record("p", "alice", 1);
    put(&store, &rec);
    let mut again = record("p", "bob", 2);
    again.id = rec.id.clone();
    let err = store.put_validation(&again, b"{}").unwrap_err();
    assert!(matches!(err, StoreError::Duplicate { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        format!("validation {} already exists", rec.id)
    );

    let v4 = "3f0c5b8e-6a8e-4d1a-9a4c-2f9e1b7d0c11";
    let mut cases = Vec::new();
    for id in ["", "abc", v4] {
        let mut r = record("p", "alice", 3);
        r.id = id.to_string();
        cases.push(r);
    }
    for project in ["", "a\0b"] {
        let mut r = record("p", "alice", 3);
        r.project = project.to_string();
        cases.push(r);
    }
    let mut r = record("p", "alice", 3);
    r.result_key.clear();
    cases.push(r);
    for r in &cases {
        let err = store.put_validation(r, b"{}").unwrap_err();
        assert!(matches!(err, StoreError::Invalid { .. }), "{r:?}: {err}");
    }
    assert_eq!(store.validation_count(), 1);
    assert_eq!(store.results.len(), 1);
    assert_eq!(store.by_project.len(), 1);
    assert_eq!(store.by_result.len(), 1);
    assert_eq!(all_audit(&store).len(), 1);
    assert_eq!(store.get_validation(&rec.id).unwrap().unwrap().0, rec);
}

#[test]
fn a_record_without_its_result_is_corrupt() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let rec = record("p", "alice", 1);
    put(&store, &rec);
    store.results.remove(rec.result_key.as_bytes()).unwrap();
    let err = store.get_validation(&rec.id).unwrap_err();
    assert!(matches!(err, StoreError::Corrupt { .. }));
    assert!(err.to_string().contains(&rec.id), "{err}");

    store.validations.remove(rec.id.as_bytes()).unwrap();
    let err = store.list_validations("p", None, None, 10).unwrap_err();
    assert!(err.to_string().contains(&rec.id), "{err}");
}

#[test]
fn audit_log_appends_and_pages_oldest_first() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let mut seqs = Vec::new();
    for n in 0..7 {
        let mut e = event("pack.reload", &format!("pack-{n}"));
        if n == 3 {
            e.outcome = AuditOutcome::Denied;
            e.action = "auth.denied".to_string();
            e.detail = Some("missing role admin".to_string());
        }
        seqs.push(store.append_audit(&e).unwrap());
    }
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");

    let (page1, next) = store.list_audit(None, 3).unwrap();
    assert_eq!(next, Some(seqs[2]));
    let (page2, next) = store.list_audit(next, 3).unwrap();
    assert_eq!(next, Some(seqs[5]));
    let (page3, next) = store.list_audit(next, 3).unwrap();
    assert_eq!(next, None);
    let all: Vec<AuditEntry> = page1.into_iter().chain(page2).chain(page3).collect();
    assert_eq!(all.iter().map(|e| e.seq).collect::<Vec<_>>(), seqs);
    assert_eq!(all[3].outcome, AuditOutcome::Denied);
    assert_eq!(all[3].detail.as_deref(), Some("missing role admin"));
    assert_eq!(all[6].target, "pack-6");

    // Polling after the last entry: nothing yet.
    assert_eq!(store.list_audit(Some(seqs[6]), 10).unwrap(), (vec![], None));

    // JSON: outcome in lower case, no detail when there is none.
    let raw = store.audit.get(seqs[0].to_be_bytes()).unwrap().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&raw).unwrap();
    assert_eq!(v["outcome"], "ok");
    assert!(v.get("detail").is_none());
}

#[test]
fn reopening_keeps_everything() {
    let dir = tempfile::tempdir().unwrap();
    let rec = record("p", "alice", 1);
    let seq = {
        let store = Store::open(dir.path()).unwrap();
        put(&store, &rec);
        store
            .append_audit(&event("pack.reload", "us-ibc-2021"))
            .unwrap()
    };
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(store.get_validation(&rec.id).unwrap().unwrap().0, rec);
    assert_eq!(
        store.list_validations("p", None, None, 10).unwrap().items,
        [rec]
    );
    let audit = all_audit(&store);
    assert_eq!(audit.len(), 2);
    assert_eq!(audit[1].seq, seq);
    // Sequence numbers keep increasing across restarts.
    assert!(store.append_audit(&event("pack.reload", "x")).unwrap() > seq);
    assert_eq!(store.db.get(schema::VERSION_KEY).unwrap().unwrap(), b"1");
}

#[test]
fn a_newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    drop(Store::open(dir.path()).unwrap());
    {
        let db = open_db(dir.path()).unwrap();
        db.insert(schema::VERSION_KEY, "3").unwrap();
        db.flush().unwrap();
    }
    let err = Store::open(dir.path()).unwrap_err();
    assert!(matches!(
        err,
        StoreError::SchemaTooNew {
            found: 3,
            supported: 1,
            ..
        }
    ));
    assert_eq!(
        err.to_string(),
        format!(
            "the database at {} has schema version 3; this plancheck understands up to 1; \
             upgrade plancheck",
            dir.path().display()
        )
    );
}

#[test]
fn unusable_directories_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, "x").unwrap();
    let err = Store::open(&file).unwrap_err();
    assert!(matches!(err, StoreError::Open { .. }), "{err}");
    assert!(err.to_string().contains(&*file.to_string_lossy()), "{err}");
}

#[test]
fn unreadable_files_are_named() {
    let dir = tempfile::tempdir().unwrap();
    drop(Store::open(dir.path()).unwrap());
    // (sled ignores a config file of 8 bytes or less.)
    std::fs::write(dir.path().join("conf"), "garbage, not sled settings").unwrap();
    let err = Store::open(dir.path()).unwrap_err();
    assert!(matches!(err, StoreError::Open { .. }), "{err}");
    let msg = err.to_string();
    let want = format!(
        "cannot open the database at {}: the files are corrupt",
        dir.path().display()
    );
    assert!(msg.starts_with(&want), "{msg}");
}

#[test]
fn a_second_open_is_locked_out() {
    let dir = tempfile::tempdir().unwrap();
    let _store = Store::open(dir.path()).unwrap();
    let err = Store::open(dir.path()).unwrap_err();
    assert!(matches!(err, StoreError::Locked { .. }), "{err}");
    assert_eq!(
        err.to_string(),
        format!(
            "the database at {} is locked: another plancheck process probably uses it (stop \
             it, or give this one another data directory)",
            dir.path().display()
        )
    );
}

const CHILD_DIR: &str = "PLANCHECK_STORE_CHILD";
const CHILD_START: &str = "PLANCHECK_STORE_CHILD_START";
const CHILD_OPEN_ONLY: &str = "PLANCHECK_STORE_CHILD_OPEN_ONLY";

/// Runs this test binary's test `name` in a child process with `env`.
fn child(name: &str, env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args(["--exact", name, "--nocapture", "--test-threads=1"]);
    cmd.envs(env.iter().copied());
    cmd.stdout(Stdio::piped()).stderr(Stdio::null());
    cmd
}

/// The child side of the tests below: does nothing unless started by them.
/// With `PLANCHECK_STORE_CHILD_OPEN_ONLY` it opens the store and prints the
/// error; otherwise it writes validations and audit entries until killed,
/// printing `written N ID SEQ` after each is acknowledged.
#[test]
fn store_child() {
    let Ok(dir) = std::env::var(CHILD_DIR) else {
        return;
    };
    if std::env::var(CHILD_OPEN_ONLY).is_ok() {
        match Store::open(Path::new(&dir)) {
            Ok(_) => println!("opened"),
            Err(e) => println!("error: {e}"),
        }
        return;
    }
    let store = Store::open(Path::new(&dir)).unwrap();
    let start: usize = std::env::var(CHILD_START).unwrap().parse().unwrap();
    for n in start..start + 100_000 {
        let mut rec = record("crash", if n % 3 == 0 { "alice" } else { "bob" }, n);
        // Every other pair shares a report.
        rec.result_key = format!("{:064x}", n / 2);
        put(&store, &rec);
        let seq = store
            .append_audit(&event("pack.reload", &format!("after-{n}")))
            .unwrap();
        println!("written {n} {} {seq}", rec.id);
    }
}

#[test]
fn another_process_is_locked_out() {
    let dir = tempfile::tempdir().unwrap();
    let _store = Store::open(dir.path()).unwrap();
    let d = dir.path().to_str().unwrap();
    let out = child(
        "store::tests::store_child",
        &[(CHILD_DIR, d), (CHILD_OPEN_ONLY, "1")],
    )
    .output()
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let want =
        format!("error: the database at {d} is locked: another plancheck process probably uses it");
    assert!(stdout.contains(&want), "{stdout}");
}

#[test]
fn killed_writers_leave_whole_validations_only() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    // id → (n, audit seq) of everything a child reported as written.
    let mut acknowledged: BTreeMap<String, (usize, u64)> = BTreeMap::new();
    // Journal entries the reopened store had to put back into sled.
    let mut replayed = 0;
    for round in 0..5usize {
        let start = (round * 10_000).to_string();
        let mut proc = child(
            "store::tests::store_child",
            &[(CHILD_DIR, d), (CHILD_START, &start)],
        )
        .spawn()
        .unwrap();
        let lines = BufReader::new(proc.stdout.take().unwrap()).lines();
        let mut seen = 0;
        let mut killed = false;
        for line in lines {
            let line = line.unwrap();
            let Some(rest) = line.strip_prefix("written ") else {
                continue;
            };
            let mut parts = rest.split(' ');
            let n = parts.next().unwrap().parse().unwrap();
            let id = parts.next().unwrap().to_string();
            let seq = parts.next().unwrap().parse().unwrap();
            acknowledged.insert(id, (n, seq));
            seen += 1;
            if seen == 20 + 7 * round && !killed {
                // Kill at different points of the next write.
                std::thread::sleep(std::time::Duration::from_micros(300 * round as u64));
                proc.kill().unwrap();
                killed = true;
                // Lines already in the pipe were acknowledged before the
                // kill: keep reading them.
            }
        }
        assert!(
            killed,
            "round {round}: the child ended before it was killed"
        );
        proc.wait().unwrap();

        let store = Store::open(dir.path()).unwrap();
        replayed += store.journal_replayed();
        check_consistent(&store, &acknowledged);
    }
    assert!(acknowledged.len() >= (0..5).map(|r| 20 + 7 * r).sum::<usize>());
    // The children were killed within milliseconds of their last
    // acknowledged write, well inside sled's 500 ms between its own syncs
    // and the journal's checkpoint interval: what the checks above found
    // came back through the journal (store/journal.rs).
    assert!(replayed > 0, "no journal entry was replayed after a kill");
    println!("crash check: {replayed} journal entries replayed over 5 kills");
}

/// Everything acknowledged is there, and everything there is whole.
fn check_consistent(store: &Store, acknowledged: &BTreeMap<String, (usize, u64)>) {
    let audit = all_audit(store);
    let audit_seqs: BTreeSet<u64> = audit.iter().map(|e| e.seq).collect();
    let created: BTreeSet<&str> = audit
        .iter()
        .filter(|e| e.action == ACTION_VALIDATION_CREATE)
        .map(|e| e.target.as_str())
        .collect();
    let listed: BTreeSet<String> = store
        .list_validations("crash", None, None, usize::MAX - 1)
        .unwrap()
        .items
        .into_iter()
        .map(|r| r.id)
        .collect();

    for (id, (n, seq)) in acknowledged {
        let (rec, report) = store
            .get_validation(id)
            .unwrap()
            .unwrap_or_else(|| panic!("acknowledged validation {n} {id} is missing"));
        assert_eq!(rec.model.elements, *n);
        assert_eq!(report, report_for(&rec.result_key));
        assert!(listed.contains(id), "{id} not in the project index");
        assert!(created.contains(id.as_str()), "{id} has no audit entry");
        assert!(
            audit_seqs.contains(seq),
            "acknowledged audit entry {seq} is missing"
        );
    }

    // No partial validation: every record has its report, index entry and
    // audit entry, and every index entry and audit entry its record.
    let mut records = 0;
    for item in store.validations.iter() {
        let (key, _) = item.unwrap();
        let id = std::str::from_utf8(&key).unwrap();
        let (rec, report) = store.get_validation(id).unwrap().unwrap();
        assert_eq!(report, report_for(&rec.result_key), "{id}");
        assert!(listed.contains(id), "{id} not in the project index");
        assert!(created.contains(id), "{id} has no audit entry");
        records += 1;
    }
    assert_eq!(listed.len(), records, "index entries without records");
    assert_eq!(created.len(), records, "audit entries without records");
    assert_eq!(store.by_project.len(), records);
    println!(
        "crash check: {} acknowledged, {records} stored, {} audit entries",
        acknowledged.len(),
        audit.len()
    );
}

/// Write cost, for docs/storage.md: `cargo test -p plancheck --release
/// --lib -- --ignored --nocapture store::tests::flush_timing`. Compares the
/// journal (what `put_validation` does) with what the store did before it:
/// sled's flush and an `fdatasync` of sled's log after the transaction.
#[test]
#[ignore]
fn flush_timing() {
    use std::time::Duration;

    const N: usize = 500;
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let recs = |p: &str| (0..N).map(|n| record(p, "alice", n)).collect::<Vec<_>>();
    let report = report_for("k");
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let pct = |v: &mut Vec<Duration>, p: usize| {
        v.sort();
        ms(v[(v.len() * p / 100).min(v.len() - 1)])
    };

    let batch = recs("journal");
    let mut put = Vec::new();
    for r in &batch {
        let t = Instant::now();
        store.put_validation(r, &report).unwrap();
        put.push(t.elapsed());
    }
    println!("{N} validations of {} bytes each:", report.len());
    println!(
        "  put_validation (journal): p50 {:.3} p99 {:.3} ms",
        pct(&mut put, 50),
        pct(&mut put, 99)
    );

    // What put_validation did before the journal: the same writes in a
    // sled transaction, sled's flush, an fdatasync of sled's log.
    use sled::transaction::{ConflictableTransactionError, Transactional};
    let batch = recs("sled");
    let mut old = Vec::new();
    for r in &batch {
        let t = Instant::now();
        (&store.validations, &store.by_project, &store.audit)
            .transaction(|(v, p, a)| {
                v.insert(r.id.as_bytes(), serde_json::to_vec(r).unwrap())?;
                p.insert(
                    super::validations::index_key(&r.project, &r.id),
                    r.owner.as_bytes(),
                )?;
                let seq = a.generate_id()?;
                a.insert(&seq.to_be_bytes(), &b"{}"[..])?;
                Ok::<_, ConflictableTransactionError<StoreError>>(())
            })
            .unwrap();
        store.db.flush().unwrap();
        store.log.sync(super::sync::Reach::Log).unwrap();
        old.push(t.elapsed());
    }
    println!(
        "  a sled transaction, sled's flush, fdatasync of its log: p50 {:.3} p99 {:.3} ms",
        pct(&mut old, 50),
        pct(&mut old, 99)
    );

    for threads in [1usize, 8, 32] {
        let batch = recs(&format!("threads{threads}"));
        let t = Instant::now();
        std::thread::scope(|s| {
            for chunk in batch.chunks(N / threads + 1) {
                let (store, report) = (&store, &report);
                s.spawn(move || {
                    for r in chunk {
                        store.put_validation(r, report).unwrap();
                    }
                });
            }
        });
        println!(
            "  put_validation from {threads} threads: {:.3} ms each",
            ms(t.elapsed()) / N as f64
        );
    }
}
