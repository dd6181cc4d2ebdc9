//! The Windows library's checks: its import and export tables (read with
//! mingw-w64's `objdump -p`) and loading it under Wine with `LoadLibrary`
//! and `GetProcAddress` (`scripts/windows.sh load`). Used by
//! tests/addon.rs on the DLL in the release zip.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::require_tool;

/// What Godot 3 resolves in a GDNative library, after the `.gdnlib`'s
/// `symbol_prefix`: `gdnative_init` and `nativescript_init` are required
/// (Godot refuses the library without them); Godot calls the two
/// `terminate`s when present, and the crate's entry points define them.
pub const ENTRY_POINTS: [&str; 4] = [
    "gdnative_init",
    "gdnative_terminate",
    "nativescript_init",
    "nativescript_terminate",
];

/// DLLs every Windows 10 or newer has (the API sets `api-ms-win-*` too).
/// Anything else, mingw-w64's `libgcc_s_seh-1.dll` and
/// `libwinpthread-1.dll` above all, would have to ship beside the library.
const SYSTEM_DLLS: &[&str] = &[
    "advapi32.dll",
    "bcrypt.dll",
    "bcryptprimitives.dll",
    "crypt32.dll",
    "iphlpapi.dll",
    "kernel32.dll",
    "msvcrt.dll",
    "mswsock.dll",
    "ncrypt.dll",
    "ntdll.dll",
    "ole32.dll",
    "oleaut32.dll",
    "secur32.dll",
    "shell32.dll",
    "user32.dll",
    "userenv.dll",
    "ws2_32.dll",
];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A DLL's import and export tables.
#[derive(Debug)]
pub struct Tables {
    /// The DLLs it imports from, as named in its import table.
    pub imports: Vec<String>,
    /// The names it exports.
    pub exports: Vec<String>,
}

/// Reads `dll`'s tables with `x86_64-w64-mingw32-objdump -p`.
pub fn tables(dll: &Path) -> Tables {
    let objdump = require_tool("x86_64-w64-mingw32-objdump", "gcc-mingw-w64-x86-64");
    let out = Command::new(objdump)
        .arg("-p")
        .arg(dll)
        .output()
        .expect("cannot run x86_64-w64-mingw32-objdump");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "objdump -p {} failed: {}",
        dll.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let mut imports: Vec<String> = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("DLL Name: "))
        .map(str::to_owned)
        .collect();
    imports.sort();
    imports.dedup();
    // The export names: `[   0] name` lines after the name pointer table's
    // header, up to the next blank line.
    let exports = text
        .lines()
        .skip_while(|l| !l.starts_with("[Ordinal/Name Pointer] Table"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter_map(|l| l.trim().split_once("] ").map(|(_, name)| name.to_owned()))
        .collect();
    Tables { imports, exports }
}

/// Whether Windows 10 or newer has `dll` itself.
fn is_system_dll(dll: &str) -> bool {
    let dll = dll.to_ascii_lowercase();
    dll.starts_with("api-ms-win-") || SYSTEM_DLLS.contains(&dll.as_str())
}

/// Everything wrong with `dll` as a Godot library for Windows: imports of
/// DLLs that are not Windows' own, and entry points in `symbols` it does
/// not export. Empty when it is fine.
pub fn problems(dll: &Path, symbols: &[String]) -> Vec<String> {
    let tables = tables(dll);
    let mut problems: Vec<String> = tables
        .imports
        .iter()
        .filter(|name| !is_system_dll(name))
        .map(|name| format!("imports {name}, which is not a Windows system DLL"))
        .collect();
    problems.extend(
        symbols
            .iter()
            .filter(|symbol| !tables.exports.contains(symbol))
            .map(|symbol| format!("does not export {symbol}")),
    );
    if tables.imports.is_empty() {
        problems.push("objdump found no import table".to_owned());
    }
    problems
}

/// `scripts/windows.sh load`: loads `dll` under Wine and resolves
/// `symbols`. Whether every step worked, and the output.
pub fn load_under_wine(dll: &Path, symbols: &[String]) -> (bool, String) {
    let out = Command::new("bash")
        .arg(root().join("scripts/windows.sh"))
        .arg("load")
        .arg(dll)
        .args(symbols)
        .output()
        .expect("bash must be available to run scripts/windows.sh");
    let output = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), output)
}

/// Builds `tests/windows/<source>` into the DLL `out` with mingw-w64
/// (`gcc -shared` plus `args`).
pub fn mingw_dll(out: &Path, source: &str, args: &[&str]) -> PathBuf {
    let status = Command::new("bash")
        .arg(root().join("scripts/windows.sh"))
        .arg("mingw-dll")
        .arg(out)
        .arg(root().join("tests/windows").join(source))
        .args(args)
        .status()
        .expect("bash must be available to run scripts/windows.sh");
    assert!(status.success(), "mingw-w64 could not build {source}");
    out.to_owned()
}

/// The `.gdnlib`'s `symbol_prefix` and `Windows.64` entry.
pub fn gdnlib_windows(gdnlib: &str) -> (String, String) {
    let value = |key: &str| {
        gdnlib
            .lines()
            .find_map(|l| l.strip_prefix(key)?.strip_prefix('='))
            .map(|v| v.trim_matches('"').to_owned())
            .unwrap_or_else(|| panic!("the .gdnlib has no {key}:\n{gdnlib}"))
    };
    (value("symbol_prefix"), value("Windows.64"))
}
