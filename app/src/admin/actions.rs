//! What staff do to a renewal (docs/api.md §9): approve and reject (reviewer), reconcile
//! a bank transfer, mark a refund sent and an invoice issued (finance). One call at a
//! time; afterwards the detail is reloaded and what happened is said; a refusal is
//! explained next to the button that caused it.

use protocol::ErrorCode;

use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::admin::rules::{Act, explain, outcome_key};
use crate::admin::staff::StaffCtx;
use crate::api;
use crate::error::AppError;
use crate::models::Renewal;

/// One staff call.
#[derive(Debug, Clone, PartialEq)]
pub enum Call {
    /// `POST /admin/renewals/{no}/approve`.
    Approve(String),
    /// `POST /admin/renewals/{no}/reject {reason}`.
    Reject(String, String),
    /// `POST /admin/payments/{out_trade_no}/reconcile {received, note}`.
    Reconcile {
        /// The attempt.
        out_trade_no: String,
        /// The money arrived.
        received: bool,
        /// For the record.
        note: String,
    },
    /// `POST /admin/refunds/{refund_no}/done` (204).
    RefundDone(String),
    /// `POST /admin/renewals/{no}/invoice`.
    Invoice(String),
}

impl Call {
    /// What kind of action it is.
    pub fn act(&self) -> Act {
        match self {
            Call::Approve(_) => Act::Approve,
            Call::Reject(..) => Act::Reject,
            Call::Reconcile { received: true, .. } => Act::Received,
            Call::Reconcile {
                received: false, ..
            } => Act::Missing,
            Call::RefundDone(_) => Act::RefundDone,
            Call::Invoice(_) => Act::InvoiceIssued,
        }
    }

    /// What it acts on (the business, payment or refund number), to tell which button
    /// is busy and where a refusal belongs.
    pub fn target(&self) -> String {
        match self {
            Call::Approve(no) | Call::Reject(no, _) | Call::Invoice(no) => no.clone(),
            Call::Reconcile { out_trade_no, .. } => out_trade_no.clone(),
            Call::RefundDone(refund_no) => refund_no.clone(),
        }
    }

    /// Sends it; the renewal afterwards, when the endpoint gives it.
    async fn send(&self, csrf: &str) -> Result<Option<Renewal>, AppError> {
        match self {
            Call::RefundDone(refund_no) => api::admin::refund_done(refund_no, csrf)
                .await
                .map(|()| None),
            Call::Reject(no, reason) => api::admin::reject(no, reason, csrf).await.map(Some),
            Call::Reconcile {
                out_trade_no,
                received,
                note,
            } => api::admin::reconcile(out_trade_no, *received, note, csrf)
                .await
                .map(Some),
            Call::Approve(no) => api::admin::approve(no, csrf).await.map(Some),
            Call::Invoice(no) => api::admin::invoice_issued(no, csrf).await.map(Some),
        }
    }
}

/// What happened, said after a successful action.
#[derive(Debug, Clone, PartialEq)]
pub struct Flash {
    /// The catalogue key.
    pub key: &'static str,
    /// Its placeholders.
    pub args: Vec<(&'static str, String)>,
}

/// A refused action: which, on what, and the error.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// The action.
    pub act: Act,
    /// Its target.
    pub target: String,
    /// The error.
    pub error: AppError,
    /// The console's explanation, chosen for the role at the time.
    pub explain: Option<&'static str>,
}

/// The action state of one renewal's page; it outlives the reloads of the detail, so
/// what was typed stays.
#[derive(Clone, Copy)]
pub struct Actions {
    /// The call under way.
    pub busy: RwSignal<Option<(Act, String)>>,
    /// The last refusal.
    pub failure: RwSignal<Option<Failure>>,
    /// The last success.
    pub flash: RwSignal<Option<Flash>>,
    /// The rejection reason being typed.
    pub reason: RwSignal<String>,
    /// What is wrong with it (catalogue key).
    pub reason_error: RwSignal<Option<&'static str>>,
    /// The reason's field, focused on an error.
    pub reason_ref: NodeRef<html::Textarea>,
    /// Reconciliation notes by attempt (a page has a few: a list, not a hash map, whose
    /// hashing code the console would link for it alone; issue 16).
    pub notes: RwSignal<Vec<(String, String)>>,
    /// The approval's confirmation is open.
    pub confirming: RwSignal<bool>,
    reload: Callback<()>,
}

impl Actions {
    /// The last success's notice (`#action-result`), on every page of a renewal.
    pub fn result_notice(self) -> crate::components::Live<AnyView> {
        let i18n = crate::i18n::use_i18n();
        crate::components::live(move || {
            self.flash
                .get()
                .map(|f| {
                    let args: Vec<(&str, &str)> =
                        f.args.iter().map(|(k, v)| (*k, v.as_str())).collect();
                    view! {
                        <div id="action-result" class="notice ok" role="status" data-key=f.key>
                            <p>{i18n.tf(f.key, &args)}</p>
                        </div>
                    }
                })
                .into_any()
        })
    }

    /// Nothing under way; `reload` reads the detail again.
    pub fn new(reload: Callback<()>) -> Self {
        Actions {
            busy: RwSignal::new(None),
            failure: RwSignal::new(None),
            flash: RwSignal::new(None),
            reason: RwSignal::new(String::new()),
            reason_error: RwSignal::new(None),
            reason_ref: NodeRef::new(),
            notes: RwSignal::new(Vec::new()),
            confirming: RwSignal::new(false),
            reload,
        }
    }

    /// Whether any call is under way (tracked).
    pub fn any_busy(self) -> bool {
        self.busy.with(Option::is_some)
    }

    /// Whether this action on this target is under way (tracked).
    pub fn is_busy(self, act: Act, target: &str) -> bool {
        self.busy
            .with(|b| matches!(b, Some((a, t)) if *a == act && t == target))
    }

    /// The refusal of `act` (any of `acts`) on `target`, if that is the last one (tracked).
    pub fn failure_of(self, acts: &[Act], target: &str) -> Option<Failure> {
        self.failure.with(|f| {
            f.as_ref()
                .filter(|f| acts.contains(&f.act) && f.target == target)
                .cloned()
        })
    }

    /// A reconciliation note (tracked).
    pub fn note(self, out_trade_no: &str) -> String {
        self.notes
            .with(|n| {
                n.iter()
                    .find(|(k, _)| k == out_trade_no)
                    .map(|(_, v)| v.clone())
            })
            .unwrap_or_default()
    }

    /// Keeps a reconciliation note.
    pub fn set_note(self, out_trade_no: &str, value: String) {
        self.notes
            .update(|n| match n.iter_mut().find(|(k, _)| k == out_trade_no) {
                Some((_, v)) => *v = value,
                None => n.push((out_trade_no.to_owned(), value)),
            });
    }

    fn focus_reason(self) {
        if let Some(el) = self.reason_ref.get_untracked() {
            let _ = el.focus();
        }
    }

    /// Rejects with the typed reason, after the server's own length rule.
    pub fn reject(self, no: String, staff: StaffCtx) {
        let reason = self.reason.get_untracked();
        if let Some(problem) = crate::admin::rules::reason_problem(&reason) {
            self.reason_error.set(Some(problem));
            self.focus_reason();
            return;
        }
        self.reason_error.set(None);
        self.run(Call::Reject(no, reason), staff, 0);
    }

    /// Makes the call; `required` is the approvals the project needs (for the words).
    pub fn run(self, call: Call, staff: StaffCtx, required: u32) {
        if self.busy.get_untracked().is_some() {
            return;
        }
        let act = call.act();
        let target = call.target();
        self.busy.set(Some((act, target.clone())));
        self.failure.set(None);
        self.flash.set(None);
        let csrf = staff.csrf();
        let role = staff
            .staff
            .with_untracked(|s| s.as_ref().map(|s| s.role.clone()).unwrap_or_default());
        spawn_local(async move {
            let answer = call.send(&csrf).await;
            self.busy.set(None);
            match answer {
                Ok(renewal) => {
                    self.flash
                        .set(Some(flash_for(&call, renewal.as_ref(), required)));
                    self.confirming.set(false);
                    match &call {
                        Call::Reject(..) => self.reason.set(String::new()),
                        Call::Reconcile { out_trade_no, .. } => self.notes.update(|n| {
                            n.retain(|(k, _)| k != out_trade_no);
                        }),
                        _ => {}
                    }
                    self.reload.run(());
                }
                Err(error) => {
                    staff.handle(&error);
                    self.confirming.set(false);
                    if act == Act::Reject && error.code == ErrorCode::ValidationFailed {
                        // The server's `reason.length`: said at the field, like ours.
                        self.reason_error.set(Some("admin.reject.reason_invalid"));
                        self.focus_reason();
                        return;
                    }
                    // The renewal moved on under us: show where it stands now.
                    if matches!(
                        error.code.known(),
                        Some(ErrorCode::IllegalTransition | ErrorCode::NotFound)
                    ) {
                        self.reload.run(());
                    }
                    let explain = explain(act, error.code.known(), role.known());
                    self.failure.set(Some(Failure {
                        act,
                        target,
                        error,
                        explain,
                    }));
                }
            }
        });
    }
}

/// The words after a success.
fn flash_for(call: &Call, renewal: Option<&Renewal>, required: u32) -> Flash {
    let status = renewal.and_then(|r| r.status);
    let mut args = vec![("target", call.target())];
    if let Some(r) = renewal {
        args.push(("approvals", r.approvals.to_string()));
        args.push(("required", required.to_string()));
        args.push(("left", required.saturating_sub(r.approvals).to_string()));
    }
    Flash {
        key: outcome_key(call.act(), status),
        args,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    // The paths are api::admin's (its `calls_name_their_endpoints`).
    #[test]
    fn calls_name_what_they_act_on() {
        let otn = "01202603010000012P0a1b2c3d".to_owned();
        let rec = Call::Reconcile {
            out_trade_no: otn.clone(),
            received: false,
            note: String::new(),
        };
        assert_eq!(rec.act(), Act::Missing);
        assert_eq!(rec.target(), otn);
    }

    #[test]
    fn a_partial_approval_says_how_many_are_left() {
        let renewal: Renewal = serde_json::from_value(json!({
            "business_no": "01202603010000012", "project": "p", "stage": "review",
            "status": "in_review", "subject": "CN=x", "cert_sha256": "ab", "old_not_after": "2026-03-01T00:00:00Z",
            "months": 12, "fee_lines": [], "total_fen": 10000, "total_display": "¥100.00",
            "approvals": 1, "created_at": "2026-03-01T00:00:00Z", "updated_at": "2026-03-01T00:00:00Z"
        }))
        .expect("reads");
        let f = flash_for(
            &Call::Approve(renewal.business_no.clone()),
            Some(&renewal),
            2,
        );
        assert_eq!(f.key, "admin.done.approval_recorded");
        assert!(f.args.contains(&("left", "1".to_owned())));
        let f = flash_for(&Call::RefundDone("xR".into()), None, 1);
        assert_eq!(f.key, "admin.done.refund");
        assert_eq!(f.args, vec![("target", "xR".to_owned())]);
    }
}
