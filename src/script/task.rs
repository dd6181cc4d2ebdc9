//! `AsyncTask`: a handle to running Rust work that scripts can yield on and
//! cancel.
//!
//! ```gdscript
//! var task = Async.sleep(10.0)        # every Async function returns one
//! task.cancel()                        # the Rust future is dropped now
//! var r = yield(task, "completed")     # AsyncError, kind "cancelled"
//! print(task.is_done(), task.is_cancelled(), task.result)
//! ```

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use gdnative::prelude::*;

use crate::error::{AsyncError, ErrorKind};
use crate::executor::once::SetOnce;
use crate::executor::SharedLocalPool;
use crate::godot::weak::FreeWatch;
use crate::script::guard::{guard, guard_result};
use crate::script::progress::Progress;

type BoxedWork = Pin<Box<dyn Future<Output = Variant>>>;

/// A handle to a Rust future running on the pool, as a Godot `Reference`.
///
/// GDScript sees:
/// - signal `completed(value)`: emitted once, in a pump, with the result
///   (the future's value, or an [`AsyncError`] value on failure or
///   cancellation), so `yield(task, "completed")` works like on a
///   coroutine;
/// - `cancel() -> bool`: drops the Rust future at once (if it is being
///   polled right now, e.g. `cancel()` is called from a coroutine the
///   future resumed, as soon as that poll returns) and sets the result to
///   an `AsyncError` of kind `cancelled`; `completed` is then emitted in the
///   next pump, so `task.cancel(); yield(task, "completed")` resumes.
///   Returns false when the task was already done;
/// - `is_done()`, `is_cancelled()`, and the read-only property `result`
///   (`null` until done);
/// - signal `progress(value)` and the read-only property `progress` (the
///   last value, `null` before any) and `progress_total` (what the value
///   runs up to, -1 when unknown), for tasks started with
///   [`spawn_with_progress`](Self::spawn_with_progress): see [`Progress`].
///
/// The task keeps running when scripts drop the handle; it holds itself
/// alive until `completed` was emitted. Costs one Godot object and one
/// pool task.
#[derive(NativeClass)]
#[inherit(Reference)]
#[no_constructor]
#[register_with(register_task)]
pub struct AsyncTask {
    state: Rc<TaskState>,
}

struct TaskState {
    name: &'static str,
    /// Taken out while polled, so that `cancel()` from inside the poll
    /// finds it empty and leaves the dropping to the runner.
    work: RefCell<Option<BoxedWork>>,
    /// Wakes the runner and every [`TaskDone`] when set.
    result: SetOnce<Outcome>,
    /// What the work reports, and the last value emitted.
    progress: Option<Progress>,
    last_progress: Cell<Option<f64>>,
    /// Its owner's free watch (`owned.rs`), disconnected when it ends.
    owner_watch: RefCell<Option<FreeWatch>>,
}

impl TaskState {
    /// The result as scripts see it. A cancelled task's error value is
    /// made here, on demand: cancellation also happens while the library
    /// shuts down, when no Godot object may be created any more.
    fn result(&self) -> Option<Variant> {
        let value = self.result.with(|r| r.map(Outcome::value))?;
        value.or_else(|| {
            let message = "the task was cancelled";
            Some(AsyncError::new(ErrorKind::Cancelled, self.name, message).into_value())
        })
    }

    fn is_cancelled(&self) -> bool {
        self.result.with(|r| matches!(r, Some(Outcome::Cancelled)))
    }

    /// See [`AsyncTask::cancel_task`].
    fn cancel(&self) -> bool {
        if !self.result.set(Outcome::Cancelled) {
            return false;
        }
        // Dropped outside any borrow: its Drop may call back into scripts.
        let work = self.work.borrow_mut().take();
        drop(work);
        true
    }
}

/// How a task ended.
enum Outcome {
    Value(Variant),
    Cancelled,
}

impl Outcome {
    /// The value; `None` when cancelled.
    fn value(&self) -> Option<Variant> {
        match self {
            Outcome::Value(value) => Some(value.clone()),
            Outcome::Cancelled => None,
        }
    }
}

impl AsyncTask {
    /// Starts `future` as a task named `name` and returns its handle. A
    /// panic resolves the task with an `AsyncError` of kind `panic` (see
    /// [`guard`](crate::script::guard)). The future first runs in the next pump:
    /// work that should start at the call (a blocking job, a request) is
    /// started before building the future, in the method's body.
    ///
    /// Return the handle from a method to give scripts a cancellable,
    /// yieldable job:
    ///
    /// ```no_run
    /// // The same pattern is used in `AsyncDemo::countdown` (testbed/src/demo.rs).
    /// use gdnative::prelude::*;
    /// use gdnative_tokio::script::AsyncTask;
    ///
    /// #[derive(NativeClass)]
    /// #[inherit(Reference)]
    /// struct Downloader;
    ///
    /// #[methods]
    /// impl Downloader {
    ///     fn new(_base: &Reference) -> Self {
    ///         Downloader
    ///     }
    ///
    ///     #[method]
    ///     fn fetch(&self, url: String) -> Instance<AsyncTask> {
    ///         AsyncTask::spawn("fetch", async move {
    ///             gdnative_tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    ///             url.len() as i64
    ///         })
    ///     }
    /// }
    /// ```
    pub fn spawn<F>(name: &'static str, future: F) -> Instance<AsyncTask>
    where
        F: Future + 'static,
        F::Output: ToVariant,
    {
        Self::start(name, Box::pin(guard(name, future)))
    }

    /// Like [`spawn`](Self::spawn), for work that reports its progress:
    /// `body` gets the task's [`Progress`] handle (`Send`: clone it into
    /// background or blocking jobs) and returns the future.
    ///
    /// ```no_run
    /// use gdnative_tokio::script::AsyncTask;
    ///
    /// let task = AsyncTask::spawn_with_progress("load", |progress| async move {
    ///     let sum = gdnative_tokio::background::spawn_blocking(move || {
    ///         (1..=100u64).inspect(|i| progress.set(*i as f64 / 100.0)).sum::<u64>()
    ///     });
    ///     sum.await.map_or(-1, |s| s as i64)
    /// });
    /// ```
    pub fn spawn_with_progress<B, F>(name: &'static str, body: B) -> Instance<AsyncTask>
    where
        B: FnOnce(Progress) -> F,
        F: Future + 'static,
        F::Output: ToVariant,
    {
        let progress = Progress::new();
        let work = Box::pin(guard(name, body(progress.clone())));
        Self::start_full(name, Some(work), None, Some(progress))
    }

    /// Like [`spawn`](Self::spawn) for a future returning `Result`: `Err(e)`
    /// resolves the task with an `AsyncError` of kind `failed` whose
    /// message is `e`'s `Display` (printed, see
    /// [`guard_result`](crate::script::guard_result)).
    pub fn spawn_result<F, T, E>(name: &'static str, future: F) -> Instance<AsyncTask>
    where
        F: Future<Output = Result<T, E>> + 'static,
        T: ToVariant,
        E: std::fmt::Display + 'static,
    {
        Self::start(name, Box::pin(guard_result(name, future)))
    }

    /// A task that is already done with `value` (e.g. an error value for
    /// bad arguments). It still emits `completed` in the next pump, so a
    /// script can yield on it right away.
    pub fn resolved(name: &'static str, value: Variant) -> Instance<AsyncTask> {
        Self::start_with(name, None, Some(Outcome::Value(value)))
    }

    /// A task already done with an [`AsyncError`] of `kind`, printed once
    /// like every failure: what a task-returning method gives for bad
    /// arguments, so that the script can still yield on it.
    pub fn failed(
        name: &'static str,
        kind: ErrorKind,
        message: impl Into<String>,
    ) -> Instance<AsyncTask> {
        Self::resolved(name, AsyncError::new(kind, name, message).report())
    }

    fn start(name: &'static str, work: BoxedWork) -> Instance<AsyncTask> {
        Self::start_with(name, Some(work), None)
    }

    fn start_with(
        name: &'static str,
        work: Option<BoxedWork>,
        result: Option<Outcome>,
    ) -> Instance<AsyncTask> {
        Self::start_full(name, work, result, None)
    }

    fn start_full(
        name: &'static str,
        work: Option<BoxedWork>,
        result: Option<Outcome>,
        progress: Option<Progress>,
    ) -> Instance<AsyncTask> {
        let state = Rc::new(TaskState {
            name,
            work: RefCell::new(work),
            result: SetOnce::new(result),
            progress,
            last_progress: Cell::new(None),
            owner_watch: RefCell::new(None),
        });
        let task = Instance::emplace(AsyncTask {
            state: Rc::clone(&state),
        })
        .into_shared();
        drop(SharedLocalPool::current().spawn(Runner {
            state,
            task: Some(task.clone()),
        }));
        task
    }

    /// Cancels the task: see the type-level docs. Returns false when it was
    /// already done.
    pub fn cancel_task(&self) -> bool {
        self.state.cancel()
    }

    /// What [`cancel_task`](Self::cancel_task) does, as a function that
    /// holds the task weakly (for an owner's free watch, `owned.rs`).
    pub(crate) fn canceller(&self) -> impl FnOnce() + 'static {
        let state = Rc::downgrade(&self.state);
        move || {
            if let Some(state) = state.upgrade() {
                state.cancel();
            }
        }
    }

    /// Keeps `watch` until the task ends (then drops it: disconnects it).
    pub(crate) fn keep_until_done(&self, watch: FreeWatch) {
        *self.state.owner_watch.borrow_mut() = Some(watch);
    }

    /// The result, once done.
    pub fn result(&self) -> Option<Variant> {
        self.state.result()
    }

    /// True once the task has a result (finished or cancelled).
    pub fn done(&self) -> bool {
        self.state.result.is_set()
    }

    /// True when the task was cancelled before it finished.
    pub fn cancelled(&self) -> bool {
        self.state.is_cancelled()
    }

    /// A future that resolves with the task's result (for Rust code that
    /// waits on a task a script handed over). Does not own the task:
    /// dropping the future leaves the task running.
    pub fn wait(&self) -> TaskDone {
        TaskDone {
            state: Rc::clone(&self.state),
        }
    }
}

#[methods]
impl AsyncTask {
    /// `cancel() -> bool`; false (and an error) off the main thread.
    #[method]
    fn cancel(&self) -> bool {
        crate::godot::main_thread::check("AsyncTask.cancel").is_ok() && self.cancel_task()
    }

    /// `is_done() -> bool`; false (and an error) off the main thread.
    #[method]
    fn is_done(&self) -> bool {
        crate::godot::main_thread::check("AsyncTask.is_done").is_ok() && self.done()
    }

    /// `is_cancelled() -> bool`; false (and an error) off the main thread.
    #[method]
    fn is_cancelled(&self) -> bool {
        crate::godot::main_thread::check("AsyncTask.is_cancelled").is_ok() && self.cancelled()
    }

    #[method]
    fn _to_string(&self) -> String {
        let status = if self.cancelled() {
            "cancelled"
        } else if self.done() {
            "done"
        } else {
            "running"
        };
        format!("AsyncTask({}: {status})", self.state.name)
    }
}

fn register_task(builder: &ClassBuilder<AsyncTask>) {
    builder
        .signal("completed")
        .with_param_untyped("value")
        .done();
    builder
        .signal("progress")
        .with_param("value", VariantType::F64)
        .done();
    builder
        .property::<AnyValue>("progress")
        .with_getter(|task: &AsyncTask, _| {
            let on_main = crate::godot::main_thread::check("AsyncTask.progress").is_ok();
            let last = task.state.last_progress.get().filter(|_| on_main);
            AnyValue(last.map_or_else(Variant::nil, |v| v.to_variant()))
        })
        .with_usage(gdnative::export::PropertyUsage::NOEDITOR)
        .done();
    builder
        .property::<f64>("progress_total")
        .with_getter(|task: &AsyncTask, _| {
            task.state.progress.as_ref().map_or(-1.0, Progress::total)
        })
        .with_usage(gdnative::export::PropertyUsage::NOEDITOR)
        .done();
    builder
        .property::<AnyValue>("result")
        .with_getter(|task: &AsyncTask, _| {
            let on_main = crate::godot::main_thread::check("AsyncTask.result").is_ok();
            AnyValue(task.result().filter(|_| on_main).unwrap_or_default())
        })
        .with_usage(gdnative::export::PropertyUsage::NOEDITOR)
        .done();
}

/// A property value of any type (gdnative 0.11 exports no `Variant`
/// properties).
struct AnyValue(Variant);

impl ToVariant for AnyValue {
    fn to_variant(&self) -> Variant {
        self.0.clone()
    }
}

impl gdnative::export::Export for AnyValue {
    type Hint = ();

    fn export_info(_hint: Option<()>) -> gdnative::export::ExportInfo {
        gdnative::export::ExportInfo::new(VariantType::Nil)
    }
}

/// Runs `f` on the Rust side of `task`; `None` only if the task is
/// mutably borrowed, which this crate never does.
pub(crate) fn with_task<R>(
    task: &Instance<AsyncTask>,
    f: impl FnOnce(&AsyncTask) -> R,
) -> Option<R> {
    // SAFETY: tasks are created and used on the main thread only (the pool
    // is thread-local) and `task` keeps the object alive.
    unsafe { task.assume_safe() }.map(|t, _| f(t)).ok()
}

/// The future returned by [`AsyncTask::wait`].
pub struct TaskDone {
    state: Rc<TaskState>,
}

impl Future for TaskDone {
    type Output = Variant;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Variant> {
        if let Some(result) = self.state.result() {
            return Poll::Ready(result);
        }
        self.state.result.register(cx);
        crate::executor::registry::note("task");
        Poll::Pending
    }
}

/// The pool task behind an [`AsyncTask`]: polls the work, then emits
/// `completed` and lets go of the handle.
struct Runner {
    state: Rc<TaskState>,
    task: Option<Instance<AsyncTask>>,
}

impl Future for Runner {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let state = Rc::clone(&self.state);
        if !state.result.is_set() {
            self.emit_progress(cx);
            let work = state.work.borrow_mut().take();
            if let Some(mut work) = work {
                match work.as_mut().poll(cx) {
                    Poll::Ready(value) => {
                        drop(work);
                        // The last value set before the end, before `completed`.
                        self.emit_progress(cx);
                        state.result.set(Outcome::Value(value));
                    }
                    Poll::Pending if state.result.is_set() => drop(work),
                    Poll::Pending => {
                        *state.work.borrow_mut() = Some(work);
                        state.result.register(cx);
                        return Poll::Pending;
                    }
                }
            }
        }
        let value = state.result().unwrap_or_default();
        let watch = state.owner_watch.borrow_mut().take();
        drop(watch);
        if let Some(task) = self.task.take() {
            // SAFETY: the task object was created on this thread (the pool
            // is thread-local) and `task` keeps it alive.
            let task = unsafe { task.assume_safe() };
            task.base().emit_signal("completed", &[value]);
        }
        Poll::Ready(())
    }
}

impl Runner {
    /// Emits `progress(value)` if the work set a value since the last
    /// poll, and registers for the next one.
    fn emit_progress(&self, cx: &Context<'_>) {
        let Some(value) = self.state.progress.as_ref().and_then(|p| p.take(cx)) else {
            return;
        };
        self.state.last_progress.set(Some(value));
        if let Some(task) = &self.task {
            // SAFETY: the task object was created on this thread (the pool
            // is thread-local) and `task` keeps it alive.
            let task = unsafe { task.assume_safe() };
            task.base().emit_signal("progress", &[value.to_variant()]);
        }
    }
}

impl Drop for Runner {
    /// A runner dropped before it finished (the pool shut down) drops the
    /// work with it, so no future outlives the pool.
    fn drop(&mut self) {
        let work = self.state.work.borrow_mut().take();
        drop(work);
    }
}
