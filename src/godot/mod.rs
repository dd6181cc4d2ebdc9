//! The Godot layer: what ties the pure-Rust executor to the engine.
//!
//! - `driver.rs`: the `AsyncExecutorDriver` node users put in their scene;
//! - `lifecycle.rs`: the one owner of "who pumps": the frame hook on the
//!   tree's `idle_frame`, the live drivers and their budgets, and the
//!   release of every Godot object at exit;
//! - `weak.rs`, `signal.rs`: weak objects, "freed" notification and
//!   awaiting a Godot signal from Rust;
//! - `handle.rs`: [`MainThread`](crate::task::MainThread), work posted to the
//!   main thread from any thread;
//! - `pause.rs`: which game clock a node's pause mode follows;
//! - `log.rs`, `main_thread.rs`: console messages and the main-thread rule;
//! - `embed.rs`: `entry_points!`, the entry points of a library that
//!   embeds the crate;
//! - `entry.rs`: the library's own entry points (feature `entry-points`).

pub(crate) mod driver;
pub(crate) mod embed;
#[cfg(feature = "entry-points")]
mod entry;
pub(crate) mod handle;
pub(crate) mod lifecycle;
pub(crate) mod log;
pub(crate) mod main_thread;
pub(crate) mod pause;
pub(crate) mod signal;
pub(crate) mod weak;
