//! A renewal's pages beside its detail (`/admin/renewals/{no}/<page>`), each a bundle of
//! its own (`crate::app`) so the detail's stays small (issue 16): the timeline and the
//! audit rows (`history`, in `admin::history`), the money
//! (`finance`: payments and their reconciliation, the invoice, the refund), the
//! certificate (`certificate`: revoking it; a dual renewal's encryption certificates
//! and key recovery) and the expired path's application (`expired`). The detail links
//! each (a full page load; the staff session carries over by its cookie); each shows the
//! renewal's number and status it acts on, and links back to the detail.

use leptos::prelude::*;
use protocol::ErrorCode;
use protocol::renewal::RenewalStatus;

use crate::admin::actions::Actions;
use crate::admin::expired_detail::ExpiredSection;
use crate::admin::finance::{InvoiceSection, PaymentsSection, RefundSection};
use crate::admin::labels::{status_badge, status_key};
use crate::admin::model::{ReviewView, came_expired_way};
use crate::admin::pair::PairSection;
use crate::admin::revoke::RevokePanel;
use crate::admin::session::StaffGate;
use crate::admin::staff::use_staff;
use crate::admin::ui::{Fact, Loader, fact, facts, label};
use crate::api;
use crate::components::{Loaded, live_text};
use crate::i18n::use_i18n;
use crate::models::Renewal;
use crate::router::{A, use_params_map};

/// What a page of one renewal draws from the answer: the renewal, the action state,
/// the loader (to reload after an action).
pub type Body = fn(ReviewView, Actions, Loader<ReviewView>) -> AnyView;

/// One renewal's page, the detail or one of its sub-pages (`admin::renewal_pages`): the
/// staff gate, the renewal loaded by the route's number (a missing one said so), and a
/// link back (a sub-page's to the detail, the detail's to the queue). Each page is a
/// bundle of its own; `body` is a `fn` so a bundle links only its own page's sections.
#[component]
pub fn RenewalPage(body: Body, sub: bool) -> impl IntoView {
    let params = use_params_map();
    let no = Memo::new(move |_| params.with(|p| p.get("no").unwrap_or_default()));
    view! {
        <StaffGate>
            <Detail no=no body=body sub=sub />
        </StaffGate>
    }
}

#[component]
fn Detail(no: Memo<String>, body: Body, sub: bool) -> impl IntoView {
    let i18n = use_i18n();
    let staff = use_staff();
    let loader = Loader::new(
        move || api::admin::renewal_path(&no.get()),
        ReviewView::read,
        staff,
    );
    let acts = Actions::new(Callback::new(move |()| loader.reload()));
    // Another renewal (a link in the audit rows): its own, empty action state.
    Effect::new(move |previous: Option<String>| {
        let n = no.get();
        if previous.as_ref().is_some_and(|p| *p != n) {
            acts.flash.set(None);
            acts.failure.set(None);
            acts.reason.set(String::new());
            acts.reason_error.set(None);
            acts.confirming.set(false);
        }
        n
    });
    let back = if sub {
        view! {
            <a href=move || api::admin::renewal_path(&no.get()) class="back-to-detail">
                {i18n.text("admin.sub.back")}
            </a>
        }
        .into_any()
    } else {
        view! { <A href="/admin">{i18n.text("admin.detail.back")}</A> }.into_any()
    };
    view! {
        <p class="small back">{back}</p>
        <Loaded>
            {move || {
                loader.value.get().map(|answer| match answer {
                    Err(e) if e.code == ErrorCode::NotFound => Ok(view! {
                        <section id="renewal-missing">
                            <h1>{i18n.text("admin.detail.not_found")}</h1>
                            <p>{live_text(move || i18n.tf("admin.detail.not_found_hint", &[("no", &no.get())]))}</p>
                        </section>
                    }
                    .into_any()),
                    Err(e) => Err(e),
                    Ok(v) => Ok(body(v, acts, loader)),
                })
            }}
        </Loaded>
    }
}

/// `/admin/renewals/{no}/finance`.
#[component]
pub fn AdminRenewalFinancePage() -> impl IntoView {
    view! { <RenewalPage body=finance sub=true /> }
}

/// `/admin/renewals/{no}/history`.
#[component]
pub fn AdminRenewalHistoryPage() -> impl IntoView {
    view! { <RenewalPage body=crate::admin::history::history sub=true /> }
}

/// `/admin/renewals/{no}/certificate`.
#[component]
pub fn AdminRenewalCertificatePage() -> impl IntoView {
    view! { <RenewalPage body=certificate sub=true /> }
}

/// `/admin/renewals/{no}/expired`.
#[component]
pub fn AdminRenewalExpiredPage() -> impl IntoView {
    view! { <RenewalPage body=expired sub=true /> }
}

fn finance(v: ReviewView, acts: Actions, loader: Loader<ReviewView>) -> AnyView {
    let r = v.renewal.clone();
    view! {
        <SubHead r=r.clone() title="admin.sub.finance" loader=loader acts=acts />
        <PaymentsSection v=v acts=acts />
        <div class="grid two">
            <InvoiceSection invoice=r.invoice.clone() no=r.business_no.clone() status=r.status acts=acts />
            <RefundSection refund=r.refund.clone() acts=acts />
        </div>
        <BackToDetail no=r.business_no />
    }
    .into_any()
}

fn certificate(v: ReviewView, acts: Actions, loader: Loader<ReviewView>) -> AnyView {
    let r = v.renewal;
    // The newest certificate is the one staff may revoke (docs/revocation.md).
    let serial = r
        .certificate
        .as_ref()
        .map_or_else(|| v.certificate.serial.clone(), |c| c.serial.clone());
    view! {
        <SubHead r=r.clone() title="admin.sub.certificate" loader=loader acts=acts />
        <section id="certificate" aria-labelledby="revoke-title">
            {facts(None, None, None, vec![fact("admin.cert.serial", Fact::Code(serial.clone()))])}
            <RevokePanel serial=serial />
        </section>
        <PairSection renewal=r.clone() />
        <BackToDetail no=r.business_no />
    }
    .into_any()
}

fn expired(v: ReviewView, acts: Actions, loader: Loader<ReviewView>) -> AnyView {
    let r = v.renewal;
    let i18n = use_i18n();
    let none = (!came_expired_way(&r.application)).then(
        || view! { <p class="muted" id="expired-none">{i18n.text("admin.sub.expired_none")}</p> },
    );
    view! {
        <SubHead r=r.clone() title="admin.sub.expired" loader=loader acts=acts />
        {none}
        <ExpiredSection renewal=r.clone() />
        <BackToDetail no=r.business_no />
    }
    .into_any()
}

/// The page's title, and the renewal it acts on: its number and status (as on the
/// detail, `#admin-business-no`, `#admin-renewal-status`), and an action's outcome.
#[component]
pub(crate) fn SubHead(
    r: Renewal,
    title: &'static str,
    loader: Loader<ReviewView>,
    acts: Actions,
) -> impl IntoView {
    let i18n = use_i18n();
    let known = r.status;
    let status = r.status.map(RenewalStatus::as_str).unwrap_or_default();
    view! {
        <section class="admin-detail-head" aria-busy=move || loader.busy.get().to_string()>
            <h1>{i18n.text(title)}</h1>
            <p class="head-facts">
                {i18n.text("admin.field.business_no")} " "
                <span id="admin-business-no">{r.business_no.clone()}</span>
                " · "
                <span id="admin-renewal-status" data-status=status class=status_badge(known)>
                    {live_text(move || label(i18n, known.map(status_key), status))}
                </span>
            </p>
            {acts.result_notice()}
        </section>
    }
}

/// After the page's sections: back to the renewal's detail.
#[component]
pub(crate) fn BackToDetail(no: String) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <p class="back">
            <a href=api::admin::renewal_path(&no) id="back-to-detail">{i18n.text("admin.sub.back")}</a>
        </p>
    }
}
