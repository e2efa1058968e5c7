//! The order itself: 业务单号, state, the certificate, the fee, the invoice request,
//! and, when it went wrong, the rejection and the refund.

use leptos::prelude::*;
use protocol::payment::{InvoiceKind, InvoiceStatus, RefundStatus};
use protocol::renewal::RenewalStatus;

use crate::coded::Coded;
use crate::components::{live, live_text};
use crate::format;
use crate::i18n::{I18n, Lang, use_i18n};
use crate::models::{Invoice, Renewal};

/// A renewal state in words (empty for one this page does not know).
pub fn status_text(i18n: I18n, status: Option<RenewalStatus>) -> String {
    use RenewalStatus as S;
    let Some(status) = status else {
        return String::new();
    };
    let key = match status {
        S::AwaitingPayment => "order.status.awaiting_payment",
        S::AwaitingReconciliation => "order.status.awaiting_reconciliation",
        S::InReview => "order.status.in_review",
        S::Approved => "order.status.approved",
        S::Issued => "order.status.issued",
        S::Completed => "order.status.completed",
        S::Cancelled => "order.status.cancelled",
        S::Rejected => "order.status.rejected",
        S::Expired => "order.status.expired",
    };
    i18n.t(key).to_owned()
}

/// The badge colour of a state.
pub fn status_class(status: Option<RenewalStatus>) -> &'static str {
    use RenewalStatus as S;
    match status {
        Some(S::Completed) => "badge ok",
        Some(S::Cancelled | S::Rejected | S::Expired) => "badge bad",
        Some(S::AwaitingPayment | S::Approved | S::Issued) => "badge warn",
        Some(S::AwaitingReconciliation | S::InReview) | None => "badge info",
    }
}

/// The operator's name from the signed application, if readable.
fn operator_name(r: &Renewal) -> Option<String> {
    r.application
        .get("operator")?
        .get("name")?
        .as_str()
        .map(str::to_owned)
}

/// 业务单号, state and the order's facts.
#[component]
pub fn Summary(#[prop(into)] renewal: Signal<Renewal>) -> impl IntoView {
    let i18n = use_i18n();
    let r = move || renewal.get();
    let fee_rows = live(move || {
        let r = r();
        let zh = i18n.lang() == Lang::Zh;
        r.fee_lines
            .into_iter()
            .map(|line| {
                let name = if zh { line.name_zh } else { line.name_en };
                view! {
                    <tr>
                        <td>{name}</td>
                        <td class="num">{format::money(line.fen)}</td>
                    </tr>
                }
            })
            .collect_view()
            .into_any()
    });
    view! {
        <dl class="facts">
            <dt>{i18n.text("order.business_no")}</dt>
            <dd id="business-no">{live_text(move || r().business_no)}</dd>
            <dt>{i18n.text("order.status")}</dt>
            <dd>
                <span
                    id="renewal-status"
                    data-status=move || r().status.map(RenewalStatus::as_str)
                    class=move || status_class(r().status)
                >
                    {live_text(move || status_text(i18n, r().status))}
                </span>
            </dd>
            <dt>{i18n.text("order.subject")}</dt>
            <dd>{live_text(move || r().subject)}</dd>
            <dt>{i18n.text("order.old_not_after")}</dt>
            <dd>{live_text(move || format::date(&r().old_not_after))}</dd>
            <dt>{i18n.text("order.applied_at")}</dt>
            <dd>{live_text(move || format::date_time(&r().created_at))}</dd>
            <dt>{i18n.text("order.months")}</dt>
            <dd>{live_text(move || i18n.tf("order.months_value", &[("months", &r().months.to_string())]))}</dd>
            {live(move || {
                operator_name(&r())
                    .map(|name| {
                        view! {
                            <dt>{i18n.text("order.operator")}</dt>
                            <dd>{name}</dd>
                        }
                    })
                    .into_any()
            })}
        </dl>
        <div class="table-wrap">
            <table class="fees">
                <caption class="visually-hidden">{i18n.text("order.fees")}</caption>
                <thead>
                    <tr>
                        <th scope="col">{i18n.text("order.fee_item")}</th>
                        <th scope="col" class="num">{i18n.text("order.fee_amount")}</th>
                    </tr>
                </thead>
                <tbody>{fee_rows}</tbody>
                <tfoot>
                    <tr>
                        <th scope="row">{i18n.text("order.total")}</th>
                        <td class="num" id="order-total">
                            <strong>{live_text(move || r().total_display)}</strong>
                        </td>
                    </tr>
                </tfoot>
            </table>
        </div>
    }
}

fn invoice_kind(i18n: I18n, kind: &Coded<InvoiceKind>) -> String {
    match kind.known() {
        Some(InvoiceKind::Electronic) => i18n.t("order.invoice.electronic").to_owned(),
        Some(InvoiceKind::Paper) => i18n.t("order.invoice.paper").to_owned(),
        None => kind.to_string(),
    }
}

fn invoice_status(i18n: I18n, inv: &Invoice) -> (&'static str, &'static str) {
    use InvoiceStatus::Issued;
    match (inv.status.known(), inv.kind.known()) {
        (Some(Issued), Some(InvoiceKind::Paper)) => {
            ("badge ok", i18n.t("order.invoice.issued_paper"))
        }
        (Some(Issued), _) => ("badge ok", i18n.t("order.invoice.issued_electronic")),
        _ => ("badge info", i18n.t("order.invoice.requested")),
    }
}

/// The invoice request and where it stands (nothing before the first payment call).
#[component]
pub fn InvoiceFacts(#[prop(into)] renewal: Signal<Renewal>) -> impl IntoView {
    let i18n = use_i18n();
    live(move || {
        renewal.get().invoice.map(|inv| {
            let kind = inv.kind.clone();
            let taxpayer = inv.taxpayer_id.clone().filter(|t| !t.is_empty());
            let st = inv.clone();
            view! {
                <section aria-labelledby="invoice-title" id="invoice" data-status=inv.status.clone()>
                    <h2 id="invoice-title">{i18n.text("order.invoice")}</h2>
                    <dl class="facts">
                        <dt>{i18n.text("order.invoice.kind")}</dt>
                        <dd>{live_text(move || invoice_kind(i18n, &kind))}</dd>
                        <dt>{i18n.text("order.invoice.title")}</dt>
                        <dd>{inv.title.clone()}</dd>
                        {taxpayer
                            .map(|t| {
                                view! {
                                    <dt>{i18n.text("order.invoice.taxpayer_id")}</dt>
                                    <dd>{t}</dd>
                                }
                            })}
                        <dt>{i18n.text("order.invoice.status")}</dt>
                        <dd>
                            {live(move || {
                                let (class, text) = invoice_status(i18n, &st);
                                view! { <span class=class>{text}</span> }.into_any()
                            })}
                        </dd>
                    </dl>
                </section>
            }
        })
        .into_any()
    })
}

/// `#rejection-reason` (驳回原因) and `#refund-status` when there are any.
#[component]
pub fn Problems(#[prop(into)] renewal: Signal<Renewal>) -> impl IntoView {
    let i18n = use_i18n();
    let rejection = live(move || {
        let r = renewal.get();
        (r.status == Some(RenewalStatus::Rejected))
            .then(|| {
                let reason = r.rejection_reason.unwrap_or_default();
                view! {
                    <div class="notice error" role="status">
                        <p>
                            <strong>{i18n.text("order.rejection_reason")}</strong>
                            " "
                            <span id="rejection-reason">{reason}</span>
                        </p>
                    </div>
                }
            })
            .into_any()
    });
    let refund = live(move || {
        renewal.get().refund.map(|f| {
            let amount = format::money(f.amount_fen);
            let done = f.status == RefundStatus::Done;
            view! {
                <div class=if done { "notice ok" } else { "notice warn" } role="status">
                    <p id="refund-status" data-status=f.status.clone()>
                        <strong>
                            {live_text(move || if done { i18n.t("order.refund.done") } else { i18n.t("order.refund.pending") }.to_owned())}
                        </strong>
                        " "
                        {live_text(move || i18n.tf("order.refund.amount", &[("amount", &amount)]))}
                    </p>
                    <p class="muted small">
                        {live_text(move || if done { i18n.t("order.refund.done_hint") } else { i18n.t("order.refund.pending_hint") }.to_owned())}
                    </p>
                </div>
            }
        })
        .into_any()
    });
    view! {
        {rejection}
        {refund}
    }
}
