//! Dropping pending tasks at exit, at the one moment it is clean.
//!
//! Tasks still pending when the game quits hold Godot objects: the state
//! objects of async method calls, task handles, signal bridges. They must
//! be released
//! - after the scene tree is gone, so that no script object that a pending
//!   coroutine belongs to is alive (freeing a coroutine's state while its
//!   script instance is still being torn down makes Godot 3.2 touch freed
//!   memory), and
//! - before Godot unregisters this library's classes (its
//!   `godot_nativescript_terminate` comes after that): an object of this
//!   crate freed later is freed without its destructor, so its Rust data is
//!   lost.
//!
//! The window between the two is the destruction of the scene tree's root
//! viewport: its metadata is released after all its children are freed.
//! [`watch_root`] puts a [`FreeWatch`] there; when it fires, the pool's
//! tasks and gdnative-async's signal observers are dropped. The terminate
//! callback does the same again for anything spawned later (nothing, in a
//! normal exit) and for games that never had a driver in the tree.

use std::cell::Cell;

use gdnative::prelude::*;

use crate::executor::SharedLocalPool;
use crate::godot::weak::FreeWatch;

thread_local! {
    /// The instance id of the root whose destruction is being watched.
    static WATCHED_ROOT: Cell<Option<i64>> = const { Cell::new(None) };
}

/// Makes sure `tree`'s root viewport drops this thread's pending tasks
/// when it is freed at exit. Called when a driver enters the tree; costs one
/// metadata entry on the root, once per root.
pub(crate) fn watch_root(tree: TRef<'_, SceneTree>) {
    let Some(root) = tree.root() else {
        return;
    };
    // SAFETY: the root outlives every node in the tree, and the caller's
    // tree is alive on this (the main) thread for the duration of the call.
    let root = unsafe { root.assume_safe() };
    let id = root.get_instance_id();
    if WATCHED_ROOT.with(|w| w.get()) == Some(id) {
        return;
    }
    WATCHED_ROOT.with(|w| w.set(Some(id)));
    FreeWatch::attach(root.upcast::<Object>(), Box::new(move || root_freed(id))).keep();
}

/// The root viewport was freed: the scene tree is gone. Drops every pending
/// task, so that the Godot objects they hold are freed while this
/// library's classes are still registered.
fn root_freed(id: i64) {
    WATCHED_ROOT.with(|w| {
        if w.get() == Some(id) {
            w.set(None);
        }
    });
    if !release_godot_objects() {
        crate::godot::log::error("the scene tree's root was freed inside a pump; tasks were kept");
    }
}

/// Releases every Godot object this thread's crate state holds: the pool's
/// pending tasks, gdnative-async's signal observers and the frame hook.
/// Returns `false` when called inside a pump, where the tasks are kept.
/// Used when the root is freed and again by [`terminate`](crate::terminate).
pub(crate) fn release_godot_objects() -> bool {
    let dropped = SharedLocalPool::current().shutdown();
    gdnative::tasks::terminate_runtime();
    crate::godot::lifecycle::release();
    dropped
}
