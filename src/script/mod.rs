//! The GDScript surface: everything a game script calls.
//!
//! - `method.rs`: argument checking ([`Args`](crate::Args)), panic-safe
//!   async methods ([`guard`](crate::guard)) and the hand-registered method
//!   wrappers;
//! - `task.rs`: [`AsyncTask`](crate::AsyncTask), the cancellable handle;
//! - `toolkit.rs`: the `Async` autoload ([`AsyncToolkit`](crate::AsyncToolkit));
//! - `awaitable.rs`: what the toolkit's combinators accept;
//! - `error.rs`: the [`AsyncError`](crate::AsyncError) value failures
//!   resolve with.
//!
//! The GDScript tests of this surface are in `godot-project/tests/`.

pub(crate) mod awaitable;
pub(crate) mod error;
pub(crate) mod method;
pub(crate) mod task;
pub(crate) mod task_fn;
pub(crate) mod toolkit;
