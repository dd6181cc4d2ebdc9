//! The driver lifecycle, in one place: which drivers are alive and in the
//! tree (and so whether, and with which frame budget, the pool is pumped),
//! the frame hook that pumps, the "no driver" warning, and releasing every
//! Godot object this crate holds at exit.
//!
//! All of it is one thread-local [`State`]; the driver node
//! ([`AsyncExecutorDriver`](crate::executor::AsyncExecutorDriver)) only reports its
//! creation, tree entry, tree exit and drop here, and nothing here calls
//! back into the driver module.
//!
//! # The frame hook
//!
//! The pump does not run from a driver node's own `_process`: a coroutine
//! resumed inside the pump may `free()` the driver, and Godot 3.2 reads the
//! node again after its `_process` returns (a use after free, seen under
//! valgrind). The hook is a `Reference` this module owns, which no script
//! can reach or free, connected to the scene tree's `idle_frame` signal
//! (emitted once per frame, before any node's `_process`, also while the
//! tree is paused). Drivers only decide whether it pumps (at least one in
//! the tree) and with which frame budget (the oldest driver's).
//!
//! The `Async` autoload ([`AsyncToolkit`](crate::script::AsyncToolkit)) is a
//! *fallback* driver: while no real driver is in the tree it pumps, with
//! its own `frame_budget_ms`, so enabling the plugin is enough for tasks to
//! run. A real driver in the tree takes over (its budget applies); still
//! one hook, so still exactly one pump per frame.
//!
//! # At exit
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
//! viewport: its signal connections are released after all its children
//! are freed.
//! The first driver to enter a tree puts a [`FreeWatch`] there; when it
//! fires, [`release_godot_objects`] drops the pool's tasks, gdnative-async's
//! signal observers and the frame hook. [`terminate`](crate::terminate) does
//! the same again for anything spawned later (nothing, in a normal exit) and
//! for games that never had a driver in the tree.

use std::cell::RefCell;
use std::time::Duration;

use gdnative::prelude::*;

use crate::executor::SharedLocalPool;
use crate::godot::weak::FreeWatch;

/// The message printed when a task is spawned while no driver is in the
/// tree (once per period without a driver).
pub(crate) const NO_DRIVER: &str = "an async task was started, but no AsyncExecutorDriver \
     is in the scene tree, so it will not run until one is. Enable the gdnative-tokio plugin \
     (its Async autoload pumps while no driver does, unless its auto_pump is off), or add an \
     AsyncExecutorDriver node (res://addons/gdnative_tokio/async_executor_driver.gdns) to your \
     main scene.";

/// A live driver: its node's instance id, its frame budget, and whether it
/// is between `_enter_tree` and `_exit_tree` (for the "no driver" warning).
/// A *fallback* is the `Async` autoload: it pumps only while no real driver
/// is in the tree, and only while its `auto_pump` is on.
struct Driver {
    id: i64,
    budget: Option<Duration>,
    entered: bool,
    fallback: bool,
    auto_pump: bool,
}

impl Driver {
    fn new(id: i64, fallback: bool) -> Self {
        Driver {
            id,
            budget: None,
            entered: false,
            fallback,
            auto_pump: true,
        }
    }

    /// Whether this driver may pump at all (a fallback with `auto_pump`
    /// off may not).
    fn may_pump(&self) -> bool {
        !self.fallback || self.auto_pump
    }
}

/// Everything this thread knows about drivers and the engine's lifetime.
#[derive(Default)]
struct State {
    /// Every driver alive on this thread, oldest first.
    drivers: Vec<Driver>,
    /// Whether the "no driver" warning was printed since the last time a
    /// driver entered a tree.
    warned_no_driver: bool,
    /// The hook and the instance id of the tree it is connected to.
    hook: Option<(i64, Instance<FrameHook, Shared>)>,
    /// The instance id of the root whose destruction is being watched.
    watched_root: Option<i64>,
}

impl State {
    fn driver(&mut self, id: i64) -> Option<&mut Driver> {
        self.drivers.iter_mut().find(|d| d.id == id)
    }

    fn driver_is_fallback(&self, id: i64) -> bool {
        self.drivers.iter().any(|d| d.id == id && d.fallback)
    }

    /// Whether a task spawned now must print the "no driver" warning:
    /// true for the first spawn after the last driver left.
    fn should_warn_on_spawn(&mut self) -> bool {
        !self.drivers.iter().any(|d| d.entered && d.may_pump())
            && !std::mem::replace(&mut self.warned_no_driver, true)
    }

    /// Marks driver `id` as entered; `false` if it already was.
    fn enter(&mut self, id: i64) -> bool {
        match self.driver(id) {
            Some(d) if !d.entered => {
                d.entered = true;
                self.warned_no_driver = false;
                true
            }
            _ => false,
        }
    }
}

thread_local! {
    static STATE: RefCell<State> = RefCell::default();
}

/// The method `idle_frame` is connected to.
const METHOD: &str = "_on_idle_frame";

/// Starts tracking the driver node `id` (from its constructor).
pub(crate) fn driver_created(id: i64) {
    STATE.with(|s| s.borrow_mut().drivers.push(Driver::new(id, false)));
}

/// Starts tracking the `Async` autoload `id` as a fallback driver: it pumps
/// only while no real driver is in the tree (from its constructor; its
/// tree entry, exit and drop are reported like a driver's).
pub(crate) fn fallback_created(id: i64) {
    STATE.with(|s| s.borrow_mut().drivers.push(Driver::new(id, true)));
}

/// Whether fallback `id` pumps when no driver does (default true).
pub(crate) fn auto_pump(id: i64) -> bool {
    STATE.with(|s| s.borrow_mut().driver(id).is_some_and(|d| d.auto_pump))
}

/// Switches fallback `id`'s pumping on or off.
pub(crate) fn set_auto_pump(id: i64, on: bool) {
    STATE.with(|s| {
        if let Some(d) = s.borrow_mut().driver(id) {
            d.auto_pump = on;
        }
    });
}

/// Stops tracking driver `id` (from its destructor). Godot frees a node
/// outside any borrow of the state: the borrows here only call
/// `is_inside_tree`/`get_path`, which run no script.
pub(crate) fn driver_dropped(id: i64) {
    STATE.with(|s| s.borrow_mut().drivers.retain(|d| d.id != id));
}

/// Driver `base` entered the scene tree: connects the frame hook, watches
/// the root for the exit, and warns when another driver is in the tree. A
/// script calling `_enter_tree()` by hand (twice, or on a driver outside
/// the tree) changes nothing.
pub(crate) fn driver_entered(base: &Node) {
    let id = base.get_instance_id();
    if !base.is_inside_tree() || !STATE.with(|s| s.borrow_mut().enter(id)) {
        return;
    }
    if let Some(tree) = base.get_tree() {
        // SAFETY: the tree of a node inside it is alive on this (the
        // main) thread for the duration of the call.
        let tree = unsafe { tree.assume_safe() };
        install_hook(tree);
        watch_root(tree);
    }
    let other = STATE.with(|s| {
        let s = s.borrow();
        if s.driver_is_fallback(id) {
            return None;
        }
        s.drivers
            .iter()
            .filter(|d| d.id != id && !d.fallback)
            .find_map(|d| in_tree(d.id))
            .map(|node| node.get_path().to_string())
    });
    if let Some(other) = other {
        crate::godot::log::warn(format_args!(
            "duplicate AsyncExecutorDriver at {}: {other} already pumps the \
             task pool; the pool is still pumped once per frame. Remove one of them.",
            base.get_path().to_string()
        ));
    }
}

/// Driver `id` left the scene tree.
pub(crate) fn driver_exited(id: i64) {
    STATE.with(|s| {
        if let Some(d) = s.borrow_mut().driver(id) {
            d.entered = false;
        }
    });
}

/// Driver `id`'s frame budget.
pub(crate) fn budget(id: i64) -> Option<Duration> {
    STATE.with(|s| s.borrow_mut().driver(id).and_then(|d| d.budget))
}

/// Sets driver `id`'s frame budget (`None`: no cap).
pub(crate) fn set_budget(id: i64, budget: Option<Duration>) {
    STATE.with(|s| {
        if let Some(d) = s.borrow_mut().driver(id) {
            d.budget = budget;
        }
    });
}

/// The pool's spawn observer (see [`register`]): prints [`NO_DRIVER`] for
/// the first task spawned while no driver is in a tree.
fn task_spawned() {
    if STATE.with(|s| s.borrow_mut().should_warn_on_spawn()) {
        crate::godot::log::error(NO_DRIVER);
    }
}

/// Makes this thread's pool report spawns here (from
/// [`register`](crate::register)).
pub(crate) fn register(pool: &SharedLocalPool) {
    pool.set_spawn_observer(task_spawned);
}

/// The driver node with instance `id`, if it is alive and in a tree.
fn in_tree(id: i64) -> Option<TRef<'static, Node>> {
    // SAFETY: called on the main thread, between engine callbacks: the
    // lookup fails for a freed node, and the reference is used at once.
    let node = unsafe { TRef::<Node>::try_from_instance_id(id) }?;
    node.is_inside_tree().then_some(node)
}

/// `Some(budget)` of the oldest driver that is in the scene tree (the pool
/// is pumped with it), else of the oldest fallback (`Async` autoload) in
/// the tree with `auto_pump` on; `None` when there is neither. Read from
/// the tree every frame, so no script calling `_enter_tree()`/`_exit_tree()`
/// by hand can stop or start the pump. Costs one object lookup per live
/// driver.
fn pumping() -> Option<Option<Duration>> {
    STATE.with(|s| {
        let s = s.borrow();
        let in_tree_of = |fallback: bool| {
            s.drivers
                .iter()
                .filter(|d| d.fallback == fallback && d.may_pump())
                .find(|d| in_tree(d.id).is_some())
                .map(|d| d.budget)
        };
        in_tree_of(false).or_else(|| in_tree_of(true))
    })
}

/// Connects a hook to `tree` unless one is connected already. Costs one
/// small object and one signal connection, once per tree.
fn install_hook(tree: TRef<'_, SceneTree>) {
    let id = tree.get_instance_id();
    let connected = STATE.with(|s| match &s.borrow().hook {
        Some((tree_id, hook)) if *tree_id == id => {
            // SAFETY: the hook is held by `STATE`, on this thread.
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
    // released here, outside the borrow.
    let old = STATE.with(|s| s.borrow_mut().hook.replace((id, hook)));
    drop(old);
}

/// Makes sure `tree`'s root viewport drops this thread's pending tasks
/// when it is freed at exit. Costs one connection on the root (its
/// `script_changed`), once per root.
fn watch_root(tree: TRef<'_, SceneTree>) {
    let Some(root) = tree.root() else {
        return;
    };
    // SAFETY: the root outlives every node in the tree, and the caller's
    // tree is alive on this (the main) thread for the duration of the call.
    let root = unsafe { root.assume_safe() };
    let id = root.get_instance_id();
    if STATE.with(|s| s.borrow_mut().watched_root.replace(id)) == Some(id) {
        return;
    }
    FreeWatch::attach(root.upcast::<Object>(), Box::new(move || root_freed(id))).keep();
}

/// The root viewport was freed: the scene tree is gone. Drops every pending
/// task, so that the Godot objects they hold are freed while this
/// library's classes are still registered.
fn root_freed(id: i64) {
    STATE.with(|s| {
        let mut s = s.borrow_mut();
        if s.watched_root == Some(id) {
            s.watched_root = None;
        }
    });
    if !release_godot_objects() {
        crate::godot::log::error("the scene tree's root was freed inside a pump; tasks were kept");
    }
}

/// Releases every Godot object this thread's crate state holds: the pool's
/// pending tasks, gdnative-async's signal observers and the frame hook.
/// Returns `false`, and releases nothing, when called inside a pump (from a
/// task or a coroutine it resumed): the tasks, the observers and the hook
/// are kept and go on working. Used when the root is freed and again by
/// [`terminate`](crate::terminate).
pub(crate) fn release_godot_objects() -> bool {
    let pool = SharedLocalPool::current();
    if pool.is_pumping() {
        return false;
    }
    let dropped = pool.shutdown();
    gdnative::tasks::terminate_runtime();
    // Taken out of the state first: dropping the hook may free it.
    let old = STATE.with(|s| s.borrow_mut().hook.take());
    drop(old);
    dropped
}

/// Advances the [`GameClock`](crate::time::GameClock) by this frame's idle delta
/// (Godot scaled it by `Engine.time_scale` already), the pausable clock
/// only while the tree is not paused. Costs two object lookups.
fn advance_game_clock() {
    let Some(tree_id) = STATE.with(|s| s.borrow().hook.as_ref().map(|(id, _)| *id)) else {
        return;
    };
    // SAFETY: called on the main thread from the tree's own `idle_frame`:
    // the lookup fails for a freed tree, and the reference is used at once.
    let Some(tree) = (unsafe { TRef::<SceneTree>::try_from_instance_id(tree_id) }) else {
        return;
    };
    let Some(root) = tree.root() else {
        return;
    };
    // SAFETY: the root of a live tree is alive for the duration of the call.
    let delta = unsafe { root.assume_safe() }.get_process_delta_time();
    let delta = Duration::try_from_secs_f64(delta).unwrap_or_default();
    crate::time::GameClock::current().advance(delta, tree.is_paused());
}

/// The hidden object connected to `idle_frame`.
#[derive(NativeClass)]
#[inherit(Reference)]
#[no_constructor]
pub(crate) struct FrameHook;

#[methods]
impl FrameHook {
    /// Pumps this thread's pool if a driver is in the tree, with the oldest
    /// such driver's frame budget.
    #[method]
    fn _on_idle_frame(&self) {
        if let Some(budget) = pumping() {
            advance_game_clock();
            // Only a script calling this hidden method from inside a pump
            // can make it re-entrant: the running pump goes on.
            if let Err(error) = SharedLocalPool::current().pump_with_budget(budget) {
                crate::godot::log::error(error);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn driver(id: i64) -> Driver {
        Driver::new(id, false)
    }

    /// The warning rule of the pool's former driver count: once per period
    /// without an entered driver.
    #[test]
    fn spawning_without_a_driver_reports_once_until_a_driver_attaches() {
        let mut state = State::default();
        let mut seen = 0;
        let mut spawn = |state: &mut State| {
            if state.should_warn_on_spawn() {
                seen += 1;
            }
            seen
        };
        spawn(&mut state);
        assert_eq!(spawn(&mut state), 1);
        state.drivers.push(driver(7));
        assert!(state.enter(7));
        assert!(!state.enter(7), "entering twice counts once");
        assert_eq!(spawn(&mut state), 1);
        if let Some(d) = state.driver(7) {
            d.entered = false;
        }
        assert_eq!(spawn(&mut state), 2);
        assert_eq!(spawn(&mut state), 2);
    }
}
