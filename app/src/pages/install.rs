//! 安装证书: the new key is made on the USB key, the CA issues the renewed certificate
//! for it, the certificate is written beside it (the old one retired last) and the CA
//! is told. A reload or a failure in the middle resumes where it stopped.

mod flow;
mod history;
mod resume;

use protocol::ErrorCode;
use protocol::renewal::RenewalStatus;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::components::{ErrorNotice, live, live_text};
use crate::error::AppError;
use crate::i18n::{I18n, use_i18n};
use crate::models::Renewal;
use crate::state::use_app_state;
use flow::Step;

/// Set while an install runs, so the order page stops refreshing under it.
#[derive(Debug, Clone, Copy)]
pub struct InstallBusy(pub RwSignal<bool>);

fn step_text(i18n: I18n, step: Option<Step>, finished: bool, stopped: bool) -> String {
    if finished {
        return i18n.t("install.step.finished").to_owned();
    }
    if let (true, Some(s)) = (stopped, step) {
        return i18n.tf("install.step.stopped", &[("n", &(s as u8).to_string())]);
    }
    let key = match step {
        None => i18n.t("install.step.idle"),
        Some(Step::FindToken) => i18n.t("install.step.find_token"),
        Some(Step::Generate) => i18n.t("install.step.generate"),
        Some(Step::Install) => i18n.t("install.step.install"),
        Some(Step::Confirm) => i18n.t("install.step.confirm"),
    };
    key.to_owned()
}

/// The install panel of an `approved` or `issued` renewal.
#[component]
pub fn InstallPanel(renewal: Renewal, #[prop(into)] on_update: Callback<Renewal>) -> impl IntoView {
    let i18n = use_i18n();
    let state = use_app_state();
    let busy = use_context::<InstallBusy>();
    let no = renewal.business_no.clone();
    let resuming =
        RwSignal::new(renewal.status == Some(RenewalStatus::Issued) || resume::load(&no).is_some());
    let running = RwSignal::new(false);
    let step = RwSignal::new(None::<Step>);
    let finished = RwSignal::new(false);
    let error = RwSignal::new(None::<AppError>);

    let alive = Arc::new(AtomicBool::new(true));
    {
        let alive = Arc::clone(&alive);
        on_cleanup(move || {
            alive.store(false, Ordering::Relaxed);
            if let Some(b) = busy {
                // The order page outlives this panel when the status moves on.
                let _ = b.0.try_set(false);
            }
        });
    }

    let start = move |_| {
        if running.get_untracked() {
            return;
        }
        running.set(true);
        error.set(None);
        if let Some(b) = busy {
            b.0.set(true);
        }
        let no = no.clone();
        let alive = Arc::clone(&alive);
        spawn_local(async move {
            let on_step = {
                let alive = Arc::clone(&alive);
                move |s: Step| {
                    if alive.load(Ordering::Relaxed) {
                        step.set(Some(s));
                    }
                }
            };
            let result = flow::run(&no, on_step).await;
            if let Ok(done) = &result {
                // The page's state follows the token even if the user left this page.
                state.chosen.set(Some(done.chosen.clone()));
                state.signed_in.set(None);
            }
            if !alive.load(Ordering::Relaxed) {
                return;
            }
            running.set(false);
            resuming.set(true);
            if let Some(b) = busy {
                b.0.set(false);
            }
            match result {
                Ok(done) => {
                    finished.set(true);
                    on_update.run(done.renewal);
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };

    let progress_value = move || {
        if finished.get() {
            4
        } else {
            step.get().map_or(0, |s| s as u8)
        }
    };
    let button_text = live_text(move || {
        if running.get() {
            i18n.t("install.running")
        } else if resuming.get() {
            i18n.t("install.continue")
        } else {
            i18n.t("install.start")
        }
        .to_owned()
    });
    let failure = live(move || {
        error.get().map(|e| match e.code.known() {
            // A pair's renewal on a helper that cannot install pairs: update it first.
            Some(ErrorCode::VersionMismatch) if e.detail("rule") == Some(flow::DUAL_HOST_RULE) => {
                let version = e.detail("host_version").unwrap_or_default().to_owned();
                view! {
                    <div class="notice error" role="alert" id="dual-host-needed" data-code=ErrorCode::VersionMismatch.as_str()>
                        <p>{live_text(move || i18n.tf("install.dual.host_outdated", &[("version", &version)]))}</p>
                        <a class="btn" href="/setup">{i18n.text("install.dual.to_setup")}</a>
                    </div>
                }
                .into_any()
            }
            Some(ErrorCode::UserCancelled) => view! {
                <div class="notice" role="status" data-code=ErrorCode::UserCancelled.as_str()>
                    <p>{i18n.text("install.cancelled")}</p>
                </div>
            }
            .into_any(),
            Some(ErrorCode::TokenRemoved | ErrorCode::TokenNotFound) => view! {
                <ErrorNotice error=e />
                <p class="notice warn">{i18n.text("install.insert_key")}</p>
            }
            .into_any(),
            _ => view! {
                <ErrorNotice error=e />
                <p class="muted">{i18n.text("install.retry_hint")}</p>
            }
            .into_any(),
        })
        .into_any()
    });

    view! {
        <section id="install-panel" aria-labelledby="install-title">
            <h2 id="install-title">{i18n.text("install.title")}</h2>
            <p>
                {live_text(move || {
                    if resuming.get() {
                        i18n.t("install.intro_resume")
                    } else {
                        i18n.t("install.intro_approved")
                    }
                    .to_owned()
                })}
            </p>
            <div class="notice warn">
                <p>{i18n.text("install.keep_inserted")}</p>
                <p>{i18n.text("install.pin_prompt")}</p>
            </div>
            <div class="install-progress" aria-live="polite">
                <label for="install-progress">{i18n.text("install.progress")}</label>
                <progress id="install-progress" max="4" value=progress_value aria-busy=move || running.get().to_string()>
                    {live_text(move || format!("{}/4", progress_value()))}
                </progress>
                <p id="install-step" data-step=progress_value>
                    {live_text(move || {
                        let stopped = !running.get() && error.with(Option::is_some);
                        step_text(i18n, step.get(), finished.get(), stopped)
                    })}
                </p>
            </div>
            {failure}
            <div class="actions">
                <button
                    id="install"
                    type="button"
                    class="primary"
                    disabled=move || running.get() || finished.get()
                    aria-busy=move || running.get().to_string()
                    on:click=start
                >
                    {button_text}
                </button>
            </div>
        </section>
    }
}
