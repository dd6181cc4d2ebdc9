//! A game's GDNative library that embeds gdnative-tokio: one class with an
//! async method, the crate's classes registered beside it, and the entry
//! points Godot calls.

use std::future::Future;
use std::time::Duration;

use gdnative::prelude::*;
use gdnative_tokio::prelude::*;

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
        guard("load_level", async move {
            sleep(Duration::from_millis(100)).await;
            format!("level {number} loaded")
        })
    }
}

fn init(handle: InitHandle) {
    handle.add_class::<Game>();
}

// The entry points Godot calls: the crate's driver, toolkit and executor
// are registered before `init`, and terminated when Godot unloads the
// library.
gdnative_tokio::entry_points!(init);
