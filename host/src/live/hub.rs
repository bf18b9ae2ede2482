//! Rooms and sessions. A [`Hub`] holds one [`Room`] per (tenant, project,
//! building); a room has a task that processes driving messages in order
//! (coalescing what queued up while a check ran into one revision), a
//! bounded inbox, and its subscribers: one bounded outgoing queue per
//! session. Events are serialised once and handed to every queue with
//! `try_send`; a full queue closes that session (4429), nobody waits.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::ws::Utf8Bytes;
use plancheck_model::{Model, ModelData};
use tokio::sync::mpsc::error::TrySendError;
use tokio::sync::{mpsc, Notify};

use super::delta::{self, Keys};
use super::protocol::{
    self, close, ChangeCounts, Changes, Counts, Limits, Mode, ModelMessage, RoomKey,
};
use super::LiveConfig;
use crate::auth::Caller;
use crate::check::{CheckReport, PackReport, SelectionErrorKind};
use crate::input::{self, Format};
use crate::lock;
use crate::metrics::{GaugeGuard, Metrics};
use crate::service::{ParsedModel, Selection, Service, ServiceError};

/// Called with each pack's report as it finishes.
pub type OnPack = Arc<dyn Fn(&PackReport) + Send + Sync>;

/// A boxed, sendable future.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A finished check of one revision.
#[derive(Debug, Clone)]
pub struct Checked {
    /// The stored validation's id.
    pub validation_id: String,
    /// Whether the result came from the cache.
    pub cached: bool,
    /// The report.
    pub report: Arc<CheckReport>,
}

/// What a room needs from the validation service; [`Service`] is the real
/// one, tests use a fake.
pub trait Checker: Send + Sync + 'static {
    /// Validates a selection (packs installed, rules known) early.
    fn select(&self, sel: &Selection) -> Result<(), ServiceError>;

    /// Checks a model and stores the validation, calling `on_pack` as each
    /// pack finishes.
    fn validate<'a>(
        &'a self,
        caller: &'a Caller,
        project: &'a str,
        model: ParsedModel,
        sel: &'a Selection,
        on_pack: OnPack,
    ) -> BoxFuture<'a, Result<Checked, ServiceError>>;
}

impl Checker for Service {
    fn select(&self, sel: &Selection) -> Result<(), ServiceError> {
        Service::select(self, sel).map(|_| ())
    }

    fn validate<'a>(
        &'a self,
        caller: &'a Caller,
        project: &'a str,
        model: ParsedModel,
        sel: &'a Selection,
        on_pack: OnPack,
    ) -> BoxFuture<'a, Result<Checked, ServiceError>> {
        Box::pin(async move {
            let v = self
                .validate_model(caller, project, model, sel, on_pack)
                .await?;
            Ok(Checked {
                validation_id: v.record.id,
                cached: v.record.cached,
                report: v.report,
            })
        })
    }
}

/// The `error` event kind of a service error.
pub fn error_kind(e: &ServiceError) -> &'static str {
    match e {
        ServiceError::NotReady(_) => "not-ready",
        ServiceError::Selection(s) => match s.kind {
            SelectionErrorKind::UnknownPack => "unknown-pack",
            SelectionErrorKind::UnknownJurisdiction => "unknown-jurisdiction",
            SelectionErrorKind::NothingSelected => "no-pack-selected",
            SelectionErrorKind::UnknownRule => "unknown-rule",
        },
        ServiceError::Model(_) => "bad-model",
        _ => "check-failed",
    }
}

// ------------------------------------------------------------- sessions

/// State a session shares with the rooms that deliver to it.
#[derive(Debug, Default)]
struct SessionShared {
    /// 0, or the close code the session must close with.
    close: AtomicU32,
    notify: Notify,
}

/// A session as a room sees it: where to deliver.
#[derive(Debug, Clone)]
struct Subscriber {
    id: u64,
    tx: mpsc::Sender<Utf8Bytes>,
    shared: Arc<SessionShared>,
}

impl Subscriber {
    /// Asks the session to close with `code`; true the first time.
    fn kick(&self, code: u16) -> bool {
        let first = self
            .shared
            .close
            .compare_exchange(0, code as u32, Ordering::AcqRel, Ordering::Acquire)
            .is_ok();
        if first {
            self.shared.notify.notify_one();
        }
        first
    }

    /// Queues an event; a full queue kicks the session (4429) and returns
    /// false, as does a session that is gone.
    fn deliver(&self, ev: Utf8Bytes, metrics: &Metrics, room: &RoomKey) -> bool {
        match self.tx.try_send(ev) {
            Ok(()) => true,
            Err(TrySendError::Full(_)) => {
                if self.kick(close::TOO_SLOW) {
                    metrics.ws_slow_consumer_disconnect();
                    tracing::warn!(
                        session = self.id,
                        owner = %room.owner,
                        project = %room.project,
                        building = %room.building,
                        "live session closed: its client fell {} events behind (4429)",
                        self.tx.max_capacity()
                    );
                }
                false
            }
            Err(TrySendError::Closed(_)) => false,
        }
    }
}

/// Resolves once the server asks a session to close ([`Session::signal`]).
#[derive(Debug, Clone)]
pub struct CloseSignal(Arc<SessionShared>);

impl CloseSignal {
    /// Resolves once a close is requested.
    pub async fn closed(&self) {
        loop {
            if self.0.close.load(Ordering::Acquire) != 0 {
                return;
            }
            self.0.notify.notified().await;
        }
    }
}

/// Why a message could not go into the room.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubmitError {
    /// The room's inbox is full.
    Busy,
    /// The room is gone (shutting down).
    Closed,
}

/// A driving message for a room.
#[derive(Debug)]
pub enum Incoming {
    /// A `model` message.
    Model(Box<ModelMessage>),
    /// A `changes` message.
    Changes(Changes),
}

/// A message in a room's inbox, with who sent it.
struct Command {
    from: Subscriber,
    caller: Caller,
    msg: Incoming,
}

/// One client's membership of a room: its event queue and close signal.
/// Dropping it leaves the room.
pub struct Session {
    id: u64,
    mode: Mode,
    room: Arc<Room>,
    me: Subscriber,
    rx: mpsc::Receiver<Utf8Bytes>,
    hub: Arc<Inner>,
    _open: GaugeGuard,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("id", &self.id)
            .field("mode", &self.mode)
            .field("room", &self.room.key)
            .finish_non_exhaustive()
    }
}

impl Session {
    /// The session id (in `hello`).
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Whether it may drive.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Its room.
    pub fn room(&self) -> &RoomKey {
        &self.room.key
    }

    /// The next event to send.
    pub async fn next_event(&mut self) -> Option<Utf8Bytes> {
        self.rx.recv().await
    }

    /// An event already queued, without waiting (`None` when the queue is
    /// empty). Used to deliver what was queued before a protocol close.
    pub fn queued_event(&mut self) -> Option<Utf8Bytes> {
        self.rx.try_recv().ok()
    }

    /// The close code and reason the server asked for, if any.
    pub fn close_requested(&self) -> Option<(u16, String)> {
        match self.me.shared.close.load(Ordering::Acquire) {
            0 => None,
            c => Some((c as u16, close_text(c as u16, self.rx.max_capacity()))),
        }
    }

    /// Resolves once a close is requested.
    pub async fn closed(&self) {
        self.signal().closed().await
    }

    /// A handle that resolves once a close is requested (usable while the
    /// session is borrowed mutably).
    pub fn signal(&self) -> CloseSignal {
        CloseSignal(self.me.shared.clone())
    }

    /// Queues an event for this session only (answers, errors).
    pub fn reply(&self, ev: Utf8Bytes) {
        self.me.deliver(ev, &self.hub.metrics, &self.room.key);
    }

    /// Hands a driving message to the room (never waits).
    pub fn submit(&self, caller: &Caller, msg: Incoming) -> Result<(), SubmitError> {
        let cmd = Command {
            from: self.me.clone(),
            caller: caller.clone(),
            msg,
        };
        match self.room.inbox.try_send(cmd) {
            Ok(()) => Ok(()),
            Err(TrySendError::Full(_)) => Err(SubmitError::Busy),
            Err(TrySendError::Closed(_)) => Err(SubmitError::Closed),
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.room.leave(self.id);
        let left = self.hub.sessions.fetch_sub(1, Ordering::AcqRel) - 1;
        if left == 0 && self.hub.closing.load(Ordering::Acquire) {
            self.hub.idle.notify_one();
        }
    }
}

fn close_text(code: u16, queue: usize) -> String {
    match code {
        close::TOO_SLOW => {
            format!("too slow: {queue} events behind; reconnect to resync")
        }
        close::GOING_AWAY => "server shutting down".into(),
        _ => String::new(),
    }
}

// ---------------------------------------------------------------- rooms

/// Which log a broadcast event goes to (for late joiners' replay).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Log {
    /// Not logged (errors).
    None,
    /// Starts the current revision (`revision`).
    Start,
    /// Part of the current revision (`pack`).
    Current,
    /// Completes it (`summary`): it becomes the replay.
    Complete,
}

#[derive(Debug, Default)]
struct RoomState {
    subs: Vec<Subscriber>,
    revision: u64,
    /// The latest completed revision: `revision`, `pack`..., `summary`.
    replay: Vec<Utf8Bytes>,
    /// The revision in progress so far.
    current: Vec<Utf8Bytes>,
    /// The selection of the latest revision (which packs swaps concern).
    selection: Option<Selection>,
}

/// One building's live room.
pub struct Room {
    key: RoomKey,
    inbox: mpsc::Sender<Command>,
    state: Mutex<RoomState>,
    emptied: Notify,
    metrics: Arc<Metrics>,
}

impl Room {
    fn broadcast(&self, ev: Utf8Bytes, log: Log) {
        let mut st = lock(&self.state);
        match log {
            Log::None => {}
            Log::Start => {
                st.current.clear();
                st.current.push(ev.clone());
            }
            Log::Current => st.current.push(ev.clone()),
            Log::Complete => {
                st.current.push(ev.clone());
                st.replay = std::mem::take(&mut st.current);
            }
        }
        let before = st.subs.len();
        st.subs
            .retain(|s| s.deliver(ev.clone(), &self.metrics, &self.key));
        if before > 0 && st.subs.is_empty() {
            self.emptied.notify_one();
        }
    }

    fn discard_current(&self) {
        lock(&self.state).current.clear();
    }

    fn leave(&self, id: u64) {
        let mut st = lock(&self.state);
        let before = st.subs.len();
        st.subs.retain(|s| s.id != id);
        if before > 0 && st.subs.is_empty() {
            self.emptied.notify_one();
        }
    }

    fn next_revision(&self) -> u64 {
        let mut st = lock(&self.state);
        st.revision += 1;
        st.revision
    }
}

// ------------------------------------------------------------------ hub

struct Inner {
    config: LiveConfig,
    max_message_bytes: usize,
    checker: Arc<dyn Checker>,
    metrics: Arc<Metrics>,
    rooms: Mutex<HashMap<RoomKey, Arc<Room>>>,
    closing: AtomicBool,
    sessions: AtomicUsize,
    next_session: AtomicU64,
    idle: Notify,
}

/// Why a session could not join.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the server is shutting down")]
pub struct ShuttingDown;

/// Every live room of the server.
#[derive(Clone)]
pub struct Hub {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Hub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hub")
            .field("config", &self.inner.config)
            .field("sessions", &self.sessions())
            .finish_non_exhaustive()
    }
}

impl Hub {
    /// A hub over the validation service: messages up to
    /// `config.max_message_bytes`, else the service's `max_body_bytes`.
    pub fn for_service(service: Arc<Service>, config: LiveConfig) -> Hub {
        let max = config
            .max_message_bytes
            .unwrap_or(service.config().max_body_bytes);
        let metrics = service.metrics().clone();
        Hub::new(config, max, service, metrics)
    }

    /// A hub with explicit parts (tests use a fake [`Checker`]).
    pub fn new(
        config: LiveConfig,
        max_message_bytes: usize,
        checker: Arc<dyn Checker>,
        metrics: Arc<Metrics>,
    ) -> Hub {
        Hub {
            inner: Arc::new(Inner {
                config,
                max_message_bytes: max_message_bytes.max(1024),
                checker,
                metrics,
                rooms: Mutex::new(HashMap::new()),
                closing: AtomicBool::new(false),
                sessions: AtomicUsize::new(0),
                next_session: AtomicU64::new(1),
                idle: Notify::new(),
            }),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &LiveConfig {
        &self.inner.config
    }

    /// Tells every room whose selection concerns the swapped pack (names
    /// it, or a jurisdiction covering it) with a `pack-swapped` event
    /// naming the old and new version (docs/live.md). The room's next
    /// revision runs on the new version.
    pub fn pack_swapped(&self, ev: &crate::packs::lifecycle::SwapEvent) {
        let rooms: Vec<Arc<Room>> = lock(&self.inner.rooms).values().cloned().collect();
        let msg = protocol::pack_swapped(ev);
        for room in rooms {
            let concerned = lock(&room.state).selection.as_ref().is_some_and(|s| {
                s.packs
                    .iter()
                    .flat_map(|p| p.split(','))
                    .any(|p| crate::packs::registry::split_pin(p).0 == ev.pack)
                    || s.jurisdiction
                        .as_deref()
                        .is_some_and(|j| crate::packs::trust::covers(j, &ev.jurisdiction))
            });
            if concerned {
                room.broadcast(msg.clone(), Log::None);
            }
        }
    }

    /// Largest message accepted, bytes.
    pub fn max_message_bytes(&self) -> usize {
        self.inner.max_message_bytes
    }

    /// The metrics.
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.inner.metrics
    }

    /// Open sessions.
    pub fn sessions(&self) -> usize {
        self.inner.sessions.load(Ordering::Acquire)
    }

    /// Rooms that exist (with sessions, or lingering).
    pub fn rooms(&self) -> usize {
        lock(&self.inner.rooms).len()
    }

    /// The limits told in `hello`.
    pub fn limits(&self) -> Limits {
        let c = &self.inner.config;
        Limits {
            max_message_bytes: self.inner.max_message_bytes,
            client_queue: c.client_queue.max(1),
            ping_interval_secs: c.ping_interval_secs.max(1),
            pong_timeout_secs: c.pong_timeout_secs.max(1),
        }
    }

    /// Joins (creating if needed) the room `key`: queues `hello` and the
    /// replay of the latest revision for the new session. Must be called
    /// within a tokio runtime.
    pub fn join(&self, key: RoomKey, caller: &Caller, mode: Mode) -> Result<Session, ShuttingDown> {
        let inner = &self.inner;
        if inner.closing.load(Ordering::Acquire) {
            return Err(ShuttingDown);
        }
        let limits = self.limits();
        let id = inner.next_session.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = mpsc::channel(limits.client_queue);
        let me = Subscriber {
            id,
            tx,
            shared: Arc::new(SessionShared::default()),
        };
        let room = {
            let mut rooms = lock(&inner.rooms);
            let room = match rooms.get(&key) {
                Some(r) => r.clone(),
                None => {
                    let r = self.spawn_room(key.clone());
                    rooms.insert(key.clone(), r.clone());
                    r
                }
            };
            let mut st = lock(&room.state);
            let hello = protocol::hello(
                &key,
                id,
                caller,
                mode,
                st.revision,
                st.subs.len() + 1,
                limits,
            );
            let ok = std::iter::once(hello)
                .chain(st.replay.iter().cloned())
                .chain(st.current.iter().cloned())
                .all(|ev| me.deliver(ev, &inner.metrics, &key));
            if ok {
                st.subs.push(me.clone());
            }
            drop(st);
            room
        };
        inner.sessions.fetch_add(1, Ordering::AcqRel);
        Ok(Session {
            id,
            mode,
            room,
            me,
            rx,
            hub: inner.clone(),
            _open: inner.metrics.ws_session(),
        })
    }

    fn spawn_room(&self, key: RoomKey) -> Arc<Room> {
        let (tx, rx) = mpsc::channel(self.inner.config.room_inbox.max(1));
        let room = Arc::new(Room {
            key,
            inbox: tx,
            state: Mutex::new(RoomState::default()),
            emptied: Notify::new(),
            metrics: self.inner.metrics.clone(),
        });
        tokio::spawn(run_room(room.clone(), rx, self.inner.clone()));
        room
    }

    /// Closes every session with 1001 and waits (up to `grace`) until they
    /// are gone; new sessions are refused with 1001 from now on.
    pub async fn shutdown(&self, grace: Duration) {
        let inner = &self.inner;
        inner.closing.store(true, Ordering::Release);
        let rooms: Vec<Arc<Room>> = lock(&inner.rooms).values().cloned().collect();
        for r in rooms {
            for s in lock(&r.state).subs.iter() {
                s.kick(close::GOING_AWAY);
            }
        }
        let _ = tokio::time::timeout(grace, async {
            while inner.sessions.load(Ordering::Acquire) > 0 {
                inner.idle.notified().await;
            }
        })
        .await;
    }
}

// ------------------------------------------------------------ room task

/// What a room knows between revisions.
#[derive(Default)]
struct Live {
    model: Option<Arc<Model>>,
    format: Option<Format>,
    name: String,
    selection: Selection,
    keys: Option<Keys>,
}

async fn run_room(room: Arc<Room>, mut rx: mpsc::Receiver<Command>, hub: Arc<Inner>) {
    let linger = Duration::from_secs(hub.config.room_linger_secs);
    let mut live = Live::default();
    loop {
        let empty = lock(&room.state).subs.is_empty();
        let first = if empty {
            tokio::select! {
                c = rx.recv() => c,
                _ = tokio::time::sleep(linger) => {
                    if rx.is_empty() && remove_if_idle(&hub, &room) {
                        return;
                    }
                    continue;
                }
            }
        } else {
            tokio::select! {
                c = rx.recv() => c,
                _ = room.emptied.notified() => continue,
            }
        };
        let Some(first) = first else { return };
        let mut batch = vec![first];
        while let Ok(c) = rx.try_recv() {
            batch.push(c);
        }
        process(&room, &hub, &mut live, batch).await;
    }
}

fn remove_if_idle(hub: &Inner, room: &Arc<Room>) -> bool {
    let mut rooms = lock(&hub.rooms);
    let st = lock(&room.state);
    if !st.subs.is_empty() {
        return false;
    }
    if rooms.get(&room.key).is_some_and(|r| Arc::ptr_eq(r, room)) {
        rooms.remove(&room.key);
    }
    true
}

/// A revision ready to check.
struct Next {
    parsed: ParsedModel,
    selection: Selection,
    cause: &'static str,
    counts: ChangeCounts,
    messages: usize,
    caller: Caller,
}

struct Prepared {
    next: Option<Next>,
    replies: Vec<(Subscriber, Utf8Bytes)>,
}

/// Applies a batch of driving messages in order (on a blocking thread):
/// each message applies whole or not at all (an `error` to its sender).
fn prepare(
    checker: &dyn Checker,
    base: &Live,
    building: &str,
    batch: Vec<Command>,
) -> (Prepared, Option<(Format, String)>) {
    let mut replies = Vec::new();
    let mut model = base.model.clone();
    let mut format = base.format;
    let mut name = base.name.clone();
    let mut selection = base.selection.clone();
    let mut fresh: Option<ParsedModel> = None;
    let mut data: Option<ModelData> = None;
    let mut counts = ChangeCounts::default();
    let mut cause = "changes";
    let mut messages = 0;
    let mut by: Option<Caller> = None;
    let mut senders: Vec<Subscriber> = Vec::new();
    for cmd in batch {
        let mut fail = |kind: &str, msg: &str| {
            replies.push((cmd.from.clone(), protocol::error(kind, msg, None)));
        };
        match cmd.msg {
            Incoming::Model(m) => {
                let m = *m;
                let sel = Selection {
                    packs: m.packs,
                    jurisdiction: m.jurisdiction,
                    rules: m.rules,
                    params: m.params.into_iter().collect(),
                };
                if let Err(e) = checker.select(&sel) {
                    fail(error_kind(&e), &e.to_string());
                    continue;
                }
                let n = m.name.unwrap_or_else(|| building.to_string());
                let loaded = match (m.model, m.ifc) {
                    (Some(d), _) => delta::canonical(d, &n, Format::Json),
                    (None, Some(ifc)) => input::load_bytes(ifc.as_bytes(), Some(Format::Ifc), &n)
                        .map(|mdl| delta::loaded(mdl, &n, Format::Ifc)),
                    (None, None) => unreachable!("checked by protocol::parse"),
                };
                match loaded {
                    Err(e) => fail("bad-model", &e.to_string()),
                    Ok(p) => {
                        counts = ChangeCounts {
                            added: p.model.elements().len(),
                            ..ChangeCounts::default()
                        };
                        model = Some(p.model.clone());
                        format = Some(p.format);
                        name = n;
                        fresh = Some(p);
                        data = None;
                        selection = sel;
                        cause = "model";
                        messages += 1;
                        senders.push(cmd.from.clone());
                        by = Some(cmd.caller);
                    }
                }
            }
            Incoming::Changes(c) => {
                let Some(m) = &model else {
                    fail(
                        "no-model",
                        "no model yet: send a `model` message before `changes`",
                    );
                    continue;
                };
                if c.is_empty() {
                    fail(
                        "bad-message",
                        "changes message: nothing added, modified or removed",
                    );
                    continue;
                }
                let d = data.get_or_insert_with(|| m.to_data());
                match delta::apply(d, c) {
                    Err(e) => fail(e.kind, &e.message),
                    Ok(n) => {
                        counts.add(n);
                        fresh = None;
                        messages += 1;
                        senders.push(cmd.from.clone());
                        by = Some(cmd.caller);
                    }
                }
            }
        }
    }
    let Some(caller) = by else {
        return (
            Prepared {
                next: None,
                replies,
            },
            None,
        );
    };
    let format_now = format.unwrap_or(Format::Json);
    let parsed = match (fresh, data) {
        (Some(p), _) => p,
        (None, Some(d)) => match delta::canonical(d, &name, format_now) {
            Ok(p) => p,
            Err(e) => {
                // Not expected: every change was validated on its own.
                let ev = protocol::error("bad-model", &e.to_string(), None);
                replies.extend(senders.into_iter().map(|s| (s, ev.clone())));
                return (
                    Prepared {
                        next: None,
                        replies,
                    },
                    None,
                );
            }
        },
        (None, None) => unreachable!("a message applied"),
    };
    (
        Prepared {
            next: Some(Next {
                parsed,
                selection,
                cause,
                counts,
                messages,
                caller,
            }),
            replies,
        },
        Some((format_now, name)),
    )
}

async fn process(room: &Arc<Room>, hub: &Arc<Inner>, live: &mut Live, batch: Vec<Command>) {
    let started = Instant::now();
    let checker = hub.checker.clone();
    let base = Live {
        model: live.model.clone(),
        format: live.format,
        name: live.name.clone(),
        selection: live.selection.clone(),
        keys: None,
    };
    let building = room.key.building.clone();
    let job = tokio::task::spawn_blocking(move || prepare(&*checker, &base, &building, batch));
    let (prepared, naming) = match job.await {
        Ok(p) => p,
        Err(e) => {
            let rev = lock(&room.state).revision;
            room.broadcast(
                protocol::error("check-failed", &format!("internal error: {e}"), Some(rev)),
                Log::None,
            );
            return;
        }
    };
    for (to, ev) in prepared.replies {
        to.deliver(ev, &hub.metrics, &room.key);
    }
    let Some(next) = prepared.next else { return };
    if let Some((format, name)) = naming {
        live.format = Some(format);
        live.name = name;
    }
    live.model = Some(next.parsed.model.clone());
    live.selection = next.selection.clone();
    lock(&room.state).selection = Some(next.selection.clone());
    let rev = room.next_revision();
    room.broadcast(
        protocol::revision(
            rev,
            next.cause,
            next.counts,
            next.messages,
            next.parsed.model.elements().len(),
            &next.caller.sub,
        ),
        Log::Start,
    );
    let r2 = room.clone();
    let on_pack: OnPack = Arc::new(move |p: &PackReport| {
        r2.broadcast(protocol::pack(rev, p, false), Log::Current);
    });
    let res = hub
        .checker
        .validate(
            &next.caller,
            &room.key.project,
            next.parsed,
            &next.selection,
            on_pack,
        )
        .await;
    match res {
        Ok(done) => {
            let keys = Keys::of(&done.report);
            let diff = keys.diff(live.keys.as_ref());
            live.keys = Some(keys);
            let ev = protocol::summary(&protocol::Summary {
                revision: rev,
                validation_id: &done.validation_id,
                cached: done.cached,
                counts: Counts::of(&done.report),
                diff: &diff,
                millis: started.elapsed().as_secs_f64() * 1000.0,
            });
            room.broadcast(ev, Log::Complete);
        }
        Err(e) => {
            tracing::warn!(
                revision = rev,
                owner = %room.key.owner,
                project = %room.key.project,
                building = %room.key.building,
                "live check failed: {e}"
            );
            room.discard_current();
            room.broadcast(
                protocol::error(error_kind(&e), &e.to_string(), Some(rev)),
                Log::None,
            );
        }
    }
}
