//! The pump loop: a non-blocking pass that runs what is ready, and what
//! becomes ready while it runs, until nothing is.
//!
//! A pump runs in *rounds*. Each round:
//!
//! 1. **Runtime.** Turns the runtime's driver (`epoll_wait(0)` plus the
//!    timer wheel) and runs the runtime's own ready tasks (`tokio::spawn`),
//!    turn after turn, until a batch between two turns ran nothing (see
//!    [`drive`]): an IO chain between runtime tasks (a client's connection
//!    task and a loopback server, say) advances one hop per turn, within
//!    the round. With no runtime task alive, this is one turn.
//! 2. **Local tasks.** If anything was woken (timer, IO, another thread, a
//!    runtime task, a spawn, [`NextFrame`]), ticks the `LocalSet` until its
//!    queue is empty. A *sentinel* task queued behind the tasks ready at
//!    the round's start stops the round early only if no pool task made
//!    progress since it was polled (what is left only wakes itself: an
//!    ungated `tokio::task::spawn_local` task spinning).
//! 3. **Backlog.** Tasks that a frame budget pushed out of an earlier pump
//!    wait in the [`Backlog`](crate::executor::budget) and are admitted, oldest first.
//!
//! A task spawned through the pool (every gdnative async method, the
//! pool's `spawn_local`, [`LocalSpawn`](futures::task::LocalSpawn)) runs
//! at most once per round: polled again in the same round, it is deferred
//! to the next round (see [`crate::executor::budget`]). So the `LocalSet`'s queue
//! empties every round, and with it Tokio's cross-thread queue, which
//! Tokio serves only every 31st poll while local work is queued.
//!
//! Another round runs only if a pool task made progress in this one (ran,
//! other than as the continuation of a deferral), and at most
//! [`MAX_ROUNDS`] per pump: so a wake-up hop (IO, timer, a runtime task, a
//! channel between tasks) costs a round, not a frame, and a task that only
//! wakes itself runs at most twice per pump when nothing else happens, and
//! at most once per round otherwise.
//!
//! Tasks spawned with `tokio::task::spawn_local` are not gated. Two rules
//! keep them in line. The `LocalSet` is ticked inside `block_on`, so
//! `tokio::task::yield_now()` parks its waker in the runtime's defer list
//! until the round's closing driver turn: a task that yields in a loop runs
//! once per round. After the sentinel, with no pool task making progress,
//! a round keeps ticking for at most [`UNGATED_TICKS`] ticks and
//! [`UNGATED_GRACE`]: enough to drain cross-thread wakes of such tasks
//! (Tokio takes them at once when nothing else is queued), and the bound of
//! what a task that wakes itself directly costs per round (behind it, Tokio
//! takes a cross-thread wake only every 31st poll). To continue in the
//! next frame, a task awaits [`NextFrame`], whose waiters are woken when a
//! pump starts.
//!
//! With a budget, the pump also stops as soon as the deadline has passed:
//! after the poll that crossed it for tasks spawned through the pool, after
//! the current tick for tasks spawned with `tokio::task::spawn_local`,
//! after the current batch of 16 polls for runtime tasks, and before any
//! further round. What did not run keeps its order and runs first in the
//! next pump.
//!
//! An idle pump (nothing woken, no runtime task alive) is one driver turn;
//! nothing here blocks, allocates per pump, or looks at tasks that are not
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

use tokio::runtime::{Runtime, RuntimeMetrics};
use tokio::task::LocalSet;

use crate::executor::budget::Backlog;

/// What one pump did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PumpStats {
    /// How many `LocalSet` ticks (batches of up to 61 task polls) ran.
    pub ticks: u32,
    /// How many rounds (driver turns, runtime tasks, then `LocalSet`
    /// tasks) ran: a pool task that keeps waking itself runs at most once
    /// per round.
    pub rounds: u32,
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
        rounds: 0,
        refused: true,
        over_budget: false,
        backlog: 0,
    };
}

/// The pool's parts that a pump works on.
pub(crate) struct Parts<'a> {
    pub runtime: &'a Runtime,
    pub probe: &'a RuntimeProbe,
    pub local: &'a LocalSet,
    pub sentinel: &'a Sentinel,
    pub next_frame: &'a FrameWaiters,
    pub backlog: &'a Rc<Backlog>,
}

/// The most rounds one pump runs: bounds how often a task that keeps
/// waking itself (and another task it ping-pongs with) runs per pump.
pub(crate) const MAX_ROUNDS: u32 = 256;

/// The most driver turns in one round while the runtime's own tasks
/// (`tokio::spawn`) keep making progress.
const MAX_TURNS: u32 = 128;

/// The runtime's `event_interval`: how many task polls `block_on` runs
/// between two driver turns (and two polls of its future).
pub(crate) const EVENT_INTERVAL: u32 = 16;

/// Runs one pump, stopping after `budget` if given. See the module docs.
pub(crate) fn pump(parts: &Parts<'_>, budget: Option<Duration>) -> PumpStats {
    let (backlog, more) = (parts.backlog, &parts.sentinel.more.0);
    backlog.open(budget.map(|b| Instant::now() + b));
    parts.next_frame.wake_all();
    let (mut ticks, mut over_budget, mut round) = (0, false, 0);
    loop {
        let first = round == 0;
        // The budget caps the whole pump; the first round still runs (a
        // gated task's poll is how a spent budget closes the pump). What is
        // left stays flagged in `more` for the next pump.
        if !first && backlog.is_closed() {
            over_budget = true;
            break;
        }
        // Work left in the queue by the last tick, or wakes since then
        // (another thread, a spawn, the frame waiters above).
        let left = more.load(Ordering::Relaxed);
        if left {
            more.store(false, Ordering::Relaxed);
        }
        let woke = drive(parts);
        let deferred = backlog.start_round();
        let admitted = first && backlog.admit_next_batch();
        // Every wake that queued a task went through the `LocalSet`'s waker
        // (`more`); without one, nothing is ready: an idle pump ends here.
        if !(left || woke || (first && (deferred || admitted))) {
            break;
        }
        let progress = backlog.progress();
        let (t, over) = parts.runtime.block_on(async {
            let ran = run(parts);
            // `yield_now` in a task parks its waker in the runtime's defer
            // list, woken at the runtime's next driver turn: so a task that
            // yields runs once per round. `block_on` drops what is still
            // parked when it returns; this turn wakes it first.
            tokio::task::yield_now().await;
            ran
        });
        ticks += t;
        round += 1;
        over_budget = over;
        // Another round (driver turn, runtime tasks, local tasks) only
        // after one in which a pool task did something: a task that only
        // wakes itself is no progress.
        if over || round == MAX_ROUNDS || backlog.progress() == progress {
            break;
        }
    }
    backlog.close_pump();
    PumpStats {
        ticks,
        rounds: round,
        refused: false,
        over_budget,
        backlog: backlog.len(),
    }
}

/// Turns the runtime's driver (timers, IO) and runs the runtime's own ready
/// tasks (`tokio::spawn`), turn after turn, until a batch between two turns
/// ran nothing (the runtime is quiet) or [`MAX_TURNS`]. Returns whether any
/// of it woke a `LocalSet` task.
///
/// With no runtime task alive, one turn. Otherwise the [`RuntimeProbe`]
/// counts what ran: `block_on` polls exactly [`EVENT_INTERVAL`] tasks
/// between two polls of its future while its queue is not empty, and the
/// probe, which wakes itself on each poll, keeps it non-empty; so the
/// batch ran `EVENT_INTERVAL - probe polls` other tasks (pinned by
/// tests/pump.rs).
fn drive(parts: &Parts<'_>) -> bool {
    let (runtime, probe, more) = (parts.runtime, parts.probe, &parts.sentinel.more.0);
    if probe.metrics.num_alive_tasks() <= usize::from(probe.spawned.get()) {
        // Inside `block_on`, `yield_now` parks this future until the
        // runtime has run its ready tasks and turned the driver once with a
        // zero timeout (pinned by tests/pump.rs).
        runtime.block_on(tokio::task::yield_now());
        return more.load(Ordering::Relaxed);
    }
    runtime.block_on(async {
        // The first batch ran what was queued before this pump's first
        // turn; from the second on, the batch shows what a turn woke.
        tokio::task::yield_now().await;
        for _ in 1..MAX_TURNS {
            if parts.backlog.is_closed() {
                // Over budget: at most one batch of runtime tasks past it.
                break;
            }
            // Tasks queued from outside the runtime (spawned by a
            // `LocalSet` task, woken by another thread) wait in its global
            // queue, which it serves only every 31st poll while the probe
            // spins: drain them first, unprobed.
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
    more.load(Ordering::Relaxed)
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
    polls: std::sync::atomic::AtomicU32,
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

/// Ticks the `LocalSet` for one round: until its queue is empty, or the
/// sentinel (queued behind every task ready at the round's start) was
/// polled and no pool task made progress since (what is left is a task
/// that only wakes itself), or the budget is spent. Returns the number of
/// ticks and whether the budget stopped it.
fn run(parts: &Parts<'_>) -> (u32, bool) {
    let (local, sentinel, backlog) = (parts.local, parts.sentinel, parts.backlog);
    // A sentinel still queued from a pump that stopped at its budget marks
    // that pump's ready tasks; when it fires, queue it again for this one's.
    let mut stale = sentinel.arm(local, backlog);
    let more = &sentinel.more;
    let waker = waker_ref(more);
    let mut cx = Context::from_waker(&waker);
    let mut tick = pin!(local.run_until(std::future::pending::<()>()));
    let mut ticks = 0;
    // When the sentinel was first seen fired with no pool task's progress
    // after it: the start of the grace for ungated tasks.
    let mut grace: Option<(u32, Instant)> = None;
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
            stale = sentinel.arm(local, backlog);
            continue;
        }
        if backlog.admit_next_batch() {
            continue;
        }
        // `LocalSet` wakes the waker when its tick stopped at the task limit
        // with work left; without a wake the queue is empty.
        let queue_empty = !more.0.load(Ordering::Relaxed);
        let no_progress = sentinel.fired() && sentinel.progress_at_fire() == backlog.progress();
        let only_spinning = no_progress && {
            let (since, at) = *grace.get_or_insert_with(|| (ticks, Instant::now()));
            ticks - since >= UNGATED_TICKS || at.elapsed() >= UNGATED_GRACE
        };
        if queue_empty || (only_spinning && !backlog.has_admitted()) {
            return (ticks, false);
        }
    }
}

/// The most ticks a round adds, after its sentinel, while no pool task
/// makes progress: what is left is then tasks spawned with
/// `tokio::task::spawn_local`, which the pump cannot tell apart. Tokio
/// reaches cross-thread wakes of such tasks at once when nothing else is
/// queued, but only every 31st poll behind a task that wakes itself; the
/// grace lets the first kind drain within the pump and bounds what the
/// second costs.
const UNGATED_TICKS: u32 = 16;

/// The most time those ticks may take (checked after each tick).
const UNGATED_GRACE: Duration = Duration::from_micros(250);

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
    /// [`Backlog::progress`] when it was last polled.
    progress: Cell<u64>,
}

impl Sentinel {
    /// Queues the sentinel at the back of `local`'s run queue. Returns true
    /// when it was still queued from an earlier pump (that pump stopped at
    /// its budget), in which case it stays where it is.
    fn arm(&self, local: &LocalSet, backlog: &Rc<Backlog>) -> bool {
        let state = &self.state;
        if state.queued.replace(true) {
            return true;
        }
        state.fired.set(false);
        if let Some(waker) = &*state.waker.borrow() {
            waker.wake_by_ref();
        } else if !state.spawned.replace(true) {
            drop(local.spawn_local(SentinelTask(Rc::clone(state), Rc::clone(backlog))));
        }
        false
    }

    fn fired(&self) -> bool {
        self.state.fired.get()
    }

    fn progress_at_fire(&self) -> u64 {
        self.state.progress.get()
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

struct SentinelTask(Rc<SentinelState>, Rc<Backlog>);

impl Future for SentinelTask {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let state = &self.0;
        state.fired.set(true);
        state.queued.set(false);
        state.progress.set(self.1.progress());
        let mut slot = state.waker.borrow_mut();
        if !slot.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
            *slot = Some(cx.waker().clone());
        }
        Poll::Pending
    }
}
