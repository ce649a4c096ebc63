#!/usr/bin/env bash
#! The benchmark command: builds the release site and release binaries, starts
#! two release mock servers on free loopback ports (one serving dist/, one
#! serving bench/pages/), runs the browser ingest benchmark in headless
#! Chromium, the demo's Tasks view with 200 tasks updating at once (frame gaps
#! against the idle view), prints the size of the site and where the element's
#! wasm bytes go, the time to the first line on a cold visit (loopback and an
#! emulated slow link; `SKIP_FIRST_LINE=1` skips it), then measures the server with many
#! concurrent streams (and the seed's PHP script under `php -S` as the
#! baseline). Copy its output into BENCHMARKS.md. `SIZES=10000,100000,1000000` (the
#! default) picks the browser stream sizes, `TICK_SIZES=100000,1000000` (the default) the
#! one-event-per-write ones; the JavaScript peers run beside ours; `CLIENTS="100 1000 10000"` the
#! server's; `SKIP_BROWSER=1` / `SKIP_DASHBOARD=1` / `SKIP_SERVER=1` skip a
#! part (`SKIP_BROWSER=1 SKIP_SERVER=1` measures the Tasks view and the sizes);
#! `ONLY_HOSTILE=1` runs only the browser part's hostile servers;
#! `ONLY_REDIS=1` only the server on Redis (two nodes on one redis-server).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib/server.sh
source scripts/lib/scratch.sh
source scripts/lib/redis.sh
source scripts/lib/wasm_breakdown.sh
trap 'stop_mock_servers; stop_redis; remove_scratch_tmpdir' EXIT
use_scratch_tmpdir

scripts/install-tools.sh --bench
eval "$(scripts/install-tools.sh --print-env)"
echo "==> trunk build --release"
trunk build --release
echo "==> cargo build --release"
cargo build -q --release -p sse-mock-server -p sse-task-e2e
echo "==> esbuild: the JavaScript peers (bench/peers/ -> bench/pages/peers/)"
mkdir -p bench/pages/peers
for entry in bench/peers/*.js; do
  [[ "$(basename "$entry")" == page.js ]] && continue
  NODE_PATH="$SSE_PEERS_MODULES" "$SSE_PEERS_MODULES/.bin/esbuild" "$entry" --bundle --minify \
    --format=iife --target=chrome120 --log-level=warning --outfile="bench/pages/peers/$(basename "$entry")"
done
export MOCK_SERVER_BIN=./target/release/sse-mock-server
median() { tr ' ' '\n' | sed '/^$/d' | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
# fanout_runs ROUNDS WHERE LOAD_ARG...: ROUNDS alternating runs of 1 and 1 000 clients of a
# 20 000-step task at interval 0 created on $MOCK_URL, then the medians' ratio ("1 000 streams WHERE").
fanout_runs() {
  local rounds="$1" where="$2" round clients line one thousand
  shift 2
  echo "| streams | clients complete in order | task run on the server (ms) | wall (s) |"
  echo "| ---: | ---: | ---: | ---: |"
  declare -A runs=()
  for round in $(seq "$rounds"); do
    for clients in 1 1000; do
      line="$(nice -n 10 ./target/release/sse-task-load --url "$MOCK_URL" --task '{"steps": 20000, "interval_ms": 0}' \
        --gate-ms 3000 --clients "$clients" --expect-events 20000 --name "$clients" "$@" || true)"
      echo "$line" | sed -E 's/^\| ([0-9]+) \| [0-9]+ \|/| \1 |/'
      runs[$clients]+="$(echo "$line" | awk -F'|' '{print $5}') "
    done
  done
  one="$(echo "${runs[1]}" | median)"
  thousand="$(echo "${runs[1000]}" | median)"
  echo
  echo "Median run time: 1 stream ${one} ms, 1 000 streams${where} ${thousand} ms: **$(awk -v a="$thousand" -v b="$one" 'BEGIN {printf "%.2f", a / b}')x**."
  echo
}
# redis_section: the server on Redis, two nodes on one fresh redis-server per table.
redis_section() {
  local round clients node_a node_b
  ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
  echo "### Server on Redis: two nodes (\`--redis\`) on one redis-server $(redis-server --version | awk '{print $3}' | tr -d 'v=')"
  echo
  echo "#### A 20 000-step task at interval 0: 1 stream on node A, then 1 000 streams split over A and B"
  echo
  echo 'Both nodes run `--workers 1`; two gate tasks (one per worker) hold the task back until every'
  echo 'client is attached; the run time is the task'"'"'s `finished_at - started_at` as stored. Three'
  echo 'runs of each, alternating.'
  echo
  start_redis
  start_mock_server --workers 1 --queue-capacity 1000 --redis "$REDIS_URL"; local node_b="$MOCK_URL"
  start_mock_server --workers 1 --queue-capacity 1000 --redis "$REDIS_URL"
  fanout_runs 3 " over two nodes" --spread "$node_b" --gates 2
  stop_mock_servers; stop_redis
  echo "#### The cost of one stored event: a 20 000-step task at interval 0, no viewer, three runs each"
  echo
  echo "| store | run (ms) | per event (us) |"
  echo "| --- | ---: | ---: |"
  start_mock_server --workers 1 --queue-capacity 1000
  for round in 1 2 3; do
    ./target/release/sse-task-load --url "$MOCK_URL" --task '{"steps": 20000, "interval_ms": 0}' --gate-ms 300 \
      --clients 0 --name sqlite | awk -F'|' '{ printf "| SQLite (in memory) | %d | %.1f |\n", $5, $5 * 1000 / 20000 }'
  done
  stop_mock_servers
  start_redis
  start_mock_server --workers 1 --queue-capacity 1000 --redis "$REDIS_URL"
  for round in 1 2 3; do
    ./target/release/sse-task-load --url "$MOCK_URL" --task '{"steps": 20000, "interval_ms": 0}' --gate-ms 300 \
      --clients 0 --name redis | awk -F'|' '{ printf "| Redis (one node) | %d | %.1f |\n", $5, $5 * 1000 / 20000 }'
  done
  stop_mock_servers; stop_redis
  echo
  echo "#### Job throughput: 40 tasks of 2 000 steps at interval 0, created at once, workers 2 per node"
  echo
  echo "| nodes | tasks | events | wall (s) | tasks/s | events/s |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: |"
  start_redis
  start_mock_server --workers 2 --queue-capacity 1000 --redis "$REDIS_URL"; node_a="$MOCK_URL"
  ./target/release/sse-task-load --url "$node_a" --task '{"steps": 2000, "interval_ms": 0}' --jobs 40 --name "one node (A)" || true
  start_mock_server --workers 2 --queue-capacity 1000 --redis "$REDIS_URL"
  ./target/release/sse-task-load --url "$node_a" --task '{"steps": 2000, "interval_ms": 0}' --jobs 40 --name "two nodes (A, B)" || true
  stop_mock_servers; stop_redis
  echo
  echo "#### Concurrent streams of one task (600 events, 100 ms apart) split over two nodes, open-file limit $(ulimit -n)"
  echo
  echo "| server | clients | complete in order | events delivered | wall (s) | events/s | peak RSS of node A (MiB) | CPU of node A (s) |"
  echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
  start_redis
  start_mock_server --keep-alive-secs 15 --queue-capacity 1000 --redis "$REDIS_URL"; node_a="$MOCK_URL"
  local pid_a="${MOCK_SERVER_PIDS[-1]}"
  start_mock_server --keep-alive-secs 15 --queue-capacity 1000 --redis "$REDIS_URL"; node_b="$MOCK_URL"
  for clients in ${REDIS_CLIENTS:-1000 10000}; do
    events_url="$(curl -s -X POST "$node_a/api/tasks" -H 'content-type: application/json' \
      -d '{"steps": 600, "interval_ms": 100}' | sed -E 's/.*"events_url":"([^"]+)".*/\1/')"
    ./target/release/sse-task-load --url "$node_a$events_url" --spread "$node_b" --clients "$clients" \
      --expect-events 600 --server-pid "$pid_a" --name "two nodes on Redis" || true
  done
  stop_mock_servers; stop_redis
  echo
}
if [[ -n "${ONLY_REDIS:-}" ]]; then
  redis_section
  exit 0
fi
start_mock_server --static-dir dist --allow-origin '*' --faults
DEMO_URL="$MOCK_URL"
start_mock_server --static-dir bench/pages --allow-origin '*' --faults
PAGES_URL="$MOCK_URL"

echo "## Run of $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores, $(($(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1048576)) GiB"
echo "$(rustc --version); $(chromium --version 2>/dev/null); trunk $(trunk --version | awk '{print $2}'); wasm-opt $(wasm-opt --version | awk '{print $3}')"
echo
if [[ -z "${SKIP_BROWSER:-}" ]]; then
echo "### Ingest throughput (scripts/bench.sh, sizes ${SIZES:-10000,100000,1000000})"
echo
./target/release/sse-task-bench --demo-url "$DEMO_URL" --pages-url "$PAGES_URL" --sizes "${SIZES:-10000,100000,1000000}" \
  --tick-sizes "${TICK_SIZES:-100000,1000000}" --peers ${ONLY_HOSTILE:+--only-hostile}
fi
# size_table TITLE FILE...: one row per file (hashes dropped from names), then the total.
size_table() {
  local title="$1" total=0 file raw gz
  shift
  echo "#### $title"
  echo
  echo "| file | raw (B) | gzipped (B) |"
  echo "| --- | ---: | ---: |"
  for file in "$@"; do
    raw=$(stat -c %s "$file")
    gz=$(gzip -9 -n -c "$file" | wc -c)
    total=$((total + gz))
    echo "| \`$(echo "${file#dist/}" | sed -E 's/-[0-9a-f]{12,16}(\/|_bg\.wasm$|\.js$)/\1/g')\` | $raw | $gz |"
  done
  echo "| total | | $total |"
  echo
}
if [[ -z "${SKIP_DASHBOARD:-}" ]]; then
echo "### Tasks view: ${DASHBOARD_TASKS:-200} tasks updating at once (sse-task-dashboard-bench)"
echo
start_mock_server --static-dir dist --workers "${DASHBOARD_TASKS:-200}" --queue-capacity 1000
./target/release/sse-task-dashboard-bench --demo-url "$MOCK_URL" --tasks "${DASHBOARD_TASKS:-200}"
echo
fi
echo "### Size of the release site (gzip -9)"
echo
# shellcheck disable=SC2046
size_table "The demo (\`dist/\`)" $(find dist -path dist/element -prune -o \( -name '*_bg.wasm' -o -name '*.js' \) -print | sort)
# shellcheck disable=SC2046
size_table "The \`<task-monitor>\` element (\`dist/element/\`)" $(find dist/element -path dist/element/worker -prune -o \( -name '*_bg.wasm' -o -name '*.js' \) -print | sort)
# shellcheck disable=SC2046
size_table "The element's stream worker (\`dist/element/worker/\`, loaded only with \`transport=\"fetch-worker\"\`)" $(find dist/element/worker \( -name '*_bg.wasm' -o -name '*.js' \) -print | sort)
echo "#### Where the element's wasm bytes go (twiggy, shallow sizes summed by module)"
echo
wasm_breakdown
echo
if [[ -z "${SKIP_FIRST_LINE:-}" ]]; then
  echo "### Time to the first line (sse-task-first-line: cold first visits, ${FIRST_LINE_LOADS:-8} loads of each page per link, medians)"
  echo
  FIRST_LINE_SITE="$SCRATCH_TMPDIR/first-line-site"
  cp -r dist "$FIRST_LINE_SITE"
  cp bench/pages/first-line/*.html "$FIRST_LINE_SITE/"
  # The element's page again, with preload hints for the glue and the wasm.
  sed 's|^  <script type="module" src="/element/task-monitor.js"></script>|  <link rel="modulepreload" href="/element/task_monitor_element.js">\n  <link rel="preload" href="/element/task_monitor_element_bg.wasm" as="fetch" type="application/wasm" crossorigin>\n&|' \
    bench/pages/first-line/element.html >"$FIRST_LINE_SITE/element-preloaded.html"
  grep -q 'rel="preload"' "$FIRST_LINE_SITE/element-preloaded.html"
  start_mock_server --static-dir "$FIRST_LINE_SITE"
  ./target/release/sse-task-first-line --server "${MOCK_URL#http://}" --loads "${FIRST_LINE_LOADS:-8}"
  stop_mock_servers
  echo
fi

[[ -n "${SKIP_SERVER:-}" ]] && exit 0
stop_mock_servers
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
echo
# fanout_table TITLE SERVER_FLAG...: five alternating runs of 1 and 1 000 clients on a fresh server.
fanout_table() {
  local title="$1"
  shift
  echo "#### $title"
  echo
  start_mock_server --workers 1 --queue-capacity 1000 "$@"
  fanout_runs 5 "" | sed 's/x\*\*\.$/x** (target <= 1.2x)./'
  stop_mock_servers
}
echo "### Server: a 20 000-step task at interval 0 with 1 and with 1 000 streams attached"
echo
echo 'Each run queues the task behind a 2-step gate task (`--workers 1`) so every client is attached'
echo 'before it starts; the run time is the task'"'"'s `finished_at - started_at` on the server. Runs'
echo 'alternate 1 and 1 000 clients, five of each; clients run at `nice -n 10` (they stand for other machines).'
echo 'First as the server runs by default (streams wait for a flat-out job, `--jobs-first-ms 1000`),'
echo 'then with that turned off (`--jobs-first-ms 0`: streams send while the job runs).'
echo
fanout_table "Default: jobs first"
fanout_table "Jobs first off (\`--jobs-first-ms 0\`)" --jobs-first-ms 0
echo
echo "### Server: concurrent streams of one task (600 events, 100 ms apart), open-file limit $(ulimit -n)"
echo
echo "| server | clients | complete in order | events delivered | wall (s) | events/s | peak RSS (MiB) | CPU (s) |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
start_mock_server --keep-alive-secs 15 --queue-capacity 1000
SERVER_PID="${MOCK_SERVER_PIDS[-1]}"
for clients in ${CLIENTS:-100 1000 10000}; do
  events_url="$(curl -s -X POST "$MOCK_URL/api/tasks" -H 'content-type: application/json' \
    -d '{"steps": 600, "interval_ms": 100}' | sed -E 's/.*"events_url":"([^"]+)".*/\1/')"
  ./target/release/sse-task-load --url "$MOCK_URL$events_url" --clients "$clients" --expect-events 600 \
    --server-pid "$SERVER_PID" --name "ours (sse-mock-server)" || true
done
echo
stop_mock_servers
start_mock_server
SERVER_PID="${MOCK_SERVER_PIDS[-1]}"
echo "### Server: the coreBOS seed endpoint (10 events, 1 s apart) against the seed's PHP script"
echo
echo "| server | clients | complete in order | events delivered | wall (s) | events/s | peak RSS (MiB) | CPU (s) |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for clients in 2 10 100; do
  ./target/release/sse-task-load --url "$MOCK_URL/seeds/corebos/source" --clients "$clients" \
    --expect-events 10 --timeout-secs 120 --server-pid "$SERVER_PID" --name "ours: /seeds/corebos/source" || true
done
if command -v php >/dev/null 2>&1; then
  PHP_PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  php -S "127.0.0.1:$PHP_PORT" -t bench/php >/dev/null 2>&1 &
  PHP_PID=$!
  MOCK_SERVER_PIDS+=("$PHP_PID")
  sleep 1
  for clients in 2 10 100; do
    ./target/release/sse-task-load --url "http://127.0.0.1:$PHP_PORT/source.php" --clients "$clients" \
      --expect-events 10 --timeout-secs 120 --server-pid "$PHP_PID" --name "seed source.php (php -S, $(php -r 'echo PHP_VERSION;'))" || true
  done
else
  echo "(php not installed: apt-get install -y php-cli for the baseline)"
fi
stop_mock_servers
echo
[[ -n "${SKIP_REDIS:-}" ]] || redis_section
