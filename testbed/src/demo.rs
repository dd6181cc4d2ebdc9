//! `AsyncDemo`: example async methods a game script would call.
//!
//! ```gdscript
//! var demo = preload("res://testbed/async_demo.gdns").new()
//! var waited = yield(demo.delay(0.25), "completed")        # float seconds
//! var total = yield(demo.sum_in_steps(100000, 1000), "completed")
//! var args = yield(demo.wait_signal(some_node, "my_signal"), "completed")
//! ```

use std::cell::Cell;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use gdnative::prelude::*;
use gdnative::tasks::Context;

use gdnative_tokio::{
    error::AsyncError, io::AsyncStream, script::guard, script::guard_result,
    script::script_methods, script::Args, script::AsyncTask, script::Refusal,
};

/// Example async methods, exported to GDScript. Each resolves with its
/// result, or with an [`AsyncError`](gdnative_tokio::error::AsyncError) on bad arguments or
/// a panic.
#[derive(NativeClass)]
#[inherit(Reference)]
#[register_with(register)]
pub struct AsyncDemo;

fn register(builder: &ClassBuilder<AsyncDemo>) {
    script_methods!(builder, ScriptAsyncFn; delay, ready, sum_in_steps, wait_signal, fan_out, spin,
        background_spin, panic_after, soak_wave);
    script_methods!(builder, ScriptTaskFn; delay_task);
}

/// Most tasks one `soak_wave` accepts.
const MAX_SOAK_WAVE: i64 = 1_000_000;

/// `soak_wave(n: int) -> Dictionary`: spawns `n` Rust tasks (some
/// panicking, some cancelled, some timing out; see
/// [`soak::wave`](crate::soak::wave)), awaits them all and resolves with
/// `{completed, panicked, cancelled, timed_out}`.
fn soak_wave(_ctx: Arc<Context>, args: Args) -> Result<impl Future<Output = Dictionary>, Refusal> {
    args.expect_count(1, 1)?;
    let n = args.int_in(0, "n", 0..=MAX_SOAK_WAVE)? as usize;
    Ok(async move {
        let counts = crate::soak::wave(n).await;
        let dict = Dictionary::new();
        dict.insert("completed", counts.completed);
        dict.insert("panicked", counts.panicked);
        dict.insert("cancelled", counts.cancelled);
        dict.insert("timed_out", counts.timed_out);
        dict.into_shared()
    })
}

/// `delay(seconds: float) -> float`: waits on a Tokio timer and resolves
/// with the seconds actually waited.
fn delay(_ctx: Arc<Context>, args: Args) -> Result<impl Future<Output = f64>, Refusal> {
    args.expect_count(1, 1)?;
    let duration = args.seconds(0, "seconds")?;
    Ok(async move {
        let start = Instant::now();
        tokio::time::sleep(duration).await;
        start.elapsed().as_secs_f64()
    })
}

/// `ready(value) -> value`: resolves with its argument in the next pump.
fn ready(_ctx: Arc<Context>, args: Args) -> Result<impl Future<Output = Variant>, Refusal> {
    args.expect_count(1, 1)?;
    let value = args.raw(0, "value")?.clone();
    Ok(std::future::ready(value))
}

/// `sum_in_steps(n: int, per_frame: int) -> int`: sums `1..=n`, yielding to
/// the game after every `per_frame` numbers, so a long computation spreads
/// over frames instead of stalling one.
fn sum_in_steps(_ctx: Arc<Context>, args: Args) -> Result<impl Future<Output = i64>, Refusal> {
    args.expect_count(2, 2)?;
    let n = args.int_in(0, "n", 0..=1_000_000_000)?;
    let per_frame = args.int_in(1, "per_frame", 1..=i64::MAX)?;
    Ok(async move {
        let mut sum = 0i64;
        for i in 1..=n {
            sum = sum.wrapping_add(i);
            if i % per_frame == 0 {
                gdnative_tokio::time::next_frame().await;
            }
        }
        sum
    })
}

/// `wait_signal(object: Object, signal: String) -> Array`: resolves with the
/// arguments of the next emission of `signal` on `object`, or an
/// `AsyncError` of kind `freed` if the object is freed first.
///
/// Uses the crate's own [`signal`](gdnative_tokio::script::signal) wait, not gdnative-async's
/// `Context::signal`: that one keeps a pool of bridge objects until the
/// library is unloaded, when Godot frees them without running their
/// destructors (valgrind reports their Rust data as definitely lost).
fn wait_signal(_ctx: Arc<Context>, args: Args) -> Result<impl Future<Output = Variant>, Refusal> {
    args.expect_count(2, 2)?;
    let object: Ref<Object> = args.get(0, "object")?;
    let signal: String = args.get(1, "signal")?;
    // SAFETY: the object came from a script call on this thread; the sanity
    // check rejects freed objects, and the reference is only used here.
    let object = unsafe { object.assume_safe_if_sane() }
        .ok_or_else(|| Args::invalid(0, "object", "the object was freed"))?;
    if !object.has_signal(signal.as_str()) {
        let detail = format_args!("{} has no signal `{signal}`", object.get_class());
        return Err(Args::invalid(1, "signal", detail).into());
    }
    let wait = gdnative_tokio::script::signal(object, &signal).map_err(|e| e.message)?;
    Ok(async move {
        match wait.await {
            Ok(values) => values.to_variant(),
            Err(error) => {
                let error = AsyncError::new(error.kind, "wait_signal", error.message);
                error.report()
            }
        }
    })
}

/// Most tasks `fan_out` accepts.
const MAX_FAN_OUT: i64 = 1_000_000;

/// `fan_out(n: int, join_set: bool = false) -> int`: see
/// [`AsyncDemo::fan_out_join`]; resolves with `0 + 1 + ... + (n - 1)`.
fn fan_out(_ctx: Arc<Context>, args: Args) -> Result<impl Future<Output = i64>, Refusal> {
    args.expect_count(1, 2)?;
    let n: i64 = args.get(0, "n")?;
    let join_set: bool = if args.len() > 1 {
        args.get(1, "join_set")?
    } else {
        false
    };
    let n = usize::try_from(n)
        .ok()
        .filter(|n| *n as i64 <= MAX_FAN_OUT)
        .ok_or_else(|| {
            Args::invalid(
                0,
                "n",
                format_args!("must be in 0..={MAX_FAN_OUT}, got {n}"),
            )
        })?;
    Ok(AsyncDemo::fan_out_join(n, join_set))
}

/// `spin(seconds: float) -> int`: a task that is always ready (it wakes
/// itself on every poll) for `seconds`, then resolves with its poll count.
/// Shows that such a task does not hold the frame.
fn spin(_ctx: Arc<Context>, args: Args) -> Result<impl Future<Output = i64>, Refusal> {
    args.expect_count(1, 1)?;
    let until = Instant::now() + args.seconds(0, "seconds")?;
    let mut polls = 0i64;
    Ok(std::future::poll_fn(move |cx| {
        polls += 1;
        if Instant::now() >= until {
            return std::task::Poll::Ready(polls);
        }
        cx.waker().wake_by_ref();
        std::task::Poll::Pending
    }))
}

/// `background_spin(seconds: float) -> int`: burns a core for `seconds` on
/// the background runtime's blocking threads (via
/// [`spawn_blocking`](gdnative_tokio::background::spawn_blocking)) and resolves with the number
/// of loop rounds, while the game's frames keep coming.
fn background_spin(
    _ctx: Arc<Context>,
    args: Args,
) -> Result<impl Future<Output = Variant>, Refusal> {
    args.expect_count(1, 1)?;
    let duration = args.seconds(0, "seconds")?;
    Ok(async move {
        let work = gdnative_tokio::background::spawn_blocking(move || {
            let start = Instant::now();
            let mut rounds = 0i64;
            while start.elapsed() < duration {
                rounds = std::hint::black_box(rounds + 1);
            }
            rounds
        });
        match work.await {
            Ok(rounds) => rounds.to_variant(),
            Err(error) => error.in_method("background_spin").report(),
        }
    })
}

/// The example service's handle as a Godot object (from
/// `AsyncDemo.hash_service`): `request(text)` waits for room in the queue,
/// `try_request(text)` fails at once with a `busy` error when it is full;
/// both return an [`AsyncTask`] resolving with the hash (a hex String).
#[derive(NativeClass)]
#[inherit(Reference)]
#[no_constructor]
pub struct HashService {
    service: gdnative_tokio::background::Service<String, String>,
}

#[methods]
impl HashService {
    /// `request(text: String) -> AsyncTask`. A `text` that is not a String
    /// gives a task that resolves with `bad_arguments` (still awaitable).
    #[method]
    fn request(&self, text: Variant) -> Instance<AsyncTask> {
        let text = match request_text("request", text) {
            Ok(text) => text,
            Err(refused) => return refused,
        };
        let service = self.service.clone();
        AsyncTask::spawn_result("request", async move { service.request(text).await })
    }

    /// `try_request(text: String) -> AsyncTask`: resolves with kind
    /// `failed` ("busy") at once when the queue is full.
    #[method]
    fn try_request(&self, text: Variant) -> Instance<AsyncTask> {
        let text = match request_text("try_request", text) {
            Ok(text) => text,
            Err(refused) => return refused,
        };
        match self.service.try_request(text) {
            Ok(response) => AsyncTask::spawn_result("try_request", response),
            Err(busy) => AsyncTask::resolved("try_request", busy.in_method("try_request").report()),
        }
    }

    /// `queued() -> int`: requests waiting (not counting the one handled).
    #[method]
    fn queued(&self) -> i64 {
        self.service.queued() as i64
    }
}

impl HashService {
    /// `service` as the Godot object scripts call.
    pub(crate) fn from_service(
        service: gdnative_tokio::background::Service<String, String>,
    ) -> Variant {
        HashService { service }.emplace().owned_to_variant()
    }
}

/// A request's `text` argument, or the already-resolved task a script gets
/// for anything but a String.
fn request_text(method: &'static str, text: Variant) -> Result<String, Instance<AsyncTask>> {
    Args::new(vec![text])
        .get::<String>(0, "text")
        .map_err(|message| {
            AsyncTask::failed(
                method,
                gdnative_tokio::error::ErrorKind::BadArguments,
                message,
            )
        })
}

static JOBS_DROPPED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Counts a `background_job` future dropped before it finished.
struct JobProbe {
    finished: bool,
}

impl Drop for JobProbe {
    fn drop(&mut self) {
        if !self.finished {
            JOBS_DROPPED.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    }
}

fn bad_arguments(method: &str, message: &str) -> Variant {
    AsyncError::new(
        gdnative_tokio::error::ErrorKind::BadArguments,
        method,
        message,
    )
    .report()
}

/// A step of `hash_job`: progress, then the checksum.
enum HashProgress {
    Step(f64),
    Done(u64),
}

impl ToVariant for HashProgress {
    fn to_variant(&self) -> Variant {
        match self {
            HashProgress::Step(done) => done.to_variant(),
            HashProgress::Done(hash) => format!("{hash:016x}").to_variant(),
        }
    }
}

/// The blocking body of `hash_job`: [`hash_reporting`] into a channel;
/// stops when the receiver is gone.
fn hash_chunks(megabytes: usize, tx: &tokio::sync::mpsc::Sender<HashProgress>) {
    if let Some(hash) = hash_reporting(megabytes, |done| {
        tx.blocking_send(HashProgress::Step(done)).is_ok()
    }) {
        let _ = tx.blocking_send(HashProgress::Done(hash));
    }
}

/// FNV-1a over `megabytes` MiB of xorshift data, in 64 chunks, calling
/// `report` with the fraction done after each; `None` when `report`
/// returned false (stop).
fn hash_reporting(megabytes: usize, mut report: impl FnMut(f64) -> bool) -> Option<u64> {
    const CHUNKS: usize = 64;
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut hash = 0xcbf2_9ce4_8422_2325u64;
    let per_chunk = megabytes * (1 << 20) / CHUNKS;
    for chunk in 0..CHUNKS {
        for _ in 0..per_chunk {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            hash = (hash ^ (state & 0xff)).wrapping_mul(0x0100_0000_01b3);
        }
        if !report((chunk + 1) as f64 / CHUNKS as f64) {
            return None;
        }
    }
    Some(hash)
}

/// `panic_after(seconds: float, message: String)`: panics after the delay.
/// Demonstrates that a panicking future still resumes its `yield` (with an
/// `AsyncError` of kind `panic`) and leaves the game running.
fn panic_after(_ctx: Arc<Context>, args: Args) -> Result<impl Future<Output = Variant>, Refusal> {
    args.expect_count(2, 2)?;
    let duration = args.seconds(0, "seconds")?;
    let message: String = args.get(1, "message")?;
    Ok(async move {
        tokio::time::sleep(duration).await;
        panic!("{message}");
        #[allow(unreachable_code)]
        Variant::nil()
    })
}

/// Tells a blocking job to stop when its task is dropped (cancelled).
struct StopOnDrop(std::sync::Arc<std::sync::atomic::AtomicBool>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

thread_local! {
    static DROPPED_EARLY: Cell<i64> = const { Cell::new(0) };
}

/// Counts, when dropped, futures that did not run to completion.
struct DropProbe {
    finished: bool,
}

impl Drop for DropProbe {
    fn drop(&mut self) {
        if !self.finished {
            DROPPED_EARLY.with(|n| n.set(n.get() + 1));
        }
    }
}

/// `delay_task(seconds: float) -> AsyncTask`: like `delay`, but returns a
/// cancellable [`AsyncTask`](gdnative_tokio::script::AsyncTask) handle (the pattern for
/// your own cancellable methods, see [`ScriptTaskFn`]). Its future counts
/// itself in `dropped_early()` when it is dropped before it finished
/// (cancelled, timed out), so scripts can observe that the Rust future is
/// really gone.
fn delay_task(args: Args) -> Result<impl Future<Output = f64>, Refusal> {
    args.expect_count(1, 1)?;
    let duration = args.seconds(0, "seconds")?;
    Ok(async move {
        let mut probe = DropProbe { finished: false };
        let start = Instant::now();
        gdnative_tokio::time::sleep(duration).await;
        probe.finished = true;
        start.elapsed().as_secs_f64()
    })
}

impl AsyncDemo {
    /// Fan-out/join, the load test of the pump: spawns `n` tasks with
    /// `tokio::task::spawn_local` (or into a `tokio::task::JoinSet`), each
    /// waking itself once and returning its index, then awaits them all and
    /// returns the sum of the indices. Must run on the pool (in a task).
    pub async fn fan_out_join(n: usize, join_set: bool) -> i64 {
        async fn task(i: usize) -> i64 {
            tokio::task::yield_now().await;
            i as i64
        }
        let mut sum = 0i64;
        if join_set {
            let mut set = tokio::task::JoinSet::new();
            for i in 0..n {
                set.spawn_local(task(i));
            }
            while let Some(result) = set.join_next().await {
                sum += result.unwrap_or(0);
            }
        } else {
            let handles: Vec<_> = (0..n).map(|i| tokio::task::spawn_local(task(i))).collect();
            for handle in handles {
                sum += handle.await.unwrap_or(0);
            }
        }
        sum
    }
}

thread_local! {
    /// The task `runtime_spawn` started last.
    static RUNTIME_TASK: std::cell::RefCell<Option<tokio::task::JoinHandle<i64>>> =
        const { std::cell::RefCell::new(None) };
}

#[methods]
impl AsyncDemo {
    fn new(_base: &Reference) -> Self {
        AsyncDemo
    }

    /// `greet(name: String) -> String`, written with gdnative's
    /// `#[method(async)]` and [`guard`]: the pattern for your own methods.
    /// `countdown(n: int) -> AsyncTask`: counts down one frame per step
    /// and resolves with `"liftoff"`; a negative `n` is an `Err` from Rust,
    /// which resolves the task with an `AsyncError` of kind `failed`.
    /// Written with [`AsyncTask::spawn_result`]:
    /// the pattern for a plain `#[method]` returning a cancellable task.
    #[method]
    fn countdown(&self, n: i64) -> Variant {
        if let Err(error) = gdnative_tokio::script::check_main_thread("countdown") {
            return error.into_value();
        }
        AsyncTask::spawn_result("countdown", async move {
            if n < 0 {
                return Err(format!("cannot count down from {n}"));
            }
            gdnative_tokio::time::frames(n.unsigned_abs()).await;
            Ok("liftoff")
        })
        .owned_to_variant()
    }

    /// `resident_kib() -> int`: this process's resident memory in KiB
    /// (`VmRSS`) after returning freed heap memory to the OS (see
    /// [`soak::trim_heap`](crate::soak::trim_heap)), or -1 where it cannot
    /// be read.
    #[method]
    fn resident_kib(&self) -> i64 {
        crate::soak::trim_heap();
        crate::soak::resident_kib()
            .and_then(|kib| i64::try_from(kib).ok())
            .unwrap_or(-1)
    }

    /// `thread_cpu_usec() -> int`: the CPU time the calling thread (the
    /// main thread, from a script) has used, in microseconds (the first
    /// field of `/proc/thread-self/schedstat`), or -1 where it cannot be
    /// read. Benchmarks take differences of it: main-thread time spent,
    /// sleeps not counted.
    #[method]
    fn thread_cpu_usec(&self) -> i64 {
        crate::soak::thread_cpu_nsec()
            .and_then(|ns| i64::try_from(ns / 1000).ok())
            .unwrap_or(-1)
    }

    /// `dropped_early() -> int`: how many `delay_task` futures were
    /// dropped before they finished.
    #[method]
    fn dropped_early(&self) -> i64 {
        DROPPED_EARLY.with(Cell::get)
    }

    /// `labelled(label: String, seconds: float)`: starts a Rust task that
    /// sleeps `seconds` (0 to a day; anything else: 0), listed in the live
    /// task view as `label` (`gdnative_tokio::task::spawn_named`). Returns
    /// nothing: the task view's example.
    #[method]
    fn labelled(&self, label: String, seconds: f64) {
        let duration = Duration::try_from_secs_f64(seconds.min(86_400.0)).unwrap_or_default();
        drop(gdnative_tokio::task::spawn_named(
            label,
            gdnative_tokio::time::sleep(duration),
        ));
    }

    /// `ticker(count: int, interval: float) -> AsyncStream`: emits `item(i)`
    /// for i in 0..count, one every `interval` seconds, then `finished`.
    #[method]
    fn ticker(&self, count: Variant, interval: Variant) -> Variant {
        let args = Args::new(vec![count, interval]);
        let checked = args
            .int_in(0, "count", 0..=1_000_000)
            .and_then(|count| Ok((count, args.seconds(1, "interval")?)));
        let (count, interval) = match checked {
            Ok(checked) => checked,
            Err(message) => return bad_arguments("ticker", &message),
        };
        let ticks = futures::stream::unfold(0, move |i| async move {
            if i >= count {
                return None;
            }
            gdnative_tokio::time::sleep(interval).await;
            Some((i, i + 1))
        });
        AsyncStream::spawn(ticks).owned_to_variant()
    }

    /// `hash_job(megabytes: int) -> AsyncStream`: hashes `megabytes` MiB of
    /// generated data on a background thread, emitting its progress (floats
    /// up to 1.0) and finally the checksum (a hex String). Closing the
    /// stream stops the job. The demo's progress bar.
    #[method]
    fn hash_job(&self, megabytes: Variant) -> Variant {
        let megabytes = match Args::new(vec![megabytes]).int_in(0, "megabytes", 1..=4096) {
            Ok(megabytes) => megabytes,
            Err(message) => return bad_arguments("hash_job", &message),
        };
        let (tx, rx) = tokio::sync::mpsc::channel(8);
        drop(gdnative_tokio::background::spawn_blocking(move || {
            hash_chunks(megabytes as usize, &tx)
        }));
        AsyncStream::from_receiver(rx).owned_to_variant()
    }

    /// `hash_task(megabytes: int) -> AsyncTask`: `hash_job` as one task: its
    /// `progress(value)` signal reports the fraction done (from the
    /// blocking worker, through a `Progress` handle), `completed` gives the
    /// checksum (a hex String). Cancelling it stops the job at its next
    /// chunk. The demo's progress bar.
    #[method]
    fn hash_task(&self, megabytes: Variant) -> Variant {
        let megabytes = match Args::new(vec![megabytes]).int_in(0, "megabytes", 1..=4096) {
            Ok(megabytes) => megabytes as usize,
            Err(message) => return bad_arguments("hash_task", &message),
        };
        AsyncTask::spawn_with_progress("hash_task", move |progress| async move {
            let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
            let _stop_on_drop = StopOnDrop(stop.clone());
            let hash = gdnative_tokio::background::spawn_blocking(move || {
                hash_reporting(megabytes, |done| {
                    progress.set(done);
                    !stop.load(std::sync::atomic::Ordering::Relaxed)
                })
            })
            .await;
            match hash {
                Ok(Some(hash)) => format!("{hash:016x}").to_variant(),
                Ok(None) => Variant::nil(),
                Err(error) => error.report(),
            }
        })
        .owned_to_variant()
    }

    /// `channel_stream(kind: String, n: int) -> AsyncStream`: a Tokio
    /// `"broadcast"` (capacity 4) or `"watch"` channel as a stream; `n`
    /// values 0..n are sent at once, then the sender is dropped. Shows lag
    /// (`lagged` signal) and watch's latest-value semantics.
    #[method]
    fn channel_stream(&self, kind: String, n: i64) -> Variant {
        let n = n.clamp(0, 1_000_000);
        match kind.as_str() {
            "broadcast" => {
                let (tx, rx) = tokio::sync::broadcast::channel(4);
                let stream = AsyncStream::from_broadcast(rx);
                (0..n).for_each(|i| {
                    let _ = tx.send(i);
                });
                stream.owned_to_variant()
            }
            "watch" => {
                let (tx, rx) = tokio::sync::watch::channel(0);
                let stream = AsyncStream::from_watch(rx);
                (0..n).for_each(|i| {
                    let _ = tx.send(i);
                });
                stream.owned_to_variant()
            }
            _ => bad_arguments(
                "channel_stream",
                &Args::invalid(0, "kind", "expected \"broadcast\" or \"watch\""),
            ),
        }
    }

    /// `background_job(seconds: float, outcome: String) -> AsyncTask`: a
    /// future on the background runtime that sleeps `seconds`, then
    /// returns `"done"` (`outcome` "ok"), fails with a Rust error ("fail")
    /// or panics ("panic"). Cancelling the task cancels the background
    /// future; `background_jobs_dropped()` counts those dropped unfinished.
    #[method]
    fn background_job(&self, seconds: Variant, outcome: String) -> Instance<AsyncTask> {
        let duration = match Args::new(vec![seconds]).seconds(0, "seconds") {
            Ok(duration) => duration,
            Err(message) => {
                return AsyncTask::failed(
                    "background_job",
                    gdnative_tokio::error::ErrorKind::BadArguments,
                    message,
                )
            }
        };
        AsyncTask::spawn_result("background_job", async move {
            let job = gdnative_tokio::background::spawn_background(async move {
                let mut probe = JobProbe { finished: false };
                tokio::time::sleep(duration).await;
                probe.finished = true;
                match outcome.as_str() {
                    "ok" => Ok("done"),
                    "panic" => panic!("background job panicked on purpose"),
                    other => Err(format!("background job failed on purpose ({other})")),
                }
            });
            match job.await? {
                Ok(value) => Ok(value),
                Err(message) => Err(AsyncError::new(
                    gdnative_tokio::error::ErrorKind::Failed,
                    "background_job",
                    message,
                )),
            }
        })
    }

    /// `background_worker_threads() -> AsyncTask`: resolves with the
    /// number of worker threads the running background runtime really has,
    /// as Tokio counts them from inside it (starts the runtime if needed).
    #[method]
    fn background_worker_threads(&self) -> Instance<AsyncTask> {
        AsyncTask::spawn_result("background_worker_threads", async {
            let workers = gdnative_tokio::background::spawn_background(async {
                tokio::runtime::Handle::current().metrics().num_workers()
            });
            workers.await.map(|n| n as i64)
        })
    }

    /// `background_jobs_dropped() -> int`: background futures of
    /// `background_job` dropped before they finished (cancelled).
    #[method]
    fn background_jobs_dropped(&self) -> i64 {
        JOBS_DROPPED.load(std::sync::atomic::Ordering::SeqCst) as i64
    }

    /// `hash_service(capacity: int, delay: float) -> HashService`: starts the
    /// example request/response service (see [`Service`](gdnative_tokio::background::Service)):
    /// it hashes each request's text on the background runtime, taking
    /// `delay` seconds per request, with a queue of `capacity`.
    #[method]
    fn hash_service(&self, capacity: Variant, delay: Variant) -> Variant {
        let args = Args::new(vec![capacity, delay]);
        let checked = args
            .int_in(0, "capacity", 1..=1_000_000)
            .and_then(|capacity| Ok((capacity as usize, args.seconds(1, "delay")?)));
        let (capacity, delay) = match checked {
            Ok(checked) => checked,
            Err(message) => return bad_arguments("hash_service", &message),
        };
        let service = gdnative_tokio::background::Service::start(
            "hash_service",
            capacity,
            move |text: String| async move {
                tokio::time::sleep(delay).await;
                let hash = text.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
                    (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
                });
                format!("{hash:016x}")
            },
        );
        HashService::from_service(service)
    }

    /// `parse_int(text: String) -> int`, written with [`guard_result`]: an
    /// `Err` from Rust resolves with an `AsyncError` of kind `failed`
    /// carrying the error's message; no other error handling code.
    #[method(async)]
    fn parse_int(&self, text: String) -> impl Future<Output = Variant> + 'static {
        guard_result("parse_int", async move {
            gdnative_tokio::time::next_frame().await;
            text.trim().parse::<i64>()
        })
    }

    /// `runtime_spawn(value: int) -> bool`: a plain (not async) method that
    /// calls `tokio::spawn` with a task sleeping 1 ms and returning `value`,
    /// as game code may do from `_ready`: this works on the main thread once
    /// the crate is registered. The handle waits for
    /// [`runtime_result`](Self::runtime_result). `false` (and nothing
    /// spawned) on a thread outside any Tokio runtime's context.
    #[method]
    fn runtime_spawn(&self, value: i64) -> bool {
        if tokio::runtime::Handle::try_current().is_err() {
            return false;
        }
        let handle = tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
            value
        });
        RUNTIME_TASK.with(|slot| slot.borrow_mut().replace(handle));
        true
    }

    /// `runtime_result() -> int`: the value of the task the last
    /// `runtime_spawn` started; an `AsyncError` if there is none.
    #[method(async)]
    fn runtime_result(&self) -> impl Future<Output = Variant> + 'static {
        let handle = RUNTIME_TASK.with(|slot| slot.borrow_mut().take());
        guard_result("runtime_result", async move {
            match handle {
                Some(handle) => handle.await.map_err(|e| e.to_string()),
                None => Err("no runtime_spawn call to wait for".to_owned()),
            }
        })
    }

    /// `spinners_beside_wakes(spinners: int, waiters: int) -> int`: the
    /// freeze of issue 23. Spawns, with `tokio::task::spawn_local`,
    /// `spinners` tasks that loop on a hand-written yield (wake their own
    /// waker, return `Pending`) and `waiters` tasks awaiting oneshots that
    /// an OS thread completes; resolves with the number of waiters that got
    /// their value once all did (the spinners then stop).
    #[method(async)]
    fn spinners_beside_wakes(
        &self,
        spinners: i64,
        waiters: i64,
    ) -> impl Future<Output = Variant> + 'static {
        guard("spinners_beside_wakes", async move {
            let stop = std::rc::Rc::new(Cell::new(false));
            for _ in 0..spinners {
                let stop = std::rc::Rc::clone(&stop);
                drop(tokio::task::spawn_local(async move {
                    while !stop.get() {
                        let mut yielded = false;
                        std::future::poll_fn(|cx| {
                            if yielded {
                                return std::task::Poll::Ready(());
                            }
                            yielded = true;
                            cx.waker().wake_by_ref();
                            std::task::Poll::Pending
                        })
                        .await;
                    }
                }));
            }
            let (senders, handles): (Vec<_>, Vec<_>) = (0..waiters)
                .map(|_| {
                    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
                    (
                        tx,
                        tokio::task::spawn_local(async move { rx.await.is_ok() }),
                    )
                })
                .unzip();
            std::thread::spawn(move || {
                senders.into_iter().for_each(|tx| {
                    let _ = tx.send(());
                })
            });
            let mut done = 0i64;
            for handle in handles {
                done += i64::from(handle.await.unwrap_or(false));
            }
            stop.set(true);
            done
        })
    }

    /// `block_on_own_runtime(ms: int) -> bool`: what synchronous wrappers
    /// of async libraries do: builds a current-thread runtime, blocks on a
    /// sleep of `ms` on it, and drops it. Works from any code on the main
    /// thread, a coroutine resumed by the pump included.
    #[method]
    fn block_on_own_runtime(&self, ms: i64) -> bool {
        let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
        else {
            return false;
        };
        let millis = u64::try_from(ms).unwrap_or(0);
        // The sleep is made inside `block_on`, so on this runtime's timer
        // (made outside, it would take the main thread's runtime).
        runtime.block_on(async { tokio::time::sleep(Duration::from_millis(millis)).await });
        true
    }

    #[method(async)]
    fn greet(&self, name: String) -> impl Future<Output = Variant> + 'static {
        guard("greet", async move {
            tokio::task::yield_now().await;
            format!("hello, {name}")
        })
    }
}
