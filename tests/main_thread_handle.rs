//! `MainThread` without Godot (issue 26): closures posted from other
//! threads run on the main thread, in order, in the next pump; a `!Send`
//! task spawned through it runs there; posting after the pool's tasks
//! were dropped returns `cancelled` and crashes nothing. One test, in its
//! own binary: the first use of the pool decides the main thread.

use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::thread::{self, ThreadId};
use std::time::{Duration, Instant};

use gdnative_tokio::{error::ErrorKind, executor::SharedLocalPool, task::MainThread};

mod pumping;
use pumping::pump_until;

type Log = Arc<Mutex<Vec<(usize, usize, ThreadId)>>>;

/// Posts `n` closures from each of `threads` threads, each recording
/// (thread, index, the thread it ran on); returns the posting threads.
fn post_from(
    handle: &MainThread,
    threads: usize,
    n: usize,
    log: &Log,
) -> Vec<thread::JoinHandle<()>> {
    (0..threads)
        .map(|t| {
            let (handle, log) = (handle.clone(), Arc::clone(log));
            thread::spawn(move || {
                for i in 0..n {
                    let log = Arc::clone(&log);
                    handle
                        .run(move || log.lock().unwrap().push((t, i, thread::current().id())))
                        .expect("the pool runs");
                }
            })
        })
        .collect()
}

fn check_order(log: &Log, threads: usize, n: usize, main: ThreadId) {
    let log = log.lock().unwrap();
    assert_eq!(log.len(), threads * n, "every closure ran once");
    let mut next = vec![0; threads];
    for &(t, i, ran_on) in log.iter() {
        assert_eq!(ran_on, main, "ran on the main thread");
        assert_eq!(i, next[t], "thread {t}'s closures in order");
        next[t] += 1;
    }
}

#[test]
fn posted_work_runs_on_the_main_thread_in_order_in_the_next_pump() {
    let pool = SharedLocalPool::current();
    let main = thread::current().id();
    let handle = MainThread::current();

    // A burst of 10,000, all posted before the pump: they run in the next
    // pump (each pump gives them a bounded share: a slow machine, or Wine,
    // may need one more).
    let log: Log = Arc::default();
    for poster in post_from(&handle, 1, 10_000, &log) {
        poster.join().unwrap();
    }
    assert!(log.lock().unwrap().is_empty(), "nothing runs before a pump");
    let mut pumps = 0;
    while log.lock().unwrap().len() < 10_000 && pumps < 10 {
        pool.pump().unwrap();
        pumps += 1;
    }
    assert!(pumps <= 3, "a burst of 10,000 took {pumps} pumps");
    check_order(&log, 1, 10_000, main);

    // Randomized interleaving: four threads post while the main thread
    // pumps; each thread's closures run in its order.
    for round in 0..5 {
        let log: Log = Arc::default();
        let posters = post_from(&handle, 4, 2_000 + round * 997, &log);
        while !posters.iter().all(|p| p.is_finished()) {
            pool.pump().unwrap();
            thread::sleep(Duration::from_micros(50 * round as u64));
        }
        let all = 4 * (2_000 + round * 997);
        pump_until(pool, "the posts", Duration::from_secs(30), || {
            log.lock().unwrap().len() >= all
        });
        check_order(&log, 4, 2_000 + round * 997, main);
    }

    // A thread that never stops posting, faster than the main thread runs
    // the closures (each spins 2 us), does not hold the frame: each pump
    // returns within a bound, the closures keep running, in order, and all
    // run once the thread stops. (A pump that ran all that was queued at
    // its start ran what came during the pump before: each pump longer
    // than the last, seconds within a few frames.)
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed};
    const MOST: usize = 400_000;
    let stop = Arc::new(AtomicBool::new(false));
    let (sent, ran) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let in_order = Arc::new(AtomicBool::new(true));
    let (h, s, n, r, o) = (
        handle.clone(),
        Arc::clone(&stop),
        Arc::clone(&sent),
        Arc::clone(&ran),
        Arc::clone(&in_order),
    );
    let flood = thread::spawn(move || {
        let mut i = 0;
        while !s.load(Relaxed) && i < MOST {
            let (r, o) = (Arc::clone(&r), Arc::clone(&o));
            let posted = h.run(move || {
                let spin = Instant::now();
                while spin.elapsed() < Duration::from_micros(2) {}
                if r.fetch_add(1, Relaxed) != i {
                    o.store(false, Relaxed);
                }
            });
            if posted.is_err() {
                break;
            }
            i += 1;
            n.store(i, Relaxed);
        }
    });
    while sent.load(Relaxed) < 1000 {
        thread::yield_now();
    }
    let mut longest = Duration::ZERO;
    for _ in 0..20 {
        let start = Instant::now();
        pool.pump().unwrap();
        longest = longest.max(start.elapsed());
    }
    assert!(
        longest < Duration::from_millis(250),
        "a pump held by a flood: {longest:?}"
    );
    assert!(ran.load(Relaxed) >= 1000, "the flood's closures ran");
    stop.store(true, Relaxed);
    flood.join().unwrap();
    pump_until(
        pool,
        "the flood's closures",
        Duration::from_secs(60),
        || ran.load(Relaxed) == sent.load(Relaxed),
    );
    assert!(in_order.load(Relaxed), "the flood's closures ran in order");

    // A `!Send` task spawned from another thread runs on the main thread.
    let ran = Arc::new(Mutex::new(None));
    let r = Arc::clone(&ran);
    let h = handle.clone();
    thread::spawn(move || {
        h.spawn(move || {
            let local = Rc::new(thread::current().id()); // !Send
            async move {
                gdnative_tokio::time::next_frame().await;
                *r.lock().unwrap() = Some(*local);
            }
        })
        .expect("the pool runs");
    })
    .join()
    .unwrap();
    pump_until(pool, "the spawned task", Duration::from_secs(5), || {
        ran.lock().unwrap().is_some()
    });
    assert_eq!(*ran.lock().unwrap(), Some(main));

    // After the pool's tasks were dropped: `cancelled`, no crash.
    assert!(pool.shutdown());
    let h = handle.clone();
    let refused = thread::spawn(move || h.run(|| panic!("must not run")))
        .join()
        .unwrap();
    let error = refused.expect_err("posting after shutdown fails");
    assert!(error.is(ErrorKind::Cancelled), "{error}");
    assert!(handle.run(|| ()).is_err(), "old handles stay closed");
    pool.pump().unwrap();

    // A handle taken afterwards works again.
    let again = MainThread::current();
    let done = Arc::new(Mutex::new(false));
    let d = Arc::clone(&done);
    again.run(move || *d.lock().unwrap() = true).unwrap();
    pool.pump().unwrap();
    assert!(*done.lock().unwrap());
}
