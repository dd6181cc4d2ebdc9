//! A task's share of a frame: for a task that loops over work that may
//! always be ready (a stream's items from a producer faster than the
//! game), so that one poll never holds the frame. Pool tasks run outside
//! Tokio's cooperative budget (see [`SharedLocalPool`]), so such a loop
//! must bound itself.

use std::time::{Duration, Instant};

use crate::executor::SharedLocalPool;

/// How long a [`FrameSlice`] task may run per frame (pump) when the pump
/// has no budget.
pub(crate) const SLICE: Duration = Duration::from_millis(1);

/// Tracks how much of the current frame a task has used.
pub(crate) struct FrameSlice {
    pool: &'static SharedLocalPool,
    /// The pump the slice was started in, and when.
    started: Option<(u64, Instant)>,
}

impl FrameSlice {
    pub(crate) fn new(pool: &'static SharedLocalPool) -> Self {
        FrameSlice {
            pool,
            started: None,
        }
    }

    /// Call after each unit of work: whether the task has had its share of
    /// this frame, i.e. [`SLICE`] has passed since its first unit in this
    /// pump, or the pump's frame budget is spent. The task then awaits
    /// [`next_frame`](SharedLocalPool::next_frame). Costs one clock read.
    pub(crate) fn spent(&mut self) -> bool {
        let pump = self.pool.pumps();
        let now = Instant::now();
        match self.started {
            Some((started_in, at)) if started_in == pump => {
                now.duration_since(at) >= SLICE || self.pool.budget_spent()
            }
            _ => {
                self.started = Some((pump, now));
                self.pool.budget_spent()
            }
        }
    }

    /// Awaits the next frame if this one's share is spent (see
    /// [`spent`](Self::spent)).
    pub(crate) async fn pause_if_spent(&mut self) {
        if self.spent() {
            self.pool.next_frame().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::rc::Rc;
    use std::time::{Duration, Instant};

    use super::{FrameSlice, SLICE};
    use crate::executor::SharedLocalPool;

    fn spin(d: Duration) {
        let start = Instant::now();
        while start.elapsed() < d {}
    }

    /// A task looping over an always-ready channel (a producer faster than
    /// the game) takes about one slice per pump, however many items wait,
    /// and loses or reorders none.
    #[test]
    fn an_always_ready_loop_takes_one_slice_per_pump() {
        let pool: &'static SharedLocalPool =
            Box::leak(Box::new(SharedLocalPool::new().expect("runtime")));
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<u32>();
        const ITEMS: u32 = 20_000;
        (0..ITEMS).for_each(|i| tx.send(i).expect("open"));
        drop(tx);
        let seen = Rc::new(Cell::new(0u32));
        let s = Rc::clone(&seen);
        pool.spawn(async move {
            let mut slice = FrameSlice::new(pool);
            while let Some(i) = rx.recv().await {
                assert_eq!(i, s.get(), "in order, none lost");
                s.set(i + 1);
                spin(Duration::from_micros(5));
                slice.pause_if_spent().await;
            }
        });
        let mut most = 0;
        let mut pumps = 0;
        while seen.get() < ITEMS {
            let before = seen.get();
            pool.pump().unwrap();
            most = most.max(seen.get() - before);
            pumps += 1;
            assert!(pumps < 10_000, "the loop stalled at {}", seen.get());
        }
        assert!(
            pumps > 10,
            "{ITEMS} items of 5 us each need many 1 ms slices: {pumps} pumps"
        );
        // Each item takes at least 5 us of wall time, so a slice holds at
        // most SLICE / 5 us of them, plus the one that crossed it, however
        // loaded the machine is (the unbounded loop took all 20k in one).
        let per_slice = (SLICE.as_micros() / 5) as u32 + 1;
        assert!(
            most <= per_slice,
            "{most} items in one pump (max {per_slice})"
        );
    }

    /// With a frame budget, the loop stops when the budget is spent.
    #[test]
    fn the_frame_budget_ends_the_slice() {
        let pool: &'static SharedLocalPool =
            Box::leak(Box::new(SharedLocalPool::new().expect("runtime")));
        let runs = Rc::new(Cell::new(0u32));
        let r = Rc::clone(&runs);
        pool.spawn(async move {
            let mut slice = FrameSlice::new(pool);
            loop {
                r.set(r.get() + 1);
                spin(Duration::from_micros(100));
                slice.pause_if_spent().await;
            }
        });
        pool.pump_with_budget(Some(Duration::from_micros(250)))
            .unwrap();
        let in_budget = runs.get();
        assert!(
            (2..=4).contains(&in_budget),
            "about 250 us of 100 us items, not a whole 1 ms slice: {in_budget}"
        );
    }
}
