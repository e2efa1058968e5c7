//! How dates and money are shown: times in China Standard Time (UTC+8, as the CA's
//! manuals and business numbers do), amounts as `¥1,234.50`.

use protocol::money::Fen;
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

const CST: UtcOffset = match UtcOffset::from_hms(8, 0, 0) {
    Ok(o) => o,
    Err(_) => UtcOffset::UTC,
};

/// Parses an RFC 3339 time.
pub fn parse_time(rfc3339: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(rfc3339, &Rfc3339).ok()
}

/// `2026-12-22 18:10` (UTC+8); the input itself when it does not parse.
pub fn date_time(rfc3339: &str) -> String {
    match parse_time(rfc3339) {
        Some(t) => {
            let t = t.to_offset(CST);
            format!(
                "{:04}-{:02}-{:02} {:02}:{:02}",
                t.year(),
                u8::from(t.month()),
                t.day(),
                t.hour(),
                t.minute()
            )
        }
        None => rfc3339.to_owned(),
    }
}

/// `2026-12-22` (UTC+8).
pub fn date(rfc3339: &str) -> String {
    match parse_time(rfc3339) {
        Some(t) => {
            let t = t.to_offset(CST);
            format!("{:04}-{:02}-{:02}", t.year(), u8::from(t.month()), t.day())
        }
        None => rfc3339.to_owned(),
    }
}

/// `¥1,234.50`.
pub fn money(fen: i64) -> String {
    Fen(fen).to_string()
}

/// Whole days from now to `rfc3339` (negative when past), by the browser's clock.
pub fn days_until(rfc3339: &str, now: OffsetDateTime) -> Option<i64> {
    let t = parse_time(rfc3339)?;
    Some((t - now).whole_days())
}

/// A file size for people: `512 B`, `34.5 KiB`, `1.2 MiB`.
pub fn file_size(bytes: i64) -> String {
    match u64::try_from(bytes) {
        Ok(b) if b >= 1 << 20 => format!("{} MiB", tenths(b, 20)),
        Ok(b) if b >= 1 << 10 => format!("{} KiB", tenths(b, 10)),
        _ => format!("{bytes} B"),
    }
}

/// `value / 2^shift` with one decimal, as `format!("{:.1}", value as f64 / 2^shift)`
/// writes it (the quotient is exact below 2^53; a tie goes to the even tenth), without
/// linking the float formatting code into the bundle (issue 16).
pub fn tenths(value: u64, shift: u32) -> String {
    let scaled = u128::from(value) * 10;
    let mut q = scaled >> shift;
    let rest = scaled & ((1 << shift) - 1);
    let half = 1 << (shift - 1);
    if rest > half || (rest == half && q % 2 == 1) {
        q += 1;
    }
    format!("{}.{}", q / 10, q % 10)
}

/// Now, by the browser's clock.
pub fn now() -> OffsetDateTime {
    let ms = js_sys::Date::now();
    OffsetDateTime::from_unix_timestamp_nanos((ms as i128) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_sizes_for_people() {
        assert_eq!(file_size(512), "512 B");
        assert_eq!(file_size(35_328), "34.5 KiB");
        assert_eq!(file_size(5 * 1024 * 1024), "5.0 MiB");
        assert_eq!(file_size(-3), "-3 B");
    }

    /// The same text as the float formatting it replaces: every KiB value up to 100 000
    /// bytes, and each tie (`10 v / 2^shift` ending in exactly .5, at the odd multiples
    /// of `2^(shift-2)`) with its neighbours.
    #[test]
    fn tenths_are_written_as_the_float_formatting_writes_them() {
        let float = |v: u64, shift: u32| format!("{:.1}", v as f64 / f64::from(1u32 << shift));
        for v in 0..100_000 {
            assert_eq!(tenths(v, 10), float(v, 10), "{v}");
        }
        for shift in [10, 20] {
            for j in 0..500u64 {
                let tie = (2 * j + 1) << (shift - 2);
                for v in [tie - 1, tie, tie + 1] {
                    assert_eq!(tenths(v, shift), float(v, shift), "{v} >> {shift}");
                }
            }
        }
        for v in [1_048_575, 5_767_168, 123_456_789, 9_999_999_999] {
            assert_eq!(tenths(v, 20), float(v, 20));
        }
    }

    #[test]
    fn times_are_shown_in_china_standard_time() {
        assert_eq!(date_time("2026-12-22T18:10:21Z"), "2026-12-23 02:10");
        assert_eq!(date("2026-12-22T15:59:59Z"), "2026-12-22");
        assert_eq!(date("2026-12-22T16:00:00Z"), "2026-12-23");
        assert_eq!(date_time("not a time"), "not a time");
    }

    #[test]
    fn money_has_the_yuan_sign_and_separators() {
        assert_eq!(money(123_450), "¥1,234.50");
        assert_eq!(money(10_000), "¥100.00");
    }
}
