//! The handle to a task spawned on the pool: its output, cancellation and
//! panics.

use std::any::Any;
use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

/// Why a task spawned on the pool did not return its output: it was
/// aborted (or dropped by [`SharedLocalPool::shutdown`](crate::executor::SharedLocalPool::shutdown)),
/// or it panicked.
pub struct JoinError {
    panic: Option<Box<dyn Any + Send>>,
}

impl JoinError {
    /// The task was cancelled: aborted, or dropped with the pool's tasks.
    pub fn is_cancelled(&self) -> bool {
        self.panic.is_none()
    }

    /// The task panicked.
    pub fn is_panic(&self) -> bool {
        self.panic.is_some()
    }

    /// The panic's payload (to resume it with `std::panic::resume_unwind`);
    /// `Err(self)` for a cancelled task.
    pub fn try_into_panic(self) -> Result<Box<dyn Any + Send>, JoinError> {
        match self.panic {
            Some(payload) => Ok(payload),
            None => Err(self),
        }
    }
}

impl fmt::Debug for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.panic {
            None => f.write_str("task was cancelled"),
            Some(payload) => write!(
                f,
                "task panicked: {}",
                crate::executor::panic::payload_message(payload.as_ref())
            ),
        }
    }
}

impl std::error::Error for JoinError {}

/// What the task and its handle share.
struct Shared<T> {
    output: Option<Result<T, JoinError>>,
    /// The handle asked to abort.
    aborted: bool,
    /// The task ended (output set, or taken by the handle).
    finished: bool,
    /// The handle's waker, while it waits.
    waiter: Option<Waker>,
    /// The task's waker, to run it once more after an abort.
    task: Option<Waker>,
}

impl<T> Shared<T> {
    fn finish(&mut self, output: Result<T, JoinError>) {
        self.output = Some(output);
        self.finished = true;
        self.task = None;
        if let Some(waiter) = self.waiter.take() {
            waiter.wake();
        }
    }
}

/// An owned permission to await a pool task's output: `.await` it for
/// `Ok(output)`, or [`JoinError`] if the task panicked or was cancelled.
///
/// Dropping the handle detaches the task (it runs on). Not `Send`: the
/// task and its handle live on the pool's thread.
pub struct JoinHandle<T> {
    shared: Rc<RefCell<Shared<T>>>,
}

impl<T> JoinHandle<T> {
    /// Cancels the task: its future is dropped (its `Drop` runs) the next
    /// time the pump reaches it, in the current pump if called during one
    /// and otherwise in the next, and the handle resolves with a cancelled
    /// [`JoinError`]. Does nothing when the task has finished.
    pub fn abort(&self) {
        abort(&self.shared);
    }

    /// A function that does what [`abort`](Self::abort) does, for code
    /// that cancels the task without holding its handle (a node's free
    /// watch, `src/script/owned.rs`).
    pub(crate) fn aborter(&self) -> impl Fn() + 'static
    where
        T: 'static,
    {
        let shared = Rc::clone(&self.shared);
        move || abort(&shared)
    }

    /// Whether the task has finished: returned, panicked or was dropped.
    pub fn is_finished(&self) -> bool {
        self.shared.borrow().finished
    }
}

/// See [`JoinHandle::abort`].
fn abort<T>(shared: &RefCell<Shared<T>>) {
    let mut shared = shared.borrow_mut();
    if shared.finished {
        return;
    }
    shared.aborted = true;
    if let Some(task) = shared.task.take() {
        drop(shared);
        task.wake();
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("finished", &self.is_finished())
            .finish()
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut shared = self.shared.borrow_mut();
        if let Some(output) = shared.output.take() {
            return Poll::Ready(output);
        }
        if shared.finished {
            // Taken by an earlier poll: polled after completion.
            return Poll::Ready(Err(JoinError { panic: None }));
        }
        match &shared.waiter {
            Some(w) if w.will_wake(cx.waker()) => {}
            _ => shared.waiter = Some(cx.waker().clone()),
        }
        Poll::Pending
    }
}

pin_project_lite::pin_project! {
    /// The task side: runs `future`, catches its panic, honours an abort,
    /// and hands the result to the handle. Dropped before completion (an
    /// abort, or the pool's shutdown), it resolves the handle as cancelled.
    pub(crate) struct JoinTask<F: Future> {
        #[pin]
        future: F,
        shared: Rc<RefCell<Shared<F::Output>>>,
        ended: bool,
    }

    impl<F: Future> PinnedDrop for JoinTask<F> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            if !*this.ended {
                if let Ok(mut shared) = this.shared.try_borrow_mut() {
                    shared.finish(Err(JoinError { panic: None }));
                }
            }
        }
    }
}

/// A task and its handle.
pub(crate) fn pair<F: Future>(future: F) -> (JoinTask<F>, JoinHandle<F::Output>) {
    let shared = Rc::new(RefCell::new(Shared {
        output: None,
        aborted: false,
        finished: false,
        waiter: None,
        task: None,
    }));
    let task = JoinTask {
        future,
        shared: Rc::clone(&shared),
        ended: false,
    };
    (task, JoinHandle { shared })
}

impl<F: Future> Future for JoinTask<F> {
    type Output = ();

    /// Ready when the future is: the run queue then drops the task (and
    /// with it the future, in the pump).
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.project();
        if *this.ended || this.shared.borrow().aborted {
            return Poll::Ready(());
        }
        let output = match catch_unwind(AssertUnwindSafe(|| this.future.poll(cx))) {
            Ok(Poll::Pending) => {
                let mut shared = this.shared.borrow_mut();
                match &shared.task {
                    Some(w) if w.will_wake(cx.waker()) => {}
                    _ => shared.task = Some(cx.waker().clone()),
                }
                return Poll::Pending;
            }
            Ok(Poll::Ready(output)) => Ok(output),
            Err(payload) => Err(JoinError {
                panic: Some(payload),
            }),
        };
        *this.ended = true;
        this.shared.borrow_mut().finish(output);
        Poll::Ready(())
    }
}
