#!/usr/bin/env python3
"""Idle live sessions: how many the server holds and what each costs.

Opens N WebSocket sessions to ws://ADDR/v1/live/{project}/{building}
(spread over B buildings, so B rooms), waits for each session's `hello`,
then holds them all idle for HOLD seconds while the server pings them (the
websockets library answers the server's pings by itself; the client sends
no pings of its own, so the only traffic is the server's keepalive). The
server's resident memory (VmRSS from /proc/PID/status) is read before the
first session, once all are open, during the hold, after the hold, and
after they are all closed again. At the end of the hold every session must
still be open, and must answer an application-level `ping` with `pong`
(the server still serves it).

    python3 tests/benches/ws_idle.py --addr 127.0.0.1:PORT --pid PID \
        --token "$(plancheck token --role client --sub acme --data-dir D)" \
        --sessions 10000 --buildings 100 --hold 50

Memory per session = (VmRSS after the hold - VmRSS before) / sessions: it
includes the rooms and everything else the sessions made the server
allocate. The last line is machine-readable:

    WSRESULT sessions=N open=N answered=N ... kib_per_session=K

Needs the `websockets` package (pip install websockets, version 13 or newer)
and a file-descriptor limit above N (the script raises its soft limit to the
hard limit; the server needs the same, see scripts/bench-server.sh).
Exit status 0 if every session was opened, stayed open and answered, else 1.
"""

import argparse
import asyncio
import json
import resource
import sys
import time
import urllib.request

from websockets.asyncio.client import connect
from websockets.protocol import State


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for pid {pid}")


def server_sessions(addr):
    """The server's own count of open live sessions (/metrics)."""
    try:
        with urllib.request.urlopen(f"http://{addr}/metrics", timeout=10) as r:
            for line in r.read().decode().splitlines():
                if line.startswith("plancheck_ws_sessions "):
                    return int(float(line.split()[1]))
    except OSError:
        pass
    return None


def log(msg):
    print(f"ws_idle: {msg}", flush=True)


async def open_session(url, sem, stats):
    async with sem:
        ws = await connect(
            url,
            ping_interval=None,  # the server pings; we only answer
            compression=None,
            open_timeout=60,
            close_timeout=5,
            max_queue=16,
        )
        first = json.loads(await asyncio.wait_for(ws.recv(), 60))
        if first.get("type") != "hello":
            raise RuntimeError(f"first event is not hello: {first}")
        stats["limits"] = first.get("limits", {})
        return ws


async def app_ping(ws, sem):
    async with sem:
        await ws.send('{"type":"ping"}')
        while True:
            ev = json.loads(await asyncio.wait_for(ws.recv(), 30))
            if ev.get("type") == "pong":
                return True


async def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--addr", required=True, help="HOST:PORT of plancheck serve")
    ap.add_argument("--pid", type=int, required=True, help="the server's process id")
    ap.add_argument("--token", required=True, help="a client token (access_token=)")
    ap.add_argument("--sessions", type=int, default=10000)
    ap.add_argument("--buildings", type=int, default=100)
    ap.add_argument("--project", default="bench-ws")
    ap.add_argument("--hold", type=float, default=50.0, help="seconds to hold idle")
    ap.add_argument("--concurrency", type=int, default=200, help="handshakes in flight")
    a = ap.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    if hard < a.sessions + 100:
        log(f"warning: file-descriptor hard limit {hard} < {a.sessions} sessions")

    def url(i):
        b = i % a.buildings
        return f"ws://{a.addr}/v1/live/{a.project}/b{b:04d}?access_token={a.token}"

    before = rss_kib(a.pid)
    log(f"server pid {a.pid}: VmRSS {before} KiB before any session")

    stats = {}
    sem = asyncio.Semaphore(a.concurrency)
    t0 = time.monotonic()
    results = await asyncio.gather(
        *(open_session(url(i), sem, stats) for i in range(a.sessions)),
        return_exceptions=True,
    )
    open_secs = time.monotonic() - t0
    conns = [r for r in results if not isinstance(r, BaseException)]
    failed = [r for r in results if isinstance(r, BaseException)]
    if failed:
        log(f"{len(failed)} sessions failed to open; first: {failed[0]!r}")
    at_open = rss_kib(a.pid)
    log(f"{len(conns)} sessions open (hello received) in {open_secs:.1f} s; VmRSS {at_open} KiB")

    ping = stats.get("limits", {}).get("ping_interval_secs")
    if ping is not None and a.hold <= ping:
        log(f"warning: hold {a.hold} s is not longer than the ping interval {ping} s")

    # Hold idle. The server pings each session ping_interval after it opened
# and closes it (4408) if no pong comes within pong_timeout, so a hold longer
# than both together shows the pings are answered. The library answers the server's pings while it reads the
    # socket in the background.
    peak = at_open
    t1 = time.monotonic()
    while (left := a.hold - (time.monotonic() - t1)) > 0:
        await asyncio.sleep(min(5.0, left))
        r = rss_kib(a.pid)
        peak = max(peak, r)
        still = sum(1 for c in conns if c.state is State.OPEN)
        log(f"  t+{time.monotonic() - t1:4.0f} s: {still} open, VmRSS {r} KiB")
    after = rss_kib(a.pid)
    on_server = server_sessions(a.addr)
    log(f"after {a.hold:.0f} s idle: the server counts {on_server} open sessions (plancheck_ws_sessions)")
    still_open = [c for c in conns if c.state is State.OPEN]
    closed = [c for c in conns if c.state is not State.OPEN]
    if closed:
        codes = {}
        for c in closed:
            k = (c.close_code, c.close_reason)
            codes[k] = codes.get(k, 0) + 1
        log(f"{len(closed)} sessions closed during the hold: {codes}")

    # Each session still served: application-level ping -> pong.
    answers = await asyncio.gather(
        *(app_ping(c, sem) for c in still_open), return_exceptions=True
    )
    answered = sum(1 for x in answers if x is True)
    log(f"{answered} of {len(still_open)} sessions answered an app-level ping after {a.hold:.0f} s idle")

    await asyncio.gather(*(c.close() for c in conns), return_exceptions=True)
    await asyncio.sleep(3)
    closed_rss = rss_kib(a.pid)

    n = max(len(conns), 1)
    per = (after - before) / n
    print(
        f"WSRESULT sessions={a.sessions} open={len(conns)} held={len(still_open)} "
        f"answered={answered} server_sessions={on_server} hold_secs={a.hold:.0f} ping_interval_secs={ping} "
        f"open_secs={open_secs:.1f} rss_before_kib={before} rss_open_kib={at_open} "
        f"rss_after_hold_kib={after} rss_peak_kib={peak} rss_closed_kib={closed_rss} "
        f"kib_per_session={per:.1f}",
        flush=True,
    )
    ok = len(conns) == a.sessions and answered == a.sessions
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
