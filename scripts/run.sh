#!/usr/bin/env bash
#! The run command: installs what is missing, builds the release site with
#! trunk (offline, wasm-opt on) and the mock server, then serves the demo and
#! every endpoint on http://127.0.0.1:8080 until Ctrl-C.
#! `--port N` serves on another port; other arguments go to the server, e.g.
#! `scripts/run.sh --port 9000 --db tasks.db`. A port already in use is
#! reported before anything is built.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PORT=8080
SERVER_ARGS=()
while (($#)); do
  case "$1" in
    --port) PORT="${2:?--port needs a number}"; shift 2 ;;
    --port=*) PORT="${1#--port=}"; shift ;;
    --addr|--addr=*) echo "run.sh: use --port N (the demo is served on 127.0.0.1)" >&2; exit 2 ;;
    *) SERVER_ARGS+=("$1"); shift ;;
  esac
done
if ! [[ "$PORT" =~ ^[0-9]+$ ]] || ((PORT < 1 || PORT > 65535)); then
  echo "run.sh: --port takes a number from 1 to 65535, not '$PORT'" >&2; exit 2
fi
if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
  echo "run.sh: 127.0.0.1:$PORT is already in use; pick another with --port N" >&2; exit 1
fi

scripts/install-tools.sh
eval "$(scripts/install-tools.sh --print-env)"
echo "==> trunk build --release"
trunk build --release
echo "==> cargo build --release -p sse-mock-server"
cargo build -q --release -p sse-mock-server
echo "==> serving the demo on http://127.0.0.1:$PORT (Ctrl-C stops)"
exec ./target/release/sse-mock-server --addr "127.0.0.1:$PORT" --static-dir dist ${SERVER_ARGS[@]+"${SERVER_ARGS[@]}"}
