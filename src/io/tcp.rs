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
//! `closed`; dropping the last reference closes the socket too.

use std::cell::Cell;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::rc::Rc;
use std::time::Duration;

use gdnative::prelude::*;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Mutex, Notify};

use crate::error::{AsyncError, ErrorKind};
use crate::script::args::Args;
use crate::script::method::Refusal;
use crate::script::task::AsyncTask;

/// The connect timeout when none is given.
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest line `read_line` accepts, and the most bytes `read_bytes`
/// reads at once: 16 MiB.
const MAX_READ: usize = 16 << 20;

/// `tcp_connect(host, port, timeout = 10.0) -> AsyncTcpStream`.
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

fn describe(error: &io::Error) -> String {
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
/// `AsyncTcpListener.accept`). Reads queue behind each other, as do writes.
#[derive(NativeClass)]
#[inherit(Reference)]
#[no_constructor]
pub struct AsyncTcpStream {
    state: Rc<Connection>,
}

struct Connection {
    reader: Mutex<Option<BufReader<OwnedReadHalf>>>,
    writer: Mutex<Option<OwnedWriteHalf>>,
    peer: String,
    closing: Notify,
    closed: Cell<bool>,
}

impl Connection {
    /// Drops the socket halves that no pending operation holds (the others
    /// are dropped when their operation ends).
    fn release(&self) {
        if let Ok(mut reader) = self.reader.try_lock() {
            reader.take();
        }
        if let Ok(mut writer) = self.writer.try_lock() {
            writer.take();
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
        AsyncTcpStream {
            state: Rc::new(Connection {
                reader: Mutex::new(Some(BufReader::new(read))),
                writer: Mutex::new(Some(write)),
                peer,
                closing: Notify::new(),
                closed: Cell::new(false),
            }),
        }
        .emplace()
        .owned_to_variant()
    }

    /// Runs `op` on one half of the connection as a task; `closed` if the
    /// connection is or gets closed first.
    fn run<H, F>(
        &self,
        name: &'static str,
        half: fn(&Connection) -> &Mutex<Option<H>>,
        op: F,
    ) -> Instance<AsyncTask>
    where
        H: 'static,
        F: for<'a> FnOnce(&'a mut H) -> Operation<'a> + 'static,
    {
        let state = Rc::clone(&self.state);
        AsyncTask::spawn(name, async move {
            let closed = || outcome(name, format!("{}: closed", state.peer));
            let work = async {
                let mut guard = half(&state).lock().await;
                match guard.as_mut() {
                    Some(io) if !state.closed.get() => Some(op(io).await),
                    _ => None,
                }
            };
            let result = tokio::select! {
                result = work => result,
                () = state.closing.notified() => None,
            };
            if state.closed.get() {
                state.release();
            }
            match result {
                Some(Ok(value)) => value,
                Some(Err(message)) if message.starts_with("peer closed") => {
                    outcome(name, format!("{}: {message}", state.peer))
                }
                Some(Err(message)) => failed(name, format!("{}: {message}", state.peer)),
                None => closed(),
            }
        })
    }
}

#[methods]
impl AsyncTcpStream {
    /// `write(data: String or PoolByteArray) -> int`: sends all of it;
    /// resolves with the number of bytes.
    #[method]
    fn write(&self, data: Variant) -> Instance<AsyncTask> {
        let bytes = match data.get_type() {
            VariantType::GodotString => data.to_string().into_bytes(),
            VariantType::ByteArray => PoolArray::<u8>::from_variant(&data)
                .map(|b| b.to_vec())
                .unwrap_or_default(),
            other => {
                let message = Args::invalid(
                    0,
                    "data",
                    format_args!(
                        "expected a String or PoolByteArray, got {}",
                        crate::script::args::script_type(other)
                    ),
                );
                return AsyncTask::failed("write", ErrorKind::BadArguments, message);
            }
        };
        self.run(
            "write",
            |c| &c.writer,
            move |w| {
                Box::pin(async move {
                    w.write_all(&bytes).await.map_err(|e| describe(&e))?;
                    Ok((bytes.len() as i64).to_variant())
                })
            },
        )
    }

    /// `read_line() -> String`: the next line, without its `\n` (or
    /// `\r\n`); `peer closed` at the end of the stream.
    #[method]
    fn read_line(&self) -> Instance<AsyncTask> {
        self.run(
            "read_line",
            |c| &c.reader,
            |r| {
                Box::pin(async move {
                    let mut line = Vec::new();
                    let n = (&mut *r)
                        .take(MAX_READ as u64)
                        .read_until(b'\n', &mut line)
                        .await
                        .map_err(|e| describe(&e))?;
                    if n == 0 {
                        return Err("peer closed".into());
                    }
                    if line.last() != Some(&b'\n') && n == MAX_READ {
                        return Err(format!("line longer than {MAX_READ} bytes"));
                    }
                    while matches!(line.last(), Some(b'\n' | b'\r')) {
                        line.pop();
                    }
                    Ok(String::from_utf8_lossy(&line).into_owned().to_variant())
                })
            },
        )
    }

    /// `read_bytes(n: int) -> PoolByteArray`: exactly `n` bytes (at most
    /// 16 MiB); `peer closed` if the stream ends first.
    #[method]
    fn read_bytes(&self, n: Variant) -> Instance<AsyncTask> {
        let count = i64::from_variant(&n)
            .ok()
            .and_then(|n| usize::try_from(n).ok())
            .filter(|n| *n <= MAX_READ);
        let Some(count) = count else {
            let message = Args::invalid(
                0,
                "n",
                format_args!("expected an int in 0..={MAX_READ}, got {n:?}"),
            );
            return AsyncTask::failed("read_bytes", ErrorKind::BadArguments, message);
        };
        self.run(
            "read_bytes",
            |c| &c.reader,
            move |r| {
                Box::pin(async move {
                    let mut buf = vec![0; count];
                    r.read_exact(&mut buf).await.map_err(|e| describe(&e))?;
                    Ok(PoolArray::<u8>::from_vec(buf).owned_to_variant())
                })
            },
        )
    }

    /// `close()`: closes the connection now; pending reads and writes on
    /// this object resolve with `closed`.
    #[method]
    fn close(&self) {
        let state = &self.state;
        state.closed.set(true);
        state.closing.notify_waiters();
        state.release();
    }

    /// `is_open() -> bool`: false after `close()`.
    #[method]
    fn is_open(&self) -> bool {
        !self.state.closed.get()
    }

    /// `peer() -> String`: the remote address, `ip:port`.
    #[method]
    fn peer(&self) -> String {
        self.state.peer.clone()
    }
}

/// One read or write on a connection half.
type Operation<'a> = Pin<Box<dyn Future<Output = Result<Variant, String>> + 'a>>;

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
