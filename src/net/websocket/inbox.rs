//! Received messages waiting for `receive()`: a queue in the connection,
//! from which a receive takes a message only in the poll that completes
//! it (cancellation-safe), oldest receive first. The queue is bounded in
//! bytes: once full, the reader waits for [`Inbox::room`] before it reads
//! the socket again, so a peer that sends faster than the script receives
//! meets TCP backpressure instead of growing the game's memory.

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

/// What a queued message counts for beyond its bytes (the queue entry and
/// its allocation), so that a flood of empty messages is bounded too.
pub(crate) const OVERHEAD: usize = 64;

impl Incoming {
    /// What the message counts for in the queue's bound.
    fn cost(&self) -> usize {
        OVERHEAD
            + match self {
                Incoming::Text(text) => text.len(),
                Incoming::Binary(bytes) => bytes.len(),
            }
    }
}

/// The messages no `receive()` took yet, and the receives waiting.
pub(crate) struct Inbox {
    queue: RefCell<VecDeque<Incoming>>,
    /// The queued messages' [`Incoming::cost`], summed.
    queued: Cell<usize>,
    /// The queue is full from this many bytes on.
    limit: usize,
    arrived: Notify,
    /// Notified when the queue went from full to not full.
    freed: Notify,
    /// Live [`Waiter`]s: receives called and not finished or dropped.
    waiting: Cell<usize>,
    /// Receives take their turn in call order.
    order: Mutex<()>,
    ended: Cell<bool>,
}

impl Inbox {
    /// An empty inbox that is full once its messages count for `limit`
    /// bytes or more (see [`OVERHEAD`]).
    pub(crate) fn new(limit: usize) -> Self {
        Inbox {
            queue: RefCell::default(),
            queued: Cell::new(0),
            limit,
            arrived: Notify::new(),
            freed: Notify::new(),
            waiting: Cell::new(0),
            order: Mutex::new(()),
            ended: Cell::new(false),
        }
    }

    /// Queues a message for the oldest receive. A full queue still takes
    /// it: the bound is kept by the reader, which waits for
    /// [`room`](Self::room) before it reads the next one.
    pub(crate) fn push(&self, message: Incoming) {
        self.queued.set(self.queued.get() + message.cost());
        self.queue.borrow_mut().push_back(message);
        self.arrived.notify_waiters();
    }

    /// Whether the queued messages count for the limit or more.
    pub(crate) fn is_full(&self) -> bool {
        self.queued.get() >= self.limit
    }

    /// Completes when the queue is not full (at once if it is not).
    pub(crate) async fn room(&self) {
        loop {
            let freed = self.freed.notified();
            let mut freed = std::pin::pin!(freed);
            freed.as_mut().enable();
            if !self.is_full() {
                return;
            }
            freed.await;
        }
    }

    /// The oldest queued message, out of the queue (and of its count).
    fn pop(&self) -> Option<Incoming> {
        let message = self.queue.borrow_mut().pop_front()?;
        let was_full = self.is_full();
        self.queued.set(self.queued.get() - message.cost());
        if was_full && !self.is_full() {
            self.freed.notify_waiters();
        }
        Some(message)
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
        self.queued.set(0);
        self.freed.notify_waiters();
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

    /// How many bytes the queued messages count for.
    #[cfg(test)]
    pub(crate) fn queued_bytes(&self) -> usize {
        self.queued.get()
    }

    /// The oldest queued message, taken out.
    pub(crate) fn take(&self) -> Option<Incoming> {
        self.pop()
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
            if let Some(message) = inbox.pop() {
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
            let inbox = Rc::new(Inbox::new(usize::MAX));
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
            let inbox = Rc::new(Inbox::new(usize::MAX));
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

    /// The queue is full once its messages count for the limit; `room`
    /// waits until a receive (or `take`) brings it under, or a local end
    /// drops the queue.
    #[test]
    fn a_full_queue_waits_for_room() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a Tokio runtime");
        rt.block_on(async {
            let inbox = Rc::new(Inbox::new(3 * (OVERHEAD + 10)));
            let ten = || Incoming::Binary(vec![7; 10]);
            let soon = Duration::from_millis(20);
            for _ in 0..2 {
                inbox.push(ten());
                assert!(!inbox.is_full());
                tokio::time::timeout(soon, inbox.room())
                    .await
                    .expect("room");
            }
            inbox.push(ten());
            assert!(inbox.is_full());
            assert_eq!(inbox.queued_bytes(), 3 * (OVERHEAD + 10));
            assert!(tokio::time::timeout(soon, inbox.room()).await.is_err());
            // A receive takes one: room again.
            let room = inbox.room();
            let taken = async {
                tokio::time::sleep(soon).await;
                inbox.waiter().receive().await
            };
            let ((), got) =
                tokio::time::timeout(Duration::from_secs(5), async { tokio::join!(room, taken) })
                    .await
                    .expect("room after a receive");
            assert_eq!(got, Some(ten()));
            assert_eq!(inbox.queued_bytes(), 2 * (OVERHEAD + 10));
            inbox.push(Incoming::Text(String::new()));
            inbox.push(ten());
            assert!(inbox.is_full());
            inbox.end_now();
            assert!(!inbox.is_full());
            tokio::time::timeout(soon, inbox.room())
                .await
                .expect("room");
        });
    }
}
