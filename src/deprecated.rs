//! The crate-root paths of 0.1, kept for one release: each item is
//! deprecated (the warning names its new path) and hidden from the docs.
//! CHANGELOG.md lists them all. Remove this file in the release after.

#![allow(missing_docs)]

use std::borrow::Cow;
use std::future::Future;
use std::time::Duration;

use gdnative::prelude::*;

use crate::{background, error, script, task, time};

#[deprecated(
    since = "0.2.0",
    note = "moved to `gdnative_tokio::background::Background`"
)]
pub type Background<T> = crate::background::Background<T>;
#[deprecated(
    since = "0.2.0",
    note = "moved to `gdnative_tokio::background::Service`"
)]
pub type Service<Req, Resp> = crate::background::Service<Req, Resp>;
#[deprecated(since = "0.2.0", note = "moved to `gdnative_tokio::error::AsyncError`")]
pub type AsyncError = crate::error::AsyncError;
#[deprecated(since = "0.2.0", note = "moved to `gdnative_tokio::error::ErrorKind`")]
pub type ErrorKind = crate::error::ErrorKind;
#[deprecated(
    since = "0.2.0",
    note = "moved to `gdnative_tokio::executor::SharedLocalPool`"
)]
pub type SharedLocalPool = crate::executor::SharedLocalPool;
#[deprecated(
    since = "0.2.0",
    note = "moved to `gdnative_tokio::executor::PumpStats`"
)]
pub type PumpStats = crate::executor::PumpStats;
#[deprecated(
    since = "0.2.0",
    note = "moved to `gdnative_tokio::executor::AsyncExecutorDriver`"
)]
pub type AsyncExecutorDriver = crate::executor::AsyncExecutorDriver;
#[deprecated(since = "0.2.0", note = "moved to `gdnative_tokio::io::AsyncStream`")]
pub type AsyncStream = crate::io::AsyncStream;
#[deprecated(since = "0.2.0", note = "moved to `gdnative_tokio::io::Step`")]
pub type Step<T> = crate::io::Step<T>;
#[deprecated(
    since = "0.2.0",
    note = "moved to `gdnative_tokio::io::AsyncTcpStream`"
)]
pub type AsyncTcpStream = crate::io::AsyncTcpStream;
#[deprecated(
    since = "0.2.0",
    note = "moved to `gdnative_tokio::io::AsyncTcpListener`"
)]
pub type AsyncTcpListener = crate::io::AsyncTcpListener;
#[deprecated(since = "0.2.0", note = "moved to `gdnative_tokio::script::Args`")]
pub type Args = crate::script::Args;
#[deprecated(since = "0.2.0", note = "moved to `gdnative_tokio::script::Awaiting`")]
pub type Awaiting = crate::script::Awaiting;
#[deprecated(
    since = "0.2.0",
    note = "moved to `gdnative_tokio::script::ScriptAsyncFn`"
)]
pub type ScriptAsyncFn<Fut> = crate::script::ScriptAsyncFn<Fut>;
#[deprecated(
    since = "0.2.0",
    note = "moved to `gdnative_tokio::script::ScriptTaskFn`"
)]
pub type ScriptTaskFn<Fut> = crate::script::ScriptTaskFn<Fut>;
#[deprecated(
    since = "0.2.0",
    note = "moved to `gdnative_tokio::script::ScriptProgressFn`"
)]
pub type ScriptProgressFn<Fut> = crate::script::ScriptProgressFn<Fut>;
#[deprecated(since = "0.2.0", note = "moved to `gdnative_tokio::script::Refusal`")]
pub type Refusal = crate::script::Refusal;
#[deprecated(since = "0.2.0", note = "moved to `gdnative_tokio::script::Progress`")]
pub type Progress = crate::script::Progress;
#[deprecated(since = "0.2.0", note = "moved to `gdnative_tokio::script::AsyncTask`")]
pub type AsyncTask = crate::script::AsyncTask;
#[deprecated(since = "0.2.0", note = "moved to `gdnative_tokio::script::TaskDone`")]
pub type TaskDone = crate::script::TaskDone;
#[deprecated(
    since = "0.2.0",
    note = "moved to `gdnative_tokio::script::AsyncToolkit`"
)]
pub type AsyncToolkit = crate::script::AsyncToolkit;
#[deprecated(since = "0.2.0", note = "moved to `gdnative_tokio::script::Signal`")]
pub type Signal = crate::script::Signal;
#[deprecated(since = "0.2.0", note = "moved to `gdnative_tokio::task::JoinHandle`")]
pub type JoinHandle<T> = crate::task::JoinHandle<T>;
#[deprecated(since = "0.2.0", note = "moved to `gdnative_tokio::task::JoinError`")]
pub type JoinError = crate::task::JoinError;
#[deprecated(since = "0.2.0", note = "moved to `gdnative_tokio::task::TaskInfo`")]
pub type TaskInfo = crate::task::TaskInfo;
#[deprecated(since = "0.2.0", note = "moved to `gdnative_tokio::task::TaskState`")]
pub type TaskState = crate::task::TaskState;
#[deprecated(since = "0.2.0", note = "moved to `gdnative_tokio::task::CatchPanic`")]
pub type CatchPanic<F> = crate::task::CatchPanic<F>;
#[deprecated(since = "0.2.0", note = "moved to `gdnative_tokio::task::MainThread`")]
pub type MainThread = crate::task::MainThread;
#[deprecated(since = "0.2.0", note = "moved to `gdnative_tokio::time::NextFrame`")]
pub type NextFrame<'a> = crate::time::NextFrame<'a>;
#[deprecated(since = "0.2.0", note = "moved to `gdnative_tokio::time::SleepGame`")]
pub type SleepGame = crate::time::SleepGame;
#[deprecated(since = "0.2.0", note = "moved to `gdnative_tokio::time::GameClock`")]
pub type GameClock = crate::time::GameClock;
#[deprecated(since = "0.2.0", note = "moved to `gdnative_tokio::time::GameTime`")]
pub type GameTime = crate::time::GameTime;
#[cfg(feature = "websocket")]
#[deprecated(
    since = "0.2.0",
    note = "moved to `gdnative_tokio::net::AsyncWebSocket`"
)]
pub type AsyncWebSocket = crate::net::AsyncWebSocket;
#[deprecated(
    since = "0.2.0",
    note = "moved to `gdnative_tokio::background::SHUTDOWN_TIMEOUT`"
)]
pub const SHUTDOWN_TIMEOUT: Duration = background::SHUTDOWN_TIMEOUT;
#[deprecated(
    since = "0.2.0",
    note = "moved to `gdnative_tokio::script::MAX_SECONDS`"
)]
pub const MAX_SECONDS: f64 = script::MAX_SECONDS;

#[deprecated(
    since = "0.2.0",
    note = "renamed to `gdnative_tokio::task::spawn` (the pump-gated spawn; not `tokio::task::spawn_local`)"
)]
pub fn spawn_local<F>(future: F) -> task::JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    task::spawn(future)
}

#[deprecated(since = "0.2.0", note = "moved to `gdnative_tokio::task::spawn_named`")]
pub fn spawn_named<F>(label: impl Into<Cow<'static, str>>, future: F) -> task::JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    task::spawn_named(label, future)
}

#[deprecated(since = "0.2.0", note = "moved to `gdnative_tokio::task::tasks`")]
pub fn tasks() -> Vec<task::TaskInfo> {
    task::tasks()
}

#[deprecated(
    since = "0.2.0",
    note = "moved to `gdnative_tokio::task::set_task_tracking`"
)]
pub fn set_task_tracking(on: bool) {
    task::set_task_tracking(on)
}

#[deprecated(
    since = "0.2.0",
    note = "moved to `gdnative_tokio::task::task_tracking`"
)]
pub fn task_tracking() -> bool {
    task::task_tracking()
}

#[deprecated(since = "0.2.0", note = "moved to `gdnative_tokio::task::catch_panic`")]
pub fn catch_panic<F: Future>(future: F) -> task::CatchPanic<F> {
    task::catch_panic(future)
}

#[deprecated(since = "0.2.0", note = "moved to `gdnative_tokio::task::spawn_owned`")]
pub fn spawn_owned<T, F>(owner: TRef<'_, T>, future: F) -> task::JoinHandle<F::Output>
where
    T: GodotObject + SubClass<Node>,
    F: Future + 'static,
    F::Output: 'static,
{
    task::spawn_owned(owner, future)
}

#[deprecated(since = "0.2.0", note = "moved to `gdnative_tokio::time::sleep`")]
pub fn sleep(duration: Duration) -> impl Future<Output = ()> {
    time::sleep(duration)
}

#[deprecated(since = "0.2.0", note = "moved to `gdnative_tokio::time::frames`")]
pub fn frames(n: u64) -> impl Future<Output = u64> {
    time::frames(n)
}

#[deprecated(since = "0.2.0", note = "moved to `gdnative_tokio::time::next_frame`")]
pub fn next_frame() -> time::NextFrame<'static> {
    time::next_frame()
}

#[deprecated(since = "0.2.0", note = "moved to `gdnative_tokio::time::sleep_game`")]
pub fn sleep_game(duration: Duration, mode: time::GameTime) -> time::SleepGame {
    time::sleep_game(duration, mode)
}

#[deprecated(
    since = "0.2.0",
    note = "moved to `gdnative_tokio::error::set_print_all_errors`"
)]
pub fn set_print_all_errors(on: bool) {
    error::set_print_all_errors(on)
}

#[deprecated(
    since = "0.2.0",
    note = "moved to `gdnative_tokio::background::spawn_background`"
)]
pub fn spawn_background<F>(future: F) -> background::Background<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    background::spawn_background(future)
}

#[deprecated(
    since = "0.2.0",
    note = "moved to `gdnative_tokio::background::spawn_blocking`"
)]
pub fn spawn_blocking<F, R>(f: F) -> background::Background<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    background::spawn_blocking(f)
}

#[deprecated(
    since = "0.2.0",
    note = "moved to `gdnative_tokio::background::shutdown_background`"
)]
pub fn shutdown_background() {
    background::shutdown_background()
}

#[deprecated(
    since = "0.2.0",
    note = "moved to `gdnative_tokio::background::background_workers`"
)]
pub fn background_workers() -> usize {
    background::background_workers()
}

#[deprecated(
    since = "0.2.0",
    note = "moved to `gdnative_tokio::background::default_background_workers`"
)]
pub fn default_background_workers() -> usize {
    background::default_background_workers()
}

#[deprecated(
    since = "0.2.0",
    note = "moved to `gdnative_tokio::background::set_background_workers`"
)]
pub fn set_background_workers(workers: usize) -> Result<(), error::AsyncError> {
    background::set_background_workers(workers)
}

#[deprecated(since = "0.2.0", note = "moved to `gdnative_tokio::script::guard`")]
pub fn guard<F>(method: &'static str, future: F) -> impl Future<Output = Variant> + 'static
where
    F: Future + 'static,
    F::Output: ToVariant,
{
    script::guard(method, future)
}

#[deprecated(
    since = "0.2.0",
    note = "moved to `gdnative_tokio::script::guard_result`"
)]
pub fn guard_result<F, T, E>(
    method: &'static str,
    future: F,
) -> impl Future<Output = Variant> + 'static
where
    F: Future<Output = Result<T, E>> + 'static,
    T: ToVariant,
    E: std::fmt::Display + 'static,
{
    script::guard_result(method, future)
}

#[deprecated(since = "0.2.0", note = "moved to `gdnative_tokio::script::call`")]
pub fn call<T>(object: TRef<'_, T>, method: &str, args: &[Variant]) -> script::Awaiting
where
    T: GodotObject + SubClass<Object>,
{
    script::call(object, method, args)
}

#[deprecated(since = "0.2.0", note = "moved to `gdnative_tokio::script::wait`")]
pub fn wait(value: &Variant) -> script::Awaiting {
    script::wait(value)
}

#[deprecated(since = "0.2.0", note = "moved to `gdnative_tokio::script::signal`")]
pub fn signal(object: TRef<'_, Object>, signal: &str) -> Result<script::Signal, error::AsyncError> {
    script::signal(object, signal)
}

#[deprecated(
    since = "0.2.0",
    note = "moved to `gdnative_tokio::script::check_main_thread`"
)]
pub fn check_main_thread(method: &str) -> Result<(), error::AsyncError> {
    script::check_main_thread(method)
}
