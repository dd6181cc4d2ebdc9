#!/usr/bin/env bash
# Runs the benchmarks; each prints its figures with ratios to a baseline
# measured in the same run.
# usage: scripts/bench.sh [rust|instructions|godot|features|all]   (default: all)
#   rust:  cargo bench (benches/pump.rs: idle pump; benches/ecosystem.rs:
#          Tokio-ecosystem work and spawn-to-completion; benches/task_view.rs:
#          the task view's cost; testbed/benches/load.rs: load, with the
#          testbed's fan-out/join fixture)
#   instructions: benches/instructions.rs under valgrind's callgrind:
#          instructions per idle pump and per 1000 tasks spawned to
#          completion, with their ratios to the seed recipe and a bare
#          LocalSet (repeatable, unlike times)
#   godot: the headless Godot benchmark scene (godot-project/bench/), with
#          the library built in release mode. GDT_BENCH_OUT=file.csv also
#          writes its frame-time samples (scripts/chart.sh draws them).
#   features: what the cargo features cost: for the library's entry
#          points alone (`--no-default-features --features entry-points`:
#          without them a cdylib exports nothing and the linker drops
#          everything), then with `http`, with `websocket`, and the default
#          set (both),
#          a clean release build of the library (stock bindings, a target
#          dir of its own under target/, deleted afterwards): wall and CPU
#          seconds, and the size of the .so as built and stripped. Not
#          part of `all` (four clean builds).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/scripts/setup.sh"
. "$root/scripts/engines.sh"
cd "$root"
what=${1:-all}
if [ "$what" = rust ] || [ "$what" = all ]; then
    (stock_env && cargo bench --bench pump --bench ecosystem --bench task_view \
        && cargo bench -p gdnative-tokio-testbed --bench load)
fi
if [ "$what" = instructions ] || [ "$what" = all ]; then
    (
        stock_env
        bin=$(cargo bench --no-run --bench instructions --message-format=json 2>/dev/null \
            | sed -n 's/.*"executable":"\([^"]*instructions[^"]*\)".*/\1/p' | tail -n 1)
        [ -x "$bin" ] || { echo "bench.sh: the instructions bench did not build" >&2; exit 1; }
        # Instructions of one run: callgrind's "Collected" line.
        count() {
            valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" "$1" "$2" 2>&1 \
                | sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
        }
        # Per iteration: a run of n minus a run of 0 (set-up and exit).
        per() {
            local zero n
            zero=$(count "$1" 0)
            n=$(count "$1" "$2")
            echo $(((n - zero) / $2))
        }
        idle=$(per idle_pump 2000)
        seed=$(per idle_seed 2000)
        ours=$(per spawn_local_spawn 20)
        boxed=$(per spawn_local_set_boxed 20)
        unboxed=$(per spawn_local_set_unboxed 20)
        ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
        echo "instructions (callgrind), per iteration:"
        echo "  idle pump: gdnative-tokio $idle, seed recipe $seed ($(ratio "$idle" "$seed")x the seed recipe; target <= 0.70x)"
        echo "  spawn-to-completion of 1000 tasks: LocalSpawn $ours; bare LocalSet, same boxed futures $boxed ($(ratio "$boxed" "$ours")x LocalSpawn's speed; target >= 0.90x); unboxed $unboxed ($(ratio "$unboxed" "$ours")x)"
    )
fi
if [ "$what" = features ]; then
    (
        stock_env
        dir=$root/target/feature-cost
        printf '%-55s %9s %9s %11s %11s\n' features wall_s cpu_s so_bytes stripped
        base="--no-default-features --features entry-points"
        for set in "$base" "$base,http" "$base,websocket" ""; do
            rm -rf "$dir"
            # shellcheck disable=SC2086 # $set is a list of arguments
            /usr/bin/time -f '%e %U %S' -o "$dir.time" \
                env CARGO_TARGET_DIR="$dir" cargo build --quiet --release --locked --lib $set
            read -r wall user sys <"$dir.time"
            so=$dir/release/libgdnative_tokio.so
            strip -o "$dir.stripped" "$so"
            printf '%-55s %9.0f %9.0f %11d %11d\n' "${set:-(default)}" "$wall" \
                "$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')" \
                "$(stat -c %s "$so")" "$(stat -c %s "$dir.stripped")"
        done
        rm -rf "$dir" "$dir.time" "$dir.stripped"
    )
fi
if [ "$what" = godot ] || [ "$what" = all ]; then
    # The HTTP rows need the loopback servers (GDT_HTTP_URL...).
    . "$root/scripts/servers.sh"
    start_servers
    GDT_PROFILE=release GODOT_TIMEOUT=${GODOT_TIMEOUT:-600} bash scripts/godot.sh res://bench/bench.tscn 2>&1 \
        | grep -v '^Godot Engine\|^ *$'
fi
