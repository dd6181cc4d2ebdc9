//! [`Progress`]: how Rust work reports progress to its [`AsyncTask`](crate::script::AsyncTask).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::task::Context;

use futures::task::AtomicWaker;

/// A handle that reports the progress of an [`AsyncTask`](crate::script::AsyncTask)
/// from any thread: `Send`, `Sync` and cheap to clone, so it can go into a
/// [`spawn_blocking`](crate::background::spawn_blocking) closure or a
/// [`spawn_background`](crate::background::spawn_background) future. Made by
/// [`AsyncTask::spawn_with_progress`](crate::script::AsyncTask::spawn_with_progress).
///
/// The task emits `progress(value)` in the pump after a [`set`](Self::set)
/// and keeps the value in its `progress` property. Values set faster than
/// the frame rate are coalesced: the script sees the latest one per pump,
/// and the last value set before the work finished is emitted before
/// `completed`. Costs two atomic stores and a wake per `set`; setting after
/// the task ended does nothing.
#[derive(Clone)]
pub struct Progress(Arc<Shared>);

struct Shared {
    value: AtomicU64,
    /// The bits of the total set by [`Progress::set_total`]; -1: none.
    total: AtomicU64,
    changed: AtomicBool,
    waker: AtomicWaker,
}

impl Progress {
    pub(crate) fn new() -> Self {
        Progress(Arc::new(Shared {
            value: AtomicU64::new(0),
            total: AtomicU64::new((-1.0f64).to_bits()),
            changed: AtomicBool::new(false),
            waker: AtomicWaker::new(),
        }))
    }

    /// Sets what the values run up to (a byte count...), read by scripts
    /// from the task's `progress_total` property (-1 until set). Set it
    /// before the first [`set`](Self::set) that should be read with it.
    pub fn set_total(&self, total: f64) {
        self.0.total.store(total.to_bits(), Ordering::Relaxed);
    }

    /// The total last set, -1 when none was.
    pub(crate) fn total(&self) -> f64 {
        f64::from_bits(self.0.total.load(Ordering::Relaxed))
    }

    /// Reports `value` (any number: a fraction, a count of bytes...).
    pub fn set(&self, value: f64) {
        self.0.value.store(value.to_bits(), Ordering::Relaxed);
        self.0.changed.store(true, Ordering::Release);
        self.0.waker.wake();
    }

    /// The value set since the last call, if any; registers `cx` to be
    /// woken by the next [`set`](Self::set). For the task's runner.
    pub(crate) fn take(&self, cx: &Context<'_>) -> Option<f64> {
        self.0.waker.register(cx.waker());
        self.0
            .changed
            .swap(false, Ordering::Acquire)
            .then(|| f64::from_bits(self.0.value.load(Ordering::Relaxed)))
    }
}
