#!/usr/bin/env bash
# Sourced by the other scripts: which cargo home and target dir a build
# uses, and the Godot 3.6 engine the tests run beside Debian 12's 3.2.3.
#
# Why separate cargo homes: with the `custom-godot` feature, the build
# script of gdnative-bindings writes the engine's api.json into the cargo
# registry's own copy of the crate ($CARGO_HOME/registry/src/*/
# gdnative-bindings-0.11.3/). Every later build in that cargo home, default
# features included, then compiles against that engine's API. So:
# - `engine_env` gives each engine version its own cargo home and target
#   dir for its `custom-godot` builds (your own ~/.cargo is never touched);
# - `stock_env` is the home of the default-feature builds (gdnative's stock
#   Godot 3.5.1 bindings), which no `custom-godot` build uses, and
#   `stock_check` fails if its api.json is not the published crate's.
# All of it lives under $GDT_CACHE (default ~/.cache/gdnative-tokio).
# Functions only: sourcing this file changes nothing.

gdt_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
gdt_cache=${GDT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gdnative-tokio}
# The cargo home the caller had: its config (registry mirrors) is shared.
gdt_user_cargo_home=${GDT_USER_CARGO_HOME:-${CARGO_HOME:-$HOME/.cargo}}
export GDT_USER_CARGO_HOME=$gdt_user_cargo_home

# The version an engine prints, as a file name: 3.2.3.stable.custom_build.
engine_version() {
    local v
    v=$("$1" --version 2>/dev/null | head -n 1) || true
    [ -n "$v" ] || { echo "engines.sh: $1 --version printed nothing" >&2; return 1; }
    echo "${v//[^A-Za-z0-9._-]/_}"
}

# The engine line users name: 3.2, 3.6.
engine_line() {
    engine_version "$1" | cut -d. -f1,2
}

# Points cargo at home $1 and target dir $2 (creating the home, sharing the
# user's cargo config with it).
use_cargo_home() {
    mkdir -p "$1"
    local config
    for config in config.toml config; do
        if [ -f "$gdt_user_cargo_home/$config" ] && [ ! -e "$1/$config" ]; then
            ln -s "$gdt_user_cargo_home/$config" "$1/$config"
        fi
    done
    export CARGO_HOME=$1 CARGO_TARGET_DIR=$2
}

# Runs cargo holding the cargo home's build lock. With `custom-godot`,
# gdnative-bindings' build script runs Godot in the registry's copy of the
# crate and replaces the docs/ folder there; cargo locks one profile's build
# folder, not that copy, so a debug and a release build at once read each
# other's half-replaced docs (a panic in class_docs.rs: "No such file or
# directory" or "Unable to read file"). Tests that build take the same lock
# (tests/common: locked_cargo).
locked_cargo() {
    flock "$CARGO_HOME/build.lock" cargo "$@"
}

# Cargo home and target dir for `custom-godot` builds against $GODOT_BIN.
engine_env() {
    local version
    version=$(engine_version "$GODOT_BIN") || return 1
    use_cargo_home "$gdt_cache/cargo-godot-$version" "$gdt_root/target/godot-$version"
}

# Cargo home and target dir for default-feature builds (stock bindings).
stock_env() {
    use_cargo_home "$gdt_cache/cargo-stock" "$gdt_root/target/stock"
}

# Fails unless the stock home's gdnative-bindings api.json is byte for byte
# the one in the published crate (run after a build has unpacked it).
stock_check() {
    local src crate
    src=$(ls -d "$CARGO_HOME"/registry/src/*/gdnative-bindings-0.11.* 2>/dev/null | head -n 1)
    crate=$(ls "$CARGO_HOME"/registry/cache/*/"$(basename "$src")".crate 2>/dev/null | head -n 1)
    if [ -z "$src" ] || [ -z "$crate" ]; then
        echo "engines.sh: gdnative-bindings is not unpacked in $CARGO_HOME" >&2
        return 1
    fi
    if ! tar -xzOf "$crate" "$(basename "$src")/api.json" | cmp -s - "$src/api.json"; then
        echo "engines.sh: $src/api.json is not the published one: a custom-godot build" \
            "rewrote it, so this is no stock-bindings check. Remove $CARGO_HOME to start over." >&2
        return 1
    fi
    echo "engines.sh: stock bindings untouched ($(basename "$src"), Godot 3.5.1 api.json)" >&2
}

# Debian 13's package $1, with every library it needs down to libc6 and its
# loader, unpacked into $2 (debian13_unpack), with a launcher $2/$1 that runs
# it with that folder's own loader and libraries; kept while the launcher's
# --version matches the pattern $3 ($4 names it in messages). Prints the
# launcher's path.
install_trixie() {
    local package=$1 dir=$2 version=$3 what=$4
    local launcher="$dir/$package"
    if [ -x "$launcher" ] && "$launcher" --version 2>/dev/null | grep -q "$version"; then
        echo "$launcher"
        return
    fi
    local work="$dir.tmp"
    echo "engines.sh: fetching $what (Debian 13 $package) into $dir" >&2
    debian13_unpack "$work" deps "$package" || return 1
    cat > "$work/$package" <<LAUNCH
#!/usr/bin/env bash
# Debian 13's $package, run with its own loader and libraries.
here=\$(cd "\$(dirname "\$0")" && pwd)
exec "\$here/root/usr/lib64/ld-linux-x86-64.so.2" --library-path "\$here/root/usr/lib/x86_64-linux-gnu" \\
    "\$here/root/usr/bin/$package" "\$@"
LAUNCH
    chmod +x "$work/$package"
    if ! "$work/$package" --version 2>/dev/null | grep -q "$version"; then
        echo "engines.sh: the unpacked $what does not start" >&2
        return 1
    fi
    rm -rf "$dir"
    mv "$work" "$dir"
    echo "$launcher"
}

# Godot 3.6 headless: Debian 13's godot3-server in $gdt_cache/godot-3.6.
install_godot36() {
    install_trixie godot3-server "$gdt_cache/godot-3.6" '^3\.6' "Godot 3.6"
}

# mdBook 0.4 (the guide, scripts/guide.sh): the one on PATH, or Debian 13's
# in $gdt_cache/mdbook (Debian 12 has none).
install_mdbook() {
    local found
    found=$(command -v mdbook 2>/dev/null) || true
    if [ -n "$found" ] && "$found" --version 2>/dev/null | grep -q '^mdbook v0\.4'; then
        echo "$found"
        return
    fi
    install_trixie mdbook "$gdt_cache/mdbook" '^mdbook v0\.4' "mdBook"
}

# The Godot 3.6 engine itself, without its launcher script, one argument a
# line: its loader, the loader's options and the engine binary (valgrind
# must start the engine, not bash).
godot36_command() {
    local root
    root=$(dirname "$(install_godot36)")/root || return 1
    printf '%s\n' "$root/usr/lib64/ld-linux-x86-64.so.2" --library-path \
        "$root/usr/lib/x86_64-linux-gnu" "$root/usr/bin/godot3-server"
}

# Sets the arrays `valgrind` and `godot` to the valgrind and the engine
# command that runs $GODOT_BIN under it: Godot 3.6's folder engine itself
# (not its launcher script) under Debian 13's valgrind (install_valgrind36),
# any other engine under the system's.
memcheck_commands() {
    valgrind=(valgrind)
    godot=("$GODOT_BIN")
    if [ "$GODOT_BIN" -ef "$gdt_cache/godot-3.6/godot3-server" ]; then
        valgrind=("$(install_valgrind36)") || return 1
        mapfile -t godot < <(godot36_command)
    fi
}

# Valgrind for Godot 3.6 in $gdt_cache/valgrind-3.6: Debian 12's valgrind
# refuses the 3.6 folder's loader, so Debian 13's valgrind and libc6-dbg
# (the loader's symbols, which valgrind needs to start) are unpacked there
# (debian13_unpack), and a launcher, `valgrind`, runs valgrind with the 3.6
# folder's loader and libraries. Valgrind looks for a library's symbols by
# its build ID in /usr/lib/debug only; elsewhere by its .gnu_debuglink name
# under --extra-debuginfo-path (<path>/<library's folder>/<name>), so links/
# holds those names for the 3.6 folder's libraries. Fails if libc6-dbg is
# not the 3.6 folder's libc6 build. Prints the launcher's path.
install_valgrind36() {
    local dir="$gdt_cache/valgrind-3.6"
    local engine loader debuglink
    engine=$(dirname "$(install_godot36)") || return 1
    loader="$engine/root/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"
    debuglink=$(readelf -p .gnu_debuglink "$loader" | sed -n 's/^ *\[ *0\] *//p')
    if ! ls "$dir"/root/usr/lib/debug/.build-id/*/"$debuglink" >/dev/null 2>&1; then
        echo "engines.sh: fetching valgrind for Godot 3.6 (Debian 13 valgrind, libc6-dbg) into $dir" >&2
        debian13_unpack "$dir.tmp" nodeps valgrind libc6-dbg || return 1
        if ! ls "$dir.tmp"/root/usr/lib/debug/.build-id/*/"$debuglink" >/dev/null 2>&1; then
            echo "engines.sh: Debian 13's libc6-dbg is not the build of $loader;" \
                "remove $engine to fetch Godot 3.6 and its libc6 again" >&2
            return 1
        fi
        rm -rf "$dir"
        mv "$dir.tmp" "$dir"
    fi
    local lib debug
    rm -rf "$dir/links"
    for lib in "$engine/root/usr/lib64" "$engine/root/usr/lib/x86_64-linux-gnu"; do
        mkdir -p "$dir/links$lib"
        for debug in "$dir"/root/usr/lib/debug/.build-id/*/*.debug; do
            ln -s "$debug" "$dir/links$lib/$(basename "$debug")"
        done
    done
    cat > "$dir/valgrind" <<LAUNCH
#!/usr/bin/env bash
# Debian 13's valgrind, run with the Godot 3.6 folder's loader and libraries.
export VALGRIND_LIB="$dir/root/usr/libexec/valgrind"
exec "$loader" --library-path "$engine/root/usr/lib/x86_64-linux-gnu" \
    "$dir/root/usr/bin/valgrind.bin" --extra-debuginfo-path="$dir/links" "\$@"
LAUNCH
    chmod +x "$dir/valgrind"
    echo "$dir/valgrind"
}

# Downloads Debian 13 (trixie) packages and unpacks them into $1/root, with
# no change to the system: apt with a private sources list, lists and cache
# (and no package status) in $1 downloads them from the mirror this
# machine's apt uses for Debian, and dpkg-deb unpacks them. $2: `deps` also
# fetches every library they need (recursively, down to libc6 and its
# loader), `nodeps` the named packages only. The rest: the packages.
debian13_unpack() {
    local work=$1 deps=$2
    shift 2
    local mirror
    mirror=$(debian_mirror) || return 1
    rm -rf "$work"
    mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/debs" "$work/root"
    echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror trixie main" \
        > "$work/sources.list"
    local apt=(-qq -o "Dir::Etc::SourceList=$work/sources.list" -o Dir::Etc::SourceParts=/dev/null
        -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache"
        -o Dir::State::status=/dev/null -o APT::Sandbox::User=root)
    apt-get "${apt[@]}" update >&2
    local packages=("$@")
    if [ "$deps" = deps ]; then
        local named
        named=$(printf '|%s$' "$@")
        packages=($(apt-cache "${apt[@]}" depends --recurse --no-recommends --no-suggests \
            --no-conflicts --no-breaks --no-replaces --no-enhances "$@" \
            | grep -E "^(lib$named)" | sort -u))
    fi
    (cd "$work/debs" && apt-get "${apt[@]}" download "${packages[@]}") >&2
    local deb
    for deb in "$work"/debs/*.deb; do
        dpkg-deb -x "$deb" "$work/root"
    done
    rm -rf "$work/debs" "$work/cache" "$work/lists"
}

# The URI this machine's apt uses for Debian's main archive.
debian_mirror() {
    local uri
    uri=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '
        /^URIs:/ { uri = $2 }
        /^Suites:/ { for (i = 2; i <= NF; i++) if ($i ~ /^(bookworm|trixie|stable)$/) { print uri; exit } }')
    [ -n "$uri" ] || uri=$(grep -hE '^deb .*debian/? (bookworm|trixie|stable) ' \
        /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
        | awk '{ for (i = 2; i <= NF; i++) if ($i !~ /^\[/) { print $i; exit } }')
    if [ -z "$uri" ]; then
        echo "engines.sh: no Debian archive found in this machine's apt sources" >&2
        return 1
    fi
    echo "$uri"
}
