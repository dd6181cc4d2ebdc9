//! The memory check: `scripts/valgrind.sh` runs headless Godot under
//! valgrind memcheck on the GDScript suites that do not measure time, on
//! the scenes that quit with work pending and on the fuzz scene (2000
//! calls), among them a wait cancelled inside the emission that ended it
//! (`test_wait_lifetimes`), and fails on any invalid read or
//! write and on any definitely lost block with a frame of this crate or its
//! Rust dependencies. This test runs it and fails with its output.
//!
//! About a minute; valgrind is installed by `scripts/setup.sh`.

mod common;

use std::process::Command;

#[test]
fn valgrind_finds_no_invalid_access_and_no_leak() {
    common::require_tool("valgrind", "valgrind");
    let root = env!("CARGO_MANIFEST_DIR");
    let out = Command::new("bash")
        .arg("-c")
        .arg(r#"exec bash "$0/scripts/valgrind.sh" 2>&1"#)
        .arg(root)
        .output()
        .expect("bash must be available to run scripts/valgrind.sh");
    let output = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && output.contains("valgrind.sh: clean"),
        "scripts/valgrind.sh failed ({:?}):\n{output}",
        out.status.code()
    );
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
