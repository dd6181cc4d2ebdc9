//! Tasks on the main thread: spawning Rust futures onto the pool that the
//! game pumps once per frame, their handles, tasks tied to a node, work
//! posted to the main thread from other threads, and the live task view.
//!
//! # Which `spawn`
//!
//! Four ways to start a future from the main thread, each with one
//! meaning:
//!
//! | function | where the future runs | `Send` needed | paced by |
//! | --- | --- | --- | --- |
//! | [`task::spawn`](spawn) (this module) | the main thread's pool | no | the pump: at most once per round, within the frame budget |
//! | `tokio::task::spawn_local` (from a pool task) | the pool's `LocalSet` | no | Tokio: ticked within the pump's allowance for ungated tasks ([`SharedLocalPool::UNGATED_TICKS`](crate::executor::SharedLocalPool::UNGATED_TICKS)) |
//! | `tokio::spawn` | the pool's current-thread runtime | yes | Tokio, inside the pump's runtime turns |
//! | [`spawn_background`](crate::background::spawn_background) | the background runtime's worker threads | yes | not by the game's frames |
//!
//! Use [`spawn`] for game logic (it may hold Godot objects, is counted by
//! the frame budget and is shown by the task view with [`spawn_named`]);
//! use the background runtime for CPU-heavy or blocking work.
//!
//! Like gdext's `godot::task::spawn`, a task here belongs to the engine's
//! main thread: everything in this module panics on another thread (see
//! [`SharedLocalPool::current`](crate::executor::SharedLocalPool::current)),
//! except [`MainThread`], the `Send` handle other threads use.

pub use crate::executor::join::{JoinError, JoinHandle};
pub use crate::executor::panic::{catch_panic, CatchPanic};
pub use crate::executor::registry::{
    set_task_tracking, spawn_named, task_tracking, tasks, TaskInfo, TaskState,
};
pub use crate::executor::rt::spawn;
pub use crate::godot::handle::MainThread;
pub use crate::script::owned::spawn_owned;
