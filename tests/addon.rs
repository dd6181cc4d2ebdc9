//! The Godot addon as users install it: `scripts/release.sh` writes the
//! zip for the engine line of `$GODOT_BIN`; the zip is unpacked into fresh
//! projects that headless Godot runs and that the real editor (Debian's
//! `godot3`, 3.2.3, under `xvfb-run`) opens with the plugin. The Godot 3.5
//! zip (gdnative's stock bindings) runs on Godot 3.6, the nearest engine
//! this machine has, with the version warning as its only engine message.
//!
//! The zip's Windows library is checked from its import and export tables
//! and loaded under Wine (`windows`, `scripts/windows.sh`).
//!
//! Runs are checked by the same checker as tests/godot.rs (`common`).

mod common;
mod windows;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use common::{
    assert_clean, assert_clean_allowing, engine_version, godot_bin, require_tool, run_engine,
    temp_dir,
};

const ADDON: &str = "addons/gdnative_tokio";

/// Every file the zip must hold, relative to its root.
const ZIP_FILES: &[&str] = &[
    "addons/gdnative_tokio/gdnative_tokio.gdnlib",
    "addons/gdnative_tokio/async_executor_driver.gdns",
    "addons/gdnative_tokio/async_toolkit.gdns",
    "addons/gdnative_tokio/async_task.gdns",
    "addons/gdnative_tokio/async_error.gdns",
    "addons/gdnative_tokio/async_stream.gdns",
    "addons/gdnative_tokio/async_tcp_stream.gdns",
    "addons/gdnative_tokio/async_tcp_listener.gdns",
    "addons/gdnative_tokio/async_web_socket.gdns",
    "addons/gdnative_tokio/plugin.cfg",
    "addons/gdnative_tokio/plugin.gd",
    "addons/gdnative_tokio/async_executor_driver.svg",
    "addons/gdnative_tokio/task_overlay.tscn",
    "addons/gdnative_tokio/task_overlay.gd",
    "addons/gdnative_tokio/LICENSE",
    "addons/gdnative_tokio/README.md",
    "addons/gdnative_tokio/bin/libgdnative_tokio.so",
    "addons/gdnative_tokio/bin/gdnative_tokio.dll",
];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs the release command with `env`; the zip's path.
fn release(env: &[(&str, &str)], line: &str) -> PathBuf {
    let out = Command::new("bash")
        .arg(root().join("scripts/release.sh"))
        .envs(env.iter().copied())
        .output()
        .expect("bash must be available to run scripts/release.sh");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "scripts/release.sh failed ({:?}):\n{stdout}\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    let zip = PathBuf::from(stdout.lines().last().unwrap_or_default());
    let version = env!("CARGO_PKG_VERSION");
    assert_eq!(
        zip,
        root().join(format!(
            "dist/gdnative-tokio-addon-{version}-godot{line}.zip"
        )),
        "release.sh must print the zip's path last"
    );
    assert!(zip.is_file(), "{} was not written", zip.display());
    zip
}

/// The engine line (`3.2`, `3.6`) of the engine the tests run.
fn engine_line() -> String {
    let version = engine_version(&godot_bin());
    version.split('.').take(2).collect::<Vec<_>>().join(".")
}

/// The zip for the tests' engine, built once per test binary.
fn release_zip() -> &'static Path {
    static ZIP: OnceLock<PathBuf> = OnceLock::new();
    ZIP.get_or_init(|| release(&[], &engine_line()))
}

/// The zip's entries (files and directories), one per line of `unzip -Z1`.
fn zip_entries(zip: &Path) -> Vec<String> {
    let unzip = require_tool("unzip", "unzip");
    let out = Command::new(unzip)
        .arg("-Z1")
        .arg(zip)
        .output()
        .expect("cannot run unzip");
    assert!(
        out.status.success(),
        "unzip -Z1 failed on {}",
        zip.display()
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

/// A new project directory holding the unpacked addon.
fn project_with_addon(label: &str) -> PathBuf {
    project_with_zip(label, release_zip())
}

/// A new project directory holding `zip`, unpacked.
fn project_with_zip(label: &str, zip: &Path) -> PathBuf {
    let dir = temp_dir(label);
    let status = Command::new(require_tool("unzip", "unzip"))
        .arg("-q")
        .arg(zip)
        .arg("-d")
        .arg(&dir)
        .status()
        .expect("cannot run unzip");
    assert!(status.success(), "unzip failed");
    dir
}

fn copy_into(dir: &Path, from: &str, names: &[&str]) {
    for name in names {
        std::fs::copy(root().join(from).join(name), dir.join(name))
            .unwrap_or_else(|e| panic!("cannot copy {from}/{name}: {e}"));
    }
}

#[test]
fn addon_zip_has_the_asset_library_layout() {
    let entries = zip_entries(release_zip());
    for wanted in ZIP_FILES {
        assert!(
            entries.iter().any(|e| e == wanted),
            "the zip lacks {wanted}: {entries:#?}"
        );
    }
    for entry in &entries {
        assert!(
            entry.starts_with(ADDON) || ADDON.starts_with(entry.trim_end_matches('/')),
            "{entry} is outside {ADDON}/"
        );
        assert!(
            !entry.ends_with(".import"),
            "editor cache in the zip: {entry}"
        );
    }
}

/// The zip's Windows library, where its `.gdnlib` says, loads on a Windows
/// machine with nothing else installed: it imports only Windows system
/// DLLs, exports the entry points Godot resolves (with the `.gdnlib`'s
/// prefix), and `LoadLibrary` and `GetProcAddress` find them under Wine.
#[test]
fn the_zips_windows_library_needs_only_system_dlls_and_loads_under_wine() {
    let dir = project_with_addon("windows");
    let gdnlib = std::fs::read_to_string(dir.join(ADDON).join("gdnative_tokio.gdnlib"))
        .expect("cannot read the zip's .gdnlib");
    let (prefix, entry) = windows::gdnlib_windows(&gdnlib);
    let dll = dir.join(
        entry
            .strip_prefix("res://")
            .unwrap_or_else(|| panic!("Windows.64 is not a res:// path: {entry}")),
    );
    assert!(dll.is_file(), "the zip has no {entry}");
    let symbols: Vec<String> = windows::ENTRY_POINTS
        .iter()
        .map(|name| format!("{prefix}{name}"))
        .collect();
    let problems = windows::problems(&dll, &symbols);
    assert!(
        problems.is_empty(),
        "{entry}: {problems:#?}\n{:#?}",
        windows::tables(&dll)
    );
    let (loaded, output) = windows::load_under_wine(&dll, &symbols);
    assert!(loaded, "{entry} under Wine:\n{output}");
    for symbol in &symbols {
        let line = format!("GetProcAddress {symbol}: ok");
        assert!(output.contains(&line), "lacks `{line}`:\n{output}");
    }
    println!("{entry}: {:#?}\n{output}", windows::tables(&dll));
    let _ = std::fs::remove_dir_all(&dir);
}

/// The checks above reject a DLL that needs mingw-w64's runtime DLLs and
/// lacks an entry point (`tests/windows/bad_dll.c`).
#[test]
fn the_windows_checks_reject_runtime_imports_and_a_missing_entry_point() {
    let dir = temp_dir("bad-dll");
    let dll = windows::mingw_dll(
        &dir.join("bad.dll"),
        "bad_dll.c",
        &["-shared-libgcc", "-pthread"],
    );
    let symbols: Vec<String> = windows::ENTRY_POINTS
        .iter()
        .map(|name| format!("godot_{name}"))
        .collect();
    let problems = windows::problems(&dll, &symbols);
    for wanted in [
        "imports libgcc_s_seh-1.dll, which is not a Windows system DLL",
        "imports libwinpthread-1.dll, which is not a Windows system DLL",
        "does not export godot_nativescript_init",
        "does not export godot_nativescript_terminate",
    ] {
        assert!(
            problems.iter().any(|p| p == wanted),
            "no `{wanted}` in {problems:#?}"
        );
    }
    assert_eq!(problems.len(), 4, "{problems:#?}");
    // Wine cannot load it (no mingw-w64 runtime DLLs there, as on Windows).
    let (loaded, output) = windows::load_under_wine(&dll, &symbols[..2]);
    assert!(!loaded, "the bad DLL loaded:\n{output}");
    assert!(
        output.contains("LoadLibrary bad.dll failed"),
        "not the LoadLibrary failure:\n{output}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Runs the fresh-project scene on `godot` with `zip` installed; its
/// engine messages must be `allowed` ones.
fn run_fresh_project(label: &str, zip: &Path, godot: &Path, allowed: &[&str]) {
    let dir = project_with_zip(label, zip);
    copy_into(
        &dir,
        "tests/addon/fresh_project",
        &["project.godot", "main.tscn", "main.gd"],
    );
    let run = run_engine(godot, &["--path", "."], &dir, 120);
    let line = "ADDON-RUN sleep(0.1) waited 0.1 s: True; frames(2) -> 2";
    assert!(run.output.contains(line), "lacks `{line}`:\n{}", run.output);
    assert!(
        run.output.contains("Async.all -> [2, hello, all]"),
        "Async.all did not resolve:\n{}",
        run.output
    );
    assert_clean_allowing(&run, allowed);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn addon_zip_runs_in_a_fresh_project() {
    run_fresh_project("fresh", release_zip(), &godot_bin(), &[]);
}

/// The Godot 3.5 zip is built with gdnative's stock bindings. No Godot 3.5
/// binary can be had here, so it runs on Godot 3.6 (`GODOT_BIN` must be
/// one), where the stock bindings' version warning must be its only engine
/// message.
#[test]
fn stock_bindings_zip_runs_on_godot_3_6_with_only_the_version_warning() {
    let godot = godot_bin();
    let version = engine_version(&godot);
    assert!(
        version.starts_with("3.6"),
        "this test runs the Godot 3.5 zip on Godot 3.6; GODOT_BIN is {version}"
    );
    let zip = release(&[("GDT_BINDINGS", "default")], "3.5");
    let warning = "This godot-rust version is only compatible with Godot >= 3.5.1 and < 3.6; \
                   detected version 3.6";
    run_fresh_project("stock", &zip, &godot, &[warning]);
}

#[test]
fn editor_plugin_adds_and_removes_the_autoload() {
    let editor = require_tool("godot3", "godot3");
    let xvfb = require_tool("xvfb-run", "xvfb xauth");
    let dir = project_with_addon("editor");
    let check = dir.join("addons/gdt_editor_check");
    std::fs::create_dir_all(&check).expect("cannot create the check plugin's folder");
    std::fs::copy(
        root().join("tests/addon/editor_check.gd"),
        check.join("plugin.gd"),
    )
    .expect("cannot copy editor_check.gd");
    std::fs::write(
        check.join("plugin.cfg"),
        "[plugin]\n\nname=\"gdt editor check\"\ndescription=\"tests/addon.rs\"\n\
         author=\"tests\"\nversion=\"1\"\nscript=\"plugin.gd\"\n",
    )
    .expect("cannot write plugin.cfg");
    std::fs::write(
        dir.join("project.godot"),
        "config_version=4\n\n[application]\n\nconfig/name=\"editor check\"\n\n\
         [editor_plugins]\n\nenabled=PoolStringArray( \"gdt_editor_check\" )\n",
    )
    .expect("cannot write project.godot");
    let godot3 = editor.to_string_lossy();
    let args = [
        "-a",
        godot3.as_ref(),
        "--audio-driver",
        "Dummy",
        "--editor",
        "--path",
        ".",
    ];
    let run = run_engine(&xvfb, &args, &dir, 180);
    println!("editor output:\n{}", run.output); // shown with --nocapture
    let toolkit = "*res://addons/gdnative_tokio/async_toolkit.gdns";
    for line in [
        "EDITOR-CHECK before: plugin=False autoload=none saved=none".to_owned(),
        format!("EDITOR-CHECK enabled: plugin=True autoload={toolkit} saved={toolkit}"),
        "EDITOR-CHECK driver icon imported: True".to_owned(),
        "EDITOR-CHECK task overlay loads: True".to_owned(),
        "EDITOR-CHECK disabled: plugin=False autoload=none saved=none".to_owned(),
        "EDITOR-CHECK done".to_owned(),
    ] {
        assert!(
            run.output.lines().any(|l| l == line),
            "editor output lacks `{line}`:\n{}",
            run.output
        );
    }
    assert_clean(&run);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Every class `register` adds has a `.gdns` in the addon (classes added
/// later must not be forgotten there).
#[test]
fn every_registered_class_has_a_gdns() {
    let lib = std::fs::read_to_string(root().join("src/lib.rs")).expect("cannot read src/lib.rs");
    // `add_class::<Name>()`, and `add_class_as::<Type>("Name".into())` for
    // a class registered under another name (hidden `__` ones excepted).
    let classes: Vec<&str> = lib
        .lines()
        .filter_map(|l| {
            let l = l.trim();
            if let Some(rest) = l.strip_prefix("handle.add_class::<") {
                // `module::Type`: the class is named for the type.
                let path = rest.split_once(">()")?.0;
                return path.rsplit("::").next();
            }
            let rest = l.strip_prefix("handle.add_class_as::<")?;
            let name = rest.split_once(">(\"")?.1.split_once('"')?.0;
            (!name.starts_with("__")).then_some(name)
        })
        .collect();
    assert!(classes.len() >= 7, "found only {classes:?} in src/lib.rs");
    let addon = root().join("godot-project").join(ADDON);
    let mut scripts = String::new();
    for entry in std::fs::read_dir(&addon).expect("cannot list the addon") {
        let path = entry.expect("cannot list the addon").path();
        if path.extension().is_some_and(|e| e == "gdns") {
            scripts += &std::fs::read_to_string(&path).expect("cannot read a .gdns");
        }
    }
    for class in &classes {
        assert!(
            scripts.contains(&format!("class_name = \"{class}\"")),
            "{class} is registered but has no .gdns in {}",
            addon.display()
        );
    }
    // ...and the addon ships no .gdns of a class `register` does not add
    // (the testbed's demo and test classes stay out of it).
    for line in scripts.lines() {
        if let Some(name) = line.strip_prefix("class_name = ") {
            let name = name.trim_matches('"');
            assert!(
                classes.contains(&name),
                "the addon has a .gdns of {name}, which register() does not add"
            );
        }
    }
}
