#!/usr/bin/env bash
#! Sourced by the test command: the three browser engines the browser tests
#! run in, and how wasm-bindgen-test-runner reaches each.
#!
#!   chromium  Debian's chromium + chromedriver (CHROMEDRIVER)
#!   firefox   Debian's firefox-esr + geckodriver from crates.io (GECKODRIVER,
#!             the binary named in WASM_BINDGEN_TEST_WEBDRIVER_JSON; the runner
#!             adds -headless)
#!   webkit    WebKitGTK's WebKitWebDriver, which starts MiniBrowser
#!             (SAFARIDRIVER, a wrapper that gives it the display of an Xvfb
#!             this file starts: MiniBrowser has no headless mode)
#!
#! start_xvfb starts one Xvfb on a free display; stop_xvfb stops it (the
#! caller's EXIT trap calls it). run_wasm_suite ENGINE WASM... runs the
#! given test wasm files in ENGINE, one after another; a caller that runs it
#! in the background adds the PID to BROWSER_PIDS, and stop_browser_runs
#! stops each with every process under it (driver, browser).

XVFB_PID=""
XVFB_DISPLAY=""
BROWSER_PIDS=()

# PID and every process under it.
process_tree() {
  local child
  echo "$1"
  for child in $(pgrep -P "$1" 2>/dev/null); do
    process_tree "$child"
  done
}

# Stops PID and every process under it (all found first: an orphan's parent
# is no longer its parent).
kill_tree() {
  local pids
  pids="$(process_tree "$1")"
  # shellcheck disable=SC2086
  kill $pids 2>/dev/null || true
}

stop_browser_runs() {
  local pid
  for pid in "${BROWSER_PIDS[@]}"; do
    kill_tree "$pid"
    wait "$pid" 2>/dev/null || true
  done
  BROWSER_PIDS=()
}

# Starts Xvfb on the first free display from :90 and waits until it listens.
start_xvfb() {
  local n
  for n in $(seq 90 140); do
    [[ -e "/tmp/.X11-unix/X$n" || -e "/tmp/.X$n-lock" ]] && continue
    Xvfb ":$n" -screen 0 1280x1024x24 -nolisten tcp >/dev/null 2>&1 &
    XVFB_PID=$!
    for _ in $(seq 100); do
      if [[ -S "/tmp/.X11-unix/X$n" ]]; then
        XVFB_DISPLAY=":$n"
        return 0
      fi
      kill -0 "$XVFB_PID" 2>/dev/null || break
      sleep 0.1
    done
    kill "$XVFB_PID" 2>/dev/null || true
    wait "$XVFB_PID" 2>/dev/null || true
    XVFB_PID=""
  done
  echo "cannot start Xvfb on any display from :90 to :140" >&2
  return 1
}

stop_xvfb() {
  if [[ -n "$XVFB_PID" ]]; then
    kill "$XVFB_PID" 2>/dev/null || true
    wait "$XVFB_PID" 2>/dev/null || true
    XVFB_PID=""
  fi
}

# The files an engine's runner needs, written once into $1 (a scratch folder).
prepare_engines() {
  local dir="$1"
  mkdir -p "$dir"
  printf '{"moz:firefoxOptions": {"binary": "/usr/bin/firefox-esr"}}\n' \
    >"$dir/firefox.json"
  # WebKitWebDriver starts MiniBrowser, which needs the Xvfb display.
  printf '#!/bin/sh\nDISPLAY=%s exec /usr/bin/WebKitWebDriver "$@"\n' "$XVFB_DISPLAY" >"$dir/webkit-driver"
  chmod +x "$dir/webkit-driver"
  ENGINES_DIR="$dir"
}

# Runs wasm-bindgen-test-runner on each WASM file in ENGINE; the output is
# libtest's. Fails when any suite fails.
run_wasm_suite() {
  local engine="$1" wasm status=0
  shift
  for wasm in "$@"; do
    case "$engine" in
      chromium)
        env -u GECKODRIVER -u SAFARIDRIVER -u WASM_BINDGEN_TEST_WEBDRIVER_JSON \
          CHROMEDRIVER=/usr/bin/chromedriver wasm-bindgen-test-runner "$wasm" || status=1 ;;
      firefox)
        env -u CHROMEDRIVER -u SAFARIDRIVER GECKODRIVER="$GECKODRIVER_BIN" \
          WASM_BINDGEN_TEST_WEBDRIVER_JSON="$ENGINES_DIR/firefox.json" \
          wasm-bindgen-test-runner "$wasm" || status=1 ;;
      webkit)
        env -u CHROMEDRIVER -u GECKODRIVER -u WASM_BINDGEN_TEST_WEBDRIVER_JSON \
          SAFARIDRIVER="$ENGINES_DIR/webkit-driver" wasm-bindgen-test-runner "$wasm" || status=1 ;;
      *) echo "no engine $engine" >&2; return 1 ;;
    esac
  done
  return "$status"
}
