//! The executor: the main thread's task pool ([`SharedLocalPool`]), what
//! one pump of it did ([`PumpStats`], or [`ReentrantPump`] when a pump was
//! already running), and the node that gets it pumped once per frame
//! ([`AsyncExecutorDriver`]). Games rarely touch it from Rust: adding the
//! driver node, or enabling the addon's `Async` autoload, is enough; tests
//! and benchmarks pump a pool by hand.
//!
//! The code in this folder is pure Rust (no gdnative import; the driver is
//! re-exported from the Godot layer): the thread-local pool (`pool.rs`),
//! its own run queue (`queue.rs`) and task handles (`join.rs`), the pump
//! loop that runs it within hard bounds (`pump.rs`), the runtime turn, the
//! one module that relies on Tokio's scheduling (`runtime_turn.rs`),
//! helpers for code on the pool (`rt.rs`: `task::spawn`, `time::sleep`,
//! `time::frames`), which thread the shared pool belongs to (`owner.rs`), a
//! looping task's share of a frame (`slice.rs`), the game clocks that
//! game-time sleeps follow (`game_clock.rs`), the live task view's
//! bookkeeping (`registry.rs`), panic catching (`panic.rs`) and a set-once
//! cell shared by callbacks and futures (`once.rs`). Tested with plain
//! `cargo test` (tests/pump.rs, tests/pump_model.rs and the unit tests
//! here).

pub(crate) mod game_clock;
pub(crate) mod join;
pub(crate) mod once;
pub(crate) mod owner;
pub(crate) mod panic;
mod pool;
pub(crate) mod pump;
pub(crate) mod queue;
pub(crate) mod registry;
pub(crate) mod rt;
pub(crate) mod runtime_turn;
pub(crate) mod slice;

pub use crate::godot::driver::AsyncExecutorDriver;
pub use pool::SharedLocalPool;
pub use pump::{PumpStats, ReentrantPump};
