#!/usr/bin/env python3
"""Where a server's CPU time goes, from a `perf record --call-graph dwarf`
profile: each sample is put in the first category one of whose patterns
matches a frame of its stack (so an allocation made while parsing counts as
parsing). Used for docs/performance.md, "Server under load".

    PLANCHECK_PERFMAP=1 target/release/plancheck serve ... &     # JIT code named
    perf record -F 499 --call-graph dwarf,16384 -p PID -o perf.data -- sleep 10 &
    wrk ... -s tests/benches/post.lua ...
    perf script -i perf.data | python3 tests/benches/perf_split.py
"""

import collections
import re
import sys

CATEGORIES = [
    ("SHA-256 of the body", r"sha2::"),
    ("IFC parse (input::load_bytes)", r"input::load_bytes|input::ifc::|ifc_lite"),
    (
        "JSON serialisation (report, record, response)",
        r"serde_json::ser|serde_json::value::ser|report::check_value",
    ),
    (
        "packs: wasm code and the host side of the boundary",
        r"\[JIT\]|perf-\d+\.map|wasmtime|sandbox::|bindings::|check::run_streaming|Model::query",
    ),
    ("store (sled transaction, flush, fsync)", r"sled::|store::|fsync"),
    ("HTTP (hyper, axum, socket I/O)", r"hyper::|axum|tcp_|sock_|do_writev|recvfrom|sendto"),
]
COMPILED = [(name, re.compile(rx)) for name, rx in CATEGORIES]
OTHER = "other (tokio, allocator, kernel, ...)"


def main():
    counts = collections.Counter()
    total = 0
    stack = []

    def account():
        nonlocal total
        if not stack:
            return
        total += 1
        text = "\n".join(stack)
        for name, rx in COMPILED:
            if rx.search(text):
                counts[name] += 1
                return
        counts[OTHER] += 1

    for line in sys.stdin:
        if not line.strip():
            account()
            stack = []
        else:
            stack.append(line.strip())
    account()
    for name, n in counts.most_common():
        print(f"{100 * n / max(total, 1):5.1f}%  {name}")
    print(f"{total} samples")


if __name__ == "__main__":
    main()
