//! A value of one of protocol's closed sets (a payment's state, a role …) as the server
//! sent it: the typed value when this page knows the name, and always the name itself,
//! so a newer server's new value is shown as sent instead of breaking the answer.

use serde::de::value::{Error as ValueError, StrDeserializer};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A wire name and, when known, its typed value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coded<T> {
    raw: String,
    known: Option<T>,
}

// By hand: an empty name needs no `T: Default`.
impl<T> Default for Coded<T> {
    fn default() -> Self {
        Coded {
            raw: String::new(),
            known: None,
        }
    }
}

impl<T: Copy + for<'de> Deserialize<'de>> Coded<T> {
    /// Reads a wire name.
    pub fn parse(raw: impl Into<String>) -> Self {
        let raw = raw.into();
        let known = T::deserialize(StrDeserializer::<ValueError>::new(&raw)).ok();
        Coded { raw, known }
    }
}

impl<T: Copy> Coded<T> {
    /// The typed value; `None` for a name this page does not know.
    pub fn known(&self) -> Option<T> {
        self.known
    }

    /// The name as sent.
    pub fn as_str(&self) -> &str {
        &self.raw
    }
}

impl<T: Copy + PartialEq> PartialEq<T> for Coded<T> {
    fn eq(&self, other: &T) -> bool {
        self.known == Some(*other)
    }
}

impl<T> std::fmt::Display for Coded<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.raw)
    }
}

// A page writes the name as sent into `data-*` attributes (the browser tests read them).
impl<T> leptos::prelude::IntoAttributeValue for Coded<T> {
    type Output = String;

    fn into_attribute_value(self) -> String {
        self.raw
    }
}

impl<'de, T: Copy + for<'a> Deserialize<'a>> Deserialize<'de> for Coded<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Coded::parse)
    }
}

impl<T> Serialize for Coded<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.raw)
    }
}

impl<T: Copy + Serialize> From<T> for Coded<T> {
    fn from(value: T) -> Self {
        let raw = serde_json::to_value(value)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        Coded {
            raw,
            known: Some(value),
        }
    }
}

#[cfg(test)]
mod tests {
    use protocol::payment::PaymentStatus;

    use super::*;

    #[test]
    fn known_names_are_typed_and_new_ones_kept_as_sent() {
        let paid: Coded<PaymentStatus> = serde_json::from_str("\"paid\"").unwrap();
        assert_eq!(paid.known(), Some(PaymentStatus::Paid));
        assert!(paid == PaymentStatus::Paid);
        let new: Coded<PaymentStatus> = serde_json::from_str("\"disputed\"").unwrap();
        assert_eq!((new.known(), new.as_str()), (None, "disputed"));
        assert_eq!(Coded::from(PaymentStatus::Refunded).as_str(), "refunded");
        assert_eq!(serde_json::to_string(&new).unwrap(), "\"disputed\"");
    }
}
