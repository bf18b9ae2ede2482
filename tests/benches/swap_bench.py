#!/usr/bin/env python3
"""Hot-swap benchmark of `plancheck serve` (docs/performance.md, "Hot swap
(issue 4)"), driven by scripts/bench-swap.sh, which builds everything and
passes the paths. Only loopback; every server is stopped at exit.

Measures, against the real release server:
  1. upload-to-active, cold: a fresh server with an empty compile cache;
     POST /v1/packs/artifacts?activate=true of the signed us-ibc-2021
     artifact (the server compiles it); client wall time and the server's
     own timings_ms per step;
  2. upload-to-active, precompiled: the same on a fresh server whose
     compile cache already holds the component (a restart, or a second
     server of a fleet);
  3. baseline: 20 reloads of the packs directory (the issue-3 swap);
     activation alone: 200 swaps of us-ibc-2021 on one server between the
     packs directory's component and the published one (the same release
     with an extra custom section, so another digest): `activate` of the
     published version, then `deactivate` back, alternately; client wall
     time and the server's took_ms;
  4. memory: the server's VmRSS with the three real packs loaded and warm,
     after publishing the second us-ibc-2021 component, and its peak
     (VmHWM and 20 ms samples) during 100 swaps while 4 clients POST checks
     of the 1k-element IFC model; plus zero failed requests.
"""

import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time

BIN = os.environ["BENCH_BIN"]
PACKS = os.environ["BENCH_PACKS"]          # packs dir with the 3 real packs (*.wasm)
ART_A = os.environ["BENCH_ARTIFACT"]       # signed us-ibc-2021 (+ a custom section)
CONFIG = os.environ["BENCH_CONFIG"]        # [trust] trusting the bench key
MODEL = os.environ["BENCH_MODEL"]
RUNS = int(os.environ.get("BENCH_RUNS", "5"))

servers = []


def start(data_dir, packs_dir, extra=()):
    p = subprocess.Popen(
        [BIN, "serve", "--listen", "127.0.0.1:0", "--config", CONFIG,
         "--packs-dir", packs_dir, "--data-dir", data_dir, *extra],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("PLANCHECK_")})
    servers.append(p)
    for line in p.stdout:
        if line.startswith("plancheck: listening on http://"):
            addr = line.strip().rsplit("/", 1)[1]
            break
    threading.Thread(target=lambda: [None for _ in p.stdout], daemon=True).start()
    host, port = addr.split(":")
    while True:
        st, _ = req(host, int(port), "GET", "/readyz")
        if st == 200:
            return p, host, int(port)
        time.sleep(0.05)


def stop(p):
    p.terminate()
    try:
        p.wait(10)
    except subprocess.TimeoutExpired:
        p.kill()


def req(host, port, method, path, body=None, token=None, ctype="application/octet-stream"):
    c = http.client.HTTPConnection(host, port, timeout=300)
    h = {"Content-Type": ctype}
    if token:
        h["Authorization"] = "Bearer " + token
    c.request(method, path, body=body, headers=h)
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, data


def token(data_dir, role):
    return subprocess.check_output(
        [BIN, "token", "--role", role, "--sub", "bench", "--data-dir", data_dir],
        text=True, env={k: v for k, v in os.environ.items() if not k.startswith("PLANCHECK_")}).strip()


def rss_kib(pid, key="VmRSS"):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def q(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p * (len(xs) - 1))))]


def fmt(xs):
    return (f"median {statistics.median(xs):.2f} ms, p90 {q(xs, 0.9):.2f} ms, "
            f"min {min(xs):.2f}, max {max(xs):.2f} (n={len(xs)})")


def upload_runs(label, shared_cache):
    art = open(ART_A, "rb").read()
    walls, steps = [], []
    for _ in range(RUNS):
        with tempfile.TemporaryDirectory(prefix="bench-swap-") as d:
            if shared_cache:
                os.symlink(shared_cache, os.path.join(d, "compiled"))
            empty = os.path.join(d, "packs")
            os.mkdir(empty)
            p, host, port = start(d, empty)
            admin = token(d, "admin")
            t = time.perf_counter()
            st, body = req(host, port, "POST", "/v1/packs/artifacts?activate=true", art, admin)
            walls.append((time.perf_counter() - t) * 1000)
            assert st == 201, body
            steps.append(json.loads(body)["timings_ms"])
            stop(p)
    print(f"{label}: upload-to-active wall {fmt(walls)}")
    for k in ["verify", "compile", "smoke_test", "store", "activate", "total"]:
        print(f"    server {k:<10} median {statistics.median(s[k] for s in steps):8.2f} ms")
    return walls


def main():
    cache = tempfile.mkdtemp(prefix="bench-swap-cache-")
    print(f"== 1. cold upload-to-active ({RUNS} fresh servers, empty compile cache)")
    upload_runs("cold", None)
    # Warm the shared cache once, then measure.
    with tempfile.TemporaryDirectory() as d:
        os.symlink(cache, os.path.join(d, "compiled"))
        empty = os.path.join(d, "packs")
        os.mkdir(empty)
        p, host, port = start(d, empty)
        st, body = req(host, port, "POST", "/v1/packs/artifacts", open(ART_A, "rb").read(), token(d, "admin"))
        assert st == 201, body
        stop(p)
    print(f"== 2. precompiled upload-to-active ({RUNS} fresh servers, component in the compile cache)")
    upload_runs("precompiled", cache)

    print("== 3. activation alone, and 4. memory during swaps under load")
    d = tempfile.mkdtemp(prefix="bench-swap-live-")
    os.symlink(cache, os.path.join(d, "compiled"))
    p, host, port = start(d, PACKS, ("--cache-enabled", "false"))
    admin, client = token(d, "admin"), token(d, "client")
    model = open(MODEL, "rb").read()
    check = "/v1/checks?project=bench&pack=us-ibc-2021&pack=us-irc-2021&name=bench-1k.ifc"
    for _ in range(5):
        st, _b = req(host, port, "POST", check, model, client, "application/x-step")
        assert st == 200
    rss_loaded = rss_kib(p.pid)
    st, body = req(host, port, "POST", "/v1/packs/artifacts?activate=true", open(ART_A, "rb").read(), admin)
    assert st == 201, body
    version = json.loads(body)["version"]

    def swap(i):
        if i % 2:
            path = f"/v1/packs/us-ibc-2021/versions/{version}/activate"
        else:
            path = "/v1/packs/us-ibc-2021/deactivate"
        t = time.perf_counter()
        st, body = req(host, port, "POST", path, b"", admin)
        wall = (time.perf_counter() - t) * 1000
        assert st == 200, body
        return wall, json.loads(body)["took_ms"], i % 2

    for _ in range(5):
        req(host, port, "POST", check, model, client, "application/x-step")
    rss_published = rss_kib(p.pid)

    # 3. activation alone, quiet server.
    # Baseline in the same session: the issue-3 swap, a reload of the packs
    # directory (three packs, compiled code from the cache).
    base = []
    for _ in range(20):
        t = time.perf_counter()
        st, body = req(host, port, "POST", "/v1/packs/reload", b"", admin)
        base.append((time.perf_counter() - t) * 1000)
        assert st == 200, body
    print(f"baseline: POST /v1/packs/reload (3 packs from the compile cache): client wall {fmt(base)}")
    res = [swap(i) for i in range(200)]
    act = [r for r in res if r[2]]
    print(f"activation alone (quiet server): client wall {fmt([r[0] for r in act])}")
    print(f"    server took_ms {fmt([r[1] for r in act])}")
    de = [r for r in res if not r[2]]
    print(f"deactivation (swap back to the packs-directory component): client wall {fmt([r[0] for r in de])}")

    # 4. swaps under load, sampling RSS.
    stop_flag = threading.Event()
    counts = {"ok": 0, "failed": 0}
    lock = threading.Lock()

    def load():
        while not stop_flag.is_set():
            st, body = req(host, port, "POST", check, model, client, "application/x-step")
            good = st == 200 and all("error" not in pk for pk in json.loads(body)["report"]["packs"])
            with lock:
                counts["ok" if good else "failed"] += 1

    samples = []

    def sample():
        while not stop_flag.is_set():
            samples.append(rss_kib(p.pid))
            time.sleep(0.02)

    threads = [threading.Thread(target=load) for _ in range(4)] + [threading.Thread(target=sample)]
    for t in threads:
        t.start()
    # The same load without swaps first: the memory baseline.
    time.sleep(6)
    no_swap = list(samples)
    with lock:
        before_swaps = dict(counts)
    walls_load = []
    for i in range(100):
        walls_load.append(swap(i)[0])
        time.sleep(0.05)
    time.sleep(1)
    stop_flag.set()
    for t in threads:
        t.join()
    hwm = rss_kib(p.pid, "VmHWM")
    print(f"activation under load (4 clients checking the 1k IFC model): client wall {fmt(walls_load)}")
    print(f"checks during the swaps: {counts['ok']} ok, {counts['failed']} failed")
    during = samples[len(no_swap):]
    print(f"checks in the 6 s of load before the swaps: {before_swaps['ok']} ok, {before_swaps['failed']} failed")
    print(f"RSS: 3 packs loaded and warm {rss_loaded / 1024:.1f} MiB; "
          f"+1 published us-ibc-2021 component {rss_published / 1024:.1f} MiB; "
          f"same load without swaps: max {max(no_swap) / 1024:.1f} MiB, median {statistics.median(no_swap) / 1024:.1f} MiB; "
          f"during 100 swaps under load: max {max(during) / 1024:.1f} MiB, "
          f"median {statistics.median(during) / 1024:.1f} MiB; VmHWM {hwm / 1024:.1f} MiB")
    stop(p)


try:
    main()
finally:
    for s in servers:
        if s.poll() is None:
            s.kill()
