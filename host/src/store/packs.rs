//! Published pack versions (issue 4): each version's record and artifact,
//! and which version of each pack is active. Every change is written with
//! its audit entry in one transaction and flushed before it returns, so
//! after a crash the same versions are active as before it.

use serde::{Deserialize, Serialize};
use sled::transaction::{ConflictableTransactionError, Transactional};

use super::{now_ms, AuditEntry, AuditEvent, Store, StoreError};

/// One published version of a pack.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackVersionRecord {
    /// Pack id.
    pub id: String,
    /// Version.
    pub version: String,
    /// The pack's jurisdiction.
    pub jurisdiction: String,
    /// SHA-256 of the component (the compile-cache key), hex.
    pub digest: String,
    /// The signing publisher (`None`: unsigned, accepted in development).
    pub publisher: Option<String>,
    /// Fingerprint of the signing key.
    pub signer: Option<String>,
    /// Who uploaded it (token `sub`, or `watch:<file>`).
    pub uploaded_by: String,
    /// When, RFC 3339 UTC.
    pub uploaded_at: String,
    /// When, milliseconds since the epoch.
    pub uploaded_at_ms: u64,
}

/// Which version of a pack is active, and since when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackActiveRecord {
    /// The active version.
    pub version: String,
    /// The version active before it, if any (the default rollback target).
    pub previous: Option<String>,
    /// Who activated it.
    pub by: String,
    /// When, RFC 3339 UTC.
    pub at: String,
}

fn key(id: &str, version: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(id.len() + version.len() + 1);
    k.extend_from_slice(id.as_bytes());
    k.push(0);
    k.extend_from_slice(version.as_bytes());
    k
}

fn audit_insert(
    audit: &sled::transaction::TransactionalTree,
    event: &AuditEvent,
) -> Result<(), ConflictableTransactionError<StoreError>> {
    let seq = audit.generate_id()?;
    let entry = AuditEntry::new(seq, now_ms(), event.clone());
    let entry = serde_json::to_vec(&entry).expect("audit entries serialise");
    audit.insert(&seq.to_be_bytes(), entry)?;
    Ok(())
}

fn corrupt(what: String) -> StoreError {
    StoreError::Corrupt { what }
}

impl Store {
    /// Stores a published version, its artifact and `event` (the publish
    /// audit entry) together, then flushes. A version already stored with
    /// another digest is [`StoreError::Duplicate`]; with the same digest the
    /// call only appends the audit entry (a re-upload).
    pub fn put_pack_version(
        &self,
        rec: &PackVersionRecord,
        artifact: &[u8],
        event: &AuditEvent,
    ) -> Result<(), StoreError> {
        let k = key(&rec.id, &rec.version);
        let json = serde_json::to_vec(rec).expect("records serialise");
        let _order = self.audit_order.lock().unwrap_or_else(|p| p.into_inner());
        (&self.pack_versions, &self.pack_artifacts, &self.audit).transaction(
            |(versions, artifacts, audit)| {
                if let Some(old) = versions.get(&k)? {
                    let old: PackVersionRecord = serde_json::from_slice(&old).map_err(|e| {
                        ConflictableTransactionError::Abort(corrupt(format!(
                            "pack version {}@{}: {e}",
                            rec.id, rec.version
                        )))
                    })?;
                    if old.digest != rec.digest {
                        return Err(ConflictableTransactionError::Abort(StoreError::Duplicate {
                            id: format!("{}@{}", rec.id, rec.version),
                        }));
                    }
                } else {
                    versions.insert(k.as_slice(), json.as_slice())?;
                    artifacts.insert(k.as_slice(), artifact)?;
                }
                audit_insert(audit, event)
            },
        )?;
        drop(_order);
        // the artifact may be a blob file of its own
        self.flush(super::sync::Reach::Files)?;
        Ok(())
    }

    /// Sets (or, with `None`, clears) the active version of `id`, with its
    /// audit entry, then flushes.
    pub fn set_pack_active(
        &self,
        id: &str,
        active: Option<&PackActiveRecord>,
        event: &AuditEvent,
    ) -> Result<(), StoreError> {
        let json = active.map(|a| serde_json::to_vec(a).expect("records serialise"));
        let _order = self.audit_order.lock().unwrap_or_else(|p| p.into_inner());
        (&self.pack_active, &self.audit).transaction(|(act, audit)| {
            match &json {
                Some(j) => act.insert(id.as_bytes(), j.as_slice())?,
                None => act.remove(id.as_bytes())?,
            };
            audit_insert(audit, event)
        })?;
        drop(_order);
        self.flush(super::sync::Reach::Log)?;
        Ok(())
    }

    /// Removes a stored version and its artifact (pruning), with its audit
    /// entry, then flushes. The caller makes sure it is not active.
    pub fn delete_pack_version(
        &self,
        id: &str,
        version: &str,
        event: &AuditEvent,
    ) -> Result<(), StoreError> {
        let k = key(id, version);
        let _order = self.audit_order.lock().unwrap_or_else(|p| p.into_inner());
        (&self.pack_versions, &self.pack_artifacts, &self.audit).transaction(
            |(versions, artifacts, audit)| {
                versions.remove(k.as_slice())?;
                artifacts.remove(k.as_slice())?;
                audit_insert(audit, event)
            },
        )?;
        drop(_order);
        self.flush(super::sync::Reach::Log)?;
        Ok(())
    }

    /// Every stored version, by pack id then upload order.
    pub fn list_pack_versions(&self) -> Result<Vec<PackVersionRecord>, StoreError> {
        let mut out = Vec::new();
        for item in self.pack_versions.iter() {
            let (k, v) = item?;
            let rec: PackVersionRecord = serde_json::from_slice(&v).map_err(|e| {
                corrupt(format!(
                    "pack version {:?} cannot be read: {e}",
                    String::from_utf8_lossy(&k)
                ))
            })?;
            out.push(rec);
        }
        out.sort_by(|a, b| (&a.id, a.uploaded_at_ms).cmp(&(&b.id, b.uploaded_at_ms)));
        Ok(out)
    }

    /// The stored artifact of `id@version`.
    pub fn pack_artifact(&self, id: &str, version: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .pack_artifacts
            .get(key(id, version))?
            .map(|v| v.to_vec()))
    }

    /// The active version of every pack that has one.
    pub fn pack_active(
        &self,
    ) -> Result<std::collections::BTreeMap<String, PackActiveRecord>, StoreError> {
        let mut out = std::collections::BTreeMap::new();
        for item in self.pack_active.iter() {
            let (k, v) = item?;
            let id = String::from_utf8_lossy(&k).into_owned();
            let rec: PackActiveRecord = serde_json::from_slice(&v)
                .map_err(|e| corrupt(format!("active version of {id} cannot be read: {e}")))?;
            out.insert(id, rec);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::super::AuditOutcome;
    use super::*;

    fn rec(version: &str, digest: &str) -> PackVersionRecord {
        PackVersionRecord {
            id: "us-test".into(),
            version: version.into(),
            jurisdiction: "US".into(),
            digest: digest.into(),
            publisher: Some("icc".into()),
            signer: Some("0123456789abcdef".into()),
            uploaded_by: "pub".into(),
            uploaded_at: "2026-12-03T00:00:00Z".into(),
            uploaded_at_ms: now_ms(),
        }
    }

    fn ev(action: &str) -> AuditEvent {
        AuditEvent {
            actor: "a".into(),
            role: "admin".into(),
            action: action.into(),
            target: "us-test".into(),
            outcome: AuditOutcome::Ok,
            detail: None,
        }
    }

    #[test]
    fn versions_and_active_survive_a_reopen() {
        let dir = tempfile::tempdir().unwrap();
        {
            let s = Store::open(dir.path()).unwrap();
            s.put_pack_version(&rec("1.0.0", "aa"), b"art1", &ev("pack.publish"))
                .unwrap();
            s.put_pack_version(&rec("1.1.0", "bb"), b"art2", &ev("pack.publish"))
                .unwrap();
            // Same version, same digest: a re-upload, fine.
            s.put_pack_version(&rec("1.1.0", "bb"), b"art2", &ev("pack.publish"))
                .unwrap();
            // Same version, other digest: refused.
            let e = s
                .put_pack_version(&rec("1.1.0", "cc"), b"x", &ev("pack.publish"))
                .unwrap_err();
            assert!(matches!(e, StoreError::Duplicate { .. }), "{e}");
            let active = PackActiveRecord {
                version: "1.1.0".into(),
                previous: Some("1.0.0".into()),
                by: "a".into(),
                at: "t".into(),
            };
            s.set_pack_active("us-test", Some(&active), &ev("pack.activate"))
                .unwrap();
        }
        let s = Store::open(dir.path()).unwrap();
        let v = s.list_pack_versions().unwrap();
        assert_eq!(v.len(), 2);
        assert_eq!(
            s.pack_artifact("us-test", "1.1.0").unwrap().unwrap(),
            b"art2"
        );
        assert_eq!(s.pack_active().unwrap()["us-test"].version, "1.1.0");
        let (audit, _) = s.list_audit(None, 100).unwrap();
        let actions: Vec<&str> = audit.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(
            actions,
            [
                "pack.publish",
                "pack.publish",
                "pack.publish",
                "pack.activate"
            ]
        );
        s.delete_pack_version("us-test", "1.0.0", &ev("pack.prune"))
            .unwrap();
        assert_eq!(s.list_pack_versions().unwrap().len(), 1);
        assert!(s.pack_artifact("us-test", "1.0.0").unwrap().is_none());
        s.set_pack_active("us-test", None, &ev("pack.deactivate"))
            .unwrap();
        assert!(s.pack_active().unwrap().is_empty());
    }
}
