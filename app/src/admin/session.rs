//! The staff session: `GET /admin/session` on arrival, the sign-in form when there is none,
//! the bar with the name, role and sign-out. The CSRF token lives only in memory (the
//! cookie is HttpOnly; `GET /admin/session` hands the token back after a reload).

use crate::router::A;
use leptos::prelude::*;
use leptos::task::spawn_local;
use protocol::ErrorCode;

use crate::admin::labels::role_key;
use crate::admin::login::LoginForm;
use crate::admin::model::Staff;
use crate::admin::staff::{Phase, StaffCtx, use_staff};
use crate::admin::ui::{Refusal, named};
use crate::api;
use crate::components::Loading;
use crate::error::AppError;
use crate::i18n::use_i18n;

/// Shows its children to a signed-in staff member, else the sign-in form.

#[component]
pub fn StaffGate(children: ChildrenFn) -> impl IntoView {
    let i18n = use_i18n();
    let ctx = StaffCtx::new();
    provide_context(ctx);
    let check_error = RwSignal::new(None::<AppError>);
    // The children are built at the first sign-in and kept (hidden) when the session
    // runs out, so a half-typed rejection survives signing in again.
    let mounted = RwSignal::new(false);
    let check = move || {
        ctx.phase.set(Phase::Checking);
        spawn_local(async move {
            match api::admin::session().await {
                Ok(api::admin::SessionState { staff: Some(staff) }) => {
                    ctx.sign_in(staff);
                    mounted.set(true);
                }
                Ok(api::admin::SessionState { staff: None }) => ctx.signed_out(),
                Err(e) => {
                    check_error.set(Some(e));
                    ctx.phase.set(Phase::Failed);
                }
            }
        });
    };
    check();
    let on_signed_in = Callback::new(move |staff: Staff| {
        ctx.sign_in(staff);
        mounted.set(true);
    });
    let on_signed_out = Callback::new(move |_: ()| {
        mounted.set(false);
        ctx.signed_out();
    });
    let phase = ctx.phase;
    view! {
        {move || match phase.get() {
            Phase::Checking => view! { <Loading /> }.into_any(),
            Phase::SignedOut => view! { <LoginForm on_signed_in=on_signed_in /> }.into_any(),
            Phase::SignedIn => view! { <StaffBar on_signed_out=on_signed_out /> }.into_any(),
            Phase::Failed => {
                view! {
                    <section>
                        {move || check_error.get().map(|e| view! { <Refusal error=e /> })}
                        <button type="button" on:click=move |_| check()>
                            {i18n.text("common.retry")}
                        </button>
                    </section>
                }
                    .into_any()
            }
        }}
        <Show when=move || mounted.get()>
            <div class="admin-body" hidden=move || phase.get() != Phase::SignedIn>
                {children()}
            </div>
        </Show>
    }
}

/// Who is signed in, the way back to the queue, and sign-out.
#[component]
fn StaffBar(on_signed_out: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let ctx = use_staff();
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<AppError>);
    let logout = move |_| {
        busy.set(true);
        error.set(None);
        let csrf = ctx.csrf();
        spawn_local(async move {
            let answer = api::admin::logout(&csrf).await;
            busy.set(false);
            match answer {
                // Without a session (or its token) there is nothing left to end.
                Ok(()) => on_signed_out.run(()),
                Err(e)
                    if matches!(
                        e.code.known(),
                        Some(ErrorCode::Unauthenticated | ErrorCode::CsrfFailed)
                    ) =>
                {
                    on_signed_out.run(())
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <div class="staff-bar">
            <span>
                {i18n.text("admin.session.signed_in_as")} " "
                <strong id="admin-user">{move || ctx.username()}</strong> " "
                <span class="badge info" id="admin-role" data-role=move || ctx.role().to_string()>
                    {move || named(i18n, &ctx.role(), role_key)}
                </span>
            </span>
            <A href="/admin">{i18n.text("admin.queue.title")}</A>
            <A href="/admin/expired">{i18n.text("admin.expired.nav")}</A>
            <A href="/admin/reconciliation">{i18n.text("admin.reconcile.nav")}</A>
            <button
                id="admin-logout"
                type="button"
                class="link"
                disabled=move || busy.get()
                aria-busy=move || busy.get().to_string()
                on:click=logout
            >
                {move || {
                    if busy.get() { i18n.t("admin.session.logging_out") } else { i18n.t("admin.session.logout") }
                }}
            </button>
        </div>
        {move || error.get().map(|e| view! { <Refusal error=e /> })}
    }
}
