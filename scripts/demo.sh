#!/usr/bin/env bash
# Runs the demo scene headless: several Rust futures awaited from GDScript.
set -euo pipefail
here=$(dirname "$0")
. "$here/setup.sh"
exec bash "$here/godot.sh" res://main.tscn
