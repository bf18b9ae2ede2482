//! Live validation end to end: the real `plancheck serve` on a loopback
//! port, the real rule packs, driven by WebSocket clients (tungstenite) as
//! CAD/BIM tools drive it — auth and bad-message close codes, a model then
//! changes with per-pack events and summary diffs, broadcast to a second
//! client and not to another tenant, late joiners replayed, a deliberately
//! slow consumer closed with 4429 while a fast one gets everything,
//! keepalive (4408) and shutdown (1001). Protocol: docs/live.md.

use std::net::TcpStream;
use std::time::{Duration, Instant};

use plancheck_e2e::server::{Options, Server, PACKS};
use plancheck_e2e::{fixture, server_bin};
use serde_json::{json, Value};
use tungstenite::client::IntoClientRequest;
use tungstenite::stream::MaybeTlsStream;
use tungstenite::Message;

type Ws = tungstenite::WebSocket<MaybeTlsStream<TcpStream>>;

/// The steep stair of the house fixture.
const STEEP: &str = "0poOnmoe5MhO1eKI9qzZrB";
const RISER_KEY: &str = "us-ibc-2021|stair-riser-height|violation|0poOnmoe5MhO1eKI9qzZrB";

/// Starts a server with a `[live]` section in a configuration file.
fn start_live(live_toml: &str) -> (Server, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("plancheck.toml");
    std::fs::write(&cfg, format!("[live]\n{live_toml}\n")).unwrap();
    let s = Server::start_with(
        server_bin!(),
        Options {
            args: vec!["--config".into(), cfg.display().to_string()],
            ..Options::default()
        },
    )
    .ready();
    (s, dir)
}

fn set_timeout(ws: &mut Ws, t: Duration) {
    if let MaybeTlsStream::Plain(s) = ws.get_mut() {
        s.set_read_timeout(Some(t)).unwrap();
    }
}

/// Connects to `path` (with its query); `bearer` goes in the header.
fn connect(s: &Server, path: &str, bearer: Option<&str>) -> Ws {
    let mut req = format!("ws://{}{path}", s.addr)
        .into_client_request()
        .unwrap();
    if let Some(t) = bearer {
        req.headers_mut()
            .insert("authorization", format!("Bearer {t}").parse().unwrap());
    }
    let (mut ws, resp) = tungstenite::connect(req).expect("WebSocket handshake");
    assert_eq!(resp.status().as_u16(), 101);
    set_timeout(&mut ws, Duration::from_secs(60));
    ws
}

/// The next event (protocol pings and pongs skipped).
fn event(ws: &mut Ws) -> Value {
    loop {
        match ws.read().expect("an event") {
            Message::Text(t) => return serde_json::from_str(&t).unwrap(),
            Message::Ping(_) | Message::Pong(_) => {}
            m => panic!("expected an event, got {m:?}"),
        }
    }
}

/// Events up to and including the next `summary` (or an `error` of a
/// revision).
fn until_summary(ws: &mut Ws) -> Vec<Value> {
    let mut out = Vec::new();
    loop {
        let e = event(ws);
        let done = e["type"] == "summary" || (e["type"] == "error" && e.get("revision").is_some());
        out.push(e);
        if done {
            return out;
        }
    }
}

/// Reads until the close frame: its code, its reason, the events before.
fn close_of(ws: &mut Ws) -> (u16, String, Vec<Value>) {
    let mut seen = Vec::new();
    loop {
        match ws.read() {
            Ok(Message::Close(Some(f))) => return (f.code.into(), f.reason.to_string(), seen),
            Ok(Message::Text(t)) => seen.push(serde_json::from_str(&t).unwrap()),
            Ok(Message::Close(None)) => panic!("a close frame without a code"),
            Ok(_) => {}
            Err(e) => panic!("no close frame ({e}); {} events before", seen.len()),
        }
    }
}

/// Nothing arrives within `t`.
fn silent(ws: &mut Ws, t: Duration) {
    set_timeout(ws, t);
    match ws.read() {
        Err(tungstenite::Error::Io(e))
            if matches!(
                e.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ) => {}
        other => panic!("expected nothing, got {other:?}"),
    }
    set_timeout(ws, Duration::from_secs(60));
}

fn send(ws: &mut Ws, v: &Value) {
    ws.send(Message::text(v.to_string())).unwrap();
}

fn types(evs: &[Value]) -> Vec<&str> {
    evs.iter().map(|e| e["type"].as_str().unwrap()).collect()
}

/// The house fixture in the JSON model format.
fn house_json() -> Value {
    let m = plancheck::input::load_file(&fixture("models/house-ifc4-mm.ifc")).expect("house model");
    serde_json::to_value(m.to_data()).unwrap()
}

/// The house's steep stair with its riser height (Pset_StairFlightCommon)
/// set to `riser` metres.
fn steep_stair(house: &Value, riser: f64) -> Value {
    let mut e = house["elements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == STEEP)
        .expect("the steep stair")
        .clone();
    let mut found = false;
    for set in e["propertySets"].as_array_mut().unwrap() {
        for p in set["properties"].as_array_mut().unwrap() {
            if p["name"] == "RiserHeight" {
                p["value"] = json!({"type": "measure", "value": {"kind": "length", "si": riser}});
                found = true;
            }
        }
    }
    assert!(found, "no RiserHeight property on {e}");
    e
}

fn model_msg(model: Value) -> Value {
    json!({"type": "model", "packs": PACKS, "name": "house.json", "model": model})
}

fn packs_of(evs: &[Value]) -> Vec<String> {
    let mut p: Vec<String> = evs
        .iter()
        .filter(|e| e["type"] == "pack")
        .map(|e| e["pack"].as_str().unwrap().to_string())
        .collect();
    p.sort();
    p
}

#[test]
fn live_session_end_to_end() {
    let s = Server::start(server_bin!());
    let acme = s.token("client", "acme");
    let globex = s.token("client", "globex");
    let viewer = s.token("viewer", "vera");

    // --- refused sessions: close codes, not HTTP errors
    let (c, r, before) = close_of(&mut connect(&s, "/v1/live/p1/b1", None));
    assert_eq!((c, r.as_str()), (4401, "missing"));
    assert!(before.is_empty());
    let (c, r, _) = close_of(&mut connect(&s, "/v1/live/p1/b1?access_token=x.y.z", None));
    assert_eq!((c, r.as_str()), (4401, "malformed"));
    let (c, r, _) = close_of(&mut connect(&s, "/v1/live/p1/b1?owner=globex", Some(&acme)));
    assert_eq!(c, 4403, "{r}");

    // --- two sessions of acme (header and query token), one of globex
    let mut a = connect(&s, "/v1/live/p1/b1", Some(&acme));
    let mut b = connect(&s, &format!("/v1/live/p1/b1?access_token={acme}"), None);
    let mut g = connect(&s, "/v1/live/p1/b1", Some(&globex));
    let h = event(&mut a);
    assert_eq!(h["type"], "hello");
    assert_eq!(h["mode"], "drive");
    assert_eq!(h["revision"], 0);
    assert_eq!(
        h["room"],
        json!({"owner": "acme", "project": "p1", "building": "b1"})
    );
    assert_eq!(event(&mut b)["watchers"], 2);
    let hg = event(&mut g);
    assert_eq!(
        (hg["watchers"].as_u64(), hg["room"]["owner"].as_str()),
        (Some(1), Some("globex"))
    );

    // --- the model: one pack event per pack as each finishes, then the summary
    let house = house_json();
    send(&mut a, &model_msg(house.clone()));
    let r1 = until_summary(&mut a);
    assert_eq!(types(&r1)[0], "revision");
    assert_eq!(r1[0]["revision"], 1);
    assert_eq!(r1[0]["cause"], "model");
    assert_eq!(r1[0]["by"], "acme");
    assert_eq!(packs_of(&r1), ["uk-adk-2013", "us-ibc-2021", "us-irc-2021"]);
    assert_eq!(types(&r1), ["revision", "pack", "pack", "pack", "summary"]);
    for p in r1.iter().filter(|e| e["type"] == "pack") {
        assert_eq!(p["revision"], 1);
        assert!(p.get("error").is_none(), "{p}");
        assert!(!p["findings"].as_array().unwrap().is_empty());
    }
    let sum1 = r1.last().unwrap();
    assert!(sum1["counts"]["violation"].as_u64().unwrap() > 0, "{sum1}");
    let new1: Vec<&str> = sum1["diff"]["new"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap())
        .collect();
    assert!(new1.contains(&RISER_KEY), "{new1:?}");
    // broadcast: the second session got the same events, byte for byte
    assert_eq!(until_summary(&mut b), r1);
    // the validation is stored and readable over HTTP
    let id = sum1["validation_id"].as_str().unwrap();
    let v = s.get(&format!("/v1/validations/{id}"), Some(&acme)).ok();
    assert_eq!(v["id"], id);
    assert_eq!(v["project"], "p1");
    assert_eq!(v["owner"], "acme");

    // --- fix the steep stair: revision 2 resolves its riser violation
    send(
        &mut a,
        &json!({"type": "changes", "modified": [steep_stair(&house, 0.17)]}),
    );
    let r2 = until_summary(&mut a);
    assert_eq!(r2[0]["revision"], 2);
    assert_eq!(r2[0]["cause"], "changes");
    assert_eq!(
        r2[0]["changed"],
        json!({"added": 0, "modified": 1, "removed": 0})
    );
    assert_eq!(packs_of(&r2).len(), 3);
    let sum2 = r2.last().unwrap();
    let resolved: Vec<&str> = sum2["diff"]["resolved"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap())
        .collect();
    assert!(resolved.contains(&RISER_KEY), "{sum2}");
    // the IBC and IRC riser violations go (both packs check risers)
    assert_eq!(
        sum2["counts"]["violation"].as_u64().unwrap(),
        sum1["counts"]["violation"].as_u64().unwrap() - 2,
        "{sum2}"
    );
    assert_eq!(sum2["diff"]["new"], json!([]), "{sum2}");
    assert_ne!(sum2["validation_id"], sum1["validation_id"]);
    assert_eq!(until_summary(&mut b), r2);

    // --- revert: the same model as revision 1, so a cache hit
    send(
        &mut a,
        &json!({"type": "changes", "modified": [steep_stair(&house, 0.2)]}),
    );
    let r3 = until_summary(&mut a);
    let sum3 = r3.last().unwrap();
    assert_eq!(sum3["cached"], true, "{sum3}");
    assert_eq!(sum3["counts"], sum1["counts"]);
    assert_eq!(sum3["diff"]["new"], sum2["diff"]["resolved"]);
    assert_eq!(sum3["diff"]["resolved"], json!([]));
    assert_eq!(until_summary(&mut b), r3);

    // --- a bad change: an error to the sender only, nothing applied
    send(
        &mut a,
        &json!({"type": "changes", "modified": [steep_stair(&house, 0.17)], "removed": ["no-such-id"]}),
    );
    let e = event(&mut a);
    assert_eq!(e["type"], "error");
    assert_eq!(e["kind"], "unknown-element");
    assert!(e["message"].as_str().unwrap().contains("no-such-id"), "{e}");
    send(&mut a, &json!({"type": "ping"}));
    assert_eq!(event(&mut a), json!({"type": "pong"}));
    silent(&mut b, Duration::from_millis(300));

    // --- the other tenant saw nothing of acme's room
    silent(&mut g, Duration::from_millis(300));

    // --- a viewer watches acme's room: hello, then the latest revision replayed
    let mut w = connect(&s, "/v1/live/p1/b1?owner=acme", Some(&viewer));
    let hw = event(&mut w);
    assert_eq!(
        (hw["mode"].as_str(), hw["revision"].as_u64()),
        (Some("watch"), Some(3))
    );
    assert_eq!(until_summary(&mut w), r3);
    send(&mut w, &json!({"type": "changes", "removed": [STEEP]}));
    assert_eq!(event(&mut w)["kind"], "forbidden");

    // --- the model as IFC text: same findings as the JSON form
    let ifc = String::from_utf8(plancheck_e2e::server::model_bytes("house-ifc4-mm.ifc")).unwrap();
    send(
        &mut a,
        &json!({"type": "model", "packs": PACKS, "name": "house.ifc", "ifc": ifc}),
    );
    let r4 = until_summary(&mut a);
    assert_eq!(r4[0]["cause"], "model");
    assert_eq!(packs_of(&r4).len(), 3);
    assert_eq!(r4.last().unwrap()["counts"], sum1["counts"]);
    assert_eq!(until_summary(&mut w), r4);

    // --- a bad model is an error; an unknown pack too
    send(
        &mut a,
        &json!({"type": "model", "packs": PACKS, "model": {"schema": "IFC4", "elements": [{"id": "x", "class": "IfcDoorz"}]}}),
    );
    let e = event(&mut a);
    assert_eq!(e["kind"], "bad-model");
    assert!(e["message"].as_str().unwrap().contains("IfcDoorz"), "{e}");
    send(
        &mut a,
        &json!({"type": "model", "packs": ["nope"], "model": house}),
    );
    assert_eq!(event(&mut a)["kind"], "unknown-pack");

    // --- messages that are not protocol messages close with 4400
    a.send(Message::text("{\"type\": \"changes\",\n \"added\": ["))
        .unwrap();
    let (c, r, _) = close_of(&mut a);
    assert_eq!(c, 4400);
    assert!(r.starts_with("invalid JSON at line 2 column"), "{r}");
    b.send(Message::binary(vec![0u8; 8])).unwrap();
    let (c, _, _) = close_of(&mut b);
    assert_eq!(c, 4400);
    let mut x = connect(&s, "/v1/live/p1/b1", Some(&acme));
    event(&mut x);
    send(&mut x, &json!({"type": "subscribe"}));
    let (c, r, before) = close_of(&mut x);
    assert_eq!(c, 4400);
    assert!(r.contains("unknown message type `subscribe`"), "{r}");
    // the replay came before the close
    assert_eq!(types(&before).last(), Some(&"summary"));
}

/// 400 steep stair flights: every pack reports several findings per
/// flight, about 2 MB of events per revision.
fn many_stairs(riser: f64) -> Value {
    let elements: Vec<Value> = (0..400)
        .map(|i| {
            json!({"id": format!("stair{i:05}"), "class": "IfcStairFlight", "name": format!("Flight {i}"),
                "attributes": [
                    {"name": "NumberOfRisers", "value": {"type": "integer", "value": 25}},
                    {"name": "RiserHeight", "value": {"type": "measure", "value": {"kind": "length", "si": riser}}},
                    {"name": "TreadLength", "value": {"type": "measure", "value": {"kind": "length", "si": 0.2}}}
                ]})
        })
        .collect();
    json!({"schema": "IFC4", "elements": elements})
}

#[test]
fn a_slow_consumer_is_closed_4429_while_a_fast_one_gets_everything() {
    let (s, _cfg) =
        start_live("client_queue = 8\nping_interval_secs = 120\npong_timeout_secs = 120");
    let acme = s.token("client", "acme");
    let mut fast = connect(&s, "/v1/live/p1/big", Some(&acme));
    let mut slow = connect(&s, "/v1/live/p1/big", Some(&acme));
    assert_eq!(event(&mut fast)["limits"]["client_queue"], 8);
    assert_eq!(event(&mut slow)["type"], "hello");
    // from here on `slow` reads nothing

    let revisions = 12;
    let mut bytes = 0usize;
    let t = Instant::now();
    for i in 0..revisions {
        let riser = if i % 2 == 0 { 0.21 } else { 0.22 };
        if i == 0 {
            send(
                &mut fast,
                &json!({"type": "model", "packs": PACKS, "model": many_stairs(riser)}),
            );
        } else {
            let first = &many_stairs(riser)["elements"][0];
            send(&mut fast, &json!({"type": "changes", "modified": [first]}));
        }
        let evs = until_summary(&mut fast);
        bytes += evs.iter().map(|e| e.to_string().len()).sum::<usize>();
        assert_eq!(
            types(&evs),
            ["revision", "pack", "pack", "pack", "summary"],
            "revision {}",
            i + 1
        );
        assert_eq!(evs[0]["revision"], i + 1);
        assert!(evs[4]["counts"]["violation"].as_u64().unwrap() >= 400);
    }
    eprintln!(
        "fast client: {revisions} revisions, {} MB in {:?}",
        bytes >> 20,
        t.elapsed()
    );

    // the slow client now reads what reached it, then the 4429 close
    let (c, r, got) = close_of(&mut slow);
    assert_eq!(c, 4429, "{r}");
    assert_eq!(r, "too slow: 8 events behind; reconnect to resync");
    assert!(
        got.len() < revisions * 5,
        "the slow client got {} events",
        got.len()
    );
    // what it got is a prefix of what everyone got, in order
    for (i, e) in got.iter().enumerate() {
        assert_eq!(
            e["revision"],
            (i / 5 + 1) as u64,
            "event {i}: {}",
            e["type"]
        );
    }
    let admin = s.token("admin", "root");
    let m = s.get("/metrics", Some(&admin));
    assert!(
        m.body
            .contains("plancheck_ws_slow_consumer_disconnects_total 1"),
        "{}",
        m.body
    );

    // the fast client is still served; a reconnect resyncs by replay
    send(&mut fast, &json!({"type": "ping"}));
    assert_eq!(event(&mut fast)["type"], "pong");
    let mut again = connect(&s, "/v1/live/p1/big", Some(&acme));
    let h = event(&mut again);
    assert_eq!(h["revision"], revisions as u64);
    let replay = until_summary(&mut again);
    assert_eq!(
        types(&replay),
        ["revision", "pack", "pack", "pack", "summary"]
    );
    assert_eq!(replay[0]["revision"], revisions as u64);
}

#[test]
fn keepalive_timeout_closes_4408_and_shutdown_closes_1001() {
    let (mut s, _cfg) = start_live("ping_interval_secs = 1\npong_timeout_secs = 1");
    let acme = s.token("client", "acme");
    let mut silent_client = connect(&s, "/v1/live/p1/b1", Some(&acme));
    let mut alive = connect(&s, "/v1/live/p1/b1", Some(&acme));
    // `alive` keeps reading (tungstenite answers pings while it reads)
    set_timeout(&mut alive, Duration::from_millis(200));
    let t = Instant::now();
    let mut pings = 0;
    while t.elapsed() < Duration::from_secs(4) {
        match alive.read() {
            Ok(Message::Ping(_)) => pings += 1,
            Ok(_) => {}
            Err(tungstenite::Error::Io(e))
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(e) => panic!("the answering client was closed: {e}"),
        }
    }
    assert!(pings >= 2, "{pings} pings in 4 s");
    // `silent_client` read nothing for 4 s: hello, then 4408
    let (c, r, before) = close_of(&mut silent_client);
    assert_eq!(c, 4408);
    assert_eq!(r, "keepalive timeout: no pong within 1 s of a ping");
    assert_eq!(types(&before), ["hello"]);

    // shutdown: the open session is closed with 1001
    set_timeout(&mut alive, Duration::from_secs(30));
    let reader = std::thread::spawn(move || close_of(&mut alive));
    std::thread::sleep(Duration::from_millis(200));
    let status = s.terminate();
    let (c, r, _) = reader.join().unwrap();
    assert_eq!((c, r.as_str()), (1001, "server shutting down"));
    assert!(status.success(), "{status:?}");
}

/// Resident memory of a process, KiB (Linux).
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}

/// Idle sessions (each in its own room, the expensive case) cost the
/// server at most 50 KiB each. Opens 2,000; run with `--ignored`.
#[test]
#[ignore = "measures the server's memory per idle session; run with --ignored"]
fn idle_sessions_stay_small() {
    let s = Server::start(server_bin!());
    let t = s.token("client", "acme");
    let open = |from: usize, to: usize| -> Vec<Ws> {
        (from..to)
            .map(|i| {
                let mut ws = connect(&s, &format!("/v1/live/p1/b{i}"), Some(&t));
                assert_eq!(event(&mut ws)["type"], "hello");
                ws
            })
            .collect()
    };
    let _warm = open(0, 100);
    std::thread::sleep(Duration::from_millis(500));
    let before = rss_kib(s.pid());
    let n = 2000;
    let _idle = open(100, 100 + n);
    std::thread::sleep(Duration::from_secs(1));
    let after = rss_kib(s.pid());
    let per = (after.saturating_sub(before)) as f64 / n as f64;
    eprintln!("{n} idle sessions: RSS {before} KiB -> {after} KiB, {per:.1} KiB per session");
    assert!(per <= 50.0, "{per:.1} KiB per idle session");
}
