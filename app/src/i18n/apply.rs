//! Texts of the apply screens: `(key, 中文, English)`.

pub const STRINGS: &[(&str, &str, &str)] = &[];
