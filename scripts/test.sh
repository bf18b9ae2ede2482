#!/usr/bin/env bash
# The whole test suite, as CI runs it: formatting, lints, and every test
# (unit, the IFC corpus, hostile plugins built as real components, rule-pack
# fixtures, the CLI end to end).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh

cargo fmt --all --check
cargo clippy --workspace --all-targets -- -D warnings
cargo test --workspace
