#!/usr/bin/env bash
#! The test command: installs what is missing, then runs cargo fmt --check,
#! clippy (native and wasm, -D warnings), `cargo package` of the published
#! crates, the native tests of every crate, the server-side rendering test
#! (`--features ssr`), the wasm-bindgen-test browser tests (`--features
#! hydrate`, which also hydrates the markup the ssr test checked) in headless
#! Chromium, headless Firefox and WebKit's MiniBrowser (on an Xvfb display),
#! all three at once, each against a mock server it starts on a free port,
#! the end-to-end test of the built site (with the element's npm package;
#! its element pages in the three engines), and checks that
#! no process it started is left running. Stops its servers even when a
#! test fails; exits non-zero on any failure; ends with one summary line.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib/server.sh
source scripts/lib/scratch.sh
source scripts/lib/leftovers.sh
source scripts/lib/engines.sh
trap 'stop_browser_runs; stop_mock_servers; stop_xvfb; remove_scratch_tmpdir' EXIT
use_scratch_tmpdir
START="$(date +%s)"

scripts/install-tools.sh
eval "$(scripts/install-tools.sh --print-env)"
snapshot_processes
export WASM_BINDGEN_TEST_TIMEOUT=300
ENGINES=(chromium firefox webkit)
LOGS="$(mktemp -d -t sse-test.XXXXXX)"

count_passed() { awk '/^test result: ok\./ { n += $4 } END { print n + 0 }' "$@"; }

echo "==> cargo fmt --check"
cargo fmt --all -- --check

echo "==> cargo clippy (native, then wasm32)"
cargo clippy -q --workspace --all-targets -- -D warnings
# (No separate clippy with --features ssr: the library has no code gated on a
# mode, and the ssr test below compiles it with ssr anyway.)
cargo clippy -q -p sse-task-progress --features hydrate --target wasm32-unknown-unknown --all-targets -- -D warnings
# The library without Leptos, as the <task-monitor> element builds it.
cargo clippy -q -p sse-task-progress --no-default-features --target wasm32-unknown-unknown -- -D warnings
# (The demo and the element have no wasm-only code paths: the native
# workspace clippy above lints all of their code; a wasm32 pass for them
# cost a separate Leptos csr build on a fresh machine.)

echo "==> cargo package (the crates a user depends on, in dependency order)"
# --no-verify: the packaged sources are the ones the tests below build.
# --allow-dirty: a working copy with edits packages too (CI's clone is clean).
rm -f target/package/*.crate
if ! PACKAGE_LOG="$(cargo package -p sse-task-protocol -p sse-task-progress -p sse-task-server --no-verify --allow-dirty 2>&1)"; then
  echo "$PACKAGE_LOG"; echo "cargo package failed"; exit 1
fi
for crate in sse-task-protocol-0.1.0 sse-task-progress-0.1.0 sse-task-server-0.1.0; do
  test -s "target/package/$crate.crate" || { echo "cargo package made no $crate.crate"; exit 1; }
done
PACKAGED="$(cargo package -p sse-task-progress --list --allow-dirty 2>/dev/null)"
for must in README.md LICENSE-MIT LICENSE-APACHE style/task-monitor.css i18n/es.json src/lib.rs; do
  grep -qx "$must" <<<"$PACKAGED" || { echo "the sse-task-progress package lacks $must"; exit 1; }
done
if grep -E '^(scripts|tests|mock-server|e2e|demo|element|bench|docs|\.ci)/' <<<"$PACKAGED"; then
  echo "the sse-task-progress package carries files that are not the library's"; exit 1
fi
PACKAGED="$(cargo package -p sse-task-server --list --allow-dirty 2>/dev/null)"
for must in README.md LICENSE-MIT LICENSE-APACHE src/lib.rs examples/folder_hashes.rs; do
  grep -qx "$must" <<<"$PACKAGED" || { echo "the sse-task-server package lacks $must"; exit 1; }
done

echo "==> native tests"
cargo test --workspace 2>&1 | tee "$LOGS/native.log"
echo "==> server-side rendering test (--features ssr)"
cargo test -p sse-task-progress --features ssr --test ssr_render 2>&1 | tee -a "$LOGS/native.log"
NATIVE="$(count_passed "$LOGS/native.log")"

echo "==> browser tests (Chromium, Firefox and WebKit at once)"
cargo build -q -p sse-mock-server
start_xvfb
prepare_engines "$LOGS/engines"
# Each engine against a mock server of its own (the tests count the streams
# a server holds), its address compiled into that engine's copy of the suites.
# A keep-alive every second, so a test can tell that heartbeats keep a quiet
# stream alive under a short idle timeout.
for engine in "${ENGINES[@]}"; do
  start_mock_server --allow-origin '*' --faults --keep-alive-secs 1
  mkdir -p "$LOGS/suites-$engine"
  SUITES="$(MOCK_SERVER_URL="$MOCK_URL" cargo test -p sse-task-progress --features hydrate \
    --target wasm32-unknown-unknown --test browser --test hostile --no-run --message-format=json \
    | sed -n 's/.*"executable":"\([^"]*\)".*/\1/p')"
  COPIES=()
  for suite in $SUITES; do
    cp "$suite" "$LOGS/suites-$engine/"
    COPIES+=("$LOGS/suites-$engine/$(basename "$suite")")
  done
  echo "$engine: mock server at $MOCK_URL, suites ${COPIES[*]##*/}"
  run_wasm_suite "$engine" "${COPIES[@]}" >"$LOGS/browser-$engine.log" 2>&1 &
  BROWSER_PIDS+=("$!")
done
echo "==> scripts/run.sh on a port in use (a mock server's): refused before building"
BUSY_PORT="${MOCK_URL##*:}"
RUN_OUT="$(timeout 10 scripts/run.sh --port "$BUSY_PORT" 2>&1)" && RUN_RC=0 || RUN_RC=$?
if [[ "$RUN_RC" != 1 || "$RUN_OUT" != *"127.0.0.1:$BUSY_PORT is already in use"* || "$RUN_OUT" == *"==>"* ]]; then
  echo "run.sh --port $BUSY_PORT: exit $RUN_RC, said: $RUN_OUT"; exit 1
fi
BROWSER_FAILED=()
for i in "${!ENGINES[@]}"; do
  wait "${BROWSER_PIDS[$i]}" || BROWSER_FAILED+=("${ENGINES[$i]}")
  echo "--- browser tests in ${ENGINES[$i]}"
  cat "$LOGS/browser-${ENGINES[$i]}.log"
done
BROWSER_PIDS=()
stop_mock_servers
stop_xvfb
if ((${#BROWSER_FAILED[@]} > 0)); then
  echo "browser tests failed in: ${BROWSER_FAILED[*]}"; exit 1
fi
BROWSER="$(count_passed "$LOGS"/browser-*.log)"

echo "==> end-to-end test of the built site"
scripts/e2e.sh target/e2e/demo.png 2>&1 | tee "$LOGS/e2e.log"
E2E="$(grep -c '^e2e: ok:' "$LOGS/e2e.log" || true)"
E2E_OTHERS="$(grep -c '^e2e: ok (' "$LOGS/e2e.log" || true)"

echo "==> size budget: what the element, the demo and the crate cost a page (gzip -9)"
scripts/size-budget.sh

echo "==> no process left behind (php -S, Chromium, chromedriver, servers, redis-server)"
check_no_leftovers

echo "test.sh: PASS in $(($(date +%s) - START)) s: fmt, clippy (native + wasm32), $NATIVE native tests, $BROWSER browser tests (Chromium, Firefox, WebKit), $E2E end-to-end steps (+ $E2E_OTHERS in Firefox and WebKit), sizes within budget"
