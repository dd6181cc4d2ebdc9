//! The pump under load, each figure with its ratio to a baseline measured in
//! the same run:
//!
//! - fan-out/join of 1k, 10k, 100k tasks (spawn, one self-wake, join):
//!   pumps and pump time against plain Tokio (`block_on(run_until(job))`,
//!   the limit) and against the seed recipe's pump;
//! - pump cost per ready task for 1, 100 and 10k ready tasks, against the
//!   seed recipe and a `futures` `LocalPool`;
//! - pump time (median, worst over 600 pumps) with a task that wakes itself
//!   on every poll, against an idle pump.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use futures::task::LocalSpawnExt;
use gdnative_tokio::executor::SharedLocalPool;
use gdnative_tokio_testbed::AsyncDemo;
use tokio::sync::Notify;
use tokio::task::LocalSet;

#[path = "../../benches/common/mod.rs"]
mod common;
use common::{best_of, median_max, ratio, runtime, seed_pump};

/// More seed-recipe pumps than this means the job was lost or crawled.
const SEED_MAX_PUMPS: u32 = 20_000;

/// Plain Tokio: the whole job inside one `block_on`, no engine.
fn plain_tokio(n: usize, join_set: bool) -> Duration {
    let rt = runtime();
    let local = LocalSet::new();
    let start = Instant::now();
    let sum = rt.block_on(local.run_until(AsyncDemo::fan_out_join(n, join_set)));
    let elapsed = start.elapsed();
    assert_eq!(sum as usize, n * (n.max(1) - 1) / 2);
    elapsed
}

/// Pumps `done` to completion; returns (pumps, time spent in pumps).
fn pump_until(mut pump: impl FnMut(), done: impl Fn() -> bool, max: u32) -> (u32, Duration) {
    let mut spent = Duration::ZERO;
    for n in 1..=max {
        let start = Instant::now();
        pump();
        spent += start.elapsed();
        if done() {
            return (n, spent);
        }
    }
    (u32::MAX, spent)
}

fn ours(pool: &'static SharedLocalPool, n: usize, join_set: bool) -> (u32, Duration) {
    let done = Rc::new(Cell::new(false));
    let d = Rc::clone(&done);
    pool.spawn(async move {
        AsyncDemo::fan_out_join(n, join_set).await;
        d.set(true);
    });
    pump_until(
        || {
            pool.pump().unwrap();
        },
        || done.get(),
        100,
    )
}

fn seed(n: usize) -> (u32, Duration) {
    let (rt, local) = (runtime(), LocalSet::new());
    let done = Rc::new(Cell::new(false));
    let d = Rc::clone(&done);
    local.spawn_local(async move {
        AsyncDemo::fan_out_join(n, false).await;
        d.set(true);
    });
    pump_until(|| seed_pump(&rt, &local), || done.get(), SEED_MAX_PUMPS)
}

fn fan_out() {
    println!("\nfan-out/join (spawn n tasks, one self-wake each, join all); best of 3;");
    println!("ratios to plain Tokio doing the same job (JoinSet: to plain Tokio with a JoinSet)");
    println!(
        "  {:>7}  {:>10}  {:>22}  {:>22}  {:>22}",
        "n", "plain ms", "ours: pumps, ms, ratio", "JoinSet: same", "seed recipe: same"
    );
    let pool = common::pool();
    for n in [1_000, 10_000, 100_000] {
        let plain = best_of(3, || plain_tokio(n, false));
        let plain_set = best_of(3, || plain_tokio(n, true));
        let row = |(pumps, t): (u32, Duration), plain: Duration| {
            if pumps == u32::MAX {
                format!("unfinished after {SEED_MAX_PUMPS}")
            } else {
                format!(
                    "{pumps:>5} {:>8.2} {:>6.2}x",
                    t.as_secs_f64() * 1e3,
                    ratio(t, plain)
                )
            }
        };
        let ours_row = best_of(3, || ours(pool, n, false));
        let set_row = best_of(3, || ours(pool, n, true));
        let seed_row = best_of(3, || seed(n));
        println!(
            "  {n:>7}  {:>10.2}  {:>22}  {:>22}  {:>22}",
            plain.as_secs_f64() * 1e3,
            row(ours_row, plain),
            row(set_row, plain_set),
            row(seed_row, plain)
        );
    }
}

/// Pump cost per ready task: `n` tasks wait on a `Notify`; each round wakes
/// them all and pumps once.
fn ready_tasks() {
    println!("\npump with n ready tasks: cost per task (best of 5 x 50 pumps)");
    for n in [1usize, 100, 10_000] {
        let notify = Rc::new(Notify::new());
        let waiter = |notify: Rc<Notify>| async move {
            loop {
                notify.notified().await;
            }
        };
        let pool = common::pool();
        for _ in 0..n {
            pool.spawn(waiter(Rc::clone(&notify)));
        }
        pool.pump().unwrap();
        let (rt, local) = (runtime(), LocalSet::new());
        for _ in 0..n {
            local.spawn_local(waiter(Rc::clone(&notify)));
        }
        seed_pump(&rt, &local);
        let mut lp = futures::executor::LocalPool::new();
        for _ in 0..n {
            lp.spawner()
                .spawn_local(waiter(Rc::clone(&notify)))
                .expect("spawn");
        }
        lp.run_until_stalled();
        let per_task = |pump: &mut dyn FnMut()| {
            common::per_call(
                || {
                    notify.notify_waiters();
                    pump();
                },
                50,
            ) / n as u32
        };
        let t_ours = per_task(&mut || {
            pool.pump().unwrap();
        });
        let t_seed = per_task(&mut || seed_pump(&rt, &local));
        let t_lp = per_task(&mut || lp.run_until_stalled());
        println!(
            "  {n:>6} ready: ours {:>7.0} ns/task  seed {:>7.0} ns/task ({:.2}x seed)  LocalPool {:>7.0} ns/task ({:.2}x LocalPool)",
            t_ours.as_nanos(),
            t_seed.as_nanos(),
            ratio(t_ours, t_seed),
            t_lp.as_nanos(),
            ratio(t_ours, t_lp)
        );
    }
}

/// Wakes itself on every poll, forever.
struct Spin;

impl Future for Spin {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// Pump time over 600 pumps with a self-waking task, against idle.
fn self_waking() {
    println!(
        "\npump time over 600 pumps (median / worst), with a task that wakes itself on every poll"
    );
    let sample = |pool: &SharedLocalPool| {
        let mut times: Vec<Duration> = (0..600)
            .map(|_| {
                let start = Instant::now();
                pool.pump().unwrap();
                start.elapsed()
            })
            .collect();
        median_max(&mut times)
    };
    let idle = sample(common::pool());
    let through_pool = common::pool();
    through_pool.spawn(Spin);
    let raw = common::pool();
    raw.spawn(async { drop(tokio::task::spawn_local(Spin)) });
    raw.pump().unwrap();
    for (name, (median, worst)) in [
        ("idle", idle),
        ("spinner (pool)", sample(through_pool)),
        ("spinner (tokio)", sample(raw)),
    ] {
        println!(
            "  {name:<16} median {:>7.2} us  worst {:>7.2} us  (median +{:.2} us over idle)",
            median.as_secs_f64() * 1e6,
            worst.as_secs_f64() * 1e6,
            (median.as_secs_f64() - idle.0.as_secs_f64()) * 1e6
        );
    }
    println!();
}

fn load(c: &mut Criterion) {
    fan_out();
    ready_tasks();
    self_waking();
    let pool = common::pool();
    let mut group = c.benchmark_group("load");
    group.sample_size(10);
    group.bench_function("fan_out_join_10k_pumped", |b| {
        b.iter(|| ours(pool, 10_000, false))
    });
    group.bench_function("fan_out_join_10k_plain_tokio", |b| {
        b.iter(|| plain_tokio(10_000, false))
    });
    group.finish();
}

criterion_group!(benches, load);
criterion_main!(benches);
