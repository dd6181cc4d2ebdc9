//! Messages to Godot's console, all under the `gdnative-tokio` site so that
//! they are easy to find in a game's log.

use std::fmt::Display;

use gdnative::log::Site;

const SITE: Site<'static> = Site::new(c"gdnative-tokio", c"gdnative-tokio", 0);

/// Prints `ERROR: gdnative-tokio: {message}` to Godot's console.
pub(crate) fn error(message: impl Display) {
    gdnative::log::error(SITE, message);
}

/// Prints `WARNING: gdnative-tokio: {message}` to Godot's console.
pub(crate) fn warn(message: impl Display) {
    gdnative::log::warn(SITE, message);
}
