//! Pumping a pool from a test until something happened, shared by the
//! pure-Rust tests of the background runtime, services and the main-thread
//! rule (tests/background*.rs, tests/main_thread.rs).
#![allow(dead_code)]

use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;
use std::time::{Duration, Instant};

use gdnative_tokio::executor::SharedLocalPool;

/// Pumps `pool` (1 ms apart) until `done`; fails after `limit`, naming
/// `what`.
pub fn pump_until(pool: &SharedLocalPool, what: &str, limit: Duration, done: impl Fn() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < limit, "{what}: not done within {limit:?}");
        pool.pump().unwrap();
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// The output of `handle`, pumping `pool` until it finished (10 s at most).
/// `Err` if the task panicked.
pub fn join<T>(
    pool: &SharedLocalPool,
    what: &str,
    handle: gdnative_tokio::task::JoinHandle<T>,
) -> Result<T, gdnative_tokio::task::JoinError> {
    pump_until(pool, what, Duration::from_secs(10), || handle.is_finished());
    futures::FutureExt::now_or_never(handle).expect("finished")
}

/// Spawns `future` on `pool` and pumps until it completed (10 s at most).
pub fn run_on<T: 'static>(pool: &SharedLocalPool, future: impl Future<Output = T> + 'static) -> T {
    let got = Rc::new(RefCell::new(None));
    let g = Rc::clone(&got);
    pool.spawn(async move {
        *g.borrow_mut() = Some(future.await);
    });
    pump_until(pool, "the future", Duration::from_secs(10), || {
        got.borrow().is_some()
    });
    let output = got.borrow_mut().take();
    output.expect("done")
}
