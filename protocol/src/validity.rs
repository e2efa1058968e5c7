//! The validity rule for a renewed certificate.
//!
//! The new certificate's notBefore is its issue time; its notAfter is the OLD
//! certificate's notAfter plus the months paid for, whether the renewal is
//! early, on the day or late: early renewers lose nothing, late renewers gain
//! nothing ("未及时续费的单位…按原证书服务年费结束时间开始计算").
//!
//! Month arithmetic keeps the day of the month when it exists and otherwise
//! clamps to the month's last day (Jan 31 + 1 month = Feb 28, or Feb 29 in a
//! leap year). The time of day and the UTC offset of the old notAfter are
//! kept, so the calendar is the one of the old notAfter's offset (UTC for
//! X.509 certificates in practice).

use time::{Date, Month, OffsetDateTime};

/// Fewest months a renewal may buy.
pub const MIN_MONTHS: u32 = 1;

/// Most months a renewal may buy (ten years).
pub const MAX_MONTHS: u32 = 120;

/// Why a renewed validity period cannot be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ValidityError {
    /// The number of months is outside 1..=120.
    #[error("a renewal is for 1 to 120 months, not {months}")]
    BadMonths {
        /// The number of months asked for.
        months: u32,
    },
    /// The renewed notAfter would not be after the issue time: the old
    /// certificate expired longer ago than the months paid for.
    #[error(
        "the renewed certificate would already have expired when issued, because the old \
         one expired more than the paid months ago; apply for a new certificate instead"
    )]
    NothingLeft,
    /// The resulting date is beyond the calendar this system handles.
    #[error("the renewed expiry date is out of the supported range (years up to 9999)")]
    OutOfRange,
}

impl ValidityError {
    /// A short stable code for this error, e.g. `"validity.nothing_left"`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadMonths { .. } => "validity.bad_months",
            Self::NothingLeft => "validity.nothing_left",
            Self::OutOfRange => "validity.out_of_range",
        }
    }
}

/// `date` plus `months` calendar months, clamping the day to the last day of
/// the resulting month (2025-01-31 + 1 = 2025-02-28; 2028-01-31 + 1 =
/// 2028-02-29). Any number of months is allowed, including 0; the only error
/// is [`ValidityError::OutOfRange`].
pub fn months_added(date: Date, months: u32) -> Result<Date, ValidityError> {
    let month0 = i64::from(u8::from(date.month())) - 1;
    let total = i64::from(date.year()) * 12 + month0 + i64::from(months);
    let year = i32::try_from(total.div_euclid(12)).map_err(|_| ValidityError::OutOfRange)?;
    // `rem_euclid(12)` is in 0..12, so the month number is in 1..=12.
    let month = u8::try_from(total.rem_euclid(12) + 1)
        .ok()
        .and_then(|m| Month::try_from(m).ok())
        .ok_or(ValidityError::OutOfRange)?;
    let day = date.day().min(month.length(year));
    Date::from_calendar_date(year, month, day).map_err(|_| ValidityError::OutOfRange)
}

/// The renewed certificate's notAfter: the old notAfter plus `months` (see
/// [`months_added`]), keeping the time of day and offset.
///
/// Fails with [`ValidityError::BadMonths`] unless `months` is in 1..=120.
pub fn renewed_not_after(
    old_not_after: OffsetDateTime,
    months: u32,
) -> Result<OffsetDateTime, ValidityError> {
    if !(MIN_MONTHS..=MAX_MONTHS).contains(&months) {
        return Err(ValidityError::BadMonths { months });
    }
    let date = months_added(old_not_after.date(), months)?;
    Ok(old_not_after.replace_date(date))
}

/// The renewed certificate's validity as `(not_before, not_after)`:
/// `not_before` is `issued_at` and `not_after` is
/// [`renewed_not_after`]`(old_not_after, months)`, however early or late the
/// renewal is.
///
/// Fails with [`ValidityError::NothingLeft`] if `not_after` is not after
/// `issued_at`, so an already expired certificate is never issued.
pub fn new_validity(
    issued_at: OffsetDateTime,
    old_not_after: OffsetDateTime,
    months: u32,
) -> Result<(OffsetDateTime, OffsetDateTime), ValidityError> {
    let not_after = renewed_not_after(old_not_after, months)?;
    if not_after <= issued_at {
        return Err(ValidityError::NothingLeft);
    }
    Ok((issued_at, not_after))
}

#[cfg(test)]
mod tests {
    use time::Duration;
    use time::macros::{date, datetime};

    use super::*;

    #[test]
    fn months_added_clamps_to_month_end() {
        // (date, months, expected)
        let cases = [
            (date!(2025 - 01 - 31), 1, date!(2025 - 02 - 28)),
            (date!(2028 - 01 - 31), 1, date!(2028 - 02 - 29)),
            (date!(2028 - 02 - 29), 12, date!(2029 - 02 - 28)),
            (date!(2024 - 02 - 29), 12, date!(2025 - 02 - 28)),
            (date!(2024 - 02 - 29), 48, date!(2028 - 02 - 29)),
            (date!(2024 - 12 - 31), 2, date!(2025 - 02 - 28)),
            (date!(2027 - 12 - 31), 2, date!(2028 - 02 - 29)),
            (date!(2024 - 11 - 30), 3, date!(2025 - 02 - 28)),
            (date!(2027 - 11 - 30), 3, date!(2028 - 02 - 29)),
            (date!(2024 - 08 - 31), 6, date!(2025 - 02 - 28)),
            (date!(2023 - 08 - 31), 6, date!(2024 - 02 - 29)),
            (date!(2025 - 03 - 31), 1, date!(2025 - 04 - 30)),
            (date!(2025 - 12 - 15), 1, date!(2026 - 01 - 15)),
            (date!(2025 - 06 - 15), 12, date!(2026 - 06 - 15)),
            (date!(2025 - 06 - 15), 24, date!(2027 - 06 - 15)),
            (date!(2025 - 06 - 15), 36, date!(2028 - 06 - 15)),
            (date!(2025 - 06 - 15), 120, date!(2035 - 06 - 15)),
            (date!(2025 - 06 - 15), 0, date!(2025 - 06 - 15)),
            (date!(2100 - 01 - 29), 1, date!(2100 - 02 - 28)),
            (date!(2000 - 01 - 30), 1, date!(2000 - 02 - 29)),
        ];
        for (from, months, expected) in cases {
            assert_eq!(
                months_added(from, months),
                Ok(expected),
                "{from} + {months}"
            );
        }
    }

    #[test]
    fn months_added_out_of_range() {
        let cases = [
            (date!(9999 - 12 - 01), 1),
            (date!(2025 - 01 - 01), u32::MAX),
        ];
        for (from, months) in cases {
            assert_eq!(
                months_added(from, months),
                Err(ValidityError::OutOfRange),
                "{from} + {months}"
            );
        }
    }

    #[test]
    fn renewed_not_after_table() {
        // (old notAfter, months, expected notAfter)
        let cases = [
            (
                datetime!(2025-01-31 23:59:59 UTC),
                1,
                datetime!(2025-02-28 23:59:59 UTC),
            ),
            (
                datetime!(2028-01-31 23:59:59 UTC),
                1,
                datetime!(2028-02-29 23:59:59 UTC),
            ),
            (
                datetime!(2028-02-29 12:00:00 UTC),
                12,
                datetime!(2029-02-28 12:00:00 UTC),
            ),
            (
                datetime!(2025-12-31 00:00:00 UTC),
                2,
                datetime!(2026-02-28 00:00:00 UTC),
            ),
            (
                datetime!(2025-12-15 08:30:00 UTC),
                1,
                datetime!(2026-01-15 08:30:00 UTC),
            ),
            (
                datetime!(2025-06-30 23:59:59 UTC),
                12,
                datetime!(2026-06-30 23:59:59 UTC),
            ),
            (
                datetime!(2025-06-30 23:59:59 UTC),
                24,
                datetime!(2027-06-30 23:59:59 UTC),
            ),
            (
                datetime!(2025-06-30 23:59:59 UTC),
                36,
                datetime!(2028-06-30 23:59:59 UTC),
            ),
            // The offset and the wall-clock time in it are kept.
            (
                datetime!(2025-01-31 23:59:59 +08:00),
                1,
                datetime!(2025-02-28 23:59:59 +08:00),
            ),
        ];
        for (old, months, expected) in cases {
            let got = renewed_not_after(old, months);
            assert_eq!(got, Ok(expected), "{old} + {months}");
            if let Ok(got) = got {
                assert_eq!(got.offset(), expected.offset(), "{old} + {months}");
            }
        }
    }

    #[test]
    fn bad_months() {
        let old = datetime!(2025-06-30 23:59:59 UTC);
        for months in [0, 121, 1200, u32::MAX] {
            assert_eq!(
                renewed_not_after(old, months),
                Err(ValidityError::BadMonths { months }),
                "{months}"
            );
            assert_eq!(
                new_validity(old, old, months),
                Err(ValidityError::BadMonths { months }),
                "{months}"
            );
        }
        for months in [MIN_MONTHS, MAX_MONTHS] {
            assert!(renewed_not_after(old, months).is_ok(), "{months}");
        }
    }

    #[test]
    fn new_validity_table() {
        let old = datetime!(2025-06-30 23:59:59 UTC);
        let one_year_on = datetime!(2026-06-30 23:59:59 UTC);
        // (case, issued_at, old notAfter, months, expected)
        let cases = [
            (
                "early: 60 days before expiry",
                old - Duration::days(60),
                old,
                12,
                Ok(one_year_on),
            ),
            (
                "on the day, hours before expiry",
                datetime!(2025-06-30 09:00:00 UTC),
                old,
                12,
                Ok(one_year_on),
            ),
            ("at the expiry instant", old, old, 12, Ok(one_year_on)),
            (
                "late: 10 days after expiry",
                old + Duration::days(10),
                old,
                12,
                Ok(one_year_on),
            ),
            (
                "late, 24 months",
                old + Duration::days(10),
                old,
                24,
                Ok(datetime!(2027-06-30 23:59:59 UTC)),
            ),
            (
                "very late: paid month already used up",
                datetime!(2025-08-15 00:00:00 UTC),
                old,
                1,
                Err(ValidityError::NothingLeft),
            ),
            (
                "issued exactly at the renewed notAfter",
                datetime!(2025-07-30 23:59:59 UTC),
                old,
                1,
                Err(ValidityError::NothingLeft),
            ),
            (
                "issued one second before the renewed notAfter",
                datetime!(2025-07-30 23:59:58 UTC),
                old,
                1,
                Ok(datetime!(2025-07-30 23:59:59 UTC)),
            ),
            (
                "issued in another offset, same instant comparison",
                datetime!(2025-07-31 07:59:58 +08:00),
                old,
                1,
                Ok(datetime!(2025-07-30 23:59:59 UTC)),
            ),
        ];
        for (case, issued_at, old_not_after, months, expected) in cases {
            let expected = expected.map(|not_after| (issued_at, not_after));
            assert_eq!(
                new_validity(issued_at, old_not_after, months),
                expected,
                "{case}"
            );
        }
    }

    #[test]
    fn codes_are_distinct() {
        let errors = [
            ValidityError::BadMonths { months: 0 },
            ValidityError::NothingLeft,
            ValidityError::OutOfRange,
        ];
        let mut codes: Vec<_> = errors.iter().map(ValidityError::code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), errors.len());
    }
}
