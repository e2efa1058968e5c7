//! Money on a renewal: the fee, every payment attempt (with what a bank transfer
//! declared), finance's reconciliation of pending transfers (已到账 / 未到账), the refund
//! (标记已退款) and the invoice (发票已开具).

use leptos::prelude::*;
use protocol::payment::{InvoiceStatus, PaymentMethod, PaymentStatus, RefundStatus};
use protocol::renewal::RenewalStatus;

use crate::admin::actions::{Actions, Call};
use crate::admin::model::{BankTransfer, ReviewView};
use crate::admin::renewal_labels::{
    invoice_kind_key, invoice_status_key, method_key, payment_status, refund_status_key,
};
use crate::admin::rules::{Act, is_paid_state};
use crate::admin::staff::use_staff;
use crate::admin::ui::{Fact, Live, LiveText, Refusal, fact, facts, head, row};
use crate::format;
use crate::i18n::{Lang, use_i18n};
use crate::models::{Invoice, Payment, Refund};

/// The note's most characters (kept short; it goes into the audit row).
const NOTE_MAX: usize = 200;

/// A hint shown where finance's buttons are disabled for another role.
#[component]
fn FinanceOnly() -> impl IntoView {
    let i18n = use_i18n();
    let staff = use_staff();
    view! {
        <Show when=move || !staff.may_finance()>
            <p class="muted small finance-only">{i18n.text("admin.finance.role_note")}</p>
        </Show>
    }
}

/// Fee, total and the payment attempts, with the reconciliation of pending transfers.
#[component]
pub fn PaymentsSection(v: ReviewView, acts: Actions) -> impl IntoView {
    let i18n = use_i18n();
    let r = v.renewal;
    let months = r.months.to_string();
    let fee_lines = r.fee_lines.clone();
    let total = r.total_fen;
    let pending: Vec<Payment> = r
        .payments
        .iter()
        .filter(|p| p.method == PaymentMethod::BankTransfer && p.status == PaymentStatus::Pending)
        .cloned()
        .collect();
    let payments = r.payments.clone();
    let mut rows = vec![fact(
        "admin.field.months",
        Live(i18n).tf_fact("admin.pay.months", "n", months),
    )];
    rows.extend(fee_lines.into_iter().map(|line| {
        let name: LiveText = Box::new(move || {
            if i18n.lang() == Lang::En {
                line.name_en.clone()
            } else {
                line.name_zh.clone()
            }
        });
        row(Fact::Live(name), Fact::Text(format::money(line.fen)))
    }));
    rows.push(
        fact("admin.field.total", Fact::Strong(format::money(total)))
            .id("admin-total")
            .fen(total),
    );
    view! {
        <section id="payments" aria-labelledby="payments-title">
            <h2 id="payments-title">{i18n.text("admin.pay.title")}</h2>
            {facts(None, None, None, rows)}
            <h3>{i18n.text("admin.pay.attempts")}</h3>
            {if payments.is_empty() {
                view! { <p class="muted">{i18n.text("admin.pay.none")}</p> }.into_any()
            } else {
                view! { <PaymentsTable payments=payments /> }.into_any()
            }}
            {pending.into_iter().map(|p| view! { <ReconcileCard p=p total=total acts=acts /> }).collect_view()}
        </section>
    }
}

#[component]
fn PaymentsTable(payments: Vec<Payment>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="table-wrap">
            <table id="payments-table">
                {head(&[
                    "admin.pay.out_trade_no",
                    "admin.pay.method",
                    "admin.field.status",
                    "admin.pay.amount",
                    "admin.pay.started",
                    "admin.pay.paid_at",
                    "admin.pay.declared",
                ])}
                <tbody>
                    {payments
                        .into_iter()
                        .map(|p| {
                            let method = p.method.clone();
                            let status = p.status.clone();
                            let (status_key, badge) = p.status.known().map_or((None, "badge"), |s| {
                                let (key, badge) = payment_status(s);
                                (Some(key), badge)
                            });
                            let declared = p.bank_transfer.as_ref().map(BankTransfer::from_value);
                            view! {
                                <tr data-out-trade-no=p.out_trade_no.clone() data-status=p.status.to_string()>
                                    <td class="nowrap"><code>{p.out_trade_no.clone()}</code></td>
                                    <td>{Live(i18n).named(&method, method_key)}</td>
                                    <td>
                                        <span class=badge>{Live(i18n).label(status_key, status.as_str().to_owned())}</span>
                                    </td>
                                    <td class="nowrap num">{format::money(p.amount_fen)}</td>
                                    <td class="nowrap">{format::date_time(&p.created_at)}</td>
                                    <td class="nowrap">{p.paid_at.as_deref().map(format::date_time).unwrap_or_default()}</td>
                                    <td class="small">{declared.map(|bt| view! { <TransferFacts bt=bt /> })}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// What the customer declared for a bank transfer.
#[component]
fn TransferFacts(bt: BankTransfer) -> impl IntoView {
    let mut rows = vec![
        fact("admin.bt.payer_name", Fact::Text(bt.payer_name)),
        fact("admin.bt.payer_account", Fact::Text(bt.payer_account)),
        fact("admin.bt.amount", Fact::Text(format::money(bt.amount_fen))),
        fact("admin.bt.paid_on", Fact::Text(bt.paid_on)),
    ];
    if !bt.note.is_empty() {
        rows.push(fact("admin.bt.note", Fact::Text(bt.note)));
    }
    facts(None, None, None, rows)
}

/// One pending bank transfer for finance: what was declared, a note, 已到账 / 未到账.
#[component]
fn ReconcileCard(p: Payment, total: i64, acts: Actions) -> impl IntoView {
    let i18n = use_i18n();
    let staff = use_staff();
    let otn = p.out_trade_no.clone();
    let bt = p
        .bank_transfer
        .as_ref()
        .map(BankTransfer::from_value)
        .unwrap_or_default();
    let mismatch = bt.amount_fen != total;
    let note_id = format!("reconcile-note-{otn}");
    let may = move || staff.may_finance();
    let send = {
        let otn = otn.clone();
        move |received: bool| {
            let note = acts.note(&otn);
            acts.run(
                Call::Reconcile {
                    out_trade_no: otn.clone(),
                    received,
                    note,
                },
                staff,
                0,
            )
        }
    };
    let send2 = send.clone();
    let (otn_a, otn_b, otn_c, otn_d, otn_e, otn_f) = (
        otn.clone(),
        otn.clone(),
        otn.clone(),
        otn.clone(),
        otn.clone(),
        otn.clone(),
    );
    let otn_fail = otn.clone();
    view! {
        <div class="card reconcile" data-out-trade-no=otn.clone()>
            <h3>{i18n.text("admin.bt.title")} " " <code>{otn.clone()}</code></h3>
            <TransferFacts bt=bt />
            {mismatch
                .then(|| {
                    view! {
                        <div class="notice warn">
                            <p>{move || i18n.tf("admin.bt.mismatch", &[("total", &format::money(total))])}</p>
                        </div>
                    }
                })}
            <p class="muted small">{i18n.text("admin.bt.hint")}</p>
            <div class="field">
                <label for=note_id.clone()>{i18n.text("admin.bt.reconcile_note")}</label>
                <input
                    id=note_id
                    type="text"
                    class="reconcile-note"
                    data-out-trade-no=otn.clone()
                    maxlength=NOTE_MAX.to_string()
                    disabled=move || !may()
                    prop:value=move || acts.note(&otn_a)
                    on:input=move |ev| acts.set_note(&otn_b, event_target_value(&ev))
                />
            </div>
            <div class="actions">
                <button
                    type="button"
                    class="primary reconcile-received"
                    data-out-trade-no=otn.clone()
                    disabled=move || !may() || acts.any_busy()
                    aria-busy=move || acts.is_busy(Act::Received, &otn_c).to_string()
                    on:click=move |_| send(true)
                >
                    {move || {
                        if acts.is_busy(Act::Received, &otn_d) { i18n.t("admin.busy") } else { i18n.t("admin.bt.received") }
                    }}
                </button>
                <button
                    type="button"
                    class="danger reconcile-missing"
                    data-out-trade-no=otn.clone()
                    disabled=move || !may() || acts.any_busy()
                    aria-busy=move || acts.is_busy(Act::Missing, &otn_e).to_string()
                    on:click=move |_| send2(false)
                >
                    {move || {
                        if acts.is_busy(Act::Missing, &otn_f) { i18n.t("admin.busy") } else { i18n.t("admin.bt.missing") }
                    }}
                </button>
            </div>
            <FinanceOnly />
            {move || {
                acts.failure_of(&[Act::Received, Act::Missing], &otn_fail)
                    .map(|f| view! { <Refusal error=f.error explain=f.explain /> })
            }}
        </div>
    }
}

/// The invoice request and 发票已开具.
#[component]
pub fn InvoiceSection(
    invoice: Option<Invoice>,
    no: String,
    status: Option<RenewalStatus>,
    acts: Actions,
) -> impl IntoView {
    let i18n = use_i18n();
    let staff = use_staff();
    let Some(inv) = invoice else {
        return view! {
            <section id="invoice" aria-labelledby="invoice-title">
                <h2 id="invoice-title">{i18n.text("admin.invoice.title")}</h2>
                <p class="muted">{i18n.text("admin.invoice.none")}</p>
            </section>
        }
        .into_any();
    };
    let requested = inv.status == InvoiceStatus::Requested;
    let paid = is_paid_state(status);
    let kind = inv.kind.clone();
    let inv_status = inv.status.clone();
    let may = move || staff.may_finance();
    let (no_a, no_b, no_c) = (no.clone(), no.clone(), no.clone());
    let issue = move |_| acts.run(Call::Invoice(no_a.clone()), staff, 0);
    view! {
        <section id="invoice" aria-labelledby="invoice-title">
            <h2 id="invoice-title">{i18n.text("admin.invoice.title")}</h2>
            {facts(
                None,
                None,
                None,
                vec![
                    fact("admin.invoice.kind", Live(i18n).named_fact(&kind, invoice_kind_key)),
                    fact("admin.invoice.invoice_title", Fact::Text(inv.title.clone())),
                    fact(
                        "admin.invoice.taxpayer_id",
                        Fact::Text(inv.taxpayer_id.clone().filter(|t| !t.is_empty()).unwrap_or_else(|| "—".to_owned())),
                    ),
                    fact(
                        "admin.field.status",
                        Fact::Badge {
                            class: if requested { "badge warn" } else { "badge ok" },
                            id: Some("invoice-state"),
                            status: Some(inv.status.to_string()),
                            text: Box::new(Live(i18n).named(&inv_status, invoice_status_key)),
                        },
                    ),
                ],
            )}
            {requested
                .then(|| {
                    view! {
                        {(!paid).then(|| view! { <p class="muted small">{i18n.text("admin.invoice.not_paid")}</p> })}
                        <div class="actions">
                            <button
                                id="invoice-issued"
                                type="button"
                                class="primary"
                                disabled=move || !may() || !paid || acts.any_busy()
                                aria-busy=move || acts.is_busy(Act::InvoiceIssued, &no_b).to_string()
                                on:click=issue
                            >
                                {move || {
                                    if acts.is_busy(Act::InvoiceIssued, &no_c) {
                                        i18n.t("admin.busy")
                                    } else {
                                        i18n.t("admin.invoice.issued")
                                    }
                                }}
                            </button>
                        </div>
                        <FinanceOnly />
                    }
                })}
            {move || {
                acts.failure_of(&[Act::InvoiceIssued], &no)
                    .map(|f| view! { <Refusal error=f.error explain=f.explain /> })
            }}
        </section>
    }
    .into_any()
}

/// The latest refund and 标记已退款.
#[component]
pub fn RefundSection(refund: Option<Refund>, acts: Actions) -> impl IntoView {
    let i18n = use_i18n();
    let staff = use_staff();
    let Some(refund) = refund else {
        return view! {
            <section id="refund" aria-labelledby="refund-title">
                <h2 id="refund-title">{i18n.text("admin.refund.title")}</h2>
                <p class="muted">{i18n.text("admin.refund.none")}</p>
            </section>
        }
        .into_any();
    };
    let pending = refund.status == RefundStatus::Pending;
    let no = refund.refund_no.clone();
    let status = refund.status.clone();
    let may = move || staff.may_finance();
    let (no_a, no_b, no_c) = (no.clone(), no.clone(), no.clone());
    let done = move |_| acts.run(Call::RefundDone(no_a.clone()), staff, 0);
    view! {
        <section id="refund" aria-labelledby="refund-title">
            <h2 id="refund-title">{i18n.text("admin.refund.title")}</h2>
            {facts(
                None,
                None,
                None,
                vec![
                    fact("admin.refund.no", Fact::Code(no.clone())),
                    fact("admin.pay.amount", Fact::Text(format::money(refund.amount_fen))),
                    fact(
                        "admin.field.status",
                        Fact::Badge {
                            class: if pending { "badge warn" } else { "badge ok" },
                            id: Some("admin-refund-state"),
                            status: Some(refund.status.to_string()),
                            text: Box::new(Live(i18n).named(&status, refund_status_key)),
                        },
                    ),
                ],
            )}
            {pending
                .then(|| {
                    view! {
                        <p class="muted small">{i18n.text("admin.refund.hint")}</p>
                        <div class="actions">
                            <button
                                type="button"
                                class="primary refund-done"
                                data-refund-no=no.clone()
                                disabled=move || !may() || acts.any_busy()
                                aria-busy=move || acts.is_busy(Act::RefundDone, &no_b).to_string()
                                on:click=done
                            >
                                {move || {
                                    if acts.is_busy(Act::RefundDone, &no_c) { i18n.t("admin.busy") } else { i18n.t("admin.refund.done") }
                                }}
                            </button>
                        </div>
                        <FinanceOnly />
                    }
                })}
            {move || {
                acts.failure_of(&[Act::RefundDone], &no)
                    .map(|f| view! { <Refusal error=f.error explain=f.explain /> })
            }}
        </section>
    }
    .into_any()
}
