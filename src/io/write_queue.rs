//! The write side of a connection: writes are queued at the call and sent
//! whole, one after the other, in call order, by one writer future that
//! the connection owns. A write's caller only waits for its turn to end, so
//! cancelling that wait (`Async.timeout`, a lost `Async.any`, `cancel()`)
//! never cuts a write short: all of its bytes still go out, before any
//! later write's, and no later write can interleave with it.

use std::future::Future;
use std::io;

use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::sync::{mpsc, oneshot};

/// Writes sent back to back before the writer lets other tasks run.
const BATCH: usize = 64;

type Job = (Vec<u8>, oneshot::Sender<io::Result<()>>);

/// The queue's sending end, owned by the connection object. Dropping it
/// lets the writer send what is queued, then end (dropping the socket's
/// write half).
pub(crate) struct WriteQueue {
    jobs: mpsc::UnboundedSender<Job>,
}

/// How a queued write ended.
pub(crate) enum Written {
    /// All its bytes were sent.
    Sent,
    /// The socket failed.
    Failed(io::Error),
    /// The writer stopped first (the connection was closed): none or only
    /// part of the bytes were sent, and nothing after them will be.
    Stopped,
}

impl WriteQueue {
    /// A queue and the writer future that sends its writes on `io`; spawn
    /// the writer (it ends when the queue is dropped and empty; drop it to
    /// stop sending at once).
    pub(crate) fn new<W>(io: W) -> (WriteQueue, impl Future<Output = ()>)
    where
        W: AsyncWrite + Unpin,
    {
        let (jobs, queue) = mpsc::unbounded_channel();
        (WriteQueue { jobs }, run(io, queue))
    }

    /// Queues `bytes` now; the returned future tells how the write ended.
    /// Dropping that future does not withdraw the write.
    pub(crate) fn push(&self, bytes: Vec<u8>) -> impl Future<Output = Written> {
        let (done, ended) = oneshot::channel();
        // A stopped writer drops the job, and `ended` tells `Stopped`.
        let _ = self.jobs.send((bytes, done));
        async move {
            match ended.await {
                Ok(Ok(())) => Written::Sent,
                Ok(Err(error)) => Written::Failed(error),
                Err(_) => Written::Stopped,
            }
        }
    }
}

/// Sends each queued write whole, in order.
async fn run<W: AsyncWrite + Unpin>(mut io: W, mut queue: mpsc::UnboundedReceiver<Job>) {
    let mut streak = 0;
    while let Some((bytes, done)) = queue.recv().await {
        let result = io.write_all(&bytes).await;
        // The caller may have stopped waiting: the bytes are sent anyway.
        let _ = done.send(result);
        streak += 1;
        if streak == BATCH {
            streak = 0;
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
