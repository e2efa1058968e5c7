//! The stepper 申请 → 缴费 → 审核 → 安装 → 完成 and a pair's summary: what every order
//! page shows above its panel (the timeline and payments are the overview's, in
//! `progress.rs`), in a file of its own so a page's texts follow its files (issue 16).

use leptos::prelude::*;
use protocol::renewal::{Event, RenewalStatus};
use protocol::stage::Stage;

use crate::components::{live, live_text};
use crate::format;
use crate::i18n::{I18n, use_i18n};
use crate::models::{Renewal, TimelineEntry};

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
