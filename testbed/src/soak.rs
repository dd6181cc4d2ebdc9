//! Soak-test helpers: a wave of mixed tasks through the pool (completing,
//! panicking, cancelled, timing out) and the process's resident memory.
//! Used by the headless soak scene (through `AsyncDemo.soak_wave`) and by
//! the pure-Rust soak test.

use std::future::Future;
use std::time::Duration;

use gdnative_tokio::executor::SharedLocalPool;
use gdnative_tokio::task::catch_panic;

/// How the tasks of one [`wave`] ended.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct WaveCounts {
    /// Finished normally.
    pub completed: u64,
    /// Panicked (caught: nothing is printed).
    pub panicked: u64,
    /// Aborted through their `JoinHandle` while pending.
    pub cancelled: u64,
    /// Gave up on a pending future after a 1 ms Tokio timeout.
    pub timed_out: u64,
}

impl WaveCounts {
    /// All tasks counted.
    pub fn total(&self) -> u64 {
        self.completed + self.panicked + self.cancelled + self.timed_out
    }
}

enum Ended {
    Completed,
    Panicked,
    TimedOut,
}

/// Spawns `n` tasks on this thread's pool and awaits them all: of every 10,
/// one panics after a frame, one is aborted while pending, one times out
/// (1 ms) on a future that never completes, the others finish after a
/// `yield_now`. Must run inside a task of that pool (it awaits the pool's
/// own pumps).
pub fn wave(n: usize) -> impl Future<Output = WaveCounts> + 'static {
    let pool = SharedLocalPool::current();
    let handles: Vec<_> = (0..n)
        .map(|i| {
            let kind = i % 10;
            let handle = pool.spawn(async move {
                match kind {
                    0 => match catch_panic(panic_next_frame()).await {
                        Ok(()) => Ended::Completed,
                        Err(_) => Ended::Panicked,
                    },
                    1 => {
                        std::future::pending::<()>().await;
                        Ended::Completed
                    }
                    2 => {
                        let never = std::future::pending::<()>();
                        match tokio::time::timeout(Duration::from_millis(1), never).await {
                            Ok(()) => Ended::Completed,
                            Err(_) => Ended::TimedOut,
                        }
                    }
                    _ => {
                        tokio::task::yield_now().await;
                        Ended::Completed
                    }
                }
            });
            if kind == 1 {
                handle.abort();
            }
            handle
        })
        .collect();
    async move {
        let mut counts = WaveCounts::default();
        for handle in handles {
            match handle.await {
                Ok(Ended::Completed) => counts.completed += 1,
                Ok(Ended::Panicked) => counts.panicked += 1,
                Ok(Ended::TimedOut) => counts.timed_out += 1,
                Err(e) if e.is_cancelled() => counts.cancelled += 1,
                Err(_) => counts.panicked += 1,
            }
        }
        counts
    }
}

async fn panic_next_frame() {
    gdnative_tokio::time::next_frame().await;
    panic!("soak: a deliberate panic");
}

/// Returns freed heap memory to the OS where the C library can (glibc's
/// `malloc_trim`), so that a following [`resident_kib`] measures memory
/// still in use rather than where the allocator's heap top happens to be
/// (glibc only trims the heap top: one long-lived allocation made late in
/// a wave keeps the whole freed wave resident, though it is reused).
pub fn trim_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        extern "C" {
            fn malloc_trim(pad: usize) -> std::ffi::c_int;
        }
        // SAFETY: glibc's malloc_trim has no preconditions and is
        // thread-safe; it only releases free memory.
        unsafe {
            malloc_trim(0);
        }
    }
}

/// The CPU time the calling thread has used, in nanoseconds (the first
/// field of `/proc/thread-self/schedstat`), or `None` where that file does
/// not exist.
pub fn thread_cpu_nsec() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    stat.split_whitespace().next()?.parse().ok()
}

/// The resident set size of this process in KiB (`VmRSS` in
/// `/proc/self/status`), or `None` where that file does not exist.
pub fn resident_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
