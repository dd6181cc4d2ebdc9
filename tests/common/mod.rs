//! What the Godot test files share: a run's result, the checker that
//! decides whether a run was clean, and starting an engine binary with a
//! private HOME and a hard timeout.
//!
//! Each test file uses only part of it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

/// An engine run: exit code and the merged stdout + stderr.
pub struct Run {
    pub code: Option<i32>,
    pub output: String,
}

/// Every problem in `run`'s output; empty when the run was clean.
///
/// A run fails on a non-zero exit code, a `SCRIPT ERROR`, a Rust panic,
/// leaked objects at exit, a godot-rust version warning, and on any engine
/// `ERROR:`/`WARNING:` line that the run did not declare with an
/// `EXPECT-LOG: <text>` line (and on a declared line that never appeared).
pub fn problems(run: &Run) -> Vec<String> {
    let mut problems = Vec::new();
    if run.code != Some(0) {
        problems.push(format!(
            "exit code {:?} (124 means the run timed out)",
            run.code
        ));
    }
    let forbidden = [
        "SCRIPT ERROR",
        "panicked at",
        "ObjectDB instances leaked",
        "Resources still in use at exit",
        "Leaked instance",
        "only compatible with Godot",
    ];
    let expected: Vec<&str> = run
        .output
        .lines()
        .filter_map(|l| l.strip_prefix("EXPECT-LOG: "))
        .collect();
    let mut matched = vec![false; expected.len()];
    for line in run.output.lines() {
        if let Some(bad) = forbidden.iter().find(|f| line.contains(*f)) {
            problems.push(format!("`{bad}`: {line}"));
        }
        if line.starts_with("ERROR:") || line.starts_with("WARNING:") {
            let hits: Vec<usize> = (0..expected.len())
                .filter(|&i| line.contains(expected[i]))
                .collect();
            if hits.is_empty() {
                problems.push(format!("undeclared engine message: {line}"));
            }
            for i in hits {
                matched[i] = true;
            }
        }
    }
    for (text, seen) in expected.iter().zip(matched) {
        if !seen {
            problems.push(format!("declared EXPECT-LOG never appeared: {text}"));
        }
    }
    problems
}

/// Panics with the problems and the whole output unless `run` was clean.
pub fn assert_clean(run: &Run) {
    let problems = problems(run);
    assert!(
        problems.is_empty(),
        "Godot run failed:\n- {}\n--- output ---\n{}",
        problems.join("\n- "),
        run.output
    );
}

/// A fresh, empty directory under the system's temporary directory; the
/// caller removes it (left behind on failure, for a look).
pub fn temp_dir(label: &str) -> PathBuf {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let dir = std::env::temp_dir().join(format!(
        "gdnative-tokio-{label}-{}-{nanos}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).expect("cannot create a temporary directory");
    dir
}

/// The path of `tool` on PATH; panics with how to install it when missing
/// (a missing tool fails the test, it never skips it).
pub fn require_tool(tool: &str, package: &str) -> PathBuf {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(tool))
            .find(|path| path.is_file())
    });
    found.unwrap_or_else(|| {
        panic!(
            "`{tool}` is not installed, so this test cannot run. Install it with \
             `sudo apt-get install {package}` (or run `bash scripts/test.sh` as root, \
             which installs it)."
        )
    })
}

/// Runs `program args` in `dir` with a private HOME (`.config`,
/// `.local/share`, `.cache`), `LANG=en_US.UTF-8`, stderr merged into
/// stdout, killed after `timeout_s` seconds (exit code 124).
pub fn run_engine(program: &Path, args: &[&str], dir: &Path, timeout_s: u32) -> Run {
    let home = temp_dir("home");
    for sub in [".config", ".local/share", ".cache"] {
        std::fs::create_dir_all(home.join(sub)).expect("cannot create the private HOME");
    }
    let out = Command::new("bash")
        .current_dir(dir)
        .env("HOME", &home)
        .env("LANG", "en_US.UTF-8")
        .arg("-c")
        .arg(r#"exec timeout --kill-after=5 "$0" "$@" 2>&1"#)
        .arg(timeout_s.to_string())
        .arg(program)
        .args(args)
        .output()
        .expect("bash must be available to run the engine");
    let _ = std::fs::remove_dir_all(&home);
    Run {
        code: out.status.code(),
        output: String::from_utf8_lossy(&out.stdout).into_owned(),
    }
}
