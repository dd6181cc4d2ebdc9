#!/usr/bin/env bash
# Runs the background-job demo and the task view demo in the windowed
# engine (godot3-runner; GDT_RUNNER=godot3 takes the editor binary, which
# runs games too) under a virtual X server and saves screenshots to
# docs/guide/src/images/background-demo.png (halfway through the job) and docs/guide/src/images/task-view.png.
# Installs godot3-runner and xvfb when root.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/scripts/setup.sh"
runner=${GDT_RUNNER:-godot3-runner}
missing=()
command -v "$runner" >/dev/null 2>&1 || missing+=(godot3-runner)
command -v xvfb-run >/dev/null 2>&1 || missing+=(xvfb xauth)
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
    else
        echo "screenshot.sh: needs ${missing[*]} (sudo apt-get install ${missing[*]})" >&2
        exit 1
    fi
fi
wrapper=$(mktemp)
trap 'rm -f "$wrapper"' EXIT
cat > "$wrapper" <<WRAP
#!/usr/bin/env bash
exec xvfb-run -a -s "-screen 0 1024x600x24" $runner --resolution 1024x600 "\$@"
WRAP
chmod +x "$wrapper"
mkdir -p "$root/docs"
GDT_SCREENSHOT="$root/docs/guide/src/images/background-demo.png" GODOT_RUN="$wrapper" \
    bash "$root/scripts/godot.sh" res://background_demo.tscn
echo "wrote docs/guide/src/images/background-demo.png"
GDT_SCREENSHOT="$root/docs/guide/src/images/task-view.png" GODOT_RUN="$wrapper" \
    bash "$root/scripts/godot.sh" res://task_view_demo.tscn
echo "wrote docs/guide/src/images/task-view.png"
