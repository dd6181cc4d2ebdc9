# Sourced: `start_servers` builds and starts gdt-servers (the loopback
# HTTP/HTTPS/WebSocket servers, servers/), exports the environment it
# prints (GDT_HTTP_URL, GDT_HTTPS_URL, GDT_CA_PEM, GDT_WS_URL, ...) and
# stops it when the sourcing shell exits (its stdin is a pipe this shell
# holds open). Builds in the engine-independent stock cargo home.
start_servers() {
    local root
    root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
    (
        . "$root/scripts/engines.sh"
        stock_env
        cd "$root" && locked_cargo build --quiet --release -p gdnative-tokio-servers
    ) >&2
    local bin
    bin=$(. "$root/scripts/engines.sh"; stock_env; echo "$CARGO_TARGET_DIR/release/gdt-servers")
    coproc GDT_SERVERS { exec "$bin"; }
    local line
    while read -r line <&"${GDT_SERVERS[0]}"; do
        [ "$line" = ready ] && break
        export "${line?}"
    done
    [ -n "${GDT_HTTP_URL:-}" ] || { echo "servers.sh: gdt-servers did not start" >&2; return 1; }
    trap 'kill "$GDT_SERVERS_PID" 2>/dev/null || true' EXIT
}
