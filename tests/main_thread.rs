//! The shared pool belongs to the main thread (issue 29): here, without
//! Godot, the first thread that used it. Main-thread-only functions called
//! elsewhere panic with a message naming the main thread, never quietly
//! make a second pool that nothing pumps. One test, in its own binary:
//! the first use decides the main thread for the whole process.

use std::panic::{catch_unwind, UnwindSafe};

use gdnative_tokio::{background::spawn_background, error::ErrorKind, executor::SharedLocalPool};

mod pumping;
use pumping::join;

/// The panic message of `f` run on a thread of its own.
fn panic_on_other_thread(what: &str, f: impl FnOnce() + Send + UnwindSafe + 'static) -> String {
    let outcome = std::thread::spawn(move || catch_unwind(f))
        .join()
        .expect("the thread ran");
    let payload = outcome
        .err()
        .unwrap_or_else(|| panic!("{what} on another thread did not panic"));
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_default()
}

fn assert_names_the_main_thread(what: &str, message: &str) {
    assert!(
        message.contains("not the main thread") && message.contains("SharedLocalPool::new"),
        "{what}: {message}"
    );
}

#[test]
fn main_thread_only_functions_refuse_other_threads() {
    let pool = SharedLocalPool::current();
    let here = gdnative_tokio::task::spawn(async { 7 });

    for (what, message) in [
        (
            "task::spawn",
            panic_on_other_thread("task::spawn", || {
                drop(gdnative_tokio::task::spawn(async {}))
            }),
        ),
        (
            "spawn_named",
            panic_on_other_thread("spawn_named", || {
                drop(gdnative_tokio::task::spawn_named("elsewhere", async {}))
            }),
        ),
        (
            "SharedLocalPool::current",
            panic_on_other_thread("current", || {
                SharedLocalPool::current().pumps();
            }),
        ),
        (
            "next_frame",
            panic_on_other_thread("next_frame", || {
                let _frame = gdnative_tokio::time::next_frame();
            }),
        ),
    ] {
        assert_names_the_main_thread(what, &message);
    }

    // Inside a background future (a worker thread): the job fails with the
    // panic's message instead of returning a handle that never completes.
    let job = pool.spawn(spawn_background(async {
        drop(gdnative_tokio::task::spawn(async {}));
    }));
    let result = join(pool, "the job", job).expect("the pool task");
    let error = result.expect_err("spawning on a worker fails the job");
    assert!(error.is(ErrorKind::Panic), "{error}");
    assert_names_the_main_thread("task::spawn in spawn_background", &error.message);

    // The main thread's pool still works.
    pool.pump().unwrap();
    assert!(here.is_finished(), "the main thread's task ran");
}
