//! What the toolkit's combinators accept: anything that emits `completed`.
//!
//! An awaitable is one of:
//! - an [`AsyncTask`] (waited on directly; if already done, its result);
//! - a gdnative-async function state returned by a Rust `#[method(async)]`
//!   or [`ScriptAsyncFn`](crate::script::ScriptAsyncFn) (if already resolved, its
//!   value, read back with `resume()`, which returns the value of a
//!   resolved state and has no effect on a pending one);
//! - a `GDScriptFunctionState` (a GDScript coroutine) that has not completed
//!   yet: Godot 3 emits its `completed` exactly once and cannot tell a
//!   completed state's return value, so completed ones are refused;
//! - a `SceneTreeTimer` (its `timeout` signal; value `null`); one that
//!   already fired (`time_left < 0`: Godot emits `timeout` once, in the
//!   frame its time runs out) is done, like a finished task;
//! - an `[object, "signal"]` pair: the next emission of that signal, whose
//!   value is the Array of its arguments, as from `Async.signal`; for an
//!   expired `SceneTreeTimer` and `"timeout"`, `[]` at once;
//! - any other object with a `completed` signal.
//!
//! Every wait watches for as long as it waits: a Node (or other
//! non-`Reference` object) freed while waited on resolves the wait with an
//! `AsyncError` of kind `freed`; a `Reference` is kept alive while waited
//! on. A GDScript coroutine whose object (the node running it) is freed
//! resolves the wait with `freed`: at its first `yield`, in the next frame
//! (checked once per frame with `is_valid(true)`, as Godot tells no one);
//! past it, when Godot lets the coroutine's state go (Godot 3 links the
//! state a script got only from the later ones: the wait holds it weakly,
//! with a free watch). A script that keeps the state in a variable keeps
//! it alive, so a node freed after the coroutine's first resume is then
//! not seen (the wait ends with its `completed`, a timeout or a cancel).
//! Dropping the wait (a cancelled combinator, a lost `any`) disconnects it.
//!
//! The wait connects at once, in the script's call, so a completion right
//! after the call is not missed.

use std::future::Future;
use std::pin::Pin;

use futures::future::Either;

use gdnative::api::{GDScriptFunctionState, NativeScript, SceneTreeTimer};
use gdnative::prelude::*;

use crate::error::{AsyncError, ErrorKind};
use crate::godot::signal::{connect, Signal};
use crate::godot::weak::{live_object, WeakObject};
use crate::script::method::Refusal;
use crate::script::task::{with_task, AsyncTask};

/// The class name gdnative-async 0.11 registers its function state under
/// (`register_runtime`'s prefix, which it calls unspecified, plus
/// `FuncState`). Its `register_runtime_with_prefix`, which would let this
/// crate choose the name, is not exported in 0.11, so the name is read
/// here, by [`is_func_state`] only.
const FUNC_STATE_CLASS: &str = "__GDNATIVE_ASYNC_INTERNAL__FuncState";

/// A value to wait for, checked and connected.
pub(crate) enum Awaitable {
    Task(Instance<AsyncTask>),
    Ready(Variant),
    Completed(Signal),
    /// A GDScript coroutine's `completed`, watched for its object's freeing.
    Coroutine(Signal, WeakObject),
    /// An `[object, "signal"]` pair: resolves with the arguments.
    Emitted(Signal),
}

/// A boxed wait for one awaitable's value.
pub(crate) type Wait = Pin<Box<dyn Future<Output = Variant>>>;

impl Awaitable {
    /// Checks `value` and starts waiting on it. `what` names it in errors
    /// ("argument 1 `awaitable`", "item 2").
    pub(crate) fn new(value: &Variant, what: &str) -> Result<Awaitable, Refusal> {
        if value.get_type() == VariantType::VariantArray {
            return pair(value, what);
        }
        let weak = live_argument(value, what)?.ok_or_else(|| {
            format!(
                "{what}: expected an awaitable (an object with a `completed` signal), got {}",
                describe(value)
            )
        })?;
        if let Ok(task) = Instance::<AsyncTask>::from_variant(value) {
            return Ok(Awaitable::Task(task));
        }
        let Some(object) = weak.get() else {
            return Err(format!("{what}: the object was freed").into());
        };
        let keep = Ref::<Reference>::from_variant(value).ok();
        if expired_timer(object) {
            return Ok(Awaitable::Ready(Variant::nil()));
        }
        if let Some(state) = object.cast::<GDScriptFunctionState>() {
            if !state.is_valid(false) {
                return Err(format!(
                    "{what}: this GDScript coroutine already completed; Godot 3 cannot wait \
                     on it again (pass the coroutine before it completes)"
                )
                .into());
            }
            if !state.is_valid(true) {
                return Err(Refusal {
                    kind: ErrorKind::Freed,
                    message: format!("{what}: the object running this coroutine was freed"),
                });
            }
            // Held weakly, with a free watch: Godot holds a pending
            // coroutine's first state for as long as the coroutine can
            // still complete (the connection of the signal it yields on,
            // or the later state it resumed into); once that is gone it is
            // freed, unless a script still holds it.
            return connect(object, "completed", None)
                .map(|signal| Awaitable::Coroutine(signal, weak))
                .map_err(|e| format!("{what}: not awaitable: {e}").into());
        } else if is_func_state(object) {
            if let Some(value) = resolved_value(object) {
                return Ok(Awaitable::Ready(value));
            }
        }
        let signal = if object.cast::<SceneTreeTimer>().is_some() {
            "timeout"
        } else {
            "completed"
        };
        connect(object, signal, keep)
            .map(Awaitable::Completed)
            .map_err(|e| {
                format!("{what}: not awaitable: {e} (for another signal pass [object, \"signal\"])")
                    .into()
            })
    }

    /// The task, when this awaitable is an [`AsyncTask`].
    pub(crate) fn task(&self) -> Option<&Instance<AsyncTask>> {
        match self {
            Awaitable::Task(task) => Some(task),
            _ => None,
        }
    }

    /// Waits for the value. A `completed` signal's first argument is the
    /// value (`null` without arguments); an object freed first gives a
    /// printed `AsyncError` of kind `freed`.
    pub(crate) fn wait(self) -> Wait {
        match self {
            Awaitable::Task(task) => match with_task(&task, |t| t.wait()) {
                Some(done) => Box::pin(done),
                None => Box::pin(std::future::ready(
                    AsyncError::new(ErrorKind::Failed, "wait", "the task is in use").report(),
                )),
            },
            Awaitable::Ready(value) => Box::pin(std::future::ready(value)),
            Awaitable::Completed(signal) => Box::pin(async move {
                match signal.await {
                    Ok(args) => args.into_iter().next().unwrap_or_default(),
                    Err(error) => error.report(),
                }
            }),
            Awaitable::Coroutine(signal, state) => Box::pin(async move {
                let freed = Box::pin(coroutine_freed(state));
                match futures::future::select(signal, freed).await {
                    Either::Left((Ok(args), _)) => args.into_iter().next().unwrap_or_default(),
                    // The state itself was freed: nothing can resume it.
                    Either::Left((Err(_), _)) | Either::Right(((), _)) => AsyncError::new(
                        ErrorKind::Freed,
                        "wait",
                        "the object running this coroutine was freed before it completed",
                    )
                    .report(),
                }
            }),
            Awaitable::Emitted(signal) => Box::pin(async move {
                match signal.await {
                    Ok(args) => args.to_variant(),
                    Err(error) => error.report(),
                }
            }),
        }
    }
}

/// An `[object, "signal"]` pair, connected. Checked like `Async.signal`'s
/// arguments: a live object, and a signal it has.
fn pair(value: &Variant, what: &str) -> Result<Awaitable, Refusal> {
    let shape = || {
        format!(
            "{what}: expected [object, \"signal\"], got an Array of {} item(s)",
            VariantArray::from_variant(value).map_or(0, |a| a.len())
        )
    };
    let array = VariantArray::from_variant(value).map_err(|_| shape())?;
    if array.len() != 2 {
        return Err(shape().into());
    }
    let target = array.get(0);
    let weak = live_argument(&target, what)?.ok_or_else(|| {
        format!(
            "{what}: expected [object, \"signal\"], got {} first",
            describe(&target)
        )
    })?;
    let name = String::from_variant(&array.get(1)).map_err(|_| {
        format!(
            "{what}: expected [object, \"signal\"], got {} second",
            describe(&array.get(1))
        )
    })?;
    let object = weak
        .get()
        .ok_or_else(|| format!("{what}: the object was freed"))?;
    if name == "timeout" && expired_timer(object) {
        return Ok(Awaitable::Ready(VariantArray::new().owned_to_variant()));
    }
    let keep = Ref::<Reference>::from_variant(&target).ok();
    connect(object, &name, keep)
        .map(Awaitable::Emitted)
        .map_err(|e| format!("{what}: {e}").into())
}

/// Whether `object` is a `SceneTreeTimer` that already fired: the scene
/// tree emits `timeout` in the frame `time_left` drops below 0, then lets
/// the timer go, so it never emits again. (A timer of 0 s has not fired
/// yet: it fires in the next frame.)
fn expired_timer(object: TRef<'_, Object>) -> bool {
    object
        .cast::<SceneTreeTimer>()
        .is_some_and(|timer| timer.time_left() < 0.0)
}

/// Resolves once the object running `state`'s coroutine was freed while
/// the state waits at its `yield`: checked once per frame, since Godot
/// signals nothing (the state stays alive if a script holds it). A state
/// that already resumed (`is_valid(false)` is false) has handed its
/// `completed` on to a later state; that one holds it, so it is freed with
/// it, which the wait's free watch sees.
async fn coroutine_freed(state: WeakObject) {
    loop {
        crate::time::next_frame().await;
        let Some(state) = state.get().and_then(|s| s.cast::<GDScriptFunctionState>()) else {
            // Freed: the wait's free watch resolves it.
            return std::future::pending().await;
        };
        if state.is_valid(false) && !state.is_valid(true) {
            return;
        }
    }
}

/// Whether `value` is a coroutine's state still to be waited on: a
/// `GDScriptFunctionState`, or the function state of a Rust async method
/// (see [`is_func_state`]).
pub(crate) fn is_coroutine(value: &Variant) -> bool {
    let Ok(Some(object)) = Option::<Ref<Object>>::from_variant(value) else {
        return false;
    };
    // SAFETY: the value came from a call on this thread; the sanity check
    // rejects freed objects, and the reference is used within this call.
    unsafe { object.assume_safe_if_sane() }
        .is_some_and(|o| o.cast::<GDScriptFunctionState>().is_some() || is_func_state(o))
}

/// [`live_object`] for an argument named `what`: a freed object is a
/// refusal of kind `freed`.
pub(crate) fn live_argument(value: &Variant, what: &str) -> Result<Option<WeakObject>, Refusal> {
    live_object(value).map_err(|e| Refusal {
        kind: ErrorKind::Freed,
        message: format!("{what}: {e}"),
    })
}

/// Checks every element of an Array argument; refuses an empty array.
pub(crate) fn awaitables(value: &Variant, what: &str) -> Result<Vec<Awaitable>, Refusal> {
    let array = VariantArray::from_variant(value).map_err(|_| {
        format!(
            "{what}: expected an Array of awaitables, got {}",
            describe(value)
        )
    })?;
    if array.is_empty() {
        return Err(format!("{what}: the array is empty, so there is nothing to wait for").into());
    }
    array
        .iter()
        .enumerate()
        .map(|(i, item)| Awaitable::new(&item, &format!("{what}: item {i}")))
        .collect()
}

/// Cancels, when dropped, the [`AsyncTask`]s it holds that are still
/// running: a combinator owns the tasks it was given.
#[derive(Default)]
pub(crate) struct OwnedTasks(Vec<Instance<AsyncTask>>);

impl OwnedTasks {
    /// Takes ownership of `item`'s task, if it is one.
    pub(crate) fn own(&mut self, item: &Awaitable) {
        if let Some(task) = item.task() {
            self.0.push(task.clone());
        }
    }
}

impl Drop for OwnedTasks {
    fn drop(&mut self) {
        for task in self.0.drain(..) {
            with_task(&task, |t| t.cancel_task());
        }
    }
}

/// "int 3", "String", "null": for error messages.
fn describe(value: &Variant) -> String {
    match value.get_type() {
        VariantType::Nil => "null".to_owned(),
        VariantType::Object => "an object".to_owned(),
        other => crate::script::args::script_type(other).to_owned(),
    }
}

/// Whether `object` is a gdnative-async function state (what a Rust
/// `#[method(async)]` or [`ScriptAsyncFn`](crate::script::ScriptAsyncFn) returns):
/// its script class is [`FUNC_STATE_CLASS`], and it has the shape this
/// crate relies on (a `completed` signal, a `resume` method). The one place
/// that depends on gdnative-async's internal name: if a gdnative-async
/// release renamed the class, resolved states would be waited on like any
/// object and never resume, and the GDScript test
/// `test_all_accepts_already_resolved_rust_states` (`test_toolkit.gd`,
/// run by `gdscript_test_suites_pass`) fails.
fn is_func_state(object: TRef<'_, Object>) -> bool {
    let Some(script) = object.get_script() else {
        return false;
    };
    // SAFETY: the script is a resource kept alive by `object`, used on the
    // main thread during this call.
    let script = unsafe { script.assume_safe() };
    script
        .cast::<NativeScript>()
        .is_some_and(|s| s.class_name().to_string() == FUNC_STATE_CLASS)
        && object.has_signal("completed")
        && object.has_method("resume")
}

/// The value of a resolved gdnative-async function state; `None` while it
/// is pending. Its `resume()` returns the state itself while pending and
/// the value once resolved.
fn resolved_value(state: TRef<'_, Object>) -> Option<Variant> {
    // A state waiting for a manual `resume` must not be resumed here.
    // SAFETY: `is_valid` and `resume` are the state's own methods, called
    // with valid arguments on the main thread; `state` is alive.
    let resumable = unsafe { state.call("is_valid", &[]) };
    if resumable.try_to::<bool>().unwrap_or(true) {
        return None;
    }
    // SAFETY: as above.
    let value = unsafe { state.call("resume", &[]) };
    let same = Option::<Ref<Object>>::from_variant(&value)
        .ok()
        .flatten()
        // SAFETY: only the instance id is read, on the main thread, from an
        // object that passed Godot's validity check.
        .and_then(|o| unsafe { o.assume_safe_if_sane() }.map(|o| o.get_instance_id()))
        == Some(state.get_instance_id());
    (!same).then_some(value)
}
