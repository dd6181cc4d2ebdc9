//! Methods registered by hand that check their own arguments with
//! [`Args`]: one design, two results.
//!
//! A body is a plain function that checks the arguments and returns the
//! future to run, or a [`Refusal`] (the one refusal type: `?` on an
//! [`Args`] check gives one of kind `bad_arguments`). The wrapper decides
//! what the script gets back:
//!
//! - [`ScriptAsyncFn`]: gdnative-async's function state, as from
//!   `#[method(async)]`;
//! - [`ScriptTaskFn`]: an [`AsyncTask`], cancellable;
//! - [`ScriptProgressFn`]: an [`AsyncTask`] that reports [`Progress`].
//!
//! Both refuse calls from threads other than the main one the same way
//! (`MainThreadOnly`), both always resolve (a refused call resolves with
//! the printed [`AsyncError`], a panic with kind `panic`), and
//! [`script_methods!`](crate::script::script_methods) registers either.

use std::future::Future;
use std::sync::Arc;

use futures::future::Either;
use gdnative::export::{Method, NativeClass, Varargs};
use gdnative::prelude::*;
use gdnative::tasks::{AsyncMethod, Context, Spawner};

use crate::error::{AsyncError, ErrorKind};
use crate::script::args::Args;
use crate::script::guard::guard;
use crate::script::progress::Progress;
use crate::script::task::AsyncTask;

/// Why a method body refused to start: the error kind and message the
/// call resolves with. A `String` converts to kind `bad_arguments`, so `?`
/// works on [`Args`]' checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The error kind (usually `BadArguments`; `Freed` for freed objects).
    pub kind: ErrorKind,
    /// What was wrong, for the script author.
    pub message: String,
}

impl From<String> for Refusal {
    fn from(message: String) -> Self {
        Refusal {
            kind: ErrorKind::BadArguments,
            message,
        }
    }
}

impl Refusal {
    /// The printed error value a refused call `method` resolves with.
    fn report(self, method: &str) -> Variant {
        AsyncError::new(self.kind, method, self.message).report()
    }
}

/// The signature of a [`ScriptAsyncFn`] body: check the arguments and
/// return the future, or refuse.
pub(crate) type ScriptBody<Fut> = fn(Arc<Context>, Args) -> Result<Fut, Refusal>;

/// The signature of a [`ScriptTaskFn`] body: check the arguments and
/// return the future, or refuse.
pub(crate) type TaskBody<Fut> = fn(Args) -> Result<Fut, Refusal>;

/// An async method registered by hand whose call returns gdnative-async's
/// function state (`yield(obj.method(...), "completed")`).
///
/// A refused call resolves with an [`AsyncError`] (printed); a panic in the
/// future resolves with kind `panic`.
pub struct ScriptAsyncFn<Fut> {
    name: &'static str,
    body: ScriptBody<Fut>,
}

impl<Fut> ScriptAsyncFn<Fut> {
    /// Wraps `body` as the async method `name`. The body checks the
    /// arguments and returns the future, or refuses.
    pub fn new(name: &'static str, body: fn(Arc<Context>, Args) -> Result<Fut, Refusal>) -> Self {
        ScriptAsyncFn { name, body }
    }

    /// The `Method` to pass to `ClassBuilder::method`.
    pub fn into_method<C>(self) -> impl Method<C>
    where
        C: NativeClass,
        Fut: Future + 'static,
        Fut::Output: ToVariant,
    {
        MainThreadOnly {
            name: self.name,
            method: gdnative::tasks::Async::new(self),
        }
    }
}

impl<C, Fut> AsyncMethod<C> for ScriptAsyncFn<Fut>
where
    C: NativeClass,
    Fut: Future + 'static,
    Fut::Output: ToVariant,
{
    fn spawn_with(&self, spawner: Spawner<'_, C>) {
        let (name, body) = (self.name, self.body);
        spawner.spawn(move |ctx, _this, args: Varargs<'_>| {
            match body(ctx, Args::from_varargs(args)) {
                Ok(future) => Either::Left(guard(name, future)),
                Err(refusal) => Either::Right(std::future::ready(refusal.report(name))),
            }
        });
    }
}

/// A method registered by hand whose call returns an [`AsyncTask`]
/// (cancellable, yieldable).
///
/// The call always returns a task: a refused call returns a task already
/// resolved with the printed `AsyncError`, which still emits `completed`
/// in the next pump, so `yield(obj.method(...), "completed")` never hangs.
///
/// ```no_run
/// use gdnative::prelude::*;
/// use gdnative_tokio::{script::Args, script::Refusal};
///
/// #[derive(NativeClass)]
/// #[inherit(Reference)]
/// #[register_with(register)]
/// struct Timers;
///
/// #[methods]
/// impl Timers {
///     fn new(_base: &Reference) -> Self {
///         Timers
///     }
/// }
///
/// fn wait(args: Args) -> Result<impl std::future::Future<Output = f64>, Refusal> {
///     args.expect_count(1, 1)?;
///     let duration = args.seconds(0, "seconds")?;
///     Ok(async move {
///         gdnative_tokio::time::sleep(duration).await;
///         duration.as_secs_f64()
///     })
/// }
///
/// fn register(builder: &ClassBuilder<Timers>) {
///     gdnative_tokio::script::script_methods!(builder, ScriptTaskFn; wait);
/// }
/// ```
pub struct ScriptTaskFn<Fut> {
    name: &'static str,
    body: TaskBody<Fut>,
}

impl<Fut> ScriptTaskFn<Fut> {
    /// Wraps `body` as the method `name`. The body checks the arguments
    /// and returns the future, or refuses.
    pub fn new(name: &'static str, body: fn(Args) -> Result<Fut, Refusal>) -> Self {
        ScriptTaskFn { name, body }
    }

    /// The `Method` to pass to `ClassBuilder::method`. Calls from another
    /// thread return the error value itself, not a task: a task lives on
    /// the main thread's pool.
    pub fn into_method<C>(self) -> impl Method<C>
    where
        C: NativeClass,
        Fut: Future + 'static,
        Fut::Output: ToVariant,
    {
        MainThreadOnly {
            name: self.name,
            method: self,
        }
    }
}

impl<C, Fut> Method<C> for ScriptTaskFn<Fut>
where
    C: NativeClass,
    Fut: Future + 'static,
    Fut::Output: ToVariant,
{
    fn call(&self, _this: TInstance<'_, C>, args: Varargs<'_>) -> Variant {
        let task = match (self.body)(Args::from_varargs(args)) {
            Ok(future) => AsyncTask::spawn(self.name, future),
            Err(Refusal { kind, message }) => AsyncTask::failed(self.name, kind, message),
        };
        task.owned_to_variant()
    }
}

/// The signature of a [`ScriptProgressFn`] body: check the arguments and
/// return the future, which reports through the task's [`Progress`](crate::script::Progress)
/// (`crate::script::Progress`), or refuse.
pub(crate) type ProgressBody<Fut> = fn(Args, Progress) -> Result<Fut, Refusal>;

/// [`ScriptTaskFn`] for work that reports progress: the call returns an
/// [`AsyncTask`] that emits `progress(value)` (see
/// [`AsyncTask::spawn_with_progress`]). A refused call resolves the same
/// way as [`ScriptTaskFn`]'s (in the next pump, with the printed error).
pub struct ScriptProgressFn<Fut> {
    name: &'static str,
    body: ProgressBody<Fut>,
}

impl<Fut> ScriptProgressFn<Fut> {
    /// Wraps `body` as the method `name`. The body checks the arguments
    /// and returns the future, which reports through the task's
    /// [`Progress`], or refuses.
    pub fn new(name: &'static str, body: fn(Args, Progress) -> Result<Fut, Refusal>) -> Self {
        ScriptProgressFn { name, body }
    }

    /// The `Method` to pass to `ClassBuilder::method` (main thread only,
    /// as [`ScriptTaskFn::into_method`]).
    pub fn into_method<C>(self) -> impl Method<C>
    where
        C: NativeClass,
        Fut: Future + 'static,
        Fut::Output: ToVariant,
    {
        MainThreadOnly {
            name: self.name,
            method: self,
        }
    }
}

impl<C, Fut> Method<C> for ScriptProgressFn<Fut>
where
    C: NativeClass,
    Fut: Future + 'static,
    Fut::Output: ToVariant,
{
    fn call(&self, _this: TInstance<'_, C>, args: Varargs<'_>) -> Variant {
        let (name, body) = (self.name, self.body);
        let args = Args::from_varargs(args);
        let task = AsyncTask::spawn_with_progress(name, |progress| match body(args, progress) {
            Ok(future) => Either::Left(async move { future.await.to_variant() }),
            Err(refusal) => Either::Right(std::future::ready(refusal.report(name))),
        });
        task.owned_to_variant()
    }
}

/// A script method that refuses calls from threads other than the main one
/// with an [`AsyncError`] value of kind `bad_arguments` (printed), made by
/// [`ScriptAsyncFn::into_method`] and [`ScriptTaskFn::into_method`].
pub(crate) struct MainThreadOnly<M> {
    name: &'static str,
    method: M,
}

impl<M> MainThreadOnly<M> {
    /// `method`, registered as `name`, refusing other threads.
    pub(crate) fn new(name: &'static str, method: M) -> Self {
        MainThreadOnly { name, method }
    }
}

impl<C: NativeClass, M: Method<C>> Method<C> for MainThreadOnly<M> {
    fn call(&self, this: TInstance<'_, C>, args: Varargs<'_>) -> Variant {
        match crate::godot::main_thread::check(self.name) {
            Ok(()) => self.method.call(this, args),
            Err(message) => {
                AsyncError::new(ErrorKind::BadArguments, self.name, message).into_value()
            }
        }
    }

    fn site() -> Option<gdnative::log::Site<'static>> {
        M::site()
    }
}

/// Registers free functions as methods of the class being built, each
/// named after its function, with the wrapper `ScriptAsyncFn`,
/// `ScriptTaskFn` or `ScriptProgressFn` (each one's `new` gives the body's
/// signature):
///
/// ```ignore
/// gdnative_tokio::script::script_methods!(builder, ScriptAsyncFn; delay, ready);
/// gdnative_tokio::script::script_methods!(builder, ScriptTaskFn; sleep, frames);
/// ```
#[doc(hidden)]
#[macro_export]
macro_rules! __script_methods {
    ($builder:expr, $wrapper:ident; $($name:ident),* $(,)?) => {
        $($builder
            .method(
                stringify!($name),
                $crate::script::$wrapper::new(stringify!($name), $name).into_method(),
            )
            .done();)*
    };
}

/// The former path of `gdnative_tokio::script::script_methods!`.
#[deprecated(
    since = "0.2.0",
    note = "moved to `gdnative_tokio::script::script_methods!`"
)]
#[doc(hidden)]
#[macro_export]
macro_rules! script_methods {
    ($($input:tt)*) => {
        $crate::__script_methods!($($input)*)
    };
}
