//! TCP for scripts: `Async.tcp_connect` and `Async.tcp_listen`, and the
//! connection and listener objects they resolve with.
//!
//! ```gdscript
//! var server = yield(Async.tcp_listen("127.0.0.1", 0), "completed")   # port 0: any free one
//! var conn = yield(Async.tcp_connect("127.0.0.1", server.local_port(), 5.0), "completed")
//! if Async.is_error(conn):
//!     return print(conn.message)        # e.g. "127.0.0.1:4000: connection refused"
//! var peer = yield(server.accept(), "completed")   # the server's end, an AsyncTcpStream
//! yield(conn.write("hello\n"), "completed")
//! var line = yield(peer.read_line(), "completed")  # "hello"
//! conn.close()
//! server.close()
//! ```
//!
//! Sockets live on the main thread's runtime: readiness is checked once per
//! frame by the pump, so each read or write that has to wait resumes in
//! the frame after the data arrived. Every operation returns an
//! [`AsyncTask`]; failures resolve with an `AsyncError` of kind `failed`
//! (`connection refused`, `peer closed`, `closed`, the system's text) or
//! `timeout`. `close()` ends pending operations on the object with
//! `closed`; dropping the last reference closes the socket too (after the
//! writes already queued are sent).
//!
//! Every read and write is cancellation-safe (see [`AsyncTcpStream`]'s
//! *Cancellation*): polling with a short `Async.timeout` never makes a
//! protocol fall out of step with its peer.

use std::cell::Cell;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::rc::Rc;
use std::time::Duration;

use gdnative::prelude::*;
use tokio::net::tcp::OwnedReadHalf;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Mutex, Notify};

use crate::error::{AsyncError, ErrorKind};
use crate::io::buffered::{BufferedReader, ReadError};
use crate::io::closing::Closing;
use crate::io::write_queue::{WriteQueue, Written};
use crate::script::args::{Args, Data};
use crate::script::method::Refusal;
use crate::script::task::AsyncTask;

/// The connect timeout when none is given.
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest line `read_line` accepts, and the most bytes `read_bytes`
/// reads at once: 16 MiB.
const MAX_READ: usize = 16 << 20;
/// What `read_available` hands out at most when no `max` is given.
const DEFAULT_AVAILABLE: usize = 64 << 10;

/// `tcp_connect(host, port, timeout = 10.0) -> AsyncTcpStream`.
/// Cancellation-safe: a cancelled connect drops the attempt (and a socket
/// it may have opened); nothing was handed out.
pub(crate) fn tcp_connect(args: Args) -> Result<impl Future<Output = Variant>, Refusal> {
    args.expect_count(2, 3)?;
    let (host, port) = address(&args)?;
    let limit = if args.len() > 2 {
        args.seconds(2, "timeout")?
    } else {
        DEFAULT_CONNECT_TIMEOUT
    };
    Ok(async move {
        match connect_within(&format!("{host}:{port}"), limit).await {
            Ok(stream) => AsyncTcpStream::wrap(stream),
            Err(error) => error.report(),
        }
    })
}

/// Connects to `target` (`host:port`) within `limit`: the error is kind
/// `timeout` when the limit passed first, `failed` otherwise (refused,
/// unreachable, no such host).
async fn connect_within(target: &str, limit: Duration) -> Result<TcpStream, AsyncError> {
    match tokio::time::timeout(limit, TcpStream::connect(target)).await {
        Ok(Ok(stream)) => Ok(stream),
        Ok(Err(e)) => Err(AsyncError::new(
            ErrorKind::Failed,
            "tcp_connect",
            format!("{target}: {}", describe(&e)),
        )),
        Err(_) => Err(AsyncError::new(
            ErrorKind::Timeout,
            "tcp_connect",
            format!("{target}: no connection within {} s", limit.as_secs_f64()),
        )),
    }
}

/// `tcp_listen(host, port) -> AsyncTcpListener` (port 0: any free port).
pub(crate) fn tcp_listen(args: Args) -> Result<impl Future<Output = Variant>, Refusal> {
    args.expect_count(2, 2)?;
    let (host, port) = address(&args)?;
    Ok(async move {
        let target = format!("{host}:{port}");
        match TcpListener::bind(&target).await {
            Ok(listener) => AsyncTcpListener {
                listener: Rc::new(Listening {
                    port: listener.local_addr().map_or(0, |a| a.port()),
                    listener: Mutex::new(Some(listener)),
                    closing: Notify::new(),
                    closed: Cell::new(false),
                }),
            }
            .emplace()
            .owned_to_variant(),
            Err(e) => failed("tcp_listen", format!("{target}: {}", describe(&e))),
        }
    })
}

/// The `host` and `port` arguments.
fn address(args: &Args) -> Result<(String, u16), Refusal> {
    let host: String = args.get(0, "host")?;
    if host.is_empty() {
        return Err(Args::invalid(0, "host", "must not be empty").into());
    }
    let port = args.int_in(1, "port", 0..=i64::from(u16::MAX))? as u16;
    Ok((host, port))
}

#[track_caller]
fn failed(method: &str, message: String) -> Variant {
    AsyncError::new(ErrorKind::Failed, method, message).report()
}

/// A `failed` error the caller handles (the connection or listener was
/// closed, by the peer or here): not printed by default.
#[track_caller]
fn outcome(method: &str, message: String) -> Variant {
    AsyncError::new(ErrorKind::Failed, method, message)
        .expected()
        .report()
}

pub(crate) fn describe(error: &io::Error) -> String {
    match error.kind() {
        io::ErrorKind::ConnectionRefused => "connection refused".into(),
        io::ErrorKind::UnexpectedEof => "peer closed".into(),
        io::ErrorKind::ConnectionReset | io::ErrorKind::BrokenPipe => {
            format!("peer closed ({error})")
        }
        _ => crate::io::files::describe(error),
    }
}

/// An open TCP connection (from `Async.tcp_connect` or
/// `AsyncTcpListener.accept`). Reads queue behind each other; writes are
/// queued at the call and sent in call order.
///
/// # Cancellation
///
/// Every read and write is cancellation-safe: cancelling its task
/// (`Async.timeout` giving up, a lost `Async.any`, `cancel()`, or a
/// combinator that owns it being cancelled) loses no data and leaves the
/// connection usable. Bytes a read took off the socket stay in the
/// connection's buffer until a read hands them out, so a line or byte
/// count split across a cancelled read arrives whole on the next read, of
/// any kind. A write's bytes are queued whole at the call: cancelling only
/// stops the wait; all of them are still sent, before any later write's.
/// A read that had already finished is not undone: if `Async.any` picked
/// another item that finished in the same frame (the first in the array
/// wins), the read's value is in its task's `result`. `close()` is the
/// one thing that drops data: buffered bytes and queued writes go with
/// the socket.
#[derive(NativeClass)]
#[inherit(Reference)]
#[no_constructor]
pub struct AsyncTcpStream {
    state: Rc<Connection>,
    writes: WriteQueue,
}

struct Connection {
    reader: Mutex<Option<BufferedReader<OwnedReadHalf>>>,
    peer: String,
    closing: Rc<Closing>,
}

impl Connection {
    /// Drops the read half unless a pending read holds it (then it is
    /// dropped when that read ends).
    fn release(&self) {
        if let Ok(mut reader) = self.reader.try_lock() {
            reader.take();
        }
    }
}

impl AsyncTcpStream {
    fn wrap(stream: TcpStream) -> Variant {
        let peer = stream
            .peer_addr()
            .map_or_else(|_| "?".to_owned(), |a| a.to_string());
        // Small writes go out at once: games send small messages.
        let _ = stream.set_nodelay(true);
        let (read, write) = stream.into_split();
        let closing = Rc::new(Closing::default());
        let (writes, writer) = WriteQueue::new(write);
        let stop = Rc::clone(&closing);
        // Ends when the object is gone and its writes are sent, or at
        // `close()` (queued writes then end with `closed`).
        let writing = async move {
            tokio::select! {
                () = writer => {}
                () = stop.wait() => {}
            }
        };
        drop(crate::task::spawn(writing));
        AsyncTcpStream {
            state: Rc::new(Connection {
                reader: Mutex::new(Some(BufferedReader::new(read))),
                peer,
                closing,
            }),
            writes,
        }
        .emplace()
        .owned_to_variant()
    }

    /// Runs the read `op` as a task; `closed` if the connection is or gets
    /// closed first.
    fn read<F>(&self, name: &'static str, op: F) -> Instance<AsyncTask>
    where
        F: for<'a> FnOnce(&'a mut BufferedReader<OwnedReadHalf>) -> Operation<'a> + 'static,
    {
        let state = Rc::clone(&self.state);
        AsyncTask::spawn(name, async move {
            let closing = &state.closing;
            let work = async {
                let mut guard = state.reader.lock().await;
                match guard.as_mut() {
                    Some(reader) if !closing.is_closed() => Some(op(reader).await),
                    _ => None,
                }
            };
            let result = tokio::select! {
                result = work => result,
                () = closing.wait() => None,
            };
            if closing.is_closed() {
                state.release();
            }
            match result {
                Some(Ok(value)) => value,
                Some(Err(ReadError::PeerClosed)) => {
                    outcome(name, format!("{}: peer closed", state.peer))
                }
                Some(Err(ReadError::LineTooLong(max))) => failed(
                    name,
                    format!("{}: line longer than {max} bytes", state.peer),
                ),
                Some(Err(ReadError::Io(e))) => io_failure(name, &state.peer, &e),
                None => outcome(name, format!("{}: closed", state.peer)),
            }
        })
    }

    /// `read_bytes` (`exact`) and `read_available`: the byte count argument
    /// `arg`, an int in `least..=MAX_READ`, then the read, as a
    /// PoolByteArray.
    fn read_count(
        &self,
        name: &'static str,
        arg: &str,
        value: &Variant,
        least: usize,
        exact: bool,
    ) -> Instance<AsyncTask> {
        let Some(count) = count_argument(value).filter(|n| *n >= least) else {
            let message = Args::invalid(
                0,
                arg,
                format_args!("expected an int in {least}..={MAX_READ}, got {value:?}"),
            );
            return AsyncTask::failed(name, ErrorKind::BadArguments, message);
        };
        self.read(name, move |r| {
            Box::pin(async move {
                let bytes = if exact {
                    r.read_exact(count).await?
                } else {
                    r.read_available(count).await?
                };
                Ok(PoolArray::<u8>::from_vec(bytes).owned_to_variant())
            })
        })
    }
}

/// A socket error: an expected outcome when the peer went away.
#[track_caller]
fn io_failure(name: &str, peer: &str, error: &io::Error) -> Variant {
    let message = describe(error);
    if message.starts_with("peer closed") {
        outcome(name, format!("{peer}: {message}"))
    } else {
        failed(name, format!("{peer}: {message}"))
    }
}

#[methods]
impl AsyncTcpStream {
    /// `write(data: String or PoolByteArray) -> int`: sends all of it;
    /// resolves with the number of bytes once they were handed to the
    /// system.
    ///
    /// Cancellation-safe, all or nothing: the bytes are queued at the call,
    /// whole, behind earlier writes. Cancelling the task only stops the
    /// wait: all of them are still sent, and no later write's bytes come
    /// between them. Only `close()` (or a failed socket) stops queued
    /// writes; they then resolve with `closed`.
    #[method]
    fn write(&self, data: Variant) -> Instance<AsyncTask> {
        let bytes = match crate::script::args::data_argument(&data, 0, "data") {
            Ok(Data::Text(text)) => text.into_bytes(),
            Ok(Data::Bytes(bytes)) => bytes,
            Err(message) => return AsyncTask::failed("write", ErrorKind::BadArguments, message),
        };
        let peer = self.state.peer.clone();
        let closed = self.state.closing.is_closed();
        let len = bytes.len() as i64;
        let written = (!closed).then(|| self.writes.push(bytes));
        AsyncTask::spawn("write", async move {
            match written {
                Some(written) => match written.await {
                    Written::Sent => len.to_variant(),
                    Written::Failed(e) => io_failure("write", &peer, &e),
                    Written::Stopped => outcome("write", format!("{peer}: closed")),
                },
                None => outcome("write", format!("{peer}: closed")),
            }
        })
    }

    /// `read_line() -> String`: the next line, without its `\n` (or
    /// `\r\n`); at the end of the stream an unterminated last line, then
    /// `peer closed`. A line of more than 16 MiB fails, and its first
    /// 16 MiB are dropped.
    ///
    /// Cancellation-safe: the bytes of a line that had not fully arrived
    /// stay buffered in the connection for the next read.
    #[method]
    fn read_line(&self) -> Instance<AsyncTask> {
        self.read("read_line", |r| {
            Box::pin(async move {
                let mut line = r.read_line(MAX_READ).await?;
                while matches!(line.last(), Some(b'\n' | b'\r')) {
                    line.pop();
                }
                Ok(String::from_utf8_lossy(&line).into_owned().to_variant())
            })
        })
    }

    /// `read_bytes(n: int) -> PoolByteArray`: exactly `n` bytes (at most
    /// 16 MiB); `peer closed` if the stream ends first (the bytes that did
    /// come stay buffered, e.g. for `read_available`).
    ///
    /// Cancellation-safe: bytes of an incomplete count stay buffered in the
    /// connection for the next read.
    #[method]
    fn read_bytes(&self, n: Variant) -> Instance<AsyncTask> {
        self.read_count("read_bytes", "n", &n, 0, true)
    }

    /// `read_available(max: int = 65536) -> PoolByteArray`: the bytes
    /// already received, up to `max` (1 to 16 MiB): at once when there are
    /// some, else as soon as some arrive; `peer closed` at the end of the
    /// stream.
    ///
    /// Cancellation-safe: it takes bytes only when it completes.
    #[method]
    fn read_available(&self, #[opt] max: Option<Variant>) -> Instance<AsyncTask> {
        let max = max.unwrap_or_else(|| (DEFAULT_AVAILABLE as i64).to_variant());
        self.read_count("read_available", "max", &max, 1, false)
    }

    /// `close()`: closes the connection now; pending reads and writes on
    /// this object resolve with `closed`, and bytes received but not read
    /// yet are dropped.
    #[method]
    fn close(&self) {
        self.state.closing.close();
        self.state.release();
    }

    /// `is_open() -> bool`: false after `close()`.
    #[method]
    fn is_open(&self) -> bool {
        !self.state.closing.is_closed()
    }

    /// `peer() -> String`: the remote address, `ip:port`.
    #[method]
    fn peer(&self) -> String {
        self.state.peer.clone()
    }
}

/// A byte count argument: an int in `0..=MAX_READ`.
fn count_argument(n: &Variant) -> Option<usize> {
    i64::from_variant(n)
        .ok()
        .and_then(|n| usize::try_from(n).ok())
        .filter(|n| *n <= MAX_READ)
}

/// One read on a connection.
type Operation<'a> = Pin<Box<dyn Future<Output = Result<Variant, ReadError>> + 'a>>;

/// A listening TCP socket (from `Async.tcp_listen`).
#[derive(NativeClass)]
#[inherit(Reference)]
#[no_constructor]
pub struct AsyncTcpListener {
    listener: Rc<Listening>,
}

struct Listening {
    port: u16,
    listener: Mutex<Option<TcpListener>>,
    closing: Notify,
    closed: Cell<bool>,
}

#[methods]
impl AsyncTcpListener {
    /// `accept() -> AsyncTcpStream`: the next incoming connection.
    /// Accepts queue behind each other.
    ///
    /// Cancellation-safe: a connection is taken from the listener only in
    /// the poll that completes the accept (Tokio's `accept` is cancel
    /// safe), so a cancelled accept leaves it for the next `accept()`.
    #[method]
    fn accept(&self) -> Instance<AsyncTask> {
        let state = Rc::clone(&self.listener);
        AsyncTask::spawn("accept", async move {
            let work = async {
                let mut guard = state.listener.lock().await;
                let result = match guard.as_ref() {
                    Some(listener) if !state.closed.get() => Some(listener.accept().await),
                    _ => None,
                };
                if state.closed.get() {
                    guard.take();
                }
                result
            };
            let result = tokio::select! {
                result = work => result,
                () = state.closing.notified() => None,
            };
            if state.closed.get() {
                if let Ok(mut listener) = state.listener.try_lock() {
                    listener.take();
                }
            }
            match result {
                Some(Ok((stream, _))) => AsyncTcpStream::wrap(stream),
                Some(Err(e)) => failed("accept", describe(&e)),
                None => outcome("accept", "the listener is closed".into()),
            }
        })
    }

    /// `local_port() -> int`: the port it listens on (also after close).
    #[method]
    fn local_port(&self) -> i64 {
        i64::from(self.listener.port)
    }

    /// `close()`: stops listening; a pending `accept()` resolves with an
    /// error.
    #[method]
    fn close(&self) {
        self.listener.closed.set(true);
        self.listener.closing.notify_waiters();
        if let Ok(mut listener) = self.listener.listener.try_lock() {
            listener.take();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A listener whose accept queue is full drops further connection
    /// attempts (Linux), so a connect to it waits: the limit must end it.
    #[test]
    fn a_connect_that_never_completes_ends_with_a_timeout_error() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a Tokio runtime");
        rt.block_on(async {
            let socket = tokio::net::TcpSocket::new_v4().expect("a socket");
            socket
                .bind("127.0.0.1:0".parse().expect("an address"))
                .expect("bind");
            let listener = socket.listen(1).expect("listen");
            let target = listener.local_addr().expect("an address").to_string();
            let limit = Duration::from_millis(200);
            let mut held = Vec::new();
            let mut error = None;
            // Never accepted: the queue fills after a couple of connections.
            // Without the limit a connect would wait for the kernel's SYN
            // retries (minutes): the outer timeout turns that into a failure.
            let attempts = async {
                for _ in 0..16 {
                    match connect_within(&target, limit).await {
                        Ok(stream) => held.push(stream),
                        Err(e) => {
                            error = Some(e);
                            break;
                        }
                    }
                }
            };
            tokio::time::timeout(Duration::from_secs(10), attempts)
                .await
                .expect("connect_within did not keep to its limit");
            let error = error.expect("the accept queue never filled");
            assert!(error.is(ErrorKind::Timeout), "{error}");
            assert_eq!(
                error.message,
                format!("{target}: no connection within 0.2 s")
            );
            assert!(!held.is_empty(), "the first connections are queued");
        });
    }

    #[test]
    fn a_refused_connect_fails_at_once() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a Tokio runtime");
        rt.block_on(async {
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .expect("a free port")
                .port();
            let target = format!("127.0.0.1:{port}");
            let started = std::time::Instant::now();
            let error = connect_within(&target, Duration::from_secs(5))
                .await
                .expect_err("nothing listens there");
            assert!(error.is(ErrorKind::Failed), "{error}");
            assert!(error.message.ends_with("connection refused"), "{error}");
            assert!(started.elapsed() < Duration::from_secs(5));
        });
    }
}
