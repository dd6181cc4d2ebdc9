//! The starter template (`templates/game/`) as a new user takes it: copied
//! out of the repository, its dependency pointed at this checkout, built in
//! debug and in release with `custom-godot` against `$GODOT_BIN`, and run
//! headless with no engine message at all. A debug build without the
//! template's `[profile.dev]` lines is also run: the crate must say which
//! lines to add before the engine aborts.

mod common;

use std::path::{Path, PathBuf};

use common::{assert_clean, godot_bin, run_engine, temp_dir, Run};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Copies `from` into `to`, recursively.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("cannot create a folder");
    for entry in std::fs::read_dir(from).expect("cannot list the template") {
        let path = entry.expect("cannot list the template").path();
        let target = to.join(path.file_name().expect("a file name"));
        if path.is_dir() {
            copy_tree(&path, &target);
        } else {
            std::fs::copy(&path, &target).expect("cannot copy a template file");
        }
    }
}

/// The template copied into a new folder, depending on this checkout.
fn copied_template(label: &str) -> PathBuf {
    let dir = temp_dir(label);
    copy_tree(&root().join("templates/game"), &dir);
    let manifest = dir.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).expect("cannot read the template's Cargo.toml");
    let line = r#"gdnative-tokio = { path = "../..", default-features = false }"#;
    assert!(
        text.contains(line),
        "the template's dependency line changed"
    );
    let ours = format!(
        r#"gdnative-tokio = {{ path = "{}", default-features = false }}"#,
        root().display()
    );
    std::fs::write(&manifest, text.replace(line, &ours)).expect("cannot write Cargo.toml");
    dir
}

/// `cargo build` of the template in `dir` (`profile`: "debug" or
/// "release") with `env`, its library copied into the Godot project.
fn build(dir: &Path, profile: &str, env: &[(&str, &str)]) {
    // The template's own target dir beside this crate's, so the engine's
    // cargo home (scripts/engines.sh) and built dependencies are reused.
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"))
        .join("template");
    let mut cargo = common::locked_cargo();
    cargo
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", &target)
        .envs(env.iter().copied())
        .args(["build", "--quiet", "--features", "custom-godot"]);
    if profile == "release" {
        cargo.arg("--release");
    }
    let out = cargo.output().expect("cannot run cargo");
    assert!(
        out.status.success(),
        "building the template ({profile}) failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bin = dir.join("godot/bin");
    std::fs::create_dir_all(&bin).expect("cannot create godot/bin");
    std::fs::copy(
        target.join(profile).join("libmy_game.so"),
        bin.join("libmy_game.so"),
    )
    .expect("cannot copy the built library");
}

fn run(dir: &Path) -> Run {
    run_engine(&godot_bin(), &["--path", "."], &dir.join("godot"), 120)
}

#[test]
fn template_builds_and_runs_in_debug_and_release() {
    let dir = copied_template("template");
    for profile in ["debug", "release"] {
        build(&dir, profile, &[]);
        let run = run(&dir);
        assert!(
            run.output.contains("my game: level 3 loaded"),
            "{profile}: the template's scene did not resume:\n{}",
            run.output
        );
        assert_clean(&run);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Without `debug-assertions = false` in the game's dev profile, gdnative
/// 0.11 makes Rust abort the engine; the crate says which lines to add
/// first, as its first engine message.
#[test]
fn a_debug_build_with_debug_assertions_is_told_how_to_fix_it() {
    let dir = copied_template("template-asserts");
    build(
        &dir,
        "debug",
        &[("CARGO_PROFILE_DEV_DEBUG_ASSERTIONS", "true")],
    );
    let run = run(&dir);
    let first_error = run
        .output
        .lines()
        .find(|l| l.starts_with("ERROR:"))
        .unwrap_or_default();
    assert!(
        first_error.contains("[profile.dev]") && first_error.contains("debug-assertions = false"),
        "no clear error before the engine aborted:\n{}",
        run.output
    );
    let _ = std::fs::remove_dir_all(&dir);
}
