//! A dual renewal on its staff page: the encryption certificates (the old one, kept on
//! the customer's token, and the new one from the KMC) beside the signing ones, and key
//! recovery (密钥恢复): a staff member asks with a reason, two other staff members
//! approve, and the customer's token can then receive the escrowed key again.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::admin::ui::{Fact, fact, facts};
use crate::api;
use crate::api::recoveries::Recovery;
use crate::components::{ErrorNotice, Loading};
use crate::error::AppError;
use crate::format;
use crate::i18n::{I18n, use_i18n};
use crate::models::Renewal;
use crate::resource::Resource;
use protocol::recovery::RecoveryStatus;

/// `section#pair-certificates`: nothing for a single certificate's renewal.
#[component]
pub fn PairSection(renewal: Renewal) -> impl IntoView {
    let i18n = use_i18n();
    if !renewal.is_dual() {
        return None;
    }
    let enc = renewal.encryption.clone().unwrap_or_default();
    let date = |t: &Option<String>| t.as_deref().map(format::date_time).unwrap_or_default();
    let old_not_after = date(&enc.old_not_after);
    let new_not_after = date(&enc.not_after);
    let old_sha = enc.old_sha256.clone().unwrap_or_default();
    let new_sha = enc.sha256.clone();
    let no = renewal.business_no.clone();
    Some(view! {
        <section id="pair-certificates" aria-labelledby="pair-certificates-title">
            <h2 id="pair-certificates-title">{i18n.text("admin.pair.title")}</h2>
            {facts(None, None, None, vec![fact("admin.pair.kind", Fact::Key("admin.pair.kind_dual"))])}
            <h3>{i18n.text("admin.pair.old")}</h3>
            {facts(
                Some("old-encryption-certificate"),
                None,
                None,
                vec![
                    fact("admin.pair.sha256", Fact::SmallCode(old_sha)),
                    fact("admin.pair.not_after", Fact::Text(old_not_after)),
                ],
            )}
            <h3>{i18n.text("admin.pair.new")}</h3>
            {match new_sha {
                Some(sha) => facts(
                    Some("new-encryption-certificate"),
                    None,
                    Some(sha.clone()),
                    vec![
                        fact("admin.pair.sha256", Fact::SmallCode(sha)),
                        fact("admin.pair.not_after", Fact::Text(new_not_after)),
                    ],
                ),
                None => view! { <p class="muted" id="new-encryption-certificate">{i18n.text("admin.pair.not_issued")}</p> }
                    .into_any(),
            }}
            <RecoveryPanel business_no=no />
        </section>
    })
}

fn status_text(i18n: I18n, status: RecoveryStatus) -> &'static str {
    i18n.t(match status {
        RecoveryStatus::Requested => "recovery.status.requested",
        RecoveryStatus::Approved => "recovery.status.approved",
        RecoveryStatus::Delivered => "recovery.status.delivered",
    })
}

/// `#recovery-panel`: this renewal's recoveries (`table#recoveries tr[data-id][data-status]`),
/// `#recovery-reason` + `#recovery-request`, and `.recovery-approve` on each row
/// waiting for approval.
#[component]
fn RecoveryPanel(business_no: String) -> impl IntoView {
    let i18n = use_i18n();
    let staff = crate::admin::staff::use_staff();
    let version = RwSignal::new(0_u32);
    let failure = RwSignal::new(None::<AppError>);
    let flash = RwSignal::new(false);
    let reason = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let wanted = business_no.clone();
    let list = Resource::new(move || {
        version.track();
        let wanted = wanted.clone();
        async move {
            api::recoveries::list_staff().await.map(|rows| {
                rows.into_iter()
                    .filter(|r| r.business_no == wanted)
                    .collect::<Vec<Recovery>>()
            })
        }
    });
    let finished = move |result: Result<Recovery, AppError>, requested: bool| {
        busy.set(false);
        match result {
            Ok(_) => {
                failure.set(None);
                flash.set(requested);
                if requested {
                    reason.set(String::new());
                }
                version.update(|v| *v += 1);
            }
            Err(e) => {
                staff.handle(&e);
                failure.set(Some(e));
            }
        }
    };
    let request = {
        let no = business_no.clone();
        move |_| {
            let why = reason.get_untracked().trim().to_owned();
            if why.is_empty() {
                failure.set(Some(AppError::new(
                    protocol::ErrorCode::ValidationFailed,
                    i18n.t("recovery.reason_required"),
                )));
                return;
            }
            busy.set(true);
            let no = no.clone();
            let csrf = staff.csrf();
            spawn_local(async move {
                finished(api::recoveries::request(&csrf, &no, &why).await, true);
            });
        }
    };
    let approve = move |id: String| {
        busy.set(true);
        let csrf = staff.csrf();
        spawn_local(async move {
            finished(api::recoveries::approve(&csrf, &id).await, false);
        });
    };
    let rows = move || {
        list.get().map(|answer| {
            answer.map(|rows| {
                if rows.is_empty() {
                    return view! { <p class="muted" id="recoveries-none">{i18n.t("recovery.none")}</p> }
                        .into_any();
                }
                let body = rows
                    .into_iter()
                    .map(|r| {
                        let id = r.id.clone();
                        let waiting = r.status == RecoveryStatus::Requested;
                        let count = r.approval_count().to_string();
                        view! {
                            <tr data-id=r.id.clone() data-status=r.status.as_str()>
                                <td><code>{r.id.clone()}</code></td>
                                <td>{status_text(i18n, r.status)}</td>
                                <td>{r.reason.clone()}</td>
                                <td>{count}</td>
                                <td>
                                    {waiting.then(|| {
                                        let id = id.clone();
                                        view! {
                                            <button
                                                type="button"
                                                class="recovery-approve"
                                                disabled=move || busy.get()
                                                on:click=move |_| approve(id.clone())
                                            >
                                                {i18n.t("recovery.approve")}
                                            </button>
                                        }
                                    })}
                                </td>
                            </tr>
                        }
                    })
                    .collect_view();
                view! {
                    <div class="table-wrap">
                        <table id="recoveries" class="small">
                            <thead>
                                <tr>
                                    <th scope="col">{i18n.t("recovery.col.id")}</th>
                                    <th scope="col">{i18n.t("recovery.col.status")}</th>
                                    <th scope="col">{i18n.t("recovery.col.reason")}</th>
                                    <th scope="col">{i18n.t("recovery.col.approvals")}</th>
                                    <th scope="col">{i18n.t("recovery.col.action")}</th>
                                </tr>
                            </thead>
                            <tbody>{body}</tbody>
                        </table>
                    </div>
                }
                .into_any()
            })
        })
    };
    view! {
        <section id="recovery-panel" aria-labelledby="recovery-title">
            <h3 id="recovery-title">{i18n.text("recovery.title")}</h3>
            <p class="muted small">{i18n.text("recovery.intro")}</p>
            <h4>{i18n.text("recovery.list")}</h4>
            <Transition fallback=|| view! { <Loading /> }>
                <ErrorBoundary fallback=|errors| {
                    view! {
                        {move || {
                            errors
                                .get()
                                .into_iter()
                                .next()
                                .map(|(_, e)| {
                                    let error = e
                                        .downcast_ref::<AppError>()
                                        .cloned()
                                        .unwrap_or_else(|| AppError::new(protocol::ErrorCode::Internal, e.to_string()));
                                    view! { <ErrorNotice error /> }
                                })
                        }}
                    }
                }>{rows}</ErrorBoundary>
            </Transition>
            {move || failure.get().map(|error| view! { <ErrorNotice error /> })}
            {move || flash.get().then(|| view! { <p class="notice ok" role="status" id="recovery-requested">{i18n.t("recovery.requested")}</p> })}
            <div class="field">
                <label for="recovery-reason">{i18n.text("recovery.reason")}</label>
                <textarea
                    id="recovery-reason"
                    maxlength="500"
                    prop:value=move || reason.get()
                    on:input=move |ev| reason.set(event_target_value(&ev))
                ></textarea>
            </div>
            <div class="actions">
                <button id="recovery-request" type="button" disabled=move || busy.get() on:click=request>
                    {i18n.text("recovery.request")}
                </button>
            </div>
        </section>
    }
}
