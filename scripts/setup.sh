#!/usr/bin/env bash
# One-time set-up on a fresh machine: everything the build and tests need
# beyond the Rust toolchain. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-wasip2; then
    echo "setup: installing the wasm32-wasip2 target (plugins are built for it)"
    rustup target add wasm32-wasip2
fi

if [ ! -d ../shared/fixtures ]; then
    echo "setup: warning: ../shared/fixtures is missing; the corpus and IDS tests need it" >&2
fi

# The main job talks to the server with curl (Debian: package curl).
if ! command -v curl > /dev/null 2>&1; then
    echo "setup: installing curl (Debian package)"
    if [ "$(id -u)" = 0 ]; then
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q curl > /dev/null
    else
        sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -q curl > /dev/null
    fi
fi
