//! `/expired/{no}`: one application, one step at a time, in the order the server gives
//! (`next_step`), with a stepper of where it stands and a way to cancel. Coming back
//! from the identity provider's page (`?liveness_token=…`) hands its token on at once.
//!
//! The details and the form steps are pages of their own, `/expired/{no}/details` and
//! `/expired/{no}/form` (bundles of their own, `dist/expired/_/details/` and
//! `dist/expired/_/form/`, so that no bundle passes 200 KB; issue 16): each page shows
//! the same title, facts, stepper and cancel around its steps ([`Wizard`] with that
//! page's [`Part`]), and moves to the other by itself (`location.replace`) when the
//! application's step is the other's.

use crate::components::Loading;
use crate::resource::Resource;
use crate::router::{self, NavigateOptions};
use crate::router::{use_navigate, use_params_map, use_query_map};
use leptos::html::Dialog;
use leptos::prelude::*;
use leptos::task::spawn_local;
use protocol::expired::NextStep;
use serde_json::json;

use super::bank::BankStep;
use super::identity::IdentityStep;
use super::login::SmsLogin;
use super::model::{Application, STEPS, step_index};
use super::submit::SubmitStep;
use super::ui::error_notice;
use super::{Loaded, load_signed_in, then_order};
use crate::api;
use crate::api::expired::Step;
use crate::components::{Loaded as Shown, live};
use crate::error::AppError;
use crate::format;
use crate::i18n::use_i18n;
use crate::pages::apply::ui::open_modal;
use crate::state::use_app_state;

/// What one page of an application shows: plain functions, so a bundle links only its
/// own page's steps.
#[derive(Clone, Copy)]
pub(crate) struct Part {
    /// No SMS session (the number, then "signed in").
    pub sign_in: fn(&str, Callback<()>) -> AnyView,
    /// The current step's panel.
    pub panel: fn(Application, Callback<Application>) -> AnyView,
}

/// The page `/expired/{no}`: every step but the details.
#[component]
pub fn ExpiredApplicationPage() -> impl IntoView {
    page(Part {
        sign_in: |_, done| view! { <SmsLogin on_done=move |()| done.run(()) /> }.into_any(),
        panel: steps_panel,
    })
}

/// A page of an application; a new number in the address starts afresh.
pub(crate) fn page(part: Part) -> impl IntoView {
    let params = use_params_map();
    let no = Memo::new(move |_| params.with(|p| p.get("no")).unwrap_or_default());
    move || view! { <Wizard no=no.get() part /> }
}

/// Loads the application's other page in place of this one (a page load: another
/// bundle), showing "loading" meanwhile.
pub(crate) fn move_to(path: &str) -> AnyView {
    router::leave(path, true);
    view! { <Loading /> }.into_any()
}

/// Back to `/expired/{no}`, from a step's own page whose step is not (or no longer) the
/// current one, or to sign in.
pub(crate) fn to_application(no: &str) -> AnyView {
    move_to(&format!("/expired/{no}"))
}

/// `/expired/{no}`'s panel of the current step.
fn steps_panel(app: Application, on_update: Callback<Application>) -> AnyView {
    let i18n = use_i18n();
    match app.next_step.known() {
        Some(NextStep::Details) => move_to(&format!("/expired/{}/details", app.business_no)),
        Some(NextStep::BankAccount | NextStep::BankCode) => {
            view! { <BankStep app on_update /> }.into_any()
        }
        Some(NextStep::Form) => move_to(&format!("/expired/{}/form", app.business_no)),
        Some(NextStep::Identity) => view! { <IdentityStep app on_update /> }.into_any(),
        Some(NextStep::Submit) => view! { <SubmitStep app /> }.into_any(),
        Some(NextStep::Pay) => view! { <ToOrder no=app.business_no /> }.into_any(),
        _ => view! {
            <div class="notice" role="status"><p>{i18n.text("expired.cancelled")}</p></div>
            <p><a href="/expired">{i18n.text("expired.back_to_list")}</a></p>
        }
        .into_any(),
    }
}

#[component]
fn Wizard(no: String, part: Part) -> impl IntoView {
    let i18n = use_i18n();
    let state = use_app_state();
    let query = use_query_map();
    let navigate = use_navigate();
    // A liveness token handed back by the provider's page, until it is sent.
    let liveness = RwSignal::new(query.with_untracked(|q| q.get("liveness_token")));
    let liveness_error = RwSignal::new(None::<AppError>);

    let no_shown = no.clone();
    let loaded = Resource::new(move || {
        let no = no.clone();
        let navigate = navigate.clone();
        async move {
            let mut current = load_signed_in(api::expired::application(&no)).await;
            if let (Ok(Loaded::Ready(_)), Some(token)) = (&current, liveness.get_untracked()) {
                let answer =
                    api::expired::step(&no, Step::Identity, &json!({ "liveness_token": token }))
                        .await;
                match answer {
                    Ok(app) => current = Ok(Loaded::Ready(app)),
                    Err(e) => liveness_error.set(Some(e)),
                }
                liveness.set(None);
                // The token is used once: keep it out of the address and history.
                navigate(
                    &format!("/expired/{no}"),
                    NavigateOptions {
                        replace: true,
                        ..Default::default()
                    },
                );
            }
            if let Ok(Loaded::Ready(app)) = &current {
                state.project_id.set(Some(app.project.clone()));
            }
            current
        }
    });
    // A step's answer is the application as it now stands.
    let on_update = Callback::new(move |app: Application| loaded.set(Ok(Loaded::Ready(app))));

    let body = move || {
        loaded.get().map(|answer| match answer {
            Ok(Loaded::SignIn) => Ok((part.sign_in)(
                &no_shown,
                Callback::new(move |()| loaded.refetch()),
            )),
            Ok(Loaded::Ready(app)) => {
                Ok(view! { <Steps app=app on_update=on_update panel=part.panel /> }.into_any())
            }
            Err(e) => Err(e),
        })
    };
    view! {
        <section id="expired-application">
            <h1>{i18n.text("expired.application.title")}</h1>
            {error_notice(liveness_error)}
            <Shown>{body}</Shown>
            {live(move || {
                loaded
                    .with(|a| matches!(a, Some(Err(_))))
                    .then(|| view! { <p><a href="/expired">{i18n.text("expired.back_to_list")}</a></p> })
                    .into_any()
            })}
        </section>
    }
}

/// The application as it stands: its facts, the stepper, the current step, cancel.
#[component]
fn Steps(
    app: Application,
    on_update: Callback<Application>,
    panel: fn(Application, Callback<Application>) -> AnyView,
) -> impl IntoView {
    let i18n = use_i18n();
    let next = app.next_step.clone();
    let current = step_index(next.known());
    let stepper = STEPS
        .iter()
        .enumerate()
        .map(|(i, (step, key))| {
            let state = match i.cmp(&current) {
                std::cmp::Ordering::Less => "done",
                std::cmp::Ordering::Equal if next != NextStep::None => "current",
                _ => "todo",
            };
            let aria = (state == "current").then_some("step");
            view! { <li data-step=*step data-state=state aria-current=aria>{i18n.text(key)}</li> }
        })
        .collect_view();
    let cert = app.certificate.clone();
    let not_after = format::date(&cert.not_after);
    let panel = panel(app.clone(), on_update);
    let open = app.is_open();
    view! {
        <div id="expired-wizard" data-step=next.clone() data-status=app.status.clone()>
            <dl class="facts">
                <dt>{i18n.text("expired.business_no")}</dt>
                <dd id="business-no">{app.business_no.clone()}</dd>
                <dt>{i18n.text("expired.certificate")}</dt>
                <dd>{cert.subject.clone()}</dd>
                <dt>{i18n.text("expired.serial")}</dt>
                <dd><code>{cert.serial.clone()}</code></dd>
                <dt>{i18n.text("expired.not_after")}</dt>
                <dd>{not_after}</dd>
            </dl>
            <ol id="expired-steps" class="stepper">{stepper}</ol>
            {panel}
            {open.then(|| view! { <CancelApplication no=app.business_no.clone() on_update /> })}
        </div>
    }
}

/// 取消申请, after a confirmation.
#[component]
fn CancelApplication(no: String, on_update: Callback<Application>) -> impl IntoView {
    let i18n = use_i18n();
    let dialog = NodeRef::<Dialog>::new();
    let error = RwSignal::new(None::<AppError>);
    let confirm = move |_| {
        let no = no.clone();
        spawn_local(async move {
            match api::expired::step(&no, Step::Cancel, &json!({})).await {
                Ok(app) => {
                    if let Some(d) = dialog.get_untracked() {
                        d.close();
                    }
                    on_update.run(app);
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    view! {
        <div class="actions">
            <button id="expired-cancel" type="button" class="link danger" on:click=move |_| open_modal(dialog)>
                {i18n.text("expired.cancel")}
            </button>
        </div>
        <dialog id="expired-cancel-dialog" node_ref=dialog aria-labelledby="expired-cancel-title">
            <h2 id="expired-cancel-title">{i18n.text("expired.cancel.title")}</h2>
            <p>{i18n.text("expired.cancel.body")}</p>
            {error_notice(error)}
            <div class="actions">
                <button type="button" on:click=move |_| { if let Some(d) = dialog.get_untracked() { d.close(); } }>
                    {i18n.text("expired.cancel.keep")}
                </button>
                <button id="confirm-expired-cancel" type="button" class="danger" on:click=confirm>
                    {i18n.text("expired.cancel.confirm")}
                </button>
            </div>
        </dialog>
    }
}

/// A submitted application: its order, opened with a renewal session made from this
/// SMS session (the old certificate cannot sign in; the cookie of the submit lasts 8
/// hours, this one is asked for whenever the order is opened from here).
#[component]
fn ToOrder(no: String) -> impl IntoView {
    let i18n = use_i18n();
    let error = RwSignal::new(None::<AppError>);
    let busy = RwSignal::new(false);
    let open = move |_| {
        busy.set(true);
        let no = no.clone();
        spawn_local(async move {
            then_order(
                &no,
                api::expired::renewal_session(&no),
                |()| {},
                busy,
                error,
            )
            .await;
        });
    };
    view! {
        <div class="notice" role="status">
            <p>{i18n.text("expired.submitted")}</p>
            <button id="expired-to-order" type="button" class="primary" disabled=busy on:click=open>
                {i18n.text("expired.to_order")}
            </button>
        </div>
        {error_notice(error)}
    }
}
