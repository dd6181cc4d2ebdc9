//! The 0.1 crate-root paths still compile for one release (deprecated,
//! hidden from the docs: `src/deprecated.rs`) and are the items at the new
//! paths: an existing user's code builds, with a warning naming the new
//! path, until the release that removes them.

#![allow(deprecated)]
// The test names each old path's type in place: long tuples of types.
#![allow(clippy::type_complexity)]

use std::time::Duration;

use gdnative::prelude::Variant;
use gdnative_tokio::executor::SharedLocalPool;

/// Runs the pool until `handle` is finished, at most 1000 pumps.
fn finish<T>(pool: &SharedLocalPool, handle: &gdnative_tokio::task::JoinHandle<T>) {
    for _ in 0..1000 {
        if handle.is_finished() {
            return;
        }
        pool.pump().unwrap();
        std::thread::sleep(Duration::from_millis(1));
    }
    panic!("the task never finished");
}

#[test]
fn the_old_functions_run_the_new_ones() {
    let pool: &gdnative_tokio::SharedLocalPool = SharedLocalPool::current();
    let handle: gdnative_tokio::JoinHandle<u64> = gdnative_tokio::spawn_local(async {
        gdnative_tokio::sleep(Duration::from_millis(2)).await;
        gdnative_tokio::next_frame().await;
        gdnative_tokio::frames(1).await
    });
    finish(pool, &handle);
    let named = gdnative_tokio::spawn_named("old path", async {
        let tasks: Vec<gdnative_tokio::TaskInfo> = gdnative_tokio::tasks();
        tasks.iter().any(|t| t.name == "old path")
    });
    finish(pool, &named);
    let work: gdnative_tokio::Background<i32> = gdnative_tokio::spawn_background(async { 6 * 7 });
    let blocking = gdnative_tokio::spawn_blocking(|| 7);
    let both = gdnative_tokio::spawn_local(async move { (work.await, blocking.await) });
    finish(pool, &both);
    assert!(gdnative_tokio::background_workers() >= 1);
    assert!(gdnative_tokio::default_background_workers() >= 1);
    assert_eq!(
        gdnative_tokio::SHUTDOWN_TIMEOUT,
        gdnative_tokio::background::SHUTDOWN_TIMEOUT
    );
    assert_eq!(
        gdnative_tokio::MAX_SECONDS,
        gdnative_tokio::script::MAX_SECONDS
    );
    let error = gdnative_tokio::AsyncError::new(gdnative_tokio::ErrorKind::Failed, "m", "x");
    assert!(error.is(gdnative_tokio::error::ErrorKind::Failed));
    let clock: &gdnative_tokio::GameClock = gdnative_tokio::GameClock::current();
    let _ = clock.now(gdnative_tokio::GameTime::Always);
    let sleep: gdnative_tokio::SleepGame =
        gdnative_tokio::sleep_game(Duration::ZERO, gdnative_tokio::GameTime::Pausable);
    drop(sleep);
    let caught: gdnative_tokio::CatchPanic<_> = gdnative_tokio::catch_panic(async {});
    drop(caught);
    gdnative_tokio::set_task_tracking(gdnative_tokio::task_tracking());
    // Godot-only functions: their old paths name the new functions.
    let _: fn(&Variant) -> gdnative_tokio::Awaiting = gdnative_tokio::wait;
    let _: fn(&str) -> Result<(), gdnative_tokio::AsyncError> = gdnative_tokio::check_main_thread;
    let _: fn(bool) = gdnative_tokio::set_print_all_errors;
    let _: fn(usize) -> Result<(), gdnative_tokio::AsyncError> =
        gdnative_tokio::set_background_workers;
    let _: fn() = gdnative_tokio::shutdown_background;
    let _ = gdnative_tokio::signal;
    let _ = gdnative_tokio::call::<gdnative::prelude::Node>;
    let _ = gdnative_tokio::spawn_owned::<gdnative::prelude::Node, std::future::Ready<()>>;
    let _ = gdnative_tokio::guard::<std::future::Ready<i32>>;
    let _ = gdnative_tokio::guard_result::<std::future::Ready<Result<i32, String>>, i32, String>;
    #[cfg(feature = "websocket")]
    let _: Option<gdnative_tokio::AsyncWebSocket> = None;
    let stats: Result<gdnative_tokio::PumpStats, _> = pool.pump();
    assert!(stats.is_ok());
    drop(pool.spawn_local(async {}));
    let (o, n): (
        Option<gdnative_tokio::Refusal>,
        Option<gdnative_tokio::script::Refusal>,
    ) = (None, None);
    assert_eq!(o, n);
    let _: Option<(
        gdnative_tokio::AsyncTask,
        gdnative_tokio::AsyncStream,
        gdnative_tokio::AsyncTcpStream,
        gdnative_tokio::AsyncTcpListener,
        gdnative_tokio::AsyncToolkit,
        gdnative_tokio::AsyncExecutorDriver,
        gdnative_tokio::MainThread,
        gdnative_tokio::Signal,
        gdnative_tokio::Progress,
        gdnative_tokio::TaskDone,
        gdnative_tokio::JoinError,
        gdnative_tokio::TaskState,
        gdnative_tokio::Args,
        gdnative_tokio::Step<i32>,
        gdnative_tokio::Service<i32, i32>,
    )> = None;
    let _: Option<(
        gdnative_tokio::ScriptAsyncFn<std::future::Ready<i32>>,
        gdnative_tokio::ScriptTaskFn<std::future::Ready<i32>>,
        gdnative_tokio::ScriptProgressFn<std::future::Ready<i32>>,
        gdnative_tokio::NextFrame<'static>,
    )> = None;
}
