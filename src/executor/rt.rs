//! Helpers for Rust code running on the pool: spawning, frame-aware sleeps
//! and frame counting. All of them use the main thread's
//! [`SharedLocalPool`]; called on another thread they panic (see
//! [`SharedLocalPool::current`]).

use std::future::Future;
use std::time::{Duration, Instant};

use crate::executor::join::JoinHandle;
use crate::executor::pump::NextFrame;

use crate::executor::SharedLocalPool;

/// Spawns `future` on the main thread's pool and returns its [`JoinHandle`]:
/// `.await` it for `Ok(output)` (or `Err` if it panicked or was aborted),
/// `.abort()` it to cancel (the future is dropped in the next pump).
/// Dropping the handle detaches the task.
///
/// The task is *gated by the pump*: it is polled only by
/// [`SharedLocalPool::pump`], at most once per round and within the frame
/// budget, like gdnative-async's async methods (the pool's guarantees).
/// This is not `tokio::task::spawn_local`, whose tasks the pool cannot gate
/// (see [`crate::task`] for the table of spawns).
///
/// Usable from any code on the main thread while the pool is registered,
/// inside or outside a task. The future first runs in the next pump; with
/// no driver in the scene tree it waits (and an error says what to add).
/// Costs one boxed future and the handle's shared state.
///
/// # Panics
///
/// Off the main thread (an OS thread, a `spawn_background` future), with
/// a message naming the main thread: see [`SharedLocalPool::current`].
///
/// ```
/// use gdnative_tokio::{executor::SharedLocalPool, task};
///
/// let pool = SharedLocalPool::current();
/// let handle = task::spawn(async { 6 * 7 });
/// let waiter = task::spawn(async move { handle.await.unwrap() + 1 });
/// pool.pump().unwrap();
/// pool.pump().unwrap();
/// assert!(waiter.is_finished());
/// ```
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    SharedLocalPool::current().spawn(future)
}

/// Waits `duration` on a Tokio timer, frame-aware: completes in the first
/// pump at or after the deadline (so it is late by less than one frame), and
/// never in the pump it started in, so `sleep(Duration::ZERO)` in a loop
/// gives each frame back to the game instead of spinning. Costs one timer
/// entry.
///
/// Tokio rounds a timer up to its next millisecond, which would make a
/// deadline that falls just after a frame's pump wait for the following
/// frame. So the timer is set 1 ms early and the deadline itself is checked
/// with the clock in each pump from then on: the sleep never ends early.
///
/// The deadline is fixed when `sleep` is called, like
/// `tokio::time::sleep`, not at the first poll (which, for a call made
/// outside a pump, is the next frame's pump). The Tokio timer itself is
/// created on first poll, so the future can be built outside the runtime
/// (e.g. in a method body) and awaited in a task.
///
/// ```
/// use std::time::Duration;
/// let pool = gdnative_tokio::executor::SharedLocalPool::current();
/// let task = gdnative_tokio::task::spawn(gdnative_tokio::time::sleep(Duration::ZERO));
/// pool.pump().unwrap(); // starts the sleep
/// assert!(!task.is_finished(), "never in the pump it started in");
/// while !task.is_finished() {
///     std::thread::sleep(Duration::from_millis(1)); // the next "frame"
///     pool.pump().unwrap();
/// }
/// ```
pub fn sleep(duration: Duration) -> impl Future<Output = ()> {
    let pool = SharedLocalPool::current();
    let started = pool.pumps();
    let now = Instant::now();
    let deadline = now.checked_add(duration);
    async move {
        let early = deadline.map(|d| d.checked_sub(TIMER_SLACK).unwrap_or(now).max(now));
        match early {
            Some(early) => tokio::time::sleep_until(early.into()).await,
            // Beyond what `Instant` can represent: never completes.
            None => std::future::pending().await,
        }
        while pool.pumps() == started || deadline.is_some_and(|d| Instant::now() < d) {
            pool.next_frame().await;
        }
    }
}

/// The main thread's [`SharedLocalPool::next_frame`]: completes in the
/// next pump, i.e. the next frame of the game.
///
/// # Panics
///
/// Off the main thread, like [`spawn`].
pub fn next_frame() -> NextFrame<'static> {
    SharedLocalPool::current().next_frame()
}

/// How early [`sleep`] sets its Tokio timer: Tokio's timer granularity.
const TIMER_SLACK: Duration = Duration::from_millis(1);

/// Waits for `n` pumps (frames) after the one it is first polled in, and
/// returns `n`. `frames(0)` completes at once. Costs one waker per frame.
///
/// ```
/// let pool = gdnative_tokio::executor::SharedLocalPool::current();
/// let task = gdnative_tokio::task::spawn(gdnative_tokio::time::frames(2));
/// pool.pump().unwrap(); // first poll
/// pool.pump().unwrap();
/// assert!(!task.is_finished());
/// pool.pump().unwrap();
/// assert!(task.is_finished());
/// ```
pub async fn frames(n: u64) -> u64 {
    for _ in 0..n {
        next_frame().await;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sleep_completes_after_its_deadline() {
        let pool = SharedLocalPool::current();
        let start = std::time::Instant::now();
        let task = spawn(sleep(Duration::from_millis(20)));
        while !task.is_finished() {
            pool.pump().unwrap();
            assert!(
                start.elapsed() < Duration::from_secs(5),
                "sleep never completed"
            );
        }
        assert!(start.elapsed() >= Duration::from_millis(20));
    }

    /// Frames about 10 ms apart, a sleep whose deadline falls just before
    /// one of them: it must end in the first pump that starts at or after
    /// its deadline, not one later (what Tokio's rounding up to the next ms
    /// alone would often do). Judged by pump start times, not by elapsed
    /// time, so a busy machine that delays pumps cannot fail it.
    #[test]
    fn sleep_ends_in_the_first_pump_at_or_after_its_deadline() {
        let pool = SharedLocalPool::current();
        let frame = Duration::from_millis(10);
        for early_us in [300u64, 500, 800] {
            let start = Instant::now();
            let d = frame * 3 - Duration::from_micros(early_us);
            let task = spawn(async move {
                let began = Instant::now();
                sleep(d).await;
                (began, Instant::now(), SharedLocalPool::current().pumps())
            });
            let mut pump_starts = Vec::new();
            while !task.is_finished() {
                pump_starts.push((pool.pumps() + 1, Instant::now()));
                pool.pump().unwrap();
                let next = start + frame * pump_starts.len() as u32;
                if let Some(wait) = next.checked_duration_since(Instant::now()) {
                    std::thread::sleep(wait);
                }
                assert!(pump_starts.len() < 100, "sleep never completed");
            }
            let (began, ended, done_in) = futures::FutureExt::now_or_never(task)
                .and_then(Result::ok)
                .expect("finished");
            assert!(ended >= began + d, "ended early");
            // The sleep's own deadline is a few hundred ns after `began`.
            let due = began + d + Duration::from_micros(200);
            let first_after = pump_starts
                .iter()
                .find(|(_, at)| *at >= due)
                .map(|(n, _)| *n)
                .expect("a pump started after the deadline");
            assert!(
                done_in <= first_after,
                "ended in pump {done_in}, but pump {first_after} started after the deadline"
            );
        }
    }

    /// A sleep created between pumps (as from `_process`) counts from its
    /// creation, not from its first poll in the next pump.
    #[test]
    fn sleep_counts_from_the_call_not_from_the_first_poll() {
        let pool = SharedLocalPool::current();
        pool.pump().unwrap();
        let d = Duration::from_millis(30);
        let created = Instant::now();
        let sleeping = sleep(d);
        std::thread::sleep(d + Duration::from_millis(5));
        let task = spawn(sleeping);
        let mut pumps = 0;
        while !task.is_finished() {
            pool.pump().unwrap();
            pumps += 1;
            assert!(pumps < 1000, "sleep never completed");
        }
        assert!(created.elapsed() >= d);
        assert_eq!(pumps, 1, "the deadline had passed before its first poll");
    }

    #[test]
    fn aborting_a_spawned_task_drops_its_future() {
        struct Flag(std::rc::Rc<std::cell::Cell<bool>>);
        impl Drop for Flag {
            fn drop(&mut self) {
                self.0.set(true);
            }
        }
        let pool = SharedLocalPool::current();
        let dropped = std::rc::Rc::new(std::cell::Cell::new(false));
        let flag = Flag(dropped.clone());
        let task = spawn(async move {
            let _flag = flag;
            std::future::pending::<()>().await
        });
        pool.pump().unwrap();
        assert!(!dropped.get());
        task.abort();
        pool.pump().unwrap();
        assert!(dropped.get(), "abort drops the future in the next pump");
    }
}
