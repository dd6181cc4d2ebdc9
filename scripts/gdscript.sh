#!/usr/bin/env bash
# Lints and checks the formatting of every GDScript file of the repository
# (the addon, the demo, the tests, the benchmarks, the template) with
# gdtoolkit 3.x, the line made for Godot 3: `gdlint` (settings in
# ./gdlintrc) and `gdformat --check`. gdtoolkit is installed from PyPI into
# a virtual environment under the cache ($GDT_CACHE, default
# ~/.cache/gdnative-tokio) the first time. To reformat: the same gdformat
# without --check.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/.."
venv="${GDT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gdnative-tokio}/gdtoolkit-3"
if ! "$venv/bin/gdlint" --version 2>/dev/null | grep -q '^gdlint 3\.'; then
    echo "gdscript.sh: installing gdtoolkit 3.x into $venv" >&2
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet 'gdtoolkit>=3,<4'
fi
mapfile -t files < <(git ls-files '*.gd')
"$venv/bin/gdlint" "${files[@]}"
"$venv/bin/gdformat" --check "${files[@]}"
