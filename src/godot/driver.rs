//! The `AsyncExecutorDriver` node: while one is in the scene tree, the pool
//! is pumped once per frame (by the frame hook in
//! [`lifecycle`](crate::godot::lifecycle), which owns every driver's state).

use std::time::Duration;

use gdnative::export::hint::{FloatHint, IntHint, RangeHint};
use gdnative::export::{Export, ExportInfo};
use gdnative::prelude::*;

use crate::executor::SharedLocalPool;
use crate::godot::lifecycle;

/// A `Node` whose presence in the scene tree makes this thread's
/// [`SharedLocalPool`] be pumped once per frame. Put one in your main scene,
/// or register its `.gdns` as an autoload so that it survives scene changes.
///
/// The pump itself runs from a hidden object connected to the tree's
/// `idle_frame` signal, at the start of each idle frame (before any node's
/// `_process`), not from the driver's own callbacks: so a coroutine resumed
/// inside the pump may even `free()` the driver without Godot touching the
/// freed node afterwards.
///
/// # Guarantees
///
/// - The pool is pumped exactly once per idle frame while at least one
///   driver is in the tree, however many there are; the oldest driver's
///   `frame_budget_ms` applies. A second driver entering the tree prints a
///   warning naming both.
/// - The runtime and the tasks belong to the pool, not to the node: freeing
///   the driver (a scene change, `queue_free()`, even `free()` from a
///   coroutine the driver itself just resumed) never drops a runtime under
///   pending timers. Pending tasks simply wait and resume when a driver is in
///   the tree again.
/// - The pool is pumped while the tree is paused, so menus shown during a
///   pause can still await Rust futures. Pumping depends only on a driver
///   being in the tree (not on its `set_process`).
///
/// # What a resumed coroutine may do
///
/// GDScript coroutines waiting on Rust futures resume *inside* the pump,
/// while the tree emits `idle_frame`. The pump touches neither a driver
/// node nor any `RefCell` borrow that spawning needs after tasks ran,
/// polls the tasks that resume coroutines outside Tokio's `block_on` (so
/// code they call may run a runtime of its own), and a nested pump is
/// refused. A resumed coroutine may therefore (each case has a headless
/// test: `test_reentrancy.gd`, `test_lifecycle.gd`, the `quit_reentrant`
/// and `change_scene_from_pump` scenes):
///
/// - call a plain method that builds a Tokio runtime and blocks on it;
///
/// - start async methods, toolkit calls and tasks, and `yield` on them: work
///   started in a pump runs in that pump or the next one;
/// - emit signals that Rust futures (`wait_signal`, `Async.signal`) wait on:
///   those futures resume in this or the next pump;
/// - `free()` this driver (not only `queue_free()`), then start new work and
///   add a new driver: the runtime belongs to the pool, so nothing is
///   dropped; the current pump finishes, the new driver pumps from the next
///   frame;
/// - remove this driver from the tree (the only one): the current pump
///   finishes, then tasks wait until a driver is back;
/// - add a second driver: still one pump per frame;
/// - `get_tree().quit()` (the pump finishes, the engine exits cleanly and
///   pending tasks are dropped at exit, see below) or
///   `get_tree().change_scene()` (the old scene's driver leaves, the new
///   scene's driver, or an autoload one, keeps pumping).
///
/// # At exit
///
/// The first driver to enter a tree watches the tree's root viewport. When
/// the game quits, Godot frees the root after every node in it; at that
/// moment every task still pending is dropped (and gdnative-async's signal
/// observers released). The Godot objects those tasks hold (states of async
/// method calls, task handles, signal bridges) are then freed while the
/// library's classes are still registered, so nothing is reported leaked and
/// their Rust data is dropped too (checked under valgrind:
/// `scripts/valgrind.sh`). The library's terminate callback drops anything
/// left after that, with a warning.
///
/// # Under load, and the frame budget
///
/// What one frame's pump runs and what waits for the next is the pool's:
/// see [`SharedLocalPool`]'s *Under load* and
/// [`pump_with_budget`](SharedLocalPool::pump_with_budget) (measured
/// figures: `docs/performance.md`). `frame_budget_ms` (exported: inspector,
/// GDScript, or [`set_frame_budget`](Self::set_frame_budget) from Rust) is
/// the budget passed to that pump: `0`, the default, means no cap; anything
/// but a finite number >= 0 is reported and leaves it unset. When several
/// drivers are in the tree, the budget of the one that pumps (the oldest
/// in the tree) applies.
///
/// # Background workers
///
/// `background_workers` (exported; `0`, the default, means
/// [`default_background_workers`](crate::background::default_background_workers)) sets
/// the size of the background runtime used by
/// [`spawn_background`](crate::background::spawn_background) and
/// [`spawn_blocking`](crate::background::spawn_blocking). It only takes effect before
/// that runtime starts (the first background task); a change after that is
/// reported as an error and ignored. Once the runtime runs, the property
/// reads back its real worker count. From Rust, use
/// [`set_background_workers`](crate::background::set_background_workers).
///
/// # Cost
///
/// One signal call per frame plus the pump itself (see
/// [`SharedLocalPool::pump_with_budget`]); nothing per driver.
#[derive(NativeClass)]
#[inherit(Node)]
#[register_with(Self::register)]
pub struct AsyncExecutorDriver {
    /// The node's instance id; its state (frame budget, in the tree or
    /// not) is in the lifecycle module.
    id: i64,
}

#[methods]
impl AsyncExecutorDriver {
    fn new(base: &Node) -> Self {
        let id = base.get_instance_id();
        lifecycle::driver_created(id);
        AsyncExecutorDriver { id }
    }

    fn register(builder: &ClassBuilder<Self>) {
        // A shared-reference setter: scripts may change the budget from a
        // coroutine resumed inside this node's own pump.
        builder
            .property::<Millis>("frame_budget_ms")
            .with_default(Millis::Number(0.0))
            .with_hint(FloatHint::Range(
                RangeHint::new(0.0, 50.0).with_step(0.1).or_greater(),
            ))
            .with_getter(|this: &Self, _| Millis::Number(this.frame_budget_ms()))
            .with_shr_setter(|this: &Self, _, ms: Millis| this.set_frame_budget_ms(ms))
            .done();
        builder
            .property::<i64>("background_workers")
            .with_default(0)
            .with_hint(IntHint::Range(RangeHint::new(0, 64).or_greater()))
            .with_getter(|_: &Self, _| {
                crate::background::runtime::configured_workers().map_or(0, |n| n as i64)
            })
            .with_shr_setter(|_: &Self, _, n: i64| set_background_workers_from_script(n))
            .done();
    }

    /// The pump's time cap per frame; `None` (the default) means no cap.
    /// See [Under load, and the frame budget](#under-load-and-the-frame-budget).
    pub fn frame_budget(&self) -> Option<Duration> {
        lifecycle::budget(self.id)
    }

    /// Sets the pump's time cap per frame; `None` removes it. Takes effect
    /// from the next frame's pump.
    pub fn set_frame_budget(&self, budget: Option<Duration>) {
        let budget = budget.filter(|b| !b.is_zero());
        lifecycle::set_budget(self.id, budget);
    }

    fn frame_budget_ms(&self) -> f64 {
        self.frame_budget()
            .map_or(0.0, |b| b.as_secs_f64() * 1000.0)
    }

    /// The script-facing setter: `0` removes the cap; anything but a finite
    /// number >= 0 is reported and removes it too.
    fn set_frame_budget_ms(&self, ms: Millis) {
        self.set_frame_budget(budget_from_script("AsyncExecutorDriver", ms));
    }

    #[method]
    fn _enter_tree(&self, #[base] base: &Node) {
        lifecycle::driver_entered(base);
    }

    #[method]
    fn _exit_tree(&self) {
        lifecycle::driver_exited(self.id);
    }

    /// The number of pumps this thread's pool has run: lets scripts check
    /// that the pool is pumped once per frame.
    #[method]
    fn pump_count(&self) -> i64 {
        counter("AsyncExecutorDriver.pump_count", SharedLocalPool::pumps)
    }

    /// `live_tasks() -> int`: tasks spawned through this thread's pool that
    /// have not finished or been dropped yet (see
    /// [`SharedLocalPool::live_tasks`]); -1 off the main thread.
    #[method]
    fn live_tasks(&self) -> i64 {
        counter("AsyncExecutorDriver.live_tasks", |pool| {
            pool.live_tasks() as u64
        })
    }

    /// `spawned_tasks() -> int`: tasks ever spawned through this thread's
    /// pool; -1 off the main thread.
    #[method]
    fn spawned_tasks(&self) -> i64 {
        counter(
            "AsyncExecutorDriver.spawned_tasks",
            SharedLocalPool::spawned_tasks,
        )
    }
}

impl Drop for AsyncExecutorDriver {
    fn drop(&mut self) {
        lifecycle::driver_dropped(self.id);
    }
}

/// A counter of this thread's pool for scripts: -1 (and an error printed)
/// off the main thread, saturated at `i64::MAX`.
fn counter(method: &str, read: impl FnOnce(&SharedLocalPool) -> u64) -> i64 {
    if crate::godot::main_thread::check(method).is_err() {
        return -1;
    }
    i64::try_from(read(SharedLocalPool::current())).unwrap_or(i64::MAX)
}

/// The `background_workers` property's setter: `0` = the default count
/// ([`default_background_workers`](crate::background::default_background_workers)). Only
/// effective before the background runtime starts; errors are printed.
fn set_background_workers_from_script(n: i64) {
    let result = match usize::try_from(n) {
        Ok(0) => crate::background::runtime::configure_workers(None),
        Ok(n) => crate::background::set_background_workers(n),
        Err(_) => Err(crate::error::AsyncError::new(
            crate::error::ErrorKind::BadArguments,
            "background_workers",
            format!("must be 0 (the default) or a positive worker count, got {n}"),
        )),
    };
    if let Err(error) = result {
        error.report();
    }
}

/// A `frame_budget_ms` value a script set on `class`: `None` for `0`, and
/// for anything but a finite number >= 0, which is reported.
pub(crate) fn budget_from_script(class: &str, ms: Millis) -> Option<Duration> {
    let budget = match &ms {
        Millis::Number(n) => Duration::try_from_secs_f64(n / 1000.0).ok(),
        Millis::Other(_) => None,
    };
    if budget.is_none() {
        crate::godot::log::error(format_args!(
            "{class}.frame_budget_ms must be a finite number of \
             milliseconds >= 0 (0 = no budget), got {ms}; the budget is now unset"
        ));
    }
    budget.filter(|b| !b.is_zero())
}

/// A property value in milliseconds as a script may pass it: any number
/// (int or float, as for Godot's own float properties), or something else,
/// which the setter reports instead of gdnative's generic type error.
pub(crate) enum Millis {
    Number(f64),
    Other(String),
}

impl std::fmt::Display for Millis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Millis::Number(n) => write!(f, "{n}"),
            Millis::Other(text) => f.write_str(text),
        }
    }
}

impl FromVariant for Millis {
    fn from_variant(variant: &Variant) -> Result<Self, FromVariantError> {
        Ok(match variant.get_type() {
            VariantType::I64 => Millis::Number(i64::from_variant(variant)? as f64),
            VariantType::F64 => Millis::Number(f64::from_variant(variant)?),
            _ => Millis::Other(format!("{:?} (not a number)", variant.to_string())),
        })
    }
}

impl ToVariant for Millis {
    fn to_variant(&self) -> Variant {
        match self {
            Millis::Number(n) => n.to_variant(),
            Millis::Other(_) => Variant::nil(),
        }
    }
}

impl Export for Millis {
    type Hint = FloatHint<f64>;

    fn export_info(hint: Option<Self::Hint>) -> ExportInfo {
        f64::export_info(hint)
    }
}
