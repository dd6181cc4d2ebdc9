//! The pool and pump guarantees, without Godot.

use std::cell::Cell;
use std::io::Write;
use std::rc::Rc;
use std::time::{Duration, Instant};

use futures::task::LocalSpawnExt;
use gdnative_tokio::{executor::PumpStats, executor::ReentrantPump, executor::SharedLocalPool};

mod loopback;

fn pool() -> &'static SharedLocalPool {
    Box::leak(Box::new(SharedLocalPool::new().expect("runtime")))
}

fn flag() -> Rc<Cell<bool>> {
    Rc::new(Cell::new(false))
}

/// Spawns `n` pool tasks made by `task` from a oneshot receiver each;
/// returns the senders.
fn oneshot_waiters<F: std::future::Future<Output = ()> + 'static>(
    pool: &SharedLocalPool,
    n: usize,
    task: impl Fn(tokio::sync::oneshot::Receiver<()>) -> F,
) -> Vec<tokio::sync::oneshot::Sender<()>> {
    (0..n)
        .map(|_| {
            let (tx, rx) = tokio::sync::oneshot::channel();
            pool.spawn(task(rx));
            tx
        })
        .collect()
}

#[test]
fn every_task_ready_at_pump_start_is_polled_in_that_pump() {
    let pool = pool();
    let done = Rc::new(Cell::new(0usize));
    for _ in 0..10_000 {
        let done = Rc::clone(&done);
        pool.spawn(async move { done.set(done.get() + 1) });
    }
    let stats = pool.pump().unwrap();
    assert_eq!(done.get(), 10_000);
    assert_eq!(stats.polls, 10_000, "{stats:?}");
}

#[test]
fn a_task_woken_during_a_pump_runs_no_later_than_the_next_pump() {
    let pool = pool();
    let pump_no = Rc::new(Cell::new(0u32));
    let sent_in = Rc::new(Cell::new(None));
    let received_in = Rc::new(Cell::new(None));
    let mut txs = Vec::new();
    for i in 0..200u32 {
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        txs.push(tx);
        let (p, r) = (Rc::clone(&pump_no), Rc::clone(&received_in));
        pool.spawn(async move {
            rx.await.ok();
            if i == 199 {
                r.set(Some(p.get()));
            }
        });
    }
    pool.pump().unwrap(); // every receiver is now waiting
    let (p, s) = (Rc::clone(&pump_no), Rc::clone(&sent_in));
    pool.spawn(async move {
        // Wake all 200 receivers from inside a pump, after some yields.
        for _ in 0..3 {
            tokio::task::yield_now().await;
        }
        s.set(Some(p.get()));
        for tx in txs {
            let _ = tx.send(());
        }
    });
    for n in 1..10 {
        pump_no.set(n);
        pool.pump().unwrap();
    }
    let (sent, received) = (
        sent_in.get().expect("sent"),
        received_in.get().expect("received"),
    );
    assert!(
        received - sent <= 1,
        "woken in pump {sent}, ran in pump {received}"
    );
}

#[test]
fn next_frame_continues_exactly_one_pump_later() {
    let pool = pool();
    let polls = Rc::new(Cell::new(0u64));
    let p = Rc::clone(&polls);
    pool.spawn(async move {
        loop {
            p.set(p.get() + 1);
            pool.next_frame().await;
        }
    });
    let other = flag();
    let o = Rc::clone(&other);
    pool.spawn(async move { o.set(true) });
    for _ in 0..100 {
        let before = polls.get();
        let stats = pool.pump().unwrap();
        let during = polls.get() - before;
        assert!(
            during <= 61,
            "self-waking task polled {during} times in one pump"
        );
        assert!(stats.ticks <= 2, "ticks {}", stats.ticks);
    }
    assert!(
        polls.get() >= 100,
        "it still ran every pump: {}",
        polls.get()
    );
    assert!(other.get(), "the other task was not starved");
}

#[test]
fn a_task_that_wakes_itself_directly_cannot_monopolise_a_pump() {
    let pool = pool();
    let polls = spinner(pool);
    for _ in 0..50 {
        let before = polls.get();
        let stats = pool.pump().unwrap();
        // At most the rest of the tick that reached the sentinel.
        assert!(polls.get() - before <= 61, "{} polls", polls.get() - before);
        assert!(stats.ticks <= 2);
    }
}

#[test]
fn sleep_completes_in_the_first_pump_at_or_after_its_deadline() {
    let pool = pool();
    for d in [5u64, 20, 50] {
        let done = flag();
        let d2 = Rc::clone(&done);
        let dur = Duration::from_millis(d);
        let started = Instant::now();
        pool.spawn(async move {
            tokio::time::sleep(dur).await;
            d2.set(true);
        });
        loop {
            let pump_start = Instant::now();
            pool.pump().unwrap();
            if done.get() {
                assert!(pump_start - started >= dur, "completed early");
                break;
            }
            // Tokio rounds deadlines up to its 1 ms tick.
            assert!(
                pump_start - started < dur + Duration::from_millis(2),
                "a pump {:?} after the start did not complete sleep({d} ms)",
                pump_start - started
            );
            std::thread::sleep(Duration::from_micros(300));
        }
    }
}

#[test]
fn io_readiness_is_delivered_in_the_first_pump_after_it_happens() {
    let pool = pool();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let got = Rc::new(Cell::new(0usize));
    let g = Rc::clone(&got);
    pool.spawn(async move {
        use tokio::io::AsyncReadExt;
        let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
        let mut buf = [0u8; 16];
        let n = stream.read(&mut buf).await.expect("read");
        g.set(n);
    });
    let (mut server, _) = {
        // Drive the connect until the listener sees it.
        pool.pump().unwrap();
        listener.accept().expect("accept")
    };
    for _ in 0..5 {
        pool.pump().unwrap(); // the task finishes connecting and waits for data
    }
    assert_eq!(got.get(), 0);
    server.write_all(b"hello").expect("write");
    std::thread::sleep(Duration::from_millis(5));
    pool.pump().unwrap();
    assert_eq!(got.get(), 5);
}

#[test]
fn an_idle_pump_never_blocks_on_pending_timers() {
    let pool = pool();
    pool.spawn(async { tokio::time::sleep(Duration::from_secs(30)).await });
    let start = Instant::now();
    for _ in 0..200 {
        pool.pump().unwrap();
    }
    // 200 pumps that each waited even one timer tick would take > 200 ms.
    assert!(
        start.elapsed() < Duration::from_millis(150),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn pending_but_not_ready_tasks_are_not_touched_by_a_pump() {
    let pool = pool();
    let polls = Rc::new(Cell::new(0u64));
    let senders = oneshot_waiters(pool, 100_000, |mut rx| {
        let p = Rc::clone(&polls);
        async move {
            std::future::poll_fn(|cx| {
                p.set(p.get() + 1);
                std::pin::Pin::new(&mut rx).poll(cx)
            })
            .await
            .ok();
        }
    });
    pool.pump().unwrap();
    assert_eq!(polls.get(), 100_000, "first pump polls each new task once");
    for _ in 0..10 {
        let stats = pool.pump().unwrap();
        assert_eq!(stats.ticks, 0, "an idle pump does not tick the task set");
    }
    assert_eq!(polls.get(), 100_000, "idle pumps poll no pending task");
    drop(senders);
    pool.pump().unwrap();
    assert_eq!(pool.live_tasks(), 0);
}

use std::future::Future;

#[test]
fn a_wake_from_another_thread_is_seen_by_the_next_pump() {
    let pool = pool();
    let (tx, rx) = tokio::sync::oneshot::channel::<u32>();
    let got = Rc::new(Cell::new(None));
    let g = Rc::clone(&got);
    pool.spawn(async move { g.set(rx.await.ok()) });
    pool.pump().unwrap();
    assert_eq!(pool.pump().unwrap().ticks, 0, "idle while nothing is sent");
    std::thread::spawn(move || tx.send(7))
        .join()
        .expect("thread")
        .ok();
    let stats = pool.pump().unwrap();
    assert_eq!(got.get(), Some(7), "{stats:?}");
}

#[test]
fn a_reentrant_pump_is_refused_and_spawning_inside_a_pump_works() {
    let pool = pool();
    let inner = Rc::new(Cell::new(None));
    let spawned_ran = flag();
    let (i, s) = (Rc::clone(&inner), Rc::clone(&spawned_ran));
    pool.spawn(async move {
        i.set(Some(pool.pump()));
        // Both spawn paths, from inside the pump.
        pool.spawn(async move { s.set(true) });
        LocalSpawnExt::spawn_local(pool, async {}).expect("LocalSpawn from inside a pump");
        assert!(pool.is_pumping());
        assert!(!pool.shutdown(), "shutdown is refused inside a pump");
    });
    pool.pump().unwrap();
    assert_eq!(inner.get(), Some(Err(ReentrantPump)));
    pool.pump().unwrap();
    assert!(spawned_ran.get());
    assert!(!pool.is_pumping());
}

#[test]
fn local_spawn_runs_futures_and_counts_live_tasks() {
    let pool = pool();
    let done = flag();
    let d = Rc::clone(&done);
    LocalSpawnExt::spawn_local(pool, async move { d.set(true) }).expect("spawn");
    assert_eq!(pool.live_tasks(), 1);
    pool.pump().unwrap();
    assert!(done.get());
    assert_eq!(pool.live_tasks(), 0);
}

#[test]
fn shutdown_drops_pending_tasks_and_the_pool_keeps_working() {
    struct OnDrop(Rc<Cell<bool>>);
    impl Drop for OnDrop {
        fn drop(&mut self) {
            self.0.set(true);
        }
    }
    let pool = pool();
    let dropped = flag();
    let guard = OnDrop(Rc::clone(&dropped));
    pool.spawn(async move {
        let _guard = guard;
        tokio::time::sleep(Duration::from_secs(60)).await;
    });
    pool.pump().unwrap();
    assert_eq!(pool.live_tasks(), 1);
    assert!(pool.shutdown());
    assert!(dropped.get(), "the pending task's destructor ran");
    assert_eq!(pool.live_tasks(), 0);
    let again = flag();
    let a = Rc::clone(&again);
    pool.spawn(async move {
        tokio::time::sleep(Duration::from_millis(1)).await;
        a.set(true);
    });
    let start = Instant::now();
    while !again.get() && start.elapsed() < Duration::from_secs(2) {
        pool.pump().unwrap();
    }
    assert!(again.get(), "tasks spawned after shutdown still run");
}

/// A pool task that wakes itself on every poll and counts its polls.
fn spinner(pool: &SharedLocalPool) -> Rc<Cell<u64>> {
    let polls = Rc::new(Cell::new(0u64));
    let p = Rc::clone(&polls);
    pool.spawn(std::future::poll_fn(move |cx| {
        p.set(p.get() + 1);
        cx.waker().wake_by_ref();
        std::task::Poll::<()>::Pending
    }));
    polls
}

/// 200 tasks await oneshots; an OS thread completes all of them between
/// two pumps: the next pump polls all 200, with and without 10 always-ready
/// tasks beside them (Tokio serves the cross-thread queue only every 31st
/// poll while local work is queued).
#[test]
fn all_cross_thread_wakes_made_before_a_pump_are_polled_in_that_pump() {
    for busy in [0usize, 10] {
        let pool = pool();
        let spinners: Vec<_> = (0..busy).map(|_| spinner(pool)).collect();
        let done = Rc::new(Cell::new(0usize));
        let senders = oneshot_waiters(pool, 200, |rx| {
            let d = Rc::clone(&done);
            async move {
                if rx.await.is_ok() {
                    d.set(d.get() + 1);
                }
            }
        });
        pool.pump().unwrap();
        pool.pump().unwrap();
        assert_eq!(done.get(), 0);
        complete_from_another_thread(senders);
        let before: Vec<u64> = spinners.iter().map(|s| s.get()).collect();
        let stats = pool.pump().unwrap();
        assert_eq!(done.get(), 200, "with {busy} always-ready tasks");
        for (s, b) in spinners.iter().zip(before) {
            ran_at_most_once_per_round(s.get() - b, stats, "an always-ready task");
        }
    }
}

/// Asserts that a task that is always ready ran in one pump at least once
/// and at most once per round.
fn ran_at_most_once_per_round(polls: u64, stats: PumpStats, what: &str) {
    assert!(
        (1..=u64::from(stats.rounds)).contains(&polls),
        "{what} ran {polls} times in one pump: {stats:?}"
    );
}

/// A task that only wakes itself runs once per pump round, and a round
/// follows another only when some other task made progress: alone, it
/// runs at most twice per pump; beside a ping-pong between two tasks, at
/// most once per round.
#[test]
fn a_self_waking_task_runs_at_most_once_per_round() {
    let pool = pool();
    let polls = spinner(pool);
    for _ in 0..20 {
        let before = polls.get();
        let stats = pool.pump().unwrap();
        let during = polls.get() - before;
        assert!(
            (1..=2).contains(&during),
            "alone: {during} polls, {stats:?}"
        );
    }
    // A ping-pong through a channel pair keeps real work going.
    let (tx_a, mut rx_a) = tokio::sync::mpsc::unbounded_channel::<u32>();
    let (tx_b, mut rx_b) = tokio::sync::mpsc::unbounded_channel::<u32>();
    pool.spawn(async move {
        while let Some(n) = rx_a.recv().await {
            if tx_b.send(n + 1).is_err() {
                break;
            }
        }
    });
    let hops = Rc::new(Cell::new(0u32));
    let h = Rc::clone(&hops);
    let tx_a2 = tx_a.clone();
    pool.spawn(async move {
        while let Some(n) = rx_b.recv().await {
            h.set(n);
            if n >= 100_000 || tx_a2.send(n + 1).is_err() {
                break;
            }
        }
    });
    tx_a.send(0).expect("send");
    for _ in 0..20 {
        let before = polls.get();
        let stats = pool.pump().unwrap();
        let during = polls.get() - before;
        assert!(
            during >= 1 && during <= u64::from(stats.rounds),
            "beside a ping-pong: {during} polls, {stats:?}"
        );
    }
    assert!(
        hops.get() > 20,
        "the ping-pong made progress: {}",
        hops.get()
    );
}

/// 1000 `tokio::spawn` tasks (runtime tasks, not `LocalSet` ones) sleep
/// 5-9 ms and are joined by a pool task: joined within 3 pumps of the pump
/// in which the last timer is due.
#[test]
fn a_thousand_runtime_tasks_are_joined_within_3_pumps_of_the_last_timer() {
    let pool = pool();
    let done = flag();
    let d = Rc::clone(&done);
    pool.spawn(async move {
        loopback::spawn_join_1000().await;
        d.set(true);
    });
    // When every sleep has started (each task's first poll, in the pumps).
    let mut all_started: Option<Instant> = None;
    let mut after_last = 0;
    for _ in 0..1000 {
        if all_started.is_none()
            && loopback::SLEEPS_STARTED.load(std::sync::atomic::Ordering::SeqCst) == 1000
        {
            all_started = Some(Instant::now());
        }
        // The longest sleep, 9 ms, plus Tokio's rounding up to its 1 ms tick.
        let due = all_started.is_some_and(|t| t.elapsed() >= Duration::from_millis(11));
        let pump_start = Instant::now();
        pool.pump().unwrap();
        if done.get() {
            break;
        }
        // A pump that ran into its time bound (a loaded machine) is not
        // counted: the check is that no hop waits while the pump has time.
        if due && pump_start.elapsed() < SharedLocalPool::FURTHER_ROUNDS_FOR {
            after_last += 1;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    assert!(done.get(), "never joined");
    assert!(
        after_last < 3,
        "joined {} pumps after the last timer",
        after_last + 1
    );
}

/// Pins the Tokio behaviour the pump's driver turn relies on: inside
/// `block_on`, `yield_now()` returns after the runtime turned its driver,
/// so a timer that expired before it fires within one `block_on`.
#[test]
fn tokio_pin_yield_now_in_block_on_turns_the_driver() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let fired = Rc::new(Cell::new(false));
    let local = tokio::task::LocalSet::new();
    let f = Rc::clone(&fired);
    let notify = std::sync::Arc::new(tokio::sync::Notify::new());
    let n = std::sync::Arc::clone(&notify);
    let _task = rt.spawn(async move {
        tokio::time::sleep(Duration::from_millis(1)).await;
        n.notify_one();
    });
    local.spawn_local(async move {
        notify.notified().await;
        f.set(true);
    });
    std::thread::sleep(Duration::from_millis(3));
    // The runtime task's first poll, then its timer: two batches.
    rt.block_on(tokio::task::yield_now());
    std::thread::sleep(Duration::from_millis(3));
    rt.block_on(tokio::task::yield_now());
    rt.block_on(tokio::task::yield_now());
    rt.block_on(local.run_until(tokio::task::yield_now()));
    assert!(fired.get(), "yield_now in block_on did not turn the driver");
}

/// With the thread kept in the runtime's context, `tokio::spawn` and a
/// timer work from plain code outside any task, and pumps still run them.
#[test]
fn a_thread_entered_for_good_can_spawn_runtime_tasks_outside_tasks() {
    std::thread::spawn(move || {
        let pool: &'static SharedLocalPool =
            Box::leak(Box::new(SharedLocalPool::new().expect("runtime")));
        pool.enter_for_good();
        pool.enter_for_good();
        let handle = tokio::spawn(async {
            tokio::time::sleep(Duration::from_millis(1)).await;
            7
        });
        let sleep = tokio::time::sleep(Duration::from_millis(1));
        let got = Rc::new(Cell::new(None));
        let g = Rc::clone(&got);
        pool.spawn(async move {
            sleep.await;
            g.set(handle.await.ok());
        });
        for _ in 0..1000 {
            pool.pump().unwrap();
            if got.get().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        assert_eq!(got.get(), Some(7));
    })
    .join()
    .expect("the entered thread's checks");
}

/// Pins the Tokio behaviour the pump's runtime probe relies on: inside
/// `block_on`, between two polls of its future (which yields), the runtime
/// polls exactly `event_interval` tasks while its queue is not empty.
#[test]
fn tokio_pin_block_on_polls_event_interval_tasks_between_yields() {
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::Arc;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .event_interval(16)
        .build()
        .expect("runtime");
    let polls = Arc::new(AtomicU32::new(0));
    let p = Arc::clone(&polls);
    let _spinner = rt.spawn(std::future::poll_fn(move |cx| {
        p.fetch_add(1, Ordering::Relaxed);
        cx.waker().wake_by_ref();
        std::task::Poll::<()>::Pending
    }));
    let others = Arc::new(AtomicU32::new(0));
    let _others: Vec<_> = (0..5)
        .map(|_| {
            let o = Arc::clone(&others);
            rt.spawn(async move {
                o.fetch_add(1, Ordering::Relaxed);
            })
        })
        .collect();
    let batches = rt.block_on(async {
        let mut batches = Vec::new();
        for _ in 0..16 {
            let before = polls.load(Ordering::Relaxed) + others.load(Ordering::Relaxed);
            tokio::task::yield_now().await;
            batches.push(polls.load(Ordering::Relaxed) + others.load(Ordering::Relaxed) - before);
        }
        batches
    });
    assert_eq!(batches, [16; 16], "task polls per batch");
    assert_eq!(others.load(Ordering::Relaxed), 5);
}

/// A runtime task spawned by a pool task runs in the same pump (the
/// spawner's poll is progress, so another round drives the runtime), from
/// a fresh pool's first pump on; and a local task awaiting it resumes in
/// that pump too.
#[test]
fn a_runtime_task_spawned_by_a_pool_task_runs_in_the_same_pump() {
    for _ in 0..2 {
        let pool = pool();
        let got = Rc::new(Cell::new(None));
        let g = Rc::clone(&got);
        pool.spawn(async move {
            g.set(tokio::spawn(async { 5 }).await.ok());
        });
        let stats = pool.pump().unwrap();
        assert_eq!(got.get(), Some(5), "{stats:?}");
    }
}

/// How a task spawned with `tokio::task::spawn_local` keeps itself busy.
#[derive(Clone, Copy, Debug)]
enum Busy {
    /// `loop { yield_now().await }`
    Yields,
    /// `loop { next_frame().await }`: a per-frame loop.
    EachFrame,
    /// Wakes its own waker on every poll.
    WakesItself,
}

/// 200 raw tasks awaiting oneshots, beside 10 busy ones.
struct RawTasks {
    senders: Vec<tokio::sync::oneshot::Sender<()>>,
    /// Waiters that got their value.
    done: Rc<Cell<usize>>,
    /// Polls of the busy tasks, all together.
    polls: Rc<Cell<u64>>,
}

/// Spawns, from inside a pool task, `busy` tasks straight on Tokio (not
/// through the pool, so not gated) and 200 more awaiting oneshots.
fn raw_tasks(pool: &'static SharedLocalPool, busy: Option<Busy>) -> RawTasks {
    let done = Rc::new(Cell::new(0usize));
    let polls = Rc::new(Cell::new(0u64));
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let (d, p) = (Rc::clone(&done), Rc::clone(&polls));
    pool.spawn(async move {
        for _ in 0..busy.map_or(0, |_| 10) {
            let p = Rc::clone(&p);
            match busy {
                Some(Busy::Yields) => drop(tokio::task::spawn_local(async move {
                    loop {
                        p.set(p.get() + 1);
                        tokio::task::yield_now().await;
                    }
                })),
                Some(Busy::EachFrame) => drop(tokio::task::spawn_local(async move {
                    loop {
                        p.set(p.get() + 1);
                        pool.next_frame().await;
                    }
                })),
                _ => drop(tokio::task::spawn_local(std::future::poll_fn(move |cx| {
                    p.set(p.get() + 1);
                    cx.waker().wake_by_ref();
                    std::task::Poll::<()>::Pending
                }))),
            }
        }
        for _ in 0..200 {
            let (sender, receiver) = tokio::sync::oneshot::channel::<()>();
            let _ = tx.send(sender);
            let d = Rc::clone(&d);
            drop(tokio::task::spawn_local(async move {
                if receiver.await.is_ok() {
                    d.set(d.get() + 1);
                }
            }));
        }
    });
    pool.pump().unwrap();
    pool.pump().unwrap();
    let mut senders = Vec::new();
    while let Ok(sender) = rx.try_recv() {
        senders.push(sender);
    }
    assert_eq!((senders.len(), done.get()), (200, 0));
    RawTasks {
        senders,
        done,
        polls,
    }
}

fn complete_from_another_thread(senders: Vec<tokio::sync::oneshot::Sender<()>>) {
    std::thread::spawn(move || {
        senders.into_iter().for_each(|tx| {
            let _ = tx.send(());
        })
    })
    .join()
    .expect("thread");
}

/// Pumps until `done` reaches 200; returns the `LocalSet` ticks of the pumps
/// before the one that finished, and of all of them,
/// checking each pump's bound and that each pump let some wake through.
fn ticks_until_200_done(pool: &SharedLocalPool, done: &Cell<usize>) -> (u32, u32) {
    let (mut ticks, mut all) = (0, 0);
    for _ in 0..10_000 {
        let before = done.get();
        let stats = pool.pump().unwrap();
        assert!(stats.ticks <= SharedLocalPool::UNGATED_TICKS, "{stats:?}");
        assert!(done.get() > before, "a pump let no wake through: {stats:?}");
        // The pump that finishes may spend the rest of its allowance on
        // busy tasks afterwards: only the pumps before it count.
        all += stats.ticks;
        if done.get() == 200 {
            return (ticks, all);
        }
        ticks += stats.ticks;
    }
    panic!("only {} of 200 done", done.get());
}

/// The same for tasks spawned with `tokio::task::spawn_local`: all 200
/// cross-thread wakes are polled in the next pump, alone and beside 10
/// per-frame loops; beside 10 tasks that `yield_now()` in a loop (outside
/// `block_on`, Tokio's `yield_now` wakes the task at once: they spin like
/// the next test's), within 256 ticks, each pump within its bound (ticks,
/// not pumps: a loaded machine gets fewer ticks into a pump's time).
#[test]
fn cross_thread_wakes_of_raw_spawn_local_tasks_are_polled_in_one_pump() {
    for busy in [None, Some(Busy::EachFrame), Some(Busy::Yields)] {
        let pool = pool();
        let RawTasks {
            senders,
            done,
            polls: _,
        } = raw_tasks(pool, busy);
        complete_from_another_thread(senders);
        let (ticks, _) = ticks_until_200_done(pool, &done);
        if matches!(busy, Some(Busy::Yields)) {
            assert!(ticks <= 256, "beside {busy:?}: {ticks} ticks");
        } else {
            assert_eq!(pool.pumps(), 3, "beside {busy:?}: not in one pump");
        }
    }
}

/// Behind raw tasks that wake themselves directly (Tokio then takes a
/// cross-thread wake only now and then), the pump still lets some through
/// each pump, what such tasks cost per pump is bounded by the ungated
/// allowance (ticks, and, as a tick polls at most 61 tasks in the Tokio
/// versions tested, polls), and 200 wakes get through within 256 ticks.
#[test]
fn raw_tasks_that_wake_themselves_are_bounded_and_do_not_block_cross_thread_wakes() {
    let pool = pool();
    let RawTasks {
        senders,
        done,
        polls,
    } = raw_tasks(pool, Some(Busy::WakesItself));
    complete_from_another_thread(senders);
    let before = polls.get();
    let (ticks, all) = ticks_until_200_done(pool, &done);
    assert!(ticks <= 256, "{ticks} ticks");
    assert!(
        polls.get() - before <= u64::from(all) * 61,
        "{all} ticks in all"
    );
}

/// Work left by a budget drains in a later pump; a timer and a runtime
/// task that became ready while it drained are served in that same pump,
/// not a frame later: draining the backlog is progress, so the pump turns
/// the runtime again after it.
#[test]
fn wakes_during_a_backlog_drain_are_served_in_the_same_pump() {
    let pool = pool();
    let done = flag();
    let d = Rc::clone(&done);
    pool.spawn(async move {
        let sleep = tokio::time::sleep(Duration::from_millis(2));
        let runtime_task = tokio::spawn(async { 5 });
        sleep.await;
        assert_eq!(runtime_task.await.ok(), Some(5));
        d.set(true);
    });
    for _ in 0..50 {
        pool.spawn(async {
            let start = Instant::now();
            while start.elapsed() < Duration::from_micros(200) {
                std::hint::spin_loop();
            }
        });
    }
    let stats = pool
        .pump_with_budget(Some(Duration::from_millis(1)))
        .unwrap();
    assert!(stats.over_budget && stats.backlog > 20, "{stats:?}");
    assert!(!done.get());
    // The drain takes longer than the timer: it expires during it.
    let stats = pool
        .pump_with_budget(Some(Duration::from_millis(500)))
        .unwrap();
    assert_eq!(stats.backlog, 0, "{stats:?}");
    assert!(done.get(), "the timer waited for the next pump: {stats:?}");
}

/// The freeze of issue 23, in Rust: from inside a pump, a pool task spawns
/// with `tokio::task::spawn_local` 10 tasks that loop on a hand-written
/// yield and 200 tasks awaiting oneshots an OS thread completes, and joins
/// the 200. Every pump returns within its bounds, and once the thread has
/// sent, the 200 are served within 256 `LocalSet` ticks (Tokio takes about
/// two cross-thread wakes per tick behind busy tasks): a count of ticks,
/// not of pumps, as a loaded machine gets fewer ticks into a pump's time
/// allowance (the GDScript test counts frames).
#[test]
fn self_waking_raw_tasks_beside_200_cross_thread_wakes_are_served_in_bounded_ticks() {
    use std::sync::atomic::{AtomicBool, Ordering};
    let pool = pool();
    let done = Rc::new(Cell::new(None));
    let d = Rc::clone(&done);
    let stop = flag();
    let s = Rc::clone(&stop);
    let sent = std::sync::Arc::new(AtomicBool::new(false));
    let sent2 = std::sync::Arc::clone(&sent);
    pool.spawn(async move {
        // Now inside a pump, as a resumed coroutine is.
        pool.spawn(async move {
            for _ in 0..10 {
                let s = Rc::clone(&s);
                drop(tokio::task::spawn_local(std::future::poll_fn(move |cx| {
                    if s.get() {
                        return std::task::Poll::Ready(());
                    }
                    cx.waker().wake_by_ref();
                    std::task::Poll::Pending
                })));
            }
            let (senders, handles): (Vec<_>, Vec<_>) = (0..200)
                .map(|_| {
                    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
                    (
                        tx,
                        tokio::task::spawn_local(async move { rx.await.is_ok() }),
                    )
                })
                .unzip();
            std::thread::spawn(move || {
                complete_from_another_thread(senders);
                sent2.store(true, Ordering::SeqCst);
            });
            let mut ok = 0;
            for handle in handles {
                ok += usize::from(handle.await.unwrap_or(false));
            }
            d.set(Some(ok));
        });
    });
    let mut ticks_after_sent = 0;
    for _ in 0..10_000 {
        let was_sent = sent.load(Ordering::SeqCst);
        let stats = pool.pump().unwrap();
        assert!(stats.ticks <= SharedLocalPool::UNGATED_TICKS, "{stats:?}");
        if done.get().is_some() {
            break;
        }
        // The pump that finishes the join may spend the rest of its
        // allowance on the spinners afterwards: only the pumps before it
        // count.
        if was_sent {
            ticks_after_sent += stats.ticks;
        }
    }
    stop.set(true);
    assert_eq!(done.get(), Some(200));
    assert!(ticks_after_sent <= 256, "{ticks_after_sent} ticks");
}

/// A budget stops the pump before a further round too: a task that runs
/// past the budget and wakes another leaves that one for the next pump
/// (nothing of it ran past the poll that crossed the deadline).
#[test]
fn a_spent_budget_starts_no_further_round() {
    let pool = pool();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let woken_ran = flag();
    let w = Rc::clone(&woken_ran);
    pool.spawn(async move {
        rx.await.ok();
        w.set(true);
    });
    pool.pump().unwrap(); // the waiter waits
    pool.spawn(async move {
        let start = Instant::now();
        while start.elapsed() < Duration::from_millis(3) {
            std::hint::spin_loop();
        }
        let _ = tx.send(());
    });
    let stats = pool
        .pump_with_budget(Some(Duration::from_millis(1)))
        .unwrap();
    assert!(
        !woken_ran.get(),
        "a round started past the budget: {stats:?}"
    );
    assert!(stats.over_budget, "{stats:?}");
    pool.pump().unwrap();
    assert!(woken_ran.get());
}
