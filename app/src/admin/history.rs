//! `/admin/renewals/{no}/history` (`admin::renewal_pages`): the renewal's timeline
//! (办理进度, oldest first) and its audit rows, on a page of their own: their words and
//! tables cost the detail's bundle ≈ 12 KB gzipped (issue 16).

use leptos::prelude::*;

use crate::admin::actions::Actions;
use crate::admin::audit::AuditTable;
use crate::admin::audit_words::{action_key, by_key, data_line};
use crate::admin::model::ReviewView;
use crate::admin::renewal_pages::{BackToDetail, SubHead};
use crate::admin::ui::{Live, Loader, head};
use crate::format;
use crate::i18n::use_i18n;
use crate::models::TimelineEntry;

/// The page's body ([`crate::admin::renewal_pages::Body`]).
pub fn history(v: ReviewView, acts: Actions, loader: Loader<ReviewView>) -> AnyView {
    let i18n = use_i18n();
    let r = v.renewal;
    view! {
        <SubHead r=r.clone() title="admin.sub.history" loader=loader acts=acts />
        <TimelineSection rows=r.timeline />
        <section id="renewal-audit-section" aria-labelledby="renewal-audit-title">
            <h2 id="renewal-audit-title">{i18n.text("admin.detail.audit")}</h2>
            <AuditTable rows=v.audit table_id="renewal-audit" />
        </section>
        <BackToDetail no=r.business_no />
    }
    .into_any()
}

/// 办理进度: the renewal's own timeline, oldest first.
#[component]
fn TimelineSection(rows: Vec<TimelineEntry>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <section id="timeline" aria-labelledby="timeline-title">
            <h2 id="timeline-title">{i18n.text("admin.detail.timeline")}</h2>
            <div class="table-wrap">
                <table class="small">
                    {head(&["admin.audit.at", "admin.audit.action", "admin.audit.actor", "admin.audit.data"])}
                    <tbody>
                        {rows
                            .into_iter()
                            .map(|t| {
                                let action = t.action.clone();
                                let by = t.by.clone();
                                view! {
                                    <tr data-action=t.action.clone()>
                                        <td class="nowrap">{format::date_time(&t.at)}</td>
                                        <td>{Live(i18n).label(action_key(&action), action)}</td>
                                        <td class="nowrap">{Live(i18n).label(by_key(&by), by)}</td>
                                        <td class="data">{data_line(&t.detail)}</td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
            </div>
        </section>
    }
}
