//! `SeedRecipe`: the pump this crate started from, as a Node of its own,
//! for the benchmark scene to draw its frame times beside the crate's.
//!
//! Its own current-thread runtime and `LocalSet`, pumped once per
//! `_process` with `block_on(local.run_until(spawn_local(async {})))`, and
//! the benchmark's workloads spawned on that `LocalSet`: pending timers and
//! a task that wakes itself. Nothing of it goes through the crate's pool;
//! the scene's CPU-heavy job is the testbed's `background_spin` for both
//! pumps.

use std::time::{Duration, Instant};

use gdnative::prelude::*;
use tokio::runtime::Runtime;
use tokio::task::LocalSet;

#[derive(NativeClass)]
#[inherit(Node)]
pub struct SeedRecipe {
    /// Dropped first, with its tasks, while their runtime is still there.
    local: LocalSet,
    /// `None` when the runtime could not start (an error was printed).
    runtime: Option<Runtime>,
}

#[methods]
impl SeedRecipe {
    fn new(_base: &Node) -> Self {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| godot_error!("SeedRecipe: no runtime: {e}"))
            .ok();
        SeedRecipe {
            local: LocalSet::new(),
            runtime,
        }
    }

    /// The seed recipe's pump.
    #[method]
    fn _process(&self, _delta: f64) {
        if let Some(runtime) = &self.runtime {
            runtime.block_on(self.local.run_until(async {
                let _ = tokio::task::spawn_local(async {}).await;
            }));
        }
    }

    /// `park(n)`: `n` tasks sleeping an hour.
    #[method]
    fn park(&self, n: i64) {
        let Some(runtime) = &self.runtime else {
            return;
        };
        let _enter = runtime.enter();
        for _ in 0..n.clamp(0, 1_000_000) {
            drop(
                self.local
                    .spawn_local(tokio::time::sleep(Duration::from_secs(3600))),
            );
        }
    }

    /// `spin(seconds)`: a task that wakes itself on every poll until then.
    #[method]
    fn spin(&self, seconds: f64) {
        let until = Instant::now() + Duration::from_secs_f64(seconds.clamp(0.0, 3600.0));
        drop(self.local.spawn_local(std::future::poll_fn(move |cx| {
            if Instant::now() >= until {
                return std::task::Poll::Ready(());
            }
            cx.waker().wake_by_ref();
            std::task::Poll::Pending
        })));
    }
}
