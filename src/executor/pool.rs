//! The shared, thread-local executor pool that gdnative-async spawns onto.
//!
//! [`SharedLocalPool`] owns a current-thread Tokio runtime (IO and time
//! enabled) and a Tokio [`LocalSet`]. The shared one is created lazily on
//! the main thread (see `owner.rs`), leaked (it lives until the process
//! exits), and reached with [`SharedLocalPool::current`]. Nothing here touches Godot, so the whole
//! executor is testable with plain `cargo test`.
//!
//! The pool does not run by itself: something must call
//! [`SharedLocalPool::pump`] regularly. In a game that is the
//! [`AsyncExecutorDriver`](crate::AsyncExecutorDriver) node, once per frame.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::rc::Rc;
use std::time::Duration;

use futures::task::{LocalFutureObj, LocalSpawn, SpawnError};
use tokio::runtime::Runtime;
use tokio::task::{JoinHandle, LocalSet};

use crate::executor::budget::{Backlog, Budgeted};
use crate::executor::pump::{self, FrameWaiters, NextFrame, PumpStats, Sentinel};

/// A thread-local task pool: a Tokio [`LocalSet`] plus the current-thread
/// runtime that drives its timers and IO, pumped from the outside.
///
/// # Guarantees
///
/// For each call to [`pump`](Self::pump):
/// - every task that is ready (woken) when the pump starts is polled in that
///   pump, including tasks whose timer expired or whose IO became ready
///   before the pump started, and tasks woken from other threads (all of
///   them, however much local work is queued beside them);
/// - what becomes ready *during* the pump runs in the same pump, hop after
///   hop, while tasks make progress: a task woken by another task, by IO
///   or a timer that a task's work triggered (a loopback request and its
///   response), by a runtime task (`tokio::spawn`), or from another thread.
///   The pump ends when nothing is ready, after at most 256 rounds (see
///   [`PumpStats::rounds`]); what is left runs in the next pump at the
///   latest;
/// - a task spawned through the pool that keeps waking itself runs at most
///   once per round, and when nothing else makes progress at most twice
///   per pump: it cannot hold the frame;
/// - the runtime's own tasks (`tokio::spawn` from this thread) run in the
///   pump until none is ready (at most 128 driver turns per round);
/// - the pump never blocks waiting for work: with nothing ready and no
///   runtime task alive it returns after one non-blocking check of the
///   timer wheel and IO driver;
/// - its cost does not depend on the number of tasks that are pending but
///   not ready.
///
/// Tasks spawned directly with `tokio::task::spawn_local` are not gated.
/// One that loops on `yield_now()` still runs once per round (the pump
/// ticks inside the runtime, whose defer list holds its waker until the
/// round ends). One that wakes its own waker directly runs for at most
/// the rest of a Tokio tick plus the pump's grace for ungated tasks (16
/// ticks of up to 61 polls, and 0.25 ms) per round; behind it, Tokio serves
/// cross-thread wakes of other ungated tasks only every 31st poll, so they
/// can take more than one pump.
///
/// Spawning (through [`LocalSpawn`] or [`spawn_local`](Self::spawn_local)) is
/// allowed at any time on the owning thread, including from inside a task
/// that the pump is polling and from code that such a task calls
/// re-entrantly (e.g. a GDScript coroutine resumed by a completed task).
///
/// # Under load
///
/// So, under load:
///
/// - a task that is always ready (wakes itself on every poll) runs at most
///   once per round and never holds the frame;
/// - fan-out/join finishes in a few pumps whatever its size: tasks spawned
///   through the pool, which includes every `#[method(async)]` future, are
///   exempt from Tokio's cooperative budget, so joining 100k handles does
///   not yield back every 128 of them (a loop over an always-ready channel
///   should therefore `yield_now()` or `next_frame()` now and then);
/// - without a budget, one pump runs all of that, however long it takes
///   (figures in `docs/performance.md`); with one, see
///   [`pump_with_budget`](Self::pump_with_budget).
///
/// # Costs
///
/// Spawning allocates one Tokio task. An idle pump costs one `epoll_wait`
/// with a zero timeout and one timer-wheel check, and allocates nothing;
/// with runtime tasks alive but none ready, one more turn and 16 polls of
/// an internal probe task. Each further round costs at least one more
/// driver turn.
pub struct SharedLocalPool {
    runtime: Runtime,
    /// Counts what the runtime's own tasks do in a pump.
    probe: pump::RuntimeProbe,
    /// Replaced by a fresh set on [`shutdown`](Self::shutdown); only shared
    /// borrows are taken while pumping or spawning, so spawning from inside a
    /// pump never conflicts.
    local: RefCell<LocalSet>,
    sentinel: Sentinel,
    next_frame: FrameWaiters,
    backlog: Rc<Backlog>,
    pumping: Cell<bool>,
    entered_for_good: Cell<bool>,
    spawn_observer: Cell<Option<fn()>>,
    spawned: Cell<u64>,
    pumps: Cell<u64>,
}

thread_local! {
    static POOL: &'static SharedLocalPool = {
        if let Err(owner) = crate::executor::owner::claim() {
            panic!("{}", crate::executor::owner::refusal(owner));
        }
        Box::leak(Box::new(
            SharedLocalPool::new().expect("gdnative-tokio: the OS refused to create a Tokio runtime"),
        ))
    };
}

impl SharedLocalPool {
    /// Creates a standalone pool with its own runtime.
    ///
    /// Games use the per-thread pool from [`current`](Self::current); a
    /// standalone pool is useful for tests and benchmarks.
    ///
    /// # Errors
    ///
    /// Fails only if the OS refuses the runtime's IO driver (epoll).
    pub fn new() -> io::Result<Self> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .event_interval(pump::EVENT_INTERVAL)
            .build()?;
        Ok(SharedLocalPool {
            probe: pump::RuntimeProbe::new(&runtime),
            runtime,
            local: RefCell::new(LocalSet::new()),
            sentinel: Sentinel::default(),
            next_frame: FrameWaiters::default(),
            backlog: Rc::default(),
            pumping: Cell::new(false),
            entered_for_good: Cell::new(false),
            spawn_observer: Cell::new(None),
            spawned: Cell::new(0),
            pumps: Cell::new(0),
        })
    }

    /// The main thread's pool, created on first use and never freed.
    ///
    /// The main thread is the one that registered the crate
    /// ([`register`](crate::register), Godot's main thread) or, in a
    /// program without Godot, the first thread that called this. Costs one
    /// thread-local lookup.
    ///
    /// # Panics
    ///
    /// On any other thread, with a message naming the main thread (the
    /// pool and its tasks are thread-local: a pool on another thread would
    /// never be pumped). Everything built on it panics the same way there:
    /// [`spawn_local`](crate::spawn_local), [`spawn_named`](crate::spawn_named),
    /// [`next_frame`](crate::next_frame), [`sleep`](crate::sleep),
    /// [`frames`](crate::frames), [`AsyncStream`](crate::AsyncStream).
    /// Also on first use, if the OS refuses to create the runtime's IO
    /// driver.
    pub fn current() -> &'static SharedLocalPool {
        POOL.with(|pool| *pool)
    }

    /// Spawns a future onto the pool and returns Tokio's handle to it.
    ///
    /// The future first runs in the next pump. Dropping the handle detaches
    /// the task; `abort()` on it cancels the task (its future is dropped at
    /// the next pump).
    pub fn spawn_local<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        self.local.borrow().spawn_local(self.wrap(future))
    }

    /// What every task spawned through the pool runs: the future, exempt
    /// from Tokio's cooperative budget (the pump bounds the frame instead:
    /// see [`pump_with_budget`](Self::pump_with_budget)), behind the gate
    /// that counts it as live, runs it once per pump round and applies the
    /// frame budget.
    fn wrap<F: Future>(&self, future: F) -> Budgeted<tokio::task::Unconstrained<F>> {
        self.note_spawn();
        Budgeted::new(&self.backlog, tokio::task::unconstrained(future))
    }

    /// Runs every ready task once (see the type-level guarantees) and
    /// advances timers and IO, without ever blocking.
    ///
    /// Calling `pump` from inside a pump (re-entrantly, e.g. from a task) is
    /// refused: it returns [`PumpStats::REENTRANT`] and does nothing.
    pub fn pump(&self) -> PumpStats {
        self.pump_with_budget(None)
    }

    /// Like [`pump`](Self::pump), but stops once `budget` has been spent;
    /// `None` is the same as `pump`.
    ///
    /// # Guarantees
    ///
    /// - The pump returns after at most `budget` plus **one task poll** for
    ///   tasks spawned through the pool (including every gdnative async
    ///   method): each such task checks the clock after its poll, and tasks
    ///   polled after the deadline do not run. Tasks spawned directly with
    ///   `tokio::task::spawn_local` are checked between Tokio ticks, so they
    ///   can add the rest of a tick: up to 60 more of their polls. The
    ///   runtime's own tasks (`tokio::spawn`) are checked between batches of
    ///   16 polls, so they can add up to 16 of their polls.
    /// - Nothing is dropped or reordered: pool tasks that did not run wait in
    ///   a FIFO backlog that the next pumps serve first, oldest first, before
    ///   tasks that became ready later. So every task runs, and a large batch
    ///   of work finishes in about (its total CPU time / `budget`) pumps.
    /// - A budget caps a pump, it does not fill it: a pump still ends when
    ///   the tasks that were ready at its start (and the backlog) have run.
    ///
    /// # Costs
    ///
    /// One clock read per pool-task poll and one per tick while a budget is
    /// set; a task pushed into the backlog is polled once more (without
    /// running) when it is admitted. One slow poll overruns the budget by
    /// its own length: the budget cannot interrupt a poll.
    pub fn pump_with_budget(&self, budget: Option<Duration>) -> PumpStats {
        if self.pumping.replace(true) {
            return PumpStats::REENTRANT;
        }
        let _reset = ResetOnDrop(&self.pumping);
        self.pumps.set(self.pumps.get() + 1);
        let local = self.local.borrow();
        let parts = pump::Parts {
            runtime: &self.runtime,
            probe: &self.probe,
            local: &local,
            sentinel: &self.sentinel,
            next_frame: &self.next_frame,
            backlog: &self.backlog,
        };
        pump::pump(&parts, budget)
    }

    /// Whether the running pump's frame budget is spent (always `false`
    /// outside pumps and for pumps without a budget). Costs one clock read
    /// while a budget is set.
    pub(crate) fn budget_spent(&self) -> bool {
        self.backlog.is_closed()
    }

    /// Pool tasks waiting in the frame-budget backlog for a later pump.
    pub fn backlog(&self) -> usize {
        self.backlog.len()
    }

    /// A future that completes in the next pump: "continue next frame".
    /// See [`NextFrame`].
    ///
    /// ```
    /// # let pool: &'static gdnative_tokio::SharedLocalPool =
    /// #     Box::leak(Box::new(gdnative_tokio::SharedLocalPool::new().unwrap()));
    /// pool.spawn_local(async move {
    ///     for step in 0..3 {
    ///         // ... one slice of work per frame ...
    ///         pool.next_frame().await;
    ///     }
    /// });
    /// ```
    pub fn next_frame(&self) -> NextFrame<'_> {
        NextFrame::new(&self.next_frame, &self.pumps)
    }

    /// How many pumps ran (refused re-entrant calls not counted).
    pub fn pumps(&self) -> u64 {
        self.pumps.get()
    }

    /// Whether a pump is running on this thread right now.
    pub fn is_pumping(&self) -> bool {
        self.pumping.get()
    }

    /// The number of tasks spawned through this pool that have not finished
    /// or been dropped yet.
    pub fn live_tasks(&self) -> usize {
        self.backlog.live()
    }

    /// Drops every task (running their destructors) and starts over with an
    /// empty set. Timers and sockets owned by the tasks are released.
    ///
    /// Used when the engine shuts down, so that tasks holding Godot objects
    /// release them before Godot tears its object database down. Returns
    /// `false` (and does nothing) when called from inside a pump.
    pub fn shutdown(&self) -> bool {
        let Ok(mut local) = self.local.try_borrow_mut() else {
            return false;
        };
        let old = std::mem::replace(&mut *local, LocalSet::new());
        drop(local);
        // Dropping the set drops its tasks; do it inside the runtime so that
        // timer and IO resources deregister cleanly.
        let _enter = self.runtime.enter();
        drop(old);
        self.sentinel.reset();
        self.backlog.clear();
        true
    }

    /// Enters the pool's runtime context so that Tokio APIs (`sleep`,
    /// `TcpStream::connect`, ...) can be created outside a task.
    pub fn enter(&self) -> tokio::runtime::EnterGuard<'_> {
        self.runtime.enter()
    }

    /// Keeps the calling thread in the pool's runtime context for the rest
    /// of its life, so that Tokio APIs that need a runtime (`tokio::spawn`,
    /// `tokio::time::sleep`, `TcpStream::connect`, ...) work from any code
    /// on it, not only from tasks the pump polls. [`register`](crate::register)
    /// calls it for the main thread; calling it again does nothing.
    ///
    /// `tokio::spawn` from this thread then queues a task on the pool's
    /// runtime, which the pump runs (see [`pump`](Self::pump)). Costs one
    /// leaked context guard per thread.
    pub fn enter_for_good(&'static self) {
        if !self.entered_for_good.replace(true) {
            // The guard restores the previous context when dropped; it is
            // never dropped. Nested guards (`enter`, `block_on`) still nest
            // and unwind above it.
            std::mem::forget(self.runtime.enter());
        }
    }

    /// Calls `observer` on every spawn through the pool. The Godot layer
    /// uses it to say that no driver pumps the pool; it costs one indirect
    /// call per spawn.
    pub(crate) fn set_spawn_observer(&self, observer: fn()) {
        self.spawn_observer.set(Some(observer));
    }

    /// The number of tasks ever spawned through this pool.
    pub fn spawned_tasks(&self) -> u64 {
        self.spawned.get()
    }

    fn note_spawn(&self) {
        self.spawned.set(self.spawned.get() + 1);
        if let Some(observer) = self.spawn_observer.get() {
            observer();
        }
    }
}

impl LocalSpawn for SharedLocalPool {
    fn spawn_local_obj(&self, future: LocalFutureObj<'static, ()>) -> Result<(), SpawnError> {
        // The handle is dropped: gdnative-async observes completion through
        // the future itself.
        // Boxed again: Tokio allocates each task cell at a 128-byte alignment,
        // and the gated object pushes the cell from 128 to 256 bytes; a
        // second small allocation costs less than that (benches/ecosystem.rs).
        let task: Pin<Box<dyn Future<Output = ()>>> = Box::pin(self.wrap(future));
        drop(self.local.borrow().spawn_local(task));
        Ok(())
    }
}

struct ResetOnDrop<'a>(&'a Cell<bool>);

impl Drop for ResetOnDrop<'_> {
    fn drop(&mut self) {
        self.0.set(false);
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::SharedLocalPool;

    #[test]
    fn the_spawn_observer_sees_every_spawn() {
        thread_local!(static SEEN: Cell<usize> = const { Cell::new(0) });
        fn observer() {
            SEEN.with(|s| s.set(s.get() + 1));
        }
        let pool: &'static SharedLocalPool =
            Box::leak(Box::new(SharedLocalPool::new().expect("runtime")));
        pool.spawn_local(async {});
        assert_eq!(SEEN.with(Cell::get), 0, "no observer yet");
        pool.set_spawn_observer(observer);
        pool.spawn_local(async {});
        pool.spawn_local(async {});
        assert_eq!(SEEN.with(Cell::get), 2);
        pool.pump();
        assert_eq!(pool.live_tasks(), 0);
    }
}
