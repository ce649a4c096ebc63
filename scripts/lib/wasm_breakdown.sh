#!/usr/bin/env bash
#! wasm_breakdown: where the element's wasm bytes go, as a markdown table.
#! Builds the element's release wasm again with its function names kept
#! (wasm-bindgen --keep-debug, wasm-opt -Oz --debuginfo: the same code as the
#! shipped file, plus a names section), then sums twiggy's shallow sizes by
#! crate and module (`sse_task_progress::stream::transport`, `serde_json::de`,
#! `core::fmt`, the data segments, ...). The import names are counted as
#! wasm-bindgen writes them, before the release build minifies them. Needs
#! twiggy (install-tools.sh --bench).

# shellcheck source=scripts/lib/cargo_target.sh
source "$(dirname "${BASH_SOURCE[0]}")/cargo_target.sh"

wasm_breakdown() {
  local dir wasm target_dir
  dir="$(mktemp -d)"
  target_dir="$(cargo_target_dir)"
  cargo build -q --release --target wasm32-unknown-unknown -p task-monitor-element
  wasm-bindgen --target web --no-typescript --keep-debug --out-dir "$dir" \
    "$target_dir/wasm32-unknown-unknown/release/task_monitor_element.wasm"
  wasm="$dir/task_monitor_element_bg.wasm"
  wasm-opt -Oz --debuginfo --output="$dir/named.wasm" "$wasm"
  echo "| where (crate::module) | bytes | share of the code and data |"
  echo "| --- | ---: | ---: |"
  twiggy top -n 1000000 -f csv "$dir/named.wasm" | awk -F, '
    NR == 1 || /function names/ || /^"?Σ/ { next }
    {
      name = $1; bytes = $2
      gsub(/\[[0-9a-f]+\]/, "", name); gsub(/^"|"$/, "", name); sub(/^<+/, "", name)
      if (name ~ /^data segment/) key = "data (strings, tables, the stylesheet)"
      else if (name ~ /^(import|export) /) key = "wasm-bindgen imports and exports"
      else if (name ~ /shim/) key = "wasm-bindgen shims"
      else if (match(name, /^[a-z_0-9]+::[a-z_0-9]+/)) {
        key = substr(name, 1, RLENGTH)
        if (key ~ /^(sse_task_progress::stream|sse_task_progress::wire)$/ && match(name, /^[a-z_0-9]+::[a-z_0-9]+::[a-z_0-9]+/)) key = substr(name, 1, RLENGTH)
        if (key == "sse_task_progress::stream::transport" && match(name, /^[a-z_0-9]+::[a-z_0-9]+::[a-z_0-9]+::[a-z_0-9]+/)) key = substr(name, 1, RLENGTH)
      } else key = "other (closures, vtables, generic glue)"
      sum[key] += bytes; total += bytes
    }
    END {
      for (key in sum) printf "%d\t%s\n", sum[key], key | "sort -rn | head -25 > /dev/stderr"
      close("sort -rn | head -25 > /dev/stderr")
      printf "TOTAL\t%d\n", total > "/dev/stderr"
    }' 2>&1 | awk -F'\t' '
      $1 == "TOTAL" { total = $2; next }
      { rows[++n] = $0 }
      END {
        for (i = 1; i <= n; i++) { split(rows[i], f, "\t"); printf "| `%s` | %d | %.1f %% |\n", f[2], f[1], 100 * f[1] / total }
        printf "| all (names section excluded) | %d | 100 %% |\n", total
      }'
  rm -rf "$dir"
}
