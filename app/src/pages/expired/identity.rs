//! 实名认证: the operator's ID card photos (both sides), then a liveness check on the
//! identity provider's page, which sends the applicant back here with its token. Each
//! check is listed with its outcome; a failed one says why and may be tried again.

use leptos::prelude::*;
use leptos::task::spawn_local;
use protocol::expired::{IdentityOutcome, UploadKind};
use serde_json::json;

use super::form::{chosen_file, upload};
use super::model::Application;
use super::ui::error_notice;
use crate::api;
use crate::components::live_text;
use crate::error::AppError;
use crate::format;
use crate::i18n::use_i18n;

/// The identity step.
#[component]
pub fn IdentityStep(app: Application, on_update: Callback<Application>) -> impl IntoView {
    let i18n = use_i18n();
    let no = app.business_no.clone();
    let error = RwSignal::new(None::<AppError>);
    let busy = RwSignal::new(false);
    let photos_ready =
        app.upload(UploadKind::IdFront).is_some() && app.upload(UploadKind::IdBack).is_some();

    let photo = |kind: UploadKind, id: &'static str, label: &'static str| {
        let no = no.clone();
        let have = app.upload(kind).map(|u| u.name.clone());
        let on_change = move |_| {
            let Some(file) = chosen_file(id) else { return };
            busy.set(true);
            error.set(None);
            let no = no.clone();
            spawn_local(async move {
                let answer = upload(&no, kind, &file).await;
                busy.set(false);
                match answer {
                    Ok(app) => on_update.run(app),
                    Err(e) => error.set(Some(e)),
                }
            });
        };
        view! {
            <div class="field">
                <label for=id>{i18n.text(label)}</label>
                <input id=id name=id type="file" accept="image/jpeg,image/png" disabled=busy on:change=on_change />
                {have.map(|name| view! {
                    <p class="muted small" id=format!("{id}-status") data-uploaded="true">{live_text(move || i18n.tf("expired.identity.uploaded", &[("name", &name)]))}</p>
                })}
            </div>
        }
    };
    let front = photo(
        UploadKind::IdFront,
        "id-front-file",
        "expired.upload.kind.id_front",
    );
    let back = photo(
        UploadKind::IdBack,
        "id-back-file",
        "expired.upload.kind.id_back",
    );

    let start = {
        let no = no.clone();
        move |_| {
            busy.set(true);
            error.set(None);
            let no = no.clone();
            spawn_local(async move {
                let answer = api::expired::liveness(&no, &json!({})).await;
                match answer {
                    // The provider's page; it sends the applicant back with the token.
                    Ok(s) => {
                        if let Some(w) = web_sys::window() {
                            let _ = w.location().assign(&s.url);
                        }
                    }
                    Err(e) => {
                        busy.set(false);
                        error.set(Some(e));
                    }
                }
            });
        }
    };

    let checks = app.identity_checks.clone();
    view! {
        <section id="expired-identity" aria-labelledby="expired-identity-title">
            <h2 id="expired-identity-title">{i18n.text("expired.identity.title")}</h2>
            <p>{i18n.text("expired.identity.intro")}</p>
            {front}
            {back}
            <p class="muted small">{i18n.text("expired.upload.hint")}</p>
            {(!checks.is_empty()).then(|| view! {
                <ul id="identity-checks">
                    {checks.into_iter().map(|c| {
                        let key = if c.outcome == IdentityOutcome::Passed { "expired.identity.passed" } else { "expired.identity.failed" };
                        let reason = c.reason.clone().unwrap_or_default();
                        view! {
                            <li data-outcome=c.outcome.clone()>
                                <strong>{i18n.text(key)}</strong>" "{reason}
                                " · "<span class="muted small">{format::date_time(&c.checked_at)}</span>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            })}
            {error_notice(error)}
            {(!photos_ready).then(|| view! { <p class="notice warn" id="identity-photos-missing">{i18n.text("expired.identity.photos_first")}</p> })}
            <div class="actions">
                <button id="liveness-start" type="button" class="primary" disabled=move || busy.get() || !photos_ready on:click=start>
                    {i18n.text("expired.identity.start")}
                </button>
            </div>
        </section>
    }
}
