//! Configuring and stopping the process-wide background runtime: one test,
//! in its own binary, because it starts and stops that runtime.

use std::time::{Duration, Instant};

mod pumping;
use pumping::join;

use gdnative_tokio::{
    background::background_workers, background::set_background_workers,
    background::shutdown_background, background::spawn_background, background::spawn_blocking,
    background::SHUTDOWN_TIMEOUT, error::ErrorKind, executor::SharedLocalPool,
};

#[test]
fn worker_count_is_set_before_start_and_shutdown_is_bounded() {
    let error = set_background_workers(0).expect_err("0 workers");
    assert!(error.is(ErrorKind::BadArguments), "{error}");
    set_background_workers(3).expect("before start");
    assert_eq!(background_workers(), 3);

    let pool = SharedLocalPool::new().expect("runtime");
    let names = std::sync::Arc::new(std::sync::Mutex::new(std::collections::HashSet::new()));
    let (n, stop) = (
        std::sync::Arc::clone(&names),
        spawn_background(async {
            std::future::pending::<()>().await;
        }),
    );
    // Counted by the task once each job's result is in: a job that has
    // recorded its thread may not have delivered its result yet, and a
    // shutdown in between cancels it.
    let ran = std::rc::Rc::new(std::cell::Cell::new(0));
    let counted = std::rc::Rc::clone(&ran);
    let finished = pool.spawn(async move {
        for _ in 0..30 {
            let n = std::sync::Arc::clone(&n);
            spawn_background(async move {
                tokio::time::sleep(Duration::from_millis(2)).await;
                let name = std::thread::current().name().map(str::to_owned);
                n.lock().expect("lock").insert(name);
            })
            .await
            .expect("ran");
            counted.set(counted.get() + 1);
        }
        stop.await
    });
    let error = set_background_workers(2).expect_err("already running");
    assert!(
        error.to_string().contains("already running with 3 workers"),
        "{error}"
    );

    // Quitting with a future pending and blocking work running: bounded.
    let blocking = spawn_blocking(|| std::thread::sleep(Duration::from_secs(5)));
    let start = Instant::now();
    while ran.get() < 30 {
        pool.pump().unwrap();
        assert!(start.elapsed() < Duration::from_secs(10));
        std::thread::sleep(Duration::from_millis(1));
    }
    let start = Instant::now();
    shutdown_background();
    assert!(
        start.elapsed() < SHUTDOWN_TIMEOUT + Duration::from_millis(300),
        "{:?}",
        start.elapsed()
    );
    drop(blocking);
    let result = join(&pool, "the pending future", finished).expect("task");
    let error = result.expect_err("cancelled by the shutdown");
    assert!(error.is(ErrorKind::Cancelled), "{error}");
    for name in names.lock().expect("lock").iter() {
        assert_eq!(name.as_deref(), Some("gdnative-tokio-bg"));
    }
    // A later spawn starts a fresh runtime.
    let again = pool.spawn(spawn_background(async { 1 }));
    while !again.is_finished() {
        pool.pump().unwrap();
        std::thread::sleep(Duration::from_millis(1));
    }
}
