#!/usr/bin/env bash
# Runs every check: formatting, clippy, and all Rust tests (pure Rust ones
# and the headless Godot runs of godot-project's GDScript tests).
set -euo pipefail
here=$(dirname "$0")
. "$here/setup.sh"
cd "$here/.."
cargo fmt --check
cargo clippy --quiet --features custom-godot --all-targets -- -D warnings
cargo test --features custom-godot
