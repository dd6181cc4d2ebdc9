//! Headless Godot runs of `godot-project`: the GDScript test suites, the
//! demo, and quitting with tasks pending.
//!
//! Each run goes through `scripts/godot.sh`, which builds the library
//! against the installed engine and starts `godot3-server` with a private
//! HOME and a hard timeout. A run fails on a non-zero exit code, a `SCRIPT
//! ERROR`, a Rust panic, leaked objects at exit, a godot-rust version
//! warning, and on any engine `ERROR:`/`WARNING:` line that the scene did
//! not declare with an `EXPECT-LOG: <text>` line (and on a declared line
//! that never appeared): the checker in `common/mod.rs`.

mod common;

use common::{assert_clean, engine_messages, problems, run_godot_with_servers, Run};

fn run_scene(scene: &str) -> Run {
    run_godot(&[scene])
}

/// Every run has the loopback servers (common::run_godot_with_servers).
fn run_godot(args: &[&str]) -> Run {
    run_godot_with_servers(args, &[])
}

fn run_godot_with(args: &[&str], env: &[(&str, &str)]) -> Run {
    run_godot_with_servers(args, env)
}

/// The `N passed, N failed` summary of the GDScript runner.
fn summary(output: &str) -> Option<(u32, u32)> {
    output.lines().rev().find_map(|line| {
        let (passed, rest) = line.trim().split_once(" passed, ")?;
        let failed = rest.strip_suffix(" failed")?;
        Some((passed.parse().ok()?, failed.parse().ok()?))
    })
}

#[test]
fn gdscript_test_suites_pass() {
    let run = run_scene("res://tests/runner.tscn");
    let counts = summary(&run.output);
    // Printed errors name the Rust line they were made at, not a
    // placeholder site.
    assert!(
        !run.output.contains("gdnative-tokio:0"),
        "an error printed without its Rust source line:\n{}",
        run.output
    );
    assert!(
        run.output.contains("src/io/files.rs:"),
        "the loud read_text error names its line in src/io/files.rs:\n{}",
        run.output
    );
    // The failures first: CI shows only part of a long output.
    let failures: Vec<&str> = run
        .output
        .lines()
        .filter(|line| line.starts_with("FAIL "))
        .collect();
    assert!(
        matches!(counts, Some((passed, 0)) if passed >= 52),
        "GDScript tests: {counts:?} (want at least 52 passed, 0 failed)\n{}\n\n{}",
        failures.join("\n"),
        run.output
    );
    assert_clean(&run);
}

#[test]
fn demo_runs_and_quits_cleanly() {
    let run = run_scene("res://main.tscn");
    for line in [
        "greet(\"player\") -> hello, player",
        "sum_in_steps(200000, 20000) -> 20000100000",
        "delay(0.1) -> 0.1",
        "delay(0.3) -> 0.3",
        "wait_signal(self, \"ping\") -> [pong]",
        "Async.all([greet, countdown]) -> [hello, all, countdown done]",
        "Async.any([sleep(5), countdown]) -> index 1, value countdown done",
        "Async.timeout(delay(10), 0.1) -> timeout",
        "task.cancel() -> cancelled",
        "all futures done; quitting",
    ] {
        assert!(
            run.output.contains(line),
            "demo output lacks `{line}`:\n{}",
            run.output
        );
    }
    assert_clean(&run);
}

/// Runs `scene`, which must print every line of `lines`, never a line with
/// `unexpected`, and be clean.
fn assert_scene_prints(scene: &str, lines: &[&str]) {
    let run = run_scene(scene);
    for line in lines {
        assert!(run.output.contains(line), "lacks `{line}`:\n{}", run.output);
    }
    assert!(!run.output.contains("unexpected"), "{}", run.output);
    assert_clean(&run);
}

#[test]
fn quitting_with_pending_tasks_is_clean() {
    assert_scene_prints(
        "res://tests/quit_pending.tscn",
        &["quitting with tasks pending"],
    );
}

/// One step to start: a scene without a driver, in a project with the
/// `Async` autoload only, runs tasks (the autoload pumps); no "no driver"
/// error (`assert_clean`).
#[test]
fn the_async_autoload_alone_runs_tasks() {
    assert_scene_prints(
        "res://tests/autoload_only.tscn",
        &["autoload only: tasks ran True"],
    );
}

/// The task view demo (the README's screenshot) runs headless and lists
/// its tasks.
#[test]
fn task_view_demo_runs() {
    assert_scene_prints(
        "res://task_view_demo.tscn",
        &["task view: 31 live tasks: name, age, polls, state"],
    );
}

/// `get_tree().quit()` from a coroutine resumed inside the pump, with more
/// work started after it.
#[test]
fn quitting_from_a_resumed_coroutine_is_clean() {
    assert_scene_prints(
        "res://tests/quit_reentrant.tscn",
        &[
            "quit from a resumed coroutine",
            "still pumping after quit: late",
        ],
    );
}

/// `get_tree().change_scene()` from a coroutine resumed inside the pump: the
/// old scene's driver goes with tasks pending, the new scene's works.
#[test]
fn changing_scene_from_a_resumed_coroutine_works() {
    assert_scene_prints(
        "res://tests/change_scene_from_pump.tscn",
        &[
            "changing scene from a resumed coroutine",
            "after change_scene: new scene, slept True, hello, again",
        ],
    );
}

/// Runs `scene`, which must print `{prefix}{n}{suffix}...` with `n >= min`
/// and `{prefix}ok`, and be clean.
fn assert_scene_counts(scene: &str, prefix: &str, suffix: &str, min: u64) -> Run {
    assert_scene_counts_with(scene, &[], prefix, suffix, min)
}

/// [`assert_scene_counts`] with extra environment variables for Godot.
fn assert_scene_counts_with(
    scene: &str,
    env: &[(&str, &str)],
    prefix: &str,
    suffix: &str,
    min: u64,
) -> Run {
    let run = run_godot_with(&[scene], env);
    let count = run.output.lines().find_map(|l| {
        let rest = l.strip_prefix(prefix)?;
        rest.split_once(suffix)?.0.parse::<u64>().ok()
    });
    assert!(
        matches!(count, Some(n) if n >= min),
        "{scene}: `{prefix}N{suffix}` with N >= {min} wanted, got {count:?}\n{}",
        run.output
    );
    assert!(
        run.output.contains(&format!("{prefix}ok")),
        "{}",
        run.output
    );
    assert_clean(&run);
    run
}

/// Bad input to every script-facing method (see `tests/fuzz.gd`): thousands
/// of calls, a fixed seed printed for replay (`FUZZ_SEED=n`), calls from a
/// GDScript `Thread`; every engine error line must be one the scene
/// declared.
#[test]
fn fuzzing_every_script_method_keeps_the_engine_clean() {
    let run = assert_scene_counts("res://tests/fuzz.tscn", "fuzz: ", " calls", 5000);
    assert!(run.output.contains("fuzz seed: "), "{}", run.output);
    assert!(run.output.contains("thread calls: "), "{}", run.output);
}

/// The fuzz with three more seeds (each draws other calls, arguments and
/// frame budgets): 3 x 2000 calls.
#[test]
fn fuzzing_with_other_seeds_keeps_the_engine_clean() {
    for seed in ["1", "2", "3"] {
        let env = [("FUZZ_SEED", seed), ("FUZZ_CALLS", "2000")];
        let run = assert_scene_counts_with("res://tests/fuzz.tscn", &env, "fuzz: ", " calls", 2000);
        assert!(
            run.output.contains(&format!("fuzz seed: {seed} ")),
            "{}",
            run.output
        );
    }
}

/// Over 1M tasks through the pool from GDScript and Rust waves (see
/// `tests/soak.gd`): memory flat, no live task left, clean exit.
#[test]
fn soak_of_a_million_tasks_keeps_memory_flat() {
    assert_scene_counts(
        "res://tests/soak.tscn",
        "soak: ",
        " tasks through the pool",
        1_000_000,
    );
}

#[test]
fn quitting_with_sockets_and_background_work_is_prompt_and_clean() {
    let start = std::time::Instant::now();
    let run = run_scene("res://tests/quit_io.tscn");
    let took = start.elapsed();
    assert!(
        run.output
            .contains("quitting with sockets and background work pending"),
        "{}",
        run.output
    );
    assert_clean(&run);
    // Building is included; the exit itself is bounded by 0.5 s.
    assert!(took < std::time::Duration::from_secs(60), "took {took:?}");
}

#[test]
fn embedded_library_works() {
    let run = run_godot(&["--embedded", "res://tests/embedded/embedded.tscn"]);
    assert!(
        run.output
            .contains("embedded: ok (greet -> embedded hello, dev"),
        "{}",
        run.output
    );
    assert_clean(&run);
}

/// The background-job demo: progress from a worker thread while frames
/// keep coming, headless.
#[test]
fn background_demo_runs() {
    let run = run_scene("res://background_demo.tscn");
    assert!(
        run.output.contains("hash_task done: checksum ")
            && run.output.contains("(last progress 1)"),
        "{}",
        run.output
    );
    assert_clean(&run);
}

/// The HTTP demo: a download from the loopback server with a progress
/// bar, headless; progress reached the whole size.
#[test]
fn http_demo_runs() {
    let run = run_scene("res://http_demo.tscn");
    let size = 32 * 1048576;
    assert!(
        run.output
            .contains(&format!("http_download done: {size} bytes after "))
            && run
                .output
                .contains(&format!("(last progress {size} of {size})")),
        "{}",
        run.output
    );
    assert_clean(&run);
}

/// The benchmark scene at small sizes: it keeps working and prints every
/// table (the figures themselves are for `scripts/bench.sh`, not tests).
#[test]
fn benchmark_scene_runs() {
    let run = run_godot_with(&["res://bench/bench.tscn"], &[("GDT_BENCH_QUICK", "1")]);
    for line in [
        "ratio Rust / GDScript:",
        "concurrent awaits of timers expiring together",
        "timer lateness at 60 fps",
        "1 self-waking task",
        "benchmark done",
    ] {
        assert!(run.output.contains(line), "lacks `{line}`:\n{}", run.output);
    }
    assert_clean(&run);
}

#[test]
fn the_checker_rejects_bad_runs() {
    let bad = |output: &str, code| Run {
        code: Some(code),
        output: output.to_owned(),
    };
    assert!(problems(&bad("1 passed, 0 failed", 0)).is_empty());
    assert!(!problems(&bad("ok", 1)).is_empty());
    assert!(!problems(&bad("SCRIPT ERROR: x", 0)).is_empty());
    assert!(!problems(&bad("thread 'main' panicked at src/x.rs", 0)).is_empty());
    assert!(!problems(&bad("WARNING: ObjectDB instances leaked at exit", 0)).is_empty());
    assert!(!problems(&bad("ERROR: boom", 0)).is_empty());
    assert!(problems(&bad("EXPECT-LOG: boom\nERROR: x: boom", 0)).is_empty());
    assert!(!problems(&bad("EXPECT-LOG: never\n", 0)).is_empty());
    // One declaration covers every line containing its text...
    assert!(problems(&bad("EXPECT-LOG: boom\nERROR: a boom\nERROR: b boom", 0)).is_empty());
    // ...but no other line.
    assert!(!problems(&bad("EXPECT-LOG: boom\nERROR: a boom\nERROR: bang", 0)).is_empty());
    assert!(!problems(&bad("EXPECT-LOG: boom\nERROR: boom\nLeaked instance: X", 0)).is_empty());
    assert!(!problems(&bad("ERROR: Resources still in use at exit", 0)).is_empty());
    // Godot 3.2's format and 3.4+'s (function on the next line) match alike.
    let v32 = "EXPECT-LOG: greet: cannot convert\nERROR: greet: cannot convert x\n   At: a.rs:1.";
    let v36 = "EXPECT-LOG: greet: cannot convert\nERROR: cannot convert x\n   at: greet (a.rs:1)";
    assert!(problems(&bad(v32, 0)).is_empty());
    assert!(problems(&bad(v36, 0)).is_empty());
    let other = "EXPECT-LOG: greet: cannot convert\nERROR: cannot convert x\n   at: other (a.rs:1)";
    assert!(!problems(&bad(other, 0)).is_empty());
    assert!(!problems(&bad("WARNING: x\n     at: f (a.cpp:1)", 0)).is_empty());
    assert_eq!(
        engine_messages("WARNING: w\n     at: f (a.cpp:1)\nERROR: g: e\n   At: b.cpp:2."),
        ["f: w", "g: e"]
    );
    assert_eq!(summary("PASS a\n3 passed, 1 failed\n"), Some((3, 1)));
    assert_eq!(summary("no summary"), None);
}
