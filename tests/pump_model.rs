//! A randomized model test of the pump: random mixes of pool tasks that
//! wait on other threads, wake themselves, yield, chain through runtime
//! tasks or spawn children (also from inside the pump, as a resumed
//! coroutine does), beside ungated `tokio::task::spawn_local` tasks that
//! spin or wait on other threads, under random budgets. For every pump it
//! checks:
//! - the pump returns (a watchdog thread aborts the process, naming the
//!   seed, if one takes longer than 10 s);
//! - the stated bounds: at most `MAX_ROUNDS` rounds, each pool task polled
//!   at most once per round, at most `UNGATED_TICKS` ungated ticks;
//! - without a budget, every pool task woken before the pump is polled in
//!   it; with one, within (tasks queued ahead of it + 1) pumps;
//! - no task is polled after it completed, or after it was aborted.
//!
//! Runs for `GDT_MODEL_SECONDS` seconds (default 3); `GDT_MODEL_SEED`
//! replays one seed.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

use gdnative_tokio::{
    executor::PumpStats, executor::ReentrantPump, executor::SharedLocalPool, task::JoinHandle,
};

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// Pump numbers: odd while pump `(n - 1) / 2` runs, even between pumps.
static EPOCH: AtomicU64 = AtomicU64::new(0);

/// What the model knows of one pool task.
struct Watch {
    polls_this_pump: Cell<u32>,
    completed: Cell<bool>,
    aborted: Cell<bool>,
    /// A poll after completion or abort.
    violation: Cell<Option<&'static str>>,
}

/// Records wakes, then forwards them to the pool's waker.
struct RecordingWaker {
    watch: Arc<WakeRecord>,
    inner: Waker,
}

#[derive(Default)]
struct WakeRecord {
    woken_at: AtomicU64,
}

impl Wake for RecordingWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let now = EPOCH.load(Ordering::SeqCst);
        let _ =
            self.watch
                .woken_at
                .compare_exchange(0, now.max(1), Ordering::SeqCst, Ordering::SeqCst);
        self.inner.wake_by_ref();
    }
}

/// A pool task under watch.
struct Watched<F> {
    future: Pin<Box<F>>,
    watch: Rc<Watch>,
    record: Arc<WakeRecord>,
}

impl<F: Future<Output = ()>> Future for Watched<F> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let watch = Rc::clone(&self.watch);
        if watch.completed.get() {
            watch.violation.set(Some("polled after it completed"));
        }
        if watch.aborted.get() {
            watch.violation.set(Some("polled after it was aborted"));
        }
        watch.polls_this_pump.set(watch.polls_this_pump.get() + 1);
        self.record.woken_at.store(0, Ordering::SeqCst);
        let waker = Waker::from(Arc::new(RecordingWaker {
            watch: Arc::clone(&self.record),
            inner: cx.waker().clone(),
        }));
        let mut inner = Context::from_waker(&waker);
        let result = self.future.as_mut().poll(&mut inner);
        if result.is_ready() {
            watch.completed.set(true);
        }
        result
    }
}

/// One randomized scenario on one pool.
struct Model {
    pool: &'static SharedLocalPool,
    rng: RefCell<Rng>,
    watches: RefCell<Vec<(Rc<Watch>, Arc<WakeRecord>)>>,
    handles: RefCell<Vec<(JoinHandle<()>, Rc<Watch>)>>,
    /// Senders completed by other threads between or during pumps.
    remote: RefCell<Vec<tokio::sync::oneshot::Sender<()>>>,
    stop: Arc<AtomicBool>,
}

type Boxed = Pin<Box<dyn Future<Output = ()>>>;

impl Model {
    fn spawn(self: &Rc<Self>, future: Boxed) {
        let watch = Rc::new(Watch {
            polls_this_pump: Cell::new(0),
            completed: Cell::new(false),
            aborted: Cell::new(false),
            violation: Cell::new(None),
        });
        let record = Arc::new(WakeRecord::default());
        // Spawned counts as woken now.
        record
            .woken_at
            .store(EPOCH.load(Ordering::SeqCst).max(1), Ordering::SeqCst);
        let handle = self.pool.spawn(Watched {
            future: Box::pin(future),
            watch: Rc::clone(&watch),
            record: Arc::clone(&record),
        });
        self.watches
            .borrow_mut()
            .push((Rc::clone(&watch), Arc::clone(&record)));
        self.handles.borrow_mut().push((handle, watch));
    }

    /// A random pool task; `depth` limits children.
    fn random_task(self: &Rc<Self>, depth: u32) -> Boxed {
        let kind = self.rng.borrow_mut().below(7);
        let n = self.rng.borrow_mut().below(20) as u32;
        let model = Rc::clone(self);
        match kind {
            // Waits on another thread.
            0 => {
                let (tx, rx) = tokio::sync::oneshot::channel::<()>();
                self.remote.borrow_mut().push(tx);
                Box::pin(async move {
                    let _ = rx.await;
                })
            }
            // Wakes itself directly, n times.
            1 => {
                let left = Cell::new(n);
                Box::pin(std::future::poll_fn(move |cx| {
                    if left.get() == 0 {
                        return Poll::Ready(());
                    }
                    left.set(left.get() - 1);
                    cx.waker().wake_by_ref();
                    Poll::Pending
                }))
            }
            // Yields n times.
            2 => Box::pin(async move {
                for _ in 0..n {
                    tokio::task::yield_now().await;
                }
            }),
            // A chain through runtime tasks.
            3 => Box::pin(async move {
                for i in 0..n % 5 {
                    let _ = tokio::spawn(async move {
                        tokio::time::sleep(Duration::from_micros(u64::from(i) * 300)).await;
                    })
                    .await;
                }
            }),
            // Spawns children (from inside the pump).
            4 if depth < 3 => Box::pin(async move {
                for _ in 0..n % 4 {
                    let child = model.random_task(depth + 1);
                    model.spawn(child);
                    tokio::task::yield_now().await;
                }
            }),
            // Ungated tasks: spinners and cross-thread waiters.
            5 => Box::pin(async move {
                let spin = model.rng.borrow_mut().chance(30);
                if spin {
                    let stop = Arc::clone(&model.stop);
                    drop(tokio::task::spawn_local(std::future::poll_fn(move |cx| {
                        if stop.load(Ordering::Relaxed) {
                            return Poll::Ready(());
                        }
                        cx.waker().wake_by_ref();
                        Poll::Pending
                    })));
                }
                for _ in 0..n {
                    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
                    model.remote.borrow_mut().push(tx);
                    drop(tokio::task::spawn_local(async move {
                        let _ = rx.await;
                    }));
                }
            }),
            // Tries a re-entrant pump, then ends.
            _ => Box::pin(async move {
                let result = model.pool.pump();
                assert_eq!(result, Err(ReentrantPump), "a re-entrant pump ran");
            }),
        }
    }

    /// Completes some of the pending senders from another thread.
    fn complete_remote(&self, all: bool) {
        let mut remote = self.remote.borrow_mut();
        let take = if all {
            remote.len()
        } else {
            self.rng.borrow_mut().below(remote.len() as u64 + 1) as usize
        };
        let senders: Vec<_> = remote.drain(..take).collect();
        drop(remote);
        std::thread::spawn(move || {
            senders.into_iter().for_each(|tx| {
                let _ = tx.send(());
            })
        })
        .join()
        .expect("sender thread");
    }
}

/// Aborts the process if a pump does not return in time.
struct Watchdog {
    armed: Arc<AtomicU64>,
    seed: Arc<AtomicU64>,
}

impl Watchdog {
    fn start() -> Self {
        let (armed, seed) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
        let (a, s) = (Arc::clone(&armed), Arc::clone(&seed));
        std::thread::spawn(move || loop {
            std::thread::sleep(Duration::from_millis(200));
            let since = a.load(Ordering::SeqCst);
            if since != 0 && now_ms().saturating_sub(since) > 10_000 {
                let seed = s.load(Ordering::SeqCst);
                eprintln!("pump_model: a pump did not return within 10 s (seed {seed:#x})");
                std::process::abort();
            }
        });
        Watchdog { armed, seed }
    }

    fn pump(
        &self,
        pool: &SharedLocalPool,
        budget: Option<Duration>,
    ) -> Result<PumpStats, ReentrantPump> {
        self.armed.store(now_ms().max(1), Ordering::SeqCst);
        let stats = pool.pump_with_budget(budget);
        self.armed.store(0, Ordering::SeqCst);
        stats
    }
}

fn now_ms() -> u64 {
    use std::time::{SystemTime, UNIX_EPOCH};
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

fn run_seed(seed: u64, watchdog: &Watchdog) {
    watchdog.seed.store(seed, Ordering::SeqCst);
    let pool: &'static SharedLocalPool =
        Box::leak(Box::new(SharedLocalPool::new().expect("runtime")));
    let model = Rc::new(Model {
        pool,
        rng: RefCell::new(Rng(seed | 1)),
        watches: RefCell::default(),
        handles: RefCell::default(),
        remote: RefCell::default(),
        stop: Arc::default(),
    });
    let tasks = 1 + model.rng.borrow_mut().below(60);
    for _ in 0..tasks {
        let task = model.random_task(0);
        model.spawn(task);
    }
    // Pumps queued ahead of a woken task bound when it runs under a budget.
    let mut owed: Vec<(Rc<Watch>, u64)> = Vec::new();
    for pump in 0..40u64 {
        let budget = if model.rng.borrow_mut().chance(30) {
            Some(Duration::from_micros(model.rng.borrow_mut().below(2000)))
        } else {
            None
        };
        if model.rng.borrow_mut().chance(50) {
            model.complete_remote(false);
        }
        if model.rng.borrow_mut().chance(10) {
            let handles = model.handles.borrow();
            if !handles.is_empty() {
                let pick = model.rng.borrow_mut().below(handles.len() as u64) as usize;
                let (handle, watch) = &handles[pick];
                if !handle.is_finished() {
                    // Its future is dropped without another poll.
                    handle.abort();
                    watch.aborted.set(true);
                }
            }
        }
        // Tasks woken before this pump, with the number of tasks ahead.
        let live = pool.live_tasks() as u64;
        let woken_before: Vec<Rc<Watch>> = model
            .watches
            .borrow()
            .iter()
            .filter(|(w, r)| {
                !w.completed.get() && !w.aborted.get() && r.woken_at.load(Ordering::SeqCst) != 0
            })
            .map(|(w, _)| Rc::clone(w))
            .collect();
        for (w, _) in model.watches.borrow().iter() {
            w.polls_this_pump.set(0);
        }
        EPOCH.fetch_add(1, Ordering::SeqCst);
        let result = watchdog.pump(pool, budget);
        EPOCH.fetch_add(1, Ordering::SeqCst);
        let context = format!("seed {seed:#x}, pump {pump}, budget {budget:?}: {result:?}");
        let Ok(stats) = result else {
            panic!("a top-level pump was refused: {context}");
        };
        assert!(stats.rounds <= SharedLocalPool::MAX_ROUNDS, "{context}");
        assert!(stats.ticks <= SharedLocalPool::UNGATED_TICKS, "{context}");
        for (w, _) in model.watches.borrow().iter() {
            assert!(
                w.polls_this_pump.get() <= stats.rounds.max(1),
                "a task was polled {} times in {} rounds ({context})",
                w.polls_this_pump.get(),
                stats.rounds
            );
            if let Some(what) = w.violation.get() {
                panic!("a task was {what} ({context})");
            }
        }
        if budget.is_none() {
            for w in &woken_before {
                assert!(
                    w.polls_this_pump.get() > 0 || w.completed.get(),
                    "a task woken before the pump was not polled in it ({context})"
                );
            }
        } else {
            for w in woken_before {
                if w.polls_this_pump.get() == 0 && !w.completed.get() {
                    owed.push((w, pump + live + 1));
                }
            }
        }
        owed.retain(|(w, _)| {
            w.polls_this_pump.get() == 0 && !w.completed.get() && !w.aborted.get()
        });
        for (_, due) in &owed {
            assert!(
                pump < *due,
                "a woken task waited past its bound ({context})"
            );
        }
    }
    model.stop.store(true, Ordering::Relaxed);
    model.complete_remote(true);
    pool.shutdown();
}

#[test]
fn random_mixes_of_tasks_keep_every_pump_bounded_and_fair() {
    let seconds: u64 = std::env::var("GDT_MODEL_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    let fixed: Option<u64> = std::env::var("GDT_MODEL_SEED")
        .ok()
        .and_then(|s| u64::from_str_radix(s.trim_start_matches("0x"), 16).ok());
    let mut seeds = Rng(now_ms() | 1);
    let started = Instant::now();
    let mut runs = 0;
    let watchdog = Watchdog::start();
    loop {
        let seed = fixed.unwrap_or_else(|| seeds.next());
        run_seed(seed, &watchdog);
        runs += 1;
        if fixed.is_some() || started.elapsed() >= Duration::from_secs(seconds) {
            break;
        }
    }
    eprintln!("pump_model: {runs} scenarios in {:?}", started.elapsed());
}
