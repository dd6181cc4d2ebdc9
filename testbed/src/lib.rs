//! The testbed: gdnative-tokio embedded in a GDNative library of its own,
//! as a game would do it, plus what only the demo, the tests and the
//! benchmarks need. Not published.
//!
//! - [`AsyncDemo`] and [`HashService`] (`demo.rs`): the demo scene's and the
//!   GDScript tests' classes, with the crate's method patterns;
//! - `RustApi` (`rust_api.rs`): the crate's Rust API used as a game crate
//!   uses it (fast streams, panicking services, shutdown from the pump);
//! - [`soak`]: the soak test's task waves and memory reading;
//! - `BothWays` (`both_ways.rs`): Rust awaiting GDScript, node-owned
//!   tasks and the main-thread handle (issue 26);
//! - `Greeter`: the smallest embedding (one `#[method(async)]`), loaded by
//!   the `embedded_library_works` Godot test;
//! - `SeedRecipe` (`seed.rs`): the pump the crate started from, for the
//!   benchmark scene's frame-time chart;
//! - `Game`: the crate documentation's example class (`res://game.gdns`),
//!   so the GDScript of that walkthrough runs as written (tests/snippets.rs).
//!
//! The embedding itself: depend on the crate with `default-features =
//! false` (no entry points of its own) and give the library its entry
//! points with `gdnative_tokio::entry_points!(init)`. The demo project
//! (`godot-project/`) loads this library in place of the addon's, so one
//! library (one task pool) serves the addon's classes and these.

#![deny(clippy::undocumented_unsafe_blocks)]

use std::future::Future;

use gdnative::prelude::*;

mod both_ways;
mod demo;
mod rust_api;
mod seed;
pub mod soak;

pub use demo::{AsyncDemo, HashService};

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
        gdnative_tokio::script::guard("greet", async move {
            gdnative_tokio::time::next_frame().await;
            format!("embedded hello, {name}")
        })
    }
}

/// Test-only calls that would disrupt other tests if fuzzed (the fuzz
/// covers `AsyncDemo`): `LibraryUnload.new().terminate_now()` calls
/// [`gdnative_tokio::terminate`] as a library's unload would, from wherever
/// the script is (tests: inside a pump).
#[derive(NativeClass)]
#[inherit(Reference)]
struct LibraryUnload;

#[methods]
impl LibraryUnload {
    fn new(_base: &Reference) -> Self {
        LibraryUnload
    }

    #[method]
    fn terminate_now(&self) {
        gdnative_tokio::terminate();
    }
}

/// The crate documentation's `Game`: `load_level(n)` -> "level n" after a
/// Tokio timer of 0.1 s.
#[derive(NativeClass)]
#[inherit(Reference)]
struct Game;

#[methods]
impl Game {
    fn new(_base: &Reference) -> Self {
        Game
    }

    #[method(async)]
    fn load_level(&self, number: i64) -> impl Future<Output = Variant> + 'static {
        gdnative_tokio::script::guard("load_level", async move {
            gdnative_tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            format!("level {number}")
        })
    }
}

fn init(handle: InitHandle) {
    handle.add_class::<Game>();
    handle.add_class::<AsyncDemo>();
    handle.add_class::<HashService>();
    handle.add_class::<Greeter>();
    handle.add_class::<rust_api::RustApi>();
    handle.add_class::<both_ways::BothWays>();
    handle.add_class::<LibraryUnload>();
    handle.add_class::<seed::SeedRecipe>();
}

gdnative_tokio::entry_points!(init);
