//! The application shell: language switch, header, routes.

use leptos::prelude::*;
use leptos_router::components::{A, Route, Router, Routes};
use leptos_router::path;

use crate::admin;
use crate::i18n::{I18n, Lang, use_i18n};
use crate::pages;
use crate::state::AppState;
use crate::storage;

const KEY_LANG: &str = "certrenew.lang";

/// The whole app.
#[component]
pub fn App() -> impl IntoView {
    let lang = RwSignal::new(Lang::from_code(
        &storage::load_local::<String>(KEY_LANG).unwrap_or_default(),
    ));
    provide_context(I18n { lang });
    provide_context(AppState::new());
    Effect::new(move || {
        let l = lang.get();
        storage::save_local(KEY_LANG, &l.code());
        if let Some(html) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.document_element())
        {
            let _ = html.set_attribute("lang", if l == Lang::Zh { "zh-CN" } else { "en" });
        }
    });
    view! {
        <Router>
            <Header />
            <main id="main">
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=pages::certificates::CertificatesPage />
                    <Route path=path!("/setup") view=pages::setup::SetupPage />
                    <Route path=path!("/renew") view=pages::renew_entry::RenewEntryPage />
                    <Route path=path!("/apply") view=pages::apply::ApplyPage />
                    <Route path=path!("/renewals/:no") view=pages::order::OrderPage />
                    <Route path=path!("/expired") view=pages::expired::ExpiredPage />
                    <Route path=path!("/admin") view=admin::AdminPage />
                    <Route path=path!("/admin/renewals/:no") view=admin::detail::AdminDetailPage />
                </Routes>
            </main>
        </Router>
    }
}

#[component]
fn Header() -> impl IntoView {
    let i18n = use_i18n();
    let switch = move |_| {
        i18n.lang.update(|l| {
            *l = if *l == Lang::Zh { Lang::En } else { Lang::Zh };
        })
    };
    view! {
        <header class="top">
            <a class="brand" href="/">{move || i18n.t("app.title")}</a>
            <nav aria-label=move || i18n.t("app.title")>
                <A href="/">{move || i18n.t("nav.certificates")}</A>
                <A href="/setup">{move || i18n.t("nav.setup")}</A>
            </nav>
            <button
                id="lang-switch"
                type="button"
                class="link"
                aria-label=move || i18n.t("lang.switch_label")
                on:click=switch
            >
                {move || i18n.t("lang.switch")}
            </button>
        </header>
    }
}

#[component]
fn NotFound() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section>
            <h1>{move || i18n.t("common.not_found")}</h1>
            <p>{move || i18n.t("common.not_found_hint")}</p>
            <a href="/">{move || i18n.t("nav.certificates")}</a>
        </section>
    }
}
