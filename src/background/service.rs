//! Request/response services: a Rust service runs on the background
//! runtime, takes requests from a bounded channel and answers each on a
//! oneshot channel that the main thread awaits.
//!
//! ```no_run
//! # async fn example() -> Result<(), gdnative_tokio::error::AsyncError> {
//! use gdnative_tokio::background::Service;
//! // Up to 16 requests wait while one is handled; the handler runs on a worker.
//! let lengths = Service::start("lengths", 16, |text: String| async move { text.len() });
//! let n = lengths.request("hello".into()).await?;        // waits for room
//! let m = lengths.try_request("hi".into())?.await?;       // or fails at once when full
//! # Ok(()) }
//! ```
//!
//! # Backpressure
//!
//! The queue holds `capacity` requests besides the one being handled.
//! When it is full, [`Service::request`] waits (in its task, never blocking
//! the frame) until there is room, and [`Service::try_request`] fails at
//! once with an `AsyncError` of kind `failed` whose message contains
//! `busy`, so a game can drop or retry the request. Requests are handled
//! one at a time, in order.
//!
//! # Throughput per frame
//!
//! Requests made on the main thread enter the queue only while the pump
//! runs, once per frame: a request waiting for room is woken when the
//! worker takes one out, and sends in a later round of the pump, or in the
//! next frame's pump once the pump has ended. So per frame a service takes
//! in about `capacity` requests, plus those the worker frees room for while
//! the pump's rounds still run. With capacity 64 that is 77 to 120
//! requests per frame in most runs (10k requests in 83 to 130 frames, 1.4
//! to 2.2 s at 60 fps), where plain Tokio takes 30 to 130 ms. Two ways to
//! raise it:
//!
//! - a larger `capacity` (the queue does not allocate it up front): 1024
//!   takes 10k requests in about 10 frames;
//! - batching: one request carrying many items (a `Vec`), answered with
//!   many results, multiplies the items per frame by the batch size (64
//!   items per request: 10k items in 1 to 3 frames).
//!
//! `benches/ecosystem.rs` measures all three (items per frame against
//! capacity 64, in the same run); `docs/performance.md` has the figures.

use std::future::Future;

use tokio::sync::{mpsc, oneshot};

use crate::error::{AsyncError, ErrorKind};
use crate::executor::panic::{catch_panic, catch_recorded};

/// A request and where its answer goes: the response, or the message of
/// the panic that ended its handling.
type Job<Req, Resp> = (Req, oneshot::Sender<Result<Resp, String>>);

/// A handle to a running service; cheap to clone. The service stops when
/// the last handle is dropped (after the requests already queued).
pub struct Service<Req, Resp> {
    name: &'static str,
    capacity: usize,
    requests: mpsc::Sender<Job<Req, Resp>>,
}

impl<Req, Resp> Clone for Service<Req, Resp> {
    fn clone(&self) -> Self {
        Service {
            name: self.name,
            capacity: self.capacity,
            requests: self.requests.clone(),
        }
    }
}

impl<Req, Resp> Service<Req, Resp>
where
    Req: Send + 'static,
    Resp: Send + 'static,
{
    /// Starts the service on the background runtime: `handler` answers each
    /// request, one at a time. `capacity` is the queue size, clamped to
    /// `1..=`[`Semaphore::MAX_PERMITS`](tokio::sync::Semaphore::MAX_PERMITS)
    /// (Tokio's limit; the queue does not allocate its capacity up front).
    /// A panic in `handler`, in its body or in the future it returns,
    /// fails that request with kind `panic` and the panic's message (with
    /// its source line), which the requester's wrapper prints once
    /// ([`AsyncTask`](crate::script::AsyncTask), [`guard_result`](crate::script::guard_result));
    /// the service goes on with the next request.
    pub fn start<H, Fut>(name: &'static str, capacity: usize, handler: H) -> Self
    where
        H: Fn(Req) -> Fut + Send + 'static,
        Fut: Future<Output = Resp> + Send + 'static,
    {
        let capacity = capacity.clamp(1, tokio::sync::Semaphore::MAX_PERMITS);
        let (requests, mut queue) = mpsc::channel::<Job<Req, Resp>>(capacity);
        crate::background::spawn_background(async move {
            while let Some((request, reply)) = queue.recv().await {
                let response = match catch_recorded(|| handler(request)) {
                    Ok(future) => catch_panic(future).await,
                    Err(panic) => Err(panic),
                };
                // The requester may have given up (dropped): fine.
                let _ = reply.send(response);
            }
        })
        .detach();
        Service {
            name,
            capacity,
            requests,
        }
    }

    /// Sends `request`, waiting for room in the queue, and resolves with
    /// the response. Fails with `cancelled` if the service stopped first
    /// (e.g. the background runtime shut down), `panic` with the panic's
    /// message if the handler panicked on this request.
    pub async fn request(&self, request: Req) -> Result<Resp, AsyncError> {
        let (reply, response) = oneshot::channel();
        self.requests
            .send((request, reply))
            .await
            .map_err(|_| self.stopped())?;
        answer(self.name, response.await)
    }

    /// Sends `request` if the queue has room, else fails at once with kind
    /// `failed` (`busy`); the returned future resolves with the response.
    pub fn try_request(
        &self,
        request: Req,
    ) -> Result<impl Future<Output = Result<Resp, AsyncError>>, AsyncError> {
        let (reply, response) = oneshot::channel();
        match self.requests.try_send((request, reply)) {
            Ok(()) => {
                let name = self.name;
                Ok(async move { answer(name, response.await) })
            }
            Err(mpsc::error::TrySendError::Full(_)) => Err(AsyncError::new(
                ErrorKind::Failed,
                self.name,
                format!("busy: the queue of {} requests is full", self.capacity),
            )
            .expected()),
            Err(mpsc::error::TrySendError::Closed(_)) => Err(self.stopped()),
        }
    }

    /// Requests waiting in the queue right now (not counting the one being
    /// handled).
    pub fn queued(&self) -> usize {
        self.capacity - self.requests.capacity()
    }

    fn stopped(&self) -> AsyncError {
        AsyncError::new(ErrorKind::Cancelled, self.name, "the service has stopped")
    }
}

/// What a request to service `name` resolves with: the response, the
/// handler's panic, or `cancelled` when the service stopped before
/// answering (the reply channel closed: the background runtime shut down).
fn answer<Resp>(
    name: &str,
    reply: Result<Result<Resp, String>, oneshot::error::RecvError>,
) -> Result<Resp, AsyncError> {
    match reply {
        Ok(Ok(response)) => Ok(response),
        Ok(Err(panic)) => Err(AsyncError::new(ErrorKind::Panic, name, panic)),
        Err(_) => Err(AsyncError::new(
            ErrorKind::Cancelled,
            name,
            "the service stopped before answering",
        )),
    }
}
