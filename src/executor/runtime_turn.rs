//! Turning the Tokio runtime inside a pump: its IO and timer driver and
//! its own tasks (`tokio::spawn`). **This is the one module that relies on
//! Tokio behaviour beyond its documented API**; each point is pinned by a
//! test in `tests/pump.rs` (`tokio_pin_*`), so a Tokio release that changes
//! it fails the tests instead of a game:
//!
//! 1. Inside `Runtime::block_on`, `tokio::task::yield_now()` returns only
//!    after the runtime has run its ready tasks and turned its driver once
//!    with a zero timeout (`tokio_pin_yield_now_in_block_on_turns_the_driver`).
//! 2. A current-thread runtime built with `event_interval(n)` polls exactly
//!    `n` of its tasks between two polls of the `block_on` future while its
//!    queue is not empty (`tokio_pin_block_on_polls_event_interval_tasks_between_yields`):
//!    the [`RuntimeProbe`] counts its own polls to learn how many other
//!    tasks ran in a batch.
//!
//! What if either changed: (1) the driver would turn less often than once
//! per round (timers and IO one round late); (2) the probe would misjudge
//! when the runtime is quiet, ending a round's runtime turns early or
//! running all [`MAX_TURNS`]. Neither can make a pump run longer than its
//! bounds, which do not depend on Tokio: at most [`MAX_TURNS`] `block_on`
//! calls per round, each returning after one batch.
//!
//! Only runtime tasks run inside `block_on`: the pool's tasks, the
//! `LocalSet`'s and so every GDScript coroutine they resume run outside it.

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Arc;
use std::task::Poll;
use std::time::Instant;

use tokio::runtime::{Runtime, RuntimeMetrics};

/// The most driver turns in one round while the runtime's own tasks
/// (`tokio::spawn`) keep making progress.
pub(crate) const MAX_TURNS: u32 = 128;

/// The runtime's `event_interval`: how many task polls `block_on` runs
/// between two driver turns (and two polls of its future).
pub(crate) const EVENT_INTERVAL: u32 = 16;

/// Turns the runtime's driver (timers, IO) and runs the runtime's own ready
/// tasks, turn after turn, until a batch between two turns ran nothing (the
/// runtime is quiet), `deadline` passed, or [`MAX_TURNS`]. With no runtime
/// task alive, one turn.
pub(crate) fn drive(runtime: &Runtime, probe: &RuntimeProbe, deadline: Option<Instant>) {
    if probe.metrics.num_alive_tasks() <= usize::from(probe.spawned.get()) {
        runtime.block_on(tokio::task::yield_now());
        return;
    }
    runtime.block_on(async {
        // The first batch ran what was queued before this round's first
        // turn; from the second on, the batch shows what a turn woke.
        tokio::task::yield_now().await;
        for _ in 1..MAX_TURNS {
            if deadline.is_some_and(|d| Instant::now() >= d) {
                break;
            }
            // Tasks queued from outside the runtime (spawned by a pool
            // task, woken by another thread) wait in its global queue, which
            // it serves only now and then while the probe spins: drain them
            // first, unprobed.
            let counted = probe.metrics.global_queue_depth() == 0;
            if counted {
                probe.arm();
            } else {
                probe.disarm();
            }
            tokio::task::yield_now().await;
            if counted && probe.take_polls() >= EVENT_INTERVAL {
                break;
            }
        }
        probe.disarm();
    });
}

/// A runtime task that, while armed, wakes itself on every poll and
/// counts its polls: see [`drive`].
pub(crate) struct RuntimeProbe {
    state: Arc<ProbeState>,
    spawned: Cell<bool>,
    /// The runtime's counters (kept: `Runtime::metrics` clones a handle).
    metrics: RuntimeMetrics,
}

#[derive(Default)]
struct ProbeState {
    armed: AtomicBool,
    polls: AtomicU32,
    waker: futures::task::AtomicWaker,
}

impl RuntimeProbe {
    pub(crate) fn new(runtime: &Runtime) -> Self {
        RuntimeProbe {
            state: Arc::default(),
            spawned: Cell::new(false),
            metrics: runtime.metrics(),
        }
    }

    /// Called inside `block_on`: queues the probe on the runtime.
    fn arm(&self) {
        let state = &self.state;
        state.polls.store(0, Ordering::Relaxed);
        if state.armed.swap(true, Ordering::Relaxed) {
            return; // Queued already: it woke itself.
        }
        if !self.spawned.replace(true) {
            let state = Arc::clone(state);
            drop(tokio::spawn(std::future::poll_fn(move |cx| {
                state.waker.register(cx.waker());
                if state.armed.load(Ordering::Relaxed) {
                    state.polls.fetch_add(1, Ordering::Relaxed);
                    cx.waker().wake_by_ref();
                }
                Poll::<()>::Pending
            })));
        } else {
            state.waker.wake();
        }
    }

    /// The probe's polls since the last call.
    fn take_polls(&self) -> u32 {
        self.state.polls.swap(0, Ordering::Relaxed)
    }

    fn disarm(&self) {
        self.state.armed.store(false, Ordering::Relaxed);
    }
}
