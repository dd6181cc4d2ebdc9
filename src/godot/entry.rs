//! The library's own GDNative entry points (feature `entry-points`, on by
//! default). Turn the feature off when embedding the crate in another
//! GDNative library, and call [`register`](crate::register) and
//! [`terminate`](crate::terminate) from that library's entry points.

use gdnative::init::{godot_gdnative_init, godot_gdnative_terminate, godot_nativescript_init};
use gdnative::prelude::*;

fn init(handle: InitHandle) {
    crate::register(handle);
}

godot_gdnative_init!();
godot_nativescript_init!(init);
godot_gdnative_terminate!();

/// Called by Godot when it unloads the library at exit, after it dropped
/// the library's class data. Pending tasks are normally gone by then (the
/// driver drops them when the root viewport is freed);
/// [`terminate`](crate::terminate) drops anything left and says so.
///
/// # Safety
///
/// Called by Godot only, once, on the main thread.
// `pub` for the C ABI export, though no Rust path reaches it.
#[allow(unreachable_pub)]
#[no_mangle]
pub unsafe extern "C" fn godot_nativescript_terminate(_handle: *mut std::ffi::c_void) {
    // A panic must not unwind into the engine.
    if std::panic::catch_unwind(crate::terminate).is_err() {
        eprintln!("gdnative-tokio: terminate panicked");
    }
}
