//! What the store keeps: validation records, audit entries, and a page of a
//! listing. All are serde structs with public fields; the JSON field names
//! are the stored format (changing them needs a schema migration).

use serde::{Deserialize, Serialize};

/// One validation: who asked, when, about which model, with which packs,
/// and what came out. The report itself is stored beside it under
/// [`result_key`](Self::result_key).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValidationRecord {
    /// Validation id: a UUID v7 in canonical lower-case hyphenated form
    /// (time-ordered, so key order is creation order), see
    /// [`new_validation_id`](super::new_validation_id).
    pub id: String,
    /// The project the validation belongs to (no NUL characters).
    pub project: String,
    /// Who asked: the `sub` of the caller's token.
    pub owner: String,
    /// The caller's role when asking.
    pub role: String,
    /// When, RFC 3339 UTC with milliseconds ([`rfc3339_ms`](super::rfc3339_ms)).
    pub created_at: String,
    /// When, milliseconds since the Unix epoch.
    pub created_at_ms: u64,
    /// The model checked.
    pub model: ModelInfo,
    /// The packs run, in the order asked.
    pub packs: Vec<PackRef>,
    /// Only these rules, when the caller selected rules (empty: all).
    pub rules: Vec<String>,
    /// Pack parameters as given, `[["pack.name", "value"], ...]`.
    pub params: Vec<(String, String)>,
    /// Key of the report in the content-addressed results (computed by the
    /// caller from the model digest, pack digests and options).
    pub result_key: String,
    /// Whether the report came from an earlier identical check.
    pub cached: bool,
    /// Finding counts of the report.
    pub summary: Summary,
    /// Time the check took, milliseconds (near zero when cached).
    pub duration_ms: f64,
}

/// The model of a validation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelInfo {
    /// The model's name (file name given by the client).
    pub name: String,
    /// SHA-256 of the model bytes, hex.
    pub digest: String,
    /// How the model was read.
    pub format: ModelFormat,
    /// Size of the model, bytes.
    pub bytes: u64,
    /// Number of elements read.
    pub elements: usize,
    /// IFC schema (e.g. `IFC4`).
    pub schema: String,
}

/// How a model was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ModelFormat {
    /// IFC (STEP), `"ifc"`.
    Ifc,
    /// The JSON model format, `"json"`.
    Json,
}

/// A pack run in a validation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackRef {
    /// Pack id.
    pub id: String,
    /// Pack version.
    pub version: String,
    /// SHA-256 of the component, hex.
    pub digest: String,
}

/// Finding counts of a validation's report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Findings with outcome violation.
    pub violations: usize,
    /// Findings with outcome warning.
    pub warnings: usize,
    /// Findings with outcome not-assessable.
    pub not_assessable: usize,
    /// Findings with outcome pass.
    pub passes: usize,
    /// Packs that failed to check.
    pub errors: usize,
}

/// One page of a project's validations, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page {
    /// The validations of this page.
    pub items: Vec<ValidationRecord>,
    /// Pass this back to get the next page; `None` on the last page. Opaque
    /// to clients.
    pub next_cursor: Option<String>,
}

/// How an audited action ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuditOutcome {
    /// Done, `"ok"`.
    Ok,
    /// Refused for lack of rights, `"denied"`.
    Denied,
    /// Failed, `"error"`.
    Error,
}

/// Something to record in the audit log; the store adds sequence number and
/// time ([`AuditEntry`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    /// Who: the `sub` of the caller (the caller decides what to write for an
    /// unauthenticated request, e.g. `anonymous`).
    pub actor: String,
    /// The actor's role.
    pub role: String,
    /// What, dotted: `validation.create`, `pack.reload`, `auth.denied`, ...
    pub action: String,
    /// On what: a validation id, a pack id, a route.
    pub target: String,
    /// How it ended.
    pub outcome: AuditOutcome,
    /// Anything else worth keeping (a reason, a project).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// A stored audit log entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Sequence number: increasing in the order entries were appended, also
    /// across restarts, with gaps.
    pub seq: u64,
    /// When it was appended, RFC 3339 UTC with milliseconds.
    pub at: String,
    /// When it was appended, milliseconds since the Unix epoch.
    pub at_ms: u64,
    /// Who ([`AuditEvent::actor`]).
    pub actor: String,
    /// The actor's role.
    pub role: String,
    /// What ([`AuditEvent::action`]).
    pub action: String,
    /// On what.
    pub target: String,
    /// How it ended.
    pub outcome: AuditOutcome,
    /// Anything else.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl AuditEntry {
    /// The entry for `event` appended as number `seq` at `at_ms`.
    pub(crate) fn new(seq: u64, at_ms: u64, event: AuditEvent) -> Self {
        AuditEntry {
            seq,
            at: super::rfc3339_ms(at_ms),
            at_ms,
            actor: event.actor,
            role: event.role,
            action: event.action,
            target: event.target,
            outcome: event.outcome,
            detail: event.detail,
        }
    }
}
