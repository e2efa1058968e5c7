//! One error shape for everything the app calls: the server (`{"error": {code, message,
//! details}}`), the extension's page library (`{code, message, details}`), and the
//! network itself. Screens branch on `code`, never on `message`.

use serde::Deserialize;
use serde_json::Value;

use crate::i18n::{I18n, lookup};

/// A failure the user may be shown.
#[derive(Debug, Clone, PartialEq, Deserialize, thiserror::Error)]
#[error("{code}: {message}")]
pub struct AppError {
    /// A stable code (`protocol::ErrorCode`'s names, plus `NETWORK`).
    pub code: String,
    /// What went wrong, in English, from whoever failed.
    #[serde(default)]
    pub message: String,
    /// Details such as `field` and `rule`, or the eligibility.
    #[serde(default)]
    pub details: Value,
}

impl AppError {
    /// A failure of the app itself or of the network.
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        AppError {
            code: code.to_owned(),
            message: message.into(),
            details: Value::Null,
        }
    }

    /// A detail as a string (`field`, `rule`, `business_no` …).
    pub fn detail(&self, name: &str) -> Option<&str> {
        self.details.get(name).and_then(Value::as_str)
    }

    /// Words for the user in the current language: the catalogue's `err.<CODE>` when
    /// there is one, else the message the failing party gave.
    pub fn user_text(&self, i18n: I18n) -> String {
        let key = format!("err.{}", self.code);
        match lookup(i18n.lang(), &key) {
            Some(text) => text.to_owned(),
            None if !self.message.is_empty() => self.message.clone(),
            None => i18n.t("error.unexpected").to_owned(),
        }
    }
}
