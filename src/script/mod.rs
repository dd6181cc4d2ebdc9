//! Rust for GDScript: async methods that always resolve ([`guard`],
//! [`guard_result`], the hand-registered wrappers [`ScriptAsyncFn`],
//! [`ScriptTaskFn`] and [`ScriptProgressFn`] with [`script_methods!`] and
//! [`Args`]), the cancellable task handle scripts get ([`AsyncTask`], with
//! [`Progress`]), the `Async` autoload ([`AsyncToolkit`]), and Rust
//! awaiting the script side ([`call`], [`wait`], [`signal`]).
//!
//! Methods written by hand call [`check_main_thread`] first (the wrappers
//! here do it for you). Failures resolve with an
//! [`AsyncError`](crate::error::AsyncError) value.
//!
//! Files: `args.rs` (argument checks, the one place that words "argument N
//! `name`: ..." messages), `guard.rs`, `method.rs` (the wrappers, their one
//! refusal type and macro), `task.rs`, `progress.rs`, `toolkit.rs`,
//! `awaitable.rs` (what the toolkit's combinators accept), `call.rs`,
//! `owned.rs` (tasks owned by a node: [`spawn_owned`](crate::task::spawn_owned),
//! `Async.owned`), `error.rs` (the `AsyncError` Godot class). The GDScript
//! tests of this surface are in `godot-project/tests/`.

pub(crate) mod args;
pub(crate) mod awaitable;
pub(crate) mod call;
pub(crate) mod error;
pub(crate) mod guard;
pub(crate) mod method;
pub(crate) mod owned;
pub(crate) mod progress;
pub(crate) mod task;
pub(crate) mod toolkit;

pub use crate::godot::main_thread::check_main_thread;
pub use crate::godot::signal::{signal, Signal};
pub use args::{Args, MAX_SECONDS};
pub use call::{call, wait, Awaiting};
pub use guard::{guard, guard_result};
pub use method::{Refusal, ScriptAsyncFn, ScriptProgressFn, ScriptTaskFn};
pub use progress::Progress;
pub use task::{AsyncTask, TaskDone};
pub use toolkit::AsyncToolkit;

#[doc(inline)]
pub use crate::__script_methods as script_methods;
