#!/usr/bin/env bash
#! minify_js FILE...: each ES module rewritten in place by terser (compressed,
#! names mangled, comments dropped: the documented source stays in the
#! repository). Only files no page pins with an `integrity` hash: trunk's
#! `sign-in` script keeps its bytes.

minify_js() {
  local file
  for file in "$@"; do
    terser "$file" --module --compress --mangle --output "$file.min" && mv "$file.min" "$file" || {
      rm -f "$file.min"
      echo "minify_js: terser failed on $file" >&2
      return 1
    }
  done
}
