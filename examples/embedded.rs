//! Embedding gdnative-tokio in your own GDNative library: depend on the
//! crate with `default-features = false` (no entry points of its own), call
//! `register` from your init and `terminate` from
//! `godot_nativescript_terminate`. Built and run headless by the test
//! `embedded_library_works` (tests/godot.rs).

use std::future::Future;

use gdnative::init::{godot_gdnative_init, godot_gdnative_terminate, godot_nativescript_init};
use gdnative::prelude::*;

/// A class of "your" library with an async method on the shared pool.
#[derive(NativeClass)]
#[inherit(Reference)]
struct Greeter;

#[methods]
impl Greeter {
    fn new(_base: &Reference) -> Self {
        Greeter
    }

    #[method(async)]
    fn greet(&self, name: String) -> impl Future<Output = Variant> + 'static {
        gdnative_tokio::guard("greet", async move {
            gdnative_tokio::next_frame().await;
            format!("embedded hello, {name}")
        })
    }
}

fn init(handle: InitHandle) {
    gdnative_tokio::register(handle);
    handle.add_class::<Greeter>();
}

godot_gdnative_init!();
godot_nativescript_init!(init);
godot_gdnative_terminate!();

/// Drops pending tasks before Godot frees the classes' data at exit.
///
/// # Safety
///
/// Called by Godot only, once, on the main thread.
#[no_mangle]
pub unsafe extern "C" fn godot_nativescript_terminate(_handle: *mut std::ffi::c_void) {
    let _ = std::panic::catch_unwind(gdnative_tokio::terminate);
}
