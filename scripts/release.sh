#!/usr/bin/env bash
# Builds the library in release mode and writes the Godot addon as
# dist/gdnative-tokio-addon-<version>.zip, in the Asset Library's layout
# (addons/gdnative_tokio/... at the zip's root, library in bin/).
# The library is built with the `custom-godot` feature, i.e. with bindings
# generated from $GODOT_BIN (Debian's godot3-server by default), so the
# engine it was built against loads it without a version warning. Set
# GDT_BINDINGS=default for gdnative's stock Godot 3.5.1 bindings instead.
# Windows and macOS libraries built on those systems and put into
# godot-project/addons/gdnative_tokio/bin/ are included too.
# Prints the zip's path on its last line.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/scripts/setup.sh"
cd "$root"
features=(--features custom-godot)
[ "${GDT_BINDINGS:-custom}" = default ] && features=()
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)
target=${CARGO_TARGET_DIR:-$root/target}
cargo build --quiet --release "${features[@]}" --lib >&2

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
addon=godot-project/addons/gdnative_tokio
mkdir -p "$stage/addons/gdnative_tokio/bin"
# The addon's own files: everything but build outputs and editor caches.
find "$addon" -maxdepth 1 -type f ! -name '*.import' ! -name '.*' \
    -exec cp {} "$stage/addons/gdnative_tokio/" \;
cp "$target/release/libgdnative_tokio.so" "$stage/addons/gdnative_tokio/bin/"
# Libraries built on Windows and macOS (README), when put into bin/.
for lib in gdnative_tokio.dll libgdnative_tokio.dylib; do
    if [ -f "$addon/bin/$lib" ]; then
        cp "$addon/bin/$lib" "$stage/addons/gdnative_tokio/bin/"
    fi
done

mkdir -p dist
zip_path="$root/dist/gdnative-tokio-addon-$version.zip"
rm -f "$zip_path"
(cd "$stage" && zip -q -r -X "$zip_path" addons)
echo "release: wrote $zip_path" >&2
unzip -l "$zip_path" >&2
echo "$zip_path"
