//! Fitting a text into one SMS of at most [`SMS_MAX_CHARS`] characters.

use super::SMS_MAX_CHARS;

/// The first candidate that fits in an SMS; else the last one, cut short.
pub(super) fn fit(candidates: &[String]) -> String {
    candidates
        .iter()
        .find(|c| c.chars().count() <= SMS_MAX_CHARS)
        .cloned()
        .unwrap_or_else(|| truncate(candidates.last().map_or("", String::as_str), SMS_MAX_CHARS))
}

/// `make(part)` with `part` shortened (ending in `…`) as much as the SMS needs.
pub(super) fn fit_elastic(part: &str, make: impl Fn(&str) -> String) -> String {
    let full = make(part);
    if full.chars().count() <= SMS_MAX_CHARS {
        return full;
    }
    let fixed = make("").chars().count();
    let room = SMS_MAX_CHARS.saturating_sub(fixed);
    fit(&[make(&truncate(part, room))])
}

/// `text` cut to at most `max` characters, the last being `…` when something was cut.
fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    if max == 0 {
        return String::new();
    }
    let mut out: String = text.chars().take(max - 1).collect();
    out = out.trim_end().to_owned();
    out.push('…');
    out
}
