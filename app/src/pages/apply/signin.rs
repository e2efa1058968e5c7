//! "使用证书登录": the `login` signature before the form, so the server knows the
//! certificate, tells where it stands and whether a renewal is already open.

use crate::router::use_navigate;
use leptos::prelude::*;
use leptos::task::spawn_local;
use protocol::ErrorCode;
use protocol::eligibility::EligibilityStatus;

use crate::auth;
use crate::components::ErrorNotice;
use crate::error::AppError;
use crate::format;
use crate::i18n::use_i18n;
use crate::models::Eligibility;
use crate::state::{self, Chosen, use_app_state};

/// The sign-in button and what it is for. On success `state.signed_in` is set and
/// `on_standing` gets the eligibility; an open renewal goes straight to its order.
#[component]
pub fn SignIn(
    chosen: Chosen,
    project: String,
    #[prop(into)] on_standing: Callback<Eligibility>,
) -> impl IntoView {
    let i18n = use_i18n();
    let app = use_app_state();
    let navigate = use_navigate();
    let busy = RwSignal::new(false);
    let failure = RwSignal::new(None::<AppError>);
    let cancelled = RwSignal::new(false);
    let chosen_for_click = chosen.clone();
    let on_click = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        failure.set(None);
        cancelled.set(false);
        let chosen = chosen_for_click.clone();
        let project = project.clone();
        let navigate = navigate.clone();
        spawn_local(async move {
            let answer = auth::sign_in(&chosen, &project).await;
            busy.set(false);
            match answer {
                Ok(answer) => {
                    let sha = chosen.certificate.sha256.to_string();
                    app.signed_in.set(Some(sha.clone()));
                    if let Some(no) = answer.open_renewal {
                        state::remember_renewal(&sha, &no);
                        navigate(&format!("/renewals/{no}"), Default::default());
                        return;
                    }
                    on_standing.run(answer.eligibility);
                }
                Err(e) if e.code == ErrorCode::UserCancelled => cancelled.set(true),
                Err(e) => failure.set(Some(e)),
            }
        });
    };
    let subject = chosen.certificate.subject.clone();
    let not_after = format::date_time(&chosen.certificate.not_after);
    view! {
        <section aria-labelledby="sign-in-title">
            <h2 id="sign-in-title">{i18n.text("apply.sign_in.title")}</h2>
            <dl class="facts">
                <dt>{i18n.text("apply.cert.subject")}</dt>
                <dd>{subject}</dd>
                <dt>{i18n.text("apply.cert.not_after")}</dt>
                <dd>{not_after}</dd>
            </dl>
            <p>{i18n.text("apply.sign_in.why")}</p>
            <p class="muted small">{i18n.text("apply.sign_in.pin")}</p>
            <Show when=move || cancelled.get()>
                <div class="notice" role="status">
                    <p>{i18n.text("apply.sign_in.cancelled")}</p>
                </div>
            </Show>
            {move || failure.get().map(|error| view! { <ErrorNotice error /> })}
            <div class="actions">
                <button
                    id="sign-in"
                    type="button"
                    class="primary"
                    on:click=on_click
                    disabled=move || busy.get()
                    aria-busy=move || busy.get().then_some("true")
                >
                    {move || {
                        if busy.get() { i18n.t("apply.sign_in.busy") } else { i18n.t("apply.sign_in.button") }
                    }}
                </button>
            </div>
            <Show when=move || busy.get()>
                <p class="muted" role="status">{i18n.text("apply.pin_prompt")}</p>
            </Show>
        </section>
    }
}

/// Why a signed-in certificate cannot be renewed online now, and what to do.
#[component]
pub fn NotEligible(standing: Eligibility) -> impl IntoView {
    let i18n = use_i18n();
    let status = standing.status;
    let not_after = format::date(&standing.not_after);
    let opens = format::date(&standing.window_opens_at);
    let days = standing.days_left.to_string();
    let text = move || match status {
        Some(EligibilityStatus::TooEarly) => i18n.tf(
            "apply.standing.too_early",
            &[
                ("not_after", &not_after),
                ("opens", &opens),
                ("days", &days),
            ],
        ),
        Some(EligibilityStatus::Expired) => {
            i18n.tf("apply.standing.expired", &[("not_after", &not_after)])
        }
        Some(EligibilityStatus::Revoked) => i18n.t("apply.standing.revoked").to_owned(),
        Some(EligibilityStatus::UnknownIssuer) => {
            i18n.t("apply.standing.unknown_issuer").to_owned()
        }
        _ => i18n.t("err.NOT_ELIGIBLE").to_owned(),
    };
    let expired = standing.status == Some(EligibilityStatus::Expired);
    view! {
        <div class="notice warn" role="alert" id="not-eligible" data-status=standing.status.map(EligibilityStatus::as_str)>
            <p>{text}</p>
        </div>
        <div class="actions">
            <Show when=move || expired>
                <a class="btn primary" href="/expired">{i18n.text("apply.standing.expired_link")}</a>
            </Show>
            <a class="btn" href="/">{i18n.text("apply.back_to_certificates")}</a>
        </div>
    }
}
