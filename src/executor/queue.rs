//! The pool's own run queue: every task spawned through the pool (the
//! crate's `task::spawn`, gdnative-async's `LocalSpawn`, the toolkit) lives
//! here, not in Tokio's `LocalSet`, so that when and how often a task is
//! polled is decided by this crate's code alone.
//!
//! - Tasks sit in a slab; a task's key is its slot plus the slot's
//!   generation, so a wake that arrives after the task ended (and its slot
//!   was reused) is ignored.
//! - Every wake, from this thread or another, sets the task's `scheduled`
//!   flag and, if it was clear, pushes the key into one shared queue (a
//!   mutex-guarded vector behind an atomic "non-empty" flag). A task is
//!   therefore queued at most once, however often it is woken.
//! - The pump moves those keys into the local FIFO and polls, per call to
//!   [`RunQueue::run`], at most the tasks queued when the call started: a
//!   task woken while it runs waits for the next call.
//! - Each poll is caught ([`std::panic::catch_unwind`]): a panicking task is
//!   dropped and the pump goes on.
//!
//! Nothing here touches Tokio: the pump decides where polls happen (outside
//! `Runtime::block_on`, inside the runtime's context).

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Instant;

use futures::task::{waker_ref, ArcWake, LocalFutureObj};

/// A task's future, boxed once: by the pool, or by the caller of
/// `LocalSpawn` (whose object is kept as it is).
pub(crate) enum TaskFuture {
    Boxed(Pin<Box<dyn Future<Output = ()>>>),
    Obj(LocalFutureObj<'static, ()>),
}

impl TaskFuture {
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        match self {
            TaskFuture::Boxed(f) => f.as_mut().poll(cx),
            TaskFuture::Obj(f) => Pin::new(f).poll(cx),
        }
    }
}

/// Keys woken since the pump last looked, from any thread.
#[derive(Default)]
struct Remote {
    /// Set while `keys` may be non-empty: an idle pump reads only this.
    pending: AtomicBool,
    keys: Mutex<Vec<u64>>,
}

impl Remote {
    fn push(&self, key: u64) {
        // A poisoned lock only means a waker panicked mid-push; the vector
        // itself is intact.
        let mut keys = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        keys.push(key);
        self.pending.store(true, Ordering::Release);
    }
}

/// The part of a task that wakers share (and that may outlive the task).
struct Header {
    /// Slot and generation; rewritten when a header is reused.
    key: AtomicU64,
    /// In the queue (or being polled after a wake): a further wake is a
    /// no-op. Left set for good once the task ended.
    scheduled: AtomicBool,
    remote: Arc<Remote>,
}

impl ArcWake for Header {
    fn wake_by_ref(arc_self: &Arc<Self>) {
        if !arc_self.scheduled.swap(true, Ordering::AcqRel) {
            arc_self.remote.push(arc_self.key.load(Ordering::Relaxed));
        }
    }
}

struct Slot {
    generation: u32,
    task: Option<Task>,
}

struct Task {
    /// Taken out while it is polled, so that the poll may spawn (and so
    /// touch the slab) re-entrantly.
    future: Option<TaskFuture>,
    header: Arc<Header>,
    /// Its last poll ended with a wake of its own (it only woke itself):
    /// its next poll is no progress.
    self_woken: bool,
}

fn key(index: u32, generation: u32) -> u64 {
    u64::from(generation) << 32 | u64::from(index)
}

fn split(key: u64) -> (usize, u32) {
    ((key & u64::from(u32::MAX)) as usize, (key >> 32) as u32)
}

/// Headers kept for reuse, at most.
const SPARE_HEADERS: usize = 1024;

/// What one call to [`RunQueue::run`] did.
#[derive(Clone, Copy, Default, Debug)]
pub(crate) struct Ran {
    /// Task polls.
    pub polls: u32,
    /// Polls of tasks that had not only woken themselves: work that may
    /// have woken others.
    pub progress: u32,
    /// It stopped at the deadline with tasks left in the queue.
    pub over_deadline: bool,
}

/// The slab of tasks and their ready queue. Owned by one thread (it is not
/// `Send`); only its [`Header`]s cross threads, inside wakers.
#[derive(Default)]
pub(crate) struct RunQueue {
    slots: RefCell<Vec<Slot>>,
    free: RefCell<Vec<u32>>,
    ready: RefCell<VecDeque<u64>>,
    remote: Arc<Remote>,
    spare: RefCell<Vec<Arc<Header>>>,
    /// The keys' scratch vector, swapped with the remote one.
    scratch: RefCell<Vec<u64>>,
    live: Cell<usize>,
}

impl RunQueue {
    /// Adds a task, queued to run in the next call to [`run`](Self::run)
    /// that starts after this one.
    pub(crate) fn spawn(&self, future: TaskFuture) {
        let mut slots = self.slots.borrow_mut();
        let index = self.free.borrow_mut().pop().unwrap_or_else(|| {
            slots.push(Slot {
                generation: 0,
                task: None,
            });
            u32::try_from(slots.len() - 1).unwrap_or(u32::MAX)
        });
        let slot = &mut slots[index as usize];
        let key = key(index, slot.generation);
        let header = match self.spare.borrow_mut().pop() {
            Some(header) => {
                header.key.store(key, Ordering::Relaxed);
                header.scheduled.store(true, Ordering::Relaxed);
                header
            }
            None => Arc::new(Header {
                key: AtomicU64::new(key),
                scheduled: AtomicBool::new(true),
                remote: Arc::clone(&self.remote),
            }),
        };
        slot.task = Some(Task {
            future: Some(future),
            header,
            self_woken: false,
        });
        drop(slots);
        self.live.set(self.live.get() + 1);
        self.ready.borrow_mut().push_back(key);
    }

    /// Tasks not finished or dropped yet.
    pub(crate) fn live(&self) -> usize {
        self.live.get()
    }

    /// Tasks queued to run (woken, or spawned), including wakes from other
    /// threads not yet taken in.
    pub(crate) fn has_ready(&self) -> bool {
        !self.ready.borrow().is_empty() || self.remote.pending.load(Ordering::Acquire)
    }

    /// Tasks in the local queue: those a budgeted pump left for the next.
    pub(crate) fn queued(&self) -> usize {
        self.ready.borrow().len()
    }

    /// Moves the keys woken since the last call (from any thread) to the
    /// back of the local queue, in the order of their wakes.
    pub(crate) fn take_wakes(&self) {
        if !self.remote.pending.load(Ordering::Acquire) {
            return;
        }
        let mut scratch = self.scratch.borrow_mut();
        {
            let mut keys = self.remote.keys.lock().unwrap_or_else(|e| e.into_inner());
            std::mem::swap(&mut *keys, &mut *scratch);
            self.remote.pending.store(false, Ordering::Release);
        }
        self.ready.borrow_mut().extend(scratch.drain(..));
    }

    /// Polls the tasks queued when it is called, oldest first, each at most
    /// once; stops early after the poll that ends past `deadline`, leaving
    /// the rest queued in order.
    pub(crate) fn run(&self, deadline: Option<Instant>) -> Ran {
        let mut ran = Ran::default();
        let batch = self.ready.borrow().len();
        for _ in 0..batch {
            let Some(key) = self.ready.borrow_mut().pop_front() else {
                break;
            };
            if let Some(progress) = self.poll(key) {
                ran.polls += 1;
                ran.progress += u32::from(progress);
                if deadline.is_some_and(|d| Instant::now() >= d) {
                    ran.over_deadline = !self.ready.borrow().is_empty();
                    break;
                }
            }
        }
        ran
    }

    /// Polls the task `key` names, if it still exists. Returns whether the
    /// poll was progress (`None`: no such task).
    fn poll(&self, key: u64) -> Option<bool> {
        let (index, generation) = split(key);
        let (mut future, header, self_woken) = {
            let mut slots = self.slots.borrow_mut();
            let slot = slots.get_mut(index)?;
            if slot.generation != generation {
                return None;
            }
            let task = slot.task.as_mut()?;
            let future = task.future.take()?;
            (future, Arc::clone(&task.header), task.self_woken)
        };
        header.scheduled.store(false, Ordering::Release);
        let done = {
            let waker = waker_ref(&header);
            let mut cx = Context::from_waker(&waker);
            match catch_unwind(AssertUnwindSafe(|| future.poll(&mut cx))) {
                Ok(Poll::Pending) => false,
                Ok(Poll::Ready(())) => true,
                // The panic hook printed the message; the task ends here.
                Err(_) => true,
            }
        };
        let mut slots = self.slots.borrow_mut();
        let slot = &mut slots[index];
        match slot.task.as_mut() {
            Some(task) if !done => {
                task.future = Some(future);
                task.self_woken = header.scheduled.load(Ordering::Acquire);
            }
            Some(_) => {
                let task = slot.task.take();
                self.release(index, slot);
                drop(slots);
                drop(header);
                if let Some(task) = task {
                    self.recycle(task.header);
                }
                drop_quietly(future);
            }
            // Removed while it was polled (`clear` from inside the poll).
            None => {
                drop(slots);
                drop_quietly(future);
            }
        }
        Some(!self_woken)
    }

    fn release(&self, index: usize, slot: &mut Slot) {
        slot.generation = slot.generation.wrapping_add(1);
        self.free.borrow_mut().push(index as u32);
        self.live.set(self.live.get().saturating_sub(1));
    }

    /// Keeps an ended task's header for reuse when no waker refers to it;
    /// otherwise leaves it `scheduled` for good, so that late wakes do
    /// nothing.
    fn recycle(&self, header: Arc<Header>) {
        header.scheduled.store(true, Ordering::Release);
        let mut spare = self.spare.borrow_mut();
        if Arc::strong_count(&header) == 1 && spare.len() < SPARE_HEADERS {
            spare.push(header);
        }
    }

    /// Drops every task (their destructors run here, with no borrow held,
    /// so they may spawn) and forgets every queued wake.
    pub(crate) fn clear(&self) {
        loop {
            let tasks: Vec<Task> = {
                let mut slots = self.slots.borrow_mut();
                let mut tasks = Vec::new();
                for (index, slot) in slots.iter_mut().enumerate() {
                    if let Some(task) = slot.task.take() {
                        task.header.scheduled.store(true, Ordering::Release);
                        tasks.push(task);
                        self.release(index, slot);
                    }
                }
                tasks
            };
            if tasks.is_empty() {
                break;
            }
            // Destructors may spawn again: the loop drops those too.
            for task in tasks {
                if let Some(future) = task.future {
                    drop_quietly(future);
                }
            }
        }
        self.ready.borrow_mut().clear();
        self.take_wakes();
        self.ready.borrow_mut().clear();
    }
}

/// Drops a task's future; a panicking destructor is caught (its message
/// was printed by the panic hook).
fn drop_quietly(future: TaskFuture) {
    let _ = catch_unwind(AssertUnwindSafe(move || drop(future)));
}

#[cfg(test)]
mod tests {
    use std::rc::Rc;

    use super::*;

    fn counter(queue: &RunQueue, polls: &Rc<Cell<u32>>, wake_self: bool) {
        let p = Rc::clone(polls);
        queue.spawn(TaskFuture::Boxed(Box::pin(std::future::poll_fn(
            move |cx| {
                p.set(p.get() + 1);
                if wake_self {
                    cx.waker().wake_by_ref();
                }
                Poll::<()>::Pending
            },
        ))));
    }

    #[test]
    fn a_task_woken_during_its_poll_waits_for_the_next_run_and_is_no_progress() {
        let queue = RunQueue::default();
        let polls = Rc::new(Cell::new(0));
        counter(&queue, &polls, true);
        let ran = queue.run(None);
        assert_eq!((ran.polls, ran.progress, polls.get()), (1, 1, 1));
        queue.take_wakes();
        let ran = queue.run(None);
        assert_eq!((ran.polls, ran.progress, polls.get()), (1, 0, 2));
    }

    #[test]
    fn a_task_is_queued_once_however_often_it_is_woken() {
        let queue = RunQueue::default();
        let polls = Rc::new(Cell::new(0));
        counter(&queue, &polls, false);
        queue.run(None);
        let header = {
            let slots = queue.slots.borrow();
            Arc::clone(&slots[0].task.as_ref().expect("task").header)
        };
        for _ in 0..5 {
            ArcWake::wake_by_ref(&header);
        }
        queue.take_wakes();
        assert_eq!(queue.queued(), 1);
        assert_eq!(queue.run(None).polls, 1);
    }

    #[test]
    fn a_late_wake_of_an_ended_task_polls_nothing() {
        let queue = RunQueue::default();
        let (tx, rx) = std::sync::mpsc::channel();
        queue.spawn(TaskFuture::Boxed(Box::pin(std::future::poll_fn(
            move |cx| {
                let _ = tx.send(cx.waker().clone());
                Poll::Ready(())
            },
        ))));
        queue.run(None);
        assert_eq!(queue.live(), 0);
        let polls = Rc::new(Cell::new(0));
        counter(&queue, &polls, false); // reuses the slot
        queue.run(None);
        rx.recv().expect("waker").wake();
        queue.take_wakes();
        queue.run(None);
        assert_eq!(
            polls.get(),
            1,
            "the new task in the old slot was not polled"
        );
    }

    #[test]
    fn a_panicking_task_is_dropped_and_the_queue_goes_on() {
        let queue = RunQueue::default();
        queue.spawn(TaskFuture::Boxed(Box::pin(async { panic!("boom") })));
        let polls = Rc::new(Cell::new(0));
        counter(&queue, &polls, false);
        let ran = queue.run(None);
        assert_eq!((ran.polls, queue.live(), polls.get()), (2, 1, 1));
    }
}
