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

/// An engine `ERROR:`/`WARNING:` message, in one form for every Godot 3
/// version: `function: message`.
///
/// Godot 3.2 prints `ERROR: function: message` and then `   At: file:line.`;
/// Godot 3.4 and later print `ERROR: message` and then
/// `   at: function (file:line)`. Both become `function: message`, so an
/// `EXPECT-LOG` text matches on every engine.
pub fn engine_messages(output: &str) -> Vec<String> {
    let lines: Vec<&str> = output.lines().collect();
    let mut messages = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(text) = ["ERROR: ", "WARNING: "]
            .iter()
            .find_map(|prefix| line.strip_prefix(prefix))
        else {
            continue;
        };
        let next = lines.get(i + 1).map_or("", |l| l.trim_start());
        let function = next
            .strip_prefix("at: ")
            .and_then(|site| site.rsplit_once(" ("))
            .map(|(function, _)| function);
        messages.push(match function {
            Some(function) => format!("{function}: {text}"),
            None => text.to_owned(),
        });
    }
    messages
}

/// Every problem in `run`'s output; empty when the run was clean.
///
/// A run fails on a non-zero exit code, a `SCRIPT ERROR`, a Rust panic,
/// leaked objects at exit, a godot-rust version warning, and on any engine
/// message ([`engine_messages`]) that the run did not declare with an
/// `EXPECT-LOG: <text>` line (and on a declared line that never appeared).
pub fn problems(run: &Run) -> Vec<String> {
    problems_allowing(run, &[])
}

/// [`problems`], except that lines containing one of `allowed` are not
/// problems (each must appear, though).
pub fn problems_allowing(run: &Run, allowed: &[&str]) -> Vec<String> {
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
    for text in allowed {
        if !run.output.contains(text) {
            problems.push(format!("allowed text never appeared: {text}"));
        }
    }
    let expected: Vec<&str> = run
        .output
        .lines()
        .filter_map(|l| l.strip_prefix("EXPECT-LOG: "))
        .collect();
    let mut matched = vec![false; expected.len()];
    let is_allowed = |line: &str| allowed.iter().any(|a| line.contains(a));
    for line in run.output.lines().filter(|l| !is_allowed(l)) {
        if let Some(bad) = forbidden.iter().find(|f| line.contains(*f)) {
            problems.push(format!("`{bad}`: {line}"));
        }
    }
    for message in engine_messages(&run.output) {
        if is_allowed(&message) {
            continue;
        }
        let hits: Vec<usize> = (0..expected.len())
            .filter(|&i| message.contains(expected[i]))
            .collect();
        if hits.is_empty() {
            problems.push(format!("undeclared engine message: {message}"));
        }
        for i in hits {
            matched[i] = true;
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
    assert_clean_allowing(run, &[]);
}

/// [`assert_clean`] with [`problems_allowing`].
pub fn assert_clean_allowing(run: &Run, allowed: &[&str]) {
    let problems = problems_allowing(run, allowed);
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

/// `cargo`, run under the cargo home's build lock (`locked_cargo` in
/// scripts/engines.sh, `flock` from util-linux): use it for every cargo
/// build a test starts. Builds of two profiles at once would run
/// gdnative-bindings' build script twice in the registry's one copy of the
/// crate, each replacing the docs the other is reading.
pub fn locked_cargo() -> Command {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")))
        .expect("neither CARGO_HOME nor HOME is set");
    let mut command = Command::new(require_tool("flock", "util-linux"));
    command
        .arg(home.join("build.lock"))
        .arg(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command
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

/// The headless engine the tests run: `$GODOT_BIN` (scripts/setup.sh and
/// scripts/test.sh set it), else `godot3-server` on PATH.
pub fn godot_bin() -> PathBuf {
    match std::env::var_os("GODOT_BIN") {
        Some(bin) if !bin.is_empty() => PathBuf::from(bin),
        _ => require_tool("godot3-server", "godot3-server"),
    }
}

/// The version `engine` prints (`3.2.3.stable.custom_build`).
pub fn engine_version(engine: &Path) -> String {
    let out = Command::new(engine)
        .arg("--version")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {} --version: {e}", engine.display()));
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
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

/// [`run_godot_with`], with the loopback servers
/// (`gdnative_tokio_servers::start`) running in this process for the
/// run and their environment (`GDT_HTTP_URL`, `GDT_HTTPS_URL`,
/// `GDT_CA_PEM`, `GDT_WS_URL`, ...) added to `env`.
pub fn run_godot_with_servers(args: &[&str], env: &[(&str, &str)]) -> Run {
    let servers = gdnative_tokio_servers::start();
    let server_env = servers.env();
    let mut all: Vec<(&str, &str)> = server_env
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    all.extend_from_slice(env);
    let run = run_godot_with(args, &all);
    drop(servers);
    run
}

/// Runs `scripts/godot.sh args` (builds the library against `$GODOT_BIN`,
/// runs headless Godot in godot-project) with extra environment `env`.
pub fn run_godot_with(args: &[&str], env: &[(&str, &str)]) -> Run {
    let root = env!("CARGO_MANIFEST_DIR");
    let out = Command::new("bash")
        .envs(env.iter().copied())
        .arg("-c")
        .arg(r#"exec bash "$0/scripts/godot.sh" "$@" 2>&1"#)
        .arg(root)
        .args(args)
        .output()
        .expect("bash must be available to run scripts/godot.sh");
    let run = Run {
        code: out.status.code(),
        output: String::from_utf8_lossy(&out.stdout).into_owned(),
    };
    if run.code == Some(127) {
        panic!(
            "headless Godot 3 is not installed, so the Godot tests cannot run.\n\
             Install it with `sudo apt-get install godot3-server` (or run `bash scripts/test.sh` as \
             root, which installs it), or point GODOT_BIN at a Godot 3 binary.\n{}",
            run.output
        );
    }
    run
}
