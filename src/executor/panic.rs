//! Panic safety for futures: a panic becomes a value, never a lost task.
//!
//! gdnative-async resolves an async method's `FunctionState` only when the
//! method's future completes. A future that panics would be dropped
//! unresolved and the GDScript `yield` on it would never resume. Wrapping
//! the future in [`catch_panic`] turns the panic into `Err(message)`, so the
//! method can still complete with an error value.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::Once;
use std::task::{Context, Poll};

thread_local! {
    /// How many [`CatchPanic`] polls are on this thread's stack.
    static CATCHING: Cell<usize> = const { Cell::new(0) };
    /// The message (with location) of the last panic caught on this thread.
    static LAST: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Installs a panic hook that records the message and location of panics
/// raised inside [`catch_panic`] instead of printing them (the caller reports
/// them). Panics anywhere else go to the previous hook unchanged.
///
/// Idempotent; costs nothing on the non-panicking path.
pub(crate) fn install_hook() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if CATCHING.with(Cell::get) > 0 {
                let location = info
                    .location()
                    .map(|l| format!(" at {}:{}", l.file(), l.line()))
                    .unwrap_or_default();
                let message = payload_message(info.payload());
                LAST.with(|last| *last.borrow_mut() = Some(format!("{message}{location}")));
            } else {
                previous(info);
            }
        }));
    });
}

/// Wraps `future` so that a panic in any of its polls completes it with
/// `Err(message)` instead of unwinding into the executor.
///
/// The message includes the panic's location once the crate's panic hook
/// is installed ([`register`](crate::register) installs it). The wrapped future is dropped right after it panicked.
///
/// ```
/// # let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
/// let out = rt.block_on(gdnative_tokio::task::catch_panic(async { panic!("boom") }));
/// assert!(out.unwrap_err().contains("boom"));
/// ```
pub fn catch_panic<F: Future>(future: F) -> CatchPanic<F> {
    CatchPanic {
        future: Some(Box::pin(future)),
    }
}

/// The future returned by [`catch_panic`].
pub struct CatchPanic<F> {
    future: Option<Pin<Box<F>>>,
}

impl<F: Future> Future for CatchPanic<F> {
    type Output = Result<F::Output, String>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let Some(future) = self.future.as_mut() else {
            return Poll::Ready(Err("polled after completion".into()));
        };
        match catch_recorded(|| future.as_mut().poll(cx)) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(value)) => {
                self.future = None;
                Poll::Ready(Ok(value))
            }
            Err(message) => {
                // Drop the broken future outside the catch, as Tokio does.
                self.future = None;
                Poll::Ready(Err(message))
            }
        }
    }
}

/// Runs `f`, turning a panic into `Err(message)`, the message recorded by
/// [`install_hook`] (with its location) instead of printed. Works on any
/// thread: the background runtime uses it for its workers.
pub(crate) fn catch_recorded<R>(f: impl FnOnce() -> R) -> Result<R, String> {
    CATCHING.with(|c| c.set(c.get() + 1));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    CATCHING.with(|c| c.set(c.get() - 1));
    result.map_err(|payload| {
        LAST.with(|last| last.borrow_mut().take())
            .unwrap_or_else(|| payload_message(&*payload))
    })
}

pub(crate) fn payload_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-string panic payload".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::{catch_panic, install_hook};

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        rt.block_on(f)
    }

    #[test]
    fn a_panic_becomes_an_error_with_message_and_location() {
        install_hook();
        let out = block_on(catch_panic(async {
            tokio::task::yield_now().await;
            panic!("boom {}", 7);
        }));
        let message = out.expect_err("the panic is caught");
        assert!(message.starts_with("boom 7 at "), "{message}");
        assert!(message.contains("src/executor/panic.rs"), "{message}");
    }

    #[test]
    fn a_normal_future_passes_its_value_through() {
        assert_eq!(block_on(catch_panic(async { 5 })), Ok(5));
    }

    #[test]
    fn non_string_payloads_are_reported() {
        let out = block_on(catch_panic(async { std::panic::panic_any(42u8) }));
        assert!(out.is_err());
    }
}
