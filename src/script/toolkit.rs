//! `AsyncToolkit`, the `Async` autoload: sleep (wall clock), sleep_game and
//! timeout_game (game time), frames, timeout, all, any, signal and task for
//! game scripts.
//!
//! Every function returns an [`AsyncTask`](crate::script::AsyncTask) handle: yield on its
//! `completed` signal, or `cancel()` it. Failures resolve with an
//! [`AsyncError`] value (the guide's chapter *Errors*, docs/guide/src/errors.md).
//!
//! ```gdscript
//! yield(Async.sleep(0.5), "completed")
//! yield(Async.frames(3), "completed")
//! var r = yield(Async.timeout(demo.delay(10), 1.0), "completed")   # AsyncError kind "timeout"
//! var values = yield(Async.all([demo.delay(0.1), my_coroutine()]), "completed")
//! var first = yield(Async.any([Async.sleep(1), Async.signal($Button, "pressed")]), "completed")
//! var args = yield(Async.signal($Door, "opened", 5.0), "completed")
//! ```

use std::future::Future;
use std::time::{Duration, Instant};

use gdnative::prelude::*;

use crate::error::{AsyncError, ErrorKind};
use crate::executor::game_clock::GameTime;
use crate::executor::registry::{noted, TaskInfo};
use crate::godot::driver::{budget_from_script, Millis};
use crate::godot::lifecycle;
use crate::script::args::Args;
use crate::script::awaitable::{awaitables, live_argument, Awaitable, OwnedTasks, Wait};
use crate::script::method::Refusal;

/// The `Async` autoload. Register
/// `res://addons/gdnative_tokio/async_toolkit.gdns` as an autoload named
/// `Async` (Project Settings > AutoLoad; the editor plugin does it).
///
/// While it is in the tree and no
/// [`AsyncExecutorDriver`](crate::executor::AsyncExecutorDriver) is, it pumps the
/// pool once per frame itself, so enabling the plugin is enough for tasks
/// to run. A driver in the tree takes over (its `frame_budget_ms`
/// applies); there is still exactly one pump per frame. Properties:
/// `auto_pump` (default `true`; `false`: only drivers pump) and
/// `frame_budget_ms` (the budget of its own pumps, as on the driver).
///
/// Combinators own the [`AsyncTask`](crate::script::AsyncTask)s they are given: when `timeout` gives
/// up, when `any` has a winner, when `all` fails, or when the combinator's
/// own task is cancelled, the given tasks still running are cancelled
/// (their Rust futures dropped). Function states of Rust async methods and
/// GDScript coroutines cannot be cancelled from outside: only the wait on
/// them is dropped.
#[derive(NativeClass)]
#[inherit(Node)]
#[register_with(register)]
pub struct AsyncToolkit {
    /// The node's instance id; its pumping state is in the lifecycle
    /// module, as a fallback driver's.
    id: i64,
}

impl Drop for AsyncToolkit {
    fn drop(&mut self) {
        lifecycle::driver_dropped(self.id);
    }
}

#[methods]
impl AsyncToolkit {
    fn new(base: &Node) -> Self {
        let id = base.get_instance_id();
        lifecycle::fallback_created(id);
        AsyncToolkit { id }
    }

    #[method]
    fn _enter_tree(&self, #[base] base: &Node) {
        lifecycle::driver_entered(base);
    }

    #[method]
    fn _exit_tree(&self) {
        lifecycle::driver_exited(self.id);
    }

    /// `is_error(value, kind = "") -> bool`: whether `value` is an
    /// `AsyncError` (of `kind`, when given): `if Async.is_error(r):`,
    /// `if Async.is_error(r, "timeout"):`. Any value is accepted.
    #[method]
    fn is_error(&self, value: Variant, #[opt] kind: Option<GodotString>) -> bool {
        AsyncError::from_value(&value).is_some_and(|error| {
            kind.map_or(true, |kind| {
                kind.is_empty() || error.kind.as_str() == kind.to_string()
            })
        })
    }

    /// `tasks() -> Array`: the live tasks of the pool that carry a name
    /// (every async method and toolkit call, Rust tasks spawned with
    /// [`spawn_named`](crate::task::spawn_named)), oldest first, each a
    /// Dictionary `{"id": int, "name": String, "age": float (seconds),
    /// "polls": int, "state": String}` (`new`, `running`, `waiting`, or
    /// `waiting on timer`, `game timer`, `frames`, `signal`, `task`,
    /// `background job`). Empty off the main thread (with an error).
    /// Costs one Dictionary per task: call it a few times a second, not
    /// per frame with thousands of tasks.
    #[method]
    fn tasks(&self) -> VariantArray {
        let list = VariantArray::new();
        if crate::godot::main_thread::check("Async.tasks").is_ok() {
            for task in crate::task::tasks() {
                list.push(task_dictionary(&task));
            }
        }
        list.into_shared()
    }

    /// `set_print_all_errors(on: bool)`: print every error from now on,
    /// also the outcomes scripts handle (see [`crate::error::set_print_all_errors`]).
    #[method]
    fn set_print_all_errors(&self, on: bool) {
        crate::error::set_print_all_errors(on);
    }
}

/// Every method of the `Async` class, in one list: time and combinators
/// (here), files and TCP (their bodies are in `src/io/`).
fn register(builder: &ClassBuilder<AsyncToolkit>) {
    builder
        .property::<bool>("track_tasks")
        .with_default(true)
        .with_getter(|_: &AsyncToolkit, _| crate::task::task_tracking())
        .with_shr_setter(|_: &AsyncToolkit, _, on: bool| crate::task::set_task_tracking(on))
        .done();
    builder
        .property::<bool>("auto_pump")
        .with_default(true)
        .with_getter(|this: &AsyncToolkit, _| lifecycle::auto_pump(this.id))
        .with_shr_setter(|this: &AsyncToolkit, _, on: bool| lifecycle::set_auto_pump(this.id, on))
        .done();
    builder
        .property::<Millis>("frame_budget_ms")
        .with_default(Millis::Number(0.0))
        .with_getter(|this: &AsyncToolkit, _| {
            let budget = lifecycle::budget(this.id);
            Millis::Number(budget.map_or(0.0, |b| b.as_secs_f64() * 1000.0))
        })
        .with_shr_setter(|this: &AsyncToolkit, _, ms: Millis| {
            lifecycle::set_budget(this.id, budget_from_script("Async", ms));
        })
        .done();
    use crate::io::files::{read_bytes, read_text, write_bytes, write_text};
    use crate::io::tcp::{tcp_connect, tcp_listen};
    crate::script::script_methods!(builder, ScriptTaskFn; sleep, sleep_game, frames, timeout,
        timeout_game, all, any, signal, task, read_text, read_bytes, write_text, write_bytes, tcp_connect, tcp_listen);
    use crate::script::owned::OwnedMethod;
    let owned = crate::script::method::MainThreadOnly::new(OwnedMethod::NAME, OwnedMethod);
    builder.method(OwnedMethod::NAME, owned).done();
    #[cfg(feature = "websocket")]
    {
        use crate::net::websocket::websocket_connect;
        crate::script::script_methods!(builder, ScriptTaskFn; websocket_connect);
    }
    #[cfg(feature = "http")]
    {
        use crate::net::http::{http_download, http_request, http_stream};
        crate::script::script_methods!(builder, ScriptTaskFn; http_request, http_stream);
        crate::script::script_methods!(builder, ScriptProgressFn; http_download);
    }
}

/// The most frames `frames(n)` accepts (about 4.6 hours at 60 fps).
const MAX_FRAMES: i64 = 1_000_000;

/// `sleep(seconds) -> float`: a Tokio timer; resolves with the seconds
/// actually waited since the call, in the first frame at or after the
/// deadline (call + `seconds`, also when called from `_process`, `_ready` or
/// an input handler), never in the frame it started.
fn sleep(args: Args) -> Result<impl Future<Output = f64>, Refusal> {
    args.expect_count(1, 1)?;
    let duration = args.seconds(0, "seconds")?;
    // The deadline counts from the call (see `crate::time::sleep`).
    let start = Instant::now();
    let sleeping = crate::time::sleep(duration);
    Ok(async move {
        noted("timer", sleeping).await;
        start.elapsed().as_secs_f64()
    })
}

/// `sleep_game(seconds, pause = false) -> float`: waits `seconds` of game
/// time (scaled by `Engine.time_scale`; stopped while the tree is paused
/// unless `pause` is `true` or a Node whose pause mode is process), and
/// resolves with the game time waited, in the first frame that reached the
/// deadline (see [`crate::time::sleep_game`]).
fn sleep_game(args: Args) -> Result<impl Future<Output = f64>, Refusal> {
    args.expect_count(1, 2)?;
    let duration = args.seconds(0, "seconds")?;
    let mode = pause_argument(&args, 1)?;
    let clock = crate::time::GameClock::current();
    let start = clock.now(mode);
    let sleep = crate::time::sleep_game(duration, mode);
    Ok(async move {
        sleep.await;
        clock.now(mode).saturating_sub(start).as_secs_f64()
    })
}

/// One row of `Async.tasks()`.
fn task_dictionary(task: &TaskInfo) -> Variant {
    let row = Dictionary::new();
    row.insert("id", task.id);
    row.insert("name", task.name.as_ref());
    row.insert("age", task.age.as_secs_f64());
    row.insert("polls", task.polls);
    row.insert("state", task.state.to_string());
    row.owned_to_variant()
}

/// The optional `pause` argument of the game-time functions: `null` or
/// `false` for the pausable clock, `true` for the one that runs while
/// paused, or a Node whose effective pause mode decides.
fn pause_argument(args: &Args, index: usize) -> Result<GameTime, Refusal> {
    let Ok(value) = args.raw(index, "pause") else {
        return Ok(GameTime::Pausable);
    };
    match value.get_type() {
        VariantType::Nil => Ok(GameTime::Pausable),
        VariantType::Bool => Ok(if value.try_to::<bool>().unwrap_or(false) {
            GameTime::Always
        } else {
            GameTime::Pausable
        }),
        _ => {
            let weak = live_argument(value, &Args::argument(index, "pause"))?
                .ok_or_else(|| Args::invalid(index, "pause", "expected a bool or a Node"))?;
            let node = weak
                .get()
                .and_then(|o| o.cast::<Node>())
                .ok_or_else(|| Args::invalid(index, "pause", "expected a bool or a Node"))?;
            Ok(crate::godot::pause::game_time_of(node))
        }
    }
}

/// `frames(n) -> int`: resolves after `n` frames (pumps), with `n`.
fn frames(args: Args) -> Result<impl Future<Output = i64>, Refusal> {
    args.expect_count(1, 1)?;
    let n = args.int_in(0, "n", 0..=MAX_FRAMES)?;
    Ok(async move {
        noted("frames", crate::time::frames(n.unsigned_abs())).await;
        n
    })
}

/// `timeout(awaitable, seconds)`: the awaitable's value, or an `AsyncError`
/// of kind `timeout` (not printed) once `seconds` have passed since the
/// call. A timed-out `AsyncTask` is cancelled.
fn timeout(args: Args) -> Result<impl Future<Output = Variant>, Refusal> {
    args.expect_count(2, 2)?;
    let item = Awaitable::new(args.raw(0, "awaitable")?, &Args::argument(0, "awaitable"))?;
    let duration = args.seconds(1, "seconds")?;
    Ok(limited("timeout", item, Limit::from_now(duration)))
}

/// `timeout_game(awaitable, seconds, pause = false)`: [`timeout`] with a
/// limit in game time (see `sleep_game`), fixed at the call.
fn timeout_game(args: Args) -> Result<impl Future<Output = Variant>, Refusal> {
    args.expect_count(2, 3)?;
    let item = Awaitable::new(args.raw(0, "awaitable")?, &Args::argument(0, "awaitable"))?;
    let duration = args.seconds(1, "seconds")?;
    let mode = pause_argument(&args, 2)?;
    let limit = Limit::Game(duration, crate::time::sleep_game(duration, mode));
    Ok(limited("timeout_game", item, limit))
}

/// `item`'s value, or `method`'s `timeout` error once `limit` passed. The
/// wait starts now, at the call; the future owns `item` (a timed-out task
/// is cancelled).
fn limited(method: &'static str, item: Awaitable, limit: Limit) -> impl Future<Output = Variant> {
    let (wait, owned) = one(item);
    async move {
        let _owned = owned;
        with_timeout(method, Some(limit), wait)
            .await
            .unwrap_or_else(AsyncError::report)
    }
}

/// `all(awaitables: Array) -> Array`: every value, in input order. The
/// first item resolving with an `AsyncError` resolves `all` at once with an
/// `AsyncError` of the same kind (method `all`, message naming the item;
/// not printed again) and cancels the tasks still running.
fn all(args: Args) -> Result<impl Future<Output = Variant>, Refusal> {
    let (waits, owned) = list_argument(&args)?;
    Ok(async move {
        let _owned = owned;
        let checked = waits.into_iter().enumerate().map(|(i, wait)| async move {
            let value = wait.await;
            match AsyncError::from_value(&value) {
                Some(error) => Err((i, error)),
                None => Ok(value),
            }
        });
        match futures::future::try_join_all(checked).await {
            Ok(values) => values.to_variant(),
            Err((i, error)) => {
                AsyncError::new(error.kind, "all", format!("item {i} failed: {error}")).into_value()
            }
        }
    })
}

/// `any(awaitables: Array) -> Dictionary`: `{"index": i, "value": v}` of
/// the first item to finish (its value may be an `AsyncError`); the tasks
/// that lost are cancelled. Items that finished in the same frame: the
/// first in the array wins, and a losing task that had finished keeps its
/// value in its `result` (put a read first: see `src/io/mod.rs`).
fn any(args: Args) -> Result<impl Future<Output = Variant>, Refusal> {
    let (waits, owned) = list_argument(&args)?;
    Ok(async move {
        let _owned = owned;
        let (value, index, losers) = futures::future::select_all(waits).await;
        drop(losers);
        let result = Dictionary::new();
        result.insert("index", index);
        result.insert("value", value);
        result.owned_to_variant()
    })
}

/// `signal(object, name, timeout = null) -> Array`: the arguments of the
/// next emission; an `AsyncError` of kind `freed` if the object is freed
/// first, or `timeout` when the optional time limit passes.
fn signal(args: Args) -> Result<impl Future<Output = Variant>, Refusal> {
    args.expect_count(2, 3)?;
    let weak = live_argument(args.raw(0, "object")?, &Args::argument(0, "object"))?
        .ok_or_else(|| Args::invalid(0, "object", "expected an object"))?;
    let name: String = args.get(1, "signal")?;
    let limit = match args.raw(2, "timeout") {
        Ok(value) if !value.is_nil() => Some(Limit::from_now(args.seconds(2, "timeout")?)),
        _ => None,
    };
    let object = weak
        .get()
        .ok_or_else(|| Args::invalid(0, "object", "the object was freed"))?;
    let wait = crate::godot::signal::connect(object, &name, None)
        .map_err(|e| Args::invalid(1, "signal", e))?;
    Ok(async move {
        match with_timeout("signal", limit, wait).await {
            Ok(Ok(args)) => args.to_variant(),
            Ok(Err(error)) | Err(error) => error.report(),
        }
    })
}

/// `task(awaitable) -> AsyncTask`: a cancellable handle for any awaitable;
/// cancelling it cancels the awaitable if that is a task.
fn task(args: Args) -> Result<impl Future<Output = Variant>, Refusal> {
    args.expect_count(1, 1)?;
    let item = Awaitable::new(args.raw(0, "awaitable")?, &Args::argument(0, "awaitable"))?;
    let (wait, owned) = one(item);
    Ok(async move {
        let _owned = owned;
        wait.await
    })
}

/// The one argument of `all`/`any`: an Array of awaitables, as waits plus
/// the guard that cancels their tasks.
fn list_argument(args: &Args) -> Result<(Vec<Wait>, OwnedTasks), Refusal> {
    args.expect_count(1, 1)?;
    let items = awaitables(args.raw(0, "awaitables")?, &Args::argument(0, "awaitables"))?;
    Ok(split(items))
}

/// The waits of `items`, and the guard that cancels their tasks.
fn split(items: Vec<Awaitable>) -> (Vec<Wait>, OwnedTasks) {
    let mut owned = OwnedTasks::default();
    let waits = items
        .into_iter()
        .map(|item| {
            owned.own(&item);
            item.wait()
        })
        .collect();
    (waits, owned)
}

/// [`split`] for one item.
fn one(item: Awaitable) -> (Wait, OwnedTasks) {
    let mut owned = OwnedTasks::default();
    owned.own(&item);
    (item.wait(), owned)
}

/// A time limit, fixed at the call that set it (not at the first poll of
/// the future it limits): wall clock, or a game-time sleep started then.
enum Limit {
    /// The deadline (`None`: beyond what `Instant` represents, never
    /// reached) and the length.
    Wall(Option<Instant>, Duration),
    Game(Duration, crate::time::SleepGame),
}

impl Limit {
    fn from_now(length: Duration) -> Self {
        Limit::Wall(Instant::now().checked_add(length), length)
    }
}

/// `future`'s output, or a `timeout` error for `method` once `limit`
/// passed (no limit: never).
async fn with_timeout<F: Future>(
    method: &str,
    limit: Option<Limit>,
    future: F,
) -> Result<F::Output, AsyncError> {
    let timed_out = |limit: Duration| {
        AsyncError::new(
            ErrorKind::Timeout,
            method,
            format!("no result within {} s", limit.as_secs_f64()),
        )
    };
    match limit {
        None | Some(Limit::Wall(None, _)) => Ok(future.await),
        Some(Limit::Wall(Some(deadline), limit)) => {
            noted("timer", tokio::time::timeout_at(deadline.into(), future))
                .await
                .map_err(|_| timed_out(limit))
        }
        Some(Limit::Game(limit, sleep)) => {
            let future = std::pin::pin!(future);
            match futures::future::select(future, sleep).await {
                futures::future::Either::Left((value, _)) => Ok(value),
                futures::future::Either::Right(_) => Err(timed_out(limit)),
            }
        }
    }
}
