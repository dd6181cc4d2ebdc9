#!/usr/bin/env bash
# Runs the Godot benchmark scene and draws a chart (needs
# python3-matplotlib; installed when root).
# usage: scripts/chart.sh [frames|net]   (default: frames)
#   frames: the whole scene; its frame-time distribution into
#           docs/frame-times.png (scripts/chart.py)
#   net:    the HTTP and WebSocket rows only (GDT_BENCH_ONLY=net), against
#           Godot's own clients, into docs/net-bench-3.2.png or
#           docs/net-bench-3.6.png (the line of $GODOT_BIN)
#           (scripts/net_chart.py); the table it prints is the one
#           docs/performance.md gives
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
what=${1:-frames}
if ! /usr/bin/python3 -c "import matplotlib" 2>/dev/null; then
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq && apt-get install -y -qq python3-matplotlib
    else
        echo "chart.sh: needs python3-matplotlib (sudo apt-get install python3-matplotlib)" >&2
        exit 1
    fi
fi
csv=$(mktemp --suffix=.csv)
trap 'rm -f "$csv"' EXIT
if [ "$what" = net ]; then
    GDT_BENCH_ONLY=net GDT_BENCH_NET_OUT="$csv" bash scripts/bench.sh godot
    . scripts/engines.sh
    bin=${GODOT_BIN:-$(command -v godot3-server)}
    png=docs/net-bench-$(engine_line "$bin").png
    /usr/bin/python3 scripts/net_chart.py "$csv" "$png" "Godot $(engine_version "$bin") headless"
    echo "wrote $png"
else
    GDT_BENCH_OUT="$csv" bash scripts/bench.sh godot
    /usr/bin/python3 scripts/chart.py "$csv" docs/frame-times.png
    echo "wrote docs/frame-times.png"
fi
