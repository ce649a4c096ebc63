#!/usr/bin/env bash
#! What a page loads, against its budget, each the sum of its JavaScript and
#! wasm files gzipped at -9, file by file (brotli -q 11 beside it, as the
#! server sends them to browsers that accept it):
#! - the `<task-monitor>` element (dist/element/) and the demo (dist/), from
#!   the release site: run after `trunk build --release` (the test command
#!   runs it after the end-to-end test has built the site);
#! - what the crate adds to an app: `size-probe/`, the smallest Leptos CSR app,
#!   built with a `<TaskMonitor>` and without (release, wasm-bindgen, wasm-opt
#!   -Oz, as trunk builds a user's app), the difference of the two totals.
#! Fails when a total is over its ceiling.
#!
#! Two figures per part:
#! - the target: what the part should weigh (the element 50 KiB, the demo
#!   120 000 B), printed with how far off it is;
#! - the ceiling: what it weighs now plus a little room. A change that goes
#!   over it fails; a change that saves bytes lowers it in the same commit.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/lib/cargo_target.sh
source scripts/lib/cargo_target.sh

ELEMENT_TARGET=51200
ELEMENT_CEILING=96500
DEMO_TARGET=120000
DEMO_CEILING=183900
CRATE_TARGET=61440
CRATE_CEILING=110500

# files_total FILE...: one line per file (gzip -9, brotli), then TOTAL set to the gzip sum.
files_total() {
  local file gz br shown total_br=0
  TOTAL=0
  printf '  %-64s %9s %9s\n' "file" "gzip -9" "brotli"
  for file in "$@"; do
    gz=$(gzip -9 -n -c "$file" | wc -c)
    if command -v brotli >/dev/null 2>&1; then br=$(brotli -q 11 -c "$file" | wc -c); else br=-; fi
    TOTAL=$((TOTAL + gz))
    [[ "$br" != - ]] && total_br=$((total_br + br))
    # Paths without the snippets' crate hashes, which change with the build.
    shown="${file#dist/}"
    shown="${shown#"${PROBE:-/nowhere}"/}"
    printf '  %-64s %9s %9s\n' "$(echo "$shown" | sed -E 's|(snippets/[a-z0-9-]+)-[0-9a-f]{16}/|\1/|')" "$gz" "$br"
  done
  printf '  %-64s %9s %9s\n' "total" "$TOTAL" "$total_br"
}

# judge TOTAL TARGET CEILING: says how TOTAL stands; returns 1 over the ceiling.
judge() {
  local total="$1" target="$2" ceiling="$3"
  if ((total <= target)); then
    echo "  target $target B: met ($((target - total)) B to spare)"
  else
    echo "  target $target B: not met, $((total - target)) B over ($((100 * total / target)) % of it)"
  fi
  if ((total > ceiling)); then
    echo "  CEILING $ceiling B: over by $((total - ceiling)) B: find what grew (scripts/bench.sh's breakdown), or lower it elsewhere"
    return 1
  fi
  echo "  ceiling $ceiling B: under by $((ceiling - total)) B"
}

# probe_total DIR [CARGO FLAG...]: builds size-probe into DIR as trunk would; TOTAL is its gzip sum.
probe_total() {
  local dir="$1" target_dir
  shift
  target_dir="$(cargo_target_dir)"
  cargo build -q --release --target wasm32-unknown-unknown -p sse-task-size-probe "$@"
  wasm-bindgen --target web --no-typescript --out-dir "$dir" \
    "$target_dir/wasm32-unknown-unknown/release/sse-task-size-probe.wasm"
  wasm-opt -Oz --output="$dir/app.wasm" "$dir/sse-task-size-probe_bg.wasm"
  mv "$dir/app.wasm" "$dir/sse-task-size-probe_bg.wasm"
  # shellcheck disable=SC2046
  files_total $(find "$dir" \( -name '*_bg.wasm' -o -name '*.js' \) -print | sort)
}

[[ -d dist/element ]] || { echo "size-budget: no dist/element: run trunk build --release first" >&2; exit 2; }
FAILED=0
PROBE=""
echo "The <task-monitor> element (dist/element/; worker/, loaded only by a stream worker, apart)"
# shellcheck disable=SC2046
files_total $(find dist/element -path dist/element/worker -prune -o \( -name '*_bg.wasm' -o -name '*.js' \) -print | sort)
judge "$TOTAL" "$ELEMENT_TARGET" "$ELEMENT_CEILING" || FAILED=1
echo "The demo (dist/)"
# shellcheck disable=SC2046
files_total $(find dist -path dist/element -prune -o \( -name '*_bg.wasm' -o -name '*.js' \) -print | sort)
judge "$TOTAL" "$DEMO_TARGET" "$DEMO_CEILING" || FAILED=1
PROBE="$(mktemp -d)"
trap 'rm -rf "$PROBE"' EXIT
echo "The smallest Leptos app without the crate (size-probe/)"
probe_total "$PROBE/without"
WITHOUT="$TOTAL"
echo "The same app with a <TaskMonitor> (size-probe/ --features monitor)"
probe_total "$PROBE/with" --features monitor
echo "What the crate adds to the app: $((TOTAL - WITHOUT)) B"
judge "$((TOTAL - WITHOUT))" "$CRATE_TARGET" "$CRATE_CEILING" || FAILED=1
exit "$FAILED"
