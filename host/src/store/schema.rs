//! The schema version of the database, and migrations between versions.
//!
//! The version lives in the default tree under [`VERSION_KEY`] as ASCII
//! decimal (`1`), so it can be read with any sled tool. A fresh database gets
//! [`SCHEMA_VERSION`]; an older one is migrated step by step on open; a newer
//! one is refused, since this binary cannot know what changed.
//!
//! Adding a migration (say to version 2): write
//! `fn v1_to_v2(db: &sled::Db) -> Result<(), StoreError>`, append it to
//! `MIGRATIONS` and bump [`SCHEMA_VERSION`] (a compile-time assertion keeps
//! the two in step). The step's work and the version bump are not one atomic
//! write (a migration may rewrite more than one transaction should hold), so
//! a step must be safe to run again: a crash after its work but before the
//! new version is flushed runs it a second time on the next open.

use std::path::Path;

use super::StoreError;

/// The schema version this binary writes and understands.
pub const SCHEMA_VERSION: u32 = 1;

/// Key of the schema version in the default tree.
pub const VERSION_KEY: &[u8] = b"schema_version";

/// A migration: rewrites a database of version N into version N+1.
pub(crate) type Migration = fn(&sled::Db) -> Result<(), StoreError>;

/// `MIGRATIONS[i]` migrates version `i + 1` to `i + 2`.
pub(crate) const MIGRATIONS: &[Migration] = &[];

const _: () = assert!(MIGRATIONS.len() + 1 == SCHEMA_VERSION as usize);

/// Checks the version of an open database, initialising a fresh one and
/// migrating an older one; returns the version it is at now.
pub(crate) fn prepare(db: &sled::Db, dir: &Path) -> Result<u32, StoreError> {
    prepare_with(db, dir, MIGRATIONS)
}

fn prepare_with(db: &sled::Db, dir: &Path, migrations: &[Migration]) -> Result<u32, StoreError> {
    let supported = u32::try_from(migrations.len() + 1).expect("few migrations");
    let Some(mut version) = read_version(db, dir)? else {
        if !is_empty(db)? {
            return Err(StoreError::Corrupt {
                what: format!(
                    "the database at {} holds data but has no schema_version key",
                    dir.display()
                ),
            });
        }
        write_version(db, supported)?;
        return Ok(supported);
    };
    if version == 0 {
        return Err(StoreError::Corrupt {
            what: format!("the database at {} has schema version 0", dir.display()),
        });
    }
    if version > supported {
        return Err(StoreError::SchemaTooNew {
            dir: dir.to_path_buf(),
            found: version,
            supported,
        });
    }
    while version < supported {
        let step = migrations[(version - 1) as usize];
        step(db).map_err(|e| StoreError::Open {
            dir: dir.to_path_buf(),
            detail: format!(
                "migrating from schema version {version} to {} failed: {e}",
                version + 1
            ),
        })?;
        version += 1;
        write_version(db, version)?;
    }
    Ok(version)
}

fn read_version(db: &sled::Db, dir: &Path) -> Result<Option<u32>, StoreError> {
    let Some(raw) = db.get(VERSION_KEY)? else {
        return Ok(None);
    };
    std::str::from_utf8(&raw)
        .ok()
        .and_then(|s| s.parse().ok())
        .map(Some)
        .ok_or_else(|| StoreError::Corrupt {
            what: format!(
                "the schema_version of the database at {} is {:?}, not a number",
                dir.display(),
                String::from_utf8_lossy(&raw)
            ),
        })
}

/// Writes the version and flushes, so that a later step never runs on a
/// database whose previous step is not durable.
fn write_version(db: &sled::Db, version: u32) -> Result<(), StoreError> {
    db.insert(VERSION_KEY, version.to_string().as_bytes())?;
    db.flush()?;
    Ok(())
}

/// Whether no tree holds anything (a tree can exist empty: a process may
/// have died between creating the database and writing its version).
fn is_empty(db: &sled::Db) -> Result<bool, StoreError> {
    for name in db.tree_names() {
        if !db.open_tree(&name)?.is_empty() {
            return Ok(false);
        }
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_db() -> sled::Db {
        sled::Config::new().temporary(true).open().unwrap()
    }

    fn version(db: &sled::Db) -> Vec<u8> {
        db.get(VERSION_KEY).unwrap().unwrap().to_vec()
    }

    #[test]
    fn fresh_database_gets_the_current_version() {
        let db = temp_db();
        assert_eq!(prepare(&db, Path::new("x")).unwrap(), SCHEMA_VERSION);
        assert_eq!(version(&db), b"1");
        // Opening again is a no-op.
        assert_eq!(prepare(&db, Path::new("x")).unwrap(), SCHEMA_VERSION);
    }

    #[test]
    fn empty_trees_still_count_as_fresh() {
        let db = temp_db();
        db.open_tree("validations").unwrap();
        assert_eq!(prepare(&db, Path::new("x")).unwrap(), 1);
    }

    fn add_m1(db: &sled::Db) -> Result<(), StoreError> {
        db.insert("m1", "done")?;
        Ok(())
    }

    fn add_m2(db: &sled::Db) -> Result<(), StoreError> {
        assert!(db.get("m1")?.is_some(), "steps run in order");
        db.insert("m2", "done")?;
        Ok(())
    }

    fn fail(_: &sled::Db) -> Result<(), StoreError> {
        Err(StoreError::Corrupt {
            what: "boom".into(),
        })
    }

    #[test]
    fn older_versions_are_migrated_step_by_step() {
        let db = temp_db();
        prepare_with(&db, Path::new("x"), &[]).unwrap();
        assert_eq!(version(&db), b"1");
        let steps: &[Migration] = &[add_m1, add_m2];
        assert_eq!(prepare_with(&db, Path::new("x"), steps).unwrap(), 3);
        assert_eq!(version(&db), b"3");
        assert!(db.get("m2").unwrap().is_some());
    }

    #[test]
    fn a_failed_step_stops_at_the_last_good_version() {
        let db = temp_db();
        prepare_with(&db, Path::new("x"), &[]).unwrap();
        let steps: &[Migration] = &[add_m1, fail];
        let err = prepare_with(&db, Path::new("/data/db"), steps).unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot open the database at /data/db: migrating from schema version 2 to 3 \
             failed: the database is corrupt: boom"
        );
        assert_eq!(version(&db), b"2");
    }

    #[test]
    fn newer_versions_are_refused() {
        let db = temp_db();
        db.insert(VERSION_KEY, "3").unwrap();
        let err = prepare(&db, Path::new("/data/db")).unwrap_err();
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
            "the database at /data/db has schema version 3; this plancheck understands up \
             to 1; upgrade plancheck"
        );
    }

    #[test]
    fn garbage_versions_and_missing_versions_are_corrupt() {
        let db = temp_db();
        db.insert(VERSION_KEY, "one").unwrap();
        let err = prepare(&db, Path::new("/d")).unwrap_err();
        assert!(err.to_string().contains("\"one\", not a number"), "{err}");

        let db = temp_db();
        db.insert(VERSION_KEY, "0").unwrap();
        assert!(matches!(
            prepare(&db, Path::new("/d")),
            Err(StoreError::Corrupt { .. })
        ));

        let db = temp_db();
        db.open_tree("validations")
            .unwrap()
            .insert("k", "v")
            .unwrap();
        let err = prepare(&db, Path::new("/d")).unwrap_err();
        assert!(err.to_string().contains("no schema_version key"), "{err}");
    }
}
