#!/usr/bin/env bash
# IDS (issue 5) speed, for docs/performance.md: the `ids` pack (host loader +
# component in the sandbox, release build, criterion) against ifctester 0.9.0
# (tests/benches/ids_ifctester.py) on the same IDS/IFC pairs, in one run:
# all 314 buildingSMART test cases, and the 10,000-element fixture against
# tests/fixtures/ids/bench.ids. Prints seconds per workload and the ratios.
#
#   scripts/bench-ids.sh            # needs: pip install ifcopenshell==0.9.0 ifctester==0.9.0
set -euo pipefail
cd "$(dirname "$0")/.."
suite=../shared/fixtures/ids-testcases
big_ifc=tests/fixtures/models/bench-10k-ifc4-mm.ifc
big_ids=tests/fixtures/ids/bench.ids
[ -d "$suite" ] || { echo "bench-ids: no test cases at $suite" >&2; exit 1; }
python3 -c 'import ifctester, ifcopenshell' 2>/dev/null || {
    echo "bench-ids: pip install ifcopenshell==0.9.0 ifctester==0.9.0" >&2; exit 1; }

load() { cut -d' ' -f1-3 /proc/loadavg; }
echo "== machine: $(nproc) vCPU, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); $(date -u +%FT%TZ)"
echo "== plancheck (cargo bench -p ids --bench ids), load average $(load)"
cargo bench -q -p ids --bench ids 2>&1 | grep -E 'time:|cases' || true
est() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['mean']['point_estimate']/1e9)" "$1"; }
p_suite=$(est target/criterion/ids/suite-314/new/estimates.json)
p_big=$(est target/criterion/ids/bench-10k/new/estimates.json)
echo "== ifctester 0.9.0 (best of 5), load average $(load)"
py=$(python3 tests/benches/ids_ifctester.py "$suite" "$big_ifc" "$big_ids" 5)
echo "$py"
i_suite=$(echo "$py" | awk '$1=="suite-314"{print $2}')
i_big=$(echo "$py" | awk '$1=="bench-10k"{print $2}')
# whole processes on the larger model: the CLI (compiled pack cached, as
# after the first run) against ifctester's own command line
echo "== processes: plancheck check --ids vs python3 -m ifctester (best of 3), load average $(load)"
cargo build -q --release -p plancheck
packs=$(mktemp -d); data=$(mktemp -d)
cp target/wasm32-wasip2/plugin/ids.wasm "$packs/ids.wasm"
cli() { target/release/plancheck check --packs-dir "$packs" --data-dir "$data" --ids "$big_ids" --format json "$big_ifc" >/dev/null || [ $? -eq 1 ]; }
cli # warm the compile cache
best() { python3 - "$@" <<'PY'
import subprocess, sys, time
ts = []
for _ in range(3):
    t = time.perf_counter()
    r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ts.append(time.perf_counter() - t)
print(min(ts))
PY
}
c_big=$(best target/release/plancheck check --packs-dir "$packs" --data-dir "$data" --ids "$big_ids" --format json "$big_ifc")
t_big=$(best python3 -m ifctester "$big_ids" "$big_ifc" -r Json -o /dev/null)
rm -rf "$packs" "$data"
python3 - "$p_suite" "$p_big" "$i_suite" "$i_big" "$c_big" "$t_big" <<'PY'
import sys
ps, pb, i_s, i_b, cb, tb = map(float, sys.argv[1:])
print(f"suite-314 (in process): plancheck {ps*1e3:.1f} ms, ifctester {i_s*1e3:.1f} ms: {i_s/ps:.1f}x")
print(f"bench-10k (in process): plancheck {pb*1e3:.1f} ms, ifctester {i_b*1e3:.1f} ms: {i_b/pb:.1f}x")
print(f"bench-10k (processes):  plancheck {cb*1e3:.1f} ms, ifctester {tb*1e3:.1f} ms: {tb/cb:.1f}x")
PY
