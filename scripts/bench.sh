#!/usr/bin/env bash
# Runs the benchmarks; each prints its figures with ratios to a baseline
# measured in the same run.
# usage: scripts/bench.sh [rust|godot|all]   (default: all)
#   rust:  cargo bench (benches/pump.rs: idle pump; benches/ecosystem.rs:
#          Tokio-ecosystem work and spawn-to-completion; benches/task_view.rs:
#          the task view's cost; testbed/benches/load.rs: load, with the
#          testbed's fan-out/join fixture)
#   godot: the headless Godot benchmark scene (godot-project/bench/), with
#          the library built in release mode. GDT_BENCH_OUT=file.csv also
#          writes its frame-time samples (scripts/chart.sh draws them).
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
if [ "$what" = godot ] || [ "$what" = all ]; then
    GDT_PROFILE=release GODOT_TIMEOUT=${GODOT_TIMEOUT:-600} bash scripts/godot.sh res://bench/bench.tscn 2>&1 \
        | grep -v '^Godot Engine\|^ *$'
fi
