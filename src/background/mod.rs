//! Work off the main thread: the background runtime
//! ([`spawn_background`],
//! [`spawn_blocking`]) and request/response
//! services ([`Service`]). No Godot class here.

pub(crate) mod runtime;
pub(crate) mod service;

pub use runtime::{
    background_workers, default_background_workers, set_background_workers, shutdown_background,
    spawn_background, spawn_blocking, Background, SHUTDOWN_TIMEOUT,
};
pub use service::Service;
