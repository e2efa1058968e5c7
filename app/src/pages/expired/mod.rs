//! `/expired`: an expired certificate cannot be renewed online with its old key (the
//! application is signed by that key, and the CA renews only certificates still in
//! force). Until the online path for expired certificates exists, this page says to go
//! through the CA's service (业务办理) with the documents, and how to reach support.

use leptos::prelude::*;

use crate::i18n::{Lang, use_i18n};
use crate::pages::setup::SupportContacts;
use crate::state::use_app_state;

/// The expired-certificate path.
#[component]
pub fn ExpiredPage() -> impl IntoView {
    let i18n = use_i18n();
    let state = use_app_state();
    let platform = move || {
        state.project().and_then(Result::ok).map(|p| {
            let name = if i18n.lang() == Lang::Zh {
                p.name_zh
            } else {
                p.name_en
            };
            i18n.tf("expired.platform", &[("platform", &name)])
        })
    };
    view! {
        <section id="expired">
            <h1>{move || i18n.t("expired.title")}</h1>
            <div class="notice warn" role="status">
                <p>{move || i18n.t("expired.why")}</p>
            </div>
            <p>{platform}</p>
            <h2>{move || i18n.t("expired.how")}</h2>
            <ol>
                <li>{move || i18n.t("expired.step.contact")}</li>
                <li>{move || i18n.t("expired.step.documents")}</li>
                <li>{move || i18n.t("expired.step.submit")}</li>
                <li>{move || i18n.t("expired.step.key")}</li>
            </ol>
            <p class="muted small">{move || i18n.t("expired.later")}</p>
            <div class="actions">
                <a class="btn" href="/">{move || i18n.t("expired.back")}</a>
            </div>
        </section>
        <SupportContacts />
    }
}

/// `/expired/{no}` (placeholder).
#[component]
pub fn ExpiredApplicationPage() -> impl IntoView {
    view! { <section id="expired-wizard"></section> }
}
