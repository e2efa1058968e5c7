//! The order's panels that are not forms: under review, done, closed.

use leptos::prelude::*;
use protocol::payment::{InvoiceKind, InvoiceStatus};
use protocol::renewal::RenewalStatus;

use crate::components::{live, live_text};
use crate::format;
use crate::i18n::use_i18n;
use crate::models::Renewal;

/// `#return-to-platform` (返回平台) when the relying platform gave a way back.
#[component]
pub fn ReturnLink(#[prop(into)] renewal: Signal<Renewal>) -> impl IntoView {
    let i18n = use_i18n();
    live(move || {
        renewal
            .get()
            .return_url
            .filter(|u| !u.is_empty())
            .map(|url| {
                view! {
                    <a id="return-to-platform" class="btn primary" href=url>
                        {i18n.text("order.return_to_platform")}
                    </a>
                }
            })
            .into_any()
    })
}

/// 审核中: paid, the CA's reviewers at work.
#[component]
pub fn ReviewView(#[prop(into)] renewal: Signal<Renewal>) -> impl IntoView {
    let i18n = use_i18n();
    // Distinct reviewers who approved so far (a project may need more than one).
    let approvals = move || {
        let n = renewal.with(|r| r.approvals);
        (n > 0).then(|| i18n.tf("order.review.approvals", &[("n", &n.to_string())]))
    };
    view! {
        <section id="review-panel" aria-labelledby="review-title">
            <h2 id="review-title">{i18n.text("order.review.title")}</h2>
            <p>{i18n.text("order.review.text")}</p>
            {live(move || approvals().map(|a| view! { <p id="approvals">{a}</p> }).into_any())}
        </section>
    }
}

/// `#install-done`: renewed, with the new validity.
#[component]
pub fn DoneView(#[prop(into)] renewal: Signal<Renewal>) -> impl IntoView {
    let i18n = use_i18n();
    let not_after = live_text(move || {
        renewal
            .with(|r| r.certificate.as_ref().map(|c| c.not_after.clone()))
            .map(|t| format::date(&t))
            .unwrap_or_default()
    });
    let invoice = live(move || {
        renewal
            .with(|r| r.invoice.clone())
            .map(|inv| {
                let issued = inv.status == InvoiceStatus::Issued;
                let paper = inv.kind == InvoiceKind::Paper;
                view! {
                    <p class="muted">
                        {live_text(move || match (issued, paper) {
                            (true, true) => i18n.t("order.done.invoice_paper_issued"),
                            (true, false) => i18n.t("order.done.invoice_electronic_issued"),
                            (false, true) => i18n.t("order.done.invoice_paper_pending"),
                            (false, false) => i18n.t("order.done.invoice_electronic_pending"),
                        }.to_owned())}
                    </p>
                }
            })
            .into_any()
    });
    view! {
        <section id="install-done" aria-labelledby="done-title">
            <h2 id="done-title">{i18n.text("order.done.title")}</h2>
            <div class="notice ok" role="status">
                <p>{i18n.text("order.done.text")}</p>
                <p>
                    {i18n.text("order.done.new_not_after")}
                    " "
                    <strong id="new-not-after">{not_after}</strong>
                </p>
            </div>
            <p>{i18n.text("order.done.pin_unchanged")}</p>
            {invoice}
            <div class="actions">
                <ReturnLink renewal=renewal />
                <a class="btn" href="/">{i18n.text("order.my_certificates")}</a>
            </div>
        </section>
    }
}

/// Cancelled, expired or rejected: what happened and where to go.
#[component]
pub fn ClosedView(#[prop(into)] renewal: Signal<Renewal>) -> impl IntoView {
    let i18n = use_i18n();
    let text = live_text(move || match renewal.with(|r| r.status) {
        Some(RenewalStatus::Cancelled) => i18n.t("order.closed.cancelled").to_owned(),
        Some(RenewalStatus::Expired) => i18n.t("order.closed.expired").to_owned(),
        _ => i18n.t("order.closed.rejected").to_owned(),
    });
    view! {
        <section id="closed-panel" aria-labelledby="closed-title">
            <h2 id="closed-title">{i18n.text("order.closed.title")}</h2>
            <p>{text}</p>
            <div class="actions">
                <ReturnLink renewal=renewal />
                <a class="btn" href="/">{i18n.text("order.my_certificates")}</a>
            </div>
        </section>
    }
}

/// Whether the pay page's note is kept: the JSON `true` it wrote, compared as text (no
/// JSON reader of a `bool` for this alone).
fn flashed(key: &str) -> bool {
    web_sys::window()
        .and_then(|w| w.session_storage().ok().flatten())
        .and_then(|s| s.get_item(key).ok().flatten())
        .is_some_and(|v| v.trim() == "true")
}

/// "An earlier payment was found: you were not charged again" (`#already-paid`), once,
/// after the pay page found an earlier attempt paid: the pay panel is gone by then (the
/// renewal left the pay stage), so the overview renders this where it was.
pub fn payment_flash(business_no: &str) -> impl IntoView + use<> {
    let i18n = use_i18n();
    let key = crate::pages::pay::flash_key(business_no);
    let show = flashed(&key);
    crate::storage::forget(&key);
    show.then(|| {
        view! {
            <div class="notice ok" id="already-paid" role="status">
                <p>{i18n.text("pay.already_paid")}</p>
            </div>
        }
    })
}
