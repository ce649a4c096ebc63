#!/usr/bin/env bash
#! Sourced by the scripts: use_scratch_tmpdir points TMPDIR at a fresh folder
#! and remove_scratch_tmpdir (call it from the EXIT trap) deletes it.
#! chromedriver and Chromium write a profile (~60 MB) and shared-memory files
#! under TMPDIR and leave them behind when wasm-bindgen-test-runner stops
#! chromedriver without ending its session; without this every test run
#! would leave them in /tmp until the disk is full.

SCRATCH_TMPDIR=""

use_scratch_tmpdir() {
  SCRATCH_TMPDIR="$(mktemp -d -t sse-scratch.XXXXXX)"
  export TMPDIR="$SCRATCH_TMPDIR"
}

remove_scratch_tmpdir() {
  if [[ -n "$SCRATCH_TMPDIR" ]]; then
    rm -rf "$SCRATCH_TMPDIR"
    SCRATCH_TMPDIR=""
  fi
}
