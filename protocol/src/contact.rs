//! Contact details of the operator (经办人) and recipient (收件人): mainland
//! China mobile numbers, e-mail addresses and person names.
//!
//! Each type is built by its `parse` function, which normalises the input
//! (strips separators and country codes, lowercases a domain, trims a name)
//! and rejects what cannot be used to reach a person.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Digits in a mainland China mobile number.
const MOBILE_DIGITS: usize = 11;

/// Longest e-mail address accepted, in characters (RFC 5321 path limit).
const EMAIL_MAX: usize = 254;

/// Longest e-mail local part accepted, in characters.
const LOCAL_MAX: usize = 64;

/// Longest domain label accepted, in characters.
const LABEL_MAX: usize = 63;

/// Punctuation allowed in an e-mail local part besides `.`.
const LOCAL_PUNCTUATION: &str = "!#$%&'*+/=?^_`{|}~-";

/// Longest person name accepted, in characters.
const NAME_MAX: usize = 50;

/// A mainland China mobile number: 11 digits, `1` then `3`–`9`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Mobile(String);

/// Why a string is not a mainland China mobile number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MobileError {
    /// Nothing but spaces and dashes was given.
    #[error("the mobile number is empty")]
    Empty,
    /// A country code other than +86 was given.
    #[error("the mobile number must be a mainland China number (+86)")]
    NotMainland,
    /// A character other than a digit, space or dash (or a leading `+86`).
    #[error("the mobile number may contain only digits, spaces and dashes")]
    NotDigits,
    /// The number does not have 11 digits once the country code is removed.
    #[error("a mobile number has 11 digits, this one has {len}")]
    WrongLength {
        /// Number of digits found (after removing a country code).
        len: usize,
    },
    /// The number does not start with `13` to `19`.
    #[error("a mobile number starts with 13 to 19")]
    BadPrefix,
}

impl MobileError {
    /// A short stable code for this error, e.g. `"mobile.wrong_length"`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty => "mobile.empty",
            Self::NotMainland => "mobile.not_mainland",
            Self::NotDigits => "mobile.not_digits",
            Self::WrongLength { .. } => "mobile.wrong_length",
            Self::BadPrefix => "mobile.bad_prefix",
        }
    }
}

impl Mobile {
    /// Parses a mobile number, removing spaces, dashes and a leading `+86`,
    /// `0086` or `86` country code.
    pub fn parse(input: &str) -> Result<Self, MobileError> {
        let compact: String = input
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect();
        if compact.is_empty() {
            return Err(MobileError::Empty);
        }
        let national = if let Some(rest) = compact.strip_prefix("+86") {
            rest
        } else if compact.starts_with('+') {
            return Err(MobileError::NotMainland);
        } else if let Some(rest) = compact.strip_prefix("0086") {
            rest
        } else if compact.len() == MOBILE_DIGITS + 2 {
            // An 11-digit number starts with 1, so a 13-digit one starting
            // with 86 is a country code followed by the number.
            compact.strip_prefix("86").unwrap_or(&compact)
        } else {
            &compact
        };
        if !national.chars().all(|c| c.is_ascii_digit()) {
            return Err(MobileError::NotDigits);
        }
        if national.len() != MOBILE_DIGITS {
            return Err(MobileError::WrongLength {
                len: national.len(),
            });
        }
        let bytes = national.as_bytes();
        if bytes[0] != b'1' || !(b'3'..=b'9').contains(&bytes[1]) {
            return Err(MobileError::BadPrefix);
        }
        Ok(Self(national.to_owned()))
    }

    /// The 11 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The number with the middle four digits hidden, e.g. `138****5678`.
    pub fn masked(&self) -> String {
        format!("{}****{}", &self.0[..3], &self.0[7..])
    }
}

/// An e-mail address, checked pragmatically (not full RFC 5322): one `@`, a
/// dot-atom local part, and a DNS domain with at least one dot. The domain is
/// stored in lowercase; the local part is kept as given.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

/// Why a string is not a usable e-mail address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EmailError {
    /// Nothing but whitespace was given.
    #[error("the e-mail address is empty")]
    Empty,
    /// The address is longer than 254 characters.
    #[error("an e-mail address has at most 254 characters, this one has {len}")]
    TooLong {
        /// Number of characters found.
        len: usize,
    },
    /// There is no `@`.
    #[error("the e-mail address must contain an @")]
    MissingAt,
    /// There is more than one `@`.
    #[error("the e-mail address must contain only one @")]
    MultipleAt,
    /// The part before `@` is empty or longer than 64 characters.
    #[error("the part before the @ must have 1 to 64 characters, this one has {len}")]
    LocalPartLength {
        /// Number of characters before the `@`.
        len: usize,
    },
    /// The part before `@` contains a character that is not allowed.
    #[error(
        "the part before the @ may contain only letters, digits and . ! # $ % & ' * + / = ? \
         ^ _ ` {{ | }} ~ -, not {found:?}"
    )]
    LocalPartCharacter {
        /// The first character not allowed.
        found: char,
    },
    /// The part before `@` starts or ends with a dot, or has two dots in a row.
    #[error("the part before the @ must not start or end with a dot or have two dots in a row")]
    LocalPartDots,
    /// The domain has no dot.
    #[error("the domain after the @ must contain a dot, e.g. example.com")]
    DomainWithoutDot,
    /// A domain label is empty or longer than 63 characters.
    #[error("each part of the domain between dots must have 1 to 63 characters (no empty parts)")]
    DomainLabelLength,
    /// A domain label contains a character other than a letter, digit or `-`.
    #[error("the domain may contain only letters, digits, dots and dashes, not {found:?}")]
    DomainCharacter {
        /// The first character not allowed.
        found: char,
    },
    /// A domain label starts or ends with `-`.
    #[error("no part of the domain may start or end with a dash")]
    DomainLabelDash,
}

impl EmailError {
    /// A short stable code for this error, e.g. `"email.missing_at"`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty => "email.empty",
            Self::TooLong { .. } => "email.too_long",
            Self::MissingAt => "email.missing_at",
            Self::MultipleAt => "email.multiple_at",
            Self::LocalPartLength { .. } => "email.local_part_length",
            Self::LocalPartCharacter { .. } => "email.local_part_character",
            Self::LocalPartDots => "email.local_part_dots",
            Self::DomainWithoutDot => "email.domain_without_dot",
            Self::DomainLabelLength => "email.domain_label_length",
            Self::DomainCharacter { .. } => "email.domain_character",
            Self::DomainLabelDash => "email.domain_label_dash",
        }
    }
}

impl Email {
    /// Parses an e-mail address, trimming surrounding whitespace and
    /// lowercasing the domain.
    pub fn parse(input: &str) -> Result<Self, EmailError> {
        let input = input.trim();
        if input.is_empty() {
            return Err(EmailError::Empty);
        }
        let len = input.chars().count();
        if len > EMAIL_MAX {
            return Err(EmailError::TooLong { len });
        }
        let (local, domain) = input.split_once('@').ok_or(EmailError::MissingAt)?;
        if domain.contains('@') {
            return Err(EmailError::MultipleAt);
        }
        check_local_part(local)?;
        check_domain(domain)?;
        Ok(Self(format!("{local}@{}", domain.to_ascii_lowercase())))
    }

    /// The address, with the domain in lowercase.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part before the `@`, as given.
    pub fn local_part(&self) -> &str {
        self.0.split_once('@').map_or("", |(local, _)| local)
    }

    /// The domain after the `@`, in lowercase.
    pub fn domain(&self) -> &str {
        self.0.split_once('@').map_or("", |(_, domain)| domain)
    }
}

/// Checks the part of an address before the `@`.
fn check_local_part(local: &str) -> Result<(), EmailError> {
    let len = local.chars().count();
    if !(1..=LOCAL_MAX).contains(&len) {
        return Err(EmailError::LocalPartLength { len });
    }
    if let Some(found) = local
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '.' || LOCAL_PUNCTUATION.contains(*c)))
    {
        return Err(EmailError::LocalPartCharacter { found });
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Err(EmailError::LocalPartDots);
    }
    Ok(())
}

/// Checks the part of an address after the `@`.
fn check_domain(domain: &str) -> Result<(), EmailError> {
    if let Some(found) = domain
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '.' || *c == '-'))
    {
        return Err(EmailError::DomainCharacter { found });
    }
    if !domain.contains('.') {
        return Err(EmailError::DomainWithoutDot);
    }
    for label in domain.split('.') {
        if !(1..=LABEL_MAX).contains(&label.len()) {
            return Err(EmailError::DomainLabelLength);
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(EmailError::DomainLabelDash);
        }
    }
    Ok(())
}

/// A person's name as written on forms: trimmed, 1 to 50 characters, no
/// control characters. Any script is allowed (`张三`, `买买提·艾力`, `Li Lei`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PersonName(String);

/// Why a string is not a usable person name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PersonNameError {
    /// Nothing but whitespace was given.
    #[error("the name is empty")]
    Empty,
    /// The trimmed name is longer than 50 characters.
    #[error("a name has at most 50 characters, this one has {len}")]
    TooLong {
        /// Number of characters after trimming.
        len: usize,
    },
    /// The name contains a control character (such as a tab or line break).
    #[error("the name must not contain control characters such as tabs or line breaks")]
    ControlCharacter {
        /// 1-based position of the first control character in the trimmed name.
        position: usize,
    },
}

impl PersonNameError {
    /// A short stable code for this error, e.g. `"person_name.too_long"`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty => "person_name.empty",
            Self::TooLong { .. } => "person_name.too_long",
            Self::ControlCharacter { .. } => "person_name.control_character",
        }
    }
}

impl PersonName {
    /// Parses a name, trimming surrounding whitespace.
    pub fn parse(input: &str) -> Result<Self, PersonNameError> {
        let name = input.trim();
        if name.is_empty() {
            return Err(PersonNameError::Empty);
        }
        let len = name.chars().count();
        if len > NAME_MAX {
            return Err(PersonNameError::TooLong { len });
        }
        if let Some(index) = name.chars().position(char::is_control) {
            return Err(PersonNameError::ControlCharacter {
                position: index + 1,
            });
        }
        Ok(Self(name.to_owned()))
    }

    /// The trimmed name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// `Display`, `FromStr`, `TryFrom<String>` and `Into<String>` for a string
/// newtype with a `parse` function.
macro_rules! string_newtype {
    ($ty:ty, $err:ty) => {
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl FromStr for $ty {
            type Err = $err;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl TryFrom<String> for $ty {
            type Error = $err;

            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::parse(&s)
            }
        }

        impl From<$ty> for String {
            fn from(value: $ty) -> Self {
                value.0
            }
        }
    };
}

string_newtype!(Mobile, MobileError);
string_newtype!(Email, EmailError);
string_newtype!(PersonName, PersonNameError);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_mobiles() {
        let cases = [
            ("13812345678", "13812345678"),
            ("138 1234 5678", "13812345678"),
            ("138-1234-5678", "13812345678"),
            ("+86 138 1234 5678", "13812345678"),
            ("+8613812345678", "13812345678"),
            ("8613812345678", "13812345678"),
            ("0086-138-1234-5678", "13812345678"),
            ("  19912345678\n", "19912345678"),
            ("16600000000", "16600000000"),
        ];
        for (input, digits) in cases {
            let mobile = Mobile::parse(input).unwrap_or_else(|e| panic!("{input:?}: {e}"));
            assert_eq!(mobile.as_str(), digits, "{input:?}");
            assert_eq!(mobile.to_string(), digits, "{input:?}");
        }
    }

    #[test]
    fn invalid_mobiles() {
        use MobileError::*;
        let cases: &[(&str, MobileError)] = &[
            ("", Empty),
            (" - ", Empty),
            ("+852 9123 4567", NotMainland),
            ("+1 415 555 0100", NotMainland),
            ("138.1234.5678", NotDigits),
            ("(138)12345678", NotDigits),
            ("+86 138 1234 567a", NotDigits),
            ("1381234567", WrongLength { len: 10 }),
            ("138123456789", WrongLength { len: 12 }),
            ("+86 1381234567", WrongLength { len: 10 }),
            ("9613812345678", WrongLength { len: 13 }),
            ("12812345678", BadPrefix),
            ("10012345678", BadPrefix),
            ("23812345678", BadPrefix),
            ("02012345678", BadPrefix),
        ];
        for (input, expected) in cases {
            let got = Mobile::parse(input);
            assert_eq!(got.as_ref().err(), Some(expected), "{input:?}: {got:?}");
        }
    }

    #[test]
    fn mobile_masked() {
        let mobile = Mobile::parse("13812345678").unwrap();
        assert_eq!(mobile.masked(), "138****5678");
    }

    #[test]
    fn valid_emails() {
        let long_local = "a".repeat(64);
        let long_label = "b".repeat(63);
        let long_local_email = format!("{long_local}@example.com");
        let long_label_email = format!("x@{long_label}.cn");
        let cases = [
            ("zhang.san@example.com", "zhang.san@example.com"),
            ("Zhang.San@Example.COM", "Zhang.San@example.com"),
            (
                "  li+renewal@mail.netca.net.cn ",
                "li+renewal@mail.netca.net.cn",
            ),
            ("o'brien_1@a-b.example", "o'brien_1@a-b.example"),
            ("x@163.com", "x@163.com"),
            (&long_local_email, &long_local_email),
            (&long_label_email, &long_label_email),
        ];
        for (input, canonical) in cases {
            let email = Email::parse(input).unwrap_or_else(|e| panic!("{input:?}: {e}"));
            assert_eq!(email.as_str(), canonical, "{input:?}");
        }
        let email = Email::parse("Zhang.San@Example.COM").unwrap();
        assert_eq!(email.local_part(), "Zhang.San");
        assert_eq!(email.domain(), "example.com");
    }

    #[test]
    fn invalid_emails() {
        use EmailError::*;
        let too_long = format!("{}@{}.com", "a".repeat(64), "b".repeat(190));
        let long_local = format!("{}@example.com", "a".repeat(65));
        let long_label = format!("x@{}.cn", "b".repeat(64));
        let cases: &[(&str, EmailError)] = &[
            ("", Empty),
            ("   ", Empty),
            (&too_long, TooLong { len: 259 }),
            ("zhang.example.com", MissingAt),
            ("a@b@example.com", MultipleAt),
            ("@example.com", LocalPartLength { len: 0 }),
            (&long_local, LocalPartLength { len: 65 }),
            ("zhang san@example.com", LocalPartCharacter { found: ' ' }),
            ("张三@example.com", LocalPartCharacter { found: '张' }),
            ("\"a\"@example.com", LocalPartCharacter { found: '"' }),
            (".zhang@example.com", LocalPartDots),
            ("zhang.@example.com", LocalPartDots),
            ("zhang..san@example.com", LocalPartDots),
            ("zhang@localhost", DomainWithoutDot),
            ("zhang@", DomainWithoutDot),
            ("zhang@example..com", DomainLabelLength),
            ("zhang@.example.com", DomainLabelLength),
            ("zhang@example.com.", DomainLabelLength),
            (&long_label, DomainLabelLength),
            ("zhang@exa_mple.com", DomainCharacter { found: '_' }),
            ("zhang@例子.中国", DomainCharacter { found: '例' }),
            ("zhang@[127.0.0.1]", DomainCharacter { found: '[' }),
            ("zhang@-example.com", DomainLabelDash),
            ("zhang@example-.com", DomainLabelDash),
        ];
        for (input, expected) in cases {
            let got = Email::parse(input);
            assert_eq!(got.as_ref().err(), Some(expected), "{input:?}: {got:?}");
        }
    }

    #[test]
    fn valid_names() {
        let fifty = "名".repeat(50);
        let cases = [
            ("张三", "张三"),
            ("  李四 ", "李四"),
            ("买买提·艾力", "买买提·艾力"),
            ("Li Lei", "Li Lei"),
            (&fifty, &fifty),
        ];
        for (input, canonical) in cases {
            let name = PersonName::parse(input).unwrap_or_else(|e| panic!("{input:?}: {e}"));
            assert_eq!(name.as_str(), canonical, "{input:?}");
        }
    }

    #[test]
    fn invalid_names() {
        use PersonNameError::*;
        let fifty_one = "名".repeat(51);
        let cases: &[(&str, PersonNameError)] = &[
            ("", Empty),
            (" \t\n", Empty),
            (&fifty_one, TooLong { len: 51 }),
            ("张\t三", ControlCharacter { position: 2 }),
            ("张三\n李四", ControlCharacter { position: 3 }),
            ("a\u{0}", ControlCharacter { position: 2 }),
        ];
        for (input, expected) in cases {
            let got = PersonName::parse(input);
            assert_eq!(got.as_ref().err(), Some(expected), "{input:?}: {got:?}");
        }
    }

    #[test]
    fn serde_parses() {
        let mobile: Mobile = serde_json::from_str("\"+86 138-1234-5678\"").unwrap();
        assert_eq!(serde_json::to_string(&mobile).unwrap(), "\"13812345678\"");
        let email: Email = serde_json::from_str("\"a@B.cn\"").unwrap();
        assert_eq!(serde_json::to_string(&email).unwrap(), "\"a@b.cn\"");
        let name: PersonName = serde_json::from_str("\" 张三 \"").unwrap();
        assert_eq!(serde_json::to_string(&name).unwrap(), "\"张三\"");
        assert!(serde_json::from_str::<Mobile>("\"12345\"").is_err());
        assert!(serde_json::from_str::<Email>("\"nobody\"").is_err());
        assert!(serde_json::from_str::<PersonName>("\"\"").is_err());
    }
}
