//! The read side of a connection, with its partial progress in the
//! connection: [`BufferedReader`] keeps every byte taken off the socket in
//! its own buffer until a read hands it out, so a read that is cancelled
//! (its future dropped: `Async.timeout`, a lost `Async.any`, `cancel()`)
//! loses nothing, and the next read, of any kind, starts with those bytes.
//!
//! Each read is cancellation-safe in Tokio's sense: the only await point is
//! [`AsyncReadExt::read_buf`] into the buffer, which Tokio documents as
//! cancel safe (when it is dropped, no data was read), and a read takes
//! bytes out of the buffer only in the poll that completes it.

use std::io;

use futures::FutureExt;
use tokio::io::{AsyncRead, AsyncReadExt};

/// The least free room the buffer has before each socket read.
const CHUNK: usize = 8 * 1024;
/// The most room `read_available` adds per socket read.
const AVAILABLE_ROOM: usize = 256 * 1024;

/// Why a read ended without a value.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// The peer closed its side before the read had its bytes; what was
    /// buffered stays buffered.
    PeerClosed,
    /// No `\n` in the first `max` bytes: those bytes were discarded.
    LineTooLong(usize),
    /// The socket failed.
    Io(io::Error),
}

impl From<io::Error> for ReadError {
    fn from(error: io::Error) -> Self {
        ReadError::Io(error)
    }
}

/// A reader plus the bytes read from it that no read has handed out yet.
pub(crate) struct BufferedReader<R> {
    io: R,
    buf: Vec<u8>,
    /// How many bytes at the front of `buf` hold no `\n` (searched already).
    scanned: usize,
}

impl<R: AsyncRead + Unpin> BufferedReader<R> {
    pub(crate) fn new(io: R) -> Self {
        BufferedReader {
            io,
            buf: Vec::new(),
            scanned: 0,
        }
    }

    /// The next line, with its `\n` (none when the peer closed after an
    /// unterminated last line). [`ReadError::LineTooLong`] when the first
    /// `max` bytes hold no `\n` (they are dropped: the next read starts
    /// after them). Cancellation-safe.
    pub(crate) async fn read_line(&mut self, max: usize) -> Result<Vec<u8>, ReadError> {
        loop {
            let limit = self.buf.len().min(max);
            if let Some(i) = self.buf[self.scanned.min(limit)..limit]
                .iter()
                .position(|&b| b == b'\n')
            {
                let end = self.scanned.min(limit) + i + 1;
                return Ok(self.take(end));
            }
            self.scanned = limit;
            if limit == max {
                self.take(max);
                return Err(ReadError::LineTooLong(max));
            }
            if self.fill(CHUNK).await? == 0 {
                return match self.buf.len() {
                    0 => Err(ReadError::PeerClosed),
                    n => Ok(self.take(n)),
                };
            }
        }
    }

    /// Exactly `n` bytes. [`ReadError::PeerClosed`] if the peer closes
    /// first (the bytes that did come stay buffered). Cancellation-safe.
    pub(crate) async fn read_exact(&mut self, n: usize) -> Result<Vec<u8>, ReadError> {
        while self.buf.len() < n {
            let missing = n - self.buf.len();
            if self.fill(missing.max(CHUNK)).await? == 0 {
                return Err(ReadError::PeerClosed);
            }
        }
        Ok(self.take(n))
    }

    /// The bytes buffered now, at most `max` (at least 1): at once when
    /// there are some, else as soon as some arrive. Cancellation-safe.
    pub(crate) async fn read_available(&mut self, max: usize) -> Result<Vec<u8>, ReadError> {
        let max = max.max(1);
        if self.buf.is_empty() && self.fill(CHUNK).await? == 0 {
            return Err(ReadError::PeerClosed);
        }
        // Also what else the socket holds now, without waiting: a big
        // transfer needs few reads, not one per 8 KiB.
        while self.buf.len() < max {
            let room = (max - self.buf.len()).min(AVAILABLE_ROOM);
            match self.fill(room).now_or_never() {
                Some(Ok(n)) if n > 0 => {}
                // Nothing more now, the end, or an error the next read
                // reports: hand out what there is.
                _ => break,
            }
        }
        Ok(self.take(self.buf.len().min(max)))
    }

    /// Bytes buffered and not yet handed out.
    #[cfg(test)]
    pub(crate) fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// Reads once from the socket into the buffer, with room for at least
    /// `room` more bytes; the count read, 0 at the end of the stream.
    /// Cancel safe: `read_buf` appends only in the poll that returns.
    async fn fill(&mut self, room: usize) -> io::Result<usize> {
        self.buf.reserve(room.max(1));
        self.io.read_buf(&mut self.buf).await
    }

    /// Removes and returns the first `n` buffered bytes.
    fn take(&mut self, n: usize) -> Vec<u8> {
        let rest = self.buf.split_off(n);
        self.scanned = self.scanned.saturating_sub(n);
        std::mem::replace(&mut self.buf, rest)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio::io::{AsyncWriteExt, DuplexStream};

    use super::*;

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a Tokio runtime")
    }

    /// A reader fed by the returned writer.
    fn pipe() -> (BufferedReader<DuplexStream>, DuplexStream) {
        let (reader, writer) = tokio::io::duplex(1 << 16);
        (BufferedReader::new(reader), writer)
    }

    /// A read that is cut short by a timeout must end pending (the test's
    /// data is incomplete), not with a value.
    async fn times_out<T: std::fmt::Debug>(read: impl std::future::Future<Output = T>) {
        let r = tokio::time::timeout(Duration::from_millis(5), read).await;
        assert!(r.is_err(), "the read should still wait, got {r:?}");
    }

    /// For every split of a message into two packets, a read timed out
    /// between them hands its bytes to the next read: line, exact count.
    #[test]
    fn a_timed_out_read_keeps_its_bytes_for_the_next_read() {
        runtime().block_on(async {
            let message = b"hello world\n";
            for split in 1..message.len() {
                let (mut r, mut w) = pipe();
                w.write_all(&message[..split]).await.expect("write");
                times_out(r.read_line(1024)).await;
                assert_eq!(r.buffered(), split, "split {split}");
                w.write_all(&message[split..]).await.expect("write");
                let line = r.read_line(1024).await.expect("a line");
                assert_eq!(line, message, "line, split {split}");

                w.write_all(&message[..split]).await.expect("write");
                times_out(r.read_exact(message.len())).await;
                w.write_all(&message[split..]).await.expect("write");
                let bytes = r.read_exact(message.len()).await.expect("bytes");
                assert_eq!(bytes, message, "bytes, split {split}");
            }
        });
    }

    /// Randomized: a message stream cut into random packets, read with
    /// reads of random kinds that are cancelled at random, arrives whole and
    /// in order.
    #[test]
    fn random_packets_and_cancels_lose_nothing() {
        runtime().block_on(async {
            let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
            let mut next = move |n: usize| {
                // xorshift64*: deterministic, no dependency.
                seed ^= seed >> 12;
                seed ^= seed << 25;
                seed ^= seed >> 27;
                (seed.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as usize % n
            };
            for _round in 0..50 {
                let lines: Vec<Vec<u8>> = (0..5)
                    .map(|i| {
                        let mut l = vec![b'a' + i; 1 + next(20)];
                        l.push(b'\n');
                        l
                    })
                    .collect();
                let sent: Vec<u8> = lines.concat();
                let (mut r, mut w) = pipe();
                let mut got = Vec::new();
                let mut at = 0;
                while got.len() < sent.len() {
                    if at < sent.len() && next(2) == 0 {
                        let end = (at + 1 + next(8)).min(sent.len());
                        w.write_all(&sent[at..end]).await.expect("write");
                        at = end;
                    }
                    let limit = Duration::from_millis(if next(3) == 0 { 0 } else { 2 });
                    let read = async {
                        match next(3) {
                            0 => r.read_line(1024).await,
                            1 => r.read_exact(1 + next(6)).await,
                            _ => r.read_available(1 + next(6)).await,
                        }
                    };
                    if let Ok(result) = tokio::time::timeout(limit, read).await {
                        got.extend(result.expect("a read"));
                    }
                }
                assert_eq!(got, sent);
            }
        });
    }

    #[test]
    fn the_end_of_the_stream() {
        runtime().block_on(async {
            let (mut r, mut w) = pipe();
            w.write_all(b"a\nlast").await.expect("write");
            drop(w);
            assert_eq!(r.read_line(64).await.expect("a line"), b"a\n");
            assert!(matches!(r.read_exact(10).await, Err(ReadError::PeerClosed)));
            // The 4 bytes the failed exact read saw are still there.
            assert_eq!(r.read_available(2).await.expect("bytes"), b"la");
            assert_eq!(r.read_line(64).await.expect("the last line"), b"st");
            assert!(matches!(r.read_line(64).await, Err(ReadError::PeerClosed)));
            assert!(matches!(
                r.read_available(64).await,
                Err(ReadError::PeerClosed)
            ));
        });
    }

    #[test]
    fn a_line_longer_than_the_limit_is_refused_and_dropped() {
        runtime().block_on(async {
            let (mut r, mut w) = pipe();
            w.write_all(b"0123456789abc\nnext\n").await.expect("write");
            assert!(matches!(
                r.read_line(8).await,
                Err(ReadError::LineTooLong(8))
            ));
            assert_eq!(r.read_line(8).await.expect("the rest"), b"89abc\n");
            assert_eq!(r.read_line(8).await.expect("a line"), b"next\n");
            // A `\n` exactly at the limit is a line of the limit's length.
            w.write_all(b"1234567\n").await.expect("write");
            assert_eq!(r.read_line(8).await.expect("8 bytes"), b"1234567\n");
        });
    }
}
