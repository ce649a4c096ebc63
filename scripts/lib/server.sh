#!/usr/bin/env bash
#! Sourced by the scripts: start_mock_server starts the mock server
#! ($MOCK_SERVER_BIN, default the debug build) on a free loopback port, sets
#! MOCK_URL to its address, and registers it for stop_mock_servers (call that
#! from an EXIT trap).

MOCK_SERVER_PIDS=()

start_mock_server() {
  local log
  log="$(mktemp -t sse-mock-server.XXXXXX.log)"
  RUST_LOG="${RUST_LOG:-warn}" "${MOCK_SERVER_BIN:-./target/debug/sse-mock-server}" --addr 127.0.0.1:0 "$@" >"$log" 2>&1 &
  MOCK_SERVER_PIDS+=("$!")
  local waited=0
  MOCK_URL=""
  while [[ -z "$MOCK_URL" ]]; do
    MOCK_URL="$(sed -n 's/^sse-mock-server listening on //p' "$log")"
    if ((waited > 300)); then
      echo "mock server did not start; its log:" >&2
      cat "$log" >&2
      return 1
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
}

stop_mock_servers() {
  local pid
  for pid in "${MOCK_SERVER_PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  MOCK_SERVER_PIDS=()
}
