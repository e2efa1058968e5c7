//! `/renewals/{no}`: the order (业务单). 查询进度 shows where it stands and refreshes
//! itself; the panel below follows the state: 缴费 pay, 审核中 under review, 安装证书
//! install, done, or closed.
//!
//! The order is three bundles (issue 16: one was over 200 KB gzipped, and Trunk cannot
//! split a page's wasm): `/renewals/{no}` ([`overview`]: the summary, timeline,
//! payments, the outcomes, sign-in, the compromise report), `/renewals/{no}/pay`
//! ([`pay`]: the pay panel) and `/renewals/{no}/install` ([`install`]: the install
//! panel). Each shows the summary; when the state calls for a panel another one holds,
//! the page moves there by itself (`location.replace`, the query kept: a gateway's
//! `?from=gateway`), so every link to `/renewals/{no}` still lands where it should.

mod compromise;
mod outcome;
mod poll;
mod signin;
mod summary;

use protocol::ErrorCode;
use protocol::payment::{PaymentMethod, PaymentStatus};
use protocol::renewal::RenewalStatus;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::router::{use_params_map, use_query_map};
use gloo_timers::future::TimeoutFuture;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::coded::Coded;
use crate::components::{ErrorNotice, Loading, live, live_text, shown};
use crate::error::AppError;
use crate::i18n::use_i18n;
use crate::models::Renewal;
use crate::pages::install::{InstallBusy, InstallPanel};
use crate::pages::pay::{PayPanel, PayingPanel};
use crate::pages::progress::{Payments, Stepper, Timeline};
use crate::state;
use outcome::{ClosedView, DoneView, ReviewView};
use signin::SignInPrompt;
use summary::{InvoiceFacts, Problems, Summary};

/// Which of the order's pages a bundle is; each holds the panels of its place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    /// `/renewals/{no}`: under review, done, closed; sign-in.
    Overview,
    /// `/renewals/{no}/pay`: the pay form.
    Pay,
    /// `/renewals/{no}/paying`: an attempt under way, a declared transfer.
    Paying,
    /// `/renewals/{no}/install`.
    Install,
}

impl Place {
    /// What follows `/renewals/{no}` in this place's address.
    fn suffix(self) -> &'static str {
        match self {
            Place::Overview => "",
            Place::Pay => "/pay",
            Place::Paying => "/paying",
            Place::Install => "/install",
        }
    }
}

/// The place whose bundle holds `panel`; `again`: the address asks for the pay form
/// while an attempt is under way (`?again`, `/renewals/{no}/paying`'s 重新支付). The same
/// answer on every page for the same state and address (the query moves along), so
/// pages never send each other back and forth.
fn place_of(panel: &Panel, again: bool) -> Place {
    match panel {
        Panel::Pay {
            status: RenewalStatus::AwaitingReconciliation,
            ..
        } => Place::Paying,
        Panel::Pay {
            under_way: true, ..
        } if !again => Place::Paying,
        Panel::Pay { .. } => Place::Pay,
        Panel::Install => Place::Install,
        _ => Place::Overview,
    }
}

/// What one bundle renders of the order besides the summary every page shows. Plain
/// function pointers chosen by the bundle's route, so a bundle links only its own parts.
struct Parts {
    place: Place,
    /// The panel of a state this place holds (see [`place_of`]).
    panel: fn(&Panel, Signal<Renewal>, Callback<Renewal>) -> AnyView,
    /// The sign-in prompt; a page without it moves to the overview to sign in.
    sign_in: Option<fn(Callback<()>) -> AnyView>,
    /// The order's facts above the panel.
    head: fn(Signal<Renewal>) -> AnyView,
    /// What comes after the panel.
    below: fn(Signal<Renewal>) -> AnyView,
}

/// `/renewals/{no}`: the order's overview (bin `renewals`).
pub fn overview() -> AnyView {
    const PARTS: Parts = Parts {
        place: Place::Overview,
        panel: outcome_panel,
        sign_in: Some(|on_signed_in| view! { <SignInPrompt on_signed_in /> }.into_any()),
        head: |renewal| {
            view! {
                <Stepper renewal=renewal />
                <Summary renewal=renewal />
                <Problems renewal=renewal />
            }
            .into_any()
        },
        below: |renewal| {
            view! {
                {invoice_facts(renewal)}
                <Payments renewal=renewal />
                <Timeline renewal=renewal />
                <compromise::CompromiseReport />
            }
            .into_any()
        },
    };
    view! { <OrderPage parts=&PARTS /> }.into_any()
}

/// `/renewals/{no}/pay`: the pay form (bin `renewals-pay`).
pub fn pay() -> AnyView {
    const PARTS: Parts = Parts {
        place: Place::Pay,
        panel: |_, renewal, on_update| {
            let renewal = renewal.get_untracked();
            view! { <PayPanel renewal on_update /> }.into_any()
        },
        sign_in: None,
        head: steps_and_summary,
        below: invoice_facts,
    };
    view! { <OrderPage parts=&PARTS /> }.into_any()
}

/// `/renewals/{no}/paying`: an attempt under way, a declared transfer (bin
/// `renewals-paying`).
pub fn paying() -> AnyView {
    const PARTS: Parts = Parts {
        place: Place::Paying,
        panel: |_, renewal, on_update| {
            let renewal = renewal.get_untracked();
            view! { <PayingPanel renewal on_update /> }.into_any()
        },
        sign_in: None,
        head: steps_and_summary,
        below: invoice_facts,
    };
    view! { <OrderPage parts=&PARTS /> }.into_any()
}

/// `/renewals/{no}/install`: the install panel (bin `renewals-install`).
pub fn install() -> AnyView {
    const PARTS: Parts = Parts {
        place: Place::Install,
        panel: |_, renewal, on_update| {
            let renewal = renewal.get_untracked();
            view! { <InstallPanel renewal on_update /> }.into_any()
        },
        sign_in: None,
        head: steps_and_summary,
        below: |renewal| view! { <InvoiceFacts renewal=renewal /> }.into_any(),
    };
    view! { <OrderPage parts=&PARTS /> }.into_any()
}

/// The stepper and the summary: what a panel's page shows of the order (no rejection or
/// refund can be there while paying or installing).
fn steps_and_summary(renewal: Signal<Renewal>) -> AnyView {
    view! {
        <Stepper renewal=renewal />
        <Summary renewal=renewal />
    }
    .into_any()
}

/// The invoice asked for, except while paying (the pay form holds the request then).
fn invoice_facts(renewal: Signal<Renewal>) -> AnyView {
    shown(
        move || renewal.with(|r| r.status != Some(RenewalStatus::AwaitingPayment)),
        move || view! { <InvoiceFacts renewal=renewal /> }.into_any(),
    )
    .into_any()
}

/// The overview's panels: under review, done, closed.
fn outcome_panel(panel: &Panel, renewal: Signal<Renewal>, _: Callback<Renewal>) -> AnyView {
    let i18n = use_i18n();
    match panel {
        Panel::Review => {
            let flash = outcome::payment_flash(&renewal.with_untracked(|r| r.business_no.clone()));
            view! { {flash} <ReviewView renewal=renewal /> }.into_any()
        }
        Panel::Done => view! { <DoneView renewal=renewal /> }.into_any(),
        Panel::Closed => view! { <ClosedView renewal=renewal /> }.into_any(),
        Panel::Unknown => {
            view! { <p class="notice">{i18n.text("order.status_unknown")}</p> }.into_any()
        }
        // Another bundle's: the page is moving there.
        Panel::Pay { .. } | Panel::Install => ().into_any(),
    }
}

/// `/renewals/{no}` and the place's suffix, the query and hash kept, from the address
/// shown (its segments as the browser has them, still percent-encoded).
fn address_of(place: Place) -> Option<String> {
    let here = window().location();
    let path = here.pathname().ok()?;
    let mut segments = path.trim_start_matches('/').splitn(3, '/');
    let (first, no) = (segments.next()?, segments.next()?);
    Some(format!(
        "/{first}/{no}{}{}{}",
        place.suffix(),
        here.search().unwrap_or_default(),
        here.hash().unwrap_or_default()
    ))
}

/// The order page of `parts`' place; a new business number in the address starts afresh.
#[component]
fn OrderPage(parts: &'static Parts) -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let no = Memo::new(move |_| params.with(|p| p.get("no")).unwrap_or_default());
    live(move || {
        let no = no.get();
        let from_gateway = query.with_untracked(|q| q.get_str("from") == Some("gateway"));
        let again = query.with_untracked(|q| q.get_str("again").is_some());
        view! { <Order no=no from_gateway=from_gateway again=again parts=parts /> }.into_any()
    })
}

/// Which panel the state calls for. The forms (pay, install) are made again only when
/// this changes, so a refresh never wipes what the user typed.
#[derive(Debug, Clone, PartialEq)]
enum Panel {
    /// 缴费, with the attempts as they stand; `under_way`: the latest is an online
    /// attempt still pending (WeChat's code to scan, a gateway's page left open).
    Pay {
        status: RenewalStatus,
        attempts: Vec<(String, Coded<PaymentStatus>)>,
        under_way: bool,
    },
    Review,
    Install,
    Done,
    Closed,
    Unknown,
}

fn panel_of(r: &Renewal) -> Panel {
    use RenewalStatus as S;
    match r.status {
        Some(status @ (S::AwaitingPayment | S::AwaitingReconciliation)) => Panel::Pay {
            status,
            attempts: r
                .payments
                .iter()
                .map(|p| (p.out_trade_no.clone(), p.status.clone()))
                .collect(),
            under_way: crate::pages::pay::latest(r).is_some_and(|p| {
                p.status == PaymentStatus::Pending && p.method != PaymentMethod::BankTransfer
            }),
        },
        Some(S::InReview) => Panel::Review,
        Some(S::Approved | S::Issued) => Panel::Install,
        Some(S::Completed) => Panel::Done,
        Some(S::Cancelled | S::Expired | S::Rejected) => Panel::Closed,
        None => Panel::Unknown,
    }
}

/// Reads the renewal; keeps it only when it changed.
async fn load(no: &str, data: RwSignal<Option<Renewal>>, error: RwSignal<Option<AppError>>) {
    let (renewal, problem) = match api::renewals::get_one(no).await {
        Ok(r) => (Some(r), None),
        Err(e) => (None, Some(e)),
    };
    if let Some(r) = renewal {
        set_if_changed(data, Some(r));
    }
    // The same failure again must not redraw a sign-in prompt the user is working in.
    set_if_changed(error, problem);
}

/// Sets `signal` only to a different value (and not at all once it is disposed).
fn set_if_changed<T: PartialEq + Send + Sync + 'static>(signal: RwSignal<T>, value: T) {
    if signal.try_with_untracked(|v| *v != value).unwrap_or(false) {
        let _ = signal.try_set(value);
    }
}

#[component]
fn Order(no: String, from_gateway: bool, again: bool, parts: &'static Parts) -> impl IntoView {
    let i18n = use_i18n();
    let data = RwSignal::new(None::<Renewal>);
    let error = RwSignal::new(None::<AppError>);
    let busy = RwSignal::new(false);
    provide_context(InstallBusy(busy));
    let loaded = Memo::new(move |_| data.with(Option::is_some));

    let alive = Arc::new(AtomicBool::new(true));
    {
        let alive = Arc::clone(&alive);
        on_cleanup(move || alive.store(false, Ordering::Relaxed));
    }

    // Refresh: at once, then as often as the state calls for, until it is closed or
    // the page is left; not while an install is writing to the token.
    {
        let no = no.clone();
        let alive = Arc::clone(&alive);
        spawn_local(async move {
            let started = js_sys::Date::now();
            loop {
                if !alive.load(Ordering::Relaxed) {
                    break;
                }
                if !busy.try_get_untracked().unwrap_or(true) {
                    load(&no, data, error).await;
                    if !alive.load(Ordering::Relaxed) {
                        break;
                    }
                }
                let gateway =
                    from_gateway && js_sys::Date::now() - started < poll::GATEWAY_WINDOW_MS;
                let wait = match data.try_get_untracked().flatten() {
                    Some(r) => match poll::interval_ms(&r, gateway) {
                        Some(ms) => ms,
                        None => break,
                    },
                    None if error.with_untracked(|e| {
                        e.as_ref().is_some_and(|e| e.code == ErrorCode::NotFound)
                    }) =>
                    {
                        break;
                    }
                    None => poll::SLOW_MS,
                };
                TimeoutFuture::new(wait).await;
            }
        });
    }

    let reload = {
        let no = no.clone();
        let alive = Arc::clone(&alive);
        move || {
            let no = no.clone();
            let alive = Arc::clone(&alive);
            spawn_local(async move {
                if alive.load(Ordering::Relaxed) {
                    load(&no, data, error).await;
                }
            });
        }
    };
    let signed_in = {
        let reload = reload.clone();
        Callback::new(move |()| reload())
    };

    // After an install run (finished or not) the state has moved on: read it at once.
    {
        let reload = reload.clone();
        Effect::new(move |was: Option<bool>| {
            let now = busy.get();
            if was == Some(true) && !now {
                reload();
            }
            now
        });
    }

    // "My certificates" shows this renewal while it is open and forgets it once closed.
    let standing =
        Memo::new(move |_| data.with(|d| d.as_ref().map(|r| (r.status, r.cert_sha256.clone()))));
    {
        let no = no.clone();
        Effect::new(move || {
            if let Some((status, sha)) = standing.get() {
                if poll::is_closed(status) {
                    state::forget_renewal(&sha);
                } else {
                    state::remember_renewal(&sha, &no);
                }
            }
        });
    }

    let not_loaded = {
        let no = no.clone();
        let reload = reload.clone();
        move || match error.get() {
            None => view! { <Loading /> }.into_any(),
            Some(e) if e.code == ErrorCode::Unauthenticated => {
                parts.sign_in.map(|prompt| prompt(signed_in)).into_any()
            }
            Some(e) if e.code == ErrorCode::NotFound => {
                let no = no.clone();
                view! {
                    <section id="order-not-found">
                        <p>{live_text(move || i18n.tf("order.not_found", &[("no", &no)]))}</p>
                        <p class="muted">{i18n.text("order.not_found_hint")}</p>
                        <a class="btn" href="/">{i18n.text("order.my_certificates")}</a>
                    </section>
                }
                .into_any()
            }
            Some(e) => {
                let reload = reload.clone();
                view! {
                    <ErrorNotice error=e />
                    <div class="actions">
                        <button type="button" on:click=move |_| reload()>{i18n.text("common.retry")}</button>
                    </div>
                }
                .into_any()
            }
        }
    };

    // The place the page must move to: the one holding the state's panel, or the
    // overview to sign in. `None` while it is here.
    let moving = Memo::new(move |_| {
        let signing_in = parts.sign_in.is_none()
            && error.with(|e| {
                e.as_ref()
                    .is_some_and(|e| e.code == ErrorCode::Unauthenticated)
            });
        if signing_in {
            return Some(Place::Overview);
        }
        data.with(|d| d.as_ref().map(|r| place_of(&panel_of(r), again)))
            .filter(|place| *place != parts.place)
    });

    let content = live(move || {
        if let Some(place) = moving.get() {
            if let Some(to) = address_of(place) {
                crate::router::leave(&to, true);
            }
            return view! {
                <p class="muted" id="order-moving" role="status">{i18n.text("order.moving")}</p>
            }
            .into_any();
        }
        if !loaded.get() {
            return not_loaded.clone()().into_any();
        }
        let Some(first) = data.get_untracked() else {
            return view! { <Loading /> }.into_any();
        };
        let renewal = Signal::derive(move || data.get().unwrap_or_else(|| first.clone()));
        view! {
            <OrderView renewal=renewal data=data error=error signed_in=signed_in reload=reload.clone() parts=parts />
        }
        .into_any()
    });

    view! {
        <div id="order" class="order">
            <h1>{i18n.text("order.title")}</h1>
            {content}
        </div>
    }
}

#[component]
fn OrderView<F>(
    renewal: Signal<Renewal>,
    data: RwSignal<Option<Renewal>>,
    error: RwSignal<Option<AppError>>,
    signed_in: Callback<()>,
    reload: F,
    parts: &'static Parts,
) -> impl IntoView
where
    F: Fn() + Clone + Send + Sync + 'static,
{
    let i18n = use_i18n();
    let on_update = Callback::new(move |r: Renewal| {
        data.set(Some(r));
        error.set(None);
    });
    let panel = Memo::new(move |_| renewal.with(panel_of));
    let panel_view = live(move || (parts.panel)(&panel.get(), renewal, on_update));
    // A failed refresh keeps the order shown; a lapsed session asks to sign in again
    // (elsewhere than the overview, the page moves there for it).
    let refresh_problem = live(move || {
        error
            .get()
            .map(|e| {
                if e.code == ErrorCode::Unauthenticated {
                    parts.sign_in.map(|prompt| prompt(signed_in)).into_any()
                } else {
                    view! {
                        <div class="refresh-error">
                            <p class="muted small">{i18n.text("order.refresh_failed")}</p>
                            <ErrorNotice error=e />
                        </div>
                    }
                    .into_any()
                }
            })
            .into_any()
    });
    let closed = move || renewal.with(|r| poll::is_closed(r.status));
    // Signing out ends the session on the server (a shared PC's next user cannot reuse
    // the cookie) and leaves the order for 我的证书, so nothing of it stays on screen.
    let sign_out_failed = RwSignal::new(false);
    let sign_out = move |_| {
        spawn_local(async move {
            let left = match api::session::end().await {
                Ok(()) => window().location().assign("/").is_ok(),
                Err(_) => false,
            };
            sign_out_failed.set(!left);
        });
    };
    view! {
        <section aria-labelledby="summary-title">
            <h2 id="summary-title" class="visually-hidden">{i18n.text("order.summary")}</h2>
            {(parts.head)(renewal)}
            {shown(
                move || !closed(),
                move || view! {
                    <p class="muted small">
                        {i18n.text("order.auto_refresh")}
                        " "
                        <button type="button" class="link" id="refresh" on:click={
                            let reload = reload.clone();
                            move |_| reload()
                        }>{i18n.text("order.refresh")}</button>
                    </p>
                }
                .into_any(),
            )}
        </section>
        {refresh_problem}
        {panel_view}
        {(parts.below)(renewal)}
        <div class="actions">
            <button id="sign-out" type="button" class="link" on:click=sign_out>
                {i18n.text("order.sign_out")}
            </button>
            {shown(
                move || sign_out_failed.get(),
                move || view! {
                    <p class="error small" role="alert">{i18n.text("order.sign_out_failed")}</p>
                }
                .into_any(),
            )}
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn renewal(status: &str, payments: serde_json::Value) -> Renewal {
        serde_json::from_value(serde_json::json!({
            "business_no": "01202603010000012", "project": "gd-med", "stage": "pay",
            "status": status, "subject": "CN=张三", "cert_sha256": "ab",
            "old_not_after": "2026-04-01T00:00:00Z", "months": 12, "fee_lines": [],
            "total_fen": 10000, "total_display": "¥100.00", "payments": payments,
            "created_at": "2026-03-01T00:00:00Z", "updated_at": "2026-03-01T00:00:00Z"
        }))
        .expect("renewal")
    }

    fn attempt(no: &str, status: &str) -> serde_json::Value {
        serde_json::json!({"out_trade_no": no, "method": "alipay", "status": status,
            "amount_fen": 10000, "created_at": "2026-03-01T00:00:00Z"})
    }

    #[test]
    fn the_pay_form_is_remade_only_when_an_attempt_moves() {
        let a = renewal(
            "awaiting_payment",
            serde_json::json!([attempt("P1", "pending")]),
        );
        let mut b = a.clone();
        b.updated_at = "2026-03-01T00:00:05Z".to_owned();
        b.timeline.clear();
        assert_eq!(
            panel_of(&a),
            panel_of(&b),
            "a refresh that changes nothing else"
        );
        let c = renewal(
            "awaiting_payment",
            serde_json::json!([attempt("P1", "failed")]),
        );
        assert_ne!(panel_of(&a), panel_of(&c));
        let d = renewal(
            "awaiting_reconciliation",
            serde_json::json!([attempt("P1", "pending")]),
        );
        assert_ne!(panel_of(&a), panel_of(&d));
    }

    #[test]
    fn the_install_panel_survives_approved_to_issued() {
        let approved = renewal("approved", serde_json::json!([]));
        let issued = renewal("issued", serde_json::json!([]));
        assert_eq!(panel_of(&approved), Panel::Install);
        assert_eq!(panel_of(&approved), panel_of(&issued));
    }

    #[test]
    fn each_panel_is_on_its_own_page() {
        let p = |s| place_of(&panel_of(&renewal(s, serde_json::json!([]))), false);
        assert_eq!(p("awaiting_payment"), Place::Pay);
        assert_eq!(p("awaiting_reconciliation"), Place::Paying);
        assert_eq!(p("approved"), Place::Install);
        assert_eq!(p("issued"), Place::Install);
        for s in [
            "in_review",
            "completed",
            "cancelled",
            "expired",
            "rejected",
            "new",
        ] {
            assert_eq!(p(s), Place::Overview, "{s}");
        }
        assert_eq!(Place::Overview.suffix(), "");
        assert_eq!(Place::Pay.suffix(), "/pay");
        assert_eq!(Place::Install.suffix(), "/install");
        assert_eq!(Place::Paying.suffix(), "/paying");
    }

    #[test]
    fn an_attempt_under_way_is_on_the_paying_page_unless_paying_again() {
        let at = |status, payments, again| place_of(&panel_of(&renewal(status, payments)), again);
        let online = serde_json::json!([attempt("P1", "pending")]);
        assert_eq!(at("awaiting_payment", online.clone(), false), Place::Paying);
        assert_eq!(at("awaiting_payment", online.clone(), true), Place::Pay);
        let failed = serde_json::json!([attempt("P1", "failed")]);
        assert_eq!(at("awaiting_payment", failed, false), Place::Pay);
        let transfer = serde_json::json!([{"out_trade_no": "P2", "method": "bank_transfer",
            "status": "pending", "amount_fen": 10000, "created_at": "2026-03-01T00:00:00Z"}]);
        assert_eq!(at("awaiting_payment", transfer, false), Place::Pay);
        assert_eq!(at("awaiting_reconciliation", online, true), Place::Paying);
        assert_eq!(
            at("in_review", serde_json::json!([]), true),
            Place::Overview
        );
    }

    #[test]
    fn each_state_has_its_panel() {
        let p = |s| panel_of(&renewal(s, serde_json::json!([])));
        assert_eq!(p("in_review"), Panel::Review);
        assert_eq!(p("completed"), Panel::Done);
        assert_eq!(p("cancelled"), Panel::Closed);
        assert_eq!(p("expired"), Panel::Closed);
        assert_eq!(p("rejected"), Panel::Closed);
        assert_eq!(p("something_new"), Panel::Unknown);
    }
}
