//! JSON between Godot values and text: request bodies from a
//! Dictionary/Array, response bodies parsed, with errors that say where
//! the JSON broke.

use gdnative::prelude::*;
use serde_json::Value;

use crate::script::args::script_type;

/// Nesting deeper than this is refused (an Array that holds itself would
/// recurse forever).
const MAX_DEPTH: usize = 128;

/// `value` as JSON text: Dictionaries (String keys), Arrays, Strings,
/// numbers (finite), bools and null. `Err` names what cannot be JSON.
pub(crate) fn to_json(value: &Variant) -> Result<String, String> {
    to_value(value, 0).map(|v| v.to_string())
}

fn to_value(value: &Variant, depth: usize) -> Result<Value, String> {
    if depth > MAX_DEPTH {
        return Err(format!(
            "nested deeper than {MAX_DEPTH} levels (does an Array hold itself?)"
        ));
    }
    let unsupported = || format!("{} cannot be JSON", script_type(value.get_type()));
    Ok(match value.get_type() {
        VariantType::Nil => Value::Null,
        VariantType::Bool => Value::Bool(value.try_to::<bool>().map_err(|_| unsupported())?),
        VariantType::I64 => Value::from(value.try_to::<i64>().map_err(|_| unsupported())?),
        VariantType::F64 => {
            let n = value.try_to::<f64>().map_err(|_| unsupported())?;
            Value::from(
                serde_json::Number::from_f64(n).ok_or_else(|| format!("{n} cannot be JSON"))?,
            )
        }
        VariantType::GodotString => {
            Value::String(value.try_to::<String>().map_err(|_| unsupported())?)
        }
        VariantType::VariantArray => {
            let array = value.try_to::<VariantArray>().map_err(|_| unsupported())?;
            Value::Array(
                array
                    .iter()
                    .map(|v| to_value(&v, depth + 1))
                    .collect::<Result<_, _>>()?,
            )
        }
        VariantType::Dictionary => {
            let dict = value.try_to::<Dictionary>().map_err(|_| unsupported())?;
            let mut map = serde_json::Map::new();
            for (k, v) in dict.iter() {
                let key = k.try_to::<String>().map_err(|_| {
                    format!(
                        "Dictionary keys must be Strings for JSON, got {}",
                        script_type(k.get_type())
                    )
                })?;
                map.insert(key, to_value(&v, depth + 1)?);
            }
            Value::Object(map)
        }
        _ => return Err(unsupported()),
    })
}

/// Parses `body`; `Err` says where it broke: `line 3, column 12: expected
/// value`.
pub(crate) fn parse(body: &[u8]) -> Result<Value, String> {
    serde_json::from_slice(body).map_err(|e| {
        let text = e.to_string();
        let cause = text.split(" at line ").next().unwrap_or(&text).to_owned();
        format!(
            "not JSON: line {}, column {}: {cause}",
            e.line(),
            e.column()
        )
    })
}

/// A parsed JSON value as a Godot value: objects are Dictionaries,
/// arrays Arrays, integers ints (floats when they do not fit), other
/// numbers floats.
pub(crate) fn to_variant(value: &Value) -> Variant {
    match value {
        Value::Null => Variant::nil(),
        Value::Bool(b) => b.to_variant(),
        Value::Number(n) => match n.as_i64() {
            Some(i) => i.to_variant(),
            None => n.as_f64().unwrap_or(f64::NAN).to_variant(),
        },
        Value::String(s) => s.to_variant(),
        Value::Array(items) => {
            let array = VariantArray::new();
            for item in items {
                array.push(to_variant(item));
            }
            array.owned_to_variant()
        }
        Value::Object(map) => {
            let dict = Dictionary::new();
            for (k, v) in map {
                dict.insert(k.as_str(), to_variant(v));
            }
            dict.owned_to_variant()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_parse_error_names_line_and_column() {
        let error = parse(b"{\n  \"a\": 1,\n  \"b\": [1, 2,,]\n}").expect_err("broken");
        assert_eq!(error, "not JSON: line 3, column 14: expected value");
    }
}
