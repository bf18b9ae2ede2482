//! Live validation over WebSocket (`GET /v1/live/{project}/{building}`,
//! docs/live.md): a CAD/BIM tool opens a session for a building, sends the
//! model, then changes; the server re-checks each revision and streams
//! findings per pack as each pack finishes, then a summary. Everyone
//! watching the same building (same tenant) gets the same events.
//!
//! * [`protocol`]: messages, events and close codes on the wire.
//! * [`delta`]: applying changes atomically, canonical form and digest,
//!   finding keys and diffs.
//! * [`hub`]: rooms (one task each, a bounded inbox) and sessions (a
//!   bounded outgoing queue each; a client that falls behind is closed
//!   with 4429, nobody waits for it).
//!
//! The connection handler is [`crate::api::ws`].

pub mod delta;
pub mod hub;
pub mod protocol;

use std::time::Duration;

use serde::Deserialize;

pub use hub::{Checked, Checker, Hub, Session};
pub use protocol::close;

/// Default events queued per client before it is closed as too slow.
pub const DEFAULT_CLIENT_QUEUE: usize = 256;
/// Default driving messages a room queues while a check runs.
pub const DEFAULT_ROOM_INBOX: usize = 64;
/// Default seconds between server pings.
pub const DEFAULT_PING_INTERVAL_SECS: u64 = 20;
/// Default seconds after a ping within which the client must send a frame.
pub const DEFAULT_PONG_TIMEOUT_SECS: u64 = 20;
/// Default seconds a room with no sessions keeps its model.
pub const DEFAULT_ROOM_LINGER_SECS: u64 = 60;

/// The `[live]` section of the server configuration (docs/configuration.md,
/// docs/live.md).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LiveConfig {
    /// Events queued per client; a client this far behind is closed (4429).
    pub client_queue: usize,
    /// Driving messages a room queues while it checks; more are refused
    /// with a `busy` error.
    pub room_inbox: usize,
    /// Seconds between WebSocket pings from the server.
    pub ping_interval_secs: u64,
    /// Seconds after a ping within which some frame (a pong, a message)
    /// must arrive, else the session is closed (4408). Also the longest a
    /// single send to a client may take.
    pub pong_timeout_secs: u64,
    /// Largest message (and frame) accepted, bytes; unset: the server's
    /// `max_body_bytes`. Larger → close 1009.
    pub max_message_bytes: Option<usize>,
    /// Seconds a room with no sessions keeps its model and latest result
    /// (a reconnecting client resumes); 0 drops it at once.
    pub room_linger_secs: u64,
}

impl Default for LiveConfig {
    fn default() -> Self {
        LiveConfig {
            client_queue: DEFAULT_CLIENT_QUEUE,
            room_inbox: DEFAULT_ROOM_INBOX,
            ping_interval_secs: DEFAULT_PING_INTERVAL_SECS,
            pong_timeout_secs: DEFAULT_PONG_TIMEOUT_SECS,
            max_message_bytes: None,
            room_linger_secs: DEFAULT_ROOM_LINGER_SECS,
        }
    }
}

impl LiveConfig {
    /// Checks the values (every count and interval at least 1); the error
    /// names the key.
    pub fn validate(&self) -> Result<(), String> {
        for (k, v) in [
            ("live.client_queue", self.client_queue as u64),
            ("live.room_inbox", self.room_inbox as u64),
            ("live.ping_interval_secs", self.ping_interval_secs),
            ("live.pong_timeout_secs", self.pong_timeout_secs),
        ] {
            if v == 0 {
                return Err(format!("{k} must be at least 1"));
            }
        }
        if self.max_message_bytes.is_some_and(|b| b < 1024) {
            return Err("live.max_message_bytes must be at least 1024".into());
        }
        Ok(())
    }

    /// The ping interval.
    pub fn ping_interval(&self) -> Duration {
        Duration::from_secs(self.ping_interval_secs.max(1))
    }

    /// The pong timeout.
    pub fn pong_timeout(&self) -> Duration {
        Duration::from_secs(self.pong_timeout_secs.max(1))
    }
}

#[cfg(test)]
pub(crate) mod tests;
