//! The application shell: language switch, header, routes.

use leptos::prelude::*;

use crate::admin;
use crate::components::Loading;
use crate::i18n::{I18n, Lang, use_i18n};
use crate::pages;
use crate::router::{self, A};
use crate::state::AppState;
use crate::storage;

const KEY_LANG: &str = "certrenew.lang";

/// One route of a bundle: its pattern (`:name` is one segment) and its page.
struct Route {
    path: &'static str,
    view: fn() -> AnyView,
}

/// Language, shared state, the router and the header around a bundle's routes.
/// `state` is [`AppState::new`] for a bundle whose screens choose the certificate,
/// [`AppState::reading`] for one that only reads it, [`AppState::without_certificate`]
/// for one that never does: a bundle links only the storage code it needs.
#[component]
fn Shell(routes: &'static [Route], state: fn() -> AppState) -> impl IntoView {
    let lang = RwSignal::new(Lang::from_code(
        &storage::load_local::<String>(KEY_LANG).unwrap_or_default(),
    ));
    provide_context(I18n { lang });
    provide_context(state());
    router::provide_router(routes.iter().map(|r| r.path).collect());
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
        <Header />
        <main id="main">
            <Routes routes />
        </main>
    }
}

/// The page of the route that matches the location, or [`Fallback`]. It is rendered
/// anew only when the route or its parameters change (not for a new query or hash), as
/// leptos_router's `Routes` did.
#[component]
fn Routes(routes: &'static [Route]) -> impl IntoView {
    let pathname = router::use_location().pathname;
    // Ok: the route's index and parameters; Err: the path no route matches.
    let matched = Memo::new(move |_| {
        pathname.with(|path| {
            routes
                .iter()
                .enumerate()
                .find_map(|(i, r)| router::match_path(r.path, path).map(|p| (i, p)))
                .ok_or_else(|| path.clone())
        })
    });
    move || match matched.get() {
        Ok((i, params)) => {
            router::provide_params(params);
            (routes[i].view)()
        }
        Err(_) => view! { <Fallback /> }.into_any(),
    }
}

// Every bundle knows every route: its own render here, the others' are loaded from the
// server (`Elsewhere`, through the fallback), so links and `navigate` work across
// bundles unchanged.

/// Every bundle's routes (`:no` is one segment). Another bundle's are told apart in the
/// fallback rather than by a `Route` each: every `Route` is its own generic instance of
/// the router, about 1 KB of wasm each (issue 16).
const ROUTES: [&str; 20] = [
    "/",
    "/setup",
    "/renew",
    "/apply",
    "/expired",
    "/expired/:no",
    "/expired/:no/details",
    "/expired/:no/form",
    "/renewals/:no",
    "/renewals/:no/pay",
    "/renewals/:no/paying",
    "/renewals/:no/install",
    "/admin",
    "/admin/expired",
    "/admin/reconciliation",
    "/admin/renewals/:no",
    "/admin/renewals/:no/history",
    "/admin/renewals/:no/finance",
    "/admin/renewals/:no/certificate",
    "/admin/renewals/:no/expired",
];

/// Whether `path` is one of [`ROUTES`] (a trailing slash dropped).
fn is_route(path: &str) -> bool {
    ROUTES
        .iter()
        .any(|route| router::match_path(route, path).is_some())
}

/// A route this bundle does not render: another bundle's ([`Elsewhere`]), or none's.
#[component]
fn Fallback() -> impl IntoView {
    let path = router::use_location().pathname.get_untracked();
    if is_route(&path) {
        view! { <Elsewhere /> }.into_any()
    } else {
        view! { <NotFound /> }.into_any()
    }
}

/// The certificates bundle: `/`, `/renew`.
#[component]
pub fn CertificatesApp() -> impl IntoView {
    const PAGES: &[Route] = &[
        Route {
            path: "/",
            view: || view! { <pages::certificates::CertificatesPage /> }.into_any(),
        },
        Route {
            path: "/renew",
            view: || view! { <pages::renew_entry::RenewEntryPage /> }.into_any(),
        },
    ];
    view! { <Shell routes=PAGES state=AppState::new /> }
}

/// The setup bundle: `/setup` (the environment check and the host downloads).
#[component]
pub fn SetupApp() -> impl IntoView {
    const PAGES: &[Route] = &[Route {
        path: "/setup",
        view: || view! { <pages::setup::SetupPage /> }.into_any(),
    }];
    view! { <Shell routes=PAGES state=AppState::without_certificate /> }
}

/// The application bundle: `/apply`.
#[component]
pub fn ApplyApp() -> impl IntoView {
    const PAGES: &[Route] = &[Route {
        path: "/apply",
        view: || view! { <pages::apply::ApplyPage /> }.into_any(),
    }];
    view! { <Shell routes=PAGES state=AppState::reading /> }
}

/// The order bundle: `/renewals/{no}` (the order's overview and outcomes); its pay and
/// install panels are bundles of their own ([`RenewalsPayApp`], [`RenewalsPayingApp`],
/// [`RenewalsInstallApp`]),
/// which the page moves to by itself when the state calls for them.
#[component]
pub fn RenewalsApp() -> impl IntoView {
    const PAGES: &[Route] = &[Route {
        path: "/renewals/:no",
        view: pages::order::overview,
    }];
    view! { <Shell routes=PAGES state=AppState::new /> }
}

/// The order's pay bundle: `/renewals/{no}/pay`, the pay form.
#[component]
pub fn RenewalsPayApp() -> impl IntoView {
    const PAGES: &[Route] = &[Route {
        path: "/renewals/:no/pay",
        view: pages::order::pay,
    }];
    view! { <Shell routes=PAGES state=AppState::without_certificate /> }
}

/// The order's paying bundle: `/renewals/{no}/paying`, an attempt under way (WeChat's
/// code to scan) or a declared transfer awaiting finance, and the attempts so far.
#[component]
pub fn RenewalsPayingApp() -> impl IntoView {
    const PAGES: &[Route] = &[Route {
        path: "/renewals/:no/paying",
        view: pages::order::paying,
    }];
    view! { <Shell routes=PAGES state=AppState::without_certificate /> }
}

/// The order's install bundle: `/renewals/{no}/install` (the install keeps the new
/// certificate as the one chosen).
#[component]
pub fn RenewalsInstallApp() -> impl IntoView {
    const PAGES: &[Route] = &[Route {
        path: "/renewals/:no/install",
        view: pages::order::install,
    }];
    view! { <Shell routes=PAGES state=AppState::new /> }
}

/// The staff console bundle: `/admin` (the review queue and the audit trail); the
/// console's other pages are bundles of their own ([`AdminExpiredApp`],
/// [`AdminReconcileApp`], [`AdminRenewalApp`]), reached by a full page load.
#[component]
pub fn AdminApp() -> impl IntoView {
    const PAGES: &[Route] = &[Route {
        path: "/admin",
        view: || view! { <admin::AdminPage /> }.into_any(),
    }];
    view! { <Shell routes=PAGES state=AppState::without_certificate /> }
}

/// The console's expired-path bundle: `/admin/expired` (the expired path's applications).
#[component]
pub fn AdminExpiredApp() -> impl IntoView {
    const PAGES: &[Route] = &[Route {
        path: "/admin/expired",
        view: || view! { <admin::expired::AdminExpiredPage /> }.into_any(),
    }];
    view! { <Shell routes=PAGES state=AppState::without_certificate /> }
}

/// The console's reconciliation bundle: `/admin/reconciliation` (finance's differences).
#[component]
pub fn AdminReconcileApp() -> impl IntoView {
    const PAGES: &[Route] = &[Route {
        path: "/admin/reconciliation",
        view: || view! { <admin::reconcile::AdminReconcilePage /> }.into_any(),
    }];
    view! { <Shell routes=PAGES state=AppState::without_certificate /> }
}

/// The console's renewal bundle: `/admin/renewals/{no}` (the facts and the review); its
/// other pages are bundles of their own ([`AdminRenewalHistoryApp`],
/// [`AdminRenewalFinanceApp`], [`AdminRenewalCertificateApp`], [`AdminRenewalExpiredApp`]).
#[component]
pub fn AdminRenewalApp() -> impl IntoView {
    const PAGES: &[Route] = &[Route {
        path: "/admin/renewals/:no",
        view: || view! { <admin::detail::AdminDetailPage /> }.into_any(),
    }];
    view! { <Shell routes=PAGES state=AppState::without_certificate /> }
}

/// A renewal's timeline and audit rows in the console: `/admin/renewals/{no}/history`.
#[component]
pub fn AdminRenewalHistoryApp() -> impl IntoView {
    const PAGES: &[Route] = &[Route {
        path: "/admin/renewals/:no/history",
        view: || view! { <admin::renewal_pages::AdminRenewalHistoryPage /> }.into_any(),
    }];
    view! { <Shell routes=PAGES state=AppState::without_certificate /> }
}

/// A renewal's money in the console: `/admin/renewals/{no}/finance` (payments and their
/// reconciliation, the invoice, the refund).
#[component]
pub fn AdminRenewalFinanceApp() -> impl IntoView {
    const PAGES: &[Route] = &[Route {
        path: "/admin/renewals/:no/finance",
        view: || view! { <admin::renewal_pages::AdminRenewalFinancePage /> }.into_any(),
    }];
    view! { <Shell routes=PAGES state=AppState::without_certificate /> }
}

/// A renewal's certificate in the console: `/admin/renewals/{no}/certificate` (revoking
/// it; a dual renewal's encryption certificates and key recovery).
#[component]
pub fn AdminRenewalCertificateApp() -> impl IntoView {
    const PAGES: &[Route] = &[Route {
        path: "/admin/renewals/:no/certificate",
        view: || view! { <admin::renewal_pages::AdminRenewalCertificatePage /> }.into_any(),
    }];
    view! { <Shell routes=PAGES state=AppState::without_certificate /> }
}

/// A renewal's expired-path application in the console: `/admin/renewals/{no}/expired`.
#[component]
pub fn AdminRenewalExpiredApp() -> impl IntoView {
    const PAGES: &[Route] = &[Route {
        path: "/admin/renewals/:no/expired",
        view: || view! { <admin::renewal_pages::AdminRenewalExpiredPage /> }.into_any(),
    }];
    view! { <Shell routes=PAGES state=AppState::without_certificate /> }
}

/// The expired-certificate path's start: `/expired` (SMS sign-in, the certificate, the
/// applications of this number).
#[component]
pub fn ExpiredApp() -> impl IntoView {
    const PAGES: &[Route] = &[Route {
        path: "/expired",
        view: || view! { <pages::expired::ExpiredPage /> }.into_any(),
    }];
    view! { <Shell routes=PAGES state=AppState::without_certificate /> }
}

/// One expired-path application: `/expired/{no}` (its steps until it is submitted, but
/// for the details and the form: [`ExpiredDetailsApp`], [`ExpiredFormApp`]).
#[component]
pub fn ExpiredApplicationApp() -> impl IntoView {
    const PAGES: &[Route] = &[Route {
        path: "/expired/:no",
        view: || view! { <pages::expired::ExpiredApplicationPage /> }.into_any(),
    }];
    view! { <Shell routes=PAGES state=AppState::without_certificate /> }
}

/// An expired-path application's details step: `/expired/{no}/details` (a bundle of
/// its own, so that neither it nor `/expired/{no}`'s passes 200 KB; issue 16).
#[component]
pub fn ExpiredDetailsApp() -> impl IntoView {
    const PAGES: &[Route] = &[Route {
        path: "/expired/:no/details",
        view: || view! { <pages::expired::ExpiredDetailsPage /> }.into_any(),
    }];
    view! { <Shell routes=PAGES state=AppState::without_certificate /> }
}

/// An expired-path application's form step: `/expired/{no}/form` (the form to print,
/// sign and upload; a bundle of its own, issue 16).
#[component]
pub fn ExpiredFormApp() -> impl IntoView {
    const PAGES: &[Route] = &[Route {
        path: "/expired/:no/form",
        view: || view! { <pages::expired::ExpiredFormPage /> }.into_any(),
    }];
    view! { <Shell routes=PAGES state=AppState::without_certificate /> }
}

/// A route of another bundle: the page of that URL is asked of the server, which
/// answers with that bundle. Shown when such a URL is loaded here, or navigated to just
/// after a try (the router loads other bundles' URLs itself): the browser reloads it
/// in place (`replace`; `assign` if the address bar does not show it yet). A second try
/// of the same URL within a few seconds means no bundle serves it here: "not found"
/// instead of a loop.
#[component]
fn Elsewhere() -> impl IntoView {
    let location = router::use_location();
    // The router's search has no '?'; its hash keeps its '#'.
    let search = location.search.get_untracked();
    let target = format!(
        "{}{}{}{}",
        location.pathname.get_untracked(),
        if search.is_empty() { "" } else { "?" },
        search,
        location.hash.get_untracked()
    );
    if router::tried_recently(&target) {
        router::forget_try();
        return view! { <NotFound /> }.into_any();
    }
    let shown = web_sys::window().map(|w| {
        let here = w.location();
        format!(
            "{}{}{}",
            here.pathname().unwrap_or_default(),
            here.search().unwrap_or_default(),
            here.hash().unwrap_or_default()
        )
    });
    router::leave(&target, shown.as_deref() == Some(target.as_str()));
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
            <a class="brand" href="/">{i18n.text("app.title")}</a>
            <nav aria-label=i18n.text("app.title")>
                <A href="/">{i18n.text("nav.certificates")}</A>
                <A href="/setup">{i18n.text("nav.setup")}</A>
            </nav>
            <button
                id="lang-switch"
                type="button"
                class="link"
                aria-label=switch_name
                on:click=switch
            >
                {i18n.text("lang.switch")}
            </button>
        </header>
    }
}

#[component]
fn NotFound() -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section>
            <h1>{i18n.text("common.not_found")}</h1>
            <p>{i18n.text("common.not_found_hint")}</p>
            <a href="/">{i18n.text("nav.certificates")}</a>
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
            "/expired/E2026/details",
            "/expired/E2026/form/",
            "/renewals/R1",
            "/renewals/R1/pay",
            "/renewals/R1/paying",
            "/renewals/R1/install",
            "/admin",
            "/admin/expired",
            "/admin/reconciliation",
            "/admin/renewals/R1",
            "/admin/renewals/R1/history",
            "/admin/renewals/R1/finance",
            "/admin/renewals/R1/certificate",
            "/admin/renewals/R1/expired",
        ] {
            assert!(is_route(path), "{path}");
        }
        for path in [
            "/nope",
            "/renewals",
            "/renewals/",
            "/renewals/R1/other",
            "/admin/x/y",
            "/admin/renewals/R1/more",
            "/setup/more",
            "/expired/E2026/bank",
        ] {
            assert!(!is_route(path), "{path}");
        }
    }
}
