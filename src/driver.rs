//! The `AsyncExecutorDriver` node: pumps the pool once per frame.

use std::cell::RefCell;

use gdnative::api::Engine;
use gdnative::prelude::*;

use crate::executor::SharedLocalPool;

/// A `Node` that pumps this thread's [`SharedLocalPool`] once per
/// `_process` frame. Put one in your main scene, or register its `.gdns` as
/// an autoload so that it survives scene changes.
///
/// # Guarantees
///
/// - The pool is pumped exactly once per idle frame however many drivers are
///   in the tree: the first driver to process in a frame pumps, the others
///   skip. A second driver entering the tree prints a warning naming both.
/// - The runtime and the tasks belong to the pool, not to the node: freeing
///   the driver (a scene change, `queue_free()`, even `free()` from a
///   coroutine the driver itself just resumed) never drops a runtime under
///   pending timers. Pending tasks simply wait and resume when a driver is in
///   the tree again.
/// - The driver processes while the tree is paused (`pause_mode` is
///   `PROCESS`), so menus shown during a pause can still await Rust futures.
///
/// # What a resumed coroutine may do
///
/// GDScript coroutines waiting on Rust futures resume *inside* the pump,
/// while this node's `_process` is on the stack. They may start more async
/// work (it runs in this or the next pump), free or remove this driver, add
/// drivers, change scene or quit: the pump touches neither the node nor any
/// borrowed state after tasks ran, and a nested pump is refused.
///
/// # Cost
///
/// One engine call (`Engine.get_idle_frames()`) per frame plus the pump
/// itself (see [`SharedLocalPool::pump`]).
#[derive(NativeClass)]
#[inherit(Node)]
pub struct AsyncExecutorDriver;

/// The drivers in the tree on this thread, in the order they entered, and
/// the last frame the pool was pumped in.
struct Drivers {
    active: Vec<(i64, String)>,
    last_frame: Option<i64>,
}

thread_local! {
    static DRIVERS: RefCell<Drivers> = const {
        RefCell::new(Drivers { active: Vec::new(), last_frame: None })
    };
}

#[methods]
impl AsyncExecutorDriver {
    fn new(base: &Node) -> Self {
        base.set_pause_mode(Node::PAUSE_MODE_PROCESS);
        AsyncExecutorDriver
    }

    #[method]
    fn _enter_tree(&self, #[base] base: &Node) {
        let id = base.get_instance_id();
        let path = base.get_path().to_string();
        let first = DRIVERS.with(|d| {
            let mut d = d.borrow_mut();
            let first = d.active.first().map(|(_, p)| p.clone());
            d.active.push((id, path.clone()));
            first
        });
        if let Some(first) = first {
            crate::log::warn(format_args!(
                "duplicate AsyncExecutorDriver at {path}: {first} already pumps the \
                 task pool; the pool is still pumped once per frame. Remove one of them."
            ));
        }
        SharedLocalPool::current().attach_driver();
    }

    #[method]
    fn _exit_tree(&self, #[base] base: &Node) {
        let id = base.get_instance_id();
        let removed = DRIVERS.with(|d| {
            let mut d = d.borrow_mut();
            let before = d.active.len();
            d.active.retain(|(other, _)| *other != id);
            before != d.active.len()
        });
        if removed {
            SharedLocalPool::current().detach_driver();
        }
    }

    /// The number of pumps this thread's pool has run: lets scripts check
    /// that the pool is pumped once per frame.
    #[method]
    fn pump_count(&self) -> i64 {
        i64::try_from(SharedLocalPool::current().pumps()).unwrap_or(i64::MAX)
    }

    #[method]
    fn _process(&self, _delta: f64) {
        let frame = Engine::godot_singleton().get_idle_frames();
        let first_this_frame = DRIVERS.with(|d| {
            let mut d = d.borrow_mut();
            let first = d.last_frame != Some(frame);
            d.last_frame = Some(frame);
            first
        });
        if first_this_frame {
            // Nothing after this line may touch `self`'s node: a coroutine
            // resumed by the pump may have freed it.
            SharedLocalPool::current().pump();
        }
    }
}
