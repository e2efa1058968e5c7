//! The words of every notification, in Chinese (the default) and English: an e-mail
//! ([`render`]: subject and body) and a short SMS ([`render_sms`]: at most
//! [`SMS_MAX_CHARS`] characters, signed `【certrenew】` or `[certrenew]`).
//!
//! Texts are plain text: nothing is escaped, but control characters (and bidirectional
//! overrides, which can make a link read differently from where it goes) are removed
//! from every parameter, so a parameter can neither add header lines nor disguise text.
//!
//! The parameters are the outbox row's JSON: always `business_no`; `total_fen` (and
//! `subject`, the certificate's subject) for `submitted`; `install_url` for `approved`;
//! `reason` for `rejected`; optionally `invoice_url` for `invoice_issued`; for
//! `reminder` (where `business_no` is the renewal that produced the certificate)
//! `expires_on` (`YYYY-MM-DD`, China time), `renew_url`, and optionally `days_left`,
//! `subject` and `serial`.
//!
//! # Layout
//! One file per event, each holding that event's e-mail and SMS in both languages:
//! `submitted`, `paid`, `approved`, `rejected`, `completed`,
//! `invoice_issued`, `reminder`. Shared by them:
//! - `params`: reading and cleaning the parameters.
//! - `letter`: the greeting and signature around an e-mail.
//! - `sms`: fitting a text into one SMS.

mod approved;
mod completed;
mod invoice_issued;
mod letter;
mod paid;
mod params;
mod rejected;
mod reminder;
mod sms;
mod submitted;

#[cfg(test)]
mod tests;

use serde_json::Value;

use crate::notify::outbox::Template;
use params::{Params, clean};

/// The longest SMS [`render_sms`] returns, in characters.
pub const SMS_MAX_CHARS: usize = 140;

/// An e-mail's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The subject line.
    pub subject: String,
    /// The plain-text body.
    pub body: String,
}

/// Why a notification cannot be written. Retrying does not help.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// No template has this name.
    #[error("unknown notification template {0:?}")]
    Unknown(String),
    /// A parameter the template needs is missing, empty or of the wrong type.
    #[error("the {template} notification needs the parameter {param:?}")]
    MissingParam {
        /// The template's name.
        template: &'static str,
        /// The parameter's name.
        param: &'static str,
    },
}

/// Writes the e-mail for `template` (an [`outbox::Template`](Template) name) in `lang`:
/// English for `en` (and `en-US`, `en_GB`, …), Chinese for anything else.
pub fn render(template: &str, lang: &str, params: &Value) -> Result<Message, TemplateError> {
    let (template, words) = parse(template)?;
    let p = Params::new(template, params);
    let no = p.required("business_no")?;
    (words.email)(&p, &no, Lang::of(lang))
}

/// Writes the SMS for `template` in `lang` (as [`render`]): at most [`SMS_MAX_CHARS`]
/// characters, starting with `【certrenew】` (Chinese) or `[certrenew]` (English). A
/// long rejection reason is shortened with `…`; an install link too long to fit is
/// left out in favour of "open the renewal page".
pub fn render_sms(template: &str, lang: &str, params: &Value) -> Result<String, TemplateError> {
    let (template, words) = parse(template)?;
    let p = Params::new(template, params);
    let no = p.required("business_no")?;
    (words.sms)(&p, &no, Lang::of(lang))
}

/// The language a notification is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lang {
    /// Chinese, the default.
    Zh,
    /// English.
    En,
}

impl Lang {
    /// English when `lang` asks for it (`en`, `en-US`, `en_GB`, any case), else Chinese.
    fn of(lang: &str) -> Self {
        let lang = lang.trim().to_ascii_lowercase();
        if lang == "en" || lang.starts_with("en-") || lang.starts_with("en_") {
            Self::En
        } else {
            Self::Zh
        }
    }
}

/// One event's words: given the parameters and the business number, its e-mail and its
/// SMS in a language.
struct Words {
    email: fn(&Params, &str, Lang) -> Result<Message, TemplateError>,
    sms: fn(&Params, &str, Lang) -> Result<String, TemplateError>,
}

/// Every template, with the file that words it.
const EVENTS: [(Template, Words); 7] = [
    (Template::Submitted, submitted::WORDS),
    (Template::Paid, paid::WORDS),
    (Template::Approved, approved::WORDS),
    (Template::Rejected, rejected::WORDS),
    (Template::Completed, completed::WORDS),
    (Template::InvoiceIssued, invoice_issued::WORDS),
    (Template::Reminder, reminder::WORDS),
];

/// The template named `name`, and its words.
fn parse(name: &str) -> Result<(Template, &'static Words), TemplateError> {
    EVENTS
        .iter()
        .find(|(t, _)| t.as_str() == name)
        .map(|(t, words)| (*t, words))
        .ok_or_else(|| TemplateError::Unknown(clean(name)))
}
