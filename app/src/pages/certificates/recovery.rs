//! 恢复加密密钥 on a card of a platform that issues pairs: after the CA's staff approved
//! a key recovery (two approvers), the certificate's holder signs in with the signing
//! certificate, and the escrowed encryption key comes to the token in an envelope that
//! only this signing key opens (`import_encryption_key`); the host's `installed`
//! signature tells the CA it arrived.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::api::recoveries::Recovery;
use crate::auth;
use crate::bridge;
use crate::components::ErrorNotice;
use crate::error::AppError;
use crate::i18n::use_i18n;
use crate::state::Chosen;
use protocol::recovery::RecoveryStatus;

/// Fetches recovery `id` enveloped to the chosen signing certificate's key, has the
/// host write it to the token, and confirms the delivery.
async fn deliver(chosen: &Chosen, id: &str) -> Result<(), AppError> {
    let encryption = api::recoveries::envelope(id, &chosen.certificate.der).await?;
    let challenge = auth::challenge().await?;
    let imported = bridge::import_encryption_key(
        chosen.token.serial.as_str(),
        chosen.certificate.sha256.as_str(),
        &encryption,
        &challenge,
    )
    .await?;
    api::recoveries::delivered(id, &challenge, &imported.confirmation_signature)
        .await
        .map(|_| ())
}

/// `details.recovery-action`: `#recovery-check` signs in and lists the approved
/// recoveries (`li.recovery[data-id][data-status]`), each with `.recovery-deliver`.
#[component]
pub fn RecoveryAction(chosen: Chosen, project: String) -> impl IntoView {
    let i18n = use_i18n();
    let rows = RwSignal::new(None::<Vec<Recovery>>);
    let failure = RwSignal::new(None::<AppError>);
    let busy = RwSignal::new(false);
    let check = {
        let chosen = chosen.clone();
        move |_| {
            busy.set(true);
            failure.set(None);
            let chosen = chosen.clone();
            let project = project.clone();
            spawn_local(async move {
                let listed = async {
                    auth::sign_in(&chosen, &project).await?;
                    api::recoveries::list_mine().await
                }
                .await;
                busy.set(false);
                match listed {
                    Ok(list) => rows.set(Some(list)),
                    Err(e) => failure.set(Some(e)),
                }
            });
        }
    };
    let run = move |id: String| {
        busy.set(true);
        failure.set(None);
        let chosen = chosen.clone();
        spawn_local(async move {
            let result = deliver(&chosen, &id).await;
            busy.set(false);
            match result {
                // The row delivered, whatever else the answer says of it.
                Ok(_) => rows.update(|r| {
                    for row in r.iter_mut().flatten().filter(|row| row.id == id) {
                        row.status = RecoveryStatus::Delivered;
                    }
                }),
                Err(e) => failure.set(Some(e)),
            }
        });
    };
    let list = move || {
        rows.get().map(|list| {
            if list.is_empty() {
                return view! { <p class="muted small">{i18n.t("recovery.customer.none")}</p> }
                    .into_any();
            }
            let run = run.clone();
            view! {
                <ul class="recoveries">
                    {list
                        .into_iter()
                        .map(|r| {
                            let id = r.id.clone();
                            let run = run.clone();
                            let ready = r.status == RecoveryStatus::Approved;
                            let status = r.status.as_str();
                            view! {
                                <li class="recovery" data-id=r.id.clone() data-status=r.status.as_str()>
                                    <code class="small">{r.encryption_sha256.clone().unwrap_or_default()}</code>
                                    " "
                                    {if ready {
                                        view! {
                                            <button
                                                type="button"
                                                class="primary recovery-deliver"
                                                disabled=move || busy.get()
                                                on:click=move |_| run(id.clone())
                                            >
                                                {i18n.t("recovery.customer.deliver")}
                                            </button>
                                        }
                                        .into_any()
                                    } else {
                                        view! { <span class="badge ok">{i18n.t("recovery.status.delivered")}</span> }
                                            .into_any()
                                    }}
                                    <span class="visually-hidden">{status}</span>
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            }
            .into_any()
        })
    };
    view! {
        <details class="recovery-action">
            <summary>{i18n.text("recovery.customer.title")}</summary>
            <p class="muted small">{i18n.text("recovery.customer.intro")}</p>
            <button type="button" class="recovery-check" disabled=move || busy.get() on:click=check>
                {i18n.text("recovery.customer.check")}
            </button>
            {list}
            {move || failure.get().map(|error| view! { <ErrorNotice error /> })}
        </details>
    }
}
