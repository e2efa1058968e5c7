//! The audit trail: the chain's check (`GET /admin/audit/verify`, red when broken) and
//! the recent rows (`GET /admin/audit`, newest first, paged by id), and the table the
//! renewal detail reuses for its own rows.

use crate::router::A;
use leptos::prelude::*;

use crate::admin::model::{AuditRow, Verification};
use crate::admin::staff::use_staff;
use crate::admin::ui::{Live, Loader};
use protocol::business_no::BusinessNo;

use crate::admin::audit_words::{action_key, actor_parts, data_line, short_hash};
use crate::admin::query::{AUDIT_PAGE, audit_path};
use crate::api;
use crate::components::Loaded;
use crate::format;
use crate::i18n::use_i18n;

/// Whether the audit chain is intact.
#[component]
pub fn AuditStatus() -> impl IntoView {
    let i18n = use_i18n();
    let staff = use_staff();
    let check = Loader::new(
        || api::admin::AUDIT_VERIFY.to_owned(),
        Verification::read,
        staff,
    );
    view! {
        <section class="admin-audit-status" aria-labelledby="audit-status-title">
            <h2 id="audit-status-title">{i18n.text("admin.audit.chain")}</h2>
            <Loaded>{move || check.value.get().map(|r| r.map(|v| view! { <ChainVerdict v=v /> }))}</Loaded>
            <div class="actions">
                <button
                    id="audit-verify"
                    type="button"
                    disabled=move || check.busy.get()
                    aria-busy=move || check.busy.get().to_string()
                    on:click=move |_| check.reload()
                >
                    {move || {
                        if check.busy.get() { i18n.t("admin.audit.verifying") } else { i18n.t("admin.audit.verify") }
                    }}
                </button>
            </div>
        </section>
    }
}

#[component]
fn ChainVerdict(v: Verification) -> impl IntoView {
    let i18n = use_i18n();
    let rows = v.rows.to_string();
    let rows_attr = rows.clone();
    if v.ok {
        return view! {
            <div id="audit-status" class="notice ok" data-ok="true" data-rows=rows_attr role="status">
                <p>{Live(i18n).tf("admin.audit.ok", "rows", rows)}</p>
            </div>
        }
        .into_any();
    }
    let first = v
        .first_broken
        .map(|id| id.to_string())
        .unwrap_or_else(|| "?".to_owned());
    let problem = v.problem.unwrap_or_default();
    let first_attr = first.clone();
    view! {
        <div id="audit-status" class="notice error" data-ok="false" data-first-broken=first_attr role="alert">
            <p>
                <strong>{i18n.text("admin.audit.broken")}</strong>
            </p>
            <p>{move || i18n.tf("admin.audit.broken_at", &[("id", &first), ("rows", &rows)])}</p>
            <p class="small">{i18n.text("admin.audit.problem")} " " <code>{problem}</code></p>
            <p class="small">{i18n.text("admin.audit.broken_hint")}</p>
        </div>
    }
    .into_any()
}

/// The most recent rows, a page at a time.
#[component]
pub fn AuditLog() -> impl IntoView {
    let i18n = use_i18n();
    let staff = use_staff();
    // The `before` of each page shown so far; the last is the current one.
    let pages = RwSignal::new(vec![None::<i64>]);
    let page = Loader::new(
        move || audit_path(pages.with(|p| p.last().copied().flatten())),
        AuditRow::list,
        staff,
    );
    let older = move |_| {
        let last = untrack(|| {
            page.value.with(|v| match v {
                Some(Ok(rows)) => rows.last().map(|r| r.id),
                _ => None,
            })
        });
        if let Some(id) = last {
            pages.update(|p| p.push(Some(id)));
        }
    };
    let newer = move |_| {
        pages.update(|p| {
            if p.len() > 1 {
                p.pop();
            }
        })
    };
    let newest = move |_| pages.set(vec![None]);
    let has_older = move || {
        page.value.with(|v| matches!(v, Some(Ok(rows)) if rows.len() >= AUDIT_PAGE && rows.last().is_some_and(|r| r.id > 1)))
    };
    let has_newer = move || pages.with(|p| p.len() > 1);
    view! {
        <section class="admin-audit-log" aria-labelledby="audit-log-title" aria-busy=move || page.busy.get().to_string()>
            <h2 id="audit-log-title">{i18n.text("admin.audit.recent")}</h2>
            <Loaded>
                {move || page.value.get().map(|r| r.map(|rows| view! { <AuditTable rows=rows table_id="audit-log" /> }))}
            </Loaded>
            <div class="actions">
                <button id="audit-newest" type="button" disabled=move || !has_newer() || page.busy.get() on:click=newest>
                    {i18n.text("admin.audit.newest")}
                </button>
                <button id="audit-newer" type="button" disabled=move || !has_newer() || page.busy.get() on:click=newer>
                    {i18n.text("admin.audit.newer")}
                </button>
                <button id="audit-older" type="button" disabled=move || !has_older() || page.busy.get() on:click=older>
                    {i18n.text("admin.audit.older")}
                </button>
            </div>
        </section>
    }
}

/// Audit rows as a table: id, time, who, what (with the raw action for support),
/// about what (a business number links to its renewal), details, hash.
#[component]
pub fn AuditTable(rows: Vec<AuditRow>, table_id: &'static str) -> impl IntoView {
    let i18n = use_i18n();
    if rows.is_empty() {
        return view! { <p class="muted" id=table_id>{i18n.text("admin.audit.none")}</p> }
            .into_any();
    }
    view! {
        <div class="table-wrap">
            <table id=table_id class="audit small">
                <thead>
                    <tr>
                        <th scope="col">"#"</th>
                        <th scope="col">{i18n.text("admin.audit.at")}</th>
                        <th scope="col">{i18n.text("admin.audit.actor")}</th>
                        <th scope="col">{i18n.text("admin.audit.action")}</th>
                        <th scope="col">{i18n.text("admin.audit.subject")}</th>
                        <th scope="col">{i18n.text("admin.audit.data")}</th>
                        <th scope="col">{i18n.text("admin.audit.hash")}</th>
                    </tr>
                </thead>
                <tbody>
                    {rows.into_iter().map(|r| view! { <AuditTr r=r /> }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
fn AuditTr(r: AuditRow) -> impl IntoView {
    let i18n = use_i18n();
    let (actor_key, actor_rest) = actor_parts(&r.actor);
    let action = r.action.clone();
    let action_raw = r.action.clone();
    let subject = if BusinessNo::parse(&r.subject).is_ok() {
        let href = format!("/admin/renewals/{}", r.subject);
        view! { <A href=href>{r.subject.clone()}</A> }.into_any()
    } else {
        view! { <span>{r.subject.clone()}</span> }.into_any()
    };
    view! {
        <tr data-audit-id=r.id.to_string() data-action=r.action.clone()>
            <td class="num">{r.id}</td>
            <td class="nowrap">{format::date_time(&r.at)}</td>
            <td class="nowrap" title=r.actor.clone()>
                {move || actor_key.map(|k| i18n.t(k)).unwrap_or_default()} " " {actor_rest}
            </td>
            <td>
                {Live(i18n).label(action_key(&action), action)}
                <br />
                <code class="muted">{action_raw}</code>
            </td>
            <td class="nowrap">{subject}</td>
            <td class="data">{data_line(&r.data)}</td>
            <td title=r.hash.clone()>
                <code>{short_hash(&r.hash)}</code>
            </td>
        </tr>
    }
}
