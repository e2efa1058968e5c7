//! `/apply` (申请): the renewal application for the certificate chosen on "my
//! certificates". The user signs in with the certificate first (`login`), fills in the
//! form, confirms, and signs the application itself (`apply`); the new renewal's
//! order page follows.
//!
//! Layout: `fields` (pure rules and field paths), `state` (the signals and the kept
//! draft), `signin`, `form` (with the confirmation dialog), `submit` (sign and send),
//! `ui` (inline errors, focus, dialogs; the pay panel uses it too).

pub(crate) mod fields;
mod form;
mod revocation_notice;
mod signin;
mod state;
mod submit;
pub(crate) mod ui;

use leptos::prelude::*;
use protocol::eligibility::EligibilityStatus;

use self::form::ApplicationForm;
use self::signin::{NotEligible, SignIn};
use self::state::Form;
use crate::components::{ErrorNotice, Loading};
use crate::i18n::use_i18n;
use crate::models::Eligibility;
use crate::state::use_app_state;

/// The application screen.
#[component]
pub fn ApplyPage() -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app_state();
    // Created once here, so re-rendering the parts below never loses what was typed.
    let form = Form::load();
    let standing = RwSignal::new(None::<Eligibility>);

    let body = move || {
        let Some(chosen) = app.chosen.get() else {
            return view! {
                <div class="notice warn" id="no-certificate">
                    <p>{i18n.text("apply.no_certificate")}</p>
                    <p>
                        <a href="/">{i18n.text("apply.back_to_certificates")}</a>
                    </p>
                </div>
            }
            .into_any();
        };
        let project = match app.project() {
            None => return view! { <Loading /> }.into_any(),
            Some(Err(error)) => return view! { <ErrorNotice error /> }.into_any(),
            Some(Ok(p)) => p,
        };
        let signed_in = app.signed_in.get().as_deref() == Some(chosen.certificate.sha256.as_str());
        if !signed_in {
            let on_standing = move |e: Eligibility| standing.set(Some(e));
            return view! { <SignIn chosen project=project.id.clone() on_standing /> }.into_any();
        }
        if let Some(s) = standing
            .get()
            .filter(|s| s.status != Some(EligibilityStatus::Eligible))
        {
            return view! { <NotEligible standing=s /> }.into_any();
        }
        view! { <ApplicationForm chosen project form /> }.into_any()
    };
    let project_name = move || {
        app.project().and_then(Result::ok).map(|p| {
            if i18n.lang() == crate::i18n::Lang::Zh {
                p.name_zh
            } else {
                p.name_en
            }
        })
    };

    view! {
        <div id="apply">
            <h1>{i18n.text("apply.title")}</h1>
            {move || project_name().map(|n| view! { <p class="muted" id="apply-project">{n}</p> })}
            {move || app.project().and_then(Result::ok).map(|p| view! { <revocation_notice::RevocationNotice project=p.id /> })}
            <ol class="stepper" aria-label=i18n.text("apply.steps")>
                <li data-stage="apply" data-state="current" aria-current="step">{i18n.text("apply.step.apply")}</li>
                <li data-stage="pay" data-state="todo">{i18n.text("apply.step.pay")}</li>
                <li data-stage="review" data-state="todo">{i18n.text("apply.step.review")}</li>
                <li data-stage="install" data-state="todo">{i18n.text("apply.step.install")}</li>
                <li data-stage="done" data-state="todo">{i18n.text("apply.step.done")}</li>
            </ol>
            {body}
        </div>
    }
}
