//! Validations: the record, its content-addressed report, the project index,
//! the owner's result index and the audit entry, written together.

use super::journal::Batch;
use super::{
    now_ms, AuditEntry, AuditEvent, AuditOutcome, Page, Store, StoreError, ValidationRecord,
    ACTION_VALIDATION_CREATE, TREE_AUDIT, TREE_BY_PROJECT, TREE_BY_RESULT, TREE_RESULTS,
    TREE_VALIDATIONS,
};

impl Store {
    /// Stores a validation and its report, durably: the report under
    /// `rec.result_key` (unless that key is already stored: results are
    /// content addressed, written once), the record, the project index
    /// entry, the owner's result index entry (`owner \0 result key` → this
    /// id) and a `validation.create` audit entry: all of them made durable
    /// together by one entry in the store's journal (one `fdatasync`), then
    /// given to sled, which writes them to its own files in the background
    /// (`store/journal.rs`). Call it before acknowledging the validation to
    /// the client, from a blocking thread (`spawn_blocking`: the sync waits
    /// for the disk). Writes are serialised.
    ///
    /// Refuses a record whose id is not a canonical UUID v7
    /// ([`new_validation_id`](super::new_validation_id)), whose project is
    /// empty or contains NUL, or whose result key is empty
    /// ([`StoreError::Invalid`]), and an id already stored
    /// ([`StoreError::Duplicate`]).
    pub fn put_validation(
        &self,
        rec: &ValidationRecord,
        report_json: &[u8],
    ) -> Result<(), StoreError> {
        self.write_validation(rec, report_json).map(|_| ())
    }

    /// [`Store::put_validation`]; `true` when it stored the report (the
    /// first validation with its result key).
    pub(super) fn write_validation(
        &self,
        rec: &ValidationRecord,
        report_json: &[u8],
    ) -> Result<bool, StoreError> {
        check_record(rec)?;
        // Serialise first: nothing can fail half-way.
        let rec_json = serde_json::to_vec(rec).expect("records serialise");
        let project_key = index_key(&rec.project, &rec.id);
        let owner_key = index_key(&rec.owner, &rec.result_key);
        let event = AuditEvent {
            actor: rec.owner.clone(),
            role: rec.role.clone(),
            action: ACTION_VALIDATION_CREATE.to_string(),
            target: rec.id.clone(),
            outcome: AuditOutcome::Ok,
            detail: Some(format!("project {}", rec.project)),
        };
        let _order = self.audit_order.lock().unwrap_or_else(|p| p.into_inner());
        if self.validations.contains_key(rec.id.as_bytes())? {
            return Err(StoreError::Duplicate { id: rec.id.clone() });
        }
        let new_report = !self.results.contains_key(rec.result_key.as_bytes())?;
        let seq = self.db.generate_id()?.to_be_bytes();
        let entry = AuditEntry::new(u64::from_be_bytes(seq), now_ms(), event);
        let entry = serde_json::to_vec(&entry).expect("audit entries serialise");
        // Dependency order: a reader that finds an index or audit entry
        // finds the record, and one that finds the record finds its report.
        let mut writes: Vec<(&sled::Tree, &str, &[u8], &[u8])> = Vec::with_capacity(5);
        if new_report {
            writes.push((
                &self.results,
                TREE_RESULTS,
                rec.result_key.as_bytes(),
                report_json,
            ));
        }
        writes.extend([
            (
                &self.validations,
                TREE_VALIDATIONS,
                rec.id.as_bytes(),
                &rec_json[..],
            ),
            (
                &self.by_project,
                TREE_BY_PROJECT,
                &project_key[..],
                rec.owner.as_bytes(),
            ),
            (
                &self.by_result,
                TREE_BY_RESULT,
                &owner_key[..],
                rec.id.as_bytes(),
            ),
            (&self.audit, TREE_AUDIT, &seq[..], &entry[..]),
        ]);
        let mut batch = Batch::new();
        for &(_, name, key, value) in &writes {
            batch.insert(name, key, value);
        }
        self.journal.write(batch, || {
            for &(tree, _, key, value) in &writes {
                tree.insert(key, value)?;
            }
            Ok(())
        })?;
        Ok(new_report)
    }

    /// The validation `id` and its report JSON, if stored. A record whose
    /// report is missing is [`StoreError::Corrupt`].
    pub fn get_validation(
        &self,
        id: &str,
    ) -> Result<Option<(ValidationRecord, Vec<u8>)>, StoreError> {
        let Some(rec) = self.record(id)? else {
            return Ok(None);
        };
        let report = self.report_of(&rec)?;
        Ok(Some((rec, report)))
    }

    /// The report JSON of a stored validation; a record whose report is
    /// missing is [`StoreError::Corrupt`].
    pub fn report_of(&self, rec: &ValidationRecord) -> Result<Vec<u8>, StoreError> {
        self.get_result(&rec.result_key)?
            .ok_or_else(|| StoreError::Corrupt {
                what: format!(
                    "validation {} refers to result {} which is not stored",
                    rec.id, rec.result_key
                ),
            })
    }

    /// The report stored under `key`, if any (to reuse the report of an
    /// identical earlier check).
    pub fn get_result(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.results.get(key.as_bytes())?.map(|v| v.to_vec()))
    }

    /// The latest validation `owner` made whose result key is `key`, if
    /// any: what a re-check by digest reuses (the same model, packs and
    /// options give the same key, so the same report, [`Store::get_result`],
    /// and summary). Only the owner's own validations count: a model's
    /// digest alone is no proof of having the model, and its findings are
    /// the owner's to read. Validations stored before this index existed
    /// (before 2026-12-04) are not in it.
    pub fn latest_with_result(
        &self,
        owner: &str,
        key: &str,
    ) -> Result<Option<ValidationRecord>, StoreError> {
        let Some(id) = self.by_result.get(index_key(owner, key))? else {
            return Ok(None);
        };
        let id = std::str::from_utf8(&id).map_err(|_| StoreError::Corrupt {
            what: format!("the result index of {owner:?} holds an id that is not UTF-8"),
        })?;
        match self.record(id)? {
            Some(rec) if rec.owner == owner && rec.result_key == key => Ok(Some(rec)),
            _ => Err(StoreError::Corrupt {
                what: format!(
                    "the result index of {owner:?} names validation {id}, which is not stored with result {key}"
                ),
            }),
        }
    }

    /// A page of `project`'s validations, newest first: at most `limit`
    /// (at least 1), only those of `owner` if given, starting after
    /// `cursor` (a [`Page::next_cursor`] from the previous page; `None` for
    /// the first page). The caller bounds `limit`. A cursor that is not one
    /// the store hands out is [`StoreError::BadCursor`].
    ///
    /// Records written while a client pages are not skipped or repeated:
    /// newer ones sort before the cursor and are not seen by this listing.
    /// The owner filter reads only the index, but a page with few matching
    /// records may walk many index entries.
    pub fn list_validations(
        &self,
        project: &str,
        owner: Option<&str>,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<Page, StoreError> {
        let limit = limit.max(1);
        let prefix = index_key(project, "");
        let entries = match cursor {
            None => self.by_project.scan_prefix(&prefix),
            Some(c) => {
                check_cursor(c)?;
                self.by_project.range(prefix.clone()..index_key(project, c))
            }
        };
        let mut ids = Vec::with_capacity(limit.min(1024) + 1);
        for entry in entries.rev() {
            let (key, entry_owner) = entry?;
            if owner.is_some_and(|o| o.as_bytes() != &*entry_owner) {
                continue;
            }
            let id =
                std::str::from_utf8(&key[prefix.len()..]).map_err(|_| StoreError::Corrupt {
                    what: format!("index key {:?} of project {project} is not UTF-8", &*key),
                })?;
            ids.push(id.to_string());
            if ids.len() > limit {
                break;
            }
        }
        let next_cursor = if ids.len() > limit {
            ids.truncate(limit);
            ids.last().cloned()
        } else {
            None
        };
        let items = ids
            .iter()
            .map(|id| {
                self.record(id)?.ok_or_else(|| StoreError::Corrupt {
                    what: format!("project {project} lists validation {id} which is not stored"),
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(Page { items, next_cursor })
    }

    fn record(&self, id: &str) -> Result<Option<ValidationRecord>, StoreError> {
        let Some(raw) = self.validations.get(id.as_bytes())? else {
            return Ok(None);
        };
        serde_json::from_slice(&raw)
            .map(Some)
            .map_err(|e| StoreError::Corrupt {
                what: format!("validation {id} cannot be read: {e}"),
            })
    }
}

/// `a \0 b`: `project \0 id` in the project index (a project's entries
/// are one contiguous key range, ordered by id, so by creation time), and
/// `owner \0 result key` in the result index (result keys are hex, so the
/// last NUL is the separator whatever the owner holds).
pub(super) fn index_key(a: &str, b: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(a.len() + 1 + b.len());
    key.extend_from_slice(a.as_bytes());
    key.push(0);
    key.extend_from_slice(b.as_bytes());
    key
}

/// Whether `id` is a UUID v7 in canonical form, so that byte order of ids
/// is creation order.
fn is_canonical_v7(id: &str) -> bool {
    uuid::Uuid::try_parse(id)
        .is_ok_and(|u| u.get_version_num() == 7 && u.hyphenated().to_string() == id)
}

fn check_record(rec: &ValidationRecord) -> Result<(), StoreError> {
    let invalid = |detail: String| Err(StoreError::Invalid { detail });
    if !is_canonical_v7(&rec.id) {
        return invalid(format!(
            "id {:?} is not a lower-case hyphenated UUID v7",
            rec.id
        ));
    }
    if rec.project.is_empty() || rec.project.contains('\0') {
        return invalid(format!(
            "validation {}: project {:?} is empty or contains NUL",
            rec.id, rec.project
        ));
    }
    if rec.result_key.is_empty() {
        return invalid(format!("validation {}: empty result key", rec.id));
    }
    Ok(())
}

fn check_cursor(cursor: &str) -> Result<(), StoreError> {
    if is_canonical_v7(cursor) {
        Ok(())
    } else {
        Err(StoreError::BadCursor {
            detail: format!("{cursor:?} is not a cursor from a previous page"),
        })
    }
}
