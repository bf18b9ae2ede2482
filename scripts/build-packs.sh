#!/usr/bin/env bash
# Builds every rule pack in rulepacks/ as a wasm32-wasip2 component and
# installs it into the packs directory (default .plancheck/packs).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh

packs_dir="${PLANCHECK_PACKS_DIR:-.plancheck/packs}"
args=()
names=()
for manifest in rulepacks/*/Cargo.toml; do
    name=$(sed -n 's/^name *= *"\(.*\)"/\1/p' "$manifest" | head -n1)
    args+=(-p "$name")
    names+=("$name")
done
[ ${#names[@]} -gt 0 ] || { echo "build-packs: no rule packs under rulepacks/" >&2; exit 1; }

cargo build --profile plugin --target wasm32-wasip2 "${args[@]}"

mkdir -p "$packs_dir"
target_dir="${CARGO_TARGET_DIR:-target}"
for name in "${names[@]}"; do
    src="$target_dir/wasm32-wasip2/plugin/${name//-/_}.wasm"
    # Write-then-rename, so a running host never sees a half-written pack.
    cp "$src" "$packs_dir/.$name.wasm.tmp"
    mv "$packs_dir/.$name.wasm.tmp" "$packs_dir/$name.wasm"
    echo "build-packs: installed $packs_dir/$name.wasm ($(wc -c <"$packs_dir/$name.wasm") bytes)"
done
