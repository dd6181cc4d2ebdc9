//! Tasks owned by a node: [`spawn_owned`] (Rust, a [`JoinHandle`]),
//! [`AsyncTask::spawn_owned`] and `Async.owned(node, awaitable)` (an
//! [`AsyncTask`]). When the node is gone for good, the task is cancelled:
//! its future is dropped at once (its `Drop` runs in that frame, inside
//! Godot's freeing of the node) and its handle resolves as cancelled.
//!
//! "Gone for good" means freed: `free()`, `queue_free()` (when Godot
//! deletes the node, at the end of that frame), a freed parent, or a scene
//! change freeing the old scene. A node only removed from the tree (to be
//! re-added, reparented or kept for later) keeps its tasks: Godot 3 cannot
//! tell that removal from one for good, and freeing is what makes the
//! node's objects unusable. The watch is the free watch of
//! `src/godot/weak.rs` (one connection on the node, removed when the task
//! ends).

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use gdnative::export::{Method, Varargs};
use gdnative::prelude::*;

use crate::executor::join::JoinHandle;
use crate::executor::SharedLocalPool;
use crate::godot::weak::FreeWatch;
use crate::script::args::Args;
use crate::script::awaitable::{live_argument, Awaitable, OwnedTasks};
use crate::script::method::Refusal;
use crate::script::task::AsyncTask;
use crate::script::toolkit::AsyncToolkit;

/// Spawns `future` on the pool as a task owned by `owner`, and returns its
/// [`JoinHandle`].
///
/// The task runs like one from [`task::spawn`](crate::task::spawn) until
/// `owner` is freed (see `src/script/owned.rs` for what counts): then the
/// future is dropped at once, inside Godot's freeing of the node (so its
/// `Drop` runs in that frame; it must not call the node, which is being
/// destroyed), and the handle resolves with a cancelled
/// [`JoinError`](crate::task::JoinError). A task that ends first disconnects
/// its watch. Costs one small Godot object and one connection on `owner`.
///
/// # Panics
///
/// Off the main thread, like [`task::spawn`](crate::task::spawn).
///
/// ```no_run
/// # use gdnative::prelude::*;
/// # fn ready(base: TRef<'_, Node>) {
/// // In a node's `_ready`: a loop that ends when the node is freed.
/// gdnative_tokio::task::spawn_owned(base, async move {
///     loop {
///         gdnative_tokio::time::sleep(std::time::Duration::from_secs(1)).await;
///         // ... poll a server, update a label through a weak reference ...
///     }
/// });
/// # }
/// ```
pub fn spawn_owned<T, F>(owner: TRef<'_, T>, future: F) -> JoinHandle<F::Output>
where
    T: GodotObject + SubClass<Node>,
    F: Future + 'static,
    F::Output: 'static,
{
    let slot = Rc::new(OwnedSlot {
        future: RefCell::new(Some(Box::pin(future))),
        cancelled: Cell::new(false),
        watch: RefCell::new(None),
    });
    let handle = SharedLocalPool::current().spawn(Owned(Rc::clone(&slot)));
    let abort = handle.aborter();
    let weak = Rc::downgrade(&slot);
    let watch = FreeWatch::attach(
        owner.upcast::<Node>().upcast(),
        Box::new(move || {
            if let Some(slot) = weak.upgrade() {
                slot.cancel();
            }
            abort();
        }),
    );
    // The task keeps the watch: it is disconnected when the task ends.
    *slot.watch.borrow_mut() = Some(watch);
    handle
}

/// The future of an owned task, shared with its free watch.
struct OwnedSlot<F> {
    /// Taken out while polled: a cancel from inside the poll (the future
    /// freed its own node) leaves the dropping to the poller.
    future: RefCell<Option<Pin<Box<F>>>>,
    cancelled: Cell<bool>,
    /// Dropped (disconnected) with the task; its callback holds the slot
    /// weakly.
    watch: RefCell<Option<FreeWatch>>,
}

impl<F> OwnedSlot<F> {
    fn cancel(&self) {
        self.cancelled.set(true);
        let future = self.future.borrow_mut().take();
        drop(future);
    }
}

/// The pool task of [`spawn_owned`].
struct Owned<F>(Rc<OwnedSlot<F>>);

impl<F: Future> Future for Owned<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let slot = &self.0;
        let Some(mut future) = slot.future.borrow_mut().take() else {
            // Cancelled: the abort ends the task.
            return Poll::Pending;
        };
        let poll = future.as_mut().poll(cx);
        if poll.is_pending() && !slot.cancelled.get() {
            *slot.future.borrow_mut() = Some(future);
        }
        poll
    }
}

impl AsyncTask {
    /// Like [`spawn`](Self::spawn), for a task owned by `owner`: when
    /// `owner` is freed (see [`spawn_owned`](crate::task::spawn_owned)), the
    /// task is cancelled as by `cancel()`: the future is dropped at once,
    /// inside Godot's freeing of the node, and `completed` is emitted with
    /// an `AsyncError` of kind `cancelled` in the next pump.
    pub fn spawn_owned<T, F>(
        name: &'static str,
        owner: TRef<'_, T>,
        future: F,
    ) -> Instance<AsyncTask>
    where
        T: GodotObject + SubClass<Node>,
        F: Future + 'static,
        F::Output: ToVariant,
    {
        let task = AsyncTask::spawn(name, future);
        crate::script::task::with_task(&task, |t| {
            let cancel = t.canceller();
            let watch = FreeWatch::attach(owner.upcast::<Node>().upcast(), Box::new(cancel));
            t.keep_until_done(watch);
        });
        task
    }
}

/// `owned(node, awaitable) -> AsyncTask`: a task that waits on `awaitable`
/// (anything `Async.task` accepts) and is owned by `node`: when `node` is
/// freed, the task is cancelled (its `yield` resolves with an `AsyncError`
/// of kind `cancelled`), and so is `awaitable` when it is an `AsyncTask`
/// (its Rust future is dropped in that frame).
pub(crate) struct OwnedMethod;

impl OwnedMethod {
    pub(crate) const NAME: &'static str = "owned";
}

impl Method<AsyncToolkit> for OwnedMethod {
    fn call(&self, _this: TInstance<'_, AsyncToolkit>, args: Varargs<'_>) -> Variant {
        match owned(&Args::from_varargs(args)) {
            Ok(task) => task,
            Err(Refusal { kind, message }) => AsyncTask::failed(Self::NAME, kind, message),
        }
        .owned_to_variant()
    }
}

fn owned(args: &Args) -> Result<Instance<AsyncTask>, Refusal> {
    args.expect_count(2, 2)?;
    let weak = live_argument(args.raw(0, "node")?, &Args::argument(0, "node"))?
        .ok_or_else(|| Args::invalid(0, "node", "expected a Node"))?;
    let node = weak
        .get()
        .and_then(|o| o.cast::<Node>())
        .ok_or_else(|| Args::invalid(0, "node", "expected a Node"))?;
    let item = Awaitable::new(args.raw(1, "awaitable")?, &Args::argument(1, "awaitable"))?;
    let mut guard = OwnedTasks::default();
    guard.own(&item);
    let wait = item.wait();
    Ok(AsyncTask::spawn_owned(
        OwnedMethod::NAME,
        node,
        async move {
            let _owned = guard;
            wait.await
        },
    ))
}
