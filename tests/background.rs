//! The background runtime seen from the main thread's pool, without Godot.

use std::cell::RefCell;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

mod pumping;
use pumping::run_on;

use gdnative_tokio::{
    background::spawn_background, background::spawn_blocking, error::AsyncError, error::ErrorKind,
    executor::SharedLocalPool,
};

fn pool() -> &'static SharedLocalPool {
    Box::leak(Box::new(SharedLocalPool::new().expect("runtime")))
}

fn wait_until(what: &str, done: impl Fn() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
}

#[test]
fn a_result_arrives_in_the_first_pump_after_the_work_finished() {
    let pool = pool();
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let work = Rc::new(RefCell::new(spawn_blocking(move || {
        rx.recv().ok();
        std::thread::current().name().map(str::to_owned)
    })));
    let got = Rc::new(RefCell::new(None));
    let (w, g) = (Rc::clone(&work), Rc::clone(&got));
    pool.spawn(async move {
        let result = poll_fn(|cx| Pin::new(&mut *w.borrow_mut()).poll(cx)).await;
        *g.borrow_mut() = Some(result);
    });
    pool.pump().unwrap();
    assert!(got.borrow().is_none(), "the work is blocked");
    tx.send(()).expect("send");
    wait_until("the blocking work", || work.borrow().is_finished());
    pool.pump().unwrap();
    let result = got
        .borrow_mut()
        .take()
        .expect("delivered by the first pump after it finished");
    let thread = result.expect("ok");
    assert_ne!(
        thread.as_deref(),
        std::thread::current().name(),
        "ran off the main thread"
    );
}

#[test]
fn futures_run_on_the_workers_and_panics_become_errors() {
    let pool = pool();
    let results: Rc<RefCell<Vec<Result<u32, AsyncError>>>> = Rc::default();
    let r = Rc::clone(&results);
    pool.spawn(async move {
        let ok = spawn_background(async { 6 * 7 }).await;
        let worker_panic = spawn_background(async { panic!("worker boom") }).await;
        let blocking_panic = spawn_blocking(|| -> u32 { panic!("blocking boom") }).await;
        r.borrow_mut().extend([ok, worker_panic, blocking_panic]);
    });
    let start = Instant::now();
    while results.borrow().len() < 3 {
        pool.pump().unwrap();
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "background results never came"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    let results = results.borrow();
    assert_eq!(results[0].as_ref().ok(), Some(&42));
    for (result, text) in results[1..].iter().zip(["worker boom", "blocking boom"]) {
        let error = result.as_ref().expect_err("a panic is an error");
        assert!(error.is(ErrorKind::Panic), "{error}");
        assert!(error.to_string().contains(text), "{error}");
    }
}

#[test]
fn dropping_a_background_future_cancels_it() {
    struct Flag(Arc<AtomicBool>);
    impl Drop for Flag {
        fn drop(&mut self) {
            self.0.store(true, Ordering::SeqCst);
        }
    }
    let dropped = Arc::new(AtomicBool::new(false));
    let flag = Flag(Arc::clone(&dropped));
    let started = Arc::new(AtomicBool::new(false));
    let s = Arc::clone(&started);
    let work = spawn_background(async move {
        let _flag = flag;
        s.store(true, Ordering::SeqCst);
        std::future::pending::<()>().await;
    });
    wait_until("the future to start", || started.load(Ordering::SeqCst));
    assert!(!dropped.load(Ordering::SeqCst));
    drop(work);
    wait_until("the future to be dropped", || {
        dropped.load(Ordering::SeqCst)
    });
}

/// A capacity beyond Tokio's limit is clamped, not a panic; the service
/// answers.
#[test]
fn a_service_with_a_huge_capacity_is_clamped_and_answers() {
    let service = gdnative_tokio::background::Service::start(
        "echo",
        usize::MAX,
        |n: u32| async move { n + 1 },
    );
    let answer = run_on(pool(), async move { service.request(41).await });
    assert_eq!(answer.expect("ok"), 42);
}

/// A panic in a service's handler, in its body or in its future, fails
/// that request with kind `panic` and the panic's message; the service
/// answers the requests after it (issue 29).
#[test]
fn a_panicking_service_handler_fails_that_request_and_the_service_goes_on() {
    let service = gdnative_tokio::background::Service::start("picky", 8, |x: i64| {
        assert!(x != 2, "the handler refuses 2");
        async move {
            assert!(x != 3, "the handler's future refuses 3");
            x * 10
        }
    });
    let results = run_on(pool(), async move {
        let mut results = Vec::new();
        for x in 1..=4 {
            results.push(service.request(x).await);
        }
        match service.try_request(5) {
            Ok(answer) => results.push(answer.await),
            Err(error) => results.push(Err(error)),
        }
        results
    });
    let panic = |i: usize, text: &str| match &results[i] {
        Err(error) => assert!(
            error.is(ErrorKind::Panic) && error.message.contains(text) && error.method == "picky",
            "request {i}: {error:?}"
        ),
        Ok(value) => panic!("request {i} answered {value}"),
    };
    assert_eq!(results[0], Ok(10));
    panic(1, "the handler refuses 2");
    panic(2, "the handler's future refuses 3");
    assert_eq!(results[3], Ok(40), "the service goes on after a panic");
    assert_eq!(results[4], Ok(50), "try_request too");
}
