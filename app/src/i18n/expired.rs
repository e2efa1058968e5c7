//! Texts of the expired-certificate path's customer screens.

/// `(key, 中文, English)`.
pub const STRINGS: &[(&str, &str, &str)] = &[];
