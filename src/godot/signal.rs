//! Awaiting a Godot signal from Rust, with the object's freeing as an
//! outcome and clean disconnection when the wait is dropped.
//!
//! gdnative-async's `Context::signal` cannot be dropped safely before the
//! signal fires (the later emission panics on its closed channel), never
//! notices the object being freed, and needs an async method's context.
//! [`signal`] has none of these limits.

use std::future::Future;
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::task::{Context, Poll};

use gdnative::export::{Method, Varargs};
use gdnative::prelude::*;

use crate::error::{AsyncError, ErrorKind};
use crate::executor::once::SetOnce;
use crate::godot::weak::{FreeWatch, WeakObject};

/// How a wait for a signal ended.
#[derive(Debug)]
enum Outcome {
    Emitted(Vec<Variant>),
    Freed,
}

/// The meeting point of the signal callback, the free watch and the
/// future: the first outcome wins.
type Slot = SetOnce<Outcome>;

/// Waits for `signal` on `object` and resolves with the signal's arguments,
/// or with an [`AsyncError`] of kind `freed` if the object is freed first.
///
/// Connects at once (so an emission right after this call is not missed)
/// and keeps only a weak reference to `object`. Dropping the future
/// disconnects; that is safe at any time, also inside the emission that
/// resolved it (the connection is not one-shot, so Godot keeps no pointer
/// to the connection object past its own call). Costs one small Godot
/// object for the connection and one more connection on `object` to notice
/// its freeing (nothing in its metadata: see `src/godot/weak.rs`).
///
/// # Errors
///
/// `bad_arguments` when `object` has no signal `signal` or Godot refuses
/// the connection. The error is not printed; call
/// [`AsyncError::report`] to print it.
///
/// ```no_run
/// // The same pattern is used in `AsyncToolkit`'s `signal` (src/script/toolkit.rs).
/// # use gdnative::prelude::*;
/// async fn wait_pressed(button: Ref<Object>) -> Result<(), gdnative_tokio::error::AsyncError> {
///     // SAFETY (example): `button` is alive and used on the main thread.
///     let button = unsafe { button.assume_safe() };
///     let args = gdnative_tokio::script::signal(button, "pressed")?.await?;
///     assert!(args.is_empty());
///     Ok(())
/// }
/// ```
pub fn signal(object: TRef<'_, Object>, signal: &str) -> Result<Signal, AsyncError> {
    connect(object, signal, None)
        .map_err(|message| AsyncError::new(ErrorKind::BadArguments, "signal", message))
}

/// Like [`signal`], but holds `keep` (the object itself, when it is a
/// `Reference`) so that it cannot be freed while waited on; then no free
/// watch is needed.
pub(crate) fn connect(
    object: TRef<'_, Object>,
    signal: &str,
    keep: Option<Ref<Reference>>,
) -> Result<Signal, String> {
    if !object.has_signal(signal) {
        return Err(format!("{} has no signal `{signal}`", object.get_class()));
    }
    let slot = Rc::new(Slot::default());
    let bridge = Instance::emplace(SignalBridge {
        slot: Rc::downgrade(&slot),
    })
    .into_shared();
    // SAFETY: the bridge was just created on this thread and is alive.
    let target = unsafe { bridge.base().assume_safe() };
    // Not `CONNECT_ONESHOT`: Godot keeps a raw pointer to a one-shot
    // connection's target until the emission ends, to disconnect it then;
    // a wait dropped inside that emission (a guard cancelled in the
    // continuation it resumed) would free the bridge under that pointer.
    // Without the flag Godot looks targets up by id during the emission and
    // keeps nothing, and `Drop` disconnects.
    object
        .connect(signal, target, "_on_signal", VariantArray::new_shared(), 0)
        .map_err(|e| format!("cannot connect to `{signal}`: {e:?}"))?;
    let watch = keep.is_none().then(|| {
        let slot = Rc::clone(&slot);
        FreeWatch::attach(
            object,
            Box::new(move || {
                slot.set(Outcome::Freed);
            }),
        )
    });
    Ok(Signal {
        slot,
        source: WeakObject::new(object),
        name: signal.to_owned(),
        bridge,
        _watch: watch,
        _keep: keep,
    })
}

/// The future returned by [`signal`]: the signal's arguments, or an
/// `AsyncError` of kind `freed`.
#[must_use = "a signal wait does nothing unless awaited"]
pub struct Signal {
    slot: Rc<Slot>,
    source: WeakObject,
    name: String,
    bridge: Instance<SignalBridge, Shared>,
    // Dropped after the disconnection in `Drop` (fields drop after it).
    _watch: Option<FreeWatch>,
    _keep: Option<Ref<Reference>>,
}

impl Future for Signal {
    type Output = Result<Vec<Variant>, AsyncError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let Some(outcome) = self.slot.take() else {
            self.slot.register(cx);
            crate::executor::registry::note("signal");
            return Poll::Pending;
        };
        Poll::Ready(match outcome {
            Outcome::Emitted(args) => Ok(args),
            Outcome::Freed => Err(AsyncError::new(
                ErrorKind::Freed,
                "signal",
                format!("the object was freed before it emitted `{}`", self.name),
            )),
        })
    }
}

impl Drop for Signal {
    fn drop(&mut self) {
        if let Some(source) = self.source.get() {
            let target = self.bridge.base();
            if source.is_connected(&self.name, target.clone(), "_on_signal") {
                source.disconnect(&self.name, target, "_on_signal");
            }
        }
        if let Some(keep) = self._keep.take() {
            release_after_emissions(&self.bridge, keep);
        }
    }
}

/// Releases `keep` (a `Reference` a wait held) once every signal emission
/// in progress has returned: in the next flush of Godot's message queue (a
/// deferred call of the bridge's `_release`, whose arguments hold both).
///
/// A wait dropped inside an emission (a wait cancelled by a handler of the
/// signal it waited for) may hold the last reference to an object whose
/// own method is still running in an outer emission: released at once, the
/// object would be freed when that method returns, and Godot's emit loop
/// reads its targets after the call (valgrind: invalid read in
/// `emit_signal`). At teardown (inside a free watch's callback, or with no
/// main loop left) the message queue may not be flushed again, so `keep`
/// is released at once.
fn release_after_emissions(bridge: &Instance<SignalBridge, Shared>, keep: Ref<Reference>) {
    let tearing_down = crate::godot::weak::in_free_callback()
        || gdnative::api::Engine::godot_singleton()
            .get_main_loop()
            .is_none();
    if tearing_down {
        return;
    }
    // SAFETY: the bridge is alive (`bridge` holds it) on the main thread;
    // `call_deferred` only queues the call.
    let base = unsafe { bridge.base().assume_safe() };
    // SAFETY: queuing a call runs no script code now.
    unsafe {
        base.call_deferred(
            "_release",
            &[bridge.clone().owned_to_variant(), keep.to_variant()],
        );
    }
}

/// The connection target of a [`Signal`] wait (an internal class).
#[derive(NativeClass)]
#[inherit(Reference)]
#[no_constructor]
#[register_with(register_bridge)]
pub(crate) struct SignalBridge {
    /// Weak: the wait ([`Signal`]) owns the slot. A call after the wait
    /// ended (the internal `_on_signal` is reachable through the source's
    /// connection list) stores nothing, and arguments that hold the
    /// bridge itself make no cycle that would keep it past the game's exit.
    slot: Weak<Slot>,
}

#[methods]
impl SignalBridge {}

fn register_bridge(builder: &ClassBuilder<SignalBridge>) {
    builder.method("_on_signal", OnSignal).done_stateless();
    builder.method("_release", Release).done_stateless();
}

/// `_release(...)`: nothing; its deferred call's arguments are what the
/// bridge releases when the call is done (see `release_after_emissions`).
#[derive(Clone, Copy, Default)]
struct Release;

impl Method<SignalBridge> for Release {
    fn call(&self, _this: TInstance<'_, SignalBridge>, _args: Varargs<'_>) -> Variant {
        Variant::nil()
    }
}

/// `_on_signal(...)`: accepts any number of signal arguments.
#[derive(Clone, Copy, Default)]
struct OnSignal;

impl Method<SignalBridge> for OnSignal {
    fn call(&self, this: TInstance<'_, SignalBridge>, args: Varargs<'_>) -> Variant {
        let args: Vec<Variant> = args.cloned().collect();
        if let Ok(Some(slot)) = this.map(|bridge, _| bridge.slot.upgrade()) {
            slot.set(Outcome::Emitted(args));
        }
        Variant::nil()
    }
}
