#!/usr/bin/env bash
# Builds the testbed library (testbed/: the crate embedded in a library of
# its own, plus the demo and test classes) against the Godot in $GODOT_BIN,
# puts it into godot-project/addons/gdnative_tokio/bin/ in place of the
# addon's library (so that one library, one task pool, serves the addon's
# classes and the testbed's, godot-project/testbed/*.gdns) and runs Godot
# headless there. The release zip (scripts/release.sh) ships the crate's
# own library instead.
# usage: scripts/godot.sh [--embedded] [godot arguments, e.g. res://main.tscn]
# --embedded also puts the testbed library, under its own name, into
# the project's tests/embedded folder, under bin (a second library embedding the crate).
# GDT_PROFILE=release builds the library optimised (benchmarks).
# GODOT_RUN runs another binary of the same Godot version as $GODOT_BIN
# (the bindings are still generated from $GODOT_BIN), e.g. the windowed
# runner or valgrind. Builds use the engine's own cargo home and target dir
# (scripts/engines.sh), so the bindings of other builds stay as they are.
# Godot gets a private temporary HOME and LANG=en_US.UTF-8 (set for the
# Godot process only). The run is killed after $GODOT_TIMEOUT seconds (120).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
: "${GODOT_BIN:=$(command -v godot3-server || true)}"
if [ -z "$GODOT_BIN" ] || [ ! -x "$GODOT_BIN" ]; then
    echo "godot.sh: headless Godot 3 not found. Install it with 'sudo apt-get install godot3-server' or set GODOT_BIN." >&2
    exit 127
fi
export GODOT_BIN
. "$root/scripts/engines.sh"
engine_env
cd "$root"
target=$CARGO_TARGET_DIR
profile=${GDT_PROFILE:-debug}
release=()
[ "$profile" = release ] && release=(--release)

# Copies library $1 to folder $2 as file $3: copy then rename, so a Godot
# process started in parallel never loads a half-written library.
install_lib() {
    mkdir -p "$2"
    local tmp
    tmp=$(mktemp "$2/.lib.XXXXXX")
    cp "$1" "$tmp"
    mv -f "$tmp" "$2/$3"
}

embedded=false
if [ "${1:-}" = "--embedded" ]; then
    shift
    embedded=true
fi
locked_cargo build --quiet "${release[@]}" -p gdnative-tokio-testbed --features custom-godot --lib
lib=$target/$profile/libgdnative_tokio_testbed.so
install_lib "$lib" godot-project/addons/gdnative_tokio/bin libgdnative_tokio.so
if $embedded; then
    install_lib "$lib" godot-project/tests/embedded/bin libgdnative_tokio_testbed.so
fi
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
mkdir -p "$home/.config" "$home/.local/share" "$home/.cache"
set +e
env HOME="$home" LANG=en_US.UTF-8 timeout --kill-after=5 "${GODOT_TIMEOUT:-120}" "${GODOT_RUN:-$GODOT_BIN}" --path godot-project "$@"
code=$?
set -e
exit $code
