#!/usr/bin/env bash
#! What a page loads from the release site, against its budget: the
#! `<task-monitor>` element (dist/element/) and the demo (dist/), each the sum
#! of its JavaScript and wasm files gzipped at -9, file by file (brotli -q 11
#! beside it, as the server sends them to browsers that accept it). Fails when
#! a total is over its ceiling. Run after `trunk build --release` (the test
#! command runs it after the end-to-end test has built the site).
#!
#! Two figures per part:
#! - the target: what the part should weigh (the element 50 KiB, the demo
#!   120 000 B), printed with how far off it is;
#! - the ceiling: what it weighs now plus a little room. A change that goes
#!   over it fails; a change that saves bytes lowers it in the same commit.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

ELEMENT_TARGET=51200
ELEMENT_CEILING=104000
DEMO_TARGET=120000
DEMO_CEILING=181000

# part_total TITLE TARGET CEILING FILE...: the table of one part; returns 1 over the ceiling.
part_total() {
  local title="$1" target="$2" ceiling="$3" total=0 total_br=0 file gz br
  shift 3
  echo "$title"
  printf '  %-72s %9s %9s\n' "file" "gzip -9" "brotli"
  for file in "$@"; do
    gz=$(gzip -9 -n -c "$file" | wc -c)
    if command -v brotli >/dev/null 2>&1; then br=$(brotli -q 11 -c "$file" | wc -c); else br=-; fi
    total=$((total + gz))
    [[ "$br" != - ]] && total_br=$((total_br + br))
    printf '  %-72s %9s %9s\n' "${file#dist/}" "$gz" "$br"
  done
  printf '  %-72s %9s %9s\n' "total" "$total" "$total_br"
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

[[ -d dist/element ]] || { echo "size-budget: no dist/element: run trunk build --release first" >&2; exit 2; }
FAILED=0
# shellcheck disable=SC2046
part_total "The <task-monitor> element (dist/element/)" "$ELEMENT_TARGET" "$ELEMENT_CEILING" \
  $(find dist/element \( -name '*_bg.wasm' -o -name '*.js' \) -print | sort) || FAILED=1
# shellcheck disable=SC2046
part_total "The demo (dist/)" "$DEMO_TARGET" "$DEMO_CEILING" \
  $(find dist -path dist/element -prune -o \( -name '*_bg.wasm' -o -name '*.js' \) -print | sort) || FAILED=1
exit "$FAILED"
