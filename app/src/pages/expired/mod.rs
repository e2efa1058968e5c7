//! The expired-certificate path (the SZCA 网厅 manual, "有效期外"; docs/api.md §13). An
//! expired certificate cannot sign an on-time application, so the applicant signs in
//! with an SMS code, names the certificate, and proves who they are step by step:
//! the details matching the certificate's owner, a 0.01-yuan transfer to the company's
//! basic account, the signed and stamped form, ID photos and a liveness check. Then the
//! application is a renewal like any other: pay, review, install (`/renewals/{no}`).
//!
//! # Layout
//! - `login`: the SMS sign-in; `start`: the certificate and this number's applications
//! - `wizard`: `/expired/{no}`, the steps in the order the server gives (`next_step`)
//! - `details`, `bank`, `form`, `identity`, `submit`: one step each
//! - `model`: the server's answers; `ui`: how refusals are shown

mod bank;
mod details;
mod form;
mod identity;
mod login;
pub mod model;
mod start;
mod submit;
pub(crate) mod ui;
mod wizard;

use crate::resource::Resource;
use crate::router::use_query_map;
use leptos::prelude::*;
use leptos::task::spawn_local;
use protocol::ErrorCode;

use crate::api;
use crate::components::Loaded as Shown;
use crate::error::AppError;
use crate::i18n::use_i18n;
use crate::pages::support::SupportContacts;
use login::SmsLogin;
use start::{ApplicationList, StartApplication};
pub use wizard::ExpiredApplicationPage;

/// What a page of the path has loaded (a failed load is the resource's `Err`).
#[derive(Clone)]
pub(crate) enum Loaded<T> {
    /// No SMS session: sign in first.
    SignIn,
    Ready(T),
}

/// Runs `fetch` when an SMS session is open (asked first, so the page shows the sign-in
/// without a failed request in the browser's console); `SignIn` otherwise.
pub(crate) async fn load_signed_in<T>(
    fetch: impl std::future::Future<Output = Result<T, AppError>>,
) -> Result<Loaded<T>, AppError> {
    match api::expired::current_session().await? {
        api::expired::CurrentSession { mobile: None } => Ok(Loaded::SignIn),
        _ => Loaded::of(fetch.await),
    }
}

/// Runs `call`; when it succeeds, `done` sees its answer and the browser goes to the
/// order `/renewals/{no}` (another bundle: a page load); when it fails, the error is
/// shown and the button freed.
pub(crate) async fn then_order<T>(
    no: &str,
    call: impl std::future::Future<Output = Result<T, AppError>>,
    done: impl FnOnce(T),
    busy: RwSignal<bool>,
    error: RwSignal<Option<AppError>>,
) {
    match call.await {
        Ok(answer) => {
            done(answer);
            if let Some(w) = web_sys::window() {
                let _ = w.location().assign(&format!("/renewals/{no}"));
            }
        }
        Err(e) => {
            busy.set(false);
            error.set(Some(e));
        }
    }
}

impl<T> Loaded<T> {
    /// From an answer of the server: a session that ran out means signing in again.
    pub(crate) fn of(answer: Result<T, AppError>) -> Result<Self, AppError> {
        match answer {
            Ok(v) => Ok(Loaded::Ready(v)),
            Err(e) if e.code == ErrorCode::Unauthenticated => Ok(Loaded::SignIn),
            Err(e) => Err(e),
        }
    }
}

/// `/expired`: why this path, the sign-in, then the certificate and the applications.
#[component]
pub fn ExpiredPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let preferred = query.with_untracked(|q| q.get("cert"));
    let loaded = Resource::new(|| load_signed_in(api::expired::list()));
    // Signing out is a click; what it leaves is read again (a failure leaves the
    // session as it was, and the list says so).
    let logout = move |_| {
        spawn_local(async move {
            let _ = api::expired::end_session().await;
            loaded.refetch();
        });
    };
    let body = move || {
        loaded.get().map(|answer| {
            answer.map(|l| match l {
                Loaded::SignIn => {
                    view! { <SmsLogin on_done=move |()| loaded.refetch() /> }.into_any()
                }
                Loaded::Ready(list) => view! {
                    <StartApplication preferred=preferred.clone() />
                    <ApplicationList applications=list />
                    <div class="actions">
                        <button id="sms-logout" type="button" class="link" on:click=logout>
                            {i18n.text("expired.login.logout")}
                        </button>
                    </div>
                }
                .into_any(),
            })
        })
    };
    view! {
        <section id="expired">
            <h1>{i18n.text("expired.title")}</h1>
            <div class="notice warn" role="status">
                <p>{i18n.text("expired.why")}</p>
            </div>
            <h2>{i18n.text("expired.how")}</h2>
            <ol class="expired-overview">
                <li>{i18n.text("expired.how.login")}</li>
                <li>{i18n.text("expired.how.details")}</li>
                <li>{i18n.text("expired.how.bank")}</li>
                <li>{i18n.text("expired.how.form")}</li>
                <li>{i18n.text("expired.how.identity")}</li>
                <li>{i18n.text("expired.how.pay")}</li>
            </ol>
        </section>
        <Shown>{body}</Shown>
        <SupportContacts />
    }
}
