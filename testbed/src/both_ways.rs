//! `BothWays`: Rust meeting GDScript both ways (issue 26), as a game crate
//! uses it: Rust awaiting a script's coroutine (`call`) or any awaitable
//! a script hands over (`wait`), tasks owned by a node (`spawn_owned`,
//! `AsyncTask::spawn_owned`), and other threads posting to the main thread
//! (`MainThread`). Used by `godot-project/tests/test_both_ways.gd`.

use std::cell::Cell;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use gdnative::api::Engine;
use gdnative::prelude::*;
use gdnative_tokio::{
    error::AsyncError, error::ErrorKind, executor::SharedLocalPool, script::AsyncTask,
    task::MainThread,
};

thread_local! {
    /// Probes dropped so far, and the idle frame of the last drop.
    static DROPS: Cell<i64> = const { Cell::new(0) };
    static DROP_FRAME: Cell<i64> = const { Cell::new(-1) };
    /// How the last `owned_loop`'s handle ended: "" while running.
    static OUTCOME: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

/// Counts its drop, with the frame it happened in.
struct DropProbe;

impl Drop for DropProbe {
    fn drop(&mut self) {
        DROPS.with(|d| d.set(d.get() + 1));
        DROP_FRAME.with(|f| f.set(Engine::godot_singleton().get_idle_frames()));
    }
}

/// A future that never ends, holding a probe.
fn endless() -> impl Future<Output = i64> + 'static {
    let probe = DropProbe;
    async move {
        let _probe = probe;
        std::future::pending::<()>().await;
        0
    }
}

/// The live object `value` holds, for the methods' object arguments.
fn object_of(value: &Variant) -> Option<TRef<'static, Object>> {
    let object = Option::<Ref<Object>>::from_variant(value).ok()??;
    // SAFETY: a script passed the object on the main thread; the sanity
    // check rejects freed ones, and the reference is used in this call.
    unsafe { object.assume_safe_if_sane() }
}

fn result_value(result: Result<Variant, AsyncError>) -> Variant {
    result.unwrap_or_else(AsyncError::into_value)
}

#[derive(NativeClass)]
#[inherit(Reference)]
pub struct BothWays;

#[methods]
impl BothWays {
    fn new(_base: &Reference) -> Self {
        BothWays
    }

    /// `await_call(object, method, args: Array)`: an async method that
    /// awaits `gdnative_tokio::script::call(object, method, args)`: the result, or
    /// the `AsyncError`.
    #[method(async)]
    fn await_call(
        &self,
        object: Variant,
        method: String,
        args: VariantArray,
    ) -> impl Future<Output = Variant> + 'static {
        let args: Vec<Variant> = args.iter().collect();
        let call = match object_of(&object) {
            Some(object) => gdnative_tokio::script::call(object, &method, &args),
            None => gdnative_tokio::script::wait(&Variant::nil()),
        };
        gdnative_tokio::script::guard("await_call", async move { result_value(call.await) })
    }

    /// `await_value(value)`: awaits `gdnative_tokio::script::wait(value)`.
    #[method(async)]
    fn await_value(&self, value: Variant) -> impl Future<Output = Variant> + 'static {
        let wait = gdnative_tokio::script::wait(&value);
        gdnative_tokio::script::guard("await_value", async move { result_value(wait.await) })
    }

    /// `owned_loop(node)`: a never-ending Rust task owned by `node`
    /// (`spawn_owned`), holding a drop probe; `outcome()` says how its
    /// handle ended.
    #[method]
    fn owned_loop(&self, node: Ref<Node>) {
        // SAFETY: a script passed the node on the main thread.
        let Some(node) = (unsafe { node.assume_safe_if_sane() }) else {
            AsyncError::new(ErrorKind::Freed, "owned_loop", "the node was freed").report();
            return;
        };
        OUTCOME.with(|o| o.borrow_mut().clear());
        let handle = gdnative_tokio::task::spawn_owned(node, endless());
        gdnative_tokio::task::spawn(async move {
            let outcome = match handle.await {
                Ok(_) => "finished".to_owned(),
                Err(e) if e.is_cancelled() => "cancelled".to_owned(),
                Err(e) => e.to_string(),
            };
            OUTCOME.with(|o| *o.borrow_mut() = outcome);
        });
    }

    /// `owned_quick(node) -> int`: a Rust task owned by `node` that ends
    /// after a frame (its watch must go with it); its handle's outcome in
    /// `outcome()`.
    #[method]
    fn owned_quick(&self, node: Ref<Node>) {
        // SAFETY: a script passed the node on the main thread.
        let Some(node) = (unsafe { node.assume_safe_if_sane() }) else {
            return;
        };
        OUTCOME.with(|o| o.borrow_mut().clear());
        let handle = gdnative_tokio::task::spawn_owned(node, gdnative_tokio::time::next_frame());
        gdnative_tokio::task::spawn(async move {
            let outcome = if handle.await.is_ok() {
                "finished"
            } else {
                "cancelled"
            };
            OUTCOME.with(|o| *o.borrow_mut() = outcome.to_owned());
        });
    }

    /// `owned_task(node) -> AsyncTask`: `AsyncTask::spawn_owned` of a
    /// never-ending future holding a drop probe.
    #[method]
    fn owned_task(&self, node: Ref<Node>) -> Variant {
        // SAFETY: a script passed the node on the main thread.
        match unsafe { node.assume_safe_if_sane() } {
            Some(node) => AsyncTask::spawn_owned("owned_task", node, endless()).owned_to_variant(),
            None => AsyncError::new(ErrorKind::Freed, "owned_task", "the node was freed").report(),
        }
    }

    /// `endless_task() -> AsyncTask`: a never-ending task holding a drop
    /// probe (to hand to `Async.owned`).
    #[method]
    fn endless_task(&self) -> Instance<AsyncTask> {
        AsyncTask::spawn("endless_task", endless())
    }

    /// `drops() -> int`, `drop_frame() -> int` (the idle frame of the last
    /// drop), `outcome() -> String`.
    #[method]
    fn drops(&self) -> i64 {
        DROPS.with(Cell::get)
    }

    #[method]
    fn drop_frame(&self) -> i64 {
        DROP_FRAME.with(Cell::get)
    }

    #[method]
    fn outcome(&self) -> String {
        OUTCOME.with(|o| o.borrow().clone())
    }

    /// `post_burst(n) -> AsyncTask`: an OS thread posts `n` closures
    /// through a `MainThread` handle (joined before this returns, so all
    /// are posted); the task resolves, once all ran (or 10 frames passed),
    /// with `{"count", "in_order", "on_main", "frames", "ms"}`: `frames` =
    /// pumps from the end of posting to the last closure, `ms` the time.
    #[method]
    fn post_burst(&self, n: i64) -> Instance<AsyncTask> {
        let n = usize::try_from(n).unwrap_or(0);
        let handle = MainThread::current();
        let main = std::thread::current().id();
        // (count, in order, all on main, pump and time of the last one)
        let log = Arc::new(Mutex::new((0usize, true, true, 0u64, None::<Instant>)));
        let shared = Arc::clone(&log);
        let poster = std::thread::spawn(move || {
            for i in 0..n {
                let log = Arc::clone(&shared);
                let posted = handle.run(move || {
                    let mut log = log.lock().unwrap_or_else(|e| e.into_inner());
                    log.1 &= log.0 == i;
                    log.2 &= std::thread::current().id() == main;
                    log.0 += 1;
                    log.3 = SharedLocalPool::current().pumps();
                    log.4 = Some(Instant::now());
                });
                if posted.is_err() {
                    return;
                }
            }
        });
        let joined = poster.join().is_ok();
        let (posted_pump, posted_at) = (SharedLocalPool::current().pumps(), Instant::now());
        AsyncTask::spawn("post_burst", async move {
            for _ in 0..10 {
                if log.lock().map_or(true, |l| l.0 >= n) {
                    break;
                }
                gdnative_tokio::time::next_frame().await;
            }
            let log = log.lock().unwrap_or_else(|e| e.into_inner());
            let result = Dictionary::new();
            result.insert("count", log.0 as i64);
            result.insert("in_order", joined && log.1);
            result.insert("on_main", log.2);
            result.insert("frames", log.3.saturating_sub(posted_pump) as i64);
            let ms = log
                .4
                .map_or(-1.0, |t| t.duration_since(posted_at).as_secs_f64() * 1000.0);
            result.insert("ms", ms);
            result.into_shared()
        })
    }

    /// `emit_from_thread(id, signal, value) -> bool`: an OS thread emits
    /// `signal(value)` on the object with instance id `id` through a
    /// `MainThread` handle; false if the post failed.
    #[method]
    fn emit_from_thread(&self, id: i64, signal: String, value: i64) -> bool {
        let handle = MainThread::current();
        std::thread::spawn(move || {
            handle
                .emit_signal(id, &signal, move || vec![value.to_variant()])
                .is_ok()
        })
        .join()
        .unwrap_or(false)
    }

    /// `post_panic_then_count() -> bool`: an OS thread posts a closure
    /// that panics, then one that adds 1 to `drops()`'s counter.
    #[method]
    fn post_panic_then_count(&self) -> bool {
        let handle = MainThread::current();
        std::thread::spawn(move || {
            handle.run(|| panic!("posted panic")).is_ok()
                && handle.run(|| DROPS.with(|d| d.set(d.get() + 1))).is_ok()
        })
        .join()
        .unwrap_or(false)
    }
}
