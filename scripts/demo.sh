#!/usr/bin/env bash
# Runs a demo scene headless: several Rust futures awaited from GDScript
# (res://main.tscn), or with `http` the download demo (res://http_demo.tscn)
# against the loopback server (scripts/servers.sh starts it).
# usage: scripts/demo.sh [http]
set -euo pipefail
here=$(dirname "$0")
. "$here/setup.sh"
if [ "${1:-}" = http ]; then
    . "$here/servers.sh"
    start_servers
    bash "$here/godot.sh" res://http_demo.tscn
    exit
fi
exec bash "$here/godot.sh" res://main.tscn
