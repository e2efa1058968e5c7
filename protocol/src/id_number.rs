//! Resident identity card numbers (居民身份证号码) under GB 11643-1999.
//!
//! A number has 18 characters: a 6-digit administrative region code, the birth
//! date as `YYYYMMDD`, a 3-digit sequence whose last digit is odd for men and
//! even for women, and a check character (`0`–`9` or `X`) computed from the
//! first 17 digits (ISO 7064 MOD 11-2).
//!
//! [`ResidentId::parse`] is the only way to build a [`ResidentId`]; it trims
//! surrounding whitespace and accepts a lowercase `x`, storing it as `X`. The
//! crate has no clock, so the birth date is only checked to be a real date
//! between 1900-01-01 and 2100-12-31; "not in the future" is the caller's job.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use time::{Date, Month};

/// Number of characters in a resident identity number.
pub const LEN: usize = 18;

/// Weights of the first 17 digits in the check character computation.
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

/// Check characters indexed by the weighted sum modulo 11.
const CHECK_CHARS: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

/// Province-level codes (first two digits) defined by GB/T 2260, plus 71
/// (Taiwan), 81 (Hong Kong), 82 (Macao) and 91 (residents abroad).
const PROVINCES: [u8; 35] = [
    11, 12, 13, 14, 15, // North
    21, 22, 23, // North-east
    31, 32, 33, 34, 35, 36, 37, // East
    41, 42, 43, 44, 45, 46, // Central and South
    50, 51, 52, 53, 54, // South-west
    61, 62, 63, 64, 65, // North-west
    71, 81, 82, 91, // Taiwan, Hong Kong, Macao, abroad
];

/// Earliest birth year accepted.
const MIN_YEAR: i32 = 1900;

/// Latest birth year accepted.
const MAX_YEAR: i32 = 2100;

/// A well-formed GB 11643-1999 resident identity number, stored in its
/// canonical form (18 characters, uppercase `X`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ResidentId(String);

/// The holder's sex, encoded by the parity of the 17th digit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sex {
    /// Odd 17th digit.
    Male,
    /// Even 17th digit.
    Female,
}

/// Why a string is not a resident identity number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ResidentIdError {
    /// The number does not have exactly 18 characters.
    #[error("a resident id number has 18 characters, this one has {len}")]
    WrongLength {
        /// Number of characters found (after trimming whitespace).
        len: usize,
    },
    /// A character other than the last is not a digit, or the last is
    /// neither a digit nor `X`.
    #[error(
        "character {position} of the resident id number must be a digit (only the last may be X)"
    )]
    NotDigits {
        /// 1-based position of the first offending character.
        position: usize,
    },
    /// The first two digits are not a province code.
    #[error("the first two digits of the resident id number are not a province code")]
    BadRegion,
    /// Digits 7 to 14 are not a real date between 1900-01-01 and 2100-12-31.
    #[error(
        "digits 7 to 14 of the resident id number must be a real birth date (YYYYMMDD) \
         between 1900 and 2100"
    )]
    BadBirthDate,
    /// The check character does not match the first 17 digits.
    #[error(
        "the last character of the resident id number should be {expected}, not {found}: \
         check the number for a typing mistake"
    )]
    BadCheckCharacter {
        /// The check character computed from the first 17 digits.
        expected: char,
        /// The check character found.
        found: char,
    },
}

impl ResidentIdError {
    /// A short stable code for this error, e.g. `"id_number.bad_check_character"`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::WrongLength { .. } => "id_number.wrong_length",
            Self::NotDigits { .. } => "id_number.not_digits",
            Self::BadRegion => "id_number.bad_region",
            Self::BadBirthDate => "id_number.bad_birth_date",
            Self::BadCheckCharacter { .. } => "id_number.bad_check_character",
        }
    }
}

impl ResidentId {
    /// Parses a resident identity number, trimming surrounding whitespace and
    /// normalising a final lowercase `x` to `X`.
    ///
    /// Checks are made in order: length, characters, region, birth date,
    /// check character; the first failure is returned.
    pub fn parse(input: &str) -> Result<Self, ResidentIdError> {
        let input = input.trim();
        let len = input.chars().count();
        if len != LEN {
            return Err(ResidentIdError::WrongLength { len });
        }
        // Exactly 18 chars; each is checked to be an ASCII digit (or X) below.
        let mut digits = [0u8; LEN - 1];
        let mut last = '\0';
        for (i, c) in input.chars().enumerate() {
            if i < LEN - 1 {
                if !c.is_ascii_digit() {
                    return Err(ResidentIdError::NotDigits { position: i + 1 });
                }
                digits[i] = c as u8 - b'0';
            } else {
                last = match c {
                    '0'..='9' | 'X' => c,
                    'x' => 'X',
                    _ => return Err(ResidentIdError::NotDigits { position: LEN }),
                };
            }
        }

        let province = digits[0] * 10 + digits[1];
        if !PROVINCES.contains(&province) {
            return Err(ResidentIdError::BadRegion);
        }

        birth_date_of(&digits).ok_or(ResidentIdError::BadBirthDate)?;

        let expected = check_character(&digits);
        if expected != last {
            return Err(ResidentIdError::BadCheckCharacter {
                expected,
                found: last,
            });
        }

        let mut canonical = String::with_capacity(LEN);
        canonical.extend(digits.iter().map(|d| char::from(b'0' + d)));
        canonical.push(last);
        Ok(Self(canonical))
    }

    /// The number in canonical form (18 characters, uppercase `X`).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The 6-digit administrative region code where the number was issued.
    pub fn region_code(&self) -> &str {
        &self.0[..6]
    }

    /// The holder's birth date.
    pub fn birth_date(&self) -> Date {
        let digits = self.digits();
        match birth_date_of(&digits) {
            Some(date) => date,
            // Unreachable: `parse` checked the date. Fall back to a fixed
            // date rather than panic.
            None => Date::MIN,
        }
    }

    /// The holder's sex, from the parity of the 17th digit (odd is male).
    pub fn sex(&self) -> Sex {
        if self.digits()[16] % 2 == 1 {
            Sex::Male
        } else {
            Sex::Female
        }
    }

    /// The number with the birth date hidden, for display and logs: the
    /// region code, eight `*`, then the sequence and check character, e.g.
    /// `110105********002X`.
    pub fn masked(&self) -> String {
        format!("{}********{}", &self.0[..6], &self.0[14..])
    }

    /// The first 17 characters as digit values; `parse` guarantees they are
    /// ASCII digits.
    fn digits(&self) -> [u8; LEN - 1] {
        let mut digits = [0u8; LEN - 1];
        for (d, b) in digits.iter_mut().zip(self.0.bytes()) {
            *d = b.wrapping_sub(b'0');
        }
        digits
    }
}

/// The birth date encoded in digits 7 to 14, if it is a real date in range.
fn birth_date_of(digits: &[u8; LEN - 1]) -> Option<Date> {
    let number = |range: std::ops::Range<usize>| {
        digits[range]
            .iter()
            .fold(0i32, |acc, d| acc * 10 + i32::from(*d))
    };
    let year = number(6..10);
    if !(MIN_YEAR..=MAX_YEAR).contains(&year) {
        return None;
    }
    let month = Month::try_from(u8::try_from(number(10..12)).ok()?).ok()?;
    let day = u8::try_from(number(12..14)).ok()?;
    Date::from_calendar_date(year, month, day).ok()
}

/// The check character for the first 17 digits.
fn check_character(digits: &[u8; LEN - 1]) -> char {
    let sum: u32 = digits
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(*d) * w)
        .sum();
    // `sum % 11` is always a valid index into the 11 check characters.
    CHECK_CHARS[(sum % 11) as usize]
}

impl fmt::Display for ResidentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for ResidentId {
    type Err = ResidentIdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for ResidentId {
    type Error = ResidentIdError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<ResidentId> for String {
    fn from(id: ResidentId) -> Self {
        id.0
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    #[test]
    fn valid_numbers() {
        // (input, canonical, birth date, sex)
        let cases = [
            (
                "11010519491231002X",
                "11010519491231002X",
                date!(1949 - 12 - 31),
                Sex::Female,
            ),
            (
                "11010519491231002x",
                "11010519491231002X",
                date!(1949 - 12 - 31),
                Sex::Female,
            ),
            (
                " 11010519491231002X\n",
                "11010519491231002X",
                date!(1949 - 12 - 31),
                Sex::Female,
            ),
            (
                "440524198001010013",
                "440524198001010013",
                date!(1980 - 01 - 01),
                Sex::Male,
            ),
            (
                "32010619900307251X",
                "32010619900307251X",
                date!(1990 - 03 - 07),
                Sex::Male,
            ),
            (
                "510108200011290027",
                "510108200011290027",
                date!(2000 - 11 - 29),
                Sex::Female,
            ),
            (
                "650102199912311232",
                "650102199912311232",
                date!(1999 - 12 - 31),
                Sex::Male,
            ),
            (
                "110101200002290077",
                "110101200002290077",
                date!(2000 - 02 - 29),
                Sex::Male,
            ),
        ];
        for (input, canonical, birth, sex) in cases {
            let id = ResidentId::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(id.as_str(), canonical, "{input}");
            assert_eq!(id.to_string(), canonical, "{input}");
            assert_eq!(id.birth_date(), birth, "{input}");
            assert_eq!(id.sex(), sex, "{input}");
            assert_eq!(id.region_code(), &canonical[..6], "{input}");
        }
    }

    #[test]
    fn invalid_numbers() {
        use ResidentIdError::*;
        let cases: &[(&str, ResidentIdError)] = &[
            ("", WrongLength { len: 0 }),
            ("11010519491231002", WrongLength { len: 17 }),
            ("11010519491231002X0", WrongLength { len: 19 }),
            ("１10105194912310020", NotDigits { position: 1 }),
            ("1101051949123100X2", NotDigits { position: 17 }),
            ("11010519491231002Y", NotDigits { position: 18 }),
            ("11a10519491231002X", NotDigits { position: 3 }),
            ("01010519491231002X", BadRegion),
            ("16010519491231002X", BadRegion),
            ("99010519491231002X", BadRegion),
            // Correct check character, but born 1880: outside 1900..=2100.
            ("440524188001010014", BadBirthDate),
            ("11010519490231002X", BadBirthDate),
            ("11010519491331002X", BadBirthDate),
            ("11010519491200002X", BadBirthDate),
            ("11010521010101002X", BadBirthDate),
            ("110101190002290077", BadBirthDate),
            (
                "110105194912310021",
                BadCheckCharacter {
                    expected: 'X',
                    found: '1',
                },
            ),
            (
                "44052419800101001X",
                BadCheckCharacter {
                    expected: '3',
                    found: 'X',
                },
            ),
        ];
        for (input, expected) in cases {
            let got = ResidentId::parse(input);
            assert_eq!(got.as_ref().err(), Some(expected), "{input}: {got:?}");
        }
    }

    #[test]
    fn check_character_of_every_remainder() {
        // One valid number per check character, to exercise the whole table.
        for expected in CHECK_CHARS {
            let found = (0..1000u32).find_map(|seq| {
                let s17 = format!("11010519900101{seq:03}");
                let digits: Vec<u8> = s17.bytes().map(|b| b - b'0').collect();
                let digits: [u8; 17] = digits.try_into().ok()?;
                (check_character(&digits) == expected).then_some(s17)
            });
            let s17 = found.unwrap_or_else(|| panic!("no sequence gives {expected}"));
            let id = ResidentId::parse(&format!("{s17}{expected}"));
            assert!(id.is_ok(), "{s17}{expected}: {id:?}");
        }
    }

    #[test]
    fn masked_hides_birth_date_and_sequence() {
        let id = ResidentId::parse("11010519491231002X").unwrap();
        assert_eq!(id.masked(), "110105********002X");
    }

    #[test]
    fn serde_round_trip_and_rejection() {
        let id: ResidentId = serde_json::from_str("\"11010519491231002x\"").unwrap();
        assert_eq!(
            serde_json::to_string(&id).unwrap(),
            "\"11010519491231002X\""
        );
        assert!(serde_json::from_str::<ResidentId>("\"110105194912310021\"").is_err());
    }

    #[test]
    fn codes_are_distinct() {
        use ResidentIdError::*;
        let errors = [
            WrongLength { len: 0 },
            NotDigits { position: 1 },
            BadRegion,
            BadBirthDate,
            BadCheckCharacter {
                expected: '1',
                found: '2',
            },
        ];
        let mut codes: Vec<_> = errors.iter().map(ResidentIdError::code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), errors.len());
    }
}
