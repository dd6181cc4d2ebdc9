//! The live task view's cost: spawn-to-completion throughput of named
//! tasks (`Tracked`, what `guard` and `spawn_named` add to every async
//! method, toolkit call and labelled Rust task) with the bookkeeping on,
//! against the same run with it switched off (`set_task_tracking(false)`)
//! and against plain `task::spawn`, all measured in this run. Each task
//! yields once, so it is polled twice.

use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use gdnative_tokio::executor::SharedLocalPool;
use gdnative_tokio::task::{set_task_tracking, spawn, spawn_named};

mod common;
use common::{best_of, ratio};

const TASKS: u32 = 10_000;

/// Spawns `TASKS` tasks with `spawn`, pumps until all completed; time per
/// task.
fn batch(spawn: fn()) -> Duration {
    let pool = SharedLocalPool::current();
    let start = Instant::now();
    for _ in 0..TASKS {
        spawn();
    }
    while pool.live_tasks() > 0 {
        pool.pump().unwrap();
    }
    start.elapsed() / TASKS
}

fn named() {
    drop(spawn_named("bench", tokio::task::yield_now()));
}

fn plain() {
    drop(spawn(tokio::task::yield_now()));
}

fn tracked(on: bool) -> Duration {
    set_task_tracking(on);
    let t = best_of(7, || batch(named));
    set_task_tracking(true);
    t
}

fn ratios() {
    // Warm up allocator and runtime.
    batch(named);
    batch(plain);
    let mut rows = Vec::new();
    // Interleaved rounds, so drift affects both sides alike.
    let (mut on, mut off, mut base) = (Duration::MAX, Duration::MAX, Duration::MAX);
    for _ in 0..3 {
        off = off.min(tracked(false));
        on = on.min(tracked(true));
        base = base.min(best_of(7, || batch(plain)));
    }
    rows.push(("spawn_named, tracking on", on));
    rows.push(("spawn_named, tracking off", off));
    rows.push(("task::spawn (no wrapper)", base));
    println!(
        "\nspawn-to-completion per task (best of 3 x 7 batches of {TASKS}), ratio to tracking off:"
    );
    for (name, t) in rows {
        println!(
            "  {name:<28} {:>6.0} ns  ({:.3}x)",
            t.as_nanos(),
            ratio(t, off)
        );
    }
    println!(
        "task view bookkeeping cost: {:+.1}% of spawn-to-completion time\n",
        (ratio(on, off) - 1.0) * 100.0
    );
}

fn task_view(c: &mut Criterion) {
    ratios();
    let mut group = c.benchmark_group("task_view");
    group.sample_size(10);
    for on in [true, false] {
        group.bench_function(format!("spawn_to_completion/tracking_{on}"), |b| {
            b.iter(|| {
                set_task_tracking(on);
                batch(named)
            })
        });
    }
    set_task_tracking(true);
    group.finish();
}

criterion_group!(benches, task_view);
criterion_main!(benches);
