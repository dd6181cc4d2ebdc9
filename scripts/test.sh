#!/usr/bin/env bash
# Runs every check: formatting; what crates.io and docs.rs users build
# (default features, i.e. gdnative's stock Godot 3.5.1 bindings, in a cargo
# home that no `custom-godot` build touched: clippy, docs, doctests, the
# package; the guide, docs/guide); then, once per engine, clippy and the
# tests against bindings generated from that engine: Godot 3.2.3 ($GODOT_BIN, Debian 12) runs every
# Rust test (pure Rust ones, the headless Godot runs of godot-project's
# GDScript tests and scenes, the release zip in a fresh project, the editor
# plugin in the real editor, valgrind), Godot 3.6 (Debian 13's, fetched by
# scripts/engines.sh) runs every headless Godot test, valgrind and its zip,
# plus the stock-bindings (Godot 3.5) zip. Each zip's Windows library is
# checked (imports, exports, loaded under Wine: tests/addon.rs), and the
# pure-Rust tests run once more built for Windows, under Wine
# (scripts/windows.sh). Fails if any part fails on any engine.
# GDT_ENGINES="3.2" or "3.6" runs one engine's part only.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/setup.sh"
. "$here/engines.sh"
cd "$here/.."
engines=${GDT_ENGINES:-3.2 3.6}
log=$(mktemp)
trap 'rm -f "$log"' EXIT

cargo fmt --check
# GDScript: gdlint and gdformat --check (gdtoolkit 3.x) on every .gd file.
bash scripts/gdscript.sh

# Default features: gdnative's stock bindings, as crates.io and docs.rs
# users build them.
(
    stock_env
    cargo check --quiet
    stock_check
    cargo clippy --quiet --all-targets -- -D warnings
    cargo clippy --quiet -p gdnative-tokio-testbed --all-targets -- -D warnings
    cargo clippy --quiet -p gdnative-tokio-servers --all-targets -- -D warnings
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
    cargo test --quiet --doc 2>&1 | tee -a "$log"
    # The guide (docs/guide): mdBook must build it without a warning; its
    # links and doctests are checked by cargo test (tests/guide.rs, the
    # doctests above).
    bash "$here/guide.sh"
)

# The pump's and the ecosystem's tests against the oldest Tokio that
# Cargo.toml declares and the newest 1.x the registry serves (every other
# run uses the one Cargo.lock pins), each in a scratch copy of the crate
# with default features.
tokio_versions() {
    local min which
    min=$(sed -n 's/^tokio = { version = "\([0-9.]*\)".*/\1/p' Cargo.toml)
    [[ $min == *.*.* ]] || min=$min.0
    for which in minimum newest; do
        (
            stock_env
            scratch=$(mktemp -d)
            trap 'rm -rf "$scratch"' EXIT
            cp -r Cargo.toml Cargo.lock README.md src tests benches testbed servers "$scratch/"
            cd "$scratch"
            if [ "$which" = minimum ]; then
                # A dependency whose locked release needs a newer Tokio goes
                # back to one that takes the minimum (reqwest's tokio-util:
                # 0.7.20 needs Tokio 1.51, 0.7.12 takes 1.41).
                cargo update --quiet -p tokio-util --precise 0.7.12
                cargo update --quiet -p tokio --precise "$min"
            else
                cargo update --quiet -p tokio
            fi
            echo "test.sh: Tokio $(cargo pkgid -p tokio | sed 's/.*[@#]//') ($which)"
            # The stock target dir: what does not depend on Tokio (gdnative's
            # bindings above all) is built once for all three.
            cargo test --test pump --test pump_model --test ecosystem 2>&1 | tee -a "$log"
        )
    done
}
tokio_versions

# The pure-Rust tests built for Windows and run under Wine (default
# features, the stock cargo home; scripts/windows.sh).
(
    stock_env
    started=$SECONDS
    bash scripts/windows.sh test 2>&1 | tee -a "$log"
    echo "test.sh: the Windows tests under Wine took $((SECONDS - started)) s"
)

# One engine's part: clippy and tests against bindings from $GODOT_BIN.
# The arguments are cargo test's for the crate (the engine tests need the
# `godot-tests` feature); with GDT_TESTBED_TESTS=1 the testbed's Rust tests
# (soak, load) run too.
engine_part() {
    local started=$SECONDS
    engine_env
    echo "test.sh: Godot $("$GODOT_BIN" --version) ($GODOT_BIN)"
    cargo clippy --quiet --features custom-godot,godot-tests --all-targets -- -D warnings
    cargo clippy --quiet -p gdnative-tokio-testbed --features custom-godot --all-targets -- -D warnings
    # Every test binary runs, a failing one or not: one run shows every failure.
    cargo test --no-fail-fast --features custom-godot,godot-tests "$@" 2>&1 | tee -a "$log"
    if [ "${GDT_TESTBED_TESTS:-0}" = 1 ]; then
        cargo test -p gdnative-tokio-testbed --features custom-godot 2>&1 | tee -a "$log"
    fi
    echo "test.sh: Godot $(engine_line "$GODOT_BIN") part took $((SECONDS - started)) s"
}

for engine in $engines; do
    case $engine in
    3.2)
        # Everything, the editor (Debian's godot3) and valgrind included.
        (GDT_TESTBED_TESTS=1 engine_part --lib --tests -- --skip stock_bindings_zip)
        ;;
    3.6)
        # The headless Godot tests and valgrind (Debian 13's, fetched by
        # engines.sh); the editor test needs a 3.6 editor (README: Godot
        # versions).
        (GODOT_BIN=$(install_godot36) engine_part --test godot --test addon --test template --test snippets \
            --test memcheck -- --skip editor_plugin)
        ;;
    *)
        echo "test.sh: unknown engine $engine (GDT_ENGINES takes 3.2 and 3.6)" >&2
        exit 2
        ;;
    esac
done

# One closing line over every cargo test run above.
awk '/^test result:/ { p += $4; f += $6 } END { printf "Total: %d passed, %d failed\n", p, f }' "$log"
