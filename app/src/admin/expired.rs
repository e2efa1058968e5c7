//! `/admin/expired`: the applications of the expired-certificate path (`GET
//! /admin/expired`, docs/api.md §13.2), unsubmitted ones included, so support can see
//! where an applicant is stuck. Filters as the queue's, kept for the tab.

use crate::router::A;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use protocol::expired::ApplicationStatus;

use crate::admin::expired_labels::{expired_status_badge, expired_status_key, stuck_key};
use crate::admin::labels::{status_badge, status_key};
use crate::admin::model::ExpiredRow;
use crate::admin::query::{EXPIRED_LIMIT, ExpiredFilters, encode, expired_path};
use crate::admin::session::StaffGate;
use crate::admin::staff::use_staff;
use crate::admin::ui::{Live, Loader, RefreshButton, StatusOptions, apply_filters};
use crate::components::Loaded;
use crate::format;
use crate::i18n::use_i18n;
use crate::storage;

const KEY_FILTERS: &str = "certrenew.admin.expired_filters";

/// `/admin/expired`.
#[component]
pub fn AdminExpiredPage() -> impl IntoView {
    view! {
        <StaffGate>
            <ExpiredList />
        </StaffGate>
    }
}

/// The list with its filters.
#[component]
fn ExpiredList() -> impl IntoView {
    let i18n = use_i18n();
    let staff = use_staff();
    let saved = storage::load::<ExpiredFilters>(KEY_FILTERS).unwrap_or_default();
    let status = RwSignal::new(saved.status.clone());
    let q = RwSignal::new(saved.q.clone());
    let applied = RwSignal::new(saved);
    let rows = Loader::new(move || applied.with(expired_path), ExpiredRow::list, staff);
    Effect::new(move || applied.with(|f| storage::save(KEY_FILTERS, f)));
    let apply = move || {
        let f = ExpiredFilters {
            status: status.get_untracked(),
            q: q.get_untracked(),
        };
        apply_filters(applied, f, rows);
    };
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        apply();
    };
    let reset = move |_| {
        status.set(String::new());
        q.set(String::new());
        apply();
    };

    view! {
        <section
            id="admin-expired"
            class="admin-queue"
            aria-labelledby="expired-title"
            aria-busy=move || rows.busy.get().to_string()
        >
            <h1 id="expired-title">{i18n.text("admin.expired.title")}</h1>
            <p class="muted small">{i18n.text("admin.expired.intro")}</p>
            <form class="filters" on:submit=on_submit>
                <div class="field">
                    <label for="expired-filter-status">{i18n.text("admin.expired.status")}</label>
                    <select
                        id="expired-filter-status"
                        on:change=move |ev| {
                            status.set(event_target_value(&ev));
                            apply();
                        }
                    >
                        <StatusOptions
                            selected=status
                            options=ApplicationStatus::ALL
                                .iter()
                                .map(|s| (s.as_str(), expired_status_key(*s)))
                                .collect()
                            all="admin.expired.all_statuses"
                        />
                    </select>
                </div>
                <div class="field">
                    <label for="expired-filter-q">{i18n.text("admin.expired.search")}</label>
                    <input
                        id="expired-filter-q"
                        type="search"
                        maxlength="100"
                        placeholder=i18n.text("admin.expired.search_hint")
                        prop:value=move || q.get()
                        on:input=move |ev| q.set(event_target_value(&ev))
                    />
                </div>
                <div class="actions">
                    <button type="submit" class="primary" disabled=move || rows.busy.get()>
                        {i18n.text("admin.queue.apply")}
                    </button>
                    <button type="button" on:click=reset>
                        {i18n.text("admin.queue.reset")}
                    </button>
                    <RefreshButton loader=rows />
                </div>
            </form>
            <Loaded>{move || rows.value.get().map(|r| r.map(|list| view! { <ExpiredTable rows=list /> }))}</Loaded>
        </section>
    }
}

/// The applications, newest first (as the server gives them).
#[component]
fn ExpiredTable(rows: Vec<ExpiredRow>) -> impl IntoView {
    let i18n = use_i18n();
    let n = rows.len();
    if rows.is_empty() {
        return view! { <p class="muted" role="status">{i18n.text("admin.expired.empty")}</p> }
            .into_any();
    }
    let count = n.to_string();
    view! {
        <p role="status">
            {Live(i18n).tf("admin.expired.count", "n", count)}
            {(n >= EXPIRED_LIMIT)
                .then(|| {
                    view! {
                        " "
                        <span class="muted">
                            {Live(i18n).tf("admin.queue.capped", "n", EXPIRED_LIMIT.to_string())}
                        </span>
                    }
                })}
        </p>
        <div class="table-wrap">
            <table id="expired-list">
                <thead>
                    <tr>
                        <th scope="col">{i18n.text("admin.field.business_no")}</th>
                        <th scope="col">{i18n.text("admin.expired.status")}</th>
                        <th scope="col">{i18n.text("admin.expired.stuck")}</th>
                        <th scope="col">{i18n.text("admin.expired.mobile")}</th>
                        <th scope="col">{i18n.text("admin.field.subject")}</th>
                        <th scope="col">{i18n.text("admin.expired.renewal_status")}</th>
                        <th scope="col">{i18n.text("admin.expired.started_at")}</th>
                        <th scope="col">{i18n.text("admin.field.updated_at")}</th>
                    </tr>
                </thead>
                <tbody>{rows.into_iter().map(|r| view! { <ExpiredListRow r=r /> }).collect_view()}</tbody>
            </table>
        </div>
    }
    .into_any()
}

/// One application: its number links to the renewal once there is one.
#[component]
fn ExpiredListRow(r: ExpiredRow) -> impl IntoView {
    let i18n = use_i18n();
    let no = r.business_no.clone();
    let number = match r.renewal_status {
        Some(_) => {
            view! { <A href=format!("/admin/renewals/{}", encode(&no))>{no.clone()}</A> }.into_any()
        }
        None => view! { <span>{no.clone()}</span> }.into_any(),
    };
    let status = r.status.known();
    let status_text = r.status.clone();
    let stuck = r.status.clone();
    let renewal = match r.renewal_status.clone() {
        Some(s) => {
            let badge = status_badge(s.known());
            view! { <span class=badge>{Live(i18n).named(&s, status_key)}</span> }.into_any()
        }
        None => view! { <span class="muted">"—"</span> }.into_any(),
    };
    view! {
        <tr data-business-no=r.business_no data-status=r.status.to_string()>
            <td class="nowrap">{number}</td>
            <td>
                <span class=expired_status_badge(status)>
                    {Live(i18n).named(&status_text, expired_status_key)}
                </span>
            </td>
            <td>{Live(i18n).named(&stuck, stuck_key)}</td>
            <td class="nowrap">{r.mobile}</td>
            <td class="subject">{r.subject}</td>
            <td>{renewal}</td>
            <td class="nowrap">{format::date_time(&r.created_at)}</td>
            <td class="nowrap">{format::date_time(&r.updated_at)}</td>
        </tr>
    }
}
