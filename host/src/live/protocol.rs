//! The live protocol's wire format (docs/live.md): what clients send
//! ([`ClientMessage`], parsed by [`parse`]), the events the server sends
//! (built once per broadcast as shared [`Utf8Bytes`]), and the close codes.

use std::collections::BTreeMap;

use axum::extract::ws::Utf8Bytes;
use plancheck_model::{Element, ModelData};
use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};

use crate::check::PackReport;

/// Close codes the server uses (docs/live.md has the table).
pub mod close {
    /// Normal closure (the client closed, or the server ends a session
    /// without fault).
    pub const NORMAL: u16 = 1000;
    /// The server is shutting down.
    pub const GOING_AWAY: u16 = 1001;
    /// A message larger than `live.max_message_bytes`.
    pub const TOO_BIG: u16 = 1009;
    /// A message the server cannot understand at all: not JSON, not an
    /// object with a known `type`, a binary frame, a bad query parameter.
    pub const BAD_MESSAGE: u16 = 4400;
    /// No token, or an invalid one; the reason is the failure's label.
    pub const UNAUTHORIZED: u16 = 4401;
    /// A valid token without the permission to watch this room.
    pub const FORBIDDEN: u16 = 4403;
    /// No frame from the client within `pong_timeout_secs` of a ping.
    pub const KEEPALIVE: u16 = 4408;
    /// The client fell `client_queue` events behind.
    pub const TOO_SLOW: u16 = 4429;
}

/// The longest close reason the protocol allows, bytes.
pub const MAX_CLOSE_REASON: usize = 123;

/// `s` cut to at most [`MAX_CLOSE_REASON`] bytes at a character boundary.
pub fn close_reason(s: &str) -> String {
    if s.len() <= MAX_CLOSE_REASON {
        return s.to_string();
    }
    let mut end = MAX_CLOSE_REASON - 3;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &s[..end])
}

// ------------------------------------------------------------- incoming

/// A message from a client.
#[derive(Debug, Clone, PartialEq)]
pub enum ClientMessage {
    /// Sets the room's model and selection.
    Model(Box<ModelMessage>),
    /// Adds, modifies and removes elements.
    Changes(Changes),
    /// Application-level ping; answered with `pong`.
    Ping,
}

/// `{"type":"model", ...}`: the model (JSON model format, or IFC text) and
/// the pack selection.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelMessage {
    #[serde(rename = "type")]
    #[allow(dead_code)]
    kind: IgnoredAny,
    /// Pack ids.
    #[serde(default)]
    pub packs: Vec<String>,
    /// A jurisdiction: every pack of it.
    #[serde(default)]
    pub jurisdiction: Option<String>,
    /// Only these rules (empty: all).
    #[serde(default)]
    pub rules: Vec<String>,
    /// `pack-id.name` → value.
    #[serde(default)]
    pub params: BTreeMap<String, String>,
    /// The model in the JSON model format.
    #[serde(default)]
    pub model: Option<ModelData>,
    /// Or the model as IFC (STEP) text.
    #[serde(default)]
    pub ifc: Option<String>,
    /// A name for people (default: the building).
    #[serde(default)]
    pub name: Option<String>,
}

/// `{"type":"changes", ...}`: applied atomically.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Changes {
    #[serde(rename = "type", default)]
    #[allow(dead_code)]
    kind: Option<IgnoredAny>,
    /// New elements (ids not in the model).
    #[serde(default)]
    pub added: Vec<Element>,
    /// Replacements of existing elements (matched by id).
    #[serde(default)]
    pub modified: Vec<Element>,
    /// Ids of elements to remove.
    #[serde(default)]
    pub removed: Vec<String>,
}

impl Changes {
    /// Changes from parts (tests, tools).
    pub fn new(added: Vec<Element>, modified: Vec<Element>, removed: Vec<String>) -> Changes {
        Changes {
            kind: None,
            added,
            modified,
            removed,
        }
    }

    /// Whether nothing changes.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.modified.is_empty() && self.removed.is_empty()
    }
}

/// Why a message could not be taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    /// Not a protocol message at all: the session is closed with
    /// [`close::BAD_MESSAGE`] and this reason.
    Fatal(String),
    /// A known message whose content is wrong: an `error` event of this
    /// kind; the session stays open.
    Content {
        /// The `error` event's `kind`.
        kind: &'static str,
        /// What is wrong.
        message: String,
    },
}

#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(rename = "type", borrow)]
    kind: std::borrow::Cow<'a, str>,
}

fn json_error(e: &serde_json::Error) -> String {
    let msg = e.to_string();
    let msg = match msg.rfind(" at line ") {
        Some(k) => &msg[..k],
        None => &msg,
    };
    format!("line {} column {}: {msg}", e.line(), e.column())
}

/// Parses a text frame. JSON syntax errors, a missing or unknown `type`
/// are [`ParseError::Fatal`]; a known message with fields that do not
/// parse is [`ParseError::Content`] (`bad-message`, naming line and column).
pub fn parse(text: &str) -> Result<ClientMessage, ParseError> {
    let env: Envelope = serde_json::from_str(text).map_err(|e| {
        if e.is_syntax() || e.is_eof() {
            ParseError::Fatal(format!("invalid JSON at {}", json_error(&e)))
        } else {
            ParseError::Fatal(format!(
                "not a message object with a `type` ({})",
                json_error(&e)
            ))
        }
    })?;
    let content = |e: serde_json::Error, what: &str| ParseError::Content {
        kind: "bad-message",
        message: format!("{what} message: {}", json_error(&e)),
    };
    match &*env.kind {
        "model" => {
            let m: ModelMessage = serde_json::from_str(text).map_err(|e| content(e, "model"))?;
            match (&m.model, &m.ifc) {
                (Some(_), Some(_)) => Err(ParseError::Content {
                    kind: "bad-message",
                    message: "model message: give either `model` or `ifc`, not both".into(),
                }),
                (None, None) => Err(ParseError::Content {
                    kind: "bad-message",
                    message: "model message: no `model` (JSON model) or `ifc` (IFC text)".into(),
                }),
                _ => {
                    if let Some(k) = m.params.keys().find(|k| !k.contains('.')) {
                        return Err(ParseError::Content {
                            kind: "bad-param",
                            message: format!("params: `{k}` must name the pack: `pack-id.name`"),
                        });
                    }
                    Ok(ClientMessage::Model(Box::new(m)))
                }
            }
        }
        "changes" => {
            let c: Changes = serde_json::from_str(text).map_err(|e| content(e, "changes"))?;
            Ok(ClientMessage::Changes(c))
        }
        "ping" => Ok(ClientMessage::Ping),
        other => Err(ParseError::Fatal(close_reason(&format!(
            "unknown message type `{other}`; expected model, changes or ping"
        )))),
    }
}

// ------------------------------------------------------------- outgoing

fn to_event<T: Serialize>(v: &T) -> Utf8Bytes {
    Utf8Bytes::from(serde_json::to_string(v).expect("serialisable event"))
}

/// Who is in a room: the tenant (`sub` of the room's owner), project and
/// building.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct RoomKey {
    /// The tenant: the `sub` whose room this is.
    pub owner: String,
    /// The project.
    pub project: String,
    /// The building.
    pub building: String,
}

/// What a session may do in its room.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// Send models and changes, and watch.
    Drive,
    /// Watch only.
    Watch,
}

/// The `hello` event.
pub fn hello(
    room: &RoomKey,
    session: u64,
    caller: &crate::auth::Caller,
    mode: Mode,
    revision: u64,
    watchers: usize,
    limits: Limits,
) -> Utf8Bytes {
    #[derive(Serialize)]
    struct Hello<'a> {
        #[serde(rename = "type")]
        t: &'static str,
        room: &'a RoomKey,
        session: u64,
        sub: &'a str,
        role: &'a str,
        mode: Mode,
        revision: u64,
        watchers: usize,
        limits: Limits,
    }
    to_event(&Hello {
        t: "hello",
        room,
        session,
        sub: &caller.sub,
        role: caller.role.as_str(),
        mode,
        revision,
        watchers,
        limits,
    })
}

/// The session's limits, told in `hello`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Limits {
    /// Largest message accepted, bytes.
    pub max_message_bytes: usize,
    /// Events the server queues for this client before closing it (4429).
    pub client_queue: usize,
    /// Seconds between server pings.
    pub ping_interval_secs: u64,
    /// Seconds after a ping within which some frame must arrive.
    pub pong_timeout_secs: u64,
}

/// Element counts of a revision's changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct ChangeCounts {
    /// Elements added.
    pub added: usize,
    /// Elements modified.
    pub modified: usize,
    /// Elements removed.
    pub removed: usize,
}

impl ChangeCounts {
    /// Adds another batch's counts.
    pub fn add(&mut self, o: ChangeCounts) {
        self.added += o.added;
        self.modified += o.modified;
        self.removed += o.removed;
    }
}

/// The `revision` event: a check starts.
pub fn revision(
    revision: u64,
    cause: &str,
    changed: ChangeCounts,
    messages: usize,
    elements: usize,
    by: &str,
) -> Utf8Bytes {
    #[derive(Serialize)]
    struct Revision<'a> {
        #[serde(rename = "type")]
        t: &'static str,
        revision: u64,
        cause: &'a str,
        changed: ChangeCounts,
        messages: usize,
        elements: usize,
        by: &'a str,
    }
    to_event(&Revision {
        t: "revision",
        revision,
        cause,
        changed,
        messages,
        elements,
        by,
    })
}

/// A `pack` event: one pack's result, exactly as in a report's `packs`,
/// with `type`, `revision` and `reused`.
pub fn pack(revision: u64, report: &PackReport, reused: bool) -> Utf8Bytes {
    #[derive(Serialize)]
    struct Pack<'a> {
        #[serde(rename = "type")]
        t: &'static str,
        revision: u64,
        reused: bool,
        #[serde(flatten)]
        report: &'a PackReport,
    }
    to_event(&Pack {
        t: "pack",
        revision,
        reused,
        report,
    })
}

/// Finding counts of a summary: the report's `summary` members.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct Counts {
    /// Violations.
    pub violation: usize,
    /// Warnings.
    pub warning: usize,
    /// Findings the model lacks the data for.
    pub not_assessable: usize,
    /// Passes.
    pub pass: usize,
    /// Packs that failed to check.
    pub pack_errors: usize,
}

impl Counts {
    /// The counts of a report.
    pub fn of(rep: &crate::check::CheckReport) -> Counts {
        use plancheck_model::Outcome;
        Counts {
            violation: rep.count(Outcome::Violation),
            warning: rep.count(Outcome::Warning),
            not_assessable: rep.count(Outcome::NotAssessable),
            pass: rep.count(Outcome::Pass),
            pack_errors: rep.packs.iter().filter(|p| p.error.is_some()).count(),
        }
    }
}

/// The `summary` event's content.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary<'a> {
    /// The revision.
    pub revision: u64,
    /// The stored validation's id (`GET /v1/validations/{id}`).
    pub validation_id: &'a str,
    /// Whether the result came from the cache.
    pub cached: bool,
    /// Finding counts.
    pub counts: Counts,
    /// Findings new and resolved since the previous revision.
    pub diff: &'a Diff,
    /// Time from the start of the revision to the summary, milliseconds.
    pub millis: f64,
}

/// Findings that appeared and disappeared between two revisions, by key
/// (`pack|rule|outcome|element,element`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Diff {
    /// Keys in this revision and not the previous.
    pub new: Vec<String>,
    /// Keys in the previous revision and not this one.
    pub resolved: Vec<String>,
}

/// The `summary` event.
pub fn summary(s: &Summary<'_>) -> Utf8Bytes {
    #[derive(Serialize)]
    struct Ev<'a, 'b> {
        #[serde(rename = "type")]
        t: &'static str,
        #[serde(flatten)]
        s: &'a Summary<'b>,
    }
    to_event(&Ev { t: "summary", s })
}

/// An `error` event.
pub fn error(kind: &str, message: &str, revision: Option<u64>) -> Utf8Bytes {
    #[derive(Serialize)]
    struct Error<'a> {
        #[serde(rename = "type")]
        t: &'static str,
        kind: &'a str,
        message: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        revision: Option<u64>,
    }
    to_event(&Error {
        t: "error",
        kind,
        message,
        revision,
    })
}

/// The `pack-swapped` event: a pack the room checks against changed
/// version (activation, rollback, deactivation, reload).
pub fn pack_swapped(ev: &crate::packs::lifecycle::SwapEvent) -> Utf8Bytes {
    #[derive(Serialize)]
    struct Swapped<'a> {
        #[serde(rename = "type")]
        t: &'static str,
        #[serde(flatten)]
        ev: &'a crate::packs::lifecycle::SwapEvent,
    }
    to_event(&Swapped {
        t: "pack-swapped",
        ev,
    })
}

/// The `pong` event.
pub fn pong() -> Utf8Bytes {
    Utf8Bytes::from_static("{\"type\":\"pong\"}")
}
