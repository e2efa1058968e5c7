//! The order needs a session of the certificate it renews (or of its renewed one):
//! without one the server answers 401, and the user signs in with the `login`
//! signature (the PIN is typed in the extension's window).

use leptos::prelude::*;
use leptos::task::spawn_local;
use protocol::ErrorCode;

use crate::api;
use crate::auth;
use crate::components::{ErrorNotice, live, live_text};
use crate::error::AppError;
use crate::i18n::use_i18n;
use crate::models::Project;
use crate::state::use_app_state;

/// The project to sign in for: the chosen one, else the first configured.
async fn project_id(
    wanted: Option<String>,
    loaded: Option<Vec<Project>>,
) -> Result<String, AppError> {
    if let Some(id) = wanted {
        return Ok(id);
    }
    let list = match loaded {
        Some(list) => list,
        None => api::projects::list().await?,
    };
    list.into_iter()
        .next()
        .map(|p| p.id)
        .ok_or_else(|| AppError::new(ErrorCode::NotFound, "no project is configured at this CA"))
}

/// "Sign in with your certificate" (`#sign-in`), or, with no certificate chosen, the
/// way to choose one.
#[component]
pub fn SignInPrompt(#[prop(into)] on_signed_in: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let state = use_app_state();
    let running = RwSignal::new(false);
    let error = RwSignal::new(None::<AppError>);

    let sign_in = move |_| {
        let Some(chosen) = state.chosen.get_untracked() else {
            return;
        };
        running.set(true);
        error.set(None);
        let wanted = state.project_id.get_untracked();
        let loaded = state.projects.get_untracked().and_then(Result::ok);
        spawn_local(async move {
            let result = match project_id(wanted, loaded).await {
                Ok(project) => auth::sign_in(&chosen, &project).await.map(|_| ()),
                Err(e) => Err(e),
            };
            // The prompt is gone once the page reloaded the renewal.
            let _ = running.try_set(false);
            match result {
                Ok(()) => {
                    state
                        .signed_in
                        .set(Some(chosen.certificate.sha256.to_string()));
                    on_signed_in.run(());
                }
                Err(e) => {
                    let _ = error.try_set(Some(e));
                }
            }
        });
    };

    let body = live(move || {
        match state.chosen.get() {
        Some(chosen) => view! {
            <p>{i18n.text("order.signin.text")}</p>
            <p class="muted small">{chosen.certificate.subject.clone()}</p>
            {live(move || {
                error
                    .get()
                    .map(|e| {
                        if e.code == ErrorCode::UserCancelled {
                            view! {
                                <p class="notice" role="status">{i18n.text("order.signin.cancelled")}</p>
                            }
                                .into_any()
                        } else {
                            view! { <ErrorNotice error=e /> }.into_any()
                        }
                    })
                    .into_any()
            })}
            <div class="actions">
                <button
                    id="sign-in"
                    type="button"
                    class="primary"
                    disabled=move || running.get()
                    aria-busy=move || running.get().to_string()
                    on:click=sign_in
                >
                    {live_text(move || if running.get() { i18n.t("order.signin.running") } else { i18n.t("order.signin.button") }.to_owned())}
                </button>
                <a class="btn" href="/">{i18n.text("order.signin.other")}</a>
            </div>
        }
        .into_any(),
        None => view! {
            <p>{i18n.text("order.signin.choose_first")}</p>
            <div class="actions">
                <a id="choose-certificate" class="btn primary" href="/">
                    {i18n.text("order.my_certificates")}
                </a>
            </div>
        }
        .into_any(),
    }
    });
    // An order of the expired path is opened again with the SMS sign-in (its old
    // certificate cannot sign): its page there has the way back (`renewal-session`).
    let expired_href = web_sys::window()
        .and_then(|w| w.location().pathname().ok())
        .and_then(|p| {
            p.strip_prefix("/renewals/")
                .map(|no| format!("/expired/{no}"))
        });
    view! {
        <section id="order-sign-in" aria-labelledby="signin-title">
            <h2 id="signin-title">{i18n.text("order.signin.title")}</h2>
            {body}
            {expired_href.map(|href| view! {
                <p class="muted small">
                    {i18n.text("order.signin.expired_path")}" "
                    <a id="sign-in-expired" href=href>{i18n.text("order.signin.expired_link")}</a>
                </p>
            })}
        </section>
    }
}
