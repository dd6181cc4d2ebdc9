//! The pool's thread: the shared pool ([`SharedLocalPool::current`]) lives
//! on one thread, the main thread. It is the thread that registered the
//! crate (Godot's main thread: [`register`](crate::register) claims it
//! first) or, in a program without Godot, the first thread that used the
//! pool. Any other thread that reaches for the shared pool is told so,
//! instead of silently getting a second pool that nothing pumps.
//!
//! [`SharedLocalPool::current`]: crate::executor::SharedLocalPool::current

use std::cell::Cell;
use std::sync::OnceLock;
use std::thread::{self, ThreadId};

static OWNER: OnceLock<ThreadId> = OnceLock::new();

thread_local! {
    /// Whether this thread is the pool's, once asked.
    static HERE: Cell<Option<bool>> = const { Cell::new(None) };
}

/// Makes the calling thread the pool's thread unless one already is;
/// `Err(owner)` when another thread is.
///
/// The crate's own unit tests run each test on a thread of its own, each
/// with its own pool: there every thread may claim (the rule is checked by
/// the integration tests, `tests/main_thread.rs`).
pub(crate) fn claim() -> Result<(), ThreadId> {
    let me = thread::current().id();
    let owner = *OWNER.get_or_init(|| me);
    if owner == me || cfg!(test) {
        Ok(())
    } else {
        Err(owner)
    }
}

/// The pool's thread, once one claimed it.
pub(crate) fn owner() -> Option<ThreadId> {
    OWNER.get().copied()
}

/// Whether the calling thread is the pool's thread (claiming it if no
/// thread has). One thread-local read after the first call on a thread.
pub(crate) fn here() -> bool {
    HERE.with(|here| match here.get() {
        Some(known) => known,
        None => {
            let known = claim().is_ok();
            here.set(Some(known));
            known
        }
    })
}

/// The panic message for the shared pool used on `thread`.
pub(crate) fn refusal(owner: ThreadId) -> String {
    let current = thread::current();
    format!(
        "gdnative-tokio: the shared pool (SharedLocalPool::current, and with it task::spawn, \
         spawn_named, next_frame, sleep, frames, AsyncStream) was used on thread {:?} ({:?}), \
         which is not the main thread ({owner:?}: the thread that registered the crate, or \
         first used the pool). The pool and its tasks live on the main thread only: send \
         work to it (a channel that a main-thread task reads, or call_deferred), run Send \
         work with spawn_background, or make a pool of your own with SharedLocalPool::new()",
        current.name().unwrap_or("unnamed"),
        current.id(),
    )
}
