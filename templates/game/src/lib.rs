//! A game's GDNative library that embeds gdnative-tokio: one class with an
//! async method, the crate's classes registered beside it, and the entry
//! points Godot calls.

use std::future::Future;
use std::time::Duration;

use gdnative::init::{godot_gdnative_init, godot_gdnative_terminate, godot_nativescript_init};
use gdnative::prelude::*;

/// A class of the game, used from GDScript as `preload("res://game.gdns")`.
#[derive(NativeClass)]
#[inherit(Reference)]
struct Game;

#[methods]
impl Game {
    fn new(_base: &Reference) -> Self {
        Game
    }

    /// `yield(game.load_level(3), "completed")` -> "level 3 loaded", after
    /// a Tokio timer of 0.1 s; a panic inside resolves it with an
    /// `AsyncError` instead of leaving the script waiting.
    #[method(async)]
    fn load_level(&self, number: i64) -> impl Future<Output = Variant> + 'static {
        gdnative_tokio::guard("load_level", async move {
            gdnative_tokio::sleep(Duration::from_millis(100)).await;
            format!("level {number} loaded")
        })
    }
}

fn init(handle: InitHandle) {
    // The driver node, the `Async` toolkit and the executor.
    gdnative_tokio::register(handle);
    handle.add_class::<Game>();
}

godot_gdnative_init!();
godot_nativescript_init!(init);
godot_gdnative_terminate!();

/// Drops pending tasks while Godot can still release the objects they hold.
///
/// # Safety
///
/// Called by Godot only, once, on the main thread, when it unloads the
/// library.
#[no_mangle]
pub unsafe extern "C" fn godot_nativescript_terminate(_handle: *mut std::ffi::c_void) {
    let _ = std::panic::catch_unwind(gdnative_tokio::terminate);
}
