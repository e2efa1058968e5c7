//! The reviewer's panel of a renewal: approvals so far and by whom, 通过 (with a
//! confirmation) and 驳回 (with a reason the customer reads, 2–500 characters).

use leptos::ev::{Event, SubmitEvent};
use leptos::html;
use leptos::prelude::*;
use protocol::renewal::RenewalStatus;

use crate::admin::actions::{Actions, Call};
use crate::admin::labels::role_key;
use crate::admin::model::ReviewView;
use crate::admin::rules::{Act, REASON_MAX, reason_len};
use crate::admin::staff::use_staff;
use crate::admin::ui::{Live, Refusal, named};
use crate::components::{live, live_text, shown};
use crate::i18n::use_i18n;

/// Approvals and the review actions.
#[component]
pub fn ReviewPanel(v: ReviewView, acts: Actions) -> impl IntoView {
    let i18n = use_i18n();
    let staff = use_staff();
    let no = v.renewal.business_no.clone();
    let required = v.approvals_required;
    let approvals = v.renewal.approvals.to_string();
    let required_text = required.to_string();
    let approved_by = v.approved_by.clone();
    let by_text = if approved_by.is_empty() {
        None
    } else {
        Some(approved_by.join("、"))
    };
    let rejection = v.renewal.rejection_reason.clone().filter(|r| !r.is_empty());
    let in_review = v.renewal.status == Some(RenewalStatus::InReview);

    let summary = {
        let (approvals_attr, required_attr) = (approvals.clone(), required_text.clone());
        let (approvals, required_text) = (approvals.clone(), required_text.clone());
        view! {
            <p id="approvals" data-approvals=approvals_attr data-required=required_attr>
                {live_text(move || i18n.tf("admin.review.approvals", &[("n", &approvals), ("required", &required_text)]))}
                {by_text.map(|names| view! { " " <span class="muted">{Live(i18n).tf("admin.review.approved_by", "names", names)}</span> })}
            </p>
        }
    };
    let rejection_view = rejection.map(|reason| {
        view! {
            <div class="notice error" id="admin-rejection-reason">
                <p><strong>{i18n.text("admin.review.rejection_reason")}</strong></p>
                <p class="prewrap">{reason}</p>
            </div>
        }
    });
    if !in_review {
        return view! {
            <section id="review-panel" aria-labelledby="review-title">
                <h2 id="review-title">{i18n.text("admin.review.title")}</h2>
                {summary}
                {rejection_view}
                <p class="muted">{i18n.text("admin.review.not_in_review")}</p>
            </section>
        }
        .into_any();
    }

    let may = move || staff.may_review();
    let mine_already = {
        let approved_by = approved_by.clone();
        move || approved_by.contains(&staff.username())
    };
    let dialog = NodeRef::<html::Dialog>::new();
    // The dialog follows `confirming`: opened as a modal (focus moves in, the page
    // behind is inert), closed when the call ends.
    Effect::new(move || {
        let open = acts.confirming.get();
        if let Some(d) = dialog.get() {
            if open && !d.open() {
                let _ = d.show_modal();
            } else if !open && d.open() {
                d.close();
            }
        }
    });
    let open_confirm = move |_| {
        acts.failure.set(None);
        acts.confirming.set(true);
    };
    let approve = {
        let no = no.clone();
        move |_| acts.run(Call::Approve(no.clone()), staff, required)
    };
    // Esc closes a modal dialog by itself; the signal must follow (not while sending).
    let on_cancel = move |ev: Event| {
        if acts.any_busy() {
            ev.prevent_default();
        }
    };
    let on_close = move |_: Event| acts.confirming.set(false);
    let reject = {
        let no = no.clone();
        move |ev: SubmitEvent| {
            ev.prevent_default();
            acts.confirming.set(false);
            acts.reject(no.clone(), staff);
        }
    };
    let no_confirm = no.clone();
    let no_fail = no.clone();
    let no_fail2 = no.clone();
    let no_busy = no.clone();
    let no_label = no.clone();
    let count = move || acts.reason.with(|r| reason_len(r));
    let count_class = move || {
        if count() > REASON_MAX {
            "small field-error"
        } else {
            "small muted"
        }
    };

    view! {
        <section id="review-panel" aria-labelledby="review-title">
            <h2 id="review-title">{i18n.text("admin.review.title")}</h2>
            {summary}
            {shown(
                move || !may(),
                move || {
                    view! {
                        <div class="notice warn" id="review-role-note">
                            <p>
                                {live_text(move || {
                                    let role = staff.role();
                                    i18n.tf("admin.review.role_note", &[("role", &named(i18n, &role, role_key))])
                                })}
                            </p>
                        </div>
                    }
                    .into_any()
                },
            )}
            {shown(
                mine_already,
                move || {
                    view! {
                        <div class="notice warn" id="already-approved">
                            <p>{i18n.text("admin.explain.already_approved")}</p>
                        </div>
                    }
                    .into_any()
                },
            )}
            <h3>{i18n.text("admin.review.approve_title")}</h3>
            <div class="actions">
                <button
                    id="approve"
                    type="button"
                    class="primary"
                    disabled=move || !may() || acts.any_busy()
                    aria-haspopup="dialog"
                    on:click=open_confirm
                >
                    {i18n.text("admin.review.approve")}
                </button>
            </div>
            <dialog id="approve-dialog" node_ref=dialog aria-labelledby="approve-dialog-title" on:cancel=on_cancel on:close=on_close>
                <h2 id="approve-dialog-title">{i18n.text("admin.review.approve_title")}</h2>
                <p>
                    {Live(i18n).tf("admin.review.confirm", "no", no_confirm)}
                </p>
                <p class="small muted">{i18n.text("admin.review.confirm_hint")}</p>
                <div class="actions">
                    <button
                        id="confirm-approve"
                        type="button"
                        class="primary"
                        disabled=move || acts.any_busy()
                        aria-busy=move || acts.any_busy().to_string()
                        on:click=approve
                    >
                        {live_text(move || {
                            if acts.any_busy() { i18n.t("admin.busy") } else { i18n.t("admin.review.confirm_yes") }
                                .to_owned()
                        })}
                    </button>
                    <button
                        id="approve-keep"
                        type="button"
                        disabled=move || acts.any_busy()
                        on:click=move |_| acts.confirming.set(false)
                    >
                        {i18n.text("common.cancel")}
                    </button>
                </div>
            </dialog>
            {live(move || {
                acts.failure_of(&[Act::Approve], &no_fail)
                    .map(|f| view! { <Refusal error=f.error explain=f.explain /> })
                    .into_any()
            })}
            <h3>{i18n.text("admin.review.reject_title")}</h3>
            <form on:submit=reject novalidate>
                <div class="field">
                    <label for="reject-reason">{i18n.text("admin.review.reason")}</label>
                    <textarea
                        id="reject-reason"
                        rows="4"
                        node_ref=acts.reason_ref
                        prop:value=move || acts.reason.get()
                        on:input=move |ev| {
                            acts.reason.set(event_target_value(&ev));
                            acts.reason_error.set(None);
                        }
                        disabled=move || !may()
                        aria-invalid=move || acts.reason_error.get().is_some().to_string()
                        aria-describedby="reject-reason-hint reject-reason-count reject-reason-error"
                    ></textarea>
                    <span class="muted small" id="reject-reason-hint">
                        {i18n.text("admin.review.reason_hint")}
                    </span>
                    <span
                        id="reject-reason-count"
                        class=count_class
                        data-count=move || count().to_string()
                    >
                        {live_text(move || i18n.tf("admin.review.reason_count", &[("n", &count().to_string()), ("max", &REASON_MAX.to_string())]))}
                    </span>
                    <span class="field-error" id="reject-reason-error" data-field="reason" role="alert">
                        {live_text(move || acts.reason_error.get().map(|k| i18n.t(k).to_owned()).unwrap_or_default())}
                    </span>
                </div>
                <div class="actions">
                    <button
                        id="reject"
                        type="submit"
                        class="danger"
                        disabled=move || !may() || acts.any_busy()
                        aria-busy=move || acts.is_busy(Act::Reject, &no_busy).to_string()
                    >
                        {live_text(move || {
                            if acts.is_busy(Act::Reject, &no_label) { i18n.t("admin.busy") } else { i18n.t("admin.review.reject") }
                                .to_owned()
                        })}
                    </button>
                </div>
            </form>
            {live(move || {
                acts.failure_of(&[Act::Reject], &no_fail2)
                    .map(|f| view! { <Refusal error=f.error explain=f.explain /> })
                    .into_any()
            })}
        </section>
    }
    .into_any()
}
