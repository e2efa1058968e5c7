//! 缴费: the pay panel the order page shows while a renewal waits for payment
//! (`awaiting_payment`) or for finance to confirm a bank transfer
//! (`awaiting_reconciliation`). Paying online leaves for the gateway, which comes back
//! to `/renewals/{no}?from=gateway`; the order page's polling then shows the result.
//!
//! Layout: `logic` (pure: draft, checks, body, field paths), `state` (signals and the
//! kept draft), `form` (the failed attempt's notice; method, invoice, transfer, pay
//! button: `/renewals/{no}/pay`), `status` (the attempt under way, declared transfer,
//! attempts: `/renewals/{no}/paying`), `cancel` (撤销申请), `wechat_qr` (WeChat Pay's
//! code to scan, on `/renewals/{no}/paying`: no redirect), `qr` (a QR code as SVG,
//! also the expired path's printed form's).

mod cancel;
mod form;
mod logic;
pub mod qr;
mod state;
mod status;
mod wechat_qr;

use crate::resource::Resource;
use leptos::prelude::*;
use protocol::renewal::RenewalStatus;

use self::cancel::CancelRenewal;
use self::form::{FailedAttempt, PaymentForm};
pub(crate) use self::logic::latest;
use self::state::{Busy, PayForm};
use self::status::{Attempts, AwaitingReconciliation, LatestAttempt};
use crate::api;
use crate::components::{ErrorNotice, Loading, live, shown};
use crate::error::AppError;
use crate::i18n::use_i18n;
use crate::models::{Project, Renewal};
use crate::state::use_app_state;
use crate::storage;

/// Where the pay page notes that paying found an earlier attempt paid, for the
/// overview's `payment_flash` (`order/outcome.rs`) to say once the order has moved on
/// (session storage: the overview is another page load).
pub(crate) fn flash_key(business_no: &str) -> String {
    format!("certrenew.pay.flash.{business_no}")
}

/// Notes that paying found an earlier attempt paid (see [`flash_key`]).
fn flash_already_paid(business_no: &str) {
    storage::save(&flash_key(business_no), &true);
}

/// "An earlier payment was found: you were not charged again" (`#already-paid`) while
/// `already_paid` holds: under the pay form, and in its place once the panel has moved on.
fn already_paid_notice(already_paid: RwSignal<bool>) -> AnyView {
    let i18n = use_i18n();
    shown(
        move || already_paid.get(),
        move || {
            view! {
                <div class="notice ok" id="already-paid" role="status">
                    <p>{i18n.text("pay.already_paid")}</p>
                </div>
            }
            .into_any()
        },
    )
    .into_any()
}

/// `/renewals/{no}/pay`'s panel, for a renewal waiting for payment: the failed
/// attempt's notice, the form, cancelling; `on_update` gets the renewal after any change
/// made here (an earlier payment found, a cancellation). An attempt under way (WeChat's
/// code, a gateway left open), a declared transfer and the attempts are on
/// `/renewals/{no}/paying` ([`PayingPanel`]), its own bundle.
#[component]
pub fn PayPanel(renewal: Renewal, #[prop(into)] on_update: Callback<Renewal>) -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app_state();
    let id = renewal.project.clone();
    // The projects the app already loaded answer at once; otherwise ask the server.
    let cached = {
        let id = id.clone();
        move || {
            app.projects
                .get()
                .and_then(Result::ok)
                .and_then(|list| list.into_iter().find(|p| p.id == id))
        }
    };
    let fetched = Resource::new(move || {
        let id = id.clone();
        async move { api::projects::one(&id).await }
    });
    let project: Memo<Option<Result<Project, AppError>>> =
        Memo::new(move |_| cached().map(Ok).or_else(|| fetched.get()));
    let already_paid = RwSignal::new(false);
    let status = renewal.status.map(RenewalStatus::as_str);

    let body = live(move || {
        let project = match project.get() {
            None => return view! { <Loading /> }.into_any(),
            Some(Err(error)) => return view! { <ErrorNotice error /> }.into_any(),
            Some(Ok(p)) => p,
        };
        let r = renewal.clone();
        match r.status {
            Some(RenewalStatus::AwaitingPayment) => {
                let form = PayForm::load(&r, &project);
                let paying = Signal::derive(move || form.busy.get() != Busy::Idle);
                view! {
                    <FailedAttempt renewal=r.clone() />
                    <PaymentForm renewal=r.clone() project form on_update already_paid />
                    <div class="actions">
                        <CancelRenewal
                            business_no=r.business_no.clone()
                            cert_sha256=r.cert_sha256.clone()
                            on_update
                            disabled=paying
                        />
                    </div>
                }
                .into_any()
            }
            _ => already_paid_notice(already_paid),
        }
    });

    view! {
        <section id="pay-panel" aria-labelledby="pay-panel-title" data-status=status>
            <h2 id="pay-panel-title">{i18n.text("pay.title")}</h2>
            {body}
        </section>
    }
}

/// `/renewals/{no}/paying`'s panel: an attempt under way (WeChat's code to scan, or the
/// gateway's page left open) with 重新支付 (`#pay-again`: the form on
/// `/renewals/{no}/pay?again`) and cancelling, or a declared transfer awaiting finance;
/// the attempts so far under either.
#[component]
pub fn PayingPanel(renewal: Renewal, #[prop(into)] on_update: Callback<Renewal>) -> impl IntoView {
    let i18n = use_i18n();
    let status = renewal.status.map(RenewalStatus::as_str);
    let r = renewal.clone();
    let body = match r.status {
        Some(RenewalStatus::AwaitingReconciliation) => view! {
            <AwaitingReconciliation renewal=r.clone() />
            <Attempts renewal=r />
        }
        .into_any(),
        Some(RenewalStatus::AwaitingPayment) => {
            let again = format!("/renewals/{}/pay?again", r.business_no);
            view! {
                <LatestAttempt renewal=r.clone() />
                <div class="actions">
                    <a class="btn primary" id="pay-again" href=again>{i18n.text("pay.button.repay")}</a>
                    <CancelRenewal
                        business_no=r.business_no.clone()
                        cert_sha256=r.cert_sha256.clone()
                        on_update
                        disabled=Signal::stored(false)
                    />
                </div>
                <Attempts renewal=r />
            }
            .into_any()
        }
        _ => ().into_any(),
    };
    view! {
        <section id="pay-panel" aria-labelledby="pay-panel-title" data-status=status>
            <h2 id="pay-panel-title">{i18n.text("pay.title")}</h2>
            {body}
        </section>
    }
}
