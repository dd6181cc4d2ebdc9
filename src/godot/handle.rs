//! [`MainThread`]: a `Send + Clone` handle that other threads use to run
//! work on the main thread, in the next pump.
//!
//! One unbounded channel per main thread, read by one pool task (the
//! mailbox) that lives while handles do: a handle holds a sender, the
//! main thread keeps only a weak one to hand out again. The mailbox runs,
//! per poll, at most the closures that were in the channel when it
//! started and for at most a short time slice (so a thread that never
//! stops posting cannot hold the frame); then it yields to the pump's next
//! round, whose bounds end the pump.

use std::cell::RefCell;
use std::panic::Location;
use std::time::{Duration, Instant};

use gdnative::prelude::*;
use tokio::sync::mpsc::{self, UnboundedReceiver, UnboundedSender, WeakUnboundedSender};

use crate::error::{AsyncError, ErrorKind};
use crate::executor::SharedLocalPool;

type Job = Box<dyn FnOnce() + Send>;

thread_local! {
    /// The main thread's mailbox sender, while a handle or the mailbox
    /// task keeps the channel open.
    static MAILBOX: RefCell<Option<WeakUnboundedSender<Job>>> = const { RefCell::new(None) };
}

/// A handle to the main thread, for any thread: run a closure there
/// ([`run`](Self::run)), spawn a `!Send` task there
/// ([`spawn`](Self::spawn)), or emit a signal on an object by instance id
/// ([`emit_signal`](Self::emit_signal)). The `post_action` of UI
/// frameworks, for Godot.
///
/// # Guarantees
///
/// - Everything posted runs on the main thread, in the pump that follows
///   the post (in the current pump's next round when posted during one):
///   the next frame while a driver pumps.
/// - In order: what one thread posts runs in the order it was posted
///   (posts of several threads interleave as the channel received them).
/// - Posts do not hold the frame: a pump runs at most what was posted
///   before its round started, for a bounded share of the pump (and not
///   past its frame budget); what is left runs, in order, in the pump's
///   later rounds or the next pump. A thread that posts faster than the
///   main thread runs the closures delays them, never the frames. A burst
///   of 10,000 small closures runs within the next two pumps
///   (`godot-project/tests/test_both_ways.gd`).
/// - A panic in a closure is caught and printed; later posts still run.
/// - Posting never blocks and never fails while the pool runs. After the
///   pool's tasks were dropped ([`terminate`](crate::terminate), the
///   game's exit, [`SharedLocalPool::shutdown`]), a post returns an
///   [`AsyncError`] of kind `cancelled` (not printed) and the closure is
///   dropped on the posting thread; nothing crashes. A handle taken after
///   that works again.
///
/// # Costs
///
/// One pool task while any handle exists; one allocation and one channel
/// push per post.
#[derive(Clone, Debug)]
pub struct MainThread {
    sender: UnboundedSender<Job>,
}

impl MainThread {
    /// The main thread's handle. Take it on the main thread (in `_ready`,
    /// `register`, a task) and move clones to other threads.
    ///
    /// # Panics
    ///
    /// Off the main thread, like [`SharedLocalPool::current`].
    pub fn current() -> MainThread {
        let pool = SharedLocalPool::current();
        MAILBOX.with(|mailbox| {
            let mut mailbox = mailbox.borrow_mut();
            if let Some(sender) = mailbox.as_ref().and_then(WeakUnboundedSender::upgrade) {
                if !sender.is_closed() {
                    return MainThread { sender };
                }
            }
            let (sender, receiver) = mpsc::unbounded_channel();
            *mailbox = Some(sender.downgrade());
            drop(pool.spawn(run_mailbox(pool, receiver)));
            MainThread { sender }
        })
    }

    /// Runs `f` on the main thread in the next pump (see the type's
    /// guarantees).
    ///
    /// # Errors
    ///
    /// `cancelled` when the pool's tasks were dropped (the library shut
    /// down): `f` is dropped here.
    #[track_caller]
    pub fn run<F>(&self, f: F) -> Result<(), AsyncError>
    where
        F: FnOnce() + Send + 'static,
    {
        self.post(Box::new(f))
    }

    /// Spawns the future `make()` returns on the main thread's pool in the
    /// next pump: `make` runs on the main thread, so the future may be
    /// `!Send` (hold Godot objects, `Rc`s). The task is detached, like a
    /// dropped [`JoinHandle`](crate::task::JoinHandle).
    ///
    /// # Errors
    ///
    /// As [`run`](Self::run).
    #[track_caller]
    pub fn spawn<M, F>(&self, make: M) -> Result<(), AsyncError>
    where
        M: FnOnce() -> F + Send + 'static,
        F: std::future::Future + 'static,
        F::Output: 'static,
    {
        let job = move || drop(SharedLocalPool::current().spawn(make()));
        self.post(Box::new(job))
    }

    /// Emits `signal` on the object with `instance_id`, with the arguments
    /// `args()` makes (on the main thread), in the next pump. The object is
    /// looked up there: a freed object (or an id that never was one) or a
    /// missing signal prints an error naming the id and the signal, and
    /// nothing is emitted.
    ///
    /// # Errors
    ///
    /// As [`run`](Self::run).
    #[track_caller]
    pub fn emit_signal<A>(&self, instance_id: i64, signal: &str, args: A) -> Result<(), AsyncError>
    where
        A: FnOnce() -> Vec<Variant> + Send + 'static,
    {
        let signal = signal.to_owned();
        let caller = Location::caller();
        let job = move || emit(instance_id, &signal, args, caller);
        self.post(Box::new(job))
    }

    #[track_caller]
    fn post(&self, job: Job) -> Result<(), AsyncError> {
        match self.sender.send(job) {
            Ok(()) => Ok(()),
            Err(_) => Err(AsyncError::new(
                ErrorKind::Cancelled,
                "MainThread",
                "the main thread's pool was shut down (the library terminated or the game \
                 exited): nothing was posted",
            )),
        }
    }
}

/// How long one poll of the mailbox may run closures before it lets the
/// pump go on (the rest keep their order and run in a later round or
/// pump). Internal: the promise is only that the time is bounded.
const MAILBOX_SLICE: Duration = Duration::from_millis(2);

/// How many closures run between two clock reads.
const CLOCK_EVERY: usize = 32;

/// The mailbox task: runs the posted closures, a bounded share of a pump
/// at a time.
async fn run_mailbox(pool: &'static SharedLocalPool, mut receiver: UnboundedReceiver<Job>) {
    while let Some(first) = receiver.recv().await {
        // At most what is queued now: what comes later waits for the next
        // round (pool tasks have no Tokio budget, so `recv` alone would
        // keep this poll going while a thread keeps posting). And at most
        // MAILBOX_SLICE, or until the pump's budget is spent: a thread
        // that posts faster than the main thread runs the closures makes
        // them wait, not the frame (each pump's share would otherwise be
        // what came during the last one, growing every frame).
        let started = Instant::now();
        let more = receiver.len();
        run_job(first);
        for done in 1..=more {
            if done % CLOCK_EVERY == 0
                && (started.elapsed() >= MAILBOX_SLICE || pool.budget_spent())
            {
                break;
            }
            match receiver.try_recv() {
                Ok(job) => run_job(job),
                Err(_) => break,
            }
        }
        tokio::task::yield_now().await;
    }
}

fn run_job(job: Job) {
    if let Err(message) = crate::executor::panic::catch_recorded(job) {
        crate::godot::log::error(format_args!(
            "a closure posted through MainThread panicked: {message}"
        ));
    }
}

/// [`MainThread::emit_signal`]'s job, on the main thread.
fn emit<A>(id: i64, signal: &str, args: A, caller: &'static Location<'static>)
where
    A: FnOnce() -> Vec<Variant>,
{
    let object = crate::godot::weak::WeakObject::from_id(id);
    let Some(object) = object.get() else {
        crate::godot::log::error_in(
            "MainThread::emit_signal",
            caller,
            format_args!("freed: no live object has instance id {id}; `{signal}` not emitted"),
        );
        return;
    };
    if !object.has_signal(signal) {
        crate::godot::log::error_in(
            "MainThread::emit_signal",
            caller,
            format_args!(
                "bad_arguments: the {} with instance id {id} has no signal `{signal}`",
                object.get_class()
            ),
        );
        return;
    }
    object.emit_signal(signal, &args());
}
