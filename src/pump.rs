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
//!
//! 3. **Deferred wakes.** Tasks that called `tokio::task::yield_now()` in
//!    step 2 handed their wakers to the scheduler's defer list; a second
//!    zero-timeout driver turn wakes them (a `block_on` that returned
//!    without it would silently drop them), and they run in the next pump.
//!    So `yield_now()` in a task means "continue next frame".
//!
//! All three steps run inside one `block_on`, so tasks can create timers and
//! sockets. Tasks woken during step 2 are queued behind the sentinel, so
//! they run in the next pump at the latest (or in this one, if the tick that
//! reached the sentinel still had room). Nothing here blocks, allocates per
//! pump, or looks at tasks that are not ready.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::{pin, Pin};
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use futures::task::{waker_ref, ArcWake};
use tokio::runtime::Runtime;
use tokio::task::LocalSet;

/// What one pump did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PumpStats {
    /// How many `LocalSet` ticks (batches of up to 61 task polls) ran.
    pub ticks: u32,
    /// True when the pump was refused because another pump was already
    /// running on this thread (a re-entrant call); nothing ran.
    pub refused: bool,
}

impl PumpStats {
    /// The result of a refused, re-entrant pump.
    pub const REENTRANT: PumpStats = PumpStats {
        ticks: 0,
        refused: true,
    };
}

/// Runs one pump of `local` on `runtime`. See the module docs.
pub(crate) fn pump(runtime: &Runtime, local: &LocalSet, sentinel: &Sentinel) -> PumpStats {
    runtime.block_on(async {
        // Turn the driver: timers and IO wake their tasks into the queue.
        tokio::task::yield_now().await;
        let ticks = run_until_sentinel(local, sentinel);
        // Hand the wakers that tasks deferred with `yield_now()` back to
        // their tasks (they run next pump); a `block_on` that returned now
        // would drop them.
        tokio::task::yield_now().await;
        PumpStats {
            ticks,
            refused: false,
        }
    })
}

/// Ticks `local` until the sentinel, queued behind every ready task, has
/// been polled (or the queue ran dry). Returns the number of ticks.
fn run_until_sentinel(local: &LocalSet, sentinel: &Sentinel) -> u32 {
    sentinel.arm(local);
    let more = &sentinel.more;
    let waker = waker_ref(more);
    let mut cx = Context::from_waker(&waker);
    let mut run = pin!(local.run_until(std::future::pending::<()>()));
    let mut ticks = 0;
    loop {
        more.0.store(false, Ordering::Relaxed);
        let _ = run.as_mut().poll(&mut cx);
        ticks += 1;
        // `LocalSet` wakes the waker when its tick stopped at the task limit
        // with work left; without a wake the queue is empty.
        if sentinel.fired() || !more.0.load(Ordering::Relaxed) {
            return ticks;
        }
    }
}

/// Set when the `LocalSet` asks to be polled again.
#[derive(Default)]
struct MoreWork(AtomicBool);

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
    fired: Cell<bool>,
}

impl Sentinel {
    /// Queues the sentinel at the back of `local`'s run queue.
    fn arm(&self, local: &LocalSet) {
        let state = &self.state;
        state.fired.set(false);
        if let Some(waker) = &*state.waker.borrow() {
            waker.wake_by_ref();
        } else if !state.spawned.replace(true) {
            drop(local.spawn_local(SentinelTask(Rc::clone(state))));
        }
    }

    fn fired(&self) -> bool {
        self.state.fired.get()
    }

    /// Forgets the sentinel task (its `LocalSet` was dropped).
    pub(crate) fn reset(&self) {
        self.state.waker.borrow_mut().take();
        self.state.spawned.set(false);
        self.state.fired.set(false);
    }
}

struct SentinelTask(Rc<SentinelState>);

impl Future for SentinelTask {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let state = &self.0;
        state.fired.set(true);
        let mut slot = state.waker.borrow_mut();
        if !slot.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
            *slot = Some(cx.waker().clone());
        }
        Poll::Pending
    }
}
