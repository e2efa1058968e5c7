//! 密钥泄露报告 in the staff's review queue: customers' key-compromise reports, oldest
//! first; a reviewer revokes the certificate with reason keyCompromise or dismisses the
//! report (both audited on the server; docs/revocation.md). Shown only when there are
//! open reports.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::admin::staff::StaffCtx;
use crate::admin::ui::Refusal;
use crate::api::revocation::{self, Report};
use crate::error::AppError;
use crate::i18n::use_i18n;
use crate::resource::Resource;

/// The open reports, each with 吊销 and 驳回.
#[component]
pub fn CompromiseReports() -> impl IntoView {
    let i18n = use_i18n();
    let ctx = expect_context::<StaffCtx>();
    let version = RwSignal::new(0u32);
    let refused = RwSignal::new(None::<AppError>);
    let list = Resource::new(move || {
        version.track();
        ctx.epoch.track();
        revocation::reports()
    });
    let act = move |id: String, revoke: bool| {
        let csrf = ctx
            .staff
            .with_untracked(|s| s.as_ref().map(|s| s.csrf.clone()))
            .unwrap_or_default();
        spawn_local(async move {
            match revocation::resolve(&id, revoke, &csrf).await {
                Ok(()) => refused.set(None),
                Err(e) => refused.set(Some(e)),
            }
            version.update(|v| *v += 1);
        });
    };
    let rows = move || {
        let reports: Vec<Report> = list.get().and_then(Result::ok).unwrap_or_default();
        (!reports.is_empty()).then(|| {
            view! {
                <section id="compromise-reports" aria-labelledby="compromise-reports-title">
                    <h2 id="compromise-reports-title">{i18n.text("admin.compromise.title")}</h2>
                    <p class="muted small">{i18n.text("admin.compromise.intro")}</p>
                    <div class="table-wrap">
                        <table>
                            <thead>
                                <tr>
                                    <th scope="col">{i18n.text("admin.field.subject")}</th>
                                    <th scope="col">{i18n.text("admin.compromise.serial")}</th>
                                    <th scope="col">{i18n.text("admin.compromise.note")}</th>
                                    <th scope="col">{i18n.text("admin.compromise.reported_at")}</th>
                                    <th scope="col">{i18n.text("admin.compromise.action")}</th>
                                </tr>
                            </thead>
                            <tbody>
                                {reports
                                    .into_iter()
                                    .map(|r| {
                                        let (a, b) = (r.id.clone(), r.id.clone());
                                        let (id, serial) = (r.id.clone(), r.serial.clone());
                                        view! {
                                            <tr data-report=id data-serial=serial>
                                                <td>{r.subject}</td>
                                                <td><code>{r.serial}</code></td>
                                                <td>{r.note}</td>
                                                <td>{r.reported_at}</td>
                                                <td>
                                                    <button type="button" class="danger revoke-report" on:click=move |_| act(a.clone(), true)>
                                                        {i18n.text("admin.compromise.revoke")}
                                                    </button>
                                                    " "
                                                    <button type="button" class="dismiss-report" on:click=move |_| act(b.clone(), false)>
                                                        {i18n.text("admin.compromise.dismiss")}
                                                    </button>
                                                </td>
                                            </tr>
                                        }
                                    })
                                    .collect_view()}
                            </tbody>
                        </table>
                    </div>
                </section>
            }
        })
    };
    view! {
        {rows}
        {move || refused.get().map(|error| view! { <Refusal error=error /> })}
    }
}
