#!/usr/bin/env bash
#! Installs every tool the build and the tests need, idempotently.
#!
#! Each step checks for the pinned version first and is skipped when it is
#! already there, so a warm run costs a few seconds. Nothing here downloads
#! prebuilt binaries outside the package registries (apt, crates.io, npm).
#!
#! Tools:
#!   apt:      chromium, chromium-driver (headless browser tests), pkg-config,
#!             php-cli (the end-to-end test serves a plain page with `php -S`)
#!   rustup:   the wasm32-unknown-unknown target
#!   cargo:    trunk (pinned), wasm-bindgen-cli (the exact version in Cargo.lock)
#!   npm:      binaryen (wasm-opt), into $TOOLS_DIR, outside the repository
#!
#! Prints the PATH additions to stdout as `export PATH=...` when called with
#! --print-env, so that callers can `eval "$(scripts/install-tools.sh --print-env)"`.
#! With --bench it also installs what only the benchmark needs (apt: python3).
set -euo pipefail

TRUNK_VERSION="0.21.14"
BINARYEN_VERSION="132"
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS_DIR="${SSE_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/sse-task-progress-tools}"
BINARYEN_BIN="$TOOLS_DIR/binaryen/node_modules/.bin"
CARGO_BIN="${CARGO_HOME:-$HOME/.cargo}/bin"

log() { echo "[install] $*" >&2; }

print_env() {
  echo "export PATH=\"$BINARYEN_BIN:$CARGO_BIN:\$PATH\""
}

if [[ "${1:-}" == "--print-env" ]]; then
  print_env
  exit 0
fi

export PATH="$BINARYEN_BIN:$CARGO_BIN:$PATH"
WITH_BENCH="$([[ "${1:-}" == "--bench" ]] && echo 1 || true)"

wasm_bindgen_version() {
  # The CLI must match the library in Cargo.lock exactly.
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' \
    "$REPO_ROOT/Cargo.lock"
}

install_apt_packages() {
  local missing=()
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
  command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
  command -v gzip >/dev/null 2>&1 || missing+=(gzip)
  command -v curl >/dev/null 2>&1 || missing+=(curl)
  command -v php >/dev/null 2>&1 || missing+=(php-cli)
  if [[ -n "$WITH_BENCH" ]]; then
    command -v python3 >/dev/null 2>&1 || missing+=(python3)
  fi
  if ((${#missing[@]} == 0)); then
    log "apt packages present"
    return
  fi
  if [[ "$(id -u)" != "0" ]]; then
    log "missing apt packages: ${missing[*]}"
    log "run as root: apt-get update && apt-get install -y ${missing[*]}"
    exit 1
  fi
  log "apt-get install ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

install_wasm_target() {
  if rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    log "wasm32 target present"
  else
    log "rustup target add wasm32-unknown-unknown"
    rustup target add wasm32-unknown-unknown
  fi
}

install_trunk() {
  if command -v trunk >/dev/null 2>&1 && trunk --version | grep -q " $TRUNK_VERSION\$"; then
    log "trunk $TRUNK_VERSION present"
  else
    log "cargo install trunk $TRUNK_VERSION (several minutes)"
    cargo install trunk --version "$TRUNK_VERSION" --locked --quiet
  fi
}

install_wasm_bindgen() {
  local want
  want="$(wasm_bindgen_version)"
  if [[ -z "$want" ]]; then
    log "no wasm-bindgen in Cargo.lock; run cargo generate-lockfile first"
    exit 1
  fi
  if command -v wasm-bindgen >/dev/null 2>&1 && wasm-bindgen --version | grep -q " $want\$" \
     && command -v wasm-bindgen-test-runner >/dev/null 2>&1; then
    log "wasm-bindgen-cli $want present"
  else
    # No --locked: one of its locked dependencies is missing from the registry mirror.
    log "cargo install wasm-bindgen-cli $want (a few minutes)"
    cargo install wasm-bindgen-cli --version "$want" --force --quiet
  fi
}

install_binaryen() {
  if [[ -x "$BINARYEN_BIN/wasm-opt" ]] && "$BINARYEN_BIN/wasm-opt" --version | grep -q "version $BINARYEN_VERSION"; then
    log "binaryen $BINARYEN_VERSION present"
  else
    log "npm install binaryen@$BINARYEN_VERSION into $TOOLS_DIR/binaryen"
    mkdir -p "$TOOLS_DIR/binaryen"
    (cd "$TOOLS_DIR/binaryen" && npm install --silent --no-audit --no-fund "binaryen@$BINARYEN_VERSION" >/dev/null)
  fi
}

install_apt_packages
install_wasm_target
install_binaryen
install_wasm_bindgen
install_trunk
log "all tools present"
