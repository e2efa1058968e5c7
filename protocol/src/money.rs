//! Money as whole fen (分): 1 yuan (元) = 100 fen.
//!
//! Amounts are integers end to end, never floats. [`Fen`] serialises as a
//! plain JSON integer; it is shown to people as `¥1,234.50` (its `Display`)
//! and sent to payment gateways as `1234.50` ([`Fen::yuan_string`]).
//! [`Fen::parse_yuan`] reads a yuan amount such as `"1234.5"` exactly.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Fen in a yuan.
const FEN_PER_YUAN: i64 = 100;

/// An amount of money in fen (1 yuan = 100 fen); negative for refunds.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Fen(pub i64);

/// Why a string is not a yuan amount.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MoneyError {
    /// Nothing but whitespace was given.
    #[error("the amount is empty")]
    Empty,
    /// The text is not a plain decimal number such as `1234.50`.
    #[error(
        "the amount must be a plain number of yuan such as 1234.50, without currency signs, \
         commas or spaces"
    )]
    NotANumber,
    /// More than two digits follow the decimal point.
    #[error(
        "the amount has {decimals} digits after the decimal point, at most 2 (fen) are allowed"
    )]
    TooManyDecimals {
        /// Digits found after the decimal point.
        decimals: usize,
    },
    /// The amount does not fit in the range this system can count.
    #[error("the amount is too large")]
    Overflow,
}

impl MoneyError {
    /// A short stable code for this error, e.g. `"money.too_many_decimals"`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty => "money.empty",
            Self::NotANumber => "money.not_a_number",
            Self::TooManyDecimals { .. } => "money.too_many_decimals",
            Self::Overflow => "money.overflow",
        }
    }
}

impl Fen {
    /// No money.
    pub const ZERO: Self = Self(0);

    /// Parses an amount in yuan: optional `-`, one or more digits, then
    /// optionally `.` and one or two digits (`"1234"`, `"1234.5"`, `"0.01"`).
    /// Surrounding whitespace is trimmed; anything else (`"¥1"`, `"1,000"`,
    /// `".5"`, `"1."`, `"+1"`, `"1e3"`) is rejected.
    pub fn parse_yuan(input: &str) -> Result<Self, MoneyError> {
        let input = input.trim();
        if input.is_empty() {
            return Err(MoneyError::Empty);
        }
        let (negative, unsigned) = match input.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, input),
        };
        let (whole, fraction) = match unsigned.split_once('.') {
            Some((whole, fraction)) => (whole, Some(fraction)),
            None => (unsigned, None),
        };
        let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !all_digits(whole) || fraction.is_some_and(|f| !all_digits(f)) {
            return Err(MoneyError::NotANumber);
        }
        let fraction = fraction.unwrap_or("");
        if fraction.len() > 2 {
            return Err(MoneyError::TooManyDecimals {
                decimals: fraction.len(),
            });
        }

        // Accumulate the magnitude in i128 so that i64::MIN's magnitude fits.
        let mut magnitude: i128 = 0;
        for b in whole.bytes().chain(fraction.bytes()) {
            magnitude = magnitude
                .checked_mul(10)
                .and_then(|m| m.checked_add(i128::from(b - b'0')))
                .ok_or(MoneyError::Overflow)?;
        }
        for _ in fraction.len()..2 {
            magnitude = magnitude.checked_mul(10).ok_or(MoneyError::Overflow)?;
        }
        let signed = if negative { -magnitude } else { magnitude };
        i64::try_from(signed)
            .map(Self)
            .map_err(|_| MoneyError::Overflow)
    }

    /// The amount in yuan with exactly two decimals and no separators, as
    /// payment gateways expect: `Fen(123450)` is `"1234.50"`, `Fen(-1)` is
    /// `"-0.01"`.
    pub fn yuan_string(self) -> String {
        let (yuan, fen) = self.split();
        let sign = if self.0 < 0 { "-" } else { "" };
        format!("{sign}{yuan}.{fen:02}")
    }

    /// Adds, returning `None` on overflow.
    pub fn checked_add(self, other: Self) -> Option<Self> {
        self.0.checked_add(other.0).map(Self)
    }

    /// Subtracts, returning `None` on overflow.
    pub fn checked_sub(self, other: Self) -> Option<Self> {
        self.0.checked_sub(other.0).map(Self)
    }

    /// Multiplies by a count (e.g. a unit price by a quantity), returning
    /// `None` on overflow.
    pub fn checked_mul(self, count: i64) -> Option<Self> {
        self.0.checked_mul(count).map(Self)
    }

    /// Whole yuan and remaining fen of the magnitude.
    fn split(self) -> (u64, u64) {
        let magnitude = self.0.unsigned_abs();
        let per_yuan = FEN_PER_YUAN.unsigned_abs();
        (magnitude / per_yuan, magnitude % per_yuan)
    }
}

/// `¥1,234.50`: yuan sign, thousands separators, two decimals; negative
/// amounts as `-¥1.00`.
impl fmt::Display for Fen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (yuan, fen) = self.split();
        let digits = yuan.to_string();
        let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(c);
        }
        let sign = if self.0 < 0 { "-" } else { "" };
        write!(f, "{sign}¥{grouped}.{fen:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_and_yuan_string() {
        // (fen, display, yuan_string)
        let cases = [
            (0, "¥0.00", "0.00"),
            (1, "¥0.01", "0.01"),
            (10, "¥0.10", "0.10"),
            (100, "¥1.00", "1.00"),
            (-100, "-¥1.00", "-1.00"),
            (-1, "-¥0.01", "-0.01"),
            (99_999, "¥999.99", "999.99"),
            (100_000, "¥1,000.00", "1000.00"),
            (123_450, "¥1,234.50", "1234.50"),
            (-123_450, "-¥1,234.50", "-1234.50"),
            (12_345_678, "¥123,456.78", "123456.78"),
            (100_000_000, "¥1,000,000.00", "1000000.00"),
            (
                i64::MAX,
                "¥92,233,720,368,547,758.07",
                "92233720368547758.07",
            ),
            (
                i64::MIN,
                "-¥92,233,720,368,547,758.08",
                "-92233720368547758.08",
            ),
        ];
        for (fen, display, yuan) in cases {
            assert_eq!(Fen(fen).to_string(), display, "{fen}");
            assert_eq!(Fen(fen).yuan_string(), yuan, "{fen}");
            assert_eq!(Fen::parse_yuan(yuan), Ok(Fen(fen)), "{yuan}");
        }
    }

    #[test]
    fn parse_yuan_valid() {
        let cases = [
            ("0", 0),
            ("0.01", 1),
            ("0.1", 10),
            ("1", 100),
            ("1234.5", 123_450),
            ("1234.50", 123_450),
            ("  300.00\n", 30_000),
            ("007.00", 700),
            ("-0.00", 0),
            ("-12.3", -1_230),
        ];
        for (input, fen) in cases {
            assert_eq!(Fen::parse_yuan(input), Ok(Fen(fen)), "{input:?}");
        }
    }

    #[test]
    fn parse_yuan_invalid() {
        use MoneyError::*;
        let cases = [
            ("", Empty),
            ("  ", Empty),
            ("abc", NotANumber),
            ("¥1.00", NotANumber),
            ("1,000.00", NotANumber),
            ("1 000", NotANumber),
            (".5", NotANumber),
            ("1.", NotANumber),
            ("+1", NotANumber),
            ("-", NotANumber),
            ("--1", NotANumber),
            ("1e3", NotANumber),
            ("1.2.3", NotANumber),
            ("1.-5", NotANumber),
            ("１.00", NotANumber),
            ("1.234", TooManyDecimals { decimals: 3 }),
            ("0.001", TooManyDecimals { decimals: 3 }),
            ("92233720368547758.08", Overflow),
            ("-92233720368547758.09", Overflow),
            ("99999999999999999999999999999999999999999999", Overflow),
        ];
        for (input, expected) in cases {
            assert_eq!(Fen::parse_yuan(input), Err(expected), "{input:?}");
        }
    }

    #[test]
    fn checked_arithmetic() {
        let cases = [
            (Fen(100).checked_add(Fen(250)), Some(Fen(350))),
            (Fen(i64::MAX).checked_add(Fen(1)), None),
            (Fen(100).checked_sub(Fen(250)), Some(Fen(-150))),
            (Fen(i64::MIN).checked_sub(Fen(1)), None),
            (Fen(30_000).checked_mul(3), Some(Fen(90_000))),
            (Fen(i64::MAX).checked_mul(2), None),
            (Fen::ZERO.checked_mul(i64::MAX), Some(Fen::ZERO)),
        ];
        for (i, (got, expected)) in cases.into_iter().enumerate() {
            assert_eq!(got, expected, "case {i}");
        }
    }

    #[test]
    fn serde_is_a_plain_integer() {
        assert_eq!(serde_json::to_string(&Fen(123_450)).unwrap(), "123450");
        assert_eq!(serde_json::from_str::<Fen>("-5").unwrap(), Fen(-5));
        assert!(serde_json::from_str::<Fen>("1.5").is_err());
        assert!(serde_json::from_str::<Fen>("\"100\"").is_err());
    }
}
