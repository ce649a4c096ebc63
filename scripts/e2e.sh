#!/usr/bin/env bash
#! End-to-end test of the built site: builds the release site with trunk
#! (the demo and the <task-monitor> element), serves it with the mock server
#! on a free port, and drives it in headless Chromium (fantoccini + Debian's
#! chromedriver): the demo, the element's two example pages, the crash
#! scenario (a server SIGKILLed mid-task and restarted on the same file
#! database; the page resumes), a plain page with the element served by
#! `php -S`, and the server's example apps (one with a job of its own, one
#! whose two users sign in from two browsers). Saves a screenshot to the
#! path given as first argument (default target/e2e/demo.png);
#! `scripts/e2e.sh docs/screenshot.png` regenerates the README's screenshot.
#! Expects the tools of scripts/install-tools.sh on PATH.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib/server.sh
source scripts/lib/scratch.sh
trap 'stop_mock_servers; remove_scratch_tmpdir' EXIT
use_scratch_tmpdir

SCREENSHOT="${1:-target/e2e/demo.png}"
eval "$(scripts/install-tools.sh --print-env)"
echo "==> trunk build --release"
trunk build --release
cargo build -q -p sse-mock-server -p sse-task-e2e
cargo build -q -p sse-task-server --example folder_hashes --example my_exports
start_mock_server --static-dir dist
echo "==> end-to-end test against $MOCK_URL"
./target/debug/sse-task-e2e --base-url "$MOCK_URL" --screenshot "$SCREENSHOT" \
  --server-bin ./target/debug/sse-mock-server --dist dist \
  --example-bin ./target/debug/examples/folder_hashes \
  --exports-bin ./target/debug/examples/my_exports
