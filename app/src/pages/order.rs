//! `/renewals/{no}`: the order (业务单). 查询进度 shows where it stands and refreshes
//! itself; the panel below follows the state: 缴费 pay, 审核中 under review, 安装证书
//! install, done, or closed.

mod compromise;
mod outcome;
mod poll;
mod signin;
mod summary;

use protocol::ErrorCode;
use protocol::payment::PaymentStatus;
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
use crate::pages::pay::PayPanel;
use crate::pages::progress::{Payments, Stepper, Timeline};
use crate::state;
use outcome::{ClosedView, DoneView, ReviewView};
use signin::SignInPrompt;
use summary::{InvoiceFacts, Problems, Summary};

/// The order page; a new business number in the address starts afresh.
#[component]
pub fn OrderPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let no = Memo::new(move |_| params.with(|p| p.get("no")).unwrap_or_default());
    live(move || {
        let no = no.get();
        let from_gateway = query.with_untracked(|q| q.get_str("from") == Some("gateway"));
        view! { <Order no=no from_gateway=from_gateway /> }.into_any()
    })
}

/// Which panel the state calls for. The forms (pay, install) are made again only when
/// this changes, so a refresh never wipes what the user typed.
#[derive(Debug, Clone, PartialEq)]
enum Panel {
    /// 缴费, with the attempts as they stand.
    Pay {
        status: RenewalStatus,
        attempts: Vec<(String, Coded<PaymentStatus>)>,
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
fn Order(no: String, from_gateway: bool) -> impl IntoView {
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
                view! { <SignInPrompt on_signed_in=signed_in /> }.into_any()
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

    let content = live(move || {
        if !loaded.get() {
            return not_loaded.clone()().into_any();
        }
        let Some(first) = data.get_untracked() else {
            return view! { <Loading /> }.into_any();
        };
        let renewal = Signal::derive(move || data.get().unwrap_or_else(|| first.clone()));
        view! { <OrderView renewal=renewal data=data error=error signed_in=signed_in reload=reload.clone() /> }
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
    let panel_view = live(move || {
        let r = renewal.get_untracked();
        match panel.get() {
            Panel::Pay { .. } => view! { <PayPanel renewal=r on_update=on_update /> }.into_any(),
            Panel::Install => view! { <InstallPanel renewal=r on_update=on_update /> }.into_any(),
            Panel::Review => {
                let flash = crate::pages::pay::payment_flash(
                    &renewal.with_untracked(|r| r.business_no.clone()),
                );
                view! { {flash} <ReviewView renewal=renewal /> }.into_any()
            }
            Panel::Done => view! { <DoneView renewal=renewal /> }.into_any(),
            Panel::Closed => view! { <ClosedView renewal=renewal /> }.into_any(),
            Panel::Unknown => {
                view! { <p class="notice">{i18n.text("order.status_unknown")}</p> }.into_any()
            }
        }
    });
    // A failed refresh keeps the order shown; a lapsed session asks to sign in again.
    let refresh_problem = live(move || {
        error
            .get()
            .map(|e| {
                if e.code == ErrorCode::Unauthenticated {
                    view! { <SignInPrompt on_signed_in=signed_in /> }.into_any()
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
            <Stepper renewal=renewal />
            <Summary renewal=renewal />
            <Problems renewal=renewal />
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
        // While paying, the pay form holds the invoice request.
        {shown(
            move || renewal.with(|r| r.status != Some(RenewalStatus::AwaitingPayment)),
            move || view! {
                <InvoiceFacts renewal=renewal />
            }
            .into_any(),
        )}
        // While paying, the pay panel lists the attempts itself.
        {shown(
            move || !matches!(panel.get(), Panel::Pay { .. }),
            move || view! {
                <Payments renewal=renewal />
            }
            .into_any(),
        )}
        <Timeline renewal=renewal />
        <compromise::CompromiseReport />
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
