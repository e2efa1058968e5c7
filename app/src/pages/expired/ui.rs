//! What the expired path's screens share: how a refusal is shown (next to its field, or
//! as a notice naming the rule) and the words for each rule.

use leptos::prelude::*;
use protocol::ErrorCode;
use protocol::application::FieldError;
use serde_json::Value;

use crate::components::live;
use crate::error::AppError;
use crate::i18n::{Lang, lookup, use_i18n};
use crate::pages::apply::fields::server_errors;

/// A refusal, sorted for showing.
pub enum Failure {
    /// Field rules (422 `VALIDATION_FAILED` with `field`): shown next to the controls.
    Fields(Vec<FieldError>),
    /// Anything else: a notice.
    Other(AppError),
}

/// Sorts a refusal.
pub fn failure_of(e: AppError) -> Failure {
    if e.code == ErrorCode::ValidationFailed {
        let list = server_errors(&e.details, &e.message);
        if !list.is_empty() {
            return Failure::Fields(list);
        }
    }
    Failure::Other(e)
}

/// The words of a rule: `expired.rule.<rule>` (the details page adds the application
/// form's `apply.rule.<rule>`: only its bundle links those texts, issue 16).
pub fn rule_words(lang: Lang, rule: &str) -> Option<&'static str> {
    lookup(lang, &format!("expired.rule.{rule}"))
}

/// [`rule_words`] of a field error, else its message.
pub fn rule_text(lang: Lang, e: &FieldError) -> String {
    rule_words(lang, &e.rule)
        .map(str::to_owned)
        .unwrap_or_else(|| e.message.clone())
}

/// A refusal that is not about one field: the rule's words when it names one (429s
/// do), else the code's; with the code and rule as attributes for support and tests.
#[component]
pub fn RuleNotice(error: AppError) -> impl IntoView {
    let i18n = use_i18n();
    let rule = error.detail("rule").map(str::to_owned);
    let words = {
        let rule = rule.clone();
        let error = error.clone();
        move || {
            rule.as_deref()
                .and_then(|r| rule_words(i18n.lang(), r))
                .map(str::to_owned)
                .unwrap_or_else(|| error.user_text(i18n))
        }
    };
    let code = error.code.to_string();
    let attr = code.clone();
    view! {
        <div class="notice error" role="alert" data-code=attr data-rule=rule>
            <p>{words}</p>
            <p class="muted small">{code}</p>
        </div>
    }
}

/// The refusal in `error`, when there is one, as a [`RuleNotice`]: one view type for
/// every step's notice, so the wasm has one copy of its code (issue 16).
pub fn error_notice(error: RwSignal<Option<AppError>>) -> impl IntoView {
    live(move || {
        error
            .get()
            .map(|e| view! { <RuleNotice error=e /> })
            .into_any()
    })
}

/// `aria-busy` of a button that is busy while `busy` (`"true"`/`"false"`): one closure
/// type for every step's button (issue 16).
pub fn aria_busy(busy: RwSignal<bool>) -> impl Fn() -> String + Copy + Send + Sync + 'static {
    move || busy.get().to_string()
}

/// The value at `path` (`/a/b`: object keys only, as the pages name them) of `value`:
/// what `Value::pointer` finds there, without linking its parser of escapes and array
/// indices (issue 16).
pub fn at_path<'v>(value: &'v Value, path: &str) -> Option<&'v Value> {
    path.split('/').skip(1).try_fold(value, |v, key| v.get(key))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Finds what `Value::pointer` finds for the pages' paths.
    #[test]
    fn a_path_finds_what_a_pointer_finds() {
        let v = json!({
            "organisation": {"name": "某公司", "n": 3},
            "months": 12,
            "list": [1, 2],
            "empty": {},
        });
        for path in [
            "",
            "/organisation/name",
            "/organisation/n",
            "/organisation/missing",
            "/months",
            "/months/x",
            "/empty",
            "/empty/name",
            "/missing/name",
        ] {
            assert_eq!(at_path(&v, path), v.pointer(path), "{path}");
        }
    }
}
