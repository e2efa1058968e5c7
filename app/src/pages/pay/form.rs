//! The payment form: method (支付方式), invoice (发票), the bank transfer's details
//! (对公转账), and 立即支付 / 重新支付.

use leptos::prelude::*;
use leptos::task::spawn_local;
use protocol::ErrorCode;
use protocol::application::FieldError;
use protocol::payment::{InvoiceKind, PaymentMethod, PaymentStatus};

use super::logic::{self, KINDS, METHODS, input_id, latest, rule_text};
use super::state::{Busy, PayForm};
use super::{already_paid_notice, flash_already_paid};
use crate::api;
use crate::components::{ErrorNotice, live, live_text, shown};
use crate::i18n::{Lang, use_i18n};
use crate::models::{Project, Renewal};
use crate::pages::apply::ui::{FieldErrors, TextField, focus, invalid};

fn pay_rule_text(lang: Lang, e: &FieldError) -> String {
    rule_text(lang, e)
}

/// A group of radios (`input[name=…][value=…]`, ids `<name>-<value>`).
#[component]
fn Radios(
    name: &'static str,
    field: &'static str,
    /// The legend's catalogue key.
    legend: &'static str,
    /// Values offered, in display order, with their catalogue keys.
    options: Vec<(&'static str, &'static str)>,
    value: RwSignal<String>,
    form: PayForm,
) -> impl IntoView {
    let i18n = use_i18n();
    let first = options
        .first()
        .map(|(v, _)| format!("{name}-{v}"))
        .unwrap_or_default();
    view! {
        <fieldset class="field">
            <legend>{i18n.text(legend)}</legend>
            {options
                .into_iter()
                .map(|(v, key)| {
                    let id = format!("{name}-{v}");
                    let for_id = id.clone();
                    view! {
                        <label class="choice" for=for_id>
                            <input
                                type="radio"
                                id=id
                                name=name
                                value=v
                                prop:checked=move || value.get() == v
                                aria-invalid=invalid(form.errors, field)
                                on:change=move |_| {
                                    value.set(v.to_owned());
                                    form.clear(field);
                                }
                            />
                            {i18n.text(key)}
                        </label>
                    }
                })
                .collect_view()}
            <FieldErrors errors=form.errors field control=first text=pay_rule_text />
        </fieldset>
    }
}

/// The notice about the latest attempt when it failed or closed (`#payment-failed`).
#[component]
pub fn FailedAttempt(renewal: Renewal) -> impl IntoView {
    let i18n = use_i18n();
    let Some(p) = latest(&renewal) else {
        return ().into_any();
    };
    let key = match p.status.known() {
        Some(PaymentStatus::Failed) if p.method == PaymentMethod::BankTransfer => {
            "pay.failed.transfer"
        }
        Some(PaymentStatus::Failed | PaymentStatus::Closed) => "pay.failed.online",
        _ => return ().into_any(),
    };
    view! {
        <div class="notice error" id="payment-failed" role="alert" data-out-trade-no=p.out_trade_no.clone()>
            <p>{i18n.text(key)}</p>
        </div>
    }
    .into_any()
}

/// The form, for a renewal waiting for payment.
#[component]
pub fn PaymentForm(
    renewal: Renewal,
    project: Project,
    form: PayForm,
    #[prop(into)] on_update: Callback<Renewal>,
    /// An earlier attempt turned out to be paid.
    already_paid: RwSignal<bool>,
) -> impl IntoView {
    let i18n = use_i18n();
    let no = renewal.business_no.clone();
    let total_fen = renewal.total_fen;
    let repay = !renewal.payments.is_empty();
    let methods: Vec<_> = METHODS
        .iter()
        .copied()
        .filter(|(m, _)| project.payment_methods.iter().any(|x| x == m.as_str()))
        .map(|(m, key)| (m.as_str(), key))
        .collect();
    let kinds: Vec<_> = KINDS
        .iter()
        .copied()
        .filter(|(k, _)| project.invoice_kinds.iter().any(|x| x == k.as_str()))
        .map(|(k, key)| (k.as_str(), key))
        .collect();
    let is_transfer = move || logic::is_transfer(&form.method.get());
    let busy = move || form.busy.get() != Busy::Idle;

    let on_submit = {
        let project = project.clone();
        let no = no.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            if form.busy.get_untracked() != Busy::Idle {
                return;
            }
            form.failure.set(None);
            let draft = untrack(|| form.draft());
            let errors = logic::check(&draft, &project);
            let first = errors
                .first()
                .map(|e| input_id(&e.field, &project).unwrap_or_else(|| "pay".into()));
            form.errors.set(errors);
            if let Some(id) = first {
                focus(&id);
                return;
            }
            form.busy.set(Busy::Paying);
            let body = logic::body(&draft, total_fen);
            let project = project.clone();
            let no = no.clone();
            spawn_local(async move {
                let answer = api::renewals::pay(&no, &body).await;
                match answer {
                    Ok(a) if a.already_paid => {
                        form.busy.set(Busy::Idle);
                        flash_already_paid(&no);
                        already_paid.set(true);
                        on_update.run(a.renewal);
                    }
                    Ok(a) => match a.payment.and_then(|p| p.pay_url) {
                        // WeChat Pay: the code is scanned on `/renewals/{no}/paying`
                        // (no gateway's page; the form may be here for paying again).
                        Some(url) if super::wechat_qr::is_wechat_code(&url) => {
                            form.busy.set(Busy::Idle);
                            on_update.run(a.renewal);
                            crate::router::leave(&format!("/renewals/{no}/paying"), true);
                        }
                        Some(url) => {
                            form.busy.set(Busy::Redirecting);
                            if window().location().set_href(&url).is_err() {
                                form.busy.set(Busy::Idle);
                                form.failure.set(Some(crate::error::AppError::new(
                                    protocol::ErrorCode::Internal,
                                    format!("the payment page could not be opened: {url}"),
                                )));
                            }
                        }
                        None => {
                            form.busy.set(Busy::Idle);
                            on_update.run(a.renewal);
                        }
                    },
                    Err(e) => {
                        form.busy.set(Busy::Idle);
                        if e.code == ErrorCode::ValidationFailed
                            && let Some(fe) = logic::server_error(&e.details, &e.message)
                        {
                            let id = input_id(&fe.field, &project).unwrap_or_else(|| "pay".into());
                            form.errors.set(vec![fe]);
                            focus(&id);
                            return;
                        }
                        // The renewal moved on (e.g. a transfer awaits finance): show where it is.
                        let moved_on = e.code == ErrorCode::IllegalTransition;
                        form.failure.set(Some(e));
                        focus("pay");
                        if moved_on && let Ok(r) = api::renewals::get_one(&no).await {
                            on_update.run(r);
                        }
                    }
                }
            });
        }
    };

    let today = super::state::today();
    let total_display = renewal.total_display.clone();
    let total_for_bt = total_display.clone();
    let no_for_note = no.clone();
    let recipient = renewal
        .application
        .get("recipient")
        .map(|r| {
            let s = |k: &str| {
                r.get(k)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_owned()
            };
            format!("{} {} {}", s("name"), s("mobile"), s("address"))
        })
        .unwrap_or_default();

    let payee = project.payee.clone();
    view! {
        <form id="pay-form" on:submit=on_submit novalidate>
            <Radios name="method" field="method" legend="pay.method.legend" options=methods value=form.method form />
            <p class="muted small">
                {live_text(move || if is_transfer() { i18n.t("pay.method.transfer_hint") } else { i18n.t("pay.method.online_hint") }.to_owned())}
            </p>

            {shown(
                is_transfer,
                move || view! {
                    <section class="card" id="bank-transfer" aria-labelledby="bt-title">
                        <h3 id="bt-title">{i18n.text("pay.bt.title")}</h3>
                        {
                            let payee = payee.clone();
                            live(move || match payee.clone() {
                                Some(p) => {
                                    let zh = i18n.lang() == Lang::Zh;
                                    view! {
                                        <dl class="facts" id="bt-payee">
                                            <dt>{i18n.t("pay.bt.payee_name_label")}</dt>
                                            <dd>{if zh { p.name_zh } else { p.name_en }}</dd>
                                            <dt>{i18n.t("pay.bt.payee_account_label")}</dt>
                                            <dd id="bt-payee-account">{p.account_no}</dd>
                                            <dt>{i18n.t("pay.bt.payee_bank_label")}</dt>
                                            <dd>{if zh { p.bank_zh } else { p.bank_en }}</dd>
                                        </dl>
                                    }
                                    .into_any()
                                }
                                None => view! { <p class="notice warn">{i18n.t("pay.bt.payee_missing")}</p> }.into_any(),
                            })
                        }
                        <p class="small">
                            {
                                let no = no_for_note.clone();
                                live_text(move || i18n.tf("pay.bt.remark", &[("no", &no)]))
                            }
                        </p>
                        <TextField
                            id="bt-account"
                            field="bank_transfer.payer_account"
                            label="pay.bt.account"
                            value=form.bt_account
                            errors=form.errors text=pay_rule_text
                            hint="pay.bt.account_hint"
                            inputmode="numeric"
                            maxlength=40
                        />
                        <TextField
                            id="bt-name"
                            field="bank_transfer.payer_name"
                            label="pay.bt.name"
                            value=form.bt_name
                            errors=form.errors text=pay_rule_text
                            maxlength=100
                        />
                        <div class="field">
                            <label for="bt-amount">{i18n.text("pay.bt.amount")}</label>
                            <input id="bt-amount" type="text" readonly prop:value=total_for_bt.clone() aria-describedby="bt-amount-hint" />
                            <p class="muted small" id="bt-amount-hint">{i18n.text("pay.bt.amount_hint")}</p>
                            <FieldErrors errors=form.errors field="bank_transfer.amount_fen" control="bt-amount" text=pay_rule_text />
                        </div>
                        <TextField
                            id="bt-date"
                            field="bank_transfer.paid_on"
                            label="pay.bt.date"
                            value=form.bt_date
                            errors=form.errors text=pay_rule_text
                            kind="date"
                            max=today.clone()
                        />
                        <div class="field">
                            <label for="bt-note">{i18n.text("pay.bt.note")}</label>
                            <textarea
                                id="bt-note"
                                rows="2"
                                maxlength="200"
                                prop:value=move || form.bt_note.get()
                                on:input=move |ev| {
                                    form.bt_note.set(event_target_value(&ev));
                                    form.clear("bank_transfer.note");
                                }
                                aria-invalid=invalid(form.errors, "bank_transfer.note")
                            ></textarea>
                            <FieldErrors errors=form.errors field="bank_transfer.note" control="bt-note" text=pay_rule_text />
                        </div>
                    </section>
                }
                .into_any(),
            )}

            <section class="card" id="invoice" aria-labelledby="invoice-title-h">
                <h3 id="invoice-title-h">{i18n.text("pay.invoice.title")}</h3>
                <Radios name="invoice-kind" field="invoice.kind" legend="pay.invoice.kind" options=kinds value=form.kind form />
                {shown(
                    move || logic::is_kind(&form.kind.get(), InvoiceKind::Paper),
                    move || view! {
                        <p class="muted small" id="paper-recipient">
                            {
                                let r = recipient.clone();
                                live_text(move || i18n.tf("pay.invoice.paper_to", &[("recipient", &r)]))
                            }
                        </p>
                    }
                    .into_any(),
                )}
                <TextField
                    id="invoice-title"
                    field="invoice.title"
                    label="pay.invoice.title_label"
                    value=form.title
                    errors=form.errors text=pay_rule_text
                    hint="pay.invoice.title_hint"
                    maxlength=100
                />
                <div class="field">
                    <label for="taxpayer-id">
                        {i18n.text("pay.invoice.taxpayer")}
                        {live_text(move || if logic::is_kind(&form.kind.get(), InvoiceKind::Electronic) { i18n.t("pay.invoice.required") } else { "" }.to_owned())}
                    </label>
                    <input
                        id="taxpayer-id"
                        name="taxpayer-id"
                        type="text"
                        autocomplete="off"
                        autocapitalize="characters"
                        spellcheck="false"
                        maxlength="20"
                        prop:value=move || form.taxpayer_id.get()
                        on:input=move |ev| {
                            form.taxpayer_id.set(event_target_value(&ev));
                            form.clear("invoice.taxpayer_id");
                        }
                        aria-invalid=invalid(form.errors, "invoice.taxpayer_id")
                        aria-describedby="taxpayer-id-hint"
                    />
                    <p class="muted small" id="taxpayer-id-hint">{i18n.text("pay.invoice.taxpayer_hint")}</p>
                    <FieldErrors errors=form.errors field="invoice.taxpayer_id" control="taxpayer-id" text=pay_rule_text />
                </div>
            </section>

            {repay.then(|| view! {
                <div class="notice" id="repay-warning" role="note">
                    <p>{i18n.text("pay.repay.warning")}</p>
                </div>
            })}
            <OtherErrors form project=project.clone() />
            {live(move || form.failure.get().map(|error| view! { <ErrorNotice error /> }).into_any())}
            {already_paid_notice(already_paid)}
            <p class="total">
                {i18n.text("pay.total")}
                " "
                <strong id="pay-total">{total_display.clone()}</strong>
            </p>
            <div class="actions">
                <button id="pay" type="submit" class="primary" disabled=busy aria-busy=move || busy().then_some("true")>
                    {live_text(move || match form.busy.get() {
                        Busy::Paying if is_transfer() => i18n.t("pay.button.sending"),
                        Busy::Paying => i18n.t("pay.button.connecting"),
                        Busy::Redirecting => i18n.t("pay.button.redirecting"),
                        Busy::Idle if is_transfer() => i18n.t("pay.button.transfer"),
                        Busy::Idle if repay => i18n.t("pay.button.repay"),
                        Busy::Idle => i18n.t("pay.button.pay"),
                    }.to_owned())}
                </button>
            </div>
            {shown(
                busy,
                move || view! {
                    <p class="muted small" role="status" aria-live="polite">
                        {live_text(move || {
                            if is_transfer() { i18n.t("pay.progress.transfer") } else { i18n.t("pay.progress.online") }.to_owned()
                        })}
                    </p>
                }
                .into_any(),
            )}
            {shown(
                move || !is_transfer(),
                move || view! {
                    <p class="muted small">{i18n.text("pay.safe")}</p>
                }
                .into_any(),
            )}
        </form>
    }
}

/// Errors about no control of the form, shown above the button.
#[component]
fn OtherErrors(form: PayForm, project: Project) -> impl IntoView {
    let i18n = use_i18n();
    live(move || {
        form.errors.with(|all| {
            all.iter()
                .filter(|e| input_id(&e.field, &project).is_none())
                .map(|e| {
                    let text = rule_text(i18n.lang(), e);
                    view! { <p class="field-error" data-field=e.field.clone() data-rule=e.rule.clone() role="alert">{text}</p> }
                })
                .collect_view()
                .into_any()
        })
    })
}
