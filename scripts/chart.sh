#!/usr/bin/env bash
# Runs the Godot benchmark scene and draws its frame-time distribution into
# docs/frame-times.png (needs python3-matplotlib; installed when root).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
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
GDT_BENCH_OUT="$csv" bash scripts/bench.sh godot
/usr/bin/python3 scripts/chart.py "$csv" docs/frame-times.png
echo "wrote docs/frame-times.png"
