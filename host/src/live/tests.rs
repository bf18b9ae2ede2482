//! Hub, room and protocol tests with a fake checker (no sandbox, no store).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use plancheck_model::{
    Attribute, Citation, Element, Finding, Measure, MeasureKind, ModelData, Outcome, Value,
};
use serde_json::{json, Value as Json};
use tokio::sync::Semaphore;

use super::hub::{BoxFuture, Checked, Checker, Incoming, OnPack, SubmitError};
use super::protocol::{self, close, ClientMessage, Mode, ParseError, RoomKey};
use super::{Hub, LiveConfig, Session};
use crate::auth::{Caller, Role};
use crate::check::{CheckReport, PackReport, SelectionError, SelectionErrorKind};
use crate::metrics::Metrics;
use crate::service::{ParsedModel, Selection, ServiceError};

/// Packs `p` and `q`: `p` flags every stair flight whose RiserHeight is
/// over 0.18 m, `q` finds nothing. A gate, when set, holds each check
/// until a permit is added.
#[derive(Default)]
pub(crate) struct Fake {
    ids: AtomicU64,
    /// Holds each check until a permit is added.
    pub(crate) gate: Option<Arc<Semaphore>>,
    /// (caller, elements) of each check.
    pub(crate) calls: Mutex<Vec<(String, usize)>>,
}

impl Checker for Fake {
    fn select(&self, sel: &Selection) -> Result<(), ServiceError> {
        for p in &sel.packs {
            if p != "p" && p != "q" {
                return Err(ServiceError::Selection(SelectionError {
                    kind: SelectionErrorKind::UnknownPack,
                    message: format!("no pack `{p}`; installed: p, q"),
                }));
            }
        }
        Ok(())
    }

    fn validate<'a>(
        &'a self,
        caller: &'a Caller,
        _project: &'a str,
        model: ParsedModel,
        sel: &'a Selection,
        on_pack: OnPack,
    ) -> BoxFuture<'a, Result<Checked, ServiceError>> {
        Box::pin(async move {
            if let Some(g) = &self.gate {
                g.acquire().await.unwrap().forget();
            }
            self.calls
                .lock()
                .unwrap()
                .push((caller.sub.clone(), model.model.elements().len()));
            let mut packs = Vec::new();
            for p in &sel.packs {
                let findings = if p == "p" {
                    model
                        .model
                        .of_class("IfcStairFlight")
                        .filter_map(|e| {
                            let h = e.attribute("RiserHeight")?.as_length()?;
                            Some(Finding {
                                rule: "riser".into(),
                                citation: Citation::new("X", "1", "1"),
                                outcome: if h > 0.18 {
                                    Outcome::Violation
                                } else {
                                    Outcome::Pass
                                },
                                elements: vec![e.id.clone()],
                                message: format!("riser {h}"),
                                measured: None,
                                limit: None,
                            })
                        })
                        .collect()
                } else {
                    Vec::new()
                };
                let rep = PackReport {
                    pack: p.clone(),
                    version: "1.0.0".into(),
                    code: "X 1".into(),
                    digest: "00".into(),
                    findings,
                    error: None,
                    error_kind: None,
                    millis: 1.0,
                };
                on_pack(&rep);
                packs.push(rep);
            }
            Ok(Checked {
                validation_id: format!("v{}", self.ids.fetch_add(1, Ordering::Relaxed) + 1),
                cached: false,
                report: Arc::new(CheckReport {
                    schema: "IFC4".into(),
                    elements: model.model.elements().len(),
                    model_warnings: vec![],
                    packs,
                }),
            })
        })
    }
}

fn caller(sub: &str, role: Role) -> Caller {
    Caller {
        sub: sub.into(),
        role,
        jurisdiction: None,
    }
}

fn key(owner: &str) -> RoomKey {
    RoomKey {
        owner: owner.into(),
        project: "p1".into(),
        building: "b1".into(),
    }
}

fn hub_with(fake: Arc<Fake>, cfg: LiveConfig) -> Hub {
    Hub::new(cfg, 1 << 20, fake, Arc::new(Metrics::new()))
}

fn stair(id: &str, riser: f64) -> Json {
    json!({"id": id, "class": "IfcStairFlight", "attributes": [
        {"name": "RiserHeight", "value": {"type": "measure", "value": {"kind": "length", "si": riser}}}
    ]})
}

fn stair_el(id: &str, riser: f64) -> Element {
    let mut e = Element::new(id, "IfcStairFlight");
    e.attributes.push(Attribute {
        name: "RiserHeight".into(),
        value: Value::Measure(Measure {
            kind: MeasureKind::Length,
            si: riser,
        }),
        data_type: String::new(),
    });
    e
}

fn model_msg(elements: Vec<Json>) -> Incoming {
    let text = json!({"type": "model", "packs": ["p", "q"],
        "model": {"schema": "IFC4", "elements": elements}})
    .to_string();
    match protocol::parse(&text).unwrap() {
        ClientMessage::Model(m) => Incoming::Model(m),
        _ => unreachable!(),
    }
}

fn changes(text: Json) -> Incoming {
    match protocol::parse(&text.to_string()).unwrap() {
        ClientMessage::Changes(c) => Incoming::Changes(c),
        _ => unreachable!(),
    }
}

async fn next(s: &mut Session) -> Json {
    let ev = tokio::time::timeout(Duration::from_secs(10), s.next_event())
        .await
        .expect("an event within 10 s")
        .expect("queue open");
    serde_json::from_str(&ev).unwrap()
}

/// Events up to and including the next `summary` (or `error` with a revision).
async fn until_summary(s: &mut Session) -> Vec<Json> {
    let mut out = Vec::new();
    loop {
        let e = next(s).await;
        let done = e["type"] == "summary" || (e["type"] == "error" && e.get("revision").is_some());
        out.push(e);
        if done {
            return out;
        }
    }
}

fn types(evs: &[Json]) -> Vec<&str> {
    evs.iter().map(|e| e["type"].as_str().unwrap()).collect()
}

#[tokio::test]
async fn model_then_changes_stream_packs_summary_and_diff() {
    let fake = Arc::new(Fake::default());
    let hub = hub_with(fake.clone(), LiveConfig::default());
    let acme = caller("acme", Role::Client);
    let mut a = hub.join(key("acme"), &acme, Mode::Drive).unwrap();
    let mut b = hub.join(key("acme"), &acme, Mode::Drive).unwrap();
    let mut other = hub
        .join(key("globex"), &caller("globex", Role::Client), Mode::Drive)
        .unwrap();
    let h = next(&mut a).await;
    assert_eq!(h["type"], "hello");
    assert_eq!(h["watchers"], 1);
    assert_eq!(h["mode"], "drive");
    assert_eq!(
        h["room"],
        json!({"owner": "acme", "project": "p1", "building": "b1"})
    );
    assert_eq!(h["limits"]["client_queue"], 256);
    assert_eq!(next(&mut b).await["watchers"], 2);
    assert_eq!(next(&mut other).await["watchers"], 1);

    a.submit(
        &acme,
        model_msg(vec![
            stair("s1", 0.2),
            stair("s2", 0.17),
            json!({"id": "d1", "class": "ifcdoor"}),
        ]),
    )
    .unwrap();
    let evs = until_summary(&mut a).await;
    assert_eq!(types(&evs), ["revision", "pack", "pack", "summary"]);
    assert_eq!(evs[0]["revision"], 1);
    assert_eq!(evs[0]["cause"], "model");
    assert_eq!(
        evs[0]["changed"],
        json!({"added": 3, "modified": 0, "removed": 0})
    );
    assert_eq!(evs[0]["by"], "acme");
    assert_eq!(evs[1]["pack"], "p");
    assert_eq!(evs[1]["reused"], false);
    assert_eq!(evs[1]["findings"].as_array().unwrap().len(), 2);
    let s = &evs[3];
    assert_eq!(s["validation_id"], "v1");
    assert_eq!(
        s["counts"],
        json!({"violation": 1, "warning": 0, "not-assessable": 0, "pass": 1, "pack-errors": 0})
    );
    assert_eq!(s["diff"]["new"], json!(["p|riser|violation|s1"]));
    // broadcast: the other session of the room got the very same events
    assert_eq!(until_summary(&mut b).await, evs);

    // fix the steep stair: the violation is resolved
    a.submit(
        &acme,
        changes(json!({"type": "changes", "modified": [stair("s1", 0.17)], "removed": ["d1"]})),
    )
    .unwrap();
    let evs = until_summary(&mut a).await;
    assert_eq!(evs[0]["revision"], 2);
    assert_eq!(evs[0]["cause"], "changes");
    assert_eq!(
        evs[0]["changed"],
        json!({"added": 0, "modified": 1, "removed": 1})
    );
    assert_eq!(evs[0]["elements"], 2);
    let s = evs.last().unwrap();
    assert_eq!(s["counts"]["violation"], 0);
    assert_eq!(s["diff"]["resolved"], json!(["p|riser|violation|s1"]));
    assert_eq!(s["diff"]["new"], json!([]));
    assert_eq!(until_summary(&mut b).await, evs);

    // another tenant's room saw nothing
    assert!(
        tokio::time::timeout(Duration::from_millis(100), other.next_event())
            .await
            .is_err()
    );
    assert_eq!(fake.calls.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn bad_changes_are_errors_to_the_sender_only_and_apply_nothing() {
    let fake = Arc::new(Fake::default());
    let hub = hub_with(fake.clone(), LiveConfig::default());
    let acme = caller("acme", Role::Client);
    let mut a = hub.join(key("acme"), &acme, Mode::Drive).unwrap();
    let mut b = hub.join(key("acme"), &acme, Mode::Drive).unwrap();
    next(&mut a).await;
    next(&mut b).await;

    a.submit(&acme, changes(json!({"type": "changes", "removed": ["x"]})))
        .unwrap();
    let e = next(&mut a).await;
    assert_eq!(
        (e["type"].as_str(), e["kind"].as_str()),
        (Some("error"), Some("no-model"))
    );

    a.submit(&acme, model_msg(vec![stair("s1", 0.2)])).unwrap();
    until_summary(&mut a).await;
    until_summary(&mut b).await;
    a.submit(
        &acme,
        changes(json!({"type": "changes", "added": [stair("s2", 0.1)], "removed": ["nope"]})),
    )
    .unwrap();
    let e = next(&mut a).await;
    assert_eq!(e["kind"], "unknown-element");
    assert!(e["message"].as_str().unwrap().contains("`nope`"), "{e}");
    assert!(e.get("revision").is_none());
    // nothing applied: removing s2 now is an unknown element too
    a.submit(
        &acme,
        changes(json!({"type": "changes", "removed": ["s2"]})),
    )
    .unwrap();
    assert_eq!(next(&mut a).await["kind"], "unknown-element");
    // unknown pack in a model message: refused, the old selection stands
    let bad = json!({"type": "model", "packs": ["zz"], "model": {"schema": "IFC4"}}).to_string();
    let ClientMessage::Model(m) = protocol::parse(&bad).unwrap() else {
        unreachable!()
    };
    a.submit(&acme, Incoming::Model(m)).unwrap();
    let e = next(&mut a).await;
    assert_eq!(e["kind"], "unknown-pack");
    // the other session saw none of it
    assert!(
        tokio::time::timeout(Duration::from_millis(100), b.next_event())
            .await
            .is_err()
    );
    assert_eq!(fake.calls.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn changes_queued_during_a_check_coalesce_into_one_revision() {
    let gate = Arc::new(Semaphore::new(0));
    let fake = Arc::new(Fake {
        gate: Some(gate.clone()),
        ..Fake::default()
    });
    let hub = hub_with(fake.clone(), LiveConfig::default());
    let acme = caller("acme", Role::Client);
    let mut a = hub.join(key("acme"), &acme, Mode::Drive).unwrap();
    next(&mut a).await;
    a.submit(&acme, model_msg(vec![stair("s1", 0.2)])).unwrap();
    assert_eq!(next(&mut a).await["type"], "revision");
    // the check is held at the gate; three changes queue up meanwhile
    for i in 0..3 {
        a.submit(
            &acme,
            changes(json!({"type": "changes", "added": [stair(&format!("n{i}"), 0.3)]})),
        )
        .unwrap();
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    gate.add_permits(2);
    let first = until_summary(&mut a).await;
    assert_eq!(first.last().unwrap()["revision"], 1);
    let second = until_summary(&mut a).await;
    assert_eq!(second[0]["revision"], 2);
    assert_eq!(second[0]["messages"], 3);
    assert_eq!(second[0]["changed"]["added"], 3);
    assert_eq!(second.last().unwrap()["counts"]["violation"], 4);
    assert_eq!(
        *fake.calls.lock().unwrap(),
        [("acme".to_string(), 1), ("acme".to_string(), 4)]
    );
}

#[tokio::test]
async fn a_full_inbox_refuses_messages() {
    let gate = Arc::new(Semaphore::new(0));
    let fake = Arc::new(Fake {
        gate: Some(gate.clone()),
        ..Fake::default()
    });
    let cfg = LiveConfig {
        room_inbox: 2,
        ..LiveConfig::default()
    };
    let hub = hub_with(fake, cfg);
    let acme = caller("acme", Role::Client);
    let mut a = hub.join(key("acme"), &acme, Mode::Drive).unwrap();
    next(&mut a).await;
    a.submit(&acme, model_msg(vec![stair("s1", 0.2)])).unwrap();
    assert_eq!(next(&mut a).await["type"], "revision");
    let mut refused = 0;
    for i in 0..5 {
        let c = changes(json!({"type": "changes", "added": [stair(&format!("n{i}"), 0.3)]}));
        if a.submit(&acme, c) == Err(SubmitError::Busy) {
            refused += 1;
        }
    }
    assert_eq!(refused, 3);
    gate.add_permits(10);
    until_summary(&mut a).await;
    let second = until_summary(&mut a).await;
    assert_eq!(second[0]["changed"]["added"], 2);
}

#[tokio::test]
async fn a_slow_consumer_is_closed_and_others_get_everything() {
    let fake = Arc::new(Fake::default());
    let cfg = LiveConfig {
        client_queue: 6,
        ..LiveConfig::default()
    };
    let metrics = Arc::new(Metrics::new());
    let hub = Hub::new(cfg, 1 << 20, fake, metrics.clone());
    let acme = caller("acme", Role::Client);
    let mut fast = hub.join(key("acme"), &acme, Mode::Drive).unwrap();
    let slow = hub.join(key("acme"), &acme, Mode::Watch).unwrap();
    next(&mut fast).await;
    for i in 0..5 {
        let riser = if i % 2 == 0 { 0.2 } else { 0.17 };
        let m = if i == 0 {
            model_msg(vec![stair("s1", riser)])
        } else {
            changes(json!({"type": "changes", "modified": [stair("s1", riser)]}))
        };
        fast.submit(&acme, m).unwrap();
        let evs = until_summary(&mut fast).await;
        assert_eq!(types(&evs), ["revision", "pack", "pack", "summary"]);
        assert_eq!(evs[0]["revision"], i + 1);
    }
    // 1 hello + 4 events per revision: the slow one's 6 places overflowed
    let (code, reason) = slow.close_requested().expect("slow session closed");
    assert_eq!(code, close::TOO_SLOW);
    assert_eq!(reason, "too slow: 6 events behind; reconnect to resync");
    assert!(metrics
        .render()
        .contains("plancheck_ws_slow_consumer_disconnects_total 1"));
    // a watcher joining late gets hello and a replay of the latest revision
    let mut late = hub
        .join(key("acme"), &caller("acme", Role::Viewer), Mode::Watch)
        .unwrap();
    let h = next(&mut late).await;
    assert_eq!(
        (h["revision"].as_u64(), h["watchers"].as_u64()),
        (Some(5), Some(2))
    );
    assert_eq!(h["mode"], "watch");
    let replay = until_summary(&mut late).await;
    assert_eq!(types(&replay), ["revision", "pack", "pack", "summary"]);
    assert_eq!(replay[3]["revision"], 5);
}

#[tokio::test]
async fn shutdown_closes_sessions_with_1001_and_refuses_new_ones() {
    let hub = hub_with(Arc::new(Fake::default()), LiveConfig::default());
    let acme = caller("acme", Role::Client);
    let s = hub.join(key("acme"), &acme, Mode::Drive).unwrap();
    let h2 = hub.clone();
    let waiter = tokio::spawn(async move {
        s.closed().await;
        let c = s.close_requested();
        drop(s);
        c
    });
    tokio::time::timeout(Duration::from_secs(5), hub.shutdown(Duration::from_secs(5)))
        .await
        .unwrap();
    assert_eq!(
        waiter.await.unwrap(),
        Some((close::GOING_AWAY, "server shutting down".to_string()))
    );
    assert_eq!(h2.sessions(), 0);
    assert!(hub.join(key("acme"), &acme, Mode::Drive).is_err());
}

#[tokio::test]
async fn empty_rooms_go_after_the_linger() {
    let cfg = LiveConfig {
        room_linger_secs: 0,
        ..LiveConfig::default()
    };
    let hub = hub_with(Arc::new(Fake::default()), cfg);
    let acme = caller("acme", Role::Client);
    let a = hub.join(key("acme"), &acme, Mode::Drive).unwrap();
    assert_eq!(hub.rooms(), 1);
    drop(a);
    for _ in 0..100 {
        if hub.rooms() == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(hub.rooms(), 0);
    assert_eq!(hub.sessions(), 0);
}

#[test]
fn parse_classifies_fatal_and_content_errors() {
    let fatal = |t: &str| match protocol::parse(t) {
        Err(ParseError::Fatal(r)) => r,
        other => panic!("{t}: {other:?}"),
    };
    let r = fatal("{\"type\": \"model\",\n  \"packs\": [}");
    assert!(r.starts_with("invalid JSON at line 2 column"), "{r}");
    assert!(fatal("[1]").contains("`type`"));
    assert!(fatal("{\"packs\": []}").contains("`type`"));
    assert_eq!(
        fatal("{\"type\": \"hello\"}"),
        "unknown message type `hello`; expected model, changes or ping"
    );
    assert!(fatal(&format!("{{\"type\": \"{}\"}}", "x".repeat(300))).len() <= 123);
    let content = |t: &str| match protocol::parse(t) {
        Err(ParseError::Content { kind, message }) => (kind, message),
        other => panic!("{t}: {other:?}"),
    };
    let (k, m) = content("{\"type\": \"changes\", \"removed\": [1]}");
    assert_eq!(k, "bad-message");
    assert!(m.starts_with("changes message: line 1 column"), "{m}");
    let (k, m) = content("{\"type\": \"model\", \"packs\": [\"p\"]}");
    assert_eq!(k, "bad-message");
    assert!(m.contains("`ifc`"), "{m}");
    let (k, _) = content(
        "{\"type\": \"model\", \"params\": {\"x\": \"1\"}, \"model\": {\"schema\": \"IFC4\"}}",
    );
    assert_eq!(k, "bad-param");
    let (k, m) = content("{\"type\": \"model\", \"model\": {\"schema\": \"IFC4\", \"bogus\": 1}}");
    assert_eq!(k, "bad-message");
    assert!(m.contains("bogus"), "{m}");
    assert_eq!(
        protocol::parse("{\"type\":\"ping\"}").unwrap(),
        ClientMessage::Ping
    );
    let ClientMessage::Changes(c) = protocol::parse(
        "{\"type\":\"changes\",\"modified\":[{\"id\":\"a\",\"class\":\"IfcWall\"}]}",
    )
    .unwrap() else {
        panic!()
    };
    assert_eq!(c.modified[0].id, "a");
    let m = ModelData {
        schema: "IFC4".into(),
        storeys: vec![],
        elements: vec![stair_el("s", 0.2)],
    };
    let text = json!({"type": "model", "jurisdiction": "US", "params": {"p.a": "1"}, "model": m})
        .to_string();
    let ClientMessage::Model(mm) = protocol::parse(&text).unwrap() else {
        panic!()
    };
    assert_eq!(mm.model.as_ref(), Some(&m));
    assert_eq!(mm.jurisdiction.as_deref(), Some("US"));
}

#[test]
fn config_defaults_and_toml() {
    let c = LiveConfig::default();
    assert_eq!(c.client_queue, 256);
    assert_eq!(c.ping_interval_secs, 20);
    assert!(c.validate().is_ok());
    let c: LiveConfig = toml::from_str("client_queue = 8\nping_interval_secs = 1\n").unwrap();
    assert_eq!(
        (c.client_queue, c.ping_interval_secs, c.room_inbox),
        (8, 1, 64)
    );
    assert!(toml::from_str::<LiveConfig>("client_queu = 8").is_err());
    let bad = LiveConfig {
        room_inbox: 0,
        ..LiveConfig::default()
    };
    assert!(bad.validate().unwrap_err().contains("live.room_inbox"));
}
