//! Idle pump cost: this crate's pump against the seed recipe
//! (`block_on(local_set.run_until(spawn_local(async {})))`) and against a
//! `futures::executor::LocalPool` pump (gdnative-async's test executor),
//! with 0 and 100k pending-but-not-ready tasks, and one bare driver turn
//! (`block_on(yield_now())`, the floor of an idle pump). Prints each ratio
//! to the seed recipe's own row at 0 pending (so that row reads 1.00x).

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use tokio::task::LocalSet;

mod common;
use common::{ratio, sample};
use std::time::Duration;

const PENDING: [usize; 3] = [0, 1_000, 100_000];

fn park_forever() -> impl std::future::Future<Output = ()> {
    std::future::pending()
}

fn ours(pending: usize) -> impl FnMut() {
    let pool = common::pool();
    for _ in 0..pending {
        pool.spawn(park_forever());
    }
    pool.pump().unwrap();
    move || {
        let _ = black_box(pool.pump());
    }
}

fn seed(pending: usize) -> impl FnMut() {
    let rt = common::runtime();
    let local = LocalSet::new();
    for _ in 0..pending {
        local.spawn_local(park_forever());
    }
    move || common::seed_pump(&rt, &local)
}

/// The floor: one zero-timeout turn of the runtime's driver, which an idle
/// pump is, without the pump's own bookkeeping.
fn driver_turn() -> impl FnMut() {
    let rt = common::runtime();
    move || rt.block_on(tokio::task::yield_now())
}

fn local_pool(pending: usize) -> impl FnMut() {
    use futures::task::LocalSpawnExt;
    let mut pool = futures::executor::LocalPool::new();
    for _ in 0..pending {
        pool.spawner().spawn_local(park_forever()).expect("spawn");
    }
    pool.run_until_stalled();
    move || pool.run_until_stalled()
}

fn ratios() {
    println!(
        "\nidle pump cost (20k pumps per sample, best of {ROUNDS} samples taken in turns), \
         ratio to the seed recipe with 0 pending (its own row):"
    );
    let mut rows: Vec<Row> = Vec::new();
    for pending in PENDING {
        rows.push(("gdnative-tokio pump", pending, Box::new(ours(pending))));
        rows.push(("seed recipe", pending, Box::new(seed(pending))));
        rows.push(("futures LocalPool", pending, Box::new(local_pool(pending))));
    }
    rows.push(("one driver turn", 0, Box::new(driver_turn())));
    // Samples taken in turns, so that no row is measured only while the CPU
    // clock ramps up or another process runs.
    let mut best = vec![Duration::MAX; rows.len()];
    for _ in 0..ROUNDS {
        for (row, best) in rows.iter_mut().zip(&mut best) {
            *best = (*best).min(sample(&mut row.2, 20_000));
        }
    }
    // The baseline is the seed row printed below, not a separate run.
    let baseline = rows
        .iter()
        .zip(&best)
        .find(|((name, pending, _), _)| *name == "seed recipe" && *pending == 0)
        .map(|(_, t)| *t)
        .expect("a seed row at 0 pending");
    for ((name, pending, _), t) in rows.iter().zip(best) {
        println!(
            "  {name:<20} {pending:>6} pending: {:>8.0} ns  ({:.2}x seed@0)",
            t.as_nanos(),
            ratio(t, baseline)
        );
    }
    println!();
}

/// A printed row: name, pending tasks, one pump.
type Row = (&'static str, usize, Box<dyn FnMut()>);

/// Samples per row in [`ratios`].
const ROUNDS: usize = 7;

fn idle_pump(c: &mut Criterion) {
    ratios();
    let mut group = c.benchmark_group("idle_pump");
    for pending in [0, 100_000] {
        let mut f = ours(pending);
        group.bench_function(format!("gdnative_tokio/{pending}_pending"), |b| {
            b.iter(&mut f)
        });
        let mut f = seed(pending);
        group.bench_function(format!("seed_recipe/{pending}_pending"), |b| b.iter(&mut f));
        let mut f = local_pool(pending);
        group.bench_function(format!("local_pool/{pending}_pending"), |b| b.iter(&mut f));
    }
    group.finish();
}

criterion_group!(benches, idle_pump);
criterion_main!(benches);
