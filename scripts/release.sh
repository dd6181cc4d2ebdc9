#!/usr/bin/env bash
# Builds the library in release mode and writes the Godot addon as
# dist/gdnative-tokio-addon-<version>-godot<line>.zip, in the Asset
# Library's layout (addons/gdnative_tokio/... at the zip's root, library in
# bin/). One zip per Godot line, each loading without a version warning on
# its own line:
#   bash scripts/release.sh           the line of $GODOT_BIN (Debian 12: 3.2),
#                                     bindings generated from that engine
#   GDT_BINDINGS=default bash scripts/release.sh
#                                     godot3.5: gdnative's stock 3.5.1 bindings
#   bash scripts/release.sh all       godot3.2, godot3.5 and godot3.6 (fetches
#                                     Godot 3.6 as the tests do)
# Each zip holds the Linux library and the Windows one (x86_64, built here
# with mingw-w64 by scripts/windows.sh, with the same bindings); a macOS
# library built on macOS and put into godot-project/addons/gdnative_tokio/bin/
# is included too.
# Prints the path of each zip written, one per line, last.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/scripts/setup.sh"
. "$root/scripts/engines.sh"
cd "$root"

if [ "${1:-}" = all ]; then
    godot36=$(install_godot36)
    bash "$0"
    GDT_BINDINGS=default bash "$0"
    GODOT_BIN=$godot36 bash "$0"
    exit
fi

if [ "${GDT_BINDINGS:-custom}" = default ]; then
    stock_env
    features=()
    line=3.5
else
    engine_env
    features=(--features custom-godot)
    line=$(engine_line "$GODOT_BIN")
fi
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)
locked_cargo build --quiet --release "${features[@]}" --lib >&2
dll=$(bash scripts/windows.sh dll "${features[@]}")

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
addon=godot-project/addons/gdnative_tokio
mkdir -p "$stage/addons/gdnative_tokio/bin"
# The addon's own files: everything but build outputs and editor caches.
find "$addon" -maxdepth 1 -type f ! -name '*.import' ! -name '.*' \
    -exec cp {} "$stage/addons/gdnative_tokio/" \;
cp "$CARGO_TARGET_DIR/release/libgdnative_tokio.so" "$dll" "$stage/addons/gdnative_tokio/bin/"
# A library built on macOS (README), when put into bin/.
if [ -f "$addon/bin/libgdnative_tokio.dylib" ]; then
    cp "$addon/bin/libgdnative_tokio.dylib" "$stage/addons/gdnative_tokio/bin/"
fi

mkdir -p dist
zip_path="$root/dist/gdnative-tokio-addon-$version-godot$line.zip"
rm -f "$zip_path"
(cd "$stage" && zip -q -r -X "$zip_path" addons)
echo "release: wrote $zip_path (Godot $line)" >&2
unzip -l "$zip_path" >&2
echo "$zip_path"
