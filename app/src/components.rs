//! Small pieces every screen uses: the error notice, the loading line.

use leptos::prelude::*;

use crate::error::AppError;
use crate::i18n::use_i18n;

/// An error in the user's language, with its code for support (`role="alert"`, so
/// screen readers announce it).
#[component]
pub fn ErrorNotice(error: AppError) -> impl IntoView {
    let i18n = use_i18n();
    let code = error.code.to_string();
    let attr = code.clone();
    view! {
        <div class="notice error" role="alert" data-code=attr>
            <p>{move || error.user_text(i18n)}</p>
            <p class="muted small">{code}</p>
        </div>
    }
}

/// "Loading…".
#[component]
pub fn Loading() -> impl IntoView {
    let i18n = use_i18n();
    view! { <p class="loading" aria-busy="true">{move || i18n.t("common.loading")}</p> }
}
