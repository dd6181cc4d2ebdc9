//! The shared, thread-local executor pool that gdnative-async spawns onto.
//!
//! [`SharedLocalPool`] owns a current-thread Tokio runtime (IO and time
//! enabled) and a Tokio [`LocalSet`]. The shared one is created lazily on
//! the main thread (see `owner.rs`), leaked (it lives until the process
//! exits), and reached with [`SharedLocalPool::current`]. Nothing here
//! touches Godot, so the whole executor is testable with plain `cargo
//! test`.
//!
//! The pool does not run by itself: something must call
//! [`SharedLocalPool::pump`] regularly. In a game that is the
//! [`AsyncExecutorDriver`](crate::executor::AsyncExecutorDriver) node, once per frame.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::task::{LocalFutureObj, LocalSpawn, SpawnError};
use tokio::runtime::Runtime;
use tokio::task::LocalSet;

use crate::executor::join::{self, JoinHandle};
use crate::executor::pump::{self, FrameWaiters, LocalWoken, NextFrame, PumpStats, ReentrantPump};
use crate::executor::queue::{RunQueue, TaskFuture};
use crate::executor::runtime_turn::{self, RuntimeProbe};

/// A thread-local task pool: the crate's own run queue for the tasks it
/// spawns, a Tokio [`LocalSet`] for tasks spawned with
/// `tokio::task::spawn_local`, and the current-thread runtime that drives
/// timers, IO and `tokio::spawn` tasks; pumped from the outside.
///
/// # Guarantees
///
/// For each call to [`pump`](Self::pump) (the bounds are the constants
/// below; the loop is described in `src/executor/pump.rs`):
/// - the pump returns: every loop in it is bounded in rounds, polls, ticks
///   and time, whatever the tasks do;
/// - every pool task that is ready (woken) when the pump starts is polled
///   in that pump: tasks whose timer expired or whose IO became ready
///   before it started, and tasks woken from other threads, all of them;
/// - what becomes ready *during* the pump runs in the same pump, hop after
///   hop, while tasks make progress: a task woken by another task, by IO
///   or a timer that a task's work triggered, by a runtime task
///   (`tokio::spawn`), or from another thread, up to [`MAX_ROUNDS`](Self::MAX_ROUNDS)
///   rounds; what is left runs in the next pump;
/// - a pool task runs at most once per round; one that keeps waking itself
///   runs at most twice per pump when nothing else makes progress: it
///   cannot hold the frame;
/// - pool tasks and the GDScript they resume run outside Tokio's
///   `Runtime::block_on` (inside the runtime's context), so code they call
///   may build and run a runtime of its own;
/// - the pump never blocks waiting for work: with nothing ready and no
///   runtime task alive it returns after one non-blocking check of the
///   timer wheel and IO driver;
/// - its cost does not depend on the number of tasks that are pending but
///   not ready.
///
/// Tasks spawned directly with `tokio::task::spawn_local` (from a pool
/// task) are not gated: their `LocalSet` is ticked while it has work,
/// within an allowance per pump ([`UNGATED_TICKS`](Self::UNGATED_TICKS)
/// ticks, [`UNGATED_TIME`](Self::UNGATED_TIME)). Cross-thread wakes of such
/// tasks are served within it; beside such tasks that wake themselves on
/// every poll (which use up the allowance every pump), Tokio serves them
/// only now and then, so they can take more than one pump.
///
/// Spawning (through [`LocalSpawn`] or [`spawn`](Self::spawn)) is
/// allowed at any time on the owning thread, including from inside a task
/// that the pump is polling and from code that such a task calls
/// re-entrantly (e.g. a GDScript coroutine resumed by a completed task).
///
/// # Under load
///
/// - a task that is always ready (wakes itself on every poll) runs at most
///   once per round and never holds the frame;
/// - fan-out/join finishes in a few pumps whatever its size: pool tasks run
///   outside Tokio's cooperative budget, so joining 100k handles does not
///   yield back every 128 of them (a loop over an always-ready channel
///   should therefore `yield_now()` or `next_frame()` now and then);
/// - without a budget, one pump runs all of that, however long it takes
///   (figures in `docs/performance.md`); with one, see
///   [`pump_with_budget`](Self::pump_with_budget).
///
/// # Costs
///
/// Spawning allocates the boxed future (a `LocalSpawn` object is kept as
/// it is) and, for a handle, its shared state; a finished task's waker
/// state is reused. A wake costs an atomic swap and, the first time, a
/// short lock. An idle pump costs one `epoll_wait` with a zero timeout and
/// one timer-wheel check, and allocates nothing; with runtime tasks alive
/// but none ready, one more turn and a few polls of an internal probe task.
/// Each further round costs at least one more driver turn.
pub struct SharedLocalPool {
    runtime: Runtime,
    /// Counts what the runtime's own tasks do in a pump.
    probe: RuntimeProbe,
    /// The pool's own tasks.
    queue: RunQueue,
    /// Tasks spawned with `tokio::task::spawn_local`. Replaced by a fresh
    /// set on [`shutdown`](Self::shutdown) (never during a pump).
    local: RefCell<LocalSet>,
    local_woken: Arc<LocalWoken>,
    next_frame: FrameWaiters,
    pumping: Cell<bool>,
    /// When the running pump's budget ends (see
    /// [`budget_spent`](Self::budget_spent)).
    deadline: Cell<Option<Instant>>,
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
    /// The most rounds one pump runs. A pool task is polled at most once
    /// per round, so at most this many times per pump.
    pub const MAX_ROUNDS: u32 = 256;

    /// No round after the first starts once this much time has passed
    /// since the second round started.
    pub const FURTHER_ROUNDS_FOR: Duration = Duration::from_millis(8);

    /// The most `LocalSet` ticks (tasks spawned with
    /// `tokio::task::spawn_local`) one pump runs. A tick polls a bounded
    /// number of such tasks.
    pub const UNGATED_TICKS: u32 = 512;

    /// The most time one pump spends ticking the `LocalSet` (checked after
    /// each tick).
    pub const UNGATED_TIME: Duration = Duration::from_millis(4);

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
            .event_interval(runtime_turn::EVENT_INTERVAL)
            .build()?;
        Ok(SharedLocalPool {
            probe: RuntimeProbe::new(&runtime),
            runtime,
            queue: RunQueue::default(),
            local: RefCell::new(LocalSet::new()),
            local_woken: Arc::default(),
            next_frame: FrameWaiters::default(),
            pumping: Cell::new(false),
            deadline: Cell::new(None),
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
    /// [`task::spawn`](crate::task::spawn), [`spawn_named`](crate::task::spawn_named),
    /// [`next_frame`](crate::time::next_frame), [`sleep`](crate::time::sleep),
    /// [`frames`](crate::time::frames), [`AsyncStream`](crate::io::AsyncStream).
    /// Also on first use, if the OS refuses to create the runtime's IO
    /// driver.
    pub fn current() -> &'static SharedLocalPool {
        POOL.with(|pool| *pool)
    }

    /// Spawns a future onto this pool and returns its [`JoinHandle`]: what
    /// [`task::spawn`](crate::task::spawn) does on the main thread's pool,
    /// gated by this pool's pump.
    ///
    /// The future first runs in the next pump (in the current one when
    /// called from a task or coroutine the pump is running: in its next
    /// round). Dropping the handle detaches the task; `abort()` on it
    /// cancels the task (its future is dropped when the pump next reaches
    /// it).
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        self.note_spawn();
        let (task, handle) = join::pair(future);
        self.queue.spawn(TaskFuture::Boxed(Box::pin(task)));
        handle
    }

    /// The former name of [`spawn`](Self::spawn).
    #[deprecated(since = "0.2.0", note = "renamed to `SharedLocalPool::spawn`")]
    #[doc(hidden)]
    pub fn spawn_local<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        self.spawn(future)
    }

    /// Runs every ready task once (see the type-level guarantees) and
    /// advances timers and IO, without ever blocking.
    ///
    /// # Errors
    ///
    /// [`ReentrantPump`], and nothing runs, when called from inside a pump
    /// on this thread (from a task, or code a task calls).
    pub fn pump(&self) -> Result<PumpStats, ReentrantPump> {
        self.pump_with_budget(None)
    }

    /// Like [`pump`](Self::pump), but stops once `budget` has been spent;
    /// `None` is the same as `pump`.
    ///
    /// # Guarantees
    ///
    /// - The pump returns after at most `budget` plus **one task poll** for
    ///   pool tasks (including every gdnative async method): the clock is
    ///   read after each poll, and no further pool task is polled once the
    ///   deadline has passed. Tasks spawned directly with
    ///   `tokio::task::spawn_local` are checked after each `LocalSet` tick,
    ///   and the runtime's own tasks (`tokio::spawn`) after each of their
    ///   batches, so each can add one tick or batch.
    /// - Nothing is dropped or reordered: pool tasks that did not run stay in
    ///   the FIFO run queue, ahead of tasks that become ready later. So every
    ///   task runs, and a large batch of work finishes in about (its total
    ///   CPU time / `budget`) pumps. A task with `n` tasks queued ahead of it
    ///   is polled within `n + 1` pumps (each pump polls at least one).
    /// - While work left by a budget drains, the pump still turns the
    ///   runtime between rounds, so IO, timers and runtime tasks are served
    ///   in the same pump.
    /// - A budget caps a pump, it does not fill it: a pump still ends when
    ///   the tasks that were ready at its start have run.
    ///
    /// # Costs
    ///
    /// One clock read per pool-task poll and one per tick while a budget is
    /// set. One slow poll overruns the budget by its own length: the budget
    /// cannot interrupt a poll.
    ///
    /// # Errors
    ///
    /// [`ReentrantPump`], as [`pump`](Self::pump).
    pub fn pump_with_budget(&self, budget: Option<Duration>) -> Result<PumpStats, ReentrantPump> {
        if self.pumping.replace(true) {
            return Err(ReentrantPump);
        }
        let _reset = ResetOnDrop(&self.pumping);
        self.deadline.set(budget.map(|b| Instant::now() + b));
        let _deadline = ClearOnDrop(&self.deadline);
        self.pumps.set(self.pumps.get() + 1);
        let local = self.local.borrow();
        let parts = pump::Parts {
            runtime: &self.runtime,
            probe: &self.probe,
            queue: &self.queue,
            local: &local,
            local_woken: &self.local_woken,
            next_frame: &self.next_frame,
        };
        Ok(pump::pump(&parts, budget))
    }

    /// Whether the running pump's frame budget is spent (always `false`
    /// outside pumps and for pumps without a budget): for tasks that loop
    /// over always-ready work within one poll (`slice.rs`). Costs one
    /// clock read while a budget is set.
    pub(crate) fn budget_spent(&self) -> bool {
        self.deadline.get().is_some_and(|d| Instant::now() >= d)
    }

    /// Pool tasks queued for a later pump (left by a budget, or woken by
    /// themselves in a pump's last round).
    pub fn backlog(&self) -> usize {
        self.queue.queued()
    }

    /// A future that completes in the next pump: "continue next frame".
    /// See [`NextFrame`].
    ///
    /// ```
    /// # let pool: &'static gdnative_tokio::executor::SharedLocalPool =
    /// #     Box::leak(Box::new(gdnative_tokio::executor::SharedLocalPool::new().unwrap()));
    /// pool.spawn(async move {
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
        self.queue.live()
    }

    /// Drops every task (running their destructors) and starts over with an
    /// empty set. Timers and sockets owned by the tasks are released.
    ///
    /// Used when the engine shuts down, so that tasks holding Godot objects
    /// release them before Godot tears its object database down. Returns
    /// `false` (and does nothing) when called from inside a pump.
    pub fn shutdown(&self) -> bool {
        if self.pumping.get() {
            return false;
        }
        let Ok(mut local) = self.local.try_borrow_mut() else {
            return false;
        };
        let old = std::mem::replace(&mut *local, LocalSet::new());
        drop(local);
        // Dropping the tasks inside the runtime lets their timer and IO
        // resources deregister cleanly.
        let _enter = self.runtime.enter();
        self.queue.clear();
        drop(old);
        self.local_woken.set();
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
        // gdnative-async observes completion through the future itself: no
        // handle, and the object is kept as it is (no second allocation).
        self.note_spawn();
        self.queue.spawn(TaskFuture::Obj(future));
        Ok(())
    }
}

/// Clears the budget's deadline when the pump ends.
struct ClearOnDrop<'a>(&'a Cell<Option<Instant>>);

impl Drop for ClearOnDrop<'_> {
    fn drop(&mut self) {
        self.0.set(None);
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
        pool.spawn(async {});
        assert_eq!(SEEN.with(Cell::get), 0, "no observer yet");
        pool.set_spawn_observer(observer);
        pool.spawn(async {});
        pool.spawn(async {});
        assert_eq!(SEEN.with(Cell::get), 2);
        pool.pump().unwrap();
        assert_eq!(pool.live_tasks(), 0);
    }
}
