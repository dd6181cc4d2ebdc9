#!/usr/bin/env bash
# Builds the library against the Godot in $GODOT_BIN, puts it into
# godot-project/addons/gdnative_tokio/bin/ and runs Godot headless there.
# usage: scripts/godot.sh [godot arguments, e.g. res://main.tscn]
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
cd "$root"
cargo build --quiet --features custom-godot --lib
target=${CARGO_TARGET_DIR:-$root/target}
bin=godot-project/addons/gdnative_tokio/bin
mkdir -p "$bin"
# Copy then rename, so a Godot process started in parallel never loads a
# half-written library.
tmp=$(mktemp "$bin/.lib.XXXXXX")
cp "$target/debug/libgdnative_tokio.so" "$tmp"
mv -f "$tmp" "$bin/libgdnative_tokio.so"
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
mkdir -p "$home/.config" "$home/.local/share" "$home/.cache"
set +e
env HOME="$home" LANG=en_US.UTF-8 timeout --kill-after=5 "${GODOT_TIMEOUT:-120}" "$GODOT_BIN" --path godot-project "$@"
code=$?
set -e
exit $code
