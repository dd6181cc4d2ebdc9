//! Checking the arguments of a script call: [`Args`], whose messages name
//! the argument as script authors see it ("argument 1 `seconds`: expected
//! a number, got String"). Every such message is written here.

use std::time::Duration;

use gdnative::core_types::VariantType;
use gdnative::export::Varargs;
use gdnative::prelude::*;

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
    /// # use gdnative_tokio::script::Args;
    /// fn checked(count: Variant, interval: Variant) -> Result<(i64, std::time::Duration), String> {
    ///     let args = Args::new(vec![count, interval]);
    ///     Ok((args.int_in(0, "count", 0..=100)?, args.seconds(1, "interval")?))
    /// }
    /// ```
    pub fn new(values: Vec<Variant>) -> Self {
        Args { values }
    }

    /// How messages name argument `index` (0-based) called `name`:
    /// "argument 1 `seconds`".
    pub fn argument(index: usize, name: &str) -> String {
        format!("argument {} `{name}`", index + 1)
    }

    /// The message for a bad argument `index` called `name`: "argument 1
    /// `seconds`: {detail}". Every argument message is worded by it, so
    /// checks that `Args` has no method for read the same.
    pub fn invalid(index: usize, name: &str, detail: impl std::fmt::Display) -> String {
        format!("{}: {detail}", Self::argument(index, name))
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
            return Err(Self::invalid(
                index,
                name,
                format_args!("must be between 0 and {MAX_SECONDS}, got {secs}"),
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
                FromVariantError::InvalidVariantType { expected, .. } => Self::invalid(
                    index,
                    name,
                    format_args!("expected {}, got {got}", script_type(expected)),
                ),
                FromVariantError::InvalidNil => {
                    Self::invalid(index, name, format_args!("expected an object, got null"))
                }
                other => Self::invalid(index, name, format_args!("{other} (got {got})")),
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
        Err(Self::invalid(
            index,
            name,
            format_args!("{expected}, got {n}"),
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
            Some(n) => Err(Self::invalid(
                index,
                name,
                format_args!("must be finite, got {n}"),
            )),
            None => Err(Self::invalid(
                index,
                name,
                format_args!("expected a number, got {}", script_type(value.get_type())),
            )),
        }
    }

    /// Argument `index`, unconverted.
    pub fn raw(&self, index: usize, name: &str) -> Result<&Variant, String> {
        self.values
            .get(index)
            .ok_or_else(|| format!("missing {}", Self::argument(index, name)))
    }
}

/// A `data` argument: a String (text) or a PoolByteArray (bytes).
pub(crate) enum Data {
    Text(String),
    Bytes(Vec<u8>),
}

/// Argument `index` called `name` as [`Data`]; any other type is refused
/// with "expected a String or PoolByteArray, got ...".
pub(crate) fn data_argument(value: &Variant, index: usize, name: &str) -> Result<Data, String> {
    match value.get_type() {
        VariantType::GodotString => Ok(Data::Text(value.to_string())),
        VariantType::ByteArray => Ok(Data::Bytes(
            PoolArray::<u8>::from_variant(value)
                .map(|b| b.to_vec())
                .unwrap_or_default(),
        )),
        other => Err(Args::invalid(
            index,
            name,
            format_args!(
                "expected a String or PoolByteArray, got {}",
                script_type(other)
            ),
        )),
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
