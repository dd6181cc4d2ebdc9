//! Shutting the background runtime down cancels what is pending and works
//! from anywhere on the main thread (issue 29). In a binary of its own,
//! because it stops the process-wide runtime; its tests take turns.

use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

mod pumping;
use pumping::{join, pump_until};

use gdnative_tokio::{
    background::shutdown_background, background::spawn_background, background::spawn_blocking,
    background::Service, background::SHUTDOWN_TIMEOUT, error::AsyncError, error::ErrorKind,
    executor::SharedLocalPool,
};

/// How long the blocking job runs: well beyond the shutdown's timeout.
const JOB: Duration = Duration::from_millis(1500);

/// One test at a time: each stops the process-wide runtime.
fn one_at_a_time() -> MutexGuard<'static, ()> {
    static TURN: Mutex<()> = Mutex::new(());
    TURN.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn leaked_pool() -> &'static SharedLocalPool {
    Box::leak(Box::new(SharedLocalPool::new().expect("runtime")))
}

type Slot<T> = Rc<RefCell<Option<(T, Instant)>>>;

/// Spawns `future` on `pool`; its output lands in the returned slot with
/// the time it arrived.
fn spawn_into<T: 'static>(
    pool: &SharedLocalPool,
    future: impl Future<Output = T> + 'static,
) -> Slot<T> {
    let slot: Slot<T> = Rc::default();
    let s = Rc::clone(&slot);
    pool.spawn(async move {
        let output = future.await;
        *s.borrow_mut() = Some((output, Instant::now()));
    });
    slot
}

fn assert_cancelled<T: std::fmt::Debug>(what: &str, result: &Result<T, AsyncError>) {
    match result {
        Err(error) if error.is(ErrorKind::Cancelled) => {}
        other => panic!("{what}: want `cancelled`, got {other:?}"),
    }
}

/// Pending work resolves `cancelled` at the shutdown, blocking work that
/// outlives its timeout included (its thread finishes on its own).
#[test]
fn shutdown_cancels_pending_work() {
    let _turn = one_at_a_time();
    let pool = leaked_pool();

    // Pending when the runtime shuts down: a blocking job that outlives the
    // shutdown's timeout, a future, and a service request.
    let started = Arc::new(AtomicBool::new(false));
    let s = Arc::clone(&started);
    let blocking = spawn_into(
        pool,
        spawn_blocking(move || {
            s.store(true, Ordering::SeqCst);
            std::thread::sleep(JOB);
            "finished anyway"
        }),
    );
    let future = spawn_into(pool, spawn_background(std::future::pending::<()>()));
    let service = Service::start("slow", 4, |_: ()| {
        tokio::time::sleep(Duration::from_secs(60))
    });
    let request = spawn_into(pool, async move { service.request(()).await });
    pump_until(pool, "the job's start", Duration::from_secs(10), || {
        started.load(Ordering::SeqCst)
    });
    pool.pump().unwrap();

    let shutdown = Instant::now();
    shutdown_background();
    let returned = shutdown.elapsed();
    assert!(
        returned < SHUTDOWN_TIMEOUT + Duration::from_millis(300),
        "shutdown took {returned:?}"
    );
    pump_until(pool, "the pending work", Duration::from_secs(5), || {
        blocking.borrow().is_some() && future.borrow().is_some() && request.borrow().is_some()
    });
    let (result, at) = blocking.borrow_mut().take().expect("resolved");
    assert_cancelled("the running blocking job", &result);
    assert!(
        at.duration_since(shutdown) < JOB - Duration::from_millis(500),
        "the blocking job's awaiter resolved {:?} after the shutdown, not promptly",
        at.duration_since(shutdown)
    );
    assert_cancelled(
        "the pending future",
        &future.borrow_mut().take().expect("resolved").0,
    );
    assert_cancelled(
        "the service request",
        &request.borrow_mut().take().expect("resolved").0,
    );
}

/// From code the pump runs (a task, polled inside the pump): a runtime
/// starts, is used and is shut down, twice.
#[test]
fn shutdown_works_from_inside_a_task() {
    let _turn = one_at_a_time();
    let pool = leaked_pool();
    let inside = pool.spawn(async {
        let answer = spawn_background(async { 6 * 7 }).await;
        shutdown_background();
        let after = spawn_background(async { 1 }).await;
        shutdown_background();
        (answer, after)
    });
    let (answer, after) =
        join(pool, "the task", inside).expect("shutdown_background() inside a task does not panic");
    assert_eq!(answer.expect("before the shutdown"), 42);
    assert_eq!(after.expect("a fresh runtime after it"), 1);
}
