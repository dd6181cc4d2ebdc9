//! The pump loop: a non-blocking pass that runs what is ready, and what
//! becomes ready while it runs, within hard bounds.
//!
//! A pump runs in *rounds*. Each round:
//!
//! 1. **Runtime.** Turns the runtime's driver (timers, IO) and runs the
//!    runtime's own ready tasks (`tokio::spawn`) inside `Runtime::block_on`,
//!    in bounded turns ([`runtime_turn`](crate::executor::runtime_turn)).
//!    Nothing else runs inside `block_on`.
//! 2. **Pool tasks.** Takes every wake made since the last round (from any
//!    thread) into the pool's run queue, then polls the tasks queued at that
//!    moment, oldest first, each once ((`queue.rs`)). A task woken while
//!    this happens (by itself, another task, or a coroutine it resumed)
//!    waits for the next round.
//! 3. **Ungated tasks.** Ticks the `LocalSet` that holds tasks spawned with
//!    `tokio::task::spawn_local` (which the pool cannot gate) while it has
//!    work, within the pump's allowance for them
//!    ([`SharedLocalPool::UNGATED_TICKS`] ticks and
//!    [`SharedLocalPool::UNGATED_TIME`]).
//!
//! Steps 2 and 3 run outside `block_on`, inside the runtime's context
//! (`Runtime::enter`) and the `LocalSet`'s: so a GDScript coroutine that a
//! task resumes may call code that runs a runtime of its own, and Tokio
//! APIs work in every task.
//!
//! Another round runs only after one in which a pool task made progress
//! (a poll other than one that follows the task's own wake), or in which
//! the `LocalSet` ran out of work and was woken again, and only while the
//! bounds below allow it. So a wake-up hop (IO, timer, a runtime task, a
//! channel between tasks) costs a round, not a frame, and a task that only
//! wakes itself runs at most twice per pump when nothing else happens.
//!
//! # Bounds
//!
//! Each loop has a bound that no task behaviour can defeat:
//! - rounds: at most [`SharedLocalPool::MAX_ROUNDS`]; no round after the first starts once
//!   [`SharedLocalPool::FURTHER_ROUNDS_FOR`] has passed since the second round started;
//! - pool-task polls: each task at most once per round, so at most
//!   `MAX_ROUNDS` × live tasks per pump;
//! - runtime: at most [`MAX_TURNS`](crate::executor::runtime_turn::MAX_TURNS)
//!   `block_on` turns per round, each returning after one bounded batch;
//! - `LocalSet` ticks: at most [`SharedLocalPool::UNGATED_TICKS`] per pump,
//!   and none once [`SharedLocalPool::UNGATED_TIME`] of ticking has passed;
//!   each tick polls a bounded number of tasks (Tokio's per-tick limit).
//!
//! With a budget, the pump also stops as soon as the deadline has passed:
//! after the pool-task poll that crossed it, after the current `LocalSet`
//! tick, after the current runtime batch, and before any further round.
//! What did not run keeps its place in the queue and runs first in the
//! next pump.
//!
//! An idle pump (nothing woken, no runtime task alive) is one driver turn;
//! nothing here blocks, allocates per pump, or looks at tasks that are not
//! ready.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use futures::task::{waker_ref, ArcWake};
use tokio::runtime::Runtime;
use tokio::task::LocalSet;

use crate::executor::queue::RunQueue;
use crate::executor::runtime_turn::{self, RuntimeProbe};
use crate::executor::SharedLocalPool;

/// What one pump did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PumpStats {
    /// Polls of tasks spawned through the pool.
    pub polls: u32,
    /// `LocalSet` ticks (tasks spawned with `tokio::task::spawn_local`),
    /// at most [`SharedLocalPool::UNGATED_TICKS`]: a measure for this
    /// repository's tests, not part of the API.
    #[doc(hidden)]
    pub ticks: u32,
    /// How many rounds (runtime turns, pool tasks, `LocalSet` ticks) ran:
    /// a pool task runs at most once per round.
    pub rounds: u32,
    /// True when the pump stopped at its frame budget with work left.
    pub over_budget: bool,
    /// Pool tasks queued for the next pump when this one ended: those a
    /// budget left, and those woken (by themselves) in its last round.
    pub backlog: usize,
}

/// The error of a pump called while another pump is running on the same
/// thread (from a task, or from a coroutine a task resumed): nothing ran.
/// The running pump goes on; what the call wanted to run runs in it or in
/// the next pump.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReentrantPump;

impl std::fmt::Display for ReentrantPump {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a pump is already running on this thread (re-entrant pump refused)")
    }
}

impl std::error::Error for ReentrantPump {}

/// The pool's parts that a pump works on.
pub(crate) struct Parts<'a> {
    pub runtime: &'a Runtime,
    pub probe: &'a RuntimeProbe,
    pub queue: &'a RunQueue,
    pub local: &'a LocalSet,
    pub local_woken: &'a Arc<LocalWoken>,
    pub next_frame: &'a FrameWaiters,
}

const MAX_ROUNDS: u32 = SharedLocalPool::MAX_ROUNDS;
const FURTHER_ROUNDS_FOR: Duration = SharedLocalPool::FURTHER_ROUNDS_FOR;
const UNGATED_TICKS: u32 = SharedLocalPool::UNGATED_TICKS;
const UNGATED_TIME: Duration = SharedLocalPool::UNGATED_TIME;

/// Runs one pump, stopping after `budget` if given. See the module docs.
pub(crate) fn pump(parts: &Parts<'_>, budget: Option<Duration>) -> PumpStats {
    let deadline = budget.map(|b| Instant::now() + b);
    parts.next_frame.wake_all();
    let mut stats = PumpStats {
        polls: 0,
        ticks: 0,
        rounds: 0,
        over_budget: false,
        backlog: 0,
    };
    let mut contexts = None;
    let mut ungated = Ungated::default();
    let mut further_until = None;
    loop {
        runtime_turn::drive(parts.runtime, parts.probe, deadline);
        parts.queue.take_wakes();
        let local_woken = parts.local_woken.is_set();
        if !parts.queue.has_ready() && !local_woken {
            break; // Idle, or everything ran.
        }
        stats.rounds += 1;
        // Entered once per pump, only when there is work: outside
        // `block_on`, in the runtime's and the `LocalSet`'s context.
        contexts.get_or_insert_with(|| (parts.runtime.enter(), parts.local.enter()));
        let ran = parts.queue.run(deadline);
        stats.polls += ran.polls;
        let mut over = ran.over_deadline;
        let mut ran_dry = false;
        if local_woken && !over && ungated.left() {
            let (ticks, more) = ungated.tick(parts, deadline);
            stats.ticks += ticks;
            ran_dry = !more;
            over = deadline.is_some_and(|d| Instant::now() >= d);
        }
        if over {
            stats.over_budget = true;
            break;
        }
        // Another round only after progress: a pool task that did more
        // than answer its own wake, or a `LocalSet` that ran dry (what
        // wakes it next comes from outside it).
        let progress = ran.progress > 0 || ran_dry;
        if !progress || stats.rounds >= MAX_ROUNDS {
            break;
        }
        // The budget is checked before any further round too.
        if deadline.is_some_and(|d| Instant::now() >= d) {
            stats.over_budget = parts.queue.has_ready() || parts.local_woken.is_set();
            break;
        }
        let until = *further_until.get_or_insert_with(|| Instant::now() + FURTHER_ROUNDS_FOR);
        if Instant::now() >= until {
            break;
        }
    }
    drop(contexts);
    stats.backlog = parts.queue.queued();
    stats
}

/// The pump's allowance for `LocalSet` ticks.
#[derive(Default)]
struct Ungated {
    ticks: u32,
    /// When ticking must stop, fixed at the pump's first tick.
    until: Option<Instant>,
}

impl Ungated {
    fn left(&self) -> bool {
        self.ticks < UNGATED_TICKS && self.until.map_or(true, |u| Instant::now() < u)
    }

    /// Ticks until the `LocalSet` has no work, the allowance is spent, or
    /// the deadline passed. Returns the ticks and whether work was left
    /// (its waker then stays set, for a later round or pump).
    fn tick(&mut self, parts: &Parts<'_>, deadline: Option<Instant>) -> (u32, bool) {
        let until = *self
            .until
            .get_or_insert_with(|| Instant::now() + UNGATED_TIME);
        let woken = parts.local_woken;
        let waker = waker_ref(woken);
        let mut cx = Context::from_waker(&waker);
        let mut run = pin!(parts.local.run_until(std::future::pending::<()>()));
        let mut ticks = 0;
        loop {
            woken.take();
            let _ = run.as_mut().poll(&mut cx);
            ticks += 1;
            self.ticks += 1;
            // The `LocalSet` wakes its waker when a tick ended with work
            // left (or a task was woken during it).
            let more = woken.take();
            let now = Instant::now();
            if !more
                || self.ticks >= UNGATED_TICKS
                || now >= until
                || deadline.is_some_and(|d| now >= d)
            {
                if more {
                    woken.set();
                }
                return (ticks, more);
            }
        }
    }
}

/// Tasks waiting in [`NextFrame`] for the next pump.
#[derive(Default)]
pub(crate) struct FrameWaiters(RefCell<Vec<Waker>>);

impl FrameWaiters {
    #[inline]
    fn wake_all(&self) {
        if self.0.borrow().is_empty() {
            return;
        }
        let wakers = std::mem::take(&mut *self.0.borrow_mut());
        wakers.into_iter().for_each(Waker::wake);
    }
}

/// A future that completes in the pump after the one it was first polled
/// in (or in the next pump, when first polled outside a pump): "continue
/// next frame". Created by [`SharedLocalPool::next_frame`](crate::executor::SharedLocalPool::next_frame).
///
/// Unlike `tokio::task::yield_now()`, which only lets other ready tasks run
/// and may resume within the same pump, this always gives the frame back to
/// the game. Costs one waker clone while waiting.
pub struct NextFrame<'a> {
    waiters: &'a FrameWaiters,
    pumps: &'a Cell<u64>,
    after: Option<u64>,
}

impl<'a> NextFrame<'a> {
    pub(crate) fn new(waiters: &'a FrameWaiters, pumps: &'a Cell<u64>) -> Self {
        NextFrame {
            waiters,
            pumps,
            after: None,
        }
    }
}

impl Future for NextFrame<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let now = self.pumps.get();
        let after = *self.after.get_or_insert(now);
        if now > after {
            return Poll::Ready(());
        }
        self.waiters.0.borrow_mut().push(cx.waker().clone());
        Poll::Pending
    }
}

/// The `LocalSet`'s waker: set when it asks to be ticked again (a tick
/// that stopped with work left, or a task scheduled from outside a tick,
/// from any thread). Starts set, as tasks spawned before the first pump
/// found no waker to wake.
pub(crate) struct LocalWoken(AtomicBool);

impl Default for LocalWoken {
    fn default() -> Self {
        LocalWoken(AtomicBool::new(true))
    }
}

impl LocalWoken {
    fn is_set(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }

    fn take(&self) -> bool {
        self.0.load(Ordering::Acquire) && self.0.swap(false, Ordering::AcqRel)
    }

    pub(crate) fn set(&self) {
        self.0.store(true, Ordering::Release);
    }
}

impl ArcWake for LocalWoken {
    fn wake_by_ref(arc_self: &Arc<Self>) {
        arc_self.set();
    }
}
