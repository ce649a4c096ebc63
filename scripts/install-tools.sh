#!/usr/bin/env bash
#! Installs every tool the build and the tests need, idempotently.
#!
#! Each step checks for the pinned version first and is skipped when it is
#! already there, so a warm run costs a few seconds. Nothing here downloads
#! prebuilt binaries outside the package registries (apt, crates.io, npm).
#!
#! Tools:
#!   apt:      chromium, chromium-driver (headless browser tests), pkg-config,
#!             php-cli (the end-to-end test serves a plain page with `php -S`),
#!             redis-server (the tests of the Redis mode start their own),
#!             firefox-esr, webkit2gtk-driver (WebKitWebDriver and MiniBrowser),
#!             xvfb and xauth (MiniBrowser has no headless mode)
#!   rustup:   the wasm32-unknown-unknown target
#!   cargo:    trunk (pinned), wasm-bindgen-cli (the exact version in Cargo.lock),
#!             geckodriver (pinned, Mozilla publishes it on crates.io), into
#!             $TOOLS_DIR/geckodriver
#!   npm:      binaryen (wasm-opt), terser (minifies the JavaScript the release
#!             site loads) and axe-core (the end-to-end test's accessibility
#!             check), into $TOOLS_DIR, outside the repository
#!
#! Prints the PATH additions to stdout as `export PATH=...` when called with
#! --print-env, so that callers can `eval "$(scripts/install-tools.sh --print-env)"`.
#! With --bench it also installs what only the benchmark needs (apt: python3;
#! npm: the JavaScript peers it measures against and esbuild, which bundles
#! them, into $TOOLS_DIR/peers: never shipped; cargo: twiggy, which tells where
#! a wasm's bytes go, into $TOOLS_DIR/twiggy).
set -euo pipefail

TRUNK_VERSION="0.21.14"
GECKODRIVER_VERSION="0.37.1"
BINARYEN_VERSION="132"
AXE_VERSION="4.14.1"
TERSER_VERSION="5.51.4"
TWIGGY_VERSION="0.8.0"
# The benchmark's peers (bench/peers/), bundled by esbuild.
PEERS="@microsoft/fetch-event-source@2.0.1 eventsource@5.1.5 eventsource-parser@4.1.3 esbuild@0.28.2"
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS_DIR="${SSE_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/sse-task-progress-tools}"
BINARYEN_BIN="$TOOLS_DIR/binaryen/node_modules/.bin"
TERSER_BIN="$TOOLS_DIR/terser/node_modules/.bin"
TWIGGY_BIN="$TOOLS_DIR/twiggy/bin"
CARGO_BIN="${CARGO_HOME:-$HOME/.cargo}/bin"

log() { echo "[install] $*" >&2; }

AXE_JS="$TOOLS_DIR/axe-core/node_modules/axe-core/axe.min.js"

GECKODRIVER_BIN="$TOOLS_DIR/geckodriver/bin/geckodriver"

print_env() {
  echo "export PATH=\"$BINARYEN_BIN:$TERSER_BIN:$TWIGGY_BIN:$CARGO_BIN:\$PATH\""
  echo "export GECKODRIVER_BIN=\"$GECKODRIVER_BIN\""
  echo "export SSE_AXE_JS=\"$AXE_JS\""
  echo "export SSE_PEERS_MODULES=\"$TOOLS_DIR/peers/node_modules\""
}

if [[ "${1:-}" == "--print-env" ]]; then
  print_env
  exit 0
fi

export PATH="$BINARYEN_BIN:$TERSER_BIN:$TWIGGY_BIN:$CARGO_BIN:$PATH"
WITH_BENCH="$([[ "${1:-}" == "--bench" ]] && echo 1 || true)"

wasm_bindgen_version() {
  # The CLI must match the library in Cargo.lock exactly.
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' \
    "$REPO_ROOT/Cargo.lock"
}

# The packages of the `command:package` pairs whose command is missing.
missing_packages() {
  local pair missing=()
  for pair in "$@"; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
  done
  echo "${missing[*]}"
}

apt_install() {
  if (($# == 0)); then
    return 0
  fi
  if [[ "$(id -u)" != "0" ]]; then
    log "missing apt packages: $*"
    log "run as root: apt-get update && apt-get install -y $*"
    exit 1
  fi
  log "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# What building the cargo tools needs: installed first.
install_build_packages() {
  local packages
  read -ra packages <<<"$(missing_packages pkg-config:pkg-config)"
  apt_install "${packages[@]}"
}

# What only the tests run: installed while the cargo tools compile.
install_test_packages() {
  local packages
  read -ra packages <<<"$(missing_packages chromium:chromium chromedriver:chromium-driver \
    firefox-esr:firefox-esr WebKitWebDriver:webkit2gtk-driver Xvfb:xvfb xauth:xauth \
    gzip:gzip brotli:brotli curl:curl php:php-cli redis-server:redis-server ${WITH_BENCH:+python3:python3})"
  if ((${#packages[@]} == 0)); then
    log "apt packages present"
    return 0
  fi
  apt_install "${packages[@]}"
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
    # A debug build: trunk only orchestrates (cargo, wasm-bindgen and wasm-opt
    # do the work), and it builds in about 4 minutes instead of 7 on 2 cores
    # (measured: the same `trunk build --release` of this site in 22 s either way).
    log "cargo install trunk $TRUNK_VERSION (debug build, a few minutes)"
    cargo install trunk --version "$TRUNK_VERSION" --locked --quiet --debug
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
    # opt-level 1: builds in 2 min 20 s on 2 cores (about 3 min at the
    # default 3), and binds this project's 86 MB test wasm just as fast.
    log "cargo install wasm-bindgen-cli $want (a few minutes)"
    CARGO_PROFILE_RELEASE_OPT_LEVEL=1 cargo install wasm-bindgen-cli --version "$want" --force --quiet
  fi
}

install_geckodriver() {
  if [[ -x "$GECKODRIVER_BIN" ]] && "$GECKODRIVER_BIN" --version | grep -q "^geckodriver $GECKODRIVER_VERSION"; then
    log "geckodriver $GECKODRIVER_VERSION present"
  else
    # opt-level 1: it only relays WebDriver commands to Firefox.
    log "cargo install geckodriver $GECKODRIVER_VERSION (a few minutes)"
    CARGO_PROFILE_RELEASE_OPT_LEVEL=1 cargo install geckodriver --version "$GECKODRIVER_VERSION" \
      --quiet --root "$TOOLS_DIR/geckodriver"
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

# install_npm_pinned PACKAGE VERSION: PACKAGE@VERSION into $TOOLS_DIR/PACKAGE,
# unless its package.json there already says VERSION.
install_npm_pinned() {
  local name="$1" version="$2"
  if grep -q "\"version\": \"$version\"" "$TOOLS_DIR/$name/node_modules/$name/package.json" 2>/dev/null; then
    log "$name $version present"
  else
    log "npm install $name@$version into $TOOLS_DIR/$name"
    mkdir -p "$TOOLS_DIR/$name"
    (cd "$TOOLS_DIR/$name" && npm install --silent --no-audit --no-fund "$name@$version" >/dev/null)
  fi
}

install_twiggy() {
  if [[ -x "$TWIGGY_BIN/twiggy" ]] && "$TWIGGY_BIN/twiggy" --version | grep -q " $TWIGGY_VERSION\$"; then
    log "twiggy $TWIGGY_VERSION present"
  else
    log "cargo install twiggy $TWIGGY_VERSION into $TOOLS_DIR/twiggy"
    cargo install twiggy --version "$TWIGGY_VERSION" --locked --quiet --root "$TOOLS_DIR/twiggy"
  fi
}

install_peers() {
  local stamp="$TOOLS_DIR/peers/installed"
  if [[ "$(cat "$stamp" 2>/dev/null)" == "$PEERS" ]]; then
    log "benchmark peers present"
  else
    log "npm install $PEERS into $TOOLS_DIR/peers"
    mkdir -p "$TOOLS_DIR/peers"
    # shellcheck disable=SC2086
    (cd "$TOOLS_DIR/peers" && npm install --silent --no-audit --no-fund $PEERS >/dev/null)
    echo "$PEERS" >"$stamp"
  fi
}

install_build_packages
# apt downloads and unpacks while cargo compiles (two apt-gets would fight
# over dpkg's lock: the build packages are done before this starts).
install_test_packages &
APT_PID=$!
install_wasm_target
install_binaryen
install_npm_pinned terser "$TERSER_VERSION"
install_npm_pinned axe-core "$AXE_VERSION"
[[ -z "$WITH_BENCH" ]] || install_peers
[[ -z "$WITH_BENCH" ]] || install_twiggy
install_wasm_bindgen
install_trunk
install_geckodriver
if ! wait "$APT_PID"; then
  log "installing the apt packages failed"
  exit 1
fi
log "all tools present"
