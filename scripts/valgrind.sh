#!/usr/bin/env bash
# Runs part of the headless GDScript suite under valgrind memcheck and fails
# on any invalid read or write, and on any definitely lost block whose stack
# has a frame of this crate (gdnative_tokio, gdnative, tokio, futures).
# usage: scripts/valgrind.sh [GDTEST_ONLY filter, default: test_core]
# Scenes run: the runner with the filter, quit_pending (exit with tasks
# pending) and quit_reentrant (quit from inside a pump).
# Installs valgrind with apt when missing and root (like setup.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/setup.sh"
if ! command -v valgrind >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "valgrind.sh: installing valgrind" >&2
        apt-get update -qq >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq valgrind >&2
    else
        echo "valgrind.sh: valgrind not found. Run: sudo apt-get install -y valgrind" >&2
        exit 1
    fi
fi
filter=${1:-test_core}
# VALGRIND_OUT=dir keeps valgrind's logs (vg.<pid>.log) there.
if [ -n "${VALGRIND_OUT:-}" ]; then
    out=$VALGRIND_OUT
    mkdir -p "$out"
else
    out=$(mktemp -d)
    trap 'rm -rf "$out"' EXIT
fi
real_godot=$GODOT_BIN
wrapper="$out/godot-under-valgrind"
cat > "$wrapper" <<WRAP
#!/usr/bin/env bash
exec valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite \
    --errors-for-leak-kinds=definite --num-callers=40 \
    --log-file="$out/vg.%p.log" "$real_godot" "\$@"
WRAP
chmod +x "$wrapper"
status=0
for scene in ${VALGRIND_SCENES:-res://tests/runner.tscn res://tests/quit_pending.tscn res://tests/quit_reentrant.tscn}; do
    rm -f "$out"/vg.*.log
    name=$(basename "$scene" .tscn)
    echo "valgrind.sh: $scene (GDTEST_ONLY=$filter)"
    set +e
    GDTEST_ONLY=$filter GODOT_RUN=$wrapper GODOT_TIMEOUT=${GODOT_TIMEOUT:-1200} \
        bash "$here/godot.sh" "$scene" > "$out/godot.log" 2>&1
    code=$?
    set -e
    log=$(cat "$out"/vg.*.log)
    cp "$out"/godot.log "$out/$name.godot.log"
    cat "$out"/vg.*.log > "$out/$name.valgrind.log"
    grep -E "passed, .* failed" "$out/godot.log" || true
    if [ $code != 0 ]; then
        echo "valgrind.sh: $scene exited with $code"; tail -20 "$out/godot.log"; status=1
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
