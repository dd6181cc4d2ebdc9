//! A flag that pending operations of a connection watch: set once (by
//! `close()`, or when the connection ended), it wakes every waiter.

use std::cell::Cell;

use tokio::sync::Notify;

/// Set by `close()`; what pending operations and the writer watch.
#[derive(Default)]
pub(crate) struct Closing {
    closed: Cell<bool>,
    notify: Notify,
}

impl Closing {
    pub(crate) fn close(&self) {
        self.closed.set(true);
        self.notify.notify_waiters();
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.closed.get()
    }

    /// Resolves once `close()` was called.
    pub(crate) async fn wait(&self) {
        loop {
            let notified = self.notify.notified();
            let mut notified = std::pin::pin!(notified);
            notified.as_mut().enable();
            if self.closed.get() {
                return;
            }
            notified.await;
        }
    }
}
