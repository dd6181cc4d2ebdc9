#!/usr/bin/env bash
# Builds the guide (docs/guide, an mdBook) into target/guide, with mdBook
# from PATH or Debian 13's (install_mdbook in engines.sh). Fails on any
# warning or error mdBook prints (a chapter listed in SUMMARY.md but
# missing, a broken include) and when a page the table of contents names
# was not written. tests/guide.rs checks the links between chapters.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/engines.sh"
cd "$here/.."
mdbook=$(install_mdbook)
out=target/guide
rm -rf "$out"
build_log=$("$mdbook" build docs/guide 2>&1) || { echo "$build_log" >&2; exit 1; }
if grep -qE '\[(WARN|ERROR)\]|^(WARN|ERROR) ' <<<"$build_log"; then
    echo "$build_log" >&2
    echo "guide.sh: mdbook printed warnings" >&2
    exit 1
fi
missing=0
for page in $(sed -n 's/.*](\([^)#]*\)\.md).*/\1/p' docs/guide/src/SUMMARY.md); do
    if [ ! -s "$out/$page.html" ]; then
        echo "guide.sh: $out/$page.html was not written" >&2
        missing=1
    fi
done
[ "$missing" = 0 ] || exit 1
echo "guide.sh: built $(ls "$out"/*.html | wc -l) pages into $out ($("$mdbook" --version))"
