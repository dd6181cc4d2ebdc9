//! Streams to signals: a Rust `Stream`, or a Tokio `mpsc`, `broadcast` or
//! `watch` receiver, drives an [`AsyncStream`] object that emits a signal
//! per item on the main thread.
//!
//! ```gdscript
//! var ticks = demo.ticker(5, 0.1)          # an AsyncStream
//! ticks.connect("item", self, "_on_tick")
//! yield(ticks, "finished")
//! ```

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use crate::executor::join::JoinHandle;
use futures::stream::{Stream, StreamExt};
use gdnative::prelude::*;
use tokio::sync::{broadcast, mpsc, watch};

use crate::executor::slice::FrameSlice;
use crate::executor::SharedLocalPool;

/// A stream of values as a Godot `Reference`, fed by Rust.
///
/// GDScript sees:
/// - signal `item(value)`: one per item, in order, emitted in a pump: the
///   frame after the item became available at the latest, unless items
///   arrive faster than the game takes them (below);
/// - signal `lagged(skipped)`: a `broadcast` receiver fell behind and
///   `skipped` items were lost;
/// - signal `finished()`: once, when the stream ended or was closed;
/// - `close()`: stops now (the Rust stream is dropped) and emits `finished`;
/// - `is_finished()`, `item_count()`.
///
/// Signals are not queued for scripts that are not listening: connect to
/// `item` rather than yielding on it item by item (an item emitted while the
/// script is not yielding would be missed). The object stays alive while the
/// stream runs, even if scripts drop it. Costs one Godot object and one pool
/// task; each item one signal emission.
///
/// A stream never holds a frame: it emits items for at most 1 ms per
/// frame (the time its listeners take included), or until the pump's
/// frame budget (`AsyncExecutorDriver.frame_budget_ms`) is spent, and
/// continues in the next frame. Items that arrive faster wait in their
/// source, never lost or reordered: a bounded channel then slows its
/// producer down (backpressure), an unbounded one grows.
#[derive(NativeClass)]
#[inherit(Reference)]
#[no_constructor]
#[register_with(register)]
pub struct AsyncStream {
    state: Rc<StreamState>,
}

#[derive(Default)]
struct StreamState {
    task: RefCell<Option<JoinHandle<()>>>,
    finished: Cell<bool>,
    items: Cell<u64>,
}

fn register(builder: &ClassBuilder<AsyncStream>) {
    builder.signal("item").with_param_untyped("value").done();
    builder
        .signal("lagged")
        .with_param("skipped", VariantType::I64)
        .done();
    builder.signal("finished").done();
}

/// One step of a bridged stream: an item, or a note that items were lost.
pub enum Step<T> {
    /// The next item.
    Item(T),
    /// A `broadcast` receiver lagged behind: this many items were lost.
    Lagged(u64),
}

impl AsyncStream {
    /// Emits every item of `stream` as `item(value)`, then `finished()`.
    pub fn spawn<S>(stream: S) -> Instance<AsyncStream>
    where
        S: Stream + 'static,
        S::Item: ToVariant,
    {
        Self::spawn_steps(stream.map(Step::Item))
    }

    /// Like [`spawn`](Self::spawn), for a stream that also reports lag.
    pub fn spawn_steps<S, T>(stream: S) -> Instance<AsyncStream>
    where
        S: Stream<Item = Step<T>> + 'static,
        T: ToVariant,
    {
        let state = Rc::new(StreamState::default());
        let instance = AsyncStream {
            state: Rc::clone(&state),
        }
        .emplace()
        .into_shared();
        let object = instance.clone();
        let running = Rc::clone(&state);
        let pool = SharedLocalPool::current();
        let task = pool.spawn(async move {
            let mut stream = std::pin::pin!(stream);
            let mut slice = FrameSlice::new(pool);
            while let Some(step) = stream.next().await {
                // SAFETY: the object was created on this thread (the pool is
                // thread-local) and `object` keeps it alive.
                let object = unsafe { object.assume_safe() };
                let _ = object.map(|this, base| match step {
                    Step::Item(value) => {
                        this.state.items.set(this.state.items.get() + 1);
                        base.emit_signal("item", &[value.to_variant()]);
                    }
                    Step::Lagged(n) => {
                        base.emit_signal(
                            "lagged",
                            &[i64::try_from(n).unwrap_or(i64::MAX).to_variant()],
                        );
                    }
                });
                if running.finished.get() {
                    return;
                }
                // A producer faster than the game keeps the stream always
                // ready: continue next frame once this one's share is spent.
                slice.pause_if_spent().await;
            }
            // SAFETY: as above.
            let object = unsafe { object.assume_safe() };
            let _ = object.map(|this, base| this.finish(base.as_ref()));
        });
        *state.task.borrow_mut() = Some(task);
        instance
    }

    /// Emits each message of an `mpsc` channel until all senders are gone.
    pub fn from_receiver<T: ToVariant + 'static>(
        mut rx: mpsc::Receiver<T>,
    ) -> Instance<AsyncStream> {
        Self::spawn(futures::stream::poll_fn(move |cx| rx.poll_recv(cx)))
    }

    /// Emits each value sent on a `broadcast` channel (and `lagged` when the
    /// receiver fell behind) until the channel closes.
    pub fn from_broadcast<T>(rx: broadcast::Receiver<T>) -> Instance<AsyncStream>
    where
        T: Clone + ToVariant + Send + 'static,
    {
        Self::spawn_steps(futures::stream::unfold(rx, |mut rx| async move {
            match rx.recv().await {
                Ok(value) => Some((Step::Item(value), rx)),
                Err(broadcast::error::RecvError::Lagged(n)) => Some((Step::Lagged(n), rx)),
                Err(broadcast::error::RecvError::Closed) => None,
            }
        }))
    }

    /// Emits the current value of a `watch` channel, then each new value,
    /// until the sender is gone (intermediate values may be skipped, as with
    /// any `watch` receiver).
    pub fn from_watch<T>(mut rx: watch::Receiver<T>) -> Instance<AsyncStream>
    where
        T: Clone + ToVariant + Send + Sync + 'static,
    {
        rx.mark_changed();
        Self::spawn(futures::stream::unfold(rx, |mut rx| async move {
            rx.changed().await.ok()?;
            let value = rx.borrow_and_update().clone();
            Some((value, rx))
        }))
    }

    fn finish(&self, base: &Reference) {
        if !self.state.finished.replace(true) {
            base.emit_signal("finished", &[]);
        }
    }
}

#[methods]
impl AsyncStream {
    /// `close()`: stops the stream now (its Rust side is dropped in the next
    /// pump) and emits `finished` if it had not finished yet.
    #[method]
    fn close(&self, #[base] base: &Reference) {
        if let Some(task) = self.state.task.borrow_mut().take() {
            task.abort();
        }
        self.finish(base);
    }

    /// `is_finished() -> bool`.
    #[method]
    fn is_finished(&self) -> bool {
        self.state.finished.get()
    }

    /// `item_count() -> int`: items emitted so far.
    #[method]
    fn item_count(&self) -> i64 {
        i64::try_from(self.state.items.get()).unwrap_or(i64::MAX)
    }
}
