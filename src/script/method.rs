//! Exporting panic-safe async methods to GDScript.
//!
//! Two ways, both resolving with the method's value or an
//! [`AsyncError`] value, never leaving a `yield` waiting:
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
use std::time::Duration;

use futures::future::{Either, FutureExt};
use gdnative::core_types::VariantType;
use gdnative::export::{Method, NativeClass, Varargs};
use gdnative::prelude::*;
use gdnative::tasks::{AsyncMethod, Context, Spawner};

use crate::executor::panic::catch_panic;
use crate::script::error::{AsyncError, ErrorKind};

/// Makes an async method's future panic-safe: a panic is printed to Godot's
/// console with the method name and the future resolves with an
/// [`AsyncError`] of kind `"panic"`, so the GDScript `yield` on it resumes.
///
/// ```no_run
/// // The same pattern is used in `AsyncDemo::greet` (src/demo.rs).
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
    guard_map(method, future, |value| value.to_variant())
}

/// Like [`guard`], for a future returning `Result`: `Ok(value)` resolves
/// with `value`, `Err(e)` prints and resolves with an [`AsyncError`] of
/// kind `"failed"` whose message is `e`'s `Display` (an `Err` that is
/// itself an [`AsyncError`], e.g. from [`spawn_blocking`](crate::spawn_blocking),
/// keeps its kind), and a panic resolves with kind `"panic"`. This is the whole mapping from Rust errors to the
/// error convention: write the body with `?` and wrap it.
///
/// ```no_run
/// // The same pattern is used in `AsyncDemo::parse_int` (src/demo.rs).
/// # use gdnative::prelude::*;
/// # use std::future::Future;
/// #[derive(NativeClass)]
/// #[inherit(Reference)]
/// #[no_constructor]
/// struct Config;
///
/// #[methods]
/// impl Config {
///     #[method(async)]
///     fn read_port(&self, text: String) -> impl Future<Output = Variant> + 'static {
///         gdnative_tokio::guard_result("read_port", async move {
///             gdnative_tokio::next_frame().await;
///             text.trim().parse::<u16>() // Err(ParseIntError) -> kind "failed"
///         })
///     }
/// }
/// ```
pub fn guard_result<F, T, E>(
    method: &'static str,
    future: F,
) -> impl Future<Output = Variant> + 'static
where
    F: Future<Output = Result<T, E>> + 'static,
    T: ToVariant,
    E: std::fmt::Display + 'static,
{
    guard_map(method, future, move |result| match result {
        Ok(value) => value.to_variant(),
        Err(e) => {
            // An `AsyncError` (e.g. from a background task) keeps its kind
            // and message; anything else is `failed` with its Display.
            let (kind, message) = match (&e as &dyn std::any::Any).downcast_ref::<AsyncError>() {
                Some(error) => (
                    error.error_kind().unwrap_or(ErrorKind::Failed),
                    error.message.clone(),
                ),
                None => (ErrorKind::Failed, e.to_string()),
            };
            AsyncError::new(kind, method, message).report()
        }
    })
}

/// `future` with panics caught, its output converted by `convert`.
fn guard_map<F, C>(
    method: &'static str,
    future: F,
    convert: C,
) -> impl Future<Output = Variant> + 'static
where
    F: Future + 'static,
    C: FnOnce(F::Output) -> Variant + 'static,
{
    catch_panic(future).map(move |result| match result {
        Ok(value) => convert(value),
        Err(message) => AsyncError::new(ErrorKind::Panic, method, message).report(),
    })
}

/// The longest duration [`Args::seconds`] accepts: one day.
pub const MAX_SECONDS: f64 = 86_400.0;

/// The arguments of a script call, with checks that produce messages a
/// script author can act on ("argument 1 `seconds`: expected a number, got
/// String").
pub struct Args {
    values: Vec<Variant>,
}

impl Args {
    /// Arguments a `#[method]` received as `Variant`s, to check them with
    /// the same messages as a hand-registered async method's:
    ///
    /// ```no_run
    /// # use gdnative::prelude::*;
    /// # use gdnative_tokio::Args;
    /// fn checked(count: Variant, interval: Variant) -> Result<(i64, std::time::Duration), String> {
    ///     let args = Args::new(vec![count, interval]);
    ///     Ok((args.int_in(0, "count", 0..=100)?, args.seconds(1, "interval")?))
    /// }
    /// ```
    pub fn new(values: Vec<Variant>) -> Self {
        Args { values }
    }

    /// Copies the arguments of a call.
    pub(crate) fn from_varargs(args: Varargs<'_>) -> Self {
        Args {
            values: args.as_slice().iter().map(|v| (*v).clone()).collect(),
        }
    }

    /// Argument `index` as a duration in seconds: a finite number between 0
    /// and one day (longer is almost certainly a unit mistake, milliseconds
    /// passed as seconds).
    pub fn seconds(&self, index: usize, name: &str) -> Result<Duration, String> {
        let secs = self.number(index, name)?;
        if !(0.0..=MAX_SECONDS).contains(&secs) {
            return Err(format!(
                "argument {} `{name}`: must be between 0 and {MAX_SECONDS}, got {secs}",
                index + 1
            ));
        }
        Ok(Duration::from_secs_f64(secs))
    }

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

    /// Argument `index` converted to `T`. A wrong type is reported with
    /// GDScript's type names ("expected String, got int").
    pub fn get<T: FromVariant>(&self, index: usize, name: &str) -> Result<T, String> {
        let value = self.raw(index, name)?;
        T::from_variant(value).map_err(|e| {
            let got = script_type(value.get_type());
            match e {
                FromVariantError::InvalidVariantType { expected, .. } => format!(
                    "argument {} `{name}`: expected {}, got {got}",
                    index + 1,
                    script_type(expected)
                ),
                FromVariantError::InvalidNil => {
                    format!(
                        "argument {} `{name}`: expected an object, got null",
                        index + 1
                    )
                }
                other => format!("argument {} `{name}`: {other} (got {got})", index + 1),
            }
        })
    }

    /// Argument `index` as an int within `range` ("must be at least 1" when
    /// the range has no upper end).
    pub fn int_in(
        &self,
        index: usize,
        name: &str,
        range: std::ops::RangeInclusive<i64>,
    ) -> Result<i64, String> {
        let n: i64 = self.get(index, name)?;
        if range.contains(&n) {
            return Ok(n);
        }
        let (start, end) = range.into_inner();
        let expected = if end == i64::MAX {
            format!("must be at least {start}")
        } else {
            format!("must be in {start}..={end}")
        };
        Err(format!(
            "argument {} `{name}`: {expected}, got {n}",
            index + 1
        ))
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
                "argument {} `{name}`: expected a number, got {}",
                index + 1,
                script_type(value.get_type())
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

/// GDScript's name for a Variant type, for messages scripts read: `int`,
/// `String`, `Array`, `null`, ...
pub(crate) fn script_type(t: VariantType) -> &'static str {
    match t {
        VariantType::Nil => "null",
        VariantType::Bool => "bool",
        VariantType::I64 => "int",
        VariantType::F64 => "float",
        VariantType::GodotString => "String",
        VariantType::Vector2 => "Vector2",
        VariantType::Rect2 => "Rect2",
        VariantType::Vector3 => "Vector3",
        VariantType::Transform2D => "Transform2D",
        VariantType::Plane => "Plane",
        VariantType::Quat => "Quat",
        VariantType::Aabb => "AABB",
        VariantType::Basis => "Basis",
        VariantType::Transform => "Transform",
        VariantType::Color => "Color",
        VariantType::NodePath => "NodePath",
        VariantType::Rid => "RID",
        VariantType::Object => "Object",
        VariantType::Dictionary => "Dictionary",
        VariantType::VariantArray => "Array",
        VariantType::ByteArray => "PoolByteArray",
        VariantType::Int32Array => "PoolIntArray",
        VariantType::Float32Array => "PoolRealArray",
        VariantType::StringArray => "PoolStringArray",
        VariantType::Vector2Array => "PoolVector2Array",
        VariantType::Vector3Array => "PoolVector3Array",
        VariantType::ColorArray => "PoolColorArray",
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

    /// The `Method` to pass to `ClassBuilder::method`. Calls from a thread
    /// other than the main one return an [`AsyncError`] value (and print
    /// it) instead of a state to yield on.
    pub fn into_method(self) -> MainThreadOnly<gdnative::tasks::Async<Self>> {
        MainThreadOnly {
            name: self.name,
            method: gdnative::tasks::Async::new(self),
        }
    }
}

/// A script method that refuses calls from threads other than the main one
/// (see [`ScriptAsyncFn::into_method`]).
pub struct MainThreadOnly<M> {
    name: &'static str,
    method: M,
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

impl<C, Fut> AsyncMethod<C> for ScriptAsyncFn<Fut>
where
    C: NativeClass,
    Fut: Future + 'static,
    Fut::Output: ToVariant,
{
    fn spawn_with(&self, spawner: Spawner<'_, C>) {
        let (name, body) = (self.name, self.body);
        spawner.spawn(move |ctx, _this, args: Varargs<'_>| {
            let args = Args::from_varargs(args);
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

/// Registers free functions with [`ScriptAsyncFn`] body signatures as
/// async methods of the class being built, each named after its function:
/// `async_methods!(builder; delay, ready)`.
macro_rules! async_methods {
    ($builder:expr; $($name:ident),* $(,)?) => {
        $($builder
            .method(
                stringify!($name),
                $crate::script::method::ScriptAsyncFn::new(stringify!($name), $name).into_method(),
            )
            .done();)*
    };
}
pub(crate) use async_methods;
