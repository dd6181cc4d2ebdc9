//! Panic-safe async methods: [`guard`] and [`guard_result`] turn a future
//! into one that always resolves, with its value or an [`AsyncError`].

use std::future::Future;

use futures::future::FutureExt;
use gdnative::prelude::*;

use crate::error::{AsyncError, ErrorKind};
use crate::executor::panic::catch_panic;
use crate::executor::registry::Tracked;

/// Makes an async method's future panic-safe: a panic is printed to Godot's
/// console with the method name and the future resolves with an
/// [`AsyncError`] of kind `"panic"`, so the GDScript `yield` on it resumes.
///
/// ```no_run
/// // The same pattern is used in `AsyncDemo::greet` (testbed/src/demo.rs).
/// # use gdnative::prelude::*;
/// # use std::future::Future;
/// #[derive(NativeClass)]
/// #[inherit(Reference)]
/// #[no_constructor]
/// struct Loader;
///
/// #[methods]
/// impl Loader {
///     #[method(async)]
///     fn load(&self, path: String) -> impl Future<Output = Variant> + 'static {
///         gdnative_tokio::script::guard("load", async move { path.len() as i64 })
///     }
/// }
/// ```
pub fn guard<F>(method: &'static str, future: F) -> impl Future<Output = Variant> + 'static
where
    F: Future + 'static,
    F::Output: ToVariant,
{
    guard_map(method, future, |value| value.to_variant())
}

/// Like [`guard`], for a future returning `Result`: `Ok(value)` resolves
/// with `value`, `Err(e)` prints and resolves with an [`AsyncError`] of
/// kind `"failed"` whose message is `e`'s `Display` (an `Err` that is
/// itself an [`AsyncError`], e.g. from [`spawn_blocking`](crate::background::spawn_blocking),
/// keeps its kind), and a panic resolves with kind `"panic"`. This is the whole mapping from Rust errors to the
/// error convention: write the body with `?` and wrap it.
///
/// ```no_run
/// // The same pattern is used in `AsyncDemo::parse_int` (testbed/src/demo.rs).
/// # use gdnative::prelude::*;
/// # use std::future::Future;
/// #[derive(NativeClass)]
/// #[inherit(Reference)]
/// #[no_constructor]
/// struct Config;
///
/// #[methods]
/// impl Config {
///     #[method(async)]
///     fn read_port(&self, text: String) -> impl Future<Output = Variant> + 'static {
///         gdnative_tokio::script::guard_result("read_port", async move {
///             gdnative_tokio::time::next_frame().await;
///             text.trim().parse::<u16>() // Err(ParseIntError) -> kind "failed"
///         })
///     }
/// }
/// ```
pub fn guard_result<F, T, E>(
    method: &'static str,
    future: F,
) -> impl Future<Output = Variant> + 'static
where
    F: Future<Output = Result<T, E>> + 'static,
    T: ToVariant,
    E: std::fmt::Display + 'static,
{
    guard_map(method, future, move |result| match result {
        Ok(value) => value.to_variant(),
        Err(e) => script_error(method, e).report(),
    })
}

/// The error a [`guard_result`] method resolves with for `Err(e)`: an
/// `AsyncError` (e.g. from a background task or a service) keeps its kind,
/// message, source line and "expected" mark (a full queue stays quiet),
/// renamed after `method`; anything else is `failed` with its `Display`.
#[track_caller]
fn script_error<E: std::fmt::Display + 'static>(method: &'static str, e: E) -> AsyncError {
    match (&e as &dyn std::any::Any).downcast_ref::<AsyncError>() {
        Some(error) => error.clone().in_method(method),
        None => AsyncError::new(ErrorKind::Failed, method, e.to_string()),
    }
}

/// `future` with panics caught, its output converted by `convert`, listed
/// in the live task view as `method` while alive.
fn guard_map<F, C>(
    method: &'static str,
    future: F,
    convert: C,
) -> impl Future<Output = Variant> + 'static
where
    F: Future + 'static,
    C: FnOnce(F::Output) -> Variant + 'static,
{
    let guarded = catch_panic(future).map(move |result| match result {
        Ok(value) => convert(value),
        Err(message) => AsyncError::new(ErrorKind::Panic, method, message).report(),
    });
    Tracked::new(method, guarded)
}

#[cfg(test)]
mod tests {
    use super::script_error;
    use crate::error::{AsyncError, ErrorKind};

    #[test]
    fn an_expected_error_stays_expected_through_guard_result() {
        let busy = AsyncError::new(ErrorKind::Failed, "svc", "busy: the queue is full").expected();
        let line = busy.location().line();
        let error = script_error("m", busy);
        assert_eq!(error.method, "m", "named after the script's method");
        assert_eq!(error.kind, ErrorKind::Failed);
        assert_eq!(error.message, "busy: the queue is full");
        assert_eq!(error.location().line(), line, "keeps its source line");
        assert!(!error.is_printed(), "a full queue stays quiet: {error:?}");
    }

    #[test]
    fn other_errors_are_printed_failures() {
        let failure = AsyncError::new(ErrorKind::Panic, "svc", "boom");
        assert!(
            script_error("m", failure).is_printed(),
            "a panic is printed"
        );
        let parse = "x".parse::<i64>().expect_err("not a number");
        let error = script_error("m", parse);
        assert_eq!(error.kind, ErrorKind::Failed);
        assert!(error.is_printed());
    }
}
