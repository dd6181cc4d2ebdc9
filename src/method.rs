//! Exporting panic-safe async methods to GDScript.
//!
//! Two ways, both resolving with the method's value or an
//! [`AsyncError`](crate::AsyncError) value, never leaving a `yield` waiting:
//!
//! - `#[method(async)]` from gdnative's derive, with the body wrapped in
//!   [`guard`] (one line). gdnative checks the argument types; on a mismatch
//!   it prints the error and the method resolves with `null`.
//! - [`ScriptAsyncFn`], registered by hand, which parses the arguments
//!   itself with [`Args`] and resolves bad arguments with an `AsyncError`
//!   of kind `bad_arguments` that names the parameter. The crate's own
//!   methods use this.

use std::future::Future;
use std::sync::Arc;

use futures::future::{Either, FutureExt};
use gdnative::core_types::VariantType;
use gdnative::export::{NativeClass, Varargs};
use gdnative::prelude::*;
use gdnative::tasks::{AsyncMethod, Context, Spawner};

use crate::error::{AsyncError, ErrorKind};
use crate::panic::catch_panic;

/// Makes an async method's future panic-safe: a panic is printed to Godot's
/// console with the method name and the future resolves with an
/// [`AsyncError`] of kind `"panic"`, so the GDScript `yield` on it resumes.
///
/// ```ignore
/// // (Compiled for real in `AsyncDemo::greet`, src/demo.rs.)
/// # use gdnative::prelude::*;
/// # use std::future::Future;
/// #[derive(NativeClass)]
/// #[inherit(Reference)]
/// #[no_constructor]
/// struct Loader;
///
/// #[methods]
/// impl Loader {
///     #[method(async)]
///     fn load(&self, path: String) -> impl Future<Output = Variant> + 'static {
///         gdnative_tokio::guard("load", async move { path.len() as i64 })
///     }
/// }
/// ```
pub fn guard<F>(method: &'static str, future: F) -> impl Future<Output = Variant> + 'static
where
    F: Future + 'static,
    F::Output: ToVariant,
{
    catch_panic(future).map(move |result| match result {
        Ok(value) => value.to_variant(),
        Err(message) => AsyncError::new(ErrorKind::Panic, method, message).report(),
    })
}

/// The arguments of a script call, with checks that produce messages a
/// script author can act on ("argument 1 `seconds`: expected a number, got
/// String").
pub struct Args {
    values: Vec<Variant>,
}

impl Args {
    /// The number of arguments passed.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// True when no argument was passed.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Fails unless between `min` and `max` arguments were passed.
    pub fn expect_count(&self, min: usize, max: usize) -> Result<(), String> {
        let n = self.values.len();
        if n < min || n > max {
            let expected = if min == max {
                format!("{min}")
            } else {
                format!("{min} to {max}")
            };
            return Err(format!("expected {expected} argument(s), got {n}"));
        }
        Ok(())
    }

    /// Argument `index` converted to `T`.
    pub fn get<T: FromVariant>(&self, index: usize, name: &str) -> Result<T, String> {
        let value = self.raw(index, name)?;
        T::from_variant(value).map_err(|e| {
            format!(
                "argument {} `{name}`: {e} (got {:?})",
                index + 1,
                value.get_type()
            )
        })
    }

    /// Argument `index` as a finite number (int or float both accepted).
    pub fn number(&self, index: usize, name: &str) -> Result<f64, String> {
        let value = self.raw(index, name)?;
        let n = match value.get_type() {
            VariantType::I64 => value.try_to::<i64>().map(|i| i as f64).ok(),
            VariantType::F64 => value.try_to::<f64>().ok(),
            _ => None,
        };
        match n {
            Some(n) if n.is_finite() => Ok(n),
            Some(n) => Err(format!(
                "argument {} `{name}`: must be finite, got {n}",
                index + 1
            )),
            None => Err(format!(
                "argument {} `{name}`: expected a number, got {:?}",
                index + 1,
                value.get_type()
            )),
        }
    }

    /// Argument `index`, unconverted.
    pub fn raw(&self, index: usize, name: &str) -> Result<&Variant, String> {
        self.values
            .get(index)
            .ok_or_else(|| format!("missing argument {} `{name}`", index + 1))
    }
}

/// The signature of a [`ScriptAsyncFn`] body: check the arguments and
/// return the future, or return an error message for bad arguments.
pub type ScriptBody<Fut> = fn(Arc<Context>, Args) -> Result<Fut, String>;

/// An async method registered by hand that checks its own arguments.
///
/// Register it with `builder.method(name, ScriptAsyncFn::new(name, body).into_method()).done()`.
/// Bad arguments resolve with an [`AsyncError`] of kind `bad_arguments`
/// (and print it); a panic in the future resolves with kind `panic`.
pub struct ScriptAsyncFn<Fut> {
    name: &'static str,
    body: ScriptBody<Fut>,
}

impl<Fut> ScriptAsyncFn<Fut> {
    /// Wraps `body` as the async method `name`.
    pub fn new(name: &'static str, body: ScriptBody<Fut>) -> Self {
        ScriptAsyncFn { name, body }
    }

    /// The `Method` to pass to `ClassBuilder::method`.
    pub fn into_method(self) -> gdnative::tasks::Async<Self> {
        gdnative::tasks::Async::new(self)
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
            let args = Args {
                values: args.as_slice().iter().map(|v| (*v).clone()).collect(),
            };
            match body(ctx, args) {
                Ok(future) => Either::Left(guard(name, future)),
                Err(message) => {
                    let error = AsyncError::new(ErrorKind::BadArguments, name, message).report();
                    Either::Right(std::future::ready(error))
                }
            }
        });
    }
}
