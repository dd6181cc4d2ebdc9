//! `AsyncWebSocket`, the connection object `Async.websocket_connect`
//! resolves with.

use std::cell::RefCell;
use std::rc::Rc;

use futures::stream::{SplitStream, StreamExt};
use gdnative::prelude::*;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

use crate::error::{AsyncError, ErrorKind};
use crate::executor::slice::FrameSlice;
use crate::executor::SharedLocalPool;
use crate::io::closing::Closing;
use crate::io::write_queue::{WriteQueue, Written};
use crate::net::websocket::connect::Socket;
use crate::net::websocket::inbox::{Inbox, Incoming};
use crate::net::websocket::options::Keep;
use crate::net::websocket::session::{self, Deliver, Ended, LocalClose};
use crate::script::args::{data_argument, Args, Data};
use crate::script::task::AsyncTask;

/// The longest close reason RFC 6455 allows (a control frame holds 125
/// bytes, two of them the code).
const MAX_REASON: usize = 123;

/// An open WebSocket connection (from `Async.websocket_connect`).
///
/// GDScript sees:
/// - signal `message(data)`: a received message, a `String` (text) or a
///   `PoolByteArray` (binary), when no `receive()` is waiting for it;
/// - signal `closed(code, reason)`: once, when the connection ended: the
///   code and reason of the peer's close frame (or of the frame this side
///   sent), `1006` when the connection was lost without one, `1009` when a
///   message was larger than `max_message_size`;
/// - `send(data)`, `receive()`, `close(code, reason)`, `is_open()`,
///   `protocol()`, `url()`, `close_code()`, `close_reason()`.
///
/// Each message goes to exactly one place: the oldest pending `receive()`
/// if one is waiting, else the `message` signal if something is connected
/// to it, else the connection's queue, where the next `receive()` finds
/// it (or, when no receive is waiting, the `message` signal emits the
/// queued messages first, in order, when the next message arrives or, if
/// the queue is full, in the next frame). The queue holds up to the
/// `max_queue_size` option's bytes (16 MiB); while it is full the socket
/// is not read, so the peer meets TCP backpressure and nothing is lost.
/// Nothing is polled by the script: the pump reads the socket every
/// frame, answers the peer's pings, and emits signals (for at most 1 ms per
/// frame, like `AsyncStream`; later messages wait for the next frame).
///
/// The object stays alive while the connection is open, even if scripts
/// drop it: `close()` it when done.
///
/// # Cancellation
///
/// `receive()` is cancellation-safe: a message leaves the connection only
/// in the poll that completes the receive, so a receive cancelled by
/// `Async.timeout`, a lost `Async.any` or `cancel()` leaves it for the
/// next one. A `send()`'s message is queued whole at the call: cancelling
/// only stops the wait; it is still sent, before any later send's.
/// `close()` drops the queued messages not received yet.
#[derive(NativeClass)]
#[inherit(Reference)]
#[no_constructor]
#[register_with(register)]
pub struct AsyncWebSocket {
    link: Rc<Link>,
}

/// The state a connection's object, reader and writer share.
struct Link {
    url: String,
    protocol: String,
    inbox: Rc<Inbox>,
    writes: WriteQueue<Message, WsError>,
    /// Set by `close()`.
    close_requested: Closing,
    /// The code and reason `close()` sent.
    close_sent: RefCell<Option<(u16, String)>>,
    /// Set when the connection ended (the reader is done).
    ended: RefCell<Option<Ended>>,
    finished: Closing,
}

fn register(builder: &ClassBuilder<AsyncWebSocket>) {
    builder.signal("message").with_param_untyped("data").done();
    builder
        .signal("closed")
        .with_param("code", VariantType::I64)
        .with_param("reason", VariantType::GodotString)
        .done();
}

impl AsyncWebSocket {
    /// The object for an open `socket`; starts its reader and writer.
    pub(crate) fn start(socket: Socket, url: String, protocol: String, keep: Keep) -> Variant {
        let (sink, stream) = socket.split();
        let (writes, writer) = WriteQueue::with_sink(sink);
        let link = Rc::new(Link {
            url,
            protocol,
            inbox: Rc::new(Inbox::new(keep.max_queue_size)),
            writes,
            close_requested: Closing::default(),
            close_sent: RefCell::new(None),
            ended: RefCell::new(None),
            finished: Closing::default(),
        });
        let stop = Rc::clone(&link);
        // Ends when the connection did (a send still queued then ends with
        // `closed`).
        drop(crate::task::spawn(async move {
            tokio::select! {
                () = writer => {}
                () = stop.finished.wait() => {}
            }
        }));
        let instance = AsyncWebSocket {
            link: Rc::clone(&link),
        }
        .emplace()
        .into_shared();
        drop(crate::task::spawn(run(
            stream,
            link,
            instance.clone(),
            keep.ping_interval,
        )));
        instance.owned_to_variant()
    }
}

/// The reader: delivers messages until the connection ends, then ends
/// pending receives and emits `closed`. Holds the object alive meanwhile.
async fn run(
    mut stream: SplitStream<Socket>,
    link: Rc<Link>,
    object: Instance<AsyncWebSocket, Shared>,
    ping: Option<std::time::Duration>,
) {
    let mut target = Target {
        link: Rc::clone(&link),
        object: object.clone(),
        slice: FrameSlice::new(SharedLocalPool::current()),
    };
    let local = LocalClose {
        requested: &link.close_requested,
        sent: &link.close_sent,
    };
    let ended = session::read(&mut stream, &link.writes, local, &mut target, ping).await;
    drop(stream);
    let (code, reason) = (i64::from(ended.code), ended.reason.clone());
    *link.ended.borrow_mut() = Some(ended);
    link.inbox.end();
    link.finished.close();
    // SAFETY: the object was made on this thread (the pool is
    // thread-local) and `object` keeps it alive.
    let object = unsafe { object.assume_safe() };
    object
        .base()
        .emit_signal("closed", &[code.to_variant(), reason.to_variant()]);
}

/// The Godot side of the reader: a message goes to a waiting receive, or
/// the `message` signal, or the queue.
struct Target {
    link: Rc<Link>,
    object: Instance<AsyncWebSocket, Shared>,
    slice: FrameSlice,
}

impl Deliver for Target {
    fn deliver(&mut self, message: Incoming) {
        let inbox = &self.link.inbox;
        // SAFETY: as in `run`.
        let object = unsafe { self.object.assume_safe() };
        let base = object.base();
        if inbox.is_awaited() || !self.flush() {
            inbox.push(message);
            return;
        }
        base.emit_signal("message", &[value(message)]);
    }

    async fn pause(&mut self) {
        self.slice.pause_if_spent().await;
        // A full queue: the socket is not read until a receive takes a
        // message, or (checked once per frame) a `message` handler was
        // connected, which then gets the queue.
        while self.link.inbox.is_full() {
            tokio::select! {
                () = self.link.inbox.room() => {}
                () = SharedLocalPool::current().next_frame() => {
                    if !self.link.inbox.is_awaited() {
                        self.flush();
                    }
                }
            }
        }
    }
}

impl Target {
    /// When something is connected to `message`: emits the queued
    /// messages (those that came while nothing listened), in order, and
    /// returns true.
    fn flush(&self) -> bool {
        // SAFETY: as in `run`.
        let object = unsafe { self.object.assume_safe() };
        let base = object.base();
        if base.get_signal_connection_list("message").is_empty() {
            return false;
        }
        while let Some(queued) = self.link.inbox.take() {
            base.emit_signal("message", &[value(queued)]);
        }
        true
    }
}

/// A message as scripts see it.
fn value(message: Incoming) -> Variant {
    match message {
        Incoming::Text(text) => text.to_variant(),
        Incoming::Binary(bytes) => PoolArray::<u8>::from_vec(bytes).owned_to_variant(),
    }
}

impl Link {
    /// Why the connection is no longer usable, for an operation `name`:
    /// printed when the script closed it itself (a programming error),
    /// an expected outcome when the peer did.
    #[track_caller]
    fn closed_error(&self, name: &str) -> Variant {
        if self.close_requested.is_closed() {
            let message = format!("{}: closed: {name}() after close()", self.url);
            return AsyncError::new(ErrorKind::Failed, name, message).report();
        }
        let message = match self.ended.borrow().as_ref() {
            Some(Ended {
                error: Some(error),
                code,
                ..
            }) => format!("{}: {error} (closed with {code})", self.url),
            Some(Ended { code, reason, .. }) => {
                format!("{}: peer closed ({code}{})", self.url, suffix(reason))
            }
            None => format!("{}: closed", self.url),
        };
        AsyncError::new(ErrorKind::Failed, name, message)
            .expected()
            .report()
    }

    fn is_open(&self) -> bool {
        !self.close_requested.is_closed() && !self.finished.is_closed()
    }
}

fn suffix(reason: &str) -> String {
    if reason.is_empty() {
        String::new()
    } else {
        format!(": {reason}")
    }
}

#[methods]
impl AsyncWebSocket {
    /// `send(data: String or PoolByteArray) -> int`: sends a text message
    /// (a String) or a binary one (a PoolByteArray); resolves with its
    /// size in bytes once it was written to the socket. Sends go out whole,
    /// in call order. After `close()`: a printed error; after the peer
    /// closed: a `failed` error (`peer closed (code: reason)`, not
    /// printed).
    ///
    /// Cancellation-safe: the message was queued whole at the call;
    /// cancelling stops only the wait, it is still sent.
    #[method]
    fn send(&self, data: Variant) -> Instance<AsyncTask> {
        let message = match data_argument(&data, 0, "data") {
            Ok(Data::Text(text)) => Message::Text(text),
            Ok(Data::Bytes(bytes)) => Message::Binary(bytes),
            Err(message) => return AsyncTask::failed("send", ErrorKind::BadArguments, message),
        };
        if !self.link.is_open() {
            return AsyncTask::resolved("send", self.link.closed_error("send"));
        }
        let len = message.len() as i64;
        let written = self.link.writes.push(message);
        let link = Rc::clone(&self.link);
        AsyncTask::spawn("send", async move {
            match written.await {
                Written::Sent => len.to_variant(),
                Written::Failed(WsError::Io(e)) => AsyncError::new(
                    ErrorKind::Failed,
                    "send",
                    format!("{}: {}", link.url, crate::io::tcp::describe(&e)),
                )
                .expected()
                .report(),
                Written::Failed(_) | Written::Stopped => link.closed_error("send"),
            }
        })
    }

    /// `receive() -> String or PoolByteArray`: the next message (see the
    /// class docs for which messages a receive gets). Receives queue
    /// behind each other. Once the connection ended, the messages that
    /// came before the end, then a `failed` error (`peer closed (code:
    /// reason)`, not printed). A receive pending when `close()` is called
    /// ends with `closed` (not printed); one called after `close()` is a
    /// printed error.
    ///
    /// Cancellation-safe: a message leaves the connection only when the
    /// receive completes.
    #[method]
    fn receive(&self) -> Instance<AsyncTask> {
        if self.link.close_requested.is_closed() {
            return AsyncTask::resolved("receive", self.link.closed_error("receive"));
        }
        let waiter = self.link.inbox.waiter();
        let link = Rc::clone(&self.link);
        AsyncTask::spawn("receive", async move {
            match waiter.receive().await {
                Some(message) => value(message),
                // Ended by close() while it waited: an outcome, not a
                // mistake of the script.
                None if link.close_requested.is_closed() => AsyncError::new(
                    ErrorKind::Failed,
                    "receive",
                    format!("{}: closed", link.url),
                )
                .expected()
                .report(),
                None => link.closed_error("receive"),
            }
        })
    }

    /// `close(code = 1000, reason = "")`: starts the closing handshake:
    /// queued sends go out, then the close frame; `closed` is emitted when
    /// the peer answered (or after 3 s without an answer). Pending
    /// receives end with `closed` now; messages not received yet are
    /// dropped. `code`: 1000 to 1003, 1007 to 1011, or 3000 to 4999;
    /// `reason`: at most 123 bytes. A second call does nothing.
    #[method]
    fn close(&self, #[opt] code: Option<Variant>, #[opt] reason: Option<Variant>) {
        let mut values = vec![code.unwrap_or_else(|| 1000.to_variant())];
        values.push(reason.unwrap_or_else(|| "".to_variant()));
        let args = Args::new(values);
        let checked = args.int_in(0, "code", 1000..=4999).and_then(|code| {
            if matches!(code, 1000..=1003 | 1007..=1011 | 3000..=4999) {
                Ok(code as u16)
            } else {
                Err(Args::invalid(
                    0,
                    "code",
                    format_args!("{code} may not be sent (use 1000, 1001, 3000..=4999)"),
                ))
            }
        });
        let reason = args.get::<String>(1, "reason").and_then(|r| {
            if r.len() > MAX_REASON {
                Err(Args::invalid(
                    1,
                    "reason",
                    format_args!("longer than {MAX_REASON} bytes"),
                ))
            } else {
                Ok(r)
            }
        });
        let (code, reason) = match (checked, reason) {
            (Ok(code), Ok(reason)) => (code, reason),
            (Err(e), _) | (_, Err(e)) => {
                AsyncError::new(ErrorKind::BadArguments, "close", e).report();
                return;
            }
        };
        if !self.link.is_open() {
            return;
        }
        let frame = CloseFrame {
            code: CloseCode::from(code),
            reason: reason.clone().into(),
        };
        *self.link.close_sent.borrow_mut() = Some((code, reason));
        drop(self.link.writes.push(Message::Close(Some(frame))));
        self.link.close_requested.close();
        self.link.inbox.end_now();
    }

    /// `is_open() -> bool`: false after `close()` or once the connection
    /// ended.
    #[method]
    fn is_open(&self) -> bool {
        self.link.is_open()
    }

    /// `protocol() -> String`: the subprotocol the server chose (empty
    /// when none).
    #[method]
    fn protocol(&self) -> String {
        self.link.protocol.clone()
    }

    /// `url() -> String`: the URL connected to.
    #[method]
    fn url(&self) -> String {
        self.link.url.clone()
    }

    /// `close_code() -> int`: the code `closed` gave; -1 while not closed.
    #[method]
    fn close_code(&self) -> i64 {
        self.link
            .ended
            .borrow()
            .as_ref()
            .map_or(-1, |e| i64::from(e.code))
    }

    /// `close_reason() -> String`: the reason `closed` gave; empty while
    /// not closed.
    #[method]
    fn close_reason(&self) -> String {
        self.link
            .ended
            .borrow()
            .as_ref()
            .map_or_else(String::new, |e| e.reason.clone())
    }
}
