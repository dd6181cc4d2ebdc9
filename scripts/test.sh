#!/usr/bin/env bash
# Runs every check: formatting, clippy, and all Rust tests (pure Rust ones,
# the headless Godot runs of godot-project's GDScript tests, the release
# zip in a fresh project and the editor plugin in the real editor), plus
# what crates.io and docs.rs users build: default features (gdnative's
# Godot 3.5.1 bindings), the docs, and the package.
set -euo pipefail
here=$(dirname "$0")
. "$here/setup.sh"
cd "$here/.."
cargo fmt --check
cargo clippy --quiet --features custom-godot --all-targets -- -D warnings
cargo check --quiet
cargo clippy --quiet --all-targets -- -D warnings
RUSTDOCFLAGS="-D warnings" cargo doc --quiet --no-deps
# A fresh clone (CI) is clean and packaged as is; a working copy with
# uncommitted changes (a developer running this before committing) is
# packaged with --allow-dirty, since cargo refuses otherwise.
dirty=()
[ -n "$(git status --porcelain 2>/dev/null)" ] && dirty=(--allow-dirty)
# Not --quiet: it would hide cargo's warnings, which fail the check.
package_log=$(cargo package "${dirty[@]}" 2>&1) || { echo "$package_log" >&2; exit 1; }
if grep -q '^warning' <<<"$package_log"; then
    echo "$package_log" >&2
    echo "test.sh: cargo package printed warnings" >&2
    exit 1
fi
# Doctests with default features, like docs.rs and crates.io users: under
# `custom-godot`, rustdoc links doctests against gdnative crates from the
# default-feature build above when both are in target/ (E0271: "resolves to
# `Variant`, but it resolves to `Variant`"). Every other test target runs
# against the installed engine's bindings.
cargo test --quiet --doc
cargo test --features custom-godot --lib --tests --examples
