#!/usr/bin/env bash
#! cargo_target_dir: the workspace's target folder as cargo resolves it
#! (CARGO_TARGET_DIR or ./target), where the scripts find the wasm it built.

cargo_target_dir() {
  cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p'
}
