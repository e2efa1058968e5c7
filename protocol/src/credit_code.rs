//! Unified social credit codes (统一社会信用代码) under GB 32100-2015.
//!
//! A code has 18 characters from the 31-character alphabet
//! `0123456789ABCDEFGHJKLMNPQRTUWXY` (no `I`, `O`, `S`, `V`, `Z`):
//!
//! | position | meaning                                              |
//! |----------|------------------------------------------------------|
//! | 1        | registration authority (e.g. `9` industry and commerce) |
//! | 2        | organisation category                                |
//! | 3–8      | administrative region code (digits)                  |
//! | 9–17     | organisation code (the old 组织机构代码)              |
//! | 18       | check character                                      |
//!
//! The check character is `(31 − Σ value·weight mod 31) mod 31` over the
//! first 17 characters, mapped back to the alphabet.
//!
//! [`CreditCode::parse`] trims surrounding whitespace and uppercases the
//! input before checking it.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Number of characters in a unified social credit code.
pub const LEN: usize = 18;

/// The code's alphabet; a character's value is its index.
const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// Weights of the first 17 characters in the check character computation.
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// A well-formed GB 32100-2015 unified social credit code, stored in
/// uppercase.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CreditCode(String);

/// Why a string is not a unified social credit code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CreditCodeError {
    /// The code does not have exactly 18 characters.
    #[error("a unified social credit code has 18 characters, this one has {len}")]
    WrongLength {
        /// Number of characters found (after trimming whitespace).
        len: usize,
    },
    /// A character is outside the code's alphabet, or one of characters 3 to
    /// 8 (the region code) is not a digit.
    #[error(
        "character {position} of the unified social credit code, {found:?}, is not allowed \
         there: codes use digits and capital letters except I, O, S, V and Z, and \
         characters 3 to 8 are digits"
    )]
    BadCharacter {
        /// 1-based position of the first offending character.
        position: usize,
        /// The offending character (after uppercasing).
        found: char,
    },
    /// The check character does not match the first 17 characters.
    #[error(
        "the last character of the unified social credit code should be {expected}, not \
         {found}: check the code for a typing mistake"
    )]
    BadCheckCharacter {
        /// The check character computed from the first 17 characters.
        expected: char,
        /// The check character found.
        found: char,
    },
}

impl CreditCodeError {
    /// A short stable code for this error, e.g. `"credit_code.bad_character"`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::WrongLength { .. } => "credit_code.wrong_length",
            Self::BadCharacter { .. } => "credit_code.bad_character",
            Self::BadCheckCharacter { .. } => "credit_code.bad_check_character",
        }
    }
}

impl CreditCode {
    /// Parses a unified social credit code, trimming surrounding whitespace
    /// and uppercasing it.
    ///
    /// Checks are made in order: length, each character from left to right,
    /// check character; the first failure is returned.
    pub fn parse(input: &str) -> Result<Self, CreditCodeError> {
        let input = input.trim();
        let len = input.chars().count();
        if len != LEN {
            return Err(CreditCodeError::WrongLength { len });
        }
        let mut values = [0u32; LEN];
        for (i, c) in input.chars().enumerate() {
            let c = c.to_ascii_uppercase();
            let bad = CreditCodeError::BadCharacter {
                position: i + 1,
                found: c,
            };
            let value = value_of(c).ok_or_else(|| bad.clone())?;
            if (2..8).contains(&i) && !c.is_ascii_digit() {
                return Err(bad);
            }
            values[i] = value;
        }
        let expected = check_character(&values);
        let found = char_of(values[LEN - 1]);
        if expected != found {
            return Err(CreditCodeError::BadCheckCharacter { expected, found });
        }
        Ok(Self(values.iter().map(|v| char_of(*v)).collect()))
    }

    /// The code in canonical (uppercase) form.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The registration authority character (position 1), e.g. `'9'` for
    /// industry and commerce.
    pub fn registration_authority(&self) -> char {
        self.char_at(0)
    }

    /// The organisation category character (position 2).
    pub fn organisation_category(&self) -> char {
        self.char_at(1)
    }

    /// The 6-digit administrative region code (positions 3 to 8).
    pub fn region_code(&self) -> &str {
        &self.0[2..8]
    }

    /// The 9-character organisation code (positions 9 to 17).
    pub fn organisation_code(&self) -> &str {
        &self.0[8..17]
    }

    /// The character at a 0-based index; the code is 18 ASCII characters.
    fn char_at(&self, index: usize) -> char {
        self.0.as_bytes().get(index).map_or('0', |b| char::from(*b))
    }
}

/// The value (index in the alphabet) of an uppercase character.
fn value_of(c: char) -> Option<u32> {
    let c = u8::try_from(c).ok()?;
    let index = ALPHABET.iter().position(|a| *a == c)?;
    u32::try_from(index).ok()
}

/// The character for a value below 31.
fn char_of(value: u32) -> char {
    usize::try_from(value)
        .ok()
        .and_then(|i| ALPHABET.get(i))
        .map_or('?', |b| char::from(*b))
}

/// The check character for the first 17 values of `values`.
fn check_character(values: &[u32; LEN]) -> char {
    let sum: u32 = values.iter().zip(WEIGHTS).map(|(v, w)| v * w).sum();
    char_of((31 - sum % 31) % 31)
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for CreditCode {
    type Err = CreditCodeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for CreditCode {
    type Error = CreditCodeError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<CreditCode> for String {
    fn from(code: CreditCode) -> Self {
        code.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_codes() {
        // (input, canonical); check characters verified independently.
        let cases = [
            ("91350100M000100Y43", "91350100M000100Y43"),
            ("91110000600037341L", "91110000600037341L"),
            ("9144030010001686XA", "9144030010001686XA"),
            ("91440300708461136T", "91440300708461136T"),
            ("91110108551385082Q", "91110108551385082Q"),
            ("11100000000013127D", "11100000000013127D"),
            ("52100000500000176K", "52100000500000176K"),
            ("Y1440300MA5F00001L", "Y1440300MA5F00001L"),
            ("91350100m000100y43", "91350100M000100Y43"),
            ("  91110000600037341l\t", "91110000600037341L"),
        ];
        for (input, canonical) in cases {
            let code = CreditCode::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(code.as_str(), canonical, "{input}");
            assert_eq!(code.to_string(), canonical, "{input}");
        }
    }

    #[test]
    fn invalid_codes() {
        use CreditCodeError::*;
        let cases: &[(&str, CreditCodeError)] = &[
            ("", WrongLength { len: 0 }),
            ("91350100M000100Y4", WrongLength { len: 17 }),
            ("91350100M000100Y433", WrongLength { len: 19 }),
            (
                "I1350100M000100Y43",
                BadCharacter {
                    position: 1,
                    found: 'I',
                },
            ),
            (
                "9O350100M000100Y43",
                BadCharacter {
                    position: 2,
                    found: 'O',
                },
            ),
            (
                "91A50100M000100Y43",
                BadCharacter {
                    position: 3,
                    found: 'A',
                },
            ),
            (
                "9135010MM000100Y43",
                BadCharacter {
                    position: 8,
                    found: 'M',
                },
            ),
            (
                "91350100M000100S43",
                BadCharacter {
                    position: 16,
                    found: 'S',
                },
            ),
            (
                "91350100M000100Y4Z",
                BadCharacter {
                    position: 18,
                    found: 'Z',
                },
            ),
            (
                "91350100M000100Y4-",
                BadCharacter {
                    position: 18,
                    found: '-',
                },
            ),
            (
                "91350100M000100Y4信",
                BadCharacter {
                    position: 18,
                    found: '信',
                },
            ),
            (
                "91350100M000100Y44",
                BadCheckCharacter {
                    expected: '3',
                    found: '4',
                },
            ),
            (
                // Two digits swapped: the weights catch transpositions.
                "91110000600037314L",
                BadCheckCharacter {
                    expected: check_of("91110000600037314"),
                    found: 'L',
                },
            ),
        ];
        for (input, expected) in cases {
            let got = CreditCode::parse(input);
            assert_eq!(got.as_ref().err(), Some(expected), "{input}: {got:?}");
        }
    }

    /// The check character of 17 valid characters, for building cases.
    fn check_of(s17: &str) -> char {
        let mut values = [0u32; LEN];
        for (v, c) in values.iter_mut().zip(s17.chars()) {
            *v = value_of(c).unwrap();
        }
        check_character(&values)
    }

    #[test]
    fn accessors() {
        let code = CreditCode::parse("91350100M000100Y43").unwrap();
        assert_eq!(code.registration_authority(), '9');
        assert_eq!(code.organisation_category(), '1');
        assert_eq!(code.region_code(), "350100");
        assert_eq!(code.organisation_code(), "M000100Y4");
    }

    #[test]
    fn alphabet_values() {
        let cases = [
            ('0', Some(0)),
            ('9', Some(9)),
            ('A', Some(10)),
            ('H', Some(17)),
        ]
        .into_iter()
        .chain([('J', Some(18)), ('Y', Some(30)), ('I', None), ('a', None)]);
        for (c, value) in cases {
            assert_eq!(value_of(c), value, "{c}");
        }
    }

    #[test]
    fn serde_round_trip_and_rejection() {
        let code: CreditCode = serde_json::from_str("\"91350100m000100y43\"").unwrap();
        assert_eq!(
            serde_json::to_string(&code).unwrap(),
            "\"91350100M000100Y43\""
        );
        assert!(serde_json::from_str::<CreditCode>("\"91350100M000100Y44\"").is_err());
    }
}
