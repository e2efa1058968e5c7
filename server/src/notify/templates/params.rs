//! A notification's parameters, read from the outbox row's JSON and cleaned for print.

use protocol::money::Fen;
use serde_json::Value;

use super::TemplateError;
use crate::notify::outbox::Template;

/// The parameters of one notification.
pub(super) struct Params<'a> {
    template: Template,
    values: &'a Value,
}

impl<'a> Params<'a> {
    pub(super) fn new(template: Template, values: &'a Value) -> Self {
        Self { template, values }
    }

    /// A string (or number) parameter, cleaned; `None` when missing or empty.
    pub(super) fn optional(&self, name: &str) -> Option<String> {
        let text = match self.values.get(name)? {
            Value::String(s) => clean(s),
            Value::Number(n) => n.to_string(),
            _ => return None,
        };
        (!text.is_empty()).then_some(text)
    }

    /// A parameter the template cannot do without.
    pub(super) fn required(&self, name: &'static str) -> Result<String, TemplateError> {
        self.optional(name).ok_or(TemplateError::MissingParam {
            template: self.template.as_str(),
            param: name,
        })
    }

    /// An amount in fen (a JSON integer, or a string of digits).
    pub(super) fn fen(&self, name: &str) -> Option<Fen> {
        match self.values.get(name)? {
            Value::Number(n) => n.as_i64().map(Fen),
            Value::String(s) => s.trim().parse().ok().map(Fen),
            _ => None,
        }
    }
}

/// A parameter fit to print: line breaks and tabs become spaces, other control
/// characters and bidirectional controls go, and the ends are trimmed.
pub(super) fn clean(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '\n' | '\r' | '\t') {
            out.push(' ');
        } else if !c.is_control() && !is_bidi_control(c) {
            out.push(c);
        }
    }
    out.trim().to_owned()
}

/// The Unicode bidirectional formatting characters.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}
