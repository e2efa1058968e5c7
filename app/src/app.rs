//! The application shell: language switch, header, routes.

use leptos::prelude::*;
use leptos_router::components::{A, Route, Router, Routes};
use leptos_router::path;

use crate::admin;
use crate::components::Loading;
use crate::i18n::{I18n, Lang, use_i18n};
use crate::pages;
use crate::state::AppState;
use crate::storage;

const KEY_LANG: &str = "certrenew.lang";

/// Language, shared state and the header around a bundle's routes.
#[component]
fn Shell(children: Children) -> impl IntoView {
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
            <main id="main">{children()}</main>
        </Router>
    }
}

// Every bundle knows every route: its own render here, the others' are loaded from the
// server (`Elsewhere`, through the fallback), so links and `navigate` work across
// bundles unchanged.

/// Every bundle's routes (`:no` is one segment). Another bundle's are told apart in the
/// fallback rather than by a `Route` each: every `Route` is its own generic instance of
/// the router, about 1 KB of wasm each (issue 16).
const ROUTES: [&str; 11] = [
    "/",
    "/setup",
    "/renew",
    "/apply",
    "/expired",
    "/expired/:no",
    "/renewals/:no",
    "/admin",
    "/admin/expired",
    "/admin/reconciliation",
    "/admin/renewals/:no",
];

/// Whether `path` is one of [`ROUTES`] (a trailing slash dropped, as the router does).
fn is_route(path: &str) -> bool {
    let path = match path.strip_suffix('/') {
        Some(p) if !p.is_empty() => p,
        _ => path,
    };
    ROUTES.iter().any(|route| {
        let (mut want, mut got) = (route.split('/'), path.split('/'));
        loop {
            match (want.next(), got.next()) {
                (None, None) => return true,
                (Some(w), Some(g)) if w == g || (w.starts_with(':') && !g.is_empty()) => {}
                _ => return false,
            }
        }
    })
}

/// A route this bundle does not render: another bundle's ([`Elsewhere`]), or none's.
#[component]
fn Fallback() -> impl IntoView {
    let path = leptos_router::hooks::use_location()
        .pathname
        .get_untracked();
    if is_route(&path) {
        view! { <Elsewhere /> }.into_any()
    } else {
        view! { <NotFound /> }.into_any()
    }
}

/// The certificates bundle: `/`, `/setup`, `/renew`.
#[component]
pub fn CertificatesApp() -> impl IntoView {
    view! {
        <Shell>
            <Routes fallback=Fallback>
                <Route path=path!("/") view=pages::certificates::CertificatesPage />
                <Route path=path!("/setup") view=pages::setup::SetupPage />
                <Route path=path!("/renew") view=pages::renew_entry::RenewEntryPage />
            </Routes>
        </Shell>
    }
}

/// The application bundle: `/apply`.
#[component]
pub fn ApplyApp() -> impl IntoView {
    view! {
        <Shell>
            <Routes fallback=Fallback>
                <Route path=path!("/apply") view=pages::apply::ApplyPage />
            </Routes>
        </Shell>
    }
}

/// The order bundle: `/renewals/{no}`.
#[component]
pub fn RenewalsApp() -> impl IntoView {
    view! {
        <Shell>
            <Routes fallback=Fallback>
                <Route path=path!("/renewals/:no") view=pages::order::OrderPage />
            </Routes>
        </Shell>
    }
}

/// The staff console bundle: `/admin`, `/admin/renewals/{no}`, `/admin/expired`.
#[component]
pub fn AdminApp() -> impl IntoView {
    view! {
        <Shell>
            <Routes fallback=Fallback>
                <Route path=path!("/admin") view=admin::AdminPage />
                <Route path=path!("/admin/renewals/:no") view=admin::detail::AdminDetailPage />
                <Route path=path!("/admin/expired") view=admin::expired::AdminExpiredPage />
                <Route path=path!("/admin/reconciliation") view=admin::reconcile::AdminReconcilePage />
            </Routes>
        </Shell>
    }
}

/// The expired-certificate path: `/expired` (SMS sign-in, the certificate) and
/// `/expired/{no}` (the application's steps until it is submitted).
#[component]
pub fn ExpiredApp() -> impl IntoView {
    view! {
        <Shell>
            <Routes fallback=Fallback>
                <Route path=path!("/expired") view=pages::expired::ExpiredPage />
                <Route path=path!("/expired/:no") view=pages::expired::ExpiredApplicationPage />
            </Routes>
        </Shell>
    }
}

const KEY_ELSEWHERE: &str = "certrenew.elsewhere";

/// A route of another bundle: the page of that URL is asked of the server, which
/// answers with that bundle. The router may render this before it has put the URL in
/// the address bar (a plain link), so the URL comes from the router's location: the
/// browser goes there (`assign`, a history entry like any link), or reloads it in place
/// (`replace`) when the address already shows it. A second try of the same URL within
/// a few seconds means no bundle serves it here: "not found" instead of a loop.
#[component]
fn Elsewhere() -> impl IntoView {
    let location = leptos_router::hooks::use_location();
    // The router's search has no '?'; its hash keeps its '#'.
    let search = location.search.get_untracked();
    let target = format!(
        "{}{}{}{}",
        location.pathname.get_untracked(),
        if search.is_empty() { "" } else { "?" },
        search,
        location.hash.get_untracked()
    );
    let now = js_sys::Date::now();
    let recent = storage::load::<(String, f64)>(KEY_ELSEWHERE)
        .is_some_and(|(url, at)| url == target && now - at < 5000.0);
    if recent {
        storage::forget(KEY_ELSEWHERE);
        return view! { <NotFound /> }.into_any();
    }
    storage::save(KEY_ELSEWHERE, &(target.clone(), now));
    if let Some(w) = web_sys::window() {
        let here = w.location();
        let shown = format!(
            "{}{}{}",
            here.pathname().unwrap_or_default(),
            here.search().unwrap_or_default(),
            here.hash().unwrap_or_default()
        );
        let _ = if shown == target {
            here.replace(&target)
        } else {
            here.assign(&target)
        };
    }
    view! { <Loading /> }.into_any()
}

#[component]
fn Header() -> impl IntoView {
    let i18n = use_i18n();
    let switch = move |_| {
        i18n.lang.update(|l| {
            *l = if *l == Lang::Zh { Lang::En } else { Lang::Zh };
        })
    };
    // The accessible name starts with the visible text (WCAG 2.5.3, label in name):
    // the other language's name, then what the button does.
    let switch_name = move || format!("{} {}", i18n.t("lang.switch"), i18n.t("lang.switch_label"));
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
                aria-label=switch_name
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

#[cfg(test)]
mod tests {
    use super::is_route;

    #[test]
    fn the_fallback_knows_every_bundles_routes() {
        for path in [
            "/",
            "/setup",
            "/renew",
            "/apply",
            "/apply/",
            "/expired",
            "/expired/E2026",
            "/renewals/R1",
            "/admin",
            "/admin/expired",
            "/admin/reconciliation",
            "/admin/renewals/R1",
        ] {
            assert!(is_route(path), "{path}");
        }
        for path in [
            "/nope",
            "/renewals",
            "/renewals/",
            "/admin/x/y",
            "/setup/more",
        ] {
            assert!(!is_route(path), "{path}");
        }
    }
}
