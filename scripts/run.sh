#!/usr/bin/env bash
#! The run command: installs what is missing, builds the release site with
#! trunk (offline, wasm-opt on) and the mock server, then serves the demo and
#! every endpoint on http://127.0.0.1:8080 until Ctrl-C.
#! Extra arguments go to the server, e.g. `scripts/run.sh --db tasks.db`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/install-tools.sh
eval "$(scripts/install-tools.sh --print-env)"
echo "==> trunk build --release"
trunk build --release
echo "==> cargo build --release -p sse-mock-server"
cargo build -q --release -p sse-mock-server
echo "==> serving the demo on http://127.0.0.1:8080 (Ctrl-C stops)"
exec ./target/release/sse-mock-server --addr 127.0.0.1:8080 --static-dir dist "$@"
