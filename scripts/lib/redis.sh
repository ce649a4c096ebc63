#!/usr/bin/env bash
#! Sourced by the scripts: start_redis starts a redis-server (Debian's
#! package) on a free loopback port without persistence, sets REDIS_URL,
#! and registers it for stop_redis (call that from an EXIT trap).

REDIS_PIDS=()

start_redis() {
  local port waited=0
  port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no >/dev/null 2>&1 &
  REDIS_PIDS+=("$!")
  until redis-cli -p "$port" ping >/dev/null 2>&1; do
    if ((waited > 100)); then
      echo "redis-server did not start" >&2
      return 1
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
  REDIS_URL="redis://127.0.0.1:$port"
}

stop_redis() {
  local pid
  for pid in "${REDIS_PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  REDIS_PIDS=()
}
