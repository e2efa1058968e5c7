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

/// A part of a view that follows signals, as one type for every such part: each closure
/// type given to a view links its own copy of the reactive render code and of
/// `AnyView`'s table (≈ 1 KB each before wasm-opt, issue 16); boxed, they share one.
pub type Live<T> = Box<dyn Fn() -> T + Send + Sync>;

/// A text that follows signals ([`Live`]).
pub fn live_text(f: impl Fn() -> String + Send + Sync + 'static) -> Live<String> {
    Box::new(f)
}

/// A view that follows signals ([`Live`]); its parts are erased to `AnyView`.
pub fn live(f: impl Fn() -> AnyView + Send + Sync + 'static) -> Live<AnyView> {
    Box::new(f)
}

/// `<Show when>` as one type for every use ([`Live`]): `view` while `when` holds (the
/// same memo of the condition as `Show`'s, so a change that keeps it does not redraw).
pub fn shown(
    when: impl Fn() -> bool + Send + Sync + 'static,
    view: impl Fn() -> AnyView + Send + Sync + 'static,
) -> Live<AnyView> {
    shown_boxed(Box::new(when), Box::new(view))
}

fn shown_boxed(when: Live<bool>, view: Live<AnyView>) -> Live<AnyView> {
    let on = Memo::new(move |_| when());
    Box::new(move || if on.get() { view() } else { ().into_any() })
}
