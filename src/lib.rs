//! # gdnative-tokio
//!
//! Let Godot 3 game scripts `yield` on Rust futures driven by Tokio.
//!
//! GDScript calls an async Rust method and waits for it like for any
//! coroutine:
//!
//! ```gdscript
//! var demo = preload("res://addons/gdnative_tokio/async_demo.gdns").new()
//! var waited = yield(demo.delay(0.5), "completed")
//! ```
//!
//! The pieces:
//! - [`SharedLocalPool`] (module [`executor`]): a thread-local Tokio
//!   `LocalSet` plus a current-thread runtime (IO + time), registered as
//!   gdnative-async's executor. Pure Rust.
//! - [`AsyncExecutorDriver`] (module [`driver`]): a `Node` that pumps the
//!   pool once per frame (the pump loop itself is in `pump.rs`).
//! - [`guard`] and [`ScriptAsyncFn`] (module [`method`]): panic-safe async
//!   methods that always resolve, with an [`AsyncError`] on failure.
//! - [`AsyncDemo`]: example methods.
//!
//! ## Embedding in your own GDNative crate
//!
//! Turn off the default `entry-points` feature and call [`register`] from
//! your own init function, and [`terminate`] from your terminate callback:
//!
//! ```ignore
//! // `ignore`: it defines the library's C entry points, which clash with
//! // this crate's own in a doctest binary.
//! use gdnative::prelude::*;
//!
//! fn init(handle: InitHandle) {
//!     gdnative_tokio::register(handle);
//!     // handle.add_class::<MyClass>();
//! }
//! fn shutdown(_info: &gdnative::init::TerminateInfo) {
//!     gdnative_tokio::terminate();
//! }
//! godot_gdnative_init!();
//! godot_nativescript_init!(init);
//! godot_gdnative_terminate!(shutdown);
//! ```

mod awaitable;
mod background;
mod budget;
mod demo;
pub mod driver;
mod error;
pub mod executor;
mod files;
mod log;
pub mod method;
mod once;
mod panic;
mod pump;
mod rt;
mod service;
mod signal;
mod stream;
mod task;
mod task_fn;
mod tcp;
mod toolkit;
mod weak;

#[cfg(feature = "entry-points")]
mod entry;

pub use background::{
    background_workers, default_background_workers, set_background_workers, shutdown_background,
    spawn_background, spawn_blocking, Background, SHUTDOWN_TIMEOUT,
};
pub use demo::{AsyncDemo, HashService};
pub use driver::AsyncExecutorDriver;
pub use error::{AsyncError, ErrorKind};
pub use executor::SharedLocalPool;
pub use method::{guard, guard_result, Args, ScriptAsyncFn, MAX_SECONDS};
pub use rt::{frames, sleep, spawn_local};
pub use service::Service;
pub use signal::{signal, Signal};
pub use stream::{AsyncStream, Step};
pub use task::{AsyncTask, TaskDone};
pub use task_fn::{Refusal, ScriptTaskFn, TaskBody};
pub use tcp::{AsyncTcpListener, AsyncTcpStream};
pub use toolkit::AsyncToolkit;

pub use panic::{catch_panic, install_hook, CatchPanic};
pub use pump::{NextFrame, PumpStats};

/// This thread's [`SharedLocalPool::next_frame`]: completes in the next
/// pump, i.e. the next frame of the game.
pub fn next_frame() -> NextFrame<'static> {
    SharedLocalPool::current().next_frame()
}

use gdnative::prelude::*;

/// Registers everything this crate needs with Godot: gdnative-async's
/// runtime classes, this thread's [`SharedLocalPool`] as the executor, a
/// panic hook that reports panics in async methods through Godot, and the
/// classes `AsyncExecutorDriver`, `AsyncError` and `AsyncDemo`.
///
/// Call it exactly once, from your `godot_nativescript_init!` callback.
pub fn register(handle: InitHandle) {
    gdnative::tasks::register_runtime(&handle);
    let pool = SharedLocalPool::current();
    gdnative::tasks::set_executor(pool);
    pool.set_diagnostics(|message| log::error(message));
    install_hook();
    handle.add_class::<AsyncExecutorDriver>();
    handle.add_class::<AsyncError>();
    handle.add_class::<AsyncDemo>();
    handle.add_class::<AsyncTask>();
    handle.add_class::<AsyncToolkit>();
    handle.add_class::<AsyncTcpStream>();
    handle.add_class::<AsyncStream>();
    handle.add_class::<HashService>();
    handle.add_class::<AsyncTcpListener>();
    handle.add_class_as::<signal::SignalBridge>("__gdnative_tokio_SignalBridge".into());
    handle.add_class_as::<weak::FreeSentry>("__gdnative_tokio_FreeSentry".into());
}

/// Drops every pending task (releasing the Godot objects they hold) and
/// gdnative-async's signal observers, and stops the background runtime
/// (waiting at most [`SHUTDOWN_TIMEOUT`] for blocking work). Call it when the library is unloaded,
/// so that Godot does not report leaked objects at exit. The crate's own
/// entry points call it from `godot_nativescript_terminate`.
///
/// After `terminate`, the pool is empty but usable.
pub fn terminate() {
    if !SharedLocalPool::current().shutdown() {
        log::error("terminate() called from inside a pump; tasks were kept");
    }
    gdnative::tasks::terminate_runtime();
    shutdown_background();
}
