//! `ScriptTaskFn`: a method registered by hand that returns an
//! [`AsyncTask`] handle (cancellable, yieldable) instead of gdnative-async's
//! function state.

use std::future::Future;

use gdnative::export::{Method, NativeClass, Varargs};
use gdnative::prelude::*;

use crate::script::error::{AsyncError, ErrorKind};
use crate::script::method::Args;
use crate::script::task::AsyncTask;

/// Why a [`ScriptTaskFn`] body refused to start: the error kind and
/// message the returned task resolves with. A `String` converts to kind
/// `bad_arguments`, so `?` works on [`Args`]' checks.
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

/// The signature of a [`ScriptTaskFn`] body: check the arguments and
/// return the future, or refuse.
pub type TaskBody<Fut> = fn(Args) -> Result<Fut, Refusal>;

/// An async method registered by hand whose call returns an [`AsyncTask`].
///
/// The call always returns a task: a refused call (bad arguments) returns
/// a task already resolved with the printed `AsyncError`, which still
/// emits `completed` in the next pump, so `yield(obj.method(...),
/// "completed")` never hangs.
///
/// ```no_run
/// // The same pattern is used in `AsyncDemo::delay_task` (src/demo.rs).
/// use gdnative::prelude::*;
/// use gdnative_tokio::{Args, Refusal, ScriptTaskFn};
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
///         gdnative_tokio::sleep(duration).await;
///         duration.as_secs_f64()
///     })
/// }
///
/// fn register(builder: &ClassBuilder<Timers>) {
///     builder.method("wait", ScriptTaskFn::new("wait", wait)).done();
/// }
/// ```
pub struct ScriptTaskFn<Fut> {
    name: &'static str,
    body: TaskBody<Fut>,
}

impl<Fut> ScriptTaskFn<Fut> {
    /// Wraps `body` as the method `name`; pass the result to
    /// `ClassBuilder::method`.
    pub fn new(name: &'static str, body: TaskBody<Fut>) -> Self {
        ScriptTaskFn { name, body }
    }
}

impl<C, Fut> Method<C> for ScriptTaskFn<Fut>
where
    C: NativeClass,
    Fut: Future + 'static,
    Fut::Output: ToVariant,
{
    fn call(&self, _this: TInstance<'_, C>, args: Varargs<'_>) -> Variant {
        if let Err(message) = crate::godot::main_thread::check(self.name) {
            // Not a task: a task lives on the main thread's pool.
            return AsyncError::new(ErrorKind::BadArguments, self.name, message).into_value();
        }
        let task = match (self.body)(Args::from_varargs(args)) {
            Ok(future) => AsyncTask::spawn(self.name, future),
            Err(Refusal { kind, message }) => AsyncTask::failed(self.name, kind, message),
        };
        task.owned_to_variant()
    }
}

/// Registers free functions with [`TaskBody`] signatures as methods of the
/// class being built, each named after its function:
/// `task_methods!(builder; sleep, frames)`.
macro_rules! task_methods {
    ($builder:expr; $($name:ident),* $(,)?) => {
        $($builder
            .method(
                stringify!($name),
                $crate::script::task_fn::ScriptTaskFn::new(stringify!($name), $name),
            )
            .done();)*
    };
}
pub(crate) use task_methods;
