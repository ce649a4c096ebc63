#!/usr/bin/env bash
#! A/B of the browser benchmark: builds the release site of REV (default
#! HEAD~1) in a temporary worktree (into target/bench-ab-old/, kept between
#! runs: cargo names path crates by their place in the workspace, so two
#! checkouts sharing one target/ would take each other's artifacts), then runs `sse-task-bench` on REV's site and on this checkout's,
#! alternating, ROUNDS times (default 2), on the same machine in the same
#! minutes: the answer to "did the change or the machine move this figure?".
#! Small by default (10 000 events, 100 000 ticks, the latency run, one
#! memory size); BENCH_ARGS adds or overrides sse-task-bench flags.
#! `SERVER=1` A/Bs the server instead: REV's release `sse-mock-server`
#! and this checkout's, each serving this checkout's site, alternating:
#! the browser benchmark's streams (the stored task is the task API's) and
#! a 20 000-step task at interval 0 with 1 and with 1 000 streams.
#! Usage: scripts/bench-ab.sh [REV]   (after scripts/bench.sh or a
#! `trunk build --release`: this checkout's site is dist/ as it is).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib/server.sh
source scripts/lib/scratch.sh

REV="${1:-HEAD~1}"
OLD="$(mktemp -d -t bench-ab-worktree.XXXXXX)"
cleanup() {
  stop_mock_servers
  git worktree remove --force "$OLD" 2>/dev/null || rm -rf "$OLD"
  remove_scratch_tmpdir
}
trap cleanup EXIT
use_scratch_tmpdir

eval "$(scripts/install-tools.sh --print-env)"
[[ -f dist/index.html ]] || trunk build --release
cargo build -q --release -p sse-mock-server -p sse-task-e2e
TARGET_DIR="$PWD/target/bench-ab-old"
git worktree add -q --detach "$OLD" "$REV"
if [[ -n "${SERVER:-}" ]]; then
  (cd "$OLD" && CARGO_TARGET_DIR="$TARGET_DIR" cargo build -q --release -p sse-mock-server)
  ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
  # One worker: the gate task holds it until every client is attached.
  MOCK_SERVER_BIN="$TARGET_DIR/release/sse-mock-server"
  start_mock_server --static-dir dist --allow-origin '*' --faults --workers 1 --queue-capacity 1000
  OLD_URL="$MOCK_URL"
  MOCK_SERVER_BIN=./target/release/sse-mock-server
  start_mock_server --static-dir dist --allow-origin '*' --faults --workers 1 --queue-capacity 1000
  NEW_URL="$MOCK_URL"
else
  (cd "$OLD" && CARGO_TARGET_DIR="$TARGET_DIR" trunk build --release --dist "$OLD/dist-ab" >/dev/null)
  export MOCK_SERVER_BIN=./target/release/sse-mock-server
  start_mock_server --static-dir "$OLD/dist-ab" --allow-origin '*' --faults
  OLD_URL="$MOCK_URL"
  start_mock_server --static-dir dist --allow-origin '*' --faults
  NEW_URL="$MOCK_URL"
fi
start_mock_server --static-dir bench/pages --allow-origin '*' --faults
PAGES_URL="$MOCK_URL"

echo "## A/B of $(git rev-parse --short "$REV") (old) and this checkout (new)${SERVER:+: the server}, $(date -u +%Y-%m-%dT%H:%MZ)"
for round in $(seq "${ROUNDS:-2}"); do
  for side in old new; do
    url="$OLD_URL"
    [[ "$side" == new ]] && url="$NEW_URL"
    echo
    echo "### round $round: $side"
    echo
    # shellcheck disable=SC2086
    ./target/release/sse-task-bench --demo-url "$url" --pages-url "$PAGES_URL" \
      --sizes 10000 --tick-sizes 100000 --memory-events 10000 --seed-budget-ms 1000 ${BENCH_ARGS:-} \
      | grep '^|'
    if [[ -n "${SERVER:-}" ]]; then
      for clients in 1 1000; do
        nice -n 10 ./target/release/sse-task-load --url "$url" --task '{"steps": 20000, "interval_ms": 0}' \
          --gate-ms 3000 --clients "$clients" --expect-events 20000 --name "$side $clients" || true
      done
    fi
  done
done
