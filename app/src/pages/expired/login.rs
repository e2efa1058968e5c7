//! 短信验证码登录: the expired path's sign-in. A code goes to the mobile number; the
//! code typed back opens a session bound to that number (docs/api.md §13.2).

use gloo_timers::future::TimeoutFuture;
use leptos::prelude::*;
use leptos::task::spawn_local;
use protocol::application::FieldError;
use serde_json::json;

use super::ui::{Failure, error_notice, failure_of};
use crate::api;
use crate::components::{live, live_text};
use crate::i18n::{Lang, use_i18n};
use crate::pages::apply::ui::{TextField, focus};

/// Seconds before another code may be asked for.
const RESEND_AFTER: u32 = 60;

/// The words of a sign-in rule.
fn rule_text(lang: Lang, e: &FieldError) -> String {
    super::ui::rule_text(lang, e)
}

/// The sign-in form; `on_done` runs once the session is open.
#[component]
pub fn SmsLogin(#[prop(into)] on_done: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let mobile = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let errors = RwSignal::new(Vec::<FieldError>::new());
    let error = RwSignal::new(None);
    let sent_to = RwSignal::new(None::<String>);
    let wait = RwSignal::new(0u32);
    let busy = RwSignal::new(false);
    let tries_left = RwSignal::new(None::<i64>);

    let send = move |_| {
        if busy.get_untracked() || wait.get_untracked() > 0 {
            return;
        }
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            // `SmsCodeRequest`.
            let body = json!({
                "mobile": mobile.get_untracked().trim(),
                "lang": i18n.lang().code(),
            });
            let answer = api::expired::send_code(&body).await;
            busy.set(false);
            match answer {
                Ok(sent) => {
                    sent_to.set(Some(sent.mobile));
                    tries_left.set(None);
                    focus("sms-code");
                    wait.set(RESEND_AFTER);
                    while wait.get_untracked() > 0 {
                        TimeoutFuture::new(1000).await;
                        if wait.try_update(|w| *w = w.saturating_sub(1)).is_none() {
                            return;
                        }
                    }
                }
                Err(e) => show(failure_of(e), errors, error, "sms-mobile"),
            }
        });
    };

    let login = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            // `SignInRequest`.
            let body = json!({
                "mobile": mobile.get_untracked().trim(),
                "code": code.get_untracked().trim(),
            });
            let answer = api::expired::sign_in(&body).await;
            busy.set(false);
            match answer {
                Ok(_) => on_done.run(()),
                Err(e) => {
                    // A wrong code is counted: say how many tries it has left.
                    tries_left.set(
                        e.details
                            .get("tries_left")
                            .and_then(serde_json::Value::as_i64),
                    );
                    show(failure_of(e), errors, error, "sms-code");
                }
            }
        });
    };

    let send_text = move || {
        let w = wait.get();
        if w > 0 {
            i18n.tf("expired.login.resend_in", &[("s", &w.to_string())])
        } else if sent_to.with(Option::is_some) {
            i18n.t("expired.login.resend").to_owned()
        } else {
            i18n.t("expired.login.send").to_owned()
        }
    };

    view! {
        <section id="expired-login" aria-labelledby="expired-login-title">
            <h2 id="expired-login-title">{i18n.text("expired.login.title")}</h2>
            <p>{i18n.text("expired.login.intro")}</p>
            <form on:submit=login novalidate>
                <TextField id="sms-mobile" field="mobile" label="expired.login.mobile" value=mobile errors text=rule_text kind="tel" autocomplete="tel" inputmode="numeric" maxlength=20 required=true />
                <div class="actions">
                    <button id="sms-send" type="button" disabled=move || { busy.get() || wait.get() > 0 } on:click=send>
                        {live_text(send_text)}
                    </button>
                </div>
                {live(move || sent_to.get().map(|m| view! {
                    <p id="sms-sent" class="notice" role="status">{i18n.tf("expired.login.sent", &[("mobile", &m)])}</p>
                }).into_any())}
                <TextField id="sms-code" field="code" label="expired.login.code" value=code errors text=rule_text autocomplete="one-time-code" inputmode="numeric" maxlength=6 required=true />
                {live(move || tries_left.get().map(|n| view! {
                    <p class="muted small" id="sms-tries-left">{live_text(move || i18n.tf("expired.tries_left", &[("n", &n.to_string())]))}</p>
                }).into_any())}
                {error_notice(error)}
                <div class="actions">
                    <button id="sms-login" type="submit" class="primary" disabled=busy>
                        {i18n.text("expired.login.submit")}
                    </button>
                </div>
            </form>
        </section>
    }
}

/// Puts a failure where the user will look: next to its field, else as a notice.
fn show(
    failure: Failure,
    errors: RwSignal<Vec<FieldError>>,
    error: RwSignal<Option<crate::error::AppError>>,
    fallback_focus: &str,
) {
    match failure {
        Failure::Fields(list) => {
            let first = list.first().map(|e| e.field.clone());
            errors.set(list);
            focus(match first.as_deref() {
                Some("mobile") => "sms-mobile",
                Some("code" | "sms_code") => "sms-code",
                _ => fallback_focus,
            });
        }
        Failure::Other(e) => error.set(Some(e)),
    }
}
