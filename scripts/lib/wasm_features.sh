#!/usr/bin/env bash
#! Sourced by the end-to-end script: check_wasm_features fails, naming the
#! file and what binaryen's validator said, when a built wasm file uses a
#! WebAssembly feature beyond those the supported browsers have (the
#! README's list: Chrome and Edge 96, Firefox 90, Safari 15).
#!
#! The file's own target-features section would switch every feature it
#! names back on, so it is stripped first; the copy is then validated with
#! only the allowed features.

# What Chrome 96, Firefox 79 and Safari 15 all run (bulk-memory-opt is
# memory.copy and memory.fill, part of bulk memory).
ALLOWED_WASM_FEATURES=(--mvp-features --enable-mutable-globals --enable-sign-ext
  --enable-nontrapping-float-to-int --enable-multivalue --enable-reference-types
  --enable-bulk-memory --enable-bulk-memory-opt)

check_wasm_features() {
  local wasm stripped said status=0
  stripped="$(mktemp -t wasm-features.XXXXXX.wasm)"
  for wasm in "$@"; do
    wasm-opt "$wasm" --strip-target-features -o "$stripped" -q
    if ! said="$(wasm-opt "${ALLOWED_WASM_FEATURES[@]}" "$stripped" -o /dev/null -q 2>&1)"; then
      echo "$wasm uses a WebAssembly feature the supported browsers lack:" >&2
      echo "$said" | head -5 >&2
      status=1
    fi
  done
  rm -f "$stripped"
  return "$status"
}
