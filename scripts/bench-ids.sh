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
rounds="${BENCH_ROUNDS:-7}"
echo "== processes: plancheck check --ids vs python3 -m ifctester, interleaved, $rounds rounds, load average $(load)"
cargo build -q --release -p plancheck
packs=$(mktemp -d); data=$(mktemp -d)
cp target/wasm32-wasip2/plugin/ids.wasm "$packs/ids.wasm"
cli() { target/release/plancheck check --packs-dir "$packs" --data-dir "$data" --ids "$big_ids" --format json "$big_ifc" >/dev/null || [ $? -eq 1 ]; }
cli # warm the compile cache
# One run of each per round, alternating, so that this VM's drifting speed
# (tens of percent within minutes) falls on both sides alike; best and
# median over the rounds.
read -r c_big t_big c_med t_med < <(python3 - "$rounds" \
    target/release/plancheck check --packs-dir "$packs" --data-dir "$data" --ids "$big_ids" --format json "$big_ifc" \
    -- python3 -m ifctester "$big_ids" "$big_ifc" -r Json -o /dev/null <<'PY'
import statistics, subprocess, sys, time
rounds = int(sys.argv[1])
args = sys.argv[2:]
cut = args.index("--")
cmds = [args[:cut], args[cut + 1:]]
ts = [[], []]
for r in range(rounds):
    for k, cmd in enumerate(cmds):
        t = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        ts[k].append(time.perf_counter() - t)
    print(f"  round {r + 1}: plancheck {ts[0][-1]*1e3:.1f} ms, ifctester {ts[1][-1]*1e3:.1f} ms, {ts[1][-1]/ts[0][-1]:.1f}x", file=sys.stderr)
print(min(ts[0]), min(ts[1]), statistics.median(ts[0]), statistics.median(ts[1]))
PY
)
rm -rf "$packs" "$data"
python3 - "$p_suite" "$p_big" "$i_suite" "$i_big" "$c_big" "$t_big" "$c_med" "$t_med" <<'PY'
import sys
ps, pb, i_s, i_b, cb, tb, cm, tm = map(float, sys.argv[1:])
print(f"suite-314 (in process): plancheck {ps*1e3:.1f} ms, ifctester {i_s*1e3:.1f} ms: {i_s/ps:.1f}x")
print(f"bench-10k (in process): plancheck {pb*1e3:.1f} ms, ifctester {i_b*1e3:.1f} ms: {i_b/pb:.1f}x")
print(f"bench-10k (processes):  plancheck {cb*1e3:.1f} ms, ifctester {tb*1e3:.1f} ms: {tb/cb:.1f}x (best); medians {cm*1e3:.1f} / {tm*1e3:.1f} ms: {tm/cm:.1f}x")
PY
