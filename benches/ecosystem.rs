//! Tokio-ecosystem work through the pump, each row against plain Tokio
//! (the same work in one `block_on(local.run_until(..))`, no engine)
//! measured in the same run:
//!
//! - remote wakes under load: 200 tasks await oneshots that an OS thread
//!   completes, beside 10 always-ready tasks (through the pool, then all
//!   spawned with `tokio::task::spawn_local`);
//! - a 5 ms blocking job started in the future's first poll and at the
//!   call, for a method called between two pumps;
//! - `tokio::spawn` fan-out/join: 1000 runtime tasks sleeping 5-9 ms;
//! - loopback HTTP GET (reqwest against a minimal HTTP/1.1 server);
//! - 100 WebSocket echoes over loopback (tokio-tungstenite);
//! - spawn-to-completion through `LocalSpawn` against a bare `LocalSet`;
//! - 10k requests to a `Service`: capacity 64, capacity 1024, and batches
//!   of 64 items per request, as items per frame against capacity 64.
//!
//! The first four and the services pump at 60 frames per second (a pump, then a sleep to the
//! next frame) and report frames and milliseconds from the call.

use std::cell::Cell;
use std::future::Future;
use std::rc::Rc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use futures::task::{LocalFutureObj, LocalSpawn};
use gdnative_tokio::executor::SharedLocalPool;
use tokio::task::LocalSet;

mod common;
#[path = "../tests/loopback/mod.rs"]
mod loopback;
use common::{ratio, runtime, seed_pump};
use loopback::{echoes, get, http_server, spawn_join_1000, ws_server};

const FRAME: Duration = Duration::from_micros(16_667);

/// Spawns `job` on `pool` and pumps once per 60 fps frame until it is
/// done: (frames, time from the call).
fn frames_for(pool: &SharedLocalPool, job: impl Future<Output = ()> + 'static) -> (u32, Duration) {
    let done = Rc::new(Cell::new(false));
    let d = Rc::clone(&done);
    let start = Instant::now();
    pool.spawn(async move {
        job.await;
        d.set(true);
    });
    for frame in 1..=3_000 {
        std::thread::sleep((start + FRAME * frame).saturating_duration_since(Instant::now()));
        pool.pump().unwrap();
        if done.get() {
            return (frame, start.elapsed());
        }
    }
    panic!("not done after 3000 frames");
}

/// The same job in plain Tokio: time from the call.
fn plain<F: Future<Output = ()>>(job: impl FnOnce() -> F) -> Duration {
    let (rt, local) = (runtime(), LocalSet::new());
    rt.block_on(local.run_until(async move {
        let start = Instant::now();
        job().await;
        start.elapsed()
    }))
}

/// 200 oneshot receivers and 10 always-ready tasks; returns the job that
/// completes the 200 from an OS thread and waits for them.
fn remote_wakes(
    spawn: impl Fn(std::pin::Pin<Box<dyn Future<Output = ()>>>),
) -> impl Future<Output = ()> {
    for _ in 0..10 {
        spawn(Box::pin(async {
            loop {
                tokio::task::yield_now().await;
            }
        }));
    }
    let left = Rc::new(Cell::new(200usize));
    let all_done = Rc::new(tokio::sync::Notify::new());
    let mut senders = Vec::new();
    for _ in 0..200 {
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        senders.push(tx);
        let (l, all) = (Rc::clone(&left), Rc::clone(&all_done));
        spawn(Box::pin(async move {
            rx.await.ok();
            l.set(l.get() - 1);
            if l.get() == 0 {
                all.notify_one();
            }
        }));
    }
    async move {
        std::thread::spawn(move || {
            senders.into_iter().for_each(|tx| {
                let _ = tx.send(());
            })
        });
        all_done.notified().await;
    }
}

fn ms(t: Duration) -> f64 {
    t.as_secs_f64() * 1e3
}

fn row(name: &str, (frames, ours): (u32, Duration), plain: Duration) {
    println!(
        "  {name:<44} {frames:>4} frames {:>8.1} ms   plain Tokio {:>7.2} ms",
        ms(ours),
        ms(plain)
    );
}

fn ecosystem() {
    println!(
        "\nTokio-ecosystem work, pumped at 60 fps (frames and ms from the call) vs plain Tokio:"
    );
    let pool = common::pool();
    let job = remote_wakes(|f| drop(pool.spawn(f)));
    let ours = frames_for(pool, job);
    let plain_t = plain(|| remote_wakes(|f| drop(tokio::task::spawn_local(f))));
    row("200 cross-thread wakes + 10 always-ready", ours, plain_t);

    // The same written in plain Tokio inside a method: every task spawned
    // with `tokio::task::spawn_local` (not gated by the pool).
    let pool = common::pool();
    let job = remote_wakes(|f| drop(pool.spawn(async move { drop(tokio::task::spawn_local(f)) })));
    row(
        "  the same, all tokio::task::spawn_local",
        frames_for(pool, job),
        plain_t,
    );

    // Work that a method starts in its future's first poll waits for the
    // next pump when the method is called between pumps (from `_process`,
    // `_ready`, input); started in the method body, at the call, it runs
    // meanwhile.
    let pool = common::pool();
    let blocking = || tokio::task::spawn_blocking(|| std::thread::sleep(Duration::from_millis(5)));
    let in_poll = frames_for(pool, async move {
        let _ = blocking().await;
    });
    let at_call = {
        let _enter = pool.enter();
        let job = blocking();
        frames_for(pool, async move {
            let _ = job.await;
        })
    };
    let plain_job = plain(|| async move {
        let _ = blocking().await;
    });
    row(
        "5 ms blocking job started in the first poll",
        in_poll,
        plain_job,
    );
    row("  the same started at the call", at_call, plain_job);

    let pool = common::pool();
    let ours = frames_for(pool, spawn_join_1000());
    row(
        "1000 tokio::spawn sleeping 5-9 ms, joined",
        ours,
        plain(spawn_join_1000),
    );

    let pool = common::pool();
    let addr = Rc::new(Cell::new(None));
    let a = Rc::clone(&addr);
    frames_for(pool, async move { a.set(Some(http_server().await)) });
    let url = format!("http://{}/", addr.get().expect("addr"));
    let client = reqwest::Client::new();
    let mut worst = (0, Duration::ZERO);
    for _ in 0..10 {
        worst = worst.max(frames_for(pool, get(client.clone(), url.clone())));
    }
    let plain_get = plain(|| async {
        let url = format!("http://{}/", http_server().await);
        let client = reqwest::Client::new();
        get(client.clone(), url.clone()).await;
        let start = Instant::now();
        for _ in 0..10 {
            get(client.clone(), url.clone()).await;
        }
        println!(
            "  (plain Tokio, pooled connection: {:.3} ms per GET)",
            ms(start.elapsed() / 10)
        );
    });
    row("loopback reqwest GET (worst of 10)", worst, plain_get / 11);

    let pool = common::pool();
    let addr = Rc::new(Cell::new(None));
    let a = Rc::clone(&addr);
    frames_for(pool, async move { a.set(Some(ws_server().await)) });
    let addr = addr.get().expect("addr");
    let ours = frames_for(pool, echoes(addr, 100));
    let plain_ws = plain(|| async { echoes(ws_server().await, 100).await });
    row("WebSocket: connect + 100 echoes", ours, plain_ws);
}

/// Spawn-to-completion of `N` short tasks through `LocalSpawn` (boxed, as
/// gdnative-async spawns), against a bare `LocalSet` running the same boxed
/// futures, and unboxed ones, each on its own set. The three take turns
/// (the first in a round changes every round), after a warm-up round each,
/// so that none pays the heap's first growth or a busy moment alone.
fn spawn_to_completion() {
    const N: usize = 10_000;
    const ROUNDS: usize = 100;
    let count = Rc::new(Cell::new(0usize));
    let task = |count: &Rc<Cell<usize>>| {
        let count = Rc::clone(count);
        LocalFutureObj::from(Box::new(async move { count.set(count.get() + 1) }) as Box<_>)
    };
    let rate = |t: Duration| N as f64 / t.as_secs_f64() / 1e6;
    let pool = common::pool();
    let (rt, local) = (runtime(), LocalSet::new());
    let (rt2, local2) = (runtime(), LocalSet::new());
    let mut ours = || {
        for _ in 0..N {
            pool.spawn_local_obj(task(&count)).expect("spawn");
        }
        pool.pump().unwrap();
    };
    let mut boxed = || {
        for _ in 0..N {
            drop(local.spawn_local(task(&count)));
        }
        seed_pump(&rt, &local);
    };
    let mut unboxed = || {
        for _ in 0..N {
            let count = Rc::clone(&count);
            drop(local2.spawn_local(async move { count.set(count.get() + 1) }));
        }
        seed_pump(&rt2, &local2);
    };
    let mut samples: [Vec<Duration>; 3] = Default::default();
    for round in 0..=ROUNDS {
        let fs = [&mut ours as &mut dyn FnMut(), &mut boxed, &mut unboxed];
        for k in 0..3 {
            let i = (k + round) % 3;
            let start = Instant::now();
            (fs[i])();
            if round > 0 {
                samples[i].push(start.elapsed());
            }
        }
    }
    assert_eq!(count.get(), 3 * (ROUNDS + 1) * N);
    let [t_ours, t_boxed, t_plain] = samples.map(|mut s| common::median_max(&mut s).0);
    println!(
        "\nspawn-to-completion, {N} tasks (median of {ROUNDS} samples, order rotated each round): LocalSpawn {:.2} M tasks/s; bare LocalSet, same boxed futures {:.2} M/s ({:.2}x); unboxed {:.2} M/s ({:.2}x)\n",
        rate(t_ours),
        rate(t_boxed),
        ratio(t_boxed, t_ours),
        rate(t_plain),
        ratio(t_plain, t_ours)
    );
}

/// `n` items requested from a fresh [`Service`](gdnative_tokio::background::Service) of
/// `capacity`, `batch` items per request, each request a task of its own
/// (as scripts calling `request` would make); the job awaits every answer.
fn service_requests(
    capacity: usize,
    batch: usize,
    n: usize,
    spawn: impl Fn(std::pin::Pin<Box<dyn Future<Output = ()>>>),
) -> impl Future<Output = ()> {
    let service = gdnative_tokio::background::Service::start(
        "bench",
        capacity,
        |items: Vec<u64>| async move { items.iter().sum::<u64>() },
    );
    let requests = n.div_ceil(batch);
    let left = Rc::new(Cell::new(requests));
    let all_done = Rc::new(tokio::sync::Notify::new());
    for r in 0..requests {
        let items: Vec<u64> = (r * batch..n.min((r + 1) * batch))
            .map(|i| i as u64)
            .collect();
        let (service, l, all) = (service.clone(), Rc::clone(&left), Rc::clone(&all_done));
        spawn(Box::pin(async move {
            service.request(items).await.expect("answered");
            l.set(l.get() - 1);
            if l.get() == 0 {
                all.notify_one();
            }
        }));
    }
    async move { all_done.notified().await }
}

/// A service's throughput per frame: what bounds it (requests from the
/// main thread enter its queue only while the pump runs) and the two ways
/// to raise it, against capacity 64 and plain Tokio, in the same run.
fn services() {
    const N: usize = 10_000;
    println!(
        "
{N} service requests from main-thread tasks, pumped at 60 fps vs plain Tokio:"
    );
    let mut base = None;
    for (capacity, batch) in [(64, 1), (1024, 1), (64, 64)] {
        let pool = common::pool();
        let (frames, ours) = frames_for(
            pool,
            service_requests(capacity, batch, N, |f| drop(pool.spawn(f))),
        );
        let plain_t =
            plain(|| service_requests(capacity, batch, N, |f| drop(tokio::task::spawn_local(f))));
        let per_frame = N as f64 / f64::from(frames);
        let base_rate = *base.get_or_insert(per_frame);
        println!(
            "  capacity {capacity:>4}, {batch:>2} item(s)/request  {frames:>4} frames {:>8.1} ms  \
             {per_frame:>7.0} items/frame ({:.1}x capacity 64)   plain Tokio {:>7.2} ms",
            ms(ours),
            per_frame / base_rate,
            ms(plain_t)
        );
    }
}

fn benches(c: &mut Criterion) {
    ecosystem();
    services();
    spawn_to_completion();
    let pool = common::pool();
    let count = Rc::new(Cell::new(0usize));
    let mut group = c.benchmark_group("ecosystem");
    group.sample_size(10);
    group.bench_function("local_spawn_10k_to_completion", |b| {
        b.iter(|| {
            for _ in 0..10_000 {
                let count = Rc::clone(&count);
                let f = Box::new(async move { count.set(count.get() + 1) });
                pool.spawn_local_obj(LocalFutureObj::from(f as Box<_>))
                    .expect("spawn");
            }
            pool.pump().unwrap();
        })
    });
    let (rt, local) = (runtime(), LocalSet::new());
    group.bench_function("bare_local_set_10k_boxed_to_completion", |b| {
        b.iter(|| {
            for _ in 0..10_000 {
                let count = Rc::clone(&count);
                let f = Box::new(async move { count.set(count.get() + 1) });
                drop(local.spawn_local(LocalFutureObj::from(f as Box<_>)));
            }
            seed_pump(&rt, &local);
        })
    });
    group.finish();
}

criterion_group!(ecosystem_benches, benches);
criterion_main!(ecosystem_benches);
