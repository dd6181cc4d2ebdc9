//! Weak references to Godot objects, and notification when one is freed.
//!
//! Godot 3 has no "freed" signal. [`WeakObject`] remembers an object by its
//! instance id (Godot's `is_instance_valid` check, by id), and
//! [`FreeWatch`] stores a small `Reference` in the object's metadata: when
//! the object is freed, Godot releases its metadata, the watcher's Rust
//! `Drop` runs and calls back. No polling, no per-frame cost.

use std::cell::Cell;

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

    /// The object, while it is alive. Costs one ObjectDB lookup.
    pub(crate) fn get(&self) -> Option<TRef<'_, Object>> {
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

/// Calls back once when the watched object is freed, unless the watch was
/// removed first. Created with [`FreeWatch::attach`].
pub(crate) struct FreeWatch {
    object: WeakObject,
    key: String,
}

thread_local! {
    static NEXT_WATCH: Cell<u64> = const { Cell::new(0) };
}

impl FreeWatch {
    /// Watches `object`: `on_free` runs when Godot frees it (possibly during
    /// another object's destruction, so it must only record and wake).
    /// Costs one small Godot object and one metadata entry on `object`.
    pub(crate) fn attach(object: TRef<'_, Object>, on_free: Box<dyn FnOnce()>) -> Self {
        let n = NEXT_WATCH.with(|c| c.replace(c.get() + 1));
        // Two libraries embedding this crate have their own counters: the
        // address of this library's counter tells their keys apart.
        let library = NEXT_WATCH.with(|c| c as *const Cell<u64> as usize);
        let key = format!("__gdnative_tokio_watch_{library:x}_{n}");
        let sentry = FreeSentry {
            on_free: Cell::new(Some(on_free)),
        };
        let sentry = Instance::emplace(sentry).into_shared();
        object.set_meta(&key, sentry.owned_to_variant());
        FreeWatch {
            object: WeakObject::new(object),
            key,
        }
    }
}

impl FreeWatch {
    /// Leaves the watch attached for the rest of the object's life: the
    /// callback runs when the object is freed.
    pub(crate) fn keep(self) {
        let mut watch = std::mem::ManuallyDrop::new(self);
        drop(std::mem::take(&mut watch.key));
    }
}

impl Drop for FreeWatch {
    /// Removes the metadata entry from the object if it is still alive; the
    /// callback does not run.
    fn drop(&mut self) {
        if let Some(object) = self.object.get() {
            if object.has_meta(&self.key) {
                // `get_meta` gained a `default` parameter in Godot 3.5, so
                // the typed binding differs between engines; a dynamic call
                // takes the one argument on both.
                // SAFETY: `get_meta` is an engine method of `Object`: it
                // reads metadata, runs no script code and frees nothing.
                let sentry = unsafe { object.call("get_meta", &[self.key.to_variant()]) };
                if let Ok(sentry) = Instance::<FreeSentry, Shared>::from_variant(&sentry) {
                    // SAFETY: the sentry is a Reference of this crate, used
                    // on the main thread; `sentry` keeps it alive here.
                    let _ = unsafe { sentry.assume_safe() }.map(|s, _| s.disarm());
                }
                object.remove_meta(&self.key);
            }
        }
    }
}

/// The `Reference` stored in a watched object's metadata. Its only job is
/// to be dropped with the object.
#[derive(NativeClass)]
#[inherit(Reference)]
#[no_constructor]
pub(crate) struct FreeSentry {
    on_free: Cell<Option<Box<dyn FnOnce()>>>,
}

impl FreeSentry {
    fn disarm(&self) {
        self.on_free.set(None);
    }
}

#[methods]
impl FreeSentry {}

impl Drop for FreeSentry {
    fn drop(&mut self) {
        if let Some(on_free) = self.on_free.take() {
            on_free();
        }
    }
}
