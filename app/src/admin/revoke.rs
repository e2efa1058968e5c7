//! 吊销证书 on a renewal's page: a reviewer revokes the renewed certificate with an
//! RFC 5280 reason (`POST /admin/certificates/{serial}/revoke`, audited on the server;
//! docs/revocation.md). Two clicks: choose the reason, then confirm.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::admin::staff::StaffCtx;
use crate::admin::ui::Refusal;
use crate::api;
use crate::error::AppError;
use crate::i18n::use_i18n;

/// The reasons staff may choose (RFC 5280 §5.3.1 names) and their catalogue keys.
pub const REASONS: [(&str, &str); 7] = [
    ("keyCompromise", "admin.revoke.reason.key_compromise"),
    ("superseded", "admin.revoke.reason.superseded"),
    (
        "affiliationChanged",
        "admin.revoke.reason.affiliation_changed",
    ),
    ("cessationOfOperation", "admin.revoke.reason.cessation"),
    (
        "privilegeWithdrawn",
        "admin.revoke.reason.privilege_withdrawn",
    ),
    ("cACompromise", "admin.revoke.reason.ca_compromise"),
    ("unspecified", "admin.revoke.reason.unspecified"),
];

#[derive(Debug, Clone, PartialEq)]
enum Step {
    Choosing,
    Confirming,
    Busy,
    Done,
    Refused(AppError),
}

/// The revoke form for the certificate with `serial`.
#[component]
pub fn RevokePanel(serial: String) -> impl IntoView {
    let i18n = use_i18n();
    let ctx = expect_context::<StaffCtx>();
    let reason = RwSignal::new(REASONS[0].0.to_string());
    let step = RwSignal::new(Step::Choosing);

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match step.get_untracked() {
            Step::Choosing | Step::Refused(_) => step.set(Step::Confirming),
            Step::Confirming => {
                let csrf = ctx
                    .staff
                    .with_untracked(|s| s.as_ref().map(|s| s.csrf.clone()))
                    .unwrap_or_default();
                let reason = reason.get_untracked();
                let serial = serial.clone();
                step.set(Step::Busy);
                spawn_local(async move {
                    match api::admin::revoke(&serial, &reason, &csrf).await {
                        Ok(_) => step.set(Step::Done),
                        Err(e) => step.set(Step::Refused(e)),
                    }
                });
            }
            Step::Busy | Step::Done => {}
        }
    };

    view! {
        <section id="revoke" aria-labelledby="revoke-title">
            <h3 id="revoke-title">{i18n.text("admin.revoke.title")}</h3>
            <p class="muted small">{i18n.text("admin.revoke.intro")}</p>
            <form on:submit=on_submit>
                <label for="revoke-reason">{i18n.text("admin.revoke.reason")}</label>
                <select
                    id="revoke-reason"
                    prop:value=move || reason.get()
                    disabled=move || matches!(step.get(), Step::Busy | Step::Done)
                    on:change=move |ev| {
                        reason.set(event_target_value(&ev));
                        step.set(Step::Choosing);
                    }
                >
                    {REASONS
                        .iter()
                        .map(|(code, key)| {
                            view! { <option value=*code>{move || i18n.t(key)}</option> }
                        })
                        .collect_view()}
                </select>
                <button
                    type="submit"
                    id="revoke-submit"
                    class="danger"
                    disabled=move || matches!(step.get(), Step::Busy | Step::Done)
                >
                    {move || match step.get() {
                        Step::Confirming => i18n.t("admin.revoke.confirm"),
                        _ => i18n.t("admin.revoke.submit"),
                    }}
                </button>
            </form>
            {move || match step.get() {
                Step::Confirming => {
                    view! { <p role="alert">{i18n.text("admin.revoke.warning")}</p> }.into_any()
                }
                Step::Done => {
                    view! { <p role="status" id="revoke-done">{i18n.text("admin.revoke.done")}</p> }
                        .into_any()
                }
                Step::Refused(error) => view! { <Refusal error=error /> }.into_any(),
                Step::Choosing | Step::Busy => ().into_any(),
            }}
        </section>
    }
}
