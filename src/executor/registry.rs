//! The live task view's bookkeeping: which named tasks are alive on this
//! thread, since when, how often they were polled and what they wait on.
//!
//! A task is listed while its [`Tracked`] future is alive: from its
//! creation (by [`guard`](crate::script::guard), so every async method and toolkit
//! call, or by [`spawn_named`](crate::task::spawn_named)) until it completes or
//! is dropped. Leaf futures of this crate (timers, game-time sleeps,
//! frames, signals, background jobs, other tasks) [`note`] what the task
//! being polled waits on. Tracking is on by default and can be switched
//! off ([`set_task_tracking`]); tasks created while it is off are never
//! listed.
//!
//! Cost per tracked task: a slot in a vector (reused) at creation, whose
//! time is read once per pump (so a task's age is exact to within the
//! frame it was created in), two slot updates per poll, freeing the slot
//! at the end (numbers: `benches/task_view.rs`).

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use crate::executor::join::JoinHandle;

use crate::executor::SharedLocalPool;

/// What a listed task is doing, as far as this crate knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskState {
    /// Created, never polled yet.
    New,
    /// Being polled right now (it is the task that asked for the list).
    Running,
    /// Waiting; on what kind of thing, when a leaf future said so
    /// ("timer", "game timer", "frames", "signal", "background job",
    /// "task"), else `None`.
    Waiting(Option<&'static str>),
}

impl std::fmt::Display for TaskState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TaskState::New => f.write_str("new"),
            TaskState::Running => f.write_str("running"),
            TaskState::Waiting(Some(on)) => write!(f, "waiting on {on}"),
            TaskState::Waiting(None) => f.write_str("waiting"),
        }
    }
}

/// One live task in the list returned by [`tasks`].
#[derive(Clone, Debug)]
pub struct TaskInfo {
    /// A number unique among the tasks listed so far on this thread.
    pub id: u64,
    /// The GDScript method or toolkit call (`delay`, `sleep`...), or the
    /// label given to [`spawn_named`](crate::task::spawn_named).
    pub name: Cow<'static, str>,
    /// Time since the task was created.
    pub age: Duration,
    /// How many times it was polled.
    pub polls: u64,
    /// What it is doing.
    pub state: TaskState,
}

/// A listed task's record, in its slot.
struct Entry {
    id: u64,
    name: Cow<'static, str>,
    created: Instant,
    polls: u64,
    state: TaskState,
}

/// No slot: an untracked task, or no tracked task being polled.
const NONE: usize = usize::MAX;

#[derive(Default)]
struct Registry {
    off: Cell<bool>,
    next_id: Cell<u64>,
    slots: RefCell<Vec<Option<Entry>>>,
    free: RefCell<Vec<usize>>,
    /// The slot of the tracked task being polled, for [`note`].
    current: Cell<Option<usize>>,
    /// The pump number and the time of the first creation seen in it: a
    /// task's creation time is read once per pump, not once per task.
    stamp: Cell<Option<(u64, Instant)>>,
}

impl Registry {
    /// The creation time of a task created now: within the current frame.
    fn created_at(&self) -> Instant {
        // Off the main thread (a future made on a worker) there is no pool
        // to read the frame from.
        if !crate::executor::owner::here() {
            return Instant::now();
        }
        let pump = SharedLocalPool::current().pumps();
        match self.stamp.get() {
            Some((seen, at)) if seen == pump => at,
            _ => {
                let now = Instant::now();
                self.stamp.set(Some((pump, now)));
                now
            }
        }
    }

    fn with_slot(&self, index: usize, f: impl FnOnce(&mut Entry)) {
        if let Ok(mut slots) = self.slots.try_borrow_mut() {
            if let Some(Some(entry)) = slots.get_mut(index) {
                f(entry);
            }
        }
    }
}

thread_local! {
    static REGISTRY: Registry = Registry::default();
}

/// Switches the bookkeeping of the live task view on (the default) or off
/// for this thread. Tasks created while it is off are not listed, even
/// after it is switched back on; listed tasks stay listed.
pub fn set_task_tracking(on: bool) {
    REGISTRY.with(|r| r.off.set(!on));
}

/// Whether tasks created now on this thread are tracked.
pub fn task_tracking() -> bool {
    REGISTRY.with(|r| !r.off.get())
}

/// The tracked tasks alive on this thread, oldest first. Costs one
/// allocation per task (the name is cloned when it is not static).
pub fn tasks() -> Vec<TaskInfo> {
    let now = Instant::now();
    REGISTRY.with(|r| {
        let mut list: Vec<TaskInfo> = r
            .slots
            .borrow()
            .iter()
            .flatten()
            .map(|e| TaskInfo {
                id: e.id,
                name: e.name.clone(),
                age: now.saturating_duration_since(e.created),
                polls: e.polls,
                state: e.state,
            })
            .collect();
        list.sort_unstable_by_key(|t| t.id);
        list
    })
}

/// Spawns `future` on the main thread's pool like
/// [`task::spawn`](crate::task::spawn), listed in the live task view
/// ([`tasks`], `Async.tasks()`) as `label` while it runs.
///
/// # Panics
///
/// Off the main thread, like [`task::spawn`](crate::task::spawn).
///
/// ```
/// let pool = gdnative_tokio::executor::SharedLocalPool::current();
/// let handle = gdnative_tokio::task::spawn_named("load level 3", std::future::pending::<()>());
/// assert!(gdnative_tokio::task::tasks().iter().any(|t| t.name == "load level 3"));
/// handle.abort();
/// pool.pump().unwrap();
/// assert!(gdnative_tokio::task::tasks().is_empty());
/// ```
pub fn spawn_named<F>(label: impl Into<Cow<'static, str>>, future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    SharedLocalPool::current().spawn(Tracked::new(label, future))
}

/// `future`, noting before each of its polls that the task waits on
/// `what` (a leaf inside it may say more precisely).
pub(crate) async fn noted<F: Future>(what: &'static str, future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    std::future::poll_fn(|cx| {
        note(what);
        future.as_mut().poll(cx)
    })
    .await
}

/// Records that the tracked task being polled now waits on `what` (a
/// timer, a signal...). Does nothing outside a tracked task. Called by
/// leaf futures when they return `Pending`; costs one thread-local read.
pub(crate) fn note(what: &'static str) {
    let _ = REGISTRY.try_with(|r| {
        if let Some(index) = r.current.get() {
            r.with_slot(index, |e| e.state = TaskState::Waiting(Some(what)));
        }
    });
}

/// `future`, listed in the task view as `name` while it is alive (see the
/// module docs). Created outside a pump or inside one, on the main thread.
pub(crate) struct Tracked<F> {
    slot: usize,
    future: F,
}

impl<F> Tracked<F> {
    /// Wraps `future`; listed only if tracking is on now.
    pub(crate) fn new(name: impl Into<Cow<'static, str>>, future: F) -> Self {
        let slot = REGISTRY
            .try_with(|r| {
                if r.off.get() {
                    return NONE;
                }
                let id = r.next_id.get();
                r.next_id.set(id + 1);
                let entry = Some(Entry {
                    id,
                    name: name.into(),
                    created: r.created_at(),
                    polls: 0,
                    state: TaskState::New,
                });
                let Ok(mut slots) = r.slots.try_borrow_mut() else {
                    return NONE;
                };
                match r.free.borrow_mut().pop() {
                    Some(index) => {
                        slots[index] = entry;
                        index
                    }
                    None => {
                        slots.push(entry);
                        slots.len() - 1
                    }
                }
            })
            .unwrap_or(NONE);
        Tracked { slot, future }
    }
}

impl<F: Future> Future for Tracked<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let slot = self.slot;
        // SAFETY: `future` is structurally pinned: it is never moved out
        // (not even by `Drop`), and `Tracked` has no `Unpin` impl of its
        // own; `slot` is a plain number.
        let future = unsafe { self.map_unchecked_mut(|t| &mut t.future) };
        if slot == NONE {
            return future.poll(cx);
        }
        let outer = REGISTRY.with(|r| {
            r.with_slot(slot, |e| {
                e.polls += 1;
                e.state = TaskState::Running;
            });
            r.current.replace(Some(slot))
        });
        let result = future.poll(cx);
        REGISTRY.with(|r| {
            r.current.set(outer);
            r.with_slot(slot, |e| {
                if e.state == TaskState::Running {
                    e.state = TaskState::Waiting(None);
                }
            });
        });
        result
    }
}

impl<F> Drop for Tracked<F> {
    fn drop(&mut self) {
        if self.slot == NONE {
            return;
        }
        let slot = std::mem::replace(&mut self.slot, NONE);
        let _ = REGISTRY.try_with(|r| {
            // The name is dropped outside the borrow.
            let entry = r
                .slots
                .try_borrow_mut()
                .ok()
                .and_then(|mut slots| slots.get_mut(slot).and_then(Option::take));
            if entry.is_some() {
                r.free.borrow_mut().push(slot);
            }
            drop(entry);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::executor::SharedLocalPool;

    #[test]
    fn named_tasks_are_listed_while_alive_with_polls_and_state() {
        let pool = SharedLocalPool::current();
        let before = tasks().len();
        let sleeper = pool.spawn(Tracked::new(
            "sleeper",
            crate::time::sleep_game(Duration::from_secs(3600), crate::time::GameTime::Always),
        ));
        let quick = pool.spawn(Tracked::new(String::from("quick"), async {}));
        let listed = tasks();
        assert_eq!(listed.len(), before + 2);
        assert!(listed
            .iter()
            .any(|t| t.name == "quick" && t.state == TaskState::New));
        pool.pump().unwrap();
        pool.pump().unwrap();
        let listed = tasks();
        assert_eq!(listed.len(), before + 1, "the finished task left the list");
        let s = listed.iter().find(|t| t.name == "sleeper").expect("listed");
        assert!(s.polls >= 1);
        assert_eq!(s.state, TaskState::Waiting(Some("game timer")));
        sleeper.abort();
        pool.pump().unwrap();
        assert_eq!(tasks().len(), before, "an aborted task left the list");
        assert!(quick.is_finished());
    }

    #[test]
    fn tracking_can_be_switched_off() {
        let pool = SharedLocalPool::current();
        set_task_tracking(false);
        let before = tasks().len();
        let t = pool.spawn(Tracked::new("off", std::future::pending::<()>()));
        assert_eq!(tasks().len(), before);
        set_task_tracking(true);
        t.abort();
        pool.pump().unwrap();
    }
}
