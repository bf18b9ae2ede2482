#!/usr/bin/env bash
# Hot-swap benchmark of `plancheck serve` (docs/performance.md, "Hot swap
# (issue 4)"): upload-to-active (cold and precompiled), activation alone,
# and memory during 100 swaps under load, against the real release server
# on loopback (tests/benches/swap_bench.py does the measuring).
#
#   scripts/bench-swap.sh                 # about 2 minutes after the build
#   BENCH_RUNS=10 scripts/bench-swap.sh   # fresh servers per upload figure (5)
#
# What it does: builds the rule packs and the release host, copies the
# binary to a temporary directory, makes a publisher key with
# `plancheck pack keygen`, appends a custom section to us-ibc-2021 (the
# same release with another digest, so it is not in any compile cache) and
# signs it with `plancheck pack sign`, writes a [trust] config for the key,
# then runs the Python driver. BENCH_KEEP=1 keeps the temporary directory.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { echo "bench-swap: $*" >&2; }

./scripts/build-packs.sh >/dev/null
cargo build --release -p plancheck
tmp=$(mktemp -d /tmp/bench-swap.XXXXXX)
[ "${BENCH_KEEP:-0}" = 1 ] || trap 'rm -rf "$tmp"' EXIT
cp target/release/plancheck "$tmp/plancheck"
bin="$tmp/plancheck"
mkdir -p "$tmp/packs"
for p in us-ibc-2021 us-irc-2021 uk-adk-2013; do
    cp ".plancheck/packs/$p.wasm" "$tmp/packs/"
done

say "signing us-ibc-2021 (+ a custom section) with a fresh publisher key"
"$bin" pack keygen --out "$tmp/bench" >/dev/null
python3 - "$tmp/packs/us-ibc-2021.wasm" "$tmp/us-ibc-2021-b.wasm" <<'PY'
import sys
src, dst = sys.argv[1], sys.argv[2]
b = open(src, "rb").read()
name = b"bench-variant"
payload = bytes([len(name)]) + name + b"b" * 16
def leb(n):
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)
open(dst, "wb").write(b + b"\x00" + leb(len(payload)) + payload)
PY
"$bin" pack sign "$tmp/us-ibc-2021-b.wasm" --key "$tmp/bench.key" --publisher bench-icc \
    --out "$tmp/us-ibc-2021-b.pcpack" --data-dir "$tmp/sign-data" >&2
cat > "$tmp/plancheck.toml" <<TOML
[trust]
allow_unsigned = true
[[trust.publishers]]
id = "bench-icc"
jurisdictions = ["US"]
keys = ["$(cat "$tmp/bench.pub")"]
TOML

say "machine: $(nproc) vCPU, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
say "date: $(date -u +%Y-%m-%dT%H:%MZ), load average: $(cut -d' ' -f1-3 /proc/loadavg)"
BENCH_BIN="$bin" BENCH_PACKS="$tmp/packs" BENCH_ARTIFACT="$tmp/us-ibc-2021-b.pcpack" \
BENCH_CONFIG="$tmp/plancheck.toml" BENCH_MODEL=tests/fixtures/models/bench-1k-ifc4-mm.ifc \
    python3 tests/benches/swap_bench.py
