//! Texts of the certificates screens: `(key, 中文, English)`.

pub const STRINGS: &[(&str, &str, &str)] = &[];
