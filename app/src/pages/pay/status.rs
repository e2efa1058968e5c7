//! Where the payment stands: the latest attempt (pending after the gateway, failed or
//! closed), a declared bank transfer awaiting finance, and the attempts so far.

use leptos::prelude::*;
use protocol::payment::{PaymentMethod, PaymentStatus};
use serde_json::Value;

use super::form::FailedAttempt;
use super::logic::{METHODS, latest};
use super::wechat_qr::{WechatQr, is_wechat_code};
use crate::coded::Coded;
use crate::components::live_text;
use crate::format;
use crate::i18n::{I18n, use_i18n};
use crate::models::{Payment, Renewal};

/// The method's words.
pub fn method_text(i18n: I18n, method: &Coded<PaymentMethod>) -> String {
    METHODS
        .iter()
        .find(|(m, _)| *method == *m)
        .map_or_else(|| method.to_string(), |(_, key)| i18n.t(key).to_owned())
}

fn status_text(i18n: I18n, status: &Coded<PaymentStatus>) -> String {
    let key = match status.known() {
        Some(PaymentStatus::Pending) => "pay.attempt.pending",
        Some(PaymentStatus::Paid) => "pay.attempt.paid",
        Some(PaymentStatus::Failed) => "pay.attempt.failed",
        Some(PaymentStatus::Closed) => "pay.attempt.closed",
        Some(PaymentStatus::Refunded) => "pay.attempt.refunded",
        None => return status.to_string(),
    };
    i18n.t(key).to_owned()
}

/// The notice about the latest attempt while the renewal waits for payment: pending
/// (`#payment-pending`: WeChat's code, or the gateway's page to go back to), or
/// failed/closed ([`FailedAttempt`]).
#[component]
pub fn LatestAttempt(renewal: Renewal) -> impl IntoView {
    let i18n = use_i18n();
    let Some(p) = latest(&renewal).cloned() else {
        return ().into_any();
    };
    let transfer = p.method == PaymentMethod::BankTransfer;
    match p.status.known() {
        Some(PaymentStatus::Pending)
            if !transfer && p.pay_url.as_deref().is_some_and(is_wechat_code) =>
        {
            view! {
                <div id="payment-pending" data-out-trade-no=p.out_trade_no.clone()>
                    <WechatQr
                        code_url=p.pay_url.clone().unwrap_or_default()
                        amount=renewal.total_display.clone()
                    />
                    <p class="small">{i18n.text("pay.pending.again")}</p>
                </div>
            }
            .into_any()
        }
        Some(PaymentStatus::Pending) if !transfer => {
            let continue_link = p.pay_url.clone().map(|url| {
                view! {
                    <p>
                        <a class="continue-payment" href=url>{i18n.text("pay.pending.continue")}</a>
                    </p>
                }
            });
            view! {
                <div class="notice warn" id="payment-pending" role="status" aria-live="polite" data-out-trade-no=p.out_trade_no.clone()>
                    <p>
                        <strong>{i18n.text("pay.pending.title")}</strong>
                    </p>
                    <p>{i18n.text("pay.pending.text")}</p>
                    <p class="small">{i18n.text("pay.pending.again")}</p>
                    {continue_link}
                </div>
            }
            .into_any()
        }
        _ => view! { <FailedAttempt renewal /> }.into_any(),
    }
}

fn field(v: &Option<Value>, name: &str) -> String {
    v.as_ref()
        .and_then(|v| v.get(name))
        .map(|x| match x {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .unwrap_or_default()
}

/// A declared bank transfer awaiting finance's confirmation.
#[component]
pub fn AwaitingReconciliation(renewal: Renewal) -> impl IntoView {
    let i18n = use_i18n();
    let declared: Option<Payment> = renewal
        .payments
        .iter()
        .rev()
        .find(|p| p.method == PaymentMethod::BankTransfer && p.status == PaymentStatus::Pending)
        .cloned();
    let t = declared.and_then(|p| p.bank_transfer);
    let amount = t
        .as_ref()
        .and_then(|v| v.get("amount_fen"))
        .and_then(Value::as_i64)
        .map_or_else(|| renewal.total_display.clone(), format::money);
    let account = field(&t, "payer_account");
    let name = field(&t, "payer_name");
    let date = field(&t, "paid_on");
    let note = field(&t, "note");
    view! {
        <div id="awaiting-reconciliation">
            <div class="notice" role="status">
                <p>
                    <strong>{i18n.text("pay.reconcile.title")}</strong>
                </p>
                <p>{i18n.text("pay.reconcile.text")}</p>
            </div>
            <dl class="facts" id="declared-transfer">
                <dt>{i18n.text("pay.bt.account")}</dt>
                <dd>{account}</dd>
                <dt>{i18n.text("pay.bt.name")}</dt>
                <dd>{name}</dd>
                <dt>{i18n.text("pay.bt.amount")}</dt>
                <dd>{amount}</dd>
                <dt>{i18n.text("pay.bt.date")}</dt>
                <dd>{date}</dd>
                <dt>{i18n.text("pay.bt.note")}</dt>
                <dd>{note}</dd>
            </dl>
        </div>
    }
}

/// The attempts so far (支付记录), newest first.
#[component]
pub fn Attempts(renewal: Renewal) -> impl IntoView {
    let i18n = use_i18n();
    if renewal.payments.is_empty() {
        return ().into_any();
    }
    let mut rows = renewal.payments.clone();
    rows.sort_by(|a, b| b.created_at.cmp(&a.created_at));
    let n = rows.len().to_string();
    view! {
        <details class="payments" id="payment-attempts">
            <summary>{live_text(move || i18n.tf("pay.attempts.title", &[("n", &n)]))}</summary>
            <div class="table-wrap">
                <table>
                    <thead>
                        <tr>
                            <th scope="col">{i18n.text("pay.attempts.no")}</th>
                            <th scope="col">{i18n.text("pay.attempts.method")}</th>
                            <th scope="col">{i18n.text("pay.attempts.amount")}</th>
                            <th scope="col">{i18n.text("pay.attempts.status")}</th>
                            <th scope="col">{i18n.text("pay.attempts.created")}</th>
                        </tr>
                    </thead>
                    <tbody>
                        {rows
                            .iter()
                            .map(|p| {
                                let method = p.method.clone();
                                let status = p.status.clone();
                                view! {
                                    <tr data-out-trade-no=p.out_trade_no.clone() data-status=p.status.clone()>
                                        <td class="small">{p.out_trade_no.clone()}</td>
                                        <td>{live_text(move || method_text(i18n, &method))}</td>
                                        <td>{format::money(p.amount_fen)}</td>
                                        <td>{live_text(move || status_text(i18n, &status))}</td>
                                        <td>{format::date_time(&p.created_at)}</td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
            </div>
        </details>
    }
    .into_any()
}
