//! The memory check: `scripts/valgrind.sh` runs headless Godot under
//! valgrind memcheck on the GDScript suites that do not measure time, on
//! the scenes that quit with work pending and on the fuzz scene (2000
//! calls), among them a wait cancelled inside the emission that ended it
//! (`test_wait_lifetimes`), and fails on any invalid read or
//! write and on any definitely lost block with a frame of this crate or its
//! Rust dependencies. This test runs it and fails with its output, on the
//! engine `$GODOT_BIN` names: Godot 3.2.3 under Debian 12's valgrind
//! (installed by `scripts/setup.sh`), Godot 3.6 (the `scripts/engines.sh`
//! launcher, as `scripts/test.sh`'s 3.6 part sets it) under Debian 13's,
//! which `scripts/engines.sh` fetches.
//!
//! About a minute and a half per engine (two scenes at a time).

mod common;

use std::process::Command;
use std::sync::Mutex;

/// The valgrind runs of this file run one at a time (`scripts/valgrind.sh`
/// already runs two scenes at once).
static VALGRIND: Mutex<()> = Mutex::new(());

/// Runs `scripts/<script>` under bash and returns its output (stdout and
/// stderr); fails unless it exits with 0 and prints `done` (the line it
/// prints last when it ran to its end).
fn run_script(script: &str, done: &str) -> String {
    common::require_tool("valgrind", "valgrind");
    let _one_at_a_time = VALGRIND.lock().unwrap_or_else(|e| e.into_inner());
    let out = Command::new("bash")
        .arg("-c")
        .arg(r#"exec bash "$0/scripts/$1" 2>&1"#)
        .arg(env!("CARGO_MANIFEST_DIR"))
        .arg(script)
        .output()
        .expect("bash must be available to run the scripts");
    let output = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success() && output.lines().any(|l| l == done),
        "scripts/{script} failed ({:?}):\n{output}",
        out.status.code()
    );
    output
}

#[test]
fn valgrind_finds_no_invalid_access_and_no_leak() {
    let output = run_script("valgrind.sh", "valgrind.sh: clean");
    // Every scene ran and was checked: one verdict line per scene.
    let checked = output
        .lines()
        .filter(|l| l.ends_with("invalid reads/writes: 0"))
        .count();
    assert_eq!(
        checked, 5,
        "one clean valgrind verdict per scene:\n{output}"
    );
    // The cancel-in-emission scenario ran under memcheck.
    let scenario =
        "PASS test_wait_lifetimes::test_cancelling_a_guard_inside_the_emission_that_ended_it";
    assert!(
        output.contains(scenario),
        "`{scenario}` under valgrind:\n{output}"
    );
    println!("{output}");
}

/// Godot's own use-after-free, which no suite of this crate may set off
/// (docs/reliability.md, Valgrind): freeing a node whose coroutine waits on
/// a `Reference` that only the coroutine's stack holds frees the coroutine
/// state inside its own `GDScriptFunctionState::_clear_stack`, which goes
/// on using it. `tests/engine_bugs/yield_cycle` does it in pure GDScript,
/// in a project with no GDNative library. When an engine no longer shows
/// it, this fails: then the note in docs/reliability.md goes, with this.
#[test]
fn godot_itself_uses_a_freed_coroutine_state_after_a_yield_cycle() {
    // `freed`: the reproducer ran to its end.
    let output = run_script("yield_cycle.sh", "freed");
    // (Not "gdnative": the 3.6 engine's folder is under the cache,
    // ~/.cache/gdnative-tokio.)
    assert!(
        !output.contains("gdnative_tokio") && !output.contains("GDNative"),
        "no GDNative library may be loaded:\n{output}"
    );
    let invalid = output
        .lines()
        .filter(|l| l.contains("Invalid read") || l.contains("Invalid write"))
        .count();
    let freed = output
        .lines()
        .filter(|l| l.contains(" inside a block of size ") && l.ends_with(" free'd"))
        .count();
    assert!(
        invalid >= 4 && freed == invalid,
        "Godot's use of the freed state ({invalid} invalid accesses, {freed} into freed \
         blocks) is gone: drop the note in docs/reliability.md (Valgrind) and this test:\n{output}"
    );
    println!("{output}");
}
