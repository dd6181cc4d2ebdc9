//! Work off the main thread: the background runtime
//! ([`spawn_background`](crate::spawn_background),
//! [`spawn_blocking`](crate::spawn_blocking)) and request/response
//! services ([`Service`](crate::Service)). No Godot class here.

pub(crate) mod runtime;
pub(crate) mod service;
