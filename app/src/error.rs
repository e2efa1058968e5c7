//! One error shape for everything the app calls: the server (`{"error": {code, message,
//! details}}`), the extension's page library (`{code, message, details}`), and the
//! network itself. Screens branch on `code`, never on `message`, and on the typed
//! [`Code`], never on its string.

use protocol::ErrorCode;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use crate::i18n::{I18n, lookup};
use crate::read::{Fields, Res};
use crate::via_value;

/// What failed, as a screen branches on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Code {
    /// One of protocol's codes (the host's, the extension's, the server's).
    Known(ErrorCode),
    /// `NETWORK`, the app's own: the server could not be reached.
    Network,
    /// `NO_FILE`, the app's own: no file was chosen to upload.
    NoFile,
    /// A code this page does not know (a newer party's), kept as sent.
    Other(String),
}

impl Code {
    /// Protocol's code, when it is one.
    pub fn known(&self) -> Option<ErrorCode> {
        match self {
            Code::Known(code) => Some(*code),
            _ => None,
        }
    }

    /// The code as sent: protocol's wire string, or the app's own name.
    pub fn as_str(&self) -> &str {
        match self {
            Code::Known(code) => code.as_str(),
            Code::Network => "NETWORK",
            Code::NoFile => "NO_FILE",
            Code::Other(text) => text,
        }
    }

    fn parse(text: String) -> Self {
        match ErrorCode::parse(&text) {
            Some(code) => Code::Known(code),
            None if text == Code::Network.as_str() => Code::Network,
            None if text == Code::NoFile.as_str() => Code::NoFile,
            None => Code::Other(text),
        }
    }
}

impl From<ErrorCode> for Code {
    fn from(code: ErrorCode) -> Self {
        Code::Known(code)
    }
}

impl PartialEq<ErrorCode> for Code {
    fn eq(&self, other: &ErrorCode) -> bool {
        self.known() == Some(*other)
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Code {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Code::parse)
    }
}

/// A failure the user may be shown (read by hand through `Value`, [`AppError::read`]).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct AppError {
    /// A stable code (`protocol::ErrorCode`'s, plus the app's own).
    pub code: Code,
    /// What went wrong, in English, from whoever failed (may be missing).
    pub message: String,
    /// Details such as `field` and `rule`, or the eligibility (may be missing).
    pub details: Value,
}

impl AppError {
    /// Reads `{code, message, details}` (issue 16: one `Value` path, no derive).
    pub fn read(v: &Value) -> Res<Self> {
        let f = Fields::of(v)?;
        Ok(AppError {
            code: Code::parse(f.string("code")?),
            message: f.string_or_empty("message")?,
            details: f.value("details"),
        })
    }
}
via_value!(AppError, AppError::read);

impl AppError {
    /// A failure of the app itself or of the network.
    pub fn new(code: impl Into<Code>, message: impl Into<String>) -> Self {
        AppError {
            code: code.into(),
            message: message.into(),
            details: Value::Null,
        }
    }

    /// A detail as a string (`field`, `rule`, `business_no` …).
    pub fn detail(&self, name: &str) -> Option<&str> {
        self.details.get(name).and_then(Value::as_str)
    }

    /// Words for the user in the current language: the catalogue's `err.<CODE>` when
    /// there is one (for a wrong PIN, `err.PIN_INCORRECT.final_try` or `.count_low` as
    /// the host's details say), else the message the failing party gave.
    pub fn user_text(&self, i18n: I18n) -> String {
        let key = format!("err.{}", self.code);
        let detailed = self.pin_tries_flag().map(|flag| format!("{key}.{flag}"));
        match detailed
            .and_then(|k| lookup(i18n.lang(), &k))
            .or_else(|| lookup(i18n.lang(), &key))
        {
            Some(text) => text.to_owned(),
            None if !self.message.is_empty() => self.message.clone(),
            None => i18n.t("error.unexpected").to_owned(),
        }
    }

    /// How close a wrong PIN brought the token to locking: the host's `final_try` or
    /// `count_low` detail (the token's flags; PKCS#11 tells no count), the worse first.
    fn pin_tries_flag(&self) -> Option<&'static str> {
        if self.code != ErrorCode::PinIncorrect {
            return None;
        }
        ["final_try", "count_low"]
            .into_iter()
            .find(|flag| self.details.get(flag).and_then(Value::as_bool) == Some(true))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wrong_pin_says_how_close_the_lock_is() {
        let wrong = |details: Value| AppError {
            code: ErrorCode::PinIncorrect.into(),
            message: String::new(),
            details,
        };
        let flag = |details: Value| wrong(details).pin_tries_flag();
        assert_eq!(flag(Value::Null), None);
        let low = serde_json::json!({"count_low": true, "final_try": false});
        assert_eq!(flag(low), Some("count_low"));
        let last = serde_json::json!({"count_low": true, "final_try": true});
        assert_eq!(flag(last), Some("final_try"));
        for flag in ["count_low", "final_try"] {
            crate::i18n::tests::exists(&format!("err.PIN_INCORRECT.{flag}"));
        }
        // Only a wrong PIN: a locked one has its own words.
        let locked = AppError {
            code: ErrorCode::PinLocked.into(),
            message: String::new(),
            details: serde_json::json!({"final_try": true}),
        };
        assert_eq!(locked.pin_tries_flag(), None);
    }

    #[test]
    fn codes_read_as_sent() {
        let read = |text: &str| -> Code { serde_json::from_value(Value::from(text)).unwrap() };
        for code in ErrorCode::ALL {
            assert_eq!(read(code.as_str()), Code::Known(code));
            assert_eq!(read(code.as_str()).to_string(), code.as_str());
        }
        assert_eq!(read("NETWORK"), Code::Network);
        assert_eq!(read("NO_FILE"), Code::NoFile);
        assert_eq!(read("SOMETHING_NEW"), Code::Other("SOMETHING_NEW".into()));
        assert_eq!(read("SOMETHING_NEW").to_string(), "SOMETHING_NEW");
    }
}
