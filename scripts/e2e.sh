#!/usr/bin/env bash
#! End-to-end test of the built site: builds the release site with trunk
#! (the demo and the <task-monitor> element), serves it with the mock server
#! on a free port, and drives it in headless Chromium (fantoccini + Debian's
#! chromedriver): the demo, the element's two example pages, the crash
#! scenario (a server SIGKILLed mid-task and restarted on the same file
#! database; the page resumes), a plain page with the element served by
#! `php -S`, and the server's example apps (one with a job of its own, one
#! whose two users sign in from two browsers). The element's pages (every
#! transport, Stop, three tabs on one stream) also run in Firefox and in
#! WebKit, at the same time as Chromium's run. Saves a screenshot to the
#! path given as first argument (default target/e2e/demo.png);
#! `scripts/e2e.sh docs/screenshot.png` regenerates the README's screenshot.
#! Expects the tools of scripts/install-tools.sh on PATH.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib/server.sh
source scripts/lib/scratch.sh
source scripts/lib/engines.sh
source scripts/lib/wasm_features.sh
trap 'stop_browser_runs; stop_mock_servers; stop_xvfb; remove_scratch_tmpdir' EXIT
use_scratch_tmpdir

SCREENSHOT="${1:-target/e2e/demo.png}"
eval "$(scripts/install-tools.sh --print-env)"
echo "==> trunk build --release"
trunk build --release
echo "==> the built wasm uses only what the supported browsers run"
check_wasm_features dist/*.wasm dist/element/*.wasm
cargo build -q -p sse-mock-server -p sse-task-e2e
cargo build -q -p sse-task-server --example folder_hashes --example my_exports
# The fault endpoints too: the element's failure codes are checked against them.
start_mock_server --static-dir dist --faults
start_xvfb
prepare_engines "$TMPDIR/engines"
E2E_LOGS="$TMPDIR/e2e-logs"
mkdir -p "$E2E_LOGS"
echo "==> end-to-end test against $MOCK_URL (Chromium; Firefox and WebKit in the background)"
./target/debug/sse-task-e2e --base-url "$MOCK_URL" --engine firefox --geckodriver "$GECKODRIVER_BIN" \
  --server-bin ./target/debug/sse-mock-server --dist dist >"$E2E_LOGS/firefox.log" 2>&1 &
BROWSER_PIDS+=("$!")
./target/debug/sse-task-e2e --base-url "$MOCK_URL" --engine webkit --webkit-driver "$ENGINES_DIR/webkit-driver" \
  --server-bin ./target/debug/sse-mock-server --dist dist >"$E2E_LOGS/webkit.log" 2>&1 &
BROWSER_PIDS+=("$!")
STATUS=0
./target/debug/sse-task-e2e --base-url "$MOCK_URL" --screenshot "$SCREENSHOT" \
  --server-bin ./target/debug/sse-mock-server --dist dist \
  --example-bin ./target/debug/examples/folder_hashes \
  --exports-bin ./target/debug/examples/my_exports || STATUS=1
for i in 0 1; do
  engine="$([[ $i == 0 ]] && echo firefox || echo webkit)"
  wait "${BROWSER_PIDS[$i]}" || STATUS=1
  cat "$E2E_LOGS/$engine.log"
done
BROWSER_PIDS=()
exit "$STATUS"
