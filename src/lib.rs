//! # gdnative-tokio
//!
//! Let Godot 3 game scripts `yield` on Rust futures driven by Tokio.
//!
//! GDScript calls an async Rust method and waits for it like for any
//! coroutine:
//!
//! ```gdscript
//! var game = preload("res://game.gdns").new()       # your class, see below
//! var level = yield(game.load_level(3), "completed")
//! yield(Async.sleep(0.5), "completed")                # the Async autoload
//! ```
//!
//! The modules, each named for what it holds:
//! - [`prelude`]: the common case in one `use`: [`guard`](script::guard),
//!   [`AsyncError`](error::AsyncError), [`sleep`](time::sleep),
//!   [`spawn_background`](background::spawn_background), ...
//! - [`script`]: Rust for GDScript: panic-safe async methods that always
//!   resolve ([`guard`](script::guard), [`ScriptAsyncFn`](script::ScriptAsyncFn)),
//!   the cancellable [`AsyncTask`](script::AsyncTask), the `Async` autoload
//!   ([`AsyncToolkit`](script::AsyncToolkit): `sleep`, `frames`, `timeout`,
//!   `all`, `any`, `signal`, ...), and Rust awaiting scripts and signals.
//! - [`task`]: Rust futures on the main thread, run by the game's frames
//!   ([`task::spawn`], [`spawn_named`](task::spawn_named) and the live task
//!   view, [`MainThread`](task::MainThread) for other threads).
//! - [`time`]: frame-accurate [`sleep`](time::sleep), [`frames`](time::frames),
//!   and game time ([`sleep_game`](time::sleep_game), paused with the tree,
//!   scaled by `Engine.time_scale`).
//! - [`background`]: CPU-heavy and blocking work off the main thread, and
//!   request/response [`Service`](background::Service)s.
//! - [`io`]: TCP ([`AsyncTcpStream`](io::AsyncTcpStream),
//!   [`AsyncTcpListener`](io::AsyncTcpListener)) and Rust streams and
//!   channels as Godot signals ([`AsyncStream`](io::AsyncStream)); `net`
//!   (features `http`, `websocket`): HTTP and WebSocket for scripts.
//! - [`error`]: [`AsyncError`](error::AsyncError), what every failure
//!   resolves with.
//! - [`executor`]: the task pool ([`SharedLocalPool`](executor::SharedLocalPool)),
//!   registered as gdnative-async's executor, and the
//!   [`AsyncExecutorDriver`](executor::AsyncExecutorDriver) node that gets
//!   it pumped once per frame within hard bounds.
//!
//! At the top level: [`entry_points!`] (a library's entry points in one
//! line), or [`register`] and [`terminate`] for libraries that write their
//! own. The paths before 0.2 still work for one release, deprecated; the
//! CHANGELOG lists each old path with its new one.
//!
//! Only GDScript, no Rust of your own? Use the Godot addon instead (the
//! release zip, `addons/gdnative_tokio/`): it ships this crate's library.
//!
//! ## From `Cargo.toml` to a `yield` in GDScript
//!
//! **1. A GDNative library crate** that embeds this one (no entry points of
//! its own, so that your library has one set):
//!
//! ```toml
//! [lib]
//! crate-type = ["cdylib"]
//!
//! [dependencies]
//! gdnative = { version = "0.11", features = ["async"] }
//! # Until the crate is on crates.io: a path to a checkout (or a git
//! # dependency); then `version = "0.1"`.
//! gdnative-tokio = { path = "../gdnative-tokio", default-features = false }
//!
//! [features]
//! # Bindings from your engine ($GODOT_BIN) instead of gdnative's Godot
//! # 3.5.1 ones. Your crate needs the feature itself: gdnative's version
//! # check is expanded in your crate and reads your crate's features.
//! custom-godot = ["gdnative/custom-godot", "gdnative-tokio/custom-godot"]
//!
//! # Required: with debug assertions, gdnative 0.11 makes Rust abort Godot
//! # at the first call without arguments; profiles are not inherited from
//! # dependencies. (`register` prints this advice if it is missing.)
//! [profile.dev]
//! debug-assertions = false
//! ```
//!
//! The repository's `templates/game/` is this crate, ready to copy, with a
//! Godot project that uses it.
//!
//! **2. An async method, and the entry points** (`src/lib.rs`):
//! [`entry_points!`] registers this crate, then your classes, and
//! terminates it when Godot unloads the library.
//!
//! ```no_run
//! use std::future::Future;
//! use std::time::Duration;
//!
//! use gdnative::prelude::*;
//! use gdnative_tokio::prelude::*; // guard, sleep, AsyncError, ...
//!
//! /// A class of the game: `preload("res://game.gdns").new()`.
//! #[derive(NativeClass)]
//! #[inherit(Reference)]
//! struct Game;
//!
//! #[methods]
//! impl Game {
//!     fn new(_base: &Reference) -> Self {
//!         Game
//!     }
//!
//!     /// `yield(game.load_level(3), "completed")` -> "level 3", a frame or
//!     /// more later; a panic resolves it with an `AsyncError`.
//!     #[method(async)]
//!     fn load_level(&self, number: i64) -> impl Future<Output = Variant> + 'static {
//!         guard("load_level", async move {
//!             sleep(Duration::from_millis(100)).await; // a Tokio timer
//!             format!("level {number}")
//!         })
//!     }
//! }
//!
//! fn init(handle: InitHandle) {
//!     handle.add_class::<Game>();
//! }
//!
//! // The driver, the toolkit and the executor, then `init`'s classes.
//! gdnative_tokio::entry_points!(init);
//! # fn main() {}
//! ```
//!
//! **3. The Godot side.** `cargo build --release` writes
//! `target/release/libmy_game.so` (`my_game.dll`, `libmy_game.dylib`).
//! Copy the addon folder `addons/gdnative_tokio/` into your project and
//! point the entries of its `gdnative_tokio.gdnlib` at your library: the
//! addon's `.gdns` files, autoload and editor plugin then use the classes
//! your library registered through [`register`]. Make a `game.gdns`
//! (`class_name = "Game"`, same `.gdnlib`), enable the plugin (Project
//! Settings > Plugins; it adds the `Async` autoload, which runs the tasks
//! while no `AsyncExecutorDriver` node is in the tree).
//!
//! **4. GDScript**:
//!
//! ```gdscript
//! var game = preload("res://game.gdns").new()
//!
//! func _ready():
//!     var level = yield(game.load_level(3), "completed")     # "level 3"
//!     yield(Async.sleep(0.5), "completed")                   # the toolkit
//! ```
//!
//! ## Features
//!
//! - `entry-points` (default): this crate's own GDNative entry points, for
//!   using its library as is (the addon does). Turn it off when embedding.
//! - `http` (default): `Async.http_request`, `http_download`,
//!   `http_stream` (reqwest over rustls with the `ring` backend and
//!   compiled-in Mozilla roots; no OpenSSL). An embedding crate with
//!   `default-features = false` turns it on with `features = ["http"]`.
//! - `websocket` (default): the WebSocket client for scripts.
//! - `custom-godot`: bindings generated from the Godot binary in
//!   `$GODOT_BIN` (gdnative's feature of the same name).
//! - `test-support`: a few internals for this repository's tests and
//!   benchmarks (the `testbed/` crate); not part of the API.

#![warn(unreachable_pub, missing_docs)]
#![deny(clippy::undocumented_unsafe_blocks)]

pub mod background;
pub mod error;
pub mod executor;
mod godot;
pub mod io;
#[cfg(feature = "net")]
pub mod net;
pub mod script;
pub mod task;
pub mod time;

mod deprecated;
#[doc(hidden)]
pub use deprecated::*;

/// The common case in one `use gdnative_tokio::prelude::*;`: async
/// methods ([`guard`](crate::script::guard), [`guard_result`](crate::script::guard_result)),
/// their errors, the task handle scripts get, frame-aware waits and work
/// off the main thread.
pub mod prelude {
    pub use crate::background::{spawn_background, spawn_blocking};
    pub use crate::error::{AsyncError, ErrorKind};
    pub use crate::script::{guard, guard_result, AsyncTask};
    pub use crate::time::{next_frame, sleep};
}

#[doc(hidden)]
pub use godot::embed::private as __private;

/// Installs the panic hook that [`register`] installs (panics caught by
/// [`catch_panic`](task::catch_panic) are recorded with their location
/// instead of printed), for tests that run without Godot. Feature
/// `test-support` only.
#[cfg(feature = "test-support")]
#[doc(hidden)]
pub fn install_hook() {
    executor::panic::install_hook();
}

use gdnative::prelude::*;

/// The README's Rust blocks, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

/// The Rust blocks of the guide (docs/guide), compiled as doctests: one
/// item per chapter that has any (`tests/guide.rs` checks that none is
/// left out). Only under `cfg(doctest)`, so the packaged crate, which
/// does not ship the guide, builds without it.
#[cfg(doctest)]
mod guide_doctests {
    #[doc = include_str!("../docs/guide/src/background-io.md")]
    struct BackgroundIo;
    #[doc = include_str!("../docs/guide/src/rust-methods.md")]
    struct RustMethods;
}

/// Registers everything this crate needs with Godot: gdnative-async's
/// runtime classes, this thread's [`SharedLocalPool`](executor::SharedLocalPool) as the executor, a
/// panic hook that reports panics in async methods through Godot, and the
/// classes `AsyncExecutorDriver`, `AsyncError`, `AsyncTask`, `AsyncToolkit`
/// (the `Async` autoload), `AsyncStream`, `AsyncTcpStream` and
/// `AsyncTcpListener`, plus three hidden helper classes. Nothing else: no
/// demo or test class.
///
/// From then on the main thread stays in the pool's Tokio runtime context
/// (see [`SharedLocalPool::enter_for_good`](executor::SharedLocalPool::enter_for_good)): `tokio::spawn`,
/// `tokio::time::sleep` or `TcpStream::connect` work from any code on it,
/// a plain `#[method]` called from `_ready` included.
///
/// Call it exactly once, from your `godot_nativescript_init!` callback;
/// [`entry_points!`] does.
pub fn register(handle: InitHandle) {
    if cfg!(debug_assertions) {
        godot::log::error(
            "this library was built with debug assertions on, and gdnative 0.11 makes Rust \
             abort Godot at the first call without arguments (\"unsafe precondition(s) \
             violated: slice::from_raw_parts\"). Add `[profile.dev] debug-assertions = false` \
             to the Cargo.toml of the crate you build (profiles are not taken from \
             dependencies).",
        );
    }
    godot::main_thread::record();
    gdnative::tasks::register_runtime(&handle);
    let pool = executor::SharedLocalPool::current();
    pool.enter_for_good();
    gdnative::tasks::set_executor(pool);
    godot::lifecycle::register(pool);
    executor::panic::install_hook();
    handle.add_class::<executor::AsyncExecutorDriver>();
    handle.add_class_as::<script::error::ErrorObject>("AsyncError".into());
    handle.add_class::<script::AsyncTask>();
    handle.add_class::<script::AsyncToolkit>();
    handle.add_class::<io::AsyncTcpStream>();
    handle.add_class::<io::AsyncStream>();
    handle.add_class::<io::AsyncTcpListener>();
    #[cfg(feature = "websocket")]
    handle.add_class::<net::AsyncWebSocket>();
    handle.add_class_as::<godot::signal::SignalBridge>("__gdnative_tokio_SignalBridge".into());
    handle.add_class_as::<godot::weak::FreeSentry>("__gdnative_tokio_FreeSentry".into());
    handle.add_class_as::<godot::lifecycle::FrameHook>("__gdnative_tokio_FrameHook".into());
}

/// Drops every pending task (releasing the Godot objects they hold) and
/// gdnative-async's signal observers, and stops the background runtime
/// (waiting at most [`SHUTDOWN_TIMEOUT`](background::SHUTDOWN_TIMEOUT) for blocking work). Call it when the library is unloaded,
/// so that Godot does not report leaked objects at exit.
/// [`entry_points!`] calls it from `godot_nativescript_terminate`.
///
/// In a normal exit the tasks are already gone: they are dropped when the
/// scene tree's root is freed (see the driver's documentation), while the
/// library's classes are still registered. Tasks still pending here (no
/// driver ever entered the tree) release their Godot objects after Godot
/// unregistered the classes, so those objects' Rust data is never dropped:
/// `terminate` prints a warning with their number.
///
/// After `terminate`, the pool is empty but usable. Called from inside a
/// pump (from a task, or a coroutine a task resumed), it prints an error and
/// keeps the tasks (they go on running); it still stops the background
/// runtime.
pub fn terminate() {
    let pending = executor::SharedLocalPool::current().live_tasks();
    if !godot::lifecycle::release_godot_objects() {
        godot::log::error("terminate() called from inside a pump; tasks were kept");
    } else if pending > 0 {
        godot::log::warn(format_args!(
            "{pending} task(s) still pending when the library was unloaded: the Godot \
             objects they hold are freed without their destructors. Keep an \
             AsyncExecutorDriver in the scene tree until the game quits."
        ));
    }
    background::shutdown_background();
}
