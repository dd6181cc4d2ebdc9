//! The main-thread rule: the pool, its tasks and every `AsyncTask` are
//! thread-local (`Rc`, `RefCell`, a `LocalSet`), so script-facing entry
//! points that touch them refuse calls from other threads (a GDScript
//! `Thread`) with a clear error instead of creating a second, never pumped
//! pool or racing on the main thread's state.

use std::thread;

use crate::executor::owner;

/// Records the calling thread as the main thread (the one Godot runs the
/// library's init on), the thread of the shared pool. Later calls change
/// nothing; an error says so if another thread had used the pool first.
pub(crate) fn record() {
    if let Err(main) = owner::claim() {
        crate::godot::log::error(format_args!(
            "the crate was registered on thread {:?}, but thread {main:?} used the shared \
             pool first and stays the main thread; register from Godot's init callback",
            thread::current().id()
        ));
    }
}

/// `Ok` on the main thread (and before any thread used the pool, e.g. in
/// pure Rust programs); otherwise prints an error naming `method` and
/// returns its text.
pub(crate) fn check(method: &str) -> Result<(), String> {
    match owner::owner() {
        Some(main) if main != thread::current().id() => {
            let message = format!(
                "`{method}` was called from a thread other than the main thread; \
                 async methods and tasks only work on the main thread (use \
                 call_deferred to start them from a Thread)"
            );
            crate::godot::log::error(&message);
            Err(message)
        }
        _ => Ok(()),
    }
}

/// The main-thread rule for a method you register by hand that returns an
/// [`AsyncTask`](crate::script::AsyncTask) (the crate's own wrappers apply it
/// already): `Err` with a printed [`AsyncError`](crate::error::AsyncError) of kind
/// `bad_arguments` when called from another thread; return its
/// `into_value()` to the script.
pub fn check_main_thread(method: &str) -> Result<(), crate::error::AsyncError> {
    check(method).map_err(|message| {
        crate::error::AsyncError::new(crate::error::ErrorKind::BadArguments, method, message)
    })
}
