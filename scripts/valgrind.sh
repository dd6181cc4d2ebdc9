#!/usr/bin/env bash
# Runs part of the headless GDScript suite under valgrind memcheck and fails
# on any invalid read or write, and on any definitely lost block whose stack
# has a frame of this crate (gdnative_tokio, gdnative, tokio, futures).
# usage: scripts/valgrind.sh [GDTEST_ONLY filter]
# Scenes run (VALGRIND_SCENES overrides): the GDScript runner with the
# filter (comma-separated suite or test names; default: the suites whose
# tests do not measure time, so they pass under valgrind's ~30x slowdown;
# test_wait_lifetimes cancels waits inside the emission that ended them,
# where Godot once read a freed connection object),
# quit_pending (exit with tasks pending), quit_reentrant (quit from inside a
# pump), quit_io (exit with sockets, a busy background thread, streams) and
# the fuzz scene with FUZZ_CALLS (default 2000) calls.
# setup.sh installs valgrind when missing (as root). Godot 3.6 (the
# engines.sh folder) runs under Debian 13's valgrind instead, which
# engines.sh fetches (install_valgrind36).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/setup.sh"
. "$here/engines.sh"
filter=${1:-test_core,test_lifecycle,test_reentrancy,test_errors,test_wait_lifetimes}
# The fuzz scene, shortened: bad input to every method, calls from a Thread.
export FUZZ_CALLS=${FUZZ_CALLS:-2000}
# VALGRIND_OUT=dir keeps the logs there (<scene>/godot.log, <scene>/vg.<pid>.log).
# The loopback HTTP/WebSocket servers the suites and the fuzz scene use.
. "$here/servers.sh"
start_servers
if [ -n "${VALGRIND_OUT:-}" ]; then
    out=$VALGRIND_OUT
    mkdir -p "$out"
else
    out=$(mktemp -d)
    trap 'kill "$GDT_SERVERS_PID" 2>/dev/null || true; rm -rf "$out"' EXIT
fi
# The valgrind and the engine command it starts: Godot 3.6's folder engine
# itself (not its launcher script), under Debian 13's valgrind.
valgrind=(valgrind)
godot=("$GODOT_BIN")
if [ "$GODOT_BIN" -ef "$gdt_cache/godot-3.6/godot3-server" ]; then
    valgrind=("$(install_valgrind36)")
    mapfile -t godot < <(godot36_command)
fi
wrapper="$out/godot-under-valgrind"
cat > "$wrapper" <<WRAP
#!/usr/bin/env bash
exec ${valgrind[*]@Q} --tool=memcheck --leak-check=full --show-leak-kinds=definite \
    --errors-for-leak-kinds=definite --num-callers=40 \
    --log-file="\$VALGRIND_LOG_DIR/vg.%p.log" ${godot[*]@Q} "\$@"
WRAP
chmod +x "$wrapper"
scenes=${VALGRIND_SCENES:-res://tests/runner.tscn res://tests/quit_pending.tscn res://tests/quit_reentrant.tscn res://tests/quit_io.tscn res://tests/fuzz.tscn}

# One scene under valgrind, its logs in $out/<name>/.
run_scene() {
    local dir="$out/$(basename "$1" .tscn)"
    mkdir -p "$dir"
    set +e
    VALGRIND_LOG_DIR=$dir GDTEST_ONLY=$filter GODOT_RUN=$wrapper GODOT_TIMEOUT=${GODOT_TIMEOUT:-1200} \
        bash "$here/godot.sh" "$1" > "$dir/godot.log" 2>&1
    echo $? > "$dir/code"
}

# Build once, then run the scenes VALGRIND_JOBS (2) at a time: valgrind
# runs a process's threads one at a time, so two runs use both cores.
GODOT_RUN=true bash "$here/godot.sh" >/dev/null
# (The scene runs are waited for by pid: the servers' coproc is a job too.)
pids=()
running() {
    local pid n=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && n=$((n + 1)); done
    echo "$n"
}
for scene in $scenes; do
    run_scene "$scene" &
    pids+=($!)
    while [ "$(running)" -ge "${VALGRIND_JOBS:-2}" ]; do sleep 1; done
done
for pid in "${pids[@]}"; do wait "$pid" || true; done

status=0
for scene in $scenes; do
    dir="$out/$(basename "$scene" .tscn)"
    echo "valgrind.sh: $scene (GDTEST_ONLY=$filter)"
    code=$(cat "$dir/code")
    log=$(cat "$dir"/vg.*.log)
    grep -E "passed, .* failed" "$dir/godot.log" || true
    # The scenario memcheck must see: a wait cancelled inside its emission.
    grep -E "^(PASS|FAIL) test_wait_lifetimes::test_cancelling" "$dir/godot.log" || true
    if [ "$code" != 0 ]; then
        echo "valgrind.sh: $scene exited with $code"; tail -20 "$dir/godot.log"; status=1
    fi
    invalid=$(grep -cE "Invalid (read|write)" <<<"$log" || true)
    # A definite-loss record: from its header line to the next blank line.
    ours=$(awk '/definitely lost in loss record/{rec=1; buf=""} rec{buf=buf $0 "\n"} rec && /^==[0-9]+== $/{if (buf ~ /gdnative_tokio|gdnative_core|gdnative_async|tokio::|futures/) printf "%s", buf; rec=0}' <<<"$log")
    summary=$(grep -E "ERROR SUMMARY|definitely lost:" <<<"$log" | sed 's/^==[0-9]*== //' | tr '\n' ' ')
    echo "valgrind.sh: $summary; invalid reads/writes: $invalid"
    if [ "$invalid" != 0 ]; then
        grep -A25 -E "Invalid (read|write)" <<<"$log" | head -80; status=1
    fi
    if [ -n "$ours" ]; then
        echo "valgrind.sh: definite leaks in this crate's frames:"; head -80 <<<"$ours"; status=1
    fi
done
[ $status = 0 ] && echo "valgrind.sh: clean"
exit $status
