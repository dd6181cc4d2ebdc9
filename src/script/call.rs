//! Rust awaiting GDScript: [`call`] calls a script method and waits for the
//! coroutine it starts; [`wait`] waits on any awaitable value a script
//! hands over. Both are built on the toolkit's awaitables
//! (`awaitable.rs`), so they accept and refuse what `Async.task` does.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use gdnative::prelude::*;

use crate::error::{AsyncError, ErrorKind};
use crate::script::awaitable::{is_coroutine, Awaitable};

/// The future returned by [`call`] and [`wait`]: the value, or an
/// [`AsyncError`].
///
/// Not `Send` (Godot values live on the main thread). Dropping it stops
/// waiting (it disconnects); it does not cancel what it waited on (a
/// coroutine runs on, an [`AsyncTask`](crate::script::AsyncTask) too).
#[must_use = "a wait does nothing unless awaited"]
pub struct Awaiting(Pin<Box<dyn Future<Output = Result<Variant, AsyncError>>>>);

impl Awaiting {
    fn ready(result: Result<Variant, AsyncError>) -> Self {
        Awaiting(Box::pin(std::future::ready(result)))
    }

    /// A refusal of `method`: printed once (a programming error, or a
    /// `freed` object), returned as the error.
    #[track_caller]
    fn refused(kind: ErrorKind, method: &str, message: impl Into<String>) -> Self {
        let error = AsyncError::new(kind, method, message);
        if error.is_printed() {
            crate::godot::log::error_in(
                method,
                error.location(),
                format_args!("{}: {}", kind.as_str(), error.message),
            );
        }
        Self::ready(Err(error))
    }
}

impl Future for Awaiting {
    type Output = Result<Variant, AsyncError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.0.as_mut().poll(cx)
    }
}

impl std::fmt::Debug for Awaiting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Awaiting")
    }
}

/// Calls `method` on `object` with `args` now, and resolves with its
/// result: when the method is a coroutine (it returns a
/// `GDScriptFunctionState`, or the state of a Rust async method), with the
/// value the coroutine finally returns; otherwise with the return value at
/// once.
///
/// # Errors
///
/// The future resolves with an [`AsyncError`] of kind
/// - `bad_arguments` when `object` has no method `method` or this is not
///   the main thread (printed; the method is not called);
/// - `freed` when the object running the coroutine is freed before the
///   coroutine completed (printed, seen as by `Async.task`, see
///   `src/script/awaitable.rs`: at the latest in the frame after);
/// - whatever kind an `AsyncError` value the coroutine returned has: an
///   `AsyncError` value is always an error.
///
/// Wrong argument counts or types are Godot's to report: it prints its
/// own error and the call returns `null`.
///
/// The call runs GDScript synchronously, inside this call (so a coroutine
/// started from a task the pump polls runs re-entrantly inside that poll,
/// as a coroutine resumed by a task does). Waiting connects before this
/// returns, so a coroutine that completes right after is not missed.
///
/// ```no_run
/// # use gdnative::prelude::*;
/// // GDScript: func load_map(name): yield(get_tree(), "idle_frame"); return "map " + name
/// async fn load(node: Ref<Node>) -> Result<String, gdnative_tokio::error::AsyncError> {
///     // SAFETY (example): `node` is alive and used on the main thread.
///     let node = unsafe { node.assume_safe() };
///     let map = gdnative_tokio::script::call(node, "load_map", &["cave".to_variant()]).await?;
///     Ok(map.to::<String>().unwrap_or_default())
/// }
/// ```
#[track_caller]
pub fn call<T>(object: TRef<'_, T>, method: &str, args: &[Variant]) -> Awaiting
where
    T: GodotObject + SubClass<Object>,
{
    if let Err(message) = crate::godot::main_thread::check("call") {
        return Awaiting::ready(Err(AsyncError::new(
            ErrorKind::BadArguments,
            "call",
            message,
        )));
    }
    let object = object.upcast::<Object>();
    if !object.has_method(method) {
        return Awaiting::refused(
            ErrorKind::BadArguments,
            "call",
            format!("{} has no method `{method}`", object.get_class()),
        );
    }
    // SAFETY: on the main thread (checked above), `object` is alive for
    // this call; Godot checks the arguments and reports script errors.
    let value = unsafe { object.call(method, args) };
    if is_coroutine(&value) {
        wait_on(&value, "call")
    } else {
        Awaiting::ready(Ok(value))
    }
}

/// Waits on `value`, any awaitable a script hands to Rust: an
/// [`AsyncTask`](crate::script::AsyncTask), a coroutine's state (GDScript's or a
/// Rust async method's), a `SceneTreeTimer`, an `[object, "signal"]`
/// pair (resolving with the Array of the signal's arguments), or any object
/// with a `completed` signal: exactly what `Async.task` accepts (see
/// `src/script/awaitable.rs` for each one's value).
///
/// Starts waiting at once (a completion right after the call is not
/// missed). A `Reference` is kept alive while waited on; a Node freed
/// while waited on resolves with `freed`.
///
/// # Errors
///
/// The future resolves with an [`AsyncError`] of kind `bad_arguments`
/// (printed) for a value that is not awaitable (or a GDScript coroutine
/// that already completed, or off the main thread), `freed` for an object
/// freed before it completed, and the error an `AsyncError` value the
/// awaitable resolved with carries.
///
/// ```no_run
/// # use gdnative::prelude::*;
/// // A method a script calls with whatever it wants Rust to wait for.
/// async fn after(awaitable: Variant) -> Variant {
///     match gdnative_tokio::script::wait(&awaitable).await {
///         Ok(value) => value,
///         Err(error) => error.into_value(),
///     }
/// }
/// ```
#[track_caller]
pub fn wait(value: &Variant) -> Awaiting {
    if let Err(message) = crate::godot::main_thread::check("wait") {
        return Awaiting::ready(Err(AsyncError::new(
            ErrorKind::BadArguments,
            "wait",
            message,
        )));
    }
    wait_on(value, "wait")
}

#[track_caller]
fn wait_on(value: &Variant, method: &'static str) -> Awaiting {
    match Awaitable::new(value, "the awaited value") {
        Ok(item) => {
            let wait = item.wait();
            Awaiting(Box::pin(async move {
                let value = wait.await;
                match AsyncError::from_value(&value) {
                    Some(error) => Err(error),
                    None => Ok(value),
                }
            }))
        }
        Err(refusal) => Awaiting::refused(refusal.kind, method, refusal.message),
    }
}
