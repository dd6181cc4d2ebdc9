//! `RustApi`: the crate's Rust API used the way a game crate uses it, from
//! plain and async methods: a stream fed faster than the game takes it, a
//! service whose handler panics, shutting the background runtime down
//! from code the pump runs, and `guard_result` over a full service queue
//! (the GDScript tests of issue 29 and the benchmark scene call them).

use std::future::Future;
use std::time::{Duration, Instant};

use gdnative::prelude::*;
use gdnative_tokio::{
    error::AsyncError, error::ErrorKind, io::AsyncStream, script::guard, script::guard_result,
    script::Args, script::AsyncTask,
};

use crate::demo::HashService;

#[derive(NativeClass)]
#[inherit(Reference)]
pub struct RustApi;

/// An `AsyncError` of kind `bad_arguments`, printed, as the value a method
/// returns.
fn refused(method: &str, message: &str) -> Variant {
    AsyncError::new(ErrorKind::BadArguments, method, message).report()
}

#[methods]
impl RustApi {
    fn new(_base: &Reference) -> Self {
        RustApi
    }

    /// `flood_stream(seconds: float, rate: int) -> AsyncStream`: a plain
    /// method returning `AsyncStream::from_receiver` of a bounded channel
    /// (1024) that an OS thread `blocking_send`s 0, 1, 2, ... into for
    /// `seconds`, as fast as it can (`rate` 0) or at about `rate` items per
    /// second; then the channel closes. A producer faster than the game.
    #[method]
    fn flood_stream(&self, seconds: Variant, rate: Variant) -> Variant {
        let args = Args::new(vec![seconds, rate]);
        let checked = args
            .seconds(0, "seconds")
            .and_then(|duration| Ok((duration, args.int_in(1, "rate", 0..=1_000_000_000)?)));
        let (duration, rate) = match checked {
            Ok(checked) => checked,
            Err(message) => return refused("flood_stream", &message),
        };
        let (tx, rx) = tokio::sync::mpsc::channel::<i64>(1024);
        std::thread::spawn(move || {
            let start = Instant::now();
            let mut sent = 0i64;
            while start.elapsed() < duration {
                if rate > 0 {
                    let due = start + Duration::from_secs_f64(sent as f64 / rate as f64);
                    let now = Instant::now();
                    if due > now + Duration::from_millis(1) {
                        std::thread::sleep(due - now);
                    }
                }
                if tx.blocking_send(sent).is_err() {
                    return;
                }
                sent += 1;
            }
        });
        AsyncStream::from_receiver(rx).owned_to_variant()
    }

    /// `picky_service() -> HashService`: a service answering each text
    /// with itself, whose handler panics on `"body"` (in its body) and on
    /// `"future"` (in the future it returns).
    #[method]
    fn picky_service(&self) -> Variant {
        let service =
            gdnative_tokio::background::Service::start("picky_service", 8, |text: String| {
                assert!(text != "body", "the handler refuses {text:?}");
                async move {
                    assert!(text != "future", "the handler's future refuses {text:?}");
                    text
                }
            });
        HashService::from_service(service)
    }

    /// `busy_request() -> AsyncError`: `guard_result` over
    /// `try_request(x)?.await` on a service whose queue is full: resolves
    /// with the `busy` error (kind `failed`), which is not printed.
    #[method(async)]
    fn busy_request(&self) -> impl Future<Output = Variant> + 'static {
        // The handler never answers: one request is handled forever and
        // one fills the queue of 1, so the third try at the latest is busy.
        let service = gdnative_tokio::background::Service::start("busy", 1, |()| {
            std::future::pending::<()>()
        });
        guard_result("busy_request", async move {
            let mut held = Vec::new();
            for _ in 0..2 {
                held.push(service.try_request(())?);
            }
            service.try_request(())?.await
        })
    }

    /// `blocking_job(seconds: float) -> AsyncTask`: `spawn_blocking` of a
    /// thread sleep of `seconds`, resolving with `"done"`.
    #[method]
    fn blocking_job(&self, seconds: Variant) -> Instance<AsyncTask> {
        match Args::new(vec![seconds]).seconds(0, "seconds") {
            Ok(duration) => AsyncTask::spawn_result("blocking_job", async move {
                gdnative_tokio::background::spawn_blocking(move || {
                    std::thread::sleep(duration);
                    "done"
                })
                .await
            }),
            Err(message) => AsyncTask::failed("blocking_job", ErrorKind::BadArguments, message),
        }
    }

    /// `shutdown_background()`: a plain method calling
    /// [`gdnative_tokio::background::shutdown_background`], from wherever the script
    /// calls it (e.g. a coroutine that a Rust future resumed).
    #[method]
    fn shutdown_background(&self) {
        gdnative_tokio::background::shutdown_background();
    }

    /// `shutdown_in_task() -> bool`: an async method whose future calls
    /// [`gdnative_tokio::background::shutdown_background`] (inside the pump), then runs
    /// a background job on a fresh runtime; resolves with whether it
    /// answered.
    #[method(async)]
    fn shutdown_in_task(&self) -> impl Future<Output = Variant> + 'static {
        guard("shutdown_in_task", async {
            gdnative_tokio::time::next_frame().await;
            gdnative_tokio::background::shutdown_background();
            gdnative_tokio::background::spawn_background(async { 42 }).await == Ok(42)
        })
    }
}
