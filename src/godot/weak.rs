//! Weak references to Godot objects, and notification when one is freed.
//!
//! Godot 3 has no "freed" signal. [`WeakObject`] remembers an object by its
//! instance id (Godot's `is_instance_valid` check, by id), and
//! [`FreeWatch`] connects the object's `script_changed` signal (every
//! object has it) to a small `Reference`, the sentry, bound as the
//! connection's own argument: the connection holds the only reference to
//! the sentry, so when the object is freed, Godot drops its connections,
//! the sentry's Rust `Drop` runs and calls back. No polling, no per-frame
//! cost, and nothing in the object's metadata: the connection is not
//! `CONNECT_PERSIST`, so `duplicate()` does not copy it and `PackedScene`
//! does not save it.

use std::cell::{Cell, RefCell};

use gdnative::prelude::*;

/// A Godot object remembered by instance id: never keeps it alive, never
/// dangles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct WeakObject {
    id: i64,
}

impl WeakObject {
    pub(crate) fn new(object: TRef<'_, Object>) -> Self {
        WeakObject {
            id: object.get_instance_id(),
        }
    }

    /// The object with instance id `id`, remembered weakly (it may be
    /// freed, or never have existed: [`get`](Self::get) says).
    pub(crate) fn from_id(id: i64) -> Self {
        WeakObject { id }
    }

    /// The object, while it is alive. Costs one ObjectDB lookup.
    /// An object whose free watch is calling back (Godot is destroying it,
    /// though its id still resolves) counts as freed.
    pub(crate) fn get(&self) -> Option<TRef<'_, Object>> {
        if DYING.with(|d| d.borrow().contains(&self.id)) {
            return None;
        }
        // SAFETY: everything in this crate runs on the main thread, which
        // owns the objects it touches; the reference does not outlive
        // `self`'s borrow, and the lookup by id fails for freed objects.
        unsafe { TRef::try_from_instance_id(self.id) }
    }
}

/// `value`'s object, remembered weakly, if it is an object that is still
/// alive; `Err("the object was freed")` for a freed one; `Ok(None)` for
/// `null` and non-objects. Costs one ObjectDB lookup.
pub(crate) fn live_object(value: &Variant) -> Result<Option<WeakObject>, &'static str> {
    if value.get_type() != VariantType::Object {
        return Ok(None);
    }
    // Godot 3.2 debug builds turn a freed object into a null pointer in the
    // Variant; release builds may hand over a dangling one, which the
    // sanity check (Godot's `is_instance_valid`) rejects.
    let Ok(Some(object)) = Option::<Ref<Object>>::from_variant(value) else {
        return Err("the object was freed");
    };
    // SAFETY: the object came from a script call on this thread; the
    // sanity check rejects freed objects, and the reference is only used
    // to read the instance id.
    unsafe { object.assume_safe_if_sane() }
        .map(|o| Some(WeakObject::new(o)))
        .ok_or("the object was freed")
}

thread_local! {
    /// The objects whose free watches are calling back: Godot drops an
    /// object's connections in its destructor, before it leaves the
    /// ObjectDB, so [`WeakObject::get`] must not hand them out then.
    static DYING: RefCell<Vec<i64>> = const { RefCell::new(Vec::new()) };
}

/// Whether a free watch is calling back (an object is being destroyed).
pub(crate) fn in_free_callback() -> bool {
    DYING.with(|d| !d.borrow().is_empty())
}

/// The signal a [`FreeWatch`] connects to: every `Object` has it.
const WATCHED_SIGNAL: &str = "script_changed";
/// The sentry's method the watch connection calls (a no-op).
const WATCH_METHOD: &str = "_on_watched";

/// Calls back once when the watched object is freed, unless the watch was
/// dropped first. Created with [`FreeWatch::attach`].
///
/// Nothing is stored in the object's metadata, so nothing is copied by
/// `duplicate()` or saved by `PackedScene`: the watch is a connection of
/// the object's `script_changed` signal without `CONNECT_PERSIST` (Godot
/// copies and saves only persistent connections). Disconnecting it by hand
/// (e.g. a script disconnecting every connection of the object) counts as
/// the object being freed.
pub(crate) struct FreeWatch {
    object: WeakObject,
    sentry: WeakObject,
}

impl FreeWatch {
    /// Watches `object`: `on_free` runs when Godot frees it (during the
    /// object's destruction, so it must only record and wake). Costs one
    /// small Godot object and one signal connection on `object`.
    pub(crate) fn attach(object: TRef<'_, Object>, on_free: Box<dyn FnOnce()>) -> Self {
        let sentry = FreeSentry {
            object: object.get_instance_id(),
            on_free: Cell::new(Some(on_free)),
        };
        let sentry = Instance::emplace(sentry).into_shared();
        // SAFETY: the sentry was just created on this thread and is alive
        // (`sentry` holds it).
        let target = unsafe { sentry.base().assume_safe() };
        let watch = FreeWatch {
            object: WeakObject::new(object),
            sentry: WeakObject::new(target.upcast()),
        };
        let binds = VariantArray::new();
        binds.push(sentry.to_variant());
        let connected =
            object.connect(WATCHED_SIGNAL, target, WATCH_METHOD, binds.into_shared(), 0);
        if let Err(error) = connected {
            // Every object has `script_changed`; if Godot refuses anyway,
            // say so: this object's freeing will go unnoticed.
            crate::godot::log::error(format_args!(
                "cannot watch a {} for its freeing: {error:?}",
                object.get_class()
            ));
            // SAFETY: as above; the sentry is alive until `sentry` drops.
            let _ = unsafe { sentry.assume_safe() }.map(|s, _| s.disarm());
        }
        watch
    }

    /// Leaves the watch attached for the rest of the object's life: the
    /// callback runs when the object is freed.
    pub(crate) fn keep(self) {
        std::mem::forget(self);
    }
}

impl Drop for FreeWatch {
    /// Disconnects the watch from the object if it is still alive; the
    /// callback does not run.
    fn drop(&mut self) {
        let Some(sentry) = self.sentry.get() else {
            return;
        };
        if let Some(sentry) = sentry
            .cast::<Reference>()
            .and_then(|r| r.cast_instance::<FreeSentry>())
        {
            let _ = sentry.map(|s, _| s.disarm());
        }
        if let Some(object) = self.object.get() {
            if object.is_connected(WATCHED_SIGNAL, sentry, WATCH_METHOD) {
                // Releases the binds, the sentry's only reference: the
                // sentry is freed here (`sentry` is not used after this).
                object.disconnect(WATCHED_SIGNAL, sentry, WATCH_METHOD);
            }
        }
    }
}

/// The `Reference` a watched object's `script_changed` connection is bound
/// to (and calls, with no effect). Its only job is to be dropped with the
/// connection.
#[derive(NativeClass)]
#[inherit(Reference)]
#[no_constructor]
#[register_with(register_sentry)]
pub(crate) struct FreeSentry {
    object: i64,
    on_free: Cell<Option<Box<dyn FnOnce()>>>,
}

impl FreeSentry {
    fn disarm(&self) {
        self.on_free.set(None);
    }
}

#[methods]
impl FreeSentry {}

fn register_sentry(builder: &ClassBuilder<FreeSentry>) {
    builder.method(WATCH_METHOD, OnWatched).done_stateless();
}

/// `_on_watched(...)`: the watched object's script changed; nothing to do.
#[derive(Clone, Copy, Default)]
struct OnWatched;

impl gdnative::export::Method<FreeSentry> for OnWatched {
    fn call(
        &self,
        _this: TInstance<'_, FreeSentry>,
        _args: gdnative::export::Varargs<'_>,
    ) -> Variant {
        Variant::nil()
    }
}

impl Drop for FreeSentry {
    fn drop(&mut self) {
        if let Some(on_free) = self.on_free.take() {
            DYING.with(|d| d.borrow_mut().push(self.object));
            on_free();
            DYING.with(|d| {
                let mut dying = d.borrow_mut();
                if let Some(i) = dying.iter().rposition(|&id| id == self.object) {
                    dying.swap_remove(i);
                }
            });
        }
    }
}
