//! Game time: two clocks that the Godot layer advances once per frame,
//! before the pump, by the frame's idle delta (which Godot has already
//! scaled by `Engine.time_scale`), and the sleep that waits on them.
//!
//! - [`GameTime::Pausable`] stops while the scene tree is paused (what a
//!   `SceneTreeTimer` made with `pause_mode_process = false` does);
//! - [`GameTime::Always`] advances while paused too (`pause_mode_process =
//!   true`).
//!
//! Pure Rust like the rest of the executor: nothing here reads Godot; a
//! test advances the clock by hand. Sleepers wait in a deadline-ordered
//! heap, so a frame costs one heap peek when nothing is due, whatever the
//! number of sleepers.

use std::cell::{Cell, RefCell};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::future::Future;
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

/// Which game clock a [`sleep_game`] follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GameTime {
    /// Stops while the scene tree is paused; scaled by `Engine.time_scale`.
    Pausable,
    /// Runs while the tree is paused too; scaled by `Engine.time_scale`.
    Always,
}

/// One clock: the game time it reached, how many frames advanced it, and
/// the sleepers waiting on it.
#[derive(Default)]
struct Clock {
    now: Cell<Duration>,
    ticks: Cell<u64>,
    sleepers: RefCell<BinaryHeap<Reverse<Entry>>>,
    seq: Cell<u64>,
}

/// A sleeper in the heap, ordered by deadline, then by arrival.
struct Entry {
    deadline: Duration,
    seq: u64,
    waker: Weak<RefCell<Option<Waker>>>,
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        (self.deadline, self.seq) == (other.deadline, other.seq)
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Entry {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.deadline, self.seq).cmp(&(other.deadline, other.seq))
    }
}

impl Clock {
    fn advance(&self, delta: Duration) {
        self.now.set(self.now.get().saturating_add(delta));
        self.ticks.set(self.ticks.get() + 1);
        let now = self.now.get();
        let mut due = Vec::new();
        {
            let mut heap = self.sleepers.borrow_mut();
            while heap.peek().is_some_and(|e| e.0.deadline <= now) {
                if let Some(Reverse(entry)) = heap.pop() {
                    due.push(entry.waker);
                }
            }
        }
        // Woken outside the borrow: a waker may run arbitrary code.
        for slot in due.iter().filter_map(Weak::upgrade) {
            let waker = slot.borrow_mut().take();
            if let Some(waker) = waker {
                waker.wake();
            }
        }
    }

    fn register(&self, deadline: Duration, slot: &Rc<RefCell<Option<Waker>>>) {
        let seq = self.seq.get();
        self.seq.set(seq + 1);
        let mut heap = self.sleepers.borrow_mut();
        // Cancelled sleeps leave entries behind: drop them when they are
        // most of the heap, so memory stays proportional to live sleepers.
        if heap.len() >= 64 && heap.len().is_power_of_two() {
            heap.retain(|e| e.0.waker.strong_count() > 0);
        }
        heap.push(Reverse(Entry {
            deadline,
            seq,
            waker: Rc::downgrade(slot),
        }));
    }
}

/// This thread's game clocks. See the module docs.
#[derive(Default)]
pub struct GameClock {
    pausable: Clock,
    always: Clock,
}

thread_local! {
    static CLOCK: &'static GameClock = Box::leak(Box::default());
}

impl GameClock {
    /// The calling thread's clocks, created on first use and never freed.
    pub fn current() -> &'static GameClock {
        CLOCK.with(|c| *c)
    }

    fn clock(&self, mode: GameTime) -> &Clock {
        match mode {
            GameTime::Pausable => &self.pausable,
            GameTime::Always => &self.always,
        }
    }

    /// Advances the clocks by one frame's `delta` of game time (the idle
    /// delta, already scaled by `Engine.time_scale`); the pausable one only
    /// when `paused` is false. Wakes the sleepers that are due, so they run
    /// in the pump that follows. Called by the frame hook before each pump.
    pub fn advance(&self, delta: Duration, paused: bool) {
        self.always.advance(delta);
        if !paused {
            self.pausable.advance(delta);
        }
    }

    /// The game time `mode`'s clock reached (from zero at startup).
    pub fn now(&self, mode: GameTime) -> Duration {
        self.clock(mode).now.get()
    }
}

/// Waits `duration` of game time (see [`GameTime`]): completes in the first
/// pump whose frame brought `mode`'s clock to at least the deadline, and
/// never before that clock advanced once, so `sleep_game(ZERO, _)` resumes
/// in the next frame that advances it (the next unpaused one for
/// [`GameTime::Pausable`]). The deadline is fixed when this is called.
/// Late by less than one frame, never early; with `Engine.time_scale = 0`
/// (or a paused tree, for `Pausable`) it waits until time moves again.
/// Costs one heap entry and one shared waker slot.
///
/// ```
/// use std::time::Duration;
/// use gdnative_tokio::{time::GameClock, time::GameTime};
/// let pool = gdnative_tokio::executor::SharedLocalPool::current();
/// let clock = GameClock::current();
/// let task = pool.spawn(gdnative_tokio::time::sleep_game(Duration::from_millis(30), GameTime::Pausable));
/// pool.pump().unwrap();
/// clock.advance(Duration::from_millis(20), false);
/// pool.pump().unwrap();
/// clock.advance(Duration::from_millis(20), true); // paused: no game time passes
/// pool.pump().unwrap();
/// assert!(!task.is_finished());
/// clock.advance(Duration::from_millis(20), false);
/// pool.pump().unwrap();
/// assert!(task.is_finished());
/// ```
pub fn sleep_game(duration: Duration, mode: GameTime) -> SleepGame {
    let clock = GameClock::current().clock(mode);
    SleepGame {
        mode,
        deadline: clock.now.get().saturating_add(duration),
        after_tick: clock.ticks.get(),
        slot: None,
    }
}

/// The future of [`sleep_game`].
pub struct SleepGame {
    mode: GameTime,
    deadline: Duration,
    after_tick: u64,
    /// The waker the clock wakes; registered on the first pending poll.
    slot: Option<Rc<RefCell<Option<Waker>>>>,
}

impl SleepGame {
    /// The game time left until the deadline (zero once due).
    pub fn remaining(&self) -> Duration {
        let now = GameClock::current().now(self.mode);
        self.deadline.saturating_sub(now)
    }
}

impl Future for SleepGame {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let clock = GameClock::current().clock(self.mode);
        if clock.ticks.get() > self.after_tick && clock.now.get() >= self.deadline {
            return Poll::Ready(());
        }
        // Not due yet, or due but the clock has not moved since the call
        // (a zero sleep): wait for the next advance past the deadline.
        let deadline = if clock.now.get() >= self.deadline {
            clock.now.get()
        } else {
            self.deadline
        };
        match &self.slot {
            Some(slot) if slot.borrow().is_some() => {
                *slot.borrow_mut() = Some(cx.waker().clone());
            }
            _ => {
                let slot = Rc::new(RefCell::new(Some(cx.waker().clone())));
                clock.register(deadline, &slot);
                self.slot = Some(slot);
            }
        }
        crate::executor::registry::note("game timer");
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::executor::SharedLocalPool;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn pausable_sleep_stops_while_paused_and_always_does_not() {
        let pool = SharedLocalPool::current();
        let clock = GameClock::current();
        let pausable = pool.spawn(sleep_game(MS * 30, GameTime::Pausable));
        let always = pool.spawn(sleep_game(MS * 30, GameTime::Always));
        pool.pump().unwrap();
        for _ in 0..3 {
            clock.advance(MS * 10, true);
            pool.pump().unwrap();
        }
        assert!(always.is_finished(), "30 ms of paused frames");
        assert!(!pausable.is_finished(), "paused frames are no game time");
        for step in 0..3 {
            assert!(!pausable.is_finished(), "early at step {step}");
            clock.advance(MS * 10, false);
            pool.pump().unwrap();
        }
        assert!(
            pausable.is_finished(),
            "due in the frame that reached 30 ms"
        );
    }

    #[test]
    fn zero_sleep_waits_for_the_next_advance() {
        let pool = SharedLocalPool::current();
        let clock = GameClock::current();
        let task = pool.spawn(sleep_game(Duration::ZERO, GameTime::Pausable));
        pool.pump().unwrap();
        pool.pump().unwrap();
        assert!(!task.is_finished(), "no frame advanced the clock");
        clock.advance(Duration::ZERO, true);
        pool.pump().unwrap();
        assert!(!task.is_finished(), "a paused frame does not count");
        clock.advance(Duration::ZERO, false);
        pool.pump().unwrap();
        assert!(task.is_finished());
    }

    #[test]
    fn dropped_sleeps_do_not_pile_up() {
        let clock = GameClock::current();
        let pool = SharedLocalPool::current();
        for _ in 0..1000 {
            let task = pool.spawn(sleep_game(Duration::from_secs(3600), GameTime::Always));
            pool.pump().unwrap();
            task.abort();
            pool.pump().unwrap();
        }
        assert!(clock.always.sleepers.borrow().len() <= 130);
    }
}
