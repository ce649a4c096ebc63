#!/usr/bin/env bash
#! precompress DIR: writes NAME.gz (gzip -9) and NAME.br (brotli, best) beside
#! every .wasm, .js, .css, .html and .json file under DIR, which the mock
#! server's static files send to a browser that accepts them. A file that
#! compresses to no less than it is keeps no copy. Without the `brotli` tool
#! (scripts/install-tools.sh installs it) only .gz is written, with a warning.

precompress() {
  local dir="$1" file have_brotli=1
  command -v brotli >/dev/null 2>&1 || {
    have_brotli=
    echo "precompress: brotli is not installed; writing .gz only" >&2
  }
  while IFS= read -r -d '' file; do
    gzip -9 -n -c "$file" >"$file.gz"
    if (($(stat -c %s "$file.gz") >= $(stat -c %s "$file"))); then rm -f "$file.gz"; fi
    if [[ -n "$have_brotli" ]]; then
      brotli -q 11 -f -o "$file.br" "$file"
      if (($(stat -c %s "$file.br") >= $(stat -c %s "$file"))); then rm -f "$file.br"; fi
    fi
  done < <(find "$dir" -type f \( -name '*.wasm' -o -name '*.js' -o -name '*.css' -o -name '*.html' -o -name '*.json' \) -print0)
}
