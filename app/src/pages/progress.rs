//! 查询进度: where a renewal stands. The stepper 申请 → 缴费 → 审核 → 安装 → 完成 (the
//! CA client's five steps), the timeline in words and the payment attempts; for a
//! signing and encryption pair, what the install adds, removes and keeps on the token.

use leptos::prelude::*;
use protocol::payment::{PaymentMethod, PaymentStatus};
use protocol::renewal::{Event, RenewalStatus};
use protocol::stage::Stage;

use crate::coded::Coded;
use crate::components::{live, live_text};
use crate::format;
use crate::i18n::{I18n, use_i18n};
use crate::models::{Payment, Renewal, TimelineEntry};

/// The five steps, in order (protocol's stages).
pub const STAGES: [Stage; 5] = Stage::all();

// The timeline actions that finished a step (the first found gives its time); a failed
// step takes the time of what ended it.
const APPLY_ACTIONS: [&str; 1] = ["renewal.submitted"];
const PAY_ACTIONS: [&str; 3] = [
    Event::Paid.action(),
    Event::Cancel.action(),
    Event::Expire.action(),
];
const REVIEW_ACTIONS: [&str; 2] = [Event::Approve.action(), Event::Reject.action()];
const INSTALL_ACTIONS: [&str; 1] = [Event::Issue.action()];
const DONE_ACTIONS: [&str; 1] = [Event::Confirm.action()];

fn actions(stage: Stage) -> &'static [&'static str] {
    match stage {
        Stage::Apply => &APPLY_ACTIONS,
        Stage::Pay => &PAY_ACTIONS,
        Stage::Review => &REVIEW_ACTIONS,
        Stage::Install => &INSTALL_ACTIONS,
        Stage::Done => &DONE_ACTIONS,
    }
}

fn stage_label(stage: Stage, i18n: I18n) -> &'static str {
    match stage {
        Stage::Apply => i18n.t("order.stage.apply"),
        Stage::Pay => i18n.t("order.stage.pay"),
        Stage::Review => i18n.t("order.stage.review"),
        Stage::Install => i18n.t("order.stage.install"),
        Stage::Done => i18n.t("order.stage.done"),
    }
}

/// How far a step is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepState {
    /// Behind us.
    Done,
    /// Where the renewal is now.
    Current,
    /// Still ahead.
    Todo,
    /// Where a closed renewal stopped.
    Failed,
}

impl StepState {
    /// `data-state`.
    pub fn code(self) -> &'static str {
        match self {
            StepState::Done => "done",
            StepState::Current => "current",
            StepState::Todo => "todo",
            StepState::Failed => "failed",
        }
    }
}

/// The state of each of the five steps for a renewal `status` (docs/api.md §6): the
/// stage is protocol's rule; an open renewal is at it, a closed one stopped there.
pub fn step_states(status: Option<RenewalStatus>) -> [StepState; 5] {
    // A state this page does not know: only "applied" is certain.
    let Some(status) = status else {
        return STAGES.map(|s| {
            if s == Stage::Apply {
                StepState::Done
            } else {
                StepState::Todo
            }
        });
    };
    let at = status.stage();
    STAGES.map(|s| {
        if s < at || at == Stage::Done {
            StepState::Done
        } else if s > at {
            StepState::Todo
        } else if status.is_open() {
            StepState::Current
        } else {
            StepState::Failed
        }
    })
}

/// When a step was finished (or ended), from the timeline.
pub fn stage_time(stage: Stage, timeline: &[TimelineEntry]) -> Option<String> {
    actions(stage)
        .iter()
        .find_map(|action| timeline.iter().find(|e| e.action == *action))
        .map(|e| e.at.clone())
}

/// `<ol class="stepper">` with `li[data-stage][data-state]`.
#[component]
pub fn Stepper(#[prop(into)] renewal: Signal<Renewal>) -> impl IntoView {
    let i18n = use_i18n();
    let steps = live(move || {
        let r = renewal.get();
        let states = step_states(r.status);
        STAGES
            .iter()
            .zip(states)
            .map(|(stage, state)| {
                let time = stage_time(*stage, &r.timeline).map(|t| format::date_time(&t));
                let stage = *stage;
                let current = (state == StepState::Current).then_some("step");
                view! {
                    <li data-stage=stage.as_str() data-state=state.code() aria-current=current>
                        <span class="step-name">{live_text(move || stage_label(stage, i18n).to_owned())}</span>
                        <span class="visually-hidden">{live_text(move || state_text(i18n, state).to_owned())}</span>
                        {time.map(|t| view! { <span class="step-time muted small">{t}</span> })}
                    </li>
                }
            })
            .collect_view()
            .into_any()
    });
    view! {
        <ol class="stepper" aria-label=i18n.text("order.progress")>
            {steps}
        </ol>
        <PairSummary renewal />
    }
}

/// `#pair-summary[data-state=planned|done]`: a pair's renewal, what the install adds
/// (`ul.pair-added`), removes (`ul.pair-removed`) and keeps (`ul.pair-kept`), each
/// `li[data-cert]`; nothing for a single certificate's renewal.
#[component]
pub fn PairSummary(#[prop(into)] renewal: Signal<Renewal>) -> impl IntoView {
    let i18n = use_i18n();
    live(move || {
        let r = renewal.get();
        if !r.is_dual() {
            return ().into_any();
        }
        let done = r.status == Some(RenewalStatus::Completed);
        let (intro, add, remove, keep) = if done {
            ("pair.intro_done", "pair.added", "pair.removed", "pair.kept")
        } else {
            (
                "pair.intro",
                "pair.will_add",
                "pair.will_remove",
                "pair.will_keep",
            )
        };
        let new_signing = r.certificate.as_ref().map(|c| {
            i18n.tf(
                "pair.new_not_after",
                &[("date", &format::date(&c.not_after))],
            )
        });
        let enc = r.encryption.clone();
        let new_encryption = enc
            .as_ref()
            .and_then(|e| e.not_after.as_deref())
            .map(|t| i18n.tf("pair.new_not_after", &[("date", &format::date(t))]));
        let old_signing = i18n.tf(
            "pair.old_not_after",
            &[("date", &format::date(&r.old_not_after))],
        );
        let old_encryption = enc
            .as_ref()
            .and_then(|e| e.old_not_after.as_deref())
            .map(|t| i18n.tf("pair.old_not_after", &[("date", &format::date(t))]));
        let old_enc_sha = enc.as_ref().and_then(|e| e.old_sha256.clone());
        let new_enc_sha = enc
            .as_ref()
            .and_then(|e| e.sha256.clone())
            .unwrap_or_default();
        let new_sign_sha = r
            .certificate
            .as_ref()
            .map(|c| c.sha256.clone())
            .unwrap_or_default();
        let note =
            |text: Option<String>| text.map(|t| view! { " · " <span class="muted">{t}</span> });
        view! {
            <section id="pair-summary" class="card" data-state=if done { "done" } else { "planned" } aria-labelledby="pair-title">
                <h2 id="pair-title">{i18n.t("pair.title")}</h2>
                <p>{i18n.t(intro)}</p>
                <h3>{i18n.t(add)}</h3>
                <ul class="pair-added">
                    <li data-cert="signing" data-sha256=new_sign_sha>{i18n.t("pair.add_signing")} {note(new_signing)}</li>
                    <li data-cert="encryption" data-sha256=new_enc_sha>{i18n.t("pair.add_encryption")} {note(new_encryption)}</li>
                </ul>
                <h3>{i18n.t(remove)}</h3>
                <ul class="pair-removed">
                    <li data-cert="signing" data-sha256=r.cert_sha256.clone()>{i18n.t("pair.remove_signing")} {note(Some(old_signing))}</li>
                </ul>
                {old_enc_sha.map(|sha| view! {
                    <h3>{i18n.t(keep)}</h3>
                    <ul class="pair-kept">
                        <li data-cert="encryption" data-sha256=sha>{i18n.t("pair.keep_encryption")} {note(old_encryption)}</li>
                    </ul>
                })}
            </section>
        }
        .into_any()
    })
}

fn state_text(i18n: I18n, state: StepState) -> &'static str {
    match state {
        StepState::Done => i18n.t("order.step.done"),
        StepState::Current => i18n.t("order.step.current"),
        StepState::Todo => i18n.t("order.step.todo"),
        StepState::Failed => i18n.t("order.step.failed"),
    }
}

/// The timeline's actions and their texts (a table: one lookup, not a branch each).
const ACTION_TEXTS: [(&str, &str); 24] = [
    ("renewal.submitted", "order.tl.submitted"),
    ("renewal.paid", "order.tl.paid"),
    (
        "renewal.bank_transfer_submitted",
        "order.tl.bank_transfer_submitted",
    ),
    (
        "renewal.bank_transfer_refused",
        "order.tl.bank_transfer_refused",
    ),
    ("renewal.cancelled", "order.tl.cancelled"),
    ("renewal.expired", "order.tl.expired"),
    ("renewal.approval_recorded", "order.tl.approval_recorded"),
    ("renewal.approved", "order.tl.approved"),
    ("renewal.rejected", "order.tl.rejected"),
    ("renewal.issued", "order.tl.issued"),
    ("renewal.reissued", "order.tl.reissued"),
    ("renewal.completed", "order.tl.completed"),
    ("payment.started", "order.tl.payment_started"),
    ("payment.paid", "order.tl.payment_paid"),
    ("payment.failed", "order.tl.payment_failed"),
    ("refund.opened", "order.tl.refund_opened"),
    ("refund.done", "order.tl.refund_done"),
    ("invoice.issued", "order.tl.invoice_issued"),
    ("kmc.generated", "pair.tl.kmc_generated"),
    ("kmc.escrowed", "pair.tl.kmc_escrowed"),
    ("kmc.delivered", "pair.tl.kmc_delivered"),
    ("recovery.requested", "pair.tl.recovery_requested"),
    ("recovery.approved", "pair.tl.recovery_approved"),
    ("recovery.delivered", "pair.tl.recovery_delivered"),
];

/// Who did it, and the text.
const BY_TEXTS: [(&str, &str); 4] = [
    ("user", "order.by.user"),
    ("staff", "order.by.staff"),
    ("gateway", "order.by.gateway"),
    ("system", "order.by.system"),
];

fn text_of(i18n: I18n, table: &[(&str, &'static str)], name: &str) -> Option<&'static str> {
    table
        .iter()
        .find(|(n, _)| *n == name)
        .map(|&(_, key)| i18n.t(key))
}

/// A timeline action in words; `None` for one this page does not know.
pub fn action_text(i18n: I18n, action: &str) -> Option<&'static str> {
    text_of(i18n, &ACTION_TEXTS, action)
}

fn by_text(i18n: I18n, by: &str) -> Option<&'static str> {
    text_of(i18n, &BY_TEXTS, by)
}

/// The timeline: what happened, when, by whom (oldest first, as the server sends it).
#[component]
pub fn Timeline(#[prop(into)] renewal: Signal<Renewal>) -> impl IntoView {
    let i18n = use_i18n();
    let rows = live(move || {
        renewal
            .get()
            .timeline
            .into_iter()
            .map(|e| {
                let action = e.action.clone();
                let by = e.by.clone();
                view! {
                    <li data-action=e.action.clone()>
                        <time datetime=e.at.clone() class="muted small">{format::date_time(&e.at)}</time>
                        " "
                        <span>
                            {live_text(move || action_text(i18n, &action).map(str::to_owned).unwrap_or_else(|| action.clone()))}
                        </span>
                        " "
                        <span class="muted small">
                            {live_text(move || by_text(i18n, &by).map(|b| i18n.tf("order.by", &[("who", b)])).unwrap_or_default())}
                        </span>
                    </li>
                }
            })
            .collect_view()
            .into_any()
    });
    view! {
        <section aria-labelledby="timeline-title">
            <h2 id="timeline-title">{i18n.text("order.timeline")}</h2>
            <ol class="timeline">{rows}</ol>
        </section>
    }
}

/// A payment method in words.
pub fn method_text(i18n: I18n, method: &Coded<PaymentMethod>) -> String {
    let key = match method.known() {
        Some(PaymentMethod::Alipay) => "order.method.alipay",
        Some(PaymentMethod::Unionpay) => "order.method.unionpay",
        Some(PaymentMethod::Wechat) => "order.method.wechat",
        Some(PaymentMethod::BankTransfer) => "order.method.bank_transfer",
        None => return method.to_string(),
    };
    i18n.t(key).to_owned()
}

fn payment_status(i18n: I18n, p: &Payment) -> (&'static str, String) {
    let (class, key) = match p.status.known() {
        Some(PaymentStatus::Pending) => ("warn", "order.payment.pending"),
        Some(PaymentStatus::Paid) => ("ok", "order.payment.paid"),
        Some(PaymentStatus::Failed) => ("bad", "order.payment.failed"),
        Some(PaymentStatus::Closed) => ("info", "order.payment.closed"),
        Some(PaymentStatus::Refunded) => ("info", "order.payment.refunded"),
        None => return ("info", p.status.to_string()),
    };
    (class, i18n.t(key).to_owned())
}

/// The payment attempts (支付记录), when there are any.
#[component]
pub fn Payments(#[prop(into)] renewal: Signal<Renewal>) -> impl IntoView {
    let i18n = use_i18n();
    let table = live(move || {
        let payments = renewal.get().payments;
        if payments.is_empty() {
            return ().into_any();
        }
        let rows = payments
            .into_iter()
            .map(|p| {
                let method = p.method.clone();
                let status_p = p.clone();
                view! {
                    <tr data-out-trade-no=p.out_trade_no.clone() data-status=p.status.clone()>
                        <td>{p.out_trade_no.clone()}</td>
                        <td>{live_text(move || method_text(i18n, &method))}</td>
                        <td>{format::money(p.amount_fen)}</td>
                        <td>
                            {live(move || {
                                let (class, text) = payment_status(i18n, &status_p);
                                view! { <span class=format!("badge {class}")>{text}</span> }.into_any()
                            })}
                        </td>
                        <td>{format::date_time(&p.created_at)}</td>
                        <td>{p.paid_at.as_deref().map(format::date_time).unwrap_or_default()}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <section aria-labelledby="payments-title">
                <h2 id="payments-title">{i18n.text("order.payments")}</h2>
                <div class="table-wrap">
                    <table class="attempts">
                        <thead>
                            <tr>
                                <th scope="col">{i18n.text("order.payment.no")}</th>
                                <th scope="col">{i18n.text("order.payment.method")}</th>
                                <th scope="col">{i18n.text("order.payment.amount")}</th>
                                <th scope="col">{i18n.text("order.payment.status")}</th>
                                <th scope="col">{i18n.text("order.payment.created")}</th>
                                <th scope="col">{i18n.text("order.payment.paid_at")}</th>
                            </tr>
                        </thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
            </section>
        }
        .into_any()
    });
    view! { {table} }
}

#[cfg(test)]
mod tests {
    use super::*;
    use StepState::*;

    fn entry(action: &str, at: &str) -> TimelineEntry {
        TimelineEntry {
            at: at.to_owned(),
            action: action.to_owned(),
            by: "user".to_owned(),
            detail: serde_json::Value::Null,
        }
    }

    #[test]
    fn each_status_maps_to_its_stage() {
        assert_eq!(
            step_states(Some(RenewalStatus::AwaitingPayment)),
            [Done, Current, Todo, Todo, Todo]
        );
        assert_eq!(
            step_states(Some(RenewalStatus::AwaitingReconciliation)),
            [Done, Current, Todo, Todo, Todo]
        );
        assert_eq!(
            step_states(Some(RenewalStatus::InReview)),
            [Done, Done, Current, Todo, Todo]
        );
        assert_eq!(
            step_states(Some(RenewalStatus::Approved)),
            [Done, Done, Done, Current, Todo]
        );
        assert_eq!(
            step_states(Some(RenewalStatus::Issued)),
            [Done, Done, Done, Current, Todo]
        );
        assert_eq!(step_states(Some(RenewalStatus::Completed)), [Done; 5]);
    }

    #[test]
    fn closed_renewals_show_where_they_stopped() {
        assert_eq!(
            step_states(Some(RenewalStatus::Cancelled)),
            [Done, Failed, Todo, Todo, Todo]
        );
        assert_eq!(
            step_states(Some(RenewalStatus::Expired)),
            [Done, Failed, Todo, Todo, Todo]
        );
        assert_eq!(
            step_states(Some(RenewalStatus::Rejected)),
            [Done, Done, Failed, Todo, Todo]
        );
        assert_eq!(step_states(None), [Done, Todo, Todo, Todo, Todo]);
    }

    #[test]
    fn step_times_come_from_the_timeline() {
        let timeline = vec![
            entry("renewal.submitted", "2026-03-01T01:00:00Z"),
            entry("payment.started", "2026-03-01T01:01:00Z"),
            entry("renewal.paid", "2026-03-01T01:02:00Z"),
            entry("renewal.issued", "2026-03-02T01:00:00Z"),
            entry("renewal.reissued", "2026-03-02T02:00:00Z"),
        ];
        assert_eq!(
            stage_time(Stage::Apply, &timeline).as_deref(),
            Some("2026-03-01T01:00:00Z")
        );
        assert_eq!(
            stage_time(Stage::Pay, &timeline).as_deref(),
            Some("2026-03-01T01:02:00Z")
        );
        assert_eq!(stage_time(Stage::Review, &timeline), None);
        assert_eq!(
            stage_time(Stage::Install, &timeline).as_deref(),
            Some("2026-03-02T01:00:00Z")
        );
        assert_eq!(stage_time(Stage::Done, &timeline), None);
        let rejected = vec![entry("renewal.rejected", "2026-03-03T00:00:00Z")];
        assert_eq!(
            stage_time(Stage::Review, &rejected).as_deref(),
            Some("2026-03-03T00:00:00Z")
        );
    }
}
