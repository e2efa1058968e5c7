//! The application form (网证通数字证书续期申请表): the certificate, the agreement, the
//! period and fee, the operator (经办人) and the recipient (收件人), then the
//! confirmation dialog that signs and sends it.

use crate::router::use_navigate;
use leptos::ev::SubmitEvent;
use leptos::html::Dialog;
use leptos::prelude::*;
use leptos::task::spawn_local;
use protocol::ErrorCode;
use protocol::application::FieldError;

use super::fields::{self, AGREEMENT, ID_TYPES, input_id, rule_text};
use super::state::{Form, Phase};
use super::submit::{self, Submission};
use super::ui::{FieldErrors, TextField, close_modal, error_id, focus, invalid, open_modal};
use crate::components::ErrorNotice;
use crate::format;
use crate::i18n::{I18n, Lang, use_i18n};
use crate::models::Project;
use crate::state::{self, Chosen, use_app_state};

fn apply_rule_text(lang: Lang, e: &FieldError) -> String {
    rule_text(lang, e)
}

/// The fee of `months` in fen, if offered.
fn price(project: &Project, months: u32) -> Option<i64> {
    project
        .prices
        .iter()
        .find(|p| p.months == months)
        .map(|p| p.fen)
}

/// "12个月" / "12 months".
fn months_text(i18n: I18n, months: u32) -> String {
    i18n.tf("apply.months_n", &[("n", &months.to_string())])
}

/// The period the form starts with: the draft's when still offered, else 12 months
/// when offered, else the first.
fn initial_months(project: &Project, draft: u32) -> u32 {
    let offered = |m: u32| project.prices.iter().any(|p| p.months == m);
    if offered(draft) {
        draft
    } else if offered(12) {
        12
    } else {
        project.prices.first().map_or(0, |p| p.months)
    }
}

/// The form for `chosen`, renewed for `project`.
#[component]
pub fn ApplicationForm(chosen: Chosen, project: Project, form: Form) -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app_state();
    let navigate = use_navigate();
    let dialog = NodeRef::<Dialog>::new();
    form.months
        .set(initial_months(&project, form.months.get_untracked()));

    let offered: Vec<u32> = project.prices.iter().map(|p| p.months).collect();
    let version = project.agreement.version.clone();
    let on_submit = {
        let version = version.clone();
        move |ev: SubmitEvent| {
            ev.prevent_default();
            if form.phase.get_untracked() != Phase::Idle {
                return;
            }
            form.failure.set(None);
            form.cancelled.set(false);
            form.open_renewal.set(None);
            let draft = form.draft_untracked();
            let errors = draft.check(&offered, &version);
            let first = errors
                .first()
                .map(|e| input_id(&e.field).unwrap_or("submit-application"));
            form.errors.set(errors);
            if let Some(id) = first {
                focus(id);
                return;
            }
            form.pending
                .set(Some(fields::canonical(&draft.application(&version))));
            open_modal(dialog);
        }
    };

    let on_confirm = {
        let chosen = chosen.clone();
        let project_id = project.id.clone();
        move |_| {
            let Some(application) = form.pending.get_untracked() else {
                return;
            };
            if form.phase.get_untracked() != Phase::Idle {
                return;
            }
            let chosen = chosen.clone();
            let project_id = project_id.clone();
            let navigate = navigate.clone();
            let return_url = app.return_url.get_untracked();
            let lang = i18n.lang.get_untracked().code();
            spawn_local(async move {
                let s = Submission {
                    chosen: &chosen,
                    project: &project_id,
                    return_url,
                    lang,
                };
                let result = submit::submit(s, &application, form.phase).await;
                form.phase.set(Phase::Idle);
                close_modal(dialog);
                let sha = chosen.certificate.sha256.to_string();
                match result {
                    Ok(renewal) => {
                        form.forget_draft();
                        if app.signed_in.get_untracked().as_deref() != Some(sha.as_str()) {
                            app.signed_in.set(Some(sha.clone()));
                        }
                        state::remember_renewal(&sha, &renewal.business_no);
                        navigate(
                            &format!("/renewals/{}", renewal.business_no),
                            Default::default(),
                        );
                    }
                    Err(e) if e.code == ErrorCode::ValidationFailed => {
                        let errors = fields::server_errors(&e.details, &e.message);
                        if errors.is_empty() {
                            form.failure.set(Some(e));
                            return;
                        }
                        let first = errors
                            .iter()
                            .find_map(|x| input_id(&x.field))
                            .unwrap_or("submit-application");
                        form.errors.set(errors);
                        focus(first);
                    }
                    Err(e) if e.code == ErrorCode::RenewalOpen => match e.detail("business_no") {
                        Some(no) => {
                            state::remember_renewal(&sha, no);
                            form.open_renewal.set(Some(no.to_owned()));
                        }
                        None => form.failure.set(Some(e)),
                    },
                    Err(e) if e.code == ErrorCode::UserCancelled => {
                        form.cancelled.set(true);
                        focus("submit-application");
                    }
                    Err(e) => {
                        form.failure.set(Some(e));
                        focus("submit-application");
                    }
                }
            });
        }
    };

    let on_dialog_key = move |ev: leptos::ev::KeyboardEvent| {
        // While the PIN window is up, Escape must not hide what is being signed.
        if ev.key() == "Escape" && form.phase.get_untracked() != Phase::Idle {
            ev.prevent_default();
        }
    };
    let copy_operator = move |_| {
        form.rcpt_name.set(form.op_name.get_untracked());
        form.rcpt_mobile.set(form.op_mobile.get_untracked());
        form.clear("recipient.name");
        form.clear("recipient.mobile");
    };

    let subject = chosen.certificate.subject.clone();
    let not_after = format::date_time(&chosen.certificate.not_after);
    let token = if chosen.token.label.is_empty() {
        chosen.token.serial.to_string()
    } else {
        chosen.token.label.clone()
    };
    let encryption_not_after = chosen
        .encryption
        .as_ref()
        .map(|e| format::date_time(&e.not_after));
    let agreement = project.agreement.clone();
    let agreement_version = agreement.version.clone();
    let fee_line = (project.fee_line_zh.clone(), project.fee_line_en.clone());
    let prices = project.prices.clone();
    let project_for_fee = project.clone();
    let fee = Memo::new(move |_| price(&project_for_fee, form.months.get()));
    let fee_text = move || fee.get().map(format::money).unwrap_or_default();
    let busy = move || form.busy();

    view! {
        <form id="application-form" on:submit=on_submit novalidate>
            <section aria-labelledby="cert-title">
                <h2 id="cert-title">{i18n.text("apply.cert.title")}</h2>
                <dl class="facts">
                    <dt>{i18n.text("apply.cert.subject")}</dt>
                    <dd id="cert-subject">{subject.clone()}</dd>
                    <dt>{i18n.text("apply.cert.not_after")}</dt>
                    <dd id="cert-not-after">{not_after.clone()}</dd>
                    {encryption_not_after.map(|t| view! {
                        <dt>{i18n.text("apply.cert.encryption_not_after")}</dt>
                        <dd id="cert-encryption-not-after">{t}</dd>
                    })}
                    <dt>{i18n.text("apply.cert.token")}</dt>
                    <dd>{token}</dd>
                </dl>
            </section>

            <section aria-labelledby="agreement-title">
                <h2 id="agreement-title">{i18n.text("apply.agreement.title")}</h2>
                <div class="agreement" tabindex="0" role="document" aria-labelledby="agreement-title">
                    {move || {
                        if i18n.lang() == Lang::Zh {
                            agreement.text_zh.clone()
                        } else {
                            agreement.text_en.clone()
                        }
                    }}
                </div>
                <p class="muted small">
                    {move || i18n.tf("apply.agreement.version", &[("version", &agreement_version)])}
                </p>
                <div class="field">
                    <label class="choice" for="agreement-accept">
                        <input
                            id="agreement-accept"
                            type="checkbox"
                            prop:checked=move || form.accepted.get()
                            on:change=move |ev| {
                                form.accepted.set(event_target_checked(&ev));
                                form.clear(AGREEMENT);
                            }
                            aria-invalid=invalid(form.errors, AGREEMENT)
                            aria-describedby=move || {
                                form.errors
                                    .with(|e| e.iter().any(|x| x.field == AGREEMENT || x.field == "agreement_version"))
                                    .then(|| error_id("agreement-accept"))
                            }
                        />
                        {i18n.text("apply.agreement.accept")}
                    </label>
                    <FieldErrors errors=form.errors field=AGREEMENT control="agreement-accept" text=apply_rule_text />
                    <FieldErrors
                        errors=form.errors
                        field="agreement_version"
                        control="agreement-accept"
                        text=apply_rule_text
                    />
                </div>
            </section>

            <section aria-labelledby="period-title">
                <h2 id="period-title">{i18n.text("apply.period.title")}</h2>
                <div class="field">
                    <label for="months">{i18n.text("apply.period.label")}</label>
                    <select
                        id="months"
                        name="months"
                        on:change=move |ev| {
                            form.months.set(event_target_value(&ev).parse().unwrap_or(0));
                            form.clear("months");
                        }
                        aria-invalid=invalid(form.errors, "months")
                        aria-describedby="months-hint"
                    >
                        {prices
                            .iter()
                            .map(|p| {
                                let m = p.months;
                                let fen = p.fen;
                                view! {
                                    <option value=m.to_string() prop:selected=move || form.months.get() == m>
                                        {move || format!("{} — {}", months_text(i18n, m), format::money(fen))}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                    <p class="muted small" id="months-hint">{i18n.text("apply.period.hint")}</p>
                    <FieldErrors errors=form.errors field="months" control="months" text=apply_rule_text />
                </div>
                <div class="table-wrap">
                    <table id="fee-detail">
                        <thead>
                            <tr>
                                <th scope="col">{i18n.text("apply.fee.name")}</th>
                                <th scope="col">{i18n.text("apply.fee.period")}</th>
                                <th scope="col">{i18n.text("apply.fee.amount")}</th>
                            </tr>
                        </thead>
                        <tbody>
                            <tr>
                                <td>
                                    {move || {
                                        if i18n.lang() == Lang::Zh { fee_line.0.clone() } else { fee_line.1.clone() }
                                    }}
                                </td>
                                <td>{move || months_text(i18n, form.months.get())}</td>
                                <td>{fee_text}</td>
                            </tr>
                        </tbody>
                        <tfoot>
                            <tr>
                                <th scope="row" colspan="2">{i18n.text("apply.fee.total")}</th>
                                <td>
                                    <strong id="fee-total">{fee_text}</strong>
                                </td>
                            </tr>
                        </tfoot>
                    </table>
                </div>
            </section>

            <section aria-labelledby="operator-title">
                <h2 id="operator-title">{i18n.text("apply.operator.title")}</h2>
                <p class="muted small">{i18n.text("apply.operator.hint")}</p>
                <div class="field">
                    <label for="id-type">{i18n.text("apply.id_type.label")}</label>
                    <select
                        id="id-type"
                        name="id-type"
                        on:change=move |ev| {
                            form.id_type.set(event_target_value(&ev));
                            form.clear("operator.id_number");
                        }
                    >
                        {ID_TYPES
                            .iter()
                            .map(|(value, key)| {
                                let value = *value;
                                let key = *key;
                                view! {
                                    <option value=value prop:selected=move || form.id_type.get() == value>
                                        {i18n.text(key)}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </div>
                <TextField
                    id="id-number"
                    field="operator.id_number"
                    label="apply.id_number.label"
                    value=form.id_number
                    errors=form.errors
                    text=apply_rule_text
                    required=true
                    hint="apply.id_number.hint"
                    maxlength=20
                />
                <TextField
                    id="op-name"
                    field="operator.name"
                    label="apply.op_name.label"
                    value=form.op_name
                    errors=form.errors
                    text=apply_rule_text
                    required=true
                    autocomplete="name"
                    maxlength=50
                />
                <TextField
                    id="op-mobile"
                    field="operator.mobile"
                    label="apply.op_mobile.label"
                    value=form.op_mobile
                    errors=form.errors
                    text=apply_rule_text
                    required=true
                    hint="apply.mobile.hint"
                    kind="tel"
                    autocomplete="tel"
                    inputmode="tel"
                    maxlength=20
                />
                <TextField
                    id="op-email"
                    field="operator.email"
                    label="apply.op_email.label"
                    value=form.op_email
                    errors=form.errors
                    text=apply_rule_text
                    required=true
                    hint="apply.email.hint"
                    kind="email"
                    autocomplete="email"
                    inputmode="email"
                    maxlength=254
                />
            </section>

            <section aria-labelledby="recipient-title">
                <h2 id="recipient-title">{i18n.text("apply.recipient.title")}</h2>
                <p class="muted small">{i18n.text("apply.recipient.hint")}</p>
                <p>
                    <button id="copy-operator" type="button" class="link" on:click=copy_operator>
                        {i18n.text("apply.recipient.copy")}
                    </button>
                </p>
                <TextField
                    id="rcpt-name"
                    field="recipient.name"
                    label="apply.rcpt_name.label"
                    value=form.rcpt_name
                    errors=form.errors
                    text=apply_rule_text
                    required=true
                    maxlength=50
                />
                <TextField
                    id="rcpt-mobile"
                    field="recipient.mobile"
                    label="apply.rcpt_mobile.label"
                    value=form.rcpt_mobile
                    errors=form.errors
                    text=apply_rule_text
                    required=true
                    kind="tel"
                    inputmode="tel"
                    maxlength=20
                />
                <div class="field">
                    <label for="rcpt-address">{i18n.text("apply.rcpt_address.label")}</label>
                    <textarea
                        id="rcpt-address"
                        name="rcpt-address"
                        rows="2"
                        maxlength="200"
                        autocomplete="street-address"
                        required
                        prop:value=move || form.rcpt_address.get()
                        on:input=move |ev| {
                            form.rcpt_address.set(event_target_value(&ev));
                            form.clear("recipient.address");
                        }
                        aria-invalid=invalid(form.errors, "recipient.address")
                        aria-describedby="rcpt-address-hint"
                    ></textarea>
                    <p class="muted small" id="rcpt-address-hint">{i18n.text("apply.rcpt_address.hint")}</p>
                    <FieldErrors
                        errors=form.errors
                        field="recipient.address"
                        control="rcpt-address"
                        text=apply_rule_text
                    />
                </div>
            </section>

            <OtherErrors form />
            <Show when=move || form.cancelled.get()>
                <div class="notice" role="status" id="sign-cancelled">
                    <p>{i18n.text("apply.submit.cancelled")}</p>
                </div>
            </Show>
            {move || {
                form.open_renewal
                    .get()
                    .map(|no| {
                        let href = format!("/renewals/{no}");
                        view! {
                            <div class="notice warn" role="alert" id="renewal-open">
                                <p>{i18n.text("apply.submit.open")}</p>
                                <p>
                                    <a href=href.clone()>{move || i18n.tf("apply.submit.open_link", &[("no", &no)])}</a>
                                </p>
                            </div>
                        }
                    })
            }}
            {move || form.failure.get().map(|error| view! { <ErrorNotice error /> })}
            <div class="actions">
                <button id="submit-application" type="submit" class="primary" disabled=busy>
                    {i18n.text("apply.submit.button")}
                </button>
                <a class="btn" href="/">{i18n.text("apply.back_to_certificates")}</a>
            </div>
        </form>

        <dialog id="confirm-dialog" node_ref=dialog aria-labelledby="confirm-title" on:keydown=on_dialog_key>
            <h2 id="confirm-title">{i18n.text("apply.confirm.title")}</h2>
            {move || {
                form.pending.get().map(|a| view! { <Summary application=a subject=subject.clone() fee=fee.get() /> })
            }}
            <p class="muted small">{i18n.text("apply.confirm.sign_hint")}</p>
            <Show when=busy>
                <div class="notice" role="status" aria-live="polite" id="submit-progress">
                    <p>
                        {move || match form.phase.get() {
                            Phase::Sending => i18n.t("apply.confirm.sending"),
                            _ => i18n.t("apply.pin_prompt"),
                        }}
                    </p>
                    <progress aria-label=i18n.text("apply.confirm.progress")></progress>
                </div>
            </Show>
            <div class="actions">
                <button
                    id="confirm-submit"
                    type="button"
                    class="primary"
                    on:click=on_confirm
                    disabled=busy
                    aria-busy=move || busy().then_some("true")
                >
                    {move || match form.phase.get() {
                        Phase::Idle => i18n.t("apply.confirm.submit"),
                        Phase::Signing => i18n.t("apply.confirm.signing"),
                        Phase::Sending => i18n.t("apply.confirm.sending_button"),
                    }}
                </button>
                <button id="confirm-back" type="button" disabled=busy on:click=move |_| close_modal(dialog)>
                    {i18n.text("apply.confirm.back")}
                </button>
            </div>
        </dialog>
    }
}

/// Errors about no control of the form (e.g. `return_url`), shown above the button.
#[component]
fn OtherErrors(form: Form) -> impl IntoView {
    let i18n = use_i18n();
    move || {
        form.errors.with(|all| {
            all.iter()
                .filter(|e| input_id(&e.field).is_none())
                .map(|e| {
                    let text = rule_text(i18n.lang(), e);
                    view! { <p class="field-error" data-field=e.field.clone() data-rule=e.rule.clone() role="alert">{text}</p> }
                })
                .collect_view()
        })
    }
}

/// What is about to be signed, as the confirmation dialog shows it.
#[component]
fn Summary(
    application: protocol::application::Application,
    subject: String,
    fee: Option<i64>,
) -> impl IntoView {
    let i18n = use_i18n();
    let a = application;
    let id_key = ID_TYPES
        .iter()
        .find(|(v, _)| fields::id_type(v) == a.operator.id_type)
        .map_or("apply.id_type.resident_id", |(_, k)| *k);
    let months = a.months;
    let op = a.operator;
    let rc = a.recipient;
    let id_number = op.id_number.clone();
    view! {
        <dl class="facts" id="confirm-summary">
            <dt>{i18n.text("apply.cert.subject")}</dt>
            <dd>{subject}</dd>
            <dt>{i18n.text("apply.period.label")}</dt>
            <dd>{move || months_text(i18n, months)}</dd>
            <dt>{i18n.text("apply.fee.total")}</dt>
            <dd>
                <strong>{fee.map(format::money).unwrap_or_default()}</strong>
            </dd>
            <dt>{i18n.text("apply.operator.title")}</dt>
            <dd>{op.name}</dd>
            <dt>{i18n.text(id_key)}</dt>
            <dd>{id_number}</dd>
            <dt>{i18n.text("apply.op_mobile.label")}</dt>
            <dd>{op.mobile}</dd>
            <dt>{i18n.text("apply.op_email.label")}</dt>
            <dd>{op.email}</dd>
            <dt>{i18n.text("apply.recipient.title")}</dt>
            <dd>{format!("{} {}", rc.name, rc.mobile)}</dd>
            <dt>{i18n.text("apply.rcpt_address.label")}</dt>
            <dd>{rc.address}</dd>
        </dl>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::{Agreement, Price};

    fn project(months: &[u32]) -> Project {
        Project {
            id: "gd-med".into(),
            name_zh: "x".into(),
            name_en: "x".into(),
            min_host_version: "0.1.0".into(),
            min_extension_version: "0.1.0".into(),
            renewal_window_days: 90,
            prices: months
                .iter()
                .map(|m| Price {
                    months: *m,
                    fen: i64::from(*m) * 1000,
                })
                .collect(),
            fee_line_zh: "证书服务年费".into(),
            fee_line_en: "fee".into(),
            agreement: Agreement {
                version: "1".into(),
                text_zh: "z".into(),
                text_en: "e".into(),
            },
            notice_zh: String::new(),
            notice_en: String::new(),
            payment_methods: vec![],
            payee: None,
            invoice_kinds: vec![],
            support: Default::default(),
            return_urls: vec![],
        }
    }

    #[test]
    fn the_period_starts_at_the_draft_else_twelve_else_the_first() {
        assert_eq!(initial_months(&project(&[12, 24, 36]), 24), 24);
        assert_eq!(initial_months(&project(&[12, 24, 36]), 0), 12);
        assert_eq!(initial_months(&project(&[24, 36]), 7), 24);
        assert_eq!(initial_months(&project(&[]), 0), 0);
        assert_eq!(price(&project(&[12, 24]), 24), Some(24_000));
        assert_eq!(price(&project(&[12, 24]), 36), None);
    }
}
