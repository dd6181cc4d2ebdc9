#!/usr/bin/env bash
# Makes sure this machine has what the demo and the tests need: Rust, clang
# (gdnative's bindings generator), headless Godot 3 and valgrind. Installs the Debian
# packages when they are missing and we are root; otherwise says what to run.
# Sourced by demo.sh and test.sh; exports GODOT_BIN.
set -euo pipefail

packages=()
command -v clang >/dev/null 2>&1 || packages+=(clang libclang-dev)
[ -e /usr/lib/llvm-14/lib/libclang.so ] || ls /usr/lib/llvm-*/lib/libclang*.so* >/dev/null 2>&1 || packages+=(libclang-dev)
if [ -z "${GODOT_BIN:-}" ]; then
    command -v godot3-server >/dev/null 2>&1 || packages+=(godot3-server)
fi
# The release script (zip) and the addon tests (unzip; the editor, godot3,
# run under xvfb-run).
command -v zip >/dev/null 2>&1 || packages+=(zip)
command -v unzip >/dev/null 2>&1 || packages+=(unzip)
command -v godot3 >/dev/null 2>&1 || packages+=(godot3)
command -v xvfb-run >/dev/null 2>&1 || packages+=(xvfb)
command -v xauth >/dev/null 2>&1 || packages+=(xauth)
# The memory check (scripts/valgrind.sh, tests/memcheck.rs).
command -v valgrind >/dev/null 2>&1 || packages+=(valgrind)
command -v readelf >/dev/null 2>&1 || packages+=(binutils)
# The Windows library (scripts/windows.sh): mingw-w64's C toolchain (the
# linker, the C runtime and headers, objdump for the import and export
# check) and Wine 8 (64-bit) to run the Windows tests.
command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1 || packages+=(gcc-mingw-w64-x86-64)
command -v wine64 >/dev/null 2>&1 || [ -x /usr/lib/wine/wine64 ] || packages+=(wine64)
if [ ${#packages[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "setup: installing ${packages[*]}" >&2
        apt-get update -qq >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >&2
    else
        echo "setup: missing ${packages[*]}. Run: sudo apt-get install -y ${packages[*]}" >&2
        exit 1
    fi
fi
if ! command -v cargo >/dev/null 2>&1; then
    echo "setup: cargo not found. Install Rust (1.77 or newer, the rust-version in Cargo.toml) with rustup: https://rustup.rs" >&2
    exit 1
fi
# Rust's standard library for the Windows target (scripts/windows.sh).
if ! rustup target list --installed 2>/dev/null | grep -qx x86_64-pc-windows-gnu; then
    if command -v rustup >/dev/null 2>&1; then
        echo "setup: rustup target add x86_64-pc-windows-gnu" >&2
        rustup target add x86_64-pc-windows-gnu >&2
    else
        echo "setup: no rustup; the Windows build needs the x86_64-pc-windows-gnu target's standard library" >&2
        exit 1
    fi
fi
export GODOT_BIN="${GODOT_BIN:-$(command -v godot3-server)}"
