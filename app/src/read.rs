//! Reading answers through one `serde_json::Value` path (issue 16). A derived
//! `Deserialize` links, per type, a visitor for JSON objects and one for arrays, the
//! field-name matching, and an `Option<T>` / `Vec<T>` reader per field type (1–5 KB of
//! wasm each). Reading a parsed [`Value`] by hand costs a few dozen bytes per field,
//! and `Value`'s parser is linked once for every type.
//!
//! The rules are the derive's: a required field must be there with its type, a
//! `#[serde(default)]` one may be missing, an `Option` may be missing or `null`, unknown
//! fields are ignored. A type reads itself with a `fn(&Value) -> Res<Self>` and gets
//! its `Deserialize` from [`via_value!`](crate::via_value).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use protocol::host::Base64Bytes;
use serde::Deserialize;
use serde::de::{DeserializeOwned, Deserializer, Error as _};
use serde_json::{Map, Value};

/// A reader's result: the value, or why the JSON is not one.
pub type Res<T> = Result<T, String>;

/// `T` from whatever `Value` deserialises from, by `read` (what [`via_value!`] expands
/// to).
///
/// [`via_value!`]: crate::via_value
pub fn deserialize<'de, D, T>(deserializer: D, read: fn(&Value) -> Res<T>) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
{
    let value = Value::deserialize(deserializer)?;
    read(&value).map_err(D::Error::custom)
}

/// A type read by hand from a `Value` (what [`via_value!`] gives it besides its
/// `Deserialize`): a caller that has the parsed `Value` reads it without serde's
/// `Deserializer` (issue 16).
///
/// [`via_value!`]: crate::via_value
pub trait ReadValue: Sized {
    /// The value, or why the JSON is not one.
    fn read_value(value: &Value) -> Res<Self>;
}

/// Implements `Deserialize` and [`ReadValue`] for a type through its reader.
#[macro_export]
macro_rules! via_value {
    ($type:ty, $read:path) => {
        impl<'de> ::serde::Deserialize<'de> for $type {
            fn deserialize<D: ::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::std::result::Result<Self, D::Error> {
                $crate::read::deserialize(deserializer, $read)
            }
        }

        impl $crate::read::ReadValue for $type {
            fn read_value(value: &::serde_json::Value) -> $crate::read::Res<Self> {
                $read(value)
            }
        }
    };
}

fn invalid(value: &Value, name: &str, expected: &str) -> String {
    let found = match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    };
    format!("invalid type for `{name}`: {found}, expected {expected}")
}

/// A string.
pub fn string(value: &Value) -> Res<String> {
    value
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| invalid(value, "item", "a string"))
}

/// A list, each item read by `item`.
pub fn list<T>(value: &Value, item: fn(&Value) -> Res<T>) -> Res<Vec<T>> {
    value
        .as_array()
        .ok_or_else(|| invalid(value, "answer", "an array"))?
        .iter()
        .map(item)
        .collect()
}

/// A value of a closed set read leniently: `None` when it is not one this page knows
/// (as [`crate::models::lenient`]).
pub fn lenient<T: DeserializeOwned>(value: &Value) -> Option<T> {
    serde_json::from_value(value.clone()).ok()
}

/// An object's fields.
#[derive(Clone, Copy)]
pub struct Fields<'a>(&'a Map<String, Value>);

impl<'a> Fields<'a> {
    /// The fields of `value`, which must be an object.
    pub fn of(value: &'a Value) -> Res<Self> {
        value
            .as_object()
            .map(Fields)
            .ok_or_else(|| invalid(value, "answer", "an object"))
    }

    /// A field that must be there.
    pub fn required(self, name: &str) -> Res<&'a Value> {
        self.0
            .get(name)
            .ok_or_else(|| format!("missing field `{name}`"))
    }

    /// Whether the field is there (even `null`).
    pub fn has(self, name: &str) -> bool {
        self.0.contains_key(name)
    }

    /// A field that may be missing or `null`.
    pub fn optional(self, name: &str) -> Option<&'a Value> {
        self.0.get(name).filter(|v| !v.is_null())
    }

    /// A field kept as JSON (`Value::Null` when missing).
    pub fn value(self, name: &str) -> Value {
        self.0.get(name).cloned().unwrap_or(Value::Null)
    }

    /// A required string.
    pub fn string(self, name: &str) -> Res<String> {
        let v = self.required(name)?;
        v.as_str()
            .map(str::to_owned)
            .ok_or_else(|| invalid(v, name, "a string"))
    }

    /// Bytes in standard base64, as `protocol::host::Base64Bytes`'s derive reads them.
    pub fn base64(self, name: &str) -> Res<Base64Bytes> {
        STANDARD
            .decode(self.string(name)?)
            .map(Base64Bytes)
            .map_err(|_| "not standard base64".to_owned())
    }

    /// A string that may be missing (then empty: `#[serde(default)]`).
    pub fn string_or_empty(self, name: &str) -> Res<String> {
        match self.0.get(name) {
            None => Ok(String::new()),
            Some(_) => self.string(name),
        }
    }

    /// An `Option<String>`: missing or `null` is `None`.
    pub fn opt_string(self, name: &str) -> Res<Option<String>> {
        match self.optional(name) {
            None => Ok(None),
            Some(_) => self.string(name).map(Some),
        }
    }

    /// A required `i64`.
    pub fn i64(self, name: &str) -> Res<i64> {
        let v = self.required(name)?;
        v.as_i64().ok_or_else(|| invalid(v, name, "an i64"))
    }

    /// A required `u32`.
    pub fn u32(self, name: &str) -> Res<u32> {
        let v = self.required(name)?;
        v.as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(|| invalid(v, name, "a u32"))
    }

    /// A required `bool`.
    pub fn bool(self, name: &str) -> Res<bool> {
        let v = self.required(name)?;
        v.as_bool().ok_or_else(|| invalid(v, name, "a boolean"))
    }

    /// A required list, each item read by `item`.
    pub fn list<T>(self, name: &str, item: fn(&Value) -> Res<T>) -> Res<Vec<T>> {
        let v = self.required(name)?;
        match v {
            Value::Array(_) => list(v, item),
            _ => Err(invalid(v, name, "an array")),
        }
    }

    /// A list that may be missing (then empty: `#[serde(default)]`).
    pub fn list_or_empty<T>(self, name: &str, item: fn(&Value) -> Res<T>) -> Res<Vec<T>> {
        match self.0.get(name) {
            None => Ok(Vec::new()),
            Some(_) => self.list(name, item),
        }
    }

    /// A required object, read by `read`.
    pub fn object<T>(self, name: &str, read: fn(&Value) -> Res<T>) -> Res<T> {
        read(self.required(name)?)
    }

    /// An object that may be missing (then `T::default()`: `#[serde(default)]`).
    pub fn object_or_default<T: Default>(self, name: &str, read: fn(&Value) -> Res<T>) -> Res<T> {
        self.0.get(name).map_or_else(|| Ok(T::default()), read)
    }

    /// An `Option` of an object: missing or `null` is `None`.
    pub fn opt_object<T>(self, name: &str, read: fn(&Value) -> Res<T>) -> Res<Option<T>> {
        self.optional(name).map(read).transpose()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn fields_follow_the_derives_rules() {
        let v = json!({"s": "x", "n": -3, "u": 7, "b": true, "z": null, "l": ["a", "b"], "f": 1.5});
        let f = Fields::of(&v).unwrap();
        assert_eq!(f.string("s").unwrap(), "x");
        assert!(f.string("n").is_err());
        assert!(f.string("missing").is_err());
        assert!(f.string("z").is_err());
        assert_eq!(f.string_or_empty("missing").unwrap(), "");
        assert!(f.string_or_empty("z").is_err());
        assert_eq!(f.opt_string("missing").unwrap(), None);
        assert_eq!(f.opt_string("z").unwrap(), None);
        assert_eq!(f.opt_string("s").unwrap(), Some("x".into()));
        assert!(f.opt_string("n").is_err());
        assert_eq!(f.i64("n").unwrap(), -3);
        assert!(f.i64("f").is_err());
        assert_eq!(f.u32("u").unwrap(), 7);
        assert!(f.u32("n").is_err());
        assert!(f.bool("b").unwrap());
        assert_eq!(f.list("l", string).unwrap(), vec!["a", "b"]);
        assert!(f.list("s", string).is_err());
        assert!(f.list("missing", string).is_err());
        assert!(f.list_or_empty("missing", string).unwrap().is_empty());
        assert_eq!(f.opt_object("z", string).unwrap(), None);
        assert_eq!(f.value("missing"), Value::Null);
        assert!(Fields::of(&json!([1])).is_err());
        let big = json!({"u": u64::from(u32::MAX) + 1});
        assert!(Fields::of(&big).unwrap().u32("u").is_err());
    }
}
