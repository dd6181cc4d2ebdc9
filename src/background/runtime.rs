//! The background runtime: a multi-thread Tokio runtime, started on first
//! use, for `Send` futures and blocking work that must stay off the game's
//! main thread.
//!
//! Results come back as futures that the main thread's pool awaits: a task
//! finishing on a worker wakes its waiter through the pool's `LocalSet`,
//! which the next pump polls. Godot objects stay on the main thread: the
//! work must be `Send`, and gdnative's `TRef`, `Instance` borrows and
//! script-owned objects are not, so the compiler rejects moving them in.
//!
//! ```no_run
//! # async fn example() -> Result<(), gdnative_tokio::error::AsyncError> {
//! // On the main thread, e.g. in an async method's future:
//! let bytes = gdnative_tokio::background::spawn_blocking(|| std::fs::read("save.dat")).await?;
//! let sum = gdnative_tokio::background::spawn_background(async { 6 * 7 }).await?;
//! # Ok(()) }
//! ```

use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context, Poll};
use std::time::Duration;

use futures::channel::oneshot;
use futures::future::{FutureExt, Shared};
use tokio::runtime::{Handle, Runtime};
use tokio::task::JoinHandle;

use crate::error::{AsyncError, ErrorKind};

/// How long [`shutdown_background`] waits for running work before it lets
/// the worker threads go.
pub const SHUTDOWN_TIMEOUT: Duration = Duration::from_millis(500);

/// Completes (with `Err(Canceled)`) when the runtime it was taken from
/// shuts down: every [`Background`] of that runtime holds a clone.
type ShutdownSignal = Shared<oneshot::Receiver<()>>;

/// The background runtime while it runs.
struct Running {
    runtime: Runtime,
    workers: usize,
    /// Dropped on shutdown, which completes `signal`.
    _alive: oneshot::Sender<()>,
    signal: ShutdownSignal,
}

struct State {
    /// The running runtime.
    runtime: Option<Running>,
    /// The count set by [`set_background_workers`]; `None` = the default.
    workers: Option<usize>,
}

static STATE: Mutex<State> = Mutex::new(State {
    runtime: None,
    workers: None,
});

fn state() -> std::sync::MutexGuard<'static, State> {
    // A panic while holding the lock cannot leave `State` half-updated.
    STATE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The worker count used when none was set: the machine's cores minus one
/// (the main thread's), at least 1 and at most 4.
pub fn default_background_workers() -> usize {
    std::thread::available_parallelism()
        .map_or(1, |n| n.get().saturating_sub(1))
        .clamp(1, 4)
}

/// The number of worker threads the background runtime has (or will have
/// when it starts).
pub fn background_workers() -> usize {
    let state = state();
    match &state.runtime {
        Some(running) => running.workers,
        None => state.workers.unwrap_or_else(default_background_workers),
    }
}

/// Sets the number of worker threads (blocking work has its own threads,
/// started on demand). Only possible before the runtime starts, i.e. before
/// the first background spawn.
///
/// # Errors
///
/// `bad_arguments` for 0 workers or more than 256, and when the runtime is
/// already running (its size cannot change).
pub fn set_background_workers(workers: usize) -> Result<(), AsyncError> {
    if !(1..=256).contains(&workers) {
        return Err(refusal(format!(
            "the worker count must be between 1 and 256, got {workers}"
        )));
    }
    configure_workers(Some(workers))
}

/// The worker count scripts read back: the running runtime's, else the
/// count set explicitly; `None` for the default before the runtime starts.
pub(crate) fn configured_workers() -> Option<usize> {
    let state = state();
    state
        .runtime
        .as_ref()
        .map(|running| running.workers)
        .or(state.workers)
}

/// Sets (or, with `None`, resets to the default) the worker count, unless
/// the runtime is running.
pub(crate) fn configure_workers(workers: Option<usize>) -> Result<(), AsyncError> {
    let mut state = state();
    if let Some(running) = &state.runtime {
        return Err(refusal(format!(
            "the background runtime is already running with {} workers; set the count \
             before the first background task",
            running.workers
        )));
    }
    state.workers = workers;
    Ok(())
}

fn refusal(message: String) -> AsyncError {
    AsyncError::new(ErrorKind::BadArguments, "set_background_workers", message)
}

/// A handle to the background runtime, starting it if needed, and the
/// signal of its shutdown.
fn handle() -> Result<(Handle, ShutdownSignal), AsyncError> {
    let mut state = state();
    if let Some(running) = &state.runtime {
        return Ok((running.runtime.handle().clone(), running.signal.clone()));
    }
    let workers = state.workers.unwrap_or_else(default_background_workers);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .thread_name("gdnative-tokio-bg")
        .enable_all()
        .build()
        .map_err(|e| {
            AsyncError::new(
                ErrorKind::Failed,
                "spawn_background",
                format!("could not start the background runtime: {e}"),
            )
        })?;
    let handle = runtime.handle().clone();
    let (alive, signal) = oneshot::channel();
    let signal = signal.shared();
    state.runtime = Some(Running {
        runtime,
        workers,
        _alive: alive,
        signal: signal.clone(),
    });
    Ok((handle, signal))
}

/// Runs `future` on the background runtime; await the returned
/// [`Background`] on the main thread for its output.
///
/// The output arrives no later than the pump after the future completed.
/// Dropping the `Background` cancels the future. Costs one Tokio task on
/// the runtime plus one cross-thread wake.
pub fn spawn_background<F>(future: F) -> Background<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    Background::new(
        "spawn_background",
        handle().map(|(h, signal)| (h.spawn(crate::executor::panic::catch_panic(future)), signal)),
        true,
    )
}

/// Runs the blocking function `f` on the background runtime's blocking
/// threads (CPU-heavy work, synchronous file IO); await the returned
/// [`Background`] on the main thread for its result.
///
/// The result arrives no later than the pump after `f` returned. Dropping
/// the `Background` discards the result; `f` itself cannot be interrupted
/// once it started. Costs a thread hand-off (threads are reused).
pub fn spawn_blocking<F, R>(f: F) -> Background<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    Background::new(
        "spawn_blocking",
        handle().map(|(h, signal)| {
            let job = h.spawn_blocking(move || crate::executor::panic::catch_recorded(f));
            (job, signal)
        }),
        false,
    )
}

/// Stops the background runtime: running futures are dropped, blocking work
/// gets [`SHUTDOWN_TIMEOUT`] to finish before its threads are let go (they
/// are not joined). Every pending [`Background`] resolves with `cancelled`
/// in the next pump, blocking work still running included (its thread
/// finishes on its own; its result is dropped), and so do the requests a
/// [`Service`](crate::background::Service) had not answered. The crate's `terminate()`
/// calls it, so quitting never waits longer than that. A later background
/// spawn starts a fresh runtime.
///
/// Callable from any code on the main thread, code the pump runs included
/// (a task, or a script resumed by one): the runtime is shut down on a
/// short-lived thread of its own, which this call waits for (at most
/// [`SHUTDOWN_TIMEOUT`] and the time its futures' destructors take), since
/// Tokio refuses to block inside a runtime's `block_on`.
pub fn shutdown_background() {
    let running = state().runtime.take();
    let Some(Running {
        runtime,
        _alive: alive,
        ..
    }) = running
    else {
        return;
    };
    // Every `Background` of this runtime resolves `cancelled` from now on.
    drop(alive);
    let (hand_over, receive) = std::sync::mpsc::channel::<Runtime>();
    let stopper = std::thread::Builder::new()
        .name("gdnative-tokio-bg-shutdown".into())
        .spawn(move || {
            if let Ok(runtime) = receive.recv() {
                runtime.shutdown_timeout(SHUTDOWN_TIMEOUT);
            }
        });
    match stopper {
        Ok(stopper) => {
            if let Err(std::sync::mpsc::SendError(runtime)) = hand_over.send(runtime) {
                runtime.shutdown_background();
            }
            // The thread cannot panic: `shutdown_timeout` does not, on a
            // thread outside any runtime.
            let _ = stopper.join();
        }
        // No thread to wait on: let the workers go without waiting (Tokio
        // allows this from inside a runtime).
        Err(_) => runtime.shutdown_background(),
    }
}

/// Work running on the background runtime, awaited on the main thread.
///
/// Resolves with the work's output, or an [`AsyncError`]: kind `panic` if it
/// panicked (with the panic message), `cancelled` if the runtime shut down
/// first, `failed` if the runtime could not start.
#[must_use = "dropping a Background cancels its future (blocking work runs on but its result is lost)"]
pub struct Background<T> {
    name: &'static str,
    handle: Option<JoinHandle<Result<T, String>>>,
    /// The shutdown of the runtime the work runs on.
    shutdown: Option<ShutdownSignal>,
    error: Option<AsyncError>,
    abort_on_drop: bool,
}

impl<T> Background<T> {
    fn new(
        name: &'static str,
        spawned: Result<(JoinHandle<Result<T, String>>, ShutdownSignal), AsyncError>,
        abort_on_drop: bool,
    ) -> Self {
        let (handle, shutdown, error) = match spawned {
            Ok((handle, shutdown)) => (Some(handle), Some(shutdown), None),
            Err(error) => (None, None, Some(error)),
        };
        Background {
            name,
            handle,
            shutdown,
            error,
            abort_on_drop,
        }
    }

    /// Whether the runtime this work runs on has shut down.
    fn shut_down(&self) -> bool {
        self.shutdown.as_ref().is_some_and(|s| s.peek().is_some())
    }

    /// Lets the work run on without anyone awaiting it: dropping a detached
    /// `Background` does not cancel its future.
    pub fn detach(mut self) {
        self.abort_on_drop = false;
    }

    /// Whether the work has finished (its output is ready to be taken), or
    /// the background runtime shut down (it resolves `cancelled`).
    pub fn is_finished(&self) -> bool {
        self.handle.as_ref().map_or(true, JoinHandle::is_finished) || self.shut_down()
    }
}

impl<T> Future for Background<T> {
    type Output = Result<T, AsyncError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let name = self.name;
        let Some(handle) = self.handle.as_mut() else {
            let error = self.error.take();
            return Poll::Ready(Err(error.unwrap_or_else(|| {
                AsyncError::new(ErrorKind::Failed, name, "polled after completion")
            })));
        };
        let Poll::Ready(result) = Pin::new(handle).poll(cx) else {
            let shut_down = self
                .shutdown
                .as_mut()
                .is_some_and(|s| s.poll_unpin(cx).is_ready());
            if shut_down {
                // Blocking work still running: its thread finishes on its
                // own, its result is dropped with the handle.
                self.shutdown = None;
                self.handle = None;
                return Poll::Ready(Err(shutdown_error(name)));
            }
            crate::executor::registry::note("background job");
            return Poll::Pending;
        };
        self.handle = None;
        self.shutdown = None;
        Poll::Ready(match result {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(panic)) => Err(AsyncError::new(ErrorKind::Panic, name, panic)),
            Err(_) => Err(shutdown_error(name)),
        })
    }
}

fn shutdown_error(name: &str) -> AsyncError {
    AsyncError::new(
        ErrorKind::Cancelled,
        name,
        "the background runtime shut down first",
    )
}

impl<T> Drop for Background<T> {
    fn drop(&mut self) {
        if let (Some(handle), true) = (&self.handle, self.abort_on_drop) {
            handle.abort();
        }
    }
}
