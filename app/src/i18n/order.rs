//! Texts of the order screens: `(key, 中文, English)`.

pub const STRINGS: &[(&str, &str, &str)] = &[];
