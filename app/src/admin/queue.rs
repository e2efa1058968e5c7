//! The review queue (`GET /admin/renewals`): filters by state, project and search,
//! kept for the tab so coming back from a renewal shows the same list.

use crate::router::A;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;

use crate::admin::labels::{STATUSES, status_badge, status_key};
use crate::admin::model::QueueRow;
use crate::admin::query::{Filters, QUEUE_LIMIT, queue_path};
use crate::admin::staff::use_staff;
use crate::admin::ui::{Live, Loader, RefreshButton, StatusOptions, apply_filters};
use crate::components::Loaded;
use crate::format;
use crate::i18n::{I18n, Lang, use_i18n};
use crate::models::Project;
use crate::state::AppState;
use crate::storage;

const KEY_FILTERS: &str = "certrenew.admin.filters";

/// A project's name in the current language, else its id.
pub fn project_name(i18n: I18n, projects: &[Project], id: &str) -> String {
    match projects.iter().find(|p| p.id == id) {
        Some(p) if i18n.lang() == Lang::En => p.name_en.clone(),
        Some(p) => p.name_zh.clone(),
        None => id.to_owned(),
    }
}

/// The projects once loaded (empty while loading or when they cannot be read: the
/// ids are shown then).
pub fn projects_now() -> Vec<Project> {
    use_context::<AppState>()
        .and_then(|s| s.projects.get())
        .and_then(Result::ok)
        .unwrap_or_default()
}

/// The queue with its filters.
#[component]
pub fn Queue() -> impl IntoView {
    let i18n = use_i18n();
    let staff = use_staff();
    let saved = storage::load::<Filters>(KEY_FILTERS).unwrap_or_else(Filters::initial);
    let status = RwSignal::new(saved.status.clone());
    let project = RwSignal::new(saved.project.clone());
    let q = RwSignal::new(saved.q.clone());
    let applied = RwSignal::new(saved);
    let rows = Loader::new(move || applied.with(queue_path), QueueRow::list, staff);
    Effect::new(move || applied.with(|f| storage::save(KEY_FILTERS, f)));
    let apply = move || {
        let f = Filters {
            status: status.get_untracked(),
            project: project.get_untracked(),
            q: q.get_untracked(),
        };
        apply_filters(applied, f, rows);
    };
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        apply();
    };
    let reset = move |_| {
        let f = Filters::initial();
        status.set(f.status.clone());
        project.set(f.project.clone());
        q.set(f.q.clone());
        apply();
    };

    view! {
        <section class="admin-queue" aria-labelledby="queue-title" aria-busy=move || rows.busy.get().to_string()>
            <h1 id="queue-title">{i18n.text("admin.queue.title")}</h1>
            <form class="filters" on:submit=on_submit>
                <div class="field">
                    <label for="filter-status">{i18n.text("admin.queue.status")}</label>
                    <select
                        id="filter-status"
                        on:change=move |ev| {
                            status.set(event_target_value(&ev));
                            apply();
                        }
                    >
                        <StatusOptions
                            selected=status
                            options=STATUSES.iter().map(|s| (s.as_str(), status_key(*s))).collect()
                            all="admin.queue.all_statuses"
                        />
                    </select>
                </div>
                <div class="field">
                    <label for="filter-project">{i18n.text("admin.queue.project")}</label>
                    <select
                        id="filter-project"
                        on:change=move |ev| {
                            project.set(event_target_value(&ev));
                            apply();
                        }
                    >
                        <option value="" selected=move || project.get().is_empty()>
                            {i18n.text("admin.queue.all_projects")}
                        </option>
                        {move || {
                            projects_now()
                                .into_iter()
                                .map(|p| {
                                    let id = p.id.clone();
                                    let id2 = p.id.clone();
                                    let selected = move || project.get() == id2;
                                    let name = move || {
                                        if i18n.lang() == Lang::En { p.name_en.clone() } else { p.name_zh.clone() }
                                    };
                                    view! { <option value=id selected=selected>{name}</option> }
                                })
                                .collect_view()
                        }}
                    </select>
                </div>
                <div class="field">
                    <label for="filter-q">{i18n.text("admin.queue.search")}</label>
                    <input
                        id="filter-q"
                        type="search"
                        maxlength="200"
                        placeholder=i18n.text("admin.queue.search_hint")
                        prop:value=move || q.get()
                        on:input=move |ev| q.set(event_target_value(&ev))
                    />
                </div>
                <div class="actions">
                    <button id="filter-apply" type="submit" class="primary" disabled=move || rows.busy.get()>
                        {i18n.text("admin.queue.apply")}
                    </button>
                    <button id="filter-reset" type="button" on:click=reset>
                        {i18n.text("admin.queue.reset")}
                    </button>
                    <RefreshButton loader=rows id="queue-refresh" />
                </div>
            </form>
            <Loaded>{move || rows.value.get().map(|r| r.map(|list| view! { <QueueTable rows=list /> }))}</Loaded>
            <crate::admin::compromise_reports::CompromiseReports />
        </section>
    }
}

/// The queue's rows (oldest first, as the server gives them).
#[component]
fn QueueTable(rows: Vec<QueueRow>) -> impl IntoView {
    let i18n = use_i18n();
    let n = rows.len();
    let count = n.to_string();
    let count_attr = count.clone();
    if rows.is_empty() {
        return view! {
            <p id="queue-count" data-count="0" class="muted">{i18n.text("admin.queue.empty")}</p>
        }
        .into_any();
    }
    view! {
        <p id="queue-count" data-count=count_attr role="status">
            {Live(i18n).tf("admin.queue.count", "n", count)}
            {(n >= QUEUE_LIMIT)
                .then(|| {
                    view! {
                        " "
                        <span class="muted">
                            {Live(i18n).tf("admin.queue.capped", "n", QUEUE_LIMIT.to_string())}
                        </span>
                    }
                })}
        </p>
        <div class="table-wrap">
            <table id="queue">
                <thead>
                    <tr>
                        <th scope="col">{i18n.text("admin.field.business_no")}</th>
                        <th scope="col">{i18n.text("admin.field.project")}</th>
                        <th scope="col">{i18n.text("admin.field.subject")}</th>
                        <th scope="col">{i18n.text("admin.field.status")}</th>
                        <th scope="col">{i18n.text("admin.field.total")}</th>
                        <th scope="col">{i18n.text("admin.field.created_at")}</th>
                        <th scope="col">{i18n.text("admin.field.updated_at")}</th>
                    </tr>
                </thead>
                <tbody>
                    {rows
                        .into_iter()
                        .map(|r| {
                            let href = format!("/admin/renewals/{}", r.business_no);
                            let project = r.project.clone();
                            let status = r.status.known();
                            let status_text = r.status.clone();
                            let no_text = r.business_no.clone();
                            view! {
                                <tr data-business-no=r.business_no data-status=r.status.to_string()>
                                    <td class="nowrap">
                                        <A href=href>{no_text}</A>
                                    </td>
                                    <td class="project">{move || project_name(i18n, &projects_now(), &project)}</td>
                                    <td class="subject">{r.subject.clone()}</td>
                                    <td>
                                        <span class=status_badge(status)>
                                            {Live(i18n).named(&status_text, status_key)}
                                        </span>
                                    </td>
                                    <td class="nowrap num">{format::money(r.total_fen)}</td>
                                    <td class="nowrap">{format::date_time(&r.created_at)}</td>
                                    <td class="nowrap">{format::date_time(&r.updated_at)}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}
