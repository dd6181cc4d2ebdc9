//! The pump under load, without Godot: large fan-outs, self-waking tasks and
//! the frame budget.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use gdnative_tokio::executor::SharedLocalPool;
use gdnative_tokio_testbed::AsyncDemo;

fn pool() -> &'static SharedLocalPool {
    Box::leak(Box::new(SharedLocalPool::new().expect("runtime")))
}

/// Pumps until `done` or `max` pumps; returns the number of pumps.
fn pump_until(
    pool: &SharedLocalPool,
    max: u32,
    budget: Option<Duration>,
    done: impl Fn() -> bool,
) -> u32 {
    for n in 1..=max {
        pool.pump_with_budget(budget).unwrap();
        if done() {
            return n;
        }
    }
    panic!("not done after {max} pumps");
}

fn run_job<F: Future<Output = i64> + 'static>(
    pool: &'static SharedLocalPool,
    job: F,
    budget: Option<Duration>,
    max: u32,
) -> u32 {
    let result = Rc::new(Cell::new(None));
    let r = Rc::clone(&result);
    pool.spawn(async move { r.set(Some(job.await)) });
    let pumps = pump_until(pool, max, budget, || result.get().is_some());
    let n = 100_000i64;
    assert_eq!(result.get(), Some(n * (n - 1) / 2));
    pumps
}

/// A fan-out/join of 100k tasks spawned with `tokio::task::spawn_local`,
/// joined by a pool task: every pump before the last spends the whole
/// ungated allowance (ticks or time) on them, never stopping early.
fn fan_out_runs_each_pump_to_its_time_bound(join_set: bool) {
    let pool = pool();
    let result = Rc::new(Cell::new(None));
    let r = Rc::clone(&result);
    pool.spawn(async move { r.set(Some(AsyncDemo::fan_out_join(100_000, join_set).await)) });
    for pump in 1..=500 {
        let start = Instant::now();
        let stats = pool.pump().unwrap();
        if result.get().is_some() {
            break;
        }
        if pump > 1 {
            assert!(
                stats.ticks == SharedLocalPool::UNGATED_TICKS
                    || start.elapsed() >= SharedLocalPool::UNGATED_TIME,
                "pump {pump} stopped early: {stats:?} in {:?}",
                start.elapsed()
            );
        }
    }
    let n = 100_000i64;
    assert_eq!(result.get(), Some(n * (n - 1) / 2));
    assert_eq!(pool.live_tasks(), 0);
}

#[test]
fn a_100k_fan_out_and_join_runs_each_pump_to_its_time_bound() {
    fan_out_runs_each_pump_to_its_time_bound(false);
}

#[test]
fn a_100k_join_set_runs_each_pump_to_its_time_bound() {
    fan_out_runs_each_pump_to_its_time_bound(true);
}

#[test]
fn a_100k_fan_out_still_finishes_under_a_small_budget() {
    let pool = pool();
    // Total work is tens of ms; 1 ms per pump must finish, in many pumps.
    let pumps = run_job(
        pool,
        AsyncDemo::fan_out_join(100_000, false),
        Some(Duration::from_millis(1)),
        10_000,
    );
    assert!(
        pumps > 5,
        "the budget did not split the work: {pumps} pumps"
    );
}

/// A future that wakes itself on every poll and never finishes.
struct Spin(Rc<Cell<u64>>);

impl Future for Spin {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.0.set(self.0.get() + 1);
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

#[test]
fn self_waking_tasks_do_not_hold_the_pump_or_delay_others() {
    let pool = pool();
    let raw_polls = Rc::new(Cell::new(0));
    let pool_polls = Rc::new(Cell::new(0));
    {
        let _enter = pool.enter();
        let raw = Rc::clone(&raw_polls);
        // One spinner spawned straight on Tokio, one through the pool.
        pool.spawn(async move {
            drop(tokio::task::spawn_local(Spin(raw)));
        });
    }
    pool.spawn(Spin(Rc::clone(&pool_polls)));
    // A ping-pong between two tasks: one hop per pump when idle.
    let hops = Rc::new(Cell::new(0u32));
    let (h, pool_ref) = (Rc::clone(&hops), pool);
    pool.spawn(async move {
        for _ in 0..20 {
            pool_ref.next_frame().await;
            h.set(h.get() + 1);
        }
    });
    let slept = Rc::new(Cell::new(None));
    let s = Rc::clone(&slept);
    pool.spawn(async move {
        let start = Instant::now();
        tokio::time::sleep(Duration::from_millis(20)).await;
        s.set(Some(start.elapsed()));
    });
    let mut deadline_pump = None;
    for n in 0..25 {
        let (raw_before, pool_before) = (raw_polls.get(), pool_polls.get());
        let stats = pool.pump().unwrap();
        // The pool's spinner runs once per round (two rounds at most, as
        // the next-frame loop makes progress); the raw one at most the
        // pump's ungated ticks (a tick polls at most 61 tasks in the Tokio
        // versions tested).
        let ticks = u64::from(SharedLocalPool::UNGATED_TICKS);
        assert!(
            raw_polls.get() - raw_before <= ticks * 61,
            "raw spinner ran {}",
            raw_polls.get() - raw_before
        );
        assert!(
            pool_polls.get() - pool_before <= 2 * 61,
            "pool spinner ran {}",
            pool_polls.get() - pool_before
        );
        assert!(stats.rounds <= 3, "{stats:?}");
        assert!(u64::from(stats.ticks) <= ticks, "{stats:?}");
        if deadline_pump.is_none() && slept.get().is_some() {
            deadline_pump = Some(n);
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    assert_eq!(hops.get(), 20, "next_frame hops were delayed");
    assert!(
        raw_polls.get() >= 25 && pool_polls.get() >= 25,
        "a spinner starved"
    );
    let slept = slept.get().expect("the sleeping task starved");
    assert!(
        slept < Duration::from_millis(20) + Duration::from_millis(10),
        "sleep took {slept:?}"
    );
}

/// A pool task that burns `cost` of CPU in one poll, then records its id.
fn heavy(
    pool: &'static SharedLocalPool,
    id: usize,
    cost: Duration,
    log: &Rc<RefCell<Vec<(usize, u64)>>>,
) {
    let log = Rc::clone(log);
    pool.spawn(async move {
        let start = Instant::now();
        while start.elapsed() < cost {
            std::hint::spin_loop();
        }
        log.borrow_mut().push((id, pool.pumps()));
    });
}

#[test]
fn a_budget_stops_the_pump_after_one_poll_past_it_and_keeps_fifo_order() {
    let pool = pool();
    let log = Rc::new(RefCell::new(Vec::new()));
    let cost = Duration::from_micros(300);
    let budget = Duration::from_millis(2);
    for id in 0..100 {
        heavy(pool, id, cost, &log);
    }
    let pumps = pump_until(pool, 100, Some(budget), || log.borrow().len() == 100);
    let log = log.borrow();
    let order: Vec<usize> = log.iter().map(|(id, _)| *id).collect();
    assert_eq!(order, (0..100).collect::<Vec<_>>(), "FIFO order broken");
    // Each poll takes at least `cost`, so a pump that stops after the poll
    // crossing the budget runs at most budget / cost + 1 of them.
    let max_per_pump = (budget.as_micros() / cost.as_micros()) as usize + 1;
    for pump in 1..=pool.pumps() {
        let ran = log.iter().filter(|(_, p)| *p == pump).count();
        assert!(
            ran <= max_per_pump,
            "pump {pump} ran {ran} tasks (max {max_per_pump})"
        );
    }
    assert!(pumps >= 100 / max_per_pump as u32, "{pumps} pumps");
    assert_eq!(pool.backlog(), 0);
}

#[test]
fn work_that_becomes_ready_later_waits_behind_the_backlog() {
    let pool = pool();
    let log = Rc::new(RefCell::new(Vec::new()));
    for id in 0..30 {
        heavy(pool, id, Duration::from_micros(200), &log);
    }
    let budget = Some(Duration::from_millis(1));
    let stats = pool.pump_with_budget(budget).unwrap();
    assert!(stats.over_budget && stats.backlog > 0, "{stats:?}");
    // A newcomer, and an old task aborted while it waits: neither may
    // overtake or stall the rest.
    heavy(pool, 1000, Duration::ZERO, &log);
    pump_until(pool, 100, budget, || log.borrow().len() == 31);
    let order: Vec<usize> = log.borrow().iter().map(|(id, _)| *id).collect();
    let mut expected: Vec<usize> = (0..30).collect();
    expected.push(1000);
    assert_eq!(order, expected);
}

#[test]
fn aborted_backlog_tasks_leave_it_and_an_unbudgeted_pump_drains_it() {
    let pool = pool();
    let log = Rc::new(RefCell::new(Vec::new()));
    let mut handles = Vec::new();
    for id in 0..40 {
        let log = Rc::clone(&log);
        handles.push(pool.spawn(async move {
            let start = Instant::now();
            while start.elapsed() < Duration::from_micros(200) {
                std::hint::spin_loop();
            }
            log.borrow_mut().push(id);
        }));
    }
    let stats = pool
        .pump_with_budget(Some(Duration::from_millis(1)))
        .unwrap();
    assert!(stats.backlog > 10, "{stats:?}");
    let aborted: Vec<usize> = (30..40).collect();
    for id in &aborted {
        handles[*id].abort();
    }
    let stats = pool.pump().unwrap();
    assert!(!stats.over_budget);
    assert_eq!(stats.backlog, 0, "{stats:?}");
    let ran = log.borrow().clone();
    assert_eq!(ran, (0..ran.len()).collect::<Vec<_>>());
    assert!(ran.len() >= 30 && ran.iter().all(|id| *id < 40));
    assert_eq!(pool.live_tasks(), 0);
    assert_eq!(pool.backlog(), 0);
}

#[test]
fn ungated_tasks_overrun_a_budget_by_at_most_a_tick() {
    let pool = pool();
    let ran = Rc::new(RefCell::new(Vec::new()));
    let cost = Duration::from_micros(100);
    let r = Rc::clone(&ran);
    pool.spawn(async move {
        for id in 0..300 {
            let r = Rc::clone(&r);
            drop(tokio::task::spawn_local(async move {
                let start = Instant::now();
                while start.elapsed() < cost {
                    std::hint::spin_loop();
                }
                r.borrow_mut().push(id);
            }));
        }
    });
    pool.pump().unwrap(); // spawns them
    let budget = Duration::from_millis(1);
    let mut before = ran.borrow().len();
    while ran.borrow().len() < 300 {
        let stats = pool.pump_with_budget(Some(budget)).unwrap();
        let now = ran.borrow().len();
        assert!(now > before, "no progress: {stats:?}");
        assert!(now - before <= 61 + 1, "ran {} in one pump", now - before);
        before = now;
    }
    assert_eq!(*ran.borrow(), (0..300).collect::<Vec<_>>());
}

/// Runtime tasks (`tokio::spawn`) are not gated, but the pump checks the
/// budget between their batches (16 polls, the runtime's event interval):
/// each poll here burns at least `cost`, so a pump that ran more than
/// budget / cost + one batch + one of them overran the budget by more than
/// a batch.
#[test]
fn a_budget_caps_runtime_tasks_too() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    let pool = pool();
    let ran = Arc::new(AtomicUsize::new(0));
    let cost = Duration::from_micros(200);
    let budget = Duration::from_millis(2);
    let r = Arc::clone(&ran);
    pool.spawn(async move {
        for _ in 0..300 {
            let r = Arc::clone(&r);
            drop(tokio::spawn(async move {
                let start = Instant::now();
                while start.elapsed() < cost {
                    std::hint::spin_loop();
                }
                r.fetch_add(1, Ordering::Relaxed);
            }));
        }
    });
    let max_per_pump = (budget.as_micros() / cost.as_micros()) as usize + 16 + 1;
    let mut before = 0;
    for _ in 0..1000 {
        pool.pump_with_budget(Some(budget)).unwrap();
        let now = ran.load(Ordering::Relaxed);
        assert!(
            now - before <= max_per_pump,
            "{} runtime tasks of {cost:?} ran in one pump with a {budget:?} budget",
            now - before
        );
        before = now;
        if now == 300 {
            return;
        }
    }
    panic!("only {before} of 300 runtime tasks ran");
}
