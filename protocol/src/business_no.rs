//! Business numbers (业务单号) that identify a renewal application.
//!
//! A business number is 17 digits: the prefix `01`, the application date as
//! `YYYYMMDD`, then a 7-digit sequence number within that day starting at
//! `0000001`; e.g. `01201709210000846` is the 846th application of
//! 2017-09-21. Users quote it when they ask about progress (查询进度), so
//! [`BusinessNo::parse`] trims surrounding whitespace.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use time::{Date, Month};

/// Number of characters in a business number.
pub const LEN: usize = 17;

/// The two characters every business number starts with.
pub const PREFIX: &str = "01";

/// Largest daily sequence number (7 digits).
pub const MAX_SEQUENCE: u32 = 9_999_999;

/// A business number. Ordering is by date, then sequence, which is also the
/// order of the 17-digit strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct BusinessNo {
    /// The application date.
    date: Date,
    /// The sequence number within the day, 1..=9_999_999.
    sequence: u32,
}

/// Why a business number cannot be built or parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BusinessNoError {
    /// The number does not have exactly 17 characters.
    #[error("a business number has 17 digits, this one has {len} characters")]
    WrongLength {
        /// Number of characters found (after trimming whitespace).
        len: usize,
    },
    /// The number does not start with `01`.
    #[error("a business number starts with 01")]
    BadPrefix,
    /// Characters 3 to 10 are not a real date `YYYYMMDD`, or the date's year
    /// does not have four digits.
    #[error(
        "digits 3 to 10 of a business number must be a real date (YYYYMMDD) from year 1000 to 9999"
    )]
    BadDate,
    /// The last seven characters are not a number from 0000001 to 9999999.
    #[error(
        "the last 7 digits of a business number must be a sequence number from 0000001 to 9999999"
    )]
    BadSequence,
}

impl BusinessNoError {
    /// A short stable code for this error, e.g. `"business_no.bad_date"`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::WrongLength { .. } => "business_no.wrong_length",
            Self::BadPrefix => "business_no.bad_prefix",
            Self::BadDate => "business_no.bad_date",
            Self::BadSequence => "business_no.bad_sequence",
        }
    }
}

impl BusinessNo {
    /// Builds the business number for the `sequence`th application on `date`.
    ///
    /// Fails with [`BusinessNoError::BadSequence`] unless `sequence` is in
    /// 1..=9_999_999, and with [`BusinessNoError::BadDate`] unless the year
    /// has four digits (1000..=9999).
    pub fn new(date: Date, sequence: u32) -> Result<Self, BusinessNoError> {
        if !(1000..=9999).contains(&date.year()) {
            return Err(BusinessNoError::BadDate);
        }
        if !(1..=MAX_SEQUENCE).contains(&sequence) {
            return Err(BusinessNoError::BadSequence);
        }
        Ok(Self { date, sequence })
    }

    /// Parses a 17-digit business number, trimming surrounding whitespace.
    ///
    /// Checks are made in order: length, prefix, date, sequence.
    pub fn parse(input: &str) -> Result<Self, BusinessNoError> {
        let input = input.trim();
        let len = input.chars().count();
        if len != LEN {
            return Err(BusinessNoError::WrongLength { len });
        }
        // 17 chars; a non-ASCII one would make the byte length exceed 17.
        if input.len() != LEN {
            return Err(first_non_ascii_error(input));
        }
        let (prefix, rest) = input.split_at(2);
        let (date, sequence) = rest.split_at(8);
        if prefix != PREFIX {
            return Err(BusinessNoError::BadPrefix);
        }
        let date = parse_date(date).ok_or(BusinessNoError::BadDate)?;
        let sequence = parse_digits(sequence).ok_or(BusinessNoError::BadSequence)?;
        Self::new(date, sequence)
    }

    /// The application date.
    pub fn date(&self) -> Date {
        self.date
    }

    /// The sequence number within the day, 1..=9_999_999.
    pub fn sequence(&self) -> u32 {
        self.sequence
    }
}

/// The error for a 17-character input containing a non-ASCII character,
/// named after the part where the first one is.
fn first_non_ascii_error(input: &str) -> BusinessNoError {
    match input.chars().position(|c| !c.is_ascii()) {
        Some(0..=1) => BusinessNoError::BadPrefix,
        Some(2..=9) => BusinessNoError::BadDate,
        _ => BusinessNoError::BadSequence,
    }
}

/// The value of a string of ASCII digits, if it is one and fits in a `u32`.
fn parse_digits(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// A real date written as `YYYYMMDD`.
fn parse_date(s: &str) -> Option<Date> {
    let year = parse_digits(s.get(0..4)?)?;
    let month = parse_digits(s.get(4..6)?)?;
    let day = parse_digits(s.get(6..8)?)?;
    let month = Month::try_from(u8::try_from(month).ok()?).ok()?;
    Date::from_calendar_date(i32::try_from(year).ok()?, month, u8::try_from(day).ok()?).ok()
}

impl fmt::Display for BusinessNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{PREFIX}{:04}{:02}{:02}{:07}",
            self.date.year(),
            u8::from(self.date.month()),
            self.date.day(),
            self.sequence
        )
    }
}

impl FromStr for BusinessNo {
    type Err = BusinessNoError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for BusinessNo {
    type Error = BusinessNoError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<BusinessNo> for String {
    fn from(no: BusinessNo) -> Self {
        no.to_string()
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    #[test]
    fn new_and_display() {
        // (date, sequence, display)
        let cases = [
            (date!(2017 - 09 - 21), 846, "01201709210000846"),
            (date!(2025 - 01 - 01), 1, "01202501010000001"),
            (date!(2024 - 02 - 29), 9_999_999, "01202402299999999"),
            (date!(1000 - 01 - 01), 1, "01100001010000001"),
            (date!(9999 - 12 - 31), 42, "01999912310000042"),
        ];
        for (date, sequence, display) in cases {
            let no = BusinessNo::new(date, sequence).unwrap();
            assert_eq!(no.to_string(), display);
            let parsed = BusinessNo::parse(display).unwrap();
            assert_eq!(parsed, no, "{display}");
            assert_eq!(parsed.date(), date, "{display}");
            assert_eq!(parsed.sequence(), sequence, "{display}");
        }
    }

    #[test]
    fn new_rejects() {
        use BusinessNoError::*;
        let cases = [
            (date!(2025 - 01 - 01), 0, BadSequence),
            (date!(2025 - 01 - 01), 10_000_000, BadSequence),
            (date!(2025 - 01 - 01), u32::MAX, BadSequence),
            (date!(0999 - 12 - 31), 1, BadDate),
            (date!(-0001 - 01 - 01), 1, BadDate),
        ];
        for (date, sequence, expected) in cases {
            assert_eq!(
                BusinessNo::new(date, sequence),
                Err(expected),
                "{date} {sequence}"
            );
        }
    }

    #[test]
    fn parse_trims() {
        let no = BusinessNo::parse(" 01201709210000846\n").unwrap();
        assert_eq!(no.to_string(), "01201709210000846");
    }

    #[test]
    fn parse_rejects() {
        use BusinessNoError::*;
        let cases = [
            ("", WrongLength { len: 0 }),
            ("0120170921000084", WrongLength { len: 16 }),
            ("012017092100008460", WrongLength { len: 18 }),
            ("02201709210000846", BadPrefix),
            ("1201709210000846a", BadPrefix),
            ("０1201709210000846", BadPrefix),
            ("01201713210000846", BadDate),
            ("01201702290000846", BadDate),
            ("01201709000000846", BadDate),
            ("0120170921", WrongLength { len: 10 }),
            ("01099909210000846", BadDate),
            ("012017-9210000846", BadDate),
            ("01+01709210000846", BadDate),
            ("012017０9210000846", BadDate),
            ("01201709210000000", BadSequence),
            ("0120170921000084x", BadSequence),
            ("01201709210+00846", BadSequence),
            ("0120170921000084６", BadSequence),
        ];
        for (input, expected) in cases {
            assert_eq!(BusinessNo::parse(input), Err(expected), "{input:?}");
        }
    }

    #[test]
    fn ordering_matches_string_order() {
        let numbers = [
            "01201709210000846",
            "01201709210000847",
            "01201709220000001",
            "01201801010000001",
        ];
        for pair in numbers.windows(2) {
            let a = BusinessNo::parse(pair[0]).unwrap();
            let b = BusinessNo::parse(pair[1]).unwrap();
            assert!(a < b, "{} < {}", pair[0], pair[1]);
        }
    }

    #[test]
    fn serde_as_string() {
        let no = BusinessNo::new(date!(2017 - 09 - 21), 846).unwrap();
        assert_eq!(serde_json::to_string(&no).unwrap(), "\"01201709210000846\"");
        let back: BusinessNo = serde_json::from_str("\"01201709210000846\"").unwrap();
        assert_eq!(back, no);
        assert!(serde_json::from_str::<BusinessNo>("\"01201709210000000\"").is_err());
        assert!(serde_json::from_str::<BusinessNo>("1201709210000846").is_err());
    }
}
