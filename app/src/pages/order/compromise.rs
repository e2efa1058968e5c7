//! 报告私钥泄露 on the order page: the signed-in customer reports that the key of the
//! certificate they signed in with is lost or compromised. The report waits in the
//! staff's queue; a reviewer revokes the certificate (keyCompromise) after checking
//! (`POST /certificates/compromise`, docs/revocation.md). Two clicks: report, confirm.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::revocation::{self, Report};
use crate::components::{ErrorNotice, live, live_text};
use crate::error::AppError;
use crate::i18n::use_i18n;

#[derive(Debug, Clone, PartialEq)]
enum Step {
    Closed,
    Confirming,
    Busy,
    Sent(Report),
    Refused(AppError),
}

/// The report form (collapsed until asked for).
#[component]
pub fn CompromiseReport() -> impl IntoView {
    let i18n = use_i18n();
    let step = RwSignal::new(Step::Closed);
    let note = RwSignal::new(String::new());
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match step.get_untracked() {
            Step::Closed | Step::Refused(_) => step.set(Step::Confirming),
            Step::Confirming => {
                step.set(Step::Busy);
                let text = note.get_untracked();
                spawn_local(async move {
                    match revocation::report_compromise(&text).await {
                        Ok(report) => step.set(Step::Sent(report)),
                        Err(e) => step.set(Step::Refused(e)),
                    }
                });
            }
            Step::Busy | Step::Sent(_) => {}
        }
    };
    view! {
        <section id="compromise" class="small" aria-labelledby="compromise-title">
            <h2 id="compromise-title">{i18n.text("compromise.title")}</h2>
            <p class="muted">{i18n.text("compromise.intro")}</p>
            {live(move || match step.get() {
                Step::Sent(report) => {
                    let serial = report.serial.clone();
                    view! {
                        <p role="status" id="compromise-sent" data-report=report.id.clone()>
                            {live_text(move || i18n.tf("compromise.sent", &[("serial", &serial)]))}
                        </p>
                    }
                        .into_any()
                }
                other => {
                    let confirming = other == Step::Confirming;
                    view! {
                        <form on:submit=on_submit>
                            <label for="compromise-note">{i18n.text("compromise.note")}</label>
                            <textarea
                                id="compromise-note"
                                maxlength="1000"
                                rows="2"
                                prop:value=move || note.get()
                                on:input=move |ev| note.set(event_target_value(&ev))
                            ></textarea>
                            {confirming
                                .then(|| view! { <p role="alert">{i18n.text("compromise.warning")}</p> })}
                            <button type="submit" id="compromise-submit" class="danger" disabled=other == Step::Busy>
                                {live_text(move || {
                                    if confirming { i18n.t("compromise.confirm") } else { i18n.t("compromise.submit") }.to_owned()
                                })}
                            </button>
                            {match other {
                                Step::Refused(error) => view! { <ErrorNotice error=error /> }.into_any(),
                                _ => ().into_any(),
                            }}
                        </form>
                    }
                        .into_any()
                }
            })}
        </section>
    }
}
