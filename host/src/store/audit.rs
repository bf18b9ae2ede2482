//! The audit log: append-only, ordered by sequence number.

use std::ops::Bound;

use super::journal::Batch;
use super::{now_ms, AuditEntry, AuditEvent, Store, StoreError, TREE_AUDIT};

impl Store {
    /// Appends `event` to the audit log, durably (the store's journal,
    /// `store/journal.rs`); returns its sequence number. There is no way to
    /// change or remove an entry.
    pub fn append_audit(&self, event: &AuditEvent) -> Result<u64, StoreError> {
        let _order = self.audit_order.lock().unwrap_or_else(|p| p.into_inner());
        let seq = self.db.generate_id()?;
        let entry = AuditEntry::new(seq, now_ms(), event.clone());
        let entry = serde_json::to_vec(&entry).expect("audit entries serialise");
        let mut batch = Batch::new();
        batch.insert(TREE_AUDIT, &seq.to_be_bytes(), &entry);
        self.journal.write(batch, || {
            self.audit.insert(seq.to_be_bytes(), entry.as_slice())?;
            Ok(())
        })?;
        Ok(seq)
    }

    /// Audit entries oldest first: at most `limit` (at least 1) with
    /// sequence numbers above `after` (`None`: from the start). The second
    /// value is the `after` for the next page, `None` when this page
    /// reaches the end (to poll for newer entries, pass the last entry's
    /// `seq`).
    pub fn list_audit(
        &self,
        after: Option<u64>,
        limit: usize,
    ) -> Result<(Vec<AuditEntry>, Option<u64>), StoreError> {
        let limit = limit.max(1);
        let start = match after {
            Some(seq) => Bound::Excluded(seq.to_be_bytes()),
            None => Bound::Unbounded,
        };
        let mut entries = Vec::with_capacity(limit.min(1024));
        for item in self.audit.range::<[u8; 8], _>((start, Bound::Unbounded)) {
            let (key, value) = item?;
            if entries.len() == limit {
                let next = entries.last().map(|e: &AuditEntry| e.seq);
                return Ok((entries, next));
            }
            let entry: AuditEntry =
                serde_json::from_slice(&value).map_err(|e| StoreError::Corrupt {
                    what: format!("audit entry {:?} cannot be read: {e}", &*key),
                })?;
            entries.push(entry);
        }
        Ok((entries, None))
    }
}
