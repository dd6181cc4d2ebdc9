//! Received messages waiting for `receive()`: a queue in the connection,
//! from which a receive takes a message only in the poll that completes
//! it (cancellation-safe), oldest receive first.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;

use tokio::sync::{Mutex, Notify};

/// A received message.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Incoming {
    Text(String),
    Binary(Vec<u8>),
}

/// The messages no `receive()` took yet, and the receives waiting.
#[derive(Default)]
pub(crate) struct Inbox {
    queue: RefCell<VecDeque<Incoming>>,
    arrived: Notify,
    /// Live [`Waiter`]s: receives called and not finished or dropped.
    waiting: Cell<usize>,
    /// Receives take their turn in call order.
    order: Mutex<()>,
    ended: Cell<bool>,
}

impl Inbox {
    /// Queues a message for the oldest receive.
    pub(crate) fn push(&self, message: Incoming) {
        self.queue.borrow_mut().push_back(message);
        self.arrived.notify_waiters();
    }

    /// No more messages will come: receives take what is queued, then
    /// end with `None`.
    pub(crate) fn end(&self) {
        self.ended.set(true);
        self.arrived.notify_waiters();
    }

    /// [`end`](Self::end), dropping the queued messages too.
    pub(crate) fn end_now(&self) {
        self.queue.borrow_mut().clear();
        self.end();
    }

    /// Whether a receive is waiting (then a message goes to it, not to
    /// the `message` signal).
    pub(crate) fn is_awaited(&self) -> bool {
        self.waiting.get() > 0
    }

    /// How many messages are queued.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.queue.borrow().len()
    }

    /// The oldest queued message, taken out.
    pub(crate) fn take(&self) -> Option<Incoming> {
        self.queue.borrow_mut().pop_front()
    }

    /// A receive, counted as waiting from now on (from the script's call,
    /// not from its task's first poll) until it ends or is dropped.
    pub(crate) fn waiter(self: &Rc<Self>) -> Waiter {
        self.waiting.set(self.waiting.get() + 1);
        Waiter {
            inbox: Rc::clone(self),
        }
    }
}

/// One pending receive; see [`Inbox::waiter`].
pub(crate) struct Waiter {
    inbox: Rc<Inbox>,
}

impl Waiter {
    /// The next message, `None` once the inbox ended and is empty.
    /// Cancellation-safe: a message leaves the queue only in the poll
    /// that returns it.
    pub(crate) async fn receive(&self) -> Option<Incoming> {
        let inbox = &self.inbox;
        let _turn = inbox.order.lock().await;
        loop {
            let notified = inbox.arrived.notified();
            let mut notified = std::pin::pin!(notified);
            notified.as_mut().enable();
            if let Some(message) = inbox.queue.borrow_mut().pop_front() {
                return Some(message);
            }
            if inbox.ended.get() {
                return None;
            }
            notified.await;
        }
    }
}

impl Drop for Waiter {
    fn drop(&mut self) {
        self.inbox.waiting.set(self.inbox.waiting.get() - 1);
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn xorshift(mut x: u32) -> u32 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^ (x << 5)
    }

    /// Receives dropped at random points lose no message and reorder none.
    #[test]
    fn cancelled_receives_lose_nothing() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a Tokio runtime");
        rt.block_on(async {
            let inbox = Rc::new(Inbox::default());
            let mut got = Vec::new();
            let mut seed = 0x2545_f491_u32;
            for i in 0..200u32 {
                seed = xorshift(seed);
                if seed % 3 == 0 {
                    inbox.push(Incoming::Text(i.to_string()));
                }
                let waiter = inbox.waiter();
                assert!(inbox.is_awaited());
                let limit = Duration::from_micros(u64::from(seed % 50));
                if let Ok(Some(Incoming::Text(t))) =
                    tokio::time::timeout(limit, waiter.receive()).await
                {
                    got.push(t.parse::<u32>().expect("a number"));
                }
                drop(waiter);
                assert!(!inbox.is_awaited());
            }
            inbox.end();
            let waiter = inbox.waiter();
            while let Some(Incoming::Text(t)) = waiter.receive().await {
                got.push(t.parse().expect("a number"));
            }
            let mut sorted = got.clone();
            sorted.sort_unstable();
            assert_eq!(got, sorted, "in order");
            sorted.dedup();
            assert_eq!(got.len(), sorted.len(), "none twice");
            let mut expected = Vec::new();
            let mut seed = 0x2545_f491_u32;
            for i in 0..200u32 {
                seed = xorshift(seed);
                if seed % 3 == 0 {
                    expected.push(i);
                }
            }
            assert_eq!(got, expected, "every message, once");
        });
    }

    #[test]
    fn a_local_end_drops_the_queue() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a Tokio runtime");
        rt.block_on(async {
            let inbox = Rc::new(Inbox::default());
            inbox.push(Incoming::Binary(vec![1]));
            inbox.end();
            assert_eq!(
                inbox.waiter().receive().await,
                Some(Incoming::Binary(vec![1]))
            );
            inbox.push(Incoming::Binary(vec![2]));
            inbox.end_now();
            assert_eq!(inbox.len(), 0);
            assert_eq!(inbox.waiter().receive().await, None);
        });
    }
}
