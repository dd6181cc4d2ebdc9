//! Messages to Godot's console, each at the Rust source line that printed
//! it (`At: src/...rs:N`), so a game's log says where to look.

use std::ffi::CString;
use std::fmt::Display;
use std::panic::Location;

use gdnative::log::Site;

/// Prints `ERROR: gdnative-tokio: {message}` to Godot's console.
#[track_caller]
pub(crate) fn error(message: impl Display) {
    print(true, "gdnative-tokio", Location::caller(), message);
}

/// Prints `WARNING: gdnative-tokio: {message}` to Godot's console.
#[track_caller]
pub(crate) fn warn(message: impl Display) {
    print(false, "gdnative-tokio", Location::caller(), message);
}

/// Prints `ERROR: {function}: {message}` to Godot's console, made at
/// `location`: the method a script called, and where in Rust it failed.
pub(crate) fn error_in(function: &str, location: &Location<'_>, message: impl Display) {
    print(true, function, location, message);
}

fn print(error: bool, function: &str, location: &Location<'_>, message: impl Display) {
    let c_string = |text: &str| CString::new(text.replace('\0', "")).unwrap_or_default();
    let (file, function) = (c_string(location.file()), c_string(function));
    let site = Site::new(&file, &function, location.line());
    if error {
        gdnative::log::error(site, message);
    } else {
        gdnative::log::warn(site, message);
    }
}
