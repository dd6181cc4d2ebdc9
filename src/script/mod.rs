//! The GDScript surface: everything a game script calls.
//!
//! - `args.rs`: argument checking ([`Args`](crate::Args)), the one place
//!   that words "argument N `name`: ..." messages;
//! - `guard.rs`: panic-safe async methods ([`guard`](crate::guard));
//! - `method.rs`: the hand-registered method wrappers, their one refusal
//!   type ([`Refusal`](crate::Refusal)) and macro
//!   ([`script_methods!`](crate::script_methods));
//! - `task.rs`: [`AsyncTask`](crate::AsyncTask), the cancellable handle;
//! - `progress.rs`: [`Progress`](crate::Progress), how work reports progress to its task;
//! - `toolkit.rs`: the `Async` autoload ([`AsyncToolkit`](crate::AsyncToolkit));
//! - `awaitable.rs`: what the toolkit's combinators accept;
//! - `call.rs`: Rust awaiting GDScript ([`call`](crate::call),
//!   [`wait`](crate::wait));
//! - `owned.rs`: tasks owned by a node ([`spawn_owned`](crate::spawn_owned),
//!   `Async.owned`);
//! - `error.rs`: the [`AsyncError`](crate::AsyncError) value failures
//!   resolve with.
//!
//! The GDScript tests of this surface are in `godot-project/tests/`.

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
