//! Small pieces every screen uses: the error notice, the loading line, and the frame
//! that shows what a page loads.

use leptos::prelude::*;

use crate::error::AppError;
use crate::i18n::use_i18n;

/// An error in the user's language, with its code for support (`role="alert"`, so
/// screen readers announce it).
#[component]
pub fn ErrorNotice(error: AppError) -> impl IntoView {
    let i18n = use_i18n();
    let code = error.code.to_string();
    let attr = code.clone();
    view! {
        <div class="notice error" role="alert" data-code=attr>
            <p>{move || error.user_text(i18n)}</p>
            <p class="muted small">{code}</p>
        </div>
    }
}

/// What a page loads with a `LocalResource`, shown the same way on every page:
/// "Loading…" before the first answer, the last answer while a reload runs
/// (`Transition`), a failed load as [`ErrorNotice`] (`ErrorBoundary`). The children
/// read the resource and give `Option<Result<_, AppError>>`.
#[component]
pub fn Loaded(children: Children) -> impl IntoView {
    view! {
        <Transition fallback=|| view! { <Loading /> }>
            <ErrorBoundary fallback=|errors| {
                move || first_error(&errors.get()).map(|error| view! { <ErrorNotice error /> })
            }>{children()}</ErrorBoundary>
        </Transition>
    }
}

/// The first error an `ErrorBoundary` caught, as the app's error.
pub fn first_error(errors: &Errors) -> Option<AppError> {
    errors.iter().next().map(|(_, e)| {
        e.downcast_ref::<AppError>()
            .cloned()
            .unwrap_or_else(|| AppError::new(protocol::ErrorCode::Internal, e.to_string()))
    })
}

/// "Loading…".
#[component]
pub fn Loading() -> impl IntoView {
    let i18n = use_i18n();
    view! { <p class="loading" aria-busy="true">{i18n.text("common.loading")}</p> }
}
