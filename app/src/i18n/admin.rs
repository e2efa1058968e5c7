//! Texts of the admin screens: `(key, 中文, English)`.

pub const STRINGS: &[(&str, &str, &str)] = &[];
