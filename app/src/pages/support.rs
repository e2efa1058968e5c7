//! The project's support contacts, shown by the setup page and the expired-certificate
//! path (its own module, so the expired bundle's texts need no setup texts).

use leptos::prelude::*;

use crate::i18n::{I18n, Lang, use_i18n};
use crate::state::use_app_state;

/// The project's support contacts (客服): phone, e-mail, hours; `report_tip` adds
/// "give support the report above" (on the page that has one).
#[component]
pub fn SupportContacts(#[prop(optional)] report_tip: bool) -> impl IntoView {
    let i18n = use_i18n();
    let state = use_app_state();
    let support = move || state.project().and_then(Result::ok).map(|p| p.support);
    view! {
        <section id="support" aria-labelledby="support-title">
            <h2 id="support-title">{i18n.text("setup.support.title")}</h2>
            {move || match support() {
                None => view! { <p class="muted">{i18n.t("setup.support.none")}</p> }.into_any(),
                Some(s) => {
                    let hours = hours(i18n, &s.hours_zh, &s.hours_en);
                    let tel = format!("tel:{}", s.phone.replace([' ', '-'], ""));
                    let mail = format!("mailto:{}", s.email);
                    view! {
                        <dl class="facts">
                            <dt>{i18n.t("setup.support.phone")}</dt>
                            <dd><a href=tel>{s.phone.clone()}</a></dd>
                            <dt>{i18n.t("setup.support.email")}</dt>
                            <dd><a href=mail>{s.email.clone()}</a></dd>
                            <dt>{i18n.t("setup.support.hours")}</dt>
                            <dd>{hours}</dd>
                        </dl>
                        {report_tip
                            .then(|| view! { <p class="muted small">{i18n.t("setup.support.tip")}</p> })}
                    }
                    .into_any()
                }
            }}
        </section>
    }
}

/// The hours in the shown language, else in the other one.
fn hours(i18n: I18n, zh: &str, en: &str) -> String {
    let (first, second) = if i18n.lang() == Lang::Zh {
        (zh, en)
    } else {
        (en, zh)
    };
    if first.trim().is_empty() {
        second.to_owned()
    } else {
        first.to_owned()
    }
}
