//! What calls the pump each frame: a hidden object connected to the scene
//! tree's `idle_frame` signal.
//!
//! The pump does not run from a driver node's own `_process`: a coroutine
//! resumed inside the pump may `free()` the driver, and Godot 3.2 reads the
//! node again after its `_process` returns (a use after free, seen under
//! valgrind). The hook is a `Reference` this module owns, which no script
//! can reach or free; drivers only decide whether it pumps (at least one
//! in the tree) and with which frame budget (the oldest driver's).
//!
//! `idle_frame` is emitted once per frame, before any node's `_process`,
//! also while the tree is paused.

use std::cell::RefCell;

use gdnative::prelude::*;

use crate::executor::SharedLocalPool;

thread_local! {
    /// The hook and the instance id of the tree it is connected to.
    static HOOK: RefCell<Option<(i64, Instance<FrameHook, Shared>)>> = const { RefCell::new(None) };
}

/// The method `idle_frame` is connected to.
const METHOD: &str = "_on_idle_frame";

/// Connects a hook to `tree` unless one is connected already. Called when
/// a driver enters the tree. Costs one small object and one signal
/// connection, once per tree.
pub(crate) fn install(tree: TRef<'_, SceneTree>) {
    let id = tree.get_instance_id();
    let connected = HOOK.with(|h| match &*h.borrow() {
        Some((tree_id, hook)) if *tree_id == id => {
            // SAFETY: the hook is held by `HOOK`, on this thread.
            let target = unsafe { hook.base().assume_safe() };
            // A script may have disconnected it (it is reachable through
            // the tree's connection list): a driver entering reconnects it.
            tree.is_connected("idle_frame", target.upcast::<Object>(), METHOD)
        }
        _ => false,
    });
    if connected {
        return;
    }
    let hook = Instance::emplace(FrameHook).into_shared();
    // SAFETY: just created on this thread and held by `hook`.
    let target = unsafe { hook.base().assume_safe() };
    if let Err(error) = tree.connect(
        "idle_frame",
        target.upcast::<Object>(),
        METHOD,
        VariantArray::new_shared(),
        0,
    ) {
        crate::godot::log::error(format_args!(
            "cannot connect the frame hook to the scene tree ({error:?}): the pool will not be pumped"
        ));
        return;
    }
    // A previous hook (an earlier tree, or one a script disconnected) is
    // released here.
    let old = HOOK.with(|h| h.borrow_mut().replace((id, hook)));
    drop(old);
}

/// Releases the hook (at exit, when the tree's root is freed): no Godot
/// object may be kept by this thread past the engine's shutdown.
pub(crate) fn release() {
    let old = HOOK.with(|h| h.borrow_mut().take());
    drop(old);
}

/// The hidden object connected to `idle_frame`.
#[derive(NativeClass)]
#[inherit(Reference)]
#[no_constructor]
pub struct FrameHook;

#[methods]
impl FrameHook {
    /// Pumps this thread's pool if a driver is in the tree, with the first
    /// driver's frame budget.
    #[method]
    fn _on_idle_frame(&self) {
        if let Some(budget) = crate::godot::driver::pumping() {
            SharedLocalPool::current().pump_with_budget(budget);
        }
    }
}
