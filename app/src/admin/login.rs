//! The staff sign-in form (`POST /admin/login`). What was typed stays on a failure;
//! a wrong password and the sign-in lock (10 failures per name in 15 minutes) are
//! told apart.

use leptos::ev::SubmitEvent;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use protocol::ErrorCode;

use crate::admin::model::Staff;
use crate::admin::staff::use_staff;
use crate::admin::ui::Refusal;
use crate::api;
use crate::error::AppError;
use crate::i18n::use_i18n;

/// The console's explanation of a refused sign-in, when the shared one does not fit
/// (the shared 401 text speaks of certificates).
pub fn login_explain(code: Option<ErrorCode>) -> Option<&'static str> {
    match code? {
        ErrorCode::Unauthenticated => Some("admin.login.wrong"),
        ErrorCode::RateLimited => Some("admin.login.locked"),
        _ => None,
    }
}

/// The sign-in form.
#[component]
pub fn LoginForm(on_signed_in: Callback<Staff>) -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_staff();
    // After an expired session, the same member usually signs in again.
    let username = RwSignal::new(
        ctx.staff
            .with_untracked(|s| s.as_ref().map(|s| s.username.clone()))
            .unwrap_or_default(),
    );
    let password = RwSignal::new(String::new());
    let user_error = RwSignal::new(None::<&'static str>);
    let pass_error = RwSignal::new(None::<&'static str>);
    let refusal = RwSignal::new(None::<AppError>);
    let busy = RwSignal::new(false);
    let user_ref = NodeRef::<html::Input>::new();
    let pass_ref = NodeRef::<html::Input>::new();

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let user = username.get_untracked().trim().to_owned();
        let pass = password.get_untracked();
        user_error.set(user.is_empty().then_some("admin.login.username_missing"));
        pass_error.set(pass.is_empty().then_some("admin.login.password_missing"));
        refusal.set(None);
        if user.is_empty() {
            if let Some(el) = user_ref.get_untracked() {
                let _ = el.focus();
            }
            return;
        }
        if pass.is_empty() {
            if let Some(el) = pass_ref.get_untracked() {
                let _ = el.focus();
            }
            return;
        }
        busy.set(true);
        spawn_local(async move {
            let answer = api::admin::login(&user, &pass).await;
            busy.set(false);
            match answer {
                Ok(staff) => on_signed_in.run(staff),
                Err(e) => {
                    refusal.set(Some(e));
                    // The password is what is usually wrong: ready to retype it.
                    if let Some(el) = pass_ref.get_untracked() {
                        let _ = el.focus();
                        el.select();
                    }
                }
            }
        });
    };

    view! {
        <section class="admin-login" aria-labelledby="admin-login-title">
            <h1 id="admin-login-title">{i18n.text("admin.login.title")}</h1>
            <p class="muted">{i18n.text("admin.login.intro")}</p>
            <Show when=move || ctx.was_expired()>
                <div class="notice warn" role="status">
                    <p>{i18n.text("admin.session.expired")}</p>
                </div>
            </Show>
            <form on:submit=submit novalidate>
                <div class="field">
                    <label for="admin-username">{i18n.text("admin.login.username")}</label>
                    <input
                        id="admin-username"
                        name="username"
                        type="text"
                        autocomplete="username"
                        autocapitalize="none"
                        spellcheck="false"
                        maxlength="64"
                        node_ref=user_ref
                        prop:value=move || username.get()
                        on:input=move |ev| {
                            username.set(event_target_value(&ev));
                            user_error.set(None);
                        }
                        aria-invalid=move || user_error.get().is_some().to_string()
                        aria-describedby="admin-username-error"
                    />
                    <span class="field-error" id="admin-username-error" data-field="username">
                        {move || user_error.get().map(|k| i18n.t(k))}
                    </span>
                </div>
                <div class="field">
                    <label for="admin-password">{i18n.text("admin.login.password")}</label>
                    <input
                        id="admin-password"
                        name="password"
                        type="password"
                        autocomplete="current-password"
                        node_ref=pass_ref
                        prop:value=move || password.get()
                        on:input=move |ev| {
                            password.set(event_target_value(&ev));
                            pass_error.set(None);
                        }
                        aria-invalid=move || pass_error.get().is_some().to_string()
                        aria-describedby="admin-password-error"
                    />
                    <span class="field-error" id="admin-password-error" data-field="password">
                        {move || pass_error.get().map(|k| i18n.t(k))}
                    </span>
                </div>
                {move || {
                    refusal
                        .get()
                        .map(|e| {
                            let explain = login_explain(e.code.known());
                            view! { <Refusal error=e explain=explain /> }
                        })
                }}
                <div class="actions">
                    <button
                        id="admin-login"
                        type="submit"
                        class="primary"
                        disabled=move || busy.get()
                        aria-busy=move || busy.get().to_string()
                    >
                        {move || {
                            if busy.get() { i18n.t("admin.login.busy") } else { i18n.t("admin.login.submit") }
                        }}
                    </button>
                </div>
            </form>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wrong_password_and_the_lock_have_their_own_words() {
        assert_eq!(
            login_explain(Some(ErrorCode::Unauthenticated)),
            Some("admin.login.wrong")
        );
        assert_eq!(
            login_explain(Some(ErrorCode::RateLimited)),
            Some("admin.login.locked")
        );
        assert_eq!(login_explain(None), None);
    }
}
