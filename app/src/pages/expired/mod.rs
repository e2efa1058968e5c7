//! The expired-certificate path (the SZCA 网厅 manual, "有效期外"; docs/api.md §13). An
//! expired certificate cannot sign an on-time application, so the applicant signs in
//! with an SMS code, names the certificate, and proves who they are step by step:
//! the details matching the certificate's owner, a 0.01-yuan transfer to the company's
//! basic account, the signed and stamped form, ID photos and a liveness check. Then the
//! application is a renewal like any other: pay, review, install (`/renewals/{no}`).
//!
//! # Layout
//! - `login`: the SMS sign-in; `start`: `/expired`, the certificate and this number's
//!   applications (its texts are `i18n::expired::LIST`, not in `/expired/{no}`'s bundle)
//! - `wizard`: `/expired/{no}`, the steps in the order the server gives (`next_step`)
//! - `details`, `bank`, `form`, `identity`, `submit`: one step each; the details and
//!   the form are pages of their own, `/expired/{no}/details` and `/expired/{no}/form`
//!   (bundles of their own, issue 16)
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

use leptos::prelude::*;
use protocol::ErrorCode;

use crate::api;
use crate::error::AppError;
pub use details::ExpiredDetailsPage;
pub use form::ExpiredFormPage;
pub use start::ExpiredPage;
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
