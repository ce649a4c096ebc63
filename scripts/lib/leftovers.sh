#!/usr/bin/env bash
#! Sourced by the test command: snapshot_processes records the processes of
#! the kinds a test starts (php -S and its workers, Chromium, chromedriver,
#! Firefox, geckodriver, WebKitWebDriver, MiniBrowser and WebKit's
#! processes, Xvfb, the mock server, redis-server, the test runners) that run before the
#! tests; check_no_leftovers fails, naming them, when any other process of
#! those kinds still runs at the end (after up to 10 s for them to exit).

LEFTOVER_KINDS='^(php|chromium|chrome|chrome_crashpad|chromedriver|firefox-esr|geckodriver|forkserver|Web Content|Isolated Web Co|WebKitWebDriver|MiniBrowser|WebKitWebProces|WebKitNetworkPr|Xvfb|sse-mock-server|sse-task-e2e|sse-task-bench|wasm-bindgen-te|redis-server)$'
PROCESSES_BEFORE=""

# "pid command" of every live process of those kinds (zombies aside).
list_test_processes() {
  local stat pid rest comm state
  for stat in /proc/[0-9]*/stat; do
    { read -r pid rest <"$stat"; } 2>/dev/null || continue
    comm="${rest#(}"; comm="${comm%%) *}"
    state="${rest##*) }"; state="${state%% *}"
    if [[ "$state" != "Z" && "$comm" =~ $LEFTOVER_KINDS ]]; then
      echo "$pid $comm"
    fi
  done
  return 0
}

snapshot_processes() {
  PROCESSES_BEFORE="$(list_test_processes)"
}

check_no_leftovers() {
  local left=""
  for _ in $(seq 20); do
    left="$(comm -13 <(sort <<<"$PROCESSES_BEFORE") <(list_test_processes | sort))"
    [[ -z "$left" ]] && return 0
    sleep 0.5
  done
  echo "processes left running by the tests:" >&2
  while read -r pid _; do
    ps -o pid=,pgid=,args= -p "$pid" >&2 || true
  done <<<"$left"
  return 1
}
