#!/usr/bin/env bash
#! minify_wasm WASM GLUE: renames the imports, exports and import modules of a
#! release wasm to a few letters each (wasm-opt
#! --minify-imports-and-exports-and-modules) and rewrites its wasm-bindgen
#! glue to match (scripts/lib/minify_glue.mjs, Node.js). Fails, leaving both
#! files as they were, when the glue does not have the shape the rewrite knows.

minify_wasm() {
  local wasm="$1" glue="$2" map
  map="$(mktemp)"
  cp "$glue" "$map.js"
  if wasm-opt --minify-imports-and-exports-and-modules --output="$wasm.min" "$wasm" >"$map" &&
    node "$(dirname "${BASH_SOURCE[0]}")/minify_glue.mjs" "$map.js" "$map"; then
    mv "$wasm.min" "$wasm"
    mv "$map.js" "$glue"
    rm -f "$map"
  else
    rm -f "$wasm.min" "$map" "$map.js"
    echo "minify_wasm: $wasm left as it was" >&2
    return 1
  fi
}
