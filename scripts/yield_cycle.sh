#!/usr/bin/env bash
# Godot's own use-after-free (tests/engine_bugs/yield_cycle/main.gd, pure
# GDScript, no GDNative library): runs that project headless under valgrind
# memcheck on $GODOT_BIN's engine (3.2.3, or the 3.6 launcher of
# engines.sh) and prints Godot's output, then valgrind's log.
# tests/memcheck.rs checks that the engine still shows it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/setup.sh"
. "$here/engines.sh"
memcheck_commands
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
"${valgrind[@]}" --tool=memcheck --num-callers=40 --log-file="$log" \
    "${godot[@]}" --path "$here/../tests/engine_bugs/yield_cycle" || status=$?
echo "yield_cycle.sh: exit code $status; valgrind's log:"
cat "$log"
