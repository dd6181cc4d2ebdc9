//! The write side of a connection: writes are queued at the call and sent
//! whole, one after the other, in call order, by one writer future that
//! the connection owns. A write's caller only waits for its turn to end, so
//! cancelling that wait (`Async.timeout`, a lost `Async.any`, `cancel()`)
//! never cuts a write short: all of its bytes still go out, before any
//! later write's, and no later write can interleave with it.
//!
//! A TCP connection queues bytes ([`WriteQueue::new`] on an `AsyncWrite`);
//! a WebSocket queues messages ([`WriteQueue::with_sink`] on the socket's
//! `Sink`, each message sent and flushed before the next).

use std::future::Future;
use std::io;

use futures::{Sink, SinkExt};
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::sync::{mpsc, oneshot};

/// Writes sent back to back before the writer lets other tasks run.
const BATCH: usize = 64;

type Job<T, E> = (T, oneshot::Sender<Result<(), E>>);

/// The queue's sending end, owned by the connection object. Dropping it
/// lets the writer send what is queued, then end (dropping the socket's
/// write half). `T` is what a write sends, `E` how a write fails.
pub(crate) struct WriteQueue<T = Vec<u8>, E = io::Error> {
    jobs: mpsc::UnboundedSender<Job<T, E>>,
}

/// How a queued write ended.
pub(crate) enum Written<E = io::Error> {
    /// All its bytes were sent.
    Sent,
    /// The socket failed.
    Failed(E),
    /// The writer stopped first (the connection was closed): none or only
    /// part of the bytes were sent, and nothing after them will be.
    Stopped,
}

impl WriteQueue {
    /// A queue and the writer future that sends its writes on `io`; spawn
    /// the writer (it ends when the queue is dropped and empty; drop it to
    /// stop sending at once).
    pub(crate) fn new<W>(mut io: W) -> (WriteQueue, impl Future<Output = ()>)
    where
        W: AsyncWrite + Unpin,
    {
        let (jobs, mut queue) = mpsc::unbounded_channel::<Job<Vec<u8>, io::Error>>();
        let run = async move {
            let mut turns = Turns::default();
            while let Some((bytes, done)) = queue.recv().await {
                let result = io.write_all(&bytes).await;
                // The caller may have stopped waiting: the bytes are sent anyway.
                let _ = done.send(result);
                turns.next().await;
            }
        };
        (WriteQueue { jobs }, run)
    }
}

impl<T, E> WriteQueue<T, E> {
    /// [`new`](WriteQueue::new) for a sink of messages: each is sent and
    /// flushed (`SinkExt::send`) before the next; its write ends when it
    /// was flushed.
    #[cfg_attr(not(feature = "websocket"), allow(dead_code))]
    pub(crate) fn with_sink<S>(mut sink: S) -> (Self, impl Future<Output = ()>)
    where
        S: Sink<T, Error = E> + Unpin,
    {
        let (jobs, mut queue) = mpsc::unbounded_channel::<Job<T, E>>();
        let run = async move {
            let mut turns = Turns::default();
            while let Some((item, done)) = queue.recv().await {
                let result = sink.send(item).await;
                let _ = done.send(result);
                turns.next().await;
            }
        };
        (WriteQueue { jobs }, run)
    }

    /// Queues `item` now; the returned future tells how the write ended.
    /// Dropping that future does not withdraw the write.
    pub(crate) fn push(&self, item: T) -> impl Future<Output = Written<E>> {
        let (done, ended) = oneshot::channel();
        // A stopped writer drops the job, and `ended` tells `Stopped`.
        let _ = self.jobs.send((item, done));
        async move {
            match ended.await {
                Ok(Ok(())) => Written::Sent,
                Ok(Err(error)) => Written::Failed(error),
                Err(_) => Written::Stopped,
            }
        }
    }
}

/// Counts a writer's writes, letting other tasks run after each
/// [`BATCH`] of them.
#[derive(Default)]
struct Turns(usize);

impl Turns {
    async fn next(&mut self) {
        self.0 += 1;
        if self.0 == BATCH {
            self.0 = 0;
            tokio::task::yield_now().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio::io::AsyncReadExt;

    use super::*;

    /// Writes whose waits are dropped (at once or while the socket is
    /// full) still go out whole and in order.
    #[test]
    fn a_dropped_wait_neither_cuts_nor_reorders_writes() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a Tokio runtime");
        rt.block_on(async {
            let local = tokio::task::LocalSet::new();
            local
                .run_until(async {
                    // A pipe far smaller than the first write: it blocks.
                    let (writer, mut reader) = tokio::io::duplex(1024);
                    let (queue, run) = WriteQueue::new(writer);
                    tokio::task::spawn_local(run);
                    let big = vec![b'x'; 100_000];
                    let first = queue.push(big.clone());
                    let waited = tokio::time::timeout(Duration::from_millis(20), first).await;
                    assert!(waited.is_err(), "the pipe is full: the write waits");
                    drop(queue.push(b"dropped at once".to_vec()));
                    let last = queue.push(b"!".to_vec());
                    let reading = tokio::task::spawn_local(async move {
                        let mut all = Vec::new();
                        reader.read_to_end(&mut all).await.expect("read");
                        all
                    });
                    assert!(matches!(last.await, Written::Sent));
                    drop(queue);
                    let all = reading.await.expect("the reader");
                    let mut expected = big;
                    expected.extend_from_slice(b"dropped at once!");
                    assert_eq!(all.len(), expected.len());
                    assert!(all == expected, "bytes out of order");
                })
                .await;
        });
    }

    #[test]
    fn a_stopped_writer_tells_its_waiters() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a Tokio runtime");
        rt.block_on(async {
            let (writer, _reader) = tokio::io::duplex(16);
            let (queue, run) = WriteQueue::new(writer);
            let pending = queue.push(vec![0; 100]);
            drop(run);
            assert!(matches!(pending.await, Written::Stopped));
            assert!(matches!(queue.push(vec![1]).await, Written::Stopped));
        });
    }
}
