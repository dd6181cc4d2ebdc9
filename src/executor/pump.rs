//! The pump loop: one non-blocking pass over the pool's ready tasks.
//!
//! A pump has three steps:
//!
//! 1. **Timers and IO.** `runtime.block_on(yield_now())` makes the
//!    current-thread scheduler turn its driver once with a zero timeout
//!    (`epoll_wait(0)` plus the timer wheel), then return. Tasks whose timer
//!    expired or whose socket became ready are woken into the `LocalSet`'s
//!    FIFO run queue.
//! 2. **Ready tasks.** A long-lived *sentinel* task is woken, which puts it
//!    at the back of the same run queue. The `LocalSet` is then ticked (up to
//!    61 task polls per tick, Tokio's constant) until the sentinel has been
//!    polled: at that point every task that was queued ahead of it, i.e.
//!    every task that was ready when the pump started, has been polled.
//! 3. **Backlog.** Tasks that a frame budget pushed out of an earlier pump
//!    wait in the [`Backlog`](crate::executor::budget) and are admitted, oldest first,
//!    in batches, until none is left or the budget is spent.
//!
//! Steps 2 and 3 run in the runtime's context (tasks can create timers and
//! sockets) but outside `block_on`: there, `tokio::task::yield_now()` wakes
//! its task at once (behind the sentinel) instead of parking the waker in
//! the scheduler's defer list, which a `block_on` that returned would drop.
//! To continue in the next frame, a task awaits [`NextFrame`], whose
//! waiters are woken at the start of step 2. Tasks woken during step 2 are
//! queued behind the sentinel, so they run in the next pump at the latest
//! (or in this one, if the tick that reached the sentinel still had room).
//!
//! With a budget, the pump also stops at the deadline, through the gate in
//! `budget.rs`; what that guarantees is stated on
//! [`SharedLocalPool::pump_with_budget`](crate::SharedLocalPool::pump_with_budget).
//!
//! Nothing here blocks, allocates per pump, or looks at tasks that are not
//! ready.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::{pin, Pin};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use futures::task::{waker_ref, ArcWake};
use std::time::{Duration, Instant};

use tokio::runtime::Runtime;
use tokio::task::LocalSet;

use crate::executor::budget::Backlog;

/// What one pump did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PumpStats {
    /// How many `LocalSet` ticks (batches of up to 61 task polls) ran.
    pub ticks: u32,
    /// True when the pump was refused because another pump was already
    /// running on this thread (a re-entrant call); nothing ran.
    pub refused: bool,
    /// True when the pump stopped at its frame budget with work left.
    pub over_budget: bool,
    /// Tasks spawned through the pool that wait in the backlog for the next
    /// pump (only ever non-zero after a pump with a budget).
    pub backlog: usize,
}

impl PumpStats {
    /// The result of a refused, re-entrant pump.
    pub const REENTRANT: PumpStats = PumpStats {
        ticks: 0,
        refused: true,
        over_budget: false,
        backlog: 0,
    };
}

/// The pool's parts that a pump works on.
pub(crate) struct Parts<'a> {
    pub runtime: &'a Runtime,
    pub local: &'a LocalSet,
    pub sentinel: &'a Sentinel,
    pub next_frame: &'a FrameWaiters,
    pub backlog: &'a Backlog,
}

/// Runs one pump, stopping after `budget` if given. See the module docs.
pub(crate) fn pump(parts: &Parts<'_>, budget: Option<Duration>) -> PumpStats {
    let backlog = parts.backlog;
    backlog.open(budget.map(|b| Instant::now() + b));
    // Turn the driver: timers and IO wake their tasks into the queue.
    parts.runtime.block_on(tokio::task::yield_now());
    parts.next_frame.wake_all();
    backlog.admit_next_batch();
    // Every wake since the last pump that queued a task (timer, IO, another
    // thread, a spawn, the two lines above) went through the `LocalSet`'s
    // waker; without one, and with the last pump's queue left empty, there
    // is nothing to poll: an idle pump ends here.
    let (ticks, over_budget) = if parts.sentinel.more.0.load(Ordering::Relaxed) {
        let _context = parts.runtime.enter();
        run(parts)
    } else {
        (0, false)
    };
    backlog.close_pump();
    PumpStats {
        ticks,
        refused: false,
        over_budget,
        backlog: backlog.len(),
    }
}

/// Ticks the `LocalSet` until the sentinel, queued behind every ready task,
/// has been polled and the backlog is empty, or the queue ran dry, or the
/// budget is spent. Returns the number of ticks and whether the budget
/// stopped it.
fn run(parts: &Parts<'_>) -> (u32, bool) {
    let (local, sentinel, backlog) = (parts.local, parts.sentinel, parts.backlog);
    // A sentinel still queued from a pump that stopped at its budget marks
    // that pump's ready tasks; when it fires, queue it again for this one's.
    let mut stale = sentinel.arm(local);
    let more = &sentinel.more;
    let waker = waker_ref(more);
    let mut cx = Context::from_waker(&waker);
    let mut tick = pin!(local.run_until(std::future::pending::<()>()));
    let mut ticks = 0;
    loop {
        more.0.store(false, Ordering::Relaxed);
        let _ = tick.as_mut().poll(&mut cx);
        ticks += 1;
        if backlog.is_closed() {
            // Work is left in the queue: the next pump must tick.
            more.0.store(true, Ordering::Relaxed);
            return (ticks, true);
        }
        if stale && sentinel.fired() {
            stale = sentinel.arm(local);
            continue;
        }
        if backlog.admit_next_batch() {
            continue;
        }
        // `LocalSet` wakes the waker when its tick stopped at the task limit
        // with work left; without a wake the queue is empty.
        let queue_empty = !more.0.load(Ordering::Relaxed);
        if queue_empty || (sentinel.fired() && !backlog.has_admitted()) {
            return (ticks, false);
        }
    }
}

/// Tasks waiting in [`NextFrame`] for the next pump.
#[derive(Default)]
pub(crate) struct FrameWaiters(RefCell<Vec<Waker>>);

impl FrameWaiters {
    fn wake_all(&self) {
        let wakers = std::mem::take(&mut *self.0.borrow_mut());
        wakers.into_iter().for_each(Waker::wake);
    }
}

/// A future that completes in the pump after the one it was first polled
/// in (or in the next pump, when first polled outside a pump): "continue
/// next frame". Created by [`SharedLocalPool::next_frame`](crate::SharedLocalPool::next_frame).
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

/// Set when the `LocalSet` asks to be polled again: by a tick that stopped
/// at the task limit, and by any task scheduled from outside a tick. Starts
/// set, as tasks spawned before the first pump found no waker to wake.
struct MoreWork(AtomicBool);

impl Default for MoreWork {
    fn default() -> Self {
        MoreWork(AtomicBool::new(true))
    }
}

impl ArcWake for MoreWork {
    fn wake_by_ref(arc_self: &Arc<Self>) {
        arc_self.0.store(true, Ordering::Relaxed);
    }
}

/// The marker task that tells the pump when the tasks that were ready at its
/// start have all been polled.
#[derive(Default)]
pub(crate) struct Sentinel {
    state: Rc<SentinelState>,
    /// Allocated once, so that a pump allocates nothing.
    more: Arc<MoreWork>,
}

#[derive(Default)]
struct SentinelState {
    waker: RefCell<Option<Waker>>,
    spawned: Cell<bool>,
    /// Woken and not yet polled.
    queued: Cell<bool>,
    fired: Cell<bool>,
}

impl Sentinel {
    /// Queues the sentinel at the back of `local`'s run queue. Returns true
    /// when it was still queued from an earlier pump (that pump stopped at
    /// its budget), in which case it stays where it is.
    fn arm(&self, local: &LocalSet) -> bool {
        let state = &self.state;
        if state.queued.replace(true) {
            return true;
        }
        state.fired.set(false);
        if let Some(waker) = &*state.waker.borrow() {
            waker.wake_by_ref();
        } else if !state.spawned.replace(true) {
            drop(local.spawn_local(SentinelTask(Rc::clone(state))));
        }
        false
    }

    fn fired(&self) -> bool {
        self.state.fired.get()
    }

    /// Forgets the sentinel task (its `LocalSet` was dropped).
    pub(crate) fn reset(&self) {
        self.more.0.store(true, Ordering::Relaxed);
        self.state.waker.borrow_mut().take();
        self.state.spawned.set(false);
        self.state.queued.set(false);
        self.state.fired.set(false);
    }
}

struct SentinelTask(Rc<SentinelState>);

impl Future for SentinelTask {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let state = &self.0;
        state.fired.set(true);
        state.queued.set(false);
        let mut slot = state.waker.borrow_mut();
        if !slot.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
            *slot = Some(cx.waker().clone());
        }
        Poll::Pending
    }
}
