#!/usr/bin/env bash
#! Builds the <task-monitor> element into the site: compiles the
#! `task-monitor-element` crate to wasm twice (the page's build, and the
#! stream worker's into worker/, with the worker's side the page's leaves
#! out), runs wasm-bindgen (web target) and, for release, wasm-opt -Oz, then
#! adds the element's script, its example
#! pages and its npm package's manifest, README and licenses (so that
#! `npm pack dist/element` makes the package). Trunk runs it as a post_build hook (Trunk.toml), so
#! `trunk build --release` builds the element too, into dist/element/.
#! Outside trunk: `scripts/build-element.sh [OUT_DIR]` (default dist/element,
#! release). Uses the wasm-bindgen and wasm-opt on PATH; downloads nothing.
#! A release build minifies the wasm's import and export names with its glue
#! (scripts/lib/minify_wasm.sh) and the JavaScript (scripts/lib/minify_js.sh),
#! then writes each file's .gz and .br beside it (scripts/lib/precompress.sh);
#! under trunk, the demo's wasm, glue and snippets and the whole site's files too.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

OUT="${1:-${TRUNK_STAGING_DIR:-dist}/element}"
PROFILE="${TRUNK_PROFILE:-release}"
# shellcheck source=scripts/lib/cargo_target.sh
source scripts/lib/cargo_target.sh
TARGET_DIR="$(cargo_target_dir)"

# shellcheck source=scripts/lib/minify_wasm.sh
source scripts/lib/minify_wasm.sh
# build_variant DIR [CARGO FLAG...]: the element's wasm and glue in DIR (release: -Oz, minified).
build_variant() {
  local dir="$1"
  shift
  if [[ "$PROFILE" == "release" ]]; then
    cargo build -q --release --target wasm32-unknown-unknown -p task-monitor-element "$@"
  else
    cargo build -q --target wasm32-unknown-unknown -p task-monitor-element "$@"
  fi
  mkdir -p "$dir"
  wasm-bindgen --target web --no-typescript --out-dir "$dir" \
    "$TARGET_DIR/wasm32-unknown-unknown/$PROFILE/task_monitor_element.wasm"
  if [[ "$PROFILE" == "release" ]]; then
    wasm-opt -Oz --output="$dir/task_monitor_element_bg.opt.wasm" "$dir/task_monitor_element_bg.wasm"
    mv "$dir/task_monitor_element_bg.opt.wasm" "$dir/task_monitor_element_bg.wasm"
    minify_wasm "$dir/task_monitor_element_bg.wasm" "$dir/task_monitor_element.js"
  fi
}

rm -rf "$OUT"
# The page's build, then the one its stream worker imports (only a page
# whose element reads in a worker loads it).
build_variant "$OUT"
build_variant "$OUT/worker" --features stream-worker
if [[ "$PROFILE" == "release" ]]; then
  if [[ -n "${TRUNK_STAGING_DIR:-}" ]]; then
    # The demo's wasm, which trunk has built and optimised by now.
    for app_wasm in "$TRUNK_STAGING_DIR"/*_bg.wasm; do
      [[ -e "$app_wasm" ]] && minify_wasm "$app_wasm" "${app_wasm%_bg.wasm}.js"
    done
  fi
fi
cp element/pages/*.html "$OUT/"
# The built-in translations, which the script fetches for a page in their language.
mkdir -p "$OUT/i18n"
cp i18n/*.json "$OUT/i18n/"
# The glue's imports, for the element's script to ask for at once.
SNIPPETS="$(cd "$OUT" && find snippets -name '*.js' -printf '"./%p",' 2>/dev/null | sort)"
sed "s|^const SNIPPETS = \[\];|const SNIPPETS = [${SNIPPETS%,}];|" element/js/task-monitor.js >"$OUT/task-monitor.js"
grep -q "^const SNIPPETS = \[${SNIPPETS:0:1}" "$OUT/task-monitor.js" || { echo "build-element: the snippets list was not written" >&2; exit 1; }
cp -L element/npm/package.json element/npm/README.md element/npm/LICENSE-MIT element/npm/LICENSE-APACHE "$OUT/"
if [[ "$PROFILE" == "release" ]]; then
  # shellcheck source=scripts/lib/minify_js.sh
  source scripts/lib/minify_js.sh
  # shellcheck disable=SC2046
  minify_js $(find "$OUT" -name '*.js' -print)
  if [[ -n "${TRUNK_STAGING_DIR:-}" ]]; then
    # shellcheck disable=SC2046
    minify_js $(find "$TRUNK_STAGING_DIR" -path "$OUT" -prune -o \( -name '*.js' -path '*/snippets/*' \) -print) \
      $(for app_wasm in "$TRUNK_STAGING_DIR"/*_bg.wasm; do [[ -e "$app_wasm" ]] && echo "${app_wasm%_bg.wasm}.js"; done)
  fi
  # shellcheck source=scripts/lib/precompress.sh
  source scripts/lib/precompress.sh
  precompress "${TRUNK_STAGING_DIR:-$OUT}"
fi
echo "task-monitor element ($PROFILE) in $OUT"
