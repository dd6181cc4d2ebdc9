//! Helpers shared by the benchmarks: timing and the baselines' set-up.

#![allow(dead_code)]

use std::time::{Duration, Instant};

use gdnative_tokio::executor::SharedLocalPool;

/// A fresh pool, leaked like the per-thread one a game uses.
pub fn pool() -> &'static SharedLocalPool {
    Box::leak(Box::new(SharedLocalPool::new().expect("runtime")))
}

/// A current-thread runtime with IO and time, as the seed recipe uses.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// The seed recipe's pump: run the set until a fresh empty task completes.
pub fn seed_pump(rt: &tokio::runtime::Runtime, local: &tokio::task::LocalSet) {
    rt.block_on(local.run_until(async {
        let _ = tokio::task::spawn_local(async {}).await;
    }));
}

/// Mean time per call over `iters` calls, best of 5 rounds.
pub fn per_call(mut f: impl FnMut(), iters: u32) -> Duration {
    best_of(5, || sample(&mut f, iters))
}

/// Mean time per call over `iters` calls: one sample.
pub fn sample(mut f: impl FnMut(), iters: u32) -> Duration {
    let start = Instant::now();
    for _ in 0..iters {
        f();
    }
    start.elapsed() / iters
}

/// The smallest of `rounds` results.
pub fn best_of<T: Ord>(rounds: usize, mut f: impl FnMut() -> T) -> T {
    (0..rounds).map(|_| f()).min().expect("at least one round")
}

/// `a / b` as a ratio.
pub fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64()
}

/// Median and maximum of `samples` (sorted in place).
pub fn median_max(samples: &mut [Duration]) -> (Duration, Duration) {
    samples.sort();
    (samples[samples.len() / 2], samples[samples.len() - 1])
}
