//! 对公账户验证: the company's basic account (name, bank, number); the CA's bank sends
//! 0.01 yuan with a code in the remark, which the applicant reads on the statement and
//! types back. The account can be corrected and the transfer sent again; a wrong code
//! says how many tries are left.

use leptos::prelude::*;
use leptos::task::spawn_local;
use protocol::application::FieldError;
use protocol::expired::{NextStep, TransferStatus};
use serde_json::json;

use super::model::Application;
use super::ui::{Failure, at_path, error_notice, failure_of, rule_text};
use crate::api;
use crate::api::expired::Step;
use crate::components::{live_text, shown};
use crate::error::AppError;
use crate::format;
use crate::i18n::use_i18n;
use crate::pages::apply::ui::{TextField, focus};

/// The control of a field of this step.
fn input_id(field: &str) -> &'static str {
    match field {
        "account_name" => "bank-account-name",
        "bank" => "bank-bank",
        "account_no" => "bank-account-no",
        _ => "bank-code",
    }
}

/// What a call of this step reports to: the step's signals.
#[derive(Clone, Copy)]
struct Calls {
    busy: RwSignal<bool>,
    errors: RwSignal<Vec<FieldError>>,
    error: RwSignal<Option<AppError>>,
    tries_left: RwSignal<Option<i64>>,
    on_update: Callback<Application>,
}

impl Calls {
    /// Posts `body` to `path` (unless a call is under way) and shows what comes back.
    fn send(self, no: String, step: Step, body: serde_json::Value) {
        if self.busy.get_untracked() {
            return;
        }
        self.busy.set(true);
        self.error.set(None);
        spawn_local(async move {
            let answer = api::expired::step(&no, step, &body).await;
            self.busy.set(false);
            match answer {
                Ok(app) => self.on_update.run(app),
                Err(e) => {
                    // A wrong code is counted: say how many tries are left now.
                    self.tries_left.set(
                        e.details
                            .get("tries_left")
                            .and_then(serde_json::Value::as_i64),
                    );
                    match failure_of(e) {
                        Failure::Fields(list) => {
                            let first = list.first().map(|e| input_id(&e.field));
                            self.errors.set(list);
                            if let Some(id) = first {
                                focus(id);
                            }
                        }
                        Failure::Other(e) => self.error.set(Some(e)),
                    }
                }
            }
        });
    }
}

/// The bank step (`bank_account`, then `bank_code`).
#[component]
pub fn BankStep(app: Application, on_update: Callback<Application>) -> impl IntoView {
    let i18n = use_i18n();
    let no = app.business_no.clone();
    let organisation = app
        .details
        .as_ref()
        .and_then(|d| at_path(d, "/organisation/name"))
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_owned();
    let previous = app.transfer.clone();
    let account_name = RwSignal::new(
        previous
            .as_ref()
            .map_or(organisation, |t| t.account_name.clone()),
    );
    let bank = RwSignal::new(
        previous
            .as_ref()
            .map(|t| t.bank.clone())
            .unwrap_or_default(),
    );
    let account_no = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let error = RwSignal::new(None::<AppError>);
    let busy = RwSignal::new(false);
    let tries_left = RwSignal::new(None::<i64>);
    let waiting = app.next_step == NextStep::BankCode;
    // While a code is awaited, the account form is folded away until asked for.
    let show_account = RwSignal::new(!waiting);

    let calls = Calls {
        busy,
        errors,
        error,
        tries_left,
        on_update,
    };
    let send = {
        let no = no.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let body = json!({
                "account_name": account_name.get_untracked().trim(),
                "bank": bank.get_untracked().trim(),
                "account_no": account_no.get_untracked().trim(),
            });
            calls.send(no.clone(), Step::Transfer, body);
        }
    };
    let verify = {
        let no = no.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            calls.send(
                no.clone(),
                Step::BankCode,
                json!({ "code": code.get_untracked().trim() }),
            );
        }
    };

    let transfer = previous.map(|t| {
        let sent = format::date_time(&t.sent_at);
        let amount = format::money(t.amount_fen);
        let status = t.status.clone();
        let status_key = match t.status.known() {
            Some(TransferStatus::Pending) => "expired.bank.status.pending",
            Some(TransferStatus::Locked) => "expired.bank.status.locked",
            Some(TransferStatus::Failed) => "expired.bank.status.failed",
            Some(TransferStatus::Verified) => "expired.bank.status.verified",
            _ => "expired.bank.status.other",
        };
        let left = move || tries_left.get().unwrap_or(t.tries_left);
        view! {
            <div id="bank-transfer" class="notice" role="status" data-status=status>
                <p>{live_text(move || i18n.tf("expired.bank.sent", &[("amount", &amount), ("account", &t.account_no), ("bank", &t.bank), ("time", &sent)]))}</p>
                <p>{i18n.text(status_key)}</p>
                {(t.status == TransferStatus::Pending).then(|| view! {
                    <p class="muted small" id="bank-tries-left">{live_text(move || i18n.tf("expired.tries_left", &[("n", &left().to_string())]))}</p>
                })}
            </div>
        }
    });

    view! {
        <section id="expired-bank" aria-labelledby="expired-bank-title">
            <h2 id="expired-bank-title">{i18n.text("expired.bank.title")}</h2>
            <p>{i18n.text("expired.bank.intro")}</p>
            {transfer}
            {waiting.then(|| view! {
                <form id="bank-code-form" on:submit=verify novalidate>
                    <TextField id="bank-code" field="code" label="expired.bank.code" hint="expired.bank.code_hint" value=code errors text=rule_text maxlength=6 required=true />
                    <div class="actions">
                        <button id="bank-verify" type="submit" class="primary" disabled=busy>
                            {i18n.text("expired.bank.verify")}
                        </button>
                        <button id="bank-correct" type="button" class="link" on:click=move |_| { show_account.set(true); focus("bank-account-name"); }>
                            {i18n.text("expired.bank.correct")}
                        </button>
                    </div>
                </form>
            })}
            {shown(move || show_account.get(), move || view! {
                <form id="bank-account-form" on:submit=send.clone() novalidate>
                    <TextField id="bank-account-name" field="account_name" label="expired.bank.account_name" hint="expired.bank.account_name_hint" value=account_name errors text=rule_text maxlength=100 required=true />
                    <TextField id="bank-bank" field="bank" label="expired.bank.bank" value=bank errors text=rule_text maxlength=100 required=true />
                    <TextField id="bank-account-no" field="account_no" label="expired.bank.account_no" value=account_no errors text=rule_text inputmode="numeric" maxlength=40 required=true />
                    <div class="actions">
                        <button id="bank-send" type="submit" class=if waiting { "" } else { "primary" } disabled=busy>
                            {live_text(move || if waiting { i18n.t("expired.bank.send_again") } else { i18n.t("expired.bank.send") }.to_owned())}
                        </button>
                    </div>
                </form>
            }.into_any())}
            {error_notice(error)}
        </section>
    }
}
