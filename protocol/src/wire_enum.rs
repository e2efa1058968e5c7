//! One macro for the closed sets the server sends as snake_case strings (a payment's
//! state, a staff role …): each becomes an enum whose serde name, `as_str` and `parse`
//! are the same table, so the three cannot drift.

/// Declares a wire enum: `Variant = "wire_name"` pairs, each with its doc comment.
/// Generates `ALL`, `as_str`, `parse` and serde (de)serialization by the same names.
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $wire:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $wire)] $variant, )+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The wire name.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $wire,)+
                }
            }

            /// The value of a wire name; `None` for a name this version does not know.
            pub fn parse(name: &str) -> Option<Self> {
                match name {
                    $($wire => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

pub(crate) use wire_enum;

/// Asserts, for a test, that each literal the server writes round-trips through serde,
/// `parse` and `as_str` to the listed value, and that the list is the whole enum.
#[cfg(test)]
macro_rules! assert_wire_names {
    ($name:ident, [$(($value:expr, $wire:literal)),+ $(,)?]) => {{
        let table: &[($name, &str)] = &[$(($value, $wire)),+];
        assert_eq!(table.len(), $name::ALL.len(), "every value is listed");
        for (value, wire) in table {
            let json = format!("\"{wire}\"");
            assert_eq!(value.as_str(), *wire);
            assert_eq!($name::parse(wire), Some(*value));
            assert_eq!(serde_json::to_string(value).unwrap(), json);
            assert_eq!(serde_json::from_str::<$name>(&json).unwrap(), *value);
        }
        assert_eq!($name::parse("never-sent"), None);
    }};
}

#[cfg(test)]
pub(crate) use assert_wire_names;
