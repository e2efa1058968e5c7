//! Texts of the pay screens: `(key, 中文, English)`.

pub const STRINGS: &[(&str, &str, &str)] = &[];
