//! 查询进度: where a renewal stands. The stepper 申请 → 缴费 → 审核 → 安装 → 完成 (the
//! CA client's five steps), the timeline in words and the payment attempts; for a
//! signing and encryption pair, what the install adds, removes and keeps on the token.

use leptos::prelude::*;
use protocol::payment::{PaymentMethod, PaymentStatus};

use crate::coded::Coded;
use crate::components::{live, live_text};
use crate::format;
use crate::i18n::{I18n, use_i18n};
use crate::models::{Payment, Renewal};

mod steps;
pub use steps::{PairSummary, STAGES, StepState, Stepper, stage_time, step_states};
/// The timeline's actions and their texts (a table: one lookup, not a branch each).
const ACTION_TEXTS: [(&str, &str); 24] = [
    ("renewal.submitted", "order.tl.submitted"),
    ("renewal.paid", "order.tl.paid"),
    (
        "renewal.bank_transfer_submitted",
        "order.tl.bank_transfer_submitted",
    ),
    (
        "renewal.bank_transfer_refused",
        "order.tl.bank_transfer_refused",
    ),
    ("renewal.cancelled", "order.tl.cancelled"),
    ("renewal.expired", "order.tl.expired"),
    ("renewal.approval_recorded", "order.tl.approval_recorded"),
    ("renewal.approved", "order.tl.approved"),
    ("renewal.rejected", "order.tl.rejected"),
    ("renewal.issued", "order.tl.issued"),
    ("renewal.reissued", "order.tl.reissued"),
    ("renewal.completed", "order.tl.completed"),
    ("payment.started", "order.tl.payment_started"),
    ("payment.paid", "order.tl.payment_paid"),
    ("payment.failed", "order.tl.payment_failed"),
    ("refund.opened", "order.tl.refund_opened"),
    ("refund.done", "order.tl.refund_done"),
    ("invoice.issued", "order.tl.invoice_issued"),
    ("kmc.generated", "pair.tl.kmc_generated"),
    ("kmc.escrowed", "pair.tl.kmc_escrowed"),
    ("kmc.delivered", "pair.tl.kmc_delivered"),
    ("recovery.requested", "pair.tl.recovery_requested"),
    ("recovery.approved", "pair.tl.recovery_approved"),
    ("recovery.delivered", "pair.tl.recovery_delivered"),
];

/// Who did it, and the text.
const BY_TEXTS: [(&str, &str); 4] = [
    ("user", "order.by.user"),
    ("staff", "order.by.staff"),
    ("gateway", "order.by.gateway"),
    ("system", "order.by.system"),
];

fn text_of(i18n: I18n, table: &[(&str, &'static str)], name: &str) -> Option<&'static str> {
    table
        .iter()
        .find(|(n, _)| *n == name)
        .map(|&(_, key)| i18n.t(key))
}

/// A timeline action in words; `None` for one this page does not know.
pub fn action_text(i18n: I18n, action: &str) -> Option<&'static str> {
    text_of(i18n, &ACTION_TEXTS, action)
}

fn by_text(i18n: I18n, by: &str) -> Option<&'static str> {
    text_of(i18n, &BY_TEXTS, by)
}

/// The timeline: what happened, when, by whom (oldest first, as the server sends it).
#[component]
pub fn Timeline(#[prop(into)] renewal: Signal<Renewal>) -> impl IntoView {
    let i18n = use_i18n();
    let rows = live(move || {
        renewal
            .get()
            .timeline
            .into_iter()
            .map(|e| {
                let action = e.action.clone();
                let by = e.by.clone();
                view! {
                    <li data-action=e.action.clone()>
                        <time datetime=e.at.clone() class="muted small">{format::date_time(&e.at)}</time>
                        " "
                        <span>
                            {live_text(move || action_text(i18n, &action).map(str::to_owned).unwrap_or_else(|| action.clone()))}
                        </span>
                        " "
                        <span class="muted small">
                            {live_text(move || by_text(i18n, &by).map(|b| i18n.tf("order.by", &[("who", b)])).unwrap_or_default())}
                        </span>
                    </li>
                }
            })
            .collect_view()
            .into_any()
    });
    view! {
        <section aria-labelledby="timeline-title">
            <h2 id="timeline-title">{i18n.text("order.timeline")}</h2>
            <ol class="timeline">{rows}</ol>
        </section>
    }
}

/// A payment method in words.
pub fn method_text(i18n: I18n, method: &Coded<PaymentMethod>) -> String {
    let key = match method.known() {
        Some(PaymentMethod::Alipay) => "order.method.alipay",
        Some(PaymentMethod::Unionpay) => "order.method.unionpay",
        Some(PaymentMethod::Wechat) => "order.method.wechat",
        Some(PaymentMethod::BankTransfer) => "order.method.bank_transfer",
        None => return method.to_string(),
    };
    i18n.t(key).to_owned()
}

fn payment_status(i18n: I18n, p: &Payment) -> (&'static str, String) {
    let (class, key) = match p.status.known() {
        Some(PaymentStatus::Pending) => ("warn", "order.payment.pending"),
        Some(PaymentStatus::Paid) => ("ok", "order.payment.paid"),
        Some(PaymentStatus::Failed) => ("bad", "order.payment.failed"),
        Some(PaymentStatus::Closed) => ("info", "order.payment.closed"),
        Some(PaymentStatus::Refunded) => ("info", "order.payment.refunded"),
        None => return ("info", p.status.to_string()),
    };
    (class, i18n.t(key).to_owned())
}

/// The payment attempts (支付记录), when there are any.
#[component]
pub fn Payments(#[prop(into)] renewal: Signal<Renewal>) -> impl IntoView {
    let i18n = use_i18n();
    let table = live(move || {
        let payments = renewal.get().payments;
        if payments.is_empty() {
            return ().into_any();
        }
        let rows = payments
            .into_iter()
            .map(|p| {
                let method = p.method.clone();
                let status_p = p.clone();
                view! {
                    <tr data-out-trade-no=p.out_trade_no.clone() data-status=p.status.clone()>
                        <td>{p.out_trade_no.clone()}</td>
                        <td>{live_text(move || method_text(i18n, &method))}</td>
                        <td>{format::money(p.amount_fen)}</td>
                        <td>
                            {live(move || {
                                let (class, text) = payment_status(i18n, &status_p);
                                view! { <span class=format!("badge {class}")>{text}</span> }.into_any()
                            })}
                        </td>
                        <td>{format::date_time(&p.created_at)}</td>
                        <td>{p.paid_at.as_deref().map(format::date_time).unwrap_or_default()}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <section aria-labelledby="payments-title">
                <h2 id="payments-title">{i18n.text("order.payments")}</h2>
                <div class="table-wrap">
                    <table class="attempts">
                        <thead>
                            <tr>
                                <th scope="col">{i18n.text("order.payment.no")}</th>
                                <th scope="col">{i18n.text("order.payment.method")}</th>
                                <th scope="col">{i18n.text("order.payment.amount")}</th>
                                <th scope="col">{i18n.text("order.payment.status")}</th>
                                <th scope="col">{i18n.text("order.payment.created")}</th>
                                <th scope="col">{i18n.text("order.payment.paid_at")}</th>
                            </tr>
                        </thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
            </section>
        }
        .into_any()
    });
    view! { {table} }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::TimelineEntry;
    use StepState::*;
    use protocol::renewal::RenewalStatus;
    use protocol::stage::Stage;

    fn entry(action: &str, at: &str) -> TimelineEntry {
        TimelineEntry {
            at: at.to_owned(),
            action: action.to_owned(),
            by: "user".to_owned(),
            detail: serde_json::Value::Null,
        }
    }

    #[test]
    fn each_status_maps_to_its_stage() {
        assert_eq!(
            step_states(Some(RenewalStatus::AwaitingPayment)),
            [Done, Current, Todo, Todo, Todo]
        );
        assert_eq!(
            step_states(Some(RenewalStatus::AwaitingReconciliation)),
            [Done, Current, Todo, Todo, Todo]
        );
        assert_eq!(
            step_states(Some(RenewalStatus::InReview)),
            [Done, Done, Current, Todo, Todo]
        );
        assert_eq!(
            step_states(Some(RenewalStatus::Approved)),
            [Done, Done, Done, Current, Todo]
        );
        assert_eq!(
            step_states(Some(RenewalStatus::Issued)),
            [Done, Done, Done, Current, Todo]
        );
        assert_eq!(step_states(Some(RenewalStatus::Completed)), [Done; 5]);
    }

    #[test]
    fn closed_renewals_show_where_they_stopped() {
        assert_eq!(
            step_states(Some(RenewalStatus::Cancelled)),
            [Done, Failed, Todo, Todo, Todo]
        );
        assert_eq!(
            step_states(Some(RenewalStatus::Expired)),
            [Done, Failed, Todo, Todo, Todo]
        );
        assert_eq!(
            step_states(Some(RenewalStatus::Rejected)),
            [Done, Done, Failed, Todo, Todo]
        );
        assert_eq!(step_states(None), [Done, Todo, Todo, Todo, Todo]);
    }

    #[test]
    fn step_times_come_from_the_timeline() {
        let timeline = vec![
            entry("renewal.submitted", "2026-03-01T01:00:00Z"),
            entry("payment.started", "2026-03-01T01:01:00Z"),
            entry("renewal.paid", "2026-03-01T01:02:00Z"),
            entry("renewal.issued", "2026-03-02T01:00:00Z"),
            entry("renewal.reissued", "2026-03-02T02:00:00Z"),
        ];
        assert_eq!(
            stage_time(Stage::Apply, &timeline).as_deref(),
            Some("2026-03-01T01:00:00Z")
        );
        assert_eq!(
            stage_time(Stage::Pay, &timeline).as_deref(),
            Some("2026-03-01T01:02:00Z")
        );
        assert_eq!(stage_time(Stage::Review, &timeline), None);
        assert_eq!(
            stage_time(Stage::Install, &timeline).as_deref(),
            Some("2026-03-02T01:00:00Z")
        );
        assert_eq!(stage_time(Stage::Done, &timeline), None);
        let rejected = vec![entry("renewal.rejected", "2026-03-03T00:00:00Z")];
        assert_eq!(
            stage_time(Stage::Review, &rejected).as_deref(),
            Some("2026-03-03T00:00:00Z")
        );
    }
}
